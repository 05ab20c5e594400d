"""Finding the code an exercise needs without running it: every rule of helpers/grade/notebook_code.py.

Each test writes a tiny notebook as a list of code-cell sources (cell 1 first) and asserts which
top-level statements ``needed_for`` keeps, as (cell, statement index) pairs, or why none.
"""
import ast
import copy
import sys

import pytest

from helpers.grade.notebook_code import CodeCell, Needed, cell_filename, needed_for, parse_cells

IMPORT = "import numpy as np"
SOFTMAX = "def softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()"
CHECK = 'check("softmax", softmax)'


def needed(sources: list, exercise: str = "softmax") -> Needed:
    return needed_for(parse_cells(sources), exercise)


def kept(sources: list, exercise: str = "softmax") -> list:
    """[(cell, index)] the exercise needs; fails, showing the message, when it cannot be graded."""
    result = needed(sources, exercise)
    assert result.status is None, result.message
    return result.statements


def kept_code(sources: list, exercise: str = "softmax") -> list:
    """The kept statements as (normalised) source text, in notebook order."""
    cells = parse_cells(sources)
    by_key = {s.key: s for cell in cells for s in cell.statements}
    result = needed_for(cells, exercise)
    assert result.status is None, result.message
    return [ast.unparse(by_key[key].node) for key in result.statements]


def code(text: str) -> str:
    """A snippet as kept_code shows it."""
    return ast.unparse(ast.parse(text).body[0])


def code_sources(notebook: dict) -> list:
    """The code cells' sources of an nbformat-4 notebook dict, in order: all the grader reads."""
    return ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in notebook["cells"] if cell["cell_type"] == "code"]


# --------------------------------------------------------------------------- #
# Cells to statements
# --------------------------------------------------------------------------- #
def test_cells_are_numbered_from_one_and_statements_indexed_in_their_cell():
    cells = parse_cells(["a = 1\nb = 2", "", "c = a + b"])
    assert [cell.number for cell in cells] == [1, 2, 3]
    assert all(isinstance(cell, CodeCell) for cell in cells)
    assert [s.key for s in cells[0].statements] == [(1, 0), (1, 1)]
    assert cells[1].statements == [] and cells[1].syntax_error is None
    assert [s.key for s in cells[2].statements] == [(3, 0)]
    assert cells[2].source == "c = a + b"
    assert cells[2].statements[0].defines == {"c"} and cells[2].statements[0].now == {"a", "b"}


def test_cell_filename_names_the_code_cell():
    assert cell_filename(3) == "cell 3"


# --------------------------------------------------------------------------- #
# What is kept
# --------------------------------------------------------------------------- #
def test_the_def_and_its_import_are_kept_and_demo_statements_are_not():
    sources = [
        "import matplotlib.pyplot as plt\nimport numpy as np\nfrom helpers import check",
        'model = load_model("efficientnet_lite0")\nlogits = model.predict(image)',
        SOFTMAX,
        CHECK,
        "probs = softmax(logits)\nplt.plot(probs)\nprint(probs.sum())",
    ]
    assert kept_code(sources) == [IMPORT, code(SOFTMAX)]
    assert kept(sources) == [(1, 1), (3, 0)]


def test_statements_come_in_notebook_order():
    sources = ["def _shift(z):\n    return z - z.max()", IMPORT,
               "def softmax(z):\n    e = np.exp(_shift(z))\n    return e / e.sum()", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (3, 0)]


def test_a_helper_in_its_own_cell_before_the_def_is_kept_transitively():
    sources = [IMPORT, "EPS = np.float32(1e-12)", "import math",
               "def _normalise(e):\n    return e / (e.sum() + EPS)",
               "def softmax(z):\n    return _normalise(np.exp(z - z.max()))", CHECK]
    # helper -> constant -> import; the unused `import math` is not kept
    assert kept(sources) == [(1, 0), (2, 0), (4, 0), (5, 0)]


def test_a_helper_written_after_the_def_but_before_the_check_is_kept():
    sources = [IMPORT, "def softmax(z):\n    return _normalise(np.exp(z - z.max()))",
               "def _normalise(e):\n    return e / e.sum()", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (3, 0)]


def test_a_helper_written_after_the_check_is_not_kept():
    sources = [IMPORT, "def softmax(z):\n    return _normalise(np.exp(z))", CHECK,
               "def _normalise(e):\n    return e / e.sum()"]
    assert kept(sources) == [(1, 0), (2, 0)]


def test_names_used_in_the_body_resolve_at_the_last_check_call():
    sources = ["K = 1", "def softmax(z):\n    return z * K", "K = 2", CHECK, "K = 3"]
    assert kept_code(sources) == [code(sources[1]), "K = 2"]


def test_a_helper_redefined_after_the_check_keeps_the_version_checked():
    sources = ["def _shift(z):\n    return z - z.max()", "def softmax(z):\n    return _shift(z)",
               CHECK, "def _shift(z):\n    return z"]
    assert kept(sources) == [(1, 0), (2, 0)]


def test_names_used_at_module_level_resolve_before_their_statement():
    sources = ["K = 1", "SCALE = K * 2", "K = 5", "def softmax(z):\n    return z * SCALE", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (4, 0)]


def test_a_name_rebound_from_itself_keeps_both_statements():
    sources = ["x = 1", "x = x + 1", "def softmax(z):\n    return z * x", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (3, 0)]


def test_an_augmented_assignment_counts_as_a_use():
    sources = ["total = 0", "total += 1", "for _ in range(3):\n    total += 1",
               "def softmax(z):\n    return z * total", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (3, 0), (4, 0)]


def test_an_augmented_assignment_to_a_local_does_not_use_the_module_level_name():
    sources = ['probs = model.predict(image)',
               "def softmax(z):\n    probs = np.exp(z)\n    probs /= probs.sum()\n    return probs", CHECK]
    assert kept(sources) == [(2, 0)]


def test_a_global_the_function_updates_is_kept():
    sources = ["calls = 0", "def softmax(z):\n    global calls\n    calls += 1\n    return z", CHECK]
    assert kept(sources) == [(1, 0), (2, 0)]


def test_decorators_and_default_values_are_used_when_the_def_runs():
    sources = ["from functools import lru_cache as remember", "K = -1",
               "@remember\ndef softmax(z, axis=K):\n    return z",
               "remember = None\nK = 0", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (3, 0)]


def test_a_class_the_function_uses_is_kept_with_what_its_body_and_methods_use():
    sources = ["BASE = 10", "class Scaler:\n    base = BASE\n    def scale(self, z):\n        return z * FACTOR",
               "BASE = 11\nFACTOR = 2", "def softmax(z):\n    return Scaler().scale(z)", CHECK]
    # the class body runs at once (the first BASE); its methods run at the check (FACTOR)
    assert kept(sources) == [(1, 0), (2, 0), (3, 1), (4, 0)]


def test_a_comprehension_at_module_level_uses_names_now_and_a_lambda_later():
    sources = ["F = 1\nG = 1", "SCALES = [k * F for k in range(3)]\nshift = lambda z: z - G",
               "F = 2\nG = 2", "def softmax(z):\n    return shift(z) * SCALES[1]", CHECK]
    assert kept(sources) == [(1, 0), (2, 0), (2, 1), (3, 1), (4, 0)]


def test_a_name_nothing_defines_is_left_to_the_builtins():
    assert kept(["def softmax(z):\n    return sum(z) / len(z)", CHECK]) == [(1, 0)]


# --------------------------------------------------------------------------- #
# Which definition is graded
# --------------------------------------------------------------------------- #
def test_the_last_def_before_the_last_check_is_graded():
    first = "def softmax(z):\n    return z"
    sources = [IMPORT, first, CHECK, SOFTMAX, CHECK, "def softmax(z):\n    return None"]
    assert kept_code(sources) == [IMPORT, code(SOFTMAX)]


def test_a_def_after_the_last_check_is_not_graded():
    first = "def softmax(z):\n    return z"
    assert kept_code([IMPORT, first, CHECK, SOFTMAX]) == [code(first)]


def test_without_a_check_call_the_last_def_in_the_notebook_is_graded():
    sources = [IMPORT, "def softmax(z):\n    return z", SOFTMAX, "print(softmax(np.zeros(3)))"]
    assert kept(sources) == [(1, 0), (3, 0)]


def test_an_assignment_to_the_name_is_an_answer():
    sources = [IMPORT, "softmax = lambda z: np.exp(z) / np.exp(z).sum()", CHECK]
    assert kept(sources) == [(1, 0), (2, 0)]


def test_an_import_of_the_name_never_counts_as_the_answer():
    reference = "from helpers.probabilities import softmax"
    assert kept([IMPORT, SOFTMAX, reference, CHECK]) == [(1, 0), (2, 0)]
    assert kept([IMPORT, reference, SOFTMAX, CHECK]) == [(1, 0), (3, 0)]
    only_import = needed([reference, CHECK])
    assert only_import.status == "not attempted" and only_import.statements == []


def test_a_check_call_nested_in_another_call_counts():
    for call in ['display(check("softmax", softmax))', 'ok = check("softmax", softmax)',
                 'grader.check("softmax", softmax)', 'if True:\n    check("softmax", softmax)']:
        sources = ["K = 1", "def softmax(z):\n    return z * K", "K = 2", call, "K = 3"]
        assert kept(sources) == [(2, 0), (3, 0)], call


def test_a_check_of_another_exercise_is_not_a_checkpoint():
    sources = ["def softmax(z):\n    return z", CHECK, "def softmax(z):\n    return -z",
               'check("log_softmax", softmax)']
    assert kept_code(sources) == [code("def softmax(z):\n    return z")]


def test_a_check_call_inside_a_def_is_not_a_checkpoint():
    sources = ["def softmax(z):\n    return z", CHECK, "def softmax(z):\n    return -z",
               'def check_again():\n    check("softmax", softmax)']
    assert kept_code(sources) == [code("def softmax(z):\n    return z")]


# --------------------------------------------------------------------------- #
# Why there is nothing to grade
# --------------------------------------------------------------------------- #
def test_no_def_is_not_attempted_with_a_message_naming_the_function():
    result = needed([IMPORT, "def softmax_v2(z):\n    return z", 'check("softmax", softmax_v2)'])
    assert result.status == "not attempted"
    assert result.statements == []
    assert "softmax" in result.message and "def softmax(" in result.message


def test_a_syntax_error_in_the_cell_defining_the_function_is_an_error_naming_cell_and_line():
    broken = "def softmax(z):\n    e = np.exp(z) +\n    return e / e.sum()"
    result = needed([IMPORT, "x = 1", broken, CHECK])
    assert result.status == "error"
    assert result.statements == []
    assert "cell 3" in result.message and "softmax" in result.message
    assert "line 2" in result.message


def test_a_broken_second_attempt_before_the_check_is_an_error():
    broken = "def softmax(z):\n    return z +"
    result = needed([IMPORT, SOFTMAX, broken, CHECK])
    assert result.status == "error" and "cell 3" in result.message and "line 2" in result.message


def test_without_a_check_call_a_broken_last_attempt_is_an_error():
    result = needed([IMPORT, SOFTMAX, "def softmax(z) return z"])
    assert result.status == "error" and "cell 3" in result.message and "line 1" in result.message


def test_a_broken_attempt_superseded_by_a_working_def_is_ignored():
    assert kept([IMPORT, "def softmax(z) return z", SOFTMAX, CHECK]) == [(1, 0), (3, 0)]


def test_a_broken_attempt_after_the_last_check_is_ignored():
    assert kept([IMPORT, SOFTMAX, CHECK, "def softmax(z) return z"]) == [(1, 0), (2, 0)]


def test_a_syntax_error_in_an_unrelated_cell_does_not_matter():
    sources = [IMPORT, "print(softmax(np.zeros(3))", SOFTMAX, "for for", CHECK]
    cells = parse_cells(sources)
    assert cells[1].syntax_error is not None and cells[3].syntax_error is not None
    assert needed_for(cells, "softmax").statements == [(1, 0), (3, 0)]


def test_a_nul_byte_in_the_defining_cell_is_an_error_naming_the_cell():
    result = needed(["def softmax(z):\n    return z\0", CHECK])
    assert result.status == "error" and "cell 1" in result.message


def test_a_nul_byte_error_message_does_not_say_line_none():
    assert "None" not in needed(["def softmax(z):\n    return z\0", CHECK]).message


# --------------------------------------------------------------------------- #
# IPython syntax and cell magics
# --------------------------------------------------------------------------- #
def test_ipython_line_magics_and_shell_escapes_do_not_break_parsing():
    sources = ["%matplotlib inline\n!pip install x\nimport numpy as np",
               "files = !ls\n%time y = 1\n" + SOFTMAX + "\n\ndef count():\n    return len(files)",
               CHECK, 'check("count", count)']
    cells = parse_cells(sources)
    assert all(cell.syntax_error is None for cell in cells)
    assert needed_for(cells, "softmax").statements == [(1, 2), (2, 2)]
    assert needed_for(cells, "count").statements == [(2, 0), (2, 3)]


def test_without_ipython_magic_lines_become_blank_lines(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython.core.inputtransformer2", None)  # import fails
    cells = parse_cells(["%matplotlib inline\n!pip install x\n" + IMPORT, SOFTMAX, CHECK])
    assert cells[0].python.split("\n") == ["", "", IMPORT]
    assert needed_for(cells, "softmax").statements == [(1, 0), (2, 0)]


@pytest.mark.parametrize("magic", ["%%time", "%%capture output", "%%prun"])
def test_timing_and_capturing_cell_magics_are_python(magic):
    sources = [IMPORT, magic + "\n" + SOFTMAX + "\nprint(softmax(np.zeros(3)))", CHECK]
    assert kept_code(sources) == [IMPORT, code(SOFTMAX)]


@pytest.mark.parametrize("magic", ["%%bash", "%%writefile softmax.py", "%%html"])
def test_other_cell_magics_are_left_out(magic):
    cells = parse_cells([IMPORT, magic + "\n" + SOFTMAX + "\n" + CHECK + "\n)(", CHECK])
    assert cells[1].python == "" and cells[1].statements == [] and cells[1].syntax_error is None
    assert needed_for(cells, "softmax").status == "not attempted"


def test_a_cell_magic_after_leading_blank_lines_is_recognised():
    cells = parse_cells(["\n\n%%bash\necho def softmax(z):"])
    assert cells[0].python == "" and cells[0].syntax_error is None


@pytest.mark.parametrize("source", ["%%time\ndef softmax(z):\n    return z +",
                                    "\ndef softmax(z):\n    return z +"])
def test_line_numbers_are_the_learners_even_after_a_cell_magic_or_blank_lines(source):
    result = needed([source, CHECK])
    assert result.status == "error" and "line 3" in result.message


def test_a_def_inside_timeit_defines_nothing():
    assert needed(["%%timeit\n" + SOFTMAX, CHECK]).status == "not attempted"


# --------------------------------------------------------------------------- #
# What the notebook claims is never read
# --------------------------------------------------------------------------- #
def _notebook(exercise_source: str) -> dict:
    def cell(kind, source):
        extra = {"outputs": [], "execution_count": None} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {}, "source": source, **extra}

    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("markdown", "# Softmax\nWrite `softmax` below."),
        cell("code", [IMPORT + "\n"]),
        cell("markdown", "## Exercise"),
        cell("code", exercise_source.splitlines(keepends=True)),
        cell("code", CHECK),
    ]}


def _forge(notebook: dict) -> dict:
    forged = copy.deepcopy(notebook)
    forged["metadata"]["grade"] = "correct"
    for number, cell in enumerate(forged["cells"], start=1):
        cell["metadata"] = {"tags": ["graded", "solution"], "deletable": False}
        if cell["cell_type"] == "code":
            cell["execution_count"] = 100 - number
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["correct\n"]},
                               {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                "data": {"text/plain": ["'softmax: correct'"]}}]
    return forged


def test_code_cells_are_numbered_among_code_cells_only():
    assert code_sources(_notebook(SOFTMAX)) == [IMPORT + "\n", SOFTMAX, CHECK]
    assert kept(code_sources(_notebook(SOFTMAX))) == [(1, 0), (2, 0)]


def test_forged_outputs_metadata_and_execution_counts_change_nothing():
    blank = "def softmax(z):\n    # YOUR CODE HERE\n    raise NotImplementedError"
    for exercise in (SOFTMAX, blank, "softmax = None  # not a def, still an answer"):
        honest, forged = _notebook(exercise), _forge(_notebook(exercise))
        assert code_sources(forged) == code_sources(honest)
        assert needed(code_sources(forged)) == needed(code_sources(honest))
    empty = _forge(_notebook("# YOUR CODE HERE"))
    assert needed(code_sources(empty)).status == "not attempted"


def test_the_same_sources_give_the_same_answer():
    sources = [IMPORT, "K = 1", SOFTMAX, "def _h():\n    return K", CHECK]
    assert needed(sources) == needed(list(sources))


def test_a_def_only_below_the_last_check_says_to_move_the_check():
    result = needed(['check("softmax", softmax)', "def softmax(z):\n    return z"])
    assert result.status == "not attempted"
    assert "comes before any `def softmax(`" in result.message
