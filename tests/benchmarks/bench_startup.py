"""Measures cold start and memory of the kiosk's processes as a Pi runs them: `kiosk --help`,
`kiosk --version`, the sync daemon idle with the link down (RSS), and the UI from exec to the
Inicio screen. Each is a fresh interpreter. Prints a Markdown table.

    .venv/bin/python tests/benchmarks/bench_startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

UI_PROBE = """
import sys, time
from textual.app import App
original = App.run
def run(self, *args, **kwargs):
    async def until_inicio(pilot):
        from tui.screens.inicio import InicioScreen
        while not isinstance(self.screen, InicioScreen):
            await pilot.pause(0.005)
        print("INICIO", time.time(), flush=True)
        self.exit()
    return original(self, headless=True, auto_pilot=until_inicio)
App.run = run
from kiosk.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "run", "--simulated"]))
"""


def wall(cmd: list[str], n: int = 5) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KB from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def provisioned_dir() -> Path:
    """A device provisioned by the headless demo; its receiver is gone afterwards (link down)."""
    data = Path(tempfile.mkdtemp(prefix="bench-startup-")) / "kiosko"
    subprocess.run([str(BIN / "kiosk"), "demo", "--headless", "--records", "3", "--json", "--no-sync",
                    "--data-dir", str(data)], check=True, stdout=subprocess.DEVNULL)
    return data


def sync_idle(data: Path, settle: float = 8.0) -> tuple[int, int]:
    proc = subprocess.Popen([str(BIN / "kiosk"), "--data-dir", str(data), "sync"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        return rss_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def ui_to_inicio(data: Path, n: int = 3) -> float:
    out = []
    for _ in range(n):
        started = time.time()
        proc = subprocess.run([sys.executable, "-c", UI_PROBE, str(data)], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, TERM="xterm-256color"))
        marks = [line for line in proc.stdout.splitlines() if line.startswith("INICIO")]
        if not marks:
            raise RuntimeError(proc.stderr[-2000:])
        out.append(float(marks[-1].split()[1]) - started)
    return statistics.median(out)


def main() -> None:
    data = provisioned_dir()
    rows = {
        "kiosk --help (s, median of 5)": round(wall([str(BIN / "kiosk"), "--help"]), 3),
        "kiosk --version (s, median of 5)": round(wall([str(BIN / "kiosk"), "--version"]), 3),
    }
    rss, hwm = sync_idle(data)
    rows["kiosk sync idle, link down: RSS (MB)"] = round(rss / 1024, 1)
    rows["kiosk sync idle, link down: peak RSS (MB)"] = round(hwm / 1024, 1)
    rows["UI exec → Inicio (s, median of 3)"] = round(ui_to_inicio(data), 3)
    print("| medida | valor |\n|---|---|")
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
