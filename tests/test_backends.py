"""load_model(name, backend=...): the same raw outputs from every runtime, clear errors otherwise.

The reference is cv2.dnn (backend "opencv"), which every other test of the project checks
against outside oracles. Tolerance, for every model, backend and output: the largest
absolute difference is at most ``TOLERANCE`` times the output's range (the largest
|value| cv2.dnn gives, at least 1). Measured on the sample photos (onnxruntime 1.32,
OpenVINO 2026.4 in float32, LiteRT 2.3 against OpenCV 4.14): 6e-7 for EfficientNet-Lite0,
3e-7 to 6e-7 for BlazeFace, 6.9e-5 for the selfie segmenter (probabilities, range 1),
1.5e-6 to 6.2e-6 for the shapes models.

openvino and ai-edge-litert are optional (requirements-runtimes.txt): their tests skip
when the package is missing, unless CNN_KATAS_REQUIRE_BACKENDS names them (CI's runtimes
step sets "openvino,litert"), and then a missing one fails.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from helpers.images import SAMPLE_IMAGES, sample_image
from helpers.models import backends, load_model
from helpers.models.backends import (
    BACKEND_FORMATS,
    BACKENDS,
    BackendCannotRunError,
    BackendNotInstalledError,
    open_network,
)
from helpers.models.loading import SyntheticModelWarning, model_format
from helpers.models.presets import get_preset

TOLERANCE = 2e-4
REAL_MODELS = ("efficientnet_lite0", "blazeface", "selfie_segmenter",
               "shapes_classifier", "shapes_segmenter", "shapes_detector")
REQUIRED_ENV = "CNN_KATAS_REQUIRE_BACKENDS"


def required_backends() -> set[str]:
    return {name.strip() for name in os.environ.get(REQUIRED_ENV, "").split(",") if name.strip()}


def need(backend: str) -> None:
    """Skip when ``backend`` is not installed, or fail when CNN_KATAS_REQUIRE_BACKENDS names it."""
    if backends.is_installed(backend):
        return
    message = f"backend {backend!r} is not installed (pip install -r requirements-runtimes.txt)"
    if backend in required_backends():
        pytest.fail(message + f"; {REQUIRED_ENV} requires it")
    pytest.skip(message)


def reads(backend: str, model: str) -> bool:
    formats = BACKEND_FORMATS[backend]
    return formats is None or model_format(get_preset(model)) in formats


# The real runtimes cannot run MediaPipe's custom operator Convolution2DTransposeBias.
CANNOT_RUN = {("openvino", "selfie_segmenter"): "Convolution2DTransposeBias"}
PAIRS = [(model, backend) for model in REAL_MODELS for backend in BACKENDS[1:]
         if reads(backend, model) and (backend, model) not in CANNOT_RUN]


@pytest.fixture(scope="module")
def photos():
    return [sample_image(name) for name in SAMPLE_IMAGES]


@pytest.fixture(scope="module")
def reference(photos):
    """cv2.dnn's raw outputs for the sample photos, per model (real weights only)."""
    cache = {}

    def get(name):
        if name not in cache:
            model = load_model(name)
            if model.is_synthetic:
                pytest.skip(f"{name}: the real weights are not here ({model.notice.splitlines()[1]})")
            cache[name] = as_dict(model.predict(photos))
        return cache[name]

    return get


def as_dict(output) -> dict[str, np.ndarray]:
    return output if isinstance(output, dict) else {"output": output}


@pytest.mark.parametrize("model_name, backend", PAIRS)
def test_every_backend_gives_cv2_dnns_raw_outputs(model_name, backend, photos, reference):
    need(backend)
    expected = reference(model_name)
    model = load_model(model_name, backend=backend)
    assert not model.is_synthetic and model.backend == backend
    got = as_dict(model.predict(photos))
    assert sorted(got) == sorted(expected)
    for name, want in expected.items():
        assert got[name].shape == want.shape, f"{model_name} {name} on {backend}"
        assert got[name].dtype == np.float32
        scale = max(1.0, float(np.abs(want).max()))
        worst = float(np.abs(got[name] - want).max())
        assert worst <= TOLERANCE * scale, (
            f"{model_name} {name} on {backend}: largest difference {worst:.3g}, "
            f"allowed {TOLERANCE * scale:.3g}")


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_the_same_top5_on_every_backend(backend, photos, reference):
    need(backend)
    expected = np.argsort(-reference("efficientnet_lite0")["output"], axis=1, kind="stable")[:, :5]
    logits = load_model("efficientnet_lite0", backend=backend).predict(photos)
    assert (np.argsort(-logits, axis=1, kind="stable")[:, :5] == expected).all()


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_the_same_label_maps_on_every_backend(backend, photos, reference):
    need(backend)
    expected = reference("shapes_segmenter")["output"].argmax(axis=1)
    got = load_model("shapes_segmenter", backend=backend).predict(photos).argmax(axis=1)
    assert (got == expected).mean() > 0.9999


@pytest.mark.parametrize("model_name, backend",
                         [("blazeface", "opencv"), ("blazeface", "openvino"), ("blazeface", "litert"),
                          ("selfie_segmenter", "litert"), ("shapes_detector", "onnxruntime"),
                          ("shapes_detector", "openvino")])
def test_a_batch_gives_one_row_per_image_where_the_file_fixes_batch_1(model_name, backend, photos):
    """The TFLite files and the shapes models take one image per call; predict of 3 gives 3 rows.

    cv2.dnn itself, given a (3, 3, 128, 128) blob for BlazeFace, returned (1, 2688, 1):
    three images' rows joined into one.
    """
    need(backend)
    model = load_model(model_name, backend=backend)
    if model.is_synthetic:
        pytest.skip("the real weights are not here")
    batch = as_dict(model.predict(photos[:3]))
    single = [as_dict(model.predict(photo)) for photo in photos[:3]]
    for name, out in batch.items():
        assert out.shape[0] == 3, f"{name}: {out.shape}"
        np.testing.assert_allclose(out, np.concatenate([s[name] for s in single]), rtol=0, atol=1e-5)


def test_tflite_outputs_come_back_in_cv2_dnns_nchw_layout(photos):
    need("litert")
    model = load_model("selfie_segmenter", backend="litert")
    if model.is_synthetic:
        pytest.skip("the real weights are not here")
    assert model.network.nhwc  # the file is (1, 256, 256, 3) in, (1, 256, 256, 1) out
    assert model.predict(photos[:2]).shape == (2, 1, 256, 256)


def test_openvino_computes_in_float32_not_bfloat16():
    need("openvino")
    model = load_model("efficientnet_lite0", backend="openvino")
    if model.is_synthetic:
        pytest.skip("the real weights are not here")
    assert str(model.network.compiled.get_property("INFERENCE_PRECISION_HINT")) == "<Type: 'float32'>"


def test_opencv_is_the_default_and_keeps_the_cv2_net():
    model = load_model("shapes_classifier")
    assert model.backend == "opencv"
    assert hasattr(model.net, "getPerfProfile")  # notebook 03 times cv2.dnn with it


def test_a_backend_that_is_not_installed_names_the_package_and_never_switches(monkeypatch):
    real = backends.is_installed
    monkeypatch.setattr(backends, "is_installed", lambda backend: backend != "openvino" and real(backend))
    with pytest.raises(BackendNotInstalledError) as error:
        load_model("efficientnet_lite0", backend="openvino")
    message = str(error.value)
    assert "'openvino'" in message and "pip install -r requirements-runtimes.txt" in message
    assert "never switches" in message


def test_a_missing_backend_is_an_error_even_when_the_stand_in_is_forced(monkeypatch):
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    monkeypatch.setattr(backends, "is_installed", lambda backend: backend == "opencv")
    with pytest.raises(BackendNotInstalledError, match="ai-edge-litert"):
        load_model("blazeface", backend="litert")


def test_an_unknown_backend_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown backend 'tensorrt'; choose one of 'opencv', 'onnxruntime'"):
        load_model("efficientnet_lite0", backend="tensorrt")


@pytest.mark.parametrize("model_name, backend, readers", [
    ("efficientnet_lite0", "litert", "'opencv', 'onnxruntime', 'openvino'"),
    ("blazeface", "onnxruntime", "'opencv', 'openvino', 'litert'"),
    ("googlenet_caffe", "openvino", "'opencv'"),
])
def test_a_backend_that_does_not_read_the_format_names_the_ones_that_do(model_name, backend, readers):
    need(backend)
    with pytest.raises(BackendCannotRunError) as error:
        load_model(model_name, backend=backend)
    assert f"Backends that read it: {readers}" in str(error.value)


def test_a_runtime_that_fails_on_the_files_operators_says_which_and_is_not_a_stand_in():
    need("openvino")
    if load_model("selfie_segmenter").is_synthetic:
        pytest.skip("the real weights are not here")
    with pytest.raises(BackendCannotRunError) as error:
        load_model("selfie_segmenter", backend="openvino")
    message = str(error.value)
    assert "openvino 2026" in message and CANNOT_RUN[("openvino", "selfie_segmenter")] in message
    assert "backend='opencv'" in message


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_the_stand_in_and_its_notice_work_the_same_on_every_backend(backend, monkeypatch):
    need(backend)
    monkeypatch.setenv("CNN_KATAS_FORCE_SYNTHETIC", "1")
    with pytest.warns(SyntheticModelWarning, match="SYNTHETIC MODEL: 'efficientnet_lite0'"):
        model = load_model("efficientnet_lite0", backend=backend)
    assert model.is_synthetic and model.backend == backend
    assert "synthetic stand-in" in repr(model)
    assert model.predict(sample_image("coffee")).shape == (1, 1000)


def test_missing_weights_give_the_stand_in_on_another_backend_too(monkeypatch, tmp_path):
    need("onnxruntime")
    monkeypatch.setattr("helpers.models.loading.MODELS_DIR", tmp_path)  # no project files here
    with pytest.warns(SyntheticModelWarning, match="the project file .* is missing"):
        model = load_model("shapes_classifier", backend="onnxruntime")
    assert model.is_synthetic and model.backend == "onnxruntime"


def test_open_network_refuses_a_missing_file_and_a_blob_that_is_not_4d(tmp_path):
    need("onnxruntime")
    with pytest.raises(FileNotFoundError, match="no model file at"):
        open_network(tmp_path / "absent.onnx", "onnxruntime")
    model = load_model("shapes_classifier", backend="onnxruntime")
    if model.is_synthetic:
        pytest.skip("the real weights are not here")
    with pytest.raises(ValueError, match=r"a blob is \(N, 3, H, W\); got shape \(3, 64, 64\)"):
        model.network.run(np.zeros((3, 64, 64), np.float32))


def test_a_damaged_file_a_runtime_cannot_parse_is_a_clear_error(tmp_path):
    need("onnxruntime")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not a protobuf")
    with pytest.raises(BackendCannotRunError, match=r"onnxruntime \S+ could not open 'broken.onnx'"):
        open_network(broken, "onnxruntime")


def test_installed_backends_lists_opencv_first():
    found = backends.installed_backends()
    assert found[0] == "opencv" and set(found) <= set(BACKENDS)
    for backend in required_backends():
        assert backend in found, f"{REQUIRED_ENV} requires {backend!r}"
