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
"""
from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001

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


class TensorRef:
    """A tensor waiting for its storage's bytes (the legacy format stores them last)."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple):
        self.storage = storage
        self.offset = offset
        self.size = tuple(size)
        self.stride = tuple(stride)

    def to_numpy(self) -> np.ndarray:
        """The tensor as a C-contiguous array of shape ``size`` (a copy)."""
        data = self.storage.data
        if data is None:
            raise pickle.UnpicklingError(f"storage {self.storage.key!r} has no data in the file")
        if not self.size:
            return data[self.offset : self.offset + 1].reshape(()).copy()
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if min(self.size) > 0 and (self.offset < 0 or last >= data.size):
            raise pickle.UnpicklingError(
                f"tensor of size {self.size} at offset {self.offset} overruns storage "
                f"{self.storage.key!r} of {data.size} elements"
            )
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :], shape=self.size, strides=[s * item for s in self.stride]
        )
        return np.ascontiguousarray(view)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored) -> TensorRef:
    """Our version of ``torch._utils._rebuild_tensor(_v2)``: no code, just bookkeeping."""
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError("a tensor was rebuilt from something that is not a storage")
    return TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


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
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], int(pid[4])
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views (legacy view_metadata) are not supported")
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {storage_type!r}")
        return self._storage_loader(key, storage_type.dtype, numel)


def _restricted_load(file: BinaryIO, storage_loader=None) -> Any:
    return RestrictedUnpickler(file, storage_loader).load()


def _materialise(obj: Any) -> Any:
    """Replace every TensorRef inside dicts/lists/tuples by its NumPy array."""
    if isinstance(obj, TensorRef):
        return obj.to_numpy()
    if isinstance(obj, dict):
        out = collections.OrderedDict() if isinstance(obj, collections.OrderedDict) else {}
        for key, value in obj.items():
            out[key] = _materialise(value)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(value) for value in obj)
    return obj


def _read_legacy(file: BinaryIO) -> Any:
    """Read the legacy (non-zip) format from an open binary file."""
    magic = _restricted_load(file)
    if magic != LEGACY_MAGIC_NUMBER:
        raise pickle.UnpicklingError("not a PyTorch file: wrong magic number")
    protocol = _restricted_load(file)
    if protocol != LEGACY_PROTOCOL_VERSION:
        raise pickle.UnpicklingError(f"unsupported PyTorch legacy protocol {protocol!r}")
    system_info = _restricted_load(file)
    if isinstance(system_info, dict) and not system_info.get("little_endian", True):
        raise pickle.UnpicklingError("big-endian PyTorch files are not supported")

    storages: dict[str, Storage] = {}

    def new_storage(key: str, dtype: np.dtype, numel: int) -> Storage:
        if key not in storages:
            storages[key] = Storage(key, dtype, numel)
        return storages[key]

    obj = _restricted_load(file, new_storage)
    keys = _restricted_load(file)
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise pickle.UnpicklingError(f"storage {key!r} listed but never used")
        (numel,) = struct.unpack("<q", file.read(8))
        nbytes = numel * storage.dtype.itemsize
        raw = file.read(nbytes)
        if numel != storage.numel or len(raw) != nbytes:
            raise pickle.UnpicklingError(
                f"storage {key!r}: expected {storage.numel} elements, the file has "
                f"{numel} announced and {len(raw) // storage.dtype.itemsize} present (truncated?)"
            )
        storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return _materialise(obj)


def _read_zip(path: Path) -> Any:
    """Read the zip format (PyTorch >= 1.6 default)."""
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise pickle.UnpicklingError(f"{path}: expected one data.pkl in the zip, found {pickles}")
        prefix = pickles[0][: -len("data.pkl")]

        def load_storage(key: str, dtype: np.dtype, numel: int) -> Storage:
            storage = Storage(key, dtype, numel)
            raw = archive.read(f"{prefix}data/{key}")
            if len(raw) < numel * dtype.itemsize:
                raise pickle.UnpicklingError(f"storage {key!r} is truncated")
            storage.data = np.frombuffer(raw[: numel * dtype.itemsize], dtype=dtype)
            return storage

        with archive.open(pickles[0]) as data_pkl:
            obj = _restricted_load(io.BytesIO(data_pkl.read()), load_storage)
    return _materialise(obj)


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read a ``.pth`` state dict: an (Ordered)dict of parameter name -> NumPy array.

    Arrays keep the file's dtypes (float32 weights, int64 ``num_batches_tracked``).
    Raises ``FileNotFoundError`` for a missing file and ``pickle.UnpicklingError``
    for a damaged file or one that names anything besides tensors.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no PyTorch weights file at {path}")
    if zipfile.is_zipfile(path):
        obj = _read_zip(path)
    else:
        with open(path, "rb") as file:
            try:
                obj = _read_legacy(file)
            except (EOFError, struct.error) as error:
                raise pickle.UnpicklingError(f"{path} ends too early (truncated?)") from error
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise pickle.UnpicklingError(f"{path} holds a {type(obj).__name__}, not a state dict")
    return obj
