"""Colour palettes for label maps and detections: the one place they are defined.

Every palette here is an (n, 3) uint8 array in **RGB** order (the order matplotlib
shows). OpenCV drawing and ``cv2.imwrite`` expect BGR: reverse a colour with
``colour[::-1]`` or a whole image with ``cv2.cvtColor(image, cv2.COLOR_RGB2BGR)``.

* :func:`voc_colormap` - the Pascal VOC palette most segmentation code uses.
* ``OKABE_ITO`` - 8 colours chosen to stay apart for colour-blind viewers
  (Okabe and Ito, "Color Universal Design", 2002).
* ``TAB10`` - matplotlib's default 10 colours ("tableau" colours).

:func:`smallest_colour_distance` measures how close the two most similar colours
of a palette are, for normal vision or after simulating deuteranopia.
"""
from __future__ import annotations

import cv2
import numpy as np

OKABE_ITO = np.array([
    (0, 0, 0),        # black
    (230, 159, 0),    # orange
    (86, 180, 233),   # sky blue
    (0, 158, 115),    # bluish green
    (240, 228, 66),   # yellow
    (0, 114, 178),    # blue
    (213, 94, 0),     # vermillion
    (204, 121, 167),  # reddish purple
], dtype=np.uint8)

# The shapes world's classes, in helpers.shapes.CLASS_NAMES order (background, red_circle,
# blue_circle, red_square, blue_square, red_triangle, blue_triangle), one Okabe-Ito colour each:
# background black, the red shapes warm (vermillion, orange, reddish purple) and the blue ones cool
# (sky blue, blue, bluish green), so that a colour says which family a shape belongs to. Notebooks 05
# (label maps) and 06 (detections) both use it.
SHAPES_PALETTE = OKABE_ITO[[0, 6, 2, 1, 5, 7, 3]]

TAB10 = np.array([
    (31, 119, 180),   # blue
    (255, 127, 14),   # orange
    (44, 160, 44),    # green
    (214, 39, 40),    # red
    (148, 103, 189),  # purple
    (140, 86, 75),    # brown
    (227, 119, 194),  # pink
    (127, 127, 127),  # grey
    (188, 189, 34),   # olive
    (23, 190, 207),   # cyan
], dtype=np.uint8)

# Deuteranopia (no green cones) on linear RGB: Machado, Oliveira and Fernandes,
# "A physiologically-based model for simulation of color vision deficiency" (2009), severity 1.
_DEUTERANOPIA = np.array([
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
])


def voc_colormap(n=256):
    """The Pascal VOC palette: (n, 3) uint8 RGB, colour k for label k.

    The bits of k are spread over the channels from the most significant bit
    down: bit 0 of k goes to red, bit 1 to green, bit 2 to blue, then bits 3-5
    go to the next lower bit of each channel, and so on. So 0 is black, 1 is
    (128, 0, 0), 2 is (0, 128, 0), 3 is (128, 128, 0), 4 is (0, 0, 128).
    """
    labels = np.arange(n)
    palette = np.zeros((n, 3), dtype=np.uint8)
    for level in range(8):                    # 8 bits per channel, most significant first
        for channel in range(3):              # red, green, blue
            bit = (labels >> (3 * level + channel)) & 1
            palette[:, channel] |= (bit << (7 - level)).astype(np.uint8)
    return palette


def srgb_to_linear(rgb):
    """sRGB values 0-255 (any shape) to linear light in [0, 1], float64 (the sRGB transfer curve)."""
    srgb = np.asarray(rgb, dtype=np.float64) / 255
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def simulate_deuteranopia(palette):
    """(n, 3) uint8 RGB colours as a deuteranope sees them, (n, 3) uint8 RGB."""
    linear = srgb_to_linear(palette)
    seen = np.clip(linear @ _DEUTERANOPIA.T, 0, 1)
    back = np.where(seen <= 0.0031308, seen * 12.92, 1.055 * seen ** (1 / 2.4) - 0.055)
    return np.round(back * 255).astype(np.uint8)


def smallest_colour_distance(palette, deuteranopia=False):
    """The CIELAB distance (Delta E 1976) between the two closest colours of a palette.

    palette: (n, 3) uint8 RGB, n >= 2. About 2.3 is the smallest difference
    people notice side by side; labels need far more (20 or so) to be told
    apart at a glance. With ``deuteranopia=True`` the colours are first
    simulated as a deuteranope sees them.
    """
    palette = np.asarray(palette, dtype=np.uint8)
    if palette.ndim != 2 or palette.shape[1] != 3 or len(palette) < 2:
        raise ValueError(f"expected an (n, 3) palette with n >= 2, got shape {palette.shape}")
    if deuteranopia:
        palette = simulate_deuteranopia(palette)
    lab = cv2.cvtColor((palette.astype(np.float32) / 255)[None], cv2.COLOR_RGB2Lab)[0]
    distances = np.linalg.norm(lab[:, None, :].astype(np.float64) - lab[None, :, :], axis=-1)
    distances[np.diag_indices(len(palette))] = np.inf
    return float(distances.min())


def as_uint8_palette(palette, name="palette", min_colours=1):
    """Check a palette and return it as an (n, 3) uint8 array (a new array only when needed).

    The rule: a palette is n colours of 3 **integers from 0 to 255** (a NumPy integer array
    or a list of Python ints). Everything else is refused with an error that names the
    shape, dtype and range, and says how to convert:

    * floats (matplotlib's colours, ``plt.cm.tab10.colors``, are floats from 0 to 1; a
      float array can also hold 0-255 values): the scale cannot be told from the values
      (is ``[1.0, 1.0, 1.0]`` white or almost black?), so convert it yourself with
      ``np.round(np.asarray(colours)[:, :3] * 255).astype(np.uint8)`` (0-1) or
      ``np.asarray(colours).astype(np.uint8)`` (already 0-255);
    * 4 columns (RGBA), a single colour of shape (3,), integers outside 0-255, bool,
      strings, fewer than ``min_colours`` colours.

    ``name`` is the argument's name used in the error (e.g. ``"palette"``, ``"colours"``).
    """
    try:
        array = np.asarray(palette)
    except ValueError as error:  # ragged lists: NumPy cannot make an array of them
        raise ValueError(f"{name} must be an (n, 3) array of colours; {error}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must hold integer colour values 0-255, got dtype {array.dtype}; "
                        "for colour names or hex strings use matplotlib.colors.to_rgb, then convert "
                        "the 0-1 floats with np.round(np.asarray(colours) * 255).astype(np.uint8)")
    if array.ndim == 1 and array.shape[0] in (3, 4):
        raise ValueError(f"{name} must be (n, 3), got the single colour {array.tolist()} of shape "
                         f"{array.shape}; wrap it in a list ([colour]) or use np.asarray(colour)[None]")
    if array.ndim != 2 or array.shape[1] not in (3, 4):
        raise ValueError(f"{name} must be an (n, 3) array, one RGB row per label, got shape {array.shape}")
    if array.shape[1] == 4:
        raise ValueError(f"{name} has 4 columns (RGBA, shape {array.shape}); keep the colour channels "
                         f"with {name}[:, :3]")
    if len(array) < min_colours:
        raise ValueError(f"{name} has {len(array)} colours; at least {min_colours} are needed")
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        low, high = (float(np.nanmin(array.real)), float(np.nanmax(array.real))) if array.size else (0, 0)
        hint = ("its values look like 0-1 floats (matplotlib's convention): convert with "
                f"np.round({name} * 255).astype(np.uint8)" if 0 <= low and high <= 1 else
                f"if its values are 0-255, convert with np.round({name}).astype(np.uint8)")
        raise TypeError(f"{name} has dtype {array.dtype} with values from {low} to {high}; a palette holds "
                        f"integers 0-255 (uint8) and floats are not converted (is 1.0 white or almost black?); "
                        f"{hint}")
    if array.dtype == np.uint8:
        return array
    if array.size and (array.min() < 0 or array.max() > 255):
        bad = array.min() if array.min() < 0 else array.max()
        raise ValueError(f"{name} holds the value {bad}: colour values go from 0 to 255 "
                         f"(dtype {array.dtype}, values from {array.min()} to {array.max()})")
    return array.astype(np.uint8)
