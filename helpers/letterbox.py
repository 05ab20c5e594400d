"""Letterboxing: fit an image into a detector's square input without stretching it, and undo it.

The image is scaled by ``gain = min(W / w, H / h)`` (so it fits), then padded
with a grey border to exactly (W, H). A box the network finds in the padded
image goes back to the original image by *first* subtracting the padding, *then*
dividing by the gain, then clipping to the image.

Boxes are float ``x1, y1, x2, y2`` in continuous pixel coordinates.
"""
from __future__ import annotations

import numbers

import cv2
import numpy as np

# The largest network input letterbox makes: 8192 x 8192 pixels (192 MB as uint8 BGR).
MAX_INPUT_PIXELS = 8192 * 8192


def _real(value, name, advice):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} should be a number, not {type(value).__name__} {value!r}; {advice}")
    return float(value)


def _pair(value, name, advice):
    """Two real numbers (x, y) or (width, height), as floats."""
    try:
        items = list(np.asarray(value, dtype=object).reshape(-1)) if not isinstance(value, (str, bytes)) else None
    except Exception:
        items = None
    if items is None or len(items) != 2:
        raise ValueError(f"{name} should be two numbers, got {value!r}; {advice}")
    return tuple(_real(item, name, advice) for item in items)


def letterbox(image, size=(640, 640), color=(114, 114, 114)):
    """Resize keeping the aspect ratio, then pad to ``size``.

    image: (h, w, 3) uint8. size: (W, H) of the network input. color: the
    padding colour (YOLO's grey by default).
    Returns (padded, gain, (pad_x, pad_y)): padded is a new (H, W, 3) uint8
    image, gain the float scale factor, pad_x and pad_y the ints of padding on
    the left and on the top (an odd pixel of padding goes right or bottom).

    An empty image, a ``size`` that is not two positive whole numbers or past
    MAX_INPUT_PIXELS (8192 x 8192) in all, is a ValueError naming it.
    """
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        shape = getattr(image, "shape", None)
        raise ValueError(f"image should be an (h, w, 3) NumPy array, got {type(image).__name__} of shape {shape}")
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"image has shape {image.shape}: no pixels to letterbox. Check how it was loaded or cropped")
    advice = "give the network input's (width, height) in pixels, e.g. (640, 640)"
    out_width, out_height = _pair(size, "size", advice)
    if not (out_width >= 1 and out_height >= 1 and out_width.is_integer() and out_height.is_integer()):
        raise ValueError(f"size must be two whole numbers >= 1 (width, height), got {size!r}; {advice}")
    out_width, out_height = int(out_width), int(out_height)
    if out_width * out_height > MAX_INPUT_PIXELS:
        raise ValueError(f"size {size!r} is {out_width * out_height:,} pixels, past the limit of "
                         f"{MAX_INPUT_PIXELS:,} (8192 x 8192); {advice}")
    gain = min(out_width / width, out_height / height)
    # at least one pixel: a 1 x 100000 strip would round to 0 rows, which cv2.resize refuses
    new_width, new_height = max(1, round(width * gain)), max(1, round(height * gain))
    resized = cv2.resize(image, (new_width, new_height), interpolation=cv2.INTER_LINEAR)
    pad_x, pad_y = (out_width - new_width) // 2, (out_height - new_height) // 2
    padded = cv2.copyMakeBorder(resized, pad_y, out_height - new_height - pad_y,
                                pad_x, out_width - new_width - pad_x,
                                cv2.BORDER_CONSTANT, value=tuple(int(c) for c in color))
    return padded, gain, (pad_x, pad_y)


def unletterbox_boxes(boxes, gain, pad, image_size):
    """Map boxes from the letterboxed input back to the original image.

    boxes: (N, 4) float xyxy in network-input pixels; gain and pad as returned
    by :func:`letterbox`; image_size: (width, height) of the original image.
    Returns a new (N, 4) float32 array: padding removed first, then divided by
    the gain, then clipped to the image. A box with NaN is a ValueError naming its row;
    so is a gain that is not a finite number > 0 (dividing by 0 gives inf and NaN boxes),
    a pad that is not two finite numbers, or an image_size that is not two positive ones.
    """
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must have shape (N, 4) (x1, y1, x2, y2), got {boxes.shape}")
    bad_rows = np.flatnonzero(np.isnan(boxes).any(axis=1))
    if bad_rows.size:
        raise ValueError(f"box in row {bad_rows[0]} has NaN coordinates: {boxes[bad_rows[0]]}; "
                         "check the decoding step that produced it")
    advice = "pass what letterbox returned: padded, gain, pad = letterbox(image, size)"
    gain = _real(gain, "gain", advice)
    if not (np.isfinite(gain) and gain > 0):
        raise ValueError(f"gain must be a finite number > 0 (the scale letterbox applied), got {gain!r}; {advice}")
    pad_x, pad_y = _pair(pad, "pad", advice)
    if not (np.isfinite(pad_x) and np.isfinite(pad_y)):
        raise ValueError(f"pad must be two finite numbers (pad_x, pad_y), got {pad!r}; {advice}")
    width, height = _pair(image_size, "image_size", "give the original image's (width, height)")
    if not (np.isfinite(width) and np.isfinite(height) and width > 0 and height > 0):
        raise ValueError(f"image_size must be the original image's (width, height), two numbers > 0, got "
                         f"{image_size!r}: for an image array that is (image.shape[1], image.shape[0])")
    original = (boxes - np.float32([pad_x, pad_y, pad_x, pad_y])) / np.float32(gain)
    return np.clip(original, 0, np.float32([width, height, width, height]))
