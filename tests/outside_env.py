"""A fresh virtual environment outside the course, and notebooks run in it as a learner would.

What Colab, Binder and a learner's stray copy of a notebook go through: the course is not
installed and not on the path; the notebook's own set-up cell must install it from
CNN_KATAS_SOURCE. Used by tests/test_outside_copy.py (a bare Python) and
tests/colab/test_colab_like.py (a Python that already has the GUI build opencv-python).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the runner needs besides the kernel: the same pins as requirements.txt.
RUNNER_PACKAGES = ("ipykernel==6.31.0", "nbclient==0.11.0", "nbformat==5.11.1")
OPENCV_DISTRIBUTIONS = ("opencv-python", "opencv-python-headless", "opencv-contrib-python",
                        "opencv-contrib-python-headless")

# Runs one notebook top to bottom in a kernel of this environment; prints the texts of its
# outputs as one JSON line (and the first error's traceback, if a cell failed).
RUN = """
import json, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3").execute()
texts = []
for cell in nb.cells:
    for out in cell.get("outputs", []):
        texts.append(out.get("text") or out.get("data", {}).get("text/plain", ""))
print(json.dumps(texts))
"""

LIST_OPENCV = """
import importlib.metadata as md, json, sys
names = sorted({d.metadata["Name"].lower() for d in md.distributions()} & set(sys.argv[1:]))
print(json.dumps(names))
"""


@dataclass
class OutsideEnv:
    """A virtual environment at ``venv`` and the process environment its notebooks run with."""
    venv: Path
    env: dict

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def pip_install(self, *packages: str) -> None:
        subprocess.run([self.python, "-m", "pip", "install", "-q", *packages], check=True, env=self.env)

    def run_notebook(self, notebook: Path, timeout: float = 900) -> str:
        """Execute ``notebook`` (a copy, in its own folder) and return its outputs' text, joined.

        AssertionError with the end of the runner's stderr when a cell fails.
        """
        done = subprocess.run([self.python, "-c", RUN, str(notebook)], cwd=notebook.parent, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{notebook.name} failed in a fresh environment:\n{done.stderr[-3000:]}"
        return "\n".join(json.loads(done.stdout.strip().splitlines()[-1]))

    def opencv_distributions(self) -> list[str]:
        """The names of the installed distributions that provide ``cv2``."""
        done = subprocess.run([self.python, "-c", LIST_OPENCV, *OPENCV_DISTRIBUTIONS], env=self.env,
                              capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    def helpers_location(self, cwd: Path) -> str:
        """Where ``import helpers`` finds the course in this environment (run from ``cwd``)."""
        done = subprocess.run([self.python, "-c", "import helpers; print(helpers.__file__)"], env=self.env,
                              cwd=cwd, capture_output=True, text=True)
        return done.stdout + done.stderr


def outside_env(tmp_path: Path, python: str) -> OutsideEnv:
    """A new venv under ``tmp_path`` made by ``python``, with only the notebook runner installed.

    Its environment points CNN_KATAS_SOURCE at this repository's folder, and the model cache
    and Jupyter's data folder into ``tmp_path`` (no user kernelspec pointing elsewhere).
    """
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(CNN_KATAS_SOURCE=str(ROOT), CNN_KATAS_CACHE=str(tmp_path / "cache"),
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    made = OutsideEnv(venv, env)
    made.pip_install(*RUNNER_PACKAGES)
    return made


def copy_outside(notebook: Path, folder: Path) -> Path:
    """A copy of ``notebook`` alone in ``folder`` (made if needed), away from the course's files."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(notebook, folder / notebook.name))
