"""Notebook 05: from a person segmenter's soft probability map to a mask at the photo's size.

A mistake is named only when the learner's mask *is* the mask a known wrong method gives on
the failing case; any other wrong mask gets the plain comparison message.

The threshold is an edge: ``soft > threshold`` leaves out a pixel exactly at the threshold.
The cases that test it use thresholds and probabilities with few binary digits (0.375,
0.625, ...) and enlarge by 2 or 4, so the bilinear weights are 1/4, 3/8, ... and every resized
value is exact in float32 and float64 alike: a correct answer that resizes in float64 gives
the same mask, and only ``>=`` (or another mistake) changes it.
"""
import cv2
import numpy as np

from ..person import probability_to_mask
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "05_segmentation_colormaps"


def _smooth_probabilities(shape, rng, blobs=4.0):
    """An (h, w) float32 map in (0, 1) with smooth regions, like a segmenter's output."""
    h, w = shape
    coarse = rng.normal(0.0, blobs, (max(h // 6, 2), max(w // 6, 2))).astype(np.float32)
    logits = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(1 / (1 + np.exp(-logits)), 0.001, 0.999).astype(np.float32)


def _person_like(size=64):
    """A soft head-and-shoulders map, (size, size) float32."""
    shape = np.zeros((size, size), np.float32)
    cv2.circle(shape, (size // 2, size * 3 // 8), size // 6, 1.0, -1)
    cv2.ellipse(shape, (size // 2, size), (size * 3 // 8, size * 3 // 8), 0, 180, 360, 1.0, -1)
    return np.clip(cv2.GaussianBlur(shape, (0, 0), size / 40), 0.001, 0.999).astype(np.float32)


def _with_exact_edges(rng, shape=(10, 12)):
    """A smooth map whose corners hold exactly 0.0 and 1.0, both valid probabilities."""
    prob = _smooth_probabilities(shape, rng)
    prob[:3, :3] = 0.0
    prob[-3:, -3:] = 1.0
    return prob


def _at_threshold(rng, threshold, shape=(8, 10), block=2):
    """Blocks of probabilities exactly ``threshold`` beside blocks just above and below it.

    Values are multiples of 1/64, so with enlargements by 2 or 4 every resized value is
    exact: the blocks of ``threshold`` stay exactly at the threshold inside.
    """
    rows, cols = shape[0] // block, shape[1] // block
    choices = np.array([threshold, threshold - 1 / 64, threshold + 1 / 64, 1 / 64, 63 / 64])
    coarse = choices[rng.integers(0, len(choices), (rows, cols))]
    coarse[0, 0] = coarse[-1, -1] = threshold  # the edge, always there
    return np.kron(coarse, np.ones((block, block))).astype(np.float32)


def _mask_cases():
    rng = np.random.default_rng(0)
    nan_map = _smooth_probabilities((8, 8), rng)
    nan_map[3, 4] = np.nan
    above = _smooth_probabilities((8, 8), rng)
    above[5, 2] = 1.0001
    below = _smooth_probabilities((8, 8), rng)
    below[2, 6] = -0.0001
    return [
        Case("a smooth (24, 32) probability map to size (128, 96), width 128 and height 96",
             (_smooth_probabilities((24, 32), rng), (128, 96)), rule="size"),
        Case("a (16, 12) map to size (60, 90) with threshold=0.3",
             (_smooth_probabilities((16, 12), rng), (60, 90)), {"threshold": 0.3}, rule="threshold"),
        Case("a person-like (64, 64) map to a photo's size (451, 300)",
             (_person_like(), (451, 300)), rule="resize_first"),
        Case("a (20, 30) float64 map at its own size (30, 20)",
             (_smooth_probabilities((20, 30), rng).astype(np.float64), (30, 20)), rule="resize_first"),
        Case("a (10, 12) map holding exactly 0.0 and exactly 1.0 (valid probabilities) to size (24, 20)",
             (_with_exact_edges(rng), (24, 20)), rule="range"),
        Case("an (8, 10) map at its own size with pixels exactly at the default threshold 0.5",
             (_at_threshold(rng, 0.5), (10, 8)), rule="strict"),
        Case("pixels exactly 0.25 with threshold=0.25, enlarged twice to size (20, 16)",
             (_at_threshold(rng, 0.25), (20, 16)), {"threshold": 0.25}, rule="strict"),
        Case("pixels exactly 0.75 with threshold=0.75, enlarged 4 times to size (40, 32)",
             (_at_threshold(rng, 0.75), (40, 32)), {"threshold": 0.75}, rule="strict"),
        Case("pixels exactly 0.5 (the default threshold), enlarged twice to size (20, 16)",
             (_at_threshold(rng, 0.5), (20, 16)), rule="strict"),
        Case("pixels exactly 0.375 with threshold=0.375, float64, enlarged twice to size (20, 16)",
             (_at_threshold(rng, 0.375).astype(np.float64), (20, 16)), {"threshold": 0.375}, rule="strict"),
        Case("pixels exactly 0.625 with threshold=0.625, enlarged 4 times to size (40, 32)",
             (_at_threshold(rng, 0.625), (40, 32)), {"threshold": 0.625}, rule="strict"),
        Case("pixels exactly 0.125 with threshold=0.125 at their own size (10, 8)",
             (_at_threshold(rng, 0.125), (10, 8)), {"threshold": 0.125}, rule="strict"),
        Case("probabilities above 1 (logits passed by mistake)",
             (rng.normal(0.0, 3.0, (8, 8)).astype(np.float32), (16, 16)), raises=ValueError, rule="refuse"),
        Case("a map with a NaN", (nan_map, (16, 16)), raises=ValueError, rule="refuse"),
        Case("a map with one value just above 1 (1.0001)", (above, (16, 16)), raises=ValueError, rule="refuse"),
        Case("a map with one value just below 0 (-0.0001)", (below, (16, 16)), raises=ValueError, rule="refuse"),
    ]


# --------------------------------------------------------------------------- #
# The masks wrong methods give, to recognise a learner's answer by
# --------------------------------------------------------------------------- #
def _args(case):
    """(prob as float32, size, threshold) of a case."""
    prob, size = case.args[:2]
    threshold = case.args[2] if len(case.args) > 2 else case.kwargs.get("threshold", 0.5)
    return np.asarray(prob, np.float32), tuple(size), threshold


def _resized(prob, size, interpolation=cv2.INTER_LINEAR):
    return cv2.resize(prob, size, interpolation=interpolation)


def _greater_equal(prob, size, threshold):
    return [_resized(prob, size) >= threshold]


def _inverted(prob, size, threshold):
    soft = _resized(prob, size)
    return [soft <= threshold, soft < threshold]


def _fixed_threshold(prob, size, threshold):
    return [_resized(prob, size) > 0.5]


def _sigmoid_again(prob, size, threshold):
    squashed = 1 / (1 + np.exp(-prob))
    return [_resized(squashed, size) > threshold, 1 / (1 + np.exp(-_resized(prob, size))) > threshold]


def _nearest(prob, size, threshold):
    """Nearest-neighbour: of the soft map, or of a mask thresholded first (the same masks)."""
    return [_resized(prob, size, interpolation) > threshold
            for interpolation in (cv2.INTER_NEAREST, cv2.INTER_NEAREST_EXACT)]


_SMOOTH = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_LANCZOS4)


def _threshold_first(prob, size, threshold):
    """A 0/1, 0/255 or float mask made first, resized smoothly, then made bool again."""
    masks = []
    hard = prob > threshold
    for top, dtype in ((1, np.uint8), (255, np.uint8), (1, np.float32)):
        for interpolation in _SMOOTH:
            resized = _resized((hard * top).astype(dtype), size, interpolation).astype(np.float64)
            masks += [resized > 0, resized > top / 2, resized >= top / 2, resized >= top,
                      resized > threshold * top]
    return masks


def _not_bilinear(prob, size, threshold):
    return [_resized(prob, size, interpolation) > threshold
            for interpolation in (cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_LANCZOS4)]


def _quantised(prob, size, threshold):
    masks = []
    for levels in (np.floor(prob * 255), np.rint(prob * 255)):
        soft = _resized(levels.astype(np.uint8), size).astype(np.float64)
        masks += [soft > threshold * 255, soft / 255 > threshold, soft > round(threshold * 255)]
    return masks


def _mask_like(make):
    """A detector: the learner's bool mask is one of ``make(prob, size, threshold)``, a wrong mask
    that differs from the right one on this case."""
    def detect(run):
        got = run.got
        if not (isinstance(got, np.ndarray) and got.dtype == bool and got.shape == run.expected.shape):
            return False
        return any(np.array_equal(got, wrong) and not np.array_equal(run.expected, wrong)
                   for wrong in make(*_args(run.case)))
    return detect


def _wrong_shape_is_transposed(run):
    width, height = run.case.args[1]
    return (isinstance(run.got, np.ndarray) and run.got.shape == (width, height)
            and (width, height) != (height, width))


def _nan_let_through(run):
    """No ValueError for a map with a NaN, and the NaN kept (a range test alone never fires for NaN;
    a map whose NaN was replaced first, np.nan_to_num, gives another mask)."""
    prob, size, threshold = _args(run.case)
    if not np.isnan(prob).any():
        return False
    with np.errstate(invalid="ignore"):
        kept = _resized(prob, size) > threshold
    return isinstance(run.got, np.ndarray) and run.got.dtype == bool and np.array_equal(run.got, kept)


def _nan_replaced(run):
    """No ValueError for a map with a NaN: the NaN was replaced first (np.nan_to_num), by 0, 1 or 0.5."""
    prob, size, threshold = _args(run.case)
    if not np.isnan(prob).any() or not (isinstance(run.got, np.ndarray) and run.got.dtype == bool):
        return False
    return any(np.array_equal(run.got, _resized(np.nan_to_num(prob, nan=value), size) > threshold)
               for value in (0.0, 1.0, 0.5))


def _clipped_instead_of_refused(run):
    """No ValueError for values outside [0, 1]: the learner's mask is that of the clipped map
    (and not that of the map as it is, which a learner who checks nothing returns)."""
    prob, size, threshold = _args(run.case)
    if np.isnan(prob).any() or not ((prob < 0) | (prob > 1)).any():
        return False
    clipped = _resized(np.clip(prob, 0, 1), size) > threshold
    as_given = _resized(prob, size) > threshold
    got = run.got
    return (isinstance(got, np.ndarray) and got.dtype == bool and np.array_equal(got, clipped)
            and not np.array_equal(clipped, as_given))


def _negative_let_through(run):
    """No ValueError for a map whose only bad values are below 0 (NaN and above 1 were refused)."""
    prob = np.asarray(run.case.args[0])
    return (isinstance(run.got, np.ndarray) and not np.isnan(prob).any()
            and prob.max() <= 1 and prob.min() < 0)


def _refused_a_valid_edge(exc, case):
    """A ValueError for a valid map that holds exactly 0 or exactly 1."""
    if not isinstance(exc, ValueError) or case.raises is not None:
        return False
    prob = np.asarray(case.args[0])
    return bool(np.any(prob == 0) or np.any(prob == 1))


# --------------------------------------------------------------------------- #
# Wrong answers as learners write them (each is reported as its own mistake)
# --------------------------------------------------------------------------- #
def _validated(prob):
    prob = np.asarray(prob, dtype=np.float32)
    if np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1:
        raise ValueError(f"prob must hold probabilities in [0, 1], got {np.nanmin(prob)} to {np.nanmax(prob)}")
    return prob


def _example_size_swapped(prob, size, threshold=0.5):
    height, width = size
    return cv2.resize(_validated(prob), (width, height)) > threshold


def _example_uint8(prob, size, threshold=0.5):
    return (cv2.resize(_validated(prob), size) > threshold).astype(np.uint8) * 255


def _example_greater_equal(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_LINEAR) >= threshold


def _example_inverted(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size) < threshold


def _example_fixed_threshold(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size) > 0.5


def _example_sigmoid(prob, size, threshold=0.5):
    prob = 1 / (1 + np.exp(-_validated(prob)))
    return cv2.resize(prob, size) > threshold


def _example_threshold_then_nearest(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.uint8)
    return cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST).astype(bool)


def _example_threshold_then_bilinear(prob, size, threshold=0.5):
    mask = (_validated(prob) > threshold).astype(np.uint8) * 255
    return cv2.resize(mask, size) > 127


def _example_cubic(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob), size, interpolation=cv2.INTER_CUBIC) > threshold


def _example_quantised(prob, size, threshold=0.5):
    levels = (_validated(prob) * 255).astype(np.uint8)
    return cv2.resize(levels, size) > threshold * 255


def _example_resize_bool(prob, size, threshold=0.5):
    return cv2.resize(_validated(prob) > threshold, size)


def _example_nan_let_through(prob, size, threshold=0.5):
    prob = np.asarray(prob, dtype=np.float32)
    if prob.min() < 0 or prob.max() > 1:  # NaN compares False: it gets through
        raise ValueError(f"prob must hold probabilities in [0, 1], got {prob.min()} to {prob.max()}")
    return cv2.resize(prob, size) > threshold


def _example_nan_replaced(prob, size, threshold=0.5):
    prob = np.nan_to_num(np.asarray(prob, dtype=np.float32))  # NaN becomes 0
    if prob.min() < 0 or prob.max() > 1:
        raise ValueError("prob must hold probabilities in [0, 1]")
    return cv2.resize(prob, size) > threshold


def _example_clipped(prob, size, threshold=0.5):
    prob = np.clip(np.asarray(prob, dtype=np.float32), 0, 1)
    return cv2.resize(prob, size) > threshold


def _example_negative_let_through(prob, size, threshold=0.5):
    prob = np.asarray(prob, dtype=np.float32)
    if np.isnan(prob).any() or prob.max() > 1:
        raise ValueError("prob holds NaN or values above 1: logits, not probabilities")
    return cv2.resize(prob, size) > threshold


def _example_refuses_zero_and_one(prob, size, threshold=0.5):
    prob = np.asarray(prob, dtype=np.float32)
    if np.isnan(prob).any() or prob.min() <= 0 or prob.max() >= 1:
        raise ValueError("prob must hold probabilities between 0 and 1")
    return cv2.resize(prob, size) > threshold


register(Exercise(
    name="probability_to_mask",
    notebook=NOTEBOOK,
    reference=probability_to_mask,
    cases=_mask_cases,
    summary="soft (h, w) probabilities to a bool mask at size (width, height)",
    rules={
        "resize_first": "resize the soft map to the photo's size with bilinear interpolation",
        "threshold": "threshold it: soft > threshold is the bool mask",
        "strict": "a pixel exactly at the threshold is not in the mask",
        "range": "0 and 1 themselves are valid",
        "refuse": "Refuse a map with NaN or values outside [0, 1] with a ValueError",
        "size": "size is (width, height), as everywhere in OpenCV",
    },
    hint=(
        """
        Two steps, in the prompt's order: resize the soft map to the photo's size, then threshold
        it. Look up cv2.resize and its interpolation flags. Check the input before either step.
        """,
        """
        1. Refuse bad input: a NaN anywhere, or a value below 0 or above 1 (logits, not
           probabilities), is a ValueError; 0 and 1 themselves are fine.
        2. Resize the map as float32 with bilinear interpolation (cv2.INTER_LINEAR). size is
           (width, height), as in OpenCV, so the result has shape (height, width).
        3. Compare with threshold, strictly greater (`>`): a pixel exactly at the threshold is out.
           The comparison already gives a bool array.
        """,
        """
        The test for step 1: `np.isnan(prob).any() or prob.min() < 0 or prob.max() > 1`.
        Step 2 is `cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)`;
        what is left is comparing that with threshold.
        """,
    ),
    mistakes=[
        Mistake("probability_to_mask.size_swapped",
                "size is (width, height), as in OpenCV; your mask has shape (width, height). "
                "cv2.resize(prob, size) already gives (height, width): pass size as it is.",
                detect=_wrong_shape_is_transposed, example=_example_size_swapped),
        Mistake("probability_to_mask.not_bool",
                "return a bool mask (the comparison `soft > threshold` gives one), not 0/1 or 0/255 "
                "numbers or the probabilities themselves: a bool mask indexes images directly, image[mask].",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype != bool,
                example=_example_uint8),
        Mistake("probability_to_mask.greater_equal",
                "a pixel exactly at the threshold is in your mask: the mask is `soft > threshold`, "
                "strictly greater, not >=.",
                detect=_mask_like(_greater_equal), example=_example_greater_equal),
        Mistake("probability_to_mask.inverted",
                "your mask is inverted: it must be True where the probability is above the threshold "
                "(the person), `soft > threshold`.",
                detect=_mask_like(_inverted), example=_example_inverted),
        Mistake("probability_to_mask.fixed_threshold",
                "you used 0.5 instead of the threshold argument.",
                detect=_mask_like(_fixed_threshold), example=_example_fixed_threshold),
        Mistake("probability_to_mask.sigmoid_again",
                "prob already holds probabilities (the sigmoid is inside the network): applying a sigmoid "
                "again moves every value towards 0.5. Resize prob as it is, then threshold.",
                detect=_mask_like(_sigmoid_again), example=_example_sigmoid),
        Mistake("probability_to_mask.nearest",
                "your mask's edge follows the big low-resolution pixels (blocky steps): the map was "
                "enlarged pixel by pixel, with nearest-neighbour interpolation (or INTER_AREA, which "
                "enlarges the same way), before or after thresholding. Resize the soft map with "
                "bilinear interpolation (cv2.INTER_LINEAR) first, then threshold.",
                detect=_mask_like(_nearest), example=_example_threshold_then_nearest),
        Mistake("probability_to_mask.threshold_first",
                "you thresholded before resizing (then resized the 0/1 mask): the mask's edge follows the "
                "network's coarse grid. Resize the soft probabilities first (bilinear), then threshold.",
                detect=_mask_like(_threshold_first), example=_example_threshold_then_bilinear),
        Mistake("probability_to_mask.not_bilinear",
                "use bilinear interpolation (cv2.INTER_LINEAR) for the soft map: cubic and Lanczos "
                "overshoot and INTER_AREA averages differently, so the edge moves.",
                detect=_mask_like(_not_bilinear), example=_example_cubic),
        Mistake("probability_to_mask.quantised",
                "you turned the probabilities into uint8 (256 levels) before resizing: the rounding moves "
                "the edge. Resize the float map itself, then threshold.",
                detect=_mask_like(_quantised), example=_example_quantised),
        Mistake("probability_to_mask.resize_bool",
                "cv2.resize does not interpolate bool arrays (OpenCV 4 refuses them altogether), and the "
                "mask should come last anyway: resize the soft (float) map first, then threshold it; the "
                "comparison gives the bool mask.",
                on_error=lambda exc, case: (isinstance(exc, cv2.error) and (
                    "bool is not supported" in str(exc)                            # OpenCV 4
                    or ("func != 0" in str(exc) and "resize" in str(exc)))),      # OpenCV 5, bilinear
                example=_example_resize_bool),
        Mistake("probability_to_mask.nan_not_refused",
                "a NaN got through your check: every comparison with NaN is False (NaN < 0, NaN > 1, "
                "and prob.max() > 1 when max() is NaN), so a range test alone never fires for it. Test "
                "np.isnan(prob).any() as well, or refuse unless np.all((prob >= 0) & (prob <= 1)), "
                "which NaN fails.",
                detect=_nan_let_through, on_no_raise=True, example=_example_nan_let_through),
        Mistake("probability_to_mask.nan_replaced",
                "you replaced the NaN (np.nan_to_num) instead of refusing it: a NaN means a broken "
                "output, and any number put in its place is a guess. Raise a ValueError when "
                "np.isnan(prob).any().",
                detect=_nan_replaced, on_no_raise=True, example=_example_nan_replaced),
        Mistake("probability_to_mask.clipped",
                "you clipped the map into [0, 1]: values outside it are logits or a broken output, and "
                "clipping hides that. Refuse them: raise a ValueError when prob.min() < 0 or "
                "prob.max() > 1 (or the map holds a NaN).",
                detect=_clipped_instead_of_refused, on_no_raise=True, example=_example_clipped),
        Mistake("probability_to_mask.negative_not_refused",
                "a value below 0 got through your check: probabilities cannot be negative either. "
                "Refuse prob.min() < 0 as well as prob.max() > 1 (with no tolerance: -0.0001 is "
                "not a probability).",
                detect=_negative_let_through, on_no_raise=True, example=_example_negative_let_through),
        Mistake("probability_to_mask.refuses_valid",
                "0 and 1 are valid probabilities: refuse only NaN and values below 0 or above 1 "
                "(prob.min() < 0 or prob.max() > 1), not 0 and 1 themselves.",
                on_error=_refused_a_valid_edge, example=_example_refuses_zero_and_one),
    ],
))
