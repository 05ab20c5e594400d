"""Notebook 07 checks reject what learners really write, name the mistake, and accept correct variants."""
import hashlib
import json
import math
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from helpers.saving import FORBIDDEN_CHARS, WINDOWS_RESERVED, clean_component

from .conftest import assert_accepted, assert_rejected

# --------------------------------------------------------------------------- #
# clean_component
# --------------------------------------------------------------------------- #
CLEAN = "clean_component"
UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')


def _prefix(name):
    """Step 4 done right, for learners whose mistake is elsewhere."""
    if not name or name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        return "_" + name
    return name


def test_clean_raw_label():
    assert_rejected(CLEAN, lambda text: text, "raw", mistake="clean_component.kept_raw")


def test_clean_only_slash_replaced():
    assert_rejected(CLEAN, lambda text: text.replace("/", "_"), "only replaced '/'",
                    mistake="clean_component.backslash_kept")


def test_clean_everything_but_the_slash():
    def clean_component(text):
        name = re.sub(r'[\\:*?"<>|\x00-\x1f\x7f]', "_", unicodedata.normalize("NFC", text))
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "'/' is still in the name", mistake="clean_component.slash_kept")


def test_clean_os_sep_and_basename():
    assert_rejected(CLEAN, lambda text: os.path.basename(text.replace("\\", "/")) or "_", "last part",
                    mistake="clean_component.basename")


def test_clean_separators_only():
    def clean_component(text):
        name = unicodedata.normalize("NFC", text).replace("/", "_").replace("\\", "_")
        name = re.sub(r"[\x00-\x1f\x7f]", "_", name)
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "Windows forbids", mistake="clean_component.forbidden_kept")


def test_clean_no_control_characters():
    def clean_component(text):
        name = "".join("_" if c in FORBIDDEN_CHARS else c for c in unicodedata.normalize("NFC", text))
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "control character", mistake="clean_component.control_kept")


def test_clean_forgets_del():
    """The issue: DEL (127) left in used to be accepted."""
    def clean_component(text):
        name = unicodedata.normalize("NFC", text)
        name = "".join("_" if c in FORBIDDEN_CHARS or ord(c) < 32 else c for c in name)
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "DEL", "127", mistake="clean_component.del_kept")


def test_clean_control_range_stops_at_30():
    def clean_component(text):
        name = re.sub(r'[/\\:*?"<>|\x00-\x1e\x7f]', "_", unicodedata.normalize("NFC", text))
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "ord(c) < 32", mistake="clean_component.control_kept")


def test_clean_strips_whitespace_first():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text).strip()).rstrip(". ")
        return _prefix(name)
    assert_rejected(CLEAN, clean_component, "stripped a tab", mistake="clean_component.stripped_whitespace")


def test_clean_rstrip_without_argument():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text))
        name = re.sub(r"[\s.]+$", "", name)
        return _prefix(name)
    assert_rejected(CLEAN, clean_component, "no-break space stays", mistake="clean_component.stripped_whitespace")


def test_clean_removes_unsafe_characters():
    def clean_component(text):
        return _prefix(UNSAFE.sub("", unicodedata.normalize("NFC", text)).rstrip(". "))
    assert_rejected(CLEAN, clean_component, "removed the unsafe characters", mistake="clean_component.removed")


def test_clean_replaces_with_a_dash():
    def clean_component(text):
        name = UNSAFE.sub("-", unicodedata.normalize("NFC", text)).rstrip(". ")
        return "-" + name if not name or name.startswith(".") else _prefix(name)
    assert_rejected(CLEAN, clean_component, "not another character", mistake="clean_component.other_replacement")


def test_clean_nfkc():
    def clean_component(text):
        return _prefix(UNSAFE.sub("_", unicodedata.normalize("NFKC", text)).rstrip(". "))
    assert_rejected(CLEAN, clean_component, "NFKC", mistake="clean_component.nfkc")


def test_clean_ascii_only():
    def clean_component(text):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return _prefix(UNSAFE.sub("_", ascii_text).rstrip(". "))
    assert_rejected(CLEAN, clean_component, "non-ASCII", mistake="clean_component.ascii_only")


def test_clean_forgets_nfc():
    def clean_component(text):
        return _prefix(UNSAFE.sub("_", text).rstrip(". "))
    assert_rejected(CLEAN, clean_component, "NFC", mistake="clean_component.not_nfc")


def test_clean_lower_cases():
    assert_rejected(CLEAN, lambda text: clean_component(text).lower(), "case",
                    mistake="clean_component.changed_case")


def test_clean_control_range_includes_the_space():
    def clean_component(text):
        name = unicodedata.normalize("NFC", text)
        name = "".join("_" if c in FORBIDDEN_CHARS or ord(c) <= 32 or ord(c) == 127 else c for c in name)
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "replaced spaces", mistake="clean_component.space_replaced")


def test_clean_whitelist():
    def clean_component(text):
        name = re.sub(r"[^\w .()-]", "_", unicodedata.normalize("NFC", text))
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "allowed in a file name", mistake="clean_component.replaced_allowed")


def test_clean_isprintable():
    def clean_component(text):
        name = unicodedata.normalize("NFC", text)
        name = "".join(c if c.isprintable() and c not in FORBIDDEN_CHARS else "_" for c in name)
        return _prefix(name.rstrip(". "))
    result = assert_rejected(CLEAN, clean_component, "no-break space", mistake="clean_component.replaced_allowed")
    assert "every control character" in result.message  # the case that shows it


def test_clean_category_cc():
    def clean_component(text):
        name = unicodedata.normalize("NFC", text)
        name = "".join("_" if c in FORBIDDEN_CHARS or unicodedata.category(c) == "Cc" else c for c in name)
        return _prefix(name.rstrip(". "))
    assert_rejected(CLEAN, clean_component, "U+0080", mistake="clean_component.replaced_allowed")


def test_clean_strips_both_ends():
    def clean_component(text):
        return _prefix(UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip(". "))
    assert_rejected(CLEAN, clean_component, "start of the name", mistake="clean_component.stripped_start")


def test_clean_cuts_long_names():
    assert_rejected(CLEAN, lambda text: clean_component(text)[:100], "cut", mistake="clean_component.cut")


def test_clean_keeps_trailing_spaces():
    def clean_component(text):
        return _prefix(UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip("."))
    assert_rejected(CLEAN, clean_component, "ends with a dot or a space", mistake="clean_component.trailing_kept")


def test_clean_keeps_trailing_dots():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip()
        return _prefix(name)
    assert_rejected(CLEAN, clean_component, "ends with a dot", mistake="clean_component.trailing_kept")


def test_clean_steps_3_and_4_swapped():
    """The issue: '_' put in front before stripping gives '' for ' ', which used to be accepted."""
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text))
        return _prefix(name).rstrip(". ")
    assert_rejected(CLEAN, clean_component, "step 4 before step 3", mistake="clean_component.steps_swapped")


def test_clean_empty_checked_on_the_input():
    def clean_component(text):
        if not text:
            return "_"
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text))
        if name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name.rstrip(". ")
    assert_rejected(CLEAN, clean_component, "before stripping", mistake="clean_component.steps_swapped")


def test_clean_keeps_dot_names():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if name in ("", ".", "..") or name.split(".")[0].upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "'..'", mistake="clean_component.dot_kept")


def test_clean_forgets_empty():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "''", mistake="clean_component.dot_kept")


def test_clean_replaces_the_leading_dot():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if name.startswith("."):
            name = "_" + name[1:]
        if not name or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "keep the dot", mistake="clean_component.dot_replaced")


def test_clean_device_pattern_misses_superscripts():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        stem = name.split(".")[0].rstrip(" ")
        if not name or name.startswith(".") or re.fullmatch(r"CON|PRN|AUX|NUL|COM\d|LPT\d", stem, re.I):
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "superscript", mistake="clean_component.rare_device_kept")


def test_clean_own_device_list():
    devices = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}

    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith(".") or name.split(".")[0].rstrip(" ").upper() in devices:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "COM0", mistake="clean_component.rare_device_kept")


@pytest.mark.parametrize("stem", [
    pytest.param(lambda name: name, id="whole-name"),
    pytest.param(lambda name: name.split(".")[0].rstrip(" "), id="no-upper"),
    pytest.param(lambda name: name.split(".")[0].upper(), id="no-rstrip"),
    pytest.param(lambda name: os.path.splitext(name)[0].upper(), id="splitext"),
    pytest.param(lambda name: name.upper(), id="no-split"),
])
def test_clean_keeps_reserved_names(stem):
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith(".") or stem(name) in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "device name", mistake="clean_component.device_kept")


def test_clean_any_dot_hides():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or "." in name or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "dot inside", mistake="clean_component.dot_inside_prefixed")


def test_clean_device_prefix_match():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith(".") or name.upper().startswith(tuple(WINDOWS_RESERVED)):
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "whole stem", mistake="clean_component.device_part_prefixed")


def test_clean_device_substring_match():
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith(".") or any(d in name.upper() for d in ("CON", "PRN", "AUX", "NUL")):
            name = "_" + name
        return name
    assert_rejected(CLEAN, clean_component, "only contains a device name",
                    mistake="clean_component.device_part_prefixed")


def test_clean_always_prefixes():
    assert_rejected(CLEAN, lambda text: "_" + UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". "),
                    "needs none", mistake="clean_component.needless_prefix")


def test_clean_returns_bytes():
    assert_rejected(CLEAN, lambda text: clean_component(text).encode("utf-8"), "as a str",
                    mistake="clean_component.not_a_str")


def test_clean_underscore_at_the_end_is_reported_plainly():
    """No rule names it, so the comparison itself is shown (no guess)."""
    def clean_component(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith("."):
            return "_" + name
        return name + "_" if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED else name
    assert_rejected(CLEAN, clean_component, "'CON_'; expected '_CON'", mistake=None)


def test_clean_correct_variants():
    def with_regex(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text))
        while name.endswith((".", " ")):
            name = name[:-1]
        stem = name.partition(".")[0].rstrip(" ")
        if name == "" or name[0] == "." or stem.upper() in WINDOWS_RESERVED:
            return "_" + name
        return name

    def with_translate(text):
        table = {ord(c): "_" for c in FORBIDDEN_CHARS} | {i: "_" for i in list(range(32)) + [127]}
        name = unicodedata.normalize("NFC", text).translate(table).rstrip(". ")
        reserved = name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED
        return "_" + name if (not name or name.startswith(".") or reserved) else name

    def with_loop(text):
        out = []
        for ch in unicodedata.normalize("NFC", text):
            out.append("_" if ch in '/\\:*?"<>|' or ord(ch) < 0x20 or ch == "\x7f" else ch)
        name = re.sub(r"[. ]+$", "", "".join(out))
        if not name or name[:1] == "." or name.split(".", 1)[0].rstrip(" ").upper() in WINDOWS_RESERVED:
            name = f"_{name}"
        return name
    def with_strip_loop_and_strip(text):
        name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", unicodedata.normalize("NFC", text))
        while name[-1:] in (".", " "):
            name = name[:-1]
        hidden_or_empty = name == "" or name.startswith(".")
        return "_" + name if hidden_or_empty or name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED else name
    for variant in (with_regex, with_translate, with_loop, with_strip_loop_and_strip):
        assert_accepted(CLEAN, variant)


# --------------------------------------------------------------------------- #
# safe_label_dirname
# --------------------------------------------------------------------------- #
SAFE = "safe_label_dirname"
SUFFIX = re.compile(r"-[0-9a-f]{8}$")


def _h(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _cut91(name):
    return name.encode("utf-8")[:91].decode("utf-8", errors="ignore")


def _plain(text, name):
    return (name == text and text == text.casefold() and not SUFFIX.search(text)
            and len(text.encode("utf-8")) <= 100)


def test_safe_raw_label():
    assert_rejected(SAFE, lambda label: label, "raw", mistake="safe_label_dirname.clean_kept_raw")


def test_safe_only_slash_replaced():
    assert_rejected(SAFE, lambda label: label.replace("/", "_"), "only replaced '/'",
                    mistake="safe_label_dirname.clean_backslash_kept")


def test_safe_own_cleaning_keeps_the_backslash():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = text.replace("/", "_")
        if _plain(text, name):
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "not clean_component(text)", "backslash",
                    mistake="safe_label_dirname.clean_backslash_kept")


def test_safe_reserved_kept():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]', "_", text).rstrip(". ")
        if not name or name.startswith("."):
            name = "_" + name
        if _plain(text, name):
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "device name", mistake="safe_label_dirname.clean_device_kept")


def test_safe_on_a_clean_component_without_del():
    def clean(text):
        name = "".join("_" if c in FORBIDDEN_CHARS or ord(c) < 32 else c for c in text).rstrip(". ")
        return "_" + name if not name or name.startswith(".") or name.split(".")[0].upper() in WINDOWS_RESERVED \
            else name

    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean(text)
        return name if _plain(text, name) else _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "DEL", mistake="safe_label_dirname.clean_del_kept")


def test_safe_no_hash_at_all():
    assert_rejected(SAFE, lambda label: clean_component(label), "no hash", mistake="safe_label_dirname.no_hash")


def test_safe_hash_only_for_long_labels():
    def safe_label_dirname(label):
        name = clean_component(label)
        if len(name.encode("utf-8")) > 100:
            name = _cut91(name) + "-" + _h(unicodedata.normalize("NFC", label))
        return name
    assert_rejected(SAFE, safe_label_dirname, "no hash", mistake="safe_label_dirname.no_hash")


def test_safe_lowercases_and_adds_no_hash():
    def safe_label_dirname(label):
        return clean_component(label.lower())
    assert_rejected(SAFE, safe_label_dirname, "no hash", mistake="safe_label_dirname.no_hash")


def test_safe_casefolds_before_hashing():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label).casefold()
        name = clean_component(text)
        return name if _plain(text, name) else _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "changed the case", mistake="safe_label_dirname.case_changed")


def test_safe_no_case_rule():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name != text or SUFFIX.search(text) or len(text.encode()) > 100:
            name = _cut91(name) + "-" + _h(text)
        return name
    assert_rejected(SAFE, safe_label_dirname, "casefold", mistake="safe_label_dirname.no_case_rule")


def test_safe_lower_instead_of_casefold():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name == text and text == text.lower() and not SUFFIX.search(text) and len(text.encode()) <= 100:
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "'ss'", mistake="safe_label_dirname.lower_not_casefold")


def test_safe_islower():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name == text and text.islower() and not SUFFIX.search(text) and len(text.encode()) <= 100:
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "islower", mistake="safe_label_dirname.islower_without_letters")


def test_safe_hash_of_cleaned_name():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name != text or text != text.casefold() or SUFFIX.search(text) or len(text.encode()) > 100:
            name = _cut91(name) + "-" + _h(name)
        return name
    assert_rejected(SAFE, safe_label_dirname, "hashed the cleaned name", mistake="safe_label_dirname.hash_of_cleaned")


def test_safe_hash_of_the_label_as_typed():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        return name if _plain(text, name) else _cut91(name) + "-" + _h(label)
    assert_rejected(SAFE, safe_label_dirname, "as typed", mistake="safe_label_dirname.hash_as_typed")


def test_safe_compares_with_the_label_as_typed():
    def safe_label_dirname(label):
        name = clean_component(label)
        if name == label and label == label.casefold() and not SUFFIX.search(label) and len(label.encode()) <= 100:
            return name
        return _cut91(name) + "-" + _h(label)
    assert_rejected(SAFE, safe_label_dirname, "as typed", mistake="safe_label_dirname.compared_as_typed")


def test_safe_measures_the_label_as_typed():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name == text and text == text.casefold() and not SUFFIX.search(text) and len(label.encode()) <= 100:
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "NFD", mistake="safe_label_dirname.measured_as_typed")


def test_safe_measures_utf16():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name == text and text == text.casefold() and not SUFFIX.search(text) and len(text.encode("utf-16-le")) <= 100:
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "fits in 100 bytes", mistake="safe_label_dirname.measured_wrongly")


@pytest.mark.parametrize("test", [
    pytest.param(lambda text: len(text.encode()) < 100, id="less-than-100"),
    pytest.param(lambda text: len(text.encode()) <= 101, id="up-to-101"),
])
def test_safe_length_edge(test):
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if name == text and text == text.casefold() and not SUFFIX.search(text) and test(text):
            return name
        return _cut91(name) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "exactly 100 bytes", mistake="safe_label_dirname.length_edge")


def test_safe_always_hash():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        return _cut91(clean_component(text)) + "-" + _h(text)
    assert_rejected(SAFE, safe_label_dirname, "plain label keeps its name", mistake="safe_label_dirname.always_hashed")


def _learner_dirname(cut=_cut91, plain=_plain, digest=_h, join="{}-{}"):
    """A learner's safe_label_dirname, right except for one part."""
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if plain(text, name):
            return name
        return join.format(cut(name), digest(text))
    return safe_label_dirname


def test_safe_counts_characters_not_bytes():
    """The issue: a char-counted limit used to be told 'you added no hash'."""
    def plain(text, name):
        return name == text and text == text.casefold() and not SUFFIX.search(text) and len(text) <= 100
    result = assert_rejected(SAFE, _learner_dirname(cut=lambda name: name[:91], plain=plain), "counted characters",
                             "bytes", mistake="safe_label_dirname.length_in_chars")
    assert "no hash" not in result.message


def test_safe_cuts_characters_not_bytes():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name[:91]), "91 characters",
                    mistake="safe_label_dirname.cut_in_chars")


def test_safe_cuts_inside_a_character():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name.encode()[:91].decode(errors="replace")),
                    "inside a character", mistake="safe_label_dirname.split_character")


def test_safe_strict_decode_raises():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name.encode()[:91].decode()), "UnicodeDecodeError",
                    "errors='ignore'", status="error", mistake="safe_label_dirname.split_character")


def test_safe_never_cuts():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name), "did not cut", mistake="safe_label_dirname.not_cut")


def test_safe_cuts_to_100_then_adds_the_hash():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name.encode()[:100].decode(errors="ignore")),
                    "longer than 91 bytes", mistake="safe_label_dirname.cut_too_long")


def test_safe_cuts_too_much():
    assert_rejected(SAFE, _learner_dirname(cut=lambda name: name.encode()[:80].decode(errors="ignore")),
                    "cut more than needed", mistake="safe_label_dirname.cut_too_short")


def test_safe_cuts_after_the_hash():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        return name if _plain(text, name) else (name + "-" + _h(text))[:100]
    assert_rejected(SAFE, safe_label_dirname, "cuts the hash off", mistake="safe_label_dirname.cut_after_hash")


def test_safe_no_length_rule_at_all():
    def plain(text, name):
        return name == text and text == text.casefold() and not SUFFIX.search(text)
    assert_rejected(SAFE, _learner_dirname(plain=plain, cut=lambda name: name), "longer than 100 bytes",
                    mistake="safe_label_dirname.too_long")


@pytest.mark.parametrize("digest", [
    pytest.param(lambda text: hashlib.md5(text.encode()).hexdigest()[:8], id="md5"),
    pytest.param(lambda text: hashlib.sha1(text.encode()).hexdigest()[:8], id="sha1"),
    pytest.param(lambda text: hashlib.sha256(text.encode()).hexdigest()[-8:], id="last-8"),
    pytest.param(lambda text: hashlib.sha256(text.encode()).hexdigest()[:8].upper(), id="upper-case"),
    pytest.param(lambda text: f"{hash(text) & 0xFFFFFFFF:08x}", id="python-hash"),
])
def test_safe_wrong_hash_digits(digest):
    assert_rejected(SAFE, _learner_dirname(digest=digest), "first 8 of hashlib.sha256",
                    mistake="safe_label_dirname.wrong_digits")


def test_safe_whole_hexdigest():
    assert_rejected(SAFE, _learner_dirname(digest=lambda text: hashlib.sha256(text.encode()).hexdigest()),
                    "not more or fewer", mistake="safe_label_dirname.hash_length")


def test_safe_joined_with_underscore():
    assert_rejected(SAFE, _learner_dirname(join="{}_{}"), "with '-'", mistake="safe_label_dirname.hash_joined_wrongly")


def test_safe_hash_in_front():
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        return name if _plain(text, name) else _h(text) + "-" + _cut91(name)
    assert_rejected(SAFE, safe_label_dirname, "at the end", mistake="safe_label_dirname.hash_in_front")


def test_safe_forgets_the_suffix_lookalike():
    def plain(text, name):
        return name == text and text == text.casefold() and len(text.encode()) <= 100
    assert_rejected(SAFE, _learner_dirname(plain=plain), "ends like a hash suffix",
                    mistake="safe_label_dirname.suffix_not_hashed")


def test_safe_suffix_with_re_match():
    def plain(text, name):
        return (name == text and text == text.casefold() and not re.match(r"-[0-9a-f]{8}$", text)
                and len(text.encode()) <= 100)
    assert_rejected(SAFE, _learner_dirname(plain=plain), "ends like a hash suffix",
                    mistake="safe_label_dirname.suffix_not_hashed")


@pytest.mark.parametrize("pattern", [r"-[0-9a-f]{8}", r"[0-9a-f]{8}$", r"-\w{8}$", r"-[0-9a-f]{7,}$"])
def test_safe_suffix_pattern_too_broad(pattern):
    def plain(text, name):
        return (name == text and text == text.casefold() and not re.search(pattern, text)
                and len(text.encode()) <= 100)
    assert_rejected(SAFE, _learner_dirname(plain=plain), "does not end like a suffix",
                    mistake="safe_label_dirname.suffix_too_broad")


def test_safe_returns_a_path():
    assert_rejected(SAFE, lambda label: Path(_learner_dirname()(label)), "as a str",
                    mistake="safe_label_dirname.not_a_str")


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

    def with_bytes_loop(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        plain = (name == text == text.casefold() and re.search(r"-[0-9a-f]{8}$", text) is None
                 and len(text.encode()) < 101)
        if plain:
            return name
        data = name.encode()[:91]
        while True:
            try:
                head = data.decode()
                break
            except UnicodeDecodeError:
                data = data[:-1]
        return head + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    def with_early_returns(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        if name != text or text.casefold() != text or re.search("-[0-9a-f]{8}$", text):
            return f"{_cut91(name)}-{digest}"
        if len(text.encode("utf-8")) > 100:
            return f"{_cut91(name)}-{digest}"
        return name
    for variant in (safe_label_dirname, with_bytes_loop, with_early_returns):
        assert_accepted(SAFE, variant)


# --------------------------------------------------------------------------- #
# to_coco_results
# --------------------------------------------------------------------------- #
COCO = "to_coco_results"


def _finite_or_raise(boxes_xyxy, scores):
    if not (np.isfinite(np.asarray(scores, float)).all() and np.isfinite(np.asarray(boxes_xyxy, float)).all()):
        raise ValueError("NaN or inf in the detections")


def _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, box=None, category=None, check=True):
    """A learner's to_coco_results, right except for the box or the category."""
    if check:
        _finite_or_raise(boxes_xyxy, scores)
    out = []
    for (x1, y1, x2, y2), s, c in zip(np.asarray(boxes_xyxy, float).tolist(), scores, class_ids):
        bbox = box(x1, y1, x2, y2) if box else [x1, y1, x2 - x1, y2 - y1]
        cat = category(category_ids, int(c)) if category else category_ids[int(c)]
        out.append({"image_id": int(image_id), "category_id": int(cat), "bbox": bbox, "score": float(s)})
    return out


def test_coco_bbox_left_as_xyxy():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]), "bbox": b.tolist(),
                 "score": float(s)} for b, s, c in zip(np.asarray(boxes_xyxy, float), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "[x1, y1, x2, y2]", mistake="to_coco_results.corners")


def test_coco_plus_one():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        out = []
        for (x1, y1, x2, y2), s, c in zip(np.asarray(boxes_xyxy).tolist(), scores, class_ids):
            out.append({"image_id": int(image_id), "category_id": int(category_ids[c]),
                        "bbox": [x1, y1, x2 - x1 + 1, y2 - y1 + 1], "score": float(s)})
        return out
    assert_rejected(COCO, to_coco_results, "added 1", mistake="to_coco_results.plus_one")


def test_coco_centre():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids,
                     box=lambda x1, y1, x2, y2: [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1])
    assert_rejected(COCO, to_coco_results, "centre", mistake="to_coco_results.centre")


def test_coco_rows_first():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids,
                     box=lambda x1, y1, x2, y2: [y1, x1, y2 - y1, x2 - x1])
    assert_rejected(COCO, to_coco_results, "x first", mistake="to_coco_results.swapped_xy")


def test_coco_numpy_floats():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        xywh = np.asarray(boxes_xyxy).copy()
        xywh[:, 2:] -= xywh[:, :2]
        return [{"image_id": image_id, "category_id": category_ids[c], "bbox": list(b), "score": s}
                for b, s, c in zip(xywh, scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "json.dumps cannot serialise", mistake="to_coco_results.numpy_not_json")


def test_coco_category_id_from_a_numpy_array():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        out = _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)
        for result, c in zip(out, class_ids):
            result["category_id"] = category_ids[c]  # an np.int64 when category_ids is an array
        return out
    result = assert_rejected(COCO, to_coco_results, "NumPy scalars", mistake="to_coco_results.numpy_not_json")
    assert "given as a NumPy array" in result.message


def test_coco_image_id_kept_as_numpy():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [dict(r, image_id=image_id) for r in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)]
    assert_rejected(COCO, to_coco_results, "np.int64", mistake="to_coco_results.numpy_not_json")


def test_coco_float64_scalars():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        b = np.asarray(boxes_xyxy, np.float64)
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]),
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "score": np.float64(s)}
                for (x1, y1, x2, y2), s, c in zip(b, scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "float64", mistake="to_coco_results.numpy_float64")


def test_coco_tuple_bbox():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids,
                     box=lambda x1, y1, x2, y2: (x1, y1, x2 - x1, y2 - y1))
    assert_rejected(COCO, to_coco_results, "not a tuple", mistake="to_coco_results.bbox_container")


def test_coco_array_bbox():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids,
                     box=lambda x1, y1, x2, y2: np.array([x1, y1, x2 - x1, y2 - y1]))
    assert_rejected(COCO, to_coco_results, "an array", mistake="to_coco_results.bbox_container")


def test_coco_whole_pixel_boxes():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids,
                     box=lambda x1, y1, x2, y2: [int(x1), int(y1), int(x2 - x1), int(y2 - y1)])
    assert_rejected(COCO, to_coco_results, "holds ints", mistake="to_coco_results.whole_pixels")


def test_coco_ids_as_strings():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [dict(r, image_id=str(image_id)) for r in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)]
    assert_rejected(COCO, to_coco_results, "int(...)", mistake="to_coco_results.ids_not_int")


def test_coco_json_text():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return json.dumps(_coco(image_id, boxes_xyxy, scores, class_ids, category_ids))
    assert_rejected(COCO, to_coco_results, "not its JSON text", mistake="to_coco_results.json_string")


@pytest.mark.parametrize("rename", [
    pytest.param(lambda r: {**r, "area": r["bbox"][2] * r["bbox"][3]}, id="extra-area"),
    pytest.param(lambda r: {"image_id": r["image_id"], "category": r["category_id"], "bbox": r["bbox"],
                            "score": r["score"]}, id="category"),
    pytest.param(lambda r: {"imageId": r["image_id"], "categoryId": r["category_id"], "bbox": r["bbox"],
                            "score": r["score"]}, id="camel-case"),
])
def test_coco_wrong_keys(rename):
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [rename(r) for r in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)]
    assert_rejected(COCO, to_coco_results, "four keys", mistake="to_coco_results.wrong_keys")


def test_coco_refuses_an_empty_image():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if len(boxes_xyxy) == 0:
            raise ValueError("no detections to write")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)
    assert_rejected(COCO, to_coco_results, "return []", status="error", mistake="to_coco_results.refused_empty")


def test_coco_np_stack_fails_on_an_empty_image():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        rows = np.stack([np.r_[b[:2], b[2:] - b[:2]] for b in np.asarray(boxes_xyxy, float)])
        return [{"image_id": int(image_id), "category_id": int(category_ids[int(c)]), "bbox": r.tolist(),
                 "score": float(s)} for r, s, c in zip(rows, scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "valid answer", status="error", mistake="to_coco_results.refused_empty")


def test_coco_score_threshold():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [r for r in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids) if r["score"] > 0.5]
    assert_rejected(COCO, to_coco_results, "left some detections out", mistake="to_coco_results.dropped_detections")


def test_coco_sorted_by_score():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return sorted(_coco(image_id, boxes_xyxy, scores, class_ids, category_ids), key=lambda r: r["score"],
                      reverse=True)
    assert_rejected(COCO, to_coco_results, "out of order", mistake="to_coco_results.reordered")


def test_coco_rounded():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [dict(r, bbox=[round(v, 2) for v in r["bbox"]], score=round(r["score"], 3))
                for r in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids)]
    assert_rejected(COCO, to_coco_results, "rounded", mistake="to_coco_results.rounded")


def test_coco_class_index_as_category():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        b = np.asarray(boxes_xyxy, float)
        return [{"image_id": int(image_id), "category_id": int(c),
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(s)}
                for (x1, y1, x2, y2), s, c in zip(b.tolist(), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "category_ids[class_id]", mistake="to_coco_results.class_index")


def test_coco_class_plus_one():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, category=lambda ids, c: c + 1)
    assert_rejected(COCO, to_coco_results, "gaps", mistake="to_coco_results.class_plus_one")


def test_coco_class_shifted():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, category=lambda ids, c: ids[c - 1])
    assert_rejected(COCO, to_coco_results, "count from 0", mistake="to_coco_results.class_shifted")


def test_coco_detection_index_as_image_id():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [dict(r, image_id=i) for i, r in enumerate(_coco(image_id, boxes_xyxy, scores, class_ids,
                                                                  category_ids))]
    assert_rejected(COCO, to_coco_results, "same in every dict", mistake="to_coco_results.index_as_image_id")


def test_coco_changes_the_boxes_in_place():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        _finite_or_raise(boxes_xyxy, scores)
        boxes_xyxy[:, 2:] -= boxes_xyxy[:, :2]
        return [{"image_id": int(image_id), "category_id": int(category_ids[c]), "bbox": b.tolist(),
                 "score": float(s)} for b, s, c in zip(boxes_xyxy.astype(float), scores, class_ids)]
    assert_rejected(COCO, to_coco_results, "in place", mistake="generic.changed_input")


def test_coco_nan_passed_through():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "instead of raising ValueError", "NaN", "np.isfinite",
                    mistake="to_coco_results.nan_accepted")


def test_coco_nan_in_scores_only():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if np.isnan(np.asarray(scores, float)).any():
            raise ValueError("a score is NaN")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "check the boxes too", "not a NaN box",
                    mistake="to_coco_results.boxes_unchecked")


def test_coco_nan_checked_on_the_first_detection_only():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if len(scores) and (math.isnan(scores[0]) or np.isnan(boxes_xyxy[0]).any()):
            raise ValueError("NaN in the detections")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "the third", "check every detection",
                    mistake="to_coco_results.first_detection_only")


def test_coco_refuses_nan_but_not_inf():
    """The issue: refusing NaN but not inf used to be accepted."""
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if np.isnan(np.asarray(scores, float)).any() or np.isnan(np.asarray(boxes_xyxy, float)).any():
            raise ValueError("NaN in the detections")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "+inf", "np.isfinite", "instead of raising ValueError",
                    "let infinity through", mistake="to_coco_results.inf_accepted")


def test_coco_refuses_nan_and_inf_scores_but_not_minus_inf_boxes():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        scores_ = np.asarray(scores, float)
        if np.isnan(scores_).any() or np.isinf(scores_).any() or np.isnan(np.asarray(boxes_xyxy, float)).any():
            raise ValueError("NaN or inf in the detections")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "-inf", "np.isfinite", mistake="to_coco_results.inf_accepted")


def test_coco_assert_instead_of_value_error():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        assert np.isfinite(np.asarray(scores, float)).all() and np.isfinite(np.asarray(boxes_xyxy, float)).all()
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "should raise ValueError", mistake="generic.wrong_exception")


def test_coco_value_error_without_nan():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if not np.isfinite(np.asarray(scores, float)).all() or not np.isfinite(np.asarray(boxes_xyxy, float)).all():
            raise ValueError("non-finite values")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "should mention 'NaN'", mistake="generic.raise_message")


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
            if not all(math.isfinite(v) for v in (x1, y1, x2, y2, score)):
                raise ValueError(f"NaN or infinite value in detection {len(results)}")
            results.append({"image_id": int(image_id), "category_id": int(category_ids[int(cls)]),
                            "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score})
        return results

    def with_item(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if np.isnan(scores).any() or np.isnan(boxes_xyxy).any() or np.isinf(scores).any() or np.isinf(boxes_xyxy).any():
            raise ValueError("NaN/inf")
        xywh = np.column_stack([boxes_xyxy[:, :2], boxes_xyxy[:, 2:] - boxes_xyxy[:, :2]]).astype(np.float64)
        return [{"image_id": int(image_id), "category_id": int(np.asarray(category_ids)[c].item()),
                 "bbox": [v.item() for v in row], "score": s.item()}
                for row, s, c in zip(xywh, np.asarray(scores, np.float64), class_ids)]
    assert_accepted(COCO, with_tolist)
    assert_accepted(COCO, with_loop)
    assert_accepted(COCO, with_item)


# --------------------------------------------------------------------------- #
# From a learner corpus written blind to the checks
# --------------------------------------------------------------------------- #
def _clean_but(*, pattern=UNSAFE, stem=lambda name: name.split(".")[0].rstrip(" ")):
    """A learner's clean_component, right except for the replacement pattern or the device stem."""
    def clean_component(text):
        name = pattern.sub("_", unicodedata.normalize("NFC", text)).rstrip(". ")
        if not name or name.startswith(".") or stem(name).upper() in WINDOWS_RESERVED:
            return "_" + name
        return name
    return clean_component


def test_clean_runs_of_unsafe_characters_collapsed():
    fn = _clean_but(pattern=re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+'))
    assert_rejected(CLEAN, fn, "a run of unsafe characters", "own '_'", mistake="clean_component.runs_collapsed")
    assert_rejected(SAFE, lambda label: _safe_with(fn, label), "a run of unsafe characters",
                    mistake="safe_label_dirname.clean_runs_collapsed")


@pytest.mark.parametrize("strip", [lambda stem: stem.strip(), lambda stem: stem.strip(" "),
                                   lambda stem: stem.lstrip().rstrip(" ")], ids=["strip", "strip_space", "lstrip"])
def test_clean_device_stem_stripped_at_both_ends(strip):
    fn = _clean_but(stem=lambda name: strip(name.split(".")[0]))
    assert_rejected(CLEAN, fn, "' CON'", "rstrip(' ')", mistake="clean_component.device_stem_stripped")


@pytest.mark.parametrize("limit", [255, 200, 100])
def test_clean_long_name_cut(limit):
    def cut_short(text):
        return clean_component(text)[:limit]
    assert_rejected(CLEAN, cut_short, "cut the name short", mistake="clean_component.cut")


def test_clean_long_name_cut_in_bytes():
    def cut_to_255_bytes(text):
        return clean_component(text).encode("utf-8")[:255].decode("utf-8", "ignore")
    assert_rejected(CLEAN, cut_to_255_bytes, "cut the name short", mistake="clean_component.cut")


def test_clean_posix_basename():
    """os.path.basename splits at '/' only on Linux and macOS: 'a/b\\c' keeps 'b\\c'."""
    assert_rejected(CLEAN, lambda text: clean_component(os.path.basename(text)), "os.path.basename",
                    mistake="clean_component.basename")


def test_clean_more_correct_variants():
    bad = re.compile("[" + re.escape("".join(sorted(FORBIDDEN_CHARS))) + "\x00-\x1f\x7f]")

    def escaped_class(text):
        name = re.sub(r"[. ]+\Z", "", bad.sub("_", unicodedata.normalize("NFC", text)))
        stem = name.partition(".")[0].rstrip(" ")
        return "_" + name if not name or name[:1] == "." or stem.upper() in WINDOWS_RESERVED else name

    def stem_before_the_strip(text):
        name = UNSAFE.sub("_", unicodedata.normalize("NFC", text))
        stem = name.split(".")[0].rstrip(" ").upper()  # taken before the strip: the same stem
        name = name.rstrip(". ")
        return "_" + name if not name or name.startswith(".") or stem in WINDOWS_RESERVED else name

    for fn in (escaped_class, stem_before_the_strip):
        assert_accepted(CLEAN, fn)


def _safe_with(clean, label):
    text = unicodedata.normalize("NFC", label)
    name = clean(text)
    return name if _plain(text, name) else _cut91(name) + "-" + _h(text)


def test_safe_more_correct_variants():
    def drops_characters_until_it_fits(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        if _plain(text, name):
            return name
        head = name
        while len(head.encode("utf-8")) > 91:
            head = head[:-1]
        return head + "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def fullmatch_dotall(label):
        text = unicodedata.normalize("NFC", label)
        name = clean_component(text)
        suffixy = re.fullmatch(r".*-[0-9a-f]{8}", text, flags=re.S) is not None
        if name == text and text == text.casefold() and not suffixy and len(text.encode()) <= 100:
            return name
        return f"{name.encode()[:91].decode(errors='ignore')}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"

    for fn in (drops_characters_until_it_fits, fullmatch_dotall):
        assert_accepted(SAFE, fn)


def test_coco_low_scores_dropped():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return [d for d in _coco(image_id, boxes_xyxy, scores, class_ids, category_ids) if d["score"] >= 0.05]
    assert_rejected(COCO, to_coco_results, "0.001", "left some detections out",
                    mistake="to_coco_results.dropped_detections")


@pytest.mark.parametrize("test", [lambda v: v == np.nan, lambda v: v is np.nan, lambda v: False],
                         ids=["equals_nan", "is_nan_object", "no_test"])
def test_coco_nan_test_that_never_fires(test):
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        for box, score in zip(boxes_xyxy, scores):
            if test(score) or any(test(v) for v in box):
                raise ValueError("NaN in a detection")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "nothing refused this NaN score", "x == np.nan",
                    mistake="to_coco_results.nan_accepted")


def test_coco_boxes_checked_but_not_scores():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        if not np.isfinite(np.asarray(boxes_xyxy, float)).all():
            raise ValueError("NaN or infinite box")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "NaN score", mistake="to_coco_results.nan_accepted")


def test_coco_math_isnan_per_value_lets_inf_through():
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        for box, score in zip(boxes_xyxy, scores):
            if any(math.isnan(float(v)) for v in [*box, score]):
                raise ValueError("NaN in a detection")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
    assert_rejected(COCO, to_coco_results, "let infinity through", mistake="to_coco_results.inf_accepted")


def test_coco_more_correct_variants():
    def json_finds_the_nan(image_id, boxes_xyxy, scores, class_ids, category_ids):
        results = _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)
        try:
            json.dumps(results, allow_nan=False)
        except ValueError as exc:
            raise ValueError(f"NaN or infinity in a box or score: {exc}") from None
        return results

    def item_on_float32(image_id, boxes_xyxy, scores, class_ids, category_ids):
        boxes = np.asarray(boxes_xyxy, np.float32).reshape(-1, 4)
        sc = np.asarray(scores, np.float32)
        if not (np.isfinite(boxes).all() and np.isfinite(sc).all()):
            raise ValueError("boxes and scores must not be NaN or infinite")
        return [{"image_id": int(image_id), "category_id": int(category_ids[int(class_ids[i])]),
                 "bbox": [boxes[i, 0].item(), boxes[i, 1].item(), (boxes[i, 2] - boxes[i, 0]).item(),
                          (boxes[i, 3] - boxes[i, 1]).item()], "score": sc[i].item()} for i in range(len(sc))]

    def self_inequality(image_id, boxes_xyxy, scores, class_ids, category_ids):
        for box, score in zip(boxes_xyxy, scores):
            if any(v != v or abs(v) == float("inf") for v in [float(x) for x in box] + [float(score)]):
                raise ValueError("NaN/inf box or score")
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, check=False)

    for fn in (json_finds_the_nan, item_on_float32, self_inequality):
        assert_accepted(COCO, fn)


@pytest.mark.parametrize("box, phrase, mistake", [
    (lambda x1, y1, x2, y2: [x1, y1, x2 - x1, y2 - x1], "height = y2 - y1", "height_from_x1"),
    (lambda x1, y1, x2, y2: [x1, y1, x2 - y1, y2 - y1], "width = x2 - x1", "width_from_y1"),
    (lambda x1, y1, x2, y2: [x1, y1, y2 - y1, x2 - x1], "swapped", "size_swapped"),
], ids=["height_from_x1", "width_from_y1", "size_swapped"])
def test_coco_width_or_height_typed_wrong(box, phrase, mistake):
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        return _coco(image_id, boxes_xyxy, scores, class_ids, category_ids, box=box)
    assert_rejected(COCO, to_coco_results, phrase, mistake=f"to_coco_results.{mistake}")
