"""The warm-up check rejects what learners really write, naming the mistake, and accepts correct variants."""
import cv2
import numpy as np
import pytest

from helpers import check

from .conftest import assert_accepted, assert_rejected

NAME = "to_unit_range"


# --------------------------------------------------------------------------- #
# Wrong answers, written the way learners write them
# --------------------------------------------------------------------------- #
def test_return_forgotten_is_not_called_integer_division():
    def to_unit_range(image):
        image.astype(np.float32) / 255
    assert_rejected(NAME, to_unit_range, "returned None", "return", mistake="generic.returned_none")


def test_printed_instead_of_returned():
    def to_unit_range(image):
        print(image.astype(np.float32) / 255)
    assert_rejected(NAME, to_unit_range, "returned None", mistake="generic.returned_none")


def test_divide_gives_float64():
    assert_rejected(NAME, lambda image: image / 255, "float64", "astype(np.float32)", mistake="to_unit_range.float64")


@pytest.mark.parametrize("fn", [
    lambda image: image / 255.0,
    lambda image: np.divide(image, 255),
    lambda image: image * (1 / 255),
    lambda image: image.astype(float) / 255,
    lambda image: np.array([[p / 255 for p in row] for row in image]),
], ids=["divide_float", "np_divide", "times_reciprocal", "astype_float", "loops"])
def test_float64_variants(fn):
    assert_rejected(NAME, fn, "float64", mistake="to_unit_range.float64")


@pytest.mark.parametrize("fn", [
    lambda image: image // 255,
    lambda image: (image / 255).astype(np.uint8),
    lambda image: image.astype(np.float32) // 255,
    lambda image: np.floor_divide(image, 255).astype(np.float32),
    lambda image: (image.astype(np.float32) / 255).astype(int),
], ids=["floor_div", "cast_back_uint8", "float_floor_div", "np_floor_divide", "cast_to_int"])
def test_integer_division_and_casts_back(fn):
    assert_rejected(NAME, fn, "floor division", "below 255", mistake="to_unit_range.floor_division")


def test_rounded_then_cast_to_an_integer_type():
    assert_rejected(NAME, lambda image: np.round(image / 255).astype(np.uint8), "integer dtype",
                    mistake="to_unit_range.integer_dtype")


@pytest.mark.parametrize("fn", [
    lambda image: image.astype(np.float32) / 256,
    lambda image: image / 256,  # float64 too: the value mistake is named first
    lambda image: np.float32(image) / np.float32(256.0),
], ids=["float32", "float64", "np_float32"])
def test_divide_by_256(fn):
    assert_rejected(NAME, fn, "256", "exactly 1.0", mistake="to_unit_range.divided_by_256")


@pytest.mark.parametrize("fn", [
    lambda image: image.astype(np.float32),
    lambda image: np.float32(image),
    lambda image: image.astype(np.float64),
], ids=["astype", "np_float32", "float64"])
def test_forgot_to_scale(fn):
    assert_rejected(NAME, fn, "still 0-255", mistake="to_unit_range.not_divided")


@pytest.mark.parametrize("k", [254, 100, 128, 65535])
def test_divided_by_another_number(k):
    assert_rejected(NAME, lambda image: image.astype(np.float32) / k, "another number than 255",
                    mistake="to_unit_range.divided_by_other_number")


def test_a_comparison_gives_bool():
    assert_rejected(NAME, lambda image: image > 127, "bool", mistake="to_unit_range.bool_result")


def test_multiplied_instead_of_divided():
    assert_rejected(NAME, lambda image: image.astype(np.float32) * 255, "multiplied",
                    mistake="to_unit_range.multiplied")


@pytest.mark.parametrize("fn", [
    lambda image: (image / image.max()).astype(np.float32),
    lambda image: image.astype(np.float32) / np.float32(image.max()),
    lambda image: cv2.normalize(image, None, 0, 1, cv2.NORM_MINMAX, cv2.CV_32F),
    lambda image: ((image - image.min()) / (image.max() - image.min())).astype(np.float32),
], ids=["by_max", "by_max_float32", "cv2_normalize_minmax", "min_max"])
def test_divided_by_the_image_own_range(fn):
    assert_rejected(NAME, fn, "own maximum", "255", mistake="to_unit_range.divided_by_own_max")


def test_inverted():
    assert_rejected(NAME, lambda image: 1 - image.astype(np.float32) / 255, "inverted",
                    mistake="to_unit_range.inverted")


def test_reversed_the_channels_as_if_for_a_network():
    def to_unit_range(image):
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 and image.shape[2] == 3 else image
        return rgb.astype(np.float32) / 255
    assert_rejected(NAME, to_unit_range, "reversed the channels", mistake="to_unit_range.channels_reversed")


@pytest.mark.parametrize("fn", [
    lambda image: (image.astype(np.float32) / 255).ravel(),
    lambda image: (image.astype(np.float32) / 255).transpose(2, 0, 1),
    lambda image: (image.astype(np.float32) / 255)[np.newaxis],
    lambda image: np.atleast_3d(image).astype(np.float32) / 255,
], ids=["flattened", "channels_first", "batch_axis", "grey_made_3d"])
def test_shape_changed(fn):
    assert_rejected(NAME, fn, "shape", mistake="to_unit_range.shape_changed")


def test_float16():
    assert_rejected(NAME, lambda image: image.astype(np.float16) / 255, "not float32",
                    mistake="to_unit_range.not_float32")


def test_in_place_division_of_the_uint8_input():
    def to_unit_range(image):
        image /= 255
        return image
    assert_rejected(NAME, to_unit_range, "/= 255", "new array", status="error",
                    mistake="to_unit_range.in_place_divide")


def test_in_place_on_a_view_changes_the_input():
    def to_unit_range(image):
        out = image.view()  # a view, so writing to it writes to the caller's image
        out[...] = 0
        return image.astype(np.float32) / 255
    assert_rejected(NAME, to_unit_range, "in place", mistake="generic.changed_input")


def test_a_list_is_the_wrong_type():
    assert_rejected(NAME, lambda image: (image.astype(np.float32) / 255).tolist(), "NumPy array",
                    mistake="generic.wrong_type")


def test_a_generator():
    assert_rejected(NAME, lambda image: (p / 255 for p in image), "generator", mistake="generic.generator")


def test_every_value_edge_catches_a_mistake_on_some_values_only():
    """Dividing by 255 only up to 254 (a lookup table off by one) fails on the every-value case."""
    table = np.arange(256, dtype=np.float32) / 255
    table[255] = 254 / 255
    result = check(NAME, lambda image: table[image])
    assert not result.passed and "0 to 255" in result.message
    assert result.mistake is None, "no known mistake gives these values: the generic message, not a guess"


# --------------------------------------------------------------------------- #
# Correct answers, written differently from the reference
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fn", [
    lambda image: image.astype(np.float32) / 255,
    lambda image: image.astype(np.float32) / 255.0,
    lambda image: (image / np.float32(255)).astype(np.float32),
    lambda image: (image / 255).astype(np.float32),
    lambda image: np.divide(image, 255, dtype=np.float32),
    lambda image: np.true_divide(image, 255.0, dtype=np.float32),
    lambda image: image.astype("float32") * np.float32(1 / 255),
    lambda image: np.float32(image) / 255,
    lambda image: np.asarray(image, dtype=np.float32) / np.float32(255.0),
    lambda image: cv2.divide(image.astype(np.float32), 255.0),
    lambda image: np.arange(256, dtype=np.float32)[image] / 255,
    lambda image: np.clip(image / 255, 0, 1).astype(np.float32),
], ids=["reference", "float_literal", "float32_scalar", "cast_after", "np_divide_dtype", "true_divide",
        "times_reciprocal", "np_float32", "asarray", "cv2_divide", "lookup_table", "clipped"])
def test_correct_variants_are_accepted(fn):
    assert_accepted(NAME, fn)


def test_a_copy_then_in_place_division_is_accepted():
    def to_unit_range(image):
        out = image.astype(np.float32)
        out /= 255
        return out
    assert_accepted(NAME, to_unit_range)


# --------------------------------------------------------------------------- #
# From a learner corpus written blind to the check
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fn", [
    lambda image: image.astype(np.float32) / 255 * 2 - 1,
    lambda image: image.astype(np.float32) / 127.5 - 1,
    lambda image: (image.astype(np.float32) / 255 - 0.5) / 0.5,
], ids=["times_two_minus_one", "over_127_5", "mean_std_half"])
def test_minus_one_to_one(fn):
    assert_rejected(NAME, fn, "-1 to 1", "divide by 255", mistake="to_unit_range.minus_one_to_one")


@pytest.mark.parametrize("fn", [
    lambda image: (image.astype(np.int8) / 255).astype(np.float32),
    lambda image: image.astype(np.int8).astype(np.float32) / 255,
], ids=["int8_then_divide", "int8_then_float32"])
def test_signed_int8_wraps(fn):
    assert_rejected(NAME, fn, "int8", "negative", mistake="to_unit_range.signed_wrap")


def test_grayscale_returned_unchanged():
    def to_unit_range(image):
        if image.ndim == 3:
            return image.astype(np.float32) / 255
        return image
    assert_rejected(NAME, to_unit_range, "still 0-255", mistake="to_unit_range.not_divided")


def test_rounded_to_two_decimals_gets_the_plain_comparison():
    """No known mistake rounds: the comparison says where the values differ, no guess."""
    result = assert_rejected(NAME, lambda image: np.round(image.astype(np.float32) / 255, 2), "differs")
    assert result.mistake is None


@pytest.mark.parametrize("fn", [
    lambda image: cv2.multiply(image.astype(np.float32), 1 / 255),
    lambda image: np.multiply(image, 1 / 255, dtype=np.float32),
], ids=["cv2_multiply", "np_multiply_dtype"])
def test_more_correct_variants(fn):
    assert_accepted(NAME, fn)


def test_printing_every_row_is_still_correct():
    def to_unit_range(image):
        for row in image:
            print(row)
        return image.astype(np.float32) / 255
    result = assert_accepted(NAME, to_unit_range)
    assert "printed" in result.message


def test_centred_on_zero():
    assert_rejected(NAME, lambda image: image.astype(np.float32) / 255 - 0.5, "-0.5 to 0.5",
                    mistake="to_unit_range.centred")


@pytest.mark.parametrize("order", [1, -1], ids=["rgb_order", "bgr_order"])
def test_imagenet_normalised_too(order):
    mean = np.array([0.485, 0.456, 0.406])[::order]
    std = np.array([0.229, 0.224, 0.225])[::order]

    def to_unit_range(image):
        x = image.astype(np.float32) / 255
        return ((x - mean) / std).astype(np.float32) if x.ndim == 3 and x.shape[2] == 3 else x
    assert_rejected(NAME, to_unit_range, "ImageNet", mistake="to_unit_range.imagenet_normalised")


def test_clipped_to_one_gets_the_plain_comparison():
    result = assert_rejected(NAME, lambda image: np.clip(image, 0, 1).astype(np.float32), "differs")
    assert result.mistake is None
