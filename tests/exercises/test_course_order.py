"""COURSE_ORDER is the order in which the solution notebooks ask for their exercises."""
import re
from pathlib import Path

import nbformat

from helpers.exercises import COURSE_ORDER
from helpers.exercises.core import all_exercises

ROOT = Path(__file__).resolve().parents[2]


def checks_in_notebook_order():
    order = []
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for name in re.findall(r'check\("([a-z_]+)"', cell.source):
                    if name not in order:
                        order.append(name)
    return order


def test_course_order_is_the_notebooks_order():
    assert list(COURSE_ORDER) == checks_in_notebook_order()


def test_every_exercise_is_in_the_course_order_and_listed_in_it():
    assert [e.name for e in all_exercises()] == list(COURSE_ORDER)
