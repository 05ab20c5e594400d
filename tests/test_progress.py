"""The learner's progress file (helpers/progress.py): what every check records, where, what it
survives, and the view ``helpers.progress()`` gives of it."""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from helpers.exercises import core
from helpers.exercises.core import CheckResult
from helpers.progress import (ENV, ProgressWarning, Progress, progress, progress_file,
                              read_records, record)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def file(tmp_path, monkeypatch) -> Path:
    """A fresh progress file for this test (CNN_KATAS_PROGRESS points at it)."""
    path = tmp_path / "data" / "progress.jsonl"
    monkeypatch.setenv(ENV, str(path))
    return path


def result(status="correct", mistake=None, seconds=0.25, name="to_unit_range"):
    return CheckResult(name, status, "message", mistake=mistake, seconds=seconds)


def lines(path: Path) -> list:
    return path.read_text(encoding="ascii").splitlines()


def quietly(fn, *args):
    """Call fn, failing the test if it warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


# --- a fake course, so that the view's text can be checked word for word ---------------------

FAKE = [SimpleNamespace(notebook="00_intro", name="add_one"),
        SimpleNamespace(notebook="01_more", name="double"),
        SimpleNamespace(notebook="01_more", name="halve"),
        SimpleNamespace(notebook="01_more", name="square")]
FAKE_MISTAKES = [("double", SimpleNamespace(id="double.added", message="you added instead of multiplying."))]


@pytest.fixture
def fake_course(monkeypatch):
    monkeypatch.setattr(core, "all_exercises", lambda: list(FAKE))
    monkeypatch.setattr(core, "all_mistakes", lambda: list(FAKE_MISTAKES))


# --- what a record is ------------------------------------------------------------------------

def test_a_check_records_its_exercise_lesson_status_mistake_time_and_course_version(file):
    import helpers

    core.check("to_unit_range", lambda image: image / 255)  # float64: a known mistake
    core.check("to_unit_range", lambda image: image.astype(np.float32) / 255)
    first, second = read_records(file)
    assert first["exercise"] == "to_unit_range" and first["notebook"] == "00_how_katas_work"
    assert first["status"] == "incorrect" and first["mistake"] == "to_unit_range.float64"
    assert second["status"] == "correct" and second["mistake"] is None
    assert first["course"] == helpers.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert isinstance(first["seconds"], float)
    assert list(first) == ["progress", "time", "course", "notebook", "exercise", "status",
                           "mistake", "seconds"]


def test_each_record_is_one_line_of_ascii_json(file):
    record("07_saving_results", "safe_label_dirname", result("incorrect", "x.\u00e9"))
    (line,) = lines(file)
    assert line.startswith('{"progress": 1, ') and json.loads(line)["mistake"] == "x.\u00e9"


def test_a_notebooks_file_name_is_never_recorded(file, tmp_path, monkeypatch):
    """What makes renaming, copying and regenerating a notebook harmless: a record names the
    exercise and its lesson from the registry, not the file the check ran in."""
    for cwd in (tmp_path, ROOT / "katas"):
        monkeypatch.chdir(cwd)
        core.check("to_unit_range", lambda image: image.astype(np.float32) / 255)
    a, b = read_records(file)
    assert {k: v for k, v in a.items() if k not in ("time", "seconds")} == \
           {k: v for k, v in b.items() if k not in ("time", "seconds")}
    assert "ipynb" not in file.read_text()


def test_copies_and_renamed_notebooks_in_kernels_record_the_same_exercise(file, tmp_path):
    """Two notebooks, one renamed copy in another folder, each checked in its own kernel (the
    kernels inherit CNN_KATAS_PROGRESS): both records name the exercise and its lesson."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
                                       "import numpy as np\nfrom helpers import check"),
             nbformat.v4.new_code_cell('check("to_unit_range", lambda image: image.astype(np.float32) / 255)')]
    for folder, name in ((tmp_path / "a", "00_how_katas_work.ipynb"), (tmp_path / "b c", "my copy (2).ipynb")):
        folder.mkdir()
        nb = nbformat.v4.new_notebook(cells=cells)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
        nbformat.write(nb, folder / name)
    records = read_records(file)
    assert [(r["notebook"], r["exercise"], r["status"]) for r in records] == \
           [("00_how_katas_work", "to_unit_range", "correct")] * 2


# --- where the file is -----------------------------------------------------------------------

def test_the_file_is_in_the_learners_own_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert progress_file() == tmp_path / "home/.local/share/cnn-output-katas/progress.jsonl"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert progress_file() == tmp_path / "xdg/cnn-output-katas/progress.jsonl"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # the XDG spec: ignored unless absolute
    assert progress_file() == tmp_path / "home/.local/share/cnn-output-katas/progress.jsonl"


def test_the_default_file_is_named_in_the_view(monkeypatch, tmp_path, fake_course):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert str(progress()).endswith(
        "Kept on this computer only, in ~/.local/share/cnn-output-katas/progress.jsonl.")
    monkeypatch.setenv(ENV, str(tmp_path / "elsewhere.jsonl"))
    assert str(progress()).endswith("Kept on this computer only, in ~/elsewhere.jsonl.")
    monkeypatch.setenv(ENV, str(tmp_path / "progress-{pid}.jsonl"))  # tests, CI, the course build
    assert str(progress()).endswith(
        'Kept on this computer only, in a file of this kernel\'s own (the README, "Your progress", '
        'says where).')


def test_pid_in_the_setting_gives_each_process_its_own_file(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, str(tmp_path / "progress-{pid}.jsonl"))
    assert progress_file() == tmp_path / f"progress-{os.getpid()}.jsonl"
    record("00_how_katas_work", "to_unit_range", result())
    assert [p.name for p in tmp_path.iterdir()] == [f"progress-{os.getpid()}.jsonl"]


def test_off_records_nothing_and_the_view_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, "off")
    monkeypatch.chdir(tmp_path)
    assert progress_file() is None
    record("00_how_katas_work", "to_unit_range", result())
    core.check("to_unit_range", lambda image: image.astype(np.float32) / 255)
    assert list(tmp_path.iterdir()) == []
    view = progress()
    assert view.off and str(view) == "Your progress is not recorded here (CNN_KATAS_PROGRESS=off)."
    assert "not recorded" in view._repr_html_()


# --- what it survives ------------------------------------------------------------------------

def test_resetting_a_kata_keeps_what_was_correct(file, fake_course):
    """A reset kata run top to bottom checks every exercise blank: "not attempted" never undoes
    a correct answer, and is not a step back."""
    record("01_more", "double", result("correct"))
    record("01_more", "double", result("not attempted"))
    view = progress()
    (double,) = [e for e in view.exercises() if e.exercise == "double"]
    assert double.state == "correct" and not double.regressed and view.regressed() == []


def test_a_later_wrong_answer_is_noted_but_does_not_undo_correct(file, fake_course):
    record("01_more", "double", result("correct"))
    record("01_more", "double", result("incorrect", "double.added"))
    view = progress()
    assert view.count("correct") == 1
    assert [(e.exercise, e.message) for e in view.regressed()] == [
        ("double", "you added instead of multiplying.")]


def test_a_course_update_keeps_records_of_exercises_it_no_longer_has(file, fake_course):
    record("03_old", "retired_exercise", result("correct"))
    future = {"progress": 2, "time": "2030-01-01T00:00:00.000Z", "course": "9.0", "exercise": "double",
              "notebook": "04_moved", "status": "correct", "mistake": None, "seconds": 1, "new": [1]}
    with open(file, "a") as handle:
        handle.write(json.dumps(future) + "\n")
    record("00_intro", "add_one", result("incorrect"))
    view = quietly(progress)
    assert view.unknown == 1
    assert [e.state for e in view.exercises()] == ["attempted", "correct", "not started", "not started"]
    assert "1 result for exercises this version of the course does not have: kept, not shown." in str(view)
    assert len(read_records(file)) == 3 and len(lines(file)) == 3  # nothing dropped or rewritten


def test_notebooks_writing_at_once_lose_nothing(file):
    """Four processes append 250 records each, at once."""
    context = multiprocessing.get_context("spawn")  # fork in a threaded pytest can deadlock (Python 3.12 warns)
    start = context.Event()
    workers = [context.Process(target=_append_many, args=(str(file), n, 250, start)) for n in range(4)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    records = read_records(file)
    assert len(lines(file)) == len(records) == 1000
    assert sorted((r["notebook"], r["exercise"]) for r in records) == \
           sorted((f"writer{n}", f"ex{i}") for n in range(4) for i in range(250))
    for n in range(4):  # each writer's records in its own order
        assert [r["exercise"] for r in records if r["notebook"] == f"writer{n}"] == [f"ex{i}" for i in range(250)]


def _append_many(path: str, n: int, count: int, start) -> None:
    os.environ[ENV] = path
    start.wait()
    for i in range(count):
        record(f"writer{n}", f"ex{i}", result("incorrect", f"m.{i}"))


def test_a_foreign_file_found_by_writers_at_once_is_set_aside_once(file):
    file.parent.mkdir(parents=True)
    file.write_text("my notes\n")
    context = multiprocessing.get_context("spawn")  # fork in a threaded pytest can deadlock (Python 3.12 warns)
    start = context.Event()
    workers = [context.Process(target=_append_many, args=(str(file), n, 50, start)) for n in range(3)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    (aside,) = file.parent.glob("progress.jsonl.broken-*")
    assert aside.read_text() == "my notes\n"
    assert len(read_records(file)) == len(lines(file)) == 150


def test_a_last_line_cut_short_is_skipped_silently_and_the_next_record_starts_afresh(file, fake_course):
    record("00_intro", "add_one", result("correct"))
    with open(file, "ab") as handle:  # what a crash in the middle of a write leaves
        handle.write(b'{"progress": 1, "time": "2026-12-01T10:00:00.123Z", "cour')
    assert len(quietly(read_records, file)) == 1
    assert quietly(progress).count("correct") == 1
    quietly(record, "01_more", "double", result("correct"))
    assert len(lines(file)) == 3 and len(read_records(file)) == 2
    assert quietly(progress).count("correct") == 2  # the cut line, now in the middle, is still skipped
    assert list(file.parent.iterdir()) == [file]


def test_a_first_record_cut_a_few_bytes_in_is_still_ours(file):
    file.parent.mkdir(parents=True)
    file.write_bytes(b'{"pro')
    quietly(record, "00_intro", "add_one", result())
    assert len(read_records(file)) == 1 and list(file.parent.iterdir()) == [file]


@pytest.mark.parametrize("content", [b"hello\n", b"[1, 2, 3]\n", b'{"a": 1}\n', b"\x00\xff" * 40000,
                                     b'{"progress": 1, "exercise": 3, "status": "correct"}\n'])
def test_a_foreign_file_is_reported_once_kept_aside_and_started_afresh(file, content):
    file.parent.mkdir(parents=True)
    file.write_bytes(content)
    with pytest.warns(ProgressWarning, match=re.escape(str(file))) as caught:
        record("00_intro", "add_one", result())
    assert len(caught) == 1 and "kept as progress.jsonl.broken-" in str(caught[0].message)
    (aside,) = file.parent.glob("progress.jsonl.broken-*")
    assert aside.read_bytes() == content
    assert len(read_records(file)) == len(lines(file)) == 1
    quietly(record, "00_intro", "add_one", result())  # reported once: the new file is ours
    assert len(read_records(file)) == 2


def test_a_file_corrupt_in_the_middle_is_set_aside_by_the_view_keeping_its_records(file, fake_course):
    record("00_intro", "add_one", result("correct"))
    with open(file, "a") as handle:
        handle.write("<<<<<<< HEAD\n")
    record("01_more", "double", result("correct"))
    original = file.read_bytes()
    with pytest.warns(ProgressWarning, match="line 2 is not a progress record") as caught:
        view = progress()
    assert "the new progress.jsonl holds the 2 records that could be read" in str(caught[0].message)
    assert view.count("correct") == 2
    (aside,) = file.parent.glob("progress.jsonl.broken-*")
    assert aside.read_bytes() == original
    assert len(lines(file)) == 2
    assert quietly(progress).count("correct") == 2  # once: the fresh file is clean


def test_read_records_only_reads(file, tmp_path):
    assert read_records(tmp_path / "missing.jsonl") == []
    record("00_intro", "add_one", result())
    with open(file, "a") as handle:
        handle.write("junk\n")
    before = file.read_bytes()
    assert len(quietly(read_records, file)) == 1
    assert file.read_bytes() == before and list(file.parent.iterdir()) == [file]


def test_record_never_raises_and_warns_once_when_it_cannot_write(monkeypatch, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    monkeypatch.setenv(ENV, str(blocker / "progress.jsonl"))  # a folder that cannot exist
    with pytest.warns(ProgressWarning, match="not being recorded") as caught:
        record("00_intro", "add_one", result())
        record("00_intro", "add_one", result())
        record("00_intro", "add_one", None)  # not even a result: still no exception
    assert len(caught) == 1 and str(blocker) in str(caught[0].message)
    verdict = core.check("to_unit_range", lambda image: image.astype(np.float32) / 255)
    assert verdict.passed  # the check goes on


def test_the_view_of_no_file_is_all_not_started_and_creates_nothing(file, fake_course):
    view = quietly(progress)
    assert [e.state for e in view.exercises()] == ["not started"] * 4
    assert view.next.exercise == "add_one" and not file.parent.exists()


# --- the view --------------------------------------------------------------------------------

def test_the_views_text_for_a_small_history(file, fake_course):
    record("00_intro", "add_one", result("incorrect", "add_one.unknown_id"))
    record("00_intro", "add_one", result("correct"))
    record("01_more", "double", result("error", "generic.timeout"))
    record("01_more", "double", result("incorrect", "double.added"))
    record("01_more", "halve", result("not attempted"))
    record("01_more", "square", result("incorrect"))
    where = "~" + str(file)[len(str(Path.home())):] if str(file).startswith(str(Path.home())) else str(file)
    assert str(progress()) == f"""\
Your progress: 1 of 4 exercises correct, 2 attempted, 1 not started.

notebook  correct  attempted  not started
00_intro      1/1          0            0  \u25cf
01_more       0/3          2            1  \u25d0\u25cb\u25d0
(\u25cf correct, \u25d0 attempted, \u25cb not started)

Attempted, not correct yet (the last check said):
  double (01_more): you added instead of multiplying.
  square (01_more): incorrect; run its check again to see why

Next: double, in 01_more (where your last check was not correct yet). Stuck? hint("double")
Kept on this computer only, in {where}."""


def test_everything_correct_says_so(file, fake_course):
    for e in FAKE:
        record(e.notebook, e.name, result())
    view = progress()
    assert view.next is None and "Every exercise is correct. Well done." in str(view)


def test_the_view_is_html_in_jupyter_with_the_same_facts(file, fake_course):
    record("01_more", "double", result("incorrect", "double.added"))
    record("01_more", "double", result("incorrect", "double.<script>"))
    page = progress()._repr_html_()
    assert "<table" in page and "<code>01_more</code>" in page and "0/3" in page
    assert "incorrect; run its check again to see why" in page
    assert 'Stuck? hint(&quot;add_one&quot;)' in page and "<script>" not in page


def test_the_real_course_in_course_order(file):
    core.check("softmax", lambda logits, axis=-1: np.exp(logits) / np.exp(logits).sum(axis, keepdims=True))
    view = progress()
    assert isinstance(view, Progress)
    assert [nb for nb, _ in view.notebooks] == sorted({e.notebook for e in core.all_exercises()})
    assert len(view.exercises()) == len(core.all_exercises())
    (softmax,) = view.unfinished()
    messages = dict(core.GENERIC_MISTAKES, **{m.id: m.message for _, m in core.all_mistakes()})
    assert softmax.exercise == "softmax" and softmax.message == messages[softmax.last[1]]
    assert view.next.exercise == core.all_exercises()[0].name


def test_progress_is_a_learner_facing_name():
    import helpers

    assert helpers.progress is progress and "progress" in helpers.__all__


def test_class_progress_says_who_is_where(tmp_path):
    from helpers.progress import class_progress

    def line(exercise, notebook, status, mistake=None):
        return json.dumps({"progress": 1, "notebook": notebook, "exercise": exercise, "status": status,
                           "mistake": mistake, "seconds": 0.0, "time": "2026-12-01T10:00:00Z",
                           "course": "0.1.0"}) + "\n"

    (tmp_path / "ana").mkdir()
    (tmp_path / "ana" / "progress.jsonl").write_text(
        line("to_unit_range", "00_how_katas_work", "correct")
        + line("blob_from_image", "01_blob_preprocessing", "incorrect", "blob_from_image.bgr_order"))
    (tmp_path / "ben").mkdir()
    text = class_progress(tmp_path)
    rows = {row.split()[0]: row for row in text.splitlines()[1:]}
    assert "1/31" in rows["ana"] and "blob_from_image (attempted)" in rows["ana"]
    assert "blob_from_image.bgr_order" in rows["ana"]
    assert "no progress file" in rows["ben"]
