"""An environment report: versions, the dnn engine, and which models are real."""
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
    ]
    try:
        from .models.loading import model_status
    except ImportError:
        lines.append("models  (the model layer is not installed yet)")
    else:
        for name, status in model_status().items():
            lines.append(f"model   {name:<20} {status}")
    return "\n".join(lines)
