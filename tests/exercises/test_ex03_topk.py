"""Notebook 03 checks reject the top-K and label mistakes learners really make, name each one by its
id, and accept correct variants written differently from the reference."""
import heapq
import os
import re
from pathlib import Path

import numpy as np
import pytest

from .conftest import assert_accepted, assert_rejected


def _k_ok(probs, k):
    if k > probs.shape[-1]:
        raise ValueError(f"k={k} but only {probs.shape[-1]} classes")


def _take(probs, idx):
    return idx.astype(np.int64), np.take_along_axis(probs, idx, -1)


# --------------------------------------------------------------------------- #
# top_k: the order
# --------------------------------------------------------------------------- #
def test_ascending_slice_from_the_front():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(probs, axis=-1)[..., :k])
    assert_rejected("top_k", top_k, "smallest", mistake="top_k.smallest")


def test_descending_sort_sliced_from_the_end():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., -k:])
    assert_rejected("top_k", top_k, "smallest", mistake="top_k.smallest")


def test_ascending_slice_from_the_end():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(probs, axis=-1)[..., -k:])
    assert_rejected("top_k", top_k, "ascending order", mistake="top_k.ascending")


def test_values_taken_from_the_negated_scores():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        neg = -probs
        idx = np.argsort(neg, axis=-1, kind="stable")[..., :k]
        return idx, np.sort(neg, axis=-1)[..., :k]
    assert_rejected("top_k", top_k, "negated", mistake="top_k.negated_values")


def test_one_minus_probabilities_loses_tiny_values():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(1 - probs, axis=-1, kind="stable")[..., :k])
    assert_rejected("top_k", top_k, "1 - probs", mistake="top_k.one_minus")


def test_largest_in_size_is_not_largest():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(-np.abs(probs), axis=-1, kind="stable")[..., :k])
    result = assert_rejected("top_k", top_k, "largest in size", "differs")
    assert result.mistake is None, "no known mistake explains it: the plain comparison message stands"


def test_argpartition_unsorted():
    """np.argpartition's order depends on the NumPy build: the k out of order, or only the ties."""
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argpartition(-probs, k - 1, axis=-1)[..., :k])
    result = assert_rejected("top_k", top_k, "argpartition")
    assert result.mistake in ("top_k.unsorted", "top_k.ties_order"), result


def test_right_classes_sorted_by_index():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.sort(np.argsort(-probs, axis=-1, kind="stable")[..., :k], axis=-1))
    assert_rejected("top_k", top_k, "k largest values", "not largest first", mistake="top_k.unsorted")


# --------------------------------------------------------------------------- #
# top_k: ties
# --------------------------------------------------------------------------- #
def test_reversed_sort_puts_ties_high_index_first():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.flip(np.argsort(probs, axis=-1, kind="stable"), axis=-1)[..., :k])
    assert_rejected("top_k", top_k, "highest index first", mistake="top_k.ties_reversed")


def test_reversed_with_double_colon_on_the_last_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        order = np.argsort(probs, axis=-1, kind="stable")[..., ::-1]
        return _take(probs, order[..., :k])
    assert_rejected("top_k", top_k, "reverses the ties", mistake="top_k.ties_reversed")


def test_heapsort_is_not_stable():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(-probs, axis=-1, kind="heapsort")[..., :k])
    assert_rejected("top_k", top_k, "kind='stable'", mistake="top_k.ties_order")


def test_unstable_default_sort_on_many_ties():
    many_ties = np.zeros(1000, np.float32)
    many_ties[[3, 500, 999]] = [0.5, 0.3, 0.2]
    if np.array_equal(np.argsort(-many_ties)[:6], np.argsort(-many_ties, kind="stable")[:6]):
        pytest.skip("this NumPy build's default sort happens to keep these ties in order")

    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, np.argsort(-probs, axis=-1)[..., :k])
    assert_rejected("top_k", top_k, "kind='stable'", mistake="top_k.ties_order")


# --------------------------------------------------------------------------- #
# top_k: shapes and axes
# --------------------------------------------------------------------------- #
def test_reversed_argsort_then_fancy_index_on_a_batch():
    """The issue's case: works on one image, raises a raw IndexError on a batch."""
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(probs)[::-1][:k]
        return idx, probs[idx]
    assert_rejected("top_k", top_k, "IndexError", "(N, C) batch", "take_along_axis", status="error",
                    mistake="top_k.batch_indexing")


def test_reversed_rows_then_take_along_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(probs, axis=-1)[::-1][:k]
        return idx, np.take_along_axis(probs, idx, axis=-1)
    assert_rejected("top_k", top_k, "[::-1]", status="error", mistake="top_k.batch_indexing")


def test_first_k_rows_instead_of_first_k_classes():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[:k]
        return idx, -np.sort(-probs, axis=-1)[:k]
    assert_rejected("top_k", top_k, "all C classes", "[..., :k]", mistake="top_k.whole_rows")


def test_sorting_the_wrong_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=0, kind="stable")[:k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, 0)
    assert_rejected("top_k", top_k, "axis 0", mistake="top_k.axis_0")


def test_hard_coded_axis_1():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(probs, idx, axis=1)
    assert_rejected("top_k", top_k, "fixed axis", "axis=-1", status="error", mistake="top_k.fixed_axis")


def test_flattened_ranking():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        flat = probs.ravel()
        idx = np.argsort(-flat, kind="stable")[:k]
        return idx.astype(np.int64), flat[idx]
    assert_rejected("top_k", top_k, "flattened", mistake="top_k.flattened")


def test_vector_returned_as_a_batch():
    def top_k(probs, k=5):
        p = np.atleast_2d(probs)
        _k_ok(p, k)
        return _take(p, np.argsort(-p, axis=1, kind="stable")[:, :k])
    assert_rejected("top_k", top_k, "shape (k,), not (1, k)", mistake="top_k.vector_as_batch")


def test_batch_of_one_squeezed():
    def top_k(probs, k=5):
        p = np.atleast_2d(probs)
        _k_ok(p, k)
        idx, vals = _take(p, np.argsort(-p, axis=1, kind="stable")[:, :k])
        return np.squeeze(idx), np.squeeze(vals)
    assert_rejected("top_k", top_k, "batch of one", "np.squeeze", mistake="top_k.batch_squeezed")


# --------------------------------------------------------------------------- #
# top_k: what it returns
# --------------------------------------------------------------------------- #
def test_values_and_indices_swapped():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(probs, idx, -1), idx
    assert_rejected("top_k", top_k, "(values, indices)", mistake="top_k.swapped")


def test_indices_only():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    assert_rejected("top_k", top_k, "indices only", mistake="top_k.indices_only")


def test_values_only():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return np.take_along_axis(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k], -1)
    assert_rejected("top_k", top_k, "values only", mistake="top_k.values_only")


def test_a_list_instead_of_a_tuple():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return list(_take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k]))
    assert_rejected("top_k", top_k, "tuple of 2", mistake="generic.wrong_type")


def test_python_lists_instead_of_arrays():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx, vals = _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k])
        return idx.tolist(), vals.tolist()
    assert_rejected("top_k", top_k, "NumPy array", mistake="generic.wrong_type")


def test_int32_indices():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return idx.astype(np.int32), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "int64", mistake="top_k.int_not_int64")


def test_values_converted_to_float64():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return idx, np.take_along_axis(probs, idx, -1).astype(float)
    assert_rejected("top_k", top_k, "changed dtype", mistake="top_k.values_dtype")


# --------------------------------------------------------------------------- #
# top_k: k against the number of classes
# --------------------------------------------------------------------------- #
def test_k_too_large_silently_truncated():
    def top_k(probs, k=5):
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return idx, np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "instead of raising ValueError", "stops quietly", mistake="top_k.k_not_checked")


def test_k_compared_with_len_of_a_batch():
    def top_k(probs, k=5):
        if k > len(probs):
            raise ValueError(f"k={k} is more than {len(probs)}")
        return _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k])
    assert_rejected("top_k", top_k, "len(probs)", "shape[-1]", status="error", mistake="top_k.k_against_images")


def test_k_equal_to_the_classes_rejected():
    def top_k(probs, k=5):
        if k >= probs.shape[-1]:
            raise ValueError(f"k={k} must be smaller than the {probs.shape[-1]} classes")
        return _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k])
    assert_rejected("top_k", top_k, "full ranking", "not >=", status="error", mistake="top_k.k_equal_rejected")


def test_k_error_without_the_numbers():
    def top_k(probs, k=5):
        if k > probs.shape[-1]:
            raise ValueError("k is too large")
        return _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k])
    assert_rejected("top_k", top_k, "should mention", mistake="generic.raise_message")


def test_k_checked_with_an_assert():
    def top_k(probs, k=5):
        assert k <= probs.shape[-1], f"k={k} > {probs.shape[-1]}"
        return _take(probs, np.argsort(-probs, axis=-1, kind="stable")[..., :k])
    assert_rejected("top_k", top_k, "should raise ValueError", mistake="generic.wrong_exception")


def test_top_k_correct_variants():
    def lexsort(probs, k=5):
        p = np.atleast_2d(probs)
        if k > p.shape[1]:
            raise ValueError(f"k={k} is more than the {p.shape[1]} classes")
        cols = np.arange(p.shape[1])
        idx = np.stack([np.lexsort((cols, -row))[:k] for row in p]).astype(np.int64)
        vals = np.take_along_axis(p, idx, 1)
        return (idx[0], vals[0]) if probs.ndim == 1 else (idx, vals)

    def mergesort(probs, k=5):
        c = probs.shape[-1]
        if k > c:
            raise ValueError(f"asked for top {k} of {c}")
        order = np.argsort(-probs, axis=-1, kind="mergesort")
        idx = order[..., :k].astype("int64")
        return idx, np.take_along_axis(probs, idx, axis=-1)

    def reversed_then_stable(probs, k=5):
        c = probs.shape[-1]
        if k > c:
            raise ValueError(f"k ({k}) > number of classes ({c})")
        # a stable ascending sort of the reversed row, read backwards: ties come out lowest index first
        idx = (c - 1) - np.argsort(probs[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, axis=-1)

    def argmax_loop(probs, k=5):
        p = np.atleast_2d(np.array(probs, dtype=probs.dtype))
        if k > p.shape[1]:
            raise ValueError(f"k={k} exceeds {p.shape[1]} classes")
        work = p.astype(np.float64)
        idx = np.empty((p.shape[0], k), np.int64)
        for j in range(k):
            best = np.argmax(work, axis=1)  # the first maximum: the lowest index among ties
            idx[:, j] = best
            work[np.arange(p.shape[0]), best] = -np.inf
        vals = np.take_along_axis(p, idx, 1)
        return (idx[0], vals[0]) if probs.ndim == 1 else (idx, vals)

    def python_sorted(probs, k=5):
        p = np.atleast_2d(probs)
        n, c = p.shape
        if k > c:
            raise ValueError(f"k={k} but {c} classes")
        rows = [sorted(range(c), key=lambda i, r=r: -r[i])[:k] for r in p]
        idx = np.array(rows, dtype=np.int64)
        vals = np.take_along_axis(p, idx, 1)
        return (idx[0], vals[0]) if probs.ndim == 1 else (idx, vals)

    for answer in (lexsort, mergesort, reversed_then_stable, argmax_loop, python_sorted):
        assert_accepted("top_k", answer)


# --------------------------------------------------------------------------- #
# parse_labels
# --------------------------------------------------------------------------- #
def _strict(text):
    """The error handling a careful learner adds; the tests below vary the parsing."""
    lines = text.rstrip().splitlines()
    if len(lines) == 1 and lines[0].strip().endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return lines


def _synset_first_name(line):
    line = line.strip()
    return re.sub(r"^n\d{8}\s+", "", line).split(",")[0].strip()


def test_synset_ids_kept():
    def parse_labels(text):
        return [line.strip() for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "synset ids", mistake="parse_labels.synset_id_kept")


def test_synset_id_kept_with_a_tab():
    def parse_labels(text):
        return [re.sub(r"^n\d{8} ", "", line.strip()).split(",")[0] for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "space or tab", mistake="parse_labels.synset_id_kept")


def test_all_synonyms_kept():
    def parse_labels(text):
        return [re.sub(r"^n\d+ ", "", line.strip()) for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "every synonym", mistake="parse_labels.synonyms_kept")


def test_one_word_kept():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            parts = line.split()
            out.append(parts[1].rstrip(",") if parts[0][1:].isdigit() else parts[-1])
        return out
    assert_rejected("parse_labels", parse_labels, "split the line on spaces", mistake="parse_labels.one_word")


def test_trailing_blank_lines_kept():
    """A list one name too long is a value problem (its names are all str), so the mistake is named."""
    def parse_labels(text):
        if text.strip().endswith(".txt"):
            raise ValueError("a path")
        names = []
        for line in text.split("\n"):
            line = line.strip()
            names.append(line.split(" ", 1)[1].split(",")[0] if re.match(r"n\d{8} ", line) else line)
        if "" in names[:-1] and names[names.index(""):] != [""] * len(names[names.index(""):]):
            raise ValueError(f"line {names.index('') + 1} is empty")
        return names
    assert_rejected("parse_labels", parse_labels, "empty names", mistake="parse_labels.trailing_empty_names")


def test_carriage_returns_kept():
    def parse_labels(text):
        _strict(text)
        return [line.split(" ", 1)[1].split(",")[0] if re.match(r"n\d{8} ", line) else line
                for line in text.rstrip("\n").split("\n")]
    assert_rejected("parse_labels", parse_labels, "strip each name", mistake="parse_labels.whitespace_kept")


def test_only_the_right_side_stripped():
    def parse_labels(text):
        return [re.sub(r"^n\d{8}\s+", "", line.rstrip()).split(",")[0] for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "spaces, tabs", mistake="parse_labels.whitespace_kept")


def test_plain_names_starting_with_n_taken_for_synsets():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            line = line.strip()
            out.append(line.split(maxsplit=1)[-1].split(",")[0] if line.startswith("n") else line)
        return out
    assert_rejected("parse_labels", parse_labels, "night snake", "8 digits", mistake="parse_labels.synset_by_first_letter")


def test_synset_regex_without_the_digit_count():
    def parse_labels(text):
        return [re.sub(r"^n\d*\s*", "", line.strip()).split(",")[0].strip() for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "exactly 8 digits", mistake="parse_labels.synset_by_first_letter")


def test_synset_split_fails_on_a_plain_n_name():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            line = line.strip()
            out.append(line.split(" ", 1)[1].split(",")[0] if line[0] == "n" else line)
        return out
    assert_rejected("parse_labels", parse_labels, "IndexError", "8 digits", status="error",
                    mistake="parse_labels.synset_by_first_letter")


def test_synset_without_a_comma_with_find():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            line = line.strip()
            out.append(line[10:line.find(",")] if re.match(r"n\d{8}\s", line) else line)
        return out
    assert_rejected("parse_labels", parse_labels, "no comma", mistake="parse_labels.synset_without_comma")


def test_synset_without_a_comma_with_index():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            line = line.strip()
            out.append(line[10:line.index(",")] if re.match(r"n\d{8}\s", line) else line)
        return out
    assert_rejected("parse_labels", parse_labels, "substring not found", "no comma", status="error",
                    mistake="parse_labels.synset_without_comma")


def test_blank_line_in_the_middle_skipped():
    def parse_labels(text):
        if text.strip().endswith(".txt"):
            raise ValueError("a path")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [re.sub(r"^n\d{8}\s+", "", line).split(",")[0] for line in lines]
    assert_rejected("parse_labels", parse_labels, "instead of raising ValueError", "line 3",
                    "skipped the blank line", mistake="parse_labels.blank_line_skipped")


def test_whole_text_stripped_hides_a_blank_first_line():
    """text.strip() instead of text.rstrip(): a blank line 1 disappears and every class shifts.
    No value case can show it: the case that must raise names it (on_no_raise)."""
    def parse_labels(text):
        lines = text.strip().splitlines()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path: pass the file's text")
        names = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
            names.append(_synset_first_name(line))
        return names
    assert_rejected("parse_labels", parse_labels, "blank first line", "strip only the END",
                    "instead of raising ValueError", "text.rstrip()", mistake="parse_labels.leading_blank_stripped")


def test_zero_based_line_numbers():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and lines[0].endswith(".txt"):
            raise ValueError("a path: pass the file's text")
        for i, line in enumerate(lines):
            if not line.strip():
                raise ValueError(f"line {i} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "'line 2 is empty'", "counts from 0", "start=1",
                    mistake="parse_labels.line_number_from_zero")


def test_label_path_taken_as_a_label():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "instead of raising ValueError", "path",
                    "one-class label list", mistake="parse_labels.path_not_refused")


def test_path_recognised_only_when_the_file_exists():
    def parse_labels(text):
        if os.path.exists(text.strip()):
            raise ValueError("that is a path: pass the file's text")
        lines = _strict_without_path(text)
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "absolute path", "instead of raising ValueError",
                    "whether that file exists or not", mistake="parse_labels.path_not_refused")


def _strict_without_path(text):
    lines = text.rstrip().splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return lines


def test_trailing_whitespace_lines_rejected():
    def parse_labels(text):
        lines = text.rstrip("\n").split("\n")
        if len(lines) == 1 and lines[0].endswith(".txt"):
            raise ValueError("a path: pass the text")
        names = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
            names.append(_synset_first_name(line))
        return names
    assert_rejected("parse_labels", parse_labels, "text.rstrip()", status="error",
                    mistake="parse_labels.trailing_blank_rejected")


def test_every_blank_line_rejected():
    def parse_labels(text):
        lines = text.splitlines()
        if len(lines) == 1 and lines[0].endswith(".txt"):
            raise ValueError("a path: pass the text")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "harmless", status="error",
                    mistake="parse_labels.trailing_blank_rejected")


def test_any_single_line_taken_for_a_path():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1:
            raise ValueError("a single line: that looks like a path")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "one class", status="error",
                    mistake="parse_labels.one_line_rejected")


def test_repeated_names_dropped():
    def parse_labels(text):
        names = []
        for line in _strict(text):
            name = _synset_first_name(line)
            if name not in names:
                names.append(name)
        return names
    assert_rejected("parse_labels", parse_labels, "'crane'", "duplicates too", mistake="parse_labels.duplicates_dropped")


def test_a_set_of_names():
    def parse_labels(text):
        return list(dict.fromkeys(_synset_first_name(line) for line in _strict(text)))
    assert_rejected("parse_labels", parse_labels, "line i", mistake="parse_labels.duplicates_dropped")


def test_a_tuple_of_names():
    def parse_labels(text):
        return tuple(_synset_first_name(line) for line in _strict(text))
    assert_rejected("parse_labels", parse_labels, "list of str", mistake="generic.wrong_type")


def test_parse_labels_correct_variants():
    def regex(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and re.search(r"\.\w+$", lines[0].strip()):
            raise ValueError(f"{lines[0]!r} looks like a path: pass the file's text")
        names = []
        for i, line in enumerate(lines):
            if not line.strip():
                raise ValueError(f"empty label on line {i + 1}")
            m = re.match(r"\s*n\d{8}\s+([^,]+)", line)
            names.append(m.group(1).strip() if m else line.strip())
        return names

    def partition(text):
        lines = [line.strip() for line in text.rstrip().split("\n")]
        if len(lines) == 1 and lines[0].lower().endswith((".txt", ".names")):
            raise ValueError("this is a file path; open the file and pass its contents")
        if "" in lines:
            raise ValueError(f"blank line at line {lines.index('') + 1}")
        out = []
        for line in lines:
            head, _, rest = line.replace("\t", " ").partition(" ")
            synset = len(head) == 9 and head[0] == "n" and head[1:].isdigit()
            out.append(rest.partition(",")[0].strip() if synset else line)
        return out

    def split_words(text):
        stripped = text.rstrip()
        if "\n" not in stripped and stripped.strip().endswith(".txt"):
            raise ValueError(f"parse_labels wants the text, not the path {stripped.strip()!r}")
        names = []
        for number, line in enumerate(stripped.splitlines(), start=1):
            words = line.split()
            if not words:
                raise ValueError(f"line {number}: no class name")
            if re.fullmatch(r"n\d{8}", words[0]):
                words = " ".join(words[1:]).split(",")[0].split()
            names.append(" ".join(words))
        return names

    for answer in (regex, partition, split_words):
        assert_accepted("parse_labels", answer)


# --------------------------------------------------------------------------- #
# decode_predictions
# --------------------------------------------------------------------------- #
def _checked(probs, labels):
    p = np.atleast_2d(probs)
    if len(labels) != p.shape[1]:
        raise ValueError(f"{len(labels)} labels but {p.shape[1]} classes")
    return p


def _best(p, k):
    return np.argsort(-p, axis=1, kind="stable")[:, :k]


def test_numpy_scalars_in_tuples():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(i, labels[i], row[i]) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "NumPy numbers", "float()",
                    mistake="decode_predictions.numpy_scalars")


def test_numpy_probability_only():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], row[i]) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "np.float32", mistake="decode_predictions.numpy_scalars")


def test_flat_list_for_one_image():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        out = [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
        return out[0] if probs.ndim == 1 else out
    assert_rejected("decode_predictions", decode_predictions, "ONE entry",
                    mistake="decode_predictions.flat_list_for_one_image")


def test_vector_not_made_a_batch():
    def decode_predictions(probs, labels, k=5):
        if len(labels) != probs.shape[-1]:
            raise ValueError(f"{len(labels)} labels for {probs.shape[-1]} classes")
        order = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        values = np.take_along_axis(probs, order, -1)
        return [[(int(i), labels[i], float(v)) for i, v in zip(ri, rv)] for ri, rv in zip(order, values)]
    assert_rejected("decode_predictions", decode_predictions, "batch of one", status="error",
                    mistake="decode_predictions.vector_not_batched")


def test_columns_indexed_on_a_vector():
    def decode_predictions(probs, labels, k=5):
        if len(labels) != probs.shape[-1]:
            raise ValueError(f"{len(labels)} labels for {probs.shape[-1]} classes")
        order = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return [[(int(i), labels[i], float(probs[n, i])) for i in row] for n, row in enumerate(order)]
    assert_rejected("decode_predictions", decode_predictions, "np.atleast_2d", status="error",
                    mistake="decode_predictions.vector_not_batched")


def test_labels_off_by_one():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i - 1], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "shifted by one",
                    mistake="decode_predictions.shifted_labels")


def test_percentages():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], round(100 * float(row[i]), 2)) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "percentages", mistake="decode_predictions.percentages")


def test_unrounded_percentages():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], 100.0 * float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "percentages", mistake="decode_predictions.percentages")


def test_probability_formatted_as_text():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], f"{row[i]:.1%}") for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "text", mistake="decode_predictions.probability_as_text")


def test_rounded_probabilities():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], round(float(row[i]), 4)) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "rounded", mistake="decode_predictions.rounded")


def test_label_first():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(labels[i], int(i), float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "tuple order", mistake="decode_predictions.tuple_order")


def test_probability_first():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(float(row[i]), int(i), labels[i]) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "tuple order", mistake="decode_predictions.tuple_order")


def test_ascending():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(p, axis=1, kind="stable")[:, -k:]
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "ascending", mistake="decode_predictions.ascending")


def test_least_likely_classes():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(p, axis=1)[:, :k]
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "least likely", mistake="decode_predictions.least_likely")


def test_k_ignored():
    from helpers.labels import top_k

    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        indices, values = top_k(p)
        return [[(int(i), labels[i], float(v)) for i, v in zip(ri, rv)] for ri, rv in zip(indices, values)]
    assert_rejected("decode_predictions", decode_predictions, "ignores k", mistake="decode_predictions.ignores_k")


def test_label_count_not_checked():
    def decode_predictions(probs, labels, k=5):
        p = np.atleast_2d(probs)
        return [[(int(i), labels[i] if i < len(labels) else "?", float(row[i])) for i in r]
                for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "instead of raising ValueError", "placeholder",
                    mistake="decode_predictions.labels_made_up")


def test_only_too_few_labels_checked():
    def decode_predictions(probs, labels, k=5):
        p = np.atleast_2d(probs)
        if len(labels) < p.shape[1]:
            raise ValueError(f"{len(labels)} labels for {p.shape[1]} classes")
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "11 labels", "instead of raising ValueError",
                    "more labels than classes", mistake="decode_predictions.more_labels_accepted")


def test_label_count_compared_with_the_images():
    def decode_predictions(probs, labels, k=5):
        if len(labels) != len(probs):
            raise ValueError(f"{len(labels)} labels for {len(probs)} classes")
        p = np.atleast_2d(probs)
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "shape[-1]", status="error",
                    mistake="decode_predictions.count_against_images")


def test_lists_instead_of_tuples():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[[int(i), labels[i], float(row[i])] for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "should be a tuple", mistake="generic.wrong_type")


def test_decode_correct_variants():
    def with_tolist(probs, labels, k=5):
        p = probs.reshape(-1, probs.shape[-1])
        n_classes = p.shape[1]
        if n_classes != len(labels):
            raise ValueError(f"got {len(labels)} labels, the model has {n_classes} classes")
        result = []
        for row in p:
            order = sorted(range(n_classes), key=lambda c: (-row[c], c))[:k]
            result.append([(c, labels[c], row[c].item()) for c in order])
        return result

    def with_json_safe_items(probs, labels, k=5):
        p = np.atleast_2d(probs)
        if p.shape[-1] != len(labels):
            raise ValueError(f"labels: {len(labels)}, classes: {p.shape[-1]}")
        idx = np.argsort(-p, axis=-1, kind="stable")[:, :k]
        vals = np.take_along_axis(p, idx, -1)
        return [list(zip(i.tolist(), [labels[j] for j in i], v.tolist())) for i, v in zip(idx, vals)]

    def with_heapq(probs, labels, k=5):
        p = probs[np.newaxis] if probs.ndim == 1 else probs
        if len(labels) != p.shape[1]:
            raise ValueError(f"{len(labels)} labels do not fit {p.shape[1]} classes")
        return [[(i, labels[i], float(row[i])) for i in heapq.nlargest(k, range(len(row)), key=row.__getitem__)]
                for row in p]

    def with_reference_top_k(probs, labels, k=5):
        from helpers.labels import top_k
        p = np.atleast_2d(probs)
        if len(labels) != p.shape[-1]:
            raise ValueError(f"{len(labels)} labels for {p.shape[-1]} classes")
        indices, values = top_k(p, k)
        return [[(int(i), str(labels[i]), float(v)) for i, v in zip(ri, rv)] for ri, rv in zip(indices, values)]

    for answer in (with_tolist, with_json_safe_items, with_heapq, with_reference_top_k):
        assert_accepted("decode_predictions", answer)


@pytest.mark.parametrize("name", ('top_k', 'parse_labels', 'decode_predictions'))
def test_case_labels_are_unique(name):
    """A mistake's history (behaves_like) finds the failing case among the cases by its label."""
    from helpers.exercises.core import get_exercise
    labels = [case.label for case in get_exercise(name).cases()]
    assert len(labels) == len(set(labels))


def test_reference_top_k_on_every_case_against_a_full_stable_sort():
    from helpers.exercises.core import get_exercise
    exercise = get_exercise("top_k")
    for case in exercise.cases():
        if case.raises is not None:
            with pytest.raises(ValueError):
                exercise.reference(*case.args)
            continue
        probs, k = case.args[0], (case.args[1] if len(case.args) > 1 else 5)
        indices, values = exercise.reference(*case.args)
        order = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        assert np.array_equal(indices, order) and indices.dtype == np.int64, case.label
        assert np.array_equal(values, np.take_along_axis(probs, order, -1)) and values.dtype == probs.dtype


def test_reference_parse_labels_on_every_case_as_worked_out_by_hand():
    from helpers.exercises.core import get_exercise
    exercise = get_exercise("parse_labels")
    by_hand = [["cat", "dog", "hot dog"], ["tench", "goldfish", "great white shark", "tiger shark"],
               ["background", "person", "bicycle"], ["red_circle", "blue_circle", "red_square"],
               ["tench", "goldfish", "great white shark"], ["jack-o'-lantern", "potter's wheel", "T-shirt"],
               ["person"], ["crane", "maillot", "crane", "maillot", "bath towel"],
               ["nematode", "night snake", "neck brace", "nail"], ["tench", "goldfish"],
               ["airliner", "racer", "oxygen mask"], ["n1440764 tench", "n014437537 goldfish"], ["cat", "dog"],
               "line 3", "line 1", "line 2", "line 2", "path", "path", "path", "path"]
    cases = exercise.cases()
    assert len(cases) == len(by_hand)
    for case, want in zip(cases, by_hand):
        if isinstance(want, str):
            with pytest.raises(ValueError, match=want):
                exercise.reference(*case.args)
        else:
            assert exercise.reference(*case.args) == want, case.label


# --------------------------------------------------------------------------- #
# A learner corpus played against the checks (issue 15): what it found
# --------------------------------------------------------------------------- #
def _stable(probs):
    return np.argsort(-probs, axis=-1, kind="stable")


def test_one_class_too_many():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, _stable(probs)[..., :k + 1])
    assert_rejected("top_k", top_k, "k + 1 classes", mistake="top_k.one_too_many")


def test_one_class_too_few():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, _stable(probs)[..., :k - 1])
    assert_rejected("top_k", top_k, "k - 1 classes", mistake="top_k.one_too_few")


def test_best_class_skipped():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        return _take(probs, _stable(probs)[..., 1:k + 1])
    assert_rejected("top_k", top_k, "skipped the best class", mistake="top_k.best_skipped")


@pytest.mark.parametrize("lookup", ["list_index", "where"])
def test_index_looked_up_from_its_value(lookup):
    def top_k(probs, k=5):
        _k_ok(probs, k)
        rows = np.atleast_2d(probs)
        values = -np.sort(-rows, axis=-1)[:, :k]
        if lookup == "list_index":
            idx = [[list(row).index(v) for v in vals] for row, vals in zip(rows, values)]
        else:
            idx = [[np.where(row == v)[0][0] for v in vals] for row, vals in zip(rows, values)]
        idx = np.array(idx, dtype=np.int64)
        return (idx[0], values[0]) if probs.ndim == 1 else (idx, values)
    assert_rejected("top_k", top_k, "same class appears twice", mistake="top_k.duplicate_indices")


def test_two_d_slice_on_a_vector():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, kind="stable")[:, :k]
        return _take(probs, idx)
    assert_rejected("top_k", top_k, "[:, :k]", "[..., :k]", status="error", mistake="top_k.two_d_slice_on_vector")


def test_values_with_np_take_without_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = _stable(probs)[..., :k]
        return idx, np.take(probs, idx)
    assert_rejected("top_k", top_k, "np.take", "take_along_axis", mistake="top_k.take_without_axis")


def test_argsort_along_axis_0_on_a_batch_names_the_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=0, kind="stable")[..., :k]
        return idx, np.take_along_axis(probs, idx, axis=0)
    assert_rejected("top_k", top_k, "argsort along axis 0", status="error", mistake="top_k.batch_indexing")


def test_top_k_corpus_correct_variants():
    def heap(probs, k=5):
        c = probs.shape[-1]
        if k > c:
            raise ValueError(f"k={k} but only {c} classes")
        rows = probs.reshape(-1, c)
        idx = np.array([heapq.nlargest(k, range(c), key=lambda i: (r[i], -i)) for r in rows], dtype=np.int64)
        idx = idx.reshape(probs.shape[:-1] + (k,))
        return idx, np.take_along_axis(probs, idx, axis=-1)

    def k_checked_after_slicing(probs, k=5):
        idx = _stable(probs)[..., :k]
        if idx.shape[-1] < k:
            raise ValueError(f"k={k} but only {probs.shape[-1]} classes")
        return _take(probs, idx)

    def rows_by_arange(probs, k=5):
        if k > probs.shape[-1]:
            raise ValueError(f"k={k} exceeds the {probs.shape[-1]} classes")
        p2 = probs.reshape(-1, probs.shape[-1])
        idx = np.argsort(-p2, axis=1, kind="stable")[:, :k]
        vals = p2[np.arange(len(p2))[:, None], idx]
        return idx.reshape(probs.shape[:-1] + (k,)).astype(np.int64), vals.reshape(probs.shape[:-1] + (k,))

    def values_by_sorting(probs, k=5):
        if k > probs.shape[-1]:
            raise ValueError(f"k={k}, classes={probs.shape[-1]}")
        return _stable(probs)[..., :k].astype(np.int64), -np.sort(-probs, axis=-1)[..., :k]

    for answer in (heap, k_checked_after_slicing, rows_by_arange, values_by_sorting):
        assert_accepted("top_k", answer)


@pytest.mark.parametrize("cut", ["regex_any_digits", "isdigit_fixed_cut"])
def test_synset_digits_not_counted(cut):
    def parse_labels(text):
        names = []
        for line in _strict(text):
            line = line.strip()
            if cut == "regex_any_digits":
                line = re.sub(r"^n\d+\s+", "", line).split(",")[0].strip()
            elif line.split()[0][0] == "n" and line.split()[0][1:].isdigit():
                line = line[10:].split(",")[0].strip()
            names.append(line)
        return names
    assert_rejected("parse_labels", parse_labels, "exactly 8 digits", mistake="parse_labels.synset_digits_not_counted")


def test_synset_id_split_off_at_the_first_space():
    def parse_labels(text):
        names = []
        for line in _strict(text):
            line = line.strip()
            if re.match(r"n\d{8}\s", line):
                line = line.split(" ", 1)[1].split(",")[0].strip()
            names.append(line)
        return names
    assert_rejected("parse_labels", parse_labels, "a tab follows the synset id", "split(None, 1)",
                    mistake="parse_labels.synset_split_on_space")


def test_plain_n_names_cut_to_nothing():
    def parse_labels(text):
        names = []
        for line in _strict(text):
            line = line.strip()
            names.append(line[10:].split(",")[0].strip() if line.startswith("n") else line)
        return names
    assert_rejected("parse_labels", parse_labels, "not a synset line", mistake="parse_labels.synset_by_first_letter")


def test_last_line_dropped_as_if_it_were_empty():
    def parse_labels(text):
        lines = text.split("\n")[:-1]
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "last name is missing", mistake="parse_labels.last_name_dropped")


def test_blank_line_kept_as_an_empty_name():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "empty name", "line 3", mistake="parse_labels.blank_line_kept")


def test_line_of_spaces_tested_before_stripping():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path")
        for n, line in enumerate(lines, 1):
            if line == "":
                raise ValueError(f"line {n} is empty")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "empty name", "a line of spaces",
                    mistake="parse_labels.blank_line_kept")


def test_path_read_instead_of_refused(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # the course folder: the path's file exists

    def parse_labels(text):
        path = text.strip()
        if path.endswith(".txt") and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
        return [_synset_first_name(line) for line in _strict_without_path(text)]
    assert_rejected("parse_labels", parse_labels, "you opened the file", mistake="parse_labels.path_opened")


def test_path_test_on_the_raw_text_misses_a_final_newline():
    def parse_labels(text):
        if "\n" not in text and text.endswith(".txt"):
            raise ValueError(f"{text} is a path")
        return [_synset_first_name(line) for line in _strict_without_path(text)]
    assert_rejected("parse_labels", parse_labels, "newline at the end", "strip the line",
                    mistake="parse_labels.path_not_refused")


def test_path_told_by_its_slashes():
    def parse_labels(text):
        if ("/" in text or "\\" in text) and "\n" not in text.strip():
            raise ValueError("a path")
        return [_synset_first_name(line) for line in _strict_without_path(text)]
    assert_rejected("parse_labels", parse_labels, "single line ending in .txt", mistake="parse_labels.path_not_refused")


def test_parse_labels_corpus_correct_variants():
    def pops_trailing_blanks(text):
        lines = text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError(f"{lines[0].strip()!r} is a path, not the text of the file")
        result = []
        for i, line in enumerate(lines):
            line = line.strip()
            if line == "":
                raise ValueError(f"empty label on line {i + 1}")
            parts = line.split(maxsplit=1)
            if len(parts) == 2 and len(parts[0]) == 9 and parts[0][0] == "n" and parts[0][1:].isdigit():
                line = parts[1].split(",", 1)[0].strip()
            result.append(line)
        return result

    def blank_remembered_until_a_name_follows(text):
        import io
        names, pending = [], None
        for number, line in enumerate(io.StringIO(text), start=1):
            line = line.strip()
            if not line:
                pending = pending or number
                continue
            if pending:
                raise ValueError(f"line {pending} is blank but more names follow")
            match = re.match(r"^n\d{8}\s+([^,]*)", line)
            names.append(match.group(1).strip() if match else line)
        if len(names) == 1 and names[0].endswith(".txt"):
            raise ValueError("got a file path; read the file and pass its text")
        return names

    def partition_after_tabs(text):
        lines = text.replace("\r\n", "\n").rstrip().split("\n")
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("parse_labels needs the text, this is a path")
        names = []
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                raise ValueError(f"label file line {n} is blank")
            head, sep, rest = line.replace("\t", " ").partition(" ")
            if sep and len(head) == 9 and head.startswith("n") and head[1:].isdigit():
                line = rest.partition(",")[0].strip()
            names.append(line)
        return names

    for answer in (pops_trailing_blanks, blank_remembered_until_a_name_follows, partition_after_tabs):
        assert_accepted("parse_labels", answer)


def test_decode_ties_highest_index_first():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], float(row[i])) for i in np.argsort(row, kind="stable")[::-1][:k]] for row in p]
    assert_rejected("decode_predictions", decode_predictions, "highest index first",
                    mistake="decode_predictions.ties_reversed")


def test_decode_sorted_pairs_in_reverse():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        out = []
        for row in p:
            best = sorted(zip(row.tolist(), range(len(row))), reverse=True)[:k]
            out.append([(i, labels[i], v) for v, i in best])
        return out
    assert_rejected("decode_predictions", decode_predictions, "highest index first",
                    mistake="decode_predictions.ties_reversed")


def test_decode_default_argsort_is_not_stable():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(int(i), labels[i], float(row[i])) for i in np.argsort(-row)[:k]] for row in p]
    assert_rejected("decode_predictions", decode_predictions, "lower index first",
                    mistake="decode_predictions.ties_order")


def test_decode_labels_as_numpy_strings():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        names = np.asarray(labels)
        return [[(int(i), names[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "np.str_", mistake="decode_predictions.numpy_strings")


def test_decode_count_against_every_value():
    def decode_predictions(probs, labels, k=5):
        if len(labels) != probs.size:
            raise ValueError(f"{len(labels)} labels but {probs.size} values")
        p = np.atleast_2d(probs)
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "probs.size", status="error",
                    mistake="decode_predictions.count_against_size")


def test_decode_corpus_correct_variants():
    def sorted_reverse_is_stable(probs, labels, k=5):
        p = _checked(probs, labels)
        out = []
        for row in p.tolist():
            best = sorted(range(len(row)), key=row.__getitem__, reverse=True)[:k]
            out.append([(i, labels[i], row[i]) for i in best])
        return out

    def heap(probs, labels, k=5):
        p = _checked(probs, labels)
        return [[(i, labels[i], float(row[i])) for i in heapq.nlargest(k, range(len(row)), key=row.__getitem__)]
                for row in p]

    def lexsort(probs, labels, k=5):
        p = _checked(probs, labels)
        c = p.shape[1]
        return [[(int(i), labels[int(i)], float(row[i])) for i in np.lexsort((np.arange(c), -row))[:k]] for row in p]

    for answer in (sorted_reverse_is_stable, heap, lexsort):
        assert_accepted("decode_predictions", answer)


def test_decode_background_label_added_to_match_the_count():
    def decode_predictions(probs, labels, k=5):
        p = np.atleast_2d(probs)
        if len(labels) == p.shape[1] - 1:
            labels = ["background"] + list(labels)
        if len(labels) != p.shape[1]:
            raise ValueError(f"{len(labels)} labels for {p.shape[1]} classes")
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, _best(p, k))]
    assert_rejected("decode_predictions", decode_predictions, "not in labels", "instead of raising ValueError",
                    mistake="decode_predictions.labels_made_up")


def test_names_counted_before_the_blank_is_no_line_number():
    """'after 2 names' is not a line number counted from 0: the generic message stands."""
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path")
        names = []
        for line in lines:
            if not line.strip():
                raise ValueError(f"blank line after {len(names)} names")
            names.append(_synset_first_name(line))
        return names
    assert_rejected("parse_labels", parse_labels, "should mention '3'", mistake="generic.raise_message")


def test_line_index_from_enumerate_without_start():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        if len(lines) == 1 and lines[0].strip().endswith(".txt"):
            raise ValueError("a path")
        for index, line in enumerate(lines):
            if not line.strip():
                raise ValueError(f"blank line at index {index}")
        return [_synset_first_name(line) for line in lines]
    assert_rejected("parse_labels", parse_labels, "counts from 0", mistake="parse_labels.line_number_from_zero")


def test_k_clamped_to_the_number_of_classes():
    def top_k(probs, k=5):
        k = min(k, probs.shape[-1])
        return _take(probs, _stable(probs)[..., :k])
    assert_rejected("top_k", top_k, "fewer than k", "min(k, C)", mistake="top_k.k_not_checked")
