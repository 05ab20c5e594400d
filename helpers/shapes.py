"""The shapes world: seeded synthetic scenes with exact ground truth.

The katas on calibration, segmentation and detection need network outputs whose
right answer is known exactly. This module draws that world with OpenCV on NumPy
arrays. Everything here is deterministic: an image is fully decided by its split,
its task and its index, so any single item can be regenerated on its own.

Classes
-------
``CLASS_NAMES`` is the one table of class names (also written, one per line, to
``helpers/data/shapes_classes.txt``; ``helpers/data/shapes_objects.txt`` holds
the same list without background)::

    0 background
    1 red_circle     2 blue_circle
    3 red_square     4 blue_square
    5 red_triangle   6 blue_triangle

A red and a blue variant differ *only* by colour, and the colour ranges are
mirror images of each other: swapping the R and B channels of a red shape gives
a blue one. So feeding BGR to a network trained on RGB swaps every answer.

How the three tasks number the classes:

* segmentation label maps use the line number in the file: 0 is background,
  1..6 are the objects;
* the classifier and the detector only know objects: their index ``k`` (0..5)
  is ``OBJECT_CLASSES[k]``, line ``k`` of ``shapes_objects.txt`` and label
  ``k + 1`` of the segmentation file.

Conventions
-----------
* Images are ``(H, W, 3) uint8`` in **BGR** order (the OpenCV convention); the
  project's models were trained on RGB, so ``swapRB=True`` is needed.
* Label maps are ``(H, W) uint8`` with values in ``0..6``.
* Boxes are ``(K, 4) float32`` ``x1, y1, x2, y2`` in continuous pixel
  coordinates: pixel column ``i`` covers ``[i, i + 1)``, so a box is the tight
  box of the object's drawn pixels, ``x2 = last column + 1``. A box covers the
  whole shape, including parts hidden by clutter or other objects.

Splits ``"train"``, ``"val"`` and ``"test"`` draw from disjoint seeds: item
``i`` of a split uses ``numpy.random.default_rng((SPLIT_SEEDS[split], task, i))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CLASS_NAMES = (
    "background",
    "red_circle",
    "blue_circle",
    "red_square",
    "blue_square",
    "red_triangle",
    "blue_triangle",
)
OBJECT_CLASSES = CLASS_NAMES[1:]
NUM_OBJECT_CLASSES = len(OBJECT_CLASSES)

# Shape and colour of each object class (index into OBJECT_CLASSES).
_SHAPE_OF = ("circle", "circle", "square", "square", "triangle", "triangle")
_COLOUR_OF = ("red", "blue", "red", "blue", "red", "blue")

# Per-channel (low, high) ranges in RGB order. Blue is red with R and B swapped.
COLOUR_RANGES_RGB = {
    "red": ((170, 255), (0, 70), (0, 70)),
    "blue": ((0, 70), (0, 70), (170, 255)),
}

# Colours that are neither red nor blue, used for clutter (RGB).
_CLUTTER_COLOURS_RGB = (
    (30, 160, 40),    # green
    (210, 200, 40),   # yellow
    (40, 200, 200),   # cyan
    (235, 235, 235),  # white
    (20, 20, 20),     # black
    (128, 128, 128),  # grey
)

SPLIT_SEEDS = {"train": 101, "val": 202, "test": 303}
_TASK_CODES = {"classification": 1, "scene": 2}

CLASSIFIER_SIZE = 64
SCENE_SIZE = 128

CLASS_FILE = Path(__file__).parent / "data" / "shapes_classes.txt"
OBJECT_CLASS_FILE = Path(__file__).parent / "data" / "shapes_objects.txt"


@dataclass(frozen=True)
class Scene:
    """One multi-object scene and its exact ground truth.

    image: (H, W, 3) uint8 BGR. label_map: (H, W) uint8, 0 = background,
    k = CLASS_NAMES[k]. boxes: (K, 4) float32 xyxy pixels. class_ids: (K,) int64
    object indices 0..5 (OBJECT_CLASSES).
    """

    image: np.ndarray
    label_map: np.ndarray
    boxes: np.ndarray
    class_ids: np.ndarray


def rng_for(split: str, task: str, index: int) -> np.random.Generator:
    """The random generator that decides item ``index`` of ``split`` for ``task``."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown split {split!r}; use one of {sorted(SPLIT_SEEDS)}")
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    return np.random.default_rng((SPLIT_SEEDS[split], _TASK_CODES[task], int(index)))


def write_class_files(folder: Path | str = CLASS_FILE.parent) -> tuple[Path, Path]:
    """Write the two label files, one name a line, and return their paths.

    ``shapes_classes.txt``: CLASS_NAMES, background first (segmentation labels).
    ``shapes_objects.txt``: OBJECT_CLASSES (classifier and detector indices).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / CLASS_FILE.name, folder / OBJECT_CLASS_FILE.name
    for path, names in zip(paths, (CLASS_NAMES, OBJECT_CLASSES)):
        path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return paths


# --------------------------------------------------------------------------
# Drawing pieces
# --------------------------------------------------------------------------

def _random_background(rng: np.random.Generator, size: int) -> np.ndarray:
    """(size, size, 3) float32 RGB background of low saturation: flat, gradient or texture."""
    def dull_colour():
        level = rng.uniform(45, 210)
        return np.clip(level + rng.uniform(-28, 28, size=3), 0, 255)

    kind = rng.integers(3)
    if kind == 0:
        background = np.broadcast_to(dull_colour(), (size, size, 3)).astype(np.float32)
    elif kind == 1:
        start, end = dull_colour(), dull_colour()
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:size, 0:size] / (size - 1)
        t = (np.cos(angle) * xs + np.sin(angle) * ys)
        t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
        background = (start * (1 - t[..., None]) + end * t[..., None]).astype(np.float32)
    else:
        base = dull_colour()
        coarse = rng.normal(0, 22, size=(size // 8, size // 8, 1))
        texture = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
        background = (base + texture.reshape(size, size, 1)).astype(np.float32)
    return background


def _object_colour(rng: np.random.Generator, class_id: int) -> np.ndarray:
    """(3,) float32 RGB colour of object class ``class_id`` (0..5)."""
    ranges = COLOUR_RANGES_RGB[_COLOUR_OF[class_id]]
    return np.array([rng.uniform(lo, hi) for lo, hi in ranges], dtype=np.float32)


def _shape_mask(shape: str, centre, size: float, angle: float, canvas: int) -> np.ndarray:
    """(canvas, canvas) bool mask of one filled shape.

    size is the diameter of a circle, the side of a square (times 0.85) or twice
    the circumradius of a triangle; vertices are drawn with 1/16 pixel precision.
    """
    mask = np.zeros((canvas, canvas), dtype=np.uint8)
    cx, cy = centre
    if shape == "circle":
        cv2.circle(mask, (round(cx * 16), round(cy * 16)), round(size / 2 * 16), 1,
                   thickness=-1, lineType=cv2.LINE_8, shift=4)
    else:
        if shape == "square":
            half = 0.85 * size / 2
            corners = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
        elif shape == "triangle":
            angles = np.deg2rad([-90, 30, 150])
            corners = (size / 2) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        else:
            raise ValueError(f"unknown shape {shape!r}; use circle, square or triangle")
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        points = corners @ rotation.T + np.array([cx, cy])
        cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1,
                     lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def _box_of_mask(mask: np.ndarray) -> np.ndarray:
    """(4,) float32 tight xyxy box of a non-empty bool mask (x2 = last column + 1)."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], dtype=np.float32)


def _draw_clutter(rng: np.random.Generator, canvas: np.ndarray, count: int,
                  thickness=(1, 2)) -> np.ndarray:
    """Draw ``count`` lines and small blobs in non-red, non-blue colours.

    canvas: (H, W, 3) float32 RGB, drawn in place. Returns the (H, W) bool mask
    of the pixels the clutter covers.
    """
    size = canvas.shape[0]
    covered = np.zeros(canvas.shape[:2], dtype=np.uint8)
    for _ in range(count):
        colour = np.array(_CLUTTER_COLOURS_RGB[rng.integers(len(_CLUTTER_COLOURS_RGB))],
                          dtype=np.float32) + rng.uniform(-15, 15, size=3)
        mark = np.zeros_like(covered)
        if rng.random() < 0.6:
            p1 = tuple(int(v) for v in rng.integers(0, size, size=2))
            p2 = tuple(int(v) for v in rng.integers(0, size, size=2))
            cv2.line(mark, p1, p2, 1, int(rng.integers(thickness[0], thickness[1] + 1)))
        else:
            centre = tuple(int(v) for v in rng.integers(0, size, size=2))
            axes = tuple(int(v) for v in rng.integers(1, max(2, size // 24) + 1, size=2))
            cv2.ellipse(mark, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        where = mark.astype(bool)
        canvas[where] = np.clip(colour, 0, 255)
        covered |= mark
    return covered.astype(bool)


def _finish(rng: np.random.Generator, canvas_rgb: np.ndarray) -> np.ndarray:
    """Add sensor noise, round to uint8 and convert RGB -> BGR."""
    noisy = canvas_rgb + rng.normal(0, rng.uniform(0, 7), size=canvas_rgb.shape)
    image_rgb = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image_rgb[..., ::-1])


# --------------------------------------------------------------------------
# Single-object images (classifier)
# --------------------------------------------------------------------------

def make_classification_sample(split: str, index: int,
                               size: int = CLASSIFIER_SIZE) -> tuple[np.ndarray, int]:
    """One single-object image and its class.

    Returns (image (size, size, 3) uint8 BGR, class_id int 0..5 into
    OBJECT_CLASSES). About one image in seven is made hard on purpose: tiny
    (6-10 px), faint (15-40 % blended into the background) or crossed by thick
    clutter; some of those are truly ambiguous.
    """
    rng = rng_for(split, "classification", index)
    class_id = int(rng.integers(NUM_OBJECT_CLASSES))
    canvas = _random_background(rng, size)
    _draw_clutter(rng, canvas, int(rng.integers(0, 4)))

    hardness = rng.random()
    small, faint, occluded = hardness < 0.05, 0.05 <= hardness < 0.10, 0.10 <= hardness < 0.15
    object_size = rng.uniform(6, 10) if small else rng.uniform(0.25, 0.7) * size
    margin = object_size / 2 + 1
    centre = rng.uniform(margin, size - margin, size=2)
    mask = _shape_mask(_SHAPE_OF[class_id], centre, object_size,
                       rng.uniform(0, 2 * np.pi), size)
    colour = _object_colour(rng, class_id)
    if faint:
        alpha = rng.uniform(0.15, 0.4)
        canvas[mask] = alpha * colour + (1 - alpha) * canvas[mask]
    else:
        canvas[mask] = colour
    if occluded:
        _draw_clutter(rng, canvas, int(rng.integers(4, 8)), thickness=(2, 6))
    return _finish(rng, canvas), class_id


def make_classification_set(split: str, count: int, size: int = CLASSIFIER_SIZE,
                            start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Items start .. start+count-1 of a split: ((count, size, size, 3) uint8 BGR, (count,) int64)."""
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    labels = np.empty(count, dtype=np.int64)
    for i in range(count):
        images[i], labels[i] = make_classification_sample(split, start + i, size)
    return images, labels


# --------------------------------------------------------------------------
# Multi-object scenes (segmenter and detector)
# --------------------------------------------------------------------------

def _overlap_of_smaller(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection of one (4,) xyxy box with each of (K, 4) boxes, over the smaller area."""
    if len(others) == 0:
        return np.zeros(0)
    w = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return w * h / np.minimum(area, areas)


def make_scene(split: str, index: int, size: int = SCENE_SIZE,
               max_objects: int = 5) -> Scene:
    """One scene with 1..max_objects shapes, clutter behind and in front, and its ground truth.

    Objects may overlap a little (the boxes' intersection is at most 0.2 of the
    smaller box, so no object is hidden whole); a later object hides an
    earlier one in the image and in the label map. Clutter drawn in front of an
    object hides it too (label 0 there) but does not shrink its box.
    """
    rng = rng_for(split, "scene", index)
    canvas = _random_background(rng, size)
    _draw_clutter(rng, canvas, int(rng.integers(0, 6)))

    label_map = np.zeros((size, size), dtype=np.uint8)
    boxes, class_ids = [], []
    wanted = int(rng.integers(1, max_objects + 1))
    for _attempt in range(wanted * 10):
        if len(boxes) == wanted:
            break
        class_id = int(rng.integers(NUM_OBJECT_CLASSES))
        object_size = rng.uniform(0.1, 0.34) * size
        margin = object_size / 2 + 1
        centre = rng.uniform(margin, size - margin, size=2)
        mask = _shape_mask(_SHAPE_OF[class_id], centre, object_size,
                           rng.uniform(0, 2 * np.pi), size)
        box = _box_of_mask(mask)
        if np.any(_overlap_of_smaller(box, np.array(boxes).reshape(-1, 4)) > 0.2):
            continue
        canvas[mask] = _object_colour(rng, class_id)
        label_map[mask] = class_id + 1
        boxes.append(box)
        class_ids.append(class_id)

    covered = _draw_clutter(rng, canvas, int(rng.integers(0, 4)))
    label_map[covered] = 0
    return Scene(
        image=_finish(rng, canvas),
        label_map=label_map,
        boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        class_ids=np.array(class_ids, dtype=np.int64),
    )


def make_scene_set(split: str, count: int, size: int = SCENE_SIZE,
                   start: int = 0) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Scenes start .. start+count-1 of a split.

    Returns (images (count, size, size, 3) uint8 BGR, label maps (count, size,
    size) uint8, boxes: list of (K_i, 4) float32, class_ids: list of (K_i,) int64).
    """
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    label_maps = np.empty((count, size, size), dtype=np.uint8)
    boxes, class_ids = [], []
    for i in range(count):
        scene = make_scene(split, start + i, size)
        images[i], label_maps[i] = scene.image, scene.label_map
        boxes.append(scene.boxes)
        class_ids.append(scene.class_ids)
    return images, label_maps, boxes, class_ids
