"""solution(name) is a runnable whole: the reference and every project helper it calls."""
import ast

import pytest

from helpers import check, solution
from helpers.exercises import load_all
from helpers.exercises.core import all_exercises
from helpers.exercises.solutions import runnable_source

load_all()
EXERCISES = [e.name for e in all_exercises()]


def exercise(name):
    return next(e for e in all_exercises() if e.name == name)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_runs_on_its_own_and_passes_its_check(name):
    reference = exercise(name).reference
    source = runnable_source(reference)
    namespace = {"__name__": "a_learners_notebook"}
    exec(compile(source, f"solution({name!r})", "exec"), namespace)
    assert check(name, namespace[reference.__name__]).status == "correct"


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_shows_the_project_helpers_instead_of_importing_them(name):
    source = runnable_source(exercise(name).reference)
    imported = [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))]
    modules = [a.name for n in imported if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module or "" for n in imported if isinstance(n, ast.ImportFrom)]
    assert not any(m == "helpers" or m.startswith("helpers.") for m in modules), modules
    assert all(n.level == 0 for n in imported if isinstance(n, ast.ImportFrom))
    assert f"def {exercise(name).reference.__name__}(" in source


def test_decode_yolo_shows_the_nms_it_calls():
    # the example: the reference calls _class_aware_nms, whose body was not shown
    text = str(solution("decode_yolo"))
    assert "def _class_aware_nms(" in text and "def decode_yolo(" in text
    assert text.index("def _class_aware_nms(") < text.index("def decode_yolo(")
    assert "runs on its own" in text
