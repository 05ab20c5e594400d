"""Where built and downloaded model files are kept, and how their checksums are computed.

The cache folder is ``$CNN_KATAS_CACHE`` when that environment variable is set, otherwise
``~/.cache/cnn-output-katas`` (``%LOCALAPPDATA%/cnn-output-katas`` on Windows, when set).
Nothing in it is precious: delete it to force a rebuild or a new download.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV_VAR = "CNN_KATAS_CACHE"
CACHE_FOLDER_NAME = "cnn-output-katas"


def cache_dir(create: bool = True) -> Path:
    """The cache folder (created unless ``create=False``)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        folder = Path(override).expanduser()
    elif os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        folder = Path(os.environ["LOCALAPPDATA"]) / CACHE_FOLDER_NAME
    else:
        folder = Path.home() / ".cache" / CACHE_FOLDER_NAME
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_path(file_name: str) -> Path:
    """Path of ``file_name`` inside the cache folder (the file may not exist yet)."""
    return cache_dir() / file_name


def sha256_of_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks of ``chunk_size`` bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    """Hex SHA-256 of a bytes object."""
    return hashlib.sha256(data).hexdigest()


class ChecksumMismatchError(ValueError):
    """A file's SHA-256 is not the one its preset (or download) expects."""


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder made if needed) so that readers never see a
    half-written file: helpers.atomic.atomic_write_bytes, the one writer of the helpers
    (unpredictable temporary name, never following a planted symlink, umask respected)."""
    from helpers.atomic import atomic_write_bytes as write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, data)


def verify_sha256(path: str | Path, expected: str | None, fix: str) -> Path:
    """Return ``path`` when its SHA-256 is ``expected`` (or nothing is expected).

    Raises ChecksumMismatchError naming the file, both hashes and ``fix``, the sentence
    telling the learner what to do about it.
    """
    if expected is not None:
        actual = sha256_of_file(path)
        if actual != expected:
            raise ChecksumMismatchError(f"{path} has SHA-256 {actual}, expected {expected}: {fix}")
    return Path(path)
