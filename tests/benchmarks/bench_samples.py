"""The three genuine card photos another team's generator made (tests/fixtures/credential_samples),
shrunk and blurred: each photo scaled down inside a frame of the same size (the card from ~74 %
of the frame width down to ~20 %), Gaussian blur, JPEG 70, then read. A measure of how the
reader holds on a card design it was not built on, beyond the three photos themselves. Prints
Markdown: one row per sample and scale, one column per blur: + CIC and OCR verified and right,
. not verified, W a wrong verified field.

    .venv/bin/python tests/benchmarks/bench_samples.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from kiosk.credential import read_image

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "credential_samples"
SCALES = (1.0, 0.7, 0.5, 0.4, 0.33, 0.27)
BLURS = (0.0, 1.5, 2.5, 3.5)


def variant(photo: np.ndarray, scale: float, blur: float, rng: np.random.Generator) -> np.ndarray:
    """The photo scaled by `scale` in the middle of a frame of its own size (its mean colour with
    a little noise around it), blurred, and JPEG-compressed at quality 70."""
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full_like(photo, photo.reshape(-1, 3).mean(axis=0).astype(np.uint8))
    frame = np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8)
    h, w = small.shape[:2]
    y0, x0 = (photo.shape[0] - h) // 2, (photo.shape[1] - w) // 2
    frame[y0:y0 + h, x0:x0 + w] = small
    if blur:
        frame = cv2.GaussianBlur(frame, (0, 0), blur)
    _, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def main() -> None:
    rng = np.random.default_rng(5)
    print("| sample | scale | " + " | ".join(f"σ {b:g} px" for b in BLURS) + " |")
    print("|---" * (len(BLURS) + 2) + "|")
    total = right = wrong = 0
    times = []
    for path in sorted(FOLDER.glob("sample_*.jpg")):
        photo = cv2.imread(str(path))
        truth = json.loads(path.with_suffix(".json").read_text())
        for scale in SCALES:
            cells = []
            for blur in BLURS:
                image = variant(photo, scale, blur, rng)
                start = time.perf_counter()
                reading = read_image(image)
                times.append(time.perf_counter() - start)
                fields = reading.fields
                bad = any(fields[n].verified and fields[n].value != truth[n] for n in ("cic", "ocr"))
                good = all(fields[n].verified and fields[n].value == truth[n] for n in ("cic", "ocr"))
                cells.append("W" if bad else "+" if good else ".")
                total, right, wrong = total + 1, right + good, wrong + bad
            print(f"| {path.stem} | {scale:.2f}× | " + " | ".join(cells) + " |")
    print(f"\nCIC+OCR verified and right: {right}/{total}; wrong verified: {wrong}; "
          f"median {sorted(times)[len(times) // 2]:.2f} s per photo")


if __name__ == "__main__":
    main()
