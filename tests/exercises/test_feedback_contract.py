"""What every exercise's feedback promises, tested over all of them at once.

- Every known mistake has a stable id ``<exercise>.<what>``, listed in mistake_ids.txt (ids are
  counted by graders and progress files, so one is never renamed or reused: a mistake that is
  dropped stays in the file, marked ``retired``).
- Every known mistake has a wrong answer (``example``, or its ``impl``) that the check reports as
  that very mistake: the order of the mistakes cannot hide one behind another, except for the
  pairs each test_exNN module lists in its SAME_ANSWER, which truly give the same output.
- Every case tests a rule the exercise's prompt states, and every rule the prompt states is
  tested by a case: each rule's words appear in the prompt, and each rule has a case.
"""
import importlib
import re
from pathlib import Path

import cv2
import pytest

from helpers import check
from helpers.exercises.core import GENERIC_MISTAKES, all_exercises, all_mistakes

from .prompts import normalise, prompt_of

IDS_FILE = Path(__file__).with_name("mistake_ids.txt")



def _same_answer_pairs():
    """Every test_exNN module's SAME_ANSWER: {mistake id: (id reported instead, why they cannot differ)}."""
    pairs = {}
    for path in sorted(Path(__file__).parent.glob("test_ex*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        pairs.update(getattr(module, "SAME_ANSWER", {}))
    return pairs


SAME_ANSWER = _same_answer_pairs()


def _opencv4_only():
    """Every test_exNN module's OPENCV4_ONLY: {mistake id: why OpenCV 5 runs that code fine}."""
    ids = {}
    for path in sorted(Path(__file__).parent.glob("test_ex*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        ids.update(getattr(module, "OPENCV4_ONLY", {}))
    return ids


OPENCV4_ONLY = _opencv4_only()


def _course_exercises():
    return [e for e in all_exercises() if not e.notebook.startswith("99")]


def _id_file():
    """{id: retired?} from mistake_ids.txt (one id a line, '# comments', 'id retired')."""
    ids = {}
    for line in IDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, *flags = line.split()
            ids[name] = "retired" in flags
    return ids


def test_mistake_ids_are_well_formed_and_unique():
    seen = set()
    for name, mistake in all_mistakes():
        if name.startswith("demo_"):
            continue
        assert re.fullmatch(rf"{re.escape(name)}\.[a-z0-9_]+", mistake.id), (
            f"{mistake.id!r}: a mistake id is '<exercise>.<what>' in lower case, e.g. 'softmax.overflow'")
        assert mistake.id not in seen, f"mistake id {mistake.id!r} is used twice"
        seen.add(mistake.id)
    for generic in GENERIC_MISTAKES:
        assert re.fullmatch(r"generic\.[a-z0-9_]+", generic)


def test_every_mistake_id_is_listed_and_none_is_lost():
    listed = _id_file()
    registered = {m.id for name, m in all_mistakes() if not name.startswith("demo_")} | set(GENERIC_MISTAKES)
    unlisted = sorted(registered - set(listed))
    assert not unlisted, f"add these new mistake ids to {IDS_FILE.name}: {unlisted}"
    lost = sorted(i for i, retired in listed.items() if not retired and i not in registered)
    assert not lost, (f"these ids are in {IDS_FILE.name} but no longer registered: {lost}. Never rename "
                      "an id; mark a dropped one 'retired' (and never use it again)")
    revived = sorted(i for i, retired in listed.items() if retired and i in registered)
    assert not revived, f"retired ids must not be used again: {revived}"


def _mistake_params():
    return [pytest.param(name, mistake, id=mistake.id)
            for name, mistake in all_mistakes() if not name.startswith("demo_")]


@pytest.mark.parametrize("name, mistake", _mistake_params())
def test_each_mistake_is_reported_as_itself(name, mistake):
    if mistake.id in OPENCV4_ONLY and not cv2.__version__.startswith("4."):
        pytest.skip(f"an OpenCV 4 error only: {OPENCV4_ONLY[mistake.id]}")
    answer = mistake.example or mistake.impl
    assert answer is not None, (f"{mistake.id} is recognised by a predicate only: give it an example= "
                                "wrong answer, written as a learner writes it")
    result = check(name, answer)
    expected_status = "error" if mistake.on_error is not None else "incorrect"
    assert result.status == expected_status, f"{mistake.id}: its own wrong answer gives {result}"
    allowed = SAME_ANSWER.get(mistake.id)
    if result.mistake != mistake.id and allowed is not None:
        assert result.mistake == allowed[0], f"{mistake.id}: reported as {result.mistake}, allowed {allowed}"
        return
    assert result.mistake == mistake.id, (
        f"the wrong answer of {mistake.id} is reported as {result.mistake}: {result.message}")


def test_every_exercise_states_its_rules():
    for exercise in _course_exercises():
        assert exercise.rules, f"{exercise.name}: list the rules its prompt states (Exercise.rules)"


@pytest.mark.parametrize("exercise", _course_exercises(), ids=lambda e: e.name)
def test_prompt_and_cases_agree(exercise):
    prompt = normalise(prompt_of(exercise))
    for key, words in exercise.rules.items():
        assert normalise(words) in prompt, (
            f"{exercise.name}: rule {key!r} ({words!r}) is not stated in the prompt of "
            f"solutions/{exercise.notebook}.ipynb; state it there or drop the rule")
    cases = exercise.cases()
    for case in cases:
        assert case.rule in exercise.rules, (
            f"{exercise.name}: case {case.label!r} tests rule {case.rule!r}, which the prompt does not state")
    untested = sorted(set(exercise.rules) - {case.rule for case in cases})
    assert not untested, f"{exercise.name}: no case tests the prompt's rules {untested}"
