"""Benchmark of the MRZ cell classifier (kiosk/credential/cellnet.py): milliseconds to cut (crop_cell)
and to classify one card's 90 cells (3 TD1 lines × 30), with OpenCV on one thread (closer to one Pi 4
core; a Pi 4 is about 4× slower than this machine) and on its default threads. Median of REPEATS
runs, wall time and CPU time of this process. Prints Markdown.

Run: .venv/bin/python tests/benchmarks/bench_cellnet.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "credential"))

from test_cellnet import CARD_FONTS, render_line, td1_like  # noqa: E402

from kiosk.credential.cellnet import MODEL_PATH, classify, crop_cell  # noqa: E402

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
PITCH = 20


def card_lines() -> list[tuple[np.ndarray, list[tuple[float, float]]]]:
    rng = np.random.default_rng(5)
    return [render_line(CARD_FONTS[0], td1_like(rng), PITCH) for _ in range(3)]


def timed(fn) -> tuple[float, float]:
    """Median wall and CPU milliseconds of fn over REPEATS calls (after one warm-up call)."""
    fn()
    walls, cpus = [], []
    for _ in range(REPEATS):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    lines = card_lines()

    def cut() -> np.ndarray:
        return np.stack([crop_cell(g, cx, cy, PITCH) for g, centres in lines for cx, cy in centres])

    cells = cut()
    print(f"model {MODEL_PATH.name}: {MODEL_PATH.stat().st_size / 1024:.0f} KiB; {len(cells)} cells per card, "
          f"median of {REPEATS} runs\n")
    print("| step | OpenCV threads | wall ms / 90 cells | CPU ms / 90 cells |")
    print("|---|---|---|---|")
    default_threads = cv2.getNumThreads()
    for threads in (1, default_threads):
        cv2.setNumThreads(threads)
        for name, fn in (("crop_cell ×90", cut), ("classify(90)", lambda: classify(cells))):
            wall, cpu = timed(fn)
            print(f"| {name} | {threads} | {wall:.2f} | {cpu:.2f} |")
    cv2.setNumThreads(default_threads)


if __name__ == "__main__":
    main()
