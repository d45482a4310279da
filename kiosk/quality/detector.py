"""Face and eye finding for the live-photo gate, on the Haar cascades that OpenCV 4.x ships.

Plain boxes in, plain boxes out (x, y, w, h in the caller's pixels); the rules live in photo.py.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]

WORK_SIDE = 480  # detection runs on a copy whose longer side is at most this many pixels


class DetectorUnavailable(RuntimeError):
    """OpenCV without Haar cascades (5.x): install opencv-python-headless<5."""


@lru_cache(maxsize=None)
def _cascade(name: str) -> "cv2.CascadeClassifier":
    if not hasattr(cv2, "CascadeClassifier") or not hasattr(cv2, "data"):
        raise DetectorUnavailable(f"OpenCV {cv2.__version__} no trae CascadeClassifier; instale opencv-python-headless<5")
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if cascade.empty():
        raise DetectorUnavailable(f"no se pudo cargar {name} de {cv2.data.haarcascades}")
    return cascade


def work_gray(image_bgr: np.ndarray) -> tuple[np.ndarray, float]:
    """Equalized grayscale copy at detection size, and the factor from it back to the original."""
    gray = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, WORK_SIDE / max(gray.shape[:2]))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.equalizeHist(gray), 1.0 / scale


def frontal_faces(gray: np.ndarray, min_neighbors: int = 4) -> list[Box]:
    """Frontal faces, largest first; the smallest face looked for is 24 px or 4 % of the short side."""
    side = max(24, int(0.04 * min(gray.shape[:2])))
    found = _cascade("haarcascade_frontalface_alt2.xml").detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=min_neighbors, minSize=(side, side))
    return sorted((tuple(int(v) for v in b) for b in found), key=lambda b: -b[2] * b[3])


def eyes_in(gray: np.ndarray, face: Box) -> list[Box]:
    """Visible eyes in the upper part of a face box, in image coordinates, left to right.

    Tries the plain eye cascade, then the one trained on eyes behind clear glasses; dark glasses
    hide the eye from both.
    """
    x, y, w, h = face
    x0, y0 = max(0, x), max(0, y + int(0.12 * h))
    roi = gray[y0:max(y0, y + int(0.6 * h)), x0:max(x0, x + w)]
    if roi.size == 0:
        return []
    side = max(8, w // 8)
    eyes: list[Box] = []
    for name, votes in (("haarcascade_eye.xml", 4), ("haarcascade_eye_tree_eyeglasses.xml", 3)):
        found = _cascade(name).detectMultiScale(roi, scaleFactor=1.08, minNeighbors=votes, minSize=(side, side),
                                                maxSize=(w // 2, w // 2))
        eyes = [(int(ex) + x0, int(ey) + y0, int(ew), int(eh)) for ex, ey, ew, eh in found]
        centre = x + w / 2
        if any(e[0] + e[2] / 2 < centre for e in eyes) and any(e[0] + e[2] / 2 >= centre for e in eyes):
            break
    return sorted(eyes, key=lambda e: e[0])


def eye_pairs(gray: np.ndarray) -> list[tuple[Box, Box]]:
    """Pairs of eyes that could belong to one face (same size, side by side, level), best first."""
    side = max(10, int(0.02 * min(gray.shape[:2])))
    found = _cascade("haarcascade_eye.xml").detectMultiScale(gray, 1.1, 4, minSize=(side, side))
    eyes = sorted((tuple(int(v) for v in e) for e in found), key=lambda e: e[0])
    pairs: list[tuple[float, tuple[Box, Box]]] = []
    for i, a in enumerate(eyes):
        for b in eyes[i + 1:]:
            size = (a[2] + b[2]) / 2
            dx = (b[0] + b[2] / 2) - (a[0] + a[2] / 2)
            dy = abs((b[1] + b[3] / 2) - (a[1] + a[3] / 2))
            if abs(a[2] - b[2]) <= 0.35 * size and 1.2 * size <= dx <= 3.2 * size and dy <= 0.35 * size:
                pairs.append((abs(dx / size - 1.8) + dy / size, (a, b)))
    return [p for _, p in sorted(pairs)]


def face_from_eyes(left: Box, right: Box) -> Box:
    """The face box that a pair of eyes implies (Haar frontal-face proportions)."""
    lx, ly = left[0] + left[2] / 2, left[1] + left[3] / 2
    rx, ry = right[0] + right[2] / 2, right[1] + right[3] / 2
    dist = rx - lx
    w = 2.1 * dist
    cx, cy = (lx + rx) / 2, (ly + ry) / 2
    return int(cx - w / 2), int(cy - 0.36 * w), int(w), int(w)


def scale_box(box: Box, factor: float, dx: float = 0.0, dy: float = 0.0) -> Box:
    x, y, w, h = box
    return int(round((x + dx) * factor)), int(round((y + dy) * factor)), int(round(w * factor)), int(round(h * factor))
