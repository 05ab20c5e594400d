"""Shared assertions for the wrong-answer tests of every exercise check.

With ``KATAS_FEEDBACK_TALLY=path`` set, every assertion appends one JSON line to ``path``
(exercise, wrong or right, the id asked for and the one found, pass/fail): scripts/
feedback_tally.py turns that into the counts the closing notes quote.
"""
import json
import os

import pytest

from helpers import check


def _tally(name, kind, result, wanted=None, ok=True):
    path = os.environ.get("KATAS_FEEDBACK_TALLY")
    if not path:
        return
    record = {"exercise": name, "kind": kind, "status": result.status, "mistake": result.mistake,
              "wanted": wanted, "ok": ok}
    with open(path, "a", encoding="utf-8") as tally:
        tally.write(json.dumps(record) + "\n")


def assert_rejected(name, fn, *phrases, status="incorrect", mistake=None):
    """``check(name, fn)`` fails with ``status`` and a message naming the mistake.

    ``mistake``: the id the result must carry (``"softmax.overflow"``), when given.
    """
    result = check(name, fn)
    ok = (result.status == status and not result.passed
          and (mistake is None or result.mistake == mistake)
          and all(p.lower() in result.message.lower() for p in phrases))
    _tally(name, "wrong", result, mistake, ok)
    assert result.status == status, f"expected {status}, got {result}"
    if mistake is not None:
        assert result.mistake == mistake, f"expected mistake {mistake!r}, got {result.mistake!r}: {result}"
    assert not result.passed
    for phrase in phrases:
        assert phrase.lower() in result.message.lower(), (
            f"the message should name the mistake ({phrase!r}); it says: {result.message}")
    return result


def assert_accepted(name, fn):
    result = check(name, fn)
    _tally(name, "right", result, ok=result.passed)
    assert result.passed, str(result)
    return result


@pytest.fixture
def rejected():
    return assert_rejected


@pytest.fixture
def accepted():
    return assert_accepted
