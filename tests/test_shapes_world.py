"""The shapes world: deterministic, exact ground truth, colour that matters."""

import numpy as np
import pytest

from helpers import shapes


def test_class_table_and_label_file_agree():
    assert shapes.CLASS_NAMES[0] == "background"
    assert shapes.OBJECT_CLASSES == shapes.CLASS_NAMES[1:]
    lines = shapes.CLASS_FILE.read_text(encoding="utf-8").splitlines()
    assert tuple(lines) == shapes.CLASS_NAMES
    objects = shapes.OBJECT_CLASS_FILE.read_text(encoding="utf-8").splitlines()
    assert tuple(objects) == shapes.OBJECT_CLASSES


def test_write_class_files(tmp_path):
    written = shapes.write_class_files(tmp_path)
    assert [p.name for p in written] == ["shapes_classes.txt", "shapes_objects.txt"]
    assert written[1].read_text(encoding="utf-8") == "\n".join(shapes.OBJECT_CLASSES) + "\n"


def test_red_and_blue_are_mirror_images_under_an_rb_swap():
    red, blue = shapes.COLOUR_RANGES_RGB["red"], shapes.COLOUR_RANGES_RGB["blue"]
    assert tuple(reversed(red)) == blue
    for k, name in enumerate(shapes.OBJECT_CLASSES):
        if name.startswith("red_"):
            assert shapes.OBJECT_CLASSES[k + 1] == "blue_" + name[4:]


def test_items_are_deterministic_and_splits_differ():
    a, label_a = shapes.make_classification_sample("train", 5)
    b, label_b = shapes.make_classification_sample("train", 5)
    assert np.array_equal(a, b) and label_a == label_b
    assert not np.array_equal(a, shapes.make_classification_sample("test", 5)[0])
    scene = shapes.make_scene("val", 3)
    again = shapes.make_scene("val", 3)
    assert np.array_equal(scene.image, again.image)
    assert np.array_equal(scene.boxes, again.boxes)
    assert len(set(shapes.SPLIT_SEEDS.values())) == len(shapes.SPLIT_SEEDS)


def test_a_set_is_its_items():
    images, labels = shapes.make_classification_set("val", 4, start=10)
    image, label = shapes.make_classification_sample("val", 12)
    assert np.array_equal(images[2], image) and labels[2] == label


def test_unknown_split_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown split 'training'"):
        shapes.make_scene("training", 0)


def test_classification_images_are_bgr_uint8_and_classes_balanced():
    images, labels = shapes.make_classification_set("train", 300)
    assert images.shape == (300, 64, 64, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    counts = np.bincount(labels, minlength=6)
    assert counts.min() > 30 and labels.max() == 5


def _object_pixels_bgr(scene, label):
    return scene.image[scene.label_map == label].astype(int)


def test_scene_ground_truth_is_consistent():
    for index in range(40):
        scene = shapes.make_scene("train", index)
        assert scene.image.shape == (128, 128, 3) and scene.image.dtype == np.uint8
        assert scene.label_map.shape == (128, 128) and scene.label_map.dtype == np.uint8
        assert scene.boxes.dtype == np.float32 and scene.class_ids.dtype == np.int64
        assert len(scene.boxes) == len(scene.class_ids) >= 1
        assert scene.label_map.max() <= 6
        assert (scene.boxes[:, :2] >= 0).all() and (scene.boxes[:, 2:] <= 128).all()
        assert (scene.boxes[:, 2:] > scene.boxes[:, :2]).all()
        # every labelled pixel lies in a box of its class (label = class id + 1)
        rows, cols = np.nonzero(scene.label_map)
        for r, c in zip(rows, cols):
            k = scene.label_map[r, c] - 1
            inside = ((scene.class_ids == k) & (scene.boxes[:, 0] <= c) & (c < scene.boxes[:, 2])
                      & (scene.boxes[:, 1] <= r) & (r < scene.boxes[:, 3]))
            assert inside.any()
        # and no object is hidden whole
        for box, k in zip(scene.boxes.astype(int), scene.class_ids):
            assert (scene.label_map[box[1]:box[3], box[0]:box[2]] == k + 1).any()


def test_colour_decides_red_or_blue_in_bgr_images():
    scene = shapes.make_scene("test", 0)
    for label in np.unique(scene.label_map)[1:]:
        pixels = _object_pixels_bgr(scene, label).mean(axis=0)   # B, G, R
        if shapes.CLASS_NAMES[label].startswith("red_"):
            assert pixels[2] > pixels[0] + 60
        else:
            assert pixels[0] > pixels[2] + 60


def test_scene_sets_return_lists_of_boxes():
    images, maps, boxes, class_ids = shapes.make_scene_set("val", 3)
    assert images.shape == (3, 128, 128, 3) and maps.shape == (3, 128, 128)
    assert len(boxes) == len(class_ids) == 3
    assert all(b.shape == (len(c), 4) for b, c in zip(boxes, class_ids))
