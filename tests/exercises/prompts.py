"""The prompt of an exercise: the words a learner reads in the solution notebook before writing it.

The prompt is the run of markdown cells just above the code cell that defines the exercise
(``def <name>(`` with ``### BEGIN SOLUTION``), joined; whitespace is normalised so that a
rule's words match however the markdown wraps them.
"""
import re
from functools import lru_cache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def normalise(text: str) -> str:
    """Lower case, markdown emphasis and code marks dropped, whitespace collapsed."""
    text = re.sub(r"[`*_]", "", text.lower())
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=None)
def _cells(notebook: str) -> tuple:
    path = ROOT / "solutions" / f"{notebook}.ipynb"
    return tuple(nbformat.read(path, as_version=4).cells)


def prompt_of(exercise) -> str:
    """The markdown just above ``def <exercise.name>(`` in its solution notebook (raw text)."""
    cells = _cells(exercise.notebook)
    for index, cell in enumerate(cells):
        if (cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source
                and re.search(rf"^def {re.escape(exercise.name)}\(", cell.source, re.M)):
            parts = []
            for previous in reversed(cells[:index]):
                if previous.cell_type != "markdown":
                    break
                parts.insert(0, previous.source)
            return "\n\n".join(parts)
    raise LookupError(f"no cell defining {exercise.name} in solutions/{exercise.notebook}.ipynb")
