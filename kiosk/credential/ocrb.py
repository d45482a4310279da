"""OCR-B glyph matching for machine-readable lines on a rectified card.

Templates are rendered from Debian's fonts-ocr-b at the ICAO size for an ID-1 card rectified to
`CARD_W` pixels; each cell gets a score for every character, so check digits can pick among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from PIL import Image, ImageDraw, ImageFont

from kiosk.fonts import ocrb_font_path


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CARD_W, CARD_H = 1012, 638  # rectified card: ID-1 at about 300 dpi
PITCH = 30  # 2.54 mm per MRZ character (ICAO 9303)
CELL_H = 40
FONT_SIZE = 34
BLURS = (0.0, 1.4, 2.6, 3.8, 5.0)
HIGHPASS_SIGMA = 6.0


@lru_cache(maxsize=1)
def templates() -> dict[float, np.ndarray]:
    """For each blur level an array (37, CELL_H, PITCH) of float32 glyph cells, ALPHABET order."""
    font = ImageFont.truetype(ocrb_font_path(), FONT_SIZE)
    cells = []
    for ch in ALPHABET:
        img = Image.new("L", (PITCH, CELL_H), 255)
        ImageDraw.Draw(img).text((PITCH / 2, CELL_H / 2), ch, font=font, fill=0, anchor="mm")
        cells.append(np.asarray(img, np.float32))
    base = np.stack(cells)
    out = {}
    for sigma in BLURS:
        blurred = base if sigma == 0 else np.stack([cv2.GaussianBlur(c, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE) for c in base])
        out[sigma] = np.stack([highpass(c) for c in blurred])
    return out


def highpass(img: np.ndarray) -> np.ndarray:
    """Remove the slow shading so matching weighs the strokes that tell glyphs apart."""
    img = img.astype(np.float32)
    return img - cv2.GaussianBlur(img, (0, 0), HIGHPASS_SIGMA, borderType=cv2.BORDER_REPLICATE)


@dataclass
class LineRead:
    """Per-cell scores (n_cells, 37) for one line, plus the geometry it was read at."""

    scores: np.ndarray
    left: float
    center_y: float
    blur: float
    whole: np.ndarray | None = None  # every cell's classifier probabilities (set by cells.read_lines; not by the glyph matcher)
    contrast: np.ndarray | None = None  # each cell's ink contrast over the block's median (cells.read_grid)

    def best(self, allowed: frozenset[str] | None = None) -> str:
        return "".join(self.ranked(i, allowed)[0][0] for i in range(len(self.scores)))

    def ranked(self, i: int, allowed: frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Characters for cell i, best first, restricted to `allowed`."""
        pairs = [(ch, float(s)) for ch, s in zip(ALPHABET, self.scores[i]) if allowed is None or ch in allowed]
        return sorted(pairs, key=lambda p: -p[1])


def match_line(gray: np.ndarray, left: float, center_y: float, n_cells: int, blur: float | None = None) -> LineRead:
    """Score every cell of a line whose first cell starts at `left` and whose middle is `center_y`.

    Cells are first tracked left to right (the pitch may drift under residual perspective); a
    smooth fit of the tracked positions then places the cells for the final, narrow pass.
    """
    tpl_sets = templates()
    gray = highpass(gray)
    if blur is None:
        probe = min(n_cells, 5)
        xs0 = left + PITCH * np.arange(probe, dtype=np.float32)
        ys0 = np.full(probe, center_y, np.float32)
        trial = {s: _score_cells(gray, xs0, ys0, tpl_sets[s], 6)[0] for s in BLURS}
        blur = max(trial, key=lambda s: float(trial[s].max(axis=1).mean()))
    tpls = tpl_sets[blur]
    xs, ys, conf = _track(gray, left, center_y, n_cells, tpls)
    good = conf > 0.5
    if good.sum() >= max(4, n_cells // 3):
        idx = np.arange(n_cells)[good]
        degree = 2 if good.sum() >= 12 else 1
        for values in (xs, ys):
            fit = np.polyfit(idx, values[good], degree)
            resid = np.abs(np.polyval(fit, idx) - values[good])
            keep = resid <= max(1.5, float(np.median(resid)) * 2.5)
            if keep.sum() > degree + 2:
                fit = np.polyfit(idx[keep], values[good][keep], degree)
            values[:] = np.polyval(fit, np.arange(n_cells))
    scores, _, _ = _score_cells(gray, xs, ys, tpls, 2)
    return LineRead(scores=scores, left=float(xs[0]), center_y=float(ys.mean()), blur=blur)


def _track(gray: np.ndarray, left: float, center_y: float, n_cells: int,
           tpls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell positions found one after another, each predicted from the pitch seen so far."""
    xs = np.zeros(n_cells, np.float32)
    ys = np.zeros(n_cells, np.float32)
    conf = np.zeros(n_cells, np.float32)
    x, y, pitch = float(left), float(center_y), float(PITCH)
    found: list[tuple[int, float]] = []
    for i in range(n_cells):
        search = 8 if i == 0 else 5
        sc, dx, dy = _score_cells(gray, np.array([x], np.float32), np.array([y], np.float32), tpls, search)
        best = float(sc[0].max())
        if best > 0.5:
            x, y = x + float(dx[0]), y + float(dy[0]) * 0.5
            found.append((i, x))
            if len(found) >= 2:
                (i0, x0), (i1, x1) = found[max(0, len(found) - 6)], found[-1]
                if i1 > i0:
                    pitch = float(np.clip((x1 - x0) / (i1 - i0), 0.85 * PITCH, 1.15 * PITCH))
        xs[i], ys[i], conf[i] = x, y, best
        x += pitch
    return xs, ys, conf


def _score_cells(gray: np.ndarray, xs: np.ndarray, ys: np.ndarray, tpls: np.ndarray,
                 search: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalized cross-correlation of each cell with each template, best over +-search px.

    Returns scores (n, 37) and the x and y shift at which each cell matched best.
    """
    n_cells = len(xs)
    scores = np.full((n_cells, len(ALPHABET)), -1.0, np.float32)
    dx = np.zeros(n_cells, np.float32)
    dy = np.zeros(n_cells, np.float32)
    flat = _flat_templates(id(tpls), tpls)
    windows, index = [], []
    for i in range(n_cells):
        x0 = int(round(xs[i])) - search
        y0 = int(round(ys[i] - CELL_H / 2)) - search
        if x0 < 0 or y0 < 0 or x0 + PITCH + 2 * search > gray.shape[1] or y0 + CELL_H + 2 * search > gray.shape[0]:
            continue
        windows.append(gray[y0:y0 + CELL_H + 2 * search, x0:x0 + PITCH + 2 * search])
        index.append(i)
    if not windows:
        return scores, dx, dy
    stack = np.stack(windows).astype(np.float32)
    patches = np.lib.stride_tricks.sliding_window_view(stack, (CELL_H, PITCH), axis=(1, 2))
    step = 2 if search > 4 else 1
    coarse = patches[:, ::step, ::step]
    n, sy, sx = coarse.shape[:3]
    corr = _dot(_normalized(coarse.reshape(n * sy * sx, -1)), flat).reshape(n, sy * sx, len(ALPHABET))
    best_shift = corr.max(axis=2).argmax(axis=1)
    fine = []
    for c in range(n):
        by, bx = divmod(int(best_shift[c]), sx)
        by, bx = by * step, bx * step
        if step == 1:
            fine.append(corr[c].max(axis=0))
        else:
            ys_ = slice(max(0, by - 1), min(patches.shape[1], by + 2))
            xs_ = slice(max(0, bx - 1), min(patches.shape[2], bx + 2))
            local = patches[c, ys_, xs_].reshape(-1, CELL_H * PITCH)
            fine.append(_dot(_normalized(local), flat).max(axis=0))
        dx[index[c]] = bx - search
        dy[index[c]] = by - search
    scores[index] = np.stack(fine)
    return scores, dx, dy


def _dot(rows: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """rows @ flat.T with OpenCV's single-threaded GEMM (BLAS threads thrash on these small products)."""
    return cv2.gemm(np.ascontiguousarray(rows, np.float32), flat, 1.0, None, 0.0, flags=cv2.GEMM_2_T)


_FLAT: dict[int, np.ndarray] = {}


def _flat_templates(key: int, tpls: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm template rows, computed once per template set."""
    if key not in _FLAT:
        _FLAT[key] = np.ascontiguousarray(_normalized(tpls.reshape(len(ALPHABET), -1)), np.float32)
    return _FLAT[key]


def _normalized(rows: np.ndarray) -> np.ndarray:
    rows = rows - rows.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norm, 1e-3)
