"""Drawing detections: boxes, labels and scores that stay readable at any image size.

OpenCV's drawing functions are strict about their arguments: points must be
Python ints (numpy floats give the misleading error "Can't parse 'pt1'") and a
colour must be a tuple of Python numbers in the image's channel order (BGR for
images from ``cv2.imread``). The helpers here do those conversions in one place.
"""
from __future__ import annotations

import cv2
import numpy as np

from .palettes import TAB10, srgb_to_linear

FONT = cv2.FONT_HERSHEY_SIMPLEX


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
    there are more labels than colours), so one class has one colour.
    """
    palette = np.asarray(palette, dtype=np.uint8)
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
    """
    height, width = image.shape[:2]
    (text_w, text_h), baseline = cv2.getTextSize(text, FONT, font_scale, thickness)
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
    cv2.putText(image, text, (left + margin, top + margin + text_h), FONT, font_scale,
                text_bgr, thickness, cv2.LINE_AA)


def draw_detections(image, boxes, labels, scores, palette=None):
    """Draw boxes with "label score" captions on a copy of a BGR image.

    image: (H, W, 3) uint8 BGR. boxes: (K, 4) float xyxy pixels (clipped to the
    image). labels: K class names; scores: K floats. palette: (n, 3) uint8 RGB
    colours (default tab10), one per class. Line width and font grow with the
    image; each label stays inside the image; its text is black or white,
    whichever reads better on the box colour.
    Returns a new (H, W, 3) uint8 image; the input is not changed.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not len(boxes) == len(labels) == len(scores):
        raise ValueError(f"got {len(boxes)} boxes, {len(labels)} labels and {len(scores)} scores; "
                         "give one label and one score per box")
    bad_rows = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if bad_rows.size:
        raise ValueError(f"box in row {bad_rows[0]} is not finite: {boxes[bad_rows[0]]}")
    out = image.copy()
    height, width = out.shape[:2]
    font_scale, thickness = drawing_scale(out.shape)
    colours = colours_per_class(labels, TAB10 if palette is None else palette)
    text_colours = {label: text_colour_on(rgb)[::-1] for label, rgb in colours.items()}  # once per class
    corners = np.clip(boxes, 0, [width - 1, height - 1, width - 1, height - 1]).round().astype(int)
    for (x1, y1, x2, y2), label, score in zip(corners.tolist(), labels, scores):
        colour_bgr = colours[label][::-1]
        cv2.rectangle(out, (x1, y1), (x2, y2), colour_bgr, thickness)
        draw_label(out, f"{label} {float(score):.2f}", (x1, y1), colour_bgr,
                   font_scale, max(1, thickness - 1), text_colours[label])
    return out
