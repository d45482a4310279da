"""Measures cold start and memory of the kiosk's processes as a Pi runs them: `kiosk --help`,
`kiosk --version`, the sync daemon idle with the link down (RSS), and the UI from exec to the
Inicio screen. Each is a fresh interpreter (run from /, so the checkout is not on the path).
Prints a Markdown table: wall time and CPU time (user + system, less sensitive to a busy box).

    .venv/bin/python tests/benchmarks/bench_startup.py [--bin OTHER_VENV/bin]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
        print("INICIO", time.time(), time.process_time(), flush=True)
        self.exit()
    return original(self, headless=True, auto_pilot=until_inicio)
App.run = run
from kiosk.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "run", "--simulated"]))
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(cmd: list[str], n: int = 5) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of `n` runs."""
    walls, cpus = [], []
    for _ in range(n):
        t, c = time.perf_counter(), _cpu()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd="/")
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    return statistics.median(walls), statistics.median(cpus)


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
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
    try:
        time.sleep(settle)
        return rss_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def ui_to_inicio(data: Path, n: int = 3) -> tuple[float, float]:
    """(median wall seconds from exec to Inicio drawn, median CPU seconds the process had used by
    then: less sensitive to a busy machine, and it leaves out the devices opened after Inicio)."""
    out, cpus = [], []
    for _ in range(n):
        started = time.time()
        proc = subprocess.run([str(BIN / "python"), "-c", UI_PROBE, str(data)], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, TERM="xterm-256color"), cwd="/")
        marks = [line for line in proc.stdout.splitlines() if line.startswith("INICIO")]
        if not marks:
            raise RuntimeError(proc.stderr[-2000:])
        out.append(float(marks[-1].split()[1]) - started)
        cpus.append(float(marks[-1].split()[2]))
    return statistics.median(out), statistics.median(cpus)


def main() -> None:
    global BIN
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", type=Path, default=BIN, help="the venv's bin directory to measure")
    parser.add_argument("--data", type=Path, help="a provisioned data dir (default: a new one)")
    args = parser.parse_args()
    data = args.data or provisioned_dir()
    BIN = args.bin
    rows = {}
    for name, argv in (("kiosk --help", ["--help"]), ("kiosk --version", ["--version"])):
        seconds, cpu = wall([str(BIN / "kiosk"), *argv])
        rows[f"{name} (s, median of 5)"] = round(seconds, 3)
        rows[f"{name} CPU (s)"] = round(cpu, 3)
    rss, hwm = sync_idle(data)
    rows["kiosk sync idle, link down: RSS (MB)"] = round(rss / 1024, 1)
    rows["kiosk sync idle, link down: peak RSS (MB)"] = round(hwm / 1024, 1)
    seconds, cpu = ui_to_inicio(data)
    rows["UI exec → Inicio (s, median of 3)"] = round(seconds, 3)
    rows["UI exec → Inicio CPU until Inicio (s)"] = round(cpu, 3)
    print("| medida | valor |\n|---|---|")
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print(json.dumps(dict(rows, load=os.getloadavg()[0], bin=str(BIN))), file=sys.stderr)


if __name__ == "__main__":
    main()
