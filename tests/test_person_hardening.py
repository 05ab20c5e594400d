"""Issue 18: person helpers refuse the segmenter's raw output, bad thresholds and unbounded blurs."""
import cv2
import numpy as np
import pytest

from helpers.person import MAX_BLUR_SIGMA, blur_background, probability_to_mask, replace_background


@pytest.mark.parametrize("shape, fix", [((1, 256, 256), r"prob\[0\]"), ((1, 1, 256, 256), r"output\[0, 0\]"),
                                        ((2, 16, 16), "one"), ((16,), "one")])
def test_the_raw_segmenter_output_is_refused_not_read_as_a_stack(shape, fix):
    # before: (1, 256, 256) at size (100, 80) gave an (80, 100, 256) "mask"
    with pytest.raises(ValueError, match=rf"\(h, w\).*{fix}"):
        probability_to_mask(np.full(shape, 0.7, np.float32), (100, 80))


def test_taking_the_map_out_gives_the_mask():
    output = np.full((1, 1, 16, 16), 0.7, np.float32)
    mask = probability_to_mask(output[0, 0], (100, 80))
    assert mask.shape == (80, 100) and mask.all()


@pytest.mark.parametrize("threshold, error", [(float("nan"), ValueError), (50, ValueError), (-0.1, ValueError),
                                              ("high", TypeError)])
def test_a_threshold_outside_0_1_is_refused(threshold, error):
    with pytest.raises(error, match="threshold"):
        probability_to_mask(np.full((4, 4), 0.7), (4, 4), threshold=threshold)


@pytest.mark.parametrize("size", [(0, 4), (4, 2.5), (200_000, 200_000), 7])
def test_bad_sizes_are_refused_before_resizing(size):
    with pytest.raises(ValueError, match="size"):
        probability_to_mask(np.full((4, 4), 0.7), size)


def test_empty_and_non_numeric_maps_are_refused():
    with pytest.raises(ValueError, match="empty"):
        probability_to_mask(np.zeros((0, 4)), (4, 4))
    with pytest.raises(TypeError, match="dtype"):
        probability_to_mask(np.full((2, 2), "x"), (4, 4))


@pytest.mark.parametrize("strength", [0, -0.05, 100, 1.01, float("nan"), float("inf")])
def test_blur_strength_outside_0_1_is_refused_naming_it(strength):
    # before: 0 was a raw OpenCV assertion, 100 ran for more than 11 minutes in C
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match=rf"more than 0 and at most 1.*got {strength}"):
        blur_background(image, np.zeros((8, 8), np.float32), strength=strength)


@pytest.mark.parametrize("strength", ["strong", True, None])
def test_blur_strength_must_be_a_number(strength):
    with pytest.raises(TypeError, match="strength"):
        blur_background(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.float32), strength=strength)


def test_a_small_blur_is_opencvs_gaussian_blur_exactly():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    out = blur_background(image, np.zeros((60, 80), np.float32), strength=0.1)  # sigma 8 <= MAX_BLUR_SIGMA
    assert np.array_equal(out, cv2.GaussianBlur(image, (0, 0), 8.0))


def test_the_widest_blur_is_bounded_and_close_to_a_full_gaussian():
    """strength=0.75 on a 160-pixel image is a sigma of 120: done on a shrunk copy, the kernel stays small."""
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    image = cv2.resize(small, (160, 120), interpolation=cv2.INTER_CUBIC)
    sigma = 0.75 * 160
    assert sigma > MAX_BLUR_SIGMA
    out = blur_background(image, np.zeros((120, 160), np.float32), strength=0.75)
    full = cv2.GaussianBlur(image, (0, 0), sigma)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - full).mean() < 3


def test_blur_keeps_the_person_pixels():
    image = np.random.default_rng(2).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    prob = np.zeros((50, 70), np.float32)
    prob[10:30, 20:40] = 1
    out = blur_background(image, prob, strength=0.5)
    assert np.array_equal(out[10:30, 20:40], image[10:30, 20:40])


def test_an_empty_image_is_refused():
    with pytest.raises(ValueError, match="no pixels"):
        blur_background(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.float32))


def test_replace_background_refuses_a_nan_alpha():
    prob = np.full((2, 2), 0.5, np.float32)
    prob[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN: True"):
        replace_background(np.zeros((2, 2, 3), np.uint8), prob, (0, 0, 0))
