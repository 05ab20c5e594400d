"""Notebook 00: how the katas work. One warm-up exercise, to_unit_range.

Most mistakes are recognised by their values, whatever the dtype: ``image / 256`` is told
"you divided by 256" even though it is float64 too (the float64 message comes once the values
are right), and ``image // 255`` is told about integer division only when its values are the
floor of image / 255.
"""
import copy

import numpy as np

from ..pixels import to_unit_range
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "00_how_katas_work"
# ImageNet's mean and std in RGB order and in BGR order: (mean, std) pairs
IMAGENET = [(np.array(m), np.array(s)) for m, s in [((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
                                                     ((0.406, 0.456, 0.485), (0.225, 0.224, 0.229))]]


def _image(rng, *shape, low=0, high=256):
    return rng.integers(low, high, shape, dtype=np.uint8)


def _every_value():
    """A (16, 16) image holding every value 0..255 once."""
    return np.arange(256, dtype=np.uint8).reshape(16, 16)


def _cases():
    rng = np.random.default_rng(0)
    return [
        Case("a random (4, 5, 3) uint8 image", (_image(rng, 4, 5, 3),), rule="float32"),
        Case("a (16, 16) image holding every value from 0 to 255 once", (_every_value(),), rule="divide"),
        Case("a white (2, 2, 3) image (every value 255, which must become exactly 1.0)",
             (np.full((2, 2, 3), 255, np.uint8),), rule="divide"),
        Case("a dark (5, 6, 3) image, values 20 to 120 (still divided by 255, not by its own maximum)",
             (_image(rng, 5, 6, 3, low=20, high=121),), rule="divide"),
        Case("a (3, 4) grayscale image", (_image(rng, 3, 4),), rule="shape"),
        Case("a (2, 3, 4) BGRA image (4 channels)", (_image(rng, 2, 3, 4),), rule="shape"),
        Case("a (4, 5, 3) image, which must come back unchanged (the result is a new array)",
             (_image(rng, 4, 5, 3),), rule="new"),
    ]


# --------------------------------------------------------------------------- #
# Recognising a mistake by its values
# --------------------------------------------------------------------------- #
def _same_values(a, b) -> bool:
    """Same shape and (as float64) the same values within 1e-6, whatever the dtypes."""
    return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
            and np.allclose(a.astype(np.float64), b.astype(np.float64), atol=1e-6, rtol=0))


def _gives(*wrong_answers):
    """A detector: on the failing case, the learner's values (any dtype) are those of one of
    ``wrong_answers``, where that wrong answer differs from the reference."""

    def detect(run):
        image = run.case.args[0]
        for wrong in wrong_answers:
            try:
                with np.errstate(all="ignore"):
                    values = wrong(copy.deepcopy(image))
            except Exception:
                continue
            if _same_values(values, run.got) and not _same_values(values, run.expected):
                return True
        return False

    return detect


def _dtype_is(run, kind) -> bool:
    dtype = getattr(run.got, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, kind)


def _divided_by_another_number(run) -> bool:
    """The learner's values are image / k for one constant k other than 255 (and 256)."""
    image = run.case.args[0].astype(np.float64)
    got = np.asarray(run.got, dtype=np.float64)
    if got.shape != image.shape or not np.all((got == 0) == (image == 0)) or not np.any(image):
        return False
    ratios = image[image != 0] / got[image != 0]
    k = float(np.median(ratios))
    return (np.allclose(ratios, k, rtol=1e-4) and np.isfinite(k) and k > 0
            and not np.isclose(k, 255, rtol=1e-4) and not np.isclose(k, 256, rtol=1e-4))


def _divided_by_own_range(image):
    low, high = float(image.min()), float(image.max())
    return (image.astype(np.float32) - low) / np.float32(high - low)


def _in_place_divide(exc, case) -> bool:
    """``image /= 255`` on the uint8 input: NumPy refuses to store floats in it."""
    text = str(exc)
    return isinstance(exc, TypeError) and "Cannot cast ufunc" in text and "uint8" in text


def _example_in_place(image):
    image /= 255
    return image


def _example_rounded_to_int(image):
    return np.round(image / 255).astype(np.uint8)


register(Exercise(
    name="to_unit_range",
    notebook=NOTEBOOK,
    reference=to_unit_range,
    cases=_cases,
    summary="uint8 image to float32 in [0, 1]",
    rules={
        "float32": "float32 array",
        "shape": "of the same shape",
        "divide": "with every value divided by 255",
        "new": "it returns a new",
    },
    hint=(
        """
        Two things change: the dtype (uint8 to float32) and the scale (divide by 255, the largest
        uint8 value, so that white becomes exactly 1.0). Look up the array method astype.
        """,
        """
        Convert first, then divide: `image.astype(...)` gives a new float32 array, and dividing
        it by 255 keeps float32. `image / 255` alone gives float64, and `image // 255` is floor
        division: every pixel below 255 becomes 0.
        """,
    ),
    mistakes=[
        Mistake("to_unit_range.floor_division",
                "every pixel below 255 became 0: `//` is floor division, and astype(np.uint8) after dividing "
                "drops the fraction the same way. Divide with `/` and keep the float32 result: "
                "`image.astype(np.float32) / 255`.",
                detect=_gives(lambda image: image // 255),
                example=lambda image: image // 255),
        Mistake("to_unit_range.divided_by_256",
                "you divided by 256; divide by 255, the largest uint8 value, so that white (255) becomes "
                "exactly 1.0.",
                detect=_gives(lambda image: image / 256),
                example=lambda image: image.astype(np.float32) / 256),
        Mistake("to_unit_range.not_divided",
                "your values are still 0-255: after converting to float32, divide by 255.",
                detect=_gives(lambda image: image),
                example=lambda image: image.astype(np.float32)),
        Mistake("to_unit_range.multiplied",
                "you multiplied by 255; divide by it, so that 0-255 becomes 0-1.",
                detect=_gives(lambda image: image * 255.0),
                example=lambda image: image.astype(np.float32) * 255),
        Mistake("to_unit_range.divided_by_own_max",
                "you divided by the image's own maximum (or stretched its own min-max range); divide by "
                "255, the largest value a uint8 can hold, so that the same pixel value gives the same "
                "float in every image.",
                detect=_gives(lambda image: image / float(image.max()), _divided_by_own_range),
                example=lambda image: (image / image.max()).astype(np.float32)),
        Mistake("to_unit_range.divided_by_other_number",
                "you divided by another number than 255: divide by 255, the largest uint8 value, so "
                "that white (255) becomes exactly 1.0.",
                detect=_divided_by_another_number,
                example=lambda image: image.astype(np.float32) / 254),
        Mistake("to_unit_range.inverted",
                "your values are inverted (1 - value / 255): white must become 1.0 and black 0.0.",
                detect=_gives(lambda image: 1 - image / 255),
                example=lambda image: 1 - image.astype(np.float32) / 255),
        Mistake("to_unit_range.minus_one_to_one",
                "your values run from -1 to 1 (x / 127.5 - 1, the range some models want); to_unit_range "
                "gives 0 to 1: divide by 255 and nothing else.",
                detect=_gives(lambda image: image / 127.5 - 1),
                example=lambda image: image.astype(np.float32) / 255 * 2 - 1),
        Mistake("to_unit_range.centred",
                "your values run from -0.5 to 0.5 (you subtracted 0.5); to_unit_range gives 0 to 1: "
                "divide by 255 and nothing else.",
                detect=_gives(lambda image: image / 255 - 0.5),
                example=lambda image: image.astype(np.float32) / 255 - 0.5),
        Mistake("to_unit_range.imagenet_normalised",
                "you also normalised with ImageNet's mean and std; to_unit_range only divides by 255 "
                "(per-channel normalisation is another step, normalize_blob in notebook 01).",
                detect=_gives(*(lambda image, m=m, s=s: (image / 255 - m) / s if image.ndim == 3
                                and image.shape[2] == 3 else None for m, s in IMAGENET)),
                example=lambda image: ((image / 255 - IMAGENET[0][0]) / IMAGENET[0][1]).astype(np.float32)),
        Mistake("to_unit_range.signed_wrap",
                "values above 127 came out negative: int8 holds only -128..127, so astype(np.int8) turns "
                "200 into -56. Convert to float32 (not to a signed 8-bit type), then divide by 255.",
                detect=_gives(lambda image: image.astype(np.int8) / 255),
                example=lambda image: (image.astype(np.int8) / 255).astype(np.float32)),
        Mistake("to_unit_range.channels_reversed",
                "you reversed the channels; to_unit_range only scales the values: keep the channel order "
                "(and the shape) of the image.",
                detect=_gives(lambda image: image[..., ::-1] / 255 if image.ndim == 3 else None),
                example=lambda image: image[..., ::-1].astype(np.float32) / 255),
        Mistake("to_unit_range.shape_changed",
                "your result does not have the image's shape: keep it exactly ((H, W) or (H, W, C)), "
                "without adding, dropping, flattening or moving axes.",
                detect=lambda run: np.shape(run.got) != run.expected.shape,
                example=lambda image: (image.astype(np.float32) / 255).reshape(-1)),
        Mistake("to_unit_range.float64",
                "your result is float64 (`image / 255` and `astype(float)` both give float64); networks "
                "expect float32, so convert with `image.astype(np.float32)` before dividing.",
                detect=lambda run: getattr(run.got, "dtype", None) == np.float64,
                example=lambda image: image / 255),
        Mistake("to_unit_range.integer_dtype",
                "your result has an integer dtype, which cannot hold the values between 0 and 1: return "
                "float32 (`image.astype(np.float32) / 255`), without converting back to an integer type.",
                detect=lambda run: _dtype_is(run, np.integer),
                example=_example_rounded_to_int),
        Mistake("to_unit_range.bool_result",
                "your result is bool (True and False, as a comparison gives): return float32 values, "
                "`image.astype(np.float32) / 255`.",
                detect=lambda run: _dtype_is(run, np.bool_),
                example=lambda image: image > 127),
        Mistake("to_unit_range.not_float32",
                "your result is not float32: convert with `image.astype(np.float32)` and divide by 255 "
                "(float16 loses precision, and networks take float32).",
                detect=lambda run: _dtype_is(run, np.floating) and run.got.dtype != np.float32,
                example=lambda image: image.astype(np.float16) / np.float16(255)),
        Mistake("to_unit_range.in_place_divide",
                "`image /= 255` tries to store floats in the uint8 image itself (and would change the "
                "caller's image): make a new array, `image.astype(np.float32) / 255`.",
                on_error=_in_place_divide, example=_example_in_place),
    ],
))
