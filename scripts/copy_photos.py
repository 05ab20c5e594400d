"""Maintainer script: copy the bundled sample photos into helpers/data/photos/.

Run once, by a maintainer, in an environment that has scikit-image and matplotlib
installed (the project itself never imports scikit-image)::

    python scripts/copy_photos.py

Each photo is read from the installed package's data folder, shrunk so that its
longest side is at most 640 px (smaller photos keep their size), and written as a
JPEG at quality 92. helpers/data/CREDITS.md names the source, author and licence
of every photo; keep it in step with PHOTOS below.
"""
from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import cv2

MAX_SIDE = 640
JPEG_QUALITY = 92
OUT_DIR = Path(__file__).resolve().parent.parent / "helpers" / "data" / "photos"

# name -> (package, path of the file inside the installed package)
PHOTOS = {
    "chelsea": ("skimage", "data/chelsea.png"),
    "coffee": ("skimage", "data/coffee.png"),
    "astronaut": ("skimage", "data/astronaut.png"),
    "rocket": ("skimage", "data/rocket.jpg"),
    "grace_hopper": ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
}


def package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} is not installed here: pip install it first")
    return Path(next(iter(spec.submodule_search_locations)))


def shrink_to_max_side(image, max_side: int = MAX_SIDE):
    """Resize so the longest side is <= max_side (INTER_AREA); smaller images are returned as they are."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (round(width * scale), round(height * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def copy_photo(name: str, out_dir: Path = OUT_DIR) -> Path:
    package, inner_path = PHOTOS[name]
    source = package_dir(package) / inner_path
    image = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"could not read {source}")
    image = shrink_to_max_side(image)
    target = out_dir / f"{name}.jpg"
    if not cv2.imwrite(str(target), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
        raise SystemExit(f"could not write {target}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        target = copy_photo(name, args.out)
        image = cv2.imread(str(target))
        print(f"{target}  {image.shape[1]}x{image.shape[0]}  {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
