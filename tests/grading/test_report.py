"""The class report: exact CSVs, self-contained escaped HTML, safe distinct feedback pages, same bytes twice."""
import csv
import dataclasses
import html
import re
from fractions import Fraction
from urllib.parse import unquote

import pytest

from helpers.grade import report
from helpers.grade.report import feedback_file_names, fixed, mistake_rows, safe_stem, write_report
from helpers.grade.results import (CORRECT, ERROR, INCORRECT, MISSING, NOT_ATTEMPTED, ClassResults,
                                   ExerciseResult)

L1, L2 = "01_blob_preprocessing", "02_logits_and_softmax"
EXERCISES = [(L1, "blob_from_image"), (L1, "imagenet_normalise"), (L2, "softmax"), (L2, "log_softmax")]
SCRIPT = "<script>alert('x')</script>"
ANN = 'Ann "Q", Smith\nJr'
NOBODY = "zed"
LEARNERS = sorted([SCRIPT, ANN, "a/b", "a_b", NOBODY])
NB1, NB2 = "{who}/01_blob_preprocessing.ipynb", "{who}/02_logits_and_softmax.ipynb"
MESSAGES = {
    "wrong_mean": 'the mean was subtracted from "0-255" pixels & <not> scaled',
    "no_max_shift": "your softmax returns nan for logits near 1000: subtract the row maximum first",
    "bgr_order": "channels in BGR order, <the model> wants RGB",
    "wrong_axis": "softmax over the wrong axis: each row must sum to 1",
    "raised": "your function raised ZeroDivisionError",
}
HINTS = {"blob_from_image": "resize, then swap <B> & <R>", "imagenet_normalise": "mean first, then std",
         "softmax": "subtract the max of each row", "log_softmax": "log of a sum: use logsumexp"}

# learner -> the (status, mistake, message, seconds) of each exercise, in course order
PLAN = {
    SCRIPT: [(CORRECT, "", "correct", 0.3),
             (INCORRECT, "wrong_mean", "mean subtracted: got 103.9, expected 0.48 <here>", 0.1),
             (INCORRECT, "no_max_shift", MESSAGES["no_max_shift"], 1.0),
             (ERROR, "raised", 'ZeroDivisionError: "x" & <y>', 12.4)],
    ANN: [(CORRECT, "", "correct", 0.2), (INCORRECT, "wrong_mean", MESSAGES["wrong_mean"], 0.1),
          (CORRECT, "", "correct", 0.0), (NOT_ATTEMPTED, "", "not attempted, yet", 0.0)],
    "a/b": [(INCORRECT, "bgr_order", MESSAGES["bgr_order"], 0.5), (NOT_ATTEMPTED, "", "", 0.0),
            (INCORRECT, "no_max_shift", "nan, again", 0.4), (CORRECT, "", "correct", 0.1)],
    "a_b": [(MISSING, "", "lesson not handed in", 0.0), (MISSING, "", "lesson not handed in", 0.0),
            (INCORRECT, "wrong_axis", "rows sum to 3.0, not 1", 0.2),
            (INCORRECT, "a_sign", "log_softmax, multi-line:\nthe sign is wrong, \"-\" missing", 0.2)],
    NOBODY: [(MISSING, "", "lesson not handed in", 0.0)] * 4,
}


def _result(learner, index, plan):
    lesson, exercise = EXERCISES[index]
    status, mistake, message, seconds = plan
    notebook = "" if status == MISSING else (NB1 if lesson == L1 else NB2).format(who=learner)
    return ExerciseResult(learner, notebook, lesson, exercise, status, mistake, message, seconds)


def make_class(**changes):
    """Five learners, two lessons, four exercises, every status, hostile names and messages."""
    results = [_result(learner, i, plan) for learner in LEARNERS for i, plan in enumerate(PLAN[learner])]
    fields = dict(
        layout="one folder per learner", source="/srv/class <2024> & co", exercises=list(EXERCISES),
        learners=list(LEARNERS), results=results,
        notes={ANN: ["two notebooks for 02_logits_and_softmax: used 02_logits_and_softmax-Copy1.ipynb, "
                     "the most recently modified"],
               "a/b": "a/b/03_top_k.ipynb could not be read: <bad JSON> & more"},
        protections={"time": "CPU time limit of 60 s per learner", "network": "a network namespace of its own",
                     "memory": "2 GiB of address space"},
        mistake_messages=dict(MESSAGES), hints=dict(HINTS),
        ignored=["zed/notes.txt", "a_b/99_extra.ipynb"])
    fields.update(changes)
    return ClassResults(**fields)


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def section(html_text, heading):
    """The HTML from the <h2> containing ``heading`` to the next <h2>."""
    start = html_text.index(heading)
    end = html_text.find("<h2>", start)
    return html_text[start:end if end > 0 else len(html_text)]


@pytest.fixture
def written(tmp_path):
    out = tmp_path / "report"
    files = write_report(make_class(), out)
    return out, files


# --------------------------------------------------------------------------- #
# The files
# --------------------------------------------------------------------------- #
def test_writes_exactly_the_report_files_sorted(written):
    out, files = written
    pages = feedback_file_names(LEARNERS)
    expected = [out / name for name in ("grades.csv", "results.csv", "mistakes.csv", "report.html")]
    expected += [out / "feedback" / pages[learner] for learner in LEARNERS]
    assert files == sorted(expected)
    assert sorted(p for p in out.rglob("*") if p.is_file()) == files


def test_grades_csv_exact(written):
    out, _ = written
    text = (out / "grades.csv").read_bytes().decode("utf-8")
    assert text.startswith("learner,blob_from_image,imagenet_normalise,softmax,log_softmax,correct,attempted,total\n")
    assert "\r" not in text
    assert rows_of(out / "grades.csv")[1:] == [
        [SCRIPT, CORRECT, INCORRECT, INCORRECT, ERROR, "1", "4", "4"],
        [ANN, CORRECT, INCORRECT, CORRECT, NOT_ATTEMPTED, "2", "3", "4"],
        ["a/b", INCORRECT, NOT_ATTEMPTED, INCORRECT, CORRECT, "1", "3", "4"],
        ["a_b", MISSING, MISSING, INCORRECT, INCORRECT, "0", "2", "4"],
        [NOBODY, MISSING, MISSING, MISSING, MISSING, "0", "0", "4"],
    ]


def test_results_csv_exact_and_round_trips(written):
    out, _ = written
    rows = rows_of(out / "results.csv")
    assert rows[0] == ["learner", "notebook", "exercise", "status", "mistake", "message", "seconds"]
    assert len(rows) == 1 + len(LEARNERS) * len(EXERCISES)
    assert rows[1] == [SCRIPT, f"{SCRIPT}/01_blob_preprocessing.ipynb", "blob_from_image", CORRECT, "",
                       "correct", "0"]
    assert rows[4] == [SCRIPT, f"{SCRIPT}/02_logits_and_softmax.ipynb", "log_softmax", ERROR, "raised",
                       'ZeroDivisionError: "x" & <y>', "12"]
    assert rows[7] == [ANN, f"{ANN}/02_logits_and_softmax.ipynb", "softmax", CORRECT, "", "correct", "0"]
    assert rows[13] == ["a_b", "", "blob_from_image", MISSING, "", "lesson not handed in", "0"]
    assert rows[16][5] == "log_softmax, multi-line:\nthe sign is wrong, \"-\" missing"
    assert [row[0] for row in rows[1:]] == [learner for learner in LEARNERS for _ in EXERCISES]


def test_mistakes_csv_counts_shares_order_and_ties(written):
    out, _ = written
    assert rows_of(out / "mistakes.csv") == [
        ["exercise", "mistake", "learners", "share", "message"],
        ["imagenet_normalise", "wrong_mean", "2", "1.00", MESSAGES["wrong_mean"]],   # 2 of 2 attempted
        ["softmax", "no_max_shift", "2", "0.50", MESSAGES["no_max_shift"]],          # 2 of 4
        ["blob_from_image", "bgr_order", "1", "0.33", MESSAGES["bgr_order"]],        # 1 of 3
        ["softmax", "wrong_axis", "1", "0.25", MESSAGES["wrong_axis"]],
        # same count, same exercise: by id; "a_sign" has no message in the dict: its result's own
        ["log_softmax", "a_sign", "1", "0.33", "log_softmax, multi-line:\nthe sign is wrong, \"-\" missing"],
        ["log_softmax", "raised", "1", "0.33", MESSAGES["raised"]],
    ]


def _one_exercise_class(plans):
    """A class of one exercise: learner i gets plans[i] = (status, mistake, message)."""
    learners = [f"learner{i:02d}" for i in range(len(plans))]
    results = [ExerciseResult(who, "x.ipynb", L2, "softmax", status, mistake, message, 0.0)
               for who, (status, mistake, message) in zip(learners, plans)]
    return ClassResults("flat", "src", [(L2, "softmax")], learners, results)


def test_mistake_message_falls_back_to_most_common_then_alphabetical():
    plans = [(INCORRECT, "m1", "zeta"), (INCORRECT, "m1", "beta"), (INCORRECT, "m1", "zeta"),
             (INCORRECT, "m2", "gamma"), (INCORRECT, "m2", "alpha"), (CORRECT, "", "")]
    rows = mistake_rows(_one_exercise_class(plans))
    assert [(r.mistake, r.learners, r.attempted, r.message) for r in rows] == [
        ("m1", 3, 6, "zeta"), ("m2", 2, 6, "alpha")]


def test_share_never_exceeds_one_and_rounds_half_up():
    rows = mistake_rows(_one_exercise_class([(NOT_ATTEMPTED, "odd", "a mistake on a blank answer")]))
    assert fixed(rows[0].share, 2) == "1.00"
    assert fixed(Fraction(1, 8), 2) == "0.13" and fixed(Fraction(2, 3), 2) == "0.67"
    assert fixed(Fraction(0), 2) == "0.00" and fixed(Fraction(1), 2) == "1.00"


# --------------------------------------------------------------------------- #
# Determinism and the folder
# --------------------------------------------------------------------------- #
def _contents(out):
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_class_same_bytes_whatever_the_dict_order(tmp_path):
    write_report(make_class(), tmp_path / "one")
    write_report(make_class(), tmp_path / "two")
    reordered = make_class()
    reordered = dataclasses.replace(
        reordered, notes=dict(reversed(list(reordered.notes.items()))),
        protections=dict(reversed(list(reordered.protections.items()))),
        hints=dict(reversed(list(reordered.hints.items()))),
        mistake_messages=dict(reversed(list(reordered.mistake_messages.items()))),
        ignored=list(reversed(reordered.ignored)))
    write_report(reordered, tmp_path / "three")
    one = _contents(tmp_path / "one")
    assert one == _contents(tmp_path / "two") == _contents(tmp_path / "three")
    assert len(one) == 4 + len(LEARNERS)


def test_foreign_files_are_left_alone_and_our_own_overwritten(tmp_path):
    out = tmp_path / "report"
    (out / "feedback").mkdir(parents=True)
    (out / "instructor notes.txt").write_text("mine")
    (out / "feedback" / "old learner.html").write_text("from last year")
    (out / "grades.csv").write_text("stale")
    write_report(make_class(), out)
    assert (out / "instructor notes.txt").read_text() == "mine"
    assert (out / "feedback" / "old learner.html").read_text() == "from last year"
    assert (out / "grades.csv").read_text().startswith("learner,")


def test_out_that_is_a_file_is_refused_by_name(tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=re.escape(str(blocker))):
        write_report(make_class(), blocker)
    assert blocker.read_text() == "not a folder"


def test_an_empty_class_still_writes_a_report(tmp_path):
    files = write_report(ClassResults("flat", "empty", list(EXERCISES), [], []), tmp_path / "out")
    assert [p.name for p in files] == ["grades.csv", "mistakes.csv", "report.html", "results.csv"]
    assert "Every learner handed in" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- #
# Inconsistent results are named
# --------------------------------------------------------------------------- #
def _without(results, index):
    return results[:index] + results[index + 1:]


@pytest.mark.parametrize("change, fault", [
    (lambda c: dict(results=c.results + [dataclasses.replace(c.results[0], learner="ghost")]), "'ghost'"),
    (lambda c: dict(results=c.results + [dataclasses.replace(c.results[0], exercise="top_k")]), "'top_k'"),
    (lambda c: dict(results=c.results + [c.results[1]]), "two results for exercise 'imagenet_normalise'"),
    (lambda c: dict(results=_without(c.results, 5)), "no result for exercise 'imagenet_normalise'"),
    (lambda c: dict(results=[dataclasses.replace(c.results[0], status="passed")] + c.results[1:]), "'passed'"),
    (lambda c: dict(exercises=c.exercises + [("03_top_k", "softmax")]), "['softmax']"),
])
def test_inconsistent_results_are_refused_with_the_fault_named(tmp_path, change, fault):
    base = make_class()
    with pytest.raises(ValueError, match=re.escape(fault)):
        write_report(make_class(**change(base)), tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- #
# report.html
# --------------------------------------------------------------------------- #
def _report(out):
    return (out / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(written):
    page = _report(written[0])
    for external in ('src="http', "src='http", "<link", "<script", "http://", "https://", "url(", "@import",
                     "<img", "<iframe"):
        assert external not in page.lower(), external
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<svg" in page


def test_report_escapes_names_and_messages(written):
    page = _report(written[0])
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert html_escaped(MESSAGES["wrong_mean"]) in page
    assert "/srv/class &lt;2024&gt; &amp; co" in page


def html_escaped(text):
    return html.escape(text, quote=True)


def test_report_header_names_source_layout_learners_and_protections(written):
    page = _report(written[0])
    assert "<title>Class report: /srv/class &lt;2024&gt; &amp; co</title>" in page
    assert "one folder per learner" in page and "<dd>5</dd>" in page
    sandbox = section(page, "Sandbox")
    assert [kind for kind in ("network", "memory", "time") if f"<td>{kind}</td>" in sandbox] == [
        "network", "memory", "time"]
    assert sandbox.index("network") < sandbox.index("memory") < sandbox.index("time")
    assert "a network namespace of its own" in sandbox and "CPU time limit of 60 s" in sandbox


def test_report_pass_rate_chart_has_every_exercise_grouped_by_lesson(written):
    chart = section(_report(written[0]), "Pass rate per exercise")
    assert "<svg" in chart and 'class="explain"' in chart
    assert chart.index(L1) < chart.index("blob_from_image") < chart.index("imagenet_normalise") \
        < chart.index(L2) < chart.index(">softmax<") < chart.index("log_softmax")
    # blob_from_image: 2 of 5 correct; softmax: 1 of 5; the bar is 360 px at 100 %
    assert "40% \u00b7 2 of 5" in chart and 'width="144.0"' in chart
    assert "20% \u00b7 1 of 5" in chart and 'width="72.0"' in chart
    assert "0% \u00b7 0 of 5" in chart


def test_report_lists_the_ten_most_common_mistakes_only(tmp_path):
    # mistake m00 by three learners, m01 by two, then m02..m11 by one each: m10 and m11 fall off
    plans = ([(INCORRECT, "m00", "zero")] * 3 + [(INCORRECT, "m01", "one <1>")] * 2
             + [(INCORRECT, f"m{i:02d}", f"message {i}") for i in range(2, 12)])
    write_report(_one_exercise_class(plans), tmp_path)
    top = section(_report(tmp_path), "most common mistakes")
    shown = re.findall(r"<code>(m\d\d)</code>", top)
    assert shown == [f"m{i:02d}" for i in range(10)]
    assert "one &lt;1&gt;" in top and "20%" in top  # m00: 3 of 15
    assert "10 of 12 shown" in top
    assert len(rows_of(tmp_path / "mistakes.csv")) == 1 + 12


def test_report_heat_map_has_one_cell_per_result_with_tooltips_and_a_legend(written):
    heat = section(_report(written[0]), "Every learner, every exercise")
    cells = re.findall(r'<td class="cell (s-[a-z-]+)[^"]*" title="([^"]*)">', heat)
    assert len(cells) == len(LEARNERS) * len(EXERCISES)
    assert {css for css, _ in cells} == {"s-correct", "s-incorrect", "s-error", "s-not-attempted", "s-missing"}
    tooltip = dict(enumerate(title for _, title in cells))[3]  # SCRIPT, log_softmax
    assert "error" in tooltip and "mistake: raised" in tooltip
    assert "ZeroDivisionError: &quot;x&quot; &amp; &lt;y&gt;" in tooltip
    for status in (CORRECT, INCORRECT, NOT_ATTEMPTED, ERROR, MISSING):
        assert f"<b>{status}</b>" in heat  # the legend
    assert "#009E73" in _report(written[0])  # Okabe-Ito


def test_report_links_every_learner_to_an_existing_feedback_page(written):
    out, _ = written
    heat = section(_report(out), "Every learner, every exercise")
    hrefs = re.findall(r'<a href="(feedback/[^"]+)">', heat)
    assert len(hrefs) == len(LEARNERS)
    assert all((out / unquote(href)).is_file() for href in hrefs)


def test_report_names_who_handed_in_nothing_the_notes_and_ignored_files(written):
    page = _report(written[0])
    assert re.search(r'<li><a href="feedback/zed.html">zed</a></li>', section(page, "Handed in nothing"))
    notes = section(page, "Notes on the hand-ins")
    assert "02_logits_and_softmax-Copy1.ipynb" in notes and "&lt;bad JSON&gt; &amp; more" in notes
    ignored = section(page, "Files ignored")
    assert ignored.index("a_b/99_extra.ipynb") < ignored.index("zed/notes.txt")


def test_report_says_so_when_nothing_to_list(tmp_path):
    write_report(_one_exercise_class([(CORRECT, "", "")]), tmp_path)
    page = _report(tmp_path)
    assert "Every learner handed in at least one notebook" in page
    assert "No learner made a mistake" in page and "no sandbox protections" in page
    assert "Every file seen belonged to a lesson" in page


# --------------------------------------------------------------------------- #
# Feedback pages and their names
# --------------------------------------------------------------------------- #
def test_feedback_pages_show_status_message_hint_notebook_and_notes(written):
    out, _ = written
    pages = feedback_file_names(LEARNERS)
    script = (out / "feedback" / pages[SCRIPT]).read_text(encoding="utf-8")
    assert "<title>Feedback for &lt;script&gt;" in script and "<script" not in script
    assert "mean subtracted: got 103.9, expected 0.48 &lt;here&gt;" in script  # the message it saw
    assert "resize, then swap &lt;B&gt; &amp; &lt;R&gt;" in script  # the hint
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;/01_blob_preprocessing.ipynb" in script
    assert script.index(L1) < script.index("imagenet_normalise") < script.index(L2) < script.index("log_softmax")
    assert "1 of 4 exercises correct, 4 attempted" in script
    ann = (out / "feedback" / pages[ANN]).read_text(encoding="utf-8")
    assert "02_logits_and_softmax-Copy1.ipynb" in ann and "not attempted, yet" in ann
    nobody = (out / "feedback" / pages[NOBODY]).read_text(encoding="utf-8")
    assert nobody.count("No notebook of this lesson was handed in") == 2
    assert 'src="http' not in nobody and "<link" not in nobody


def test_clashing_learner_names_get_distinct_stable_files(written):
    out, _ = written
    pages = feedback_file_names(LEARNERS)
    assert len(set(pages.values())) == len(LEARNERS)
    assert all(re.fullmatch(r"a_b-[0-9a-f]{8}\.html", pages[who]) for who in ("a/b", "a_b"))
    assert pages[NOBODY] == "zed.html" and pages[ANN] == "Ann _Q__ Smith_Jr.html"
    assert "a/b" in (out / "feedback" / pages["a/b"]).read_text(encoding="utf-8")
    assert feedback_file_names(list(reversed(LEARNERS))) == pages
    # case-insensitive disks: "Ann" and "ann" are one file there
    folded = feedback_file_names(["Ann", "ann", "Bob"])
    assert len({name.casefold() for name in folded.values()}) == 3 and folded["Bob"] == "Bob.html"


def test_a_suffixed_name_never_lands_on_another_learners_name():
    clash = feedback_file_names(["a/b", "a_b"])
    taken = clash["a/b"][:-len(".html")]  # a learner whose own name is that file name
    names = feedback_file_names(["a/b", "a_b", taken])
    assert len({name.casefold() for name in names.values()}) == 3


@pytest.mark.parametrize("learner, stem", [
    ("Ada Lovelace", "Ada Lovelace"), ("a/b", "a_b"), ("..hidden", "__hidden"), (".", "_"), ("", "_"),
    ("tabby.", "tabby_"), ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("José", "Jos_"), ("x" * 200, "x" * 80),
    ("tab\tname", "tab_name"), ("a\\b:c", "a_b_c"),
])
def test_safe_stem(learner, stem):
    assert safe_stem(learner) == stem
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._ -]*", safe_stem(learner))


def test_lesson_headings_over_the_heat_map_fit_their_columns(written):
    assert report.lesson_label("02_logits_and_softmax", 1) == "02"
    assert report.lesson_label("02_logits_and_softmax", 6) == "02_logits_and_softmax"
    assert report.lesson_label("extras_without_a_number", 2) == "extras\u2026"
    heat = section(_report(written[0]), "Every learner, every exercise")
    assert f'colspan="2" title="{L1}">{L1[:2]}</th>' in heat
