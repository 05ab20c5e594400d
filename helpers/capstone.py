"""The capstone: classify a folder of photos end to end, safely and re-runnably.

    summary = classify_folder("photos/", "outputs/run1", load_model("efficientnet_lite0"))

Every readable image is classified in batches, its top-K is drawn on a copy that is
saved (with label, confidence, model and time embedded) under ``out_dir/<safe label>/``,
and a row goes into ``out_dir/catalog.sqlite``. Unreadable files are reported and
skipped. The catalog is the record of what is done: a second run skips those images.
"""
from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from .calibration import apply_temperature
from .catalog import catalog_add, catalog_has, open_catalog
from .drawing import FONT, draw_label, drawing_scale
from .images import load_image
from .labels import decode_predictions
from .saving import check_image_id, safe_label_dirname, save_classified, utc_timestamp

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
CATALOG_NAME = "catalog.sqlite"
LABEL_BGR = (40, 40, 40)


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


def list_images(in_dir) -> list:
    """The image files directly inside ``in_dir`` (by suffix, hidden files skipped), sorted by name."""
    in_dir = Path(in_dir)
    if not in_dir.is_dir():
        raise NotADirectoryError(f"{in_dir} is not a folder of images")
    return sorted(p for p in in_dir.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)


def image_id_for(path) -> str:
    """A file-name-safe id for ``path``: its name with the extension ("chelsea.jpg"), so
    "a.jpg" and "a.png" stay two images; an unsafe name gets a safe, unique stand-in."""
    name = Path(path).name
    try:
        return check_image_id(name)
    except ValueError:
        return safe_label_dirname(name)


def annotate(image, top):
    """A copy of the BGR ``image`` with the top-K lines "label 0.87" drawn at its top left.

    top: a list of (class_index, label, probability) tuples, best first.
    cv2's Hershey font draws ASCII only: every byte of another character's UTF-8 comes
    out as "?" ("猫" as "???").
    """
    out = image.copy()
    font_scale, thickness = drawing_scale(out.shape)
    (_, text_h), baseline = cv2.getTextSize("Ag", FONT, font_scale, thickness)
    line_height = text_h + baseline + 2 * max(1, thickness) + 1
    for row, (_, label, probability) in enumerate(top):
        # draw_label puts the text above its anchor: anchor each line at its own bottom edge
        draw_label(out, f"{label} {probability:.2f}", (0, (row + 1) * line_height), LABEL_BGR,
                   font_scale, thickness)
    return out


def classify_folder(in_dir, out_dir, model, batch_size=16, k=5, *, temperature=1.0, fmt="png", progress=True):
    """Classify every image in ``in_dir``; save annotated copies and catalog rows in ``out_dir``.

    model: a classifier from ``helpers.models.load_model`` (``.predict`` gives (N, C)
    logits, ``.labels`` names the classes). k: how many classes to draw and keep
    (at most the number of classes). temperature: divides the logits before the
    softmax; 1.0 leaves them as they are. Fit it on labelled data from your own domain
    (``helpers.calibration.fit_temperature``, kata 04): a temperature fitted elsewhere
    does not carry over. Images already in the catalog for this model are skipped.

    Returns a dict: "classified" (a list of dicts: image_id, label, confidence,
    top_k, path), "skipped" (ids done before), "unreadable" (a list of (file name,
    reason)), "seconds", "images_per_second", "model", "temperature", "catalog".
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = model.labels
    if labels is None:
        raise ValueError(f"model {model.name!r} has no class names: classify_folder needs a classifier")
    k = min(int(k), len(labels))  # a 3-class model has no top 5
    conn = open_catalog(out_dir / CATALOG_NAME)
    summary = {"classified": [], "skipped": [], "unreadable": [], "model": model.name,
               "temperature": float(temperature), "catalog": out_dir / CATALOG_NAME}
    todo = []
    for path in list_images(in_dir):
        image_id = image_id_for(path)
        if catalog_has(conn, image_id, model.name):
            summary["skipped"].append(image_id)
        else:
            todo.append((path, image_id))
    start = time.perf_counter()
    try:
        with tqdm(total=len(todo), unit="img", desc="classifying", disable=not progress) as bar:
            for batch in iter_batches(todo, batch_size):
                readable = []
                for path, image_id in batch:
                    try:
                        readable.append((load_image(path), image_id))
                    except (OSError, ValueError) as error:
                        summary["unreadable"].append((path.name, str(error)))
                if readable:
                    summary["classified"] += _classify_batch(readable, model, labels, k, temperature,
                                                             out_dir, fmt, conn)
                bar.update(len(batch))
    finally:
        conn.close()
    seconds = time.perf_counter() - start
    summary["seconds"] = seconds
    summary["images_per_second"] = len(summary["classified"]) / seconds if seconds > 0 else 0.0
    return summary


def _classify_batch(readable, model, labels, k, temperature, out_dir, fmt, conn):
    """Run one batch through the model, then save, and only then catalog, each image."""
    images = [image for image, _ in readable]
    probs = apply_temperature(model.predict(images), temperature)
    results = []
    for (image, image_id), top in zip(readable, decode_predictions(probs, labels, k)):
        _, label, confidence = top[0]
        path = save_classified(annotate(image, top), label, confidence, image_id, out_dir, fmt,
                               model_name=model.name)
        record = {"image_id": image_id, "label": label, "confidence": confidence, "model": model.name,
                  "path": str(path.relative_to(out_dir)),
                  "timestamp": utc_timestamp()}
        catalog_add(conn, record)  # last: a crash before this line means "not done", and a rerun redoes it
        results.append({"image_id": image_id, "label": label, "confidence": confidence,
                        "top_k": [(name, p) for _, name, p in top], "path": path})
    return results


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
