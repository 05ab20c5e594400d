"""Notebook 05: from a person segmenter's soft probability map to a mask at the photo's size."""
import cv2
import numpy as np

from ..person import probability_to_mask
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "05_segmentation_colormaps"


def _smooth_probabilities(shape, rng, blobs=4.0):
    """An (h, w) float32 map in (0, 1) with smooth regions, like a segmenter's output."""
    h, w = shape
    coarse = rng.normal(0.0, blobs, (max(h // 6, 2), max(w // 6, 2))).astype(np.float32)
    logits = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    return (1 / (1 + np.exp(-logits))).astype(np.float32)


def _person_like(size=64):
    """A soft head-and-shoulders map, (size, size) float32."""
    shape = np.zeros((size, size), np.float32)
    cv2.circle(shape, (size // 2, size * 3 // 8), size // 6, 1.0, -1)
    cv2.ellipse(shape, (size // 2, size), (size * 3 // 8, size * 3 // 8), 0, 180, 360, 1.0, -1)
    return np.clip(cv2.GaussianBlur(shape, (0, 0), size / 40), 0, 1).astype(np.float32)


def _mask_cases():
    rng = np.random.default_rng(0)
    nan_map = _smooth_probabilities((8, 8), rng)
    nan_map[3, 4] = np.nan
    return [
        Case("a smooth (24, 32) probability map to size (128, 96), width 128 and height 96",
             (_smooth_probabilities((24, 32), rng), (128, 96))),
        Case("a (16, 12) map to size (60, 90) with threshold=0.3",
             (_smooth_probabilities((16, 12), rng), (60, 90)), {"threshold": 0.3}),
        Case("a person-like (64, 64) map to a photo's size (451, 300)", (_person_like(), (451, 300))),
        Case("a (20, 30) float64 map at its own size (30, 20)",
             (_smooth_probabilities((20, 30), rng).astype(np.float64), (30, 20))),
        Case("probabilities above 1 (logits passed by mistake)",
             (rng.normal(0.0, 3.0, (8, 8)).astype(np.float32), (16, 16)), raises=ValueError),
        Case("a map with a NaN", (nan_map, (16, 16)), raises=ValueError),
    ]


def _threshold_then_resize(interpolation):
    def wrong(prob, size, threshold=0.5):
        hard = (np.asarray(prob) > threshold).astype(np.uint8)
        return cv2.resize(hard, tuple(size), interpolation=interpolation).astype(bool)
    return wrong


def _threshold_then_resize_float(prob, size, threshold=0.5):
    hard = (np.asarray(prob) > threshold).astype(np.float32)
    return cv2.resize(hard, tuple(size), interpolation=cv2.INTER_LINEAR) > 0.5


def _resize_then_threshold(interpolation, fixed_threshold=None, swap_size=False):
    def wrong(prob, size, threshold=0.5):
        size = (size[1], size[0]) if swap_size else tuple(size)
        soft = cv2.resize(np.asarray(prob, np.float32), size, interpolation=interpolation)
        return soft > (threshold if fixed_threshold is None else fixed_threshold)
    return wrong


def _wrong_shape_is_transposed(run):
    width, height = run.case.args[1]
    return (isinstance(run.got, np.ndarray) and run.got.shape == (width, height)
            and (width, height) != (height, width))


register(Exercise(
    name="probability_to_mask",
    notebook=NOTEBOOK,
    reference=probability_to_mask,
    cases=_mask_cases,
    summary="soft (h, w) probabilities to a bool mask at size (width, height)",
    hint="""
        Resize the soft map first, then threshold: cv2.resize(prob.astype(np.float32), size,
        interpolation=cv2.INTER_LINEAR) > threshold. size is (width, height), as in OpenCV,
        so the mask's shape is (height, width). Before that, refuse bad input: if the map has
        a NaN or values outside [0, 1] (logits, not probabilities), raise a ValueError.
    """,
    mistakes=[
        Mistake("ex05_person.todo1", "size is (width, height), as in OpenCV; your mask has shape (width, height). "
                "cv2.resize(prob, size) already gives (height, width): pass size as it is.",
                detect=_wrong_shape_is_transposed),
        Mistake("ex05_person.todo2", "your mask's edge follows the big low-resolution pixels (blocky steps): you "
                "thresholded before resizing, or resized the probabilities with nearest-neighbour "
                "interpolation (the same blocks). Resize the soft map with bilinear interpolation "
                "(cv2.INTER_LINEAR) first, then threshold.", impl=_threshold_then_resize(cv2.INTER_NEAREST)),
        Mistake("ex05_person.todo3", "your mask's edge is blocky: you thresholded before resizing, or resized with "
                "nearest-neighbour interpolation (INTER_NEAREST_EXACT). Resize the soft map with "
                "bilinear interpolation first, then threshold.",
                impl=_threshold_then_resize(cv2.INTER_NEAREST_EXACT)),
        Mistake("ex05_person.todo4", "you thresholded before resizing (then resized the 0/1 mask): the edge is blocky. "
                "Resize the soft probabilities first, then threshold.",
                impl=_threshold_then_resize(cv2.INTER_LINEAR)),
        Mistake("ex05_person.todo5", "you thresholded before resizing (then resized the 0/1 mask as floats): resize "
                "the soft probabilities first, then threshold.", impl=_threshold_then_resize_float),
        Mistake("ex05_person.todo6", "use bilinear interpolation (cv2.INTER_LINEAR) for the soft map: cubic "
                "interpolation overshoots and moves the edge.", impl=_resize_then_threshold(cv2.INTER_CUBIC)),
        Mistake("ex05_person.todo7", "you used 0.5 instead of the threshold argument.",
                impl=_resize_then_threshold(cv2.INTER_LINEAR, fixed_threshold=0.5)),
        Mistake("ex05_person.todo8", "return a bool mask (the comparison `soft > threshold` gives one), not 0/1 or 0/255 "
                "numbers: a bool mask indexes images directly, image[mask].",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != bool),
    ],
))
