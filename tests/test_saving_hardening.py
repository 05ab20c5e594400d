"""Saving under hostile or careless use (issue 18): the manifest against missing newlines, torn
characters and concurrent writers; atomic writes against planted symlinks, killed processes and
the umask; save_classified and to_coco_results against inputs that gave silent wrong results."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers import atomic

from helpers import saving
from helpers.saving import (append_manifest, atomic_write_bytes, read_manifest, remove_stale_temporaries,
                            save_classified, to_coco_results)

ROOT = Path(__file__).resolve().parents[1]
POSIX = os.name == "posix"


def quietly(fn, *args, **kwargs):
    """Call fn, failing the test if it warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def fresh_folders(monkeypatch):
    """Each test sees folders as not yet cleaned of stale temporary files by this process."""
    monkeypatch.setattr(atomic, "_cleaned_folders", set())


# --------------------------------------------------------------------------- #
# The manifest
# --------------------------------------------------------------------------- #
def test_a_last_record_without_its_newline_is_kept_on_append(tmp_path):
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'{"n": 1}\n{"n": 2}')  # written by hand, or by a tool that adds no final newline
    assert read_manifest(path) == [{"n": 1}, {"n": 2}]
    quietly(append_manifest, path, {"n": 3})  # no false "earlier crash" warning
    assert read_manifest(path) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert path.read_bytes() == b'{"n": 1}\n{"n": 2}\n{"n": 3}\n'


def test_a_record_torn_just_before_its_newline_is_whole_and_kept(tmp_path):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"label": "猫"})
    path.write_bytes(path.read_bytes()[:-1])  # only the newline was lost
    quietly(append_manifest, path, {"label": "next"})
    assert read_manifest(path) == [{"label": "猫"}, {"label": "next"}]


def test_a_tail_of_whitespace_only_is_not_a_crash(tmp_path):
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'{"n": 1}\n  ')
    quietly(append_manifest, path, {"n": 2})
    assert read_manifest(path) == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("cut", [1, 2])
def test_a_record_torn_inside_a_multibyte_character(tmp_path, cut):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"label": "a"})
    whole = json.dumps({"label": "猫猫"}, ensure_ascii=False).encode("utf-8")
    torn = whole[:whole.index("猫".encode()) + cut]  # ends inside the 3-byte character
    with open(path, "ab") as handle:
        handle.write(torn)  # what a full disk leaves
    assert read_manifest(path) == [{"label": "a"}]  # no UnicodeDecodeError
    with pytest.warns(UserWarning, match="cut short") as caught:
        append_manifest(path, {"label": "b"})
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert read_manifest(path) == [{"label": "a"}, {"label": "b"}]


def test_bad_bytes_in_the_middle_of_a_manifest_are_an_error_naming_the_line(tmp_path):
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'{"n": 1}\n{"label": "\xe7\x8c"}\n{"n": 3}\n')
    with pytest.raises(ValueError, match=r"line 2 .*UTF-8") as caught:
        read_manifest(path)
    assert not isinstance(caught.value, UnicodeDecodeError)
    path.write_bytes(b'{"n": 1}\nnot json\n{"n": 3}\n')
    with pytest.raises(ValueError, match="line 2 is not JSON"):
        read_manifest(path)


def test_a_byte_order_mark_at_the_start_is_skipped(tmp_path):
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"n": 1}\n')  # Notepad's "UTF-8 with BOM"
    assert read_manifest(path) == [{"n": 1}]


def test_a_failed_write_leaves_no_half_record(tmp_path, monkeypatch):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"n": 1})
    real_write = os.write

    def full_disk(fd, data):
        real_write(fd, bytes(data)[:5])  # part of the line lands, then the disk is full
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(saving.os, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        append_manifest(path, {"n": 2})
    monkeypatch.undo()
    assert path.read_bytes() == b'{"n": 1}\n'  # the half line was taken back
    quietly(append_manifest, path, {"n": 3})
    assert read_manifest(path) == [{"n": 1}, {"n": 3}]


@pytest.mark.parametrize("value, stored", [
    (np.float32(0.8125), 0.8125), (np.float64(0.25), 0.25), (np.int64(7), 7), (np.uint8(255), 255),
    (np.bool_(True), True), (np.array(0.5), 0.5), (np.str_("猫"), "猫")])
def test_numpy_scalars_are_stored_as_python_numbers(tmp_path, value, stored):
    path = tmp_path / "manifest.jsonl"
    append_manifest(path, {"value": value, "nested": [value]})
    (got,) = read_manifest(path)
    assert got == {"value": stored, "nested": [stored]} and type(got["value"]) is type(stored)


def test_float32_is_stored_as_its_exact_value():
    # documented rule: a NumPy scalar is stored as .item(), so float32 0.9 is 0.8999999761581421
    assert json.loads(saving._manifest_line({"c": np.float32(0.9)}))["c"] == float(np.float32(0.9))


@pytest.mark.parametrize("record, error, words", [
    ({"c": np.array([0.5, 0.25])}, TypeError, r"record\['c'\].*array of shape \(2,\).*tolist"),
    ({"c": float("nan")}, ValueError, r"record\['c'\] is nan.*NaN"),
    ({"c": np.float32("nan")}, ValueError, r"record\['c'\] is nan"),
    ({"c": [1.0, float("inf")]}, ValueError, r"record\['c'\]\[1\] is inf"),
    ({"c": {1, 2}}, TypeError, r"record\['c'\].*set"),
    ([1, 2], TypeError, "dict"),
    ("text", TypeError, "dict")])
def test_records_json_cannot_hold_are_refused_naming_the_value(tmp_path, record, error, words):
    path = tmp_path / "manifest.jsonl"
    with pytest.raises(error, match=words):
        append_manifest(path, record)
    assert not path.exists()  # refused before the file was opened


def _append_many(path: str, writer: int, count: int, start) -> None:
    start.wait(10)
    for i in range(count):
        # long lines with multi-byte text, so that one line spans several pages of the file
        append_manifest(path, {"writer": writer, "i": i, "text": "猫" * (writer * 700 + i % 5)})


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "manifest.jsonl"
    context = multiprocessing.get_context("spawn")  # fork in a threaded pytest can deadlock (Python 3.12 warns)
    start = context.Event()
    writers, count = 6, 60
    workers = [context.Process(target=_append_many, args=(str(path), w, count, start))
               for w in range(writers)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    records = read_manifest(path)
    assert len(records) == writers * count == path.read_bytes().count(b"\n")
    for w in range(writers):  # every record of every writer, in that writer's order
        assert [r["i"] for r in records if r["writer"] == w] == list(range(count))


# --------------------------------------------------------------------------- #
# Atomic writes
# --------------------------------------------------------------------------- #
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_saved_files_get_the_mode_the_umask_gives(image, tmp_path, mask):
    old = os.umask(mask)
    try:
        path = save_classified(image, "tabby", 0.5, "a", tmp_path)
        plain = tmp_path / "plain"
        plain.write_bytes(b"x")  # what open() gives
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_a_symlink_planted_at_a_temporary_name_is_not_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    names = iter(["0123456789abcdef", "fedcba9876543210"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    (out / ".f.png.0123456789abcdef.tmp").symlink_to(victim)  # an attacker guessed the first name
    atomic_write_bytes(out / "f.png", b"new image")
    assert victim.read_bytes() == b"precious"
    assert (out / "f.png").read_bytes() == b"new image"
    assert (out / ".f.png.0123456789abcdef.tmp").is_symlink()  # left alone, not followed


def test_temporary_names_are_unpredictable(tmp_path, monkeypatch):
    seen = []
    real_open = os.open

    def spy(path, flags, *args):
        seen.append((str(path), flags))
        return real_open(path, flags, *args)
    monkeypatch.setattr(atomic.os, "open", spy)
    atomic_write_bytes(tmp_path / "f.bin", b"1")
    atomic_write_bytes(tmp_path / "f.bin", b"2")
    temporaries = [(p, f) for p, f in seen if p.endswith(".tmp")]
    assert len({p for p, _ in temporaries}) == 2
    assert all(f & os.O_EXCL and f & os.O_CREAT for _, f in temporaries)


def _stale(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"half an image")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_stale_temporaries_of_ours_are_removed_and_nothing_else(tmp_path):
    hour = saving.STALE_TEMPORARY_SECONDS
    old_ours = [_stale(tmp_path, ".a.png.0123456789abcdef.tmp", 2 * hour),
                _stale(tmp_path, ".b.jpg.k3_x9qz0.tmp", 2 * hour)]  # tempfile.mkstemp's, from older versions
    kept = [_stale(tmp_path, ".a.png.fedcba9876543210.tmp", 60),  # another save may be writing it now
            _stale(tmp_path, "notes.tmp", 2 * hour), _stale(tmp_path, ".a.png.tmp", 2 * hour),
            _stale(tmp_path, "a.png", 2 * hour), _stale(tmp_path, ".x.NOTHEX000000000.tmp", 2 * hour)]
    (tmp_path / ".d.png.0123456789abcdee.tmp").mkdir()  # a folder with our pattern: not ours
    kept.append(tmp_path / ".d.png.0123456789abcdee.tmp")
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted(old_ours)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in old_ours)


def test_saving_into_a_folder_cleans_its_stale_temporaries_once(image, tmp_path):
    folder = tmp_path / "tabby"
    folder.mkdir()
    stale = _stale(folder, ".a.png.0123456789abcdef.tmp", 2 * saving.STALE_TEMPORARY_SECONDS)
    save_classified(image, "tabby", 0.5, "a", tmp_path)
    assert not stale.exists()
    again = _stale(folder, ".b.png.0123456789abcdef.tmp", 2 * saving.STALE_TEMPORARY_SECONDS)
    save_classified(image, "tabby", 0.5, "b", tmp_path)
    assert again.exists()  # one look per folder and process: a folder of 100,000 images is listed once
    assert sorted(p.name for p in folder.iterdir()) == [".b.png.0123456789abcdef.tmp", "a.png", "b.png"]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed over the target meanwhile
        return 0


KILLED_SAVER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from helpers.saving import atomic_write_bytes
old, new = b"o" * (48 << 20), b"n" * (48 << 20)
while True:  # save, save, save... until killed
    atomic_write_bytes(sys.argv[2], new)
    atomic_write_bytes(sys.argv[2], old)
"""


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_a_save_killed_midway_leaves_the_old_file_or_the_new_never_half(tmp_path):
    target = tmp_path / "big.png"
    size = 48 << 20
    target.write_bytes(b"o" * size)
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(ROOT), str(target)])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until a save is under way: its temporary file exists
            if any(_size(p) > 0 for p in tmp_path.glob(".big.png.*.tmp")):
                break
            time.sleep(0.005)
        else:
            pytest.fail("the saver never started a save")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    data = target.read_bytes()
    assert data in (b"o" * size, b"n" * size)  # whole, one or the other
    # a later run of the program removes the temporary file the killed save left, once it is stale
    for leftover in tmp_path.glob(".big.png.*.tmp"):
        os.utime(leftover, (0, 0))
    atomic_write_bytes(target, b"done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.png"]


# --------------------------------------------------------------------------- #
# save_classified validates before it creates anything
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("label", ["x" * 70_000, "猫" * 11_000])
def test_a_jpeg_label_too_long_for_exif_creates_no_folder(image, tmp_path, label):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"EXIF.*64 KB.*fmt=\"png\""):
        save_classified(image, label, 0.5, "a", out, fmt="jpg")
    assert not out.exists()
    path = save_classified(image, label, 0.5, "a", out, fmt="png")  # PNG text chunks hold it
    assert saving.read_saved_metadata(path)["label"] == label


def test_a_jpeg_label_just_under_the_limit_is_saved(image, tmp_path):
    label = "x" * 65_000
    path = save_classified(image, label, 0.5, "a", tmp_path, fmt="jpg")
    assert saving.read_saved_metadata(path)["label"] == label


def test_bad_inputs_create_no_folder(image, tmp_path):
    out = tmp_path / "out"
    for call in [lambda: save_classified(image, "tabby", float("nan"), "a", out),
                 lambda: save_classified(image, "tabby", 0.5, "../a", out),
                 lambda: save_classified(image, "tabby", 0.5, "a", out, fmt="gif"),
                 lambda: save_classified(image[..., 0].astype(np.float32), "tabby", 0.5, "a", out)]:
        with pytest.raises(ValueError):
            call()
    assert not out.exists()


# --------------------------------------------------------------------------- #
# to_coco_results: class ids index category_ids, so they are whole and in range
# --------------------------------------------------------------------------- #
BOX = [[0, 0, 10, 10]]


@pytest.mark.parametrize("class_id, words", [
    (-1, r"class_ids\[0\] is -1.*0 to 2"), (3, r"class_ids\[0\] is 3.*0 to 2"),
    (1.7, r"class_ids\[0\] is 1.7.*whole"), (float("nan"), r"class_ids\[0\] is nan"),
    (np.float32(np.inf), r"class_ids\[0\] is inf")])
def test_class_ids_outside_category_ids_or_not_whole_are_refused(class_id, words):
    with pytest.raises(ValueError, match=words):
        to_coco_results(1, BOX, [0.5], [class_id], [1, 3, 7])


def test_the_error_names_the_first_bad_class_id():
    with pytest.raises(ValueError, match=r"class_ids\[2\] is -1"):
        to_coco_results(1, BOX * 3, [0.5] * 3, np.array([0, 2, -1]), [1, 3, 7])


@pytest.mark.parametrize("class_ids", [np.array([True]), np.array(["0"]), [None]])
def test_class_ids_that_are_not_numbers_are_refused(class_ids):
    with pytest.raises(TypeError, match="class_ids"):
        to_coco_results(1, BOX, [0.5], class_ids, [1, 3, 7])


def test_whole_float_class_ids_are_accepted():
    # documented rule: a float class id that is a whole number (2.0) is that index
    (result,) = to_coco_results(1, BOX, [0.5], np.array([2.0], np.float32), [1, 3, 7])
    assert result["category_id"] == 7 and type(result["category_id"]) is int


@pytest.mark.parametrize("category_ids, words", [
    ([1, 3.5, 7], r"category_ids\[1\] is 3.5"), (["a", "b", "c"], "category_ids"), ([], "empty")])
def test_category_ids_must_be_whole_numbers(category_ids, words):
    with pytest.raises((TypeError, ValueError), match=words):
        to_coco_results(1, BOX, [0.5], [1], category_ids)


@pytest.mark.parametrize("image_id", [1.7, "abc", None, True])
def test_image_ids_that_are_not_whole_numbers_are_refused(image_id):
    with pytest.raises((TypeError, ValueError), match="image_id"):
        to_coco_results(image_id, BOX, [0.5], [0], [1, 3, 7])


def test_a_mapping_of_class_to_category_is_accepted_and_checked():
    (result,) = to_coco_results(1, BOX, [0.5], [5], {5: 90})
    assert result["category_id"] == 90
    with pytest.raises(ValueError, match=r"class_ids\[0\] is 4.*not a key"):
        to_coco_results(1, BOX, [0.5], [4], {5: 90})


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_the_model_cache_writes_through_the_same_safe_writer(tmp_path, monkeypatch):
    # helpers.models.cache used `.<name>.<pid>.tmp` with a plain open(): a planted symlink was followed
    from helpers.models.cache import atomic_write_bytes as cache_write

    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = tmp_path / "cache" / "model.onnx"
    target.parent.mkdir()
    (target.parent / f".model.onnx.{os.getpid()}.tmp").symlink_to(victim)  # the old predictable name
    cache_write(target, b"weights")
    assert victim.read_bytes() == b"precious" and target.read_bytes() == b"weights"
