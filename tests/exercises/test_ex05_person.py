"""The check of probability_to_mask (kata 05) rejects what learners really write."""
import cv2
import numpy as np

from .conftest import assert_accepted, assert_rejected

NAME = "probability_to_mask"


def _validated(prob):
    prob = np.asarray(prob, dtype=np.float32)
    if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
        raise ValueError("prob must be probabilities in [0, 1]")
    return prob


def test_threshold_before_resizing_nearest():
    def probability_to_mask(prob, size, threshold=0.5):
        mask = (_validated(prob) > threshold).astype(np.uint8)
        return cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST) > 0
    assert_rejected(NAME, probability_to_mask, "thresholded before resizing")


def test_threshold_before_resizing_bilinear_on_the_mask():
    def probability_to_mask(prob, size, threshold=0.5):
        mask = (_validated(prob) > threshold).astype(np.uint8) * 255
        return cv2.resize(mask, size) > 127
    assert_rejected(NAME, probability_to_mask, "thresholded before resizing")


def test_nearest_neighbour_resize_of_the_soft_map():
    def probability_to_mask(prob, size, threshold=0.5):
        soft = cv2.resize(_validated(prob), size, interpolation=cv2.INTER_NEAREST)
        return soft > threshold
    assert_rejected(NAME, probability_to_mask, "nearest-neighbour")


def test_nearest_neighbour_by_indexing():
    def probability_to_mask(prob, size, threshold=0.5):
        prob = _validated(prob)
        width, height = size
        rows = (np.arange(height) * prob.shape[0] / height).astype(int)
        cols = (np.arange(width) * prob.shape[1] / width).astype(int)
        return prob[rows][:, cols] > threshold
    assert_rejected(NAME, probability_to_mask, "nearest-neighbour")


def test_size_read_as_height_width():
    def probability_to_mask(prob, size, threshold=0.5):
        height, width = size
        return cv2.resize(_validated(prob), (width, height)) > threshold
    assert_rejected(NAME, probability_to_mask, "(width, height)")


def test_cubic_interpolation():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_CUBIC) > threshold
    assert_rejected(NAME, probability_to_mask, "bilinear")


def test_threshold_argument_ignored():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(_validated(prob), size) > 0.5
    assert_rejected(NAME, probability_to_mask, "threshold argument")


def test_uint8_mask():
    def probability_to_mask(prob, size, threshold=0.5):
        return (cv2.resize(_validated(prob), size) > threshold).astype(np.uint8) * 255
    assert_rejected(NAME, probability_to_mask, "bool")


def test_no_validation():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(np.asarray(prob, np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "ValueError")


def test_only_nan_is_refused():
    def probability_to_mask(prob, size, threshold=0.5):
        if np.isnan(prob).any():
            raise ValueError("NaN in prob")
        return cv2.resize(np.asarray(prob, np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "ValueError")


def test_correct_variants_are_accepted():
    def in_float64_with_ge(prob, size, threshold=0.5):
        prob = np.asarray(prob, dtype=np.float64)
        if not np.all((prob >= 0) & (prob <= 1)):  # also False for NaN
            raise ValueError(f"probabilities must lie in [0, 1], got {np.nanmin(prob)}..{np.nanmax(prob)}")
        resized = cv2.resize(prob, (size[0], size[1]), interpolation=cv2.INTER_LINEAR)
        return resized >= threshold

    def keyword_dsize(prob, size, threshold=0.5):
        prob = np.asarray(prob)
        if np.isnan(prob).any() or (prob < 0).any() or (prob > 1).any():
            raise ValueError("not a probability map")
        width, height = size
        soft = cv2.resize(prob.astype(np.float32), dsize=(width, height))
        return np.greater(soft, threshold)

    assert_accepted(NAME, in_float64_with_ge)
    assert_accepted(NAME, keyword_dsize)
