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
import unicodedata
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .atomic import STALE_TEMPORARY_SECONDS, atomic_write_bytes, lock, read_at, remove_stale_temporaries  # noqa: F401
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
MAX_EXIF_BYTES = 65533  # a JPEG APP1 segment's payload: 65535 bytes less its 2-byte length


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
        # zlib level 1, cv2.imwrite's own default for PNG: a 640 px photo encodes in about 24 ms
        # instead of 58 ms at Pillow's level 6, for files about 7 % larger (still lossless).
        picture.save(buffer, "PNG", pnginfo=info, compress_level=1)
    else:
        exif = Image.Exif()
        # UserComment starts with an 8-byte charset prefix; \\u-escaped JSON is pure ASCII
        # and so reads back exactly in any tool, with no UTF-16 byte-order guessing.
        comment = b"ASCII\0\0\0" + json.dumps(metadata, ensure_ascii=True).encode("ascii")
        exif.get_ifd(ExifTags.IFD.Exif)[_USER_COMMENT] = comment
        exif_bytes = exif.tobytes()
        if len(exif_bytes) > MAX_EXIF_BYTES:
            raise ValueError(
                f"the label ({len(metadata['label'])} characters) and model name take {len(exif_bytes)} "
                f"bytes of EXIF, and a JPEG's EXIF holds at most {MAX_EXIF_BYTES} (64 KB; a non-ASCII "
                f"character takes 6): save it with fmt=\"png\" (text chunks have no such limit)")
        picture.save(buffer, "JPEG", quality=95, exif=exif_bytes)
    return buffer.getvalue()


def save_classified(image, label, confidence, image_id, out_dir, fmt="png", *, model_name="unknown"):
    """Save ``image`` as ``out_dir/<safe label>/<image_id>.<ext>`` with its result embedded; return the Path.

    image: (H, W, 3) BGR or (H, W) uint8 array. label: the true class name (str),
    kept exactly in the metadata. confidence: a probability in [0, 1] (ValueError
    for NaN). fmt: "png" (text chunks) or "jpg"/"jpeg" (EXIF UserComment, which holds at
    most 64 KB: a longer label is a ValueError). Every input is checked before a folder is
    created; the file is written atomically and never lands outside ``out_dir``.
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
    data = _encode(image, fmt, metadata)  # every check done before a folder is created
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, data)


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
_TAIL_LIMIT = 16 << 20  # a last line longer than this, without its newline, is not looked into


def _json_plain(value):
    """``json.dumps``'s ``default``: a NumPy scalar (or 0-d array) as the Python number ``.item()`` gives."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        plain = value.item()
        if not isinstance(plain, np.generic):
            return plain
    raise TypeError(type(value).__name__)


def _where_not_json(value, where="record"):
    """(where, value) of the first value JSON cannot hold (NaN, inf, an array, a set...), or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = _where_not_json(item, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            found = _where_not_json(item, f"{where}[{n}]")
            if found:
                return found
        return None
    if value is None or isinstance(value, (str, bool, int)):
        return None
    try:
        plain = _json_plain(value) if not isinstance(value, float) else value
    except TypeError:
        return where, value
    if isinstance(plain, float) and not math.isfinite(plain):
        return where, value
    return None if isinstance(plain, (str, bool, int, float)) or plain is None else (where, value)


def _manifest_line(record) -> bytes:
    """``record`` as one line of UTF-8 JSON (keys sorted), ending in a newline.

    NumPy scalars become the Python numbers ``.item()`` gives (np.float32(0.9) is stored as
    0.8999999761581421, its exact value). NaN, infinity, arrays and other values JSON cannot
    hold are refused, naming the key.
    """
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict (one JSON object a line), not {type(record).__name__} "
                        f"{record!r:.80}")
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, sort_keys=True, default=_json_plain)
    except (TypeError, ValueError) as error:
        found = _where_not_json(record)
        if found is None:
            raise type(error)(f"record cannot be written as JSON: {error}") from None
        where, value = found
        shown = f"{value.item()!r} (NumPy {value.dtype})" if isinstance(value, np.generic) else repr(value)
        if isinstance(value, np.ndarray):
            raise TypeError(f"{where} is a NumPy array of shape {value.shape}: store value.tolist() "
                            f"(a list), or one number with value.item()") from None
        if isinstance(error, ValueError) or isinstance(value, (float, np.floating)):
            raise ValueError(f"{where} is {shown}: NaN and infinity are not JSON (many readers refuse "
                             f"them); store None, or leave the record out") from None
        raise TypeError(f"{where} is a {type(value).__name__} ({shown:.80}), which JSON cannot hold: "
                        f"store a str, a number, a bool, None, a list or a dict") from None
    return (text + "\n").encode("utf-8")




def _is_whole_record(line: bytes) -> bool:
    """True when ``line`` (no newline) is one whole JSON object: a record that lost only its newline.

    A record cut short is never one: an object's text ends with its closing brace.
    """
    try:
        return isinstance(json.loads(line.decode("utf-8-sig")), dict)
    except ValueError:  # UnicodeDecodeError (a character cut in two) is a ValueError too
        return False


def _last_line_start(fd: int, size: int, chunk: int = 65536) -> int:
    """The offset just after the last newline before ``size`` (0 when there is none)."""
    end = size
    while end > 0:
        start = max(0, end - chunk)
        newline = read_at(fd, end - start, start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


def _repair_tail(fd: int, path, chunk: int = 65536) -> tuple:
    """(size, prefix) for appending to the locked file ``fd``: what to write before the record.

    A last line without its newline is a whole record when it is a JSON object (the file was
    written by hand, or lost only its newline): it is kept, and the next record starts on a
    new line. Only whitespace: kept too. Anything else is half a record an earlier crash left:
    it is cut off, with a warning naming the file.
    """
    size = os.fstat(fd).st_size
    if size == 0 or read_at(fd, 1, size - 1) == b"\n":
        return size, b""
    start = _last_line_start(fd, size, chunk)
    if size - start <= _TAIL_LIMIT:
        tail = read_at(fd, size - start, start)
        if not tail.strip() or _is_whole_record(tail):
            return size, b"\n"
    warnings.warn(f"{path}: its last line ({size - start} bytes) was cut short by an earlier crash; "
                  f"dropped it before appending", stacklevel=3)
    os.ftruncate(fd, start)
    return start, b""


def append_manifest(path, record: dict) -> None:
    """Append ``record`` (a dict) as one JSON line to ``path`` (UTF-8, keys sorted), flushed to disk.

    Values: str, numbers, bool, None, lists and dicts; a NumPy scalar is stored as the Python
    number ``.item()`` gives (np.float32(0.9) as 0.8999999761581421, its exact value). NaN,
    infinity and arrays are refused (ValueError/TypeError naming the key) before the file is
    touched.

    Several processes may append at once and no record is lost: each record is one write of
    a whole line to the file opened with O_APPEND, under ``fcntl.flock`` (POSIX; on Windows
    the single write only). If an earlier append was cut short by a crash, the file ends in
    half a line; appending after it would glue the new record onto that half and spoil both,
    so that torn tail is cut off first, with a warning naming the file. A last line that is a
    whole record and only lacks its newline is kept. A write that fails half-way (a full
    disk) is taken back before the error is raised.
    """
    line = _manifest_line(record)
    flags = (os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_BINARY", 0))
    fd = os.open(path, flags, 0o666)
    try:
        lock(fd)
        size, prefix = _repair_tail(fd, path)
        data = memoryview(prefix + line)
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except BaseException:
            try:
                os.ftruncate(fd, size)  # no half record left behind; the lock keeps others out
            except OSError:
                pass
            raise
    finally:
        os.close(fd)  # and the lock with it


def read_manifest(path) -> list:
    """Every record of a JSON-lines manifest (UTF-8; a byte-order mark at the start is skipped).

    A last line without its newline is a record when it is a whole JSON object, and is
    ignored otherwise (an append cut short by a crash, even inside a multi-byte character).
    Any other line that is not UTF-8 JSON is a ValueError naming the file and the line.
    """
    records = []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                if _is_whole_record(line):
                    records.append(json.loads(line.decode("utf-8-sig")))
                break  # otherwise an append interrupted half-way: not a record
            try:
                text = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path} line {number} is not UTF-8 text (byte {exc.start + 1}): was it "
                                 f"written by another program? Fix or remove that line") from None
            if text.strip():
                try:
                    records.append(json.loads(text))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path} line {number} is not JSON: {exc}") from None
    return records


def _whole_numbers(values, name: str) -> np.ndarray:
    """``values`` as a 1-D int64 array; TypeError/ValueError naming ``name`` unless every value is
    a whole number (an integer, or a float such as 2.0 whose value is whole)."""
    array = np.asarray(values)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must hold whole numbers (an int array), got dtype {array.dtype}"
                        f"{' (booleans)' if array.dtype == bool else ''}: {array.reshape(-1)[:5]!r}")
    array = array.reshape(-1)
    if np.issubdtype(array.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(array) | (array != np.round(array)))
        if len(bad):
            n = int(bad[0])
            raise ValueError(f"{name}[{n}] is {float(array[n])!r}, not a whole number: {name} are indices "
                             f"(argmax gives ints); a fraction means the wrong array was passed")
        if len(array) and np.abs(array).max() >= 2 ** 53:
            raise ValueError(f"{name} holds {float(np.abs(array).max())!r}, too large to be an index")
    return array.astype(np.int64)


def _whole_number(value, name: str) -> int:
    """One whole number (int, NumPy integer, or a whole float) as an int; else an error naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be an int (COCO's ids are ints), "
                        f"not {type(value).__name__} {value!r:.60}")
    if isinstance(value, (float, np.floating)) and not (math.isfinite(value) and float(value).is_integer()):
        raise ValueError(f"{name} is {float(value)!r}, not a whole number: COCO's ids are ints")
    return int(value)


def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
    """Detections of one image as COCO result dicts, ready for ``json.dumps(allow_nan=False)``.

    boxes_xyxy: (N, 4) corners x1, y1, x2, y2 in pixels; scores: (N,); class_ids:
    (N,) model class indices; category_ids: the COCO category id of each class
    index (COCO's ids are not 0..79): a sequence indexed by class id, or a dict
    {class id: category id}. Each dict holds int "image_id" and "category_id",
    "bbox" [x, y, width, height] and "score" as Python floats.

    Ids are whole numbers: an int, or a float whose value is whole (2.0 is class 2).
    A class id that is negative (-1 is no index: it would silently pick the last
    category), past the end of category_ids, or a fraction such as 1.7 is a
    ValueError naming it; so are NaN or infinite boxes and scores.
    """
    image_id = _whole_number(image_id, "image_id")
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    raw_class_ids = np.asarray(class_ids).reshape(-1)
    if not len(boxes) == len(scores) == len(raw_class_ids):
        raise ValueError(f"got {len(boxes)} boxes, {len(scores)} scores and {len(raw_class_ids)} class ids; "
                         f"they must be the same length")
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        raise ValueError("boxes or scores contain NaN or inf, which COCO JSON cannot hold: "
                         "drop those detections first")
    if isinstance(category_ids, Mapping):
        lookup = {_whole_number(k, "a key of category_ids"): _whole_number(v, f"category_ids[{k!r}]")
                  for k, v in category_ids.items()}
    else:
        ids = _whole_numbers(category_ids, "category_ids")
        if not len(ids):
            raise ValueError("category_ids is empty: give the COCO category id of each class index")
        lookup = dict(enumerate(ids.tolist()))
    class_ids = _whole_numbers(raw_class_ids, "class_ids")
    for n, c in enumerate(class_ids.tolist()):
        if c not in lookup:
            where = ("not a key of category_ids" if isinstance(category_ids, Mapping)
                     else f"outside 0 to {len(lookup) - 1}, the indices of category_ids "
                          f"(length {len(lookup)})")
            raise ValueError(f"class_ids[{n}] is {c}: {where}; a class id indexes category_ids "
                             f"(-1 often means 'no class': drop such detections first)")
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    return [{"image_id": image_id, "category_id": int(lookup[c]),
             "bbox": [float(v) for v in box], "score": float(s)}
            for box, s, c in zip(xywh, scores, class_ids.tolist())]
