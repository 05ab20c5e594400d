"""Every exercise's hint comes in levels: a nudge first, the steps next, one step short of the answer last.

- Every exercise has two levels or more, each a non-empty string, no two the same.
- Level 1 never holds the answer's code: no code line of the reference implementation
  (``inspect.getsource(exercise.reference)``, stripped, 12 characters or more, docstrings,
  comments, ``def`` lines and ``return names`` lines left out) and no dotted call
  (``np.something(...)``, ``probs.max(axis=1)``) that the reference makes.
- ``hint(name, k)`` is titled "Hint k of n" and points to the next level, the last one to
  ``solution(name)``; ``hint(name, n + 1)`` says that was the last; ``hint(name, 0)`` and
  ``hint(name, "2")`` say which levels there are.
"""
import ast
import inspect
import io
import re
import textwrap
import tokenize

import numpy as np
import pytest

from helpers import hint
from helpers.exercises.core import all_exercises


COURSE = [e for e in all_exercises() if not e.notebook.startswith("99")]
IDS = [e.name for e in COURSE]

MIN_LINE = 12  # shorter code lines (`x = x[0]`) are too common to count as the answer
RETURN_NAMES = re.compile(r"return\s+[\w\s,]*")  # `return names`, `return coverage, accuracy`
DOTTED_CALL = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\([^()]*\)")  # np.isnan(x), probs.max(axis=1)


def _flat(text):
    """Text without any whitespace, so that `f(a, b)` and `f(a,b)` compare equal."""
    return re.sub(r"\s+", "", text)


def reference_code_lines(reference):
    """The reference's code lines, stripped: no docstrings, comments, blank or `def` lines."""
    source = textwrap.dedent(inspect.getsource(reference))
    skipped = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            skipped.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    kept = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if number in skipped or not line or line.startswith(("def ", "async def ", "@")):
            continue
        kept.append(line)
    return kept


def answer_code_in(text, reference):
    """The pieces of the reference's code that ``text`` shows (an empty list when it shows none)."""
    lines = reference_code_lines(reference)
    shown = _flat(text)
    found = [line for line in lines
             if len(line) >= MIN_LINE and not RETURN_NAMES.fullmatch(line) and _flat(line) in shown]
    code = _flat("\n".join(lines))
    found += [call for call in DOTTED_CALL.findall(text) if _flat(call) in code]
    return found


# --------------------------------------------------------------------------- #
# The levels themselves
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("exercise", COURSE, ids=IDS)
def test_at_least_two_levels(exercise):
    assert isinstance(exercise.hint, (tuple, list)), (
        f"{exercise.name}: hint is one string; give a tuple of levels, a nudge first")
    levels = exercise.hint_levels
    assert len(levels) >= 2, f"{exercise.name} has {len(levels)} hint level(s)"
    assert all(isinstance(level, str) and level for level in levels), exercise.name
    assert len(set(levels)) == len(levels), f"{exercise.name}: two hint levels say the same"


@pytest.mark.parametrize("exercise", COURSE, ids=IDS)
def test_first_level_holds_no_answer_code(exercise):
    found = answer_code_in(exercise.hint_levels[0], exercise.reference)
    assert not found, f"hint({exercise.name!r}, 1) shows the reference's own code: {found}"


def test_the_answer_code_finder_finds_answer_code():
    from helpers.probabilities import softmax

    assert answer_code_in("maxima = logits.max(axis=axis, keepdims=True)", softmax)
    assert answer_code_in("exps = np.exp(logits  -  maxima)", softmax)  # spacing does not hide it
    assert answer_code_in("use np.isnan(maxima).any()", softmax)  # a call the reference makes
    # the docstring, a comment, the def line and plain words are not the answer's code
    assert not answer_code_in("Turn logits into probabilities along ``axis``, without overflowing.", softmax)
    assert not answer_code_in("exp(x - max) / sum(exp(x - max)) equals exp(x) / sum(exp(x))", softmax)
    assert not answer_code_in("def softmax(logits, axis=-1):", softmax)
    assert not answer_code_in("Subtract the largest logit first; look up np.exp and keepdims.", softmax)


# --------------------------------------------------------------------------- #
# hint(name, level): what the learner sees
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("exercise", COURSE, ids=IDS)
def test_each_level_is_titled_and_points_on(exercise):
    name, levels = exercise.name, exercise.hint_levels
    n = len(levels)
    assert str(hint(name)) == str(hint(name, 1))
    for k in range(1, n + 1):
        shown = hint(name, k)
        assert shown.title.startswith(f"Hint {k} of {n}"), shown.title
        assert levels[k - 1] in shown.body
        if k < n:
            assert f"hint({name!r}, {k + 1})" in shown.body, shown.body
        else:
            assert f"solution({name!r})" in shown.body and "last" in shown.body, shown.body
    assert str(hint(name, np.int64(n))) == str(hint(name, n))


@pytest.mark.parametrize("exercise", COURSE, ids=IDS)
def test_past_the_last_level_says_so_and_points_to_the_solution(exercise):
    name, n = exercise.name, len(exercise.hint_levels)
    shown = hint(name, n + 1)
    assert shown.title.startswith(f"Hint {n} of {n}"), shown.title
    assert "last" in shown.body and f"solution({name!r})" in shown.body, shown.body
    assert exercise.hint_levels[-1] in shown.body


@pytest.mark.parametrize("level", [0, -1, "2", 1.5, True, None])
@pytest.mark.parametrize("exercise", COURSE, ids=IDS)
def test_a_level_that_is_not_one_explains_the_levels(exercise, level):
    name, n = exercise.name, len(exercise.hint_levels)
    shown = str(hint(name, level))
    assert f"1 to {n}" in shown and f"hint({name!r})" in shown, shown
    assert not any(text in shown for text in exercise.hint_levels), "a bad level shows no hint text"
