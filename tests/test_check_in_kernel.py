"""check() in a real Jupyter kernel: a hang is stopped and the kernel stays usable, the stop
button still interrupts, and a flood of prints becomes one line of the verdict."""
import re
import time
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]

SET_UP = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
from helpers import check
from helpers.exercises.core import get_exercise
get_exercise("to_unit_range").time_limit = 1.0   # the course default is 10 s
"""


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    try:
        _run(client, SET_UP)
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _run(client, code, timeout=60):
    """Execute ``code``; (status, the text it printed, the error name or None)."""
    outputs, error = [], None
    reply = client.execute_interactive(
        code, timeout=timeout,
        output_hook=lambda msg: outputs.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
    if reply["content"]["status"] == "error":
        error = reply["content"]["ename"]
    return reply["content"]["status"], "".join(outputs), error


def test_an_endless_loop_is_stopped_and_the_kernel_goes_on(kernel):
    _, client = kernel
    code = """
def to_unit_range(image):
    i, n, step = 0, 10, 0
    while i < n:
        i += step
print(check("to_unit_range", to_unit_range).mistake)
"""
    started = time.perf_counter()
    status, text, _ = _run(client, code)
    assert status == "ok" and text.strip() == "generic.timeout"
    assert time.perf_counter() - started < 15
    status, text, _ = _run(client, "print(check('to_unit_range', lambda image: image.astype(np.float32) / 255).status)")
    assert text.strip() == "correct"


def test_the_stop_button_still_interrupts(kernel):
    manager, client = kernel
    _run(client, 'get_exercise("to_unit_range").time_limit = 60.0')
    msg_id = client.execute("def to_unit_range(image):\n    while True:\n        pass\n"
                            "check('to_unit_range', to_unit_range)")
    time.sleep(1.5)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    _run(client, 'get_exercise("to_unit_range").time_limit = 1.0')
    status, text, _ = _run(client, "print(1 + 1)")
    assert status == "ok" and text.strip() == "2"


def test_prints_become_one_line_of_the_verdict(kernel):
    _, client = kernel
    code = """
def to_unit_range(image):
    for row in image.reshape(-1):
        print(row)
    return image.astype(np.float32) / 255
print(check("to_unit_range", to_unit_range).message)
"""
    status, text, _ = _run(client, code)
    assert status == "ok"
    assert text.count("\n") == 1 and re.search(r"Your function printed [\d,]{2,} lines while it was checked", text)
