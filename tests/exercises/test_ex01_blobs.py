"""Notebook 01 checks reject the blobs learners really get wrong, naming the mistake, and accept
correct variants written differently from the reference."""
import math

import cv2
import numpy as np
import pytest

from helpers import check

from .conftest import assert_accepted, assert_rejected

BLOB = "blob_from_image"
NORM = "normalize_blob"
UNDO = "blob_to_image"


# --------------------------------------------------------------------------- #
# blob_from_image: wrong answers, written the way learners write them
# --------------------------------------------------------------------------- #
def _resize(image, size, crop):
    """The resize step done right, shared by the wrong answers below that get it right."""
    h, w = image.shape[:2]
    if size is None or tuple(size) == (w, h):
        return image
    if not crop:
        return cv2.resize(image, size)
    f = float(np.float32(max(size[0] / w, size[1] / h)))
    big = cv2.resize(image, None, fx=f, fy=f)
    y, x = (big.shape[0] - size[1]) // 2, (big.shape[1] - size[0]) // 2
    return big[y:y + size[1], x:x + size[0]]


def _crop_with(image, size, crop, *, offset=lambda n: n // 2, factor=lambda f: float(np.float32(f)), **resize):
    """The resize step with the crop's offset or factor written another way."""
    h, w = image.shape[:2]
    if size is None or tuple(size) == (w, h):
        return image
    if not crop:
        return cv2.resize(image, size)
    f = factor(max(size[0] / w, size[1] / h))
    big = cv2.resize(image, None, fx=f, fy=f, **resize)
    y, x = offset(big.shape[0] - size[1]), offset(big.shape[1] - size[0])
    return big[y:y + size[1], x:x + size[0]]


def _finish(x, scalefactor, mean, swap_rb):
    """Steps 2-4 done right on a resized (H, W, 3) image."""
    x = x.astype(np.float32)
    if swap_rb:
        x = x[..., ::-1]
    return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]


def test_blob_mean_subtracted_before_the_swap():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32) - np.array(mean, np.float32)
        if swap_rb:
            x = x[:, :, [2, 1, 0]]
        return (x * scalefactor).astype(np.float32).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "after the swap", mistake="blob_from_image.mean_before_swap")


def test_blob_mean_reversed_to_match_the_swap():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb:
            x = x[..., ::-1]
            mean = mean[::-1]  # "the mean must follow the channels"
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "reversing the mean", mistake="blob_from_image.mean_before_swap")


def test_blob_mean_always_reversed():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, tuple(mean)[::-1], swap_rb)
    assert_rejected(BLOB, blob_from_image, "reverse channel order", mistake="blob_from_image.mean_reversed")


def test_blob_reshape_in_float64_names_the_reshape_first():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        img = _resize(image, size, crop) * 1.0
        img = img[..., ::-1] if swap_rb else img
        h, w = img.shape[:2]
        return ((img - np.array(mean)) * scalefactor).reshape(1, 3, h, w)
    assert_rejected(BLOB, blob_from_image, "reshape", mistake="blob_from_image.reshape_not_transpose")


def test_blob_hwc_instead_of_chw():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb:
            x = x[..., ::-1]
        return ((x - np.float32(mean)) * np.float32(scalefactor))[np.newaxis]
    assert_rejected(BLOB, blob_from_image, "channels-last", "transpose(2, 0, 1)",
                    mistake="blob_from_image.channels_last")


def test_blob_without_batch_axis():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        return np.moveaxis((x - np.float32(mean)) * np.float32(scalefactor), -1, 0)
    assert_rejected(BLOB, blob_from_image, "no batch axis", mistake="blob_from_image.no_batch_axis")


def test_blob_left_as_an_image():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return (x - np.float32(mean)) * np.float32(scalefactor)
    assert_rejected(BLOB, blob_from_image, "(H, W, 3)", "transpose(2, 0, 1)", mistake="blob_from_image.image_layout")


@pytest.mark.parametrize("layout", [
    lambda x: x.reshape(1, 3, x.shape[0], x.shape[1]),
    lambda x: np.reshape(x, (1, 3) + x.shape[:2]),
    lambda x: x.reshape(3, x.shape[0], x.shape[1])[np.newaxis],
], ids=["reshape", "np_reshape", "reshape_then_newaxis"])
def test_blob_reshape_instead_of_transpose(layout):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return layout((x - np.float32(mean)) * np.float32(scalefactor))
    assert_rejected(BLOB, blob_from_image, "reshape", "transpose(2, 0, 1)",
                    mistake="blob_from_image.reshape_not_transpose")


@pytest.mark.parametrize("layout", [lambda x: x.T[None], lambda x: np.swapaxes(x, 0, 2)[None],
                                    lambda x: x.transpose(2, 1, 0)[np.newaxis]],
                         ids=["dot_T", "swapaxes", "transpose_210"])
def test_blob_transpose_that_swaps_height_and_width(layout):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return layout((x - np.float32(mean)) * np.float32(scalefactor))
    assert_rejected(BLOB, blob_from_image, "(1, 3, W, H)", mistake="blob_from_image.transposed_height_width")


def test_blob_float64():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop) * 1.0
        if swap_rb:
            x = x[..., ::-1]
        return ((x - np.array(mean)) * scalefactor).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "float64", mistake="blob_from_image.float64")


def test_blob_float16():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, mean, swap_rb).astype(np.float16)
    assert_rejected(BLOB, blob_from_image, "not float32", mistake="blob_from_image.not_float32")


def test_blob_crop_that_stretches():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None:
            image = cv2.resize(image, size)  # crop forgotten: always stretches
        x = image.astype(np.float32)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_BGR2RGB)
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None].copy()
    assert_rejected(BLOB, blob_from_image, "stretches", mistake="blob_from_image.crop_stretches")


def test_blob_crop_from_the_corner():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None and crop:
            h, w = image.shape[:2]
            f = float(np.float32(max(size[0] / w, size[1] / h)))
            image = cv2.resize(image, None, fx=f, fy=f)[:size[1], :size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        x = image[..., ::-1] if swap_rb else image
        return ((x.astype(np.float32) - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "top-left", mistake="blob_from_image.crop_from_corner")


@pytest.mark.parametrize("offset", [lambda n: round(n / 2), lambda n: math.ceil(n / 2), lambda n: (n + 1) // 2,
                                    lambda n: int(np.round(0.5 * n + 0.01))],
                         ids=["round", "ceil", "plus_one_floor", "np_round"])
def test_blob_crop_offset_rounded_up(offset):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_crop_with(image, size, crop, offset=offset), scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "one pixel off", "rounds the half down",
                    mistake="blob_from_image.crop_offset_rounded_up")


def test_blob_crop_factor_in_float64():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_crop_with(image, size, crop, factor=float), scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "float32", "f = float(np.float32(",
                    mistake="blob_from_image.crop_factor_float64")


def test_blob_crop_with_a_size_of_its_own():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = max(size[0] / w, size[1] / h)
            image = cv2.resize(image, (int(w * f), int(h * f)))
            top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "fx=f, fy=f", mistake="blob_from_image.crop_own_dsize")


def test_blob_crop_cut_from_the_original_then_resized():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            target = size[0] / size[1]
            if w / h > target:  # too wide: cut the sides
                cut_w = round(h * target)
                image = image[:, (w - cut_w) // 2:(w - cut_w) // 2 + cut_w]
            else:  # too tall: cut top and bottom
                cut_h = round(w / target)
                image = image[(h - cut_h) // 2:(h - cut_h) // 2 + cut_h]
            image = cv2.resize(image, size)
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "resizes first", mistake="blob_from_image.crop_cut_then_resize")


def test_blob_crop_without_resize():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop:
            top, left = max((h - size[1]) // 2, 0), max((w - size[0]) // 2, 0)
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "at its own size", mistake="blob_from_image.crop_without_resize")


def test_blob_crop_that_fits_inside():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = float(np.float32(min(size[0] / w, size[1] / h)))
            image = cv2.resize(image, None, fx=f, fy=f)
            top, left = int(0.5 * (image.shape[0] - size[1])), int(0.5 * (image.shape[1] - size[0]))
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "min(W / w, H / h)", mistake="blob_from_image.crop_fits_inside")


def test_blob_crop_short_side_to_the_long_side_of_the_size():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = float(np.float32(max(size) / min(h, w)))
            image = cv2.resize(image, None, fx=f, fy=f)
            top, left = int(0.5 * (image.shape[0] - size[1])), int(0.5 * (image.shape[1] - size[0]))
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "short side", mistake="blob_from_image.crop_short_side")


@pytest.mark.parametrize("resizes_when", ["never", "crop_only"])
def test_blob_size_ignored(resizes_when):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if resizes_when == "crop_only" and crop:
            image = _resize(image, size, crop)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "own size", "cv2.resize", mistake="blob_from_image.size_ignored")


def test_blob_crop_offsets_from_the_wrong_axes():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = float(np.float32(max(size[0] / w, size[1] / h)))
            big = cv2.resize(image, None, fx=f, fy=f)
            rows, cols = big.shape[1], big.shape[0]  # the shape read as (width, height)
            top, left = (rows - size[1]) // 2, (cols - size[0]) // 2
            image = big[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "offsets are swapped", mistake="blob_from_image.crop_offsets_swapped")


def test_blob_size_read_as_height_width():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None:
            height, width = size  # NumPy order: wrong for OpenCV
            size = (width, height)
        x = _resize(image, size, crop)
        x = x[..., ::-1] if swap_rb else x
        return ((x.astype(np.float32) - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "(width, height)", mistake="blob_from_image.size_height_width")


@pytest.mark.parametrize("how", [cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_CUBIC, cv2.INTER_LINEAR_EXACT])
def test_blob_other_interpolation(how):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and tuple(size) != (w, h) and not crop:
            image = cv2.resize(image, size, interpolation=how)
        else:
            image = _crop_with(image, size, crop, interpolation=how)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "another interpolation", mistake="blob_from_image.interpolation")


def test_blob_area_when_shrinking_like_the_presets():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and tuple(size) != (w, h) and not crop:
            shrinking = size[0] < w and size[1] < h
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
        else:
            image = _resize(image, size, crop)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "another interpolation", mistake="blob_from_image.interpolation")


def test_blob_scale_before_mean():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return (x * np.float32(scalefactor) - np.float32(mean)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "before subtracting the mean", mistake="blob_from_image.scale_before_mean")


def test_blob_brackets_forgotten():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return (x - np.float32(mean) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "brackets", mistake="blob_from_image.precedence")


def test_blob_divided_by_scalefactor():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return ((x - np.float32(mean)) / np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "divided by scalefactor", mistake="blob_from_image.divided_by_scalefactor")


def test_blob_scalefactor_ignored():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), 1.0, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "not multiplied by scalefactor",
                    mistake="blob_from_image.scalefactor_ignored")


def test_blob_mean_ignored():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, (0, 0, 0), swap_rb)
    assert_rejected(BLOB, blob_from_image, "ignores the mean", mistake="blob_from_image.mean_ignored")


def test_blob_mean_added():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, -np.float32(mean), swap_rb)
    assert_rejected(BLOB, blob_from_image, "added the mean", mistake="blob_from_image.mean_added")


def test_blob_divided_by_255_as_well():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, mean, swap_rb) / np.float32(255)
    assert_rejected(BLOB, blob_from_image, "255", mistake="blob_from_image.extra_255")


def test_blob_float_before_resize():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image.astype(np.float32), size, crop)
        x = x[..., ::-1] if swap_rb else x
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "before resizing", mistake="blob_from_image.float_before_resize")


def test_blob_forgot_swap():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "reversed (BGR -> RGB)", mistake="blob_from_image.swap_missing")


def test_blob_swap_on_the_batch_axis_does_nothing():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        blob = _finish(_resize(image, size, crop), scalefactor, mean, False)
        return blob[::-1] if swap_rb else blob  # axis 0 is the batch of one
    assert_rejected(BLOB, blob_from_image, "BGR order", mistake="blob_from_image.swap_missing")


@pytest.mark.parametrize("order", [[2, 0, 1], [1, 2, 0], [0, 2, 1]])
def test_blob_swap_in_another_order(order):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop)
        if swap_rb:
            x = x[:, :, order]
        return _finish(x, scalefactor, mean, False)
    assert_rejected(BLOB, blob_from_image, "another way", mistake="blob_from_image.swap_wrong_order")


def test_blob_swap_always():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = cv2.cvtColor(_resize(image, size, crop), cv2.COLOR_BGR2RGB)
        return _finish(x, scalefactor, mean, False)
    assert_rejected(BLOB, blob_from_image, "although swap_rb=False", mistake="blob_from_image.swap_always")


@pytest.mark.parametrize("flip", ["rows", "columns", "blob_width"])
def test_blob_swap_that_flips_the_picture(flip):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb and flip == "rows":
            x = x[::-1]
        if swap_rb and flip == "columns":
            x = x[:, ::-1]
        blob = ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
        return blob[..., ::-1] if swap_rb and flip == "blob_width" else blob
    assert_rejected(BLOB, blob_from_image, "flipped", "x[..., ::-1]", mistake="blob_from_image.swap_flips_image")


def test_blob_resizes_to_none():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(cv2.resize(image, size), scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "size=None", "skip the resize", status="error",
                    mistake="blob_from_image.size_none_resized")


def test_blob_unpacks_none():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        width, height = size
        return _finish(_resize(image, (width, height), crop), scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "size=None", status="error", mistake="blob_from_image.size_none_resized")


def test_blob_resize_factors_by_position():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = max(size[0] / w, size[1] / h)
            image = cv2.resize(image, None, f, f)
            top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "fx=f, fy=f", "dst", status="error",
                    mistake="blob_from_image.resize_factors_by_position")


def test_blob_resize_without_fy():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            image = cv2.resize(image, None, fx=float(np.float32(max(size[0] / w, size[1] / h))))
            top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "no fy", "fx=f, fy=f", status="error",
                    mistake="blob_from_image.resize_factors_by_position")


def test_blob_float_size_for_the_crop():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop and tuple(size) != (w, h):
            f = max(size[0] / w, size[1] / h)
            image = cv2.resize(image, (w * f, h * f))
            top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "whole numbers", status="error", mistake="blob_from_image.float_dsize")


def test_blob_float_crop_offsets():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_crop_with(image, size, crop, offset=lambda n: n / 2), scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "int(0.5 * (rows - H))", status="error",
                    mistake="blob_from_image.float_slice")


def test_blob_cvtcolor_on_float64():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float64)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_BGR2RGB)
        return ((x - np.array(mean)) * scalefactor).astype(np.float32).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "not float64", status="error", mistake="blob_from_image.cvtcolor_float64")


def test_blob_cvtcolor_after_the_transpose():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32).transpose(2, 0, 1)
        if swap_rb:
            x = cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_BGR2RGB)
        return ((x - np.float32(mean).reshape(3, 1, 1)) * np.float32(scalefactor))[None]
    assert_rejected(BLOB, blob_from_image, "channels last", status="error",
                    mistake="blob_from_image.cvtcolor_channels_first")


def test_blob_two_mistakes_in_one_case_get_the_generic_message():
    """The mean added and reversed: no single known mistake gives these values, so the check
    says what differs rather than guess."""
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return _finish(_resize(image, size, crop), scalefactor, -np.float32(mean[::-1]), swap_rb)
    result = check(BLOB, blob_from_image)
    assert not result.passed and "mean (104, 117, 123)" in result.message and result.mistake is None, result


# --------------------------------------------------------------------------- #
# blob_from_image: correct answers written differently
# --------------------------------------------------------------------------- #
def test_blob_correct_variants():
    def with_cvtcolor_and_einsum(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_BGR2RGB)
        x = (x.astype(np.float32) - np.asarray(mean, np.float32)) * np.float32(scalefactor)
        return np.ascontiguousarray(np.einsum("hwc->chw", x)[None])

    def with_opencv(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return cv2.dnn.blobFromImage(image, scalefactor, size, mean, swap_rb, crop)

    def with_rounded_crop_offset(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        out_w, out_h = size or (w, h)
        if crop and (out_w, out_h) != (w, h):
            f = float(np.float32(max(out_w / w, out_h / h)))
            big = cv2.resize(image, (0, 0), fx=f, fy=f, interpolation=cv2.INTER_LINEAR)
            top, left = int((big.shape[0] - out_h) / 2), int((big.shape[1] - out_w) / 2)
            image = big[top:top + out_h, left:left + out_w]
        elif (out_w, out_h) != (w, h):
            image = cv2.resize(image, dsize=(out_w, out_h))
        channels = [image[..., c].astype(np.float32) for c in ((2, 1, 0) if swap_rb else (0, 1, 2))]
        planes = [(p - np.float32(m)) * np.float32(scalefactor) for p, m in zip(channels, mean)]
        return np.stack(planes)[None]

    def float64_math_cast_at_the_end(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop:
            f = np.float32(max(np.float32(size[0]) / w, np.float32(size[1]) / h))
            image = cv2.resize(image, None, fx=float(f), fy=float(f))
            top, left = (image.shape[0] - size[1]) // 2, (image.shape[1] - size[0]) // 2
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, tuple(size))  # to the same size: a copy
        x = image.astype(np.float64)[:, :, ::-1] if swap_rb else image.astype(np.float64)
        x = (x - np.array(mean, np.float64)) * scalefactor
        return np.expand_dims(np.moveaxis(x, 2, 0), 0).astype(np.float32)

    def transpose_then_reshape(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop)
        x = cv2.merge(cv2.split(x)[::-1]) if swap_rb else x
        x = np.float32(x)
        x -= np.float32(mean)
        x *= np.float32(scalefactor)
        return x.transpose(2, 0, 1).reshape(1, 3, *x.shape[:2])

    for fn in (with_cvtcolor_and_einsum, with_opencv, with_rounded_crop_offset, float64_math_cast_at_the_end,
               transpose_then_reshape):
        assert_accepted(BLOB, fn)


@pytest.mark.parametrize("swap", [
    lambda x: x[:, :, [2, 1, 0]],
    lambda x: np.flip(x, axis=2),
    lambda x: cv2.merge(cv2.split(x)[::-1]),
    lambda x: np.stack([x[..., 2], x[..., 1], x[..., 0]], -1),
], ids=["fancy_index", "flip", "split_merge", "stack"])
def test_blob_correct_swaps(swap):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _crop_with(image, size, crop, offset=lambda n: math.floor(0.5 * n))
        x = swap(x) if swap_rb else x
        x = (x.astype(np.float32) - np.float32(mean)) * np.float32(scalefactor)
        return np.expand_dims(x.transpose(2, 0, 1), axis=0)
    assert_accepted(BLOB, blob_from_image)


def test_blob_resizing_even_to_the_same_size_is_accepted():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        width, height = (w, h) if size is None else size
        if crop:
            f = np.float32(max(width / w, height / h))
            big = cv2.resize(image, (0, 0), fx=float(f), fy=float(f))
            y0, x0 = int(0.5 * (big.shape[0] - height)), int(0.5 * (big.shape[1] - width))
            image = big[y0:y0 + height, x0:x0 + width]
        else:
            image = cv2.resize(image, (width, height))
        return _finish(image, scalefactor, mean, swap_rb)
    assert_accepted(BLOB, blob_from_image)


# --------------------------------------------------------------------------- #
# normalize_blob
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fn", [
    lambda blob, mean, std: ((blob - np.array(mean, np.float32)) / np.array(std, np.float32)).astype(np.float32),
    lambda blob, mean, std: (blob - np.array(mean)) / np.array(std),  # float64 too: the axis comes first
    lambda blob, mean, std: ((blob - np.float32(mean).reshape(1, 1, 1, 3)) / np.float32(std).reshape(1, 1, 1, 3)),
], ids=["float32", "float64", "reshape_1113"])
def test_normalize_broadcast_along_the_width(fn):
    assert_rejected(NORM, fn, "last axis", "(1, 3, 1, 1)", mistake="normalize_blob.along_the_width")


def test_normalize_std_along_the_width():
    def normalize_blob(blob, mean, std):
        return ((blob - np.float32(mean)[:, None, None]) / np.float32(std)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "your std was applied along the last axis",
                    mistake="normalize_blob.std_along_the_width")


def test_normalize_mean_along_the_width():
    def normalize_blob(blob, mean, std):
        return ((blob - np.float32(mean)) / np.float32(std).reshape(1, 3, 1, 1)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "your mean was applied along the last axis",
                    mistake="normalize_blob.mean_along_the_width")


def test_normalize_first_image_only():
    def normalize_blob(blob, mean, std):
        image = blob[0]  # "the" image
        return ((image - np.float32(mean).reshape(3, 1, 1)) / np.float32(std).reshape(3, 1, 1))[None]
    assert_rejected(NORM, normalize_blob, "only the first image", mistake="normalize_blob.first_image_only")


def test_normalize_divides_by_the_variance():
    def normalize_blob(blob, mean, std):
        var = np.float32(std).reshape(1, 3, 1, 1) ** 2
        return ((blob - np.float32(mean).reshape(1, 3, 1, 1)) / var).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "variance", mistake="normalize_blob.divided_by_variance")


def test_normalize_divides_by_the_square_root_of_std():
    def normalize_blob(blob, mean, std):
        s = np.sqrt(np.float32(std)).reshape(1, 3, 1, 1)
        return ((blob - np.float32(mean).reshape(1, 3, 1, 1)) / s).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "square root", mistake="normalize_blob.divided_by_sqrt_std")


def test_normalize_mean_on_the_height_cannot_broadcast():
    def normalize_blob(blob, mean, std):
        return ((blob - np.float32(mean)[:, None]) / np.float32(std)[:, None]).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "(1, 3, 1, 1)", status="error", mistake="normalize_blob.does_not_broadcast")


def test_normalize_mean_on_the_batch_axis_cannot_broadcast():
    def normalize_blob(blob, mean, std):
        return ((blob - np.float32(mean).reshape(3, 1, 1, 1)) / np.float32(std).reshape(3, 1, 1, 1))
    assert_rejected(NORM, normalize_blob, "axis 1", status="error", mistake="normalize_blob.does_not_broadcast")


def test_normalize_loops_over_the_batch_axis():
    def normalize_blob(blob, mean, std):
        out = np.empty_like(blob, dtype=np.float32)
        for c in range(3):
            out[c] = (blob[c] - mean[c]) / std[c]
        return out
    assert_rejected(NORM, normalize_blob, "blob[:, c]", status="error", mistake="normalize_blob.batch_axis_as_channels")


def test_normalize_an_index_error_on_the_mean_is_not_blamed_on_the_batch_axis():
    def normalize_blob(blob, mean, std):
        mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        return (blob - mean[blob.ndim - 1]) / std[blob.ndim - 1]  # index 3 of 3 numbers
    result = assert_rejected(NORM, normalize_blob, "IndexError", status="error")
    assert result.mistake is None, result


def test_normalize_float64():
    def normalize_blob(blob, mean, std):
        return (blob - np.array(mean)[None, :, None, None]) / np.array(std)[None, :, None, None]
    assert_rejected(NORM, normalize_blob, "float64", mistake="normalize_blob.float64")


def test_normalize_float16():
    def normalize_blob(blob, mean, std):
        m = np.float16(mean).reshape(1, 3, 1, 1)
        return (blob.astype(np.float16) - m) / np.float16(std).reshape(1, 3, 1, 1)
    assert_rejected(NORM, normalize_blob, "not float32", mistake="normalize_blob.not_float32")


def test_normalize_multiplies_by_std():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean)[:, None, None]
        s = np.float32(std)[:, None, None]
        return ((blob - m) * s).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "multiplied by std", mistake="normalize_blob.multiplied_by_std")


def test_normalize_divides_first():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean).reshape(1, 3, 1, 1)
        s = np.float32(std).reshape(1, 3, 1, 1)
        return (blob / s - m).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "before subtracting", mistake="normalize_blob.divided_before_subtracting")


def test_normalize_brackets_forgotten():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean).reshape(1, 3, 1, 1)
        s = np.float32(std).reshape(1, 3, 1, 1)
        return blob - m / s
    assert_rejected(NORM, normalize_blob, "brackets", mistake="normalize_blob.precedence")


def test_normalize_channels_reversed():
    def normalize_blob(blob, mean, std):  # thinks the blob is BGR and the mean RGB
        m = np.float32(mean[::-1]).reshape(1, 3, 1, 1)
        s = np.float32(std[::-1]).reshape(1, 3, 1, 1)
        return ((blob - m) / s).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "reverse order", mistake="normalize_blob.channels_reversed")


def test_normalize_mean_and_std_swapped():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean).reshape(1, 3, 1, 1)
        s = np.float32(std).reshape(1, 3, 1, 1)
        return (blob - s) / m
    assert_rejected(NORM, normalize_blob, "swapped mean and std", mistake="normalize_blob.mean_and_std_swapped")


def test_normalize_std_ignored():
    def normalize_blob(blob, mean, std):
        return (blob - np.float32(mean).reshape(1, 3, 1, 1)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "did not divide by std", mistake="normalize_blob.std_ignored")


def test_normalize_mean_ignored():
    def normalize_blob(blob, mean, std):
        return (blob / np.float32(std).reshape(1, 3, 1, 1)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "did not subtract the mean", mistake="normalize_blob.mean_ignored")


@pytest.mark.parametrize("fn", [
    lambda blob, mean, std: ((blob / 255 - np.float32(mean).reshape(1, 3, 1, 1))
                             / np.float32(std).reshape(1, 3, 1, 1)).astype(np.float32),
    lambda blob, mean, std: ((blob - 255 * np.float32(mean).reshape(1, 3, 1, 1))
                             / (255 * np.float32(std).reshape(1, 3, 1, 1))).astype(np.float32),
], ids=["blob_divided", "mean_std_scaled"])
def test_normalize_changes_units(fn):
    assert_rejected(NORM, fn, "own units", mistake="normalize_blob.units_changed")


def test_normalize_hard_codes_imagenet():
    def normalize_blob(blob, mean, std):
        m = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
        s = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
        return ((blob - m) / s).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "ImageNet", mistake="normalize_blob.imagenet_constants")


@pytest.mark.parametrize("axis", [(0, 2, 3), (2, 3), None])
def test_normalize_with_the_blob_own_statistics(axis):
    def normalize_blob(blob, mean, std):
        return ((blob - blob.mean(axis=axis, keepdims=True)) / blob.std(axis=axis, keepdims=True)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "own mean and std", mistake="normalize_blob.own_statistics")


def test_normalize_channels_left_last():
    def normalize_blob(blob, mean, std):
        x = np.moveaxis(blob.astype(np.float32), 1, -1)
        return (x - np.float32(mean)) / np.float32(std)  # and never moved back
    assert_rejected(NORM, normalize_blob, "channels-last", mistake="normalize_blob.channels_last")


def test_normalize_planes_stacked_on_axis_0():
    def normalize_blob(blob, mean, std):
        planes = [(blob[:, c] - mean[c]) / std[c] for c in range(3)]
        return np.stack(planes).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "axis 1", mistake="normalize_blob.channels_stacked_first")


def test_normalize_in_place():
    def normalize_blob(blob, mean, std):
        for c in range(3):
            blob[:, c] -= mean[c]
            blob[:, c] /= std[c]
        return blob.astype(np.float32)
    assert_rejected(NORM, normalize_blob, "in place", mistake="generic.changed_input")


def test_normalize_returns_the_input_itself_when_it_is_float32():
    def normalize_blob(blob, mean, std):
        blob = blob.astype(np.float32, copy=False)  # no copy for a float32 blob
        blob -= np.float32(mean).reshape(1, 3, 1, 1)
        blob /= np.float32(std).reshape(1, 3, 1, 1)
        return blob
    assert_rejected(NORM, normalize_blob, "in place", mistake="generic.changed_input")


def test_normalize_correct_variants():
    def per_channel_loop(blob, mean, std):
        out = np.empty(blob.shape, np.float32)
        for c in range(3):
            out[:, c] = (blob[:, c] - mean[c]) / std[c]
        return out

    def moveaxis(blob, mean, std):
        x = np.moveaxis(blob.astype(np.float32), 1, -1)
        return np.moveaxis((x - np.float32(mean)) / np.float32(std), -1, 1)

    def new_axes(blob, mean, std):
        m = np.array(mean, dtype=np.float32)[:, np.newaxis, np.newaxis]
        s = np.array(std, dtype=np.float32)[:, np.newaxis, np.newaxis]
        return ((blob - m) / s).astype(np.float32)

    def float64_then_cast(blob, mean, std):
        m = np.reshape(mean, (1, -1, 1, 1))
        s = np.reshape(std, (1, -1, 1, 1))
        return np.float32((blob - m) / s)

    def reciprocal(blob, mean, std):
        s = 1 / np.float32(std).reshape(3, 1, 1)
        return (blob.astype(np.float32) * s - np.float32(mean).reshape(3, 1, 1) * s).astype(np.float32)

    def stacked_on_axis_1(blob, mean, std):
        return np.stack([(blob[:, c] - mean[c]) / std[c] for c in range(3)], axis=1).astype(np.float32)

    for fn in (per_channel_loop, moveaxis, new_axes, float64_then_cast, reciprocal, stacked_on_axis_1):
        assert_accepted(NORM, fn)


# --------------------------------------------------------------------------- #
# blob_to_image
# --------------------------------------------------------------------------- #
def _hwc(blob, mean, scalefactor):
    """The first steps done right: (H, W, 3) float32, unscaled and with the mean added."""
    return blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean)


@pytest.mark.parametrize("to_uint8", [
    lambda x: np.round(x).astype(np.uint8),
    lambda x: np.rint(x).astype("uint8"),
    lambda x: np.clip(np.rint(x).astype(np.uint8), 0, 255),  # the clip comes too late
    lambda x: (x + 0.5).astype(np.uint8),
], ids=["round", "rint", "clip_after_cast", "plus_half"])
def test_to_image_without_clip_wraps_around(to_uint8):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        x = x[..., ::-1] if swap_rb else x
        return to_uint8(x)
    assert_rejected(UNDO, blob_to_image, "wrap around", "clip", mistake="blob_to_image.no_clip")


@pytest.mark.parametrize("to_uint8", [lambda x: np.clip(x, 0, 255).astype(np.uint8),
                                      lambda x: np.uint8(np.clip(x, 0, 255)),
                                      lambda x: np.floor(x).clip(0, 255).astype(np.uint8)],
                         ids=["astype", "np_uint8", "floor"])
def test_to_image_truncates(to_uint8):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return to_uint8(x[..., ::-1] if swap_rb else x)
    assert_rejected(UNDO, blob_to_image, "truncates", mistake="blob_to_image.truncates")


def test_to_image_astype_only():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return (x[..., ::-1] if swap_rb else x).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "neither rounds nor clips", mistake="blob_to_image.astype_only")


def test_to_image_convert_scale_abs():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return cv2.convertScaleAbs(np.ascontiguousarray(x[..., ::-1] if swap_rb else x))
    assert_rejected(UNDO, blob_to_image, "absolute value", mistake="blob_to_image.absolute_values")


@pytest.mark.parametrize("finish", [lambda x: x, lambda x: np.clip(np.rint(x), 0, 255),
                                    lambda x: np.clip(np.rint(x), 0, 255).astype(int)],
                         ids=["float", "rounded_float", "int64"])
def test_to_image_not_uint8(finish):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return finish(x[..., ::-1] if swap_rb else x)
    assert_rejected(UNDO, blob_to_image, "not uint8", mistake="blob_to_image.not_uint8")


def test_to_image_keeps_chw():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]) / scalefactor + np.float32(mean).reshape(3, 1, 1)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "channels-first", mistake="blob_to_image.channels_first")


def test_to_image_keeps_the_batch_axis():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.moveaxis(blob, -3, -1) / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "batch axis", mistake="blob_to_image.batch_axis_kept")


def test_to_image_reshape_instead_of_transpose():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        _, h, w = blob.shape[-3:]
        x = blob.reshape(h, w, 3) / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "reshape", "transpose(1, 2, 0)", mistake="blob_to_image.reshape_not_transpose")


def test_to_image_transpose_that_swaps_height_and_width():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).T / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "(W, H, 3)", mistake="blob_to_image.transposed_height_width")


def test_to_image_swaps_back_before_adding_the_mean():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor
        if swap_rb:
            x = x[..., ::-1]
        return np.clip(np.rint(x + np.float32(mean)), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "before adding the mean", mistake="blob_to_image.mean_after_swap")


def test_to_image_forgets_to_swap_back():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        return np.clip(np.rint(_hwc(blob, mean, scalefactor)), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "swap the channels back", mistake="blob_to_image.swap_missing")


def test_to_image_swaps_back_in_another_order():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return np.clip(np.rint(x[..., [1, 2, 0]] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "another way", mistake="blob_to_image.swap_wrong_order")


def test_to_image_adds_the_mean_reversed():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean[::-1])
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "reverse channel order", mistake="blob_to_image.mean_reversed")


@pytest.mark.parametrize("how", ["numpy", "cv2_normalize"])
def test_to_image_stretches_min_max(how):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.ascontiguousarray(blob.reshape(blob.shape[-3:]).transpose(1, 2, 0)[..., ::-1] if swap_rb
                                 else blob.reshape(blob.shape[-3:]).transpose(1, 2, 0))
        if how == "cv2_normalize":
            return cv2.normalize(x / np.float32(scalefactor) + np.float32(mean), None, 0, 255, cv2.NORM_MINMAX,
                                 cv2.CV_8U)
        return np.rint(255 * (x - x.min()) / (x.max() - x.min())).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "min-max", mistake="blob_to_image.min_max_stretch")


def test_to_image_always_swaps():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = cv2.cvtColor(_hwc(blob, mean, scalefactor).astype(np.float32), cv2.COLOR_RGB2BGR)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "although swap_rb=False", mistake="blob_to_image.swap_always")


def test_to_image_swap_flips_the_picture():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        return np.clip(np.rint(x[::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "flipped", mistake="blob_to_image.swap_flips_image")


def test_to_image_multiplies():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) * scalefactor + np.float32(mean)
        x = x[..., ::-1] if swap_rb else x
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "multiplied by scalefactor", mistake="blob_to_image.multiplied_by_scalefactor")


def test_to_image_ignores_scalefactor():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "ignores scalefactor", mistake="blob_to_image.scalefactor_ignored")


def test_to_image_adds_the_mean_before_dividing():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = (blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) + np.float32(mean)) / scalefactor
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "before dividing", mistake="blob_to_image.mean_before_divide")


def test_to_image_subtracts_the_mean():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor - np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "subtracted the mean again", mistake="blob_to_image.mean_subtracted")


def test_to_image_ignores_the_mean():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "ignores the mean", mistake="blob_to_image.mean_ignored")


@pytest.mark.parametrize("drop", [lambda blob: blob[0], lambda blob: blob.reshape(3, blob.shape[2], blob.shape[3]),
                                  lambda blob: np.squeeze(blob, axis=0)],
                         ids=["index_0", "reshape_from_shape", "squeeze_axis_0"])
def test_to_image_fails_without_the_batch_axis(drop):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = drop(blob).transpose(1, 2, 0) / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "no batch axis", status="error",
                    mistake="blob_to_image.fails_without_batch_axis")


def test_to_image_cvtcolor_on_float64():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.array(mean, np.float64)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_RGB2BGR)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "not float64", status="error", mistake="blob_to_image.cvtcolor_float64")


def test_to_image_cvtcolor_on_the_chw_blob():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]) / np.float32(scalefactor) + np.float32(mean).reshape(3, 1, 1)
        if swap_rb:
            x = cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2BGR)
        return np.clip(np.rint(x.transpose(1, 2, 0)), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "(H, W, 3) first", status="error",
                    mistake="blob_to_image.cvtcolor_channels_first")


def test_to_image_edges_are_tested_exhaustively():
    """A clip to 1..255 or 0..254 fails (on the first case holding a 0 or a 255), and no known
    mistake is named for it: the generic message says what differs."""
    def clipped_to(low, high):
        def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
            x = _hwc(blob, mean, scalefactor)
            return np.clip(np.rint(x[..., ::-1] if swap_rb else x), low, high).astype(np.uint8)
        return blob_to_image

    for low, high in ((1, 255), (0, 254)):
        result = check(UNDO, clipped_to(low, high))
        assert not result.passed and result.mistake is None, result


def test_to_image_correct_variants():
    def with_cv2(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        planes = [blob.reshape(blob.shape[-3:])[c] / scalefactor + mean[c] for c in range(3)]
        image = cv2.merge([p.astype(np.float64) for p in planes])
        if swap_rb:
            image = cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2BGR)
        return np.clip(np.round(image), 0, 255).astype(np.uint8)

    def float64_math(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.squeeze(np.asarray(blob, np.float64), axis=0) if blob.ndim == 4 else blob.astype(np.float64)
        x = np.moveaxis(x, 0, -1) / scalefactor + np.asarray(mean, np.float64)
        if swap_rb:
            x = np.flip(x, axis=-1)
        return np.rint(x).clip(0, 255).astype(np.uint8)

    def squeeze_and_half_up(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = (np.squeeze(blob, axis=0) if blob.ndim == 4 else blob).transpose(1, 2, 0)
        x = x * (1 / scalefactor) + np.array(mean, np.float32)
        x = x[:, :, ::-1] if swap_rb else x
        return np.clip(x + 0.5, 0, 255).astype(np.uint8)

    def swap_on_the_blob_first(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        chw = blob[0] if blob.ndim == 4 else blob
        chw = chw / np.float32(scalefactor) + np.float32(mean)[:, None, None]
        if swap_rb:
            chw = chw[::-1]
        return np.floor(chw.transpose(1, 2, 0).clip(0, 255) + 0.5).astype(np.uint8)

    def clip_then_round(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.clip(_hwc(blob, mean, scalefactor), 0, 255).round()
        return np.ascontiguousarray(x[..., ::-1] if swap_rb else x).astype(np.uint8)

    def cv2_swap_and_saturate(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.ascontiguousarray(_hwc(blob, mean, scalefactor), np.float32)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_RGB2BGR)
        return np.rint(x).clip(0, 255).astype(np.uint8)

    for fn in (with_cv2, float64_math, squeeze_and_half_up, swap_on_the_blob_first, clip_then_round,
               cv2_swap_and_saturate):
        assert_accepted(UNDO, fn)


# --------------------------------------------------------------------------- #
# From a learner corpus written blind to the checks
# --------------------------------------------------------------------------- #
def test_blob_mean_subtracted_from_the_uint8_image():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop)
        if swap_rb:
            x = x[..., ::-1]
        x = (x - np.array(mean).astype(np.uint8)).astype(np.float32) * scalefactor
        return x.transpose(2, 0, 1)[None].astype(np.float32)
    assert_rejected(BLOB, blob_from_image, "uint8", "wraps", mistake="blob_from_image.mean_in_uint8")


def test_blob_mean_subtracted_with_cv2_subtract():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = np.ascontiguousarray(_resize(image, size, crop))
        if swap_rb:
            x = np.ascontiguousarray(x[..., ::-1])
        x = cv2.subtract(x, np.array([*mean, 0], np.float64)).astype(np.float32) * np.float32(scalefactor)
        return x.transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "cv2.subtract clips", mistake="blob_from_image.mean_in_uint8")


@pytest.mark.parametrize("one", [lambda mean: mean[0], lambda mean: float(np.mean(mean))],
                         ids=["first_number", "average"])
def test_blob_one_mean_for_every_channel(one):
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb:
            x = x[..., ::-1]
        return ((x - np.float32(one(mean))) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected(BLOB, blob_from_image, "one number", mistake="blob_from_image.mean_one_number")


def test_blob_crop_that_fits_inside_and_keeps_the_whole_image():
    """min instead of max, with the window clamped at 0: the blob keeps the whole, smaller image."""
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop:
            f = min(size[0] / w, size[1] / h)
            image = cv2.resize(image, None, fx=f, fy=f)
            top = max(int(0.5 * (image.shape[0] - size[1])), 0)
            left = max(int(0.5 * (image.shape[1] - size[0])), 0)
            image = image[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    assert_rejected(BLOB, blob_from_image, "min(W / w, H / h)", mistake="blob_from_image.crop_fits_inside")


def test_blob_more_correct_variants():
    def opencv_batch_of_one(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return cv2.dnn.blobFromImages([image], scalefactor, size or (0, 0), mean, swap_rb, crop)

    def mean_times_scale(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb:
            x = x[..., ::-1]
        x = x * scalefactor - np.array(mean, np.float32) * scalefactor  # (x - mean) * s, expanded
        return x.transpose(2, 0, 1)[None].astype(np.float32)

    def cvtcolor_first_int_half(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        img = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if swap_rb else image
        if size is not None:
            w, h = img.shape[1], img.shape[0]
            if crop:
                f = float(max(np.float32(size[0] / w), np.float32(size[1] / h)))
                img = cv2.resize(img, (0, 0), fx=f, fy=f)
                top, left = int((img.shape[0] - size[1]) / 2), int((img.shape[1] - size[0]) / 2)
                img = img[top:top + size[1], left:left + size[0]]
            else:
                img = cv2.resize(img, size)
        out = (img.astype(np.float32) - np.asarray(mean, np.float32)) * np.float32(scalefactor)
        return out.transpose(2, 0, 1).reshape(1, 3, *out.shape[:2])

    for fn in (opencv_batch_of_one, mean_times_scale, cvtcolor_first_int_half):
        assert_accepted(BLOB, fn)


@pytest.mark.parametrize("one", [lambda v: float(np.mean(v)), lambda v: v[0]], ids=["average", "first"])
def test_normalize_one_number_for_every_channel(one):
    def normalize_blob(blob, mean, std):
        return ((blob - one(mean)) / one(std)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "one number", mistake="normalize_blob.one_number")


def test_normalize_drops_the_batch_axis():
    def normalize_blob(blob, mean, std):
        m = np.asarray(mean, np.float32).reshape(3, 1, 1)
        s = np.asarray(std, np.float32).reshape(3, 1, 1)
        return ((blob[0] - m) / s).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "lost the batch axis", mistake="normalize_blob.batch_axis_dropped")


def test_normalize_loops_over_the_batch_axis_without_an_error():
    """blob[c] instead of blob[:, c], guarded so that it never raises: named by its values."""
    def normalize_blob(blob, mean, std):
        out = blob.astype(np.float32).copy()
        for c in range(3):
            if c < out.shape[0]:
                out[c] = (out[c] - mean[c]) / std[c]
        return out
    assert_rejected(NORM, normalize_blob, "blob[:, c]", mistake="normalize_blob.batch_axis_as_channels")


def test_normalize_more_correct_variants():
    def subtract_with_dtype(blob, mean, std):
        return np.subtract(blob, np.float32(mean)[:, None, None], dtype=np.float32) / np.float32(std)[:, None, None]

    def channels_last_and_back(blob, mean, std):
        x = np.moveaxis(blob.astype(np.float32), 1, -1)
        return np.ascontiguousarray(np.moveaxis((x - np.float32(mean)) / np.float32(std), -1, 1))

    for fn in (subtract_with_dtype, channels_last_and_back):
        assert_accepted(NORM, fn)


@pytest.mark.parametrize("squeeze", [np.squeeze, lambda blob: blob.squeeze()], ids=["np_squeeze", "method"])
def test_to_image_squeeze_drops_a_one_pixel_row(squeeze):
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = squeeze(blob).transpose(1, 2, 0) / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "np.squeeze", "drop only the batch axis", status="error",
                    mistake="blob_to_image.squeezed_size_one_axes")


def test_to_image_squeeze_then_moveaxis_gives_a_flat_image():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.moveaxis(np.squeeze(blob), 0, -1) / scalefactor + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "np.squeeze", mistake="blob_to_image.squeezed_size_one_axes")


def test_to_image_more_correct_variants():
    def squeeze_axis_0(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        b = np.squeeze(blob, axis=0) if blob.ndim == 4 else blob
        x = np.transpose(b, (1, 2, 0)) / scalefactor + np.array(mean)
        return np.clip((x[..., [2, 1, 0]] if swap_rb else x).round(), 0, 255).astype("uint8")

    def swap_after_uint8(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        b = blob.reshape(blob.shape[-3:])
        x = np.clip(np.rint(b.transpose(1, 2, 0) / scalefactor + np.asarray(mean)), 0, 255).astype(np.uint8)
        return cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2BGR) if swap_rb else x

    def chw_then_transpose(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        b = blob[0] if blob.ndim == 4 else blob
        x = b / scalefactor + np.asarray(mean, np.float64).reshape(3, 1, 1)
        return np.clip(np.round(x[::-1] if swap_rb else x, 0), 0, 255).astype(np.uint8).transpose(1, 2, 0)

    for fn in (squeeze_axis_0, swap_after_uint8, chw_then_transpose):
        assert_accepted(UNDO, fn)


def _crop_by(factor, *, rows_from_original=False):
    """A learner's blob_from_image whose crop uses another factor or takes the offsets from the
    original size; a negative offset is clamped at 0, as learners do to make the slice work."""
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        if size is not None and crop:
            big = cv2.resize(image, None, fx=factor(size, w, h), fy=factor(size, w, h))
            rows, cols = (h, w) if rows_from_original else big.shape[:2]
            top, left = max(int(0.5 * (rows - size[1])), 0), max(int(0.5 * (cols - size[0])), 0)
            image = big[top:top + size[1], left:left + size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        return _finish(image, scalefactor, mean, swap_rb)
    return blob_from_image


def test_blob_crop_factor_inverted():
    fn = _crop_by(lambda size, w, h: float(np.float32(max(w / size[0], h / size[1]))))
    assert_rejected(BLOB, fn, "max(w / W, h / H)", "inverse", mistake="blob_from_image.crop_factor_inverted")


def test_blob_crop_offsets_from_the_original_size():
    fn = _crop_by(lambda size, w, h: float(np.float32(max(size[0] / w, size[1] / h))), rows_from_original=True)
    assert_rejected(BLOB, fn, "original image's size", mistake="blob_from_image.crop_offsets_from_original")


def test_blob_mean_reshaped_as_a_tuple():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        blob = _finish(_resize(image, size, crop), scalefactor, (0, 0, 0), swap_rb)
        return blob - mean.reshape(1, 3, 1, 1) * scalefactor
    assert_rejected(BLOB, blob_from_image, "np.asarray(mean, np.float32)", status="error",
                    mistake="blob_from_image.mean_tuple_as_array")


@pytest.mark.parametrize("index", [lambda v: v[:, None, None], lambda v: v.reshape(1, 3, 1, 1)],
                         ids=["indexed", "reshaped"])
def test_normalize_tuple_used_as_an_array(index):
    def normalize_blob(blob, mean, std):
        return ((blob - index(mean)) / index(std)).astype(np.float32)
    assert_rejected(NORM, normalize_blob, "tuple (or a list)", status="error",
                    mistake="normalize_blob.tuple_as_array")


def test_to_image_mean_reshaped_as_a_tuple():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        chw = (blob[0] if blob.ndim == 4 else blob) / scalefactor + mean.reshape(3, 1, 1)
        x = chw.transpose(1, 2, 0)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "no .reshape", status="error", mistake="blob_to_image.mean_tuple_as_array")


def test_to_image_times_255_whatever_the_scalefactor():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = (blob[0] if blob.ndim == 4 else blob).transpose(1, 2, 0) * 255 + np.float32(mean)
        return np.clip(np.rint(x[..., ::-1] if swap_rb else x), 0, 255).astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "multiplied by 255", mistake="blob_to_image.times_255")


def test_to_image_clipped_to_0_1_then_times_255():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = _hwc(blob, mean, scalefactor)
        x = x[..., ::-1] if swap_rb else x
        return (np.clip(x, 0, 1) * 255).round().astype(np.uint8)
    assert_rejected(UNDO, blob_to_image, "clipping to 0..1", mistake="blob_to_image.times_255")
