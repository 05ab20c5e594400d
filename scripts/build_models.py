"""Build (or rebuild) the ONNX models that are made on the learner's machine, and report.

    python scripts/build_models.py            # build if the cache lacks a good copy
    python scripts/build_models.py --rebuild  # build again even if cached

Prints where the file is, how long building and loading took, and its SHA-256. The cache
folder is $CNN_KATAS_CACHE, or ~/.cache/cnn-output-katas by default.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.models.cache import sha256_of_file  # noqa: E402
from helpers.models.efficientnet_onnx import ensure_built  # noqa: E402
from helpers.models.opencv_compat import dnn_engine_name, read_net  # noqa: E402
from helpers.models.presets import get_preset  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the EfficientNet-Lite0 ONNX file into the cache.")
    parser.add_argument("--rebuild", action="store_true", help="build even if a good copy is cached")
    args = parser.parse_args()

    preset = get_preset("efficientnet_lite0")
    start = time.perf_counter()
    try:
        path = ensure_built(preset, rebuild=args.rebuild)
    except Exception as error:  # report, do not trace back at the learner
        print(f"could not build {preset.name}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    built = time.perf_counter() - start
    start = time.perf_counter()
    read_net(path)
    loaded = time.perf_counter() - start
    print(f"{preset.name}: {path}")
    print(f"  build (or cache check) {built:.2f} s, cv2.dnn load {loaded:.2f} s ({dnn_engine_name()})")
    print(f"  {path.stat().st_size} bytes, sha256 {sha256_of_file(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
