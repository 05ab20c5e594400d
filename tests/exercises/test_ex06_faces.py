"""The checks of kata 06's face-detector exercises reject what learners really write."""
import itertools

import numpy as np

from .conftest import assert_accepted, assert_rejected


# --------------------------------------------------------------------------- #
# sigmoid
# --------------------------------------------------------------------------- #
def test_sigmoid_textbook_formula_overflows():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))
    assert_rejected("sigmoid", sigmoid, "overflows")


def test_sigmoid_clipped_like_mediapipe_still_overflows_float32():
    def sigmoid(x):
        x = np.clip(x, -100, 100)
        return 1 / (1 + np.exp(-x))
    assert_rejected("sigmoid", sigmoid, "overflows")


def test_sigmoid_exp_over_one_plus_exp_gives_nan():
    def sigmoid(x):
        return np.exp(x) / (1 + np.exp(x))
    assert_rejected("sigmoid", sigmoid, "nan")


def test_sigmoid_promoted_to_float64():
    def sigmoid(x):
        x = np.asarray(x, dtype=np.float64)
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    assert_rejected("sigmoid", sigmoid, "float64")


def test_sigmoid_sign_flipped():
    def sigmoid(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, e / (1 + e), 1 / (1 + e))  # branches swapped: sigmoid(-x)
    assert_rejected("sigmoid", sigmoid, "sigmoid(-x)")


def test_sigmoid_is_not_tanh():
    assert_rejected("sigmoid", lambda x: np.tanh(x), "tanh")


def test_sigmoid_is_not_softmax():
    def sigmoid(x):
        e = np.exp(x - np.max(x))
        return e / e.sum()
    assert_rejected("sigmoid", sigmoid, "softmax")


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

    for fn in (with_tanh, with_logaddexp, two_masks):
        assert_accepted("sigmoid", fn)


# --------------------------------------------------------------------------- #
# ssd_anchors
# --------------------------------------------------------------------------- #
def _layers(strides):
    """(stride, number of consecutive layers) pairs."""
    return [(s, len(list(g))) for s, g in itertools.groupby(strides)]


def test_anchors_column_major():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            for col in range(grid):          # columns outside: wrong
                for row in range(grid):
                    for _ in range(layers * anchors_per_layer):
                        out.append(((col + 0.5) / grid, (row + 0.5) / grid))
        return np.array(out, np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "row-major")


def test_anchors_at_cell_corners():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
            cells = np.stack([xs / grid, ys / grid], -1).reshape(-1, 2)
            out.append(np.repeat(cells, layers * anchors_per_layer, axis=0))
        return np.concatenate(out).astype(np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "corner", "+ 0.5")


def test_anchors_one_grid_per_layer():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride in strides:  # every layer its own grid: wrong order
            grid = input_size // stride
            ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
            cells = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], -1).reshape(-1, 2)
            out.append(np.repeat(cells, anchors_per_layer, axis=0))
        return np.concatenate(out).astype(np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "share one grid")


def test_anchors_tiled_instead_of_repeated():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
            cells = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], -1).reshape(-1, 2)
            out.append(np.tile(cells, (layers * anchors_per_layer, 1)))
        return np.concatenate(out).astype(np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "np.repeat")


def test_anchors_in_pixels():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
            cells = np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], -1).reshape(-1, 2)
            out.append(np.repeat(cells, layers * anchors_per_layer, axis=0))
        return np.concatenate(out).astype(np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "pixels")


def test_anchors_hard_coded_input_size():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = 128 // stride
            ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
            cells = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], -1).reshape(-1, 2)
            out.append(np.repeat(cells, layers * anchors_per_layer, axis=0))
        return np.concatenate(out).astype(np.float32)
    assert_rejected("ssd_anchors", ssd_anchors, "input_size")


def test_anchors_float64():
    def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        out = []
        for stride, layers in _layers(strides):
            grid = input_size // stride
            for row in range(grid):
                for col in range(grid):
                    out += [((col + 0.5) / grid, (row + 0.5) / grid)] * (layers * anchors_per_layer)
        return np.array(out)
    assert_rejected("ssd_anchors", ssd_anchors, "float32")


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

    assert_accepted("ssd_anchors", with_loops)
    assert_accepted("ssd_anchors", with_meshgrid_xy)


# --------------------------------------------------------------------------- #
# decode_anchor_boxes
# --------------------------------------------------------------------------- #
def _checked(regressors, anchors):
    regressors = np.asarray(regressors, np.float32)
    anchors = np.asarray(anchors, np.float32)
    if len(regressors) != len(anchors):
        raise ValueError(f"{regressors.shape} regressors vs {anchors.shape} anchors")
    return regressors, anchors


def test_decode_reads_w_h_as_corners():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        x1y1 = a + r[:, 0:2] / input_size
        x2y2 = a + r[:, 2:4] / input_size
        return np.concatenate([x1y1, x2y2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "corner", "width and height")


def test_decode_returns_centre_and_size():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        return np.concatenate([a + r[:, :2] / input_size, r[:, 2:4] / input_size], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "(cx, cy, w, h)")


def test_decode_forgets_half_of_the_size():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        c = a + r[:, :2] / input_size
        s = r[:, 2:4] / input_size
        return np.hstack([c - s, c + s])
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "half")


def test_decode_offsets_not_divided():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        cx = a[:, 0] + r[:, 0]
        cy = a[:, 1] + r[:, 1]
        w, h = r[:, 2] / input_size, r[:, 3] / input_size
        return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "divide them by input_size")


def test_decode_nothing_divided():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        cx, cy = a[:, 0] + r[:, 0], a[:, 1] + r[:, 1]
        w, h = r[:, 2], r[:, 3]
        return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "input pixels", "input_size")


def test_decode_anchor_in_pixels_plus_normalised_offset():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        cx = a[:, 0] * input_size + r[:, 0] / input_size
        cy = a[:, 1] * input_size + r[:, 1] / input_size
        w, h = r[:, 2] / input_size, r[:, 3] / input_size
        return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "anchor in pixels")


def test_decode_everything_in_pixels():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        c = a * input_size + r[:, :2]
        return np.concatenate([c - r[:, 2:4] / 2, c + r[:, 2:4] / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "in input pixels")


def test_decode_divides_the_anchor_too():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        c = (a + r[:, :2]) / input_size
        s = r[:, 2:4] / input_size
        return np.concatenate([c - s / 2, c + s / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "anchor")


def test_decode_hard_codes_128():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r, a = _checked(regressors, anchors)
        c = a + r[:, :2] / 128
        s = r[:, 2:4] / 128
        return np.concatenate([c - s / 2, c + s / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "instead of input_size")


def test_decode_without_the_shape_check():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)[: len(anchors)]
        c = np.asarray(anchors, np.float32)[: len(r)] + r[:, :2] / input_size
        s = r[:, 2:4] / input_size
        return np.concatenate([c - s / 2, c + s / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "instead of raising ValueError")


def test_decode_error_without_the_shapes():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        if len(regressors) != len(anchors):
            raise ValueError("regressors and anchors differ in length")
        c = anchors + regressors[:, :2] / input_size
        s = regressors[:, 2:4] / input_size
        return np.concatenate([c - s / 2, c + s / 2], axis=1).astype(np.float32)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "(10, 16)")


def test_decode_float64_result():
    def decode_anchor_boxes(regressors, anchors, input_size=128):
        if len(regressors) != len(anchors):
            raise ValueError(f"{np.shape(regressors)} vs {np.shape(anchors)}")
        r = np.asarray(regressors, np.float64)
        c = anchors + r[:, :2] / input_size
        s = r[:, 2:4] / input_size
        return np.concatenate([c - s / 2, c + s / 2], axis=1)
    assert_rejected("decode_anchor_boxes", decode_anchor_boxes, "float64")


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

    assert_accepted("decode_anchor_boxes", column_by_column)
    assert_accepted("decode_anchor_boxes", in_pixels_then_scaled)

