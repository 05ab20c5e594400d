"""A workshop on a real JupyterHub: 8 learners at once pull the course, run kata 02, and are graded.

The hub runs on 127.0.0.1 (tests/hub/hubtest.py). Through its REST API the test creates 8 learners
and starts their servers at once; each pulls the course through nbgitpuller's own endpoint (what
the nbgitpuller link made by deploy/nbgitpuller-link.py does), opens kata 02 through their server's contents API, plants an answer
(right, a known mistake, or blank), runs every cell in a real kernel of their server over its
websocket, and saves. Then `collect` copies the hub's home folders into the grader's layout and
`grade` grades them: every learner's grades must be the planted ones, and what the grader says
must be what the learner's own check cell said in their kernel. The hub and everything it
started are stopped at the end, whatever happens.

Needs the hub requirements (requirements-hub.txt) and configurable-http-proxy from npm; skipped
without them unless CNN_KATAS_REQUIRE_HUB=1 (the README's hub-test command sets it).
"""
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CNN_KATAS_REQUIRE_HUB") == "1"
for module in ("jupyterhub", "nbgitpuller", "websocket"):
    if REQUIRED:
        __import__(module)
    else:
        pytest.importorskip(module)

from tests.grading.answers import NAIVE_SOFTMAX, RIGHT_SOFTMAX, ROOT, make_class  # noqa: E402
from tests.hub.hubtest import Hub, find_proxy, marked_processes, pull_link  # noqa: E402

if find_proxy() is None and not REQUIRED:
    pytest.skip("configurable-http-proxy is not installed (npm install --prefix .hub configurable-http-proxy)",
                allow_module_level=True)

COURSE = "cnn-output-katas"
KATA = f"{COURSE}/katas/02_logits_and_softmax.ipynb"


def git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "course", "GIT_AUTHOR_EMAIL": "course@example.org",
           "GIT_COMMITTER_NAME": "course", "GIT_COMMITTER_EMAIL": "course@example.org"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def upstream_course(folder: Path) -> Path:
    """The course as a git repository (its katas), as learners would pull it from GitHub."""
    repo = folder / COURSE
    (repo / "katas").mkdir(parents=True)
    for kata in sorted((ROOT / "katas").glob("[0-9][0-9]_*.ipynb")):
        (repo / "katas" / kata.name).write_bytes(kata.read_bytes())
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the course")
    return repo


def planted_answers() -> dict:
    """learner -> {exercise: (body or None for blank, (status, mistake))}."""
    from helpers.exercises.core import get_exercise

    looks = get_exercise("looks_like_probabilities")
    softmax = get_exercise("softmax")
    wrong_looks = make_class.plantable_mistakes("looks_like_probabilities")
    wrong_softmax = make_class.plantable_mistakes("softmax")
    right_looks = (make_class.right_body(looks), ("correct", ""))
    blank = (None, ("not attempted", ""))

    def wrong(exercise, mistakes, i):
        mistake_id, status = mistakes[i % len(mistakes)]
        return make_class.wrong_body(exercise, mistake_id), (status, mistake_id)

    return {
        "ana": {"softmax": (RIGHT_SOFTMAX, ("correct", "")), "looks_like_probabilities": right_looks},
        "ben": {"softmax": (NAIVE_SOFTMAX, ("incorrect", "softmax.overflow")), "looks_like_probabilities": right_looks},
        "cai": {"softmax": blank, "looks_like_probabilities": blank},
        "dan": {"softmax": (RIGHT_SOFTMAX, ("correct", "")), "looks_like_probabilities": wrong(looks, wrong_looks, 0)},
        "eva": {"softmax": wrong(softmax, wrong_softmax, 1), "looks_like_probabilities": right_looks},
        "fay": {"softmax": wrong(softmax, wrong_softmax, 2), "looks_like_probabilities": blank},
        "gus": {"softmax": (make_class.right_body(softmax), ("correct", "")),
                "looks_like_probabilities": wrong(looks, wrong_looks, 1)},
        "hal": {"softmax": wrong(softmax, wrong_softmax, 0), "looks_like_probabilities": wrong(looks, wrong_looks, 2)},
    }


def plant(notebook: dict, answers: dict) -> dict:
    for cell in notebook["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for name, (body, _) in answers.items():
            if body is not None and cell["cell_type"] == "code" and f"def {name}(" in text:
                cell["source"] = make_class.plant(text, name, body)
    return notebook


def check_output(notebook: dict, exercise: str) -> str:
    """The text the learner's own `check("exercise", ...)` cell printed in their kernel."""
    for cell in notebook["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and text.strip().startswith(f'check("{exercise}"'):
            return json.dumps(cell["outputs"])
    raise AssertionError(f"no check cell for {exercise}")


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    from helpers.grade.collect import collect
    from helpers.grade.runner import grade
    from helpers.models.cache import cache_dir

    base = tmp_path_factory.mktemp("hub")
    repo = upstream_course(base / "upstream")
    answers = planted_answers()
    hub = Hub(base / "hub", base / "homes", environment={"CNN_KATAS_CACHE": str(cache_dir().resolve())})
    with hub:
        learners = [hub.add_learner(name) for name in answers]
        with ThreadPoolExecutor(len(learners)) as pool:
            spawn_seconds = list(pool.map(lambda learner: learner.start_server(), learners))
            link = pull_link(hub.url, str(repo), notebook="katas/02_logits_and_softmax.ipynb")
            list(pool.map(lambda learner: learner.follow_pull_link(link), learners))

            def run(learner):
                notebook = plant(learner.get_notebook(KATA), answers[learner.name])
                return learner.name, learner.run_notebook(KATA, notebook)

            executed = dict(pool.map(run, learners))
        marker = hub.marker
    leftovers = marked_processes(marker)
    collected = collect(base / "homes", base / "submissions")
    graded = grade(base / "submissions", base / "report", jobs=2, progress=False)
    return {"answers": answers, "executed": executed, "graded": graded, "collected": collected,
            "submissions": base / "submissions",
            "leftovers": leftovers, "spawn_seconds": spawn_seconds, "homes": base / "homes"}


def test_every_learner_pulled_the_course_into_their_own_home(workshop):
    for learner in workshop["answers"]:
        katas = sorted(p.name for p in (workshop["homes"] / learner / COURSE / "katas").glob("*.ipynb"))
        assert katas == sorted(p.name for p in (ROOT / "katas").glob("[0-9][0-9]_*.ipynb"))


def test_the_grades_are_the_planted_ones(workshop):
    graded = {(r.learner, r.exercise): (r.status, r.mistake) for r in workshop["graded"].results}
    assert workshop["graded"].learners == sorted(workshop["answers"])
    for learner, answers in workshop["answers"].items():
        for exercise, (_, planted) in answers.items():
            assert graded[(learner, exercise)] == planted, (learner, exercise)
        others = {status for (who, exercise), (status, _) in graded.items()
                  if who == learner and exercise not in answers}
        assert others == {"not attempted"}  # the other katas were pulled, and left blank


def test_the_grader_says_what_the_learners_own_check_said(workshop):
    for learner, answers in workshop["answers"].items():
        for exercise, (_, (status, _)) in answers.items():
            assert f"{exercise}: {status}" in check_output(workshop["executed"][learner], exercise), (learner, exercise)


def test_collect_copied_every_learner(workshop):
    assert workshop["collected"].learners == sorted(workshop["answers"])


def test_the_hub_and_every_server_and_kernel_are_gone(workshop):
    assert workshop["leftovers"] == []


def test_kernels_talked_over_unix_sockets_in_the_learners_home(workshop):
    # deploy/jupyter_server_config.py: TCP port picks collide when many learners start kernels
    for learner in workshop["answers"]:
        assert (workshop["homes"] / learner / ".jk").is_dir(), learner


def test_collect_brought_every_learners_progress_file(workshop):
    # the learners' own checks, in their kernels, recorded into their homes (helpers.progress)
    from helpers.progress import class_progress

    assert workshop["collected"].progress == sorted(workshop["answers"])
    rows = {row.split()[0]: row for row in class_progress(workshop["submissions"]).splitlines()[1:]}
    assert set(rows) == set(workshop["answers"])
    assert "softmax.overflow" in rows["ben"]
