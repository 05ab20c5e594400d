"""top_k, parse_labels and decode_predictions against hand-worked values and the real label file."""
from pathlib import Path

import numpy as np
import pytest

from helpers.labels import decode_predictions, parse_labels, top_k

LABEL_FILE = Path(__file__).resolve().parents[1] / "helpers" / "data" / "imagenet_classes.txt"


def test_top_k_hand_worked_with_ties():
    idx, vals = top_k(np.array([0.1, 0.3, 0.05, 0.3, 0.05, 0.2], np.float32), 4)
    assert idx.tolist() == [1, 3, 5, 0] and idx.dtype == np.int64
    assert vals.dtype == np.float32 and vals.tolist() == pytest.approx([0.3, 0.3, 0.2, 0.1])


def test_top_k_batch_matches_sorted_rows():
    probs = np.random.default_rng(0).random((5, 40))
    idx, vals = top_k(probs, 7)
    assert idx.shape == vals.shape == (5, 7) and vals.dtype == np.float64
    for row, i, v in zip(probs, idx, vals):
        assert i.tolist() == sorted(range(40), key=lambda c: -row[c])[:7]
        assert np.array_equal(v, row[i])


def test_top_k_errors_name_k_and_the_class_count():
    with pytest.raises(ValueError, match="10.*k=12"):
        top_k(np.ones(10), 12)
    with pytest.raises(ValueError, match="k=0"):
        top_k(np.ones(10), 0)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        top_k(np.ones((2, 3, 4)))


def test_parse_the_real_label_file():
    labels = parse_labels(LABEL_FILE.read_text(encoding="utf-8"))
    assert len(labels) == 1000
    assert labels[0] == "tench" and labels[967] == "espresso" and labels[999] == "toilet tissue"


def test_parse_synsets_and_plain():
    text = "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n\n"
    assert parse_labels(text) == ["tench", "goldfish"]
    assert parse_labels("  cat \r\ndog\r\n") == ["cat", "dog"]
    assert parse_labels("jack-o'-lantern\nT-shirt") == ["jack-o'-lantern", "T-shirt"]


def test_parse_errors():
    with pytest.raises(ValueError, match="line 2"):
        parse_labels("cat\n\ndog")
    with pytest.raises(ValueError, match="path"):
        parse_labels(str(LABEL_FILE))
    with pytest.raises(TypeError, match="read_text"):
        parse_labels(LABEL_FILE)


def test_decode_predictions_plain_python_types():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]], np.float32)
    out = decode_predictions(probs, ["a", "b", "c"], k=2)
    assert out == [[(1, "b", pytest.approx(0.6)), (2, "c", pytest.approx(0.3))],
                   [(0, "a", pytest.approx(0.5)), (2, "c", pytest.approx(0.3))]]
    assert all(type(i) is int and type(p) is float for row in out for i, _, p in row)
    assert decode_predictions(probs[0], ["a", "b", "c"], k=1) == [[(1, "b", pytest.approx(0.6))]]


def test_decode_predictions_label_count_error_names_both_numbers():
    with pytest.raises(ValueError, match="1000 labels for 1001 classes"):
        decode_predictions(np.ones((1, 1001)) / 1001, ["x"] * 1000)


def test_top_k_equals_a_full_stable_sort_on_tie_heavy_inputs():
    """The fast path (argpartition + lexsort + tie repair) against NumPy's stable argsort."""
    rng = np.random.default_rng(1)
    for trial in range(2000):
        classes, rows = int(rng.integers(1, 30)), int(rng.integers(1, 5))
        k = int(rng.integers(1, classes + 1))
        if trial % 2:  # few distinct values: ties everywhere, also at the cut
            probs = rng.integers(0, 4, (rows, classes)).astype(np.float32)
        else:
            probs = rng.random((rows, classes)).astype(np.float32)
        indices, values = top_k(probs, k)
        expected = np.argsort(-probs, axis=-1, kind="stable")[:, :k]
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_array_equal(values, np.take_along_axis(probs, expected, axis=-1))


def test_top_k_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        top_k(np.array([0.1, np.nan, 0.3], np.float32), 2)


def test_top_k_of_quantised_uint8_scores_is_largest_first():
    """A quantised model gives uint8 scores: negating them to sort would wrap (-1 is 255)."""
    scores = np.uint8([[3, 200, 0, 255, 17, 200]])
    indices, values = top_k(scores, 4)
    by_hand = sorted(range(6), key=lambda i: (-int(scores[0, i]), i))[:4]   # [3, 1, 5, 4]
    assert indices.tolist() == [by_hand] and values.dtype == np.uint8
    assert values.tolist() == [[255, 200, 200, 17]]
