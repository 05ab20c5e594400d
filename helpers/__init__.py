"""Shared helpers for the CNN-output katas.

The learner-facing names, importable straight from ``helpers``:

- the exercise checker: ``check``, ``hint``, ``solution`` and ``exercises``, and
  ``progress()``, what you have done so far (kept in a file on this computer);
- images and models: ``load_image``, ``sample_image``, ``load_model``;
- the reference pipelines the demos and the capstone use: ``detect_faces`` and
  ``segment_person``, plus the reference implementations a learner who skips an
  exercise can call instead (``softmax``, ``top_k``, ``decode_predictions``, ...).

Everything else lives in a topic module named after what it does
(``helpers.calibration``, ``helpers.segmentation``, ``helpers.detection``, ...).
"""
from .exercises import check, exercises, hint, solution
from .images import load_image, sample_image
from .labels import decode_predictions, parse_labels, top_k
from .models import load_model
from .pixels import to_unit_range
from .preprocessing import blob_from_image
from .probabilities import softmax
from .faces import detect_faces
from .person import segment_person
from .progress import progress

__version__ = "0.1.0"

__all__ = [
    "check",
    "exercises",
    "hint",
    "solution",
    "progress",
    "load_image",
    "sample_image",
    "load_model",
    "detect_faces",
    "segment_person",
    "blob_from_image",
    "softmax",
    "top_k",
    "parse_labels",
    "decode_predictions",
    "to_unit_range",
]
