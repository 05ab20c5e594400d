"""Drawing detections: boxes, labels and scores that stay readable at any image size.

Label text goes through :mod:`helpers.text`, so it can be in any script ("猫 0.91"):
cv2's Hershey font alone would draw it as "??? 0.91".

OpenCV's drawing functions are strict about their arguments: points must be
Python ints (numpy floats give the misleading error "Can't parse 'pt1'") and a
colour must be a tuple of Python numbers in the image's channel order (BGR for
images from ``cv2.imread``). The helpers here do those conversions in one place.
"""
from __future__ import annotations

import numbers

import cv2
import numpy as np

from .palettes import TAB10, srgb_to_linear
from .text import HERSHEY, checked_canvas, checked_text_args, draw_checked, measure_checked, put_text, text_size

FONT = HERSHEY  # ASCII labels: cv2's Hershey font, as before; other text: real fonts (helpers.text)


def relative_luminance(rgb):
    """WCAG relative luminance of an (R, G, B) colour in 0-255: 0 for black, 1 for white."""
    return float(srgb_to_linear(rgb) @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(rgb_a, rgb_b):
    """WCAG contrast ratio of two RGB colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted([relative_luminance(rgb_a), relative_luminance(rgb_b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(rgb):
    """Black or white, whichever is easier to read on the RGB colour ``rgb``: an (R, G, B) tuple."""
    black, white = (0, 0, 0), (255, 255, 255)
    return black if contrast_ratio(rgb, black) >= contrast_ratio(rgb, white) else white


def colours_per_class(labels, palette):
    """A colour for each distinct label: {label: (R, G, B) tuple of ints}.

    Distinct labels take the palette's colours in sorted order (repeating when
    there are more labels than colours), so one class has one colour. The palette is
    checked as draw_detections checks it: (n, 3) integers 0-255, floats 0-1 refused.
    """
    palette = _checked_palette(palette)
    return {label: tuple(int(c) for c in palette[k % len(palette)])
            for k, label in enumerate(sorted(set(labels)))}


def drawing_scale(image_shape):
    """(font_scale, line_thickness) for an image of shape (H, W, ...): grows with the image."""
    short_side = min(image_shape[:2])
    return max(0.3, short_side / 800), max(1, round(short_side / 500))


def draw_label(image, text, anchor, colour_bgr, font_scale, thickness, text_bgr=None):
    """Draw ``text`` on a filled box of ``colour_bgr`` above ``anchor`` = (x, y), in place.

    The label moves down (inside the box) when there is no room above, and
    left or right so that it always stays inside the image. ``text_bgr`` is the
    text colour (default: black or white, whichever reads better on the box).
    Text in any script is drawn (helpers.text.put_text): ASCII with cv2's Hershey font
    exactly as cv2.putText draws it, "猫" or "😺" with real fonts in a box of the same height.

    Colours are 3 numbers 0-255 in any form (a tuple, a list, a NumPy uint8 array or its
    items): they are passed to OpenCV as a tuple of Python ints. A colour of floats 0-1,
    a NaN anchor, a font_scale that is not > 0 or a thickness that is not a whole number
    >= 1 is a ValueError naming it.
    """
    colour_bgr = checked_colour(colour_bgr, "colour_bgr")
    text_bgr = None if text_bgr is None else checked_colour(text_bgr, "text_bgr")
    anchor = _checked_point(anchor, "anchor")
    font_scale = float(font_scale) if isinstance(font_scale, numbers.Real) else font_scale
    if not isinstance(font_scale, float) or not (np.isfinite(font_scale) and font_scale > 0):
        raise ValueError(f"font_scale must be a number > 0 (drawing_scale(image.shape)[0]), got {font_scale!r}")
    if (isinstance(thickness, bool) or not isinstance(thickness, numbers.Real)
            or not float(thickness).is_integer() or thickness < 1):
        raise ValueError(f"thickness must be a whole number >= 1 (OpenCV takes ints), got {thickness!r}: "
                         "max(1, round(thickness))")
    checked_canvas(image)
    text, _, _ = checked_text_args(text, font_scale, thickness)
    _draw_label(image, text, anchor, colour_bgr, font_scale, int(thickness), text_bgr)


def _draw_label(image, text, anchor, colour_bgr, font_scale, thickness, text_bgr=None):
    """draw_label once its arguments are known to be right (draw_detections checks them once)."""
    height, width = image.shape[:2]
    (text_w, text_h), baseline = measure_checked(text, float(font_scale), thickness)
    margin = max(1, thickness)
    label_w, label_h = text_w + 2 * margin, text_h + baseline + 2 * margin
    x, y = anchor
    top = y - label_h if y - label_h >= 0 else y
    top = int(min(max(top, 0), height - label_h))
    left = int(min(max(x, 0), width - label_w))
    left, top = max(left, 0), max(top, 0)
    cv2.rectangle(image, (left, top), (left + label_w - 1, top + label_h - 1), colour_bgr, -1)
    if text_bgr is None:
        text_bgr = text_colour_on(colour_bgr[::-1])[::-1]
    draw_checked(image, text, (left + margin, top + margin + text_h), float(font_scale),
                 tuple(int(c) for c in text_bgr), thickness)


def checked_colour(colour, name="colour"):
    """A colour as OpenCV takes it: a tuple of 3 Python ints 0-255, or an error naming the fix.

    Accepts any 3 numbers 0-255: a tuple, a list, a NumPy array (uint8 or any integers) or
    floats that are whole numbers (255.0). Floats with a fraction are refused (all in 0-1:
    matplotlib's scale, multiply by 255 first), as are NaN, values out of 0-255 and other lengths.
    """
    try:
        values = np.asarray(colour)
    except Exception:
        values = None
    if values is None or values.dtype == object or values.shape != (3,):
        shape = getattr(values, "shape", None)
        advice = " (drop the alpha: colour[:3])" if shape == (4,) else ""
        raise ValueError(f"{name} should be 3 numbers 0-255 (B, G, R), got {colour!r}{advice}")
    numeric = np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
    if values.dtype == bool or not numeric:
        raise ValueError(f"{name} should be 3 numbers 0-255, got dtype {values.dtype}: {colour!r}")
    if np.issubdtype(values.dtype, np.floating):
        if not np.isfinite(values).all():
            raise ValueError(f"{name} is {values.tolist()}: NaN or inf is no colour")
        if (values != np.round(values)).any():
            fix = ("floats 0-1 (matplotlib's scale): use tuple(int(round(c * 255)) for c in colour)"
                   if values.min() >= 0 and values.max() <= 1 else "round it: tuple(int(round(c)) for c in colour)")
            raise ValueError(f"{name} is {values.tolist()}: OpenCV colours are whole numbers 0-255; {fix}")
    if values.min() < 0 or values.max() > 255:
        raise ValueError(f"{name} is {values.tolist()}: each value must be 0-255")
    return tuple(int(c) for c in values.tolist())


def _checked_point(point, name):
    """(x, y) as Python numbers (whole ones as ints), or an error naming the point."""
    try:
        values = np.asarray(point, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (2,):
        raise ValueError(f"{name} should be 2 numbers (x, y) in pixels, got {point!r}")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} is {values.tolist()}: NaN or inf is no position. Drop that detection first")
    if np.abs(values).max() > 2**30:
        raise ValueError(f"{name} is {values.tolist()}: far outside any image (OpenCV takes 32-bit ints)")
    return tuple(int(v) if v.is_integer() else v for v in values.tolist())  # as given: _draw_label truncates


def draw_detections(image, boxes, labels, scores, palette=None):
    """Draw boxes with "label score" captions on a copy of a BGR image.

    image: (H, W, 3) uint8 BGR. boxes: (N, 4) float corners (x1, y1, x2, y2) in pixels,
    x2 >= x1 and y2 >= y1 (clipped to the image). labels: N class names; scores: N
    finite floats. palette: (n, 3) RGB colours, uint8 or ints 0-255 (default tab10), one per
    class; floats are refused (0-1 ones, matplotlib's, would draw black). Line width and
    font grow with the image; each label stays inside the image;
    its text is black or white, whichever reads better on the box colour.
    Returns a new (H, W, 3) uint8 image; the input is not changed. Bad arguments raise
    TypeError or ValueError saying what to fix (see :func:`checked_drawing_inputs`).
    """
    image, boxes, labels, scores, palette = checked_drawing_inputs(image, boxes, labels, scores, palette)
    out = image.copy()
    height, width = out.shape[:2]
    font_scale, thickness = drawing_scale(out.shape)
    colours = colours_per_class(labels, palette)
    text_colours = {label: text_colour_on(rgb)[::-1] for label, rgb in colours.items()}  # once per class
    corners = np.clip(boxes, 0, [width - 1, height - 1, width - 1, height - 1]).round().astype(int)
    for (x1, y1, x2, y2), label, score in zip(corners.tolist(), labels, scores.tolist()):
        colour_bgr = colours[label][::-1]
        cv2.rectangle(out, (x1, y1), (x2, y2), colour_bgr, thickness)
        _draw_label(out, f"{label} {score:.2f}", (x1, y1), colour_bgr,
                   font_scale, max(1, thickness - 1), text_colours[label])
    return out


# --------------------------------------------------------------------------- #
# The validation ladder of draw_detections: each error says what to fix
# --------------------------------------------------------------------------- #
def checked_drawing_inputs(image, boxes, labels, scores, palette=None):
    """draw_detections' arguments, checked in order and normalised.

    Returns (image, boxes (N, 4) float64, labels (list of N), scores (N,) float64,
    palette (n, 3) uint8 RGB, tab10 when None). Raises TypeError for an argument of the
    wrong kind and ValueError for a wrong shape or value, each naming the fix.
    """
    image = _checked_image(image)
    boxes = _checked_boxes(boxes)
    labels = _checked_labels(labels, len(boxes))
    scores = _checked_scores(scores, len(boxes))
    return image, boxes, labels, scores, _checked_palette(palette)


def _checked_image(image):
    """One (H, W, 3) uint8 BGR image, or an error naming the conversion that gives one."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image should be a NumPy array of shape (H, W, 3), uint8 BGR, not "
                        f"{type(image).__name__}: read it with cv2.imread, or wrap it in np.asarray")
    shape = image.shape
    if image.ndim == 4:
        raise ValueError(f"image has shape {shape}: a batch of {shape[0]} images. Draw on one image "
                         f"at a time (image[0])")
    if image.ndim == 2 or (image.ndim == 3 and shape[2] == 1):
        raise ValueError(f"image has shape {shape}: a grayscale image. Convert it to 3 channels first: "
                         f"cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)")
    if image.ndim == 3 and shape[2] == 4:
        raise ValueError(f"image has shape {shape}: 4 channels (BGRA). Drop the alpha channel first: "
                         f"cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)")
    if image.ndim == 3 and shape[0] == 3 and shape[2] != 3:
        raise ValueError(f"image has shape {shape}: channels first (a network's layout). Drawing needs "
                         f"(H, W, 3): image.transpose(1, 2, 0)")
    if image.ndim != 3 or shape[2] != 3:
        raise ValueError(f"image should have shape (H, W, 3), one BGR image; got shape {shape}")
    if image.size == 0:
        raise ValueError(f"image has shape {shape}: no pixels to draw on. Check how it was loaded or cropped")
    if image.dtype != np.uint8:
        if np.issubdtype(image.dtype, np.floating):
            low, high = (float(image.min()), float(image.max())) if image.size else (0.0, 0.0)
            fix = ("(image * 255).round().clip(0, 255).astype(np.uint8)" if high <= 1.0
                   else "image.round().clip(0, 255).astype(np.uint8)")
            raise ValueError(f"image is {image.dtype} with values {low:g} to {high:g}: drawing needs a uint8 "
                             f"image with values 0-255. Convert it first: {fix}")
        raise ValueError(f"image has dtype {image.dtype}: drawing needs a uint8 image with values 0-255 "
                         f"(image.clip(0, 255).astype(np.uint8))")
    return image


def _checked_boxes(boxes):
    """(N, 4) float64 corners with x2 >= x1 and y2 >= y1, all finite."""
    try:
        boxes = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"boxes should be an (N, 4) array of numbers ({exc})") from None
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        advice = " For one box pass [box] (or box[None])." if boxes.shape == (4,) else ""
        raise ValueError(f"boxes should have shape (N, 4), corners (x1, y1, x2, y2); got shape "
                         f"{boxes.shape}.{advice}")
    not_finite = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if not_finite.size:
        row = not_finite[0]
        raise ValueError(f"box in row {row} is not finite: {boxes[row].tolist()}. Drop boxes with NaN or "
                         f"inf coordinates before drawing")
    flipped = np.flatnonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))
    if flipped.size:
        row = flipped[0]
        if (boxes[flipped, 2:] > 0).all():  # every bad row ends in two positive numbers: sizes
            raise ValueError(f"box in row {row} is {boxes[row].tolist()}: x2 < x1 or y2 < y1. These look "
                             f"like (x, y, w, h): convert them to corners, x2 = x + w and y2 = y + h")
        raise ValueError(f"box in row {row} is {boxes[row].tolist()}: x2 < x1 or y2 < y1. Boxes are corners "
                         f"(x1, y1, x2, y2) with x2 >= x1 and y2 >= y1: are two corners swapped?")
    return boxes


def _checked_labels(labels, count):
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"labels should be a list of {count} names, one per box, not one string "
                        f"({labels!r}): for one box pass [{labels!r}]")
    try:
        labels = list(labels)
    except TypeError:
        raise TypeError(f"labels should be a list of {count} names, one per box, not "
                        f"{type(labels).__name__}") from None
    if len(labels) != count:
        raise ValueError(f"got {count} boxes but {len(labels)} labels: give one label per box")
    for k, label in enumerate(labels):
        try:
            hash(label)
        except TypeError:
            raise TypeError(f"label {k} is {type(label).__name__} {label!r}: labels should be names (str) or "
                            "class ids (int), one per box; for an array of ids pass ids.tolist()") from None
    return labels


def _checked_scores(scores, count):
    try:
        values = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"scores should be {count} numbers, one per box, not {type(scores).__name__}") from None
    if values.ndim != 1 or len(values) != count:
        raise ValueError(f"got {count} boxes but scores of shape {values.shape}: give one score per box, "
                         f"a list or array of {count} numbers")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"score in row {bad[0]} is {values[bad[0]]}: a caption would read 'nan'. Drop "
                         "detections whose score is not finite before drawing")
    return values


def _checked_palette(palette):
    """(n, 3) uint8 RGB colours (tab10 for None)."""
    if palette is None:
        return TAB10
    colours = np.asarray(palette)
    if colours.shape == (3,):
        raise ValueError(f"palette should be (n, 3) colours; got one colour {colours.tolist()}: for one "
                         f"colour pass [colour] (or colour[None])")
    if colours.ndim != 2 or colours.shape[1] != 3 or len(colours) == 0:
        advice = " Drop the alpha column: palette[:, :3]." if colours.ndim == 2 and colours.shape[1] == 4 else ""
        raise ValueError(f"palette should have shape (n, 3), n >= 1 RGB colours; got shape "
                         f"{colours.shape}.{advice}")
    if colours.dtype == bool:
        raise ValueError("palette holds booleans: give uint8 or ints 0-255")
    if not np.issubdtype(colours.dtype, np.integer):
        if np.issubdtype(colours.dtype, np.floating) and not np.isfinite(colours).all():
            raise ValueError(f"palette holds NaN or inf: {colours.tolist()[:4]}; give uint8 or ints 0-255")
        if np.issubdtype(colours.dtype, np.floating) and colours.max() <= 1.0:
            raise ValueError("palette holds floats in 0-1 (matplotlib's colours?): give uint8 or ints 0-255, "
                             "e.g. (np.asarray(palette) * 255).round().astype(np.uint8)")
        raise ValueError(f"palette has dtype {colours.dtype}: give uint8 or ints 0-255 "
                         f"(np.asarray(palette).round().astype(np.uint8))")
    if colours.min() < 0 or colours.max() > 255:
        raise ValueError(f"palette values must be 0-255; got {colours.min()} to {colours.max()}")
    return colours.astype(np.uint8)
