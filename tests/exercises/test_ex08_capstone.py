"""Notebook 08 check rejects what learners really write, and accepts correct variants."""
import itertools

import numpy as np

from .conftest import assert_accepted, assert_rejected

NAME = "iter_batches"


def _validated(batch_size):
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")


def test_drops_the_last_partial_batch():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i * batch_size:(i + 1) * batch_size] for i in range(len(paths) // batch_size)]
    assert_rejected(NAME, iter_batches, "dropped the last")


def test_range_stops_too_early():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths) - batch_size, batch_size)]
    assert_rejected(NAME, iter_batches, "dropped the last")


def test_array_split_makes_n_pieces():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(piece) for piece in np.array_split(np.array(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "batch_size batches")


def test_overlapping_batches():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths), max(batch_size - 1, 1))]
    assert_rejected(NAME, iter_batches, "twice")


def test_generator_returned():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return (paths[i:i + batch_size] for i in range(0, len(paths), batch_size))
    assert_rejected(NAME, iter_batches, "list of lists")


def test_empty_input_gives_one_empty_batch():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        batches, current = [], []
        for p in paths:
            current.append(p)
            if len(current) == batch_size:
                batches.append(current)
                current = []
        batches.append(current)
        return [b for b in batches if b] or [[]]
    assert_rejected(NAME, iter_batches, "empty batch")


def test_zero_batch_size_not_checked():
    def iter_batches(paths, batch_size):
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "batch_size")


def test_correct_variants():
    def with_islice(paths, batch_size):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        it = iter(paths)
        out = []
        while batch := list(itertools.islice(it, batch_size)):
            out.append(batch)
        return out

    def with_loop(paths, batch_size):
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"bad batch_size {batch_size}")
        batches = []
        for index, path in enumerate(paths):
            if index % batch_size == 0:
                batches.append([])
            batches[-1].append(path)
        return batches
    assert_accepted(NAME, with_islice)
    assert_accepted(NAME, with_loop)
