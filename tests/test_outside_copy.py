"""A notebook copied outside the course runs: its first cell installs the helpers.

This is what Colab and a learner's stray copy go through. A fresh virtual environment holds
only a kernel and a notebook runner; the notebook's set-up cell must install the course
(from CNN_KATAS_SOURCE, here this repository's folder) with everything it needs, as a normal,
non-editable install, so the photos, label files and models must ship inside the package.
Takes about a minute (pip installs from PyPI).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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


def test_a_copy_outside_the_course_installs_the_helpers_and_runs(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "ipykernel==6.31.0", "nbclient==0.11.0",
                    "nbformat==5.11.1"], check=True)
    copy = tmp_path / "lesson" / "00_how_katas_work.ipynb"
    copy.parent.mkdir()
    shutil.copy(ROOT / "solutions" / copy.name, copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(CNN_KATAS_SOURCE=str(ROOT), CNN_KATAS_CACHE=str(tmp_path / "cache"),
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),  # no user kernelspec pointing elsewhere
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    done = subprocess.run([python, "-c", RUN, str(copy)], cwd=copy.parent, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = "\n".join(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "to_unit_range: correct" in outputs
    assert "efficientnet_lite0 real" in outputs  # the weights package came along, and the build ran
    # helpers was installed into the fresh venv, not found in this checkout
    where = subprocess.run([python, "-c", "import helpers; print(helpers.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True)
    assert str(venv) in where.stdout, where.stdout + where.stderr
