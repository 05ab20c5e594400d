"""Where learner code runs when it is graded: a worker process with limits, in a sandbox.

Each learner's code runs in a worker process of its own, never in the grader. What protects
the machine and the other learners depends on what the machine allows, found out by trying:

- **files and network**: bubblewrap (``bwrap``, Debian/Ubuntu package ``bubblewrap``) runs the
  worker with the whole file system read-only, a private empty ``/tmp``, the submissions, the
  report and the grader's staging folder hidden, a fresh working folder as the only writable
  place, its own network namespace (not even 127.0.0.1 answers) and its own process namespace
  (everything it started dies with it). Without bwrap, ``unshare -n`` still takes the network
  away (as root); the files are then protected only by the worker's working folder.
- **processes**: a ``pids`` cgroup per worker caps how many processes and threads it may have
  (where /sys/fs/cgroup is writable); otherwise RLIMIT_NPROC, which Linux does not enforce for
  root. The worker also makes ``os.fork`` refuse with a clear message.
- **memory, CPU time, file size**: resource limits the worker sets on itself before any learner
  code runs (RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE), always.

:func:`detect` returns what is available; :meth:`Sandbox.protections` says it in words for the
report; :meth:`Sandbox.command` wraps the worker's command line.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

PIDS_MAX = 64  # processes and threads of one worker (numpy, OpenCV and the watchdog need a few)
MEMORY_LIMIT = 4 << 30  # bytes of address space a worker may add once it has imported the course
FILE_SIZE_LIMIT = 64 << 20  # bytes: the largest file learner code may write
CGROUP_V1_PIDS = Path("/sys/fs/cgroup/pids")
CGROUP_V2 = Path("/sys/fs/cgroup")


def _works(argv: list) -> bool:
    """True when ``argv`` runs and exits 0 (a probe: may the sandbox tool work here?)."""
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _pids_cgroup_root() -> Optional[Path]:
    """A cgroup folder under which this process may create cgroups with ``pids.max``."""
    candidates = [CGROUP_V1_PIDS]
    if "pids" in _read(CGROUP_V2 / "cgroup.controllers").split():
        candidates.append(CGROUP_V2)
    for root in candidates:
        probe = root / f"cnn-katas-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            (probe / "pids.max").write_text("8")
            return root
        except OSError:
            continue
        finally:
            try:
                probe.rmdir()
            except OSError:
                pass
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@dataclass
class Sandbox:
    """The protections this machine allows, and how to start a worker inside them.

    ``hidden`` lists folders learner code must not see (the submissions, the report, the
    grader's staging folder); bwrap mounts an empty folder over each.
    """

    bwrap: Optional[str] = None
    unshare: Optional[list] = None  # the unshare command that takes the network away
    cgroup_root: Optional[Path] = None
    hidden: list = field(default_factory=list)
    memory_limit: int = MEMORY_LIMIT
    file_size_limit: int = FILE_SIZE_LIMIT

    @property
    def root(self) -> bool:
        return os.geteuid() == 0

    def protections(self) -> dict:
        """Per kind of protection, what is in force, in words for the report."""
        if self.bwrap:
            network = "none: own network namespace (bubblewrap)"
            files = ("read-only file system, private /tmp, submissions and report hidden, a fresh "
                     "working folder (bubblewrap)")
            visible = [str(p) for p in self.hidden if Path(p).is_dir() and _contains_python(Path(p))]
            if visible:
                files += (f"; but {', '.join(visible)} could not be hidden, as it holds the Python "
                          f"environment: keep submissions and reports outside it")
        elif self.unshare:
            network = "none: own network namespace (unshare -n)"
            files = ("NOT isolated: install bubblewrap (apt-get install bubblewrap); learner code "
                     "runs in a fresh working folder but could read or change other files")
        else:
            network = "NOT isolated: neither bubblewrap nor unshare -n works here"
            files = ("NOT isolated: install bubblewrap (apt-get install bubblewrap); learner code "
                     "runs in a fresh working folder but could read or change other files")
        if self.cgroup_root is not None:
            processes = f"at most {PIDS_MAX} processes and threads (pids cgroup); os.fork refused"
        elif self.root:
            processes = "os.fork refused; NO process limit (RLIMIT_NPROC is not enforced for root)"
        else:
            processes = "os.fork refused; RLIMIT_NPROC"
        return {
            "network": network,
            "files": files,
            "processes": processes,
            "memory": f"{self.memory_limit >> 30} GB of address space (RLIMIT_AS); 1 GB per call (checker)",
            "file size": f"{self.file_size_limit >> 20} MB per file (RLIMIT_FSIZE)",
            "time": "a wall-clock limit per exercise (--timeout), 10 s per case (checker), RLIMIT_CPU",
        }

    def command(self, argv: list, workdir: Path) -> list:
        """``argv`` wrapped in the sandbox, to run with ``workdir`` as its only writable folder."""
        if self.bwrap:
            wrapped = [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                       "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
            for path in _needed_paths():  # a course checked out (or a model cache made) under /tmp
                if any(path == p or p in path.parents for p in (Path("/tmp"), Path("/dev/shm"))):
                    wrapped += ["--ro-bind", str(path), str(path)]
            for path in self.hidden:
                if Path(path).is_file():  # a class's .zip: an empty file in its place
                    wrapped += ["--ro-bind", "/dev/null", str(path)]
                elif Path(path).is_dir() and not _contains_python(Path(path)):
                    wrapped += ["--tmpfs", str(path)]
            wrapped += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir),
                        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                        "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--"]
            return wrapped + argv
        if self.unshare:
            return [*self.unshare, "--", *argv]
        return list(argv)

    # -- cgroups: one per worker ------------------------------------------------ #
    def new_cgroup(self, name: str) -> Optional[Path]:
        """A fresh pids cgroup for one worker, or None when cgroups are not available."""
        if self.cgroup_root is None:
            return None
        group = self.cgroup_root / name
        try:
            group.mkdir(exist_ok=True)
            (group / "pids.max").write_text(str(PIDS_MAX))
        except OSError:
            return None
        return group

    @staticmethod
    def enter_cgroup_argv(group: Optional[Path], argv: list) -> list:
        """``argv`` started by a shell that first moves itself into ``group``."""
        if group is None:
            return argv
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(group / "cgroup.procs"), *argv]

    @staticmethod
    def remove_cgroup(group: Optional[Path]) -> None:
        """Kill whatever is left in ``group`` and remove it."""
        if group is None:
            return
        for _ in range(50):
            pids = [int(p) for p in _read(group / "cgroup.procs").split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pass
        try:
            group.rmdir()
        except OSError:
            pass


def _needed_paths() -> list:
    """The folders a worker must read: the interpreter, its packages, the course, the model cache.

    Resolved, existing, and none inside another (the outermost of nested ones is kept)."""
    import helpers

    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, Path(helpers.__file__).parent.parent,
                  os.environ.get("CNN_KATAS_CACHE", ""), *sys.path]
    paths = set()
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate).resolve()
        if path.is_dir():
            paths.add(path)
        elif path.is_file():  # a zipped standard library, an .egg
            paths.add(path.parent)
    return sorted(p for p in paths if not any(q in p.parents for q in paths))


def _contains_python(folder: Path) -> bool:
    """True when hiding ``folder`` would hide the interpreter, its packages, the course or its models."""
    folder = folder.resolve()
    return any(folder == p or folder in p.parents for p in _needed_paths())


def detect(hidden: list = ()) -> Sandbox:
    """Try each protection on this machine; the Sandbox of those that work."""
    sandbox = Sandbox(hidden=[Path(h).resolve() for h in hidden])
    bwrap = shutil.which("bwrap")
    if bwrap and _works([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                         "--unshare-net", "--unshare-pid", "--die-with-parent", "--", "true"]):
        sandbox.bwrap = bwrap
    else:
        unshare = shutil.which("unshare")
        for argv in ([unshare, "-n"], [unshare, "-r", "-n"]) if unshare else ():
            if _works([*argv, "--", "true"]):
                sandbox.unshare = argv
                break
    sandbox.cgroup_root = _pids_cgroup_root()
    return sandbox
