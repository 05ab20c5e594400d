"""The notebook 05 checks reject what learners really write, and accept correct variants."""
import cv2
import numpy as np

from .conftest import assert_accepted, assert_rejected


# --------------------------------------------------------------------------- voc_colormap
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


def test_voc_written_as_bgr():
    def voc_colormap(n=256):
        out = voc_loop(n)
        return out[:, [2, 1, 0]]
    assert_rejected("voc_colormap", voc_colormap, "BGR")


def test_voc_without_the_shift():
    def voc_colormap(n=256):
        out = np.zeros((n, 3), dtype=np.uint8)
        for i in range(n):
            out[i] = [(i & 1) * 128, ((i >> 1) & 1) * 128, ((i >> 2) & 1) * 128]
        return out
    assert_rejected("voc_colormap", voc_colormap, "shift the label right by 3")


def test_voc_bits_from_the_bottom():
    def voc_colormap(n=256):
        out = np.zeros((n, 3), dtype=np.uint8)
        for i in range(n):
            c = i
            for j in range(8):
                out[i, 0] |= ((c >> 0) & 1) << j
                out[i, 1] |= ((c >> 1) & 1) << j
                out[i, 2] |= ((c >> 2) & 1) << j
                c >>= 3
        return out
    assert_rejected("voc_colormap", voc_colormap, "128 (1 << 7)")


def test_voc_int64():
    assert_rejected("voc_colormap", lambda n=256: voc_loop(n).astype(np.int64), "uint8")


def test_voc_correct_variants():
    assert_accepted("voc_colormap", voc_loop)

    def voc_colormap(n=256):
        labels = np.arange(n)[:, None]
        channel = np.arange(3)[None, :]
        out = np.zeros((n, 3), dtype=np.int64)
        for level in range(8):
            out += ((labels >> (3 * level + channel)) & 1) << (7 - level)
        return out.astype(np.uint8)
    assert_accepted("voc_colormap", voc_colormap)


# --------------------------------------------------------------------------- scores_to_label_map
def test_label_map_resized_bilinearly():
    def scores_to_label_map(scores, size):
        labels = np.argmax(scores, axis=0).astype(np.uint8)
        return cv2.resize(labels, size)  # default INTER_LINEAR
    assert_rejected("scores_to_label_map", scores_to_label_map, "interpolated", "INTER_NEAREST")


def test_label_map_scores_resized_first():
    def scores_to_label_map(scores, size):
        big = np.stack([cv2.resize(s, size) for s in scores.astype(np.float32)])
        return big.argmax(axis=0)
    assert_rejected("scores_to_label_map", scores_to_label_map, "resized the scores before the argmax")


def test_label_map_float():
    def scores_to_label_map(scores, size):
        labels = np.argmax(scores, axis=0).astype(np.float32)
        return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    assert_rejected("scores_to_label_map", scores_to_label_map, "integer")


def test_label_map_size_read_as_height_width():
    def scores_to_label_map(scores, size):
        height, width = size
        labels = np.argmax(scores, axis=0).astype(np.int32)
        return cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)
    assert_rejected("scores_to_label_map", scores_to_label_map, "(width, height)")


def test_label_map_correct_variants():
    def with_numpy_indexing(scores, size):
        labels = scores.argmax(0)
        width, height = size
        rows = (np.arange(height) * labels.shape[0]) // height
        cols = (np.arange(width) * labels.shape[1]) // width
        return labels[rows[:, None], cols[None, :]]
    assert_accepted("scores_to_label_map", with_numpy_indexing)

    def with_nearest_exact(scores, size):
        labels = scores.argmax(axis=0).astype(np.uint8)
        return cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST_EXACT)
    assert_accepted("scores_to_label_map", with_nearest_exact)

    def with_pixel_centres(scores, size):
        labels = scores.argmax(axis=0)
        width, height = size
        rows = np.minimum(((np.arange(height) + 0.5) * labels.shape[0] / height).astype(int), labels.shape[0] - 1)
        cols = np.minimum(((np.arange(width) + 0.5) * labels.shape[1] / width).astype(int), labels.shape[1] - 1)
        return labels[np.ix_(rows, cols)].astype(np.int64)
    assert_accepted("scores_to_label_map", with_pixel_centres)


# --------------------------------------------------------------------------- colorize
def test_colorize_bgr():
    def colorize(label_map, palette):
        return cv2.cvtColor(palette[label_map], cv2.COLOR_RGB2BGR)
    assert_rejected("colorize", colorize, "BGR")


def test_colorize_lets_numpy_raise_index_error():
    assert_rejected("colorize", lambda label_map, palette: palette[label_map], "IndexError", "ValueError")


def test_colorize_wraps_labels_around():
    def colorize(label_map, palette):
        return palette[label_map % len(palette)]
    assert_rejected("colorize", colorize, "instead of raising ValueError")


def test_colorize_message_without_the_label():
    def colorize(label_map, palette):
        if label_map.max() >= len(palette) or label_map.min() < 0:
            raise ValueError("bad label")
        return palette[label_map]
    assert_rejected("colorize", colorize, "should mention")


def test_colorize_float():
    def colorize(label_map, palette):
        if label_map.max() >= len(palette) or label_map.min() < 0:
            raise ValueError(f"label {label_map.max()} {label_map.min()} not in palette")
        return palette.astype(np.float32)[label_map]
    assert_rejected("colorize", colorize, "uint8")


def test_colorize_correct_variants():
    def with_lut(label_map, palette):
        bad = label_map[(label_map < 0) | (label_map >= len(palette))]
        if bad.size:
            raise ValueError(f"label {bad[0]} is outside the palette of {len(palette)} colours")
        table = np.zeros((256, 1, 3), np.uint8)
        table[:len(palette), 0] = palette[:256]
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


# --------------------------------------------------------------------------- overlay
def _colours(label_map, palette):
    return np.asarray(palette)[label_map]


def test_overlay_blends_the_background():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("sizes differ")
        return cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
    assert_rejected("overlay", overlay, "background is blended")


def test_overlay_alpha_the_wrong_way_round():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("sizes differ")
        out = image.copy()
        mask = label_map != background
        out[mask] = (alpha * image[mask] + (1 - alpha) * _colours(label_map, palette)[mask]).round()
        return out
    assert_rejected("overlay", overlay, "alpha is the weight of the colour")


def test_overlay_background_hard_coded():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("sizes differ")
        blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
        return np.where((label_map > 0)[..., None], blended, image)
    assert_rejected("overlay", overlay, "ignored the background")


def test_overlay_in_place():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("sizes differ")
        mask = label_map != background
        image[mask] = (1 - alpha) * image[mask] + alpha * _colours(label_map, palette)[mask]
        return image
    assert_rejected("overlay", overlay, "in place")


def test_overlay_float_result():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        if image.shape[:2] != label_map.shape:
            raise ValueError("sizes differ")
        blended = (1 - alpha) * image + alpha * _colours(label_map, palette)
        return np.where((label_map != background)[..., None], blended, image)
    assert_rejected("overlay", overlay, "uint8")


def test_overlay_no_size_check():
    def overlay(image, label_map, palette, alpha=0.5, background=0):
        blended = cv2.addWeighted(image, 1 - alpha, _colours(label_map, palette), alpha, 0)
        return np.where((label_map != background)[..., None], blended, image)
    assert_rejected("overlay", overlay, "should raise ValueError")


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
