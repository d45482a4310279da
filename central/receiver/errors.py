"""The receiver's refusal: an HTTP status, a reason code the kiosk keys on, and a Spanish message."""

from __future__ import annotations


class ReceiverError(Exception):
    """A refusal that is not an acuse: HTTP status + reason code + Spanish message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
