"""Enrollment from the screen, against a real receiver on loopback: a device not provisioned yet
starts on Alta; Técnico enrolls it again (refused while records lack their acuse, and a refused
token leaves the old identity whole), runs a sync pass on demand and shows the logs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from kiosk import operators
from kiosk.devices import load_config
from kiosk.station import open_station
from sync.demo import DEMO_PROCESS
from tests.foundation.records import apoyo
from tests.tui.helpers import make_app, open_tecnico, wait_for
from tui.app import KioskApp
from tui.hardware import Hardware, SimulatedScenes

pytestmark = pytest.mark.anyio
TECH_PW = "tecnico-1"


def screen_name(app: KioskApp) -> str:
    return type(app.screen).__name__


def static_text(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def fill(pilot, **values: str) -> None:  # noqa: ANN001
    for name, value in values.items():
        pilot.app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause(0.05)


async def submit(pilot) -> None:  # noqa: ANN001
    """Enter in the last field presses Dar de alta (the keyboard path; two quick clicks on the
    same button are taken as one double click)."""
    pilot.app.screen.query_one("#lon", Input).focus()
    await pilot.press("enter")
    await pilot.pause(0.1)


def unprovisioned_app(root: Path) -> KioskApp:
    cfg = load_config(root, simulated=True)
    cfg = replace(cfg, pad=replace(cfg.pad, speed=400.0))
    return KioskApp(None, Hardware(cfg, scenes=SimulatedScenes(seed=2000)), data_root=root)


async def test_a_new_kiosk_starts_on_alta_and_enrolls(tmp_path: Path, receiver_env) -> None:
    server, receiver, token = receiver_env
    root = tmp_path / "kiosko"
    app = unprovisioned_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "AltaScreen")
        assert not app.screen.query("#back"), "nothing to go back to before the first enrollment"

        await submit(pilot)  # nothing typed
        assert "receptor" in static_text(app, "#alta-message")

        await fill(pilot, receiver=server.url, token="token-que-no-existe", municipio="San Juan MUESTRA", lat="17,06")
        await submit(pilot)
        assert "Latitud" in static_text(app, "#alta-message")
        assert not (root / "device.json").exists()

        await fill(pilot, receiver="http://127.0.0.1:9", lat="17.06", lon="-96.72")  # nothing listens there
        await submit(pilot)
        await wait_for(pilot, lambda: "No hay enlace con el receptor" in static_text(app, "#alta-message"), timeout=60)
        assert app.station is None and not (root / "keys").exists()

        await fill(pilot, receiver=server.url, token="token-que-no-existe")
        await submit(pilot)
        await wait_for(pilot, lambda: "rechazó el alta" in static_text(app, "#alta-message"))
        assert app.station is None and not (root / "device.json").exists()
        assert app.screen.query_one("#token", Input).value == "", "a refused token is cleared"

        await fill(pilot, token=token)
        await submit(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen", timeout=60)
        await pilot.pause(0.2)
        assert app.station is not None
        device_id = app.station.device_id
        assert device_id in static_text(app, "#status")
        assert DEMO_PROCESS in static_text(app, "#status"), "the signed configuration came down at enrollment"
        identity = json.loads((root / "device.json").read_text())
        assert (identity["municipio"], identity["lat"], identity["lon"]) == ("San Juan MUESTRA", 17.06, -96.72)
    reopened = open_station(root)
    assert reopened.device_id == device_id and reopened.config() is not None
    reopened.close()


async def test_tecnico_enrolls_again_only_when_nothing_is_pending(provisioned) -> None:
    station, server, receiver = provisioned
    old_id = station.device_id
    operators.set_tech_password(station.vault, TECH_PW)
    operators.set_password(station.vault, "A0001", "muestra-1")
    folio = station.save_apoyo(apoyo(), "A0001").folio
    app = make_app(station)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tecnico(pilot, TECH_PW)
        assert old_id in static_text(app, "#identity") and server.url in static_text(app, "#identity")
        await pilot.press("a")
        await wait_for(pilot, lambda: screen_name(app) == "AltaScreen")
        assert app.screen.query_one("#receiver", Input).value == server.url, "the current receiver is offered"
        await fill(pilot, token=receiver.issue_token(DEMO_PROCESS))
        await submit(pilot)
        assert "1 registros sin acuse" in static_text(app, "#alta-message")
        assert app.station is station and station.vault.get(folio) is not None, "nothing was closed or lost"
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "TecnicoScreen")

        await pilot.press("n")  # a sync pass brings the acuse; then the kiosk may be enrolled again
        await wait_for(pilot, lambda: "Sincronización: 1 enviados, 1 con acuse" in static_text(app, "#doctor"), timeout=60)
        assert station.vault.counts()["sealed"] == 0

        await pilot.press("a")
        await wait_for(pilot, lambda: screen_name(app) == "AltaScreen")
        await fill(pilot, token="token-gastado")
        await submit(pilot)
        await wait_for(pilot, lambda: "No se dio de alta" in static_text(app, "#alta-message"), timeout=60)
        assert app.station is not None and app.station.device_id == old_id, "a refused token keeps the old identity"
        assert operators.tech_password_set(app.station.vault), "and the old vault"

        await fill(pilot, token=receiver.issue_token(DEMO_PROCESS))
        await submit(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen", timeout=60)
        await pilot.pause(0.2)
        new_id = app.station.device_id
        assert new_id != old_id and new_id in static_text(app, "#status")
        assert operators.registered(app.station.vault) == [], "a new vault: auxiliares register again"
    app.station.close()


async def test_sync_now_reports_a_link_that_is_down(provisioned) -> None:
    station, server, _receiver = provisioned
    operators.set_tech_password(station.vault, TECH_PW)
    station.save_apoyo(apoyo(), "A0001")
    server.stop()
    app = make_app(station)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tecnico(pilot, TECH_PW)
        await pilot.press("n")
        await wait_for(pilot, lambda: "no terminó" in static_text(app, "#doctor"), timeout=90)
        assert "enlace" in static_text(app, "#doctor")
        await pilot.press("l")  # the failure is in this session's log, beside the journal's tail
        await wait_for(pilot, lambda: "Journal" in static_text(app, "#logs"), timeout=30)
        logs = static_text(app, "#logs")
        assert "aviso tui.kioskcli: kiosk sync failed" in logs
        journal = logs[logs.index("Journal"):].splitlines()[1:]
        assert journal and all(line.strip() for line in journal), "journal lines or one sentence why there are none"
    assert station.vault.counts()["sealed"] == 1, "the record waits for the next link"
