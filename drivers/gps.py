"""Optional GPS over serial: NMEA 0183 $--GGA and $--RMC sentences, checksum verified.

`GpsReceiver.read_fix()` returns the first valid position as a Fix(lat, lon, fix_time).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone

import serial

from drivers.errors import TIMEOUT, UNPLUGGED, DeviceError
from drivers.pad.serial_pad import open_serial

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fix:
    """A position in decimal degrees (south and west negative) and its UTC time (None if the
    receiver has not sent a date yet)."""

    lat: float
    lon: float
    fix_time: datetime | None


def checksum_ok(sentence: str) -> bool:
    """True when `$...*HH` carries the right XOR checksum of the characters between $ and *."""
    sentence = sentence.strip()
    if not sentence.startswith("$") or len(sentence) < 4 or sentence[-3] != "*":
        return False
    body, given = sentence[1:-3], sentence[-2:]
    value = 0
    for char in body:
        value ^= ord(char)
    return f"{value:02X}" == given.upper()


def _degrees(value: str, hemisphere: str) -> float:
    """ddmm.mmmm / dddmm.mmmm plus N/S/E/W to signed decimal degrees."""
    whole, minutes = divmod(float(value), 100)
    degrees = whole + minutes / 60
    if hemisphere not in "NSEW" or not hemisphere:
        raise ValueError(f"bad hemisphere {hemisphere!r}")
    return -degrees if hemisphere in "SW" else degrees


def _time(value: str, day: date | None) -> datetime | None:
    if day is None or len(value) < 6:
        return None
    second = float(value[4:])
    return datetime(day.year, day.month, day.day, int(value[:2]), int(value[2:4]), int(second),
                    int(round((second % 1) * 1e6)) % 1_000_000, tzinfo=timezone.utc)


def parse_sentence(sentence: str, day: date | None = None) -> tuple[Fix | None, date | None]:
    """(fix or None, date from RMC or the `day` passed in) for one sentence; bad checksum,
    unknown type, no fix or malformed fields give no fix."""
    if not checksum_ok(sentence):
        return None, day
    fields = sentence.strip()[1:-3].split(",")
    kind = fields[0][2:]
    try:
        if kind == "RMC" and len(fields) >= 10:
            if fields[9]:
                day = datetime.strptime(fields[9], "%d%m%y").date()
            if fields[2] != "A":
                return None, day
            fix = Fix(_degrees(fields[3], fields[4]), _degrees(fields[5], fields[6]),
                      _time(fields[1], day))
            return fix, day
        if kind == "GGA" and len(fields) >= 7:
            if not fields[6] or int(fields[6]) == 0:
                return None, day
            fix = Fix(_degrees(fields[2], fields[3]), _degrees(fields[4], fields[5]),
                      _time(fields[1], day))
            return fix, day
    except ValueError:
        return None, day
    return None, day


def nmea(body: str) -> str:
    """A sentence with its checksum, from the text between $ and * (for simulators and tests)."""
    value = 0
    for char in body:
        value ^= ord(char)
    return f"${body}*{value:02X}\r\n"


class GpsReceiver:
    """An NMEA receiver on a serial port (default 9600 8N1)."""

    def __init__(self, port: str, *, baudrate: int = 9600) -> None:
        self.port = port
        self._serial: serial.Serial | None = open_serial(port, baudrate=baudrate,
                                                         parity=serial.PARITY_NONE, device="gps")

    def read_fix(self, timeout: float = 10.0) -> Fix:
        """The first valid fix; DeviceError("timeout") when none arrives in time."""
        deadline, buffer, day = time.monotonic() + timeout, b"", None
        while time.monotonic() < deadline:
            if self._serial is None:
                raise DeviceError(UNPLUGGED, "gps already closed", device="gps")
            try:
                buffer += self._serial.read(max(1, self._serial.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise DeviceError(UNPLUGGED, f"{self.port}: {exc}", device="gps") from None
            *lines, buffer = buffer.split(b"\n")
            buffer = buffer[-512:]
            for line in lines:
                fix, day = parse_sentence(line.decode("ascii", "replace"), day)
                if fix is not None:
                    return fix
        raise DeviceError(TIMEOUT, f"no GPS fix on {self.port} in {timeout:.0f} s", device="gps")

    def close(self) -> None:
        """Close the port."""
        port, self._serial = self._serial, None
        if port is not None:
            port.close()
