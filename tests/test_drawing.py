"""draw_detections: labels inside the frame, readable text, colours in BGR, the input untouched."""
import cv2
import numpy as np
import pytest

from helpers.drawing import (colours_per_class, contrast_ratio, draw_detections, relative_luminance,
                             text_colour_on)
from helpers.palettes import TAB10

GREY = (90, 110, 150)


def test_wcag_values():
    # WCAG 2: black on white is 21:1, white has luminance 1, mid grey #777 about 4.48:1 on white
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert relative_luminance((255, 255, 255)) == pytest.approx(1)
    assert contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


def test_text_colour_is_the_more_readable_one():
    assert text_colour_on((240, 228, 66)) == (0, 0, 0)      # yellow: black text
    assert text_colour_on((0, 0, 128)) == (255, 255, 255)   # navy: white text
    for rgb in TAB10:
        assert contrast_ratio(text_colour_on(rgb), rgb) >= 4.4


def test_one_colour_per_class():
    colours = colours_per_class(["dog", "cat", "dog"], TAB10)
    assert colours == {"cat": tuple(TAB10[0].tolist()), "dog": tuple(TAB10[1].tolist())}


def _white_text(out):
    """Rows and columns of the white label text."""
    return np.nonzero(cv2.inRange(out, (200, 200, 200), (255, 255, 255)))


@pytest.mark.parametrize("box", [[-30, -30, 100, 60], [560, 200, 700, 260], [-50, 300, 40, 350],
                                 [200, 440, 330, 520]])
def test_labels_stay_inside_on_every_edge(box):
    image = np.full((480, 640, 3), GREY, np.uint8)
    before = image.copy()
    out = draw_detections(image, np.float32([box]), ["a_rather_long_label"], [np.float32(0.5)])
    assert np.array_equal(image, before) and out.dtype == np.uint8 and out.shape == image.shape
    colour = tuple(int(c) for c in TAB10[0][::-1])  # BGR
    rows, cols = _white_text(out)
    assert len(rows), "the label text is visible"
    (text_w, text_h), _ = cv2.getTextSize("a_rather_long_label 0.50", cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1)
    # all of it (OpenCV 5 draws glyphs a little smaller than getTextSize says)
    assert np.ptp(cols) >= 0.9 * text_w and np.ptp(rows) >= 0.8 * text_h
    x1, y1, x2, y2 = np.clip(box, 0, [639, 479, 639, 479]).astype(int)
    for y, x in ((y1, (x1 + x2) // 2), (y2, (x1 + x2) // 2), ((y1 + y2) // 2, x1), ((y1 + y2) // 2, x2)):
        assert (out[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2] == colour).all(axis=2).any()


def test_palette_is_rgb_and_drawn_as_bgr():
    image = np.full((100, 100, 3), GREY, np.uint8)
    out = draw_detections(image, [[10, 40, 90, 90]], ["x"], [0.9], palette=np.uint8([[255, 0, 0]]))
    assert out[65, 10].tolist() == [0, 0, 255]  # red in BGR


def test_lines_and_text_grow_with_the_image():
    def ink_rows(size):
        image = np.full((size, size, 3), GREY, np.uint8)
        out = draw_detections(image, [[size * 0.2, size * 0.4, size * 0.8, size * 0.8]], ["cat"], [0.5])
        white = cv2.inRange(out, (200, 200, 200), (255, 255, 255))
        return np.ptp(np.nonzero(white)[0])
    assert ink_rows(2000) > 2 * ink_rows(600)


def test_nan_box_names_the_row_and_no_detections_copy():
    image = np.zeros((20, 20, 3), np.uint8)
    with pytest.raises(ValueError, match="row 1"):
        draw_detections(image, [[1, 1, 5, 5], [np.nan, 1, 5, 5]], ["a", "b"], [0.5, 0.5])
    out = draw_detections(image, np.zeros((0, 4)), [], [])
    assert np.array_equal(out, image) and out is not image
