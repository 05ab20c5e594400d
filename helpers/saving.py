"""Saving classified images: safe folder names, embedded metadata, atomic writes.

The layout is the one ImageFolder-style loaders read::

    out_dir/
        tabby/chelsea.png          <- label, confidence, model and time embedded
        espresso/coffee.png
        manifest.jsonl             <- one JSON object a line

A label is not a path: ``safe_label_dirname`` turns any label into one safe folder
name, and the true label travels inside the file (PNG text chunks, JPEG EXIF
UserComment). Files are written atomically, so a crash never leaves half a file.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import unicodedata
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

# Device names Windows refuses as a file name, with or without an extension ("NUL.txt").
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in list("0123456789") + ["¹", "²", "³"]])
# Characters no Windows file name may hold; "/" and "\\" are also the path separators.
FORBIDDEN_CHARS = frozenset('/\\:*?"<>|')
MAX_NAME_BYTES = 100  # well under the 255-byte limit of most file systems
HASH_CHARS = 8
_HASH_SUFFIX = re.compile(rf"-[0-9a-f]{{{HASH_CHARS}}}$")

FORMATS = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg"}
METADATA_KEYS = ("label", "confidence", "model", "timestamp")
_USER_COMMENT = 0x9286  # EXIF tag UserComment, in the Exif sub-IFD


# --------------------------------------------------------------------------- #
# Safe names
# --------------------------------------------------------------------------- #
def clean_component(text):
    """``text`` (str) made into one path component (str), before any collision suffix.

    NFC-normalised; separators, Windows-forbidden and control characters become
    "_"; trailing dots and spaces are stripped; an empty name, a name starting with
    "." (hidden, or "." and "..") and a Windows device name get a "_" in front.
    """
    name = unicodedata.normalize("NFC", text)
    name = "".join("_" if ch in FORBIDDEN_CHARS or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    name = name.rstrip(". ")
    if not name or name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name


def safe_label_dirname(label):
    """A safe, unique folder name (str) for a class label (str).

    The name is one path component, at most 100 bytes of UTF-8, NFC-normalised,
    never empty, ".", ".." or hidden, with no separator, no Windows device name and
    no trailing dot or space. Whenever cleaning changed the label, or the label is
    not all lower case, or it already ends like a suffix, the name gets "-" and 8
    hex digits of the SHA-256 of the NFC label: distinct labels ("Cat" and "cat",
    "a/b" and "a_b") get names that differ even on case-insensitive disks.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, not {type(label).__name__} {label!r}: "
                        f"look the class name up first (class_names[class_id])")
    text = unicodedata.normalize("NFC", label)
    name = clean_component(text)
    plain = (name == text and text == text.casefold() and not _HASH_SUFFIX.search(text)
             and len(text.encode("utf-8")) <= MAX_NAME_BYTES)
    if plain:
        return name
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]
    # cut on a character boundary: never half of a multi-byte character
    prefix = name.encode("utf-8")[:MAX_NAME_BYTES - HASH_CHARS - 1].decode("utf-8", errors="ignore")
    return prefix + "-" + digest


def check_image_id(image_id) -> str:
    """``image_id`` (str or non-negative int) as a file-name stem; ValueError if it is not safe.

    An id is not cleaned silently: two different ids could become the same file
    and one image would overwrite the other. It must already be one safe component.
    """
    if isinstance(image_id, (int, np.integer)) and not isinstance(image_id, bool):
        if image_id < 0:
            raise ValueError(f"image_id {image_id} is negative; use a non-negative number or a name")
        return str(int(image_id))
    if not isinstance(image_id, str):
        raise TypeError(f"image_id must be a str or an int, not {type(image_id).__name__}")
    if (not image_id or clean_component(image_id) != image_id
            or len(image_id.encode("utf-8")) > MAX_NAME_BYTES):
        raise ValueError(f"image_id {image_id!r} is not a safe file name (it must be one NFC-normalised "
                         f"path component of at most {MAX_NAME_BYTES} bytes, with no separator, no "
                         f"leading dot, no trailing dot or space, not a Windows device name); "
                         f"try clean_component({image_id!r}) = {clean_component(image_id)!r}")
    return image_id


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` resolves (symlinks followed) to somewhere inside ``folder``."""
    return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(folder)))


# --------------------------------------------------------------------------- #
# Atomic writes
# --------------------------------------------------------------------------- #
def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed and fsync'ed,
    and ``os.replace`` renames it over ``path`` (atomic on one file system). On any
    failure the temporary file is removed and the error is raised.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(path.parent)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- #
# Metadata inside the file
# --------------------------------------------------------------------------- #
def utc_timestamp() -> str:
    """Now, in UTC, as ISO 8601 to the second: "2026-11-03T14:05:09+00:00"."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _plain_confidence(confidence) -> float:
    value = float(confidence)  # numpy float32 -> Python float, which JSON and SQLite accept
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"confidence must be a probability in [0, 1], got {confidence!r}: "
                         f"apply softmax to the logits first (and check for NaN)")
    return value


def _encode(image: np.ndarray, fmt: str, metadata: dict) -> bytes:
    """(H, W, 3) BGR or (H, W) uint8 image -> PNG or JPEG bytes with ``metadata`` inside."""
    rgb = image[..., ::-1] if image.ndim == 3 else image
    picture = Image.fromarray(np.ascontiguousarray(rgb))
    buffer = io.BytesIO()
    if fmt == "png":
        info = PngInfo()
        for key, value in metadata.items():
            try:
                value.encode("latin-1")
                info.add_text(key, value)  # tEXt: Latin-1 only
            except UnicodeEncodeError:
                info.add_itxt(key, value)  # iTXt: UTF-8, for "猫" and NFD "café"
        picture.save(buffer, "PNG", pnginfo=info)
    else:
        exif = Image.Exif()
        # UserComment starts with an 8-byte charset prefix; \\u-escaped JSON is pure ASCII
        # and so reads back exactly in any tool, with no UTF-16 byte-order guessing.
        comment = b"ASCII\0\0\0" + json.dumps(metadata, ensure_ascii=True).encode("ascii")
        exif.get_ifd(ExifTags.IFD.Exif)[_USER_COMMENT] = comment
        picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def save_classified(image, label, confidence, image_id, out_dir, fmt="png", *, model_name="unknown"):
    """Save ``image`` as ``out_dir/<safe label>/<image_id>.<ext>`` with its result embedded; return the Path.

    image: (H, W, 3) BGR or (H, W) uint8 array. label: the true class name (str),
    kept exactly in the metadata. confidence: a probability in [0, 1] (ValueError
    for NaN). fmt: "png" (text chunks) or "jpg"/"jpeg" (EXIF UserComment). The
    file is written atomically and never lands outside ``out_dir``.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"image must be an (H, W, 3) or (H, W) uint8 array, got shape {image.shape} "
                         f"and dtype {image.dtype}: convert with np.clip(x * 255, 0, 255).astype(np.uint8)")
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    metadata = {"label": label, "confidence": repr(_plain_confidence(confidence)),
                "model": str(model_name),
                "timestamp": utc_timestamp()}
    folder = Path(out_dir) / safe_label_dirname(label)
    path = folder / (check_image_id(image_id) + FORMATS[fmt])
    if not _inside(path, out_dir):
        raise ValueError(f"{path} would land outside {out_dir}; is a folder in it a symlink?")
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, _encode(image, fmt, metadata))


def read_saved_metadata(path):
    """The metadata ``save_classified`` embedded in ``path``, as a dict.

    Keys: "label" (str, exactly as saved), "confidence" (float), "model" (str),
    "timestamp" (ISO 8601 str). ValueError when the file holds none.
    """
    with Image.open(path) as picture:
        if picture.format == "PNG":
            found = {k: v for k, v in picture.text.items() if k in METADATA_KEYS}
        else:
            raw = picture.getexif().get_ifd(ExifTags.IFD.Exif).get(_USER_COMMENT)
            found = json.loads(_decode_user_comment(raw)) if raw else {}
    missing = [k for k in METADATA_KEYS if k not in found]
    if missing:
        raise ValueError(f"{path} holds no classification metadata (missing {missing}); "
                         f"was it written by save_classified? cv2.imwrite writes none")
    found["confidence"] = float(found["confidence"])
    return found


def _decode_user_comment(raw: bytes) -> str:
    """EXIF UserComment bytes -> text, following its 8-byte charset prefix."""
    prefix, body = raw[:8], raw[8:]
    if prefix == b"UNICODE\0":
        return body.decode("utf-16-le" if body[1:2] == b"\0" else "utf-16-be")
    return body.decode("ascii" if prefix == b"ASCII\0\0\0" else "utf-8")


# --------------------------------------------------------------------------- #
# Manifests and COCO results
# --------------------------------------------------------------------------- #
def append_manifest(path, record: dict) -> None:
    """Append ``record`` as one JSON line to ``path`` (UTF-8, NaN refused), flushed to disk.

    If an earlier append was cut short by a crash, the file ends in half a line;
    appending after it would glue the new record onto that half and spoil both.
    So that torn tail is cut off first, with a warning naming the file. A
    manifest has one writer at a time; for several processes at once use the
    SQLite catalog (``helpers.catalog``).
    """
    line = json.dumps(record, ensure_ascii=False, allow_nan=False, sort_keys=True) + "\n"
    with open(path, "a+b") as handle:
        _cut_torn_tail(handle, path)
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _cut_torn_tail(handle, path, chunk: int = 65536) -> None:
    """Truncate a binary file opened with "a+b" back to just after its last newline."""
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return
    handle.seek(size - 1)
    if handle.read(1) == b"\n":
        return  # the file ends with a complete line: nothing to cut
    end = size  # search backwards, a chunk at a time, for the last newline
    while end > 0:
        start = max(0, end - chunk)
        handle.seek(start)
        newline = handle.read(end - start).rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    warnings.warn(f"{path}: its last line ({size - end} bytes) was cut short by an earlier crash; "
                  f"dropped it before appending", stacklevel=3)
    handle.truncate(end)


def read_manifest(path) -> list:
    """Every record of a JSON-lines manifest; a last line cut short by a crash is ignored."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith("\n"):
                break  # an append interrupted half-way: not a record
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path} line {number} is not JSON: {exc}") from None
    return records


def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
    """Detections of one image as COCO result dicts, ready for ``json.dumps(allow_nan=False)``.

    boxes_xyxy: (N, 4) corners x1, y1, x2, y2 in pixels; scores: (N,); class_ids:
    (N,) model class indices; category_ids: the COCO category id of each class
    index (COCO's ids are not 0..79). Each dict holds int "image_id" and
    "category_id", "bbox" [x, y, width, height] and "score" as Python floats.
    """
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    class_ids = np.asarray(class_ids).reshape(-1)
    if not len(boxes) == len(scores) == len(class_ids):
        raise ValueError(f"got {len(boxes)} boxes, {len(scores)} scores and {len(class_ids)} class ids; "
                         f"they must be the same length")
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        raise ValueError("boxes or scores contain NaN or inf, which COCO JSON cannot hold: "
                         "drop those detections first")
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    return [{"image_id": int(image_id), "category_id": int(category_ids[int(c)]),
             "bbox": [float(v) for v in box], "score": float(s)}
            for box, s, c in zip(xywh, scores, class_ids)]
