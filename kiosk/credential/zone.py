"""Find and read the machine-readable lines of a rectified back side: the TD1 MRZ (models E-H)
or the printed 13-digit OCR line (models C/D).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.credential import tess
from kiosk.credential.locate import text_lines
from kiosk.credential.mrz import MrzReading, decode_td1
from kiosk.credential.ocrb import CELL_H, DIGITS, PITCH, LineRead, match_line

LINE_GAP = 42.0  # MRZ line spacing on the rectified card
GLYPH_GAP = 7.0  # a cell is this much wider than the ink of an average OCR-B glyph


@dataclass
class Zone:
    """What the back's machine-readable lines gave."""

    mrz: MrzReading | None = None
    mrz_lines_seen: bool = False
    ocr_line: str | None = None  # 13 digits read from the printed OCR line (models C/D)
    ocr_confident: bool = False


def _line_read(gray: np.ndarray, centre: float, left: float, right: float, cells: int,
               blur: float | None) -> tuple[LineRead, np.ndarray]:
    """Resample the line so its pitch is exactly PITCH, then score its cells."""
    pitch = (right - left + GLYPH_GAP) / cells
    factor = PITCH / pitch
    y0 = int(max(0, centre - CELL_H))
    y1 = int(min(gray.shape[0], centre + CELL_H))
    x0 = int(max(0, left - 2 * PITCH))
    x1 = int(min(gray.shape[1], right + 2 * PITCH))
    band = gray[y0:y1, x0:x1]
    band = cv2.resize(band, (max(1, int(round(band.shape[1] * factor))), band.shape[0]), interpolation=cv2.INTER_LINEAR)
    mid = ((left + right) / 2 - x0) * factor
    first = mid - cells * PITCH / 2
    return match_line(band, first, centre - y0, cells, blur), band


def _read_triple(gray: np.ndarray, triple: list[tuple[float, float, float]]) -> tuple[MrzReading, list[LineRead], list[np.ndarray]]:
    """Score the three MRZ lines (the blur found on line 1 is used for all) and decode them."""
    first, band = _line_read(gray, *triple[0], 30, None)
    reads, bands = [first], [band]
    for ln in triple[1:]:
        read, band = _line_read(gray, *ln, 30, first.blur)
        reads.append(read)
        bands.append(band)
    return decode_td1(reads), reads, bands


def _line_gap(lines: list[tuple[float, float, float]]) -> float | None:
    """Median spacing of consecutive MRZ-like lines that are plausibly one block."""
    gaps = [b[0] - a[0] for a, b in zip(lines, lines[1:]) if 28 <= b[0] - a[0] <= 60]
    return float(np.median(gaps)) if gaps else None


def _cells(left: float, right: float) -> float:
    return (right - left + GLYPH_GAP) / PITCH


def read_zone(gray: np.ndarray, use_tesseract: bool = False) -> Zone:
    """Read the MRZ (3 lines of ~30 cells) or the OCR line (~13 cells) of a rectified back."""
    zone = Zone()
    lines = text_lines(gray)
    mrz_lines = [ln for ln in lines if 26 <= _cells(ln[1], ln[2]) <= 33]
    gap = _line_gap(mrz_lines)
    if gap is not None and abs(gap - LINE_GAP) > 1.0:
        # the rough rectification got the height wrong: bring the line spacing to the ICAO one
        factor = LINE_GAP / gap
        gray = cv2.resize(gray, (gray.shape[1], int(round(gray.shape[0] * factor))), interpolation=cv2.INTER_LINEAR)
        lines = [(c * factor, left, right) for c, left, right in lines]
        mrz_lines = [ln for ln in lines if 26 <= _cells(ln[1], ln[2]) <= 33]
    gray = gray.astype(np.float32)
    for start in range(len(mrz_lines) - 2):
        triple = mrz_lines[start:start + 3]
        gaps = [triple[1][0] - triple[0][0], triple[2][0] - triple[1][0]]
        if not all(28 <= g <= 60 for g in gaps):
            continue
        zone.mrz_lines_seen = True
        # MRZ lines are left-aligned and 30 cells long: share the extents of the triple
        left = float(np.median([ln[1] for ln in triple]))
        right = float(np.median([ln[2] for ln in triple]))
        result, reads, bands = None, [], []
        for shift in (0.0, PITCH, -PITCH):  # a speck beside the MRZ can stretch the extents by a cell
            lines3 = [(ln[0], left + max(shift, 0.0), right + min(shift, 0.0)) for ln in triple]
            attempt, attempt_reads, attempt_bands = _read_triple(gray, lines3)
            if result is None or attempt.verified or "mrz_no_ine" in result.problems:
                result, reads, bands = attempt, attempt_reads, attempt_bands
            if "mrz_no_ine" not in attempt.problems:
                break
        if not result.verified and use_tesseract and "mrz_no_ine" not in result.problems:
            hints = [tess.read_mrz_line(np.clip(b, 0, 255).astype(np.uint8)) for b in bands]
            second = decode_td1(reads, hints)
            if second.verified:
                result = second
        if zone.mrz is None or result.verified:
            zone.mrz = result
        if result.verified:
            return zone
    if zone.mrz_lines_seen:
        return zone
    for ln in lines:
        if 11.5 <= _cells(ln[1], ln[2]) <= 14.5:
            read, _ = _line_read(gray, *ln, 13, None)
            text = read.best(DIGITS)
            margins = [r[0][1] - r[1][1] for r in (read.ranked(i, DIGITS) for i in range(13))]
            zone.ocr_line = text
            zone.ocr_confident = min(margins) > 0.15 and float(read.scores.max(axis=1).min()) > 0.6
            return zone
    return zone
