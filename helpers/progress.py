"""Your progress through the katas: every check's result, kept in a small file on this computer.

``check`` calls :func:`record` after every check; :func:`progress` (``helpers.progress()``) shows,
per notebook, the exercises correct, attempted and not started, the last mistake of each
unfinished one, and what to do next. Nothing leaves the machine.

Where the file is, the first that applies:

- ``$CNN_KATAS_PROGRESS``: a file path; ``off`` records nothing; ``{pid}`` in it becomes the
  process id, so that tests and CI give every kernel a file of its own;
- ``$XDG_DATA_HOME/cnn-output-katas/progress.jsonl`` (when XDG_DATA_HOME is an absolute path);
- ``%APPDATA%\\cnn-output-katas\\progress.jsonl`` on Windows;
- ``~/.local/share/cnn-output-katas/progress.jsonl``.

The file is JSON lines, one check per line, only ever appended to (or replaced whole, below)::

    {"progress": 1, "time": "2026-12-01T10:00:00.123Z", "course": "0.1.0",
     "notebook": "02_logits_and_softmax", "exercise": "softmax", "status": "incorrect",
     "mistake": "softmax.overflow", "seconds": 0.012}

(one line in the file). What it survives:

- a kata regenerated or reset, a notebook renamed or copied: a record names the exercise and its
  lesson (the registry's ``Exercise.notebook``), never the notebook's file, and the view counts
  by exercise name;
- a course update: a record of an exercise the course no longer has is kept, and left out of
  the view; a notebook's exercises are those of the course that reads the file;
- two notebooks (kernels) checking at once: each record is one ``os.write`` of a whole line to a
  file opened with ``O_APPEND``, under ``fcntl.flock`` where there is one;
- a crash in the middle of a write: a line cut short is skipped without a word, and the next
  record starts on a line of its own;
- a corrupt or foreign file (a line that is not a progress record; ``record`` looks at the first
  line, ``progress()`` at every line): reported once, in a :class:`ProgressWarning` naming the
  file, kept as it was beside it as ``progress.jsonl.broken-<UTC time>``, and replaced (in one
  rename) by a fresh file holding the records that could still be read.

``record`` never raises: a folder that cannot be written gives one warning per process, and the
check goes on without recording.

How the view counts: an exercise is **correct** once any check of it was correct (the best
result ever reached counts, so re-running a reset kata, whose checks say "not attempted", loses
nothing); **attempted** when a check was incorrect or an error, and none correct; **not
started** otherwise. When a correct exercise's latest check (not counting "not attempted") was
wrong, the view says so.
"""
from __future__ import annotations

import html
import json
import os
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from .atomic import lock, read_at


ENV = "CNN_KATAS_PROGRESS"
OFF = "off"
APP_FOLDER = "cnn-output-katas"
FILE_NAME = "progress.jsonl"
FORMAT = 1  # the "progress" field of every record: a later format keeps its records readable
BROKEN_SUFFIX = ".broken-"

CORRECT, INCORRECT, NOT_ATTEMPTED, ERROR = "correct", "incorrect", "not attempted", "error"

_MARKER = b'{"progress":'  # every record's line starts with these bytes
_FIRST_LINE_BYTES = 1 << 16  # record() looks this far for the end of the file's first line
_WIDTH = 100
_warned_unwritable: set = set()


class ProgressWarning(UserWarning):
    """The progress file could not be written, or was not ours and was moved aside."""


# --- where the file is -----------------------------------------------------------------------

def progress_file() -> Optional[Path]:
    """The progress file this process writes (Path), or None when ``CNN_KATAS_PROGRESS=off``."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() == OFF:
        return None
    if chosen:
        return Path(os.path.expanduser(chosen.replace("{pid}", str(os.getpid()))))
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    elif sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path.home() / ".local" / "share"
    return base / APP_FOLDER / FILE_NAME


def _where() -> str:
    """Where the file is, in words for the view. A setting with ``{pid}`` in it (tests, CI and
    the course build give every kernel its own file) is not spelled out, so that a notebook's
    stored output is the same on every machine; the README says where the file is."""
    if "{pid}" in os.environ.get(ENV, ""):
        return 'in a file of this kernel\'s own (the README, "Your progress", says where)'
    path = str(progress_file())
    home = str(Path.home())
    if path.startswith(home + os.sep):
        path = "~" + path[len(home):]
    return f"in {path}"


# --- reading ---------------------------------------------------------------------------------

def _is_torn(line: bytes) -> bool:
    """True for what a write cut short leaves: the start of a record that is not valid JSON."""
    return line.startswith(_MARKER) or (0 < len(line) < len(_MARKER) and _MARKER.startswith(line))


def _parse(line: bytes):
    """A record (dict) from one line, "torn" for a record cut short, None for a foreign line."""
    try:
        value = json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return "torn" if _is_torn(line) else None
    if (isinstance(value, dict) and isinstance(value.get("progress"), int)
            and not isinstance(value.get("progress"), bool) and value["progress"] >= 1
            and isinstance(value.get("exercise"), str) and isinstance(value.get("status"), str)):
        return value
    return None


def _parse_all(data: bytes) -> tuple:
    """(records, problem): every record in ``data``, and None, or the first foreign line in
    words ("line 3 is not a progress record"). Empty lines and torn records are skipped."""
    records, problem = [], None
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.strip(b"\r")
        if not line.strip():
            continue
        parsed = _parse(line)
        if parsed == "torn":
            continue
        if parsed is None:
            if problem is None:
                problem = f"line {number} is not a progress record"
            continue
        records.append(parsed)
    return records, problem


def read_records(path) -> list:
    """Every progress record in the file ``path`` (str or Path), oldest first, as dicts with the
    keys ``progress``, ``time``, ``course``, ``notebook``, ``exercise``, ``status``,
    ``mistake``, ``seconds``. Only reads: lines that are not records, and a last line cut short,
    are skipped. A missing file gives []; other OSErrors are raised.

    For a copy collected off a hub (``cnn-katas collect`` puts each learner's at
    ``SUBMISSIONS/<learner>/progress.jsonl``): ``progress_of(read_records(path))`` is that
    learner's view."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return _parse_all(data)[0]


# --- writing ---------------------------------------------------------------------------------

def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _course_version() -> str:
    try:
        from helpers import __version__
        return str(__version__)
    except Exception:
        return "unknown"


def _line(notebook: str, exercise: str, result) -> bytes:
    """One record as a line of ASCII JSON, ending in a newline."""
    mistake = getattr(result, "mistake", None)
    seconds = getattr(result, "seconds", None)
    record = {
        "progress": FORMAT,
        "time": _utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "course": _course_version(),
        "notebook": str(notebook),
        "exercise": str(exercise),
        "status": str(getattr(result, "status", result)),
        "mistake": None if mistake is None else str(mistake),
        "seconds": round(float(seconds), 3) if isinstance(seconds, (int, float)) else None,
    }
    return _dumps(record)



def _open_locked(path: Path, create: bool) -> Optional[int]:
    """A descriptor of ``path`` (appending), locked, and still the file at ``path`` once the lock
    is held (another process may have moved a broken file aside meanwhile). None when the file
    does not exist and ``create`` is False."""
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0) | getattr(os, "O_BINARY", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            if create:
                raise
            return None
        try:
            lock(fd)
            held = os.fstat(fd)
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_ino, now.st_dev) == (held.st_ino, held.st_dev):
            return fd
        os.close(fd)  # replaced while we waited: open the new one



def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks, offset = [], 0
    while offset < size:
        chunk = read_at(fd, min(1 << 20, size - offset), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _first_line_is_foreign(fd: int, size: int) -> bool:
    """A quick look before appending: is the file's first line something other than a record
    (or a record cut short)? The view reads the whole file."""
    head = read_at(fd, min(size, _FIRST_LINE_BYTES), 0)
    first, newline, _ = head.partition(b"\n")
    if not newline and size > _FIRST_LINE_BYTES:
        return True  # no line end in 64 KiB: not JSON lines of ours
    first = first.strip(b"\r")
    return bool(first.strip()) and _parse(first) is None


def _broken_name(path: Path) -> Path:
    stamp = _utc_now().strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}")
    n = 1
    while os.path.lexists(candidate):
        candidate = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}-{n}")
        n += 1
    return candidate


def _dumps(record: dict) -> bytes:
    """A record as one line, "progress" first (so that a line cut short is known as ours)."""
    ordered = {"progress": record["progress"], **record}
    return (json.dumps(ordered, ensure_ascii=True, separators=(", ", ": ")) + "\n").encode("ascii")


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``path`` (never replacing one), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _set_aside(path: Path, fd: int, problem: str) -> list:
    """The file open and locked as ``fd`` holds a line that is not a record: keep a copy of it
    as ``<name>.broken-<UTC time>``, put a fresh file at ``path`` holding the records it still
    has (in one rename, so ``path`` always names a file and no writer's record is lost: one
    waiting for the old file's lock sees it replaced and opens the new one), and warn once.
    Returns those records."""
    data = _read_all(fd)
    records, _ = _parse_all(data)
    aside = _broken_name(path)
    _write_new(aside, data)
    fresh = path.with_name(f".{path.name}.fresh-{os.getpid()}")
    if os.path.lexists(fresh):
        os.unlink(fresh)
    _write_new(fresh, b"".join(_dumps(r) for r in records))
    os.replace(fresh, path)
    kept = (f"the new {path.name} holds the {len(records)} record{'s' if len(records) != 1 else ''}"
            f" that could be read" if records else f"a new {path.name} is started")
    warnings.warn(ProgressWarning(
        f"progress file {path} is not a record of checks only ({problem}): a copy is kept as "
        f"{aside.name} beside it, and {kept}"), stacklevel=4)
    return records


def record(notebook: str, exercise: str, result) -> None:
    """Append one check's result to the progress file: ``notebook`` the exercise's lesson
    ("02_logits_and_softmax"), ``exercise`` its name, ``result`` a CheckResult (its
    ``.status``, ``.mistake`` and ``.seconds`` are kept, with the time in UTC and the course
    version). Does nothing when ``CNN_KATAS_PROGRESS=off``; never raises."""
    try:
        path = progress_file()
        if path is None:
            return
        _append(path, _line(notebook, exercise, result))
    except OSError as error:
        _warn_unwritable(error)
    except Exception:  # a progress file must never cost the learner their check
        pass


def _append(path: Path, line: bytes) -> None:
    """Append ``line`` to ``path`` as one write, under the file's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open_locked(path, create=True)
    try:
        size = os.fstat(fd).st_size
        if size and _first_line_is_foreign(fd, size):
            _set_aside(path, fd, "line 1 is not a progress record")
            os.close(fd)
            fd = _open_locked(path, create=True)
            size = os.fstat(fd).st_size
        if size and read_at(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # the last write was cut short: start on a line of our own
        written = os.write(fd, line)
        while written < len(line):  # a short write (a full disk); the lock keeps others out
            written += os.write(fd, line[written:])
    finally:
        os.close(fd)


def _warn_unwritable(error: OSError) -> None:
    try:
        where = str(progress_file())
    except Exception:
        where = "the progress file"
    if where in _warned_unwritable:
        return
    _warned_unwritable.add(where)
    warnings.warn(ProgressWarning(
        f"your progress is not being recorded: {where} cannot be written "
        f"({error.strerror or error}). Set {ENV} to a file you can write (or to {OFF})."),
        stacklevel=3)


def _load_for_view(path: Path) -> list:
    """The records of the progress file, setting a broken one aside first (see the module's
    docstring). A file that can be read but not written is only read."""
    try:
        fd = _open_locked(path, create=False)
    except OSError:
        try:
            return read_records(path)
        except OSError:
            return []
    if fd is None:
        return []
    try:
        records, problem = _parse_all(_read_all(fd))
        if problem is not None:
            try:
                records = _set_aside(path, fd, problem)
            except OSError:  # a folder we cannot write: show what can be read, change nothing
                pass
        return records
    finally:
        os.close(fd)


# --- the view --------------------------------------------------------------------------------

_MARKS = {CORRECT: "\u25cf", "attempted": "\u25d0", "not started": "\u25cb"}  # filled, half, empty


@dataclass
class ExerciseProgress:
    """One exercise's standing: ``state`` "correct", "attempted" or "not started"; ``last`` the
    latest result that was not "not attempted" (status, mistake id) or None; ``message`` what
    went wrong last (for an unfinished exercise, or a correct one whose latest check was wrong)."""

    notebook: str
    exercise: str
    state: str
    last: Optional[tuple] = None
    message: str = ""

    @property
    def regressed(self) -> bool:
        return self.state == CORRECT and self.last is not None and self.last[0] in (INCORRECT, ERROR)


@dataclass
class Progress:
    """What ``progress()`` shows; plain text with ``str()``, HTML in Jupyter.

    ``notebooks`` (lesson, [ExerciseProgress in course order]) pairs; ``unknown`` how many
    records name an exercise this course does not have (kept in the file, not shown);
    ``where`` where the file is, in words; ``off`` True when recording is switched off."""

    notebooks: list
    unknown: int = 0
    where: str = ""
    off: bool = False
    file: Optional[Path] = field(default=None, repr=False)

    def exercises(self) -> list:
        return [e for _, items in self.notebooks for e in items]

    def count(self, state: str) -> int:
        return sum(e.state == state for e in self.exercises())

    @property
    def next(self) -> Optional[ExerciseProgress]:
        """The first exercise in course order that is not correct yet, or None."""
        return next((e for e in self.exercises() if e.state != CORRECT), None)

    def unfinished(self) -> list:
        return [e for e in self.exercises() if e.state == "attempted"]

    def regressed(self) -> list:
        return [e for e in self.exercises() if e.regressed]

    def headline(self) -> str:
        total = len(self.exercises())
        return (f"Your progress: {self.count(CORRECT)} of {total} exercises correct, "
                f"{self.count('attempted')} attempted, {self.count('not started')} not started.")

    def next_text(self) -> str:
        upcoming = self.next
        if upcoming is None:
            return "Every exercise is correct. Well done."
        how = ("where your last check was not correct yet" if upcoming.state == "attempted"
               else "not started yet")
        return (f"Next: {upcoming.exercise}, in {upcoming.notebook} ({how}). "
                f'Stuck? hint("{upcoming.exercise}")')

    def footer(self) -> str:
        lines = [f"Kept on this computer only, {self.where}."]
        if self.unknown:
            lines.append(f"{self.unknown} result{'s' if self.unknown != 1 else ''} for exercises "
                         f"this version of the course does not have: kept, not shown.")
        return " ".join(lines)

    def __str__(self) -> str:
        if self.off:
            return f"Your progress is not recorded here ({ENV}={OFF})."
        width = max([len("notebook")] + [len(nb) for nb, _ in self.notebooks])
        lines = [self.headline(), "",
                 f"{'notebook':<{width}}  correct  attempted  not started"]
        for notebook, items in self.notebooks:
            marks = "".join(_MARKS[e.state] for e in items)
            done = sum(e.state == CORRECT for e in items)
            tried = sum(e.state == "attempted" for e in items)
            lines.append(f"{notebook:<{width}}  {f'{done}/{len(items)}':>7}  {tried:>9}  "
                         f"{len(items) - done - tried:>11}  {marks}")
        lines.append(f"({_MARKS[CORRECT]} correct, {_MARKS['attempted']} attempted, "
                     f"{_MARKS['not started']} not started)")
        for title, items in (("Attempted, not correct yet (the last check said):", self.unfinished()),
                             ("Correct before, but your latest check was not:", self.regressed())):
            if items:
                lines += ["", title]
                for e in items:
                    lines += textwrap.wrap(f"{e.exercise} ({e.notebook}): {e.message}", _WIDTH,
                                           initial_indent="  ", subsequent_indent="    ")
        lines += ["", self.next_text(), self.footer()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if self.off:
            return f"<p>{html.escape(str(self))}</p>"
        pad = "padding:1px 10px"
        rows = []
        for notebook, items in self.notebooks:
            done = sum(e.state == CORRECT for e in items)
            tried = sum(e.state == "attempted" for e in items)
            marks = "".join(f'<span title="{html.escape(e.exercise)}: {e.state}">{_MARKS[e.state]}</span>'
                            for e in items)
            weight = ' style="font-weight:bold"' if done == len(items) else ""
            rows.append(f'<tr{weight}><td style="text-align:left;{pad}"><code>{html.escape(notebook)}'
                        f'</code></td><td style="{pad}">{done}/{len(items)}</td><td style="{pad}">'
                        f'{tried}</td><td style="{pad}">{len(items) - done - tried}</td>'
                        f'<td style="text-align:left;letter-spacing:3px;{pad}">{marks}</td></tr>')
        header = "".join(f'<th style="{pad}">{title}</th>' for title in ("correct", "attempted", "not started", ""))
        parts = [f"<p><b>{html.escape(self.headline())}</b></p>",
                 f'<table style="text-align:right"><tr><th style="text-align:left;{pad}">notebook</th>'
                 f"{header}</tr>" + "".join(rows) + "</table>",
                 f"<p style=\"font-size:90%\">{_MARKS[CORRECT]} correct, {_MARKS['attempted']} "
                 f"attempted, {_MARKS['not started']} not started</p>"]
        for title, items in (("Attempted, not correct yet (the last check said):", self.unfinished()),
                             ("Correct before, but your latest check was not:", self.regressed())):
            if items:
                entries = "".join(f"<li><code>{html.escape(e.exercise)}</code> "
                                  f"({html.escape(e.notebook)}): {html.escape(e.message)}</li>"
                                  for e in items)
                parts.append(f"<p>{html.escape(title)}</p><ul>{entries}</ul>")
        parts.append(f"<p><b>{html.escape(self.next_text())}</b></p>")
        parts.append(f'<p style="font-size:90%">{html.escape(self.footer())}</p>')
        return '<div style="font-family:sans-serif">' + "".join(parts) + "</div>"


def _messages() -> dict:
    """Mistake id -> the message that names it (the exercises' own, and the generic ones)."""
    from helpers.exercises.core import GENERIC_MISTAKES, all_mistakes

    messages = dict(GENERIC_MISTAKES)
    messages.update({mistake.id: mistake.message for _, mistake in all_mistakes()})
    return messages


def _standing(notebook: str, name: str, history: list, messages: dict) -> ExerciseProgress:
    statuses = [r.get("status") for r in history]
    real = [r for r in history if r.get("status") in (CORRECT, INCORRECT, ERROR)]
    last = real[-1] if real else None
    if CORRECT in statuses:
        state = CORRECT
    elif any(s in (INCORRECT, ERROR) for s in statuses):
        state = "attempted"
    else:
        state = "not started"
    message = ""
    if last is not None and last.get("status") in (INCORRECT, ERROR):
        mistake = last.get("mistake")
        message = messages.get(mistake) if isinstance(mistake, str) else None
        message = message or (f"{last['status']}; run its check again to see why")
    return ExerciseProgress(notebook, name, state,
                            None if last is None else (last.get("status"), last.get("mistake")),
                            message)


def progress_of(records: list, where: str = "") -> Progress:
    """The view of a list of records (as :func:`read_records` gives them), in the course order
    of the exercise registry; records of exercises the course does not have are counted in
    ``unknown`` and otherwise left out."""
    from helpers.exercises.core import all_exercises

    registered = all_exercises()
    known = {e.name for e in registered}
    by_exercise: dict = {}
    unknown = 0
    for r in records:
        if r.get("exercise") in known:
            by_exercise.setdefault(r["exercise"], []).append(r)
        else:
            unknown += 1
    messages = _messages()
    notebooks: dict = {}
    for e in registered:
        notebooks.setdefault(e.notebook, []).append(
            _standing(e.notebook, e.name, by_exercise.get(e.name, []), messages))
    return Progress(list(notebooks.items()), unknown=unknown, where=where)


def progress() -> Progress:
    """Your progress: per notebook, the exercises correct, attempted and not started, the last
    mistake of each unfinished one, and what to do next. HTML in Jupyter, text elsewhere."""
    path = progress_file()
    if path is None:
        return Progress([], off=True)
    view = progress_of(_load_for_view(path), where=_where())
    view.file = path
    return view


def class_progress(submissions) -> str:
    """Who is where, for an instructor during a session: one line per learner whose progress
    file ``cnn-katas collect`` copied into ``SUBMISSIONS/<learner>/progress.jsonl``: exercises
    correct, the exercise they are on (the last one they checked that is not correct yet; else
    the next in course order) and the mistake their last check of it named."""
    submissions = Path(submissions)
    rows = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        copy = folder / "progress.jsonl"
        if not copy.is_file():
            rows.append((folder.name, "-", "no progress file (no check run yet, or kept elsewhere)", ""))
            continue
        records = read_records(copy)
        view = progress_of(records)
        standing = {e.exercise: e for e in view.exercises()}
        recent = [standing[r["exercise"]] for r in records
                  if r.get("exercise") in standing and standing[r["exercise"]].state == "attempted"]
        upcoming = recent[-1] if recent else view.next
        total = len(view.exercises())
        on = "all done" if upcoming is None else f"{upcoming.exercise} ({upcoming.state})"
        mistake = "" if upcoming is None or upcoming.last is None else (upcoming.last[1] or upcoming.last[0] or "")
        rows.append((folder.name, f"{view.count(CORRECT)}/{total}", on, mistake))
    if not rows:
        return f"{submissions}: no learner folders (run `cnn-katas collect HUB_HOMES {submissions}` first)"
    widths = [max(len(str(r[i])) for r in rows + [("learner", "correct", "on", "last mistake")]) for i in range(4)]
    header = ("learner", "correct", "on", "last mistake")
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)
