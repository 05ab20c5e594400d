"""draw_detections: labels inside the frame, readable text, colours in BGR, the input untouched; its
validation ladder (one BGR uint8 image, (N, 4) corners, N labels and scores, an (n, 3) palette), each
error naming the fix."""
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


# --------------------------------------------------------------------------- the validation ladder
def _ok_args(**changes):
    args = dict(image=np.zeros((40, 60, 3), np.uint8), boxes=[[5, 5, 30, 20]], labels=["cat"], scores=[0.9],
                palette=None)
    args.update(changes)
    return args


@pytest.mark.parametrize("image, error, phrases", [
    (np.zeros((2, 40, 60, 3), np.uint8), ValueError, ["batch of 2", "image[0]"]),
    (np.zeros((40, 60), np.uint8), ValueError, ["grayscale", "COLOR_GRAY2BGR"]),
    (np.zeros((40, 60, 1), np.uint8), ValueError, ["grayscale", "COLOR_GRAY2BGR"]),
    (np.zeros((40, 60, 4), np.uint8), ValueError, ["BGRA", "COLOR_BGRA2BGR"]),
    (np.zeros((3, 40, 60), np.uint8), ValueError, ["channels first", "transpose(1, 2, 0)"]),
    (np.full((40, 60, 3), 0.5, np.float32), ValueError, ["float32", "0.5 to 0.5", "(image * 255)"]),
    (np.full((40, 60, 3), 200.0), ValueError, ["float64", "image.round().clip(0, 255)"]),
    (np.zeros((40, 60, 3), np.uint16), ValueError, ["uint16", "astype(np.uint8)"]),
    (np.zeros((40, 60, 3), np.uint8).tolist(), TypeError, ["NumPy array", "np.asarray"]),
])
def test_one_bgr_uint8_image_or_an_error_naming_the_fix(image, error, phrases):
    with pytest.raises(error) as raised:
        draw_detections(**_ok_args(image=image))
    for phrase in phrases:
        assert phrase in str(raised.value)


@pytest.mark.parametrize("boxes, phrases", [
    ([5, 5, 30, 20], ["(N, 4)", "[box]"]),
    ([[5, 5, 30, 20, 1]], ["(N, 4)", "(1, 5)"]),
    ([[30, 5, 20, 10]], ["x2 < x1", "(x, y, w, h)", "x2 = x + w"]),     # x=30, y=5, w=20, h=10
    ([[5, 20, 30, 12]], ["y2 < y1", "(x, y, w, h)"]),
    ([[30, 5, -4, 20]], ["x2 < x1", "swapped"]),                        # not a width: negative
    ([[1, 1, 5, 5], [np.inf, 1, 5, 5]], ["row 1", "not finite"]),
])
def test_boxes_n_by_4_corners_or_an_error_naming_the_fix(boxes, phrases):
    labels = ["cat"] * len(np.atleast_2d(boxes))
    with pytest.raises(ValueError) as raised:
        draw_detections(**_ok_args(boxes=boxes, labels=labels, scores=[0.5] * len(labels)))
    for phrase in phrases:
        assert phrase in str(raised.value)


def test_labels_and_scores_one_per_box():
    with pytest.raises(TypeError, match="one string"):
        draw_detections(**_ok_args(labels="cat"))
    with pytest.raises(ValueError, match="1 boxes but 2 labels"):
        draw_detections(**_ok_args(labels=["cat", "dog"]))
    with pytest.raises(ValueError, match="scores of shape"):
        draw_detections(**_ok_args(scores=[0.9, 0.8]))
    with pytest.raises(TypeError, match="scores should be"):
        draw_detections(**_ok_args(scores=["high"]))


@pytest.mark.parametrize("palette, phrases", [
    ([255, 0, 0], ["one colour", "[colour]"]),
    (np.zeros((2, 4), np.uint8), ["(n, 3)", "palette[:, :3]"]),
    (np.zeros((0, 3), np.uint8), ["(n, 3)", "n >= 1"]),
    ([[1.0, 0.5, 0.0]], ["0-1", "* 255"]),
    ([[300, 0, 0]], ["0-255", "300"]),
    ([[-1, 0, 0]], ["0-255"]),
    (np.float32([[255, 0, 0]]), ["float32", "uint8 or ints"]),
])
def test_palette_n_by_3_of_0_to_255_or_an_error_naming_the_fix(palette, phrases):
    with pytest.raises(ValueError) as raised:
        draw_detections(**_ok_args(palette=palette))
    for phrase in phrases:
        assert phrase in str(raised.value)


def test_what_the_ladder_lets_through():
    """Lists, ints 0-255, numpy scores, degenerate boxes and labels of any hashable kind all draw."""
    image = np.full((60, 80, 3), GREY, np.uint8)
    red = draw_detections(image, [[10, 20, 50, 50]], ["x"], [0.9], palette=[[255, 0, 0]])
    as_uint8 = draw_detections(image, [[10, 20, 50, 50]], ["x"], [0.9], palette=np.uint8([[255, 0, 0]]))
    assert np.array_equal(red, as_uint8)
    assert red[35, 10].tolist() == [0, 0, 255]
    line = draw_detections(image, np.float32([[10, 20, 10, 50]]), np.array([3]), np.float32([0.5]))
    assert (line[25:50, 10] != GREY).any(axis=1).all()   # x1 == x2: a vertical line
    assert np.array_equal(draw_detections(image, [], [], []), image)


def test_drawing_matches_opencvs_own_rectangle():
    """The outline is cv2.rectangle's own, at the clipped, rounded corners (the oracle: OpenCV)."""
    image = np.full((100, 120, 3), GREY, np.uint8)
    out = draw_detections(image, [[-10.4, 60.6, 130, 99.2]], ["long label"], [0.5], palette=[[0, 200, 0]])
    oracle = image.copy()
    cv2.rectangle(oracle, (0, 61), (119, 99), (0, 200, 0), 1)
    outline = (oracle != image).any(axis=2)
    assert (out[outline] == (0, 200, 0)).all(axis=1).mean() > 0.6   # the caption covers part of the top side
    assert (out[70:99, 0] == (0, 200, 0)).all() and (out[70:99, 119] == (0, 200, 0)).all()
