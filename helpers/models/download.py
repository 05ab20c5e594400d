"""Download a model file: streamed, SHA-256 checked, written atomically.

The katas never download by themselves. A learner with internet access calls
``download_model("resnet50")`` once; the file lands in the cache folder
(:mod:`helpers.models.cache`) where ``load_model`` finds it. Only the standard
library's ``urllib`` is used.

What can go wrong, and what happens:

* no server, a refused connection, HTTP 404 ...: ``DownloadError`` naming the URL;
* the connection ends before ``Content-Length`` bytes: ``DownloadError`` ("truncated");
* the bytes do not have the expected SHA-256: ``ChecksumMismatchError``.

In every failure case no file is left at the destination: the bytes go to a temporary
file in the same folder, which is flushed, fsync'ed and renamed over the destination
(``os.replace``) only after every check has passed.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from tqdm.auto import tqdm

from .cache import ChecksumMismatchError, cached_path
from .presets import get_preset

USER_AGENT = "cnn-output-katas/0.1 (urllib)"


class DownloadError(RuntimeError):
    """A download failed (network, HTTP status or truncated body); nothing was saved."""


def download(url: str, dest: str | Path, sha256: str | None = None, *, timeout: float = 30.0,
             progress: bool = True, chunk_size: int = 1 << 16) -> Path:
    """Fetch ``url`` into ``dest`` and return ``dest``.

    ``sha256`` (hex) is checked before the file is put in place; when it is None the file
    is saved unverified and a ``UserWarning`` says so. A tqdm bar shows progress unless
    ``progress=False``.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            raise DownloadError(f"the server answered HTTP {error.code} ({error.reason}) for {url}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DownloadError(f"could not reach {url}: {reason}") from None
        with response:
            expected_size = response.headers.get("Content-Length")
            expected_size = int(expected_size) if expected_size is not None else None
            digest = hashlib.sha256()
            received = 0
            with open(temp, "wb") as file, tqdm(
                total=expected_size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=dest.name, disable=not progress, leave=False,
            ) as bar:
                while True:
                    try:
                        chunk = response.read(chunk_size)
                    except (http.client.IncompleteRead, OSError) as error:
                        raise DownloadError(
                            f"the download of {url} broke off after {received} bytes "
                            f"(truncated: {error!r}); try again"
                        ) from None
                    if not chunk:
                        break
                    file.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                file.flush()
                os.fsync(file.fileno())
        if expected_size is not None and received != expected_size:
            raise DownloadError(
                f"the download of {url} is truncated: got {received} of {expected_size} bytes; try again"
            )
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256.lower():
            raise ChecksumMismatchError(
                f"{url} gave {received} bytes with SHA-256 {actual}, expected {sha256}: "
                "the file was refused (wrong or changed file at that address)"
            )
        if sha256 is None:
            warnings.warn(f"{dest.name} was saved without a checksum to verify it (SHA-256 {actual})",
                          UserWarning, stacklevel=2)
        os.replace(temp, dest)
        return dest
    finally:
        if temp.exists():
            temp.unlink()


def download_model(name: str, *, timeout: float = 60.0, progress: bool = True) -> Path:
    """Download a URL-sourced preset (and its config file, if any) into the cache folder.

    Returns the model file's path; an already present file with the right SHA-256 is kept.
    """
    preset = get_preset(name)
    if preset.source != "url":
        raise ValueError(f"preset {name!r} is not downloaded (its source is {preset.source!r})")
    dest = cached_path(preset.file_name or Path(preset.path_or_url).name)
    if preset.config_url:
        config = dest.parent / Path(preset.config_url).name
        if not config.is_file():
            download(preset.config_url, config, None, timeout=timeout, progress=progress)
    if dest.is_file() and preset.sha256 is not None:
        from .cache import sha256_of_file

        if sha256_of_file(dest) == preset.sha256:
            return dest
    return download(preset.path_or_url, dest, preset.sha256, timeout=timeout, progress=progress)
