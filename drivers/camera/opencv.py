"""OpenCV/V4L2 camera backend for USB webcams (/dev/videoN, or an index).

A video file path is accepted as well, which is how the capture loop is tested without a webcam.
"""

from __future__ import annotations

import logging
import os
import stat

import cv2

from drivers.camera.base import V4L2_MAJOR, CameraBase, Frame, as_bgr, check_device_node
from drivers.errors import BUSY, GARBAGE, MISSING, UNPLUGGED, DeviceError

log = logging.getLogger(__name__)


def _is_char_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


class OpenCVCamera(CameraBase):
    """A V4L2 webcam through cv2.VideoCapture; `source` is "/dev/videoN", N, or a video file."""

    def __init__(
        self,
        source: str | int = "/dev/video0",
        *,
        width: int | None = None,
        height: int | None = None,
        warmup_frames: int = 3,
    ) -> None:
        self.source = source
        is_device = isinstance(source, int) or str(source).startswith("/dev/") \
            or _is_char_device(str(source))
        if isinstance(source, int):
            check_device_node(f"/dev/video{source}", major=V4L2_MAJOR)
        elif is_device:
            check_device_node(str(source), major=V4L2_MAJOR)
        elif not os.path.exists(source):
            raise DeviceError(MISSING, f"{source} does not exist", device="camera")
        api = cv2.CAP_V4L2 if is_device else cv2.CAP_ANY
        self._cap = cv2.VideoCapture(source, api)
        if not self._cap.isOpened():
            self._cap.release()
            code = BUSY if is_device else GARBAGE
            raise DeviceError(code, f"cv2.VideoCapture could not open {source}", device="camera")
        if width and height:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._warmup = warmup_frames if is_device else 0
        self._is_device = is_device
        log.info("camera opened: opencv %s", source)

    def capture(self) -> Frame:
        """Grab a fresh frame (a webcam's first frames after opening are often dark; skip them)."""
        if self._cap is None:
            raise DeviceError(UNPLUGGED, "camera already closed", device="camera")
        for _ in range(self._warmup):
            self._cap.grab()
        self._warmup = 0
        ok, frame = self._cap.read()
        if not ok or frame is None or frame.size == 0:
            if self._is_device and not os.path.exists(str(self._device_path())):
                raise DeviceError(UNPLUGGED, f"{self.source} disappeared", device="camera")
            raise DeviceError(GARBAGE, f"no frame from {self.source}", device="camera")
        return as_bgr(frame)

    def _device_path(self) -> str:
        return f"/dev/video{self.source}" if isinstance(self.source, int) else str(self.source)

    def close(self) -> None:
        """Release the capture handle."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
