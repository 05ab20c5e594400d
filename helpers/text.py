"""Text on images in any script: the one place that draws and measures label text.

cv2's Hershey fonts (cv2.putText with FONT_HERSHEY_*) draw ASCII only: every byte of
another character's UTF-8 comes out as "?", so "猫" is drawn "???". The two functions
here mirror cv2's conventions, so a caller swaps them in and changes little:

- :func:`text_size` ``(text, font_scale, thickness) -> ((width, height), baseline)``,
  as ``cv2.getTextSize(text, FONT_HERSHEY_SIMPLEX, font_scale, thickness)``;
- :func:`put_text` ``(image, text, org, font_scale, colour_bgr, thickness)`` draws in
  place, ``org`` being the text's bottom-left (on the baseline), as for cv2.putText.

ASCII text is drawn exactly as before, pixel for pixel: cv2.putText with
FONT_HERSHEY_SIMPLEX and LINE_AA (the course's exercises compare learners' cv2.putText
drawings with the reference). Other text is drawn with real fonts, sized so that it
fills the same box Hershey would (same height, same baseline: label boxes keep their
size), anti-aliased and blended onto the image in the given colour:

- on OpenCV 5 (``cv2.FontFace`` exists): OpenCV's built-in "sans" font (Latin, Greek,
  Cyrillic, Hebrew, Arabic, CJK, many symbols), then Noto Emoji, Noto Sans Symbols and
  the Noto Sans files of other scripts for the characters the built-in font lacks;
- elsewhere (OpenCV 4): Pillow with the Noto fonts, first Noto Sans (Latin, Greek,
  Cyrillic), then Noto Sans CJK, Noto Emoji (monochrome), Noto Sans Symbols, then the
  Noto Sans file of each other script (Arabic, Hebrew, Devanagari, Thai, Georgian, ...).

The text is cut into runs of characters that one font covers (combining marks, and
spaces except after an emoji, stay in the run they follow), and the runs are drawn
left to right. On OpenCV 5 all the text the built-in font covers is one run, and only
the emoji, and scripts the built-in font lacks, go to the Noto files: one FontFace of
Noto Emoji for the whole text would also take its wide spaces and its digits (Noto
Emoji has 0-9, # and * for the keycaps) and draw a box, not "?", for what neither has.

Which scripts come out right (see :func:`unicode_backend`):

- everywhere: Latin (with accents), Greek, Cyrillic, Chinese, Japanese, Korean, emoji
  (monochrome), symbols, and the scripts that need no shaping (Armenian, Georgian,
  Ethiopic);
- OpenCV 5 FontFace: also Hebrew (right to left); Thai is readable (marks placed
  simply). Arabic comes out right to left but unjoined (isolated letter forms: not
  right), the Indic scripts (Devanagari, Bengali, Tamil, ...) unshaped (no conjuncts,
  vowel signs in typed order), and emoji one glyph per code point (a flag as its two
  letters, a ZWJ family or a skin tone as its parts);
- Pillow with libraqm (``PIL.features.check("raqm")``, "pillow-raqm"): shaping and
  right-to-left within each run, so Arabic, Hebrew, Thai, the Indic scripts, flags
  and emoji sequences come out right when the whole run is in one font. Runs of
  different fonts are still placed left to right, so a right-to-left word mixed with
  other text keeps its own order but not its place in the line;
- Pillow without libraqm ("pillow-basic"): no shaping and no right to left: Arabic
  comes out unjoined and reversed, Hebrew reversed, Indic scripts broken. Only the
  scripts of the first point come out right.

A character no font here covers is drawn as the font's replacement (a "?" on OpenCV 5,
an empty box from Noto Sans under Pillow) and :func:`put_text` warns, naming it, each
time it draws it.

The fonts (SIL Open Font License 1.1) come from the PyPI packages ``manimgx_fonts`` and
``noto_cjk_sans_otc`` (in requirements.txt). Without them, Pillow has nothing to draw
with, and non-ASCII text falls back to Hershey's "?" with a warning that says what to
install; OpenCV 5 keeps its built-in font (and warns for the emoji it lacks).
"""
from __future__ import annotations

import functools
import importlib.resources
import math
import numbers
import unicodedata
import warnings
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

#: The Hershey font ASCII text is drawn with, exactly as cv2.putText draws it.
HERSHEY = cv2.FONT_HERSHEY_SIMPLEX

#: How much of a font's em square is fitted above the baseline (into Hershey's height)
#: and below it (into Hershey's baseline). 1.0 and 0.25 hold accented capitals (É: 0.94),
#: CJK (0.84 / -0.08), emoji (0.83 / -0.14) and descenders (g: -0.24).
ASCENT, DESCENT = 1.0, 0.25

#: The fonts tried first, in this order, as (package, file name).
PRIMARY_FONTS = (
    ("manimgx_fonts", "NotoSans[wght].ttf"),             # Latin, Greek, Cyrillic
    ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),    # Han, kana, Hangul (index 0: JP)
    ("manimgx_fonts", "NotoEmoji[wght].ttf"),            # emoji, monochrome
    ("manimgx_fonts", "NotoSansSymbols[wght].ttf"),      # symbols
)
#: After those: every other Noto Sans <Script> file beside Noto Sans (italics left out).
SCRIPT_FONTS_PACKAGE = "manimgx_fonts"
INSTALL_FONTS = "pip install manimgx-fonts noto-cjk-sans-otc (both are in requirements.txt)"

BUILTIN_FACE = "sans"   # OpenCV 5's built-in font
_MARKS = ("Mn", "Mc", "Me", "Cf")  # combining marks and format characters: they follow their base


class TextLayout(NamedTuple):
    """Non-ASCII text drawn once: ``mask`` is (height + baseline, width) uint8 coverage
    0-255 (read-only), its row ``height`` is the baseline; ``missing`` are the
    characters no font covers."""
    mask: np.ndarray
    width: int
    height: int
    baseline: int
    missing: tuple


# --------------------------------------------------------------------------- #
# The public API
# --------------------------------------------------------------------------- #
def unicode_backend():
    """How non-ASCII text is drawn here: "opencv-fontface" (OpenCV 5's cv2.FontFace),
    "pillow-raqm" (Pillow with complex layout: shaping, right to left) or "pillow-basic"
    (Pillow without libraqm: no shaping). ASCII is always drawn with Hershey."""
    if _has_fontface():
        return "opencv-fontface"
    from PIL import features
    return "pillow-raqm" if features.check("raqm") else "pillow-basic"


def text_size(text, font_scale, thickness=1):
    """((width, height), baseline) in pixels of ``text`` as :func:`put_text` draws it.

    Same meaning as cv2.getTextSize: the text's ink lies in the box from ``height``
    above the baseline to ``baseline`` below it, ``width`` wide. For ASCII it is
    cv2.getTextSize(text, FONT_HERSHEY_SIMPLEX, font_scale, thickness) itself; for
    other text height and baseline are Hershey's at this font_scale and thickness
    (so boxes keep their size) and width is the drawn text's. All ints.
    """
    return measure_checked(*checked_text_args(text, font_scale, thickness))


def measure_checked(text, font_scale, thickness):
    """:func:`text_size` for arguments already checked: a str, a float > 0, an int >= 1
    (drawing.draw_detections checks them once for a hundred labels)."""
    if text.isascii():
        return cv2.getTextSize(text, HERSHEY, font_scale, thickness)
    layout = _layout(text, font_scale, thickness, _has_fontface())
    if layout is None:   # no fonts installed: Hershey's "?"s
        return cv2.getTextSize(text, HERSHEY, font_scale, thickness)
    return (layout.width, layout.height), layout.baseline


def put_text(image, text, org, font_scale, colour_bgr, thickness=1):
    """Draw ``text`` on ``image`` in place with its bottom-left at ``org`` = (x, y); returns image.

    image: (H, W, 3) uint8 BGR (drawn on in place, as cv2.putText does). org: the left
    end of the baseline, as for cv2.putText. font_scale: as for Hershey (0.5 gives
    text 12 px tall above the baseline on OpenCV 4, 14 px on OpenCV 5). colour_bgr:
    3 numbers 0-255. thickness: a whole number >= 1 (for non-ASCII text, heavier
    weights of the font: 1 regular, 2 semibold, 3 and more bold).

    ASCII: cv2.putText(image, text, org, FONT_HERSHEY_SIMPLEX, font_scale, colour_bgr,
    thickness, LINE_AA), pixel for pixel. Other text: anti-aliased glyphs of real fonts
    (see the module docstring), blended in ``colour_bgr``, clipped to the image and to
    the box :func:`text_size` measures. Characters no font covers are drawn as the
    font's replacement, with a UserWarning naming them.
    """
    checked_canvas(image)
    text, font_scale, thickness = checked_text_args(text, font_scale, thickness)
    return draw_checked(image, text, _checked_org(org), font_scale, _checked_colour(colour_bgr), thickness,
                        _stacklevel=3)


def draw_checked(image, text, org, font_scale, colour, thickness, _stacklevel=2):
    """:func:`put_text` for arguments already checked: an (H, W, 3) uint8 image, a str, a
    pair of ints, a float > 0, a tuple of 3 ints 0-255 and an int >= 1. Its warnings point
    at the line that called it (at put_text's caller when put_text calls it)."""
    x, y = org
    if text.isascii():
        cv2.putText(image, text, (x, y), HERSHEY, font_scale, colour, thickness, cv2.LINE_AA)
        return image
    layout = _layout(text, font_scale, thickness, _has_fontface())
    if layout is None:
        warnings.warn(f"the Noto fonts are not installed, so {text!r} is drawn with Hershey, non-ASCII as "
                      f"'?': {INSTALL_FONTS}", UserWarning, stacklevel=_stacklevel)
        cv2.putText(image, text, (x, y), HERSHEY, font_scale, colour, thickness, cv2.LINE_AA)
        return image
    if layout.missing:
        named = ", ".join(f"{c!r} (U+{ord(c):04X}, {unicodedata.name(c, 'no name')})" for c in layout.missing)
        warnings.warn(f"no font here covers {named} in {text!r}: drawn as the font's replacement. "
                      f"The fonts cover {covered_scripts()}", UserWarning, stacklevel=_stacklevel)
    _blend(image, layout.mask, x, y - layout.height, colour)
    return image


def unicode_font_size(font_scale, thickness=1):
    """The em size in pixels (an int >= 1) non-ASCII text is drawn at for this Hershey
    font_scale and thickness: the largest that fits ASCENT of the em into Hershey's
    height above the baseline and DESCENT into its baseline."""
    _, font_scale, thickness = checked_text_args("", font_scale, thickness)
    (_, height), baseline = cv2.getTextSize("Ag", HERSHEY, font_scale, thickness)
    return max(1, int(min(height / ASCENT, baseline / DESCENT)))


def font_files():
    """The Noto font files found, in fallback order: a tuple of pathlib.Path (empty when
    the font packages are not installed). Found through importlib.resources."""
    return _font_files()


def covered_scripts():
    """A sentence-part naming the scripts the fonts here cover (for messages)."""
    fontface = _has_fontface()
    if fontface:
        base = ("Latin, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese, Korean and symbols (OpenCV's "
                "built-in font)")
    else:
        base = "Latin, Greek, Cyrillic (Noto Sans), Chinese, Japanese, Korean (Noto Sans CJK)"
    primary = {name for _, name in PRIMARY_FONTS}
    files = _font_files()
    names = [_script_name(p) for p in files if p.name not in primary]
    names = [n for n in names if n and n not in base]
    emoji = ", emoji (Noto Emoji)" if _emoji_font() else ""
    symbols = ", symbols (Noto Sans Symbols)" if any(p.name.startswith("NotoSansSymbols") for p in files) else ""
    return base + emoji + symbols + (f", and {', '.join(names)}" if names else "")


# --------------------------------------------------------------------------- #
# Checks
# --------------------------------------------------------------------------- #
def checked_canvas(image):
    """ValueError unless ``image`` is an (H, W, 3) uint8 BGR array, the only kind text is drawn on."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise ValueError(f"put_text draws on an (H, W, 3) uint8 BGR image, got {dtype} of shape {shape}: "
                         "convert it first (cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), image.astype(np.uint8))")
    return image


def checked_text_args(text, font_scale, thickness):
    """(text, float font_scale, int thickness), or TypeError / ValueError naming the bad one."""
    if not isinstance(text, str):
        raise TypeError(f"text should be a str, got {type(text).__name__} {text!r}: format it first, "
                        "e.g. f\"{label} {score:.2f}\"")
    if (isinstance(font_scale, bool) or not isinstance(font_scale, numbers.Real)
            or not math.isfinite(font_scale) or font_scale <= 0):
        raise ValueError(f"font_scale must be a number > 0 (as for cv2.putText), got {font_scale!r}")
    if (isinstance(thickness, bool) or not isinstance(thickness, numbers.Real)
            or not float(thickness).is_integer() or thickness < 1):
        raise ValueError(f"thickness must be a whole number >= 1, got {thickness!r}: max(1, round(thickness))")
    return text, float(font_scale), int(thickness)


def _checked_org(org):
    try:
        x, y = (float(v) for v in org)
    except (TypeError, ValueError):
        raise ValueError(f"org should be 2 numbers (x, y): the text's bottom-left in pixels, got {org!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > 2**30:
        raise ValueError(f"org is {org!r}: it must be finite pixel coordinates")
    return int(round(x)), int(round(y))


def _checked_colour(colour):
    try:
        values = [float(c) for c in colour]
    except (TypeError, ValueError):
        values = []
    if len(values) != 3 or not all(0 <= v <= 255 for v in values):
        raise ValueError(f"colour_bgr should be 3 numbers 0-255 (B, G, R), got {colour!r}")
    return tuple(int(round(v)) for v in values)


# --------------------------------------------------------------------------- #
# Fonts: found once, loaded once (functools.lru_cache is the only state kept)
# --------------------------------------------------------------------------- #
@functools.lru_cache(maxsize=None)
def _font_files():
    found = []
    for package, name in PRIMARY_FONTS:
        path = _resource(package, name)
        if path is not None:
            found.append(path)
    folder = _resource(SCRIPT_FONTS_PACKAGE, "")
    if folder is not None and folder.is_dir():
        primary = {name for _, name in PRIMARY_FONTS}
        found += sorted(p for p in folder.glob("NotoSans*.ttf")
                        if p.name not in primary and "Italic" not in p.name)
    return tuple(found)


def _resource(package, name):
    try:
        path = Path(str(importlib.resources.files(package) / name))
    except (ModuleNotFoundError, TypeError):
        return None
    return path if path.exists() else None


def _script_name(path):
    name = path.name.split("[")[0].removeprefix("NotoSans")
    return name.split("-")[0]


@functools.lru_cache(maxsize=None)
def _cmap(path):
    """The code points the font file covers (index 0 of a .ttc): a frozenset of ints."""
    from fontTools.ttLib import TTFont
    with TTFont(str(path), fontNumber=0, lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=64)
def _pil_font(path, size, weight):
    from PIL import ImageFont
    font = ImageFont.truetype(str(path), size, index=0)
    try:
        axes = font.get_variation_axes()
    except OSError:      # not a variable font (Noto Sans CJK): its one weight
        return font
    low, high = axes[0]["minimum"], axes[0]["maximum"]
    font.set_variation_by_axes([min(max(weight, low), high)])
    return font


@functools.lru_cache(maxsize=None)
def _face(key):
    return cv2.FontFace(BUILTIN_FACE if key == BUILTIN_FACE else str(key))


@functools.lru_cache(maxsize=4096)
def _builtin_covers(char):
    """Whether OpenCV 5's built-in font draws ``char`` (it draws "?" for what it lacks)."""
    if char == "?":
        return True

    def drawn(text):
        canvas = np.zeros((40, 80), np.uint8)
        cv2.putText(canvas, text, (10, 30), (255,), _face(BUILTIN_FACE), 20, 400)
        return canvas
    return not np.array_equal(drawn(char), drawn("?"))


def _emoji_font():
    return next((path for path in _font_files() if path.name.startswith("NotoEmoji")), None)


def _weight(thickness):
    """Hershey's thickness as a font weight: 1 regular (400), 2 semibold (600), 3+ bold (700)."""
    return {1: 400, 2: 600}.get(thickness, 700)


# --------------------------------------------------------------------------- #
# Layout: runs of one font each, drawn into one coverage mask
# --------------------------------------------------------------------------- #
def _font_for(char, fontface):
    """The font key that draws ``char`` (a Path, or BUILTIN_FACE on OpenCV 5), or None."""
    if fontface and _builtin_covers(char):
        return BUILTIN_FACE
    code = ord(char)
    for path in _font_files():
        if fontface and path.name in ("NotoSans[wght].ttf", "NotoSansCJK-Regular.ttc"):
            continue   # the built-in font covers what these do
        if code in _cmap(path):
            return path
    return None


def _runs(text, fontface):
    """(runs: a list of [font key, str], missing characters) for ``text``."""
    fallback = BUILTIN_FACE if fontface else _font_files()[0]
    runs, missing = [], []
    for char in text:
        category = unicodedata.category(char)
        if runs and (category in _MARKS or (char.isspace() and runs[-1][0] != _emoji_font())):
            key = runs[-1][0]   # marks and spaces stay with the run they follow (emoji spaces are wide)
        else:
            key = _font_for(char, fontface)
            if key is None:
                if char not in missing:
                    missing.append(char)
                key = fallback
                if not fontface:
                    char = "\ue000"   # no font has it: the notdef box (a control char would break the line)
        if runs and runs[-1][0] == key:
            runs[-1][1] += char
        else:
            runs.append([key, char])
    return runs, tuple(missing)


def _has_fontface():
    return hasattr(cv2, "FontFace")


@functools.lru_cache(maxsize=512)
def _layout(text, font_scale, thickness, fontface):
    """``text`` drawn once as a TextLayout, with cv2.FontFace (fontface True, OpenCV 5 only)
    or Pillow; None when Pillow has no font files to draw with."""
    if not fontface and not _font_files():
        return None
    (_, height), baseline = cv2.getTextSize("Ag", HERSHEY, font_scale, thickness)
    size, weight = unicode_font_size(font_scale, thickness), _weight(thickness)
    runs, missing = _runs(text, fontface)
    pad = size  # room for ink left of the origin, past the last advance, above and below the box
    if fontface:
        widths = [cv2.getTextSize((0, 0), run, (0, 0), _face(key), size, weight)[2] for key, run in runs]
    else:
        widths = [math.ceil(_pil_font(key, size, weight).getlength(run)) for key, run in runs]
    canvas = np.zeros((pad + height + baseline + pad, 2 * pad + sum(widths) + 1), np.uint8)
    x, y = pad, pad + height
    if fontface:
        for key, run in runs:
            (x, _), _ = cv2.putText(canvas, run, (int(x), y), (255,), _face(key), size, weight)
    else:
        from PIL import Image, ImageDraw
        picture = Image.fromarray(canvas)
        draw = ImageDraw.Draw(picture)
        for key, run in runs:
            font = _pil_font(key, size, weight)
            draw.text((x, y), run, fill=255, font=font, anchor="ls")
            x += font.getlength(run)
        canvas = np.asarray(picture)
    box = canvas[pad: pad + height + baseline]
    inked = np.flatnonzero(canvas.any(axis=0))
    left = min(pad, int(inked[0])) if inked.size else pad
    right = max(int(math.ceil(x)), int(inked[-1]) + 1) if inked.size else int(math.ceil(x))
    mask = np.ascontiguousarray(box[:, left:right])
    mask.setflags(write=False)
    return TextLayout(mask, mask.shape[1], height, baseline, missing)


def _blend(image, mask, left, top, colour):
    """Blend ``colour`` onto ``image`` through ``mask`` (coverage 0-255) placed at (left, top), clipped."""
    rows, cols = mask.shape
    y0, y1 = max(top, 0), min(top + rows, image.shape[0])
    x0, x1 = max(left, 0), min(left + cols, image.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    alpha = mask[y0 - top: y1 - top, x0 - left: x1 - left].astype(np.uint32)[..., None]
    region = image[y0:y1, x0:x1]
    ink = np.array(colour, dtype=np.uint32)
    region[...] = ((region.astype(np.uint32) * (255 - alpha) + ink * alpha + 127) // 255).astype(np.uint8)
