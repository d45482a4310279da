"""Benchmark of capture-time screening (photocopy and screen flags) on photos from the INDEPENDENT
evaluation generator (tests/fixtures/credential_eval), on a seed base given on the command line
(report only seeds never used for tuning). Side by side: the rules before this change (colour of
the card and of the print above the MRZ; screen: grid peak over the frame above 130) and the
current ones (plus the sheet around a copy; screen: peak above 150 and the same grid on the card
itself, or a weaker grid inside a bezel), both computed on the same located card. Prints Markdown.

    .venv/bin/python tests/benchmarks/bench_screening.py GENUINE_PER_DIFFICULTY NEGATIVES SEED0

Genuine photos at the three difficulties; photocopies and screens at easy and medium (as
bench_decode.py). Also times the screening functions alone per photo.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from credential_eval.generator import scene  # noqa: E402
from kiosk.credential import read_image  # noqa: E402
from kiosk.credential.screening import (copy_confidence, frame_screen_score, photocopy_decision,  # noqa: E402
                                        photocopy_kind, screen_decision, zone_copy_features)

PER_DIFFICULTY = int(sys.argv[1]) if len(sys.argv) > 1 else 10
NEGATIVES = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SEED0 = int(sys.argv[3]) if len(sys.argv) > 3 else 900_000
OLD_SCREEN_PEAK = 130.0


def decisions(image):
    """(flag of the reader, old rules' flag, new rules' flag, copy conf, screen conf, screening seconds, card found)."""
    reading = read_image(image)
    side = reading.sides[0]
    codes = {w.code for w in reading.warnings}
    flagged = bool(codes & {"photocopy", "screen"})
    if side.card is None or side.side is None:
        return flagged, False, False, reading.screening, 0.0, False
    start = time.perf_counter()
    kind = photocopy_kind(side.card)
    block = side.text.block if side.text is not None and side.text.block is not None else None
    features = zone_copy_features(side.frame, block.quad) if block is not None else None
    screen = screen_decision(side.frame, side.quad)[0]
    seconds = time.perf_counter() - start
    old_score = frame_screen_score(side.frame)
    old_copy = bool(kind) or (features is not None and copy_confidence(*features[:2]) > 0.5)  # no sheet cue
    new_copy = photocopy_decision(side.card, side.frame, block.quad if block is not None else None)[0] is not None
    return flagged, old_copy or old_score > OLD_SCREEN_PEAK, new_copy or screen, reading.screening, seconds, True


def main() -> None:
    rows, times, missed = [], [], Counter()
    plan = [("genuine", d, SEED0 + i) for d in ("easy", "medium", "hard") for i in range(PER_DIFFICULTY)]
    plan += [(kind, ("easy", "medium")[i % 2], SEED0 + 10_000 + i) for kind in ("photocopy", "screen") for i in range(NEGATIVES)]
    counts: dict[str, list[int]] = {}
    confidences: dict[str, list[float]] = {}
    for kind, difficulty, seed in plan:
        image, truth = scene(seed, difficulty, kind)
        flagged, old, new, screening, seconds, found = decisions(image)
        if found:
            times.append(seconds)
        c = counts.setdefault(kind, [0, 0, 0, 0, 0])
        c[0] += flagged
        c[1] += old
        c[2] += new
        c[3] += found
        c[4] += 1
        name = "photocopy" if kind == "photocopy" else "screen"
        confidences.setdefault(kind, []).append(max(screening.values(), default=0.0) if kind == "genuine" else screening.get(name, 0.0))
        if (kind == "genuine") == flagged:
            missed[(kind, truth["table"])] += 1
    print(f"Independent generator, seed base {SEED0}: {PER_DIFFICULTY} genuine backs per difficulty, "
          f"{NEGATIVES} photocopies and {NEGATIVES} screens (easy and medium); fictitious MUESTRA cards\n")
    print("| photos | n | card located | flagged by `kiosk decode` | old rules | current rules | median confidence |")
    print("|---|---|---|---|---|---|---|")
    for kind, (flagged, old, new, found, n) in counts.items():
        print(f"| {kind} | {n} | {found} | {flagged} ({100 * flagged / n:.0f} %) | {old} ({100 * old / n:.0f} %) | "
              f"{new} ({100 * new / n:.0f} %) | {statistics.median(confidences[kind]):.2f} |")
    negatives = sum(counts[k][0] for k in ("photocopy", "screen"))
    total = sum(counts[k][4] for k in ("photocopy", "screen"))
    print(f"\nCopies + screens flagged: {negatives}/{total} ({100 * negatives / total:.0f} %); "
          f"genuine flagged: {counts['genuine'][0]}/{counts['genuine'][4]} ({100 * counts['genuine'][0] / counts['genuine'][4]:.1f} %)")
    print(f"Wrong calls by kind and table: {dict(sorted(missed.items()))}")
    if times:
        print(f"Screening alone: median {1000 * statistics.median(times):.0f} ms per photo (max {1000 * max(times):.0f} ms)")


if __name__ == "__main__":
    main()
