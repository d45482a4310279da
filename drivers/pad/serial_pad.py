"""The signature pad driver: a serial port (pyserial), a decoder (Topaz or line), and a clock.

`read_signature()` returns the trajectory `{"width", "height", "points": [[t_ms, x, y, pressure,
pen_down], ...]}`; it ends after a pen-up idle gap, a "done" from the pad, or the caller's stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from drivers.errors import TIMEOUT, UNPLUGGED, DeviceError, code_for_errno
from drivers.pad import line, topaz
from drivers.pad.line import LineDecoder
from drivers.pad.samples import Decoder, Done, Sample, TopazDecoder

log = logging.getLogger(__name__)

PROTOCOLS = ("topaz", "line")
Point = list[int]


def open_serial(port: str, *, baudrate: int, parity: str, device: str = "signature_pad") -> serial.Serial:
    """Open a serial port exclusively, mapping failures to DeviceError(missing/busy/permission)."""
    try:
        return serial.Serial(port, baudrate=baudrate, bytesize=serial.EIGHTBITS, parity=parity,
                             stopbits=serial.STOPBITS_ONE, timeout=0.05, exclusive=True)
    except serial.SerialException as exc:
        code = code_for_errno(exc.errno)
        if "lock" in str(exc).lower():
            code = "busy"
        raise DeviceError(code, f"cannot open {port}: {exc}", device=device) from None
    except (OSError, ValueError) as exc:
        raise DeviceError(code_for_errno(getattr(exc, "errno", None)), f"cannot open {port}: {exc}",
                          device=device) from None


class SerialPad:
    """A Topaz-compatible (`protocol="topaz"`, 19200 8O1) or line-protocol pad on a serial port.

    `width`/`height` are the pad's coordinate range. `time_scale` > 1 reads a pad that plays faster
    than real time (the simulator): the idle gap is in pad time. A Topaz pad sends no time, so a
    report's time is its place in the sequence × `report_ms` (the pad's report interval): a busy
    host that reads the serial buffer in bursts does not squeeze a calm signature. Only the gap
    while the pen is out of proximity (no reports at all) is measured on the host clock.
    """

    def __init__(
        self,
        port: str,
        *,
        protocol: str = "topaz",
        baudrate: int | None = None,
        width: int = 2400,
        height: int = 800,
        time_scale: float = 1.0,
        report_ms: float = topaz.REPORT_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown pad protocol {protocol!r}")
        self.port, self.protocol = port, protocol
        self.width, self.height = width, height
        self.time_scale, self._clock = time_scale, clock
        self.report_ms = report_ms
        if protocol == "topaz":
            baudrate, parity = baudrate or topaz.BAUDRATE, serial.PARITY_ODD
        else:
            baudrate, parity = baudrate or line.BAUDRATE, serial.PARITY_NONE
        self._serial: serial.Serial | None = open_serial(port, baudrate=baudrate, parity=parity)
        log.info("signature pad opened: %s on %s", protocol, port)

    def _decoder(self) -> Decoder:
        return TopazDecoder() if self.protocol == "topaz" else LineDecoder()

    def _read_chunk(self) -> bytes:
        if self._serial is None:
            raise DeviceError(UNPLUGGED, "pad already closed", device="signature_pad")
        try:
            return self._serial.read(max(1, self._serial.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(UNPLUGGED, f"{self.port}: {exc}", device="signature_pad") from None

    def _drain(self, decoder: Decoder, collector: "_Collector", on_point: Callable[[Point], None] | None) -> None:
        """Take in the bytes already waiting (a stop must not cut the last strokes off)."""
        quiet = 0
        while self._serial is not None and quiet < 3:
            if not self._serial.in_waiting:  # a pty hands bytes over asynchronously: wait a bit
                quiet += 1
                time.sleep(0.01)
                continue
            quiet = 0
            now = self._clock()
            for event in decoder.feed(self._read_chunk()):
                if not isinstance(event, Done):
                    point = collector.add(event, now)
                    if point is not None and on_point is not None:
                        on_point(point)

    def reset_input(self) -> None:
        """Discard bytes the pad sent before now."""
        if self._serial is not None:
            try:
                self._serial.reset_input_buffer()
            except (serial.SerialException, OSError) as exc:
                raise DeviceError(UNPLUGGED, f"{self.port}: {exc}", device="signature_pad") from None

    def read_point(self, timeout: float = 5.0) -> Point:
        """The first pen report that arrives (to test the pad), or DeviceError("timeout")."""
        decoder, deadline = self._decoder(), self._clock() + timeout
        while self._clock() < deadline:
            for event in decoder.feed(self._read_chunk()):
                if isinstance(event, Sample) and event.proximity:
                    return [event.t_ms or 0, event.x, event.y, event.pressure, int(event.down)]
        raise DeviceError(TIMEOUT, f"no pen report from {self.port} in {timeout:.1f} s",
                          device="signature_pad")

    def read_signature(
        self,
        timeout: float = 60.0,
        *,
        idle_gap: float = 1.5,
        stop: threading.Event | None = None,
        on_point: Callable[[Point], None] | None = None,
        silence_timeout: float | None = None,
        flush: bool = True,
        drain_on_stop: bool = False,
    ) -> dict:
        """Collect one signature.

        Ends when the pen has been up for `idle_gap` seconds after signing, when the pad sends
        "done", when `stop` is set (with `drain_on_stop`, after reading the bytes already sent),
        or at `timeout` (then with whatever was signed, maybe
        nothing). `silence_timeout` seconds without a single byte means the pad is unplugged.
        Raises DeviceError("unplugged") on EOF or an I/O error. `on_point` sees each point live.
        """
        if flush:
            self.reset_input()
        decoder, collector = self._decoder(), _Collector(self.time_scale, self.report_ms)
        start = self._clock()
        deadline, last_byte = start + timeout, start
        idle_wall = idle_gap / self.time_scale
        while True:
            now = self._clock()
            if stop is not None and stop.is_set():
                if drain_on_stop:  # the writer is done: take in what it already sent
                    self._drain(decoder, collector, on_point)
                break
            if collector.last_down_wall is not None and now - collector.last_down_wall >= idle_wall:
                break
            if now >= deadline:
                break
            if silence_timeout is not None and now - last_byte > silence_timeout:
                raise DeviceError(UNPLUGGED, f"no data from {self.port} for {silence_timeout:.1f} s",
                                  device="signature_pad")
            chunk = self._read_chunk()
            if not chunk:
                continue
            now = last_byte = self._clock()
            finished = False
            for event in decoder.feed(chunk):
                if isinstance(event, Done):
                    finished = finished or collector.has_ink
                    continue
                point = collector.add(event, now)
                if point is not None and on_point is not None:
                    on_point(point)
            if finished:
                break
        if decoder.dropped:
            log.warning("signature pad %s: %d garbage bytes dropped", self.port, decoder.dropped)
        return {"width": self.width, "height": self.height, "points": collector.points()}

    def close(self) -> None:
        """Close the port."""
        port, self._serial = self._serial, None
        if port is not None:
            port.close()

    def __enter__(self) -> "SerialPad":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Collector:
    """Turns samples into trajectory points: time base, leading hover dropped, tail trimmed.

    Samples without a pad time (Topaz) are timed by the report sequence: each report is
    `report_ms` after the one before. After the pen left proximity (the pad was silent), the
    next report is placed at the host's elapsed time if that is later, so a real pause between
    strokes is kept; a pause never shortens the pen-down time of a stroke.
    """

    def __init__(self, time_scale: float, report_ms: float = topaz.REPORT_MS) -> None:
        self._scale = time_scale
        self._report_ms = report_ms
        self._points: list[Point] = []
        self._t0_wall: float | None = None
        self._t0_pad: int | None = None
        self._sequence_ms = 0.0
        self._out_of_proximity = False
        self.last_down_wall: float | None = None

    @property
    def has_ink(self) -> bool:
        return self.last_down_wall is not None

    def add(self, sample: Sample, wall: float) -> Point | None:
        if not sample.proximity:
            self._out_of_proximity = bool(self._points)
            return None
        if not self.has_ink and not sample.down:
            return None
        if sample.t_ms is None:
            t_ms = round(self._sequence_time(wall))
        else:
            if self._t0_pad is None:
                self._t0_pad = sample.t_ms
            t_ms = sample.t_ms - self._t0_pad
        if self._points and t_ms < self._points[-1][0]:
            t_ms = self._points[-1][0]
        if sample.down:
            self.last_down_wall = wall
        point = [t_ms, sample.x, sample.y, sample.pressure, int(sample.down)]
        self._points.append(point)
        return point

    def _sequence_time(self, wall: float) -> float:
        """Pad milliseconds of the next report: one report interval after the last one."""
        if self._t0_wall is None:
            self._t0_wall = wall
            return 0.0
        self._sequence_ms += self._report_ms
        if self._out_of_proximity:
            self._out_of_proximity = False
            self._sequence_ms = max(self._sequence_ms, (wall - self._t0_wall) * 1000 * self._scale)
        return self._sequence_ms

    def points(self) -> list[Point]:
        """All points up to the first pen-up after the last pen-down."""
        last_down = max((i for i, p in enumerate(self._points) if p[4]), default=-1)
        return self._points[: last_down + 2]
