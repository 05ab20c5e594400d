"""Notebook 05: segmentation colormaps. Palette, label map, colouring and overlay.

A mistake is named only when the learner's answer *is* that mistake: it holds the values a
known wrong method gives on the failing case (with the same tolerance as the comparison),
or a shape that is the right one transposed, or a dtype that is not the one due. An answer
that no diagnosis recognises gets the plain comparison message, never a guess.
"""
import math
import re

import cv2
import numpy as np

from ..palettes import OKABE_ITO, voc_colormap
from ..segmentation import colorize, overlay, scores_to_label_map
from .core import Case, Exercise, KindProblem, Mistake, compare_arrays, describe, register

NOTEBOOK = "05_segmentation_colormaps"


def _same_values(got, wanted):
    """True when ``got`` is a numeric array with ``wanted``'s shape and values, whatever its dtype."""
    return (isinstance(got, np.ndarray) and got.shape == np.shape(wanted)
            and (np.issubdtype(got.dtype, np.number) or got.dtype == bool)
            and np.array_equal(got, wanted))


def _is_cv2_error(exc, *phrases):
    """True when ``exc`` is an OpenCV error whose text holds every one of ``phrases``."""
    text = str(exc)
    return isinstance(exc, cv2.error) and all(phrase in text for phrase in phrases)


# --------------------------------------------------------------------------- #
# voc_colormap
# --------------------------------------------------------------------------- #
def _n_of(case):
    return case.args[0] if case.args else case.kwargs.get("n", 256)


def _voc_one_level(n):
    """Only the lowest three bits of each label are used (the loop over bit levels is missing)."""
    labels = np.arange(n)
    return np.stack([((labels >> c) & 1) * 128 for c in range(3)], axis=1)


def _voc_few_levels(n):
    """The loop over bit levels stops after 2..7 levels: labels with more bits lose the higher ones."""
    labels = np.arange(n)
    return [np.stack([sum(((labels >> (3 * level + c)) & 1) << (7 - level) for level in range(levels))
                      for c in range(3)], axis=1)
            for levels in range(2, 8)]


def _voc_shifted_too_little(n):
    """After each level the label is shifted right by 1 or 2 instead of 3: bits are used twice."""
    wrongs = []
    for step in (1, 2):
        palette = np.zeros((n, 3), dtype=np.int64)
        for row in range(n):
            label = row
            for level in range(8):
                for channel in range(3):
                    palette[row, channel] |= ((label >> channel) & 1) << (7 - level)
                label >>= step
        wrongs.append(palette)
    return wrongs


def _voc_default_not_256(run):
    """Called without n, the learner's palette is a right VOC palette of another length."""
    got = run.got
    return (not run.case.args and not run.case.kwargs and isinstance(got, np.ndarray)
            and got.ndim == 2 and got.shape[1] == 3 and got.shape[0] != 256
            and _same_values(got, voc_colormap(got.shape[0])))


def _voc_low_bits_first(n):
    """Bit ``level`` of a channel set as 1 << level instead of 1 << (7 - level)."""
    labels = np.arange(n)
    return np.stack([sum(((labels >> (3 * level + c)) & 1) << level for level in range(8))
                     for c in range(3)], axis=1)


def _voc_bits_shifted(n):
    """The bit levels one place off: 1 << (6 - level) (halved) or 1 << (8 - level) (doubled, top bit lost)."""
    right = voc_colormap(n).astype(np.int64)
    return [right >> 1, (right << 1) & 255]


def _voc_other_orders(n):
    """The VOC colours with the channels in any order but RGB and BGR."""
    right = voc_colormap(n)
    return [right[:, list(order)] for order in ((0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1))]


def _voc_like(make):
    """A detector: the learner's palette holds the values of one of ``make(n)`` (whatever its
    dtype), a wrong palette that differs from the right one."""
    def detect(run):
        made = make(_n_of(run.case))
        return any(_same_values(run.got, wrong) and not _same_values(run.expected, wrong)
                   for wrong in (made if isinstance(made, list) else [made]))
    return detect


def _voc_normalised(run):
    """A float palette in [0, 1]: the right colours divided by 255."""
    got = run.got
    return (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating)
            and got.shape == run.expected.shape and np.allclose(got * 255, run.expected, atol=0.6))


def _voc_loop(n, channels=(0, 1, 2), first_label=0, top=7):
    """The classic per-label loop, as learners write it (the wrong answers below vary one thing)."""
    palette = np.zeros((n, 3), dtype=np.int64)
    for row in range(n):
        label, colour = row + first_label, [0, 0, 0]
        for level in range(8):
            for channel in range(3):
                colour[channels[channel]] |= ((label >> channel) & 1) << (top - level)
            label >>= 3
        palette[row] = colour
    return palette


def _example_voc_bgr(n=256):
    return _voc_loop(n, channels=(2, 1, 0)).astype(np.uint8)


def _example_voc_grb(n=256):
    return _voc_loop(n, channels=(1, 0, 2)).astype(np.uint8)


def _example_voc_one_level(n=256):
    palette = np.zeros((n, 3), dtype=np.uint8)
    for k in range(n):
        palette[k] = [(k & 1) * 128, ((k >> 1) & 1) * 128, ((k >> 2) & 1) * 128]
    return palette


def _example_voc_low_bits_first(n=256):
    palette = np.zeros((n, 3), dtype=np.uint8)
    for k in range(n):
        c = k
        for j in range(8):
            palette[k, 0] |= ((c >> 0) & 1) << j
            palette[k, 1] |= ((c >> 1) & 1) << j
            palette[k, 2] |= ((c >> 2) & 1) << j
            c >>= 3
    return palette


def _example_voc_two_levels(n=256):
    labels = np.arange(n)
    palette = np.zeros((n, 3), dtype=np.uint8)
    for level in range(2):  # 2 levels of 3 bits: enough for the 21 VOC classes, not for 256
        for channel in range(3):
            palette[:, channel] |= (((labels >> (3 * level + channel)) & 1) << (7 - level)).astype(np.uint8)
    return palette


def _example_voc_shift_by_one(n=256):
    palette = np.zeros((n, 3), dtype=np.uint8)
    for k in range(n):
        c, r, g, b = k, 0, 0, 0
        for j in range(8):
            r |= (c & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 1
        palette[k] = (r, g, b)
    return palette


def _example_voc_default_21(n=21):
    return _voc_loop(n).astype(np.uint8)


def _example_voc_bit_offset(n=256):
    return (_voc_loop(n, top=8) & 255).astype(np.uint8)


def _example_voc_from_label_one(n=256):
    return _voc_loop(n, first_label=1).astype(np.uint8)


def _example_voc_normalised(n=256):
    return (_voc_loop(n) / 255).astype(np.float32)


def _example_voc_int64(n=256):
    return _voc_loop(n)


def _example_voc_ignores_n(n=256):
    return _voc_loop(256).astype(np.uint8)


def _example_voc_transposed(n=256):
    return _voc_loop(n).astype(np.uint8).T


def _example_voc_uint8_or(n=256):
    labels = np.arange(n)
    palette = np.zeros((n, 3), dtype=np.uint8)
    for level in range(8):
        for channel in range(3):
            palette[:, channel] |= ((labels >> (3 * level + channel)) & 1) << (7 - level)
    return palette


register(Exercise(
    name="voc_colormap",
    notebook=NOTEBOOK,
    reference=voc_colormap,
    cases=lambda: [
        Case("n=8: labels 0-7, one bit each for red, green and blue", kwargs={"n": 8}, rule="bits"),
        Case("n=21 (the 20 VOC classes and background)", (21,), rule="array"),
        Case("the default n (256 colours: labels 8 and above use the lower bits)", rule="levels"),
    ],
    summary="the Pascal VOC palette, (n, 3) uint8 RGB",
    rules={
        "bits": "bit 0 of label k sets the top bit (128) of red, bit 1 the top bit of green, "
                "bit 2 the top bit of blue",
        "levels": "then the next three bits of k set the next lower bit (64) of each channel, and so on",
        "array": "an (n, 3) uint8 array in RGB order",
    },
    hint=(
        """
        The colour of label k is made of k's bits, three at a time: one for red, one for green,
        one for blue, starting at each channel's top bit (128). NumPy's bit operators, `>>` and
        `& 1`, work on a whole array of labels at once.
        """,
        """
        1. All labels at once: an array 0, 1, ..., n - 1, and an (n, 3) uint8 palette of zeros.
        2. Two loops: 8 levels (level 0 is the top bit, 128) and 3 channels (red, green, blue).
        3. In them, take bit number 3 * level + channel of every label and set bit 7 - level of
           that channel.
        So label 1 is (128, 0, 0), label 2 (0, 128, 0), label 8 (64, 0, 0).
        """,
        """
        In the loops, `bit = (labels >> (3 * level + channel)) & 1` is 0 or 1 for each label, and
        `bit << (7 - level)` moves it to its place. OR that into `palette[:, channel]`, after
        `.astype(np.uint8)`: NumPy will not put an int64 result into a uint8 array with |=.
        """,
    ),
    mistakes=[
        Mistake("voc_colormap.bgr",
                "your colours are in BGR order (label 1 came out (0, 0, 128)). The VOC palette is RGB: "
                "bit 0 goes to red, the first column. Convert to BGR only when you hand an image to OpenCV.",
                detect=_voc_like(lambda n: voc_colormap(n)[:, ::-1]), example=_example_voc_bgr),
        Mistake("voc_colormap.channel_order",
                "your channels are in another order: column 0 is red (bit 0 of the label), column 1 green "
                "(bit 1), column 2 blue (bit 2).",
                detect=_voc_like(_voc_other_orders), example=_example_voc_grb),
        Mistake("voc_colormap.one_level",
                "labels 8 and above repeat the colours of 0-7: after using the lowest three bits, shift "
                "the label right by 3 and set the next lower bit (64, then 32, ...) of each channel.",
                detect=_voc_like(_voc_one_level), example=_example_voc_one_level),
        Mistake("voc_colormap.too_few_levels",
                "your loop over the bit levels stops too early: labels with more bits than your levels "
                "cover (from 64 up, with two levels of three bits) lose their higher bits. Go on for 8 "
                "levels, for level in range(8), or until the label is 0 (while label: ...).",
                detect=_voc_like(_voc_few_levels), example=_example_voc_two_levels),
        Mistake("voc_colormap.shift_too_little",
                "after each level, shift the label right by 3 (it gave one bit each to red, green and "
                "blue), not by 1 or 2: otherwise the same bit is used again at the next level and "
                "labels such as 2 or 4 get colour they do not have.",
                detect=_voc_like(_voc_shifted_too_little), example=_example_voc_shift_by_one),
        Mistake("voc_colormap.low_bits_first",
                "the bits go in from the top: the first bit of a channel is 128 (1 << 7), the next 64 "
                "(1 << 6), ...; yours start at 1 (label 1 came out (1, 0, 0)).",
                detect=_voc_like(_voc_low_bits_first), example=_example_voc_low_bits_first),
        Mistake("voc_colormap.bit_offset",
                "your bit levels are one place off: label 1 is (128, 0, 0), so level 0 sets 1 << 7 and "
                "label 8, one level down, is (64, 0, 0): shift by 7 - level, for level 0 to 7.",
                detect=_voc_like(_voc_bits_shifted), example=_example_voc_bit_offset),
        Mistake("voc_colormap.from_label_one",
                "row k of the palette is the colour of label k, starting from label 0 (black, the "
                "background); yours starts from label 1. Use labels = np.arange(n).",
                detect=_voc_like(lambda n: voc_colormap(n + 1)[1:]), example=_example_voc_from_label_one),
        Mistake("voc_colormap.normalised",
                "a palette holds uint8 colours 0-255: do not divide by 255 (matplotlib shows uint8 colours "
                "as they are); build it with dtype=np.uint8.",
                detect=_voc_normalised, example=_example_voc_normalised),
        Mistake("voc_colormap.not_uint8",
                "a palette is uint8 (colours 0-255): build it with dtype=np.uint8, or convert with "
                ".astype(np.uint8) at the end.",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != np.uint8,
                example=_example_voc_int64),
        Mistake("voc_colormap.ignores_n",
                "your palette always has 256 colours: it must have n rows, one per label 0..n-1 "
                "(labels = np.arange(n)).",
                detect=lambda run: (_n_of(run.case) != 256 and _same_values(run.got, voc_colormap(256))),
                example=_example_voc_ignores_n),
        Mistake("voc_colormap.default_n",
                "called without n, your palette does not have 256 colours: the default is n=256, as in "
                "the signature def voc_colormap(n=256) (the 21 VOC classes are voc_colormap(21)).",
                detect=_voc_default_not_256, example=_example_voc_default_21),
        Mistake("voc_colormap.transposed",
                "the palette has one row per label: shape (n, 3), not (3, n).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.shape == run.expected.shape[::-1],
                example=_example_voc_transposed),
        Mistake("voc_colormap.uint8_or",
                "NumPy will not put the int64 result of `bit << (7 - level)` into a uint8 palette with |= "
                "(or +=): convert first, `(bit << (7 - level)).astype(np.uint8)`, or build the palette as "
                "int and convert it with .astype(np.uint8) at the end.",
                on_error=lambda exc, case: (type(exc).__name__ == "UFuncTypeError"
                                            and "Cannot cast ufunc" in str(exc) and "uint8" in str(exc)),
                example=_example_voc_uint8_or),
    ],
))


# --------------------------------------------------------------------------- #
# scores_to_label_map
# --------------------------------------------------------------------------- #
def _compare_label_maps(expected, got):
    """Integer maps of the same shape whose labels come from the right neighbourhood.

    Nearest-neighbour conventions differ by one pixel at boundaries
    (cv2.INTER_NEAREST, INTER_NEAREST_EXACT, NumPy index arithmetic), so each
    label must equal the expected label at the same place or within 2 pixels of it.
    """
    if not isinstance(got, np.ndarray):
        return KindProblem(f"the label map should be a NumPy array, not {describe(got)}")
    if got.shape != expected.shape:
        return f"the label map has shape {got.shape}; expected {expected.shape} (height, width)"
    if not np.issubdtype(got.dtype, np.integer):
        return (f"the label map has dtype {got.dtype}: labels are integers. Take the argmax, and "
                "resize the integer map with cv2.INTER_NEAREST")
    padded = np.pad(expected, 2, mode="edge")
    height, width = expected.shape
    allowed = np.zeros(expected.shape, dtype=bool)
    for dy in range(5):
        for dx in range(5):
            allowed |= got == padded[dy:dy + height, dx:dx + width]
    if not allowed.all():
        y, x = (int(i) for i in np.argwhere(~allowed)[0])
        return (f"pixel (row {y}, column {x}) has label {got[y, x]}, but the right answer there is "
                f"{expected[y, x]} (and no neighbour has {got[y, x]})")
    return None


def _like_label_map(got, wrong):
    """True when ``got`` is the label map ``wrong`` up to a nearest-neighbour convention (any int dtype)."""
    return (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.integer)
            and _compare_label_maps(np.asarray(wrong).astype(np.int64), got.astype(np.int64)) is None)


def _smooth_scores(rng, classes, height, width, cells=None):
    """(classes, height, width) float32 scores with blob-shaped regions (cells x cells blobs)."""
    rows, cols = (cells, cells) if cells else (max(2, height // 4), max(2, width // 4))
    coarse = rng.normal(size=(classes, rows, cols)).astype(np.float32)
    return np.stack([cv2.resize(c, (width, height), interpolation=cv2.INTER_CUBIC) for c in coarse])


def _trap_scores():
    """Left half class 1, right half class 4; class 2 a strong runner-up on both sides.

    Interpolating the label map makes 2s and 3s at the border; interpolating the
    scores makes class 2 win there (0.5 + 0.5 mix of 1 and 4 loses to 0.6).
    """
    scores = np.zeros((5, 4, 6), np.float32)
    scores[1, :, :3] = 1.0
    scores[4, :, 3:] = 1.0
    scores[2] = 0.6
    return scores


def _many_class_scores(rng, classes=300, height=6, width=8):
    """Scores for ``classes`` classes whose argmax holds labels above 255 (256, 299, ...)."""
    labels = rng.integers(0, classes, (height, width))
    labels[0, :4] = [255, 256, 299, 257]
    labels[-1, -3:] = [511 % classes, 0, 298]
    scores = rng.normal(0, 0.3, (classes, height, width)).astype(np.float32)
    rows, cols = np.indices(labels.shape)
    scores[labels, rows, cols] += 3.0
    return scores


def _nearest(labels, size):
    return cv2.resize(np.asarray(labels).astype(np.int32), tuple(size), interpolation=cv2.INTER_NEAREST)


_SMOOTH = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_LANCZOS4)


def _scores_first(scores, size):
    """Argmax of the scores resized first, by every smooth method of cv2 in float32 and float64."""
    maps = []
    for dtype in (np.float32, np.float64):
        for interpolation in _SMOOTH:
            resized = np.stack([cv2.resize(c, tuple(size), interpolation=interpolation)
                                for c in np.asarray(scores, dtype)])
            maps.append(resized.argmax(axis=0))
    return maps


def _interpolated_labels(scores, size, rounded=True):
    """The argmax label map resized by every smooth method of cv2 and Pillow (labels interpolated).

    ``rounded``: float results rounded or truncated back to integers (the label maps learners
    return); otherwise the raw float maps (a learner who returns them as they are).
    """
    labels = np.asarray(scores).argmax(axis=0)
    maps = []
    dtypes = [np.float32, np.float64] + ([np.uint8] if labels.max() < 256 else []) + [np.uint16, np.int16]
    for dtype in dtypes:
        for interpolation in _SMOOTH:
            resized = cv2.resize(labels.astype(dtype), tuple(size), interpolation=interpolation)
            if np.issubdtype(resized.dtype, np.floating):
                maps += [np.rint(resized), np.trunc(resized)] if rounded else [resized]
            elif rounded:
                maps.append(resized)
    if rounded and labels.max() < 256:
        from PIL import Image  # imported here: only a wrong answer's diagnosis needs it

        picture = Image.fromarray(labels.astype(np.uint8))
        for resample in (Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.BOX,
                         Image.Resampling.HAMMING, Image.Resampling.LANCZOS):
            maps.append(np.asarray(picture.resize(tuple(size), resample)))
    return maps


def _memo(run, key, make):
    """``make()`` once per run: the wrong answers a diagnosis builds are shared with the next one."""
    if key not in run.memo:
        run.memo[key] = make()
    return run.memo[key]


def _is_wrong_map(run, wrong):
    """True when the label map ``wrong`` is not one the comparison accepts as right."""
    return _compare_label_maps(run.expected, np.asarray(wrong).astype(np.int64)) is not None


def _scores_resized_first(run):
    maps = _memo(run, "scores first", lambda: _scores_first(*run.case.args))
    return any(_same_values(run.got, wrong) and _is_wrong_map(run, wrong) for wrong in maps)


def _labels_interpolated(run):
    got = run.got
    if not (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.integer)):
        return False
    maps = _memo(run, "labels interpolated", lambda: _interpolated_labels(*run.case.args))
    return any(_same_values(got, wrong) and _is_wrong_map(run, wrong) for wrong in maps)


def _float_labels_interpolated(run):
    """Float labels with fractions, as a smooth resize of the float label map leaves them."""
    got = run.got
    if not (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating)
            and got.shape == run.expected.shape and np.isfinite(got).all()):
        return False
    if np.array_equal(got, np.rint(got)):
        return False
    return any(np.allclose(got, wrong, atol=1e-3)
               for wrong in _interpolated_labels(*run.case.args, rounded=False))


def _float_labels(run):
    """Float labels holding the right whole numbers: only the cast back to int is missing."""
    got = run.got
    return (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating)
            and got.shape == run.expected.shape and np.isfinite(got).all()
            and np.array_equal(got, np.rint(got)) and _like_label_map(got.astype(np.int64), run.expected))


def _max_not_argmax(run):
    """The highest *score* of each pixel, resized, instead of its class."""
    got = run.got
    if not (isinstance(got, np.ndarray) and got.shape == run.expected.shape
            and np.issubdtype(got.dtype, np.number)):
        return False
    scores, size = run.case.args
    best = np.asarray(scores, np.float32).max(axis=0)
    return any(np.allclose(got, cv2.resize(best, tuple(size), interpolation=interpolation), atol=1e-4)
               for interpolation in (cv2.INTER_NEAREST, cv2.INTER_NEAREST_EXACT) + _SMOOTH)


def _wrong_axis(run):
    scores, size = run.case.args
    wrongs = [_nearest(np.asarray(scores).argmax(axis=axis), size) for axis in (1, 2)]
    return any(_like_label_map(run.got, wrong) and _is_wrong_map(run, wrong) for wrong in wrongs)


def _argmin(run):
    """The class with the *lowest* score, resized."""
    scores, size = run.case.args
    wrong = _nearest(np.asarray(scores).argmin(axis=0), size)
    return _like_label_map(run.got, wrong) and _is_wrong_map(run, wrong)


def _whole_factor_shape(run):
    """The map enlarged by whole factors (np.repeat, np.kron, fx/fy), which cannot reach ``size``."""
    got = run.got
    if not isinstance(got, np.ndarray) or got.ndim != 2 or got.shape == run.expected.shape:
        return False
    (h, w), (height, width) = np.shape(run.case.args[0])[1:], run.expected.shape
    factors = lambda big, small: {big // small, round(big / small), math.ceil(big / small)} - {0}
    shapes = {(h * fy, w * fx) for fy in factors(height, h) for fx in factors(width, w)}
    return got.shape in shapes


def _softmax_overflowed(run):
    """The argmax of a softmax that overflowed (exp of large scores is inf, inf / inf is NaN)."""
    scores, size = run.case.args
    wrongs = []
    for dtype in (np.float32, np.float64):
        with np.errstate(all="ignore"):
            e = np.exp(np.asarray(scores, dtype))
            probabilities = e / e.sum(axis=0)
        if np.isnan(probabilities).any():
            wrongs.append(_nearest(probabilities.argmax(axis=0), size))
    return any(_like_label_map(run.got, wrong) and _is_wrong_map(run, wrong) for wrong in wrongs)


def _labels_wrapped(run):
    """Labels above 255 (or 127) wrapped round by a cast to a small integer type."""
    got = run.got
    if not (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.integer)):
        return False
    if run.expected.max() <= np.iinfo(got.dtype).max:
        return False
    return _like_label_map(got, run.expected.astype(got.dtype))


def _label_map_cases():
    rng = np.random.default_rng(0)
    return [
        Case("scores of shape (3, 4, 5) resized to size (10, 8): twice as big",
             (rng.normal(size=(3, 4, 5)).astype(np.float32), (10, 8)), rule="argmax"),
        Case("blob-shaped scores (6, 16, 12) resized to size (40, 50) (width 40, height 50)",
             (_smooth_scores(rng, 6, 16, 12), (40, 50)), rule="size"),
        Case("scores (5, 4, 6): class 1 on the left, class 4 on the right, class 2 close behind "
             "on both sides; size (30, 20)", (_trap_scores(), (30, 20)), rule="argmax_first"),
        Case("blob-shaped scores (4, 32, 32) shrunk to size (20, 12)",
             (_smooth_scores(rng, 4, 32, 32, cells=3), (20, 12)), rule="nearest"),
        Case("scores for 300 classes (300, 6, 8), labels 256 and 299 among them, to size (16, 12)",
             (_many_class_scores(rng), (16, 12)), rule="classes"),
        Case("large scores (logits near 1000) of shape (4, 5, 6), to size (12, 10)",
             ((1000 + 3 * rng.normal(size=(4, 5, 6))).astype(np.float32), (12, 10)), rule="argmax"),
    ]


def _example_argmin(scores, size):
    labels = scores.argmin(axis=0).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def _example_whole_factor(scores, size):
    labels = scores.argmax(axis=0)
    height, width = labels.shape
    return np.repeat(np.repeat(labels, size[1] // height, axis=0), size[0] // width, axis=1)


def _example_softmax_overflow(scores, size):
    e = np.exp(scores)
    probabilities = e / e.sum(axis=0)
    labels = probabilities.argmax(axis=0).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def _example_size_swapped(scores, size):
    height, width = size
    labels = np.argmax(scores, axis=0).astype(np.int32)
    return cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)


def _example_not_resized(scores, size):
    return scores.argmax(axis=0).astype(np.int32)


def _example_max_not_argmax(scores, size):
    return cv2.resize(scores.max(axis=0), size, interpolation=cv2.INTER_NEAREST)


def _example_last_axis(scores, size):
    labels = scores.argmax(axis=-1).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def _example_scores_first(scores, size):
    big = np.stack([cv2.resize(s, size) for s in scores.astype(np.float32)])
    return big.argmax(axis=0)


def _example_labels_bilinear(scores, size):
    labels = np.argmax(scores, axis=0).astype(np.uint16)
    return cv2.resize(labels, size, cv2.INTER_NEAREST)  # the third positional argument is dst


def _example_float_interpolated(scores, size):
    return cv2.resize(scores.argmax(axis=0).astype(np.float32), size)


def _example_uint8(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint8)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def _example_float_labels(scores, size):
    labels = scores.argmax(axis=0).astype(np.float32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def _example_int_interpolated(scores, size):
    return cv2.resize(scores.argmax(axis=0), size)  # int64 labels, default INTER_LINEAR


register(Exercise(
    name="scores_to_label_map",
    notebook=NOTEBOOK,
    reference=scores_to_label_map,
    cases=_label_map_cases,
    compare=_compare_label_maps,
    summary="(C, h, w) scores to an (H, W) integer label map",
    rules={
        "argmax": "The label of a pixel is the class with the highest score",
        "argmax_first": "argmax first, then resize",
        "nearest": "labels are never interpolated",
        "size": "size = (width, height) as in OpenCV",
        "classes": "There can be more than 256 classes",
    },
    hint=(
        """
        argmax first, then resize: the label of a pixel is the class with the highest score (look
        up argmax and its axis argument), and the small label map is then resized without ever
        inventing a label (look up cv2.resize's interpolation flags).
        """,
        """
        1. The classes are axis 0 of (C, h, w): the argmax over that axis is an (h, w) map of
           integer labels at the network's resolution.
        2. Resize it to size, which is (width, height) as cv2.resize wants it, with
           nearest-neighbour interpolation, passed by keyword (interpolation=...): the third
           positional argument of cv2.resize is dst.
        3. Keep the labels in an integer type that holds more than 255 classes: not uint8.
        """,
        """
        The argmax is int64. cv2.resize with interpolation=cv2.INTER_NEAREST takes it and returns
        int32; with its default, INTER_LINEAR, it refuses int32 and int64 ("func != 0"). So
        `labels = scores.argmax(axis=0).astype(np.int32)` (the cast says which dtype you return),
        and what is left is the nearest-neighbour resize of labels to size.
        """,
    ),
    mistakes=[
        Mistake("scores_to_label_map.size_swapped",
                "size is (width, height), the OpenCV order; your label map came out (width, height) "
                "instead of (height, width). Pass size to cv2.resize as it is.",
                detect=lambda run: np.shape(run.got) == run.expected.shape[::-1] != run.expected.shape,
                example=_example_size_swapped),
        Mistake("scores_to_label_map.not_resized",
                "your label map is still at the network's resolution (h, w): resize it to `size` with "
                "cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST).",
                detect=lambda run: np.shape(run.got) == np.shape(run.case.args[0])[1:] != run.expected.shape,
                example=_example_not_resized),
        Mistake("scores_to_label_map.whole_factor",
                "np.repeat, np.kron or a whole scale factor (fx, fy) enlarge by whole numbers only, and "
                "size is not a whole multiple of the map here: use cv2.resize(labels, size, "
                "interpolation=cv2.INTER_NEAREST), which reaches any (width, height).",
                detect=_whole_factor_shape, example=_example_whole_factor),
        Mistake("scores_to_label_map.max_not_argmax",
                "you took each pixel's highest score (max); its label is the class that has that score: "
                "argmax, scores.argmax(axis=0).",
                detect=_max_not_argmax, example=_example_max_not_argmax),
        Mistake("scores_to_label_map.wrong_axis",
                "you took the argmax over a pixel axis: the classes are axis 0 of (C, h, w), so use "
                "scores.argmax(axis=0) (axis=-1 is right only for (h, w, C) scores).",
                detect=_wrong_axis, example=_example_last_axis),
        Mistake("scores_to_label_map.argmin",
                "your labels are the classes with the lowest score: the label of a pixel is the class "
                "with the highest score, scores.argmax(axis=0).",
                detect=_argmin, example=_example_argmin),
        Mistake("scores_to_label_map.softmax_overflow",
                "for these large scores your labels are wrong: the softmax you took first overflows "
                "(exp(1000) is inf, inf / inf is NaN, and argmax returns the first NaN). A label map "
                "needs no probabilities: the class with the highest score is scores.argmax(axis=0).",
                detect=_softmax_overflowed, example=_example_softmax_overflow),
        Mistake("scores_to_label_map.scores_resized_first",
                "you resized the scores and then took the argmax. That is a legitimate method (smoother "
                "borders, at C times the work), but not the one this exercise asks for: take the argmax "
                "first, at the network's resolution, then resize the label map with cv2.INTER_NEAREST.",
                detect=_scores_resized_first, example=_example_scores_first),
        Mistake("scores_to_label_map.labels_interpolated",
                "your label map has labels that the right answer has nowhere near that pixel: the labels "
                "were interpolated (a bilinear or cubic resize averages 1 and 4 into 2 and 3). Resize "
                "label maps with interpolation=cv2.INTER_NEAREST, passed by keyword (the third "
                "positional argument of cv2.resize is dst, not the interpolation).",
                detect=_labels_interpolated, example=_example_labels_bilinear),
        Mistake("scores_to_label_map.float_interpolated",
                "your labels have fractions (like 2.5): the label map was resized as floats with "
                "interpolation. Labels are integers: resize the argmax as int32 with "
                "interpolation=cv2.INTER_NEAREST.",
                detect=_float_labels_interpolated, example=_example_float_interpolated),
        Mistake("scores_to_label_map.labels_wrapped",
                "labels above 255 wrapped round (256 became 0): you cast the labels to a type too small "
                "for 300 classes (uint8 holds 0-255). Cast the argmax to np.int32.",
                detect=_labels_wrapped, example=_example_uint8),
        Mistake("scores_to_label_map.float_labels",
                "your labels are right but stored as floats: a label map is integer. Resize the argmax as "
                "np.int32 (cv2.resize keeps the dtype it is given), or cast back with .astype(np.int32).",
                detect=_float_labels, example=_example_float_labels),
        Mistake("scores_to_label_map.int_interpolated",
                "cv2.resize cannot interpolate int32 or int64 maps (that is what 'func != 0' means), and "
                "labels must not be interpolated anyway: pass interpolation=cv2.INTER_NEAREST, by keyword.",
                on_error=lambda exc, case: _is_cv2_error(exc, "func != 0", "resize"),
                example=_example_int_interpolated),
    ],
))


# --------------------------------------------------------------------------- #
# colorize
# --------------------------------------------------------------------------- #
def _every_label(rng, n, shape, dtype):
    """A label map of ``shape`` holding every label 0..n-1 at least once (n - 1 is the edge)."""
    size = int(np.prod(shape))
    labels = np.concatenate([np.arange(n), rng.integers(0, n, size - n)])
    return rng.permutation(labels).reshape(shape).astype(dtype)


def _one_bad(rng, n, shape, dtype, bad, where):
    labels = rng.integers(0, n, shape).astype(dtype)
    labels[where] = bad
    return labels


def _colorize_cases():
    rng = np.random.default_rng(1)
    with_ignore = rng.integers(0, 21, (5, 6)).astype(np.int64)
    with_ignore[0, :3] = 255
    long_palette = rng.integers(0, 256, (300, 3), dtype=np.uint8)
    return [
        Case("a (6, 7) uint8 label map and the 21-colour VOC palette",
             (rng.integers(0, 21, (6, 7)).astype(np.uint8), voc_colormap(21)), rule="index"),
        Case("a (3, 5) int32 label map and the 8-colour Okabe-Ito palette (RGB)",
             (rng.integers(0, 8, (3, 5)).astype(np.int32), OKABE_ITO.copy()), rule="order"),
        Case("a (5, 6) int64 label map with 255 (ignore) labels and the 256-colour VOC palette",
             (with_ignore, voc_colormap(256)), rule="ignore"),
        Case("every label 0-7 (7 is the last colour) with the 8-colour Okabe-Ito palette",
             (_every_label(rng, 8, (3, 4), np.uint8), OKABE_ITO.copy()), rule="edge"),
        Case("every label 0-20 with the 21-colour VOC palette",
             (_every_label(rng, 21, (4, 6), np.int32), voc_colormap(21)), rule="edge"),
        Case("every label 0-255 (int64) with the 256-colour VOC palette",
             (_every_label(rng, 256, (16, 16), np.int64), voc_colormap(256)), rule="edge"),
        Case("every label 0-299 with a 300-colour palette (longer than a 256-entry table)",
             (_every_label(rng, 300, (15, 20), np.uint16), long_palette), rule="long"),
        Case("label 21 with a 21-colour palette (labels 0-20)",
             (_one_bad(rng, 21, (4, 4), np.uint8, 21, (2, 3)), voc_colormap(21)),
             raises=ValueError, raises_mentions=("21",), rule="bad_label"),
        Case("label 8 with the 8-colour Okabe-Ito palette",
             (_one_bad(rng, 8, (3, 4), np.int64, 8, (1, 1)), OKABE_ITO.copy()),
             raises=ValueError, raises_mentions=("8",), rule="bad_label"),
        Case("label 256 (int32) with the 256-colour VOC palette",
             (_one_bad(rng, 256, (4, 5), np.int32, 256, (3, 0)), voc_colormap(256)),
             raises=ValueError, raises_mentions=("256",), rule="bad_label"),
        Case("label 300 with a 300-colour palette",
             (_one_bad(rng, 300, (4, 5), np.int32, 300, (0, 4)), long_palette),
             raises=ValueError, raises_mentions=("300",), rule="bad_label"),
        Case("a label -1 with the 8-colour Okabe-Ito palette",
             (_one_bad(rng, 5, (3, 4), np.int32, -1, (1, 2)), OKABE_ITO.copy()),
             raises=ValueError, raises_mentions=("-1",), rule="negative"),
        Case("a label -1 with the 256-colour VOC palette",
             (_one_bad(rng, 21, (4, 4), np.int64, -1, (3, 3)), voc_colormap(256)),
             raises=ValueError, raises_mentions=("-1",), rule="negative"),
    ]


def _colours_like(make):
    """A detector: the learner's image holds the values of ``make(label_map, palette)``, a wrong
    colouring that differs from the right one on this case (whatever the learner's dtype)."""
    def detect(run):
        label_map, palette = run.case.args
        wrong = make(np.asarray(label_map), np.asarray(palette))
        return _same_values(run.got, wrong) and not _same_values(run.expected, wrong)
    return detect


def _colours_instead_of_raising(make):
    """A detector for a bad-label case (expected is None): the learner coloured the map the way
    ``make(label_map, palette)`` does, instead of raising."""
    def detect(run):
        label_map, palette = (np.asarray(arg) for arg in run.case.args)
        wrong = make(label_map, palette)
        return wrong is not None and _same_values(run.got, wrong)
    return detect


def _negative_wrapped(label_map, palette):
    """What NumPy gives when the negative labels are let through: palette[-1] is the last colour."""
    if not (label_map < 0).any() or (label_map >= len(palette)).any():
        return None
    return palette[label_map]


def _clipped_colours(label_map, palette):
    """Labels clipped into 0..len(palette) - 1 (a colour that differs from the modulo's)."""
    clipped = palette[np.clip(label_map, 0, len(palette) - 1)]
    return None if _same_values(clipped, palette[label_map % len(palette)]) else clipped


def _modulo_colours(label_map, palette):
    """Labels wrapped round the palette, label % len(palette) (a colour that differs from the clip's)."""
    wrapped = palette[label_map % len(palette)]
    return None if _same_values(wrapped, palette[np.clip(label_map, 0, len(palette) - 1)]) else wrapped


def _raises_on_last_label(exc, case):
    """A ValueError for a valid map, naming its largest label, which is the palette's last colour."""
    if not isinstance(exc, ValueError) or case.raises is not None:
        return False
    label_map, palette = case.args
    last = len(palette) - 1
    return (int(np.max(label_map)) == last
            and re.search(rf"(?<![\d.-]){last}(?![\d.])", str(exc)) is not None)


def _checked(label_map, palette):
    if label_map.min() < 0 or label_map.max() >= len(palette):
        raise ValueError(f"label {label_map.min() if label_map.min() < 0 else label_map.max()} has no colour")


def _example_colorize_bgr(label_map, palette):
    _checked(label_map, palette)
    return cv2.cvtColor(palette[label_map], cv2.COLOR_RGB2BGR)


def _example_colorize_lut(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 1, 3), np.uint8)
    table[:min(len(palette), 256), 0] = palette[:256]
    return cv2.applyColorMap(label_map.astype(np.uint8), table)


def _example_colorize_channels_first(label_map, palette):
    _checked(label_map, palette)
    return np.stack([palette[label_map, c] for c in range(3)])


def _example_colorize_float(label_map, palette):
    _checked(label_map, palette)
    return palette.astype(np.float32)[label_map] / 255


def _example_colorize_off_by_one(label_map, palette):
    if label_map.min() < 0 or label_map.max() >= len(palette) - 1:
        raise ValueError(f"label {label_map.max()} is not in the palette")
    return palette[label_map]


def _example_colorize_short_table(label_map, palette):
    _checked(label_map, palette)
    return cv2.applyColorMap(label_map.astype(np.uint8), palette[:, None])


def _example_colorize_upper_bound_only(label_map, palette):
    if label_map.max() >= len(palette):
        raise ValueError(f"label {label_map.max()} has no colour in a palette of {len(palette)}")
    return palette[label_map]


def _example_colorize_clipped(label_map, palette):
    return palette[np.clip(label_map, 0, len(palette) - 1)]


def _example_colorize_modulo(label_map, palette):
    return np.take(palette, label_map, axis=0, mode="wrap")


def _example_colorize_table_too_long(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 1, 3), np.uint8)
    table[:len(palette)] = palette[:, None]
    return cv2.LUT(cv2.merge([label_map.astype(np.uint8)] * 3), table)


register(Exercise(
    name="colorize",
    notebook=NOTEBOOK,
    reference=colorize,
    cases=_colorize_cases,
    summary="label map to a colour image through a palette",
    rules={
        "index": "palette[label_map] is an (H, W, 3) image",
        "edge": "labels 0 to len(palette) - 1 have a colour",
        "long": "however long the palette (it can have more than 256 colours)",
        "bad_label": "a label the palette has no colour for must be a ValueError that names the label",
        "negative": "for -1 it silently returns the last colour",
        "ignore": "255, the usual \"ignore\" label in VOC masks, is fine with the 256-colour palette",
        "order": "keep the palette's channel order: RGB in, RGB out",
    },
    hint=(
        """
        A palette is a lookup table: the colour of label k is row k. NumPy's indexing with an
        integer array looks up every pixel at once. Check the labels before you look them up.
        """,
        """
        1. Find the labels that have no colour: below 0, or len(palette) or more. If there is
           one, raise a ValueError that names it (NumPy would raise an IndexError for a label
           that is too big, and silently give the last colour for -1).
        2. Index the palette with the label map: the result is (H, W, 3), with the palette's
           dtype (uint8) and its channel order. Do not convert to BGR.
        """,
        """
        `bad = (label_map < 0) | (label_map >= len(palette))` marks the labels of step 1, and
        label_map[bad][0] is one to name. Step 2 is palette[label_map], with the palette as a
        uint8 array (np.take(palette, label_map, axis=0) does the same lookup, faster).
        """,
    ),
    mistakes=[
        Mistake("colorize.bgr",
                "your colours are reversed (BGR). colorize keeps the palette's order; convert to BGR "
                "with cv2.cvtColor only when you save with cv2.imwrite.",
                detect=_colours_like(lambda labels, palette: palette[labels][..., ::-1]),
                example=_example_colorize_bgr),
        Mistake("colorize.labels_wrapped",
                "labels above 255 took the colour of label - 256: a 256-entry lookup table (cv2.LUT, "
                "cv2.applyColorMap) or a cast of the labels to uint8 holds labels 0-255 only. Index the "
                "palette itself, np.take(palette, label_map, axis=0), when it has more than 256 colours.",
                detect=_colours_like(lambda labels, palette: palette[labels % 256]),
                example=_example_colorize_lut),
        Mistake("colorize.channels_first",
                "the colour axis goes last: an image is (H, W, 3), not (3, H, W). palette[label_map] "
                "gives (H, W, 3) directly.",
                detect=lambda run: (isinstance(run.got, np.ndarray)
                                    and run.got.shape == (3,) + run.expected.shape[:2]),
                example=_example_colorize_channels_first),
        Mistake("colorize.not_uint8",
                "your colours are not uint8: a colour image is uint8 (0-255), so index the uint8 palette "
                "as it is, without converting it (to float or to a wider integer) or dividing by 255.",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != np.uint8,
                example=_example_colorize_float),
        Mistake("colorize.negative_label",
                "a label -1 took the palette's last colour: NumPy counts negative indices from the end "
                "(palette[-1] is the last colour). Check label_map.min() < 0 as well as "
                "label_map.max() >= len(palette), and raise a ValueError that names the label.",
                detect=_colours_instead_of_raising(_negative_wrapped), on_no_raise=True,
                example=_example_colorize_upper_bound_only),
        Mistake("colorize.labels_clipped",
                "you clipped the labels into the palette (a label beyond it took the last colour): a "
                "label the palette has no colour for must be an error, a ValueError that names the "
                "label, not the nearest colour.",
                detect=_colours_instead_of_raising(_clipped_colours), on_no_raise=True,
                example=_example_colorize_clipped),
        Mistake("colorize.labels_modulo",
                "you wrapped the labels round the palette (label % len(palette), or np.take with "
                "mode='wrap'): label 21 of a 21-colour palette took label 0's colour. A label the "
                "palette has no colour for must raise a ValueError that names it.",
                detect=_colours_instead_of_raising(_modulo_colours), on_no_raise=True,
                example=_example_colorize_modulo),
        Mistake("colorize.raises_on_last_label",
                "that label is the palette's last colour, and it is valid: labels 0 to len(palette) - 1 "
                "all have a colour. Raise only for a label < 0 or >= len(palette).",
                on_error=_raises_on_last_label, example=_example_colorize_off_by_one),
        Mistake("colorize.lut_table",
                "cv2.LUT and cv2.applyColorMap take exactly 256 colours and uint8 labels: copy the "
                "palette into a (256, 1, 3) uint8 table first (and the labels to uint8, once checked), "
                "or index the palette itself with np.take(palette, label_map, axis=0).",
                on_error=lambda exc, case: (_is_cv2_error(exc, "tables of size 256")
                                            or _is_cv2_error(exc, "lut_size == 256")),
                example=_example_colorize_short_table),
        Mistake("colorize.table_too_long",
                "a 256-entry lookup table cannot hold a palette of more than 256 colours: index the "
                "palette itself, np.take(palette, label_map, axis=0), when it is longer.",
                on_error=lambda exc, case: (isinstance(exc, ValueError) and "could not broadcast" in str(exc)
                                            and "(256" in str(exc) and len(case.args[1]) > 256),
                example=_example_colorize_table_too_long),
    ],
))


# --------------------------------------------------------------------------- #
# overlay
# --------------------------------------------------------------------------- #
def _overlay_args(case):
    """(image, label_map, palette, alpha, background) of an overlay case, defaults filled in."""
    names = ("image", "label_map", "palette", "alpha", "background")
    values = dict(zip(names, (None, None, None, 0.5, 0)))
    values.update(zip(names, case.args))
    values.update(case.kwargs)
    return tuple(values[name] for name in names)


def _compare_uint8_images(expected, got, case):
    """Background pixels exactly the image's; the blended pixels within 1 (rounding differs
    between cv2.addWeighted and NumPy)."""
    if not isinstance(got, np.ndarray):
        return KindProblem(f"the result should be a NumPy array, not {describe(got)}")
    if got.dtype != np.uint8 or got.shape != expected.shape:
        return compare_arrays(expected, got, what="the image")
    image, label_map, _, _, background = _overlay_args(case)
    kept = np.asarray(label_map) == background
    changed = kept & np.any(got != image, axis=-1)
    if changed.any():
        y, x = (int(i) for i in np.argwhere(changed)[0])
        return (f"pixel (row {y}, column {x}) has the background label {background} but is "
                f"{got[y, x].tolist()}; it must keep the image's value {image[y, x].tolist()}")
    far = np.any(np.abs(got.astype(np.int16) - expected) > 1, axis=-1)
    if far.any():
        y, x = (int(i) for i in np.argwhere(far)[0])
        return (f"pixel (row {y}, column {x}), label {label_map[y, x]}, is {got[y, x].tolist()}; "
                f"expected {expected[y, x].tolist()} (within 1)")
    return None


def _near(got, wanted):
    """True when ``got`` is a numeric array of ``wanted``'s shape within 1 of it everywhere."""
    return (isinstance(got, np.ndarray) and got.shape == np.shape(wanted)
            and np.issubdtype(got.dtype, np.number) and np.isfinite(got).all()
            and np.abs(got.astype(np.float64) - wanted).max(initial=0) <= 1)


def _overlay_parts(case):
    """image, colours, foreground mask (H, W, 1), alpha and background of a case, as float64."""
    image, label_map, palette, alpha, background = _overlay_args(case)
    label_map = np.asarray(label_map)
    colours = np.asarray(palette)[label_map].astype(np.float64)
    return image.astype(np.float64), colours, label_map, float(alpha), background


def _blend(image, colours, alpha):
    return (1 - alpha) * image + alpha * colours


def _overlay_like(make):
    """A detector: the learner's image is within 1 of one of ``make(parts)``, a wrong overlay that
    differs from the right one on this case."""
    def detect(run):
        wrongs = make(*_overlay_parts(run.case))
        return any(_near(run.got, wrong) and not _near(run.expected, wrong) for wrong in wrongs)
    return detect


def _where(mask, inside, outside):
    return np.where(mask[..., None], inside, outside)


def _inverted(image, colours, labels, alpha, background):
    return [_where(labels != background, image, _blend(image, colours, alpha))]


def _background_blended(image, colours, labels, alpha, background):
    blended = _blend(image, colours, alpha)
    darkened = _where(labels != background, blended, (1 - alpha) * image)  # blended with black
    return [blended, darkened]


def _background_zero(image, colours, labels, alpha, background):
    blended = _blend(image, colours, alpha)
    return [_where(labels != 0, blended, image),
            _where((labels != 0) & (labels != background), blended, image)]


def _background_replaced(image, colours, labels, alpha, background):
    """Objects blended, but the background pixels black or their palette colour, not the picture."""
    blended = _blend(image, colours, alpha)
    mask = labels != background
    return [_where(mask, blended, np.zeros_like(image)), _where(mask, blended, colours)]


def _greater_than(image, colours, labels, alpha, background):
    return [_where(labels > background, _blend(image, colours, alpha), image)]


def _unchanged(image, colours, labels, alpha, background):
    return [image]


def _pure_colour(image, colours, labels, alpha, background):
    return [_where(labels != background, colours, image)]


def _alpha_reversed(image, colours, labels, alpha, background):
    return [_where(labels != background, _blend(image, colours, 1 - alpha), image)]


def _alpha_ignored(image, colours, labels, alpha, background):
    return [_where(labels != background, _blend(image, colours, 0.5), image)]


def _weights_not_one(image, colours, labels, alpha, background):
    sums = (image + alpha * colours, (1 - alpha) * image + colours, image + colours)
    return [_where(labels != background, np.clip(total, 0, 255), image) for total in sums]


def _truncated_twice(image, colours, labels, alpha, background):
    """Each weighted term cut to uint8 before the sum: up to 2 below the blend."""
    summed = np.floor((1 - alpha) * image) + np.floor(alpha * colours)
    return [_where(labels != background, summed, image)]


def _uint8_wrapped(image, colours, labels, alpha, background):
    """Blends computed on uint8 arrays, whose - and + wrap modulo 256 (then cast back to uint8)."""
    mask = labels != background
    moved = image + alpha * ((colours - image) % 256)     # image + alpha * (colour - image)
    halved = ((image + colours) % 256) / 2                # (image + colour) / 2
    return [_where(mask, np.floor(blend) % 256, image) for blend in (moved, halved)]


def _channels_converted(image, colours, labels, alpha, background):
    mask = labels != background
    swapped = image[..., ::-1]
    return [_where(mask, _blend(image, colours[..., ::-1], alpha), image),            # palette reversed
            _where(mask, _blend(swapped, colours, alpha), swapped),                  # image converted
            _where(mask, _blend(swapped, colours, alpha), swapped)[..., ::-1]]       # result converted back


def _overlay_cases():
    rng = np.random.default_rng(2)

    def scene(height, width, classes, dtype=np.uint8):
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        labels = rng.integers(0, classes, (height, width)).astype(dtype)
        return image, labels

    image, labels = scene(6, 8, 4)
    image2, labels2 = scene(5, 7, 6)
    image3, labels3 = scene(4, 4, 3)
    image4, labels4 = scene(4, 6, 21, np.int32)
    image5, labels5 = scene(5, 5, 8)
    return [
        Case("a (6, 8, 3) image, labels 0-3, alpha=0.5", (image, labels, voc_colormap(21)), rule="background"),
        Case("a (4, 6, 3) image, labels 0-20, alpha=0.5", (image4, labels4.astype(np.uint8), voc_colormap(21)),
             rule="blend"),
        Case("a (5, 7, 3) image, labels 0-5, alpha=0.3", (image2, labels2, OKABE_ITO.copy()),
             {"alpha": 0.3}, rule="alpha"),
        Case("a (5, 7, 3) image with background=2 (label 0 is an object here), alpha=0.6",
             (image2, labels2, OKABE_ITO.copy()), {"alpha": 0.6, "background": 2}, rule="background_label"),
        Case("background=255, a label that is not in the map: every pixel is an object",
             (image, labels, voc_colormap(21)), {"alpha": 0.4, "background": 255}, rule="background_label"),
        Case("alpha=1: object pixels take the pure palette colour", (image3, labels3, voc_colormap(21)),
             {"alpha": 1.0}, rule="alpha"),
        Case("alpha=0: the picture itself", (image3, labels3, voc_colormap(21)), {"alpha": 0.0}, rule="alpha"),
        Case("an RGB image with an int32 label map and the RGB VOC palette, alpha=0.7",
             (image4, labels4, voc_colormap(256)), {"alpha": 0.7}, rule="channel_order"),
        Case("a (5, 5, 3) image: the result is a new uint8 image, alpha=0.25",
             (image5, labels5, OKABE_ITO.copy()), {"alpha": 0.25}, rule="new"),
        Case("a (6, 8, 3) image with an (8, 6) label map", (image, labels.T.copy(), voc_colormap(21)),
             raises=ValueError, rule="size"),
        Case("a (6, 8, 3) image with a (6, 1) label map (NumPy would broadcast it)",
             (image, labels[:, :1].copy(), voc_colormap(21)), raises=ValueError, rule="size"),
        Case("a (6, 8, 3) image with a (1, 8) label map (NumPy would broadcast it)",
             (image, labels[:1].copy(), voc_colormap(21)), raises=ValueError, rule="size"),
        Case("a (6, 8, 3) image with a (5, 8) label map (one row short)",
             (image, labels[:5].copy(), voc_colormap(21)), raises=ValueError, rule="size"),
    ]


def _sizes_checked(image, label_map):
    if image.shape[:2] != label_map.shape:
        raise ValueError(f"image {image.shape} and label map {label_map.shape} differ in size")


def _learner_overlay(mask_of=lambda labels, background: labels != background, weights=None,
                     colour_order=slice(None)):
    """A learner's overlay with one thing changed: the mask, the blend's weights, the colours."""
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        _sizes_checked(image, label_map)
        colours = np.asarray(palette)[label_map][..., colour_order].astype(np.float32)
        keep, add = weights(alpha) if weights else (1 - alpha, alpha)
        blended = np.clip(keep * image + add * colours, 0, 255).round().astype(np.uint8)
        return np.where(mask_of(label_map, background)[..., None], blended, image)
    return overlay


def _size_check_misfires(exc, case):
    """A ValueError about sizes or shapes (or one that shows the image's or the label map's shape)
    for a label map that has the image's (H, W)."""
    text = str(exc).lower()
    shapes = [str(np.shape(arg)) for arg in case.args[:2]]
    return (isinstance(exc, ValueError) and case.raises is None and "broadcast" not in text
            and ("size" in text or "shape" in text or any(shape in text for shape in shapes)))


def _example_background_black(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    colours = np.asarray(palette)[label_map]
    out = cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)
    out[label_map == background] = 0
    return out


def _example_truncated_twice(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    colours = np.asarray(palette)[label_map]
    blended = (image * (1 - alpha)).astype(np.uint8) + (colours * alpha).astype(np.uint8)
    return np.where((label_map != background)[..., None], blended, image)


def _example_uint8_wrapped(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    out = image.copy()
    mask = label_map != background
    colours = np.asarray(palette)[label_map[mask]]
    out[mask] = (image[mask] + alpha * (colours - image[mask])).astype(np.uint8)  # uint8 - uint8 wraps
    return out


def _example_size_check_wrong(image, label_map, palette, alpha=0.5, background=0):
    if image.shape != label_map.shape:
        raise ValueError(f"image {image.shape} and label map {label_map.shape} differ in size")
    blended = cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


def _example_inverted(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)
    return np.where((label_map != background)[..., None], image, blended)


def _example_background_blended(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    return cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)


def _example_unchanged(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    out = image.copy()
    blended = cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)
    np.where((label_map != background)[..., None], blended, out)  # the result is not kept
    return out


def _example_pure_colour(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    out = image.copy()
    mask = label_map != background
    out[mask] = np.asarray(palette)[label_map[mask]]
    return out


def _example_float(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    blended = (1 - alpha) * image + alpha * np.asarray(palette)[label_map]
    return np.where((label_map != background)[..., None], blended, image)


def _example_mask_axis(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)
    return np.where(label_map != background, blended, image)


def _example_bool_mask(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, np.asarray(palette)[label_map], alpha, 0)
    out = image.copy()
    cv2.copyTo(blended, label_map != background, out)
    return out


def _example_dtypes_differ(image, label_map, palette, alpha=0.5, background=0):
    _sizes_checked(image, label_map)
    colours = np.asarray(palette)[label_map].astype(np.float32)
    blended = cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


register(Exercise(
    name="overlay",
    notebook=NOTEBOOK,
    reference=overlay,
    cases=_overlay_cases,
    compare=_compare_uint8_images,
    summary="blend label colours over an image, background untouched",
    rules={
        "blend": "blends each object pixel with its class colour, (1 - alpha) * image + alpha * colour",
        "background": "leaves the background pixels exactly as they were",
        "background_label": "every pixel whose label is not background is an object",
        "alpha": "alpha is the weight of the colour: 0 shows the picture, 1 the pure colour",
        "channel_order": "The image and the palette are in the same channel order",
        "new": "Return a new uint8 image",
        "size": "raise a ValueError when the label map and the image differ in size",
    },
    hint=(
        """
        Three pictures: the image, the colours of its labels (your colorize does them), and a blend
        of the two. Then choose, pixel by pixel: the blend where there is an object, the image
        where there is background.
        """,
        """
        1. Check that the label map has the image's (H, W); if not, raise a ValueError.
        2. colours = colorize(label_map, palette).
        3. Blend: (1 - alpha) * image + alpha * colours, back in uint8 (cv2.addWeighted does it
           in one call, rounding and saturating).
        4. The object mask is label_map != background (label 0 is an object when background is
           another label).
        5. Take the blend where the mask is True and the image elsewhere, in a new array: never
           change image itself.
        """,
        """
        Step 3 is `cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)`. For step 5, np.where
        picks per pixel, but the mask is (H, W) and the pictures (H, W, 3): give the mask a
        channel axis with `mask[..., None]` so that it covers all three channels.
        """,
    ),
    mistakes=[
        Mistake("overlay.mask_inverted",
                "you blended the background and left the objects as they were: blend where "
                "label_map != background, np.where(mask[..., None], blended, image), in that order.",
                detect=_overlay_like(_inverted), example=_example_inverted),
        Mistake("overlay.background_blended",
                "the background is blended too: pixels whose label is `background` must keep the "
                "image's value exactly. Blend only where label_map != background, "
                "np.where(mask[..., None], blended, image).",
                detect=_overlay_like(_background_blended), example=_example_background_blended),
        Mistake("overlay.background_replaced",
                "your background pixels lost the picture (they came out black, or in the background "
                "label's palette colour): leave them exactly as they were in the image, "
                "np.where(mask[..., None], blended, image).",
                detect=_overlay_like(_background_replaced), example=_example_background_black),
        Mistake("overlay.background_zero",
                "your function leaves label 0 alone whatever `background` says: the pixels to leave "
                "untouched are those whose label equals `background`; every other label, 0 included, "
                "is blended (mask = label_map != background).",
                detect=_overlay_like(_background_zero),
                example=_learner_overlay(mask_of=lambda labels, background: labels > 0)),
        Mistake("overlay.greater_than",
                "labels below `background` are objects too: the mask is label_map != background, not "
                "label_map > background.",
                detect=_overlay_like(_greater_than),
                example=_learner_overlay(mask_of=lambda labels, background: labels > background)),
        Mistake("overlay.unchanged",
                "your result is the image unchanged: the object pixels were not blended (a blend computed "
                "but not kept?). Return np.where(mask[..., None], blended, image).",
                detect=_overlay_like(_unchanged), example=_example_unchanged),
        Mistake("overlay.pure_colour",
                "the object pixels became their pure class colour: blend them with the image, "
                "(1 - alpha) * image + alpha * colour (pure colour is only alpha=1).",
                detect=_overlay_like(_pure_colour), example=_example_pure_colour),
        Mistake("overlay.alpha_reversed",
                "alpha is the weight of the colour: (1 - alpha) * image + alpha * colour; yours weighs "
                "the image by alpha.",
                detect=_overlay_like(_alpha_reversed),
                example=_learner_overlay(weights=lambda alpha: (alpha, 1 - alpha))),
        Mistake("overlay.alpha_ignored",
                "you blend half and half whatever alpha is: weigh the colour by alpha and the image by "
                "1 - alpha.",
                detect=_overlay_like(_alpha_ignored),
                example=_learner_overlay(weights=lambda alpha: (0.5, 0.5))),
        Mistake("overlay.weights_not_one",
                "the two weights must add up to 1, (1 - alpha) * image + alpha * colour: yours adds the "
                "colour on top of the whole image, which brightens and saturates.",
                detect=_overlay_like(_weights_not_one),
                example=_learner_overlay(weights=lambda alpha: (1, alpha))),
        Mistake("overlay.channels_converted",
                "the image and the palette are already in the same channel order: blend them as they "
                "are, without cv2.cvtColor or [..., ::-1] on either.",
                detect=_overlay_like(_channels_converted),
                example=_learner_overlay(colour_order=slice(None, None, -1))),
        Mistake("overlay.truncated_twice",
                "you converted each weighted term to uint8 before adding them: each conversion drops a "
                "fraction, so the sum can come out 2 below the blend. Add in float, "
                "(1 - alpha) * image + alpha * colour, then round once and convert to uint8.",
                detect=_overlay_like(_truncated_twice), example=_example_truncated_twice),
        Mistake("overlay.uint8_wrapped",
                "your uint8 arithmetic wrapped around: on uint8 arrays, colour - image and image + colour "
                "are taken modulo 256 (20 - 30 gives 246, 200 + 100 gives 44). Convert to float first, "
                "image.astype(np.float32), blend, then round and convert back with .astype(np.uint8) "
                "(or blend with cv2.addWeighted, which saturates instead).",
                detect=_overlay_like(_uint8_wrapped), example=_example_uint8_wrapped),
        Mistake("overlay.not_uint8",
                "return a uint8 image: round and convert the float blend with .astype(np.uint8) "
                "(or blend with cv2.addWeighted, which stays uint8).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != np.uint8,
                example=_example_float),
        Mistake("overlay.mask_axis",
                "the mask is (H, W) and the images (H, W, 3): give the mask a channel axis, "
                "np.where(mask[..., None], blended, image), so that it covers all three channels.",
                on_error=lambda exc, case: (isinstance(exc, ValueError) and case.raises is None
                                            and "could not be broadcast" in str(exc)),
                example=_example_mask_axis),
        Mistake("overlay.size_check_wrong",
                "your size check refuses a label map that has the image's size: compare "
                "image.shape[:2], the (height, width), with label_map.shape; image.shape also holds "
                "the 3 channels.",
                on_error=_size_check_misfires, example=_example_size_check_wrong),
        Mistake("overlay.bool_mask",
                "OpenCV 4 does not take bool arrays (OpenCV 5 does): pass the mask as uint8, "
                "(label_map != background).astype(np.uint8), so the code runs on both.",
                on_error=lambda exc, case: _is_cv2_error(exc, "data type = bool is not supported"),
                example=_example_bool_mask),
        Mistake("overlay.dtypes_differ",
                "cv2.addWeighted needs two arrays of the same dtype: the image is uint8, so keep the "
                "colours uint8 too (palette[label_map] already is), and do not convert them to float.",
                on_error=lambda exc, case: _is_cv2_error(exc, "have different types", "arithm_op"),
                example=_example_dtypes_differ),
    ],
))
