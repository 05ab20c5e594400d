"""Finding a class's submissions in each layout (helpers/grade/layouts.py)."""
from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from helpers.grade import layouts
from helpers.grade.layouts import (LAYOUTS, LMS, NBGRADER, PER_LEARNER, SubmissionsError,
                                   find_submissions)

LESSONS = {"00": "00_how_katas_work", "01": "01_blob_preprocessing",
           "02": "02_logits_and_softmax", "08": "08_capstone"}
NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def notebook(path: Path, mtime: float | None = None, text: str = NOTEBOOK) -> Path:
    """Write a tiny notebook at ``path`` (folders made), with modification time ``mtime``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def make_zip(path: Path, members) -> Path:
    """A zip of ``members``: (name, text) or (name, text, date_time) items."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            name, text = member[:2]
            info = zipfile.ZipInfo(name, member[2] if len(member) > 2 else (2024, 5, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return path


def find(path, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return find_submissions(path, LESSONS, work)


# --- one folder per learner ------------------------------------------------------------------

def test_per_learner_folders_notebooks_anywhere_below_the_learner(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/cnn-katas/katas/02_logits_and_softmax.ipynb")
    notebook(root / "ana/cnn-katas/katas/00_how_katas_work.ipynb")
    (root / "ana/cnn-katas/katas/notes.txt").write_text("x")
    notebook(root / "ben/01_blob_preprocessing.ipynb")
    notebook(root / "ben/99_not_a_lesson.ipynb")
    (root / "readme.txt").parent.mkdir(parents=True, exist_ok=True)
    (root / "readme.txt").write_text("loose file")
    found = find(root, tmp_path)
    assert found.layout == PER_LEARNER and found.layout in LAYOUTS
    assert found.root == root.resolve()
    assert found.learners == ["ana", "ben"]
    assert sorted(found.handed["ana"]) == ["00", "02"]
    handed = found.handed["ana"]["02"]
    assert handed.shown == "ana/cnn-katas/katas/02_logits_and_softmax.ipynb"
    assert handed.path == root.resolve() / handed.shown and handed.path.is_file()
    assert (handed.learner, handed.lesson, handed.candidates) == ("ana", "02", ())
    assert found.handed["ben"]["01"].shown == "ben/01_blob_preprocessing.ipynb"
    # a course folder holds many other files: only notebooks are named
    assert found.ignored == ["ben/99_not_a_lesson.ipynb"]
    assert found.notes == {}


def test_a_learner_folder_without_notebooks_is_a_learner_who_handed_in_nothing(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/02_logits_and_softmax.ipynb")
    (root / "carl/empty").mkdir(parents=True)
    (root / "dora").mkdir()
    (root / "dora/essay.docx").write_text("x")
    found = find(root, tmp_path)
    assert found.learners == ["ana", "carl", "dora"]
    assert found.handed["carl"] == {} and found.handed["dora"] == {}
    assert found.ignored == []  # not a notebook: not named


def test_hidden_folders_and_files_are_never_candidates_nor_ignored(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/katas/02_logits_and_softmax.ipynb", mtime=1_000)
    notebook(root / "ana/katas/.ipynb_checkpoints/02_logits_and_softmax-checkpoint.ipynb",
             mtime=9_000)
    notebook(root / "ana/.hidden/02_logits_and_softmax.ipynb", mtime=9_000)
    notebook(root / "ana/katas/.02_secret.ipynb", mtime=9_000)
    notebook(root / ".git/02_logits_and_softmax.ipynb")
    found = find(root, tmp_path)
    assert found.learners == ["ana"]
    assert found.handed["ana"]["02"].shown == "ana/katas/02_logits_and_softmax.ipynb"
    assert found.handed["ana"]["02"].candidates == ()
    assert found.ignored == [] and found.notes == {}


@pytest.mark.parametrize("newest", ["02_logits_and_softmax.ipynb",
                                    "02_logits_and_softmax-Copy1.ipynb"])
def test_of_two_candidates_the_most_recently_modified_is_used(tmp_path, newest):
    root = tmp_path / "class"
    names = ["02_logits_and_softmax.ipynb", "02_logits_and_softmax-Copy1.ipynb"]
    for name in names:
        notebook(root / "ana/katas" / name, mtime=2_000 if name == newest else 1_000)
    found = find(root, tmp_path)
    handed = found.handed["ana"]["02"]
    assert handed.shown == f"ana/katas/{newest}"
    assert handed.candidates == ("ana/katas/02_logits_and_softmax-Copy1.ipynb",
                                 "ana/katas/02_logits_and_softmax.ipynb")
    assert found.notes == {"ana": [
        "02: 2 candidates (02_logits_and_softmax-Copy1.ipynb, 02_logits_and_softmax.ipynb); "
        f"used {newest} (modified most recently)"]}


def test_candidates_with_the_same_time_are_chosen_by_name(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/b/02_logits_and_softmax.ipynb", mtime=1_000)
    notebook(root / "ana/a/02_logits_and_softmax.ipynb", mtime=1_000)
    found = find(root, tmp_path)
    assert found.handed["ana"]["02"].shown == "ana/a/02_logits_and_softmax.ipynb"
    assert found.notes["ana"] == [
        "02: 2 candidates (a/02_logits_and_softmax.ipynb, b/02_logits_and_softmax.ipynb); "
        "used a/02_logits_and_softmax.ipynb (same modification time; the first by name)"]


def test_the_same_lesson_in_two_folders_is_named_by_its_folder(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/cnn-katas/katas/02_logits_and_softmax.ipynb", mtime=2_000)
    notebook(root / "ana/Downloads/02_logits_and_softmax.ipynb", mtime=1_000)
    found = find(root, tmp_path)
    assert found.handed["ana"]["02"].shown == "ana/cnn-katas/katas/02_logits_and_softmax.ipynb"
    assert found.notes["ana"] == [
        "02: 2 candidates (Downloads/02_logits_and_softmax.ipynb, "
        "cnn-katas/katas/02_logits_and_softmax.ipynb); used "
        "cnn-katas/katas/02_logits_and_softmax.ipynb (modified most recently)"]


def test_learners_differing_only_in_case_are_distinct(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/02_logits_and_softmax.ipynb")
    notebook(root / "Ana/02_logits_and_softmax.ipynb")
    found = find(root, tmp_path)
    assert found.learners == ["Ana", "ana"]
    assert found.handed["Ana"]["02"].shown == "Ana/02_logits_and_softmax.ipynb"


def test_a_folder_name_with_a_backslash_is_no_learner(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/02_logits_and_softmax.ipynb")
    notebook(root / "a\\b/02_logits_and_softmax.ipynb")
    found = find(root, tmp_path)
    assert found.learners == ["ana"]
    assert found.ignored == ["a\\b/02_logits_and_softmax.ipynb"]


def test_links_and_special_files_are_not_followed_but_listed(tmp_path):
    outside = notebook(tmp_path / "elsewhere/02_logits_and_softmax.ipynb")
    root = tmp_path / "class"
    notebook(root / "ana/00_how_katas_work.ipynb")
    (root / "ben").mkdir()
    (root / "ben/02_logits_and_softmax.ipynb").symlink_to(outside)
    (root / "ben/linked").symlink_to(outside.parent, target_is_directory=True)
    os.mkfifo(root / "ana/08_capstone.ipynb")
    found = find(root, tmp_path)
    assert found.handed == {"ana": {"00": found.handed["ana"]["00"]}, "ben": {}}
    assert found.ignored == ["ana/08_capstone.ipynb", "ben/02_logits_and_softmax.ipynb",
                             "ben/linked"]


def test_a_folder_that_cannot_be_read_is_noted_for_its_learner(tmp_path, monkeypatch):
    root = tmp_path / "class"
    notebook(root / "ana/02_logits_and_softmax.ipynb")
    walk = os.walk

    def walk_with_a_locked_folder(top, onerror=None, **kwargs):
        onerror(PermissionError(13, "Permission denied", str(Path(top) / "ana/private")))
        yield from walk(top, onerror=onerror, **kwargs)

    monkeypatch.setattr(layouts.os, "walk", walk_with_a_locked_folder)
    found = find(root, tmp_path)
    assert found.notes == {"ana": ["could not read ana/private: Permission denied"]}


def test_the_same_folder_gives_the_same_submissions(tmp_path):
    root = tmp_path / "class"
    for learner in ["zoe", "ana", "mia"]:
        notebook(root / learner / "02_logits_and_softmax.ipynb", mtime=5)
        notebook(root / learner / "02_logits_and_softmax-Copy1.ipynb", mtime=5)
        (root / learner / "x.txt").write_text("x")
    assert find(root, tmp_path) == find(root, tmp_path)


# --- nbgrader ---------------------------------------------------------------------------------

def nbgrader_course(root: Path) -> Path:
    notebook(root / "source/ps1/02_logits_and_softmax.ipynb")
    notebook(root / "autograded/ana/ps1/02_logits_and_softmax.ipynb")
    (root / "gradebook.db").write_text("x")
    notebook(root / "submitted/ana/ps1/02_logits_and_softmax.ipynb")
    (root / "submitted/ana/ps1/timestamp.txt").write_text("2024-05-01 12:00:00")
    notebook(root / "submitted/ana/ps2/08_capstone.ipynb")
    (root / "submitted/ana/ps2/timestamp.txt").write_text("2024-05-01 12:00:00")
    (root / "submitted/ana/ps2/photo.jpg").write_text("x")
    (root / "submitted/ben/ps1").mkdir(parents=True)
    (root / "submitted/ben/ps1/timestamp.txt").write_text("2024-05-01 12:00:00")
    return root


def test_nbgrader_course_root_reads_only_submitted(tmp_path):
    root = nbgrader_course(tmp_path / "course")
    found = find(root, tmp_path)
    assert found.layout == NBGRADER
    assert found.learners == ["ana", "ben"]
    assert found.handed["ana"]["02"].shown == "submitted/ana/ps1/02_logits_and_softmax.ipynb"
    assert found.handed["ana"]["08"].shown == "submitted/ana/ps2/08_capstone.ipynb"
    assert found.handed["ben"] == {}
    assert found.ignored == []


def test_nbgrader_submitted_folder_itself(tmp_path):
    root = nbgrader_course(tmp_path / "course") / "submitted"
    found = find(root, tmp_path)
    assert found.layout == NBGRADER
    assert found.learners == ["ana", "ben"]
    assert found.handed["ana"]["02"].shown == "ana/ps1/02_logits_and_softmax.ipynb"
    assert found.ignored == []


def test_nbgrader_without_notebooks_names_what_it_found(tmp_path):
    root = tmp_path / "course"
    (root / "submitted/ana/ps1").mkdir(parents=True)
    (root / "submitted/ana/ps1/timestamp.txt").write_text("x")
    (root / "submitted/ben").mkdir()
    with pytest.raises(SubmissionsError) as error:
        find(root, tmp_path)
    message = str(error.value)
    assert "submitted: found 2 folders (ana, ben) and no files" in message
    assert "no NN_*.ipynb notebook (NN one of 00, 01, 02, 08)" in message


# --- LMS downloads ----------------------------------------------------------------------------

def test_canvas_and_moodle_file_names(tmp_path):
    root = tmp_path / "download"
    notebook(root / "limaana_12345_67890_02_logits_and_softmax.ipynb")
    notebook(root / "limaana_late_12345_67891_00_how_katas_work.ipynb")
    notebook(root / "Ben Costa _23456_assignsubmission_file_02_logits_and_softmax.ipynb")
    (root / "carlsilva_34567_67892_report.pdf").write_text("x")
    notebook(root / "02_logits_and_softmax.ipynb")
    (root / "grades.csv").write_text("x")
    found = find(root, tmp_path)
    assert found.layout == LMS
    assert found.learners == ["Ben Costa", "carlsilva", "limaana"]
    assert sorted(found.handed["limaana"]) == ["00", "02"]
    assert found.handed["limaana"]["00"].shown == "limaana_late_12345_67891_00_how_katas_work.ipynb"
    assert (found.handed["Ben Costa"]["02"].shown
            == "Ben Costa _23456_assignsubmission_file_02_logits_and_softmax.ipynb")
    assert found.handed["carlsilva"] == {}
    assert found.ignored == ["02_logits_and_softmax.ipynb", "carlsilva_34567_67892_report.pdf",
                             "grades.csv"]


def test_lms_resubmission_the_highest_suffix_counts_whatever_the_times(tmp_path):
    root = tmp_path / "download"
    notebook(root / "limaana_12345_1_02_logits_and_softmax.ipynb", mtime=9_000)
    notebook(root / "limaana_12345_2_02_logits_and_softmax-2.ipynb", mtime=1_000)
    notebook(root / "limaana_12345_3_02_logits_and_softmax-1.ipynb", mtime=5_000)
    found = find(root, tmp_path)
    handed = found.handed["limaana"]["02"]
    assert handed.shown == "limaana_12345_2_02_logits_and_softmax-2.ipynb"
    assert len(handed.candidates) == 3
    assert found.notes["limaana"] == [
        "02: 3 candidates (limaana_12345_1_02_logits_and_softmax.ipynb, "
        "limaana_12345_2_02_logits_and_softmax-2.ipynb, "
        "limaana_12345_3_02_logits_and_softmax-1.ipynb); used "
        "limaana_12345_2_02_logits_and_softmax-2.ipynb (the highest resubmission number, -2)"]


def test_lms_names_no_file_can_hold_are_ignored(tmp_path):
    root = tmp_path / "download"
    notebook(root / "limaana_12345_67890_02_logits_and_softmax.ipynb")
    notebook(root / "  _12345_67890_02_logits_and_softmax.ipynb")
    notebook(root / "a\\b_12345_67890_02_logits_and_softmax.ipynb")
    notebook(root / ".._12345_67890_02_logits_and_softmax.ipynb")
    found = find(root, tmp_path)
    assert found.learners == ["limaana"]
    assert found.ignored == ["  _12345_67890_02_logits_and_softmax.ipynb",
                             "a\\b_12345_67890_02_logits_and_softmax.ipynb"]


def test_two_lms_accounts_with_one_name_are_noted(tmp_path):
    root = tmp_path / "download"
    notebook(root / "Ana Lima_12345_assignsubmission_file_02_logits_and_softmax.ipynb")
    notebook(root / "Ana Lima_99999_assignsubmission_file_00_how_katas_work.ipynb")
    found = find(root, tmp_path)
    assert found.notes["Ana Lima"] == [
        "files from 2 LMS accounts (12345, 99999) share this name: they are graded as one learner"]


def test_moodle_folder_per_submission(tmp_path):
    root = tmp_path / "download"
    notebook(root / "Ana Lima_12345_assignsubmission_file_/02_logits_and_softmax.ipynb")
    notebook(root / "Ana Lima_12345_assignsubmission_file_/sub/00_how_katas_work.ipynb")
    (root / "Ana Lima_12345_assignsubmission_file_/notes.txt").write_text("x")
    (root / "Ben Costa_23456_assignsubmission_file_").mkdir()
    found = find(root, tmp_path)
    assert found.layout == LMS
    assert found.learners == ["Ana Lima", "Ben Costa"]
    assert sorted(found.handed["Ana Lima"]) == ["00", "02"]
    assert found.handed["Ben Costa"] == {}
    assert found.ignored == ["Ana Lima_12345_assignsubmission_file_/notes.txt"]


def test_parse_lms_name():
    parse = layouts._parse_lms_name
    assert parse("lastfirst_late_12345_67890_02_logits_and_softmax-1.ipynb", LESSONS) == \
        layouts._LmsName("lastfirst", "12345", "02", 1)
    assert parse("Ana Lima_12345_assignsubmission_file_02_x.ipynb", LESSONS) == \
        layouts._LmsName("Ana Lima", "12345", "02", 0)
    assert parse("ana_12345_02_x-Copy1.ipynb", LESSONS).resubmission == 0
    assert parse("ana_12345_notes.ipynb", LESSONS).lesson is None
    assert parse("ana_02_x.ipynb", LESSONS) is None          # no id: not an LMS name
    assert parse("02_logits_and_softmax.ipynb", LESSONS) is None


# --- zips -------------------------------------------------------------------------------------

CANVAS = [("limaana_12345_67890_02_logits_and_softmax.ipynb", NOTEBOOK),
          ("limaana_12345_67890_02_logits_and_softmax-1.ipynb", '{"resubmitted": 1}'),
          ("costaben_23456_67891_00_how_katas_work.ipynb", NOTEBOOK),
          ("__MACOSX/._limaana_12345_67890_02_logits_and_softmax.ipynb", "junk"),
          ("costaben_23456_67891_photo.jpg", "jpeg")]


def test_zip_with_files_at_its_top_level(tmp_path):
    archive = make_zip(tmp_path / "class.zip", CANVAS)
    found = find(archive, tmp_path)
    assert found.layout == LMS and found.root == archive.resolve()
    assert found.learners == ["costaben", "limaana"]
    handed = found.handed["limaana"]["02"]
    assert handed.shown == "class.zip:limaana_12345_67890_02_logits_and_softmax-1.ipynb"
    assert handed.path.read_text() == '{"resubmitted": 1}'
    assert (tmp_path / "work") in handed.path.parents
    assert handed.candidates == ("class.zip:limaana_12345_67890_02_logits_and_softmax-1.ipynb",
                                 "class.zip:limaana_12345_67890_02_logits_and_softmax.ipynb")
    assert found.handed["costaben"]["00"].path.read_text() == NOTEBOOK
    assert found.ignored == ["class.zip:costaben_23456_67891_photo.jpg"]
    extracted = sorted(p.name for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert extracted == ["costaben_23456_67891_00_how_katas_work.ipynb",
                         "limaana_12345_67890_02_logits_and_softmax-1.ipynb"]


def test_zip_with_one_top_folder(tmp_path):
    archive = make_zip(tmp_path / "class.zip", [("submissions/", "")] + [
        (f"submissions/{name}", text) for name, text in CANVAS if not name.startswith("__")])
    found = find(archive, tmp_path)
    assert found.layout == LMS
    assert found.learners == ["costaben", "limaana"]
    assert (found.handed["limaana"]["02"].shown
            == "class.zip:submissions/limaana_12345_67890_02_logits_and_softmax-1.ipynb")


def test_zip_of_a_class_folder_and_of_one_learners_folder(tmp_path):
    archive = make_zip(tmp_path / "class.zip", [
        ("class/ana/katas/02_logits_and_softmax.ipynb", NOTEBOOK),
        ("class/ben/02_logits_and_softmax.ipynb", NOTEBOOK),
        ("class/carl/", "")])
    found = find(archive, tmp_path)
    assert (found.layout, found.learners) == (PER_LEARNER, ["ana", "ben", "carl"])
    assert (found.handed["ana"]["02"].shown
            == "class.zip:class/ana/katas/02_logits_and_softmax.ipynb")
    one = make_zip(tmp_path / "ana.zip", [("ana/cnn-katas/katas/02_logits_and_softmax.ipynb",
                                           NOTEBOOK)])
    assert find(one, tmp_path).learners == ["ana"]


def test_lms_download_folder_inside_one_folder(tmp_path):
    root = tmp_path / "downloads"
    notebook(root / "submissions/limaana_12345_67890_02_logits_and_softmax.ipynb")
    found = find(root, tmp_path)
    assert (found.layout, found.learners) == (LMS, ["limaana"])
    assert found.handed["limaana"]["02"].shown == \
        "submissions/limaana_12345_67890_02_logits_and_softmax.ipynb"


def test_zip_member_dates_choose_between_copies(tmp_path):
    archive = make_zip(tmp_path / "class.zip", [
        ("ana/02_logits_and_softmax.ipynb", NOTEBOOK, (2024, 5, 1, 12, 0, 0)),
        ("ana/02_logits_and_softmax-Copy1.ipynb", '{"copy": 1}', (2024, 5, 1, 13, 0, 0)),
        ("ana/.ipynb_checkpoints/02_logits_and_softmax-checkpoint.ipynb", NOTEBOOK,
         (2025, 1, 1, 0, 0, 0))])
    found = find(archive, tmp_path)
    assert found.layout == PER_LEARNER
    assert found.handed["ana"]["02"].shown == "class.zip:ana/02_logits_and_softmax-Copy1.ipynb"
    assert found.handed["ana"]["02"].path.read_text() == '{"copy": 1}'
    assert found.notes["ana"][0].endswith(
        "used 02_logits_and_softmax-Copy1.ipynb (modified most recently)")


def test_zip_of_an_nbgrader_course(tmp_path):
    archive = make_zip(tmp_path / "course.zip", [
        ("course/source/ps1/02_logits_and_softmax.ipynb", NOTEBOOK),
        ("course/submitted/ana/ps1/02_logits_and_softmax.ipynb", NOTEBOOK),
        ("course/submitted/ana/ps1/timestamp.txt", "x")])
    found = find(archive, tmp_path)
    assert found.layout == NBGRADER
    assert found.handed["ana"]["02"].shown == \
        "course.zip:course/submitted/ana/ps1/02_logits_and_softmax.ipynb"
    assert found.ignored == []


def test_zip_slip_members_are_skipped_and_listed(tmp_path):
    archive = tmp_path / "class.zip"
    make_zip(archive, [("limaana_12345_67890_02_logits_and_softmax.ipynb", NOTEBOOK),
                       ("../costaben_23456_67891_02_logits_and_softmax.ipynb", NOTEBOOK),
                       ("/tmp/silvacarl_34567_67892_02_logits_and_softmax.ipynb", NOTEBOOK),
                       ("a/../../dora_45678_1_02_logits_and_softmax.ipynb", NOTEBOOK),
                       ("C:\\eve_56789_1_02_logits_and_softmax.ipynb", NOTEBOOK)])
    with zipfile.ZipFile(archive, "a") as zipped:
        link = zipfile.ZipInfo("fred_67890_1_02_logits_and_softmax.ipynb")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(link, "/etc/passwd")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    found = find(archive, tmp_path)
    assert found.learners == ["limaana"]
    assert found.ignored == sorted([
        "class.zip:../costaben_23456_67891_02_logits_and_softmax.ipynb",
        "class.zip:/tmp/silvacarl_34567_67892_02_logits_and_softmax.ipynb",
        "class.zip:a/../../dora_45678_1_02_logits_and_softmax.ipynb",
        "class.zip:C:\\eve_56789_1_02_logits_and_softmax.ipynb",
        "class.zip:fred_67890_1_02_logits_and_softmax.ipynb"])
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                   if Path("work") not in p.relative_to(tmp_path).parents)
    assert after == before + [Path("work")]
    assert not Path("/tmp/silvacarl_34567_67892_02_logits_and_softmax.ipynb").exists()


def test_zip_bomb_one_member_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "MAX_NOTEBOOK_BYTES", 1000)
    archive = make_zip(tmp_path / "class.zip", [
        ("limaana_12345_67890_02_logits_and_softmax.ipynb", NOTEBOOK),
        ("costaben_23456_67891_02_logits_and_softmax.ipynb", " " * 1001)])
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert "class.zip: member costaben_23456_67891_02_logits_and_softmax.ipynb would " \
           "uncompress to 1,001 bytes, more than the 1,000" in str(error.value)
    assert list((tmp_path / "work").iterdir()) == []


def test_zip_bomb_total_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "MAX_TOTAL_BYTES", 1500)
    archive = make_zip(tmp_path / "class.zip", [
        (f"learner{i}_12345_67890_02_logits_and_softmax.ipynb", " " * 600) for i in range(3)])
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert "class.zip: its notebooks would uncompress to 1,800 bytes, more than the 1,500" \
        in str(error.value)


def test_zip_data_past_the_limit_stops_the_extraction(tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "_check_zip_sizes", lambda tree, path: None)  # sizes lie
    monkeypatch.setattr(layouts, "MAX_NOTEBOOK_BYTES", 1000)
    monkeypatch.setattr(layouts, "_CHUNK", 100)
    archive = make_zip(tmp_path / "class.zip", [
        ("limaana_12345_67890_02_logits_and_softmax.ipynb", " " * 5000)])
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert "member limaana_12345_67890_02_logits_and_softmax.ipynb uncompresses to more" \
        in str(error.value)
    written = [p.stat().st_size for p in (tmp_path / "work").rglob("*.ipynb")]
    assert written and max(written) <= 1000


def test_a_real_201_mib_member_is_refused_by_its_declared_size(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("limaana_12345_67890_02_logits_and_softmax.ipynb", "w",
                         force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(201):
                member.write(block)
    with pytest.raises(SubmissionsError, match="would uncompress to 210,763,776 bytes"):
        find(archive, tmp_path)


def test_corrupt_zip(tmp_path):
    archive = make_zip(tmp_path / "class.zip", CANVAS)
    archive.write_bytes(archive.read_bytes()[:-30])          # the central directory cut short
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert str(archive) in str(error.value) and "not a readable zip archive" in str(error.value)


def test_zip_member_with_damaged_data(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        zipped.writestr("limaana_12345_67890_02_logits_and_softmax.ipynb", NOTEBOOK)
    data = archive.read_bytes().replace(b'"cells"', b'"CELLS"')
    archive.write_bytes(data)
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert "member limaana_12345_67890_02_logits_and_softmax.ipynb could not be extracted" \
        in str(error.value)


def test_a_file_that_is_no_zip(tmp_path):
    notes = tmp_path / "class.tar.gz"
    notes.write_bytes(b"\x1f\x8b not a zip")
    with pytest.raises(SubmissionsError) as error:
        find(notes, tmp_path)
    assert f"{notes} is a file but not a readable zip archive" in str(error.value)


def test_a_single_notebook_is_not_a_class(tmp_path):
    single = notebook(tmp_path / "02_logits_and_softmax.ipynb")
    with pytest.raises(SubmissionsError, match="is a single notebook; pass the folder"):
        find(single, tmp_path)


def test_empty_zip(tmp_path):
    archive = make_zip(tmp_path / "class.zip", [("__MACOSX/._x", "junk")])
    with pytest.raises(SubmissionsError) as error:
        find(archive, tmp_path)
    assert "class.zip: the zip is empty (found only hidden files and folders (__MACOSX))" \
        in str(error.value)


# --- errors -----------------------------------------------------------------------------------

def test_missing_path(tmp_path):
    with pytest.raises(SubmissionsError) as error:
        find(tmp_path / "nowhere", tmp_path)
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in str(error.value)
    assert "the grader expects one folder per learner" in str(error.value)


def test_empty_folder(tmp_path):
    (tmp_path / "class").mkdir()
    with pytest.raises(SubmissionsError) as error:
        find(tmp_path / "class", tmp_path)
    assert f"{tmp_path / 'class'}: the folder is empty (found nothing)" in str(error.value)


def test_folder_with_only_hidden_files(tmp_path):
    notebook(tmp_path / "class/.ipynb_checkpoints/02_x-checkpoint.ipynb")
    (tmp_path / "class/.DS_Store").write_text("x")
    with pytest.raises(SubmissionsError) as error:
        find(tmp_path / "class", tmp_path)
    assert "the folder is empty (found only hidden files and folders (.DS_Store, " \
           ".ipynb_checkpoints))" in str(error.value)


def test_folders_without_notebooks_and_loose_files_match_no_layout(tmp_path):
    root = tmp_path / "class"
    for name in ["ana", "ben", "carl"]:
        (root / name).mkdir(parents=True)
    (root / "ana/essay.ipynb").write_text(NOTEBOOK)
    (root / "notes.txt").write_text("x")
    (root / "photo.jpg").write_text("x")
    with pytest.raises(SubmissionsError) as error:
        find(root, tmp_path)
    message = str(error.value)
    assert message.startswith(f"{root}: found 3 folders (ana, ben, carl) and 2 files "
                              "(notes.txt, photo.jpg), but no NN_*.ipynb notebook")
    assert "the .ipynb files found: ana/essay.ipynb" in message
    assert "the grader expects" in message


def test_one_learners_loose_notebooks_say_what_to_do(tmp_path):
    root = tmp_path / "katas"
    notebook(root / "00_how_katas_work.ipynb")
    notebook(root / "02_logits_and_softmax.ipynb")
    with pytest.raises(SubmissionsError) as error:
        find(root, tmp_path)
    message = str(error.value)
    assert "found no folders and 2 files (00_how_katas_work.ipynb, 02_logits_and_softmax.ipynb)" \
        in message
    assert "put them in a folder named after the learner" in message


def test_lms_files_beside_learner_folders_are_refused(tmp_path):
    root = tmp_path / "class"
    notebook(root / "ana/02_logits_and_softmax.ipynb")
    notebook(root / "costaben_23456_67891_02_logits_and_softmax.ipynb")
    with pytest.raises(SubmissionsError) as error:
        find(root, tmp_path)
    assert "found both LMS download files (costaben_23456_67891_02_logits_and_softmax.ipynb) " \
           "and learner folders (ana)" in str(error.value)


def test_a_copy_of_the_course_solutions_is_never_the_learners_work(tmp_path):
    # A hub home folder holds the whole course: solutions/ is the reference, however new.
    root = tmp_path / "class"
    kata = root / "ana/cnn-katas/katas/02_logits_and_softmax.ipynb"
    reference = root / "ana/cnn-katas/solutions/02_logits_and_softmax.ipynb"
    for path in (kata, reference):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(NOTEBOOK)
    os.utime(kata, (1_000_000, 1_000_000))
    os.utime(reference, (2_000_000, 2_000_000))
    found = find_submissions(root, LESSONS, tmp_path / "work")
    assert found.handed["ana"]["02"].shown == "ana/cnn-katas/katas/02_logits_and_softmax.ipynb"
    assert found.handed["ana"]["02"].candidates == ()
    assert found.ignored == []
