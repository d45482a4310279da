"""Benchmark of credential reading: verified-read rate and median time per difficulty, beside a
naive full-frame tesseract and PassportEye, plus pyzbar vs zxing-cpp read counts. Prints Markdown.
"""

from __future__ import annotations

import re
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "credential"))

import cv2  # noqa: E402
import pytesseract  # noqa: E402
import specimens  # noqa: E402

from kiosk.credential import read_image  # noqa: E402
from kiosk.credential.codes import read_pyzbar, read_zxing  # noqa: E402
from kiosk.identifiers import icao_check_digit  # noqa: E402

PER_DIFFICULTY = int(sys.argv[1]) if len(sys.argv) > 1 else 12
CORE = ("cic", "ocr", "birth_date", "expiry_year")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (tesseract runs as a child)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def truth_core(truth: dict) -> dict:
    return {n: truth["fields"][n] for n in CORE}


def ours(image, truth) -> tuple[bool, bool]:
    reading = read_image(image)
    ok = all(reading.fields[n].verified for n in CORE)
    wrong = any(f.verified and f.value != truth["fields"][n] for n, f in reading.fields.items()
                if n in truth["fields"] and n not in ("apellido_paterno", "apellido_materno", "nombres"))
    return ok and not wrong, wrong


def ours_with_tesseract(image, truth) -> tuple[bool, bool]:
    reading = read_image(image, tesseract_hints=True)
    ok = all(reading.fields[n].verified for n in CORE)
    wrong = any(f.verified and f.value != truth["fields"][n] for n, f in reading.fields.items()
                if n in truth["fields"] and n not in ("apellido_paterno", "apellido_materno", "nombres"))
    return ok and not wrong, wrong


def mrz_fields(line1: str, line2: str) -> dict | None:
    """Core fields from two MRZ lines if all four check digits hold (the baselines' rule)."""
    if len(line1) < 30 or len(line2) < 30:
        return None
    l1, l2 = line1[:30], line2[:30]
    try:
        checks = [icao_check_digit(l1[5:14]) == l1[14], icao_check_digit(l2[0:6]) == l2[6],
                  icao_check_digit(l2[8:14]) == l2[14],
                  icao_check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) == l2[29]]
    except ValueError:
        return None
    if not all(checks):
        return None
    yy = int(l2[0:2])
    century = 2000 if 2000 + yy <= 2026 else 1900
    return {"cic": l1[5:14], "ocr": l1[17:30], "birth_date": f"{century + yy}-{l2[2:4]}-{l2[4:6]}",
            "expiry_year": 2000 + int(l2[8:10])}


def naive_tesseract(image, truth) -> tuple[bool, bool]:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    text = pytesseract.image_to_string(gray, lang="eng", config="--psm 6 -c tessedit_char_whitelist=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
    lines = [re.sub(r"\s", "", ln) for ln in text.splitlines()]
    for i, line in enumerate(lines[:-1]):
        if "IDMEX" in line:
            fields = mrz_fields(line[line.index("IDMEX"):], lines[i + 1])
            if fields:
                return fields == truth_core(truth), fields != truth_core(truth)
    return False, False


def passporteye(image, truth, tmp=Path("/tmp/bench_decode_pe.jpg")) -> tuple[bool, bool]:
    from passporteye import read_mrz

    cv2.imwrite(str(tmp), image)
    mrz = read_mrz(str(tmp))
    if mrz is None or len(mrz.aux.get("text", "").splitlines()) < 2:
        return False, False
    lines = [re.sub(r"\s", "", ln) for ln in mrz.aux["text"].splitlines() if ln.strip()]
    fields = mrz_fields(lines[0], lines[1]) if len(lines) >= 2 else None
    if not fields:
        return False, False
    return fields == truth_core(truth), fields != truth_core(truth)


def main() -> None:
    methods = {"apoyo-kiosk (this)": ours, "this + tesseract hints": ours_with_tesseract, "naive tesseract (full frame)": naive_tesseract, "PassportEye read_mrz": passporteye}
    rows, code_rows = [], []
    for difficulty in ("easy", "medium", "hard"):
        specs = specimens.backs(difficulty, PER_DIFFICULTY, seed0=500)
        for name, method in methods.items():
            times, cpu, good, wrong = [], [], 0, 0
            for spec in specs:
                start, start_cpu = time.perf_counter(), cpu_seconds()
                ok, bad = method(spec.image, spec.truth)
                times.append(time.perf_counter() - start)
                cpu.append(cpu_seconds() - start_cpu)
                good += ok
                wrong += bad
            rows.append(f"| {difficulty} | {name} | {good}/{len(specs)} ({100 * good / len(specs):.0f}%) | {wrong} | {statistics.median(times):.2f} s | {statistics.median(cpu):.2f} s |")
        counts = {"pyzbar": 0, "zxing-cpp": 0}
        totals = {"pyzbar": 0.0, "zxing-cpp": 0.0}
        for spec in specs:
            gray = cv2.cvtColor(spec.image, cv2.COLOR_BGR2GRAY)
            for engine, fn in (("pyzbar", read_pyzbar), ("zxing-cpp", read_zxing)):
                start = time.perf_counter()
                texts = {c.text for c in fn(gray)}
                totals[engine] += time.perf_counter() - start
                counts[engine] += bool(texts & {spec.truth["qr"], spec.truth["barcode"]} - {None})
        code_rows.append(f"| {difficulty} | {counts['pyzbar']}/{len(specs)} | {counts['zxing-cpp']}/{len(specs)} | "
                         f"{1000 * totals['pyzbar'] / len(specs):.0f} ms | {1000 * totals['zxing-cpp'] / len(specs):.0f} ms |")
    print(f"Credential back photos, {PER_DIFFICULTY} per difficulty (1280x960, fictitious MUESTRA cards); "
          "wall time depends on machine load, CPU time includes tesseract child processes\n")
    print("| difficulty | reader | verified reads (all 4 check digits) | wrong verified | median wall time | median CPU time |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nSmall QR (G/H) or 1D barcode (E/F) decoded on the full frame\n")
    print("| difficulty | pyzbar | zxing-cpp | pyzbar mean time | zxing-cpp mean time |")
    print("|---|---|---|---|---|")
    print("\n".join(code_rows))


if __name__ == "__main__":
    main()
