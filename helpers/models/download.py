"""Download a model file: streamed, SHA-256 checked, bounded, written atomically.

The katas never download by themselves. A learner with internet access calls
``download_model("resnet50")`` once; the file lands in the cache folder
(:mod:`helpers.models.cache`) where ``load_model`` finds it. Only the standard
library's ``urllib`` is used, and only ``http://`` and ``https://`` addresses.

What can go wrong, and what happens:

* no server, a refused connection, HTTP 404 ...: ``DownloadError`` naming the URL;
* no answer (status line and headers) within ``timeout`` seconds, counted from the
  start and across redirects: ``DownloadError`` ("no answer");
* no byte of the body for ``timeout`` seconds: ``DownloadError`` ("no data");
* progress slower than ``min_rate`` bytes/s (default :data:`MIN_RATE`, 1 KiB/s)
  averaged over each ``rate_window`` seconds (default :data:`RATE_WINDOW`, 30 s), as a
  server dripping a byte a second does: ``DownloadError`` ("too slow");
* a body larger than ``max_bytes``: ``download`` refuses a ``Content-Length`` past it
  before reading, and stops reading as soon as the body passes it. The default is
  :data:`MAX_DOWNLOAD_BYTES` (1 GiB); ``download_model`` uses the preset's cap in
  :data:`PRESET_MAX_BYTES` (its file's size with a margin);
* a ``Content-Length`` that is not a number, is negative or is sent twice with different
  values: ``DownloadError`` naming it;
* the connection ends before ``Content-Length`` bytes: ``DownloadError`` ("truncated");
* the bytes do not have the expected SHA-256: ``ChecksumMismatchError``;
* a destination that is a folder, or whose parent is a file, and bad arguments
  (a ``file://`` URL, a SHA-256 that is not 64 hex digits, a zero timeout):
  ``ValueError`` / ``TypeError`` naming the argument, before anything is fetched.

In every failure case no file is left at the destination: the bytes go to a temporary
file ``.<name>.<pid>.<random>.part`` in the same folder, which is flushed, fsync'ed and
renamed over the destination (``os.replace``) only after every check has passed, and
removed on every failure (including Ctrl-C). A process killed outright cannot clean up,
so each download first removes the ``.part`` files of the same destination that are
stale: left by a process that no longer runs (POSIX), or untouched for
:data:`STALE_PART_AGE` seconds (a live download writes at least every ``timeout``).
"""
from __future__ import annotations

import hashlib
import http.client
import math
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

from tqdm.auto import tqdm

from .cache import ChecksumMismatchError, cached_path
from .presets import get_preset

USER_AGENT = "cnn-output-katas/0.1 (urllib)"

#: Largest body ``download`` accepts unless told otherwise (1 GiB).
MAX_DOWNLOAD_BYTES = 1 << 30
#: Cap per URL preset: its file's size (in the comment) with a margin, so that a server
#: sending an endless or wrong body is stopped early. A preset missing here gets
#: MAX_DOWNLOAD_BYTES.
PRESET_MAX_BYTES: dict[str, int] = {
    "googlenet_caffe": 128 << 20,  # bvlc_googlenet.caffemodel, about 51 MiB
    "mobilenetv2": 64 << 20,  # mobilenetv2-7.onnx, about 14 MiB
    "resnet50": 256 << 20,  # resnet50-v2-7.onnx, about 98 MiB
}
#: Cap for a preset's small config file (a Caffe .prototxt is tens of KB).
CONFIG_MAX_BYTES = 4 << 20
#: Slowest accepted progress, bytes per second, averaged over each RATE_WINDOW seconds.
MIN_RATE = 1024.0
RATE_WINDOW = 30.0
#: A .part file untouched this long (seconds) is stale whatever process wrote it.
STALE_PART_AGE = 24 * 3600


class DownloadError(RuntimeError):
    """A download failed (network, HTTP status, size, speed or truncated body); nothing was saved."""


# --- arguments -------------------------------------------------------------------------------


def _positive_number(value, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or bytes, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return float(value)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number of bytes, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be > 0 bytes, got {value!r}")
    return value


def _check_url(url) -> None:
    if not isinstance(url, str):
        raise TypeError(f"url must be a str such as 'https://…/model.onnx', got {type(url).__name__}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"url must be an http:// or https:// address, got {url!r}")
    try:
        parts.port  # raises ValueError for a port outside 0-65535 or not a number
    except ValueError as error:
        raise ValueError(f"url {url!r} is not a valid address: {error}") from None


def _check_dest(dest, url: str) -> Path:
    if not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a file path, got {type(dest).__name__}")
    dest = Path(dest)
    if dest.is_dir():
        name = Path(urllib.parse.urlsplit(url).path).name or "model.bin"
        raise ValueError(f"dest {dest} is a folder: pass the file's path, e.g. {dest / name}")
    for parent in [dest.parent, *dest.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"dest {dest} cannot be created: {parent} is a file, not a folder")
            break
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"could not create the folder {dest.parent} for {dest.name}: {error}") from None
    return dest


# --- leftovers -------------------------------------------------------------------------------


def _process_is_gone(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate it there; rely on the age rule
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def remove_stale_parts(dest: str | Path) -> list[Path]:
    """Remove the stale ``.part`` files of ``dest`` (see the module docstring); return them."""
    dest = Path(dest)
    prefix = f".{dest.name}."
    removed = []
    try:
        entries = list(dest.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        middle = name[len(prefix) : -len(".part")]
        match = re.fullmatch(r"(\d+)(?:\.[0-9a-f]+)?", middle)
        try:
            old = now - entry.lstat().st_mtime > STALE_PART_AGE
            pid = int(match.group(1)) if match else None
            gone = pid is not None and pid != os.getpid() and _process_is_gone(pid)
            if (old or gone) and entry.is_file():
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue
    return removed


# --- the connection --------------------------------------------------------------------------


class _SocketTracker:
    """Remembers the sockets urllib opens, so that a watchdog can shut them down."""

    def __init__(self):
        self.sockets = []
        self.expired = False
        self.lock = threading.Lock()

    def add(self, sock) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                self._shutdown(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock) -> None:
        import socket

        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _TrackingMixin:
    tracker: _SocketTracker

    def do_open(self, http_class, req, **kwargs):
        tracker = self.tracker

        class Tracked(http_class):
            def connect(self):
                super().connect()
                tracker.add(self.sock)

        return super().do_open(Tracked, req, **kwargs)


class _HTTPHandler(_TrackingMixin, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_TrackingMixin, urllib.request.HTTPSHandler):
    pass


def _open(url: str, timeout: float):
    """``urlopen`` with a deadline of ``timeout`` seconds for the status line and headers.

    The socket timeout alone does not bound a server that sends a byte now and then.
    """
    tracker = _SocketTracker()
    handlers = [_HTTPHandler(), _HTTPSHandler()]
    for handler in handlers:
        handler.tracker = tracker
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    watchdog = threading.Timer(timeout, tracker.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"the server answered HTTP {error.code} ({error.reason}) for {url}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        if tracker.expired:
            raise DownloadError(f"no answer from {url} within {timeout:g} s (timeout); try again later") from None
        reason = getattr(error, "reason", error)
        raise DownloadError(f"could not reach {url}: {reason}") from None
    except ValueError as error:  # http.client.InvalidURL and the like
        raise ValueError(f"url {url!r} is not a valid address: {error}") from None
    finally:
        watchdog.cancel()
    if tracker.expired:
        response.close()
        raise DownloadError(f"no answer from {url} within {timeout:g} s (timeout); try again later")
    return response


def _content_length(response, url: str) -> int | None:
    """The announced body size, or None; refuses a malformed or contradictory header."""
    if "chunked" in (response.headers.get("Transfer-Encoding") or "").lower():
        return None  # Content-Length is ignored with chunked encoding (RFC 9112)
    values = response.headers.get_all("Content-Length") or []
    if not values:
        return None
    sizes = set()
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not (part.isascii() and part.isdigit()):
                raise DownloadError(
                    f"the server sent an invalid Content-Length {value!r} for {url}: not a byte "
                    "count, so a truncated download could not be told apart; try again later")
            sizes.add(int(part))
    if len(sizes) != 1:
        raise DownloadError(
            f"the server sent contradictory Content-Length headers {', '.join(values)} for {url}; "
            "try again later")
    return sizes.pop()


# --- download --------------------------------------------------------------------------------


def download(url: str, dest: str | Path, sha256: str | None = None, *, timeout: float = 30.0,
             progress: bool = True, chunk_size: int = 1 << 16, max_bytes: int = MAX_DOWNLOAD_BYTES,
             min_rate: float = MIN_RATE, rate_window: float = RATE_WINDOW) -> Path:
    """Fetch ``url`` into ``dest`` and return ``dest``.

    ``sha256`` (hex) is checked before the file is put in place; when it is None the file
    is saved unverified and a ``UserWarning`` says so. A tqdm bar shows progress unless
    ``progress=False``. ``timeout`` (seconds) bounds the wait for the server's answer and
    any silence in the body; ``min_rate`` (bytes/s, 0 to disable) is the slowest progress
    accepted over each ``rate_window`` seconds; ``max_bytes`` is the largest file accepted.
    See the module docstring for every failure and what is left behind (nothing).
    """
    _check_url(url)
    if sha256 is not None and not (isinstance(sha256, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha256)):
        raise ValueError(f"sha256 must be 64 hexadecimal digits or None, got {sha256!r}")
    timeout = _positive_number(timeout, "timeout")
    min_rate = _positive_number(min_rate, "min_rate", allow_zero=True)
    rate_window = _positive_number(rate_window, "rate_window")
    max_bytes = _positive_int(max_bytes, "max_bytes")
    chunk_size = _positive_int(chunk_size, "chunk_size")
    dest = _check_dest(dest, url)
    remove_stale_parts(dest)
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        response = _open(url, timeout)
        with response:
            expected_size = _content_length(response, url)
            if expected_size is not None and expected_size > max_bytes:
                raise DownloadError(
                    f"{url} announces {expected_size} bytes, more than max_bytes={max_bytes}: "
                    "refused before downloading (wrong address?). If this is the right file, "
                    "pass a larger max_bytes")
            digest = hashlib.sha256()
            received = 0
            window_start, window_bytes = time.monotonic(), 0
            try:
                file = open(temp, "xb")
            except OSError as error:
                raise DownloadError(f"could not write into {dest.parent}: {error}") from None
            with file, tqdm(
                total=expected_size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=dest.name, disable=not progress, leave=False,
            ) as bar:
                while True:
                    try:  # read1: whatever has arrived, so that the clock is checked often
                        chunk = response.read1(min(chunk_size, max_bytes + 1 - received))
                    except TimeoutError:
                        raise DownloadError(
                            f"no data for {timeout:g} s from {url} after {received} bytes "
                            "(timeout); try again later") from None
                    except (http.client.IncompleteRead, http.client.HTTPException, OSError) as error:
                        raise DownloadError(
                            f"the download of {url} broke off after {received} bytes "
                            f"(truncated: {error!r}); try again"
                        ) from None
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > max_bytes:
                        raise DownloadError(
                            f"{url} sent more than max_bytes={max_bytes} bytes: stopped and "
                            "nothing saved (wrong address or a broken server). If this is the "
                            "right file, pass a larger max_bytes")
                    try:
                        file.write(chunk)
                    except OSError as error:
                        raise DownloadError(f"could not write {dest.name} into {dest.parent}: {error}") from None
                    digest.update(chunk)
                    bar.update(len(chunk))
                    window_bytes += len(chunk)
                    elapsed = time.monotonic() - window_start
                    if elapsed >= rate_window:
                        rate = window_bytes / elapsed
                        if rate < min_rate:
                            raise DownloadError(
                                f"the download of {url} is too slow: {rate:.1f} bytes/s over the "
                                f"last {elapsed:.1f} s, below min_rate={min_rate:g} bytes/s "
                                f"({received} bytes so far); try again later or lower min_rate")
                        window_start, window_bytes = time.monotonic(), 0
                try:
                    file.flush()
                    os.fsync(file.fileno())
                except OSError as error:
                    raise DownloadError(f"could not write {dest.name} into {dest.parent}: {error}") from None
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
        try:
            os.replace(temp, dest)
        except OSError as error:
            raise DownloadError(f"could not put {dest.name} in place in {dest.parent}: {error}") from None
        return dest
    finally:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass


def download_model(name: str, *, timeout: float = 60.0, progress: bool = True,
                   max_bytes: int | None = None) -> Path:
    """Download a URL-sourced preset (and its config file, if any) into the cache folder.

    Returns the model file's path; an already present file with the right SHA-256 is kept.
    ``max_bytes`` defaults to the preset's cap in :data:`PRESET_MAX_BYTES`.
    """
    preset = get_preset(name)
    if preset.source != "url":
        raise ValueError(f"preset {name!r} is not downloaded (its source is {preset.source!r})")
    if max_bytes is None:
        max_bytes = PRESET_MAX_BYTES.get(preset.name, MAX_DOWNLOAD_BYTES)
    dest = cached_path(preset.file_name or Path(preset.path_or_url).name)
    if preset.config_url:
        config = dest.parent / Path(preset.config_url).name
        if not config.is_file():
            download(preset.config_url, config, None, timeout=timeout, progress=progress,
                     max_bytes=CONFIG_MAX_BYTES)
    if dest.is_file() and preset.sha256 is not None:
        from .cache import sha256_of_file

        if sha256_of_file(dest) == preset.sha256:
            return dest
    return download(preset.path_or_url, dest, preset.sha256, timeout=timeout, progress=progress,
                    max_bytes=max_bytes)
