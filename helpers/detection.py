"""Reference detection post-processing: box IoU, NMS and YOLO decoding.

Boxes are float ``x1, y1, x2, y2`` in continuous pixel coordinates (no "+1"
pixel convention): a box from 10 to 20 is 10 pixels wide.

This module only needs NumPy; ``nms`` gives the same answer as
``cv2.dnn.NMSBoxes`` and the tests check that.
"""

from __future__ import annotations

import numbers
import warnings

import cv2
import numpy as np

__all__ = ["box_iou", "nms", "decode_yolo", "decode_yolov5", "decode_yolov8"]

# Probabilities may overshoot [0, 1] by rounding (float16 exports), never by more than this.
_PROBABILITY_SLACK = 1e-3
# No real YOLO head has fewer candidates: 21 for YOLOv8 at a 32x32 input (strides 8, 16, 32).
_FEWEST_REAL_CANDIDATES = 21


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


def _checked_fraction(value, name: str, what: str) -> float:
    """A threshold between 0 and 1, as a float, or an error naming the value and the fix."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} should be a number between 0 and 1 ({what}), not {type(value).__name__} "
                        f"{value!r}")
    value = float(value)
    if not 0.0 <= value <= 1.0:  # also False for NaN
        advice = (f" A percentage? Divide it by 100: {value / 100:g}" if 1 < value <= 100 else
                  " NaN compares False with everything, so it would keep or drop boxes at random:"
                  " pass a number" if value != value else "")
        raise ValueError(f"{name} must be between 0 and 1 ({what}); got {value!r}.{advice}")
    return value


def _check_finite_boxes(boxes: np.ndarray, name: str) -> None:
    """ValueError naming the first row of ``boxes`` with NaN or inf."""
    bad = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if bad.size:
        raise ValueError(f"{name}: the box in row {bad[0]} is not finite: {boxes[bad[0]].tolist()} "
                         f"({bad.size} such rows). Drop them first, e.g. {name}[np.isfinite({name}).all(axis=1)] "
                         "(and the same rows of the scores)")


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

    ``iou_threshold`` must be a number in [0, 1]; boxes and scores must be finite
    (a NaN would make every comparison False and silently keep or drop boxes):
    anything else is a ValueError naming the value.
    """
    boxes = _as_boxes(boxes, "boxes")
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f"got {len(boxes)} boxes but {len(scores)} scores; give one score per box")
    iou_threshold = _checked_fraction(iou_threshold, "iou_threshold", "an IoU above it suppresses a box")
    _check_finite_boxes(boxes, "boxes")
    bad = np.flatnonzero(~np.isfinite(scores))
    if bad.size:
        raise ValueError(f"scores: the score of box {bad[0]} is {scores[bad[0]]} ({bad.size} not finite); "
                         "NMS needs a number per box to rank them: drop those boxes first")
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

    The shape is not proof: a YOLOv5 output cut to fewer candidates than columns,
    say (1, 10, 85), has the shape of a YOLOv8 one. So the values are checked
    too: when the scores of the layout the shape gives are not probabilities
    (a pixel coordinate read as a class score), it is a ValueError naming the
    shape and the layout that fits; when both layouts fit the values and the other
    one would find detections in a tiny output (fewer than 21 candidates, which no
    real head gives), a warning says so. For those, say the layout:
    :func:`decode_yolov5` and :func:`decode_yolov8` do not guess.

    Keeps detections whose score is above ``conf_threshold``, then runs NMS
    separately per class at ``iou_threshold`` (both numbers in [0, 1]).

    Returns (boxes (K, 4) float32 xyxy in network-input pixels, scores (K,)
    float32, class_ids (K,) int64), sorted by score, highest first. Nothing
    found gives empty arrays of those shapes. NaN or inf in the output is a ValueError.
    """
    output = _checked_yolo_output(output)
    rows, cols = output.shape[1:]
    layout = "v8" if rows < cols else "v5"
    other = "v5" if layout == "v8" else "v8"
    conf_threshold, iou_threshold = _checked_thresholds(conf_threshold, iou_threshold)
    if not _scores_are_probabilities(output[0], layout):
        if _fits_layout(output[0], other) and _scores_are_probabilities(output[0], other):
            raise ValueError(
                f"decode_yolo reads an output of shape {output.shape} as {_LAYOUTS[layout]} (the longer axis, "
                f"{max(rows, cols)}, taken as the candidates), but then its scores are not probabilities "
                f"(values {_score_range(output[0], layout)}): they hold box coordinates. The values fit "
                f"{_LAYOUTS[other]} with {_candidates(output[0], other)} candidates, fewer than its columns, so "
                f"the shape could not tell. Say the layout: helpers.detection.decode_yolo{other}(output, "
                "conf_threshold, iou_threshold)")
        raise ValueError(
            f"decode_yolo reads an output of shape {output.shape} as {_LAYOUTS[layout]}, but its scores are "
            f"not probabilities in [0, 1] (values {_score_range(output[0], layout)}). If they are logits (a model "
            "exported without its final sigmoid), apply one first: helpers.faces.sigmoid on the score rows or "
            "columns; if the layout is the other one, say so: decode_yolov5 or decode_yolov8")
    if (min(rows, cols) < _FEWEST_REAL_CANDIDATES and _fits_layout(output[0], other)
            and _scores_are_probabilities(output[0], other)
            and len(_decode(output, other, conf_threshold, iou_threshold)[0])):
        warnings.warn(
            f"decode_yolo reads the output of shape {output.shape} as {_LAYOUTS[layout]} because "
            f"{'rows < columns' if layout == 'v8' else 'rows >= columns'}, but its values fit {_LAYOUTS[other]} "
            f"with {_candidates(output[0], other)} candidates as well, and read that way it has detections. "
            f"If it is {_LAYOUTS[other]}, call helpers.detection.decode_yolo{other}(output, ...)", stacklevel=2)
    return _decode(output, layout, conf_threshold, iou_threshold)


def decode_yolov5(output, conf_threshold: float = 0.25, iou_threshold: float = 0.45):
    """:func:`decode_yolo` for an output known to be YOLOv5's (1, N, 5 + C), whatever N (no guessing)."""
    output = _checked_yolo_output(output)
    conf_threshold, iou_threshold = _checked_thresholds(conf_threshold, iou_threshold)
    return _decode(output, "v5", conf_threshold, iou_threshold, check_scores=True)


def decode_yolov8(output, conf_threshold: float = 0.25, iou_threshold: float = 0.45):
    """:func:`decode_yolo` for an output known to be YOLOv8's (1, 4 + C, N), whatever N (no guessing)."""
    output = _checked_yolo_output(output)
    conf_threshold, iou_threshold = _checked_thresholds(conf_threshold, iou_threshold)
    return _decode(output, "v8", conf_threshold, iou_threshold, check_scores=True)


_LAYOUTS = {"v8": "YOLOv8 (1, 4 + C, N)", "v5": "YOLOv5 (1, N, 5 + C)"}


def _checked_yolo_output(output) -> np.ndarray:
    output = np.asarray(output)
    if output.ndim != 3 or output.shape[0] != 1:
        raise ValueError(
            f"expected a YOLO output of shape (1, N, 5 + C) or (1, 4 + C, N), got {output.shape}; "
            "pass one image's output (index the batch first, e.g. out[i:i + 1])"
        )
    if not (np.issubdtype(output.dtype, np.floating) or np.issubdtype(output.dtype, np.integer)):
        raise TypeError(f"a YOLO output holds numbers; got dtype {output.dtype}")
    if output.size and not np.isfinite(output).all():
        where = np.argwhere(~np.isfinite(output))[0].tolist()
        raise ValueError(f"the YOLO output of shape {output.shape} holds NaN or inf (first at index {where}): "
                         "the model or the step before decoding went wrong; decoding would drop or keep boxes "
                         "at random")
    return output


def _checked_thresholds(conf_threshold, iou_threshold):
    return (_checked_fraction(conf_threshold, "conf_threshold", "a score above it is kept"),
            _checked_fraction(iou_threshold, "iou_threshold", "an IoU above it suppresses a box"))


def _score_block(table: np.ndarray, layout: str) -> np.ndarray:
    """The values that must be probabilities when ``table`` (one image's output) has ``layout``."""
    return table[4:] if layout == "v8" else table[:, 4:]


def _fits_layout(table: np.ndarray, layout: str) -> bool:
    return table.shape[0] >= 5 if layout == "v8" else table.shape[1] >= 6


def _candidates(table: np.ndarray, layout: str) -> int:
    return table.shape[1] if layout == "v8" else table.shape[0]


def _scores_are_probabilities(table: np.ndarray, layout: str) -> bool:
    block = _score_block(table, layout)
    return block.size == 0 or (block.min() >= -_PROBABILITY_SLACK and block.max() <= 1 + _PROBABILITY_SLACK)


def _score_range(table: np.ndarray, layout: str) -> str:
    block = _score_block(table, layout)
    return f"{float(block.min()):g} to {float(block.max()):g}" if block.size else "none"


def _decode(output, layout, conf_threshold, iou_threshold, check_scores=False):
    """decode_yolo's work once the layout is known (``output`` and thresholds already checked)."""
    rows, cols = output.shape[1:]
    table = output[0]
    if layout == "v8":  # YOLOv8: (1, 4 + C, N)
        if rows < 5:
            raise ValueError(f"a YOLOv8 output needs at least 5 rows (4 box + 1 class), got {output.shape}")
    elif cols < 6:
        raise ValueError(f"a YOLOv5 output needs at least 6 columns (4 box + obj + 1 class), got {output.shape}")
    if check_scores and not _scores_are_probabilities(table, layout):
        raise ValueError(f"read as {_LAYOUTS[layout]}, the output of shape {output.shape} has scores "
                         f"{_score_range(table, layout)}, not probabilities in [0, 1]: is it the other layout, "
                         "or logits (apply a sigmoid first)?")
    if layout == "v8":
        scores = table[4:].max(axis=0)
        keep = scores > conf_threshold  # filter first: the argmax then runs on few columns
        class_ids = table[4:, keep].argmax(axis=0)
        scores = scores[keep]
        boxes_cxcywh = table[:4, keep].T
    else:  # YOLOv5: (1, N, 5 + C)
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
