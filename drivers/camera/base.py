"""The camera contract: `capture()` returns one BGR uint8 frame (H×W×3), `close()` releases it.

A camera is opened by its constructor (which raises DeviceError when it cannot be used), is a
context manager, and must be closed by whoever opened it so a restart does not find it busy.
"""

from __future__ import annotations

import os
import stat
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from drivers.errors import MISSING, PERMISSION, DeviceError, code_for_errno

Frame = npt.NDArray[np.uint8]


@runtime_checkable
class Camera(Protocol):
    """A source of still frames."""

    def capture(self) -> Frame:
        """One frame, BGR uint8, shape (height, width, 3)."""
        ...

    def close(self) -> None:
        """Release the device; safe to call twice."""
        ...

    def __enter__(self) -> "Camera": ...

    def __exit__(self, *exc: object) -> None: ...


class CameraBase:
    """Context-manager plumbing shared by the backends."""

    def __enter__(self):  # noqa: ANN204 - returns the concrete camera
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        """Release the device."""


V4L2_MAJOR = 81  # Linux char-device major number of video4linux nodes


def check_device_node(path: str, *, device: str = "camera", major: int | None = None) -> None:
    """Raise DeviceError if a /dev node is absent, not a character device (of `major`, when
    given), or not readable and writable by this process."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DeviceError(MISSING, f"{path} does not exist", device=device) from None
    except PermissionError as exc:
        raise DeviceError(PERMISSION, f"cannot stat {path}: {exc}", device=device) from None
    if not stat.S_ISCHR(info.st_mode):
        raise DeviceError(MISSING, f"{path} is not a character device", device=device)
    if major is not None and os.major(info.st_rdev) != major:
        raise DeviceError(MISSING, f"{path} is not a video device (major {os.major(info.st_rdev)})",
                          device=device)
    if not os.access(path, os.R_OK | os.W_OK):
        raise DeviceError(PERMISSION, f"no read/write permission on {path}", device=device)
    try:
        os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY))
    except OSError as exc:
        raise DeviceError(code_for_errno(exc.errno), f"cannot open {path}: {exc}",
                          device=device) from None


def as_bgr(frame: np.ndarray) -> Frame:
    """Normalize a gray, BGRA or BGR frame to contiguous BGR uint8."""
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    elif frame.shape[2] == 4:
        frame = frame[:, :, :3]
    return np.ascontiguousarray(frame)
