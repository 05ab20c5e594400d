"""A real JupyterHub on 127.0.0.1 for tests and the load benchmark, and a client for it.

:class:`Hub` starts jupyterhub (from PyPI) with configurable-http-proxy (from npm), the dummy
authenticator and SimpleLocalProcessSpawner: every learner runs as this same system user, in a
home folder of their own under ``homes``. The hub loads the course's own configuration fragment
(deploy/tljh/jupyterhub_config.d/cnn-katas.py) when it is there, so what is tested is what is
deployed. A service token with the scopes of an instructor's tool drives it through the REST API.

Everything the hub starts carries a marker in its environment; :meth:`Hub.stop` stops the hub
and then kills whatever still carries the marker (servers, kernels), whatever happened.

:class:`Learner` is one learner seen from outside: their server's REST API and websockets,
as JupyterLab uses them (contents, sessions, kernel channels).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_FRAGMENT = ROOT / "deploy" / "tljh" / "jupyterhub_config.d" / "cnn-katas.py"
SERVER_CONFIG = ROOT / "deploy" / "jupyter_server_config.py"  # what TLJH's learners' servers load
MARKER = "CNN_KATAS_HUB_TEST"


def pull_link(*args, **kwargs) -> str:
    """deploy/nbgitpuller-link.py's pull_link (the script's name has a dash: loaded by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nbgitpuller_link", ROOT / "deploy" / "nbgitpuller-link.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pull_link(*args, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_proxy() -> Optional[str]:
    """configurable-http-proxy: $CNN_KATAS_CHP, the README's npm prefix (.hub/), or PATH."""
    for candidate in (os.environ.get("CNN_KATAS_CHP"), ROOT / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy",
                      shutil.which("configurable-http-proxy")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


CONFIG = '''# Written by tests/hub/hubtest.py: a hub on 127.0.0.1 for one test run.
import os
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{db}"
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.JupyterHub.cleanup_servers = True
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.services = [{{"name": "instructor", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "instructor", "services": ["instructor"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]}}]
fragment = {fragment!r}
if os.path.exists(fragment):  # the course's own hub settings, as deployed
    exec(compile(open(fragment).read(), fragment, "exec"))
c.Spawner.environment.update({environment!r})  # after the fragment: the test's cache wins
'''


@dataclass
class Hub:
    """A JupyterHub for one test run; use as a context manager."""

    root: Path
    homes: Path
    environment: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: Optional[subprocess.Popen] = None
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config_text(self, proxy: str) -> str:
        singleuser = str(Path(sys.executable).with_name("jupyterhub-singleuser"))
        args = ["--allow-root"] if os.geteuid() == 0 else []  # the server refuses root otherwise
        if SERVER_CONFIG.exists():
            args.append(f"--config={SERVER_CONFIG}")
        environment = {MARKER: self.marker, **self.environment}
        return CONFIG.format(port=self.port, hub_port=free_port(), proxy_api_port=free_port(), proxy=proxy,
                             pid_file=str(self.root / "proxy.pid"), db=self.root / "jupyterhub.sqlite",
                             cookie=str(self.root / "cookie_secret"), homes=str(self.homes),
                             singleuser=singleuser, args=args, token=self.token,
                             fragment=str(DEPLOY_FRAGMENT), environment=environment)

    def start(self, timeout: float = 60) -> "Hub":
        proxy = find_proxy()
        if proxy is None:
            raise RuntimeError("configurable-http-proxy not found: `npm install --prefix .hub "
                               "configurable-http-proxy@5.3.0` (the README's hub-test command)")
        self.root.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(parents=True, exist_ok=True)
        config = self.root / "jupyterhub_config.py"
        config.write_text(self.config_text(proxy))
        env = {**os.environ, MARKER: self.marker}
        self.log = open(self.root / "jupyterhub.log", "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=self.root,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.process.returncode}): {self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"jupyterhub did not answer within {timeout:g} s: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.root / "jupyterhub.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> "Hub":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the REST API ----------------------------------------------------------- #
    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def add_learner(self, name: str) -> "Learner":
        response = self.api("POST", f"/users/{name}")
        if response.status_code not in (201, 409):
            raise RuntimeError(f"creating {name}: {response.status_code} {response.text}")
        token = self.api("POST", f"/users/{name}/tokens", json={"note": "hub test"}).json()["token"]
        return Learner(self, name, token)

    # -- stopping, whatever happened ----------------------------------------------- #
    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops the servers it spawned
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for pid in marked_processes(self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


def marked_processes(marker: str) -> list:
    """Pids of the processes whose environment carries this run's marker."""
    pids, needle = [], f"{MARKER}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


@dataclass
class Learner:
    """One learner, through their own token: their server, its contents and kernels."""

    hub: Hub
    name: str
    token: str

    @property
    def server_url(self) -> str:
        return f"{self.hub.url}/user/{self.name}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.server_url}{path}", headers=headers, timeout=120, **kwargs)

    def start_server(self, timeout: float = 180) -> float:
        """Start the learner's server; seconds until it is ready."""
        started = time.monotonic()
        response = self.hub.api("POST", f"/users/{self.name}/server")
        if response.status_code not in (201, 202, 400):
            raise RuntimeError(f"spawning {self.name}: {response.status_code} {response.text}")
        while time.monotonic() - started < timeout:
            server = self.hub.api("GET", f"/users/{self.name}").json().get("servers", {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - started
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}'s server was not ready after {timeout:g} s: {self.hub.log_tail()}")

    def follow_pull_link(self, link: str) -> list:
        """Open an nbgitpuller link as a learner's browser does: log in (the dummy authenticator
        takes any password), follow the hub's redirects (login, user-redirect, the server's OAuth)
        to the learner's own server, whose page then streams the pull from /git-pull/api (done here)."""
        from urllib.parse import parse_qs, urlsplit

        browser = requests.Session()
        browser.get(f"{self.hub.url}/hub/login", timeout=60).raise_for_status()
        browser.post(f"{self.hub.url}/hub/login", timeout=60,
                     data={"username": self.name, "password": "workshop", "_xsrf": browser.cookies.get("_xsrf", "")}
                     ).raise_for_status()
        page = browser.get(link, timeout=60)
        page.raise_for_status()
        landed = urlsplit(page.url)
        if not landed.path.startswith(f"/user/{self.name}/git-pull"):
            raise RuntimeError(f"the link landed on {page.url}, not on {self.name}'s git-pull page")
        query = {key: values[0] for key, values in parse_qs(landed.query).items()}
        return self.pull(query["repo"], query.get("branch", "main"), query.get("targetpath"))

    def pull(self, repo: str, branch: str = "main", targetpath: Optional[str] = None) -> list:
        """nbgitpuller's own endpoint, as an nbgitpuller link triggers it: the progress events."""
        params = {"repo": repo, "branch": branch}
        if targetpath:
            params["targetpath"] = targetpath
        events = []
        with self.request("GET", "/git-pull/api", params=params, stream=True) as response:
            response.raise_for_status()
            for line in response.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[5:])
                    events.append(event)
                    if event.get("phase") in ("finished", "error"):
                        break
        if not events or events[-1].get("phase") != "finished":
            raise RuntimeError(f"{self.name}'s pull failed: {events[-3:]}")
        return events

    def get_notebook(self, path: str) -> dict:
        response = self.request("GET", f"/api/contents/{path}", params={"content": "1"})
        response.raise_for_status()
        return response.json()["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        response = self.request("PUT", f"/api/contents/{path}",
                                json={"type": "notebook", "format": "json", "content": notebook})
        response.raise_for_status()

    def run_notebook(self, path: str, notebook: dict, timeout: float = 300) -> dict:
        """Execute every code cell in a kernel of the learner's server, as JupyterLab's "Run All"
        does; the notebook with its outputs (saved back through the contents API)."""
        session = self.request("POST", "/api/sessions", json={"path": path, "type": "notebook", "name": path,
                                                              "kernel": {"name": "python3"}})
        session.raise_for_status()
        session = session.json()
        try:
            with KernelChannels(self, session["kernel"]["id"]) as channels:
                for cell in notebook["cells"]:
                    if cell["cell_type"] != "code":
                        continue
                    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    cell["outputs"], cell["execution_count"] = channels.execute(source, timeout)
        finally:
            self.request("DELETE", f"/api/sessions/{session['id']}")
        self.save_notebook(path, notebook)
        return notebook


class KernelChannels:
    """A kernel's websocket (the Jupyter messaging protocol, v5, JSON over one socket)."""

    def __init__(self, learner: Learner, kernel_id: str):
        self.learner, self.kernel_id = learner, kernel_id
        self.session = uuid.uuid4().hex
        self.lock = threading.Lock()

    def __enter__(self) -> "KernelChannels":
        import websocket

        url = self.learner.server_url.replace("http://", "ws://") + f"/api/kernels/{self.kernel_id}/channels"
        self.socket = websocket.create_connection(f"{url}?session_id={self.session}", timeout=300,
                                                  header=[f"Authorization: token {self.learner.token}"])
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()

    def execute(self, code: str, timeout: float) -> tuple:
        """Run ``code``; (nbformat outputs, execution count). Errors are outputs, as in a notebook."""
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.learner.name,
                       "session": self.session, "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": False}}))
        outputs, count, idle, replied = [], None, False, False
        deadline = time.monotonic() + timeout
        while not (idle and replied):
            if time.monotonic() > deadline:
                raise TimeoutError(f"a cell of {self.learner.name}'s notebook ran for more than {timeout:g} s")
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "execute_reply":
                replied, count = True, content.get("execution_count")
            elif kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                output = {"output_type": kind, "data": content["data"], "metadata": content.get("metadata", {})}
                if kind == "execute_result":
                    output["execution_count"] = content.get("execution_count")
                outputs.append(output)
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"],
                                "traceback": content["traceback"]})
        return outputs, count
