"""Capture-time screening for Mesa de Control's inconsistencies (seed 001 §10.3 a-f).

Measures on the rectified card: colour (a photocopy is grey or washed out) and a periodic
screen pattern with glare (a photo of a monitor). Thresholds are calibrated on the specimens.
"""

from __future__ import annotations

import cv2
import numpy as np

GREY_SATURATION = 9.0  # median HSV saturation of the card below this: black-and-white copy
WASHED_SATURATION = 18.0  # low colour together with a pale, flat card: colour photocopy
WASHED_VALUE = 215.0
SCREEN_PEAK = 75.0  # robust sigmas of the strongest high-frequency peak (specimens: cards <50, screens >90)


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



def card_screen_score(frame_bgr: np.ndarray, quad: np.ndarray) -> float:
    """`screen_score` of the middle of the card in the raw frame (a screen's grid is in frame pixels)."""
    gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    cx, cy = quad.mean(axis=0)
    half = 128
    x0 = int(np.clip(cx - half, 0, max(0, gray.shape[1] - 2 * half)))
    y0 = int(np.clip(cy - half, 0, max(0, gray.shape[0] - 2 * half)))
    return screen_score(gray[y0:y0 + 2 * half, x0:x0 + 2 * half])


def looks_like_screen(frame_bgr: np.ndarray, quad: np.ndarray) -> bool:
    """A moiré/subpixel pattern on the card as photographed."""
    return card_screen_score(frame_bgr, quad) > SCREEN_PEAK
