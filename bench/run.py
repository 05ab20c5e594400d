"""Benchmarks: the helpers' hot paths against baselines measured in the same run.

    .venv/bin/python bench/run.py            # everything, a few minutes
    .venv/bin/python bench/run.py --quick    # fewer repeats
    .venv/bin/python bench/run.py --quick --backends opencv,openvino   # only these runtimes

Prints one table of medians and ratios. A ratio is helper time / baseline time, so
below 1 means the helper is faster. Targets (from the classroom-readiness issue):
each helper within 1.5x of the fastest way measured, at least 10x faster than a
naive Python loop, and batched inference at least 1.5x the images per second of
one image at a time. From issue 21 (runtimes): the fastest installed backend at least
3x the images per second of cv2.dnn on EfficientNet-Lite0 and 2x on the two MediaPipe
models, one image at a time; classify_folder on 200 photos end to end within 1.5x of a
bare loop that only decodes and runs the same runtime. Every timing is a median of
repeated runs on the same inputs, after a warm-up run.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROWS: list = []


def median_ms(fn, repeats: int, warm: bool = True) -> float:
    """Median wall time of ``fn()`` in milliseconds, after one warm-up call (unless ``warm`` is False:
    the caller warmed up already)."""
    if warm:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def compare(task: str, helper: tuple, baselines: list, repeats: int, target: str) -> None:
    """Time the helper and each baseline; record one row per baseline."""
    helper_name, helper_fn = helper
    helper_ms = median_ms(helper_fn, repeats)
    for name, fn, goal in baselines:
        base_ms = median_ms(fn, max(1, repeats // (10 if "loop" in name else 1)))
        ratio = helper_ms / base_ms
        ok = {"fastest": ratio <= 1.5, "naive": ratio <= 0.1, "info": True}[goal]
        ROWS.append((task, helper_name, helper_ms, name, base_ms, ratio, goal, ok))


# --------------------------------------------------------------------------- #
def bench_softmax_topk(repeats: int) -> None:
    from helpers.labels import top_k
    from helpers.probabilities import softmax

    rng = np.random.default_rng(0)
    for shape in ((256, 1000), (64, 21843)):
        logits = (rng.standard_normal(shape) * 4).astype(np.float32)

        def naive_softmax():
            with np.errstate(all="ignore"):
                e = np.exp(logits)
                return e / e.sum(axis=-1, keepdims=True)

        def stable_in_place():  # the fastest correct way we know: one temporary, in-place ops
            out = logits - logits.max(axis=-1, keepdims=True)
            np.exp(out, out=out)
            out /= out.sum(axis=-1, keepdims=True)
            return out

        compare(f"softmax {shape}", ("helpers softmax", lambda: softmax(logits)),
                [("stable, in-place ops", stable_in_place, "fastest"),
                 ("naive exp/sum (overflows)", naive_softmax, "info")], repeats, "fastest")
        probs = softmax(logits)

        def argsort_full():
            order = np.argsort(-probs, axis=-1)[:, :5]
            return order, np.take_along_axis(probs, order, -1)

        def argpartition_then_sort():
            part = np.argpartition(-probs, 5, axis=-1)[:, :5]
            vals = np.take_along_axis(probs, part, -1)
            order = np.argsort(-vals, axis=-1)
            return np.take_along_axis(part, order, -1), np.take_along_axis(vals, order, -1)

        compare(f"top-5 {shape}", ("helpers top_k", lambda: top_k(probs, 5)),
                [("full argsort", argsort_full, "fastest"),
                 ("argpartition + sort", argpartition_then_sort, "fastest")], repeats, "fastest")


def bench_colorize_overlay(repeats: int) -> None:
    from helpers.palettes import voc_colormap
    from helpers.segmentation import colorize, overlay

    rng = np.random.default_rng(0)
    h, w = 1080, 1920
    small = rng.integers(0, 21, (h // 16, w // 16), dtype=np.int32)
    labels = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    palette = voc_colormap(256)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    lut = palette[None, :, :].astype(np.uint8)  # (1, 256, 3) for cv2.LUT on a 3-channel index image

    def cv2_lut():
        idx = labels.astype(np.uint8)
        return cv2.LUT(cv2.merge([idx, idx, idx]), lut)

    def cv2_applycolormap():
        return cv2.applyColorMap(labels.astype(np.uint8), palette[:, None, :])

    def seed_fancy_index():
        return palette[labels]

    def loop_per_class():
        out = np.zeros((h, w, 3), np.uint8)
        for c in np.unique(labels):
            out[labels == c] = palette[c]
        return out

    compare("colorize 1920x1080", ("helpers colorize", lambda: colorize(labels, palette)),
            [("cv2.applyColorMap 256 table", cv2_applycolormap, "fastest"),
             ("cv2.LUT 256 table", cv2_lut, "fastest"),
             ("palette[label_map]", seed_fancy_index, "info"),
             ("per-class loop", loop_per_class, "info")], repeats, "fastest")

    def blend_cv2():
        colours = cv2_applycolormap()
        blended = cv2.addWeighted(image, 0.5, colours, 0.5, 0)
        out = image.copy()
        cv2.copyTo(blended, (labels != 0).astype(np.uint8), out)
        return out

    def blend_numpy_float():
        colours = palette[labels].astype(np.float32)
        mix = 0.5 * image.astype(np.float32) + 0.5 * colours
        return np.where((labels != 0)[..., None], mix, image).astype(np.uint8)

    compare("overlay 1920x1080", ("helpers overlay", lambda: overlay(image, labels, palette, 0.5)),
            [("cv2 addWeighted + copyTo", blend_cv2, "fastest"),
             ("NumPy float blend", blend_numpy_float, "info")], repeats, "fastest")


def bench_decode(repeats: int) -> None:
    from helpers.detection import decode_yolo

    rng = np.random.default_rng(0)
    n, c = 8400, 80
    out = np.zeros((1, 4 + c, n), np.float32)
    out[0, 0:2] = rng.uniform(0, 640, (2, n))
    out[0, 2:4] = rng.uniform(10, 200, (2, n))
    out[0, 4:] = rng.uniform(0, 0.3, (c, n)) ** 3  # mostly low scores
    hot = rng.choice(n, 300, replace=False)
    out[0, 4 + rng.integers(0, c, 300), hot] = rng.uniform(0.3, 0.99, 300)

    def per_row_loop():
        rows = out[0].T
        boxes, scores, ids = [], [], []
        for row in rows:
            cls = int(np.argmax(row[4:]))
            score = float(row[4 + cls])
            if score >= 0.25:
                cx, cy, w, h = (float(v) for v in row[:4])
                boxes.append([cx - w / 2, cy - h / 2, w, h])
                scores.append(score)
                ids.append(cls)
        keep = cv2.dnn.NMSBoxesBatched(boxes, scores, ids, 0.25, 0.45) if boxes else []
        return keep

    def vectorised_cv2():
        scores_all = out[0, 4:]
        best = scores_all.max(axis=0)
        keep = np.flatnonzero(best >= 0.25)
        cand = out[0][:, keep].T
        cls = cand[:, 4:].argmax(axis=1)
        xywh = np.column_stack([cand[:, 0] - cand[:, 2] / 2, cand[:, 1] - cand[:, 3] / 2, cand[:, 2], cand[:, 3]])
        return cv2.dnn.NMSBoxesBatched(xywh.tolist(), best[keep].tolist(), cls.tolist(), 0.25, 0.45)

    compare("decode+NMS YOLOv8 (1, 84, 8400)", ("helpers decode_yolo", lambda: decode_yolo(out, 0.25, 0.45)),
            [("vectorised + cv2.dnn.NMSBoxesBatched", vectorised_cv2, "fastest"),
             ("per-row Python loop", per_row_loop, "naive")], repeats, "fastest")


def bench_drawing(repeats: int) -> None:
    from helpers.drawing import draw_detections

    rng = np.random.default_rng(0)
    image = np.full((1080, 1920, 3), 90, np.uint8)
    xy = rng.uniform(0, 1800, (100, 2)) * [1, 1000 / 1800]
    boxes = np.column_stack([xy, xy + rng.uniform(20, 200, (100, 2))]).astype(np.float32)
    names = [f"class{i % 10}" for i in range(100)]
    scores = rng.uniform(0.3, 1, 100)

    def plain_cv2():
        out = image.copy()
        for (x1, y1, x2, y2), name, s in zip(boxes.astype(int).tolist(), names, scores.tolist()):
            cv2.rectangle(out, (x1, y1), (x2, y2), (0, 200, 0), 2)
            cv2.putText(out, f"{name} {s:.2f}", (x1, max(y1 - 4, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (255, 255, 255), 1, cv2.LINE_AA)
        return out

    def same_picture_cv2():  # what draw_detections draws, with plain cv2 calls and one colour
        out = image.copy()
        for (x1, y1, x2, y2), name, s in zip(boxes.astype(int).tolist(), names, scores.tolist()):
            text = f"{name} {s:.2f}"
            cv2.rectangle(out, (x1, y1), (x2, y2), (0, 200, 0), 2)
            (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.35, 1)
            top = max(y1 - h - base - 2, 0)
            cv2.rectangle(out, (x1, top), (x1 + w + 2, top + h + base + 2), (0, 200, 0), -1)
            cv2.putText(out, text, (x1 + 1, top + h + 1), cv2.FONT_HERSHEY_SIMPLEX, 1.35, (0, 0, 0), 1,
                        cv2.LINE_AA)
        return out

    compare("draw 100 boxes 1920x1080", ("helpers draw_detections",
                                         lambda: draw_detections(image, boxes, names, scores)),
            [("cv2: box, label background, text", same_picture_cv2, "fastest"),
             ("cv2: box and bare text", plain_cv2, "info")], repeats, "fastest")


def bench_batching(repeats: int) -> None:
    from helpers.images import SAMPLE_IMAGES, sample_image
    from helpers.models import load_model

    model = load_model("efficientnet_lite0")
    photos = [sample_image(name) for name in SAMPLE_IMAGES]
    images = (photos * 4)[:16]

    def one_by_one():
        return [model.predict([image]) for image in images]

    def batched():
        return model.predict(images)

    one_ms = median_ms(one_by_one, max(2, repeats // 10))
    batch_ms = median_ms(batched, max(2, repeats // 10))
    speedup = one_ms / batch_ms
    ROWS.append(("EfficientNet-Lite0, 16 images", "one forward of a batch of 16", batch_ms,
                 "one image at a time", one_ms, batch_ms / one_ms, "batch", speedup >= 1.5))
    print(f"EfficientNet-Lite0: {16 / one_ms * 1000:.1f} images/s one by one, "
          f"{16 / batch_ms * 1000:.1f} images/s batched ({speedup:.2f}x); model is "
          f"{'synthetic' if model.is_synthetic else 'real'}", file=sys.stderr)



# --------------------------------------------------------------------------- #
# Runtimes (issue 21)
# --------------------------------------------------------------------------- #
REAL_MODELS = (("efficientnet_lite0", "EfficientNet-Lite0", 3.0), ("blazeface", "BlazeFace", 2.0),
               ("selfie_segmenter", "Selfie segmenter", 2.0))
BACKENDS_WANTED: list = []  # set by --backends; empty: every installed backend


def _backends() -> list:
    from helpers.models.backends import installed_backends

    found = installed_backends()
    return [b for b in found if not BACKENDS_WANTED or b in BACKENDS_WANTED or b == "opencv"]


def _load_real(name: str, backend: str):
    """The real model on ``backend``; None (with the reason on stderr) when it cannot be had."""
    import warnings

    from helpers.models import load_model
    from helpers.models.backends import BackendCannotRunError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load_model(name, backend=backend)
    except BackendCannotRunError as error:
        print(f"{name} on {backend}: cannot run ({str(error).splitlines()[0][:120]})", file=sys.stderr)
        return None
    if model.is_synthetic:
        print(f"{name} on {backend}: only the synthetic stand-in is here, not timed", file=sys.stderr)
        return None
    return model


def _runtime(backend: str) -> str:
    from helpers.models.backends import backend_version

    return f"{'cv2.dnn' if backend == 'opencv' else backend} {backend_version(backend)}"


def bench_backends(repeats: int) -> None:
    """Each real model on each installed backend that runs it, one image at a time (ms per image).

    Two rows per backend: the network alone (``forward_blob`` on blobs made beforehand: the
    runtime's own speed, which the targets are about) and ``predict`` (the project's
    preprocessing, the same on every backend, plus the network)."""
    from helpers.images import SAMPLE_IMAGES, sample_image
    from helpers.preprocessing import preprocess

    photos = [sample_image(name) for name in SAMPLE_IMAGES] * 8  # 40 calls a run: sub-millisecond calls are noisy
    for name, title, wanted in REAL_MODELS:
        network, whole = {}, {}
        for backend in _backends():
            model = _load_real(name, backend)
            if model is None:
                continue
            blobs = [preprocess(image, model.preset) for image in photos]
            network[backend] = median_ms(lambda: [model.forward_blob(blob) for blob in blobs], repeats) / len(photos)
            whole[backend] = median_ms(lambda: [model.predict([image]) for image in photos], repeats) / len(photos)
        if "opencv" not in network:
            continue
        others = [b for b in network if b != "opencv"]
        fastest = min(others, key=network.get) if others else None
        for backend in others:
            goal = ("backend3" if wanted == 3 else "backend2") if backend == fastest else "info"
            ROWS.append((f"{title}, network alone, one image at a time (ms/image)", f"{_runtime(backend)}",
                         network[backend], f"{_runtime('opencv')}", network["opencv"],
                         network[backend] / network["opencv"], goal,
                         goal == "info" or network["opencv"] / network[backend] >= wanted))
            ROWS.append((f"{title}, predict (preprocessing + network), one image at a time (ms/image)",
                         f"{_runtime(backend)}", whole[backend], f"{_runtime('opencv')}", whole["opencv"],
                         whole[backend] / whole["opencv"], "info", True))
        print(f"{title}: network " + ", ".join(f"{b} {1000 / ms:.1f} img/s" for b, ms in network.items())
              + "; predict " + ", ".join(f"{b} {1000 / ms:.1f} img/s" for b, ms in whole.items()), file=sys.stderr)


def bench_backends_batched(repeats: int) -> None:
    """EfficientNet-Lite0 on each backend but cv2.dnn (bench_batching times that): 16 images in one
    batch against one at a time. Reported, no target."""
    from helpers.images import SAMPLE_IMAGES, sample_image

    images = ([sample_image(name) for name in SAMPLE_IMAGES] * 4)[:16]
    for backend in _backends():
        if backend == "opencv":
            continue
        model = _load_real("efficientnet_lite0", backend)
        if model is None:
            continue
        one_ms = median_ms(lambda: [model.predict([image]) for image in images], max(2, repeats // 4))
        batch_ms = median_ms(lambda: model.predict(images), max(2, repeats // 4))
        ROWS.append((f"EfficientNet-Lite0, 16 images, {_runtime(backend)}", "one forward of a batch of 16",
                     batch_ms, "one image at a time", one_ms, batch_ms / one_ms, "info", True))


def unique_photos(folder: Path, count: int = 200) -> list:
    """``count`` JPEGs in ``folder``: the sample photos, each copy made unique (its own content hash)
    by a few pixels that spell its number in the top left corner."""
    import cv2

    from helpers.images import SAMPLE_IMAGES, sample_image

    photos = [sample_image(name) for name in SAMPLE_IMAGES]
    paths = []
    for i in range(count):
        image = photos[i % len(photos)].copy()
        image[0, :16] = [[255 * ((i >> bit) & 1)] * 3 for bit in range(16)]
        path = folder / f"photo_{i:04}_{SAMPLE_IMAGES[i % len(photos)]}.jpg"
        if not cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90]):
            raise OSError(f"could not write {path}")
        paths.append(path)
    return paths


def bench_capstone(repeats: int) -> None:
    """classify_folder on 200 photos end to end (hash, decode, preprocess, infer, draw, save as PNG,
    catalog), against a bare loop that decodes and runs the same model, batches of 16."""
    from helpers import capstone
    from helpers.capstone import classify_folder, iter_batches
    from helpers.images import load_image

    root = Path(tempfile.mkdtemp(prefix="bench-capstone-"))
    try:
        src = root / "photos"
        src.mkdir()
        paths = unique_photos(src, 200)
        warm = root / "warm"
        warm.mkdir()
        for path in paths[:32]:
            shutil.copy(path, warm / path.name)
        runs = iter(range(10**6))
        for backend in _backends():
            model = _load_real("efficientnet_lite0", backend)
            if model is None:
                continue

            def bare_loop():
                for batch in iter_batches(paths, 16):
                    model.predict([load_image(path) for path in batch])

            def pipeline(fmt="png", folder=src):
                # a fresh output folder every run: nothing is skipped as done before
                classify_folder(folder, root / f"out{next(runs)}", model, batch_size=16, fmt=fmt, progress=False)

            pipeline(folder=warm)  # warm-up: the model, the fonts, the file cache
            bare_ms = median_ms(bare_loop, repeats)
            png_ms = median_ms(pipeline, repeats, warm=False)
            n = len(paths)
            ROWS.append((f"classify_folder, {n} photos, {_runtime(backend)}",
                         f"classify_folder png: {n / png_ms * 1000:.1f} img/s", png_ms,
                         f"load_image + predict: {n / bare_ms * 1000:.1f} img/s", bare_ms, png_ms / bare_ms,
                         "pipeline", png_ms / bare_ms <= 1.5))
            jpg_ms = median_ms(lambda: pipeline("jpg"), repeats, warm=False)
            ROWS.append((f"classify_folder, {n} photos, {_runtime(backend)}",
                         f"classify_folder jpg: {n / jpg_ms * 1000:.1f} img/s", jpg_ms,
                         f"load_image + predict: {n / bare_ms * 1000:.1f} img/s", bare_ms, jpg_ms / bare_ms,
                         "info", True))
            saved = capstone.LOAD_THREADS, capstone.SAVE_THREADS
            capstone.LOAD_THREADS = capstone.SAVE_THREADS = 0
            try:
                plain_ms = median_ms(pipeline, max(1, repeats // 2), warm=False)
            finally:
                capstone.LOAD_THREADS, capstone.SAVE_THREADS = saved
            ROWS.append((f"classify_folder, {n} photos, {_runtime(backend)}",
                         f"classify_folder png, threads {saved[0]} load + {saved[1]} save", png_ms,
                         f"no worker threads: {n / plain_ms * 1000:.1f} img/s", plain_ms, png_ms / plain_ms,
                         "info", True))
            print(f"classify_folder on {backend}: {n / png_ms * 1000:.1f} img/s png, {n / jpg_ms * 1000:.1f} "
                  f"img/s jpg, {n / plain_ms * 1000:.1f} img/s png without worker threads; bare loop "
                  f"{n / bare_ms * 1000:.1f} img/s", file=sys.stderr)
            for out in root.glob("out*"):  # about 70 MB a run of PNGs
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bench_notebooks() -> None:
    """Each solution notebook's execution time (one run each, in a fresh kernel)."""
    import nbformat
    from nbclient import NotebookClient

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = os.path.join(root, "solutions")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".ipynb"):
            continue
        nb = nbformat.read(os.path.join(folder, name), as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": folder}}).execute()
        seconds = time.perf_counter() - start
        ROWS.append((f"notebook {name}", "execution", seconds * 1000, "-", float("nan"), float("nan"),
                     "info", True))


def print_table() -> None:
    goals = {"fastest": "<= 1.5x fastest", "naive": ">= 10x faster", "batch": ">= 1.5x img/s", "info": "-",
             "backend3": ">= 3x img/s (fastest backend)", "backend2": ">= 2x img/s (fastest backend)",
             "pipeline": "<= 1.5x bare loop"}
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}, OpenCV {cv2.__version__}")
    header = f"| task | helper | ms | baseline | ms | ratio | target | met |"
    print(header)
    print("|" + "---|" * 8)
    for task, helper, h_ms, base, b_ms, ratio, goal, ok in ROWS:
        b = "-" if np.isnan(b_ms) else f"{b_ms:.2f}"
        r = "-" if np.isnan(ratio) else f"{ratio:.2f}"
        print(f"| {task} | {helper} | {h_ms:.2f} | {base} | {b} | {r} | {goals[goal]} | "
              f"{'yes' if ok else 'NO'} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--notebooks", action="store_true", help="also time every solution notebook")
    parser.add_argument("--backends", default="", metavar="LIST",
                        help="time only these runtimes besides cv2.dnn, a comma list (default: every installed one)")
    args = parser.parse_args(argv)
    BACKENDS_WANTED[:] = [name.strip() for name in args.backends.split(",") if name.strip()]
    repeats = 5 if args.quick else 21
    bench_softmax_topk(repeats)
    bench_colorize_overlay(repeats)
    bench_decode(repeats)
    bench_drawing(repeats)
    bench_batching(repeats)
    bench_backends(repeats)
    bench_backends_batched(repeats)
    bench_capstone(2 if args.quick else 3)
    if args.notebooks:
        bench_notebooks()
    print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
