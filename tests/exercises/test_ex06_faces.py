"""The checks of kata 06's face-detector exercises reject what learners really write, naming the mistake.

Each wrong answer below is written the way a learner writes it (not the checker's own example of
the mistake) and must be rejected with the id of its mistake and words that name it; each correct
answer, written differently from the reference, must be accepted.
"""
import collections
import itertools
import math

import numpy as np
import pytest

from .conftest import assert_accepted, assert_rejected


def _wrong(mistake, *phrases, status="incorrect"):
    """Mark a learner's wrong answer with the mistake id and the words its message must hold."""
    def mark(fn):
        fn.expected = (mistake, phrases, status)
        return fn
    return mark


def _params(*functions):
    return [pytest.param(fn, id=fn.__name__) for fn in functions]


# --------------------------------------------------------------------------- #
# sigmoid
# --------------------------------------------------------------------------- #
@_wrong("sigmoid.overflow", "overflows", "exp(-|x|)")
def textbook(x):
    return 1 / (1 + np.exp(-x))


@_wrong("sigmoid.overflow", "overflows")
def textbook_as_floats(x):
    x = np.asarray(x)
    return 1.0 / (1.0 + np.exp(-1.0 * x))


@_wrong("sigmoid.float32_overflow", "float32", "+-100")
def clipped_like_mediapipe(x):
    x = np.clip(x, -100.0, 100.0)
    return 1 / (1 + np.exp(-x))


@_wrong("sigmoid.float32_overflow", "float32", "88")
def clipped_to_500(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


@_wrong("sigmoid.nan_for_large_positive", "nan", "inf / inf")
def exp_over_one_plus_exp(x):
    return np.exp(x) / (1 + np.exp(x))


@_wrong("sigmoid.nan_for_large_positive", "nan")
def exp_over_exp_plus_one(x):
    e = np.exp(x)
    return e / (e + 1)


@_wrong("sigmoid.nan_for_large_negative", "nan", "large negative")
def one_minus_the_mirror(x):
    e = np.exp(-x)
    return 1 - e / (1 + e)


@_wrong("sigmoid.nan_for_infinity", "nan", "infinite")
def minus_logaddexp(x):
    return np.exp(x - np.logaddexp(0, x))


@_wrong("sigmoid.exp_of_large_positive", "both branches")
def where_with_both_formulas(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


@_wrong("sigmoid.exp_of_large_positive", "large positive")
def one_minus_mirror_textbook(x):
    return 1 - 1 / (1 + np.exp(x))


@_wrong("sigmoid.of_abs_x", "sigmoid(|x|)", "above 0.5")
def e_without_abs(x):
    e = np.exp(-x)
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_wrong("sigmoid.of_abs_x", "sigmoid(|x|)")
def first_half_of_the_hint(x):
    return 1 / (1 + np.exp(-np.abs(x)))


@_wrong("sigmoid.of_minus_abs_x", "sigmoid(-|x|)")
def second_half_of_the_hint(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e)


@_wrong("sigmoid.float64_result", "float64")
def promoted_to_float64(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_wrong("sigmoid.float64_result", "float64")
def vectorised_math_exp(x):
    return np.vectorize(lambda v: 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)))(x)


@_wrong("sigmoid.float32_result", "float32 for a float64")
def always_float32(x):
    x = np.asarray(x, np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_wrong("sigmoid.flattened", "shape")
def list_comprehension_over_the_elements(x):
    return np.array([1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
                     for v in np.ravel(x)], dtype=np.asarray(x).dtype)


@_wrong("sigmoid.math_exp_on_array", "np.exp", status="error")
def math_exp(x):
    return 1 / (1 + math.exp(-x))


@_wrong("sigmoid.math_overflow", "overflowerror", status="error")
def loop_with_math_exp(x):
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        out[index] = 1 / (1 + math.exp(-float(x[index])))
    return out


@_wrong("sigmoid.softmax", "softmax")
def softmax_over_the_anchors(x):
    e = np.exp(x - x.max())
    return e / e.sum()


@_wrong("sigmoid.softmax", "softmax")
def softmax_along_the_anchor_axis(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@_wrong("sigmoid.nan_for_infinity", "nan", "infinite")
def two_class_softmax(x):
    pair = np.stack([np.zeros_like(x), x], axis=-1)
    e = np.exp(pair - pair.max(axis=-1, keepdims=True))
    return e[..., 1] / e.sum(axis=-1)


@_wrong("sigmoid.softmax", "softmax", "length 1")
def notebook_02_softmax(x):
    from helpers.probabilities import softmax
    return softmax(x)  # along the last axis, of length 1: all ones


@_wrong("sigmoid.math_overflow", "overflowerror", status="error")
def power_of_e_in_a_loop(x):
    return np.array([1 / (1 + math.e ** -v) for v in x.ravel().tolist()], x.dtype).reshape(x.shape)


@_wrong("sigmoid.clipped", "clipped")
def clipped_to_ten(x):
    x = np.clip(x, -10, 10)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_wrong("sigmoid.clipped", "clipped", "probabilities")
def probabilities_clipped(x):
    e = np.exp(-np.abs(x))
    return np.clip(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), 0.001, 0.999)


@_wrong("sigmoid.sign_flipped", "sigmoid(-x)")
def sign_inside_exp_lost(x):
    return 1 / (1 + np.exp(x))


@_wrong("sigmoid.sign_flipped", "swapped")
def branches_swapped(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))


@_wrong("sigmoid.tanh", "tanh", "(1 + tanh(x / 2)) / 2")
def plain_tanh(x):
    return np.tanh(x)


@_wrong("sigmoid.tanh", "tanh")
def tanh_of_half(x):
    return np.tanh(x / 2)


@_wrong("sigmoid.tanh_of_x", "sigmoid(2x)", "x / 2")
def tanh_without_halving(x):
    return (1 + np.tanh(x)) / 2


@_wrong("sigmoid.brackets", "brackets")
def missing_brackets(x):
    return 1 / 1 + np.exp(-x)


@_wrong("sigmoid.brackets", "brackets")
def missing_brackets_in_one_branch(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / 1 + e)


@_wrong("sigmoid.zero", "x = 0", "0.5")
def zero_forgotten(x):
    e = np.exp(-np.abs(x))
    return np.where(x > 0, 1 / (1 + e), np.where(x < 0, e / (1 + e), 0))


@_wrong("sigmoid.negative_side", "negative logits", "x < 0")
def negatives_never_filled(x):
    out = np.zeros_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    return out


@_wrong("sigmoid.negative_side", "negative logits")
def negatives_left_as_logits(x):
    out = x.copy()
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    out[~positive] = np.exp(out[~positive]) / 1 + np.exp(out[~positive]) * 0  # half-finished branch
    return out


@_wrong("sigmoid.positive_side", "x >= 0")
def positives_never_filled(x):
    out = np.zeros_like(x)
    negative = x < 0
    e = np.exp(x[negative])
    out[negative] = e / (1 + e)
    return out


SIGMOID_WRONG = [textbook, textbook_as_floats, clipped_like_mediapipe, clipped_to_500, exp_over_one_plus_exp,
                 exp_over_exp_plus_one, one_minus_the_mirror, minus_logaddexp, where_with_both_formulas,
                 one_minus_mirror_textbook, e_without_abs, first_half_of_the_hint, second_half_of_the_hint,
                 promoted_to_float64, vectorised_math_exp, always_float32, list_comprehension_over_the_elements,
                 math_exp, loop_with_math_exp, softmax_over_the_anchors, softmax_along_the_anchor_axis,
                 two_class_softmax, notebook_02_softmax, power_of_e_in_a_loop, clipped_to_ten, probabilities_clipped, sign_inside_exp_lost, branches_swapped, plain_tanh,
                 tanh_of_half, tanh_without_halving, missing_brackets, missing_brackets_in_one_branch,
                 zero_forgotten, negatives_never_filled, negatives_left_as_logits, positives_never_filled]


@pytest.mark.parametrize("fn", _params(*SIGMOID_WRONG))
def test_sigmoid_wrong_answers_are_named(fn):
    mistake, phrases, status = fn.expected
    assert_rejected("sigmoid", fn, *phrases, status=status, mistake=mistake)


def test_sigmoid_generic_problems_keep_their_generic_ids():
    def no_return(x):
        1 / (1 + np.exp(-np.abs(x)))

    def as_list(x):
        return [float(v) for v in np.ravel(x)]

    def in_place(x):
        np.negative(np.abs(x), out=x)
        e = np.exp(x)
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def step(x):
        return (x > 0).astype(x.dtype)

    assert_rejected("sigmoid", no_return, "return", mistake="generic.returned_none")
    assert_rejected("sigmoid", as_list, "numpy array", mistake="generic.wrong_type")
    assert_rejected("sigmoid", in_place, "in place", mistake="generic.changed_input")
    result = assert_rejected("sigmoid", step, "differs")
    assert result.mistake is None  # no known mistake: the plain comparison, not a guess


def test_sigmoid_correct_variants_are_accepted():
    def with_tanh(x):
        return 0.5 * (1 + np.tanh(np.asarray(x) / 2))

    def with_logaddexp(x):
        x = np.asarray(x)
        return np.exp(-np.logaddexp(x.dtype.type(0), -x))

    def two_masks(x):
        x = np.asarray(x)
        out = np.empty_like(x)
        positive = x >= 0
        out[positive] = 1 / (1 + np.exp(-x[positive]))
        e = np.exp(x[~positive])
        out[~positive] = e / (1 + e)
        return out

    def clip_far_enough(x):  # exp(50) fits in float32, and sigmoid(50) is 1 within 2e-22
        return 1 / (1 + np.exp(-np.clip(x, -50, 50)))

    def piecewise(x):
        return np.piecewise(x, [x >= 0, x < 0], [lambda v: 1 / (1 + np.exp(-v)),
                                                 lambda v: np.exp(v) / (1 + np.exp(v))])

    def in_float64_then_back(x):
        x = np.asarray(x)
        wide = x.astype(np.float64)
        e = np.exp(-np.abs(wide))
        return np.where(wide > 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)

    def one_minus(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), 1 - 1 / (1 + e))

    def safe_exp_in_each_branch(x):
        below = np.minimum(x, 0)
        return np.where(x >= 0, 1 / (1 + np.exp(-np.maximum(x, 0))), np.exp(below) / (1 + np.exp(below)))

    for fn in (with_tanh, with_logaddexp, two_masks, clip_far_enough, piecewise, in_float64_then_back,
               one_minus, safe_exp_in_each_branch):
        assert_accepted("sigmoid", fn)


# --------------------------------------------------------------------------- #
# ssd_anchors
# --------------------------------------------------------------------------- #
def _layers(strides):
    """(stride, number of consecutive layers) pairs."""
    return [(s, len(list(g))) for s, g in itertools.groupby(strides)]


def _cells(grid, offset=0.5):
    """(grid * grid, 2) cell centres (x, y), row-major, in fractions."""
    ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    return np.stack([(xs + offset) / grid, (ys + offset) / grid], -1).reshape(-1, 2)


@_wrong("ssd_anchors.column_major", "row-major")
def columns_outside(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        for col in range(grid):
            for row in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * (layers * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.column_major", "(y, x)")
def y_before_x(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        rows, cols = np.mgrid[0:grid, 0:grid]
        cells = np.stack([(rows + 0.5) / grid, (cols + 0.5) / grid], axis=-1).reshape(-1, 2)
        out.append(np.repeat(cells, layers * anchors_per_layer, axis=0))
    return np.concatenate(out)  # float64 too: the order is named first


@_wrong("ssd_anchors.cell_corner", "corner", "+ 0.5")
def cell_corners(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s, 0.0), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.cell_corner", "corner")
def linspace_without_the_end(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        steps = np.linspace(0, 1, grid + 1)[:-1]
        xs, ys = np.meshgrid(steps, steps)
        out.append(np.repeat(np.column_stack([xs.ravel(), ys.ravel()]), layers * anchors_per_layer, axis=0))
    return np.vstack(out).astype(np.float32)


@_wrong("ssd_anchors.far_corner", "bottom-right")
def counted_from_one(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        for row in range(1, grid + 1):
            for col in range(1, grid + 1):
                out += [(col / grid, row / grid)] * (layers * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.linspace_endpoints", "linspace")
def linspace_to_one(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        steps = np.linspace(0, 1, input_size // stride)
        xs, ys = np.meshgrid(steps, steps)
        out.append(np.repeat(np.column_stack([xs.ravel(), ys.ravel()]), layers * anchors_per_layer, axis=0))
    return np.vstack(out).astype(np.float32)


@_wrong("ssd_anchors.in_pixels", "pixels")
def centres_in_pixels(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s) * input_size, n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.in_cells", "grid cells")
def centres_in_cells(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s) * (input_size // s), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.divided_by_stride", "stride")
def divided_by_the_stride(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / stride, (row + 0.5) / stride)] * (layers * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.grid_is_stride", "stride cells a side")
def stride_cells(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(s), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.one_grid_per_layer", "share one grid")
def grid_per_layer(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s), anchors_per_layer, axis=0)
                           for s in strides]).astype(np.float32)


@_wrong("ssd_anchors.one_layer_per_stride", "3 x 2 = 6")
def set_of_strides(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s), anchors_per_layer, axis=0)
                           for s in sorted(set(strides))]).astype(np.float32)


@_wrong("ssd_anchors.sorted_strides", "order of strides")
def unique_with_counts(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    values, counts = np.unique(strides, return_counts=True)
    return np.concatenate([np.repeat(_cells(input_size // s), c * anchors_per_layer, axis=0)
                           for s, c in zip(values, counts)]).astype(np.float32)


@_wrong("ssd_anchors.non_consecutive_shared", "one after the other")
def counter_of_strides(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s), c * anchors_per_layer, axis=0)
                           for s, c in collections.Counter(strides).items()]).astype(np.float32)


@_wrong("ssd_anchors.not_together", "np.repeat")
def tiled(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.tile(_cells(input_size // s), (n * anchors_per_layer, 1))
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.not_together", "next to each other")
def anchors_outside_the_cells(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        for _ in range(layers * anchors_per_layer):
            for row in range(grid):
                for col in range(grid):
                    out.append([(col + 0.5) / grid, (row + 0.5) / grid])
    return np.array(out, np.float32)


@_wrong("ssd_anchors.fixed_anchors_per_layer", "anchors_per_layer")
def always_two_per_layer(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(input_size // s), n * 2, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.fixed_input_size", "input_size")
def always_128(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(128 // s), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.rounded_grid", "nearest", "rounded down")
def rounded_grid(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(round(input_size / s)), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.ceil_grid", "up", "rounded down")
def ceil_like_mediapipe(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return np.concatenate([np.repeat(_cells(math.ceil(input_size / s)), n * anchors_per_layer, axis=0)
                           for s, n in _layers(strides)]).astype(np.float32)


@_wrong("ssd_anchors.true_division", "12.5")
def arange_of_a_float(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size / stride
        steps = (np.arange(grid) + 0.5) / grid
        xs, ys = np.meshgrid(steps, steps)
        out.append(np.repeat(np.column_stack([xs.ravel(), ys.ravel()]), layers * anchors_per_layer, axis=0))
    return np.concatenate(out).astype(np.float32)


@_wrong("ssd_anchors.stride_over_input", "divides")
def stride_over_input(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        for row in range(input_size // stride):
            for col in range(input_size // stride):
                out += [((col + 0.5) * stride / input_size, (row + 0.5) * stride / input_size)] * (
                    layers * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.float_grid", "//", status="error")
def range_of_a_float(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size / stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * (layers * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.groupby_len", "len(list(group))", status="error")
def len_of_a_group(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, group in itertools.groupby(strides):
        grid = input_size // stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * (len(group) * anchors_per_layer)
    return np.array(out, np.float32)


@_wrong("ssd_anchors.stacked_as_planes", "axis=-1")
def stacked_then_reshaped(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        xs, ys = np.meshgrid((np.arange(grid) + 0.5) / grid, (np.arange(grid) + 0.5) / grid)
        out.append(np.repeat(np.array([xs, ys]).reshape(-1, 2), layers * anchors_per_layer, axis=0))
    return np.concatenate(out).astype(np.float32)


@_wrong("ssd_anchors.float64", "float32")
def float64_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, layers in _layers(strides):
        grid = input_size // stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * (layers * anchors_per_layer)
    return np.array(out)


@_wrong("ssd_anchors.list_not_array", "numpy array")
def list_of_pairs(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return [tuple(p) for p in np.concatenate([np.repeat(_cells(input_size // s), n * anchors_per_layer, axis=0)
                                              for s, n in _layers(strides)])]


@_wrong("ssd_anchors.list_of_grids", "np.concatenate")
def one_array_per_grid(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    return [np.repeat(_cells(input_size // s), n * anchors_per_layer, axis=0).astype(np.float32)
            for s, n in _layers(strides)]


@_wrong("ssd_anchors.with_sizes", "(x, y)")
def mediapipe_anchor_records(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    centres = np.concatenate([np.repeat(_cells(input_size // s), n * anchors_per_layer, axis=0)
                              for s, n in _layers(strides)])
    return np.column_stack([centres, np.ones((len(centres), 2))]).astype(np.float32)  # x, y, w, h


@_wrong("ssd_anchors.transposed", "(2, a)")
def rows_of_x_and_y(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    centres = np.concatenate([np.repeat(_cells(input_size // s), n * anchors_per_layer, axis=0)
                              for s, n in _layers(strides)])
    return np.stack([centres[:, 0], centres[:, 1]]).astype(np.float32)


ANCHORS_WRONG = [columns_outside, y_before_x, cell_corners, linspace_without_the_end, counted_from_one,
                 linspace_to_one, centres_in_pixels, centres_in_cells, divided_by_the_stride, stride_cells,
                 grid_per_layer, set_of_strides, unique_with_counts, counter_of_strides, tiled,
                 anchors_outside_the_cells, always_two_per_layer, always_128, rounded_grid, ceil_like_mediapipe,
                 arange_of_a_float, stride_over_input, range_of_a_float, len_of_a_group, stacked_then_reshaped,
                 float64_anchors, list_of_pairs,
                 one_array_per_grid, mediapipe_anchor_records, rows_of_x_and_y]


@pytest.mark.parametrize("fn", _params(*ANCHORS_WRONG))
def test_anchors_wrong_answers_are_named(fn):
    mistake, phrases, status = fn.expected
    assert_rejected("ssd_anchors", fn, *phrases, status=status, mistake=mistake)


def test_anchors_correct_variants_are_accepted():
    def with_loops(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        i = 0
        while i < len(strides):
            j = i
            while j < len(strides) and strides[j] == strides[i]:
                j += 1
            grid = input_size // strides[i]
            for row in range(grid):
                for col in range(grid):
                    for _ in range((j - i) * anchors_per_layer):
                        out.append([(col + 0.5) / grid, (row + 0.5) / grid])
            i = j
        return np.array(out, dtype=np.float32)

    def with_meshgrid_xy(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        parts = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            centres = (np.arange(grid, dtype=np.float32) + 0.5) / grid
            xs, ys = np.meshgrid(centres, centres)  # "xy" indexing: rows vary along axis 0
            cells = np.column_stack([xs.ravel(), ys.ravel()])
            parts.append(np.repeat(cells, layers * anchors_per_layer, axis=0))
        return np.vstack(parts)

    def like_mediapipe_calculator(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        anchors, layer = [], 0
        while layer < len(strides):
            last = layer
            while last < len(strides) and strides[last] == strides[layer]:
                last += 1
            size = int(input_size / strides[layer])  # int() rounds down like //
            for y in range(size):
                for x in range(size):
                    for _ in range(anchors_per_layer * (last - layer)):
                        anchors.append(((x + 0.5) / size, (y + 0.5) / size))
            layer = last
        return np.asarray(anchors, dtype=np.float32).reshape(-1, 2)

    def with_indices_and_product(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        blocks = []
        for stride, group in itertools.groupby(strides):
            grid = input_size // stride
            per_cell = anchors_per_layer * sum(1 for _ in group)
            rows, cols = np.indices((grid, grid)).reshape(2, -1)
            cells = (np.column_stack([cols, rows]) + 0.5) / grid
            blocks.append(cells[np.arange(len(cells)).repeat(per_cell)])
        return np.concatenate(blocks).astype("float32")

    for fn in (with_loops, with_meshgrid_xy, like_mediapipe_calculator, with_indices_and_product):
        assert_accepted("ssd_anchors", fn)


# --------------------------------------------------------------------------- #
# decode_anchor_boxes
# --------------------------------------------------------------------------- #
def _checked(regressors, anchors):
    regressors = np.asarray(regressors, np.float32)
    anchors = np.asarray(anchors, np.float32)
    if len(regressors) != len(anchors):
        raise ValueError(f"{regressors.shape} regressors vs {anchors.shape} anchors")
    return regressors, anchors


def _xyxy(cx, cy, w, h):
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


@_wrong("decode_anchor_boxes.dx_dy_swapped", "swapped dx and dy")
def dx_dy_swapped(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    cx = a[:, 0] + r[:, 1] / input_size
    cy = a[:, 1] + r[:, 0] / input_size
    return _xyxy(cx, cy, r[:, 2] / input_size, r[:, 3] / input_size)


@_wrong("decode_anchor_boxes.w_h_swapped", "swapped w and h")
def w_h_swapped(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    h, w = r[:, 2] / input_size, r[:, 3] / input_size  # width and height the wrong way round
    cx, cy = a[:, 0] + r[:, 0] / input_size, a[:, 1] + r[:, 1] / input_size
    return _xyxy(cx, cy, w, h)


@_wrong("decode_anchor_boxes.anchor_yx", "(y, x)")
def anchors_read_as_y_x(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    ay, ax = a[:, 0], a[:, 1]
    return _xyxy(ax + r[:, 0] / input_size, ay + r[:, 1] / input_size, r[:, 2] / input_size, r[:, 3] / input_size)


@_wrong("decode_anchor_boxes.yxyx", "(y1, x1, y2, x2)")
def tensorflow_order(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    cx, cy = a[:, 0] + r[:, 0] / input_size, a[:, 1] + r[:, 1] / input_size
    w, h = r[:, 2] / input_size, r[:, 3] / input_size
    return np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=1)


@_wrong("decode_anchor_boxes.wh_as_corner", "corner", "width and height")
def w_h_read_as_corner(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    return np.concatenate([a + r[:, 0:2] / input_size, a + r[:, 2:4] / input_size], axis=1)


@_wrong("decode_anchor_boxes.cxcywh", "(cx, cy, w, h)")
def centre_and_size(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    return np.concatenate([a + r[:, :2] / input_size, r[:, 2:4] / input_size], axis=1)


@_wrong("decode_anchor_boxes.xywh", "(x1, y1, w, h)")
def corner_and_size(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    size = r[:, 2:4] / input_size
    return np.hstack([a + r[:, :2] / input_size - size / 2, size])


@_wrong("decode_anchor_boxes.corner_start", "top-left corner")
def centre_as_corner(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    x1y1 = a + r[:, :2] / input_size
    return np.hstack([x1y1, x1y1 + r[:, 2:4] / input_size])


@_wrong("decode_anchor_boxes.whole_size", "half")
def w_h_as_half_sizes(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c, s = a + r[:, :2] / input_size, r[:, 2:4] / input_size
    return np.hstack([c - s, c + s])


@_wrong("decode_anchor_boxes.quarter_size", "halved the size twice")
def halved_twice(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    half = r[:, 2:4] / input_size / 2
    c = a + r[:, :2] / input_size
    return np.hstack([c - half / 2, c + half / 2])


@_wrong("decode_anchor_boxes.corners_swapped", "swapped")
def plus_minus_swapped(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c, half = a + r[:, :2] / input_size, r[:, 2:4] / input_size / 2
    return np.hstack([c + half, c - half])


@_wrong("decode_anchor_boxes.offset_subtracted", "subtracted")
def offset_subtracted(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c, half = a - r[:, :2] / input_size, r[:, 2:4] / input_size / 2
    return np.hstack([c - half, c + half])


@_wrong("decode_anchor_boxes.offsets_not_divided", "divide them by input_size")
def offsets_not_divided(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    w, h = r[:, 2] / input_size, r[:, 3] / input_size
    return _xyxy(a[:, 0] + r[:, 0], a[:, 1] + r[:, 1], w, h)


@_wrong("decode_anchor_boxes.sizes_not_divided", "sizes w, h")
def sizes_not_divided(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c = a + r[:, :2] / input_size
    return np.hstack([c - r[:, 2:4] / 2, c + r[:, 2:4] / 2])


@_wrong("decode_anchor_boxes.nothing_divided", "input pixels", "input_size")
def nothing_divided(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    return _xyxy(a[:, 0] + r[:, 0], a[:, 1] + r[:, 1], r[:, 2], r[:, 3])


@_wrong("decode_anchor_boxes.multiplied", "multiplied")
def multiplied_by_input_size(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c, half = a + r[:, :2] * input_size, r[:, 2:4] * input_size / 2
    return np.hstack([c - half, c + half])


@_wrong("decode_anchor_boxes.anchor_in_pixels", "anchor in pixels")
def anchor_in_pixels(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    cx = a[:, 0] * input_size + r[:, 0] / input_size
    cy = a[:, 1] * input_size + r[:, 1] / input_size
    return _xyxy(cx, cy, r[:, 2] / input_size, r[:, 3] / input_size)


@_wrong("decode_anchor_boxes.all_in_pixels", "in input pixels")
def everything_in_pixels(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c = a * input_size + r[:, :2]
    return np.concatenate([c - r[:, 2:4] / 2, c + r[:, 2:4] / 2], axis=1)


@_wrong("decode_anchor_boxes.anchor_divided", "anchor")
def anchor_divided_too(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c = (a + r[:, :2]) / input_size
    s = r[:, 2:4] / input_size
    return np.concatenate([c - s / 2, c + s / 2], axis=1)


@_wrong("decode_anchor_boxes.anchor_not_added", "left out the anchor")
def anchor_forgotten(regressors, anchors, input_size=128):
    r, _ = _checked(regressors, anchors)
    return _xyxy(r[:, 0] / input_size, r[:, 1] / input_size, r[:, 2] / input_size, r[:, 3] / input_size)


@_wrong("decode_anchor_boxes.fixed_input_size", "instead of input_size")
def always_divided_by_128(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c = a + r[:, :2] / 128
    s = r[:, 2:4] / 128
    return np.concatenate([c - s / 2, c + s / 2], axis=1)


@_wrong("decode_anchor_boxes.transposed", "(4, n)")
def stacked_without_axis(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    cx, cy = a[:, 0] + r[:, 0] / input_size, a[:, 1] + r[:, 1] / input_size
    w, h = r[:, 2] / input_size, r[:, 3] / input_size
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


@_wrong("decode_anchor_boxes.keypoints_included", "four columns")
def keypoints_kept(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    out = r / input_size
    out[:, :2] += a
    out[:, 4:] += np.tile(a, (1, (r.shape[1] - 4) // 2))
    c, half = out[:, :2].copy(), out[:, 2:4] / 2
    out[:, :2], out[:, 2:4] = c - half, c + half
    return out


@_wrong("decode_anchor_boxes.returned_tuple", "only the boxes")
def boxes_and_keypoints(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    c, half = a + r[:, :2] / input_size, r[:, 2:4] / input_size / 2
    points = a[:, None] + r[:, 4:].reshape(len(r), -1, 2) / input_size
    return np.hstack([c - half, c + half]), points


@_wrong("decode_anchor_boxes.unpacks_all_columns", "regressors[:, :4]", status="error")
def unpacks_every_column(regressors, anchors, input_size=128):
    _checked(regressors, anchors)
    dx, dy, w, h = np.asarray(regressors, np.float32).T
    return _xyxy(anchors[:, 0] + dx / input_size, anchors[:, 1] + dy / input_size, w / input_size, h / input_size)


@_wrong("decode_anchor_boxes.unpacks_all_columns", "k >= 4", status="error")
def loops_over_rows(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    boxes = []
    for (dx, dy, w, h), (ax, ay) in zip(r, a):
        cx, cy = ax + dx / input_size, ay + dy / input_size
        boxes.append([cx - w / input_size / 2, cy - h / input_size / 2, cx + w / input_size / 2, cy + h / input_size / 2])
    return np.array(boxes, np.float32)


@_wrong("decode_anchor_boxes.sizes_with_keypoints", "regressors[:, 2:4]", status="error")
def sizes_from_column_two_on(regressors, anchors, input_size=128):
    r, a = _checked(regressors, anchors)
    centre, size = a + r[:, :2] / input_size, r[:, 2:] / input_size
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


@_wrong("decode_anchor_boxes.check_too_strict", "rows", status="error")
def compares_whole_shapes(regressors, anchors, input_size=128):
    if np.shape(regressors) != np.shape(anchors):
        raise ValueError(f"shapes {np.shape(regressors)} and {np.shape(anchors)} do not match")
    r, a = _checked(regressors, anchors)
    return _xyxy(a[:, 0] + r[:, 0] / input_size, a[:, 1] + r[:, 1] / input_size, r[:, 2] / input_size,
                 r[:, 3] / input_size)


@_wrong("decode_anchor_boxes.float64", "float64")
def float64_boxes(regressors, anchors, input_size=128):
    if len(regressors) != len(anchors):
        raise ValueError(f"{np.shape(regressors)} vs {np.shape(anchors)}")
    r = np.asarray(regressors, np.float64)
    c = anchors + r[:, :2] / input_size
    s = r[:, 2:4] / input_size
    return np.concatenate([c - s / 2, c + s / 2], axis=1)


@_wrong("decode_anchor_boxes.float64", "float64")
def anchors_left_as_given(regressors, anchors, input_size=128):
    regressors = np.asarray(regressors, np.float32)
    if regressors.shape[0] != len(anchors):
        raise ValueError(f"regressors {regressors.shape} but anchors {np.shape(anchors)}")
    c = anchors + regressors[:, :2] / input_size
    s = regressors[:, 2:4] / input_size
    return np.concatenate([c - s / 2, c + s / 2], axis=1)


DECODE_WRONG = [dx_dy_swapped, w_h_swapped, anchors_read_as_y_x, tensorflow_order, w_h_read_as_corner,
                centre_and_size, corner_and_size, centre_as_corner, w_h_as_half_sizes, halved_twice,
                plus_minus_swapped, offset_subtracted, offsets_not_divided, sizes_not_divided, nothing_divided,
                multiplied_by_input_size, anchor_in_pixels, everything_in_pixels, anchor_divided_too, anchor_forgotten,
                always_divided_by_128, stacked_without_axis, keypoints_kept, boxes_and_keypoints,
                unpacks_every_column, loops_over_rows, sizes_from_column_two_on, compares_whole_shapes,
                float64_boxes, anchors_left_as_given]


@pytest.mark.parametrize("fn", _params(*DECODE_WRONG))
def test_decode_wrong_answers_are_named(fn):
    mistake, phrases, status = fn.expected
    assert_rejected("decode_anchor_boxes", fn, *phrases, status=status, mistake=mistake)


def test_decode_shape_check_mistakes_keep_their_generic_ids():
    def no_check(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)
        a = np.asarray(anchors, np.float32)
        c, half = a + r[:, :2] / input_size, r[:, 2:4] / input_size / 2
        return np.concatenate([c - half, c + half], axis=1)

    def truncates(regressors, anchors, input_size=128):
        n = min(len(regressors), len(anchors))
        return no_check(np.asarray(regressors)[:n], np.asarray(anchors)[:n], input_size)

    def message_without_shapes(regressors, anchors, input_size=128):
        if len(regressors) != len(anchors):
            raise ValueError("regressors and anchors differ in length")
        return no_check(regressors, anchors, input_size)

    def asserts(regressors, anchors, input_size=128):
        assert len(regressors) == len(anchors), "one anchor per row"
        return no_check(regressors, anchors, input_size)

    def checks_only_too_many(regressors, anchors, input_size=128):
        if len(regressors) > len(anchors):
            raise ValueError(f"{np.shape(regressors)} regressors but only {np.shape(anchors)} anchors")
        return no_check(regressors, anchors[: len(regressors)], input_size)

    # broadcasting (10, 2) with (12, 2) fails with NumPy's own message, which shows neither input
    assert_rejected("decode_anchor_boxes", no_check, "(10, 16)", mistake="generic.raise_message")
    assert_rejected("decode_anchor_boxes", truncates, "instead of raising ValueError", mistake="generic.no_raise")
    assert_rejected("decode_anchor_boxes", message_without_shapes, "(10, 16)", mistake="generic.raise_message")
    assert_rejected("decode_anchor_boxes", asserts, "AssertionError", mistake="generic.wrong_exception")
    assert_rejected("decode_anchor_boxes", checks_only_too_many, "instead of raising", mistake="generic.no_raise")


def test_decode_correct_variants_are_accepted():
    def column_by_column(regressors, anchors, input_size=128):
        regressors = np.asarray(regressors, dtype=np.float32)
        anchors = np.asarray(anchors, dtype=np.float32)
        if regressors.shape[0] != anchors.shape[0]:
            raise ValueError(f"shapes {regressors.shape} and {anchors.shape} do not match")
        dx, dy, w, h = (regressors[:, i] for i in range(4))
        cx = anchors[:, 0] + dx / input_size
        cy = anchors[:, 1] + dy / input_size
        half_w, half_h = w / (2 * input_size), h / (2 * input_size)
        return np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)

    def in_pixels_then_scaled(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)
        a = np.asarray(anchors, np.float32)
        if len(r) != len(a):
            raise ValueError(f"regressors {r.shape} do not match anchors {a.shape}")
        centre_px = a * input_size + r[:, :2]
        boxes_px = np.hstack([centre_px - r[:, 2:4] / 2, centre_px + r[:, 2:4] / 2])
        return np.clip(boxes_px / np.float32(input_size), 0, 1).astype(np.float32)

    def in_float64_then_float32(regressors, anchors, input_size=128):
        r, a = np.asarray(regressors, float), np.asarray(anchors, float)
        if r.shape[0] != a.shape[0]:
            raise ValueError(f"{r.shape[0]} rows of regressors {r.shape}, {a.shape[0]} anchors {a.shape}")
        dx, dy, w, h = r[:, :4].T
        cx, cy = a.T
        boxes = np.column_stack([cx + (dx - w / 2) / input_size, cy + (dy - h / 2) / input_size,
                                 cx + (dx + w / 2) / input_size, cy + (dy + h / 2) / input_size])
        return boxes.astype(np.float32)

    def mediapipe_style(regressors, anchors, input_size=128):
        raw = np.asarray(regressors, np.float32)
        anchor = np.asarray(anchors, np.float32)
        if raw.shape[0] != anchor.shape[0]:
            raise ValueError(f"raw boxes {raw.shape} and anchors {anchor.shape} must have the same length")
        scale = np.float32(input_size)
        x_center = raw[:, 0] / scale + anchor[:, 0]
        y_center = raw[:, 1] / scale + anchor[:, 1]
        w, h = raw[:, 2] / scale, raw[:, 3] / scale
        boxes = np.empty((len(raw), 4), np.float32)
        boxes[:, 0], boxes[:, 1] = x_center - w / 2, y_center - h / 2
        boxes[:, 2], boxes[:, 3] = x_center + w / 2, y_center + h / 2
        return boxes

    for fn in (column_by_column, in_pixels_then_scaled, in_float64_then_float32, mediapipe_style):
        assert_accepted("decode_anchor_boxes", fn)


# --------------------------------------------------------------------------- #
# A fresh corpus of learner answers, written blind from the prompts, then checked
# --------------------------------------------------------------------------- #
@_wrong("sigmoid.dtype_changed", "dtype", "float32 in, float32 out")
def sigmoid_to_float16(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float16)  # "to save memory"


@_wrong("ssd_anchors.sorted_strides", "order of strides")
def anchors_coarse_grid_first(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, group in itertools.groupby(sorted(strides, reverse=True)):
        per_cell = anchors_per_layer * len(list(group))
        grid = input_size // stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * per_cell
    return np.array(out, dtype=np.float32).reshape(-1, 2)


@_wrong("ssd_anchors.sorted_strides", "order of strides")
def anchors_strides_reversed(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    out = []
    for stride, group in itertools.groupby(strides[::-1]):
        per_cell = anchors_per_layer * len(list(group))
        grid = input_size // stride
        for row in range(grid):
            for col in range(grid):
                out += [((col + 0.5) / grid, (row + 0.5) / grid)] * per_cell
    return np.array(out, dtype=np.float32).reshape(-1, 2)


def _decode_from(columns):
    def decode(regressors, anchors, input_size=128):
        if len(regressors) != len(anchors):
            raise ValueError(f"regressors {np.shape(regressors)} and anchors {np.shape(anchors)} differ")
        r = regressors[:, columns] / input_size
        c = anchors + r[:, :2]
        return np.hstack([c - r[:, 2:] / 2, c + r[:, 2:] / 2]).astype(np.float32)
    return decode


@_wrong("decode_anchor_boxes.wrong_columns", "columns 0-3")
def box_from_the_last_four_columns(regressors, anchors, input_size=128):
    return _decode_from(slice(-4, None))(regressors, anchors, input_size)


@_wrong("decode_anchor_boxes.wrong_columns", "columns 0-3")
def box_from_the_first_keypoints(regressors, anchors, input_size=128):
    columns = slice(4, 8) if np.shape(regressors)[1] >= 8 else slice(0, 4)
    return _decode_from(columns)(regressors, anchors, input_size)


@_wrong("decode_anchor_boxes.corners_as_rows", "axis=1")
def corners_concatenated_without_axis(regressors, anchors, input_size=128):
    if len(regressors) != len(anchors):
        raise ValueError(f"{np.shape(regressors)} regressors, {np.shape(anchors)} anchors")
    centre = anchors + regressors[:, :2] / input_size
    half = regressors[:, 2:4] / input_size / 2
    return np.concatenate([centre - half, centre + half]).astype(np.float32)


FRESH_WRONG = {"sigmoid": [sigmoid_to_float16],
               "ssd_anchors": [anchors_coarse_grid_first, anchors_strides_reversed],
               "decode_anchor_boxes": [box_from_the_last_four_columns, box_from_the_first_keypoints,
                                       corners_concatenated_without_axis]}


@pytest.mark.parametrize("name, fn", [pytest.param(name, fn, id=fn.__name__)
                                      for name, fns in FRESH_WRONG.items() for fn in fns])
def test_fresh_wrong_answers_are_named(name, fn):
    mistake, phrases, status = fn.expected
    assert_rejected(name, fn, *phrases, status=status, mistake=mistake)


def test_fresh_right_answers_are_accepted():
    def silenced_textbook(x):  # the values are right (exp(1000) = inf gives 0) and nothing warns
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))

    def clipped_to_the_dtype_limit(x):
        limit = np.log(np.finfo(x.dtype).max) - 1
        return 1 / (1 + np.exp(-np.clip(x, -limit, limit)))

    def masked_assignment(x):
        out = np.empty_like(x)
        positive = x >= 0
        out[positive] = 1 / (1 + np.exp(-x[positive]))
        e = np.exp(x[~positive])
        out[~positive] = e / (1 + e)
        return out

    for fn in (silenced_textbook, clipped_to_the_dtype_limit, masked_assignment):
        assert_accepted("sigmoid", fn)

    def meshgrid_and_repeat(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        parts = []
        for stride, group in itertools.groupby(strides):
            per_cell = sum(1 for _ in group) * anchors_per_layer
            grid = input_size // stride
            centres = (np.arange(grid) + 0.5) / grid
            xs, ys = np.meshgrid(centres, centres)
            parts.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), per_cell, axis=0))
        return np.concatenate(parts).astype(np.float32)
    assert_accepted("ssd_anchors", meshgrid_and_repeat)

    def printing_every_box(regressors, anchors, input_size=128):
        if len(regressors) != len(anchors):
            raise ValueError(f"regressors {np.shape(regressors)} and anchors {np.shape(anchors)} differ")
        r = regressors[:, :4] / input_size
        c = anchors + r[:, :2]
        boxes = np.hstack([c - r[:, 2:] / 2, c + r[:, 2:] / 2]).astype(np.float32)
        for box in boxes:
            print(box)
        return boxes
    assert_accepted("decode_anchor_boxes", printing_every_box)
