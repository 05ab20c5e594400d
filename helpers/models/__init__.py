"""Models for the katas: the preset table, load_model, and the files behind them.

    from helpers.models import load_model, get_preset, PRESETS
    model = load_model("efficientnet_lite0")   # real, or a labelled synthetic stand-in
"""
from .download import download_model
from .loading import (
    SYNTHETIC_FALLBACKS,
    Model,
    SyntheticClassifier,
    SyntheticModel,
    SyntheticModelWarning,
    load_model,
    register_synthetic_fallback,
)
from .presets import PRESETS, Preset, get_preset

__all__ = [
    "PRESETS",
    "Preset",
    "get_preset",
    "load_model",
    "Model",
    "SyntheticModel",
    "SyntheticClassifier",
    "SyntheticModelWarning",
    "SYNTHETIC_FALLBACKS",
    "register_synthetic_fallback",
    "download_model",
]
