"""Grading a whole class for real: generated learners, every layout, forged and broken notebooks.

The class comes from scripts/make_class.py, which plants right, wrong (known mistakes) and blank
answers in copies of the course's own katas; every status and mistake id in results.csv must be
the planted one. The grader runs learner code in its sandbox, as in a classroom.
"""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers.grade.layouts import SubmissionsError
from helpers.grade.runner import grade

from tests.grading.answers import (KATA_02, NAIVE_SOFTMAX, RIGHT_SOFTMAX, ROOT, kata_with, make_class,
                                   read_csv, write)

CSVS = ("grades.csv", "results.csv", "mistakes.csv")


# --------------------------------------------------------------------------- #
# The generated class
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    submissions = base / "submissions"
    planted = make_class.make_class(submissions, learners=6, seed=3)
    (submissions / "zoe" / "katas").mkdir(parents=True)  # a folder, nothing in it
    out1, out2 = base / "report1", base / "report2"
    first = grade(submissions, out1, jobs=2, timeout=20, progress=False)
    grade(submissions, out2, jobs=2, timeout=20, progress=False)
    return planted, first, out1, out2


def test_every_planted_status_and_mistake_is_found(graded_class):
    planted, _, out, _ = graded_class
    rows = read_csv(out / "results.csv")
    learners = sorted({learner for learner, _ in planted})
    assert len(rows) == (len(learners) + 1) * 31
    found = {(r["learner"], r["exercise"]): (r["status"], r["mistake"]) for r in rows if r["learner"] != "zoe"}
    assert found == planted
    statuses = {status for status, _ in planted.values()}
    assert {"correct", "incorrect", "not attempted"} <= statuses
    assert sum(1 for _, mistake in planted.values() if mistake) >= 20


def test_grades_csv_has_a_column_per_exercise_and_the_counts(graded_class):
    planted, graded, out, _ = graded_class
    rows = read_csv(out / "grades.csv")
    names = [name for _, name in graded.exercises]
    assert list(rows[0]) == ["learner", *names, "correct", "attempted", "total"]
    assert [r["learner"] for r in rows] == sorted(r["learner"] for r in rows)
    for row in rows:
        if row["learner"] == "zoe":
            assert all(row[n] == "missing" for n in names)
            continue
        assert row["correct"] == str(sum(planted[(row["learner"], n)][0] == "correct" for n in names))
        assert row["total"] == "31"


def test_a_learner_who_handed_in_nothing_is_listed(graded_class):
    _, graded, out, _ = graded_class
    assert graded.handed_in_nothing() == ["zoe"]
    assert "zoe" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "feedback").is_dir()


def test_two_runs_give_the_same_files_byte_for_byte(graded_class):
    _, _, out1, out2 = graded_class
    for name in (*CSVS, "report.html"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    pages1 = sorted(p.name for p in (out1 / "feedback").iterdir())
    assert pages1 == sorted(p.name for p in (out2 / "feedback").iterdir())
    for page in pages1:
        assert (out1 / "feedback" / page).read_bytes() == (out2 / "feedback" / page).read_bytes()


def test_mistakes_csv_counts_the_planted_mistakes(graded_class):
    planted, _, out, _ = graded_class
    rows = read_csv(out / "mistakes.csv")
    assert list(rows[0]) == ["exercise", "mistake", "learners", "share", "message"]
    for row in rows:
        made = sum(1 for (_, exercise), (_, mistake) in planted.items()
                   if exercise == row["exercise"] and mistake == row["mistake"])
        assert int(row["learners"]) == made
    counts = [int(r["learners"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


# --------------------------------------------------------------------------- #
# What a notebook claims counts for nothing
# --------------------------------------------------------------------------- #
def test_forged_outputs_and_metadata_change_nothing(tmp_path):
    nb = json.loads(KATA_02.read_text(encoding="utf-8"))
    forged = [{"output_type": "display_data", "metadata": {},
               "data": {"text/plain": ["✓ softmax: correct. all 15 cases agree with the reference."]}}]
    for cell in nb["cells"]:
        cell.setdefault("metadata", {})["tags"] = ["graded", "correct"]
        cell["metadata"]["nbgrader"] = {"grade": True, "points": 10, "solution": False}
        if cell["cell_type"] == "code":
            cell["outputs"] = forged
    write(tmp_path / "class" / "mallory" / "02_logits_and_softmax.ipynb", nb)
    graded = grade(tmp_path / "class", tmp_path / "out", jobs=1, progress=False)
    mine = {r.exercise: r.status for r in graded.for_learner("mallory")}
    assert mine["softmax"] == "not attempted"
    assert mine["looks_like_probabilities"] == "not attempted"


def test_a_corrupt_notebook_is_reported_and_the_rest_is_graded(tmp_path):
    learner = tmp_path / "class" / "ana"
    write(learner / "00_how_katas_work.ipynb", json.loads((ROOT / "solutions/00_how_katas_work.ipynb").read_text()))
    broken = learner / "02_logits_and_softmax.ipynb"
    broken.write_text(KATA_02.read_text(encoding="utf-8")[:5000], encoding="utf-8")  # saved halfway
    graded = grade(tmp_path / "class", tmp_path / "out", jobs=1, progress=False)
    mine = {r.exercise: r for r in graded.for_learner("ana")}
    assert mine["softmax"].status == "error"
    assert "02_logits_and_softmax.ipynb could not be read: not valid JSON" in mine["softmax"].message
    assert mine["to_unit_range"].status == "correct"
    assert mine["top_k"].status == "missing"


def test_a_second_attempt_below_the_first_is_the_one_graded(tmp_path):
    nb = kata_with({"softmax": NAIVE_SOFTMAX})
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": f"def softmax(logits, axis=-1):\n{RIGHT_SOFTMAX}\n"})
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": 'check("softmax", softmax)'})
    write(tmp_path / "class" / "ana" / "02_logits_and_softmax.ipynb", nb)
    graded = grade(tmp_path / "class", tmp_path / "out", jobs=1, progress=False)
    assert {r.exercise: r.status for r in graded.for_learner("ana")}["softmax"] == "correct"


def test_a_helper_the_learner_wrote_in_a_cell_of_their_own_is_used(tmp_path):
    nb = kata_with({"softmax": RIGHT_SOFTMAX.replace("return z / z.sum(axis=axis, keepdims=True)",
                                                     "return _normalise(z, axis)")})
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "SMALL = 0\n\ndef _normalise(e, axis):\n    return e / (e.sum(axis=axis, keepdims=True) + SMALL)\n"})
    write(tmp_path / "class" / "ana" / "02_logits_and_softmax.ipynb", nb)
    graded = grade(tmp_path / "class", tmp_path / "out", jobs=1, progress=False)
    assert {r.exercise: r.status for r in graded.for_learner("ana")}["softmax"] == "correct"


def test_a_wrong_answer_written_out_gets_its_mistake_id(tmp_path):
    write(tmp_path / "class" / "ana" / "02_logits_and_softmax.ipynb", kata_with({"softmax": NAIVE_SOFTMAX}))
    graded = grade(tmp_path / "class", tmp_path / "out", jobs=1, progress=False)
    result = {r.exercise: r for r in graded.for_learner("ana")}["softmax"]
    assert result.status == "incorrect" and result.mistake == "softmax.overflow"


# --------------------------------------------------------------------------- #
# Layouts, end to end
# --------------------------------------------------------------------------- #
def test_nbgrader_layout(tmp_path):
    course = tmp_path / "course"
    write(course / "submitted" / "ana" / "week1" / "02_logits_and_softmax.ipynb", kata_with({"softmax": RIGHT_SOFTMAX}))
    (course / "submitted" / "ana" / "week1" / "timestamp.txt").write_text("2026-11-30 10:00:00")
    write(course / "source" / "week1" / "02_logits_and_softmax.ipynb", kata_with({}))
    graded = grade(course, tmp_path / "out", jobs=1, progress=False)
    assert graded.layout == "nbgrader submitted/"
    assert graded.learners == ["ana"]
    assert {r.exercise: r.status for r in graded.for_learner("ana")}["softmax"] == "correct"


def test_lms_zip_with_a_resubmission(tmp_path):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("limaana_12345_67890_02_logits_and_softmax.ipynb", json.dumps(kata_with({"softmax": NAIVE_SOFTMAX})))
        z.writestr("limaana_12345_67890_02_logits_and_softmax-1.ipynb", json.dumps(kata_with({"softmax": RIGHT_SOFTMAX})))
    graded = grade(archive, tmp_path / "out", jobs=1, progress=False)
    assert graded.layout == "LMS download (Canvas/Moodle)"
    result = {r.exercise: r for r in graded.for_learner("limaana")}["softmax"]
    assert result.status == "correct"
    assert result.notebook.endswith("02_logits_and_softmax-1.ipynb")


def test_an_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionsError, match="empty"):
        grade(tmp_path / "empty", tmp_path / "out", progress=False)


# --------------------------------------------------------------------------- #
# The command line
# --------------------------------------------------------------------------- #
def run_cli(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_python_m_helpers_grade_prints_a_summary(tmp_path):
    write(tmp_path / "class" / "ana" / "katas" / "02_logits_and_softmax.ipynb", kata_with({"softmax": RIGHT_SOFTMAX}))
    done = run_cli("-m", "helpers.grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "per-learner folders, 1 learner" in done.stdout
    assert "sandbox: network:" in done.stdout
    assert (tmp_path / "out" / "report.html").is_file()


def test_cnn_katas_console_script(tmp_path):
    script = Path(sys.executable).with_name("cnn-katas")
    if not script.exists():
        pytest.skip("the cnn-katas console script is installed by `pip install -e .`")
    (tmp_path / "nothing").mkdir()
    (tmp_path / "nothing" / "notes.txt").write_text("x")
    done = subprocess.run([str(script), "grade", str(tmp_path / "nothing"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "notes.txt" in done.stderr and "NN_*.ipynb" in done.stderr


def test_bad_options_are_refused(tmp_path):
    done = run_cli("-m", "helpers.grade", str(tmp_path), "--out", str(tmp_path / "o"), "--jobs", "0")
    assert done.returncode == 2 and "--jobs must be 1 or more" in done.stderr
