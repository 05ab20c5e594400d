"""The capstone: a folder classified end to end, broken files skipped, re-runs change nothing."""
import shutil
import sqlite3

import numpy as np
import pytest

from helpers.capstone import annotate, classify_folder, image_id_for, images_per_second, iter_batches, list_images
from helpers.catalog import catalog_query, open_catalog
from helpers.images import SAMPLE_IMAGES, sample_image_path
from helpers.saving import read_saved_metadata, safe_label_dirname


class MeanColourModel:
    """A fake classifier: class = the image's brightest channel (B, G, R), logits = mean channel values / 10."""

    name = "mean-colour"
    labels = ["Blue", "green", "red/ish"]
    is_synthetic = True

    def __init__(self, fail_on_call=None):
        self.calls = 0
        self.fail_on_call = fail_on_call

    def predict(self, images):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("power cut")
        return np.stack([image.reshape(-1, 3).mean(axis=0) / 10 for image in images]).astype(np.float32)


def _write_colour(path, bgr):
    import cv2
    cv2.imwrite(str(path), np.full((20, 30, 3), bgr, np.uint8))


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write_colour(src / "b.png", (200, 10, 10))
    _write_colour(src / "g.jpg", (10, 200, 10))
    _write_colour(src / "r.png", (10, 10, 200))
    _write_colour(src / "r.bmp", (20, 20, 220))
    (src / "empty.jpg").write_bytes(b"")
    (src / "notes.jpg").write_text("this is not a picture")
    (src / "truncated.png").write_bytes((src / "b.png").read_bytes()[:40])
    (src / "readme.txt").write_text("ignored: not an image suffix")
    (src / ".hidden.png").write_bytes((src / "b.png").read_bytes())
    (src / ".ipynb_checkpoints").mkdir()
    return src


def test_classifies_readable_images_and_reports_broken_ones(folder, tmp_path):
    out = tmp_path / "out"
    summary = classify_folder(folder, out, MeanColourModel(), batch_size=3, k=2, progress=False)
    got = {r["image_id"]: r["label"] for r in summary["classified"]}
    assert got == {"b.png": "Blue", "g.jpg": "green", "r.png": "red/ish", "r.bmp": "red/ish"}
    assert sorted(name for name, _ in summary["unreadable"]) == ["empty.jpg", "notes.jpg", "truncated.png"]
    assert all(name in reason for name, reason in summary["unreadable"])  # each reason names its file
    assert summary["skipped"] == []
    for result in summary["classified"]:
        assert result["path"].parent.name == safe_label_dirname(result["label"])
        meta = read_saved_metadata(result["path"])
        assert meta["label"] == result["label"] and meta["model"] == "mean-colour"
        assert meta["confidence"] == pytest.approx(result["confidence"])
        assert len(result["top_k"]) == 2 and result["top_k"][0] == (result["label"], result["confidence"])
    conn = open_catalog(out / "catalog.sqlite")
    assert len(catalog_query(conn)) == 4 and len(catalog_query(conn, label="red/ish")) == 2
    conn.close()


def _snapshot(out):
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
            and not p.name.startswith("catalog.sqlite")}


def _rows(out):
    with sqlite3.connect(out / "catalog.sqlite") as conn:
        return conn.execute("SELECT image_id, label, confidence, model, path, timestamp FROM results "
                            "ORDER BY image_id").fetchall()


def test_a_second_run_changes_nothing(folder, tmp_path):
    out = tmp_path / "out"
    classify_folder(folder, out, MeanColourModel(), progress=False)
    files, rows = _snapshot(out), _rows(out)
    model = MeanColourModel()
    again = classify_folder(folder, out, model, progress=False)
    assert again["classified"] == [] and model.calls == 0
    assert sorted(again["skipped"]) == ["b.png", "g.jpg", "r.bmp", "r.png"]
    assert _snapshot(out) == files and _rows(out) == rows


def test_a_crash_half_way_is_finished_by_the_next_run_without_duplicates(folder, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="power cut"):
        classify_folder(folder, out, MeanColourModel(fail_on_call=2), batch_size=2, progress=False)
    done_before = len(_rows(out))
    assert 0 < done_before < 4
    summary = classify_folder(folder, out, MeanColourModel(), batch_size=2, progress=False)
    assert len(summary["skipped"]) == done_before
    assert sorted(r[0] for r in _rows(out)) == ["b.png", "g.jpg", "r.bmp", "r.png"]
    assert not [p for p in out.rglob("*.tmp")]


def test_temperature_softens_confidence_but_never_changes_the_label(folder, tmp_path):
    sharp = classify_folder(folder, tmp_path / "t1", MeanColourModel(), progress=False)
    soft = classify_folder(folder, tmp_path / "t3", MeanColourModel(), temperature=3.0, progress=False)
    for a, b in zip(sharp["classified"], soft["classified"]):
        assert a["label"] == b["label"] and b["confidence"] < a["confidence"]
    assert soft["temperature"] == 3.0


def test_listing_skips_hidden_files_folders_and_other_suffixes(folder):
    assert [p.name for p in list_images(folder)] == ["b.png", "empty.jpg", "g.jpg", "notes.jpg", "r.bmp",
                                                     "r.png", "truncated.png"]
    with pytest.raises(NotADirectoryError):
        list_images(folder / "b.png")


def test_image_ids_keep_the_extension_and_are_safe():
    assert image_id_for("x/chelsea.jpg") == "chelsea.jpg"
    assert image_id_for("a.jpg") != image_id_for("a.png")
    assert image_id_for("CON.jpg").startswith("_CON")


def test_batches():
    assert iter_batches(range(5), 2) == [[0, 1], [2, 3], [4]]
    assert iter_batches([], 3) == []
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            iter_batches([1], bad)


def test_annotate_draws_on_a_copy():
    image = np.zeros((100, 200, 3), np.uint8)
    out = annotate(image, [(0, "tabby", 0.87), (1, "tiger cat", 0.1)])
    assert image.max() == 0 and out.max() > 0 and out.shape == image.shape


def test_the_real_model_on_the_bundled_photos(tmp_path):
    from helpers.models import load_model
    model = load_model("efficientnet_lite0")
    if model.is_synthetic:
        pytest.skip("the real EfficientNet-Lite0 is not available here")
    src = tmp_path / "in"
    src.mkdir()
    for name in ("chelsea", "coffee"):
        shutil.copy(sample_image_path(name), src / f"{name}.jpg")
    summary = classify_folder(src, tmp_path / "out", model, batch_size=2, progress=False)
    labels = {r["image_id"]: r["label"] for r in summary["classified"]}
    assert labels["coffee.jpg"] == "espresso"
    assert labels["chelsea.jpg"] in {"tabby", "tiger cat", "Egyptian cat"}
    assert images_per_second(model, [np.zeros((224, 224, 3), np.uint8)] * 2, batch_size=2, repeats=1) > 0
    assert len(SAMPLE_IMAGES) == 5
