"""Tesseract reading of cédula cells: few tesseract runs per page, every value with a 0-1 confidence.

Cells are stacked into one strip (one tesseract run instead of thirty); each word is assigned
back to its cell by position. Whitelists keep names to letters and claves to A-Z0-9;
claves are read through three views and the format-valid readings vote.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.credential import tess
from kiosk.identifiers import InvalidIdentifier, validate_clave_elector

# tesseract's OpenMP threads fight each other when several cells run at once on a Pi
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

NAME_CHARS = "ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
CLAVE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
GAP = 36  # white pixels between stacked cells
MAX_STRIP = 30000  # tesseract refuses images taller than 32767 pixels
# clave de elector layout: 6 letters, 6-digit date, 2-digit entity, H/M, 3 digits
CLAVE_SHAPE = "AAAAAA" + "9" * 8 + "S" + "999"
TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "7", "Z": "2", "S": "5",
            "B": "8", "G": "6", "A": "4", "E": "8"}
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
COERCION_PENALTY = 0.8
CLAVE_LANG = "eng"  # claves are not Spanish words; the eng model confuses J and I less often


@dataclass(frozen=True)
class Field:
    """A value read from the page and how sure the reader is (0 nothing, 1 certain)."""

    value: str
    confidence: float

    def as_dict(self) -> dict:
        return {"value": self.value, "confidence": round(self.confidence, 3)}


EMPTY = Field("", 1.0)


def ink_mask(cell: np.ndarray) -> np.ndarray:
    """Ink pixels of a cell (255), specks of noise removed."""
    if cell.size == 0:
        return np.zeros((1, 1), np.uint8)
    smooth = cv2.GaussianBlur(cell, (0, 0), 1.2)
    local = cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 41, 18)
    return cv2.morphologyEx(local, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def ink_share(cell: np.ndarray, min_component: int = 25) -> float:
    """Share of the cell covered by ink strokes (components smaller than specks ignored)."""
    mask = ink_mask(cell)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] if count > 1 else np.array([0])
    return float(areas[areas >= min_component].sum()) / float(mask.size)


def flatten(cell: np.ndarray) -> np.ndarray:
    """Gray cell with the paper shade divided out (white background, ink keeps its strokes)."""
    if min(cell.shape) <= 31:
        return cell
    return cv2.divide(cell, cv2.medianBlur(cell, 31), scale=255)


def binary(cell: np.ndarray) -> np.ndarray:
    """Black text on white for tesseract: background flattened, smoothed, then Otsu."""
    smooth = cv2.GaussianBlur(flatten(cell), (0, 0), 0.7)
    _, bw = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return bw


def binary_large(cell: np.ndarray) -> np.ndarray:
    bw = binary(cell)
    return cv2.resize(bw, None, fx=1.25, fy=1.25, interpolation=cv2.INTER_CUBIC)


NAME_VIEWS: tuple[Callable[[np.ndarray], np.ndarray], ...] = (binary_large,)
CLAVE_VIEWS: tuple[Callable[[np.ndarray], np.ndarray], ...] = (lambda c: c, flatten, binary)


def _stack(images: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    width = max(im.shape[1] for im in images) + 2 * GAP
    parts, spans, y = [np.full((GAP, width), 255, np.uint8)], [], GAP
    for im in images:
        block = np.full((im.shape[0], width), 255, np.uint8)
        block[:, GAP: GAP + im.shape[1]] = im
        parts += [block, np.full((GAP, width), 255, np.uint8)]
        spans.append((y, y + im.shape[0]))
        y += im.shape[0] + GAP
    return np.vstack(parts), spans


def read_column(cells: list[np.ndarray], whitelist: str,
                views: tuple[Callable[[np.ndarray], np.ndarray], ...] = NAME_VIEWS,
                lang: str = "spa") -> list[list[Field]]:
    """Read single-line cells, each seen through every view, in one tesseract run per strip.

    Returns, per cell, one Field per view (the word confidences' minimum as confidence).
    """
    images = [view(cell) for cell in cells for view in views]
    fields: list[Field] = []
    start = 0
    while start < len(images):
        end, height = start, GAP
        while end < len(images) and (end == start or height + images[end].shape[0] + GAP <= MAX_STRIP):
            height += images[end].shape[0] + GAP
            end += 1
        fields += _read_strip(images[start:end], whitelist, lang)
        start = end
    n = len(views)
    return [fields[i * n:(i + 1) * n] for i in range(len(cells))]


def _read_strip(images: list[np.ndarray], whitelist: str, lang: str) -> list[Field]:
    strip, spans = _stack(images)
    config = f'--psm 6 -c "tessedit_char_whitelist={whitelist} " -c load_system_dawg=0 -c load_freq_dawg=0'
    data = tess.image_to_data(strip, lang=lang, config=config)
    words: list[list[tuple[int, str, float]]] = [[] for _ in images]
    for text, conf, left, top, height in zip(data["text"], data["conf"], data["left"], data["top"], data["height"]):
        text = (text or "").strip()
        if not text or float(conf) < 0:
            continue
        center = top + height / 2
        for i, (y0, y1) in enumerate(spans):
            if y0 - GAP / 2 <= center <= y1 + GAP / 2:
                words[i].append((left, text, float(conf) / 100.0))
                break
    fields = []
    for found in words:
        found.sort()
        value = " ".join(w for _, w, _ in found)
        fields.append(Field(value, min((c for _, _, c in found), default=0.0)))
    return fields


def vote_clave(readings: list[Field]) -> Field:
    """One clave from several readings: format-valid ones vote; agreement raises confidence."""
    shaped = [shape_clave(r) for r in readings]
    valid = [f for f in shaped if _valid_clave(f.value)]
    if not valid:
        best = max(shaped, key=lambda f: (len(f.value) == len(CLAVE_SHAPE), f.confidence))
        return Field(best.value, best.confidence * 0.5)
    votes = Counter(f.value for f in valid)
    value = max(votes, key=lambda v: (votes[v], max(f.confidence for f in valid if f.value == v)))
    winners = [f.confidence for f in valid if f.value == value]
    return Field(value, sum(winners) / len(winners) * len(winners) / len(readings))


def _valid_clave(value: str) -> bool:
    try:
        validate_clave_elector(value)
    except InvalidIdentifier:
        return False
    return True


def shape_clave(field: Field) -> Field:
    """Fit an OCR'd clave to the layout (letters where letters go, digits where digits go).

    Every substitution lowers the confidence; what still does not fit stays as read.
    """
    raw = re.sub(r"[^A-Z0-9]", "", field.value.upper())
    if len(raw) != len(CLAVE_SHAPE):
        return Field(raw, field.confidence * (0.5 if raw else 0.0))
    out, changed = [], 0
    for ch, kind in zip(raw, CLAVE_SHAPE):
        fixed = ch
        if kind == "9" and not ch.isdigit():
            fixed = TO_DIGIT.get(ch, ch)
        elif kind == "A" and ch.isdigit():
            fixed = TO_LETTER.get(ch, ch)
        elif kind == "S" and ch not in "HM":
            fixed = {"N": "M", "W": "M", "4": "H", "K": "H"}.get(ch, ch)
        changed += fixed != ch
        out.append(fixed)
    return Field("".join(out), field.confidence * (COERCION_PENALTY ** changed))


def read_text(image: np.ndarray, psm: int = 6) -> list[tuple[str, float]]:
    """Words and confidences of a block of printed text (e.g. the band above the table)."""
    return read_text_views(image, (lambda im: im,), psm)[0]


def read_text_views(image: np.ndarray, views: tuple[Callable[[np.ndarray], np.ndarray], ...],
                    psm: int = 6) -> list[list[tuple[str, float]]]:
    """The words of `image` as seen through each view, from ONE tesseract run over the stack."""
    strip, spans = _stack([view(image) for view in views])
    data = tess.image_to_data(strip, lang="spa", config=f"--psm {psm}")
    out: list[list[tuple[str, float]]] = [[] for _ in views]
    for text, conf, top, height in zip(data["text"], data["conf"], data["top"], data["height"]):
        if not text.strip() or float(conf) < 0:
            continue
        center = top + height / 2
        for i, (y0, y1) in enumerate(spans):
            if y0 - GAP / 2 <= center <= y1 + GAP / 2:
                out[i].append((text.strip(), float(conf) / 100.0))
                break
    return out
