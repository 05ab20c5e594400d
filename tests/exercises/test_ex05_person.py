"""The check of probability_to_mask (kata 05) rejects what learners really write, names the mistake,
and accepts correct variants (float64, other spellings of the same resize and comparison)."""
import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import check

from .conftest import assert_accepted, assert_rejected

NAME = "probability_to_mask"


def _validated(prob):
    prob = np.asarray(prob, dtype=np.float32)
    if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
        raise ValueError("prob must be probabilities in [0, 1]")
    return prob


def _params(answers):
    return [pytest.param(fn, mistake, phrases, id=fn.__name__) for fn, mistake, *phrases in answers]


def threshold_before_resizing_nearest(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.uint8)
    return cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST) > 0


def threshold_before_resizing_0_255(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.uint8) * 255
    return cv2.resize(mask, size) > 127


def threshold_before_resizing_0_1_as_bool(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.uint8)
    return cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR).astype(bool)


def threshold_before_resizing_float(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.float32)
    return cv2.resize(mask, size) >= 0.5


def threshold_before_resizing_cubic(prob, size, threshold=0.5):
    mask = np.where(_validated(prob) > threshold, 1.0, 0.0).astype(np.float32)
    return cv2.resize(mask, size, interpolation=cv2.INTER_CUBIC) > threshold


def nearest_neighbour_resize_of_the_soft_map(prob, size, threshold=0.5):
    soft = cv2.resize(_validated(prob), size, interpolation=cv2.INTER_NEAREST)
    return soft > threshold


def nearest_neighbour_by_indexing(prob, size, threshold=0.5):
    prob = _validated(prob)
    width, height = size
    rows = (np.arange(height) * prob.shape[0] / height).astype(int)
    cols = (np.arange(width) * prob.shape[1] / width).astype(int)
    return prob[rows][:, cols] > threshold


def size_read_as_height_width(prob, size, threshold=0.5):
    height, width = size
    return cv2.resize(_validated(prob), (width, height)) > threshold


def cubic_interpolation(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_CUBIC) > threshold


def area_interpolation(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_AREA) > threshold


def threshold_argument_ignored(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size) > 0.5


def uint8_mask(prob, size, threshold=0.5):
    return (cv2.resize(_validated(prob), size) > threshold).astype(np.uint8) * 255


def zero_one_float_mask(prob, size, threshold=0.5):
    return np.where(cv2.resize(_validated(prob), size) > threshold, 1.0, 0.0)


def soft_map_returned(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size)


def greater_or_equal(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_LINEAR) >= threshold


def greater_or_equal_in_float64(prob, size, threshold=0.5):
    prob = np.asarray(prob, dtype=np.float64)
    if not np.all((prob >= 0) & (prob <= 1)):
        raise ValueError(f"probabilities must lie in [0, 1], got {np.nanmin(prob)}..{np.nanmax(prob)}")
    return np.greater_equal(cv2.resize(prob, (size[0], size[1])), threshold)


def not_below_threshold(prob, size, threshold=0.5):
    return ~(cv2.resize(_validated(prob), size) < threshold)


def inverted(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size) < threshold


def inverted_with_not(prob, size, threshold=0.5):
    return np.logical_not(cv2.resize(_validated(prob), size) > threshold)


def sigmoid_applied_again(prob, size, threshold=0.5):
    prob = _validated(prob)
    return cv2.resize(1 / (1 + np.exp(-prob)), size) > threshold


def quantised_to_uint8(prob, size, threshold=0.5):
    levels = np.round(_validated(prob) * 255).astype(np.uint8)
    return cv2.resize(levels, size) > threshold * 255


WRONG = [
    (threshold_before_resizing_nearest, "probability_to_mask.nearest", "before or after thresholding"),
    (threshold_before_resizing_0_255, "probability_to_mask.threshold_first", "thresholded before resizing"),
    (threshold_before_resizing_0_1_as_bool, "probability_to_mask.threshold_first", "thresholded before resizing"),
    (threshold_before_resizing_float, "probability_to_mask.threshold_first", "thresholded before resizing"),
    (threshold_before_resizing_cubic, "probability_to_mask.threshold_first", "thresholded before resizing"),
    (nearest_neighbour_resize_of_the_soft_map, "probability_to_mask.nearest", "nearest-neighbour"),
    (nearest_neighbour_by_indexing, "probability_to_mask.nearest", "nearest-neighbour"),
    (size_read_as_height_width, "probability_to_mask.size_swapped", "(width, height)"),
    (cubic_interpolation, "probability_to_mask.not_bilinear", "bilinear"),
    (area_interpolation, "probability_to_mask.nearest", "INTER_AREA, which enlarges the same way"),
    (threshold_argument_ignored, "probability_to_mask.fixed_threshold", "threshold argument"),
    (uint8_mask, "probability_to_mask.not_bool", "bool"),
    (zero_one_float_mask, "probability_to_mask.not_bool", "bool"),
    (soft_map_returned, "probability_to_mask.not_bool", "probabilities themselves"),
    (greater_or_equal, "probability_to_mask.greater_equal", "exactly at the threshold", "strictly greater"),
    (greater_or_equal_in_float64, "probability_to_mask.greater_equal", "strictly greater"),
    (not_below_threshold, "probability_to_mask.greater_equal", "strictly greater"),
    (inverted, "probability_to_mask.inverted", "inverted"),
    (inverted_with_not, "probability_to_mask.inverted", "inverted"),
    (sigmoid_applied_again, "probability_to_mask.sigmoid_again", "sigmoid"),
    (quantised_to_uint8, "probability_to_mask.quantised", "uint8"),
]


@pytest.mark.parametrize("fn, mistake, phrases", _params(WRONG))
def test_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected(NAME, fn, *phrases, mistake=mistake)


def test_greater_equal_fails_exactly_at_the_threshold():
    result = assert_rejected(NAME, greater_or_equal, mistake="probability_to_mask.greater_equal")
    assert "exactly at the default threshold 0.5" in result.message


@pytest.mark.parametrize("threshold", [0.25, 0.375, 0.5, 0.625, 0.75, 0.125])
def test_greater_equal_fails_at_every_threshold_tested(threshold):
    """Each threshold case alone rejects >=: a learner who is right everywhere else still fails."""
    from helpers.exercises.core import get_exercise
    from helpers.person import probability_to_mask

    cases = [c for c in get_exercise(NAME).cases() if c.rule == "strict"
             and c.kwargs.get("threshold", 0.5) == threshold]
    assert cases
    for case in cases:
        prob, size = case.args
        ge = cv2.resize(np.asarray(prob, np.float32), size) >= threshold
        assert not np.array_equal(ge, probability_to_mask(prob, size, threshold)), case.label


def test_resizing_a_bool_mask():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(_validated(prob) > threshold, size, interpolation=cv2.INTER_NEAREST)
    if cv2.__version__.startswith("4."):   # OpenCV 4 refuses a bool array outright
        assert_rejected(NAME, probability_to_mask, "bool arrays", status="error",
                        mistake="probability_to_mask.resize_bool")
    else:                                  # OpenCV 5 resizes it, nearest-neighbour: blocky steps
        assert_rejected(NAME, probability_to_mask, "blocky", mistake="probability_to_mask.nearest")


def test_resizing_a_bool_mask_bilinearly():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(_validated(prob) > threshold, size)
    assert_rejected(NAME, probability_to_mask, "bool arrays", status="error",
                    mistake="probability_to_mask.resize_bool")


@pytest.mark.parametrize("check_range", [
    lambda prob: prob.min() <= 0 or prob.max() >= 1,
    lambda prob: not np.all((prob > 0) & (prob < 1)),
    lambda prob: prob.max() >= 1.0 or prob.min() < 0,
])
def test_refusing_exactly_zero_or_one(check_range):
    def probability_to_mask(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if np.isnan(prob).any() or check_range(prob):
            raise ValueError(f"not probabilities: {prob.min()} to {prob.max()}")
        return cv2.resize(prob, size) > threshold
    assert_rejected(NAME, probability_to_mask, "0 and 1 are valid", status="error",
                    mistake="probability_to_mask.refuses_valid")


def test_no_validation():
    def probability_to_mask(prob, size, threshold=0.5):
        return cv2.resize(np.asarray(prob, np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "ValueError", mistake="generic.no_raise")


def test_only_nan_is_refused():
    def probability_to_mask(prob, size, threshold=0.5):
        if np.isnan(prob).any():
            raise ValueError("NaN in prob")
        return cv2.resize(np.asarray(prob, np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "ValueError", mistake="generic.no_raise")


def test_only_the_range_is_refused():
    def probability_to_mask(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if prob.min() < 0 or prob.max() > 1:  # NaN compares False: it gets through
            raise ValueError("values outside [0, 1]")
        return cv2.resize(prob, size) > threshold
    result = assert_rejected(NAME, probability_to_mask, "instead of raising ValueError", "np.isnan",
                             mistake="probability_to_mask.nan_not_refused")
    assert "NaN" in result.message


def test_a_tolerance_lets_values_just_above_one_through():
    def probability_to_mask(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if np.isnan(prob).any() or prob.min() < -0.01 or prob.max() > 1.01:
            raise ValueError("values outside [0, 1]")
        return cv2.resize(prob, size) > threshold
    result = assert_rejected(NAME, probability_to_mask, mistake="generic.no_raise")
    assert "1.0001" in result.message


def test_clipping_instead_of_refusing():
    def probability_to_mask(prob, size, threshold=0.5):
        prob = np.clip(np.nan_to_num(np.asarray(prob, np.float32)), 0, 1)
        return cv2.resize(prob, size) > threshold
    assert_rejected(NAME, probability_to_mask, "instead of raising ValueError", "clipped",
                    mistake="probability_to_mask.clipped")


def test_clipping_in_place():
    def probability_to_mask(prob, size, threshold=0.5):
        np.clip(prob, 0, 1, out=prob)
        return cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) > threshold
    assert_rejected(NAME, probability_to_mask, "clipped", mistake="probability_to_mask.clipped")


def test_nan_through_any_comparisons():
    def probability_to_mask(prob, size, threshold=0.5):
        if (prob < 0).any() or (prob > 1).any():
            raise ValueError("values outside [0, 1]: logits?")
        return cv2.resize(prob.astype(np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "every comparison with NaN is False",
                    mistake="probability_to_mask.nan_not_refused")


@pytest.mark.parametrize("nan", [0.0, 1.0])
def test_nan_replaced_before_the_range_check(nan):
    def probability_to_mask(prob, size, threshold=0.5):
        prob = np.nan_to_num(np.asarray(prob, np.float32), nan=nan)
        if prob.min() < 0 or prob.max() > 1:
            raise ValueError("values outside [0, 1]")
        return cv2.resize(prob, size) > threshold
    assert_rejected(NAME, probability_to_mask, "instead of raising ValueError", "nan_to_num",
                    mistake="probability_to_mask.nan_replaced")


def test_only_values_above_one_are_refused():
    def probability_to_mask(prob, size, threshold=0.5):
        if np.isnan(prob).any() or prob.max() > 1:
            raise ValueError("NaN or values above 1: logits, not probabilities")
        return cv2.resize(prob.astype(np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "below 0", "prob.min() < 0",
                    mistake="probability_to_mask.negative_not_refused")


def test_assert_instead_of_value_error():
    def probability_to_mask(prob, size, threshold=0.5):
        assert not np.isnan(prob).any() and 0 <= prob.min() and prob.max() <= 1, "not probabilities"
        return cv2.resize(np.asarray(prob, np.float32), size) > threshold
    assert_rejected(NAME, probability_to_mask, "AssertionError", "should raise ValueError",
                    mistake="generic.wrong_exception")


def test_mask_as_nested_lists():
    def probability_to_mask(prob, size, threshold=0.5):
        return (cv2.resize(_validated(prob), size) > threshold).tolist()
    assert_rejected(NAME, probability_to_mask, "NumPy array", mistake="generic.wrong_type")


def test_correct_variants_are_accepted():
    def in_float64(prob, size, threshold=0.5):
        prob = np.asarray(prob, dtype=np.float64)
        if not np.all((prob >= 0) & (prob <= 1)):  # also False for NaN
            raise ValueError(f"probabilities must lie in [0, 1], got {np.nanmin(prob)}..{np.nanmax(prob)}")
        resized = cv2.resize(prob, (size[0], size[1]), interpolation=cv2.INTER_LINEAR)
        return resized > threshold

    def keyword_dsize(prob, size, threshold=0.5):
        prob = np.asarray(prob)
        if np.isnan(prob).any() or (prob < 0).any() or (prob > 1).any():
            raise ValueError("not a probability map")
        width, height = size
        soft = cv2.resize(prob.astype(np.float32), dsize=(width, height))
        return np.greater(soft, threshold)

    def linear_exact_and_not_le(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if np.isnan(prob).any() or prob.min() < 0.0 or prob.max() > 1.0:
            raise ValueError(f"prob has values {prob.min()}..{prob.max()}; probabilities are in [0, 1]")
        return ~(cv2.resize(prob, size, interpolation=cv2.INTER_LINEAR_EXACT) <= threshold)

    def interpolation_passed_as_dst(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if not np.isfinite(prob).all() or not ((0 <= prob) & (prob <= 1)).all():
            raise ValueError("prob must be finite and in [0, 1]")
        return cv2.resize(prob, size, cv2.INTER_LINEAR) > threshold  # dst, ignored: bilinear anyway

    def with_pillow(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float32)
        if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
            raise ValueError("prob must hold probabilities in [0, 1]")
        return np.asarray(Image.fromarray(prob, mode="F").resize(size, Image.Resampling.BILINEAR)) > threshold

    def own_bilinear(prob, size, threshold=0.5):
        prob = np.asarray(prob, np.float64)
        if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
            raise ValueError("prob must hold probabilities in [0, 1]")

        def grid(n_out, n_in):  # pixel centres, as OpenCV places them
            x = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
            low = np.floor(x).astype(int)
            return low, np.minimum(low + 1, n_in - 1), x - low

        (y0, y1, fy), (x0, x1, fx) = grid(size[1], prob.shape[0]), grid(size[0], prob.shape[1])
        top = prob[y0][:, x0] * (1 - fx) + prob[y0][:, x1] * fx
        bottom = prob[y1][:, x0] * (1 - fx) + prob[y1][:, x1] * fx
        return top * (1 - fy)[:, None] + bottom * fy[:, None] > threshold

    for fn in (in_float64, keyword_dsize, linear_exact_and_not_le, interpolation_passed_as_dst, with_pillow,
               own_bilinear):
        assert_accepted(NAME, fn)


def test_every_named_mistake_has_a_test_here():
    from helpers.exercises.core import get_exercise

    tested = {m for _, m, *_ in WRONG} | {"probability_to_mask.resize_bool", "probability_to_mask.refuses_valid",
                                          "probability_to_mask.nan_not_refused", "probability_to_mask.clipped",
                                          "probability_to_mask.negative_not_refused",
                                          "probability_to_mask.nan_replaced"}
    ids = {m.id for m in get_exercise(NAME).mistakes}
    assert ids <= tested, f"no learner's answer in this file tests {sorted(ids - tested)}"


def test_the_reference_passes():
    from helpers.exercises.core import get_exercise

    assert check(NAME, get_exercise(NAME).reference).passed
