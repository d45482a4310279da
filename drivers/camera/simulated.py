"""Simulated camera: frames from a folder (sorted, cycling) or from a callable `() -> frame`.

It behaves like the real backends from the outside: BGR uint8 frames, DeviceError on trouble.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.base import CameraBase, Frame, as_bgr
from drivers.errors import EMPTY, GARBAGE, MISSING, UNPLUGGED, DeviceError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def pattern_frame(index: int, size: tuple[int, int] = (1280, 720)) -> Frame:
    """A deterministic colour test card labelled MUESTRA and numbered, for the default twin."""
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    frame = np.stack([np.broadcast_to(x, (height, width)),
                      np.broadcast_to(y, (height, width)),
                      np.full((height, width), (index * 37) % 256, np.float32)], axis=2)
    frame = frame.astype(np.uint8)
    cv2.putText(frame, f"MUESTRA {index}", (width // 10, height // 2), cv2.FONT_HERSHEY_SIMPLEX,
                height / 240, (255, 255, 255), max(2, height // 180), cv2.LINE_AA)
    return frame


class SimulatedCamera(CameraBase):
    """Serves frames from `source`: a folder of images, or a callable returning one frame."""

    def __init__(self, source: str | Path | Callable[[], np.ndarray] | None = None) -> None:
        if source is None:
            counter = itertools.count()
            source = lambda: pattern_frame(next(counter))  # noqa: E731 - a tiny default generator
        if callable(source):
            self._next: Callable[[], np.ndarray] | None = source
        else:
            folder = Path(source)
            if not folder.is_dir():
                raise DeviceError(MISSING, f"frame folder {folder} does not exist", device="camera")
            files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise DeviceError(EMPTY, f"no images in {folder}", device="camera")
            cycle = itertools.cycle(files)
            self._next = lambda: self._read(next(cycle))
        log.info("camera opened: simulated")

    @staticmethod
    def _read(path: Path) -> np.ndarray:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise DeviceError(GARBAGE, f"cannot decode {path}", device="camera")
        return frame

    def capture(self) -> Frame:
        """The next frame."""
        if self._next is None:
            raise DeviceError(UNPLUGGED, "camera already closed", device="camera")
        frame = self._next()
        if not isinstance(frame, np.ndarray) or frame.size == 0 or frame.ndim not in (2, 3):
            raise DeviceError(GARBAGE, "frame source returned no image", device="camera")
        return as_bgr(frame)

    def close(self) -> None:
        """Forget the source."""
        self._next = None
