"""From a segmenter's scores to a label map, coloured pictures, overlays and a legend.

A label map is an integer (H, W) array: one class index per pixel. It stays
integer everywhere: labels are never interpolated (a bilinear resize fills the
border between "cat" (8) and "person" (15) with 9 to 14: "chair", "cow", "dog",
classes that are not there), so resizing uses the nearest neighbour.

Palettes are (n, 3) uint8 arrays (see :mod:`helpers.palettes`); ``colorize`` and
``overlay`` use them in the channel order they are given, so pass an RGB palette
with an RGB image, and convert the result with ``cv2.cvtColor(..., cv2.COLOR_RGB2BGR)``
before ``cv2.imwrite``. A palette of integers 0-255 of another dtype is accepted; a
float palette (matplotlib's 0-1 colours) is refused, saying how to convert it
(:func:`helpers.palettes.as_uint8_palette`).

Inputs are checked where they enter, and refused with an error that names the value:
an empty label map or scores, NaN scores, a size that is not two positive integers or
past ``helpers.images.MAX_PIXELS`` (checked before anything is allocated).
"""
from __future__ import annotations

import numbers

import cv2
import numpy as np

from .palettes import as_uint8_palette

from .images import check_pixel_count  # helpers.images.MAX_PIXELS: the one pixel limit of the helpers


def _check_size(size, name="size"):
    """``size`` as two positive ints (width, height), refusing what cannot be a picture's size."""
    try:
        width, height = size
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (width, height), two positive integers, got {size!r}") from None
    values = []
    for what, value in (("width", width), ("height", height)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not float(value).is_integer() or value < 1:
            raise ValueError(f"{name} must be (width, height), two positive integers; its {what} is {value!r}")
        values.append(int(value))
    width, height = values
    check_pixel_count(width, height, f"{name} {size!r} (width, height)")
    return width, height


def _as_label_map(label_map):
    """A non-empty (H, W) integer label map, or an error that says what is wrong with it."""
    label_map = np.asarray(label_map)
    if label_map.ndim != 2:
        if label_map.ndim == 3 and label_map.shape[0] == 1:
            hint = "drop the batch axis first (label_map[0])"
        elif label_map.ndim == 3:
            hint = "scores (C, h, w) become labels with scores_to_label_map (the argmax over classes)"
        else:
            hint = "give one label per pixel, an (H, W) array of integers"
        raise ValueError(f"a label map is (H, W), one label per pixel, got shape {label_map.shape}; {hint}")
    if label_map.size == 0:
        raise ValueError(f"the label map has shape {label_map.shape}: no pixels to colour; "
                         "check the crop or the size it was resized to")
    return label_map


def scores_to_label_map(scores, size):
    """Per-class scores to a label map of another size.

    scores: (C, h, w) float scores (logits or probabilities) for C classes.
    size: (width, height) of the output, in OpenCV's order.
    Returns an (height, width) int32 label map: the argmax over classes at the
    network's resolution, then a nearest-neighbour resize (never interpolated).
    Refused: not 3 axes, an empty axis, non-numeric scores, a NaN score (``argmax``
    would silently call the NaN class the winner), and a size that is not two positive
    integers or is past ``helpers.images.MAX_PIXELS``.
    """
    scores = np.asarray(scores)
    if scores.ndim != 3:
        raise ValueError(f"expected scores of shape (C, h, w), got {scores.shape}; "
                         "drop the batch axis first (scores[0])")
    if scores.dtype == object or not (np.issubdtype(scores.dtype, np.number) or scores.dtype == bool) \
            or np.issubdtype(scores.dtype, np.complexfloating):
        raise TypeError(f"scores must be real numbers (float logits or probabilities), got dtype {scores.dtype}")
    if scores.size == 0:
        raise ValueError(f"scores of shape {scores.shape} are empty: (C, h, w) needs at least one class "
                         "and one pixel")
    width, height = _check_size(size)
    if np.issubdtype(scores.dtype, np.floating):
        nan = np.isnan(scores)
        if nan.any():
            c, y, x = np.argwhere(nan)[0]
            raise ValueError(f"scores hold {int(nan.sum())} NaN (the first at class {c}, row {y}, column {x}); "
                             "argmax would silently pick the NaN class there. Find where the NaN comes from "
                             "(an overflow in exp, a division by zero) instead of passing it on")
    labels = scores.argmax(axis=0).astype(np.int32)
    return cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)


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
    The palette holds integers 0-255; a float palette (matplotlib's colours are floats
    0-1) is a TypeError that says how to convert it. An empty label map, or one that
    is not (H, W), is a ValueError.
    """
    palette = as_uint8_palette(palette)
    label_map = _as_label_map(label_map)
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
    Refused: an image that is not (H, W, 3) uint8, a label map of another size, an alpha
    outside 0-1 (or NaN), and whatever :func:`colorize` refuses (float palettes, empty maps).
    """
    image = np.asarray(image)
    label_map = np.asarray(label_map)
    if image.ndim == 3 and image.shape[2] != 3 and image.shape[:2] == label_map.shape:
        raise ValueError(f"image must be (H, W, 3), got shape {image.shape}; drop the alpha channel "
                         "(image[..., :3]) or convert with cv2.cvtColor")
    if image.ndim != 3 or image.shape[:2] != label_map.shape:
        raise ValueError(f"image {image.shape} and label map {label_map.shape} differ in size; "
                         "resize the label map with scores_to_label_map(scores, (W, H)) first"
                         + ("; a grayscale image needs cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)" if image.ndim == 2
                            else ""))
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8 (0-255), got dtype {image.dtype}; convert a 0-1 float image "
                        "with np.round(image * 255).astype(np.uint8)")
    try:
        float(alpha)
    except (TypeError, ValueError):
        raise TypeError(f"alpha is the weight of the colour, a number from 0 to 1; got {alpha!r}") from None
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

    palette = as_uint8_palette(palette)
    shown = range(len(class_names)) if labels is None else [int(k) for k in labels]
    handles = [Patch(facecolor=np.asarray(palette[k]) / 255, edgecolor="black", label=f"{k} {class_names[k]}")
               for k in shown]
    legend_kwargs.setdefault("loc", "upper left")
    legend_kwargs.setdefault("bbox_to_anchor", (1.01, 1.0))
    legend_kwargs.setdefault("fontsize", "small")
    return ax.legend(handles=handles, **legend_kwargs)
