"""Measures the device layer: pad parser throughput, pad over a pty, signature rendering,
page detection and rectification, SANE test-backend scans. Prints a Markdown table."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from drivers.camera import SimulatedCamera
from drivers.pad import PadSimulator, SerialPad, render_png, synthetic_signature
from drivers.pad.simulator import trajectory_bytes
from drivers.pad.topaz import TopazParser
from drivers.scanner import SaneScanner, detect_page, rectify_page
from drivers.scanner.synthetic import photograph_page, synthetic_page


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    signature = synthetic_signature(1)
    data = trajectory_bytes(signature) * 20
    seconds = timed(lambda: TopazParser().feed(data), 5)
    rows.append(("Topaz parser", f"{len(data) / seconds / 1e6:.2f} MB/s",
                 f"{len(data) / 1745 / seconds:.0f}× a 19200-baud 8O1 line"))

    duration = signature["points"][-1][0] / 1000
    for speed in (4.0, 20.0):
        with PadSimulator() as simulator, SerialPad(simulator.port, time_scale=speed) as pad:
            start = time.perf_counter()
            player = simulator.play_async(signature, speed=speed)
            got = pad.read_signature(timeout=60, idle_gap=1.0, flush=False)
            wall = time.perf_counter() - start
            player.join()
        intact = [p[1:] for p in got["points"]] == [p[1:] for p in signature["points"]]
        rows.append((f"pad over pty, {speed:g}× real time",
                     f"{wall:.2f} s for a {duration:.1f} s signature",
                     f"{len(got['points'])} points, intact={intact}, "
                     f"last t error {got['points'][-1][0] - signature['points'][-1][0]} ms"))

    rows.append(("synthetic_signature", f"{timed(lambda: synthetic_signature(5), 10) * 1000:.1f} ms",
                 f"{len(signature['points'])} points"))
    sizes = [len(render_png(synthetic_signature(seed))) for seed in range(20)]
    rows.append(("render_png (600 px, ≤ 8 KB)",
                 f"{timed(lambda: render_png(signature), 10) * 1000:.1f} ms",
                 f"PNG {min(sizes)}–{max(sizes)} bytes over 20 signatures"))

    page = synthetic_page(3)
    photo, corners = photograph_page(page, 3, angle=12)
    rows.append(("detect_page 1600×1200", f"{timed(lambda: detect_page(photo), 10) * 1000:.1f} ms",
                 f"max corner error {abs(detect_page(photo) - corners).max():.1f} px"))
    rows.append(("rectify_page 1600×1200",
                 f"{timed(lambda: rectify_page(photo), 5) * 1000:.1f} ms",
                 "detect + warp + deskew + contrast"))
    found = 0
    for seed in range(50):
        shot, truth = photograph_page(synthetic_page(seed), seed)
        corners_found = detect_page(shot)
        found += corners_found is not None and abs(corners_found - truth).max() <= 20
    rows.append(("page detection rate", f"{found}/50", "random ±15° turn, ±15° tilt, clutter"))

    camera = SimulatedCamera()
    rows.append(("SimulatedCamera.capture 1280×720", f"{timed(camera.capture, 20) * 1000:.2f} ms", ""))

    if shutil.which("scanimage"):
        config = Path(tempfile.mkdtemp())
        (config / "dll.conf").write_text("test\n")
        os.environ["SANE_CONFIG_DIR"] = str(config)
        for mode, dpi in (("Gray", 150), ("Color", 300)):
            scanner = SaneScanner("test:0", resolution=dpi, mode=mode)
            pages = scanner.scan()
            rows.append((f"SANE test:0 {mode} {dpi} dpi", f"{timed(scanner.scan, 3) * 1000:.0f} ms",
                         f"page {pages[0].shape[1]}×{pages[0].shape[0]}"))
        shutil.rmtree(config)

    print("| measure | result | notes |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
