"""Notebook 03 checks reject the top-K and label mistakes learners really make, accept correct variants."""
import re

import numpy as np
import pytest

from .conftest import assert_accepted, assert_rejected


def _k_ok(probs, k):
    if k > probs.shape[-1]:
        raise ValueError(f"k={k} but only {probs.shape[-1]} classes")


# --------------------------------------------------------------------------- #
# top_k
# --------------------------------------------------------------------------- #
def test_ascending_slice_from_the_front():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(probs, axis=-1)[..., :k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "smallest")


def test_ascending_slice_from_the_end():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(probs, axis=-1)[..., -k:]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "ascending order")


def test_sorting_the_wrong_axis():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=0, kind="stable")[:k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, 0)
    assert_rejected("top_k", top_k, "axis 0")


def test_flattened_ranking():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        flat = probs.ravel()
        idx = np.argsort(-flat, kind="stable")[:k]
        return idx.astype(np.int64), flat[idx]
    assert_rejected("top_k", top_k, "flattened")


def test_reversed_sort_puts_ties_high_index_first():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.flip(np.argsort(probs, axis=-1, kind="stable"), axis=-1)[..., :k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "highest index first")


def test_argpartition_unsorted():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argpartition(-probs, k - 1, axis=-1)[..., :k]
        return idx.astype(np.int64), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "argpartition")


def test_values_and_indices_swapped():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(probs, idx, -1), idx
    assert_rejected("top_k", top_k, "(values, indices)")


def test_int32_indices():
    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return idx.astype(np.int32), np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "int64")


def test_k_too_large_silently_truncated():
    def top_k(probs, k=5):
        idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
        return idx, np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "instead of raising ValueError")


def test_top_k_correct_variants():
    def lexsort(probs, k=5):
        p = np.atleast_2d(probs)
        if k > p.shape[1]:
            raise ValueError(f"k={k} is more than the {p.shape[1]} classes")
        cols = np.arange(p.shape[1])
        idx = np.stack([np.lexsort((cols, -row))[:k] for row in p]).astype(np.int64)
        vals = np.take_along_axis(p, idx, 1)
        return (idx[0], vals[0]) if probs.ndim == 1 else (idx, vals)

    def partition_then_sort(probs, k=5):
        c = probs.shape[-1]
        if k > c:
            raise ValueError(f"asked for top {k} of {c}")
        # stable descending: sort by (-value, index)
        order = np.argsort(-probs, axis=-1, kind="mergesort")
        idx = order[..., :k].astype("int64")
        return idx, np.take_along_axis(probs, idx, axis=-1)

    assert_accepted("top_k", lexsort)
    assert_accepted("top_k", partition_then_sort)


# --------------------------------------------------------------------------- #
# parse_labels
# --------------------------------------------------------------------------- #
def _strict(text):
    """The error handling a careful learner adds; the tests below vary the parsing."""
    lines = text.rstrip().splitlines()
    if len(lines) == 1 and lines[0].endswith(".txt"):
        raise ValueError("that is a path, pass the text")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ValueError(f"line {n} is empty")
    return lines


def test_synset_ids_kept():
    def parse_labels(text):
        return [line.strip() for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "synset ids")


def test_all_synonyms_kept():
    def parse_labels(text):
        return [re.sub(r"^n\d+ ", "", line.strip()) for line in _strict(text)]
    assert_rejected("parse_labels", parse_labels, "every synonym")


def test_one_word_kept():
    def parse_labels(text):
        out = []
        for line in _strict(text):
            parts = line.split()
            out.append(parts[1].rstrip(",") if parts[0][1:].isdigit() else line.strip())
        return out
    assert_rejected("parse_labels", parse_labels, "split the line on spaces")


def test_trailing_blank_lines_kept():
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
    assert_rejected("parse_labels", parse_labels, "empty names")


def test_carriage_returns_kept():
    def parse_labels(text):
        _strict(text)
        return [line.split(" ", 1)[1].split(",")[0] if re.match(r"n\d{8} ", line) else line
                for line in text.rstrip("\n").split("\n")]
    assert_rejected("parse_labels", parse_labels, "strip each line")


def test_blank_line_in_the_middle_skipped():
    def parse_labels(text):
        if text.strip().endswith(".txt"):
            raise ValueError("a path")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [re.sub(r"^n\d{8}\s+", "", line).split(",")[0] for line in lines]
    assert_rejected("parse_labels", parse_labels, "instead of raising ValueError", "line 3")


def test_label_path_taken_as_a_label():
    def parse_labels(text):
        lines = text.rstrip().splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                raise ValueError(f"line {n} is empty")
        return [re.sub(r"^n\d{8}\s+", "", line.strip()).split(",")[0] for line in lines]
    assert_rejected("parse_labels", parse_labels, "instead of raising ValueError", "path")


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
            head, _, rest = line.partition(" ")
            synset = len(head) == 9 and head[0] == "n" and head[1:].isdigit()
            out.append(rest.partition(",")[0].strip() if synset else line)
        return out

    assert_accepted("parse_labels", regex)
    assert_accepted("parse_labels", partition)


# --------------------------------------------------------------------------- #
# decode_predictions
# --------------------------------------------------------------------------- #
def _checked(probs, labels):
    p = np.atleast_2d(probs)
    if len(labels) != p.shape[1]:
        raise ValueError(f"{len(labels)} labels but {p.shape[1]} classes")
    return p


def test_numpy_scalars_in_tuples():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        return [[(i, labels[i], row[i]) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "NumPy numbers", "float()")


def test_flat_list_for_one_image():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        out = [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]
        return out[0] if probs.ndim == 1 else out
    assert_rejected("decode_predictions", decode_predictions, "ONE entry")


def test_labels_off_by_one():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        return [[(int(i), labels[i - 1], float(row[i])) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "shifted by one")


def test_percentages():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        return [[(int(i), labels[i], round(100 * float(row[i]), 2)) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "percentages")


def test_label_first():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        return [[(labels[i], int(i), float(row[i])) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "tuple order")


def test_ascending():
    def decode_predictions(probs, labels, k=5):
        p = _checked(probs, labels)
        idx = np.argsort(p, axis=1, kind="stable")[:, -k:]
        return [[(int(i), labels[i], float(row[i])) for i in r] for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "ascending")


def test_label_count_not_checked():
    def decode_predictions(probs, labels, k=5):
        p = np.atleast_2d(probs)
        idx = np.argsort(-p, axis=1, kind="stable")[:, :k]
        return [[(int(i), labels[i] if i < len(labels) else "?", float(row[i])) for i in r]
                for row, r in zip(p, idx)]
    assert_rejected("decode_predictions", decode_predictions, "instead of raising ValueError")


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

    assert_accepted("decode_predictions", with_tolist)
    assert_accepted("decode_predictions", with_json_safe_items)


def test_unstable_default_sort_on_many_ties():
    many_ties = np.zeros(1000, np.float32)
    many_ties[[3, 500, 999]] = [0.5, 0.3, 0.2]
    if np.array_equal(np.argsort(-many_ties)[:6], np.argsort(-many_ties, kind="stable")[:6]):
        pytest.skip("this NumPy build's default sort happens to keep these ties in order")

    def top_k(probs, k=5):
        _k_ok(probs, k)
        idx = np.argsort(-probs, axis=-1)[..., :k]
        return idx, np.take_along_axis(probs, idx, -1)
    assert_rejected("top_k", top_k, "kind='stable'")
