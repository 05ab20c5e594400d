"""The checker itself: statuses, never raising, rendering, in-place and signature checks."""
import numpy as np
import pytest

from helpers import check, exercises, hint, solution
from helpers.exercises import core
from helpers.exercises.core import Case, Exercise, Mistake


def _double(x):
    """Reference: twice the input, as a new array."""
    return np.asarray(x) * 2


def _positive(x):
    """Reference: raise ValueError for negative input, else return x."""
    if x < 0:
        raise ValueError(f"x must be >= 0, got {x}")
    return x


@pytest.fixture(autouse=True)
def demo_exercises():
    core.register(Exercise("demo_double", "99_test", _double,
                           lambda: [Case("a (3,) float32 array", (np.arange(3, dtype=np.float32),))],
                           hint="multiply by two",
                           mistakes=[Mistake("demo_double.plus_one", "you added one instead of doubling", impl=lambda x: x + 1)]))
    core.register(Exercise("demo_positive", "99_test", _positive,
                           lambda: [Case("x = 2", (2,)),
                                    Case("x = -1", (-1,), raises=ValueError, raises_mentions=["-1"])],
                           hint="raise for negatives"))
    yield
    core._REGISTRY.pop("demo_double")
    core._REGISTRY.pop("demo_positive")


def test_statuses():
    assert check("demo_double", _double).status == "correct"
    assert check("demo_double", lambda x: x * 3).status == "incorrect"

    def not_done(x):
        raise NotImplementedError
    assert check("demo_double", not_done).status == "not attempted"
    assert check("demo_double", lambda x: 1 / 0).status == "error"


def test_a_correct_answer_calling_a_blank_exercise_names_the_blank_one():
    """A learner skipped box_iou, then wrote nms on top of it: nms is not "not attempted"."""
    def box_iou(boxes_a, boxes_b):
        # YOUR CODE HERE
        raise NotImplementedError

    def doubles_via_blank_helper(x):
        box_iou(x, x)
        return x * 2

    result = check("demo_double", doubles_via_blank_helper)
    assert result.status == "error"
    assert "calls box_iou, which is still blank" in result.message
    assert "from helpers.detection import box_iou" in result.message


def test_error_names_the_exception_and_the_input():
    result = check("demo_double", lambda x: x.nope)
    assert "AttributeError" in result.message and "(3,) float32" in result.message


def test_known_mistake_is_named():
    result = check("demo_double", lambda x: x + 1)
    assert "added one" in result.message


def test_passed_and_str_and_html():
    good, bad = check("demo_double", _double), check("demo_double", lambda x: x * 3)
    assert good.passed and bool(good) and not bad.passed
    assert "correct" in str(good) and "<div" in good._repr_html_()
    assert "incorrect" in bad._repr_html_()


def test_never_raises():
    assert check("no_such_exercise", _double).status == "error"
    assert "no exercise called" in check("no_such_exercise", _double).message
    assert check("demo_double", 42).status == "error"

    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no comparing me")
    assert check("demo_double", lambda x: Weird()).status == "incorrect"


def test_in_place_change_is_reported():
    def doubles_in_place(x):
        x *= 2
        return x
    result = check("demo_double", doubles_in_place)
    assert result.status == "incorrect" and "in place" in result.message


def test_signature_must_match():
    result = check("demo_double", lambda values: values * 2)
    assert result.status == "incorrect" and "demo_double(x)" in result.message


def test_signatures_are_shown_without_type_annotations():
    """Learners type ``nms(boxes, scores, iou_threshold)``, not ``iou_threshold: 'float'``."""
    for exercise in core.all_exercises():
        assert ":" not in exercise.signature and "->" not in exercise.signature, exercise.signature
    assert core.get_exercise("nms").signature == "nms(boxes, scores, iou_threshold)"


def test_expected_exceptions():
    assert check("demo_positive", _positive).passed
    assert "instead of raising ValueError" in check("demo_positive", lambda x: x).message
    assert "mention '-1'" in check("demo_positive", lambda x: x if x >= 0 else _raise(ValueError("negative"))).message
    assert "should raise ValueError" in check("demo_positive", lambda x: x if x >= 0 else _raise(TypeError("no"))).message


def _raise(exc):
    raise exc


def test_hint_solution_and_table():
    assert "multiply" in str(hint("demo_double"))
    assert "def _double" in str(solution("demo_double"))
    assert "<pre>" in solution("demo_double")._repr_html_()
    assert "demo_double(x)" in str(exercises())
    assert "no exercise called" in str(hint("nope")) and "no exercise called" in str(solution("nope"))


def test_every_reference_passes_its_own_check():
    for exercise in core.all_exercises():
        result = check(exercise.name, exercise.reference)
        assert result.passed, str(result)


def test_every_exercise_has_a_hint_cases_and_known_mistakes():
    for exercise in core.all_exercises():
        if exercise.notebook == "99_test":
            continue
        assert all(exercise.hint_levels), exercise.name
        assert exercise.cases(), exercise.name
        assert exercise.mistakes, f"{exercise.name} diagnoses no known mistake"


def test_cases_are_deterministic():
    for exercise in core.all_exercises():
        first, second = exercise.cases(), exercise.cases()
        assert [c.label for c in first] == [c.label for c in second]
        assert core.inputs_equal([c.args for c in first], [c.args for c in second]), exercise.name
