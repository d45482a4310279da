"""Compress a card side for the sealed record (at most 40 KB) without losing what was read.

The MRZ is read again from the compressed bytes; if it no longer verifies, a larger quality is
tried, and if nothing under the limit reads, `CompressionError` says so.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.credential.messages import message

MAX_BYTES = 40 * 1024
QUALITIES = (60, 70, 80, 88)  # ascending
WIDTHS = (1012, 900, 800)


class CompressionError(ValueError):
    """No encoding under MAX_BYTES keeps the MRZ readable; str() is Spanish."""

    def __init__(self) -> None:
        super().__init__(message("compressed_unreadable"))


def _mrz_values(bgr: np.ndarray, *, just_read: bool = False) -> dict | None:
    """The verified MRZ values of an image. `just_read`: the frame the reader has just seen
    (its reading is remembered, front text included); otherwise a fresh read without tesseract."""
    from kiosk.credential.reader import _read_side_once, read_side

    side = _read_side_once(bgr) if just_read else read_side(bgr, want_text=False)
    mrz = side.zone.mrz
    if mrz is None or not mrz.verified:
        return None
    # what the check digits cover (names and sex may come from different engines on each read);
    # the emisión only when line 2 was read whole, which may differ from one read to the next
    return {k: mrz.values.get(k) for k in ("cic", "ocr", "birth_date", "expiry_year") if k not in mrz.weak}


def _fitting(scaled: np.ndarray) -> list[bytes]:
    """WebP encodings of `scaled` under MAX_BYTES, best quality first. Size grows with quality,
    so the lowest quality is tried first (none fits: none will) and the best one by halving."""
    def encode(index: int) -> bytes | None:
        ok, data = cv2.imencode(".webp", scaled, [cv2.IMWRITE_WEBP_QUALITY, QUALITIES[index]])
        return data.tobytes() if ok and len(data) <= MAX_BYTES else None

    made = {0: encode(0)}
    if made[0] is None:
        return []
    low, high = 0, len(QUALITIES) - 1  # QUALITIES[low] fits
    while low < high:
        mid = (low + high + 1) // 2
        blob = encode(mid)
        if blob is None:
            high = mid - 1
        else:
            made[mid], low = blob, mid
    return [made[i] for i in sorted(made, reverse=True) if made[i] is not None]


def compress_side(img: np.ndarray, *, verify: bool = True) -> bytes:
    """WebP bytes of a card side (a rectified card or a photo), at most 40 KB.

    When the original's MRZ verifies, the compressed image must give the same values.
    """
    expected = _mrz_values(img, just_read=True) if verify else None
    for width in WIDTHS:
        scaled = img if img.shape[1] <= width else cv2.resize(img, (width, int(img.shape[0] * width / img.shape[1])), interpolation=cv2.INTER_AREA)
        for blob in _fitting(scaled):
            if expected is None:
                return blob
            decoded = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
            if _mrz_values(decoded) == expected:
                return blob
    raise CompressionError()
