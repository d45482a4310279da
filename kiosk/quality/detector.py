"""Face finding for the live-photo gate: OpenCV's YuNet (FaceDetectorYN), model shipped in models/.

Plain values out: each `Face` has its box, five landmarks and a score in the caller's pixels;
the rules that judge them live in photo.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

MODEL = Path(__file__).with_name("models") / "face_detection_yunet_2023mar.onnx"
WORK_SIDE = 480           # detection runs on a copy whose longer side is at most this many pixels
MIN_SCORE = 0.6           # YuNet's confidence; below it a detection is not a face
Box = tuple[int, int, int, int]
Point = tuple[float, float]
_LOCK = threading.Lock()  # one network, resized per call: one caller at a time


class DetectorUnavailable(RuntimeError):
    """The face model or OpenCV's FaceDetectorYN is missing: the install is incomplete."""


@dataclass(frozen=True)
class Face:
    """One face: box (x, y, w, h) and landmarks in image pixels, YuNet's score 0..1.

    Landmarks as the person sees them: `right_eye` is on the image's left.
    """

    box: tuple[float, float, float, float]
    right_eye: Point
    left_eye: Point
    nose: Point
    mouth_right: Point
    mouth_left: Point
    score: float

    @property
    def width(self) -> float:
        return self.box[2]

    @property
    def eye_distance(self) -> float:
        return float(np.hypot(self.left_eye[0] - self.right_eye[0], self.left_eye[1] - self.right_eye[1]))

    def int_box(self) -> Box:
        x, y, w, h = self.box
        return int(round(x)), int(round(y)), int(round(w)), int(round(h))


@lru_cache(maxsize=1)
def _detector() -> "cv2.FaceDetectorYN":
    if not hasattr(cv2, "FaceDetectorYN"):
        raise DetectorUnavailable(f"OpenCV {cv2.__version__} no trae FaceDetectorYN (se necesita ≥ 4.5.4)")
    if not MODEL.is_file():
        raise DetectorUnavailable(f"falta el modelo de rostros {MODEL}")
    return cv2.FaceDetectorYN.create(str(MODEL), "", (320, 320), MIN_SCORE, 0.3, 50)


def find_faces(image_bgr: np.ndarray) -> list[Face]:
    """Faces with a score ≥ MIN_SCORE, largest first, in the image's own pixels."""
    h, w = image_bgr.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = image_bgr if scale == 1.0 else cv2.resize(image_bgr, None, fx=scale, fy=scale,
                                                      interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    with _LOCK:
        detector = _detector()
        detector.setInputSize((sw, sh))
        _, found = detector.detect(small)
    if found is None:
        return []
    faces = []
    for row in found:
        v = [float(x) / scale for x in row[:14]]
        faces.append(Face((v[0], v[1], v[2], v[3]), (v[4], v[5]), (v[6], v[7]), (v[8], v[9]),
                          (v[10], v[11]), (v[12], v[13]), float(row[14])))
    return sorted(faces, key=lambda f: -f.box[2] * f.box[3])
