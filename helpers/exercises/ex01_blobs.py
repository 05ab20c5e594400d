"""Notebook 01: blob preprocessing. blob_from_image, normalize_blob, blob_to_image.

Most mistakes are recognised by running a wrong implementation, the whole recipe with one step
done wrong, and comparing its *values* with the learner's whatever the dtype: a float64 blob
whose mean is in the wrong order is told about the mean first (the float64 message comes once
the values are right). A wrong implementation that agrees with the reference on the failing
case never names a mistake there. Shape mistakes (channels last, no batch axis) are named by
the shape alone, which says all there is to say.
"""
import math
import re

import cv2
import numpy as np

from ..preprocessing import blob_from_image, blob_to_image, normalize_blob
from .core import FAILED, Case, Exercise, Mistake, compare_arrays, quiet_call, register

NOTEBOOK = "01_blob_preprocessing"


def _image(rng, height, width, dtype=np.uint8):
    """A seeded test image: noise, so that every pixel-moving mistake shows."""
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return image.astype(dtype)


def _shape(run):
    return getattr(run.got, "shape", None)


def _same_values(a, b, atol) -> bool:
    """Same shape and (as float64) the same values within ``atol``, whatever the dtypes."""
    return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
            and np.allclose(a.astype(np.float64), b.astype(np.float64), atol=atol, rtol=0))


def _gives(*wrong_answers, atol):
    """A detector: on the failing case, the learner's values (in any dtype) are those of one of
    ``wrong_answers`` (functions with the exercise's signature), where that wrong answer
    differs from the reference."""

    def detect(run):
        for wrong in wrong_answers:
            values = quiet_call(wrong, run.case)
            if values is FAILED:
                continue
            if _same_values(values, run.got, atol) and not _same_values(values, run.expected, atol):
                return True
        return False

    return detect


def _dtype_is(run, dtype) -> bool:
    return getattr(run.got, "dtype", None) == dtype


def _dtype_is_not(run, dtype) -> bool:
    got = getattr(run.got, "dtype", None)
    return got is not None and got != dtype


def _argument(case, index, name, default):
    """The value of one argument of a case, given by position or by name."""
    if len(case.args) > index:
        return case.args[index]
    return case.kwargs.get(name, default)


# --------------------------------------------------------------------------- #
# blob_from_image
# --------------------------------------------------------------------------- #
def _close_to_1e4(expected, got):
    """The blob contract: same shape and dtype as OpenCV's, values within 1e-4."""
    return compare_arrays(expected, got, atol=1e-4, rtol=0, what="your blob")


def _half_down(leftover):
    return int(0.5 * leftover)


def _cover(image, out_w, out_h, *, factor=np.float32, offset=_half_down, interpolation=cv2.INTER_LINEAR,
           fit=max):
    """Resize by f = fit(W / w, H / h) with fx = fy = f, then cut the window at ``offset``."""
    h, w = image.shape[:2]
    f = float(factor(fit(out_w / w, out_h / h)))
    big = cv2.resize(image, None, fx=f, fy=f, interpolation=interpolation)
    top, left = offset(big.shape[0] - out_h), offset(big.shape[1] - out_w)
    return big[top:top + out_h, left:left + out_w]


def _resizer(cover=_cover, stretch_interpolation=cv2.INTER_LINEAR):
    """The resize step, crop=True going to ``cover`` and crop=False stretching."""

    def resize(image, out_w, out_h, crop):
        if crop:
            return cover(image, out_w, out_h)
        return cv2.resize(image, (out_w, out_h), interpolation=stretch_interpolation)

    return resize


def _cover_with(**how):
    return _resizer(lambda image, out_w, out_h: _cover(image, out_w, out_h, **how))


def _own_dsize(rounding, factor):
    """crop=True with a dsize the learner computes, cv2.resize(image, (round(w * f), ...))."""

    def cover(image, out_w, out_h):
        h, w = image.shape[:2]
        f = factor(max(out_w / w, out_h / h))
        big = cv2.resize(image, (int(rounding(w * f)), int(rounding(h * f))))
        top, left = (big.shape[0] - out_h) // 2, (big.shape[1] - out_w) // 2
        return big[top:top + out_h, left:left + out_w]

    return _resizer(cover)


def _cut_then_resize(rounding):
    """crop=True done the other way round: cut the target's aspect ratio out of the
    original, then resize that window to the size."""

    def cover(image, out_w, out_h):
        h, w = image.shape[:2]
        f = max(out_w / w, out_h / h)
        cut_w, cut_h = int(rounding(out_w / f)), int(rounding(out_h / f))
        top, left = (h - cut_h) // 2, (w - cut_w) // 2
        return cv2.resize(image[top:top + cut_h, left:left + cut_w], (out_w, out_h))

    return _resizer(cover)


def _offsets_swapped(image, out_w, out_h):
    """crop=True with top worked out from the columns and left from the rows."""
    h, w = image.shape[:2]
    f = float(np.float32(max(out_w / w, out_h / h)))
    big = cv2.resize(image, None, fx=f, fy=f)
    top, left = (big.shape[1] - out_w) // 2, (big.shape[0] - out_h) // 2
    return big[top:top + out_h, left:left + out_w]


def _no_resize(image, out_w, out_h, crop):
    return image


_OTHER_ORDERS = ([2, 0, 1], [1, 2, 0], [0, 2, 1], [1, 0, 2])  # neither BGR nor its reverse


def _reordered(order):
    return lambda x, swap_rb: x[..., order] if swap_rb else x


def _cut_without_resize(image, out_w, out_h):
    """crop=True as a plain centre crop of the original: no resize at all."""
    h, w = image.shape[:2]
    top, left = (h - out_h) // 2, (w - out_w) // 2
    return image[max(top, 0):max(top, 0) + out_h, max(left, 0):max(left, 0) + out_w]


def _swap_channels(x, swap_rb):
    return x[..., ::-1] if swap_rb else x


def _values_right(x, mean, scale):
    return (x - mean) * scale


def _hwc_to_blob(x):
    return x.transpose(2, 0, 1)[np.newaxis]


def _wrong_blob(*, resize=_resizer(), float_first=False, swap=_swap_channels, mean_first=False,
                values=_values_right, layout=_hwc_to_blob):
    """blob_from_image in OpenCV's order, with the steps given here in place of the right ones.

    resize(image, W, H, crop) -> (H, W, 3); swap(x, swap_rb); values(x, mean, scale);
    layout((H, W, 3) float32) -> blob. ``float_first`` converts to float32 before resizing;
    ``mean_first`` subtracts the mean before the swap.
    """

    def blob(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = image.astype(np.float32) if float_first else image
        h, w = x.shape[:2]
        out_w, out_h = (w, h) if size is None else size
        if (out_w, out_h) != (w, h):
            x = resize(x, out_w, out_h, crop)
        x = x.astype(np.float32)
        m, s = np.asarray(mean, np.float32), np.float32(scalefactor)
        if mean_first:
            return layout(swap(x - m, swap_rb) * s)
        return layout(values(swap(x, swap_rb), m, s))

    return blob


_RIGHT_BLOB = _wrong_blob()


def _size_as_height_width(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    return _RIGHT_BLOB(image, scalefactor, None if size is None else tuple(size)[::-1], mean, swap_rb, crop)


def _blob_gives(*wrong_answers):
    return _gives(*wrong_answers, atol=1e-4)


def _reshaped(x):
    return x.reshape((1, 3) + x.shape[:2])


def _transposed_height_width(x):
    return x.transpose(2, 1, 0)[np.newaxis]


def _sequence_used_as_array(exc, case) -> bool:
    """``mean[:, None, None]`` or ``mean.reshape(...)`` on a tuple or a list."""
    text = str(exc)
    return ((isinstance(exc, TypeError) and re.search(r"(tuple|list) indices must be integers", text) is not None)
            or (isinstance(exc, AttributeError) and re.search(r"'(tuple|list)' object has no attribute", text)
                is not None))


SEQUENCE_MESSAGE = ("{what} comes as a tuple (or a list), which has no .reshape and cannot be indexed like an "
                    "array ([:, None, None]): make it an array first, `np.asarray({first}, np.float32)`.")


def _size_none_resized(exc, case) -> bool:
    """cv2.resize(image, None), or None unpacked into a width and a height."""
    if _argument(case, 2, "size", None) is not None:
        return False
    text = str(exc)
    return ((isinstance(exc, cv2.error) and "'resize'" in text)
            or (isinstance(exc, TypeError) and "NoneType" in text))


def _factors_by_position(exc, case) -> bool:
    """cv2.resize(image, None, f, f): the third positional argument is dst, so fy stays 0."""
    return (isinstance(exc, cv2.error) and "inv_scale_y" in str(exc)
            and _argument(case, 2, "size", None) is not None)


def _float_dsize(exc, case) -> bool:
    return isinstance(exc, cv2.error) and "Can't parse 'dsize'" in str(exc)


def _float_slice(exc, case) -> bool:
    """``image[(rows - H) / 2:...]``: a float where a slice needs an int."""
    return isinstance(exc, TypeError) and "slice indices must be integers" in str(exc)


def _cvtcolor_float64(exc, case) -> bool:
    text = str(exc)
    return isinstance(exc, cv2.error) and "Unsupported depth" in text and "CV_64F" in text


def _cvtcolor_channels_first(exc, case) -> bool:
    """cv2.cvtColor on a (3, H, W) array: its last axis is not the 3 channels."""
    return isinstance(exc, cv2.error) and "Invalid number of channels" in str(exc)


def _cvtcolor_on_chw_blob(exc, case) -> bool:
    """The same in blob_to_image, on a (1, 3, H, W) blob only: on a (3, H, W) one, an axis
    dropped that was not there is the likelier cause."""
    return _cvtcolor_channels_first(exc, case) and case.args[0].ndim == 4


def _example_size_none_resized(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    x = cv2.resize(image, size).astype(np.float32)
    x = x[..., ::-1] if swap_rb else x
    return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]


def _cover_resized(big, out_w, out_h):
    """The centre (out_h, out_w) window of an image already resized to cover it."""
    top, left = (big.shape[0] - out_h) // 2, (big.shape[1] - out_w) // 2
    return big[top:top + out_h, left:left + out_w]


def _crop_factors_by_position(image, out_w, out_h):
    h, w = image.shape[:2]
    f = float(np.float32(max(out_w / w, out_h / h)))
    return _cover_resized(cv2.resize(image, None, f, f), out_w, out_h)


def _crop_float_dsize(image, out_w, out_h):
    h, w = image.shape[:2]
    f = max(out_w / w, out_h / h)
    return _cover_resized(cv2.resize(image, (w * f, h * f)), out_w, out_h)


def _crop_float_slice(image, out_w, out_h):
    h, w = image.shape[:2]
    f = float(np.float32(max(out_w / w, out_h / h)))
    big = cv2.resize(image, None, fx=f, fy=f)
    top, left = (big.shape[0] - out_h) / 2, (big.shape[1] - out_w) / 2
    return big[top:top + out_h, left:left + out_w]


def _swap_with_cvtcolor_in_float64(x, swap_rb):
    return cv2.cvtColor(x.astype(np.float64), cv2.COLOR_BGR2RGB) if swap_rb else x


def _example_cvtcolor_blob(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    blob = _RIGHT_BLOB(image, scalefactor, size, (0, 0, 0), False, crop)
    if swap_rb:
        blob = cv2.cvtColor(blob[0], cv2.COLOR_BGR2RGB)[None]
    return blob - np.float32(mean).reshape(1, 3, 1, 1) * np.float32(scalefactor)


def _short_side_cover(image, out_w, out_h):
    """crop=True as "short side to the long side of the size", the recipe of some presets."""
    h, w = image.shape[:2]
    return _cover(image, out_w, out_h, fit=lambda *ratios: max(out_w, out_h) / min(w, h))


def _mean_in_uint8(x, m, s):
    """The mean subtracted from the uint8 image, which wraps below 0 (np.uint8 arithmetic)."""
    return np.mod(x - np.trunc(m), 256) * s


def _mean_saturated(x, m, s):
    """The mean subtracted with cv2.subtract on the uint8 image, which clips at 0."""
    return np.clip(np.rint(x - m), 0, 255) * s


def _example_mean_in_uint8(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    x = image if size is None else cv2.resize(image, size)
    x = x[..., ::-1] if swap_rb else x
    x = (x - np.array(mean).astype(np.uint8)).astype(np.float32) * scalefactor
    return x.transpose(2, 0, 1)[np.newaxis]


def _learner_cover(*, factor=lambda W, H, w, h: max(W / w, H / h), rows_from_original=False, clamp=False):
    """crop=True as a learner writes it: the factor, where the offsets come from, and whether a
    negative offset is clamped at 0, each as given."""

    def cover(image, out_w, out_h):
        h, w = image.shape[:2]
        f = float(np.float32(factor(out_w, out_h, w, h)))
        big = cv2.resize(image, None, fx=f, fy=f)
        rows, cols = (h, w) if rows_from_original else big.shape[:2]
        top, left = int(0.5 * (rows - out_h)), int(0.5 * (cols - out_w))
        if clamp:
            top, left = max(top, 0), max(left, 0)
        return big[top:top + out_h, left:left + out_w]

    return _resizer(cover)


def _inverted_factor(W, H, w, h):
    return max(w / W, h / H)


def _kept_whole_fitted_image(run) -> bool:
    """crop=True resized by min(W / w, H / h) and kept whole: one side of the blob comes out short."""
    size = _argument(run.case, 2, "size", None)
    if not _argument(run.case, 5, "crop", False) or size is None:
        return False
    image = run.case.args[0]
    (out_w, out_h), (h, w) = size, image.shape[:2]
    shapes = set()
    for factor in (np.float32, float):
        f = float(factor(min(out_w / w, out_h / h)))
        shapes.add((1, 3) + cv2.resize(image, None, fx=f, fy=f).shape[:2])
    return _shape(run) in shapes and _shape(run) != run.expected.shape


def _example_float64(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
    return _RIGHT_BLOB(image, scalefactor, size, mean, swap_rb, crop).astype(np.float64)


def _blob_cases():
    rng = np.random.default_rng(0)
    offsets = []
    for extra in range(1, 10):  # every leftover 1..9, in the columns and in the rows
        offsets.append(Case(f"crop=True: a (10, {10 + extra}) image to size (10, 10), {extra} columns to cut "
                            f"(left = int(0.5 * {extra}) = {extra // 2})", (_image(rng, 10, 10 + extra),),
                            {"size": (10, 10), "crop": True}, rule="centre"))
        offsets.append(Case(f"crop=True: a ({10 + extra}, 10) image to size (10, 10), {extra} rows to cut "
                            f"(top = int(0.5 * {extra}) = {extra // 2})", (_image(rng, 10 + extra, 10),),
                            {"size": (10, 10), "crop": True}, rule="centre"))
    return [
        Case("a (6, 8, 3) uint8 image with the default arguments: a (1, 3, 6, 8) blob", (_image(rng, 6, 8),),
             rule="layout"),
        Case("mean (104, 117, 123)", (_image(rng, 5, 7),), {"mean": (104, 117, 123)}, rule="subtract"),
        Case("mean (104, 117, 123) and scalefactor 0.5", (_image(rng, 5, 7), 0.5),
             {"mean": (104, 117, 123)}, rule="multiply"),
        Case("scalefactor 1/255 (a float32 blob of values 0 to 1)", (_image(rng, 5, 7), 1 / 255),
             rule="float32"),
        Case("swap_rb=True", (_image(rng, 4, 6),), {"swap_rb": True}, rule="swap"),
        Case("swap_rb=True with mean (10, 60, 200), given in RGB order", (_image(rng, 4, 6),),
             {"mean": (10, 60, 200), "swap_rb": True}, rule="mean_order"),
        Case("size=None with crop=True (the image keeps its size)", (_image(rng, 7, 5),),
             {"crop": True}, rule="size_none"),
        Case("size=(12, 5): 12 wide and 5 high, stretched (crop=False)", (_image(rng, 9, 7),),
             {"size": (12, 5)}, rule="size_wh"),
        Case("crop=False: a (10, 20) image stretched to size (8, 8)", (_image(rng, 10, 20),),
             {"size": (8, 8)}, rule="stretch"),
        Case("crop=False: a (30, 40) image shrunk to size (13, 11)", (_image(rng, 30, 40),),
             {"size": (13, 11)}, rule="interpolation"),
        Case("crop=False: a (5, 6) image enlarged to size (17, 9)", (_image(rng, 5, 6),),
             {"size": (17, 9)}, rule="interpolation"),
        Case("scalefactor 1/255 and size (6, 4): the uint8 image is resized", (_image(rng, 9, 11), 1 / 255, (6, 4)),
             rule="uint8_resize"),
        Case("crop=True: a (21, 33) image to size (16, 16)", (_image(rng, 21, 33),),
             {"size": (16, 16), "crop": True}, rule="cover"),
        Case("crop=True: a tall (40, 15) image to size (10, 12)", (_image(rng, 40, 15),),
             {"size": (10, 12), "crop": True}, rule="cover"),
        Case("crop=True: a small (7, 9) image enlarged to size (20, 14)", (_image(rng, 7, 9),),
             {"size": (20, 14), "crop": True}, rule="cover"),
        *offsets,
        Case("crop=True: a (6, 15) image to size (11, 13), where f in float64 gives 32 columns instead of 33",
             (_image(rng, 6, 15),), {"size": (11, 13), "crop": True}, rule="factor32"),
        Case("crop=True: a (10, 35) image to size (7, 9), where f in float64 gives 32 columns instead of 31",
             (_image(rng, 10, 35),), {"size": (7, 9), "crop": True}, rule="factor32"),
        Case("everything at once: scalefactor 1/255, size (11, 13), mean (0.4, 0.5, 0.6) * 255, "
             "swap_rb=True, crop=True", (_image(rng, 30, 25), 1 / 255, (11, 13), (102.0, 127.5, 153.0),
                                          True, True), rule="opencv"),
        Case("crop=True when the image already has the requested size", (_image(rng, 8, 10),),
             {"size": (10, 8), "crop": True}, rule="opencv"),
        Case("a float32 image (values 0-255)", (_image(rng, 6, 5, np.float32), 1 / 128, (4, 4)),
             {"mean": (127, 127, 127)}, rule="opencv"),
    ]


register(Exercise(
    name="blob_from_image",
    notebook=NOTEBOOK,
    reference=blob_from_image,
    cases=_blob_cases,
    compare=_close_to_1e4,
    summary="BGR image to a (1, 3, H, W) float32 blob, like cv2.dnn.blobFromImage",
    rules={
        "opencv": "returns exactly what cv2.dnn.blobFromImage returns (within 1e-4)",
        "uint8_resize": "resize the uint8 image with cv2.resize",
        "interpolation": "its default, bilinear interpolation",
        "size_wh": "to size, which is (width, height)",
        "size_none": "None keeps the image size",
        "stretch": "With crop=False the image is stretched",
        "cover": "it is resized by f = max(W / w, H / h)",
        "centre": "the centre is cut out: top = int(0.5 * (rows - H)), left = int(0.5 * (cols - W))",
        "factor32": "OpenCV computes f in float32",
        "float32": "convert to float32",
        "swap": "if swap_rb, reverse the channels (BGR -> RGB)",
        "subtract": "subtract mean",
        "mean_order": "which is in the order after the swap",
        "multiply": "then multiply by scalefactor",
        "layout": "(H, W, 3) -> (1, 3, H, W)",
    },
    hint=(
        """
        Do what OpenCV does, in its order: resize, convert to float, swap the channels, subtract
        the mean, scale, then put the channels first. cv2.resize does the resizing; note that
        `size` is (width, height), OpenCV's order, not NumPy's (rows, columns).
        """,
        """
        1. If the size changes, resize the uint8 image (before any float conversion). crop=False:
           stretch it to `size`. crop=True: scale both axes by the same factor
           f = max(W / w, H / h), so that it covers the target, then cut out the centre.
        2. Convert to float32; if swap_rb, reverse the last axis (BGR -> RGB).
        3. Subtract the mean (it is in the order after the swap), then multiply by scalefactor.
           Keep the mean float32: a tuple of Python floats turns a float32 image into float64.
        4. Move the channels first, (H, W, 3) -> (3, H, W), and add a batch axis.
        """,
        """
        crop=True: `f = float(np.float32(max(W / w, H / h)))` (OpenCV computes f in float32),
        `cv2.resize(image, None, fx=f, fy=f)`, then `top = int(0.5 * (rows - H))`,
        `left = int(0.5 * (cols - W))` and keep rows top:top + H, columns left:left + W.
        Swap with `pixels[..., ::-1]`; at the end `pixels.transpose(2, 0, 1)` is (3, H, W),
        and `[np.newaxis]` adds the batch axis.
        """,
    ),
    mistakes=[
        # The layout, by shape alone.
        Mistake("blob_from_image.channels_last",
                "your blob is channels-last (1, H, W, 3). Networks want channels first: "
                "`x.transpose(2, 0, 1)[np.newaxis]` gives (1, 3, H, W).",
                detect=lambda run: _shape(run) == (1,) + run.expected.shape[2:] + (3,),
                example=_wrong_blob(layout=lambda x: x[np.newaxis])),
        Mistake("blob_from_image.no_batch_axis",
                "your blob has no batch axis: it is (3, H, W). Add one with `x[np.newaxis]` "
                "to get (1, 3, H, W).",
                detect=lambda run: _shape(run) == run.expected.shape[1:],
                example=_wrong_blob(layout=lambda x: x.transpose(2, 0, 1))),
        Mistake("blob_from_image.image_layout",
                "your blob is still laid out as an image, (H, W, 3): move the channels first and add a "
                "batch axis, `x.transpose(2, 0, 1)[np.newaxis]`, to get (1, 3, H, W).",
                detect=lambda run: _shape(run) == run.expected.shape[2:] + (3,),
                example=_wrong_blob(layout=lambda x: x)),
        # The layout, by the values.
        Mistake("blob_from_image.reshape_not_transpose",
                "you reshaped the (H, W, 3) image to (1, 3, H, W); reshape keeps the values in memory "
                "order, so each 'channel' holds a mix of all three. Move the axes instead: "
                "`x.transpose(2, 0, 1)[np.newaxis]`.",
                detect=_blob_gives(_wrong_blob(layout=_reshaped)),
                example=_wrong_blob(layout=_reshaped)),
        Mistake("blob_from_image.transposed_height_width",
                "your blob is (1, 3, W, H): `transpose(2, 1, 0)` (or x.T) swaps the height and the width "
                "too. Use `x.transpose(2, 0, 1)`, which keeps (H, W) in order.",
                detect=_blob_gives(_wrong_blob(layout=_transposed_height_width)),
                example=_wrong_blob(layout=_transposed_height_width)),
        # The channels.
        Mistake("blob_from_image.swap_always",
                "you reversed the channels although swap_rb=False: swap only when swap_rb is True.",
                detect=_blob_gives(_wrong_blob(swap=lambda x, swap_rb: x[..., ::-1])),
                example=_wrong_blob(swap=lambda x, swap_rb: x[..., ::-1])),
        Mistake("blob_from_image.swap_flips_image",
                "with swap_rb=True your blob is the picture flipped, not its channels reversed: the "
                "channels are the last axis of an (H, W, 3) image, `x[..., ::-1]` (axis 1 of the "
                "blob), while `x[::-1]` flips it upside down and `x[:, ::-1]` left to right.",
                detect=_blob_gives(_wrong_blob(swap=lambda x, swap_rb: x[::-1] if swap_rb else x),
                                   _wrong_blob(swap=lambda x, swap_rb: x[:, ::-1] if swap_rb else x)),
                example=_wrong_blob(swap=lambda x, swap_rb: x[::-1] if swap_rb else x)),
        Mistake("blob_from_image.swap_wrong_order",
                "with swap_rb=True the channels must be reversed, B, G, R -> R, G, B (`x[..., ::-1]` or "
                "`x[..., [2, 1, 0]]`); your order moves them another way.",
                detect=_blob_gives(*(_wrong_blob(swap=_reordered(order)) for order in _OTHER_ORDERS)),
                example=_wrong_blob(swap=_reordered([2, 0, 1]))),
        Mistake("blob_from_image.swap_missing",
                "with swap_rb=True the channels must be reversed (BGR -> RGB); yours are still in the "
                "image's BGR order. Reverse the last axis of the (H, W, 3) image: `x[..., ::-1]`.",
                detect=_blob_gives(_wrong_blob(swap=lambda x, swap_rb: x)),
                example=_wrong_blob(swap=lambda x, swap_rb: x)),
        # The values.
        Mistake("blob_from_image.mean_before_swap",
                "your mean was applied in the image's BGR order. blobFromImage subtracts it after the "
                "swap, in the blob's order: with swap_rb=True, mean[0] is for red, the blob's channel 0. "
                "(Subtracting before the swap, or reversing the mean, does this.)",
                detect=_blob_gives(_wrong_blob(mean_first=True)),
                example=_wrong_blob(mean_first=True)),
        Mistake("blob_from_image.mean_reversed",
                "your mean is applied in reverse channel order: mean[0] belongs to the blob's channel 0 "
                "(the first channel after the swap, if any), mean[2] to channel 2.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: (x - m[::-1]) * s)),
                example=_wrong_blob(values=lambda x, m, s: (x - m[::-1]) * s)),
        Mistake("blob_from_image.mean_one_number",
                "you subtracted one number from every channel; mean has one number per channel, in the "
                "blob's order: subtract `np.asarray(mean, np.float32)`, which lines up with the last axis "
                "of the (H, W, 3) image.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: (x - m[0]) * s),
                                   _wrong_blob(values=lambda x, m, s: (x - m.mean()) * s)),
                example=_wrong_blob(values=lambda x, m, s: (x - m[0]) * s)),
        Mistake("blob_from_image.mean_in_uint8",
                "you subtracted the mean from the uint8 image: uint8 arithmetic wraps around below 0 "
                "(5 - 104 gives 157), and cv2.subtract clips at 0. Convert to float32 first, then subtract "
                "the mean: a blob holds negative values.",
                detect=_blob_gives(_wrong_blob(values=_mean_in_uint8), _wrong_blob(values=_mean_saturated)),
                example=_example_mean_in_uint8),
        Mistake("blob_from_image.mean_ignored",
                "your blob ignores the mean: subtract it from every pixel, channel by channel, before "
                "multiplying by scalefactor.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: x * s)),
                example=_wrong_blob(values=lambda x, m, s: x * s)),
        Mistake("blob_from_image.mean_added",
                "you added the mean; blobFromImage subtracts it: (pixel - mean) * scalefactor.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: (x + m) * s)),
                example=_wrong_blob(values=lambda x, m, s: (x + m) * s)),
        Mistake("blob_from_image.precedence",
                "`x - mean * scalefactor` multiplies only the mean (multiplication binds tighter than "
                "subtraction): write (x - mean) * scalefactor, with the brackets.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: x - m * s)),
                example=_wrong_blob(values=lambda x, m, s: x - m * s)),
        Mistake("blob_from_image.scale_before_mean",
                "you multiplied by scalefactor before subtracting the mean; blobFromImage computes "
                "(pixel - mean) * scalefactor.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: x * s - m)),
                example=_wrong_blob(values=lambda x, m, s: x * s - m)),
        Mistake("blob_from_image.divided_by_scalefactor",
                "you divided by scalefactor; blobFromImage multiplies: (pixel - mean) * scalefactor "
                "(scalefactor is 1/255 or 1/128, not 255).",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: (x - m) / s)),
                example=_wrong_blob(values=lambda x, m, s: (x - m) / s)),
        Mistake("blob_from_image.scalefactor_ignored",
                "your pixels are not multiplied by scalefactor: the blob is (pixel - mean) * scalefactor.",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: x - m)),
                example=_wrong_blob(values=lambda x, m, s: x - m)),
        Mistake("blob_from_image.extra_255",
                "you divided by 255 on top of scalefactor: the blob is (pixel - mean) * scalefactor and "
                "nothing else (scalefactor=1/255 is how a caller asks for 0-1 values).",
                detect=_blob_gives(_wrong_blob(values=lambda x, m, s: (x - m) * s / 255)),
                example=_wrong_blob(values=lambda x, m, s: (x - m) * s / 255)),
        # The size.
        Mistake("blob_from_image.size_ignored",
                "your blob keeps the image's own size: resize the image to `size` = (width, height) "
                "with cv2.resize (with crop=False it is stretched to it); only size=None keeps the size.",
                detect=_blob_gives(_wrong_blob(resize=_no_resize)),
                example=_wrong_blob(resize=_no_resize)),
        Mistake("blob_from_image.size_height_width",
                "your blob is size[0] high and size[1] wide: OpenCV's size is (width, height), the "
                "opposite of a NumPy shape: pass it to cv2.resize as it is, `cv2.resize(image, size)`.",
                detect=_blob_gives(_size_as_height_width),
                example=_size_as_height_width),
        Mistake("blob_from_image.crop_stretches",
                "with crop=True your function stretches the image to the size. Crop keeps the aspect "
                "ratio: resize by f = max(W / w, H / h) so the image covers the target, then cut out "
                "the centre.",
                detect=_blob_gives(_wrong_blob(resize=_resizer(cover=lambda image, w, h: cv2.resize(image, (w, h))))),
                example=_wrong_blob(resize=_resizer(cover=lambda image, w, h: cv2.resize(image, (w, h))))),
        Mistake("blob_from_image.crop_without_resize",
                "with crop=True you cut the centre out of the image at its own size; resize it first "
                "(fx = fy = f = max(W / w, H / h), so that it covers the target), then cut the centre.",
                detect=_blob_gives(_wrong_blob(resize=_resizer(cover=_cut_without_resize))),
                example=_wrong_blob(resize=_resizer(cover=_cut_without_resize))),
        Mistake("blob_from_image.crop_fits_inside",
                "with crop=True you resized by min(W / w, H / h), which fits the image inside the target "
                "so one side comes out short; crop uses max(W / w, H / h), so that the image covers the "
                "target, then cuts the centre.",
                detect=lambda run: (_blob_gives(_wrong_blob(resize=_cover_with(fit=min)))(run)
                                    or _kept_whole_fitted_image(run)),
                example=_wrong_blob(resize=_cover_with(fit=min))),
        Mistake("blob_from_image.crop_short_side",
                "with crop=True you resized the image's short side to the size's long side; crop=True "
                "resizes by f = max(W / w, H / h), the smallest factor that makes the image cover the "
                "target, then cuts the centre.",
                detect=_blob_gives(_wrong_blob(resize=_resizer(cover=_short_side_cover))),
                example=_wrong_blob(resize=_resizer(cover=_short_side_cover))),
        Mistake("blob_from_image.crop_factor_inverted",
                "with crop=True you resized by max(w / W, h / H), the inverse of the factor: f = max(W / w, "
                "H / h) is the target's size over the image's (below 1 to shrink, above 1 to enlarge).",
                detect=_blob_gives(*(_wrong_blob(resize=_learner_cover(factor=_inverted_factor, clamp=clamp))
                                     for clamp in (False, True))),
                example=_wrong_blob(resize=_learner_cover(factor=_inverted_factor, clamp=True))),
        Mistake("blob_from_image.crop_offsets_from_original",
                "your crop offsets come from the original image's size; take them from the resized one: "
                "rows, cols = resized.shape[:2], then top = int(0.5 * (rows - H)), "
                "left = int(0.5 * (cols - W)).",
                detect=_blob_gives(*(_wrong_blob(resize=_learner_cover(rows_from_original=True, clamp=clamp))
                                     for clamp in (False, True))),
                example=_wrong_blob(resize=_learner_cover(rows_from_original=True, clamp=True))),
        Mistake("blob_from_image.crop_offsets_swapped",
                "your crop offsets are swapped: top comes from the rows, int(0.5 * (rows - H)), and "
                "left from the columns, int(0.5 * (cols - W)) (rows = resized.shape[0]).",
                detect=_blob_gives(_wrong_blob(resize=_resizer(cover=_offsets_swapped))),
                example=_wrong_blob(resize=_resizer(cover=_offsets_swapped))),
        Mistake("blob_from_image.crop_from_corner",
                "your crop starts at the top-left corner; blobFromImage cuts out the centre: "
                "top = int(0.5 * (rows - H)), left = int(0.5 * (cols - W)).",
                detect=_blob_gives(_wrong_blob(resize=_cover_with(offset=lambda leftover: 0))),
                example=_wrong_blob(resize=_cover_with(offset=lambda leftover: 0))),
        Mistake("blob_from_image.crop_offset_rounded_up",
                "your crop window is one pixel off where the number of rows or columns to cut is odd: "
                "OpenCV's top = int(0.5 * (rows - H)) rounds the half down (as (rows - H) // 2 does), "
                "while round() and math.ceil round it up.",
                detect=_blob_gives(_wrong_blob(resize=_cover_with(offset=lambda n: math.ceil(n / 2))),
                                   _wrong_blob(resize=_cover_with(offset=lambda n: round(n / 2))),
                                   _wrong_blob(resize=_cover_with(offset=lambda n: int(n / 2 + 0.5)))),
                example=_wrong_blob(resize=_cover_with(offset=lambda n: round(n / 2)))),
        Mistake("blob_from_image.crop_cut_then_resize",
                "you cut the centre out of the original image and then resized it; blobFromImage "
                "resizes first (fx = fy = f = max(W / w, H / h)) and then cuts the centre, which gives "
                "other pixels.",
                detect=_blob_gives(_wrong_blob(resize=_cut_then_resize(round)),
                                   _wrong_blob(resize=_cut_then_resize(int)),
                                   _wrong_blob(resize=_cut_then_resize(math.ceil))),
                example=_wrong_blob(resize=_cut_then_resize(round))),
        Mistake("blob_from_image.crop_own_dsize",
                "with crop=True, let cv2.resize compute the size from the factor, "
                "`cv2.resize(image, None, fx=f, fy=f)`, as OpenCV does; a size you compute yourself "
                "(round(w * f), ...) samples the pixels differently or comes out a pixel off.",
                detect=_blob_gives(*(_wrong_blob(resize=_own_dsize(rounding, factor))
                                     for rounding in (round, int, math.ceil) for factor in (np.float32, float))),
                example=_wrong_blob(resize=_own_dsize(round, float))),
        Mistake("blob_from_image.crop_factor_float64",
                "your crop is a pixel off on some sizes because f is computed in float64: OpenCV computes "
                "f = max(W / w, H / h) in float32, so use `f = float(np.float32(max(W / w, H / h)))`.",
                detect=_blob_gives(_wrong_blob(resize=_cover_with(factor=float))),
                example=_wrong_blob(resize=_cover_with(factor=float))),
        Mistake("blob_from_image.interpolation",
                "your resize uses another interpolation than blobFromImage's (cv2.INTER_LINEAR, the "
                "default of cv2.resize): leave `interpolation` out of cv2.resize.",
                detect=_blob_gives(*(_wrong_blob(resize=_resizer(
                    cover=lambda image, w, h, how=how: _cover(image, w, h, interpolation=how),
                    stretch_interpolation=how))
                    for how in (cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_CUBIC, cv2.INTER_LANCZOS4,
                                cv2.INTER_LINEAR_EXACT, cv2.INTER_NEAREST_EXACT))),
                example=_wrong_blob(resize=_resizer(
                    cover=lambda image, w, h: _cover(image, w, h, interpolation=cv2.INTER_AREA),
                    stretch_interpolation=cv2.INTER_AREA))),
        Mistake("blob_from_image.float_before_resize",
                "you converted to float before resizing. OpenCV resizes the uint8 image (which rounds "
                "to whole numbers) and converts afterwards; resize first, then astype(np.float32).",
                detect=_blob_gives(_wrong_blob(float_first=True)),
                example=_wrong_blob(float_first=True)),
        # The dtype, once the values are right.
        Mistake("blob_from_image.float64",
                "your blob is float64. Convert with `astype(np.float32)` (and keep the mean as "
                "float32): networks take float32.",
                detect=lambda run: _dtype_is(run, np.float64),
                example=_example_float64),
        Mistake("blob_from_image.not_float32",
                "your blob is not float32: convert the resized image with `astype(np.float32)` before "
                "the swap and the mean.",
                detect=lambda run: _dtype_is_not(run, np.float32),
                example=lambda image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False:
                    _RIGHT_BLOB(image, scalefactor, size, mean, swap_rb, crop).astype(np.float16)),
        # Errors on valid input.
        Mistake("blob_from_image.mean_tuple_as_array",
                SEQUENCE_MESSAGE.format(what="mean", first="mean"), on_error=_sequence_used_as_array,
                example=lambda image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False:
                    _RIGHT_BLOB(image, scalefactor, size, (0, 0, 0), swap_rb, crop)
                    - mean.reshape(1, 3, 1, 1) * scalefactor),
        Mistake("blob_from_image.size_none_resized",
                "size=None means: keep the image's own size. Skip the resize when size is None "
                "(cv2.resize cannot resize to None, and None has no width and height to unpack).",
                on_error=_size_none_resized, example=_example_size_none_resized),
        Mistake("blob_from_image.resize_factors_by_position",
                "cv2.resize got no fy, so it would scale the height by 0: pass both factors by name, "
                "`cv2.resize(image, None, fx=f, fy=f)` (the third positional argument of cv2.resize is "
                "dst, so `cv2.resize(image, None, f, f)` leaves fy at 0).",
                on_error=_factors_by_position,
                example=_wrong_blob(resize=_resizer(cover=_crop_factors_by_position))),
        Mistake("blob_from_image.float_slice",
                "`(rows - H) / 2` is a float, and a slice needs whole numbers: use "
                "top = int(0.5 * (rows - H)) (or (rows - H) // 2), and the same for left.",
                on_error=_float_slice, example=_wrong_blob(resize=_resizer(cover=_crop_float_slice))),
        Mistake("blob_from_image.cvtcolor_float64",
                "cv2.cvtColor takes uint8, uint16 or float32 images, not float64: swap the channels with "
                "`x[..., ::-1]`, or convert to float32 first (the blob is float32 anyway).",
                on_error=_cvtcolor_float64, example=_wrong_blob(swap=_swap_with_cvtcolor_in_float64)),
        Mistake("blob_from_image.cvtcolor_channels_first",
                "cv2.cvtColor needs an (H, W, 3) image with the channels last: swap the channels before "
                "the transpose (or reverse axis 1 of the blob, `blob[:, ::-1]`).",
                on_error=_cvtcolor_channels_first, example=_example_cvtcolor_blob),
        Mistake("blob_from_image.float_dsize",
                "cv2.resize's size must be two whole numbers, not floats; with crop=True you need no size "
                "at all: `cv2.resize(image, None, fx=f, fy=f)` computes it as OpenCV does.",
                on_error=_float_dsize, example=_wrong_blob(resize=_resizer(cover=_crop_float_dsize))),
    ],
))


# --------------------------------------------------------------------------- #
# normalize_blob
# --------------------------------------------------------------------------- #
IMAGENET_MEAN_01 = (0.485, 0.456, 0.406)
IMAGENET_STD_01 = (0.229, 0.224, 0.225)


def _normalize_cases():
    rng = np.random.default_rng(1)
    unit = lambda *shape: rng.random(shape, dtype=np.float32)  # noqa: E731
    return [
        Case("a (2, 3, 4, 3) blob (2 images, 3 channels, 4 rows, 3 columns) in [0, 1] with the ImageNet "
             "mean and std", (unit(2, 3, 4, 3), IMAGENET_MEAN_01, IMAGENET_STD_01), rule="axis1"),
        Case("a (1, 3, 5, 6) blob with mean (0.5, 0.25, 0) and std (0.25, 0.5, 2)",
             (unit(1, 3, 5, 6), (0.5, 0.25, 0.0), (0.25, 0.5, 2.0)), rule="formula"),
        Case("a (1, 3, 2, 4) blob with mean (0.1, 0.5, 0.9) and std (1, 2, 4): channel 0 uses mean[0] and std[0]",
             (unit(1, 3, 2, 4), (0.1, 0.5, 0.9), (1.0, 2.0, 4.0)), rule="order"),
        Case("a (3, 3, 2, 2) blob with mean and std given as lists",
             (unit(3, 3, 2, 2), [0.1, 0.2, 0.3], [0.5, 1.0, 1.5]), rule="sequence"),
        Case("a (1, 3, 4, 4) blob in 0-255 units with mean (123.675, 116.28, 103.53) and std (58.395, 57.12, 57.375)",
             (unit(1, 3, 4, 4) * 255, (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)), rule="units"),
        Case("a (1, 3, 2, 5) float64 blob (the result must still be float32)",
             (unit(1, 3, 2, 5).astype(np.float64), IMAGENET_MEAN_01, IMAGENET_STD_01), rule="float32"),
        Case("a (2, 3, 3, 2) blob, which must come back unchanged (the result is a new array)",
             (unit(2, 3, 3, 2), IMAGENET_MEAN_01, IMAGENET_STD_01), rule="new"),
    ]


def _per_channel(op, *, reverse=False, swap=False):
    """A wrong normalize_blob: ``op(blob, mean, std)`` with mean and std as (1, 3, 1, 1) float32."""

    def normalize(blob, mean, std):
        m = np.asarray(mean, np.float32)[::-1 if reverse else 1].reshape(1, 3, 1, 1)
        s = np.asarray(std, np.float32)[::-1 if reverse else 1].reshape(1, 3, 1, 1)
        if swap:
            m, s = s, m
        return op(blob.astype(np.float32), m, s)

    return normalize


def _along_the_width(blob, mean, std):
    return (blob - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)


def _std_along_the_width(blob, mean, std):
    return (blob - np.asarray(mean, np.float32).reshape(1, 3, 1, 1)) / np.asarray(std, np.float32)


def _mean_along_the_width(blob, mean, std):
    return (blob - np.asarray(mean, np.float32)) / np.asarray(std, np.float32).reshape(1, 3, 1, 1)


def _first_image_only(run) -> bool:
    expected = run.expected
    return expected.shape[0] > 1 and _same_values(expected[:1], run.got, 1e-5)


def _own_statistics(axis):
    def normalize(blob, mean, std):
        return (blob - blob.mean(axis=axis, keepdims=True)) / blob.std(axis=axis, keepdims=True)

    return normalize


def _imagenet_always(blob, mean, std):
    return _per_channel(lambda x, m, s: (x - m) / s)(blob, IMAGENET_MEAN_01, IMAGENET_STD_01)


def _imagenet_255_always(blob, mean, std):
    return _per_channel(lambda x, m, s: (x - m) / s)(blob, np.multiply(IMAGENET_MEAN_01, 255),
                                                     np.multiply(IMAGENET_STD_01, 255))


def _normalize_gives(*wrong_answers):
    return _gives(*wrong_answers, atol=1e-5)


def _right_normalize(blob, mean, std):
    return _per_channel(lambda x, m, s: (x - m) / s)(blob, mean, std)


def _does_not_broadcast(exc, case) -> bool:
    return isinstance(exc, ValueError) and "could not be broadcast" in str(exc)


def _batch_indexed_as_channels(exc, case) -> bool:
    """``blob[c]`` for c = 0, 1, 2 on a blob of fewer than 3 images ("... for axis 0 with size 2")."""
    images = case.args[0].shape[0]
    return (isinstance(exc, IndexError) and images < 3
            and f"out of bounds for axis 0 with size {images}" in str(exc))


def _example_height_broadcast(blob, mean, std):
    return ((blob - np.float32(mean)[:, None]) / np.float32(std)[:, None]).astype(np.float32)


def _batch_loop_guarded(blob, mean, std):
    """``blob[c]`` for the channels, on as many of the first three images as the batch has."""
    out = blob.astype(np.float32)
    for c in range(min(3, out.shape[0])):
        out[c] = (out[c] - mean[c]) / std[c]
    return out


def _example_batch_loop(blob, mean, std):
    out = blob.astype(np.float32)
    for c in range(3):
        out[c] = (out[c] - mean[c]) / std[c]
    return out


register(Exercise(
    name="normalize_blob",
    notebook=NOTEBOOK,
    reference=normalize_blob,
    cases=_normalize_cases,
    summary="per-channel (blob - mean) / std on an (N, 3, H, W) blob",
    rules={
        "formula": "per-channel (blob - mean) / std on an (N, 3, H, W) blob",
        "float32": "returning a new float32 array",
        "new": "returning a new",
        "axis1": "The channels are axis 1",
        "sequence": "three numbers each (a tuple or a list)",
        "order": "in the blob's channel order",
        "units": "in the blob's own units",
    },
    hint=(
        """
        This is NumPy broadcasting: mean and std must line up with the channels, which are axis 1
        of an (N, 3, H, W) blob. A (3,) array lines up with the LAST axis (the width) instead.
        """,
        """
        Turn mean and std into float32 arrays of shape (1, 3, 1, 1): one value per channel, and
        size-1 axes that broadcast over the images, rows and columns. Then apply the formula to
        the whole blob at once (no loop) and return float32, even for a float64 blob.
        """,
        """
        `mean = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)`, the same for std; then
        `(blob - mean) / std` is a new array. A float64 blob still gives float64 there: convert
        the blob (or the result) with astype(np.float32).
        """,
    ),
    mistakes=[
        Mistake("normalize_blob.along_the_width",
                "your mean and std were applied along the last axis (the width), not the channels. "
                "A (3,) array broadcasts against the last axis: reshape it to (1, 3, 1, 1).",
                detect=_normalize_gives(_along_the_width),
                example=lambda blob, mean, std: (blob - np.array(mean)) / np.array(std)),
        Mistake("normalize_blob.std_along_the_width",
                "your mean is per channel, but your std was applied along the last axis (the width): "
                "reshape std to (1, 3, 1, 1) too.",
                detect=_normalize_gives(_std_along_the_width), example=_std_along_the_width),
        Mistake("normalize_blob.mean_along_the_width",
                "your std is per channel, but your mean was applied along the last axis (the width): "
                "reshape mean to (1, 3, 1, 1) too.",
                detect=_normalize_gives(_mean_along_the_width), example=_mean_along_the_width),
        Mistake("normalize_blob.first_image_only",
                "your result holds only the first image of the batch: normalise all N images (with mean "
                "and std reshaped to (1, 3, 1, 1), the whole blob at once).",
                detect=_first_image_only,
                example=lambda blob, mean, std: _right_normalize(blob[:1], mean, std)),
        Mistake("normalize_blob.batch_axis_dropped",
                "your result has lost the batch axis: it is (3, H, W). Return (N, 3, H, W), like the blob, "
                "with every image normalised (mean and std reshaped to (1, 3, 1, 1)).",
                detect=lambda run: np.shape(run.got) == run.expected.shape[1:],
                example=lambda blob, mean, std: _right_normalize(blob, mean, std)[0]),
        Mistake("normalize_blob.one_number",
                "you used one number for all three channels; mean and std have one number per channel: "
                "reshape each to (1, 3, 1, 1), so that channel c uses mean[c] and std[c].",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m.mean()) / s.mean()),
                                        _per_channel(lambda x, m, s: (x - m.flat[0]) / s.flat[0])),
                example=lambda blob, mean, std: ((blob - np.mean(mean)) / np.mean(std)).astype(np.float32)),
        Mistake("normalize_blob.divided_by_variance",
                "you divided by std squared (the variance); divide by std itself: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m) / s ** 2)),
                example=_per_channel(lambda x, m, s: (x - m) / s ** 2)),
        Mistake("normalize_blob.divided_by_sqrt_std",
                "you divided by the square root of std; std is already a standard deviation (the square "
                "root of the variance): divide by std itself, (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m) / np.sqrt(s))),
                example=_per_channel(lambda x, m, s: (x - m) / np.sqrt(s))),
        Mistake("normalize_blob.multiplied_by_std",
                "you multiplied by std; normalising divides: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m) * s)),
                example=_per_channel(lambda x, m, s: (x - m) * s)),
        Mistake("normalize_blob.divided_before_subtracting",
                "you divided by std before subtracting the mean; the order is (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: x / s - m)),
                example=_per_channel(lambda x, m, s: x / s - m)),
        Mistake("normalize_blob.mean_and_std_swapped",
                "you swapped mean and std: the result is (blob - std) / mean. Subtract the mean, then "
                "divide by the std: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m) / s, swap=True)),
                example=lambda blob, mean, std: _right_normalize(blob, std, mean)),
        Mistake("normalize_blob.precedence",
                "`blob - mean / std` divides only the mean (division binds tighter than subtraction): "
                "write (blob - mean) / std, with the brackets.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: x - m / s)),
                example=_per_channel(lambda x, m, s: x - m / s)),
        Mistake("normalize_blob.channels_reversed",
                "your channels are in the reverse order: mean and std are given in the blob's "
                "channel order, so channel 0 uses mean[0] and std[0].",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x - m) / s, reverse=True)),
                example=_per_channel(lambda x, m, s: (x - m) / s, reverse=True)),
        Mistake("normalize_blob.std_ignored",
                "you subtracted the mean but did not divide by std: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: x - m)),
                example=_per_channel(lambda x, m, s: x - m)),
        Mistake("normalize_blob.mean_ignored",
                "you divided by std but did not subtract the mean first: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: x / s)),
                example=_per_channel(lambda x, m, s: x / s)),
        Mistake("normalize_blob.units_changed",
                "you converted between 0-1 and 0-255 units (a 255 in your code): mean and std are given "
                "in the blob's own units, so use them as they are: (blob - mean) / std.",
                detect=_normalize_gives(_per_channel(lambda x, m, s: (x / 255 - m) / s),
                                        _per_channel(lambda x, m, s: (x - m * 255) / (s * 255)),
                                        _per_channel(lambda x, m, s: (x - m) / s / 255),
                                        _per_channel(lambda x, m, s: (x * 255 - m) / s)),
                example=_per_channel(lambda x, m, s: (x / 255 - m) / s)),
        Mistake("normalize_blob.imagenet_constants",
                "your function ignores the mean and std it is given and uses ImageNet's numbers: use "
                "the arguments.",
                detect=_normalize_gives(_imagenet_always, _imagenet_255_always),
                example=_imagenet_always),
        Mistake("normalize_blob.own_statistics",
                "you normalised with the blob's own mean and std; use the mean and std you are given "
                "(the training set's statistics, the same for every image).",
                detect=_normalize_gives(*(_own_statistics(axis) for axis in ((0, 2, 3), (2, 3), None))),
                example=_own_statistics((0, 2, 3))),
        Mistake("normalize_blob.channels_last",
                "your result is channels-last (N, H, W, 3): move the channels back to axis 1 "
                "(`np.moveaxis(x, -1, 1)`), so that it has the blob's shape (N, 3, H, W).",
                detect=lambda run: _same_values(np.moveaxis(run.expected, 1, -1), run.got, 1e-5),
                example=lambda blob, mean, std: np.moveaxis(_right_normalize(blob, mean, std), 1, -1)),
        Mistake("normalize_blob.channels_stacked_first",
                "your result has the channels on axis 0 and the images on axis 1: stack the normalised "
                "channels on axis 1 (`np.stack(planes, axis=1)`), to keep (N, 3, H, W).",
                detect=lambda run: _same_values(np.swapaxes(run.expected, 0, 1), run.got, 1e-5),
                example=lambda blob, mean, std: np.stack(
                    [(blob[:, c] - mean[c]) / std[c] for c in range(3)]).astype(np.float32)),
        Mistake("normalize_blob.float64",
                "your result is float64: NumPy promotes when mean or std (or the blob) are float64. "
                "Make them float32, or cast the result with astype(np.float32).",
                detect=lambda run: _dtype_is(run, np.float64),
                example=lambda blob, mean, std: (blob - np.array(mean)[None, :, None, None])
                / np.array(std)[None, :, None, None]),
        Mistake("normalize_blob.not_float32",
                "your result is not float32: cast it with astype(np.float32).",
                detect=lambda run: _dtype_is_not(run, np.float32),
                example=lambda blob, mean, std: _right_normalize(blob, mean, std).astype(np.float16)),
        Mistake("normalize_blob.tuple_as_array",
                SEQUENCE_MESSAGE.format(what="mean (or std)", first="mean"), on_error=_sequence_used_as_array,
                example=lambda blob, mean, std: ((blob - mean[:, None, None]) / std[:, None, None]).astype(np.float32)),
        Mistake("normalize_blob.does_not_broadcast",
                "your mean or std does not line up with the channels, so NumPy cannot broadcast it: the "
                "channels are axis 1 of the (N, 3, H, W) blob, while NumPy lines a (3,) array up with "
                "the last axis and a (3, 1) array with the last two. Reshape mean and std to (1, 3, 1, 1).",
                on_error=_does_not_broadcast, example=_example_height_broadcast),
        Mistake("normalize_blob.batch_axis_as_channels",
                "you indexed axis 0 as if it held the channels; it holds the images. In an (N, 3, H, W) "
                "blob the channels are axis 1: channel c is `blob[:, c]`.",
                on_error=_batch_indexed_as_channels, detect=_normalize_gives(_batch_loop_guarded),
                example=_example_batch_loop),
    ],
))


# --------------------------------------------------------------------------- #
# blob_to_image
# --------------------------------------------------------------------------- #
def _to_image_cases():
    rng = np.random.default_rng(2)
    quarters = (rng.integers(0, 256, (1, 3, 4, 5)) + rng.choice([0.25, 0.75], (1, 3, 4, 5))).clip(0, 255)
    steps = np.arange(-20, 280, 0.25)
    steps = steps[steps % 1 != 0.5]  # no halves: "round" is silent on ties
    return [
        Case("a blob of a (5, 7) image made with the default arguments: a (5, 7, 3) uint8 image",
             (blob_from_image(_image(rng, 5, 7)),), rule="uint8"),
        Case("a blob of a (4, 9) image: (1, 3, 4, 9) -> (4, 9, 3)", (blob_from_image(_image(rng, 4, 9)),),
             rule="layout"),
        Case("a blob with values from -20 to 279.75 in steps of 0.25 (round, then clip to 0-255)",
             (steps.astype(np.float32).reshape(1, 3, 20, -1),), rule="clip"),
        Case("a blob with values like 12.75 and 12.25 (round to the nearest whole number)",
             (quarters.astype(np.float32),), rule="round"),
        Case("a blob made with scalefactor 1/255",
             (blob_from_image(_image(rng, 4, 6), 1 / 255),), {"scalefactor": 1 / 255}, rule="scale"),
        Case("a blob made with mean (104, 117, 123)",
             (blob_from_image(_image(rng, 6, 4), mean=(104, 117, 123)),), {"mean": (104, 117, 123)},
             rule="mean"),
        Case("a blob made with swap_rb=True",
             (blob_from_image(_image(rng, 5, 6), swap_rb=True),), {"swap_rb": True}, rule="swap"),
        Case("a blob made with swap_rb=True, mean (123.675, 116.28, 103.53) and scalefactor 1/58",
             (blob_from_image(_image(rng, 5, 5), 1 / 58, mean=(123.675, 116.28, 103.53), swap_rb=True),),
             {"mean": (123.675, 116.28, 103.53), "scalefactor": 1 / 58, "swap_rb": True}, rule="mean"),
        Case("a (3, H, W) blob without the batch axis", (blob_from_image(_image(rng, 3, 4))[0],),
             rule="batch"),
        Case("a (1, 3, 1, 6) blob of a one-row image (drop only the batch axis, not the row axis)",
             (blob_from_image(_image(rng, 1, 6)),), rule="batch"),
        Case("a (1, 3, 5, 1) blob of a one-column image (drop only the batch axis)",
             (blob_from_image(_image(rng, 5, 1)),), rule="batch"),
        Case("a (3, 1, 4) blob of a one-row image, without the batch axis",
             (blob_from_image(_image(rng, 1, 4))[0],), rule="batch"),
    ]


_LAYOUTS = {"transpose": lambda chw: chw.transpose(1, 2, 0),
            "reshape": lambda chw: chw.reshape(chw.shape[1:] + (3,)),
            "transpose_hw": lambda chw: chw.transpose(2, 1, 0)}
_UNSCALE = {"divide": lambda x, s: x / s, "multiply": lambda x, s: x * s, "ignore": lambda x, s: x,
            "times_255": lambda x, s: x * 255}
_UNMEAN = {"add": lambda x, m: x + m, "subtract": lambda x, m: x - m, "ignore": lambda x, m: x,
           "reversed": lambda x, m: x + m[::-1]}
_SWAP_BACK = {**{f"order_{''.join(map(str, order))}": _reordered(order) for order in _OTHER_ORDERS},
              "back": lambda x, swap_rb: x[..., ::-1] if swap_rb else x,
              "never": lambda x, swap_rb: x,
              "always": lambda x, swap_rb: x[..., ::-1],
              "rows": lambda x, swap_rb: x[::-1] if swap_rb else x,
              "columns": lambda x, swap_rb: x[:, ::-1] if swap_rb else x}


def _undo(*, layout="transpose", scale="divide", mean_step="add", swap="back", mean_after_swap=False,
          mean_first=False, rounding=np.rint, clip=True, convert="astype"):
    """A blob_to_image with the steps named here (keys of the tables above) instead of the right ones.

    ``mean_after_swap`` swaps back before the mean; ``mean_first`` adds the mean before unscaling.
    """

    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _LAYOUTS[layout](blob.reshape(blob.shape[-3:]))
        m = np.asarray(mean, np.float32)
        x = _UNSCALE[scale](x + m if mean_first else x, scalefactor)
        if mean_first:
            m = np.zeros(3, np.float32)
        if mean_after_swap:
            x = _UNMEAN[mean_step](_SWAP_BACK[swap](x, swap_rb), m)
        else:
            x = _SWAP_BACK[swap](_UNMEAN[mean_step](x, m), swap_rb)
        if convert == "abs":
            return cv2.convertScaleAbs(np.ascontiguousarray(x, np.float32))
        x = rounding(x)
        if clip:
            x = np.clip(x, 0, 255)
        return x.astype(np.uint8)

    return blob_to_image


def _stretched(rounding, unscale_first):
    """blob_to_image that fills 0..255 with a min-max stretch."""

    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0)
        if unscale_first:
            x = x / scalefactor + np.asarray(mean, np.float32)
        x = (x - x.min()) / (x.max() - x.min()) * 255
        return rounding(x[..., ::-1] if swap_rb else x).astype(np.uint8)

    return blob_to_image


def _cv2_min_max(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / np.float32(scalefactor) + np.asarray(mean, np.float32)
    x = np.ascontiguousarray(x[..., ::-1] if swap_rb else x, np.float32)
    return cv2.normalize(x, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)


_MIN_MAX_STRETCHES = tuple(_stretched(rounding, first) for first in (False, True)
                           for rounding in (np.rint, lambda x: x)) + (_cv2_min_max,)


def _clipped_to_unit_then_255(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.asarray(mean, np.float32)
    x = np.clip(x[..., ::-1] if swap_rb else x, 0, 1) * 255
    return np.rint(x).astype(np.uint8)


def _image_gives(*wrong_answers):
    return _gives(*wrong_answers, atol=1e-6)


def _fails_without_batch_axis(exc, case) -> bool:
    """Any exception on the (3, H, W) case: the (1, 3, H, W) cases before it all passed."""
    blob = case.args[0] if case.args else None
    return getattr(blob, "ndim", None) == 3


def _one_pixel_axis(case) -> bool:
    """The case's blob has a row or a column of one pixel (an axis of size 1 besides the batch)."""
    blob = case.args[0] if case.args else None
    return getattr(blob, "ndim", 0) >= 3 and 1 in blob.shape[-2:]


def _squeezed(run) -> bool:
    return _one_pixel_axis(run.case) and np.ndim(run.got) < 3


def _squeezed_error(exc, case) -> bool:
    """np.squeeze dropped the size-1 row or column too, and the transpose no longer fits."""
    return _one_pixel_axis(case) and isinstance(exc, (ValueError, IndexError))


def _example_squeezed(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = np.squeeze(blob).transpose(1, 2, 0) / scalefactor + np.float32(mean)
    x = x[..., ::-1] if swap_rb else x
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _example_drops_axis_twice(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob[0].transpose(1, 2, 0) / scalefactor + np.float32(mean)
    x = x[..., ::-1] if swap_rb else x
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _example_cvtcolor_float64_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.array(mean, np.float64)
    if swap_rb:
        x = cv2.cvtColor(x, cv2.COLOR_RGB2BGR)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _example_cvtcolor_chw(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob.reshape(blob.shape[-3:]) / np.float32(scalefactor) + np.float32(mean).reshape(3, 1, 1)
    if swap_rb:
        x = cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2BGR)
    return np.clip(np.rint(x.transpose(1, 2, 0)), 0, 255).astype(np.uint8)


def _example_float_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
    x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean)
    return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255)


register(Exercise(
    name="blob_to_image",
    notebook=NOTEBOOK,
    reference=blob_to_image,
    cases=_to_image_cases,
    summary="undo a blob: (1, 3, H, W) float32 back to an (H, W, 3) uint8 BGR image",
    rules={
        "uint8": "returning an (H, W, 3) uint8 BGR image",
        "batch": "blob is (1, 3, H, W), or (3, H, W) without the batch axis",
        "layout": "(3, H, W) -> (H, W, 3)",
        "scale": "divide by scalefactor",
        "mean": "add the mean (still in the blob's channel order)",
        "swap": "swap the channels back",
        "round": "then round",
        "clip": "clip to 0-255",
    },
    hint=(
        """
        Run blob_from_image backwards, undoing its last step first: the batch axis, the channels
        first, the scale, the mean, the swap. Then turn the floats into valid uint8 pixels.
        """,
        """
        In order: drop the batch axis if there is one; (3, H, W) -> (H, W, 3); divide by
        scalefactor; add the mean (it is in the blob's channel order, so add it BEFORE swapping
        back); reverse the channels if swap_rb; round, clip to 0..255, convert to uint8.
        Without the clip, -1 wraps around to 255.
        """,
        """
        `blob.reshape(blob.shape[-3:])` drops a batch axis of 1 and leaves a (3, H, W) blob as it
        is; `x.transpose(1, 2, 0)` puts the channels last (reshape would mix the pixels up);
        finish with np.rint, then np.clip(..., 0, 255), then astype(np.uint8).
        """,
    ),
    mistakes=[
        # The layout, by shape alone.
        Mistake("blob_to_image.channels_first",
                "your image is still channels-first (3, H, W); transpose it to (H, W, 3).",
                detect=lambda run: _shape(run) == tuple(run.expected.shape[i] for i in (2, 0, 1)),
                example=lambda blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False:
                    np.clip(np.rint(blob.reshape(blob.shape[-3:]) / scalefactor
                                    + np.float32(mean).reshape(3, 1, 1)), 0, 255).astype(np.uint8)),
        Mistake("blob_to_image.batch_axis_kept",
                "your image still has the batch axis; return (H, W, 3), e.g. `blob[0]` first.",
                detect=lambda run: _shape(run) == (1,) + run.expected.shape,
                example=lambda blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False:
                    _undo()(blob, mean, scalefactor, swap_rb)[np.newaxis]),
        # The layout, by the values.
        Mistake("blob_to_image.reshape_not_transpose",
                "you reshaped (3, H, W) to (H, W, 3); reshape keeps the values in memory order, so the "
                "pixels get mixed up. Move the axes instead: `x.transpose(1, 2, 0)`.",
                detect=_image_gives(_undo(layout="reshape")), example=_undo(layout="reshape")),
        Mistake("blob_to_image.transposed_height_width",
                "your image is (W, H, 3): `transpose(2, 1, 0)` (or x.T) swaps the height and the width "
                "too. Use `x.transpose(1, 2, 0)`.",
                detect=_image_gives(_undo(layout="transpose_hw")), example=_undo(layout="transpose_hw")),
        # The values.
        Mistake("blob_to_image.swap_always",
                "you swapped the channels although swap_rb=False: swap back only when the blob was made "
                "with swap_rb=True.",
                detect=_image_gives(_undo(swap="always")), example=_undo(swap="always")),
        Mistake("blob_to_image.swap_flips_image",
                "with swap_rb=True your image comes out flipped, not its channels reversed: the channels "
                "are the last axis of (H, W, 3), `x[..., ::-1]`; `x[::-1]` flips the picture upside "
                "down and `x[:, ::-1]` left to right.",
                detect=_image_gives(_undo(swap="rows"), _undo(swap="columns")), example=_undo(swap="rows")),
        Mistake("blob_to_image.swap_wrong_order",
                "with swap_rb=True the channels must be reversed back, R, G, B -> B, G, R "
                "(`x[..., ::-1]` or `x[..., [2, 1, 0]]`); your order moves them another way.",
                detect=_image_gives(*(_undo(swap=f"order_{''.join(map(str, order))}") for order in _OTHER_ORDERS)),
                example=_undo(swap="order_201")),
        Mistake("blob_to_image.swap_missing",
                "with swap_rb=True the blob is RGB: swap the channels back (x[..., ::-1]) to get BGR.",
                detect=_image_gives(_undo(swap="never")), example=_undo(swap="never")),
        Mistake("blob_to_image.mean_after_swap",
                "you swapped the channels back before adding the mean. The mean is in the blob's "
                "(swapped) order: add it first, then swap back.",
                detect=_image_gives(_undo(mean_after_swap=True)), example=_undo(mean_after_swap=True)),
        Mistake("blob_to_image.multiplied_by_scalefactor",
                "you multiplied by scalefactor; undoing a multiplication divides: blob / scalefactor + mean.",
                detect=_image_gives(_undo(scale="multiply")), example=_undo(scale="multiply")),
        Mistake("blob_to_image.scalefactor_ignored",
                "your image ignores scalefactor: the blob was multiplied by it, so divide by it: "
                "blob / scalefactor + mean.",
                detect=_image_gives(_undo(scale="ignore")), example=_undo(scale="ignore")),
        Mistake("blob_to_image.mean_before_divide",
                "you added the mean before dividing by scalefactor. The blob is (pixel - mean) * "
                "scalefactor, so undo it the other way round: blob / scalefactor + mean.",
                detect=_image_gives(_undo(mean_first=True)), example=_undo(mean_first=True)),
        Mistake("blob_to_image.mean_subtracted",
                "you subtracted the mean again; undoing a subtraction adds: blob / scalefactor + mean.",
                detect=_image_gives(_undo(mean_step="subtract")), example=_undo(mean_step="subtract")),
        Mistake("blob_to_image.mean_reversed",
                "your mean is added in reverse channel order: it is in the blob's order, so the blob's "
                "channel 0 gets mean[0] (add it before swapping back).",
                detect=_image_gives(_undo(mean_step="reversed")), example=_undo(mean_step="reversed")),
        Mistake("blob_to_image.mean_ignored",
                "your image ignores the mean: the blob had it subtracted, so add it back: "
                "blob / scalefactor + mean.",
                detect=_image_gives(_undo(mean_step="ignore")), example=_undo(mean_step="ignore")),
        # after every other value mistake: a saturated image says little about its cause
        Mistake("blob_to_image.times_255",
                "you treated the values as 0-1 and multiplied by 255 (whatever scalefactor was, or after "
                "clipping to 0..1): undo the blob's own recipe instead, blob / scalefactor + mean, then round "
                "and clip to 0..255.",
                detect=_image_gives(_undo(scale="times_255"), _clipped_to_unit_then_255),
                example=_undo(scale="times_255")),
        # Rounding and clipping.
        Mistake("blob_to_image.astype_only",
                "astype(np.uint8) alone neither rounds nor clips: 12.75 becomes 12 and -1 wraps around "
                "to 255. Round with np.rint, clip to 0..255, then convert.",
                detect=_image_gives(_undo(rounding=lambda x: x, clip=False)),
                example=_undo(rounding=lambda x: x, clip=False)),
        Mistake("blob_to_image.no_clip",
                "values outside 0..255 wrap around (-1 becomes 255, 256 becomes 0): np.clip to 0..255 "
                "before astype(np.uint8).",
                detect=_image_gives(_undo(clip=False), _undo(rounding=lambda x: x + 0.5, clip=False)),
                example=_undo(clip=False)),
        Mistake("blob_to_image.truncates",
                "astype(np.uint8) truncates (12.75 becomes 12): round with np.rint first.",
                detect=_image_gives(_undo(rounding=np.trunc), _undo(rounding=np.floor)),
                example=_undo(rounding=np.trunc)),
        Mistake("blob_to_image.absolute_values",
                "cv2.convertScaleAbs takes the absolute value, so -3 becomes 3 instead of 0: use "
                "`np.clip(np.rint(x), 0, 255).astype(np.uint8)`.",
                detect=_image_gives(_undo(convert="abs")), example=_undo(convert="abs")),
        Mistake("blob_to_image.min_max_stretch",
                "you stretched the values to fill 0..255 (min-max, as cv2.normalize with NORM_MINMAX "
                "does); undo the blob's own recipe instead, blob / scalefactor + mean, so that every "
                "pixel gets its own value back.",
                detect=_image_gives(*_MIN_MAX_STRETCHES), example=_MIN_MAX_STRETCHES[0]),
        # The dtype, once the values are right.
        Mistake("blob_to_image.not_uint8",
                "your image is not uint8: after rounding and clipping to 0..255, convert with "
                "astype(np.uint8) (cv2.imshow and matplotlib read floats differently from 0-255 integers).",
                detect=lambda run: _dtype_is_not(run, np.uint8), example=_example_float_image),
        # Errors on valid input.
        Mistake("blob_to_image.cvtcolor_float64",
                "cv2.cvtColor takes uint8, uint16 or float32 images, not float64: swap the channels with "
                "`x[..., ::-1]`, or convert to float32 first.",
                on_error=_cvtcolor_float64, example=_example_cvtcolor_float64_image),
        Mistake("blob_to_image.cvtcolor_channels_first",
                "cv2.cvtColor needs an (H, W, 3) image with the channels last: transpose the blob to "
                "(H, W, 3) first, then swap.",
                on_error=_cvtcolor_on_chw_blob, example=_example_cvtcolor_chw),
        Mistake("blob_to_image.squeezed_size_one_axes",
                "np.squeeze (or .squeeze()) drops every axis of size 1, so a one-row or one-column image "
                "loses its row or column axis too: drop only the batch axis, `blob[0]` when blob.ndim == 4 "
                "(or `blob.reshape(blob.shape[-3:])`).",
                detect=_squeezed, on_error=_squeezed_error, example=_example_squeezed),
        Mistake("blob_to_image.mean_tuple_as_array",
                SEQUENCE_MESSAGE.format(what="mean", first="mean"), on_error=_sequence_used_as_array,
                example=lambda blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False:
                    _undo(mean_step="ignore")(blob + mean.reshape(3, 1, 1) * scalefactor, (0, 0, 0), scalefactor,
                                              swap_rb)),
        Mistake("blob_to_image.fails_without_batch_axis",
                "a (3, H, W) blob has no batch axis to drop: drop it only when there is one "
                "(`blob.reshape(blob.shape[-3:])` gives (3, H, W) for both).",
                on_error=_fails_without_batch_axis, example=_example_drops_axis_twice),
    ],
))
