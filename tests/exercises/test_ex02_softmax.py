"""Notebook 02 checks reject the softmax mistakes learners really make and accept correct variants."""
import numpy as np

from .conftest import assert_accepted, assert_rejected


def _refuse_nan(logits):
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")


# --------------------------------------------------------------------------- #
# softmax
# --------------------------------------------------------------------------- #
def test_naive_exp_overflows():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits)
        return e / np.sum(e, axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "overflows", "subtract the maximum")


def test_global_max_shift_underflows_a_far_row():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - np.max(logits))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "whole array", "own maximum")


def test_wrong_axis_zero():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    assert_rejected("softmax", softmax, "axis 0")


def test_axis_argument_ignored():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    assert_rejected("softmax", softmax, "ignores the axis")


def test_sum_over_the_whole_array():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum()
    assert_rejected("softmax", softmax, "whole array, not along the axis")


def test_dividing_by_the_max():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.max(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "maximum instead of the sum")


def test_float64_for_float32_input():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        x = np.asarray(logits, dtype=float)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "float64")


def test_missing_keepdims():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "keepdims")


def test_sigmoid_is_not_softmax():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return 1 / (1 + np.exp(-logits))
    assert_rejected("softmax", softmax, "sigmoid")


def test_in_place_shift():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        logits -= logits.max(axis=axis, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=axis, keepdims=True)
        return logits
    assert_rejected("softmax", softmax, "in place")


def test_nan_passed_through_silently():
    def softmax(logits, axis=-1):
        e = np.exp(logits - np.nanmax(logits, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "instead of raising ValueError")


def test_softmax_correct_variants():
    def via_logsumexp(logits, axis=-1):
        if np.isnan(logits).any():
            raise ValueError("NaN logits")
        m = np.max(logits, axis=axis, keepdims=True)
        lse = m + np.log(np.sum(np.exp(logits - m), axis=axis, keepdims=True))
        return np.exp(logits - lse)

    def moveaxis_2d(logits, axis=-1):
        x = np.moveaxis(np.asarray(logits), axis, -1)
        if np.isnan(x).any():
            raise ValueError(f"softmax: NaN in logits of shape {x.shape}")
        flat = x.reshape(-1, x.shape[-1])
        e = np.exp(flat - flat.max(axis=1)[:, None])
        out = (e / e.sum(axis=1)[:, None]).reshape(x.shape)
        return np.moveaxis(out, -1, axis)

    assert_accepted("softmax", via_logsumexp)
    assert_accepted("softmax", moveaxis_2d)


# --------------------------------------------------------------------------- #
# looks_like_probabilities
# --------------------------------------------------------------------------- #
def test_range_only():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool(output.min() >= 0 and output.max() <= 1)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "sigmoid", "sum to 1")


def test_sum_only():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool(np.all(np.abs(output.sum(axis=axis) - 1) < atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "[0, 1]")


def test_whole_array_sum():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool((output >= 0).all() and (output <= 1).all() and abs(output.sum() - 1) < atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "sum along the axis")


def test_exact_sum():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool((output >= 0).all() and (output <= 1).all() and (output.sum(axis=axis) == 1).all())
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "too strict")


def test_per_row_answer():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return np.isclose(output.sum(axis=axis), 1, atol=atol) & (output >= 0).all(axis=axis)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "one bool")


def test_axis_ignored():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.allclose(x.sum(axis=-1), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "ignores axis")


def test_looks_like_probabilities_correct_variants():
    def explicit(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        if np.isnan(x).any() or np.isinf(x).any():
            return False
        if (x < -atol).any() or (x > 1 + atol).any():
            return False
        return bool(np.max(np.abs(np.sum(x, axis=axis) - 1)) <= atol)

    def one_expression(output, axis=-1, atol=1e-3):
        s = np.sum(output, axis=axis)
        return bool(np.all(np.isfinite(output)) and np.all(output >= -atol) and np.all(output <= 1 + atol)
                    and np.all(np.abs(s - 1) <= atol))

    assert_accepted("looks_like_probabilities", explicit)
    assert_accepted("looks_like_probabilities", one_expression)
