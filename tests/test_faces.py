"""Face detection references against hand-worked values, and the real detector on real photos.

Tests marked ``needs_weights`` use BlazeFace's real weights; they skip, saying why, when the
model cache lacks them (``python scripts/fetch_mediapipe_models.py`` puts them there; the
README's set-up runs it, so in CI they run).
"""
import math
import warnings

import cv2
import numpy as np
import pytest

from helpers import faces
from helpers.detection import box_iou
from helpers.faces import (BLAZEFACE, decode_anchor_boxes, decode_keypoints, detect_faces,
                           detect_faces_with_keypoints, sigmoid, ssd_anchors, weighted_nms)
from helpers.images import sample_image

from .mediapipe_models import real_model_or_skip

# Face boxes drawn by hand on the bundled portraits (measured on enlarged crops with a 10 px
# grid): from the hairline to the chin, cheek to cheek, in pixels x1, y1, x2, y2.
HAND_FACES = {"astronaut": (188, 78, 274, 188), "grace_hopper": (168, 140, 365, 330)}
NO_FACE = ("chelsea", "coffee", "rocket")


# --------------------------------------------------------------------------- #
# References against values worked out by hand
# --------------------------------------------------------------------------- #
def test_sigmoid_matches_math_exp():
    x = np.linspace(-30, 30, 61)
    expected = [1 / (1 + math.exp(-v)) for v in x]
    np.testing.assert_allclose(sigmoid(x), expected, rtol=1e-12)
    assert sigmoid(x).dtype == np.float64


def test_sigmoid_extremes_are_exact_and_silent():
    x = np.array([-1000, -100, 0, 100, 1000], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = sigmoid(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    np.testing.assert_allclose(sigmoid(-x), 1 - y, atol=1e-7)


def test_anchors_by_hand():
    anchors = ssd_anchors()
    assert anchors.shape == (16 * 16 * 2 + 8 * 8 * 6, 2) == (896, 2)
    assert anchors.dtype == np.float32
    # First grid (stride 8, 16x16 cells, 2 anchors a cell), row-major, a cell's anchors together.
    np.testing.assert_allclose(anchors[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[1], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[2], [1.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[32], [0.5 / 16, 1.5 / 16])  # second row
    np.testing.assert_allclose(anchors[511], [15.5 / 16, 15.5 / 16])
    # Shared grid of the three stride-16 layers: 8x8 cells, 6 anchors each.
    np.testing.assert_allclose(anchors[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    np.testing.assert_allclose(anchors[518], [1.5 / 8, 0.5 / 8])
    np.testing.assert_allclose(anchors[-1], [7.5 / 8, 7.5 / 8])
    assert anchors.min() > 0 and anchors.max() < 1


def test_sigmoid_of_infinities_zeros_and_nothing():
    x = np.array([-np.inf, -0.0, 0.0, np.inf], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            y = sigmoid(x)
    assert y.tolist() == [0.0, 0.5, 0.5, 1.0] and y.dtype == np.float32
    assert sigmoid(np.zeros((0, 4), np.float32)).shape == (0, 4)


def test_anchors_round_the_grid_down_and_share_only_consecutive_strides():
    anchors = ssd_anchors(100, (8, 16), 1)  # 100 // 8 = 12 and 100 // 16 = 6 cells a side
    assert anchors.shape == (12 * 12 + 6 * 6, 2)
    np.testing.assert_allclose(anchors[[0, 11, 12, 143]], [[0.5 / 12, 0.5 / 12], [11.5 / 12, 0.5 / 12],
                                                            [0.5 / 12, 1.5 / 12], [11.5 / 12, 11.5 / 12]])
    np.testing.assert_allclose(anchors[144], [0.5 / 6, 0.5 / 6])
    anchors = ssd_anchors(64, (8, 16, 8), 1)  # the two 8s are not one after the other: three grids
    assert anchors.shape == (64 + 16 + 64, 2)
    np.testing.assert_allclose(anchors[[63, 64, 79, 80]], [[7.5 / 8, 7.5 / 8], [0.5 / 4, 0.5 / 4],
                                                            [3.5 / 4, 3.5 / 4], [0.5 / 8, 0.5 / 8]])
    anchors = ssd_anchors(128, (32, 16, 16), 2)  # grids in the order of the strides: 4x4 first
    np.testing.assert_allclose(anchors[[0, 1, 2, 32]], [[0.125, 0.125], [0.125, 0.125], [0.375, 0.125],
                                                         [0.5 / 8, 0.5 / 8]])


def test_decode_by_hand():
    regressors = np.array([[12.8, -6.4, 25.6, 51.2, 0, 0, 6.4, 6.4]], np.float32)
    anchors = np.array([[0.5, 0.5]], np.float32)
    # centre (0.5 + 0.1, 0.5 - 0.05), size (0.2, 0.4)
    np.testing.assert_allclose(decode_anchor_boxes(regressors, anchors), [[0.5, 0.25, 0.7, 0.65]], atol=1e-6)
    np.testing.assert_allclose(decode_anchor_boxes(regressors, anchors, input_size=256),
                               [[0.5, 0.375, 0.6, 0.575]], atol=1e-6)
    np.testing.assert_allclose(decode_keypoints(regressors, anchors), [[[0.5, 0.5], [0.55, 0.55]]], atol=1e-6)


def test_decode_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 16\).*\(4, 2\)"):
        decode_anchor_boxes(np.zeros((3, 16)), np.zeros((4, 2)))


def test_weighted_nms_by_hand():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    points = np.array([[[0, 0]], [[10, 10]], [[55, 55]]], np.float32)
    merged, merged_scores, merged_points = weighted_nms(boxes, scores, 0.3, points)
    # Group 1: boxes 0 and 1 (IoU 81/119 = 0.68), weights 0.9/1.5 and 0.6/1.5.
    np.testing.assert_allclose(merged[0], [0.4, 0.4, 10.4, 10.4], atol=1e-5)
    np.testing.assert_allclose(merged[1], [50, 50, 60, 60])
    np.testing.assert_allclose(merged_scores, [0.9, 0.7])  # the top score of each group
    np.testing.assert_allclose(merged_points[:, 0], [[4, 4], [55, 55]], atol=1e-5)


def test_weighted_nms_keeps_separate_boxes_like_plain_nms():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 1000, (20, 2))
    boxes = np.hstack([corners, corners + 5])  # tiny boxes far apart: no overlaps
    scores = rng.uniform(0, 1, 20)
    merged, merged_scores, _ = weighted_nms(boxes, scores)
    order = np.argsort(-scores)
    np.testing.assert_allclose(merged, boxes[order], rtol=1e-6)
    np.testing.assert_allclose(merged_scores, scores[order], rtol=1e-6)


def test_weighted_nms_of_nothing():
    boxes, scores, points = weighted_nms(np.zeros((0, 4)), np.zeros(0), keypoints=np.zeros((0, 6, 2)))
    assert boxes.shape == (0, 4) and scores.shape == (0,) and points.shape == (0, 6, 2)


def test_anchor_configuration_matches_the_preset():
    from helpers.models import get_preset

    preset = get_preset("blazeface")
    assert preset.input_size == (BLAZEFACE.input_size,) * 2
    assert "(8, 16, 16, 16)" in preset.notes and len(ssd_anchors()) == 896


# --------------------------------------------------------------------------- #
# The real detector
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def real_detector():
    yield from real_model_or_skip(faces.face_model, "BlazeFace's weights")


def _best_iou(boxes, hand_box):
    return float(box_iou(boxes, np.asarray(hand_box, np.float64)[None]).max()) if len(boxes) else 0.0


def _pad(image, left, top, right, bottom):
    return cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(255, 255, 255))


def _variants(name):
    """The portrait and its mirrored, padded and halved versions, each with its hand box."""
    image = sample_image(name)
    height, width = image.shape[:2]
    x1, y1, x2, y2 = HAND_FACES[name]
    wide, tall = width // 4, height // 4  # a 1.25 : 1 canvas
    return {
        "as is": (image, (x1, y1, x2, y2)),
        "mirrored": (np.ascontiguousarray(image[:, ::-1]), (width - x2, y1, width - x1, y2)),
        "on a wide canvas": (_pad(image, wide // 2, 0, wide - wide // 2, 0),
                             (x1 + wide // 2, y1, x2 + wide // 2, y2)),
        "on a tall canvas": (_pad(image, 0, tall, 0, 0), (x1, y1 + tall, x2, y2 + tall)),
        "halved": (cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA),
                   (x1 / 2, y1 / 2, x2 / 2, y2 / 2)),
    }


@pytest.mark.parametrize("name", sorted(HAND_FACES))
def test_the_face_is_found_on_each_portrait(real_detector, name):
    for variant, (image, hand_box) in _variants(name).items():
        boxes, scores = detect_faces(image)
        assert len(boxes) == 1, f"{name} {variant}: expected one face, got scores {scores}"
        assert scores[0] > 0.6, f"{name} {variant}: score {scores[0]:.3f}"
        iou = _best_iou(boxes, hand_box)
        assert iou >= 0.5, f"{name} {variant}: IoU {iou:.2f} with the hand-drawn box"


@pytest.mark.parametrize("name", NO_FACE)
def test_no_face_on_photos_without_one(real_detector, name):
    boxes, scores = detect_faces(sample_image(name))
    assert boxes.shape == (0, 4) and scores.shape == (0,), f"{name}: scores {scores}"
    assert boxes.dtype == np.float32 and scores.dtype == np.float32


def test_output_types_and_order(real_detector):
    boxes, scores = detect_faces(sample_image("astronaut"), score_threshold=0.3)
    assert boxes.dtype == np.float32 and scores.dtype == np.float32
    assert boxes.shape == (len(scores), 4)
    assert np.all(np.diff(scores) <= 0)


def test_letterbox_beats_stretching_on_a_wide_photo(real_detector):
    image = sample_image("grace_hopper")
    height, width = image.shape[:2]
    wide = _pad(image, width // 2, 0, width - width // 2, 0)  # 2 : 1
    x1, y1, x2, y2 = HAND_FACES["grace_hopper"]
    hand_box = (x1 + width // 2, y1, x2 + width // 2, y2)
    letterboxed = _best_iou(detect_faces_with_keypoints(wide, resize="letterbox")[0], hand_box)
    stretched = _best_iou(detect_faces_with_keypoints(wide, resize="stretch")[0], hand_box)
    assert letterboxed >= 0.8 and stretched < 0.7, (letterboxed, stretched)


def test_weighted_and_plain_nms_both_give_one_face(real_detector):
    image = sample_image("astronaut")
    every = detect_faces_with_keypoints(image, merge="none")
    assert len(every[1]) >= 3  # several anchors fire on one face
    for merge in ("weighted", "plain"):
        boxes, _, _ = detect_faces_with_keypoints(image, merge=merge)
        assert len(boxes) == 1 and _best_iou(boxes, HAND_FACES["astronaut"]) >= 0.5


@pytest.mark.parametrize("name", sorted(HAND_FACES))
def test_keypoints_sit_on_the_face(real_detector, name):
    boxes, _, points = detect_faces_with_keypoints(sample_image(name))
    (x1, y1, x2, y2), p = boxes[0], points[0]
    right_eye, left_eye, nose, mouth = p[0], p[1], p[2], p[3]
    assert np.all((p[:4] >= [x1, y1]) & (p[:4] <= [x2, y2]))  # eyes, nose, mouth inside the box
    assert right_eye[0] < nose[0] < left_eye[0]  # the person's right eye is on the image's left
    assert max(right_eye[1], left_eye[1]) < nose[1] < mouth[1]


def test_input_unchanged_and_other_channel_layouts(real_detector):
    image = sample_image("grace_hopper")
    before = image.copy()
    boxes, _ = detect_faces(image)
    assert np.array_equal(image, before)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    for other in (gray, bgra):
        found, _ = detect_faces(other)
        assert len(found) == 1 and _best_iou(found, HAND_FACES["grace_hopper"]) >= 0.5


def test_a_small_face_far_from_the_camera_is_missed(real_detector):
    astronaut = sample_image("astronaut")
    small = cv2.resize(astronaut, (128, 128), interpolation=cv2.INTER_AREA)
    canvas = np.full((512, 1024, 3), 200, np.uint8)
    canvas[300:428, 600:728] = small  # the face is now about 20 px wide in a 1024 px photo
    boxes, _ = detect_faces(canvas)
    assert len(boxes) == 0


def test_raw_outputs_by_name(real_detector):
    outputs = real_detector.predict(sample_image("astronaut"))
    assert set(outputs) == {"classificators", "regressors"}
    assert outputs["classificators"].shape == (1, 896, 1)
    assert outputs["regressors"].shape == (1, 896, 16)


# --------------------------------------------------------------------------- #
# Without the weights: a labelled stand-in, same pipeline
# --------------------------------------------------------------------------- #
def test_synthetic_stand_in_runs_the_same_pipeline(monkeypatch):
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    faces.face_model.cache_clear()
    try:
        with pytest.warns(UserWarning, match="SYNTHETIC"):
            model = faces.face_model()
        assert model.is_synthetic and "blazeface" in model.notice
        image = sample_image("rocket")
        boxes, scores, points = detect_faces_with_keypoints(image)
        assert len(boxes) >= 1 and points.shape == (len(boxes), 6, 2)
        height, width = image.shape[:2]
        assert np.all(boxes >= 0) and np.all(boxes[:, [0, 2]] <= width) and np.all(boxes[:, [1, 3]] <= height)
        again, _ = detect_faces(image)
        np.testing.assert_array_equal(boxes, again)  # deterministic
    finally:
        faces.face_model.cache_clear()


def test_draw_faces_draws_on_a_copy():
    image = np.full((200, 300, 3), 255, np.uint8)
    boxes = np.array([[50, 40, 150, 160]], np.float32)
    points = np.array([[[80, 90], [120, 90], [100, 110], [100, 130], [60, 100], [140, 100]]], np.float32)
    for drawn in (faces.draw_faces(image, boxes), faces.draw_faces(image, boxes, [0.9], points)):
        assert drawn.shape == image.shape and drawn.dtype == np.uint8
        assert not np.array_equal(drawn[100, 50], [255, 255, 255])  # the left edge of the box
    assert np.all(image == 255)  # the input is not changed
    with_points = faces.draw_faces(image, boxes, [0.9], points)
    assert tuple(with_points[90, 80]) == (0, 0, 255)  # a red keypoint dot (BGR)
