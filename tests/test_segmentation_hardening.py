"""Issue 18: segmentation helpers refuse what would crash, hang or give a silent wrong picture."""
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from helpers.palettes import OKABE_ITO, voc_colormap
from helpers.images import MAX_PIXELS
from helpers.segmentation import add_legend, colorize, overlay, scores_to_label_map

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- #
# Empty label maps: applyColorMap on a 0x0 image killed the process with SIGFPE
# --------------------------------------------------------------------------- #
def test_empty_label_maps_raise_instead_of_killing_the_interpreter():
    """Run in a child process: before the fix the child died of SIGFPE (return code -8)."""
    code = textwrap.dedent("""
        import numpy as np
        from helpers.palettes import voc_colormap
        from helpers.segmentation import colorize, overlay
        calls = [lambda: colorize(np.zeros((0, 0), np.uint8), voc_colormap()),
                 lambda: colorize(np.zeros((0, 5), np.int32), voc_colormap(21)),
                 lambda: overlay(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.uint8), voc_colormap())]
        for call in calls:
            try:
                call()
            except ValueError as error:
                assert "no pixels" in str(error), error
                print("refused")
            else:
                print("returned")
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"child died with {done.returncode}: {done.stderr[-500:]}"
    assert done.stdout.split() == ["refused"] * 3


@pytest.mark.parametrize("shape, fix", [((1, 4, 4), r"label_map\[0\]"), ((3, 4, 4), "scores_to_label_map"),
                                        ((4,), "one label per pixel")])
def test_colorize_refuses_a_label_map_that_is_not_2d(shape, fix):
    with pytest.raises(ValueError, match=fix):
        colorize(np.zeros(shape, np.uint8), voc_colormap())


# --------------------------------------------------------------------------- #
# Palettes: a matplotlib palette (floats 0-1) gave a black image
# --------------------------------------------------------------------------- #
def test_a_matplotlib_palette_is_refused_with_the_conversion_not_drawn_black():
    labels = np.arange(10).reshape(2, 5)
    floats = np.array(matplotlib.colormaps["tab10"].colors)
    with pytest.raises(TypeError, match=r"float64 with values from 0\.05.* to 1\.0.*\* 255"):
        colorize(labels, floats)
    with pytest.raises(TypeError, match="float64"):
        overlay(np.zeros((2, 5, 3), np.uint8), labels, floats)
    # the conversion the error gives is the right one
    converted = np.round(floats * 255).astype(np.uint8)
    assert colorize(labels, converted)[0, 1].tolist() == [255, 127, 14]


def test_integer_palettes_of_any_dtype_colour_like_uint8():
    labels = np.array([[0, 1], [2, 3]], np.uint8)
    expected = colorize(labels, OKABE_ITO)
    for palette in (OKABE_ITO.astype(np.int64), OKABE_ITO.tolist(), OKABE_ITO.astype(np.uint16)):
        assert np.array_equal(colorize(labels, palette), expected)


@pytest.mark.parametrize("palette, error, match", [
    (np.array([[0, 0, 0], [300, 0, 0]]), ValueError, "300"),
    (np.zeros((4, 4), np.uint8), ValueError, r"RGBA.*\[:, :3\]"),
    (np.zeros((0, 3), np.uint8), ValueError, "0 colours"),
    (np.array([[True, False, True]]), TypeError, "bool"),
])
def test_colorize_refuses_palettes_that_are_not_colours(palette, error, match):
    with pytest.raises(error, match=match):
        colorize(np.zeros((2, 2), np.uint8), palette)


def test_add_legend_refuses_a_float_palette():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        with pytest.raises(TypeError, match="float"):
            add_legend(ax, ["a", "b"], np.array([[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]]))
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- #
# overlay: the image is (H, W, 3) uint8, alpha a number from 0 to 1
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("image, error, match", [
    (np.zeros((2, 2, 3), np.float32), TypeError, "float32"),
    (np.zeros((2, 2, 4), np.uint8), ValueError, r"\[\.\.\., :3\]"),
    (np.zeros((2, 2), np.uint8), ValueError, "GRAY2RGB"),
])
def test_overlay_refuses_an_image_it_cannot_blend(image, error, match):
    with pytest.raises(error, match=match):
        overlay(image, np.zeros((2, 2), np.uint8), voc_colormap())


@pytest.mark.parametrize("alpha, error", [(float("nan"), ValueError), (-0.1, ValueError), ("0.5x", TypeError)])
def test_overlay_refuses_a_bad_alpha(alpha, error):
    with pytest.raises(error, match="alpha"):
        overlay(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), np.uint8), voc_colormap(), alpha=alpha)


# --------------------------------------------------------------------------- #
# scores_to_label_map: NaN, empty scores, bad sizes
# --------------------------------------------------------------------------- #
def test_a_nan_score_is_refused_naming_where_it_is():
    scores = np.random.default_rng(0).normal(size=(3, 4, 4))
    scores[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="1 NaN .*class 1, row 2, column 3"):
        scores_to_label_map(scores, (8, 8))


def test_infinite_scores_are_still_an_argmax():
    scores = np.zeros((3, 2, 2), np.float32)
    scores[2, 0, 0] = np.inf
    scores[0] = -np.inf
    assert scores_to_label_map(scores, (2, 2)).tolist() == [[2, 1], [1, 1]]


@pytest.mark.parametrize("shape", [(0, 4, 4), (3, 0, 4), (3, 4, 0)])
def test_empty_scores_are_refused(shape):
    with pytest.raises(ValueError, match="empty"):
        scores_to_label_map(np.zeros(shape, np.float32), (4, 4))


@pytest.mark.parametrize("size, match", [((0, 4), "width is 0"), ((4, -1), "height is -1"),
                                         ((4.5, 4), "width is 4.5"), ((4, float("nan")), "height is nan"),
                                         ((4,), "two positive integers"), ("4x4", "two positive integers"),
                                         ((100_000, 100_000), "more than helpers.images.MAX_PIXELS")])
def test_bad_sizes_are_refused_before_allocating(size, match):
    with pytest.raises(ValueError, match=match):
        scores_to_label_map(np.zeros((2, 3, 3), np.float32), size)


def test_sizes_may_be_numpy_integers_and_whole_floats():
    labels = scores_to_label_map(np.zeros((2, 3, 3), np.float32), (np.int64(6), 4.0))
    assert labels.shape == (4, 6) and labels.dtype == np.int32
    assert MAX_PIXELS >= 8000 * 6000  # a 48-megapixel photo fits


def test_non_numeric_scores_are_refused():
    with pytest.raises(TypeError, match="dtype"):
        scores_to_label_map(np.full((2, 2, 2), "a"), (2, 2))
