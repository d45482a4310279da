"""The one exception every device driver raises: DeviceError, with a short machine code.

Callers map the code (and the device name) to a sentence for the person at the kiosk; the
message is technical, for the technician's log.
"""

from __future__ import annotations

MISSING = "missing"  # no such device, driver or program
BUSY = "busy"  # another process holds it
PERMISSION = "permission"  # the kiosk user may not open it
UNPLUGGED = "unplugged"  # it was there and went away (EOF, I/O error, silence)
GARBAGE = "garbage"  # it answered with data that makes no sense
TIMEOUT = "timeout"  # it did not answer in time
EMPTY = "empty"  # nothing to read (scanner feeder without paper, empty frame folder)

CODES = (MISSING, BUSY, PERMISSION, UNPLUGGED, GARBAGE, TIMEOUT, EMPTY)


class DeviceError(Exception):
    """A device could not do what was asked; `code` is one of CODES, `device` names the device."""

    def __init__(self, code: str, message: str, *, device: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown DeviceError code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.device = device

    def __str__(self) -> str:
        where = f"{self.device}: " if self.device else ""
        return f"{where}[{self.code}] {self.message}"


def code_for_errno(errno_value: int | None) -> str:
    """The DeviceError code for an OSError errno raised while opening or reading a device."""
    import errno

    if errno_value in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return MISSING
    if errno_value in (errno.EACCES, errno.EPERM):
        return PERMISSION
    if errno_value in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK):
        return BUSY
    if errno_value in (errno.EIO, errno.EPIPE, errno.ESHUTDOWN, errno.ENOTCONN):
        return UNPLUGGED
    return MISSING
