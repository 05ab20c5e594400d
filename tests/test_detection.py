"""The detection references: box_iou, nms (against cv2.dnn.NMSBoxes) and decode_yolo."""

import cv2
import numpy as np
import pytest

from helpers.detection import box_iou, decode_yolo, nms


# ---------------------------------------------------------------- box_iou

def test_box_iou_hand_worked_values():
    a = np.array([[0, 0, 10, 10]], dtype=np.float32)
    b = np.array([
        [0, 0, 10, 10],    # same box: 1
        [5, 0, 15, 10],    # half overlap: 50 / 150
        [5, 5, 15, 15],    # quarter: 25 / 175
        [10, 0, 20, 10],   # touching edge: 0 (no +1 pixel convention)
        [2, 2, 4, 4],      # inside: 4 / 100
        [20, 20, 30, 30],  # apart: 0
    ], dtype=np.float32)
    iou = box_iou(a, b)
    assert iou.shape == (1, 6)
    np.testing.assert_allclose(iou[0], [1, 1 / 3, 1 / 7, 0, 0.04, 0], rtol=1e-12)


def test_box_iou_is_symmetric_and_shaped_n_by_m():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, (7, 2))
    boxes = np.hstack([xy, xy + rng.uniform(1, 20, (7, 2))])
    iou = box_iou(boxes[:3], boxes)
    assert iou.shape == (3, 7)
    np.testing.assert_allclose(iou, box_iou(boxes, boxes[:3]).T)
    np.testing.assert_allclose(np.diag(box_iou(boxes, boxes)), 1.0)


def test_box_iou_zero_area_boxes_give_zero_not_nan():
    point = np.array([[5, 5, 5, 5]], dtype=np.float32)
    line = np.array([[0, 5, 10, 5]], dtype=np.float32)
    iou = box_iou(np.vstack([point, line]), np.vstack([point, line, [[0, 0, 10, 10]]]))
    assert not np.isnan(iou).any()
    assert (iou == 0).all()


def test_box_iou_empty_inputs_and_bad_shapes():
    assert box_iou(np.zeros((0, 4)), np.ones((3, 4))).shape == (0, 3)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        box_iou(np.zeros((3, 5)), np.zeros((2, 4)))


# ---------------------------------------------------------------- nms

def _nms_boxes_reference(boxes_xyxy, scores, iou_threshold):
    xywh = np.hstack([boxes_xyxy[:, :2], boxes_xyxy[:, 2:] - boxes_xyxy[:, :2]])
    kept = cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), 0.0, iou_threshold)
    return np.array(kept, dtype=np.int64).reshape(-1)   # () when nothing survives


@pytest.mark.parametrize("seed", range(40))
def test_nms_matches_cv2_nmsboxes_on_random_boxes(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    xy = rng.uniform(0, 100, (n, 2))
    boxes = np.hstack([xy, xy + rng.uniform(1, 40, (n, 2))])
    scores = rng.uniform(0.01, 1, n).astype(np.float32)
    if seed % 4 == 0:   # many equal scores: order must stay stable, as in OpenCV
        scores = (np.round(scores * 4) / 4 + 0.01).astype(np.float32)
    threshold = float(rng.uniform(0.1, 0.9))
    kept = nms(boxes, scores, threshold)
    assert kept.dtype == np.int64
    np.testing.assert_array_equal(kept, _nms_boxes_reference(boxes, scores, threshold))


def test_nms_keeps_highest_first_and_drops_overlaps():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10.5]], np.float32)
    scores = np.array([0.5, 0.9, 0.3, 0.1], np.float32)
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [1, 2])


def test_nms_of_nothing_is_an_empty_int64_array():
    kept = nms(np.zeros((0, 4)), np.zeros(0), 0.5)
    assert kept.shape == (0,) and kept.dtype == np.int64


# ---------------------------------------------------------------- decode_yolo

def _v8_tensor(rows_cxcywh_scores, n=50):
    """(1, 4 + C, n) YOLOv8 tensor: given columns first, then zero-score filler."""
    given = np.asarray(rows_cxcywh_scores, dtype=np.float32)
    table = np.zeros((n, given.shape[1]), np.float32)
    table[:, :4] = [5, 5, 2, 2]
    table[:len(given)] = given
    return table.T[None]


def test_decode_yolov8_hand_made():
    # cx, cy, w, h, score class 0, score class 1
    output = _v8_tensor([
        [20, 20, 10, 10, 0.9, 0.1],   # kept, class 0
        [21, 20, 10, 10, 0.8, 0.0],   # duplicate of the first: suppressed
        [21, 20, 10, 10, 0.0, 0.7],   # same place, other class: kept (class-aware)
        [60, 60, 20, 10, 0.05, 0.3],  # kept, class 1
        [90, 90, 10, 10, 0.2, 0.1],   # below 0.25: dropped
    ])
    assert output.shape == (1, 6, 50)
    boxes, scores, class_ids = decode_yolo(output)
    np.testing.assert_allclose(scores, [0.9, 0.7, 0.3], rtol=1e-6)
    np.testing.assert_array_equal(class_ids, [0, 1, 1])
    np.testing.assert_allclose(boxes, [[15, 15, 25, 25], [16, 15, 26, 25], [50, 55, 70, 65]])
    assert boxes.dtype == np.float32 and scores.dtype == np.float32 and class_ids.dtype == np.int64


def test_decode_yolov5_multiplies_objectness():
    table = np.zeros((40, 5 + 3), np.float32)
    table[:, :4] = [5, 5, 2, 2]
    table[0] = [30, 40, 20, 20, 0.9, 0.1, 0.9, 0.0]   # score 0.81, class 1
    table[1] = [31, 40, 20, 20, 0.8, 0.1, 0.9, 0.0]   # duplicate: suppressed
    table[2] = [80, 80, 10, 10, 0.4, 0.0, 0.0, 0.5]   # 0.2 < 0.25: dropped
    table[3] = [80, 20, 10, 20, 0.6, 0.0, 0.0, 0.5]   # 0.3, class 2
    boxes, scores, class_ids = decode_yolo(table[None])
    np.testing.assert_allclose(scores, [0.81, 0.3], rtol=1e-6)
    np.testing.assert_array_equal(class_ids, [1, 2])
    np.testing.assert_allclose(boxes, [[20, 30, 40, 50], [75, 10, 85, 30]])


def test_decode_thresholds_are_parameters():
    output = _v8_tensor([[20, 20, 10, 10, 0.9], [22, 20, 10, 10, 0.8], [90, 90, 10, 10, 0.2]])
    assert len(decode_yolo(output, conf_threshold=0.1, iou_threshold=0.45)[0]) == 2
    assert len(decode_yolo(output, conf_threshold=0.1, iou_threshold=0.9)[0]) == 3


def test_decode_empty_result_is_empty_arrays():
    output = _v8_tensor([[20, 20, 10, 10, 0.1, 0.2]])
    boxes, scores, class_ids = decode_yolo(output)
    assert boxes.shape == (0, 4) and boxes.dtype == np.float32
    assert scores.shape == (0,) and scores.dtype == np.float32
    assert class_ids.shape == (0,) and class_ids.dtype == np.int64
    boxes, _, _ = decode_yolo(np.zeros((1, 100, 6), np.float32))
    assert boxes.shape == (0, 4)


def test_decode_rejects_a_batch_or_a_flat_output():
    with pytest.raises(ValueError, match=r"\(1, N, 5 \+ C\)"):
        decode_yolo(np.zeros((2, 84, 100), np.float32))
    with pytest.raises(ValueError, match="shape"):
        decode_yolo(np.zeros((84, 100), np.float32))


def test_decode_agrees_with_cv2_batched_nms_on_a_random_v8_tensor():
    rng = np.random.default_rng(7)
    n, c = 400, 5
    cxcy = rng.uniform(10, 118, (n, 2))
    wh = rng.uniform(4, 40, (n, 2))
    scores = rng.uniform(0, 1, (n, c)) ** 3
    output = np.hstack([cxcy, wh, scores]).T[None].astype(np.float32)
    boxes, got_scores, got_classes = decode_yolo(output, 0.3, 0.5)

    best, cls = scores.max(1).astype(np.float32), scores.argmax(1)
    xywh = np.hstack([cxcy - wh / 2, wh]).astype(np.float32)
    keep = best > 0.3
    kept = np.array(cv2.dnn.NMSBoxesBatched(xywh[keep].tolist(), best[keep].tolist(),
                                            cls[keep].tolist(), 0.3, 0.5)).reshape(-1)
    order = np.argsort(-best[keep][kept], kind="stable")
    np.testing.assert_allclose(got_scores, best[keep][kept][order], rtol=1e-6)
    np.testing.assert_array_equal(got_classes, cls[keep][kept][order])
    assert np.all(np.diff(got_scores) <= 0)


def test_decode_yolo_nms_equals_the_reference_nms_run_per_class():
    """decode_yolo's fast NMS (cv2.dnn.NMSBoxesBatched) keeps what `nms` keeps, class by class."""
    rng = np.random.default_rng(7)
    for trial in range(60):
        n, c = int(rng.integers(5, 120)), int(rng.integers(1, 5))
        out = np.zeros((1, 4 + c, 400), np.float32)
        out[0, :2, :n] = rng.uniform(20, 100, (2, n))
        out[0, 2:4, :n] = rng.uniform(5, 40, (2, n))
        out[0, 4 + rng.integers(0, c, n), np.arange(n)] = rng.choice([0.5, 0.7, 0.9], n) if trial % 2 \
            else rng.uniform(0.3, 1.0, n)
        boxes, scores, class_ids = decode_yolo(out, conf_threshold=0.25, iou_threshold=0.45)
        cxcy, wh = out[0, :2, :n].T.astype(np.float64), out[0, 2:4, :n].T.astype(np.float64)
        all_boxes = np.hstack([cxcy - wh / 2, cxcy + wh / 2])
        all_scores = out[0, 4:, :n].max(axis=0)
        all_ids = out[0, 4:, :n].argmax(axis=0)
        for k in range(c):
            idx = np.flatnonzero((all_ids == k) & (all_scores > 0.25))
            expected = all_boxes[idx[nms(all_boxes[idx], all_scores[idx], 0.45)]]
            got = boxes[class_ids == k]
            np.testing.assert_allclose(np.sort(got, axis=0), np.sort(expected, axis=0), atol=1e-4)
        assert np.all(np.diff(scores) <= 0)
