"""The notebook 06 checks reject what learners really write, naming the mistake by its id, and
accept correct variants.

The wrong answers here are written the way learners write them, independently of the checker's
own mistake implementations, so a test fails when a plausible variant of a mistake slips through
or is given another mistake's message.
"""
import inspect
import math

import cv2
import numpy as np
import pytest

from helpers.detection import box_iou as reference_box_iou
from helpers.detection import decode_yolo as reference_decode_yolo
from helpers.detection import nms as reference_nms
from helpers import check
from helpers.exercises import core
from helpers.exercises.core import Case, Exercise, Run, get_exercise
from helpers.exercises.ex06_detection import _Variants
from helpers.letterbox import letterbox as reference_letterbox

from .conftest import assert_accepted, assert_rejected


# --------------------------------------------------------------------------- box_iou
def iou_template(plus_one=0.0, clip="each", nan_guard=True, union="union", read_as="xyxy", overlap="right",
                 transpose=False, as_int=False, out_dtype=None, empty_union=0.0):
    def box_iou(boxes_a, boxes_b):
        a = np.asarray(boxes_a, np.float64)
        b = np.asarray(boxes_b, np.float64)
        if as_int:
            a, b = a.astype(int), b.astype(int)
        if transpose:
            a, b = b, a
        if read_as == "xywh":
            a = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:]], axis=1)
            b = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)
        a, b = a[:, None, :], b[None, :, :]
        lo, hi = (np.maximum, np.minimum) if overlap == "right" else (np.minimum, np.maximum)
        w = hi(a[..., 2], b[..., 2]) - lo(a[..., 0], b[..., 0]) + plus_one
        h = hi(a[..., 3], b[..., 3]) - lo(a[..., 1], b[..., 1]) + plus_one
        if clip == "each":
            w, h = np.maximum(w, 0), np.maximum(h, 0)
        inter = w * h
        if clip == "product":
            inter = np.maximum(inter, 0)
        if read_as == "wh-area":
            area_a, area_b = a[..., 2] * a[..., 3], b[..., 2] * b[..., 3]
        else:
            area_a = (a[..., 2] - a[..., 0] + plus_one) * (a[..., 3] - a[..., 1] + plus_one)
            area_b = (b[..., 2] - b[..., 0] + plus_one) * (b[..., 3] - b[..., 1] + plus_one)
        denominator = {"union": area_a + area_b - inter, "sum": area_a + area_b, "area_a": area_a + 0 * inter,
                       "smaller": np.minimum(area_a, area_b), "none": None}[union]
        if denominator is None:
            out = inter
        elif nan_guard:
            out = np.where(denominator > 0, inter / np.where(denominator > 0, denominator, 1), empty_union)
        else:
            with np.errstate(invalid="ignore"):
                out = inter / denominator
        return out.astype(out_dtype) if out_dtype else out
    return box_iou


def iou_loops(plus_one=0.0, pairwise=False, transposed=False, python_floats=True, empty_as_1d=False):
    def box_iou(boxes_a, boxes_b):
        A = np.asarray(boxes_a).tolist() if python_floats else list(np.asarray(boxes_a))
        B = np.asarray(boxes_b).tolist() if python_floats else list(np.asarray(boxes_b))
        if transposed:
            A, B = B, A

        def one(p, q):
            inter = (max(0, min(p[2], q[2]) - max(p[0], q[0]) + plus_one)
                     * max(0, min(p[3], q[3]) - max(p[1], q[1]) + plus_one))
            union = ((p[2] - p[0] + plus_one) * (p[3] - p[1] + plus_one)
                     + (q[2] - q[0] + plus_one) * (q[3] - q[1] + plus_one) - inter)
            return inter / union if union > 0 else 0.0
        if pairwise:
            return np.array([one(p, q) for p, q in zip(A, B)])
        if empty_as_1d:
            return np.array([[one(p, q) for q in B] for p in A])
        out = np.zeros((len(A), len(B)))
        for i, p in enumerate(A):
            for j, q in enumerate(B):
                out[i, j] = one(p, q)
        return out
    return box_iou


def iou_one_pair(boxes_a, boxes_b):
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = boxes_a[0], boxes_b[0]
    inter = max(0, min(ax2, bx2) - max(ax1, bx1)) * max(0, min(ay2, by2) - max(ay1, by1))
    return float(inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter))


def iou_half_swapped(boxes_a, boxes_b):
    a, b = np.asarray(boxes_a, np.float64)[:, None], np.asarray(boxes_b, np.float64)[None]
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.minimum(a[..., 0], b[..., 0]), 0, None)  # min twice
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.minimum(a[..., 1], b[..., 1]), 0, None)
    union = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
             - w * h)
    return np.divide(w * h, union, out=np.zeros_like(union), where=union > 0)


def iou_zero_division(boxes_a, boxes_b):
    out = np.zeros((len(boxes_a), len(boxes_b)))
    for i, (ax1, ay1, ax2, ay2) in enumerate(boxes_a.tolist()):
        for j, (bx1, by1, bx2, by2) in enumerate(boxes_b.tolist()):
            iw, ih = max(0, min(ax2, bx2) - max(ax1, bx1)), max(0, min(ay2, by2) - max(ay1, by1))
            out[i, j] = iw * ih / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - iw * ih)
    return out


def iou_rounded_coordinates(boxes_a, boxes_b):
    return iou_template()(np.round(boxes_a), np.round(boxes_b))


@pytest.mark.parametrize("fn, mistake, phrase", [
    (iou_template(plus_one=1.0), "box_iou.plus_one", "+ 1"),
    (iou_loops(plus_one=1.0), "box_iou.plus_one", "+ 1"),
    (iou_template(nan_guard=False), "box_iou.nan_for_empty_union", "NaN"),
    (iou_template(nan_guard=False, out_dtype=np.float32), "box_iou.nan_for_empty_union", "NaN"),
    (iou_template(empty_union=1.0), "box_iou.one_for_empty_union", "union is 0"),
    (iou_template(clip="none"), "box_iou.no_clip", "clip each of them at 0"),
    (iou_template(clip="product"), "box_iou.no_clip", "clip each of them at 0"),
    (iou_template(clip="none", nan_guard=False), "box_iou.no_clip", "clip each of them at 0"),
    (iou_template(union="sum"), "box_iou.union_counts_overlap_twice", "area_a + area_b - intersection"),
    (iou_template(union="area_a"), "box_iou.divides_by_one_area", "one box"),
    (iou_template(union="smaller"), "box_iou.divides_by_one_area", "one box"),
    (iou_template(union="none"), "box_iou.intersection_only", "intersection areas"),
    (iou_template(read_as="xywh"), "box_iou.xywh", "corners x1, y1, x2, y2"),
    (iou_template(read_as="wh-area"), "box_iou.xywh", "corners x1, y1, x2, y2"),
    (iou_template(overlap="min-max"), "box_iou.overlap_min_max", "min(x2) - max(x1)"),
    (lambda boxes_a, boxes_b: iou_half_swapped(boxes_a, boxes_b), "box_iou.overlap_min_max", "min(x2) - max(x1)"),
    (iou_template(as_int=True), "box_iou.int_coordinates", "integers"),
    (iou_rounded_coordinates, "box_iou.int_coordinates", "integers"),
    (iou_template(transpose=True), "box_iou.transposed", "transposed"),
    (iou_loops(transposed=True), "box_iou.transposed", "transposed"),
    (iou_loops(pairwise=True), "box_iou.pairwise", "every box of boxes_a with every box of boxes_b"),
    (lambda boxes_a, boxes_b: np.diag(iou_template()(boxes_a, boxes_b)), "box_iou.pairwise", "(N, M)"),
    (iou_one_pair, "box_iou.scalar", "not a single number"),
    (iou_loops(empty_as_1d=True), "box_iou.empty_shape", "(0, M)"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")
def test_iou_wrong_answers(fn, mistake, phrase):
    assert_rejected("box_iou", _named(fn, "boxes_a", "boxes_b"), phrase, mistake=mistake)


def test_iou_zero_division_in_loops():
    assert_rejected("box_iou", iou_zero_division, "union of 0", status="error", mistake="box_iou.zero_division")


def _named(fn, *params):
    """``fn`` with the exercise's parameter names (for lambdas written inline above)."""
    if list(inspect.signature(fn).parameters) == list(params):
        return fn
    namespace = {"fn": fn}
    exec(f"def wrapper({', '.join(params)}):\n    return fn({', '.join(params)})", namespace)
    return namespace["wrapper"]


def test_iou_correct_variants():
    assert_accepted("box_iou", iou_template())
    assert_accepted("box_iou", iou_template(out_dtype=np.float32))
    assert_accepted("box_iou", iou_loops())
    assert_accepted("box_iou", iou_loops(python_floats=False))

    def with_epsilon(boxes_a, boxes_b):
        a, b = np.asarray(boxes_a, np.float32)[:, None], np.asarray(boxes_b, np.float32)[None]
        inter = (np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
                 * np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None))
        union = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
        return inter / (union - inter + 1e-7)
    assert_accepted("box_iou", with_epsilon)

    def nan_to_num(boxes_a, boxes_b):
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(iou_template(nan_guard=False)(boxes_a, boxes_b))
    assert_accepted("box_iou", nan_to_num)

    def warns_but_right(boxes_a, boxes_b):  # np.where evaluates 0 / 0 too: a RuntimeWarning, right values
        a, b = np.asarray(boxes_a, np.float64)[:, None], np.asarray(boxes_b, np.float64)[None]
        inter = (np.maximum(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0)
                 * np.maximum(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0))
        union = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
                 - inter)
        return np.where(union > 0, inter / union, 0.0)
    assert_accepted("box_iou", warns_but_right)


def test_iou_reference_against_hand_worked_values():
    """The grid case's values hold what the continuous convention says, worked out by hand."""
    iou = reference_box_iou(np.float32([[0, 0, 2, 2]]), np.float32([[1, 1, 3, 3], [2, 0, 4, 2], [0, 0, 1, 1]]))
    np.testing.assert_allclose(iou, [[1 / 7, 0, 1 / 4]])


# --------------------------------------------------------------------------- nms
def greedy(boxes, scores, iou_threshold, order="desc", only_kept_suppress=True, test=">", out="list",
           iou=None, positions=False):
    iou = iou or iou_template()
    scores = np.asarray(scores)
    ranking = {"desc": list(np.argsort(scores)[::-1]), "asc": list(np.argsort(scores)),
               "input": list(range(len(scores)))}[order]
    if positions:
        boxes, scores = np.asarray(boxes)[ranking], scores[ranking]
        ranking = list(range(len(scores)))
    overlaps = iou(boxes, boxes) if len(boxes) else np.zeros((0, 0))
    drop = {">": lambda v: v > iou_threshold, ">=": lambda v: v >= iou_threshold,
            "<=": lambda v: v <= iou_threshold}[test]
    keep, removed = [], set()
    for rank, i in enumerate(ranking):
        if i in removed and only_kept_suppress:
            continue
        if i not in removed:
            keep.append(i)
        for j in ranking[rank + 1:]:
            if drop(overlaps[i, j]):
                removed.add(j)
    if out == "sorted":
        keep = sorted(keep)
    return keep if out == "list" else np.array(keep, dtype=np.int64)


def xywh(boxes):
    return [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in np.asarray(boxes, float).tolist()]


def nms_cv2(boxes, scores, iou_threshold):
    idx = cv2.dnn.NMSBoxes(xywh(boxes), np.asarray(scores).tolist(), 0.0, iou_threshold)
    return np.asarray(idx, dtype=np.int64).reshape(-1)


@pytest.mark.parametrize("fn, mistake, phrase", [
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, out="sorted"),
     "nms.index_order", "highest score first"),
    (lambda boxes, scores, iou_threshold: np.flatnonzero(np.isin(np.arange(len(scores)),
                                                                 greedy(boxes, scores, iou_threshold))),
     "nms.index_order", "index order"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, order="input"),
     "nms.input_order", "input order"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, order="asc"),
     "nms.ascending", "lowest score"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, positions=True),
     "nms.sorted_positions", "positions in the score-sorted order"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, test="<="),
     "nms.inverted_test", "kept the boxes that overlap"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, only_kept_suppress=False),
     "nms.suppressed_suppress", "only kept boxes suppress"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, test=">="),
     "nms.at_threshold_dropped", "above"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, iou=iou_template(plus_one=1.0)),
     "nms.plus_one", "+ 1"),
    (lambda boxes, scores, iou_threshold: np.array(cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), 0.0,
                                                                    iou_threshold)).flatten(),
     "nms.cv2_corners", "(x, y, width, height)"),
    (lambda boxes, scores, iou_threshold: np.array(cv2.dnn.NMSBoxes(xywh(boxes), scores.tolist(), iou_threshold,
                                                                    iou_threshold), dtype=np.int64).reshape(-1),
     "nms.cv2_score_threshold", "score threshold"),
    (lambda boxes, scores, iou_threshold: np.array(cv2.dnn.NMSBoxes(xywh(boxes), scores.tolist(), 0.5,
                                                                    iou_threshold), dtype=np.int64).reshape(-1),
     "nms.drops_low_scores", "then the list stops"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold)[:1],
     "nms.drops_low_scores", "then the list stops"),
    (lambda boxes, scores, iou_threshold: cv2.dnn.NMSBoxes(xywh(boxes), scores.tolist(), 0.0, iou_threshold),
     "nms.empty_tuple", "empty tuple"),
    (lambda boxes, scores, iou_threshold: np.asarray(boxes)[greedy(boxes, scores, iou_threshold)],
     "nms.returned_boxes", "indices"),
    (lambda boxes, scores, iou_threshold: np.isin(np.arange(len(scores)), greedy(boxes, scores, iou_threshold)),
     "nms.returned_mask", "mask"),
    (lambda boxes, scores, iou_threshold: nms_cv2(boxes, scores, iou_threshold)[:, None],
     "nms.column", "reshape(-1)"),
    (lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold)[::-1],
     "nms.other_order", "highest score first"),
    (lambda boxes, scores, iou_threshold: np.array(greedy(boxes, scores, iou_threshold), dtype=float),
     "nms.float_indices", "ints"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")
def test_nms_wrong_answers(fn, mistake, phrase):
    assert_rejected("nms", _named(fn, "boxes", "scores", "iou_threshold"), phrase, mistake=mistake)


def test_nms_correct_variants():
    """Lists of ints are accepted (the prompt says so), and so is cv2's array; empty in any dtype."""
    assert_accepted("nms", lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold))
    assert_accepted("nms", lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, out="array"))
    assert_accepted("nms", nms_cv2)

    def cv2_as_list(boxes, scores, iou_threshold):
        return list(cv2.dnn.NMSBoxes(xywh(boxes), np.asarray(scores).tolist(), 0.0, iou_threshold))
    assert_accepted("nms", cv2_as_list)

    def cv2_numpy_boxes(boxes, scores, iou_threshold):
        wh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]).astype(np.float64)
        return np.array(cv2.dnn.NMSBoxes(wh, scores.astype(np.float32), 0.0, float(iou_threshold))).reshape(-1)
    assert_accepted("nms", cv2_numpy_boxes)

    def torchvision_style(boxes, scores, iou_threshold):
        order = scores.argsort()[::-1]
        keep = []
        while len(order):
            i = order[0]
            keep.append(int(i))
            rest = order[1:]
            x1 = np.maximum(boxes[i, 0], boxes[rest, 0])
            y1 = np.maximum(boxes[i, 1], boxes[rest, 1])
            x2 = np.minimum(boxes[i, 2], boxes[rest, 2])
            y2 = np.minimum(boxes[i, 3], boxes[rest, 3])
            inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
            area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
            iou = inter / (area[i] + area[rest] - inter + 1e-9)
            order = rest[iou <= iou_threshold]
        return np.array(keep, dtype=int)
    assert_accepted("nms", torchvision_style)

    def float32_throughout(boxes, scores, iou_threshold):
        boxes = np.asarray(boxes, np.float32)
        order = list(np.argsort(-scores, kind="stable"))
        keep = []
        while order:
            best = order.pop(0)
            keep.append(best)
            order = [j for j in order if iou_template(out_dtype=np.float32)(boxes[best][None], boxes[j][None])[0, 0]
                     <= np.float32(iou_threshold)]
        return np.array(keep, dtype=np.int32)
    assert_accepted("nms", float32_throughout)

    def empty_float_array(boxes, scores, iou_threshold):
        return np.array(greedy(boxes, scores, iou_threshold))  # np.array([]) is float64 when nothing is kept
    assert_accepted("nms", empty_float_array)


def test_nms_exact_edges_agree_with_opencv():
    """The exact-threshold cases hold what cv2.dnn.NMSBoxes says, the outside oracle of the prompt."""
    for case in get_exercise("nms").cases():
        if case.rule == "edge":
            boxes, scores, threshold = case.args
            np.testing.assert_array_equal(reference_nms(boxes, scores, threshold), nms_cv2(boxes, scores, threshold))


# --------------------------------------------------------------------------- letterbox
def letterbox_template(stretch=False, gain_rule=min, size_rounding=round, split="floor", swap_size=False,
                       returned="left-top", fill=None, place="centre", scale_up=True, bgr_to_rgb=False,
                       gain_out="float", resize_only=False, interpolation=cv2.INTER_LINEAR):
    def letterbox(image, size=(640, 640), color=(114, 114, 114)):
        h, w = image.shape[:2]
        H, W = size if swap_size else size[::-1]
        if bgr_to_rgb:
            image = image[..., ::-1]
        if stretch:
            return cv2.resize(image, (W, H)), min(W / w, H / h), (0, 0)
        r = gain_rule(W / w, H / h)
        if not scale_up:
            r = min(r, 1.0)
        nw, nh = int(size_rounding(w * r)), int(size_rounding(h * r))
        resized = cv2.resize(image, (nw, nh), interpolation=interpolation)
        if resize_only:
            return resized, r, (0, 0)
        dw, dh = W - nw, H - nh
        if split == "floor":
            left, top = dw // 2, dh // 2
        elif split == "ceil":
            left, top = math.ceil(dw / 2), math.ceil(dh / 2)
        else:  # YOLOv5's own code with the rounding the wrong way round
            left, top = round(dw / 2 + 0.1), round(dh / 2 + 0.1)
        if place == "corner":
            left = top = 0
        canvas = np.full((H, W, 3), color if fill is None else fill, dtype=np.uint8)
        x0, y0 = max(left, 0), max(top, 0)
        crop = resized[y0 - top:y0 - top + H, x0 - left:x0 - left + W]
        canvas[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]] = crop
        pads = {"left-top": (left, top), "top-left": (top, left), "total": (dw, dh), "halves": (dw / 2, dh / 2),
                "four": (top, dh - top, left, dw - left)}[returned]
        gain = {"float": r, "pair": (r, r), "inverse": 1 / r, "rounded": round(r, 2)}[gain_out]
        return canvas, gain, pads
    return letterbox


def ultralytics_letterbox(image, size=(640, 640), color=(114, 114, 114)):
    """YOLOv5's letterbox (auto=False), copied: ratio is a pair and the pads are float halves."""
    shape = image.shape[:2]
    new_shape = size[::-1]
    r = min(new_shape[0] / shape[0], new_shape[1] / shape[1])
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    dw, dh = new_shape[1] - new_unpad[0], new_shape[0] - new_unpad[1]
    dw /= 2
    dh /= 2
    if shape[::-1] != new_unpad:
        image = cv2.resize(image, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    image = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=color)
    return image, (r, r), (dw, dh)


def letterbox_shape_order(image, size=(640, 640), color=(114, 114, 114)):
    w, h = image.shape[:2]                                   # shape is (height, width, 3)
    r = min(size[0] / w, size[1] / h)
    nw, nh = round(w * r), round(h * r)
    canvas = np.full((size[1], size[0], 3), color, np.uint8)
    left, top = (size[0] - nw) // 2, (size[1] - nh) // 2
    canvas[top:top + nh, left:left + nw] = cv2.resize(image, (nw, nh))
    return canvas, r, (left, top)


def letterbox_dsize_order(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    r = min(size[0] / w, size[1] / h)
    nw, nh = round(w * r), round(h * r)
    dw, dh = size[0] - nw, size[1] - nh
    small = cv2.resize(image, (nh, nw))                      # numpy order, not cv2's (width, height)
    return cv2.copyMakeBorder(small, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2, cv2.BORDER_CONSTANT,
                              value=color), r, (dw // 2, dh // 2)


def letterbox_dsize_order_canvas(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    r = min(size[0] / w, size[1] / h)
    nw, nh = round(w * r), round(h * r)
    canvas = np.full((size[1], size[0], 3), color, np.uint8)
    left, top = (size[0] - nw) // 2, (size[1] - nh) // 2
    canvas[top:top + nh, left:left + nw] = cv2.resize(image, (nh, nw))
    return canvas, r, (left, top)


def letterbox_int64_canvas(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    r = min(size[0] / w, size[1] / h)
    nw, nh = round(w * r), round(h * r)
    canvas = np.full((size[1], size[0], 3), color)           # no dtype: int64
    left, top = (size[0] - nw) // 2, (size[1] - nh) // 2
    canvas[top:top + nh, left:left + nw] = cv2.resize(image, (nw, nh))
    return canvas, r, (left, top)


def letterbox_float_size(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    resized = cv2.resize(image, (w * gain, h * gain))
    dw, dh = size[0] - resized.shape[1], size[1] - resized.shape[0]
    return cv2.copyMakeBorder(resized, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2, cv2.BORDER_CONSTANT,
                              value=color), gain, (dw // 2, dh // 2)


def letterbox_float_border(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    nw, nh = round(w * gain), round(h * gain)
    left, top = (size[0] - nw) / 2, (size[1] - nh) / 2
    out = cv2.copyMakeBorder(cv2.resize(image, (nw, nh)), top, top, left, left, cv2.BORDER_CONSTANT, value=color)
    return out, gain, (left, top)


def letterbox_float_slices(image, size=(640, 640), color=(114, 114, 114)):
    h, w = image.shape[:2]
    gain = min(size[0] / w, size[1] / h)
    nw, nh = round(w * gain), round(h * gain)
    canvas = np.full((size[1], size[0], 3), color, np.uint8)
    left, top = (size[0] - nw) / 2, (size[1] - nh) / 2
    canvas[top:top + nh, left:left + nw] = cv2.resize(image, (nw, nh))
    return canvas, gain, (left, top)


@pytest.mark.parametrize("fn, mistake, phrase, status", [
    (letterbox_template(stretch=True), "letterbox.stretched", "stretched", "incorrect"),
    (letterbox_template(gain_rule=max), "letterbox.gain_max", "min(W / w, H / h)", "incorrect"),
    (letterbox_template(split="round"), "letterbox.odd_pixel_first", "right or bottom", "incorrect"),
    (letterbox_template(split="ceil"), "letterbox.odd_pixel_first", "right or bottom", "incorrect"),
    (letterbox_template(returned="top-left"), "letterbox.pads_swapped", "swapped", "incorrect"),
    (letterbox_template(swap_size=True), "letterbox.size_swapped", "(width, height)", "incorrect"),
    (letterbox_template(size_rounding=int), "letterbox.int_size", "round(w * gain)", "incorrect"),
    (letterbox_template(size_rounding=math.floor), "letterbox.int_size", "round(w * gain)", "incorrect"),
    (letterbox_template(scale_up=False), "letterbox.no_upscale", "above 1", "incorrect"),
    (letterbox_template(gain_out="inverse"), "letterbox.gain_inverted", "inverse", "incorrect"),
    (letterbox_template(gain_out="rounded"), "letterbox.gain_rounded", "rounded", "incorrect"),
    (letterbox_template(gain_out="pair"), "letterbox.gain_pair", "one float", "incorrect"),
    (ultralytics_letterbox, "letterbox.gain_pair", "one float", "incorrect"),
    (letterbox_template(fill=(114, 114, 114)), "letterbox.colour_ignored", "color argument", "incorrect"),
    (letterbox_template(fill=(0, 0, 0)), "letterbox.colour_ignored", "color argument", "incorrect"),
    (letterbox_template(fill=None, bgr_to_rgb=True), "letterbox.channels_swapped", "red and blue", "incorrect"),
    (letterbox_template(place="corner"), "letterbox.one_side", "centre it", "incorrect"),
    (letterbox_template(returned="total"), "letterbox.total_pad", "half of it", "incorrect"),
    (letterbox_template(returned="halves"), "letterbox.float_pads", "must be ints", "incorrect"),
    (letterbox_template(returned="four"), "letterbox.pads_four", "only (pad_x, pad_y)", "incorrect"),
    (letterbox_template(resize_only=True), "letterbox.not_padded", "without the padding", "incorrect"),
    (lambda image, size=(640, 640), color=(114, 114, 114): letterbox_template()(image, size, color)[0],
     "letterbox.not_a_triple", "three things", "incorrect"),
    (letterbox_shape_order, "letterbox.shape_order", "h, w = image.shape[:2]", "incorrect"),
    (letterbox_dsize_order, "letterbox.dsize_order", "(width, height)", "incorrect"),
    (letterbox_dsize_order_canvas, "letterbox.dsize_order_error", "(width, height)", "error"),
    (letterbox_int64_canvas, "letterbox.not_uint8", "uint8", "incorrect"),
    (letterbox_float_size, "letterbox.float_size", "whole pixel sizes", "error"),
    (letterbox_float_border, "letterbox.float_pixels", "//", "error"),
    (letterbox_float_slices, "letterbox.float_pixels", "//", "error"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")
def test_letterbox_wrong_answers(fn, mistake, phrase, status):
    assert_rejected("letterbox", fn, phrase, status=status, mistake=mistake)


def test_letterbox_colour_reversed():
    def letterbox(image, size=(640, 640), color=(114, 114, 114)):
        return letterbox_template(fill=tuple(color[::-1]))(image, size, color)  # "RGB to BGR"
    assert_rejected("letterbox", letterbox, "reversed", mistake="letterbox.colour_reversed")


def test_letterbox_correct_variants():
    assert_accepted("letterbox", letterbox_template())
    assert_accepted("letterbox", letterbox_template(interpolation=cv2.INTER_AREA))
    assert_accepted("letterbox", letterbox_template(interpolation=cv2.INTER_CUBIC))
    assert_accepted("letterbox", letterbox_template(interpolation=cv2.INTER_NEAREST))

    def with_copy_make_border(image, size=(640, 640), color=(114, 114, 114)):
        h, w = image.shape[:2]
        gain = min(size[0] / w, size[1] / h)
        nw, nh = round(w * gain), round(h * gain)
        small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
        dw, dh = size[0] - nw, size[1] - nh
        out = cv2.copyMakeBorder(small, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2,
                                 cv2.BORDER_CONSTANT, value=color)
        return out, float(gain), (dw // 2, dh // 2)
    assert_accepted("letterbox", with_copy_make_border)

    def yolov5_rounding_fixed(image, size=(640, 640), color=(114, 114, 114)):
        padded, (r, _), (dw, dh) = ultralytics_letterbox(image, size, color)
        return padded, r, (int(round(dw - 0.1)), int(round(dh - 0.1)))
    assert_accepted("letterbox", yolov5_rounding_fixed)

    def numpy_everything(image, size=(640, 640), color=(114, 114, 114)):
        shape = np.array(image.shape[1::-1])
        gain = np.min(np.array(size) / shape)                 # a np.float64
        new = np.round(shape * gain).astype(int)
        pad = (np.array(size) - new) // 2                    # np.int64 pads
        canvas = np.empty((size[1], size[0], 3), np.uint8)
        canvas[...] = color
        canvas[pad[1]:pad[1] + new[1], pad[0]:pad[0] + new[0]] = cv2.resize(image, tuple(int(v) for v in new))
        return [canvas, gain, [pad[0], pad[1]]]              # lists work as well as tuples
    assert_accepted("letterbox", numpy_everything)


def test_letterbox_cases_have_no_exact_halves_and_a_clean_layout():
    """No case's w * gain ends in exactly .5 (where round() and int(x + 0.5) differ, which the prompt
    does not settle), and the content rectangle the check measures is the resized image's."""
    for case in get_exercise("letterbox").cases():
        image = case.args[0]
        size = case.kwargs.get("size", case.args[1] if len(case.args) > 1 else (640, 640))
        h, w = image.shape[:2]
        gain = min(size[0] / w, size[1] / h)
        for side in (w * gain, h * gain):
            assert abs(side % 1 - 0.5) > 1e-6, case.label
        padded, _, (pad_x, pad_y) = reference_letterbox(*case.args, **case.kwargs)
        colour = np.asarray(case.kwargs.get("color", (114, 114, 114)))
        differs = np.any(padded != colour, axis=2)
        rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
        assert (cols[0], rows[0]) == (pad_x, pad_y), case.label
        assert (cols[-1] + 1, rows[-1] + 1) == (pad_x + round(w * gain), pad_y + round(h * gain)), case.label


# --------------------------------------------------------------------------- unletterbox_boxes
def unletterbox_template(order="pad-then-gain", shift="xyxy", clip="both", limits="size", minus=0,
                         nan_check="row", as_float32=True, rounding=None):
    def unletterbox_boxes(boxes, gain, pad, image_size):
        boxes = np.array(boxes, dtype=np.float32)
        if nan_check == "row" and np.isnan(boxes).any():
            raise ValueError(f"NaN in row {np.isnan(boxes).any(axis=1).argmax()}")
        if nan_check == "no row" and np.isnan(boxes).any():
            raise ValueError("the boxes contain NaN")
        px, py = pad
        offsets = {"xyxy": [px, py, px, py], "swapped": [py, px, py, px], "x1x2y1y2": [px, px, py, py],
                   "top-left": [px, py, 0, 0]}[shift]
        offsets = np.array(offsets, np.float32 if as_float32 else np.int64)
        w, h = image_size
        limit = {"size": [w, h], "swapped": [h, w], "width": [w, w]}[limits]
        limit = np.array(limit * 2, np.float32) - minus
        if order == "clip-first":
            boxes = np.clip(boxes, 0, limit)
        boxes = {"pad-then-gain": lambda: (boxes - offsets) / gain, "clip-first": lambda: (boxes - offsets) / gain,
                 "gain-then-pad": lambda: boxes / gain - offsets, "times-gain": lambda: (boxes - offsets) * gain,
                 "forward": lambda: boxes * gain + offsets}[order]()
        if order != "clip-first":
            if clip in ("both", "low"):
                boxes = np.maximum(boxes, 0)
            if clip in ("both", "high"):
                boxes = np.minimum(boxes, limit)
        if rounding is not None:
            boxes = rounding(boxes).astype(np.float32)
        return boxes
    return unletterbox_boxes


@pytest.mark.parametrize("fn, mistake, phrase", [
    (unletterbox_template(order="gain-then-pad"), "unletterbox_boxes.gain_first", "before removing the padding"),
    (unletterbox_template(order="gain-then-pad", as_float32=False), "unletterbox_boxes.gain_first",
     "before removing the padding"),
    (unletterbox_template(order="times-gain"), "unletterbox_boxes.times_gain", "multiplied"),
    (unletterbox_template(order="forward"), "unletterbox_boxes.forward", "applied the letterbox again"),
    (unletterbox_template(shift="swapped"), "unletterbox_boxes.pads_swapped", "swapped"),
    (unletterbox_template(shift="x1x2y1y2"), "unletterbox_boxes.pad_columns", "[pad_x, pad_y, pad_x, pad_y]"),
    (unletterbox_template(shift="top-left"), "unletterbox_boxes.pad_top_left_only", "x2 and y2 too"),
    (unletterbox_template(limits="swapped"), "unletterbox_boxes.size_swapped", "(width, height)"),
    (unletterbox_template(limits="width"), "unletterbox_boxes.one_limit", "same limit"),
    (unletterbox_template(clip="none"), "unletterbox_boxes.no_clip", "clipped"),
    (unletterbox_template(clip="none", as_float32=False), "unletterbox_boxes.float64", "float32"),  # seen first
    (unletterbox_template(clip="low"), "unletterbox_boxes.clip_one_side", "both ends"),
    (unletterbox_template(clip="high"), "unletterbox_boxes.clip_one_side", "both ends"),
    (unletterbox_template(order="clip-first"), "unletterbox_boxes.clip_first", "clip last"),
    (unletterbox_template(minus=1), "unletterbox_boxes.minus_one", "not size - 1"),
    (unletterbox_template(rounding=np.round), "unletterbox_boxes.rounded", "whole pixels"),
    (unletterbox_template(rounding=np.floor), "unletterbox_boxes.rounded", "whole pixels"),
    (unletterbox_template(as_float32=False), "unletterbox_boxes.float64", "float32"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")
def test_unletterbox_wrong_answers(fn, mistake, phrase):
    assert_rejected("unletterbox_boxes", fn, phrase, mistake=mistake)


def test_unletterbox_list_arithmetic_gives_float64():
    def unletterbox_boxes(boxes, gain, pad, image_size):
        boxes = np.asarray(boxes, np.float32)
        bad = np.flatnonzero(np.isnan(boxes).any(axis=1))
        if len(bad):
            raise ValueError(f"row {bad[0]} has NaN")
        out = (boxes - np.array([pad[0], pad[1], pad[0], pad[1]])) / gain
        return np.clip(out, 0, [image_size[0], image_size[1], image_size[0], image_size[1]])
    assert_rejected("unletterbox_boxes", unletterbox_boxes, "float64", "float32", mistake="unletterbox_boxes.float64")


def test_unletterbox_nan_not_checked():
    assert_rejected("unletterbox_boxes", unletterbox_template(nan_check="none"), "instead of raising ValueError",
                    mistake="generic.no_raise")


def test_unletterbox_nan_message_without_the_row():
    assert_rejected("unletterbox_boxes", unletterbox_template(nan_check="no row"), "should mention",
                    mistake="generic.raise_message")


def test_unletterbox_in_place():
    def unletterbox_boxes(boxes, gain, pad, image_size):
        if np.isnan(boxes).any():
            raise ValueError(f"row {np.flatnonzero(np.isnan(boxes).any(axis=1))[0]} has NaN")
        boxes -= np.array([pad[0], pad[1], pad[0], pad[1]], boxes.dtype)
        boxes /= boxes.dtype.type(gain)
        return np.clip(boxes, 0, np.float32([image_size[0], image_size[1]] * 2)).astype(np.float32)
    assert_rejected("unletterbox_boxes", unletterbox_boxes, "in place", mistake="generic.changed_input")


def test_unletterbox_correct_variants():
    assert_accepted("unletterbox_boxes", unletterbox_template())

    def in_float64_then_float32(boxes, gain, pad, image_size):
        boxes = np.asarray(boxes, np.float64)
        for row, box in enumerate(boxes):
            if np.isnan(box).any():
                raise ValueError(f"box {row} contains NaN")
        x = np.clip((boxes[:, 0::2] - pad[0]) / gain, 0, image_size[0])
        y = np.clip((boxes[:, 1::2] - pad[1]) / gain, 0, image_size[1])
        return np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1).astype(np.float32)
    assert_accepted("unletterbox_boxes", in_float64_then_float32)

    def column_by_column(boxes, gain, pad, image_size):
        out = np.array(boxes, dtype=np.float32)
        rows = np.where(np.isnan(out))[0]
        if rows.size:
            raise ValueError(f"NaN at rows {sorted(set(rows.tolist()))}")
        out[:, [0, 2]] -= pad[0]
        out[:, [1, 3]] -= pad[1]
        out /= gain
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, image_size[0])
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, image_size[1])
        return out
    assert_accepted("unletterbox_boxes", column_by_column)


# --------------------------------------------------------------------------- decode_yolo
def decode_template(transpose="T", objectness="auto", score="product", keep="score", boxes_as="corners",
                    nms_mode="batched", sort=True, multi_label=False, sigmoid=False, thresholds="given",
                    conf_test=">", layout_test="rows<cols", empty="arrays"):
    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        if thresholds == "swapped":
            conf_threshold, iou_threshold = iou_threshold, conf_threshold
        elif thresholds == "fixed":
            conf_threshold, iou_threshold = 0.25, 0.45
        elif thresholds == "fixed iou":
            iou_threshold = 0.45
        v8 = output.shape[1] < output.shape[2] if layout_test == "rows<cols" else output.shape[1] > output.shape[2]
        pred = output[0]
        if v8:
            pred = {"T": pred.T, "none": pred, "reshape": pred.reshape(pred.shape[1], pred.shape[0])}[transpose]
        has_obj = (not v8) if objectness == "auto" else objectness == "always"
        if sigmoid:
            pred = np.concatenate([pred[:, :4], 1 / (1 + np.exp(-pred[:, 4:]))], axis=1)
        if has_obj:
            obj = pred[:, 4:5]
            cls = pred[:, 5:]
            scores_all = {"product": cls * obj, "class": cls, "objectness": cls}[score]
        else:
            obj = None
            scores_all = pred[:, 4:]
        above = (lambda s: s > conf_threshold) if conf_test == ">" else (lambda s: s >= conf_threshold)
        if multi_label:
            rows_idx, class_ids = np.nonzero(above(scores_all))
            scores = scores_all[rows_idx, class_ids]
        else:
            class_ids = scores_all.argmax(1)
            scores = obj[:, 0] if (has_obj and score == "objectness") else scores_all.max(1)
            mask = above(obj[:, 0]) if (has_obj and keep == "objectness") else above(scores)
            rows_idx, class_ids, scores = np.flatnonzero(mask), class_ids[mask], scores[mask]
        if empty == "none" and not len(scores):
            return None
        if empty == "lists" and not len(scores):
            return [], [], []
        if empty == "flat" and not len(scores):
            return np.array([]), np.array([]), np.array([])
        cx, cy, w, h = pred[rows_idx, :4].T
        boxes = {"corners": np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1),
                 "top-left": np.stack([cx, cy, cx + w, cy + h], 1),
                 "raw": np.stack([cx, cy, w, h], 1),
                 "no-half": np.stack([cx - w, cy - h, cx + w, cy + h], 1),
                 "xywh": np.stack([cx - w / 2, cy - h / 2, w, h], 1)}[boxes_as].reshape(-1, 4)
        if boxes_as in ("corners", "xywh"):
            xywh_boxes = np.stack([cx - w / 2, cy - h / 2, w, h], 1).reshape(-1, 4).tolist()
        else:
            xywh_boxes = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes.tolist()]
        if nms_mode == "batched":
            keep_idx = cv2.dnn.NMSBoxesBatched(xywh_boxes, scores.tolist(), class_ids.tolist(), 0.0, iou_threshold)
        elif nms_mode == "batched-corners":
            keep_idx = cv2.dnn.NMSBoxesBatched(boxes.tolist(), scores.tolist(), class_ids.tolist(), 0.0,
                                               iou_threshold)
        elif nms_mode == "agnostic":
            keep_idx = cv2.dnn.NMSBoxes(xywh_boxes, scores.tolist(), 0.0, iou_threshold)
        elif nms_mode == "none":
            keep_idx = np.arange(len(scores))
        elif nms_mode == "best":
            keep_idx = [np.flatnonzero(class_ids == c)[scores[class_ids == c].argmax()] for c in np.unique(class_ids)]
        elif nms_mode == "small-offset":
            shifted = np.array(xywh_boxes).reshape(-1, 4) + np.c_[class_ids, class_ids, 0 * class_ids,
                                                                 0 * class_ids] * 3.0
            keep_idx = cv2.dnn.NMSBoxes(shifted.tolist(), scores.tolist(), 0.0, iou_threshold)
        keep_idx = np.asarray(keep_idx, dtype=np.int64).reshape(-1)
        if sort:
            keep_idx = keep_idx[np.argsort(-scores[keep_idx], kind="stable")]
        else:
            keep_idx = keep_idx[np.lexsort((-scores[keep_idx], class_ids[keep_idx]))]
        return boxes[keep_idx].astype(np.float32), scores[keep_idx].astype(np.float32), class_ids[keep_idx]
    return decode_yolo


@pytest.mark.parametrize("switches, mistake, phrase", [
    ({"transpose": "none"}, "decode_yolo.v8_not_transposed", "transpose"),
    ({"layout_test": "rows>cols"}, "decode_yolo.v8_not_transposed", "transpose"),
    ({"transpose": "reshape"}, "decode_yolo.v8_reshaped", "reshape"),
    ({"objectness": "always"}, "decode_yolo.v8_objectness", "no objectness"),
    ({"score": "class"}, "decode_yolo.v5_no_objectness", "objectness"),
    ({"objectness": "never"}, "decode_yolo.v5_objectness_as_class", "not a class"),
    ({"score": "objectness"}, "decode_yolo.v5_objectness_only", "objectness alone"),
    ({"keep": "objectness"}, "decode_yolo.v5_objectness_filter", "objectness times class score"),
    ({"sigmoid": True}, "decode_yolo.sigmoid_again", "probabilities already"),
    ({"multi_label": True}, "decode_yolo.multi_label", "best class only"),
    ({"boxes_as": "top-left"}, "decode_yolo.centres_as_corners", "centre"),
    ({"boxes_as": "raw"}, "decode_yolo.not_converted", "corners"),
    ({"boxes_as": "no-half"}, "decode_yolo.full_size_offset", "twice as big"),
    ({"boxes_as": "xywh"}, "decode_yolo.returned_xywh", "(x, y, w, h)"),
    ({"nms_mode": "batched-corners"}, "decode_yolo.cv2_corners", "(x, y, width, height)"),
    ({"nms_mode": "agnostic"}, "decode_yolo.agnostic_nms", "class-agnostic"),
    ({"nms_mode": "small-offset"}, "decode_yolo.agnostic_nms", "another class"),
    ({"nms_mode": "none"}, "decode_yolo.no_nms", "duplicates"),
    ({"nms_mode": "best"}, "decode_yolo.one_per_class", "several objects"),
    ({"thresholds": "swapped"}, "decode_yolo.thresholds_swapped", "swapped"),
    ({"thresholds": "fixed"}, "decode_yolo.thresholds_ignored", "as they are given"),
    ({"thresholds": "fixed iou"}, "decode_yolo.thresholds_ignored", "as they are given"),
    ({"conf_test": ">="}, "decode_yolo.at_threshold_kept", "`>` not `>=`"),
    ({"sort": False}, "decode_yolo.not_sorted", "sorted by score"),
    ({"empty": "lists"}, "decode_yolo.empty_not_arrays", "three empty arrays"),
    ({"empty": "flat"}, "decode_yolo.empty_shapes", "(0, 4)"),
], ids=lambda value: value if isinstance(value, str) and "." in value else "")
def test_decode_wrong_answers(switches, mistake, phrase):
    assert_rejected("decode_yolo", decode_template(**switches), phrase, mistake=mistake)


def test_decode_returns_none_when_nothing_is_found():
    """A deliberate `return None` for "nothing found" is told that nothing found is a normal result,
    not "did you forget return"."""
    result = assert_rejected("decode_yolo", decode_template(empty="none"), "nothing reaches 0.25",
                             "three empty arrays", "returned None", mistake="decode_yolo.none_for_empty")
    assert "forget" not in result.message


def test_none_everywhere_is_still_a_forgotten_return():
    assert_rejected("decode_yolo", lambda output, conf_threshold=0.25, iou_threshold=0.45: None,
                    "forget `return`", mistake="generic.returned_none")


def test_decode_raises_when_nothing_is_found():
    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        table = output[0].T if output.shape[1] < output.shape[2] else output[0]
        probs = table[:, 4:] if output.shape[1] < output.shape[2] else table[:, 5:] * table[:, 4:5]
        ok = probs.max(1) > conf_threshold
        scores, ids = probs[ok].max(1), probs[ok].argmax(1)
        cx, cy, w, h = table[ok, :4].T
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
        kept = np.concatenate([np.flatnonzero(ids == c)[reference_nms(boxes[ids == c], scores[ids == c],
                                                                      iou_threshold)]
                               for c in np.unique(ids)])
        kept = kept[np.argsort(-scores[kept])]
        return boxes[kept], scores[kept], ids[kept]
    assert_rejected("decode_yolo", decode_yolo, "not an exception", status="error",
                    mistake="decode_yolo.empty_raises")


def test_decode_per_class_positions_not_mapped_back():
    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        table = output[0].T if output.shape[1] < output.shape[2] else output[0]
        probs = table[:, 4:] if output.shape[1] < output.shape[2] else table[:, 5:] * table[:, 4:5]
        ids, scores = probs.argmax(1), probs.max(1)
        ok = scores > conf_threshold
        cx, cy, w, h = table[ok, :4].T
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
        ids, scores = ids[ok], scores[ok]
        kept = []
        for c in np.unique(ids):
            kept += list(reference_nms(boxes[ids == c], scores[ids == c], iou_threshold))  # positions in class c
        kept = np.array(kept, dtype=int)
        kept = kept[np.argsort(-scores[kept])]
        return boxes[kept].reshape(-1, 4), scores[kept], ids[kept]
    assert_rejected("decode_yolo", decode_yolo, "map them back", mistake="decode_yolo.class_positions")


def test_decode_correct_variants():
    assert_accepted("decode_yolo", decode_template())
    assert_accepted("decode_yolo", decode_template(layout_test="rows<cols"))

    def per_class_loop(output, conf_threshold=0.25, iou_threshold=0.45):
        table = output[0].T if output.shape[1] < output.shape[2] else output[0]
        if output.shape[1] < output.shape[2]:
            probs = table[:, 4:]
        else:
            probs = table[:, 5:] * table[:, 4:5]
        ids, scores = probs.argmax(1), probs.max(1)
        ok = scores > conf_threshold
        xy, wh = table[ok, :2], table[ok, 2:4]
        boxes = np.concatenate([xy - wh / 2, xy + wh / 2], 1)
        ids, scores = ids[ok], scores[ok]
        kept = []
        for c in np.unique(ids):
            members = np.flatnonzero(ids == c)
            kept.extend(members[reference_nms(boxes[members], scores[members], iou_threshold)])
        kept = np.array(sorted(kept, key=lambda i: -scores[i]), dtype=int)
        return boxes[kept].reshape(-1, 4), scores[kept], ids[kept]
    assert_accepted("decode_yolo", per_class_loop)

    def squeeze_and_filter_objectness_first(output, conf_threshold=0.25, iou_threshold=0.45):
        pred = np.squeeze(output, 0)
        if pred.shape[0] < pred.shape[1]:
            pred = pred.T
            cls = pred[:, 4:]
        else:
            pred = pred[pred[:, 4] > conf_threshold]             # YOLOv5's own first filter
            cls = pred[:, 5:] * pred[:, 4:5]
        best, conf = cls.argmax(1), cls.max(1)
        pred, best, conf = pred[conf > conf_threshold], best[conf > conf_threshold], conf[conf > conf_threshold]
        if len(conf) == 0:
            return np.empty((0, 4)), np.empty(0), np.empty(0, dtype=int)
        corners = np.column_stack([pred[:, 0] - pred[:, 2] / 2, pred[:, 1] - pred[:, 3] / 2,
                                   pred[:, 0] + pred[:, 2] / 2, pred[:, 1] + pred[:, 3] / 2])
        offset = corners + best[:, None] * 4096.0
        kept = reference_nms(offset, conf, iou_threshold)
        return corners[kept], conf[kept], best[kept]
    assert_accepted("decode_yolo", squeeze_and_filter_objectness_first)


# --------------------------------------------------------------------------- a fresh corpus of answers
# Wrong and right answers written blind from the prompts (a red-team corpus), kept as tests where the
# check first let them through or answered them with the generic comparison.
def _iou_clip_negative_in_place(boxes_a, boxes_b):
    if isinstance(boxes_a, np.ndarray) and boxes_a.dtype.kind == "f":
        np.clip(boxes_a, 0, None, out=boxes_a)  # "coordinates cannot be negative", on the caller's array
    return reference_box_iou(boxes_a, boxes_b)


def test_corpus_iou_negative_coordinates_changed_in_place():
    assert_rejected("box_iou", _iou_clip_negative_in_place, "in place", mistake="generic.changed_input")


def test_corpus_iou_clipping_a_copy_to_the_picture_is_wrong():
    def clipped_copy(boxes_a, boxes_b):
        return reference_box_iou(np.clip(boxes_a, 0, None), np.clip(boxes_b, 0, None))
    assert_rejected("box_iou", clipped_copy, "negative coordinates")


def _nms_greedy(boxes, scores, iou_threshold, rounds=None):
    boxes = np.asarray(boxes, np.float64)
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep = []
    while order.size:
        best, order = order[0], order[1:]
        keep.append(int(best))
        overlaps = reference_box_iou(boxes[best:best + 1], boxes[order])[0]
        if rounds == 1:
            return np.concatenate([keep, order[overlaps <= iou_threshold]]).astype(np.int64)
        order = order[overlaps <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def test_corpus_nms_single_round():
    assert_rejected("nms", lambda boxes, scores, iou_threshold: _nms_greedy(boxes, scores, iou_threshold, rounds=1),
                    "one round", mistake="nms.single_round")


@pytest.mark.parametrize("fixed", [0.5, 0.45])
def test_corpus_nms_fixed_threshold(fixed):
    assert_rejected("nms", lambda boxes, scores, iou_threshold: _nms_greedy(boxes, scores, fixed),
                    "fixed IoU threshold", mistake="nms.threshold_ignored")


def test_corpus_nms_crashes_on_no_boxes():
    def first_then_loop(boxes, scores, iou_threshold):
        order = list(np.argsort(-np.asarray(scores), kind="stable"))
        keep = [order.pop(0)]
        while True:
            order = [j for j in order if reference_box_iou(boxes[keep[-1]:keep[-1] + 1], boxes[j:j + 1])[0, 0]
                     <= iou_threshold]
            if not order:
                return np.array(keep, dtype=int)
            keep.append(order.pop(0))
    assert_rejected("nms", first_then_loop, "no boxes", status="error", mistake="nms.empty_input")

    def max_of_nothing(boxes, scores, iou_threshold):
        assert np.max(scores) <= 1  # ValueError on an empty array
        return _nms_greedy(boxes, scores, iou_threshold)
    assert_rejected("nms", max_of_nothing, "no boxes", status="error", mistake="nms.empty_input")


def test_corpus_nms_right_answers():
    def opencv(boxes, scores, iou_threshold):
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        if not len(boxes):
            return []
        xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        return np.asarray(cv2.dnn.NMSBoxes(xywh.tolist(), [float(s) for s in scores], 0.0, float(iou_threshold)),
                          dtype=int).reshape(-1)
    assert_accepted("nms", opencv)
    assert_accepted("nms", lambda boxes, scores, iou_threshold: _nms_greedy(boxes, scores, iou_threshold).astype(np.int32))


def _unletterbox_with(shift):
    def unletterbox_boxes(boxes, gain, pad, image_size):
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        bad = np.flatnonzero(np.isnan(boxes).any(axis=1))
        if bad.size:
            raise ValueError(f"row {bad[0]} is NaN")
        out = (boxes - np.float32(shift(pad))) / np.float32(gain)
        return np.clip(out, 0, np.float32([image_size[0], image_size[1]] * 2))
    return unletterbox_boxes


@pytest.mark.parametrize("shift, mistake", [
    (lambda pad: [pad[0]] * 4, "unletterbox_boxes.pad_per_axis"),
    (lambda pad: [pad[1]] * 4, "unletterbox_boxes.pad_per_axis"),
    (lambda pad: [0, 0, 0, 0], "unletterbox_boxes.pad_per_axis"),
    (lambda pad: [-pad[0], -pad[1], -pad[0], -pad[1]], "unletterbox_boxes.pad_added"),
])
def test_corpus_unletterbox_padding(shift, mistake):
    assert_rejected("unletterbox_boxes", _unletterbox_with(shift), "pad", mistake=mistake)


def test_corpus_unletterbox_no_boxes():
    def row_by_row(boxes, gain, pad, image_size):
        rows = []
        for i, box in enumerate(boxes):
            if np.isnan(box).any():
                raise ValueError(f"row {i} is NaN")
            x1, y1, x2, y2 = box
            rows.append([min(max((x1 - pad[0]) / gain, 0), image_size[0]),
                         min(max((y1 - pad[1]) / gain, 0), image_size[1]),
                         min(max((x2 - pad[0]) / gain, 0), image_size[0]),
                         min(max((y2 - pad[1]) / gain, 0), image_size[1])])
        return np.array(rows, np.float32)
    assert_rejected("unletterbox_boxes", row_by_row, "(0, 4)", mistake="unletterbox_boxes.empty_shape")

    def vstack_rows(boxes, gain, pad, image_size):
        out = _unletterbox_with(lambda pad: [pad[0], pad[1], pad[0], pad[1]])
        return np.vstack([out(box[None], gain, pad, image_size) for box in np.asarray(boxes, np.float32)])
    assert_rejected("unletterbox_boxes", vstack_rows, "normal input", status="error",
                    mistake="unletterbox_boxes.empty_input")


def test_corpus_unletterbox_row_counted_from_one():
    reference = _unletterbox_with(lambda pad: [pad[0], pad[1], pad[0], pad[1]])

    def one_based(boxes, gain, pad, image_size):
        bad = np.flatnonzero(np.isnan(np.asarray(boxes, float)).any(axis=1))
        if bad.size:
            raise ValueError(f"row {bad[0] + 1} has NaN")
        return reference(boxes, gain, pad, image_size)
    assert_rejected("unletterbox_boxes", one_based, "counts the rows from 1",
                    mistake="unletterbox_boxes.row_counted_from_one")

    def both_counts(boxes, gain, pad, image_size):
        bad = np.flatnonzero(np.isnan(np.asarray(boxes, float)).any(axis=1))
        if bad.size:
            raise ValueError(f"box number {bad[0] + 1} (row {bad[0]}) has NaN")
        return reference(boxes, gain, pad, image_size)
    assert_accepted("unletterbox_boxes", both_counts)


def test_corpus_decode_v5_class_ids_from_column_4():
    def shared_argmax(output, conf_threshold=0.25, iou_threshold=0.45):
        if output.shape[1] < output.shape[2]:
            return reference_decode_yolo(output, conf_threshold, iou_threshold)
        rows = output[0]
        scores = (rows[:, 5:] * rows[:, 4:5]).max(1)
        class_ids = rows[:, 4:].argmax(1)  # as for YOLOv8: but column 4 is the objectness here
        keep = scores > conf_threshold
        cx, cy, w, h = rows[keep, :4].T.astype(np.float64)
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        scores, class_ids = scores[keep], class_ids[keep]
        kept = reference_nms(boxes + class_ids[:, None] * 10000.0, scores, iou_threshold) if len(scores) else []
        return boxes[kept].astype(np.float32), scores[kept].astype(np.float32), class_ids[kept].astype(np.int64)
    assert_rejected("decode_yolo", shared_argmax, "column 5", mistake="decode_yolo.v5_class_from_column_4")


def test_corpus_decode_scores_and_ids_swapped():
    def swapped(output, conf_threshold=0.25, iou_threshold=0.45):
        boxes, scores, class_ids = reference_decode_yolo(output, conf_threshold, iou_threshold)
        return boxes, class_ids, scores
    assert_rejected("decode_yolo", swapped, "each other's place", mistake="decode_yolo.scores_ids_swapped")


def test_corpus_decode_nms_before_the_threshold_is_right():
    """NMS on every candidate, then the threshold: a box above it is only suppressed by better boxes,
    which are above it too, so the result is the same."""
    def nms_first(output, conf_threshold=0.25, iou_threshold=0.45):
        rows = output[0].T if output.shape[1] < output.shape[2] else output[0]
        probs = rows[:, 4:] if output.shape[1] < output.shape[2] else rows[:, 5:] * rows[:, 4:5]
        ids, scores = probs.argmax(1), probs.max(1)
        cx, cy, w, h = rows[:, :4].T.astype(np.float64)
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        kept = reference_nms(boxes + ids[:, None] * 100000.0, scores, iou_threshold)
        kept = kept[scores[kept] > conf_threshold]
        return boxes[kept], scores[kept], ids[kept]
    assert_accepted("decode_yolo", nms_first)


# --------------------------------------------------------------------------- two mistakes at once
@pytest.mark.parametrize("name, fn, allowed", [
    ("box_iou", iou_template(plus_one=1.0, union="sum"), {"box_iou.plus_one", "box_iou.union_counts_overlap_twice"}),
    ("box_iou", iou_template(clip="none", empty_union=1.0), {"box_iou.no_clip", "box_iou.one_for_empty_union"}),
    ("box_iou", iou_template(read_as="wh-area", overlap="min-max"), {"box_iou.xywh", "box_iou.overlap_min_max"}),
    ("nms", lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold, order="asc",
                                                        only_kept_suppress=False),
     {"nms.ascending", "nms.suppressed_suppress"}),
    ("unletterbox_boxes", unletterbox_template(order="gain-then-pad", shift="swapped"),
     {"unletterbox_boxes.gain_first", "unletterbox_boxes.pads_swapped"}),
    ("unletterbox_boxes", unletterbox_template(limits="swapped", minus=1),
     {"unletterbox_boxes.size_swapped", "unletterbox_boxes.minus_one"}),
    ("letterbox", letterbox_template(gain_rule=max, gain_out="inverse"),
     {"letterbox.gain_max", "letterbox.gain_inverted"}),
    ("decode_yolo", decode_template(boxes_as="raw", nms_mode="agnostic"),
     {"decode_yolo.not_converted", "decode_yolo.agnostic_nms"}),
    ("decode_yolo", decode_template(score="objectness", conf_test=">="),
     {"decode_yolo.v5_objectness_only", "decode_yolo.at_threshold_kept"}),
], ids=lambda value: value if isinstance(value, str) else "")
def test_two_mistakes_are_named_by_one_of_them(name, fn, allowed):
    result = check(name, _named(fn, *inspect.signature(get_exercise(name).reference).parameters))
    assert result.status == "incorrect" and result.mistake in allowed, str(result)


@pytest.fixture
def _toy_registry():
    yield
    core._REGISTRY.pop("toy", None)


def _toy_exercise(reference, cases):
    """Register exercise "toy": the variant search reads the cases a learner passed from the registry."""
    core.register(Exercise("toy", "99_test", reference, lambda: cases, hint=""))


@pytest.mark.usefixtures("_toy_registry")
def test_variant_search_names_nothing_when_the_explanations_disagree():
    """Two different mistakes that give the same output: neither is named (a guess could mislead)."""
    def variant(x, a=0, b=0, c=0):
        return x + a + b + 10 * c
    case = Case("three zeros", (np.zeros(3),))
    _toy_exercise(lambda x: np.zeros(3), [case])
    search = _Variants("toy", variant, {"a": [1], "b": [1], "c": [1]})

    def run(got):
        return Run(case, np.zeros(3), got, [])
    one = run(np.ones(3))                       # a=1 or b=1: no telling which
    assert not search.detect("a", 1)(one) and not search.detect("b", 1)(one)
    eleven = run(np.full(3, 11.0))              # a=1 with c=1, or b=1 with c=1: c surely
    assert search.detect("c", 1)(eleven) and not search.detect("a", 1)(eleven)


@pytest.mark.usefixtures("_toy_registry")
def test_variant_search_keeps_only_mistakes_the_passed_cases_allow():
    """A mistake that would have shown on a case the learner passed is not theirs."""
    def variant(x, a=0, b=0):
        return x + a * (x > 0) + b
    passed, failing = Case("ones", (np.ones(2),)), Case("zeros", (np.zeros(2),))
    _toy_exercise(lambda x: x.copy(), [passed, failing])
    search = _Variants("toy", variant, {"a": [1], "b": [1]})
    one = Run(failing, np.zeros(2), np.ones(2), [])   # only b=1 gives ones here, and b=1 would fail "ones"
    assert not search.detect("b", 1)(one)


def test_case_labels_are_unique():
    """The mistake search finds the cases a learner passed by the failing case's label."""
    for name in ("box_iou", "nms", "letterbox", "unletterbox_boxes", "decode_yolo"):
        labels = [case.label for case in get_exercise(name).cases()]
        assert len(labels) == len(set(labels)), name


def test_decode_reference_keeps_the_hand_made_corner_box():
    corner_case = next(case for case in get_exercise("decode_yolo").cases() if case.rule == "corners")
    boxes, scores, class_ids = reference_decode_yolo(*corner_case.args)
    np.testing.assert_allclose(boxes, [[40, 35, 60, 45]])
    assert class_ids.tolist() == [1] and scores.tolist() == [pytest.approx(0.9)]
