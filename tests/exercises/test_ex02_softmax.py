"""Notebook 02 checks reject the softmax mistakes learners really make, name each one by its id,
and accept correct variants written differently from the reference."""
import math

import numpy as np
import pytest

from .conftest import assert_accepted, assert_rejected


def _refuse_nan(logits):
    if np.isnan(logits).any():
        raise ValueError("NaN in the logits")


# --------------------------------------------------------------------------- #
# softmax: no result at all
# --------------------------------------------------------------------------- #
def test_returning_none_is_not_called_an_overflow():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        e / e.sum(axis=axis, keepdims=True)
    result = assert_rejected("softmax", softmax, "returned None", "return", mistake="generic.returned_none")
    assert "overflow" not in result.message


def test_printing_instead_of_returning():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        print(e / e.sum(axis=axis, keepdims=True))
    assert_rejected("softmax", softmax, "returned None", mistake="generic.returned_none")


def test_a_generator_of_rows():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return (np.exp(row - row.max()) / np.exp(row - row.max()).sum() for row in np.atleast_2d(logits))
    assert_rejected("softmax", softmax, "generator", mistake="generic.generator")


def test_a_list_instead_of_an_array():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return (e / e.sum(axis=axis, keepdims=True)).tolist()
    assert_rejected("softmax", softmax, "NumPy array", mistake="generic.wrong_type")


# --------------------------------------------------------------------------- #
# softmax: overflow and the maximum
# --------------------------------------------------------------------------- #
def test_naive_exp_overflows():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits)
        return e / np.sum(e, axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "overflows", "subtract the", mistake="softmax.overflow")


def test_naive_exp_with_warnings_silenced_still_overflows():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        with np.errstate(all="ignore"):
            e = np.exp(logits)
            return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "overflows", mistake="softmax.overflow")


def test_naive_whole_array_names_both_mistakes_at_once():
    """The issue's case: exp(x) / exp(x).sum() on a batch. Both problems in one message."""
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return np.exp(logits) / np.exp(logits).sum()
    assert_rejected("softmax", softmax, "two mistakes", "whole array", "overflows",
                    mistake="softmax.naive_whole_array")


def test_the_notebooks_own_naive_softmax():
    def softmax(logits, axis=-1):
        if np.isnan(logits).any():
            raise ValueError("NaN")
        e = np.exp(logits)
        return e / e.sum()
    assert_rejected("softmax", softmax, "two mistakes", mistake="softmax.naive_whole_array")


def test_global_max_shift_underflows_a_far_row():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - np.max(logits))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "whole array", "own maximum", mistake="softmax.global_max")


def test_subtracting_the_minimum():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - np.min(logits, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "minimum", mistake="softmax.subtract_min")


# --------------------------------------------------------------------------- #
# softmax: the axis
# --------------------------------------------------------------------------- #
def test_sum_over_the_whole_array():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum()
    assert_rejected("softmax", softmax, "whole array, not along the axis", mistake="softmax.whole_array_sum")


def test_global_max_and_whole_array_sum_is_stable_but_not_per_image():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max())
        return e / e.sum()
    result = assert_rejected("softmax", softmax, "whole array", mistake="softmax.whole_array_sum")
    assert "overflow" not in result.message


def test_wrong_axis_zero():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    assert_rejected("softmax", softmax, "axis 0", mistake="softmax.axis_0")


def test_axis_argument_ignored():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    assert_rejected("softmax", softmax, "ignores the axis", mistake="softmax.ignores_axis")


def test_sum_along_another_axis_than_the_maximum():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    assert_rejected("softmax", softmax, "different axes", mistake="softmax.mixed_axes")


def test_axis_fixed_in_the_sum_only():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    assert_rejected("softmax", softmax, "different axes", mistake="softmax.mixed_axes")


def test_hard_coded_axis_1_on_a_vector():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    assert_rejected("softmax", softmax, "fixed axis", "axis=axis", status="error", mistake="softmax.fixed_axis")


def test_missing_keepdims():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "keepdims", mistake="softmax.no_keepdims")


def test_missing_keepdims_on_the_sum_only():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - np.max(logits, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis)
    assert_rejected("softmax", softmax, "keepdims", mistake="softmax.no_keepdims")


def test_column_of_maxima_with_none_index():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis)[:, None])
        return e / e.sum(axis=axis)[:, None]
    assert_rejected("softmax", softmax, "[:, None]", "keepdims=True", status="error", mistake="softmax.two_d_only")


def test_column_of_maxima_with_reshape():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis).reshape(-1, 1))
        return e / e.sum(axis=axis).reshape(-1, 1)
    assert_rejected("softmax", softmax, "shape (1, C)", "reshape(-1, 1)", mistake="softmax.vector_became_row")


def test_a_vector_made_a_batch_and_left_so():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        x = np.atleast_2d(logits)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    result = assert_rejected("softmax", softmax, "shape (1, C)", "atleast_2d", mistake="softmax.vector_became_row")
    assert "[:, None]" not in result.message


def test_loop_over_rows_treats_a_vector_as_single_values():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        out = []
        for row in logits:
            e = np.exp(row - np.max(row))
            out.append(e / np.sum(e))
        return np.array(out)
    assert_rejected("softmax", softmax, "1.0", "on its own", mistake="softmax.each_value_alone")


# --------------------------------------------------------------------------- #
# softmax: the formula
# --------------------------------------------------------------------------- #
def test_dividing_by_the_max():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.max(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "divide by the sum", mistake="softmax.not_divided_by_sum")


def test_exps_never_divided():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return np.exp(logits - logits.max(axis=axis, keepdims=True))
    assert_rejected("softmax", softmax, "without dividing by their sum", mistake="softmax.not_divided_by_sum")


def test_sigmoid_is_not_softmax():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return 1 / (1 + np.exp(-logits))
    assert_rejected("softmax", softmax, "sigmoid", mistake="softmax.sigmoid")


def test_log_softmax_without_the_final_exp():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        m = logits.max(axis=axis, keepdims=True)
        return logits - m - np.log(np.sum(np.exp(logits - m), axis=axis, keepdims=True))
    assert_rejected("softmax", softmax, "log-probabilities", mistake="softmax.log_probabilities")


def test_normalising_without_exp():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return logits / logits.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "without exp", mistake="softmax.no_exp")


# --------------------------------------------------------------------------- #
# softmax: dtype, input, NaN and -inf
# --------------------------------------------------------------------------- #
def test_float64_for_float32_input():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        x = np.asarray(logits, dtype=float)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "float64", mistake="softmax.float64_result")


def test_python_math_exp_gives_float64():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        shifted = logits - logits.max(axis=axis, keepdims=True)
        e = np.vectorize(math.exp)(shifted)
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "float64", mistake="softmax.float64_result")


def test_float32_forced_on_float64_input():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        x = logits.astype(np.float32)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "float32 for float64", mistake="softmax.float32_result")


def test_in_place_shift():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        logits -= logits.max(axis=axis, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=axis, keepdims=True)
        return logits
    assert_rejected("softmax", softmax, "in place", mistake="generic.changed_input")


def test_nan_passed_through_silently():
    def softmax(logits, axis=-1):
        e = np.exp(logits - np.nanmax(logits, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "instead of raising ValueError", "lets NaN through",
                    mistake="softmax.nan_not_raised")


def test_nan_test_with_in_never_finds_nan():
    def softmax(logits, axis=-1):
        if np.nan in logits:  # nan != nan, so this is never True
            raise ValueError("NaN logits")
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "instead of raising ValueError", "lets NaN through",
                    mistake="softmax.nan_not_raised")


def test_nan_error_that_does_not_say_nan():
    def softmax(logits, axis=-1):
        if np.isnan(logits).any():
            raise ValueError("broken logits")
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "'NaN'", mistake="generic.raise_message")


def test_assert_instead_of_value_error():
    def softmax(logits, axis=-1):
        assert not np.isnan(logits).any(), "NaN logits"
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "should raise ValueError", mistake="generic.wrong_exception")


def test_minus_inf_rejected_as_broken():
    def softmax(logits, axis=-1):
        if not np.all(np.isfinite(logits)):
            raise ValueError("NaN or inf logits")
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "masked class", "np.isnan", status="error",
                    mistake="softmax.rejects_minus_inf")


def test_isinf_check_rejects_minus_inf():
    def softmax(logits, axis=-1):
        if np.isnan(logits).any() or np.isinf(logits).any():
            raise ValueError("NaN logits")
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "masked class", status="error", mistake="softmax.rejects_minus_inf")


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

    def float64_inside(logits, axis=-1):
        if np.isnan(logits).any():
            raise ValueError("the logits contain NaN")
        x = logits.astype(np.float64)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return (e / e.sum(axis=axis, keepdims=True)).astype(logits.dtype)

    def on_a_copy_in_place(logits, axis=-1):
        if np.isnan(np.sum(logits)):
            raise ValueError("NaN found in logits")
        x = logits.copy()
        x -= x.max(axis=axis, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=axis, keepdims=True)
        return x

    def along_axis(logits, axis=-1):
        if np.any(logits != logits):
            raise ValueError("NaN")

        def one(row):
            e = np.exp(row - row.max())
            return e / e.sum()
        return np.apply_along_axis(one, axis, logits)

    def power_of_e(logits, axis=-1):
        if np.isnan(logits).any():
            raise ValueError("NaN logits: the model is broken")
        e = np.power(np.e, logits - np.amax(logits, axis=axis, keepdims=True))
        return np.divide(e, np.sum(e, axis=axis, keepdims=True))

    for answer in (via_logsumexp, moveaxis_2d, float64_inside, on_a_copy_in_place, along_axis, power_of_e):
        assert_accepted("softmax", answer)


# --------------------------------------------------------------------------- #
# looks_like_probabilities: the type of the answer
# --------------------------------------------------------------------------- #
def test_per_row_answer():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return np.isclose(output.sum(axis=axis), 1, atol=atol) & (output >= 0).all(axis=axis)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "one bool",
                    mistake="looks_like_probabilities.one_per_row")


def test_list_of_bools_per_row():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return [bool(abs(row.sum() - 1) <= atol and row.min() >= -atol) for row in np.atleast_2d(output)]
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "not one per row",
                    mistake="looks_like_probabilities.one_per_row")


def test_numpy_bool_instead_of_python_bool():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        return np.all(np.isfinite(x)) & np.all(x >= -atol) & np.all(x <= 1 + atol) \
            & np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "np.bool_", "bool(...)",
                    mistake="looks_like_probabilities.numpy_bool")


def test_zero_d_array_instead_of_python_bool():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        ok = np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
        return np.asarray(ok and np.all(np.abs(x.sum(axis=axis) - 1) <= atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "bool(...)",
                    mistake="looks_like_probabilities.numpy_bool")


def test_if_on_an_array_of_sums():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        if output.min() < -atol or output.max() > 1 + atol:
            return False
        if abs(output.sum(axis=axis) - 1) <= atol:
            return True
        return False
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "ambiguous", "np.all", status="error",
                    mistake="looks_like_probabilities.truth_value_of_array")


def test_returning_one_and_zero():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        return int(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                   and np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "Python bool",
                    mistake="generic.wrong_type")


# --------------------------------------------------------------------------- #
# looks_like_probabilities: the tests it makes
# --------------------------------------------------------------------------- #
def test_range_only():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool(output.min() >= -atol and output.max() <= 1 + atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "sigmoid", "do not sum to 1",
                    mistake="looks_like_probabilities.range_only")


def test_sum_only():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool(np.all(np.abs(output.sum(axis=axis) - 1) <= atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "[0, 1]",
                    mistake="looks_like_probabilities.sum_only")


def test_whole_array_sum():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool((output >= -atol).all() and (output <= 1 + atol).all() and abs(output.sum() - 1) <= atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "sum along the axis",
                    mistake="looks_like_probabilities.whole_array_sum")


def test_sum_along_axis_0_is_named_as_the_wrong_axis():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.allclose(x.sum(axis=0), 1, rtol=0, atol=atol))
    result = assert_rejected("looks_like_probabilities", looks_like_probabilities, "axis 0",
                             mistake="looks_like_probabilities.sum_axis_0")
    assert "whole array" not in result.message


def test_axis_ignored():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.allclose(x.sum(axis=-1), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "ignores axis",
                    mistake="looks_like_probabilities.ignores_axis")


def test_hard_coded_axis_1():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.all(np.abs(x.sum(axis=1) - 1) <= atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "fixed axis", status="error",
                    mistake="looks_like_probabilities.fixed_axis")


def test_any_row_instead_of_all_rows():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.isclose(x.sum(axis=axis), 1, rtol=0, atol=atol).any())
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "np.any",
                    mistake="looks_like_probabilities.any_row")


def test_mean_of_the_row_sums():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and abs(np.mean(x.sum(axis=axis)) - 1) <= atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "mean", "every row",
                    mistake="looks_like_probabilities.mean_of_sums")


def test_nan_skipped_by_nan_functions():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool(np.nanmin(output) >= -atol and np.nanmax(output) <= 1 + atol
                    and np.allclose(np.nansum(output, axis=axis), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "NaN is not a probability",
                    mistake="looks_like_probabilities.nan_ignored")


# --------------------------------------------------------------------------- #
# looks_like_probabilities: atol and the edges
# --------------------------------------------------------------------------- #
def test_exact_sum():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool((output >= 0).all() and (output <= 1).all() and (output.sum(axis=axis) == 1).all())
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "exactly",
                    mistake="looks_like_probabilities.exact_sum")


def test_exact_sum_with_the_range_tolerance():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol and np.all(x.sum(axis=axis) == 1))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "exactly",
                    mistake="looks_like_probabilities.exact_sum")


def test_sum_compared_with_default_allclose():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.allclose(x.sum(axis=axis), 1))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "ignores atol",
                    mistake="looks_like_probabilities.sum_ignores_atol")


def test_sum_with_a_hard_coded_tolerance():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.all(np.abs(x.sum(axis=axis) - 1) < 1e-3))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "ignores atol",
                    mistake="looks_like_probabilities.sum_ignores_atol")


def test_range_without_atol():
    """Accepted before issue 15: every case's values lay inside [0, 1]."""
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and (x >= 0).all() and (x <= 1).all()
                    and np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "range test ignores atol",
                    mistake="looks_like_probabilities.range_without_atol")


def test_range_with_a_hard_coded_tolerance():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -1e-3 and x.max() <= 1 + 1e-3
                    and np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "range test ignores atol",
                    mistake="looks_like_probabilities.range_without_atol")


def test_allclose_with_its_default_rtol():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.allclose(x.sum(axis=axis), 1.0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "rtol=0",
                    mistake="looks_like_probabilities.allclose_rtol")


def test_isclose_with_its_default_rtol():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        ok = np.isfinite(output).all() and (output >= -atol).all() and (output <= 1 + atol).all()
        return bool(ok and np.isclose(output.sum(axis=axis), 1, atol=atol).all())
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "rtol=0",
                    mistake="looks_like_probabilities.allclose_rtol")


def test_strict_sum_edge():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.max(np.abs(x.sum(axis=axis) - 1)) < atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "<=, not <",
                    mistake="looks_like_probabilities.strict_sum_edge")


def test_strict_range_edge():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and (x > -atol).all() and (x < 1 + atol).all()
                    and np.allclose(x.sum(axis=axis), 1, rtol=0, atol=atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, ">= and <=",
                    mistake="looks_like_probabilities.strict_range_edge")


def test_one_sided_sum_test():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.all(x.sum(axis=axis) - 1 <= atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "one-sided",
                    mistake="looks_like_probabilities.one_sided_sum")


def test_one_sided_sum_test_the_other_way():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, float)
        return bool(np.isfinite(x).all() and x.min() >= -atol and x.max() <= 1 + atol
                    and np.all(1 - x.sum(axis=axis) <= atol))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "one-sided",
                    mistake="looks_like_probabilities.one_sided_sum")


@pytest.mark.parametrize("atol", [2.0 ** -2, 2.0 ** -5, 2.0 ** -7, 2.0 ** -10, 2.0 ** -13])
def test_reference_on_every_exact_edge(atol):
    """On the edge is in, 2**-20 beyond is out, for each edge and many atol (worked out by hand)."""
    from helpers.probabilities import looks_like_probabilities
    e = 2.0 ** -20
    on = [[-atol, 1 + atol], [0.5, 0.5 + atol], [0.5, 0.5 - atol]]
    beyond = [[-(atol + e), 1 + atol / 2 + e, atol / 2], [1 + atol + e, -atol / 2 - e, -atol / 2],
              [0.5, 0.5 + atol + e, 0.0], [0.5, 0.5 - atol - e, 0.0]]
    for dtype in (np.float32, np.float64):
        for row in on:
            assert looks_like_probabilities(np.array([row], dtype), atol=atol) is True, row
        for row in beyond:
            assert looks_like_probabilities(np.array([row], dtype), atol=atol) is False, row


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

    def isclose_rtol_0(output, axis=-1, atol=1e-3):
        finite = np.isfinite(output).all()
        in_range = ((output >= -atol) & (output <= 1 + atol)).all()
        sums = np.isclose(output.sum(axis=axis), 1.0, rtol=0.0, atol=atol).all()
        return bool(finite and in_range and sums)

    def early_returns(output, axis=-1, atol=1e-3):
        if not np.all(np.isfinite(output)):
            return False
        if np.any(np.abs(output - 0.5) > 0.5 + atol):
            return False
        return bool(np.all(np.abs(output.sum(axis=axis) - 1.0) <= atol))

    for answer in (explicit, one_expression, isclose_rtol_0, early_returns):
        assert_accepted("looks_like_probabilities", answer)



@pytest.mark.parametrize("name", ('softmax', 'looks_like_probabilities'))
def test_case_labels_are_unique(name):
    """A mistake's history (behaves_like) finds the failing case among the cases by its label."""
    from helpers.exercises.core import get_exercise
    labels = [case.label for case in get_exercise(name).cases()]
    assert len(labels) == len(set(labels))


def test_reference_answers_every_probability_case_as_worked_out_by_hand():
    """The expected answers, one per case in order, read off each case's own description."""
    from helpers.exercises.core import get_exercise
    exercise = get_exercise("looks_like_probabilities")
    T, F = True, False
    edges = [T, T, T, T, F, F, F, F]  # on each edge (in), then 2**-20 beyond each edge (out)
    by_hand = [T, T, T, F, F, F, F, F, T, T, T, T, T, T, T, T, T, F, F, F, T, T, F, F, T, F,
               *edges, *edges, *edges, T, F, F]
    cases = exercise.cases()
    assert len(cases) == len(by_hand)
    for case, want in zip(cases, by_hand):
        assert exercise.reference(*case.args, **case.kwargs) is want, case.label


def test_reference_softmax_on_the_edge_cases_against_math_exp():
    """Each row in float64 with math.exp after subtracting the row maximum by hand."""
    from helpers.exercises.core import get_exercise
    exercise = get_exercise("softmax")
    for case in exercise.cases():
        logits = case.args[0]
        if case.raises is not None or case.kwargs or logits.ndim != 2:
            continue
        got = exercise.reference(logits)
        for row, out in zip(logits.astype(np.float64), got):
            top = max(row)
            exps = [math.exp(v - top) for v in row]
            np.testing.assert_allclose(out, [e / sum(exps) for e in exps], rtol=1e-5, atol=1e-7, err_msg=case.label)


# --------------------------------------------------------------------------- #
# A learner corpus played against the checks (issue 15): what it found
# --------------------------------------------------------------------------- #
def test_subtracting_the_row_mean():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - logits.mean(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "subtracted the mean", mistake="softmax.subtract_mean")


@pytest.mark.parametrize("low, high", [(-88, 88), (None, 80), (-50, 50)])
def test_logits_clipped_against_overflow(low, high):
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(np.clip(logits, low, high))
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "np.clip", "subtract the row maximum", mistake="softmax.clipped_logits")


def test_clipping_after_the_shift_is_harmless():
    """exp(-80) is 1.8e-35: a masked class keeps a probability that is 0 within any tolerance."""
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(np.clip(logits - logits.max(axis=axis, keepdims=True), -80, 0))
        return e / e.sum(axis=axis, keepdims=True)
    assert_accepted("softmax", softmax)


def test_max_subtracted_in_the_numerator_only():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        return np.exp(logits - logits.max(axis=axis, keepdims=True)) / np.sum(np.exp(logits), axis=axis,
                                                                                keepdims=True)
    assert_rejected("softmax", softmax, "one side of the division", mistake="softmax.shifted_numerator_only")


def test_max_subtracted_in_the_denominator_only():
    def softmax(logits, axis=-1):
        _refuse_nan(logits)
        shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return np.exp(logits) / shifted.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "one side of the division", mistake="softmax.shifted_numerator_only")


@pytest.mark.parametrize("test", ["equality", "all", "nanmax"])
def test_nan_let_through(test):
    def softmax(logits, axis=-1):
        if test == "equality" and (logits == np.nan).any():
            raise ValueError("NaN logits")
        if test == "all" and np.isnan(logits).all():
            raise ValueError("NaN logits")
        e = np.exp(logits - np.nanmax(logits, axis=axis, keepdims=True))
        return e / (np.nansum(e, axis=axis, keepdims=True) if test == "nanmax" else e.sum(axis=axis, keepdims=True))
    assert_rejected("softmax", softmax, "lets NaN through", "np.isnan(logits).any()", mistake="softmax.nan_not_raised")


def test_float64_inside_and_naive_is_named_by_its_dtype_first():
    def softmax(logits, axis=-1):
        x = logits.astype(np.float64)
        _refuse_nan(x)
        e = np.exp(x)
        return e / e.sum(axis=axis, keepdims=True)
    assert_rejected("softmax", softmax, "float64 for float32", mistake="softmax.float64_result")


def test_softmax_corpus_correct_variants():
    def nan_found_in_the_result(logits, axis=-1):
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        if np.isnan(out).any():
            raise ValueError("NaN in the output: the logits hold NaN")
        return out

    def masked_by_where(logits, axis=-1):
        x = np.array(logits, copy=True)
        _refuse_nan(x)
        x = x - x.max(axis=axis, keepdims=True)
        e = np.where(np.isneginf(x), 0, np.exp(x)).astype(x.dtype)
        return e / e.sum(axis=axis, keepdims=True)

    def out_parameter(logits, axis=-1):
        _refuse_nan(logits)
        shifted = logits - logits.max(axis=axis, keepdims=True)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=axis, keepdims=True)
        return shifted

    def expand_dims(logits, axis=-1):
        _refuse_nan(logits)
        e = np.exp(logits - np.expand_dims(np.amax(logits, axis=axis), axis))
        return e / np.expand_dims(e.sum(axis=axis), axis)

    def prints_a_lot(logits, axis=-1):
        print("logits", logits.shape, logits.dtype)
        for value in logits.ravel()[:50]:
            print(value)
        _refuse_nan(logits)
        e = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    for answer in (nan_found_in_the_result, masked_by_where, out_parameter, expand_dims, prints_a_lot):
        assert_accepted("softmax", answer)


def test_first_row_decides_by_a_return_in_the_loop():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        for row in np.atleast_2d(output):
            ok = np.isfinite(row).all() and row.min() >= -atol and row.max() <= 1 + atol
            return bool(ok and abs(row.sum() - 1) <= atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "first row alone",
                    mistake="looks_like_probabilities.first_row_only")


def test_first_row_tested_by_index():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        row = np.atleast_2d(output)[0].astype(np.float64)
        return bool(np.isfinite(row).all() and row.min() >= -atol and row.max() <= 1 + atol
                    and abs(row.sum() - 1) <= atol)
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "first row alone",
                    mistake="looks_like_probabilities.first_row_only")


def test_hard_coded_tolerance_everywhere():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        return bool(np.isfinite(x).all() and x.min() >= -1e-3 and x.max() <= 1 + 1e-3
                    and np.all(np.abs(x.sum(axis=axis) - 1) <= 1e-3))
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "a fixed number",
                    mistake="looks_like_probabilities.sum_ignores_atol")


def test_nothing_negative_heuristic():
    def looks_like_probabilities(output, axis=-1, atol=1e-3):
        return bool((np.asarray(output) >= 0).all())
    assert_rejected("looks_like_probabilities", looks_like_probabilities, "do not sum to 1",
                    mistake="looks_like_probabilities.range_only")


def test_looks_like_probabilities_corpus_correct_variants():
    def float32_arithmetic(output, axis=-1, atol=1e-3):
        if not np.isfinite(output).all():
            return False
        return bool(output.min() >= -atol and output.max() <= 1 + atol
                    and np.all(np.abs(output.sum(axis=axis) - 1) <= atol))

    def range_test_rejects_non_finite(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        return bool(np.all((x >= -atol) & (x <= 1 + atol))) and bool(np.all(np.abs(x.sum(axis=axis) - 1) <= atol))

    def largest_deviation(output, axis=-1, atol=1e-3):
        x = np.asarray(output, dtype=np.float64)
        if not all([np.isfinite(x).all(), (x >= -atol).all(), (x <= 1 + atol).all()]):
            return False
        return bool(np.max(np.abs(np.sum(x, axis=axis) - 1.0)) <= atol)

    for answer in (float32_arithmetic, range_test_rejects_non_finite, largest_deviation):
        assert_accepted("looks_like_probabilities", answer)
