"""Compress a card side for the sealed record (at most 40 KB) without losing what was read.

The MRZ is read again from the compressed bytes; if it no longer verifies, a larger quality is
tried, and if nothing under the limit reads, `CompressionError` says so.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.credential.messages import message

MAX_BYTES = 40 * 1024
QUALITIES = (60, 70, 80, 88)
WIDTHS = (1012, 900, 800)


class CompressionError(ValueError):
    """No encoding under MAX_BYTES keeps the MRZ readable; str() is Spanish."""

    def __init__(self) -> None:
        super().__init__(message("compressed_unreadable"))


def _mrz_values(bgr: np.ndarray) -> dict | None:
    from kiosk.credential.reader import read_side

    side = read_side(bgr, want_text=False)
    mrz = side.zone.mrz
    return mrz.values if mrz is not None and mrz.verified else None


def compress_side(img: np.ndarray, *, verify: bool = True) -> bytes:
    """WebP bytes of a card side (a rectified card or a photo), at most 40 KB.

    When the original's MRZ verifies, the compressed image must give the same values.
    """
    expected = _mrz_values(img) if verify else None
    for width in WIDTHS:
        scaled = img if img.shape[1] <= width else cv2.resize(img, (width, int(img.shape[0] * width / img.shape[1])), interpolation=cv2.INTER_AREA)
        for quality in reversed(QUALITIES):
            ok, data = cv2.imencode(".webp", scaled, [cv2.IMWRITE_WEBP_QUALITY, quality])
            if not ok or len(data) > MAX_BYTES:
                continue
            blob = data.tobytes()
            if expected is None:
                return blob
            decoded = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
            if _mrz_values(decoded) == expected:
                return blob
    raise CompressionError()
