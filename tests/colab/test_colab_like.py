"""A Colab-like run: katas 00 to 03 where OpenCV's GUI build is already installed.

Colab's Python comes with ``opencv-python`` (the GUI build, 4.12 there) and without the course.
A learner opens a kata, sets CNN_KATAS_SOURCE, and runs the notebook's own set-up cell, which
must install the course without adding ``opencv-python-headless`` beside the OpenCV that is
there: two distributions providing ``cv2`` overwrite each other's files. Then katas 00 to 03
run top to bottom (their exercises unanswered, as a learner first opens them) on that OpenCV.

Slow (a fresh venv and pip installs, about two minutes): it runs only with
CNN_KATAS_COLAB_RUN=1, which the README's colab-test-command (a step of .ci/run) sets. The
GUI build needs the system's libGL (Debian's libgl1), which .ci/run installs if it is missing.
"""
import glob
import os
import sys
from pathlib import Path

import pytest

from tests.outside_env import ROOT, copy_outside, outside_env

COLAB_OPENCV = "opencv-python==4.12.0.88"   # what Colab's image carries (the GUI build)
KATAS = ("00_how_katas_work", "01_blob_preprocessing", "02_logits_and_softmax", "03_top_k_and_labels")

pytestmark = pytest.mark.skipif(os.environ.get("CNN_KATAS_COLAB_RUN") != "1",
                                reason="slow: set CNN_KATAS_COLAB_RUN=1 (the README's colab-test-command)")


def colab_python() -> str:
    """Python 3.12, as on Colab: $CNN_KATAS_COLAB_PYTHON, else pyenv's 3.12, else this Python."""
    chosen = os.environ.get("CNN_KATAS_COLAB_PYTHON")
    if chosen:
        return chosen
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(glob.glob(str(pyenv / "versions" / "3.12.*" / "bin" / "python3.12")))
    return found[-1] if found else sys.executable


def test_katas_00_to_03_run_on_colab_s_opencv_without_a_second_opencv(tmp_path):
    colab = outside_env(tmp_path, colab_python())
    colab.pip_install(COLAB_OPENCV)
    assert colab.opencv_distributions() == ["opencv-python"]
    content = tmp_path / "content"   # Colab's working folder: the notebooks alone, no course files
    outputs = {name: colab.run_notebook(copy_outside(ROOT / "katas" / f"{name}.ipynb", content))
               for name in KATAS}
    # The first notebook's set-up cell installed the course into this environment...
    assert str(colab.venv) in colab.helpers_location(content)
    # ...and left Colab's OpenCV as the only one.
    assert colab.opencv_distributions() == ["opencv-python"], (
        "the set-up cell installed a second OpenCV beside Colab's opencv-python")
    assert "OpenCV  4.12.0" in outputs["00_how_katas_work"]        # the environment report saw it
    assert "efficientnet_lite0 real" in outputs["00_how_katas_work"]
    for name, text in outputs.items():
        assert "not attempted" in text, f"{name}: its checks did not run"
