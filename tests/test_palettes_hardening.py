"""Issue 18: as_uint8_palette, the one check every palette goes through."""
import matplotlib
import numpy as np
import pytest

from helpers.palettes import OKABE_ITO, TAB10, as_uint8_palette, voc_colormap


def test_uint8_palettes_pass_through_unchanged():
    palette = voc_colormap(21)
    assert as_uint8_palette(palette) is palette
    assert as_uint8_palette(OKABE_ITO).dtype == np.uint8


def test_integer_palettes_are_converted_exactly():
    out = as_uint8_palette([[0, 0, 0], [255, 128, 7]])
    assert out.dtype == np.uint8 and out.tolist() == [[0, 0, 0], [255, 128, 7]]
    assert np.array_equal(as_uint8_palette(TAB10.astype(np.int64)), TAB10)


def test_matplotlib_floats_are_refused_with_the_0_1_conversion():
    floats = np.array(matplotlib.colormaps["tab10"].colors)
    with pytest.raises(TypeError, match=r"float64 .* 0-1 floats .*np\.round\(palette \* 255\)"):
        as_uint8_palette(floats)


def test_floats_in_0_255_are_refused_with_their_own_conversion():
    with pytest.raises(TypeError, match=r"values from 0\.0 to 224\.0.*np\.round\(colours\)"):
        as_uint8_palette(voc_colormap().astype(np.float32), name="colours")


@pytest.mark.parametrize("palette, error, match", [
    ([[0, 0, 0], [0, 256, 0]], ValueError, "256"),
    ([[0, -1, 0]], ValueError, "-1"),
    ([255, 0, 0], ValueError, r"single colour \[255, 0, 0\]"),
    (np.zeros((3, 4)), ValueError, "RGBA"),
    (np.zeros((3, 2), np.uint8), ValueError, r"\(n, 3\).*\(3, 2\)"),
    ([[0, 0, 0], [1, 2]], ValueError, r"\(n, 3\)"),
    (["red", "blue"], TypeError, "to_rgb"),
    (np.ones((2, 3), bool), TypeError, "bool"),
])
def test_what_is_not_a_palette_is_refused_naming_it(palette, error, match):
    with pytest.raises(error, match=match):
        as_uint8_palette(palette)


def test_min_colours():
    with pytest.raises(ValueError, match="1 colours; at least 2"):
        as_uint8_palette(OKABE_ITO[:1], min_colours=2)
