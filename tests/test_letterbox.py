"""Letterboxing against the forward transform worked by hand, and the round trip."""
import cv2
import numpy as np
import pytest

from helpers.letterbox import letterbox, unletterbox_boxes


def test_letterbox_landscape_hand_worked():
    image = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    padded, gain, pad = letterbox(image)
    assert padded.shape == (640, 640, 3) and padded.dtype == np.uint8
    assert gain == 0.5 and pad == (0, 140)
    assert (padded[:140] == 114).all() and (padded[500:] == 114).all()
    assert np.array_equal(padded[140:500], cv2.resize(image, (640, 360), interpolation=cv2.INTER_LINEAR))


def test_letterbox_odd_padding_goes_right_and_colour_is_used():
    image = np.zeros((30, 41, 3), np.uint8)
    padded, gain, (pad_x, pad_y) = letterbox(image, (64, 64), color=(0, 0, 255))
    assert (pad_x, pad_y) == (0, 8) and isinstance(pad_x, int)
    assert gain == pytest.approx(64 / 41)
    assert (padded[:8] == (0, 0, 255)).all() and (padded[8 + 47:] == (0, 0, 255)).all()
    assert (padded[8:8 + 47] == 0).all()


@pytest.mark.parametrize("size", [(333, 500), (1920, 1080), (640, 480), (97, 31), (288, 192)])
def test_round_trip_within_half_a_network_pixel(size):
    width, height = size
    rng = np.random.default_rng(width)
    xy = rng.uniform(0, 1, (20, 4)) * [width, height, width, height]
    boxes = np.hstack([np.minimum(xy[:, :2], xy[:, 2:]), np.maximum(xy[:, :2], xy[:, 2:])])
    padded, gain, (pad_x, pad_y) = letterbox(np.zeros((height, width, 3), np.uint8))
    # where the content really lies in the padded image: the resize used round(w * gain)
    scale_x, scale_y = round(width * gain) / width, round(height * gain) / height
    forward = boxes * [scale_x, scale_y, scale_x, scale_y] + [pad_x, pad_y, pad_x, pad_y]
    back = unletterbox_boxes(forward, gain, (pad_x, pad_y), (width, height))
    # the resized size is rounded to whole pixels: within half a network pixel
    assert back.dtype == np.float32 and np.abs(back - boxes).max() * gain <= 0.5
    # with the transform letterbox states (x * gain + pad), the round trip is exact
    exact = boxes * gain + [pad_x, pad_y, pad_x, pad_y]
    assert np.abs(unletterbox_boxes(exact, gain, (pad_x, pad_y), (width, height)) - boxes).max() < 1e-3


def test_unletterbox_hand_worked_and_clipped():
    boxes = np.float32([[10, 90, 110, 190], [-50, 70, 700, 620]])
    out = unletterbox_boxes(boxes, 0.5, (0, 80), (1280, 960))
    assert out.tolist() == [[20, 20, 220, 220], [0, 0, 1280, 960]]
    assert unletterbox_boxes(np.zeros((0, 4)), 0.5, (0, 80), (10, 10)).shape == (0, 4)


def test_unletterbox_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        unletterbox_boxes(np.zeros((3, 5)), 1.0, (0, 0), (10, 10))


def test_unletterbox_nan_names_the_row():
    boxes = np.zeros((3, 4), np.float32)
    boxes[2, 3] = np.nan
    with pytest.raises(ValueError, match="row 2"):
        unletterbox_boxes(boxes, 1.0, (0, 0), (10, 10))
