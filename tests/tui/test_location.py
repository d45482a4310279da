"""Where each capture happened (seed 001 §10.5): the GPS fix when a GPS is configured (a real
NMEA receiver on a pty here), else the kiosk's alta location marked as such; and the Mi apoyo
modality marked in the record. Read back by opening the sealed envelope as the OPL would."""

from __future__ import annotations

import os
import tty
from dataclasses import replace
from pathlib import Path

import pytest

from drivers.gps import GpsReceiver, nmea
from kiosk import payload, sealing
from tests.conftest import Authority
from tests.sync.helpers import small_apoyo
from tests.tui.helpers import capture_to_review, login, make_app, registered_station, wait_for


def opened_meta(station, authority: Authority, folio: str) -> dict:  # noqa: ANN001
    envelope = station.vault.get(folio).envelope
    _header, plaintext = sealing.open_envelope(envelope, station.device_key.verify_key, authority.sealing_keys())
    return payload.unpack(plaintext)[0]


def test_without_gps_the_alta_location_is_marked(tmp_path: Path) -> None:
    authority = Authority()
    station = registered_station(tmp_path / "kiosko", authority)
    try:
        saved = station.save_apoyo(replace(small_apoyo(1), modality="mi_apoyo"), "A1")
        meta = opened_meta(station, authority, saved.folio)
        assert meta["location"] == {"municipio": "MUESTRA", "lat": None, "lon": None, "source": "alta"}
        assert meta["modality"] == "mi_apoyo"
    finally:
        station.close()


@pytest.mark.anyio
@pytest.mark.timeout(180)
async def test_a_capture_carries_the_gps_fix(tmp_path: Path) -> None:
    authority = Authority()
    station = registered_station(tmp_path / "kiosko", authority)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    try:
        app = make_app(station)
        app.hardware.gps = GpsReceiver(os.ttyname(slave))
        os.write(master, nmea("GPRMC,174510,A,1703.7380,N,09643.5360,W,0.0,0.0,150626,,").encode())
        async with app.run_test(size=(100, 30)) as pilot:
            await login(pilot)
            await capture_to_review(pilot)
            screen = app.screen
            assert screen.session.location and screen.session.location["source"] == "gps"
            await pilot.press("g")
            await wait_for(pilot, lambda: screen.saved is not None)
        meta = opened_meta(station, authority, screen.saved.folio)
        location = meta["location"]
        assert location["source"] == "gps" and location["municipio"] == "MUESTRA"
        assert location["lat"] == pytest.approx(17.0623) and location["lon"] == pytest.approx(-96.7256)
        assert meta["modality"] == "auxiliar"
    finally:
        station.close()
        os.close(master)
        os.close(slave)


@pytest.mark.anyio
@pytest.mark.timeout(180)
async def test_mi_apoyo_saves_a_record_marked_as_its_modality(tmp_path: Path) -> None:
    from tests.tui.helpers import shoot_and_accept
    from tui.screens.capture import CaptureScreen

    authority = Authority()
    station = registered_station(tmp_path / "kiosko", authority)
    try:
        app = make_app(station)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            await app.push_screen(CaptureScreen(guided=True))
            await pilot.pause(0.2)
            await pilot.press("6")  # model H: the simulated citizen holds an H card
            await pilot.pause(0.1)
            await shoot_and_accept(pilot)
            await shoot_and_accept(pilot)
            await pilot.press("o", "a")
            await pilot.pause(0.1)
            await shoot_and_accept(pilot)
            await shoot_and_accept(pilot, "f")
            screen = app.screen
            assert screen.session.qr_read and not screen.query("#refusal")
            await pilot.press("g")
            await wait_for(pilot, lambda: screen.saved is not None)
        assert opened_meta(station, authority, screen.saved.folio)["modality"] == "mi_apoyo"
    finally:
        station.close()
