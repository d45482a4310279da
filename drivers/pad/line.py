"""Line protocol for custom pads: one ASCII line per sample, `t,x,y,p,down\n`, and `done\n`.

t = pad milliseconds (integer, non-decreasing), x/y = pad units, p = pressure 0..1023,
down = 0 or 1. A malformed line is dropped whole; a line longer than 80 bytes is dropped too.
"""

from __future__ import annotations

from drivers.pad.samples import DONE, Event, Sample

MAX_LINE = 80
BAUDRATE = 115200


def parse_line(line: bytes) -> Event | None:
    """One event from one line (without its newline), or None when the line is malformed."""
    text = line.strip()
    if text.lower() == b"done":
        return DONE
    parts = text.split(b",")
    if len(parts) != 5:
        return None
    try:
        t, x, y, p, down = (int(part) for part in parts)
    except ValueError:
        return None
    if t < 0 or x < 0 or y < 0 or not 0 <= p <= 1023 or down not in (0, 1):
        return None
    return Sample(t, x, y, p, bool(down))


def encode_line(t_ms: int, x: int, y: int, pressure: int, down: int) -> bytes:
    """The bytes of one sample line."""
    return f"{t_ms},{x},{y},{pressure},{int(bool(down))}\n".encode("ascii")


class LineDecoder:
    """Splits the byte stream into lines and parses each; never raises."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> list[Event]:
        """Events completed by `data`."""
        events: list[Event] = []
        self._buf.extend(data)
        while True:
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_LINE:
                    self.dropped += len(self._buf)
                    self._buf.clear()
                return events
            line = bytes(self._buf[:end])
            del self._buf[: end + 1]
            event = parse_line(line) if len(line) <= MAX_LINE else None
            if event is None:
                self.dropped += len(line) + 1
            else:
                events.append(event)
