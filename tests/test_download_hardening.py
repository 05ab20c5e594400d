"""helpers.models.download against a misbehaving HTTP server on 127.0.0.1 (never the internet).

Endless bodies, drips, silences, lying Content-Length headers, a kill mid-download, bad
destinations. Limits and timeouts are lowered through the function's parameters so that
each test takes well under two seconds.
"""
import dataclasses
import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.local_http import serving

from helpers.models import download as dl
from helpers.models.presets import PRESETS, get_preset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYLOAD = bytes(range(256)) * 400  # 100 KiB
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def _send(self, body=None, headers=()):
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def _forever(self, chunk, pause=0.0, limit=30.0):
        """Write ``chunk`` until the client hangs up (or ``limit`` seconds, a safety net)."""
        end = time.monotonic() + limit
        try:
            while time.monotonic() < end:
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:  # the client went away: what the downloader should do
            pass

    def do_GET(self):
        path = self.path
        if path == "/model.bin":
            self._send(PAYLOAD, [("Content-Length", str(len(PAYLOAD)))])
        elif path == "/endless":  # no Content-Length, never ends
            self._send()
            self._forever(b"\0" * (1 << 16))
        elif path == "/drip":  # 1 byte every 50 ms: progress, but far too slow
            self._send(headers=[("Content-Length", "100000")])
            self._forever(b"x", pause=0.05)
        elif path == "/silent":  # headers, then nothing
            self._send(headers=[("Content-Length", "100000")])
            self.wfile.write(b"abc")
            self.wfile.flush()
            time.sleep(3)
        elif path == "/bad-length":
            self._send(PAYLOAD, [("Content-Length", "lots")])
        elif path == "/negative-length":
            self._send(PAYLOAD, [("Content-Length", "-5")])
        elif path == "/two-lengths":
            self._send(PAYLOAD, [("Content-Length", str(len(PAYLOAD))), ("Content-Length", "7")])
        elif path == "/huge-length":  # announces a terabyte
            self._send(headers=[("Content-Length", str(1 << 40))])
            self._forever(b"\0" * (1 << 16))
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


def _slow_headers_server():
    """A raw socket server that drips its status line one byte every 50 ms."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(4096)
                try:
                    for byte in b"HTTP/1.0 200 OK\r\nX-Padding: " + b"a" * 10_000:
                        if stop.is_set():
                            break
                        conn.sendall(bytes([byte]))
                        time.sleep(0.05)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, stop


@pytest.fixture(scope="module")
def server():
    with serving(_Handler) as url:
        yield url


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


# --- size ---------------------------------------------------------------------------------

def test_an_endless_body_stops_at_max_bytes(server, tmp_path):
    with pytest.raises(dl.DownloadError, match=r"more than max_bytes=1048576") as info:
        dl.download(f"{server}/endless", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False,
                    max_bytes=1 << 20)
    assert "endless" in str(info.value)
    assert leftovers(tmp_path) == []


def test_a_content_length_past_max_bytes_is_refused_before_reading(server, tmp_path):
    with pytest.raises(dl.DownloadError, match=r"announces 1099511627776 bytes.*max_bytes"):
        dl.download(f"{server}/huge-length", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == []


def test_a_file_of_exactly_max_bytes_is_accepted(server, tmp_path):
    dest = dl.download(f"{server}/model.bin", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False,
                       max_bytes=len(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD
    with pytest.raises(dl.DownloadError, match="max_bytes"):
        dl.download(f"{server}/model.bin", tmp_path / "n.bin", PAYLOAD_SHA256, progress=False,
                    max_bytes=len(PAYLOAD) - 1)
    assert leftovers(tmp_path) == ["m.bin"]


def test_download_model_caps_at_the_preset_size(server, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KATAS_CACHE", str(tmp_path))
    preset = dataclasses.replace(get_preset("resnet50"), name="local_endless",
                                 path_or_url=f"{server}/endless", sha256=PAYLOAD_SHA256,
                                 file_name="local_endless.bin")
    monkeypatch.setitem(PRESETS, "local_endless", preset)
    monkeypatch.setitem(dl.PRESET_MAX_BYTES, "local_endless", 1 << 20)
    with pytest.raises(dl.DownloadError, match="max_bytes=1048576"):
        dl.download_model("local_endless", progress=False)
    assert leftovers(tmp_path) == []


def test_every_url_preset_has_a_size_cap():
    for preset in PRESETS.values():
        if preset.source == "url":
            assert preset.name in dl.PRESET_MAX_BYTES, preset.name
            assert dl.PRESET_MAX_BYTES[preset.name] <= dl.MAX_DOWNLOAD_BYTES


# --- time ---------------------------------------------------------------------------------

def test_a_drip_fails_on_the_minimum_rate(server, tmp_path):
    with pytest.raises(dl.DownloadError, match=r"too slow.*min_rate=1000") as info:
        dl.download(f"{server}/drip", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False,
                    min_rate=1000, rate_window=0.3)
    assert "bytes/s" in str(info.value)
    assert leftovers(tmp_path) == []


def test_a_silent_server_fails_on_the_timeout(server, tmp_path):
    with pytest.raises(dl.DownloadError, match=r"no data for 0.3 s"):
        dl.download(f"{server}/silent", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False, timeout=0.3)
    assert leftovers(tmp_path) == []


def test_headers_dripped_byte_by_byte_fail_on_the_timeout(tmp_path):
    listener, stop = _slow_headers_server()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.bin"
        with pytest.raises(dl.DownloadError, match=r"no answer.*within 0.5 s"):
            dl.download(url, tmp_path / "m.bin", PAYLOAD_SHA256, progress=False, timeout=0.5)
    finally:
        stop.set()
        listener.close()
    assert leftovers(tmp_path) == []


# --- lying headers ------------------------------------------------------------------------

@pytest.mark.parametrize("path, value", [("bad-length", "'lots'"), ("negative-length", "'-5'"),
                                         ("two-lengths", "102400, 7")])
def test_a_bad_content_length_is_a_clear_error(server, tmp_path, path, value):
    with pytest.raises(dl.DownloadError, match="Content-Length") as info:
        dl.download(f"{server}/{path}", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False)
    assert value in str(info.value)
    assert leftovers(tmp_path) == []


# --- destinations and arguments -----------------------------------------------------------

def test_a_folder_as_destination_is_refused_before_downloading(server, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"is a folder.*models/model.bin"):
        dl.download(f"{server}/model.bin", folder, PAYLOAD_SHA256, progress=False)
    assert leftovers(folder) == []


def test_a_file_where_the_folder_should_be(server, tmp_path):
    (tmp_path / "blocker").write_text("not a folder")
    with pytest.raises(ValueError, match="blocker.*not a folder"):
        dl.download(f"{server}/model.bin", tmp_path / "blocker" / "m.bin", PAYLOAD_SHA256, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    ({"url": "file:///dev/zero"}, "http"),
    ({"url": "ftp://example.org/x"}, "http"),
    ({"url": 42}, "url"),
    ({"url": "http://127.0.0.1:99999/x"}, "not a valid"),
    ({"sha256": "abc"}, "sha256"),
    ({"sha256": "g" * 64}, "sha256"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": float("nan")}, "timeout"),
    ({"max_bytes": 0}, "max_bytes"),
    ({"max_bytes": 1.5}, "max_bytes"),
    ({"min_rate": -1}, "min_rate"),
    ({"rate_window": 0}, "rate_window"),
    ({"chunk_size": 0}, "chunk_size"),
])
def test_bad_arguments_are_named(server, tmp_path, kwargs, match):
    args = {"url": f"{server}/model.bin", "dest": tmp_path / "m.bin", "sha256": PAYLOAD_SHA256,
            "progress": False, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        dl.download(**args)
    assert leftovers(tmp_path) == []


# --- leftovers ----------------------------------------------------------------------------

def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(os.name == "nt", reason="the dead-process rule is POSIX; Windows uses the age rule")
def test_stale_part_files_are_removed_at_the_next_start(server, tmp_path):
    dest = tmp_path / "model.bin"
    dead = tmp_path / f".model.bin.{_dead_pid()}.part"  # the old naming, from a killed run
    dead.write_bytes(b"\0" * 1000)
    dead_new = tmp_path / f".model.bin.{_dead_pid()}.0123abcd.part"
    dead_new.write_bytes(b"\0" * 1000)
    alive = tmp_path / f".model.bin.{os.getppid()}.0123abcd.part"  # a live process's download
    alive.write_bytes(b"\0")
    other = tmp_path / f".other.bin.{_dead_pid()}.part"  # another file's: not ours to judge
    other.write_bytes(b"\0")
    dl.download(f"{server}/model.bin", dest, PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == sorted([alive.name, other.name, "model.bin"])


def test_an_old_part_file_is_removed_whatever_its_process(server, tmp_path):
    dest = tmp_path / "model.bin"
    old = tmp_path / f".model.bin.{os.getppid()}.0123abcd.part"
    old.write_bytes(b"\0")
    stamp = time.time() - dl.STALE_PART_AGE - 60
    os.utime(old, (stamp, stamp))
    dl.download(f"{server}/model.bin", dest, PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == ["model.bin"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_download_killed_midway_is_cleaned_up_by_the_next_one(server, tmp_path):
    dest = tmp_path / "model.bin"
    code = (f"import sys; sys.path.insert(0, {ROOT!r})\n"
            "from helpers.models.download import download\n"
            f"download({server + '/endless'!r}, {str(dest)!r}, None, progress=False)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            parts = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
            if parts and parts[0].stat().st_size > 1 << 20:
                break
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            time.sleep(0.02)
        else:
            pytest.fail("the child never started writing")
    finally:
        child.kill()
        child.wait()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # SIGKILL leaves it
    dl.download(f"{server}/model.bin", dest, PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == ["model.bin"]
