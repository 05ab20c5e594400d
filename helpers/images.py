"""Loading photos as (H, W, 3) uint8 BGR arrays, and the photos bundled with the katas.

Every function here returns images in the one format the rest of the katas expect:
a C-contiguous ``numpy.ndarray`` of shape (H, W, 3), dtype uint8, channels in OpenCV's
B, G, R order.

Conversion rules applied by :func:`load_image` (and :func:`to_bgr_uint8`):

* grayscale (H, W) or (H, W, 1): the gray value is copied into B, G and R;
* BGRA (H, W, 4): alpha-composited over a white background,
  ``out = bgr * a + 255 * (1 - a)`` with ``a = alpha / max_value``;
* 16-bit images: scaled to 8 bits with ``round(value * 255 / 65535)``;
* float images in [0, 1]: scaled by 255 and rounded. A float image with values outside
  [0, 1] (beyond half a uint8 step, 0.5 / 255), or with NaN or infinity, is refused with a
  ``ValueError`` naming its range: float images in 0-255 or normalised network inputs are
  not guessed at (convert them yourself, as the error says);
* any other dtype (bool, int8, int32, int64, ...) is refused with a ``ValueError`` naming it.

:func:`load_image` also:

* turns the picture by its EXIF orientation tag (a phone photo taken upright is stored
  sideways with orientation 6), as ``cv2.imread`` and Pillow's ``ImageOps.exif_transpose`` do;
* reads only regular files (not folders, FIFOs, sockets or devices, which could block);
* reads the width and height from the file's header before decoding and refuses, with
  :class:`ImageTooLarge`, a picture of more than :data:`MAX_PIXELS` pixels.
"""
from __future__ import annotations

import functools
import io
import os
import stat
import struct
import warnings
from pathlib import Path

import cv2
import numpy as np

PHOTOS_DIR = Path(__file__).resolve().parent / "data" / "photos"

#: Names of the photos shipped in helpers/data/photos (see helpers/data/CREDITS.md).
SAMPLE_IMAGES: tuple[str, ...] = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")

#: The largest picture the helpers load or make, in pixels (width * height): 64 megapixels.
#: It admits every ordinary photo (phones: 12-50 MP, a 48 MP iPhone is 8064 x 6048 and a
#: 50 MP Pixel 8160 x 6144; full-frame cameras up to 61 MP; phone panoramas up to 63 MP) and
#: refuses decompression bombs (a 389 KB PNG of 20000 x 20000 is 400 MP, 1.2 GB decoded) and
#: resizes that would blow up (a 1 x 100000 strip whose short side goes to 256 would be
#: 256 x 25600000). A 64 MP photo takes 192 MB as uint8 BGR. To load a bigger one on purpose,
#: raise it: ``helpers.images.MAX_PIXELS = 120_000_000`` (Pillow refuses more than
#: 2 * ``PIL.Image.MAX_IMAGE_PIXELS``, about 179 MP, on its own).
MAX_PIXELS: int = 64_000_000


def max_file_bytes() -> int:
    """The largest image file load_image reads: MAX_PIXELS uncompressed at 16-bit BGRA
    (8 bytes a pixel), plus 64 MiB of metadata."""
    return MAX_PIXELS * 8 + (64 << 20)


class ImageTooLarge(ValueError):
    """A picture (read from a file, or to be made by a resize) of more than MAX_PIXELS pixels."""


def check_pixel_count(width: int, height: int, what: str) -> None:
    """Raise :class:`ImageTooLarge` when a ``width`` x ``height`` picture exceeds MAX_PIXELS.

    ``what`` says which picture, e.g. ``"photo.jpg"`` or ``"the resized image"``.
    """
    pixels = int(width) * int(height)
    if pixels > MAX_PIXELS:
        raise ImageTooLarge(
            f"{what} would be {width} x {height} = {pixels:,} pixels, more than "
            f"helpers.images.MAX_PIXELS = {MAX_PIXELS:,}: use a smaller picture (resize or crop it "
            "first), or raise helpers.images.MAX_PIXELS if you have the memory "
            f"({pixels * 3 / 1e9:.1f} GB as uint8 BGR)"
        )


# --------------------------------------------------------------------------- #
# Checking arrays (shared with helpers.preprocessing)
# --------------------------------------------------------------------------- #
def describe_values(image: np.ndarray) -> str:
    """``"float32 with values from 0 to 254.7"``: the dtype and the range of an array."""
    text = str(image.dtype)
    if image.size == 0 or image.dtype.kind not in "biuf":
        return text
    values = image.view(np.uint8) if image.dtype.kind == "b" else image
    if values.dtype.kind == "f":
        with np.errstate(all="ignore"):
            finite = values[np.isfinite(values)]
    else:
        finite = values
    if finite.size:
        text += f" with values from {_number(finite.min())} to {_number(finite.max())}"
    if finite.size < values.size:
        text += (" and " if finite.size else " with only ") + "NaN or infinite values"
    return text


def _number(value) -> str:
    return f"{float(value):.6g}" if isinstance(value, (float, np.floating)) else str(int(value))


def uint8_advice(image: np.ndarray) -> str:
    """How to turn ``image`` (any dtype) into the uint8 0-255 image the helpers take."""
    kind = image.dtype.kind
    if kind == "f":
        if image.size and not np.all(np.isfinite(image)):
            return "replace the NaN or infinite values first (np.nan_to_num), then convert to uint8"
        low, high = (float(image.min()), float(image.max())) if image.size else (0.0, 0.0)
        if 0 <= low and high <= 1 + 0.5 / 255:
            return ("floats in [0, 1] are scaled by helpers.images.to_bgr_uint8(image), "
                    "which gives uint8 0-255")
        if 0 <= low and high <= 255.5:
            return ("these look like 0-255 values stored as floats: convert them with "
                    "np.clip(np.rint(image), 0, 255).astype(np.uint8)")
        if low < 0:
            return ("negative values look like a normalised network input ((x - mean) / std): "
                    "undo the normalisation (helpers.preprocessing.blob_to_image shows how) "
                    "and convert to uint8")
        return "rescale the values to 0-255 yourself, then .astype(np.uint8)"
    if image.dtype == np.uint16:
        return "16-bit images are scaled to 8 bits by helpers.images.to_bgr_uint8(image)"
    if kind == "b":
        return "a bool array is a mask, not a picture: use mask.astype(np.uint8) * 255 for a gray image"
    if kind in "iu":
        return ("if these are 0-255 pixel values, convert with image.astype(np.uint8) "
                "(np.clip(image, 0, 255) first if some are outside)")
    return "make a numeric array of pixel values, uint8 0-255"


def check_image_array(image, where: str, *, channels=(None, 1, 3, 4), dtypes=None) -> np.ndarray:
    """The torchvision-style ladder of checks on an image argument; returns it as an ndarray.

    where: the function's name, for the messages. channels: the allowed channel counts, None
    standing for a 2-D (H, W) image. dtypes: the allowed dtypes (None: any numeric dtype).
    Raises TypeError (not an array, or a dtype outside ``dtypes``) or ValueError (shape, no
    pixels), each naming the value and what to do.
    """
    if image is None:
        raise TypeError(f"{where} got None instead of an image: did cv2.imread fail? "
                        "use helpers.load_image(path), which says why a file cannot be read")
    array = np.asarray(image) if not isinstance(image, np.ndarray) else image
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where} expects an image as a numeric NumPy array, got {type(image).__name__} "
                        f"of dtype {array.dtype}")
    shapes = " or ".join("(H, W)" if c is None else f"(H, W, {c})" for c in channels)
    ok_shape = (array.ndim == 2 and None in channels) or (array.ndim == 3 and array.shape[2] in channels)
    if not ok_shape:
        raise ValueError(f"{where} expects an image of shape {shapes}, got shape {array.shape}"
                         + ("; for a batch, pass the images one at a time or as a list" if array.ndim == 4 else ""))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{where} got an image of shape {array.shape}, which has no pixels: check the "
                         "slice or crop that made it (a crop outside the picture gives 0 rows or columns)")
    if dtypes is not None and array.dtype not in [np.dtype(d) for d in dtypes]:
        names = ", ".join(np.dtype(d).name for d in dtypes)
        raise TypeError(f"{where} expects a {names} image, got {describe_values(array)}: {uint8_advice(array)}")
    return array


# --------------------------------------------------------------------------- #
# Conversions
# --------------------------------------------------------------------------- #
_HALF_STEP = 0.5 / 255  # a float within half a uint8 step of [0, 1] still rounds into 0..255
_BLOCK_PIXELS = 1 << 20  # convert in blocks of rows: the float temporaries stay ~50 MB


def to_bgr_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a gray, BGR or BGRA image of any common dtype to (H, W, 3) uint8 BGR.

    Accepts (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) arrays of dtype uint8, uint16
    or float (values in [0, 1]). Returns a new C-contiguous (H, W, 3) uint8 array;
    the rules are listed in this module's docstring. Raises ``ValueError`` naming the
    shape, dtype or range of anything else (float images in 0-255 included: convert them
    with ``np.clip(np.rint(image), 0, 255).astype(np.uint8)``).
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(
            f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4), got {image.shape}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"the image has shape {image.shape}, which has no pixels: check the slice or "
                         "crop that made it")
    _check_convertible(image)
    if image.dtype == np.uint8 and image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)  # exact: no float round trip needed
    if image.dtype == np.uint8 and image.shape[2] == 3:
        return np.array(image, order="C", copy=True)  # already BGR uint8: a plain copy
    height, width = image.shape[:2]
    out = np.empty((height, width, 3), np.uint8)
    rows = max(1, _BLOCK_PIXELS // width)
    for top in range(0, height, rows):  # elementwise, so blocks give exactly the whole-image result
        as_float = _to_unit_float(image[top:top + rows])  # (h, W[, C]) float32 in [0, 1]
        if as_float.ndim == 2:
            as_float = np.repeat(as_float[:, :, None], 3, axis=2)
        elif as_float.shape[2] == 4:
            alpha = as_float[:, :, 3:4]
            as_float = as_float[:, :, :3] * alpha + (1.0 - alpha)  # over white
        out[top:top + rows] = np.clip(np.rint(as_float * 255.0), 0, 255).astype(np.uint8)
    return out


def _check_convertible(image: np.ndarray) -> None:
    """The dtype and range rules of the module docstring: refuse what they do not cover."""
    if image.dtype in (np.uint8, np.uint16):
        return
    if image.dtype.kind == "f":
        with np.errstate(all="ignore"):
            finite = bool(np.isfinite(image).all())
            low, high = float(image.min()), float(image.max())
        if finite and -_HALF_STEP <= low and high <= 1 + _HALF_STEP:
            return
        raise ValueError(
            f"a float image must hold values in [0, 1], got {describe_values(image)}: {uint8_advice(image)}"
        )
    raise ValueError(
        f"unsupported image dtype {image.dtype} ({describe_values(image)}): use uint8, uint16 or float "
        f"in [0, 1]; {uint8_advice(image)}"
    )


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


# --------------------------------------------------------------------------- #
# Reading files
# --------------------------------------------------------------------------- #
_FILE_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket",
               stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}
# The formats whose header Pillow reads (for the size and the EXIF orientation) and OpenCV decodes.
_HEADER_FORMATS = ("JPEG", "PNG", "BMP", "TIFF", "WEBP", "PPM", "SUN", "JPEG2000", "GIF", "AVIF")
_ORIENTATION_TAG = 0x0112
# EXIF orientation -> the NumPy view that shows the picture upright (as ImageOps.exif_transpose).
_ORIENT = {
    2: lambda a: a[:, ::-1],                       # mirrored left-right
    3: lambda a: a[::-1, ::-1],                    # upside down
    4: lambda a: a[::-1],                          # mirrored top-bottom
    5: lambda a: a.swapaxes(0, 1),                 # transposed
    6: lambda a: a.swapaxes(0, 1)[:, ::-1],        # turned 90 degrees clockwise
    7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],     # transversed
    8: lambda a: a.swapaxes(0, 1)[::-1],           # turned 90 degrees counter-clockwise
}


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``; refuses folders, FIFOs, sockets and devices.

    The file is opened non-blocking and checked with fstat on the open descriptor, so a
    FIFO neither blocks the open nor is swapped in between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(f"no image file at {path} (check the folder and the file name)") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{path} is a folder, not an image file") from None
    except PermissionError as exc:
        if path.is_dir():  # Windows refuses to open a folder with a permission error
            raise IsADirectoryError(f"{path} is a folder, not an image file") from None
        raise PermissionError(f"cannot read {path}: {exc.strerror} (check the file's permissions)") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(f"{path} is a folder, not an image file")
        if not stat.S_ISREG(info.st_mode):
            kind = _FILE_KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise ValueError(f"{path} is {kind}, not an image file: load_image reads only regular files "
                             "(reading a pipe or a device could wait forever)")
        if info.st_size > max_file_bytes():
            raise ImageTooLarge(f"{path} is {info.st_size / 1e6:,.0f} MB, more than a picture of "
                                f"helpers.images.MAX_PIXELS = {MAX_PIXELS:,} pixels needs "
                                f"({max_file_bytes() / 1e6:,.0f} MB): is it really one photo?")
        file = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with file:
        chunks, remaining = [], info.st_size
        while remaining > 0:  # a file that shrinks meanwhile gives what is there
            chunk = file.read(remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_header(data: bytes, path: Path):
    """(format, orientation) from the file's header, after checking its width and height.

    Pillow reads the size without decoding the pixels. Raises :class:`ImageTooLarge` past
    MAX_PIXELS and ValueError when the header is not one of an image format we decode.
    """
    from PIL import Image

    Image.init()
    formats = [name for name in _HEADER_FORMATS if name in Image.OPEN]
    try:
        with warnings.catch_warnings():  # Pillow warns past 89 MP; the check below says more
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            header = Image.open(io.BytesIO(data), formats=formats)
        with header:
            width, height = header.size
            check_pixel_count(width, height, str(path))
            return header.format, _orientation(header)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"{path}: {exc} (helpers.images.MAX_PIXELS = {MAX_PIXELS:,}): use a smaller "
                            "picture") from None
    except (ImageTooLarge, MemoryError):
        raise
    except Exception:  # UnidentifiedImageError, or whatever a damaged header makes a plugin raise
        pass
    tiff = _tiff_header(data)  # Pillow opens no float RGB TIFF, which OpenCV writes and reads
    if tiff is None:
        raise _undecodable(path, len(data))
    width, height, orientation = tiff
    check_pixel_count(width, height, str(path))
    return "TIFF", orientation


def _tiff_header(data: bytes):
    """(width, height, orientation) from the first IFD of a TIFF or BigTIFF; None if unreadable."""
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 16:
        return None
    try:
        version = struct.unpack_from(order + "H", data, 2)[0]
        if version == 42:
            offset, count_format, entry_size, count_size, value_at = struct.unpack_from(order + "I", data, 4)[0], "H", 12, 2, 8
        elif version == 43:
            offset, count_format, entry_size, count_size, value_at = struct.unpack_from(order + "Q", data, 8)[0], "Q", 20, 8, 12
        else:
            return None
        entries = struct.unpack_from(order + count_format, data, offset)[0]
        tags = {}
        for i in range(min(entries, 4096)):
            start = offset + count_size + i * entry_size
            tag, kind = struct.unpack_from(order + "HH", data, start)
            if tag in (256, 257, _ORIENTATION_TAG):
                value_format = {3: "H", 4: "I", 16: "Q"}.get(kind)
                if value_format is not None:
                    tags[tag] = struct.unpack_from(order + value_format, data, start + value_at)[0]
    except struct.error:
        return None
    if 256 not in tags or 257 not in tags:
        return None
    orientation = tags.get(_ORIENTATION_TAG, 1)
    return tags[256], tags[257], orientation if 1 <= orientation <= 8 else 1


def _undecodable(path: Path, size: int) -> ValueError:
    return ValueError(
        f"could not read {path} ({size} bytes) as an image: check that it is a complete "
        "JPEG/PNG/BMP/TIFF/WebP image and not a text or HTML file or a partial download"
    )


def _orientation(header) -> int:
    """The EXIF orientation 1..8 of an opened (not decoded) Pillow image; 1 when none or invalid."""
    if header.format == "PNG" and "exif" not in header.info:
        return 1  # Pillow would decode the whole PNG to look for an eXIf chunk after the pixels
    try:
        value = header.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block: the picture is still readable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


@functools.lru_cache(maxsize=None)
def opencv_applies_orientation(image_format: str) -> bool:
    """Whether ``cv2.imdecode(..., IMREAD_UNCHANGED)`` already turns a file of this Pillow
    format by its EXIF orientation (OpenCV 4.14 does for TIFF, not for JPEG, PNG or WebP).

    Found once per format by decoding a 2 x 1 probe tagged with orientation 6, so that the
    helpers follow what the installed OpenCV does rather than its version string.
    """
    from PIL import Image

    image_format = {"MPO": "JPEG"}.get(image_format, image_format)
    try:
        buffer = io.BytesIO()
        probe = Image.new("RGB", (2, 1))
        if image_format == "TIFF":
            probe.save(buffer, "TIFF", tiffinfo={_ORIENTATION_TAG: 6})
        else:
            exif = Image.Exif()
            exif[_ORIENTATION_TAG] = 6
            probe.save(buffer, image_format, exif=exif.tobytes())
        decoded = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_UNCHANGED)
    except Exception:
        return False
    return decoded is not None and decoded.shape[:2] == (2, 1)


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file and return it as a (H, W, 3) uint8 BGR C-contiguous array.

    Unlike ``cv2.imread``, which quietly returns ``None``, this raises:

    * ``FileNotFoundError`` naming the path when no file is there (``IsADirectoryError``
      for a folder);
    * ``ValueError`` naming the path when it is not a regular file (a FIFO, a socket, a
      device), or the file exists but cannot be decoded (not an image, an unsupported
      format, or a truncated download), or its pixels break the dtype rules below;
    * :class:`ImageTooLarge` (a ValueError) when its header says it has more than
      :data:`MAX_PIXELS` pixels; nothing is decoded then.

    The picture is turned upright by its EXIF orientation tag. Gray, BGRA, 16-bit and
    float files are converted by the rules in this module's docstring.
    """
    path = Path(path)
    data = _read_regular_file(path)
    if not data:
        raise _undecodable(path, 0)
    image_format, orientation = _read_header(data, path)
    # imdecode instead of imread: works with non-ASCII paths on every platform.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    size, data = len(data), None
    if image is None:
        raise _undecodable(path, size)
    check_pixel_count(image.shape[1], image.shape[0], str(path))  # in case the header misled Pillow
    if orientation != 1 and not opencv_applies_orientation(image_format):
        image = _ORIENT[orientation](image)
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and image.flags["C_CONTIGUOUS"]:
        return image  # decoded BGR uint8 already: no second copy of a big photo
    try:
        return to_bgr_uint8(image)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


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
