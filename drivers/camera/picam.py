"""Raspberry Pi camera backend through picamera2 (installed from apt on the Pi only).

A low-resolution preview stream keeps the sensor running; `capture()` switches to the full
sensor resolution for one still, after an autofocus cycle when the module has autofocus.
"""

from __future__ import annotations

import logging
from typing import Any

from drivers.camera.base import CameraBase, Frame, as_bgr
from drivers.errors import BUSY, GARBAGE, MISSING, PERMISSION, UNPLUGGED, DeviceError

log = logging.getLogger(__name__)


def _import_picamera2() -> Any:
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found]
    except ImportError as exc:
        raise DeviceError(MISSING, f"picamera2 is not importable: {exc}", device="camera") from None
    return Picamera2


class Picamera2Camera(CameraBase):
    """The Pi camera `index` (0 = first); frames are BGR (picamera2's "RGB888" is B,G,R in memory)."""

    def __init__(self, index: int = 0, *, preview_size: tuple[int, int] = (640, 480)) -> None:
        picamera2 = _import_picamera2()
        cameras = picamera2.global_camera_info()
        if index >= len(cameras):
            raise DeviceError(MISSING, f"no Pi camera at index {index} ({len(cameras)} found)",
                              device="camera")
        try:
            self._cam = picamera2(index)
        except RuntimeError as exc:
            text = str(exc).lower()
            code = BUSY if "busy" in text else PERMISSION if "permission" in text else MISSING
            raise DeviceError(code, f"picamera2 could not acquire camera {index}: {exc}",
                              device="camera") from None
        try:
            self._preview = self._cam.create_preview_configuration(
                main={"size": preview_size, "format": "RGB888"}
            )
            self._still = self._cam.create_still_configuration(
                main={"size": self._cam.sensor_resolution, "format": "RGB888"}
            )
            self._cam.configure(self._preview)
            self._cam.start()
        except Exception as exc:  # picamera2 raises plain exceptions from libcamera
            self.close()
            raise DeviceError(BUSY, f"picamera2 could not start: {exc}", device="camera") from None
        self._has_autofocus = "AfMode" in self._cam.camera_controls
        log.info("camera opened: picamera2 #%d autofocus=%s", index, self._has_autofocus)

    def capture(self) -> Frame:
        """A full-resolution still, focused first on modules with autofocus (Camera Module 3)."""
        if self._cam is None:
            raise DeviceError(UNPLUGGED, "camera already closed", device="camera")
        try:
            if self._has_autofocus and not self._cam.autofocus_cycle():
                log.warning("picamera2 autofocus cycle did not converge")
            frame = self._cam.switch_mode_and_capture_array(self._still, "main")
        except Exception as exc:
            raise DeviceError(UNPLUGGED, f"picamera2 capture failed: {exc}", device="camera") from None
        if frame is None or frame.size == 0:
            raise DeviceError(GARBAGE, "picamera2 returned an empty frame", device="camera")
        return as_bgr(frame)

    def close(self) -> None:
        """Stop the stream and release the camera so the next process can acquire it."""
        cam, self._cam = getattr(self, "_cam", None), None
        if cam is None:
            return
        try:
            cam.stop()
        except Exception as exc:  # stopping a camera that never started; close it anyway
            log.warning("picamera2 stop failed: %s", exc)
        cam.close()
