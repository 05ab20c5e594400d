"""Notebook 07: saving results. Safe folder names for labels, and COCO detection results.

The cases of each exercise follow its prompt, one group per rule, so that the first case a
wrong answer fails says which rule it breaks; the mistakes then name what the answer did there.
A mistake is named only when the answer shows it (a character still there, an output equal to
what the wrong rule gives); otherwise the plain comparison is reported.
"""
import hashlib
import json
import os
import re
import unicodedata
from pathlib import PurePath

import numpy as np

from ..saving import FORBIDDEN_CHARS, WINDOWS_RESERVED, clean_component, safe_label_dirname, to_coco_results
from .core import Case, Exercise, KindProblem, Mistake, describe, register

NOTEBOOK = "07_saving_results"

NFD_CAFE = unicodedata.normalize("NFD", "café")
SUFFIX = re.compile(r"-[0-9a-f]{8}$")
MAX_BYTES, CUT_BYTES = 100, 91
# Windows-forbidden characters that are not separators ("/" and "\\" have their own messages)
WINDOWS_ONLY = "".join(sorted(FORBIDDEN_CHARS - {"/", "\\"}))
# every control character, the space and "~" around them, and characters just past the range
ALL_CONTROLS = "a" + "".join(map(chr, range(33))) + "~\x7f\x80\x9f\xa0猫b"
# device names a hand-written list or a COM[1-9] pattern forgets
RARE_DEVICES = frozenset(name for name in WINDOWS_RESERVED if name[-1] in "0¹²³")


def _nfc(text):
    return unicodedata.normalize("NFC", text)


def _unsafe(ch):
    return ch in FORBIDDEN_CHARS or ord(ch) < 32 or ord(ch) == 127


def _stem(name):
    return name.split(".")[0].rstrip(" ").upper()


def _prefixed(name):
    """Step 4: '_' in front of an empty, dot-led or device name."""
    return "_" + name if (not name or name.startswith(".") or _stem(name) in WINDOWS_RESERVED) else name


def _clean_variant(text, *, form="NFC", repl="_"):
    """clean_component normalised with another form, or replacing with another string."""
    name = unicodedata.normalize(form, text)
    return _prefixed("".join(repl if _unsafe(ch) else ch for ch in name).rstrip(". "))


# --------------------------------------------------------------------------- #
# clean_component: what a wrong name shows. Each test sees (label, got, expected), where got
# is a str: the learner's name (for safe_label_dirname, the part before the hash).
# --------------------------------------------------------------------------- #
def _same_length_diffs(got, expected):
    """[(expected char, got char)] where they differ, or None when the lengths differ."""
    if len(got) != len(expected):
        return None
    return [(e, g) for e, g in zip(expected, got) if e != g]


def _kept_raw(label, got, expected):
    """Both separators kept: nothing was replaced (a label with one only could be a half-done job)."""
    return got == label and "/" in label and "\\" in label


def _basename(label, got, expected):
    """Only the last part of the path kept: split at both separators, or at '/' only (os.path.basename
    on Linux and macOS) or at '\\' only."""
    if "/" not in label and "\\" not in label:
        return False
    lasts = {label.replace("\\", "/").rsplit("/", 1)[-1], label.rsplit("/", 1)[-1], label.rsplit("\\", 1)[-1]}
    return got != expected and any(got in (last, clean_component(last), _prefixed(last)) for last in lasts)


def _collapsed(text):
    """clean_component with every run of unsafe characters made one '_'."""
    name = re.sub(r'[/\\:*?"<>|\x00-\x1f\x7f]+', "_", _nfc(text))
    return _prefixed(name.rstrip(". "))


def _runs_collapsed(label, got, expected):
    return got != expected and got == _collapsed(label)


def _device_stem_stripped(label, got, expected):
    """'_' in front of ' CON': the stem stripped at both ends (.strip()), not only at the end."""
    return (got == "_" + expected and _stem(expected) not in WINDOWS_RESERVED
            and expected.split(".")[0].strip().upper() in WINDOWS_RESERVED)


def _removed(label, got, expected):
    return got != expected and got == _clean_variant(label, repl="")


def _other_replacement(label, got, expected):
    diffs = _same_length_diffs(got, expected)
    return bool(diffs) and all(e == "_" for e, _ in diffs) and len({g for _, g in diffs}) == 1


def _ascii_only(label, got, expected):
    """Letters such as 'é' and '猫' lost along with every other non-ASCII character."""
    return got != expected and got.isascii() and any(not ch.isascii() and ch.isalnum() for ch in expected)


def _nfkc(label, got, expected):
    return got != expected and got == _clean_variant(label, form="NFKC")


def _not_nfc(label, got, expected):
    return not unicodedata.is_normalized("NFC", got)


def _changed_case(label, got, expected):
    return got != expected and got.casefold() == expected.casefold()


def _spaces_replaced(label, got, expected):
    diffs = _same_length_diffs(got, expected)
    return bool(diffs) and all(e == " " and g == "_" for e, g in diffs)


def _allowed_replaced(label, got, expected):
    diffs = _same_length_diffs(got, expected)
    return bool(diffs) and all(g == "_" and e != "_" for e, g in diffs)


def _stripped_whitespace(label, got, expected):
    """A tab, newline or no-break space at the end was stripped instead of kept or replaced."""
    lost = len(expected) - len(got)
    text = _nfc(label).rstrip(". ")
    return (0 < lost <= len(text) and expected.startswith(got)
            and all(ch.isspace() for ch in text[len(text) - lost:]))


def _stripped_start(label, got, expected):
    if got == expected:
        return False
    if expected.startswith(" ") and got == expected.lstrip(" "):
        return True
    rest = expected[1:]
    return expected.startswith("_.") and got in (rest.lstrip("."), rest.lstrip(". "), "_" + rest.lstrip(". "))


def _cut(label, got, expected):
    return len(expected) >= MAX_BYTES and expected.startswith(got) and len(got) < len(expected)


def _trailing_kept(label, got, expected):
    return got.endswith((".", " "))


def _steps_swapped(label, got, expected):
    """Step 4 before step 3: ' ' is not empty until it is stripped, so it gets no '_'."""
    name = "".join("_" if _unsafe(ch) else ch for ch in _nfc(label))  # steps 1 and 2
    return got == "" and expected == "_" and name != "" and not name.startswith(".") and not name.rstrip(". ")


def _dot_kept(label, got, expected):
    return got in ("", ".", "..") or got.startswith(".")


def _dot_replaced(label, got, expected):
    return expected.startswith("_.") and got == "_" + expected[2:]


def _rare_device_kept(label, got, expected):
    return _stem(_nfc(label)) in RARE_DEVICES and got == expected[1:]


def _device_kept(label, got, expected):
    return _stem(got) in WINDOWS_RESERVED


def _needless_prefix(label, got, expected):
    return got == "_" + expected


def _dot_inside_prefixed(label, got, expected):
    return _needless_prefix(label, got, expected) and "." in expected and not _device_inside(expected)


def _device_inside(name):
    upper = name.upper()
    return any(device in upper for device in WINDOWS_RESERVED)


def _device_part_prefixed(label, got, expected):
    return _needless_prefix(label, got, expected) and _device_inside(expected)


def _learner_clean(*, nfc=True, bad=None, repl="_", strip=". ", prefix=None, order_ok=True, pre=None):
    """A clean_component written with one step changed, as a learner writes it."""
    def clean_component(text):
        name = pre(text) if pre else text
        if nfc:
            name = unicodedata.normalize("NFC" if nfc is True else nfc, name)
        is_bad = bad or _unsafe
        name = "".join(repl if is_bad(ch) else ch for ch in name)
        add_prefix = prefix or (lambda n: not n or n.startswith(".") or _stem(n) in WINDOWS_RESERVED)
        if order_ok:
            name = strip(name) if callable(strip) else name.rstrip(strip)
            return "_" + name if add_prefix(name) else name
        name = "_" + name if add_prefix(name) else name
        return strip(name) if callable(strip) else name.rstrip(strip)
    return clean_component


def _dot_replacing(text):
    name = _learner_clean(prefix=lambda n: not n or _stem(n) in WINDOWS_RESERVED)(text)
    return "_" + name[1:] if name.startswith(".") else name


def _raw_example(text):
    return text


def _basename_example(text):
    return os.path.basename(text.replace("\\", "/")) or "_"


def _backslash_example(text):
    name = unicodedata.normalize("NFC", text).replace("/", "_")
    name = re.sub(r'[:*?"<>|\x00-\x1f\x7f]', "_", name).rstrip(". ")
    return "_" + name if not name or name.startswith(".") or _stem(name) in WINDOWS_RESERVED else name


def _slash_example(text):
    name = unicodedata.normalize("NFC", text).replace("\\", "_")
    name = re.sub(r'[:*?"<>|\x00-\x1f\x7f]', "_", name).rstrip(". ")
    return "_" + name if not name or name.startswith(".") or _stem(name) in WINDOWS_RESERVED else name


def _case_changing_example(text):
    return _learner_clean()(text.lower())


def _cutting_example(text):
    return _learner_clean()(text)[:100]


def _bytes_example(text):
    return _learner_clean()(text).encode("utf-8")


# (what, message, test on (label, got, expected), a wrong clean_component that shows it)
CLEAN_MISTAKES = [
    ("kept_raw", "you used the label raw as a folder name: '../x' climbs out of out_dir and '/abs' throws "
     "the join away. Replace the separators and the other FORBIDDEN_CHARS with '_'.", _kept_raw, _raw_example),
    ("basename", "you kept only the last part of the path (like os.path.basename): '../x' and 'x' would "
     "share a folder. Replace each separator with '_' instead of cutting.", _basename, _basename_example),
    ("backslash_kept", "a backslash is still in the name: it is the path separator on Windows. Replace every "
     "character in FORBIDDEN_CHARS, '\\' as well as '/', with '_' (you only replaced '/').",
     lambda label, got, expected: "\\" in got and "/" not in got, _backslash_example),
    ("slash_kept", "a '/' is still in the name: it splits the name into folders. Replace every character in "
     "FORBIDDEN_CHARS, '/' as well as '\\', with '_'.", lambda label, got, expected: "/" in got, _slash_example),
    ("forbidden_kept", "a character Windows forbids in file names is still there (: * ? \" < > |; 'C:evil' even "
     "names a drive): replace every character in FORBIDDEN_CHARS with '_', not only the separators.",
     lambda label, got, expected: any(ch in WINDOWS_ONLY for ch in got),
     _learner_clean(bad=lambda ch: ch in "/\\" or ord(ch) < 32 or ord(ch) == 127)),
    ("control_kept", "a control character (a tab, a newline, a NUL byte: ord(c) < 32) is still in the name: "
     "replace every ord(c) < 32, and DEL (127), with '_'.",
     lambda label, got, expected: any(ord(ch) < 32 for ch in got),
     _learner_clean(bad=lambda ch: ch in FORBIDDEN_CHARS)),
    ("del_kept", "DEL (chr(127)) is still in the name: it is a control character too. Replace "
     "ord(c) < 32 and ord(c) == 127 with '_'.", lambda label, got, expected: "\x7f" in got,
     _learner_clean(bad=lambda ch: ch in FORBIDDEN_CHARS or ord(ch) < 32)),
    ("stripped_whitespace", "you stripped a tab, newline or other whitespace at the end (.strip() or "
     ".rstrip() with no argument): strip only dots and spaces, .rstrip('. '); a control character at the "
     "end becomes '_' and a no-break space stays.", _stripped_whitespace, _learner_clean(pre=str.strip)),
    ("runs_collapsed", "you replaced a run of unsafe characters with one '_': replace each character with "
     "its own '_' ('a//b' becomes 'a__b'), so that 'a//b' and 'a/b' stay two names.", _runs_collapsed,
     _collapsed),
    ("removed", "you removed the unsafe characters instead of replacing them: 'a/b' became 'ab', the name of "
     "another label. Replace each with '_'.", _removed, _learner_clean(repl="")),
    ("other_replacement", "unsafe characters become '_' (and the '_' in front is '_' too), not another "
     "character: use '_' exactly, so every program names the folder the same way.", _other_replacement,
     _learner_clean(repl="-")),
    ("nfkc", "you normalised with NFKC, which also rewrites compatibility characters ('₂' becomes '2', "
     "'COM¹' becomes the device name 'COM1'): use NFC, which only joins a letter and its accent.", _nfkc,
     _learner_clean(nfc="NFKC")),
    ("ascii_only", "you dropped or replaced the non-ASCII characters ('猫' and 'é' are fine in file names, "
     "and 'café' and 'cafe' would then share a folder): keep every character that is not in FORBIDDEN_CHARS "
     "and not a control character.", _ascii_only,
     lambda text: _learner_clean()(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())),
    ("not_nfc", "the name is not NFC-normalised: 'café' typed on a Mac is 'e' + a combining accent. Start "
     "with unicodedata.normalize('NFC', text).", _not_nfc, _learner_clean(nfc=False)),
    ("changed_case", "you changed the case of the label: keep it as it is ('Egyptian Cat' stays 'Egyptian "
     "Cat'); nothing but the four steps changes the name.", _changed_case, _case_changing_example),
    ("space_replaced", "you replaced spaces with '_': a space is allowed inside a name ('tiger cat' stays "
     "'tiger cat'; the control characters are ord(c) < 32, so not the space, 32). Only trailing spaces are "
     "stripped.", _spaces_replaced, _learner_clean(bad=lambda ch: _unsafe(ch) or ch == " ")),
    ("replaced_allowed", "you replaced characters that are allowed in a file name (such as '(', '&', an "
     "accent, '猫', U+0080 or a no-break space): replace only the characters in FORBIDDEN_CHARS and "
     "ord(c) < 32 or == 127.", _allowed_replaced,
     _learner_clean(bad=lambda ch: not (ch.isalnum() or ch in " .-_"))),
    ("stripped_start", "you stripped the start of the name too (.strip or .lstrip): only trailing dots and "
     "spaces go (.rstrip('. ')). A leading space stays, and a leading dot gets '_' in front, so "
     "'.ipynb_checkpoints' stays apart from 'ipynb_checkpoints'.", _stripped_start,
     _learner_clean(strip=lambda s: s.strip(". "))),
    ("cut", "you cut the name short: clean_component keeps its whole length (safe_label_dirname cuts, with a "
     "hash). Nothing else changes.", _cut, _cutting_example),
    ("trailing_kept", "the name ends with a dot or a space, which Windows silently drops (so 'tabby.' and "
     "'tabby' become one folder): strip them with .rstrip('. ').", _trailing_kept,
     _learner_clean(strip=lambda s: s.strip())),
    ("steps_swapped", "you put the '_' in front before stripping (step 4 before step 3): ' ' is not empty "
     "until it is stripped, and then it is '' with no '_'. Strip trailing dots and spaces first, then test "
     "for an empty name.", _steps_swapped, _learner_clean(order_ok=False)),
    ("dot_kept", "'.', '..' and '' are not folder names ('..' is the parent folder) and a name starting "
     "with '.' is hidden (or is '.ipynb_checkpoints'): put '_' in front of those.", _dot_kept,
     _learner_clean(prefix=lambda n: n in ("", ".", "..") or _stem(n) in WINDOWS_RESERVED)),
    ("dot_replaced", "you replaced the leading dot with '_' ('.x' became '_x', the name of another label): "
     "keep the dot and put '_' in front ('_.x').", _dot_replaced,
     _dot_replacing),
    ("rare_device_kept", "COM0, LPT0 and COM¹, COM², COM³ (superscript digits) are Windows device names too: "
     "test name.split('.')[0].rstrip(' ').upper() in WINDOWS_RESERVED rather than your own list or pattern.",
     _rare_device_kept,
     _learner_clean(prefix=lambda n: not n or n.startswith(".")
                    or re.fullmatch(r"CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]", _stem(n)) is not None)),
    ("device_kept", "a Windows device name is still there (CON, nul.txt, COM1, 'CON .txt'): Windows cannot "
     "create these in any case, with any extension. Put '_' in front when "
     "name.split('.')[0].rstrip(' ').upper() is in WINDOWS_RESERVED.", _device_kept,
     _learner_clean(prefix=lambda n: not n or n.startswith(".") or n in WINDOWS_RESERVED)),
    ("device_stem_stripped", "you stripped the start of the stem too (.strip()): the test is "
     "name.split('.')[0].rstrip(' ').upper() in WINDOWS_RESERVED, so ' CON' (with a space in front) is no "
     "device name and gets no '_'.", _device_stem_stripped,
     _learner_clean(prefix=lambda n: not n or n.startswith(".")
                    or n.split(".")[0].strip().upper() in WINDOWS_RESERVED)),
    ("dot_inside_prefixed", "you put '_' in front of a name with a dot inside ('st. bernard'): only a name "
     "that starts with '.' is hidden. Test name.startswith('.').", _dot_inside_prefixed,
     _learner_clean(prefix=lambda n: not n or "." in n or _stem(n) in WINDOWS_RESERVED)),
    ("device_part_prefixed", "you put '_' in front of a name that only contains a device name ('console', "
     "'bacon', 'COM10'): compare the whole stem, name.split('.')[0].rstrip(' ').upper(), with "
     "WINDOWS_RESERVED, not its start or a part of it.", _device_part_prefixed,
     _learner_clean(prefix=lambda n: not n or n.startswith(".")
                    or any(n.upper().startswith(d) for d in WINDOWS_RESERVED))),
    ("needless_prefix", "you put '_' in front of a name that needs none: only an empty name, one that "
     "starts with '.', or a device name gets it.", _needless_prefix,
     _learner_clean(prefix=lambda n: True)),
]
# a wrong folder name inherits these from a wrong clean_component (not the case or the length:
# safe_label_dirname has its own messages for those)
MIRRORED = [entry for entry in CLEAN_MISTAKES if entry[0] not in ("changed_case", "cut")]


def _clean_detect(test):
    def detect(run):
        return isinstance(run.got, str) and test(run.case.args[0], run.got, run.expected)
    return detect


def _not_a_str(run):
    return isinstance(run.got, (bytes, PurePath))


def _str_expected(exercise):
    return Mistake(f"{exercise}.not_a_str", "return the name as a str: not bytes (no .encode) and not a "
                   "Path (str(path) if you built one).", detect=_not_a_str, on_type=True,
                   example=_bytes_example if exercise == "clean_component" else
                   lambda label: _learner_dirname()(label).encode("utf-8"))


def _clean_cases():
    groups = [
        ("unchanged", ["tabby", "tiger cat", "Egyptian Cat", "猫", "café", "a (b), c's & d~", "CO₂ sensor"]),
        ("forbidden", ["a/b\\c", "a/b", "a\\b", "C:evil", "a:b*c?d", 'say "hi"', "<a|b>", 'a/b\\c:d*e?f"g<h>i|j',
                       "../x", "/abs", "x/"]),
        ("control", ["tab\tby", "line\nbreak", "nul\x00byte", "del\x7f", "tabby\t", ALL_CONTROLS]),
        ("nfc", [NFD_CAFE, unicodedata.normalize("NFD", "Crème brûlée")]),
        ("trailing", ["tabby.", "tabby ", "tabby. . ", "a . b", " tabby", "tabby\xa0"]),
        ("empty", [""]),
        ("dot", [".", "..", "...", ".ipynb_checkpoints", ".x.", "st. bernard"]),
        ("reserved", ["CON", "con", "nul.txt", "COM1", "CON .txt", "nul.tar.gz"] + _every_device()
         + ["console", "bacon", "COM10", "LPT", "conn.txt", " CON", " nul.txt"]),
        ("order", [" ", " . ", "   "]),
        ("forbidden", ["a//b", "a::b??c"]),
        ("long", ["x" * 120, "y" * 300, "猫" * 90]),
    ]
    return [Case(_label_text(label), (label,), rule=rule) for rule, labels in groups for label in labels]


def _every_device():
    """Every name in WINDOWS_RESERVED once, in turn bare, lower case, and with an extension."""
    shapes = [lambda d: d, lambda d: d.lower() + ".txt", lambda d: d.title() + " .log"]
    return [shapes[i % 3](device) for i, device in enumerate(sorted(WINDOWS_RESERVED))]


def _label_text(label):
    if label == ALL_CONTROLS:
        return ("a label with every control character (0-31 and 127) and the space, '~', U+0080, U+009F, "
                "a no-break space and '猫' beside them")
    if label == NFD_CAFE:
        return "'café' in NFD ('e' + a combining accent, as a Mac types it)"
    size, nfc_size = len(label.encode("utf-8")), len(_nfc(label).encode("utf-8"))
    if size != nfc_size and size > 40:
        return (f"a label typed in NFD ({_nfc(label)[:3]!r}...): {size} bytes as typed, {nfc_size} in NFC "
                f"({len(_nfc(label))} characters)")
    if not unicodedata.is_normalized("NFC", label):
        return f"the label {_nfc(label)!r} typed in NFD (a letter + a combining accent)"
    if size > 40:
        return f"a {size}-byte label of {len(label)} characters ({label[:4]!r}...)"
    return f"the label {label!r}"


register(Exercise(
    name="clean_component",
    notebook=NOTEBOOK,
    reference=clean_component,
    cases=_clean_cases,
    summary="a label made into one safe path component",
    rules={
        "order": "in this order",
        "nfc": 'unicodedata.normalize("NFC", text)',
        "forbidden": "replace every character in FORBIDDEN_CHARS",
        "control": 'every control character (ord(c) < 32 or == 127) with "_"',
        "trailing": 'strip trailing dots and spaces (.rstrip(". "))',
        "empty": 'put "_" in front when the name is empty',
        "dot": 'starts with "."',
        "reserved": 'name.split(".")[0].rstrip(" ").upper() is in WINDOWS_RESERVED',
        "unchanged": "Nothing else changes",
        "long": "a long name is not cut",
    },
    hint=(
        """
        Four steps, in the prompt's order: normalise, replace bad characters, strip the end, then
        put "_" in front when the name needs it. str methods and a loop over the characters do
        them all; unicodedata, FORBIDDEN_CHARS and WINDOWS_RESERVED are imported above.
        """,
        """
        1. unicodedata.normalize with "NFC".
        2. Every character in FORBIDDEN_CHARS, and every control character (ord(ch) < 32 or
           ord(ch) == 127), becomes "_"; every other character stays.
        3. .rstrip(". ") strips trailing dots and spaces (not leading ones).
        4. "_" in front when the name is now empty, starts with ".", or is a Windows device name:
           the part before the first dot, trailing spaces stripped, upper-cased, is in
           WINDOWS_RESERVED.
        Nothing else changes: not the case, not the length.
        """,
        """
        Step 2 in one line: `"".join("_" if ... else ch for ch in name)`, with the two tests of
        step 2 in place of the dots. Step 4's device test is
        `name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED`.
        """,
    ),
    mistakes=[_str_expected("clean_component")] + [
        Mistake(f"clean_component.{what}", message, detect=_clean_detect(test), example=example)
        for what, message, test, example in CLEAN_MISTAKES],
))


# --------------------------------------------------------------------------- #
# safe_label_dirname
# --------------------------------------------------------------------------- #
def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cut_bytes(name, limit=CUT_BYTES):
    return name.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _plain_rule(*, same=lambda label, text, name: name == text, case=lambda text: text == text.casefold(),
                suffix=r"-[0-9a-f]{8}$", fits=lambda label, text: len(text.encode("utf-8")) <= 100):
    """The prompt's test for a plain label, with one part written another way."""
    def plain(label, text, name):
        return (same(label, text, name) and case(text) and (suffix is None or not re.search(suffix, text))
                and fits(label, text))
    return plain


def _learner_dirname(*, clean=None, nfc=True, plain=None, cut=None, digest=None, join=None):
    """A safe_label_dirname written with one part changed, as a learner writes it."""
    def safe_label_dirname(label):
        text = unicodedata.normalize("NFC", label) if nfc else label
        name = (clean or clean_component)(text)
        if (plain or _plain_rule())(label, text, name):
            return name
        head = cut(name) if cut else name.encode("utf-8")[:91].decode("utf-8", errors="ignore")
        tail = digest(label, text, name) if digest else hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        return join(head, tail) if join else head + "-" + tail
    return safe_label_dirname


def _facts(run):
    """What the label should give and what the answer gave, split at the hash (cached on the run)."""
    if "dirname" not in run.memo:
        label = run.case.args[0]
        text = _nfc(label)
        name = clean_component(text)
        reasons = {why for why, yes in [("cleaned", name != text), ("case", text != text.casefold()),
                                        ("suffix", SUFFIX.search(text) is not None),
                                        ("length", len(text.encode("utf-8")) > MAX_BYTES)] if yes}
        got = run.got if isinstance(run.got, str) else None
        hashed = got is not None and SUFFIX.search(got) is not None
        run.memo["dirname"] = dict(
            label=label, text=text, name=name, reasons=reasons, got=got,
            got_name=got[:-9] if hashed else got, got_hash=got[-8:] if hashed else None,
            exp_name=run.expected[:-9] if reasons else run.expected,
            exp_hash=_digest(text)[:8])
    return run.memo["dirname"]


def _fact_detect(test):
    def detect(run):
        facts = _facts(run)
        return facts["got"] is not None and facts["got"] != run.expected and bool(test(facts, run))
    return detect


def _only(facts, reason):
    return facts["reasons"] == {reason}


def _suffix_not_hashed(f, run):
    return _only(f, "suffix") and f["got"] == f["name"]


HEX_TAIL = re.compile(r"[-_. ]?[0-9a-fA-F]{6,64}")


def _hashed_anyhow(f):
    """The answer is the name (or its start) with a hash tail, however cut, joined or computed."""
    got, name = f["got"], f["name"]
    return any(name.startswith(got[:k]) and HEX_TAIL.fullmatch(got[k:]) for k in range(len(got), -1, -1))


def _plain_but_hashed(f):
    return not f["reasons"] and _hashed_anyhow(f)


def _suffix_too_broad(f, run):
    return run.case.rule == "suffix" and _plain_but_hashed(f)


def _length_edge(f, run):
    """On an ASCII label (characters = bytes) only the comparison can be off."""
    size = len(f["text"].encode("utf-8"))
    return f["text"].isascii() and ((size == MAX_BYTES and _plain_but_hashed(f))
                                    or (size == MAX_BYTES + 1 and _only(f, "length") and f["got"] == f["name"]))


def _length_in_chars(f, run):
    return _only(f, "length") and f["got"] == f["name"] and len(f["text"]) <= MAX_BYTES


def _measured_as_typed(f, run):
    return _plain_but_hashed(f) and len(f["label"].encode("utf-8")) > MAX_BYTES


def _compared_as_typed(f, run):
    return _plain_but_hashed(f) and f["label"] != f["text"]


def _measured_wrongly(f, run):
    return run.case.rule == "length" and _plain_but_hashed(f)


def _lower_not_casefold(f, run):
    return _only(f, "case") and f["got"] == f["name"] and f["text"] == f["text"].lower()


def _islower_without_letters(f, run):
    return _plain_but_hashed(f) and f["text"].lower() == f["text"].upper()


def _no_case_rule(f, run):
    return _only(f, "case") and f["got"] == f["name"]


def _always_hashed(f, run):
    return _plain_but_hashed(f)


def _same_name(f):
    return f["reasons"] and f["got_name"] == f["exp_name"]


def _hash_of_cleaned(f, run):
    return _same_name(f) and f["name"] != f["text"] and f["got_hash"] == _digest(f["name"])[:8]


def _hash_as_typed(f, run):
    return _same_name(f) and f["label"] != f["text"] and f["got_hash"] == _digest(f["label"])[:8]


def _tail(f):
    """What follows the expected name in the answer, when it starts with it (None otherwise)."""
    if not f["reasons"] or not f["got"].startswith(f["exp_name"]):
        return None
    return f["got"][len(f["exp_name"]):]


def _wrong_digits(f, run):
    tail = _tail(f)
    return tail is not None and re.fullmatch(r"-[0-9a-fA-F]{8}", tail) is not None and tail[1:] != f["exp_hash"]


def _hash_length(f, run):
    tail = _tail(f)
    return tail is not None and re.fullmatch(r"-[0-9a-fA-F]{6,64}", tail) is not None and len(tail) != 9


def _hash_joined_wrongly(f, run):
    tail = _tail(f)
    return tail is not None and re.fullmatch(r"[_. ]?[0-9a-fA-F]{6,64}", tail) is not None


def _hash_in_front(f, run):
    return bool(f["reasons"]) and f["got"] in (f["exp_hash"] + "-" + f["exp_name"], f["exp_hash"] + "_" + f["exp_name"])


def _cut_after_hash(f, run):
    whole = f["name"] + "-" + f["exp_hash"]
    return ("length" in f["reasons"] and f["got"] != whole
            and f["got"] in (_cut_bytes(whole, MAX_BYTES), whole[:MAX_BYTES]))


def _split_character(f, run):
    return "\ufffd" in f["got"] and "\ufffd" not in f["text"]


def _cut_in_chars(f, run):
    return ("length" in f["reasons"] and f["got_hash"] == f["exp_hash"] and f["got_name"] == f["name"][:CUT_BYTES]
            and len(f["got_name"].encode("utf-8")) > CUT_BYTES)


def _prefix_of_name(f):
    return "length" in f["reasons"] and f["got_hash"] == f["exp_hash"] and f["name"].startswith(f["got_name"])


def _not_cut(f, run):
    return _prefix_of_name(f) and f["got_name"] == f["name"] and len(f["name"].encode("utf-8")) > CUT_BYTES


def _cut_too_long(f, run):
    return _prefix_of_name(f) and len(f["got_name"].encode("utf-8")) > CUT_BYTES


def _cut_too_short(f, run):
    return _prefix_of_name(f) and len(f["got_name"]) < len(f["exp_name"])


def _case_changed(f, run):
    return (f["got"].casefold() == run.expected.casefold()
            or f["got"] in (safe_label_dirname(f["label"].lower()), safe_label_dirname(f["label"].casefold())))


def _no_hash(f, run):
    return f["got"] == f["name"] and "cleaned" in f["reasons"]


def _too_long(f, run):
    return len(f["got"].encode("utf-8")) > MAX_BYTES


def _mirror(test):
    """A clean_component mistake seen in the name part of a folder name (of a label that is not cut)."""
    def detect(run):
        f = _facts(run)
        if f["got"] is None or "length" in f["reasons"] or f["got_name"] == f["name"]:
            return False
        return test(f["label"], f["got_name"], f["name"])
    return detect


def _strict_decode_cut(name):
    return name.encode("utf-8")[:91].decode("utf-8")


def _md5_digits(label, text, name):
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:8]


DIRNAME_MISTAKES = [
    ("suffix_not_hashed", "this label already ends like a hash suffix ('-' and 8 hex digits), so its plain "
     "name could be the hashed name of another label: give it a hash too (it is not plain when "
     "re.search(r'-[0-9a-f]{8}$', text) finds something).", _suffix_not_hashed,
     _learner_dirname(plain=_plain_rule(suffix=None)), None),
    ("suffix_too_broad", "this label does not end like a suffix: the rule is exactly '-' and 8 lower-case hex "
     "digits at the very end, re.search(r'-[0-9a-f]{8}$', text). Other labels stay plain.", _suffix_too_broad,
     _learner_dirname(plain=_plain_rule(suffix=r"[-_][0-9a-z]{7,}")), None),
    ("length_edge", "the limit is exactly 100 bytes: a label of 100 bytes of UTF-8 fits (plain), one of 101 "
     "does not. Test len(text.encode('utf-8')) <= 100.", _length_edge,
     _learner_dirname(plain=_plain_rule(fits=lambda label, text: len(text.encode("utf-8")) < 100)), None),
    ("length_in_chars", "you counted characters, not bytes: 'é' is one character but 2 bytes of UTF-8 "
     "('猫' 3), so this label is over 100 bytes although it has fewer than 100 characters. Test "
     "len(text.encode('utf-8')) <= 100.", _length_in_chars,
     _learner_dirname(plain=_plain_rule(fits=lambda label, text: len(text) <= 100), cut=lambda name: name[:91]),
     None),
    ("measured_as_typed", "you measured the label as typed: in NFD each 'é' is 3 bytes, in NFC 2. Measure "
     "text = unicodedata.normalize('NFC', label), which is what the folder name holds.", _measured_as_typed,
     _learner_dirname(plain=_plain_rule(fits=lambda label, text: len(label.encode("utf-8")) <= 100)), None),
    ("compared_as_typed", "you compared the name with the label as typed: 'café' typed on a Mac (NFD) "
     "differs from its NFC form, so it got a hash. Compare name with text = "
     "unicodedata.normalize('NFC', label): both spellings are the same plain label.", _compared_as_typed,
     _learner_dirname(plain=_plain_rule(same=lambda label, text, name: name == label)), None),
    ("measured_wrongly", "this label fits in 100 bytes of UTF-8, so it is plain: measure "
     "len(text.encode('utf-8')) (not UTF-16, not the cleaned or cut name).", _measured_wrongly,
     _learner_dirname(plain=_plain_rule(fits=lambda label, text: len(text.encode("utf-16")) <= 100)), None),
    ("lower_not_casefold", "'straße'.lower() is 'straße', but a case-insensitive comparison folds 'ß' to "
     "'ss' (casefold): test text == text.casefold(), not .lower() or .islower().", _lower_not_casefold,
     _learner_dirname(plain=_plain_rule(case=lambda text: text == text.lower())), None),
    ("islower_without_letters", "str.islower() is False for a label with no letters that have a case ('猫', "
     "'42'), so it got a hash it does not need: test text == text.casefold().", _islower_without_letters,
     _learner_dirname(plain=_plain_rule(case=str.islower)), None),
    ("no_case_rule", "'Cat' and 'cat' get folders that differ only in case: on Windows and macOS disks they "
     "are the same folder. Add the hash whenever text != text.casefold().", _no_case_rule,
     _learner_dirname(plain=_plain_rule(case=lambda text: True)), None),
    ("always_hashed", "a plain label keeps its name unchanged ('tabby' stays 'tabby') so the folders stay "
     "readable: add the hash only when cleaning changed the label, it is not all lower case, it ends like a "
     "suffix, or it is longer than 100 bytes.", _always_hashed,
     _learner_dirname(plain=lambda label, text, name: False), None),
    ("hash_of_cleaned", "you hashed the cleaned name, so labels that clean to the same name ('a/b' and 'a\\b' "
     "both become 'a_b') still share a folder. Hash the NFC label itself: sha256(text.encode('utf-8')).",
     _hash_of_cleaned,
     _learner_dirname(digest=lambda label, text, name: hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]), None),
    ("hash_as_typed", "you hashed the label as typed: 'café' in NFD and in NFC are one label and must get one "
     "folder. Hash text = unicodedata.normalize('NFC', label).", _hash_as_typed,
     _learner_dirname(digest=lambda label, text, name: hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]), None),
    ("wrong_digits", "the 8 hex digits are not the first 8 of hashlib.sha256(text.encode('utf-8')).hexdigest() "
     "(another hash function, the last 8 digits, upper case, or Python's hash(), which changes every run).",
     _wrong_digits, _learner_dirname(digest=_md5_digits), None),
    ("hash_length", "the suffix is the first 8 hex digits of the SHA-256, not more or fewer: "
     "hexdigest()[:8].", _hash_length,
     _learner_dirname(digest=lambda label, text, name: hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]),
     None),
    ("hash_joined_wrongly", "join the name and the hash with '-': name + '-' + digest (the suffix is '-' and 8 "
     "hex digits, which is what marks a hashed name).", _hash_joined_wrongly,
     _learner_dirname(join=lambda head, tail: head + "_" + tail), None),
    ("hash_in_front", "the hash goes at the end: name + '-' + digest, so the folders still sort and read by "
     "their label.", _hash_in_front, _learner_dirname(join=lambda head, tail: tail + "-" + head), None),
    ("cut_after_hash", "you cut after adding the hash, which cuts the hash off: cut the name to 91 bytes "
     "first, then add '-' and the 8 hex digits (91 + 9 = 100 bytes).", _cut_after_hash,
     lambda label: _learner_dirname(cut=lambda name: name)(label).encode("utf-8")[:100].decode("utf-8", "ignore"),
     None),
    ("split_character", "cutting at 91 bytes can land inside a character ('猫' is 3 bytes): decode the cut "
     "bytes with errors='ignore' (never 'replace', which writes U+FFFD), so the half character is dropped.",
     _split_character, _learner_dirname(cut=_strict_decode_cut),
     lambda exc, case: isinstance(exc, UnicodeDecodeError)),
    ("cut_in_chars", "you cut to 91 characters, not 91 bytes: '猫' is 3 bytes of UTF-8, so the name is over "
     "100 bytes. Cut the bytes: name.encode('utf-8')[:91].decode('utf-8', errors='ignore').", _cut_in_chars,
     _learner_dirname(cut=lambda name: name[:91]), None),
    ("not_cut", "you did not cut the long name: cut it to 91 bytes of UTF-8 before adding '-' and the 8 hex "
     "digits, so the whole folder name fits in 100 bytes.", _not_cut, _learner_dirname(cut=lambda name: name),
     None),
    ("cut_too_long", "the name before the hash is longer than 91 bytes: with '-' and 8 hex digits the folder "
     "name is over 100 bytes. Cut to 91 bytes (100 - 9).", _cut_too_long,
     _learner_dirname(cut=lambda name: name.encode("utf-8")[:92].decode("utf-8", errors="ignore")), None),
    ("cut_too_short", "you cut more than needed: keep the first 91 bytes of the name (and only the "
     "half character that crosses byte 91 goes).", _cut_too_short,
     _learner_dirname(cut=lambda name: name.encode("utf-8")[:90].decode("utf-8", errors="ignore")), None),
    ("case_changed", "you changed the case of the label ('Cat' became 'cat'), so 'Cat' and 'cat' share a "
     "folder: keep the case; the hash is what keeps such names apart on case-insensitive disks.",
     _case_changed, lambda label: _learner_dirname()(label.lower()), None),
    ("no_hash", "you added no hash, so labels that clean to the same name share a folder ('a/b' and 'a_b' "
     "both give 'a_b'). When the label is not plain (cleaning changed it, it is not all lower case, it "
     "ends like a suffix, or it is over 100 bytes) add '-' and the first 8 hex digits of the SHA-256 of "
     "the NFC label.", _no_hash, lambda label: clean_component(label), None),
]


def _dirname_mistakes():
    mistakes = [_str_expected("safe_label_dirname")]
    for what, message, test, example, on_error in DIRNAME_MISTAKES:
        mistakes.append(Mistake(f"safe_label_dirname.{what}", message, detect=_fact_detect(test),
                                example=example, on_error=on_error))
    for what, message, test, example in MIRRORED:
        mistakes.append(Mistake(
            f"safe_label_dirname.clean_{what}",
            f"the name is not clean_component(text) of the label: {message}",
            detect=_mirror(test), example=_mirrored_example(what, example)))
    mistakes.append(Mistake("safe_label_dirname.too_long", "the name is longer than 100 bytes of UTF-8: a "
                            "label over 100 bytes gets its name cut to 91 bytes, then '-' and 8 hex digits.",
                            detect=_fact_detect(_too_long),
                            example=_learner_dirname(plain=_plain_rule(fits=lambda label, text: True),
                                                     cut=lambda name: name)))
    return mistakes


def _mirrored_example(what, clean_example):
    if what == "kept_raw":
        return lambda label: label
    if what == "basename":
        return _learner_dirname(clean=_basename_example)
    return _learner_dirname(clean=clean_example, nfc=what != "not_nfc")


def _dirname_cases():
    groups = [
        ("plain", ["tabby", "tiger cat", "猫", "a_b", "42", "café", "egyptian cat"]),
        ("cleaned", ["a/b\\c", "a/b", "a\\b", "../x", "CON", "tabby.", ""]),
        ("clean", [NFD_CAFE]),
        ("case", ["Cat", "CAT", "Egyptian cat", "straße"]),
        ("suffix", ["cat-0123abcd", "-deadbeef", "x-00000000", "cat-0123abc", "cat-0123abcde", "cat_0123abcd",
                    "cat-0123abcg", "x-0123abcd-y", "cat-0123ABCD"]),
        # exactly 100 bytes (plain) and 101 (hashed) in 1-, 2-, 3- and 4-byte characters; 'x' * 300
        # first, so that an answer with no length rule at all is not taken for an off-by-one
        ("length", ["x" * 99, "x" * 100, "é" * 50, "猫" * 33 + "x", "🐈" * 25,
                    unicodedata.normalize("NFD", "é" * 50), "x" * 300, "x" * 101, "é" * 50 + "x", "猫" * 33 + "xx", "🐈" * 25 + "x", "猫" * 34,
                    "a_b" + "x" * 98]),
        # byte 91 falls at every offset inside a 2-, 3- and 4-byte character
        ("cut", ["é" * 80, "猫" * 40] + ["y" * pad + "猫" * 40 for pad in (1, 2)]
         + ["y" * pad + "🐈" * 30 for pad in range(4)] + ["y" + "é" * 60, "A/B" + "猫" * 40]),
        ("hash", ["Tabby", "a/b/c"]),
        ("clean", [case.args[0] for case in _clean_cases()]),
    ]
    seen, cases = set(), []  # each label once, in its first group
    for rule, labels in groups:
        for label in labels:
            if label not in seen:
                seen.add(label)
                cases.append(Case(_label_text(label), (label,), rule=rule))
    return cases


register(Exercise(
    name="safe_label_dirname",
    notebook=NOTEBOOK,
    reference=safe_label_dirname,
    cases=_dirname_cases,
    summary="a safe folder name per label, distinct even on case-insensitive disks",
    rules={
        "clean": 'let text = unicodedata.normalize("NFC", label) and name = clean_component(text)',
        "cleaned": "The label is plain when name == text",
        "case": "text == text.casefold() (all lower case)",
        "suffix": "it does not already end like a suffix",
        "length": "it fits in 100 bytes of UTF-8",
        "plain": "Return a plain label's name unchanged",
        "cut": "the name cut to 91 bytes of UTF-8",
        "hash": 'the first 8 hex digits of hashlib.sha256(text.encode("utf-8"))',
    },
    hint=(
        """
        Build on clean_component: decide whether the label is "plain" (the prompt's four tests).
        A plain label's cleaned name is the answer; every other label gets its name cut short
        plus "-" and a short hash of the label. Look up hashlib.sha256.
        """,
        """
        1. A label that is not a str is a TypeError.
        2. text = the NFC form of the label; name = clean_component(text).
        3. Plain: name == text, text == text.casefold(), text does not end in "-" and 8 hex
           digits (re.search), and text fits in 100 bytes of UTF-8 (len of its .encode("utf-8")).
        4. Plain: return name. Otherwise: the name cut to 91 bytes of UTF-8 + "-" + the first 8
           hex digits of the SHA-256 of the NFC label (not of the cleaned name).
        """,
        """
        The cut that never splits a character: `name.encode("utf-8")[:91].decode("utf-8",
        errors="ignore")`. The hash: `hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]`.
        The suffix test: `re.search(r"-[0-9a-f]{8}$", text) is None` for a plain label.
        """,
    ),
    mistakes=_dirname_mistakes(),
))


# --------------------------------------------------------------------------- #
# to_coco_results
# --------------------------------------------------------------------------- #
COCO_KEYS = ("image_id", "category_id", "bbox", "score")


def _one(box, score, class_id, image_id=5):
    return (image_id, np.array([box], np.float32), np.array([score], np.float32), np.array([class_id]),
            [1, 3, 7])


def _coco_cases():
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 300, (6, 2)).astype(np.float32)
    sizes = rng.uniform(5, 80, (6, 2)).astype(np.float32)
    boxes = np.concatenate([corners, corners + sizes], axis=1)
    scores = rng.uniform(0.3, 1.0, 6).astype(np.float32)
    classes = np.array([2, 0, 1, 2, 1, 0])
    nan_third = boxes.copy()
    nan_third[2, 3] = np.nan
    return [
        Case("one box [10, 20, 50, 80] of class 0, COCO category ids [1, 3, 7]",
             (42, np.array([[10, 20, 50, 80]], np.float32), np.array([0.9], np.float32), np.array([0]),
              [1, 3, 7]), rule="format"),
        Case("one box [10.5, 20.25, 50.75, 80.125] of class 1 (category id 3), score 0.3125",
             _one([10.5, 20.25, 50.75, 80.125], 0.3125, 1), rule="format"),
        Case("six float32 boxes, scores from 0.3 to 1 and int64 class ids, image_id an np.int64",
             (np.int64(139), boxes, scores, classes, [1, 3, 7]), rule="plain"),
        Case("class ids 0, 1, 2 and category ids [1, 3, 7] given as a NumPy array",
             (7, boxes[:3], scores[:3], np.array([0, 1, 2]), np.array([1, 3, 7])), rule="category"),
        Case("class ids 2, 1, 0 and category ids [18, 44, 90] (COCO's ids have gaps)",
             (7, boxes[:3], scores[:3], np.array([2, 1, 0]), [18, 44, 90]), rule="category"),
        Case("four detections with scores 0.9, 0.04, 0.001 and 0 (a low score is still a detection)",
             (11, boxes[:4], np.array([0.9, 0.04, 0.001, 0.0], np.float32), classes[:4], [1, 3, 7]),
             rule="each"),
        Case("no detections at all (boxes of shape (0, 4))",
             (5, np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), [1, 3, 7]),
             rule="each"),
        Case("a detection whose score is NaN (json.dumps(allow_nan=False) refuses NaN)",
             _one([0, 0, 10, 10], np.nan, 0), raises=ValueError, raises_mentions=("NaN",), rule="nan"),
        Case("a box whose x2 is NaN, with a good score (check the boxes too, not only the scores)",
             _one([0, 0, np.nan, 10], 0.8, 0), raises=ValueError, raises_mentions=("NaN",), rule="nan"),
        Case("six detections, the third with a NaN box (check every detection, not the first)",
             (np.int64(139), nan_third, scores, classes, [1, 3, 7]), raises=ValueError,
             raises_mentions=("NaN",), rule="nan"),
        Case("a detection whose score is +inf (a NaN test alone misses it: np.isnan(inf) is False; "
             "np.isfinite catches both)", _one([0, 0, 10, 10], np.inf, 0), raises=ValueError, rule="nan"),
        Case("a box whose y1 is -inf (a NaN test alone misses it: np.isnan(-inf) is False; "
             "np.isfinite catches both)", _one([0, -np.inf, 10, 10], 0.8, 0), raises=ValueError, rule="nan"),
    ]


def _plain_values(item):
    """The numbers of one result dict, in order: image_id, category_id, the 4 bbox numbers, score."""
    return [item["image_id"], item["category_id"], *item["bbox"], item["score"]]


def _compare_coco(expected, got):
    if not isinstance(got, list):
        return KindProblem(f"the result should be a list of dicts (one per detection), not {describe(got)}")
    for i, g in enumerate(got):
        if not isinstance(g, dict):
            return KindProblem(f"item {i} of the result should be a dict, not {describe(g)}")
    if len(got) != len(expected):
        return f"the result holds {len(got)} dicts; expected {len(expected)}, one per detection"
    for i, (e, g) in enumerate(zip(expected, got)):
        if set(g) != set(e):
            return f"item {i} has the keys {sorted(map(str, g))}; expected exactly {sorted(e)}"
    for i, g in enumerate(got):
        for key in ("image_id", "category_id"):
            if type(g[key]) is not int:
                return KindProblem(f"item {i}['{key}'] is {describe(g[key])}; it should be a plain Python int")
        if type(g["bbox"]) is not list or len(g["bbox"]) != 4:
            return KindProblem(f"item {i}['bbox'] should be a list of 4 floats [x, y, w, h], "
                               f"not {describe(g['bbox'])}")
        if any(type(v) is not float for v in g["bbox"] + [g["score"]]):
            kinds = sorted({type(v).__name__ for v in g["bbox"] + [g["score"]]})
            return KindProblem(f"item {i} holds {', '.join(kinds)} values; bbox and score should be plain "
                               f"Python floats")
    for i, (e, g) in enumerate(zip(expected, got)):
        if (g["image_id"], g["category_id"]) != (e["image_id"], e["category_id"]):
            return (f"item {i} has image_id {g['image_id']} and category_id {g['category_id']}; "
                    f"expected {e['image_id']} and {e['category_id']}")
        if not np.allclose(_plain_values(g), _plain_values(e), atol=1e-4, rtol=1e-6):
            return f"item {i} is {g}; expected {e}"
    return None


def _items(run):
    """The answer's dicts when it is a list of dicts with COCO's keys, else None."""
    got = run.got
    if isinstance(got, list) and all(isinstance(g, dict) and set(g) == set(COCO_KEYS) for g in got):
        return got
    return None


def _all_values(run):
    items = _items(run) or []
    return [v for g in items for v in [g["image_id"], g["category_id"], g["score"]]
            + (list(g["bbox"]) if isinstance(g["bbox"], (list, tuple, np.ndarray)) else [g["bbox"]])]


def _numpy_not_json(run):
    values = _all_values(run)
    return any(isinstance(v, np.generic) and not isinstance(v, float) for v in values)


def _numpy_float64(run):
    return any(isinstance(v, np.float64) for v in _all_values(run))


def _bbox_container(run):
    return any(not isinstance(g["bbox"], list) and isinstance(g["bbox"], (tuple, np.ndarray))
               for g in _items(run) or [])


def _whole_pixels(run):
    items = _items(run) or []
    return any(type(v) is int for g in items if isinstance(g["bbox"], list) for v in g["bbox"])


def _ids_not_int(run):
    items = _items(run) or []
    return any(isinstance(g[key], (str, float)) for g in items for key in ("image_id", "category_id"))


def _wrong_keys(run):
    got = run.got
    return (isinstance(got, list) and len(got) == len(run.expected) and len(got) > 0
            and all(isinstance(g, dict) for g in got) and any(set(g) != set(COCO_KEYS) for g in got))


def _same_numbers(a, b):
    try:
        return np.allclose(_plain_values(a), _plain_values(b), atol=1e-4, rtol=1e-6)
    except (TypeError, ValueError, KeyError):
        return False


def _dropped_some(run):
    items = _items(run)
    if items is None or len(items) >= len(run.expected):
        return False
    rest = iter(run.expected)  # every answer dict is one of the expected, in their order
    return all(any(_same_numbers(g, e) for e in rest) for g in items)


def _reordered(run):
    items = _items(run)
    if items is None or len(items) != len(run.expected) or len(items) < 2:
        return False
    unmatched = list(run.expected)
    for g in items:
        match = next((e for e in unmatched if _same_numbers(g, e)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def _rounded(run):
    """Every number is exact or rounded to 0-4 decimals (ids exact), and some are rounded."""
    items = _items(run)
    if not items or len(items) != len(run.expected):
        return False
    pairs = [(g, e) for got, want in zip(items, run.expected)
             for g, e in zip(_plain_values(got), _plain_values(want))]
    exact = [abs(g - e) <= 1e-4 for g, e in pairs]
    rounded = [any(abs(g - round(e, digits)) <= 1e-9 for digits in range(5)) for g, e in pairs]
    ids_exact = all(exact[i] for i in range(len(pairs)) if i % 7 in (0, 1))
    return ids_exact and not all(exact) and all(x or r for x, r in zip(exact, rounded))


def _index_as_image_id(run):
    items = _items(run)
    if not items or len(items) != len(run.expected) or run.expected[0]["image_id"] <= len(items):
        return False
    return [g["image_id"] for g in items] in (list(range(len(items))), list(range(1, len(items) + 1)))


def _inputs(run):
    """The case's boxes (N, 4) float64, class ids (N,) and category ids."""
    _, boxes, _, class_ids, category_ids = run.case.args
    return np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(class_ids).reshape(-1), category_ids


def _boxes_are(convert_box):
    """Every bbox of the answer is convert_box(x1, y1, x2, y2) of its box (and that is not right)."""
    def detect(run):
        items = _items(run)
        boxes, _, _ = _inputs(run)
        if not items or len(items) != len(boxes):
            return False
        wanted = [list(convert_box(b)) for b in boxes.tolist()]
        right = [e["bbox"] for e in run.expected]
        return (not np.allclose(wanted, right, atol=1e-4)
                and np.allclose([list(g["bbox"]) for g in items], wanted, atol=1e-4, rtol=1e-6))
    return detect


def _categories_are(category):
    """Every category_id of the answer is category(category_ids, class_id) (and that is not right)."""
    def detect(run):
        items = _items(run)
        _, class_ids, category_ids = _inputs(run)
        if not items or len(items) != len(class_ids):
            return False
        wanted = [int(category(category_ids, int(c))) for c in class_ids]
        return wanted != [e["category_id"] for e in run.expected] and [g["category_id"] for g in items] == wanted
    return detect


def _coco_variant(convert_box, category=lambda category_ids, c: category_ids[int(c)]):
    """A to_coco_results that converts its numbers correctly but gets one rule wrong."""
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
        scores = np.asarray(scores, np.float64).reshape(-1)
        if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
            raise ValueError("NaN or inf in the detections")
        return [{"image_id": int(image_id), "category_id": int(category(category_ids, c)),
                 "bbox": [float(v) for v in convert_box(b)], "score": float(s)}
                for b, s, c in zip(boxes, scores, np.asarray(class_ids))]
    return to_coco_results


def _xywh(b):
    return [b[0], b[1], b[2] - b[0], b[3] - b[1]]


# boxes and category ids as wrong answers make them
CORNERS = lambda b: list(b)  # noqa: E731
PLUS_ONE = lambda b: [b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1]  # noqa: E731
CENTRE = lambda b: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]]  # noqa: E731
ROWS_FIRST = lambda b: [b[1], b[0], b[3] - b[1], b[2] - b[0]]  # noqa: E731
SIZE_SWAPPED = lambda b: [b[0], b[1], b[3] - b[1], b[2] - b[0]]  # noqa: E731
HEIGHT_FROM_X1 = lambda b: [b[0], b[1], b[2] - b[0], b[3] - b[0]]  # noqa: E731
WIDTH_FROM_Y1 = lambda b: [b[0], b[1], b[2] - b[1], b[3] - b[1]]  # noqa: E731
CLASS_INDEX = lambda category_ids, c: c  # noqa: E731
CLASS_PLUS_ONE = lambda category_ids, c: c + 1  # noqa: E731
CLASS_SHIFTED = lambda category_ids, c: category_ids[int(c) - 1]  # noqa: E731


def _box_mistake(what, message, convert_box):
    return Mistake(f"to_coco_results.{what}", message, detect=_boxes_are(convert_box),
                   example=_coco_variant(convert_box))


def _category_mistake(what, message, category):
    return Mistake(f"to_coco_results.{what}", message, detect=_categories_are(category),
                   example=_coco_variant(_xywh, category=category))


def _coco_with(change):
    """A to_coco_results right but for ``change(results, inputs)`` applied to its output."""
    def to_coco_results(image_id, boxes_xyxy, scores, class_ids, category_ids):
        results = _coco_variant(_xywh)(image_id, boxes_xyxy, scores, class_ids, category_ids)
        return change(results)
    return to_coco_results


def _not_finite(case):
    """Where the case's bad number is: ('score' or 'box', 'nan' or 'inf', index of the detection)."""
    _, boxes, scores, _, _ = case.args
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    scores = np.asarray(scores, np.float64).reshape(-1)
    for i in range(len(scores)):
        for where, values in (("score", scores[i:i + 1]), ("box", boxes[i])):
            if not np.isfinite(values).all():
                return where, "nan" if np.isnan(values).any() else "inf", i
    return None


def _let_through(where=None, kind=None, later=False):
    """A detect for a bad-input case that gave a result: the bad number is ``kind`` in ``where``
    (None: anywhere), in a later detection than the first when ``later``. The cases come in
    the order score NaN, box NaN, a later box NaN, then inf, so that reaching one says the ones
    before were refused."""
    def detect(run):
        if isinstance(run.got, BaseException):  # it raised, with a message that misses 'NaN'
            return False
        bad = _not_finite(run.case)
        return (bad is not None and where in (None, bad[0]) and kind in (None, bad[1])
                and (bad[2] > 0) == later)
    return detect


def _example_no_check(image_id, boxes_xyxy, scores, class_ids, category_ids):
    return [{"image_id": int(image_id), "category_id": int(category_ids[int(c)]),
             "bbox": [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])], "score": float(s)}
            for b, s, c in zip(boxes_xyxy, scores, class_ids)]


def _example_scores_checked(image_id, boxes_xyxy, scores, class_ids, category_ids):
    if not np.isfinite(np.asarray(scores, np.float64)).all():
        raise ValueError("NaN or infinite score")
    return _example_no_check(image_id, boxes_xyxy, scores, class_ids, category_ids)


def _example_first_checked(image_id, boxes_xyxy, scores, class_ids, category_ids):
    boxes, scores = np.asarray(boxes_xyxy, np.float64), np.asarray(scores, np.float64)
    if len(scores) and not (np.isfinite(boxes[0]).all() and np.isfinite(scores).all()):
        raise ValueError("NaN or infinite value in the detections")
    return _example_no_check(image_id, boxes_xyxy, scores, class_ids, category_ids)


def _example_nan_only(image_id, boxes_xyxy, scores, class_ids, category_ids):
    if np.isnan(np.asarray(boxes_xyxy, np.float64)).any() or np.isnan(np.asarray(scores, np.float64)).any():
        raise ValueError("NaN in the detections")
    return _example_no_check(image_id, boxes_xyxy, scores, class_ids, category_ids)


def _refuses_empty(exc, case):
    return isinstance(exc, (ValueError, IndexError)) and len(np.asarray(case.args[1]).reshape(-1, 4)) == 0


def _empty_refusing(image_id, boxes_xyxy, scores, class_ids, category_ids):
    if len(boxes_xyxy) == 0:
        raise ValueError("no detections")
    return _coco_variant(_xywh)(image_id, boxes_xyxy, scores, class_ids, category_ids)


def _numpy_answer(image_id, boxes_xyxy, scores, class_ids, category_ids):
    boxes = np.asarray(boxes_xyxy, np.float64)
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        raise ValueError("NaN or inf in the detections")
    xywh = boxes.astype(np.float32).copy()
    xywh[:, 2:] -= xywh[:, :2]
    return [{"image_id": image_id, "category_id": category_ids[c], "bbox": list(b), "score": s}
            for b, s, c in zip(xywh, scores, class_ids)]


def _float64_answer(image_id, boxes_xyxy, scores, class_ids, category_ids):
    boxes = np.asarray(boxes_xyxy, np.float64)
    if not (np.isfinite(boxes).all() and np.isfinite(scores).all()):
        raise ValueError("NaN or inf in the detections")
    return [{"image_id": int(image_id), "category_id": int(category_ids[c]),
             "bbox": [x1, y1, x2 - x1, y2 - y1], "score": np.float64(s)}
            for (x1, y1, x2, y2), s, c in zip(boxes, scores, class_ids)]


register(Exercise(
    name="to_coco_results",
    notebook=NOTEBOOK,
    reference=to_coco_results,
    cases=_coco_cases,
    compare=_compare_coco,
    summary="detections as COCO result dicts that json.dumps accepts",
    rules={
        "format": '"bbox": [x, y, width, height]',
        "category": "category_ids[class_id]",
        "each": "one dict per detection, in their order",
        "plain": "Return plain Python int and float",
        "nan": "raise ValueError (mentioning NaN) when a box or score is NaN or infinite",
    },
    hint=(
        """
        One dict per detection: the corners become [x, y, width, height], the class index goes
        through category_ids, and every number becomes a plain Python int or float. Check for
        NaN and inf before anything else.
        """,
        """
        1. boxes as a float (N, 4) array (reshape(-1, 4): no detections give (0, 4)), scores as
           a float (N,) array.
        2. If any box or score is not finite (np.isfinite), raise a ValueError that mentions NaN.
        3. width = x2 - x1 and height = y2 - y1 (no "+ 1").
        4. For each detection, in order (even a low score), a dict with the keys "image_id",
           "category_id", "bbox" and "score"; no detections give [].
        5. int(...) and float(...) on every number: NumPy scalars are not JSON.
        """,
        """
        In a loop over zip(boxes, scores, class_ids): the category is
        `int(category_ids[int(c)])`, the box `[float(v) for v in (x1, y1, x2 - x1, y2 - y1)]`,
        the score float(s), and the image id int(image_id).
        """,
    ),
    mistakes=[
        Mistake("to_coco_results.json_string", "return the list of dicts itself, not its JSON text: the "
                "caller runs json.dumps (and can check it).", on_type=True,
                detect=lambda run: isinstance(run.got, (str, bytes)),
                example=_coco_with(json.dumps)),
        Mistake("to_coco_results.bbox_container", "bbox should be a list [x, y, width, height], not a tuple or "
                "an array: build it with [...] or .tolist().", on_type=True, detect=_bbox_container,
                example=_coco_with(lambda results: [dict(r, bbox=tuple(r["bbox"])) for r in results])),
        Mistake("to_coco_results.numpy_not_json", "json.dumps cannot serialise your values: they are NumPy "
                "scalars (np.float32, np.int64). Convert each with float(...) or int(...), or use .tolist().",
                on_type=True, detect=_numpy_not_json, example=_numpy_answer),
        Mistake("to_coco_results.numpy_float64", "your numbers are NumPy float64, which only pass json.dumps "
                "by accident (np.float64 is a float subclass; np.float32 is not): convert each with "
                "float(...) so the result is plain Python.", on_type=True, detect=_numpy_float64,
                example=_float64_answer),
        Mistake("to_coco_results.whole_pixels", "your bbox holds ints: COCO boxes are continuous, so keep "
                "x, y, width and height as floats (float(...), no int() or round()).", on_type=True,
                detect=_whole_pixels,
                example=_coco_with(lambda results: [dict(r, bbox=[int(v) for v in r["bbox"]])
                                                    for r in results])),
        Mistake("to_coco_results.ids_not_int", "image_id and category_id are ints in COCO's files (str(...) "
                "or float(...) does not match the ground truth's ids): use int(...).", on_type=True,
                detect=_ids_not_int,
                example=_coco_with(lambda results: [dict(r, image_id=str(r["image_id"])) for r in results])),
        Mistake("to_coco_results.wrong_keys", "each dict holds exactly COCO's four keys, spelled as COCO spells "
                "them: 'image_id', 'category_id', 'bbox', 'score'.", detect=_wrong_keys,
                example=_coco_with(lambda results: [{"image_id": r["image_id"], "category": r["category_id"],
                                                     "bbox": r["bbox"], "score": r["score"]} for r in results])),
        Mistake("to_coco_results.refused_empty", "no detections is a valid answer (an image with nothing in "
                "it): return [] rather than raising.", on_error=_refuses_empty, example=_empty_refusing),
        Mistake("to_coco_results.dropped_detections", "you left some detections out (a score threshold?): "
                "write one dict per detection; COCO's AP needs the low-scoring ones too.", detect=_dropped_some,
                example=_coco_with(lambda results: [r for r in results if r["score"] >= 0.5])),
        Mistake("to_coco_results.reordered", "the dicts are out of order (sorted by score?): keep one dict per "
                "detection in the order of the detections.", detect=_reordered,
                example=_coco_with(lambda results: sorted(results, key=lambda r: -r["score"]))),
        _box_mistake("corners", "your bbox is still [x1, y1, x2, y2]; COCO wants [x, y, width, height] with "
                     "width = x2 - x1 and height = y2 - y1.", CORNERS),
        _box_mistake("plus_one", "you added 1 to width and height (the old pixel-count convention); COCO "
                     "boxes are continuous: width = x2 - x1.", PLUS_ONE),
        _box_mistake("centre", "your bbox is [centre x, centre y, w, h]; COCO's x, y is the top-left corner.",
                     CENTRE),
        _box_mistake("swapped_xy", "your bbox is [y, x, height, width]: COCO's order is x first (the column), "
                     "then y (the row): [x1, y1, x2 - x1, y2 - y1].", ROWS_FIRST),
        _box_mistake("size_swapped", "your width and height are swapped: width = x2 - x1 comes first, then "
                     "height = y2 - y1: [x1, y1, x2 - x1, y2 - y1].", SIZE_SWAPPED),
        _box_mistake("height_from_x1", "your height is y2 - x1: subtract the box's own top, height = y2 - y1.",
                     HEIGHT_FROM_X1),
        _box_mistake("width_from_y1", "your width is x2 - y1: subtract the box's own left edge, width = x2 - x1.",
                     WIDTH_FROM_Y1),
        Mistake("to_coco_results.rounded", "you rounded the numbers: keep them exact (float(v)); the "
                "evaluation compares boxes to a fraction of a pixel and ranks by score.", detect=_rounded,
                example=_coco_with(lambda results: [dict(r, bbox=[round(v, 2) for v in r["bbox"]],
                                                         score=round(r["score"], 2)) for r in results])),
        _category_mistake("class_index", "category_id is the model's class index; COCO category ids are not "
                          "0..N-1 (they have gaps): use category_ids[class_id].", CLASS_INDEX),
        _category_mistake("class_plus_one", "category_id is class_id + 1, but COCO's ids have gaps (1..90 for 80 "
                          "classes): look it up, category_ids[class_id].", CLASS_PLUS_ONE),
        _category_mistake("class_shifted", "class ids count from 0: category_ids[class_id] is the id of class "
                          "class_id, not category_ids[class_id - 1] (which gives class 0 the last id).",
                          CLASS_SHIFTED),
        # Bad input that gave a result instead of the ValueError.
        Mistake("to_coco_results.nan_accepted", "nothing refused this NaN score. Test every score and every "
                "box number with np.isfinite (which refuses NaN and inf alike; `x == np.nan` is always False) "
                "and raise ValueError naming NaN.", on_no_raise=True,
                detect=_let_through("score", "nan"), example=_example_no_check),
        Mistake("to_coco_results.boxes_unchecked", "you refuse a NaN score but not a NaN box: check the four "
                "box numbers too, np.isfinite(boxes).all().", on_no_raise=True,
                detect=_let_through("box", "nan"), example=_example_scores_checked),
        Mistake("to_coco_results.first_detection_only", "you refuse a NaN in the first detection but not in a "
                "later one: check every detection (np.isfinite(boxes).all() over the whole (N, 4) array).",
                on_no_raise=True, detect=_let_through("box", "nan", later=True), example=_example_first_checked),
        Mistake("to_coco_results.inf_accepted", "you refuse NaN but let infinity through: np.isnan(inf) is "
                "False, and json.dumps(allow_nan=False) refuses inf as well. Test np.isfinite (or "
                "math.isfinite), which is False for NaN, inf and -inf.", on_no_raise=True,
                detect=_let_through(kind="inf"), example=_example_nan_only),
        Mistake("to_coco_results.index_as_image_id", "image_id is the id of the image passed in, the same in "
                "every dict (one image per call), not the number of the detection.", detect=_index_as_image_id,
                example=_coco_with(lambda results: [dict(r, image_id=i) for i, r in enumerate(results)])),
    ],
))
