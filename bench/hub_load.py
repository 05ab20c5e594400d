"""Benchmark: N learners arriving at once on a real JupyterHub, each running kata 02 top to bottom.

    .venv/bin/python bench/hub_load.py                 # N = 4, 8, 16, 32
    .venv/bin/python bench/hub_load.py --learners 4 8  # some of them

Needs the hub requirements and configurable-http-proxy (the README's hub-test command installs
both). For each N a fresh hub on 127.0.0.1 (tests/hub/hubtest.py, the same as the hub test):
N learners are created, their servers started at once, each pulls the course with nbgitpuller
and runs every cell of kata 02 in a kernel of their server (all at once). Reported: seconds to a
running server (median, worst), seconds to finish the notebook (median, p95), memory per learner
(the peak of the learners' servers and kernels together, as PSS so that shared libraries count
once, divided by N) and failures (a server that did not start, a pull that failed, a cell that
raised, a notebook that did not finish in 10 minutes). Not a test: it measures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hub.hubtest import Hub, marked_processes  # noqa: E402
from tests.hub.test_hub_workshop import KATA, upstream_course  # noqa: E402


def pss_bytes(pids: list) -> int:
    """Proportional set size of these processes together (shared pages split between them)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


class MemoryWatch(threading.Thread):
    """Samples the PSS of the learners' servers and kernels every half second; keeps the peak."""

    def __init__(self, hub: Hub):
        super().__init__(daemon=True)
        self.hub, self.peak, self.stopped = hub, 0, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            pids = [p for p in marked_processes(self.hub.marker) if p != self.hub.process.pid]
            pids = [p for p in pids if _is_learner_process(p)]
            self.peak = max(self.peak, pss_bytes(pids))
            self.stopped.wait(0.5)


def _is_learner_process(pid: int) -> bool:
    """A single-user server or a kernel (not the hub, not the proxy)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"jupyterhub-singleuser" in command or b"ipykernel" in command


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def one_learner(learner, repo: str) -> dict:
    """Start, pull, run kata 02; the learner's timings and what went wrong."""
    outcome = {"name": learner.name, "spawn": None, "finish": None, "failure": ""}
    started = time.monotonic()
    try:
        outcome["spawn"] = learner.start_server(timeout=600)
        learner.pull(repo)
        notebook = learner.run_notebook(KATA, learner.get_notebook(KATA), timeout=600)
        errors = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]
                  if o["output_type"] == "error"]
        if errors:
            outcome["failure"] = f"a cell raised {errors[0]['ename']}: {errors[0]['evalue']}"[:200]
        outcome["finish"] = time.monotonic() - started
    except Exception as exc:  # a failure is a result here, reported in the table
        outcome["failure"] = f"{type(exc).__name__}: {exc}"[:200]
    return outcome


def measure(n: int, base: Path) -> dict:
    from helpers.models.cache import cache_dir

    repo = upstream_course(base / f"upstream-{n}")
    hub = Hub(base / f"hub-{n}", base / f"homes-{n}", environment={"CNN_KATAS_CACHE": str(cache_dir().resolve())})
    with hub:
        learners = [hub.add_learner(f"learner{i:02d}") for i in range(n)]
        watch = MemoryWatch(hub)
        watch.start()
        with ThreadPoolExecutor(n) as pool:
            outcomes = list(pool.map(lambda learner: one_learner(learner, str(repo)), learners))
        watch.stopped.set()
        watch.join()
    spawns = [o["spawn"] for o in outcomes if o["spawn"] is not None]
    finishes = [o["finish"] for o in outcomes if o["finish"] is not None and not o["failure"]]
    return {"n": n, "spawn_median": statistics.median(spawns) if spawns else float("nan"),
            "spawn_worst": max(spawns) if spawns else float("nan"),
            "finish_median": statistics.median(finishes) if finishes else float("nan"),
            "finish_p95": percentile(finishes, 0.95) if finishes else float("nan"),
            "memory_per_learner": watch.peak / n, "failures": [o for o in outcomes if o["failure"]]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--keep", type=Path, help="keep the hubs' folders (logs, homes) here")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs; kata 02 top to bottom per learner, all learners at once")
    print("| learners | server ready, median / worst (s) | kata 02 done, median / p95 (s) | memory per learner (MB) | failures |")
    print("|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnn-katas-hub-load-") as tmp:
        for n in args.learners:
            row = measure(n, args.keep or Path(tmp))
            rows.append(row)
            print(f"| {n} | {row['spawn_median']:.1f} / {row['spawn_worst']:.1f} | {row['finish_median']:.1f} / "
                  f"{row['finish_p95']:.1f} | {row['memory_per_learner'] / 2**20:.0f} | {len(row['failures'])} |",
                  flush=True)
            for failure in row["failures"][:3]:
                print(f"    {failure['name']}: {failure['failure']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
