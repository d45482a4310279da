"""A simulated Topaz pad on a pty pair, and the demo's pad: that simulator read by the real driver.

PadSimulator writes the exact bytes a Topaz pad sends into the master side of a pty; the real
SerialPad opens the slave path with pyserial. Faults (garbage, truncated packets, an unplug in
the middle of a stroke) are written the same way.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import threading
import time
import tty
from collections.abc import Callable

from drivers.pad import topaz
from drivers.pad.serial_pad import SerialPad
from drivers.pad.synthetic import synthetic_signature

log = logging.getLogger(__name__)


def point_bytes(point: list[int], *, pressure: bool = True) -> bytes:
    """The packets a pad sends for one trajectory point: pressure (if down) then coordinates."""
    _t, x, y, p, down = point
    data = topaz.encode_pressure(p) if down and pressure else b""
    return data + topaz.encode_coord(x, y, proximity=True, down=bool(down))


def trajectory_bytes(trajectory: dict) -> bytes:
    """All the bytes of a trajectory, with the final out-of-proximity packet."""
    points = trajectory["points"]
    tail = topaz.encode_coord(*points[-1][1:3], proximity=False, down=False) if points else b""
    return b"".join(point_bytes(p) for p in points) + tail


class PadSimulator:
    """The pad end of a pty pair; `port` is the slave path a driver opens."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._lock = threading.Lock()
        self.closed = False

    def write(self, data: bytes) -> None:
        """Write raw bytes as the pad would."""
        with self._lock:
            if self.closed:
                raise OSError("pad simulator closed")
            view = memoryview(data)
            while view:
                view = view[os.write(self._master, view):]

    def play(self, trajectory: dict, *, speed: float = 1.0, stop_after: int | None = None) -> None:
        """Send a trajectory with its timing (`speed` > 1 is faster than real time).

        `stop_after` = n sends only the first n points and then unplugs the pad (closes the pty).
        """
        points = trajectory["points"]
        start = time.monotonic()
        for index, point in enumerate(points):
            if stop_after is not None and index >= stop_after:
                self.close()
                return
            delay = start + point[0] / 1000 / speed - time.monotonic()
            if delay > 0.001:
                time.sleep(delay)
            self.write(point_bytes(point))
        if points:
            self.write(topaz.encode_coord(*points[-1][1:3], proximity=False, down=False))

    def play_async(self, trajectory: dict, *, speed: float = 1.0,
                   stop_after: int | None = None) -> threading.Thread:
        """`play` in a daemon thread; errors after an unplug are logged, not raised."""
        def run() -> None:
            try:
                self.play(trajectory, speed=speed, stop_after=stop_after)
            except OSError as exc:
                log.info("pad simulator stopped: %s", exc)

        thread = threading.Thread(target=run, name="pad-simulator", daemon=True)
        thread.start()
        return thread

    def inject_garbage(self, count: int, seed: int = 0) -> bytes:
        """Write `count` random bytes; returns them."""
        data = random.Random(seed).randbytes(count)
        self.write(data)
        return data

    def write_truncated(self, point: list[int], keep: int = 3) -> None:
        """Write only the first `keep` bytes of a point's coordinate packet."""
        self.write(point_bytes(point, pressure=False)[:keep])

    def close(self) -> None:
        """Unplug: close both ends; the driver then sees EOF / an I/O error."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            os.close(self._master)
            os.close(self._slave)

    def __enter__(self) -> "PadSimulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SignatureSource = dict | Callable[[], dict] | None


class SimulatedPad:
    """The demo's pad: each `read_signature()` plays the next signature into a PadSimulator and
    reads it back through the real Topaz SerialPad on the pty. `speed` > 1 plays faster.

    `source`: a trajectory (always the same), a callable returning one, or None for synthetic
    signatures with seeds 0, 1, 2, ...
    """

    def __init__(self, source: SignatureSource = None, *, width: int = 2400, height: int = 800,
                 speed: float = 4.0) -> None:
        if source is None:
            seeds = itertools.count()
            source = lambda: synthetic_signature(next(seeds), width, height)  # noqa: E731
        self._source = source
        self.speed = speed
        self.simulator = PadSimulator()
        self.pad = SerialPad(self.simulator.port, protocol="topaz", width=width, height=height,
                             time_scale=speed)
        self.width, self.height = width, height

    def _next(self) -> dict:
        return self._source() if callable(self._source) else self._source

    def read_signature(self, timeout: float = 60.0, **options: object) -> dict:
        """Play the next signature and return what the driver read."""
        self.pad.reset_input()
        trajectory = self._next()
        played = threading.Event()

        def play() -> None:
            try:
                self.simulator.play(trajectory, speed=self.speed)
            except OSError as exc:
                log.info("pad simulator stopped: %s", exc)
            finally:
                played.set()

        player = threading.Thread(target=play, name="pad-simulator", daemon=True)
        player.start()
        # The simulator knows when the signer is done: the driver stops once every byte is in,
        # so a scheduling hiccup between strokes at high speed never splits a signature.
        options.setdefault("stop", played)
        options.setdefault("drain_on_stop", True)
        options.setdefault("idle_gap", 1.5 * self.speed)
        try:
            return self.pad.read_signature(timeout, flush=False, **options)  # type: ignore[arg-type]
        finally:
            player.join(timeout=5)

    def read_point(self, timeout: float = 5.0) -> list[int]:
        """Play a short stroke and return the first point the driver read."""
        self.pad.reset_input()
        stroke = {"width": self.width, "height": self.height,
                  "points": [[i * 10, 100 + 5 * i, 100 + 2 * i, 400, 1] for i in range(5)]}
        player = self.simulator.play_async(stroke, speed=self.speed)
        try:
            return self.pad.read_point(timeout)
        finally:
            player.join(timeout=5)
            time.sleep(0.01)
            self.pad.reset_input()

    def close(self) -> None:
        """Close the driver, then unplug the simulator."""
        self.pad.close()
        self.simulator.close()
