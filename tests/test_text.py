"""Text in any script (helpers.text), by rendering, on whichever OpenCV runs the tests: ASCII pixel
for pixel as cv2.putText draws it; "café", "Ölkanne", "собака", "猫", "😺" drawn as text, not as
Hershey's "?"s, inside the box text_size measures and inside the image; draw_label,
draw_detections, annotate and results_panel with such labels; the warning for a character no
font covers; the Pillow path against ImageDraw.text and the FontFace path against cv2.putText."""
import re
import warnings

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from helpers import text  # noqa: E402
from helpers.capstone import LABEL_BGR, annotate  # noqa: E402
from helpers.drawing import draw_detections, draw_label  # noqa: E402
from helpers.panels import results_panel  # noqa: E402
from helpers.text import put_text, text_size, unicode_font_size  # noqa: E402

LABELS = ["café", "Ölkanne", "собака", "猫", "😺"]
HERSHEY = cv2.FONT_HERSHEY_SIMPLEX
FONTFACE = hasattr(cv2, "FontFace")
# the Pillow path runs on every OpenCV; the FontFace path only where cv2.FontFace exists
PATHS = [False] + ([True] if FONTFACE else [])


def hershey(image, words, org, scale=1.0, colour=(255, 255, 255), thickness=1):
    out = image.copy()
    cv2.putText(out, words, org, HERSHEY, scale, colour, thickness, cv2.LINE_AA)
    return out


def drawn(words, scale=1.0, thickness=1, shape=(60, 260), org=(8, 40), colour=(255, 255, 255)):
    image = np.zeros((*shape, 3), np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of the five labels may warn
        return put_text(image, words, org, scale, colour, thickness)


def noto(name):
    return next(p for p in text.font_files() if p.name == name)


# --------------------------------------------------------------------------- #
# ASCII: Hershey, unchanged
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("words", ["dog 0.87", "Ag", "", "tiger cat 0.10", "~!@#$%^&*()_+{}|:<>?", "a\tb"])
@pytest.mark.parametrize("scale,thickness", [(0.3, 1), (0.5, 1), (1.0, 2), (2.3, 3)])
def test_ascii_is_cv2_puttext_pixel_for_pixel(words, scale, thickness):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (80, 400, 3), dtype=np.uint8)
    ours = image.copy()
    assert put_text(ours, words, (5, 50), scale, (10, 200, 30), thickness) is ours
    np.testing.assert_array_equal(ours, hershey(image, words, (5, 50), scale, (10, 200, 30), thickness))
    assert text_size(words, scale, thickness) == cv2.getTextSize(words, HERSHEY, scale, thickness)


def test_ascii_labels_of_draw_label_are_unchanged():
    image = np.full((60, 120, 3), 90, np.uint8)
    ours = image.copy()
    draw_label(ours, "dog 0.87", (10, 40), (200, 50, 50), 0.5, 1)
    (w, h), b = cv2.getTextSize("dog 0.87", HERSHEY, 0.5, 1)
    cv2.rectangle(image, (10, 40 - (h + b + 2)), (10 + w + 1, 39), (200, 50, 50), -1)
    cv2.putText(image, "dog 0.87", (11, 40 - (h + b + 2) + 1 + h), HERSHEY, 0.5,
                (255, 255, 255), 1, cv2.LINE_AA)
    np.testing.assert_array_equal(ours, image)


# --------------------------------------------------------------------------- #
# Other scripts: text, not "?"
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("words", LABELS)
def test_labels_are_not_question_marks(words):
    ours = drawn(words)
    blank = np.zeros_like(ours)
    assert ours.any()
    for marks in ("?", "?" * len(words.encode())):   # what Hershey draws for it
        assert not np.array_equal(ours, hershey(blank, marks, (8, 40))), marks
        assert not np.array_equal(ours, drawn(marks)), marks


def test_the_five_labels_differ_from_each_other():
    pictures = [drawn(words) for words in LABELS]
    for i in range(len(LABELS)):
        for j in range(i + 1, len(LABELS)):
            assert not np.array_equal(pictures[i], pictures[j]), (LABELS[i], LABELS[j])


@pytest.mark.parametrize("words", LABELS + ["猫 0.87", "😺 0.91", "Ölkanne 1.00"])
@pytest.mark.parametrize("scale,thickness", [(0.3, 1), (0.6, 1), (1.0, 2), (2.0, 3)])
def test_ink_lies_inside_the_measured_box(words, scale, thickness):
    (w, h), baseline = text_size(words, scale, thickness)
    (_, hershey_h), hershey_baseline = cv2.getTextSize("Ag", HERSHEY, scale, thickness)
    assert (h, baseline) == (hershey_h, hershey_baseline)   # the box Hershey gives: labels keep their size
    org = (30, 30 + h)
    ours = drawn(words, scale, thickness, shape=(60 + h + baseline, 60 + w), org=org)
    rows, cols = np.nonzero(ours.any(axis=2))
    assert rows.min() >= org[1] - h and rows.max() < org[1] + baseline
    assert cols.min() >= org[0] and cols.max() < org[0] + w
    # and the box is the text's, not far larger: ink across most of it
    assert cols.max() - cols.min() + 1 >= 0.6 * w
    assert rows.max() - rows.min() + 1 >= 0.35 * (h + baseline)


@pytest.mark.parametrize("words", LABELS)
def test_text_is_anti_aliased_in_the_given_colour(words):
    ours = drawn(words, colour=(0, 0, 255))
    assert not ours[..., :2].any()            # red only (BGR)
    red = ours[..., 2]
    assert red.max() >= 200                    # solid strokes
    assert ((red > 0) & (red < red.max())).any()   # and soft edges
    grey = np.full((60, 260, 3), 100, np.uint8)
    put_text(grey, words, (8, 40), 1.0, (100, 100, 100), 1)
    assert (grey == 100).all()                 # ink of the background's colour changes nothing


@pytest.mark.parametrize("words", LABELS)
def test_text_at_the_edges_stays_inside_the_image(words):
    for org in [(25, 18), (-5, 5), (29, 19), (0, 40), (-1000, 5), (5, 1000)]:
        image = np.zeros((20, 30, 3), np.uint8)
        put_text(image, words, org, 1.0, (255, 255, 255), 1)   # clipped, never an error
        assert image.shape == (20, 30, 3)
    small = np.full((12, 16, 3), 7, np.uint8)
    draw_label(small, words, (15, 11), (200, 50, 50), 0.8, 1)   # the label is larger than the image


@pytest.mark.parametrize("words", LABELS)
def test_draw_label_at_the_right_bottom_edge_is_clipped_like_ascii(words):
    size = (70, 120, 3)
    unicode_image, ascii_image = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
    draw_label(unicode_image, words, (119, 69), (200, 50, 50), 0.5, 1)
    draw_label(ascii_image, "Ag", (119, 69), (200, 50, 50), 0.5, 1)

    def box(image):
        rows, cols = np.nonzero((image == (200, 50, 50)).all(axis=2))
        return rows.min(), rows.max(), cols.max()
    # same height and place as an ASCII label's box: right against the right edge, above the anchor
    assert box(unicode_image) == box(ascii_image)
    assert box(unicode_image)[2] == 119


def test_draw_label_draws_unicode_text_on_its_box():
    image = np.full((80, 200, 3), 30, np.uint8)
    ours, marks = image.copy(), image.copy()
    assert draw_label(ours, "猫 0.87", (20, 60), (200, 50, 50), 0.8, 1) is None   # in place, as before
    draw_label(marks, "??? 0.87", (20, 60), (200, 50, 50), 0.8, 1)
    assert not np.array_equal(ours, marks)
    text_pixels = (ours != (30, 30, 30)).all(axis=2) & (ours != (200, 50, 50)).all(axis=2)
    assert text_pixels.sum() > 20


def test_draw_detections_with_unicode_labels():
    image = np.full((240, 320, 3), 60, np.uint8)
    boxes = [[10, 40, 150, 200], [160, 60, 300, 230], [40, 120, 120, 220]]
    palette = [[200, 60, 40]]   # one colour for every class: only the text differs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = draw_detections(image, boxes, ["猫", "собака", "😺"], [0.87, 0.55, 0.31], palette)
    marks = draw_detections(image, boxes, ["???", "?" * 12, "????"], [0.87, 0.55, 0.31], palette)
    assert ours.shape == image.shape and ours.dtype == np.uint8
    assert not np.array_equal(ours, marks)
    for (x1, y1, _, _) in boxes:   # each label's area differs
        area = np.s_[max(y1 - 25, 0): y1 + 25, x1: x1 + 60]
        assert not np.array_equal(ours[area], marks[area])


def test_annotate_with_unicode_labels():
    image = np.full((300, 400, 3), 200, np.uint8)
    top = [(0, "猫", 0.87), (1, "собака", 0.1), (2, "😺", 0.03)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = annotate(image, top)
    marks = annotate(image, [(0, "???", 0.87), (1, "?" * 12, 0.1), (2, "????", 0.03)])
    # ASCII with descenders: OpenCV 5's getTextSize gives a baseline only to text that has them
    ascii_lines = annotate(image, [(0, "dog", 0.87), (1, "pug", 0.1), (2, "gecko", 0.03)])
    assert not np.array_equal(ours, marks)

    def line_rows(picture):   # the rows each line's box covers, at the left edge
        return np.flatnonzero((picture[:, 0] == LABEL_BGR).all(axis=1)).tolist()
    assert line_rows(ours) == line_rows(ascii_lines)   # lines of the same height, in the same places


def _rendered(figure):
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return pixels


def test_results_panel_draws_unicode_labels_without_missing_glyphs():
    image = np.full((40, 40, 3), 128, np.uint8)
    predictions = [(k, words, 0.5 / (k + 1)) for k, words in enumerate(LABELS)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = _rendered(results_panel(image, predictions, title="猫 😺"))
        marks = _rendered(results_panel(image, [(k, "?", p) for k, _, p in predictions], title="猫 😺"))
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "Glyph" in m or "findfont" in m], messages
    assert ours.shape == marks.shape
    assert not np.array_equal(ours, marks)
    cat, mark = (_rendered(results_panel(image, [(3, words, 0.6)])) for words in ("猫", "?"))
    assert not np.array_equal(cat, mark)
    differs = np.nonzero((cat != mark).any(axis=2))
    assert differs[1].min() > cat.shape[1] * 0.4   # only in the bar plot, where the label is


# --------------------------------------------------------------------------- #
# A character no font covers
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("char,code", [("\ue000", "U+E000"), ("\u0378", "U+0378")])
def test_an_uncovered_character_warns_naming_it(char, code):
    image = np.zeros((50, 200, 3), np.uint8)
    with pytest.warns(UserWarning, match=re.escape(code)) as caught:
        put_text(image, f"猫 {char}", (5, 35), 1.0, (255, 255, 255), 1)
    assert len(caught) == 1
    assert caught[0].filename == __file__   # points at the line that called put_text
    message = str(caught[0].message)
    assert "Cyrillic" in message and "emoji" in message   # says what is covered
    assert image.any()                                     # the rest is drawn
    with pytest.warns(UserWarning, match=re.escape(code)):  # each call warns again
        put_text(image, f"猫 {char}", (5, 35), 1.0, (255, 255, 255), 1)


def test_one_warning_names_every_uncovered_character():
    image = np.zeros((50, 200, 3), np.uint8)
    with pytest.warns(UserWarning) as caught:
        put_text(image, "a\ue000b\U000f0000c\ue000", (5, 35), 1.0, (255, 255, 255), 1)
    assert len(caught) == 1
    assert "U+E000" in str(caught[0].message) and "U+F0000" in str(caught[0].message)


def test_without_font_files_pillow_falls_back_to_hershey(monkeypatch):
    monkeypatch.setattr(text, "_font_files", lambda: ())
    text._layout.cache_clear()
    try:
        assert text._layout("猫", 1.0, 1, False) is None
        if not FONTFACE:
            image = np.zeros((50, 100, 3), np.uint8)
            with pytest.warns(UserWarning, match="pip install"):
                put_text(image, "猫", (5, 35), 1.0, (255, 255, 255), 1)
            np.testing.assert_array_equal(image, hershey(np.zeros_like(image), "猫", (5, 35)))
    finally:
        monkeypatch.undo()
        text._layout.cache_clear()


# --------------------------------------------------------------------------- #
# Outside oracles: Pillow's ImageDraw.text, OpenCV 5's cv2.putText with a FontFace
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("words", ["café", "Ölkanne", "собака"])
@pytest.mark.parametrize("scale", [0.5, 1.3])
def test_pillow_path_is_imagedraw_text_with_noto_sans(words, scale):
    layout = text._layout(words, scale, 1, False)
    (_, height), baseline = cv2.getTextSize("Ag", HERSHEY, scale, 1)
    font = ImageFont.truetype(str(noto("NotoSans[wght].ttf")), unicode_font_size(scale, 1))
    picture = Image.new("L", (layout.width, height + baseline))
    ImageDraw.Draw(picture).text((0, height), words, fill=255, font=font, anchor="ls")
    np.testing.assert_array_equal(layout.mask, np.asarray(picture))
    assert layout.width == int(np.ceil(font.getlength(words)))


def test_pillow_path_takes_cjk_and_emoji_from_their_fonts():
    runs, missing = text._runs("café 猫 😺 0.91", False)
    assert [(key.name, chunk) for key, chunk in runs] == [
        ("NotoSans[wght].ttf", "café "), ("NotoSansCJK-Regular.ttc", "猫 "), ("NotoEmoji[wght].ttf", "😺"),
        ("NotoSans[wght].ttf", " 0.91")]
    assert missing == ()
    size = unicode_font_size(1.0, 1)
    emoji = text._layout("😺", 1.0, 1, False)
    font = ImageFont.truetype(str(noto("NotoEmoji[wght].ttf")), size)
    (_, height), baseline = cv2.getTextSize("Ag", HERSHEY, 1.0, 1)
    picture = Image.new("L", (emoji.width, height + baseline))
    ImageDraw.Draw(picture).text((0, height), "😺", fill=255, font=font, anchor="ls")
    np.testing.assert_array_equal(emoji.mask, np.asarray(picture))


@pytest.mark.skipif(not FONTFACE, reason="cv2.FontFace is OpenCV 5's")
@pytest.mark.parametrize("words", ["café", "Ölkanne", "собака", "猫"])
def test_fontface_path_is_cv2_puttext_with_the_builtin_font(words):
    layout = text._layout(words, 1.0, 1, True)
    (_, height), baseline = cv2.getTextSize("Ag", HERSHEY, 1.0, 1)
    expected = np.zeros((height + baseline, layout.width + 40), np.uint8)
    cv2.putText(expected, words, (0, height), (255,), cv2.FontFace("sans"), unicode_font_size(1.0, 1), 400)
    np.testing.assert_array_equal(layout.mask, expected[:, :layout.width])
    assert not expected[:, layout.width:].any()


@pytest.mark.skipif(not FONTFACE, reason="cv2.FontFace is OpenCV 5's")
def test_fontface_path_uses_noto_emoji_for_the_emoji_only():
    runs, missing = text._runs("猫 😺 0.91", True)
    assert [(getattr(key, "name", key), chunk) for key, chunk in runs] == [
        ("sans", "猫 "), ("NotoEmoji[wght].ttf", "😺"), ("sans", " 0.91")]
    assert missing == ()
    # the emoji face alone would draw the digits too, with its own wide keycap-base glyphs
    emoji_face = cv2.FontFace(str(noto("NotoEmoji[wght].ttf")))
    size = unicode_font_size(1.0, 1)
    alone, ours = (np.zeros((50, 300), np.uint8) for _ in range(2))
    cv2.putText(alone, "0.91", (5, 35), (255,), emoji_face, size, 400)
    cv2.putText(ours, "0.91", (5, 35), (255,), cv2.FontFace("sans"), size, 400)
    assert not np.array_equal(alone, ours)


# --------------------------------------------------------------------------- #
# Errors that say what to do
# --------------------------------------------------------------------------- #
def test_errors_name_the_fix():
    image = np.zeros((20, 20, 3), np.uint8)
    with pytest.raises(TypeError, match="str"):
        put_text(image, 3, (0, 10), 1.0, (0, 0, 0))
    with pytest.raises(ValueError, match="font_scale"):
        text_size("猫", 0, 1)
    with pytest.raises(ValueError, match="thickness"):
        text_size("猫", 1.0, 1.5)
    with pytest.raises(ValueError, match="GRAY2BGR"):
        put_text(np.zeros((20, 20), np.uint8), "猫", (0, 10), 1.0, (0, 0, 0))
    with pytest.raises(ValueError, match="org"):
        put_text(image, "猫", (float("nan"), 10), 1.0, (0, 0, 0))
    with pytest.raises(ValueError, match="colour"):
        put_text(image, "猫", (0, 10), 1.0, (0, 0))


def test_backend_is_named():
    assert text.unicode_backend() in ({"opencv-fontface"} if FONTFACE else {"pillow-raqm", "pillow-basic"})
    assert [p.name for p in text.font_files()[:4]] == [name for _, name in text.PRIMARY_FONTS]
