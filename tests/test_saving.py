"""Saving: safe names against path attacks, metadata round trips, atomic writes, COCO JSON."""
import json
import os
import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import saving
from helpers.saving import (append_manifest, atomic_write_bytes, check_image_id, read_manifest,
                            read_saved_metadata, safe_label_dirname, save_classified, to_coco_results)

NFC_CAFE = unicodedata.normalize("NFC", "café")
NFD_CAFE = unicodedata.normalize("NFD", "café")
TRICKY = ["../x", "/abs", "a/b", "a\\b", "a_b", "CON", "con", "NUL.txt", "COM1", "LPT9.tar.gz", "", ".",
          "..", "...", ".ipynb_checkpoints", "x" * 300, "é" * 150, "猫" * 40, NFC_CAFE, "Café", "CAFÉ",
          "Cat", "cat", "CAT", "tabby ", "tabby.", "tabby", "a:b", "a*b", "tab\tby", "nul\x00byte",
          "straße", "strasse", "STRASSE", "cat-0123abcd", "Egyptian cat", "egyptian cat", "x'); DROP TABLE t;--"]


def _windows_safe(name):
    stem = name.split(".")[0].rstrip(" ").upper()
    return (name not in ("", ".", "..") and not set(name) & set('/\\:*?"<>|')
            and all(ord(c) >= 32 for c in name) and not name.endswith((".", " "))
            and stem not in saving.WINDOWS_RESERVED)


@pytest.mark.parametrize("label", TRICKY, ids=repr)
def test_names_are_one_safe_component(label, tmp_path):
    name = safe_label_dirname(label)
    assert _windows_safe(name) and not name.startswith(".")
    assert len(name.encode("utf-8")) <= 100
    assert unicodedata.is_normalized("NFC", name)
    assert os.path.basename(name) == name and not os.path.isabs(name)
    folder = tmp_path / name
    folder.mkdir()  # the file system accepts it
    assert folder.parent == tmp_path


def test_distinct_labels_get_names_distinct_even_case_insensitively():
    labels = set(TRICKY)
    names = [safe_label_dirname(label) for label in labels]
    assert len({n.casefold() for n in names}) == len(labels)


def test_all_imagenet_names_are_distinct_apart_from_true_duplicates():
    path = Path(saving.__file__).parent / "data" / "imagenet_classes.txt"
    labels = path.read_text(encoding="utf-8").splitlines()
    names = {safe_label_dirname(label).casefold() for label in labels}
    assert len(names) == len(set(labels))  # "crane" and "maillot" are each listed twice


def test_plain_lowercase_labels_stay_readable_and_the_rest_get_a_hash():
    assert safe_label_dirname("tabby") == "tabby"
    assert safe_label_dirname("tiger cat") == "tiger cat"
    assert safe_label_dirname("猫") == "猫"
    assert safe_label_dirname("Cat").startswith("Cat-") and safe_label_dirname("Cat") != "Cat"
    assert safe_label_dirname("../x").startswith("_.._x-")
    assert safe_label_dirname("CON").startswith("_CON-")
    assert safe_label_dirname(".ipynb_checkpoints").startswith("_.ipynb_checkpoints-")


def test_nfc_and_nfd_are_the_same_label():
    # canonically equivalent strings are the same text: one folder (macOS would merge them anyway)
    assert safe_label_dirname(NFD_CAFE) == safe_label_dirname(NFC_CAFE) == NFC_CAFE


def test_long_names_are_cut_on_a_character_boundary():
    for label in ["x" * 300, "é" * 150, "猫" * 40, "🐱" * 30]:
        name = safe_label_dirname(label)
        assert len(name.encode("utf-8")) <= 100
        assert name.encode("utf-8").decode("utf-8") == name
    assert safe_label_dirname("x" * 300) != safe_label_dirname("x" * 299)


def test_label_must_be_text():
    with pytest.raises(TypeError, match="class_names"):
        safe_label_dirname(3)


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/b", "", ".", "..", "CON", "x.", "x ", ".hidden",
                                 NFD_CAFE, "x" * 101, -1])
def test_unsafe_image_ids_are_rejected(bad):
    with pytest.raises(ValueError):
        check_image_id(bad)


def test_safe_image_ids_pass_unchanged():
    assert check_image_id("chelsea") == "chelsea"
    assert check_image_id(NFC_CAFE) == NFC_CAFE
    assert check_image_id(42) == "42" and check_image_id(np.int64(7)) == "7"


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("fmt", ["png", "jpg"])
@pytest.mark.parametrize("label", [NFC_CAFE, NFD_CAFE, "猫", "Cat", "../x", "CON", "x'); DROP TABLE t;--"])
def test_metadata_round_trips_exactly(image, tmp_path, fmt, label):
    path = save_classified(image, label, np.float32(0.8125), "img1", tmp_path, fmt=fmt, model_name="m")
    assert path.parent.parent == tmp_path and path.parent.name == safe_label_dirname(label)
    meta = read_saved_metadata(path)
    assert meta["label"] == label  # exactly, NFD stays NFD
    assert type(meta["confidence"]) is float and meta["confidence"] == 0.8125
    assert meta["model"] == "m" and meta["timestamp"].endswith("+00:00")


def test_png_pixels_are_kept_exactly_and_in_the_right_colour_order(image, tmp_path):
    path = save_classified(image, "tabby", 0.5, "a", tmp_path)
    assert np.array_equal(cv2.imread(str(path)), image)


def test_non_latin_text_goes_into_itxt(image, tmp_path):
    path = save_classified(image, "猫", 0.5, "a", tmp_path)
    raw = path.read_bytes()
    assert b"iTXt" in raw and "猫".encode("utf-8") in raw


def test_jpeg_user_comment_has_its_charset_prefix(image, tmp_path):
    path = save_classified(image, "猫", 0.5, "a", tmp_path, fmt="jpeg")
    with Image.open(path) as picture:
        comment = picture.getexif().get_ifd(0x8769)[0x9286]
    assert comment.startswith(b"ASCII\0\0\0")


def test_unicode_user_comment_is_read_in_either_byte_order():
    for codec in ("utf-16-le", "utf-16-be"):
        raw = b"UNICODE\0" + '{"label": "猫"}'.encode(codec)
        assert json.loads(saving._decode_user_comment(raw)) == {"label": "猫"}


@pytest.mark.parametrize("label", ["../x", "/abs", "a/b", "..", "."])
def test_nothing_is_written_outside_out_dir(image, tmp_path, label):
    out = tmp_path / "out"
    path = save_classified(image, label, 0.5, "a", out)
    assert Path(os.path.realpath(path)).is_relative_to(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("image_id", ["../escape", "/abs", "a/b", ".."])
def test_bad_image_ids_write_nothing(image, tmp_path, image_id):
    with pytest.raises(ValueError, match="image_id"):
        save_classified(image, "tabby", 0.5, image_id, tmp_path / "out")
    assert not (tmp_path / "escape.png").exists() and not (tmp_path / "out").exists()


def test_a_symlinked_label_folder_pointing_outside_is_refused(image, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "tabby").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="outside"):
        save_classified(image, "tabby", 0.5, "a", tmp_path / "out")
    assert not any((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize("confidence", [float("nan"), np.float32("nan"), -0.1, 1.5])
def test_bad_confidence_is_refused(image, tmp_path, confidence):
    with pytest.raises(ValueError, match="confidence"):
        save_classified(image, "tabby", confidence, "a", tmp_path)


def test_bad_images_and_formats_are_refused(image, tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        save_classified(image.astype(np.float32) / 255, "tabby", 0.5, "a", tmp_path)
    with pytest.raises(ValueError, match="fmt"):
        save_classified(image, "tabby", 0.5, "a", tmp_path, fmt="gif")


def test_grayscale_images_are_saved(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = save_classified(gray, "tabby", 0.5, "g", tmp_path)
    assert np.array_equal(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), gray)


def test_a_crash_between_write_and_rename_leaves_no_partial_file(image, tmp_path, monkeypatch):
    path = save_classified(image, "tabby", 0.25, "a", tmp_path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("power cut")
    monkeypatch.setattr(saving.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        save_classified(image[::-1], "tabby", 0.75, "a", tmp_path)
    assert path.read_bytes() == before  # the old file is intact
    assert [p.name for p in path.parent.iterdir()] == ["a.png"]  # and no temporary file is left


def test_a_crash_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    def crash(fd):
        raise OSError("disk full")
    monkeypatch.setattr(saving.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(tmp_path / "f.bin", b"data")
    assert list(tmp_path.iterdir()) == []


def test_saving_again_overwrites_in_place(image, tmp_path):
    first = save_classified(image, "tabby", 0.5, "a", tmp_path)
    second = save_classified(image, "tabby", 0.5, "a", tmp_path)
    assert first == second and len(list(tmp_path.rglob("*"))) == 2  # the folder and one file


def test_cv2_imwrite_embeds_nothing(image, tmp_path):
    path = tmp_path / "plain.png"
    cv2.imwrite(str(path), image)
    with pytest.raises(ValueError, match="no classification metadata"):
        read_saved_metadata(path)


def test_manifest_round_trip_and_torn_last_line(tmp_path):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"label": "猫", "confidence": 0.5})
    append_manifest(path, {"label": "x'); DROP", "confidence": 1.0})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"label": "half')  # a crash in the middle of an append
    assert read_manifest(path) == [{"label": "猫", "confidence": 0.5}, {"label": "x'); DROP", "confidence": 1.0}]
    with pytest.raises(ValueError):
        append_manifest(path, {"confidence": float("nan")})


def test_appending_after_a_torn_line_cuts_it_off_and_keeps_every_record(tmp_path):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"label": "猫", "confidence": 0.5})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"label": "half')  # a crash in the middle of an append
    with pytest.warns(UserWarning, match=r"manifest\.jsonl.*15 bytes.*cut short"):
        append_manifest(path, {"label": "next", "confidence": 1.0})
    assert read_manifest(path) == [{"label": "猫", "confidence": 0.5}, {"label": "next", "confidence": 1.0}]
    assert path.read_text(encoding="utf-8").count("\n") == 2


def test_a_file_holding_only_a_torn_line_is_emptied_before_appending(tmp_path):
    path = tmp_path / "manifest.jsonl"
    path.write_text('{"label": "ha', encoding="utf-8")
    with pytest.warns(UserWarning, match="cut short"):
        append_manifest(path, {"label": "first"})
    assert read_manifest(path) == [{"label": "first"}]


@pytest.mark.parametrize("chunk", [1, 3, 7, 65536])
def test_cutting_the_torn_tail_across_read_chunks(tmp_path, chunk):
    from helpers.saving import _repair_tail

    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": "a long half line without its end')
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        with pytest.warns(UserWarning):
            assert _repair_tail(fd, path, chunk=chunk) == (18, b"")
    finally:
        os.close(fd)
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'


def test_appending_to_a_sound_or_new_manifest_does_not_warn(tmp_path):
    import warnings

    path = tmp_path / "manifest.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        append_manifest(path, {"n": 1})
        append_manifest(path, {"n": 2})
    assert read_manifest(path) == [{"n": 1}, {"n": 2}]


def test_coco_results_by_hand():
    results = to_coco_results(np.int64(42), np.array([[10, 20, 50, 80], [0, 0, 5, 5]], np.float32),
                              np.array([0.9, 0.25], np.float32), np.array([0, 2]), [1, 2, 3])
    assert results == [
        {"image_id": 42, "category_id": 1, "bbox": [10.0, 20.0, 40.0, 60.0], "score": pytest.approx(0.9)},
        {"image_id": 42, "category_id": 3, "bbox": [0.0, 0.0, 5.0, 5.0], "score": 0.25}]
    for r in results:
        assert type(r["image_id"]) is int and type(r["category_id"]) is int
        assert all(type(v) is float for v in r["bbox"]) and type(r["score"]) is float
    json.dumps(results, allow_nan=False)


def test_coco_results_empty_and_bad():
    assert to_coco_results(1, np.zeros((0, 4)), [], [], [1]) == []
    with pytest.raises(ValueError, match="NaN"):
        to_coco_results(1, [[0, 0, 1, 1]], [float("nan")], [0], [1])
    with pytest.raises(ValueError, match="same length"):
        to_coco_results(1, [[0, 0, 1, 1]], [0.5, 0.6], [0], [1])
