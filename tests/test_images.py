"""helpers.images: load_image's errors and conversions, and the bundled photos."""
import cv2
import numpy as np
import pytest

from helpers.images import SAMPLE_IMAGES, load_image, sample_image, sample_image_path, to_bgr_uint8

EXPECTED_SIZES = {  # (height, width) of the bundled copies
    "chelsea": (300, 451),
    "coffee": (400, 600),
    "astronaut": (512, 512),
    "rocket": (427, 640),
    "grace_hopper": (600, 512),
}


def assert_bgr_uint8(image):
    assert image.ndim == 3 and image.shape[2] == 3
    assert image.dtype == np.uint8
    assert image.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("name", SAMPLE_IMAGES)
def test_every_sample_image_loads_as_bgr_uint8(name):
    image = sample_image(name)
    assert_bgr_uint8(image)
    assert image.shape[:2] == EXPECTED_SIZES[name]
    assert max(image.shape[:2]) <= 640
    assert sample_image_path(name).suffix == ".jpg"


def test_sample_names_are_the_documented_ones():
    assert SAMPLE_IMAGES == ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")


def test_unknown_sample_name_lists_the_valid_ones():
    with pytest.raises(KeyError) as error:
        sample_image("kitten")
    message = str(error.value)
    assert "kitten" in message
    for name in SAMPLE_IMAGES:
        assert name in message


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        load_image(path)


def test_text_file_is_a_value_error_naming_the_path(tmp_path):
    path = tmp_path / "page.jpg"
    path.write_text("<html>404 Not Found</html>")
    with pytest.raises(ValueError, match="page.jpg") as error:
        load_image(path)
    assert "check" in str(error.value)


def test_truncated_png_is_a_value_error(tmp_path):
    path = tmp_path / "half.png"
    data = cv2.imencode(".png", np.full((64, 64, 3), 200, np.uint8))[1].tobytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match="half.png"):
        load_image(path)


def test_empty_file_is_a_value_error(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.jpg"):
        load_image(path)


def test_gray_is_replicated_to_three_channels(tmp_path):
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    path = tmp_path / "gray.png"
    cv2.imwrite(str(path), gray)
    image = load_image(path)
    assert_bgr_uint8(image)
    for channel in range(3):
        np.testing.assert_array_equal(image[:, :, channel], gray)


def test_bgra_is_composited_over_white(tmp_path):
    bgra = np.zeros((2, 3, 4), np.uint8)
    bgra[..., :3] = (10, 100, 200)
    bgra[0, :, 3] = (0, 255, 128)
    bgra[1, :, 3] = 255
    path = tmp_path / "alpha.png"
    cv2.imwrite(str(path), bgra)
    image = load_image(path)
    assert_bgr_uint8(image)
    np.testing.assert_array_equal(image[0, 0], (255, 255, 255))  # transparent -> white
    np.testing.assert_array_equal(image[0, 1], (10, 100, 200))  # opaque -> its colour
    expected = np.rint(np.array([10, 100, 200]) * 128 / 255 + 255 * (1 - 128 / 255))
    np.testing.assert_allclose(image[0, 2], expected, atol=1)


def test_16_bit_is_scaled_to_8_bit(tmp_path):
    values = np.array([[0, 257, 65535]], np.uint16)
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), values)
    image = load_image(path)
    assert_bgr_uint8(image)
    np.testing.assert_array_equal(image[0, :, 0], (0, 1, 255))


def test_non_ascii_path(tmp_path):
    path = tmp_path / "café ☕.png"
    cv2.imencode(".png", np.full((4, 5, 3), 7, np.uint8))[1].tofile(str(path))
    assert load_image(path).shape == (4, 5, 3)


def test_to_bgr_uint8_rejects_odd_shapes():
    with pytest.raises(ValueError, match=r"\(4, 4, 2\)"):
        to_bgr_uint8(np.zeros((4, 4, 2), np.uint8))


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3)])
def test_to_bgr_uint8_fast_paths_agree_with_the_general_rule(shape):
    """uint8 gray and BGR skip the float round trip; the result must not change."""
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    general = np.clip(np.rint(image.astype(np.float32) / 255.0 * 255.0), 0, 255).astype(np.uint8)
    if general.ndim == 3 and general.shape[2] == 1:
        general = general[:, :, 0]
    if general.ndim == 2:
        general = np.repeat(general[:, :, None], 3, axis=2)
    out = to_bgr_uint8(image)
    assert_bgr_uint8(out)
    np.testing.assert_array_equal(out, general)
    assert not np.shares_memory(out, image)  # a new array, as documented


def test_to_bgr_uint8_copies_a_strided_view_into_c_order():
    image = np.random.default_rng(1).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    view = image[:, ::-1]  # a mirrored view, not C-contiguous
    out = to_bgr_uint8(view)
    assert out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out, view)
