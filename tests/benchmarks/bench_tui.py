"""Measures the kiosk UI's costs that matter on a Pi: half-block rendering of a camera frame,
Argon2id login, app start and screen changes under Textual's pilot. Prints a Markdown table."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from drivers.camera.simulated import pattern_frame  # noqa: E402
from kiosk import operators  # noqa: E402
from tests.conftest import Authority  # noqa: E402
from tests.tui.helpers import PASSWORD, make_app, registered_station  # noqa: E402
from tui.images import HalfBlock  # noqa: E402


def timed(fn, n: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def ui_timings(station) -> dict[str, float]:  # noqa: ANN001
    app = make_app(station)
    t = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        start = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        await pilot.press("i")
        login_screen = (time.perf_counter() - t) * 1000
        await pilot.press(*PASSWORD)
        t = time.perf_counter()
        await pilot.press("enter")
        login = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        await pilot.press("c")
        capture = (time.perf_counter() - t) * 1000
    return {"app start to Inicio": start, "open login screen": login_screen,
            "password check + back to Inicio": login, "open capture screen": capture}


def main() -> None:
    frame = pattern_frame(1)
    rows = []
    for cols, lines in ((80, 20), (100, 26)):
        ms = timed(lambda: HalfBlock(frame, cols, lines).lines(), 10)
        rows.append((f"half-block 1280×720 → {cols}×{lines} cells", statistics.median(ms)))
    station = registered_station(Path(tempfile.mkdtemp()) / "kiosko", Authority())
    rows.append(("argon2id hash", statistics.median(timed(lambda: operators.hash_password("x" * 10), 5))))
    rows.append(("login (verify)", statistics.median(timed(lambda: operators.login(station.vault, "A1", PASSWORD), 5))))
    for name, ms in asyncio.run(ui_timings(station)).items():
        rows.append((name, ms))
    station.close()
    print("| measure | median ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
