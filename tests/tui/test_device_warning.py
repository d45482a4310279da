"""A device that does not open is shown on Inicio as soon as the opening ends (the devices open in
the background after Inicio is drawn), not at Inicio's next periodic refresh."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kiosk.devices import load_config
from tests.conftest import Authority
from tests.tui.helpers import registered_station, wait_for
from tui.app import KioskApp
from tui.hardware import Hardware, SimulatedScenes

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


def _warnings(app: KioskApp) -> str:
    box = app.screen.query("#warnings")
    return str(box.first().render()) if box else ""


async def test_a_pad_that_is_not_there_is_shown_on_inicio_when_the_opening_ends(tmp_path) -> None:
    station = registered_station(tmp_path / "kiosko", Authority())
    cfg = load_config(station.data.root, simulated=True)
    cfg = replace(cfg, simulated=False, camera=replace(cfg.camera, backend="simulated"),
                  scanner=replace(cfg.scanner, backend="simulated"),
                  pad=replace(cfg.pad, backend="topaz", port=str(tmp_path / "sin-pad")))
    app = KioskApp(station, Hardware(cfg, scenes=SimulatedScenes(seed=2000), deferred=True))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.hardware._opened, timeout=60)
            opened = time.monotonic()
            assert "signature_pad" in app.hardware.problems
            # Inicio refreshes itself every 3 s; the warning must not wait for that
            await wait_for(pilot, lambda: "firma" in _warnings(app).lower(), timeout=1.0)
            assert time.monotonic() - opened < 1.0
    finally:
        station.close()
