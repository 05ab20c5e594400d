"""A solution notebook run by a real browser: JupyterLab on 127.0.0.1, headless Chromium.

Run with its own command (see the README): it needs Debian's chromium and the
`playwright` package (requirements-browser.txt); no browser is downloaded.

It opens the notebook, runs all cells, checks that every code cell ran without an
error output and that pictures rendered, then moves the first ipywidgets slider
and checks that the plot under it was redrawn. A screenshot is saved and its path
printed.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KATAS_CHROMIUM", "/usr/bin/chromium")
NOTEBOOK = os.environ.get("KATAS_BROWSER_NOTEBOOK", "solutions/05_segmentation_colormaps.ipynb")
SCREENSHOT_DIR = Path(os.environ.get("KATAS_SCREENSHOT_DIR", tempfile.gettempdir()))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Settings that keep the first-run news toast from covering the page.
NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-browser.txt")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def lab_url():
    """A JupyterLab server on 127.0.0.1 with throwaway settings; yields its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (see the README)")
    home = Path(tempfile.mkdtemp(prefix="katas-lab-"))
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(NO_NEWS))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_CONFIG_DIR=str(home / "config"))
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.allow_root=True",
         "--LabApp.extension_manager=readonly"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api?token={token}")
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)


def _run_all_and_wait(page, n_code_cells: int, timeout_s: float = float(os.environ.get("KATAS_BROWSER_TIMEOUT", 240))) -> None:
    # The notebook is the current widget and its kernel is idle: only then does run-all run.
    page.wait_for_function(
        """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session
                             && w.sessionContext.session.kernel;
                   return k && k.status === 'idle'; }""", timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """n => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length >= n && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", arg=n_code_cells, timeout=int(timeout_s * 1000))


def test_solution_notebook_runs_and_slider_redraws(lab_url):
    import nbformat

    base, token = lab_url
    path = ROOT / NOTEBOOK
    n_code = sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        try:
            _run_all_and_wait(page, n_code)
        except Exception:
            page.screenshot(path=str(SCREENSHOT_DIR / f"browser-{path.stem}-failed.png"))
            print("prompts:", page.evaluate(
                "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent)"))
            raise

        errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, errors.first.inner_text()[:2000]
        assert page.locator(".jp-OutputArea-output img").count() > 0, "no picture rendered"

        slider = page.locator(".widget-slider").first
        slider.scroll_into_view_if_needed()
        widget = page.locator(".jupyter-widgets.widget-interact, .widget-interact").first
        picture = widget.locator("img").first
        picture.wait_for(timeout=60_000)
        before = picture.get_attribute("src")
        handle = slider.locator(".noUi-handle").first
        handle.click()
        for _ in range(3):
            handle.press("ArrowRight")
        page.wait_for_function(
            "before => { const img = document.querySelector('.widget-interact img');"
            " return img && img.getAttribute('src') !== before; }", arg=before, timeout=60_000)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOT_DIR / f"browser-{path.stem}.png"
        page.screenshot(path=str(shot), full_page=False)
        print(f"screenshot: {shot}")
        browser.close()
