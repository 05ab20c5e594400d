"""Label maps, colouring and overlays against hand-worked values and OpenCV's own functions."""
import cv2
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from helpers.palettes import voc_colormap  # noqa: E402
from helpers.segmentation import add_legend, colorize, overlay, scores_to_label_map  # noqa: E402


def test_label_map_hand_worked_upsampling():
    scores = np.zeros((3, 2, 2), np.float32)
    scores[0, 0, 0] = scores[1, 0, 1] = scores[2, 1, 0] = scores[1, 1, 1] = 1
    labels = scores_to_label_map(scores, (4, 4))
    assert np.issubdtype(labels.dtype, np.integer)
    assert labels.tolist() == np.kron([[0, 1], [2, 1]], np.ones((2, 2), int)).tolist()


def test_label_map_size_is_width_height_and_values_are_labels():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(7, 5, 9))
    labels = scores_to_label_map(scores, (31, 17))
    assert labels.shape == (17, 31)
    assert set(np.unique(labels)) <= set(np.unique(scores.argmax(0)))


def test_label_map_rejects_a_batch_axis():
    with pytest.raises(ValueError, match=r"scores\[0\]"):
        scores_to_label_map(np.zeros((1, 3, 4, 4)), (8, 8))


def test_colorize_matches_cv2_apply_color_map_with_a_user_table():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    palette = voc_colormap()
    ours = colorize(labels, palette)
    theirs = cv2.applyColorMap(labels, palette[:, None, :])  # a 256-entry table is used as given
    assert ours.dtype == np.uint8 and np.array_equal(ours, theirs)


@pytest.mark.parametrize("bad", [21, -1])
def test_colorize_names_a_label_beyond_the_palette(bad):
    labels = np.zeros((3, 3), np.int32)
    labels[1, 1] = bad
    with pytest.raises(ValueError, match=f"label {bad} "):
        colorize(labels, voc_colormap(21))


def test_colorize_ignore_label_with_a_full_palette():
    assert colorize(np.full((2, 2), 255, np.uint8), voc_colormap()).tolist() == [[[224, 224, 192]] * 2] * 2


def test_overlay_hand_worked_and_input_unchanged():
    image = np.full((2, 2, 3), 100, np.uint8)
    labels = np.array([[0, 1], [2, 0]], np.uint8)
    before = image.copy()
    out = overlay(image, labels, voc_colormap(), alpha=0.25)
    assert np.array_equal(image, before) and out is not image
    assert out[0, 0].tolist() == [100, 100, 100] and out[1, 1].tolist() == [100, 100, 100]
    assert out[0, 1].tolist() == [107, 75, 75]   # 0.75 * 100 + 0.25 * (128, 0, 0)
    assert out[1, 0].tolist() == [75, 107, 75]


def test_overlay_background_label_and_sizes():
    image = np.zeros((3, 4, 3), np.uint8)
    labels = np.ones((3, 4), np.uint8)
    assert np.array_equal(overlay(image, labels, voc_colormap(), 1.0, background=1), image)
    with pytest.raises(ValueError, match="differ in size"):
        overlay(image, labels.T, voc_colormap())
    with pytest.raises(ValueError, match="alpha"):
        overlay(image, labels, voc_colormap(), alpha=1.5)


def test_add_legend_lists_the_labels_shown():
    fig, ax = plt.subplots()
    legend = add_legend(ax, ["background", "cat", "dog"], voc_colormap(3), labels=[1, 2])
    assert [t.get_text() for t in legend.get_texts()] == ["1 cat", "2 dog"]
    plt.close(fig)
