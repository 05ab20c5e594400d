"""Put the face detector and person segmenter weights into the model cache.

    python scripts/fetch_mediapipe_models.py                # download the pinned wheel with pip
    python scripts/fetch_mediapipe_models.py --wheel PATH   # or read an already downloaded one

Downloads mediapipe-0.10.14 (one wheel, no dependencies, SHA-256 checked), reads
face_detection_short_range.tflite and selfie_segmentation.tflite out of it (each checked)
and keeps the licence beside them. Does nothing when they are already cached. Exits with
status 1 and a message when it cannot: the katas then use synthetic stand-ins, with a notice.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not

from helpers.models.cache import sha256_of_file  # noqa: E402
from helpers.models.mediapipe_weights import HOW_TO_FETCH, fetch_mediapipe_models  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="an already downloaded mediapipe-0.10.14 wheel")
    parser.add_argument("--force", action="store_true", help="extract again even when cached")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = fetch_mediapipe_models(args.wheel, force=args.force, log=lambda line: print(f"mediapipe models: {line}"))
    except Exception as error:  # any failure: say what and how to retry, never a traceback
        print(f"mediapipe models: FAILED: {type(error).__name__}: {error}\n"
              f"The face detector and person segmenter will be synthetic stand-ins (with a notice) "
              f"until `{HOW_TO_FETCH}` succeeds.", file=sys.stderr)
        return 1
    for name, path in paths.items():
        print(f"mediapipe models: {name}: {path} ({path.stat().st_size:,} bytes, SHA-256 {sha256_of_file(path)})")
    print(f"mediapipe models: done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
