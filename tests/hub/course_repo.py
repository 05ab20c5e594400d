"""Small git repositories for tests: an upstream course, and commits to it.

Every commit gets the same author and a date derived from the number of commits before it, so a
repository built twice from the same files has the same commit ids. Git runs with no system or
global configuration, so the machine's git settings change nothing.

    upstream = make_upstream(tmp_path / "course", {"katas/02.ipynb": text})
    commit(upstream, {"katas/09_new.ipynb": other}, "Add kata 09")
    commit(upstream, {}, "Retire kata 03", delete=["katas/03.ipynb"])
"""
import os
import subprocess
from pathlib import Path

BRANCH = "main"
AUTHOR = ("Course Author", "author@example.org")
FIRST_DATE = 1_700_000_000  # 2023-11-14 22:13:20 UTC, seconds since the epoch
DATE_STEP = 60  # seconds between consecutive commits


def hermetic_git_env(date=None):
    """Environment for git: no system or global config, a fixed identity, optionally a fixed date.

    date: int seconds since the epoch, or None to leave the dates to git.
    Returns a new dict (a copy of os.environ with the git variables set).
    """
    env = dict(os.environ, LANG="C", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1],
               GIT_COMMITTER_NAME=AUTHOR[0], GIT_COMMITTER_EMAIL=AUTHOR[1])
    if date is not None:
        stamp = f"{date} +0000"
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    return env


def git(repo, *args, date=None):
    """Run `git -C repo ARGS...` hermetically and return its standard output as str.

    repo: Path or str of a working tree. date: as for hermetic_git_env.
    Raises RuntimeError naming the repository, the command and git's own message when git fails.
    """
    command = ["git", "-C", str(repo), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=hermetic_git_env(date))
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed with exit code {done.returncode} "
                           f"in {repo}:\n{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def write_files(root, files):
    """Write files under root, creating folders as needed.

    root: Path. files: dict of relative path (str, "/"-separated) to content (str, written as UTF-8
    exactly as given, or bytes). Raises ValueError for a path that is absolute or leaves root.
    """
    root = Path(root)
    for relative, content in files.items():
        target = root / relative
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"file path {relative!r} must be relative and stay inside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            with open(target, "w", encoding="utf-8", newline="") as stream:
                stream.write(content)


def next_commit_date(repo):
    """The fixed date (int, seconds since the epoch) for the next commit in repo (a Path)."""
    count = int(git(repo, "rev-list", "--count", "HEAD")) if _has_head(repo) else 0
    return FIRST_DATE + DATE_STEP * count


def _has_head(repo):
    """True when repo (a Path) has at least one commit."""
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", "HEAD"],
                          capture_output=True, text=True, env=hermetic_git_env())
    return done.returncode == 0


def make_upstream(path, files):
    """A new git repository at path with files committed on branch main; returns its Path.

    path: Path of a folder that does not exist yet or is empty. files: dict as for write_files.
    Raises FileExistsError when path already holds files (pick a fresh folder, e.g. under tmp_path).
    """
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty; make_upstream needs a new or empty folder")
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch", BRANCH)
    commit(path, files, "Initial course")
    return path


def commit(repo, files, message, delete=()):
    """Write files, delete the paths in delete, commit everything to repo; returns the commit id.

    repo: Path made by make_upstream. files: dict as for write_files (may be empty).
    message: str commit message. delete: iterable of relative paths (str) tracked in repo.
    Raises RuntimeError (from git) when a path in delete is not tracked, or nothing changed.
    """
    repo = Path(repo)
    write_files(repo, files)
    for relative in delete:
        git(repo, "rm", "--quiet", "--", relative)
    git(repo, "add", "--all")
    git(repo, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", message,
        date=next_commit_date(repo))
    return git(repo, "rev-parse", "HEAD").strip()
