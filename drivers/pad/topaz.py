"""Topaz-compatible serial packets: the byte format, an encoder, and a resynchronizing parser.

Every packet is 5 bytes; only the first byte has bit 7 set, so a parser can always find the
start of the next packet after noise.

    byte 0   1 T 0 0 0 0 P D   sync bit 7 = 1; T (bit 6) = packet type: 0 coordinate, 1 pressure;
                               bits 5..2 reserved = 0; P (bit 1) = pen in proximity;
                               D (bit 0) = pen down (tip switch closed)
    coordinate packet (T = 0), X and Y are 12 bits (0..4095):
    byte 1   0 x6 x5 x4 x3 x2 x1 x0     X bits 0..6
    byte 2   0 0  0  x11 x10 x9 x8 x7   X bits 7..11
    byte 3   0 y6 y5 y4 y3 y2 y1 y0     Y bits 0..6
    byte 4   0 0  0  y11 y10 y9 y8 y7   Y bits 7..11
    pressure packet (T = 1), pressure is 10 bits (0..1023):
    byte 1   0 p6 p5 p4 p3 p2 p1 p0     pressure bits 0..6
    byte 2   0 0  0  0  0  p9 p8 p7     pressure bits 7..9
    byte 3   0 0 0 0 0 0 0 0            reserved
    byte 4   0 0 0 0 0 0 0 0            reserved

Line settings: 19200 baud, 8 data bits, odd parity, 1 stop bit (8O1). A pad that sends pressure
sends a pressure packet just before each pen-down coordinate packet. A packet whose reserved bits
are not zero is garbage and is dropped whole. The packets carry no time: the pad sends one
coordinate report every REPORT_MS while the pen is in proximity, so the report's place in the
sequence is its time.
"""

from __future__ import annotations

from dataclasses import dataclass

PACKET_SIZE = 5
SYNC = 0x80
TYPE_PRESSURE = 0x40
PROXIMITY = 0x02
PEN_DOWN = 0x01
RESERVED_HEADER_BITS = 0x3C
MAX_COORD = 4095
MAX_PRESSURE = 1023
BAUDRATE = 19200
REPORT_MS = 10  # a Topaz-style pad reports the pen 100 times a second while it is in proximity


@dataclass(frozen=True)
class CoordPacket:
    """Pen position in pad units, with the proximity and tip-switch bits."""

    x: int
    y: int
    proximity: bool
    down: bool


@dataclass(frozen=True)
class PressurePacket:
    """Tip pressure, 0..1023, for the coordinate packet that follows."""

    pressure: int
    proximity: bool
    down: bool


Packet = CoordPacket | PressurePacket


def _header(packet_type: int, proximity: bool, down: bool) -> int:
    return SYNC | packet_type | (PROXIMITY if proximity else 0) | (PEN_DOWN if down else 0)


def encode_coord(x: int, y: int, *, proximity: bool = True, down: bool = True) -> bytes:
    """The 5 bytes of a coordinate packet; x and y must be in 0..4095."""
    if not (0 <= x <= MAX_COORD and 0 <= y <= MAX_COORD):
        raise ValueError(f"coordinates out of 12-bit range: {x}, {y}")
    return bytes([_header(0, proximity, down), x & 0x7F, x >> 7, y & 0x7F, y >> 7])


def encode_pressure(pressure: int, *, proximity: bool = True, down: bool = True) -> bytes:
    """The 5 bytes of a pressure packet; pressure must be in 0..1023."""
    if not 0 <= pressure <= MAX_PRESSURE:
        raise ValueError(f"pressure out of 10-bit range: {pressure}")
    return bytes([_header(TYPE_PRESSURE, proximity, down), pressure & 0x7F, pressure >> 7, 0, 0])


def encode(packet: Packet) -> bytes:
    """The bytes of any packet."""
    if isinstance(packet, CoordPacket):
        return encode_coord(packet.x, packet.y, proximity=packet.proximity, down=packet.down)
    return encode_pressure(packet.pressure, proximity=packet.proximity, down=packet.down)


def decode(raw: bytes | bytearray) -> Packet | None:
    """One 5-byte packet, or None when it is malformed (wrong sync, reserved bits set)."""
    if len(raw) != PACKET_SIZE or not raw[0] & SYNC or raw[0] & RESERVED_HEADER_BITS:
        return None
    if any(b & SYNC for b in raw[1:]):
        return None
    head = raw[0]
    proximity, down = bool(head & PROXIMITY), bool(head & PEN_DOWN)
    if head & TYPE_PRESSURE:
        if raw[2] > 0x07 or raw[3] or raw[4]:
            return None
        return PressurePacket(raw[1] | raw[2] << 7, proximity, down)
    if raw[2] > 0x1F or raw[4] > 0x1F:
        return None
    return CoordPacket(raw[1] | raw[2] << 7, raw[3] | raw[4] << 7, proximity, down)


class TopazParser:
    """Turns a byte stream into packets; never raises, whatever the input.

    A byte with bit 7 set always starts a new packet (a partial one before it is dropped); a byte
    with bit 7 clear outside a packet is stray and dropped. So after any noise the next intact
    packet is decoded: the parser resynchronizes within one packet. `dropped` counts bytes thrown
    away, for the technician's log.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes | bytearray) -> list[Packet]:
        """Packets completed by `data` (bytes of an unfinished packet are kept for the next call)."""
        packets: list[Packet] = []
        buf = self._buf
        for byte in data:
            if byte & SYNC:
                self.dropped += len(buf)
                buf.clear()
                buf.append(byte)
            elif not buf:
                self.dropped += 1
            else:
                buf.append(byte)
                if len(buf) == PACKET_SIZE:
                    packet = decode(buf)
                    if packet is None:
                        self.dropped += PACKET_SIZE
                    else:
                        packets.append(packet)
                    buf.clear()
        return packets
