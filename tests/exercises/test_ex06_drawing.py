"""The draw_detections check rejects the drawings learners really make, each named by its id, and
accepts correct drawings written differently (other fonts, margins, label placements, colour
orders, anti-aliasing). The check reads the picture (helpers/exercises/drawing_check.py), so the
tests here also pin what it reads: a caption cut at an edge, a side lost, a colour swapped."""
import cv2
import nbformat
import numpy as np
import pytest

from helpers import check
from helpers.drawing import (colours_per_class, contrast_ratio, draw_detections as reference_drawing,
                             draw_label, drawing_scale, text_colour_on)
from helpers.exercises import drawing_check
from helpers.exercises.core import Case, Run, get_exercise
from helpers.palettes import TAB10

from .conftest import assert_accepted, assert_rejected
from .prompts import ROOT

OPENCV_5 = int(cv2.__version__.split(".")[0]) >= 5
SAME_ANSWER = {
    # OpenCV 5 draws text of any thickness above 2 with strokes 2 pixels wide: cv2.LINE_AA (16) passed as
    # putText's thickness makes no blob there, only bold text wider than getTextSize measured with 1.
    "draw_detections.text_too_bold": ("draw_detections.label_outside_right",
                                      "on OpenCV 5, where putText's thickness stops at 2"),
}


def _clipped(boxes, W, H, high=None):
    """Boxes clipped to the picture and rounded, as lists of Python ints."""
    high_x, high_y = (W - 1, H - 1) if high is None else high
    return np.clip(np.asarray(boxes, float), 0, [high_x, high_y, high_x, high_y]).round().astype(int).tolist()


def _rejected(fn, kind, *phrases, status="incorrect"):
    mistake = kind if "." in kind else f"draw_detections.{kind}"
    return assert_rejected("draw_detections", fn, *phrases, status=status, mistake=mistake)


# --------------------------------------------------------------------------- the tests moved from test_ex06_detection
def draw_template(clamp_label=True, clip_boxes=True, reverse_palette=True, scale=True, text_colour="auto",
                  in_place=False, font=cv2.FONT_HERSHEY_SIMPLEX, label_below=False, first_seen_colours=False):
    def draw_detections(image, boxes, labels, scores, palette=None):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        out = image if in_place else image.copy()
        H, W = out.shape[:2]
        palette = TAB10 if palette is None else np.asarray(palette)
        names = list(dict.fromkeys(labels)) if first_seen_colours else sorted(set(labels))
        fs = max(0.35, max(H, W) / 1100) if scale else 0.5
        th = max(1, int(min(H, W) / 350)) if scale else 1
        for (x1, y1, x2, y2), label, score in zip(boxes, labels, scores):
            rgb = palette[names.index(label) % len(palette)]
            colour = tuple(int(c) for c in (rgb[::-1] if reverse_palette else rgb))
            if clip_boxes:
                x1, x2 = np.clip([x1, x2], 0, W - 1)
                y1, y2 = np.clip([y1, y2], 0, H - 1)
            x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
            cv2.rectangle(out, (x1, y1), (x2, y2), colour, th)
            text = f"{label}: {score:.0%}"
            (tw, tht), base = cv2.getTextSize(text, font, fs, max(1, th - 1))
            lh = tht + base + 4
            tx, ty = x1, (y2 if label_below else y1 - lh)
            if clamp_label:
                ty = ty if ty >= 0 else y1
                tx, ty = min(max(tx, 0), W - tw - 4), min(max(ty, 0), H - lh)
            cv2.rectangle(out, (tx, ty), (tx + tw + 4, ty + lh), colour, -1)
            if text_colour == "auto":
                luminance = 0.2126 * colour[2] + 0.7152 * colour[1] + 0.0722 * colour[0]
                ink = (0, 0, 0) if luminance > 110 else (255, 255, 255)
            else:
                ink = text_colour
            cv2.putText(out, text, (tx + 2, ty + 2 + tht), font, fs, ink, max(1, th - 1), cv2.LINE_AA)
        return out
    return draw_detections


def test_draw_labels_outside_the_frame():
    _rejected(draw_template(clamp_label=False), "label_outside_top", "top edge", "inside the box")


def test_draw_labels_below_the_box_leave_the_frame():
    _rejected(draw_template(clamp_label=False, label_below=True), "label_outside_right", "right edge", "shift it left")


def test_draw_palette_not_converted_to_bgr():
    _rejected(draw_template(reverse_palette=False), "bgr_palette", "red and blue swapped")


def test_draw_boxes_not_clipped():
    _rejected(draw_template(clip_boxes=False), "not_clipped", "clipped", "0..W-1")


def test_draw_fixed_font_and_lines():
    _rejected(draw_template(scale=False), "font_too_small", "grow with the image", "1920x1080")


def test_draw_always_white_text():
    _rejected(draw_template(text_colour=(255, 255, 255)), "text_always_white", "hard to read")


def test_draw_always_black_text():
    _rejected(draw_template(text_colour=(0, 0, 0)), "text_always_black", "hard to read")


def test_draw_on_the_input():
    _rejected(draw_template(in_place=True), "generic.changed_input", "in place")


def test_draw_float_coordinates_are_an_error():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        for box in np.asarray(boxes):
            cv2.rectangle(out, box[:2], box[2:], (0, 255, 0), 2)
        return out
    _rejected(draw_detections, "float_points", "Can't parse 'pt1'", "Python ints", status="error")


def test_draw_nothing_drawn():
    def draw_detections(image, boxes, labels, scores, palette=None):
        return image.copy()
    _rejected(draw_detections, "no_boxes", "no box outline")


def test_draw_correct_variants():
    assert_accepted("draw_detections", draw_template())
    assert_accepted("draw_detections", draw_template(font=cv2.FONT_HERSHEY_DUPLEX, first_seen_colours=True))
    assert_accepted("draw_detections", draw_template(label_below=True))


# --------------------------------------------------------------------------- a learner's drawing, step by step
def learner(clip="yes", top_room="fits", right_room=True, fill=True, text="contrast", colour_by="class",
            font_scale="scaled", caption="both", bgr_palette=False):
    """A plain learner's draw_detections: each argument's default is right; the others are the
    wrong answers written that way (see the tests below)."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        colours = np.asarray(TAB10 if palette is None else palette)
        classes = sorted(set(labels))
        fs = {"scaled": min(H, W) / 800, "fixed": 1.0, "area": H * W / 400_000}[font_scale]
        th = max(1, round(min(H, W) / 500))
        for k, (box, label, score) in enumerate(zip(np.asarray(boxes, float), labels, scores)):
            x1, y1, x2, y2 = box
            if clip == "yes":
                x1, y1, x2, y2 = np.clip(box, 0, [W - 1, H - 1, W - 1, H - 1])
            elif clip == "low only":
                x1, y1, x2, y2 = np.maximum(box, 0)
            elif clip == "x only":
                x1, x2 = np.clip([x1, x2], 0, W - 1)
            x1, y1, x2, y2 = (int(round(v)) for v in (x1, y1, x2, y2))
            index = {"class": classes.index(label), "box": k}[colour_by]
            rgb = tuple(int(c) for c in colours[index % len(colours)])
            bgr = rgb if bgr_palette else rgb[::-1]
            cv2.rectangle(out, (x1, y1), (x2, y2), bgr, th)
            words = {"both": f"{label} {score:.2f}", "percent": f"{label} {score:.0%}", "label": label}[caption]
            (tw, tht), base = cv2.getTextSize(words, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            lw, lh = tw + 4, tht + base + 4
            top = y1 - lh
            if top_room == "fits" and top < 0:
                top = y1
            elif top_room == "negative box" and box[1] < 0:   # only when the box itself is outside
                top = y1
            left = min(x1, W - lw) if right_room else x1
            left, top = max(left, 0), max(top, 0) if top_room == "fits" else top
            if fill:
                cv2.rectangle(out, (left, top), (left + lw, top + lh), bgr, -1)
            if text == "contrast":
                ink = text_colour_on(rgb)
            elif text == "luminance > 0.5 on 0-255":
                ink = (0, 0, 0) if 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] > 0.5 else (255, 255, 255)
            else:
                ink = text
            cv2.putText(out, words, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, ink[::-1], 1,
                        cv2.LINE_AA)
        return out
    return draw_detections


def test_the_plain_learner_is_right():
    assert_accepted("draw_detections", learner())
    assert_accepted("draw_detections", learner(caption="percent"))


@pytest.mark.parametrize("clip, kind", [("no", "not_clipped"), ("low only", "right_bottom_not_clipped"),
                                        ("x only", "not_clipped")])
def test_boxes_clipped_on_every_side(clip, kind):
    _rejected(learner(clip=clip), kind, "clipped")


def test_room_above_only_when_the_box_sticks_out():
    """A box at y1 = 5 has no room above its caption either: found on the edge cases with 0 <= y1."""
    result = _rejected(learner(top_room="negative box"), "label_outside_top", "top edge")
    assert "y1 = -20" not in result.message  # the box at y1 = -20 is handled; one at y1 >= 0 is not


def test_label_not_shifted_at_the_right_edge():
    _rejected(learner(right_room=False), "label_outside_right", "right edge")


def test_text_without_a_filled_rectangle():
    _rejected(learner(fill=False), "no_label_background", "filled rectangle")


def test_luminance_compared_on_the_wrong_scale_is_always_black():
    _rejected(learner(text="luminance > 0.5 on 0-255"), "text_always_black")


def test_fixed_font_one_is_too_small_on_4k():
    result = _rejected(learner(font_scale="fixed"), "font_too_small")
    assert "3840x2160" in result.message   # 1.0 still reads on 1920x1080


def test_font_growing_with_the_area_is_too_big():
    _rejected(learner(font_scale="area"), "font_too_big", "min(H, W) / 800")


def test_colour_per_box_and_bgr():
    _rejected(learner(colour_by="box"), "colour_per_box", "by the label")
    _rejected(learner(bgr_palette=True), "bgr_palette", "red and blue swapped")


def test_caption_without_its_score():
    _rejected(learner(caption="label"), "caption_without_score", "label and the score")


# --------------------------------------------------------------------------- wrong answers written from scratch
def tutorial(image, boxes, labels, scores, palette=None):
    out = image.copy()
    for (x1, y1, x2, y2), label, score in zip(boxes, labels, scores):
        cv2.rectangle(out, (int(x1), int(y1)), (int(x2), int(y2)), (0, 255, 0), 2)
        cv2.putText(out, f"{label} {score:.2f}", (int(x1), int(y1) - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 255, 0), 1)
    return out


def torchvision_style(image, boxes, labels, scores, palette=None):
    """Text in the box colour, straight on the picture (as torchvision's draw_bounding_boxes)."""
    out = image.copy()
    palette = TAB10 if palette is None else palette
    names = sorted(set(labels))
    H, W = out.shape[:2]
    for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
        colour = tuple(int(c) for c in palette[names.index(label)][::-1])
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, max(1, min(H, W) // 500))
        cv2.putText(out, f"{label} {score:.2f}", (x1, max(y1 - 4, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    min(H, W) / 800, colour, 1, cv2.LINE_AA)
    return out


def with_caption(draw_caption, colour_of=None):
    """A drawing whose boxes are right; ``draw_caption(out, text, x1, y1, rgb, fs)`` draws each caption."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        palette = TAB10 if palette is None else palette
        names = sorted(set(labels))
        fs, th = max(0.3, min(H, W) / 800), max(1, round(min(H, W) / 500))
        for k, ((x1, y1, x2, y2), label, score) in enumerate(zip(_clipped(boxes, W, H), labels, scores)):
            index = names.index(label) if colour_of is None else colour_of(k, label, labels)
            rgb = tuple(int(c) for c in palette[index % len(palette)])
            cv2.rectangle(out, (x1, y1), (x2, y2), rgb[::-1], th)
            draw_caption(out, f"{label} {score:.2f}", x1, y1, rgb, fs)
        return out
    return draw_detections


def _label_box(out, text, x1, y1, fs, thickness=1):
    """Where the reference puts a caption: (left, top, text width, text height, baseline)."""
    H, W = out.shape[:2]
    (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, thickness)
    top = y1 - tht - base - 4 if y1 >= tht + base + 4 else y1
    return min(x1, W - tw - 4), top, tw, tht, base


def text_at_the_rectangle_top(out, text, x1, y1, rgb, fs):
    """putText's origin taken as the top-left of the text."""
    left, top, tw, tht, base = _label_box(out, text, x1, y1, fs)
    cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), rgb[::-1], -1)
    cv2.putText(out, text, (left + 2, top), cv2.FONT_HERSHEY_SIMPLEX, fs, text_colour_on(rgb)[::-1], 1)


def white_rectangle_box_coloured_text(out, text, x1, y1, rgb, fs):
    left, top, tw, tht, base = _label_box(out, text, x1, y1, fs)
    cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), (255, 255, 255), -1)
    cv2.putText(out, text, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, rgb[::-1], 1, cv2.LINE_AA)


def outlined_rectangle(out, text, x1, y1, rgb, fs):
    """The caption's rectangle drawn with thickness 1: an outline, not a fill."""
    left, top, tw, tht, base = _label_box(out, text, x1, y1, fs)
    cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), rgb[::-1], 1)
    cv2.putText(out, text, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), 1, cv2.LINE_AA)


def line_aa_as_thickness(out, text, x1, y1, rgb, fs):
    left, top, tw, tht, base = _label_box(out, text, x1, y1, fs)
    cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), rgb[::-1], -1)
    cv2.putText(out, text, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, text_colour_on(rgb)[::-1],
                cv2.LINE_AA)


def room_above_a_fixed_5_pixels(out, text, x1, y1, rgb, fs):
    """'Room above' tested with a fixed margin: a box at y1 = 9 loses its caption."""
    H, W = out.shape[:2]
    (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
    top = y1 - tht - base - 4 if y1 > 5 else y1
    left = min(x1, W - tw - 4)
    cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), rgb[::-1], -1)
    cv2.putText(out, text, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, text_colour_on(rgb)[::-1], 1,
                cv2.LINE_AA)


def shifted_by_the_text_width_only(out, text, x1, y1, rgb, fs):
    """Shifted left by the text's width, forgetting the margin: the last letters pass the edge."""
    H, W = out.shape[:2]
    (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
    top = y1 - tht - base - 12 if y1 >= tht + base + 12 else y1
    left = min(x1, W - tw)
    cv2.rectangle(out, (left, top), (left + tw + 12, top + tht + base + 12), rgb[::-1], -1)
    cv2.putText(out, text, (left + 6, top + 6 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, text_colour_on(rgb)[::-1], 1,
                cv2.LINE_AA)


def text_colour_from(rule):
    def draw_caption(out, text, x1, y1, rgb, fs):
        left, top, tw, tht, base = _label_box(out, text, x1, y1, fs)
        cv2.rectangle(out, (left, top), (left + tw + 4, top + tht + base + 4), rgb[::-1], -1)
        cv2.putText(out, text, (left + 2, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, rule(rgb)[::-1], 1,
                    cv2.LINE_AA)
    return draw_caption


def _wcag_on_bgr(rgb):
    return text_colour_on(rgb[::-1])                           # the BGR tuple read as RGB


def _mean_over_200(rgb):
    return (0, 0, 0) if sum(rgb) / 3 > 200 else (255, 255, 255)   # a threshold far too high


def _dark_means_black(rgb):
    return (255, 255, 255) if contrast_ratio(rgb, (0, 0, 0)) >= contrast_ratio(rgb, (255, 255, 255)) else (0, 0, 0)


def _by_red_channel(rgb):
    return (0, 0, 0) if rgb[0] > 128 else (255, 255, 255)


@pytest.mark.parametrize("fn, kind, phrase", [
    (tutorial, "one_colour", "same colour"),
    (torchvision_style, "no_label_background", "filled rectangle"),
    (with_caption(text_at_the_rectangle_top), "text_off_label", "bottom-left"),
    (with_caption(white_rectangle_box_coloured_text), "label_fill_not_box_colour", "box's own colour"),
    (with_caption(outlined_rectangle), "no_label_background", "thickness -1"),
    (with_caption(line_aa_as_thickness), "label_outside_right" if OPENCV_5 else "text_too_bold",
     "right edge" if OPENCV_5 else "LINE_AA"),
    (with_caption(room_above_a_fixed_5_pixels), "label_outside_top", "top edge"),
    (with_caption(shifted_by_the_text_width_only), "label_outside_right", "right edge"),
    (with_caption(text_colour_from(_wcag_on_bgr)), "text_colour_from_bgr", "RGB colour"),
    (with_caption(text_colour_from(_mean_over_200)), "text_always_white", "light box colours"),
    (with_caption(text_colour_from(_dark_means_black)), "text_colour_inverted", "wrong way round"),
    (with_caption(text_colour_from(_by_red_channel)), "text_low_contrast", "contrast ratios"),
    (with_caption(text_colour_from(_wcag_on_bgr), colour_of=lambda k, label, labels: k), "colour_per_box",
     "not by the box's position"),
    (with_caption(text_colour_from(text_colour_on), colour_of=lambda k, label, labels: labels.index(label)),
     "classes_share_colour", "its own palette colour"),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_wrong_drawings_are_named(fn, kind, phrase):
    _rejected(fn, kind, phrase)


def test_white_boxes_are_one_colour():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
            cv2.rectangle(out, (x1, y1), (x2, y2), (255, 255, 255), 2)
            cv2.putText(out, f"{label} {score:.2f}", (x1 + 3, y1 + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (255, 255, 255), 1)
        return out
    _rejected(draw_detections, "one_colour", "same colour")


def test_captions_stacked_in_a_corner_get_the_plain_message():
    """No mistake claims captions drawn away from their boxes: the check says what it sees."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        palette = TAB10 if palette is None else palette
        names = sorted(set(labels))
        fs = max(0.3, min(H, W) / 800)
        for k, ((x1, y1, x2, y2), label, score) in enumerate(zip(_clipped(boxes, W, H), labels, scores)):
            rgb = tuple(int(c) for c in palette[names.index(label) % len(palette)])
            cv2.rectangle(out, (x1, y1), (x2, y2), rgb[::-1], 1)
            text = f"{label} {score:.2f}"
            (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            top = 5 + k * (tht + base + 8)
            cv2.rectangle(out, (5, top), (5 + tw + 4, top + tht + base + 4), rgb[::-1], -1)
            cv2.putText(out, text, (7, top + 2 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, text_colour_on(rgb)[::-1], 1,
                        cv2.LINE_AA)
        return out
    result = assert_rejected("draw_detections", draw_detections, "no caption next to it")
    assert result.mistake is None


def test_returned_rgb_for_matplotlib():
    def draw_detections(image, boxes, labels, scores, palette=None):
        return cv2.cvtColor(reference_drawing(image, boxes, labels, scores, palette), cv2.COLOR_BGR2RGB)
    _rejected(draw_detections, "returned_rgb", "BGR image")


def test_drawn_on_a_blank_canvas_and_noise():
    def on_zeros(image, boxes, labels, scores, palette=None):
        return reference_drawing(np.zeros_like(image), boxes, labels, scores, palette)

    def noise(image, boxes, labels, scores, palette=None):
        return np.random.default_rng(0).integers(0, 256, image.shape, dtype=np.uint8)
    _rejected(on_zeros, "not_on_image", "image.copy()")
    _rejected(noise, "not_on_image", "image.copy()")


def test_float_picture():
    def draw_detections(image, boxes, labels, scores, palette=None):
        return reference_drawing(image, boxes, labels, scores, palette) / 255.0
    _rejected(draw_detections, "not_uint8", "uint8")


def test_only_the_first_box():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        for box, label, score in zip(boxes, labels, scores):
            out = reference_drawing(out, [box], [label], [score], palette)
            return out
        return out
    _rejected(draw_detections, "return_in_loop", "inside the for loop")


def test_boxes_that_stick_out_skipped():
    def draw_detections(image, boxes, labels, scores, palette=None):
        H, W = image.shape[:2]
        keep = [k for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, float))
                if x1 >= 0 and y1 >= 0 and x2 <= W - 1 and y2 <= H - 1]
        return reference_drawing(image, np.asarray(boxes)[keep].reshape(-1, 4), [labels[k] for k in keep],
                                 [scores[k] for k in keep], palette)
    _rejected(draw_detections, "outside_boxes_skipped", "rather than skip it")


def test_rectangle_given_one_4_tuple_reads_it_as_x_y_w_h():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        names = sorted(set(labels))
        palette = TAB10 if palette is None else palette
        for (x1, y1, x2, y2), label in zip(np.asarray(boxes, float).round().astype(int).tolist(), labels):
            colour = tuple(int(c) for c in palette[names.index(label)][::-1])
            cv2.rectangle(out, (x1, y1, x2, y2), colour, 2)
        return out
    _rejected(draw_detections, "corners_as_size", "(x, y, w, h)")


def test_filled_boxes():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        names = sorted(set(labels))
        palette = TAB10 if palette is None else palette
        for (x1, y1, x2, y2), label in zip(_clipped(boxes, W, H), labels):
            cv2.rectangle(out, (x1, y1), (x2, y2), tuple(int(c) for c in palette[names.index(label)][::-1]),
                          cv2.FILLED)
        return out
    _rejected(draw_detections, "filled_boxes", "positive thickness")


def test_box_lines_with_line_aa_as_thickness():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = reference_drawing(image, boxes, labels, scores, palette)
        H, W = out.shape[:2]
        names = sorted(set(labels))
        palette = TAB10 if palette is None else palette
        for (x1, y1, x2, y2), label in zip(_clipped(boxes, W, H), labels):
            cv2.rectangle(out, (x1, y1), (x2, y2), tuple(int(c) for c in palette[names.index(label)][::-1]),
                          cv2.LINE_AA)
        return out
    _rejected(draw_detections, "lines_too_thick", "thickness")


def test_clipped_to_the_size_instead_of_the_last_pixel():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        names = sorted(set(labels))
        palette = TAB10 if palette is None else palette
        font_scale, thickness = drawing_scale(out.shape)
        for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H, high=(W, H)), labels, scores):
            bgr = tuple(int(c) for c in palette[names.index(label)][::-1])
            cv2.rectangle(out, (x1, y1), (x2, y2), bgr, thickness)
            draw_label(out, f"{label} {score:.2f}", (x1, y1), bgr, font_scale, 1)
        return out
    _rejected(draw_detections, "right_bottom_not_clipped", "0..W-1")


def test_clipped_with_width_and_height_swapped():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        names = sorted(set(labels))
        palette = TAB10 if palette is None else palette
        font_scale, thickness = drawing_scale(out.shape)
        boxes = np.clip(np.asarray(boxes, float).reshape(-1, 4), 0, [H - 1, W - 1] * 2)   # x to H-1: swapped
        for (x1, y1, x2, y2), label, score in zip(boxes.round().astype(int).tolist(), labels, scores):
            bgr = tuple(int(c) for c in palette[names.index(label)][::-1])
            cv2.rectangle(out, (x1, y1), (x2, y2), bgr, thickness)
            draw_label(out, f"{label} {score:.2f}", (x1, y1), bgr, font_scale, 1)
        return out
    _rejected(draw_detections, "clip_w_h_swapped", "width and height", "0..W-1")


# --------------------------------------------------------------------------- errors on valid input
def _cv2_drawing(points=int, colour=lambda rgb: tuple(int(c) for c in rgb[::-1]), thickness=2, palette_default=True):
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        if palette_default:
            palette = TAB10 if palette is None else palette
        names = sorted(set(labels))
        for (x1, y1, x2, y2), label in zip(np.asarray(boxes, float), labels):
            rgb = palette[names.index(label)]
            cv2.rectangle(out, (points(x1), points(y1)), (points(x2), points(y2)), colour(rgb), thickness)
        return out
    return draw_detections


def test_numpy_colour_and_float_thickness_are_named():
    _rejected(_cv2_drawing(colour=lambda rgb: tuple(rgb[::-1])), "numpy_colour", "tuple(int(c)", status="error")
    _rejected(_cv2_drawing(colour=lambda rgb: rgb[::-1]), "numpy_colour", "not numeric", status="error")
    _rejected(_cv2_drawing(thickness=1.5), "float_thickness", "Python int", status="error")
    _rejected(_cv2_drawing(points=float), "float_points", "Python ints", status="error")


def test_palette_none_used_as_an_array():
    _rejected(_cv2_drawing(palette_default=False), "palette_none", "tab10", status="error")


def test_drawing_on_a_reversed_view():
    def draw_detections(image, boxes, labels, scores, palette=None):
        rgb = image.copy()[:, :, ::-1]
        cv2.rectangle(rgb, (0, 0), (5, 5), (255, 0, 0), 1)
        return rgb[:, :, ::-1]
    _rejected(draw_detections, "draw_on_view", "reversed view", status="error")


def test_no_detections_crash():
    def draw_detections(image, boxes, labels, scores, palette=None):
        widest = max(cv2.getTextSize(f"{label} {score:.2f}", cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)[0][0]
                     for label, score in zip(labels, scores))
        assert widest > 0
        return reference_drawing(image, boxes, labels, scores, palette)
    _rejected(draw_detections, "empty_fails", "no detections", status="error")


def test_a_plain_bug_is_not_named_as_a_mistake():
    def draw_detections(image, boxes, labels, scores, palette=None):
        raise KeyError("oops")
    result = assert_rejected("draw_detections", draw_detections, "KeyError", status="error")
    assert result.mistake is None


# --------------------------------------------------------------------------- correct drawings written differently
def with_the_helpers(image, boxes, labels, scores, palette=None):
    out = image.copy()
    h, w = out.shape[:2]
    font_scale, thickness = drawing_scale(out.shape)
    colours = colours_per_class(labels, TAB10 if palette is None else palette)
    for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, w, h), labels, scores):
        bgr = colours[label][::-1]
        cv2.rectangle(out, (x1, y1), (x2, y2), bgr, thickness)
        draw_label(out, f"{label} {score:.2f}", (x1, y1), bgr, font_scale, max(1, thickness - 1))
    return out


def inside_always(font=cv2.FONT_HERSHEY_DUPLEX, line=cv2.LINE_8, box_line=cv2.LINE_8, pad=3, bold=False):
    """Caption always inside the box at its top-left corner; another font, no anti-aliasing."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        pal = np.asarray(TAB10 if palette is None else palette)
        classes = sorted(set(labels))
        scale, th = min(H, W) / 900, max(1, min(H, W) // 450)
        for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
            r, g, b = (int(v) for v in pal[classes.index(label) % len(pal)])
            cv2.rectangle(out, (x1, y1), (x2, y2), (b, g, r), th, box_line)
            text = f"{label} {score:.2f}"
            tt = 2 if bold else 1
            (tw, thh), base = cv2.getTextSize(text, font, scale, tt)
            w, h = tw + 2 * pad, thh + base + 2 * pad
            left, top = min(x1, W - w), min(y1, H - h)
            cv2.rectangle(out, (left, top), (left + w, top + h), (b, g, r), cv2.FILLED)
            lum = 0.2126 * (r / 255) ** 2.2 + 0.7152 * (g / 255) ** 2.2 + 0.0722 * (b / 255) ** 2.2
            ink = (0, 0, 0) if lum > 0.18 else (255, 255, 255)
            cv2.putText(out, text, (left + pad, top + pad + thh), font, scale, ink, tt, line)
        return out
    return draw_detections


def antialiased_outlines_caption_below(image, boxes, labels, scores, palette=None):
    """LINE_AA outlines (never exactly the colour at thickness 1), the caption below the box."""
    out = image.copy()
    H, W = out.shape[:2]
    pal = TAB10 if palette is None else palette
    names = sorted(set(labels))
    fs, th = max(0.3, min(H, W) / 800), max(1, round(min(H, W) / 500))
    for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
        rgb = tuple(int(c) for c in pal[names.index(label) % len(pal)])
        cv2.rectangle(out, (x1, y1), (x2, y2), rgb[::-1], th, cv2.LINE_AA)
        text = f"{label} {score:.2f}"
        (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
        lw, lh = tw + 6, tht + base + 6
        top = y2 if y2 + lh <= H else max(y1 - lh, 0) if y1 - lh >= 0 else y2 - lh
        left = max(0, min(x1, W - lw))
        cv2.rectangle(out, (left, top), (left + lw, top + lh), rgb[::-1], -1)
        cv2.putText(out, text, (left + 3, top + 3 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs,
                    text_colour_on(rgb)[::-1], 1, cv2.LINE_AA)
    return out


def drawn_in_rgb(image, boxes, labels, scores, palette=None):
    """Draws on an RGB copy with the RGB palette, and converts back at the end."""
    picture = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    H, W = picture.shape[:2]
    palette = TAB10 if palette is None else palette
    order = {name: k for k, name in enumerate(sorted(set(labels)))}
    size = min(H, W)
    fs, th = size / 700, max(1, size // 400)
    for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
        colour = tuple(int(v) for v in palette[order[label] % len(palette)])
        cv2.rectangle(picture, (x1, y1), (x2, y2), colour, th)
        text = "%s %.2f" % (label, score)
        (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, th)
        y_text = y1 - tht - base - 4
        if y_text < 0:
            y_text = y1
        x_text = min(x1, W - tw - 4)
        cv2.rectangle(picture, (x_text, y_text), (x_text + tw + 4, y_text + tht + base + 4), colour, -1)
        black = contrast_ratio(colour, (0, 0, 0)) >= contrast_ratio(colour, (255, 255, 255))
        cv2.putText(picture, text, (x_text + 2, y_text + tht + 2), cv2.FONT_HERSHEY_SIMPLEX, fs,
                    (0, 0, 0) if black else (255, 255, 255), th, cv2.LINE_AA)
    return cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)


def plain_font_first_seen(image, boxes, labels, scores, palette=None):
    """FONT_HERSHEY_PLAIN at twice the scale (its glyphs rise above getTextSize's height: a margin
    in proportion), the score in parentheses, colours in first-seen order."""
    out = image.copy()
    H, W = out.shape[:2]
    palette = np.asarray(TAB10 if palette is None else palette, dtype=np.uint8)
    seen = list(dict.fromkeys(labels))
    fs, th = 2 * min(H, W) / 800, max(1, int(round(min(H, W) / 500)))
    for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
        colour = palette[seen.index(label) % len(palette)][::-1].tolist()
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, th)
        text = f"{label} ({score:.2f})"
        (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_PLAIN, fs, 1)
        pad = max(2, int(3 * fs))
        lw, lh = tw + 4, tht + base + 2 * pad
        ly = y1 - lh if y1 >= lh else y1
        lx = x1 if x1 + lw <= W else W - lw
        cv2.rectangle(out, (lx, ly), (lx + lw, ly + lh), colour, -1)
        cv2.putText(out, text, (lx + 2, ly + pad + tht), cv2.FONT_HERSHEY_PLAIN, fs,
                    text_colour_on(colour[::-1])[::-1], 1, cv2.LINE_AA)
    return out


def styled(border=False, alpha=1.0, centred=False, shadow=False):
    """A caption with a black border, or a semi-transparent rectangle (80 % opaque), or centred over
    the box, or a grey shadow under its text: styles that keep every rule."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        H, W = out.shape[:2]
        palette = TAB10 if palette is None else palette
        names = sorted(set(labels))
        fs, th = max(0.3, min(H, W) / 800), max(1, round(min(H, W) / 500))
        for (x1, y1, x2, y2), label, score in zip(_clipped(boxes, W, H), labels, scores):
            rgb = tuple(int(c) for c in palette[names.index(label) % len(palette)])
            cv2.rectangle(out, (x1, y1), (x2, y2), rgb[::-1], th)
            text = f"{label} {score:.2f}"
            (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            lw, lh = tw + 8, tht + base + 8
            top = y1 - lh if y1 >= lh else y1
            left = (x1 + x2) // 2 - lw // 2 if centred else x1
            left = max(0, min(left, W - lw - 1))
            layer = out.copy() if alpha < 1 else out
            cv2.rectangle(layer, (left, top), (left + lw, top + lh), rgb[::-1], -1)
            if alpha < 1:
                out = cv2.addWeighted(layer, alpha, out, 1 - alpha, 0)
            if border:
                cv2.rectangle(out, (left, top), (left + lw, top + lh), (0, 0, 0), 1)
            if shadow:
                cv2.putText(out, text, (left + 5, top + 5 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs, (128, 128, 128), 1,
                            cv2.LINE_AA)
            cv2.putText(out, text, (left + 4, top + 4 + tht), cv2.FONT_HERSHEY_SIMPLEX, fs,
                        text_colour_on(rgb)[::-1], 1, cv2.LINE_AA)
        return out
    return draw_detections


def yiq_threshold(rgb):
    """The textbook perceived-brightness rule: on mid-tones it may pick the other colour, which still
    reads (3:1 or more)."""
    return (0, 0, 0) if (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]) / 1000 > 128 else (255, 255, 255)


@pytest.mark.parametrize("fn", [
    with_the_helpers, inside_always(), antialiased_outlines_caption_below, drawn_in_rgb, plain_font_first_seen,
    inside_always(font=cv2.FONT_HERSHEY_COMPLEX, line=cv2.LINE_AA, box_line=cv2.LINE_AA, bold=True, pad=1),
    with_caption(text_colour_from(yiq_threshold)), reference_drawing, styled(border=True), styled(alpha=0.8),
    styled(centred=True), styled(shadow=True),
], ids=["helpers", "inside_duplex", "aa_below", "in_rgb", "plain_font", "complex_bold_aa", "yiq", "reference",
        "black_border", "alpha_0.8", "centred", "shadow"])
def test_correct_drawings_are_accepted(fn):
    assert_accepted("draw_detections", fn)


def test_no_nan_handling_is_needed():
    """The prompt never asks for NaN boxes, and no case has one: an answer that does not look for
    them (with_the_helpers) is right."""
    assert not any(np.isnan(np.asarray(case.args[1], float)).any() for case in get_exercise("draw_detections").cases())
    assert_accepted("draw_detections", with_the_helpers)


def test_the_notebooks_own_solution_is_accepted():
    notebook = nbformat.read(ROOT / "solutions" / "06_detection_decoding.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "def draw_detections(" in c.source)
    namespace = {"np": np, "cv2": cv2}
    exec(cell.source, namespace)
    assert_accepted("draw_detections", namespace["draw_detections"])


# --------------------------------------------------------------------------- the checker itself
def _case(boxes, labels, scores, size=(480, 640), **kwargs):
    image = np.full((*size, 3), drawing_check.BACKGROUND_BGR, np.uint8)
    return Case("a case made here", (image, np.float32(boxes), labels, scores), kwargs)


def test_the_reference_reads_clean_on_every_case():
    exercise = get_exercise("draw_detections")
    for case in exercise.cases():
        picture = reference_drawing(*case.args, **case.kwargs)
        assert drawing_check.diagnose(case, picture, picture.copy()) == [], case.label


def test_the_check_sees_the_case_and_keeps_no_state():
    """compare_drawings reads the case it is given: a case the exercise never built works, and
    the answer does not depend on what was compared before."""
    case = _case([[100, 100, 300, 200], [350, 250, 600, 400]], ["ant", "bee"], [0.5, 0.6])
    picture = reference_drawing(*case.args)
    assert drawing_check.compare_drawings(picture, picture.copy(), case) is None
    swapped = picture[:, :, ::-1].copy()
    first = drawing_check.compare_drawings(picture, swapped, case)
    for other in get_exercise("draw_detections").cases()[:3]:
        expected = reference_drawing(*other.args, **other.kwargs)
        drawing_check.compare_drawings(expected, expected, other)
    assert drawing_check.compare_drawings(picture, swapped, case) == first and first
    state = {name for name, value in vars(drawing_check).items()
             if isinstance(value, (dict, list, set)) and not name.isupper() and not name.startswith(("__", "_MIS"))
             and not name.startswith("_TEXT_COLOUR")}
    assert not state, f"module-level state in drawing_check: {state}"


def test_the_diagnosis_is_worked_out_once_per_run():
    case = _case([[100, 100, 300, 200]], ["ant"], [0.5])
    expected = reference_drawing(*case.args)
    run = Run(case, expected, expected[:, :, ::-1].copy(), [])
    problems = drawing_check.problems_of(run)
    assert problems and drawing_check.problems_of(run) is problems
    assert drawing_check.has_problem("returned_rgb")(run)
    assert not drawing_check.has_problem("bgr_palette")(run)


def test_a_wrong_type_is_a_kind_problem():
    case = _case([[100, 100, 300, 200]], ["ant"], [0.5])
    expected = reference_drawing(*case.args)
    assert isinstance(drawing_check.compare_drawings(expected, expected.tolist(), case), drawing_check.KindProblem)
    result = check("draw_detections", lambda image, boxes, labels, scores, palette=None: [image])
    assert result.mistake == "generic.wrong_type"


def test_anti_aliased_thin_lines_match_their_colour():
    colour = (31, 119, 180)
    line = np.full((5, 30, 3), drawing_check.BACKGROUND_BGR, np.uint8)
    cv2.line(line, (2, 2), (27, 2), colour, 1, cv2.LINE_AA)
    assert drawing_check.colour_matches(line[2, 5:25], colour).all()
    assert not drawing_check.colour_matches(line[2, 5:25], colour[::-1]).any()


def _caption_above(picture, x1, top, text="cat 0.50", colour=tuple(int(c) for c in TAB10[0][::-1])):
    """A box at (x1, top) and its caption right above it, however little room there is."""
    cv2.rectangle(picture, (x1, top), (x1 + 300, top + 80), colour, 1)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1)
    cv2.rectangle(picture, (x1, top - th - base - 4), (x1 + tw + 4, top), colour, -1)
    cv2.putText(picture, text, (x1 + 2, top - base - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1,
                cv2.LINE_AA)


@pytest.mark.parametrize("y1", range(0, 30))
def test_a_caption_cut_at_the_top_is_found_at_every_height(y1):
    """A caption drawn above its box with no room check: found cut for every y1 where its text
    starts above the picture by 3 rows or more, never where it starts inside (a row or two may go
    either way: the slack of a 20-pixel caption, and OpenCV's anti-aliasing at the edge)."""
    case = _case([[100, y1, 400, y1 + 80], [100, 250, 400, 330]], ["cat", "cat"], [0.5, 0.5])
    tall = np.full((200, 640, 3), drawing_check.BACKGROUND_BGR, np.uint8)
    _caption_above(tall, 100, 100)
    text_top = int(np.nonzero(drawing_check.Reading(drawing_check.Scene.of(case), tall).ink)[0].min()) - 100
    got = case.args[0].copy()
    _caption_above(got, 100, y1)
    _caption_above(got, 100, 250)
    kinds = [p.kind for p in drawing_check.diagnose(case, reference_drawing(*case.args), got)]
    if y1 + text_top <= -3:
        assert kinds == ["label_outside_top"], (y1, text_top, kinds)
    elif y1 + text_top >= 0:
        assert kinds == [], (y1, text_top, kinds)
    else:
        assert kinds in ([], ["label_outside_top"]), (y1, text_top, kinds)


def test_returning_the_input_itself_when_there_is_nothing_to_draw():
    """The prompt asks for a new image, an unchanged copy when there are no detections."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        if len(labels) == 0:
            return image
        return reference_drawing(image, boxes, labels, scores, palette)
    assert_rejected("draw_detections", draw_detections, "input object itself", "copy",
                    mistake="generic.returned_input")
