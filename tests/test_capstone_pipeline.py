"""Issue 21: classify_folder on any backend, and a pipeline that gives the results of the plain order.

Tests that need a runtime skip when it is not installed, unless CNN_KATAS_REQUIRE_BACKENDS names
it (a comma list, e.g. "openvino,litert"): then they fail.
"""
import importlib
import os
import shutil
import sqlite3
import threading
import time
import warnings

import cv2
import numpy as np
import pytest

from helpers import capstone
from helpers.capstone import classify_folder, model_for_backend
from helpers.images import SAMPLE_IMAGES, sample_image_path
from helpers.models import backends, load_model
from helpers.models.backends import BackendCannotRunError, BackendNotInstalledError
from helpers.saving import read_saved_metadata

REQUIRE_ENV_VAR = "CNN_KATAS_REQUIRE_BACKENDS"
MODULES = {"onnxruntime": "onnxruntime", "openvino": "openvino", "litert": "ai_edge_litert"}


def require(backend):
    """Skip when ``backend``'s package is missing, or fail when CNN_KATAS_REQUIRE_BACKENDS names it."""
    required = {name.strip() for name in os.environ.get(REQUIRE_ENV_VAR, "").split(",") if name.strip()}
    if backend in required:
        if not backends.is_installed(backend):
            pytest.fail(f"{REQUIRE_ENV_VAR} requires the backend {backend!r}, which is not installed")
        importlib.import_module(MODULES[backend])  # required: an import that fails is a failure, not a skip
        return
    pytest.importorskip(MODULES[backend], reason=f"the backend {backend!r} is not installed")


@pytest.fixture(scope="module")
def real_lite0():
    model = load_model("efficientnet_lite0")
    if model.is_synthetic:
        pytest.skip("the real EfficientNet-Lite0 is not available here")
    return model


@pytest.fixture
def photos(tmp_path):
    """The bundled photos, copied into a folder of their own."""
    src = tmp_path / "photos"
    src.mkdir()
    for name in SAMPLE_IMAGES:
        shutil.copy(sample_image_path(name), src / f"{name}.jpg")
    return src


def _results(summary):
    return {r["image_id"]: (r["label"], r["confidence"], r["top_k"]) for r in summary["classified"]}


def _assert_same_results(got, want, atol=1e-5):
    a, b = _results(got), _results(want)
    assert sorted(a) == sorted(b) and len(a) == len(SAMPLE_IMAGES)
    for image_id, (label, confidence, top) in b.items():
        got_label, got_confidence, got_top = a[image_id]
        assert got_label == label, image_id
        assert got_confidence == pytest.approx(confidence, abs=atol), image_id
        assert [name for name, _ in got_top] == [name for name, _ in top], image_id
        np.testing.assert_allclose([p for _, p in got_top], [p for _, p in top], atol=atol)


@pytest.fixture(scope="module")
def opencv_reference(real_lite0, tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    src = root / "photos"
    src.mkdir()
    for name in SAMPLE_IMAGES:
        shutil.copy(sample_image_path(name), src / f"{name}.jpg")
    return classify_folder(src, root / "out", real_lite0, batch_size=2, progress=False)


# ---------------------------------------------------------------- (1) backend=
@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_a_preset_name_on_a_backend_gives_the_results_of_opencv(backend, photos, tmp_path, opencv_reference):
    require(backend)
    summary = classify_folder(photos, tmp_path / "out", "efficientnet_lite0", batch_size=2, progress=False,
                              backend=backend)
    assert summary["backend"] == backend and summary["model"] == "efficientnet_lite0"
    _assert_same_results(summary, opencv_reference)


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_a_model_on_another_backend_is_loaded_again_on_the_one_asked_for(backend, photos, tmp_path,
                                                                         real_lite0, opencv_reference):
    require(backend)
    assert real_lite0.backend == "opencv"
    summary = classify_folder(photos, tmp_path / "out", real_lite0, batch_size=3, progress=False, backend=backend)
    assert summary["backend"] == backend
    _assert_same_results(summary, opencv_reference)
    on_it = model_for_backend(real_lite0, backend)
    assert on_it.backend == backend and not on_it.is_synthetic
    assert model_for_backend(on_it, backend) is on_it  # already there: used as it is
    assert model_for_backend(real_lite0, "opencv") is real_lite0


def test_a_preset_name_without_backend_runs_on_opencv(photos, tmp_path, opencv_reference):
    summary = classify_folder(photos, tmp_path / "out", "efficientnet_lite0", batch_size=4, progress=False)
    assert summary["backend"] == "opencv"
    _assert_same_results(summary, opencv_reference, atol=1e-9)


def test_a_backend_that_cannot_run_the_model_says_so(photos, tmp_path, real_lite0):
    require("litert")  # LiteRT reads .tflite files; EfficientNet-Lite0 here is ONNX
    for model in ("efficientnet_lite0", real_lite0):
        with pytest.raises(BackendCannotRunError, match="litert"):
            classify_folder(photos, tmp_path / "out", model, progress=False, backend="litert")
    assert not (tmp_path / "out").exists()


class Double:
    """A test double classifier: no preset, no backend."""

    name = "double"
    labels = ["blue", "green", "red"]

    def predict(self, images):
        return np.stack([image.reshape(-1, 3).mean(axis=0) / 10 for image in images]).astype(np.float32)


def test_backend_with_a_test_double_or_a_stand_in_is_a_value_error(photos, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="backend='onnxruntime' needs a model from helpers.models.load_model "
                                         "or a preset name.*Double 'double'"):
        classify_folder(photos, tmp_path / "out", Double(), progress=False, backend="onnxruntime")
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stand_in = load_model("efficientnet_lite0")
    assert stand_in.is_synthetic
    with pytest.raises(ValueError, match="needs a real model.*'efficientnet_lite0' here is a synthetic stand-in"):
        classify_folder(photos, tmp_path / "out", stand_in, progress=False, backend="opencv")
    assert not (tmp_path / "out").exists()
    # without backend= both run as they are
    assert classify_folder(photos, tmp_path / "o1", Double(), progress=False)["backend"] is None
    assert len(classify_folder(photos, tmp_path / "o2", stand_in, progress=False)["classified"]) == len(SAMPLE_IMAGES)


def test_an_uninstalled_or_unknown_backend_is_load_models_own_error(photos, tmp_path, monkeypatch, real_lite0):
    monkeypatch.setattr(backends, "is_installed", lambda backend: backend == "opencv")
    for model in ("efficientnet_lite0", real_lite0):
        with pytest.raises(BackendNotInstalledError, match="'openvino' needs the package 'openvino'"):
            classify_folder(photos, tmp_path / "out", model, progress=False, backend="openvino")
        with pytest.raises(ValueError, match="unknown backend 'tensorrt'"):
            classify_folder(photos, tmp_path / "out", model, progress=False, backend="tensorrt")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- (2) the pipeline
def sequential(monkeypatch):
    monkeypatch.setattr(capstone, "LOAD_THREADS", 0)
    monkeypatch.setattr(capstone, "SAVE_THREADS", 0)


def _catalog_rows(out):
    with sqlite3.connect(out / "catalog.sqlite") as conn:
        rows = conn.execute("SELECT image_id, label, confidence, model, path, content_sha256 FROM results "
                            "ORDER BY id").fetchall()
    conn.close()
    return rows


def _comparable(summary, out):
    classified = [{**r, "path": r["path"].relative_to(out)} for r in summary["classified"]]
    return ({key: summary[key] for key in ("skipped", "unreadable", "refused", "ignored", "model", "backend",
                                           "temperature")}, list(summary["entries"].items()), classified)


def _entry_order(images, batch_size, failing_to_load, ignored=()):
    """The order of the entries of the plain run: the ignored ones, then batch by batch the images
    that failed to load, then the others."""
    order = list(ignored)
    for start in range(0, len(images), batch_size):
        batch = sorted(images)[start:start + batch_size]
        order += [n for n in batch if n in failing_to_load] + [n for n in batch if n not in failing_to_load]
    return order


def _pixels(out):
    return {p.relative_to(out): cv2.imread(str(p)).tobytes() for p in sorted(out.rglob("*.png"))}


def _add_troublemakers(src):
    (src / "empty.jpg").write_bytes(b"")
    (src / "notes.png").write_text("not a picture")
    (src / "readme.txt").write_text("ignored")
    cv2.imwrite(str(src / "strip.png"), np.zeros((1, 20_000, 3), np.uint8))  # too long and thin for lite0
    cv2.imwrite(str(src / "tiny.png"), np.full((9, 7, 3), 200, np.uint8))


@pytest.mark.parametrize("threads", [(1, 1, 2), (2, 2, 1), (1, 2, 3)], ids=lambda t: "load%d-save%d-ahead%d" % t)
def test_the_pipeline_gives_the_results_and_catalog_of_the_plain_order(threads, photos, tmp_path, monkeypatch,
                                                                       real_lite0):
    _add_troublemakers(photos)
    with monkeypatch.context() as patch:
        sequential(patch)
        plain = classify_folder(photos, tmp_path / "plain", real_lite0, batch_size=2, progress=False)
    where = set()
    real_load, real_save = capstone.load_image, capstone.save_classified

    def load(path):
        where.add(("load", threading.current_thread() is threading.main_thread()))
        return real_load(path)

    def save(*args, **kwargs):
        where.add(("save", threading.current_thread() is threading.main_thread()))
        return real_save(*args, **kwargs)

    monkeypatch.setattr(capstone, "load_image", load)
    monkeypatch.setattr(capstone, "save_classified", save)
    monkeypatch.setattr(capstone, "LOAD_THREADS", threads[0])
    monkeypatch.setattr(capstone, "SAVE_THREADS", threads[1])
    monkeypatch.setattr(capstone, "BATCHES_AHEAD", threads[2])
    piped = classify_folder(photos, tmp_path / "piped", real_lite0, batch_size=2, progress=False)
    assert where == {("load", False), ("save", False)}  # the work really was done in the workers
    assert _comparable(piped, tmp_path / "piped") == _comparable(plain, tmp_path / "plain")
    assert _catalog_rows(tmp_path / "piped") == _catalog_rows(tmp_path / "plain")
    assert _pixels(tmp_path / "piped") == _pixels(tmp_path / "plain")
    assert len(piped["classified"]) == len(SAMPLE_IMAGES) + 1
    assert list(piped["entries"]) == _entry_order(set(os.listdir(photos)) - {"readme.txt"}, 2,
                                                  {"empty.jpg", "notes.png", "strip.png"}, ["readme.txt"])
    assert dict(piped["refused"]).keys() == {"strip.png"} and len(piped["unreadable"]) == 2
    for result in piped["classified"]:
        assert read_saved_metadata(result["path"])["label"] == result["label"]


class Picky:
    """Per-image trouble of every kind: ValueError for red images (the whole batch, then alone), NaN for
    green ones; a ValueError from the saving for images 40 pixels wide."""

    name = "picky"
    labels = ["blue", "green", "red"]

    def predict(self, images):
        colours = [int(np.argmax(im.reshape(-1, 3).mean(axis=0))) for im in images]
        if 2 in colours:
            raise ValueError("cannot read red")
        rows = np.eye(3, dtype=np.float32)[colours] * 5
        rows[[c == 1 for c in colours]] = np.nan
        return rows


def test_per_image_outcomes_are_reported_in_the_plain_order(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    colours = [(200, 10, 10), (10, 10, 200), (10, 200, 10), (200, 9, 9)]
    for i in range(23):
        width = 40 if i % 7 == 3 else 30
        cv2.imwrite(str(src / f"p{i:02}.png"), np.full((20, width, 3), colours[i % 4], np.uint8))
    (src / "p05b.png").write_text("broken")
    (src / "p17b.jpg").write_bytes(b"")
    for name in ("p09b.png", "p13b.png"):  # refused while loading: over the pixel limit set below
        cv2.imwrite(str(src / name), np.full((40, 40, 3), 200, np.uint8))
    monkeypatch.setattr(capstone._images, "MAX_PIXELS", 1500)
    real_save = capstone.save_classified

    def save(picture, *args, **kwargs):
        if picture.shape[1] == 40:
            raise ValueError("no room for 40 pixels")
        return real_save(picture, *args, **kwargs)

    monkeypatch.setattr(capstone, "save_classified", save)
    with monkeypatch.context() as patch:
        sequential(patch)
        plain = classify_folder(src, tmp_path / "plain", Picky(), batch_size=4, progress=False)
    piped = classify_folder(src, tmp_path / "piped", Picky(), batch_size=4, progress=False)
    assert _comparable(piped, tmp_path / "piped") == _comparable(plain, tmp_path / "plain")
    assert _catalog_rows(tmp_path / "piped") == _catalog_rows(tmp_path / "plain")
    kinds = {reason.split(":")[0] for _, reason in piped["refused"]}
    assert {"picky could not process it", "picky's output for it has NaN", "could not be drawn on or saved"} <= kinds
    assert {"p09b.png", "p13b.png"} <= dict(piped["refused"]).keys()
    # input order, batch by batch: the images that failed to load, then the others
    order = _entry_order(os.listdir(src), 4, {"p05b.png", "p09b.png", "p13b.png", "p17b.jpg"})
    assert list(piped["entries"]) == order
    assert [name for name, _ in piped["refused"]] == [n for n in order if piped["entries"][n] == "refused"]
    assert [name for name, _ in piped["unreadable"]] == ["p05b.png", "p17b.jpg"]
    assert [r["file"] for r in piped["classified"]] == sorted(r["file"] for r in piped["classified"])


# ---------------------------------------------------------------- (3) errors, interruptions, threads
def _colour_folder(root, count=10):
    src = root / "in"
    src.mkdir()
    for i in range(count):
        cv2.imwrite(str(src / f"p{i:02}.png"), np.full((20, 30, 3), (10 + 20 * i, 200, 10), np.uint8))
    return src


def _only_saved_images_are_cataloged(out):
    rows = _catalog_rows(out)
    for image_id, _, _, _, path, _ in rows:
        assert path and (out / path).is_file(), image_id
    assert not list(out.rglob("*.tmp"))
    return rows


def _finished_by_a_rerun(src, out, count):
    done = len(_catalog_rows(out))
    again = classify_folder(src, out, Double(), batch_size=2, progress=False)
    assert len(again["skipped"]) == done and len(again["classified"]) == count - done
    assert sorted(r[0] for r in _catalog_rows(out)) == [f"p{i:02}.png" for i in range(count)]


def test_a_decoding_error_in_the_loading_thread_is_raised_in_the_caller(tmp_path, monkeypatch):
    src = _colour_folder(tmp_path)
    before = threading.active_count()
    real_load = capstone.load_image

    def load(path):
        if path.name == "p05.png":
            raise RuntimeError("the disk went away")
        return real_load(path)

    monkeypatch.setattr(capstone, "load_image", load)
    with pytest.raises(RuntimeError, match="the disk went away"):
        classify_folder(src, tmp_path / "out", Double(), batch_size=2, progress=False)
    assert threading.active_count() == before
    rows = _only_saved_images_are_cataloged(tmp_path / "out")
    assert [r[0] for r in rows] == ["p00.png", "p01.png", "p02.png", "p03.png"]  # the batches before it
    monkeypatch.setattr(capstone, "load_image", real_load)
    _finished_by_a_rerun(src, tmp_path / "out", 10)


def test_a_saving_error_in_the_saving_thread_is_raised_in_the_caller(tmp_path, monkeypatch):
    src = _colour_folder(tmp_path)
    before = threading.active_count()
    real_save, calls, lock = capstone.save_classified, [], threading.Lock()

    def save(picture, label, confidence, image_id, *args, **kwargs):
        with lock:
            calls.append(image_id)
        if image_id == "p06.png":
            raise PermissionError(13, "Permission denied", "out/green")
        return real_save(picture, label, confidence, image_id, *args, **kwargs)

    monkeypatch.setattr(capstone, "save_classified", save)
    with pytest.raises(PermissionError, match="Permission denied"):
        classify_folder(src, tmp_path / "out", Double(), batch_size=4, progress=False)
    assert threading.active_count() == before
    rows = _only_saved_images_are_cataloged(tmp_path / "out")
    assert {f"p{i:02}.png" for i in range(6)} <= {r[0] for r in rows}  # every image before it
    assert "p06.png" not in {r[0] for r in rows}
    monkeypatch.setattr(capstone, "save_classified", real_save)
    _finished_by_a_rerun(src, tmp_path / "out", 10)


class FailsOnCall(Double):
    """Raises ``error`` during the n-th call of predict (KeyboardInterrupt: Ctrl-C)."""

    def __init__(self, on_call, error):
        self.calls, self.on_call, self.error = 0, on_call, error

    def predict(self, images):
        self.calls += 1
        if self.calls == self.on_call:
            raise self.error
        return super().predict(images)


def _slow_saves(monkeypatch):
    real_save = capstone.save_classified

    def slow_save(*args, **kwargs):  # the saving thread is still busy when the model stops
        time.sleep(0.05)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(capstone, "save_classified", slow_save)


@pytest.mark.parametrize("on_call", [1, 2, 4])
def test_an_interrupted_run_catalogs_only_images_whose_files_exist(on_call, tmp_path, monkeypatch):
    src = _colour_folder(tmp_path)
    before = threading.active_count()
    _slow_saves(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        classify_folder(src, tmp_path / "out", FailsOnCall(on_call, KeyboardInterrupt), batch_size=2,
                        progress=False)
    assert threading.active_count() == before
    rows = _only_saved_images_are_cataloged(tmp_path / "out")
    # Ctrl-C does not wait for the saves not yet started: at most the batches before it
    assert {r[0] for r in rows} <= {f"p{i:02}.png" for i in range(2 * (on_call - 1))}
    _finished_by_a_rerun(src, tmp_path / "out", 10)


@pytest.mark.parametrize("on_call", [1, 3])
def test_a_model_error_leaves_the_catalog_of_the_plain_order(on_call, tmp_path, monkeypatch):
    src = _colour_folder(tmp_path)
    crash = RuntimeError("the runtime crashed")
    _slow_saves(monkeypatch)
    with monkeypatch.context() as patch:
        sequential(patch)
        with pytest.raises(RuntimeError, match="crashed"):
            classify_folder(src, tmp_path / "plain", FailsOnCall(on_call, crash), batch_size=2, progress=False)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="crashed"):
        classify_folder(src, tmp_path / "out", FailsOnCall(on_call, crash), batch_size=2, progress=False)
    assert threading.active_count() == before
    rows = _only_saved_images_are_cataloged(tmp_path / "out")
    assert [r[0] for r in rows] == [f"p{i:02}.png" for i in range(2 * (on_call - 1))]
    assert [r[:3] for r in rows] == [r[:3] for r in _catalog_rows(tmp_path / "plain")]
    _finished_by_a_rerun(src, tmp_path / "out", 10)


def test_an_error_in_the_callers_thread_stops_the_workers(tmp_path, monkeypatch):
    src = _colour_folder(tmp_path, 30)
    before = threading.active_count()
    loads, real_load = [], capstone.load_image

    def load(path):
        loads.append(path.name)
        return real_load(path)

    monkeypatch.setattr(capstone, "load_image", load)

    class Broken(Double):
        def predict(self, images):
            raise RuntimeError("the runtime crashed")

    with pytest.raises(RuntimeError, match="the runtime crashed"):
        classify_folder(src, tmp_path / "out", Broken(), batch_size=2, progress=False)
    assert threading.active_count() == before
    assert len(loads) <= 2 * (1 + capstone.BATCHES_AHEAD)  # bounded: no loading far ahead
    assert _catalog_rows(tmp_path / "out") == []
