"""An environment report: versions, the dnn engine, the runtimes, and which models are real."""
import platform
import sys

import cv2
import numpy as np


def dnn_engine() -> str:
    """Which cv2.dnn engine the helpers ask for on this OpenCV."""
    major = int(cv2.__version__.split(".")[0])
    if major >= 5:
        return "classic (ENGINE_CLASSIC, asked for explicitly: the new default engine is not used)"
    return "classic (the only engine in OpenCV 4)"


def environment_report() -> str:
    """A few lines saying what this notebook runs on."""
    lines = [
        f"Python  {platform.python_version()} ({sys.executable})",
        f"NumPy   {np.__version__}",
        f"OpenCV  {cv2.__version__}, dnn engine: {dnn_engine()}",
        f"runtimes {runtimes_line()}",
    ]
    for name, status in model_status().items():
        lines.append(f"model   {name:<18} {status}")
    return "\n".join(lines)


def runtimes_line() -> str:
    """The backends load_model can use here, with versions, and those that are not installed."""
    from .models.backends import BACKENDS, backend_version, installed_backends

    here = installed_backends()
    line = ", ".join(f"{backend} {backend_version(backend)}" for backend in here)
    missing = [backend for backend in BACKENDS if backend not in here]
    return line + (f" (not installed: {', '.join(missing)})" if missing else "")


def model_status() -> dict:
    """For every preset: "real" when its files are here and pass their checksum, else why not.

    Nothing is downloaded and no notice is shown; EfficientNet's ONNX is built if needed.
    """
    from .models.loading import force_synthetic_requested, model_files
    from .models.presets import PRESETS

    status = {}
    for name, preset in PRESETS.items():
        if force_synthetic_requested():
            status[name] = "synthetic (CNN_KATAS_FORCE_SYNTHETIC=1)"
            continue
        try:
            model_files(preset)
        except Exception as error:
            status[name] = f"synthetic fallback ({type(error).__name__}: {error})"[:160]
        else:
            status[name] = "real"
    return status
