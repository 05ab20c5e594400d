"""Issue 18, the capstone and the catalog: no silent wrong result, no crash, every entry accounted for."""
import os
import socket
import sqlite3
import warnings

import cv2
import numpy as np
import pytest

from helpers import capstone
from helpers.capstone import classify_folder, output_to_probabilities, scan_folder, size_problem
from helpers.catalog import catalog_add, catalog_get, catalog_query, open_catalog
from helpers.models.presets import PRESETS, get_preset
from helpers.probabilities import softmax


class FixedModel:
    """A fake classifier: output row = table[brightest channel] (so each photo's class is known)."""

    labels = ["blue", "green", "red"]

    def __init__(self, table, preset=None, name="fixed"):
        self.table = np.asarray(table, np.float32)
        self.name = name
        if preset is not None:
            self.preset = preset
        self.calls = 0

    def predict(self, images):
        self.calls += 1
        return np.stack([self.table[int(np.argmax(im.reshape(-1, 3).mean(axis=0)))] for im in images])


def _write(path, bgr, shape=(20, 30)):
    assert cv2.imwrite(str(path), np.full((*shape, 3), bgr, np.uint8))


PROBS = [[0.506, 0.3, 0.194], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]]


# ---------------------------------------------------------------- (1) probabilities, never softmaxed twice
def test_a_probabilities_preset_is_not_softmaxed_again(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "b.png", (200, 10, 10))
    preset = get_preset("googlenet_caffe")
    assert preset.output == "probabilities"
    summary = classify_folder(src, tmp_path / "out", FixedModel(PROBS, preset, "googlenet_caffe"), k=3,
                              progress=False)
    (result,) = summary["classified"]
    assert result["label"] == "blue" and result["confidence"] == pytest.approx(0.506, abs=1e-6)
    conn = open_catalog(tmp_path / "out" / "catalog.sqlite")
    assert catalog_query(conn)[0]["confidence"] == pytest.approx(0.506, abs=1e-6)
    conn.close()


def test_logits_presets_still_get_their_softmax(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "b.png", (200, 10, 10))
    logits = [[2.0, 1.0, 0.0]] * 3
    summary = classify_folder(src, tmp_path / "out", FixedModel(logits, get_preset("shapes_classifier")), k=3,
                              progress=False)
    assert summary["classified"][0]["confidence"] == pytest.approx(float(softmax(np.array([2.0, 1, 0]))[0]))


def test_temperature_on_probabilities_equals_temperature_on_the_logits_behind_them():
    logits = np.array([[3.0, 1.0, -2.0], [0.5, 0.4, 0.1]])
    probs = softmax(logits)
    for t in (0.5, 1.0, 2.0, 3.0):
        from_p, broken = output_to_probabilities(probs, "probabilities", t)
        from_z, _ = output_to_probabilities(logits, "logits", t)
        assert not broken
        np.testing.assert_allclose(from_p, from_z, atol=1e-12)


@pytest.mark.parametrize("row", [[-2.5, 8.8, 1.0], [0.2, 0.2, 0.2], [1.5, -0.5, 0.0]], ids=str)
def test_a_probabilities_model_that_gives_something_else_is_refused_loudly(row):
    with pytest.raises(ValueError, match="preset says its output is probabilities.*sum"):
        output_to_probabilities(np.array([row]), "probabilities", 1.0, "googlenet_caffe")


def test_a_probabilities_model_that_gives_logits_stops_the_run_with_the_reason(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "b.png", (200, 10, 10))
    model = FixedModel([[-2.5, 8.8, 1.0]] * 3, get_preset("googlenet_caffe"), "googlenet_caffe")
    with pytest.raises(ValueError, match="look like logits"):
        classify_folder(src, tmp_path / "out", model, progress=False)


def test_non_classifier_presets_and_bad_options_are_refused_before_any_work(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    with pytest.raises(ValueError, match="detection model"):
        classify_folder(src, tmp_path / "o1", FixedModel(PROBS, get_preset("shapes_detector")), progress=False)
    for bad in ({"k": 0}, {"k": 2.5}, {"temperature": float("nan")}, {"temperature": 0},
                {"temperature": float("inf")}, {"fmt": "gif"}, {"batch_size": 0}):
        with pytest.raises(ValueError):
            classify_folder(src, tmp_path / "o2", FixedModel(PROBS), progress=False, **bad)
    assert not (tmp_path / "o2").exists()


def test_every_classifier_stand_in_gives_what_its_preset_says(monkeypatch):
    """A stand-in gives what its preset says: probabilities where the preset promises them."""
    from helpers.models import load_model
    from helpers.probabilities import looks_like_probabilities

    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    image = np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    wrong = []
    for name, preset in PRESETS.items():
        if preset.task != "classification":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = load_model(name).predict([image])
        if looks_like_probabilities(out) != (preset.output == "probabilities"):
            wrong.append(f"{name}: preset {preset.output}, stand-in {out.min():.2f}..{out.max():.2f}")
    assert wrong == [], "stand-ins that break their preset's promise: " + "; ".join(wrong)


# ---------------------------------------------------------------- (2) re-runs keyed on content
def _colour_folder(root, name, colours):
    folder = root / name
    folder.mkdir()
    for file_name, bgr in colours.items():
        _write(folder / file_name, bgr)
    return folder


def test_a_different_photo_with_the_same_name_is_classified_not_skipped(tmp_path):
    out = tmp_path / "out"
    day1 = _colour_folder(tmp_path, "day1", {"IMG_0001.jpg": (200, 10, 10)})
    day2 = _colour_folder(tmp_path, "day2", {"IMG_0001.jpg": (10, 10, 200)})
    first = classify_folder(day1, out, FixedModel(PROBS), progress=False)
    second = classify_folder(day2, out, FixedModel(PROBS), progress=False)
    assert [r["label"] for r in first["classified"]] == ["blue"]
    assert second["skipped"] == [] and [r["label"] for r in second["classified"]] == ["red"]
    (result,) = second["classified"]
    assert result["file"] == "IMG_0001.jpg" and result["image_id"].startswith("IMG_0001-")
    assert result["image_id"].endswith(".jpg") and result["path"].is_file()
    assert first["classified"][0]["path"].is_file()  # the day-1 copy is not overwritten
    conn = open_catalog(out / "catalog.sqlite")
    assert sorted(r["label"] for r in catalog_query(conn)) == ["blue", "red"]
    conn.close()
    # each day again: both skipped, nothing added
    for day in (day1, day2):
        model = FixedModel(PROBS)
        again = classify_folder(day, out, model, progress=False)
        assert again["classified"] == [] and len(again["skipped"]) == 1 and model.calls == 0


def test_a_deleted_output_is_written_again(tmp_path):
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10), "b.png": (10, 200, 10)})
    out = tmp_path / "out"
    first = classify_folder(src, out, FixedModel(PROBS), progress=False)
    gone = first["classified"][0]["path"]
    gone.unlink()
    again = classify_folder(src, out, FixedModel(PROBS), progress=False)
    assert [r["image_id"] for r in again["classified"]] == ["a.png"] and again["skipped"] == ["b.png"]
    assert gone.is_file()
    conn = open_catalog(out / "catalog.sqlite")
    assert len(catalog_query(conn)) == 2
    conn.close()


def test_a_photo_edited_in_place_is_classified_again(tmp_path):
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10)})
    out = tmp_path / "out"
    classify_folder(src, out, FixedModel(PROBS), progress=False)
    _write(src / "a.png", (10, 10, 200))
    again = classify_folder(src, out, FixedModel(PROBS), progress=False)
    assert [r["label"] for r in again["classified"]] == ["red"]


def test_a_catalog_from_before_the_content_column_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:
        old.execute("""CREATE TABLE results (id INTEGER PRIMARY KEY, image_id TEXT NOT NULL, label TEXT NOT NULL,
            confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1), model TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '', timestamp TEXT NOT NULL DEFAULT '', UNIQUE (image_id, model))""")
        old.execute("INSERT INTO results (image_id, label, confidence) VALUES ('a.png', 'tabby', 0.5)")
    old.close()
    conn = open_catalog(path)
    assert catalog_get(conn, "a.png")["content_sha256"] == ""
    conn.close()
    open_catalog(path).close()  # a second open finds it done


# ---------------------------------------------------------------- (3) every entry accounted for
@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(socket, "AF_UNIX"), reason="POSIX FIFOs and sockets")
def test_every_entry_of_the_folder_is_classified_or_listed_with_why_not(tmp_path):
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10)})
    (src / "sub").mkdir()
    (src / "readme.txt").write_text("x")
    (src / ".hidden.png").write_bytes((src / "a.png").read_bytes())
    (src / "broken.jpg").write_text("not a picture")
    os.symlink("loop.jpg", src / "loop.jpg")
    os.symlink(tmp_path / "nowhere.png", src / "dangling.png")
    os.symlink(src / "a.png", src / "link.png")
    os.mkfifo(src / "f.jpg")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(src / "s.png"))
    except OSError:  # a path too long for a socket: no socket in this run
        pass
    summary = classify_folder(src, tmp_path / "out", FixedModel(PROBS), progress=False)
    sock.close()
    assert set(summary["entries"]) == set(os.listdir(src))
    assert {r["file"] for r in summary["classified"]} == {"a.png", "link.png"}
    ignored = dict(summary["ignored"])
    assert "folder" in ignored["sub"] and "FIFO" in ignored["f.jpg"] and "loop" in ignored["loop.jpg"]
    assert "dangling" in ignored["dangling.png"] and "hidden" in ignored[".hidden.png"]
    assert "'.txt'" in ignored["readme.txt"]
    if "s.png" in ignored:
        assert "socket" in ignored["s.png"]
    assert [name for name, _ in summary["unreadable"]] == ["broken.jpg"]
    assert [p.name for p in capstone.list_images(src)] == ["a.png", "broken.jpg", "link.png"]
    images, listed = scan_folder(src)
    assert len(images) + len(listed) == len(os.listdir(src))


# ---------------------------------------------------------------- (4) bounded size, per image
def _strip_png(path, width=100_000):
    ok, data = cv2.imencode(".png", np.zeros((1, width, 3), np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert ok
    path.write_bytes(data.tobytes())
    return path.stat().st_size


class ShapeRecorder(FixedModel):
    """Never resizes: records the shapes it is asked about, refuses any that would not fit."""

    def predict(self, images):
        for image in images:
            assert image.shape[0] * image.shape[1] <= capstone.max_pixels(), "a too-large image got through"
        return super().predict(images)


def test_a_long_thin_png_is_refused_and_the_run_goes_on(tmp_path):
    src = _colour_folder(tmp_path, "in", {f"p{i:02}.png": (200, 10, 10) for i in range(10)})
    assert _strip_png(src / "strip.png") < 1000
    model = ShapeRecorder(PROBS, get_preset("efficientnet_lite0"))
    summary = classify_folder(src, tmp_path / "out", model, batch_size=4, progress=False)
    assert len(summary["classified"]) == 10
    (name, reason), = summary["refused"]
    assert name == "strip.png" and "too long and thin" in reason and "256x25,600,000" in reason


def test_pixel_limit_rule():
    preset = get_preset("efficientnet_lite0")
    limit = capstone.max_pixels()
    assert size_problem(np.zeros((480, 640, 3), np.uint8), preset) is None
    assert size_problem(np.zeros((1, 100_000, 3), np.uint8), preset)
    assert size_problem(np.zeros((1, 100_000, 3), np.uint8), get_preset("shapes_classifier")) is None  # stretch
    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), (limit // 1000 + 1, 1000, 3), (0, 0, 0))
    assert "over the limit" in size_problem(big)


def test_an_image_over_the_limit_is_refused_per_image(tmp_path, monkeypatch):
    src = _colour_folder(tmp_path, "in", {"small.png": (200, 10, 10)})
    _write(src / "big.png", (10, 200, 10), shape=(200, 300))
    monkeypatch.setattr(capstone._images, "MAX_PIXELS", 10_000)
    summary = classify_folder(src, tmp_path / "out", FixedModel(PROBS), progress=False)
    assert [r["file"] for r in summary["classified"]] == ["small.png"]
    assert [n for n, _ in summary["refused"]] == ["big.png"]
    assert summary["entries"] == {"small.png": "classified", "big.png": "refused"}


def test_a_file_over_the_byte_limit_is_not_read(tmp_path, monkeypatch):
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10)})
    monkeypatch.setattr(capstone, "MAX_FILE_BYTES", 10)
    summary = classify_folder(src, tmp_path / "out", FixedModel(PROBS), progress=False)
    assert summary["classified"] == [] and "over the limit of 10" in summary["refused"][0][1]


def test_the_error_helpers_images_raises_for_a_large_image_is_reported_per_image(tmp_path, monkeypatch):
    too_large = getattr(capstone._images, "ImageTooLarge", None)
    if too_large is None:
        too_large = type("ImageTooLarge", (ValueError,), {})
        monkeypatch.setattr(capstone._images, "ImageTooLarge", too_large, raising=False)
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10), "b.png": (10, 200, 10)})
    real_load = capstone.load_image

    def load(path):
        if path.name == "a.png":
            raise too_large(f"{path} has too many pixels")
        return real_load(path)

    monkeypatch.setattr(capstone, "load_image", load)
    summary = classify_folder(src, tmp_path / "out", FixedModel(PROBS), progress=False)
    assert summary["entries"] == {"a.png": "refused", "b.png": "classified"}


class PickyModel(FixedModel):
    """Raises ValueError (a per-image problem) for any batch holding a red image; NaN for green ones."""

    def predict(self, images):
        rows = super().predict(images).astype(np.float32)
        if any(int(np.argmax(im.reshape(-1, 3).mean(axis=0))) == 2 for im in images):
            raise ValueError("cannot resize this one")
        rows[[int(np.argmax(im.reshape(-1, 3).mean(axis=0))) == 1 for im in images]] = np.nan
        return rows


def test_a_per_image_model_error_or_nan_costs_only_that_image(tmp_path):
    src = _colour_folder(tmp_path, "in", {"a.png": (200, 10, 10), "b.png": (10, 10, 200), "c.png": (200, 9, 9),
                                          "d.png": (10, 200, 10)})
    summary = classify_folder(src, tmp_path / "out", PickyModel(PROBS), batch_size=4, progress=False)
    assert summary["entries"] == {"a.png": "classified", "b.png": "refused", "c.png": "classified",
                                  "d.png": "refused"}
    reasons = dict(summary["refused"])
    assert "cannot resize" in reasons["b.png"] and "NaN" in reasons["d.png"]


# ---------------------------------------------------------------- (5) catalog_add stores what it is given
@pytest.fixture
def conn(tmp_path):
    connection = open_catalog(tmp_path / "catalog.sqlite")
    yield connection
    connection.close()


@pytest.mark.parametrize("key, value, error", [
    ("label", None, TypeError), ("label", 3, TypeError), ("label", b"tabby", TypeError),
    ("image_id", None, TypeError), ("image_id", -1, TypeError), ("image_id", "", ValueError),
    ("model", None, TypeError), ("timestamp", 1.5, TypeError), ("confidence", "0.5", TypeError),
    ("confidence", True, TypeError), ("confidence", np.array([0.5]), TypeError),
    ("confidence", -0.1, ValueError), ("confidence", float("inf"), ValueError), ("lable", "x", ValueError),
], ids=repr)
def test_values_are_never_turned_into_text_by_guessing(conn, key, value, error):
    record = {"image_id": "a", "label": "tabby", "confidence": 0.5, key: value}
    with pytest.raises(error, match=repr(key) if key != "lable" else "unknown keys"):
        catalog_add(conn, record)
    assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 0


def test_plain_values_still_go_in(conn, tmp_path):
    assert catalog_add(conn, {"image_id": np.int64(7), "label": "tabby", "confidence": np.float32(0.25),
                              "path": tmp_path / "x.png"})
    row = catalog_get(conn, "7")
    assert row["confidence"] == 0.25 and row["path"] == str(tmp_path / "x.png") and row["model"] == ""


def test_replace_overwrites_one_row(conn):
    catalog_add(conn, {"image_id": "a", "label": "tabby", "confidence": 0.5, "model": "m"})
    assert catalog_add(conn, {"image_id": "a", "label": "lynx", "confidence": 0.6, "model": "m"}) is False
    assert catalog_add(conn, {"image_id": "a", "label": "lynx", "confidence": 0.6, "model": "m"}, replace=True)
    assert [(r["label"], r["confidence"]) for r in catalog_query(conn)] == [("lynx", 0.6)]


def test_query_arguments_are_checked(conn):
    with pytest.raises(TypeError):
        catalog_query(conn, label=3)
    with pytest.raises(ValueError):
        catalog_query(conn, min_confidence=float("nan"))
