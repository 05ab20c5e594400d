"""One way to read a network with cv2.dnn on OpenCV 4.x and 5.x.

OpenCV 5 added a new DNN engine and made it the default for ONNX and TFLite files. On
the small models of these katas it gives wrong numbers (differences of about 0.1 in the
outputs) and shows only one of a TFLite model's outputs, so on OpenCV 5 we ask for the
classic engine, which matches OpenCV 4.x.
"""
from __future__ import annotations

from pathlib import Path

import cv2

OPENCV_VERSION: str = cv2.__version__
OPENCV_MAJOR: int = int(OPENCV_VERSION.split(".")[0])


def _classic_engine_kwargs() -> dict:
    """``{"engine": cv2.dnn.ENGINE_CLASSIC}`` on OpenCV 5+, ``{}`` on 4.x."""
    if OPENCV_MAJOR >= 5 and hasattr(cv2.dnn, "ENGINE_CLASSIC"):
        return {"engine": cv2.dnn.ENGINE_CLASSIC}
    return {}


def dnn_engine_name() -> str:
    """Human-readable name of the engine ``read_net`` uses, for an environment report."""
    if _classic_engine_kwargs():
        return f"OpenCV {OPENCV_VERSION}, classic DNN engine (ENGINE_CLASSIC)"
    return f"OpenCV {OPENCV_VERSION}, DNN engine (the only one in 4.x)"


def read_net(path: str | Path, config: str | Path | None = None) -> "cv2.dnn.Net":
    """Read a network file (.onnx, .tflite, or anything cv2.dnn.readNet accepts).

    ``config`` is the second file some formats need (a Caffe .prototxt, for example).
    Raises ``FileNotFoundError`` naming the path when the file is missing and
    ``ValueError`` naming it when OpenCV cannot parse it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    extra = _classic_engine_kwargs()
    suffix = path.suffix.lower()
    try:
        if suffix == ".onnx":
            net = cv2.dnn.readNetFromONNX(str(path), **extra)
        elif suffix == ".tflite":
            net = cv2.dnn.readNetFromTFLite(str(path), **extra)
        elif config is not None:
            net = cv2.dnn.readNet(str(path), str(config), **extra)
        else:
            net = cv2.dnn.readNet(str(path), **extra)
    except cv2.error as error:
        raise ValueError(
            f"OpenCV {OPENCV_VERSION} could not read the network in {path}: "
            f"{str(error).strip().splitlines()[-1]}"
        ) from error
    if net.empty():
        raise ValueError(f"OpenCV {OPENCV_VERSION} read an empty network from {path}")
    return net
