"""blob_from_image, normalize_blob and blob_to_image against OpenCV and hand-worked values."""
import cv2
import numpy as np
import pytest

from helpers.preprocessing import blob_from_image, blob_to_image, normalize_blob


def _random_setting(rng):
    h, w = (int(v) for v in rng.integers(1, 260, 2))
    size = None if rng.random() < 0.15 else tuple(int(v) for v in rng.integers(1, 240, 2))
    return (rng.integers(0, 256, (h, w, 3), dtype=np.uint8), float(rng.choice([1.0, 1 / 255, 1 / 128, 0.017])),
            size, tuple(float(v) for v in rng.uniform(0, 255, 3)), bool(rng.integers(2)), bool(rng.integers(2)))


def test_equals_opencv_on_many_random_settings():
    """Sizes 1..259, every aspect ratio, crop on and off, swap on and off (run on 4.x and 5.x)."""
    rng = np.random.default_rng(2026)
    for _ in range(300):
        image, scale, size, mean, swap, crop = _random_setting(rng)
        expected = cv2.dnn.blobFromImage(image, scale, size, mean, swap, crop)
        got = blob_from_image(image, scale, size, mean, swap, crop)
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.abs(got - expected).max() <= 1e-4, (image.shape, size, crop, swap)


@pytest.mark.parametrize("shape, size", [((480, 640), (224, 224)), ((640, 480), (224, 224)),
                                         ((1, 300), (32, 32)), ((300, 1), (32, 32)), ((99, 101), (300, 200))])
def test_extreme_aspect_ratios_with_crop(shape, size):
    image = np.random.default_rng(1).integers(0, 256, shape + (3,), dtype=np.uint8)
    expected = cv2.dnn.blobFromImage(image, 1 / 255, size, (10, 20, 30), True, True)
    np.testing.assert_allclose(blob_from_image(image, 1 / 255, size, (10, 20, 30), True, True), expected,
                               atol=1e-4, rtol=0)


def test_keyword_names_match_the_contract_and_float_images_work():
    image = np.random.default_rng(3).uniform(0, 255, (20, 30, 3)).astype(np.float32)
    expected = cv2.dnn.blobFromImage(image, scalefactor=0.5, size=(16, 8), mean=(1, 2, 3), swapRB=True, crop=True)
    got = blob_from_image(image, scalefactor=0.5, size=(16, 8), mean=(1, 2, 3), swap_rb=True, crop=True)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_hand_worked_pixel():
    image = np.array([[[10, 20, 30]]], np.uint8)  # one B=10, G=20, R=30 pixel
    blob = blob_from_image(image, scalefactor=0.5, mean=(1, 2, 3), swap_rb=True)
    # after the swap the pixel is R, G, B = 30, 20, 10; minus (1, 2, 3) = 29, 18, 7; times 0.5
    assert blob.tolist() == [[[[14.5]], [[9.0]], [[3.5]]]]


def test_a_batch_matches_blob_from_images():
    rng = np.random.default_rng(4)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((50, 70), (80, 40), (64, 64))]
    expected = cv2.dnn.blobFromImages(images, 1 / 127.5, (32, 32), (127.5,) * 3, True, True)
    got = np.concatenate([blob_from_image(im, 1 / 127.5, (32, 32), (127.5,) * 3, True, True) for im in images])
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize("bad, words", [(np.zeros((4, 4), np.uint8), "(H, W, 3)"),
                                        (np.zeros((4, 4, 4), np.uint8), "cvtColor")])
def test_bad_images_are_clear_errors(bad, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        blob_from_image(bad)


def test_single_number_mean_is_refused():
    """OpenCV reads mean=127 as (127, 0, 0): a silent mistake we refuse instead."""
    image = np.full((2, 2, 3), 127, np.uint8)
    assert cv2.dnn.blobFromImage(image, mean=127)[0, :, 0, 0].tolist() == [0, 127, 127]
    with pytest.raises(ValueError, match="three numbers"):
        blob_from_image(image, mean=127)


def test_normalize_blob_hand_worked_and_against_torchvision_formula():
    blob = np.ones((2, 3, 2, 2), np.float32) * np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
    out = normalize_blob(blob, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert out.dtype == np.float32 and np.abs(out).max() < 1e-6  # the mean itself maps to 0
    x = np.random.default_rng(5).random((1, 3, 4, 5), dtype=np.float32)
    out = normalize_blob(x, (0.1, 0.2, 0.3), (0.5, 0.25, 2.0))
    np.testing.assert_allclose(out[0, 1], (x[0, 1] - 0.2) / 0.25, rtol=1e-6)
    np.testing.assert_allclose(out[0, 2], (x[0, 2] - 0.3) / 2.0, rtol=1e-6)


def test_normalize_blob_equals_blob_from_image_when_std_is_one_number():
    """(x - m) / s with the same s for every channel is blobFromImage with scalefactor 1/s."""
    image = np.random.default_rng(6).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    expected = cv2.dnn.blobFromImage(image, 1 / 58.0, None, (123.675, 116.28, 103.53), True)
    got = normalize_blob(blob_from_image(image, swap_rb=True), (123.675, 116.28, 103.53), (58.0,) * 3)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_normalize_blob_errors():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        normalize_blob(np.zeros((3, 4, 4), np.float32), (0, 0, 0), (1, 1, 1))
    with pytest.raises(ValueError, match="0"):
        normalize_blob(np.zeros((1, 3, 4, 4), np.float32), (0, 0, 0), (1, 0, 1))


@pytest.mark.parametrize("scale, mean, swap", [(1.0, (0, 0, 0), False), (1 / 255, (0, 0, 0), True),
                                               (1 / 128, (127, 127, 127), True), (0.017, (103.53, 116.28, 123.675), False)])
def test_blob_to_image_undoes_opencv(scale, mean, swap):
    image = np.random.default_rng(7).integers(0, 256, (13, 17, 3), dtype=np.uint8)
    blob = cv2.dnn.blobFromImage(image, scale, None, mean, swap)
    assert np.array_equal(blob_to_image(blob, mean, scale, swap), image)
    assert np.array_equal(blob_to_image(blob[0], mean, scale, swap), image)


def test_blob_to_image_rounds_and_clips():
    blob = np.array([-3.0, 12.75, 300.0], np.float32).reshape(1, 3, 1, 1)
    assert blob_to_image(blob).tolist() == [[[0, 13, 255]]]
    with pytest.raises(ValueError, match="blob"):
        blob_to_image(np.zeros((2, 3, 4, 4), np.float32))
