"""Shared helpers for the CNN-output katas.

The learner-facing names: ``check``, ``hint``, ``solution`` and ``exercises`` (the
exercise checker), and the reference implementations that demos call after each
exercise, so a learner who skips an exercise can go on.
"""
from .exercises import check, exercises, hint, solution
from .pixels import to_unit_range

__version__ = "0.1.0"

__all__ = ["check", "exercises", "hint", "solution", "to_unit_range"]
