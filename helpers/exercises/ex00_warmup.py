"""Notebook 00: how the katas work. One warm-up exercise."""
import numpy as np

from ..pixels import to_unit_range
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "00_how_katas_work"


def _cases():
    rng = np.random.default_rng(0)
    return [
        Case("a random (4, 5, 3) uint8 image", (rng.integers(0, 256, (4, 5, 3), dtype=np.uint8),)),
        Case("a white (2, 2, 3) image (every value 255)", (np.full((2, 2, 3), 255, np.uint8),)),
        Case("a (3, 4) grayscale image", (rng.integers(0, 256, (3, 4), dtype=np.uint8),)),
    ]


register(Exercise(
    name="to_unit_range",
    notebook=NOTEBOOK,
    reference=to_unit_range,
    cases=_cases,
    summary="uint8 image to float32 in [0, 1]",
    hint="""
        Convert to float32 first, then divide by 255 (the largest uint8 value), so
        white becomes exactly 1.0. `image / 255` alone gives float64, and `image // 255`
        is integer division: almost everything becomes 0.
    """,
    mistakes=[
        Mistake("ex00_warmup.todo1", "your result is float64. `image / 255` promotes to float64; networks expect "
                "float32, so convert with `image.astype(np.float32)` before dividing.",
                detect=lambda run: getattr(run.got, "dtype", None) == np.float64),
        Mistake("ex00_warmup.todo2", "your values are still in 0-255: divide by 255 after converting to float32.",
                detect=lambda run: np.nanmax(run.got) > 1.5),
        Mistake("ex00_warmup.todo3", "you divided by 256; divide by 255 so that white (255) becomes exactly 1.0.",
                impl=lambda image: image.astype(np.float32) / 256),
        Mistake("ex00_warmup.todo4", "integer division (`//`) or a cast back to an integer type turns almost every "
                "pixel into 0: divide as floats.",
                detect=lambda run: not np.issubdtype(np.asarray(run.got).dtype, np.floating)),
    ],
))
