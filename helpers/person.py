"""Person segmentation with MediaPipe's selfie segmenter: from a soft map to a mask and its uses.

The selfie segmenter (preset ``"selfie_segmenter"``) takes a 256x256 RGB picture in
[0, 1] and outputs one number per pixel: the probability that it belongs to a person,
(1, 1, 256, 256). To use it on a photo, resize the *soft* map to the photo's size (bilinear
interpolation is right for probabilities), then threshold it: :func:`probability_to_mask`.

It knows one class, "person": whatever it sees, it answers "how much of a person is
this?", so a coffee cup can come out as a person. A mask is only as good as the
segmenter's idea of its class.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .images import to_bgr_uint8
from .images import check_pixel_count
from .segmentation import _check_size

#: The blur of :func:`blur_background` is done at full resolution up to this sigma (in
#: pixels); a larger sigma is done on the photo shrunk so that its sigma is this one,
#: then enlarged back. A Gaussian that wide is smooth, so the result looks the same, and
#: the work stays bounded (a 12-megapixel photo at sigma 200 takes 20 s at full resolution).
MAX_BLUR_SIGMA = 32


def probability_to_mask(prob, size, threshold=0.5):
    """A boolean mask at ``size`` from a low-resolution probability map.

    prob: (h, w) float probabilities in [0, 1]. size: (width, height) of the mask, as in
    OpenCV. The soft map is resized first, with bilinear interpolation (averaging
    probabilities is meaningful; averaging labels is not), then thresholded, so the
    edge follows the smooth map instead of the big input pixels.
    Returns an (height, width) bool array, True where the resized probability > threshold.
    Raises ValueError for NaN or probabilities outside [0, 1], for a map that is not
    (h, w) (the segmenter's raw output is (1, 1, 256, 256): take ``output[0, 0]``; it is
    refused rather than squeezed, so that a (C, h, w) stack is never read as one map), for
    an empty map, a threshold outside [0, 1] and a size that is not two positive
    integers or is past ``helpers.images.MAX_PIXELS``.
    """
    raw = np.asarray(prob)
    if raw.dtype == object or not (np.issubdtype(raw.dtype, np.number) or raw.dtype == bool) \
            or np.issubdtype(raw.dtype, np.complexfloating):
        raise TypeError(f"prob must hold probabilities (floats in [0, 1]), got dtype {raw.dtype}")
    if raw.ndim != 2:
        hint = ("the segmenter's raw (1, 1, h, w) output holds one map: take output[0, 0]"
                if raw.ndim == 4 and raw.shape[:2] == (1, 1) else
                "drop the batch axis: prob[0]" if raw.ndim == 3 and raw.shape[0] == 1 else
                "pass one (h, w) map at a time")
        raise ValueError(f"prob must be one (h, w) probability map, got shape {raw.shape}; {hint}")
    if raw.size == 0:
        raise ValueError(f"prob has shape {raw.shape}: an empty map has no probabilities to resize")
    size = _check_size(size)
    try:
        threshold_ok = 0 <= float(threshold) <= 1
    except (TypeError, ValueError):
        raise TypeError(f"threshold must be a number from 0 to 1, got {threshold!r}") from None
    if not threshold_ok:
        raise ValueError(f"threshold must be from 0 to 1 (a probability), got {threshold}; "
                         "0.5 is the usual choice")
    prob = raw.astype(np.float32, copy=False)
    if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
        raise ValueError(f"prob must hold probabilities in [0, 1] without NaN; got values from "
                         f"{np.nanmin(prob)} to {np.nanmax(prob)} (NaN: {bool(np.isnan(prob).any())}). "
                         "Apply a sigmoid to logits first.")
    resized = cv2.resize(prob, size, interpolation=cv2.INTER_LINEAR)
    return resized > threshold


@lru_cache(maxsize=1)
def person_model():
    """The ``"selfie_segmenter"`` model (loaded once; a labelled stand-in without its weights)."""
    from .models import load_model

    return load_model("selfie_segmenter")


def segment_person(image):
    """Person probability for every pixel of a photo: (H, W) float32 in [0, 1].

    image: (H, W, 3) uint8 BGR (grayscale and BGRA are converted by the rule of
    :func:`helpers.images.to_bgr_uint8`); it is not changed. The network sees the photo
    stretched to 256x256 (as its authors feed it); its (256, 256) map is resized back to
    (H, W) with bilinear interpolation.
    """
    image = to_bgr_uint8(image)
    height, width = image.shape[:2]
    output = np.asarray(person_model().predict(image), np.float32)
    soft = output.reshape(output.shape[-2:])
    return np.clip(cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def replace_background(image, prob, background):
    """Composite a photo over a new background, using the soft person map as the alpha.

    image: (H, W, 3) uint8 BGR; prob: (H, W) float in [0, 1] (from segment_person);
    background: a (H, W, 3) uint8 image or one BGR colour. Using the probability, not a
    hard mask, blends the edge pixels instead of cutting them with a jagged line.
    Returns a new (H, W, 3) uint8 image: prob * image + (1 - prob) * background.
    """
    image = to_bgr_uint8(image)
    prob = np.asarray(prob, np.float32)
    if prob.shape != image.shape[:2]:
        raise ValueError(f"prob has shape {prob.shape} but the image is {image.shape[:2]}: "
                         "use segment_person(image), which returns a map at the image's size")
    if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
        raise ValueError(f"prob is the alpha of the person, probabilities in [0, 1] without NaN; got values "
                         f"from {np.nanmin(prob)} to {np.nanmax(prob)} (NaN: {bool(np.isnan(prob).any())})")
    back = np.broadcast_to(np.asarray(background, np.float32), image.shape)
    alpha = prob[:, :, None]
    return np.clip(np.rint(alpha * image + (1 - alpha) * back), 0, 255).astype(np.uint8)


def blur_background(image, prob, strength=0.05):
    """The photo with everything but the person blurred (a "portrait mode" effect).

    prob: (H, W) person probability (segment_person(image)). strength: the blur's
    sigma as a fraction of the image's larger side, more than 0 and at most 1 (0.05 is a
    soft portrait blur, 0.2 a strong one, 1 a background that is almost one colour); a
    value outside (0, 1] is a ValueError. Up to a sigma of ``MAX_BLUR_SIGMA`` pixels the
    blur is ``cv2.GaussianBlur`` on the photo itself; a wider one is done on the photo
    shrunk by sigma / MAX_BLUR_SIGMA (``INTER_AREA``) and enlarged back (``INTER_LINEAR``),
    so the time stays bounded. Returns a new (H, W, 3) uint8 image.
    """
    if isinstance(strength, (bool, np.bool_)):
        raise TypeError(f"strength must be a number in (0, 1], got {strength!r}")
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise TypeError(f"strength must be a number in (0, 1], got {strength!r}") from None
    if not 0 < value <= 1:
        raise ValueError(f"strength is the blur's sigma as a fraction of the image's larger side, "
                         f"more than 0 and at most 1 (the default 0.05 is a soft blur); got {strength}")
    image = to_bgr_uint8(image)
    height, width = image.shape[:2]
    if height * width == 0:
        raise ValueError(f"image has shape {image.shape}: no pixels to blur")
    check_pixel_count(width, height, "the image to blur")
    sigma = value * max(height, width)
    if sigma <= MAX_BLUR_SIGMA:
        blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    else:
        factor = sigma / MAX_BLUR_SIGMA
        small_size = (max(1, round(width / factor)), max(1, round(height / factor)))
        small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
        small_sigma = sigma * max(small_size) / max(height, width)
        blurred = cv2.resize(cv2.GaussianBlur(small, (0, 0), small_sigma), (width, height),
                             interpolation=cv2.INTER_LINEAR)
    return replace_background(image, prob, blurred)


def mask_to_png_bytes(mask):
    """Encode an (H, W) bool mask as an 8-bit PNG with exactly the values 0 and 255.

    A bool or 0/1 array written as-is looks black in every viewer (1 of 255); a float
    map written as-is is rounded or rejected. Returns the PNG file's bytes (lossless).
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    ok, encoded = cv2.imencode(".png", np.where(mask.astype(bool), 255, 0).astype(np.uint8))
    if not ok:
        raise ValueError("OpenCV could not encode the mask as PNG")
    return encoded.tobytes()


def save_mask_png(path, mask):
    """Write an (H, W) bool mask to ``path`` as a 0/255 PNG (see mask_to_png_bytes); returns the path."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path.name}: save masks as .png (lossless); JPEG would blur the 0/255 edge")
    path.write_bytes(mask_to_png_bytes(mask))
    return path
