"""Collecting a class off a hub's home folders (helpers/grade/collect.py)."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from helpers.grade import collect as collect_module
from helpers.grade.collect import (FILE_MODE, FOLDER_MODE, MARKER, TEMPORARY_PREFIX, CollectError,
                                   Collected, collect, is_kata, learner_of)

from tests.grading.answers import KATA_02, read_csv

KATA = "cnn-output-katas/katas"
NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def write(path: Path, text: str = NOTEBOOK, mtime: float | None = None) -> Path:
    """Write ``text`` at ``path`` (folders made), with modification time ``mtime``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def files_under(folder: Path) -> list:
    """Every file and folder below ``folder`` as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def digest(folder: Path) -> str:
    """A digest of every path below ``folder``: its kind, mode, mtime, and bytes or link target
    (links and FIFOs never followed or opened)."""
    h = hashlib.sha256()
    for top, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(dirnames + filenames + ["."]):
            path = os.path.join(top, name)
            info = os.lstat(path)
            h.update(f"{path}|{info.st_mode}|{info.st_mtime_ns}|{info.st_size}|".encode())
            if stat.S_ISREG(info.st_mode):
                h.update(Path(path).read_bytes())
            elif stat.S_ISLNK(info.st_mode):
                h.update(os.readlink(path).encode())
    return h.hexdigest()


@pytest.fixture
def homes(tmp_path) -> Path:
    """A hub's /home: TLJH's jupyter-ana with the course pulled, and plain ben with one kata."""
    root = tmp_path / "home"
    write(root / "jupyter-ana" / KATA / "02_logits_and_softmax.ipynb", mtime=1_700_000_000)
    write(root / "jupyter-ana" / KATA / "00_how_katas_work.ipynb", mtime=1_700_000_100.5)
    write(root / "ben" / "02_logits_and_softmax.ipynb", "ben's", mtime=1_700_000_200)
    return root


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("home, learner", [("jupyter-ana", "ana"), ("ben", "ben"),
                                           ("jupyter-ana-lima", "ana-lima"), ("lost+found", None),
                                           (".cache", None), ("jupyter-", None),
                                           ("jupyter-.x", None)])
def test_a_learner_is_the_home_folder_name_without_jupyter(home, learner):
    assert learner_of(home) == learner


@pytest.mark.parametrize("name, copied", [("02_logits_and_softmax.ipynb", True),
                                          ("02_logits_and_softmax-Copy1.ipynb", True),
                                          ("99_x.ipynb", True), ("2_x.ipynb", False),
                                          ("123_x.ipynb", False), ("02_x.py", False),
                                          ("02_x.ipynb.bak", False), ("ab_x.ipynb", False),
                                          ("notes.ipynb", False)])
def test_only_two_digit_kata_notebooks_are_copied(name, copied):
    assert is_kata(name) is copied


# --- what is copied --------------------------------------------------------------------------

def test_every_learners_katas_land_in_a_folder_named_after_the_learner(homes, tmp_path):
    write(homes / "jupyter-ana" / KATA / "notes.txt", "x")
    write(homes / "jupyter-ana" / "2_x.ipynb")
    write(homes / "jupyter-ana" / "data.csv", "1,2")
    submissions = tmp_path / "class"
    got = collect(homes, submissions)
    assert isinstance(got, Collected)
    assert got.learners == ["ana", "ben"]
    assert got.notebooks == 3 and got.skipped == [] and got.empty == []
    assert got.submissions == submissions
    assert files_under(submissions) == [
        MARKER, "ana", "ana/cnn-output-katas", "ana/cnn-output-katas/katas",
        f"ana/{KATA}/00_how_katas_work.ipynb", f"ana/{KATA}/02_logits_and_softmax.ipynb",
        "ben", "ben/02_logits_and_softmax.ipynb"]
    assert (submissions / "ben/02_logits_and_softmax.ipynb").read_text() == "ben's"


def test_a_learner_with_no_kata_gets_an_empty_folder(homes, tmp_path):
    write(homes / "carl" / "essay.txt", "x")
    got = collect(homes, tmp_path / "class")
    assert got.learners == ["ana", "ben", "carl"] and got.empty == ["carl"]
    assert (tmp_path / "class/carl").is_dir() and not any((tmp_path / "class/carl").iterdir())


def test_hidden_folders_and_solutions_are_never_looked_into(homes, tmp_path):
    ana = homes / "jupyter-ana"
    write(ana / KATA / ".ipynb_checkpoints" / "02_logits_and_softmax-checkpoint.ipynb")
    write(ana / ".local/share/02_x.ipynb")
    write(ana / ".cache/03_x.ipynb")
    write(ana / "cnn-output-katas/solutions/02_logits_and_softmax.ipynb")
    write(ana / "solutions/03_x.ipynb")
    write(ana / KATA / ".03_hidden.ipynb")
    got = collect(homes, tmp_path / "class")
    copied = [p for p in files_under(tmp_path / "class") if p.endswith(".ipynb")]
    assert copied == [f"ana/{KATA}/00_how_katas_work.ipynb", f"ana/{KATA}/02_logits_and_softmax.ipynb",
                      "ben/02_logits_and_softmax.ipynb"]
    assert got.skipped == []


def test_folders_that_are_not_a_learners_home_are_left_out(homes, tmp_path):
    write(homes / "lost+found" / "02_x.ipynb")
    write(homes / ".snapshots" / "ana" / "02_x.ipynb")
    write(homes / "jupyter-" / "02_x.ipynb")
    write(homes / "README", "a loose file")
    got = collect(homes, tmp_path / "class")
    assert got.learners == ["ana", "ben"] and got.skipped == []
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [MARKER, "ana", "ben"]


def test_a_second_home_of_one_learner_is_reported_not_merged(homes, tmp_path):
    write(homes / "ana" / "02_logits_and_softmax.ipynb", "plain ana")
    got = collect(homes, tmp_path / "class")
    assert got.learners == ["ana", "ben"]
    assert got.skipped == [("jupyter-ana", "a second home of learner 'ana' (the first is ana): "
                                           "not collected")]
    assert files_under(tmp_path / "class/ana") == ["02_logits_and_softmax.ipynb"]


def test_copies_keep_their_modification_times_and_are_read_only(homes, tmp_path):
    submissions = tmp_path / "class"
    collect(homes, submissions)
    for original in sorted(homes.rglob("*.ipynb")):
        rel = original.relative_to(homes).parts
        copy = submissions.joinpath(learner_of(rel[0]), *rel[1:])
        assert copy.stat().st_mtime_ns == original.stat().st_mtime_ns, copy
        assert stat.S_IMODE(copy.stat().st_mode) == FILE_MODE == 0o444
    for folder in [p for p in submissions.rglob("*") if p.is_dir()]:
        assert stat.S_IMODE(folder.stat().st_mode) == FOLDER_MODE == 0o755, folder


def test_the_same_homes_give_the_same_collection(homes, tmp_path):
    os.symlink("/etc/hostname", homes / "ben" / "03_link.ipynb")
    first, second = collect(homes, tmp_path / "one"), collect(homes, tmp_path / "two")
    assert first.skipped == second.skipped and first.learners == second.learners
    assert files_under(tmp_path / "one") == files_under(tmp_path / "two")
    assert (tmp_path / "one" / MARKER).read_bytes() == (tmp_path / "two" / MARKER).read_bytes()


# --- what is never followed, opened or copied ------------------------------------------------

def test_a_link_to_a_secret_is_not_followed(homes, tmp_path):
    secret = write(tmp_path / "secret" / "shadow", "root:TOPSECRET-HASH:19000")
    outside = tmp_path / "secret"
    write(outside / "05_segmentation_colormaps.ipynb", "TOPSECRET-NOTEBOOK")
    ben = homes / "ben"
    os.symlink(secret, ben / "03_top_k_and_labels.ipynb")
    os.symlink(outside, ben / "linked")  # a folder link: its katas are not collected either
    os.symlink(outside, homes / "jupyter-eve")  # a home that is a link
    got = collect(homes, tmp_path / "class")
    assert got.learners == ["ana", "ben"]
    assert got.skipped == [("ben/03_top_k_and_labels.ipynb", "a symbolic link: not followed"),
                           ("ben/linked", "a symbolic link: not followed"),
                           ("jupyter-eve", "a symbolic link, not a home folder: not followed")]
    for path in (tmp_path / "class").rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert b"TOPSECRET" not in path.read_bytes(), path


@pytest.mark.parametrize("swap, reason", [("link", "a symbolic link: not followed"),
                                          ("fifo", "a FIFO (named pipe): not read")])
def test_a_link_or_fifo_swapped_in_after_the_listing_is_not_followed(homes, tmp_path, monkeypatch,
                                                                     swap, reason):
    secret = write(tmp_path / "secret", "TOPSECRET")
    kata = homes / "ben" / "02_logits_and_softmax.ipynb"
    real_open = collect_module._open_file

    def swap_then_open(name, dir_fd):
        if name == kata.name and stat.S_ISREG(kata.lstat().st_mode):
            kata.unlink()
            os.symlink(secret, kata) if swap == "link" else os.mkfifo(kata)
        return real_open(name, dir_fd)

    monkeypatch.setattr(collect_module, "_open_file", swap_then_open)
    done = {}
    worker = threading.Thread(target=lambda: done.update(got=collect(homes, tmp_path / "class")),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "collect blocked"
    assert done["got"].skipped == [("ben/02_logits_and_softmax.ipynb", reason)]
    assert not (tmp_path / "class/ben/02_logits_and_softmax.ipynb").exists()


def test_a_hard_link_is_not_copied(homes, tmp_path):
    secret = write(tmp_path / "secret", "TOPSECRET")
    os.link(secret, homes / "ben" / "03_top_k_and_labels.ipynb")
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [("ben/03_top_k_and_labels.ipynb", "a file with 2 hard links (it may be a "
                                                             "link to a file elsewhere): not copied")]
    assert not (tmp_path / "class/ben/03_top_k_and_labels.ipynb").exists()


def test_a_notebook_saved_while_collected_is_copied_as_saved(homes, tmp_path, monkeypatch):
    kata = homes / "ben" / "02_logits_and_softmax.ipynb"
    real_open = collect_module._open_file

    def save_then_open(name, dir_fd):  # Jupyter saves by writing a new file and renaming it
        if name == kata.name:
            write(kata.with_name("tmp"), "saved", mtime=1_700_009_000).replace(kata)
        return real_open(name, dir_fd)

    monkeypatch.setattr(collect_module, "_open_file", save_then_open)
    got = collect(homes, tmp_path / "class")
    copy = tmp_path / "class/ben/02_logits_and_softmax.ipynb"
    assert got.skipped == [] and copy.read_text() == "saved"
    assert copy.stat().st_mtime == 1_700_009_000


def test_a_fifo_is_skipped_without_hanging(homes, tmp_path):
    os.mkfifo(homes / "ben" / "03_top_k_and_labels.ipynb")
    os.mkfifo(homes / "ben" / "pipe")
    done = {}
    worker = threading.Thread(target=lambda: done.update(got=collect(homes, tmp_path / "class")),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "collect blocked on a FIFO"
    assert done["got"].skipped == [("ben/03_top_k_and_labels.ipynb", "a FIFO (named pipe): not read"),
                                   ("ben/pipe", "a FIFO (named pipe): not read")]
    assert done["got"].notebooks == 3


def test_a_file_over_the_limit_is_skipped(homes, tmp_path, monkeypatch):
    monkeypatch.setattr(collect_module, "MAX_NOTEBOOK_BYTES", 100)
    write(homes / "ben" / "03_big.ipynb", "x" * 101)
    write(homes / "ben" / "04_just_fits.ipynb", "x" * 100)
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [("ben/03_big.ipynb", "101 bytes, more than the 100 a notebook may have: "
                                                "not copied")]
    assert (tmp_path / "class/ben/04_just_fits.ipynb").read_text() == "x" * 100
    assert not (tmp_path / "class/ben/03_big.ipynb").exists()


def test_a_file_that_grows_past_the_limit_while_read_is_not_kept(homes, tmp_path, monkeypatch):
    monkeypatch.setattr(collect_module, "MAX_NOTEBOOK_BYTES", 100)
    kata = write(homes / "ben" / "03_growing.ipynb", "x" * 50)
    real_fdopen = os.fdopen

    class GrowsWhenRead:  # the learner's kernel writes on while collect reads
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def fileno(self):
            return self.handle.fileno()

        def read(self, size):
            if self.handle.tell() == 0:
                with open(kata, "a") as handle:
                    handle.write("y" * 100)
            return self.handle.read(size)

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        return GrowsWhenRead(handle) if os.path.samestat(os.fstat(fd), kata.stat()) else handle

    monkeypatch.setattr(os, "fdopen", fdopen)
    got = collect(homes, tmp_path / "class")
    monkeypatch.undo()
    assert got.skipped == [("ben/03_growing.ipynb", "grew past the 100 bytes a notebook may have "
                                                    "while it was read: not copied")]
    assert not (tmp_path / "class/ben/03_growing.ipynb").exists()
    assert (tmp_path / "class/ben/02_logits_and_softmax.ipynb").exists()


def test_unreadable_files_and_folders_are_reported_and_the_rest_collected(homes, tmp_path, monkeypatch):
    # The tests run as root, who reads everything: the refusals are made by hand.
    write(homes / "ben" / "locked" / "03_x.ipynb")
    write(homes / "ben" / "04_locked.ipynb")
    real_file, real_folder = collect_module._open_file, collect_module._open_folder

    def refuse(real, refused):
        def opener(name, dir_fd):
            if os.path.basename(name) == refused:
                raise PermissionError(13, "Permission denied", name)
            return real(name, dir_fd)
        return opener

    monkeypatch.setattr(collect_module, "_open_file", refuse(real_file, "04_locked.ipynb"))
    monkeypatch.setattr(collect_module, "_open_folder", refuse(real_folder, "locked"))
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [("ben/04_locked.ipynb", "cannot be read (Permission denied)"),
                           ("ben/locked", "folder cannot be read (Permission denied)")]
    assert got.learners == ["ana", "ben"] and got.notebooks == 3


def test_a_home_that_cannot_be_opened_is_reported(homes, tmp_path, monkeypatch):
    real_folder = collect_module._open_folder

    def refuse_ben(name, dir_fd):
        if name.endswith("/ben"):
            raise PermissionError(13, "Permission denied", name)
        return real_folder(name, dir_fd)

    monkeypatch.setattr(collect_module, "_open_folder", refuse_ben)
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [("ben", "folder cannot be read (Permission denied)")]
    assert got.learners == ["ana", "ben"] and got.empty == ["ben"]


def test_the_homes_are_unchanged_afterwards(homes, tmp_path):
    ana = homes / "jupyter-ana"
    write(ana / KATA / ".ipynb_checkpoints" / "02_logits_and_softmax-checkpoint.ipynb")
    write(ana / "cnn-output-katas/solutions/02_logits_and_softmax.ipynb")
    os.symlink(tmp_path, homes / "ben" / "03_link.ipynb")
    os.mkfifo(homes / "ben" / "04_pipe.ipynb")
    os.chmod(homes / "ben" / "02_logits_and_softmax.ipynb", 0o600)
    before = digest(homes)
    collect(homes, tmp_path / "class")
    collect(homes, tmp_path / "class")  # and again, replacing
    assert digest(homes) == before


# --- collecting again ------------------------------------------------------------------------

def test_collecting_again_replaces_each_learners_folder_as_a_whole(homes, tmp_path):
    submissions = tmp_path / "class"
    collect(homes, submissions)
    ana = homes / "jupyter-ana" / KATA
    (ana / "00_how_katas_work.ipynb").unlink()
    write(ana / "02_logits_and_softmax.ipynb", "edited", mtime=1_700_001_000)
    write(ana / "03_top_k_and_labels.ipynb")
    shutil.rmtree(homes / "ben")  # ben's account is gone: his copy stays
    write(homes / "carl" / "02_logits_and_softmax.ipynb")
    got = collect(homes, submissions)
    assert got.learners == ["ana", "carl"] and got.earlier == ["ben"]
    assert files_under(submissions / "ana") == [
        "cnn-output-katas", "cnn-output-katas/katas", f"{KATA}/02_logits_and_softmax.ipynb",
        f"{KATA}/03_top_k_and_labels.ipynb"]
    assert (submissions / "ana" / KATA / "02_logits_and_softmax.ipynb").read_text() == "edited"
    assert (submissions / "ben/02_logits_and_softmax.ipynb").read_text() == "ben's"
    assert json.loads((submissions / MARKER).read_text())["learners"] == ["ana", "ben", "carl"]
    assert not list(submissions.glob(TEMPORARY_PREFIX + "*"))
    assert "ben" in got.summary()


def test_an_interrupted_collect_leaves_whole_folders_and_no_temporary_one(homes, tmp_path, monkeypatch):
    submissions = tmp_path / "class"
    collect(homes, submissions)
    before = {name: files_under(submissions / name) for name in ("ana", "ben")}
    write(homes / "ben" / "03_top_k_and_labels.ipynb")
    real_copy = collect_module._copy_kata

    def copy_then_fail(name, dir_fd, dest):
        if name.startswith("03_"):
            raise KeyboardInterrupt
        return real_copy(name, dir_fd, dest)

    monkeypatch.setattr(collect_module, "_copy_kata", copy_then_fail)
    with pytest.raises(KeyboardInterrupt):
        collect(homes, submissions)
    assert files_under(submissions / "ben") == before["ben"]  # the old copy, whole
    assert files_under(submissions / "ana") == before["ana"]  # collected again, whole
    assert not list(submissions.glob(TEMPORARY_PREFIX + "*"))


def test_a_killed_collects_leftovers_are_removed_next_time(homes, tmp_path):
    submissions = tmp_path / "class"
    collect(homes, submissions)
    leftover = submissions / (TEMPORARY_PREFIX + "killed")
    write(leftover / "katas" / "02_x.ipynb")
    collect_module.seal(leftover)
    collect(homes, submissions)
    assert not leftover.exists()


def test_an_empty_existing_folder_is_collected_into(homes, tmp_path):
    (tmp_path / "class").mkdir()
    assert collect(homes, tmp_path / "class").learners == ["ana", "ben"]


def test_a_folder_not_made_by_collect_is_refused_and_left_alone(homes, tmp_path):
    submissions = tmp_path / "class"
    write(submissions / "ana" / "my-notes.txt", "the instructor's")
    before = digest(submissions)
    with pytest.raises(CollectError, match=rf"{submissions}: not empty \(ana\) and not made by "
                                           rf"cnn-katas collect \(no {MARKER} in it\)"):
        collect(homes, submissions)
    assert digest(submissions) == before


def test_a_learner_folder_the_marker_does_not_list_is_refused(homes, tmp_path):
    submissions = tmp_path / "class"
    collect(homes, submissions)
    write(homes / "carl" / "02_logits_and_softmax.ipynb")
    write(submissions / "carl" / "mine.txt", "not collect's")
    before = digest(submissions)
    with pytest.raises(CollectError, match=rf"{submissions / 'carl'}: exists but was not made by "
                                           rf"cnn-katas collect"):
        collect(homes, submissions)
    assert digest(submissions) == before


def test_a_marker_that_cannot_be_read_is_refused(homes, tmp_path):
    submissions = tmp_path / "class"
    write(submissions / MARKER, "not json")
    with pytest.raises(CollectError, match=rf"{submissions / MARKER}: cannot be read"):
        collect(homes, submissions)
    write(submissions / MARKER, json.dumps({"learners": "ana"}))
    with pytest.raises(CollectError, match="not a list of names"):
        collect(homes, submissions)


def test_one_collect_at_a_time(homes, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    fd = os.open(submissions, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(CollectError, match="another cnn-katas collect is writing it"):
            collect(homes, submissions)
    finally:
        os.close(fd)
    assert collect(homes, submissions).learners == ["ana", "ben"]


# --- refusals --------------------------------------------------------------------------------

def test_submissions_inside_or_equal_to_the_homes_is_refused(homes, tmp_path):
    before = digest(homes)
    for inside in (homes / "class", homes / "ben" / "class", homes):
        with pytest.raises(CollectError, match=rf"{inside}: inside HUB_HOMES"):
            collect(homes, inside)
    assert digest(homes) == before


def test_homes_inside_submissions_is_refused(tmp_path):
    write(tmp_path / "class" / "home" / "ana" / "02_x.ipynb")
    with pytest.raises(CollectError, match=rf"{tmp_path / 'class' / 'home'}: inside SUBMISSIONS"):
        collect(tmp_path / "class" / "home", tmp_path / "class")


def test_missing_or_file_or_empty_homes_are_refused(tmp_path):
    with pytest.raises(CollectError, match=rf"{tmp_path / 'nope'}: no such folder"):
        collect(tmp_path / "nope", tmp_path / "class")
    write(tmp_path / "file", "x")
    with pytest.raises(CollectError, match=rf"{tmp_path / 'file'}: a file, not a folder"):
        collect(tmp_path / "file", tmp_path / "class")
    write(tmp_path / "home" / "lost+found" / "x", "x")
    write(tmp_path / "home" / ".hidden" / "02_x.ipynb")
    with pytest.raises(CollectError, match=r"no learner's home folder in it \(found \.hidden, "
                                           r"lost\+found\)"):
        collect(tmp_path / "home", tmp_path / "class")
    assert not (tmp_path / "class").exists()


def test_submissions_that_is_a_file_is_refused(homes, tmp_path):
    write(tmp_path / "class", "x")
    with pytest.raises(CollectError, match=rf"{tmp_path / 'class'}: a file, not a folder"):
        collect(homes, tmp_path / "class")


def test_collect_error_is_a_value_error():
    assert issubclass(CollectError, ValueError)


# --- the summary -----------------------------------------------------------------------------

def test_the_summary_says_what_was_copied_skipped_and_what_next(homes, tmp_path, monkeypatch):
    monkeypatch.setattr(collect_module, "_SHOWN_SKIPS", 2)
    write(homes / "carl" / "essay.txt")
    for n in range(3):
        os.symlink("/etc/hostname", homes / "ben" / f"0{n + 3}_link.ipynb")
    text = collect(homes, tmp_path / "class").summary()
    assert text.splitlines() == [
        f"collected 3 notebooks of 3 learners into {tmp_path / 'class'}",
        "no kata copied for 1 learner (graded as handing in nothing): carl",
        "skipped 3:",
        "  ben/03_link.ipynb: a symbolic link: not followed",
        "  ben/04_link.ipynb: a symbolic link: not followed",
        "  ... and 1 more",
        f"next: cnn-katas grade {tmp_path / 'class'} --out REPORT"]
    assert Collected(["ana"], 1, []).summary().startswith("collected 1 notebook of 1 learner into")


# --- end to end: the grader reads what collect wrote -----------------------------------------

def test_the_grader_reads_a_collected_class(tmp_path):
    from helpers.grade.layouts import PER_LEARNER
    from helpers.grade.runner import grade

    homes = tmp_path / "home"
    kata = homes / "jupyter-ana" / KATA / "02_logits_and_softmax.ipynb"
    kata.parent.mkdir(parents=True)
    shutil.copy2(KATA_02, kata)  # the course's blank kata, as pulled
    write(homes / "jupyter-ana" / KATA / ".ipynb_checkpoints" / "02_logits_and_softmax-checkpoint.ipynb",
          "not a notebook")
    submissions = tmp_path / "class"
    collect(homes, submissions)
    graded = grade(submissions, tmp_path / "report", jobs=1, progress=False)
    assert graded.layout == PER_LEARNER and graded.learners == ["ana"]
    rows = [r for r in read_csv(tmp_path / "report" / "results.csv")
            if r["notebook"] == f"ana/{KATA}/02_logits_and_softmax.ipynb"]
    assert [r["status"] for r in rows] == ["not attempted", "not attempted"]


# --- the learners' progress files ------------------------------------------------------------

PROGRESS = ".local/share/cnn-output-katas/progress.jsonl"


def _progress_line(exercise: str, status: str, mistake=None) -> str:
    return json.dumps({"progress": 1, "time": "2026-12-01T10:00:00.000Z", "course": "0.1.0",
                       "notebook": "02_logits_and_softmax", "exercise": exercise, "status": status,
                       "mistake": mistake, "seconds": 0.1}) + "\n"


def test_each_learners_progress_file_is_copied_beside_their_katas(homes, tmp_path):
    from helpers.progress import progress_of, read_records

    text = _progress_line("softmax", "incorrect", "softmax.overflow") + _progress_line("softmax", "correct")
    write(homes / "jupyter-ana" / PROGRESS, text, mtime=1_700_000_300)
    write(homes / "carl" / PROGRESS, _progress_line("softmax", "error"))  # no kata, but progress
    got = collect(homes, tmp_path / "class")
    copy = tmp_path / "class/ana/progress.jsonl"
    assert copy.read_text() == text and copy.stat().st_mtime == 1_700_000_300
    assert stat.S_IMODE(copy.stat().st_mode) == FILE_MODE
    assert got.progress == ["ana", "carl"] and got.skipped == [] and got.empty == ["carl"]
    assert not (tmp_path / "class/ben/progress.jsonl").exists()
    assert "copied the progress file of 2 learners (<learner>/progress.jsonl)" in got.summary()
    assert [e.state for e in progress_of(read_records(copy)).exercises() if e.exercise == "softmax"] == ["correct"]


def test_a_progress_file_cut_short_by_a_kernel_writing_is_copied_and_read(homes, tmp_path):
    from helpers.progress import read_records

    write(homes / "ben" / PROGRESS, _progress_line("softmax", "correct") + '{"progress": 1, "ti')
    collect(homes, tmp_path / "class")
    assert [r["status"] for r in read_records(tmp_path / "class/ben/progress.jsonl")] == ["correct"]


@pytest.mark.parametrize("where", [".local", ".local/share", ".local/share/cnn-output-katas",
                                   PROGRESS])
def test_a_progress_file_behind_a_link_is_not_followed(homes, tmp_path, where):
    secret = write(tmp_path / "secret" / ".local/share/cnn-output-katas/progress.jsonl", "TOPSECRET")
    target = tmp_path / "secret" / where
    link = homes / "ben" / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [(f"ben/{PROGRESS}", "a symbolic link: not followed")]
    assert got.progress == [] and not (tmp_path / "class/ben/progress.jsonl").exists()
    assert secret.read_text() == "TOPSECRET"


def test_a_progress_file_that_is_too_big_hard_linked_or_a_fifo_is_not_copied(homes, tmp_path, monkeypatch):
    monkeypatch.setattr(collect_module, "MAX_PROGRESS_BYTES", 100)
    write(homes / "jupyter-ana" / PROGRESS, "x" * 101)
    write(homes / "ben" / ".local/share/cnn-output-katas/other", "y")
    os.link(homes / "ben" / ".local/share/cnn-output-katas/other", homes / "ben" / PROGRESS)
    write(homes / "carl" / "essay.txt")
    (homes / "carl" / ".local/share/cnn-output-katas").mkdir(parents=True)
    os.mkfifo(homes / "carl" / PROGRESS)
    write(homes / "dora" / ".local/share", "a file, not a folder")
    got = collect(homes, tmp_path / "class")
    assert got.skipped == [
        (f"ben/{PROGRESS}", "a file with 2 hard links (it may be a link to a file elsewhere): not copied"),
        (f"carl/{PROGRESS}", "a FIFO (named pipe): not read"),
        (f"dora/{PROGRESS}", "a file where a folder on the way to it should be: not read"),
        (f"jupyter-ana/{PROGRESS}", "101 bytes, more than the 100 a progress file may have: not copied")]
    assert got.progress == [] and not list((tmp_path / "class").rglob("progress.jsonl"))


def test_a_folder_of_katas_named_progress_jsonl_wins_over_the_progress_file(homes, tmp_path):
    write(homes / "ben" / "progress.jsonl" / "03_top_k_and_labels.ipynb")
    write(homes / "ben" / PROGRESS, _progress_line("softmax", "correct"))
    got = collect(homes, tmp_path / "class")
    assert (tmp_path / "class/ben/progress.jsonl/03_top_k_and_labels.ipynb").is_file()
    assert got.progress == [] and got.skipped == [
        (f"ben/{PROGRESS}", "the learner's folder already holds progress.jsonl (a folder of katas?): "
                            "not copied")]


def test_collecting_again_brings_the_progress_file_up_to_date(homes, tmp_path):
    write(homes / "ben" / PROGRESS, _progress_line("softmax", "incorrect"))
    collect(homes, tmp_path / "class")
    with open(homes / "ben" / PROGRESS, "a") as handle:
        handle.write(_progress_line("softmax", "correct"))
    collect(homes, tmp_path / "class")
    assert (tmp_path / "class/ben/progress.jsonl").read_text() == (homes / "ben" / PROGRESS).read_text()
    (homes / "ben" / PROGRESS).unlink()
    assert collect(homes, tmp_path / "class").progress == []
    assert not (tmp_path / "class/ben/progress.jsonl").exists()


def test_the_grader_ignores_a_collected_progress_file(tmp_path):
    from helpers.grade.runner import grade

    homes = tmp_path / "home"
    kata = homes / "jupyter-ana" / KATA / "02_logits_and_softmax.ipynb"
    kata.parent.mkdir(parents=True)
    shutil.copy2(KATA_02, kata)
    write(homes / "jupyter-ana" / PROGRESS, _progress_line("softmax", "correct"))
    collect(homes, tmp_path / "class")
    graded = grade(tmp_path / "class", tmp_path / "report", jobs=1, progress=False)
    assert graded.learners == ["ana"]
    rows = read_csv(tmp_path / "report" / "results.csv")
    assert {r["notebook"] for r in rows} == {"", f"ana/{KATA}/02_logits_and_softmax.ipynb"}  # "": missing
    assert "progress.jsonl" not in (tmp_path / "report" / "report.html").read_text()
