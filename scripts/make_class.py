"""Generate a class of learners' katas with a known mix of right, wrong and blank answers.

    .venv/bin/python scripts/make_class.py OUT --learners 100 [--seed 0]

Each learner gets a folder ``OUT/<learner>/katas/NN_*.ipynb`` (what copying course folders off a
hub gives): the course's own kata notebooks, outputs and all, with each exercise's stub
replaced by a planted answer:

- **right**: calls the reference implementation (a right answer written differently from it);
- **wrong**: behaves exactly like one of the exercise's known mistakes (it calls that mistake's
  own wrong implementation), so the grader must name that mistake's id;
- **blank**: the kata's stub left as it is, ``raise NotImplementedError``.

Some learners leave a lesson out (``missing``). :func:`make_class` returns what was planted,
``{(learner, exercise): (status, mistake id or "")}``, which the grading tests and the benchmark
compare results.csv with. Only mistakes that ``check`` reports as themselves are planted (a few
mistakes' examples are right on OpenCV 5, or named by an earlier mistake first): each planted
cell is run and checked once here, so the plan holds what ``check`` says in the notebook.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError"
MISTAKES_PER_EXERCISE = 3


def _call(exercise) -> str:
    """``a, b, key=key``: the exercise's parameters passed on unchanged."""
    parts = []
    for p in inspect.signature(exercise.reference).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            parts.append(f"{p.name}={p.name}")
        else:
            parts.append(p.name)
    return ", ".join(parts)


def right_body(exercise) -> str:
    reference = exercise.reference
    return (f"    from {reference.__module__} import {reference.__name__} as reference\n"
            f"    return reference({_call(exercise)})")


def wrong_body(exercise, mistake_id: str) -> str:
    return (f"    # a known mistake: {mistake_id}\n"
            f"    from helpers.exercises.core import get_exercise\n"
            f"    wrong = next(m for m in get_exercise({exercise.name!r}).mistakes if m.id == {mistake_id!r})\n"
            f"    return (wrong.example or wrong.impl)({_call(exercise)})")


def stub_cell(name: str, katas: Path = ROOT / "katas") -> str:
    """The kata cell that holds exercise ``name``'s stub."""
    for path in sorted(katas.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "code" and f"def {name}(" in text and STUB in text:
                return text
    raise LookupError(f"no kata cell holds the stub of {name}")


@lru_cache(maxsize=None)
def plantable_mistakes(name: str) -> tuple:
    """Up to MISTAKES_PER_EXERCISE (mistake id, status) of exercise ``name`` whose planted answer
    ``check`` names as that mistake: the planted cell itself is run and checked here."""
    import cv2
    import numpy as np

    from helpers.exercises.core import check, get_exercise

    exercise = get_exercise(name)
    found = []
    for mistake in exercise.mistakes:
        if (mistake.example or mistake.impl) is None or mistake.on_no_raise:
            continue
        namespace = {"np": np, "cv2": cv2}
        exec(plant(stub_cell(name), name, wrong_body(exercise, mistake.id)), namespace)
        result = check(name, namespace[name])
        if result.mistake == mistake.id and result.status in ("incorrect", "error"):
            found.append((mistake.id, result.status))
        if len(found) == MISTAKES_PER_EXERCISE:
            break
    return tuple(found)


def plant(source: str, name: str, body: str) -> str:
    """The kata cell ``source`` with exercise ``name``'s stub replaced by ``body``."""
    start = source.index(f"def {name}(")
    stub = source.index(STUB, start)
    return source[:stub] + body + source[stub + len(STUB):]


def make_class(out: Path, learners: int, seed: int = 0, katas: Path = ROOT / "katas",
               p_right: float = 0.5, p_wrong: float = 0.35, p_missing: float = 0.04) -> dict:
    """Write ``learners`` learners' folders under ``out``; the planted {(learner, exercise): (status, mistake)}."""
    from helpers.exercises import load_all
    from helpers.exercises.core import all_exercises

    os.environ.setdefault("CNN_KATAS_PROGRESS", "off")  # planting runs check: not the maintainer's practice
    load_all()
    rng = random.Random(seed)
    exercises = sorted(all_exercises(), key=lambda e: (e.notebook, e.name))
    notebooks = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(katas.glob("[0-9][0-9]_*.ipynb"))}
    planted = {}
    for number in range(1, learners + 1):
        learner = f"learner{number:03d}"
        folder = out / learner / "katas"
        folder.mkdir(parents=True, exist_ok=True)
        for stem, notebook in notebooks.items():
            mine = [e for e in exercises if e.notebook == stem]
            if rng.random() < p_missing:
                for exercise in mine:
                    planted[(learner, exercise.name)] = ("missing", "")
                continue
            copy = json.loads(json.dumps(notebook))
            for exercise in mine:
                draw = rng.random()
                mistakes = plantable_mistakes(exercise.name)
                if draw < p_right:
                    body, outcome = right_body(exercise), ("correct", "")
                elif draw < p_right + p_wrong and mistakes:
                    mistake_id, status = rng.choice(mistakes)
                    body, outcome = wrong_body(exercise, mistake_id), (status, mistake_id)
                else:
                    body, outcome = None, ("not attempted", "")
                planted[(learner, exercise.name)] = outcome
                if body is None:
                    continue
                for cell in copy["cells"]:
                    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    if cell["cell_type"] == "code" and f"def {exercise.name}(" in text:
                        cell["source"] = plant(text, exercise.name, body)
                        break
            (folder / f"{stem}.ipynb").write_text(json.dumps(copy, indent=1), encoding="utf-8")
    return planted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--planted", type=Path, help="write the planted answers here as JSON")
    args = parser.parse_args(argv)
    planted = make_class(args.out, args.learners, args.seed)
    if args.planted:
        args.planted.write_text(json.dumps({f"{k[0]}/{k[1]}": v for k, v in sorted(planted.items())}, indent=1))
    print(f"{args.learners} learners under {args.out}" + (f"; planted answers in {args.planted}" if args.planted else ""))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
