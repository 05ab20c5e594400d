"""Face detection with BlazeFace: from the network's raw anchor outputs to boxes on the photo.

BlazeFace (MediaPipe's short-range face detector, preset ``"blazeface"``) is a
single-shot detector with 896 fixed *anchors*: points spread over its 128x128 input.
For every anchor it outputs

* a score *logit* (``classificators``, (1, 896, 1)): apply a sigmoid to get a probability;
* 16 numbers (``regressors``, (1, 896, 16)): the box centre's offset from the anchor
  (dx, dy), the box width and height (w, h), then six keypoints (x, y), all in input pixels.

Turning that into faces on a photo takes the steps of this module: :func:`ssd_anchors`
(where the anchors are), :func:`sigmoid` (scores), :func:`decode_anchor_boxes` (boxes),
a score threshold, :func:`weighted_nms` (merge the many anchors that fire on one face) and
undoing the letterbox. :func:`detect_faces` runs them all.

Boxes are float ``x1, y1, x2, y2``. Functions whose name says "normalised" or that take
``input_size`` work in fractions of the network input; :func:`detect_faces` returns pixels
of the original photo.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .detection import _checked_fraction, box_iou, nms
from .drawing import _checked_boxes, draw_detections, drawing_scale
from .images import to_bgr_uint8
from .letterbox import letterbox


@dataclass(frozen=True)
class BlazeFaceConfig:
    """How to decode BlazeFace short range's outputs (the preset's anchor configuration)."""

    input_size: int = 128  # square input, pixels
    strides: tuple = (8, 16, 16, 16)  # one per anchor layer
    anchors_per_layer: int = 2
    score_clip: float = 100.0  # logits are clipped to +-score_clip before the sigmoid
    score_threshold: float = 0.5
    iou_threshold: float = 0.3  # boxes overlapping more than this are merged
    letterbox_colour: tuple = (0, 0, 0)  # black: becomes -1 after scaling to [-1, 1]
    keypoint_names: tuple = ("right eye", "left eye", "nose tip", "mouth centre",
                             "right ear tragion", "left ear tragion")  # the person's right/left


BLAZEFACE = BlazeFaceConfig()
MAX_ANCHORS = 10_000_000  # ssd_anchors refuses more (80 MB of float32 centres)
FACE_COLOUR = np.array([0, 158, 115], np.uint8)  # RGB, Okabe-Ito bluish green: boxes of draw_faces


# --------------------------------------------------------------------------- #
# Exercises of kata 06
# --------------------------------------------------------------------------- #
def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), elementwise, without overflow.

    x: float array of any shape (logits). Returns an array of the same shape and
    float dtype with values in [0, 1]. For x < 0 it uses exp(x) / (1 + exp(x)), so
    exp never sees a large positive number: no overflow warning, no NaN at +-1000.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def ssd_anchors(input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2):
    """Anchor centres of an SSD-style detector such as BlazeFace, in the network's order.

    Each stride s gives a grid of (input_size // s) x (input_size // s) cells. Layers
    with the same stride, one after the other, share one grid, so each of its cells has
    ``anchors_per_layer`` anchors per layer. Cells go row by row (row-major), a cell's
    anchors come together, and a centre is ((col + 0.5) / grid, (row + 0.5) / grid).
    Returns an (A, 2) float32 array of (x, y) in [0, 1]; A = 896 for the defaults
    (16x16 cells x 2 + 8x8 cells x 6).

    input_size, every stride and anchors_per_layer must be whole numbers >= 1, a
    stride at most input_size, and the anchors at most MAX_ANCHORS (10 million).
    """
    _check_anchor_config(input_size, strides, anchors_per_layer)
    centres = []
    for stride, layers in itertools.groupby(strides):
        grid = input_size // stride
        rows, cols = np.mgrid[0:grid, 0:grid]
        cells = np.stack([(cols + 0.5) / grid, (rows + 0.5) / grid], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(cells, len(list(layers)) * anchors_per_layer, axis=0))
    return np.concatenate(centres).astype(np.float32)


def _whole(value, name, at_least=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < at_least:
        raise ValueError(f"{name} must be a whole number >= {at_least}, got {value!r}")
    return int(value)


def _check_anchor_config(input_size, strides, anchors_per_layer):
    input_size = _whole(input_size, "input_size")
    per_layer = _whole(anchors_per_layer, "anchors_per_layer")
    try:
        strides = list(strides)
    except TypeError:
        raise ValueError(f"strides must be a sequence of whole numbers, e.g. (8, 16, 16, 16), "
                         f"got {strides!r}") from None
    if not strides:
        raise ValueError("strides is empty: give one stride per anchor layer, e.g. (8, 16, 16, 16)")
    total = 0
    for stride in strides:
        stride = _whole(stride, f"stride {stride!r} in strides")
        if stride > input_size:
            raise ValueError(f"stride {stride} is larger than input_size {input_size}: its grid would have no cells")
        total += (input_size // stride) ** 2 * per_layer
    if total > MAX_ANCHORS:
        raise ValueError(f"input_size={input_size}, strides={tuple(strides)}, anchors_per_layer={per_layer} "
                         f"make {total:,} anchors, past the limit of {MAX_ANCHORS:,}: is input_size in pixels "
                         "(BlazeFace: 128) and are the strides right?")


def decode_anchor_boxes(regressors, anchors, input_size=128):
    """Boxes from anchor regressors: (N, K) regressors, (N, 2) anchors -> (N, 4) xyxy.

    regressors: (N, K) float, K >= 4; columns 0-3 are dx, dy, w, h in input pixels
    (the box centre is the anchor moved by (dx, dy)); further columns (keypoints) are ignored.
    anchors: (N, 2) float anchor centres (x, y) as fractions of the input (from ssd_anchors).
    Returns an (N, 4) float32 array x1, y1, x2, y2 as fractions of the input (0 to 1
    inside the picture). Raises ValueError naming both shapes when N differs.
    """
    regressors = np.asarray(regressors, dtype=np.float32)
    anchors = np.asarray(anchors, dtype=np.float32)
    if regressors.ndim != 2 or regressors.shape[1] < 4:
        raise ValueError(f"regressors should have shape (N, K), K >= 4 (dx, dy, w, h, ...), got "
                         f"{regressors.shape}: for BlazeFace's (1, 896, 16) output pass output[0]")
    if anchors.ndim != 2 or anchors.shape[1] != 2:
        raise ValueError(f"anchors should have shape (N, 2) (x, y centres, from ssd_anchors), got {anchors.shape}")
    if regressors.shape[0] != anchors.shape[0]:
        raise ValueError(f"regressors have shape {regressors.shape} but anchors have shape "
                         f"{anchors.shape}: there must be one anchor per row of regressors")
    centres = anchors + regressors[:, 0:2] / input_size
    half_sizes = regressors[:, 2:4] / input_size / 2
    return np.concatenate([centres - half_sizes, centres + half_sizes], axis=1)


# --------------------------------------------------------------------------- #
# The rest of the decoding
# --------------------------------------------------------------------------- #
def decode_keypoints(regressors, anchors, input_size=128):
    """Keypoints from anchor regressors: (N, 4 + 2K) regressors -> (N, K, 2) float32 (x, y).

    Columns 4, 5 are the first keypoint's offset (x, y) from the anchor in input pixels,
    and so on. Returns fractions of the input, like :func:`decode_anchor_boxes`.
    """
    regressors = np.asarray(regressors, dtype=np.float32)
    offsets = regressors[:, 4:].reshape(len(regressors), -1, 2)
    return np.asarray(anchors, np.float32)[:, None, :] + offsets / input_size


def weighted_nms(boxes, scores, iou_threshold=0.3, keypoints=None):
    """Merge overlapping detections into their score-weighted average (BlazeFace's NMS).

    Plain NMS keeps the best box of a group and drops the rest; weighted NMS averages
    the group's boxes (and keypoints), weighted by score, which steadies the box.
    Repeatedly: take the highest-scoring box, gather every remaining box whose IoU with
    it is above ``iou_threshold`` (itself included), replace them by their weighted mean
    with the top score. boxes: (N, 4) xyxy; scores: (N,); keypoints: None or (N, K, 2).
    Returns (boxes (M, 4) float32, scores (M,) float32, keypoints (M, K, 2) float32 or
    None), highest score first.

    Scores are the weights, so they must be finite and >= 0 (probabilities); a group
    whose scores are all 0 is averaged with equal weights (its score stays 0).
    One score (and keypoint set) per box, finite boxes, an iou_threshold in [0, 1]:
    anything else is a ValueError naming it.
    """
    boxes = np.asarray(boxes, np.float64)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes should have shape (N, 4) (x1, y1, x2, y2), got {boxes.shape}"
                         + ("; for one box pass [box]" if boxes.shape == (4,) else ""))
    scores = np.asarray(scores, np.float64).reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f"got {len(boxes)} boxes but {len(scores)} scores: give one score per box")
    iou_threshold = _checked_fraction(iou_threshold, "iou_threshold", "boxes overlapping more are merged")
    bad = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if bad.size:
        raise ValueError(f"the box in row {bad[0]} is not finite: {boxes[bad[0]].tolist()}; drop such rows first")
    bad = np.flatnonzero(~(np.isfinite(scores) & (scores >= 0)))
    if bad.size:
        raise ValueError(f"the score of box {bad[0]} is {scores[bad[0]]}: scores weight the average, so they must "
                         "be finite and >= 0 (probabilities: apply sigmoid to logits first)")
    points = None if keypoints is None else np.asarray(keypoints, np.float64)
    if points is not None:
        if points.ndim != 3 or points.shape[0] != len(boxes) or points.shape[2] != 2:
            raise ValueError(f"keypoints should have shape (N, K, 2) with N = {len(boxes)} boxes, got {points.shape}")
        if not np.isfinite(points).all():
            raise ValueError("keypoints hold NaN or inf: drop those detections first")
    remaining = np.argsort(-scores, kind="stable")
    out_boxes, out_scores, out_points = [], [], []
    while remaining.size:
        in_group = box_iou(boxes[remaining[:1]], boxes[remaining])[0] > iou_threshold
        in_group[0] = True  # the top box, even a degenerate one (IoU 0 with itself)
        group, remaining = remaining[in_group], remaining[~in_group]
        total = scores[group].sum()
        weights = scores[group] / total if total > 0 else np.full(len(group), 1 / len(group))
        out_boxes.append(weights @ boxes[group])
        out_scores.append(scores[group[0]])
        if points is not None:
            out_points.append(np.tensordot(weights, points[group], axes=1))
    merged_boxes = np.array(out_boxes, np.float32).reshape(-1, 4)
    merged_scores = np.array(out_scores, np.float32)
    if points is None:
        return merged_boxes, merged_scores, None
    return merged_boxes, merged_scores, np.array(out_points, np.float32).reshape(-1, *points.shape[1:])


# --------------------------------------------------------------------------- #
# The pipeline on a photo
# --------------------------------------------------------------------------- #
@lru_cache(maxsize=1)
def blazeface_anchors() -> np.ndarray:
    """BlazeFace short range's (896, 2) float32 anchor centres."""
    return ssd_anchors(BLAZEFACE.input_size, BLAZEFACE.strides, BLAZEFACE.anchors_per_layer)


@lru_cache(maxsize=1)
def face_model():
    """The ``"blazeface"`` model (loaded once; a labelled stand-in when the weights are missing)."""
    from .models import load_model

    return load_model("blazeface")


def fit_to_input(image, resize="letterbox"):
    """Make BlazeFace's 128x128 input from an (H, W, 3) BGR image, and say how to go back.

    resize: "letterbox" (keep the aspect ratio, pad with black) or "stretch" (ignore it).
    Returns (network_input (128, 128, 3) uint8, to_image) where ``to_image(points)``
    maps (..., 2) input-pixel points (x, y) to the image's pixels.
    """
    size = BLAZEFACE.input_size
    height, width = image.shape[:2]
    if resize == "letterbox":
        network_input, gain, (pad_x, pad_y) = letterbox(image, (size, size), BLAZEFACE.letterbox_colour)

        def to_image(points):
            return (np.asarray(points, np.float32) - np.float32([pad_x, pad_y])) / np.float32(gain)
    elif resize == "stretch":
        network_input = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)

        def to_image(points):
            return np.asarray(points, np.float32) * np.float32([width / size, height / size])
    else:
        raise ValueError(f"resize must be 'letterbox' or 'stretch', got {resize!r}")
    return network_input, to_image


def run_blazeface(network_input):
    """Run BlazeFace on a (128, 128, 3) BGR input; every anchor's decoded output.

    Returns (scores (896,) float32 probabilities, boxes (896, 4) float32 xyxy and
    keypoints (896, 6, 2) float32, both in input pixels): nothing thresholded or merged.
    """
    outputs = face_model().predict(network_input)
    logits = np.asarray(outputs["classificators"], np.float32).reshape(-1)
    regressors = np.asarray(outputs["regressors"], np.float32).reshape(len(logits), -1)
    size = BLAZEFACE.input_size
    scores = sigmoid(np.clip(logits, -BLAZEFACE.score_clip, BLAZEFACE.score_clip))
    boxes = decode_anchor_boxes(regressors, blazeface_anchors(), size) * size
    keypoints = decode_keypoints(regressors, blazeface_anchors(), size) * size
    return scores, boxes, keypoints


def detect_faces_with_keypoints(image, score_threshold=0.5, resize="letterbox", merge="weighted"):
    """:func:`detect_faces`, also returning keypoints, with the choices the katas compare.

    resize: "letterbox" (right) or "stretch"; merge: "weighted" (BlazeFace's weighted
    NMS), "plain" (keep the best box of each group) or "none" (every anchor above the
    threshold). Returns (boxes (N, 4) float32 xyxy, scores (N,) float32, keypoints
    (N, 6, 2) float32 (x, y)), in the image's pixels, highest score first.
    score_threshold must be a number in [0, 1] (a NaN would silently find nothing).
    """
    score_threshold = _checked_fraction(score_threshold, "score_threshold", "a face scoring at least it is kept")
    image = to_bgr_uint8(image)
    height, width = image.shape[:2]
    network_input, to_image = fit_to_input(image, resize)
    scores, boxes, keypoints = run_blazeface(network_input)
    keep = scores >= score_threshold
    scores, boxes, keypoints = scores[keep], boxes[keep], keypoints[keep]
    if merge == "weighted":
        boxes, scores, keypoints = weighted_nms(boxes, scores, BLAZEFACE.iou_threshold, keypoints)
    elif merge in ("plain", "none"):
        order = nms(boxes, scores, BLAZEFACE.iou_threshold) if merge == "plain" else np.argsort(-scores)
        boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    else:
        raise ValueError(f"merge must be 'weighted', 'plain' or 'none', got {merge!r}")
    limits = np.float32([width, height])
    boxes = np.clip(to_image(boxes.reshape(-1, 2, 2)), 0, limits).reshape(-1, 4)
    keypoints = np.clip(to_image(keypoints), 0, limits).reshape(-1, len(BLAZEFACE.keypoint_names), 2)
    return boxes.astype(np.float32), scores.astype(np.float32), keypoints.astype(np.float32)


def detect_faces(image, score_threshold=0.5):
    """Faces in a photo: (boxes (N, 4) float32 xyxy in the image's pixels, scores (N,) float32).

    image: (H, W, 3) uint8 BGR; grayscale (H, W) and BGRA (H, W, 4) images are converted
    first by the rule of :func:`helpers.images.to_bgr_uint8` (grey copied to the three
    channels, alpha composited over white). The image is not changed.
    The photo is letterboxed to 128x128 (stretching distorts faces), every anchor decoded,
    scores below ``score_threshold`` dropped, overlapping boxes merged (weighted NMS at
    IoU 0.3), and the letterbox undone. Highest score first; no face gives empty arrays.
    """
    boxes, scores, _ = detect_faces_with_keypoints(image, score_threshold)
    return boxes, scores


def draw_faces(image, boxes, scores=None, keypoints=None):
    """A copy of a BGR image with face boxes, their scores, and keypoints drawn.

    boxes: (N, 4) xyxy pixels; scores: (N,) or None (boxes without captions);
    keypoints: (N, K, 2) or None, drawn as red numbered dots (0 = the person's right eye;
    see BLAZEFACE.keypoint_names). Line width and font grow with the image.
    Boxes or keypoints with NaN or inf are a ValueError naming the row.
    """
    image = to_bgr_uint8(image)
    boxes = _checked_boxes(boxes)
    if keypoints is not None:
        keypoints = np.asarray(keypoints, np.float64)
        if keypoints.size and keypoints.shape[-1] != 2:
            raise ValueError(f"keypoints should have shape (N, K, 2) (x, y), got {keypoints.shape}")
        bad = np.flatnonzero(~np.isfinite(keypoints.reshape(-1, 2)).all(axis=1))
        if bad.size:
            raise ValueError(f"keypoint {bad[0]} (in reading order) is not finite: "
                             f"{keypoints.reshape(-1, 2)[bad[0]].tolist()}; drop such detections before drawing")
    font_scale, thickness = drawing_scale(image.shape)
    if scores is not None:
        out = draw_detections(image, boxes, ["face"] * len(boxes), scores, palette=FACE_COLOUR[None])
    else:
        out = image.copy()
        for x1, y1, x2, y2 in boxes.round().astype(int).tolist():
            cv2.rectangle(out, (x1, y1), (x2, y2), tuple(int(c) for c in FACE_COLOUR[::-1]), thickness)
    if keypoints is not None:
        for k, (x, y) in enumerate(np.asarray(keypoints, np.float64).reshape(-1, 2).round().astype(int).tolist()):
            cv2.circle(out, (x, y), 2 * thickness + 1, (0, 0, 255), -1, cv2.LINE_AA)
            cv2.putText(out, str(k % len(BLAZEFACE.keypoint_names)), (x + 3 * thickness, y - 2 * thickness),
                        cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 255), thickness, cv2.LINE_AA)
    return out
