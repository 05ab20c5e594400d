"""The project's evaluation code: accuracy, IoU of label maps, detection
precision/recall and a top-label ECE for recording calibration.

Every function takes NumPy arrays and returns plain Python floats or NumPy
arrays; none of them needs a model.
"""

from __future__ import annotations

import numpy as np

from helpers.calibration import _confidences_for, _n_bins_for
from helpers.detection import box_iou

__all__ = [
    "accuracy",
    "per_class_iou",
    "mean_iou",
    "match_detections",
    "detection_precision_recall",
    "top_label_ece",
]


def accuracy(predicted, truth) -> float:
    """Fraction of predicted class ids equal to the true ones.

    predicted, truth: (N,) integer arrays of class ids.
    """
    predicted, truth = np.asarray(predicted).reshape(-1), np.asarray(truth).reshape(-1)
    if predicted.shape != truth.shape or predicted.size == 0:
        raise ValueError(f"need two non-empty arrays of equal length, got {predicted.shape} and {truth.shape}")
    return float(np.mean(predicted == truth))


def per_class_iou(predicted_maps, true_maps, num_classes: int) -> np.ndarray:
    """IoU of each class over a whole set of label maps.

    predicted_maps, true_maps: (N, H, W) (or (H, W)) integer label maps with values
    in 0..num_classes-1. Intersections and unions are summed over all images
    before dividing (dataset IoU, not a mean of per-image IoUs).
    Returns (num_classes,) float64; a class absent from both gets NaN.
    """
    predicted = np.asarray(predicted_maps).astype(np.int64).reshape(-1)
    truth = np.asarray(true_maps).astype(np.int64).reshape(-1)
    if predicted.shape != truth.shape:
        raise ValueError(
            f"label maps differ in size: {np.shape(predicted_maps)} vs {np.shape(true_maps)}; "
            "resize the predicted map (nearest neighbour) or the scores before argmax"
        )
    if predicted.size and (min(predicted.min(), truth.min()) < 0
                           or max(predicted.max(), truth.max()) >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    confusion = np.bincount(truth * num_classes + predicted,
                            minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    intersection = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    iou = np.full(num_classes, np.nan)
    np.divide(intersection, union, out=iou, where=union > 0)
    return iou


def mean_iou(predicted_maps, true_maps, num_classes: int) -> float:
    """Mean over classes of ``per_class_iou`` (background included; absent classes skipped)."""
    return float(np.nanmean(per_class_iou(predicted_maps, true_maps, num_classes)))


def match_detections(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes,
                     iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy matching of one image's detections to its ground truth.

    pred_boxes (K, 4) xyxy, pred_scores (K,), pred_classes (K,); true_boxes
    (G, 4) xyxy, true_classes (G,). Detections are taken highest score first;
    each one takes the unmatched true box of its own class with the largest
    IoU, if that IoU is at least ``iou_threshold``.
    Returns (K,) bool: which detections are true positives (in input order).
    """
    pred_boxes = np.asarray(pred_boxes, dtype=np.float64).reshape(-1, 4)
    true_boxes = np.asarray(true_boxes, dtype=np.float64).reshape(-1, 4)
    pred_classes = np.asarray(pred_classes).reshape(-1)
    true_classes = np.asarray(true_classes).reshape(-1)
    is_true_positive = np.zeros(len(pred_boxes), dtype=bool)
    if len(pred_boxes) == 0 or len(true_boxes) == 0:
        return is_true_positive
    iou = box_iou(pred_boxes, true_boxes)
    iou[pred_classes[:, None] != true_classes[None, :]] = -1.0
    taken = np.zeros(len(true_boxes), dtype=bool)
    for k in np.argsort(-np.asarray(pred_scores, dtype=np.float64).reshape(-1), kind="stable"):
        candidates = np.where(taken, -1.0, iou[k])
        best = int(np.argmax(candidates))
        if candidates[best] >= iou_threshold:
            taken[best] = True
            is_true_positive[k] = True
    return is_true_positive


def detection_precision_recall(predictions, ground_truth, iou_threshold: float = 0.5) -> dict:
    """Precision and recall over a set of images.

    predictions: a list with, per image, (boxes (K, 4), scores (K,), class_ids (K,)),
    e.g. what ``decode_yolo`` returns. ground_truth: a list with, per image,
    (boxes (G, 4), class_ids (G,)).
    Returns {"precision", "recall", "true_positives", "false_positives",
    "false_negatives"}; precision is 1.0 when nothing was predicted, recall is
    1.0 when there was nothing to find.
    """
    if len(predictions) != len(ground_truth):
        raise ValueError(f"got predictions for {len(predictions)} images but ground truth for {len(ground_truth)}")
    true_pos = false_pos = total_truth = 0
    for (boxes, scores, classes), (true_boxes, true_classes) in zip(predictions, ground_truth):
        matched = match_detections(boxes, scores, classes, true_boxes, true_classes, iou_threshold)
        true_pos += int(matched.sum())
        false_pos += int((~matched).sum())
        total_truth += len(np.asarray(true_classes).reshape(-1))
    return {
        "precision": true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0,
        "recall": true_pos / total_truth if total_truth else 1.0,
        "true_positives": true_pos,
        "false_positives": false_pos,
        "false_negatives": total_truth - true_pos,
    }


def top_label_ece(confidences, correct, n_bins: int = 15) -> float:
    """Expected calibration error of the top label (Guo et al. 2017).

    confidences: (N,) top-class probabilities in [0, 1]; correct: (N,) bool.
    Bins are right-closed, ((m - 1) / M, m / M], so a confidence of 1.0 falls in
    the last bin; ECE = sum over bins of |B_m| / N * |accuracy - mean confidence|.
    NaN confidences, correct values other than 0/1 and an n_bins that is not an int
    from 1 to 100 000 raise (as in ``helpers.calibration``).
    """
    n_bins = _n_bins_for(n_bins, "top_label_ece")
    confidences = np.asarray(confidences, dtype=np.float64).reshape(-1)
    correct = np.asarray(correct, dtype=np.float64).reshape(-1)
    if confidences.shape != correct.shape or confidences.size == 0:
        raise ValueError(f"need equal, non-empty confidences and correct, got {confidences.shape} and {correct.shape}")
    confidences, correct = _confidences_for(confidences, correct, "top_label_ece")
    edges = np.arange(1, n_bins + 1) / n_bins
    bins = np.searchsorted(edges, confidences, side="left")  # right-closed bins
    ece = 0.0
    for m in range(n_bins):
        in_bin = bins == m
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidences[in_bin].mean())
    return float(ece)
