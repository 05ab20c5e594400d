"""Synthetic stand-ins for the shapes-world models, made from ground truth.

Two uses:

1. Exercises that need raw network outputs with a known answer, in any amount:
   ``synthetic_segmentation_scores`` turns a label map into (C, H, W) scores and
   ``synthetic_yolo_output`` turns true boxes into a YOLOv5 (1, N, 5 + C) or
   YOLOv8 (1, 4 + C, N) tensor with noisy duplicates around every true box and
   low-score distractors, so that decoding and NMS have real work to do.
2. Fallback models for when a ``shapes_*.onnx`` file is missing: the
   ``Synthetic*`` classes have the same ``predict`` as the real models. They
   cannot see like a network, so they *read* the ground truth back from a
   shapes-world image: the object colours are known (``recover_objects``:
   strongly red or strongly blue pixels, split into connected blobs, each blob's
   shape told by the corners of its convex hull: 3 a triangle, 4 a square, more
   a circle). Then they fake an output from that. They are registered with
   ``helpers.models.loading``, so ``load_model("shapes_detector")`` returns one,
   with its notice shown, when the ONNX file is missing.

All outputs are float32 and seeded: the same input and seed give the same output.
"""

from __future__ import annotations

import cv2
import numpy as np

from helpers import shapes
from helpers.models.loading import SyntheticModel, image_seed, register_synthetic_fallback
from helpers.models.presets import get_preset

__all__ = [
    "synthetic_segmentation_scores",
    "synthetic_yolo_output",
    "recover_objects",
    "SyntheticShapesClassifier",
    "SyntheticShapesSegmenter",
    "SyntheticShapesDetector",
    "FALLBACKS",
]

NUM_CLASSES = len(shapes.CLASS_NAMES)            # segmentation: background + 6
NUM_OBJECTS = shapes.NUM_OBJECT_CLASSES          # classifier and detector: 6


# --------------------------------------------------------------------------
# Outputs from ground truth
# --------------------------------------------------------------------------

def synthetic_segmentation_scores(label_map, num_classes: int = NUM_CLASSES, seed: int = 0,
                                  margin: float = 4.0, noise: float = 0.8) -> np.ndarray:
    """Fake per-pixel class scores (logits) whose argmax is mostly ``label_map``.

    label_map: (H, W) integer labels in 0..num_classes-1.
    Returns (num_classes, H, W) float32: the one-hot map blurred (so edges are
    uncertain) times ``margin``, plus smooth Gaussian noise of std ``noise``
    (so a few blobs come out wrong).
    """
    label_map = np.asarray(label_map)
    if label_map.ndim != 2:
        raise ValueError(f"label_map must be (H, W), got shape {label_map.shape}")
    if label_map.min() < 0 or label_map.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {label_map.min()}..{label_map.max()}")
    rng = np.random.default_rng(seed)
    height, width = label_map.shape
    one_hot = (label_map[None] == np.arange(num_classes)[:, None, None]).astype(np.float32)
    scores = np.empty_like(one_hot)
    for c in range(num_classes):
        blurred = cv2.GaussianBlur(one_hot[c], (0, 0), 1.5)
        coarse = rng.normal(0, noise, size=(max(height // 8, 1), max(width // 8, 1))).astype(np.float32)
        smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
        scores[c] = margin * blurred + smooth
    return scores


def synthetic_yolo_output(boxes, class_ids, num_classes: int = NUM_OBJECTS, layout: str = "v8",
                          num_predictions: int = 256, duplicates: int = 6, distractors: int = 20,
                          image_size: int = shapes.SCENE_SIZE, seed: int = 0) -> np.ndarray:
    """A raw YOLO output tensor made from true boxes.

    boxes: (K, 4) xyxy pixels; class_ids: (K,) ints in 0..num_classes-1.
    For each true box: one prediction close to it with a high score (0.6-0.95)
    and ``duplicates`` jittered copies with lower scores (most overlap it by
    more than IoU 0.45, so NMS should drop them; one in five has the wrong class
    at a score of 0.05-0.2). Then ``distractors`` random boxes with scores
    0.02-0.25 (one in thirty 0.26-0.35: false positives at the usual 0.25
    threshold), and near-zero rows up to ``num_predictions``, all shuffled.

    layout "v8": (1, 4 + C, N), rows cx, cy, w, h, class probabilities.
    layout "v5": (1, N, 5 + C), columns cx, cy, w, h, objectness, class
    probabilities, with objectness * class probability = the intended score.
    Returns float32.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    class_ids = np.asarray(class_ids, dtype=np.int64).reshape(-1)
    if len(boxes) != len(class_ids):
        raise ValueError(f"got {len(boxes)} boxes but {len(class_ids)} class ids")
    if layout not in ("v5", "v8"):
        raise ValueError(f"layout must be 'v5' or 'v8', got {layout!r}")
    needed = len(boxes) * (1 + duplicates) + distractors
    if num_predictions < needed:
        raise ValueError(f"num_predictions={num_predictions} is too small for {needed} predictions; raise it")
    rng = np.random.default_rng(seed)

    rows_box, rows_score, rows_class = [], [], []
    for box, k in zip(boxes, class_ids):
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        w, h = box[2] - box[0], box[3] - box[1]
        for d in range(1 + duplicates):
            jitter = 0.03 if d == 0 else 0.06
            rows_box.append([cx + rng.normal(0, jitter) * w, cy + rng.normal(0, jitter) * h,
                             w * np.exp(rng.normal(0, jitter)), h * np.exp(rng.normal(0, jitter))])
            if d == 0:
                rows_score.append(rng.uniform(0.6, 0.95))
                rows_class.append(k)
            elif rng.random() < 0.2:
                rows_score.append(rng.uniform(0.05, 0.2))
                rows_class.append((k + 1 + rng.integers(num_classes - 1)) % num_classes if num_classes > 1 else k)
            else:
                rows_score.append(rng.uniform(0.3, 0.85) * rows_score[-d])
                rows_class.append(k)
    for _ in range(distractors):
        size = rng.uniform(0.05, 0.3, size=2) * image_size
        centre = rng.uniform(0, image_size, size=2)
        rows_box.append([*centre, *size])
        rows_score.append(rng.uniform(0.26, 0.35) if rng.random() < 0.03 else rng.uniform(0.02, 0.25))
        rows_class.append(rng.integers(num_classes))
    filler = num_predictions - len(rows_box)
    for _ in range(filler):
        rows_box.append([*rng.uniform(0, image_size, size=2), *rng.uniform(2, 20, size=2)])
        rows_score.append(rng.uniform(0, 0.02))
        rows_class.append(rng.integers(num_classes))

    order = rng.permutation(num_predictions)
    box_table = np.array(rows_box, dtype=np.float64)[order]
    score = np.array(rows_score, dtype=np.float64)[order]
    cls = np.array(rows_class, dtype=np.int64)[order]
    class_probs = rng.uniform(0, 0.02, size=(num_predictions, num_classes))
    if layout == "v8":
        class_probs[np.arange(num_predictions), cls] = score
        table = np.hstack([box_table, class_probs])
        return table.T[None].astype(np.float32)
    objectness = np.clip(score / rng.uniform(0.75, 1.0, num_predictions), 0, 1)
    class_probs = class_probs * 0.5
    class_probs[np.arange(num_predictions), cls] = score / np.maximum(objectness, 1e-6)
    table = np.hstack([box_table, objectness[:, None], class_probs])
    return table[None].astype(np.float32)


# --------------------------------------------------------------------------
# Reading the ground truth back from a shapes-world image
# --------------------------------------------------------------------------

def _shape_of_blob(mask: np.ndarray) -> str:
    """'circle', 'square' or 'triangle' from the corners of a blob's convex hull."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    corners = len(cv2.approxPolyDP(hull, 0.035 * cv2.arcLength(hull, True), True))
    if corners <= 3:
        return "triangle"
    return "square" if corners == 4 else "circle"


def recover_objects(image_bgr: np.ndarray, min_area: int = 12):
    """Find the shapes in a shapes-world image by their colour.

    image_bgr: (H, W, 3) uint8 BGR. A pixel is red when R exceeds both G and B by
    more than 60, blue likewise; each connected blob of at least ``min_area``
    pixels is one object.
    Returns (label_map (H, W) uint8 with 0..6 as in CLASS_NAMES, boxes (K, 4)
    float32 xyxy, class_ids (K,) int64 into OBJECT_CLASSES).
    Works on clean shapes-world images only: it is a stand-in, not a model.
    """
    image = np.asarray(image_bgr)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR image, got {image.shape} {image.dtype}")
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    label_map = np.zeros(image.shape[:2], dtype=np.uint8)
    boxes, class_ids = [], []
    kernel = np.ones((3, 3), np.uint8)
    for colour, mask in (("red", (r - np.maximum(g, b)) > 60), ("blue", (b - np.maximum(g, r)) > 60)):
        mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel)
        count, blobs, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for k in range(1, count):
            x, y, w, h, area = stats[k]
            if area < min_area:
                continue
            blob = blobs == k
            class_id = shapes.OBJECT_CLASSES.index(f"{colour}_{_shape_of_blob(blob)}")
            label_map[blob] = class_id + 1
            boxes.append([x, y, x + w, y + h])
            class_ids.append(class_id)
    return (label_map, np.array(boxes, dtype=np.float32).reshape(-1, 4),
            np.array(class_ids, dtype=np.int64))


# --------------------------------------------------------------------------
# Fallback models (registered with helpers.models.loading)
# --------------------------------------------------------------------------

class _SyntheticShapesModel(SyntheticModel):
    """A stand-in for one shapes_* preset: ``predict(images)`` like the real model.

    Each image's output is seeded by the image's bytes (the same image always
    gives the same output). ``notice`` says what it is; ``load_model`` shows it.
    """

    preset_name = ""

    def __init__(self, preset=None, notice: str | None = None):
        preset = preset if preset is not None else get_preset(self.preset_name)
        if notice is None:
            notice = (f"SYNTHETIC MODEL: {preset.name!r} is a stand-in that reads the answer off "
                      "the shapes' known colours and fakes a network output.")
        super().__init__(preset, net=None, notice=notice)


class SyntheticShapesClassifier(_SyntheticShapesModel):
    """Stand-in for shapes_classifier: predict -> (N, 6) float32 logits.

    The largest recovered blob decides the class; its logit is 4-9 above noise,
    so the softmax is confidently right (near-uniform noise when no blob is found).
    """

    preset_name = "shapes_classifier"

    def predict_one(self, image):
        rng = np.random.default_rng(image_seed(image))
        label_map, _, class_ids = recover_objects(image)
        logits = rng.normal(0, 0.7, size=NUM_OBJECTS)
        if len(class_ids):
            areas = [(label_map == k + 1).sum() for k in class_ids]
            logits[class_ids[int(np.argmax(areas))]] += rng.uniform(4, 9)
        return logits.astype(np.float32)


class SyntheticShapesSegmenter(_SyntheticShapesModel):
    """Stand-in for shapes_segmenter: predict -> (N, 7, H, W) float32 scores (logits)."""

    preset_name = "shapes_segmenter"

    def predict_one(self, image):
        label_map, _, _ = recover_objects(image)
        return synthetic_segmentation_scores(label_map, seed=image_seed(image))


class SyntheticShapesDetector(_SyntheticShapesModel):
    """Stand-in for shapes_detector: predict -> (N, 4 + 6, N_boxes) float32, YOLOv8 layout.

    N_boxes is 256 like the real detector (more only if the image has over 30 blobs).
    """

    preset_name = "shapes_detector"

    def predict_one(self, image):
        _, boxes, class_ids = recover_objects(image)
        return synthetic_yolo_output(boxes, class_ids, layout="v8", seed=image_seed(image),
                                     num_predictions=max(256, 7 * len(boxes) + 20),
                                     image_size=max(image.shape[:2]))[0]


FALLBACKS = {
    "shapes_classifier": SyntheticShapesClassifier,
    "shapes_segmenter": SyntheticShapesSegmenter,
    "shapes_detector": SyntheticShapesDetector,
}
for _name, _factory in FALLBACKS.items():
    register_synthetic_fallback(_name, _factory)
