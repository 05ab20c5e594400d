"""The preset table, the ImageNet class names and preprocess(images, preset)."""
import dataclasses
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers.images import sample_image
from helpers.models.presets import PRESETS, Preset, get_preset
from helpers.preprocessing import letterbox, preprocess, resize_short_side

DATA = Path(__file__).resolve().parent.parent / "helpers" / "data"


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(KeyError) as error:
        get_preset("alexnet")
    assert "alexnet" in str(error.value)
    assert "efficientnet_lite0" in str(error.value)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_complete(name):
    preset = get_preset(name)
    assert preset.name == name
    assert preset.task in ("classification", "segmentation", "detection")
    assert preset.source in ("package", "built", "project", "url", "wheel")
    assert preset.resize in ("short_side_crop", "stretch", "letterbox")
    width, height = preset.input_size
    assert isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0
    assert len(preset.mean) == 3 and preset.scale > 0
    assert preset.std is None or (len(preset.std) == 3 and min(preset.std) > 0)
    assert preset.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", preset.sha256)
    if preset.resize == "short_side_crop":
        assert preset.resize_short >= max(preset.input_size)
    if preset.labels is not None:
        assert (DATA / preset.labels).is_file()
    if preset.source == "url":
        assert preset.path_or_url.startswith(("http://", "https://"))
    assert preset.output and preset.output_layout and preset.licence


def test_presets_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_preset("efficientnet_lite0").scale = 1.0


def test_efficientnet_recipe():
    preset = get_preset("efficientnet_lite0")
    assert (preset.source, preset.input_size, preset.resize_short) == ("built", (224, 224), 256)
    assert preset.mean == (127.0, 127.0, 127.0) and preset.scale == 1 / 128
    assert preset.std is None and preset.swap_rb and preset.output == "logits"


def test_resnet50_divides_by_the_imagenet_std():
    preset = get_preset("resnet50")
    assert preset.std == pytest.approx((58.395, 57.12, 57.375))
    assert preset.swap_rb and preset.mean == pytest.approx((123.675, 116.28, 103.53))


def test_imagenet_class_names_file():
    lines = (DATA / "imagenet_classes.txt").read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # ends with one newline
    names = lines[:-1]
    assert len(names) == 1000 and all(name.strip() == name and name for name in names)
    assert names[0] == "tench" and names[1] == "goldfish"
    assert names[281] == "tabby" and names[282] == "tiger cat" and names[285] == "Egyptian cat"
    assert names[967] == "espresso" and names[999] == "toilet tissue"
    assert names[134] == names[517] == "crane"  # the bird and the machine, as in ILSVRC


# --- preprocess -----------------------------------------------------------------------

def _preset(**changes) -> Preset:
    return dataclasses.replace(get_preset("efficientnet_lite0"), **changes)


def test_preprocess_matches_blob_from_image_after_resize_and_crop():
    image = sample_image("chelsea")  # 451 x 300
    preset = get_preset("efficientnet_lite0")
    blob = preprocess(image, preset)
    assert blob.shape == (1, 3, 224, 224) and blob.dtype == np.float32
    resized = cv2.resize(image, (385, 256), interpolation=cv2.INTER_AREA)
    crop = resized[16:240, 80:304]
    expected = cv2.dnn.blobFromImage(crop, 1 / 128, (224, 224), (127, 127, 127), swapRB=True)
    np.testing.assert_array_equal(blob, expected)


def test_preprocess_with_std_is_blob_from_image_divided_by_std():
    preset = get_preset("resnet50")
    image = sample_image("coffee")
    blob = preprocess(image, preset)
    crop = resize_short_side(image, 256)
    top, left = (crop.shape[0] - 224) // 2, (crop.shape[1] - 224) // 2
    crop = crop[top : top + 224, left : left + 224]
    plain = cv2.dnn.blobFromImage(crop, 1.0, (224, 224), preset.mean, swapRB=True)
    expected = plain / np.asarray(preset.std, np.float32).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(blob, expected, rtol=1e-6, atol=1e-6)


def test_preprocess_a_list_gives_a_batch_in_order():
    images = [sample_image("coffee"), sample_image("rocket")]
    batch = preprocess(images, get_preset("efficientnet_lite0"))
    assert batch.shape == (2, 3, 224, 224) and batch.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(batch[1], preprocess(images[1], get_preset("efficientnet_lite0"))[0])


def test_swap_rb_and_mean_follow_the_blob_channel_order():
    image = np.zeros((8, 8, 3), np.uint8)
    image[..., 0], image[..., 2] = 10, 200  # B = 10, R = 200
    rgb = preprocess(image, _preset(resize="stretch", input_size=(8, 8), mean=(0, 0, 0), scale=1.0))
    assert rgb[0, 0, 0, 0] == 200 and rgb[0, 2, 0, 0] == 10
    bgr = preprocess(image, _preset(resize="stretch", input_size=(8, 8), mean=(10, 0, 0), scale=1.0,
                                    swap_rb=False))
    assert bgr[0, 0, 0, 0] == 0 and bgr[0, 2, 0, 0] == 200


def test_stretch_ignores_the_aspect_ratio():
    blob = preprocess(sample_image("rocket"), _preset(resize="stretch", input_size=(100, 50)))
    assert blob.shape == (1, 3, 50, 100)


def test_letterbox_keeps_the_aspect_ratio_and_reports_the_padding():
    image = np.full((100, 200, 3), 255, np.uint8)
    boxed, gain, (pad_x, pad_y) = letterbox(image, (64, 64))
    assert boxed.shape == (64, 64, 3) and gain == pytest.approx(0.32)
    assert (pad_x, pad_y) == (0, 16)
    assert (boxed[:16] == 114).all() and (boxed[48:] == 114).all() and (boxed[16:48] == 255).all()
    blob = preprocess(image, _preset(resize="letterbox", input_size=(64, 64)))
    assert blob.shape == (1, 3, 64, 64)


def test_preprocess_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        preprocess(np.zeros((10, 10), np.uint8), get_preset("efficientnet_lite0"))
    with pytest.raises(ValueError, match="resize mode"):
        preprocess(np.zeros((10, 10, 3), np.uint8), _preset(resize="squash"))
