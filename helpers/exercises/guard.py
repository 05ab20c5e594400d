"""Running a learner's function so that nothing it does can break the notebook.

:func:`run_guarded` calls the function once and always comes back:

- within ``time_limit`` seconds (a watchdog thread stops it with :class:`Stopped`: on the
  main thread a SIGALRM whose handler raises it, which also wakes a ``time.sleep``, and a
  trace function that stops again an ``except`` clause that caught it, so a loop around a
  bare ``except: pass`` ends too; on another thread an asynchronous exception; never both
  at once, which hangs CPython 3.11's interpreter (seen here)), and with at most
  ``memory_limit`` bytes of new resident memory (Linux, where ``/proc`` tells it);
- with whatever the function printed captured and counted, not buried in the cell;
- with every exception caught, ``SystemExit`` and ``GeneratorExit`` included. Only
  ``KeyboardInterrupt`` passes through: the learner pressed stop and means it.

After a stop the kernel is usable: the stop is an exception, so the learner's loop
unwinds and frees what it allocated. Code stuck inside one long C call (a single
enormous NumPy operation) is stopped when that call returns.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

MEMORY_LIMIT = 1 << 30  # bytes of new resident memory one call may take
_POLL = 0.05            # seconds between the watchdog's looks
_AGAIN = 0.25           # seconds before it stops again code that swallowed the first stop


class Stopped(BaseException):
    """Raised inside learner code when it runs past its time or memory limit.

    A BaseException, so that ``except Exception`` in learner code does not swallow it
    (and if a bare ``except:`` does, the watchdog raises it again).
    """


@dataclass
class Printed:
    """What a call wrote to stdout and stderr: counted, the first line kept."""

    lines: int = 0
    chars: int = 0
    first: str = ""
    _pending: bool = False
    _first_done: bool = False

    def write(self, text: str) -> int:
        text = str(text)
        if not text:
            return 0
        if not self._first_done:  # the first line that is not blank, up to 200 characters
            joined = (self.first + text).lstrip("\n")
            self.first = joined.split("\n", 1)[0][:200]
            self._first_done = "\n" in joined or len(self.first) >= 200
        self.chars += len(text)
        newlines = text.count("\n")
        self.lines += newlines
        self._pending = not text.endswith("\n")
        return len(text)

    def flush(self) -> None:
        pass

    @property
    def total_lines(self) -> int:
        return self.lines + (1 if self._pending else 0)

    def summary(self) -> str:
        """"printed 40,000 lines; the first: '...'", or "" when nothing was printed."""
        if not self.chars:
            return ""
        count = self.total_lines
        return (f"Your function printed {count:,} line{'s' if count != 1 else ''} while it was checked; "
                f"the first: {self.first!r}. Printing is fine while you explore, but remove it once the "
                f"function works (the checker calls it many times).")


@dataclass
class Outcome:
    """What one guarded call did."""

    value: Any = None
    error: Optional[BaseException] = None  # the exception the function raised, if any
    stopped: Optional[str] = None          # "time" or "memory" when the watchdog stopped it
    seconds: float = 0.0
    warnings: list = field(default_factory=list)


def _resident_bytes() -> Optional[int]:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _raise_in(thread_id: int, exc_type: Optional[type]) -> None:
    """Make ``exc_type`` raise in the thread ``thread_id`` (None: cancel a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type is not None else None)


class _Watchdog:
    """Stops the calling thread when it runs too long or grows too big."""

    def __init__(self, time_limit: float, memory_limit: int):
        self.target = threading.get_ident()
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.reason: Optional[str] = None
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.on_main = threading.current_thread() is threading.main_thread()
        self.use_signal = self.on_main and hasattr(signal, "pthread_kill") and hasattr(signal, "SIGALRM")
        self._old_handler = None
        self._trapping = False
        self._old_trace = None
        self._entry = None   # the guarded call's own frame, once a stop has been trapped
        self._thread = threading.Thread(target=self._watch, name="check-watchdog", daemon=True)

    def __enter__(self) -> "_Watchdog":
        if self.use_signal:
            try:
                self._old_handler = signal.signal(signal.SIGALRM, self._on_signal)
            except (ValueError, OSError):
                self.use_signal = False
        self.start = time.perf_counter()
        self.base = _resident_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> bool:
        self.finish()
        return False

    def _on_signal(self, signum, frame):
        if not self.reason or self.done.is_set():
            return
        if self._entry is not None and not self._inside_call(frame):
            return   # the stop is unwinding through the guard's own clean-up: let it finish
        self._trap_handlers(frame)
        raise Stopped(self.reason)

    def _trap_handlers(self, frame) -> None:
        """Make the learner's ``except`` clauses that catch a Stopped raise it again.

        A stop raised inside ``while True: try: ... except: pass`` is caught by that
        ``except``, and an asynchronous exception only lands inside the ``try`` again
        (CPython 3.10 to 3.13 alike). A trace function sees each line the handler runs,
        with the Stopped as the exception being handled, and raises it there: outside
        the ``try`` it belongs to. Python unsets a trace function that raises, and the
        watchdog sets it again with its next stop, which lands inside the innermost ``try``
        again: so an ``except`` that swallows the stop inside another one that does too
        is not stopped (the grader's worker process has a CPU limit for that).
        Main thread only (it runs in the signal handler); ``finish`` restores the trace
        function there was (a debugger's).
        """
        def tracer(traced, event, arg):
            if self.done.is_set():
                return None
            if event == "line" and isinstance(sys.exc_info()[1], Stopped) and self._inside_call(traced):
                raise Stopped(self.reason)
            return tracer

        if not self._trapping:
            self._old_trace, self._trapping = sys.gettrace(), True
        sys.settrace(tracer)
        while frame is not None and frame.f_code is not run_guarded.__code__:
            frame.f_trace = tracer   # frames already running; new ones get it from settrace
            self._entry, frame = frame, frame.f_back

    def _inside_call(self, frame) -> bool:
        """Whether ``frame`` runs inside the guarded call (the learner's function or what it
        called), not in the guard's own clean-up (a context manager's __exit__)."""
        while frame is not None and frame.f_code is not run_guarded.__code__:
            if frame is self._entry:
                return True
            frame = frame.f_back
        return False

    def _over(self) -> Optional[str]:
        if time.perf_counter() - self.start > self.time_limit:
            return "time"
        if self.base is not None:
            now = _resident_bytes()
            if now is not None and now - self.base > self.memory_limit:
                return "memory"
        return None

    def _watch(self) -> None:
        while not self.done.wait(_POLL):
            reason = self._over()
            if reason is None:
                continue
            while True:
                with self.lock:
                    if self.done.is_set():
                        return
                    self.reason = self.reason or reason
                    if self.use_signal:   # the handler raises the stop, and wakes a time.sleep
                        signal.pthread_kill(self.target, signal.SIGALRM)
                    else:
                        _raise_in(self.target, Stopped)
                if self.done.wait(_AGAIN):
                    return

    def finish(self) -> None:
        """Stop watching and cancel a stop that is on its way (retried if it lands here).

        Idempotent: called on leaving the ``with`` block and once more by run_guarded.
        """
        while True:
            try:
                with self.lock:
                    self.done.set()
                    if not self.use_signal:   # only then was a stop sent as an asynchronous exception
                        _raise_in(self.target, None)
                break
            except Stopped:
                continue
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        if self.use_signal and self._old_handler is not None:
            signal.signal(signal.SIGALRM, self._old_handler)
            self._old_handler = None
        if self._trapping:
            sys.settrace(self._old_trace)
            self._trapping, self._old_trace, self._entry = False, None, None


def run_guarded(fn: Callable, args: tuple, kwargs: dict, *, time_limit: float,
                printed: Printed, memory_limit: int = MEMORY_LIMIT) -> Outcome:
    """Call ``fn(*args, **kwargs)`` under the limits; never raises but KeyboardInterrupt.

    Output goes to ``printed``; warnings are recorded (``Outcome.warnings``); floating-point
    problems warn (underflow to 0 is harmless and ignored).
    """
    outcome = Outcome()
    watchdog = _Watchdog(time_limit, memory_limit)
    try:
        with watchdog:
            with warnings.catch_warnings(record=True) as caught, \
                    contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                warnings.simplefilter("always")
                with np.errstate(all="warn", under="ignore"):
                    outcome.value = fn(*args, **kwargs)
            outcome.warnings = list(caught)
    except KeyboardInterrupt:
        raise
    except Stopped:
        outcome.value = None
        outcome.stopped = watchdog.reason or "time"
    except BaseException as exc:  # SystemExit and GeneratorExit too: the notebook must go on
        outcome.error = exc
    finally:
        while True:  # a stop that landed while leaving the block: make sure the watchdog is off
            try:
                watchdog.finish()
                break
            except Stopped:
                continue
    outcome.seconds = time.perf_counter() - watchdog.start
    return outcome
