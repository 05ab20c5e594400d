"""The pixel checker of draw_detections: a drawing is judged by what it shows, not pixel by pixel.

Fonts, margins and label placement may differ from the reference, so a learner's picture is
never compared with the reference's pixels. It is *read* instead, on a plain background of one
colour that is in no palette and is neither near black nor near white:

- drawn pixels that touch form pieces; a piece belongs to the box whose outline it reaches (a
  caption attached to its box), else to the nearest box; a pixel is "ink" (near black or near
  white: caption text) or "solid";
- each box's outline must show on the four sides of the box clipped to the image, in one colour
  per class taken from the palette and reversed to BGR;
- its caption is black or white text on a filled rectangle of the box colour, readable on it,
  about as tall as the reference's, never cut by the picture's edge (cut means: smaller than
  the same caption of another box with the same label and score), and it reads the same as
  another caption only when its label and score are the same.

:func:`diagnose` does that work once for a picture and returns the problems found, in the order
the check reports them, as :class:`Problem` (kind, text): a kind is the last part of a mistake's
id (``label_outside_top``), or a kind no mistake claims (``box_misplaced``, ``caption_differs``),
whose text the check then shows as it is. :func:`compare_drawings` is the exercise's compare;
:func:`has_problem` makes a mistake's detector, reading the diagnosis kept in ``run.memo`` so that
the mistakes tried one after another share it. Nothing is kept between runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import cv2
import numpy as np

from ..drawing import contrast_ratio, drawing_scale, text_colour_on
from ..palettes import TAB10
from .core import KindProblem, compare_arrays, describe

BACKGROUND_BGR = (90, 110, 150)   # the plain picture the cases draw on
_BACKGROUND = np.array(BACKGROUND_BGR, np.int16)
INK_DARK, INK_LIGHT = 60, 200     # near black: every channel <= 60; near white: every channel >= 200
SIDES = ("top", "right", "bottom", "left")
BORDERS = ("top", "right", "left", "bottom")  # the order a cut caption's edge is named in
FONT_RANGE = (0.4, 3.0)           # caption height / the reference's outside this: the font does not scale
THIN_LINES = 0.5                  # line width / the reference's below this (where the reference's is >= 3)
THICK_LINES = 6.0                 # line width / the reference's above this (and 8 pixels or more)
MIN_CONTRAST = 3.0                # text below 3:1 on its box (WCAG's floor for large text) is unreadable
_MEMO_KEY = "draw_detections.problems"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a drawing: ``kind`` is the last part of its mistake id."""

    kind: str
    text: str


# --------------------------------------------------------------------------- #
# The case: what should be drawn
# --------------------------------------------------------------------------- #
@dataclass
class Scene:
    """A case of draw_detections: the picture, its boxes and captions, and the palette."""

    image: np.ndarray
    boxes: np.ndarray  # (N, 4) float64, as given (not clipped)
    labels: list
    scores: list       # N Python floats
    palette: np.ndarray  # (n, 3) uint8 RGB: the case's, or tab10
    default_palette: bool

    @classmethod
    def of(cls, case) -> "Scene":
        image, boxes, labels, scores = case.args
        palette = case.kwargs.get("palette")
        return cls(image, np.asarray(boxes, np.float64).reshape(-1, 4), list(labels),
                   [float(s) for s in scores], TAB10 if palette is None else np.asarray(palette, np.uint8),
                   palette is None)

    @property
    def size(self) -> tuple:
        """(height, width)."""
        return self.image.shape[:2]

    @cached_property
    def rects(self) -> np.ndarray:
        """(N, 4) int: the boxes clipped to the image and rounded, where their sides belong."""
        height, width = self.size
        return np.clip(self.boxes, 0, [width - 1, height - 1] * 2).round().astype(int)

    @cached_property
    def reach(self) -> int:
        """How far from a box's side (pixels) its line may be: line widths and rounding differ."""
        return 2 * drawing_scale(self.image.shape)[1] + 2

    def sticks_out(self, i: int, side: str) -> bool:
        """True when box ``i`` passes the picture's edge on ``side`` (so it must be clipped there)."""
        height, width = self.size
        x1, y1, x2, y2 = self.boxes[i]
        return {"left": x1 < 0, "top": y1 < 0, "right": x2 > width - 1, "bottom": y2 > height - 1}[side]

    def borders_of(self, i: int, within: int = 0) -> list:
        """The picture's edges that box ``i`` (clipped) lies on, or comes ``within`` pixels of."""
        height, width = self.size
        x1, y1, x2, y2 = self.rects[i]
        on = {"top": y1 <= within, "right": x2 >= width - 1 - within, "left": x1 <= within,
              "bottom": y2 >= height - 1 - within}
        return [border for border in BORDERS if on[border]]

    @property
    def palette_bgr(self) -> list:
        return [tuple(int(c) for c in rgb[::-1]) for rgb in self.palette]

    @property
    def palette_unreversed(self) -> list:
        """The palette's colours put on the BGR picture without reversing (where that differs)."""
        return [tuple(int(c) for c in rgb) for rgb in self.palette if tuple(rgb) != tuple(rgb[::-1])]


# --------------------------------------------------------------------------- #
# Colours
# --------------------------------------------------------------------------- #
def _is_ink(colours: np.ndarray) -> np.ndarray:
    """(..., 3) colours -> (...) bool: near black or near white (caption text)."""
    return (colours.max(axis=-1) <= INK_DARK) | (colours.min(axis=-1) >= INK_LIGHT)


def colour_matches(pixels: np.ndarray, target, tolerance: int = 8) -> np.ndarray:
    """(P, 3) colours -> (P,) bool: each is ``target``, exactly or as an anti-aliased 1-pixel line
    of it on the background (a mix of at least 60 % of ``target`` with the background)."""
    pixels = np.asarray(pixels, np.float64).reshape(-1, 3)
    target = np.asarray(target, np.float64)
    exact = np.abs(pixels - target).max(axis=1) <= tolerance
    towards = target - _BACKGROUND
    span = float(towards @ towards)
    if span == 0:
        return exact
    alpha = (pixels - _BACKGROUND) @ towards / span
    residual = np.abs(pixels - _BACKGROUND - alpha[:, None] * towards).max(axis=1)
    return exact | ((alpha >= 0.6) & (residual <= 12))


def same_colour(colour, target) -> bool:
    """One colour shows ``target`` (see :func:`colour_matches`)."""
    return colour is not None and target is not None and bool(colour_matches(colour, target)[0])


def _dominant_colour(pixels: np.ndarray) -> Optional[tuple]:
    """The most common of the colours farthest from the background (a line's core, not its
    anti-aliased rim), as a BGR tuple; None for no pixels."""
    if not len(pixels):
        return None
    distance = np.abs(pixels.astype(np.int32) - _BACKGROUND).sum(axis=1)
    core = pixels[distance >= 0.8 * distance.max()]
    packed = core.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    values, counts = np.unique(packed, return_counts=True)
    best = int(values[counts.argmax()])
    return best >> 16, (best >> 8) & 255, best & 255


def _mode_colour(pixels: np.ndarray) -> tuple:
    """(the most common colour of ``pixels`` as a BGR tuple, its share of them)."""
    packed = pixels.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    values, counts = np.unique(packed, return_counts=True)
    best = int(values[counts.argmax()])
    return (best >> 16, (best >> 8) & 255, best & 255), counts.max() / len(pixels)


def _colour_name(bgr) -> str:
    return f"BGR {tuple(int(c) for c in bgr)}"


# --------------------------------------------------------------------------- #
# Reading a picture
# --------------------------------------------------------------------------- #
@dataclass
class Caption:
    """The caption read next to one box: its ink (text) and what lies behind it."""

    ink_count: int = 0
    ink_box: Optional[tuple] = None   # (top, left, bottom, right), inclusive, image coordinates
    ink_mask: Optional[np.ndarray] = None  # bool crop of the ink over ink_box
    white_mask: Optional[np.ndarray] = None  # the near-white part of it
    white: int = 0                    # near-white ink pixels
    black: int = 0                    # near-black ink pixels
    other_count: int = 0              # solid (not ink) pixels of the box away from its outline
    behind: Optional[tuple] = None    # the most common non-ink colour around the text
    behind_share: float = 0.0
    fill_count: int = 0               # pixels of the box colour away from its outline
    other_borders: tuple = ()         # the picture's edges those solid pixels touch
    borders: tuple = ()               # the picture's edges the ink touches

    @property
    def size(self) -> tuple:
        """(width, height) of the ink."""
        if self.ink_box is None:
            return 0, 0
        top, left, bottom, right = self.ink_box
        return right - left + 1, bottom - top + 1

    @property
    def line_height(self) -> int:
        """Height (pixels) of the tallest band of rows with ink: one line of text, even when two
        captions' ink ended up together."""
        if self.ink_mask is None:
            return 0
        return _longest_run(self.ink_mask.any(axis=1))

    @property
    def density(self) -> float:
        """Share of the ink's bounding box that is ink (text: well under a half)."""
        width, height = self.size
        return self.ink_count / (width * height) if self.ink_count else 0.0

    @property
    def stroke(self) -> float:
        """Width (pixels) of the ink's thickest stroke: twice its largest distance to a non-ink pixel."""
        if self.ink_mask is None:
            return 0.0
        padded = np.pad(self.ink_mask, 1).astype(np.uint8)
        return 2.0 * float(cv2.distanceTransform(padded, cv2.DIST_L2, 3).max())

    @property
    def square_corners(self) -> bool:
        """True when the ink fills the four corners of its bounding box: a filled rectangle, not text."""
        mask = self.ink_mask
        if mask is None or min(mask.shape) < 6:
            return False
        ends = (slice(0, 3), slice(-3, None))
        return all(mask[r, c].mean() >= 0.8 for r in ends for c in ends)

    @property
    def text_colour(self) -> tuple:
        """The text's colour, RGB: white or black, whichever most of the ink is, leaving out a 2-pixel
        rim of its bounding box (where a border drawn around the caption would be)."""
        white, ink = self.white_mask, self.ink_mask
        if ink is not None and min(ink.shape) > 6 and ink[2:-2, 2:-2].any():
            white, ink = white[2:-2, 2:-2], ink[2:-2, 2:-2]
            return (255, 255, 255) if 2 * white.sum() >= ink.sum() else (0, 0, 0)
        return (255, 255, 255) if self.white >= self.black else (0, 0, 0)


class Reading:
    """What one picture shows about each box of a scene (worked out once, when asked)."""

    def __init__(self, scene: Scene, picture: np.ndarray):
        self.scene = scene
        self.picture = picture
        picture = np.ascontiguousarray(picture)
        self.drawn = cv2.inRange(picture, BACKGROUND_BGR, BACKGROUND_BGR) == 0
        self.ink = (cv2.inRange(picture, (0, 0, 0), (INK_DARK,) * 3)
                    | cv2.inRange(picture, (INK_LIGHT,) * 3, (255, 255, 255))) > 0
        self.solid = self.drawn & ~self.ink
        near_ink = cv2.dilate(self.ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        self.plain = self.solid & ~near_ink  # solid, and not the anti-aliased rim of text

    # ------------------------------------------------------------- ownership
    @cached_property
    def _owned(self) -> tuple:
        """(ys, xs, owner, piece): every drawn pixel, the index of the box it belongs to, and the
        piece it is part of.

        Drawn pixels that touch each other form one piece (a box's outline with the caption
        attached to it, or one letter of a caption drawn without a rectangle). A piece belongs
        to the box whose outline it reaches most; a piece that reaches no outline belongs to the
        box nearest to it."""
        ys, xs = np.nonzero(self.drawn)
        rects = self.scene.rects
        count, pieces = cv2.connectedComponents(self.drawn.astype(np.uint8), connectivity=8)
        piece = pieces[ys, xs]
        if not len(rects) or not len(ys):
            return ys, xs, np.zeros(len(ys), int), piece
        votes = np.stack([np.bincount(piece[self._in_ring(i, ys, xs, self.scene.reach)], minlength=count)
                          for i in range(len(rects))], axis=1)
        owner_of = votes.argmax(axis=1)
        loose = votes.max(axis=1) == 0
        if loose[piece].any():
            points = np.flatnonzero(loose[piece])
            nearest = np.full((count, len(rects)), np.inf)
            for i, (x1, y1, x2, y2) in enumerate(rects):
                dx = np.maximum(np.maximum(x1 - xs[points], xs[points] - x2), 0).astype(np.float64)
                dy = np.maximum(np.maximum(y1 - ys[points], ys[points] - y2), 0).astype(np.float64)
                np.minimum.at(nearest[:, i], piece[points], dx * dx + dy * dy)
            owner_of[loose] = nearest[loose].argmin(axis=1)
        return ys, xs, owner_of[piece], piece

    @cached_property
    def filled_captions(self) -> list:
        """For each box, how many filled captions it owns: pieces with text on a rectangle of one
        colour (more of it than of the text). A box's outline with its caption attached is one."""
        ys, xs, owner, piece = self._owned
        ink = self.ink[ys, xs]
        counts = [0] * len(self.scene.rects)
        for k in np.unique(piece[ink]):
            mine = piece == k
            rest = mine & ~ink
            if rest.sum() < (mine & ink).sum():
                continue
            _, share = _mode_colour(self.picture[ys[rest], xs[rest]])
            if share >= 0.5:  # one colour: a fill (a letter's anti-aliased rim has many)
                counts[int(owner[np.argmax(mine)])] += 1
        return counts

    def has_outlines(self, reference: "Reading") -> bool:
        """True when some piece of the drawing looks like an outline, wherever it is: sparse (under
        half of its bounding box drawn) and larger than the reference's text both ways."""
        text = max(_text_heights(reference), default=0)
        ys, xs, _, piece = self._owned
        for k in np.unique(piece):
            mine = piece == k
            height = int(ys[mine].max() - ys[mine].min()) + 1
            width = int(xs[mine].max() - xs[mine].min()) + 1
            if min(height, width) > 1.5 * text and mine.sum() < 0.5 * height * width:
                return True
        return False

    def owned_by(self, i: int) -> tuple:
        ys, xs, owner, _ = self._owned
        mine = owner == i
        return ys[mine], xs[mine]

    # ------------------------------------------------------------- outlines
    def _in_ring(self, i: int, ys: np.ndarray, xs: np.ndarray, width: int) -> np.ndarray:
        """Which of the points lie within ``width`` of box ``i``'s outline."""
        x1, y1, x2, y2 = self.scene.rects[i]
        near_x = ((np.abs(xs - x1) <= width) | (np.abs(xs - x2) <= width)) & (ys >= y1 - width) & (ys <= y2 + width)
        near_y = ((np.abs(ys - y1) <= width) | (np.abs(ys - y2) <= width)) & (xs >= x1 - width) & (xs <= x2 + width)
        return near_x | near_y

    def _side_samples(self, rect, side: str) -> list:
        """Nine places along one side of ``rect`` (x1, y1, x2, y2): for each that no caption or fill
        covers (nothing is drawn just beyond where the line may be), the drawn pixels across the
        side there, as (rows, cols). Empty for a side too short to tell."""
        height, width = self.scene.size
        reach = self.scene.reach
        x1, y1, x2, y2 = (int(v) for v in rect)
        vertical = side in ("left", "right")
        fixed = {"top": y1, "bottom": y2, "left": x1, "right": x2}[side]
        start, stop = (y1, y2) if vertical else (x1, x2)
        if stop - start < 4:
            return []
        limit = width if vertical else height
        across = np.arange(max(fixed - reach, 0), min(fixed + reach + 1, limit))
        samples = []
        for t in np.linspace(0.1, 0.9, 9):
            along = int(round(start + t * (stop - start)))
            drawn = self.drawn[along, :] if vertical else self.drawn[:, along]
            beyond = [p for p in (fixed - reach - 2, fixed - reach - 3, fixed + reach + 2, fixed + reach + 3)
                      if 0 <= p < limit]
            if any(drawn[p] for p in beyond):
                continue  # a caption or a fill covers the side here
            hit = across[drawn[across]]
            samples.append((np.full(len(hit), along), hit) if vertical else (hit, np.full(len(hit), along)))
        return samples

    def side_state(self, rect, side: str) -> str:
        """"present", "missing" or "unknown" (covered by captions, or too short to tell) for one side
        of ``rect``: present when something is drawn on the line at 60 % of the places that show it."""
        samples = self._side_samples(rect, side)
        if len(samples) < 2:
            return "unknown"
        hits = sum(len(rows) > 0 for rows, _ in samples)
        return "present" if hits >= 0.6 * len(samples) else "missing"

    def sides(self, rect) -> dict:
        return {side: self.side_state(rect, side) for side in SIDES}

    def touched(self, i: int) -> bool:
        """True when anything is drawn close to box ``i``'s outline."""
        ys, xs, _, _ = self._owned
        return bool(self._in_ring(i, ys, xs, self.scene.reach).any())

    def interior_filled(self, i: int) -> bool:
        """True when box ``i`` is painted over inside in one colour (a thickness of -1), below where
        a caption inside the box may be."""
        x1, y1, x2, y2 = self.scene.rects[i]
        reach = self.scene.reach
        top = y1 + max(reach, (y2 - y1) * 2 // 5)
        region = (slice(top, y2 - reach), slice(x1 + reach, x2 - reach))
        inside = self.picture[region].reshape(-1, 3)
        if len(inside) < 100 or self.ink[region].any():  # text inside: a caption, not a filled box
            return False
        colour, share = _mode_colour(inside)
        if colour == BACKGROUND_BGR or share < 0.9 or not any(same_colour(colour, c) for c in _candidates(self.scene)):
            return False
        height, width = self.scene.size
        row = (top + y2) // 2
        beside = [x for x in (x1 - reach - 2, x2 + reach + 2) if 0 <= x < width]
        return not any(self.drawn[row, x] for x in beside)  # the paint stops at the box's sides

    def centre_is_background(self, i: int) -> bool:
        """True when the middle of box ``i`` (a fifth of it each way) shows the picture: an outline."""
        x1, y1, x2, y2 = self.scene.rects[i]
        dx, dy = (x2 - x1) // 10, (y2 - y1) // 10
        middle = self.drawn[(y1 + y2) // 2 - dy:(y1 + y2) // 2 + dy + 1, (x1 + x2) // 2 - dx:(x1 + x2) // 2 + dx + 1]
        return bool(middle.size) and not middle.any()

    @cached_property
    def colours(self) -> list:
        """Each box's outline colour (BGR tuple, or None when nothing is drawn there)."""
        return [self._outline_colour(i) for i in range(len(self.scene.rects))]

    @cached_property
    def snapped(self) -> list:
        """Each box's colour as the palette colour it shows (see :func:`_snap`)."""
        return [_snap(c, self.scene) for c in self.colours]

    def _outline_colour(self, i: int) -> Optional[tuple]:
        """The colour of box ``i``'s outline, read where its sides show alone (no caption near)."""
        parts = [sample for side in SIDES for sample in self._side_samples(self.scene.rects[i], side)]
        if not parts:
            return None
        rows = np.concatenate([r for r, _ in parts]).astype(int)
        cols = np.concatenate([c for _, c in parts]).astype(int)
        plain = self.plain[rows, cols]
        pixels = self.picture[rows[plain], cols[plain]] if plain.any() else self.picture[rows, cols]
        return _dominant_colour(pixels)

    @cached_property
    def line_width(self) -> int:
        """The median width (pixels) of the boxes' sides: at each side the narrowest of the runs of
        drawn pixels across it at a quarter, half and three quarters of its length that have the
        picture on both ends (where a caption covers the side, it has not), for sides that are not
        on the picture's edge."""
        widths = []
        height, width = self.scene.size
        for x1, y1, x2, y2 in self.scene.rects:
            for fixed, limit, vertical in ((x1, width, True), (x2, width, True), (y1, height, False),
                                           (y2, height, False)):
                if not 0 < fixed < limit - 1:
                    continue
                start, stop = (y1, y2) if vertical else (x1, x2)
                runs = []
                for k in (1, 2, 3):
                    along = start + (stop - start) * k // 4
                    line = self.solid[along] if vertical else self.solid[:, along]
                    drawn = self.drawn[along] if vertical else self.drawn[:, along]
                    runs.append(_run_length(line, fixed, self.scene.reach, drawn))
                runs = [r for r in runs if 0 < r <= max(3, min(x2 - x1, y2 - y1) / 3)]  # longer: a fill
                if runs:
                    widths.append(min(runs))
        return int(np.median(widths)) if widths else 0

    # ------------------------------------------------------------- captions
    @cached_property
    def captions(self) -> list:
        return [self._caption(i) for i in range(len(self.scene.rects))]

    def _caption(self, i: int) -> Caption:
        height, width = self.scene.size
        ys, xs = self.owned_by(i)
        ink = self.ink[ys, xs]
        caption = Caption()
        ring = self._in_ring(i, ys, xs, max(self.line_width // 2, 1) + 2)
        colour = self.colours[i]
        if colour is not None and _is_ink(np.array(colour)):
            ink &= ~ring  # a black or white outline is not text
        away = ~ink & ~ring
        caption.other_count = int(away.sum())
        if caption.other_count:
            oy, ox = ys[away], xs[away]
            caption.other_borders = _touching(int(oy.min()), int(ox.min()), int(oy.max()), int(ox.max()),
                                              height, width)
            if colour is not None:
                caption.fill_count = int(colour_matches(self.picture[oy, ox], colour).sum())
        if not ink.any():
            return caption
        iy, ix = ys[ink], xs[ink]
        top, left, bottom, right = int(iy.min()), int(ix.min()), int(iy.max()), int(ix.max())
        mask = np.zeros((bottom - top + 1, right - left + 1), bool)
        mask[iy - top, ix - left] = True
        values = self.picture[iy, ix].astype(np.int16)
        caption.ink_count = int(ink.sum())
        caption.ink_box, caption.ink_mask = (top, left, bottom, right), mask
        white = values.min(axis=1) >= INK_LIGHT
        caption.white = int(white.sum())
        caption.white_mask = np.zeros_like(mask)
        caption.white_mask[iy[white] - top, ix[white] - left] = True
        caption.black = caption.ink_count - caption.white
        caption.borders = _touching(top, left, bottom, right, height, width)
        region = self.picture[max(top - 1, 0):bottom + 2, max(left - 1, 0):right + 2]
        region_ink = _is_ink(region.astype(np.int16))
        if (~region_ink).any():
            caption.behind, caption.behind_share = _mode_colour(region[~region_ink])
        return caption


def _touching(top: int, left: int, bottom: int, right: int, height: int, width: int) -> tuple:
    """The picture's edges that a bounding box (inclusive) reaches, within a pixel."""
    return tuple(b for b, on in (("top", top <= 1), ("right", right >= width - 2), ("left", left <= 1),
                                 ("bottom", bottom >= height - 2)) if on)


def _longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a 1-D bool array."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _run_length(row: np.ndarray, x: int, reach: int, drawn: np.ndarray) -> int:
    """Length of the run of True in ``row`` that covers x (or starts within ``reach`` of it), when
    nothing else is drawn at either end of it (a line across the picture); else 0."""
    if not row[x]:
        near = np.flatnonzero(row[max(0, x - reach):x + reach + 1])
        if not len(near):
            return 0
        x = max(0, x - reach) + int(near[0])
    left = right = x
    while left > 0 and row[left - 1]:
        left -= 1
    while right < len(row) - 1 and row[right + 1]:
        right += 1
    if (left > 0 and drawn[left - 1]) or (right < len(row) - 1 and drawn[right + 1]):
        return 0
    return right - left + 1


# --------------------------------------------------------------------------- #
# The diagnosis, step by step
# --------------------------------------------------------------------------- #
def diagnose(case, expected: np.ndarray, got: np.ndarray) -> list:
    """What is wrong with the drawing ``got`` of ``case`` (the reference drew ``expected``): a list
    of Problem, empty when the drawing is right. The first step that finds something stops the
    diagnosis: later steps would read a picture whose boxes or colours are already wrong."""
    scene = Scene.of(case)
    problems = _picture_problems(scene, got)
    if problems or not len(scene.boxes):
        return problems
    reading, reference = Reading(scene, got), Reading(scene, expected)
    for step in (_box_problems, _oversize_problems, _thick_line_problems, _colour_problems,
                 _background_problems, _scale_problems, _cut_problems, _content_problems, _text_colour_problems):
        problems = step(reading, reference)
        if problems:
            return problems
    return []


def _picture_problems(scene: Scene, got: np.ndarray) -> list:
    """The picture as a whole: the input image under the drawing, in BGR; unchanged when empty."""
    height, width = scene.size
    step = max(1, min(height, width) // 60)
    sample = got[::step, ::step].reshape(-1, 3)
    colour, share = _mode_colour(sample)
    if colour == BACKGROUND_BGR[::-1] and share > 0.3:
        return [Problem("returned_rgb", "the picture's background has red and blue swapped: you returned "
                                        "an RGB picture (converted for matplotlib?)")]
    background = (sample == BACKGROUND_BGR).all(axis=1).mean()
    if background < 0.01:  # a blank canvas, noise: drawings never cover the whole picture
        return [Problem("not_on_image", f"only {background:.0%} of the picture shows the input image "
                                        f"(plain {_colour_name(BACKGROUND_BGR)}): draw on a copy of the image")]
    if not len(scene.boxes) and not np.array_equal(got, scene.image):
        return [Problem("empty_changed", "with no detections the picture must be an unchanged copy of the image")]
    return []


def _box_problems(reading: Reading, reference: Reading) -> list:
    """Every box outlined where it belongs, on all four sides, clipped; not filled."""
    scene = reading.scene
    count = len(scene.rects)
    filled = [i for i in range(count) if reading.interior_filled(i) and not reference.interior_filled(i)]
    if filled and len(filled) >= count / 2:
        return [Problem("filled_boxes", f"box {filled[0]} ({scene.labels[filled[0]]}) is filled, not outlined")]
    states = [reading.sides(rect) for rect in scene.rects]
    missing = {(i, side) for i, state in enumerate(states) for side, s in state.items() if s == "missing"}
    if not missing:
        return []
    misplaced = _misplaced_boxes(reading)
    if misplaced:
        return [misplaced]
    oversize = _oversize_problems(reading, reference)  # giant captions hide the outlines
    if oversize:
        return oversize
    present = [sum(s == "present" for s in state.values()) for state in states]
    gone = [i for i in range(count) if present[i] == 0 and not reading.touched(i)]
    if count > 1 and reading.touched(0) and gone == list(range(1, count)):
        return [Problem("return_in_loop", "only the first box is drawn")]
    if not any(present) and not reading.has_outlines(reference):
        return [Problem("no_boxes", "no box outline is drawn")]
    if gone:
        i = gone[0]
        if all(any(scene.sticks_out(j, side) for side in SIDES) for j in gone):
            return [Problem("outside_boxes_skipped", f"box {i} ({scene.labels[i]}, at {_box_text(scene.boxes[i])}), "
                                                     f"which sticks out of the picture, is not drawn at all")]
        return [Problem("box_not_drawn", f"box {i} ({scene.labels[i]}, at {_box_text(scene.boxes[i])}) is not drawn "
                                         f"at all")]
    clipping = {(i, side) for i, side in missing if scene.sticks_out(i, side)}
    if clipping == missing:
        lows_clipped = any(scene.sticks_out(i, side) and states[i][side] == "present"
                           for i in range(count) for side in ("left", "top"))
        if all(side in ("right", "bottom") for _, side in missing) and lows_clipped:
            return [Problem("right_bottom_not_clipped", "box sides past the right or bottom edge are invisible")]
        i, side = sorted(missing)[0]
        return [Problem("not_clipped", f"box {i} ({_box_text(scene.boxes[i])}) has no visible {side} side")]
    i, side = sorted(missing - clipping)[0]
    return [Problem("box_misplaced", f"box {i} ({scene.labels[i]}, corners {_box_text(scene.boxes[i])}) has no "
                                     f"visible {side} side where it belongs")]


def _box_text(box) -> str:
    return "(" + ", ".join(f"{v:g}" for v in np.round(box, 1)) + ")"


_MISREADINGS = {
    "corners_as_size": lambda b: np.array([b[0], b[1], b[0] + b[2], b[1] + b[3]]),
    "x_y_swapped": lambda b: np.array([b[1], b[0], b[3], b[2]]),
}


def _misplaced_boxes(reading: Reading) -> Optional[Problem]:
    """A Problem when every box is drawn where a misreading of (x1, y1, x2, y2) puts it."""
    scene = reading.scene
    height, width = scene.size
    for kind, misread in _MISREADINGS.items():
        explained = True
        for box in scene.boxes:
            raw = misread(box)
            rect = np.clip(raw, 0, [width - 1, height - 1] * 2).round().astype(int)
            if rect[2] - rect[0] < 4 or rect[3] - rect[1] < 4:
                explained = False
                break
            inside = {"left": 0 <= raw[0], "top": 0 <= raw[1], "right": raw[2] <= width - 1,
                      "bottom": raw[3] <= height - 1}
            state = reading.sides(rect)
            if any(inside[side] and state[side] == "missing" for side in SIDES) or \
                    not any(inside[side] and state[side] == "present" for side in SIDES):
                explained = False
                break
        if explained:
            return Problem(kind, "the boxes are drawn where a misreading of (x1, y1, x2, y2) puts them")
    return None


def _colour_problems(reading: Reading, reference: Reading) -> list:
    """One colour per class, from the palette, reversed to BGR."""
    scene = reading.scene
    colours = reading.snapped
    labels = scene.labels
    known = [i for i, c in enumerate(colours) if c is not None]  # a colour is unknown where captions cover a box
    if not known:
        return []
    classes = sorted({labels[i] for i in known})
    pairs = [(i, j) for i in known for j in known if j < i]
    if len(classes) >= 2 and all(_same(colours[known[0]], colours[i]) for i in known):
        return [Problem("one_colour", f"every box is drawn in {_colour_name(colours[known[0]])}, whatever "
                                      f"its class")]
    for i, j in pairs:
        if labels[i] == labels[j] and not _same(colours[i], colours[j]):
            return [Problem("colour_per_box", f"boxes {j} and {i} are both {labels[i]!r} but have different "
                                              f"colours ({_colour_name(colours[j])}, {_colour_name(colours[i])})")]
    if len(classes) <= len(scene.palette):
        for i, j in pairs:
            if labels[i] != labels[j] and _same(colours[i], colours[j]):
                return [Problem("classes_share_colour", f"boxes {j} and {i} have different labels ({labels[j]!r}, "
                                                        f"{labels[i]!r}) but the same colour")]
    allowed, unreversed = scene.palette_bgr, scene.palette_unreversed
    colours = [colours[i] for i in known]
    if all(c in allowed for c in colours):
        return []
    if all(c in allowed or c in unreversed for c in colours):
        return [Problem("bgr_palette", "the box colours are the palette's RGB colours put on a BGR picture")]
    stray = next(c for c in colours if c not in allowed)
    where = "tab10, the default palette" if scene.default_palette else "the palette given"
    return [Problem("palette_ignored", f"a box is drawn in {_colour_name(stray)}, which is not a colour of "
                                       f"{where} (reversed to BGR)")]


def _candidates(scene: Scene) -> list:
    """The colours a box may show: the palette's, reversed (right) or not, and tab10's."""
    return scene.palette_bgr + scene.palette_unreversed + [tuple(int(c) for c in rgb[::-1]) for rgb in TAB10]


def _snap(colour, scene: Scene):
    """``colour`` replaced by the palette colour (reversed or not, or tab10's) it shows, if any."""
    if colour is None:
        return None
    for candidate in _candidates(scene):
        if same_colour(colour, candidate):
            return candidate
    return tuple(int(c) for c in colour)


def _same(a, b) -> bool:
    return a is not None and b is not None and np.abs(np.subtract(a, b)).max() <= 8


def _background_problems(reading: Reading, reference: Reading) -> list:
    """A caption for every box: black or white text on a filled rectangle of the box colour."""
    scene = reading.scene
    captions = reading.captions
    if all(c.ink_count == 0 and c.other_count == 0 for c in captions):
        return [Problem("no_caption", "no box has a caption")]
    crowded = [i for i, n in enumerate(reading.filled_captions) if n >= 2]
    bare = [i for i, n in enumerate(reading.filled_captions) if n == 0 and not scene.borders_of(i, within=20)]
    if crowded and bare:
        return [Problem("caption_far_from_box", f"box {bare[0]} ({scene.labels[bare[0]]}) has no caption next to "
                                                f"it, and {reading.filled_captions[crowded[0]]} captions are "
                                                f"nearer to box {crowded[0]} than to any other")]
    for i, caption in enumerate(captions):
        colour = reading.colours[i]
        name = f"box {i} ({scene.labels[i]})"
        if caption.ink_count == 0:
            if caption.other_count == 0 or scene.borders_of(i) or caption.other_borders:
                continue  # a caption gone out of the picture (or left out): see the cut step
            if caption.fill_count >= 30 and caption.fill_count >= 0.6 * caption.other_count:
                return [Problem("text_not_black_or_white", f"{name} has a filled label but no black or white "
                                                          f"text on it")]
            return [Problem("no_label_background", f"the caption of {name} is drawn in colour straight on the "
                                                   f"picture")]
        if caption.density >= 0.65 and min(caption.size) >= 6:
            if caption.square_corners:
                shade = "white" if caption.white > caption.black else "black"
                return [Problem("label_fill_not_box_colour", f"the rectangle behind the caption of {name} is "
                                                             f"{shade}, not the box colour {_colour_name(colour)}")]
            if caption.stroke >= 0.75 * caption.line_height:
                return [Problem("text_too_bold", f"the text of {name} is a blob: strokes {caption.stroke:.0f} pixels "
                                                 f"wide on letters {caption.line_height} pixels high")]
        if caption.behind is None or colour is None:
            continue
        if same_colour(caption.behind, colour):
            continue
        if caption.behind == BACKGROUND_BGR:
            area = caption.size[0] * caption.size[1]
            if caption.fill_count >= 0.3 * area:
                return [Problem("text_off_label", f"the text of {name} is beside its filled rectangle, on the "
                                                  f"picture")]
            return [Problem("no_label_background", f"the caption of {name} has no filled rectangle behind it")]
        if caption.behind_share >= 0.3:
            return [Problem("label_fill_not_box_colour", f"the rectangle behind the caption of {name} is "
                                                         f"{_colour_name(caption.behind)}, not the box colour "
                                                         f"{_colour_name(colour)}")]
    return []


def _complete(caption: Caption) -> bool:
    """A caption with text that touches no edge of the picture (so none of it is cut off)."""
    return caption.ink_count > 0 and not caption.borders


def _text_heights(reading: Reading, complete_only: bool = True) -> list:
    return [c.line_height for c in reading.captions if c.ink_count and (_complete(c) or not complete_only)]


def _oversize_problems(reading: Reading, reference: Reading) -> list:
    """Text far too big for the picture (checked before the colours: it covers the boxes). Cut
    captions count too: they are smaller than whole ones, so if even they are too big, the font is."""
    height, width = reading.scene.size
    got, ref = _text_heights(reading, complete_only=False), _text_heights(reference)
    if got and ref:
        ratio = float(np.median(got)) / float(np.median(ref))
        if ratio > FONT_RANGE[1]:
            return [Problem("font_too_big", f"the text is {ratio:.1f} times the expected height on a "
                                            f"{width}x{height} picture")]
    return []


def _thick_line_problems(reading: Reading, reference: Reading) -> list:
    """Box lines far too thick for the picture (once the boxes are where they belong)."""
    height, width = reading.scene.size
    lines, ref_lines = reading.line_width, max(reference.line_width, 1)
    hollow = [reading.centre_is_background(i) for i in range(len(reading.scene.rects))]
    if lines >= 8 and lines > THICK_LINES * ref_lines and sum(hollow) >= len(hollow) / 2:
        return [Problem("lines_too_thick", f"the box lines are {lines} pixels wide on a {width}x{height} picture, "
                                           f"where {ref_lines} are expected")]
    return []


def _scale_problems(reading: Reading, reference: Reading) -> list:
    """Text and lines that grow with the picture: compared with the reference's on the same case."""
    height, width = reading.scene.size
    got, ref = _text_heights(reading), _text_heights(reference)
    if got and ref:
        ratio = float(np.median(got)) / float(np.median(ref))
        if ratio < FONT_RANGE[0]:
            return [Problem("font_too_small", f"the text is {ratio:.2f} times the expected height on a "
                                              f"{width}x{height} picture")]
    if reference.line_width >= 3 and reading.line_width < THIN_LINES * reference.line_width:
        return [Problem("lines_too_thin", f"the box lines are {reading.line_width} pixel(s) wide on a "
                                          f"{width}x{height} picture, where {reference.line_width} are expected")]
    return []


def _text_key(scene: Scene, i: int) -> tuple:
    return scene.labels[i], round(scene.scores[i], 2)


def _slack(text_height: int) -> int:
    """Pixels a caption may lose at the picture's edge and still count as whole: the rim of a stroke,
    1/20 of the text's height (at least 1)."""
    return max(1, round(0.05 * text_height))


def _near_borders(caption: Caption, scene: Scene, distance: int) -> list:
    """The picture's edges within ``distance`` pixels of a caption's ink."""
    height, width = scene.size
    top, left, bottom, right = caption.ink_box
    near = {"top": top <= distance, "right": right >= width - 1 - distance, "left": left <= distance,
            "bottom": bottom >= height - 1 - distance}
    return [border for border in BORDERS if near[border]]


def _cut_problems(reading: Reading, reference: Reading) -> list:
    """No caption cut by the picture's edge: each as large as the same caption of another box."""
    scene = reading.scene
    captions = reading.captions
    colours = reading.snapped
    for i, caption in enumerate(captions):
        twins = [j for j in range(len(captions)) if j != i and _text_key(scene, j) == _text_key(scene, i)
                 and _same(colours[j], colours[i]) and _complete(captions[j])]
        if not twins:
            continue
        full_w = max(captions[j].size[0] for j in twins)
        full_h = max(captions[j].size[1] for j in twins)
        w, h = caption.size
        slack_w = slack_h = _slack(full_h)  # a thick stroke's edge cut off is no cut
        if w >= full_w - slack_w and h >= full_h - slack_h:
            continue
        name = f"box {i} ({scene.labels[i]}, at {_box_text(scene.boxes[i])})"
        if caption.ink_count:  # the edges the text reaches (give or take a gap between two letters), cut
            edges = [b for b in _near_borders(caption, scene, full_h)
                     if (b in ("left", "right") and w < full_w - slack_w)
                     or (b in ("top", "bottom") and h < full_h - slack_h)]
        else:  # no text at all: the edge its rectangle reaches, or the one its box is near
            edges = list(caption.other_borders) or scene.borders_of(i, within=full_h + 4)
        if len(edges) >= 1:
            return [Problem(f"label_outside_{edges[0]}", f"the caption of {name} is cut off at the {edges[0]} "
                                                          f"edge of the picture")]
        if caption.ink_count == 0:
            return [Problem("caption_missing", f"{name} has no caption next to it")]
        if w >= full_w - 2 * slack_w and h >= full_h - 2 * slack_h:
            continue  # a little less, away from the edges: another line drawn over it
        return [Problem("caption_differs", f"the caption of {name} is smaller ({w}x{h} pixels of text) than the "
                                           f"same caption of another box ({full_w}x{full_h})")]
    return []


def _text_overlap(a: Caption, b: Caption) -> float:
    """How alike two captions' ink is: the best intersection over union of the two masks, shifted
    by up to a pixel; 0 when their sizes differ by more than a pixel."""
    (wa, ha), (wb, hb) = a.size, b.size
    if abs(wa - wb) > 1 or abs(ha - hb) > 1:
        return 0.0
    w, h = min(wa, wb), min(ha, hb)
    best = 0.0
    for dy, dx, ey, ex in np.ndindex(ha - h + 1, wa - w + 1, hb - h + 1, wb - w + 1):
        pa, pb = a.ink_mask[dy:dy + h, dx:dx + w], b.ink_mask[ey:ey + h, ex:ex + w]
        best = max(best, (pa & pb).sum() / max((pa | pb).sum(), 1))
    return float(best)


def _same_text(a: Caption, b: Caption, same_fill: bool) -> bool:
    """True when two captions show the same text: the same ink exactly on the same fill colour,
    nearly so on two fills (their anti-aliasing differs a little)."""
    return _text_overlap(a, b) >= (0.98 if same_fill else 0.95)


def _content_problems(reading: Reading, reference: Reading) -> list:
    """Each caption shows its label and its score: captions look alike only when both agree."""
    scene = reading.scene
    captions = reading.captions
    labels, scores = scene.labels, scene.scores
    colours = reading.snapped
    for i in range(len(captions)):
        for j in range(i):
            a, b = captions[i], captions[j]
            if not (_complete(a) and _complete(b)):
                continue
            same_fill = _same(colours[i], colours[j])
            if labels[i] == labels[j] and abs(scores[i] - scores[j]) >= 0.1 and same_fill \
                    and _same_text(a, b, same_fill):
                return [Problem("caption_without_score", f"boxes {j} and {i} ({labels[i]}, scores {scores[j]:.2f} "
                                                         f"and {scores[i]:.2f}) have the same caption")]
            if labels[i] != labels[j] and scores[i] == scores[j] and a.text_colour == b.text_colour \
                    and _same_text(a, b, same_fill):
                return [Problem("caption_without_label", f"boxes {j} and {i} ({labels[j]} and {labels[i]}, both "
                                                         f"{scores[i]:.2f}) have the same caption")]
    return []


def _text_colour_problems(reading: Reading, reference: Reading) -> list:
    """Black or white text, whichever contrasts more with the box colour. Formulas of luminance
    differ on mid-tones, where both read well enough; a text colour is wrong when it is under
    3:1 on its box (WCAG's floor for large text) and the other would contrast more."""
    scene = reading.scene
    chosen, wrong = [], []
    for i, caption in enumerate(reading.captions):
        colour = reading.colours[i]
        if not caption.ink_count or colour is None:
            continue
        rgb = tuple(int(c) for c in colour[::-1])
        text = caption.text_colour
        other = _BLACK if text == _WHITE else _WHITE
        chosen.append((i, rgb, text))
        if contrast_ratio(text, rgb) < MIN_CONTRAST and contrast_ratio(other, rgb) > contrast_ratio(text, rgb):
            wrong.append((i, rgb, text))
    if not wrong:
        return []
    i, rgb, text = wrong[0]
    what = (f"the {'white' if text == (255, 255, 255) else 'black'} text of box {i} ({scene.labels[i]}) on "
            f"RGB {rgb} has a contrast of {contrast_ratio(text, rgb):.1f}:1, where "
            f"{'black' if text == (255, 255, 255) else 'white'} would have "
            f"{contrast_ratio((0, 0, 0) if text == (255, 255, 255) else (255, 255, 255), rgb):.1f}:1")
    kinds = [kind for kind, predicted in _TEXT_COLOUR_RULES.items()
             if all(text == predicted(rgb) for _, rgb, text in chosen)]
    return [Problem(kinds[0] if len(kinds) == 1 else "text_low_contrast", what)]


_WHITE, _BLACK = (255, 255, 255), (0, 0, 0)
# The wrong ways of choosing the text colour that the check names, each by the colour it picks
# for an RGB box colour. A drawing is named by one only when no other explains it too.
_TEXT_COLOUR_RULES = {
    "text_always_white": lambda rgb: _WHITE,
    "text_always_black": lambda rgb: _BLACK,
    "text_colour_inverted": lambda rgb: _BLACK if text_colour_on(rgb) == _WHITE else _WHITE,
    "text_colour_from_bgr": lambda rgb: text_colour_on(rgb[::-1]),
}


# --------------------------------------------------------------------------- #
# What the exercise uses
# --------------------------------------------------------------------------- #
def compare_drawings(expected, got, case) -> Optional[str]:
    """The exercise's compare: None when the drawing shows what the case asks for, else what
    is wrong (the first problem of :func:`diagnose`)."""
    if not isinstance(got, np.ndarray):
        return KindProblem(f"the picture should be a NumPy array (H, W, 3) uint8, not {describe(got)}")
    if got.shape != expected.shape or got.dtype != np.uint8:
        return compare_arrays(expected, got, what="the picture")
    problems = diagnose(case, expected, got)
    return problems[0].text if problems else None


def problems_of(run) -> list:
    """The diagnosis of a run, worked out once and kept in ``run.memo``."""
    if _MEMO_KEY not in run.memo:
        got = run.got
        usable = isinstance(got, np.ndarray) and got.shape == run.expected.shape and got.dtype == np.uint8
        run.memo[_MEMO_KEY] = diagnose(run.case, run.expected, got) if usable else []
    return run.memo[_MEMO_KEY]


def has_problem(kind: str):
    """A detector for Mistake(detect=...): True when the run's drawing has a problem of ``kind``."""
    def detect(run) -> bool:
        return any(problem.kind == kind for problem in problems_of(run))
    detect.__name__ = f"has_{kind}"
    return detect
