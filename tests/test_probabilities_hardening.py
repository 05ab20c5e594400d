"""Issue 18: softmax refuses what it cannot turn into probabilities, naming the value and the fix."""
import warnings

import numpy as np
import pytest

from helpers.probabilities import softmax


@pytest.mark.parametrize("logits", [[-np.inf, -np.inf], np.full((2, 3), -np.inf, np.float32)])
def test_softmax_of_all_masked_logits_raises_instead_of_nan(logits):
    # exp(-inf) / sum(exp(-inf)) is 0 / 0: every class is masked, no distribution exists.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"-inf.*masked"):
            softmax(logits)


def test_softmax_names_the_first_all_masked_row():
    logits = np.array([[1.0, -np.inf], [-np.inf, -np.inf], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"1 of the 3 rows along axis -1"):
        softmax(logits)


def test_softmax_all_masked_along_axis_0():
    logits = np.array([[-np.inf, 0.0], [-np.inf, 1.0]])
    with pytest.raises(ValueError, match="axis 0"):
        softmax(logits, axis=0)
    np.testing.assert_allclose(softmax(logits, axis=1), [[0, 1], [0, 1]])  # every row has a class


def test_softmax_keeps_partly_masked_rows():
    probs = softmax(np.array([[1, -np.inf, 2, 0, -np.inf], [-np.inf, 0, 0, 0, 5]], np.float32))
    assert probs.dtype == np.float32 and (probs[0, [1, 4]] == 0).all() and (probs[1, 0] == 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("logits, axis, message", [
    (np.zeros((3, 0)), -1, r"axis -1 of logits of shape \(3, 0\) has 0 classes"),
    (np.zeros((0, 3)), 0, r"axis 0 of logits of shape \(0, 3\) has 0 classes"),
    (np.float64(2.0), -1, "single number 2.0"),
    (np.zeros((2, 3)), 2, "axis 2"),  # NumPy's AxisError, a ValueError naming the axis
])
def test_softmax_shape_errors_name_the_shape(logits, axis, message):
    with pytest.raises(ValueError, match=message):
        softmax(logits, axis=axis)


@pytest.mark.parametrize("shape", [(0, 5), (0, 0), (2, 0, 3)])
def test_softmax_of_an_empty_batch_is_an_empty_batch(shape):
    probs = softmax(np.zeros(shape, np.float32))
    assert probs.shape == shape and probs.dtype == np.float32


@pytest.mark.parametrize("logits", [np.array([1 + 2j, 3j]), np.array(["1", "2"]), np.array([1, None], object)])
def test_softmax_refuses_non_real_dtypes(logits):
    with pytest.raises(TypeError, match=str(logits.dtype)):
        softmax(logits)
