"""Train the three shapes-world models, export them to ONNX and record their metrics.

    python scripts/train_shapes.py                 # all three, into helpers/models/files/
    python scripts/train_shapes.py --only detector # one of classifier, segmenter, detector
    python scripts/train_shapes.py --quick         # smoke run: tiny data, into scratch/shapes_quick/

Training needs torch (CPU) from requirements-train.txt; nothing else in the
project does. Each model is trained on the "train" split of the shapes world
(helpers/shapes.py), exported to ONNX (opset 13, static shapes, batch 1) and
then evaluated *through cv2.dnn* on the "val" and "test" splits with the
project's own evaluation code (helpers/evaluation.py, helpers/detection.py).
Beside each ``shapes_<model>.onnx`` it writes ``shapes_<model>.json``: seed,
data sizes, epochs, training time, metrics, sha256 and file size.

All models take RGB scaled to [0, 1] (blobFromImage(image, 1/255, size,
swapRB=True) on the BGR images of the shapes world). Seeds are fixed and torch
runs deterministically (use_deterministic_algorithms, one thread by default),
so re-running with the same --threads reproduces the metrics.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers import shapes  # noqa: E402
from helpers.detection import decode_yolo  # noqa: E402
from helpers.evaluation import (  # noqa: E402
    accuracy, detection_precision_recall, mean_iou, per_class_iou, top_label_ece)

SEED = 20261
OPSET = 13
GRID_STRIDE = 8          # detector: one prediction per 8x8 cell
BOX_SCALE = 32.0         # detector: w = (2 * sigmoid(t)) ** 2 * BOX_SCALE, at most 128 px

# Data sizes and schedules. Full runs take a few minutes per model on 2 cores.
# The classifier is trained long on a small set without weight decay or label
# smoothing, so that it memorises its hard examples and is over-confident on new ones.
FULL = {
    "classifier": dict(train=3000, val=1000, test=1000, epochs=50, batch=64, lr=3e-3, weight_decay=0.0),
    "segmenter": dict(train=2000, val=200, test=200, epochs=20, batch=32, lr=4e-3, crop=64),
    "detector": dict(train=2000, val=200, test=200, epochs=24, batch=32, lr=4e-3),
}
QUICK = {
    "classifier": dict(train=256, val=64, test=64, epochs=1, batch=64, lr=3e-3),
    "segmenter": dict(train=64, val=16, test=16, epochs=1, batch=32, lr=4e-3, crop=64),
    "detector": dict(train=64, val=16, test=16, epochs=1, batch=32, lr=4e-3),
}


# --------------------------------------------------------------------------
# Networks
# --------------------------------------------------------------------------

def conv_bn_relu(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class ShapesClassifier(nn.Module):
    """(1, 3, 64, 64) RGB in [0, 1] -> (1, 6) logits over OBJECT_CLASSES."""

    def __init__(self, num_classes: int = shapes.NUM_OBJECT_CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu(3, 16), nn.MaxPool2d(2),
            conv_bn_relu(16, 32), nn.MaxPool2d(2),
            conv_bn_relu(32, 64), nn.MaxPool2d(2),
            conv_bn_relu(64, 96),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(96, num_classes)

    def forward(self, x):
        return self.head(self.features(x))


class ShapesSegmenter(nn.Module):
    """(1, 3, 128, 128) RGB in [0, 1] -> (1, 7, 128, 128) class scores (logits), background first.

    A small U-Net: three stride-2 stages (the last with dilated convolutions for
    context), upsampling with skip connections, and a cheap 1x1 head at full
    resolution that mixes the upsampled meaning with full-resolution colour
    features. Fully convolutional, so it trains on crops.
    """

    def __init__(self, num_classes: int = len(shapes.CLASS_NAMES)):
        super().__init__()
        self.full = conv_bn_relu(3, 8)                                                      # 1/1
        self.down1 = conv_bn_relu(8, 24, stride=2)                                         # 1/2
        self.down2 = nn.Sequential(conv_bn_relu(24, 48, stride=2), conv_bn_relu(48, 48))   # 1/4
        self.down3 = nn.Sequential(conv_bn_relu(48, 64, stride=2), conv_bn_relu(64, 64, dilation=2),
                                   conv_bn_relu(64, 64, dilation=2))                        # 1/8
        self.up2 = conv_bn_relu(64 + 48, 32)                                               # 1/4
        self.up1 = conv_bn_relu(32 + 24, 16)                                               # 1/2
        self.head = nn.Sequential(nn.Conv2d(16 + 8, 16, 1), nn.ReLU(inplace=True),
                                  nn.Conv2d(16, num_classes, 1))                            # 1/1

    def forward(self, x):
        f0 = self.full(x)
        f1 = self.down1(f0)
        f2 = self.down2(f1)
        f3 = self.down3(f2)
        u2 = self.up2(torch.cat([F.interpolate(f3, scale_factor=2.0, mode="nearest"), f2], 1))
        u1 = self.up1(torch.cat([F.interpolate(u2, scale_factor=2.0, mode="nearest"), f1], 1))
        return self.head(torch.cat([F.interpolate(u1, scale_factor=2.0, mode="bilinear"), f0], 1))


class ShapesDetector(nn.Module):
    """(1, 3, 128, 128) RGB in [0, 1] -> (1, 4 + 6, 256) in the YOLOv8 layout.

    One prediction per 8x8 cell of a 16x16 grid. Rows 0-3 are cx, cy, w, h in
    input pixels, rows 4.. the per-class probabilities (sigmoid applied), so the
    output can go straight into decode_yolo. ``raw`` gives the undecoded map
    used for training.
    """

    def __init__(self, num_classes: int = shapes.NUM_OBJECT_CLASSES, size: int = shapes.SCENE_SIZE):
        super().__init__()
        self.num_classes = num_classes
        self.backbone = nn.Sequential(
            conv_bn_relu(3, 16, stride=2),   # 64
            conv_bn_relu(16, 32, stride=2),  # 32
            conv_bn_relu(32, 32),
            conv_bn_relu(32, 64, stride=2),  # 16
            conv_bn_relu(64, 64),
            conv_bn_relu(64, 64, dilation=2),
            conv_bn_relu(64, 64),
        )
        self.head = nn.Conv2d(64, 4 + num_classes, 1)
        cells = self.cells = size // GRID_STRIDE
        ys, xs = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing="ij")
        self.register_buffer("grid_xy", torch.stack([xs, ys]).float().view(1, 2, cells, cells))

    def raw(self, x):
        return self.head(self.backbone(x))

    def decode(self, raw):
        """(B, 4 + C, g, g) raw map -> (B, 4 + C, g * g): boxes in pixels, class probabilities."""
        xy = (self.grid_xy + 2.0 * torch.sigmoid(raw[:, 0:2]) - 0.5) * GRID_STRIDE
        wh = (2.0 * torch.sigmoid(raw[:, 2:4])) ** 2 * BOX_SCALE
        scores = torch.sigmoid(raw[:, 4:])
        out = torch.cat([xy, wh, scores], 1)
        # constant target shape (-1, 4 + C, g * g): the exported graph then runs on any batch
        return out.reshape(-1, 4 + self.num_classes, self.cells * self.cells)

    def forward(self, x):
        return self.decode(self.raw(x))


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def to_tensor(images_bgr: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 BGR -> (N, 3, H, W) float32 RGB in [0, 1] (what the ONNX files expect)."""
    rgb = images_bgr[..., ::-1].astype(np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))


def detector_targets(boxes_per_image, classes_per_image, cells: int):
    """Assign each true box to its centre cell and the two neighbouring cells nearest its centre.

    Returns (positive (N, g, g) bool, target boxes (N, 4, g, g) xyxy pixels,
    target classes (N, g, g) int64).
    """
    n = len(boxes_per_image)
    positive = torch.zeros(n, cells, cells, dtype=torch.bool)
    target_boxes = torch.zeros(n, 4, cells, cells)
    target_classes = torch.zeros(n, cells, cells, dtype=torch.int64)
    for i, (boxes, classes) in enumerate(zip(boxes_per_image, classes_per_image)):
        order = np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))  # small boxes win
        for box, cls in zip(boxes[order], classes[order]):
            cx, cy = (box[0] + box[2]) / 2 / GRID_STRIDE, (box[1] + box[3]) / 2 / GRID_STRIDE
            col, row = int(cx), int(cy)
            step_x = -1 if cx - col < 0.5 else 1
            step_y = -1 if cy - row < 0.5 else 1
            for c, r in ((col, row), (col + step_x, row), (col, row + step_y)):
                if 0 <= c < cells and 0 <= r < cells:
                    positive[i, r, c] = True
                    target_boxes[i, :, r, c] = torch.from_numpy(box)
                    target_classes[i, r, c] = int(cls)
    return positive, target_boxes, target_classes


def pairwise_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of matching rows of (P, 4) xyxy tensors."""
    wh = (torch.minimum(a[:, 2:], b[:, 2:]) - torch.maximum(a[:, :2], b[:, :2])).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a + area_b - inter + 1e-9)


# --------------------------------------------------------------------------
# Training loops
# --------------------------------------------------------------------------

def batches(count: int, batch: int, generator: torch.Generator):
    order = torch.randperm(count, generator=generator)
    for start in range(0, count, batch):
        yield order[start:start + batch]


def fit(model, loss_of_batch, count, cfg, generator, name):
    """Adam + one-cycle schedule; loss_of_batch(indices) -> scalar loss."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg.get("weight_decay", 1e-4))
    steps = cfg["epochs"] * ((count + cfg["batch"] - 1) // cfg["batch"])
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=cfg["lr"], total_steps=steps,
                                                   pct_start=0.15)
    model.train()
    for epoch in range(cfg["epochs"]):
        total, seen, started = 0.0, 0, time.perf_counter()
        for index in batches(count, cfg["batch"], generator):
            loss = loss_of_batch(index)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(index)
            seen += len(index)
        print(f"  {name} epoch {epoch + 1}/{cfg['epochs']}: loss {total / seen:.4f} "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
    model.eval()


def train_classifier(cfg, generator):
    images, labels = shapes.make_classification_set("train", cfg["train"])
    x, y = to_tensor(images), torch.from_numpy(labels)
    model = ShapesClassifier()
    fit(model, lambda idx: F.cross_entropy(model(x[idx]), y[idx]), len(y), cfg, generator, "classifier")
    return model


def train_segmenter(cfg, generator):
    """Trains on random crop_size crops (at multiples of 8 px) of the 128x128 scenes: 7x cheaper."""
    images, label_maps, _, _ = shapes.make_scene_set("train", cfg["train"])
    x, y = to_tensor(images), torch.from_numpy(label_maps.astype(np.int64))
    model = ShapesSegmenter()
    crop = cfg["crop"]
    positions = (shapes.SCENE_SIZE - crop) // 8 + 1

    def loss_of_batch(idx):
        offsets = torch.randint(0, positions, (len(idx), 2), generator=generator) * 8
        x_crops = torch.stack([x[i, :, r:r + crop, c:c + crop] for i, (r, c) in zip(idx, offsets)])
        y_crops = torch.stack([y[i, r:r + crop, c:c + crop] for i, (r, c) in zip(idx, offsets)])
        return F.cross_entropy(model(x_crops), y_crops)

    fit(model, loss_of_batch, len(y), cfg, generator, "segmenter")
    return model


def train_detector(cfg, generator):
    images, _, boxes, classes = shapes.make_scene_set("train", cfg["train"])
    x = to_tensor(images)
    model = ShapesDetector()
    cells = shapes.SCENE_SIZE // GRID_STRIDE
    positive, target_boxes, target_classes = detector_targets(boxes, classes, cells)

    def loss_of_batch(idx):
        raw = model.raw(x[idx])
        pos = positive[idx]
        class_target = torch.zeros_like(raw[:, 4:])
        class_target.scatter_(1, target_classes[idx][:, None], 1.0)
        class_target = class_target * pos[:, None].float()
        n_pos = max(int(pos.sum()), 1)
        class_loss = F.binary_cross_entropy_with_logits(raw[:, 4:], class_target, reduction="sum") / n_pos
        decoded = model.decode(raw)[:, :4].reshape(len(idx), 4, cells, cells)
        cxcywh = decoded.permute(0, 2, 3, 1)[pos]
        predicted = torch.cat([cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2], 1)
        wanted = target_boxes[idx].permute(0, 2, 3, 1)[pos]
        box_loss = (1 - pairwise_iou(predicted, wanted)).mean() + \
            F.l1_loss(predicted, wanted) / GRID_STRIDE
        return class_loss + 5.0 * box_loss

    fit(model, loss_of_batch, len(x), cfg, generator, "detector")
    return model


# --------------------------------------------------------------------------
# Export and evaluation through cv2.dnn
# --------------------------------------------------------------------------

def export_onnx(model, size: int, path: Path) -> None:
    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(model, (dummy,), str(path), dynamo=False, opset_version=OPSET,
                      input_names=["input"], output_names=["output"], do_constant_folding=True)


def read_net(path: Path):
    """cv2.dnn net; OpenCV 5 needs the classic engine for correct results."""
    if hasattr(cv2.dnn, "ENGINE_CLASSIC"):
        return cv2.dnn.readNetFromONNX(str(path), engine=cv2.dnn.ENGINE_CLASSIC)
    return cv2.dnn.readNetFromONNX(str(path))


def run_net(net, images_bgr: np.ndarray, size: int):
    """Forward each image alone (the graphs have batch 1). Returns (outputs list, ms per image)."""
    outputs, times = [], []
    for image in images_bgr:
        blob = cv2.dnn.blobFromImage(image, 1 / 255.0, (size, size), swapRB=True)
        started = time.perf_counter()
        net.setInput(blob)
        outputs.append(net.forward())
        times.append((time.perf_counter() - started) * 1000)
    return outputs, float(np.median(times))


def check_against_torch(model, net, images_bgr) -> float:
    """Largest |cv2.dnn - torch| over a few images."""
    size = images_bgr.shape[1]
    with torch.no_grad():
        expected = model(to_tensor(images_bgr)).numpy()
    got, _ = run_net(net, images_bgr, size)
    return float(np.abs(np.concatenate(got) - expected).max())


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def evaluate_classifier(net, split: str, count: int) -> dict:
    images, labels = shapes.make_classification_set(split, count)
    outputs, ms = run_net(net, images, shapes.CLASSIFIER_SIZE)
    probabilities = softmax(np.concatenate(outputs).astype(np.float64))
    predicted = probabilities.argmax(1)
    return {
        "accuracy": accuracy(predicted, labels),
        "ece_15_bins": top_label_ece(probabilities.max(1), predicted == labels, 15),
        "mean_confidence": float(probabilities.max(1).mean()),
        "inference_ms_per_image": ms,
    }


def evaluate_segmenter(net, split: str, count: int) -> dict:
    images, label_maps, _, _ = shapes.make_scene_set(split, count)
    outputs, ms = run_net(net, images, shapes.SCENE_SIZE)
    predicted = np.stack([out[0].argmax(0) for out in outputs])
    ious = per_class_iou(predicted, label_maps, len(shapes.CLASS_NAMES))
    return {
        "mean_iou": mean_iou(predicted, label_maps, len(shapes.CLASS_NAMES)),
        "per_class_iou": dict(zip(shapes.CLASS_NAMES, [round(float(v), 6) for v in ious])),
        "pixel_accuracy": accuracy(predicted, label_maps),
        "inference_ms_per_image": ms,
    }


def evaluate_detector(net, split: str, count: int) -> dict:
    images, _, boxes, classes = shapes.make_scene_set(split, count)
    outputs, ms = run_net(net, images, shapes.SCENE_SIZE)
    predictions = [decode_yolo(out, 0.25, 0.45) for out in outputs]
    result = detection_precision_recall(predictions, list(zip(boxes, classes)), 0.5)
    result.update(conf_threshold=0.25, nms_iou_threshold=0.45, match_iou=0.5,
                  inference_ms_per_image=ms)
    return result


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

MODELS = {
    "classifier": (train_classifier, shapes.CLASSIFIER_SIZE, evaluate_classifier),
    "segmenter": (train_segmenter, shapes.SCENE_SIZE, evaluate_segmenter),
    "detector": (train_detector, shapes.SCENE_SIZE, evaluate_detector),
}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_one(name: str, cfg: dict, out_dir: Path) -> dict:
    train, size, evaluate = MODELS[name]
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    print(f"{name}: training on {cfg['train']} images for {cfg['epochs']} epochs", flush=True)
    started = time.perf_counter()
    model = train(cfg, generator)
    training_seconds = time.perf_counter() - started

    onnx_path = out_dir / f"shapes_{name}.onnx"
    export_onnx(model, size, onnx_path)
    net = read_net(onnx_path)
    sample = (shapes.make_classification_set("val", 4)[0] if name == "classifier"
              else shapes.make_scene_set("val", 4)[0])
    max_diff = check_against_torch(model, net, sample)
    val = evaluate(net, "val", cfg["val"])
    test = evaluate(net, "test", cfg["test"])
    record = {
        "model": f"shapes_{name}",
        "file": onnx_path.name,
        "sha256": sha256_of(onnx_path),
        "size_bytes": onnx_path.stat().st_size,
        "input": {"shape": [1, 3, size, size], "channels": "RGB", "scale": "1/255",
                  "resize": "stretch", "blob": f"cv2.dnn.blobFromImage(bgr, 1/255, ({size}, {size}), swapRB=True)"},
        "classes_file": ("helpers/data/shapes_classes.txt (background first)" if name == "segmenter"
                         else "helpers/data/shapes_objects.txt (no background)"),
        "seed": SEED,
        "split_seeds": shapes.SPLIT_SEEDS,
        "data": {"train": cfg["train"], "val": cfg["val"], "test": cfg["test"]},
        "epochs": cfg["epochs"], "batch_size": cfg["batch"], "max_lr": cfg["lr"],
        "weight_decay": cfg.get("weight_decay", 1e-4), "optimiser": "AdamW, one-cycle schedule",
        "training_seconds": round(training_seconds, 1),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "opset": OPSET,
        "max_abs_diff_cv2_vs_torch": max_diff,
        "val": val,
        "test": test,
        "environment": {"torch": torch.__version__, "opencv": cv2.__version__,
                        "numpy": np.__version__, "python": platform.python_version(),
                        "threads": torch.get_num_threads()},
    }
    (out_dir / f"shapes_{name}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: record[k] for k in ("size_bytes", "training_seconds", "max_abs_diff_cv2_vs_torch",
                                              "val", "test")}, indent=2), flush=True)
    return record


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(MODELS), action="append",
                        help="train only this model (may be repeated)")
    parser.add_argument("--quick", action="store_true", help="smoke run on tiny data into scratch/shapes_quick/")
    parser.add_argument("--out", type=Path, help="output folder (default helpers/models/files/)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: on a shared 2-core machine one thread "
                             "was 3x faster than two; the recorded metrics were made with 1)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    configs = QUICK if args.quick else FULL
    out_dir = args.out or (ROOT / "scratch" / "shapes_quick" if args.quick else ROOT / "helpers" / "models" / "files")
    out_dir.mkdir(parents=True, exist_ok=True)
    shapes.write_class_files()
    for name in args.only or list(MODELS):
        train_one(name, configs[name], out_dir)


if __name__ == "__main__":
    main()
