"""helpers.models.pth_reader against crafted files: out-of-storage views, memory bombs, junk.

Every hostile file must end in ``pickle.UnpicklingError`` (or a ``ValueError`` for a bad
argument) before anything large is allocated. Files that once crashed the interpreter
(a negative stride reading outside the storage) or allocated gigabytes (a zero stride
with a huge size) are loaded in a child process with a memory limit, so that a
regression fails this test instead of killing the test run.
"""
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest

from helpers.models.pth_reader import LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION, load_state_dict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- writing torch-style pickles by hand (no torch, no stand-in module needed) ------------

def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _tensor_pickle(entries, storage_type="FloatStorage", numel=None, protocol_ints=True):
    """A pickle of an OrderedDict name -> tensor, written opcode by opcode.

    ``entries``: list of (name, key, numel, offset, size, stride). Sizes and strides may
    hold anything pickle can write (negative numbers, huge ints).
    """
    out = io.BytesIO()
    out.write(b"\x80\x02")
    out.write(_global("collections", "OrderedDict") + b")R")  # OrderedDict()
    for name, key, storage_numel, offset, size, stride in entries:
        out.write(b"X" + struct.pack("<I", len(name)) + name.encode())
        out.write(_global("torch._utils", "_rebuild_tensor_v2"))
        out.write(b"(")  # MARK for the args tuple
        # persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
        out.write(b"(")
        out.write(b"X\x07\x00\x00\x00storage")
        out.write(_global("torch", storage_type))
        out.write(b"X" + struct.pack("<I", len(key)) + key.encode())
        out.write(b"X\x03\x00\x00\x00cpu")
        out.write(pickle.dumps(storage_numel, protocol=2)[2:-1])
        out.write(b"tQ")  # TUPLE, BINPERSID
        out.write(pickle.dumps(offset, protocol=2)[2:-1])
        out.write(pickle.dumps(tuple(size), protocol=2)[2:-1])
        out.write(pickle.dumps(tuple(stride), protocol=2)[2:-1])
        out.write(b"\x89")  # False (requires_grad)
        out.write(_global("collections", "OrderedDict") + b")R")
        out.write(b"tR")  # TUPLE, REDUCE
        out.write(b"s")  # SETITEM
    out.write(b".")
    return out.getvalue()


def write_zip(path, entries, storages, compression=zipfile.ZIP_STORED):
    """``storages``: key -> raw bytes."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("archive/data.pkl", _tensor_pickle(entries))
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw)
    return path


def write_legacy(path, entries, storages, keys=None):
    with open(path, "wb") as file:
        for header in (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION,
                       {"protocol_version": LEGACY_PROTOCOL_VERSION, "little_endian": True}):
            pickle.dump(header, file, protocol=2)
        file.write(_tensor_pickle(entries))
        pickle.dump(list(storages) if keys is None else keys, file, protocol=2)
        for raw in storages.values():
            file.write(struct.pack("<q", len(raw) // 4))
            file.write(raw)
    return path


def write_zip_pickle(path, raw):
    """A zip-format file whose data.pkl is ``raw`` (no storages)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", raw)
    return path


FLOATS = np.arange(16, dtype="<f4").tobytes()  # a 16-element storage


# --- views that would read outside their storage: run in a child process --------------------

CHILD = textwrap.dedent(
    """
    import json, pickle, sys
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))  # 2 GiB: a bomb fails here
    except (ImportError, ValueError, OSError):
        pass
    sys.path.insert(0, sys.argv[1])
    from helpers.models.pth_reader import load_state_dict
    results = {}
    for path in sys.argv[2:]:
        try:
            state = load_state_dict(path)
            results[path] = "loaded " + repr({k: v.tolist() for k, v in state.items()})[:200]
        except pickle.UnpicklingError as error:
            results[path] = "refused: " + str(error)
        except BaseException as error:
            results[path] = "raw " + type(error).__name__ + ": " + str(error)
    print(json.dumps(results))
    """
)

# (name, offset, size, stride) on a 16-element storage; each reads outside it or bombs memory.
HOSTILE_VIEWS = {
    "negative_stride": (0, (4,), (-1,)),  # used to read 3 floats before the storage (garbage)
    "negative_stride_far": (0, (2,), (-(1 << 40),)),  # used to segfault
    "negative_stride_2d": (15, (4, 4), (4, -5)),  # last element inside, middle ones not
    "negative_offset": (-4, (4,), (1,)),
    "overrun": (10, (8,), (1,)),
    "zero_stride_bomb": (0, (1_000_000_000,), (0,)),  # 4 GB from a 64-byte storage
    "overlapping_bomb": (0, (1 << 14, 1 << 14), (1, 0)),  # overlapping views: 1 GiB
    "negative_size": (0, (-4,), (1,)),
    "size_stride_mismatch": (0, (4, 4), (1,)),
    "huge_stride_on_size_2": (0, (2,), (1 << 62,)),
    "too_many_dims": (0, (1,) * 40, (1,) * 40),
}


def test_out_of_storage_views_and_bombs_are_refused_in_a_child_process(tmp_path):
    paths = []
    for name, (offset, size, stride) in HOSTILE_VIEWS.items():
        entries = [("w", "0", 16, offset, size, stride)]
        paths.append(str(write_zip(tmp_path / f"{name}.pth", entries, {"0": FLOATS})))
        paths.append(str(write_legacy(tmp_path / f"{name}_legacy.pth", entries, {"0": FLOATS})))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    child = subprocess.run([sys.executable, "-c", CHILD, ROOT, *paths], capture_output=True,
                           text=True, timeout=60, env=env)
    assert child.returncode == 0, f"the reader crashed the interpreter: {child.returncode} {child.stderr[-2000:]}"
    results = json.loads(child.stdout)
    for path, outcome in results.items():
        assert outcome.startswith("refused: "), f"{os.path.basename(path)}: {outcome}"
        assert "tensor 'w'" in outcome, outcome  # the error names the tensor


def test_the_416_byte_segfault_file_is_refused(tmp_path):
    """Like the 416-byte file that segfaulted the interpreter (this one is 408): one float, stride -2**40."""
    path = write_zip(tmp_path / "crash.pth", [("w", "0", 1, 0, (2,), (-(1 << 40),))],
                     {"0": FLOATS[:4]})
    code = (f"import sys; sys.path.insert(0, {ROOT!r});"
            "from helpers.models.pth_reader import load_state_dict\n"
            f"try: load_state_dict({str(path)!r})\n"
            "except Exception as e: print(type(e).__name__, e)")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.startswith("UnpicklingError") and "negative stride" in child.stdout


@pytest.mark.parametrize("offset, size, stride, message", [
    (0, (4,), (-1,), "negative stride"),
    (-4, (4,), (1,), "offset -4"),
    (10, (8,), (1,), "needs elements 10 to 17"),
    (0, (1_000_000_000,), (0,), "more elements"),
    (0, (-4,), (1,), "negative size"),
    (0, (4, 4), (1,), "2 sizes and 1 strides"),
    (0, (1,) * 40, (1,) * 40, "40 dimensions"),
])
def test_errors_name_the_tensor_and_the_problem(tmp_path, offset, size, stride, message):
    path = write_zip(tmp_path / "w.pth", [("conv.weight", "0", 16, offset, size, stride)], {"0": FLOATS})
    with pytest.raises(pickle.UnpicklingError, match="conv.weight") as info:
        load_state_dict(path)
    assert message in str(info.value)


@pytest.mark.parametrize("writer", [write_zip, write_legacy], ids=["zip", "legacy"])
def test_legitimate_views_still_read(tmp_path, writer):
    entries = [
        ("transposed", "0", 16, 0, (4, 4), (1, 4)),
        ("scalar", "0", 16, 15, (), ()),
        ("empty", "0", 16, 16, (0, 3), (3, 1)),
        ("one_row", "0", 16, 4, (1, 4), (999, 1)),  # the stride of a size-1 dim never matters
        ("last", "0", 16, 12, (4,), (1,)),
    ]
    state = load_state_dict(writer(tmp_path / "ok.pth", entries, {"0": FLOATS}))
    base = np.arange(16, dtype=np.float32)
    np.testing.assert_array_equal(state["transposed"], base.reshape(4, 4).T)
    assert state["scalar"].shape == () and state["scalar"] == 15
    assert state["empty"].shape == (0, 3)
    np.testing.assert_array_equal(state["one_row"], base[4:8].reshape(1, 4))
    np.testing.assert_array_equal(state["last"], base[12:])


# --- decompression and size caps -----------------------------------------------------------

def test_a_zip_bomb_storage_is_refused_before_it_is_decompressed(tmp_path):
    """A deflated member of 8 MiB of zeros (8 KB in the file), with max_bytes lowered to 1 MiB."""
    numel = 2 << 20  # 8 MiB of float32
    path = write_zip(tmp_path / "bomb.pth", [("w", "0", numel, 0, (numel,), (1,))],
                     {"0": bytes(4 * numel)}, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(pickle.UnpicklingError, match="max_bytes") as info:
            load_state_dict(path, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "8388608 bytes" in str(info.value)
    assert peak < 1 << 20  # nothing near the 8 MiB was decompressed
    assert load_state_dict(path)["w"].shape == (numel,)  # under the default limit it reads


def test_a_member_longer_than_its_storage_is_read_only_as_far_as_needed(tmp_path):
    """The pickle claims 16 floats; the member expands to 8 MiB: only 64 bytes are read."""
    path = write_zip(tmp_path / "long.pth", [("w", "0", 16, 0, (16,), (1,))],
                     {"0": FLOATS + bytes(8 << 20)}, compression=zipfile.ZIP_DEFLATED)
    tracemalloc.start()
    try:
        state = load_state_dict(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(state["w"], np.arange(16, dtype=np.float32))
    assert peak < 1 << 20


def test_many_views_of_one_storage_count_against_max_bytes(tmp_path):
    """A 1 MiB storage viewed 64 times would return 64 MiB of copies."""
    numel = 1 << 18
    entries = [(f"w{i}", "0", numel, 0, (numel,), (1,)) for i in range(64)]
    path = write_zip(tmp_path / "views.pth", entries, {"0": bytes(4 * numel)})
    with pytest.raises(pickle.UnpicklingError, match="max_bytes"):
        load_state_dict(path, max_bytes=8 << 20)
    assert len(load_state_dict(path, max_bytes=80 << 20)) == 64


def test_a_storage_shared_by_many_tensors_is_read_once(tmp_path, monkeypatch):
    entries = [(f"w{i}", "0", 16, i, (1,), (1,)) for i in range(16)]
    path = write_zip(tmp_path / "shared.pth", entries, {"0": FLOATS})
    opened = []
    original = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    state = load_state_dict(path)
    assert [float(state[f"w{i}"][0]) for i in range(16)] == list(range(16))
    assert opened.count("archive/data/0") == 1


def test_a_legacy_storage_announcing_more_than_the_file_holds(tmp_path):
    path = write_legacy(tmp_path / "big.pth", [("w", "0", 1 << 40, 0, (4,), (1,))], {"0": FLOATS})
    with pytest.raises(pickle.UnpicklingError, match="max_bytes|truncated|holds"):
        load_state_dict(path)


def test_a_legacy_pickle_announcing_a_terabyte_of_bytes_is_refused(tmp_path):
    path = tmp_path / "tb.pth"
    path.write_bytes(b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"x" * 100)  # BINBYTES8
    tracemalloc.start()
    try:
        with pytest.raises(pickle.UnpicklingError):
            load_state_dict(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


# --- junk structure -------------------------------------------------------------------------

def test_a_missing_zip_member_is_named(tmp_path):
    path = write_zip(tmp_path / "nomember.pth", [("w", "7", 16, 0, (16,), (1,))], {"0": FLOATS})
    with pytest.raises(pickle.UnpicklingError, match="archive/data/7"):
        load_state_dict(path)


def test_a_truncated_zip_member(tmp_path):
    path = write_zip(tmp_path / "short.pth", [("w", "0", 32, 0, (32,), (1,))], {"0": FLOATS})
    with pytest.raises(pickle.UnpicklingError, match="truncated"):
        load_state_dict(path)


def test_a_negative_storage_size(tmp_path):
    path = write_zip(tmp_path / "neg.pth", [("w", "0", -16, 0, (4,), (1,))], {"0": FLOATS})
    with pytest.raises(pickle.UnpicklingError, match="-16"):
        load_state_dict(path)


def test_one_key_with_two_sizes(tmp_path):
    entries = [("a", "0", 16, 0, (4,), (1,)), ("b", "0", 4, 0, (4,), (1,))]
    for writer in (write_zip, write_legacy):
        with pytest.raises(pickle.UnpicklingError, match="storage '0'"):
            load_state_dict(writer(tmp_path / f"two_{writer.__name__}.pth", entries, {"0": FLOATS}))


def test_legacy_key_list_that_is_not_a_list(tmp_path):
    path = write_legacy(tmp_path / "keys.pth", [("w", "0", 16, 0, (4,), (1,))], {"0": FLOATS}, keys=7)
    with pytest.raises(pickle.UnpicklingError, match="list of storage keys"):
        load_state_dict(path)


def test_deeply_nested_and_self_referencing_containers(tmp_path):
    path = tmp_path / "deep.pth"
    # {"a": [[[...]]]} 100,000 lists deep, written as opcodes (pickle.dumps would overflow)
    write_zip_pickle(path, b"\x80\x02}X\x01\x00\x00\x00a" + b"]" * 100_000 + b"a" * 99_999 + b"s.")
    with pytest.raises(pickle.UnpicklingError, match="nested"):
        load_state_dict(path)
    looped = []
    looped.append(looped)
    loop = tmp_path / "loop.pth"
    write_zip_pickle(loop, pickle.dumps({"a": looped}, protocol=2))
    state = load_state_dict(loop)
    assert state["a"][0] is state["a"]


def test_an_exponential_dag_is_walked_once(tmp_path):
    """60 levels of [x, x] is 2**60 paths but 60 objects."""
    node = []
    for _ in range(60):
        node = [node, node]
    path = tmp_path / "dag.pth"
    write_zip_pickle(path, pickle.dumps({"a": node}, protocol=2))
    assert isinstance(load_state_dict(path)["a"], list)


@pytest.mark.parametrize("raw", [b"", b"PK\x03\x04garbage", b"\x80\x02K", b"\x80\x02]q\x00(K\x01e."],
                         ids=["empty", "broken_zip", "truncated_pickle", "not_a_dict"])
def test_junk_files_give_unpickling_errors(tmp_path, raw):
    path = tmp_path / "junk.pth"
    path.write_bytes(raw)
    with pytest.raises(pickle.UnpicklingError, match="junk.pth"):
        load_state_dict(path)


def test_a_folder_and_a_bad_max_bytes(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder"):
        load_state_dict(tmp_path)
    path = write_zip(tmp_path / "ok.pth", [("w", "0", 16, 0, (16,), (1,))], {"0": FLOATS})
    for bad in (0, -1, 1.5, "1G", True):
        with pytest.raises((ValueError, TypeError), match="max_bytes"):
            load_state_dict(path, max_bytes=bad)
