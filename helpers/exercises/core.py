"""The exercise checker: registry, result objects, and running learner code safely.

An *exercise* is a function a learner writes with a fixed name and signature. Each
exercise module (``exNN_topic.py``) registers its exercises with :func:`register`,
giving the reference implementation, the inputs to try, the mistakes learners
really make, and a hint. :func:`check` then runs the learner's function on every
input, compares with the reference, and names the mistake when it recognises one.

``check`` never raises. Its result has ``.passed``, ``.status`` (one of
``"correct"``, ``"incorrect"``, ``"not attempted"``, ``"error"``) and
``.message``, and renders as HTML in Jupyter and as plain text elsewhere.
"""
from __future__ import annotations

import copy
import html
import inspect
import textwrap
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .guard import MEMORY_LIMIT, Printed, run_guarded

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
ERROR = "error"
STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED, ERROR)


# --------------------------------------------------------------------------- #
# What an exercise is made of
# --------------------------------------------------------------------------- #
@dataclass
class Case:
    """One input to try: positional and keyword arguments and a description.

    ``label`` is what the learner reads when this case fails, so it describes the
    input in words ("logits of shape (4, 10) with values near 1000").
    ``raises`` names the exception type the call must raise (or None), and
    ``raises_mentions`` lists strings that the exception message must contain (in any case:
    "NaN", "nan" and "NAN" all mention NaN).
    ``rule`` is the key of the rule of the exercise's prompt that this case tests
    (see :attr:`Exercise.rules`): every case tests a rule the prompt states.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    raises: Optional[type] = None
    raises_mentions: Sequence[str] = ()
    rule: str = ""  # key of the prompt rule (Exercise.rules) this case tests


@dataclass
class Run:
    """What happened when a learner's function ran on one case."""

    case: Case
    expected: Any
    got: Any
    warnings: list  # warnings.WarningMessage objects raised by learner code
    memo: dict = field(default_factory=dict)  # what a diagnosis worked out about this run, for the next

    @property
    def warning_texts(self) -> list:
        return [f"{w.category.__name__}: {w.message}" for w in self.warnings]


@dataclass
class Mistake:
    """A mistake learners really make, its stable id, and the message that names it.

    ``id`` is ``"<exercise>.<what>"`` (``"softmax.overflow"``): graders and progress
    files count mistakes by it, so an id is never renamed or reused
    (tests/exercises/mistake_ids.txt lists every id ever issued).

    Either ``impl`` (a wrong implementation with the exercise's signature: the
    learner's output is recognised when it equals this function's output on the
    failing case) or ``detect`` (a predicate on the :class:`Run`) recognises it.
    ``example`` is a wrong answer written the way learners write it, which the
    check must report as this mistake (the tests run it; without one, ``impl`` is used).
    ``on_type`` marks a mistake that explains an answer of the wrong type (one
    array where a bool is due): it is tried before the generic "should be a bool"
    message, and only then.
    ``on_error(exc, case)`` recognises the mistake by the exception the learner's
    function raised on a valid input (cv2's "Can't parse 'pt1'" for float points): the
    result is then an error that names the mistake instead of the bare exception.
    ``on_no_raise`` marks a mistake that explains why a case that requires an exception
    went wrong: bad input gave a result (NaN refused but inf let through), raised another
    exception type (range()'s TypeError for a batch size of 2.5), or the exception's
    message misses what it must say (a line number counted from 0). Its
    ``detect`` sees a Run whose ``expected`` is None and whose ``got`` is the returned
    value or the raised exception; such mistakes are tried only then.
    """

    id: str
    message: str
    impl: Optional[Callable] = None
    detect: Optional[Callable[[Run], bool]] = None
    example: Optional[Callable] = None
    on_type: bool = False
    on_error: Optional[Callable[[BaseException, "Case"], bool]] = None
    on_no_raise: bool = False

    def explains(self, exc: BaseException, case: "Case") -> bool:
        """True when this mistake's ``on_error`` recognises the exception ``exc``."""
        if self.on_error is None:
            return False
        try:
            return bool(self.on_error(exc, case))
        except Exception:
            return False

    def matches(self, run: Run, compare: Callable) -> bool:
        if self.detect is not None:
            try:
                if self.detect(run):
                    return True
            except Exception:  # a diagnosis must never crash the checker
                pass
        if self.impl is not None:
            wrong = quiet_call(self.impl, run.case)
            if wrong is FAILED:
                return False
            try:
                return compare(wrong, run.got, run.case) is None
            except Exception:
                return False
        return False


@dataclass
class Exercise:
    """An exercise: its contract, the cases to run, the mistakes to name, a hint."""

    name: str
    notebook: str
    reference: Callable
    cases: Callable[[], list]  # built on demand: a list of Case, seeded
    hint: Any  # a str, or a sequence of str: the levels, from a nudge to one step short of the answer
    mistakes: list = field(default_factory=list)
    compare: Optional[Callable[[Any, Any], Optional[str]]] = None
    forbid_warnings: bool = False  # e.g. a stable softmax must not warn on overflow
    summary: str = ""  # one line: what the function does
    rules: dict = field(default_factory=dict)  # rule key -> the prompt's own words for it
    time_limit: float = 10.0  # seconds a learner's function may take on one case
    returns_new: bool = False  # the prompt promises a new array: returning an argument itself is wrong

    @property
    def hint_levels(self) -> tuple:
        """The hint's levels as plain text (at least one): ``hint(name, level)`` shows one."""
        levels = (self.hint,) if isinstance(self.hint, str) else tuple(self.hint)
        return tuple(textwrap.dedent(level).strip() for level in levels)

    @property
    def signature(self) -> str:
        """``name(param, param=default)``: what a learner types, without type annotations."""
        plain = inspect.signature(self.reference)
        plain = plain.replace(
            parameters=[p.replace(annotation=inspect.Parameter.empty) for p in plain.parameters.values()],
            return_annotation=inspect.Signature.empty,
        )
        return f"{self.name}{plain}"

    def comparator(self) -> Callable[[Any, Any, Case], Optional[str]]:
        """``compare(expected, got, case)``; an exercise's compare may leave out ``case``."""
        compare = self.compare or compare_values
        try:
            sees_case = "case" in inspect.signature(compare).parameters
        except (TypeError, ValueError):
            sees_case = False
        if sees_case:
            return compare
        return lambda expected, got, case=None: compare(expected, got)


_REGISTRY: dict = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (names are unique across notebooks)."""
    if exercise.name in _REGISTRY and _REGISTRY[exercise.name].notebook != exercise.notebook:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    _REGISTRY[exercise.name] = exercise
    return exercise


def get_exercise(name: str) -> Exercise:
    from . import load_all

    load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise KeyError(f"no exercise called {name!r}; the exercises are: {known}") from None


def all_exercises() -> list:
    """Every exercise, in course order: by notebook, then as the notebook asks for them."""
    from . import COURSE_ORDER, load_all

    load_all()
    position = {name: i for i, name in enumerate(COURSE_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda e: (e.notebook, position.get(e.name, len(position)), e.name))


# --------------------------------------------------------------------------- #
# Comparing outputs
# --------------------------------------------------------------------------- #
class KindProblem(str):
    """A comparison problem about the *type* of the answer (a list where an array is due,
    an array where one bool is due), not its values: reported before any value diagnosis."""


def describe(value: Any) -> str:
    """A short description of a value for messages: type, shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        kind = type(value).__name__
        if len(value) <= 4:
            return f"{kind} of ({', '.join(describe(v) for v in value)})"
        return f"{kind} of {len(value)} items"
    return f"{type(value).__name__} {_safe_repr(value)}"[:120]


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__} whose repr fails>"


def _plain(value: Any) -> str:
    """A NumPy scalar as a learner reads it: 0.25, not np.float32(0.25)."""
    return repr(value.item()) if isinstance(value, np.generic) else _safe_repr(value)


def compare_arrays(expected: np.ndarray, got: Any, atol: float = 1e-5, rtol: float = 1e-5,
                   what: str = "the result") -> Optional[str]:
    """None when ``got`` is an array like ``expected``, else what differs."""
    if not isinstance(got, np.ndarray):
        return KindProblem(f"{what} should be a NumPy array, not {describe(got)}")
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}; expected {expected.shape}"
    if got.dtype != expected.dtype:
        return f"{what} has dtype {got.dtype}; expected {expected.dtype}"
    if expected.dtype == bool or not np.issubdtype(expected.dtype, np.number):
        bad = got != expected
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            return f"{what} differs at index {idx}: got {_plain(got[idx])}, expected {_plain(expected[idx])}"
        return None
    if np.isnan(got).any() and not np.isnan(expected).any():
        return f"{what} contains NaN where the expected values are all finite"
    close = np.isclose(got, expected, atol=atol, rtol=rtol, equal_nan=True)
    if not close.all():
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an all-NaN difference: nanmax warns, and says nan
            largest = np.nanmax(diff)
        return (f"{what} differs at index {idx}: got {_plain(got[idx])}, expected {_plain(expected[idx])} "
                f"(largest difference {largest:.3g})")
    return None


def compare_values(expected: Any, got: Any, what: str = "the result") -> Optional[str]:
    """Compare nested tuples/lists of arrays and scalars; None when equal.

    A Python ``bool`` is due where the reference returns one: ``np.bool_`` is not
    accepted (``np.bool_(True) is True`` is False, and it does not serialise to JSON).
    """
    if isinstance(expected, np.ndarray):
        return compare_arrays(expected, got, what=what)
    if isinstance(expected, (tuple, list)):
        kind = type(expected).__name__
        if type(got) is not type(expected) or len(got) != len(expected):
            return KindProblem(f"{what} should be a {kind} of {len(expected)} items, not {describe(got)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare_values(e, g, what=f"item {i} of {what}")
            if problem:
                return problem
        return None
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is not type(expected):
            advice = " (wrap it in bool(...))" if isinstance(expected, bool) and isinstance(got, np.bool_) else ""
            return KindProblem(f"{what} should be a Python {type(expected).__name__}, like {expected!r}, "
                               f"not {describe(got)}{advice}")
        return None if got == expected else f"{what} is {got!r}; expected {expected!r}"
    if isinstance(expected, (int, float, np.number)):
        if not isinstance(got, (int, float, np.number)) or isinstance(got, (bool, np.bool_)):
            return KindProblem(f"{what} should be a number, not {describe(got)}")
        if np.isnan(expected) and np.isnan(got):
            return None
        if not np.isclose(got, expected, atol=1e-6, rtol=1e-5):
            return f"{what} is {got!r}; expected {expected!r}"
        return None
    return None if got == expected else f"{what} is {got!r}; expected {expected!r}"


def inputs_equal(before: Any, after: Any) -> bool:
    """True when two argument structures hold the same values (in-place change test)."""
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype and np.array_equal(before, after, equal_nan=True))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(inputs_equal(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(inputs_equal(before[k], after[k]) for k in before)
    try:
        return bool(before == after)
    except Exception:
        return True


# --------------------------------------------------------------------------- #
# Recognising a mistake by its behaviour
# --------------------------------------------------------------------------- #
FAILED = object()  # what quiet_call gives for a function that raised


def quiet_call(fn: Callable, case: Case, **extra):
    """``fn`` on copies of ``case``'s arguments (and the keywords ``extra``), with warnings and
    floating-point errors silenced: a diagnosis trying a wrong answer. FAILED when it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs), **extra)
    except Exception:
        return FAILED


def passed_before(run: Run, name: str) -> list:
    """[(case, reference output)] for the cases of exercise ``name`` before ``run.case`` that
    must return a value: the learner's answer agreed with the reference on each of them, which
    rules out every explanation that would not have. Worked out once per run (``run.memo``)."""
    key = ("passed before", name)
    if key not in run.memo:
        exercise = get_exercise(name)
        cases = exercise.cases()
        labels = [case.label for case in cases]
        earlier = cases[:labels.index(run.case.label)] if run.case.label in labels else []
        run.memo[key] = [(case, quiet_call(exercise.reference, case)) for case in earlier if case.raises is None]
    return run.memo[key]


def behaves_like(name, *wrong_answers):
    """A ``detect`` predicate for exercise ``name``: one of ``wrong_answers`` gives the learner's
    output on the failing case, is wrong there, and passes every earlier case (as the learner's
    function did)."""

    def detect(run):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # comparing arrays full of nan warns; it means nothing here
            return _behaves(run)

    def _behaves(run):
        compare = get_exercise(name).comparator()
        for wrong in wrong_answers:
            here = quiet_call(wrong, run.case)
            if here is FAILED or compare(here, run.got, run.case) is not None:
                continue
            if compare(run.expected, here, run.case) is None:
                continue  # this wrong answer is right on this case: it does not explain the failure
            if all(compare(want, quiet_call(wrong, case), case) is None for case, want in passed_before(run, name)):
                return True
        return False

    return detect


# --------------------------------------------------------------------------- #
# Results
# --------------------------------------------------------------------------- #
_STYLE = {
    CORRECT: ("#e6f4ea", "#1e7e34", "\u2714"),
    INCORRECT: ("#fdecea", "#b00020", "\u2718"),
    NOT_ATTEMPTED: ("#fff8e1", "#8a6d00", "\u2026"),
    ERROR: ("#fdecea", "#b00020", "!"),
}


@dataclass
class CheckResult:
    """The outcome of :func:`check`: ``passed``, ``status`` and ``message``."""

    name: str
    status: str
    message: str
    mistake: Optional[str] = None  # the id of the mistake found (Mistake.id or a GENERIC one)
    seconds: float = 0.0  # time the learner's function ran, all cases together

    @property
    def passed(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{_STYLE[self.status][2]} {self.name}: {self.status}. {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        background, colour, mark = _STYLE[self.status]
        body = html.escape(self.message).replace("\n", "<br>")
        return (f'<div style="background:{background};border-left:4px solid {colour};'
                f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
                f'<b style="color:{colour}">{mark} {html.escape(self.name)}: {self.status}</b>'
                f"<br>{body}</div>")


@dataclass
class Text:
    """Text shown to the learner: plain in a terminal, formatted in Jupyter."""

    title: str
    body: str
    code: bool = False

    def __str__(self) -> str:
        return f"{self.title}\n{self.body}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = html.escape(self.body)
        inner = f"<pre>{body}</pre>" if self.code else body.replace("\n", "<br>")
        return (f'<div style="border-left:4px solid #3367d6;padding:6px 10px;margin:4px 0">'
                f"<b>{html.escape(self.title)}</b><br>{inner}</div>")


# --------------------------------------------------------------------------- #
# Running learner code
# --------------------------------------------------------------------------- #
def _param_names(fn: Callable) -> Optional[list]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None


def _first_error_line(exc: BaseException) -> str:
    """The learner-code frame where the exception happened, if there is one."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if "helpers/exercises" not in frame.filename.replace("\\", "/"):
            return f" (line {frame.lineno}: {frame.line})" if frame.line else ""
    return ""


def _not_implemented(name: str, fn: Callable, exc: NotImplementedError) -> CheckResult:
    """The learner's function is still blank, or it calls another exercise that is."""
    raiser = traceback.extract_tb(exc.__traceback__)[-1]
    own_code = getattr(fn, "__code__", None)
    if own_code is None or (raiser.name, raiser.filename) == (own_code.co_name, own_code.co_filename):
        return CheckResult(name, NOT_ATTEMPTED,
                           f"replace `raise NotImplementedError` in {name} with your code, then run "
                           f"this cell again. Stuck? hint({name!r}) gives a hint.")
    blank = raiser.name
    advice = f"finish {blank} first"
    if blank in _REGISTRY:
        reference = _REGISTRY[blank].reference
        advice += f", or use the reference: `from {reference.__module__} import {blank}`"
    return CheckResult(name, ERROR,
                       f"your {name} calls {blank}, which is still blank (it raises "
                       f"NotImplementedError): {advice}, then run this cell again.")


# The mistakes any exercise can show, with their stable ids (never renamed or reused).
GENERIC_MISTAKES = {
    "generic.wrong_parameters": "the function's parameters are not the exercise's (names and defaults)",
    "generic.returned_none": "the function returns None (a missing `return`, or a print instead)",
    "generic.generator": "the function returns a generator or iterator instead of the result itself",
    "generic.wrong_type": "the result has the wrong type (a list where an array is due, np.bool_ for bool, ...)",
    "generic.changed_input": "the function changes its input in place",
    "generic.returned_input": "the function returns its input object itself where a new array is due",
    "generic.no_raise": "bad input gives a result instead of the required exception",
    "generic.wrong_exception": "bad input raises another exception type than the required one",
    "generic.raise_message": "the required exception's message does not say what is wrong",
    "generic.warned": "the values are right but the function warns (overflow or invalid value)",
    "generic.timeout": "the function runs past the time limit on one case (often a loop that never ends)",
    "generic.memory": "the function takes more memory than the limit on one case",
    "generic.exit": "the function calls exit() or raises SystemExit / GeneratorExit",
}


def safe_str(exc: BaseException) -> str:
    """``str(exc)``, even when the exception's own ``__str__`` raises."""
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} whose message cannot be shown>"


def _exception_text(exc: BaseException) -> str:
    text = safe_str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Clock:
    """Seconds spent in the learner's function and in the reference, over all cases."""

    def __init__(self):
        self.learner = 0.0
        self.reference = 0.0

    def note(self) -> str:
        if self.learner < 1.0:
            return ""
        return (f" Your function took {self.learner:.1f} s in all (the reference "
                f"{self.reference:.2f} s).")


def check(name: str, fn: Callable) -> CheckResult:
    """Check a learner's implementation of exercise ``name``.

    Never raises (a KeyboardInterrupt still interrupts), and returns within a bounded
    time: each case may take ``Exercise.time_limit`` seconds.
    """
    try:
        exercise = get_exercise(name)
    except KeyError as exc:
        return CheckResult(name, ERROR, str(exc.args[0]))
    except Exception as exc:  # a broken exercise module must not crash the notebook
        return CheckResult(name, ERROR, f"the checker could not load: {exc!r}")
    result, timing = check_untimed(exercise, fn)
    result.message += timing
    _record_progress(exercise, result)
    return result


def _record_progress(exercise: Exercise, result: CheckResult) -> None:
    """Note the result in the learner's progress file (helpers.progress); never fails the check."""
    try:
        from helpers.progress import record
    except ImportError:
        return
    try:
        record(exercise.notebook, exercise.name, result)
    except Exception:  # a full disk or a locked file must not cost the learner their check
        pass


def check_untimed(exercise: Exercise, fn: Callable) -> tuple:
    """(CheckResult, timing note): ``check`` without the note on how long the learner's code
    took appended, so that a grader's messages are the same from one run to the next
    (the time is in ``CheckResult.seconds``). Never raises but KeyboardInterrupt."""
    name = exercise.name
    printed = Printed()
    clock = _Clock()
    try:
        result = _check(exercise, fn, printed, clock)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a bug in the checker itself: report it, never raise
        return CheckResult(name, ERROR, f"the checker itself failed ({_exception_text(exc)}); please report this."), ""
    if printed.summary():
        result.message += " " + printed.summary()
    result.seconds = clock.learner
    return result, clock.note()


def _check(exercise: Exercise, fn: Callable, printed: Printed, clock: _Clock) -> CheckResult:
    name = exercise.name
    if not callable(fn):
        return CheckResult(name, ERROR, f"pass your function itself, e.g. check({name!r}, {name}); "
                                        f"got {describe(fn)}")
    expected_params = _param_names(exercise.reference)
    got_params = _param_names(fn)
    if got_params is not None and got_params != expected_params:
        return CheckResult(name, INCORRECT,
                           f"your function's parameters are ({', '.join(got_params)}), but the exercise "
                           f"expects {exercise.signature}: keep the names and the defaults exactly.",
                           mistake="generic.wrong_parameters")
    compare = exercise.comparator()
    cases = exercise.cases()
    for case in cases:
        outcome = _run_case(exercise, fn, case, compare, printed, clock)
        if outcome is not None:
            return outcome
    return CheckResult(name, CORRECT, f"all {len(cases)} cases agree with the reference "
                                      f"({'; '.join(c.label for c in cases[:3])}{', ...' if len(cases) > 3 else ''}).")


def _kind_of_result(got: Any, expected: Any) -> Optional[tuple]:
    """(mistake id, message) when the answer is no result at all: None, a generator."""
    if got is None and expected is not None:
        return ("generic.returned_none",
                "your function returned None. Did you forget `return` (or print the result instead "
                "of returning it)?")
    if inspect.isgenerator(got) or (hasattr(got, "__next__") and hasattr(got, "__iter__")
                                    and not isinstance(got, (np.ndarray, str, bytes))):
        build = ("`np.array(list(...))`" if isinstance(expected, np.ndarray)
                 else "`list(...)`, or a list comprehension in [...] rather than (...)" if isinstance(expected, list)
                 else "the value itself")
        return ("generic.generator",
                f"your function returned a {type(got).__name__} (a lazy sequence that has not been computed "
                f"yet), where {describe(expected)} is due. Build the result itself: {build}.")
    return None


def _explain_raise(exercise: Exercise, case: Case, got: Any, compare) -> Optional[Mistake]:
    """The on_no_raise mistake that explains a missing or unhelpful exception, if one does."""
    run = Run(case, None, got, [])
    for mistake in exercise.mistakes:
        if mistake.on_no_raise and mistake.matches(run, compare):
            return mistake
    return None


def _run_case(exercise: Exercise, fn: Callable, case: Case, compare, printed: Printed,
              clock: _Clock) -> Optional[CheckResult]:
    """Run one case; a CheckResult when it fails, None when it passes."""
    name = exercise.name
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    outcome = run_guarded(fn, args, kwargs, time_limit=exercise.time_limit, printed=printed)
    clock.learner += outcome.seconds
    if outcome.stopped == "time":
        return CheckResult(name, ERROR,
                           f"your function was still running after {exercise.time_limit:g} s on {case.label}, "
                           f"so the checker stopped it (the reference takes well under a second). Look for a "
                           f"loop that never ends: a `while` whose variable does not change (a step of 0?), "
                           f"or a loop over something that keeps growing.", mistake="generic.timeout")
    if outcome.stopped == "memory":
        return CheckResult(name, ERROR,
                           f"your function took more than {MEMORY_LIMIT >> 30} GB of memory on {case.label}, so "
                           f"the checker stopped it. Look for a list or array that grows in a loop that never "
                           f"ends, or an (N, N) array built where (N,) is enough.", mistake="generic.memory")
    exc = outcome.error
    if isinstance(exc, (SystemExit, GeneratorExit)):
        return CheckResult(name, ERROR,
                           f"your function raised {type(exc).__name__} ({'exit()' if isinstance(exc, SystemExit) else 'a generator closed'}) "
                           f"on {case.label}. Do not call exit() or sys.exit() in a function: return the "
                           f"result, or raise an exception that says what is wrong.", mistake="generic.exit")
    if isinstance(exc, NotImplementedError):
        return _not_implemented(name, fn, exc)
    if exc is not None:
        if case.raises is not None and not isinstance(exc, case.raises):
            explained = _explain_raise(exercise, case, exc, compare)
            if explained is not None:
                return CheckResult(name, INCORRECT, f"for {case.label}, your function raised "
                                                    f"{_exception_text(exc)[:300]}: {explained.message}",
                                   mistake=explained.id)
            return CheckResult(name, INCORRECT,
                               f"for {case.label}, your function raised {_exception_text(exc)}; "
                               f"it should raise {case.raises.__name__} with a message that says what is wrong.",
                               mistake="generic.wrong_exception")
        if case.raises is not None:
            text = safe_str(exc)
            missing = [m for m in case.raises_mentions if str(m).lower() not in text.lower()]
            if missing:
                explained = _explain_raise(exercise, case, exc, compare)
                if explained is not None:
                    return CheckResult(name, INCORRECT, f"for {case.label}, your {type(exc).__name__} says "
                                                        f"{text!r}: {explained.message}", mistake=explained.id)
                return CheckResult(name, INCORRECT,
                                   f"for {case.label}, your {type(exc).__name__} says {text!r}; a helpful "
                                   f"message should mention {', '.join(map(repr, missing))}.",
                                   mistake="generic.raise_message")
            return None
        for mistake in exercise.mistakes:
            if mistake.explains(exc, case):
                return CheckResult(name, ERROR,
                                   f"for {case.label} your function raised {_exception_text(exc)[:300]}"
                                   f"{_first_error_line(exc)}: {mistake.message}", mistake=mistake.id)
        return CheckResult(name, ERROR,
                           f"your function raised {_exception_text(exc)} "
                           f"for {case.label}{_first_error_line(exc)}.")
    got = outcome.value
    if case.raises is not None:
        explained = _explain_raise(exercise, case, got, compare)
        if explained is not None:
            return CheckResult(name, INCORRECT, f"for {case.label}, your function returned {describe(got)} "
                                                f"instead of raising {case.raises.__name__}: {explained.message}",
                               mistake=explained.id)
        return CheckResult(name, INCORRECT,
                           f"for {case.label}, your function returned {describe(got)} instead of raising "
                           f"{case.raises.__name__}: bad input should fail loudly, not give a wrong answer.",
                           mistake="generic.no_raise")
    if not inputs_equal(case.args, args) or not inputs_equal(case.kwargs, kwargs):
        return CheckResult(name, INCORRECT,
                           f"your function changed its input in place ({case.label}). Work on a copy "
                           f"(e.g. `x = x.copy()` or an expression that makes a new array).",
                           mistake="generic.changed_input")
    if exercise.returns_new and any(got is value for value in (*args, *kwargs.values())):
        return CheckResult(name, INCORRECT,
                           f"for {case.label}, your function returned its input object itself, not a new "
                           f"array: whoever draws on or changes the result then changes the caller's image "
                           f"too. Return a copy (e.g. `image.copy()`), even when there is nothing to do.",
                           mistake="generic.returned_input")
    started = time.perf_counter()
    expected = exercise.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    clock.reference += time.perf_counter() - started
    run = Run(case, expected, got, outcome.warnings)
    no_result = _kind_of_result(got, expected)
    if no_result is not None:  # an exercise may know why (None for "nothing found"); else say what it is
        for mistake in exercise.mistakes:
            if mistake.on_type and not mistake.on_no_raise and mistake.detect is not None and mistake.matches(run, compare):
                return CheckResult(name, INCORRECT, f"for {case.label}: {mistake.message}", mistake=mistake.id)
        return CheckResult(name, INCORRECT, f"for {case.label}, {no_result[1]}", mistake=no_result[0])
    try:
        problem = compare(expected, got, case)
    except Exception as exc:
        problem = KindProblem(f"your function returned {describe(got)}, which cannot be compared with "
                              f"the expected {describe(expected)} ({_exception_text(exc)})")
    runtime_warnings = [w for w in outcome.warnings if issubclass(w.category, RuntimeWarning)]
    if problem is None and not (exercise.forbid_warnings and runtime_warnings):
        return None
    kind = isinstance(problem, KindProblem)
    for mistake in exercise.mistakes:
        if mistake.on_type == kind and not mistake.on_no_raise and mistake.matches(run, compare):
            return CheckResult(name, INCORRECT, f"for {case.label}: {mistake.message}", mistake=mistake.id)
    if problem is None:
        return CheckResult(name, INCORRECT,
                           f"for {case.label} your function warned ({'; '.join(run.warning_texts)}). "
                           f"The values are right here, but the warning means it overflows: "
                           f"make it numerically stable.", mistake="generic.warned")
    return CheckResult(name, INCORRECT, f"for {case.label}, {problem}.",
                       mistake="generic.wrong_type" if kind else None)


# --------------------------------------------------------------------------- #
# Hints, solutions and the list of exercises
# --------------------------------------------------------------------------- #
def hint(name: str, level: int = 1) -> Text:
    """Hint ``level`` (1, 2, ...) for exercise ``name``: the first nudges, the last is one step
    short of the solution."""
    try:
        exercise = get_exercise(name)
    except KeyError as exc:
        return Text("Unknown exercise", str(exc.args[0]))
    levels = exercise.hint_levels
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or level < 1:
        return Text(f"Hints for {exercise.name}",
                    f"hint levels are 1 to {len(levels)}, not {level!r}: try hint({name!r}) or hint({name!r}, 2).")
    level = int(level)
    if level > len(levels):
        return Text(f"Hint {len(levels)} of {len(levels)} for {exercise.signature}",
                    f"{levels[-1]}\n\nThere are {len(levels)} hints for {name}, and that was the last. "
                    f"solution({name!r}) shows the whole answer.")
    more = (f"Still stuck? hint({name!r}, {level + 1}) says more." if level < len(levels)
            else f"That is the last hint; solution({name!r}) shows the whole answer.")
    return Text(f"Hint {level} of {len(levels)} for {exercise.signature}", f"{levels[level - 1]}\n\n{more}")


def solution(name: str) -> Text:
    """The reference solution of exercise ``name`` as a runnable whole: the reference function
    and every project helper it calls (helpers.exercises.solutions), dependencies first."""
    from .solutions import runnable_source

    try:
        exercise = get_exercise(name)
    except KeyError as exc:
        return Text("Unknown exercise", str(exc.args[0]))
    module = f"helpers.{exercise.reference.__module__.split('.')[-1]}"
    try:
        source = runnable_source(exercise.reference)
    except (LookupError, OSError, SyntaxError):  # cannot be followed: the function's own source
        return Text(f"Reference solution for {exercise.name} ({module})",
                    textwrap.dedent(inspect.getsource(exercise.reference)), code=True)
    return Text(f"Reference solution for {exercise.name} ({module}), with the project helpers it "
                f"calls: runs on its own", source, code=True)


@dataclass
class ExerciseTable:
    """Every exercise with its notebook and signature."""

    rows: list

    def __str__(self) -> str:
        width = max((len(r[0]) for r in self.rows), default=8)
        return "\n".join(f"{nb:<{width}}  {sig}" for nb, sig, _ in self.rows)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><td>{html.escape(nb)}</td><td><code>{html.escape(sig)}</code></td>"
                        f"<td>{html.escape(summary)}</td></tr>" for nb, sig, summary in self.rows)
        return ("<table><tr><th>notebook</th><th>exercise</th><th>what it does</th></tr>"
                f"{cells}</table>")


def exercises() -> ExerciseTable:
    """List every exercise with its notebook and signature."""
    return ExerciseTable([(e.notebook, e.signature, e.summary) for e in all_exercises()])


def all_mistakes() -> list:
    """Every known mistake as (exercise name, Mistake), in checking order; generic ones aside
    (see GENERIC_MISTAKES)."""
    return [(exercise.name, mistake) for exercise in all_exercises() for mistake in exercise.mistakes]
