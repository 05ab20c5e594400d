"""Collecting a class off a hub: every learner's katas, copied into the grader's layout.

    cnn-katas collect HUB_HOMES SUBMISSIONS

HUB_HOMES holds one home folder per learner (``/home`` on The Littlest JupyterHub, whose system
users are ``jupyter-<name>``; the learner is the folder's name without that prefix). Every
``NN_*.ipynb`` under a home, at any depth, is copied to ``SUBMISSIONS/<learner>/<its path in the
home>``: the layout ``cnn-katas grade`` reads as "per-learner folders". A learner whose home holds
no kata still gets a folder, so the report lists them as having handed in nothing.

A learner's progress file (helpers/progress.py: every check they ran, with its status and mistake
id), when their home has one at its default place ``.local/share/cnn-output-katas/progress.jsonl``,
is copied to ``SUBMISSIONS/<learner>/progress.jsonl`` under the same rules as a kata (no link
followed, at most ``MAX_PROGRESS_BYTES``), so that collecting during a workshop shows who is stuck
where; ``helpers.progress.read_records`` reads a copy (a last line cut short by a kernel writing
while it was copied is skipped). A progress file kept elsewhere (``CNN_KATAS_PROGRESS``,
``XDG_DATA_HOME``) is not looked for.

The learners' side is only ever read:

- hidden folders (``.ipynb_checkpoints``, ``.local``) and ``solutions/`` (the course's reference)
  are not looked into for katas (the one progress file above is opened by its fixed path); hidden
  homes and ``lost+found`` are not learners;
- no symbolic link is followed, no special file is opened (a FIFO would block its reader), no
  file with a second hard link (perhaps to a file outside the home) or over
  ``MAX_NOTEBOOK_BYTES`` is copied: each is listed in ``Collected.skipped`` with the reason, as
  is a file or folder that cannot be read. Folders are walked by file descriptor and
  files opened with ``O_NOFOLLOW``, so a link swapped in during the walk is not followed either;
- a copy keeps its notebook's modification time (the grader picks the newer of two candidates by
  it) and is made read-only (files 0o444, folders 0o755).

SUBMISSIONS can be collected into again and again during a workshop. Each learner's folder is
built in a hidden temporary folder inside SUBMISSIONS and then renamed into place, replacing the
previous copy as a whole: a notebook deleted since is gone from the copy, and an interrupted
collect leaves either the old folder or the new one, never half of one. A marker file
(``MARKER``) lists the learner folders this module made; nothing else in SUBMISSIONS is ever
replaced or deleted, and a non-empty SUBMISSIONS without the marker is refused.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

MARKER = ".cnn-katas-collect"
TEMPORARY_PREFIX = ".cnn-katas-collect-tmp-"  # hidden, so the grader never reads a half copy
MAX_NOTEBOOK_BYTES = 100 * 2**20
PROGRESS_IN_HOME = (".local", "share", "cnn-output-katas", "progress.jsonl")  # helpers.progress's default
PROGRESS_COPY = "progress.jsonl"  # where it goes in the learner's folder
MAX_PROGRESS_BYTES = 16 * 2**20  # about 70,000 checks
TLJH_PREFIX = "jupyter-"
NOT_LEARNERS = ("lost+found",)
COURSE_SOLUTIONS = "solutions"
FILE_MODE = 0o444
FOLDER_MODE = 0o755

_KATA = re.compile(r"[0-9]{2}_.*\.ipynb")
_CHUNK = 2**20
_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
_SHOWN_SKIPS = 10


class CollectError(ValueError):
    """HUB_HOMES cannot be collected into SUBMISSIONS: the message names the path, what was
    found there, and what to do."""


@dataclass
class Collected:
    """What ``collect`` did.

    ``learners`` every learner collected, sorted (list of str); ``notebooks`` how many notebooks
    were copied (int); ``skipped`` sorted (path relative to HUB_HOMES, reason) pairs of what was
    seen and not copied; ``submissions`` the folder written (Path); ``empty`` the learners of whose
    home no kata was copied (sorted); ``earlier`` learner folders left from an earlier collect whose
    home is no longer in HUB_HOMES, kept as they were (sorted); ``progress`` the learners whose
    progress file was copied (sorted).
    """

    learners: list
    notebooks: int
    skipped: list
    submissions: Optional[Path] = None
    empty: list = field(default_factory=list)
    earlier: list = field(default_factory=list)
    progress: list = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the command line: what was copied, what was skipped and why, what next."""
        where = self.submissions if self.submissions is not None else "SUBMISSIONS"
        lines = [f"collected {self.notebooks} notebook{_s(self.notebooks)} of "
                 f"{len(self.learners)} learner{_s(len(self.learners))} into {where}"]
        if self.empty:
            lines.append(f"no kata copied for {len(self.empty)} learner{_s(len(self.empty))} "
                         f"(graded as handing in nothing): {', '.join(self.empty)}")
        if self.progress:
            lines.append(f"copied the progress file of {len(self.progress)} "
                         f"learner{_s(len(self.progress))} (<learner>/{PROGRESS_COPY})")
        if self.earlier:
            lines.append(f"kept from an earlier collect (their home is gone): {', '.join(self.earlier)}")
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)}:")
            lines += [f"  {path}: {reason}" for path, reason in self.skipped[:_SHOWN_SKIPS]]
            if len(self.skipped) > _SHOWN_SKIPS:
                lines.append(f"  ... and {len(self.skipped) - _SHOWN_SKIPS} more")
        lines.append(f"next: cnn-katas grade {where} --out REPORT")
        return "\n".join(lines)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


# --- who the learners are --------------------------------------------------------------------

def learner_of(home_name: str) -> Optional[str]:
    """The learner whose home folder is named ``home_name`` (str), or None for a folder that is
    not a learner's home.

    >>> learner_of("jupyter-ana"), learner_of("ben"), learner_of("lost+found"), learner_of(".x")
    ('ana', 'ben', None, None)
    """
    if home_name.startswith(".") or home_name in NOT_LEARNERS:
        return None
    learner = home_name[len(TLJH_PREFIX):] if home_name.startswith(TLJH_PREFIX) else home_name
    if not learner or learner.startswith("."):
        return None
    return learner


def is_kata(name: str) -> bool:
    """True for a file name the collector copies: ``NN_*.ipynb``, NN two digits."""
    return _KATA.fullmatch(name) is not None


def find_homes(hub_homes: Path) -> tuple:
    """(homes, skipped): ``homes`` sorted (learner, home folder name) pairs; ``skipped`` the
    (name, reason) of entries that look like a learner's home but are not read (a symbolic link,
    a second home of the same learner). Raises CollectError when ``hub_homes`` cannot be listed
    or holds no learner's home."""
    try:
        with os.scandir(hub_homes) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        raise CollectError(f"{hub_homes}: cannot be listed ({error.strerror or error}); run "
                           f"collect as a user who can read every home folder (root on a hub)") from error
    homes, skipped, seen = [], [], {}
    for entry in entries:
        learner = learner_of(entry.name)
        if learner is None:
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:  # gone since the listing
            continue
        if stat.S_ISLNK(mode):
            skipped.append((entry.name, "a symbolic link, not a home folder: not followed"))
        elif not stat.S_ISDIR(mode):
            continue  # a loose file beside the homes is nobody's home
        elif learner in seen:
            skipped.append((entry.name, f"a second home of learner {learner!r} (the first is "
                                        f"{seen[learner]}): not collected"))
        else:
            seen[learner] = entry.name
            homes.append((learner, entry.name))
    if not homes:
        found = ", ".join(e.name for e in entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise CollectError(f"{hub_homes}: no learner's home folder in it (found "
                           f"{found or 'nothing'}); pass the folder that holds one home folder per "
                           f"learner, /home on The Littlest JupyterHub")
    return sorted(homes), skipped


# --- reading a home, never following a link --------------------------------------------------

def _open_folder(name: str, dir_fd: Optional[int]) -> int:
    """A descriptor of folder ``name`` (in ``dir_fd``), refusing a symbolic link."""
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _open_file(name: str, dir_fd: int) -> int:
    """A descriptor of file ``name`` in ``dir_fd`` for reading, refusing a symbolic link and never
    blocking on a FIFO swapped in since it was listed."""
    return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)


def _special_kind(mode: int) -> Optional[str]:
    """What a non-regular, non-folder, non-link file is ("a FIFO (named pipe)"), or None."""
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return kind
    return None


def _why_not(info: os.stat_result, limit: Optional[int] = None, what: str = "a notebook") -> Optional[str]:
    """Why a kata (or ``what``, at most ``limit`` bytes: MAX_NOTEBOOK_BYTES when None) with this
    (not followed) status is not copied, or None when it is copied."""
    limit = MAX_NOTEBOOK_BYTES if limit is None else limit
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link: not followed"
    if not stat.S_ISREG(info.st_mode):
        return f"{_special_kind(info.st_mode) or 'not a regular file'}: not read"
    if info.st_nlink > 1:
        return (f"a file with {info.st_nlink} hard links (it may be a link to a file elsewhere): "
                f"not copied")
    if info.st_size > limit:
        return f"{info.st_size:,} bytes, more than the {limit:,} {what} may have: not copied"
    return None


def _unreadable(error: OSError, what: str = "") -> str:
    """The reason for a file or folder that could not be opened or read."""
    if error.errno == errno.ELOOP:
        return "a symbolic link: not followed"
    return f"{what}cannot be read ({error.strerror or error})"


def _copy_kata(name: str, dir_fd: int, dest: Path) -> Optional[str]:
    """Copy kata ``name`` (in ``dir_fd``) to ``dest`` with its modification time; None when
    copied, else why not (it cannot be read, or since it was listed it became something
    ``_why_not`` refuses or grew past the limit). Errors writing ``dest`` are raised."""
    return _copy_file(name, dir_fd, dest, MAX_NOTEBOOK_BYTES, "a notebook")


def _copy_file(name: str, dir_fd: int, dest: Path, limit: int, what: str) -> Optional[str]:
    """``_copy_kata`` for any file: ``limit`` its largest size in bytes, ``what`` it is in the
    reasons ("a notebook")."""
    try:
        fd = _open_file(name, dir_fd)
    except OSError as error:
        return _unreadable(error)
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(source.fileno())
        why = _why_not(info, limit, what)
        if why:  # changed since it was listed (a save replaces the file: that is fine)
            return why
        dest.parent.mkdir(parents=True, exist_ok=True)
        why, copied = None, 0
        with open(dest, "xb") as target:
            while why is None:
                try:
                    chunk = source.read(_CHUNK)
                except OSError as error:
                    why = _unreadable(error)
                    break
                if not chunk:
                    break
                copied += len(chunk)
                if copied > limit:
                    why = f"grew past the {limit:,} bytes {what} may have while it was read: not copied"
                target.write(chunk)
    if why is not None:
        dest.unlink()
        return why
    os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
    return None


def copy_katas(hub_homes: Path, home_name: str, dest: Path) -> tuple:
    """Copy every kata of home ``hub_homes/home_name`` into folder ``dest`` (which exists), each
    at its path relative to the home. Returns (notebooks copied, skipped (path relative to
    HUB_HOMES, reason) pairs in walk order). Errors writing under ``dest`` are raised."""
    try:
        root_fd = _open_folder(str(hub_homes / home_name), None)
    except OSError as error:
        return 0, [(home_name, _unreadable(error, "folder "))]
    skipped = []
    try:
        copied = _copy_folder(root_fd, (home_name,), dest, skipped)
    finally:
        os.close(root_fd)
    return copied, skipped


def copy_progress(hub_homes: Path, home_name: str, dest: Path) -> tuple:
    """Copy the progress file of home ``hub_homes/home_name`` (at PROGRESS_IN_HOME) to ``dest``
    (a file path) with its modification time. Returns (copied: bool, skipped (path relative to
    HUB_HOMES, reason) pairs). No progress file is no reason: (False, []). Every folder on the
    way is opened without following a link; errors writing ``dest`` are raised."""
    *folders, name = PROGRESS_IN_HOME
    shown = "/".join((home_name,) + PROGRESS_IN_HOME)
    try:
        fds = [_open_folder(str(hub_homes / home_name), None)]
    except OSError:  # copy_katas reports a home that cannot be opened
        return False, []
    try:
        try:
            for folder in folders:
                kind = os.stat(folder, dir_fd=fds[-1], follow_symlinks=False).st_mode
                if stat.S_ISLNK(kind):
                    return False, [(shown, "a symbolic link: not followed")]
                if not stat.S_ISDIR(kind):
                    return False, [(shown, "a file where a folder on the way to it should be: not read")]
                fds.append(_open_folder(folder, fds[-1]))  # a link swapped in since is refused
            info = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        except FileNotFoundError:
            return False, []
        except OSError as error:
            return False, [(shown, _unreadable(error))]
        why = _why_not(info, MAX_PROGRESS_BYTES, "a progress file")
        if why is None and os.path.lexists(dest):
            why = f"the learner's folder already holds {dest.name} (a folder of katas?): not copied"
        why = why or _copy_file(name, fds[-1], dest, MAX_PROGRESS_BYTES, "a progress file")
        return (why is None), ([] if why is None else [(shown, why)])
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _copy_folder(dir_fd: int, parts: tuple, dest: Path, skipped: list) -> int:
    """Copy the katas in the folder open as ``dir_fd`` (``parts`` its path from HUB_HOMES, home
    first) and below it to ``dest``; append what was skipped. Returns the number copied."""
    try:
        with os.scandir(dir_fd) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        skipped.append(("/".join(parts), f"folder cannot be listed ({error.strerror or error})"))
        return 0
    copied = 0
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name == COURSE_SOLUTIONS:
            continue
        shown = "/".join(parts + (name,))
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as error:  # gone since the listing
            skipped.append((shown, _unreadable(error)))
            continue
        if stat.S_ISDIR(info.st_mode):
            copied += _copy_subfolder(name, dir_fd, parts + (name,), dest / name, skipped)
        elif not stat.S_ISREG(info.st_mode):  # a link or a special file, whatever its name
            skipped.append((shown, _why_not(info)))
        elif is_kata(name):
            why = _why_not(info) or _copy_kata(name, dir_fd, dest / name)
            if why is None:
                copied += 1
            else:
                skipped.append((shown, why))
    return copied


def _copy_subfolder(name: str, dir_fd: int, parts: tuple, dest: Path, skipped: list) -> int:
    """``_copy_folder`` on sub-folder ``name`` of ``dir_fd``; a folder that cannot be opened is
    reported in ``skipped``."""
    try:
        fd = _open_folder(name, dir_fd)
    except OSError as error:
        skipped.append(("/".join(parts), _unreadable(error, "folder ")))
        return 0
    try:
        return _copy_folder(fd, parts, dest, skipped)
    finally:
        os.close(fd)


# --- SUBMISSIONS: the marker, the lock, the swap ---------------------------------------------

def _check_places(hub_homes: Path, submissions: Path) -> None:
    """Refuse a HUB_HOMES that is not a folder, and two places inside one another."""
    if not hub_homes.exists():
        raise CollectError(f"{hub_homes}: no such folder; pass the folder that holds the learners' "
                           f"home folders (/home on The Littlest JupyterHub)")
    if not hub_homes.is_dir():
        raise CollectError(f"{hub_homes}: a file, not a folder; pass the folder that holds the "
                           f"learners' home folders (/home on The Littlest JupyterHub)")
    homes, target = hub_homes.resolve(), submissions.resolve()
    if target == homes or homes in target.parents:
        raise CollectError(f"{submissions}: inside HUB_HOMES {hub_homes}, whose folders are only "
                           f"ever read; put SUBMISSIONS somewhere else (e.g. /root/class)")
    if target in homes.parents:
        raise CollectError(f"{hub_homes}: inside SUBMISSIONS {submissions}, where learner folders are "
                           f"replaced; put SUBMISSIONS somewhere else (e.g. /root/class)")
    if submissions.exists() and not submissions.is_dir():
        raise CollectError(f"{submissions}: a file, not a folder; pass a new or empty folder, or one "
                           f"an earlier collect wrote")


def read_marker(submissions: Path) -> list:
    """The learner folders an earlier collect made in ``submissions`` (sorted list), [] for a
    new or empty folder. Raises CollectError for a non-empty folder without the marker (not
    ours to write into) or with a marker that cannot be read."""
    if not submissions.exists():
        return []
    marker = submissions / MARKER
    if not marker.is_file():
        present = sorted(p.name for p in submissions.iterdir())
        if not present:
            return []
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise CollectError(f"{submissions}: not empty ({shown}) and not made by cnn-katas collect "
                           f"(no {MARKER} in it); collect into a new or empty folder, so that "
                           f"nothing already there is replaced")
    try:
        learners = json.loads(marker.read_text(encoding="utf-8"))["learners"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CollectError(f"{marker}: cannot be read as collect's list of learners ({error}); "
                           f"collect into a new folder") from error
    if not isinstance(learners, list) or not all(isinstance(name, str) for name in learners):
        raise CollectError(f"{marker}: 'learners' is not a list of names; collect into a new folder")
    return sorted(learners)


def _write_marker(submissions: Path, learners: list) -> None:
    """Write the marker listing ``learners`` (sorted), replacing the old one in one rename."""
    text = json.dumps({"made by": "cnn-katas collect",
                       "about": "cnn-katas collect replaces these learner folders on every collect; "
                                "it never touches anything else here",
                       "learners": sorted(learners)}, indent=1) + "\n"
    fd, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=submissions)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, submissions / MARKER)


def _check_no_foreign_learners(submissions: Path, ours: list, learners: list) -> None:
    """Refuse when a learner's folder exists in SUBMISSIONS but the marker does not list it."""
    foreign = [name for name in learners
               if name not in ours and os.path.lexists(submissions / name)]
    if foreign:
        raise CollectError(f"{submissions / foreign[0]}: exists but was not made by cnn-katas "
                           f"collect ({MARKER} does not list it), and learner {foreign[0]!r} would "
                           f"replace it; move it out of {submissions} and collect again")


def _lock(submissions: Path) -> int:
    """A descriptor of ``submissions`` holding an exclusive lock: one collect at a time."""
    fd = os.open(submissions, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise CollectError(f"{submissions}: another cnn-katas collect is writing it; wait for it to "
                           f"finish") from None
    return fd


def seal(folder: Path) -> None:
    """Make the tree ``folder`` read-only for the grader: files FILE_MODE, folders FOLDER_MODE."""
    for top, dirnames, filenames in os.walk(folder):
        for name in filenames:
            os.chmod(os.path.join(top, name), FILE_MODE, follow_symlinks=False)
        os.chmod(top, FOLDER_MODE)


def remove_tree(path: Path) -> None:
    """Remove a tree this module made, read-only copies included (folders made writable first)."""
    if not os.path.lexists(path):
        return
    if not os.path.isdir(path) or os.path.islink(path):
        os.unlink(path)
        return
    for top, _, _ in os.walk(path):
        os.chmod(top, stat.S_IRWXU)
    shutil.rmtree(path)


def _remove_leftovers(submissions: Path) -> None:
    """Remove the temporary folders and files of a collect that was killed half-way."""
    for path in sorted(submissions.glob(TEMPORARY_PREFIX + "*")):
        remove_tree(path)


def _swap_in(built: Path, target: Path) -> None:
    """Put the finished folder ``built`` at ``target``, replacing an earlier one as a whole."""
    if not os.path.lexists(target):
        os.replace(built, target)
        return
    old = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, dir=target.parent))
    os.replace(target, old / "old")
    os.replace(built, target)
    remove_tree(old)


def collect_learner(hub_homes: Path, home_name: str, target: Path) -> tuple:
    """Copy one learner's katas and progress file from ``hub_homes/home_name`` into a fresh folder
    ``target`` (replacing an earlier copy whole). Returns (notebooks copied, skipped pairs,
    whether a progress file was copied)."""
    built = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, dir=target.parent))
    try:
        copied, skipped = copy_katas(hub_homes, home_name, built)
        has_progress, missed = copy_progress(hub_homes, home_name, built / PROGRESS_COPY)
        skipped += missed
        seal(built)
        _swap_in(built, target)
    except BaseException:
        remove_tree(built)
        raise
    return copied, skipped, has_progress


def collect(hub_homes: Path, submissions: Path) -> Collected:
    """Copy every learner's katas from the home folders in ``hub_homes`` (Path) into
    ``submissions`` (Path) as ``<learner>/<path in the home>``, read-only, modification times
    kept; returns a Collected. Raises CollectError for a missing or empty HUB_HOMES, two places
    inside one another, or a SUBMISSIONS this function did not make."""
    hub_homes, submissions = Path(hub_homes), Path(submissions)
    _check_places(hub_homes, submissions)
    homes, skipped = find_homes(hub_homes)
    learners = [learner for learner, _ in homes]
    ours = read_marker(submissions)
    _check_no_foreign_learners(submissions, ours, learners)
    submissions.mkdir(parents=True, exist_ok=True)
    lock = _lock(submissions)
    try:
        ours = read_marker(submissions)  # again, now that no other collect can change it
        _check_no_foreign_learners(submissions, ours, learners)
        _remove_leftovers(submissions)
        _write_marker(submissions, sorted(set(ours) | set(learners)))  # before any folder appears
        notebooks, empty, progress = 0, [], []
        for learner, home_name in homes:
            copied, missed, has_progress = collect_learner(hub_homes, home_name, submissions / learner)
            notebooks += copied
            skipped += missed
            if copied == 0:
                empty.append(learner)
            if has_progress:
                progress.append(learner)
    finally:
        os.close(lock)
    earlier = sorted(name for name in set(ours) - set(learners)
                     if os.path.lexists(submissions / name))
    return Collected(learners=learners, notebooks=notebooks, skipped=sorted(skipped),
                     submissions=submissions, empty=empty, earlier=earlier, progress=progress)
