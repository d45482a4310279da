"""Snapshot tests of every screen at 80×24 and at the Pi 7" display's size (100×30 cells).

The capture is snapshotted at the live photo and the signature, whose verdicts come from fixed
images; the front, back and review steps show what tesseract reads and the folio shows a fresh
integrity code, so those are asserted by the pilot tests instead."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.clock import TimeReading
from kiosk.domain import HORA_CENTRO
from tests.conftest import Authority
from tests.tui.helpers import PASSWORD, fixed_roster, registered_station, shoot_and_accept, wait_for
from tui.app import KioskApp
from tui.hardware import Hardware

SIZES = [(80, 24), (100, 30)]


@pytest.fixture
def snap_app(tmp_path: Path):
    from tests.tui.helpers import make_app

    station = registered_station(tmp_path / "kiosko", Authority(), roster=fixed_roster())
    # Inicio counts down to the period's end: pin the station's clock so the picture is stable
    station.now = lambda: TimeReading(datetime(2026, 12, 1, 12, 0, tzinfo=HORA_CENTRO), "alta")
    app = make_app(station)
    yield app
    station.close()


async def _logged_in(pilot) -> None:  # noqa: ANN001
    await pilot.press("i")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "LoginScreen")
    await pilot.pause(0.1)
    await pilot.press(*PASSWORD, "enter")
    await wait_for(pilot, lambda: pilot.app.operator is not None)
    await pilot.pause(0.2)


async def _push(pilot, name: str, **kw: object) -> None:  # noqa: ANN001
    import importlib

    module = importlib.import_module(f"tui.screens.{name.lower()}")
    cls = getattr(module, f"{name}Screen")
    await pilot.app.push_screen(cls(**kw))
    await pilot.pause(0.15)


SCREENS = {
    "inicio": None,
    "login": lambda p: _press(p, "i"),
    "inicio_operator": _logged_in,
    "capture_models": lambda p: _chain(p, _logged_in, lambda q: _press(q, "c")),
    "mi_apoyo": lambda p: _chain(p, _logged_in, lambda q: _push(q, "Capture", guided=True)),
    "registration": lambda p: _chain(p, lambda q: _press(q, "i"), lambda q: _click(q, "#first_use")),
    "envio": lambda p: _chain(p, _logged_in, lambda q: _press(q, "e")),
    "tecnico": lambda p: _press(p, "t"),
    "cedulas": lambda p: _chain(p, _logged_in, lambda q: _press(q, "p")),
    "alta_again": lambda p: _push(p, "Alta", again=True),
    "capture_photo": lambda p: _capture_until(p, "photo"),
    "capture_signature": lambda p: _capture_until(p, "signature"),
    "capture_original": lambda p: _capture_until(p, "original"),
    "capture_cancel_question": lambda p: _chain(p, lambda q: _capture_until(q, "original"), lambda q: _press(q, "escape")),
    "login_empty_password": lambda p: _chain(p, lambda q: _press(q, "i"), lambda q: _press(q, "enter")),
    "quit_question": lambda p: _press(p, "ctrl+q"),
    "cedulas_row": lambda p: _chain(p, _logged_in, lambda q: _press(q, "p"), _scanned),
    "envio_uploading": lambda p: _chain(p, _uploading, _logged_in, lambda q: _press(q, "e")),
}


async def _scanned(pilot) -> None:  # noqa: ANN001
    screen = pilot.app.screen
    await pilot.press("e")
    await wait_for(pilot, lambda: screen.page is not None or screen.error, timeout=120)
    await pilot.pause(0.2)


async def _uploading(pilot) -> None:  # noqa: ANN001
    pilot.app.station.vault.set_meta("upload_progress", '{"P100-A1-D0001-000007": [40960, 98304]}')


async def _capture_until(pilot, step: str) -> None:  # noqa: ANN001
    """Front and back accepted, the original confirmed, then the photo (and the signature) shot."""
    await _logged_in(pilot)
    await _press(pilot, "c")
    await _press(pilot, "5")
    await shoot_and_accept(pilot)
    await shoot_and_accept(pilot)
    if step == "original":
        await pilot.pause(0.2)
        return
    await pilot.press("o", "a")
    await pilot.pause(0.1)
    screen = pilot.app.screen
    for key in ("t", "f")[: 1 if step == "photo" else 2]:
        if key == "f":
            await pilot.press("a")
            await pilot.pause(0.1)
        await pilot.press(key)
        await wait_for(pilot, lambda: screen.shot is not None and not screen.busy)
        await pilot.pause(0.2)


async def _press(pilot, key: str) -> None:  # noqa: ANN001
    await pilot.press(key)
    await pilot.pause(0.15)


async def _click(pilot, selector: str) -> None:  # noqa: ANN001
    await pilot.click(selector)
    await pilot.pause(0.15)


async def _chain(pilot, *steps) -> None:  # noqa: ANN001
    for step in steps:
        await step(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare, snap_app: KioskApp, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(snap_app, terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_start_alta_snapshot(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """A device not provisioned yet opens on the Alta form."""
    from tests.tui.test_alta import unprovisioned_app

    assert snap_compare(unprovisioned_app(tmp_path / "nuevo"), terminal_size=size,
                        run_before=lambda p: p.pause(0.15))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tecnico_unlocked_snapshot(snap_compare, snap_app: KioskApp, monkeypatch, size: tuple[int, int]) -> None:
    """Técnico after its password: enrollment, diagnostics and the audit log. The log's clock
    times are pinned (its events and details are the real ones)."""
    import time

    from kiosk.vault import Vault

    real_tail = Vault.audit_tail
    monkeypatch.setattr(Vault, "audit_tail",
                        lambda self, limit=50: [dict(e, at=1_790_000_000 + 60 * e["seq"]) for e in real_tail(self, limit)])
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    async def unlock(pilot) -> None:  # noqa: ANN001
        await _press(pilot, "t")
        await pilot.press(*"tecnico-1", "enter", *"tecnico-1", "enter")  # the first one sets it
        await wait_for(pilot, lambda: pilot.app.screen.query("#identity"))
        await pilot.pause(0.15)

    try:
        assert snap_compare(snap_app, terminal_size=size, run_before=unlock)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_snapshot_helpers_build_the_simulated_hardware(snap_app: KioskApp) -> None:
    assert isinstance(snap_app.hardware, Hardware) and not snap_app.hardware.problems
