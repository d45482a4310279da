"""What both pad decoders produce: pen samples, plus a Done marker for pads that say "done".

`t_ms` is the pad's own clock when the protocol carries one (line protocol), else None and the
driver stamps the sample on arrival (Topaz).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.pad.topaz import MAX_PRESSURE, CoordPacket, PressurePacket, TopazParser


@dataclass(frozen=True)
class Sample:
    """One pen report."""

    t_ms: int | None
    x: int
    y: int
    pressure: int
    down: bool
    proximity: bool = True


@dataclass(frozen=True)
class Done:
    """The pad reported the signature finished."""


DONE = Done()
Event = Sample | Done


class Decoder(Protocol):
    """Bytes in, events out; never raises on bad input; `dropped` counts discarded bytes."""

    dropped: int

    def feed(self, data: bytes) -> list[Event]: ...


class TopazDecoder:
    """Topaz packets to samples: a pressure packet sets the pressure of the next pen-down point.

    Pads that never send pressure packets report full scale (1023) while the pen is down.
    """

    def __init__(self) -> None:
        self._parser = TopazParser()
        self._pressure: int | None = None

    @property
    def dropped(self) -> int:
        """Bytes the parser threw away."""
        return self._parser.dropped

    def feed(self, data: bytes) -> list[Event]:
        """Samples completed by `data`."""
        events: list[Event] = []
        for packet in self._parser.feed(data):
            if isinstance(packet, PressurePacket):
                self._pressure = packet.pressure
                continue
            assert isinstance(packet, CoordPacket)
            if packet.down:
                pressure = MAX_PRESSURE if self._pressure is None else self._pressure
            else:
                pressure, self._pressure = 0, None
            events.append(Sample(None, packet.x, packet.y, pressure, packet.down, packet.proximity))
        return events
