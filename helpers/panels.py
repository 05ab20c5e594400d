"""Results panels: a photo beside horizontal bars of its top-K classes, readable at a glance.

Labels and titles may be in any script ("café", "собака", "猫", "😺"): they are drawn with
a list of font families, DejaVu Sans (matplotlib's own) first, then the Noto fonts the
course installs (CJK, emoji, symbols, other scripts), and matplotlib (3.6 and later) takes
each glyph from the first family that has it. The fonts are registered with matplotlib's
font manager once; rcParams are not changed. matplotlib neither shapes nor lays out right
to left: Arabic and the Indic scripts come out unjoined, Hebrew reversed.
"""
import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from .text import font_files

BAR_COLOUR = "#0072B2"  # Okabe-Ito blue: readable on white, distinct for colour-blind readers
LABEL_CHARS = 30  # longer class names are shortened with an ellipsis so they stay inside the axes


def short_label(text, width=LABEL_CHARS):
    """``text`` cut to at most ``width`` characters, ending in an ellipsis when cut."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


@functools.lru_cache(maxsize=None)
def label_fonts():
    """The font families label text is drawn with, in fallback order: a tuple of names
    (``fontfamily=list(label_fonts())``). Registers the Noto font files (helpers.text.font_files) with
    matplotlib's font manager on first use; without them it is DejaVu Sans alone."""
    families = ["DejaVu Sans"]
    for path in font_files():
        font_manager.fontManager.addfont(str(path))
        name = font_manager.FontProperties(fname=str(path)).get_name()
        if name not in families:
            families.append(name)
    return tuple(families)


def _as_rgb(image):
    """(H, W, 3) BGR uint8 -> RGB for matplotlib; (H, W) grey is returned as is."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return image[..., ::-1]
    if image.ndim == 2:
        return image
    raise ValueError(f"expected an (H, W, 3) BGR or (H, W) grey image, got shape {image.shape}")


def results_panel(image, predictions, title="", axes=None, figsize=(10, 3.6)):
    """Draw ``image`` beside horizontal bars of its ``predictions``.

    image: (H, W, 3) uint8 BGR (as cv2.imread gives it) or (H, W) grey.
    predictions: one image's list of (class_index, label, probability), best first, as in
        ``decode_predictions(probs, labels, k)[i]``.
    title: shown above the photo; axes: a pair (image_axes, bar_axes) to draw into, or
        None for a new figure of size ``figsize``.
    Each bar carries its label and percentage inside the plot, so long names never
    spill out of the figure. Labels and the title may be in any script (see the module
    docstring). Returns the matplotlib Figure.
    """
    if not predictions:
        raise ValueError("results_panel needs at least one (class_index, label, probability) prediction")
    probabilities = np.array([float(p) for _, _, p in predictions])
    if np.any(probabilities < 0) or np.any(probabilities > 1 + 1e-6):
        raise ValueError(f"probabilities must lie in [0, 1], got {probabilities.round(3).tolist()}; "
                         f"apply softmax to logits first")
    if axes is None:
        figure, axes = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1, 1.3]})
    else:
        figure = axes[0].figure
    image_axes, bar_axes = axes

    image_axes.imshow(_as_rgb(image), cmap="gray" if np.ndim(image) == 2 else None)
    fonts = list(label_fonts())
    image_axes.set_title(title or "input image", fontfamily=fonts)
    image_axes.set_xlabel(f"{np.shape(image)[1]} px wide")
    image_axes.set_ylabel(f"{np.shape(image)[0]} px high")
    image_axes.set_xticks([])
    image_axes.set_yticks([])

    ranks = np.arange(len(predictions))
    bar_axes.barh(ranks, probabilities, height=0.4, color=BAR_COLOUR)
    for rank, (index, label, probability) in zip(ranks, predictions):
        bar_axes.text(0.01, rank - 0.28, f"{short_label(label)}  (class {index})",
                      va="bottom", ha="left", fontsize=10, clip_on=True, fontfamily=fonts)
        bar_axes.text(0.99, rank - 0.28, f"{100 * probability:.1f}%", va="bottom", ha="right",
                      fontsize=10, fontweight="bold", clip_on=True)
    bar_axes.set_xlim(0, 1)
    bar_axes.set_ylim(len(predictions) - 0.5, -0.85)  # best at the top, room for the first label
    bar_axes.set_yticks(ranks, [str(r + 1) for r in ranks])
    bar_axes.set_xlabel("probability")
    bar_axes.set_ylabel("rank")
    bar_axes.set_title(f"top-{len(predictions)} classes")
    bar_axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def results_grid(images, predictions, titles=None, row_height=3.2, width=10):
    """One :func:`results_panel` row per image; returns the Figure.

    images: list of (H, W, 3) BGR images; predictions: the matching list of prediction
    lists (``decode_predictions`` output); titles: one string per image, or None.
    """
    if len(images) != len(predictions):
        raise ValueError(f"{len(images)} images but {len(predictions)} prediction lists")
    titles = titles or [""] * len(images)
    figure, axes = plt.subplots(len(images), 2, figsize=(width, row_height * len(images)),
                                gridspec_kw={"width_ratios": [1, 1.3]}, squeeze=False)
    for row, image, prediction, title in zip(axes, images, predictions, titles):
        results_panel(image, prediction, title, axes=row)
    return figure
