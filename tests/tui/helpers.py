"""Building the kiosk app for tests (simulated devices, fast pad) and driving it with a pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from kiosk import operators
from kiosk.devices import load_config
from kiosk.domain import HORA_CENTRO, Auxiliar, Process
from kiosk.station import Station
from tests.conftest import Authority, build_station, demo_process, demo_roster
from tui.app import KioskApp
from tui.hardware import Hardware, SimulatedScenes

PASSWORD = "clave-muestra"


def fixed_process() -> Process:
    """A process with fixed dates (open until 2099) so snapshots do not change day to day."""
    p = demo_process()
    return replace(p, period_start=datetime(2020, 1, 1, tzinfo=HORA_CENTRO), period_end=datetime(2099, 12, 31, 18, tzinfo=HORA_CENTRO))


def hardware(station: Station, **kw: object) -> Hardware:
    cfg = load_config(station.data.root, simulated=True)
    cfg = replace(cfg, pad=replace(cfg.pad, speed=400.0))
    kw.setdefault("scenes", SimulatedScenes(seed=2000))
    return Hardware(cfg, **kw)  # type: ignore[arg-type]


def make_app(station: Station, **kw: object) -> KioskApp:
    hw_kw = {k: kw.pop(k) for k in ("scenes", "signature_source", "page_source") if k in kw}
    return KioskApp(station, hardware(station, **hw_kw), **kw)  # type: ignore[arg-type]


def fixed_roster() -> list[Auxiliar]:
    """The demo roster dated from 2020 (its alta two days before today would fall after a clock
    pinned to a fixed day, and the operator could no longer log in there)."""
    alta = datetime(2020, 1, 1, tzinfo=HORA_CENTRO)
    return [replace(a, alta_at=alta, baja_at=None if a.baja_at is None else alta + (a.baja_at - a.alta_at)) for a in demo_roster()]


def registered_station(root: Path, authority: Authority, process: Process | None = None,
                       roster: list[Auxiliar] | None = None) -> Station:
    station = build_station(root, authority, process or fixed_process(), roster)
    operators.set_password(station.vault, "A1", PASSWORD)
    return station


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout}s on {pilot.app.screen!r}")
        await pilot.pause(0.05)
        await asyncio.sleep(0)


async def login(pilot, password: str = PASSWORD) -> None:  # noqa: ANN001
    await pilot.press("i")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "LoginScreen")
    await pilot.press(*password, "enter")
    await pilot.pause(0.1)


async def open_tecnico(pilot, password: str) -> None:  # noqa: ANN001
    """From Inicio: open Técnico and unlock it with an existing technician password."""
    await pilot.press("t")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "TecnicoScreen")
    await pilot.press(*password, "enter")
    await wait_for(pilot, lambda: pilot.app.screen.query("#identity"))


async def shoot_and_accept(pilot, key: str = "t") -> None:  # noqa: ANN001
    screen = pilot.app.screen
    await pilot.press(key)
    await wait_for(pilot, lambda: screen.shot is not None and not screen.busy)
    await pilot.pause(0.1)
    await pilot.press("a")
    await pilot.pause(0.1)


async def capture_to_photo(pilot, model: str = "5") -> None:  # noqa: ANN001
    """From Inicio (logged in): choose a model, front, back, confirm the original: the photo step."""
    await pilot.press("c")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "CaptureScreen")
    await pilot.pause(0.1)
    await pilot.press(model)
    await pilot.pause(0.1)
    await shoot_and_accept(pilot)
    await shoot_and_accept(pilot)
    await pilot.click("#original")
    await pilot.pause(0.1)
    await pilot.press("a")
    await pilot.pause(0.1)


async def capture_to_review(pilot, model: str = "5") -> None:  # noqa: ANN001
    """From Inicio (logged in): choose a model, front, back, original, photo, signature."""
    await capture_to_photo(pilot, model)
    await shoot_and_accept(pilot)
    await shoot_and_accept(pilot, "f")
