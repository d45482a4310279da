"""NMEA parsing (checksums, GGA, RMC) and the GPS receiver reading a real pty."""

import os
import tty
from datetime import datetime, timezone

import pytest

from drivers.errors import DeviceError
from drivers.gps import GpsReceiver, checksum_ok, nmea, parse_sentence

# A well-known published example sentence, with its checksum.
RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
GGA_OAXACA = nmea("GPGGA,174512.00,1703.7380,N,09643.5360,W,1,08,0.9,1555.0,M,-10.0,M,,")


def test_checksum() -> None:
    assert checksum_ok(RMC)
    assert not checksum_ok(RMC[:-2] + "6B")
    assert not checksum_ok(RMC.replace("4807", "4808"))
    assert not checksum_ok("GPRMC,no dollar*00")


def test_rmc_gives_position_and_utc_time() -> None:
    fix, day = parse_sentence(RMC)
    assert fix is not None
    assert fix.lat == pytest.approx(48 + 7.038 / 60)
    assert fix.lon == pytest.approx(11 + 31 / 60)
    assert fix.fix_time == datetime(1994, 3, 23, 12, 35, 19, tzinfo=timezone.utc)
    assert day is not None and day.year == 1994


def test_gga_west_is_negative_and_takes_the_date_from_rmc() -> None:
    fix, _ = parse_sentence(GGA_OAXACA)
    assert fix is not None and fix.fix_time is None
    assert fix.lat == pytest.approx(17.06230) and fix.lon == pytest.approx(-96.72560)
    _, day = parse_sentence(RMC)
    dated, _ = parse_sentence(GGA_OAXACA, day)
    assert dated is not None and dated.fix_time == datetime(1994, 3, 23, 17, 45, 12, tzinfo=timezone.utc)


def test_bad_checksum_no_fix_and_garbage_are_rejected() -> None:
    corrupted = GGA_OAXACA.replace("1703.7380", "1703.7381")
    assert parse_sentence(corrupted) == (None, None)
    no_fix = nmea("GPGGA,174512.00,,,,,0,00,99.9,,M,,M,,")
    assert parse_sentence(no_fix)[0] is None
    void = nmea("GPRMC,123519,V,,,,,,,230394,,")
    fix, day = parse_sentence(void)
    assert fix is None and day is not None
    assert parse_sentence(nmea("GPGGA,xx,ab.cd,N,1,E,1,,,,,,,,"))[0] is None


def test_receiver_over_a_pty() -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    try:
        receiver = GpsReceiver(os.ttyname(slave))
        os.write(master, b"\xff\x00garbage\r\n" + RMC.replace("*6A", "*00").encode() + b"\r\n"
                 + nmea("GPRMC,174510,A,1703.7380,N,09643.5360,W,0.0,0.0,150626,,").encode())
        fix = receiver.read_fix(timeout=5)
        assert fix.lat == pytest.approx(17.06230) and fix.lon == pytest.approx(-96.72560)
        assert fix.fix_time == datetime(2026, 6, 15, 17, 45, 10, tzinfo=timezone.utc)
        with pytest.raises(DeviceError) as caught:
            receiver.read_fix(timeout=0.3)
        assert caught.value.code == "timeout"
        receiver.close()
    finally:
        os.close(master)
        os.close(slave)
