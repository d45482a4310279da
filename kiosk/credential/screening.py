"""Capture-time screening for Mesa de Control's inconsistencies (seed 001 §10.3 a-f).

Photocopy: the rectified card's colour (grey or washed out), and the lightness and colour spread
of the print above the MRZ. Screen: a periodic pixel-grid peak over most of the frame. Each flag
carries a 0-1 confidence; thresholds were set on the project's specimens and development seeds of
the independent generator (tests/fixtures/credential_eval), never on a seed the bench reports.
"""

from __future__ import annotations

import cv2
import numpy as np

GREY_SATURATION = 9.0  # median HSV saturation of the card below this: black-and-white copy
WASHED_SATURATION = 18.0  # low colour together with a pale, flat card: colour photocopy
WASHED_VALUE = 215.0


def photocopy_kind(card_bgr: np.ndarray) -> str | None:
    """'blanco y negro', 'a color (deslavada)' or None for a card with its original colours."""
    hsv = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2HSV)
    body = hsv[20:-20, 20:-20].reshape(-1, 3).astype(np.float32)
    light = body[body[:, 2] > 120]  # the printed background, not the ink
    if len(light) < 100:
        return None
    saturation = float(np.median(light[:, 1]))
    value = float(np.median(light[:, 2]))
    if saturation < GREY_SATURATION:
        return "blanco y negro"
    if saturation < WASHED_SATURATION and value > WASHED_VALUE:
        return "a color (deslavada)"
    return None


def screen_score(gray: np.ndarray) -> float:
    """Strongest isolated peak of the high-frequency spectrum (period 2.5-8 px), in robust sigmas."""
    size = 256
    h, w = gray.shape[:2]
    crop = gray[(h - size) // 2:(h + size) // 2, (w - size) // 2:(w + size) // 2].astype(np.float32)
    if crop.shape != (size, size):
        return 0.0
    crop = crop - cv2.GaussianBlur(crop, (0, 0), 3)
    window = np.outer(np.hanning(size), np.hanning(size))
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(crop * window)))
    yy, xx = np.mgrid[0:size, 0:size] - size // 2
    radius = np.hypot(xx, yy)
    band = (radius > size / 8) & (radius < size / 2.5)
    # JPEG's 8x8 blocks make peaks at multiples of size/8; they are not a screen
    blocks = (np.abs(xx) % (size // 8) <= 1) | (np.abs(yy) % (size // 8) <= 1)
    values = spectrum[band & ~blocks]
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median))) + 1e-6
    return float((values.max() - median) / mad)



COPY_LIGHTNESS = 225.0  # median L* (0-255) of the card's light print around the MRZ: copier paper is whiter
COPY_CHROMA = 10.0  # 90th percentile of colour spread there: a copy has lost the card's coloured print


def zone_copy_features(frame_bgr: np.ndarray, block_quad: np.ndarray) -> tuple[float, float] | None:
    """(lightness, colour spread) of the card's print from the MRZ block up to three block
    heights above it, smoothed so sensor noise does not count as colour; None if too dark."""
    from kiosk.credential.mrztext import straighten

    q = block_quad.astype(np.float32)
    up = q[0] - q[3]
    region_quad = np.array([q[0] + 3 * up, q[1] + 3 * up, q[2], q[3]], np.float32)
    region = np.dstack([straighten(frame_bgr[..., k], region_quad) for k in range(3)])
    lab = cv2.cvtColor(cv2.GaussianBlur(region, (0, 0), 2), cv2.COLOR_BGR2LAB).astype(np.float32)
    light = lab[..., 0] > 140
    if int(light.sum()) < 200:
        return None
    a, b = lab[..., 1][light], lab[..., 2][light]
    spread = float(np.percentile(np.hypot(a - np.median(a), b - np.median(b)), 90))
    return float(np.median(lab[..., 0][light])), spread


def copy_confidence(lightness: float, spread: float) -> float:
    """0-1: how far past both photocopy thresholds the card is (0.5 at the thresholds)."""
    a = 1 / (1 + np.exp(-(lightness - COPY_LIGHTNESS) / 4))
    b = 1 / (1 + np.exp((spread - COPY_CHROMA) / 1.5))
    return float(min(a, b))


SCREEN_GRID_PEAK = 130.0  # median peak over a 3x3 grid of the frame (cards on any table: <95 seen; screens >150)


def frame_screen_score(frame_bgr: np.ndarray) -> float:
    """Median of `screen_score` over a 3x3 grid of patches of the frame: a screen's pixel grid is
    everywhere on the displayed picture, while a card's guilloche, its MRZ's character pitch or a
    table's weave are periodic only in a patch or two."""
    gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY) if frame_bgr.ndim == 3 else frame_bgr
    h, w = gray.shape
    scores = []
    for fy in (0.3, 0.5, 0.7):
        for fx in (0.3, 0.5, 0.7):
            y0, x0 = max(0, int(fy * h) - 128), max(0, int(fx * w) - 128)
            patch = gray[y0:y0 + 256, x0:x0 + 256]
            if patch.shape == (256, 256) and float(patch.mean()) > 50:  # a black bezel shows no grid
                scores.append(screen_score(patch))
    return float(np.median(scores)) if scores else 0.0


def screen_confidence(score: float) -> float:
    """0-1 from the frame's median spectral peak (0.5 at SCREEN_GRID_PEAK)."""
    return float(1 / (1 + np.exp(-(score - SCREEN_GRID_PEAK) / 20)))
