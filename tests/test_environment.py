"""The environment report of notebook 00 says what runs here, and the shipped models are real."""
import os

import cv2
import numpy as np

from helpers.environment import environment_report, model_status


def test_report_names_versions_and_engine():
    report = environment_report()
    assert cv2.__version__ in report and np.__version__ in report
    assert "classic" in report


def test_report_lists_the_runtimes_installed_and_missing(monkeypatch):
    from helpers.models import backends

    monkeypatch.setattr(backends, "is_installed", lambda backend: backend in ("opencv", "onnxruntime"))
    line = next(line for line in environment_report().splitlines() if line.startswith("runtimes"))
    assert line.startswith(f"runtimes opencv {cv2.__version__}, onnxruntime ")
    assert line.endswith("(not installed: openvino, litert)")


def test_models_that_ship_with_the_course_are_real_after_set_up():
    status = model_status()
    # Built from a PyPI wheel by the set-up; committed to the repository.
    required = ["efficientnet_lite0", "shapes_classifier", "shapes_segmenter", "shapes_detector"]
    if os.environ.get("CNN_KATAS_REQUIRE_REAL_MODELS") == "1":  # set by .ci/run after the set-up
        required += ["blazeface", "selfie_segmenter"]
    for name in required:
        assert status[name] == "real", status[name]
    # Models that cannot ship here say why they fall back, never silently.
    for name, text in status.items():
        assert text == "real" or text.startswith("synthetic"), (name, text)
