"""Notebook 08 check rejects what learners really write, names the mistake, and accepts correct variants."""
import itertools
import math

import numpy as np
import pytest

from helpers import check
from helpers.exercises.core import get_exercise

from .conftest import assert_accepted, assert_rejected

NAME = "iter_batches"


def _validated(batch_size):
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")


def test_drops_the_last_partial_batch():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i * batch_size:(i + 1) * batch_size] for i in range(len(paths) // batch_size)]
    assert_rejected(NAME, iter_batches, "dropped the last", mistake="iter_batches.dropped_last")


def test_range_stops_too_early():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths) - batch_size, batch_size)]
    assert_rejected(NAME, iter_batches, "dropped the last", mistake="iter_batches.dropped_last")


def test_zip_grouper_as_lists():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(batch) for batch in zip(*[iter(paths)] * batch_size)]
    assert_rejected(NAME, iter_batches, "dropped the last", mistake="iter_batches.dropped_last")


def test_zip_grouper():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return list(zip(*[iter(paths)] * batch_size))
    assert_rejected(NAME, iter_batches, "tuples", "drops the last", mistake="iter_batches.zip_grouper")


def test_zip_longest_pads_with_none():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(batch) for batch in itertools.zip_longest(*[iter(paths)] * batch_size)]
    assert_rejected(NAME, iter_batches, "padded", mistake="iter_batches.padded")


def test_array_split_makes_n_pieces():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(piece) for piece in np.array_split(np.array(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "batch_size batches", mistake="iter_batches.n_pieces")


def test_array_split_evenly():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        if not paths:
            return []
        return np.array_split(paths, math.ceil(len(paths) / batch_size))
    assert_rejected(NAME, iter_batches, "spreads the items evenly", mistake="iter_batches.even_pieces")


def test_reshape_needs_an_exact_fit():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return np.array(paths).reshape(-1, batch_size).tolist()
    assert_rejected(NAME, iter_batches, "exact fit", status="error", mistake="iter_batches.reshape")


def test_slice_end_is_the_batch_size():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[start:batch_size] for start in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "items[start:batch_size]", mistake="iter_batches.slice_to_size")


def test_start_multiplied_twice():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i * batch_size:(i + 1) * batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "without multiplying", mistake="iter_batches.start_times_size")


def test_batch_count_used_as_start():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(math.ceil(len(paths) / batch_size))]
    assert_rejected(NAME, iter_batches, "i * batch_size", mistake="iter_batches.count_as_start")


def test_slice_one_short():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size - 1] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "exclusive", mistake="iter_batches.slice_end_off_by_one")


def test_everything_in_one_batch():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(paths)] if paths else []
    assert_rejected(NAME, iter_batches, "one batch", mistake="iter_batches.whole_list")


def test_positions_instead_of_items():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [list(range(i, min(i + batch_size, len(paths)))) for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "positions", mistake="iter_batches.positions")


def test_overlapping_batches():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths), max(batch_size - 1, 1))]
    assert_rejected(NAME, iter_batches, "twice", mistake="iter_batches.repeated")


def test_sliding_window():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(len(paths))]
    assert_rejected(NAME, iter_batches, "overlap", mistake="iter_batches.repeated")


def test_step_too_long_skips_items():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size + 1)]
    assert_rejected(NAME, iter_batches, "missing", mistake="iter_batches.some_missing")


def test_sorts_the_items():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        items = sorted(paths)
        return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    assert_rejected(NAME, iter_batches, "sorted", mistake="iter_batches.sorted")


def test_batches_in_reverse():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)][::-1]
    assert_rejected(NAME, iter_batches, "out of order", mistake="iter_batches.reordered")


def test_removes_repeats():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        items = list(dict.fromkeys(paths))
        return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    assert_rejected(NAME, iter_batches, "repeated items", mistake="iter_batches.deduplicated")


def test_sorted_set():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        items = sorted(set(paths))
        return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    assert_rejected(NAME, iter_batches, "removed repeated items", mistake="iter_batches.deduplicated")


def test_flat_list_returned():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return list(paths)
    assert_rejected(NAME, iter_batches, "not batches", mistake="iter_batches.flat_list")


def test_items_made_strings():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [[str(p) for p in paths[i:i + batch_size]] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "str(...)", mistake="iter_batches.converted_items")


def test_numpy_items():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        items = np.array(paths)
        return [list(items[i:i + batch_size]) for i in range(0, len(items), batch_size)]
    assert_rejected(NAME, iter_batches, "NumPy values", mistake="iter_batches.numpy_items")


def test_batches_as_tuples():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [tuple(paths[i:i + batch_size]) for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "list of lists", mistake="iter_batches.not_lists")


def test_batches_as_arrays():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        items = np.array(paths, dtype=object)
        return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    assert_rejected(NAME, iter_batches, ".tolist()", mistake="iter_batches.not_lists")


def test_generator_returned():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return (paths[i:i + batch_size] for i in range(0, len(paths), batch_size))
    assert_rejected(NAME, iter_batches, "generator", mistake="generic.generator")


def test_generator_function():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        for i in range(0, len(paths), batch_size):
            yield paths[i:i + batch_size]
    assert_rejected(NAME, iter_batches, "generator", mistake="generic.generator")


def test_map_returned():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return map(lambda i: paths[i:i + batch_size], range(0, len(paths), batch_size))
    assert_rejected(NAME, iter_batches, "map", mistake="generic.generator")


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
    assert_rejected(NAME, iter_batches, "empty batch", mistake="iter_batches.one_empty_batch")


def test_remainder_appended_even_when_empty():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        batches, current = [], []
        for p in paths:
            current.append(p)
            if len(current) == batch_size:
                batches.append(current)
                current = []
        batches.append(current)
        return batches if paths else []
    assert_rejected(NAME, iter_batches, "last batch is empty", mistake="iter_batches.empty_batch_at_end")


def test_one_batch_too_many():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        return [paths[i * batch_size:(i + 1) * batch_size] for i in range(len(paths) // batch_size + 1)]
    assert_rejected(NAME, iter_batches, "last batch is empty", mistake="iter_batches.empty_batch_at_end")


def test_refuses_an_empty_folder():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        if not paths:
            raise ValueError("no images")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "return []", status="error", mistake="iter_batches.refused_empty")


def test_none_for_an_empty_folder():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        if paths:
            return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "returned None", mistake="generic.returned_none")


def test_pops_from_the_input():
    def iter_batches(paths, batch_size):
        _validated(batch_size)
        batches = []
        while paths:
            batches.append(paths[:batch_size])
            del paths[:batch_size]
        return batches
    assert_rejected(NAME, iter_batches, "in place", mistake="generic.changed_input")


def test_zero_batch_size_not_checked():
    def iter_batches(paths, batch_size):
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "batch_size", "range() arg 3", "range()'s own error",
                    mistake="iter_batches.zero_unchecked")


def test_endless_while_loop_is_stopped():
    """The issue: `while i < n: i += batch_size` with batch_size 0 used to hang check() for ever."""
    def iter_batches(paths, batch_size):
        batches, i, n = [], 0, len(paths)
        while i < n:
            batch = paths[i:i + batch_size]
            if batch:
                batches.append(batch)
            i += batch_size
        return batches
    limit = get_exercise(NAME).time_limit
    result = assert_rejected(NAME, iter_batches, f"after {limit:g} s", "batch_size 0", "never ends",
                             status="error", mistake="generic.timeout")
    assert result.seconds < limit + 2


def test_negative_batch_size_not_refused():
    def iter_batches(paths, batch_size):
        if not batch_size:
            raise ValueError("batch_size must not be 0")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "batch_size -2", "instead of raising ValueError", "below 1",
                    mistake="iter_batches.negative_unchecked")


def test_fractional_batch_size_not_refused():
    def iter_batches(paths, batch_size):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "2.5", "should raise ValueError", mistake="generic.wrong_exception")


def test_fractional_batch_size_rounded():
    def iter_batches(paths, batch_size):
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "2.5", "instead of raising", "not a whole number",
                    mistake="iter_batches.fraction_accepted")


def test_assert_instead_of_value_error():
    def iter_batches(paths, batch_size):
        assert batch_size > 0, "batch_size must be positive"
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "AssertionError", mistake="generic.wrong_exception")


@pytest.mark.parametrize("n", range(0, 14))
def test_every_length_and_batch_size_is_a_case(n):
    """The edges: every exact fit and every remainder up to 13 items is tried."""
    sizes = {case.args[1] for case in get_exercise(NAME).cases() if len(case.args[0]) == n and not case.raises}
    assert set(range(1, 7)) <= sizes and {max(n, 1), n + 1} <= sizes


def test_correct_variants():
    def with_islice(paths, batch_size):
        if batch_size <= 0 or batch_size != int(batch_size):
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

    def with_ceil(paths, batch_size):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("batch_size must be a positive int")
        return [paths[i * batch_size:(i + 1) * batch_size] for i in range(math.ceil(len(paths) / batch_size))]

    def with_while(paths, batch_size):
        if type(batch_size) is not int or batch_size <= 0:
            raise ValueError(f"batch_size={batch_size!r} is not a positive whole number")
        batches, start = [], 0
        while start < len(paths):
            batches.append(list(paths[start:start + batch_size]))
            start += batch_size
        return batches
    for variant in (with_islice, with_loop, with_ceil, with_while):
        assert_accepted(NAME, variant)
    assert check(NAME, with_while).seconds < 1


# --------------------------------------------------------------------------- #
# From a learner corpus written blind to the check
# --------------------------------------------------------------------------- #
def test_only_negative_sizes_refused():
    def iter_batches(paths, batch_size):
        if batch_size < 0:
            raise ValueError("batch_size must be positive")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "range()'s own error", "batch_size", mistake="iter_batches.zero_unchecked")


def test_only_zero_refused():
    def iter_batches(paths, batch_size):
        if batch_size == 0:
            raise ValueError("batch_size must not be 0")
        return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "negative step", mistake="iter_batches.negative_unchecked")


@pytest.mark.parametrize("whole", [int, round, math.ceil], ids=["int", "round", "ceil"])
def test_fraction_made_whole(whole):
    def iter_batches(paths, batch_size):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        size = whole(batch_size)
        return [paths[i:i + size] for i in range(0, len(paths), size)]
    assert_rejected(NAME, iter_batches, "2.5", "not a whole number", mistake="iter_batches.fraction_accepted")


def test_short_batch_first():
    def iter_batches(paths, batch_size):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("batch_size must be a positive int")
        extra = len(paths) % batch_size
        head = [paths[:extra]] if extra else []
        return head + [paths[i:i + batch_size] for i in range(extra, len(paths), batch_size)]
    assert_rejected(NAME, iter_batches, "short batch comes first", mistake="iter_batches.short_batch_first")


def test_more_correct_variants():
    def recursive(paths, batch_size):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        paths = list(paths)
        return [paths[:batch_size]] + recursive(paths[batch_size:], batch_size) if paths else []

    def grouped(paths, batch_size):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size={batch_size!r} is not a positive whole number")
        groups = itertools.groupby(enumerate(paths), key=lambda pair: pair[0] // batch_size)
        return [[p for _, p in group] for _, group in groups]

    def exact_int_type(paths, batch_size):
        if type(batch_size) is not int or batch_size < 1:
            raise ValueError("batch_size must be a positive int")
        items, out, start = list(paths), [], 0
        while start < len(items):
            out.append(items[start:start + batch_size])
            start += batch_size
        return out

    for fn in (recursive, grouped, exact_int_type):
        assert_accepted(NAME, fn)


def test_negative_size_made_positive_is_not_called_an_empty_range():
    """abs(batch_size) gives batches, not an empty range: the generic message, no guess."""
    def iter_batches(paths, batch_size):
        if batch_size == 0:
            raise ValueError("batch_size must not be 0")
        size = abs(batch_size)
        return [paths[i:i + size] for i in range(0, len(paths), size)]
    result = assert_rejected(NAME, iter_batches, "instead of raising ValueError", mistake="generic.no_raise")
    assert "empty" not in result.message
