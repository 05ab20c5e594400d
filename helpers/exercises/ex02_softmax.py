"""Notebook 02: logits and softmax. softmax, looks_like_probabilities."""
import numpy as np

from ..probabilities import looks_like_probabilities, softmax
from .core import Case, Exercise, Mistake, compare_arrays, register

NOTEBOOK = "02_logits_and_softmax"


def _not_finite(run):
    got = np.asarray(run.got, dtype=np.float64)
    return not np.isfinite(got).all()


def _overflowed(run):
    texts = " ".join(run.warning_texts).lower()
    return "overflow" in texts or "invalid value" in texts or _not_finite(run)


# --------------------------------------------------------------------------- #
# softmax
# --------------------------------------------------------------------------- #
def _close(expected, got):
    """float32 exp/log near 1000 carries ~1e-5 relative error however it is written."""
    return compare_arrays(expected, got, atol=1e-6, rtol=1e-4)


def _softmax_cases():
    rng = np.random.default_rng(0)
    logits = lambda *shape, scale=3.0: (rng.standard_normal(shape) * scale).astype(np.float32)  # noqa: E731
    far_apart = np.stack([rng.uniform(995, 1005, 6), rng.uniform(-1005, -995, 6)]).astype(np.float32)
    return [
        Case("a (10,) float32 vector of small logits", (logits(10),)),
        Case("(4, 4) square logits (rows and columns look alike)", (logits(4, 4),)),
        Case("(4, 10) float32 logits: 4 images, 10 classes", (logits(4, 10),)),
        Case("(3, 5) float32 logits near 1000", (logits(3, 5) + 1000,)),
        Case("(2, 6) logits: one row near +1000, the other near -1000", (far_apart,)),
        Case("(5, 3) logits with axis=0", (logits(5, 3),), {"axis": 0}),
        Case("(2, 3, 4) logits with axis=1", (logits(2, 3, 4),), {"axis": 1}),
        Case("(3, 7) float64 logits (the result stays float64)", (logits(3, 7).astype(np.float64),)),
        Case("(2, 5) logits with -inf for masked classes",
             (np.array([[1, -np.inf, 2, 0, -np.inf], [-np.inf, 0, 0, 0, 5]], np.float32),)),
        Case("(2, 4) logits containing NaN (a broken model)",
             (np.array([[1, 2, np.nan, 0], [0, 1, 2, 3]], np.float32),),
             raises=ValueError, raises_mentions=("NaN",)),
    ]


def _naive(logits, axis=-1):
    e = np.exp(logits)
    return e / e.sum(axis=axis, keepdims=True)


def _shift_by(logits, axis, max_axis, keepdims, sum_axis, sum_keepdims=True, by_max=False):
    e = np.exp(logits - logits.max(axis=max_axis, keepdims=keepdims))
    return e / (e.max(axis=sum_axis, keepdims=sum_keepdims) if by_max else e.sum(axis=sum_axis, keepdims=sum_keepdims))


register(Exercise(
    name="softmax",
    notebook=NOTEBOOK,
    reference=softmax,
    cases=_softmax_cases,
    forbid_warnings=True,
    compare=_close,
    summary="logits to probabilities along an axis, without overflow",
    hint="""
        softmax(x) = exp(x) / sum(exp(x)) along `axis`. exp(1000) overflows, so subtract the
        maximum along the same axis first (it cancels out in the division):
        `shifted = logits - logits.max(axis=axis, keepdims=True)`. keepdims=True keeps the
        axis so the maxima and sums broadcast back along the right direction.
        Keep the input's float dtype (float32 in, float32 out), never change the input in place,
        and raise ValueError mentioning NaN when the logits contain NaN.
    """,
    mistakes=[
        Mistake("ex02_softmax.todo1", "your result is float64 for float32 logits. Keep the input's dtype: do the "
                "arithmetic on the float32 array (no np.float64 constants or astype(float)).",
                detect=lambda run: getattr(run.got, "dtype", None) == np.float64
                and run.expected.dtype == np.float32),
        Mistake("ex02_softmax.todo2", "you subtracted the maximum of the WHOLE array: a row far below it underflows to "
                "0 / 0 = nan. Subtract each row's own maximum: logits.max(axis=axis, keepdims=True).",
                impl=lambda logits, axis=-1: _shift_by(logits, axis, None, False, axis)),
        Mistake("ex02_softmax.todo3", "your softmax overflows for logits near 1000 (exp(1000) is inf, and inf / inf is nan). "
                "Subtract the maximum along the axis first: exp(x - max) / sum(exp(x - max)).",
                detect=_overflowed),
        Mistake("ex02_softmax.todo4", "you divided by the maximum instead of the sum: the largest class gets 1.0 and the "
                "values do not sum to 1. Divide by exps.sum(axis=axis, keepdims=True).",
                impl=lambda logits, axis=-1: _shift_by(logits, axis, axis, True, axis, by_max=True)),
        Mistake("ex02_softmax.todo5", "you normalised over the whole array, not along the axis: each image's "
                "probabilities must sum to 1 on their own. Use sum(axis=axis, keepdims=True).",
                impl=lambda logits, axis=-1: _shift_by(logits, axis, axis, True, None, sum_keepdims=False)),
        Mistake("ex02_softmax.todo6", "your softmax ignores the axis argument (it always uses the last axis). Pass axis "
                "to max and sum.",
                impl=lambda logits, axis=-1: _shift_by(logits, -1, -1, True, -1)),
        Mistake("ex02_softmax.todo7", "you computed softmax along axis 0 (across the images of the batch). For (N, C) "
                "logits the classes are the last axis: use the axis argument, -1 by default.",
                impl=lambda logits, axis=-1: _shift_by(logits, 0, 0, True, 0)),
        Mistake("ex02_softmax.todo8", "without keepdims=True the row maxima or sums broadcast along the wrong axis (a "
                "square array hides the shape error). Use max(axis=axis, keepdims=True) and "
                "sum(axis=axis, keepdims=True).",
                detect=lambda run: any(
                    np.allclose(run.got, _shift_by(run.case.args[0], -1, mk_axis, mk, -1, sk), equal_nan=True)
                    for mk_axis, mk, sk in ((-1, False, True), (-1, True, False), (-1, False, False)))),
        Mistake("ex02_softmax.todo9", "that is the sigmoid 1 / (1 + exp(-x)), which scores each class on its own. Softmax "
                "makes the classes compete: exp(x - max) / sum(exp(x - max)).",
                impl=lambda logits, axis=-1: 1 / (1 + np.exp(-logits))),
    ],
))


# --------------------------------------------------------------------------- #
# looks_like_probabilities
# --------------------------------------------------------------------------- #
def _probability_cases():
    rng = np.random.default_rng(1)
    logits = (rng.standard_normal((4, 10)) * 3).astype(np.float32)
    probs = softmax(logits)
    sigmoid = (1 / (1 + np.exp(-logits))).astype(np.float32)
    rounded = np.round(softmax(logits[:1, :7].astype(np.float64)), 4)
    return [
        Case("softmax output, (4, 10) float32", (probs,)),
        Case("raw logits, (4, 10) float32", (logits,)),
        Case("sigmoid outputs: all in [0, 1], but rows do not sum to 1", (sigmoid,)),
        Case("[[1.5, -0.25, -0.25]]: sums to 1 but has negative values",
             (np.array([[1.5, -0.25, -0.25]], np.float32),)),
        Case(f"probabilities rounded to 4 decimals (the row sums to {rounded.sum():.4f})", (rounded,)),
        Case("(10, 4) probabilities laid out classes-first, with axis=0", (probs.T.copy(),), {"axis": 0}),
        Case("rows summing to 0.97 with atol=0.05", (probs * np.float32(0.97),), {"atol": 0.05}),
        Case("rows summing to 0.97 with the default atol", (probs * np.float32(0.97),)),
        Case("a (1000,) softmax vector of one image", (softmax(rng.standard_normal(1000).astype(np.float32)),)),
        Case("probabilities with a NaN", (np.array([[0.5, np.nan, 0.5]], np.float32),)),
        Case("a one-hot integer array [[0, 1, 0], [1, 0, 0]]", (np.array([[0, 1, 0], [1, 0, 0]]),)),
    ]


def _range_only(output, axis=-1, atol=1e-3):
    return bool(np.all((output >= 0) & (output <= 1)))


def _sum_only(output, axis=-1, atol=1e-3):
    return bool(np.allclose(output.sum(axis=axis), 1, atol=atol))


register(Exercise(
    name="looks_like_probabilities",
    notebook=NOTEBOOK,
    reference=looks_like_probabilities,
    cases=_probability_cases,
    summary="True when a model output already holds probabilities (no second softmax)",
    hint="""
        Probabilities pass three tests: every value is finite, every value lies in [0, 1]
        (allow atol either side), and the values along `axis` sum to 1 within atol
        (`np.allclose(output.sum(axis=axis), 1, rtol=0, atol=atol)`). Return one Python bool for
        the whole array: `bool(...)`.
    """,
    mistakes=[
        Mistake("ex02_softmax.todo10", "return one bool for the whole array (all rows must pass), not one per row: "
                "wrap the test in bool(np.all(...)).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.size > 1),
        Mistake("ex02_softmax.todo11", "you only checked that the values lie in [0, 1]. Sigmoid outputs do too, but they "
                "are not a distribution: also check that they sum to 1 along the axis.",
                impl=_range_only),
        Mistake("ex02_softmax.todo12", "you only checked that the values sum to 1. Logits can sum to 1 as well: also "
                "check that every value lies in [0, 1].",
                impl=_sum_only),
        Mistake("ex02_softmax.todo13", "your function ignores axis: with axis=0 the classes run down the columns.",
                impl=lambda output, axis=-1, atol=1e-3: looks_like_probabilities(output, -1, atol)),
        Mistake("ex02_softmax.todo14", "you summed the whole array (which gives N for N images). Sum along the axis: "
                "output.sum(axis=axis).",
                impl=lambda output, axis=-1, atol=1e-3: bool(
                    np.all((output >= 0) & (output <= 1)) and abs(output.sum() - 1) <= atol)),
        Mistake("ex02_softmax.todo15", "your sum test is too strict or ignores atol: float32 sums are rarely exactly 1, "
                "and printed probabilities are rounded. Compare within atol: "
                "np.allclose(sums, 1, rtol=0, atol=atol).",
                detect=lambda run: run.expected is True and run.got is not None and not run.got),
    ],
))
