"""Finding a class's submissions: per learner, the one notebook per lesson to grade.

An instructor holds one of three things (``LAYOUTS``), and ``find_submissions`` tells them apart:

- **one folder per learner**, notebooks anywhere under it, as copying each learner's course folder
  off a hub gives: ``ana/cnn-katas/katas/02_logits_and_softmax.ipynb`` (the learner is ``ana``);
- **nbgrader's layout**, ``submitted/<learner>/<assignment>/02_....ipynb``; SUBMISSIONS is the
  ``submitted/`` folder itself or the course root that holds it (only ``submitted/`` is read);
- **an LMS bulk download** (Canvas, Moodle), a folder or a ``.zip`` of flat files
  ``<learner>_<ids...>_02_logits_and_softmax.ipynb``, or Moodle's folder per submission
  ``Ana Lima_12345_assignsubmission_file_/02_logits_and_softmax.ipynb``.

A folder and a zip are read into the same small view first (a ``_Tree``: every visible file with
its path parts and modification time), so the layout rules below never touch the disk and treat
both alike. Hidden files and folders (any part starting with ``.``, such as
``.ipynb_checkpoints/``) and ``__MACOSX/`` are never seen. Symbolic links, special files and
unsafe zip members are never followed or extracted: they are listed in ``Submissions.ignored``.

A notebook belongs to a lesson by its ``NN_`` prefix (``NN`` a key of ``lessons``). When a learner
has two candidates for one lesson, the one used is: the highest LMS resubmission number (``-2``
before ``.ipynb``), then the most recently modified, then the first by name; ``Submissions.notes``
says which and why.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

PER_LEARNER = "per-learner folders"
NBGRADER = "nbgrader submitted/"
LMS = "LMS download (Canvas/Moodle)"
LAYOUTS = (PER_LEARNER, NBGRADER, LMS)

# Refuse a zip whose notebooks would uncompress to more than these (declared and real sizes).
MAX_NOTEBOOK_BYTES = 200 * 2**20
MAX_TOTAL_BYTES = 2 * 2**30

EXPECTED = ("the grader expects one folder per learner (<learner>/**/NN_*.ipynb), nbgrader's "
            "submitted/ folder (submitted/<learner>/<assignment>/NN_*.ipynb), or an LMS download "
            "(files <learner>_<ids>_NN_topic.ipynb, as a folder or a .zip)")

_NBGRADER_TIMESTAMP = "timestamp.txt"
_LMS_ID_WORDS = {"late", "assignsubmission", "file", "onlinetext"}
_MOODLE_FOLDER = re.compile(r"^(?P<learner>[^_]+)_(?P<id>\d+)_assignsubmission_[A-Za-z]+_?$")
_RESUBMISSION = re.compile(r"-(\d+)$")
_CHUNK = 2**20


class SubmissionsError(ValueError):
    """SUBMISSIONS cannot be read as a class: the message names the path, what was found there,
    and what the grader expects."""


@dataclass(frozen=True)
class Handed:
    """One lesson handed in by one learner.

    ``lesson`` is the prefix ("02"); ``path`` the notebook file to read (for a zip, the extracted
    copy under ``workdir``); ``shown`` how the report names it, the POSIX path relative to
    SUBMISSIONS (for a zip, "class.zip:member/path.ipynb"); ``candidates`` every candidate's
    ``shown``, sorted, when there was more than one (else empty).
    """

    learner: str
    lesson: str
    path: Path
    shown: str
    candidates: tuple = ()


@dataclass
class Submissions:
    """What ``find_submissions`` found.

    ``layout`` is one of ``LAYOUTS``; ``root`` SUBMISSIONS resolved; ``learners`` every learner
    found, sorted, even one with no usable notebook; ``handed`` maps every learner to
    {lesson prefix: Handed} (an empty dict for a learner who handed in nothing usable);
    ``notes`` maps a learner to what the report must say about their hand-in (only learners with
    something to say); ``ignored`` lists, sorted, the ``shown`` names of the files seen that match
    no lesson or no layout rule (and of links and unsafe zip members, never read).
    """

    layout: str
    root: Path
    learners: list
    handed: dict
    notes: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)


# --- the view of a folder or a zip ------------------------------------------------------------

@dataclass(frozen=True)
class _File:
    """One visible file: ``parts`` its path relative to SUBMISSIONS (for a zip, to the zip's
    root); ``mtime`` seconds (a file on disk) or a zip ``date_time`` tuple, only ever compared
    within one tree; ``member`` the ZipInfo of a zip member, None for a file on disk."""

    parts: tuple
    mtime: object
    shown: str
    member: object = None


@dataclass
class _Tree:
    """Everything visible in SUBMISSIONS: ``files`` sorted by parts, ``dirs`` the parts of every
    visible folder, ``skipped`` the shown names of links, special files and unsafe zip members,
    ``hidden`` the hidden names at the top, ``unreadable`` (parts, reason) of folders that could
    not be listed."""

    files: list
    dirs: set
    skipped: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)


# A learner's copy of the course (a hub home folder) holds the reference notebooks too, in
# solutions/: they are never a candidate, whatever their file times say.
COURSE_SOLUTIONS = "solutions"


def _is_hidden(parts) -> bool:
    """True for a path inside a hidden folder or naming a hidden file, or inside __MACOSX/."""
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _read_folder(root: Path) -> _Tree:
    """Every visible regular file under ``root`` (no link is followed; links and special files
    go to ``skipped``)."""
    tree = _Tree(files=[], dirs=set())
    errors = []
    for top, dirnames, filenames in os.walk(root, onerror=errors.append):
        rel = Path(top).relative_to(root).parts
        if not rel:
            tree.hidden = sorted(n for n in dirnames + filenames if _is_hidden((n,)))
        for name in sorted(dirnames):
            parts = rel + (name,)
            if _is_hidden(parts):
                dirnames.remove(name)
            elif os.path.islink(os.path.join(top, name)):
                dirnames.remove(name)
                tree.skipped.append("/".join(parts))
            else:
                tree.dirs.add(parts)
        dirnames.sort()
        for name in sorted(filenames):
            parts = rel + (name,)
            if _is_hidden(parts):
                continue
            try:
                info = os.lstat(os.path.join(top, name))
            except OSError as error:  # gone since the listing, or not ours to read
                tree.unreadable.append((parts, error.strerror or str(error)))
                continue
            if stat.S_ISREG(info.st_mode):
                tree.files.append(_File(parts, info.st_mtime, "/".join(parts)))
            else:
                tree.skipped.append("/".join(parts))
    for error in errors:
        if not error.filename:
            continue
        parts = Path(error.filename).relative_to(root).parts
        tree.unreadable.append((parts, error.strerror or str(error)))
    tree.files.sort(key=lambda f: f.parts)
    return tree


def _member_parts(info: zipfile.ZipInfo):
    """The member's path parts, or None when extracting it could write outside the target
    (an absolute path, a drive letter, a ``..`` part) or it is a symbolic link."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        return None
    return parts


def _read_zip(archive: zipfile.ZipFile, zip_name: str) -> _Tree:
    """Every visible member of ``archive`` (a later member of the same name replaces an
    earlier one, as unzip does); unsafe members go to ``skipped``."""
    tree = _Tree(files=[], dirs=set())
    by_parts = {}
    for info in archive.infolist():
        parts = _member_parts(info)
        if parts is None:
            tree.skipped.append(f"{zip_name}:{info.filename}")
            continue
        if not parts:
            continue
        if _is_hidden(parts):
            if _is_hidden(parts[:1]):
                tree.hidden.append(parts[0])
            continue
        folders = parts if info.is_dir() else parts[:-1]
        tree.dirs.update(folders[:i] for i in range(1, len(folders) + 1))
        if not info.is_dir():
            by_parts[parts] = _File(parts, info.date_time, f"{zip_name}:{'/'.join(parts)}", info)
    tree.files = [by_parts[p] for p in sorted(by_parts)]
    tree.hidden = sorted(set(tree.hidden))
    return tree


def _check_zip_sizes(tree: _Tree, zip_path: Path) -> None:
    """Refuse a zip whose notebooks declare more than MAX_NOTEBOOK_BYTES each or
    MAX_TOTAL_BYTES in all."""
    total = 0
    for f in tree.files:
        if not f.parts[-1].endswith(".ipynb"):
            continue
        size = f.member.file_size
        if size > MAX_NOTEBOOK_BYTES:
            raise SubmissionsError(
                f"{zip_path}: member {'/'.join(f.parts)} would uncompress to "
                f"{size:,} bytes, more than the {MAX_NOTEBOOK_BYTES:,} a notebook may have; "
                f"the zip is refused (a zip bomb or not a class download): remove that member "
                f"or download the class again")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise SubmissionsError(
            f"{zip_path}: its notebooks would uncompress to {total:,} bytes, more than the "
            f"{MAX_TOTAL_BYTES:,} a class may have; the zip is refused (a zip bomb or not a "
            f"class download): split the class into smaller zips")


# --- names -----------------------------------------------------------------------------------

def _lesson_of(name: str, lessons: dict):
    """The lesson prefix of a notebook file name ("02_x.ipynb" -> "02"), or None."""
    prefix, sep, _ = name.partition("_")
    if sep and prefix in lessons and name.endswith(".ipynb"):
        return prefix
    return None


def _valid_learner(name: str) -> bool:
    """True for a name that can become a file name (feedback/<learner>.html)."""
    return (name not in ("", ".", "..")
            and not any(bad in name for bad in ("/", "\\", "\0")))


def _is_lms_id(token: str) -> bool:
    """True for the parts Canvas and Moodle put between the learner and the file's own name."""
    return token.isdigit() or token.lower() in _LMS_ID_WORDS


@dataclass(frozen=True)
class _LmsName:
    """A file name an LMS made: ``lesson`` None when the file is not a lesson's notebook;
    ``account`` the first number after the learner (Canvas's and Moodle's user id);
    ``resubmission`` the ``-N`` before ``.ipynb`` (0 when none)."""

    learner: str
    account: str
    lesson: object
    resubmission: int


def _parse_lms_name(name: str, lessons: dict):
    """Read ``<learner>_<ids...>_<file name>`` (at least one numeric id), or None.

    >>> _parse_lms_name("lastfirst_late_12345_67890_02_softmax-1.ipynb", {"02": "02_softmax"})
    _LmsName(learner='lastfirst', account='12345', lesson='02', resubmission=1)
    """
    notebook = name.endswith(".ipynb")
    stem = name[:-len(".ipynb")] if notebook else name
    tokens = stem.split("_")
    learner, account, lesson = tokens[0].strip(), "", None
    for i, token in enumerate(tokens[1:], start=1):
        if token in lessons and i + 1 < len(tokens):  # the file's own name begins here
            lesson = token if notebook else None
            break
        if not _is_lms_id(token):
            break
        if token.isdigit() and not account:
            account = token
    if not account or not _valid_learner(learner):
        return None
    found = _RESUBMISSION.search(stem) if lesson else None
    return _LmsName(learner, account, lesson, int(found.group(1)) if found else 0)


def _moodle_folder(name: str):
    """(learner, account) of a Moodle folder per submission
    ("Ana Lima_12345_assignsubmission_file_"), or None."""
    found = _MOODLE_FOLDER.match(name)
    if not found or not _valid_learner(found.group("learner").strip()):
        return None
    return found.group("learner").strip(), found.group("id")


# --- finding the layout ----------------------------------------------------------------------

def _children(tree: _Tree, base: tuple):
    """(folder names, file names) directly in ``base``, each sorted."""
    n = len(base)
    dirs = sorted(d[n] for d in tree.dirs if len(d) == n + 1 and d[:n] == base)
    files = sorted(f.parts[n] for f in tree.files if len(f.parts) == n + 1 and f.parts[:n] == base)
    return dirs, files


def _under(tree: _Tree, base: tuple) -> list:
    """The files below ``base`` (at any depth), sorted."""
    n = len(base)
    return [f for f in tree.files if len(f.parts) > n and f.parts[:n] == base]


def _folders_with_lessons(tree: _Tree, base: tuple, lessons: dict) -> set:
    """Names of the folders directly in ``base`` with a lesson's notebook somewhere below."""
    n = len(base)
    return {f.parts[n] for f in _under(tree, base)
            if len(f.parts) > n + 1 and _lesson_of(f.parts[-1], lessons)}


def _lms_entries(tree: _Tree, base: tuple, lessons: dict) -> list:
    """Names in ``base`` that only an LMS makes: lesson files with ids, and Moodle folders
    with a lesson's notebook below."""
    dirs, files = _children(tree, base)
    with_lessons = _folders_with_lessons(tree, base, lessons)
    lms_files = [n for n in files if _lms_lesson(n, lessons)]
    moodle = [d for d in dirs if d in with_lessons and _moodle_folder(d)]
    return lms_files + moodle


def _lms_lesson(name: str, lessons: dict):
    """The lesson prefix of a notebook an LMS named, or None."""
    parsed = _parse_lms_name(name, lessons)
    return parsed.lesson if parsed else None


def _detect(tree: _Tree, source: Path, lessons: dict):
    """(layout, base parts) of the tree: where the learners' folders or files are.

    A tree holding nothing but one folder is looked into when that folder holds an LMS
    download or nbgrader's submitted/, and, in a zip, when it holds several folders with
    notebooks (a zipped class folder; a zip of one learner's folder stays one learner).
    """
    if source.is_dir() and source.name == "submitted":
        return NBGRADER, ()
    if ("submitted",) in tree.dirs:
        return NBGRADER, ("submitted",)
    dirs, files = _children(tree, ())
    if len(dirs) == 1 and not files:
        inner = (dirs[0],)
        if inner + ("submitted",) in tree.dirs:
            return NBGRADER, inner + ("submitted",)
        if _lms_entries(tree, inner, lessons):
            return LMS, inner
        if not source.is_dir() and len(_folders_with_lessons(tree, inner, lessons)) > 1:
            return PER_LEARNER, inner  # a zipped class folder: class/<learner>/...
    lms = _lms_entries(tree, (), lessons)
    learners = sorted(d for d in _folders_with_lessons(tree, (), lessons) if d not in lms)
    if lms and learners:
        raise SubmissionsError(
            f"{source}: found both LMS download files ({_examples(lms)}) and learner folders "
            f"({_examples(learners)}); grade them separately: {EXPECTED}")
    if lms:
        return LMS, ()
    if learners:
        return PER_LEARNER, ()
    raise _no_layout_error(tree, source, (), lessons)


def _examples(names, at_most: int = 3) -> str:
    """ "a, b, c, ..." from sorted names."""
    shown = list(names[:at_most]) + (["..."] if len(names) > at_most else [])
    return ", ".join(shown)


def _counted(names, what: str) -> str:
    """ "3 folders (a, b, c)" or "no folders"."""
    if not names:
        return f"no {what}s"
    return f"{len(names)} {what}{'' if len(names) == 1 else 's'} ({_examples(names)})"


def _pattern(lessons: dict) -> str:
    return f"NN_*.ipynb notebook (NN one of {', '.join(sorted(lessons))})"


def _no_layout_error(tree: _Tree, source: Path, base: tuple, lessons: dict) -> SubmissionsError:
    """The error for a tree with no lesson notebook where a layout wants one, naming what is
    there."""
    where = source.joinpath(*base) if source.is_dir() else f"{source}:{'/'.join(base)}".rstrip(":")
    dirs, files = _children(tree, base)
    message = (f"{where}: found {_counted(dirs, 'folder')} and {_counted(files, 'file')}, "
               f"but no {_pattern(lessons)}")
    loose = [n for n in files if _lesson_of(n, lessons)]
    notebooks = [f.shown for f in _under(tree, base) if f.parts[-1].endswith(".ipynb")]
    if loose and not dirs:
        message += (" in a learner's folder; these look like one learner's notebooks: put them "
                    "in a folder named after the learner and pass the folder that holds it")
    elif notebooks:
        message += f" where a layout expects one (the .ipynb files found: {_examples(notebooks)})"
    return SubmissionsError(f"{message}; {EXPECTED}")


# --- candidates, per layout ------------------------------------------------------------------

@dataclass(frozen=True)
class _Candidate:
    """A notebook that may be ``learner``'s hand-in of ``lesson``."""

    learner: str
    lesson: str
    file: _File
    resubmission: int = 0


@dataclass
class _Found:
    """What one layout's rules make of a tree, before choosing among candidates."""

    learners: set = field(default_factory=set)
    candidates: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def _collect_folders(tree: _Tree, base: tuple, lessons: dict, nbgrader: bool) -> _Found:
    """Learners are the folders in ``base``; their notebooks are anywhere below them."""
    found = _Found()
    n = len(base)
    dirs, _ = _children(tree, base)
    found.learners.update(d for d in dirs if _valid_learner(d))
    for f in _under(tree, base):
        rel = f.parts[n:]
        if nbgrader and rel[-1] == _NBGRADER_TIMESTAMP:
            continue
        lesson = _lesson_of(rel[-1], lessons)
        if COURSE_SOLUTIONS in rel[1:-1]:
            continue  # a copy of the course's own reference notebooks, never the learner's work
        if len(rel) > 1 and rel[0] in found.learners and lesson:
            found.candidates.append(_Candidate(rel[0], lesson, f))
        elif rel[-1].endswith(".ipynb"):  # a course folder holds many other files: name only notebooks
            found.ignored.append(f.shown)
    for parts, reason in tree.unreadable:
        if len(parts) > n and parts[:n] == base and parts[n] in found.learners:
            found.notes.setdefault(parts[n], []).append(
                f"could not read {'/'.join(parts)}: {reason}")
    return found


def _collect_lms(tree: _Tree, base: tuple, lessons: dict) -> _Found:
    """Learners and lessons from the names of the files in ``base`` (and of Moodle's
    folders per submission there); other files are ignored."""
    found = _Found()
    accounts = {}
    n = len(base)
    dirs, _ = _children(tree, base)
    for d in dirs:
        moodle = _moodle_folder(d)
        if moodle:
            found.learners.add(moodle[0])
            accounts.setdefault(moodle[0], set()).add(moodle[1])
    for f in _under(tree, base):
        rel = f.parts[n:]
        if len(rel) == 1:
            lms = _parse_lms_name(rel[0], lessons)
            if lms:
                found.learners.add(lms.learner)
                accounts.setdefault(lms.learner, set()).add(lms.account)
            if lms and lms.lesson:
                found.candidates.append(_Candidate(lms.learner, lms.lesson, f, lms.resubmission))
                continue
        else:
            moodle = _moodle_folder(rel[0])
            lesson = _lesson_of(rel[-1], lessons)
            if moodle and lesson:
                found.candidates.append(_Candidate(moodle[0], lesson, f))
                continue
        found.ignored.append(f.shown)
    for learner, ids in accounts.items():
        if len(ids) > 1:
            found.notes.setdefault(learner, []).append(
                f"files from {len(ids)} LMS accounts ({', '.join(sorted(ids))}) share this name: "
                f"they are graded as one learner")
    return found


def _choose(candidates: list):
    """(the candidate to grade, the note saying why, or "" when there was only one).

    Highest resubmission number first, then the most recent modification time, then the first
    ``shown`` name.
    """
    ordered = sorted(candidates, key=lambda c: c.file.shown)
    ordered.sort(key=lambda c: (c.resubmission, c.file.mtime), reverse=True)
    winner, rivals = ordered[0], ordered[1:]
    if not rivals:
        return winner, ""
    rank = (winner.resubmission, winner.file.mtime)
    if any((r.resubmission, r.file.mtime) == rank for r in rivals):
        reason = "same modification time; the first by name"
    elif all(r.resubmission < winner.resubmission for r in rivals):
        reason = f"the highest resubmission number, -{winner.resubmission}"
    else:
        reason = "modified most recently"
    labels = _labels([c.file.parts for c in ordered])
    used = labels[winner.file.parts]
    listed = ", ".join(sorted(labels.values()))
    return winner, f"{winner.lesson}: {len(ordered)} candidates ({listed}); used {used} ({reason})"


def _labels(paths: list) -> dict:
    """Short names for the note: each path relative to the folder the paths share."""
    common = 0
    parents = [p[:-1] for p in paths]
    while all(len(p) > common and p[common] == parents[0][common] for p in parents):
        common += 1
    return {p: "/".join(p[common:]) for p in paths}


# --- zips ------------------------------------------------------------------------------------

def _extract(archive: zipfile.ZipFile, f: _File, dest: Path, budget: list, zip_path: Path) -> None:
    """Copy member ``f`` to ``dest``, stopping when the real data passes a limit.

    ``budget`` is a one-item list holding the bytes the class may still take.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(f.member) as source, open(dest, "wb") as out:
            while True:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                budget[0] -= len(chunk)
                if written > MAX_NOTEBOOK_BYTES or budget[0] < 0:
                    raise SubmissionsError(
                        f"{zip_path}: member {'/'.join(f.parts)} uncompresses to more than it "
                        f"declares and passes the limit ({MAX_NOTEBOOK_BYTES:,} bytes a notebook, "
                        f"{MAX_TOTAL_BYTES:,} a class); the zip is refused: download it again")
                out.write(chunk)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError,
            ValueError) as error:
        raise SubmissionsError(
            f"{zip_path}: member {'/'.join(f.parts)} could not be extracted ({error}); the zip "
            f"is damaged, encrypted or compressed in a way Python cannot read: download it "
            f"again, or unzip it yourself and pass the folder") from error


def _safe_file_name(f: _File, lesson_stem: str) -> str:
    """The member's own file name, unless it is too long for a file system."""
    name = f.parts[-1]
    return name if len(name.encode("utf-8", "replace")) <= 200 else f"{lesson_stem}.ipynb"


def _open_zip(path: Path) -> zipfile.ZipFile:
    """``path`` opened as a zip, or a SubmissionsError saying what it is instead."""
    if path.suffix == ".ipynb":
        raise SubmissionsError(
            f"{path} is a single notebook; pass the folder or .zip that holds the class: "
            f"{EXPECTED}")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        kind = "a .zip" if path.suffix.lower() == ".zip" else "a folder or a .zip"
        raise SubmissionsError(
            f"{path} is a file but not a readable zip archive ({error}); {EXPECTED}. If it is "
            f"{kind} download, it is truncated or corrupt: download it again") from error


# --- the whole ------------------------------------------------------------------------------

def find_submissions(path, lessons: dict, workdir: Path) -> Submissions:
    """Find, per learner, the one notebook per lesson to grade in SUBMISSIONS ``path``.

    ``path`` is a folder (any layout in ``LAYOUTS``) or a zip (read like a folder); ``lessons``
    maps each prefix to its lesson stem ({"02": "02_logits_and_softmax", ...}); ``workdir`` an
    existing empty folder the caller owns, where the notebooks used from a zip are extracted.
    Raises SubmissionsError naming what was found when ``path`` is missing, empty, matches no
    layout, or is a corrupt, oversized or non-zip file.
    """
    source = Path(path).expanduser().resolve()
    if not source.exists():
        raise SubmissionsError(f"{path}: no such file or folder; {EXPECTED}")
    if source.is_dir():
        try:
            os.listdir(source)
        except OSError as error:
            raise SubmissionsError(f"{source}: cannot be read ({error.strerror})") from error
        return _from_tree(_read_folder(source), source, lessons, archive=None, workdir=workdir)
    with _open_zip(source) as archive:
        tree = _read_zip(archive, source.name)
        _check_zip_sizes(tree, source)
        return _from_tree(tree, source, lessons, archive=archive, workdir=Path(workdir))


def _from_tree(tree: _Tree, source: Path, lessons: dict, archive, workdir: Path) -> Submissions:
    """Detect the layout, collect candidates, choose one per learner and lesson."""
    if not tree.files and not tree.dirs:
        what = "folder" if archive is None else "zip"
        found = (f"only hidden files and folders ({_examples(tree.hidden)})" if tree.hidden
                 else "nothing")
        raise SubmissionsError(f"{source}: the {what} is empty (found {found}); {EXPECTED}")
    layout, base = _detect(tree, source, lessons)
    if layout == LMS:
        found = _collect_lms(tree, base, lessons)
    else:
        found = _collect_folders(tree, base, lessons, nbgrader=layout == NBGRADER)
    if not found.candidates:
        raise _no_layout_error(tree, source, base, lessons)
    return _choose_all(found, layout, source, lessons, tree.skipped, archive, workdir)


def _choose_all(found: _Found, layout: str, source: Path, lessons: dict, skipped: list,
                archive, workdir: Path) -> Submissions:
    """One Handed per learner and lesson (extracting it when it is a zip member)."""
    by_lesson = {}
    for c in found.candidates:
        by_lesson.setdefault((c.learner, c.lesson), []).append(c)
    learners = sorted(found.learners)
    handed = {learner: {} for learner in learners}
    notes = {learner: list(found.notes.get(learner, [])) for learner in learners}
    budget = [MAX_TOTAL_BYTES]
    for index, key in enumerate(sorted(by_lesson)):
        winner, note = _choose(by_lesson[key])
        if archive is None:
            file_path = source.joinpath(*winner.file.parts)
        else:
            stem = lessons[winner.lesson]
            file_path = workdir / f"{index:04d}" / _safe_file_name(winner.file, stem)
            _extract(archive, winner.file, file_path, budget, source)
        candidates = tuple(sorted(c.file.shown for c in by_lesson[key])) if note else ()
        handed[winner.learner][winner.lesson] = Handed(
            winner.learner, winner.lesson, file_path, winner.file.shown, candidates)
        if note:
            notes[winner.learner].append(note)
    return Submissions(
        layout=layout, root=source, learners=learners, handed=handed,
        notes={learner: lines for learner, lines in notes.items() if lines},
        ignored=sorted(found.ignored + skipped))
