"""The notebook 05 checks reject what learners really write, name the mistake, and accept correct variants.

Each wrong answer below is written the way a learner writes it (naive, careless, expert or
hostile) and must be reported with the mistake's id; each right answer, written differently
from the reference, must pass.
"""
import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import check

from .conftest import assert_accepted, assert_rejected


def _params(answers):
    return [pytest.param(fn, mistake, phrases, id=fn.__name__) for fn, mistake, *phrases in answers]


# =========================================================================== voc_colormap
def voc_loop(n=256):
    """The classic per-label loop, written out."""
    out = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out[i] = (r, g, b)
    return out


def voc_written_as_bgr(n=256):
    out = voc_loop(n)
    return out[:, [2, 1, 0]]


def voc_converted_with_cvtcolor(n=256):
    return cv2.cvtColor(voc_loop(n)[None], cv2.COLOR_RGB2BGR)[0]


def voc_bits_to_blue_first(n=256):
    out = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c = i
        for j in range(8):
            out[i, 2] |= ((c >> 0) & 1) << (7 - j)
            out[i, 1] |= ((c >> 1) & 1) << (7 - j)
            out[i, 0] |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
    return out


def voc_green_and_blue_swapped(n=256):
    return voc_loop(n)[:, [0, 2, 1]]


def voc_without_the_shift(n=256):
    out = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        out[i] = [(i & 1) * 128, ((i >> 1) & 1) * 128, ((i >> 2) & 1) * 128]
    return out


def voc_bits_from_the_bottom(n=256):
    out = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c = i
        for j in range(8):
            out[i, 0] |= ((c >> 0) & 1) << j
            out[i, 1] |= ((c >> 1) & 1) << j
            out[i, 2] |= ((c >> 2) & 1) << j
            c >>= 3
    return out


def voc_shifted_one_too_far(n=256):
    labels = np.arange(n)
    out = np.zeros((n, 3), dtype=np.int64)
    for level in range(8):
        for channel in range(3):
            out[:, channel] |= ((labels >> (3 * level + channel)) & 1) << (8 - level)
    return out.astype(np.uint8)  # 1 << 8 wraps to 0


def voc_shifted_one_too_little(n=256):
    labels = np.arange(n)
    out = np.zeros((n, 3), dtype=np.int64)
    for level in range(7):
        for channel in range(3):
            out[:, channel] |= ((labels >> (3 * level + channel)) & 1) << (6 - level)
    return out.astype(np.uint8)


def voc_from_label_one(n=256):
    return np.array([voc_loop(n + 1)[k] for k in range(1, n + 1)], dtype=np.uint8)


def voc_divided_by_255(n=256):
    return voc_loop(n) / 255.0


def voc_int64(n=256):
    return voc_loop(n).astype(np.int64)


def voc_float32_0_255(n=256):
    return voc_loop(n).astype(np.float32)


def voc_channels_first(n=256):
    return voc_loop(n).T


def voc_always_256(n=256):
    return voc_loop(256)


def voc_or_into_uint8(n=256):
    labels = np.arange(n)
    palette = np.zeros((n, 3), dtype=np.uint8)
    for level in range(8):
        for channel in range(3):
            palette[:, channel] |= ((labels >> (3 * level + channel)) & 1) << (7 - level)
    return palette


def voc_plus_equal_into_uint8(n=256):
    labels = np.arange(n)
    palette = np.zeros((n, 3), dtype=np.uint8)
    for level in range(8):
        palette[:, 0] += ((labels >> (3 * level)) & 1) << (7 - level)
        palette[:, 1] += ((labels >> (3 * level + 1)) & 1) << (7 - level)
        palette[:, 2] += ((labels >> (3 * level + 2)) & 1) << (7 - level)
    return palette


VOC_WRONG = [
    (voc_written_as_bgr, "voc_colormap.bgr", "BGR"),
    (voc_converted_with_cvtcolor, "voc_colormap.bgr", "BGR"),
    (voc_bits_to_blue_first, "voc_colormap.bgr", "RGB"),
    (voc_green_and_blue_swapped, "voc_colormap.channel_order", "column 1 green"),
    (voc_without_the_shift, "voc_colormap.one_level", "shift the label right by 3"),
    (voc_bits_from_the_bottom, "voc_colormap.low_bits_first", "128 (1 << 7)"),
    (voc_shifted_one_too_far, "voc_colormap.bit_offset", "7 - level"),
    (voc_shifted_one_too_little, "voc_colormap.bit_offset", "one place off"),
    (voc_from_label_one, "voc_colormap.from_label_one", "label 0"),
    (voc_divided_by_255, "voc_colormap.normalised", "do not divide by 255"),
    (voc_int64, "voc_colormap.not_uint8", "uint8"),
    (voc_float32_0_255, "voc_colormap.not_uint8", "uint8"),
    (voc_channels_first, "voc_colormap.transposed", "(n, 3), not (3, n)"),
    (voc_always_256, "voc_colormap.ignores_n", "n rows"),
]


@pytest.mark.parametrize("fn, mistake, phrases", _params(VOC_WRONG))
def test_voc_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected("voc_colormap", fn, *phrases, mistake=mistake)


@pytest.mark.parametrize("fn", [voc_or_into_uint8, voc_plus_equal_into_uint8])
def test_voc_uint8_palette_filled_with_int64_bits(fn):
    assert_rejected("voc_colormap", fn, "astype(np.uint8)", status="error", mistake="voc_colormap.uint8_or")


def test_voc_list_of_tuples_is_a_wrong_type():
    assert_rejected("voc_colormap", lambda n=256: [tuple(c) for c in voc_loop(n)], "NumPy array",
                    mistake="generic.wrong_type")


def test_voc_renamed_parameter():
    def voc_colormap(N=256, normalized=False):
        return voc_loop(N)
    assert_rejected("voc_colormap", voc_colormap, "parameters", mistake="generic.wrong_parameters")


def test_voc_correct_variants():
    assert_accepted("voc_colormap", voc_loop)

    def vectorised(n=256):
        labels = np.arange(n)[:, None]
        channel = np.arange(3)[None, :]
        out = np.zeros((n, 3), dtype=np.int64)
        for level in range(8):
            out += ((labels >> (3 * level + channel)) & 1) << (7 - level)
        return out.astype(np.uint8)
    assert_accepted("voc_colormap", vectorised)

    def bitget(byteval, idx):
        return (byteval & (1 << idx)) != 0

    def classic(n=256):
        cmap = np.zeros((n, 3), dtype="uint8")
        for i in range(n):
            r = g = b = 0
            c = i
            for j in range(8):
                r = r | (bitget(c, 0) << 7 - j)
                g = g | (bitget(c, 1) << 7 - j)
                b = b | (bitget(c, 2) << 7 - j)
                c = c >> 3
            cmap[i] = np.array([r, g, b])
        return cmap
    assert_accepted("voc_colormap", classic)

    def with_uint8_bits(n=256):
        labels = np.arange(n)
        palette = np.zeros((n, 3), dtype=np.uint8)
        for level in range(8):
            for channel in range(3):
                palette[:, channel] |= (((labels >> (3 * level + channel)) & 1) << (7 - level)).astype(np.uint8)
        return palette
    assert_accepted("voc_colormap", with_uint8_bits)


# =========================================================================== scores_to_label_map
def labels_default_resize(scores, size):
    labels = np.argmax(scores, axis=0).astype(np.uint8)
    return cv2.resize(labels, size)  # default INTER_LINEAR


def labels_interpolation_passed_as_dst(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint8)
    return cv2.resize(labels, size, cv2.INTER_NEAREST)  # the third positional argument is dst


def labels_cubic(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint16)
    return cv2.resize(labels, size, interpolation=cv2.INTER_CUBIC)


def labels_area(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint16)
    return cv2.resize(labels, size, interpolation=cv2.INTER_AREA)


def labels_float_then_truncated(scores, size):
    labels = scores.argmax(axis=0).astype(np.float32)
    return cv2.resize(labels, size).astype(np.int32)


def labels_float_then_rounded(scores, size):
    labels = scores.argmax(axis=0).astype(np.float32)
    return np.round(cv2.resize(labels, size, interpolation=cv2.INTER_LINEAR)).astype(np.int64)


def labels_with_pillow_default(scores, size):
    return np.asarray(Image.fromarray(scores.argmax(0).astype(np.uint8)).resize(size)).astype(np.int32)


def labels_float_returned(scores, size):
    return cv2.resize(scores.argmax(axis=0).astype(np.float32), size)


def labels_int64_default_resize(scores, size):
    return cv2.resize(scores.argmax(axis=0), size)


def labels_int32_bilinear(scores, size):
    return cv2.resize(scores.argmax(axis=0).astype(np.int32), size, interpolation=cv2.INTER_LINEAR)


def scores_resized_first(scores, size):
    big = np.stack([cv2.resize(s, size) for s in scores.astype(np.float32)])
    return big.argmax(axis=0)


def scores_resized_first_channels_last(scores, size):
    hwc = np.ascontiguousarray(scores.transpose(1, 2, 0))
    big = cv2.resize(hwc, size, interpolation=cv2.INTER_LINEAR)
    return big.reshape(size[1], size[0], -1).argmax(axis=-1).astype(np.int32)


def scores_resized_first_cubic(scores, size):
    big = np.stack([cv2.resize(s.astype(np.float64), size, interpolation=cv2.INTER_CUBIC) for s in scores])
    return big.argmax(axis=0)


def argmax_last_axis(scores, size):
    labels = scores.argmax(axis=-1).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def argmax_axis_one(scores, size):
    labels = np.argmax(scores, axis=1).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST_EXACT)


def size_read_as_height_width(scores, size):
    height, width = size
    labels = np.argmax(scores, axis=0).astype(np.int32)
    return cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)


def size_reversed(scores, size):
    return cv2.resize(scores.argmax(0).astype(np.int32), size[::-1], interpolation=cv2.INTER_NEAREST)


def not_resized(scores, size):
    return scores.argmax(axis=0)


def max_instead_of_argmax(scores, size):
    return cv2.resize(np.max(scores, axis=0), size, interpolation=cv2.INTER_NEAREST)


def cast_to_uint8(scores, size):
    labels = scores.argmax(axis=0).astype(np.uint8)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def cast_to_int8(scores, size):
    return cv2.resize(scores.argmax(axis=0).astype(np.int8), size, interpolation=cv2.INTER_NEAREST)


def float_labels_nearest(scores, size):
    labels = np.argmax(scores, axis=0).astype(np.float32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


LABEL_MAP_WRONG = [
    (labels_default_resize, "scores_to_label_map.labels_interpolated", "interpolated", "INTER_NEAREST"),
    (labels_interpolation_passed_as_dst, "scores_to_label_map.labels_interpolated", "by keyword", "dst"),
    (labels_cubic, "scores_to_label_map.labels_interpolated", "interpolated"),
    (labels_area, "scores_to_label_map.labels_interpolated", "interpolated"),
    (labels_float_then_truncated, "scores_to_label_map.labels_interpolated", "interpolated"),
    (labels_float_then_rounded, "scores_to_label_map.labels_interpolated", "interpolated"),
    (labels_with_pillow_default, "scores_to_label_map.labels_interpolated", "interpolated"),
    (labels_float_returned, "scores_to_label_map.float_interpolated", "fractions"),
    (scores_resized_first, "scores_to_label_map.scores_resized_first", "legitimate method",
     "not the one this exercise asks for", "argmax first"),
    (scores_resized_first_channels_last, "scores_to_label_map.scores_resized_first", "legitimate method"),
    (scores_resized_first_cubic, "scores_to_label_map.scores_resized_first", "legitimate method"),
    (argmax_last_axis, "scores_to_label_map.wrong_axis", "axis 0 of (C, h, w)"),
    (argmax_axis_one, "scores_to_label_map.wrong_axis", "axis 0 of (C, h, w)"),
    (size_read_as_height_width, "scores_to_label_map.size_swapped", "(width, height)"),
    (size_reversed, "scores_to_label_map.size_swapped", "(width, height)"),
    (not_resized, "scores_to_label_map.not_resized", "network's resolution"),
    (max_instead_of_argmax, "scores_to_label_map.max_not_argmax", "argmax"),
    (cast_to_uint8, "scores_to_label_map.labels_wrapped", "uint8 holds 0-255", "np.int32"),
    (cast_to_int8, "scores_to_label_map.labels_wrapped", "np.int32"),
    (float_labels_nearest, "scores_to_label_map.float_labels", "stored as floats"),
]


@pytest.mark.parametrize("fn, mistake, phrases", _params(LABEL_MAP_WRONG))
def test_label_map_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected("scores_to_label_map", fn, *phrases, mistake=mistake)


def test_label_map_argmax_over_the_last_axis_is_not_called_interpolation():
    result = assert_rejected("scores_to_label_map", argmax_last_axis, mistake="scores_to_label_map.wrong_axis")
    assert "interpolated" not in result.message


def test_label_map_scores_resized_first_is_not_called_a_mistake():
    result = assert_rejected("scores_to_label_map", scores_resized_first,
                             mistake="scores_to_label_map.scores_resized_first")
    for word in ("mistake", "wrong", "invent"):
        assert word not in result.message.lower()


@pytest.mark.parametrize("fn", [labels_int64_default_resize, labels_int32_bilinear])
def test_label_map_integer_labels_interpolated_by_cv2(fn):
    assert_rejected("scores_to_label_map", fn, "INTER_NEAREST", status="error",
                    mistake="scores_to_label_map.int_interpolated")


def test_label_map_as_a_list():
    assert_rejected("scores_to_label_map",
                    lambda scores, size: cv2.resize(scores.argmax(0).astype(np.int32), size,
                                                    interpolation=cv2.INTER_NEAREST).tolist(),
                    "NumPy array", mistake="generic.wrong_type")


def test_label_map_changes_the_scores_in_place():
    def scores_to_label_map(scores, size):
        scores -= scores.max(axis=0, keepdims=True)
        return cv2.resize(scores.argmax(0).astype(np.int32), size, interpolation=cv2.INTER_NEAREST)
    assert_rejected("scores_to_label_map", scores_to_label_map, "in place", mistake="generic.changed_input")


def test_label_map_correct_variants():
    def with_numpy_indexing(scores, size):
        labels = scores.argmax(0)
        width, height = size
        rows = (np.arange(height) * labels.shape[0]) // height
        cols = (np.arange(width) * labels.shape[1]) // width
        return labels[rows[:, None], cols[None, :]]
    assert_accepted("scores_to_label_map", with_numpy_indexing)

    def with_nearest_exact(scores, size):
        labels = scores.argmax(axis=0).astype(np.uint16)
        return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST_EXACT)
    assert_accepted("scores_to_label_map", with_nearest_exact)

    def with_pixel_centres(scores, size):
        labels = scores.argmax(axis=0)
        width, height = size
        rows = np.minimum(((np.arange(height) + 0.5) * labels.shape[0] / height).astype(int), labels.shape[0] - 1)
        cols = np.minimum(((np.arange(width) + 0.5) * labels.shape[1] / width).astype(int), labels.shape[1] - 1)
        return labels[np.ix_(rows, cols)].astype(np.int64)
    assert_accepted("scores_to_label_map", with_pixel_centres)

    def int64_nearest(scores, size):
        return cv2.resize(np.argmax(scores, axis=0), dsize=size, interpolation=cv2.INTER_NEAREST)
    assert_accepted("scores_to_label_map", int64_nearest)

    def softmax_first_channels_last(scores, size):
        e = np.exp(scores - scores.max(axis=0))
        probs = (e / e.sum(axis=0)).transpose(1, 2, 0)
        return cv2.resize(probs.argmax(axis=-1).astype(np.int32), size, interpolation=cv2.INTER_NEAREST)
    assert_accepted("scores_to_label_map", softmax_first_channels_last)

    def scores_resized_with_nearest(scores, size):
        big = np.stack([cv2.resize(s, size, interpolation=cv2.INTER_NEAREST) for s in scores])
        return big.argmax(axis=0)
    assert_accepted("scores_to_label_map", scores_resized_with_nearest)

    def with_pillow_nearest(scores, size):
        picture = Image.fromarray(scores.argmax(0).astype(np.int32))
        return np.asarray(picture.resize(size, Image.Resampling.NEAREST))
    assert_accepted("scores_to_label_map", with_pillow_nearest)


# =========================================================================== colorize
def _checked(label_map, palette):
    if label_map.min() < 0 or label_map.max() >= len(palette):
        bad = label_map.min() if label_map.min() < 0 else label_map.max()
        raise ValueError(f"label {bad} has no colour in a palette of {len(palette)}")


def colorize_with_cvtcolor(label_map, palette):
    _checked(label_map, palette)
    return cv2.cvtColor(palette[label_map], cv2.COLOR_RGB2BGR)


def colorize_reversed(label_map, palette):
    _checked(label_map, palette)
    return palette[label_map][:, :, ::-1]


def colorize_with_apply_color_map(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 1, 3), np.uint8)
    n = min(len(palette), 256)
    table[:n, 0] = palette[:n]
    return cv2.applyColorMap(label_map.astype(np.uint8), table)


def colorize_with_lut(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 3), np.uint8)
    table[:min(len(palette), 256)] = palette[:256]
    labels = label_map.astype(np.uint8)
    return table[labels]


def colorize_float(label_map, palette):
    _checked(label_map, palette)
    return palette.astype(np.float32)[label_map]


def colorize_for_matplotlib(label_map, palette):
    _checked(label_map, palette)
    return palette[label_map] / 255


def colorize_channels_first(label_map, palette):
    _checked(label_map, palette)
    return np.moveaxis(palette[label_map], -1, 0)


def colorize_off_by_one(label_map, palette):
    if label_map.min() < 0 or label_map.max() > len(palette) - 2:
        raise ValueError(f"label {label_map.max()} is outside the palette")
    return np.take(palette, label_map, axis=0)


def colorize_refuses_the_ignore_label(label_map, palette):
    if (label_map == 255).any():
        raise ValueError("label 255 is the ignore label and has no colour")
    _checked(label_map, palette)
    return palette[label_map]


def colorize_short_table(label_map, palette):
    _checked(label_map, palette)
    return cv2.applyColorMap(label_map.astype(np.uint8), palette.reshape(-1, 1, 3))


def colorize_lut_on_int_labels(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 1, 3), np.uint8)
    table[:len(palette), 0] = palette[:256]
    return cv2.LUT(cv2.merge([label_map, label_map, label_map]), table)


def colorize_table_too_long(label_map, palette):
    _checked(label_map, palette)
    table = np.zeros((256, 1, 3), np.uint8)
    table[:len(palette), 0] = palette
    return cv2.applyColorMap(label_map.astype(np.uint8), table)


COLORIZE_WRONG = [
    (colorize_with_cvtcolor, "colorize.bgr", "BGR"),
    (colorize_reversed, "colorize.bgr", "BGR"),
    (colorize_with_apply_color_map, "colorize.labels_wrapped", "256 colours", "np.take"),
    (colorize_with_lut, "colorize.labels_wrapped", "label - 256"),
    (colorize_float, "colorize.not_uint8", "uint8"),
    (colorize_for_matplotlib, "colorize.not_uint8", "dividing by 255"),
    (colorize_channels_first, "colorize.channels_first", "(H, W, 3)"),
]


@pytest.mark.parametrize("fn, mistake, phrases", _params(COLORIZE_WRONG))
def test_colorize_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected("colorize", fn, *phrases, mistake=mistake)


@pytest.mark.parametrize("fn, mistake, phrase", [
    (colorize_off_by_one, "colorize.raises_on_last_label", ">= len(palette)"),
    (colorize_refuses_the_ignore_label, "colorize.raises_on_last_label", "valid"),
    (colorize_short_table, "colorize.lut_table", "256 colours"),
    (colorize_lut_on_int_labels, "colorize.lut_table", "uint8 labels"),
    (colorize_table_too_long, "colorize.table_too_long", "more than 256 colours"),
])
def test_colorize_errors_on_valid_maps_are_named(fn, mistake, phrase):
    assert_rejected("colorize", fn, phrase, status="error", mistake=mistake)


def test_colorize_lets_numpy_raise_index_error():
    assert_rejected("colorize", lambda label_map, palette: palette[label_map], "IndexError", "ValueError",
                    mistake="generic.wrong_exception")


def test_colorize_check_one_too_lenient():
    def colorize(label_map, palette):
        if label_map.min() < 0 or label_map.max() > len(palette):
            raise ValueError(f"label {label_map.max()} has no colour")
        return palette[label_map]
    assert_rejected("colorize", colorize, "label 21", "IndexError", mistake="generic.wrong_exception")


@pytest.mark.parametrize("fn, mistake", [
    (lambda label_map, palette: palette[label_map % len(palette)], "colorize.labels_modulo"),
    (lambda label_map, palette: np.take(palette, label_map, axis=0, mode="clip"), "colorize.labels_clipped"),
    (lambda label_map, palette: palette[np.clip(label_map, 0, len(palette) - 1)], "colorize.labels_clipped"),
])
def test_colorize_without_refusing_bad_labels(fn, mistake):
    assert_rejected("colorize", fn, "instead of raising ValueError", mistake=mistake)


def test_colorize_checks_only_the_largest_label():
    def colorize(label_map, palette):
        if label_map.max() >= len(palette):
            raise ValueError(f"label {label_map.max()} has no colour")
        return palette[label_map]
    result = assert_rejected("colorize", colorize, "instead of raising ValueError", "label_map.min() < 0",
                             mistake="colorize.negative_label")
    assert "-1" in result.message


def test_colorize_casts_to_uint8_before_checking():
    def colorize(label_map, palette):
        labels = label_map.astype(np.uint8)
        if labels.max() >= len(palette):
            raise ValueError(f"label {labels.max()} has no colour")
        return palette[labels]
    assert_rejected("colorize", colorize, "labels above 255", mistake="colorize.labels_wrapped")


def test_colorize_message_without_the_label():
    def colorize(label_map, palette):
        if label_map.max() >= len(palette) or label_map.min() < 0:
            raise ValueError("bad label")
        return palette[label_map]
    assert_rejected("colorize", colorize, "should mention", mistake="generic.raise_message")


def test_colorize_type_error_instead_of_value_error():
    def colorize(label_map, palette):
        if label_map.max() >= len(palette) or label_map.min() < 0:
            raise TypeError(f"label {label_map.max()} or {label_map.min()} has no colour")
        return palette[label_map]
    assert_rejected("colorize", colorize, "should raise ValueError", mistake="generic.wrong_exception")


def test_colorize_correct_variants():
    def with_lut(label_map, palette):
        bad = label_map[(label_map < 0) | (label_map >= len(palette))]
        if bad.size:
            raise ValueError(f"label {bad[0]} is outside the palette of {len(palette)} colours")
        if len(palette) > 256:
            return np.take(palette, label_map, axis=0)
        table = np.zeros((256, 1, 3), np.uint8)
        table[:len(palette), 0] = palette
        labels = label_map.astype(np.uint8)
        return cv2.LUT(cv2.merge([labels, labels, labels]), table)
    assert_accepted("colorize", with_lut)

    def per_class(label_map, palette):
        out = np.zeros(label_map.shape + (3,), np.uint8)
        for label in np.unique(label_map):
            if not 0 <= label < len(palette):
                raise ValueError(f"no colour for label {label}")
            out[label_map == label] = palette[label]
        return out
    assert_accepted("colorize", per_class)

    def with_fancy_indexing(label_map, palette):
        low, high = int(label_map.min()), int(label_map.max())
        for bad in (low, high):
            if not 0 <= bad < len(palette):
                raise ValueError(f"label {bad} is not a palette index (0..{len(palette) - 1})")
        return palette[label_map]
    assert_accepted("colorize", with_fancy_indexing)


# =========================================================================== overlay
def _colours(label_map, palette):
    return np.asarray(palette)[label_map]


def _sizes(image, label_map):
    if image.shape[:2] != label_map.shape:
        raise ValueError(f"image {image.shape[:2]} and label map {label_map.shape} differ in size")


def overlay_blends_everything(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    return cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)


def overlay_blends_everything_in_float(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    return ((1 - alpha) * image + alpha * _colours(label_map, palette)).astype(np.uint8)


def overlay_darkens_the_background(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    colours = _colours(label_map, palette).copy()
    colours[label_map == background] = 0
    return cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)


def overlay_alpha_the_wrong_way_round(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = image.copy()
    mask = label_map != background
    out[mask] = (alpha * image[mask] + (1 - alpha) * _colours(label_map, palette)[mask]).round()
    return out


def overlay_add_weighted_swapped(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, alpha, _colours(label_map, palette), 1 - alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


def overlay_background_hard_coded(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    return np.where((label_map > 0)[..., None], blended, image)


def overlay_skips_zero_and_background(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    mask = (label_map != 0) & (label_map != background)
    return np.where(mask[..., None], blended, image)


def overlay_greater_than_background(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    return np.where((label_map > background)[..., None], blended, image)


def overlay_mask_the_wrong_way_round(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    return np.where((label_map == background)[..., None], blended, image)


def overlay_pure_colour(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    colours = _colours(label_map, palette)
    return np.where((label_map != background)[..., None], colours, image)


def overlay_blend_discarded(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = image.copy()
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    cv2.copyTo(blended, (label_map != background).astype(np.uint8))  # returns a new array, not kept
    return out


def overlay_half_and_half(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = image.copy()
    mask = label_map != background
    out[mask] = (image[mask].astype(np.uint16) + _colours(label_map, palette)[mask]) // 2
    return out


def overlay_adds_the_colour(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1, _colours(label_map, palette), alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


def overlay_palette_to_bgr(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    colours = _colours(label_map, palette[:, ::-1])
    blended = cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


def overlay_image_to_rgb(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    blended = cv2.addWeighted(rgb, 1 - alpha, _colours(label_map, palette), alpha, 0)
    return np.where((label_map != background)[..., None], blended, rgb)


def overlay_float_result(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = (1 - alpha) * image + alpha * _colours(label_map, palette)
    return np.where((label_map != background)[..., None], blended, image)


OVERLAY_WRONG = [
    (overlay_blends_everything, "overlay.background_blended", "background is blended"),
    (overlay_blends_everything_in_float, "overlay.background_blended", "background is blended"),
    (overlay_darkens_the_background, "overlay.background_blended", "keep the image's value exactly"),
    (overlay_alpha_the_wrong_way_round, "overlay.alpha_reversed", "alpha is the weight of the colour"),
    (overlay_add_weighted_swapped, "overlay.alpha_reversed", "alpha is the weight of the colour"),
    (overlay_background_hard_coded, "overlay.background_zero", "label 0"),
    (overlay_skips_zero_and_background, "overlay.background_zero", "label 0"),
    (overlay_greater_than_background, "overlay.greater_than", "label_map != background"),
    (overlay_mask_the_wrong_way_round, "overlay.mask_inverted", "left the objects"),
    (overlay_pure_colour, "overlay.pure_colour", "pure class colour"),
    (overlay_blend_discarded, "overlay.unchanged", "unchanged"),
    (overlay_half_and_half, "overlay.alpha_ignored", "whatever alpha is"),
    (overlay_adds_the_colour, "overlay.weights_not_one", "add up to 1"),
    (overlay_palette_to_bgr, "overlay.channels_converted", "same channel order"),
    (overlay_image_to_rgb, "overlay.channels_converted", "same channel order"),
    (overlay_float_result, "overlay.not_uint8", "uint8"),
]


@pytest.mark.parametrize("fn, mistake, phrases", _params(OVERLAY_WRONG))
def test_overlay_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected("overlay", fn, *phrases, mistake=mistake)


def test_overlay_blending_the_background_is_named_on_the_first_case():
    result = assert_rejected("overlay", overlay_blends_everything, mistake="overlay.background_blended")
    assert result.message.startswith("for a (6, 8, 3) image, labels 0-3")


def overlay_mask_without_channel_axis(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    return np.where(label_map != background, blended, image)


# Mistakes that only OpenCV 4 makes into errors: {id: why}. On OpenCV 5 their code is right.
OPENCV4_ONLY = {"overlay.bool_mask": "OpenCV 5's copyTo takes a bool mask"}


def overlay_bool_mask_to_copy_to(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    out = image.copy()
    cv2.copyTo(blended, label_map != background, out)
    return out


def overlay_float_colours_to_add_weighted(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    colours = _colours(label_map, palette).astype(np.float32)
    blended = cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)
    return np.where((label_map != background)[..., None], blended, image)


def overlay_compares_whole_shapes(image, label_map, palette, alpha=0.5, background=0):
    if image.shape != label_map.shape:
        raise ValueError(f"the label map {label_map.shape} must have the image's shape {image.shape}")
    return overlay_float_result(image, label_map, palette, alpha, background).astype(np.uint8)


@pytest.mark.parametrize("fn, mistake, phrase", [
    (overlay_mask_without_channel_axis, "overlay.mask_axis", "mask[..., None]"),
    (overlay_bool_mask_to_copy_to, "overlay.bool_mask", "astype(np.uint8)"),
    (overlay_float_colours_to_add_weighted, "overlay.dtypes_differ", "same dtype"),
    (overlay_compares_whole_shapes, "overlay.size_check_wrong", "image.shape[:2]"),
])
def test_overlay_errors_on_valid_input_are_named(fn, mistake, phrase):
    if mistake in OPENCV4_ONLY and not cv2.__version__.startswith("4."):
        assert_accepted("overlay", fn)   # the same code is right on OpenCV 5
        return
    assert_rejected("overlay", fn, phrase, status="error", mistake=mistake)


def test_overlay_in_place():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        _sizes(image, label_map)
        mask = label_map != background
        image[mask] = (1 - alpha) * image[mask] + alpha * _colours(label_map, palette)[mask]
        return image
    assert_rejected("overlay", overlay, "in place", mistake="generic.changed_input")


def test_overlay_no_size_check():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
        return np.where((label_map != background)[..., None], blended, image)
    assert_rejected("overlay", overlay, "should raise ValueError", mistake="generic.wrong_exception")


def test_overlay_relying_on_numpy_broadcasting_errors():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        blended = (1 - alpha) * image + alpha * _colours(label_map, palette)
        return np.where((label_map != background)[..., None], blended, image).round().astype(np.uint8)
    result = assert_rejected("overlay", overlay, "instead of raising ValueError", mistake="generic.no_raise")
    assert "NumPy would broadcast it" in result.message


def test_overlay_background_off_by_one_is_not_accepted():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        _sizes(image, label_map)
        out = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
        kept = label_map == background
        out[kept] = np.minimum(image[kept].astype(np.int16) + 1, 255)
        return out
    result = assert_rejected("overlay", overlay, "must keep the image's value")
    assert result.mistake is None


def test_overlay_correct_variants():
    def with_numpy(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError(f"image {image.shape} and labels {label_map.shape} differ")
        out = image.copy()
        mask = label_map != background
        colours = np.asarray(palette, np.float32)[label_map[mask]]
        out[mask] = np.clip((1 - alpha) * image[mask] + alpha * colours, 0, 255).astype(np.uint8)
        return out
    assert_accepted("overlay", with_numpy)

    def with_copy_to(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("image and label map sizes differ")
        blended = cv2.addWeighted(image, 1 - alpha, np.take(palette, label_map, axis=0), alpha, 0)
        out = image.copy()
        cv2.copyTo(blended, (label_map != background).astype(np.uint8), out)
        return out
    assert_accepted("overlay", with_copy_to)

    def with_an_alpha_map(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("the label map must be (H, W) like the image")
        weight = alpha * (label_map != background)[..., None]
        blend = (1 - weight) * image + weight * np.asarray(palette)[label_map]
        return np.rint(blend).astype(np.uint8)
    assert_accepted("overlay", with_an_alpha_map)

    def with_where_and_rounding(image, label_map, palette, alpha=0.5, background=0):
        if label_map.shape != image.shape[:2]:
            raise ValueError(f"label map {label_map.shape} vs image {image.shape}")
        colours = palette[label_map].astype(np.float64)
        blended = np.round(image * (1.0 - alpha) + colours * alpha).astype(np.uint8)
        return np.where(np.expand_dims(label_map == background, -1), image, blended)
    assert_accepted("overlay", with_where_and_rounding)


# =========================================================================== a fresh corpus of learner answers
# Written blind (from the prompts only) by learners of every kind, then checked: each wrong answer
# must be named with its own mistake, each right one accepted.
def voc_two_levels(n=256):
    labels = np.arange(n)
    out = np.zeros((n, 3), dtype=np.uint8)
    for level in range(2):  # enough for the 21 VOC classes, not for 256 labels
        for channel in range(3):
            out[:, channel] |= (((labels >> (3 * level + channel)) & 1) << (7 - level)).astype(np.uint8)
    return out


def voc_shifts_by_one_bit(n=256):
    out = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= (c & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 1
        out[i] = (r, g, b)
    return out


def voc_default_is_21(n=21):
    return voc_loop(n)


def voc_int8(n=256):
    return voc_loop(n).astype(np.int8)


def label_map_argmin(scores, size):
    return cv2.resize(scores.argmin(axis=0).astype(np.int32), size, interpolation=cv2.INTER_NEAREST)


def label_map_by_repeat(scores, size):
    labels = scores.argmax(axis=0)
    fy, fx = max(size[1] // labels.shape[0], 1), max(size[0] // labels.shape[1], 1)
    return np.repeat(np.repeat(labels, fy, axis=0), fx, axis=1)


def label_map_by_scale_factors(scores, size):
    labels = scores.argmax(axis=0).astype(np.int32)
    fy, fx = size[1] // labels.shape[0], size[0] // labels.shape[1]
    return cv2.resize(labels, None, fx=max(fx, 1), fy=max(fy, 1), interpolation=cv2.INTER_NEAREST)


def label_map_after_a_naive_softmax(scores, size):
    e = np.exp(scores.astype(np.float32))
    labels = (e / e.sum(axis=0)).argmax(axis=0).astype(np.int32)
    return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)


def colorize_try_except(label_map, palette):
    try:
        return palette[label_map]
    except IndexError as exc:
        raise ValueError(f"label out of range: {exc}") from None


def colorize_int64_colours(label_map, palette):
    _checked(label_map, palette)
    return palette.astype(np.int64)[label_map]


def overlay_uint8_difference(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = image.copy()
    mask = label_map != background
    diff = _colours(label_map, palette)[mask] - image[mask]  # uint8 - uint8 wraps
    out[mask] = (image[mask] + alpha * diff).astype(np.uint8)
    return out


def overlay_uint8_sum_halved(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = image.copy()
    mask = label_map != background
    out[mask] = (image[mask] + _colours(label_map, palette)[mask]) // 2  # uint8 + uint8 wraps
    return out


def overlay_black_background(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    out = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    out[label_map == background] = 0
    return out


def overlay_each_term_to_uint8(image, label_map, palette, alpha=0.5, background=0):
    _sizes(image, label_map)
    colours = _colours(label_map, palette)
    blended = (image * (1 - alpha)).astype(np.uint8) + (colours * alpha).astype(np.uint8)
    return np.where((label_map != background)[..., None], blended, image)


def overlay_shape_check_without_words(image, label_map, palette, alpha=0.5, background=0):
    if image.shape != label_map.shape:
        raise ValueError(f"{image.shape} != {label_map.shape}")
    return overlay_float_result(image, label_map, palette, alpha, background).astype(np.uint8)


FRESH_WRONG = [
    (voc_two_levels, "voc_colormap.too_few_levels", "stops too early"),
    (voc_shifts_by_one_bit, "voc_colormap.shift_too_little", "right by 3"),
    (voc_default_is_21, "voc_colormap.default_n", "n=256"),
    (voc_int8, "voc_colormap.not_uint8", "uint8"),
    (label_map_argmin, "scores_to_label_map.argmin", "highest score"),
    (label_map_by_repeat, "scores_to_label_map.whole_factor", "whole numbers"),
    (label_map_by_scale_factors, "scores_to_label_map.whole_factor", "whole numbers"),
    (label_map_after_a_naive_softmax, "scores_to_label_map.softmax_overflow", "overflows", "argmax(axis=0)"),
    (colorize_try_except, "colorize.negative_label", "-1", "last colour"),
    (colorize_int64_colours, "colorize.not_uint8", "not uint8", "wider integer"),
    (overlay_uint8_difference, "overlay.uint8_wrapped", "modulo 256"),
    (overlay_uint8_sum_halved, "overlay.uint8_wrapped", "modulo 256"),
    (overlay_black_background, "overlay.background_replaced", "exactly as they were"),
    (overlay_each_term_to_uint8, "overlay.truncated_twice", "round once"),
]


def _exercise_of(fn):
    """The exercise a wrong answer above is for, from its name's first word."""
    prefix = fn.__name__.split("_")[0]
    return {"voc": "voc_colormap", "label": "scores_to_label_map"}.get(prefix, prefix)


@pytest.mark.parametrize("fn, mistake, phrases", _params(FRESH_WRONG))
def test_fresh_wrong_answers_are_named(fn, mistake, phrases):
    assert_rejected(_exercise_of(fn), fn, *phrases, mistake=mistake)


def test_fresh_errors_on_valid_input_are_named():
    assert_rejected("overlay", overlay_shape_check_without_words, "image.shape[:2]", status="error",
                    mistake="overlay.size_check_wrong")


def test_fresh_index_errors_are_wrong_since_the_prompt_asks_for_value_error():
    def names_the_label(label_map, palette):
        if label_map.size and (label_map.min() < 0 or label_map.max() >= len(palette)):
            raise IndexError(f"label {label_map.max()} has no colour")
        return palette[label_map]
    assert_rejected("colorize", names_the_label, "IndexError", "should raise ValueError",
                    mistake="generic.wrong_exception")


def test_fresh_right_answers_are_accepted():
    def voc_while_loop(n=256):
        rows = []
        for k in range(n):
            rgb, shift = [0, 0, 0], 7
            while k and shift >= 0:
                for channel in range(3):
                    rgb[channel] |= (k & 1) << shift
                    k >>= 1
                shift -= 1
            rows.append(rgb)
        return np.array(rows, dtype=np.uint8).reshape(n, 3)
    assert_accepted("voc_colormap", voc_while_loop)

    def nearest_exact(scores, size):  # another nearest-neighbour convention: labels never interpolated
        return cv2.resize(scores.argmax(0).astype(np.int32), size, interpolation=cv2.INTER_NEAREST_EXACT)
    assert_accepted("scores_to_label_map", nearest_exact)

    def transposed_twice(scores, size):
        labels = scores.argmax(0).T.astype(np.int32)
        return cv2.resize(labels, (size[1], size[0]), interpolation=cv2.INTER_NEAREST).T.copy()
    assert_accepted("scores_to_label_map", transposed_twice)

    def uint16_labels(scores, size):
        return cv2.resize(np.argmax(scores, axis=0).astype(np.uint16), tuple(size),
                          interpolation=cv2.INTER_NEAREST)
    assert_accepted("scores_to_label_map", uint16_labels)

    def unique_loop(label_map, palette):
        out = np.zeros(label_map.shape + (3,), dtype=np.uint8)
        for label in np.unique(label_map):
            if not 0 <= label < len(palette):
                raise ValueError(f"label {label} not in palette (0..{len(palette) - 1})")
            out[label_map == label] = palette[label]
        return out
    assert_accepted("colorize", unique_loop)

    def take_after_negatives(label_map, palette):
        bad = label_map[(label_map < 0) | (label_map >= len(palette))]
        if bad.size:
            raise ValueError(f"label {bad.flat[0]} has no colour")
        return np.take(palette, label_map, axis=0)
    assert_accepted("colorize", take_after_negatives)

    def truncating_blend(image, label_map, palette, alpha=0.5, background=0):
        _sizes(image, label_map)
        out = image.copy()
        mask = label_map != background
        out[mask] = ((1 - alpha) * image[mask] + alpha * palette[label_map[mask]]).astype(np.uint8)
        return out
    assert_accepted("overlay", truncating_blend)

    def whole_map_coloured_first(image, label_map, palette, alpha=0.5, background=0):
        _sizes(image, label_map)
        blended = np.rint((1 - alpha) * image.astype(np.float32) + alpha * palette[label_map])
        return np.where((label_map != background)[..., None], blended.astype(np.uint8), image)
    assert_accepted("overlay", whole_map_coloured_first)


# =========================================================================== every answer is checked once
def test_every_named_mistake_of_these_exercises_has_a_test_here():
    from helpers.exercises.core import get_exercise

    tested = {m for _, m, *_ in VOC_WRONG + LABEL_MAP_WRONG + COLORIZE_WRONG + OVERLAY_WRONG + FRESH_WRONG}
    tested |= {"voc_colormap.uint8_or", "scores_to_label_map.int_interpolated", "colorize.raises_on_last_label",
               "colorize.lut_table", "colorize.table_too_long", "overlay.mask_axis", "overlay.bool_mask",
               "overlay.dtypes_differ", "overlay.size_check_wrong", "colorize.negative_label",
               "colorize.labels_modulo", "colorize.labels_clipped"}
    for name in ("voc_colormap", "scores_to_label_map", "colorize", "overlay"):
        ids = {m.id for m in get_exercise(name).mistakes}
        assert ids <= tested, f"{name}: no learner's answer in this file tests {sorted(ids - tested)}"


def test_reference_outputs_pass_their_own_checks():
    from helpers.exercises.core import get_exercise

    for name in ("voc_colormap", "scores_to_label_map", "colorize", "overlay"):
        assert check(name, get_exercise(name).reference).passed
