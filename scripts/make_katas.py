"""Generate katas/ from solutions/: the solution notebooks are the only source.

In every code cell of a solution notebook, the lines between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` become ``# YOUR CODE HERE`` and ``raise NotImplementedError``
(at the indentation of the BEGIN marker); cells tagged ``solution-only`` are dropped.
The kata is then executed so that its stored outputs are real.

Usage (from the repository root, inside the virtual environment):
    python scripts/make_katas.py                 # regenerate and execute every kata
    python scripts/make_katas.py 03              # only notebooks whose name starts with 03
    python scripts/make_katas.py --solutions 03  # re-execute the solution first, then its kata
    python scripts/make_katas.py --check         # exit 1 if a committed kata is out of date

To reset a kata you have worked in to blank, run it with the notebook's number
(or `git checkout katas/NN_topic.ipynb`).
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
KATAS = ROOT / "katas"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTION_ONLY_TAG = "solution-only"
PLACEHOLDER = ("# YOUR CODE HERE", "raise NotImplementedError")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
SETUP_CELL_ID = "setup"
# The first code cell of every notebook (tests/test_make_katas.py checks it is there, unchanged).
SETUP_CELL = """\
# Set-up for Colab, Binder or a copy of this notebook outside the course folder: install the
# course's `helpers` when they are missing. In the course's own environment this does nothing.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("helpers") is None:
    source = os.environ.get("CNN_KATAS_SOURCE")  # the course repository: a git URL or a folder
    if not source:
        raise ModuleNotFoundError(
            "this notebook needs the course's `helpers` package. Run `%env CNN_KATAS_SOURCE=<the course "
            "repository: git URL or folder>` and this cell again, or open the notebook from the course "
            "folder after the README's set-up.")
    if importlib.util.find_spec("cv2") is None:  # Colab has OpenCV; a bare Python does not
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "opencv-python-headless"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)"""


def strip_solution(source: str, where: str = "cell") -> str:
    """Replace every BEGIN/END SOLUTION block in ``source`` by the placeholder."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}: nested '{BEGIN}'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + p for p in PLACEHOLDER)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{BEGIN}' without '{END}'")
    return "\n".join(out)


def make_kata(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The kata notebook (sources only, no outputs) generated from a solution notebook."""
    kata = copy.deepcopy(solution)
    cells = []
    for index, cell in enumerate(kata.cells):
        if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, f"{name} cell {index}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    kata.cells = cells
    return normalise_metadata(kata)


def normalise_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Fixed notebook metadata, so that files do not change with the Python version."""
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
    return nb


def execute(nb: nbformat.NotebookNode, folder: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh kernel started in ``folder``."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return normalise_metadata(nb)


def kata_path(solution_path: Path) -> Path:
    return KATAS / solution_path.name


def out_of_date(solution_path: Path) -> list:
    """Differences between the committed kata and the one generated from its solution."""
    expected = make_kata(nbformat.read(solution_path, as_version=4), solution_path.name)
    target = kata_path(solution_path)
    if not target.exists():
        return [f"{target.relative_to(ROOT)} is missing"]
    actual = nbformat.read(target, as_version=4)
    problems = []
    want = [(c.cell_type, c.source, c.get("metadata", {}).get("tags", [])) for c in expected.cells]
    have = [(c.cell_type, c.source, c.get("metadata", {}).get("tags", [])) for c in actual.cells]
    if want != have:
        for i, (w, h) in enumerate(zip(want, have)):
            if w != h:
                problems.append(f"{target.relative_to(ROOT)} cell {i} differs from its solution")
                break
        if len(want) != len(have):
            problems.append(f"{target.relative_to(ROOT)} has {len(have)} cells; expected {len(want)}")
    return problems


def select(patterns: list) -> list:
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    if patterns:
        paths = [p for p in paths if any(p.name.startswith(pat) for pat in patterns)]
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="name prefixes, e.g. 00 03_top")
    parser.add_argument("--solutions", action="store_true", help="re-execute the solutions first")
    parser.add_argument("--check", action="store_true", help="only report out-of-date katas")
    args = parser.parse_args(argv)
    # Every kernel records its checks in a progress file of its own, empty when it starts, so
    # that notebook 00's progress view stores the same output on every machine (the maintainer's
    # own progress file is never touched). The root conftest.py does the same for nbval.
    import atexit
    import shutil
    import tempfile

    progress_folder = tempfile.mkdtemp(prefix="cnn-katas-progress-")
    atexit.register(shutil.rmtree, progress_folder, True)
    os.environ["CNN_KATAS_PROGRESS"] = str(Path(progress_folder) / "progress-{pid}.jsonl")
    paths = select(args.notebooks)
    if not paths:
        print("no solution notebooks match", args.notebooks, file=sys.stderr)
        return 2
    if args.check:
        problems = [p for path in paths for p in out_of_date(path)]
        print("\n".join(problems) or f"{len(paths)} katas in sync with their solutions")
        return 1 if problems else 0
    KATAS.mkdir(exist_ok=True)
    for path in paths:
        if args.solutions:
            start = time.perf_counter()
            solution = execute(nbformat.read(path, as_version=4), SOLUTIONS)
            nbformat.write(solution, path)
            print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        kata = execute(make_kata(nbformat.read(path, as_version=4), path.name), KATAS)
        nbformat.write(kata, kata_path(path))
        print(f"wrote {kata_path(path).relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
