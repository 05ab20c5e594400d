"""Grade a class: find the submissions, run each learner's code in a sandboxed worker, collect.

:func:`grade` is what ``cnn-katas grade`` runs. Per learner it reads each handed-in notebook's
code cells (never its outputs), works out what each exercise needs
(:mod:`helpers.grade.notebook_code`), and runs that in a worker process of the learner's own
(:mod:`helpers.grade.worker`, inside :mod:`helpers.grade.sandbox`). A worker that dies (an
``os._exit``, a crash, a time-out) costs only the exercise it was running: that one gets
``error`` with what happened and a fresh worker grades the rest. Learners are graded in
parallel (``jobs`` workers at a time).
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import sandbox as sandboxing
from .layouts import find_submissions
from .notebook_code import needed_for, parse_cells
from .results import ERROR, MISSING, ClassResults, ExerciseResult

DEFAULT_TIMEOUT = 60.0  # wall-clock seconds one exercise may take: its cells and its check
STARTUP_SECONDS = 120.0  # a worker must be ready (imports done) within this
GRACE_SECONDS = 5.0  # past an exercise's timeout before the grader kills its worker (the worker's
#                      own limits stop most code first, with a better message)
NOTEBOOK_MAX_BYTES = 100 << 20


class GradingError(RuntimeError):
    """The grading itself cannot go on (not a learner's fault): the message says why."""


class NotebookUnreadable(ValueError):
    """A handed-in notebook that is not a notebook (corrupt JSON, wrong structure)."""


# --------------------------------------------------------------------------- #
# The course: its lessons and exercises
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Course:
    lessons: dict      # "02" -> "02_logits_and_softmax"
    exercises: list    # [(lesson stem, exercise name)] in course order
    hints: dict        # exercise -> hint text
    mistake_messages: dict  # mistake id -> message


def course() -> Course:
    """The course as the checker's registry knows it."""
    from helpers.exercises.core import GENERIC_MISTAKES, all_exercises, all_mistakes

    registered = all_exercises()
    lessons = {e.notebook[:2]: e.notebook for e in registered}
    exercises = [(e.notebook, e.name) for e in sorted(registered, key=lambda e: e.notebook)]
    hints = {e.name: e.hint_levels[0] for e in registered}  # the first level: what a learner sees first
    messages = {mid: text for mid, text in GENERIC_MISTAKES.items()}
    messages.update({m.id: m.message for _, m in all_mistakes()})
    return Course(lessons, exercises, hints, messages)


# --------------------------------------------------------------------------- #
# Reading one notebook's code
# --------------------------------------------------------------------------- #
def code_cells(path: Path) -> list:
    """The source of every code cell of the notebook at ``path``, in order.

    Raises NotebookUnreadable naming what is wrong (not JSON, not a notebook, too large).
    Outputs, metadata and tags are not read.
    """
    try:
        size = path.stat().st_size
        if size > NOTEBOOK_MAX_BYTES:
            raise NotebookUnreadable(f"{size >> 20} MB is too large for a kata notebook "
                                     f"(at most {NOTEBOOK_MAX_BYTES >> 20} MB)")
        with open(path, "rb") as handle:
            notebook = json.loads(handle.read().decode("utf-8"))
    except NotebookUnreadable:
        raise
    except UnicodeDecodeError as exc:
        raise NotebookUnreadable(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise NotebookUnreadable(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                                 f"was it saved completely?") from None
    except OSError as exc:
        raise NotebookUnreadable(f"cannot be read ({exc.strerror or exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        found = "nbformat 3 (worksheets)" if isinstance(notebook, dict) and "worksheets" in notebook else \
            f"a JSON {type(notebook).__name__} without a list of cells"
        raise NotebookUnreadable(f"not a Jupyter notebook in nbformat 4: found {found}")
    sources = []
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookUnreadable(f"cell {number} is not a cell (a JSON {type(cell).__name__})")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookUnreadable(f"cell {number}'s source is not text")
        sources.append(source)
    return sources


# --------------------------------------------------------------------------- #
# One learner
# --------------------------------------------------------------------------- #
@dataclass
class LearnerJob:
    """What to run for one learner, and the results known without running anything."""

    learner: str
    notebooks: list = field(default_factory=list)  # worker job entries
    known: dict = field(default_factory=dict)      # exercise -> ExerciseResult
    shown: dict = field(default_factory=dict)      # exercise -> notebook as the report names it


def plan(learner: str, handed: dict, the_course: Course) -> LearnerJob:
    """Read the learner's notebooks and decide, per exercise, what the worker must run."""
    job = LearnerJob(learner)
    for lesson_stem, name in the_course.exercises:
        nn = lesson_stem[:2]
        if nn not in handed:
            job.known[name] = ExerciseResult(learner, "", lesson_stem, name, MISSING, "",
                                             f"{lesson_stem}.ipynb was not handed in", 0.0)
    for nn, chosen in sorted(handed.items()):
        stem = the_course.lessons.get(nn)
        if stem is None:
            continue
        names = [name for lesson, name in the_course.exercises if lesson == stem]
        try:
            sources = code_cells(Path(chosen.path))
        except NotebookUnreadable as exc:
            for name in names:
                job.known[name] = ExerciseResult(learner, chosen.shown, stem, name, ERROR, "",
                                                 f"the notebook {chosen.shown} could not be read: {exc}", 0.0)
            continue
        cells = parse_cells(sources)
        entry = {"shown": chosen.shown, "lesson": stem, "cells": sources, "exercises": []}
        for name in names:
            job.shown[name] = chosen.shown
            needed = needed_for(cells, name)
            if needed.status is not None:
                job.known[name] = ExerciseResult(learner, chosen.shown, stem, name, needed.status, "",
                                                 needed.message, 0.0)
            else:
                entry["exercises"].append({"name": name, "statements": [list(k) for k in needed.statements]})
        if entry["exercises"]:
            job.notebooks.append(entry)
    return job


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _death_message(returncode: Optional[int], timed_out: bool, timeout: float, cpu_seconds: int,
                   stderr_tail: str) -> str:
    """What happened to a worker that stopped without reporting the exercise it was running."""
    if timed_out:
        return (f"the grader stopped this exercise after {timeout:g} s (its cells and its check "
                f"together): look for a loop that never ends, or code far slower than needed")
    if returncode is not None and returncode > 128 and _signal_name(128 - returncode)[:3] == "SIG":
        returncode = 128 - returncode  # bubblewrap and shells report a signal as 128 + its number
    if returncode is not None and returncode < 0:
        name = _signal_name(returncode)
        if name == "SIGXCPU":
            return f"the code used more than {cpu_seconds} s of CPU time, so the system stopped it"
        if name == "SIGKILL":
            return "the process was killed (SIGKILL), most likely for using too much memory"
        return f"the code crashed the Python interpreter ({name})" + (f": {stderr_tail}" if stderr_tail else "")
    return (f"the code ended the Python process (exit code {returncode}) before the check could "
            f"finish: do not call os._exit(), sys.exit() or exit() in a notebook's functions"
            + (f" (last words: {stderr_tail})" if stderr_tail else ""))


def _tail(path: Path, limit: int = 300) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            lines = [line for line in handle.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:limit] if lines else ""


@dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT


def _worker_argv() -> list:
    return [sys.executable, "-m", "helpers.grade.worker"]


def _worker_env(workdir: Path) -> dict:
    """The worker's environment: nothing of the grader's but what Python and the course need."""
    import helpers

    keep = ("PATH", "LANG", "LC_ALL", "CNN_KATAS_CACHE", "CNN_KATAS_REQUIRE_REAL_MODELS", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(HOME=str(workdir), TMPDIR=str(workdir), MPLBACKEND="Agg", PYTHONHASHSEED="0",
               PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONPATH=str(Path(helpers.__file__).resolve().parent.parent),
               CNN_KATAS_PROGRESS="off",  # grading is not the learner practising: record nothing
               MPLCONFIGDIR=str(workdir / ".matplotlib"))
    return env


def run_worker(job: dict, box: sandboxing.Sandbox, workroot: Path, label: str) -> tuple:
    """Run one worker on ``job``; (results by exercise, the exercise it died in or None, why).

    Never raises for anything learner code does; raises GradingError when the worker cannot
    even start (a problem with the grader's set-up, not with a learner).
    """
    workdir = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=workroot))
    group = box.new_cgroup(workdir.name)
    argv = box.enter_cgroup_argv(group, box.command(_worker_argv(), workdir))
    stderr_path = workdir / "worker-stderr.txt"
    events: queue.Queue = queue.Queue()
    results, current, ready = {}, None, False
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                   cwd=workdir, env=_worker_env(workdir), start_new_session=True)

    def read():
        for line in process.stdout:
            events.put(line)
        events.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    timed_out = False
    try:
        try:
            process.stdin.write(json.dumps(job).encode("utf-8"))
            process.stdin.close()
        except OSError:
            pass
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                line = events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                timed_out = True
                break
            if line is None:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "ready":
                ready = True
            elif kind == "start":
                current = event.get("exercise")
                deadline = time.monotonic() + job["timeout"] + GRACE_SECONDS
            elif kind == "result" and event.get("exercise") == current:
                results[current] = event
                current = None
                deadline = time.monotonic() + job["timeout"] + GRACE_SECONDS
            elif kind == "done":
                break
    finally:
        _stop(process)
        reader.join(timeout=5)
        box.remove_cgroup(group)
    if not ready:
        raise GradingError(f"the grading worker could not start ({_tail(stderr_path) or 'no message'}); "
                           f"the command was: {' '.join(argv)}")
    why = None
    if current is not None:
        why = _death_message(process.returncode, timed_out, job["timeout"], job["cpu_seconds"],
                             _tail(stderr_path))
    shutil.rmtree(workdir, ignore_errors=True)
    return results, current, why


def _stop(process: subprocess.Popen) -> None:
    """Stop the worker and everything it started (its session), and wait for it."""
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def grade_learner(job: LearnerJob, box: sandboxing.Sandbox, workroot: Path, limits: Limits) -> dict:
    """Every exercise of one learner: exercise -> ExerciseResult (known ones and graded ones)."""
    results = dict(job.known)
    pending = [(nb, ex) for nb in job.notebooks for ex in nb["exercises"]]
    lesson_of = {ex["name"]: nb["lesson"] for nb, ex in pending}
    attempt = 0
    while pending:
        attempt += 1
        todo_names = {ex["name"] for _, ex in pending}
        notebooks = []
        for nb in job.notebooks:
            exercises = [ex for ex in nb["exercises"] if ex["name"] in todo_names]
            if exercises:
                notebooks.append({**nb, "exercises": exercises})
        n = len(todo_names)
        worker_job = {"learner": job.learner, "timeout": limits.timeout, "notebooks": notebooks,
                      "cpu_seconds": int(limits.timeout * (n + 1) + 30),
                      "memory_limit": box.memory_limit, "file_size_limit": box.file_size_limit,
                      "nproc": 256}
        done, died_in, why = run_worker(worker_job, box, workroot, f"w{attempt}")
        for name, event in done.items():
            results[name] = ExerciseResult(job.learner, job.shown[name], lesson_of[name], name,
                                           event["status"], event.get("mistake") or "",
                                           event.get("message", ""), float(event.get("seconds", 0.0)))
        if died_in is not None:
            results[died_in] = ExerciseResult(job.learner, job.shown[died_in], lesson_of[died_in], died_in,
                                              ERROR, "", why, 0.0)
        elif not done:  # finished without grading anything: do not loop for ever
            for _, ex in pending:
                name = ex["name"]
                results[name] = ExerciseResult(job.learner, job.shown[name], lesson_of[name], name, ERROR, "",
                                               "the grading worker stopped before this exercise", 0.0)
        pending = [(nb, ex) for nb, ex in pending if ex["name"] not in results]
    return results


# --------------------------------------------------------------------------- #
# The class
# --------------------------------------------------------------------------- #
def grade(submissions, out=None, jobs: Optional[int] = None, timeout: float = DEFAULT_TIMEOUT,
          progress: bool = True, sandbox: Optional[sandboxing.Sandbox] = None) -> ClassResults:
    """Grade every learner under ``submissions``; write the report into ``out`` when given.

    ``jobs`` workers run at once (default: the number of CPUs); ``timeout`` is the wall-clock
    limit of one exercise (its cells and its check). Raises layouts.SubmissionsError for
    submissions that match no layout, GradingError when workers cannot start.
    """
    from helpers.exercises import load_all

    load_all()
    the_course = course()
    submissions = Path(submissions)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="cnn-katas-grade-") as staging:
        staging = Path(staging)
        (staging / "unzipped").mkdir()
        (staging / "work").mkdir()
        found = find_submissions(submissions, the_course.lessons, staging / "unzipped")
        hidden = [found.root, staging / "unzipped"]  # a folder, or the class's .zip itself
        if out is not None:
            Path(out).mkdir(parents=True, exist_ok=True)
            hidden.append(Path(out))
        box = sandbox or sandboxing.detect(hidden)
        if sandbox is not None:
            box.hidden = [Path(h).resolve() for h in hidden]
        plans = [plan(learner, found.handed.get(learner, {}), the_course) for learner in found.learners]
        graded: dict = {}
        bar = _progress(len(plans), progress)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(grade_learner, p, box, staging / "work", Limits(timeout)): p.learner
                       for p in plans}
            for future in as_completed(futures):
                graded[futures[future]] = future.result()
                bar.update(1)
        bar.close()
    results = [graded[learner][name] for learner in found.learners for _, name in the_course.exercises]
    graded_class = ClassResults(layout=found.layout, source=str(submissions), exercises=the_course.exercises,
                                learners=list(found.learners), results=results,
                                notes={k: list(v) for k, v in found.notes.items()},
                                protections=box.protections(), mistake_messages=the_course.mistake_messages,
                                hints=the_course.hints, ignored=list(found.ignored))
    if out is not None:
        from .report import write_report

        write_report(graded_class, Path(out))
    return graded_class


def _progress(total: int, show: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="learner", desc="grading", file=sys.stderr, disable=not show)
