"""Shared assertions for the wrong-answer tests of every exercise check."""
import pytest

from helpers import check


def assert_rejected(name, fn, *phrases, status="incorrect", mistake=None):
    """``check(name, fn)`` fails with ``status`` and a message naming the mistake.

    ``mistake``: the id the result must carry (``"softmax.overflow"``), when given.
    """
    result = check(name, fn)
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
    assert result.passed, str(result)
    return result


@pytest.fixture
def rejected():
    return assert_rejected


@pytest.fixture
def accepted():
    return assert_accepted
