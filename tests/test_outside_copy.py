"""A notebook copied outside the course runs: its first cell installs the helpers.

This is what Colab and a learner's stray copy go through. A fresh virtual environment holds
only a kernel and a notebook runner; the notebook's set-up cell must install the course
(from CNN_KATAS_SOURCE, here this repository's folder) with everything it needs, as a normal,
non-editable install, so the photos, label files and models must ship inside the package.
With no OpenCV in the environment, the set-up cell installs opencv-python-headless, and only
that. Takes about a minute (pip installs from PyPI). tests/colab/ runs the same with the GUI
build of OpenCV already installed, as on Colab.
"""
import sys

from tests.outside_env import ROOT, copy_outside, outside_env


def test_a_copy_outside_the_course_installs_the_helpers_and_runs(tmp_path):
    fresh = outside_env(tmp_path, sys.executable)
    copy = copy_outside(ROOT / "solutions" / "00_how_katas_work.ipynb", tmp_path / "lesson")
    outputs = fresh.run_notebook(copy)
    assert "to_unit_range: correct" in outputs
    assert "efficientnet_lite0 real" in outputs  # the weights package came along, and the build ran
    # helpers was installed into the fresh venv, not found in this checkout
    assert str(fresh.venv) in fresh.helpers_location(tmp_path)
    assert fresh.opencv_distributions() == ["opencv-python-headless"]
