"""Turn photos into the (N, 3, H, W) float32 blob a preset's network expects.

:func:`preprocess` applies a preset's recipe (see :mod:`helpers.models.presets`)::

    1. resize each image to the preset's input_size with its resize mode:
       "short_side_crop"  short side -> resize_short, then a centre crop of input_size
       "stretch"          straight to input_size (the aspect ratio is not kept)
       "letterbox"        fit inside input_size keeping the aspect ratio, pad with gray 114
    2. BGR -> RGB if swap_rb
    3. blob = (pixel - mean) * scale, then / std if the preset has a std (per channel)
    4. HWC -> CHW and stack: (N, 3, H, W) float32

Resizing uses ``cv2.INTER_AREA`` when shrinking and ``cv2.INTER_LINEAR`` when enlarging.

Every function checks its image first (an ndarray of the documented shape with at least one
row and one column; :func:`preprocess` takes uint8 only, the resizes take the dtypes
``cv2.resize`` takes) and its sizes (whole numbers >= 1), and raises an error naming the
value and what to do. No function makes a picture of more than
:data:`helpers.images.MAX_PIXELS` pixels: a resize that would (a 1 x 100000 strip whose
short side goes to 256 is 256 x 25600000) raises :class:`helpers.images.ImageTooLarge`.
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import cv2
import numpy as np

from .images import check_pixel_count
from .images import check_image_array

LETTERBOX_FILL = 114  # gray padding value used by YOLO-style letterboxing
#: The dtypes cv2.resize works on (it refuses bool, int8, int32, int64 and float16).
RESIZABLE_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))


def _image(image, where, channels=(None, 1, 3, 4), dtypes=RESIZABLE_DTYPES):
    return check_image_array(image, where, channels=channels, dtypes=dtypes)


def _output_size(size, where) -> tuple[int, int]:
    """``size`` as (width, height): two whole numbers >= 1, at most MAX_PIXELS pixels."""
    try:
        width, height = (operator.index(value) for value in size)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: size must be (width, height), two whole numbers of pixels, "
                        f"got {size!r}") from None
    if width < 1 or height < 1:
        raise ValueError(f"{where}: size must be at least 1 x 1 pixels (width, height), got {size!r}")
    check_pixel_count(width, height, f"{where}: the {width}x{height} result")
    return width, height


def _interpolation(scale: float) -> int:
    """INTER_AREA for shrinking (less aliasing), INTER_LINEAR for enlarging."""
    return cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR


def resize_short_side(image: np.ndarray, short: int) -> np.ndarray:
    """Resize (H, W, C) so that min(H, W) == ``short``, keeping the aspect ratio.

    Raises :class:`helpers.images.ImageTooLarge` when the result would have more than
    MAX_PIXELS pixels (a very long strip: crop it first, or use a preset that stretches).
    """
    image = _image(image, "resize_short_side")
    try:
        short = operator.index(short)
    except TypeError:
        raise TypeError(f"resize_short_side: short must be a whole number of pixels, got {short!r}") from None
    if short < 1:
        raise ValueError(f"resize_short_side: short must be at least 1 pixel, got {short}")
    height, width = image.shape[:2]
    scale = short / min(height, width)
    size = (max(short, round(width * scale)), max(short, round(height * scale)))
    if height <= width:
        size = (size[0], short)
    else:
        size = (short, size[1])
    check_pixel_count(*size, f"resize_short_side: a {width}x{height} image with its short side "
                             f"resized to {short}")
    return cv2.resize(image, size, interpolation=_interpolation(scale))


def center_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The central ``size`` = (width, height) window of an (H, W, C) image.

    An odd leftover puts the extra pixel on the right/bottom side of the discarded part
    (``top = (H - height) // 2``). Raises ``ValueError`` when the image is too small.
    """
    image = _image(image, "center_crop", dtypes=None)
    width, height = _output_size(size, "center_crop")
    h, w = image.shape[:2]
    if h < height or w < width:
        raise ValueError(f"cannot crop {width}x{height} out of an image of {w}x{h}")
    top, left = (h - height) // 2, (w - width) // 2
    return image[top : top + height, left : left + width]


def resize_short_side_center_crop(image: np.ndarray, short: int, size: tuple[int, int]) -> np.ndarray:
    """Short side -> ``short``, then the central ``size`` = (width, height) crop."""
    return center_crop(resize_short_side(image, short), size)


def stretch(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to exactly ``size`` = (width, height), ignoring the aspect ratio."""
    image = _image(image, "stretch")
    size = _output_size(size, "stretch")
    h, w = image.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    return cv2.resize(image, size, interpolation=_interpolation(scale))


def letterbox(image: np.ndarray, size: tuple[int, int], fill: int = LETTERBOX_FILL):
    """Fit an (H, W, 3) image inside ``size`` = (width, height), keeping its aspect ratio.

    Returns ``(boxed, gain, (pad_x, pad_y))``: the (height, width, 3) uint8 result, the
    scale factor applied to the image, and the left/top padding in pixels. A point
    (x, y) in ``boxed`` is ``((x - pad_x) / gain, (y - pad_y) / gain)`` in the original.
    """
    image = _image(image, "letterbox", channels=(3,))
    width, height = _output_size(size, "letterbox")
    h, w = image.shape[:2]
    gain = min(width / w, height / h)
    new_w, new_h = max(1, round(w * gain)), max(1, round(h * gain))
    resized = cv2.resize(image, (new_w, new_h), interpolation=_interpolation(gain))
    pad_x, pad_y = (width - new_w) // 2, (height - new_h) // 2
    boxed = cv2.copyMakeBorder(resized, pad_y, height - new_h - pad_y, pad_x, width - new_w - pad_x,
                               cv2.BORDER_CONSTANT, value=(fill, fill, fill))
    return boxed, gain, (pad_x, pad_y)


def resize_for_preset(image: np.ndarray, preset) -> np.ndarray:
    """Apply the preset's resize mode: (H, W, 3) uint8 -> (height, width, 3) uint8."""
    if preset.resize == "short_side_crop":
        return resize_short_side_center_crop(image, preset.resize_short, preset.input_size)
    if preset.resize == "stretch":
        return stretch(image, preset.input_size)
    if preset.resize == "letterbox":
        return letterbox(image, preset.input_size)[0]
    raise ValueError(
        f"preset {preset.name!r} has resize mode {preset.resize!r}; expected "
        "'short_side_crop', 'stretch' or 'letterbox'"
    )


def as_image_list(images) -> list[np.ndarray]:
    """Accept one (H, W, 3) image or a sequence of them; return a list of (H, W, 3) arrays."""
    if isinstance(images, np.ndarray):
        if images.ndim == 3:
            images = [images]
        elif images.ndim == 4:
            if not len(images):
                raise ValueError(f"got a batch of 0 images (shape {images.shape})")
            images = list(images)
        else:
            raise ValueError(f"expected an (H, W, 3) image or a list of them, got an array of shape {images.shape}")
    images = list(images)
    if not images:
        raise ValueError("got an empty list of images")
    for i, image in enumerate(images):
        shape = getattr(image, "shape", None)
        if shape is None or len(shape) != 3 or shape[2] != 3:
            raise ValueError(f"image {i} has shape {shape}; expected (H, W, 3) BGR (use helpers.load_image)")
        if shape[0] == 0 or shape[1] == 0:
            raise ValueError(f"image {i} has shape {tuple(shape)}, which has no pixels: check the slice or "
                             "crop that made it")
    return images


def normalize_pixels(image: np.ndarray, preset) -> np.ndarray:
    """(H, W, 3) uint8 in network colour order -> (H, W, 3) float32 ``(x - mean) * scale / std``."""
    out = (image.astype(np.float32) - np.asarray(preset.mean, np.float32)) * np.float32(preset.scale)
    if preset.std is not None:
        out /= np.asarray(preset.std, np.float32)
    return out


def preprocess(images: np.ndarray | Sequence[np.ndarray], preset) -> np.ndarray:
    """One BGR uint8 image or a list of them -> the preset's (N, 3, H, W) float32 blob.

    Images must be uint8 0-255 (as :func:`helpers.load_image` gives): a float image is
    refused with a TypeError naming its range (floats in [0, 1]: convert them with
    :func:`helpers.images.to_bgr_uint8`), because the preset's mean and scale are in 0-255 units.
    """
    planes = []
    for i, image in enumerate(as_image_list(images)):
        image = _image(image, f"preprocess (image {i})", channels=(3,), dtypes=(np.uint8,))
        resized = resize_for_preset(image, preset)
        if preset.swap_rb:
            resized = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)
        planes.append(normalize_pixels(resized, preset).transpose(2, 0, 1))
    return np.ascontiguousarray(np.stack(planes), dtype=np.float32)


# --------------------------------------------------------------------------- #
# Blobs by hand: what cv2.dnn.blobFromImage does, step by step (notebook 01)
# --------------------------------------------------------------------------- #
def _three_numbers(value, name):
    """A per-channel setting as a (3,) float32 array; a single number is an error."""
    values = np.asarray(value, dtype=np.float32)
    if values.shape != (3,):
        raise ValueError(f"{name} must be three numbers, one per channel, got {value!r}. "
                         f"(cv2.dnn.blobFromImage silently reads a single number m as (m, 0, 0).)")
    return values


def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    """Make a network input from one image, exactly like ``cv2.dnn.blobFromImage``.

    image: (H, W, 3) uint8 (or float) BGR image.
    scalefactor: multiplies every value after the mean is subtracted.
    size: (width, height) of the network input, as in OpenCV; None keeps the image size.
    mean: three numbers subtracted per channel, in the blob's channel order (after the swap).
    swap_rb: reverse the channels (BGR -> RGB).
    crop: False stretches the image to ``size``; True resizes it to cover ``size``
          (keeping its aspect ratio) and cuts out the centre.
    Returns a (1, 3, height, width) float32 array: ``(pixel - mean) * scalefactor``.
    """
    if image is None:
        raise TypeError("blob_from_image got None instead of an image: did cv2.imread fail?")
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"blob_from_image expects an (H, W, 3) colour image, got shape {image.shape}; "
                         f"convert grey or BGRA images with cv2.cvtColor first")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"blob_from_image got an image of shape {image.shape}, which has no pixels")
    if image.dtype not in RESIZABLE_DTYPES:
        raise TypeError(f"blob_from_image takes the dtypes cv2.resize takes (uint8, uint16, int16, float32, "
                        f"float64), got {image.dtype}: convert with image.astype(np.uint8) for 0-255 values")
    mean = _three_numbers(mean, "mean")
    if not math.isfinite(scalefactor):
        raise ValueError(f"scalefactor must be a finite number, got {scalefactor!r}")
    height, width = image.shape[:2]
    out_w, out_h = (width, height) if size is None else _output_size(size, "blob_from_image")
    if (out_w, out_h) != (width, height):
        if crop:
            # Resize so that the image covers the target, then cut out the centre.
            factor = float(np.float32(max(out_w / width, out_h / height)))  # float32, as in OpenCV
            check_pixel_count(round(width * factor), round(height * factor),
                              f"blob_from_image: a {width}x{height} image resized to cover {out_w}x{out_h} "
                              f"(crop=True)")
            image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
            top = int(0.5 * (image.shape[0] - out_h))
            left = int(0.5 * (image.shape[1] - out_w))
            image = image[top:top + out_h, left:left + out_w]
        else:
            image = cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    pixels = image.astype(np.float32)
    if swap_rb:
        pixels = pixels[..., ::-1]
    pixels = (pixels - mean) * np.float32(scalefactor)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def normalize_blob(blob, mean, std):
    """Per-channel ``(blob - mean) / std`` on an (N, 3, H, W) blob.

    blob: (N, 3, H, W) float array, e.g. from ``blob_from_image(image, 1 / 255)``.
    mean, std: three numbers each, in the blob's channel order and in the blob's units
    (ImageNet: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) for RGB in [0, 1]).
    Returns a new (N, 3, H, W) float32 array.
    """
    blob = np.asarray(blob)
    if blob.ndim != 4 or blob.shape[1] != 3:
        raise ValueError(f"normalize_blob expects an (N, 3, H, W) blob, got shape {blob.shape}")
    mean = _three_numbers(mean, "mean").reshape(1, 3, 1, 1)
    std = _three_numbers(std, "std").reshape(1, 3, 1, 1)
    if np.any(std == 0):
        raise ValueError(f"std must not contain 0, got {std.ravel().tolist()}")
    return ((blob.astype(np.float32) - mean) / std).astype(np.float32)


def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    """Undo :func:`blob_from_image`: see the picture the network is given.

    blob: (1, 3, H, W) or (3, H, W) float array made with these mean, scalefactor and swap_rb.
    Returns an (H, W, 3) uint8 BGR image: ``blob / scalefactor + mean``, channels swapped
    back if ``swap_rb``, rounded and clipped to 0..255 (values the blob cannot show clip).
    """
    blob = np.asarray(blob)
    if blob.ndim == 4 and blob.shape[0] == 1:
        blob = blob[0]
    if blob.ndim != 3 or blob.shape[0] != 3:
        raise ValueError(f"blob_to_image expects one (1, 3, H, W) blob, got shape {blob.shape}; "
                         f"for a batch, pass blob[i:i + 1]")
    if scalefactor == 0:
        raise ValueError("scalefactor 0 cannot be undone")
    if not math.isfinite(scalefactor):
        raise ValueError(f"scalefactor must be the finite number the blob was made with, got {scalefactor!r}")
    pixels = blob.transpose(1, 2, 0) / np.float32(scalefactor) + _three_numbers(mean, "mean")
    if swap_rb:
        pixels = pixels[..., ::-1]
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
