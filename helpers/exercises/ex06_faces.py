"""Notebook 06: detection decoding on a real face detector (BlazeFace): sigmoid, anchors, boxes."""
import numpy as np

from ..faces import decode_anchor_boxes, sigmoid, ssd_anchors
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "06_detection_decoding"


def _warned_overflow(run):
    return any("overflow" in text for text in run.warning_texts)


def _float_dtype_changed(run):
    given = np.asarray(run.case.args[0]).dtype
    return isinstance(run.got, np.ndarray) and run.got.dtype != given and run.got.dtype == np.float64


# --------------------------------------------------------------------------- #
# sigmoid
# --------------------------------------------------------------------------- #
def _sigmoid_cases():
    rng = np.random.default_rng(0)
    return [
        Case("BlazeFace-like score logits, a (1, 896, 1) float32 array",
             (rng.normal(-4.0, 4.0, (1, 896, 1)).astype(np.float32),)),
        Case("float32 logits from -1000 to 1000",
             (np.array([-1000, -100, -20, -1, 0, 1, 20, 100, 1000], np.float32),)),
        Case("a (3, 4) float64 array", (rng.normal(0.0, 3.0, (3, 4)),)),
    ]


register(Exercise(
    name="sigmoid",
    notebook=NOTEBOOK,
    reference=sigmoid,
    cases=_sigmoid_cases,
    forbid_warnings=True,
    summary="logits to probabilities, elementwise, without overflow",
    hint="""
        sigmoid(x) = 1 / (1 + exp(-x)). For x = -1000, exp(1000) overflows (a warning, and
        in other formulas a NaN). Use e = np.exp(-np.abs(x)), which is never above 1, and
        np.where(x >= 0, 1 / (1 + e), e / (1 + e)): both branches are the same function.
        Keep the input's dtype (float32 in, float32 out).
    """,
    mistakes=[
        Mistake("ex06_faces.todo1", "your sigmoid returns NaN for large logits: exp(x) / (1 + exp(x)) is inf / inf at "
                "x = 1000. Use exp(-|x|), which never overflows, in both branches.",
                detect=lambda run: isinstance(run.got, np.ndarray) and np.isnan(run.got).any()),
        Mistake("ex06_faces.todo2", "1 / (1 + exp(-x)) overflows: exp(-x) is inf for x = -1000 (a RuntimeWarning, and "
                "clipping the logits to +-100 still overflows float32). Compute e = exp(-|x|) and "
                "use np.where(x >= 0, 1 / (1 + e), e / (1 + e)).",
                detect=_warned_overflow),
        Mistake("ex06_faces.todo3", "your result is float64 for a float32 input: keep the dtype (np.exp of a float32 "
                "array stays float32; float64 constants or np.float64 casts promote it).",
                detect=_float_dtype_changed),
        Mistake("ex06_faces.todo4", "you computed 1 / (1 + exp(x)), which is sigmoid(-x): large logits should give "
                "probabilities near 1. The minus sign belongs inside: exp(-x).",
                impl=lambda x: 1 / (1 + np.exp(np.asarray(x)))),
        Mistake("ex06_faces.todo5", "tanh is not the sigmoid: it lies in [-1, 1]. sigmoid(x) = (1 + tanh(x / 2)) / 2.",
                impl=lambda x: np.tanh(x)),
        Mistake("ex06_faces.todo6", "that is a softmax over the whole array (it sums to 1). A detector's scores are "
                "independent: apply the sigmoid to each logit on its own.",
                detect=lambda run: abs(float(np.sum(run.got)) - 1.0) < 1e-3),
    ],
))


# --------------------------------------------------------------------------- #
# ssd_anchors
# --------------------------------------------------------------------------- #
def _grid_centres(grid, order="row", offset=0.5):
    rows, cols = np.mgrid[0:grid, 0:grid]
    if order == "column":
        rows, cols = rows.T, cols.T
    return np.stack([(cols + offset) / grid, (rows + offset) / grid], axis=-1).reshape(-1, 2)


def _anchors_with(input_size, strides, anchors_per_layer, order="row", offset=0.5,
                  share_grid=True, together=True):
    """A configurable anchor generator for the wrong variants below."""
    groups = []
    for stride in strides:
        if share_grid and groups and groups[-1][0] == stride:
            groups[-1][1] += 1
        else:
            groups.append([stride, 1])
    out = []
    for stride, layers in groups:
        cells = _grid_centres(input_size // stride, order, offset)
        count = layers * anchors_per_layer
        out.append(np.repeat(cells, count, axis=0) if together else np.tile(cells, (count, 1)))
    return np.concatenate(out).astype(np.float32)


def _anchor_cases():
    return [
        Case("BlazeFace's defaults (128 input, strides 8, 16, 16, 16, 2 anchors per layer)"),
        Case("a 256 input with the default strides", (256,)),
        Case("input_size=64, strides (8, 16), 1 anchor per layer",
             kwargs={"input_size": 64, "strides": (8, 16), "anchors_per_layer": 1}),
        Case("input_size=128, strides (16, 32, 32), 3 anchors per layer",
             kwargs={"input_size": 128, "strides": (16, 32, 32), "anchors_per_layer": 3}),
    ]


def _anchor_variant(**options):
    def wrong(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
        return _anchors_with(input_size, strides, anchors_per_layer, **options)
    return wrong


register(Exercise(
    name="ssd_anchors",
    notebook=NOTEBOOK,
    reference=ssd_anchors,
    cases=_anchor_cases,
    summary="(A, 2) float32 anchor centres in the network's order",
    hint="""
        For each stride, the grid has input_size // stride cells a side. Consecutive layers
        with the same stride share one grid (itertools.groupby(strides) finds them), so a cell
        there gets layers * anchors_per_layer anchors. Build the cell centres row by row:
        rows, cols = np.mgrid[0:grid, 0:grid]; x = (cols + 0.5) / grid, y = (rows + 0.5) / grid;
        then np.repeat (not np.tile) the (grid * grid, 2) centres so a cell's anchors stay
        together. Concatenate and return float32.
    """,
    mistakes=[
        Mistake("ex06_faces.todo7", "your anchors go down the columns first (or hold (y, x) instead of (x, y)). The "
                "network's order is row-major: all cells of the top row left to right, then the next "
                "row; each anchor is (x, y).", impl=_anchor_variant(order="column")),
        Mistake("ex06_faces.todo8", "your centres sit at the cells' top-left corners: add 0.5 to the column and row "
                "before dividing by the grid size, (col + 0.5) / grid.", impl=_anchor_variant(offset=0.0)),
        Mistake("ex06_faces.todo9", "you made one grid per layer. Layers with the same stride share one grid: with "
                "strides (8, 16, 16, 16), each 8x8 cell has 3 x 2 = 6 anchors, listed together.",
                impl=_anchor_variant(share_grid=False)),
        Mistake("ex06_faces.todo10", "your anchors of one cell are not together: np.tile repeats the whole grid; "
                "np.repeat(centres, n, axis=0) repeats each cell n times in a row.",
                impl=_anchor_variant(together=False)),
        Mistake("ex06_faces.todo11", "you used 128 instead of input_size: the grid is input_size // stride cells a side.",
                impl=lambda input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2:
                _anchors_with(128, strides, anchors_per_layer)),
        Mistake("ex06_faces.todo12", "your centres are in pixels; the network's anchors are fractions of the input in "
                "[0, 1]: divide by the grid size, (col + 0.5) / grid.",
                detect=lambda run: float(np.max(run.got)) > 1.5),
        Mistake("ex06_faces.todo13", "your anchors are float64: return float32 (.astype(np.float32)).",
                detect=lambda run: run.got.dtype == np.float64),
    ],
))


# --------------------------------------------------------------------------- #
# decode_anchor_boxes
# --------------------------------------------------------------------------- #
def _regressors_inside(anchors, input_size, keypoints, rng):
    """Regressors whose boxes all lie inside the input (so clipping changes nothing)."""
    n = len(anchors)
    offsets = rng.uniform(-0.02, 0.02, (n, 2)) * input_size
    centres = anchors * input_size + offsets
    room = np.minimum(centres, input_size - centres)  # distance to the nearest border, (n, 2)
    sizes = 2 * room * rng.uniform(0.3, 0.95, (n, 2))
    extra = rng.uniform(-10, 10, (n, 2 * keypoints))
    return np.concatenate([offsets, sizes, extra], axis=1)


def _decode_cases():
    rng = np.random.default_rng(0)
    anchors = ssd_anchors()
    small = rng.uniform(0.3, 0.7, (5, 2)).astype(np.float32)
    six = rng.uniform(0.2, 0.8, (6, 2)).astype(np.float32)
    return [
        Case("BlazeFace's (896, 16) regressors and (896, 2) anchors, float32",
             (_regressors_inside(anchors, 128, 6, rng).astype(np.float32), anchors)),
        Case("(5, 4) regressors with input_size=256",
             (_regressors_inside(small, 256, 0, rng).astype(np.float32), small), {"input_size": 256}),
        Case("(6, 16) float64 regressors", (_regressors_inside(six, 128, 6, rng), six)),
        Case("(10, 16) regressors with (12, 2) anchors", (np.zeros((10, 16), np.float32),
                                                          np.zeros((12, 2), np.float32)),
             raises=ValueError, raises_mentions=("(10, 16)", "(12, 2)")),
    ]


def _decode_with(centre_scale=1.0, anchor_scale=1.0, size_scale=1.0, half=0.5, layout="corners"):
    """Wrong decoders: offsets/anchor/sizes scaled wrongly, or the box assembled wrongly."""
    def wrong(regressors, anchors, input_size=128):
        r = np.asarray(regressors, np.float32)
        a = np.asarray(anchors, np.float32)
        centre = a * anchor_scale(input_size) + r[:, 0:2] * centre_scale(input_size)
        size = r[:, 2:4] * size_scale(input_size)
        if layout == "cxcywh":
            return np.concatenate([centre, size], axis=1)
        if layout == "corner_start":
            return np.concatenate([centre, centre + size], axis=1)
        if layout == "wh_as_corner":
            return np.concatenate([centre, a + size], axis=1)
        return np.concatenate([centre - half * size, centre + half * size], axis=1)
    return wrong


ONE = lambda s: 1.0  # noqa: E731
INVERSE = lambda s: 1.0 / s  # noqa: E731
FIXED = lambda s: 1.0 / 128  # noqa: E731

register(Exercise(
    name="decode_anchor_boxes",
    notebook=NOTEBOOK,
    reference=decode_anchor_boxes,
    cases=_decode_cases,
    summary="(N, K) anchor regressors to (N, 4) float32 xyxy in [0, 1]",
    hint="""
        Columns 0-3 are dx, dy, w, h in input pixels; the anchors are fractions of the input.
        Put everything in fractions first: centre = anchors + regressors[:, :2] / input_size,
        size = regressors[:, 2:4] / input_size. Then x1, y1 = centre - size / 2 and
        x2, y2 = centre + size / 2 (np.concatenate along axis 1). Check that both arrays have
        the same N first, and raise a ValueError that shows both shapes.
    """,
    mistakes=[
        Mistake("ex06_faces.todo14", "you read w and h as the box's far corner (x2, y2): columns 2 and 3 are the width "
                "and height. Corners are centre -+ size / 2.",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=ONE, size_scale=INVERSE,
                                  layout="wh_as_corner")),
        Mistake("ex06_faces.todo15", "you used the centre as the top-left corner: the anchor moved by (dx, dy) is the "
                "box's centre, so x1 = cx - w / 2 and x2 = cx + w / 2.",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=ONE, size_scale=INVERSE,
                                  layout="corner_start")),
        Mistake("ex06_faces.todo16", "you returned (cx, cy, w, h): convert to corners, x1 = cx - w / 2, y1 = cy - h / 2, "
                "x2 = cx + w / 2, y2 = cy + h / 2.",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=ONE, size_scale=INVERSE,
                                  layout="cxcywh")),
        Mistake("ex06_faces.todo17", "w and h are the full width and height: go half of them each way from the centre "
                "(you went the whole w).",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=ONE, size_scale=INVERSE, half=1.0)),
        Mistake("ex06_faces.todo18", "the offsets dx, dy are in input pixels: divide them by input_size before adding "
                "them to the anchor (a fraction of the input).",
                impl=_decode_with(centre_scale=ONE, anchor_scale=ONE, size_scale=INVERSE)),
        Mistake("ex06_faces.todo19", "the offsets dx, dy and the sizes w, h are in input pixels: divide them by "
                "input_size; the anchor is already a fraction of the input.",
                impl=_decode_with(centre_scale=ONE, anchor_scale=ONE, size_scale=ONE)),
        Mistake("ex06_faces.todo20", "you added the anchor in pixels (anchor * input_size) to an offset you had "
                "divided by input_size: use one unit, anchor + dx / input_size.",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=lambda s: s, size_scale=INVERSE)),
        Mistake("ex06_faces.todo21", "your boxes are in input pixels; return fractions of the input: divide the "
                "pixel results by input_size.",
                impl=_decode_with(centre_scale=ONE, anchor_scale=lambda s: s, size_scale=ONE)),
        Mistake("ex06_faces.todo22", "you divided the anchor by input_size too: anchors are already fractions of the "
                "input; only the regressors are in pixels.",
                impl=_decode_with(centre_scale=INVERSE, anchor_scale=INVERSE, size_scale=INVERSE)),
        Mistake("ex06_faces.todo23", "you used 128 instead of input_size: divide by the input_size argument.",
                impl=_decode_with(centre_scale=FIXED, anchor_scale=ONE, size_scale=FIXED)),
        Mistake("ex06_faces.todo24", "your boxes are float64: return float32 (convert the regressors with "
                "np.asarray(regressors, np.float32) first).",
                detect=lambda run: isinstance(run.got, np.ndarray) and run.got.dtype == np.float64),
    ],
))
