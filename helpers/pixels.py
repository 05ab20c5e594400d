"""Pixel values: from the 0-255 integers a camera gives to the floats a network wants."""
import numpy as np


def to_unit_range(image):
    """Scale a uint8 image to float32 values in [0, 1].

    image: (H, W) or (H, W, C) uint8 array, 0 black and 255 white.
    Returns a new float32 array of the same shape: ``image / 255``.
    Raises TypeError naming the dtype and its range for anything but uint8 (a float image is
    not divided again), and ValueError for an image with no pixels.
    """
    if image is None:
        raise TypeError("to_unit_range got None instead of an image: did cv2.imread fail? "
                        "helpers.load_image(path) says why a file cannot be read")
    image = np.asarray(image)
    if image.dtype != np.uint8:
        values = f" with values from {image.min()} to {image.max()}" if image.size and image.dtype.kind in "iuf" else ""
        hint = ("it is float already: if its values are in [0, 1] it needs no scaling, and dividing again "
                "would make it almost black" if image.dtype.kind == "f" else
                "if its values are 0-255 pixels, convert it first with image.astype(np.uint8)")
        raise TypeError(f"to_unit_range expects a uint8 image, got dtype {image.dtype}{values}: {hint}")
    if image.ndim >= 2 and 0 in image.shape[:2]:
        raise ValueError(f"to_unit_range got an image of shape {image.shape}, which has no pixels: "
                         "check the slice or crop that made it")
    return image.astype(np.float32) / np.float32(255)
