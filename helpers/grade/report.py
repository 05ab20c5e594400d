"""The class report: a graded class as three CSV files, one HTML page for the instructor and one
feedback page per learner.

    write_report(results, out)   # -> the files written, sorted

writes into the folder ``out``::

    grades.csv          one row per learner: the status of every exercise, then the counts
    results.csv         one row per learner and exercise: status, mistake id, message, seconds
    mistakes.csv        every named mistake any learner made, most frequent first
    report.html         the class at a glance (pass rates, common mistakes, a heat map)
    feedback/<learner>.html   what each learner got right and wrong, with the hints

Every page is one self-contained file (CSS inline, charts as hand-written SVG), every text is
escaped, and the same ClassResults gives the same bytes in every file.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from ..saving import WINDOWS_RESERVED
from .results import (ATTEMPTED, CORRECT, ERROR, GRADE_STATUSES, INCORRECT, MISSING, NOT_ATTEMPTED,
                      ClassResults)

GRADES_CSV = "grades.csv"
RESULTS_CSV = "results.csv"
MISTAKES_CSV = "mistakes.csv"
REPORT_HTML = "report.html"
FEEDBACK_DIR = "feedback"

TOP_MISTAKES = 10  # how many mistakes report.html lists
CELL_PX, HEADER_CHAR_PX = 28, 7  # a heat-map column's width; a heading character's (about)
MAX_STEM_CHARS = 80  # a learner's file name before any suffix (and ".html")
SUFFIX_CHARS = (8, 16, 64)  # hex digits of the name's SHA-256 added when two names clash

# Colour, symbol and meaning per status: Okabe-Ito colours (colour-blind safe), and a symbol in
# every cell so that the heat map also reads in black and white.
STATUS_STYLE = {
    CORRECT: ("#009E73", "\u2713", "the check passed"),
    INCORRECT: ("#E69F00", "\u2717", "a wrong answer"),
    ERROR: ("#CC79A7", "!", "the code raised, timed out or was stopped by the sandbox"),
    NOT_ATTEMPTED: ("#E4E4E4", "\u2013", "left blank"),
    MISSING: ("#FFFFFF", "", "the lesson's notebook was not handed in"),
}
BAR_COLOUR = "#0072B2"  # Okabe-Ito blue
PROTECTION_ORDER = ("network", "files", "processes", "memory", "time")

_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9._ -]")

CSS = """
:root { --ink: #1d2330; --muted: #5b6472; --line: #d9dde3; --paper: #ffffff; --band: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--band); color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: var(--paper);
       min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 4px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 6px; }
p.explain { color: var(--muted); margin: 0 0 14px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
              font-size: 0.92em; }
a { color: #0b5ea8; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 14px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; }
table.list { width: 100%; margin: 8px 0; }
table.list th, table.list td { text-align: left; vertical-align: top; padding: 6px 10px;
                               border-bottom: 1px solid var(--line); }
table.list th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.msg { white-space: pre-wrap; overflow-wrap: anywhere; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart text.lesson { font-size: 13px; font-weight: 600; }
svg.chart text.axis, svg.chart text.value { fill: var(--muted); }
svg.chart text.ex { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.scroll { overflow-x: auto; }
table.heat { margin: 8px 0; }
table.heat th, table.heat td { border: 1px solid var(--line); }
table.heat thead th { background: var(--band); font-size: 12px; font-weight: 600; padding: 4px 6px; }
table.heat th.lesson { text-align: center; }
table.heat th.ex { vertical-align: bottom; height: 150px; padding: 6px 2px; width: 28px; max-width: 28px; }
table.heat th.lesson { white-space: nowrap; overflow: hidden; max-width: 1px; }
table.heat th.ex span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
                        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 400; }
table.heat tbody th { text-align: left; font-weight: 400; padding: 3px 10px; white-space: nowrap;
                      max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
table.heat td.cell { width: 28px; min-width: 28px; max-width: 28px; height: 26px; text-align: center;
                     font-weight: 700; color: #111;
                     cursor: default; }
table.heat td.num { padding: 3px 8px; font-size: 13px; }
table.heat .first { border-left: 2px solid #8a929e; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 4px; display: flex; flex-wrap: wrap; gap: 6px 22px; }
ul.legend li { display: flex; align-items: center; gap: 7px; font-size: 14px; }
.swatch { display: inline-block; width: 22px; height: 20px; line-height: 20px; text-align: center;
          font-weight: 700; color: #111; border: 1px solid #9aa1ab; border-radius: 3px; }
.badge { display: inline-block; padding: 0 9px; border-radius: 10px; font-size: 13px; font-weight: 600;
         color: #111; border: 1px solid #9aa1ab; vertical-align: 2px; margin-left: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 10px 0; }
.card .msg { background: var(--band); border-radius: 4px; padding: 8px 10px; margin: 6px 0; }
.card details { margin-top: 6px; }
.card summary { cursor: pointer; color: var(--muted); }
.hint { white-space: pre-wrap; padding: 6px 10px; border-left: 3px solid #56B4E9; margin-top: 4px; }
.small { font-size: 13px; color: var(--muted); }
ul.plain { margin: 6px 0; padding-left: 20px; }
""" + "".join(f".s-{status.replace(' ', '-')} {{ background: {colour}; }}\n"
              for status, (colour, _, _) in STATUS_STYLE.items())


# --------------------------------------------------------------------------- #
# The entry point
# --------------------------------------------------------------------------- #
def write_report(results: ClassResults, out: Path) -> list:
    """Write the class report for ``results`` into the folder ``out``; return the files (sorted Paths).

    ``out`` is created if needed; the report's own files in it are overwritten and nothing
    else there is touched or deleted. ValueError if ``results`` is inconsistent (a result for
    an unknown learner or exercise, a missing or doubled result, an unknown status).
    """
    check_consistent(results)
    out = Path(out)
    _make_folder(out)
    _make_folder(out / FEEDBACK_DIR)
    pages = feedback_file_names(results.learners)
    files = {
        out / GRADES_CSV: grades_csv(results),
        out / RESULTS_CSV: results_csv(results),
        out / MISTAKES_CSV: mistakes_csv(results),
        out / REPORT_HTML: report_html(results, pages),
    }
    for learner in results.learners:
        files[out / FEEDBACK_DIR / pages[learner]] = feedback_html(results, learner)
    for path, text in files.items():
        path.write_bytes(text.encode("utf-8"))  # bytes: "\n" stays "\n" on every system
    return sorted(files)


def _make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents); a clear error when a file is in the way."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, but the report needs a folder there: "
                                 f"choose another --out folder or move the file away")
    folder.mkdir(parents=True, exist_ok=True)


def check_consistent(results: ClassResults) -> None:
    """ValueError naming the first thing in ``results`` the report cannot be made from.

    Exercise names must be unique (they name the grades.csv columns); every result must name
    a known learner, a known (lesson, exercise) and a known status; every learner must have
    exactly one result per exercise.
    """
    names = [exercise for _, exercise in results.exercises]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ValueError(f"exercise names must be unique across lessons (they name the grades.csv "
                         f"columns), but {doubled} appear in more than one lesson")
    known_exercises = {tuple(pair) for pair in results.exercises}
    known_learners = set(results.learners)
    seen = set()
    for r in results.results:
        key = (r.learner, r.exercise)
        if r.learner not in known_learners:
            raise ValueError(f"a result for {r.exercise!r} names learner {r.learner!r}, who is not in "
                             f"ClassResults.learners: add the learner or drop the result")
        if (r.lesson, r.exercise) not in known_exercises:
            raise ValueError(f"learner {r.learner!r} has a result for ({r.lesson!r}, {r.exercise!r}), "
                             f"which is not in ClassResults.exercises")
        if r.status not in GRADE_STATUSES:
            raise ValueError(f"learner {r.learner!r}, exercise {r.exercise!r}: status {r.status!r} is "
                             f"not one of {list(GRADE_STATUSES)}")
        if key in seen:
            raise ValueError(f"learner {r.learner!r} has two results for exercise {r.exercise!r}: "
                             f"keep one result per learner and exercise")
        seen.add(key)
    for learner in results.learners:
        for _, exercise in results.exercises:
            if (learner, exercise) not in seen:
                raise ValueError(f"learner {learner!r} has no result for exercise {exercise!r}: give "
                                 f"every learner one result per exercise (status {MISSING!r} when the "
                                 f"lesson was not handed in)")


# --------------------------------------------------------------------------- #
# Counting
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class MistakeRow:
    """One named mistake of one exercise: how many learners made it, of how many who attempted it."""

    lesson: str
    exercise: str
    mistake: str
    learners: int
    attempted: int
    message: str

    @property
    def share(self) -> Fraction:
        """learners / attempted, exactly (0 when nobody attempted)."""
        return Fraction(self.learners, self.attempted) if self.attempted else Fraction(0)


def status_table(results: ClassResults) -> dict:
    """{(learner, exercise): ExerciseResult} for every result."""
    return {(r.learner, r.exercise): r for r in results.results}


def counts(statuses: list) -> tuple:
    """(correct, attempted, total) for one learner's statuses (a list of status strings)."""
    correct = sum(status == CORRECT for status in statuses)
    attempted = sum(status in ATTEMPTED for status in statuses)
    return correct, attempted, len(statuses)


def mistake_rows(results: ClassResults) -> list:
    """Every (exercise, mistake id) any learner made, as MistakeRows, most frequent first.

    Ties go in the course order of the exercise, then by id. ``attempted`` counts the learners
    whose status for the exercise is in ATTEMPTED (and anyone who made the mistake, so that a
    share never exceeds 1). The message is ``results.mistake_messages[id]``, else the most
    common message of those results (ties: the alphabetically first).
    """
    order = {exercise: index for index, (_, exercise) in enumerate(results.exercises)}
    lesson_of = {exercise: lesson for lesson, exercise in results.exercises}
    makers, messages, attempted = {}, {}, {}
    for r in results.results:
        if r.status in ATTEMPTED:
            attempted.setdefault(r.exercise, set()).add(r.learner)
        if r.mistake:
            makers.setdefault((r.exercise, r.mistake), set()).add(r.learner)
            messages.setdefault((r.exercise, r.mistake), Counter())[r.message] += 1
    rows = []
    for (exercise, mistake), who in makers.items():
        if mistake in results.mistake_messages:
            message = str(results.mistake_messages[mistake])
        else:
            message = min(messages[exercise, mistake].items(), key=lambda item: (-item[1], item[0]))[0]
        denominator = len(attempted.get(exercise, set()) | who)
        rows.append(MistakeRow(lesson_of[exercise], exercise, mistake, len(who), denominator, message))
    return sorted(rows, key=lambda row: (-row.learners, order[row.exercise], row.mistake))


def pass_rates(results: ClassResults) -> list:
    """[(lesson, exercise, correct learners, all learners)] in course order."""
    correct = Counter(r.exercise for r in results.results if r.status == CORRECT)
    return [(lesson, exercise, correct[exercise], len(results.learners))
            for lesson, exercise in results.exercises]


def lessons(results: ClassResults) -> list:
    """[(lesson, [exercise, ...])] in course order."""
    grouped = []
    for lesson, exercise in results.exercises:
        if not grouped or grouped[-1][0] != lesson:
            grouped.append((lesson, []))
        grouped[-1][1].append(exercise)
    return grouped


def fixed(value: Fraction, decimals: int) -> str:
    """``value`` (a non-negative Fraction) with ``decimals`` decimals, halves rounded up: "0.25"."""
    scale = 10 ** decimals
    units = int(value * scale + Fraction(1, 2))
    if decimals == 0:
        return str(units)
    return f"{units // scale}.{units % scale:0{decimals}d}"


def percent(value: Fraction) -> str:
    """``value`` (a Fraction from 0 to 1) as a whole percentage: "67%"."""
    return fixed(value * 100, 0) + "%"


def notes_of(results: ClassResults, learner: str) -> list:
    """The notes about ``learner``'s hand-in as a list of strings (a single note may be a str)."""
    notes = results.notes.get(learner, [])
    if isinstance(notes, str):
        notes = [notes]
    return [str(note) for note in notes if str(note)]


def protections(results: ClassResults) -> list:
    """[(kind, description)]: network, files, processes, memory, time first, then the rest sorted."""
    known = [kind for kind in PROTECTION_ORDER if kind in results.protections]
    rest = sorted(kind for kind in results.protections if kind not in PROTECTION_ORDER)
    return [(kind, str(results.protections[kind])) for kind in known + rest]


# --------------------------------------------------------------------------- #
# Feedback file names
# --------------------------------------------------------------------------- #
def safe_stem(learner: str) -> str:
    """A readable file-name stem for ``learner`` (str): characters outside ``[A-Za-z0-9._ -]``,
    leading dots, trailing dots and spaces become "_"; a Windows device name ("CON") gets a "_"
    in front; at most MAX_STEM_CHARS characters; never empty."""
    stem = _UNSAFE_CHAR.sub("_", learner)[:MAX_STEM_CHARS]
    stripped = stem.lstrip(".")
    stem = "_" * (len(stem) - len(stripped)) + stripped
    trimmed = stem.rstrip(". ")
    stem = trimmed + "_" * (len(stem) - len(trimmed))
    if not stem or stem.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        stem = "_" + stem
    return stem


def feedback_file_names(learners: list) -> dict:
    """{learner: file name} ("Ada Lovelace.html") for the feedback pages, distinct for distinct learners.

    A name is the learner's safe_stem; learners whose stems clash (ignoring case, as macOS and
    Windows disks do) get "-" and the first hex digits of the SHA-256 of their name added, more
    digits if that still clashes, so a learner's file name depends only on who is in the class.
    """
    names = {learner: safe_stem(learner) for learner in learners}
    for digits in SUFFIX_CHARS:
        clashing = _clashes(names)
        if not clashing:
            break
        for learner in clashing:
            digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:digits]
            names[learner] = f"{safe_stem(learner)}-{digest}"
    if _clashes(names):  # unreachable: the full SHA-256 of distinct names differ
        raise ValueError(f"could not give distinct feedback file names to {sorted(_clashes(names))}")
    return {learner: name + ".html" for learner, name in names.items()}


def _clashes(names: dict) -> list:
    """The learners (sorted) whose file name, case-folded, another learner also has."""
    folded = Counter(name.casefold() for name in names.values())
    return sorted(learner for learner, name in names.items() if folded[name.casefold()] > 1)


# --------------------------------------------------------------------------- #
# The CSV files
# --------------------------------------------------------------------------- #
def to_csv(header: list, rows: list) -> str:
    """``header`` and ``rows`` (lists of str/int) as CSV text with "\\n" line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def grades_csv(results: ClassResults) -> str:
    """grades.csv: learner, one status column per exercise (course order), correct, attempted, total."""
    table = status_table(results)
    exercises = [exercise for _, exercise in results.exercises]
    rows = []
    for learner in results.learners:
        statuses = [table[learner, exercise].status for exercise in exercises]
        rows.append([learner, *statuses, *counts(statuses)])
    return to_csv(["learner", *exercises, "correct", "attempted", "total"], rows)


def results_csv(results: ClassResults) -> str:
    """results.csv: one row per result, in results order; seconds as whole seconds ("0": under one)."""
    rows = [[r.learner, r.notebook, r.exercise, r.status, r.mistake, r.message, f"{int(r.seconds)}"]
            for r in results.results]
    return to_csv(["learner", "notebook", "exercise", "status", "mistake", "message", "seconds"], rows)


def mistakes_csv(results: ClassResults) -> str:
    """mistakes.csv: exercise, mistake, learners, share (of those who attempted, "0.25"), message."""
    rows = [[row.exercise, row.mistake, row.learners, fixed(row.share, 2), row.message]
            for row in mistake_rows(results)]
    return to_csv(["exercise", "mistake", "learners", "share", "message"], rows)


# --------------------------------------------------------------------------- #
# HTML pieces
# --------------------------------------------------------------------------- #
def plural(count: int, noun: str) -> str:
    """"1 learner", "3 learners"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def esc(value) -> str:
    """``value`` as text safe inside HTML/SVG text and quoted attributes."""
    return html.escape(str(value), quote=True)


def page(title: str, body: list) -> str:
    """A complete self-contained HTML page (str) with ``title`` and the ``body`` lines."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def status_class(status: str) -> str:
    """The CSS class of a status: "s-not-attempted"."""
    return "s-" + status.replace(" ", "-")


def legend() -> str:
    """The heat map's legend: a swatch, symbol, status and meaning per status."""
    items = [f'<li><span class="swatch {status_class(status)}">{symbol}</span>'
             f"<span><b>{esc(status)}</b>: {esc(meaning)}</span></li>"
             for status, (_, symbol, meaning) in STATUS_STYLE.items()]
    return '<ul class="legend">' + "".join(items) + "</ul>"


def feedback_link(learner: str, pages: dict) -> str:
    """An <a> to ``learner``'s feedback page, relative to report.html."""
    href = f"{FEEDBACK_DIR}/{quote(pages[learner])}"
    return f'<a href="{esc(href)}">{esc(learner)}</a>'


def header_section(results: ClassResults) -> list:
    """Title, what was graded, and the sandbox protections in force."""
    lines = [
        "<h1>Class report</h1>",
        '<p class="explain">Every learner\'s katas, graded by running their code with the same checks '
        "as in the notebooks.</p>",
        '<dl class="facts">',
        f"<dt>Submissions</dt><dd><code>{esc(results.source)}</code></dd>",
        f"<dt>Layout</dt><dd>{esc(results.layout)}</dd>",
        f"<dt>Learners</dt><dd>{len(results.learners)}</dd>",
        f"<dt>Exercises</dt><dd>{len(results.exercises)} in {len(lessons(results))} lessons</dd>",
        "</dl>",
        "<h2>Sandbox</h2>",
    ]
    kinds = protections(results)
    if not kinds:
        lines.append('<p class="explain">The grader recorded no sandbox protections for this run.</p>')
        return lines
    lines.append('<p class="explain">How each learner\'s code was kept from harming the machine, the '
                 "other submissions and this report.</p>")
    lines.append('<table class="list"><thead><tr><th>protection</th><th>in force</th></tr></thead><tbody>')
    lines += [f"<tr><td>{esc(kind)}</td><td>{esc(text)}</td></tr>" for kind, text in kinds]
    lines.append("</tbody></table>")
    return lines


def pass_rate_chart(results: ClassResults) -> str:
    """The pass rate per exercise as an inline SVG bar chart, grouped by lesson."""
    rates = pass_rates(results)
    longest = max([len(exercise) for _, exercise, _, _ in rates] + [8])
    label_w = 24 + round(longest * 7.3)
    bar_w, value_w, top, row_h, lesson_h = 360, 130, 24, 22, 28
    height = top + sum(lesson_h + row_h * len(names) for _, names in lessons(results)) + 8
    width = label_w + bar_w + value_w
    parts = [f'<svg class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="pass-title">',
             '<title id="pass-title">Pass rate per exercise</title>']
    for tick in range(0, 101, 25):
        x = label_w + bar_w * tick // 100
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 4}" stroke="#d9dde3"/>')
        parts.append(f'<text class="axis" x="{x}" y="{top - 10}" text-anchor="middle">{tick}%</text>')
    y = top
    by_exercise = {exercise: (correct, total) for _, exercise, correct, total in rates}
    for lesson, names in lessons(results):
        parts.append(f'<text class="lesson" x="0" y="{y + 19}">{esc(lesson)}</text>')
        y += lesson_h
        for exercise in names:
            correct, total = by_exercise[exercise]
            share = Fraction(correct, total) if total else Fraction(0)
            bar = fixed(share * bar_w, 1)
            label = f"{percent(share)} \u00b7 {correct} of {total}"
            parts += [
                f"<g><title>{esc(exercise)}: {esc(label)} learners correct</title>",
                f'<text class="ex" x="{label_w - 10}" y="{y + 15}" text-anchor="end">{esc(exercise)}</text>',
                f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="14" fill="#eef1f5"/>',
                f'<rect x="{label_w}" y="{y + 4}" width="{bar}" height="14" fill="{BAR_COLOUR}"/>',
                f'<text class="value" x="{label_w + bar_w + 10}" y="{y + 15}">{esc(label)}</text>',
                "</g>",
            ]
            y += row_h
    parts.append("</svg>")
    return "\n".join(parts)


def pass_rate_section(results: ClassResults) -> list:
    """Heading, explanation and the bar chart."""
    return [
        "<h2>Pass rate per exercise</h2>",
        f'<p class="explain">The share of all {len(results.learners)} learners whose exercise passed the '
        "check, grouped by lesson; a learner who did not hand a lesson in counts as not passing.</p>",
        pass_rate_chart(results),
    ]


def mistakes_section(results: ClassResults) -> list:
    """The TOP_MISTAKES most common mistakes: exercise, id, learners, share and exact message."""
    rows = mistake_rows(results)
    lines = [f"<h2>The {TOP_MISTAKES} most common mistakes</h2>"]
    if not rows:
        lines.append('<p class="explain">No learner made a mistake the checker knows by name.</p>')
        return lines
    lines += [
        f'<p class="explain">The mistakes the checker recognised, by how many learners made them '
        f"({min(len(rows), TOP_MISTAKES)} of {len(rows)} shown; all are in <code>{MISTAKES_CSV}</code>). "
        "The share is of the learners who attempted that exercise; the message is what they read.</p>",
        '<table class="list"><thead><tr><th class="num">#</th><th>exercise</th><th>mistake</th>'
        '<th class="num">learners</th><th class="num">share</th><th>message</th></tr></thead><tbody>',
    ]
    for rank, row in enumerate(rows[:TOP_MISTAKES], start=1):
        lines.append(
            f'<tr><td class="num">{rank}</td><td><code>{esc(row.exercise)}</code></td>'
            f"<td><code>{esc(row.mistake)}</code></td>"
            f'<td class="num">{row.learners}</td>'
            f'<td class="num" title="{row.learners} of {row.attempted} who attempted it">'
            f"{percent(row.share)}</td>"
            f'<td class="msg">{esc(row.message)}</td></tr>')
    lines.append("</tbody></table>")
    return lines


def cell_title(result) -> str:
    """A heat-map cell's tooltip: learner, exercise, status, mistake id and message."""
    text = f"{result.learner} \u00b7 {result.exercise}: {result.status}"
    if result.mistake:
        text += f"\nmistake: {result.mistake}"
    if result.message:
        text += f"\n{result.message}"
    return text


def lesson_label(lesson: str, columns: int) -> str:
    """The lesson's heading over ``columns`` heat-map columns: its stem when it fits, else its number."""
    if len(lesson) * HEADER_CHAR_PX <= columns * CELL_PX:
        return lesson
    number = re.match(r"\d+", lesson)
    if number:
        return number.group(0)
    return lesson[:max(1, columns * CELL_PX // HEADER_CHAR_PX - 1)].rstrip("_ ") + "\u2026"


def heat_map_section(results: ClassResults, pages: dict) -> list:
    """A learner x exercise table, one coloured cell per result, with its legend."""
    table = status_table(results)
    groups = lessons(results)
    lines = [
        "<h2>Every learner, every exercise</h2>",
        '<p class="explain">One row per learner, one cell per exercise, grouped by lesson (a lesson too '
        "long to name over its columns shows its number; hover for its name). Hover over a cell for the "
        "status, the mistake and the message; a name opens that learner's feedback page.</p>",
        legend(),
        '<div class="scroll"><table class="heat"><thead><tr><th rowspan="2">learner</th>',
    ]
    lines += [f'<th class="lesson first" colspan="{len(names)}" title="{esc(lesson)}">'
              f"{esc(lesson_label(lesson, len(names)))}</th>" for lesson, names in groups]
    lines.append('<th rowspan="2" class="num">correct</th></tr><tr>')
    for _, names in groups:
        lines += [f'<th class="ex{" first" if i == 0 else ""}"><span>{esc(name)}</span></th>'
                  for i, name in enumerate(names)]
    lines.append("</tr></thead><tbody>")
    for learner in results.learners:
        cells = [f"<tr><th scope=\"row\">{feedback_link(learner, pages)}</th>"]
        statuses = []
        for _, names in groups:
            for i, exercise in enumerate(names):
                result = table[learner, exercise]
                statuses.append(result.status)
                first = " first" if i == 0 else ""
                cells.append(f'<td class="cell {status_class(result.status)}{first}" '
                             f'title="{esc(cell_title(result))}">{STATUS_STYLE[result.status][1]}</td>')
        correct, _, total = counts(statuses)
        cells.append(f'<td class="num">{correct}/{total}</td></tr>')
        lines.append("".join(cells))
    lines.append("</tbody></table></div>")
    return lines


def list_section(title: str, items: list, when_empty: str, explain: str) -> list:
    """A heading, a sentence, and a plain list of ``items`` (HTML, already escaped)."""
    lines = [f"<h2>{esc(title)}</h2>"]
    if not items:
        lines.append(f'<p class="explain">{esc(when_empty)}</p>')
        return lines
    lines.append(f'<p class="explain">{esc(explain)}</p>')
    lines.append('<ul class="plain">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    return lines


def nothing_section(results: ClassResults, pages: dict) -> list:
    """Who handed in nothing at all."""
    nobody = results.handed_in_nothing()
    return list_section("Handed in nothing", [feedback_link(learner, pages) for learner in nobody],
                        "Every learner handed in at least one notebook.",
                        f"{plural(len(nobody), 'learner')} with no notebook of any lesson: check their "
                        "folders, or whether they handed in elsewhere.")


def notes_section(results: ClassResults, pages: dict) -> list:
    """The notes per learner (which notebook of two was used, one that could not be read)."""
    lines = ["<h2>Notes on the hand-ins</h2>"]
    others = sorted(key for key in results.notes if key not in set(results.learners))
    noted = [learner for learner in list(results.learners) + others if notes_of(results, learner)]
    if not noted:
        lines.append('<p class="explain">Nothing to note: one readable notebook per lesson, for everyone.</p>')
        return lines
    lines.append('<p class="explain">Which notebook was graded where a learner had two for one lesson, and '
                 "notebooks that could not be read.</p>")
    lines.append('<table class="list"><thead><tr><th>learner</th><th>note</th></tr></thead><tbody>')
    for learner in noted:
        name = feedback_link(learner, pages) if learner in pages else esc(learner)
        items = "".join(f'<li class="msg">{esc(note)}</li>' for note in notes_of(results, learner))
        lines.append(f'<tr><td>{name}</td><td><ul class="plain">{items}</ul></td></tr>')
    lines.append("</tbody></table>")
    return lines


def ignored_section(results: ClassResults) -> list:
    """The files seen in the submissions that matched no lesson."""
    ignored = sorted(str(path) for path in results.ignored)
    return list_section("Files ignored", [f"<code>{esc(path)}</code>" for path in ignored],
                        "Every file seen belonged to a lesson.",
                        f"{plural(len(ignored), 'file')} in the submissions matched no lesson and were not graded.")


def report_html(results: ClassResults, pages: dict) -> str:
    """report.html: the class at a glance. ``pages`` maps each learner to their feedback file name."""
    body = (header_section(results) + pass_rate_section(results) + mistakes_section(results)
            + heat_map_section(results, pages) + nothing_section(results, pages)
            + notes_section(results, pages) + ignored_section(results))
    return page(f"Class report: {results.source}", body)


# --------------------------------------------------------------------------- #
# Feedback pages
# --------------------------------------------------------------------------- #
def exercise_card(result, hint: str) -> list:
    """One exercise on a feedback page: name, status, mistake id, message and hint."""
    lines = ['<div class="card">',
             f"<h3><code>{esc(result.exercise)}</code>"
             f'<span class="badge {status_class(result.status)}">{esc(result.status)}</span></h3>']
    if result.mistake:
        lines.append(f'<p class="small">mistake: <code>{esc(result.mistake)}</code></p>')
    if result.message:
        lines.append(f'<div class="msg">{esc(result.message)}</div>')
    if hint:
        opened = "" if result.status == CORRECT else " open"
        lines.append(f'<details{opened}><summary>Hint</summary><div class="hint">{esc(hint)}</div></details>')
    lines.append("</div>")
    return lines


def feedback_html(results: ClassResults, learner: str) -> str:
    """feedback/<learner>.html: per lesson the notebook used, per exercise status, message and hint."""
    mine = {r.exercise: r for r in results.for_learner(learner)}
    correct, attempted, total = counts([mine[exercise].status for _, exercise in results.exercises])
    body = [f"<h1>Feedback for {esc(learner)}</h1>",
            f'<p class="explain">{correct} of {total} exercises correct, {attempted} attempted. Each '
            "exercise below shows what the check said and the hint the notebook gives.</p>"]
    notes = notes_of(results, learner)
    if notes:
        body.append("<h2>About your hand-in</h2>")
        body.append('<ul class="plain">' + "".join(f'<li class="msg">{esc(note)}</li>' for note in notes)
                    + "</ul>")
    for lesson, names in lessons(results):
        body.append(f"<h2>{esc(lesson)}</h2>")
        notebooks = sorted({mine[exercise].notebook for exercise in names if mine[exercise].notebook})
        if notebooks:
            body.append('<p class="explain">Notebook graded: '
                        + ", ".join(f"<code>{esc(nb)}</code>" for nb in notebooks) + "</p>")
        else:
            body.append('<p class="explain">No notebook of this lesson was handed in.</p>')
        for exercise in names:
            body += exercise_card(mine[exercise], str(results.hints.get(exercise, "")))
    return page(f"Feedback for {learner}", body)
