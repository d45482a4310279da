"""Benchmark of credential reading on photos from the INDEPENDENT evaluation generator
(tests/fixtures/credential_eval, not the project's kiosk/specimens), side by side in one run with
PassportEye's read_mrz and plain zxing-cpp, on a seed base given on the command line (report only
seeds never used for tuning). Prints Markdown.

    .venv/bin/python tests/benchmarks/bench_decode.py PER_DIFFICULTY SEED0 [NEGATIVES] [own|samples|lavender] [LEVELS]

LEVELS: comma-separated difficulties (default easy,medium,hard,blur_or_small). blur_or_small is the
issue's hard set as it describes it (strong blur OR a card a third of the frame); hard is both at
once with every other degradation at its worst.

With `samples` last, the cards in the scenes are the issue's three shared sample cards (another
team's design, credential_eval/transplant.py) instead of the generator's own; no altered
negatives then (their MRZ is printed in the photo). With `lavender` last, cards drawn afresh in the
samples' style for every person (credential_eval/lavender.py), altered negatives included.

Of the altered negatives, those with one OCR digit printed otherwise than the check digits (and
the QR) hold are counted apart when the reader verified an OCR on them without a conflict: the
value is the card's own (the QR's), so not wrong, but the altered print went unremarked.

`fine_screen` negatives are the design's genuine photos shown on a display finer than the
generator's screens (credential_eval/screens.py: a 1.3-3 px pitch that aliases into colour
moiré), counted apart from the generator's own screens.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

import cv2  # noqa: E402

from credential_eval import generator, lavender, screens, transplant  # noqa: E402
from kiosk.credential import read_image  # noqa: E402
from kiosk.credential.codes import read_zxing  # noqa: E402
from kiosk.credential.imageio import ImageRejected  # noqa: E402

PER_DIFFICULTY = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SEED0 = int(sys.argv[2]) if len(sys.argv) > 2 else 900_000
NEGATIVES = int(sys.argv[3]) if len(sys.argv) > 3 else max(4, PER_DIFFICULTY // 3)
DESIGN = sys.argv[4] if len(sys.argv) > 4 else "own"
SAMPLE_CARDS = DESIGN == "samples"
scene = {"samples": transplant.scene, "lavender": lavender.scene}.get(DESIGN, generator.scene)
DIFFICULTIES = tuple(sys.argv[5].split(",")) if len(sys.argv) > 5 else ("easy", "medium", "hard", "blur_or_small")


def expected(truth: dict) -> dict:
    yy = int(truth["birth"][:2])
    century = 2000 if 2000 + yy <= date.today().year else 1900
    birth = date(century + yy, int(truth["birth"][2:4]), int(truth["birth"][4:6])).isoformat()
    return {"cic": truth["cic"], "ocr": truth["ocr"], "birth_date": birth, "expiry_year": truth["expiry_year"],
            "emision": truth["emision"], "sex": truth["sex"]}


def ours(image, truth) -> dict:
    reading = read_image(image)
    want = expected(truth)
    verified = {n: f.value for n, f in reading.fields.items() if f.verified}
    wrong = [n for n, v in verified.items() if n in want and v != want[n]]
    codes = {w.code for w in reading.warnings} | {e.code for e in reading.errors}
    return {"ok": all(verified.get(n) == want[n] for n in ("cic", "ocr")), "wrong": wrong, "verified": verified,
            "answered": bool(verified.get("cic") and verified.get("ocr")) or bool(codes),
            "flag": bool(codes & {"photocopy", "screen"}), "screening": reading.screening}


def passporteye(image, truth) -> bool:
    from passporteye import read_mrz

    with tempfile.NamedTemporaryFile(suffix=".jpg", dir=os.environ.get("BENCH_TMP", "/tmp")) as tmp:
        cv2.imwrite(tmp.name, image)
        mrz = read_mrz(tmp.name)
    if mrz is None:
        return False
    lines = [re.sub(r"\s", "", ln) for ln in mrz.aux.get("text", "").splitlines() if ln.strip()]
    for line in lines:
        m = re.search(r"IDMEX(\d{9})\d<<(\d{13})", line)
        if m and mrz.valid_number and mrz.valid_composite:
            return m.group(1) == truth["cic"] and m.group(2) == truth["ocr"]
    return False


def zxing(image, truth) -> bool:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return any(c.text == truth["qr"] for c in read_zxing(gray))


def main() -> None:
    rows, neg_rows, times, answered, total = [], [], [], 0, 0
    screening = {"genuine": [0, 0], "photocopy": [0, 0], "screen": [0, 0], "fine_screen": [0, 0]}
    wrong_all = []
    for difficulty in DIFFICULTIES:
        counts = {"ours": 0, "pe": 0, "zx": 0}
        pe_times = []
        for i in range(PER_DIFFICULTY):
            image, truth = scene(SEED0 + i, difficulty, "genuine")
            start = time.perf_counter()
            result = ours(image, truth)
            times.append(time.perf_counter() - start)
            counts["ours"] += result["ok"]
            wrong_all += [(difficulty, SEED0 + i, n) for n in result["wrong"]]
            answered += result["answered"]
            total += 1
            screening["genuine"][0] += result["flag"]
            screening["genuine"][1] += 1
            start = time.perf_counter()
            counts["pe"] += passporteye(image, truth)
            pe_times.append(time.perf_counter() - start)
            counts["zx"] += zxing(image, truth)
        n = PER_DIFFICULTY
        rows.append(f"| {difficulty} | {counts['ours']}/{n} ({100 * counts['ours'] / n:.0f} %) | "
                    f"{counts['pe']}/{n} ({100 * counts['pe'] / n:.0f} %) | {counts['zx']}/{n} ({100 * counts['zx'] / n:.0f} %) |")
    kinds = ("photocopy", "screen", "fine_screen", "no_card")
    for kind in kinds if SAMPLE_CARDS else ("altered",) + kinds:
        flagged = verified_any = wrong = answered_kind = unremarked = 0
        for i in range(NEGATIVES):
            difficulty = ("easy", "medium")[i % 2]  # easy and medium photos of the negatives
            if kind == "fine_screen":
                image, truth = screens.screen(SEED0 + 10_000 + i, difficulty, DESIGN)
            else:
                image, truth = scene(SEED0 + 10_000 + i, difficulty, kind)
            result = ours(image, truth) if kind != "no_card" else None
            if result is None:
                try:
                    reading = read_image(image)
                    answered_here = bool(reading.warnings or reading.errors)
                except ImageRejected:  # a table too dark to see: `kiosk decode` gives its error object
                    answered_here = True
                result = {"answered": answered_here, "flag": False, "wrong": [], "verified": {}}
            answered += result["answered"]
            answered_kind += result["answered"]
            total += 1
            flagged += result["flag"]
            wrong += len(result["wrong"])
            wrong_all += [(kind, SEED0 + 10_000 + i, n) for n in result["wrong"]]
            verified_any += bool(set(result["verified"]) & {"cic", "ocr"})
            unremarked += truth.get("altered") == "ocr" and "ocr" in result["verified"]
            if kind in screening:
                screening[kind][0] += result["flag"]
                screening[kind][1] += 1
        neg_rows.append(f"| {kind} | {NEGATIVES} | {flagged} | {verified_any} | {wrong} | "
                        f"{unremarked if kind == 'altered' else '-'} | {answered_kind} |")
    design = {"samples": "the issue's three sample cards (another team's design)",
              "lavender": "cards drawn in the sample cards' style, every person new"}.get(DESIGN, "the generator's own cards")
    print(f"Independent generator, {design}, seed base {SEED0}: {PER_DIFFICULTY} genuine back photos per difficulty "
          f"(frames 1280x960 to 1920x1080), {NEGATIVES} of each negative kind; fictitious MUESTRA cards\n")
    print("| difficulty | verified CIC+OCR, this reader | PassportEye read_mrz (valid number+composite, CIC+OCR right) | zxing-cpp QR decoded |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nWrong verified fields (cic, ocr, birth_date, expiry_year, emision, sex), every photo: {len(wrong_all)} {wrong_all[:10]}")
    print(f"Photos with verified CIC+OCR or a Spanish warning/error: {answered}/{total}")
    print(f"Median wall time per genuine photo, this reader: {statistics.median(times):.2f} s "
          f"(p90 {sorted(times)[int(0.9 * len(times))]:.2f} s)\n")
    print("| negative kind | photos | flagged photocopy/screen | CIC or OCR verified | wrong verified | altered OCR print verified unremarked | answered |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(neg_rows))
    g, c, s, f = screening["genuine"], screening["photocopy"], screening["screen"], screening["fine_screen"]
    print(f"\nScreening: genuine flagged {g[0]}/{g[1]} ({100 * g[0] / max(g[1], 1):.1f} %), photocopies flagged "
          f"{c[0]}/{c[1]}, screens flagged {s[0]}/{s[1]} ({100 * (c[0] + s[0]) / max(c[1] + s[1], 1):.0f} % of copies+screens), "
          f"fine screens flagged {f[0]}/{f[1]}")


if __name__ == "__main__":
    main()
