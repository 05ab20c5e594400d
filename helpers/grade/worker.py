"""The worker: runs one learner's exercise code and checks it, inside the sandbox.

Started by the grader as ``python -m helpers.grade.worker`` (wrapped by
:mod:`helpers.grade.sandbox`). It reads one JSON job from stdin::

    {"learner": "ana", "timeout": 60, "cpu_seconds": 600, "memory_limit": ..., "file_size_limit": ...,
     "notebooks": [{"shown": "ana/02_logits_and_softmax.ipynb", "cells": ["import numpy as np", ...],
                    "exercises": [{"name": "softmax", "statements": [[1, 0], [5, 0]]}]}]}

and writes JSON lines to its stdout, which it keeps for itself before any learner code runs:
``{"event": "ready"}``, then per exercise ``{"event": "start", "exercise": ...}`` and
``{"event": "result", "exercise": ..., "status": ..., "mistake": ..., "message": ...,
"seconds": ...}``. If learner code kills the process, the grader knows from the last
"start" which exercise did it.

Learner code never writes to that channel through print: stdout and stderr of the process
are /dev/null and a capped file in the working folder, and Python's print goes to the
checker's capture. Each exercise runs in a fresh namespace: its statements (in notebook
order), then ``check``. This guards the machine, not the grade: code that runs in the same
interpreter as the checker could fool the checker about its own grade, as in every
notebook autograder; it cannot touch anyone else's.
"""
from __future__ import annotations

import builtins
import dataclasses
import json
import linecache
import math
import os
import resource
import sys


def _keep_channel():
    """Take stdout for results; point fd 0 and 1 at /dev/null before learner code runs.

    fd 2 stays what the grader gave (a file in the working folder, capped by RLIMIT_FSIZE):
    what it holds explains a worker that died."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    return channel


def _limit(job: dict) -> None:
    """Resource limits on this process, from here on (learner code cannot raise them)."""
    def cap(kind, value):
        soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, int(job["file_size_limit"]))
    cap(resource.RLIMIT_CPU, int(job["cpu_seconds"]))
    cap(resource.RLIMIT_AS, _address_space() + int(job["memory_limit"]))
    if os.geteuid() != 0 and job.get("nproc"):
        cap(resource.RLIMIT_NPROC, int(job["nproc"]))


def _address_space() -> int:
    """Bytes of address space this process uses now (VmSize)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


REFUSED_FORKS = [0]  # how often learner code asked for os.fork in this worker (reset per exercise)


def _refuse_fork(*args, **kwargs):
    REFUSED_FORKS[0] += 1
    raise PermissionError("graded code may not start processes (os.fork is switched off while "
                          "grading); compute the result in the function itself")


class _NoIPython:
    """``get_ipython()`` while grading: magics and shell escapes do nothing."""

    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = run_line_magic

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []


def _namespace() -> dict:
    ipython = _NoIPython()
    return {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: ipython,
            "display": lambda *args, **kwargs: None}


def _reap() -> int:
    """Collect finished child processes; how many there were."""
    count = 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return count
        if pid == 0:
            return count
        count += 1


def _run_statements(cells: dict, keys: list, namespace: dict, timeout: float):
    """Run the statements an exercise needs; None, or a message saying which one failed."""
    import ast

    from helpers.exercises.core import _exception_text
    from helpers.exercises.guard import Printed, run_guarded

    from .notebook_code import cell_filename

    for cell_number, index in keys:
        cell = cells[cell_number]
        node = cell.statements[index].node if index < len(cell.statements) else None
        if node is None or cell.statements[index].index != index:
            return f"cell {cell_number} changed while it was graded"
        code = compile(ast.Module(body=[node], type_ignores=[]), cell_filename(cell_number), "exec")
        outcome = run_guarded(exec, (code, namespace), {}, time_limit=timeout, printed=Printed())
        if outcome.stopped:
            what = "ran for more than" if outcome.stopped == "time" else "took more memory than allowed within"
            return (f"cell {cell_number} (line {node.lineno}) {what} {timeout:g} s while the grader "
                    f"ran the code this exercise needs, so it was stopped")
        if outcome.error is not None:
            if isinstance(outcome.error, SystemExit):
                return (f"cell {cell_number} (line {node.lineno}) called exit() while the grader ran "
                        f"the code this exercise needs")
            return (f"cell {cell_number} (line {node.lineno}) raised {_exception_text(outcome.error)[:300]} "
                    f"while the grader ran the code this exercise needs; in the notebook, "
                    f"running the cells from the top gives the same error")
    return None


def _grade_exercise(cells: dict, exercise: dict, timeout: float) -> dict:
    from helpers.exercises.core import check_untimed, get_exercise

    name = exercise["name"]
    namespace = _namespace()
    REFUSED_FORKS[0] = 0
    problem = _run_statements(cells, exercise["statements"], namespace, timeout)
    forks = _reap()
    if problem is not None:
        return {"status": "error", "mistake": "", "message": problem, "seconds": 0.0}
    exercise_spec = get_exercise(name)
    if exercise_spec.time_limit > timeout:  # no single case may outlast the exercise's own limit
        exercise_spec = dataclasses.replace(exercise_spec, time_limit=timeout)
    result, _timing = check_untimed(exercise_spec, namespace.get(name))
    forks += _reap()
    message = result.message + _sandbox_note(result.message, forks + REFUSED_FORKS[0])
    return {"status": result.status, "mistake": result.mistake or "", "message": message,
            "seconds": float(math.floor(result.seconds))}


NETWORK_ERRORS = ("ConnectionRefusedError", "Network is unreachable", "gaierror",
                  "Temporary failure in name resolution", "Name or service not known")


def _sandbox_note(message: str, forks: int) -> str:
    """What the sandbox did, when a message shows learner code ran into it."""
    if forks:
        return (f" (Your code tried to start a process {forks} time{'s' if forks != 1 else ''}; "
                f"graded code may not.)")
    if "BlockingIOError" in message:
        return " (The sandbox limits how many processes and threads graded code may start.)"
    if any(text in message for text in NETWORK_ERRORS):
        return " (Graded code has no network: the sandbox has a network of its own, with nothing on it.)"
    if "Read-only file system" in message:
        return " (Graded code may write only in its own working folder.)"
    return ""


def main() -> int:
    job = json.loads(sys.stdin.read())
    channel = _keep_channel()

    def emit(**event):
        channel.write(json.dumps(event) + "\n")
        channel.flush()

    os.environ.setdefault("MPLBACKEND", "Agg")
    from helpers.exercises import load_all

    from .notebook_code import cell_filename, parse_cells

    load_all()
    import matplotlib

    matplotlib.use("Agg")
    _limit(job)
    os.fork = _refuse_fork
    if hasattr(os, "forkpty"):
        os.forkpty = _refuse_fork
    emit(event="ready")
    for notebook in job["notebooks"]:
        parsed = parse_cells(notebook["cells"])
        cells = {cell.number: cell for cell in parsed}
        for cell in parsed:
            lines = cell.python.splitlines(keepends=True)
            linecache.cache[cell_filename(cell.number)] = (len(cell.python), None, lines,
                                                           cell_filename(cell.number))
        for exercise in notebook["exercises"]:
            emit(event="start", exercise=exercise["name"])
            emit(event="result", exercise=exercise["name"],
                 **_grade_exercise(cells, exercise, float(job["timeout"])))
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
