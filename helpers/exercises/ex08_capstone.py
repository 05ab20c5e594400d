"""Notebook 08: the capstone. Cutting a list of files into batches.

The answer is first made plain (tuples and arrays to lists, NumPy scalars to Python ones), so
that a wrong cut is named as a wrong cut whatever containers it came in; the containers are
named once the cut is right.
"""
import math
from pathlib import PurePosixPath

import numpy as np

from ..capstone import iter_batches
from .core import Case, Exercise, KindProblem, Mistake, describe, register

NOTEBOOK = "08_capstone"


def _files(n):
    return [f"photo_{i:02d}.jpg" for i in range(n)]


def _grid():
    """Every length 0-13 with batch sizes 1-6 and around the length: every exact fit and remainder."""
    cases = []
    for n in range(14):
        for size in sorted({1, 2, 3, 4, 5, 6, max(n - 1, 1), max(n, 1), n + 1}):
            rule = "empty" if n == 0 else ("consecutive" if n % size == 0 else "last")
            cases.append(Case(f"{n} items in batches of {size}", (list(range(100, 100 + n)), size), rule=rule))
    return cases


def _cases():
    return [
        Case("10 file names in batches of 3 (the last batch holds 1)", (_files(10), 3), rule="last"),
        Case("7 file names in batches of 3 (the last batch is shorter)", (_files(7), 3), rule="last"),
        Case("6 file names in batches of 3 (an exact fit)", (_files(6), 3), rule="consecutive"),
        Case("10 numbers in batches of 4", (list(range(10)), 4), rule="last"),
        Case("3 file names with batch_size 16 (one short batch)", (_files(3), 16), rule="last"),
        Case("2 file names in batches of 1 (each batch a list of one)", (_files(2), 1), rule="lists"),
        Case("an empty list (a folder with no images)", ([], 4), rule="empty"),
        Case("[3, 1, 4, 1, 5, 9, 2, 6] in batches of 3 (not sorted, 1 twice)",
             ([3, 1, 4, 1, 5, 9, 2, 6], 3), rule="as_is"),
        Case("5 Path objects in batches of 2", ([PurePosixPath(f"in/{name}") for name in _files(5)], 2),
             rule="as_is"),
        Case("batch_size 0, which can never finish", (_files(3), 0), raises=ValueError,
             raises_mentions=("batch_size",), rule="positive"),
        Case("batch_size -2", (_files(3), -2), raises=ValueError, raises_mentions=("batch_size",),
             rule="positive"),
        Case("batch_size 2.5 (not a whole number)", (_files(3), 2.5), raises=ValueError,
             raises_mentions=("batch_size",), rule="positive"),
    ] + _grid()


# --------------------------------------------------------------------------- #
# Comparing: containers apart from the cut
# --------------------------------------------------------------------------- #
def _plain_item(item):
    return item.item() if isinstance(item, np.generic) else item


def _plain(got):
    """The answer as a list of lists of plain items, or None when it is no sequence of sequences."""
    if not isinstance(got, (list, tuple, np.ndarray)):
        return None
    batches = []
    for batch in got:
        if not isinstance(batch, (list, tuple, np.ndarray)):
            return None
        batches.append([_plain_item(item) for item in batch])
    return batches


def _shape(batches):
    return [len(batch) for batch in batches]


def _compare_batches(expected, got):
    plain = _plain(got)
    if plain is None:
        return KindProblem(f"the result should be a list of lists (one list per batch), not {describe(got)}")
    if plain != expected:
        if [[str(i) for i in b] for b in plain] == [[str(i) for i in b] for b in expected]:
            return KindProblem("the batches hold the items changed into strings: keep each item as it is")
        flat, items = [i for b in plain for i in b], [i for b in expected for i in b]
        order = "" if flat == items else "; the items, batch after batch, are not the list in its order"
        return (f"the result has {len(plain)} batches of sizes {_shape(plain)[:12]}; expected {len(expected)} "
                f"of sizes {_shape(expected)[:12]}{order}")
    if not isinstance(got, list) or not all(isinstance(batch, list) for batch in got):
        inner = next((b for b in got if not isinstance(b, list)), None) if isinstance(got, list) else got
        return KindProblem(f"the values are right, but the result should be a list of lists, not "
                           f"{describe(got) if inner is got else 'a list holding ' + describe(inner)}")
    items = [i for b in expected for i in b]
    for item, want in zip([i for b in got for i in b], items):
        if type(item) is not type(want):
            return KindProblem(f"the batches hold {type(item).__name__} where the list holds "
                               f"{type(want).__name__} ({want!r}): keep each item as it is")
    return None


# --------------------------------------------------------------------------- #
# What a wrong cut shows
# --------------------------------------------------------------------------- #
def _items(run):
    return list(run.case.args[0])


def _size(run):
    return run.case.args[1]


def _got(run):
    if "plain" not in run.memo:
        run.memo["plain"] = _plain(run.got)
    return run.memo["plain"]


def _flat(batches):
    return [item for batch in batches for item in batch]


def _cut_as(run, starts, end):
    """The batches items[start:end(start)] for every start: what a loop with these bounds gives."""
    items = _items(run)
    return [items[s:end(s)] for s in starts(len(items), _size(run))]


def _matches(run, *variants):
    got = _got(run)
    return got is not None and got != run.expected and any(got == v for v in variants)


def _one_empty_batch(run):
    return _got(run) == [[]] and not _items(run)


def _empty_batch_at_end(run):
    got = _got(run)
    return bool(got) and got[-1] == [] and got[:-1] == run.expected


def _n_pieces(run):
    items, size = _items(run), _size(run)
    return _matches(run, [list(a) for a in np.array_split(np.array(items, dtype=object), size)])


def _even_pieces(run):
    items, size = _items(run), _size(run)
    pieces = max(math.ceil(len(items) / size), 1)
    return _matches(run, [list(a) for a in np.array_split(np.array(items, dtype=object), pieces)])


def _slice_to_size(run):
    return _matches(run, _cut_as(run, lambda n, b: range(0, n, b), lambda s: _size(run)))


def _start_times_size(run):
    items, b = _items(run), _size(run)
    return _matches(run, [items[s * b:(s + 1) * b] for s in range(0, len(items), b)])


def _count_as_start(run):
    b = _size(run)
    return _matches(run, [_items(run)[i:i + b] for i in range(math.ceil(len(_items(run)) / b))])


def _slice_end_off(run):
    b = _size(run)
    return _matches(run, _cut_as(run, lambda n, b: range(0, n, b), lambda s: s + b - 1),
                    _cut_as(run, lambda n, b: range(0, n, b), lambda s: s + b + 1))


def _whole_list(run):
    return _matches(run, [_items(run)])


def _positions(run):
    n, b = len(_items(run)), _size(run)
    return _matches(run, [list(range(s, min(s + b, n))) for s in range(0, n, b)],
                    [list(range(s, s + b)) for s in range(0, n, b)])


def _dropped_last(run):
    got = _got(run)
    if got is None:
        return False
    flat, items = _flat(got), _items(run)
    return len(flat) < len(items) and flat == items[:len(flat)] and all(len(b) == _size(run) for b in got)


def _sorted(run):
    got = _got(run)
    return got is not None and _flat(got) == sorted(_items(run)) != _items(run)


def _reordered(run):
    got = _got(run)
    return got is not None and _flat(got) != _items(run) and sorted(map(repr, _flat(got))) == sorted(map(repr, _items(run)))


def _deduplicated(run):
    got = _got(run)
    if got is None:
        return False
    flat, items = _flat(got), _items(run)
    return len(set(items)) < len(items) and len(flat) == len(set(items)) and set(flat) == set(items)


def _repeated(run):
    got = _got(run)
    if got is None:
        return False
    flat, items = _flat(got), _items(run)
    return len(flat) > len(items) and set(flat) <= set(items)


def _some_missing(run):
    got = _got(run)
    if got is None:
        return False
    flat, rest = _flat(got), iter(_items(run))
    return len(flat) < len(_items(run)) and all(any(item == x for x in rest) for item in flat)


def _flat_list(run):
    return isinstance(run.got, list) and run.got == _items(run) and bool(run.got)


def _containers(run):
    return _got(run) == run.expected and (not isinstance(run.got, list)
                                         or not all(isinstance(b, list) for b in run.got))


def _numpy_items(run):
    got = run.got
    return (isinstance(got, (list, tuple)) and any(isinstance(i, np.generic) for b in got
                                                  if isinstance(b, (list, tuple, np.ndarray)) for i in b))


def _zip_grouper(run):
    """zip(*[iter(items)] * batch_size): tuples, and the last short batch dropped."""
    got, items, size = run.got, _items(run), _size(run)
    return (isinstance(got, list) and all(isinstance(b, tuple) for b in got)
            and [list(b) for b in got] == [items[s:s + size] for s in range(0, len(items) - size + 1, size)]
            and len(items) % size != 0)


def _padded(run):
    got, expected = _got(run), run.expected
    if not got or not expected or len(got) != len(expected) or got[:-1] != expected[:-1]:
        return False
    last, want = got[-1], expected[-1]
    return len(last) > len(want) and last[:len(want)] == want and all(x is None for x in last[len(want):])


def _short_batch_first(run):
    """The leftover batch cut from the start: the items in order, the batch sizes reversed."""
    got = _got(run)
    return (got is not None and _flat(got) == _items(run) and _shape(got) != _shape(run.expected)
            and _shape(got) == _shape(run.expected)[::-1])


def _range_refused_zero(run):
    """batch_size 0 reached range(), which raised its own ValueError: nothing checked it first."""
    return isinstance(run.got, ValueError) and "range() arg 3 must not be zero" in str(run.got)


def _unchecked_negative(run):
    """A negative batch_size gave no batches: range(0, n, -2) is empty, and nothing refused it."""
    size = _size(run)
    return isinstance(size, int) and size < 0 and isinstance(run.got, list) and not run.got


def _fraction_accepted(run):
    """2.5 gave batches: turned into a whole number (int, round, ceil) instead of refused."""
    size = _size(run)
    return isinstance(size, float) and not size.is_integer() and isinstance(run.got, list)


def _reshape_error(exc, case):
    return isinstance(exc, ValueError) and "reshape" in str(exc)


def _refused_empty(exc, case):
    return isinstance(exc, (ValueError, IndexError)) and not list(case.args[0])


# --------------------------------------------------------------------------- #
# Wrong answers, as learners write them
# --------------------------------------------------------------------------- #
def _checked(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}")


def _ranged(start_end, starts=lambda n, b: range(0, n, b)):
    def iter_batches(paths, batch_size):
        _checked(batch_size)
        return [paths[s:start_end(s, batch_size)] for s in starts(len(paths), batch_size)]
    return iter_batches


def _one_empty_example(paths, batch_size):
    _checked(batch_size)
    return [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)] or [[]]


def _n_pieces_example(paths, batch_size):
    _checked(batch_size)
    return [list(piece) for piece in np.array_split(np.array(paths, dtype=object), batch_size)]


def _even_example(paths, batch_size):
    _checked(batch_size)
    pieces = max(math.ceil(len(paths) / batch_size), 1)
    return [piece.tolist() for piece in np.array_split(np.array(paths, dtype=object), pieces)]


def _reshape_example(paths, batch_size):
    _checked(batch_size)
    if not paths:
        return []
    return np.array(paths).reshape(-1, batch_size).tolist()


def _whole_list_example(paths, batch_size):
    _checked(batch_size)
    return [list(paths)] if paths else []


def _positions_example(paths, batch_size):
    _checked(batch_size)
    return [list(range(s, min(s + batch_size, len(paths)))) for s in range(0, len(paths), batch_size)]


def _sorted_example(paths, batch_size):
    _checked(batch_size)
    items = sorted(paths)
    return [items[s:s + batch_size] for s in range(0, len(items), batch_size)]


def _dedup_example(paths, batch_size):
    _checked(batch_size)
    items = list(dict.fromkeys(paths))
    return [items[s:s + batch_size] for s in range(0, len(items), batch_size)]


def _flat_example(paths, batch_size):
    _checked(batch_size)
    return list(paths)


def _tuples_example(paths, batch_size):
    _checked(batch_size)
    return [tuple(paths[s:s + batch_size]) for s in range(0, len(paths), batch_size)]


def _numpy_example(paths, batch_size):
    _checked(batch_size)
    return [list(np.array(paths[s:s + batch_size])) for s in range(0, len(paths), batch_size)]


def _str_example(paths, batch_size):
    _checked(batch_size)
    return [[str(p) for p in paths[s:s + batch_size]] for s in range(0, len(paths), batch_size)]


def _zip_example(paths, batch_size):
    _checked(batch_size)
    return list(zip(*[iter(paths)] * batch_size))


def _padded_example(paths, batch_size):
    from itertools import zip_longest
    _checked(batch_size)
    return [list(batch) for batch in zip_longest(*[iter(paths)] * batch_size)]


def _short_first_example(paths, batch_size):
    _checked(batch_size)
    extra = len(paths) % batch_size
    head = [paths[:extra]] if extra else []
    return head + [paths[s:s + batch_size] for s in range(extra, len(paths), batch_size)]


def _unchecked_example(paths, batch_size):
    return [paths[s:s + batch_size] for s in range(0, len(paths), batch_size)]


def _zero_only_example(paths, batch_size):
    if batch_size == 0:
        raise ValueError("batch_size must not be 0")
    return [paths[s:s + batch_size] for s in range(0, len(paths), batch_size)]


def _int_example(paths, batch_size):
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    size = int(batch_size)
    return [paths[s:s + size] for s in range(0, len(paths), size)]


def _empty_refusing(paths, batch_size):
    _checked(batch_size)
    if not paths:
        raise ValueError("no images to cut into batches")
    return [paths[s:s + batch_size] for s in range(0, len(paths), batch_size)]


register(Exercise(
    name="iter_batches",
    notebook=NOTEBOOK,
    reference=iter_batches,
    cases=_cases,
    compare=_compare_batches,
    time_limit=2.0,  # the reference takes microseconds; a loop that never ends is stopped soon
    summary="a list cut into batches of batch_size, the last one shorter",
    rules={
        "consecutive": "Cut the list into consecutive batches of batch_size",
        "last": "the last batch holds what is left",
        "empty": "an empty list gives no batches",
        "as_is": "Keep every item as it is, in its order",
        "positive": "a batch_size that is not a positive whole number raises ValueError naming batch_size",
        "lists": "Return a list of lists",
    },
    hint=(
        """
        Check batch_size first, then slice. A slice that runs past the end of a list just stops
        at the end, which gives the short last batch for free.
        """,
        """
        1. batch_size must be an int of at least 1: 0, -1, 2.5 and True (a bool is an int in
           Python) are a ValueError that names batch_size.
        2. items = a list of paths (it may be any iterable).
        3. The batches start at 0, batch_size, 2 * batch_size, ... while the start is below
           len(items) (not len(items) - batch_size: that loses the last batch).
        """,
        """
        `range(0, len(items), batch_size)` gives the starts; each batch is the slice of items from
        start to start + batch_size, and the answer is the list of those slices.
        """,
    ),
    mistakes=[
        Mistake("iter_batches.flat_list", "you returned the items themselves, not batches: return a list of "
                "batches, each a list of up to batch_size items.", detect=_flat_list, on_type=True,
                example=_flat_example),
        Mistake("iter_batches.converted_items", "you changed the items (str(...) of each): keep each item as it "
                "is; the batches hold the very objects of the list.", on_type=True,
                detect=lambda run: (_plain(run.got) is not None and _plain(run.got) != run.expected
                                    and [[str(i) for i in b] for b in _plain(run.got)]
                                    == [[str(i) for i in b] for b in run.expected]),
                example=_str_example),
        Mistake("iter_batches.numpy_items", "the batches hold NumPy values (np.str_, np.int64): np.array "
                "converts the items. Slice the list itself, items[start:start + batch_size], which keeps "
                "them as they are.", detect=_numpy_items, on_type=True, example=_numpy_example),
        Mistake("iter_batches.not_lists", "return a list of lists: each batch a list (list(...) around a tuple, "
                "a map or itertools.batched's tuples, .tolist() for an array), and the result a list too.",
                detect=_containers, on_type=True, example=_tuples_example),
        Mistake("iter_batches.zip_grouper", "zip(*[iter(paths)] * batch_size) makes tuples and silently drops "
                "the last, shorter batch: slice the list instead, [items[start:start + batch_size] for start "
                "in range(0, len(items), batch_size)].", detect=_zip_grouper, example=_zip_example),
        Mistake("iter_batches.padded", "you padded the last batch (zip_longest fills it with None): the last "
                "batch holds only what is left, so it may be shorter.", detect=_padded, example=_padded_example),
        Mistake("iter_batches.one_empty_batch", "an empty input gives no batches at all ([]), not one empty "
                "batch ([[]]): a batch of zero images would crash the model.", detect=_one_empty_batch,
                example=_one_empty_example),
        Mistake("iter_batches.empty_batch_at_end", "your last batch is empty: when the items fit exactly (6 in "
                "batches of 3) there is no extra batch. Use range(0, len(items), batch_size), or "
                "math.ceil(len(items) / batch_size) batches, not len(items) // batch_size + 1.",
                detect=_empty_batch_at_end,
                example=lambda paths, batch_size: _ranged(lambda s, b: s + b,
                                                          lambda n, b: range(0, n + 1, b))(paths, batch_size)
                if paths else []),
        Mistake("iter_batches.refused_empty", "an empty folder is no error: an empty list gives no batches, "
                "return [].", on_error=_refused_empty, example=_empty_refusing),
        Mistake("iter_batches.reshape", "reshape(-1, batch_size) needs an exact fit, so the last, shorter "
                "batch cannot be made: slice the list instead, items[start:start + batch_size].",
                on_error=_reshape_error, example=_reshape_example),
        Mistake("iter_batches.n_pieces", "you made batch_size batches instead of batches of batch_size items "
                "(np.array_split takes the number of pieces).", detect=_n_pieces, example=_n_pieces_example),
        Mistake("iter_batches.even_pieces", "np.array_split spreads the items evenly (7 in 3 pieces gives 3, 2, "
                "2): every batch but the last holds exactly batch_size items (3, 3, 1).", detect=_even_pieces,
                example=_even_example),
        Mistake("iter_batches.slice_to_size", "you sliced items[start:batch_size]: the end of each slice is "
                "start + batch_size, so that every batch after the first is not empty.", detect=_slice_to_size,
                example=_ranged(lambda s, b: b)),
        Mistake("iter_batches.start_times_size", "range(0, len(items), batch_size) already gives the start of "
                "each batch: slice items[start:start + batch_size], without multiplying by batch_size again.",
                detect=_start_times_size,
                example=lambda paths, batch_size: (_checked(batch_size) or
                                                   [paths[s * batch_size:(s + 1) * batch_size]
                                                    for s in range(0, len(paths), batch_size)])),
        Mistake("iter_batches.count_as_start", "i counts the batches, so batch i starts at i * batch_size: "
                "slice items[i * batch_size:(i + 1) * batch_size] (items[i:i + batch_size] makes batches that "
                "overlap).", detect=_count_as_start,
                example=lambda paths, batch_size: (_checked(batch_size) or
                                                   [paths[i:i + batch_size]
                                                    for i in range(math.ceil(len(paths) / batch_size))])),
        Mistake("iter_batches.slice_end_off_by_one", "the end of a slice is exclusive: items[start:start + "
                "batch_size] holds exactly batch_size items (not start + batch_size - 1 or + 1).",
                detect=_slice_end_off, example=_ranged(lambda s, b: s + b - 1)),
        Mistake("iter_batches.whole_list", "you returned every item as one batch: cut them into batches of "
                "batch_size.", detect=_whole_list, example=_whole_list_example),
        Mistake("iter_batches.positions", "you returned the positions of the items (0, 1, 2, ...), not the "
                "items: slice the list itself.", detect=_positions, example=_positions_example),
        Mistake("iter_batches.dropped_last", "you dropped the last, shorter batch: those images would never be "
                "classified. Let the range run to len(items) and keep the remainder.", detect=_dropped_last,
                example=lambda paths, batch_size: (_checked(batch_size) or
                                                   [paths[i * batch_size:(i + 1) * batch_size]
                                                    for i in range(len(paths) // batch_size)])),
        Mistake("iter_batches.sorted", "you sorted the items: keep the list's own order (the caller chose it; "
                "the batches, one after another, give back the list).", detect=_sorted, example=_sorted_example),
        Mistake("iter_batches.reordered", "the items are out of order: the batches, one after another, give back "
                "the list in its own order (first batch first).", detect=_reordered,
                example=lambda paths, batch_size: _ranged(lambda s, b: s + b)(paths, batch_size)[::-1]),
        Mistake("iter_batches.deduplicated", "you removed repeated items (a set or dict.fromkeys): keep every "
                "item, each time it comes, in its order.", detect=_deduplicated, example=_dedup_example),
        Mistake("iter_batches.repeated", "some items appear twice: the batches overlap. Step the start by "
                "batch_size and slice items[start:start + batch_size].", detect=_repeated,
                example=_ranged(lambda s, b: s + b, lambda n, b: range(0, n, max(b - 1, 1)))),
        Mistake("iter_batches.short_batch_first", "your short batch comes first: cut from the start of the "
                "list, so that every batch but the last holds batch_size items and the leftover goes last.",
                detect=_short_batch_first, example=_short_first_example),
        Mistake("iter_batches.zero_unchecked", "that is range()'s own error: nothing checked batch_size "
                "before it. Check it first and raise ValueError naming batch_size when it is not a positive "
                "whole number (below 1, or not an int).", on_no_raise=True, detect=_range_refused_zero,
                example=_unchecked_example),
        Mistake("iter_batches.negative_unchecked", "range(0, len(items), batch_size) with a negative step is "
                "simply empty, so every image would be skipped without a word. Refuse every batch_size below "
                "1, not only 0, with ValueError naming batch_size.", on_no_raise=True,
                detect=_unchecked_negative, example=_zero_only_example),
        Mistake("iter_batches.fraction_accepted", "2.5 is not a whole number of images: refuse it with "
                "ValueError naming batch_size rather than turning it into one (int(), round() or math.ceil); "
                "test isinstance(batch_size, int).", on_no_raise=True, detect=_fraction_accepted,
                example=_int_example),
        Mistake("iter_batches.some_missing", "some items are missing between the batches: step the start by "
                "batch_size exactly and slice items[start:start + batch_size].", detect=_some_missing,
                example=_ranged(lambda s, b: s + b, lambda n, b: range(0, n, b + 1))),
    ],
))
