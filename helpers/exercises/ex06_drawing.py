"""Notebook 06: draw_detections, checked by what the picture shows (see drawing_check.py).

Every case draws on a plain picture of one colour (drawing_check.BACKGROUND_BGR). The boxes
are laid out so that each caption is nearer to its own box than to any other, whatever the
learner's font and label placement. The edges are tested exhaustively: ten pictures put a box
on each of the four edges, at the edge, a pixel or a fraction of one inside or outside it, and
far outside, so a label or a side that is lost only sometimes is found.
"""
import copy
import traceback

import cv2
import numpy as np

from ..drawing import draw_detections, text_colour_on
from ..palettes import TAB10
from .core import Case, Exercise, Mistake, register
from .drawing_check import BACKGROUND_BGR, compare_drawings, diagnose, has_problem

NOTEBOOK = "06_detection_decoding"

RULES = {
    "copy": "returns a new image",
    "empty": "with no detections, an unchanged copy",
    "corners": "boxes (N, 4) as corners (x1, y1, x2, y2)",
    "caption": "a caption with its label and its score",
    "filled": "on a filled rectangle of the box colour",
    "class_colour": "one colour per class",
    "bgr": "reversed for the BGR image",
    "tab10": "tab10 by default",
    "scale": "line width and font in proportion to the image",
    "inside": "every label inside the picture, on all four edges",
    "clip": "boxes that stick out clipped",
    "contrast": "black or white text, whichever contrasts more with the box colour",
    "ints": "Python ints for every coordinate and colour",
}


# --------------------------------------------------------------------------- #
# The cases
# --------------------------------------------------------------------------- #
def _plain(width, height):
    return np.full((height, width, 3), BACKGROUND_BGR, np.uint8)


# The four edges, tested exhaustively (640x700 pixels): one value of each list per picture.
_TOPS = [-20, -1, 0, 2, 5, 9, 14, 20, 27, 35]                                   # y1 of the top box
_RIGHTS = [(540, 700), (600, 639), (620, 640), (500, 640.4), (450, 643), (410, 639.3),
           (580, 680), (625, 660), (350, 639), (560, 1000)]                     # x1, x2 of the right box
_LEFTS = [-40, -1, -0.6, -0.4, 0, 1, 3, -3, -10, -100]                         # x1 of the left box
_BOTTOMS = [720, 699, 700, 700.4, 703, 699.3, 690, 760, 710, 701]              # y2 of the bottom box


def _edge_boxes(top, right, left, bottom):
    """Five boxes of a 640x700 picture, top to bottom: at the top edge (its y1 = top), at the right
    edge (x1, x2 = right), in the middle (its caption fully visible), at the left edge (x1 = left)
    and at the bottom edge (y2 = bottom)."""
    return np.float32([[60, top, 520, max(top, 0) + 70], [right[0], 175, right[1], 235],
                       [200, 340, 400, 390], [left, 490, max(left, 0) + 160, 545],
                       [300, bottom - 70, 500, bottom]])


def _edge_case(k, rule):
    top, right, left, bottom = _TOPS[k], _RIGHTS[k], _LEFTS[k], _BOTTOMS[k]
    label = (f"five 'blue_triangle 0.87' boxes on a 640x700 image: at the top edge (y1 = {top}), the right "
             f"edge (x1 = {right[0]}, x2 = {right[1]}), in the middle, at the left edge (x1 = {left}) and the "
             f"bottom edge (y2 = {bottom})")
    return Case(label, (_plain(640, 700), _edge_boxes(top, right, left, bottom), ["blue_triangle"] * 5,
                        [0.87] * 5), rule=rule)


def _big_edge_case(width, height):
    sx, sy = width / 640, height / 700
    boxes = _edge_boxes(-20, (540, 700), -40, 720) * np.float32([sx, sy, sx, sy])
    return Case(f"the same five boxes on a {width}x{height} image (lines and text must grow with it)",
                (_plain(width, height), boxes, ["blue_triangle"] * 5, [0.87] * 5), rule="scale")


_CLASS_BOXES = np.float32([[60, 40, 300, 100], [340, 180, 600, 250], [60, 330, 250, 400],
                           [340, 470, 600, 540], [100, 610, 300, 680]])
NAVY, YELLOW, BLUE, RED_ORANGE = (0, 0, 128), (240, 228, 66), (0, 40, 255), (255, 60, 0)


def _draw_cases():
    grid = np.float32([[60, 80, 260, 180], [380, 80, 580, 180], [60, 300, 260, 400], [380, 300, 580, 400]])
    cases = [
        Case("a cat, a dog and another cat in the middle of a 640x480 image",
             (_plain(640, 480), np.float32([[60, 120, 260, 300], [380, 100, 580, 330], [230, 370, 430, 450]]),
              ["cat", "dog", "cat"], [0.93, 0.88, 0.81]), rule="copy"),
        Case("five boxes: car 0.91, car 0.42, bus 0.91, bus 0.42, van 0.5, palette [(0, 0, 128) navy, (128, 0, 0) "
             "dark red, (240, 228, 66) yellow] (RGB), on a 640x600 image",
             (_plain(640, 600), np.float32([[60, 80, 260, 170], [380, 80, 580, 170], [60, 250, 260, 340],
                                            [380, 250, 580, 340], [220, 430, 420, 520]]),
              ["car", "car", "bus", "bus", "van"], [0.91, 0.42, 0.91, 0.42, 0.5]),
             {"palette": np.uint8([(0, 0, 128), (128, 0, 0), (240, 228, 66)])}, rule="caption"),
        Case("three boxes, palette [(240, 228, 66) yellow, (86, 180, 233) sky blue] (RGB), on an 800x600 image",
             (_plain(800, 600), np.float32([[80, 100, 330, 260], [470, 120, 720, 300], [200, 380, 560, 540]]),
              ["person", "dog", "person"], [0.95, 0.64, 0.58]),
             {"palette": np.uint8([(240, 228, 66), (86, 180, 233)])}, rule="filled"),
        Case("a person, a bicycle, a car and a dog, no palette given (tab10), on a 640x480 image",
             (_plain(640, 480), grid, ["person", "bicycle", "car", "dog"], [0.9, 0.8, 0.7, 0.6]), rule="tab10"),
        Case("five boxes of four classes, palette [(0, 0, 128) navy, (240, 228, 66) yellow, (0, 158, 115) green, "
             "(213, 94, 0) vermillion] (RGB), on a 640x700 image",
             (_plain(640, 700), _CLASS_BOXES, ["boat", "car", "boat", "person", "dog"], [0.91, 0.55, 0.78, 0.66, 0.42]),
             {"palette": np.uint8([(0, 0, 128), (240, 228, 66), (0, 158, 115), (213, 94, 0)])}, rule="class_colour"),
        Case("three classes, palette [(230, 25, 75) crimson, (0, 130, 200) blue, (245, 130, 48) orange] (RGB), "
             "on a 640x480 image",
             (_plain(640, 480), np.float32([[60, 80, 260, 200], [380, 60, 580, 220], [200, 300, 440, 440]]),
              ["bird", "cat", "fish"], [0.77, 0.66, 0.55]),
             {"palette": np.uint8([(230, 25, 75), (0, 130, 200), (245, 130, 48)])}, rule="bgr"),
        Case("five boxes of four classes, palette [(0, 0, 128) navy, (240, 228, 66) yellow, (0, 40, 255) blue, "
             "(255, 60, 0) red-orange] (RGB): two need white text, two black, on a 640x700 image",
             (_plain(640, 700), _CLASS_BOXES, ["kite", "boat", "car", "dog", "kite"], [0.9, 0.8, 0.7, 0.6, 0.5]),
             {"palette": np.uint8([NAVY, YELLOW, BLUE, RED_ORANGE])}, rule="contrast"),
        Case("boxes (400, 300, 470, 380) and (80, 60, 200, 150): corners, not (x, y, w, h), on a 640x480 image",
             (_plain(640, 480), np.float32([[400, 300, 470, 380], [80, 60, 200, 150]]), ["cat", "dog"], [0.8, 0.7]),
             rule="corners"),
        Case("boxes with fractional float32 corners and float32 scores, on a 640x480 image",
             (_plain(640, 480), np.float32([[50.6, 60.3, 250.2, 200.7], [330.4, 220.5, 590.8, 420.1]]),
              ["bird", "cat"], np.float32([0.734, 0.5])), rule="ints"),
    ]
    cases += [_edge_case(k, "inside" if k % 2 == 0 else "clip") for k in range(len(_TOPS))]
    cases += [_big_edge_case(1920, 1080), _big_edge_case(3840, 2160)]
    cases.append(Case("no detections: boxes of shape (0, 4), no labels, no scores, on a 320x240 image",
                      (_plain(320, 240), np.zeros((0, 4), np.float32), [], []), rule="empty"))
    return cases


# --------------------------------------------------------------------------- #
# A learner's draw_detections, with one mistake switched on: the mistakes' examples
# --------------------------------------------------------------------------- #
def _learner(clip="yes", top_room=True, right_room=True, left_clamp=True, bottom_room=True, place="above",
             anchor="clipped", colours="class", reverse=True, palette_default="tab10", font_scale="scaled",
             thickness="scaled", text="contrast", caption="both", label_back="fill", origin="baseline",
             points="int", colour_type="int", boxes_as="corners", filled=False, skip_outside=False,
             first_only=False, output="bgr", canvas="copy", empty="loop", view=False, text_thickness="scaled"):
    """A draw_detections as learners write it, right with the defaults; each switch is one mistake
    (the values other than the default are the wrong ones, named in the code below)."""
    def draw_detections(image, boxes, labels, scores, palette=None):
        if empty == "crash":
            assert max(len(label) for label in labels) > 0  # fails for no labels: max() of nothing
        out = {"copy": image.copy(), "zeros": np.zeros_like(image)}[canvas]
        if view:
            out = out[:, :, ::-1]  # draw in RGB, to use the palette as it is
        H, W = out.shape[:2]
        if palette is None and palette_default != "none":
            palette = TAB10 if palette_default == "tab10" else np.uint8([(0, 200, 0), (200, 0, 200), (0, 90, 200)])
        names = sorted(set(labels))
        fs = {"scaled": max(0.3, min(H, W) / 800), "fixed": 0.5, "huge": min(H, W) / 100}[font_scale]
        th = {"scaled": max(1, round(min(H, W) / 500)), "fixed": 1, "line_aa": cv2.LINE_AA}.get(thickness, 1)
        if thickness == "float":
            th = max(1.0, min(H, W) / 500)
        for k, (box, label, score) in enumerate(zip(boxes, labels, scores)):
            raw = [float(v) for v in box]
            if boxes_as == "swapped":
                raw = [raw[1], raw[0], raw[3], raw[2]]
            if skip_outside and (raw[0] < 0 or raw[1] < 0 or raw[2] > W - 1 or raw[3] > H - 1):
                continue
            high_x, high_y = {"to_size": (W, H), "swapped": (H - 1, W - 1)}.get(clip, (W - 1, H - 1))
            x1, y1, x2, y2 = raw
            if clip in ("yes", "to_size", "swapped"):
                x1, x2 = min(max(x1, 0), high_x), min(max(x2, 0), high_x)
                y1, y2 = min(max(y1, 0), high_y), min(max(y2, 0), high_y)
            if points == "int":
                x1, y1, x2, y2 = (int(round(v)) for v in (x1, y1, x2, y2))
            index = {"class": names.index(label), "box": k, "one": 0, "first_index": list(labels).index(label)}[colours]
            rgb = np.asarray(palette[index % len(palette)])
            bgr = rgb[::-1] if reverse else rgb
            colour = tuple(bgr) if colour_type == "numpy" else tuple(int(c) for c in bgr)
            if boxes_as == "rec":
                cv2.rectangle(out, (x1, y1, x2, y2), colour, th)    # a 4-tuple is read as (x, y, w, h)
            elif boxes_as != "none":
                cv2.rectangle(out, (x1, y1), (x2, y2), colour, -1 if filled else th)
            if caption != "none":
                words = {"both": f"{label} {score:.2f}", "label": label, "score": f"{score:.2f}"}[caption]
                tth = max(1, th - 1) if thickness == "scaled" else th if thickness == "float" else 1
                (tw, tht), base = cv2.getTextSize(words, cv2.FONT_HERSHEY_SIMPLEX, fs, tth)
                if text_thickness == "line_aa":
                    tth = cv2.LINE_AA                                # putText(..., colour, cv2.LINE_AA)
                lw, lh = tw + 4, tht + base + 4
                ax, ay, bx, by = (x1, y1, x2, y2) if anchor == "clipped" else (int(v) for v in raw)
                if place == "above":
                    tx, ty = ax, ay - lh
                    if top_room and ty < 0:
                        ty = ay                                      # inside the box
                else:
                    tx, ty = ax, by
                    if bottom_room and ty + lh > H:
                        ty = by - lh                                 # inside the box
                if right_room:
                    tx = min(tx, W - lw)
                if left_clamp:
                    tx = max(tx, 0)
                if top_room:
                    ty = max(ty, 0)
                if bottom_room:
                    ty = min(ty, H - lh)
                if points == "int":
                    tx, ty = int(tx), int(ty)
                r, g, b = (int(c) for c in rgb)
                back = {"fill": colour, "white": (255, 255, 255)}.get(label_back)
                if back is not None:
                    cv2.rectangle(out, (tx, ty), (tx + lw, ty + lh), back, -1)
                if text == "contrast":
                    ink = text_colour_on((r, g, b))[::-1]
                elif text == "inverted":
                    ink = (255, 255, 255) if text_colour_on((r, g, b)) == (0, 0, 0) else (0, 0, 0)
                elif text == "bgr":
                    ink = text_colour_on((b, g, r))[::-1]            # BGR read as RGB
                elif text == "red channel":
                    ink = (0, 0, 0) if r > 128 else (255, 255, 255)
                elif text == "box colour":
                    ink = colour
                else:
                    ink = {"white": (255, 255, 255), "black": (0, 0, 0)}[text]
                if label_back == "white":
                    ink = (0, 0, 0)
                org = (tx + 2, ty + 2 + tht) if origin == "baseline" else (tx + 2, ty)   # putText: bottom-left
                cv2.putText(out, words, org, cv2.FONT_HERSHEY_SIMPLEX, fs, ink, tth, cv2.LINE_AA)
            if first_only:
                return out
        if view:
            out = out[:, :, ::-1]
        if output == "rgb":
            return cv2.cvtColor(out, cv2.COLOR_BGR2RGB)
        if output == "float":
            return out.astype(np.float32) / 255
        return out
    return draw_detections


# --------------------------------------------------------------------------- #
# Mistakes recognised by the exception they raise
# --------------------------------------------------------------------------- #
def _says(exc, *phrases):
    text = str(exc)
    return all(phrase in text for phrase in phrases)


def _float_points(exc, case):
    text = str(exc)
    return "wrong type" in text and any(f"Can't parse '{name}'" in text for name in ("pt1", "pt2", "org", "rec"))


def _numpy_colour(exc, case):
    return _says(exc, "'color'", "not numeric")


def _float_thickness(exc, case):
    return _says(exc, "'thickness'", "integer")


def _drawn_on_a_view(exc, case):
    return _says(exc, "Layout of the output array img is incompatible with cv::Mat")


def _fails_when_empty(exc, case):
    return case.rule == "empty"


def _palette_none(exc, case):
    """``palette`` used as an array when it is None (the default)."""
    if case.kwargs.get("palette") is not None or "NoneType" not in str(exc):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "palette" in (frames[-1].line or "")


def _clipped_w_h_swapped(run) -> bool:
    """The picture is right for the boxes clipped to x in 0..H-1 and y in 0..W-1 (W and H swapped),
    on a case where that clipping moves some box."""
    image, boxes = run.case.args[0], np.asarray(run.case.args[1], np.float64).reshape(-1, 4)
    height, width = image.shape[:2]
    swapped = np.clip(boxes, 0, [height - 1, width - 1] * 2)
    if height == width or np.allclose(swapped, np.clip(boxes, 0, [width - 1, height - 1] * 2)):
        return False
    if not isinstance(run.got, np.ndarray) or run.got.shape != image.shape:
        return False
    case = copy.copy(run.case)
    case.args = (image, swapped.astype(np.float32)) + tuple(run.case.args[2:])
    expected = draw_detections(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    return not diagnose(case, expected, run.got)


# --------------------------------------------------------------------------- #
# The exercise
# --------------------------------------------------------------------------- #
def _mistake(kind, message, **switches):
    """A mistake recognised in the picture by drawing_check (its problem ``kind``)."""
    return Mistake(f"draw_detections.{kind}", message, detect=has_problem(kind), example=_learner(**switches))


register(Exercise(
    name="draw_detections",
    notebook=NOTEBOOK,
    reference=draw_detections,
    cases=_draw_cases,
    compare=compare_drawings,
    returns_new=True,
    rules=RULES,
    summary="boxes and readable labels drawn on a copy of a BGR image",
    hint=(
        """
        Draw on a copy with cv2.rectangle and cv2.putText. The helpers imported above the
        exercise do the sizing and the colours: drawing_scale, colours_per_class and
        text_colour_on. OpenCV wants Python ints for every point and colour.
        """,
        """
        1. out = a copy of the image; the palette is TAB10 when none is given.
        2. font_scale, thickness = drawing_scale(out.shape): they grow with the image.
        3. colours_per_class(labels, palette) gives one RGB tuple per label: reverse it for the
           BGR image.
        4. Clip the boxes to the image (x to 0..W-1, y to 0..H-1), round them, and make Python
           ints (cv2 rejects floats with "Can't parse 'pt1'").
        5. For each box: its outline, then the caption f"{label} {score:.2f}" on a filled
           rectangle of the box colour, in black or white (text_colour_on of the RGB colour).
        """,
        """
        Place the caption with `(text_w, text_h), baseline = cv2.getTextSize(text, font,
        font_scale, thickness)`: its box is text_h + baseline high. Its top is y1 minus that
        height, or y1 (inside the box) when that is below 0; then keep it inside the image:
        left at most W - text_w and top at most H minus its height, neither below 0. A filled
        rectangle is cv2.rectangle with thickness cv2.FILLED; putText's point is the text's
        bottom-left corner.
        """,
    ),
    mistakes=[
        # ----- exceptions on valid input
        Mistake("draw_detections.float_points",
                "cv2's drawing functions take points as Python ints: floats (Python or NumPy) give this "
                "misleading \"Can't parse 'pt1'\" error. Round and convert the corners first, e.g. "
                "x1, y1, x2, y2 = np.round(box).astype(int).tolist(), and the text origin too.",
                on_error=_float_points, example=_learner(points="float")),
        Mistake("draw_detections.numpy_colour",
                "cv2's drawing functions take a colour as a tuple of Python numbers: a NumPy colour "
                "(palette[k][::-1], or a tuple of its uint8 items) gives \"Scalar value for argument 'color' "
                "is not numeric\". Convert it: tuple(int(c) for c in colour).",
                on_error=_numpy_colour, example=_learner(colour_type="numpy")),
        Mistake("draw_detections.float_thickness",
                "cv2 takes the line thickness as a Python int: round it, e.g. "
                "thickness = max(1, round(min(H, W) / 500)).",
                on_error=_float_thickness, example=_learner(thickness="float")),
        Mistake("draw_detections.draw_on_view",
                "cv2 cannot draw on a reversed view such as image[:, :, ::-1] (its memory layout is not an "
                "image's). Draw on the BGR copy itself, image.copy(), and reverse the palette's colours "
                "instead.", on_error=_drawn_on_a_view, example=_learner(view=True)),
        Mistake("draw_detections.palette_none",
                "palette is None by default, and then the colours come from tab10: "
                "`palette = TAB10 if palette is None else palette` before you use it.",
                on_error=_palette_none, example=_learner(palette_default="none")),
        Mistake("draw_detections.empty_fails",
                "with no detections (boxes of shape (0, 4), no labels, no scores) your function fails: it "
                "must return an unchanged copy of the image. A loop over zero boxes does nothing; guard "
                "anything that needs at least one box (max(...) of an empty list, boxes[0], ...).",
                on_error=_fails_when_empty, example=_learner(empty="crash")),
        # ----- the picture as a whole
        Mistake("draw_detections.not_uint8",
                "the picture must stay a uint8 image like the input, values 0-255: draw on image.copy() "
                "and return it as it is (no astype(float), no division by 255).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.shape == run.expected.shape
                and run.got.dtype != np.uint8, example=_learner(output="float")),
        _mistake("returned_rgb", "you returned the picture in RGB (converted for matplotlib?): draw_detections "
                 "returns a BGR image like its input. Convert only where you show it.", output="rgb"),
        _mistake("not_on_image", "the picture does not show the input image: draw on a copy of it "
                 "(out = image.copy()), not on a new blank array.", canvas="zeros"),
        # ----- the boxes
        _mistake("filled_boxes", "your boxes are filled (thickness -1 or cv2.FILLED), which hides what they "
                 "contain: draw the outline with a positive thickness, and fill only the caption's rectangle.",
                 filled=True),
        _mistake("corners_as_size", "your boxes are drawn as (x, y, w, h): the right side at x1 + x2, the bottom at "
                 "y1 + y2. The boxes are corners (x1, y1, x2, y2): cv2.rectangle(out, (x1, y1), (x2, y2), ...). "
                 "(cv2.rectangle with one 4-tuple reads it as (x, y, w, h).)", boxes_as="rec"),
        _mistake("x_y_swapped", "your boxes are drawn with x and y swapped (a box's x1 used as its top, ...). "
                 "A box is (x1, y1, x2, y2) and cv2's points are (x, y): column first, then row.",
                 boxes_as="swapped"),
        _mistake("no_boxes", "no box outline is drawn: draw each box with cv2.rectangle(out, (x1, y1), (x2, y2), "
                 "colour, thickness) before its caption.", boxes_as="none"),
        _mistake("return_in_loop", "only the first box is drawn: is your `return` inside the for loop? Return "
                 "the picture after the loop, once every box is drawn.", first_only=True),
        _mistake("outside_boxes_skipped", "a box that sticks out of the picture is not drawn at all: clip it to "
                 "the picture and draw it, rather than skip it (a detector's boxes often pass the edge).",
                 skip_outside=True),
        _mistake("not_clipped", "part of a box is invisible: a box that sticks out of the picture must be clipped "
                 "to it before drawing (x to 0..W-1, y to 0..H-1), so that all four sides show.", clip="no"),
        _mistake("right_bottom_not_clipped", "boxes that stick out past the right or bottom edge lose that side: "
                 "clip x to 0..W-1 and y to 0..H-1, the last column and row (clipped to W and H, or with "
                 "max(x, 0) alone, the side stays outside the picture).", clip="to_size"),
        Mistake("draw_detections.clip_w_h_swapped",
                "your clipping swaps the picture's width and height: x is clipped to 0..H-1 and y to 0..W-1, "
                "so on a picture that is not square a box is cut short or a side is lost. An image's shape is "
                "(H, W, 3): H, W = image.shape[:2]; clip x to 0..W-1 and y to 0..H-1.",
                detect=_clipped_w_h_swapped, example=_learner(clip="swapped")),
        # ----- the colours
        _mistake("one_colour", "every box has the same colour, whatever its class: give each distinct label its "
                 "own colour from the palette (e.g. the k-th colour for the k-th of sorted(set(labels))).",
                 colours="one"),
        _mistake("colour_per_box", "two boxes of the same class have different colours: pick the colour by the "
                 "label (one colour per class), not by the box's position in the list.", colours="box"),
        _mistake("classes_share_colour", "two different classes share a colour although the palette has enough: "
                 "give each distinct label its own palette colour (the k-th of sorted(set(labels)), not "
                 "hash(label) or the label's index in the list).", colours="first_index"),
        _mistake("bgr_palette", "the palette is RGB but the picture is BGR: your colours came out with red and blue "
                 "swapped. Reverse each colour (colour[::-1], or palette[:, ::-1]; palette[::-1] reverses the "
                 "order of the colours, not their channels).", reverse=False),
        _mistake("palette_ignored", "the box colours are not the palette's: take them from the palette argument, "
                 "or from tab10 (helpers.palettes.TAB10) when it is None, reversed to BGR.",
                 palette_default="mine"),
        # ----- the captions
        _mistake("no_caption", "the boxes have no captions: write each box's label and score (e.g. "
                 "f\"{label} {score:.2f}\") with cv2.putText, on a filled rectangle of the box colour.",
                 caption="none"),
        _mistake("no_label_background", "a caption is drawn straight on the picture, with no filled rectangle "
                 "behind it: draw a filled rectangle of the box colour first (cv2.rectangle with thickness -1, "
                 "sized with cv2.getTextSize), then black or white text on it.", label_back="none"),
        _mistake("text_off_label", "a caption's text is beside its filled rectangle, not on it: cv2.putText's origin "
                 "is the text's bottom-left corner (on the baseline), not its top-left. Put it at "
                 "(left + margin, top + margin + text_height).", origin="top-left"),
        _mistake("label_fill_not_box_colour", "the rectangle behind a caption is not the box colour: fill it with the "
                 "box's own colour (the same BGR tuple as its outline), then draw black or white text on it.",
                 label_back="white"),
        _mistake("text_too_bold", "the caption's text is a blob, its strokes far too thick to read: cv2.putText's "
                 "8th argument is the thickness (cv2.LINE_AA there is a thickness of 16). Pass "
                 "lineType=cv2.LINE_AA by name, and a thickness of about max(1, round(min(H, W) / 500)).",
                 text_thickness="line_aa"),
        _mistake("text_not_black_or_white", "a caption's text is not black or white (or not visible on its "
                 "rectangle): draw it in black or white, whichever contrasts more with the box colour.",
                 text="box colour"),
        _mistake("font_too_big", "the text is far too big for the picture: a font scale of about min(H, W) / 800 "
                 "(0.8 on a 640-pixel picture) keeps captions in proportion.", font_scale="huge"),
        _mistake("lines_too_thick", "the box lines are far too thick for the picture: derive the thickness "
                 "from the image size, about max(1, round(min(H, W) / 500)). (cv2.rectangle's 5th argument is "
                 "the thickness: cv2.LINE_AA there draws 16-pixel lines; pass lineType=cv2.LINE_AA by name.)",
                 thickness="line_aa"),
        _mistake("font_too_small", "the text does not grow with the image: on a big picture it is too small to "
                 "read. Derive the font scale from the image size, about min(H, W) / 800.", font_scale="fixed"),
        _mistake("lines_too_thin", "the box lines do not grow with the image: on a big picture 1-pixel lines are "
                 "hard to see. Derive the thickness from the image size, e.g. max(1, round(min(H, W) / 500)).",
                 thickness="fixed"),
        _mistake("label_outside_top", "a caption is cut off at the top edge of the picture: when there is no room "
                 "above the box, put the caption inside the box, just below its top side. "
                 "(hint('draw_detections', 3) says more)", top_room=False),
        _mistake("label_outside_right", "a caption runs past the right edge of the picture: when it would pass "
                 "the edge, shift it left so that it ends inside (left = min(x1, W - label_width)).",
                 right_room=False),
        _mistake("label_outside_left", "a caption is cut off at the left edge of the picture: clamp its left "
                 "end into the image (left = max(left, 0)), and clip the box before placing its caption.",
                 anchor="raw", left_clamp=False),
        _mistake("label_outside_bottom", "a caption is cut off at the bottom edge of the picture: when there is no "
                 "room below the box, put the caption inside it (or above it) instead.", place="below",
                 bottom_room=False),
        _mistake("caption_without_score", "two captions of the same class with different scores look the same: "
                 "each caption shows the label and the score, e.g. f\"{label} {score:.2f}\".", caption="label"),
        _mistake("caption_without_label", "two captions of different classes with the same score look the same: "
                 "each caption shows the label and the score, e.g. f\"{label} {score:.2f}\".", caption="score"),
        _mistake("text_always_white", "white text is hard to read on light box colours: choose black or white per "
                 "box colour, whichever contrasts more (helpers.drawing.text_colour_on(rgb)).", text="white"),
        _mistake("text_always_black", "black text is hard to read on dark box colours: choose black or white per "
                 "box colour, whichever contrasts more (helpers.drawing.text_colour_on(rgb)).", text="black"),
        _mistake("text_colour_inverted", "your black-or-white choice is the wrong way round: black text goes on "
                 "light colours and white on dark ones (is a comparison reversed?).", text="inverted"),
        _mistake("text_colour_from_bgr", "the text colour was chosen from the BGR colour read as RGB: red and blue "
                 "swap in the luminance, so some captions get the colour that contrasts less. Choose it from "
                 "the palette's RGB colour.", text="bgr"),
        _mistake("text_low_contrast", "on some box colours the caption text is the one of black and white that "
                 "contrasts less: compare the contrast ratios of both (helpers.drawing.contrast_ratio) and take "
                 "the higher.", text="red channel"),
    ],
))
