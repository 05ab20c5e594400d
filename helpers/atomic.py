"""Writing a file so that readers see the old one or the new one, never half of it.

Also the two primitives of the append-only files (the manifest in helpers.saving, the
progress file in helpers.progress): an exclusive lock and a read at an offset.

One writer for every file the helpers save: images and manifests (helpers.saving), model
weights and their notes in the cache (helpers.models.cache). The temporary file's name is
unpredictable and created exclusively, so a symlink planted beside the destination is never
followed; its mode follows the umask; leftovers of killed saves are cleaned up.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path

try:  # POSIX; on Windows an append is one write, without a lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

STALE_TEMPORARY_SECONDS = 3600  # a temporary file of ours this old is a killed save's leftover
_TOKEN_HEX = 8  # bytes of randomness in a temporary name: 16 hex digits
# ".<name>.<16 hex digits>.tmp" (ours), or ".<name>.png.<8 of [a-z0-9_]>.tmp" (and .jpg: the
# names tempfile.mkstemp gave the images of earlier versions)
_TEMPORARY_NAME = re.compile(r"\..+\.(?:[0-9a-f]{16}|(?:png|jpg)\.[a-z0-9_]{8})\.tmp", re.DOTALL)
_cleaned_folders: set = set()  # folders this process has already looked at


def _temporary_name(path: Path) -> Path:
    """``.<name>.<16 random hex digits>.tmp`` beside ``path`` (the name cut to stay under 255 bytes)."""
    name = path.name.encode("utf-8")[:200].decode("utf-8", errors="ignore")
    return path.with_name(f".{name}.{secrets.token_hex(_TOKEN_HEX)}.tmp")


def _create_temporary(path: Path):
    """(descriptor, Path) of a new, empty temporary file beside ``path``.

    Its name is unpredictable and it is created with O_CREAT | O_EXCL (and O_NOFOLLOW), so a
    file or symlink planted at that name is never opened or followed: another name is tried.
    Mode 0o666 less the umask, as ``open(path, "wb")`` and ``cv2.imwrite`` would give.
    """
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    for _ in range(100):
        temporary = _temporary_name(path)
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {path}: 100 random names were taken")


def remove_stale_temporaries(folder, older_than: float = STALE_TEMPORARY_SECONDS) -> list:
    """Remove the temporary files killed saves left in ``folder``; return their Paths.

    Only regular files named as ``atomic_write_bytes`` names them (``.<name>.<16 hex
    digits>.tmp``, or ``.<name>.png.<8 characters>.tmp`` and ``.jpg`` from earlier
    versions) and not modified for ``older_than`` seconds (an hour by default: a save
    still under way is left alone).
    Symlinks, folders and every other file are kept. A folder that cannot be listed gives [].
    """
    cutoff = time.time() - float(older_than)
    removed = []
    try:
        entries = os.scandir(folder)
    except OSError:
        return removed
    with entries:
        for entry in entries:
            if not _TEMPORARY_NAME.fullmatch(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass  # gone meanwhile, or not ours to remove
    return removed


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder (an unpredictable hidden name
    ``.<name>.<16 hex digits>.tmp``, created exclusively: a symlink planted there is never
    followed), are flushed and fsync'ed, and ``os.replace`` renames it over ``path``
    (atomic on one file system). The new file's mode is 0o666 less the umask, as for
    ``open(path, "wb")``. On any failure the temporary file is removed and the error is
    raised; a killed process cannot remove it, so the first save into a folder in each
    process removes such leftovers more than an hour old (``remove_stale_temporaries``).
    """
    path = Path(path)
    folder_key = os.path.abspath(path.parent)
    if folder_key not in _cleaned_folders:
        _cleaned_folders.add(folder_key)
        remove_stale_temporaries(path.parent)
    view = memoryview(data).cast("B")
    fd, temporary = _create_temporary(path)
    try:
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temporary, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(path.parent)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def lock(fd: int) -> None:
    """Hold an exclusive lock on the open file ``fd`` until it is closed (flock; none on Windows)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes of ``fd`` from ``offset``, without moving a shared position (pread)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)
