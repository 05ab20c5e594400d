"""The notebook 06 checks reject what learners really write, and accept correct variants."""
import cv2
import numpy as np

from helpers.palettes import TAB10

from .conftest import assert_accepted, assert_rejected


# --------------------------------------------------------------------------- box_iou
def iou_template(plus_one=0.0, clip=True, nan_guard=True, subtract_overlap=True):
    def box_iou(boxes_a, boxes_b):
        a = np.asarray(boxes_a, np.float64)[:, None, :]
        b = np.asarray(boxes_b, np.float64)[None, :, :]
        w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]) + plus_one
        h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]) + plus_one
        if clip:
            w, h = np.maximum(w, 0), np.maximum(h, 0)
        inter = w * h
        area_a = (a[..., 2] - a[..., 0] + plus_one) * (a[..., 3] - a[..., 1] + plus_one)
        area_b = (b[..., 2] - b[..., 0] + plus_one) * (b[..., 3] - b[..., 1] + plus_one)
        union = area_a + area_b - (inter if subtract_overlap else 0)
        if nan_guard:
            return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        return inter / union
    return box_iou


def test_iou_plus_one():
    assert_rejected("box_iou", iou_template(plus_one=1.0), "+ 1")


def test_iou_nan_for_zero_area():
    assert_rejected("box_iou", iou_template(nan_guard=False), "NaN")


def test_iou_without_clipping():
    assert_rejected("box_iou", iou_template(clip=False), "clip each at 0")


def test_iou_union_counts_overlap_twice():
    assert_rejected("box_iou", iou_template(subtract_overlap=False), "area_a + area_b - intersection")


def test_iou_pairwise_only():
    def box_iou(boxes_a, boxes_b):
        return np.diag(iou_template()(boxes_a, boxes_b))
    assert_rejected("box_iou", box_iou, "(N, M)")


def test_iou_correct_variants():
    assert_accepted("box_iou", iou_template())

    def with_loops(boxes_a, boxes_b):
        out = np.zeros((len(boxes_a), len(boxes_b)), np.float32)
        for i, (ax1, ay1, ax2, ay2) in enumerate(boxes_a):
            for j, (bx1, by1, bx2, by2) in enumerate(boxes_b):
                inter = max(0, min(ax2, bx2) - max(ax1, bx1)) * max(0, min(ay2, by2) - max(ay1, by1))
                union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
                out[i, j] = inter / union if union > 0 else 0
        return out
    assert_accepted("box_iou", with_loops)


# --------------------------------------------------------------------------- nms
def greedy(boxes, scores, iou_threshold, sort=True, only_kept_suppress=True, strict=True):
    order = list(np.argsort(scores)[::-1]) if sort else list(range(len(scores)))
    iou = iou_template()(boxes, boxes) if len(boxes) else np.zeros((0, 0))
    keep, removed = [], set()
    for i in order:
        if i in removed:
            continue
        keep.append(i)
        for j in order:
            over = iou[i, j] > iou_threshold if strict else iou[i, j] >= iou_threshold
            if j != i and j not in keep and over:
                removed.add(j)
    if not only_kept_suppress:
        keep = [i for i in order if not any(iou[k, i] > iou_threshold for k in order[:order.index(i)])]
    return np.array(keep, dtype=np.int64)


def test_nms_in_index_order():
    def nms(boxes, scores, iou_threshold):
        return np.sort(greedy(boxes, scores, iou_threshold))
    assert_rejected("nms", nms, "highest score first")


def test_nms_suppressed_boxes_suppress():
    def nms(boxes, scores, iou_threshold):
        return greedy(boxes, scores, iou_threshold, only_kept_suppress=False)
    assert_rejected("nms", nms, "only kept boxes suppress")


def test_nms_greater_or_equal():
    def nms(boxes, scores, iou_threshold):
        return greedy(boxes, scores, iou_threshold, strict=False)
    assert_rejected("nms", nms, "above")


def test_nms_cv2_with_corners():
    def nms(boxes, scores, iou_threshold):
        idx = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), 0.0, iou_threshold)
        return np.array(idx).flatten()
    assert_rejected("nms", nms, "(x, y, width, height)")


def test_nms_cv2_threshold_in_the_score_place():
    def nms(boxes, scores, iou_threshold):
        xywh = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes.tolist()]
        idx = cv2.dnn.NMSBoxes(xywh, scores.tolist(), iou_threshold, iou_threshold)
        return np.array(idx, dtype=np.int64).reshape(-1)
    assert_rejected("nms", nms, "score threshold")


def test_nms_returns_the_empty_tuple():
    def nms(boxes, scores, iou_threshold):
        xywh = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes.tolist()]
        idx = cv2.dnn.NMSBoxes(xywh, scores.tolist(), 0.0, iou_threshold)
        return idx if len(idx) == 0 else np.array(idx)
    assert_rejected("nms", nms, "empty tuple")


def test_nms_correct_variants():
    assert_accepted("nms", lambda boxes, scores, iou_threshold: greedy(boxes, scores, iou_threshold))

    def with_cv2(boxes, scores, iou_threshold):
        xywh = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes.tolist()]
        idx = cv2.dnn.NMSBoxes(xywh, scores.tolist(), 0.0, iou_threshold)
        return np.asarray(idx, dtype=np.int64).reshape(-1)
    assert_accepted("nms", with_cv2)


# --------------------------------------------------------------------------- letterbox
def letterbox_template(stretch=False, use_max=False, pads_from_round=False, swap_pad=False):
    def letterbox(image, size=(640, 640), color=(114, 114, 114)):
        h, w = image.shape[:2]
        W, H = size
        if stretch:
            return cv2.resize(image, size), W / w, (0, 0)
        r = max(W / w, H / h) if use_max else min(W / w, H / h)
        nw, nh = int(round(w * r)), int(round(h * r))
        resized = cv2.resize(image, (nw, nh))
        if pads_from_round:
            left, top = round((W - nw) / 2 + 0.1), round((H - nh) / 2 + 0.1)
        else:
            left, top = (W - nw) // 2, (H - nh) // 2
        canvas = np.full((H, W, 3), color, dtype=np.uint8)
        x0, y0 = max(left, 0), max(top, 0)
        crop = resized[y0 - top:y0 - top + H, x0 - left:x0 - left + W]
        canvas[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]] = crop
        return canvas, r, ((top, left) if swap_pad else (left, top))
    return letterbox


def test_letterbox_stretches():
    assert_rejected("letterbox", letterbox_template(stretch=True), "stretched")


def test_letterbox_gain_too_big():
    assert_rejected("letterbox", letterbox_template(use_max=True), "min(W / w, H / h)")


def test_letterbox_odd_pixel_on_the_wrong_side():
    assert_rejected("letterbox", letterbox_template(pads_from_round=True), "one pixel off")


def test_letterbox_pads_swapped():
    assert_rejected("letterbox", letterbox_template(swap_pad=True), "swapped")


def test_letterbox_correct_variants():
    assert_accepted("letterbox", letterbox_template())

    def with_copy_make_border(image, size=(640, 640), color=(114, 114, 114)):
        h, w = image.shape[:2]
        gain = min(size[0] / w, size[1] / h)
        nw, nh = round(w * gain), round(h * gain)
        small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
        dw, dh = size[0] - nw, size[1] - nh
        out = cv2.copyMakeBorder(small, dh // 2, dh - dh // 2, dw // 2, dw - dw // 2,
                                 cv2.BORDER_CONSTANT, value=color)
        return out, float(gain), (dw // 2, dh // 2)
    assert_accepted("letterbox", with_copy_make_border)


# --------------------------------------------------------------------------- unletterbox_boxes
def unletterbox_template(gain_first=False, clip=True, swap_size=False):
    def unletterbox_boxes(boxes, gain, pad, image_size):
        boxes = np.array(boxes, dtype=np.float32)
        if np.isnan(boxes).any():
            raise ValueError(f"NaN in row {np.isnan(boxes).any(axis=1).argmax()}")
        px, py = pad
        shift = np.array([px, py, px, py], np.float32)
        boxes = boxes / gain - shift if gain_first else (boxes - shift) / gain
        w, h = image_size[::-1] if swap_size else image_size
        if clip:
            boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
            boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        return boxes
    return unletterbox_boxes


def test_unletterbox_gain_before_padding():
    assert_rejected("unletterbox_boxes", unletterbox_template(gain_first=True), "before removing the padding")


def test_unletterbox_without_clipping():
    assert_rejected("unletterbox_boxes", unletterbox_template(clip=False), "clipped")


def test_unletterbox_size_swapped():
    assert_rejected("unletterbox_boxes", unletterbox_template(swap_size=True), "(width, height)")


def test_unletterbox_nan_not_checked():
    def unletterbox_boxes(boxes, gain, pad, image_size):
        px, py = pad
        out = (boxes - np.array([px, py, px, py])) / gain
        return np.clip(out, 0, [image_size[0], image_size[1]] * 2).astype(np.float32)
    assert_rejected("unletterbox_boxes", unletterbox_boxes, "instead of raising ValueError")


def test_unletterbox_in_place():
    def unletterbox_boxes(boxes, gain, pad, image_size):
        if np.isnan(boxes).any():
            raise ValueError(f"row {np.flatnonzero(np.isnan(boxes).any(axis=1))[0]} has NaN")
        boxes -= np.array([pad[0], pad[1], pad[0], pad[1]], boxes.dtype)
        boxes /= gain
        return np.clip(boxes, 0, [image_size[0], image_size[1]] * 2).astype(np.float32)
    assert_rejected("unletterbox_boxes", unletterbox_boxes, "in place")


def test_unletterbox_correct_variants():
    assert_accepted("unletterbox_boxes", unletterbox_template())

    def in_float64(boxes, gain, pad, image_size):
        boxes = np.asarray(boxes, np.float64)
        for row, box in enumerate(boxes):
            if np.isnan(box).any():
                raise ValueError(f"box {row} contains NaN")
        x = np.clip((boxes[:, 0::2] - pad[0]) / gain, 0, image_size[0])
        y = np.clip((boxes[:, 1::2] - pad[1]) / gain, 0, image_size[1])
        return np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    assert_accepted("unletterbox_boxes", in_float64)


# --------------------------------------------------------------------------- decode_yolo
def decode_template(transpose=True, corners=False, agnostic=False, objectness=True, sort=True):
    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        pred = output[0]
        v8 = output.shape[1] < output.shape[2]
        if v8:
            pred = pred.T if transpose else pred.reshape(pred.shape[1], pred.shape[0])
            scores_all = pred[:, 4:]
        else:
            scores_all = pred[:, 5:] * pred[:, 4:5] if objectness else pred[:, 5:]
        class_ids = scores_all.argmax(1)
        scores = scores_all.max(1)
        mask = scores > conf_threshold
        cx, cy, w, h = pred[mask, :4].T
        boxes = (np.stack([cx, cy, cx + w, cy + h], 1) if corners
                 else np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1))
        scores, class_ids = scores[mask], class_ids[mask]
        xywh = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes.tolist()]
        if agnostic:
            keep = cv2.dnn.NMSBoxes(xywh, scores.tolist(), 0.0, iou_threshold)
        else:
            keep = cv2.dnn.NMSBoxesBatched(xywh, scores.tolist(), class_ids.tolist(), 0.0, iou_threshold)
        keep = np.asarray(keep, dtype=np.int64).reshape(-1)
        if not sort:
            keep = keep[np.lexsort((-scores[keep], class_ids[keep]))]
        return boxes[keep].astype(np.float32), scores[keep].astype(np.float32), class_ids[keep]
    return decode_yolo


def test_decode_centres_as_corners():
    assert_rejected("decode_yolo", decode_template(corners=True), "centre")


def test_decode_class_agnostic_nms():
    assert_rejected("decode_yolo", decode_template(agnostic=True), "class-agnostic")


def test_decode_v8_not_transposed():
    assert_rejected("decode_yolo", decode_template(transpose=False), "transpose")


def test_decode_v5_without_objectness():
    assert_rejected("decode_yolo", decode_template(objectness=False), "objectness")


def test_decode_sorted_by_class():
    assert_rejected("decode_yolo", decode_template(sort=False), "sorted by score")


def test_decode_raises_when_nothing_is_found():
    template = decode_template()

    def decode_yolo(output, conf_threshold=0.25, iou_threshold=0.45):
        boxes, scores, class_ids = template(output, conf_threshold, iou_threshold)
        if not len(scores):
            return None
        return boxes, scores, class_ids
    assert_rejected("decode_yolo", decode_yolo, "three empty arrays")


def test_decode_correct_variants():
    assert_accepted("decode_yolo", decode_template())

    def per_class_loop(output, conf_threshold=0.25, iou_threshold=0.45):
        from helpers.detection import nms
        table = output[0].T if output.shape[1] < output.shape[2] else output[0]
        if output.shape[1] < output.shape[2]:
            probs = table[:, 4:]
        else:
            probs = table[:, 5:] * table[:, 4:5]
        ids, scores = probs.argmax(1), probs.max(1)
        ok = scores > conf_threshold
        xy, wh = table[ok, :2], table[ok, 2:4]
        boxes = np.concatenate([xy - wh / 2, xy + wh / 2], 1)
        ids, scores = ids[ok], scores[ok]
        kept = []
        for c in np.unique(ids):
            members = np.flatnonzero(ids == c)
            kept.extend(members[nms(boxes[members], scores[members], iou_threshold)])
        kept = np.array(sorted(kept, key=lambda i: -scores[i]), dtype=int)
        return boxes[kept].reshape(-1, 4), scores[kept], ids[kept]
    assert_accepted("decode_yolo", per_class_loop)


# --------------------------------------------------------------------------- draw_detections
def draw_template(clamp_label=True, clip_boxes=True, reverse_palette=True, scale=True, text_colour="auto",
                  in_place=False, font=cv2.FONT_HERSHEY_SIMPLEX, label_below=False, first_seen_colours=False):
    def draw_detections(image, boxes, labels, scores, palette=None):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        bad = np.flatnonzero(np.isnan(boxes).any(axis=1))
        if bad.size:
            raise ValueError(f"row {bad[0]} of boxes has NaN")
        out = image if in_place else image.copy()
        H, W = out.shape[:2]
        palette = TAB10 if palette is None else np.asarray(palette)
        names = list(dict.fromkeys(labels)) if first_seen_colours else sorted(set(labels))
        fs = max(0.35, max(H, W) / 1100) if scale else 0.5
        th = max(1, int(min(H, W) / 350)) if scale else 1
        for (x1, y1, x2, y2), label, score in zip(boxes, labels, scores):
            rgb = palette[names.index(label) % len(palette)]
            colour = tuple(int(c) for c in (rgb[::-1] if reverse_palette else rgb))
            if clip_boxes:
                x1, x2 = np.clip([x1, x2], 0, W - 1)
                y1, y2 = np.clip([y1, y2], 0, H - 1)
            x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
            cv2.rectangle(out, (x1, y1), (x2, y2), colour, th)
            text = f"{label}: {score:.0%}"
            (tw, tht), base = cv2.getTextSize(text, font, fs, max(1, th - 1))
            lh = tht + base + 4
            tx, ty = x1, (y2 if label_below else y1 - lh)
            if clamp_label:
                ty = ty if ty >= 0 else y1
                tx, ty = min(max(tx, 0), W - tw - 4), min(max(ty, 0), H - lh)
            cv2.rectangle(out, (tx, ty), (tx + tw + 4, ty + lh), colour, -1)
            if text_colour == "auto":
                luminance = 0.2126 * colour[2] + 0.7152 * colour[1] + 0.0722 * colour[0]
                ink = (0, 0, 0) if luminance > 110 else (255, 255, 255)
            else:
                ink = text_colour
            cv2.putText(out, text, (tx + 2, ty + 2 + tht), font, fs, ink, max(1, th - 1), cv2.LINE_AA)
        return out
    return draw_detections


def test_draw_labels_outside_the_frame():
    assert_rejected("draw_detections", draw_template(clamp_label=False), "label", "inside the image")


def test_draw_labels_below_the_box_leave_the_frame():
    assert_rejected("draw_detections", draw_template(clamp_label=False, label_below=True), "inside the image")


def test_draw_palette_not_converted_to_bgr():
    assert_rejected("draw_detections", draw_template(reverse_palette=False), "red and blue swapped")


def test_draw_boxes_not_clipped():
    assert_rejected("draw_detections", draw_template(clip_boxes=False), "clipped")


def test_draw_fixed_font_and_lines():
    assert_rejected("draw_detections", draw_template(scale=False), "grow with the image")


def test_draw_always_white_text():
    assert_rejected("draw_detections", draw_template(text_colour=(255, 255, 255)), "hard to read")


def test_draw_always_black_text():
    assert_rejected("draw_detections", draw_template(text_colour=(0, 0, 0)), "hard to read")


def test_draw_on_the_input():
    assert_rejected("draw_detections", draw_template(in_place=True), "in place")


def test_draw_float_coordinates_are_an_error():
    def draw_detections(image, boxes, labels, scores, palette=None):
        out = image.copy()
        for box in np.asarray(boxes):
            cv2.rectangle(out, box[:2], box[2:], (0, 255, 0), 2)
        return out
    assert_rejected("draw_detections", draw_detections, status="error")


def test_draw_nothing_drawn():
    def draw_detections(image, boxes, labels, scores, palette=None):
        if np.isnan(np.asarray(boxes, float)).any():
            raise ValueError(f"row {np.flatnonzero(np.isnan(np.asarray(boxes, float)).any(1))[0]}")
        return image.copy()
    assert_rejected("draw_detections", draw_detections, "not drawn")


def test_draw_correct_variants():
    assert_accepted("draw_detections", draw_template())
    assert_accepted("draw_detections", draw_template(font=cv2.FONT_HERSHEY_DUPLEX, first_seen_colours=True))
    assert_accepted("draw_detections", draw_template(label_below=True))
