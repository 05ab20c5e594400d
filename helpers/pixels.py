"""Pixel values: from the 0-255 integers a camera gives to the floats a network wants."""
import numpy as np


def to_unit_range(image):
    """Scale a uint8 image to float32 values in [0, 1].

    image: (H, W) or (H, W, C) uint8 array, 0 black and 255 white.
    Returns a new float32 array of the same shape: ``image / 255``.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"to_unit_range expects a uint8 image, got dtype {image.dtype}")
    return image.astype(np.float32) / np.float32(255)
