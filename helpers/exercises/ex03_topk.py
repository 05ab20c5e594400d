"""Notebook 03: top-K and labels. top_k, parse_labels, decode_predictions."""
import re

import numpy as np

from ..labels import decode_predictions, parse_labels, top_k
from ..probabilities import softmax
from .core import Case, Exercise, Mistake, describe, register

NOTEBOOK = "03_top_k_and_labels"


def _dtype(value):
    return getattr(value, "dtype", None)


# --------------------------------------------------------------------------- #
# top_k
# --------------------------------------------------------------------------- #
def _top_k_cases():
    rng = np.random.default_rng(0)
    probs = lambda *shape: softmax((rng.standard_normal(shape) * 2).astype(np.float32))  # noqa: E731
    ties = np.array([0.1, 0.3, 0.05, 0.3, 0.05, 0.2], np.float32)
    many_ties = np.zeros(1000, np.float32)
    many_ties[[3, 500, 999]] = [0.5, 0.3, 0.2]
    return [
        Case("a (50,) probability vector, k=5", (probs(50),)),
        Case("(4, 50) probabilities, 4 images, k=3", (probs(4, 50), 3)),
        Case("(6, 4) probabilities: more images than classes, k=2", (probs(6, 4), 2)),
        Case("ties: [0.1, 0.3, 0.05, 0.3, 0.05, 0.2] with k=4 (equal values: lower index first)", (ties, 4)),
        Case("1000 classes, only 3 above zero, k=6 (the other 997 tie at 0)", (many_ties, 6)),
        Case("float64 logits (values keep their dtype), k=1", (rng.standard_normal((2, 8)), 1)),
        Case("k equal to the number of classes (a full ranking)", (probs(7), 7)),
        Case("k=12 for a (10,) vector: more than the 10 classes", (probs(10), 12),
             raises=ValueError, raises_mentions=("12", "10")),
    ]


def _sorted_desc(probs, axis=-1, stable=True):
    return np.argsort(-probs, axis=axis, kind="stable" if stable else None)


def _pair(probs, order):
    return order.astype(np.int64), np.take_along_axis(probs, order, axis=-1)


def _along_axis0(probs, k):
    order = _sorted_desc(probs, axis=0)[:k]
    return order.astype(np.int64), np.take_along_axis(probs, order, axis=0)


def _flattened(probs, k):
    order = _sorted_desc(probs.ravel())[:k]
    return order.astype(np.int64), probs.ravel()[order]


register(Exercise(
    name="top_k",
    notebook=NOTEBOOK,
    reference=top_k,
    cases=_top_k_cases,
    summary="indices and values of the k largest scores, largest first",
    hint="""
        np.argsort sorts ascending; sort the negated values to get the largest first:
        `order = np.argsort(-probs, axis=-1, kind="stable")[..., :k]`. kind="stable" keeps equal
        values in index order. Pick the values with np.take_along_axis(probs, order, axis=-1), return
        (order.astype(np.int64), values), and raise ValueError naming k and the class count when
        k is larger than the number of classes.
    """,
    mistakes=[
        Mistake("ex03_topk.todo1", "you returned (values, indices); the contract is (indices, values).",
                detect=lambda run: isinstance(run.got, tuple) and len(run.got) == 2
                and np.issubdtype(_dtype(run.got[0]), np.floating)
                and np.issubdtype(_dtype(run.got[1]), np.integer)),
        Mistake("ex03_topk.todo2", "your indices are not int64: convert with order.astype(np.int64).",
                detect=lambda run: _dtype(run.got[0]) is not None and _dtype(run.got[0]) != np.int64),
        Mistake("ex03_topk.todo3", "your values changed dtype: take them from the input array as they are "
                "(np.take_along_axis keeps float32 float32).",
                detect=lambda run: _dtype(run.got[1]) is not None and _dtype(run.got[1]) != run.expected[1].dtype),
        Mistake("ex03_topk.todo4", "your top K is in ascending order (smallest first): np.argsort sorts ascending, so "
                "sort -probs instead (or reverse before slicing).",
                impl=lambda probs, k=5: _pair(probs, np.argsort(probs, axis=-1, kind="stable")[..., -k:])),
        Mistake("ex03_topk.todo5", "you took the k SMALLEST values: np.argsort sorts ascending, so argsort(p)[:k] are "
                "the least likely classes. Sort -probs instead.",
                impl=lambda probs, k=5: _pair(probs, np.argsort(probs, axis=-1, kind="stable")[..., :k])),
        Mistake("ex03_topk.todo6", "you sorted along axis 0 (across the images). For (N, C) probabilities the classes "
                "are the last axis: argsort(..., axis=-1) and slice [..., :k].",
                impl=lambda probs, k=5: _along_axis0(probs, k)),
        Mistake("ex03_topk.todo7", "you ranked the whole (N, C) array at once (flattened). Rank each row on its own: "
                "argsort along axis=-1.",
                impl=lambda probs, k=5: _flattened(probs, k)),
        Mistake("ex03_topk.todo8", "equal values come out highest index first. Reversing an ascending sort reverses the "
                "ties too: sort the negated values with kind='stable' so ties keep the lower index first.",
                impl=lambda probs, k=5: _pair(probs, np.argsort(probs, axis=-1, kind="stable")[..., ::-1][..., :k])),
        Mistake("ex03_topk.todo9", "np.argpartition finds the top k but does not sort them: sort those k by value "
                "(or use argsort).",
                impl=lambda probs, k=5: _pair(probs, np.argpartition(-probs, k - 1, axis=-1)[..., :k])),
        Mistake("ex03_topk.todo10", "equal values must keep the lower index first; NumPy's default sort is not stable. "
                "Pass kind='stable' to np.argsort.",
                impl=lambda probs, k=5: _pair(probs, _sorted_desc(probs, stable=False)[..., :k])),
    ],
))


# --------------------------------------------------------------------------- #
# parse_labels
# --------------------------------------------------------------------------- #
SYNSETS = ("n01440764 tench, Tinca tinca\n"
           "n01443537 goldfish, Carassius auratus\n"
           "n01484850 great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias\n"
           "n01491361 tiger shark, Galeocerdo cuvieri\n")


def _parse_cases():
    return [
        Case("a plain file: one name a line", ("cat\ndog\nhot dog\n",)),
        Case("a synset file ('n01440764 tench, Tinca tinca')", (SYNSETS,)),
        Case("a plain file with blank lines at the end", ("background\nperson\nbicycle\n\n\n",)),
        Case("Windows line endings (\\r\\n)", ("red_circle\r\nblue_circle\r\nred_square\r\n",)),
        Case("names with spaces around them", ("  tench \n\tgoldfish\n great white shark\n",)),
        Case("names with apostrophes and hyphens", ("jack-o'-lantern\npotter's wheel\nT-shirt",)),
        Case("an empty line in the middle (line 3 of 4)", ("cat\ndog\n\nbird\n",),
             raises=ValueError, raises_mentions=("3",)),
        Case("a file PATH instead of the file's text ('helpers/data/imagenet_classes.txt')",
             ("helpers/data/imagenet_classes.txt",), raises=ValueError, raises_mentions=("path",)),
    ]


_SYNSET = re.compile(r"^n\d{8}")


def _labels(run):
    return run.got if isinstance(run.got, list) else []


register(Exercise(
    name="parse_labels",
    notebook=NOTEBOOK,
    reference=parse_labels,
    cases=_parse_cases,
    summary="class names from the text of a plain or synset label file",
    hint="""
        Strip the blank lines at the END only (`text.rstrip().splitlines()`), then for each line:
        strip spaces; an empty line now is a hole in the class list, so raise ValueError naming
        its line number; a synset line (`n` + 8 digits, a space, names) keeps the first name after
        the id (split off the id, then split on ","). A single line that ends in .txt is a path,
        not a label file: raise ValueError mentioning "path" and tell the caller to read the file.
    """,
    mistakes=[
        Mistake("ex03_topk.todo11", "your labels keep the synset ids ('n01440764 tench'): drop the 'n' + 8 digits and "
                "the space that follows.",
                detect=lambda run: any(_SYNSET.match(str(name)) for name in _labels(run))),
        Mistake("ex03_topk.todo12", "your labels keep every synonym ('tench, Tinca tinca'): a synset line's label is its "
                "first name, the text before the first comma.",
                detect=lambda run: any("," in str(name) for name in _labels(run))),
        Mistake("ex03_topk.todo13", "your list ends with empty names: blank lines at the end of the file are not classes. "
                "Strip the end of the text first (text.rstrip()).",
                detect=lambda run: bool(_labels(run)) and _labels(run)[-1] == ""),
        Mistake("ex03_topk.todo14", "your names keep spaces, tabs or '\\r' around them: strip each line.",
                detect=lambda run: any(str(n) != str(n).strip() for n in _labels(run))),
        Mistake("ex03_topk.todo15", "you split the line on spaces and kept one word; names have spaces ('great white "
                "shark'). Remove only the id, then split on commas.",
                detect=lambda run: "great" in _labels(run) or "white" in _labels(run)),
    ],
))


# --------------------------------------------------------------------------- #
# decode_predictions
# --------------------------------------------------------------------------- #
NAMES10 = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray",
           "stingray", "cock", "hen", "ostrich"]


def _decode_cases():
    rng = np.random.default_rng(1)
    probs = lambda *shape: softmax((rng.standard_normal(shape) * 2).astype(np.float32))  # noqa: E731
    return [
        Case("one image: a (10,) probability vector, k=3", (probs(10), NAMES10, 3)),
        Case("(3, 10) probabilities, the default k=5", (probs(3, 10), NAMES10)),
        Case("(2, 10) probabilities as a tuple of labels, k=1", (probs(2, 10), tuple(NAMES10), 1)),
        Case("7 labels for 10 classes", (probs(2, 10), NAMES10[:7]),
             raises=ValueError, raises_mentions=("7", "10")),
        Case("1000 labels for a 1001-class model (a background class first)",
             (probs(1, 1001), [f"class {i}" for i in range(1000)]),
             raises=ValueError, raises_mentions=("1000", "1001")),
    ]


def _compare_decoded(expected, got):
    """Lists (one per image) of lists of (int, str, float) tuples; probabilities within 1e-6."""
    if not isinstance(got, list) or len(got) != len(expected):
        return f"the result should be a list with one entry per image ({len(expected)}), not {describe(got)}"
    for n, (want_row, got_row) in enumerate(zip(expected, got)):
        if not isinstance(got_row, list) or len(got_row) != len(want_row):
            return f"entry {n} should be a list of {len(want_row)} tuples, not {describe(got_row)}"
        for j, (want, item) in enumerate(zip(want_row, got_row)):
            where = f"image {n}, rank {j}"
            if not isinstance(item, tuple) or len(item) != 3:
                return f"{where} should be a tuple (class_index, label, probability), not {describe(item)}"
            index, label, prob = item
            if type(index) is not int or type(label) is not str or type(prob) is not float:
                return (f"{where} is ({type(index).__name__}, {type(label).__name__}, {type(prob).__name__}); "
                        f"expected plain (int, str, float)")
            if index != want[0] or label != want[1] or abs(prob - want[2]) > 1e-6:
                return f"{where} is {item!r}; expected {want!r}"
    return None


def _items(run):
    return [item for row in run.got for item in row] if isinstance(run.got, list) else []


def _shifted(run):
    labels = run.case.args[1]
    for item in _items(run):
        index, label = item[0], item[1]
        if label != labels[index] and label in (labels[(index + 1) % len(labels)], labels[index - 1]):
            return True
    return False


register(Exercise(
    name="decode_predictions",
    notebook=NOTEBOOK,
    reference=decode_predictions,
    cases=_decode_cases,
    compare=_compare_decoded,
    summary="top-k (class_index, label, probability) per image",
    hint="""
        Treat a (C,) vector as one image (probs[np.newaxis]). Check len(labels) against
        probs.shape[-1] first and raise ValueError naming both numbers. Then top_k(probs, k)
        gives (indices, values) of shape (N, k); build one list per image of
        (int(index), labels[index], float(value)) tuples. int() and float() turn NumPy
        scalars into plain Python numbers.
    """,
    mistakes=[
        Mistake("ex03_topk.todo16", "for a single (C,) vector return a list with ONE entry (that image's list of "
                "tuples): treat it as a batch of one with probs[np.newaxis].",
                detect=lambda run: isinstance(run.got, list) and len(run.got) == len(run.expected[0])
                and all(isinstance(x, tuple) for x in run.got)),
        Mistake("ex03_topk.todo17", "your tuples hold NumPy numbers (np.int64, np.float32): convert with int() and float(). "
                "NumPy scalars print as np.float32(0.96) and json.dumps refuses them.",
                detect=lambda run: any(isinstance(v, np.generic) for item in _items(run) for v in item)),
        Mistake("ex03_topk.todo18", "the tuple order is (class_index, label, probability).",
                detect=lambda run: any(isinstance(item, tuple) and len(item) == 3
                                       and not isinstance(item[0], (int, np.integer)) for item in _items(run))),
        Mistake("ex03_topk.todo19", "your probabilities are percentages; keep them as fractions in [0, 1] (format them "
                "as percentages only when you print).",
                detect=lambda run: any(isinstance(item[2], (float, np.floating)) and item[2] > 1.0001
                                       for item in _items(run))),
        Mistake("ex03_topk.todo20", "your labels are shifted by one (labels[index + 1] or labels[index - 1]): the label "
                "of class i is labels[i].",
                detect=_shifted),
        Mistake("ex03_topk.todo21", "your predictions are in ascending order; best first, as top_k gives them.",
                detect=lambda run: any(len(row) > 1 and row[0][2] < row[-1][2] for row in run.got)),
    ],
))
