"""Palettes against published values: the Pascal VOC table, matplotlib's tab10, Okabe-Ito."""
import matplotlib
import numpy as np
import pytest

from helpers.palettes import OKABE_ITO, TAB10, simulate_deuteranopia, smallest_colour_distance, voc_colormap


def test_voc_first_colours_and_known_classes():
    palette = voc_colormap()
    assert palette.shape == (256, 3) and palette.dtype == np.uint8
    assert palette[:8].tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
                                    [0, 0, 128], [128, 0, 128], [0, 128, 128], [128, 128, 128]]
    assert palette[8].tolist() == [64, 0, 0]
    assert palette[15].tolist() == [192, 128, 128]   # "person" in the VOC annotations
    assert palette[255].tolist() == [224, 224, 192]  # the "void" border colour of VOC masks


def test_voc_colours_are_all_different_and_n_is_a_prefix():
    palette = voc_colormap()
    assert len(np.unique(palette, axis=0)) == 256
    assert np.array_equal(voc_colormap(21), palette[:21])


def test_tab10_is_matplotlibs():
    expected = np.round(np.array(matplotlib.colormaps["tab10"].colors) * 255).astype(np.uint8)
    assert np.array_equal(TAB10, expected)


def test_okabe_ito_hex_values():
    hexes = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
    expected = [[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in hexes]
    assert OKABE_ITO.tolist() == expected


def test_smallest_colour_distance_hand_worked():
    # black and white differ only in lightness: L* 0 and 100
    assert smallest_colour_distance(np.uint8([[0, 0, 0], [255, 255, 255]])) == pytest.approx(100, abs=0.1)
    assert smallest_colour_distance(np.uint8([[10, 20, 30], [10, 20, 30], [200, 0, 0]])) == 0


def test_colour_blind_safe_palettes_stay_apart():
    voc = voc_colormap(21)
    for deuteranopia in (False, True):
        assert smallest_colour_distance(OKABE_ITO, deuteranopia) > smallest_colour_distance(voc, deuteranopia)
    # a deuteranope confuses red and green: they come much closer together
    red_green = np.uint8([[200, 0, 0], [0, 150, 0]])
    assert smallest_colour_distance(red_green, True) < smallest_colour_distance(red_green) / 10


def test_deuteranopia_keeps_grey_grey():
    grey = np.uint8([[0, 0, 0], [128, 128, 128], [255, 255, 255]])
    assert np.abs(simulate_deuteranopia(grey).astype(int) - grey).max() <= 1


def test_the_shapes_palette_has_a_colour_per_shapes_class_warm_for_red_cool_for_blue():
    from helpers.palettes import OKABE_ITO, SHAPES_PALETTE
    from helpers.shapes import CLASS_NAMES

    assert len(SHAPES_PALETTE) == len(CLASS_NAMES)
    assert SHAPES_PALETTE[0].tolist() == [0, 0, 0]
    assert len({tuple(c) for c in SHAPES_PALETTE.tolist()}) == len(CLASS_NAMES)
    assert all(tuple(c) in {tuple(o) for o in OKABE_ITO.tolist()} for c in SHAPES_PALETTE.tolist())
    warm, cool = {(213, 94, 0), (230, 159, 0), (204, 121, 167)}, {(86, 180, 233), (0, 114, 178), (0, 158, 115)}
    for name, colour in zip(CLASS_NAMES[1:], SHAPES_PALETTE[1:].tolist()):
        assert tuple(colour) in (warm if name.startswith("red") else cool), name
