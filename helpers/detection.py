"""Reference detection post-processing: box IoU, NMS and YOLO decoding.

Boxes are float ``x1, y1, x2, y2`` in continuous pixel coordinates (no "+1"
pixel convention): a box from 10 to 20 is 10 pixels wide.

This module only needs NumPy; ``nms`` gives the same answer as
``cv2.dnn.NMSBoxes`` and the tests check that.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["box_iou", "nms", "decode_yolo"]


def _as_boxes(boxes, name: str) -> np.ndarray:
    """Check and return (N, 4) float64 boxes."""
    array = np.asarray(boxes, dtype=np.float64)
    if array.size == 0:
        return array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(
            f"{name} must have shape (N, 4) (x1, y1, x2, y2), got {array.shape}; "
            "for a single box use box[None, :]"
        )
    return array


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every box in ``boxes_a`` with every box in ``boxes_b``.

    boxes_a: (N, 4) and boxes_b: (M, 4) float xyxy boxes.
    Returns an (N, M) float64 array. A pair whose union is empty (two zero-area
    boxes) gets IoU 0, not NaN.
    """
    a = _as_boxes(boxes_a, "boxes_a")
    b = _as_boxes(boxes_b, "boxes_b")
    left = np.maximum(a[:, None, 0], b[None, :, 0])
    top = np.maximum(a[:, None, 1], b[None, :, 1])
    right = np.minimum(a[:, None, 2], b[None, :, 2])
    bottom = np.minimum(a[:, None, 3], b[None, :, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - intersection
    iou = np.zeros_like(intersection)
    np.divide(intersection, union, out=iou, where=union > 0)
    return iou


def nms(boxes, scores, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression (class-agnostic).

    boxes: (N, 4) float xyxy; scores: (N,) float; a box is dropped when its IoU
    with an already kept, higher-scoring box is above ``iou_threshold``.
    Returns the kept indices as an int64 array, highest score first (equal
    scores keep their input order), like ``cv2.dnn.NMSBoxes`` with a score
    threshold below every score.
    """
    boxes = _as_boxes(boxes, "boxes")
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f"got {len(boxes)} boxes but {len(scores)} scores; give one score per box")
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        overlaps = box_iou(boxes[best][None], boxes[rest])[0].astype(np.float32)
        order = rest[overlaps <= np.float32(iou_threshold)]
    return np.array(keep, dtype=np.int64)


def _empty_detections() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))


def _class_aware_nms(boxes, scores, class_ids, iou_threshold):
    """NMS within each class, highest score first.

    The same greedy rule as :func:`nms`, run by OpenCV's NMSBoxesBatched (it takes
    x, y, w, h boxes), which is about 30x faster than a Python loop over candidates.
    """
    xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
    kept = np.asarray(cv2.dnn.NMSBoxesBatched(xywh, scores.astype(np.float32), class_ids.astype(np.int32),
                                              -1.0, float(iou_threshold)), dtype=np.int64).reshape(-1)
    return kept[np.argsort(-scores[kept], kind="stable")]


def decode_yolo(output, conf_threshold: float = 0.25, iou_threshold: float = 0.45):
    """Turn a raw YOLOv5 or YOLOv8 output into final detections.

    output: a (1, N, 5 + C) YOLOv5 tensor (cx, cy, w, h, objectness, C class
    scores; score = objectness * class score) or a (1, 4 + C, N) YOLOv8 tensor
    (cx, cy, w, h, C class scores; no objectness). Scores must already be
    probabilities in [0, 1]. The layout is told apart by shape: the boxes axis
    is the longer one, so (1, A, B) is YOLOv8 when A < B, YOLOv5 otherwise
    (true for real models, where N is in the thousands).

    Keeps detections whose score is above ``conf_threshold``, then runs NMS
    separately per class at ``iou_threshold``.

    Returns (boxes (K, 4) float32 xyxy in network-input pixels, scores (K,)
    float32, class_ids (K,) int64), sorted by score, highest first. Nothing
    found gives empty arrays of those shapes.
    """
    output = np.asarray(output)
    if output.ndim != 3 or output.shape[0] != 1:
        raise ValueError(
            f"expected a YOLO output of shape (1, N, 5 + C) or (1, 4 + C, N), got {output.shape}; "
            "pass one image's output (index the batch first, e.g. out[i:i + 1])"
        )
    rows, cols = output.shape[1:]
    if rows < cols:  # YOLOv8: (1, 4 + C, N)
        if rows < 5:
            raise ValueError(f"a YOLOv8 output needs at least 5 rows (4 box + 1 class), got {output.shape}")
        table = output[0]
        scores = table[4:].max(axis=0)
        keep = scores > conf_threshold  # filter first: the argmax then runs on few columns
        class_ids = table[4:, keep].argmax(axis=0)
        scores = scores[keep]
        boxes_cxcywh = table[:4, keep].T
    else:  # YOLOv5: (1, N, 5 + C)
        if cols < 6:
            raise ValueError(f"a YOLOv5 output needs at least 6 columns (4 box + obj + 1 class), got {output.shape}")
        table = output[0]
        candidates = table[table[:, 4] > conf_threshold]  # score <= objectness
        class_scores = candidates[:, 5:] * candidates[:, 4:5]
        class_ids = class_scores.argmax(axis=1)
        scores = class_scores.max(axis=1)
        keep = scores > conf_threshold
        boxes_cxcywh = candidates[keep, :4]
        class_ids, scores = class_ids[keep], scores[keep]
    if scores.size == 0:
        return _empty_detections()

    cx, cy, w, h = boxes_cxcywh.astype(np.float64).T
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kept = _class_aware_nms(boxes, scores, class_ids, iou_threshold)
    return (boxes[kept].astype(np.float32), scores[kept].astype(np.float32),
            class_ids[kept].astype(np.int64))
