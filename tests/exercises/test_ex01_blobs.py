"""Notebook 01 checks reject the blobs learners really get wrong and accept correct variants."""
import cv2
import numpy as np

from .conftest import assert_accepted, assert_rejected


# --------------------------------------------------------------------------- #
# blob_from_image: wrong answers, written the way learners write them
# --------------------------------------------------------------------------- #
def _resize(image, size, crop):
    """The resize step done right, shared by the wrong answers below that get it right."""
    h, w = image.shape[:2]
    if size is None or tuple(size) == (w, h):
        return image
    if not crop:
        return cv2.resize(image, size)
    f = float(np.float32(max(size[0] / w, size[1] / h)))
    big = cv2.resize(image, None, fx=f, fy=f)
    y, x = (big.shape[0] - size[1]) // 2, (big.shape[1] - size[0]) // 2
    return big[y:y + size[1], x:x + size[0]]


def test_blob_mean_subtracted_before_the_swap():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32) - np.array(mean, np.float32)
        if swap_rb:
            x = x[:, :, [2, 1, 0]]
        return (x * scalefactor).astype(np.float32).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "before swapping")


def test_blob_hwc_instead_of_chw():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        if swap_rb:
            x = x[..., ::-1]
        return ((x - np.float32(mean)) * np.float32(scalefactor))[np.newaxis]
    assert_rejected("blob_from_image", blob_from_image, "channels-last", "transpose(2, 0, 1)")


def test_blob_without_batch_axis():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        return np.moveaxis((x - np.float32(mean)) * np.float32(scalefactor), -1, 0)
    assert_rejected("blob_from_image", blob_from_image, "no batch axis")


def test_blob_float64():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop) * 1.0
        if swap_rb:
            x = x[..., ::-1]
        return ((x - np.array(mean)) * scalefactor).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "float64")


def test_blob_crop_that_stretches():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None:
            image = cv2.resize(image, size)  # crop forgotten: always stretches
        x = image.astype(np.float32)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_BGR2RGB)
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None].copy()
    assert_rejected("blob_from_image", blob_from_image, "stretches")


def test_blob_crop_from_the_corner():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None and crop:
            h, w = image.shape[:2]
            f = float(np.float32(max(size[0] / w, size[1] / h)))
            image = cv2.resize(image, None, fx=f, fy=f)[:size[1], :size[0]]
        elif size is not None:
            image = cv2.resize(image, size)
        x = image[..., ::-1] if swap_rb else image
        return ((x.astype(np.float32) - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "top-left")


def test_blob_size_read_as_height_width():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        if size is not None:
            height, width = size  # NumPy order: wrong for OpenCV
            size = (width, height)
        x = _resize(image, size, crop)
        x = x[..., ::-1] if swap_rb else x
        return ((x.astype(np.float32) - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "(width, height)")


def test_blob_scale_before_mean():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        x = x[..., ::-1] if swap_rb else x
        return (x * np.float32(scalefactor) - np.float32(mean)).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "before subtracting the mean")


def test_blob_float_before_resize():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image.astype(np.float32), size, crop)
        x = x[..., ::-1] if swap_rb else x
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "before resizing")


def test_blob_forgot_swap():
    def blob_from_image(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop).astype(np.float32)
        return ((x - np.float32(mean)) * np.float32(scalefactor)).transpose(2, 0, 1)[None]
    assert_rejected("blob_from_image", blob_from_image, "reverse the channels")


def test_blob_correct_variants():
    def with_cvtcolor_and_einsum(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        x = _resize(image, size, crop)
        if swap_rb:
            x = cv2.cvtColor(x, cv2.COLOR_BGR2RGB)
        x = (x.astype(np.float32) - np.asarray(mean, np.float32)) * np.float32(scalefactor)
        return np.ascontiguousarray(np.einsum("hwc->chw", x)[None])

    def with_opencv(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        return cv2.dnn.blobFromImage(image, scalefactor, size, mean, swap_rb, crop)

    def with_rounded_crop_offset(image, scalefactor=1.0, size=None, mean=(0, 0, 0), swap_rb=False, crop=False):
        h, w = image.shape[:2]
        out_w, out_h = size or (w, h)
        if crop and (out_w, out_h) != (w, h):
            f = float(np.float32(max(out_w / w, out_h / h)))
            big = cv2.resize(image, (0, 0), fx=f, fy=f, interpolation=cv2.INTER_LINEAR)
            top, left = int((big.shape[0] - out_h) / 2), int((big.shape[1] - out_w) / 2)
            image = big[top:top + out_h, left:left + out_w]
        elif (out_w, out_h) != (w, h):
            image = cv2.resize(image, dsize=(out_w, out_h))
        channels = [image[..., c].astype(np.float32) for c in ((2, 1, 0) if swap_rb else (0, 1, 2))]
        planes = [(p - np.float32(m)) * np.float32(scalefactor) for p, m in zip(channels, mean)]
        return np.stack(planes)[None]

    for fn in (with_cvtcolor_and_einsum, with_opencv, with_rounded_crop_offset):
        assert_accepted("blob_from_image", fn)


# --------------------------------------------------------------------------- #
# normalize_blob
# --------------------------------------------------------------------------- #
def test_normalize_broadcast_along_the_width():
    def normalize_blob(blob, mean, std):
        return ((blob - np.array(mean, np.float32)) / np.array(std, np.float32)).astype(np.float32)
    assert_rejected("normalize_blob", normalize_blob, "last axis", "(1, 3, 1, 1)")


def test_normalize_float64():
    def normalize_blob(blob, mean, std):
        return (blob - np.array(mean)[None, :, None, None]) / np.array(std)[None, :, None, None]
    assert_rejected("normalize_blob", normalize_blob, "float64")


def test_normalize_multiplies_by_std():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean)[:, None, None]
        s = np.float32(std)[:, None, None]
        return ((blob - m) * s).astype(np.float32)
    assert_rejected("normalize_blob", normalize_blob, "multiplied by std")


def test_normalize_divides_first():
    def normalize_blob(blob, mean, std):
        m = np.float32(mean).reshape(1, 3, 1, 1)
        s = np.float32(std).reshape(1, 3, 1, 1)
        return (blob / s - m).astype(np.float32)
    assert_rejected("normalize_blob", normalize_blob, "before subtracting")


def test_normalize_channels_reversed():
    def normalize_blob(blob, mean, std):  # thinks the blob is BGR and the mean RGB
        m = np.float32(mean[::-1]).reshape(1, 3, 1, 1)
        s = np.float32(std[::-1]).reshape(1, 3, 1, 1)
        return ((blob - m) / s).astype(np.float32)
    assert_rejected("normalize_blob", normalize_blob, "reverse order")


def test_normalize_in_place():
    def normalize_blob(blob, mean, std):
        for c in range(3):
            blob[:, c] -= mean[c]
            blob[:, c] /= std[c]
        return blob.astype(np.float32)
    assert_rejected("normalize_blob", normalize_blob, "in place")


def test_normalize_correct_variants():
    def per_channel_loop(blob, mean, std):
        out = np.empty(blob.shape, np.float32)
        for c in range(3):
            out[:, c] = (blob[:, c] - mean[c]) / std[c]
        return out

    def moveaxis(blob, mean, std):
        x = np.moveaxis(blob.astype(np.float32), 1, -1)
        return np.moveaxis((x - np.float32(mean)) / np.float32(std), -1, 1)

    assert_accepted("normalize_blob", per_channel_loop)
    assert_accepted("normalize_blob", moveaxis)


# --------------------------------------------------------------------------- #
# blob_to_image
# --------------------------------------------------------------------------- #
def test_to_image_without_clip_wraps_around():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean)
        x = x[..., ::-1] if swap_rb else x
        return np.round(x).astype(np.uint8)
    assert_rejected("blob_to_image", blob_to_image, "wrap around", "clip")


def test_to_image_truncates():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean)
        x = x[..., ::-1] if swap_rb else x
        return np.clip(x, 0, 255).astype(np.uint8)
    assert_rejected("blob_to_image", blob_to_image, "truncates")


def test_to_image_returns_float():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor + np.float32(mean)
        return x[..., ::-1] if swap_rb else x
    assert_rejected("blob_to_image", blob_to_image, "not uint8")


def test_to_image_keeps_chw():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]) / scalefactor + np.float32(mean).reshape(3, 1, 1)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected("blob_to_image", blob_to_image, "channels-first")


def test_to_image_swaps_back_before_adding_the_mean():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) / scalefactor
        if swap_rb:
            x = x[..., ::-1]
        return np.clip(np.rint(x + np.float32(mean)), 0, 255).astype(np.uint8)
    assert_rejected("blob_to_image", blob_to_image, "before adding the mean")


def test_to_image_multiplies():
    def blob_to_image(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = blob.reshape(blob.shape[-3:]).transpose(1, 2, 0) * scalefactor + np.float32(mean)
        x = x[..., ::-1] if swap_rb else x
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
    assert_rejected("blob_to_image", blob_to_image, "multiplied by scalefactor")


def test_to_image_correct_variants():
    def with_cv2(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        planes = [blob.reshape(blob.shape[-3:])[c] / scalefactor + mean[c] for c in range(3)]
        image = cv2.merge([p.astype(np.float64) for p in planes])
        if swap_rb:
            image = cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2BGR)
        return np.clip(np.round(image), 0, 255).astype(np.uint8)

    def float64_math(blob, mean=(0, 0, 0), scalefactor=1.0, swap_rb=False):
        x = np.squeeze(np.asarray(blob, np.float64), axis=0) if blob.ndim == 4 else blob.astype(np.float64)
        x = np.moveaxis(x, 0, -1) / scalefactor + np.asarray(mean, np.float64)
        if swap_rb:
            x = np.flip(x, axis=-1)
        return np.rint(x).clip(0, 255).astype(np.uint8)

    assert_accepted("blob_to_image", with_cv2)
    assert_accepted("blob_to_image", float64_math)
