"""Shared by the tests that need the real MediaPipe networks: load one, or skip saying why."""
import os
import warnings

import pytest


def real_model_or_skip(cached_loader, what):
    """Yield the real model from ``cached_loader`` (an lru_cache'd load_model call), or skip.

    Skips, naming the fix, when the weights are not in the model cache (load_model then gives
    its synthetic stand-in). The loader's cache is cleared before and after, so a stand-in
    loaded elsewhere (CNN_KATAS_FORCE_SYNTHETIC tests) never leaks in or out.
    """
    cached_loader.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cached_loader()
    if model.is_synthetic:
        cached_loader.cache_clear()
        # CI sets CNN_KATAS_REQUIRE_REAL_MODELS=1: there a missing model is a failure, not a skip.
        skip_or_fail = pytest.fail if os.environ.get("CNN_KATAS_REQUIRE_REAL_MODELS") == "1" else pytest.skip
        skip_or_fail(f"{what} are not in the model cache (run `python scripts/fetch_mediapipe_models.py`): "
                    f"{model.notice.splitlines()[1]}")
    yield model
    cached_loader.cache_clear()
