"""What happens to each capture input before it joins the record: credential sides are read and
compressed, the live photo and the signature pass their quality gates. Used by the UI and the
demo alike, so both walk the same pipeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

log = logging.getLogger(__name__)


@dataclass
class SideResult:
    stored: bytes
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    model: str = ""
    screening: dict[str, float] = field(default_factory=dict)  # photocopy / screen confidence 0-1


@dataclass
class GateResult:
    accepted: bool
    reasons: list[str]
    scores: dict
    stored: bytes = b""
    codes: list[str] = field(default_factory=list)


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


def read_side(image: np.ndarray, front: np.ndarray | None = None, asked: str | None = None) -> SideResult:
    """Read one side of the credential and keep it compressed (≤ 40 KB, MRZ re-read from the
    stored bytes). Reading the back with the `front` frame at hand also verifies the names.
    `asked`: the side the person was asked to show ("front": its text is looked for early)."""
    from kiosk import credential
    from kiosk.credential.messages import message

    try:
        reading = credential.read_credential(front, image) if front is not None else credential.read_image(image, expect=asked)
        errors = [n.message for n in reading.errors]
    except credential.ImageRejected as exc:  # an all-dark frame: the camera covered or off
        reading, errors = credential.CredentialReading(), [str(exc)]
    except Exception:  # a reader bug on one photo: the person retakes it, the kiosk keeps running
        log.exception("reading the credential failed")
        reading = credential.CredentialReading()
        errors = [message("capture_failed")]
    try:
        stored = credential.compress_side(image)
    except credential.CompressionError as exc:
        errors.append(str(exc))
        stored = encode_jpeg(image, 40 * 1024)
    except Exception:  # a reader bug while re-reading the stored bytes: kept plainly compressed
        log.exception("checking the stored credential side failed")
        stored = encode_jpeg(image, 40 * 1024)
    fields = {name: f.as_dict() for name, f in reading.fields.items() if f.value is not None}
    return SideResult(stored, fields, [n.message for n in reading.warnings], errors, reading.model or "",
                      dict(reading.screening))


def check_photo(image: np.ndarray) -> GateResult:
    """The live-photo gate; an accepted photo is cropped to head and shoulders and stored
    (≤ 20 KB) only if the face still detects in the stored bytes."""
    from kiosk import quality

    verdict = quality.check_photo(image)
    if not verdict.accepted:
        return GateResult(False, verdict.reasons, verdict.scores, codes=list(verdict.codes))
    try:
        stored = quality.crop_and_compress(image)
    except quality.PhotoStoreError as exc:
        return GateResult(False, [str(exc)], verdict.scores, codes=[exc.code])
    return GateResult(True, [], verdict.scores, stored)


def keep_photo_anyway(image: np.ndarray) -> bytes:
    """The stored bytes of a photo the auxiliar accepts over the gate: the usual head-and-shoulders
    crop when a face is found, else the whole frame, either way ≤ 20 KB."""
    from kiosk import quality

    try:
        return quality.crop_and_compress(image)
    except quality.PhotoStoreError:
        return encode_jpeg(image, quality.store.MAX_PHOTO_BYTES, max_side=320)


def check_signature(trajectory: dict) -> GateResult:
    """The signature gate: a dot, a line, a cross, an X, a check mark, a circle, a scribble or
    initials are refused with the reason; a bad trajectory is refused as unreadable."""
    from kiosk import quality

    try:
        verdict = quality.check_signature(trajectory)
    except quality.TrajectoryError as exc:
        return GateResult(False, [str(exc)], {}, codes=["trajectory_invalid"])
    return GateResult(verdict.accepted, verdict.reasons, verdict.scores, codes=list(verdict.codes))


def render_signature(trajectory: dict) -> bytes:
    from drivers.pad.render import render_png

    return render_png(trajectory, max_bytes=8192)
