"""Exercises: one module per notebook (``exNN_topic.py``), discovered automatically.

Each module registers its exercises with :func:`core.register` when imported;
:func:`load_all` imports every ``ex*`` module in this package once.
"""
import importlib
import pkgutil

from .core import (GENERIC_MISTAKES, Case, CheckResult, Exercise, Mistake, Run, all_mistakes, check,
                   exercises, hint, register, solution)

_loaded = False

# The order in which the notebooks ask for their exercises (their check cells, top to bottom):
# lists, grades.csv columns and progress() follow it. tests/exercises/test_course_order.py keeps
# it in step with solutions/.
COURSE_ORDER = (
    "to_unit_range",
    "blob_from_image", "blob_to_image", "normalize_blob",
    "softmax", "looks_like_probabilities",
    "top_k", "parse_labels", "decode_predictions",
    "reliability_bins", "expected_calibration_error", "fit_temperature", "selective_prediction",
    "voc_colormap", "scores_to_label_map", "colorize", "overlay", "probability_to_mask",
    "box_iou", "nms", "letterbox", "unletterbox_boxes", "decode_yolo", "draw_detections", "sigmoid",
    "ssd_anchors", "decode_anchor_boxes",
    "clean_component", "safe_label_dirname", "to_coco_results",
    "iter_batches",
)


def load_all() -> None:
    """Import every exercise module so that all exercises are registered."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ex")):
        importlib.import_module(f"{__name__}.{module}")
    _loaded = True


__all__ = ["COURSE_ORDER", "GENERIC_MISTAKES", "all_mistakes", "Case", "CheckResult", "Exercise", "Mistake", "Run", "check", "exercises", "hint",
           "load_all", "register", "solution"]
