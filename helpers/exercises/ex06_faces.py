"""Notebook 06: detection decoding on a real face detector (BlazeFace): sigmoid, anchors, boxes.

Each exercise lists its cases (each testing one rule its prompt states), then the mistakes
learners make, most specific first. A mistake is recognised by the wrong answer it gives
(values compared whatever their dtype, so that a float64 answer with a wrong order is told
about the order first), by a predicate on the run, or by the exception it raises.
"""
import itertools
import math

import numpy as np

from ..faces import decode_anchor_boxes, sigmoid, ssd_anchors
from .core import FAILED, Case, Exercise, Mistake, quiet_call, register

NOTEBOOK = "06_detection_decoding"
ATOL = RTOL = 1e-5  # the tolerance of the comparison (core.compare_arrays)


# --------------------------------------------------------------------------- #
# Shared helpers
# --------------------------------------------------------------------------- #
def _as_float(value):
    """A float64 copy of a numeric array, or None when ``value`` is not one."""
    if not isinstance(value, np.ndarray) or not (np.issubdtype(value.dtype, np.number)
                                                 or value.dtype == bool):
        return None
    return value.astype(np.float64)


def _same_values(a, b):
    """Same shape and values within the comparison's tolerance, whatever the dtypes (NaN == NaN)."""
    a, b = _as_float(a), _as_float(b)
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, atol=ATOL, rtol=RTOL, equal_nan=True))


def _gives(*wrong_answers):
    """A detector: the learner's values are wrong, and equal one of these wrong answers' values."""
    def detect(run):
        if _same_values(run.got, run.expected):
            return False
        for wrong in wrong_answers:
            out = quiet_call(wrong, run.case)
            if out is not FAILED and _same_values(run.got, out):
                return True
        return False
    return detect


def _warned(run, word):
    return any(word in text for text in run.warning_texts)


# --------------------------------------------------------------------------- #
# sigmoid
# --------------------------------------------------------------------------- #
# exp overflows above these: 88.72 in float32, 709.78 in float64.
def _exp_limit(dtype):
    return float(np.log(np.finfo(dtype).max))


def _sigmoid_cases():
    rng = np.random.default_rng(0)
    f32, f64 = np.float32, np.float64
    big32, big64 = float(np.finfo(f32).max), float(np.finfo(f64).max)
    positive64 = [0.5, 1, 5, 20, 36, 37, 100, 500, 709, 709.7, 709.8, 710, 1000, 1e300, big64]
    positive32 = [0.5, 1, 17, 18, 50, 88, 88.7, 88.8, 89, 100, 1000, 1e30, big32]
    return [
        Case("BlazeFace-like score logits, a (1, 896, 1) float32 array",
             (rng.normal(-4.0, 4.0, (1, 896, 1)).astype(f32),), rule="per_logit"),
        Case("a (2, 3, 4) float32 array (the result keeps the shape)",
             (rng.normal(0.0, 3.0, (2, 3, 4)).astype(f32),), rule="shape"),
        Case("a (3, 4) float64 array (the result stays float64)", (rng.normal(0.0, 3.0, (3, 4)),),
             rule="dtype"),
        Case("large positive float64 logits, 0.5 to 1.8e308 (exp(x) is inf from x = 710)",
             (np.array(positive64, f64),), rule="stable"),
        Case("large negative float64 logits, -0.5 to -1.8e308 (exp(-x) is inf from x = -710)",
             (-np.array(positive64, f64),), rule="stable"),
        Case("large positive float32 logits, 0.5 to 3.4e38 (float32 exp(x) is inf from x = 89)",
             (np.array(positive32, f32),), rule="stable"),
        Case("large negative float32 logits, -0.5 to -3.4e38 (float32 exp(-x) is inf from x = -89)",
             (-np.array(positive32, f32),), rule="stable"),
        Case("float32 logits from -1000 to 1000",
             (np.array([-1000, -100, -20, -1, 0, 1, 20, 100, 1000], f32),), rule="stable"),
        Case("float32 logits at and next to 0 (-0.0, 0.0, +-1.4e-45, +-1e-7)",
             (np.array([-0.0, 0.0, 1e-45, -1e-45, 1e-7, -1e-7], f32),), rule="values"),
        Case("infinite float32 logits (-inf, -1000, 0, 1000, inf)",
             (np.array([-np.inf, -1000, 0, 1000, np.inf], f32),), rule="values"),
        Case("an empty (0, 4) float32 array", (np.zeros((0, 4), f32),), rule="values"),
    ]


def _logits(run):
    return np.asarray(run.case.args[0])


def _nan_where(select):
    """The learner's result is NaN somewhere the expected one is not, at logits ``select`` picks."""
    def detect(run):
        got, x = _as_float(run.got), _logits(run)
        if got is None or got.shape != x.shape:
            return False
        return bool(np.any(np.isnan(got) & ~np.isnan(run.expected) & select(x)))
    return detect


def _large(x, sign):
    """Finite logits beyond exp's float32 overflow limit, of one sign."""
    finite = np.isfinite(x)
    return finite & (sign * x.astype(np.float64) > _exp_limit(np.float32))


def _overflowed_on(sign, dtype=None):
    """exp overflowed (a RuntimeWarning) on a case whose large logits all have this sign."""
    def detect(run):
        x = _logits(run)
        if not _warned(run, "overflow") or x.dtype.kind != "f":
            return False
        if dtype is not None and x.dtype != dtype:
            return False
        return bool(_large(x, sign).any() and not _large(x, -sign).any())
    return detect


def _dtype_became(given, result):
    def detect(run):
        return (isinstance(run.got, np.ndarray) and _logits(run).dtype == given
                and run.got.dtype == result)
    return detect


def _dtype_changed(run):
    """An array of the input's shape whose dtype is not the input's (float16, longdouble, int...)."""
    got = run.got
    return (isinstance(got, np.ndarray) and got.shape == _logits(run).shape
            and got.dtype != _logits(run).dtype)


def _wrong_only_where(select):
    """The values are right everywhere except at some of the logits ``select`` picks."""
    def detect(run):
        got, x = _as_float(run.got), _logits(run)
        if got is None or got.shape != x.shape:
            return False
        close = np.isclose(got, run.expected.astype(np.float64), atol=ATOL, rtol=RTOL, equal_nan=True)
        part = select(x)
        return bool(part.any() and close[~part].all() and not close[part].all())
    return detect


def _softmax(x, axis=None):
    x = np.asarray(x, np.float64)
    e = np.exp(x - (np.max(x) if axis is None else np.max(x, axis=axis, keepdims=True)))
    return e / (np.sum(e) if axis is None else np.sum(e, axis=axis, keepdims=True))


def _a_softmax(run):
    """A softmax over the whole array or along one of its axes."""
    x = _logits(run)
    if x.size == 0 or _same_values(run.got, run.expected):
        return False
    candidates = [_softmax(x)] + [_softmax(x, axis) for axis in range(x.ndim)]
    return any(_same_values(run.got, c) for c in candidates)


def _flattened(run):
    got = _as_float(run.got)
    if got is None or got.shape == run.expected.shape or got.size != run.expected.size:
        return False
    return _same_values(got.reshape(run.expected.shape), run.expected)


def _clipped(run):
    """sigmoid(np.clip(x, lo, hi)), the bounds read off the learner's own extreme values."""
    got, x = _as_float(run.got), _logits(run).astype(np.float64)
    if got is None or got.shape != x.shape or _same_values(got, run.expected):
        return False
    finite = np.isfinite(x)
    xs, gs = x[finite], got[finite]
    if xs.size == 0 or not np.all((gs >= 0) & (gs <= 1)):
        return False
    with np.errstate(all="ignore"):
        hi = np.log(gs[np.argmax(xs)] / (1 - gs[np.argmax(xs)]))
        lo = np.log(gs[np.argmin(xs)] / (1 - gs[np.argmin(xs)]))
    if np.isnan(hi) or np.isnan(lo) or lo > -1 or hi < 1:  # a clip to at least [-1, 1]
        return False
    if not (np.any(xs > hi + 1e-3) or np.any(xs < lo - 1e-3)):
        return False
    return _same_values(gs, sigmoid(np.clip(xs, lo, hi)))


def _math_exp_on_array(exc, case):
    return isinstance(exc, TypeError) and "converted to Python scalars" in str(exc)


def _math_range_error(exc, case):
    text = str(exc)
    return isinstance(exc, OverflowError) and ("math range error" in text or "out of range" in text)


# Wrong answers, written as learners write them (the examples of detect-only mistakes).
def _textbook(x):
    return 1 / (1 + np.exp(-x))


def _clipped_to_100(x):
    x = np.clip(x, -100, 100)  # what MediaPipe does before its sigmoid
    return 1 / (1 + np.exp(-x))


def _where_both_branches(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(x) / (1 + np.exp(x)))


def _exp_ratio(x):
    return np.exp(x) / (1 + np.exp(x))


def _e_without_abs(x):
    e = np.exp(-x)
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _one_minus_ratio(x):
    return 1 - np.exp(-x) / (1 + np.exp(-x))  # 1 - sigmoid(-x)


def _through_logaddexp(x):
    return np.exp(x - np.logaddexp(0, x))


def _in_float64(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _in_float32(x):
    x = np.asarray(x).astype(np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _in_float16(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float16)  # "to save memory"


def _with_math_exp(x):
    return 1 / (1 + math.exp(-x))


def _loop_with_math_exp(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = 1 / (1 + math.exp(-v))
    return out


def _clipped_to_10(x):
    x = np.clip(x, -10, 10)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softmax_of_scores(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def _flat_list_comprehension(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x.ravel()))
    return np.array([1 / (1 + v) if xi >= 0 else v / (1 + v) for xi, v in zip(x.ravel(), e)], x.dtype)


def _zero_left_out(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    e = np.exp(-np.abs(x))
    out[x > 0] = (1 / (1 + e))[x > 0]
    out[x < 0] = (e / (1 + e))[x < 0]
    return out


def _negatives_left_out(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    return out


def _positives_left_out(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    negative = x < 0
    e = np.exp(x[negative])
    out[negative] = e / (1 + e)
    return out


def _one_branch(x):
    e = np.exp(-np.abs(x))
    return 1 / (1 + e)


def _ratio_everywhere(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e)


def _brackets(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / 1 + e)


def _flipped(x):
    return sigmoid(-np.asarray(x))


register(Exercise(
    name="sigmoid",
    notebook=NOTEBOOK,
    reference=sigmoid,
    cases=_sigmoid_cases,
    forbid_warnings=True,
    summary="logits to probabilities, elementwise, without overflow",
    rules={
        "per_logit": "the probability is the sigmoid of its logit, not a softmax across anchors",
        "shape": "the result has the input's shape",
        "values": "gives the right values for any float input",
        "stable": "without an overflow warning and without NaN",
        "dtype": "keeps the dtype (float32 in, float32 out)",
    },
    hint=(
        """
        The textbook formula overflows when exp sees a large positive number (x = -1000 gives
        exp(1000)). Find a form of the sigmoid in which exp only ever sees numbers <= 0, one
        for each side of 0.
        """,
        """
        1. e = exp(-|x|) is in (0, 1]: it never overflows.
        2. For x >= 0 the sigmoid is 1 / (1 + e).
        3. For x < 0 it is e / (1 + e): 1 / (1 + exp(-x)) with top and bottom multiplied by exp(x).
        4. Pick one of the two per element with np.where. It computes both for every element,
           so each must be safe on its own: these two are.
        """,
        """
        `e = np.exp(-np.abs(x))`, then np.where(x >= 0, ..., ...) with the formulas of steps 2
        and 3. The dtype stays: np.exp of float32 is float32, and a Python 1 does not turn it
        into float64.
        """,
    ),
    mistakes=[
        Mistake("sigmoid.math_exp_on_array",
                "math.exp takes one number, not an array. Use np.exp, which works on every element at "
                "once (and keeps float32 as float32).",
                on_error=_math_exp_on_array, example=_with_math_exp),
        Mistake("sigmoid.math_overflow",
                "a Python float overflowed (math.exp(1000), or math.e ** 1000, raises OverflowError): your "
                "formula takes exp of a large positive number (exp(-x) for x = -1000). Compute e = exp(-|x|), which is never above 1, and use "
                "1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.",
                on_error=_math_range_error, example=_loop_with_math_exp),
        Mistake("sigmoid.flattened",
                "your values are right but your result lost the input's shape: return an array of the "
                "same shape as x (np.exp and np.where work elementwise on any shape; a loop over "
                "x.ravel() needs a .reshape(x.shape) at the end).",
                detect=_flattened, example=_flat_list_comprehension),
        Mistake("sigmoid.nan_for_large_positive",
                "your sigmoid returns NaN for large positive logits: exp(x) is inf there, and a ratio "
                "such as exp(x) / (1 + exp(x)) is inf / inf = NaN. Compute e = exp(-|x|), which is never "
                "above 1, and use 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.",
                detect=_nan_where(lambda x: np.isfinite(x) & (x > 0)), example=_exp_ratio),
        Mistake("sigmoid.nan_for_large_negative",
                "your sigmoid returns NaN for large negative logits: exp(-x) is inf there, and a ratio such "
                "as exp(-x) / (1 + exp(-x)) is inf / inf = NaN. Compute e = exp(-|x|) (the absolute value), "
                "never above 1, and use 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.",
                detect=_nan_where(lambda x: np.isfinite(x) & (x < 0)), example=_one_minus_ratio),
        Mistake("sigmoid.nan_for_infinity",
                "your sigmoid returns NaN for an infinite logit: something like inf - inf or inf / inf "
                "happens there (x - logaddexp(0, x) is inf - inf at x = inf). sigmoid(inf) is 1 and "
                "sigmoid(-inf) is 0: e = exp(-|x|) with 1 / (1 + e) and e / (1 + e) gives both.",
                detect=_nan_where(np.isinf), example=_through_logaddexp),
        Mistake("sigmoid.softmax",
                "that is a softmax: the values sum to 1 over the array, or along one axis (along an "
                "axis of length 1, such as the last of (1, 896, 1), a softmax is 1.0 everywhere). A "
                "detector's scores are independent yes/no answers: apply the sigmoid to each logit on "
                "its own.",
                detect=_a_softmax, example=_softmax_of_scores),
        Mistake("sigmoid.clipped",
                "you clipped the logits (or the probabilities): every logit beyond your bound gets the "
                "bound's probability (sigmoid(10) = 0.99995, not 1). Do not clip: with e = exp(-|x|), 1 / (1 + e) for x >= 0 "
                "and e / (1 + e) for x < 0, nothing can overflow.",
                detect=_clipped, example=_clipped_to_10),
        Mistake("sigmoid.sign_flipped",
                "your values are sigmoid(-x): large logits give probabilities near 0 instead of near 1. "
                "Either the sign inside exp is wrong (1 / (1 + exp(x))) or the two branches are swapped: "
                "1 / (1 + e) belongs to x >= 0 and e / (1 + e) to x < 0.",
                impl=_flipped, detect=_gives(_flipped)),
        Mistake("sigmoid.of_abs_x",
                "your values are sigmoid(|x|): negative logits get probabilities above 0.5. Either "
                "1 / (1 + e) with e = exp(-|x|) serves every x, or the e of e / (1 + e) is exp(-x) "
                "without the absolute value (for x < 0 that is exp(|x|)). For x < 0 use e / (1 + e) "
                "with e = exp(-|x|).",
                detect=_gives(lambda x: sigmoid(np.abs(x))), example=_one_branch),
        Mistake("sigmoid.of_minus_abs_x",
                "your values are sigmoid(-|x|): positive logits get probabilities below 0.5. Either "
                "e / (1 + e) with e = exp(-|x|) serves every x, or the e of 1 / (1 + e) is exp(x) "
                "(for x > 0 it must be exp(-x) = exp(-|x|)). For x >= 0 use 1 / (1 + e) with "
                "e = exp(-|x|).",
                detect=_gives(lambda x: sigmoid(-np.abs(x))), example=_ratio_everywhere),
        Mistake("sigmoid.tanh",
                "tanh is not the sigmoid: it lies in [-1, 1]. sigmoid(x) = (1 + tanh(x / 2)) / 2.",
                impl=lambda x: np.tanh(x), detect=_gives(np.tanh, lambda x: np.tanh(np.asarray(x) / 2))),
        Mistake("sigmoid.tanh_of_x",
                "your values are sigmoid(2x): (1 + tanh(x)) / 2 uses the whole x. Halve it inside: "
                "sigmoid(x) = (1 + tanh(x / 2)) / 2.",
                impl=lambda x: (1 + np.tanh(x)) / 2, detect=_gives(lambda x: sigmoid(2 * np.asarray(x)))),
        Mistake("sigmoid.brackets",
                "check the brackets: e / 1 + e is 2e and 1 / 1 + e is 1 + e (division comes before "
                "addition). Write 1 / (1 + e) and e / (1 + e).",
                detect=_gives(
                    lambda x: 1 + np.exp(-np.asarray(x)),
                    lambda x: np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), 2 * np.exp(-np.abs(x))),
                    lambda x: np.where(x >= 0, 1 + np.exp(-np.abs(x)), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x)))),
                    lambda x: np.where(x >= 0, 1 + np.exp(-np.abs(x)), 2 * np.exp(-np.abs(x)))),
                example=_brackets),
        Mistake("sigmoid.zero",
                "your result is wrong at x = 0 only: sigmoid(0) is 0.5. A mask with x > 0 and another "
                "with x < 0 leaves 0 (and -0.0) out: use x >= 0 for one of them.",
                detect=_wrong_only_where(lambda x: x == 0), example=_zero_left_out),
        Mistake("sigmoid.negative_side",
                "your values are right for x >= 0 but wrong for negative logits: check what you compute "
                "(or fill in) where x < 0. There sigmoid(x) = e / (1 + e) with e = exp(x) = exp(-|x|).",
                detect=_wrong_only_where(lambda x: x < 0), example=_negatives_left_out),
        Mistake("sigmoid.positive_side",
                "your values are right for negative logits but wrong for x >= 0: check what you compute "
                "(or fill in) where x >= 0. There sigmoid(x) = 1 / (1 + e) with e = exp(-x) = exp(-|x|).",
                detect=_wrong_only_where(lambda x: x >= 0), example=_positives_left_out),
        Mistake("sigmoid.float64_result",
                "your result is float64 for a float32 input: keep the dtype (np.exp of a float32 array "
                "stays float32; np.asarray(x, float), np.float64 casts or math/np.vectorize promote it).",
                detect=_dtype_became(np.float32, np.float64), example=_in_float64),
        Mistake("sigmoid.float32_result",
                "your result is float32 for a float64 input: keep the dtype (drop the astype(np.float32); "
                "float64 in, float64 out).",
                detect=_dtype_became(np.float64, np.float32), example=_in_float32),
        Mistake("sigmoid.dtype_changed",
                "your result's dtype is not the input's: keep the dtype, float32 in, float32 out and "
                "float64 in, float64 out (no .astype to another type: np.exp keeps the dtype it is given).",
                detect=_dtype_changed, example=_in_float16),
        Mistake("sigmoid.float32_overflow",
                "exp overflowed on these float32 logits, although your function had no trouble with "
                "float64 ones: in float32, exp(x) is inf from x = 89 on (in float64 from 710), so a clip "
                "to +-100 (or any bound above 88) still overflows. Compute e = exp(-|x|), never above 1, "
                "and use 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.",
                detect=_overflowed_on(-1, np.float32), example=_clipped_to_100),
        Mistake("sigmoid.overflow",
                "your exp overflows on very negative logits (RuntimeWarning: exp(-x) is exp(1000) = inf "
                "for x = -1000), as the textbook 1 / (1 + exp(-x)) does. Compute e = exp(-|x|), never "
                "above 1, and use np.where(x >= 0, 1 / (1 + e), e / (1 + e)).",
                detect=_overflowed_on(-1), example=_textbook),
        Mistake("sigmoid.exp_of_large_positive",
                "your exp overflows on large positive logits (RuntimeWarning: exp(x) is inf from x = 89 "
                "in float32, 710 in float64): some exp in your code sees a large positive x. If it is the "
                "x < 0 branch of np.where, note that np.where computes both branches for every element "
                "before it chooses. Compute e = exp(-|x|) once and use it in both branches.",
                detect=_overflowed_on(+1), example=_where_both_branches),
    ],
))


# --------------------------------------------------------------------------- #
# ssd_anchors
# --------------------------------------------------------------------------- #
def _floor(size, stride):
    return size // stride


def _anchors_with(input_size, strides, anchors_per_layer, *, order="row", offset=0.5,
                  grouping="consecutive", count_layers=True, together="repeat",
                  cells=_floor, denominator="grid", planes=False, dtype=np.float32):
    """A configurable anchor generator: the reference, or one of the wrong variants below.

    grouping: "consecutive" (itertools.groupby: the right one), "each" (a grid per layer),
    "first_seen" (equal strides share a grid wherever they are), "sorted" (np.unique),
    "sorted_descending" (np.unique, largest stride first), "reversed" (strides taken from the end).
    count_layers: False gives each grid anchors_per_layer anchors a cell, whatever its layers.
    together: "repeat" (a cell's anchors together), "tile" (the whole grid repeated),
    "tile_per_layer" (the grid repeated once per anchor, layer by layer).
    cells(size, stride): how many cells a side; denominator: what (col + offset) is divided by,
    "grid" (cells a side), "float" (size / stride), "stride", "pixels" (times the stride), "none".
    offset: 0.5 (centres), 0.0, 1.0 (corners), or "linspace" (np.linspace(0, 1, grid)).
    planes: True stacks x and y as two planes, np.stack([x, y]), before .reshape(-1, 2).
    """
    if grouping == "consecutive":
        groups = [(s, len(list(g))) for s, g in itertools.groupby(strides)]
    elif grouping == "each":
        groups = [(s, 1) for s in strides]
    elif grouping == "first_seen":
        groups = [(s, list(strides).count(s)) for s in dict.fromkeys(strides)]
    elif grouping == "reversed":
        groups = [(s, len(list(g))) for s, g in itertools.groupby(reversed(tuple(strides)))]
    else:
        values, counts = np.unique(np.asarray(strides), return_counts=True)
        groups = [(int(s), int(c)) for s, c in zip(values, counts)]
        if grouping == "sorted_descending":
            groups.reverse()
    out = []
    for stride, layers in groups:
        n = int(cells(input_size, stride))
        if offset == "linspace":
            steps = np.linspace(0.0, 1.0, n)
        else:
            scale = {"grid": 1.0 / n, "float": stride / input_size, "stride": 1.0 / stride,
                     "pixels": float(stride), "none": 1.0}[denominator]
            steps = (np.arange(n) + offset) * scale
        rows, cols = np.meshgrid(steps, steps, indexing="ij")
        if order == "column":
            rows, cols = rows.T, cols.T
        centres = np.stack([cols, rows], axis=0 if planes else -1).reshape(-1, 2)
        per_cell = (layers if count_layers else 1) * anchors_per_layer
        if together == "repeat":
            out.append(np.repeat(centres, per_cell, axis=0))
        elif together == "tile":
            out.append(np.tile(centres, (per_cell, 1)))
        else:
            out.extend(np.tile(centres, (anchors_per_layer, 1)) for _ in range(layers))
    return np.concatenate(out).astype(dtype)


def _anchor_variant(input_size_fixed=None, anchors_per_layer_fixed=None, **options):
    """A wrong ssd_anchors with the exercise's signature."""
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        return _anchors_with(input_size_fixed or input_size, strides,
                             anchors_per_layer_fixed or anchors_per_layer, **options)
    return ssd_anchors


def _anchor_cases():
    return [
        Case("BlazeFace's defaults (128 input, strides 8, 16, 16, 16, 2 anchors per layer)", rule="network"),
        Case("a 256 input with the default strides", (256,), rule="grid"),
        Case("input_size=64, strides (8, 16), 1 anchor per layer",
             kwargs={"input_size": 64, "strides": (8, 16), "anchors_per_layer": 1}, rule="row_major"),
        Case("input_size=128, strides (16, 32, 32), 3 anchors per layer",
             kwargs={"input_size": 128, "strides": (16, 32, 32), "anchors_per_layer": 3}, rule="together"),
        Case("input_size=96, strides (32,), 1 anchor per layer: a 3x3 grid",
             kwargs={"input_size": 96, "strides": (32,), "anchors_per_layer": 1}, rule="centre"),
        Case("input_size=32, strides (16,), 2 anchors per layer",
             kwargs={"input_size": 32, "strides": (16,), "anchors_per_layer": 2}, rule="dtype"),
        Case("input_size=128, strides (32, 16, 16): the coarse grid first",
             kwargs={"input_size": 128, "strides": (32, 16, 16), "anchors_per_layer": 2}, rule="stride_order"),
        Case("input_size=64, strides (8, 16, 8), 1 anchor per layer: the two 8s are not one after the other",
             kwargs={"input_size": 64, "strides": (8, 16, 8), "anchors_per_layer": 1}, rule="share"),
        Case("input_size=100, strides (8, 16), 2 anchors per layer: 100 // 8 = 12, 100 // 16 = 6",
             kwargs={"input_size": 100, "strides": (8, 16), "anchors_per_layer": 2}, rule="grid"),
        Case("input_size=130, strides (8, 16, 32), 1 anchor per layer: 16, 8 and 4 cells a side",
             kwargs={"input_size": 130, "strides": (8, 16, 32), "anchors_per_layer": 1}, rule="grid"),
        Case("input_size=111, strides (8, 16, 16), 1 anchor per layer: 13 and 6 cells a side",
             kwargs={"input_size": 111, "strides": (8, 16, 16), "anchors_per_layer": 1}, rule="grid"),
    ]


def _list_of_grids(run):
    got = run.got
    if (not isinstance(got, (list, tuple)) or len(got) < 2
            or not all(isinstance(part, np.ndarray) and part.ndim == 2 for part in got)):
        return False
    try:
        return _same_values(np.concatenate(got), run.expected)
    except Exception:
        return False


def _list_not_array(run):
    if not isinstance(run.got, (list, tuple)) or not run.got:
        return False
    try:
        return _same_values(np.asarray(run.got, np.float64), run.expected)
    except Exception:
        return False


def _with_sizes(run):
    got = _as_float(run.got)
    return (got is not None and got.ndim == 2 and got.shape[0] == len(run.expected) and got.shape[1] > 2
            and _same_values(got[:, :2], run.expected))


def _transposed(run):
    got = _as_float(run.got)
    return got is not None and got.ndim == 2 and got.shape != run.expected.shape and _same_values(got.T, run.expected)


def _grouper_len(exc, case):
    return isinstance(exc, TypeError) and "_grouper' has no len()" in str(exc)


def _float_grid(exc, case):
    return isinstance(exc, TypeError) and "'float' object cannot be interpreted as an integer" in str(exc)


# Wrong answers, written as learners write them.
def _anchors_as_list(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in itertools.groupby(strides):
        grid = input_size // stride
        n = len(list(layers)) * anchors_per_layer
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * n
    return out


def _anchors_per_grid(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    grids = []
    for stride, layers in itertools.groupby(strides):
        grid = input_size // stride
        rows, cols = np.mgrid[0:grid, 0:grid]
        cells = np.stack([(cols + 0.5) / grid, (rows + 0.5) / grid], axis=-1).reshape(-1, 2)
        grids.append(np.repeat(cells, len(list(layers)) * anchors_per_layer, axis=0).astype(np.float32))
    return grids


def _anchors_with_sizes(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    centres = ssd_anchors(input_size, strides, anchors_per_layer)
    return np.hstack([centres, np.ones_like(centres)])  # x, y, w = 1, h = 1 like MediaPipe's Anchor


def _anchors_transposed(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    xs, ys = [], []
    for stride, layers in itertools.groupby(strides):
        grid = input_size // stride
        n = len(list(layers)) * anchors_per_layer
        for row in range(grid):
            for col in range(grid):
                xs += [(col + 0.5) / grid] * n
                ys += [(row + 0.5) / grid] * n
    return np.array([xs, ys], np.float32)


def _anchors_range_of_float(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in itertools.groupby(strides):
        grid = input_size / stride
        n = len(list(layers)) * anchors_per_layer
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * n
    return np.array(out, np.float32)


def _anchors_len_of_group(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in itertools.groupby(strides):
        grid = input_size // stride
        rows, cols = np.mgrid[0:grid, 0:grid]
        cells = np.stack([(cols + 0.5) / grid, (rows + 0.5) / grid], axis=-1).reshape(-1, 2)
        out.append(np.repeat(cells, len(layers) * anchors_per_layer, axis=0))
    return np.concatenate(out).astype(np.float32)


def _anchors_float64(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return _anchors_with(input_size, strides, anchors_per_layer, dtype=np.float64)


_COLUMN_MAJOR = _anchor_variant(order="column")
_PLANES = _anchor_variant(planes=True)
_CORNERS = _anchor_variant(offset=0.0)
_FAR_CORNERS = _anchor_variant(offset=1.0)
_LINSPACE = _anchor_variant(offset="linspace")
_IN_CELLS = _anchor_variant(denominator="none")
_IN_PIXELS = _anchor_variant(denominator="pixels")
_BY_STRIDE = _anchor_variant(denominator="stride")
_GRID_PER_LAYER = _anchor_variant(grouping="each")
_SET_OF_STRIDES = _anchor_variant(grouping="sorted", count_layers=False)
_SORTED_STRIDES = _anchor_variant(grouping="sorted")
_SORTED_DESCENDING = _anchor_variant(grouping="sorted_descending")
_REVERSED_STRIDES = _anchor_variant(grouping="reversed")
_FIRST_SEEN = _anchor_variant(grouping="first_seen")
_TILED = _anchor_variant(together="tile")
_TILED_PER_LAYER = _anchor_variant(together="tile_per_layer")
_TWO_PER_LAYER = _anchor_variant(anchors_per_layer_fixed=2)
_ALWAYS_128 = _anchor_variant(input_size_fixed=128)
_GRID_IS_STRIDE = _anchor_variant(cells=lambda size, stride: stride)
_ROUNDED = _anchor_variant(cells=lambda size, stride: round(size / stride))
_CEIL = _anchor_variant(cells=lambda size, stride: math.ceil(size / stride))
_TRUE_DIVISION = _anchor_variant(cells=lambda size, stride: math.ceil(size / stride), denominator="float")
_STRIDE_OVER_INPUT = _anchor_variant(denominator="float")

register(Exercise(
    name="ssd_anchors",
    notebook=NOTEBOOK,
    reference=ssd_anchors,
    cases=_anchor_cases,
    summary="(A, 2) float32 anchor centres in the network's order",
    rules={
        "network": "BlazeFace has four anchor layers with strides 8, 16, 16, 16 on a 128 input, two anchors per layer",
        "grid": "a stride s gives a grid of input_size // s cells a side",
        "share": "layers with the same stride, one after the other, share one grid",
        "stride_order": "the grids come in the order of strides",
        "row_major": "cells go row by row (row-major)",
        "together": "a cell's anchors come together",
        "centre": "an anchor is the cell's centre as a fraction of the input",
        "dtype": "Return them as an (A, 2) float32 array of (x, y)",
    },
    hint=(
        """
        One grid of cell centres for each run of equal strides, each centre repeated for its
        anchors, and the grids one after the other in the order of strides.
        itertools.groupby (imported above) finds runs of equal values.
        """,
        """
        1. Loop over itertools.groupby(strides): each item is a stride and the run of layers that
           share its grid; len(list(layers)) is how many.
        2. grid = input_size // stride cells a side.
        3. The centres row by row: x = (col + 0.5) / grid, y = (row + 0.5) / grid, as a
           (grid * grid, 2) array with x first.
        4. Repeat each centre layers * anchors_per_layer times, the copies next to each other
           (np.repeat, not np.tile).
        5. Concatenate the grids and return float32.
        """,
        """
        `rows, cols = np.mgrid[0:grid, 0:grid]` gives the row and column of every cell, row by
        row. Stack `(cols + 0.5) / grid` and `(rows + 0.5) / grid` on a last axis and reshape to
        (-1, 2); what is left is the np.repeat along axis 0 and the concatenation.
        """,
    ),
    mistakes=[
        Mistake("ssd_anchors.list_of_grids",
                "you returned one array per grid: join them into one (A, 2) array with np.concatenate.",
                detect=_list_of_grids, example=_anchors_per_grid, on_type=True),
        Mistake("ssd_anchors.list_not_array",
                "your anchors are right but in a list: return a NumPy array, "
                "np.array(anchors, dtype=np.float32).",
                detect=_list_not_array, example=_anchors_as_list, on_type=True),
        Mistake("ssd_anchors.float_grid",
                "input_size / stride is a float (16.0), which range() and np.zeros do not take: the grid "
                "has input_size // stride cells a side, an int.",
                on_error=_float_grid, example=_anchors_range_of_float),
        Mistake("ssd_anchors.groupby_len",
                "itertools.groupby gives each group as an iterator, which has no len(): count its layers "
                "with len(list(group)) or sum(1 for _ in group).",
                on_error=_grouper_len, example=_anchors_len_of_group),
        Mistake("ssd_anchors.with_sizes",
                "your anchors have more than two columns: BlazeFace's anchors all have size 1 (fixed "
                "anchor size), so return only the centres (x, y), an (A, 2) array.",
                detect=_with_sizes, example=_anchors_with_sizes),
        Mistake("ssd_anchors.transposed",
                "your array is (2, A), one row of x and one of y: return (A, 2), one row (x, y) per "
                "anchor (np.stack(..., axis=-1), or .T).",
                detect=_transposed, example=_anchors_transposed),
        Mistake("ssd_anchors.column_major",
                "your anchors go down the columns first, or hold (y, x) instead of (x, y) (the two give "
                "the same array). The network's order is row-major: all cells of the top row left to "
                "right, then the next row; each anchor is (x, y) = ((col + 0.5) / grid, (row + 0.5) / grid).",
                detect=_gives(_COLUMN_MAJOR), example=_COLUMN_MAJOR),
        Mistake("ssd_anchors.stacked_as_planes",
                "np.stack([x, y]) makes two planes, all x then all y, so .reshape(-1, 2) pairs two x values: "
                "stack along the last axis, np.stack([x, y], axis=-1), then reshape to (-1, 2).",
                detect=_gives(_PLANES), example=_PLANES),
        Mistake("ssd_anchors.cell_corner",
                "your centres sit at the cells' top-left corners: add 0.5 to the column and row "
                "before dividing by the grid size, (col + 0.5) / grid.",
                detect=_gives(_CORNERS), example=_CORNERS),
        Mistake("ssd_anchors.far_corner",
                "your centres sit at the cells' bottom-right corners, (col + 1) / grid: a cell's centre is "
                "(col + 0.5) / grid (col counts from 0).",
                detect=_gives(_FAR_CORNERS), example=_FAR_CORNERS),
        Mistake("ssd_anchors.linspace_endpoints",
                "np.linspace(0, 1, grid) puts the first and last centres on the border (0 and 1), "
                "1 / (grid - 1) apart: the centres are (i + 0.5) / grid, "
                "e.g. (np.arange(grid) + 0.5) / grid.",
                detect=_gives(_LINSPACE), example=_LINSPACE),
        Mistake("ssd_anchors.in_cells",
                "your centres are in grid cells (col + 0.5); the anchors are fractions of the input in "
                "[0, 1]: divide by the grid size, (col + 0.5) / grid.",
                detect=_gives(_IN_CELLS), example=_IN_CELLS),
        Mistake("ssd_anchors.in_pixels",
                "your centres are in input pixels, (col + 0.5) * stride; the network's anchors are "
                "fractions of the input in [0, 1]: divide by the grid size, (col + 0.5) / grid.",
                detect=_gives(_IN_PIXELS), example=_IN_PIXELS),
        Mistake("ssd_anchors.divided_by_stride",
                "you divided by the stride: the centres are (col + 0.5) / grid, with grid = "
                "input_size // stride cells a side (the stride is a cell's size in pixels).",
                detect=_gives(_BY_STRIDE), example=_BY_STRIDE),
        Mistake("ssd_anchors.grid_is_stride",
                "your grid has stride cells a side: the stride is a cell's size in pixels, so the grid "
                "has input_size // stride cells a side (16 for stride 8 on a 128 input).",
                detect=_gives(_GRID_IS_STRIDE), example=_GRID_IS_STRIDE),
        Mistake("ssd_anchors.one_grid_per_layer",
                "you made one grid per layer. Layers with the same stride, one after the other, share "
                "one grid: with strides (8, 16, 16, 16), each 8x8 cell has 3 x 2 = 6 anchors, listed "
                "together. (hint('ssd_anchors', 2) says more)",
                detect=_gives(_GRID_PER_LAYER), example=_GRID_PER_LAYER),
        Mistake("ssd_anchors.one_layer_per_stride",
                "each layer adds anchors_per_layer anchors to every cell of its grid: with strides "
                "(8, 16, 16, 16), the three stride-16 layers give each 8x8 cell 3 x 2 = 6 anchors. "
                "(set(strides) or np.unique without counts forgets how many layers share a grid.)",
                detect=_gives(_SET_OF_STRIDES), example=_SET_OF_STRIDES),
        Mistake("ssd_anchors.non_consecutive_shared",
                "only layers one after the other share a grid: with strides (8, 16, 8) the last 8 gets a "
                "grid of its own, after the 16's. Counting equal strides over the whole list (a dict or "
                "Counter) joins them; itertools.groupby(strides) does not.",
                detect=_gives(_FIRST_SEEN), example=_FIRST_SEEN),
        Mistake("ssd_anchors.sorted_strides",
                "your grids are sorted by stride (or in reverse): keep the order of strides (np.unique "
                "and sorted(set(...)) sort them); itertools.groupby(strides) groups the layers one after "
                "the other, in order.",
                detect=_gives(_SORTED_STRIDES, _SORTED_DESCENDING, _REVERSED_STRIDES), example=_SORTED_STRIDES),
        Mistake("ssd_anchors.not_together",
                "a cell's anchors are not next to each other: you repeated the whole grid (np.tile, or a "
                "loop over the anchors outside the loop over the cells). np.repeat(centres, n, axis=0) "
                "repeats each cell n times in a row.",
                detect=_gives(_TILED, _TILED_PER_LAYER), example=_TILED),
        Mistake("ssd_anchors.fixed_anchors_per_layer",
                "you used 2 anchors per layer whatever anchors_per_layer says: a shared grid's cell has "
                "layers * anchors_per_layer anchors.",
                detect=_gives(_TWO_PER_LAYER), example=_TWO_PER_LAYER),
        Mistake("ssd_anchors.fixed_input_size",
                "you used 128 instead of input_size: the grid is input_size // stride cells a side.",
                detect=_gives(_ALWAYS_128), example=_ALWAYS_128),
        Mistake("ssd_anchors.rounded_grid",
                "you rounded input_size / stride to the nearest whole number (111 / 8 = 13.9 gave 14): "
                "the grid has input_size // stride cells a side, rounded down (13).",
                detect=_gives(_ROUNDED), example=_ROUNDED),
        Mistake("ssd_anchors.ceil_grid",
                "you rounded input_size / stride up (100 / 8 = 12.5 gave 13 cells, as math.ceil or "
                "MediaPipe's own calculator do): in this exercise the grid has input_size // stride cells "
                "a side, rounded down (12).",
                detect=_gives(_CEIL), example=_CEIL),
        Mistake("ssd_anchors.true_division",
                "input_size / stride is a float (12.5 for 100 / 8): np.arange(12.5) gives 13 cells and "
                "dividing by 12.5 moves them. The grid has grid = input_size // stride cells a side (12), "
                "and the centres are (col + 0.5) / grid.",
                detect=_gives(_TRUE_DIVISION), example=_TRUE_DIVISION),
        Mistake("ssd_anchors.stride_over_input",
                "(col + 0.5) * stride / input_size equals (col + 0.5) / grid only when the stride divides "
                "input_size: for 100 and stride 8 the 12 cells must span [0, 1], so divide by "
                "grid = input_size // stride.",
                detect=_gives(_STRIDE_OVER_INPUT), example=_STRIDE_OVER_INPUT),
        Mistake("ssd_anchors.float64",
                "your anchors are float64: return float32 (.astype(np.float32)).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype == np.float64,
                example=_anchors_float64),
    ],
))


# --------------------------------------------------------------------------- #
# decode_anchor_boxes
# --------------------------------------------------------------------------- #
def _regressors_inside(anchors, input_size, keypoints, rng, spread=0.02, aspect=(1.0, 1.0)):
    """Regressors whose boxes all lie inside the input (so clipping changes nothing).

    Offsets up to ``spread`` of the input; sizes up to 95 % of the room to the nearest border,
    scaled per axis by ``aspect`` (then cut back to the room); keypoints anywhere in +-10 px.
    """
    n = len(anchors)
    offsets = rng.uniform(-spread, spread, (n, 2)) * input_size
    centres = anchors * input_size + offsets
    room = np.minimum(centres, input_size - centres)  # distance to the nearest border, (n, 2)
    sizes = np.minimum(2 * room * rng.uniform(0.3, 0.95, (n, 2)) * np.asarray(aspect), 1.9 * room)
    extra = rng.uniform(-10, 10, (n, 2 * keypoints))
    return np.concatenate([offsets, sizes, extra], axis=1)


def _decode_cases():
    rng = np.random.default_rng(0)
    anchors = ssd_anchors()
    small = rng.uniform(0.3, 0.7, (5, 2)).astype(np.float32)
    eight = rng.uniform(0.3, 0.7, (8, 2)).astype(np.float32)
    seven = rng.uniform(0.25, 0.75, (7, 2)).astype(np.float32)
    wide = rng.uniform(0.3, 0.7, (6, 2)).astype(np.float32)
    six = rng.uniform(0.2, 0.8, (6, 2)).astype(np.float32)
    centre = _regressors_inside(eight, 192, 0, rng, spread=0.05)
    centre[:, 0] *= 0.2  # dx small, dy large: swapping them shows
    keypointed = _regressors_inside(seven, 128, 6, rng)
    keypointed[:, 4:] = rng.uniform(-60, 60, (7, 12))  # far-away keypoints: reading them as w, h shows
    return [
        Case("BlazeFace's (896, 16) regressors and (896, 2) anchors, float32",
             (_regressors_inside(anchors, 128, 6, rng).astype(np.float32), anchors), rule="columns"),
        Case("(5, 4) regressors with input_size=256",
             (_regressors_inside(small, 256, 0, rng).astype(np.float32), small), {"input_size": 256},
             rule="units"),
        Case("(8, 4) regressors with input_size=192, dy much larger than dx",
             (centre.astype(np.float32), eight), {"input_size": 192}, rule="centre"),
        Case("(7, 16) regressors whose keypoint columns hold large offsets",
             (keypointed.astype(np.float32), seven), rule="keypoints"),
        Case("(6, 8) regressors of wide, flat boxes",
             (_regressors_inside(wide, 128, 2, rng, aspect=(1.0, 0.2)).astype(np.float32), wide),
             rule="corners"),
        Case("(6, 16) float64 regressors (the result is float32)",
             (_regressors_inside(six, 128, 6, rng), six), rule="output"),
        Case("(6, 16) float32 regressors with float64 anchors (the result is float32)",
             (_regressors_inside(six, 128, 6, rng).astype(np.float32), six.astype(np.float64)),
             rule="output"),
        Case("(10, 16) regressors with (12, 2) anchors", (np.zeros((10, 16), np.float32),
                                                          np.zeros((12, 2), np.float32)),
             raises=ValueError, raises_mentions=("(10, 16)", "(12, 2)"), rule="raise"),
        Case("(12, 16) regressors with (10, 2) anchors", (np.zeros((12, 16), np.float32),
                                                          np.zeros((10, 2), np.float32)),
             raises=ValueError, raises_mentions=("(12, 16)", "(10, 2)"), rule="raise"),
        Case("(10, 16) regressors with one (1, 2) anchor (NumPy would broadcast it silently)",
             (np.zeros((10, 16), np.float32), np.full((1, 2), 0.5, np.float32)),
             raises=ValueError, raises_mentions=("(10, 16)", "(1, 2)"), rule="raise"),
    ]


def _decoder(offset_scale="input", anchor_scale="one", size_scale="input", half=0.5, layout="xyxy",
             swap_offsets=False, swap_sizes=False, swap_anchor=False, offset_sign=1, fixed_size=None):
    """A wrong decode_anchor_boxes: units, signs, columns or the box's layout changed.

    *_scale: what the offsets, anchors and sizes are multiplied by: "input" (1 / input_size),
    "one" (nothing), "times" (input_size), "zero" (left out). layout: "xyxy", "yxyx", "cxcywh", "xywh" (top-left
    corner and size), "corner_start" (the centre taken as x1, y1), "wh_as_corner" (w, h read as
    the far corner), "corners_swapped" (x1 = cx + w / 2).
    """
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)
        a = np.asarray(anchors, np.float32)
        if r.shape[0] != a.shape[0]:
            raise ValueError(f"regressors {r.shape} and anchors {a.shape} differ in number")
        size = np.float32(fixed_size or input_size)
        scales = {"input": 1 / size, "one": np.float32(1), "times": size, "zero": np.float32(0)}
        offsets, sizes = r[:, 0:2], r[:, 2:4]
        if swap_offsets:
            offsets = offsets[:, ::-1]
        if swap_sizes:
            sizes = sizes[:, ::-1]
        if swap_anchor:
            a = a[:, ::-1]
        centre = a * scales[anchor_scale] + offset_sign * offsets * scales[offset_scale]
        size_ = sizes * scales[size_scale]
        if layout == "cxcywh":
            return np.concatenate([centre, size_], axis=1)
        if layout == "xywh":
            return np.concatenate([centre - half * size_, size_], axis=1)
        if layout == "corner_start":
            return np.concatenate([centre, centre + size_], axis=1)
        if layout == "wh_as_corner":
            return np.concatenate([centre, a + size_], axis=1)
        if layout == "corners_swapped":
            return np.concatenate([centre + half * size_, centre - half * size_], axis=1)
        boxes = np.concatenate([centre - half * size_, centre + half * size_], axis=1)
        return boxes[:, [1, 0, 3, 2]] if layout == "yxyx" else boxes
    return decode_anchor_boxes


def _box_columns(columns):
    """A decode that reads dx, dy, w, h from ``columns(K)`` instead of columns 0-3."""
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)
        return _decoder()(r[:, columns(r.shape[1])], anchors, input_size)
    return decode_anchor_boxes


_LAST_FOUR = _box_columns(lambda k: slice(k - 4, k))
_FIRST_KEYPOINTS = _box_columns(lambda k: slice(4, 8) if k >= 8 else slice(0, 4))


def _corners_as_rows(regressors, anchors, input_size=128):
    """x1, y1 and x2, y2 concatenated along axis 0 (np.concatenate's default): (2N, 2)."""
    boxes = _decoder()(regressors, anchors, input_size)
    return np.concatenate([boxes[:, :2], boxes[:, 2:]])


def _keypoints_included(run):
    got = _as_float(run.got)
    return (got is not None and got.ndim == 2 and got.shape[0] == len(run.expected) and got.shape[1] > 4
            and _same_values(got[:, :4], run.expected))


def _boxes_transposed(run):
    got = _as_float(run.got)
    return (got is not None and got.ndim == 2 and got.shape != run.expected.shape
            and _same_values(got.T, run.expected))


def _returned_tuple(run):
    got = run.got
    return (isinstance(got, (tuple, list)) and len(got) >= 2 and isinstance(got[0], np.ndarray)
            and _same_values(got[0], run.expected))


def _unpacks_all_columns(exc, case):
    return isinstance(exc, ValueError) and "too many values to unpack" in str(exc)


def _sizes_with_keypoints(exc, case):
    columns = np.shape(case.args[0])[1]
    return (isinstance(exc, ValueError) and "broadcast" in str(exc) and columns > 4
            and f",{columns - 2})" in str(exc).replace(" ", ""))


def _check_too_strict(exc, case):
    """The learner's own ValueError (it names the inputs or both their shapes), on a valid case."""
    if not isinstance(exc, ValueError) or case.raises is not None:
        return False
    text = str(exc).lower()
    shapes = [str(np.shape(arg)) for arg in case.args[:2]]
    return "anchor" in text or "regressor" in text or all(shape in text for shape in shapes)


# Wrong answers, written as learners write them.
def _unpacking_everything(regressors, anchors, input_size=128):
    if len(regressors) != len(anchors):
        raise ValueError(f"{np.shape(regressors)} regressors but {np.shape(anchors)} anchors")
    dx, dy, w, h = np.asarray(regressors, np.float32).T
    cx = anchors[:, 0] + dx / input_size
    cy = anchors[:, 1] + dy / input_size
    return np.stack([cx - w / input_size / 2, cy - h / input_size / 2,
                     cx + w / input_size / 2, cy + h / input_size / 2], axis=1)


def _sizes_from_column_2_on(regressors, anchors, input_size=128):
    r = np.asarray(regressors, np.float32)
    a = np.asarray(anchors, np.float32)
    if len(r) != len(a):
        raise ValueError(f"{r.shape} regressors but {a.shape} anchors")
    centre = a + r[:, :2] / input_size
    half = r[:, 2:] / input_size / 2
    return np.concatenate([centre - half, centre + half], axis=1)


def _whole_shapes_compared(regressors, anchors, input_size=128):
    r = np.asarray(regressors, np.float32)
    a = np.asarray(anchors, np.float32)
    if r.shape != a.shape:
        raise ValueError(f"regressors {r.shape} and anchors {a.shape} do not match")
    centre = a + r[:, :2] / input_size
    half = r[:, 2:4] / input_size / 2
    return np.concatenate([centre - half, centre + half], axis=1)


def _boxes_and_keypoints(regressors, anchors, input_size=128):
    r = np.asarray(regressors, np.float32)
    a = np.asarray(anchors, np.float32)
    if len(r) != len(a):
        raise ValueError(f"{r.shape} regressors but {a.shape} anchors")
    centre = a + r[:, :2] / input_size
    half = r[:, 2:4] / input_size / 2
    keypoints = np.tile(a, (1, (r.shape[1] - 4) // 2)) + r[:, 4:] / input_size
    return np.concatenate([centre - half, centre + half, keypoints], axis=1)


def _boxes_tuple(regressors, anchors, input_size=128):
    r = np.asarray(regressors, np.float32)
    a = np.asarray(anchors, np.float32)
    if len(r) != len(a):
        raise ValueError(f"{r.shape} regressors but {a.shape} anchors")
    centre = a + r[:, :2] / input_size
    half = r[:, 2:4] / input_size / 2
    keypoints = a[:, None, :] + r[:, 4:].reshape(len(r), -1, 2) / input_size
    return np.concatenate([centre - half, centre + half], axis=1), keypoints


def _stacked_without_axis(regressors, anchors, input_size=128):
    r = np.asarray(regressors, np.float32)
    a = np.asarray(anchors, np.float32)
    if len(r) != len(a):
        raise ValueError(f"{r.shape} regressors but {a.shape} anchors")
    cx, cy = a[:, 0] + r[:, 0] / input_size, a[:, 1] + r[:, 1] / input_size
    w, h = r[:, 2] / input_size, r[:, 3] / input_size
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def _decode_float64(regressors, anchors, input_size=128):
    if len(regressors) != len(anchors):
        raise ValueError(f"{np.shape(regressors)} regressors but {np.shape(anchors)} anchors")
    centre = anchors + regressors[:, :2] / input_size
    half = regressors[:, 2:4] / input_size / 2
    return np.concatenate([centre - half, centre + half], axis=1)


_VARIANTS = {
    "wh_as_corner": _decoder(layout="wh_as_corner"),
    "corner_start": _decoder(layout="corner_start"),
    "cxcywh": _decoder(layout="cxcywh"),
    "xywh": _decoder(layout="xywh"),
    "whole_size": _decoder(half=1.0),
    "quarter_size": _decoder(half=0.25),
    "corners_swapped": _decoder(layout="corners_swapped"),
    "yxyx": _decoder(layout="yxyx"),
    "dx_dy_swapped": _decoder(swap_offsets=True),
    "w_h_swapped": _decoder(swap_sizes=True),
    "anchor_yx": _decoder(swap_anchor=True),
    "offset_subtracted": _decoder(offset_sign=-1),
    "offsets_not_divided": _decoder(offset_scale="one"),
    "sizes_not_divided": _decoder(size_scale="one"),
    "nothing_divided": _decoder(offset_scale="one", size_scale="one"),
    "multiplied": _decoder(offset_scale="times", size_scale="times"),
    "anchor_in_pixels": _decoder(anchor_scale="times"),
    "all_in_pixels": _decoder(offset_scale="one", anchor_scale="times", size_scale="one"),
    "anchor_divided": _decoder(anchor_scale="input"),
    "anchor_not_added": _decoder(anchor_scale="zero"),
    "fixed_input_size": _decoder(fixed_size=128),
}


def _decode_mistake(key, message):
    wrong = _VARIANTS[key]
    return Mistake(f"decode_anchor_boxes.{key}", message, impl=wrong, detect=_gives(wrong))


register(Exercise(
    name="decode_anchor_boxes",
    notebook=NOTEBOOK,
    reference=decode_anchor_boxes,
    cases=_decode_cases,
    summary="(N, K) anchor regressors to (N, 4) float32 xyxy in [0, 1]",
    rules={
        "columns": "Columns 0-3 of an anchor's regressors are dx, dy, w, h in input pixels",
        "keypoints": "the further columns (BlazeFace's six keypoints) are not part of the box",
        "units": "Put both in the same unit first (divide the pixels by input_size)",
        "centre": "centre = anchor + (dx, dy) / input_size",
        "corners": "the corners are centre -+ (w, h) / input_size / 2",
        "output": "Return (N, 4) float32 x1, y1, x2, y2 as fractions of the input",
        "raise": "If the regressors and anchors differ in number, raise a ValueError that shows both shapes",
    },
    hint=(
        """
        Put everything in one unit first: the anchors are fractions of the input and the
        regressors are pixels. A box is then its centre plus or minus half its size.
        """,
        """
        1. Both inputs as float32 arrays; if their numbers of rows differ, raise a ValueError
           that shows both shapes.
        2. Columns 0-1 (dx, dy) move the anchor: centre = anchor + (dx, dy) / input_size.
        3. Columns 2-3 (w, h) are the size: half = (w, h) / input_size / 2. Columns from 4 on are
           keypoints: leave them out.
        4. x1, y1 = centre - half and x2, y2 = centre + half, as an (N, 4) array in that order.
        """,
        """
        `centre = anchors + regressors[:, 0:2] / input_size` and
        `half = regressors[:, 2:4] / input_size / 2` are (N, 2) each. What is left is joining
        centre - half and centre + half side by side (np.concatenate along axis 1), so a row reads
        x1, y1, x2, y2.
        """,
    ),
    mistakes=[
        Mistake("decode_anchor_boxes.returned_tuple",
                "return only the boxes, one (N, 4) array: the keypoints are decoded later "
                "(decode_keypoints), not by this function.",
                detect=_returned_tuple, example=_boxes_tuple, on_type=True),
        Mistake("decode_anchor_boxes.unpacks_all_columns",
                "the regressors have K >= 4 columns (BlazeFace's 16: dx, dy, w, h, then six keypoints), "
                "so unpacking them all into dx, dy, w, h fails. Take the first four: "
                "dx, dy, w, h = regressors[:, :4].T.",
                on_error=_unpacks_all_columns, example=_unpacking_everything),
        Mistake("decode_anchor_boxes.sizes_with_keypoints",
                "regressors[:, 2:] holds w, h and the keypoints: the size is only columns 2 and 3, "
                "regressors[:, 2:4].",
                on_error=_sizes_with_keypoints, example=_sizes_from_column_2_on),
        Mistake("decode_anchor_boxes.check_too_strict",
                "you raised ValueError for inputs that match: the regressors have K >= 4 columns and the "
                "anchors 2, so compare only their numbers of rows (regressors.shape[0] != anchors.shape[0]).",
                on_error=_check_too_strict, example=_whole_shapes_compared),
        Mistake("decode_anchor_boxes.transposed",
                "your boxes are (4, N), one row per coordinate: return (N, 4), one row x1, y1, x2, y2 per "
                "box (np.stack(..., axis=1), or np.concatenate along axis 1).",
                detect=_boxes_transposed, example=_stacked_without_axis),
        Mistake("decode_anchor_boxes.corners_as_rows",
                "your boxes are (2N, 2): np.concatenate without an axis stacks the corners x1, y1 and "
                "x2, y2 as rows. Concatenate along axis 1, np.concatenate([...], axis=1), for one row "
                "x1, y1, x2, y2 per box.",
                impl=_corners_as_rows, detect=_gives(_corners_as_rows)),
        Mistake("decode_anchor_boxes.keypoints_included",
                "your boxes are right but you returned more than four columns: return only x1, y1, x2, y2; "
                "the keypoints (columns 4 and up) are not part of the box.",
                detect=_keypoints_included, example=_boxes_and_keypoints),
        Mistake("decode_anchor_boxes.wrong_columns",
                "your boxes come from the wrong columns: dx, dy, w, h are columns 0-3, "
                "regressors[:, :4]; the further columns are the keypoints (regressors[:, -4:] or "
                "[:, 4:8] read keypoints as the box).",
                impl=_LAST_FOUR, detect=_gives(_LAST_FOUR, _FIRST_KEYPOINTS)),
        _decode_mistake("wh_as_corner",
                        "you read w and h as the box's far corner (x2, y2): columns 2 and 3 are the width "
                        "and height. Corners are centre -+ size / 2."),
        _decode_mistake("corner_start",
                        "you used the centre as the top-left corner: the anchor moved by (dx, dy) is the "
                        "box's centre, so x1 = cx - w / 2 and x2 = cx + w / 2."),
        _decode_mistake("cxcywh",
                        "you returned (cx, cy, w, h): convert to corners, x1 = cx - w / 2, y1 = cy - h / 2, "
                        "x2 = cx + w / 2, y2 = cy + h / 2."),
        _decode_mistake("xywh",
                        "you returned (x1, y1, w, h), the top-left corner and the size: return both "
                        "corners, x2 = x1 + w and y2 = y1 + h (that is, centre + size / 2)."),
        _decode_mistake("whole_size",
                        "w and h are the full width and height: go half of them each way from the centre "
                        "(you went the whole w, as if w were a half-width)."),
        _decode_mistake("quarter_size",
                        "your boxes are half as wide and high as they should be: you halved the size twice. "
                        "The corners are centre -+ (w, h) / input_size / 2."),
        _decode_mistake("corners_swapped",
                        "your x1, y1 are the bottom-right corner and x2, y2 the top-left (the signs are "
                        "swapped): x1, y1 = centre - size / 2, x2, y2 = centre + size / 2."),
        _decode_mistake("yxyx",
                        "you returned (y1, x1, y2, x2), TensorFlow's order: return x1, y1, x2, y2."),
        _decode_mistake("dx_dy_swapped",
                        "you swapped dx and dy: column 0 is the horizontal offset dx (added to the anchor's "
                        "x) and column 1 the vertical offset dy (added to its y)."),
        _decode_mistake("w_h_swapped",
                        "you swapped w and h: column 2 is the width (along x) and column 3 the height "
                        "(along y), so x1 = cx - w / 2 and y1 = cy - h / 2."),
        _decode_mistake("anchor_yx",
                        "you read the anchors as (y, x): ssd_anchors gives (x, y), so anchors[:, 0] is x "
                        "and goes with dx."),
        _decode_mistake("offset_subtracted",
                        "you subtracted the offset: the box centre is the anchor moved by (dx, dy), "
                        "anchor + (dx, dy) / input_size."),
        _decode_mistake("offsets_not_divided",
                        "the offsets dx, dy are in input pixels: divide them by input_size before adding "
                        "them to the anchor (a fraction of the input)."),
        _decode_mistake("sizes_not_divided",
                        "the sizes w, h are in input pixels: divide them by input_size too, "
                        "the corners are centre -+ (w, h) / input_size / 2."),
        _decode_mistake("nothing_divided",
                        "the offsets dx, dy and the sizes w, h are in input pixels: divide them by "
                        "input_size; the anchor is already a fraction of the input."),
        _decode_mistake("multiplied",
                        "you multiplied the offsets and sizes by input_size: they are already in input "
                        "pixels, so divide them by input_size to get fractions."),
        _decode_mistake("anchor_in_pixels",
                        "you added the anchor in pixels (anchor * input_size) to an offset you had "
                        "divided by input_size: use one unit, anchor + dx / input_size."),
        _decode_mistake("all_in_pixels",
                        "your boxes are in input pixels; return fractions of the input: divide the "
                        "pixel results by input_size."),
        _decode_mistake("anchor_divided",
                        "you divided the anchor by input_size too: anchors are already fractions of the "
                        "input; only the regressors are in pixels."),
        _decode_mistake("anchor_not_added",
                        "your boxes sit around the input's top-left corner: you left out the anchor. The "
                        "centre is the anchor moved by the offset, anchor + (dx, dy) / input_size."),
        _decode_mistake("fixed_input_size",
                        "you used 128 instead of input_size: divide by the input_size argument."),
        Mistake("decode_anchor_boxes.float64",
                "your boxes are float64: return float32 (convert the regressors and the anchors with "
                "np.asarray(..., np.float32) first).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype == np.float64,
                example=_decode_float64),
    ],
))
