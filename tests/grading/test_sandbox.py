"""Hostile learner code, graded: every attack gets `error` saying what happened, and nothing else changes.

One class, one learner per attack (each writes it as their softmax), plus a learner whose answer
is right: the grading of everyone goes on, and the files of the submissions, of the report and
outside them are the same afterwards. The protections come from what the machine allows
(helpers.grade.sandbox.detect); CI installs bubblewrap and sets CNN_KATAS_REQUIRE_SANDBOX=1, so
that there a missing protection fails instead of skipping.
"""
import hashlib
import os
import socket
import threading

import pytest

from helpers.grade import sandbox as sandboxing
from helpers.grade.runner import grade
from tests.grading.answers import RIGHT_SOFTMAX, kata_with, write

BOX = sandboxing.detect()
REQUIRED = os.environ.get("CNN_KATAS_REQUIRE_SANDBOX") == "1"
NOTEBOOK = "02_logits_and_softmax.ipynb"
TIMEOUT = 5  # seconds per exercise: short, but not so short that a busy machine trips it
# The memory hog fills 1 GB page by page; on a loaded 2-core VM that once took over 5 s, so the
# time limit fired first. It is graded on its own with this limit: the memory limit must win.
MEMORY_TIMEOUT = 30


def needs(available: bool, what: str):
    if available:
        return
    if REQUIRED:
        pytest.fail(f"{what} is not available here, but CNN_KATAS_REQUIRE_SANDBOX=1")
    pytest.skip(f"{what} is not available on this machine")


def tree_digest(folder):
    """{relative path: sha256} of every file under folder."""
    digest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


@pytest.fixture(scope="module")
def listener():
    """A TCP server on 127.0.0.1 outside the sandbox, counting the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=2)
    server.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, listener):
    port, accepted = listener
    base = tmp_path_factory.mktemp("attacks")
    submissions, out = base / "class", base / "report"
    victim = base / "victim.txt"
    victim.write_text("an instructor's file outside the class folder")
    other = submissions / "zz_right" / NOTEBOOK
    attacks = {
        "loop": "    while True:\n        pass",
        "c_hang": "    import re\n    return re.match(r'(a+)+$', 'a' * 64 + 'b')",
        "alloc_50gb": "    import numpy\n    return numpy.ones(50 << 30, numpy.uint8)",
        "fork_bomb": "    import os\n    while True:\n        os.fork()",
        "process_bomb": "    import subprocess\n    return [subprocess.Popen(['sleep', '60']) for _ in range(500)]",
        "print_gigabyte": "    for _ in range(100_000):\n        print('x' * 10_000)",
        "os_exit": "    import os\n    os._exit(3)",
        "sys_exit": "    import sys\n    sys.exit(0)",
        "socket": f"    import socket\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)",
        "delete": f"    import os, shutil\n    os.remove({str(victim)!r})\n    shutil.rmtree({str(other.parent)!r})",
        "read_other": f"    return open({str(other)!r}).read()",
        "write_report": f"    import os\n    os.makedirs({str(out)!r}, exist_ok=True)\n"
                        f"    open({str(out / 'grades.csv')!r}, 'w').write('learner\\nmallory,correct')",
        "segfault": "    import ctypes\n    return ctypes.string_at(0)",
    }
    for learner, body in attacks.items():
        write(submissions / learner / NOTEBOOK, kata_with({"softmax": body}))
    write(other, kata_with({"softmax": RIGHT_SOFTMAX}))
    before = tree_digest(submissions)
    graded = grade(submissions, out, jobs=2, timeout=TIMEOUT, progress=False)
    hog = base / "class_memory"
    write(hog / "memory" / NOTEBOOK,
          kata_with({"softmax": "    hoard = []\n    while True:\n        hoard.append(b'x' * (400 << 20))"}))
    hog_graded = grade(hog, base / "report_memory", jobs=1, timeout=MEMORY_TIMEOUT, progress=False)
    every = graded.results + hog_graded.results
    results = {r.learner: r for r in every if r.exercise == "softmax"}
    others = {r.learner: r for r in every if r.exercise == "looks_like_probabilities"}
    return {"results": results, "others": others, "before": before, "after": tree_digest(submissions),
            "victim": victim, "accepted": accepted, "graded": graded, "out": out}


def result(attacked, learner):
    r = attacked["results"][learner]
    assert attacked["others"][learner].status == "not attempted", "the learner's other exercise was graded too"
    return r


def test_the_right_answer_is_graded_whatever_the_others_did(attacked):
    assert attacked["results"]["zz_right"].status == "correct"


@pytest.mark.parametrize("learner, phrase", [
    ("loop", f"still running after {TIMEOUT} s"),
    ("memory", "more than 1 GB of memory"),
    ("alloc_50gb", "MemoryError"),
    ("fork_bomb", "may not start processes"),
    ("sys_exit", "Do not call exit()"),
])
def test_stopped_inside_the_worker_with_a_message(attacked, learner, phrase):
    r = result(attacked, learner)
    assert r.status == "error" and phrase in r.message, r.message


def test_code_that_never_gives_the_interpreter_back_is_killed_by_the_grader(attacked):
    r = result(attacked, "c_hang")
    assert r.status == "error" and f"the grader stopped this exercise after {TIMEOUT} s" in r.message


def test_os_exit_and_a_crash_cost_only_that_exercise(attacked):
    assert "ended the Python process (exit code 3)" in result(attacked, "os_exit").message
    assert "crashed the Python interpreter (SIGSEGV)" in result(attacked, "segfault").message


def test_printing_a_gigabyte_is_counted_not_kept(attacked):
    r = result(attacked, "print_gigabyte")
    assert r.status == "incorrect" and "printed 100,000 lines" in r.message


def test_processes_are_capped(attacked):
    needs(BOX.cgroup_root is not None, "a pids cgroup")
    r = result(attacked, "process_bomb")
    assert r.status == "error" and "BlockingIOError" in r.message and "limits how many processes" in r.message


def test_no_network(attacked):
    needs(BOX.bwrap is not None or BOX.unshare is not None, "a network namespace")
    r = result(attacked, "socket")
    assert r.status == "error" and "no network" in r.message
    assert attacked["accepted"] == []


def test_files_outside_the_working_folder_cannot_be_changed_or_read(attacked):
    needs(BOX.bwrap is not None, "bubblewrap")
    assert attacked["victim"].read_text() == "an instructor's file outside the class folder"
    assert attacked["after"] == attacked["before"]
    assert result(attacked, "delete").status == "error"
    read = result(attacked, "read_other")
    assert read.status == "error" and "No such file" in read.message
    # the report folder is an empty folder of its own inside the sandbox: the write lands there
    assert result(attacked, "write_report").status in ("error", "incorrect")
    assert "mallory" not in (attacked["out"] / "grades.csv").read_text()


def test_the_report_says_which_protections_were_in_force(attacked):
    protections = attacked["graded"].protections
    assert set(protections) == {"network", "files", "processes", "memory", "file size", "time"}
    html = (attacked["out"] / "report.html").read_text(encoding="utf-8")
    assert protections["network"] in html


def test_without_any_tool_the_report_says_what_is_not_protected():
    bare = sandboxing.Sandbox()
    assert bare.command(["python"], workdir=None) == ["python"]
    assert "NOT isolated" in bare.protections()["network"]
    assert "install bubblewrap" in bare.protections()["files"]


def test_a_class_zip_is_hidden_from_the_code_it_holds(tmp_path):
    needs(BOX.bwrap is not None, "bubblewrap")
    import json
    import zipfile

    archive = tmp_path / "submissions.zip"
    body = (f"    data = open({str(archive)!r}, 'rb').read()\n"
            f"    assert data, 'the zip looks empty from here'\n"
            f"    raise RuntimeError(f'read {{len(data)}} bytes of the class')")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("limaana_12345_67890_02_logits_and_softmax.ipynb", json.dumps(kata_with({"softmax": body})))
    graded = grade(archive, tmp_path / "out", jobs=1, timeout=5, progress=False)
    r = {r.exercise: r for r in graded.for_learner("limaana")}["softmax"]
    assert r.status == "error" and "bytes of the class" not in r.message, r.message
    assert any(why in r.message for why in ("looks empty", "Permission denied", "No such file")), r.message


def test_a_course_or_model_cache_under_tmp_stays_readable(tmp_path, monkeypatch):
    # CI clones the course and makes its model cache under /tmp, which the sandbox replaces
    cache = tmp_path / "models"
    cache.mkdir()
    monkeypatch.setenv("CNN_KATAS_CACHE", str(cache))
    argv = sandboxing.Sandbox(bwrap="/usr/bin/bwrap").command(["python"], workdir=tmp_path / "work")
    binds = [tuple(argv[i + 1:i + 3]) for i, arg in enumerate(argv) if arg == "--ro-bind"]
    assert (str(cache.resolve()), str(cache.resolve())) in binds
    assert argv.index("--tmpfs") < argv.index(str(cache.resolve()))
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
