"""Notebook 01: blob preprocessing. blob_from_image, normalize_blob, blob_to_image."""
import cv2
import numpy as np

from ..preprocessing import blob_from_image, blob_to_image, normalize_blob
from .core import Case, Exercise, Mistake, compare_arrays, register

NOTEBOOK = "01_blob_preprocessing"


def _image(rng, height, width, dtype=np.uint8):
    """A seeded test image: noise, so that every pixel-moving mistake shows."""
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return image.astype(dtype)


def _close_to_1e4(expected, got):
    """The blob contract: same shape and dtype as OpenCV's, values within 1e-4."""
    return compare_arrays(expected, got, atol=1e-4, rtol=0, what="your blob")


def _shape(run):
    return getattr(run.got, "shape", None)


# --------------------------------------------------------------------------- #
# blob_from_image
# --------------------------------------------------------------------------- #
def _blob_variant(*, swap_first=True, crop_mode="cover", scale_first=False, divide=False,
                  float_before_resize=False, swap=True):
    """A blob_from_image with one known mistake switched on (for the mistake list)."""

    def blob(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        image = image.astype(np.float32) if float_before_resize else image
        h, w = image.shape[:2]
        out_w, out_h = (w, h) if size is None else size
        if (out_w, out_h) != (w, h):
            if crop and crop_mode != "stretch":
                f = float(np.float32(max(out_w / w, out_h / h)))
                image = cv2.resize(image, None, fx=f, fy=f)
                top, left = ((image.shape[0] - out_h) // 2, (image.shape[1] - out_w) // 2)
                if crop_mode == "top_left":
                    top, left = 0, 0
                image = image[top:top + out_h, left:left + out_w]
            else:
                image = cv2.resize(image, (out_w, out_h))
        x = image.astype(np.float32)
        m = np.array(mean, np.float32)
        if swap_rb and swap and swap_first:
            x = x[..., ::-1]
        x = x * np.float32(scalefactor) - m if scale_first else x - m
        if not scale_first:
            x = x / np.float32(scalefactor) if divide else x * np.float32(scalefactor)
        if swap_rb and swap and not swap_first:
            x = x[..., ::-1]
        return np.ascontiguousarray(x.transpose(2, 0, 1)[None])

    return blob


def _blob_cases():
    rng = np.random.default_rng(0)
    return [
        Case("a (6, 8, 3) uint8 image with the default arguments", (_image(rng, 6, 8),)),
        Case("mean (104, 117, 123) and scalefactor 0.5", (_image(rng, 5, 7), 0.5),
             {"mean": (104, 117, 123)}),
        Case("swap_rb=True with mean (10, 60, 200)", (_image(rng, 4, 6),),
             {"mean": (10, 60, 200), "swap_rb": True}),
        Case("size=(12, 5): 12 wide and 5 high, stretched (crop=False)", (_image(rng, 9, 7),),
             {"size": (12, 5)}),
        Case("crop=True: a (21, 33) image to size (16, 16)", (_image(rng, 21, 33),),
             {"size": (16, 16), "crop": True}),
        Case("crop=True: a tall (40, 15) image to size (10, 12)", (_image(rng, 40, 15),),
             {"size": (10, 12), "crop": True}),
        Case("crop=True: a small (7, 9) image enlarged to size (20, 14)", (_image(rng, 7, 9),),
             {"size": (20, 14), "crop": True}),
        Case("everything at once: scalefactor 1/255, size (11, 13), mean (0.4, 0.5, 0.6) * 255, "
             "swap_rb=True, crop=True", (_image(rng, 30, 25), 1 / 255, (11, 13), (102.0, 127.5, 153.0),
                                          True, True)),
        Case("crop=True when the image already has the requested size", (_image(rng, 8, 10),),
             {"size": (10, 8), "crop": True}),
        Case("a float32 image (values 0-255)", (_image(rng, 6, 5, np.float32), 1 / 128, (4, 4)),
             {"mean": (127, 127, 127)}),
    ]


register(Exercise(
    name="blob_from_image",
    notebook=NOTEBOOK,
    reference=blob_from_image,
    cases=_blob_cases,
    compare=_close_to_1e4,
    summary="BGR image to a (1, 3, H, W) float32 blob, like cv2.dnn.blobFromImage",
    hint="""
        Work in this order, as OpenCV does:
        1. resize the uint8 image with cv2.resize (size is (width, height));
           for crop=True use fx = fy = max(W / w, H / h), then cut the centre:
           top = int(0.5 * (rows - H)), left = int(0.5 * (cols - W));
        2. convert to float32; swap the channels (image[..., ::-1]) if swap_rb;
        3. subtract the mean (it is given in the order after the swap), multiply by scalefactor;
        4. transpose (H, W, C) -> (C, H, W) and add a batch axis: (1, 3, H, W).
    """,
    mistakes=[
        Mistake("ex01_blobs.todo1", "your blob is channels-last (1, H, W, 3). Networks want channels first: "
                "`x.transpose(2, 0, 1)[np.newaxis]` gives (1, 3, H, W).",
                detect=lambda run: _shape(run) is not None and len(_shape(run)) == 4
                and _shape(run)[3] == 3 and _shape(run)[1:3] == run.expected.shape[2:]),
        Mistake("ex01_blobs.todo2", "your blob has no batch axis: it is (3, H, W). Add one with `x[np.newaxis]` "
                "to get (1, 3, H, W).",
                detect=lambda run: _shape(run) == run.expected.shape[1:]),
        Mistake("ex01_blobs.todo3", "your blob is float64. Convert with `astype(np.float32)` (and keep the mean as "
                "float32): networks take float32.",
                detect=lambda run: getattr(run.got, "dtype", None) == np.float64),
        Mistake("ex01_blobs.todo4", "your blob is `size[0]` high and `size[1]` wide: OpenCV's size is (width, height), "
                "the opposite of a NumPy shape.",
                detect=lambda run: _shape(run) is not None and len(_shape(run)) == 4
                and _shape(run)[2:] == run.expected.shape[:1:-1] != run.expected.shape[2:]),
        Mistake("ex01_blobs.todo5", "with crop=True your function stretches the image to the size. Crop keeps the aspect "
                "ratio: resize by max(W / w, H / h) so the image covers the target, then cut out the centre.",
                impl=_blob_variant(crop_mode="stretch")),
        Mistake("ex01_blobs.todo6", "your crop starts at the top-left corner; blobFromImage cuts out the centre: "
                "top = int(0.5 * (rows - H)), left = int(0.5 * (cols - W)).",
                impl=_blob_variant(crop_mode="top_left")),
        Mistake("ex01_blobs.todo7", "you subtracted the mean before swapping the channels. blobFromImage swaps first: "
                "the mean is given in the blob's (swapped) channel order.",
                impl=_blob_variant(swap_first=False)),
        Mistake("ex01_blobs.todo8", "swap_rb=True should reverse the channels (BGR -> RGB): `x[..., ::-1]`.",
                impl=_blob_variant(swap=False)),
        Mistake("ex01_blobs.todo9", "you multiplied by scalefactor before subtracting the mean; blobFromImage computes "
                "(pixel - mean) * scalefactor.",
                impl=_blob_variant(scale_first=True)),
        Mistake("ex01_blobs.todo10", "you divided by scalefactor; blobFromImage multiplies: (pixel - mean) * scalefactor "
                "(scalefactor is 1/255 or 1/128, not 255).",
                impl=_blob_variant(divide=True)),
        Mistake("ex01_blobs.todo11", "you converted to float before resizing. OpenCV resizes the uint8 image (which rounds "
                "to whole numbers) and converts afterwards; resize first, then astype(np.float32).",
                impl=_blob_variant(float_before_resize=True)),
    ],
))


# --------------------------------------------------------------------------- #
# normalize_blob
# --------------------------------------------------------------------------- #
IMAGENET_MEAN_01 = (0.485, 0.456, 0.406)
IMAGENET_STD_01 = (0.229, 0.224, 0.225)


def _normalize_cases():
    rng = np.random.default_rng(1)
    unit = lambda *shape: rng.random(shape, dtype=np.float32)  # noqa: E731
    return [
        Case("a (2, 3, 4, 3) blob (2 images, 4 rows, 3 columns) in [0, 1] with the ImageNet mean and std",
             (unit(2, 3, 4, 3), IMAGENET_MEAN_01, IMAGENET_STD_01)),
        Case("a (1, 3, 5, 6) blob with mean (0.5, 0.25, 0) and std (0.25, 0.5, 2)",
             (unit(1, 3, 5, 6), (0.5, 0.25, 0.0), (0.25, 0.5, 2.0))),
        Case("a (3, 3, 2, 2) blob with mean and std given as lists",
             (unit(3, 3, 2, 2), [0.1, 0.2, 0.3], [0.5, 1.0, 1.5])),
        Case("a (1, 3, 4, 4) blob in 0-255 units with mean (123.675, 116.28, 103.53) and std (58.395, 57.12, 57.375)",
             (unit(1, 3, 4, 4) * 255, (123.675, 116.28, 103.53), (58.395, 57.12, 57.375))),
        Case("a (1, 3, 2, 5) float64 blob (the result must still be float32)",
             (unit(1, 3, 2, 5).astype(np.float64), IMAGENET_MEAN_01, IMAGENET_STD_01)),
    ]


def _last_axis(blob, mean, std):
    return ((blob - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)).astype(np.float32)


def _per_channel(blob, mean, std, op):
    m = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
    s = np.asarray(std, np.float32).reshape(1, 3, 1, 1)
    return op(blob.astype(np.float32), m, s).astype(np.float32)


register(Exercise(
    name="normalize_blob",
    notebook=NOTEBOOK,
    reference=normalize_blob,
    cases=_normalize_cases,
    summary="per-channel (blob - mean) / std on an (N, 3, H, W) blob",
    hint="""
        The channels are axis 1 of an (N, 3, H, W) blob. A (3,) mean broadcasts against the LAST
        axis (the width), so reshape it to (1, 3, 1, 1) first:
        `np.asarray(mean, np.float32).reshape(1, 3, 1, 1)`; the same for std. Return float32.
    """,
    mistakes=[
        Mistake("ex01_blobs.todo12", "your result is float64: NumPy promotes when mean or std are float64 arrays. Make "
                "them float32 (or cast the result with astype(np.float32)).",
                detect=lambda run: getattr(run.got, "dtype", None) == np.float64),
        Mistake("ex01_blobs.todo13", "your mean and std were applied along the last axis (the width), not the channels. "
                "A (3,) array broadcasts against the last axis: reshape it to (1, 3, 1, 1).",
                impl=_last_axis),
        Mistake("ex01_blobs.todo14", "you multiplied by std; normalising divides: (blob - mean) / std.",
                impl=lambda blob, mean, std: _per_channel(blob, mean, std, lambda x, m, s: (x - m) * s)),
        Mistake("ex01_blobs.todo15", "you divided by std before subtracting the mean; the order is (blob - mean) / std.",
                impl=lambda blob, mean, std: _per_channel(blob, mean, std, lambda x, m, s: x / s - m)),
        Mistake("ex01_blobs.todo16", "your channels are in the reverse order: mean and std are given in the blob's "
                "channel order, so channel 0 uses mean[0].",
                impl=lambda blob, mean, std: _per_channel(blob, mean[::-1], std[::-1],
                                                          lambda x, m, s: (x - m) / s)),
    ],
))


# --------------------------------------------------------------------------- #
# blob_to_image
# --------------------------------------------------------------------------- #
def _to_image_cases():
    rng = np.random.default_rng(2)
    quarter = (rng.integers(-40, 300, (1, 3, 4, 5)) + rng.choice([0.25, 0.75], (1, 3, 4, 5))).astype(np.float32)
    return [
        Case("a blob of a (5, 7) image made with the default arguments",
             (blob_from_image(_image(rng, 5, 7)),)),
        Case("a blob made with scalefactor 1/255",
             (blob_from_image(_image(rng, 4, 6), 1 / 255),), {"scalefactor": 1 / 255}),
        Case("a blob made with mean (104, 117, 123)",
             (blob_from_image(_image(rng, 6, 4), mean=(104, 117, 123)),), {"mean": (104, 117, 123)}),
        Case("a blob made with swap_rb=True, mean (123.675, 116.28, 103.53) and scalefactor 1/58",
             (blob_from_image(_image(rng, 5, 5), 1 / 58, mean=(123.675, 116.28, 103.53), swap_rb=True),),
             {"mean": (123.675, 116.28, 103.53), "scalefactor": 1 / 58, "swap_rb": True}),
        Case("a (3, H, W) blob without the batch axis", (blob_from_image(_image(rng, 3, 4))[0],)),
        Case("a blob with values like 12.75 and -3.25 and some outside 0-255 (round, then clip)",
             (quarter,)),
    ]


def _undo(*, clip=True, rounding=np.rint, swap_back=True, mean_after_swap=False, multiply=False,
          subtract=False):
    """A blob_to_image with one known mistake switched on."""

    def to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0)
        x = x * scalefactor if multiply else x / scalefactor
        m = np.asarray(mean, np.float32)
        if swap_rb and swap_back and mean_after_swap:
            x = x[..., ::-1]
        x = x - m if subtract else x + m
        if swap_rb and swap_back and not mean_after_swap:
            x = x[..., ::-1]
        x = rounding(x)
        if clip:
            x = np.clip(x, 0, 255)
        return x.astype(np.uint8)

    return to_image


register(Exercise(
    name="blob_to_image",
    notebook=NOTEBOOK,
    reference=blob_to_image,
    cases=_to_image_cases,
    summary="undo a blob: (1, 3, H, W) float32 back to an (H, W, 3) uint8 BGR image",
    hint="""
        Undo blob_from_image step by step, backwards: drop the batch axis, transpose (3, H, W) ->
        (H, W, 3), divide by scalefactor, add the mean (it is in the blob's channel order, so add it
        BEFORE swapping back), swap the channels back if swap_rb, then np.rint, np.clip to 0..255
        and astype(np.uint8). Without the clip, -1 wraps around to 255.
    """,
    mistakes=[
        Mistake("ex01_blobs.todo17", "your image is not uint8. Round, clip to 0..255 and convert with astype(np.uint8): "
                "cv2.imshow and matplotlib read floats differently from 0-255 integers.",
                detect=lambda run: getattr(run.got, "dtype", np.uint8) != np.uint8),
        Mistake("ex01_blobs.todo18", "your image is still channels-first (3, H, W); transpose it to (H, W, 3).",
                detect=lambda run: _shape(run) == tuple(run.expected.shape[i] for i in (2, 0, 1))),
        Mistake("ex01_blobs.todo19", "your image still has the batch axis; return (H, W, 3), e.g. `blob[0]` first.",
                detect=lambda run: _shape(run) == (1,) + run.expected.shape),
        Mistake("ex01_blobs.todo20", "values outside 0..255 wrap around (-1 becomes 255): np.clip to 0..255 before astype(np.uint8).",
                impl=_undo(clip=False)),
        Mistake("ex01_blobs.todo21", "astype(np.uint8) truncates (12.75 becomes 12): round with np.rint first.",
                impl=_undo(rounding=np.trunc)),
        Mistake("ex01_blobs.todo22", "you multiplied by scalefactor; undoing a multiplication divides: blob / scalefactor + mean.",
                impl=_undo(multiply=True)),
        Mistake("ex01_blobs.todo23", "you subtracted the mean again; undoing a subtraction adds: blob / scalefactor + mean.",
                impl=_undo(subtract=True)),
        Mistake("ex01_blobs.todo24", "you swapped the channels back before adding the mean. The mean is in the blob's "
                "(swapped) order: add it first, then swap back.",
                impl=_undo(mean_after_swap=True)),
        Mistake("ex01_blobs.todo25", "with swap_rb=True the blob is RGB: swap the channels back (x[..., ::-1]) to get BGR.",
                impl=_undo(swap_back=False)),
    ],
))
