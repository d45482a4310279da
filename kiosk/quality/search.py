"""Where the face went when the upright frontal detector finds none: cut by the frame, covered,
sideways or tilted. Each finding either returns a face box to judge or names the problem.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.quality import detector as det
from kiosk.quality.detector import Box


def find_hard_face(image_bgr: np.ndarray, gray: np.ndarray,
                    codes: list[str], scores: dict[str, float]) -> tuple[Box | None, list[Box] | None]:
    """No upright face: is it cut by the frame, covered, turned sideways or tilted?

    Returns the face box in `gray` pixels when the face can still be judged (None otherwise) and
    the eyes already found; a face that cannot be judged but whose problem is known adds its code.
    """
    small_bgr = cv2.resize(image_bgr, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_AREA)
    skin = _skin_mask(small_bgr)
    pad = int(0.2 * max(gray.shape))
    padded = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=128)
    for x, y, w, h in det.frontal_faces(padded, min_neighbors=3):
        box = (x - pad, y - pad, w, h)
        if _outside_share(box, gray.shape) > 0.05:
            codes.append("face_cut")
            scores["face_outside_share"] = _outside_share(box, gray.shape)
            return box, None
    for left, right in det.eye_pairs(gray):
        box = det.face_from_eyes(left, right)
        if _forehead_is_skin(skin, left, right) and _outside_share(box, gray.shape) < 0.3:
            scores["face_from_eyes"] = 1.0
            return box, [left, right]
    banded = _face_with_band(skin)
    if banded is not None:
        codes.append("eyes_covered")
        scores["face_with_band"] = 1.0
        return banded, None
    reduced = cv2.resize(gray, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    for turn, degrees in ((cv2.ROTATE_90_CLOCKWISE, 90.0), (cv2.ROTATE_90_COUNTERCLOCKWISE, 270.0),
                          (cv2.ROTATE_180, 180.0)):
        if _verified_face(cv2.rotate(reduced, turn)):
            codes.append("rotated")
            scores["rotation_deg"] = degrees
            return None, None
    h, w = reduced.shape
    for angle in (30.0, -30.0):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        if _verified_face(cv2.warpAffine(reduced, m, (w, h), borderMode=cv2.BORDER_REPLICATE)):
            codes.append("not_frontal")
            scores["roll_deg"] = abs(angle)
            return None, None
    return None, None


def _skin_mask(bgr: np.ndarray) -> np.ndarray:
    """Pixels with the chroma of human skin (any tone), cleaned of specks."""
    ycc = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    skin = cv2.inRange(ycc, (40, 135, 80), (255, 175, 128))
    return cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))


def _forehead_is_skin(skin: np.ndarray, left: Box, right: Box) -> bool:
    """Above a real pair of eyes there is a forehead; text and fur rarely pass this."""
    top = min(left[1], right[1])
    dist = (right[0] + right[2] / 2) - (left[0] + left[2] / 2)
    region = skin[max(0, int(top - 0.5 * dist)):max(0, top), left[0] + left[2] // 2:right[0] + right[2] // 2]
    return region.size > 0 and float(region.mean()) / 255 > 0.5


def _face_with_band(skin: np.ndarray) -> Box | None:
    """A face whose eyes are hidden by a band (wide dark glasses, a visor): skin above and below it."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(skin)
    min_area = 0.01 * skin.size
    blobs = [tuple(int(v) for v in s) for s in stats[1:] if s[4] >= min_area]
    for ux, uy, uw, uh, _ in blobs:
        for lx, ly, lw, lh, _ in blobs:
            gap = ly - (uy + uh)
            same_column = abs((ux + uw / 2) - (lx + lw / 2)) < 0.2 * uw
            if same_column and 0.5 * uw <= lw <= 1.1 * uw and -0.3 * uh <= gap <= 0.4 * uw and ly > uy + 0.3 * uh:
                w = uw
                top = max(0, (uy + uh) - int(0.45 * w))
                return ux, top, w, w
    return None


def _verified_face(gray: np.ndarray) -> bool:
    """A face found with a strict vote and with both eyes inside it (guards the rotated search)."""
    for face in det.frontal_faces(gray, min_neighbors=5)[:2]:
        eyes = det.eyes_in(gray, face)
        if len(eyes) >= 2:
            return True
    return False


def _outside_share(box: Box, shape: tuple[int, ...]) -> float:
    x, y, w, h = box
    H, W = shape[:2]
    inside_w = max(0, min(W, x + w) - max(0, x))
    inside_h = max(0, min(H, y + h) - max(0, y))
    return 1.0 - (inside_w * inside_h) / float(w * h)
