"""softmax and looks_like_probabilities against hand-worked values and the published formula."""
import math
import warnings

import numpy as np
import pytest

from helpers.probabilities import looks_like_probabilities, softmax


def test_hand_worked_values():
    # exp(1), exp(2), exp(3) over their sum: the textbook example.
    total = math.exp(1) + math.exp(2) + math.exp(3)
    expected = [math.exp(1) / total, math.exp(2) / total, math.exp(3) / total]
    np.testing.assert_allclose(softmax(np.array([1.0, 2.0, 3.0])), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [0.09003057, 0.24472847, 0.66524096], atol=1e-8)


def test_equal_logits_give_a_uniform_distribution():
    np.testing.assert_allclose(softmax(np.zeros((2, 4), np.float32)), 0.25)


def test_huge_values_do_not_overflow_or_warn():
    logits = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            probs = softmax(logits)
    np.testing.assert_allclose(probs[0], softmax(np.array([1.0, 2.0, 0.0]))[...], rtol=1e-6)
    np.testing.assert_allclose(probs[1], softmax(np.array([1.0, 0.0, 2.0])), rtol=1e-6)


def test_shift_invariance_any_shape_and_axis():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for axis in (0, 1, 2, -1):
        p = softmax(x, axis=axis)
        np.testing.assert_allclose(p.sum(axis=axis), 1.0)
        np.testing.assert_allclose(softmax(x + 50.0, axis=axis), p, rtol=1e-10)


def test_dtype_rule_and_no_in_place_change():
    x32 = np.array([[1.0, 2.0]], np.float32)
    before = x32.copy()
    assert softmax(x32).dtype == np.float32 and np.array_equal(x32, before)
    assert softmax(x32.astype(np.float64)).dtype == np.float64
    assert softmax([1, 2, 3]).dtype == np.float64  # integers and lists become float64


def test_masked_minus_inf_is_allowed_nan_and_plus_inf_are_errors():
    np.testing.assert_allclose(softmax(np.array([0.0, -np.inf, 0.0])), [0.5, 0.0, 0.5])
    for bad in (np.array([1.0, np.nan]), np.array([1.0, np.inf])):
        with pytest.raises(ValueError, match="NaN"):
            softmax(bad)


def test_looks_like_probabilities():
    logits = np.random.default_rng(1).standard_normal((3, 10)).astype(np.float32) * 4
    probs = softmax(logits)
    assert looks_like_probabilities(probs) is True
    assert looks_like_probabilities(logits) is False
    assert looks_like_probabilities(1 / (1 + np.exp(-logits))) is False  # sigmoid: rows do not sum to 1
    assert looks_like_probabilities(np.array([1.5, -0.25, -0.25])) is False  # sums to 1, out of range
    assert looks_like_probabilities(probs.T, axis=0) is True
    assert looks_like_probabilities(np.round(probs, 4)) is True
    assert looks_like_probabilities(probs * 0.97) is False
    assert looks_like_probabilities(probs * 0.97, atol=0.05) is True
    assert looks_like_probabilities(np.array([np.nan, 1.0])) is False
    with pytest.raises(ValueError, match="empty"):
        looks_like_probabilities(np.zeros((0, 3)))


def test_double_softmax_flattens_but_still_looks_like_probabilities():
    """Why the check runs BEFORE softmax: once applied twice the damage is invisible to it."""
    probs = softmax(np.array([8.0, 2.0, 1.0, 0.0]))
    twice = softmax(probs)
    assert probs.max() > 0.99 and twice.max() < 0.5
    assert looks_like_probabilities(probs) and looks_like_probabilities(twice)
