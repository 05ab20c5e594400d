"""The capstone: classify a folder of photos end to end, safely and re-runnably.

    summary = classify_folder("photos/", "outputs/run1", load_model("efficientnet_lite0"))

Every readable image is classified in batches, its top-K is drawn on a copy that is
saved (with label, confidence, model and time embedded) under ``out_dir/<safe label>/``,
and a row goes into ``out_dir/catalog.sqlite``. Every entry of the input folder is
accounted for: classified, skipped as done before, or listed with the reason it was not
(unreadable, refused, or not an image file at all). The catalog is the record of what is
done: a second run skips those images, recognised by their file name *and* content.

Limits, checked per image (one bad file never stops the run):

* a file over :data:`MAX_FILE_BYTES` is not read;
* a decoded image over ``helpers.images.MAX_PIXELS`` pixels is refused, and so is one
  whose resized copy would be: a preset that resizes the short side (``resize="short_side_crop"``) makes a
  1 x 100000 strip 256 x 25,600,000 before cropping it.

The work is a pipeline, so that the runtime is kept busy: a worker thread reads, decodes and
size-checks the next batches and builds their blob (:data:`LOAD_THREADS`, at most
:data:`BATCHES_AHEAD` batches ahead); the calling thread runs the model and writes the
catalog; other workers draw and save (:data:`SAVE_THREADS`). The results, the summary and
the catalog are exactly those of doing every step in order, one image after the other
(``LOAD_THREADS = SAVE_THREADS = 0`` does that), and a catalog row is still written only
after its image was saved. An error in a worker is raised in the caller, and every thread
has ended when :func:`classify_folder` returns or raises (Ctrl-C included).
"""
from __future__ import annotations

import errno
import hashlib
import math
import numbers
import os
import stat
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from . import images as _images
from .catalog import catalog_add, catalog_get, open_catalog
from .drawing import FONT, draw_label, drawing_scale  # noqa: F401 (FONT: kept for importers)
from .images import load_image
from .labels import decode_predictions
from .preprocessing import preprocess
from .probabilities import softmax
from .saving import FORMATS, MAX_NAME_BYTES, check_image_id, safe_label_dirname, save_classified, utc_timestamp
from .text import text_size

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
CATALOG_NAME = "catalog.sqlite"
LABEL_BGR = (40, 40, 40)
#: Files larger than this are not read (a photo from a phone is 2-10 MB).
MAX_FILE_BYTES = 512 * 2**20
#: Tolerance of the check that a "probabilities" output lies in [0, 1] and sums to 1 per row.
PROBABILITY_ATOL = 1e-3
_HASH_CHUNK = 1 << 20
_HASH_ID_CHARS = 16
#: Worker threads that read, decode, size-check and preprocess the next batches
#: (0: in the calling thread, in order). cv2.imdecode and cv2.resize release the GIL.
LOAD_THREADS = 1
#: Worker threads that draw the top-K on each image and save it (0: in the calling thread).
#: Pillow's PNG and JPEG encoders release the GIL. On 2 cores, with the runtime using both,
#: 2 saving threads gave 20-55% more images per second than 1 (bench/run.py, bench_capstone);
#: a second loading thread gave nothing.
SAVE_THREADS = 2
#: How many batches the loading may run ahead of the batch being classified.
BATCHES_AHEAD = 2
# The text drawing keeps fonts in caches shared by every thread: one image is drawn at a time.
_DRAW_LOCK = threading.Lock()


def max_pixels() -> int:
    """The per-image pixel limit: ``helpers.images.MAX_PIXELS``, read when used (it may be raised)."""
    return int(_images.MAX_PIXELS)


def iter_batches(paths, batch_size):
    """``paths`` (any iterable) cut into consecutive lists of ``batch_size`` items, in order.

    The last batch holds what is left (it may be shorter); no item is dropped or
    repeated. batch_size must be a positive int (ValueError otherwise).
    Returns a list of lists.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}")
    items = list(paths)
    return [items[start:start + batch_size] for start in range(0, len(items), batch_size)]


def why_not_an_image(path) -> str | None:
    """None when ``path`` (an entry of the input folder) is an image file to classify;
    otherwise the reason it is not: hidden, a folder, a FIFO, a socket or device, a
    symbolic link loop, a dangling link, or a name without an image suffix.

    A symbolic link to an image file counts as that image. Nothing is opened: a FIFO
    is recognised by ``stat``, never read (reading one can wait forever).
    """
    path = Path(path)
    if path.name.startswith("."):
        return "hidden (its name starts with '.')"
    try:
        mode = path.stat().st_mode  # follows symbolic links
    except OSError as error:
        if path.is_symlink():
            if error.errno == errno.ELOOP:
                return "a symbolic link loop (it leads back to itself)"
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            if error.errno in (errno.ENOENT, errno.ENOTDIR):
                return f"a dangling symbolic link (to {target!r}, which does not exist)"
            return f"a symbolic link to {target!r} that cannot be followed ({error.strerror})"
        return f"cannot be examined ({error.strerror or error})"
    if stat.S_ISDIR(mode):
        return "a folder (only the files directly inside the input folder are classified)"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file: not opened, since reading one can wait forever"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        what = f"its suffix is {path.suffix!r}" if suffix else "it has no suffix"
        return f"not an image file name ({what}; image suffixes: {', '.join(sorted(IMAGE_SUFFIXES))})"
    return None


def scan_folder(in_dir):
    """Every entry directly inside ``in_dir``, sorted by name, sorted out.

    Returns (images, ignored): the image file paths to classify, and a list of
    (name, reason) for every other entry (see :func:`why_not_an_image`).
    NotADirectoryError when ``in_dir`` is not a folder.
    """
    in_dir = Path(in_dir)
    if not in_dir.is_dir():
        raise NotADirectoryError(f"{in_dir} is not a folder of images")
    found, ignored = [], []
    for path in sorted(in_dir.iterdir(), key=lambda p: p.name):
        reason = why_not_an_image(path)
        if reason is None:
            found.append(path)
        else:
            ignored.append((path.name, reason))
    return found, ignored


def list_images(in_dir) -> list:
    """The image files directly inside ``in_dir`` (by suffix, hidden files skipped), sorted by name."""
    return scan_folder(in_dir)[0]


def image_id_for(path) -> str:
    """A file-name-safe id for ``path``: its name with the extension ("chelsea.jpg"), so
    "a.jpg" and "a.png" stay two images; an unsafe name gets a safe, unique stand-in."""
    name = Path(path).name
    try:
        return check_image_id(name)
    except ValueError:
        return safe_label_dirname(name)


def content_id_for(image_id, sha256) -> str:
    """The id of a photo whose name's id is taken by a different photo: the content's
    hash goes before the extension ("IMG_0001.jpg" -> "IMG_0001-3f2a9c1b7d4e5a60.jpg")."""
    stem, suffix = os.path.splitext(image_id)
    tag = f"-{sha256[:_HASH_ID_CHARS]}{suffix}"
    room = MAX_NAME_BYTES - len(tag.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(". ")
    try:
        return check_image_id(stem + tag)
    except ValueError:
        return safe_label_dirname(stem + tag)


class _FileTooLarge(ValueError):
    pass


def file_sha256(path, max_bytes=None) -> str:
    """The SHA-256 (hex) of the regular file at ``path``, read in 1 MB chunks.

    Opened without blocking and checked to be a regular file before reading (a FIFO
    swapped in meanwhile is refused, not waited on). ValueError when the file is over
    ``max_bytes`` (default :data:`MAX_FILE_BYTES`); OSError when it cannot be read.
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (it changed while the folder was read)")
        if info.st_size > max_bytes:
            raise _FileTooLarge(f"the file is {info.st_size:,} bytes, over the limit of {max_bytes:,} "
                                "(helpers.capstone.MAX_FILE_BYTES): not read")
        digest, total = hashlib.sha256(), 0
        while chunk := handle.read(_HASH_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise _FileTooLarge(f"the file grew past the limit of {max_bytes:,} bytes while it was read")
            digest.update(chunk)
    return digest.hexdigest()


def size_problem(image, preset=None, limit=None) -> str | None:
    """None when the (H, W, ...) ``image`` is within the pixel limit, else the reason.

    limit: pixels (default :func:`max_pixels`). With a ``preset`` whose resize is
    "short_side_crop", the copy resized to ``resize_short`` must be within the limit too.
    """
    limit = max_pixels() if limit is None else int(limit)
    height, width = image.shape[:2]
    if height * width > limit:
        return (f"{width}x{height} = {height * width:,} pixels, over the limit of {limit:,} "
                "(helpers.images.MAX_PIXELS): make a smaller copy first, e.g. with cv2.resize")
    short = getattr(preset, "resize_short", None)
    if getattr(preset, "resize", None) == "short_side_crop" and short and min(height, width) > 0:
        long_side = math.ceil(short * max(height, width) / min(height, width))
        if short * long_side > limit:
            return (f"{width}x{height} is too long and thin: {preset.name}'s recipe resizes its short side "
                    f"to {short}, which would make {short}x{long_side:,} = {short * long_side:,} pixels, "
                    f"over the limit of {limit:,} (helpers.images.MAX_PIXELS); crop it to a less "
                    "extreme shape first")
    return None


def annotate(image, top):
    """A copy of the BGR ``image`` with the top-K lines "label 0.87" drawn at its top left.

    top: a list of (class_index, label, probability) tuples, best first.
    Labels in any script are drawn ("猫 0.87", "собака 0.05", "😺 0.02"): ASCII with
    cv2's Hershey font, other text with real fonts in lines of the same height (see
    helpers.text for which scripts come out right).
    """
    out = image.copy()
    font_scale, thickness = drawing_scale(out.shape)
    (_, text_h), baseline = text_size("Ag", font_scale, thickness)
    line_height = text_h + baseline + 2 * max(1, thickness) + 1
    for row, (_, label, probability) in enumerate(top):
        # draw_label puts the text above its anchor: anchor each line at its own bottom edge
        draw_label(out, f"{label} {probability:.2f}", (0, (row + 1) * line_height), LABEL_BGR,
                   font_scale, thickness)
    return out


def output_kind(model) -> str:
    """What ``model.predict`` gives, from its preset: "logits" or "probabilities".

    ``model.preset.output`` says it (helpers.models.PRESETS: "googlenet_caffe" ends in a
    softmax layer, most others give logits). A model without a preset (your own object
    with ``name``, ``labels`` and ``predict``) is read as giving logits. ValueError for a
    preset that is not a classifier or whose output is neither.
    """
    preset = getattr(model, "preset", None)
    if preset is None:
        return "logits"
    task = getattr(preset, "task", "classification")
    if task != "classification":
        raise ValueError(f"model {model.name!r} is a {task} model (its preset's task): classify_folder "
                         "needs a classifier, e.g. load_model('efficientnet_lite0')")
    kind = getattr(preset, "output", "logits")
    if kind not in ("logits", "probabilities"):
        raise ValueError(f"model {model.name!r}'s preset says its output is {kind!r}; classify_folder reads "
                         "'logits' or 'probabilities' only")
    return kind


def output_to_probabilities(output, kind, temperature=1.0, name="the model", num_classes=None):
    """(N, C) model output -> ((N, C) float64 probabilities, {row: why it is unusable}).

    kind "logits": softmax(logits / temperature). kind "probabilities": used as they
    are when temperature is 1, else softmax(log(p) / temperature), which is exactly
    softmax(logits / temperature) of the logits the network's own softmax saw (log p
    differs from them by one constant per row). No second softmax is ever applied.
    A row with NaN (or, for logits, +inf or only -inf) is unusable: it is reported in
    the dict, and its row of probabilities is zeros. ValueError when the output is not
    (N, C) with C = ``num_classes``, or when "probabilities" are not: a row outside
    [0, 1] or not summing to 1 (within PROBABILITY_ATOL) means the model does not give
    what its preset says, and reading it either way would be a silent wrong answer.
    """
    out = np.asarray(output)
    if out.ndim != 2 or out.dtype == bool or not np.issubdtype(out.dtype, np.number):
        raise ValueError(f"{name}'s predict must return an (N, C) array of numbers, got shape {out.shape} "
                         f"and dtype {out.dtype}")
    if num_classes is not None and out.shape[1] != num_classes:
        raise ValueError(f"{name} gives {out.shape[1]} scores per image but has {num_classes} labels: the "
                         "label file does not belong to this model")
    out = out.astype(np.float64)
    probs, broken = np.zeros_like(out), {}
    for i, row in enumerate(out):
        if np.isnan(row).any():
            broken[i] = f"{name}'s output for it has NaN: the model's output is broken for this image"
            continue
        if kind == "logits":
            if np.isposinf(row).any() or np.isneginf(row).all():
                broken[i] = f"{name}'s logits for it are +inf or all -inf: no probability can be read from them"
                continue
            probs[i] = softmax(row / temperature)
            continue
        low, high, total = row.min(), row.max(), row.sum()
        if not (np.isfinite(row).all() and low >= -PROBABILITY_ATOL and high <= 1 + PROBABILITY_ATOL
                and abs(total - 1) <= PROBABILITY_ATOL):
            raise ValueError(
                f"{name}'s preset says its output is probabilities, but row {i} has values from {low:.4g} "
                f"to {high:.4g} summing to {total:.4g}; probabilities lie in [0, 1] and sum to 1. These "
                "look like logits: the model does not give what its preset says (fix the model or its "
                "preset's output); reading them either way would give wrong confidences")
        p = np.clip(row, 0.0, 1.0)
        if temperature == 1:
            probs[i] = p
        else:
            with np.errstate(divide="ignore"):
                probs[i] = softmax(np.log(p) / temperature)  # log 0 = -inf stays probability 0
    return probs, broken


def _checked_labels(model) -> list:
    labels = getattr(model, "labels", None)
    if labels is None:
        raise ValueError(f"model {model.name!r} has no class names: classify_folder needs a classifier")
    labels = list(labels)
    if not labels:
        raise ValueError(f"model {model.name!r} has an empty list of class names")
    for index, label in enumerate(labels):
        if not isinstance(label, str):
            raise ValueError(f"model {model.name!r}: labels[{index}] is {label!r} ({type(label).__name__}), "
                             "not a class name; every label must be a str")
    return labels


def _check_options(batch_size, k, temperature, fmt):
    iter_batches([], batch_size)  # its ValueError names a bad batch_size
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive whole number (how many classes to keep), got {k!r}")
    if (isinstance(temperature, bool) or not isinstance(temperature, numbers.Real)
            or not math.isfinite(temperature) or temperature <= 0):
        raise ValueError(f"temperature must be a finite number > 0 (1.0 leaves the model's confidences as "
                         f"they are), got {temperature!r}")
    if str(fmt).lower() not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")


def _plan(conn, base_id, digest, model_name, out_dir, claimed):
    """("skip" | "redo" | "new", image_id) for a photo, or ("taken", None).

    The same photo (same content, under its name's id or its content id) whose saved copy
    is still there is skipped; whose copy was deleted is redone under the same id. A new
    photo gets its name's id, or its content id when a different photo holds that name.
    """
    candidates = (base_id, content_id_for(base_id, digest))
    rows = {c: None if c in claimed else catalog_get(conn, c, model_name) for c in candidates}
    for candidate, row in rows.items():
        if row is not None and row["content_sha256"] == digest:
            saved = Path(out_dir) / row["path"] if row["path"] else None
            return ("skip" if saved is not None and saved.is_file() else "redo"), candidate
    for candidate, row in rows.items():
        if row is None and candidate not in claimed:
            return "new", candidate
    return "taken", None


#: Errors of one image's processing that are reported for that image while the run goes on.
PER_IMAGE_ERRORS = (ValueError, cv2.error, MemoryError)


def model_for_backend(model, backend=None):
    """The model ``classify_folder`` runs: ``model`` on ``backend`` (see its docstring).

    backend None: ``model`` as given (a preset name is loaded with ``load_model(name)``).
    A backend name: a preset name is loaded on it; a Model from ``load_model`` already on
    it is used as it is; one on another backend is replaced by the same preset loaded on
    this one. Anything else (an object of your own, a synthetic stand-in) is a ValueError:
    only a real network can run on a backend. The errors of ``load_model`` (an unknown
    backend, one not installed, one that cannot run the model) are raised as they are:
    there is never a silent switch to another backend.
    """
    from .models import load_model

    if isinstance(model, str):
        return load_model(model) if backend is None else load_model(model, backend=backend)
    if backend is None:
        return model
    preset, on = getattr(model, "preset", None), getattr(model, "backend", None)
    if preset is None or not isinstance(on, str) or not isinstance(getattr(preset, "name", None), str):
        raise ValueError(
            f"backend={backend!r} needs a model from helpers.models.load_model or a preset name "
            f"(e.g. classify_folder(..., 'efficientnet_lite0', backend={backend!r})); got "
            f"{type(model).__name__} {getattr(model, 'name', '?')!r}, which has no preset and backend "
            "to load again on another runtime. Leave backend=None to run your own model as it is")
    if getattr(model, "is_synthetic", False):
        raise ValueError(
            f"backend={backend!r} needs a real model from helpers.models.load_model or a preset name: "
            f"{model.name!r} here is a synthetic stand-in, which has no network to run on a backend "
            "(its notice says how to get the real one). Leave backend=None to run the stand-in as it is")
    if on == backend:
        return model
    return load_model(preset.name, backend=backend)


def classify_folder(in_dir, out_dir, model, batch_size=16, k=5, *, temperature=1.0, fmt="png", progress=True,
                    backend=None):
    """Classify every image in ``in_dir``; save annotated copies and catalog rows in ``out_dir``.

    model: a classifier from ``helpers.models.load_model`` (``.predict`` gives (N, C)
    scores, ``.labels`` names the classes), or a preset name ("efficientnet_lite0"),
    which is loaded with ``load_model``. What the scores are comes from the model's
    preset (``model.preset.output``): logits get a softmax, probabilities are used as
    they are, never softmaxed twice (see :func:`output_to_probabilities`; a model
    without a preset is read as giving logits). k: how many classes to draw and keep
    (at most the number of classes). temperature: divides the logits before the
    softmax; 1.0 leaves them as they are. Fit it on labelled data from your own domain
    (``helpers.calibration.fit_temperature``, kata 04): a temperature fitted elsewhere
    does not carry over.

    backend: None runs ``model`` as given. A runtime's name ("opencv", "onnxruntime",
    "openvino", "litert"; helpers.models.backends) runs the model on it: a preset name is
    loaded there, and a Model from ``load_model`` on another backend is loaded again there
    (same preset, same outputs, only the speed differs). backend= with anything else, an
    object of your own or a synthetic stand-in, is a ValueError (a preset name whose real
    files are missing gives load_model's stand-in, with its notice). An unknown backend, one
    not installed (``BackendNotInstalledError``) or one that cannot run the model
    (``BackendCannotRunError``) is raised as ``load_model`` raises it: never a silent switch.

    Re-runs: an image is recognised by its file name *and* the SHA-256 of its bytes.
    The same photo already in the catalog for this model is skipped, unless its saved
    copy was deleted: then it is done again. A different photo with a name already
    used (``day2/IMG_0001.jpg`` after ``day1/IMG_0001.jpg``) gets the id
    ``IMG_0001-<16 hex digits of its hash>.jpg`` and is classified.

    Per image, nothing stops the run: a file that cannot be read or decoded is
    "unreadable"; a file over MAX_FILE_BYTES, an image over the pixel limit (see the
    module docstring), or one the model, the drawing or the saving rejects with a
    ValueError is "refused"; every other entry of ``in_dir`` (hidden, a folder, a
    FIFO, a link loop, a dangling link, another suffix) is "ignored", with the reason.

    Speed: the next batches are read and preprocessed, and the last one drawn and saved,
    while the model runs (see the module docstring); the results are those of doing it
    all in order. Any other error stops the run and is raised here, in the caller's
    thread; the images saved before it keep their catalog rows, and no image is
    cataloged whose copy was not saved.

    Returns a dict: "classified" (a list of dicts: image_id, file, label, confidence,
    top_k, path), "skipped" (ids done before), "unreadable", "refused" and "ignored"
    (lists of (file name, reason)), "entries" (every entry's name -> "classified",
    "skipped", "unreadable", "refused" or "ignored"), "seconds", "images_per_second",
    "model", "backend" (the runtime that ran it; None for an object without one),
    "temperature", "catalog". The lists are in the order of the files' names.
    """
    _check_options(batch_size, k, temperature, fmt)
    model = model_for_backend(model, backend)
    labels = _checked_labels(model)
    kind = output_kind(model)
    k = min(int(k), len(labels))  # a 3-class model has no top 5
    images, ignored = scan_folder(in_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = open_catalog(out_dir / CATALOG_NAME)
    summary = {"classified": [], "skipped": [], "unreadable": [], "refused": [], "ignored": ignored,
               "entries": {name: "ignored" for name, _ in ignored}, "model": model.name,
               "backend": getattr(model, "backend", None), "temperature": float(temperature),
               "catalog": out_dir / CATALOG_NAME}

    def report(outcome, name, reason):
        summary[outcome].append((name, reason))
        summary["entries"][name] = outcome

    todo, claimed = [], set()
    try:
        for path in images:
            try:
                digest = file_sha256(path)
            except _FileTooLarge as error:
                report("refused", path.name, str(error))
                continue
            except OSError as error:
                report("unreadable", path.name, f"could not read {path}: {error.strerror or error}")
                continue
            action, image_id = _plan(conn, image_id_for(path), digest, model.name, out_dir, claimed)
            if action == "taken":
                report("refused", path.name, "both its name's id and its content id are used by other "
                       "photos in this catalog: rename the file")
                continue
            claimed.add(image_id)
            if action == "skip":
                summary["skipped"].append(image_id)
                summary["entries"][path.name] = "skipped"
            else:
                todo.append((path, image_id, digest, action == "redo"))
        start = time.perf_counter()
        with tqdm(total=len(todo), unit="img", desc="classifying", disable=not progress) as bar:
            _Pipeline(model, kind, labels, k, temperature, out_dir, fmt, conn, summary, report,
                      bar).run(iter_batches(todo, batch_size))
    finally:
        conn.close()
    seconds = time.perf_counter() - start
    summary["seconds"] = seconds
    summary["images_per_second"] = len(summary["classified"]) / seconds if seconds > 0 else 0.0
    return summary


def _predict(model, images):
    """The model's (N, C) output for ``images`` and {index: reason} for images it rejected.

    One call for the whole batch; when that raises a per-image error, one call per image,
    so one bad image costs only itself. Rejected images get rows of NaN.
    """
    try:
        return np.asarray(model.predict(images)), {}
    except PER_IMAGE_ERRORS as error:
        if len(images) == 1:
            return None, {0: f"{model.name} could not process it: {error}"}
    rows, failed = [None] * len(images), {}
    for index, image in enumerate(images):
        try:
            rows[index] = np.asarray(model.predict([image]))
        except PER_IMAGE_ERRORS as error:
            failed[index] = f"{model.name} could not process it: {error}"
    good = [row for row in rows if row is not None]
    if not good:
        return None, failed
    filler = np.full_like(good[0], np.nan, dtype=np.float64)
    return np.concatenate([filler if row is None else row for row in rows]), failed


def _runs_on_blobs(model) -> bool:
    """True for a real Model whose predict is ``forward_blob(preprocess(images, preset))``:
    then the blob is built in the loading thread and only forward_blob runs in the caller's."""
    from .models.loading import Model

    return (isinstance(model, Model) and not getattr(model, "is_synthetic", False)
            and getattr(model, "network", None) is not None and type(model).predict is Model.predict)


def _load_batch(batch, preset, blob_preset):
    """Read, decode and size-check one batch (in a loading thread); build its blob when asked.

    Returns (outcomes, loaded, blob): a list of (outcome, file name, reason) for the images
    that cannot be classified, a list of (item, image) for the others, and their
    ``preprocess`` blob (None when not asked for, or when preprocess rejects one of them:
    then the per-image fallback of :func:`_predict` finds which).
    """
    outcomes, loaded = [], []
    for item in batch:
        path = item[0]
        try:
            image = load_image(path)
        except _images.ImageTooLarge as error:
            outcomes.append(("refused", path.name, str(error)))
            continue
        except (OSError, ValueError, cv2.error, MemoryError) as error:
            outcomes.append(("unreadable", path.name, str(error) or type(error).__name__))
            continue
        problem = size_problem(image, preset)
        if problem:
            outcomes.append(("refused", path.name, problem))
            continue
        loaded.append((item, image))
    blob = None
    if blob_preset is not None and loaded:
        try:
            blob = preprocess([image for _, image in loaded], blob_preset)
        except PER_IMAGE_ERRORS:
            blob = None
    return outcomes, loaded, blob


def _save_one(image, top, label, confidence, image_id, out_dir, fmt, model_name):
    """Draw the top-K on a copy of ``image`` and save it (in a saving thread); its Path."""
    with _DRAW_LOCK:
        picture = annotate(image, top)
    return save_classified(picture, label, confidence, image_id, out_dir, fmt, model_name=model_name)


class _InlineExecutor:
    """An executor without threads: ``submit`` runs the call at once, in the caller's thread."""

    def submit(self, fn, *args):
        future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as error:  # kept in the future, raised by .result(), as a thread would
            future.set_exception(error)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _executor(threads, name):
    return _InlineExecutor() if threads == 0 else ThreadPoolExecutor(int(threads), thread_name_prefix=name)


def _stop(executor):
    """Cancel what has not started, then wait for what has: no thread outlives the call."""
    executor.shutdown(wait=False, cancel_futures=True)
    executor.shutdown(wait=True)


class _Batch:
    """One batch on its way: what loading found, then one row per loaded image
    (item, top, label, confidence, refusal reason or None, save Future or None)."""

    def __init__(self, size, outcomes):
        self.size, self.outcomes, self.rows, self.done = size, outcomes, [], 0


class _Pipeline:
    """Loading -> model (caller's thread) -> drawing and saving -> catalog (caller's thread).

    Batch i + 1 runs through the model while batch i is saved, and batches i + 2 and i + 3
    are loaded; batch i is then finished in order: its outcomes reported, each saved image
    cataloged. So the summary and the catalog are those of the plain order.
    """

    def __init__(self, model, kind, labels, k, temperature, out_dir, fmt, conn, summary, report, bar):
        self.model, self.kind, self.labels, self.k = model, kind, labels, k
        self.temperature, self.out_dir, self.fmt, self.conn = temperature, out_dir, fmt, conn
        self.summary, self.report, self.bar = summary, report, bar
        self.preset = getattr(model, "preset", None)
        self.blob_preset = self.preset if _runs_on_blobs(model) else None

    def run(self, batches):
        loader = _executor(LOAD_THREADS, "classify-load")
        saver = _executor(SAVE_THREADS, "classify-save")
        loads, queued, pending = deque(), 0, None
        try:
            while loads or queued < len(batches):
                while queued < len(batches) and len(loads) < max(1, BATCHES_AHEAD):
                    loads.append((len(batches[queued]),
                                  loader.submit(_load_batch, batches[queued], self.preset, self.blob_preset)))
                    queued += 1
                size, loading = loads.popleft()
                outcomes, loaded, blob = loading.result()  # a loading error is raised here
                batch = _Batch(size, outcomes)
                rows = self._infer(loaded, blob)
                del loaded, blob
                if pending is not None:  # the batch before: saved meanwhile
                    self._finish(pending)
                    pending = None
                batch.rows = [self._submit(saver, row) for row in rows]
                pending = batch
            if pending is not None:
                self._finish(pending)
                pending = None
        except BaseException as error:
            _stop(loader)
            if isinstance(error, Exception):
                saver.shutdown(wait=True)  # the images the model has done are saved, as in the plain order
            else:  # Ctrl-C: only the saves under way are finished
                _stop(saver)
            if pending is not None:
                self._keep_saved(pending)
            raise
        finally:
            _stop(loader)
            _stop(saver)

    def _infer(self, loaded, blob):
        """Run the model on one loaded batch: a list of (item, image, top or None, reason or None)."""
        model = self.model
        if not loaded:
            return []
        images = [image for _, image in loaded]
        output, failed = None, {}
        if blob is not None:
            try:
                output = np.asarray(model.forward_blob(blob))
            except PER_IMAGE_ERRORS:
                output = None
        if output is None:
            output, failed = _predict(model, images)
        if output is None:
            return [(item, image, None, failed.get(index, f"{model.name} could not process it"))
                    for index, (item, image) in enumerate(loaded)]
        if output.ndim < 1 or output.shape[0] != len(loaded):
            raise ValueError(f"{model.name}'s predict gave an output of shape {output.shape} for {len(loaded)} "
                             "images: it must give one row per image")
        probs, broken = output_to_probabilities(output, self.kind, self.temperature, model.name, len(self.labels))
        broken.update(failed)
        rows = []
        for index, (item, image) in enumerate(loaded):
            if index in broken:
                rows.append((item, image, None, broken[index]))
            else:
                rows.append((item, image, decode_predictions(probs[index], self.labels, self.k)[0], None))
        return rows

    def _submit(self, saver, row):
        item, image, top, reason = row
        if top is None:
            return item, None, reason, None
        (_, label, confidence), image_id = top[0], item[1]
        future = saver.submit(_save_one, image, top, label, confidence, image_id, self.out_dir, self.fmt,
                              self.model.name)
        return item, top, None, future

    def _finish(self, batch):
        """Report one batch in input order; catalog each image once it is saved."""
        for outcome, name, reason in batch.outcomes:
            self.report(outcome, name, reason)
        batch.outcomes = []
        while batch.done < len(batch.rows):
            (path, image_id, digest, replace), top, reason, future = batch.rows[batch.done]
            batch.done += 1
            if reason is not None:
                self.report("refused", path.name, reason)
                continue
            try:
                saved = future.result()  # a saving error other than a per-image one is raised here
            except PER_IMAGE_ERRORS as error:
                self.report("refused", path.name, f"could not be drawn on or saved: {error}")
                continue
            self._catalog(path, image_id, digest, replace, top, saved)
        self.bar.update(batch.size)

    def _catalog(self, path, image_id, digest, replace, top, saved):
        _, label, confidence = top[0]
        record = {"image_id": image_id, "label": label, "confidence": confidence, "model": self.model.name,
                  "path": str(saved.relative_to(self.out_dir)), "timestamp": utc_timestamp(),
                  "content_sha256": digest}
        # last: a crash before this line means "not done", and a rerun redoes it
        catalog_add(self.conn, record, replace=replace)
        self.summary["classified"].append({"image_id": image_id, "file": path.name, "label": label,
                                           "confidence": confidence,
                                           "top_k": [(name, p) for _, name, p in top], "path": saved})
        self.summary["entries"][path.name] = "classified"

    def _keep_saved(self, batch):
        """After an error: catalog the images of ``batch`` whose saving succeeded (every worker
        has stopped by now), so that a rerun need not do them again. After an Exception that
        is every image of the batch before the failing one, as in the plain order; after
        Ctrl-C, those whose saving had started."""
        for (path, image_id, digest, replace), top, reason, future in batch.rows[batch.done:]:
            if future is None or future.cancelled() or not future.done() or future.exception() is not None:
                continue
            try:
                self._catalog(path, image_id, digest, replace, top, future.result())
            except Exception:  # the error being raised is the one to report; this image stays "not done"
                return
        batch.done = len(batch.rows)


def images_per_second(model, images, batch_size=None, repeats=3):
    """Best-of-``repeats`` throughput of ``model.predict``: one image at a time
    (batch_size None) or in batches of ``batch_size``. Returns a float."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        if batch_size is None:
            for image in images:
                model.predict([image])
        else:
            for batch in iter_batches(images, batch_size):
                model.predict(batch)
        best = min(best, time.perf_counter() - start)
    return len(images) / best
