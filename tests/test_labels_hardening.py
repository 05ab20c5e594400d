"""Issue 18: top_k's k and parse_labels' lines, named errors and no shifted class index."""
import numpy as np
import pytest

from helpers.labels import decode_predictions, parse_labels, top_k

P = np.array([0.1, 0.2, 0.7])


@pytest.mark.parametrize("k", [2.0, 2.5, "2", None, True, np.float32(1), [2]])
def test_top_k_refuses_a_k_that_is_not_an_int(k):
    with pytest.raises(TypeError, match=r"k must be an int.*got " + repr(k)[:3].replace("[", r"\[").replace("(", r"\(")):
        top_k(P, k)


def test_top_k_float_k_error_says_what_to_pass():
    with pytest.raises(TypeError, match=r"k=2\b"):
        top_k(P, 2.0)


def test_top_k_accepts_numpy_integers():
    indices, values = top_k(P, np.int64(2))
    assert indices.tolist() == [2, 1] and values.tolist() == [0.7, 0.2]


def test_decode_predictions_passes_the_k_error_on():
    with pytest.raises(TypeError, match="k must be an int"):
        decode_predictions(P, ["a", "b", "c"], 1.0)


@pytest.mark.parametrize("probs", [np.array(["b", "a", "c"]), np.array([1j, 2j]), np.array([0.5, None], object)])
def test_top_k_refuses_scores_that_are_not_real_numbers(probs):
    with pytest.raises(TypeError, match=str(probs.dtype)):
        top_k(probs, 1)


def test_decode_predictions_refuses_the_label_text_itself():
    # len("a\nb\nc") == 5 characters: with 5 classes they would silently name the classes "a", "\n", ...
    with pytest.raises(TypeError, match="parse_labels"):
        decode_predictions(np.full(5, 0.2), "a\nb\nc", 1)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"])
def test_parse_labels_splits_only_on_newlines(separator):
    # str.splitlines would make 4 classes of these 3 lines and shift 'bird' from index 2 to 3.
    names = parse_labels(f"cat\ndog{separator}fox\nbird\n")
    assert len(names) == 3 and names[0] == "cat" and names[2] == "bird"
    assert names[1] == f"dog{separator}fox"


def test_parse_labels_keeps_every_index_with_all_three_line_endings():
    assert parse_labels("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


def test_parse_labels_strips_a_leading_bom():
    assert parse_labels("\ufeffcat\ndog\n") == ["cat", "dog"]
    assert parse_labels("\ufeffn01440764 tench, Tinca tinca\n") == ["tench"]


def test_parse_labels_bom_then_blank_line_is_still_line_1():
    with pytest.raises(ValueError, match="line 1"):
        parse_labels("\ufeff\ncat\n")


def test_parse_labels_counts_lines_as_newlines_do():
    # With splitlines the form feed would be its own (empty) line 2 and the error would name it.
    with pytest.raises(ValueError, match="line 3"):
        parse_labels("cat\ndog\x0c\n\nbird\n")


def test_parse_labels_empty_text_gives_no_classes():
    assert parse_labels("") == [] and parse_labels("\ufeff\n\n") == []
