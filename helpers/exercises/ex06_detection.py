"""Notebook 06: detection decoding and drawing. IoU, NMS, letterbox, YOLO decoding, drawing."""
import hashlib

import cv2
import numpy as np

from ..detection import box_iou, decode_yolo, nms
from ..drawing import contrast_ratio, draw_detections
from ..letterbox import letterbox, unletterbox_boxes
from ..palettes import OKABE_ITO
from .core import Case, Exercise, Mistake, compare_arrays, describe, register

NOTEBOOK = "06_detection_decoding"


def _float_array_problem(expected, got, what, atol=1e-5):
    """Like compare_arrays, but any float dtype is fine (float32 or float64)."""
    if not isinstance(got, np.ndarray):
        return f"{what} should be a NumPy array, not {describe(got)}"
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}; expected {expected.shape}"
    if not np.issubdtype(got.dtype, np.floating):
        return f"{what} has dtype {got.dtype}; expected floats"
    return compare_arrays(expected.astype(np.float64), got.astype(np.float64), atol=atol, what=what)


def _int_array_problem(expected, got, what):
    """Integer arrays (any integer dtype) holding the same values."""
    if not isinstance(got, np.ndarray):
        return (f"{what} should be a NumPy array of ints, not {describe(got)} (cv2.dnn.NMSBoxes returns "
                "an empty tuple when nothing survives: wrap it in np.asarray(..., dtype=np.int64))")
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}; expected {expected.shape}"
    if got.size and not np.issubdtype(got.dtype, np.integer):
        return f"{what} has dtype {got.dtype}; expected integers"
    return compare_arrays(expected.astype(np.int64), got.astype(np.int64), what=what)


def _exactly(impl):
    """A detector: the learner's output holds the same values as ``impl``'s on this case."""
    def detect(run):
        wrong = impl(*run.case.args, **run.case.kwargs)
        if isinstance(wrong, tuple):
            return all(np.shape(g) == np.shape(w) and np.allclose(g, w, atol=1e-4)
                       for g, w in zip(run.got, wrong))
        return np.shape(run.got) == np.shape(wrong) and np.allclose(run.got, wrong, atol=1e-5)
    return detect


# --------------------------------------------------------------------------- #
# box_iou
# --------------------------------------------------------------------------- #
def _random_boxes(rng, count, size=100.0, max_side=50.0):
    corner = rng.uniform(0, size, (count, 2))
    sides = rng.uniform(1, max_side, (count, 2))
    return np.hstack([corner, corner + sides]).astype(np.float32)


def _iou_plus_one(boxes_a, boxes_b):
    a, b = np.asarray(boxes_a, np.float64), np.asarray(boxes_b, np.float64)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]) + 1, 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]) + 1, 0, None)
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    inter = w * h
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def _iou_parts(boxes_a, boxes_b, clip=True):
    a, b = np.asarray(boxes_a, np.float64), np.asarray(boxes_b, np.float64)
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    if clip:
        w, h = np.clip(w, 0, None), np.clip(h, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return w * h, area_a[:, None], area_b[None, :]


def _iou_union_without_overlap(boxes_a, boxes_b):
    inter, area_a, area_b = _iou_parts(boxes_a, boxes_b)
    with np.errstate(all="ignore"):
        return inter / (area_a + area_b)


def _iou_cases():
    rng = np.random.default_rng(0)
    return [
        Case("two hand-worked boxes [0, 0, 10, 10] and [5, 5, 15, 15] (IoU 25 / 175)",
             (np.float32([[0, 0, 10, 10]]), np.float32([[5, 5, 15, 15]]))),
        Case("6 random boxes against 4 random boxes (float32)",
             (_random_boxes(rng, 6), _random_boxes(rng, 4))),
        Case("boxes far apart, side by side and diagonal (no overlap at all)",
             (np.float64([[0, 0, 10, 10], [50, 50, 60, 60]]),
              np.float64([[20, 20, 30, 30], [12, 0, 20, 10], [0, 0, 10, 10]]))),
        Case("zero-area boxes: a point [5, 5, 5, 5] and a line [0, 3, 10, 3] against themselves",
             (np.float32([[5, 5, 5, 5], [0, 3, 10, 3]]), np.float32([[5, 5, 5, 5], [0, 3, 10, 3]]))),
        Case("no boxes (0, 4) against 3 boxes", (np.zeros((0, 4), np.float32), _random_boxes(rng, 3))),
    ]


register(Exercise(
    name="box_iou",
    notebook=NOTEBOOK,
    reference=box_iou,
    cases=_iou_cases,
    compare=lambda expected, got: _float_array_problem(expected, got, "the IoU matrix"),
    summary="(N, M) intersection over union of xyxy boxes",
    hint="""
        Broadcast: `a[:, None, 0]` against `b[None, :, 0]` gives (N, M). The overlap is
        max(x1) to min(x2) and max(y1) to min(y2), clipped at 0 when the boxes do not meet.
        IoU = intersection / (area_a + area_b - intersection). Continuous coordinates:
        a box from 0 to 10 is 10 wide (no "+ 1"). Where the union is 0, return 0, e.g.
        `np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)`.
    """,
    mistakes=[
        Mistake("ex06_detection.todo1", "you used the old '+ 1' pixel convention (width = x2 - x1 + 1). These boxes are in "
                "continuous coordinates: a box from 0 to 10 is 10 pixels wide.", impl=_iou_plus_one),
        Mistake("ex06_detection.todo2", "two zero-area boxes gave NaN (0 / 0). Where the union is 0, the IoU is 0: divide with "
                "np.divide(..., where=union > 0) into an array of zeros.",
                detect=lambda run: np.isnan(run.got).any()),
        Mistake("ex06_detection.todo3", "boxes that do not overlap got a non-zero IoU: when the width or the height of the overlap "
                "is negative, the product is wrong (and positive when both are). Clip each at 0 before "
                "multiplying.", detect=lambda run: ((run.expected == 0) & (np.abs(run.got) > 1e-6)).any()),
        Mistake("ex06_detection.todo4", "the union counts the overlap twice: union = area_a + area_b - intersection.",
                impl=_iou_union_without_overlap),
        Mistake("ex06_detection.todo5", "box_iou compares every box of boxes_a with every box of boxes_b: the result is (N, M), "
                "built by broadcasting a[:, None] against b[None, :].",
                detect=lambda run: np.shape(run.got) != run.expected.shape),
    ],
))


# --------------------------------------------------------------------------- #
# nms
# --------------------------------------------------------------------------- #
def _xywh(boxes):
    boxes = np.asarray(boxes, np.float64)
    return np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])


def _nms_index_order(boxes, scores, iou_threshold):
    return np.sort(nms(boxes, scores, iou_threshold))


def _nms_cv2_corners(boxes, scores, iou_threshold):
    kept = cv2.dnn.NMSBoxes(np.asarray(boxes, np.float64).tolist(), np.asarray(scores, np.float32).tolist(),
                            0.0, float(iou_threshold))
    return np.asarray(kept, dtype=np.int64).reshape(-1)


def _nms_cv2_threshold_as_score(boxes, scores, iou_threshold):
    kept = cv2.dnn.NMSBoxes(_xywh(boxes).tolist(), np.asarray(scores, np.float32).tolist(),
                            float(iou_threshold), float(iou_threshold))
    return np.asarray(kept, dtype=np.int64).reshape(-1)


def _nms_suppressed_also_suppress(boxes, scores, iou_threshold):
    order = np.argsort(-np.asarray(scores), kind="stable")
    iou = box_iou(boxes, boxes)
    suppressed = np.zeros(len(order), bool)
    for rank, i in enumerate(order):
        later = order[rank + 1:]
        suppressed[later[iou[i, later] > iou_threshold]] = True
    return np.array([i for i in order if not suppressed[i]], dtype=np.int64)


def _nms_at_threshold(boxes, scores, iou_threshold):
    return nms(boxes, scores, np.nextafter(np.float32(iou_threshold), np.float32(0)))


def _clustered_boxes(rng, clusters, per_cluster):
    centres = rng.uniform(40, 360, (clusters, 2))
    boxes = []
    for centre in centres:
        size = rng.uniform(30, 80, 2)
        for _ in range(per_cluster):
            jitter = rng.normal(0, 6, 4)
            boxes.append(np.concatenate([centre - size / 2, centre + size / 2]) + jitter)
    boxes = np.array(boxes, np.float32)
    return boxes, rng.permutation(len(boxes)).astype(np.float32) / len(boxes) + 0.01


def _nms_cases():
    rng = np.random.default_rng(3)
    boxes, scores = _clustered_boxes(rng, 5, 6)
    boxes2, scores2 = _clustered_boxes(rng, 3, 4)
    chain = np.float32([[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]])
    return [
        Case("30 boxes in 5 clusters, iou_threshold=0.5", (boxes, scores, 0.5)),
        Case("12 boxes in 3 clusters, iou_threshold=0.3", (boxes2, scores2), {"iou_threshold": 0.3}),
        Case("a chain A-B-C: B overlaps A and C (IoU 0.43), A and C overlap little (0.11); "
             "scores A 0.9, B 0.8, C 0.7; iou_threshold=0.3",
             (chain, np.float32([0.9, 0.8, 0.7]), 0.3)),
        Case("boxes [0, 0, 10, 10] and [0, 0, 10, 20]: IoU exactly 0.5, iou_threshold=0.5",
             (np.float32([[0, 0, 10, 10], [0, 0, 10, 20]]), np.float32([0.6, 0.9]), 0.5)),
        Case("one box", (np.float32([[5, 5, 20, 30]]), np.float32([0.3]), 0.5)),
        Case("no boxes: (0, 4) boxes and (0,) scores",
             (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5)),
    ]


register(Exercise(
    name="nms",
    notebook=NOTEBOOK,
    reference=nms,
    cases=_nms_cases,
    compare=lambda expected, got: _int_array_problem(expected, got, "the kept indices"),
    summary="greedy non-maximum suppression: kept indices, best first",
    hint="""
        Sort the indices by score, highest first (`np.argsort(-scores)`). Repeatedly keep
        the first one and drop every remaining box whose IoU with it is above the
        threshold (box_iou helps); only kept boxes suppress others. Return the kept
        indices in the order you kept them, as an int array (empty input: an empty array).
        cv2.dnn.NMSBoxes does the same if you give it (x, y, w, h) boxes and a score
        threshold of 0.
    """,
    mistakes=[
        Mistake("ex06_detection.todo6", "the right boxes, but in index order: return them in the order NMS keeps them, highest "
                "score first (cv2.dnn.NMSBoxes does too).", impl=_nms_index_order),
        Mistake("ex06_detection.todo7", "cv2.dnn.NMSBoxes takes boxes as (x, y, width, height), not corners: convert with "
                "w = x2 - x1, h = y2 - y1 first.", impl=_nms_cv2_corners),
        Mistake("ex06_detection.todo8", "you passed the IoU threshold as NMSBoxes' score threshold too, so low-scoring boxes "
                "vanished. The arguments are (boxes, scores, score_threshold, nms_threshold, eta): give a "
                "score threshold of 0 here (and never put a threshold in the fifth place, that is eta).",
                impl=_nms_cv2_threshold_as_score),
        Mistake("ex06_detection.todo9", "a box that was itself suppressed also suppressed others. Only kept boxes suppress: in the "
                "chain A-B-C, B goes (it overlaps A) and C must stay.", impl=_nms_suppressed_also_suppress),
        Mistake("ex06_detection.todo10", "a box is dropped only when its IoU is *above* the threshold; at exactly 0.5 it stays "
                "(as in cv2.dnn.NMSBoxes). Use `>`, not `>=`.", impl=_nms_at_threshold),
    ],
))


# --------------------------------------------------------------------------- #
# letterbox
# --------------------------------------------------------------------------- #
def _smooth_image(rng, height, width):
    coarse = rng.integers(0, 256, (4, 4, 3)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.uint8)


def _compare_letterbox(expected, got):
    if not isinstance(got, tuple) or len(got) != 3:
        return f"letterbox should return a tuple (padded, gain, (pad_x, pad_y)), not {describe(got)}"
    padded, gain, pad = got
    want_padded, want_gain, want_pad = expected
    if not isinstance(padded, np.ndarray) or padded.shape != want_padded.shape or padded.dtype != np.uint8:
        return compare_arrays(want_padded, padded, what="the padded image")
    if not isinstance(gain, (float, np.floating)) or not np.isclose(gain, want_gain, rtol=1e-6):
        return f"the gain is {gain!r}; expected {want_gain!r}"
    if (not isinstance(pad, tuple) or len(pad) != 2
            or [int(p) for p in pad] != [int(p) for p in want_pad] or any(int(p) != p for p in pad)):
        return f"the padding is {pad!r}; expected {want_pad!r} (pad_x, pad_y) as ints"
    difference = np.abs(padded.astype(np.int16) - want_padded)
    if np.mean(difference > 12) > 0.02:  # interpolation may differ a little; the layout may not
        y, x = np.unravel_index(np.argmax(difference.max(axis=2)), difference.shape[:2])
        return (f"the padded image differs from the expected one, e.g. at row {y}, column {x}: "
                f"{padded[y, x].tolist()} instead of {want_padded[y, x].tolist()}")
    return None


def _letterbox_cases():
    rng = np.random.default_rng(4)
    return [
        Case("a (48, 64, 3) landscape image into size (32, 32)", (_smooth_image(rng, 48, 64), (32, 32))),
        Case("a (50, 30, 3) portrait image into the default size (640, 640)", (_smooth_image(rng, 50, 30),)),
        Case("a (40, 40, 3) square image into size (96, 64) (width 96, height 64), colour (0, 0, 255)",
             (_smooth_image(rng, 40, 40), (96, 64)), {"color": (0, 0, 255)}),
        Case("a (30, 41, 3) image into size (64, 64): 17 rows of padding, an odd number",
             (_smooth_image(rng, 30, 41),), {"size": (64, 64)}),
    ]


def _letterbox_zero_pad(run):
    return tuple(int(p) for p in run.got[2]) == (0, 0) != tuple(run.expected[2])


def _letterbox_odd_pixel(run):
    got_pad, want_pad = np.asarray(run.got[2], float), np.asarray(run.expected[2], float)
    return np.abs(got_pad - want_pad).max() == 1


register(Exercise(
    name="letterbox",
    notebook=NOTEBOOK,
    reference=letterbox,
    cases=_letterbox_cases,
    compare=_compare_letterbox,
    summary="resize keeping the aspect ratio and pad to the network size",
    hint="""
        gain = min(W / w, H / h) so the whole image fits; resize to
        (round(w * gain), round(h * gain)); split the rest into pad_x = (W - new_w) // 2 on
        the left (the odd pixel goes right) and the same for the top; cv2.copyMakeBorder
        with cv2.BORDER_CONSTANT and value=color adds the border. size is (W, H).
        Return the gain as a float and the pads as ints.
    """,
    mistakes=[
        Mistake("ex06_detection.todo11", "letterbox should return a tuple (padded, gain, (pad_x, pad_y)).",
                detect=lambda run: not isinstance(run.got, tuple) or len(run.got) != 3),
        Mistake("ex06_detection.todo12", "size is (width, height): your padded image has its height and width swapped.",
                detect=lambda run: run.got[0].shape[:2] == run.expected[0].shape[1::-1] != run.expected[0].shape[:2]),
        Mistake("ex06_detection.todo13", "the gain must be the smaller ratio, min(W / w, H / h), so the whole image fits; with the "
                "larger one the image would not fit.", detect=lambda run: run.got[1] > run.expected[1] + 1e-6),
        Mistake("ex06_detection.todo14", "your padding is (0, 0): the image was stretched to the network size (or padded on one "
                "side only). Keep the aspect ratio and centre the image: half the padding on each side.",
                detect=_letterbox_zero_pad),
        Mistake("ex06_detection.todo15", "pad_x and pad_y are swapped: return (pad_x, pad_y), the left padding first.",
                detect=lambda run: tuple(run.got[2]) == tuple(run.expected[2])[::-1] != tuple(run.expected[2])),
        Mistake("ex06_detection.todo16", "your padding is one pixel off: with an odd amount of padding, put the extra pixel on the "
                "right or bottom, pad = (W - new_w) // 2 (Python's round() rounds 8.5 to 8 but 9.5 to 10), "
                "and round the resized size with round(), not int().", detect=_letterbox_odd_pixel),
    ],
))


# --------------------------------------------------------------------------- #
# unletterbox_boxes
# --------------------------------------------------------------------------- #
def _unletterbox_gain_first(boxes, gain, pad, image_size):
    pad_x, pad_y = pad
    width, height = image_size
    boxes = np.asarray(boxes, np.float32) / gain - np.float32([pad_x, pad_y, pad_x, pad_y])
    return np.clip(boxes, 0, [width, height, width, height])


def _unletterbox_times_gain(boxes, gain, pad, image_size):
    return unletterbox_boxes(boxes, 1 / gain, pad, image_size)


def _unletterbox_pads_swapped(boxes, gain, pad, image_size):
    return unletterbox_boxes(boxes, gain, pad[::-1], image_size)


def _unletterbox_no_clip(boxes, gain, pad, image_size):
    pad_x, pad_y = pad
    return (np.asarray(boxes, np.float32) - np.float32([pad_x, pad_y, pad_x, pad_y])) / np.float32(gain)


def _unletterbox_size_swapped(boxes, gain, pad, image_size):
    return unletterbox_boxes(boxes, gain, pad, image_size[::-1])


def _unletterbox_minus_one(boxes, gain, pad, image_size):
    return unletterbox_boxes(boxes, gain, pad, (image_size[0] - 1, image_size[1] - 1))


def _unletterbox_cases():
    rng = np.random.default_rng(5)
    inside = np.vstack([_random_boxes(rng, 5, size=500, max_side=100) + np.float32([0, 80, 0, 80]),
                        np.float32([[520, 100, 630, 200]])])
    beyond = np.float32([[-20, 60, 100, 200], [600, 500, 660, 580], [300, 300, 350, 700]])
    with_nan = inside[:4].copy()
    with_nan[2, 1] = np.nan
    return [
        Case("6 boxes from a 640x640 input, gain 0.5, pad (0, 80), original image (1280, 960)",
             (inside, 0.5, (0, 80), (1280, 960))),
        Case("boxes that stick out of the picture, gain 1.6, pad (120, 0), original image (250, 400)",
             (beyond, 1.6, (120, 0), (250, 400))),
        Case("no boxes, (0, 4)", (np.zeros((0, 4), np.float32), 0.5, (0, 80), (1280, 960))),
        Case("a box with NaN in row 2", (with_nan, 0.5, (0, 80), (1280, 960)),
             raises=ValueError, raises_mentions=("2",)),
    ]


register(Exercise(
    name="unletterbox_boxes",
    notebook=NOTEBOOK,
    reference=unletterbox_boxes,
    cases=_unletterbox_cases,
    compare=lambda expected, got: _float_array_problem(expected, got, "the boxes", atol=1e-3),
    summary="boxes from the letterboxed input back to the original image",
    hint="""
        Undo the steps in reverse order: subtract the padding (pad_x from x1 and x2, pad_y
        from y1 and y2), then divide by the gain, then clip x to [0, width] and y to
        [0, height] of the original image (image_size is (width, height)). Check for
        NaN first and name the row: np.isnan(boxes).any(axis=1).
    """,
    mistakes=[
        Mistake("ex06_detection.todo17", "you divided by the gain before removing the padding. The padding was added after "
                "scaling, so take it off first: (boxes - pad) / gain.", impl=_unletterbox_gain_first),
        Mistake("ex06_detection.todo18", "you multiplied by the gain: the network input is the original image times gain, so go "
                "back by dividing.", impl=_unletterbox_times_gain),
        Mistake("ex06_detection.todo19", "pad_x and pad_y are swapped: pad_x goes with x1 and x2, pad_y with y1 and y2.",
                impl=_unletterbox_pads_swapped),
        Mistake("ex06_detection.todo20", "image_size is (width, height): clip x to the width and y to the height.",
                impl=_unletterbox_size_swapped),
        Mistake("ex06_detection.todo21", "boxes that stick out must be clipped to the original image: x to [0, width], y to "
                "[0, height].", impl=_unletterbox_no_clip),
        Mistake("ex06_detection.todo22", "clip to the image size itself, not size - 1: in continuous coordinates the right edge of "
                "the last pixel column is x = width.", impl=_unletterbox_minus_one),
    ],
))


# --------------------------------------------------------------------------- #
# decode_yolo
# --------------------------------------------------------------------------- #
def _compare_detections(expected, got):
    if not isinstance(got, tuple) or len(got) != 3:
        return f"decode_yolo should return a tuple (boxes, scores, class_ids), not {describe(got)}"
    boxes, scores, class_ids = got
    return (_float_array_problem(expected[0], boxes, "the boxes", atol=1e-3)
            or _float_array_problem(expected[1], scores, "the scores", atol=1e-4)
            or _int_array_problem(expected[2], class_ids, "the class ids"))


def _yolo_scene(rng, classes, count=60):
    """(N, 4 + classes) rows: cx, cy, w, h, class probabilities; a few strong, overlapping objects."""
    rows = np.zeros((count, 4 + classes), np.float32)
    rows[:, :2] = rng.uniform(20, 300, (count, 2))
    rows[:, 2:4] = rng.uniform(10, 60, (count, 2))
    rows[:, 4:] = rng.uniform(0, 0.2, (count, classes))
    objects = [((100, 100, 40, 50), 0, 0.9), ((103, 98, 42, 48), 0, 0.8),    # a duplicate of the first
               ((104, 102, 40, 52), 1, 0.7),                                  # same place, another class
               ((250, 200, 60, 30), 2 % classes, 0.6), ((30, 260, 20, 20), 1, 0.35)]
    for k, (box, cls, score) in enumerate(objects):
        rows[k, :4] = box
        rows[k, 4:] = 0.05
        rows[k, 4 + cls] = score
    return rows[rng.permutation(count)]


def _yolov8_output(rng, classes=3):
    return np.ascontiguousarray(_yolo_scene(rng, classes).T[None])


def _yolov5_output(rng, classes=3):
    rows = _yolo_scene(rng, classes)
    objectness = np.where(rows[:, 4:].max(axis=1) > 0.3, 0.95, rng.uniform(0, 0.5, len(rows)))
    return np.hstack([rows[:, :4], objectness[:, None], rows[:, 4:]]).astype(np.float32)[None]


def _rows_of(output):
    """(N, 4 + C) rows and whether column 4 is objectness, for the mistake implementations."""
    output = np.asarray(output)
    if output.shape[1] < output.shape[2]:
        return output[0].T, False
    return output[0], True


def _decode_rows(rows, has_objectness, conf_threshold, iou_threshold, corners=False, agnostic=False):
    """A compact decoder with switches for the mistakes below."""
    class_scores = rows[:, 5:] * rows[:, 4:5] if has_objectness else rows[:, 4:]
    class_ids, scores = class_scores.argmax(axis=1), class_scores.max(axis=1)
    keep = scores > conf_threshold
    x, y, w, h = rows[keep, :4].astype(np.float64).T
    boxes = (np.stack([x, y, x + w, y + h], 1) if corners
             else np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], 1))
    scores, class_ids = scores[keep], class_ids[keep]
    if not len(scores):
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    shift = 0 if agnostic else (np.abs(boxes).max() + 1) * class_ids[:, None]
    kept = nms(boxes + shift, scores, iou_threshold)
    return boxes[kept].astype(np.float32), scores[kept].astype(np.float32), class_ids[kept].astype(np.int64)


def _decode_corners(output, conf_threshold=0.25, iou_threshold=0.45):
    return _decode_rows(*_rows_of(output), conf_threshold, iou_threshold, corners=True)


def _decode_agnostic(output, conf_threshold=0.25, iou_threshold=0.45):
    return _decode_rows(*_rows_of(output), conf_threshold, iou_threshold, agnostic=True)


def _decode_no_objectness(output, conf_threshold=0.25, iou_threshold=0.45):
    rows, has_objectness = _rows_of(output)
    if has_objectness:
        rows = np.delete(rows, 4, axis=1)
    return _decode_rows(rows, False, conf_threshold, iou_threshold)


def _decode_v8_reshaped(output, conf_threshold=0.25, iou_threshold=0.45):
    output = np.asarray(output)
    if output.shape[1] > output.shape[2]:
        return decode_yolo(output, conf_threshold, iou_threshold)
    rows = output[0].reshape(output.shape[2], output.shape[1])  # reshape is not a transpose
    return _decode_rows(rows, False, conf_threshold, iou_threshold)


def _same_detections_other_order(run):
    got, expected = run.got, run.expected
    if len(got[1]) != len(expected[1]) or np.allclose(got[1], expected[1], atol=1e-4):
        return False
    order = np.lexsort((np.asarray(got[0])[:, 0], -np.asarray(got[1])))
    return _compare_detections(expected, tuple(np.asarray(g)[order] for g in got)) is None


def _decode_cases():
    rng = np.random.default_rng(6)
    v8, v5 = _yolov8_output(rng), _yolov5_output(rng)
    return [
        Case("a YOLOv8 output (1, 7, 60): 3 classes, 60 candidates, two overlapping boxes of one class "
             "and one of another class at the same place", (v8,)),
        Case("a YOLOv5 output (1, 60, 8): objectness then 3 class scores", (v5,)),
        Case("the YOLOv8 output with conf_threshold=0.5 and iou_threshold=0.7", (v8, 0.5, 0.7)),
        Case("a YOLOv8 output (1, 84, 300) from 80 classes where nothing reaches 0.25",
             (rng.uniform(0, 0.2, (1, 84, 300)).astype(np.float32),)),
    ]


register(Exercise(
    name="decode_yolo",
    notebook=NOTEBOOK,
    reference=decode_yolo,
    cases=_decode_cases,
    compare=_compare_detections,
    summary="YOLOv5/v8 raw output to boxes, scores, class ids (NMS per class)",
    hint="""
        Tell the layouts apart by shape: (1, 4 + C, N) with fewer rows than columns is
        YOLOv8: transpose it to (N, 4 + C). YOLOv5 rows are cx, cy, w, h, objectness,
        then C class scores: the score is objectness * class score. Take each row's best
        class and its score, keep scores above conf_threshold, turn centres into corners
        (x1 = cx - w / 2, ...), then run NMS separately for each class (nms on boxes
        shifted by class_id * a big offset, or cv2.dnn.NMSBoxesBatched). Sort by score.
        Nothing found: empty arrays of shapes (0, 4), (0,), (0,).
    """,
    mistakes=[
        Mistake("ex06_detection.todo23", "your boxes start at (cx, cy): the first two numbers are the box centre. Convert: x1 = cx "
                "- w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2.", impl=_decode_corners),
        Mistake("ex06_detection.todo24", "your NMS is class-agnostic: it removed a box of another class at the same place. Run "
                "NMS per class (offset each class's boxes, or cv2.dnn.NMSBoxesBatched).",
                impl=_decode_agnostic),
        Mistake("ex06_detection.todo25", "the YOLOv8 output is (1, 4 + C, N): transpose it to (N, 4 + C) with .T; reshape keeps "
                "the memory order and scrambles the numbers.", impl=_decode_v8_reshaped),
        Mistake("ex06_detection.todo26", "YOLOv5's score is objectness times the class score; yours ignores the objectness column "
                "(or takes it for a class).", impl=_decode_no_objectness),
        Mistake("ex06_detection.todo27", "the right detections in another order: return them sorted by score, highest first.",
                detect=_same_detections_other_order),
        Mistake("ex06_detection.todo28", "decode_yolo returns (boxes (K, 4), scores (K,), class_ids (K,)); with nothing above the "
                "threshold that is three empty arrays, not an exception or None.",
                detect=lambda run: len(run.expected[1]) == 0),
    ],
))


# --------------------------------------------------------------------------- #
# draw_detections: a property check (fonts and line widths may differ)
# --------------------------------------------------------------------------- #
_BACKGROUND_BGR = (90, 110, 150)     # neither near black nor near white, in no palette
_DRAW_CASES = {}                     # digest of the reference output -> the case it came from


def _digest(image):
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()


def _edge_layout(width, height):
    """Five boxes with the same long label, one per horizontal band: top edge, right edge,
    middle (fully visible), left edge, bottom edge. Coordinates scale with the image."""
    sx, sy = width / 640, height / 700
    boxes = np.float32([[100, -20, 300, 70], [540, 175, 700, 235], [200, 340, 400, 390],
                        [-40, 490, 120, 545], [300, 650, 500, 720]]) * np.float32([sx, sy, sx, sy])
    return boxes, ["blue_triangle"] * 5, [0.87] * 5


def _class_layout():
    boxes = np.float32([[60, 40, 300, 100], [340, 180, 600, 250], [60, 330, 250, 400],
                        [340, 470, 600, 540], [100, 610, 300, 680]])
    labels = ["boat", "car", "boat", "person", "dog"]
    return boxes, labels, [0.91, 0.55, 0.78, 0.66, 0.42]


def _draw_cases():
    def plain(width, height):
        return np.full((height, width, 3), _BACKGROUND_BGR, np.uint8)

    navy_yellow = np.uint8([(0, 0, 128), (240, 228, 66), (0, 158, 115), (213, 94, 0)])
    cases = [
        Case("five boxes on a 640x700 image, at the top, right, left and bottom edges and one in the middle",
             (plain(640, 700), *_edge_layout(640, 700))),
        Case("the same layout on a 1920x1080 image (lines and text must grow)",
             (plain(1920, 1080), *_edge_layout(1920, 1080))),
        Case("four classes with palette [(0, 0, 128) navy, (240, 228, 66) yellow, (0, 158, 115) green, "
             "(213, 94, 0) vermillion] (RGB) on a 640x700 image", (plain(640, 700), *_class_layout()),
             {"palette": navy_yellow}),
        Case("no detections", (plain(320, 240), np.zeros((0, 4), np.float32), [], [])),
        Case("a box with NaN in row 1", (plain(320, 240), np.float32([[1, 2, 30, 40], [np.nan, 0, 9, 9]]),
                                         ["cat", "dog"], [0.9, 0.8]), raises=ValueError,
             raises_mentions=("1",)),
    ]
    for case in cases:
        if case.raises is None:
            _DRAW_CASES[_digest(draw_detections(*case.args, **case.kwargs))] = case
    return cases


def _ink(band):
    """(rows, cols) bool: near-black or near-white pixels (label text) of a BGR band."""
    band = np.ascontiguousarray(band)
    return (cv2.inRange(band, (0, 0, 0), (60, 60, 60)) | cv2.inRange(band, (200, 200, 200), (255, 255, 255))) > 0


def _bands(boxes, height):
    """Row ranges, one per box (boxes listed top to bottom): each box with the room above and
    below it, up to half-way to its neighbours, where its label may go."""
    middles = [int((boxes[i][3] + boxes[i + 1][1]) // 2) for i in range(len(boxes) - 1)]
    edges = [0] + middles + [height]
    return list(zip(edges[:-1], edges[1:]))


def _box_colour(band):
    """The most common drawn colour of a band (BGR tuple), or None when nothing is drawn."""
    band = np.ascontiguousarray(band)
    background = cv2.inRange(band, _BACKGROUND_BGR, _BACKGROUND_BGR) > 0
    drawn = band[~background & ~_ink(band)]
    if not len(drawn):
        return None
    packed = drawn.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    values, counts = np.unique(packed, return_counts=True)
    best = int(values[counts.argmax()])
    return best >> 16, (best >> 8) & 255, best & 255


def _ink_extent(band):
    rows, cols = np.nonzero(_ink(band))
    if not len(rows):
        return 0, 0
    return cols.max() - cols.min() + 1, rows.max() - rows.min() + 1


def _line_width(image, box, colour):
    """Width of the box's left side: the run of ``colour`` pixels around it, half-way down."""
    height, width = image.shape[:2]
    x1, y1, _, y2 = np.clip(box, 0, [width - 1, height - 1, width - 1, height - 1]).round().astype(int)
    x = int(x1)
    line = (image[(y1 + y2) // 2] == colour).all(axis=1)
    left = right = min(max(x, 0), image.shape[1] - 1)
    if not line[left]:
        nearby = np.flatnonzero(line[max(0, x - 6):x + 7])
        if not len(nearby):
            return 0
        left = right = max(0, x - 6) + nearby[0]
    while left > 0 and line[left - 1]:
        left -= 1
    while right < len(line) - 1 and line[right + 1]:
        right += 1
    return right - left + 1


def _edge_present(image, box, colour, reach):
    """Which of the four sides of a clipped box show ``colour`` near at least 2 of 3 places."""
    height, width = image.shape[:2]
    x1, y1, x2, y2 = np.clip(box, 0, [width - 1, height - 1, width - 1, height - 1]).round().astype(int)
    missing = []
    for side, fixed, along, vertical in (("top", y1, (x1, x2), False), ("bottom", y2, (x1, x2), False),
                                         ("left", x1, (y1, y2), True), ("right", x2, (y1, y2), True)):
        hits = 0
        for t in (0.25, 0.5, 0.75):
            pos = int(round(along[0] + t * (along[1] - along[0])))
            lo, hi = max(fixed - reach, 0), fixed + reach + 1
            strip = image[pos, lo:hi] if vertical else image[lo:hi, pos]
            hits += bool((strip == colour).all(axis=1).any())
        if hits < 2:
            missing.append(side)
    return missing


def _drawing_problems(case, expected, got):
    """What is wrong with a drawing, as a list of (kind, message); empty when it is right."""
    image, boxes, labels, scores = case.args
    palette = case.kwargs.get("palette")
    if not len(boxes):
        return [] if np.array_equal(got, image) else [
            ("changed", "with no detections the picture must be an unchanged copy of the image")]
    height, width = image.shape[:2]
    bands = _bands(boxes, height)
    found = [_box_colour(got[a:b]) for a, b in bands]
    ref_colours = [_box_colour(expected[a:b]) for a, b in bands]
    for i, colour in enumerate(found):
        if colour is None:
            return [("missing", f"box {i} ({labels[i]}) is not drawn at all")]
    problems = []
    if palette is not None:
        allowed = {tuple(int(c) for c in rgb[::-1]) for rgb in palette}
        as_rgb = {tuple(int(c) for c in rgb) for rgb in palette}
        if all(c in as_rgb for c in found) and not all(c in allowed for c in found):
            problems.append(("bgr", "the palette is RGB but the image is BGR: your colours came out with red "
                                    "and blue swapped. Reverse each colour (colour[::-1]) before drawing."))
        elif not all(c in allowed for c in found):
            problems.append(("palette", "the box colours are not the palette's colours (converted to BGR)"))
    for i in range(len(boxes)):
        for j in range(i):
            if (labels[i] == labels[j]) != (found[i] == found[j]):
                how = "the same" if labels[i] == labels[j] else "different"
                problems.append(("class-colour", f"boxes {j} and {i} have {how} labels ({labels[j]}, "
                                                 f"{labels[i]}), so they need {how} colours: one colour per class"))
    reach = 2 * max(_line_width(expected, box, colour) for box, colour in zip(boxes, ref_colours)) + 3
    for i, (box, colour) in enumerate(zip(boxes, found)):
        missing = _edge_present(got, box, colour, reach)
        if missing:
            problems.append(("not-clipped", f"box {i} has no visible {' and '.join(missing)} side: clip boxes "
                                            "to the image before drawing (a line at x = -40 is invisible)"))
    extents = [_ink_extent(got[a:b]) for a, b in bands]
    ref_extents = [_ink_extent(expected[a:b]) for a, b in bands]
    for i, (extent, label) in enumerate(zip(extents, labels)):
        twins = [extents[j] for j in range(len(boxes)) if labels[j] == label and scores[j] == scores[i]]
        full = max(twins)
        if extent == (0, 0) and full == (0, 0):
            problems.append(("no-text", f"no label text found for box {i}: write 'label score' in black or "
                                        "white on a filled rectangle of the box colour"))
        elif extent[0] < 0.9 * full[0] or extent[1] < 0.9 * full[1]:
            problems.append(("label-outside", f"the label of box {i} is cut off or missing: it runs out of the "
                                              "picture. Keep every label inside the image on all four edges "
                                              "(put it inside the box when there is no room above, and shift it "
                                              "left when it would pass the right edge)."))
    middle = len(boxes) // 2  # a box in the middle of the picture, with room for its label
    if ref_extents[middle][1] and extents[middle][1]:
        ratio = extents[middle][1] / ref_extents[middle][1]
        if not 0.5 <= ratio <= 2.5:
            problems.append(("not-scaled", f"the text is {ratio:.1f} times the expected height on a {width}x"
                                           f"{height} image: scale the font with the image size "
                                           "(e.g. font_scale = min(H, W) / 800)"))
    ref_width = _line_width(expected, boxes[middle], ref_colours[middle])
    got_width = _line_width(got, boxes[middle], found[middle])
    if ref_width >= 2 and got_width < 0.5 * ref_width:
        problems.append(("not-scaled", f"the box lines are {got_width} pixel(s) wide on a {width}x{height} "
                                       f"image, where {ref_width} are expected: scale the thickness with the "
                                       "image size"))
    for i, (a, b) in enumerate(bands):
        ink = _ink(got[a:b])
        if ink.any():
            text = (0, 0, 0) if (got[a:b][ink] <= 60).all(axis=1).mean() > 0.5 else (255, 255, 255)
            ratio = contrast_ratio(text, found[i][::-1])
            if ratio < 3:
                problems.append(("unreadable", f"the text of box {i} ({'black' if text == (0, 0, 0) else 'white'}"
                                               f" on {found[i][::-1]} RGB) has a contrast ratio of {ratio:.1f}: "
                                               "pick black or white, whichever contrasts more with the box "
                                               "colour (relative luminance)"))
    return problems


def _compare_drawings(expected, got):
    if not isinstance(got, np.ndarray) or got.shape != expected.shape or got.dtype != np.uint8:
        return compare_arrays(expected, got, what="the picture")
    case = _DRAW_CASES.get(_digest(expected))
    if case is None:  # not one of the cases: only an identical picture matches
        return None if np.array_equal(expected, got) else "the pictures differ"
    problems = _drawing_problems(case, expected, got)
    return problems[0][1] if problems else None


_LAST_DIAGNOSIS = [None, []]  # [run, its problems]: each mistake below asks about the same run


def _has_problem(kind):
    def detect(run):
        if _LAST_DIAGNOSIS[0] is not run:
            _LAST_DIAGNOSIS[:] = [run, _drawing_problems(run.case, run.expected, run.got)]
        return any(k == kind for k, _ in _LAST_DIAGNOSIS[1])
    return detect


register(Exercise(
    name="draw_detections",
    notebook=NOTEBOOK,
    reference=draw_detections,
    cases=_draw_cases,
    compare=_compare_drawings,
    summary="boxes and readable labels drawn on a copy of a BGR image",
    hint="""
        Work on `out = image.copy()`. Clip the boxes to the image and convert them to
        Python ints (cv2 rejects numpy floats with "Can't parse 'pt1'"). Pick a colour per
        distinct label from the palette (RGB: reverse it for the BGR image) and pass it as a
        tuple of ints. Scale font and thickness with min(H, W). Measure the text with
        cv2.getTextSize, put a filled rectangle of the box colour behind it, above the box
        or inside it when there is no room, and shift it so it never leaves the image.
        Black or white text, whichever contrasts more with the box colour.
    """,
    mistakes=[
        Mistake("ex06_detection.todo29", "a label runs out of the picture (cut off at an edge). Keep every label inside the image: "
                "when there is no room above the box put it inside, and clamp its x so that it ends "
                "before the right edge and starts after the left one.", detect=_has_problem("label-outside")),
        Mistake("ex06_detection.todo30", "the palette is RGB but the image is BGR: your colours came out with red and blue swapped. "
                "Reverse each colour (colour[::-1]) before drawing.", detect=_has_problem("bgr")),
        Mistake("ex06_detection.todo31", "part of a box is invisible: boxes that stick out of the picture must be clipped to it "
                "before drawing, so that all four sides show.", detect=_has_problem("not-clipped")),
        Mistake("ex06_detection.todo32", "lines and text must grow with the image: on 1920x1080 a font scale of 0.5 and 1-pixel "
                "lines are hard to see. Derive both from min(H, W).", detect=_has_problem("not-scaled")),
        Mistake("ex06_detection.todo33", "the label text is hard to read on its box colour: choose black or white by the colour's "
                "luminance (black on light colours, white on dark ones).", detect=_has_problem("unreadable")),
    ],
))
