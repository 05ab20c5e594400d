"""Class indices to names: the top K of a probability vector and the label file that names them."""
import re

import numpy as np

_SYNSET_ID = re.compile(r"^n\d{8}\s+")  # "n01440764 tench, Tinca tinca"
_FILE_NAME = re.compile(r"\.(txt|names|labels|csv|json)$", re.IGNORECASE)
# A label file's lines end in \n, \r\n or \r, and nothing else: str.splitlines also splits on
# \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029, which would make two classes of one line.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def top_k(probs, k=5):
    """The ``k`` largest values and their indices, largest first.

    probs: (C,) or (N, C) array of probabilities or logits (real numbers), without NaN.
    k: an int from 1 to C (a float such as 2.0 raises TypeError: pass int(k)).
    Returns (indices, values): int64 indices and values of ``probs``' dtype, both of
    shape (k,) or (N, k). Equal values keep the lower index first.
    """
    probs = np.asarray(probs)
    if probs.dtype.kind not in "biuf":  # bool, signed and unsigned integers, floats
        raise TypeError(f"top_k expects real scores, got dtype {probs.dtype}")
    if probs.ndim not in (1, 2):
        raise ValueError(f"top_k expects a (C,) or (N, C) array, got shape {probs.shape}")
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        example = int(k) if isinstance(k, float) and k.is_integer() else 5
        raise TypeError(f"top_k: k must be an int (how many classes to keep), got {k!r} "
                        f"({type(k).__name__}); pass e.g. k={example}")
    classes = probs.shape[-1]
    if not 1 <= k <= classes:
        raise ValueError(f"k must be between 1 and the number of classes {classes}, got k={k}")
    rows = probs.reshape(-1, classes)
    if rows.dtype == bool or np.issubdtype(rows.dtype, np.unsignedinteger):
        rows = rows.astype(np.int64)  # quantised uint8 scores: -x must not wrap around below 0
    # 1. argpartition moves the k largest to the end, unordered, in linear time
    #    (a full sort of 1000 classes to keep 5 does 200 times too much work).
    chosen = np.argpartition(rows, classes - k, axis=-1)[:, classes - k:]
    values = np.take_along_axis(rows, chosen, axis=-1)
    if np.isnan(values).any():  # NaN sorts as the largest, so any NaN is among the chosen
        raise ValueError("top_k got NaN scores: the model's output is broken upstream")
    # 2. Order the k chosen: largest first, equal values by lower index (lexsort's
    #    last key is the primary one).
    indices = np.take_along_axis(chosen, np.lexsort((chosen, -values), axis=-1), axis=-1)
    # 3. A tie at the cut (another class equal to the k-th value) may have been left out
    #    in favour of a higher index; redo those rare rows with a full stable sort.
    kth = np.take_along_axis(rows, indices[:, -1:], axis=-1)
    tied = (rows >= kth).sum(axis=-1) > k
    if tied.any():
        indices[tied] = np.argsort(-rows[tied], axis=-1, kind="stable")[:, :k]
    indices = indices.astype(np.int64).reshape(probs.shape[:-1] + (k,))
    return indices, np.take_along_axis(probs, indices, axis=-1)


def parse_labels(text):
    """Class names from the text of a label file, one class a line, in class order.

    text: the file's contents (not its path). Plain lines ("tench") are kept as they
    are, stripped of surrounding spaces; synset lines ("n01440764 tench, Tinca tinca")
    give their first name ("tench"). Lines end in "\\n", "\\r\\n" or "\\r" only: other
    characters str.splitlines breaks on (form feed, vertical tab, U+0085, U+2028, ...)
    stay inside the line, so one line is always one class. A leading byte-order mark
    (U+FEFF, which Notepad writes) is dropped. Blank lines at the end are ignored; a
    blank line before the last name raises ValueError, because it would shift every
    later index. An empty text gives [].
    Returns a list of str.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_labels expects the text of a label file (str), got {type(text).__name__}; "
                        f"read it first: Path(path).read_text()")
    text = text.removeprefix("\ufeff").rstrip()  # a byte-order mark is no part of the first name
    lines = _LINE_BREAK.split(text) if text else []
    if len(lines) == 1 and _FILE_NAME.search(lines[0].strip()):
        raise ValueError(f"parse_labels got {lines[0].strip()!r}, which looks like a file path: "
                         f"pass the file's text, e.g. parse_labels(Path(path).read_text())")
    names = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            raise ValueError(f"line {number} of the label text is empty: every class needs a name "
                             f"(a missing one shifts all later indices)")
        if _SYNSET_ID.match(line):
            line = _SYNSET_ID.sub("", line).split(",")[0].strip()
        names.append(line)
    return names


def decode_predictions(probs, labels, k=5):
    """The top ``k`` classes of each image, named.

    probs: (C,) (one image) or (N, C) probabilities; labels: C class names.
    Returns a list with one entry per image, each a list of k tuples
    (class_index, label, probability) as plain Python int, str and float, best first.
    Raises ValueError when the number of labels differs from the number of classes.
    """
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"decode_predictions: labels must be a list of class names, got the text "
                        f"{labels[:40]!r}...; split it into names first: labels = parse_labels(text)")
    probs = np.asarray(probs)
    if probs.ndim == 1:
        probs = probs[np.newaxis]
    if len(labels) != probs.shape[-1]:
        raise ValueError(f"{len(labels)} labels for {probs.shape[-1]} classes: this label file does not "
                         f"belong to this model (models with a background class have one class more)")
    indices, values = top_k(probs, k)
    return [[(int(i), labels[i], float(v)) for i, v in zip(row_indices, row_values)]
            for row_indices, row_values in zip(indices, values)]
