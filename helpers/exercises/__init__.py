"""Exercises: one module per notebook (``exNN_topic.py``), discovered automatically.

Each module registers its exercises with :func:`core.register` when imported;
:func:`load_all` imports every ``ex*`` module in this package once.
"""
import importlib
import pkgutil

from .core import (GENERIC_MISTAKES, Case, CheckResult, Exercise, Mistake, Run, all_mistakes, check,
                   exercises, hint, register, solution)

_loaded = False


def load_all() -> None:
    """Import every exercise module so that all exercises are registered."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ex")):
        importlib.import_module(f"{__name__}.{module}")
    _loaded = True


__all__ = ["GENERIC_MISTAKES", "all_mistakes", "Case", "CheckResult", "Exercise", "Mistake", "Run", "check", "exercises", "hint",
           "load_all", "register", "solution"]
