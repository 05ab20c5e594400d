"""Letterboxing: fit an image into a detector's square input without stretching it, and undo it.

The image is scaled by ``gain = min(W / w, H / h)`` (so it fits), then padded
with a grey border to exactly (W, H). A box the network finds in the padded
image goes back to the original image by *first* subtracting the padding, *then*
dividing by the gain, then clipping to the image.

Boxes are float ``x1, y1, x2, y2`` in continuous pixel coordinates.
"""
from __future__ import annotations

import cv2
import numpy as np


def letterbox(image, size=(640, 640), color=(114, 114, 114)):
    """Resize keeping the aspect ratio, then pad to ``size``.

    image: (h, w, 3) uint8. size: (W, H) of the network input. color: the
    padding colour (YOLO's grey by default).
    Returns (padded, gain, (pad_x, pad_y)): padded is a new (H, W, 3) uint8
    image, gain the float scale factor, pad_x and pad_y the ints of padding on
    the left and on the top (an odd pixel of padding goes right or bottom).
    """
    height, width = image.shape[:2]
    out_width, out_height = size
    gain = min(out_width / width, out_height / height)
    new_width, new_height = round(width * gain), round(height * gain)
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
    the gain, then clipped to the image. A box with NaN is a ValueError naming its row.
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
    pad_x, pad_y = pad
    width, height = image_size
    original = (boxes - np.float32([pad_x, pad_y, pad_x, pad_y])) / np.float32(gain)
    return np.clip(original, 0, np.float32([width, height, width, height]))
