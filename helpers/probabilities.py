"""From a classifier's raw scores (logits) to probabilities, and telling the two apart."""
import numpy as np


def softmax(logits, axis=-1):
    """Turn logits into probabilities along ``axis``, without overflowing.

    logits: array of any shape, e.g. (C,) or (N, C) float32 scores; no NaN or +inf
    (those mean the model's output is broken upstream, so this raises ValueError).
    -inf marks a masked class, whose probability is 0; a row whose every logit is
    -inf (every class masked) has no distribution and raises ValueError, as does an
    axis of 0 classes or a single number. Complex, string or object arrays raise
    TypeError.
    Returns a new array of the same shape whose values along ``axis`` are in [0, 1]
    and sum to 1. Float input keeps its dtype (float32 stays float32); integer input
    gives float64.
    """
    logits = np.asarray(logits)
    if logits.dtype.kind not in "biuf":  # bool, signed and unsigned integers, floats
        raise TypeError(f"softmax: logits must be real numbers, got dtype {logits.dtype}; "
                        f"convert them first, e.g. np.asarray(logits, dtype=np.float32)")
    if logits.ndim == 0:
        raise ValueError(f"softmax needs an axis of classes, got the single number {logits}: pass a (C,) vector")
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    if logits.size == 0:  # an empty batch stays empty; an axis of 0 classes has no distribution
        if logits.sum(axis=axis, keepdims=True).size:
            raise ValueError(f"softmax: axis {axis} of logits of shape {logits.shape} has 0 classes")
        return logits.copy()
    # exp(x - max) / sum(exp(x - max)) equals exp(x) / sum(exp(x)), and the largest
    # exponent is now exp(0) = 1, so nothing overflows.
    maxima = logits.max(axis=axis, keepdims=True)
    if np.isnan(maxima).any() or np.isposinf(maxima).any():  # max propagates NaN and +inf
        raise ValueError("softmax got NaN or +inf logits: the model's output is already broken "
                         "(check the input blob and the model), softmax cannot repair it")
    no_class = np.isneginf(maxima)  # exp(-inf - (-inf)) is exp(NaN): 0 / 0
    if no_class.any():
        raise ValueError(f"softmax: {int(no_class.sum())} of the {no_class.size} rows along axis {axis} have "
                         f"no class left: all their logits are -inf (every class masked). Leave at least "
                         f"one class unmasked in each row")
    exps = np.exp(logits - maxima)
    exps /= exps.sum(axis=axis, keepdims=True)  # in place: exps is our own new array
    return exps


def looks_like_probabilities(output, axis=-1, atol=1e-3):
    """True when ``output`` already holds probabilities along ``axis``.

    output: array, e.g. (N, C) float32 straight from a model.
    Probabilities are finite, lie in [0, 1] and sum to 1 along ``axis`` (each within
    ``atol``). Use it before calling softmax: softmax of probabilities (a "double
    softmax") gives a flattened, wrong distribution.
    Returns a Python bool.
    """
    output = np.asarray(output, dtype=np.float64)
    if output.size == 0:
        raise ValueError("looks_like_probabilities got an empty array")
    if not np.isfinite(output).all():
        return False
    in_range = output.min() >= -atol and output.max() <= 1 + atol
    sums_to_one = np.allclose(output.sum(axis=axis), 1.0, rtol=0, atol=atol)
    return bool(in_range and sums_to_one)
