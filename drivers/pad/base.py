"""The signature pad contract: `read_signature()` returns a trajectory dict, `close()` frees it.

`read_point()` waits for one pen report (used by `kiosk doctor`); both raise DeviceError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, TypedDict, runtime_checkable


class Trajectory(TypedDict):
    """Pen trajectory: pad coordinate range and points [t_ms, x, y, pressure 0..1023, pen_down 0/1]."""

    width: int
    height: int
    points: list[list[int]]


@runtime_checkable
class SignaturePad(Protocol):
    """A pad that records one signature at a time."""

    def read_signature(
        self,
        timeout: float = 60.0,
        *,
        idle_gap: float = 1.5,
        stop: threading.Event | None = None,
        on_point: Callable[[list[int]], None] | None = None,
    ) -> dict: ...

    def read_point(self, timeout: float = 5.0) -> list[int]: ...

    def close(self) -> None: ...
