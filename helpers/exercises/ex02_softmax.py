"""Notebook 02: logits and softmax. softmax, looks_like_probabilities.

A mistake is named only when the learner's answer behaves like it: the wrong implementation
gives the learner's output on the failing case AND passes every case before it, as the
learner's function did (:func:`core.behaves_like`). A boolean answer carries one bit, so without
that history a wrong ``False`` would match every mistake that rejects real probabilities.
"""
import numpy as np

from ..probabilities import looks_like_probabilities, softmax
from .core import Case, Exercise, Mistake, behaves_like, compare_arrays, register

NOTEBOOK = "02_logits_and_softmax"


def _axis_error(exc, case):
    """NumPy's AxisError on a valid input: the code uses a fixed axis the array does not have."""
    return isinstance(exc, np.exceptions.AxisError)


# --------------------------------------------------------------------------- #
# softmax
# --------------------------------------------------------------------------- #
def _close(expected, got):
    """float32 exp/log near 1000 carries ~1e-5 relative error however it is written."""
    return compare_arrays(expected, got, atol=1e-6, rtol=1e-4)


def _softmax_cases():
    rng = np.random.default_rng(0)
    logits = lambda *shape, scale=3.0: (rng.standard_normal(shape) * scale).astype(np.float32)  # noqa: E731
    one_big = logits(4, 4)
    one_big[1] = [10, 12, 95, 11]  # exp(95) is inf in float32 (the largest float32 is about exp(88.7))
    far_apart = np.stack([rng.uniform(995, 1005, 6), rng.uniform(-1005, -995, 6)]).astype(np.float32)
    spread = np.array([[-100, 0, 100], [100, -100, 0], [0, 1, 2]], np.float32)
    nan_vector = logits(1000)
    nan_vector[617] = np.nan
    return [
        Case("a (10,) float32 vector of small logits", (logits(10),), rule="axis"),
        Case("(4, 4) square logits, small but for one row [10, 12, 95, 11] (exp(95) is inf in float32)",
             (one_big,), rule="stable"),
        Case("(4, 4) square logits (rows and columns look alike)", (logits(4, 4),), rule="axis"),
        Case("(4, 10) float32 logits: 4 images, 10 classes (the input must come back unchanged)",
             (logits(4, 10),), rule="in_place"),
        Case("(3, 5) float32 logits near 1000", (logits(3, 5) + 1000,), rule="stable"),
        Case("(3, 5) float32 logits near -1000", (logits(3, 5) - 1000,), rule="stable"),
        Case("(2, 6) logits: one row near +1000, the other near -1000", (far_apart,), rule="stable"),
        Case("(3, 3) logits with rows spread over 200, such as [-100, 0, 100]", (spread,), rule="stable"),
        Case("(5, 3) logits with axis=0", (logits(5, 3),), {"axis": 0}, rule="axis"),
        Case("(2, 3, 4) logits with axis=1", (logits(2, 3, 4),), {"axis": 1}, rule="axis"),
        Case("(2, 3, 2, 2) segmentation scores (N, C, H, W) with axis=1", (logits(2, 3, 2, 2),), {"axis": 1},
             rule="axis"),
        Case("(3, 7) float64 logits (the result stays float64)", (logits(3, 7).astype(np.float64),),
             rule="dtype"),
        Case("(2, 5) logits with -inf for masked classes",
             (np.array([[1, -np.inf, 2, 0, -np.inf], [-np.inf, 0, 0, 0, 5]], np.float32),), rule="masked"),
        Case("(2, 4) logits containing NaN (a broken model)",
             (np.array([[1, 2, np.nan, 0], [0, 1, 2, 3]], np.float32),),
             raises=ValueError, raises_mentions=("NaN",), rule="nan"),
        Case("a (1000,) vector with one NaN among the logits", (nan_vector,),
             raises=ValueError, raises_mentions=("NaN",), rule="nan"),
    ]


# The wrong answers learners write, as functions of (logits, axis).
def _naive(logits, axis=-1):
    e = np.exp(logits)
    return e / e.sum(axis=axis, keepdims=True)


def _naive_whole_array(logits, axis=-1):
    return np.exp(logits) / np.exp(logits).sum()


def _global_max(logits, axis=-1):
    e = np.exp(logits - logits.max())
    return e / e.sum(axis=axis, keepdims=True)


def _whole_array_sum(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum()


def _global_max_whole_array_sum(logits, axis=-1):
    e = np.exp(logits - logits.max())
    return e / e.sum()


def _no_keepdims(max_keepdims, sum_keepdims):
    def wrong(logits, axis=-1):
        e = np.exp(logits - logits.max(axis=axis, keepdims=max_keepdims))
        return e / e.sum(axis=axis, keepdims=sum_keepdims)
    return wrong


def _subtract_min(logits, axis=-1):
    e = np.exp(logits - logits.min(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _subtract_mean(logits, axis=-1):
    e = np.exp(logits - logits.mean(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _shifted_numerator_only(logits, axis=-1):
    return np.exp(logits - logits.max(axis=axis, keepdims=True)) / np.exp(logits).sum(axis=axis, keepdims=True)


def _shifted_denominator_only(logits, axis=-1):
    return np.exp(logits) / np.exp(logits - logits.max(axis=axis, keepdims=True)).sum(axis=axis, keepdims=True)


def _clipped(low, high):
    """np.clip(logits, low, high) "against overflow", then the textbook formula."""
    def wrong(logits, axis=-1):
        e = np.exp(np.clip(logits, low, high))
        return e / e.sum(axis=axis, keepdims=True)
    return wrong


_CLIP_BOUNDS = (20, 30, 50, 80, 85, 88)
_CLIPPED = tuple(_clipped(low, high) for bound in _CLIP_BOUNDS for low, high in ((-bound, bound), (None, bound)))


def _divide_by_max(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.max(axis=axis, keepdims=True)


def _fixed_axis(fixed):
    def wrong(logits, axis=-1):
        e = np.exp(logits - logits.max(axis=fixed, keepdims=True))
        return e / e.sum(axis=fixed, keepdims=True)
    return wrong


def _axes(max_axis, sum_axis):
    """exp(x - max along one axis) / sum along another; None stands for the axis argument."""
    def wrong(logits, axis=-1):
        e = np.exp(logits - logits.max(axis=axis if max_axis is None else max_axis, keepdims=True))
        return e / e.sum(axis=axis if sum_axis is None else sum_axis, keepdims=True)
    return wrong


_MIXED_AXES = (_axes(None, 0), _axes(None, -1), _axes(0, None), _axes(-1, None), _axes(0, -1), _axes(-1, 0))


def _sigmoid(logits, axis=-1):
    return 1 / (1 + np.exp(-logits))


def _log_softmax(logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _no_exp(logits, axis=-1):
    return logits / logits.sum(axis=axis, keepdims=True)


def _two_d_only(logits, axis=-1):
    """``[:, None]`` for keepdims: right for 2-D with axis=-1 (and where it happens to line up)."""
    e = np.exp(logits - logits.max(axis=axis)[:, None])
    return e / e.sum(axis=axis)[:, None]


def _reshape_column(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis).reshape(-1, 1))
    return e / e.sum(axis=axis).reshape(-1, 1)


_behaves_naive = behaves_like("softmax", _naive)


def _refuse_nan(logits):
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")


# Learners' answers for the mistakes recognised by a predicate or an exception.
def _example_float64(logits, axis=-1):
    _refuse_nan(logits)
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _example_float32(logits, axis=-1):
    _refuse_nan(logits)
    x = np.asarray(logits, dtype=np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _example_loop_over_rows(logits, axis=-1):
    _refuse_nan(logits)
    rows = []
    for row in logits:
        e = np.exp(row - row.max())
        rows.append(e / e.sum())
    return np.array(rows)


def _example_fixed_axis_1(logits, axis=-1):
    _refuse_nan(logits)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _example_column_trick(logits, axis=-1):
    _refuse_nan(logits)
    e = np.exp(logits - logits.max(axis=axis)[:, np.newaxis])
    return e / e.sum(axis=axis)[:, np.newaxis]


def _example_rejects_minus_inf(logits, axis=-1):
    if not np.isfinite(logits).all():
        raise ValueError("softmax: NaN or inf in the logits")
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _example_nan_not_checked(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _example_clipped(logits, axis=-1):
    _refuse_nan(logits)
    e = np.exp(np.clip(logits, -88, 88))  # "exp(88) still fits in float32"
    return e / e.sum(axis=axis, keepdims=True)


def _nan_let_through(run):
    """A result, not an exception, for logits that hold NaN (on a case that must raise)."""
    return not isinstance(run.got, BaseException) and bool(np.isnan(np.asarray(run.case.args[0])).any())


def _example_overflow(logits, axis=-1):
    _refuse_nan(logits)
    e = np.exp(logits)
    return e / np.sum(e, axis=axis, keepdims=True)


def _same_shape(run):
    """The learner's output is an array of the expected shape (so a value diagnosis applies)."""
    return isinstance(run.got, np.ndarray) and run.got.shape == run.expected.shape


def _float64_for_float32(run):
    return _same_shape(run) and run.got.dtype == np.float64 and run.expected.dtype == np.float32


def _float32_for_float64(run):
    return _same_shape(run) and run.got.dtype == np.float32 and run.expected.dtype == np.float64


def _each_value_alone(run):
    """Every value is 1.0: each value was normalised on its own (a loop over a (C,) vector)."""
    axis = run.case.kwargs.get("axis", -1)
    return (_same_shape(run) and run.case.args[0].shape[axis] > 1
            and np.allclose(run.got, 1.0) and not np.allclose(run.expected, 1.0))


def _overflowed(run):
    """exp overflowed: the learner's own warning says so and the result is not finite, or the result
    is the unshifted exp(x) / sum(exp(x)) along the axis (warnings silenced)."""
    warned = any("overflow encountered in exp" in text for text in run.warning_texts)
    not_finite = _same_shape(run) and not np.isfinite(run.got.astype(np.float64)).all()
    return (warned and not_finite) or _behaves_naive(run)


def _column_shape(run):
    """A (C,) vector came back (1, C) with the right values: np.atleast_2d, logits[None], or maxima
    reshaped into a column with reshape(-1, 1)."""
    logits = run.case.args[0]
    return (isinstance(run.got, np.ndarray) and logits.ndim == 1 and run.got.shape == (1,) + logits.shape
            and compare_arrays(run.expected, run.got.reshape(logits.shape), atol=1e-6, rtol=1e-4) is None)


def _two_d_only_error(exc, case):
    """``x.max(axis=axis)[:, None]``: a 0-d maximum cannot be indexed, or the column does not broadcast."""
    text = str(exc)
    return ((isinstance(exc, IndexError) and ("scalar variable" in text or "too many indices" in text))
            or (isinstance(exc, ValueError) and "could not be broadcast" in text))


register(Exercise(
    name="softmax",
    notebook=NOTEBOOK,
    reference=softmax,
    cases=_softmax_cases,
    forbid_warnings=True,
    compare=_close,
    summary="logits to probabilities along an axis, without overflow",
    rules={
        "axis": "any shape, softmax along axis",
        "stable": "no overflow and no warning",
        "dtype": "keep the input's float dtype",
        "in_place": "never change the input in place",
        "masked": "-inf marks a masked class: its probability is 0",
        "nan": 'raise ValueError and say "NaN"',
    },
    hint=(
        """
        softmax(x) = exp(x) / sum(exp(x)) along `axis`, but exp(1000) overflows to inf. Find a
        number you can subtract from every logit of a row without changing the result: it
        cancels out in the division.
        """,
        """
        1. If the logits contain NaN, raise ValueError and say "NaN".
        2. Subtract the maximum along `axis`: the largest exponent becomes exp(0) = 1, and a
           masked -inf stays -inf, whose exp is 0.
        3. Exponentiate, then divide by the sum along the same axis.
        Keep the reduced axis (keepdims) so the maxima and sums broadcast back, for any shape
        and any axis. Work on the array you were given: no float64 constants, no astype(float),
        and no in-place change to the input.
        """,
        """
        `shifted = logits - logits.max(axis=axis, keepdims=True)`; then divide the exponentials
        of `shifted` by their sum, taken with the same axis and keepdims=True. For the NaN test,
        np.isnan(logits).any().
        """,
    ),
    mistakes=[
        Mistake("softmax.float64_result",
                "your result is float64 for float32 logits. Keep the input's dtype: do the arithmetic on the "
                "float32 array (no np.float64 constants, astype(float) or np.asarray(..., dtype=float)).",
                detect=_float64_for_float32, example=_example_float64),
        Mistake("softmax.float32_result",
                "your result is float32 for float64 logits: you converted the input to float32. Keep the "
                "input's dtype (no astype(np.float32)); float64 in, float64 out.",
                detect=_float32_for_float64, example=_example_float32),
        Mistake("softmax.each_value_alone",
                "every value came out 1.0: your function normalised each value on its own (a loop "
                "`for row in logits` over a (C,) vector visits single numbers). A 1-D array is one image: "
                "take the max and the sum along the axis, with axis=axis and keepdims=True, instead of a loop.",
                detect=_each_value_alone, example=_example_loop_over_rows),
        Mistake("softmax.naive_whole_array",
                "two mistakes: you divided by the sum of the WHOLE array, not along the axis (each image must sum "
                "to 1 on its own), and your exp overflows (exp(95) is inf in float32, and inf / inf is nan). Fix "
                "both: e = np.exp(logits - logits.max(axis=axis, keepdims=True)), then "
                "e / e.sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _naive_whole_array), example=_naive_whole_array),
        Mistake("softmax.global_max",
                "you subtracted the maximum of the WHOLE array: a row far below it underflows to 0 / 0 = nan. "
                "Subtract each row's own maximum: logits.max(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _global_max), example=_global_max),
        Mistake("softmax.no_keepdims",
                "without keepdims=True the row maxima or sums broadcast along the wrong axis (a square array "
                "hides the shape error). Use max(axis=axis, keepdims=True) and sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _no_keepdims(False, True), _no_keepdims(True, False),
                                    _no_keepdims(False, False)),
                example=_no_keepdims(False, True)),
        Mistake("softmax.two_d_only",
                "[:, None] or reshape(-1, 1) turns the maxima and sums into a column, which only fits a 2-D "
                "array with axis=-1 (a (C,) vector has a single maximum). keepdims=True keeps the axis for any "
                "shape and axis: logits.max(axis=axis, keepdims=True), e.sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _two_d_only), on_error=_two_d_only_error,
                example=_example_column_trick),
        Mistake("softmax.vector_became_row",
                "for a (C,) vector your result has shape (1, C): keep the input's shape. np.atleast_2d, "
                "logits[None] or maxima reshaped with reshape(-1, 1) add an axis; max and sum with "
                "keepdims=True work on the array as it is.",
                detect=_column_shape, example=_reshape_column),
        Mistake("softmax.subtract_min",
                "you subtracted the minimum, not the maximum: in a row spread over more than about 88, "
                "exp(x - min) still overflows. Subtract the maximum, so the largest exponent is exp(0) = 1.",
                detect=behaves_like("softmax", _subtract_min), example=_subtract_min),
        Mistake("softmax.whole_array_sum",
                "you normalised over the whole array, not along the axis: each image's probabilities must sum "
                "to 1 on their own. Use e.sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _whole_array_sum, _global_max_whole_array_sum),
                example=_whole_array_sum),
        Mistake("softmax.subtract_mean",
                "you subtracted the mean, not the maximum: in a row whose values lie far from their mean "
                "(here 100 above it), exp(x - mean) still overflows. Subtract the maximum, so the largest "
                "exponent is exp(0) = 1.",
                detect=behaves_like("softmax", _subtract_mean), example=_subtract_mean),
        Mistake("softmax.clipped_logits",
                "you clipped the logits (np.clip) to keep exp from overflowing: that changes the answer, since "
                "logits above the bound all become the bound (near 1000 every class then looks equally likely). "
                "Subtract the row maximum instead: it changes nothing in the result and nothing overflows.",
                detect=behaves_like("softmax", *_CLIPPED), example=_example_clipped),
        Mistake("softmax.shifted_numerator_only",
                "you subtracted the maximum on one side of the division only: exp(x - max) / sum(exp(x)) is "
                "softmax times exp(-max), no longer a distribution (and the unshifted side still overflows). "
                "Shift once and use it on both sides: e = np.exp(logits - logits.max(axis=axis, keepdims=True)), "
                "then e / e.sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _shifted_numerator_only, _shifted_denominator_only),
                example=_shifted_numerator_only),
        Mistake("softmax.not_divided_by_sum",
                "your values are exp(x - max) without dividing by their sum (or divided by their maximum, "
                "which is 1): the largest class gets 1.0 and they do not sum to 1. Divide by the sum: "
                "e / e.sum(axis=axis, keepdims=True).",
                detect=behaves_like("softmax", _divide_by_max), example=_divide_by_max),
        Mistake("softmax.ignores_axis",
                "your softmax ignores the axis argument (it always uses the last axis). Pass axis to max and sum.",
                detect=behaves_like("softmax", _fixed_axis(-1)), example=_fixed_axis(-1)),
        Mistake("softmax.axis_0",
                "you computed softmax along axis 0 (across the images of the batch). For (N, C) logits the "
                "classes are the last axis: use the axis argument, -1 by default.",
                detect=behaves_like("softmax", _fixed_axis(0)), example=_fixed_axis(0)),
        Mistake("softmax.mixed_axes",
                "your maximum and your sum run along different axes: subtract the maximum and take the sum along "
                "the same axis, the axis argument: logits.max(axis=axis, keepdims=True), e.sum(axis=axis, "
                "keepdims=True).",
                detect=behaves_like("softmax", *_MIXED_AXES), example=_MIXED_AXES[0]),
        Mistake("softmax.fixed_axis",
                "your function uses a fixed axis that this array does not have (a (C,) vector has only axis 0, "
                "which is also axis -1): pass the axis argument on, max(axis=axis, ...) and sum(axis=axis, ...).",
                on_error=_axis_error, example=_example_fixed_axis_1),
        Mistake("softmax.sigmoid",
                "that is the sigmoid 1 / (1 + exp(-x)), which scores each class on its own. Softmax makes the "
                "classes compete: exp(x - max) / sum(exp(x - max)).",
                detect=behaves_like("softmax", _sigmoid), example=_sigmoid),
        Mistake("softmax.log_probabilities",
                "you returned log-probabilities (x - max - log(sum(exp(x - max)))): they are negative. "
                "Apply np.exp to that, or divide exp(x - max) by its sum.",
                detect=behaves_like("softmax", _log_softmax), example=_log_softmax),
        Mistake("softmax.no_exp",
                "you divided the logits by their sum without exp: logits can be negative, so that is no "
                "distribution. Take exp(x - max) first, then divide by its sum.",
                detect=behaves_like("softmax", _no_exp), example=_no_exp),
        Mistake("softmax.overflow",
                "your softmax overflows (exp of a large logit is inf, and inf / inf is nan). Subtract the "
                "maximum along the axis first: exp(x - max) / sum(exp(x - max)), with "
                "max = logits.max(axis=axis, keepdims=True).",
                detect=_overflowed, example=_example_overflow),
        Mistake("softmax.nan_not_raised",
                "your softmax lets NaN through. Test for it before anything else, `if np.isnan(logits).any(): "
                "raise ValueError(...)`, with a message that says NaN (`x == np.nan` and `np.nan in x` are "
                "always False: NaN equals nothing, not even itself).",
                detect=_nan_let_through, on_no_raise=True, example=_example_nan_not_checked),
        Mistake("softmax.rejects_minus_inf",
                "-inf is a masked class (its probability is 0), not a broken logit: exp(-inf) is 0, so a stable "
                "softmax handles it. Raise only for NaN (np.isnan), not for every value that is not finite.",
                on_error=lambda exc, case: isinstance(exc, ValueError) and not isinstance(exc, np.exceptions.AxisError)
                and np.isneginf(case.args[0]).any()
                and not np.isnan(case.args[0]).any(),
                example=_example_rejects_minus_inf),
    ],
))


# --------------------------------------------------------------------------- #
# looks_like_probabilities
# --------------------------------------------------------------------------- #
_EXACT = (2.0 ** -2, 2.0 ** -7, 2.0 ** -10)  # atol values whose edges float32 holds exactly
_BEYOND = 2.0 ** -20  # just beyond an edge: less than np.allclose's default rtol of 1e-5


def _edge_cases(atol):
    """Rows exactly on each edge (True) and just beyond it (False), one edge a case, for one exact
    ``atol`` (2**-k: float32 holds every edge and every sum exactly)."""
    e, half = _BEYOND, atol / 2
    kw = {"atol": atol}

    def case(label, rows, rule):
        return Case(f"atol={atol:g}: {label}", (np.array(rows, np.float32),), kw, rule=rule)

    return [
        case("a value exactly -atol, in a row summing to 1", [[-atol, 1 + half, half]], "range_atol"),
        case("a value exactly 1 + atol, in a row summing to 1", [[1 + atol, -half, -half]], "range_atol"),
        case("a row summing to exactly 1 + atol", [[0.5, 0.5 + atol]], "sum_atol"),
        case("a row summing to exactly 1 - atol", [[0.5, 0.5 - atol]], "sum_atol"),
        case("a value 2**-20 below -atol (the row sums to 1)", [[-(atol + e), 1 + half + e, half]], "range_atol"),
        case("a value 2**-20 above 1 + atol (the row sums to 1)", [[1 + atol + e, -half - e, -half]], "range_atol"),
        case("a row summing to 1 + atol + 2**-20", [[0.5, 0.5 + atol + e]], "sum_atol"),
        case("a row summing to 1 - atol - 2**-20", [[0.5, 0.5 - atol - e]], "sum_atol"),
    ]


def _probability_cases():
    """Ordered so that the first case each known mistake fails is one that few other answers fail:
    a one-bit answer then still tells which mistake it is. The early cases hold halves, quarters
    and eighths, whose float sums are exactly 1 in any order."""
    rng = np.random.default_rng(1)
    logits = (rng.standard_normal((4, 10)) * 3).astype(np.float32)
    probs = softmax(logits)
    dyadic = np.array([[0.5, 0.25, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25], [0.75, 0.125, 0.0625, 0.0625]],
                      np.float32)
    sigmoid = (1 / (1 + np.exp(-logits))).astype(np.float32)
    bad_rows = np.stack([np.full(10, 0.05), probs[0], np.full(10, 0.13), probs[1]]).astype(np.float32)
    printed = np.array([[0.6124, 0.2458, 0.0893, 0.0329, 0.0198],
                        [0.4, 0.3, 0.2, 0.0499, 0.0499]], np.float32)  # sums 1.0002 and 0.9998
    outside = np.array([[0.7, 0.3005, -0.0005], [1.0005, -0.0005, 0.0]], np.float32)
    return [
        Case("[[1.0]]: one image, one class", (np.ones((1, 1), np.float32),), rule="range"),
        Case("(2, 2) probabilities of two images, [[0.5, 0.5], [0.5, 0.5]]", (np.full((2, 2), 0.5, np.float32),),
             rule="bool"),
        Case("a (4,) probability vector of one image, [0.5, 0.25, 0.125, 0.125]",
             (np.array([0.5, 0.25, 0.125, 0.125], np.float32),), rule="sum"),
        Case("raw logits, (4, 10) float32", (logits,), rule="range"),
        Case("rows of 0.05, 0.15 and 0.02 (sums 0.5, 1.5, 0.2): values in [0, 1], but no distribution",
             (np.array([[0.05] * 10, [0.15] * 10, [0.02] * 10], np.float32),), rule="sum"),
        Case("[[1.5, -0.25, -0.25]]: sums to 1 but has values outside [0, 1]",
             (np.array([[1.5, -0.25, -0.25]], np.float32),), rule="range"),
        Case("[[0.5, 0.5], [1.5, -0.5]]: the first row is a distribution, the second is not (False for the "
             "whole array)", (np.array([[0.5, 0.5], [1.5, -0.5]], np.float32),), rule="bool"),
        Case("[[0.75, 0.5], [0.125, 0.25], [0.125, 0.25]]: the columns sum to 1, the rows (axis=-1) do not",
             (np.array([[0.75, 0.5], [0.125, 0.25], [0.125, 0.25]], np.float32),), rule="sum"),
        Case("(1, 4) probabilities of one image, [[0.5, 0.25, 0.125, 0.125]]", (dyadic[:1],), rule="sum"),
        Case("(3, 4) probabilities of 3 images (rows of halves, quarters and eighths)", (dyadic,), rule="sum"),
        Case("(4, 3) probabilities laid out classes-first, with axis=0", (dyadic.T.copy(),), {"axis": 0},
             rule="sum"),
        Case("(2, 4, 3) probabilities with the classes along axis=1", (np.stack([dyadic.T, dyadic.T[::-1]]),),
             {"axis": 1}, rule="sum"),
        Case("float64 probabilities [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]] (their float sums miss 1 by 1e-16)",
             (np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]]),), rule="sum_atol"),
        Case("probabilities printed with 4 decimals (rows sum to 1.0002 and 0.9998, within the default atol)",
             (printed,), rule="sum_atol"),
        Case("softmax output of one image, (1, 10) float32", (probs[:1].copy(),), rule="sum"),
        Case("softmax output, (4, 10) float32", (probs,), rule="sum"),
        Case("a (1000,) softmax vector of one image", (softmax(rng.standard_normal(1000).astype(np.float32)),),
             rule="sum"),
        Case("(4, 10) probabilities where one row sums to 0.5 and one to 1.3 (False for the whole array)",
             (bad_rows,), rule="bool"),
        Case("rows of 0.05 and of 0.15 (sums 0.5 and 1.5, whose mean is 1)",
             (np.array([[0.05] * 10, [0.15] * 10], np.float32),), rule="bool"),
        Case("sigmoid outputs: all in [0, 1], but rows do not sum to 1", (sigmoid,), rule="sum"),
        Case("rows summing to 0.97 with atol=0.05", (probs * np.float32(0.97),), {"atol": 0.05}, rule="sum_atol"),
        Case("values -0.03 and 1.03 with atol=0.05 (rows summing to 1)",
             (np.array([[1.03, -0.03, 0.0], [0.5, 0.53, -0.03]], np.float32),), {"atol": 0.05}, rule="range_atol"),
        Case("rows summing to 0.97 with the default atol", (probs * np.float32(0.97),), rule="sum_atol"),
        Case("rows summing to 1.03 with the default atol",
             (np.array([[0.5, 0.53], [0.25, 0.75]], np.float32),), rule="sum_atol"),
        Case("values 0.0005 outside [0, 1] (-0.0005 and 1.0005), within the default atol", (outside,),
             rule="range_atol"),
        Case("values down to -0.002 (beyond the default atol), rows summing to 1",
             (np.array([[0.502, 0.5, -0.002]], np.float32),), rule="range_atol"),
        *[case for atol in _EXACT for case in _edge_cases(atol)],
        Case("a one-hot integer array [[0, 1, 0], [1, 0, 0]]", (np.array([[0, 1, 0], [1, 0, 0]]),), rule="sum"),
        Case("probabilities with a NaN, [[0.5, nan, 0.5]]", (np.array([[0.5, np.nan, 0.5]], np.float32),),
             rule="finite"),
        Case("probabilities with +inf and -inf, [[inf, -inf, 1]]",
             (np.array([[np.inf, -np.inf, 1.0]], np.float32),), rule="finite"),
    ]


def _probability_test(range_test, sum_test, *, reduce=np.all, finite=True):
    """A looks_like_probabilities built from one range test and one sum test (each may be wrong)."""

    def wrong(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        if finite and not np.isfinite(x).all():
            return False
        return bool(range_test(x, atol) and reduce(sum_test(x.sum(axis=axis), atol)))

    return wrong


def _in_range(x, atol):
    return x.min() >= -atol and x.max() <= 1 + atol


def _sums_to_one(sums, atol):
    return np.abs(sums - 1) <= atol


_ANY_RANGE = lambda x, atol: True  # noqa: E731
_ANY_SUM = lambda sums, atol: np.ones_like(sums, dtype=bool)  # noqa: E731
_TOLERANCES = (0.0, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2)


def _range_with(tol, strict=False):
    if strict:
        return lambda x, atol: x.min() > -tol and x.max() < 1 + tol
    return lambda x, atol: x.min() >= -tol and x.max() <= 1 + tol


def _sum_with(tol, strict=False):
    if strict:
        return lambda sums, atol: np.abs(sums - 1) < tol
    return lambda sums, atol: np.abs(sums - 1) <= tol


def _whole_array_sum_test(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and _in_range(x, atol) and abs(x.sum() - 1) <= atol)


def _mean_of_sums(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and _in_range(x, atol) and abs(x.sum(axis=axis).mean() - 1) <= atol)


def _nan_skipped(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.nanmin(x) >= -atol and np.nanmax(x) <= 1 + atol
                and np.all(np.abs(np.nansum(x, axis=axis) - 1) <= atol))


def _first_row_only(output, axis=-1, atol=1e-3):
    """Decides from the first row alone: output[0] of a batch (a 1-D vector is its own first row)."""
    x = np.atleast_2d(np.asarray(output, dtype=np.float64))
    return looks_like_probabilities(x[0], -1, atol)


def _example_first_row(output, axis=-1, atol=1e-3):
    for row in np.atleast_2d(output):  # returns on the first row: the loop never reaches the second
        if not np.isfinite(row).all() or row.min() < -atol or row.max() > 1 + atol:
            return False
        return bool(abs(row.sum() - 1) <= atol)
    return False


def _fixed_sum_axis(fixed):
    def wrong(output, axis=-1, atol=1e-3):
        return looks_like_probabilities(output, fixed, atol)
    return wrong


_RANGE_IGNORES_ATOL = tuple(_probability_test(_range_with(tol, strict), _sums_to_one)
                            for tol in _TOLERANCES for strict in (False, True) if tol or not strict)
_SUM_FIXED_TOLERANCE = tuple(_probability_test(_in_range, _sum_with(tol, strict))
                             for tol in _TOLERANCES[1:] for strict in (False, True))


def _allclose_default_rtol(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and _in_range(x, atol) and np.allclose(x.sum(axis=axis), 1, atol=atol))


def _one_sided(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and _in_range(x, atol) and np.all(x.sum(axis=axis) - 1 <= atol))


def _one_sided_below(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and _in_range(x, atol) and np.all(1 - x.sum(axis=axis) <= atol))


# Learners' answers for the mistakes recognised by type or by an exception.
def _example_per_row(output, axis=-1, atol=1e-3):
    return np.isclose(output.sum(axis=axis), 1, rtol=0, atol=atol) & (output >= -atol).all(axis=axis) \
        & (output <= 1 + atol).all(axis=axis)


def _example_numpy_bool(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return np.isfinite(x).all() and (x >= -atol).all() and (x <= 1 + atol).all() \
        and np.all(np.abs(x.sum(axis=axis) - 1) <= atol)


def _example_truth_value(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    if np.abs(x.sum(axis=axis) - 1) <= atol and x.min() >= -atol and x.max() <= 1 + atol:
        return True
    return False


def _example_axis_1(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                and np.allclose(x.sum(axis=1), 1, rtol=0, atol=atol))


def _example_range_no_atol(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and (x >= 0).all() and (x <= 1).all()
                and np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol))


def _example_exact_sum(output, axis=-1, atol=1e-3):
    return bool((output >= 0).all() and (output <= 1).all() and (output.sum(axis=axis) == 1).all())


def _example_fixed_tolerance(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                and np.allclose(x.sum(axis=axis), 1))


def _example_strict_sum(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                and np.all(np.abs(x.sum(axis=axis) - 1) < atol))


def _example_strict_range(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and x.min() > -atol and x.max() < 1 + atol
                and np.all(np.abs(x.sum(axis=axis) - 1) <= atol))


def _example_any_row(output, axis=-1, atol=1e-3):
    x = np.asarray(output, dtype=np.float64)
    return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                and np.any(np.abs(x.sum(axis=axis) - 1) <= atol))


def _is_numpy_bool(run):
    return isinstance(run.got, np.bool_) or (isinstance(run.got, np.ndarray) and run.got.ndim == 0)


def _one_per_row(run):
    got = run.got
    if isinstance(got, (list, tuple)) and got and all(isinstance(v, (bool, np.bool_)) for v in got):
        return True
    return isinstance(got, np.ndarray) and got.ndim >= 1 and got.dtype == bool


register(Exercise(
    name="looks_like_probabilities",
    notebook=NOTEBOOK,
    reference=looks_like_probabilities,
    cases=_probability_cases,
    summary="True when a model output already holds probabilities (no second softmax)",
    rules={
        "finite": "every value is finite",
        "range": "in [0, 1]",
        "range_atol": "from -atol to 1 + atol, both included",
        "sum": "the values along axis sum to 1",
        "sum_atol": "abs(sum - 1) <= atol",
        "bool": "Return one Python bool for the whole array",
    },
    hint=(
        """
        Three tests on the whole array: are all values finite, do they all lie in [0, 1] (within
        atol), and do the values along `axis` sum to 1 (within atol)? Look up np.isfinite and
        np.allclose, and read what its rtol does.
        """,
        """
        If any value is not finite, the answer is False. Otherwise compare the array's minimum
        with -atol and its maximum with 1 + atol, and the sums along `axis` with 1, within atol
        and rtol=0 (np.allclose's default rtol adds 1e-5 of its own). Combine the three into one
        Python bool for the whole array.
        """,
        """
        `output.min() >= -atol and output.max() <= 1 + atol`, and
        `np.allclose(output.sum(axis=axis), 1, rtol=0, atol=atol)`. Wrap the result in bool(...):
        np.all and comparisons of NumPy numbers give np.bool_, not a Python bool.
        """,
    ),
    mistakes=[
        Mistake("looks_like_probabilities.one_per_row",
                "return one bool for the whole array (all rows must pass), not one per row: reduce with "
                "np.all(...) and wrap it in bool(...).",
                detect=_one_per_row, on_type=True, example=_example_per_row),
        Mistake("looks_like_probabilities.numpy_bool",
                "you returned NumPy's np.bool_ (what np.all and comparisons give), not a Python bool: wrap the "
                "result in bool(...) (`np.bool_(True) is True` is False, and json.dumps refuses it).",
                detect=_is_numpy_bool, on_type=True, example=_example_numpy_bool),
        Mistake("looks_like_probabilities.truth_value_of_array",
                "`if` (or `and`, `or`, bool()) on an array of several values is ambiguous: the sums along the "
                "axis are one value per row. Reduce them first: np.all(np.abs(sums - 1) <= atol).",
                on_error=lambda exc, case: isinstance(exc, ValueError) and "truth value of an array" in str(exc),
                example=_example_truth_value),
        Mistake("looks_like_probabilities.fixed_axis",
                "you summed along a fixed axis that this array does not have (a (C,) vector has only axis 0, "
                "which is also axis -1): sum along the axis argument, output.sum(axis=axis).",
                on_error=_axis_error, example=_example_axis_1),
        Mistake("looks_like_probabilities.sum_axis_0",
                "you summed along axis 0 (down the columns, across the images), not along the axis argument: "
                "for (N, C) probabilities each row sums to 1. Use output.sum(axis=axis).",
                detect=behaves_like("looks_like_probabilities", _fixed_sum_axis(0)), example=_fixed_sum_axis(0)),
        Mistake("looks_like_probabilities.whole_array_sum",
                "you summed the whole array (which gives N for N images). Sum along the axis: "
                "output.sum(axis=axis), then test every sum.",
                detect=behaves_like("looks_like_probabilities", _whole_array_sum_test),
                example=_whole_array_sum_test),
        Mistake("looks_like_probabilities.first_row_only",
                "your function decides from the first row alone (a `return` inside `for row in output:` ends the "
                "loop on the first row, or you tested output[0]): here the second row is no distribution. Test "
                "every row: reduce over the whole array (np.all), or return True only after the loop.",
                detect=behaves_like("looks_like_probabilities", _first_row_only), example=_example_first_row),
        Mistake("looks_like_probabilities.ignores_axis",
                "your function ignores axis (it always sums along the last axis): with axis=0 the classes run "
                "down the columns. Sum along the axis argument: output.sum(axis=axis).",
                detect=behaves_like("looks_like_probabilities", _fixed_sum_axis(-1)), example=_fixed_sum_axis(-1)),
        Mistake("looks_like_probabilities.range_only",
                "your function accepts values in [0, 1] that do not sum to 1 along the axis (sigmoid outputs are "
                "like that: each class scored on its own). Also check the sums, every one of them: "
                "np.all(np.abs(output.sum(axis=axis) - 1) <= atol).",
                detect=behaves_like("looks_like_probabilities", _probability_test(_in_range, _ANY_SUM)),
                example=_probability_test(_in_range, _ANY_SUM)),
        Mistake("looks_like_probabilities.sum_only",
                "you only checked that the values sum to 1. Logits can sum to 1 as well: also check that every "
                "value lies in [0, 1] (within atol).",
                detect=behaves_like("looks_like_probabilities", _probability_test(_ANY_RANGE, _sums_to_one)),
                example=_probability_test(_ANY_RANGE, _sums_to_one)),
        Mistake("looks_like_probabilities.any_row",
                "one row that does not sum to 1 makes the whole array fail: test that ALL the sums are close to 1 "
                "(np.all), not that any is (np.any).",
                detect=behaves_like("looks_like_probabilities", _probability_test(_in_range, _sums_to_one,
                                                                                  reduce=np.any)),
                example=_example_any_row),
        Mistake("looks_like_probabilities.mean_of_sums",
                "you tested the mean (or the total) of the row sums: rows summing to 0.5 and 1.5 average to 1. "
                "Every row must sum to 1 on its own: np.all(np.abs(output.sum(axis=axis) - 1) <= atol).",
                detect=behaves_like("looks_like_probabilities", _mean_of_sums), example=_mean_of_sums),
        Mistake("looks_like_probabilities.exact_sum",
                "you tested sum == 1 exactly: float sums are rarely exactly 1, and printed probabilities are "
                "rounded. Compare within atol: np.all(np.abs(sums - 1) <= atol).",
                detect=behaves_like("looks_like_probabilities", _probability_test(_in_range, _sum_with(0.0)),
                                    _probability_test(_range_with(0.0), _sum_with(0.0)),
                                    lambda output, axis=-1, atol=1e-3: bool(
                                        (output >= 0).all() and (output <= 1).all()
                                        and (output.sum(axis=axis) == 1).all())),
                example=_example_exact_sum),
        Mistake("looks_like_probabilities.sum_ignores_atol",
                "your sum test ignores atol: it uses a tolerance of its own (a fixed number such as 1e-3, or "
                "np.allclose(sums, 1) without atol=atol, which uses 1e-8 and 1e-5). Compare within the atol argument: "
                "np.allclose(sums, 1, rtol=0, atol=atol).",
                detect=behaves_like("looks_like_probabilities", *_SUM_FIXED_TOLERANCE, _example_fixed_tolerance),
                example=_example_fixed_tolerance),
        Mistake("looks_like_probabilities.range_without_atol",
                "your range test ignores atol (or leaves out 0 and 1 themselves): a value may lie anywhere from "
                "-atol to 1 + atol (float rounding gives -1e-7 or 1.0000001). Test output.min() >= -atol and "
                "output.max() <= 1 + atol.",
                detect=behaves_like("looks_like_probabilities", *_RANGE_IGNORES_ATOL), example=_example_range_no_atol),
        Mistake("looks_like_probabilities.allclose_rtol",
                "np.allclose (and np.isclose) add rtol * 1 = 1e-5 to atol by default, so a sum just beyond "
                "1 + atol still passes. Pass rtol=0: np.allclose(sums, 1, rtol=0, atol=atol).",
                detect=behaves_like("looks_like_probabilities", _allclose_default_rtol),
                example=_allclose_default_rtol),
        Mistake("looks_like_probabilities.strict_sum_edge",
                "a sum exactly atol away from 1 is within atol: compare with <=, not < "
                "(np.abs(sums - 1) <= atol).",
                detect=behaves_like("looks_like_probabilities", _probability_test(_in_range, lambda s, a: np.abs(s - 1) < a)),
                example=_example_strict_sum),
        Mistake("looks_like_probabilities.strict_range_edge",
                "a value exactly -atol or 1 + atol is within atol of [0, 1]: compare with >= and <=, not > and "
                "< (output.min() >= -atol and output.max() <= 1 + atol).",
                detect=behaves_like("looks_like_probabilities", _probability_test(
                    lambda x, a: x.min() > -a and x.max() < 1 + a, _sums_to_one)),
                example=_example_strict_range),
        Mistake("looks_like_probabilities.one_sided_sum",
                "your sum test is one-sided: sum - 1 <= atol lets sums far below 1 pass (0.97, or 0), and "
                "1 - sum <= atol sums far above. Take the absolute difference: np.abs(sums - 1) <= atol.",
                detect=behaves_like("looks_like_probabilities", _one_sided, _one_sided_below),
                example=_one_sided),
        Mistake("looks_like_probabilities.nan_ignored",
                "NaN is not a probability: return False when any value is not finite "
                "(np.isfinite(output).all()). np.nansum, np.nanmin and np.nanmax skip NaN instead of rejecting it.",
                detect=behaves_like("looks_like_probabilities", _nan_skipped), example=_nan_skipped),
    ],
))
