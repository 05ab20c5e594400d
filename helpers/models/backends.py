"""The runtimes that can run a model file: cv2.dnn, ONNX Runtime, OpenVINO and LiteRT.

The katas run every network in ``cv2.dnn`` (``backend="opencv"``, the default): one library,
the output in plain sight. A program that ships picks a runtime built for speed; the same
model file gives the same raw outputs in each (``tests/test_backends.py`` states the
tolerances). Every runtime is wrapped in a :class:`Network` with one method::

    network.run(blob)   # (N, 3, H, W) float32 blob -> {output name: array}, in cv2.dnn's layout

so that :class:`helpers.models.Model` and everything above it does not care which runtime
is underneath. Preprocessing stays the project's own (:func:`helpers.preprocessing.preprocess`):
a preset means the same input whatever runs the network.

Which runtime reads which file (:data:`BACKEND_FORMATS`):

==============  =================  ==========================================
backend         package (pip)      files
==============  =================  ==========================================
``opencv``      opencv-python-*    .onnx, .tflite, Caffe, ... (all presets)
``onnxruntime`` onnxruntime        .onnx
``openvino``    openvino           .onnx, .tflite (not MediaPipe's custom ops)
``litert``      ai-edge-litert     .tflite
==============  =================  ==========================================

TFLite files are NHWC (batch, height, width, channels). cv2.dnn reads them into its own NCHW
layout; the other runtimes keep NHWC, so their :class:`Network` transposes the blob on the
way in and every 4-D output on the way out, which keeps the outputs identical to cv2.dnn's.
A file whose batch axis is fixed at 1 (the TFLite files and the shapes models) is run one
image at a time by every runtime, so a batch of N still gives N rows.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from .opencv_compat import OPENCV_VERSION, read_net

#: The backends load_model accepts, the default first.
BACKENDS: tuple[str, ...] = ("opencv", "onnxruntime", "openvino", "litert")

#: backend -> (module to import, the pip package that provides it).
BACKEND_PACKAGES: dict[str, tuple[str, str]] = {
    "opencv": ("cv2", "opencv-python-headless"),
    "onnxruntime": ("onnxruntime", "onnxruntime"),
    "openvino": ("openvino", "openvino"),
    "litert": ("ai_edge_litert", "ai-edge-litert"),
}

#: backend -> the model file suffixes it reads (None: every format cv2.dnn reads).
BACKEND_FORMATS: dict[str, tuple[str, ...] | None] = {
    "opencv": None,
    "onnxruntime": (".onnx",),
    "openvino": (".onnx", ".tflite"),
    "litert": (".tflite",),
}

#: Where the requirements for a backend live, for the "not installed" message.
BACKEND_REQUIREMENTS: dict[str, str] = {
    "opencv": "requirements.txt",
    "onnxruntime": "requirements.txt",
    "openvino": "requirements-runtimes.txt",
    "litert": "requirements-runtimes.txt",
}


class BackendNotInstalledError(ImportError):
    """The runtime asked for is not installed; the message names the pip package."""


class BackendCannotRunError(ValueError):
    """The runtime is installed but cannot run this model (its file format or its operators)."""


def check_backend_name(backend: str) -> str:
    """``backend`` when it is one of :data:`BACKENDS`; ``ValueError`` listing them otherwise."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(map(repr, BACKENDS))}")
    return backend


def is_installed(backend: str) -> bool:
    """True when the module behind ``backend`` can be imported here."""
    module, _ = BACKEND_PACKAGES[check_backend_name(backend)]
    return importlib.util.find_spec(module) is not None


def installed_backends() -> list[str]:
    """The backends whose package is installed, in :data:`BACKENDS` order."""
    return [backend for backend in BACKENDS if is_installed(backend)]


def require_backend(backend: str):
    """Import and return the module behind ``backend``, or raise BackendNotInstalledError."""
    module, package = BACKEND_PACKAGES[check_backend_name(backend)]
    if not is_installed(backend):
        raise BackendNotInstalledError(
            f"backend {backend!r} needs the package {package!r}, which is not installed: "
            f"`pip install -r {BACKEND_REQUIREMENTS[backend]}` (or `pip install {package}`), "
            f"then restart the kernel. load_model never switches to another backend by itself."
        )
    return importlib.import_module(module)


def backend_version(backend: str) -> str:
    """The installed version of the backend's package, e.g. "1.32.0"."""
    if backend == "opencv":
        return OPENCV_VERSION
    _, package = BACKEND_PACKAGES[check_backend_name(backend)]
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def readers_of(file_suffix: str) -> list[str]:
    """The backends (installed or not) that read files ending in ``file_suffix``, e.g. ".onnx"."""
    suffix = file_suffix.lower()
    return [b for b in BACKENDS if BACKEND_FORMATS[b] is None or suffix in BACKEND_FORMATS[b]]


def check_backend_reads(backend: str, file_suffix: str, model_name: str) -> None:
    """BackendCannotRunError when ``backend`` does not read files ending in ``file_suffix``."""
    formats = BACKEND_FORMATS[check_backend_name(backend)]
    suffix = file_suffix.lower()
    readers = readers_of(suffix)
    if backend not in readers:
        raise BackendCannotRunError(
            f"backend {backend!r} reads {', '.join(formats)} files; {model_name!r} is a {suffix} file. "
            f"Backends that read it: {', '.join(map(repr, readers))}"
        )


def _nhwc_to_nchw(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array.transpose(0, 3, 1, 2)) if array.ndim == 4 else array


class Network:
    """One model file opened by one runtime.

    ``run(blob)`` takes an (N, 3, H, W) float32 blob and returns ``{output name: array}``
    with each array's first axis N, in cv2.dnn's layout. ``output_names`` lists the outputs
    in the order cv2.dnn reports them for that file (sorted by name where the file does not
    say). Subclasses implement ``_run_batch(blob)`` for a batch the file accepts.
    """

    backend = "?"

    def __init__(self, path: Path, output_names: list[str], fixed_batch: bool, nhwc: bool):
        self.path = Path(path)
        self.output_names = list(output_names)
        self.fixed_batch = fixed_batch  # True: the file takes one image per call
        self.nhwc = nhwc  # True: the file wants (N, H, W, C) and gives NHWC 4-D outputs

    @property
    def version(self) -> str:
        return backend_version(self.backend)

    def run(self, blob: np.ndarray) -> dict[str, np.ndarray]:
        """(N, 3, H, W) float32 blob -> {output name: (N, ...) array} in cv2.dnn's layout."""
        blob = np.ascontiguousarray(blob, dtype=np.float32)
        if blob.ndim != 4:
            raise ValueError(f"a blob is (N, 3, H, W); got shape {blob.shape}")
        if self.nhwc:
            blob = blob.transpose(0, 2, 3, 1)  # a view: _run_batch makes the one copy its runtime needs
        if self.fixed_batch and blob.shape[0] != 1:
            parts = [self._run_batch(blob[i:i + 1]) for i in range(blob.shape[0])]
            outputs = {name: np.concatenate([part[name] for part in parts]) for name in self.output_names}
        else:
            outputs = self._run_batch(blob)
        return {name: outputs[name] for name in self.output_names}

    def _run_batch(self, blob: np.ndarray) -> dict[str, np.ndarray]:
        """A blob the file accepts (NHWC view when ``nhwc``) -> outputs in cv2.dnn's NCHW layout."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path.name} on {self.backend} {self.version}>"


class OpenCVNetwork(Network):
    """cv2.dnn (the classic engine on OpenCV 5): ``.net`` is the cv2.dnn.Net itself.

    cv2.dnn takes NCHW blobs for TFLite files too. Given a batch of N, its TFLite reader
    runs it but joins the rows of 3-D outputs into one ((1, N * 896, 1) for BlazeFace, not
    (N, 896, 1)), so TFLite files are run one image at a time here as on the other runtimes.
    """

    backend = "opencv"

    def __init__(self, net, path: Path | str = "?"):
        self.net = net
        path = Path(path)
        super().__init__(path, list(net.getUnconnectedOutLayersNames()),
                         fixed_batch=path.suffix.lower() == ".tflite", nhwc=False)

    def _run_batch(self, blob):
        self.net.setInput(blob)
        if len(self.output_names) > 1:
            return {name: np.asarray(out) for name, out in zip(self.output_names, self.net.forward(self.output_names))}
        return {self.output_names[0]: np.asarray(self.net.forward())}


def _thread_count() -> int:
    return max(1, os.cpu_count() or 1)


class OnnxRuntimeNetwork(Network):
    """An ONNX file in an onnxruntime.InferenceSession on the CPU (``.session``)."""

    backend = "onnxruntime"

    def __init__(self, path: Path):
        ort = require_backend("onnxruntime")
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: no warnings printed into a notebook
        # Its threads wait for work by spinning, which takes the CPU from whatever else runs
        # (the capstone decodes and saves beside the network): on 2 cores, off is faster.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        (first,) = self.session.get_inputs()
        self.input_name = first.name
        names = sorted(output.name for output in self.session.get_outputs())
        super().__init__(path, names, fixed_batch=first.shape[0] == 1, nhwc=False)

    def _run_batch(self, blob):
        outputs = self.session.run(self.output_names, {self.input_name: blob})
        return dict(zip(self.output_names, outputs))


class OpenVINONetwork(Network):
    """An ONNX or TFLite file compiled by OpenVINO for the CPU (``.compiled``), in float32.

    On a CPU with bfloat16 instructions (AVX512_BF16, AMX) OpenVINO computes in bfloat16
    unless told otherwise: faster, but EfficientNet-Lite0's logits then move by up to 0.6
    on the sample photos. ``INFERENCE_PRECISION_HINT="f32"`` keeps the model's own float32,
    so the outputs match the other runtimes.
    """

    backend = "openvino"

    def __init__(self, path: Path):
        ov = require_backend("openvino")
        core = ov.Core()
        model = core.read_model(str(path))
        (first,) = model.inputs
        batch = first.get_partial_shape()[0]
        self.compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        self.request = self.compiled.create_infer_request()
        self.outputs = {output.get_any_name(): output for output in self.compiled.outputs}
        super().__init__(path, sorted(self.outputs), fixed_batch=batch.is_static and batch.get_length() == 1,
                         nhwc=Path(path).suffix.lower() == ".tflite")

    def _run_batch(self, blob):
        results = self.request.infer({0: np.ascontiguousarray(blob)})
        outputs = {name: np.array(results[output]) for name, output in self.outputs.items()}
        return {name: _nhwc_to_nchw(out) for name, out in outputs.items()} if self.nhwc else outputs


class LiteRTNetwork(Network):
    """A TFLite file in a LiteRT Interpreter (``.interpreter``), one thread a core."""

    backend = "litert"

    def __init__(self, path: Path):
        require_backend("litert")
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=_thread_count())
        self.interpreter.allocate_tensors()
        (first,) = self.interpreter.get_input_details()
        self.input_index = first["index"]
        self.output_index = {detail["name"]: detail["index"] for detail in self.interpreter.get_output_details()}
        super().__init__(path, sorted(self.output_index), fixed_batch=int(first["shape_signature"][0]) == 1, nhwc=True)

    def _run_batch(self, blob):
        # Copied straight into the interpreter's input buffer (set_tensor would need a contiguous
        # copy first); the view is not kept past this line, as LiteRT requires.
        np.copyto(self.interpreter.tensor(self.input_index)(), blob)
        self.interpreter.invoke()
        # One copy out of each output buffer (the interpreter reuses them on the next invoke),
        # transposed to NCHW on the way for 4-D outputs.
        outputs = {}
        for name, index in self.output_index.items():
            view = self.interpreter.tensor(index)()
            # .copy(), never ascontiguousarray: (1, 256, 256, 1) read as (1, 1, 256, 256) is already
            # contiguous, so that would return a view into the buffer the next invoke overwrites.
            outputs[name] = (view.transpose(0, 3, 1, 2) if view.ndim == 4 else view).copy()
            del view
        return outputs


NETWORK_CLASSES: dict[str, type[Network]] = {
    "onnxruntime": OnnxRuntimeNetwork,
    "openvino": OpenVINONetwork,
    "litert": LiteRTNetwork,
}


def open_network(path: Path | str, backend: str = "opencv", config: Path | str | None = None,
                 model_name: str | None = None) -> Network:
    """Open the model file at ``path`` with ``backend``; returns a :class:`Network`.

    Raises BackendNotInstalledError (the package is missing), BackendCannotRunError (the
    runtime does not read this format, or fails on the file's operators), FileNotFoundError.
    """
    path = Path(path)
    name = model_name or path.name
    require_backend(backend)
    check_backend_reads(backend, path.suffix, name)
    if backend == "opencv":
        return OpenCVNetwork(read_net(path, config), path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        return NETWORK_CLASSES[backend](path)
    except (BackendNotInstalledError, FileNotFoundError):
        raise
    except Exception as error:  # the runtime's own parse or operator error
        detail = str(error).strip().splitlines()
        raise BackendCannotRunError(
            f"{backend} {backend_version(backend)} could not open {name!r} ({path.name}): "
            f"{(detail[-1] if detail else type(error).__name__).rstrip('.')}. "
            f"backend='opencv' runs every model of the katas"
        ) from error
