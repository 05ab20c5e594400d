"""Synthetic outputs from ground truth, and the fallback models for missing shapes files."""

import numpy as np
import pytest

from helpers import shapes
from helpers.detection import decode_yolo
from helpers.evaluation import detection_precision_recall, mean_iou
from helpers.models import synthetic_shapes as synthetic


@pytest.fixture(scope="module")
def scenes():
    return shapes.make_scene_set("test", 30)


def test_segmentation_scores_shape_and_mostly_right(scenes):
    _, maps, _, _ = scenes
    scores = synthetic.synthetic_segmentation_scores(maps[0], seed=3)
    assert scores.shape == (7, 128, 128) and scores.dtype == np.float32
    assert np.array_equal(scores, synthetic.synthetic_segmentation_scores(maps[0], seed=3))
    predicted = np.stack([synthetic.synthetic_segmentation_scores(m, seed=i).argmax(0)
                          for i, m in enumerate(maps)])
    agreement = mean_iou(predicted, maps, 7)
    assert 0.75 < agreement < 1.0       # mostly right, but not a copy of the truth


def test_segmentation_scores_reject_bad_labels():
    with pytest.raises(ValueError, match="0..6"):
        synthetic.synthetic_segmentation_scores(np.full((4, 4), 9))


@pytest.mark.parametrize("layout, shape", [("v8", (1, 10, 256)), ("v5", (1, 256, 11))])
def test_yolo_tensors_need_nms_and_decode_back_to_the_truth(scenes, layout, shape):
    _, _, boxes, class_ids = scenes
    outputs = [synthetic.synthetic_yolo_output(b, c, layout=layout, seed=i)
               for i, (b, c) in enumerate(zip(boxes, class_ids))]
    assert outputs[0].shape == shape and outputs[0].dtype == np.float32
    # without NMS there are several candidates per true box ...
    first = outputs[0][0].T if layout == "v8" else outputs[0][0]
    scores = first[:, 4:].max(1) if layout == "v8" else (first[:, 5:] * first[:, 4:5]).max(1)
    assert (scores > 0.25).sum() >= 3 * len(boxes[0])
    # ... after decode + NMS every true box is found, with a few distractors left
    result = detection_precision_recall([decode_yolo(o) for o in outputs], list(zip(boxes, class_ids)))
    assert result["recall"] == 1.0
    assert 0.7 < result["precision"] < 1.0


def test_v5_and_v8_tensors_carry_the_same_detections(scenes):
    _, _, boxes, class_ids = scenes
    v8 = decode_yolo(synthetic.synthetic_yolo_output(boxes[1], class_ids[1], layout="v8", seed=5))
    v5 = decode_yolo(synthetic.synthetic_yolo_output(boxes[1], class_ids[1], layout="v5", seed=5))
    np.testing.assert_allclose(v8[0], v5[0], atol=1e-4)
    np.testing.assert_allclose(v8[1], v5[1], atol=1e-5)


def test_yolo_tensor_errors_say_what_to_do():
    with pytest.raises(ValueError, match="raise it"):
        synthetic.synthetic_yolo_output(np.zeros((10, 4)), np.zeros(10), num_predictions=20)
    with pytest.raises(ValueError, match="'v5' or 'v8'"):
        synthetic.synthetic_yolo_output(np.zeros((1, 4)), np.zeros(1), layout="v11")


def test_recover_objects_reads_a_clean_scene(scenes):
    images, maps, boxes, class_ids = scenes
    recovered = [synthetic.recover_objects(image) for image in images]
    assert mean_iou(np.stack([r[0] for r in recovered]), maps, 7) > 0.7


def test_fallback_models_have_the_real_models_outputs(scenes):
    images = scenes[0][:3]
    single, _ = shapes.make_classification_set("test", 2)
    classifier = synthetic.SyntheticShapesClassifier()
    assert classifier.predict(single).shape == (2, 6)
    assert classifier.predict(single[0]).shape == (1, 6)
    np.testing.assert_array_equal(classifier.predict(single[1]), classifier.predict(single)[1:])
    assert synthetic.SyntheticShapesSegmenter().predict(images).shape == (3, 7, 128, 128)
    detector = synthetic.SyntheticShapesDetector()
    out = detector.predict(images)
    assert out.shape == (3, 10, 256) and out.dtype == np.float32
    assert len(decode_yolo(out[:1])[0]) >= 1
    for model in (classifier, detector):
        assert model.is_synthetic and "SYNTHETIC" in model.notice
    assert set(synthetic.FALLBACKS) == {"shapes_classifier", "shapes_segmenter", "shapes_detector"}


@pytest.mark.parametrize("name, cls", sorted(synthetic.FALLBACKS.items()))
def test_load_model_gives_the_stand_in_with_a_notice(monkeypatch, name, cls):
    from helpers.models.loading import SyntheticModelWarning, load_model

    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    with pytest.warns(SyntheticModelWarning, match=name):
        model = load_model(name)
    assert isinstance(model, cls) and model.is_synthetic
    assert model.preset.name == name and name in model.notice


def test_fallback_classifier_is_usually_right():
    images, labels = shapes.make_classification_set("test", 100)
    logits = synthetic.SyntheticShapesClassifier().predict(images)
    assert np.mean(logits.argmax(1) == labels) > 0.75
