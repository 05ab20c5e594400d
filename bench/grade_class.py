"""Benchmark: grading a generated class, against executing its notebooks with nbclient.

    .venv/bin/python bench/grade_class.py             # 100 learners, nbclient on 2 of them
    .venv/bin/python bench/grade_class.py --quick     # 20 learners, nbclient on 1

The class comes from scripts/make_class.py: every learner hands in all nine katas with a known mix
of right, wrong (known mistakes) and blank answers (no lesson left out here). The grader runs with
``--jobs`` workers (default: the number of CPUs) and its results are compared with what was
planted. The baseline is what nbgrader's autograde and otter's grading do: execute each
submitted notebook top to bottom in a fresh kernel (nbclient), timed on a sample of learners in
the same run, one notebook at a time. The ratio credits nbclient with perfect parallelism over
the same number of jobs, so it is the lower bound of the speed-up.
Targets (issue 16): 100 learners in at most 5 minutes, at least 10x faster than nbclient.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))


def execute_with_nbclient(paths: list) -> float:
    """Seconds to execute every notebook in ``paths`` top to bottom, each in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    started = time.perf_counter()
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--learners", type=int)
    parser.add_argument("--sample", type=int, help="learners executed with nbclient")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    learners = args.learners or (20 if args.quick else 100)
    sample = args.sample or (1 if args.quick else 2)

    import make_class
    from helpers.grade.runner import grade

    with tempfile.TemporaryDirectory(prefix="cnn-katas-bench-") as tmp:
        tmp = Path(tmp)
        planted = make_class.make_class(tmp / "class", learners, seed=0, p_missing=0.0)
        started = time.perf_counter()
        graded = grade(tmp / "class", tmp / "report", jobs=args.jobs, progress=False)
        grading = time.perf_counter() - started
        with open(tmp / "report" / "results.csv", newline="", encoding="utf-8") as handle:
            found = {(r["learner"], r["exercise"]): (r["status"], r["mistake"]) for r in csv.DictReader(handle)}
        agree = sum(found[key] == value for key, value in planted.items())
        sampled = sorted({learner for learner, _ in planted})[:sample]
        notebooks = [p for learner in sampled for p in sorted((tmp / "class" / learner / "katas").glob("*.ipynb"))]
        baseline = execute_with_nbclient(notebooks)

    per_learner = grading / learners
    nbclient_per_learner = baseline / sample
    ratio = (nbclient_per_learner / args.jobs) / per_learner
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; sandbox: {graded.protections['files'].split(' (')[-1].rstrip(')')}")
    print(f"class: {learners} learners x 9 katas, {len(planted)} exercises planted; "
          f"results agreeing with the plan: {agree}/{len(planted)}")
    print(f"cnn-katas grade --jobs {args.jobs}: {grading:.1f} s in all, {per_learner:.2f} s per learner, "
          f"{learners / grading:.2f} learners per second  (target: 100 learners within 300 s)")
    print(f"nbclient, every notebook top to bottom: {nbclient_per_learner:.1f} s per learner "
          f"({sample} learner{'s' if sample != 1 else ''}, {len(notebooks)} notebooks, {baseline:.1f} s)")
    print(f"speed-up over nbclient with {args.jobs} jobs of its own: {ratio:.1f}x  (target: at least 10x)")
    ok = agree == len(planted) and ratio >= 10 and (learners < 100 or grading <= 300)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
