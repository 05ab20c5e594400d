"""Notebook 07: saving results. Safe folder names for labels, and COCO detection results."""
import hashlib
import json
import re
import unicodedata

import numpy as np

from ..saving import FORBIDDEN_CHARS, WINDOWS_RESERVED, clean_component, safe_label_dirname, to_coco_results
from .core import Case, Exercise, Mistake, describe, register

NOTEBOOK = "07_saving_results"

NFD_CAFE = unicodedata.normalize("NFD", "café")
ATTACKS = ["../x", "/abs", "a/b", "a\\b", "C:evil", "CON", "nul.txt", "COM1", "", ".", "..", "tabby.",
           "tabby ", ".ipynb_checkpoints", "tab\tby", NFD_CAFE]


def _label_of(run):
    return run.case.args[0]


# --------------------------------------------------------------------------- #
# clean_component
# --------------------------------------------------------------------------- #
def _clean_cases():
    return [Case(f"the label {label!r}", (label,)) for label in
            ["tabby", "tiger cat", "猫", "café"] + ATTACKS + ["a:b*c?d", 'say "hi"', "x" * 120]]


def _unsafe_chars(text):
    return any(c in FORBIDDEN_CHARS or ord(c) < 32 or ord(c) == 127 for c in str(text))


def _raw(run):
    return run.got == _label_of(run) and _unsafe_chars(run.got)


def _basename(run):
    label = _label_of(run)
    return ("/" in label or "\\" in label) and run.got == label.replace("\\", "/").rsplit("/", 1)[-1]


def _only_slash(run):
    label = _label_of(run)
    return "/" in label and run.got == label.replace("/", "_")


def _dot_name(run):
    return run.got in ("", ".", "..") or str(run.got).startswith(".")


def _reserved(run):
    if str(run.got).split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        return True  # or the device name kept, then hidden behind a hash suffix:
    return clean_component(_label_of(run)).startswith("_") and "_" + str(run.got) == run.expected


RAW = Mistake("ex07_saving.todo1", "you used the label raw as a folder name: '../x' climbs out of out_dir and '/abs' throws "
              "the join away. Replace the separators and the other FORBIDDEN_CHARS with '_'.", detect=_raw)
BASENAME = Mistake("ex07_saving.todo2", "you kept only the last part of the path (like os.path.basename): '../x' and 'x' would "
                   "share a folder. Replace each separator with '_' instead of cutting.", detect=_basename)
BACKSLASH = Mistake("ex07_saving.todo3", "you only replaced '/': a backslash is a separator on Windows. Replace every character "
                    "in FORBIDDEN_CHARS with '_'.", detect=lambda run: "\\" in str(run.got))
SEPARATOR = Mistake("ex07_saving.todo4", "a separator is still in the name: replace every character in FORBIDDEN_CHARS "
                    "(both '/' and '\\') with '_'.", detect=lambda run: "/" in str(run.got))
FORBIDDEN = Mistake("ex07_saving.todo5", "Windows forbids ':' '*' '?' '\"' '<' '>' '|' and control characters (a tab, a NUL byte) in "
                    "file names ('C:evil' even names a drive). Replace every character in FORBIDDEN_CHARS and "
                    "every ord(c) < 32 or == 127 with '_'.", detect=lambda run: _unsafe_chars(run.got))
DOT_NAME = Mistake("ex07_saving.todo6", "'.', '..' and '' are not folder names ('..' is the parent folder) and a name starting "
                   "with '.' is hidden (or is '.ipynb_checkpoints'): put '_' in front of those.",
                   detect=_dot_name)
RESERVED = Mistake("ex07_saving.todo7", "a Windows device name is still there (CON, NUL.txt, COM1): Windows cannot create these, "
                   "with or without an extension. Put '_' in front when name.split('.')[0].rstrip(' ').upper() "
                   "is in WINDOWS_RESERVED.", detect=_reserved)
TRAILING = Mistake("ex07_saving.todo8", "the name ends with a dot or a space, which Windows silently drops (so 'tabby.' and 'tabby' "
                   "become one folder): strip them with .rstrip('. ').",
                   detect=lambda run: str(run.got).endswith((".", " ")))
NOT_NFC = Mistake("ex07_saving.todo9", "the name is not NFC-normalised: 'café' typed on a Mac is 'e' + a combining accent. Start "
                  "with unicodedata.normalize('NFC', text).",
                  detect=lambda run: isinstance(run.got, str) and not unicodedata.is_normalized("NFC", run.got))

register(Exercise(
    name="clean_component",
    notebook=NOTEBOOK,
    reference=clean_component,
    cases=_clean_cases,
    summary="a label made into one safe path component",
    hint="""
        Work in this order: unicodedata.normalize("NFC", text); replace every character in
        FORBIDDEN_CHARS and every control character (ord < 32 or == 127) with "_";
        strip trailing dots and spaces with .rstrip(". "); finally put "_" in front when
        the name is empty, starts with ".", or name.split(".")[0].rstrip(" ").upper() is
        in WINDOWS_RESERVED.
    """,
    mistakes=[RAW, BASENAME,
              Mistake("ex07_saving.todo10", "you only replaced '/': a backslash is a separator on Windows, ':' '*' '?' are forbidden "
                      "there, and '..' is still a leading dot. Replace every character in FORBIDDEN_CHARS, "
                      "then handle trailing dots, leading dots and device names.", detect=_only_slash),
              BACKSLASH, SEPARATOR, FORBIDDEN, DOT_NAME, RESERVED, TRAILING, NOT_NFC],
))


# --------------------------------------------------------------------------- #
# safe_label_dirname
# --------------------------------------------------------------------------- #
def _dirname_cases():
    labels = (ATTACKS + ["tabby", "tiger cat", "猫", "a_b", "Cat", "CAT", "Egyptian cat", "straße",
                         "cat-0123abcd", "x" * 300, "é" * 80, "猫" * 40, "a_b" + "x" * 98])
    return [Case(f"the label {label!r}" if len(label) < 30 else f"a {len(label.encode())}-byte label "
                 f"({label[:3]!r}...)", (label,)) for label in labels]


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _hash_of_cleaned(label):
    text = unicodedata.normalize("NFC", label)
    name = clean_component(text)
    if name == text and text == text.casefold():
        return name
    return name.encode("utf-8")[:91].decode("utf-8", errors="ignore") + "-" + _digest(name)


def _no_case_rule(label):
    text = unicodedata.normalize("NFC", label)
    name = clean_component(text)
    if name == text and len(text.encode("utf-8")) <= 100:
        return name
    return name.encode("utf-8")[:91].decode("utf-8", errors="ignore") + "-" + _digest(text)


def _always_hash(label):
    text = unicodedata.normalize("NFC", label)
    return clean_component(text).encode("utf-8")[:91].decode("utf-8", errors="ignore") + "-" + _digest(text)


def _too_long(run):
    return isinstance(run.got, str) and len(run.got.encode("utf-8")) > 100


register(Exercise(
    name="safe_label_dirname",
    notebook=NOTEBOOK,
    reference=safe_label_dirname,
    cases=_dirname_cases,
    summary="a safe folder name per label, distinct even on case-insensitive disks",
    hint="""
        text = unicodedata.normalize("NFC", label); name = clean_component(text).
        The label is "plain" when name == text, text == text.casefold(), text does not end
        like a suffix (re.search(r"-[0-9a-f]{8}$", text) is None) and it fits in 100 bytes:
        then return name. Otherwise return the name cut to 91 UTF-8 bytes
        (.encode("utf-8")[:91].decode("utf-8", errors="ignore")) + "-" +
        hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]. Hash the NFC label, not the
        cleaned name.
    """,
    mistakes=[
        RAW, BASENAME,
        Mistake("ex07_saving.todo11", "you only replaced '/': a backslash is a separator on Windows, and CON or '..' are no folder "
                "names either. Clean the label with clean_component first.", detect=_only_slash),
        BACKSLASH, SEPARATOR, FORBIDDEN, DOT_NAME, RESERVED, TRAILING, NOT_NFC,
        Mistake("ex07_saving.todo12", "'cat-0123abcd' already ends like a hash suffix, so it could be the hashed name of another "
                "label: give such labels a hash too (re.search(r'-[0-9a-f]{8}$', text)).",
                detect=lambda run: bool(re.search(r"-[0-9a-f]{8}$", _label_of(run))) and run.got == _label_of(run)),
        Mistake("ex07_saving.todo13", "'Cat' and 'cat' get folders that differ only in case: on Windows and macOS disks they "
                "are the same folder. Add the hash whenever text != text.casefold().",
                impl=_no_case_rule),
        Mistake("ex07_saving.todo14", "you cleaned the label but added no hash, so labels that clean to the same name ('a/b' and "
                "'a_b', 'Cat' and 'cat' on a case-insensitive disk) share a folder. Add '-' and 8 hex digits "
                "of the SHA-256 of the NFC label whenever the label is not plain.",
                detect=lambda run: run.got == clean_component(_label_of(run)) != run.expected),
        Mistake("ex07_saving.todo15", "you hashed the cleaned name, so labels that clean to the same name ('a/b' and 'a\\\\b' "
                "both become 'a_b') still share a folder. Hash the NFC label itself.",
                impl=_hash_of_cleaned),
        Mistake("ex07_saving.todo16", "a plain lowercase label should keep its name unchanged ('tabby' stays 'tabby') so the "
                "folders stay readable: add the hash only when cleaning changed the label, it is not all "
                "lower case, it ends like a suffix, or it is longer than 100 bytes.",
                impl=_always_hash),
        Mistake("ex07_saving.todo17", "the name holds U+FFFD or a broken character: you cut the UTF-8 bytes in the middle of a "
                "character. Decode the cut bytes with errors='ignore'.",
                detect=lambda run: "\ufffd" in str(run.got)),
        Mistake("ex07_saving.todo18", "the name is longer than 100 bytes: count bytes of UTF-8, not characters ('猫' is 3 "
                "bytes), and cut the name to 91 bytes before adding '-' and 8 hex digits.",
                detect=_too_long),
    ],
))


# --------------------------------------------------------------------------- #
# to_coco_results
# --------------------------------------------------------------------------- #
def _coco_cases():
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 300, (6, 2)).astype(np.float32)
    sizes = rng.uniform(5, 80, (6, 2)).astype(np.float32)
    boxes = np.concatenate([corners, corners + sizes], axis=1)
    scores = rng.uniform(0.3, 1.0, 6).astype(np.float32)
    classes = rng.integers(0, 3, 6)
    return [
        Case("one box [10, 20, 50, 80] of class 0, COCO category ids [1, 3, 7]",
             (42, np.array([[10, 20, 50, 80]], np.float32), np.array([0.9], np.float32), np.array([1]),
              [1, 3, 7])),
        Case("six float32 boxes, scores and int64 class ids, image_id an np.int64",
             (np.int64(139), boxes, scores, classes, [1, 3, 7])),
        Case("no detections at all (boxes of shape (0, 4))",
             (5, np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), [1, 3, 7])),
        Case("a detection whose score is NaN (json.dumps(allow_nan=False) refuses NaN)",
             (5, np.array([[0, 0, 10, 10]], np.float32), np.array([np.nan], np.float32), np.array([0]),
              [1, 3, 7]), raises=ValueError, raises_mentions=("NaN",)),
    ]


def _compare_coco(expected, got):
    if not isinstance(got, list) or len(got) != len(expected):
        return f"the result should be a list of {len(expected)} dicts, not {describe(got)}"
    try:
        json.dumps(got, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"json.dumps(result, allow_nan=False) fails: {exc}"
    for i, (e, g) in enumerate(zip(expected, got)):
        if not isinstance(g, dict) or set(g) != set(e):
            return f"item {i} should be a dict with keys {sorted(e)}, not {describe(g)}"
        for key in ("image_id", "category_id"):
            if type(g[key]) is not int:
                return f"item {i}['{key}'] is {describe(g[key])}; it should be a plain Python int"
        values = [g["score"]] + list(g["bbox"]) if isinstance(g["bbox"], list) else None
        if values is None or len(g["bbox"]) != 4:
            return f"item {i}['bbox'] should be a list of 4 floats [x, y, w, h], not {describe(g['bbox'])}"
        if any(type(v) is not float for v in values):
            kinds = sorted({type(v).__name__ for v in values})
            return f"item {i} holds {', '.join(kinds)} values; bbox and score should be plain Python floats"
        if (g["image_id"], g["category_id"]) != (e["image_id"], e["category_id"]):
            return (f"item {i} has image_id {g['image_id']} and category_id {g['category_id']}; "
                    f"expected {e['image_id']} and {e['category_id']}")
        if not np.allclose(values, [e["score"]] + e["bbox"], atol=1e-4, rtol=1e-6):
            return f"item {i} is {g}; expected {e}"
    return None


def _numpy_values(run):
    try:
        json.dumps(run.got, allow_nan=False)
    except TypeError:
        return True
    return False


def _coco_variant(convert_box, map_class=True):
    def wrong(image_id, boxes_xyxy, scores, class_ids, category_ids):
        boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
        return [{"image_id": int(image_id),
                 "category_id": int(category_ids[int(c)]) if map_class else int(c),
                 "bbox": [float(v) for v in convert_box(b)], "score": float(s)}
                for b, s, c in zip(boxes, np.asarray(scores, np.float64), np.asarray(class_ids))]
    return wrong


register(Exercise(
    name="to_coco_results",
    notebook=NOTEBOOK,
    reference=to_coco_results,
    cases=_coco_cases,
    compare=_compare_coco,
    summary="detections as COCO result dicts that json.dumps accepts",
    hint="""
        Check for NaN or inf first (np.isfinite) and raise ValueError naming NaN. Width is
        x2 - x1 and height y2 - y1 (no +1). Map each class index through category_ids, and
        convert every number with int(...) or float(...): NumPy scalars are not JSON.
    """,
    mistakes=[
        Mistake("ex07_saving.todo19", "your bbox is still [x1, y1, x2, y2]; COCO wants [x, y, width, height] with "
                "width = x2 - x1 and height = y2 - y1.", impl=_coco_variant(lambda b: b)),
        Mistake("ex07_saving.todo20", "you added 1 to width and height (the old pixel-count convention); COCO boxes are "
                "continuous: width = x2 - x1.",
                impl=_coco_variant(lambda b: [b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1])),
        Mistake("ex07_saving.todo21", "your bbox is [centre x, centre y, w, h]; COCO's x, y is the top-left corner.",
                impl=_coco_variant(lambda b: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]])),
        Mistake("ex07_saving.todo22", "category_id is the model's class index; COCO category ids are not 0..N-1 (they have "
                "gaps): use category_ids[class_id].",
                impl=_coco_variant(lambda b: [b[0], b[1], b[2] - b[0], b[3] - b[1]], map_class=False)),
        Mistake("ex07_saving.todo23", "json.dumps cannot serialise your values: they are NumPy scalars (np.float32, np.int64). "
                "Convert each with float(...) or int(...), or use .tolist().",
                detect=_numpy_values),
        Mistake("ex07_saving.todo24", "your numbers are NumPy float64 or int64, which only pass json.dumps by accident; "
                "convert each with float(...) or int(...) so the result is plain Python.",
                detect=lambda run: any(type(v) is not float for d in run.got
                                       for v in [d["score"]] + list(d["bbox"]))),
    ],
))
