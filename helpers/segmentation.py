"""From a segmenter's scores to a label map, coloured pictures, overlays and a legend.

A label map is an integer (H, W) array: one class index per pixel. It stays
integer everywhere: labels are never interpolated (a bilinear resize fills the
border between "cat" (8) and "person" (15) with 9 to 14: "chair", "cow", "dog",
classes that are not there), so resizing uses the nearest neighbour.

Palettes are (n, 3) uint8 arrays (see :mod:`helpers.palettes`); ``colorize`` and
``overlay`` use them in the channel order they are given, so pass an RGB palette
with an RGB image, and convert the result with ``cv2.cvtColor(..., cv2.COLOR_RGB2BGR)``
before ``cv2.imwrite``.
"""
from __future__ import annotations

import cv2
import numpy as np


def scores_to_label_map(scores, size):
    """Per-class scores to a label map of another size.

    scores: (C, h, w) float scores (logits or probabilities) for C classes.
    size: (width, height) of the output, in OpenCV's order.
    Returns an (height, width) int32 label map: the argmax over classes at the
    network's resolution, then a nearest-neighbour resize (never interpolated).
    """
    scores = np.asarray(scores)
    if scores.ndim != 3:
        raise ValueError(f"expected scores of shape (C, h, w), got {scores.shape}; "
                         "drop the batch axis first (scores[0])")
    labels = scores.argmax(axis=0).astype(np.int32)
    width, height = size
    return cv2.resize(labels, (int(width), int(height)), interpolation=cv2.INTER_NEAREST)


def _check_labels(label_map, palette):
    """Raise a ValueError naming the first label that has no colour in the palette."""
    label_map = np.asarray(label_map)
    if not np.issubdtype(label_map.dtype, np.integer):
        raise TypeError(f"a label map holds integer labels, got dtype {label_map.dtype}; "
                        "take the argmax of the scores (never interpolate labels)")
    if label_map.size and (label_map.min() < 0 or label_map.max() >= len(palette)):
        bad = label_map.min() if label_map.min() < 0 else label_map.max()
        raise ValueError(f"label {bad} has no colour: the palette has {len(palette)} colours "
                         f"(labels 0 to {len(palette) - 1}); use a longer palette, e.g. voc_colormap(256)")


def colorize(label_map, palette):
    """Colour a label map.

    label_map: (H, W) integer labels; palette: (n, 3) uint8 colours.
    Returns a new (H, W, 3) uint8 image with pixel = palette[label], in the
    palette's channel order. A label outside 0..n-1 is a ValueError that names it
    (255, the usual "ignore" label, is fine with a 256-colour palette).
    """
    palette = np.asarray(palette, dtype=np.uint8)
    _check_labels(label_map, palette)
    if len(palette) > 256:  # more classes than a uint8 lookup table holds
        return np.take(palette, label_map, axis=0)
    # A lookup table: OpenCV's applyColorMap with our own 256-entry table does
    # pixel = table[label] about 7x faster than NumPy indexing.
    table = np.zeros((256, 1, 3), np.uint8)
    table[:len(palette), 0] = palette
    return cv2.applyColorMap(np.asarray(label_map).astype(np.uint8), table)


def overlay(image, label_map, palette, alpha=0.5, background=0):
    """Blend label colours over an image, leaving the background untouched.

    image: (H, W, 3) uint8, in the same channel order as palette (n, 3) uint8.
    label_map: (H, W) integer labels. Pixels whose label is ``background`` keep
    the image's value; the others become ``(1 - alpha) * image + alpha * colour``.
    Returns a new (H, W, 3) uint8 image; the input is not changed.
    """
    image = np.asarray(image)
    label_map = np.asarray(label_map)
    if image.ndim != 3 or image.shape[:2] != label_map.shape:
        raise ValueError(f"image {image.shape} and label map {label_map.shape} differ in size; "
                         "resize the label map with scores_to_label_map(scores, (W, H)) first")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha is the weight of the colour, from 0 to 1; got {alpha}")
    colours = colorize(label_map, palette)
    blended = cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)
    foreground = (label_map != background).astype(np.uint8)
    out = image.copy()
    cv2.copyTo(blended, foreground, out)  # copy the blend where the mask is non-zero
    return out


def add_legend(ax, class_names, palette, labels=None, **legend_kwargs):
    """Add a legend of coloured squares with class names to a matplotlib Axes.

    class_names: one name per label; palette: (n, 3) uint8 RGB. ``labels``
    restricts the legend to these labels (e.g. ``np.unique(label_map)``).
    Extra keyword arguments go to ``ax.legend``. Returns the Legend.
    """
    from matplotlib.patches import Patch

    shown = range(len(class_names)) if labels is None else [int(k) for k in labels]
    handles = [Patch(facecolor=np.asarray(palette[k]) / 255, edgecolor="black", label=f"{k} {class_names[k]}")
               for k in shown]
    legend_kwargs.setdefault("loc", "upper left")
    legend_kwargs.setdefault("bbox_to_anchor", (1.01, 1.0))
    legend_kwargs.setdefault("fontsize", "small")
    return ax.legend(handles=handles, **legend_kwargs)
