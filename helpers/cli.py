"""``cnn-katas``: the course's command line, for instructors.

    cnn-katas grade SUBMISSIONS --out REPORT [--jobs N] [--timeout SECONDS]
    cnn-katas collect HUB_HOMES SUBMISSIONS
    cnn-katas progress SUBMISSIONS

Each sub-command lives in the module that does its work; this file only parses arguments.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path,
                        help="a folder of learners' folders, an nbgrader course (or its submitted/ "
                             "folder), or an LMS bulk download (folder or .zip)")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder for grades.csv, results.csv, mistakes.csv, report.html and feedback/")
    parser.add_argument("--jobs", type=int, default=None,
                        help="learners graded at once (default: the number of CPUs)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="wall-clock seconds one exercise may take, its cells and check together "
                             "(default: 60)")


def run_grade(args: argparse.Namespace) -> int:
    """Grade, print a summary; 0 when the class was graded, 2 when it could not be."""
    from helpers.grade.layouts import SubmissionsError
    from helpers.grade.runner import DEFAULT_TIMEOUT, GradingError, grade

    if args.jobs is not None and args.jobs < 1:
        print(f"cnn-katas grade: --jobs must be 1 or more, not {args.jobs}", file=sys.stderr)
        return 2
    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if not timeout > 0:
        print(f"cnn-katas grade: --timeout must be a number of seconds above 0, not {args.timeout}",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        graded = grade(args.submissions, args.out, jobs=args.jobs, timeout=timeout)
    except (SubmissionsError, GradingError) as exc:
        print(f"cnn-katas grade: {exc}", file=sys.stderr)
        return 2
    print(summary(graded, args.out, time.perf_counter() - started))
    return 0


def summary(graded, out: Path, seconds: float) -> str:
    """What was found, how it went and where the report is, in a few lines."""
    from collections import Counter

    counts = Counter(r.status for r in graded.results)
    nothing = graded.handed_in_nothing()
    lines = [f"{graded.source}: {graded.layout}, {len(graded.learners)} learner"
             f"{'s' if len(graded.learners) != 1 else ''}, {len(graded.exercises)} exercises each",
             "results: " + ", ".join(f"{counts[s]} {s}" for s in ("correct", "incorrect", "error",
                                                                   "not attempted", "missing")),
             f"handed in nothing: {', '.join(nothing) if nothing else 'nobody'}"]
    lines += [f"note for {learner}: {note}" for learner, notes in sorted(graded.notes.items()) for note in notes]
    lines.append("sandbox: " + "; ".join(f"{kind}: {what}" for kind, what in graded.protections.items()))
    lines.append(f"report: {out / 'report.html'} (and grades.csv, results.csv, mistakes.csv, feedback/) "
                 f"in {seconds:.1f} s")
    return "\n".join(lines)


def run_collect(args: argparse.Namespace) -> int:
    """Copy every learner's katas off a hub's home folders; 0 when done, 2 when it could not be."""
    from helpers.grade.collect import CollectError, collect

    try:
        collected = collect(args.hub_homes, args.submissions)
    except CollectError as exc:
        print(f"cnn-katas collect: {exc}", file=sys.stderr)
        return 2
    print(collected.summary())
    print(f"next: cnn-katas grade {args.submissions} --out REPORT")
    return 0


def run_progress(args: argparse.Namespace) -> int:
    """Print who is where, from the progress files collect copied; 2 when there is no such folder."""
    from helpers.progress import class_progress

    if not args.submissions.is_dir():
        print(f"cnn-katas progress: {args.submissions} is not a folder: run `cnn-katas collect HUB_HOMES "
              f"{args.submissions}` first", file=sys.stderr)
        return 2
    print(class_progress(args.submissions))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="cnn-katas", description="Tools for running the CNN output katas with a class.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_grade_arguments(commands.add_parser("grade", help="grade a whole class's katas",
                                            description="Grade every learner's katas by running their code "
                                                        "in a sandbox; write a class report."))
    collecting = commands.add_parser("collect", help="copy every learner's katas off a hub's home folders",
                                     description="Copy every learner's NN_*.ipynb katas from a hub's home "
                                                 "folders (read only) into SUBMISSIONS/<learner>/, for grade.")
    collecting.add_argument("hub_homes", type=Path, help="the folder of the learners' home folders (/home on TLJH)")
    collecting.add_argument("submissions", type=Path, help="where the copies go (made or refreshed)")
    watching = commands.add_parser("progress", help="who is where: the learners' own progress files",
                                   description="One line per learner from the progress files that collect "
                                               "copied: exercises correct, the one they are on, their last mistake.")
    watching.add_argument("submissions", type=Path, help="a folder made by cnn-katas collect")
    args = parser.parse_args(argv)
    if args.command == "progress":
        return run_progress(args)
    if args.command == "grade":
        return run_grade(args)
    if args.command == "collect":
        return run_collect(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
