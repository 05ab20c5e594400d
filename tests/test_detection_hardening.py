"""Issue 18 for detection, faces, letterbox and drawing: no silent wrong result, an error naming the
value and the fix at the public function, sizes bounded before allocating."""
import warnings

import numpy as np
import pytest

from helpers.detection import decode_yolo, decode_yolov5, decode_yolov8, nms
from helpers.drawing import checked_colour, colours_per_class, draw_detections, draw_label
from helpers.faces import detect_faces, draw_faces, ssd_anchors, weighted_nms
from helpers.letterbox import letterbox, unletterbox_boxes

IMAGE = np.full((100, 120, 3), 90, np.uint8)
BOX = [[10, 10, 50, 50]]


# --------------------------------------------------------------------------- weighted_nms
def test_weighted_nms_zero_scores_average_with_equal_weights_not_nan():
    boxes, scores, _ = weighted_nms([[0, 0, 10, 10], [1, 1, 10, 10]], [0, 0])
    assert np.isfinite(boxes).all()
    assert boxes.tolist() == [[0.5, 0.5, 10, 10]] and scores.tolist() == [0]


def test_weighted_nms_zero_scores_with_keypoints():
    _, _, points = weighted_nms([[0, 0, 10, 10], [1, 1, 10, 10]], [0, 0], keypoints=[[[0, 0]], [[2, 4]]])
    assert points.tolist() == [[[1, 2]]]


@pytest.mark.parametrize("boxes, scores, keypoints, match", [
    ([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]], [0.9, 0.8], None, "3 boxes but 2 scores"),
    ([[0, 0, 10, 10]], [0.9, 0.8], None, "1 boxes but 2 scores"),
    ([[0, 0, 10, 10]], [np.nan], None, "score of box 0 is nan"),
    ([[0, 0, 10, 10]], [-0.5], None, "score of box 0 is -0.5"),
    ([[0, 0, np.nan, 10]], [0.5], None, "row 0 is not finite"),
    ([0, 0, 10, 10, 1, 1, 5, 5], [0.5, 0.4], None, r"shape \(N, 4\)"),
    ([[0, 0, 10, 10], [1, 1, 9, 9]], [0.5, 0.4], np.zeros((3, 6, 2)), r"N = 2 boxes, got \(3, 6, 2\)"),
])
def test_weighted_nms_refuses_what_it_would_get_wrong(boxes, scores, keypoints, match):
    with pytest.raises(ValueError, match=match):
        weighted_nms(boxes, scores, keypoints=keypoints)


def test_weighted_nms_threshold_nan():
    with pytest.raises(ValueError, match="iou_threshold .* got nan"):
        weighted_nms(BOX, [0.5], iou_threshold=float("nan"))


# --------------------------------------------------------------------------- nms
@pytest.mark.parametrize("threshold, match", [(float("nan"), "got nan. NaN compares False"),
                                              (45, "A percentage.*0.45"), (-0.1, "got -0.1"),
                                              ("0.5", "not str")])
def test_nms_threshold_must_be_a_fraction(threshold, match):
    boxes = [[0, 0, 10, 10], [1, 1, 10, 10]]
    with pytest.raises((ValueError, TypeError), match=match):
        nms(boxes, [0.9, 0.8], threshold)


def test_nms_threshold_edges_and_numpy_scalars_still_work():
    boxes = np.float32([[0, 0, 10, 10], [1, 1, 10, 10]])
    assert nms(boxes, [0.9, 0.8], 0).tolist() == [0]
    assert nms(boxes, [0.9, 0.8], 1).tolist() == [0, 1]
    assert nms(boxes, [0.9, 0.8], np.float32(0.5)).tolist() == [0]


@pytest.mark.parametrize("boxes, scores, match", [
    ([[0, 0, np.nan, 10], [1, 1, 10, 10]], [0.9, 0.8], "row 0 is not finite"),
    ([[0, 0, 10, 10], [1, 1, 10, 10]], [np.nan, 0.8], "score of box 0 is nan"),
])
def test_nms_refuses_nan(boxes, scores, match):
    with pytest.raises(ValueError, match=match):
        nms(boxes, scores, 0.5)


# --------------------------------------------------------------------------- decode_yolo
def _short_v5(count=10, classes=80, normalised=False):
    """A YOLOv5 output cut to fewer candidates than columns: (1, count, 5 + classes)."""
    rng = np.random.default_rng(1)
    out = np.zeros((1, count, 5 + classes), np.float32)
    out[0, :, :2] = rng.uniform(20, 300, (count, 2))
    out[0, :, 2:4] = 30
    if normalised:
        out[0, :, :4] /= 640
    out[0, :, 4] = 0.9
    out[0, np.arange(count), 5 + np.arange(count) % classes] = 0.8
    return out


def test_decode_yolo_refuses_a_short_yolov5_output_it_would_read_as_yolov8():
    with pytest.raises(ValueError, match=r"\(1, 10, 85\).*YOLOv8.*not probabilities.*YOLOv5.*decode_yolov5"):
        decode_yolo(_short_v5())


def test_the_explicit_layouts_decode_it():
    boxes, scores, ids = decode_yolov5(_short_v5())
    assert len(boxes) >= 1 and np.allclose(scores, 0.72) and (ids < 80).all()
    with pytest.raises(ValueError, match="not probabilities"):
        decode_yolov8(_short_v5())


def test_decode_yolo_warns_when_a_tiny_output_fits_both_layouts():
    with pytest.warns(UserWarning, match=r"\(1, 10, 85\).*YOLOv8.*fit YOLOv5.*decode_yolov5"):
        decode_yolo(_short_v5(normalised=True))


def test_decode_yolo_refuses_logits():
    rng = np.random.default_rng(2)
    out = np.concatenate([rng.uniform(0, 600, (1, 4, 300)), rng.normal(0, 4, (1, 80, 300))], axis=1)
    with pytest.raises(ValueError, match=r"\(1, 84, 300\) as YOLOv8.*not probabilities.*sigmoid"):
        decode_yolo(out.astype(np.float32))


def test_decode_yolo_real_shapes_stay_silent():
    rng = np.random.default_rng(3)
    v8 = np.concatenate([rng.uniform(0, 640, (1, 4, 8400)), rng.uniform(0, 1, (1, 80, 8400))], axis=1)
    v5 = np.concatenate([rng.uniform(0, 640, (1, 2000, 4)), rng.uniform(0, 1, (1, 2000, 81))], axis=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(decode_yolo(v8.astype(np.float32))[0])
        assert len(decode_yolo(v5.astype(np.float32))[0])
        assert np.array_equal(decode_yolo(v8)[0], decode_yolov8(v8)[0])


@pytest.mark.parametrize("kwargs, match", [({"conf_threshold": float("nan")}, "conf_threshold.*nan"),
                                           ({"conf_threshold": 25}, "A percentage"),
                                           ({"iou_threshold": float("nan")}, "iou_threshold.*nan")])
def test_decode_yolo_thresholds(kwargs, match):
    out = np.zeros((1, 6, 30), np.float32)
    with pytest.raises(ValueError, match=match):
        decode_yolo(out, **kwargs)


def test_decode_yolo_refuses_nan_in_the_output():
    out = np.zeros((1, 6, 30), np.float32)
    out[0, 1, 7] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf \(first at index \[0, 1, 7\]\)"):
        decode_yolo(out)


# --------------------------------------------------------------------------- letterbox
@pytest.mark.parametrize("gain, pad, size, match", [
    (0, (0, 80), (1280, 960), "gain must be a finite number > 0.*got 0.0"),
    (float("nan"), (0, 80), (1280, 960), "gain .* got nan"),
    (-0.5, (0, 80), (1280, 960), "gain .* got -0.5"),
    (0.5, (0,), (1280, 960), "pad should be two numbers"),
    (0.5, (0, float("inf")), (1280, 960), "pad must be two finite numbers"),
    (0.5, (0, 80), (0, 960), "image_size must be .* two numbers > 0"),
])
def test_unletterbox_refuses_a_bad_gain_pad_or_size(gain, pad, size, match):
    with pytest.raises(ValueError, match=match):
        unletterbox_boxes(BOX, gain, pad, size)


def test_unletterbox_takes_what_letterbox_returns_and_numpy_values():
    _, gain, pad = letterbox(IMAGE, (64, 64))
    out = unletterbox_boxes([[0, 0, 64, 64]], gain, pad, (120, 100))
    assert np.isfinite(out).all()
    same = unletterbox_boxes([[0, 0, 64, 64]], np.float32(gain), np.array(pad), np.int64([120, 100]))
    assert np.array_equal(out, same)


@pytest.mark.parametrize("image, size, match", [
    (np.zeros((0, 5, 3), np.uint8), (64, 64), "no pixels"),
    (IMAGE, (100_000, 100_000), "past the limit"),
    (IMAGE, (0, 64), "whole numbers >= 1"),
    (IMAGE, (64.5, 64), "whole numbers >= 1"),
    (IMAGE, 640, "two numbers"),
])
def test_letterbox_refuses_empty_images_and_bad_or_huge_sizes(image, size, match):
    with pytest.raises(ValueError, match=match):
        letterbox(image, size)


def test_letterbox_a_thin_strip_keeps_one_row():
    padded, gain, pad = letterbox(np.zeros((1, 2000, 3), np.uint8), (64, 64))
    assert padded.shape == (64, 64, 3) and pad == (0, 31)


# --------------------------------------------------------------------------- faces
def test_ssd_anchors_bounds_its_size_and_strides():
    with pytest.raises(ValueError, match="past the limit"):
        ssd_anchors(100_000, (1,))
    with pytest.raises(ValueError, match="stride 0"):
        ssd_anchors(128, (0, 16))
    with pytest.raises(ValueError, match="larger than input_size"):
        ssd_anchors(16, (32,))
    assert ssd_anchors().shape == (896, 2)


def test_detect_faces_threshold_nan():
    with pytest.raises(ValueError, match="score_threshold .* got nan"):
        detect_faces(IMAGE, float("nan"))


@pytest.mark.parametrize("kwargs, match", [({"boxes": [[10, 10, np.nan, 50]]}, "row 0 is not finite"),
                                           ({"boxes": BOX, "keypoints": [[[np.nan, 3]]]}, "keypoint 0 .* not finite")])
def test_draw_faces_refuses_nan(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_faces(IMAGE, **kwargs)


# --------------------------------------------------------------------------- drawing
def test_matplotlib_palette_is_refused_not_drawn_black():
    for palette in ([(0.12, 0.47, 0.71)], np.float64([[0.1, 0.5, 0.9]])):
        with pytest.raises(ValueError, match="floats in 0-1.*\\* 255"):
            draw_detections(IMAGE, BOX, ["a"], [0.5], palette=palette)
        with pytest.raises(ValueError, match="floats in 0-1"):
            colours_per_class(["a"], palette)


def test_numpy_colours_are_taken_as_ints():
    out = draw_detections(IMAGE, BOX, ["a"], [0.5], palette=[np.uint8([255, 0, 0])])
    assert out[30, 10].tolist() == [0, 0, 255]
    image = IMAGE.copy()
    draw_label(image, "a", (10, 50), np.uint8([0, 0, 255]), 0.5, np.int64(1), text_bgr=np.uint8([255, 255, 255]))
    draw_label(image, "b", (np.float32(10), np.int64(80)), tuple(np.uint8([0, 0, 255])), np.float64(0.5), 1)
    assert (image == [0, 0, 255]).all(axis=2).any()


@pytest.mark.parametrize("colour, match", [((0.1, 0.5, 0.9), "floats 0-1.*\\* 255"), ((1, 2), "3 numbers"),
                                           ((0, 0, 300), "0-255"), ((np.nan, 0, 0), "NaN"),
                                           ((0, 0, 0, 255), "drop the alpha")])
def test_draw_label_colours_name_the_fix(colour, match):
    with pytest.raises(ValueError, match=match):
        draw_label(IMAGE.copy(), "a", (10, 50), colour, 0.5, 1)


def test_checked_colour_accepts_whole_floats():
    assert checked_colour((255.0, 0.0, 128.0)) == (255, 0, 128)


@pytest.mark.parametrize("anchor, font_scale, thickness, match", [
    ((np.nan, 50), 0.5, 1, r"anchor is \[nan, 50.0\]"), ((10, 50), 0, 1, "font_scale"),
    ((10, 50), 0.5, 1.5, "thickness"), ((10, 50), 0.5, 0, "thickness")])
def test_draw_label_refuses_nan_anchor_and_bad_sizes(anchor, font_scale, thickness, match):
    with pytest.raises(ValueError, match=match):
        draw_label(IMAGE.copy(), "a", anchor, (0, 0, 255), font_scale, thickness)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"boxes": [[10, 10, np.nan, 50]]}, ValueError, r"row 0 is not finite: \[10.0, 10.0, nan, 50.0\]"),
    ({"scores": [np.nan]}, ValueError, "score in row 0 is nan"),
    ({"palette": [[np.nan, 0, 0]]}, ValueError, "NaN"),
    ({"labels": [np.array([1, 2])]}, TypeError, "label 0 is ndarray.*tolist"),
    ({"image": IMAGE[:0]}, ValueError, r"shape \(0, 120, 3\): no pixels"),
])
def test_draw_detections_names_the_value_not_an_opencv_error(kwargs, error, match):
    arguments = {"image": IMAGE, "boxes": BOX, "labels": ["a"], "scores": [0.5], **kwargs}
    with pytest.raises(error, match=match):
        draw_detections(**arguments)
