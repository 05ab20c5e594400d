"""The three trained shapes models: committed, small, checksummed, and as good as recorded.

Every metric is recomputed here on the held-out test split, through cv2.dnn and
the project's own evaluation code, and compared with the thresholds of the
issue and with the numbers scripts/train_shapes.py recorded beside the model.
"""

import hashlib
import json
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers import shapes
from helpers.detection import decode_yolo
from helpers.evaluation import (accuracy, detection_precision_recall, mean_iou, per_class_iou,
                                top_label_ece)
from helpers.models.loading import SyntheticModelWarning, load_model
from helpers.models.presets import get_preset

FILES = Path(shapes.__file__).parent / "models" / "files"
NAMES = ("shapes_classifier", "shapes_segmenter", "shapes_detector")


def _record(name):
    return json.loads((FILES / f"{name}.json").read_text(encoding="utf-8"))


def _model(name):
    """The real network through the project's loader (never the synthetic stand-in here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntheticModelWarning)
        model = load_model(name)
    assert not model.is_synthetic
    return model


def _predict(model, images, chunk=100):
    """model.predict over chunks of images (preset preprocessing: RGB, 1/255, stretch)."""
    return np.concatenate([model.predict(list(images[i:i + chunk])) for i in range(0, len(images), chunk)])


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name", NAMES)
def test_model_file_is_small_and_matches_its_record(name):
    path = FILES / f"{name}.onnx"
    assert path.is_file(), f"{path} is missing: run scripts/train_shapes.py"
    record = _record(name)
    data = path.read_bytes()
    assert len(data) < 5 * 1024 * 1024
    assert len(data) == record["size_bytes"]
    assert hashlib.sha256(data).hexdigest() == record["sha256"]
    for key in ("seed", "data", "epochs", "training_seconds", "val", "test"):
        assert key in record
    preset = get_preset(name)
    assert preset.source == "project" and preset.sha256 == record["sha256"]
    assert preset.path_or_url == f"files/{name}.onnx"


# ------------------------------------------------------------------ classifier

@pytest.fixture(scope="module")
def classifier_run():
    record = _record("shapes_classifier")
    model = _model("shapes_classifier")
    images, labels = shapes.make_classification_set("test", record["data"]["test"])
    return record, model, images, labels, _predict(model, images)


def test_classifier_accuracy_on_the_test_split(classifier_run):
    record, _, _, labels, logits = classifier_run
    assert logits.shape == (len(labels), 6)
    test_accuracy = accuracy(logits.argmax(1), labels)
    assert test_accuracy >= 0.95
    assert test_accuracy == pytest.approx(record["test"]["accuracy"], abs=0.002)


def test_classifier_is_over_confident_and_its_ece_is_recorded(classifier_run):
    record, _, _, labels, logits = classifier_run
    probabilities = _softmax(logits.astype(np.float64))
    confidence, predicted = probabilities.max(1), probabilities.argmax(1)
    ece = top_label_ece(confidence, predicted == labels, 15)
    assert ece == pytest.approx(record["test"]["ece_15_bins"], abs=0.003)
    assert confidence.mean() > accuracy(predicted, labels)   # over-confident on held-out data
    assert "ece_15_bins" in record["val"]


def test_classifier_swaps_red_and_blue_when_fed_bgr(classifier_run):
    _, model, images, labels, _ = classifier_run
    bgr_blob = cv2.dnn.blobFromImages(images[:200], 1 / 255.0, (64, 64), swapRB=False)
    wrong = model.forward_blob(bgr_blob).argmax(1)
    swapped = labels[:200] ^ 1      # red_x <-> blue_x: indices 0<->1, 2<->3, 4<->5
    assert np.mean(wrong == labels[:200]) < 0.3
    assert np.mean(wrong == swapped) > 0.7


# ------------------------------------------------------------------ segmenter and detector

@pytest.fixture(scope="module")
def test_scenes():
    count = max(_record("shapes_segmenter")["data"]["test"], _record("shapes_detector")["data"]["test"])
    return shapes.make_scene_set("test", count)


def test_segmenter_mean_iou_on_the_test_split(test_scenes):
    record = _record("shapes_segmenter")
    count = record["data"]["test"]
    images, label_maps = test_scenes[0][:count], test_scenes[1][:count]
    scores = _predict(_model("shapes_segmenter"), images, chunk=50)
    assert scores.shape == (count, 7, 128, 128)
    predicted = scores.argmax(1)
    miou = mean_iou(predicted, label_maps, 7)
    assert miou >= 0.8
    assert miou == pytest.approx(record["test"]["mean_iou"], abs=0.002)
    assert np.nanmin(per_class_iou(predicted, label_maps, 7)) > 0.6


def test_detector_precision_and_recall_on_the_test_split(test_scenes):
    record = _record("shapes_detector")
    count = record["data"]["test"]
    images, boxes, class_ids = test_scenes[0][:count], test_scenes[2][:count], test_scenes[3][:count]
    outputs = _predict(_model("shapes_detector"), images)
    assert outputs.shape == (count, 4 + 6, 256)               # YOLOv8 layout
    assert 0.0 <= outputs[:, 4:].min() and outputs[:, 4:].max() <= 1.0
    predictions = [decode_yolo(outputs[i:i + 1], 0.25, 0.45) for i in range(count)]
    result = detection_precision_recall(predictions, list(zip(boxes, class_ids)), 0.5)
    assert result["recall"] >= 0.9
    assert result["precision"] >= 0.9
    assert result["recall"] == pytest.approx(record["test"]["recall"], abs=0.005)
    assert result["precision"] == pytest.approx(record["test"]["precision"], abs=0.005)


# ------------------------------------------------------------------ evaluation code, by hand

def test_top_label_ece_hand_worked():
    confidences = [0.2, 0.25, 0.6, 0.61, 0.99, 1.0]
    correct = [0, 1, 1, 0, 1, 1]
    assert top_label_ece(confidences, correct, 5) == pytest.approx(0.328333, abs=1e-6)


def test_mean_iou_hand_worked():
    truth = np.array([[0, 0, 1, 1]])
    predicted = np.array([[0, 1, 1, 1]])
    # background: 1 / 2, class 1: 2 / 3, class 2 absent -> skipped
    np.testing.assert_allclose(per_class_iou(predicted, truth, 3), [0.5, 2 / 3, np.nan])
    assert mean_iou(predicted, truth, 3) == pytest.approx((0.5 + 2 / 3) / 2)


def test_detection_matching_is_greedy_by_score_and_class_aware():
    truth = (np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float), np.array([0, 1]))
    predictions = (np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [40, 40, 50, 50]], float),
                   np.array([0.9, 0.8, 0.7, 0.6]), np.array([0, 0, 0, 1]))
    result = detection_precision_recall([predictions], [truth])
    # the duplicate and the wrong-class box do not count; the stray box is a false positive
    assert result["true_positives"] == 1 and result["false_positives"] == 3
    assert result["recall"] == 0.5 and result["precision"] == 0.25
    empty = (np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))
    assert detection_precision_recall([empty], [truth])["precision"] == 1.0
