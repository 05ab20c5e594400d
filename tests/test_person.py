"""Person segmentation: probability_to_mask against an independent bilinear resize, the real
segmenter on real photos (skipped, saying why, without its weights), and the uses of a mask."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import person
from helpers.images import sample_image
from helpers.person import (blur_background, mask_to_png_bytes, probability_to_mask, replace_background,
                            save_mask_png, segment_person)

from .mediapipe_models import real_model_or_skip

# Regions measured by hand on the portraits (x1, y1, x2, y2): inside the person, and background.
PERSON_REGIONS = {
    "astronaut": {"face": (188, 78, 274, 188), "body": (60, 300, 260, 480)},
    "grace_hopper": {"face": (168, 140, 365, 330), "body": (60, 420, 500, 600)},
}
BACKGROUND_REGIONS = {
    "astronaut": {"flag": (0, 0, 70, 230), "rocket model": (370, 20, 460, 250), "wall": (60, 0, 150, 60)},
    "grace_hopper": {"flag": (0, 0, 130, 300), "sky": (400, 0, 512, 300)},
}


def _bilinear_half_pixel(prob, width, height):
    """Bilinear resize with pixel centres at +0.5 and edges clamped, written with np.interp."""
    h, w = prob.shape
    xs = np.clip((np.arange(width) + 0.5) * w / width - 0.5, 0, w - 1)
    ys = np.clip((np.arange(height) + 0.5) * h / height - 0.5, 0, h - 1)
    rows = np.array([np.interp(xs, np.arange(w), row) for row in prob])  # (h, width)
    return np.array([np.interp(ys, np.arange(h), col) for col in rows.T]).T  # (height, width)


def test_mask_by_hand():
    # Two source pixels 0 and 1 stretched to four: 0, 0.25, 0.75, 1 (pixel centres) -> F F T T.
    mask = probability_to_mask(np.array([[0.0, 1.0]], np.float32), (4, 1))
    assert mask.dtype == bool and mask.tolist() == [[False, False, True, True]]
    assert probability_to_mask(np.array([[0.0, 1.0]]), (4, 1), threshold=0.2).tolist() == [[False, True, True, True]]


def test_mask_matches_an_independent_bilinear_resize():
    rng = np.random.default_rng(0)
    prob = cv2.GaussianBlur(rng.uniform(0, 1, (12, 16)), (0, 0), 1.5)
    prob = (prob - prob.min()) / (prob.max() - prob.min())
    expected_soft = _bilinear_half_pixel(prob, 97, 61)
    mask = probability_to_mask(prob, (97, 61))
    assert mask.shape == (61, 97)
    decided = np.abs(expected_soft - 0.5) > 1e-4  # pixels not on the threshold itself
    np.testing.assert_array_equal(mask[decided], expected_soft[decided] > 0.5)


def test_thresholding_first_gives_a_blockier_edge():
    """The reason for the order: the edge of a thresholded-then-resized mask has steps."""
    yy, xx = np.mgrid[0:16, 0:16]
    prob = 1 / (1 + np.exp(-(xx + 0.5 * yy - 11.0)))  # a soft diagonal edge
    good = probability_to_mask(prob, (256, 256))
    blocky = cv2.resize((prob > 0.5).astype(np.uint8), (256, 256), interpolation=cv2.INTER_NEAREST) > 0
    # Count the rows where the edge moves: the blocky edge moves only every 16 rows.
    edge_good = np.argmax(good, axis=1)
    edge_blocky = np.argmax(blocky, axis=1)
    assert np.count_nonzero(np.diff(edge_good)) > 4 * np.count_nonzero(np.diff(edge_blocky))


@pytest.mark.parametrize("bad", [np.array([[0.2, 1.5]]), np.array([[-0.1, 0.5]]), np.array([[np.nan, 0.5]])])
def test_mask_refuses_non_probabilities(bad):
    with pytest.raises(ValueError, match="probabilities"):
        probability_to_mask(bad, (4, 2))


def test_replace_background_uses_the_soft_map_as_alpha():
    image = np.full((2, 3, 3), 200, np.uint8)
    prob = np.array([[1.0, 0.0, 0.5], [1.0, 0.25, 0.0]], np.float32)
    out = replace_background(image, prob, (0, 0, 100))
    assert out.dtype == np.uint8 and out.shape == image.shape
    assert out[0, 0].tolist() == [200, 200, 200]  # person: kept
    assert out[0, 1].tolist() == [0, 0, 100]  # background: replaced
    assert out[0, 2].tolist() == [100, 100, 150]  # edge: blended
    with pytest.raises(ValueError, match="shape"):
        replace_background(image, prob[:, :2], (0, 0, 0))


def test_mask_png_is_exactly_0_and_255(tmp_path):
    mask = np.zeros((5, 7), bool)
    mask[1:4, 2:6] = True
    path = save_mask_png(tmp_path / "mask.png", mask)
    read_back = np.array(Image.open(path))
    assert read_back.dtype == np.uint8 and read_back.shape == (5, 7)
    assert set(np.unique(read_back).tolist()) == {0, 255}
    np.testing.assert_array_equal(read_back == 255, mask)
    assert np.array_equal(np.array(Image.open(io.BytesIO(mask_to_png_bytes(mask)))), read_back)
    with pytest.raises(ValueError, match="png"):
        save_mask_png(tmp_path / "mask.jpg", mask)


# --------------------------------------------------------------------------- #
# The real segmenter
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def real_segmenter():
    yield from real_model_or_skip(person.person_model, "the selfie segmenter's weights")


def _coverage(mask, box):
    x1, y1, x2, y2 = box
    return float(mask[y1:y2, x1:x2].mean())


@pytest.mark.parametrize("name", sorted(PERSON_REGIONS))
def test_person_mask_covers_face_and_body_not_background(real_segmenter, name):
    image = sample_image(name)
    prob = segment_person(image)
    assert prob.shape == image.shape[:2] and prob.dtype == np.float32
    assert 0 <= prob.min() and prob.max() <= 1
    mask = probability_to_mask(prob, (image.shape[1], image.shape[0]))
    regions = PERSON_REGIONS[name]
    assert _coverage(mask, regions["face"]) >= 0.9
    assert _coverage(mask, regions["body"]) >= 0.98
    for region, box in BACKGROUND_REGIONS[name].items():
        assert _coverage(mask, box) <= 0.02, f"{name}: {region}"


def test_no_person_on_the_rocket_but_the_cup_is_a_person(real_segmenter):
    assert (segment_person(sample_image("rocket")) > 0.5).mean() < 0.01
    cup = segment_person(sample_image("coffee"))[100:300, 200:400]  # the cup and saucer
    assert (cup > 0.5).mean() > 0.3  # a one-class segmenter calls the cup a person


def test_raw_output_and_input_unchanged(real_segmenter):
    image = sample_image("grace_hopper")
    before = image.copy()
    assert real_segmenter.predict(image).shape == (1, 1, 256, 256)
    segment_person(image)
    assert np.array_equal(image, before)
    gray = segment_person(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    assert gray.shape == image.shape[:2] and (gray > 0.5).mean() > 0.4


def test_blur_background_keeps_the_person(real_segmenter):
    image = sample_image("grace_hopper")
    prob = segment_person(image)
    blurred = blur_background(image, prob)
    x1, y1, x2, y2 = 200, 180, 330, 300  # eyes, nose and mouth
    face_change = np.abs(blurred[y1:y2, x1:x2].astype(int) - image[y1:y2, x1:x2]).mean()
    x1, y1, x2, y2 = BACKGROUND_REGIONS["grace_hopper"]["flag"]
    flag_change = np.abs(blurred[y1:y2, x1:x2].astype(int) - image[y1:y2, x1:x2]).mean()
    assert face_change < 2 and flag_change > 10


def test_synthetic_stand_in(monkeypatch):
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    person.person_model.cache_clear()
    try:
        with pytest.warns(UserWarning, match="SYNTHETIC"):
            model = person.person_model()
        assert model.is_synthetic
        prob = segment_person(sample_image("chelsea"))
        assert prob.shape == (300, 451) and prob.dtype == np.float32
        assert 0 <= prob.min() and prob.max() <= 1 and 0.05 < (prob > 0.5).mean() < 0.9
    finally:
        person.person_model.cache_clear()
