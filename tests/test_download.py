"""helpers.models.download against a local HTTP server on 127.0.0.1 (no other network)."""
import dataclasses
import hashlib
import http.server
import socket

import pytest

from tests.local_http import serving

from helpers.models import download as dl
from helpers.models.cache import ChecksumMismatchError
from helpers.models.presets import PRESETS, get_preset

PAYLOAD = bytes(range(256)) * 400  # 100 KiB
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/model.bin":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path == "/truncated.bin":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.close_connection = True
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    with serving(_Handler) as url:
        yield url


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_good_file_is_saved(server, tmp_path):
    dest = tmp_path / "model.bin"
    assert dl.download(f"{server}/model.bin", dest, PAYLOAD_SHA256, progress=False) == dest
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(tmp_path) == ["model.bin"]


def test_wrong_checksum_is_refused_and_nothing_is_left(server, tmp_path):
    dest = tmp_path / "model.bin"
    with pytest.raises(ChecksumMismatchError, match=PAYLOAD_SHA256):
        dl.download(f"{server}/model.bin", dest, "0" * 64, progress=False)
    assert leftovers(tmp_path) == []


def test_wrong_checksum_keeps_an_existing_good_file(server, tmp_path):
    dest = tmp_path / "model.bin"
    dest.write_bytes(b"previous")
    with pytest.raises(ChecksumMismatchError):
        dl.download(f"{server}/model.bin", dest, "0" * 64, progress=False)
    assert dest.read_bytes() == b"previous"


def test_truncated_download_is_refused(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="truncated"):
        dl.download(f"{server}/truncated.bin", tmp_path / "t.bin", PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == []


def test_404_names_the_status(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="404"):
        dl.download(f"{server}/missing.bin", tmp_path / "m.bin", PAYLOAD_SHA256, progress=False)
    assert leftovers(tmp_path) == []


def test_no_server(tmp_path):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(dl.DownloadError, match="could not reach"):
        dl.download(f"http://127.0.0.1:{port}/x.bin", tmp_path / "x.bin", None, timeout=5, progress=False)
    assert leftovers(tmp_path) == []


def test_no_checksum_saves_with_a_warning(server, tmp_path):
    with pytest.warns(UserWarning, match="without a checksum"):
        dl.download(f"{server}/model.bin", tmp_path / "model.bin", None, progress=False)
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD


def test_download_model_puts_the_file_where_load_model_looks(server, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KATAS_CACHE", str(tmp_path))
    preset = dataclasses.replace(get_preset("resnet50"), name="local_test",
                                 path_or_url=f"{server}/model.bin", sha256=PAYLOAD_SHA256,
                                 file_name="local_test.bin")
    monkeypatch.setitem(PRESETS, "local_test", preset)
    path = dl.download_model("local_test", progress=False)
    assert path == tmp_path / "local_test.bin" and path.read_bytes() == PAYLOAD
    stamp = path.stat().st_mtime_ns
    assert dl.download_model("local_test", progress=False).stat().st_mtime_ns == stamp  # kept


def test_download_model_refuses_non_url_presets():
    with pytest.raises(ValueError, match="built"):
        dl.download_model("efficientnet_lite0")
