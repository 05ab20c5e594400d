"""Notebook 05: segmentation colormaps. Palette, label map, colouring and overlay."""
import cv2
import numpy as np

from ..palettes import OKABE_ITO, voc_colormap
from ..segmentation import colorize, overlay, scores_to_label_map
from .core import Case, Exercise, Mistake, compare_arrays, describe, register

NOTEBOOK = "05_segmentation_colormaps"


# --------------------------------------------------------------------------- #
# voc_colormap
# --------------------------------------------------------------------------- #
def _voc_bgr(n=256):
    return voc_colormap(n)[:, ::-1]


def _voc_one_level(n=256):
    """Only the first three bits of each label are used (the loop over bit levels is missing)."""
    labels = np.arange(n)
    return np.stack([((labels >> c) & 1) * 128 for c in range(3)], axis=1).astype(np.uint8)


def _voc_low_bits_first(n=256):
    """Bit j of a channel set as 1 << j instead of 1 << (7 - j)."""
    labels = np.arange(n)
    palette = np.zeros((n, 3), np.uint8)
    for level in range(8):
        for channel in range(3):
            palette[:, channel] |= (((labels >> (3 * level + channel)) & 1) << level).astype(np.uint8)
    return palette


register(Exercise(
    name="voc_colormap",
    notebook=NOTEBOOK,
    reference=voc_colormap,
    cases=lambda: [
        Case("the default n (256 colours)"),
        Case("n=21 (the 20 VOC classes and background)", (21,)),
        Case("n=8", kwargs={"n": 8}),
    ],
    summary="the Pascal VOC palette, (n, 3) uint8 RGB",
    hint="""
        Label k's colour comes from its bits: bit 0 of k sets the top bit (128) of red,
        bit 1 the top bit of green, bit 2 the top bit of blue; then shift k right by 3 and
        do the same with the next lower bit (64), and so on for 8 levels. Vectorise over
        `labels = np.arange(n)` with `(labels >> shift) & 1`. Label 1 is (128, 0, 0).
    """,
    mistakes=[
        Mistake("ex05_segmentation.todo1", "your colours are in BGR order (label 1 came out (0, 0, 128)). The VOC palette is "
                "RGB: red first. Convert to BGR only when you hand an image to OpenCV.", impl=_voc_bgr),
        Mistake("ex05_segmentation.todo2", "labels 8 and above repeat the colours of 0-7: after using the lowest three bits, shift "
                "the label right by 3 and set the next lower bit (64, then 32, ...) of each channel.",
                impl=_voc_one_level),
        Mistake("ex05_segmentation.todo3", "the bits go in from the top: the first bit of a channel is 128 (1 << 7), the next 64 "
                "(1 << 6), ...; yours start at 1.", impl=_voc_low_bits_first),
        Mistake("ex05_segmentation.todo4", "a palette is uint8 (colours 0-255): build it with dtype=np.uint8.",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != np.uint8),
        Mistake("ex05_segmentation.todo5", "the palette has one row per label: shape (n, 3), not (3, n).",
                detect=lambda run: run.got.shape == run.expected.shape[::-1]),
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
        return f"the label map should be a NumPy array, not {describe(got)}"
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


def _labels_interpolated(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint8)
    return cv2.resize(labels, tuple(size), interpolation=cv2.INTER_LINEAR)


def _scores_interpolated(scores, size):
    resized = np.stack([cv2.resize(c.astype(np.float32), tuple(size), interpolation=cv2.INTER_LINEAR)
                        for c in scores])
    return resized.argmax(axis=0)


def _exactly(impl):
    """A detector: the learner's output holds the same values as ``impl``'s on this case."""
    def detect(run):
        wrong = impl(*run.case.args, **run.case.kwargs)
        return np.shape(run.got) == np.shape(wrong) and np.array_equal(run.got, wrong)
    return detect


def _label_map_cases():
    rng = np.random.default_rng(0)
    return [
        Case("scores of shape (3, 4, 5) resized to size (10, 8): twice as big",
             (rng.normal(size=(3, 4, 5)).astype(np.float32), (10, 8))),
        Case("blob-shaped scores (6, 16, 12) resized to size (40, 50) (width 40, height 50)",
             (_smooth_scores(rng, 6, 16, 12), (40, 50))),
        Case("scores (5, 4, 6): class 1 on the left, class 4 on the right, class 2 close behind "
             "on both sides; size (30, 20)", (_trap_scores(), (30, 20))),
        Case("blob-shaped scores (4, 32, 32) shrunk to size (20, 12)",
             (_smooth_scores(rng, 4, 32, 32, cells=3), (20, 12))),
    ]


register(Exercise(
    name="scores_to_label_map",
    notebook=NOTEBOOK,
    reference=scores_to_label_map,
    cases=_label_map_cases,
    compare=_compare_label_maps,
    summary="(C, h, w) scores to an (H, W) integer label map",
    hint="""
        First `scores.argmax(axis=0)`: one label per pixel at the network's resolution.
        Then resize that small integer map with `cv2.resize(labels, size,
        interpolation=cv2.INTER_NEAREST)`; size is (width, height). cv2.resize does not
        take int64, so cast to np.int32 (or uint8 when there are at most 256 classes) first.
    """,
    mistakes=[
        Mistake("ex05_segmentation.todo6", "size is (width, height), the OpenCV order; your label map came out (width, height) "
                "instead of (height, width).",
                detect=lambda run: np.shape(run.got) == run.expected.shape[::-1] != run.expected.shape),
        Mistake("ex05_segmentation.todo7", "you resized the scores before the argmax. Between a class-1 region and a class-4 region "
                "the blended scores made class 2 win, a class that is on neither side; it is also about "
                "20 times slower. Take the argmax first, then resize the labels with cv2.INTER_NEAREST.",
                detect=_exactly(_scores_interpolated)),
        Mistake("ex05_segmentation.todo8", "your label map has labels that appear nowhere near that pixel in the right answer: the "
                "labels were interpolated (a bilinear resize averages 1 and 4 into 2 and 3). Resize label "
                "maps with interpolation=cv2.INTER_NEAREST only.",
                detect=lambda run: run.got.shape == run.expected.shape
                and np.issubdtype(run.got.dtype, np.integer)),
        Mistake("ex05_segmentation.todo9", "a label map must stay integer: you returned floats. Take the argmax (an integer), and do "
                "not resize floats and round them back.",
                detect=lambda run: not np.issubdtype(run.got.dtype, np.integer)),
        Mistake("ex05_segmentation.todo10", "take the argmax over the class axis, axis 0 of (C, h, w).",
                detect=lambda run: run.got.shape != run.expected.shape),
    ],
))


# --------------------------------------------------------------------------- #
# colorize
# --------------------------------------------------------------------------- #
def _colorize_cases():
    rng = np.random.default_rng(1)
    with_ignore = rng.integers(0, 21, (5, 6)).astype(np.int64)
    with_ignore[0, :3] = 255
    negative = rng.integers(0, 5, (3, 4)).astype(np.int32)
    negative[1, 2] = -1
    too_big = rng.integers(0, 21, (4, 4)).astype(np.uint8)
    too_big[2, 3] = 21
    return [
        Case("a (6, 7) uint8 label map and the 21-colour VOC palette",
             (rng.integers(0, 21, (6, 7)).astype(np.uint8), voc_colormap(21))),
        Case("a (5, 6) int64 label map with 255 (ignore) labels and the 256-colour VOC palette",
             (with_ignore, voc_colormap(256))),
        Case("a (3, 5) int32 label map and the 8-colour Okabe-Ito palette",
             (rng.integers(0, 8, (3, 5)).astype(np.int32), OKABE_ITO.copy())),
        Case("label 21 with a 21-colour palette (labels 0-20)", (too_big, voc_colormap(21)),
             raises=ValueError, raises_mentions=("21",)),
        Case("a label -1 with the 8-colour Okabe-Ito palette", (negative, OKABE_ITO.copy()),
             raises=ValueError, raises_mentions=("-1",)),
    ]


register(Exercise(
    name="colorize",
    notebook=NOTEBOOK,
    reference=colorize,
    cases=_colorize_cases,
    summary="label map to a colour image through a palette",
    hint="""
        Indexing a palette with the label map does the whole job: `palette[label_map]`
        (or the faster `np.take(palette, label_map, axis=0)`) gives (H, W, 3). Before that,
        check the labels: a label < 0 or >= len(palette) has no colour, so raise a
        ValueError that names it. NumPy would silently take palette[-1] for -1.
    """,
    mistakes=[
        Mistake("ex05_segmentation.todo11", "your colours are reversed (BGR). colorize keeps the palette's order; convert to BGR "
                "with cv2.cvtColor only when you save with cv2.imwrite.",
                impl=lambda label_map, palette: np.asarray(palette)[label_map][..., ::-1]),
        Mistake("ex05_segmentation.todo12", "a colour image is uint8: index the uint8 palette, without converting to float.",
                detect=lambda run: run.got.dtype != np.uint8),
    ],
))


# --------------------------------------------------------------------------- #
# overlay
# --------------------------------------------------------------------------- #
def _compare_uint8_images(expected, got):
    """uint8 images equal within 1 (rounding differs between cv2.addWeighted and NumPy)."""
    if not isinstance(got, np.ndarray):
        return f"the result should be a NumPy array, not {describe(got)}"
    if got.dtype != np.uint8 or got.shape != expected.shape:
        return compare_arrays(expected, got, what="the image")
    return compare_arrays(expected.astype(np.int16), got.astype(np.int16), atol=1, rtol=0,
                          what="the image")


def _blend_everything(image, label_map, palette, alpha=0.5, background=0):
    colours = np.asarray(palette)[label_map].astype(np.float64)
    return np.round((1 - alpha) * image + alpha * colours).astype(np.uint8)


def _alpha_on_image(image, label_map, palette, alpha=0.5, background=0):
    colours = np.asarray(palette)[label_map].astype(np.float64)
    blended = np.round(alpha * image + (1 - alpha) * colours).astype(np.uint8)
    return np.where((label_map != background)[..., None], blended, image)


def _background_zero(image, label_map, palette, alpha=0.5, background=0):
    return overlay(image, label_map, palette, alpha, 0)


def _overlay_cases():
    rng = np.random.default_rng(2)

    def scene(height, width, classes):
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        labels = rng.integers(0, classes, (height, width)).astype(np.uint8)
        return image, labels

    image, labels = scene(6, 8, 4)
    image2, labels2 = scene(5, 7, 6)
    image3, labels3 = scene(4, 4, 3)
    return [
        Case("a (6, 8, 3) image, labels 0-3, alpha=0.5", (image, labels, voc_colormap(21))),
        Case("a (5, 7, 3) image, labels 0-5, alpha=0.3", (image2, labels2, OKABE_ITO.copy()),
             {"alpha": 0.3}),
        Case("a (5, 7, 3) image with background=2 (label 0 is an object here)",
             (image2, labels2, OKABE_ITO.copy()), {"alpha": 0.6, "background": 2}),
        Case("alpha=1: object pixels take the pure palette colour", (image3, labels3, voc_colormap(21)),
             {"alpha": 1.0}),
        Case("a (6, 8, 3) image with an (8, 6) label map", (image, labels.T.copy(), voc_colormap(21)),
             raises=ValueError),
    ]


register(Exercise(
    name="overlay",
    notebook=NOTEBOOK,
    reference=overlay,
    cases=_overlay_cases,
    compare=_compare_uint8_images,
    summary="blend label colours over an image, background untouched",
    hint="""
        Colour the label map (colorize), blend everything with
        `cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)`, then keep the blend only
        where `label_map != background`: `np.where(mask[..., None], blended, image)`.
        Check first that the label map has the image's (H, W), and work on new arrays,
        never on `image` itself.
    """,
    mistakes=[
        Mistake("ex05_segmentation.todo13", "the background is blended too: background pixels must keep the image's value exactly. "
                "Blend only where label_map != background.", impl=_blend_everything),
        Mistake("ex05_segmentation.todo14", "alpha is the weight of the colour: (1 - alpha) * image + alpha * colour; yours weighs "
                "the image by alpha.", impl=_alpha_on_image),
        Mistake("ex05_segmentation.todo15", "you ignored the background argument (you always left label 0 alone): leave the pixels "
                "whose label equals `background` untouched.", impl=_background_zero),
        Mistake("ex05_segmentation.todo16", "return a uint8 image: round and convert the float blend with .astype(np.uint8) "
                "(or blend with cv2.addWeighted, which stays uint8).",
                detect=lambda run: run.got.dtype != np.uint8),
    ],
))
