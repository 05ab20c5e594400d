"""Notebook 07 checks reject what learners really write, and accept correct variants."""
import hashlib
import re
import unicodedata

import numpy as np

from helpers.saving import FORBIDDEN_CHARS, WINDOWS_RESERVED, clean_component

from .conftest import assert_accepted, assert_rejected

# --------------------------------------------------------------------------- #
# clean_component
# --------------------------------------------------------------------------- #
CLEAN = "clean_component"


def test_clean_raw_label():
    assert_rejected(CLEAN, lambda text: text, "raw")


def test_clean_only_slash_removed():
    assert_rejected(CLEAN, lambda text: text.replace("/", "_"), "only replaced '/'")


def test_clean_os_sep_and_basename():
    import os
    assert_rejected(CLEAN, lambda text: os.path.basename(text.replace("\\", "/")) or "_", "last part")


def test_clean_keeps_dot_names():
    def clean_component(text):
        text = unicodedata.normalize("NFC", text)
        name = "".join("_" if c in FORBIDDEN_CHARS or ord(c) < 32 or ord(c) == 127 else c for c in text)
        name = name.rstrip(". ")
        if name.split(".")[0].upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "'..'")


def test_clean_keeps_reserved_names():
    def clean_component(text):
        text = unicodedata.normalize("NFC", text)
        name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]', "_", text).rstrip(". ")
        return "_" + name if not name or name.startswith(".") else name
    assert_rejected(CLEAN, clean_component, "device name")


def test_clean_keeps_trailing_dots():
    def clean_component(text):
        text = unicodedata.normalize("NFC", text)
        name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]', "_", text).strip()
        if not name or name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "ends with a dot")


def test_clean_forgets_nfc():
    def clean_component(text):
        name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]', "_", text).rstrip(". ")
        if not name or name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "NFC")


def test_clean_correct_variants():
    bad = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')

    def with_regex(text):
        name = bad.sub("_", unicodedata.normalize("NFC", text))
        while name.endswith((".", " ")):
            name = name[:-1]
        stem = name.partition(".")[0].rstrip()
        if name == "" or name[0] == "." or stem.upper() in WINDOWS_RESERVED:
            return "_" + name
        return name

    def with_translate(text):
        table = {ord(c): "_" for c in FORBIDDEN_CHARS} | {i: "_" for i in list(range(32)) + [127]}
        name = unicodedata.normalize("NFC", text).translate(table).rstrip(". ")
        reserved = name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED
        return "_" + name if (not name or name.startswith(".") or reserved) else name
    assert_accepted(CLEAN, with_regex)
    assert_accepted(CLEAN, with_translate)


# --------------------------------------------------------------------------- #
# safe_label_dirname
# --------------------------------------------------------------------------- #
SAFE = "safe_label_dirname"


def _h(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def test_safe_raw_label():
    assert_rejected(SAFE, lambda label: label, "raw")


def test_safe_only_slash_removed():
    assert_rejected(SAFE, lambda label: label.replace("/", "_"), "only replaced '/'")


def test_safe_reserved_kept():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]', "_", text).rstrip(". ")
        if not name or name.startswith("."):
            name = "_" + name
        if (name == text and text == text.casefold() and not re.search(r"-[0-9a-f]{8}$", text)
                and len(text.encode()) <= 100):
            return name
        return name.encode()[:91].decode(errors="ignore") + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "device name")


def test_safe_no_hash_at_all():
    assert_rejected(SAFE, lambda label: clean_component(label), "no hash")


def test_safe_lowercases_and_merges_cat_with_cat():
    def safe_label_dirname(label):
        return clean_component(label.lower())
    assert_rejected(SAFE, safe_label_dirname)


def test_safe_no_case_rule():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name != text or len(text.encode()) > 100:
            name = name.encode()[:91].decode(errors="ignore") + "-" + _h(text)
        return name
    assert_rejected(SAFE, safe_label_dirname, "casefold")


def test_safe_hash_of_cleaned_name():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name != text or text != text.casefold() or len(text.encode()) > 100:
            name = name.encode()[:91].decode(errors="ignore") + "-" + _h(name)
        return name
    assert_rejected(SAFE, safe_label_dirname, "hashed the cleaned name")


def test_safe_always_hash():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        return clean_component(text).encode()[:91].decode(errors="ignore") + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "plain lowercase")


def _learner_dirname(cut, checks_suffix=True):
    """A learner's safe_label_dirname, right except for how it cuts the name (and the suffix rule)."""
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        looks_suffixed = checks_suffix and re.search(r"-[0-9a-f]{8}$", text)
        if name == text and text == text.casefold() and not looks_suffixed and len(text.encode()) <= 100:
            return name
        return cut(name) + "-" + _h(text)
    return safe_label_dirname


def test_safe_cuts_characters_not_bytes():
    assert_rejected(SAFE, _learner_dirname(lambda name: name[:91]), "bytes")


def test_safe_cuts_inside_a_character():
    assert_rejected(SAFE, _learner_dirname(lambda name: name.encode()[:91].decode(errors="replace")),
                    "middle of a character")


def test_safe_forgets_the_suffix_lookalike():
    cut = _learner_dirname(lambda name: name.encode()[:91].decode(errors="ignore"), checks_suffix=False)
    assert_rejected(SAFE, cut, "ends like a hash suffix")


def test_safe_correct_variant():
    suffix = re.compile(r"-[0-9a-f]{8}$")

    def safe_label_dirname(label):
        nfc = unicodedata.normalize("NFC", label)
        cleaned = clean_component(nfc)
        needs_hash = (cleaned != nfc or nfc.casefold() != nfc or suffix.search(nfc) is not None
                      or len(nfc.encode("utf-8")) > 100)
        if not needs_hash:
            return cleaned
        head = cleaned
        while len(head.encode("utf-8")) > 91:
            head = head[:-1]
        return f"{head}-{hashlib.sha256(nfc.encode('utf-8')).hexdigest()[:8]}"
    assert_accepted(SAFE, safe_label_dirname)


# --------------------------------------------------------------------------- #
# to_coco_results
# --------------------------------------------------------------------------- #
COCO = "to_coco_results"


def _finite_or_raise(boxes_xyxy, scores):
    if np.isnan(np.asarray(scores, float)).any() or np.isnan(np.asarray(boxes_xyxy, float)).any():
        raise ValueError("NaN in the detections")


def test_coco_bbox_left_as_xyxy():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]), "bbox": b.tolist(),
                 "score": float(s)} for b, s, c in zip(np.asarray(boxes_xyxy, float), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "[x1, y1, x2, y2]")


def test_coco_plus_one():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        out = []
        for (x1, y1, x2, y2), s, c in zip(np.asarray(boxes_xyxy).tolist(), scores, class_ids):
            out.append({"image_id": int(image_id), "category_id": int(category_ids[c]),
                        "bbox": [x1, y1, x2 - x1 + 1, y2 - y1 + 1], "score": float(s)})
        return out
    assert_rejected(COCO, to_coco_results, "added 1")


def test_coco_numpy_floats():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        xywh = np.asarray(boxes_xyxy).copy()
        xywh[:, 2:] -= xywh[:, :2]
        return [{"image_id": image_id, "category_id": category_ids[c], "bbox": list(b), "score": s}
                for b, s, c in zip(xywh, scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "json.dumps cannot serialise")


def test_coco_class_index_as_category():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        b = np.asarray(boxes_xyxy, float)
        return [{"image_id": int(image_id), "category_id": int(c),
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(s)}
                for (x1, y1, x2, y2), s, c in zip(b.tolist(), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "category_ids[class_id]")


def test_coco_nan_passed_through():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        b = np.asarray(boxes_xyxy, float)
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]),
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(s)}
                for (x1, y1, x2, y2), s, c in zip(b.tolist(), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "instead of raising ValueError")


def test_coco_float64_scalars():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        b = np.asarray(boxes_xyxy, np.float64)
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]),
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "score": np.float64(s)}
                for (x1, y1, x2, y2), s, c in zip(b, scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "float64")


def test_coco_correct_variants():
    def with_tolist(image_id, boxes_xyxy, scores, class_ids, category_ids):
        boxes = np.asarray(boxes_xyxy, np.float64)
        scores = np.asarray(scores, np.float64)
        if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
            raise ValueError("NaN or inf in boxes or scores")
        if boxes.size == 0:
            return []
        xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        return [dict(image_id=int(image_id), category_id=int(category_ids[c]), bbox=b, score=s)
                for b, s, c in zip(xywh.tolist(), scores.tolist(), np.asarray(class_ids).tolist())]

    def with_loop(image_id, boxes_xyxy, scores, class_ids, category_ids):
        results = []
        for box, score, cls in zip(boxes_xyxy, scores, class_ids):
            x1, y1, x2, y2 = (float(v) for v in box)
            score = float(score)
            if score != score or any(v != v for v in (x1, y1, x2, y2)):
                raise ValueError(f"NaN in detection {len(results)}")
            results.append({"image_id": int(image_id), "category_id": int(category_ids[int(cls)]),
                            "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score})
        return results
    assert_accepted(COCO, with_tolist)
    assert_accepted(COCO, with_loop)
