"""Seed rules the kiosk shows: the privacy notice from the process configuration (optional, so
configurations signed before it still load), the countdown to the end of the period and of the
24-hour sending grace with a warning when records risk arriving late, and one time format."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk import sealing
from kiosk.domain import HORA_CENTRO
from kiosk.procconfig import ProcessConfig, auxiliar_to_dict, process_from_dict, process_to_dict
from tests.conftest import Authority, demo_roster
from tests.sync.helpers import small_apoyo
from tests.tui.helpers import fixed_process, login, make_app, registered_station, wait_for
from tests.tui.test_flows import screen_text
from tui.messages import when
from tui.screens.inicio import span


def test_a_configuration_signed_before_the_privacy_fields_still_loads() -> None:
    body = process_to_dict(fixed_process())
    for new in ("privacy_url", "privacy_text"):
        body.pop(new)
    roster = [auxiliar_to_dict(a) for a in demo_roster()]
    for entry in roster:
        entry.pop("devices")
    config = ProcessConfig.from_body({"process": body, "roster": roster})
    assert config.process.privacy_url == "" and config.process.privacy_text == ""
    assert config.max_devices_per_auxiliar is None and config.roster["A1"].devices == ()


def test_privacy_fields_travel_in_the_configuration() -> None:
    process = replace(fixed_process(), privacy_url="https://opl.muestra.invalid/aviso",
                      privacy_text="Aviso simplificado MUESTRA.")
    again = process_from_dict(process_to_dict(process))
    assert (again.privacy_url, again.privacy_text) == (process.privacy_url, process.privacy_text)


def test_one_time_format_in_hora_del_centro() -> None:
    moment = datetime(2026, 12, 1, 14, 2, 19, tzinfo=timezone.utc)
    assert when(moment) == "01/12/2026 08:02 (hora del Centro)"
    assert when("2026-12-01T14:02:19+00:00") == when(moment.timestamp()) == when(moment)
    assert when(None) == "nunca"
    assert span(timedelta(days=3, hours=4, minutes=12)) == "3 d 04 h"
    assert span(timedelta(hours=5, minutes=7)) == "5 h 07 min" and span(timedelta(seconds=-5)) == "0 min"


@pytest.mark.anyio
async def test_manifest_shows_the_privacy_notice(tmp_path: Path) -> None:
    process = replace(fixed_process(), privacy_url="https://opl.muestra.invalid/aviso",
                      privacy_text="Aviso de privacidad simplificado MUESTRA.")
    station = registered_station(tmp_path / "kiosko", Authority(), process)
    try:
        app = make_app(station)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            await pilot.press("c")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "CaptureScreen")
            await pilot.pause(0.1)
            text = screen_text(app)
            assert "Aviso de privacidad simplificado MUESTRA." in text and "opl.muestra.invalid/aviso" in text
    finally:
        station.close()


@pytest.mark.anyio
async def test_countdown_and_the_late_warning(tmp_path: Path) -> None:
    authority = Authority()
    station = registered_station(tmp_path / "kiosko", authority)
    try:
        station.save_apoyo(small_apoyo(1), "A1")  # captured while the period was open
        now = datetime.now(HORA_CENTRO)
        closed = replace(fixed_process(), period_start=now - timedelta(days=5), period_end=now - timedelta(hours=21))
        body = {"process": process_to_dict(closed), "roster": [auxiliar_to_dict(a) for a in demo_roster()],
                "device": {"device_id": "D0001", "status": "activo"}}
        station.store_config(sealing.sign_document(body, "config", authority.signing), "etag-2")
        app = make_app(station)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            text = screen_text(app)
            assert "Captación cerrada: quedan 2 h 5" in text or "Captación cerrada: quedan 3 h 00" in text
            assert "1 registro(s) sin acuse" in text and "exporte a USB" in text
    finally:
        station.close()


def test_mi_apoyo_takes_only_f_g_h_with_the_qr_read_and_vigentes() -> None:
    from kiosk.capture import CaptureSession, FlowError

    with pytest.raises(FlowError):
        CaptureSession("A1", self_service=True).choose_model("E")
    session = CaptureSession("A1", self_service=True)
    session.choose_model("G")
    session.accept_front(b"f", {"expiry_year": {"value": 2032, "source": "mrz", "verified": True}}, [], "E/F/G/H")
    assert session.self_service_refusal(2026) == "mi_apoyo_sin_qr"
    session.accept_back(b"b", {}, [], "G/H")  # the reader decoded the INE QR on this side
    assert session.self_service_refusal(2026) is None
    assert session.self_service_refusal(2033) == "mi_apoyo_no_vigente"
    assert CaptureSession("A1").self_service_refusal(2033) is None  # the auxiliar's capture: any model
    session.confirm_original()
    assert session.record().modality == "mi_apoyo"
