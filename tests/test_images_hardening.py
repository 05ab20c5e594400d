"""Issue 18 for helpers.images, helpers.pixels and helpers.preprocessing: EXIF orientation,
files that are not regular, dtypes and ranges, a documented pixel limit checked before
decoding, and errors that name the value and the fix."""
import os
import subprocess
import sys
import zlib
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

import helpers.images as images_module
from helpers.images import (MAX_PIXELS, PHOTOS_DIR, SAMPLE_IMAGES, ImageTooLarge, load_image,
                            opencv_applies_orientation, to_bgr_uint8)
from helpers.models.presets import PRESETS
from helpers.pixels import to_unit_range
from helpers.preprocessing import (blob_from_image, blob_to_image, center_crop, letterbox, preprocess,
                                   resize_short_side, stretch)

ROOT = Path(__file__).resolve().parents[1]
RGB = np.random.default_rng(0).integers(0, 256, (80, 120, 3), dtype=np.uint8)  # 80 rows, 120 columns


def _save(path, fmt, orientation, rgb=RGB):
    image = Image.fromarray(rgb)
    if fmt == "TIFF":
        image.save(path, "TIFF", tiffinfo={0x0112: orientation})
        return path
    exif = Image.Exif()
    exif[0x0112] = orientation
    extra = {"lossless": True} if fmt == "WEBP" else {"quality": 95} if fmt == "JPEG" else {}
    image.save(path, fmt, exif=exif.tobytes(), **extra)
    return path


def _png_header_only(width, height):
    """A valid PNG signature + IHDR for a width x height RGB picture + one tiny IDAT of zeros:
    a small file whose header claims a huge picture."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- #
# (1) EXIF orientation
# --------------------------------------------------------------------------- #
def test_a_phone_photo_with_orientation_6_loads_upright_like_imread(tmp_path):
    path = _save(tmp_path / "phone.jpg", "JPEG", 6)
    image = load_image(path)
    assert image.shape == (120, 80, 3) == cv2.imread(str(path)).shape
    assert np.abs(image.astype(int) - cv2.imread(str(path)).astype(int)).max() <= 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillows_exif_transpose(tmp_path, fmt, orientation):
    """Pixel for pixel (lossless formats) against Pillow; OpenCV turns TIFFs itself, and the
    helper does not turn them twice."""
    path = _save(tmp_path / f"o{orientation}.{fmt.lower()}", fmt, orientation)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))[:, :, ::-1]
    got = load_image(path)
    assert got.shape == expected.shape
    assert np.abs(got.astype(int) - expected).max() <= (12 if fmt == "JPEG" else 0)


def test_an_invalid_orientation_value_is_ignored(tmp_path):
    path = tmp_path / "odd.png"
    exif = Image.Exif()
    exif[0x0112] = 9
    Image.fromarray(RGB).save(path, exif=exif.tobytes())
    assert load_image(path).shape == (80, 120, 3)


def test_opencv_orientation_probe_answers_for_each_format():
    for fmt in ("JPEG", "PNG", "WEBP", "TIFF", "BMP"):
        assert isinstance(opencv_applies_orientation(fmt), bool)
    assert opencv_applies_orientation("BMP") is False  # no EXIF there: nothing is turned


@pytest.mark.parametrize("name", SAMPLE_IMAGES)
def test_no_sample_photo_has_an_orientation_tag(name):
    """The notebooks' outputs depend on these photos keeping their shapes."""
    with Image.open(PHOTOS_DIR / f"{name}.jpg") as image:
        assert image.getexif().get(0x0112, 1) == 1


# --------------------------------------------------------------------------- #
# (2) files that are not regular
# --------------------------------------------------------------------------- #
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_like_a_photo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "f.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"f\.jpg is a FIFO"):
        load_image(fifo)  # no writer: an ordinary open() would wait forever


def test_a_folder_named_like_a_photo_is_refused(tmp_path):
    (tmp_path / "d.jpg").mkdir()
    with pytest.raises(IsADirectoryError, match="folder"):
        load_image(tmp_path / "d.jpg")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused():
    with pytest.raises(ValueError, match="character device"):
        load_image("/dev/zero")  # endless: reading it would fill the memory


def test_a_symlink_to_a_photo_is_followed(tmp_path):
    target = _save(tmp_path / "real.png", "PNG", 1)
    (tmp_path / "link.png").symlink_to(target)
    assert load_image(tmp_path / "link.png").shape == (80, 120, 3)


# --------------------------------------------------------------------------- #
# (3) dtype and range: a documented rule or a refusal naming both
# --------------------------------------------------------------------------- #
def test_a_float_image_in_0_255_is_refused_naming_its_range():
    image = np.random.default_rng(1).uniform(0, 255, (10, 10, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"float32 with values from .* to 25\d.*np\.clip\(np\.rint\(image\), 0, 255\)"):
        to_bgr_uint8(image)


def test_a_normalised_float_image_is_refused_with_the_way_back():
    image = np.linspace(-2.1, 2.6, 30, dtype=np.float32).reshape(2, 5, 3)
    with pytest.raises(ValueError, match=r"from -2\.1 .*normalis"):
        to_bgr_uint8(image)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_float_image_with_nan_or_inf_is_refused(bad):
    image = np.full((4, 4), 0.5, np.float64)
    image[1, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        to_bgr_uint8(image)


def test_the_0_1_float_rule_holds_with_half_a_step_of_slack():
    image = np.array([[-0.4 / 255, 0.0, 0.5, 1.0, 1 + 0.4 / 255]], np.float32)
    assert to_bgr_uint8(image)[0, :, 0].tolist() == [0, 0, 128, 255, 255]
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        to_bgr_uint8(np.array([[0.0, 1.01]], np.float32))


@pytest.mark.parametrize("dtype, words", [(np.int64, "astype(np.uint8)"), (bool, "mask"),
                                          (np.int8, "astype(np.uint8)"), (np.uint32, "astype(np.uint8)")])
def test_other_dtypes_are_refused_naming_the_dtype_and_fix(dtype, words):
    with pytest.raises(ValueError, match=np.dtype(dtype).name) as error:
        to_bgr_uint8(np.ones((3, 3, 3), dtype))
    assert words in str(error.value)


def test_a_float_tiff_in_0_255_is_refused_naming_the_file_and_range(tmp_path):
    path = tmp_path / "scan.tiff"
    assert cv2.imwrite(str(path), np.full((6, 7, 3), 200.0, np.float32))
    with pytest.raises(ValueError, match=r"scan\.tiff.*float32 with values from 200 to 200"):
        load_image(path)


def test_a_float_tiff_in_0_1_is_scaled_by_the_rule(tmp_path):
    path = tmp_path / "unit.tiff"
    assert cv2.imwrite(str(path), np.full((6, 7, 3), 0.5, np.float32))
    assert load_image(path)[0, 0].tolist() == [128, 128, 128]


def test_preprocess_refuses_a_float_image_in_0_1():
    image = np.random.default_rng(2).random((50, 60, 3), dtype=np.float32)
    with pytest.raises(TypeError, match=r"expects a uint8 image, got float32 with values from .* to .*to_bgr_uint8"):
        preprocess(image, PRESETS["mobilenetv2"])
    # the conversion it names gives the blob of the uint8 image
    np.testing.assert_array_equal(preprocess(to_bgr_uint8(image), PRESETS["mobilenetv2"]),
                                  preprocess(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8),
                                             PRESETS["mobilenetv2"]))


def test_to_unit_range_names_the_dtype_range_and_why():
    with pytest.raises(TypeError, match=r"float32 with values from 0(\.0)? to 1(\.0)?: it is float already"):
        to_unit_range(np.array([[0.0, 1.0]], np.float32))
    with pytest.raises(TypeError, match=r"int64 with values from 0 to 255.*astype\(np.uint8\)"):
        to_unit_range(np.array([[0, 255]]))
    with pytest.raises(TypeError, match="None"):
        to_unit_range(None)


def test_to_bgr_uint8_blocks_give_the_whole_image_result(monkeypatch):
    """The general path converts in blocks of rows; the result is the same as in one go."""
    image = np.random.default_rng(3).integers(0, 65536, (37, 11, 4), dtype=np.uint16)
    whole = to_bgr_uint8(image)
    monkeypatch.setattr(images_module, "_BLOCK_PIXELS", 30)  # 2 rows a block
    np.testing.assert_array_equal(to_bgr_uint8(image), whole)


# --------------------------------------------------------------------------- #
# (4) the pixel limit, checked before decoding
# --------------------------------------------------------------------------- #
def test_max_pixels_admits_real_photos_and_is_documented():
    assert MAX_PIXELS >= 8160 * 6144  # a 50 MP phone photo
    assert issubclass(ImageTooLarge, ValueError)
    assert "MAX_PIXELS" in (images_module.__doc__ or "") and "MAX_PIXELS" in load_image.__doc__


@pytest.mark.parametrize("width, height", [(20000, 20000), (100000, 1000), (MAX_PIXELS + 1, 1)])
def test_a_huge_png_is_refused_from_its_header_before_decoding(tmp_path, monkeypatch, width, height):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(width, height))
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: pytest.fail("decoded a picture past the limit"))
    with pytest.raises(ImageTooLarge, match=r"bomb\.png.*MAX_PIXELS"):
        load_image(path)


def _tiff_header_only(width, height, big_endian=False):
    """A classic TIFF whose first IFD gives only a width and a height (Pillow cannot open it)."""
    order = ">" if big_endian else "<"
    entries = [(256, 4, 1, width), (257, 4, 1, height)]
    ifd = struct.pack(order + "H", len(entries)) + b"".join(struct.pack(order + "HHII", *e) for e in entries)
    return (b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8) + ifd + b"\0" * 8


@pytest.mark.parametrize("big_endian", [False, True])
def test_a_tiff_pillow_cannot_open_is_still_checked_from_its_header(tmp_path, monkeypatch, big_endian):
    path = tmp_path / "bomb.tif"
    path.write_bytes(_tiff_header_only(30000, 30000, big_endian))
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: pytest.fail("decoded a picture past the limit"))
    with pytest.raises(ImageTooLarge, match="30000 x 30000"):
        load_image(path)


def test_a_file_bigger_than_any_picture_at_the_limit_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    cv2.imwrite(str(path), np.random.default_rng(5).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    monkeypatch.setattr(images_module, "MAX_PIXELS", 10)
    monkeypatch.setattr(images_module, "max_file_bytes", lambda: 1000)
    with pytest.raises(ImageTooLarge, match="huge.png is .* MB, more than"):
        load_image(path)


def test_the_limit_can_be_raised_on_purpose(tmp_path, monkeypatch):
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), np.zeros((10, 300, 3), np.uint8))
    monkeypatch.setattr(images_module, "MAX_PIXELS", 2000)
    with pytest.raises(ImageTooLarge, match="3,000 pixels"):
        load_image(path)
    monkeypatch.setattr(images_module, "MAX_PIXELS", 3000)
    assert load_image(path).shape == (10, 300, 3)


def test_a_177_byte_strip_is_loaded_but_its_resize_is_refused_before_allocating(tmp_path):
    path = tmp_path / "strip.png"
    cv2.imwrite(str(path), np.zeros((1, 100000, 3), np.uint8))
    strip = load_image(path)  # 100000 pixels: fine
    assert path.stat().st_size < 1000 and strip.shape == (1, 100000, 3)
    with pytest.raises(ImageTooLarge, match=r"100000x1 image .* 25600000 x 256"):
        resize_short_side(strip, 256)
    with pytest.raises(ImageTooLarge):
        preprocess(strip, PRESETS["mobilenetv2"])
    with pytest.raises(ImageTooLarge, match="crop=True"):
        blob_from_image(strip, 1.0, (224, 224), crop=True)
    assert preprocess(strip, PRESETS["googlenet_caffe"]).shape == (1, 3, 224, 224)  # a stretch is fine


@pytest.mark.parametrize("call", [lambda im: stretch(im, (100000, 100000)),
                                  lambda im: letterbox(im, (100000, 100000)),
                                  lambda im: blob_from_image(im, size=(100000, 100000))],
                         ids=["stretch", "letterbox", "blob_from_image"])
def test_a_huge_output_size_is_refused(call):
    with pytest.raises(ImageTooLarge, match="10,000,000,000 pixels"):
        call(np.zeros((4, 4, 3), np.uint8))


PEAK_SCRIPT = """
import sys
from helpers.images import ImageTooLarge, load_image
try:
    load_image(sys.argv[1])
except ImageTooLarge:
    pass
else:
    raise SystemExit("not refused")
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked pytest process
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1])
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_a_refused_bomb_costs_no_memory(tmp_path):
    """The 20000 x 20000 PNG (1.2 GB decoded) is refused from its header: the process stays small."""
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(20000, 20000))
    done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 400_000  # KiB: the interpreter, NumPy, OpenCV and Pillow


# --------------------------------------------------------------------------- #
# (5) errors a learner can act on
# --------------------------------------------------------------------------- #
EMPTY = np.zeros((0, 5, 3), np.uint8)


@pytest.mark.parametrize("call", [
    lambda: resize_short_side(EMPTY, 10), lambda: stretch(EMPTY, (4, 4)), lambda: letterbox(EMPTY, (4, 4)),
    lambda: center_crop(EMPTY, (1, 1)), lambda: blob_from_image(EMPTY, size=(4, 4)),
    lambda: preprocess(EMPTY, PRESETS["mobilenetv2"]), lambda: to_bgr_uint8(EMPTY),
    lambda: to_unit_range(EMPTY)], ids=["resize_short_side", "stretch", "letterbox", "center_crop",
                                        "blob_from_image", "preprocess", "to_bgr_uint8", "to_unit_range"])
def test_a_0_size_image_is_a_value_error_naming_the_shape(call):
    with pytest.raises(ValueError, match=r"\(0, 5, 3\).*no pixels"):
        call()


@pytest.mark.parametrize("call, words", [
    (lambda: blob_from_image(np.zeros((4, 4, 3), bool), size=(2, 2)), "bool"),
    (lambda: blob_from_image(np.zeros((4, 4, 3), np.int64), size=(2, 2)), "int64"),
    (lambda: resize_short_side(np.zeros((4, 4, 3), np.float16), 2), "float16"),
    (lambda: stretch(np.zeros((4, 4, 3), np.int32), (2, 2)), "int32"),
    (lambda: preprocess(np.zeros((4, 4, 3), np.uint16), PRESETS["resnet50"]), "uint16.*to_bgr_uint8"),
])
def test_a_dtype_opencv_cannot_resize_is_a_type_error_naming_it(call, words):
    with pytest.raises(TypeError, match=words) as error:
        call()
    assert "got" in str(error.value) and "OpenCV(" not in str(error.value)  # not a raw assertion


@pytest.mark.parametrize("call, error, words", [
    (lambda im: resize_short_side(im, 0), ValueError, "short must be at least 1"),
    (lambda im: resize_short_side(im, 2.5), TypeError, "whole number"),
    (lambda im: blob_from_image(im, size=(0, 2)), ValueError, "at least 1 x 1"),
    (lambda im: blob_from_image(im, size=(2.5, 2)), TypeError, "whole number"),
    (lambda im: blob_from_image(im, size=224), TypeError, r"\(width, height\)"),
    (lambda im: stretch(im, (-2, 2)), ValueError, "at least 1"),
    (lambda im: blob_from_image(im, float("nan")), ValueError, "scalefactor"),
    (lambda im: blob_to_image(blob_from_image(im), scalefactor=float("nan")), ValueError, "scalefactor"),
    (lambda im: blob_from_image(None), TypeError, "None"),
])
def test_bad_sizes_and_settings_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call(np.zeros((4, 4, 3), np.uint8))


def test_a_1x2000_strip_is_handled_or_refused_by_name():
    strip = np.random.default_rng(4).integers(0, 256, (1, 2000, 3), dtype=np.uint8)
    assert letterbox(strip, (640, 640))[0].shape == (640, 640, 3)
    assert stretch(strip, (224, 224)).shape == (224, 224, 3)
    assert blob_from_image(strip, 1.0, (224, 224)).shape == (1, 3, 224, 224)
    with pytest.raises(ValueError, match="cannot crop 224x224 out of an image of 2000x1"):
        center_crop(strip, (224, 224))
    with pytest.raises(ImageTooLarge, match=r"2000x1 image .* 512000 x 256"):
        resize_short_side(strip, 256)  # 131 million pixels


@pytest.mark.parametrize("call", [lambda: resize_short_side(None, 10), lambda: stretch(None, (4, 4)),
                                  lambda: blob_from_image(None), lambda: to_unit_range(None)])
def test_none_from_a_failed_imread_is_named(call):
    with pytest.raises(TypeError, match="cv2.imread"):
        call()
