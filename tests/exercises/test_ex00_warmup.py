"""The warm-up check rejects what learners really write, and accepts correct variants."""
import numpy as np

from .conftest import assert_accepted, assert_rejected

NAME = "to_unit_range"


def test_divide_gives_float64():
    assert_rejected(NAME, lambda image: image / 255, "float64")


def test_integer_division():
    assert_rejected(NAME, lambda image: image // 255, "integer division")


def test_divide_by_256():
    assert_rejected(NAME, lambda image: image.astype(np.float32) / 256, "256")


def test_forgot_to_scale():
    assert_rejected(NAME, lambda image: image.astype(np.float32), "0-255")


def test_in_place_on_a_float_view_changes_the_input():
    def to_unit_range(image):
        out = image.view()  # a view, so writing to it writes to the caller's image
        out[...] = 0
        return image.astype(np.float32) / 255
    assert_rejected(NAME, to_unit_range, "in place")


def test_correct_variants_are_accepted():
    assert_accepted(NAME, lambda image: (image / np.float32(255)).astype(np.float32))
    assert_accepted(NAME, lambda image: np.divide(image, 255, dtype=np.float32))
    assert_accepted(NAME, lambda image: image.astype("float32") * np.float32(1 / 255))
