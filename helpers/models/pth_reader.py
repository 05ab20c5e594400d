"""Read the tensors of a PyTorch ``.pth`` state dict with NumPy only, safely.

A ``.pth`` file is a Python pickle, and unpickling runs whatever functions the file names:
``pickle.load`` on a downloaded file can execute any code. This reader uses a restricted
unpickler that resolves only the handful of names a plain state dict needs (the tensor
rebuild functions, the storage types and ``collections.OrderedDict``) and refuses every
other global with an ``UnpicklingError`` naming it.

Both of PyTorch's file formats are read:

* the legacy format (PyTorch < 1.6, ``_use_new_zipfile_serialization=False``): five
  pickles in a row (magic number, protocol version, system info, the object, the list
  of storage keys) followed by each storage's raw bytes, prefixed by its element count;
* the zip format: ``<archive>/data.pkl`` plus one raw file ``<archive>/data/<key>``
  per storage.

Tensors come back as C-contiguous NumPy arrays (copies, not views into the file).

A crafted file cannot make the reader crash, read outside a storage or allocate without
bound. Every check runs before anything is allocated, and each failure raises
``pickle.UnpicklingError`` naming the tensor or storage, its value and the limit:

* a tensor's view must lie inside its storage: sizes and the storage offset >= 0,
  strides >= 0 (PyTorch never writes negative strides), as many strides as sizes, at most
  32 dimensions (NumPy's limit), and its last element must exist in the storage;
* a tensor may not have more elements than its storage (that would take overlapping
  strides, as ``expand()`` makes: save ``tensor.contiguous()`` instead);
* the storages read plus the arrays returned may total at most ``max_bytes`` (default
  :data:`MAX_BYTES`, 2 GiB: VGG-16's weights, the largest common ImageNet classifier, take
  1.1 GB here); a zip member is decompressed only up to the size its storage announces,
  and only after that size has been checked against the limit, so a small zip that
  expands to gigabytes is refused before it is read;
* a storage shared by several tensors is read once; containers nested deeper than
  :data:`MAX_NESTING` levels are refused.
"""
from __future__ import annotations

import collections
import io
import math
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001

#: Default limit on the bytes one file may make the reader hold (storages + arrays).
MAX_BYTES = 2 << 30
#: Deepest nesting of dicts/lists/tuples accepted (a state dict is 1 to 3 levels deep).
MAX_NESTING = 100
#: NumPy arrays have at most 32 dimensions.
MAX_DIMS = 32

#: torch storage class name -> NumPy dtype of its elements.
STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class StorageType:
    """Stand-in for a ``torch.<Name>Storage`` class: remembers its element dtype."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]

    def __repr__(self) -> str:
        return f"StorageType({self.name})"


class Storage:
    """A flat buffer of ``numel`` elements; ``data`` is filled once its bytes are read."""

    def __init__(self, key: str, dtype: np.dtype, numel: int):
        self.key = key
        self.dtype = dtype
        self.numel = numel
        self.data: np.ndarray | None = None


class _Budget:
    """Counts the bytes a file makes the reader hold; refuses past ``limit``."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def take(self, nbytes: int, what: str) -> None:
        if self.used + nbytes > self.limit:
            raise pickle.UnpicklingError(
                f"{what} needs {nbytes} bytes, and with the {self.used} bytes already read this "
                f"file would take more than max_bytes={self.limit}: refused before reading it. "
                "If you trust the file, pass a larger max_bytes to load_state_dict"
            )
        self.used += nbytes


def _as_int(value: Any, what: str) -> int:
    """``value`` as a Python int, refusing floats, strings, bools and other junk."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise pickle.UnpicklingError(f"{what} is {value!r} ({type(value).__name__}), not an integer")
    return int(value)


class TensorRef:
    """A tensor waiting for its storage's bytes (the legacy format stores them last)."""

    def __init__(self, storage: Storage, offset: Any, size: Any, stride: Any):
        self.storage = storage
        self.offset = offset
        self.size = size
        self.stride = stride

    def check(self, name: str) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        """Validate the view against the storage; return (offset, size, stride) as ints.

        Runs before any allocation: see the module docstring for the rules.
        """
        what = f"tensor {name!r}"
        if not isinstance(self.size, (tuple, list)) or not isinstance(self.stride, (tuple, list)):
            raise pickle.UnpicklingError(
                f"{what}: size {self.size!r} and stride {self.stride!r} must be tuples of integers")
        if len(self.size) > MAX_DIMS:
            raise pickle.UnpicklingError(
                f"{what} has {len(self.size)} dimensions; NumPy arrays have at most {MAX_DIMS}")
        if len(self.size) != len(self.stride):
            raise pickle.UnpicklingError(
                f"{what} has {len(self.size)} sizes and {len(self.stride)} strides "
                f"(size {tuple(self.size)}, stride {tuple(self.stride)}): the file is damaged")
        offset = _as_int(self.offset, f"{what}: storage offset")
        size = tuple(_as_int(n, f"{what}: size") for n in self.size)
        stride = tuple(_as_int(n, f"{what}: stride") for n in self.stride)
        numel_storage = self.storage.numel
        where = f"of size {size}, stride {stride} at offset {offset}"
        if offset < 0:
            raise pickle.UnpicklingError(f"{what} {where}: the storage offset {offset} is negative")
        if any(n < 0 for n in size):
            raise pickle.UnpicklingError(f"{what} {where}: negative size")
        if any(s < 0 for s in stride):
            raise pickle.UnpicklingError(
                f"{what} {where}: negative stride (PyTorch never writes one; it would read "
                "outside the storage): the file is damaged or crafted")
        numel = math.prod(size)
        if numel == 0:
            if offset > numel_storage:
                raise pickle.UnpicklingError(
                    f"{what} {where}: the offset is past the end of storage "
                    f"{self.storage.key!r} of {numel_storage} elements")
            return offset, size, stride
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= numel_storage:
            raise pickle.UnpicklingError(
                f"{what} {where} needs elements {offset} to {last} of storage "
                f"{self.storage.key!r}, which has {numel_storage} elements: the file is damaged")
        if numel > numel_storage:
            raise pickle.UnpicklingError(
                f"{what} {where} has more elements ({numel}) than its storage "
                f"{self.storage.key!r} ({numel_storage}): overlapping strides such as expand() "
                "makes are not supported; save tensor.contiguous() instead")
        return offset, size, stride

    def to_numpy(self, name: str = "?", budget: _Budget | None = None) -> np.ndarray:
        """The tensor as a C-contiguous array of shape ``size`` (a copy)."""
        offset, size, stride = self.check(name)
        data = self.storage.data
        if data is None:
            raise pickle.UnpicklingError(f"storage {self.storage.key!r} of tensor {name!r} has no data in the file")
        if data.size != self.storage.numel:  # set by the readers; a last guard before as_strided
            raise pickle.UnpicklingError(f"storage {self.storage.key!r} holds {data.size} elements, "
                                         f"announced {self.storage.numel}")
        numel = math.prod(size)
        if budget is not None:
            budget.take(numel * data.itemsize, f"tensor {name!r} {size}")
        if numel == 0:
            return np.zeros(size, dtype=data.dtype)
        if not size:
            return data[offset : offset + 1].reshape(()).copy()
        item = data.itemsize
        # the stride of a dimension of size 1 is never used: 0 avoids overflowing byte strides
        byte_strides = [s * item if n > 1 else 0 for n, s in zip(size, stride)]
        view = np.lib.stride_tricks.as_strided(data[offset:], shape=size, strides=byte_strides,
                                               writeable=False)
        return np.ascontiguousarray(view)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored) -> TensorRef:
    """Our version of ``torch._utils._rebuild_tensor(_v2)``: no code, just bookkeeping."""
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError("a tensor was rebuilt from something that is not a storage")
    return TensorRef(storage, storage_offset, size, stride)  # checked by TensorRef.check


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    """``torch._utils._rebuild_parameter``: a Parameter is just its tensor here."""
    return data


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that knows only the names a state dict needs.

    ``find_class`` maps the allowed torch names to the harmless stand-ins above and
    ``collections.OrderedDict`` to itself; any other ``module.name`` raises
    ``pickle.UnpicklingError`` naming it. Storages (pickle persistent ids) are resolved
    by the ``storage_loader`` callback: ``(key, dtype, numel) -> Storage``.
    """

    ALLOWED_FUNCTIONS = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("collections", "OrderedDict"): collections.OrderedDict,
    }

    def __init__(self, file: BinaryIO, storage_loader=None):
        super().__init__(file)
        self._storage_loader = storage_loader

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED_FUNCTIONS:
            return self.ALLOWED_FUNCTIONS[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name)
        raise pickle.UnpicklingError(
            f"refused to load global {module}.{name}: a state dict of tensors never needs "
            "it, so this file may try to run code. Only load weights from sources you trust."
        )

    def persistent_load(self, pid: Any) -> Storage:
        if self._storage_loader is None:
            raise pickle.UnpicklingError("unexpected storage reference in this pickle")
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        storage_type, key = pid[1], str(pid[2])  # pid[3] is the device, unused
        numel = _as_int(pid[4], f"the size of storage {key!r}")
        if numel < 0:
            raise pickle.UnpicklingError(f"storage {key!r} announces {numel} elements (negative)")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views (legacy view_metadata) are not supported")
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {storage_type!r}")
        return self._storage_loader(key, storage_type.dtype, numel)


class _BoundedReader:
    """A file view that never asks the OS for more than the bytes left in the file.

    ``pickle`` allocates as many bytes as an opcode announces before reading them; a
    crafted legacy file announcing a terabyte would otherwise allocate it.
    """

    def __init__(self, file: BinaryIO):
        self._file = file
        self._end = os.fstat(file.fileno()).st_size

    def _left(self, n: int | None) -> int:
        left = max(0, self._end - self._file.tell())
        return left if n is None or n < 0 else min(n, left)

    def read(self, n: int = -1) -> bytes:
        return self._file.read(self._left(n))

    def readline(self, n: int = -1) -> bytes:
        return self._file.readline(self._left(n))

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)
        return self._file.readinto(view[: self._left(len(view))])


def _restricted_load(file: BinaryIO, storage_loader=None) -> Any:
    return RestrictedUnpickler(file, storage_loader).load()


def _materialise(obj: Any, budget: _Budget) -> Any:
    """Replace every TensorRef inside dicts/lists/tuples by its NumPy array.

    Shared containers are converted once (a DAG of 60 levels of ``[x, x]`` is 60 objects,
    not 2**60) and cycles are kept; nesting deeper than MAX_NESTING is refused.
    """
    done: dict[int, Any] = {}

    def convert(value: Any, name: str, depth: int) -> Any:
        if id(value) in done:
            return done[id(value)]
        if depth > MAX_NESTING:
            raise pickle.UnpicklingError(
                f"the file's containers are nested more than {MAX_NESTING} levels deep (at {name}): "
                "a state dict never is")
        if isinstance(value, TensorRef):
            result = done[id(value)] = value.to_numpy(name, budget)
        elif isinstance(value, dict):
            result = done[id(value)] = collections.OrderedDict() if isinstance(value, collections.OrderedDict) else {}
            for key, item in value.items():
                result[key] = convert(item, key if depth == 0 else f"{name}.{key}", depth + 1)
        elif isinstance(value, list):
            result = done[id(value)] = []
            result.extend(convert(item, f"{name}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, tuple):
            result = tuple(convert(item, f"{name}[{i}]", depth + 1) for i, item in enumerate(value))
            done[id(value)] = result
        else:
            result = value
        return result

    return convert(obj, "<top>", 0)


def _read_legacy(file: BinaryIO, budget: _Budget) -> Any:
    """Read the legacy (non-zip) format from an open binary file."""
    reader = _BoundedReader(file)
    magic = _restricted_load(reader)
    if magic != LEGACY_MAGIC_NUMBER:
        raise pickle.UnpicklingError("not a PyTorch file: wrong magic number")
    protocol = _restricted_load(reader)
    if protocol != LEGACY_PROTOCOL_VERSION:
        raise pickle.UnpicklingError(f"unsupported PyTorch legacy protocol {protocol!r}")
    system_info = _restricted_load(reader)
    if isinstance(system_info, dict) and not system_info.get("little_endian", True):
        raise pickle.UnpicklingError("big-endian PyTorch files are not supported")

    storages: dict[str, Storage] = {}

    def new_storage(key: str, dtype: np.dtype, numel: int) -> Storage:
        if key not in storages:
            storages[key] = Storage(key, dtype, numel)
        return _announced_alike(storages[key], dtype, numel)

    obj = _restricted_load(reader, new_storage)
    keys = _restricted_load(reader)
    if not isinstance(keys, (list, tuple)):
        raise pickle.UnpicklingError(f"expected the list of storage keys, found {type(keys).__name__}")
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise pickle.UnpicklingError(f"storage {key!r} listed but never used")
        if storage.data is not None:
            raise pickle.UnpicklingError(f"storage {key!r} is listed twice")
        (numel,) = struct.unpack("<q", file.read(8))
        nbytes = storage.numel * storage.dtype.itemsize
        left = reader._left(None)
        if numel != storage.numel or nbytes > left:
            raise pickle.UnpicklingError(
                f"storage {key!r}: expected {storage.numel} elements, the file has "
                f"{numel} announced and {left // storage.dtype.itemsize} present (truncated?)"
            )
        budget.take(nbytes, f"storage {key!r} ({storage.numel} x {storage.dtype})")
        raw = file.read(nbytes)
        if len(raw) != nbytes:
            raise pickle.UnpicklingError(f"storage {key!r} is truncated: {len(raw)} of {nbytes} bytes")
        storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return _materialise(obj, budget)


def _announced_alike(storage: Storage, dtype: np.dtype, numel: int) -> Storage:
    """``storage``, when a later reference announces it with the same dtype and size as before."""
    if (storage.dtype, storage.numel) != (dtype, numel):
        raise pickle.UnpicklingError(
            f"storage {storage.key!r} is announced as {storage.numel} x {storage.dtype} and as "
            f"{numel} x {dtype}: the file is damaged")
    return storage


def _read_zip(path: Path, budget: _Budget) -> Any:
    """Read the zip format (PyTorch >= 1.6 default)."""
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise pickle.UnpicklingError(f"{path}: expected one data.pkl in the zip, found {pickles}")
        prefix = pickles[0][: -len("data.pkl")]
        storages: dict[str, Storage] = {}

        def load_storage(key: str, dtype: np.dtype, numel: int) -> Storage:
            if key in storages:
                return _announced_alike(storages[key], dtype, numel)
            member = f"{prefix}data/{key}"
            try:
                info = archive.getinfo(member)
            except KeyError:
                raise pickle.UnpicklingError(f"storage {key!r}: the zip has no member {member}") from None
            nbytes = numel * dtype.itemsize
            if info.file_size < nbytes:
                raise pickle.UnpicklingError(
                    f"storage {key!r} is truncated: {member} holds {info.file_size} bytes, "
                    f"{numel} x {dtype} needs {nbytes}")
            budget.take(nbytes, f"storage {key!r} ({numel} x {dtype})")
            with archive.open(info) as stream:  # decompress only what the storage needs
                raw = stream.read(nbytes)
            if len(raw) != nbytes:
                raise pickle.UnpicklingError(f"storage {key!r} is truncated: {len(raw)} of {nbytes} bytes")
            storage = storages[key] = Storage(key, dtype, numel)
            storage.data = np.frombuffer(raw, dtype=dtype)
            return storage

        info = archive.getinfo(pickles[0])
        budget.take(info.file_size, pickles[0])
        with archive.open(info) as data_pkl:
            obj = _restricted_load(io.BytesIO(data_pkl.read(info.file_size)), load_storage)
    return _materialise(obj, budget)


def load_state_dict(path: str | Path, *, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """Read a ``.pth`` state dict: an (Ordered)dict of parameter name -> NumPy array.

    Arrays keep the file's dtypes (float32 weights, int64 ``num_batches_tracked``).
    ``max_bytes`` bounds the memory the file may take (storages read + arrays returned,
    default :data:`MAX_BYTES`); raise it only for a file you trust.
    Raises ``FileNotFoundError`` for a missing file and ``pickle.UnpicklingError``
    for a damaged or crafted file, one past ``max_bytes`` or one that names anything
    besides tensors (see the module docstring for every check).
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
    budget = _Budget(int(max_bytes))
    path = Path(path)
    if path.is_dir():
        raise FileNotFoundError(f"{path} is a folder, not a PyTorch weights file: pass the .pth file's path")
    if not path.is_file():
        raise FileNotFoundError(f"no PyTorch weights file at {path}")
    try:
        if zipfile.is_zipfile(path):
            obj = _read_zip(path, budget)
        else:
            with open(path, "rb") as file:
                obj = _read_legacy(file, budget)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(f"{path}: {error}") from None
    except (EOFError, struct.error) as error:
        raise pickle.UnpicklingError(f"{path} ends too early (truncated?)") from error
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            MemoryError, RecursionError, zipfile.BadZipFile, zlib.error, NotImplementedError) as error:
        raise pickle.UnpicklingError(
            f"{path} is not a readable PyTorch file ({type(error).__name__}: {error})") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise pickle.UnpicklingError(f"{path} holds a {type(obj).__name__}, not a state dict")
    return obj
