"""Shrink an accepted live photo for the sealed record: head-and-shoulders crop, ≤ 20 KB JPEG.

The stored bytes are decoded again and must still show a face, or `PhotoStoreError` is raised.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from kiosk.quality.detector import find_faces
from kiosk.quality.messages import text

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 20_000
SIZES = ((240, 300), (200, 250), (160, 200))   # width × height, 4:5 portrait, largest first
QUALITIES = (85, 75, 65, 55, 45, 35)


class PhotoStoreError(ValueError):
    """The photo cannot be stored with a recognisable face; str() is the Spanish reason."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(text(code))


def head_and_shoulders(image_bgr: np.ndarray) -> np.ndarray:
    """The region from above the hair to the shoulders, 4:5 portrait, around the largest face."""
    faces = find_faces(image_bgr)
    if not faces:
        raise PhotoStoreError("no_face")
    x, y, w, h = faces[0].box
    cw = 2.2 * w
    ch = cw * 5 / 4
    cx = x + w / 2
    top = y - 0.55 * h
    H, W = image_bgr.shape[:2]
    x0, y0 = int(round(cx - cw / 2)), int(round(top))
    x1, y1 = int(round(cx + cw / 2)), int(round(top + ch))
    # Out-of-frame parts are filled from the edge rather than shifting the face off-centre.
    pad = max(0, -x0, -y0, x1 - W, y1 - H)
    if pad:
        image_bgr = cv2.copyMakeBorder(image_bgr, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return image_bgr[y0 + pad:y1 + pad, x0 + pad:x1 + pad]


def crop_and_compress(image_bgr: np.ndarray, max_bytes: int = MAX_PHOTO_BYTES) -> bytes:
    """JPEG bytes of the head-and-shoulders crop, at most `max_bytes`, whose face still detects."""
    crop = head_and_shoulders(image_bgr)
    for size in SIZES:
        resized = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        for quality in QUALITIES:
            ok, buf = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality,
                                                     cv2.IMWRITE_JPEG_OPTIMIZE, 1])
            if not ok or len(buf) > max_bytes:
                continue
            data = buf.tobytes()
            if face_detects(data):
                log.info("foto guardada: %dx%d q%d %d bytes", size[0], size[1], quality, len(data))
                return data
    raise PhotoStoreError("stored_face_lost")


def face_detects(data: bytes) -> bool:
    """Whether a frontal face is found in encoded image bytes (as Mesa de Control will see them)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return False
    return bool(find_faces(image))
