"""Benchmark of the capture quality gates on real faces: the live-photo gate (YuNet landmarks) and
the Haar gate it replaced side by side on the same frames, false rejects and false accepts per
category, CPU ms per photo; the face-detector candidates; the signature gate. Markdown tables.
Times are CPU time of this process with OpenCV on one thread (closer to one Pi 4 core; a Pi 4 is
about 4× slower than this machine).

Run: .venv/bin/python tests/benchmarks/bench_quality.py [photo|detectors|signature] [--split eval|tune] [--seed N]
The real-face frames come from tests/fixtures/photos/real (SOURCES.md) via real_faces.py; `eval` is
the split no threshold was set on. The Haar gate is the photo gate as it was at commit HAAR_COMMIT,
read from git history (its rows are skipped where that history is not available).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fixtures" / "photos"), str(ROOT / "tests" / "fixtures" / "signatures")]

from make_photos import build_photo_fixtures  # noqa: E402
from make_signatures import NAMES, SHAPE_CODES, STYLES, shape, signature  # noqa: E402
from real_faces import BAD_KINDS, EXPECTED, LivePhoto, live_photos  # noqa: E402

from kiosk.quality import check_photo, check_signature, crop_and_compress  # noqa: E402
from kiosk.quality.detector import find_faces  # noqa: E402

HAAR_COMMIT = "e7bff00"  # main before the YuNet gate
HAAR_FILES = ("__init__.py", "detector.py", "frames.py", "messages.py", "photo.py", "search.py", "signature.py",
              "store.py", "trajectory.py", "verdict.py")


def _ms(fn: Callable[[], object]) -> tuple[object, float]:
    t = time.process_time()
    out = fn()
    return out, (time.process_time() - t) * 1000


def _confusion(results: list[tuple[str, str, bool]]) -> dict[str, int]:
    """results: (expected verdict, got verdict, reason right). Counts FA/FR and wrong reasons."""
    fa = sum(e == "reject" and g == "accept" for e, g, _ in results)
    fr = sum(e == "accept" and g == "reject" for e, g, _ in results)
    wrong_reason = sum(e == g == "reject" and not ok for e, g, ok in results)
    return {"n": len(results), "right": len(results) - fa - fr, "fa": fa, "fr": fr, "wrong_reason": wrong_reason,
            "accepts": sum(e == "accept" for e, _, _ in results)}


def haar_gate() -> Callable[[np.ndarray], object] | None:
    """check_photo of the Haar gate at HAAR_COMMIT, loaded from git as the package `haar_gate`."""
    tmp = Path(tempfile.mkdtemp(prefix="haar_gate_"))
    package = tmp / "haar_gate"
    package.mkdir()
    for name in HAAR_FILES:
        done = subprocess.run(["git", "-C", str(ROOT), "show", f"{HAAR_COMMIT}:kiosk/quality/{name}"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(tmp)
            return None
        (package / name).write_text(done.stdout.replace("kiosk.quality", "haar_gate"))
    sys.path.insert(0, str(tmp))
    return importlib.import_module("haar_gate.photo").check_photo


# --- detectors ------------------------------------------------------------------------------------

def haar(name: str, neighbors: int) -> Callable[[np.ndarray], int]:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)

    def count(image: np.ndarray) -> int:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, 480 / max(gray.shape))
        gray = cv2.equalizeHist(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        side = max(24, int(0.04 * min(gray.shape[:2])))
        return len(cascade.detectMultiScale(gray, 1.1, neighbors, minSize=(side, side)))
    return count


def mediapipe_note() -> str:
    try:
        import mediapipe as mp
    except Exception:  # noqa: BLE001 - any import problem means "not installed here"
        return "not installed (the current wheel, 1.2.x, ships no face model and has no legacy solutions API)"
    return f"{mp.__version__} installed, not measured: its face models are separate downloads"


def detector_table(photos: list[LivePhoto]) -> list[str]:
    """Faces found per frame: exactly one on genuine frames, two on two_faces, none missed."""
    candidates = {
        "YuNet 2023mar (OpenCV FaceDetectorYN), chosen": lambda im: len(find_faces(im)),
        f"Haar frontalface_alt2, OpenCV {cv2.__version__}": haar("haarcascade_frontalface_alt2.xml", 4),
        f"Haar frontalface_default, OpenCV {cv2.__version__}": haar("haarcascade_frontalface_default.xml", 5),
    }
    genuine = [p for p in photos if p.genuine]
    pairs = [p for p in photos if p.kind == "two_faces"]
    rows = ["| detector | genuine frames with exactly 1 face | two-person frames with 2 faces | median CPU ms/frame |",
            "|---|---|---|---|"]
    for label, count in candidates.items():
        times, one, two = [], 0, 0
        for p in genuine + pairs:
            n, ms = _ms(lambda: count(p.image))
            times.append(ms)
            one += p.genuine and n == 1
            two += p.kind == "two_faces" and n == 2
        rows.append(f"| {label} | {one}/{len(genuine)} | {two}/{len(pairs)} | {statistics.median(times):.1f} |")
    rows.append(f"| MediaPipe | {mediapipe_note()} | | |")
    rows.append("| dlib HOG + 5 landmarks | not measured: no wheel, it compiles from source (not for the Pi image) | | |")
    return rows


# --- the gates ------------------------------------------------------------------------------------

def gate_rows(label: str, gate: Callable[[np.ndarray], object], photos: list[LivePhoto]) -> tuple[list[str], dict]:
    """Run one gate over the frames: false rejects, false accepts per kind, wrong reasons, CPU ms."""
    times, fr, fa, wrong = [], [], {k: 0 for k in BAD_KINDS}, 0
    count = {k: 0 for k in BAD_KINDS}
    for p in photos:
        verdict, ms = _ms(lambda: gate(p.image))
        times.append(ms)
        if p.genuine:
            if verdict.verdict != "accept":  # type: ignore[attr-defined]
                fr.append(f"{p.person}: {','.join(verdict.codes)}")  # type: ignore[attr-defined]
            continue
        count[p.kind] += 1
        if verdict.verdict == "accept":  # type: ignore[attr-defined]
            fa[p.kind] += 1
        elif not set(verdict.codes) & EXPECTED[p.kind]:  # type: ignore[attr-defined]
            wrong += 1
    genuine = sum(p.genuine for p in photos)
    bad = len(photos) - genuine
    summary = {"label": label, "fr": len(fr), "genuine": genuine, "fa": sum(fa.values()), "bad": bad,
               "wrong": wrong, "ms": statistics.median(times), "p95": float(np.percentile(times, 95)),
               "fa_kind": fa, "count": count, "fr_list": fr}
    return fr, summary


def photo_tables(photos: list[LivePhoto]) -> list[str]:
    gates = [("YuNet landmarks gate (this version)", check_photo)]
    old = haar_gate()
    if old is not None:
        gates.append((f"Haar gate (commit {HAAR_COMMIT})", old))
    summaries = [gate_rows(label, gate, photos)[1] for label, gate in gates]
    rows = ["| gate | false rejects (genuine) | false accepts (bad) | rejected for another reason | median / p95 CPU ms per photo |",
            "|---|---|---|---|---|"]
    for s in summaries:
        rows.append(f"| {s['label']} | {s['fr']}/{s['genuine']} ({100 * s['fr'] / s['genuine']:.1f} %) "
                    f"| {s['fa']}/{s['bad']} ({100 * s['fa'] / s['bad']:.1f} %) | {s['wrong']} | {s['ms']:.0f} / {s['p95']:.0f} |")
    rows += ["", "| bad photo kind | " + " | ".join(s["label"].split(" (")[0] + " false accepts" for s in summaries) + " |",
             "|---|" + "---|" * len(summaries)]
    for kind in BAD_KINDS:
        rows.append(f"| {kind} | " + " | ".join(f"{s['fa_kind'][kind]}/{s['count'][kind]}" for s in summaries) + " |")
    for s in summaries:
        if s["fr_list"]:
            rows.append(f"\n{s['label']}, genuine photos refused: {'; '.join(s['fr_list'][:15])}")
    good = [p.image for p in photos if p.genuine][:10]
    store = [_ms(lambda: crop_and_compress(im)) for im in good]
    rows.append(f"\ncrop_and_compress (≤ 20 KB) on 10 genuine frames: median {statistics.median(ms for _, ms in store):.0f} CPU ms, "
                f"{min(len(b) for b, _ in store)}–{max(len(b) for b, _ in store)} bytes")
    return rows


def astronaut_table() -> list[str]:
    """The older single-face fixture set (scikit-image's astronaut), kept as one face among many."""
    fixtures = build_photo_fixtures()
    wrong = []
    for f in fixtures:
        verdict = check_photo(f.image)
        if verdict.verdict != f.verdict or (f.code and f.code not in verdict.codes):
            wrong.append(f"{f.name}: {','.join(verdict.codes) or 'accept'}")
    return [f"Astronaut fixture set: {len(fixtures) - len(wrong)}/{len(fixtures)} verdicts and reasons right"
            + (f" (wrong: {'; '.join(wrong)})" if wrong else "")]


def signature_set() -> list[tuple[str, dict, str, str | None]]:
    items = []
    for i, name in enumerate(NAMES):
        for j, style in enumerate(STYLES):
            items.append((f"{name}/{style}", signature(5000 + 31 * i + j, name, style), "accept", None))
    from drivers.pad.synthetic import synthetic_signature
    for seed in range(30):
        items.append((f"pad-simulator/{seed}", synthetic_signature(seed), "accept", None))
    for kind, code in SHAPE_CODES.items():
        for seed in range(20):
            items.append((f"{kind}/{seed}", shape(7000 + 13 * seed + len(kind), kind), "reject", code))
    return items


def signature_table() -> list[str]:
    items = signature_set()
    results, times, wrong = [], [], []
    per_kind: dict[str, list[bool]] = {}
    for label, traj, expected, code in items:
        verdict = check_signature(traj)
        ok = code is None or code in verdict.codes
        results.append((expected, verdict.verdict, ok))
        per_kind.setdefault(label.split("/")[0] if expected == "reject" else "real signatures", []).append(
            verdict.verdict == expected and ok)
        if verdict.verdict != expected or not ok:
            wrong.append(f"{label}: {','.join(verdict.codes) or 'accept'}")
        times.append(_ms(lambda: check_signature(traj))[1])
    c = _confusion(results)
    rows = ["| signature gate | value |", "|---|---|",
            f"| trajectories (real / invalid shapes) | {c['accepts']} / {c['n'] - c['accepts']} |",
            f"| verdicts right | {c['right']}/{c['n']} |",
            f"| false accepts (symbol passed) | {c['fa']} |",
            f"| false rejects (real signature refused) | {c['fr']} |",
            f"| rejected for a wrong reason | {c['wrong_reason']} |",
            f"| median CPU ms per check | {statistics.median(times):.2f} |"]
    rows += [f"| right on {kind} | {sum(v)}/{len(v)} |" for kind, v in per_kind.items()]
    if wrong:
        rows.append(f"| misjudged | {'; '.join(wrong[:12])} |")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="?", choices=["photo", "detectors", "signature"])
    parser.add_argument("--split", default="eval", choices=["eval", "tune"])
    parser.add_argument("--seed", type=int, default=0, help="seed of the frame transformations")
    args = parser.parse_args(argv[1:])
    cv2.setNumThreads(1)  # closer to one Pi core; the gate runs while the UI keeps the other
    print(f"Python {sys.version.split()[0]}, OpenCV {cv2.__version__}, numpy {np.__version__}, one OpenCV thread\n")
    if args.only in (None, "photo", "detectors"):
        photos = live_photos(args.split, seed=args.seed)
        people = len({p.person for p in photos})
        print(f"Real-face frames, split {args.split}, seed {args.seed}: {people} people, "
              f"{sum(p.genuine for p in photos)} genuine, {sum(not p.genuine for p in photos)} bad\n")
        if args.only in (None, "detectors"):
            print("\n".join(detector_table(photos)), "\n")
        if args.only in (None, "photo"):
            print("\n".join(photo_tables(photos)), "\n")
            print("\n".join(astronaut_table()), "\n")
    if args.only in (None, "signature"):
        print("\n".join(signature_table()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
