"""Notebook 03: top-K and labels. top_k, parse_labels, decode_predictions.

Mistakes are named by what the answer shows (the right values in another order, the right names
with spaces kept, ...) or by a wrong implementation that behaves like the learner's on every
case so far (:func:`ex02_softmax.behaves_like`); when neither is sure, the plain comparison
message stands.
"""
import re

import numpy as np

from ..labels import decode_predictions, parse_labels, top_k
from ..probabilities import softmax
from .core import Case, Exercise, KindProblem, Mistake, behaves_like, describe, register

NOTEBOOK = "03_top_k_and_labels"


# --------------------------------------------------------------------------- #
# top_k
# --------------------------------------------------------------------------- #
def _top_k_cases():
    rng = np.random.default_rng(0)
    probs = lambda *shape: softmax((rng.standard_normal(shape) * 2).astype(np.float32))  # noqa: E731
    ties = np.array([0.1, 0.3, 0.05, 0.3, 0.05, 0.2], np.float32)
    cut = np.array([0.4, 0.2, 0.1, 0.2, 0.2, 0.1], np.float32)
    many_ties = np.zeros(1000, np.float32)
    many_ties[[3, 500, 999]] = [0.5, 0.3, 0.2]
    levels = rng.choice(np.array([0.0, 0.125, 0.25, 0.5], np.float32), size=(8, 12))
    return [
        Case("a (50,) probability vector, k=5", (probs(50),), rule="order"),
        Case("(4, 50) probabilities, 4 images, k=3", (probs(4, 50), 3), rule="shape"),
        Case("(1, 10) probabilities: a batch of one image, k=3 (the result keeps shape (1, 3))",
             (probs(1, 10), 3), rule="shape"),
        Case("(6, 4) probabilities: more images than classes, k=2", (probs(6, 4), 2), rule="shape"),
        Case("(2, 8) probabilities: k=5 is more than the 2 images, not more than the 8 classes",
             (probs(2, 8), 5), rule="shape"),
        Case("(2, 8) float64 logits, k=1 (values keep their dtype, negative ones too)",
             (rng.standard_normal((2, 8)), 1), rule="dtype"),
        Case("float64 logits [[-9, 1, 2, 0.5, -3], [4, -7, 0, 1, 3.5]], k=2 (largest, not largest in size)",
             (np.array([[-9, 1, 2, 0.5, -3], [4, -7, 0, 1, 3.5]]), 2), rule="order"),
        Case("float32 probabilities with tiny distinct values, [1e-9, 3e-9, 0.9999, 2e-9, 1e-4, 4e-9], k=5",
             (np.array([1e-9, 3e-9, 0.9999, 2e-9, 1e-4, 4e-9], np.float32), 5), rule="order"),
        Case("ties: [0.1, 0.3, 0.05, 0.3, 0.05, 0.2] with k=4 (equal values: lower index first)", (ties, 4),
             rule="ties"),
        Case("a tie at the cut: [0.4, 0.2, 0.1, 0.2, 0.2, 0.1] with k=2 (of the three 0.2, index 1 comes first)",
             (cut, 2), rule="ties"),
        Case("1000 classes, only 3 above zero, k=6 (the other 997 tie at 0)", (many_ties, 6), rule="ties"),
        Case("(8, 12) scores of only 4 distinct values, k=5 (ties everywhere, at the cut too)", (levels, 5),
             rule="ties"),
        Case("k equal to the number of classes (7): a full ranking", (probs(7), 7), rule="k_too_large"),
        Case("a (1,) vector with k=1: one class, ranked", (np.array([1.0], np.float32), 1), rule="k_too_large"),
        Case("(3, 5) probabilities with k=5, every class of each image", (probs(3, 5), 5), rule="k_too_large"),
        *[Case(f"({c + 3}, {c}) probabilities with k={c}, every class of each image", (probs(c + 3, c), c),
               rule="k_too_large") for c in (2, 3, 4)],
        Case("k=12 for a (10,) vector: more than the 10 classes", (probs(10), 12),
             raises=ValueError, raises_mentions=("12", "10"), rule="k_too_large"),
        Case("k=11 for a (10,) vector: one more than the 10 classes", (probs(10), 11),
             raises=ValueError, raises_mentions=("11", "10"), rule="k_too_large"),
        Case("k=6 for (3, 5) probabilities: more than the 5 classes", (probs(3, 5), 6),
             raises=ValueError, raises_mentions=("6", "5"), rule="k_too_large"),
        *[Case(f"k={c + 1} for ({c + 3}, {c}) probabilities: one more than the {c} classes",
               (probs(c + 3, c), c + 1), raises=ValueError, raises_mentions=(str(c + 1), str(c)), rule="k_too_large")
          for c in (2, 3, 4)],
        Case("k=11 for (20, 10) probabilities: fewer than the 20 images, more than the 10 classes",
             (probs(20, 10), 11), raises=ValueError, raises_mentions=("11", "10"), rule="k_too_large"),
    ]


def _sorted_desc(probs, axis=-1):
    return np.argsort(-probs, axis=axis, kind="stable")


def _pair(probs, order):
    return order.astype(np.int64), np.take_along_axis(probs, order, axis=-1)


def _along_axis0(probs, k=5):
    order = _sorted_desc(probs, axis=0)[:k]
    return order.astype(np.int64), np.take_along_axis(probs, order, axis=0)


def _flattened(probs, k=5):
    order = _sorted_desc(probs.ravel())[:k]
    return order.astype(np.int64), probs.ravel()[order]


def _one_minus(probs, k=5):
    _k_ok(probs, k)
    return _pair(probs, np.argsort(1 - probs, axis=-1, kind="stable")[..., :k])


def _answer(run):
    """(indices, values, probs as (N, C)) when the learner returned two arrays, else None."""
    got = run.got
    if not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(a, np.ndarray) for a in got)):
        return None
    return got[0], got[1], np.asarray(run.case.args[0])


def _k(run):
    args = run.case.args
    return args[1] if len(args) > 1 else run.case.kwargs.get("k", 5)


def _same(a, b):
    return isinstance(a, np.ndarray) and a.shape == b.shape and np.allclose(
        a.astype(np.float64), b.astype(np.float64), rtol=0, atol=0)


def _values_are(run, wanted):
    """The learner's values (any dtype) equal ``wanted`` exactly, and differ from the expected ones."""
    answer = _answer(run)
    return answer is not None and _same(answer[1], wanted) and not _same(answer[1], run.expected[1])


def _only(kind):
    """The answer is one array (of ``kind`` integer or float) shaped like the indices: one half of the pair."""
    def detect(run):
        got = run.got
        return (isinstance(got, np.ndarray) and got.shape == run.expected[0].shape
                and np.issubdtype(got.dtype, kind))
    return detect


def _swapped(run):
    answer = _answer(run)
    return (answer is not None and np.issubdtype(answer[0].dtype, np.floating)
            and np.issubdtype(answer[1].dtype, np.integer))


def _shape_is(run, shape):
    answer = _answer(run)
    return answer is not None and answer[0].shape == shape == answer[1].shape


def _vector_as_batch(run):
    probs = np.asarray(run.case.args[0])
    return probs.ndim == 1 and _shape_is(run, (1,) + run.expected[0].shape)


def _batch_squeezed(run):
    probs = np.asarray(run.case.args[0])
    return probs.ndim == 2 and probs.shape[0] == 1 and _shape_is(run, run.expected[0].shape[1:])


def _whole_rows_kept(run):
    """Indices of a 2-D batch whose rows still hold every class: [:k] or [::-1] cut the images."""
    answer = _answer(run)
    if answer is None:
        return False
    indices, probs = answer[0], answer[2]
    return (probs.ndim == 2 and indices.ndim == 2 and indices.shape[-1] == probs.shape[-1]
            and indices.shape != run.expected[0].shape)


def _int_but_not_int64(run):
    answer = _answer(run)
    return (answer is not None and answer[0].shape == run.expected[0].shape
            and np.issubdtype(answer[0].dtype, np.integer) and answer[0].dtype != np.int64)


def _values_dtype(run):
    answer = _answer(run)
    return (answer is not None and answer[1].shape == run.expected[1].shape
            and np.issubdtype(answer[0].dtype, np.integer) and answer[1].dtype != run.expected[1].dtype)


def _negated(run):
    return _values_are(run, -run.expected[1])


def _smallest(run):
    """The k smallest values, smallest first (argsort(p)[:k]) or last (argsort(-p)[..., -k:])."""
    smallest = np.sort(np.asarray(run.case.args[0]), axis=-1)[..., :_k(run)]
    return _values_are(run, smallest) or _values_are(run, smallest[..., ::-1])


def _ascending(run):
    return _values_are(run, run.expected[1][..., ::-1])


def _valid_indices(run):
    """The learner's indices as (N, k) with the probs as (N, C), when they are in range; else None."""
    answer = _answer(run)
    if answer is None or answer[0].shape != run.expected[0].shape or not np.issubdtype(answer[0].dtype, np.integer):
        return None
    indices, probs = answer[0], answer[2]
    classes = probs.shape[-1]
    if (indices < 0).any() or (indices >= classes).any():
        return None
    return indices.reshape(-1, indices.shape[-1]), probs.reshape(-1, classes)


def _same_values_other_order(run):
    """Each row holds the k largest values, not largest first (np.argpartition, or sorted by index)."""
    valid = _valid_indices(run)
    if valid is None:
        return False
    indices, probs = valid
    got = np.take_along_axis(probs, indices, -1)
    want = run.expected[1].reshape(got.shape)
    return (not np.array_equal(got, want) and np.array_equal(np.sort(got, axis=-1), np.sort(want, axis=-1))
            and all(len(set(row)) == len(row) for row in indices.tolist()))


def _ties_only(run):
    """The indices pick exactly the expected values, in the expected order: only equal values moved."""
    valid = _valid_indices(run)
    if valid is None:
        return False
    indices, probs = valid
    want = run.expected[0].reshape(indices.shape)
    return (not np.array_equal(indices, want)
            and np.array_equal(np.take_along_axis(probs, indices, -1), np.take_along_axis(probs, want, -1))
            and all(len(set(row)) == len(row) for row in indices.tolist()))


def _ties_reversed(run):
    valid = _valid_indices(run)
    if valid is None or not _ties_only(run):
        return False
    indices, probs = valid
    reversed_ties = np.argsort(probs, axis=-1, kind="stable")[:, ::-1][:, :indices.shape[-1]]
    return np.array_equal(indices, reversed_ties)


def _slice_is(run, start, stop_delta):
    """The learner's indices are the stable ranking sliced [..., start:k + stop_delta] (not [..., :k])."""
    answer = _answer(run)
    if answer is None or not np.issubdtype(answer[0].dtype, np.integer):
        return False
    order = _sorted_desc(answer[2])[..., start:_k(run) + stop_delta]
    return answer[0].shape == order.shape and np.array_equal(answer[0], order)


def _one_too_many(run):
    return _slice_is(run, 0, 1)


def _one_too_few(run):
    return _k(run) > 1 and _slice_is(run, 0, -1)


def _best_skipped(run):
    return _slice_is(run, 1, 1)


def _duplicate_indices(run):
    """The same class twice in a row, and each index points at one of the expected values
    (an index looked up from its value: list(p).index(v) finds the first equal value every time)."""
    valid = _valid_indices(run)
    if valid is None:
        return False
    indices, probs = valid
    got = np.take_along_axis(probs, indices, -1)
    want = run.expected[1].reshape(got.shape)
    return (any(len(set(row)) < len(row) for row in indices.tolist())
            and np.array_equal(got.astype(np.float64), want.astype(np.float64)))


def _taken_from_the_flat_array(run):
    """Right indices, but the values are probs.ravel()[indices]: np.take without axis= flattens."""
    answer = _answer(run)
    if answer is None or answer[2].ndim < 2 or not _same(answer[0], run.expected[0]):
        return False
    return _values_are(run, answer[2].ravel()[run.expected[0]])


def _too_few_for_k(run):
    """k is more than the classes, and the answer holds every class: [..., :k] stopped at the end."""
    got, probs = run.got, np.asarray(run.case.args[0])
    return (isinstance(got, tuple) and len(got) == 2 and all(isinstance(a, np.ndarray) for a in got)
            and got[0].shape[-1:] == probs.shape[-1:] and _k(run) > probs.shape[-1])


def _two_d_slice_on_vector(exc, case):
    """[:, :k] on a (C,) vector: IndexError, too many indices."""
    return (isinstance(exc, IndexError) and "too many indices" in str(exc)
            and np.asarray(case.args[0]).ndim == 1)


def _batch_indexing_error(exc, case):
    """1-D indexing on an (N, C) batch: p[idx] or a 2-D index used as rows."""
    text = str(exc)
    batch = np.asarray(case.args[0]).ndim == 2
    return batch and (isinstance(exc, IndexError) and not isinstance(exc, np.exceptions.AxisError)
                      or isinstance(exc, ValueError) and ("broadcast" in text or "shape mismatch" in text))


def _k_against_images(exc, case):
    """ValueError on a valid batch whose k is more than the images but not more than the classes."""
    probs = np.asarray(case.args[0])
    k = case.args[1] if len(case.args) > 1 else 5
    return isinstance(exc, ValueError) and probs.ndim == 2 and probs.shape[0] < k <= probs.shape[1]


def _k_equal_rejected(exc, case):
    probs = np.asarray(case.args[0])
    k = case.args[1] if len(case.args) > 1 else 5
    return isinstance(exc, ValueError) and k == probs.shape[-1]


def _k_ok(probs, k):
    if k > probs.shape[-1]:
        raise ValueError(f"k={k} but only {probs.shape[-1]} classes")


# Learners' answers for the mistakes recognised by what they show.
def _example_indices_only(probs, k=5):
    _k_ok(probs, k)
    return np.argsort(-probs, axis=-1, kind="stable")[..., :k]


def _example_values_only(probs, k=5):
    _k_ok(probs, k)
    return -np.sort(-probs, axis=-1)[..., :k]


def _example_swapped(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(probs, idx, -1), idx


def _example_vector_as_batch(probs, k=5):
    p = np.atleast_2d(probs)
    _k_ok(p, k)
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(p, idx, 1)


def _example_squeezed(probs, k=5):
    p = np.atleast_2d(probs)
    _k_ok(p, k)
    idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
    return idx.squeeze(), np.take_along_axis(p, idx, 1).squeeze()


def _example_whole_rows(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[:k]
    return idx, -np.sort(-probs, axis=-1)[:k]


def _example_int32(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx.astype(np.int32), np.take_along_axis(probs, idx, -1)


def _example_float_values(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(probs, idx, -1).astype(np.float64)


def _example_negated(probs, k=5):
    _k_ok(probs, k)
    negated = -probs
    idx = np.argsort(negated, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(negated, idx, -1)


def _example_smallest(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_ascending(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(probs, axis=-1, kind="stable")[..., -k:]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_by_index(probs, k=5):
    _k_ok(probs, k)
    idx = np.sort(np.argsort(-probs, axis=-1, kind="stable")[..., :k], axis=-1)
    return idx, np.take_along_axis(probs, idx, -1)


def _example_reversed_ties(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(probs, axis=-1, kind="stable")[..., ::-1][..., :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_unstable(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="heapsort")[..., :k]  # not stable, like the default quicksort
    return idx, np.take_along_axis(probs, idx, -1)


def _example_fancy_index(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(probs)[::-1][:k]
    return idx, probs[idx]


def _example_axis_1(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(probs, idx, 1)


def _example_k_vs_images(probs, k=5):
    if k > len(probs):
        raise ValueError(f"k={k} is more than {len(probs)}")
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_take_without_axis(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take(probs, idx)


def _example_no_k_check(probs, k=5):
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_one_too_many(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k + 1]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_one_too_few(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k - 1]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_best_skipped(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., 1:k + 1]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_index_of_value(probs, k=5):
    _k_ok(probs, k)
    values = -np.sort(-probs, axis=-1)[..., :k]
    if probs.ndim == 1:
        return np.array([list(probs).index(v) for v in values]), values
    return np.array([[list(row).index(v) for v in vals] for row, vals in zip(probs, values)]), values


def _example_two_d_slice(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, kind="stable")[:, :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_k_equal(probs, k=5):
    if k >= probs.shape[-1]:
        raise ValueError(f"k={k} must be less than the {probs.shape[-1]} classes")
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx, np.take_along_axis(probs, idx, -1)


def _example_flattened(probs, k=5):
    _k_ok(probs, k)
    flat = probs.ravel()
    idx = np.argsort(-flat, kind="stable")[:k]
    return idx, flat[idx]


def _example_axis0(probs, k=5):
    _k_ok(probs, k)
    idx = np.argsort(-probs, axis=0, kind="stable")[:k]
    return idx, np.take_along_axis(probs, idx, 0)


register(Exercise(
    name="top_k",
    notebook=NOTEBOOK,
    reference=top_k,
    cases=_top_k_cases,
    summary="indices and values of the k largest scores, largest first",
    rules={
        "shape": "for an (N, C) batch: two arrays of shape (N, k), one row per image",
        "order": "largest value first",
        "ties": "equal values keep the lower index first",
        "dtype": "indices are int64, values keep the input's dtype",
        "k_too_large": "k larger than the number of classes is a ValueError that names both numbers",
    },
    hint=(
        """
        np.argsort sorts ascending, so the largest values come last. Think about what to sort so
        that they come first, and look up argsort's `kind` argument: only a stable sort keeps
        equal values in index order.
        """,
        """
        1. If k is larger than the number of classes (the last axis), raise ValueError naming
           both numbers; k equal to it is a full ranking, which is fine.
        2. Sort the negated scores along the last axis with a stable sort and keep the first k
           indices. Reversing an ascending sort instead puts equal values' higher index first.
        3. Pick the values at those indices, along the same axis.
        4. Return (indices as int64, values).
        Working on the last axis makes one code path for a (C,) vector and an (N, C) batch.
        """,
        """
        `order = np.argsort(-probs, axis=-1, kind="stable")[..., :k]` (`...,` slices the classes,
        whatever comes before them); np.take_along_axis(probs, order, axis=-1) picks the values.
        """,
    ),
    mistakes=[
        Mistake("top_k.indices_only",
                "you returned the indices only: return both, as a tuple (indices, values).",
                detect=_only(np.integer), on_type=True, example=_example_indices_only),
        Mistake("top_k.values_only",
                "you returned the values only: return both, as a tuple (indices, values); the indices say which "
                "classes they are.",
                detect=_only(np.floating), on_type=True, example=_example_values_only),
        Mistake("top_k.swapped",
                "you returned (values, indices); the contract is (indices, values).",
                detect=_swapped, example=_example_swapped),
        Mistake("top_k.vector_as_batch",
                "for a (C,) vector return two arrays of shape (k,), not (1, k): a 1-D input gives 1-D results "
                "(sort along axis=-1 and slice [..., :k], which works for both shapes).",
                detect=_vector_as_batch, example=_example_vector_as_batch),
        Mistake("top_k.batch_squeezed",
                "a batch of one image is still a batch: (1, C) probabilities give (1, k) results. np.squeeze "
                "(or [0]) drops that axis; keep the input's number of dimensions.",
                detect=_batch_squeezed, example=_example_squeezed),
        Mistake("top_k.axis_0",
                "you sorted along axis 0 (across the images). For (N, C) probabilities the classes are the last "
                "axis: argsort(..., axis=-1) and slice [..., :k].",
                detect=behaves_like("top_k", _along_axis0), example=_example_axis0),
        Mistake("top_k.whole_rows",
                "your indices keep all C classes of each row: on a 2-D batch, [:k] and [::-1] act on the first "
                "axis, the images. Slice the classes, the last axis: order[..., :k] (and order[..., ::-1]).",
                detect=_whole_rows_kept, example=_example_whole_rows),
        Mistake("top_k.int_not_int64",
                "your indices are not int64: convert with order.astype(np.int64).",
                detect=_int_but_not_int64, example=_example_int32),
        Mistake("top_k.values_dtype",
                "your values changed dtype: take them from the input array as they are "
                "(np.take_along_axis keeps float32 float32).",
                detect=_values_dtype, example=_example_float_values),
        Mistake("top_k.negated_values",
                "your values are negated: you took them from -probs. Sort -probs to get the order, but take the "
                "values from probs itself: np.take_along_axis(probs, order, axis=-1).",
                detect=_negated, example=_example_negated),
        Mistake("top_k.smallest",
                "you took the k SMALLEST values: np.argsort sorts ascending, so argsort(p)[:k] are the least "
                "likely classes. Sort -probs instead.",
                detect=_smallest, example=_example_smallest),
        Mistake("top_k.ascending",
                "your top K is in ascending order (smallest first): np.argsort sorts ascending, so sort -probs "
                "instead (or reverse before slicing).",
                detect=_ascending, example=_example_ascending),
        Mistake("top_k.flattened",
                "you ranked the whole (N, C) array at once (flattened). Rank each row on its own: argsort along "
                "axis=-1.",
                detect=behaves_like("top_k", _flattened), example=_example_flattened),
        Mistake("top_k.one_minus",
                "you sorted 1 - probs: in float32, 1 - 1e-9 is exactly 1.0, so tiny probabilities tie and come out "
                "in index order. Sort -probs, which keeps every value distinct.",
                detect=behaves_like("top_k", _one_minus), example=_one_minus),
        Mistake("top_k.ties_reversed",
                "equal values come out highest index first. Reversing an ascending sort reverses the ties too "
                "(and a sort that is not stable may order them so): sort the negated values with kind='stable' "
                "so ties keep the lower index first.",
                detect=_ties_reversed, example=_example_reversed_ties),
        Mistake("top_k.ties_order",
                "your values are right, but equal values must keep the lower index first. NumPy's default sort "
                "is not stable, and np.argpartition picks any of the values equal to the k-th: use "
                "np.argsort(-probs, axis=-1, kind='stable').",
                detect=_ties_only, example=_example_unstable),
        Mistake("top_k.unsorted",
                "you found the k largest values, but not largest first (np.argpartition does not sort the k it "
                "finds; np.sort of the indices orders them by class). Order them by value, largest first: "
                "np.argsort(-probs, axis=-1, kind='stable')[..., :k].",
                detect=_same_values_other_order, example=_example_by_index),
        Mistake("top_k.one_too_many",
                "you returned k + 1 classes per image: a slice [..., :k] already holds exactly k (its end, "
                "position k, is left out). Drop the + 1.",
                detect=_one_too_many, example=_example_one_too_many),
        Mistake("top_k.one_too_few",
                "you returned k - 1 classes per image: [..., :k] holds exactly k, positions 0 to k - 1 (a "
                "slice leaves out its end already). Drop the - 1.",
                detect=_one_too_few, example=_example_one_too_few),
        Mistake("top_k.best_skipped",
                "you skipped the best class: [..., 1:k + 1] starts at the second. Python counts from 0, so the "
                "k best are [..., :k].",
                detect=_best_skipped, example=_example_best_skipped),
        Mistake("top_k.duplicate_indices",
                "the same class appears twice in one row: looking up each value's index (list(p).index(v), "
                "np.where(p == v)[0][0]) finds the first of equal values every time. Take the indices from "
                "the sort itself, np.argsort(-probs, axis=-1, kind='stable')[..., :k], and the values from them.",
                detect=_duplicate_indices, example=_example_index_of_value),
        Mistake("top_k.take_without_axis",
                "your indices are right, but the values of every image after the first are wrong: np.take "
                "without axis= reads the flattened array, so each row's indices pick values of the first "
                "image. Use np.take_along_axis(probs, idx, axis=-1).",
                detect=_taken_from_the_flat_array, example=_example_take_without_axis),
        Mistake("top_k.k_not_checked",
                "you returned fewer than k classes: [..., :k] stops quietly at the last class (and so does "
                "min(k, C)). Compare k with the number of classes first and raise ValueError naming both: "
                "if k > probs.shape[-1]: raise ValueError(f'k={k} is more than the {probs.shape[-1]} classes').",
                detect=_too_few_for_k, on_no_raise=True, example=_example_no_k_check),
        Mistake("top_k.two_d_slice_on_vector",
                "[:, :k] (or [:, ::-1]) needs two axes, and a (C,) vector has one: slice with [..., :k], "
                "which works for a vector and a batch alike.",
                on_error=_two_d_slice_on_vector, example=_example_two_d_slice),
        Mistake("top_k.batch_indexing",
                "it works for a (C,) vector but not for an (N, C) batch: something acts on the images instead "
                "of the classes (an argsort along axis 0, p[idx], which picks whole rows, or [::-1] or [:k] "
                "without `...,`). Sort and slice along the last axis, np.argsort(-p, axis=-1, "
                "kind='stable')[..., :k], and take the values with np.take_along_axis(p, idx, axis=-1).",
                on_error=_batch_indexing_error, example=_example_fancy_index),
        Mistake("top_k.fixed_axis",
                "your function sorts along a fixed axis that this array does not have (a (C,) vector has only "
                "axis 0): sort along the last axis, axis=-1, and slice with [..., :k], for both shapes.",
                on_error=lambda exc, case: isinstance(exc, np.exceptions.AxisError), example=_example_axis_1),
        Mistake("top_k.k_against_images",
                "k is compared with the number of images: len(probs) of an (N, C) batch is N. Compare k with "
                "the number of classes, probs.shape[-1].",
                on_error=_k_against_images, example=_example_k_vs_images),
        Mistake("top_k.k_equal_rejected",
                "k equal to the number of classes is allowed (a full ranking): raise only when k is larger "
                "(k > probs.shape[-1], not >=).",
                on_error=_k_equal_rejected, example=_example_k_equal),
    ],
))


# --------------------------------------------------------------------------- #
# parse_labels
# --------------------------------------------------------------------------- #
SYNSETS = ("n01440764 tench, Tinca tinca\n"
           "n01443537 goldfish, Carassius auratus\n"
           "n01484850 great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias\n"
           "n01491361 tiger shark, Galeocerdo cuvieri\n")
PLAIN_N = "nematode\nnight snake\nneck brace\nnail\n"
NO_SYNONYMS = "n02690373 airliner\nn04037443 racer, race car, racing car\nn03868863 oxygen mask\n"
TAB_SYNSETS = "n01440764\ttench, Tinca tinca\nn01443537\tgoldfish, Carassius auratus\n"
NEAR_SYNSET = "n1440764 tench\nn014437537 goldfish\n"  # ids of 7 and 9 digits: plain lines
TRAILING_WHITESPACE = "cat\r\ndog\r\n\r\n  \n\t\n"
ONE_CLASS = "person\n"
DUPLICATES = "crane\nmaillot\ncrane\nmaillot\nbath towel\n"


def _parse_cases():
    return [
        Case("a plain file: one name a line", ("cat\ndog\nhot dog\n",), rule="plain"),
        Case("a synset file ('n01440764 tench, Tinca tinca')", (SYNSETS,), rule="synset"),
        Case("a plain file with blank lines at the end", ("background\nperson\nbicycle\n\n\n",), rule="trailing"),
        Case("Windows line endings (\\r\\n)", ("red_circle\r\nblue_circle\r\nred_square\r\n",), rule="plain"),
        Case("names with spaces around them", ("  tench \n\tgoldfish\n great white shark\n",), rule="plain"),
        Case("names with apostrophes and hyphens, no newline at the end", ("jack-o'-lantern\npotter's wheel\nT-shirt",),
             rule="plain"),
        Case("a one-class file, 'person\\n' (one line, but no path)", (ONE_CLASS,), rule="plain"),
        Case("the same name twice: ImageNet's classes 134 and 517 are both 'crane' (a bird, a machine)",
             (DUPLICATES,), rule="order"),
        Case("plain names that start with n: 'nematode', 'night snake', 'neck brace', 'nail' (no 8 digits)",
             (PLAIN_N,), rule="synset"),
        Case("a synset file with a tab after the id (as TensorFlow's imagenet_metadata.txt)",
             (TAB_SYNSETS,), rule="synset"),
        Case("synset lines without synonyms ('n02690373 airliner': no comma)", (NO_SYNONYMS,), rule="synset"),
        Case("ids of 7 and 9 digits are no synset ids ('n1440764 tench', 'n014437537 goldfish'): plain "
             "lines, kept whole", (NEAR_SYNSET,), rule="synset"),
        Case("blank lines at the end holding spaces, a tab and \\r ('cat\\r\\ndog\\r\\n\\r\\n  \\n\\t\\n')",
             (TRAILING_WHITESPACE,), rule="trailing"),
        Case("an empty line in the middle (line 3 of 4)", ("cat\ndog\n\nbird\n",),
             raises=ValueError, raises_mentions=("3",), rule="blank"),
        Case("a blank first line, '\\ncat\\ndog\\n' (strip only the END of the text: a blank line 1 shifts "
             "every class)", ("\ncat\ndog\n",), raises=ValueError, raises_mentions=("1",), rule="blank"),
        Case("a line of spaces in the middle (line 2 of 3)", ("cat\n   \ndog\n",),
             raises=ValueError, raises_mentions=("2",), rule="blank"),
        Case("an empty line in the middle of a Windows file (line 2 of 3)", ("cat\r\n\r\ndog\r\n",),
             raises=ValueError, raises_mentions=("2",), rule="blank"),
        Case("a file PATH instead of the file's text ('helpers/data/imagenet_classes.txt')",
             ("helpers/data/imagenet_classes.txt",), raises=ValueError, raises_mentions=("path",), rule="path"),
        Case("an absolute path to a file that is not there ('/home/learner/models/synset_words.txt')",
             ("/home/learner/models/synset_words.txt",), raises=ValueError, raises_mentions=("path",), rule="path"),
        Case("a Windows path ('C:\\\\Users\\\\me\\\\labels.txt')", ("C:\\Users\\me\\labels.txt",),
             raises=ValueError, raises_mentions=("path",), rule="path"),
        Case("a path with a newline at the end, 'imagenet_classes.txt\\n' (still a single line)",
             ("imagenet_classes.txt\n",), raises=ValueError, raises_mentions=("path",), rule="path"),
    ]


def _compare_labels(expected, got):
    """A list of str: its type first (KindProblem), then how many names and which differ."""
    if not isinstance(got, list):
        return KindProblem(f"the result should be a list of str (one name per class), not {describe(got)}")
    for i, name in enumerate(got):
        if not isinstance(name, str):
            return KindProblem(f"name {i} should be a str, not {describe(name)}")
    if len(got) != len(expected):
        return f"the result has {len(got)} names {got[:6]!r}; expected {len(expected)}: {expected[:6]!r}"
    for i, (want, name) in enumerate(zip(expected, got)):
        if name != want:
            return f"name {i} is {name!r}; expected {want!r}"
    return None


_SYNSET = re.compile(r"^\s*n\d{8}")


def _names(run):
    """The learner's names when they are a list of str as long as the expected one, else None."""
    got = run.got
    if isinstance(got, list) and len(got) == len(run.expected) and all(isinstance(n, str) for n in got):
        return got
    return None


def _names_where(run, test):
    """The learner's names differ from the expected ones, and every name that differs passes test(got, want)."""
    names = _names(run)
    if names is None or names == run.expected:
        return False
    return all(name == want or test(name, want) for name, want in zip(names, run.expected))


def _synset_id_kept(run):
    return _names_where(run, lambda name, want: bool(_SYNSET.match(name)) and want in name)


def _synonyms_kept(run):
    return _names_where(run, lambda name, want: "," in name and name.strip().startswith(want) and "," not in want)


def _trailing_empty(run):
    got, want = run.got, run.expected
    return (isinstance(got, list) and len(got) > len(want) and got[:len(want)] == want
            and all(isinstance(n, str) and not n.strip() for n in got[len(want):]))


def _whitespace_kept(run):
    return _names_where(run, lambda name, want: name.strip() == want)


def _one_word(run):
    return _names_where(run, lambda name, want: " " in want and name in want.replace(",", " ").split())


def _plain_n_cut(run):
    """A plain name starting with n lost its first word or letters, as if it were a synset id (on the
    file of plain n-names, line[10:] may leave nothing of a short name)."""
    cut_to_nothing_allowed = run.case.args[0] == PLAIN_N
    return _names_where(run, lambda name, want: want.startswith("n") and len(name) < len(want)
                        and want.endswith(name.strip()) and (name.strip() != "" or cut_to_nothing_allowed))


def _last_name_dropped(run):
    """text.split('\\n')[:-1] for the final newline: a file without one loses its last name."""
    got, want, text = run.got, run.expected, run.case.args[0]
    return not text.endswith("\n") and isinstance(got, list) and len(want) > 1 and got == want[:-1]


def _split_on_first_space(run):
    """On the synset file with tabs, the names are later synonyms: the line was split on its first
    space, which comes after the first name."""
    if run.case.args[0] != TAB_SYNSETS or _names(run) is None:
        return False
    lines = TAB_SYNSETS.splitlines()
    return run.got != run.expected and all(
        name == want or (name.strip() and "," in line and name.strip() in line.split(",", 1)[1])
        for name, want, line in zip(run.got, run.expected, lines))


def _near_synset_changed(run):
    """On the lines whose ids have 7 and 9 digits, the id (or the first 9 or 10 characters) was cut off
    as if it were a synset id: each name that differs is the end of its line."""
    return run.case.args[0] == NEAR_SYNSET and _names_where(
        run, lambda name, want: len(name.strip()) < len(want) and want.endswith(name.strip()))


# On a case that must raise (on_no_raise): run.got is the returned value or the exception raised.
def _returned_names(run):
    got = run.got
    return got if isinstance(got, list) and all(isinstance(n, str) for n in got) else None


def _blank_line_kept(run):
    names = _returned_names(run)
    return run.case.rule == "blank" and names is not None and any(not n.strip() for n in names)


def _blank_line_skipped(run):
    names = _returned_names(run)
    text = run.case.args[0]
    kept = "\n".join(line for line in text.splitlines() if line.strip())
    return run.case.rule == "blank" and names is not None and names == parse_labels(kept)


def _leading_blank_stripped(run):
    """The text starts with a blank line and the answer is the parse of text.strip() (or lstrip)."""
    names = _returned_names(run)
    text = run.case.args[0]
    lines = text.splitlines()
    return (run.case.rule == "blank" and names is not None and bool(lines) and not lines[0].strip()
            and names == parse_labels(text.strip()))


def _line_number_from_zero(run):
    """The message names a line number one too small (counted from 0), and not the right one: 'line 2'
    (or 'line at index 2', 'line #2') for line 3; '2 names before it' is another mistake."""
    if run.case.rule != "blank" or not isinstance(run.got, Exception) or not run.case.raises_mentions:
        return False
    number = int(run.case.raises_mentions[0])
    text = str(run.got)
    line = r"\bline\s*(?:number\s*|no\.?\s*|#\s*|at\s+index\s*|index\s*|:\s*)*"
    return (re.search(rf"{line}{number - 1}(?!\d)", text, re.IGNORECASE) is not None
            and re.search(rf"(?<!\d){number}(?!\d)", text) is None)


def _path_not_refused(run):
    names = _returned_names(run)
    return run.case.rule == "path" and names is not None and len(names) == 1


def _path_opened(run):
    names = _returned_names(run)
    return run.case.rule == "path" and names is not None and len(names) > 1


def _no_comma_cut(run):
    """'airliner' became 'airline': line[10:line.find(',')] with find() giving -1."""
    return run.case.args[0] == NO_SYNONYMS and _names_where(run, lambda name, want: name == want[:-1])


def _duplicates_dropped(run):
    unique = list(dict.fromkeys(run.expected))
    return unique != run.expected and run.got == unique


def _raised_on(text, *types):
    """An ``on_error`` test: the learner's function raised (one of ``types``, or anything) on the case
    whose text is ``text``, after it passed every earlier case."""
    return lambda exc, case: isinstance(exc, types or (Exception,)) and case.args[0] == text


# Learners' answers for the mistakes recognised by what they show.
def _checked_lines(text):
    """The error handling a careful learner adds; the examples below vary the parsing."""
    lines = text.rstrip().splitlines()
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return lines


def _example_ids_kept(text):
    return [line.strip() for line in _checked_lines(text)]


def _example_synonyms_kept(text):
    return [re.sub(r"^n\d{8}\s+", "", line.strip()) for line in _checked_lines(text)]


def _example_split_on_newline(text):
    if text.strip().endswith(".txt") and "\n" not in text.strip():
        raise ValueError("a path")
    lines = text.split("\n")
    for n, line in enumerate(lines[:-1], 1):
        if not line.strip() and any(rest.strip() for rest in lines[n:]):
            raise ValueError(f"line {n} is empty")
    return [re.sub(r"^n\d{8}\s+", "", line.strip()).split(",")[0] for line in lines]


def _example_not_stripped(text):
    lines = _checked_lines(text)
    return [line.split(" ", 1)[1].split(",")[0] if re.match(r"n\d{8} ", line) else line
            for line in text.rstrip("\n").split("\n")][:len(lines)]


def _example_one_word(text):
    out = []
    for line in _checked_lines(text):
        words = line.split()
        out.append(words[1].rstrip(",") if re.match(r"n\d{8}$", words[0]) else words[-1])
    return out


def _example_first_letter(text):
    out = []
    for line in _checked_lines(text):
        line = line.strip()
        out.append(line.split(" ", 1)[1].split(",")[0] if line.startswith("n") else line)
    return out


def _example_index_comma(text):
    out = []
    for line in _checked_lines(text):
        line = line.strip()
        out.append(line[10:line.index(",")].strip() if re.match(r"n\d{8}\s", line) else line)
    return out


def _example_dedupe(text):
    names = []
    for line in _checked_lines(text):
        name = re.sub(r"^n\d{8}\s+", "", line.strip()).split(",")[0].strip()
        if name not in names:
            names.append(name)
    return names


def _example_rstrip_newlines_only(text):
    lines = text.rstrip("\n").split("\n")
    if len(lines) == 1 and lines[0].endswith(".txt"):
        raise ValueError("a path: pass the text")
    names = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            raise ValueError(f"line {n} is empty")
        names.append(re.sub(r"^n\d{8}\s+", "", line).split(",")[0].strip())
    return names


def _parse_unchecked(lines):
    return [re.sub(r"^n\d{8}\s+", "", line.strip()).split(",")[0].strip() for line in lines]


def _example_no_final_newline(text):
    lines = text.split("\n")[:-1]  # "the last line ends with a newline"
    return _example_blank_kept("\n".join(lines) + "\n") if lines else []


def _example_split_on_space(text):
    return [line.strip().partition(" ")[2].split(",")[0].strip() if re.match(r"n\d{8}\s", line.strip())
            else line.strip() for line in _checked_lines(text)]


def _example_digits_not_counted(text):
    lines = _checked_lines(text)
    return [re.sub(r"^n\d+\s+", "", line.strip()).split(",")[0].strip() for line in lines]


def _example_blank_skipped(text):
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    return _parse_unchecked(lines)


def _example_blank_kept(text):
    lines = text.rstrip().splitlines()
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    return _parse_unchecked(lines)


def _example_strip_both_ends(text):
    lines = text.strip().splitlines()
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return _parse_unchecked(lines)


def _example_counted_from_zero(text):
    lines = text.rstrip().splitlines()
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    for n, line in enumerate(lines):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return _parse_unchecked(lines)


def _example_no_path_check(text):
    lines = text.rstrip().splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return _parse_unchecked(lines)


def _example_opens_the_path(text):
    from pathlib import Path
    candidate = Path(text.strip())
    if not candidate.exists():  # the course folder, where the label file lives
        candidate = Path(__file__).resolve().parents[2] / text.strip()
    if text.strip().endswith(".txt") and candidate.exists():
        text = candidate.read_text(encoding="utf-8")
    return _example_no_path_check(text)


def _example_single_line_is_a_path(text):
    lines = text.rstrip().splitlines()
    if len(lines) == 1:
        raise ValueError("one line only: is that a path? Pass the file's text")
    names = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            raise ValueError(f"line {n} is empty")
        names.append(re.sub(r"^n\d{8}\s+", "", line).split(",")[0].strip())
    return names


register(Exercise(
    name="parse_labels",
    notebook=NOTEBOOK,
    reference=parse_labels,
    cases=_parse_cases,
    compare=_compare_labels,
    summary="class names from the text of a plain or synset label file",
    rules={
        "order": "Class i's name is line i of a label file",
        "plain": "plain lines stripped",
        "synset": "synset lines (n and 8 digits) give their first name",
        "trailing": "Blank lines at the end of the file are harmless",
        "blank": "a blank line before the last name would shift every later class by one, so raise a "
                 "ValueError naming its line number",
        "path": 'raise a ValueError that mentions "path"',
    },
    hint=(
        """
        Work line by line with str methods (rstrip, strip, split) and re.split, and spot a synset
        id (`n` and 8 digits) with a regular expression (the re module). Blank lines at the end
        are not classes; a blank line before the last name is an error.
        """,
        """
        1. Strip the end of the text, then split it into lines.
        2. A single line that ends in .txt is a path, not a label file: raise ValueError
           mentioning "path".
        3. For each line, counting from 1: strip it; an empty line now is a hole in the class
           list, so raise ValueError naming its number; a synset line keeps its first name;
           a plain line is kept as it is.
        """,
        """
        `re.split(r"\\r\\n|\\r|\\n", text.rstrip())` splits at line ends only (rstrip() with no
        argument also drops spaces, tabs and '\\r'; `str.splitlines()` would also split inside a name
        at a form feed or U+2028 and shift every later class); `enumerate(lines, start=1)` numbers the lines; `re.match(r"n\\d{8}\\s", line)` spots a
        synset line. Its name is the text after the id and its space or tab, up to the first
        comma (a line without synonyms has none): split off the id, then `.split(",")[0]`.
        """,
    ),
    mistakes=[
        Mistake("parse_labels.synset_id_kept",
                "your labels keep the synset ids ('n01440764 tench'): drop the 'n' + 8 digits and the space or "
                "tab that follows.",
                detect=_synset_id_kept, example=_example_ids_kept),
        Mistake("parse_labels.synonyms_kept",
                "your labels keep every synonym ('tench, Tinca tinca'): a synset line's label is its first name, "
                "the text before the first comma.",
                detect=_synonyms_kept, example=_example_synonyms_kept),
        Mistake("parse_labels.trailing_empty_names",
                "your list ends with empty names: blank lines at the end of the file are not classes. Strip the "
                "end of the text first (text.rstrip()), then split it into lines.",
                detect=_trailing_empty, example=_example_split_on_newline),
        Mistake("parse_labels.whitespace_kept",
                "your names keep spaces, tabs or '\\r' around them: strip each name (line.strip(), and again "
                "after a synset id is removed).",
                detect=_whitespace_kept, example=_example_not_stripped),
        Mistake("parse_labels.last_name_dropped",
                "the last name is missing: this file does not end with a newline, and text.split('\\n')[:-1] "
                "(or dropping the last line) then drops a real name. Strip the end first and then split at "
                "line ends (text.rstrip(), then re.split(r'\\r\\n|\\r|\\n', ...)): that works with and without "
                "a final newline.",
                detect=_last_name_dropped, example=_example_no_final_newline),
        Mistake("parse_labels.synset_split_on_space",
                "a tab follows the synset id here (as in TensorFlow's imagenet_metadata.txt), and you split the "
                "line on its first space, which comes later, inside the names. Split on any whitespace: "
                "line.split(None, 1)[1] (or re.match(r'n\\d{8}\\s+(.*)', line)).",
                detect=_split_on_first_space, example=_example_split_on_space),
        Mistake("parse_labels.synset_digits_not_counted",
                "a synset id is 'n' and exactly 8 digits, then a space or tab: 'n1440764' (7 digits) and "
                "'n014437537' (9) are no ids, so those lines are plain names, kept whole. Count the digits: "
                "re.match(r'n\\d{8}\\s', line).",
                detect=_near_synset_changed, example=_example_digits_not_counted),
        Mistake("parse_labels.synset_by_first_letter",
                "a plain name that starts with 'n' ('night snake', 'nematode') is not a synset line: a synset id "
                "is 'n' followed by exactly 8 digits, then a space (e.g. re.match(r'n\\d{8}\\s', line)).",
                detect=_plain_n_cut, on_error=_raised_on(PLAIN_N), example=_example_first_letter),
        Mistake("parse_labels.one_word",
                "you split the line on spaces and kept one word; names have spaces ('hot dog', 'great white "
                "shark'). Remove only the synset id, then split on commas.",
                detect=_one_word, example=_example_one_word),
        Mistake("parse_labels.synset_without_comma",
                "a synset line may have no synonyms ('n02690373 airliner'), hence no comma: take the text "
                "before the first comma when there is one; split(',')[0] does that in both cases (find(',') "
                "gives -1 and index(',') raises).",
                detect=_no_comma_cut, on_error=_raised_on(NO_SYNONYMS), example=_example_index_comma),
        Mistake("parse_labels.duplicates_dropped",
                "you dropped repeated names: ImageNet has two classes called 'crane' (a bird and a machine), and "
                "class i's name is line i. Keep every line, duplicates too.",
                detect=_duplicates_dropped, example=_example_dedupe),
        Mistake("parse_labels.trailing_blank_rejected",
                "blank lines at the end of the file are harmless, even when they hold spaces, tabs or '\\r': "
                "strip the whole end of the text first with text.rstrip() (no argument), then split it into "
                "lines; only a blank line before the last name is an error.",
                on_error=lambda exc, case: isinstance(exc, ValueError)
                and case.args[0] in (TRAILING_WHITESPACE, "background\nperson\nbicycle\n\n\n"),
                example=_example_rstrip_newlines_only),
        Mistake("parse_labels.leading_blank_stripped",
                "the blank first line vanished: text.strip() (or lstrip()) removes blank lines at the START "
                "too, and then every class shifts by one. Strip only the end, text.rstrip(), so that line 1 "
                "is still there to be refused.",
                detect=_leading_blank_stripped, on_no_raise=True, example=_example_strip_both_ends),
        Mistake("parse_labels.blank_line_skipped",
                "you skipped the blank line, so every class after it moved up by one (class i gets the name of "
                "class i + 1). Raise ValueError naming the blank line's number instead, counting from 1.",
                detect=_blank_line_skipped, on_no_raise=True, example=_example_blank_skipped),
        Mistake("parse_labels.blank_line_kept",
                "your list holds an empty name where the file has a blank line: a blank line before the last "
                "name must raise ValueError naming its line number. Test each line after stripping it "
                "(`if not line.strip()`): a line of spaces, a tab or '\\r' is blank too.",
                detect=_blank_line_kept, on_no_raise=True, example=_example_blank_kept),
        Mistake("parse_labels.line_number_from_zero",
                "that line number counts from 0; editors and people count lines from 1: "
                "enumerate(lines, start=1).",
                detect=_line_number_from_zero, on_no_raise=True, example=_example_counted_from_zero),
        Mistake("parse_labels.path_opened",
                "you opened the file: parse_labels takes the file's text, and the caller reads the file "
                "(Path(p).read_text()). A single line ending in .txt is a path: raise ValueError mentioning "
                "'path'.",
                detect=_path_opened, on_no_raise=True, example=_example_opens_the_path),
        Mistake("parse_labels.path_not_refused",
                "a single line ending in .txt is a file's path, not its text (whether that file exists or "
                "not), and your function made it a one-class label list. Strip the line before you test "
                "line.endswith('.txt') (a path may come with a newline or spaces), and raise ValueError "
                "mentioning 'path': the caller reads the file with Path(p).read_text().",
                detect=_path_not_refused, on_no_raise=True, example=_example_no_path_check),
        Mistake("parse_labels.one_line_rejected",
                "a file with one line is a label file with one class: only a single line that ends in .txt is "
                "a path.",
                on_error=_raised_on(ONE_CLASS, ValueError), example=_example_single_line_is_a_path),
    ],
))


# --------------------------------------------------------------------------- #
# decode_predictions
# --------------------------------------------------------------------------- #
NAMES10 = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray",
           "stingray", "cock", "hen", "ostrich"]


TIES10 = np.array([0.1, 0.2, 0.05, 0.2, 0.05, 0.1, 0.2, 0.05, 0.0, 0.05], np.float32)
TIED_ROWS = np.array([[0.25, 0, 0.25, 0, 0.5, 0, 0, 0, 0, 0], [0, 0.25, 0, 0, 0.25, 0.25, 0, 0, 0, 0.25]],
                     np.float32)
SPARSE1000 = np.zeros((1, 1000), np.float32)
SPARSE1000[0, [3, 500, 999]] = [0.5, 0.3, 0.2]


def _decode_cases():
    rng = np.random.default_rng(1)
    probs = lambda *shape: softmax((rng.standard_normal(shape) * 2).astype(np.float32))  # noqa: E731
    return [
        Case("one image: a (10,) probability vector, k=3", (probs(10), NAMES10, 3), rule="one_image"),
        Case("(3, 10) probabilities, the default k=5", (probs(3, 10), NAMES10), rule="k"),
        Case("(2, 10) probabilities as a tuple of labels, k=1", (probs(2, 10), tuple(NAMES10), 1),
             rule="labels"),
        Case("(2, 10) probabilities, k=10: every class, best first", (probs(2, 10), NAMES10, 10), rule="order"),
        Case("(4, 10) probabilities, k=2 (plain int, str and float in each tuple)", (probs(4, 10), NAMES10, 2),
             rule="types"),
        Case("ties: [0.1, 0.2, 0.05, 0.2, 0.05, 0.1, 0.2, 0.05, 0, 0.05], k=4 (equal probabilities: lower "
             "index first, so 1, 3, 6, then 0 of the two 0.1)", (TIES10, NAMES10, 4), rule="ties"),
        Case("(2, 10) probabilities of halves, quarters and zeros, k=10 (ties everywhere)",
             (TIED_ROWS, NAMES10, 10), rule="ties"),
        Case("(1, 1000) probabilities, only 3 above zero, k=6 (the other 997 tie at 0)",
             (SPARSE1000, [f"class {i}" for i in range(1000)], 6), rule="ties"),
        Case("7 labels for 10 classes", (probs(2, 10), NAMES10[:7]),
             raises=ValueError, raises_mentions=("7", "10"), rule="count"),
        Case("11 labels for 10 classes", (probs(2, 10), NAMES10 + ["goose"]),
             raises=ValueError, raises_mentions=("11", "10"), rule="count"),
        Case("9 labels for one image of 10 classes", (probs(10), NAMES10[:9], 3),
             raises=ValueError, raises_mentions=("9", "10"), rule="count"),
        Case("1000 labels for a 1001-class model (a background class first)",
             (probs(1, 1001), [f"class {i}" for i in range(1000)]),
             raises=ValueError, raises_mentions=("1000", "1001"), rule="count"),
    ]


def _compare_decoded(expected, got):
    """Lists (one per image) of lists of (int, str, float) tuples; probabilities within 1e-6.

    The structure and the types come first (a KindProblem), then the counts and the values."""
    if not isinstance(got, list):
        return KindProblem(f"the result should be a list with one entry per image, not {describe(got)}")
    for n, row in enumerate(got):
        if not isinstance(row, list):
            return KindProblem(f"entry {n} should be a list of (class_index, label, probability) tuples, "
                               f"not {describe(row)}")
        for j, item in enumerate(row):
            where = f"image {n}, rank {j}"
            if not isinstance(item, tuple) or len(item) != 3:
                return KindProblem(f"{where} should be a tuple (class_index, label, probability), not "
                                   f"{describe(item)}")
            if tuple(type(v) for v in item) != (int, str, float):
                return KindProblem(f"{where} is ({', '.join(type(v).__name__ for v in item)}); expected plain "
                                   f"(int, str, float)")
    if len(got) != len(expected):
        return f"the result has {len(got)} entries; expected one per image ({len(expected)})"
    for n, (want_row, got_row) in enumerate(zip(expected, got)):
        if len(got_row) != len(want_row):
            return f"entry {n} has {len(got_row)} tuples; expected {len(want_row)} (k)"
        for j, (want, item) in enumerate(zip(want_row, got_row)):
            index, label, prob = item
            if index != want[0] or label != want[1] or abs(prob - want[2]) > 1e-6:
                return f"image {n}, rank {j} is {item!r}; expected {want!r}"
    return None


def _items(run):
    got = run.got
    if not isinstance(got, list):
        return []
    return [item for row in got if isinstance(row, list) for item in row if isinstance(item, tuple)]


def _probs_2d(run):
    return np.atleast_2d(np.asarray(run.case.args[0]))


def _flat_for_one_image(run):
    got = run.got
    return (np.asarray(run.case.args[0]).ndim == 1 and isinstance(got, list) and len(got) == len(run.expected[0])
            and all(isinstance(x, tuple) for x in got))


def _numpy_scalars(run):
    return any(isinstance(v, np.generic) for item in _items(run) for v in item)


def _tuple_order(run):
    items = [item for item in _items(run) if len(item) == 3]
    kinds = [tuple(sorted(type(v).__name__ for v in item)) for item in items]
    return bool(items) and all(k == ("float", "int", "str") for k in kinds) and any(
        tuple(type(v) for v in item) != (int, str, float) for item in items)


def _probability_as_text(run):
    items = [item for item in _items(run) if len(item) == 3]
    return bool(items) and all(type(item[0]) is int and type(item[1]) is str for item in items) and any(
        isinstance(item[2], str) for item in items)


def _rows(run):
    """The learner's rows as lists of (index, label, probability), when each row has k tuples of 3."""
    got = run.got
    if not (isinstance(got, list) and len(got) == len(run.expected)):
        return None
    if not all(isinstance(row, list) and len(row) == len(want) and all(isinstance(t, tuple) and len(t) == 3
                                                                        for t in row)
               for row, want in zip(got, run.expected)):
        return None
    return got


def _probabilities_are(run, transform):
    """Indices and labels right, and every probability equals transform(the right one)."""
    rows = _rows(run)
    if rows is None:
        return False
    pairs = [(item, want) for row, want_row in zip(rows, run.expected) for item, want in zip(row, want_row)]
    return (all(item[:2] == want[:2] for item, want in pairs)
            and all(isinstance(item[2], (int, float)) and abs(item[2] - transform(want[2])) <= 1e-6 + 1e-9 * abs(item[2])
                    for item, want in pairs)
            and any(abs(item[2] - want[2]) > 1e-6 for item, want in pairs))


def _percentages(run):
    for decimals in (None, 0, 1, 2, 3, 4):
        transform = (lambda p: 100 * p) if decimals is None else (lambda p, d=decimals: round(100 * p, d))
        if _probabilities_are(run, transform):
            return True
    return False


def _rounded(run):
    return any(_probabilities_are(run, lambda p, d=d: round(p, d)) for d in range(1, 6))


def _shifted_labels(run):
    rows = _rows(run)
    labels = list(run.case.args[1])
    if rows is None:
        return False
    for shift in (1, -1):
        if all(item[0] == want[0] and item[1] == labels[(want[0] + shift) % len(labels)]
               for row, want_row in zip(rows, run.expected) for item, want in zip(row, want_row)):
            return True
    return False


def _indices_are(run, order):
    """The learner's (index, label) pairs are those of ``order`` (N, k) class indices, and wrong."""
    rows = _rows(run)
    if rows is None:
        return False
    labels = list(run.case.args[1])
    got = [[(item[0], item[1]) for item in row] for row in rows]
    wanted = [[(int(i), labels[int(i)]) for i in row] for row in order]
    right = [[(item[0], item[1]) for item in row] for row in run.expected]
    return got == wanted and got != right


def _ascending_order(run):
    k = len(run.expected[0])
    return _indices_are(run, np.argsort(_probs_2d(run), axis=-1, kind="stable")[:, -k:])


def _least_likely(run):
    k = len(run.expected[0])
    return _indices_are(run, np.argsort(_probs_2d(run), axis=-1, kind="stable")[:, :k])


def _same_probabilities_other_classes(run):
    """Every tuple's probability is the expected one (in the expected order), the labels match their
    indices, but some indices differ: only equal probabilities came out in another order."""
    rows = _rows(run)
    if rows is None:
        return False
    labels = list(run.case.args[1])
    pairs = [(item, want) for row, want_row in zip(rows, run.expected) for item, want in zip(row, want_row)]
    return (all(isinstance(item[0], int) and 0 <= item[0] < len(labels) and item[1] == labels[item[0]]
                and isinstance(item[2], float) and item[2] == want[2] for item, want in pairs)
            and any(item[0] != want[0] for item, want in pairs)
            and all(len({item[0] for item in row}) == len(row) for row in rows))


def _decode_ties_reversed(run):
    k = len(run.expected[0])
    return (_same_probabilities_other_classes(run)
            and _indices_are(run, np.argsort(_probs_2d(run), axis=-1, kind="stable")[:, ::-1][:, :k]))


def _numpy_strings(run):
    return any(isinstance(item[1], np.str_) for item in _items(run) if len(item) == 3)


def _ignores_k(run):
    rows, k = run.got, len(run.expected[0])
    return (isinstance(rows, list) and len(rows) == len(run.expected) and k != 5
            and all(isinstance(row, list) and len(row) == 5 for row in rows)
            and all(row[:k] == want for row, want in zip(rows, run.expected)))


def _mentions(exc, number):
    return re.search(rf"(?<!\d){number}(?!\d)", str(exc)) is not None


def _count_against_size(exc, case):
    """ValueError on a valid batch of several images whose message names probs.size (N * C)."""
    probs = np.asarray(case.args[0])
    return (isinstance(exc, ValueError) and probs.ndim == 2 and probs.shape[0] > 1
            and len(case.args[1]) == probs.shape[1] and _mentions(exc, probs.size))


def _count_against_images(exc, case):
    probs = np.asarray(case.args[0])
    return (isinstance(exc, ValueError) and probs.ndim == 2 and len(case.args[1]) == probs.shape[1]
            and probs.shape[0] != probs.shape[1] and not (probs.shape[0] > 1 and _mentions(exc, probs.size)))


def _labels_made_up(run):
    """A result for too few labels, naming a class with a label that is not in ``labels``: the learner
    filled the gap ('background' first, as for a 1001-class model)."""
    labels = list(run.case.args[1])
    got = run.got
    if isinstance(got, BaseException) or len(labels) >= np.asarray(run.case.args[0]).shape[-1]:
        return False
    items = [item for row in got if isinstance(row, list) for item in row] if isinstance(got, list) else []
    return any(isinstance(item, tuple) and len(item) == 3 and isinstance(item[1], str) and item[1] not in labels
               for item in items)


def _more_labels_accepted(run):
    """A result, not an exception, for more labels than classes (on a case that must raise)."""
    probs = np.asarray(run.case.args[0])
    return not isinstance(run.got, BaseException) and len(run.case.args[1]) > probs.shape[-1]


def _vector_not_batched(exc, case):
    text = str(exc)
    return np.asarray(case.args[0]).ndim == 1 and (
        isinstance(exc, TypeError) and ("not iterable" in text or "0-d" in text or "unsized" in text)
        or isinstance(exc, IndexError) and "too many indices" in text)


# Learners' answers for the mistakes recognised by what they show.
def _checked(probs, labels):
    p = np.atleast_2d(probs)
    if len(labels) != p.shape[1]:
        raise ValueError(f"{len(labels)} labels but {p.shape[1]} classes")
    return p


def _top(p, k):
    return np.argsort(-p, axis=1, kind="stable")[:, :k]


def _example_flat(probs, labels, k=5):
    p = _checked(probs, labels)
    out = [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]
    return out[0] if probs.ndim == 1 else out


def _example_numpy_scalars(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(i, labels[i], row[i]) for i in r] for row, r in zip(p, _top(p, k))]


def _example_label_first(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(labels[i], int(i), float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_percent_text(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(int(i), labels[i], f"{100 * row[i]:.1f}%") for i in r] for row, r in zip(p, _top(p, k))]


def _example_percentages(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(int(i), labels[i], round(100 * float(row[i]), 2)) for i in r] for row, r in zip(p, _top(p, k))]


def _example_rounded(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(int(i), labels[i], round(float(row[i]), 4)) for i in r] for row, r in zip(p, _top(p, k))]


def _example_shifted(probs, labels, k=5):
    p = _checked(probs, labels)
    return [[(int(i), labels[i - 1], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_ascending_decode(probs, labels, k=5):
    p = _checked(probs, labels)
    idx = np.argsort(p, axis=1, kind="stable")[:, -k:]
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]


def _example_least_likely(probs, labels, k=5):
    p = _checked(probs, labels)
    idx = np.argsort(p, axis=1, kind="stable")[:, :k]
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]


def _example_ignores_k(probs, labels, k=5):
    p = _checked(probs, labels)
    indices, values = top_k(p)
    return [[(int(i), labels[i], float(v)) for i, v in zip(ri, rv)] for ri, rv in zip(indices, values)]


def _example_numpy_strings(probs, labels, k=5):
    p = _checked(probs, labels)
    names = np.array(labels)
    return [[(int(i), names[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_ties_reversed(probs, labels, k=5):
    p = _checked(probs, labels)
    idx = np.argsort(p, axis=1, kind="stable")[:, ::-1][:, :k]
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]


def _example_ties_unstable(probs, labels, k=5):
    p = _checked(probs, labels)
    # the k best found with np.argpartition (which picks any of equal values), then sorted by value
    part = np.argpartition(-p, k - 1, axis=1)[:, :k]
    idx = np.take_along_axis(part, np.argsort(-np.take_along_axis(p, part, 1), axis=1, kind="stable"), 1)
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]


def _example_background_added(probs, labels, k=5):
    p = np.atleast_2d(probs)
    if len(labels) == p.shape[1] - 1:
        labels = ["background"] + list(labels)  # a 1001-class model: the background class first
    if len(labels) != p.shape[1]:
        raise ValueError(f"{len(labels)} labels but {p.shape[1]} classes")
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_fewer_labels_only(probs, labels, k=5):
    p = np.atleast_2d(probs)
    if len(labels) < p.shape[1]:
        raise ValueError(f"{len(labels)} labels but {p.shape[1]} classes")
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_count_against_size(probs, labels, k=5):
    if len(labels) != probs.size:
        raise ValueError(f"{len(labels)} labels for {probs.size} classes")
    p = np.atleast_2d(probs)
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_count_against_images(probs, labels, k=5):
    if len(labels) != len(probs):
        raise ValueError(f"{len(labels)} labels for {len(probs)} classes")
    p = np.atleast_2d(probs)
    return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _top(p, k))]


def _example_not_batched(probs, labels, k=5):
    if len(labels) != probs.shape[-1]:
        raise ValueError(f"{len(labels)} labels for {probs.shape[-1]} classes")
    indices, values = top_k(probs, k)
    return [[(int(i), labels[i], float(v)) for i, v in zip(ri, rv)] for ri, rv in zip(indices, values)]


register(Exercise(
    name="decode_predictions",
    notebook=NOTEBOOK,
    reference=decode_predictions,
    cases=_decode_cases,
    compare=_compare_decoded,
    summary="top-k (class_index, label, probability) per image",
    rules={
        "k": "its k best classes",
        "order": "best first",
        "ties": "equal probabilities keep the lower index first",
        "one_image": "a (C,) vector is one image, so the result is a list with one entry",
        "labels": "a list or a tuple",
        "types": "Use plain Python int, str and float",
        "count": "When the number of labels differs from the number of classes, raise a ValueError that names "
                 "both numbers",
    },
    hint=(
        """
        top_k already finds the best classes and their probabilities: what is left is naming
        them, one list per image, and turning NumPy numbers into plain Python ones.
        """,
        """
        1. A (C,) vector is one image: add a batch axis.
        2. If len(labels) differs from the number of classes, raise ValueError naming both.
        3. top_k(probs, k) gives (indices, values) of shape (N, k).
        4. For each image, a list of (class_index, label, probability) tuples, with int() and
           float() around the NumPy numbers and the label taken from `labels` itself. Keep the
           probabilities as they are (no rounding, no percentages).
        """,
        """
        `probs[np.newaxis]` makes a batch of one. For one image's row of indices and values:
        `[(int(i), labels[i], float(v)) for i, v in zip(row_indices, row_values)]`.
        """,
    ),
    mistakes=[
        Mistake("decode_predictions.flat_list_for_one_image",
                "for a single (C,) vector return a list with ONE entry (that image's list of tuples): treat it "
                "as a batch of one with probs[np.newaxis].",
                detect=_flat_for_one_image, on_type=True, example=_example_flat),
        Mistake("decode_predictions.numpy_strings",
                "your labels are NumPy strings (np.str_, from np.array(labels)): take them from the labels list "
                "itself, labels[i], or convert with str().",
                detect=_numpy_strings, on_type=True, example=_example_numpy_strings),
        Mistake("decode_predictions.numpy_scalars",
                "your tuples hold NumPy numbers (such as np.int64 from argsort or np.float32 from the array): "
                "convert with int() and float(). NumPy scalars print as np.float32(0.96) and json.dumps "
                "refuses them.",
                detect=_numpy_scalars, on_type=True, example=_example_numpy_scalars),
        Mistake("decode_predictions.tuple_order",
                "the tuple order is (class_index, label, probability).",
                detect=_tuple_order, on_type=True, example=_example_label_first),
        Mistake("decode_predictions.probability_as_text",
                "your probability is text ('95.3%'): keep it a float in [0, 1], and format it only when you "
                "print it.",
                detect=_probability_as_text, on_type=True, example=_example_percent_text),
        Mistake("decode_predictions.ignores_k",
                "your function ignores k (it always gives 5 tuples per image): pass k on, top_k(probs, k).",
                detect=_ignores_k, example=_example_ignores_k),
        Mistake("decode_predictions.percentages",
                "your probabilities are percentages; keep them as fractions in [0, 1] (format them as "
                "percentages only when you print).",
                detect=_percentages, example=_example_percentages),
        Mistake("decode_predictions.rounded",
                "you rounded the probabilities: keep them as they are (round only when you print or save them "
                "for people).",
                detect=_rounded, example=_example_rounded),
        Mistake("decode_predictions.shifted_labels",
                "your labels are shifted by one (labels[index + 1] or labels[index - 1]): the label of class i is "
                "labels[i].",
                detect=_shifted_labels, example=_example_shifted),
        Mistake("decode_predictions.ascending",
                "your predictions are in ascending order; best first, as top_k gives them.",
                detect=_ascending_order, example=_example_ascending_decode),
        Mistake("decode_predictions.least_likely",
                "you took the k least likely classes: np.argsort sorts ascending. Use top_k (or sort -probs).",
                detect=_least_likely, example=_example_least_likely),
        Mistake("decode_predictions.ties_reversed",
                "equal probabilities come out highest index first: reversing an ascending sort "
                "(np.argsort(p)[::-1]) reverses the ties too, and a sort that is not stable may order them so. "
                "Keep the lower index first, as top_k does: "
                "np.argsort(-p, kind='stable'), or call top_k(probs, k).",
                detect=_decode_ties_reversed, example=_example_ties_reversed),
        Mistake("decode_predictions.ties_order",
                "your probabilities are right, but equal probabilities must keep the lower index first, as in "
                "top_k. NumPy's default sort is not stable (and np.argpartition picks any of equal values): "
                "use np.argsort(-p, kind='stable'), or call top_k(probs, k).",
                detect=_same_probabilities_other_classes, example=_example_ties_unstable),
        Mistake("decode_predictions.labels_made_up",
                "your result holds a label that is not in labels (a placeholder such as '?', or a 'background' "
                "added to make the counts match): when the counts differ, no label can be trusted, and a guess "
                "at the missing class names every class after it wrongly. Raise ValueError naming both numbers, "
                "and let the caller pick the right label file.",
                detect=_labels_made_up, on_no_raise=True, example=_example_background_added),
        Mistake("decode_predictions.more_labels_accepted",
                "more labels than classes is a mismatch too (a 1000-class model read with a 1001-line file "
                "names every class wrongly): raise when len(labels) != probs.shape[-1], not only when there "
                "are fewer labels.",
                detect=_more_labels_accepted, on_no_raise=True, example=_example_fewer_labels_only),
        Mistake("decode_predictions.count_against_size",
                "your function rejects a valid batch: it compares the number of labels with probs.size, every "
                "value of the batch (N * C). Compare it with probs.shape[-1], the number of classes.",
                on_error=_count_against_size, example=_example_count_against_size),
        Mistake("decode_predictions.count_against_images",
                "your function rejects a valid batch: it compares the number of labels with len(probs) (or "
                "probs.shape[0]), the number of images. Compare it with probs.shape[-1], the number of classes.",
                on_error=_count_against_images, example=_example_count_against_images),
        Mistake("decode_predictions.vector_not_batched",
                "a (C,) vector is one image: make it a batch of one first (probs[np.newaxis] or "
                "np.atleast_2d(probs)), so that top_k gives (1, k) arrays whose rows you can loop over.",
                on_error=_vector_not_batched, example=_example_not_batched),
    ],
))
