"""Envío's progress bar during a real upload: a real receiver on loopback behind the link
simulator throttled to a slow rural link, the sync daemon in its own thread with its own
station (as the service runs beside the UI), writing its progress through sync.progress."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.station import open_station
from sync.daemon import SyncDaemon, client_for
from sync.linksim import Faults, LinkSimulator
from sync.progress import UploadProgress
from tests.tui.helpers import make_app, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


async def test_envio_bar_moves_during_an_upload(provisioned, tmp_path: Path) -> None:
    from kiosk.demo_rig import DemoRig
    from tui.screens.envio import EnvioScreen

    station, server, _receiver = provisioned
    with DemoRig(pad_speed=400) as rig:
        saved = rig.capture_one(station, "A0001")
    assert saved.size > 30_000  # a real apoyo: images and signature
    seen: list[tuple[float, float]] = []
    app = make_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(EnvioScreen())
        await pilot.pause(0.2)
        assert not app.screen.query_one("#progress").display  # nothing uploading yet
        with LinkSimulator(server.port, Faults(rate=12_000)) as link:
            daemon_station = open_station(station.data.root)

            def sync() -> None:
                try:
                    client = client_for(daemon_station, link.url, timeout=30, chunk_size=4096)
                    with UploadProgress(daemon_station.vault, interval=0.1) as progress:
                        SyncDaemon(daemon_station, client, lotes=False).run_once(on_progress=progress)
                finally:
                    daemon_station.close()

            worker = threading.Thread(target=sync)
            worker.start()
            screen = app.screen
            bar = screen.query_one("#progress-bar")

            def moving() -> bool:
                if screen.query_one("#progress").display and bar.total:
                    seen.append((bar.progress, bar.total))
                return len({p for p, _ in seen}) >= 2

            await wait_for(pilot, moving, timeout=60)
            assert saved.folio in str(screen.query_one("#progress-folio").content)
            await wait_for(pilot, lambda: not worker.is_alive(), timeout=90)
            worker.join()
        await wait_for(pilot, lambda: not screen.query_one("#progress").display, timeout=5)
    assert all(0 < p < t for p, t in seen) and seen[0][0] < seen[-1][0]
    assert station.vault.counts()["deleted"] == 1  # the acuse came back
    assert station.vault.get_meta("upload_progress") == "{}"


def test_progress_is_written_a_few_times_a_second_and_cleared(station) -> None:  # noqa: ANN001
    import json

    now = [0.0]
    with UploadProgress(station.vault, interval=0.25, clock=lambda: now[0]) as progress:
        progress("F1", 100, 1000)
        now[0] = 0.1
        progress("F1", 200, 1000)  # too soon: not written
        assert json.loads(station.vault.get_meta("upload_progress")) == {"F1": [100, 1000]}
        now[0] = 0.4
        progress("F1", 300, 1000)
        assert json.loads(station.vault.get_meta("upload_progress")) == {"F1": [300, 1000]}
        progress("F1", 1000, 1000)  # done: written at once, as nothing
        assert json.loads(station.vault.get_meta("upload_progress")) == {}
        progress("F2", 10, 50)
    assert station.vault.get_meta("upload_progress") == "{}"
