"""Synthetic stand-ins for the two MediaPipe models, used when their weights are missing.

They cannot see faces or people: they make up outputs of the right layout from a seed
taken from the image's bytes (the same image always gives the same output), so a
notebook still runs top to bottom, with load_model's notice saying the answers are
made up.

* :class:`SyntheticFaceDetector` (``"blazeface"``): one made-up face per image, fired
  on by a few neighbouring anchors (so NMS has work to do), as
  ``{"classificators": (N, 896, 1) logits, "regressors": (N, 896, 16)}``.
* :class:`SyntheticPersonSegmenter` (``"selfie_segmenter"``): a soft head-and-shoulders
  silhouette, (N, 1, 256, 256) float32 probabilities.

Importing this module registers both with :func:`helpers.models.loading.register_synthetic_fallback`.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..preprocessing import as_image_list
from .loading import SyntheticModel, image_seed, register_synthetic_fallback

# Where the six BlazeFace keypoints sit in a face box, as fractions of its width and
# height: right eye, left eye, nose tip, mouth, right ear, left ear (the person's sides).
FACE_KEYPOINTS = np.array([[0.33, 0.38], [0.67, 0.38], [0.5, 0.58], [0.5, 0.76],
                           [0.05, 0.45], [0.95, 0.45]], np.float32)


class SyntheticFaceDetector(SyntheticModel):
    """Made-up BlazeFace outputs: one face at a seeded place, found by its nearest anchors."""

    def predict(self, images):
        outputs = [self.predict_one(np.ascontiguousarray(image)) for image in as_image_list(images)]
        return {name: np.stack([out[name] for out in outputs]) for name in ("classificators", "regressors")}

    def predict_one(self, image):
        from ..faces import BLAZEFACE, blazeface_anchors

        rng = np.random.default_rng(image_seed(image))
        size = BLAZEFACE.input_size
        anchors = blazeface_anchors() * size  # input pixels
        face_size = rng.uniform(0.25, 0.45) * size
        centre = rng.uniform(0.35, 0.65, 2).astype(np.float32) * size
        logits = rng.normal(-7.0, 1.0, len(anchors)).astype(np.float32)
        regressors = rng.normal(0.0, 2.0, (len(anchors), 16)).astype(np.float32)
        regressors[:, 2:4] = np.abs(regressors[:, 2:4]) * 8 + 10  # small boxes everywhere
        distance = np.linalg.norm(anchors - centre, axis=1)
        near = np.argsort(distance)[:8]  # the anchors that "see" the face
        jitter = rng.normal(0.0, 0.03 * face_size, (len(near), 4)).astype(np.float32)
        regressors[near, 0:2] = centre - anchors[near] + jitter[:, :2]
        regressors[near, 2:4] = face_size + jitter[:, 2:]
        corner = centre - face_size / 2
        points = corner + FACE_KEYPOINTS * face_size  # (6, 2)
        regressors[near, 4:] = (points[None] - anchors[near][:, None]).reshape(len(near), -1)
        logits[near] = np.linspace(3.0, 0.5, len(near)) + rng.normal(0.0, 0.2, len(near))
        return {"classificators": logits[:, None], "regressors": regressors}


class SyntheticPersonSegmenter(SyntheticModel):
    """Made-up selfie-segmenter output: a soft head-and-shoulders shape, (1, 256, 256)."""

    def predict_one(self, image):
        rng = np.random.default_rng(image_seed(image))
        width, height = self.preset.input_size
        shape = np.zeros((height, width), np.float32)
        cx = int(width * rng.uniform(0.4, 0.6))
        head = (cx, int(height * rng.uniform(0.3, 0.4)))
        cv2.ellipse(shape, head, (int(width * 0.14), int(height * 0.18)), 0, 0, 360, 1.0, -1)
        cv2.ellipse(shape, (cx, height), (int(width * 0.38), int(height * 0.42)), 0, 180, 360, 1.0, -1)
        soft = cv2.GaussianBlur(shape, (0, 0), width / 50)
        return np.clip(soft, 0.0, 1.0)[None]


register_synthetic_fallback("blazeface", lambda preset, notice: SyntheticFaceDetector(preset, notice=notice))
register_synthetic_fallback("selfie_segmenter",
                            lambda preset, notice: SyntheticPersonSegmenter(preset, notice=notice))
