"""The results panel: RGB image beside bars, text inside the axes, titles and axis labels."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.panels import results_grid, results_panel, short_label  # noqa: E402

PREDICTIONS = [(967, "espresso", 0.9546), (968, "cup", 0.0132),
               (441, "beer glass, a very long class name that would spill out of the figure", 0.0101)]


@pytest.fixture
def image():
    img = np.zeros((30, 40, 3), np.uint8)
    img[..., 0] = 255  # pure blue in BGR
    return img


def test_panel_shows_rgb_and_bars(image):
    fig = results_panel(image, PREDICTIONS, title="coffee")
    try:
        image_axes, bar_axes = fig.axes
        shown = image_axes.images[0].get_array()
        assert np.array_equal(shown[0, 0], [0, 0, 255])  # blue stays blue once shown
        widths = [p.get_width() for p in bar_axes.patches]
        assert widths == pytest.approx([p for _, _, p in PREDICTIONS])
        assert image_axes.get_title() == "coffee" and bar_axes.get_title() == "top-3 classes"
        assert bar_axes.get_xlabel() == "probability" and bar_axes.get_ylabel() == "rank"
        assert image_axes.get_xlabel() and image_axes.get_ylabel()
        texts = [t.get_text() for t in bar_axes.texts]
        assert "espresso  (class 967)" in texts and "95.5%" in texts
    finally:
        plt.close(fig)


def test_all_text_stays_inside_the_figure(image):
    fig = results_panel(image, PREDICTIONS, title="coffee")
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        figure_box = fig.bbox
        bar_box = fig.axes[1].get_window_extent(renderer)
        for text in fig.axes[1].texts:
            box = text.get_window_extent(renderer)
            assert bar_box.x0 - 1 <= box.x0 and box.x1 <= bar_box.x1 + 1, text.get_text()
            assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1
    finally:
        plt.close(fig)


def test_grid_and_errors(image):
    fig = results_grid([image, image[..., 0]], [PREDICTIONS, PREDICTIONS[:1]], ["a", "b"])
    try:
        assert len(fig.axes) == 4 and fig.axes[2].get_title() == "b"
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="softmax"):
        results_panel(image, [(0, "x", 3.2)])
    with pytest.raises(ValueError, match="at least one"):
        results_panel(image, [])
    with pytest.raises(ValueError, match="2 images but 1"):
        results_grid([image, image], [PREDICTIONS])
    assert short_label("x" * 50).endswith("\u2026") and len(short_label("x" * 50)) == 30
    plt.close("all")
