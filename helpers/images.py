"""Loading photos as (H, W, 3) uint8 BGR arrays, and the photos bundled with the katas.

Every function here returns images in the one format the rest of the katas expect:
a C-contiguous ``numpy.ndarray`` of shape (H, W, 3), dtype uint8, channels in OpenCV's
B, G, R order.

Conversion rules applied by :func:`load_image` (and :func:`to_bgr_uint8`):

* grayscale (H, W) or (H, W, 1): the gray value is copied into B, G and R;
* BGRA (H, W, 4): alpha-composited over a white background,
  ``out = bgr * a + 255 * (1 - a)`` with ``a = alpha / max_value``;
* 16-bit images: scaled to 8 bits with ``round(value * 255 / 65535)``;
* float images in [0, 1]: scaled by 255 and rounded (values outside are clipped).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

PHOTOS_DIR = Path(__file__).resolve().parent / "data" / "photos"

#: Names of the photos shipped in helpers/data/photos (see helpers/data/CREDITS.md).
SAMPLE_IMAGES: tuple[str, ...] = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")


def to_bgr_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a gray, BGR or BGRA image of any common dtype to (H, W, 3) uint8 BGR.

    Accepts (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) arrays of dtype uint8, uint16
    or float (values in [0, 1]). Returns a new C-contiguous (H, W, 3) uint8 array;
    the rules are listed in this module's docstring.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(
            f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4), got {image.shape}"
        )
    if image.dtype == np.uint8 and image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)  # exact: no float round trip needed
    if image.dtype == np.uint8 and image.shape[2] == 3:
        return np.array(image, order="C", copy=True)  # already BGR uint8: a plain copy
    as_float = _to_unit_float(image)  # (H, W[, C]) float32 in [0, 1]
    if as_float.ndim == 2:
        as_float = np.repeat(as_float[:, :, None], 3, axis=2)
    elif as_float.shape[2] == 4:
        alpha = as_float[:, :, 3:4]
        as_float = as_float[:, :, :3] * alpha + (1.0 - alpha)  # over white
    out = np.clip(np.rint(as_float * 255.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out)


def _to_unit_float(image: np.ndarray) -> np.ndarray:
    """uint8 / uint16 / float image -> float32 in [0, 1] (same shape)."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float32) / 65535.0
    if np.issubdtype(image.dtype, np.floating):
        return np.clip(image.astype(np.float32), 0.0, 1.0)
    raise ValueError(
        f"unsupported image dtype {image.dtype}: use uint8, uint16 or float in [0, 1]"
    )


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file and return it as a (H, W, 3) uint8 BGR C-contiguous array.

    Unlike ``cv2.imread``, which quietly returns ``None``, this raises:

    * ``FileNotFoundError`` naming the path when no file is there;
    * ``ValueError`` naming the path when the file exists but OpenCV cannot decode it
      (not an image, an unsupported format, or a truncated download).

    Gray, BGRA and 16-bit files are converted by the rules in this module's docstring.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no image file at {path} (check the folder and the file name)")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not an image file")
    # imdecode instead of imread: works with non-ASCII paths on every platform.
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise ValueError(
            f"OpenCV could not decode {path} ({data.size} bytes): check that it is a "
            "complete JPEG/PNG/BMP/TIFF/WebP image and not a text or HTML file or a "
            "partial download"
        )
    return to_bgr_uint8(image)


def sample_image_path(name: str) -> Path:
    """Path of a bundled photo, e.g. ``sample_image_path("chelsea")``.

    Raises ``KeyError`` listing the valid names (:data:`SAMPLE_IMAGES`).
    """
    if name not in SAMPLE_IMAGES:
        raise KeyError(
            f"no sample image called {name!r}; choose one of: {', '.join(SAMPLE_IMAGES)}"
        )
    return PHOTOS_DIR / f"{name}.jpg"


def sample_image(name: str) -> np.ndarray:
    """A bundled photo as a (H, W, 3) uint8 BGR array, e.g. ``sample_image("coffee")``."""
    return load_image(sample_image_path(name))
