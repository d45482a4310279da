"""Benchmark of the paper-cédula reader on generated pages: time, per-field accuracy, keystrokes.

Run: .venv/bin/python tests/benchmarks/bench_cedula.py [--pages 20]. Prints Markdown tables;
measures only (never asserts). Keystrokes come from walking the confirmation model with the truth.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import time

from kiosk.cedula.confirm import PageConfirmation
from kiosk.cedula.page import TEXT_COLUMNS, read_page
from kiosk.cedula.specimen import make_cedula
from kiosk.domain import Inconsistencia

KEY = bytes(32)
LOW = 0.6


def operator_walk(reading, truth) -> tuple[int, int, int]:
    """Confirm a page as an operator who fixes exactly what the reader got wrong.

    Returns (keystrokes with the reader, keystrokes typing every field, rows).
    """
    conf = PageConfirmation(reading, "BENCH", KEY)
    if conf.folio != truth["folio"]:
        conf.set_folio(truth["folio"])
    else:
        conf.confirm_folio()
    by_no = {r["no"]: r for r in truth["rows"]}
    for r in list(conf.rows):
        if r.no not in by_no:
            r.discard()
    for no in sorted(set(by_no) - {r.no for r in conf.rows}):
        conf.add_row(no)
    while (row := conf.current()) is not None:
        expected = by_no[row.no]
        for name in TEXT_COLUMNS:
            if row.values[name] != expected[name]:
                row.correct(name, expected[name])
        conf.confirm(row)
        conf.choose(row, None if expected["firma"] else Inconsistencia.SIN_FIRMA)
    conf.records()
    typed = 0
    for r in truth["rows"]:
        reference = f"{truth['folio']}-{r['no']:02d}"
        typed += len(reference) + 1 + sum(len(r[n]) + 1 for n in TEXT_COLUMNS) + 1  # + tipo de inconsistencia
    return conf.total_keystrokes, typed, len(truth["rows"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--hard", action="store_true",
                        help="stronger degradation: ±8° skew, 3%% perspective, noise 20, blur 1.5, paper 170")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    times: list[float] = []
    fields = {name: [0, 0] for name in ("folio",) + TEXT_COLUMNS}
    confident = [0, 0]
    doubtful = [0, 0]
    rows_found = rows_true = rows_extra = empty_ok = empty_total = 0
    signature = {"tp": 0, "fp": 0, "fn": 0}
    keys_model = keys_typed = rows_total = 0
    for seed in range(args.seed, args.seed + args.pages):
        hard = dict(rotation=rng.uniform(-8, 8), perspective=0.03, noise=20.0, blur=1.5, paper=170) if args.hard else {}
        image, truth = make_cedula(seed, **hard)
        start = time.perf_counter()
        reading = read_page(image)
        times.append(time.perf_counter() - start)
        fields["folio"][0] += reading.folio.value == truth["folio"]
        fields["folio"][1] += 1
        by_no = {r.no: r for r in reading.rows}
        true_nos = {r["no"] for r in truth["rows"]}
        rows_true += len(true_nos)
        rows_found += len(true_nos & set(by_no))
        rows_extra += len(set(by_no) - true_nos)
        empty_total += len(truth["empty_rows"])
        empty_ok += len(set(truth["empty_rows"]) & set(reading.empty_rows))
        for row in truth["rows"]:
            read = by_no.get(row["no"])
            flagged = read is not None and "sin_firma" in read.flags
            if not row["firma"]:
                signature["tp" if flagged else "fn"] += 1
            elif flagged:
                signature["fp"] += 1
            for name in TEXT_COLUMNS:
                got = getattr(read, name) if read else None
                right = got is not None and got.value == row[name]
                fields[name][0] += right
                fields[name][1] += 1
                if got is not None and got.value:
                    bucket = confident if got.confidence >= LOW else doubtful
                    bucket[0] += right
                    bucket[1] += 1
        model, typed, count = operator_walk(reading, truth)
        keys_model += model
        keys_typed += typed
        rows_total += count

    tesseract = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"## Paper cédula reader — {'HARD ' if args.hard else ''}{args.pages} generated pages (seeds {args.seed}..{args.seed + args.pages - 1}), "
          f"{os.cpu_count()} cores, {tesseract}\n")
    print("| measure | value |\n|---|---|")
    print(f"| seconds per page (median) | {statistics.median(times):.2f} |")
    print(f"| seconds per page (p90 / max) | {sorted(times)[int(0.9 * (len(times) - 1))]:.2f} / {max(times):.2f} |")
    print(f"| filled rows found | {rows_found}/{rows_true} ({rows_found / rows_true:.1%}) |")
    print(f"| empty rows recognized as empty | {empty_ok}/{empty_total} |")
    print(f"| rows reported that were empty | {rows_extra} |")
    sig_total = signature["tp"] + signature["fn"]
    print(f"| unsigned rows flagged sin_firma | {signature['tp']}/{sig_total}, false alarms {signature['fp']} |")
    print("\n| field | exact read | accuracy |\n|---|---|---|")
    for name, (ok, total) in fields.items():
        print(f"| {name} | {ok}/{total} | {ok / total:.1%} |")
    print("\n| confidence | fields | exact |\n|---|---|---|")
    for label, (ok, total) in ((f">= {LOW}", confident), (f"< {LOW} (shown as low)", doubtful)):
        print(f"| {label} | {total} | {ok / total:.1%} |" if total else f"| {label} | 0 | - |")
    print("\n| operator keystrokes | per row |\n|---|---|")
    print(f"| typing every field (ref., 4 fields, tipo) | {keys_typed / rows_total:.1f} |")
    print(f"| confirming the reading (1 key per right field, retype wrong ones) | {keys_model / rows_total:.1f} |")
    print(f"| saved | {(keys_typed - keys_model) / rows_total:.1f} ({1 - keys_model / keys_typed:.0%}) |")


if __name__ == "__main__":
    main()
