"""Printing the comprobante from the saved view: a simulated printer receives the folio (and no
personal data); a printer that vanished shows the Spanish device message; no printer, no button."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drivers.printer import EscPosPrinter, SimulatedPrinter
from kiosk.devices import PrinterConfig, load_config
from kiosk.specimens.cards import make_card
from tests.conftest import Authority
from tests.tui.helpers import capture_to_review, login, make_app, open_tecnico, registered_station, wait_for
from tests.tui.test_flows import screen_text
from tui.app import KioskApp
from tui.hardware import Hardware, SimulatedScenes

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


@pytest.fixture
def kiosk_station(tmp_path: Path):
    station = registered_station(tmp_path / "kiosko", Authority())
    yield station
    station.close()


def app_with_printer(station) -> KioskApp:  # noqa: ANN001
    cfg = load_config(station.data.root, simulated=True)
    cfg = replace(cfg, pad=replace(cfg.pad, speed=400.0), printer=PrinterConfig(backend="simulated"))
    return KioskApp(station, Hardware(cfg, scenes=SimulatedScenes(seed=2000)))


async def save_one(pilot):  # noqa: ANN001, ANN201
    await login(pilot)
    await capture_to_review(pilot)
    screen = pilot.app.screen
    await pilot.press("g")
    await wait_for(pilot, lambda: screen.saved is not None)
    await pilot.pause(0.1)
    return screen


async def test_print_key_sends_receipt_with_folio(kiosk_station) -> None:
    app = app_with_printer(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await save_one(pilot)
        printer = app.hardware.printer
        assert isinstance(printer, SimulatedPrinter) and printer.receipts == []
        assert "Imprimir comprobante" in str(screen.query_one("#print").label)
        await pilot.press("i")
        await wait_for(pilot, lambda: len(printer.receipts) == 1)
        await pilot.pause(0.1)
        receipt = printer.receipts[0]
        assert screen.saved.folio in receipt and screen.saved.integrity[:16] in receipt
        person = make_card(2000)[2]["fields"]  # the fictitious card the simulated camera saw
        personal = [person[k] for k in ("apellido_paterno", "apellido_materno", "clave_elector", "curp", "cic")]
        assert personal and not [value for value in personal if value in receipt]
        assert "Comprobante impreso" in screen_text(app)


async def test_vanished_printer_shows_spanish_message(kiosk_station, tmp_path: Path) -> None:
    app = app_with_printer(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await save_one(pilot)
        folder = tmp_path / "usb"
        folder.mkdir()
        (folder / "lp0").touch()
        app.hardware.printer = EscPosPrinter(folder / "lp0")
        (folder / "lp0").unlink()
        folder.rmdir()
        await pilot.press("i")
        await pilot.pause(0.3)
        assert "No se encontró la impresora de comprobantes" in screen_text(app)
        assert screen.saved is not None and app.screen is screen


async def test_no_printer_no_button(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await save_one(pilot)
        assert app.hardware.printer is None and not screen.query("#print")
        assert screen.saved.folio in screen_text(app)


async def test_technician_prints_a_test_receipt(kiosk_station) -> None:
    from kiosk import operators

    operators.set_tech_password(kiosk_station.vault, "tecnico-1")
    app = app_with_printer(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tecnico(pilot, "tecnico-1")
        await pilot.press("p")
        await wait_for(pilot, lambda: "Impresora:" in screen_text(app))
    [receipt] = app.hardware.printer.receipts
    assert "PRUEBA DE IMPRESORA" in receipt and kiosk_station.device_id in receipt
    assert all(len(line) <= 42 for line in receipt.splitlines())


async def test_no_printer_no_test_button(kiosk_station) -> None:
    from kiosk import operators

    operators.set_tech_password(kiosk_station.vault, "tecnico-1")
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tecnico(pilot, "tecnico-1")
        assert not app.screen.query("#printer")
