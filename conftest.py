"""Settings for every pytest run from the repository: the unit tests in tests/, and nbval over
the notebooks in solutions/ and katas/.

Every ``check`` records its result in the learner's progress file (helpers/progress.py). A test
run must not write into the progress of whoever runs it, and each notebook must start from an
empty progress file so that its stored outputs (the ``progress()`` cell of notebook 00) are the
same on every machine. So, at import, before any test or kernel starts: CNN_KATAS_PROGRESS points
at a fresh temporary folder, one file per process (``{pid}``): this process and every kernel
nbval starts (kernels inherit the environment), each with its own empty file. The folder is
removed when pytest exits. A test that needs its own file sets CNN_KATAS_PROGRESS itself.
"""
import atexit
import os
import shutil
import tempfile

_PROGRESS_FOLDER = tempfile.mkdtemp(prefix="cnn-katas-progress-")
os.environ["CNN_KATAS_PROGRESS"] = os.path.join(_PROGRESS_FOLDER, "progress-{pid}.jsonl")
atexit.register(shutil.rmtree, _PROGRESS_FOLDER, True)
