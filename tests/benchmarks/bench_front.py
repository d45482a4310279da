"""Reading a front: unasked (`kiosk decode`, which side it is not known) against asked for (the
kiosk's front step, read_side's `expect="front"`). Per difficulty: median and p90 seconds, fronts
found, clave de elector and CURP read right (and wrong). Fictitious "MUESTRA" cards of
kiosk.specimens; run on seeds the tests do not use.

    .venv/bin/python tests/benchmarks/bench_front.py N SEED [easy medium ...]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from kiosk.credential import reader
from kiosk.specimens.cards import make_card
from kiosk.specimens.scenes import photo_of_card


def measure(n: int, seed: int, level: str) -> dict:
    out: dict = {}
    for expect in (None, "front"):
        times, fronts, clave, curp, wrong = [], 0, 0, 0, 0
        for s in range(seed, seed + n):
            front, _back, truth = make_card(s)
            photo = photo_of_card(front, level, random.Random(s))[0]
            reader._RECENT.clear()
            started = time.perf_counter()
            reading = reader.read_image(photo, expect=expect)
            times.append(time.perf_counter() - started)
            fronts += reading.sides[0].side == "front"
            got = reading.fields["clave_elector"].value
            clave += got == truth["fields"]["clave_elector"]
            curp += reading.front_curp == truth["fields"]["curp"]
            wrong += got is not None and got != truth["fields"]["clave_elector"]
        times.sort()
        out["asked" if expect else "unasked"] = {
            "median_s": round(statistics.median(times), 2), "p90_s": round(times[int(0.9 * (n - 1))], 2),
            "fronts": f"{fronts}/{n}", "clave": f"{clave}/{n}", "curp": f"{curp}/{n}", "clave_wrong": wrong}
    return out


if __name__ == "__main__":
    count, first = int(sys.argv[1]), int(sys.argv[2])
    for difficulty in sys.argv[3:] or ["easy", "medium"]:
        print(difficulty, measure(count, first, difficulty), flush=True)
