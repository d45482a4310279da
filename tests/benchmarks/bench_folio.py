"""Benchmark: the printed cédula folio read by its label, on pages whose header is not our own
(tests/cedula/other_layouts.py) and on our own layout. Measures only (never asserts).

Run: .venv/bin/python tests/benchmarks/bench_folio.py [--pages 10] [--seed 9000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.cedula.page import read_page  # noqa: E402
from kiosk.cedula.specimen import make_cedula  # noqa: E402
from tests.cedula.other_layouts import other_layout_page  # noqa: E402


def run(name: str, pages: list[tuple[object, str]]) -> None:
    right, confident_wrong, seconds, confidences = 0, 0, [], []
    for image, value in pages:
        start = time.perf_counter()
        folio = read_page(image).folio
        seconds.append(time.perf_counter() - start)
        right += folio.value == value
        confident_wrong += folio.value != value and folio.confidence >= 0.6
        if folio.value == value:
            confidences.append(folio.confidence)
    print(f"| {name} | {right}/{len(pages)} | {confident_wrong} | "
          f"{statistics.median(confidences) if confidences else 0:.2f} | {statistics.median(seconds):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=9000)
    args = parser.parse_args()
    seeds = range(args.seed, args.seed + args.pages)
    print("| páginas | folio exacto | erróneo con confianza ≥ 0.6 | confianza mediana (exactos) | s por página |")
    print("|---|---|---|---|---|")
    run("encabezados ajenos", [other_layout_page(s) for s in seeds])
    run("formato propio", [(img, truth["folio"]) for img, truth in (make_cedula(s) for s in seeds)])


if __name__ == "__main__":
    main()
