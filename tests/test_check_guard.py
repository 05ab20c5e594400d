"""check() against code that hangs, exits, floods the output or breaks its own exceptions.

The demo exercise has a 1 s time limit per case so that these tests stay quick; the course's
exercises use Exercise.time_limit (10 s by default), stated in the message.
"""
import re
import threading
import sys
import time

import numpy as np
import pytest

from helpers import check
from helpers.exercises import core
from helpers.exercises.core import Case, Exercise


def _double(x):
    """Reference: twice the input, as a new array."""
    return np.asarray(x) * 2


def _is_positive(x):
    """Reference: one Python bool."""
    return bool(x > 0)


@pytest.fixture(autouse=True)
def demo_exercises():
    core.register(Exercise("guard_double", "99_test", _double,
                           lambda: [Case("a (3,) float32 array", (np.arange(3, dtype=np.float32),)),
                                    Case("a (2, 2) float32 array", (np.ones((2, 2), np.float32),))],
                           hint="multiply by two", time_limit=1.0))
    core.register(Exercise("guard_positive", "99_test", _is_positive,
                           lambda: [Case("x = 2.0", (2.0,)), Case("x = -1.0", (-1.0,))], hint="x > 0"))
    yield
    core._REGISTRY.pop("guard_double")
    core._REGISTRY.pop("guard_positive")


def test_an_endless_loop_is_stopped_and_the_kernel_goes_on():
    def hangs(x):
        i, n, batch_size = 0, 10, 0
        while i < n:
            i += batch_size
        return x * 2
    started = time.perf_counter()
    result = check("guard_double", hangs)
    assert time.perf_counter() - started < 5
    assert result.status == "error" and result.mistake == "generic.timeout"
    assert "still running after 1 s" in result.message and "never ends" in result.message
    assert check("guard_double", _double).passed   # and the checker still works afterwards


def test_an_endless_loop_that_swallows_exceptions_is_stopped_too():
    def stubborn(x):
        while True:
            try:
                while True:
                    pass
            except BaseException:   # a bare except: the watchdog stops it again
                pass
    result = check("guard_double", stubborn)
    assert result.mistake == "generic.timeout"


def test_a_loop_inside_the_handler_that_swallowed_the_stop_is_stopped_too():
    def loops_in_its_handler(x):
        try:
            while True:
                pass
        except BaseException:
            while True:
                pass

    started = time.perf_counter()
    result = check("guard_double", loops_in_its_handler)
    assert result.mistake == "generic.timeout", result
    assert time.perf_counter() - started < 10
    assert check("guard_double", _double).passed


def test_a_trace_function_set_before_the_check_is_set_again_after_a_stop():
    def debugger(frame, event, arg):   # what pdb or coverage would have set
        return None

    def stubborn(x):
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass

    old = sys.gettrace()
    sys.settrace(debugger)
    try:
        result = check("guard_double", stubborn)
        assert sys.gettrace() is debugger
    finally:
        sys.settrace(old)
    assert result.mistake == "generic.timeout"


def test_sleeping_past_the_limit_is_stopped():
    started = time.perf_counter()
    result = check("guard_double", lambda x: time.sleep(30) or x * 2)
    assert result.mistake == "generic.timeout" and time.perf_counter() - started < 5


def test_growing_memory_is_stopped():
    def grows(x):
        chunks = []
        while True:
            chunks.append(np.ones(4 << 20))   # 32 MB a step
    result = check("guard_double", grows)
    assert result.status == "error" and result.mistake in ("generic.memory", "generic.timeout")
    assert result.mistake == "generic.memory" or "still running" in result.message


def test_a_check_off_the_main_thread_is_bounded_too():
    results = []
    def hangs(x):
        while True:
            pass
    thread = threading.Thread(target=lambda: results.append(check("guard_double", hangs)))
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and results[0].mistake == "generic.timeout"


def test_slow_but_finite_code_finishes_and_the_time_is_said():
    result = check("guard_double", lambda x: time.sleep(0.6) or x * 2)
    assert result.passed
    # the reference takes about 0.001 s; a loaded machine can make that 0.01 s
    assert re.search(r"Your function took 1\.\d s in all \(the reference 0\.0\d s\)", result.message), result.message


@pytest.mark.parametrize("exit_call", [SystemExit(0), GeneratorExit()])
def test_exit_is_reported_not_raised(exit_call):
    def exits(x):
        raise exit_call
    result = check("guard_double", exits)
    assert result.status == "error" and result.mistake == "generic.exit"
    assert type(exit_call).__name__ in result.message


def test_keyboard_interrupt_still_interrupts():
    def pressed_stop(x):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        check("guard_double", pressed_stop)


def test_an_exception_whose_str_raises_is_the_learners():
    class Broken(Exception):
        def __str__(self):
            raise RuntimeError("no message for you")
    def raises_broken(x):
        raise Broken()
    result = check("guard_double", raises_broken)
    assert result.status == "error" and "Broken" in result.message
    assert "checker itself failed" not in result.message


def test_printed_output_is_captured_and_summarised(capsys):
    def chatty(x):
        for i in range(40_000):
            print("step", i)
        return x * 2
    result = check("guard_double", chatty)
    assert result.passed
    assert capsys.readouterr().out == ""
    assert "printed 80,000 lines" in result.message and "'step 0'" in result.message


def test_none_is_named_before_any_value_diagnosis():
    result = check("guard_double", lambda x: None)
    assert result.mistake == "generic.returned_none" and "forget `return`" in result.message


def test_a_generator_is_named():
    result = check("guard_double", lambda x: (v * 2 for v in x))
    assert result.mistake == "generic.generator" and "generator" in result.message


def test_a_list_where_an_array_is_due_is_a_type_mistake():
    result = check("guard_double", lambda x: (x * 2).tolist())
    assert result.mistake == "generic.wrong_type" and "NumPy array, not list" in result.message


def test_numpy_bool_where_a_python_bool_is_due():
    result = check("guard_positive", lambda x: np.float64(x) > 0)
    assert result.mistake == "generic.wrong_type" and "bool(...)" in result.message
    assert check("guard_positive", lambda x: x > 0).passed


def test_a_known_mistake_recognised_by_its_exception():
    core._REGISTRY["guard_double"].mistakes = [core.Mistake(
        "guard_double.indexed_by_float", "index with ints", on_error=lambda exc, case: isinstance(exc, IndexError))]
    result = check("guard_double", lambda x: x[np.float32(0.5):] if False else [][0])
    assert result.status == "error" and result.mistake == "guard_double.indexed_by_float"
    assert "IndexError" in result.message and "index with ints" in result.message


def test_a_known_mistake_explains_a_missing_raise():
    core.register(Exercise(
        "guard_finite", "99_test", _refuse_non_finite,
        lambda: [Case("x = 1.0", (1.0,)), Case("x = inf", (float("inf"),), raises=ValueError)],
        hint="np.isfinite", mistakes=[core.Mistake(
            "guard_finite.nan_only", "a NaN test alone lets inf through: use np.isfinite",
            detect=lambda run: run.expected is None and np.isinf(run.case.args[0]), on_no_raise=True)]))
    try:
        def nan_only(x):
            if np.isnan(x):
                raise ValueError("NaN")
            return x
        result = check("guard_finite", nan_only)
        assert result.mistake == "guard_finite.nan_only" and "instead of raising ValueError" in result.message
        assert check("guard_finite", lambda x: x).mistake == "guard_finite.nan_only"
        assert check("guard_finite", _refuse_non_finite).passed
    finally:
        core._REGISTRY.pop("guard_finite")


def _refuse_non_finite(x):
    """Reference: x, or ValueError when it is not finite."""
    if not np.isfinite(x):
        raise ValueError(f"x must be finite, got {x}")
    return x


def test_a_generator_where_a_list_is_due_is_told_to_build_a_list():
    core.register(Exercise("guard_listing", "99_test", lambda x: list(range(x)),
                           lambda: [Case("x = 3", (3,))], hint="list"))
    try:
        result = check("guard_listing", lambda x: (i for i in range(x)))
        assert result.mistake == "generic.generator" and "list(...)" in result.message
        assert "np.array" not in result.message
    finally:
        core._REGISTRY.pop("guard_listing")


def test_a_known_mistake_explains_an_unhelpful_exception_message():
    def reference(lines):
        """Reference: ValueError naming the 1-based number of the first empty line."""
        for number, line in enumerate(lines, start=1):
            if not line:
                raise ValueError(f"line {number} is empty")
        return lines
    core.register(Exercise(
        "guard_lines", "99_test", reference,
        lambda: [Case("['a', '', 'b']", (["a", "", "b"],), raises=ValueError, raises_mentions=("line 2",))],
        hint="enumerate(..., start=1)", mistakes=[core.Mistake(
            "guard_lines.counted_from_zero", "count lines from 1: enumerate(lines, start=1)",
            detect=lambda run: isinstance(run.got, ValueError) and "line 1" in str(run.got), on_no_raise=True)]))
    try:
        def from_zero(lines):
            for number, line in enumerate(lines):
                if not line:
                    raise ValueError(f"line {number} is empty")
            return lines
        result = check("guard_lines", from_zero)
        assert result.mistake == "guard_lines.counted_from_zero" and "start=1" in result.message
        result = check("guard_lines", lambda lines: _raise_value_error("empty line"))
        assert result.mistake == "generic.raise_message"
    finally:
        core._REGISTRY.pop("guard_lines")


def _raise_value_error(text):
    raise ValueError(text)


def test_what_an_exception_must_mention_is_matched_in_any_case():
    core.register(Exercise(
        "guard_nan", "99_test", _refuse_nan, lambda: [Case("x = nan", (float("nan"),), raises=ValueError,
                                                           raises_mentions=("NaN",))], hint="np.isnan"))
    try:
        assert check("guard_nan", lambda x: _raise_value_error("got a nan")).passed
        assert check("guard_nan", lambda x: _raise_value_error("bad value")).mistake == "generic.raise_message"
    finally:
        core._REGISTRY.pop("guard_nan")


def _refuse_nan(x):
    """Reference: ValueError for NaN."""
    if np.isnan(x):
        raise ValueError("x is NaN")
    return x


def test_a_known_mistake_explains_the_wrong_exception_type():
    core.register(Exercise(
        "guard_nan_type", "99_test", _refuse_nan,
        lambda: [Case("x = nan", (float("nan"),), raises=ValueError, raises_mentions=("NaN",))], hint="isnan",
        mistakes=[core.Mistake("guard_nan_type.type_error", "NaN is a bad value, not a bad type: ValueError",
                               detect=lambda run: isinstance(run.got, TypeError), on_no_raise=True)]))
    try:
        result = check("guard_nan_type", lambda x: _raise(TypeError("NaN")))
        assert result.mistake == "guard_nan_type.type_error" and "bad value, not a bad type" in result.message
        result = check("guard_nan_type", lambda x: _raise(KeyError("NaN")))
        assert result.mistake == "generic.wrong_exception"
    finally:
        core._REGISTRY.pop("guard_nan_type")


def _raise(exc):
    raise exc
