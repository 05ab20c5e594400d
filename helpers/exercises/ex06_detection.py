"""Notebook 06: detection decoding. IoU, NMS, letterbox and its undo, YOLO decoding (draw_detections: ex06_drawing.py).

Every case names the rule of its exercise's prompt (solutions/06_detection_decoding.ipynb) that it
tests; where the prompt names an edge (IoU exactly at the threshold, a score equal to
conf_threshold, an odd pixel of padding, a box on the photo's edge) the cases go through it
exhaustively.

The mistakes are wrong answers learners really write, most specific first. Most are switches of
one wrong variant of the reference (``_iou_variant``, ``_nms_variant``, ...): a small search
(:class:`_Variants`) finds the fewest wrong switches, one or two, that reproduce the learner's
output, so that a learner who made two mistakes still hears about one of them. The others are
predicates on the output (the right indices in another order, a (K, 1) column, ...). A mistake is
named only when the evidence singles it out; otherwise the generic comparison message stands.
"""
import inspect
import itertools
import re
import time

import cv2
import numpy as np

from ..detection import box_iou, decode_yolo, nms
from ..letterbox import letterbox, unletterbox_boxes
from .core import (FAILED, Case, Exercise, KindProblem, Mistake, compare_arrays, describe, passed_before,
                   quiet_call, register)

NOTEBOOK = "06_detection_decoding"


# --------------------------------------------------------------------------- #
# Shared helpers
# --------------------------------------------------------------------------- #
def _float_array_problem(expected, got, what, atol=1e-5):
    """Like compare_arrays, but any float dtype is fine (float32 or float64)."""
    if not isinstance(got, np.ndarray):
        return KindProblem(f"{what} should be a NumPy array, not {describe(got)}")
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}; expected {expected.shape}"
    if not np.issubdtype(got.dtype, np.floating):
        return f"{what} has dtype {got.dtype}; expected floats"
    return compare_arrays(expected.astype(np.float64), got.astype(np.float64), atol=atol, what=what)


def _int_array_problem(expected, got, what):
    """Integer arrays (any integer dtype; an empty array of any dtype) holding the same values."""
    if not isinstance(got, np.ndarray):
        return KindProblem(f"{what} should be a NumPy array of ints, not {describe(got)}")
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}; expected {expected.shape}"
    if got.size and not np.issubdtype(got.dtype, np.integer):
        return f"{what} has dtype {got.dtype}; expected integers"
    return compare_arrays(expected.astype(np.int64), got.astype(np.int64), what=what)


def _same_values(a, b, atol=1e-5):
    """True when ``a`` and ``b`` hold the same numbers, whatever their dtypes (nested sequences too)."""
    if isinstance(a, (tuple, list)):
        return (isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(_same_values(x, y, atol) for x, y in zip(a, b)))
    if isinstance(b, (tuple, list)) and len(b) and not np.isscalar(b[0]):
        return False
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=1e-5, equal_nan=True))


def _arguments(case, function):
    """The case's arguments by name, defaults filled in."""
    bound = inspect.signature(function).bind(*case.args, **case.kwargs)
    bound.apply_defaults()
    return bound.arguments


def _same_switch(a, b):
    try:
        return a is b or bool(a == b)
    except Exception:
        return False


class _Variants:
    """Wrong answers one or two switches away from the reference, and which of them a learner wrote.

    ``variant(*args, **kwargs, **switches)`` is the reference with switches. ``space`` maps each
    switch to its wrong values (each one a mistake); ``styles`` maps switches to ways of writing
    that are not mistakes, tried with every combination. For a run, :meth:`explanations` is the
    smallest sets of wrong switches (one, else two) whose output equals the learner's and differs
    from the expected one: a learner who made two mistakes is told about one of them rather than
    given the generic comparison. It is worked out once per run (``run.memo``) and each mistake's
    :meth:`detect` asks whether its switch is in one of them. An explanation must also agree with
    the reference on every case before the failing one: the learner
    passed those (:func:`core.passed_before`), so a mistake that would have shown there is not theirs. ``factual`` lists
    detectors that describe the output itself (the right boxes in another order, a list that
    stops early): when one of them applies, two-switch explanations, weaker evidence than that,
    are not sought.
    """

    def __init__(self, name, variant, space, styles=None, atol=1e-5, factual=(), budget=1.0):
        self.name, self.variant, self.space, self.atol = name, variant, space, atol
        self.factual, self.budget = factual, budget  # seconds: past them, name nothing
        styles = styles or {}
        self.styles = [dict(zip(styles, values)) for values in itertools.product(*styles.values())] or [{}]

    def _output(self, case, switches):
        out = quiet_call(self.variant, case, **switches)
        return None if out is FAILED else out

    def _fits(self, run, switches, passed):
        for style in self.styles:
            out = self._output(run.case, {**style, **switches})
            if (out is not None and _same_values(out, run.got, self.atol)
                    and not _same_values(out, run.expected, self.atol)
                    and all(_same_values(self._output(case, {**style, **switches}), expected, self.atol)
                            for case, expected in passed)):
                return True
        return False

    def explanations(self, run):
        key = ("variants", self.name)
        if key not in run.memo:
            started = time.perf_counter()
            passed = passed_before(run, self.name)
            singles = [(switch, value) for switch, values in self.space.items() for value in values]
            found = [dict([single]) for single in singles if self._fits(run, dict([single]), passed)]
            if not found and not any(_fires(detector, run) for detector in self.factual):
                # a switch may matter only with another (a wrong union only once unclipped)
                for pair in itertools.combinations(singles, 2):
                    if time.perf_counter() - started > self.budget:
                        found = []  # an unfinished search proves nothing
                        break
                    if pair[0][0] != pair[1][0] and self._fits(run, dict(pair), passed):
                        found.append(dict(pair))
            run.memo[key] = found
        return run.memo[key]

    def detect(self, name, *values):
        """A detector: every smallest explanation of the learner's output has switch ``name`` at one
        of ``values`` (the wrong values of one mistake). When the explanations share no mistake,
        none is named: the generic message is better than a guess."""
        def has(combo):
            return name in combo and any(_same_switch(combo[name], value) for value in values)
        return lambda run: bool(self.explanations(run)) and all(has(combo) for combo in self.explanations(run))


def _fires(detector, run):
    try:
        return bool(detector(run))
    except Exception:
        return False


def _either(*detectors):
    return lambda run: any(detector(run) for detector in detectors)


def _clip0(values):
    return np.clip(values, 0, None)


# --------------------------------------------------------------------------- #
# box_iou
# --------------------------------------------------------------------------- #
def _random_boxes(rng, count, size=100.0, max_side=50.0):
    corner = rng.uniform(0, size, (count, 2))
    sides = rng.uniform(1, max_side, (count, 2))
    return np.hstack([corner, corner + sides]).astype(np.float32)


def _grid_boxes(limit=4):
    """Every box with corners on the integer grid 0..limit: nested, overlapping, touching at an
    edge or a corner, and apart; exact in float32."""
    spans = [(a, b) for a in range(limit + 1) for b in range(a + 1, limit + 1)]
    return np.float32([[x1, y1, x2, y2] for x1, x2 in spans for y1, y2 in spans])


def _iou_variant(boxes_a, boxes_b, plus=0.0, clip="each", denominator="union", read_as="xyxy",
                 overlap="max-min", empty_union=0.0, guard="nonzero", coords="float", orient="ab"):
    """box_iou with one switch turned the wrong way, for the mistakes below.

    plus: added to every width and height (the old '+ 1' convention). clip: "each" (right),
    "none", "product", "w" or "h" only. denominator: "union" (right), "sum" (overlap counted
    twice), "area_a", "area_b", "smaller", "none" (the intersection itself). read_as: "xyxy"
    (right), "xywh" (columns 2-3 read as width and height), "wh-area" (areas from columns 2-3
    alone). overlap: "max-min" (right), "min-max" (the enclosing box), "min-min" or "max-max". empty_union: the IoU
    given to a pair whose union is 0. guard: where empty_union replaces the division:
    "nonzero" (a zero denominator), "positive" (one at or below 0, as `where=union > 0`
    does), "none" (plain division: 0 / 0 is NaN; also what empty_union=nan means). coords:
    "float" (right), "int" (astype(int)), "round". orient: "ab" (right) or "ba" (transposed).
    """
    a = np.asarray(boxes_a, np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, np.float64).reshape(-1, 4)
    if coords != "float":
        a, b = (a.astype(int), b.astype(int)) if coords == "int" else (np.round(a), np.round(b))
    if orient == "ba":
        a, b = b, a
    if read_as == "xywh":
        a = np.hstack([a[:, :2], a[:, :2] + a[:, 2:]])
        b = np.hstack([b[:, :2], b[:, :2] + b[:, 2:]])
    low, high = {"max-min": (np.maximum, np.minimum), "min-max": (np.minimum, np.maximum),
                 "min-min": (np.minimum, np.minimum), "max-max": (np.maximum, np.maximum)}[overlap]
    w = high(a[:, None, 2], b[None, :, 2]) - low(a[:, None, 0], b[None, :, 0]) + plus
    h = high(a[:, None, 3], b[None, :, 3]) - low(a[:, None, 1], b[None, :, 1]) + plus
    if clip in ("each", "w"):
        w = _clip0(w)
    if clip in ("each", "h"):
        h = _clip0(h)
    inter = _clip0(w * h) if clip == "product" else w * h
    if read_as == "wh-area":
        area_a, area_b = a[:, 2] * a[:, 3], b[:, 2] * b[:, 3]
    else:
        area_a = (a[:, 2] - a[:, 0] + plus) * (a[:, 3] - a[:, 1] + plus)
        area_b = (b[:, 2] - b[:, 0] + plus) * (b[:, 3] - b[:, 1] + plus)
    area_a, area_b = np.broadcast_to(area_a[:, None], inter.shape), np.broadcast_to(area_b[None, :], inter.shape)
    if denominator == "none":
        return inter
    denom = {"union": area_a + area_b - inter, "sum": area_a + area_b, "area_a": area_a, "area_b": area_b,
             "smaller": np.minimum(area_a, area_b)}[denominator]
    if guard == "none" or empty_union != empty_union:  # NaN: a plain division
        with np.errstate(all="ignore"):
            return inter / denom
    out = np.full(inter.shape, float(empty_union))
    np.divide(inter, denom, out=out, where=(denom > 0) if guard == "positive" else (denom != 0))
    return out


def _iou_mistake(**switches):
    """box_iou with one switch turned the wrong way (see _iou_variant), as a learner's function."""
    def box_iou(boxes_a, boxes_b):
        return _iou_variant(boxes_a, boxes_b, **switches)
    return box_iou


_IOU = _Variants("box_iou", _iou_variant, space={
    "orient": ["ba"], "read_as": ["xywh", "wh-area"], "plus": [1.0], "overlap": ["min-max", "min-min", "max-max"],
    "clip": ["none", "product", "w", "h"], "denominator": ["sum", "area_a", "area_b", "smaller", "none"],
    "coords": ["int", "round"], "empty_union": [np.nan, 1.0]},
    styles={"guard": ["nonzero", "positive"]})


def _union(boxes_a, boxes_b):
    """(N, M) union areas (0 where both boxes have zero area)."""
    a, b = np.asarray(boxes_a, np.float64).reshape(-1, 4), np.asarray(boxes_b, np.float64).reshape(-1, 4)
    inter = _iou_variant(a, b, denominator="none")
    area_a, area_b = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return area_a[:, None] + area_b[None, :] - inter


def _iou_cases():
    rng = np.random.default_rng(0)
    some = _random_boxes(rng, 5)
    grid = _grid_boxes()
    return [
        Case("two hand-worked boxes [0, 0, 10, 10] and [4, 5, 16, 13] (IoU 30 / 166)",
             (np.float32([[0, 0, 10, 10]]), np.float32([[4, 5, 16, 13]])), rule="definition"),
        Case("6 random boxes against 4 random boxes (float32): a (6, 4) result",
             (_random_boxes(rng, 6), _random_boxes(rng, 4)), rule="pairs"),
        Case("5 random boxes against themselves (float64): 1 on the diagonal",
             (some.astype(np.float64), some.astype(np.float64)), rule="same_box"),
        Case("boxes far apart, side by side and diagonal (no overlap at all)",
             (np.float64([[0, 0, 10, 10], [50, 50, 60, 60]]),
              np.float64([[20, 20, 30, 30], [12, 0, 20, 10], [0, 12, 10, 20], [0, 0, 10, 10]])), rule="apart"),
        Case("every box with corners on the integer grid 0..4 (100 boxes) against every other: nested, "
             "overlapping, touching at an edge or a corner (IoU 0), apart", (grid, grid), rule="continuous"),
        Case("zero-area boxes: a point [5, 5, 5, 5] and a line [0, 3, 10, 3] against themselves and "
             "against [0, 0, 10, 10]",
             (np.float32([[5, 5, 5, 5], [0, 3, 10, 3]]),
              np.float32([[5, 5, 5, 5], [0, 3, 10, 3], [0, 0, 10, 10]])), rule="zero_area"),
        Case("no boxes (0, 4) against 3 boxes: a (0, 3) result", (np.zeros((0, 4), np.float32),
                                                                  _random_boxes(rng, 3)), rule="empty"),
        Case("3 boxes against no boxes (0, 4): a (3, 0) result", (_random_boxes(rng, 3),
                                                                 np.zeros((0, 4), np.float32)), rule="empty"),
        Case("boxes partly or wholly left of and above the picture (negative coordinates, as a detector gives "
             "near the border)", (np.float64([[-10, -5, 10, 15], [-20, -20, -5, -5], [-3.5, 2, 6.5, 9]]),
                                  np.float64([[-5, -10, 5, 20], [0, 0, 10, 10], [-12, -8, -6, -2]])),
             rule="definition"),
    ]


def _iou_scalar(run):
    """One number where a (1, 1) array is due."""
    return (run.expected.shape == (1, 1) and isinstance(run.got, (float, np.floating))
            and np.isclose(float(run.got), run.expected[0, 0], atol=1e-6))


def _iou_pairwise(run):
    """Box i of boxes_a against box i of boxes_b only, as a 1-D result."""
    got, expected = np.asarray(run.got, np.float64), run.expected
    pairs = min(expected.shape)
    if got.shape == expected.shape or got.ndim > 1 or got.size != pairs or pairs == 0:
        return False
    return np.allclose(got.reshape(-1), np.diagonal(expected)[:pairs], atol=1e-5)


def _iou_empty_shape(run):
    return run.expected.size == 0 and np.asarray(run.got).size == 0 and np.shape(run.got) != run.expected.shape


def _example_iou_scalar(boxes_a, boxes_b):
    ax1, ay1, ax2, ay2 = boxes_a[0]
    bx1, by1, bx2, by2 = boxes_b[0]
    inter = max(0, min(ax2, bx2) - max(ax1, bx1)) * max(0, min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def _example_iou_transposed(boxes_a, boxes_b):
    return box_iou(boxes_b, boxes_a)


def _example_iou_pairwise(boxes_a, boxes_b):
    a, b = np.asarray(boxes_a, np.float64), np.asarray(boxes_b, np.float64)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    w = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - w * h
    return np.divide(w * h, union, out=np.zeros(n), where=union > 0)


def _iou_zero_division(exc, case):
    return isinstance(exc, ZeroDivisionError) and bool((_union(*case.args) == 0).any())


def _example_iou_zero_division(boxes_a, boxes_b):
    out = np.zeros((len(boxes_a), len(boxes_b)))
    for i, (ax1, ay1, ax2, ay2) in enumerate(np.asarray(boxes_a).tolist()):
        for j, (bx1, by1, bx2, by2) in enumerate(np.asarray(boxes_b).tolist()):
            inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
            out[i, j] = inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter)
    return out


def _example_iou_int_coordinates(boxes_a, boxes_b):
    return box_iou(np.asarray(boxes_a).astype(int), np.asarray(boxes_b).astype(int))


def _example_iou_nan(boxes_a, boxes_b):
    a, b = np.asarray(boxes_a, np.float64)[:, None], np.asarray(boxes_b, np.float64)[None]
    w = np.maximum(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0)
    h = np.maximum(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0)
    inter = w * h
    union = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    with np.errstate(invalid="ignore"):
        return inter / (union - inter)


def _example_iou_one_for_empty(boxes_a, boxes_b):
    iou = _example_iou_nan(boxes_a, boxes_b)
    return np.where(np.isnan(iou), 1.0, iou)  # "the same box has IoU 1"


def _example_iou_empty_shape(boxes_a, boxes_b):
    rows = [[_example_iou_scalar(np.float64([a]), np.float64([b])) for b in boxes_b] for a in boxes_a]
    return np.array(rows, dtype=np.float64)


register(Exercise(
    name="box_iou",
    notebook=NOTEBOOK,
    reference=box_iou,
    cases=_iou_cases,
    compare=lambda expected, got: _float_array_problem(expected, got, "the IoU matrix"),
    summary="(N, M) intersection over union of xyxy boxes",
    rules={
        "definition": "the area they share divided by the area they cover together",
        "same_box": "1 for the same box",
        "apart": "0 for boxes that do not touch",
        "continuous": "a box from 0 to 10 is 10 pixels wide",
        "zero_area": "Two boxes of zero area have a union of 0: their IoU is 0, not NaN",
        "pairs": "an (N, M) float array: the IoU of every box of `boxes_a` (rows) with every box of "
                 "`boxes_b` (columns)",
        "empty": "also when N or M is 0",
    },
    hint=(
        """
        IoU = area of the intersection / area of the union, and the union is the two areas
        minus the intersection (which they would otherwise count twice). For every pair at
        once, look up NumPy broadcasting: an (N, 1) column against a (1, M) row gives (N, M).
        """,
        """
        1. The overlap of two boxes runs from the larger x1 to the smaller x2, and from the
           larger y1 to the smaller y2.
        2. When the boxes do not meet, that width or height is negative: clip each at 0.
        3. The areas are (x2 - x1) * (y2 - y1), with no "+ 1" (a box from 0 to 10 is 10 wide).
        4. union = area_a + area_b - intersection, as an (N, M) array.
        5. Where the union is 0 (two boxes of zero area), the IoU is 0, not NaN.
        Convert both inputs with np.asarray(..., dtype=np.float64).reshape(-1, 4), so integer
        boxes and empty inputs work too.
        """,
        """
        `left = np.maximum(a[:, None, 0], b[None, :, 0])` is the (N, M) left edge of every
        overlap; top, right and bottom are the same with columns 1, 2 and 3 (np.minimum for right
        and bottom). Step 5 is a division only where it is allowed:
        `np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)`.
        """,
    ),
    mistakes=[
        Mistake("box_iou.scalar", "box_iou returns an (N, M) array, also for one box against one: a (1, 1) array "
                "here, not a single number. Compare every box of boxes_a with every box of boxes_b.",
                detect=_iou_scalar, example=_example_iou_scalar, on_type=True),
        Mistake("box_iou.pairwise", "you compared box i of boxes_a with box i of boxes_b only. box_iou compares "
                "every box of boxes_a with every box of boxes_b: an (N, M) result, built by broadcasting "
                "a[:, None] against b[None, :].", detect=_iou_pairwise, example=_example_iou_pairwise),
        Mistake("box_iou.empty_shape", "with no boxes on one side the result is still 2-D: (0, M) or (N, 0), e.g. "
                "np.zeros((len(boxes_a), len(boxes_b))).",
                detect=_iou_empty_shape, example=_example_iou_empty_shape),
        Mistake("box_iou.transposed", "your matrix is transposed: row i is box i of boxes_a and column j is box j "
                "of boxes_b, so the result is (N, M), not (M, N).",
                detect=_IOU.detect("orient", "ba"), example=_example_iou_transposed),
        Mistake("box_iou.xywh", "you read columns 2-3 as width and height. The boxes are corners x1, y1, x2, y2: "
                "the width is x2 - x1 and the height y2 - y1.",
                example=_iou_mistake(read_as="xywh"),
                detect=_IOU.detect("read_as", "xywh", "wh-area")),
        Mistake("box_iou.plus_one", "you used the old '+ 1' pixel convention (width = x2 - x1 + 1). These boxes are "
                "in continuous coordinates: a box from 0 to 10 is 10 pixels wide.",
                example=_iou_mistake(plus=1.0),
                detect=_IOU.detect("plus", 1.0)),
        Mistake("box_iou.overlap_min_max", "your overlap is not the shared part: it runs from the larger x1 to the "
                "smaller x2, min(x2) - max(x1), and from the larger y1 to the smaller y2.",
                example=_iou_mistake(overlap="min-max"),
                detect=_IOU.detect("overlap", "min-max", "min-min", "max-max")),
        Mistake("box_iou.no_clip", "boxes that do not overlap got a non-zero IoU: when the width or the height of "
                "the overlap is negative, the product is wrong (and positive when both are). Clip each of "
                "them at 0 before multiplying.",
                example=_iou_mistake(clip="none"),
                detect=_IOU.detect("clip", "none", "product", "w", "h")),
        Mistake("box_iou.union_counts_overlap_twice", "the union counts the overlap twice: union = area_a + area_b - "
                "intersection.", example=_iou_mistake(denominator="sum"),
                detect=_IOU.detect("denominator", "sum")),
        Mistake("box_iou.divides_by_one_area", "you divided the overlap by the area of one box. IoU divides it by "
                "the union of both: area_a + area_b - intersection.",
                example=_iou_mistake(denominator="area_a"),
                detect=_IOU.detect("denominator", "area_a", "area_b", "smaller")),
        Mistake("box_iou.intersection_only", "you returned the intersection areas: divide them by the union, "
                "area_a + area_b - intersection.", example=_iou_mistake(denominator="none"),
                detect=_IOU.detect("denominator", "none")),
        Mistake("box_iou.int_coordinates", "you rounded the coordinates to integers: the boxes are floats, keep "
                "them as they are (no astype(int) or np.round).",
                example=_example_iou_int_coordinates,
                detect=_IOU.detect("coords", "int", "round")),
        Mistake("box_iou.nan_for_empty_union", "two zero-area boxes gave NaN (0 / 0). Where the union is 0, the IoU "
                "is 0: divide with np.divide(..., where=union > 0) into an array of zeros.",
                detect=_IOU.detect("empty_union", np.nan), example=_example_iou_nan),
        Mistake("box_iou.zero_division", "two zero-area boxes have a union of 0, so the division failed. Their IoU "
                "is 0: check `union > 0` before dividing (or use np.divide(..., where=union > 0)).",
                on_error=_iou_zero_division, example=_example_iou_zero_division),
        Mistake("box_iou.one_for_empty_union", "two zero-area boxes got IoU 1. Their union is 0, and the prompt "
                "gives such a pair IoU 0: they share no area.",
                detect=_IOU.detect("empty_union", 1.0), example=_example_iou_one_for_empty),
    ],
))


# --------------------------------------------------------------------------- #
# nms
# --------------------------------------------------------------------------- #
def _xywh(boxes):
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])


def _nms_variant(boxes, scores, iou_threshold, visit="descending", drop="above", suppressors="kept",
                 iou=box_iou, output="kept", fixed_threshold=None):
    """Greedy NMS with one switch turned the wrong way, for the mistakes below.

    visit: "descending" (right), "input" (index order), "ascending". drop: "above" (right),
    "at_or_above" (>=), "at_or_below" (the test inverted). suppressors: "kept" (right), "all"
    (suppressed boxes suppress too) or "first" (one round: only the best box suppresses, every
    other box stays). fixed_threshold: a number used whatever iou_threshold is given (0.5 from a
    tutorial). output: "kept" (right), "index_order" (sorted indices),
    "positions" (positions in the score-sorted order instead of indices into boxes),
    "reversed" (lowest score first).
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    order = {"descending": np.argsort(-scores, kind="stable"), "ascending": np.argsort(scores, kind="stable"),
             "input": np.arange(len(scores))}[visit]
    overlaps = iou(boxes, boxes).astype(np.float32) if len(boxes) else np.zeros((0, 0), np.float32)
    threshold = np.float32(iou_threshold if fixed_threshold is None else fixed_threshold)
    removed = np.zeros(len(scores), bool)
    keep = []
    for rank, i in enumerate(order):
        if removed[i] and suppressors in ("kept", "first"):
            continue
        if not removed[i]:
            keep.append(int(i))
        if suppressors == "first" and rank > 0:
            continue
        later = order[rank + 1:]
        over = overlaps[i, later]
        gone = {"above": over > threshold, "at_or_above": over >= threshold, "at_or_below": over <= threshold}[drop]
        removed[later[gone]] = True
    if output == "index_order":
        keep = sorted(keep)
    elif output == "reversed":
        keep = keep[::-1]
    elif output == "positions":
        keep = [int(np.flatnonzero(order == k)[0]) for k in keep]
    return np.array(keep, dtype=np.int64)


def _nms_mistake(**switches):
    """nms with one switch turned the wrong way (see _nms_variant), as a learner's function."""
    def nms(boxes, scores, iou_threshold):
        return _nms_variant(boxes, scores, iou_threshold, **switches)
    return nms


def _nms_cv2_corners(boxes, scores, iou_threshold):
    kept = cv2.dnn.NMSBoxes(np.asarray(boxes, np.float64).tolist(), np.asarray(scores, np.float32).tolist(),
                            0.0, float(iou_threshold))
    return np.asarray(kept, dtype=np.int64).reshape(-1)


def _nms_cv2_threshold_as_score(boxes, scores, iou_threshold):
    kept = cv2.dnn.NMSBoxes(_xywh(boxes).tolist(), np.asarray(scores, np.float32).tolist(),
                            float(iou_threshold), float(iou_threshold))
    return np.asarray(kept, dtype=np.int64).reshape(-1)


def _iou_plus_one(boxes_a, boxes_b):
    return _iou_variant(boxes_a, boxes_b, plus=1.0)


def _iou_corners_as_xywh(boxes_a, boxes_b):
    """The IoU cv2.dnn.NMSBoxes computes when given corners: x2, y2 read as a width and a height."""
    return _iou_variant(boxes_a, boxes_b, read_as="xywh")


def _clustered_boxes(rng, clusters, per_cluster):
    centres = rng.uniform(40, 360, (clusters, 2))
    boxes = []
    for centre in centres:
        size = rng.uniform(30, 80, 2)
        for _ in range(per_cluster):
            jitter = rng.normal(0, 6, 4)
            boxes.append(np.concatenate([centre - size / 2, centre + size / 2]) + jitter)
    boxes = np.array(boxes, np.float32)
    return boxes, rng.permutation(len(boxes)).astype(np.float32) / len(boxes) + 0.01


def _exact_edge_groups(m, sixteenths=16):
    """Boxes whose IoU with a better box is exactly m/16 (it stays), (m + 1)/16 (it goes) and
    (m - 1)/16 (it stays), nested and shifted, across x and y; groups 100 px apart, all exact.

    Dyadic thresholds (m/16) are exact in float32 and float64, so every correct way of writing
    the IoU (and cv2.dnn.NMSBoxes) gives the threshold itself for these pairs.
    """
    pairs = []
    for k in (m, m + 1, m - 1):  # nested: [0, 0, k, 8] inside [0, 0, 16, 8]
        pairs.append(([0, 0, sixteenths, 8], [0, 0, k, 8]))
    pairs.append(([0, 0, 8, sixteenths], [0, 0, 8, m]))               # nested along y
    long = sixteenths + m                                             # shifted: IoU (L - s) / (L + s)
    pairs.append(([0, 0, long, 8], [sixteenths - m, 0, sixteenths - m + long, 8]))
    pairs.append(([0, 0, 8, long], [0, sixteenths - m, 8, sixteenths - m + long]))
    boxes, scores = [], []
    for g, (best, other) in enumerate(pairs):
        offset = np.float32([100 * g, 50 * g, 100 * g, 50 * g])
        boxes += [np.float32(best) + offset, np.float32(other) + offset]
        scores += [0.95 - 0.05 * g, 0.6 - 0.05 * g]
    order = np.random.default_rng(m).permutation(len(boxes))
    return np.array(boxes, np.float32)[order], np.float32(scores)[order]


_NMS = _Variants("nms", _nms_variant, space={
    "output": ["index_order", "positions", "reversed"], "visit": ["input", "ascending"],
    "drop": ["at_or_below", "at_or_above"], "suppressors": ["all", "first"], "iou": [_iou_plus_one, _iou_corners_as_xywh],
    "fixed_threshold": [0.5, 0.45]},
    factual=(lambda run: _nms_drops_low_scores(run), lambda run: _nms_other_order(run)))


def _nms_cases():
    rng = np.random.default_rng(3)
    boxes, scores = _clustered_boxes(rng, 5, 6)
    boxes2, scores2 = _clustered_boxes(rng, 3, 4)
    many = _random_boxes(rng, 60, size=150, max_side=60)
    chain = np.float32([[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]])
    cases = [
        Case("30 boxes in 5 clusters, iou_threshold=0.45", (boxes, scores, 0.45), rule="greedy"),
        Case("12 boxes in 3 clusters, iou_threshold=0.3", (boxes2, scores2), {"iou_threshold": 0.3},
             rule="indices"),
        Case("a chain A-B-C: B overlaps A and C (IoU 0.43), A and C overlap little (0.11); "
             "scores A 0.9, B 0.8, C 0.7; iou_threshold=0.3",
             (chain, np.float32([0.9, 0.8, 0.7]), 0.3), rule="only_kept"),
        Case("small boxes [0, 0, 4, 4] and [2, 0, 6, 4] (IoU 8 / 24 = 0.33) and [20, 0, 24, 4] far away, "
             "iou_threshold=0.4: all three stay",
             (np.float32([[0, 0, 4, 4], [2, 0, 6, 4], [20, 0, 24, 4]]), np.float32([0.8, 0.7, 0.6]), 0.4),
             rule="greedy"),
    ]
    for m in range(1, 16):
        edge_boxes, edge_scores = _exact_edge_groups(m)
        cases.append(Case(f"6 pairs of boxes with IoU exactly {m}/16, ({m} + 1)/16 and ({m} - 1)/16 (nested and "
                          f"shifted, along x and y), iou_threshold={m}/16", (edge_boxes, edge_scores, m / 16),
                          rule="edge"))
    cases += [
        Case("boxes [0, 0, 10, 10] and [0, 0, 10, 20]: IoU exactly 0.5, iou_threshold=0.5",
             (np.float32([[0, 0, 10, 10], [0, 0, 10, 20]]), np.float32([0.6, 0.9]), 0.5), rule="edge"),
        Case("60 random boxes with random scores, iou_threshold=0.4 (as cv2.dnn.NMSBoxes)",
             (many, rng.uniform(0.05, 1, 60).astype(np.float32), 0.4), rule="cv2"),
        Case("one box", (np.float32([[5, 5, 20, 30]]), np.float32([0.3]), 0.5), rule="indices"),
        Case("no boxes: (0, 4) boxes and (0,) scores",
             (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5), rule="empty"),
    ]
    return cases


def _is_index(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _compare_kept(expected, got):
    """The kept indices: an integer array or a list of ints (an empty array may have any dtype)."""
    if isinstance(got, list):
        if not all(_is_index(i) for i in got):
            return KindProblem(f"the kept indices should be ints, not {describe(got)}")
        got = np.array(got, dtype=np.int64).reshape(-1)
    elif not isinstance(got, np.ndarray):
        return KindProblem(f"the kept indices should be an integer array or a list of ints, not {describe(got)}")
    return _int_array_problem(expected, got, "the kept indices")


def _kept_list(run):
    """The learner's kept indices as a list of ints, or None when they are not a 1-D integer sequence."""
    got = run.got
    if isinstance(got, np.ndarray) and got.ndim == 1 and (np.issubdtype(got.dtype, np.integer) or not got.size):
        return [int(i) for i in got]
    if isinstance(got, list) and all(_is_index(i) for i in got):
        return [int(i) for i in got]
    return None


def _nms_empty_tuple(run):
    return isinstance(run.got, tuple) and len(run.got) == 0 and run.expected.size == 0


def _nms_returned_boxes(run):
    boxes = np.asarray(run.case.args[0], np.float64)
    return np.shape(run.got) == (len(run.expected), 4) and np.allclose(run.got, boxes[run.expected], atol=1e-4)


def _nms_returned_mask(run):
    got = run.got
    return (isinstance(got, np.ndarray) and got.dtype == bool and got.shape == (len(run.case.args[1]),)
            and set(np.flatnonzero(got).tolist()) == set(run.expected.tolist()))


def _nms_column(run):
    got = run.got
    return (isinstance(got, np.ndarray) and got.shape == (len(run.expected), 1)
            and np.array_equal(got.reshape(-1), run.expected))


def _nms_float_indices(run):
    got = run.got
    return (isinstance(got, np.ndarray) and got.size and np.issubdtype(got.dtype, np.floating)
            and got.shape == run.expected.shape and np.array_equal(got, run.expected))


def _example_nms_float_indices(boxes, scores, iou_threshold):
    return nms(boxes, scores, iou_threshold).astype(float)


def _nms_drops_low_scores(run):
    kept, expected = _kept_list(run), run.expected.tolist()
    return kept is not None and 0 < len(kept) < len(expected) and kept == expected[:len(kept)]


def _nms_other_order(run):
    kept, expected = _kept_list(run), run.expected.tolist()
    return kept is not None and kept != expected and sorted(kept) == sorted(expected)


def _nms_empty_error(exc, case):
    """Any exception on the case with no boxes: the code assumed at least one."""
    return case.rule == "empty" and len(case.args[1]) == 0 and isinstance(exc, Exception)


def _example_nms_empty_crash(boxes, scores, iou_threshold):
    order = list(np.argsort(-np.asarray(scores), kind="stable"))
    keep = [order.pop(0)]  # IndexError when there are no boxes
    while order:
        order = [j for j in order if box_iou(boxes[keep[-1]:keep[-1] + 1], boxes[j:j + 1])[0, 0] <= iou_threshold]
        if order:
            keep.append(order.pop(0))
    return np.array(keep, dtype=np.int64)


def _example_nms_empty_tuple(boxes, scores, iou_threshold):
    return cv2.dnn.NMSBoxes(_xywh(boxes).tolist(), np.asarray(scores).tolist(), 0.0, iou_threshold)


def _example_nms_boxes(boxes, scores, iou_threshold):
    return np.asarray(boxes)[nms(boxes, scores, iou_threshold)]


def _example_nms_mask(boxes, scores, iou_threshold):
    keep = np.zeros(len(scores), bool)
    keep[nms(boxes, scores, iou_threshold)] = True
    return keep


def _example_nms_column(boxes, scores, iou_threshold):
    return nms(boxes, scores, iou_threshold).reshape(-1, 1)  # OpenCV before 4.5.4 returned (K, 1)


def _example_nms_score_threshold(boxes, scores, iou_threshold):
    kept = cv2.dnn.NMSBoxes(_xywh(boxes).tolist(), np.asarray(scores).tolist(), 0.25, iou_threshold)
    return np.asarray(kept, dtype=np.int64).reshape(-1)


def _example_nms_reversed(boxes, scores, iou_threshold):
    return nms(boxes, scores, iou_threshold)[::-1]


register(Exercise(
    name="nms",
    notebook=NOTEBOOK,
    reference=nms,
    cases=_nms_cases,
    compare=_compare_kept,
    summary="greedy non-maximum suppression: kept indices, best first",
    rules={
        "greedy": "sort by score, keep the highest, drop every remaining box whose IoU with it is above the "
                  "threshold, repeat with what is left",
        "only_kept": "Only kept boxes suppress others",
        "edge": "A box whose IoU is exactly the threshold stays",
        "indices": "the indices of the kept boxes (into `boxes`), highest score first, as an integer array "
                   "or a list of ints",
        "empty": "no boxes give an empty one",
        "cv2": "It must agree with `cv2.dnn.NMSBoxes`",
    },
    hint=(
        """
        Greedy: the best box first. np.argsort gives the order, box_iou (exercise 1) the
        overlaps, and a loop that shrinks the list of remaining candidates does the rest.
        """,
        """
        1. The order: the indices sorted by score, highest first (a stable sort keeps equal
           scores in their input order).
        2. While candidates remain: keep the first one, compute its IoU with the others, and
           keep as candidates only those whose IoU is not above the threshold (a box exactly at
           the threshold stays). Only kept boxes suppress others.
        3. Return the kept indices in the order you kept them, as int64 (no boxes: an empty array).
        Or use cv2.dnn.NMSBoxes: it wants (x, y, w, h) boxes and a score threshold (0 here), and
        returns () when nothing is kept.
        """,
        """
        `order = np.argsort(-scores, kind="stable")`; in the loop, `best, rest = order[0],
        order[1:]` and `overlaps = box_iou(boxes[best][None], boxes[rest])[0]`. What is left is
        the line that keeps those of `rest` whose overlap is at most iou_threshold.
        (With cv2, wrap its result in np.asarray(..., dtype=np.int64).reshape(-1).)
        """,
    ),
    mistakes=[
        Mistake("nms.empty_tuple", "cv2.dnn.NMSBoxes returns an empty tuple () when nothing is kept, and "
                "`boxes[()]` would give back every box: return an empty array or list instead, e.g. "
                "np.asarray(kept, dtype=np.int64).reshape(-1).",
                detect=_nms_empty_tuple, example=_example_nms_empty_tuple, on_type=True),
        Mistake("nms.float_indices", "your indices are floats: indices are ints, e.g. np.array(keep, "
                "dtype=np.int64) (np.array of floats, or of an empty list, is float64).",
                detect=_nms_float_indices, example=_example_nms_float_indices),
        Mistake("nms.returned_boxes", "you returned the kept boxes themselves: nms returns their indices into "
                "boxes (so that scores and labels can be picked with them too).",
                detect=_nms_returned_boxes, example=_example_nms_boxes),
        Mistake("nms.returned_mask", "you returned a True/False mask: nms returns the kept indices, highest "
                "score first (the order matters, and a mask has none).",
                detect=_nms_returned_mask, example=_example_nms_mask),
        Mistake("nms.column", "your indices are a (K, 1) column: flatten them to (K,) with .reshape(-1) (older "
                "OpenCV versions return NMSBoxes' result as a column).",
                detect=_nms_column, example=_example_nms_column),
        Mistake("nms.index_order", "the right boxes, but in index order: return them in the order NMS keeps them, "
                "highest score first (cv2.dnn.NMSBoxes does too).",
                example=_nms_mistake(output="index_order"), detect=_NMS.detect("output", "index_order")),
        Mistake("nms.input_order", "you visited the boxes in input order. Greedy NMS visits them by score, "
                "highest first: order = np.argsort(-scores), then keep order[0], drop its overlaps, repeat.",
                example=_nms_mistake(visit="input"), detect=_NMS.detect("visit", "input")),
        Mistake("nms.ascending", "you started from the lowest score: np.argsort sorts ascending. Visit the boxes "
                "highest score first: np.argsort(-scores) (or np.argsort(scores)[::-1]).",
                example=_nms_mistake(visit="ascending"), detect=_NMS.detect("visit", "ascending")),
        Mistake("nms.sorted_positions", "you returned positions in the score-sorted order, not indices into boxes. "
                "Map them back: if order = np.argsort(-scores), the box at position p is order[p].",
                example=_nms_mistake(output="positions"), detect=_NMS.detect("output", "positions")),
        Mistake("nms.inverted_test", "you kept the boxes that overlap the kept one and dropped the others: drop a "
                "box when its IoU is above the threshold, keep it when the IoU is at or below.",
                example=_nms_mistake(drop="at_or_below"), detect=_NMS.detect("drop", "at_or_below")),
        Mistake("nms.cv2_corners", "cv2.dnn.NMSBoxes takes boxes as (x, y, width, height), not corners: convert "
                "with w = x2 - x1, h = y2 - y1 first.", example=_nms_cv2_corners,
                detect=_either(_NMS.detect("iou", _iou_corners_as_xywh),
                               lambda run: _kept_list(run) == _nms_cv2_corners(*run.case.args, **run.case.kwargs).tolist()
                               and not _NMS.explanations(run))),
        Mistake("nms.cv2_score_threshold", "you passed the IoU threshold as NMSBoxes' score threshold too, so "
                "low-scoring boxes vanished. The arguments are (boxes, scores, score_threshold, nms_threshold, "
                "eta): give a score threshold of 0 here (and never put a threshold in the fifth place, that is "
                "eta).", impl=_nms_cv2_threshold_as_score),
        Mistake("nms.suppressed_suppress", "a box that was itself suppressed also suppressed others. Only kept "
                "boxes suppress: in the chain A-B-C, B goes (it overlaps A) and C must stay.",
                example=_nms_mistake(suppressors="all"), detect=_NMS.detect("suppressors", "all")),
        Mistake("nms.single_round", "you ran one round only: the best box suppressed its overlaps and every other "
                "box stayed. Greedy NMS repeats: keep the best of what is left, drop its overlaps, and again "
                "until no box is left, so every kept box suppresses the boxes after it. "
                "(hint('nms', 2) says more)",
                example=_nms_mistake(suppressors="first"), detect=_NMS.detect("suppressors", "first")),
        Mistake("nms.threshold_ignored", "you used a fixed IoU threshold (0.5 or 0.45) instead of the "
                "iou_threshold argument: compare each IoU with iou_threshold as it is given.",
                example=_nms_mistake(fixed_threshold=0.5),
                detect=_NMS.detect("fixed_threshold", 0.5, 0.45)),
        Mistake("nms.empty_input", "with no boxes there is nothing to keep: return an empty array (or list) "
                "instead of failing, e.g. check `if len(boxes) == 0` before taking the first index.",
                on_error=_nms_empty_error, example=_example_nms_empty_crash),
        Mistake("nms.at_threshold_dropped", "a box is dropped only when its IoU is *above* the threshold; at "
                "exactly the threshold it stays (as in cv2.dnn.NMSBoxes). Use `>`, not `>=`.",
                example=_nms_mistake(drop="at_or_above"), detect=_NMS.detect("drop", "at_or_above")),
        Mistake("nms.plus_one", "your IoU uses the old '+ 1' pixel convention, so boxes overlap more than they "
                "do. These boxes are continuous: the width is x2 - x1.",
                example=_nms_mistake(iou=_iou_plus_one), detect=_NMS.detect("iou", _iou_plus_one)),
        Mistake("nms.drops_low_scores", "your first kept indices are right, then the list stops: lower-scoring "
                "boxes that overlap no kept box must stay too. (A score threshold above 0 in "
                "cv2.dnn.NMSBoxes, or a loop that ends early, does this.)",
                detect=_nms_drops_low_scores, example=_example_nms_score_threshold),
        Mistake("nms.other_order", "the right boxes in another order: return the kept indices highest score "
                "first, in the order NMS keeps them.",
                detect=_either(_NMS.detect("output", "reversed"), _nms_other_order), example=_example_nms_reversed),
    ],
))


# --------------------------------------------------------------------------- #
# letterbox
# --------------------------------------------------------------------------- #
def _smooth_image(rng, height, width):
    coarse = rng.integers(0, 256, (4, 4, 3)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.uint8)


def _layout(shape, size, gain=None, rounding=round, split=lambda total: total // 2):
    """(new_w, new_h, pad_x, pad_y) of a letterbox: the reference rule unless told otherwise."""
    height, width = shape[:2]
    if gain is None:
        gain = min(size[0] / width, size[1] / height)
    new_w, new_h = int(rounding(width * gain)), int(rounding(height * gain))
    return new_w, new_h, int(split(size[0] - new_w)), int(split(size[1] - new_h))


def _rect(layout):
    new_w, new_h, pad_x, pad_y = layout
    return pad_x, pad_y, pad_x + new_w, pad_y + new_h


def _content_rect(padded, colour):
    """(x0, y0, x1, y1): the smallest rectangle holding every pixel that is not ``colour``."""
    padded = np.asarray(padded)
    differs = np.any(padded.reshape(padded.shape[0], padded.shape[1], -1) != np.asarray(colour), axis=2)
    rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _images_close(a, b):
    """Same picture up to interpolation: at most 2% of the pixels differ by more than 12."""
    if np.shape(a) != np.shape(b):
        return False
    difference = np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16))
    return bool(np.mean(difference.max(axis=-1) > 12) <= 0.02)


_INTERPOLATIONS = (cv2.INTER_LINEAR, cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_CUBIC, cv2.INTER_LANCZOS4,
                   cv2.INTER_LINEAR_EXACT, cv2.INTER_NEAREST_EXACT)


def _resized_like(image, got_content):
    """True when ``got_content`` is ``image`` resized to its shape by one of cv2's interpolations
    (the prompt leaves the interpolation open)."""
    size = got_content.shape[1::-1]
    return any(_images_close(got_content, cv2.resize(image, size, interpolation=way)) for way in _INTERPOLATIONS)


def _letterbox_cases():
    rng = np.random.default_rng(4)
    cases = [
        Case("a (48, 64, 3) landscape image into size (32, 32)", (_smooth_image(rng, 48, 64), (32, 32)),
             rule="result"),
        Case("a (50, 30, 3) portrait image into the default size (640, 640): scaled up 12.8 times",
             (_smooth_image(rng, 50, 30),), rule="gain"),
        Case("a (40, 40, 3) square image into size (96, 64) (width 96, height 64), color (0, 0, 255)",
             (_smooth_image(rng, 40, 40), (96, 64)), {"color": (0, 0, 255)}, rule="colour"),
        Case("a (60, 20, 3) portrait image into size (48, 80) (width 48, height 80)",
             (_smooth_image(rng, 60, 20), (48, 80)), rule="size"),
        Case("a (64, 64, 3) image into size (64, 64): nothing to scale or pad",
             (_smooth_image(rng, 64, 64), (64, 64)), rule="gain"),
        Case("a (30, 41, 3) image into size (64, 64): 47 rows high after scaling (46.8 rounded), 17 rows of "
             "padding", (_smooth_image(rng, 30, 41),), {"size": (64, 64)}, rule="round"),
        Case("a (36, 100, 3) image into size (50, 50): 20 rows of padding, 10 above and 10 below",
             (_smooth_image(rng, 36, 100), (50, 50)), rule="centred"),
    ]
    # odd amounts of padding, on x and on y, with and without scaling: the odd pixel goes right or bottom
    for height, width, size in [(31, 32, (32, 32)), (32, 27, (32, 32)), (25, 40, (40, 40)), (40, 19, (40, 40)),
                                (44, 70, (35, 35)), (70, 32, (35, 35)), (41, 64, (64, 64)), (64, 53, (64, 64))]:
        new_w, new_h, pad_x, pad_y = _layout((height, width), size)
        odd = [f"{size[0] - new_w} columns" if (size[0] - new_w) % 2 else "",
               f"{size[1] - new_h} rows" if (size[1] - new_h) % 2 else ""]
        cases.append(Case(f"a ({height}, {width}, 3) image into size {size}: {' and '.join(o for o in odd if o)} "
                          "of padding, an odd number", (_smooth_image(rng, height, width), size), rule="odd"))
    return cases


def _letterbox_parts(run):
    """What the check needs about a run: the case's image, size and colour, the expected layout."""
    arguments = _arguments(run.case, letterbox)
    image, size, colour = arguments["image"], tuple(arguments["size"]), tuple(arguments["color"])
    return image, size, colour, _layout(image.shape, size)


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _compare_letterbox(expected, got, case):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return KindProblem(f"letterbox should return a tuple (padded, gain, (pad_x, pad_y)), not {describe(got)}")
    padded, gain, pad = got
    want_padded, want_gain, want_pad = expected
    if not isinstance(padded, np.ndarray):
        return KindProblem(f"the padded image should be a NumPy array, not {describe(padded)}")
    if padded.shape != want_padded.shape or padded.dtype != np.uint8:
        return compare_arrays(want_padded, padded, what="the padded image")
    if not isinstance(gain, (float, np.floating)):
        return KindProblem(f"the gain should be a float, not {describe(gain)}")
    if not np.isclose(gain, want_gain, rtol=1e-6):
        return f"the gain is {gain!r}; expected {want_gain!r}"
    if not isinstance(pad, (tuple, list)) or len(pad) != 2 or not all(_is_index(p) for p in pad):
        return KindProblem(f"the padding should be a tuple of two ints (pad_x, pad_y), not {describe(pad)}")
    if [int(p) for p in pad] != list(want_pad):
        return f"the padding is {tuple(int(p) for p in pad)}; expected {want_pad} (pad_x, pad_y)"
    colour = tuple(_arguments(case, letterbox)["color"])
    rect, want_rect = _content_rect(padded, colour), _content_rect(want_padded, colour)
    if rect != want_rect:
        return (f"the image sits at columns {rect[0]}-{rect[2]} and rows {rect[1]}-{rect[3]} of the padded "
                f"image; expected columns {want_rect[0]}-{want_rect[2]} and rows {want_rect[1]}-{want_rect[3]}"
                if rect and want_rect else "the padding is not where it should be")
    x0, y0, x1, y1 = want_rect or (0, 0, padded.shape[1], padded.shape[0])
    if not _resized_like(_arguments(case, letterbox)["image"], padded[y0:y1, x0:x1]):
        difference = np.abs(padded.astype(np.int16) - want_padded).max(axis=2)
        y, x = np.unravel_index(np.argmax(difference), difference.shape)
        return (f"the padded image differs from the expected one, e.g. at row {y}, column {x}: "
                f"{padded[y, x].tolist()} instead of {want_padded[y, x].tolist()}")
    return None


def _padding_colour(run):
    """The colour the learner's padded image has where the padding should be, if it is one colour."""
    padded = run.got[0]
    _, size, _, layout = _letterbox_parts(run)
    x0, y0, x1, y1 = _rect(layout)
    mask = np.ones(padded.shape[:2], bool)
    mask[y0:y1, x0:x1] = False
    if padded.shape[:2] != (size[1], size[0]) or not mask.any():
        return None
    pixels = padded[mask].reshape(-1, padded.shape[2] if padded.ndim == 3 else 1)
    return tuple(int(c) for c in pixels[0]) if (pixels == pixels[0]).all() else None


def _got_rect(run):
    """Where the learner's content sits, measured against their own padding colour."""
    padded = run.got[0]
    return _content_rect(padded, padded[-1, -1])


def _letterbox_layout_is(**rule):
    """A detector: the learner's image sits where the letterbox with ``rule`` puts it, not where it should."""
    def detect(run):
        image, size, _, layout = _letterbox_parts(run)
        wrong = _layout(image.shape, size, **rule)
        return _rect(wrong) != _rect(layout) and _got_rect(run) == _rect(wrong)
    return detect


def _letterbox_odd_pixel_first(run):
    splits = (lambda total: (total + 1) // 2, lambda total: round(total / 2), lambda total: round(total / 2 + 0.1))
    return any(_letterbox_layout_is(split=split)(run) for split in splits)


def _letterbox_shape_order(run):
    """``w, h = image.shape[:2]``: the learner's layout is the one for an image of the other shape."""
    image, size, _, layout = _letterbox_parts(run)
    height, width = image.shape[:2]
    wrong_gain = min(size[0] / height, size[1] / width)
    new_w, new_h = round(height * wrong_gain), round(width * wrong_gain)
    wrong = (new_w, new_h, (size[0] - new_w) // 2, (size[1] - new_h) // 2)
    return height != width and _rect(wrong) != _rect(layout) and _got_rect(run) == _rect(wrong)


def _letterbox_dsize_order(run):
    """``cv2.resize(image, (new_h, new_w))``: the resized image has its sides swapped."""
    image, size, _, (new_w, new_h, pad_x, pad_y) = _letterbox_parts(run)
    total_x, total_y = size[0] - new_w, size[1] - new_h
    if new_w == new_h:
        return False
    shape = np.shape(run.got[0])[:2]
    return (shape == (new_w + total_y, new_h + total_x)
            or (shape == (size[1], size[0]) and _got_rect(run) == (pad_x, pad_y, pad_x + new_h, pad_y + new_w)))


def _broadcast_transposed(exc, case):
    """numpy's "could not broadcast input array from shape (a,b,3) into shape (b,a,3)"."""
    found = re.search(r"from shape \((\d+),\s*(\d+)(?:,\s*\d+)?\) into shape \((\d+),\s*(\d+)", str(exc))
    return bool(isinstance(exc, ValueError) and found and found.group(1) == found.group(4)
                and found.group(2) == found.group(3) and found.group(1) != found.group(2))


def _letterbox_not_uint8(run):
    padded = run.got[0]
    return isinstance(padded, np.ndarray) and padded.shape == run.expected[0].shape and padded.dtype != np.uint8


def _example_letterbox_shape_order(image, size=(640, 640), color=(114, 114, 114)):
    w, h = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    new_w, new_h = round(w * gain), round(h * gain)
    dw, dh = size[0] - new_w, size[1] - new_h
    resized = cv2.resize(image, (new_w, new_h))
    padded = cv2.copyMakeBorder(resized, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2, cv2.BORDER_CONSTANT,
                                value=color)
    return padded, gain, (dw // 2, dh // 2)


def _example_letterbox_dsize_order(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    new_w, new_h = round(w * gain), round(h * gain)
    dw, dh = size[0] - new_w, size[1] - new_h
    resized = cv2.resize(image, (new_h, new_w))
    padded = cv2.copyMakeBorder(resized, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2, cv2.BORDER_CONSTANT,
                                value=color)
    return padded, gain, (dw // 2, dh // 2)


def _example_letterbox_dsize_order_canvas(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    new_w, new_h = round(w * gain), round(h * gain)
    canvas = np.full((size[1], size[0], 3), color, np.uint8)
    left, top = (size[0] - new_w) // 2, (size[1] - new_h) // 2
    canvas[top:top + new_h, left:left + new_w] = cv2.resize(image, (new_h, new_w))
    return canvas, gain, (left, top)


def _example_letterbox_int64(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    new_w, new_h = round(w * gain), round(h * gain)
    canvas = np.full((size[1], size[0], 3), color)  # int64
    left, top = (size[0] - new_w) // 2, (size[1] - new_h) // 2
    canvas[top:top + new_h, left:left + new_w] = cv2.resize(image, (new_w, new_h))
    return canvas, gain, (left, top)


def _letterbox_size_swapped(run):
    _, size, _, _ = _letterbox_parts(run)
    return size[0] != size[1] and np.shape(run.got[0])[:2] == (size[0], size[1])


def _letterbox_not_padded(run):
    image, size, _, (new_w, new_h, _, _) = _letterbox_parts(run)
    return (new_w, new_h) != tuple(size) and np.shape(run.got[0])[:2] == (new_h, new_w)


def _letterbox_stretched(run):
    """The whole image resized to (W, H), its aspect ratio lost (in either channel order)."""
    image, size, _, layout = _letterbox_parts(run)
    got = run.got[0]
    return (_rect(layout) != (0, 0) + tuple(size) and got.shape[:2] == (size[1], size[0])
            and (_resized_like(image, got) or _resized_like(image[..., ::-1], got)))


def _letterbox_one_side(run):
    image, size, _, (new_w, new_h, pad_x, pad_y) = _letterbox_parts(run)
    return (pad_x, pad_y) != (0, 0) and _got_rect(run) == (0, 0, new_w, new_h)


_GAIN_RULES = {"min": lambda w, h, W, H: min(W / w, H / h), "max": lambda w, h, W, H: max(W / w, H / h),
               "capped": lambda w, h, W, H: min(W / w, H / h, 1.0)}
_GAIN_FORMS = [("as-is", lambda g: g), ("inverse", lambda g: 1 / g)] + [
    ("rounded", lambda g, d=d: round(g, d)) for d in (1, 2, 3)]


def _gain_explanations(run):
    """The (rule, form) pairs, fewest wrong first, that give the learner's gain (a pair's first
    number counts): min / max / capped at 1, as it is / inverted / rounded."""
    if "gain" not in run.memo:
        image, size, _, _ = _letterbox_parts(run)
        gain = run.got[1]
        if isinstance(gain, (tuple, list, np.ndarray)) and len(gain) == 2:
            gain = gain[0]
        found = []
        if _is_number(gain) and not np.isclose(float(gain), run.expected[1], rtol=1e-6):
            for (rule, gain_of), (form, shaped) in itertools.product(_GAIN_RULES.items(), _GAIN_FORMS):
                exact = gain_of(image.shape[1], image.shape[0], size[0], size[1])
                value = shaped(exact)
                if (form, value) != ("rounded", exact) and np.isclose(float(gain), value, rtol=1e-6):
                    found.append(((rule != "min") + (form != "as-is"), rule, form))
        run.memo["gain"] = [(rule, form) for wrong, rule, form in sorted(found) if wrong == sorted(found)[0][0]]
    return run.memo["gain"]


def _letterbox_gain_is(rule=None, form=None):
    """A detector: the learner's gain is explained by this rule (or form) of computing it."""
    return lambda run: any((rule is None or r == rule) and (form is None or f == form)
                           for r, f in _gain_explanations(run))


def _letterbox_colour_reversed(run):
    _, _, colour, _ = _letterbox_parts(run)
    return colour != colour[::-1] and _padding_colour(run) == tuple(colour[::-1])


def _letterbox_colour_ignored(run):
    _, _, colour, _ = _letterbox_parts(run)
    found = _padding_colour(run)
    return found is not None and found != tuple(colour)


def _letterbox_pads(run, expected):
    pad = run.got[2]
    return (isinstance(pad, (tuple, list)) and len(pad) == 2 and all(_is_number(p) for p in pad)
            and [float(p) for p in pad] == [float(p) for p in expected])


def _letterbox_pads_swapped(run):
    want = run.expected[2]
    return want[0] != want[1] and _letterbox_pads(run, want[::-1])


def _letterbox_total_pad(run):
    image, size, _, (new_w, new_h, pad_x, pad_y) = _letterbox_parts(run)
    total = (size[0] - new_w, size[1] - new_h)
    return total != (pad_x, pad_y) and _letterbox_pads(run, total)


def _letterbox_swapped_channels(run):
    image, size, colour, layout = _letterbox_parts(run)
    x0, y0, x1, y1 = _rect(layout)
    got = run.got[0][y0:y1, x0:x1]
    return (not _resized_like(image, got) and _resized_like(image[..., ::-1], got)
            and _padding_colour(run) == tuple(colour))


def _letterbox_not_triple(run):
    return not isinstance(run.got, (tuple, list)) or len(run.got) != 3


def _letterbox_gain_pair(run):
    """The gain as a pair of equal numbers (YOLO's ratio = (r, r)), whatever their value."""
    gain = run.got[1]
    return (isinstance(gain, (tuple, list, np.ndarray)) and len(gain) == 2
            and all(_is_number(g) for g in gain) and np.isclose(float(gain[0]), float(gain[1])))


def _letterbox_pads_four(run):
    pad = run.got[2]
    return isinstance(pad, (tuple, list, np.ndarray)) and len(pad) == 4


def _letterbox_float_pads(run):
    pad = run.got[2]
    return (isinstance(pad, (tuple, list)) and len(pad) == 2 and all(_is_number(p) for p in pad)
            and not all(_is_index(p) for p in pad)
            and np.allclose(np.asarray(pad, np.float64), run.expected[2], atol=0.5))


def _cv2_complains(*words):
    def on_error(exc, case):
        text = str(exc)
        return all(word in text for word in words)
    return on_error


def _float_pixel_error(exc, case):
    text = str(exc)
    return (("copyMakeBorder" in text and "integer" in text)
            or (isinstance(exc, TypeError) and "slice indices must be integers" in text))


def _letterbox_attempt(gain_rule=min, rounding=round, split=lambda total: total // 2, colour=None,
                       place="centre", returned="left-top", stretch=False, swap_size=False, scale_up=True,
                       channels="bgr", crop_only=False, pair_gain=False):
    """A letterbox written the way learners write it, with one choice made the wrong way."""
    def letterbox(image, size=(640, 640), color=(114, 114, 114)):
        h, w = image.shape[:2]
        W, H = size[::-1] if swap_size else size
        if channels == "rgb":
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        if stretch:
            return cv2.resize(image, (W, H)), W / w, (0, 0)
        gain = gain_rule(W / w, H / h)
        if not scale_up:
            gain = min(gain, 1.0)
        new_w, new_h = int(rounding(w * gain)), int(rounding(h * gain))
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        if crop_only:
            return resized, gain, (0, 0)
        dw, dh = W - new_w, H - new_h
        left, top = (0, 0) if place == "corner" else (int(split(dw)), int(split(dh)))
        fill = color if colour is None else (colour(color) if callable(colour) else colour)
        canvas = np.empty((H, W, 3), np.uint8)
        canvas[:] = fill
        x0, y0 = max(left, 0), max(top, 0)
        part = resized[y0 - top:y0 - top + H, x0 - left:x0 - left + W]
        canvas[y0:y0 + part.shape[0], x0:x0 + part.shape[1]] = part
        pads = {"left-top": (left, top), "top-left": (top, left), "total": (dw, dh), "float": (dw / 2, dh / 2),
                "four": (top, dh - top, left, dw - left)}[returned]
        return canvas, ((gain, gain) if pair_gain else gain), pads
    return letterbox


def _example_letterbox_image_only(image, size=(640, 640), color=(114, 114, 114)):
    return _letterbox_attempt()(image, size, color)[0]


def _example_letterbox_float_size(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    resized = cv2.resize(image, (w * gain, h * gain))
    return resized, gain, (0, 0)


def _example_letterbox_float_border(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    new_w, new_h = round(w * gain), round(h * gain)
    resized = cv2.resize(image, (new_w, new_h))
    dw, dh = (size[0] - new_w) / 2, (size[1] - new_h) / 2
    padded = cv2.copyMakeBorder(resized, dh, dh, dw, dw, cv2.BORDER_CONSTANT, value=color)
    return padded, gain, (dw, dh)


def _example_letterbox_rounded_gain(image, size=(640, 640), color=(114, 114, 114)):
    padded, gain, pad = letterbox(image, size, color)
    return padded, round(gain, 2), pad


register(Exercise(
    name="letterbox",
    notebook=NOTEBOOK,
    reference=letterbox,
    cases=_letterbox_cases,
    compare=_compare_letterbox,
    summary="resize keeping the aspect ratio and pad to the network size",
    rules={
        "gain": "gain = min(W / w, H / h) so the whole photo fits (up or down)",
        "round": "resized to round(w * gain) x round(h * gain) pixels",
        "colour": "pad the rest with `color` (YOLO's grey 114 by default)",
        "centred": "half on each side",
        "odd": "an odd pixel goes right or bottom",
        "size": "`size = (W, H)`, width first as in `cv2.resize`",
        "result": "returning `(padded, gain, (pad_x, pad_y))`: the (H, W, 3) uint8 padded image, the gain as a "
                  "float, and the pads as the ints added on the left and the top",
    },
    hint=(
        """
        One scale factor for both axes, the largest that lets the whole photo fit, then padding
        to fill the rest, half on each side. Look up cv2.resize and cv2.copyMakeBorder.
        """,
        """
        1. size is (W, H), image.shape is (h, w, 3); gain = the smaller of W / w and H / h
           (above 1 for a small photo).
        2. Resize to (round(w * gain), round(h * gain)), width first.
        3. What is left is W - new_w across and H - new_h down: half of it, rounded down, goes
           left and top; the rest (with the odd pixel) right and bottom.
        4. Add it with cv2.copyMakeBorder, cv2.BORDER_CONSTANT and value=color.
        Return (padded, gain as a float, (pad_x, pad_y) as ints).
        """,
        """
        `pad_x, pad_y = (W - new_w) // 2, (H - new_h) // 2`. cv2.copyMakeBorder takes the four
        borders in the order top, bottom, left, right: `pad_y, H - new_h - pad_y, pad_x,
        W - new_w - pad_x`, then cv2.BORDER_CONSTANT and value=color.
        """,
    ),
    mistakes=[
        Mistake("letterbox.not_a_triple", "letterbox returns three things: (padded, gain, (pad_x, pad_y)), the "
                "padded image, the float gain, and the padding on the left and on the top (unletterbox_boxes "
                "needs the gain and the pads).", detect=_letterbox_not_triple,
                example=_example_letterbox_image_only, on_type=True),
        Mistake("letterbox.gain_pair", "the gain is one float, the same for x and y: return the number itself, "
                "not a pair (YOLO's own letterbox returns ratio = (r, r)).", detect=_letterbox_gain_pair,
                example=_letterbox_attempt(pair_gain=True), on_type=True),
        Mistake("letterbox.pads_four", "return only (pad_x, pad_y), the padding on the left and on the top: the "
                "right and bottom follow from them.", detect=_letterbox_pads_four,
                example=_letterbox_attempt(returned="four"), on_type=True),
        Mistake("letterbox.float_pads", "the pads must be ints, the whole pixels added on the left and the top: "
                "(W - new_w) // 2, not (W - new_w) / 2 (which gives 8.5 for an odd amount).",
                detect=_letterbox_float_pads, example=_letterbox_attempt(returned="float"), on_type=True),
        Mistake("letterbox.float_size", "cv2.resize needs whole pixel sizes: new_w = round(w * gain) is an int, "
                "w * gain is not.", on_error=_cv2_complains("dsize", "wrong type"),
                example=_example_letterbox_float_size),
        Mistake("letterbox.float_pixels", "a pixel count is a float: cv2.copyMakeBorder and slicing need ints. Use "
                "(W - new_w) // 2 for the pads (the / operator gives a float) and round() for the size.",
                on_error=_float_pixel_error, example=_example_letterbox_float_border),
        Mistake("letterbox.dsize_order_error", "cv2.resize takes dsize = (width, height): you gave it (new_h, "
                "new_w), so the resized image does not fit its place. Use cv2.resize(image, (new_w, new_h)).",
                on_error=_broadcast_transposed, example=_example_letterbox_dsize_order_canvas),
        Mistake("letterbox.not_uint8", "the padded image must be uint8, like the input: np.full and np.zeros "
                "make int64 or float64 arrays unless you give dtype=np.uint8.", detect=_letterbox_not_uint8,
                example=_example_letterbox_int64),
        Mistake("letterbox.shape_order", "image.shape is (height, width, channels): h, w = image.shape[:2]. With "
                "the two swapped the gain and the sizes are those of another image.",
                detect=_letterbox_shape_order, example=_example_letterbox_shape_order),
        Mistake("letterbox.dsize_order", "cv2.resize takes dsize = (width, height): you gave it (new_h, new_w), "
                "so the resized image has its sides swapped. Use cv2.resize(image, (new_w, new_h)).",
                detect=_letterbox_dsize_order, example=_example_letterbox_dsize_order),
        Mistake("letterbox.size_swapped", "size is (width, height), as in cv2.resize: your padded image has its "
                "height and width swapped.", detect=_letterbox_size_swapped,
                example=_letterbox_attempt(swap_size=True)),
        Mistake("letterbox.not_padded", "you returned the resized image without the padding: pad it to the full "
                "network size (W, H), half of the rest on each side.", detect=_letterbox_not_padded,
                example=_letterbox_attempt(crop_only=True)),
        Mistake("letterbox.stretched", "the image was stretched to the network size. A letterbox keeps the aspect "
                "ratio: scale both sides by the same gain, then pad the rest.", detect=_letterbox_stretched,
                example=_letterbox_attempt(stretch=True)),
        Mistake("letterbox.gain_max", "the gain must be the smaller ratio, min(W / w, H / h), so the whole image "
                "fits; with the larger one part of it is cut off.",
                detect=_letterbox_gain_is(rule="max"),
                example=_letterbox_attempt(gain_rule=max)),
        Mistake("letterbox.no_upscale", "you capped the gain at 1, so a small image stays small. Here the gain is "
                "min(W / w, H / h) even when that is above 1: scale small images up to fill the input.",
                detect=_letterbox_gain_is(rule="capped"),
                example=_letterbox_attempt(scale_up=False)),
        Mistake("letterbox.gain_inverted", "your gain is the inverse: it is network pixels per photo pixel, "
                "min(W / w, H / h), the factor the photo was scaled by.",
                detect=_letterbox_gain_is(form="inverse"),
                example=lambda image, size=(640, 640), color=(114, 114, 114): (
                    lambda out: (out[0], 1 / out[1], out[2]))(letterbox(image, size, color))),
        Mistake("letterbox.gain_rounded", "your gain is rounded: return it exactly, min(W / w, H / h), since "
                "unletterbox_boxes divides by it.",
                detect=_letterbox_gain_is(form="rounded"),
                example=_example_letterbox_rounded_gain),
        Mistake("letterbox.colour_reversed", "the padding has the colour reversed: color is in the image's own "
                "channel order (BGR here), use it as it is.", detect=_letterbox_colour_reversed,
                example=_letterbox_attempt(colour=lambda color: color[::-1])),
        Mistake("letterbox.colour_ignored", "the padding is not the color argument: fill it with color (YOLO's "
                "grey 114 only by default).", detect=_letterbox_colour_ignored,
                example=_letterbox_attempt(colour=(114, 114, 114))),
        Mistake("letterbox.pads_swapped", "pad_x and pad_y are swapped: return (pad_x, pad_y), the left padding "
                "first.", detect=_letterbox_pads_swapped, example=_letterbox_attempt(returned="top-left")),
        Mistake("letterbox.total_pad", "you returned the total padding of each axis: pad_x is the padding on the "
                "left only, half of it, (W - new_w) // 2.", detect=_letterbox_total_pad,
                example=_letterbox_attempt(returned="total")),
        Mistake("letterbox.one_side", "the image sits in the top-left corner with all the padding on one side: "
                "centre it, half of the padding on each side.", detect=_letterbox_one_side,
                example=_letterbox_attempt(place="corner")),
        Mistake("letterbox.int_size", "the resized size is one pixel short: int() cuts a size down (46.8 to 46, "
                "and 41 * (64 / 41) can come out as 63.99...). Round it: round(w * gain).",
                detect=_letterbox_layout_is(rounding=int), example=_letterbox_attempt(rounding=int)),
        Mistake("letterbox.odd_pixel_first", "with an odd amount of padding the extra pixel goes right or bottom: "
                "pad_x = (W - new_w) // 2 on the left (Python's round() rounds 8.5 to 8 but 9.5 to 10).",
                detect=_letterbox_odd_pixel_first,
                example=_letterbox_attempt(split=lambda total: (total + 1) // 2)),
        Mistake("letterbox.channels_swapped", "your image has red and blue swapped: letterbox keeps the image's "
                "channels as they are (no BGR to RGB conversion here).", detect=_letterbox_swapped_channels,
                example=_letterbox_attempt(channels="rgb")),
    ],
))


# --------------------------------------------------------------------------- #
# unletterbox_boxes
# --------------------------------------------------------------------------- #
def _unletterbox_variant(boxes, gain, pad, image_size, order="pad-then-gain", shift="xyxy", clip="both",
                         limits="size", minus=0, rounding=False):
    """unletterbox_boxes with one switch turned the wrong way, for the mistakes below.

    order: "pad-then-gain" (right), "gain-then-pad", "times-gain" ((boxes - pad) * gain),
    "forward" (boxes * gain + pad), "clip-first" (clip, then undo). shift: "xyxy" (right,
    [pad_x, pad_y, pad_x, pad_y]), "swapped" ([pad_y, pad_x, ...]), "x1x2y1y2" ([pad_x,
    pad_x, pad_y, pad_y]), "top-left" (only x1 and y1 shifted), "none" (the padding left on),
    "x-only" / "y-only" (one pad for all four columns), "added" (+ pad). clip: "both" (right), "none",

    "low", "high". limits: "size" (right), "swapped" ((height, width)), "width" (x and y both to
    the width), "larger" (both to the larger side); minus: 1 clips to the limit - 1. rounding: round
    to whole pixels at the end (a function: np.round, np.floor, np.trunc).
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    bad = np.flatnonzero(np.isnan(boxes).any(axis=1))
    if bad.size:
        raise ValueError(f"box in row {bad[0]} has NaN coordinates")
    pad_x, pad_y = pad
    shifts = {"xyxy": [pad_x, pad_y, pad_x, pad_y], "swapped": [pad_y, pad_x, pad_y, pad_x],
              "x1x2y1y2": [pad_x, pad_x, pad_y, pad_y], "top-left": [pad_x, pad_y, 0, 0], "none": [0, 0, 0, 0],
              "x-only": [pad_x] * 4, "y-only": [pad_y] * 4, "added": [-pad_x, -pad_y, -pad_x, -pad_y]}
    offset = np.float32(shifts[shift])
    width, height = image_size
    top = {"size": [width, height], "swapped": [height, width], "width": [width, width],
           "larger": [max(image_size)] * 2}[limits]
    top = np.float32(top * 2) - np.float32(minus)
    if order == "clip-first":
        boxes = np.clip(boxes, 0, top)
    out = {"pad-then-gain": lambda: (boxes - offset) / np.float32(gain),
           "clip-first": lambda: (boxes - offset) / np.float32(gain),
           "gain-then-pad": lambda: boxes / np.float32(gain) - offset,
           "times-gain": lambda: (boxes - offset) * np.float32(gain),
           "forward": lambda: boxes * np.float32(gain) + offset}[order]()
    if order != "clip-first":
        if clip in ("both", "low"):
            out = np.maximum(out, 0)
        if clip in ("both", "high"):
            out = np.minimum(out, top)
    return rounding(out) if rounding else out


_UNLETTERBOX = _Variants("unletterbox_boxes", _unletterbox_variant, space={
    "order": ["gain-then-pad", "times-gain", "forward", "clip-first"], "shift": ["swapped", "x1x2y1y2", "top-left", "none", "x-only", "y-only", "added"],
    "limits": ["swapped", "width", "larger"], "minus": [1], "clip": ["none", "low", "high"],
    "rounding": [np.round, np.floor, np.trunc]},
    atol=1e-3)


def _unletterbox_mistake(**switches):
    return lambda boxes, gain, pad, image_size: _unletterbox_variant(boxes, gain, pad, image_size, **switches)


def _edge_boxes(width, height, gain, pad):
    """Boxes on the photo at its edges, a little beyond them and far beyond, mapped into the network
    input (x * gain + pad): after undoing, clipping must put them exactly on 0 and width / height."""
    on_photo = np.float64([
        [0, 0, width, height],                              # the whole photo: exactly on every edge
        [-7.5, -0.5, width + 0.5, height + 7.5],            # beyond every edge
        [width - 10, height - 12, width + 3, height + 1],   # past the right and bottom edges
        [-3, -1, 10, 12],                                   # past the left and top edges
        [width + 2, 5, width + 9, 15],                      # wholly right of the photo
        [5, -20, 15, -4],                                   # wholly above it
        [1.25, 2.5, width - 1.25, height - 2.5],            # just inside
    ])
    return (on_photo * gain + [pad[0], pad[1], pad[0], pad[1]]).astype(np.float32)


def _unletterbox_cases():
    rng = np.random.default_rng(5)
    inside = np.vstack([_random_boxes(rng, 5, size=380, max_side=100) + np.float32([0, 80, 0, 80]),
                        np.float32([[520, 100, 630, 200]])])
    beyond = np.float32([[-20, 60, 100, 200], [600, 500, 660, 580], [300, 300, 350, 700]])
    with_nan = inside[:4].copy()
    with_nan[2, 1] = np.nan
    seven = _random_boxes(rng, 7, size=600, max_side=30)
    seven[5, 3] = np.nan
    cases = [
        Case("6 boxes from a 640x640 input, gain 0.5, pad (0, 80), original image (1280, 960)",
             (inside, 0.5, (0, 80), (1280, 960)), rule="pad_first"),
        Case("the same boxes with gain 0.5 and pad (0, 80), original image (1280, 960), as float64 (the "
             "result is float32 all the same)", (inside.astype(np.float64), 0.5, (0, 80), (1280, 960)),
             rule="float32"),
        Case("boxes that stick out of the picture, gain 1.6, pad (120, 0), original image (250, 400)",
             (beyond, 1.6, (120, 0), (250, 400)), rule="clip"),
        Case("3 boxes from a 640x640 input, gain 1.6 (a small photo scaled up), pad (120, 0), original image "
             "(250, 400)", (np.float32([[130, 60, 250, 200], [300, 100, 420, 380], [125, 600, 500, 630]]), 1.6,
                            (120, 0), (250, 400)), rule="gain"),
        Case("boxes with pad (37, 0) and gain 0.75 on a (300, 640) photo: width and height far apart",
             (np.float32([[40, 10, 200, 300], [100, 200, 260, 470]]), 0.75, (37, 0), (300, 640)), rule="sizes"),
        Case("no boxes, (0, 4)", (np.zeros((0, 4), np.float32), 0.5, (0, 80), (1280, 960)), rule="empty"),
    ]
    for width, height, gain, pad in [(1280, 960, 0.5, (0, 80)), (250, 400, 1.6, (120, 0)), (97, 31, 6.6, (0, 217)),
                                      (333, 500, 1.28, (107, 0)), (1920, 1080, 1 / 3, (0, 140))]:
        cases.append(Case(f"7 boxes on the edges of a ({width}, {height}) photo (exactly on them, a little and far "
                          f"beyond, just inside), gain {gain:.4g}, pad {pad}",
                          (_edge_boxes(width, height, gain, pad), gain, pad, (width, height)), rule="clip"))
    cases += [
        Case("4 boxes with NaN in row 2", (with_nan, 0.5, (0, 80), (1280, 960)),
             raises=ValueError, raises_mentions=("2",), rule="nan"),
        Case("7 boxes with NaN in row 5 (its y2)", (seven, 0.5, (0, 80), (1280, 960)),
             raises=ValueError, raises_mentions=("5",), rule="nan"),
    ]
    return cases


def _compare_unletterboxed(expected, got):
    """The values first (whatever the float type), then the float32 the prompt asks for."""
    problem = _float_array_problem(expected, got, "the boxes", atol=1e-3)
    if problem is None and got.dtype != np.float32:
        return f"the boxes are {got.dtype}; the prompt asks for float32"
    return problem


def _unletterbox_float64(run):
    got = run.got
    return (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating) and got.dtype != np.float32
            and _same_values(run.expected, got, atol=1e-3))


def _unletterbox_empty_shape(run):
    """No boxes came back as an empty array of another shape ((0,) from np.array of an empty list)."""
    got = run.got
    return (run.case.rule == "empty" and isinstance(got, np.ndarray) and got.size == 0
            and got.shape != run.expected.shape)


def _unletterbox_empty_error(exc, case):
    return case.rule == "empty" and np.asarray(case.args[0]).size == 0 and isinstance(exc, Exception)


def _unletterbox_row_from_one(run):
    """The NaN error names the row counted from 1 (row 3 for row 2), and not the row itself."""
    if run.case.rule != "nan" or not isinstance(run.got, ValueError) or not run.case.raises_mentions:
        return False
    row, text = int(run.case.raises_mentions[0]), str(run.got)
    return (re.search(rf"(?<![\d.]){row + 1}(?![\d.])", text) is not None
            and re.search(rf"(?<!\d){row}(?!\d)", text) is None)


def _example_unletterbox_rows(boxes, gain, pad, image_size):
    rows = []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64):
        x1, x2 = [min(max((x - pad[0]) / gain, 0), image_size[0]) for x in (x1, x2)]
        y1, y2 = [min(max((y - pad[1]) / gain, 0), image_size[1]) for y in (y1, y2)]
        rows.append([x1, y1, x2, y2])
    if any(np.isnan(row).any() for row in rows):
        raise ValueError(f"NaN in row {[np.isnan(row).any() for row in rows].index(True)}")
    return np.array(rows, dtype=np.float32)  # (0,) when there are no boxes


def _example_unletterbox_stack(boxes, gain, pad, image_size):
    boxes = np.asarray(boxes, np.float32)
    bad = np.flatnonzero(np.isnan(boxes).any(axis=1))
    if bad.size:
        raise ValueError(f"row {bad[0]} has NaN")
    shift, limits = np.float32([*pad, *pad]), np.float32([*image_size, *image_size])
    return np.stack([np.clip((box - shift) / np.float32(gain), 0, limits) for box in boxes])  # fails for none


def _example_unletterbox_row_from_one(boxes, gain, pad, image_size):
    boxes = np.asarray(boxes, np.float32)
    for number, box in enumerate(boxes, start=1):
        if np.isnan(box).any():
            raise ValueError(f"box number {number} has NaN coordinates")
    return unletterbox_boxes(boxes, gain, pad, image_size)


def _example_unletterbox_float64(boxes, gain, pad, image_size):
    boxes = np.asarray(boxes)
    rows = np.flatnonzero(np.isnan(boxes).any(axis=1))
    if len(rows):
        raise ValueError(f"NaN in box {rows[0]}")
    shift = np.array([pad[0], pad[1], pad[0], pad[1]])  # int64: float32 - int64 is float64
    return np.clip((boxes - shift) / gain, 0, [image_size[0], image_size[1]] * 2)


register(Exercise(
    name="unletterbox_boxes",
    notebook=NOTEBOOK,
    reference=unletterbox_boxes,
    cases=_unletterbox_cases,
    compare=_compare_unletterboxed,
    summary="boxes from the letterboxed input back to the original image",
    rules={
        "pad_first": "first subtract the padding (it was added after scaling)",
        "gain": "then divide by the gain",
        "clip": "then clip x to [0, width] and y to [0, height], since a box may stick out of the photo",
        "nan": "raise a `ValueError` that names its row",
        "sizes": "`pad = (pad_x, pad_y)` and `image_size = (width, height)` of the original photo",
        "float32": "Return a new (N, 4) float32 array",
        "empty": "no boxes give a (0, 4) one",
    },
    hint=(
        """
        letterbox scaled the photo and then padded it. Undo that in reverse order: the padding
        first, then the scale, and last make sure each box lies inside the photo.
        """,
        """
        1. boxes as a float32 (N, 4) array (an empty input becomes (0, 4)).
        2. A row with a NaN is a ValueError that names that row (counted from 0).
        3. Subtract pad_x from x1 and x2, pad_y from y1 and y2.
        4. Divide by gain.
        5. Clip x to [0, width] and y to [0, height] of the original photo (image_size is
           (width, height)).
        """,
        """
        Step 2: `np.flatnonzero(np.isnan(boxes).any(axis=1))` lists the bad rows. Step 3 is one
        subtraction of `np.float32([pad_x, pad_y, pad_x, pad_y])` from every row. Keep float32:
        a list of ints, or np.array of ints, makes the result float64; so give np.clip the limits
        as `np.float32([width, height, width, height])` too.
        """,
    ),
    mistakes=[
        Mistake("unletterbox_boxes.gain_first", "you divided by the gain before removing the padding. The padding "
                "was added after scaling, so take it off first: (boxes - pad) / gain.",
                example=_unletterbox_mistake(order="gain-then-pad"),
                detect=_UNLETTERBOX.detect("order", "gain-then-pad")),
        Mistake("unletterbox_boxes.times_gain", "you multiplied by the gain: the network input is the original "
                "image times gain, so go back by dividing.", example=_unletterbox_mistake(order="times-gain"),
                detect=_UNLETTERBOX.detect("order", "times-gain")),
        Mistake("unletterbox_boxes.forward", "you applied the letterbox again (x * gain + pad) instead of undoing "
                "it: subtract the padding, then divide by the gain.", example=_unletterbox_mistake(order="forward"),
                detect=_UNLETTERBOX.detect("order", "forward")),
        Mistake("unletterbox_boxes.pads_swapped", "pad_x and pad_y are swapped: pad_x goes with x1 and x2, pad_y "
                "with y1 and y2.", example=_unletterbox_mistake(shift="swapped"),
                detect=_UNLETTERBOX.detect("shift", "swapped")),
        Mistake("unletterbox_boxes.pad_columns", "the columns are x1, y1, x2, y2: subtract [pad_x, pad_y, pad_x, "
                "pad_y], not [pad_x, pad_x, pad_y, pad_y].", example=_unletterbox_mistake(shift="x1x2y1y2"),
                detect=_UNLETTERBOX.detect("shift", "x1x2y1y2")),
        Mistake("unletterbox_boxes.pad_top_left_only", "you took the padding off x1 and y1 only: the whole box "
                "moved, so subtract it from x2 and y2 too.", example=_unletterbox_mistake(shift="top-left"),
                detect=_UNLETTERBOX.detect("shift", "top-left")),
        Mistake("unletterbox_boxes.pad_per_axis", "the padding came off wrong: subtract pad_x from x1 and x2 and "
                "pad_y from y1 and y2, [pad_x, pad_y, pad_x, pad_y], before dividing by the gain.",
                example=_unletterbox_mistake(shift="y-only"),
                detect=_UNLETTERBOX.detect("shift", "none", "x-only", "y-only")),
        Mistake("unletterbox_boxes.pad_added", "you added the padding: it was added when letterboxing, so undo it "
                "by subtracting it, (boxes - pad) / gain.", example=_unletterbox_mistake(shift="added"),
                detect=_UNLETTERBOX.detect("shift", "added")),
        Mistake("unletterbox_boxes.empty_shape", "no boxes give a (0, 4) array: np.array of an empty list has "
                "shape (0,). Work on the whole array (np.asarray(boxes, np.float32).reshape(-1, 4)) or return "
                "np.zeros((0, 4), np.float32) when there are none.",
                detect=_unletterbox_empty_shape, example=_example_unletterbox_rows),
        Mistake("unletterbox_boxes.empty_input", "no boxes is a normal input: return a (0, 4) float32 array "
                "instead of failing (np.stack and np.vstack of nothing raise; whole-array arithmetic on a (0, 4) "
                "array just works).", on_error=_unletterbox_empty_error, example=_example_unletterbox_stack),
        Mistake("unletterbox_boxes.row_counted_from_one", "your message counts the rows from 1: name the row as "
                "an index counted from 0, as np.flatnonzero(np.isnan(boxes).any(axis=1)) gives it, so that "
                "boxes[row] is the bad box.", detect=_unletterbox_row_from_one, on_no_raise=True,
                example=_example_unletterbox_row_from_one),
        Mistake("unletterbox_boxes.size_swapped", "image_size is (width, height): clip x to the width and y to the "
                "height.", example=_unletterbox_mistake(limits="swapped"),
                detect=_UNLETTERBOX.detect("limits", "swapped")),
        Mistake("unletterbox_boxes.one_limit", "you clipped x and y to the same limit: clip x to [0, width] and y "
                "to [0, height].", example=_unletterbox_mistake(limits="width"),
                detect=_UNLETTERBOX.detect("limits", "width", "larger")),
        Mistake("unletterbox_boxes.no_clip", "boxes that stick out must be clipped to the original image: x to "
                "[0, width], y to [0, height].", example=_unletterbox_mistake(clip="none"),
                detect=_UNLETTERBOX.detect("clip", "none")),
        Mistake("unletterbox_boxes.clip_one_side", "clip at both ends: at 0 and at the width (or height). Boxes "
                "stick out on every side.", example=_unletterbox_mistake(clip="low"),
                detect=_UNLETTERBOX.detect("clip", "low", "high")),
        Mistake("unletterbox_boxes.clip_first", "you clipped before undoing the letterbox: the photo's limits only "
                "mean something on the photo, so clip last.", example=_unletterbox_mistake(order="clip-first"),
                detect=_UNLETTERBOX.detect("order", "clip-first")),
        Mistake("unletterbox_boxes.minus_one", "clip to the image size itself, not size - 1: in continuous "
                "coordinates the right edge of the last pixel column is x = width.",
                example=_unletterbox_mistake(minus=1), detect=_UNLETTERBOX.detect("minus", 1)),
        Mistake("unletterbox_boxes.rounded", "you rounded the boxes to whole pixels: keep the fractions (the "
                "drawing step rounds when it needs to).", example=_unletterbox_mistake(rounding=np.round),
                detect=_UNLETTERBOX.detect("rounding", np.round, np.floor, np.trunc)),
        Mistake("unletterbox_boxes.float64", "the values are right but float64: the prompt asks for float32. "
                "Subtracting np.array([...]) of ints or clipping with a list promotes float32 to float64: work "
                "on np.asarray(boxes, np.float32) with float32 pads and limits, or convert the result with "
                ".astype(np.float32).", detect=_unletterbox_float64, example=_example_unletterbox_float64),
    ],
))


# --------------------------------------------------------------------------- #
# decode_yolo
# --------------------------------------------------------------------------- #
def _compare_detections(expected, got):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return KindProblem(f"decode_yolo should return a tuple (boxes, scores, class_ids), not {describe(got)}")
    boxes, scores, class_ids = got
    return (_float_array_problem(expected[0], boxes, "the boxes", atol=1e-3)
            or _float_array_problem(expected[1], scores, "the scores", atol=1e-4)
            or _int_array_problem(expected[2], class_ids, "the class ids"))


def _sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, np.float64)))


def _cv2_nms(boxes, scores, class_ids, iou_threshold, corners_as_xywh=False):
    """Kept indices, highest score first: cv2.dnn.NMSBoxes, or NMSBoxesBatched per class (the same
    greedy rule as nms, and fast enough for the mistake search on 300 candidates)."""
    rects = boxes if corners_as_xywh else np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
    rects, scores32 = np.asarray(rects, np.float64).tolist(), np.asarray(scores, np.float32).tolist()
    if class_ids is None:
        kept = cv2.dnn.NMSBoxes(rects, scores32, 0.0, float(iou_threshold))  # scores here are above 0
    else:
        kept = cv2.dnn.NMSBoxesBatched(rects, scores32, np.asarray(class_ids, np.int32).tolist(), -1.0,
                                       float(iou_threshold))
    kept = np.asarray(kept, dtype=np.int64).reshape(-1)
    return kept[np.argsort(-np.asarray(scores)[kept], kind="stable")]


def _decode_variant(output, conf_threshold=0.25, iou_threshold=0.45, *, v8_rows="transpose", objectness="auto",
                    v5_score="product", keep="score", boxes="corners", suppress="per-class", multi_label=False,
                    sigmoid=False, thresholds="given", at_threshold="dropped", order="score", v5_ids="classes"):
    """decode_yolo with one switch turned the wrong way, for the mistakes below.

    v8_rows: "transpose" (right), "as-is" (the (4 + C, N) table read as rows), "reshape".
    objectness: "auto" (right: column 4 of YOLOv5 only), "always", "never". v5_score:
    "product" (right), "class" (objectness ignored), "objectness" (objectness alone).
    keep: "score" (right) or "objectness" (only objectness > conf_threshold). boxes:
    "corners" (right), "top-left" (cx, cy read as x1, y1), "raw" (cx, cy, w, h as they are),
    "no-half" (cx -+ w), "xywh" (x1, y1, w, h). suppress: "per-class" (right), "agnostic",
    "none", "best-per-class", "cv2-corners" (NMSBoxesBatched given corners), "class-positions" (per-class
    nms positions not mapped back to the candidates). multi_label:
    one detection per class above the threshold. sigmoid: a sigmoid on the scores.
    thresholds: "given" (right), "swapped", "defaults" (0.25 and 0.45 whatever is given),
    "conf-fixed", "iou-fixed". at_threshold: "dropped" (right) or
    "kept" (>=). order: "score" (right) or "class" (by class, then score: a loop over classes).
    v5_ids: "classes" (right) or "from-column-4" (YOLOv5's class id the argmax of columns 4 and on,
    objectness included, as the YOLOv8 code does; the score still right).
    """
    output = np.asarray(output)
    if thresholds == "swapped":
        conf_threshold, iou_threshold = iou_threshold, conf_threshold
    elif thresholds == "defaults":
        conf_threshold, iou_threshold = 0.25, 0.45
    elif thresholds == "conf-fixed":
        conf_threshold = 0.25
    elif thresholds == "iou-fixed":
        iou_threshold = 0.45
    is_v8 = output.shape[1] < output.shape[2]
    if is_v8:
        table = output[0]
        rows = {"transpose": table.T, "as-is": table,
                "reshape": table.reshape(table.shape[1], table.shape[0])}[v8_rows]
    else:
        rows = output[0]
    rows = rows.astype(np.float64)
    has_objectness = {"auto": not is_v8, "always": True, "never": False}[objectness]
    if sigmoid:
        rows = np.hstack([rows[:, :4], _sigmoid(rows[:, 4:])])
    class_scores = rows[:, 5:] if has_objectness else rows[:, 4:]
    obj = rows[:, 4] if has_objectness else np.ones(len(rows))
    if has_objectness and v5_score == "product":
        class_scores = class_scores * obj[:, None]
    above = (lambda s: s >= conf_threshold) if at_threshold == "kept" else (lambda s: s > conf_threshold)
    if multi_label:
        candidate, class_ids = np.nonzero(above(class_scores))
        scores = class_scores[candidate, class_ids]
    else:
        candidate = np.arange(len(rows))
        class_ids = class_scores.argmax(axis=1) if class_scores.shape[1] else np.zeros(len(rows), int)
        scores = class_scores.max(axis=1) if class_scores.shape[1] else np.zeros(len(rows))
        if has_objectness and v5_score == "objectness":
            scores = obj
        if has_objectness and v5_ids == "from-column-4":
            class_ids = rows[:, 4:].argmax(axis=1)
        chosen = above(obj) if (has_objectness and keep == "objectness") else above(scores)
        candidate, class_ids, scores = candidate[chosen], class_ids[chosen], scores[chosen]
    cx, cy, w, h = rows[candidate, :4].T
    corners = {"corners": (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), "top-left": (cx, cy, cx + w, cy + h),
               "raw": (cx, cy, w, h), "no-half": (cx - w, cy - h, cx + w, cy + h),
               "xywh": (cx - w / 2, cy - h / 2, w, h)}[boxes]
    found = np.stack(corners, axis=1).reshape(-1, 4)
    if not len(scores):
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    if len(scores) > 2000:  # no learner's answer: not worth the search's time
        raise ValueError("too many candidates")
    real = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)  # what NMS compares
    if boxes in ("top-left", "raw", "no-half"):
        real = found
    if suppress == "none":
        kept = np.argsort(-scores, kind="stable")
    elif suppress == "best-per-class":
        kept = np.array([np.flatnonzero(class_ids == c)[np.argmax(scores[class_ids == c])]
                         for c in np.unique(class_ids)])
        kept = kept[np.argsort(-scores[kept], kind="stable")]
    elif suppress == "class-positions":  # nms per class, its positions used as if they were global
        kept = np.concatenate([_cv2_nms(real[class_ids == c], scores[class_ids == c], None, iou_threshold)
                               for c in np.unique(class_ids)])
        kept = kept[np.argsort(-scores[kept], kind="stable")]
    elif suppress == "cv2-corners":
        kept = _cv2_nms(real, scores, class_ids, iou_threshold, corners_as_xywh=True)
    else:
        kept = _cv2_nms(real, scores, None if suppress == "agnostic" else class_ids, iou_threshold)
    if order == "class":
        kept = kept[np.lexsort((-scores[kept], class_ids[kept]))]
    return found[kept].astype(np.float32), scores[kept].astype(np.float32), class_ids[kept].astype(np.int64)


_DECODE = _Variants("decode_yolo", _decode_variant, space={
    "v8_rows": ["as-is", "reshape"], "objectness": ["always", "never"], "v5_score": ["class", "objectness"],
    "keep": ["objectness"], "sigmoid": [True], "multi_label": [True], "boxes": ["top-left", "raw", "no-half", "xywh"],
    "suppress": ["cv2-corners", "agnostic", "none", "best-per-class", "class-positions"],
    "thresholds": ["swapped", "defaults", "conf-fixed", "iou-fixed"],
    "at_threshold": ["kept"], "order": ["class"], "v5_ids": ["from-column-4"]}, atol=1e-3,
    factual=(lambda run: _same_detections_other_order(run), lambda run: _cross_class_suppression(run),
             lambda run: _class_ids_beyond_classes(run)))


def _decode_mistake(**switches):
    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        return _decode_variant(output, conf_threshold, iou_threshold, **switches)
    return decode_yolo


def _yolo_scene(rng, classes, count=60):
    """(N, 4 + classes) rows: cx, cy, w, h, class probabilities; a few strong, overlapping objects."""
    rows = np.zeros((count, 4 + classes), np.float32)
    rows[:, :2] = rng.uniform(20, 300, (count, 2))
    rows[:, 2:4] = rng.uniform(10, 60, (count, 2))
    rows[:, 4:] = rng.uniform(0, 0.2, (count, classes))
    objects = [((100, 100, 40, 50), 0, 0.9), ((103, 98, 42, 48), 0, 0.8),    # a duplicate of the first
               ((104, 102, 40, 52), 1, 0.7),                                  # same place, another class
               ((250, 200, 60, 30), 2 % classes, 0.6), ((30, 260, 20, 20), 1, 0.35),
               ((200, 60, 30, 30), 0, 0.55)]
    for k, (box, cls, score) in enumerate(objects):
        rows[k, :4] = box
        rows[k, 4:] = 0.05
        rows[k, 4 + cls] = score
    return rows[rng.permutation(count)]


def _yolov8_output(rng, classes=3, count=60):
    return np.ascontiguousarray(_yolo_scene(rng, classes, count).T[None])


def _with_objectness(rng, rows):
    """YOLOv5 rows from (N, 4 + C) rows: objectness 0.95 for the objects, random below 0.5 elsewhere."""
    objectness = np.where(rows[:, 4:].max(axis=1) > 0.3, 0.95, rng.uniform(0, 0.5, len(rows)))
    return np.hstack([rows[:, :4], objectness[:, None], rows[:, 4:]]).astype(np.float32)[None]


def _yolov5_output(rng, classes=3, count=60):
    return _with_objectness(rng, _yolo_scene(rng, classes, count))


def _v8_table(rows, count=24, classes=None):
    """A (1, 4 + C, count) YOLOv8 output: the given rows (cx, cy, w, h, class scores), then filler
    candidates scoring nothing."""
    rows = np.asarray(rows, np.float32)
    table = np.zeros((count, rows.shape[1] if classes is None else 4 + classes), np.float32)
    table[:, :4] = [5, 5, 4, 4]
    table[:len(rows), :rows.shape[1]] = rows
    return np.ascontiguousarray(table.T[None])


def _v5_table(rows, count=24):
    """A (1, count, 5 + C) YOLOv5 output: the given rows (cx, cy, w, h, objectness, class scores)."""
    rows = np.asarray(rows, np.float32)
    table = np.zeros((count, rows.shape[1]), np.float32)
    table[:, :4] = [5, 5, 4, 4]
    table[:len(rows)] = rows
    return table[None]


def _conf_edge_v8(steps=32):
    """Candidates scoring every k/32, far apart, classes taking turns: the threshold m/32 is exact,
    so the candidate scoring exactly it must be dropped."""
    rows = []
    for k in range(1, steps):
        cls = k % 3
        score = np.zeros(3)
        score[cls] = k / steps
        rows.append([20 + 40 * (k % 8), 20 + 40 * (k // 8), 16, 12, *score])
    return _v8_table(rows[::-1], count=40)


def _conf_edge_v5():
    """YOLOv5 candidates whose objectness x class score is exactly 0.25, just above and below it."""
    pairs = [(0.5, 0.5), (1.0, 0.25), (0.25, 1.0), (0.5, 0.515625), (0.75, 0.3125), (0.75, 0.375),
             (0.625, 0.375), (0.375, 0.625), (0.875, 0.28125), (0.3125, 0.75)]
    rows = []
    for k, (obj, cls) in enumerate(pairs):
        scores = [0.0, 0.0]
        scores[k % 2] = cls
        rows.append([20 + 40 * k, 30, 16, 12, obj, *scores])
    return _v5_table(rows, count=30)


def _decode_cases():
    rng = np.random.default_rng(6)
    v8, v5 = _yolov8_output(rng), _yolov5_output(rng)
    two_labels = _v8_table([[60, 60, 30, 30, 0.7, 0.0, 0.55], [150, 60, 30, 30, 0.1, 0.8, 0.0],
                            [60, 150, 20, 40, 0.0, 0.3, 0.26]])
    cases = [
        Case("a YOLOv8 output (1, 7, 60): 3 classes, 60 candidates, two overlapping boxes of one class "
             "and one of another class at the same place", (v8,), rule="transpose"),
        Case("a YOLOv5 output (1, 60, 8): objectness then 3 class scores", (v5,), rule="v5_score"),
        Case("the YOLOv8 output with conf_threshold=0.5 and iou_threshold=0.7", (v8, 0.5, 0.7), rule="thresholds"),
        Case("a YOLOv8 output with two class-0 boxes overlapping by IoU 0.6 (scores 0.9, 0.8) and a class-1 box "
             "scoring 0.4, conf_threshold=0.5 and iou_threshold=0.7: both class-0 boxes stay, the 0.4 one goes",
             (_v8_table([[20, 20, 40, 40, 0.9, 0.0], [30, 20, 40, 40, 0.8, 0.0], [200, 200, 30, 30, 0.0, 0.4]]),),
             {"conf_threshold": 0.5, "iou_threshold": 0.7}, rule="thresholds"),
        Case("a YOLOv8 output with one candidate, cx=50, cy=40, w=20, h=10 (class 1, score 0.9): the box "
             "[40, 35, 60, 45]", (_v8_table([[50, 40, 20, 10, 0.0, 0.9]]),), rule="corners"),
        Case("a YOLOv8 output where a class-0 box and a class-1 box cover the same place (IoU 0.95)",
             (_v8_table([[80, 80, 40, 40, 0.8, 0.1], [81, 80, 40, 40, 0.1, 0.7], [200, 80, 30, 30, 0.6, 0.0]]),),
             rule="per_class"),
        Case("a YOLOv8 output with two class-0 boxes side by side, 10 px apart (IoU 0: both stay)",
             (_v8_table([[110, 110, 20, 20, 0.8, 0.0], [140, 110, 20, 20, 0.7, 0.0]]),), rule="per_class"),
        Case("a YOLOv8 output with 4 detections of 2 classes whose scores take turns (0.9 class 1, 0.8 class 0, "
             "0.7 class 1, 0.6 class 0)",
             (_v8_table([[40, 40, 20, 20, 0.8, 0.0], [120, 40, 20, 20, 0.0, 0.9], [40, 120, 20, 20, 0.6, 0.0],
                         [120, 120, 20, 20, 0.0, 0.7]]),), rule="sorted"),
        Case("a YOLOv8 output where one candidate scores 0.7 for class 0 and 0.55 for class 2: one detection, "
             "class 0", (two_labels,), rule="best"),
        Case("a YOLOv8 output (1, 7, 60) where nothing reaches 0.25 (the answer: three empty arrays)",
             (rng.uniform(0, 0.2, (1, 7, 60)).astype(np.float32),), rule="empty"),
    ]
    for numerator in (8, 4, 12, 16, 20, 24, 28, 1, 31):
        threshold = numerator / 32
        cases.append(Case(f"a YOLOv8 output with 31 candidates scoring 1/32, 2/32, ..., 31/32, "
                          f"conf_threshold={numerator}/32 (the candidate scoring exactly {numerator}/32 is dropped)",
                          (_conf_edge_v8(), threshold), rule="conf"))
    cases += [
        Case("a YOLOv5 output whose objectness x class score is exactly 0.25 for some candidates "
             "(0.5 x 0.5, 1.0 x 0.25, 0.25 x 1.0: dropped), just above or below for others", (_conf_edge_v5(),),
             rule="conf"),
        Case("a YOLOv5 output (1, 300, 85): 80 classes", (_yolov5_output(rng, 80, 300),), rule="layout"),
        Case("a YOLOv8 output (1, 84, 300): 80 classes", (_yolov8_output(rng, 80, 300),), rule="probabilities"),
        Case("a YOLOv8 output (1, 84, 300) from 80 classes where nothing reaches 0.25",
             (rng.uniform(0, 0.2, (1, 84, 300)).astype(np.float32),), rule="layout"),
    ]
    return cases


def _as_detections(got):
    """The learner's (boxes, scores, class_ids) as float/int arrays, or None."""
    try:
        boxes, scores, ids = (np.asarray(g) for g in got)
        return boxes.astype(np.float64).reshape(-1, 4), scores.astype(np.float64).reshape(-1), ids.reshape(-1)
    except Exception:
        return None


def _class_ids_beyond_classes(run):
    """A YOLOv8 table read along the wrong axis (no transpose): class ids of C or more, which
    cannot exist in an output with C classes."""
    output = np.asarray(run.case.args[0])
    got = _as_detections(run.got)
    if got is None or output.shape[1] >= output.shape[2]:
        return False
    return bool(len(got[2]) and np.max(got[2]) >= output.shape[1] - 4)


def _same_detections_other_order(run):
    got, expected = run.got, run.expected
    if len(got[1]) != len(expected[1]) or np.allclose(got[1], expected[1], atol=1e-4):
        return False
    order = np.lexsort((np.asarray(got[0])[:, 0], -np.asarray(got[1])))
    return _compare_detections(expected, tuple(np.asarray(g)[order] for g in got)) is None


def _cross_class_suppression(run):
    """Every expected detection the learner lacks overlaps a kept detection of another class (with a
    higher score) by more than iou_threshold, and nothing else differs: class-agnostic NMS."""
    got = _as_detections(run.got)
    if got is None:
        return False
    iou_threshold = _arguments(run.case, decode_yolo)["iou_threshold"]
    boxes, scores, ids = got
    want_boxes, want_scores, want_ids = run.expected
    present = [np.flatnonzero(np.all(np.abs(boxes - b) < 1e-3, axis=1) & (ids == c))
               for b, c in zip(want_boxes, want_ids)]
    missing = [i for i, hits in enumerate(present) if not len(hits)]
    if not missing or len(boxes) != len(want_boxes) - len(missing):
        return False
    for i in missing:
        overlaps = box_iou(want_boxes[i:i + 1], boxes)[0]
        if not np.any((overlaps > iou_threshold) & (ids != want_ids[i]) & (scores > want_scores[i])):
            return False
    return True


def _float_class_ids(run):
    got = _as_detections(run.got)
    ids = np.asarray(run.got[2]) if got is not None else None
    return (ids is not None and ids.size and np.issubdtype(ids.dtype, np.floating)
            and _compare_detections(run.expected, (run.got[0], run.got[1], ids.astype(np.int64))) is None)


def _example_decode_float_ids(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    table = np.column_stack([boxes, scores, class_ids])  # one float table, split at the end
    return table[:, :4], table[:, 4], table[:, 5]


def _scores_ids_swapped(run):
    """(boxes, class_ids, scores): the right three arrays, the last two in each other's place."""
    got = run.got
    return (isinstance(got, (tuple, list)) and len(got) == 3 and len(run.expected[1]) > 0
            and _compare_detections(run.expected, (got[0], got[2], got[1])) is None)


def _example_decode_swapped(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    return boxes, class_ids, scores


def _empty_expected(run):
    return len(run.expected[1]) == 0


def _decode_empty_shapes(run):
    got = run.got
    return (_empty_expected(run) and isinstance(got, (tuple, list)) and len(got) == 3
            and all(isinstance(g, np.ndarray) and g.size == 0 for g in got))


def _decode_empty_kind(run):
    got = run.got
    if not _empty_expected(run):
        return False
    if isinstance(got, (tuple, list)) and len(got) == 0:
        return True
    return (isinstance(got, (tuple, list)) and len(got) == 3
            and all(isinstance(g, (tuple, list, np.ndarray)) and len(g) == 0 for g in got))


def _decode_empty_raised(exc, case):
    return case.rule == "empty" and len(decode_yolo(*case.args, **case.kwargs)[1]) == 0


def _example_decode_unsorted(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    order = np.lexsort((-scores, class_ids))  # by class, then by score: the loop over classes
    return boxes[order], scores[order], class_ids[order]


def _example_decode_empty_shapes(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    if not len(scores):
        return np.array([]), np.array([]), np.array([])
    return boxes, scores, class_ids


def _example_decode_empty_lists(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    if not len(scores):
        return [], [], []
    return boxes, scores, class_ids


def _example_decode_none_for_empty(output, conf_threshold=0.25, iou_threshold=0.45):
    boxes, scores, class_ids = decode_yolo(output, conf_threshold, iou_threshold)
    return None if not len(scores) else (boxes, scores, class_ids)


def _example_decode_empty_raises(output, conf_threshold=0.25, iou_threshold=0.45):
    table = output[0].T if output.shape[1] < output.shape[2] else output[0]
    probs = table[:, 4:] if output.shape[1] < output.shape[2] else table[:, 5:] * table[:, 4:5]
    ids, scores = probs.argmax(1), probs.max(1)
    ok = scores > conf_threshold
    cx, cy, w, h = table[ok, :4].T
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    ids, scores = ids[ok], scores[ok]
    kept = np.concatenate([np.flatnonzero(ids == c)[nms(boxes[ids == c], scores[ids == c], iou_threshold)]
                           for c in np.unique(ids)])  # np.concatenate of nothing raises
    kept = kept[np.argsort(-scores[kept])]
    return boxes[kept], scores[kept], ids[kept]


register(Exercise(
    name="decode_yolo",
    notebook=NOTEBOOK,
    reference=decode_yolo,
    cases=_decode_cases,
    compare=_compare_detections,
    summary="YOLOv5/v8 raw output to boxes, scores, class ids (NMS per class)",
    rules={
        "layout": "Tell them apart by shape (the candidate axis is the long one)",
        "transpose": "transpose YOLOv8 to (N, 4 + C)",
        "v5_score": "objectness × class score",
        "probabilities": "The scores are probabilities already",
        "best": "take each candidate's best class and its score (one detection per candidate at most)",
        "conf": "keep scores above `conf_threshold` (a score equal to it is dropped)",
        "corners": "turn centres into corners",
        "per_class": "run NMS **per class** with `iou_threshold`",
        "sorted": "Sort by score, highest first",
        "empty": "Nothing found is three empty arrays, of shapes (0, 4), (0,) and (0,), not an exception",
        "thresholds": "decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45)",
    },
    hint=(
        """
        Make one table with a row per candidate (cx, cy, w, h, then scores) whatever the layout;
        tell the layouts apart by which axis is longer. Then score, filter, turn centres into
        corners, and run your nms once per class.
        """,
        """
        1. table = output[0], of shape (A, B). If A < B it is YOLOv8, (4 + C, N): transpose it to
           (N, 4 + C).
        2. Class scores: YOLOv8's columns 4 on; YOLOv5's columns 5 on, times the objectness
           (column 4).
        3. Each row's best class and its score (argmax and max over the classes); keep the rows
           whose score is above conf_threshold (`>`).
        4. Corners: x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2.
        5. NMS per class at iou_threshold, then sort by score, highest first.
        6. Return float32 boxes, float32 scores and int64 class ids; nothing left gives empty
           arrays of shapes (0, 4), (0,) and (0,).
        """,
        """
        NMS per class in one call: shift every box by class_id * offset, with an offset larger than
        any coordinate (boxes.max() + 1), so that boxes of different classes never overlap; run
        nms on the shifted boxes, and index the unshifted boxes, scores and class ids with its
        result (already highest score first). Or cv2.dnn.NMSBoxesBatched with (x, y, w, h) boxes,
        the scores, the class ids, a score threshold of 0 and iou_threshold.
        """,
    ),
    mistakes=[
        Mistake("decode_yolo.empty_not_arrays", "nothing is above the threshold here, and that is three empty "
                "arrays, of shapes (0, 4), (0,) and (0,): e.g. np.zeros((0, 4), np.float32), "
                "np.zeros(0, np.float32), np.zeros(0, np.int64), not empty lists.",
                detect=_decode_empty_kind, example=_example_decode_empty_lists, on_type=True),
        Mistake("decode_yolo.none_for_empty", "nothing is above the threshold here, and you returned None. "
                "Nothing found is a normal result: return three empty arrays of shapes (0, 4), (0,) and (0,), "
                "so the caller's `for box, score, class_id in zip(...)` just runs zero times.",
                detect=lambda run: run.got is None and len(run.expected[1]) == 0, on_type=True,
                example=_example_decode_none_for_empty),
        Mistake("decode_yolo.empty_raises", "nothing is above the threshold here: that is a normal result, three "
                "empty arrays of shapes (0, 4), (0,) and (0,), not an exception. Return them before stacking or "
                "running NMS on nothing.", on_error=_decode_empty_raised, example=_example_decode_empty_raises),
        Mistake("decode_yolo.empty_shapes", "nothing is above the threshold here: return three empty arrays of "
                "shapes (0, 4), (0,) and (0,), e.g. np.zeros((0, 4), np.float32) for the boxes (np.array([]) "
                "has shape (0,)).", detect=_decode_empty_shapes, example=_example_decode_empty_shapes),
        Mistake("decode_yolo.float_class_ids", "your class ids are floats: they are ints that index the list of "
                "class names, e.g. class_ids.astype(np.int64).", detect=_float_class_ids,
                example=_example_decode_float_ids),
        Mistake("decode_yolo.scores_ids_swapped", "your scores and class ids are in each other's place: return "
                "(boxes, scores, class_ids), in that order.", detect=_scores_ids_swapped,
                example=_example_decode_swapped),
        Mistake("decode_yolo.v5_class_from_column_4", "your YOLOv5 class ids count the objectness (column 4) as "
                "a class: the class scores start at column 5, so class_id = the argmax of columns 5 and on.",
                example=_decode_mistake(v5_ids="from-column-4"), detect=_DECODE.detect("v5_ids", "from-column-4")),
        Mistake("decode_yolo.v8_not_transposed", "a YOLOv8 output (1, 4 + C, N) holds one candidate per column: "
                "transpose it to (N, 4 + C) with output[0].T before reading rows (and tell the layouts apart by "
                "shape: the candidate axis is the longer one).",
                example=_decode_mistake(v8_rows="as-is"),
                detect=_either(_DECODE.detect("v8_rows", "as-is"), _class_ids_beyond_classes)),
        Mistake("decode_yolo.v8_reshaped", "the YOLOv8 output is (1, 4 + C, N): transpose it to (N, 4 + C) with "
                ".T; reshape keeps the memory order and scrambles the numbers.",
                example=_decode_mistake(v8_rows="reshape"), detect=_DECODE.detect("v8_rows", "reshape")),
        Mistake("decode_yolo.v8_objectness", "YOLOv8 has no objectness: its class scores start at column 4, and "
                "the score is the class score itself.", example=_decode_mistake(objectness="always"),
                detect=_DECODE.detect("objectness", "always")),
        Mistake("decode_yolo.v5_no_objectness", "YOLOv5's score is objectness times the class score; yours "
                "ignores the objectness column.", example=_decode_mistake(v5_score="class"),
                detect=_DECODE.detect("v5_score", "class")),
        Mistake("decode_yolo.v5_objectness_as_class", "YOLOv5's column 4 is the objectness, not a class: the "
                "class scores start at column 5, and the score is objectness times the class score.",
                example=_decode_mistake(objectness="never"), detect=_DECODE.detect("objectness", "never")),
        Mistake("decode_yolo.v5_objectness_only", "you scored YOLOv5 candidates by objectness alone: the score is "
                "objectness times the best class score.", example=_decode_mistake(v5_score="objectness"),
                detect=_DECODE.detect("v5_score", "objectness")),
        Mistake("decode_yolo.v5_objectness_filter", "you kept YOLOv5 candidates whose objectness is above "
                "conf_threshold, but the threshold applies to the score itself, objectness times class score: "
                "keep only scores above conf_threshold.", example=_decode_mistake(keep="objectness"),
                detect=_DECODE.detect("keep", "objectness")),
        Mistake("decode_yolo.sigmoid_again", "the scores in these outputs are probabilities already: applying a "
                "sigmoid (or softmax) again changes them.", example=_decode_mistake(sigmoid=True),
                detect=_DECODE.detect("sigmoid", True)),
        Mistake("decode_yolo.multi_label", "one candidate gave several detections, one per class above the "
                "threshold: take each candidate's best class only (argmax) and its score (max).",
                example=_decode_mistake(multi_label=True), detect=_DECODE.detect("multi_label", True)),
        Mistake("decode_yolo.centres_as_corners", "your boxes start at (cx, cy): the first two numbers are the box "
                "centre. Convert: x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2.",
                example=_decode_mistake(boxes="top-left"), detect=_DECODE.detect("boxes", "top-left")),
        Mistake("decode_yolo.not_converted", "you returned cx, cy, w, h as they are: turn them into corners, "
                "x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2.",
                example=_decode_mistake(boxes="raw"), detect=_DECODE.detect("boxes", "raw")),
        Mistake("decode_yolo.full_size_offset", "your boxes are twice as big: the corners are half the width and "
                "height away from the centre, x1 = cx - w / 2, x2 = cx + w / 2.",
                example=_decode_mistake(boxes="no-half"), detect=_DECODE.detect("boxes", "no-half")),
        Mistake("decode_yolo.returned_xywh", "you returned (x, y, w, h) boxes, the form cv2's NMS wants: return "
                "corners x1, y1, x2, y2 (x2 = x1 + w, y2 = y1 + h).", example=_decode_mistake(boxes="xywh"),
                detect=_DECODE.detect("boxes", "xywh")),
        Mistake("decode_yolo.cv2_corners", "cv2's NMSBoxes(Batched) takes boxes as (x, y, width, height): you "
                "gave it corners, so it compared the wrong boxes. Pass x1, y1, x2 - x1, y2 - y1.",
                example=_decode_mistake(suppress="cv2-corners"), detect=_DECODE.detect("suppress", "cv2-corners")),
        Mistake("decode_yolo.agnostic_nms", "a box was removed by an overlapping box of another class: your NMS "
                "is class-agnostic. Run NMS per class: offset each class's boxes by class_id * (boxes.max() + 1) "
                "(a smaller offset leaves classes overlapping), or use cv2.dnn.NMSBoxesBatched.",
                example=_decode_mistake(suppress="agnostic"),
                detect=_either(_DECODE.detect("suppress", "agnostic"), _cross_class_suppression)),
        Mistake("decode_yolo.class_positions", "in your loop over classes, nms returns positions among that "
                "class's boxes: map them back to the candidates (members = np.flatnonzero(class_ids == c); "
                "members[kept]) before picking boxes and scores.", example=_decode_mistake(suppress="class-positions"),
                detect=_DECODE.detect("suppress", "class-positions")),
        Mistake("decode_yolo.no_nms", "you kept the duplicates: after the threshold, run NMS per class so that "
                "each object gives one box.", example=_decode_mistake(suppress="none"),
                detect=_DECODE.detect("suppress", "none")),
        Mistake("decode_yolo.one_per_class", "you kept only the best box of each class: NMS keeps every box that "
                "does not overlap a better one of its class, so a class can have several objects.",
                example=_decode_mistake(suppress="best-per-class"),
                detect=_DECODE.detect("suppress", "best-per-class")),
        Mistake("decode_yolo.thresholds_swapped", "you swapped the thresholds: conf_threshold filters the scores, "
                "iou_threshold goes to NMS.", example=_decode_mistake(thresholds="swapped"),
                detect=_DECODE.detect("thresholds", "swapped")),
        Mistake("decode_yolo.thresholds_ignored", "you used a fixed threshold (0.25 or 0.45) instead of the "
                "argument: use conf_threshold and iou_threshold as they are given.",
                example=_decode_mistake(thresholds="defaults"),
                detect=_DECODE.detect("thresholds", "defaults", "conf-fixed", "iou-fixed")),
        Mistake("decode_yolo.at_threshold_kept", "a score equal to conf_threshold is dropped: keep scores *above* "
                "it, `>` not `>=`.", example=_decode_mistake(at_threshold="kept"),
                detect=_DECODE.detect("at_threshold", "kept")),
        Mistake("decode_yolo.not_sorted", "the right detections in another order: return them sorted by score, "
                "highest first (across classes).",
                detect=_either(_DECODE.detect("order", "class"), _same_detections_other_order),
                example=_example_decode_unsorted),
    ],
))
