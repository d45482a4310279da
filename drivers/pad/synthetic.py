"""Deterministic, realistic-looking fictitious handwritten signatures (pen trajectories).

Seeded: the same seed always gives the same trajectory. Used by the demo's simulated pad and tests.
"""

from __future__ import annotations

import numpy as np

SAMPLE_MS = 10  # 100 samples per second, like a serial pad


def _smooth(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """A slowly varying random curve of length n around 1.0."""
    s = np.linspace(0, 1, n)
    curve = np.ones(n)
    for k in (1, 2, 3):
        curve += scale / k * np.sin(2 * np.pi * (k * s * rng.uniform(0.5, 1.5) + rng.uniform(0, 1)))
    return curve


def _cursive(rng: np.random.Generator, x0: float, baseline: float, length: float, height: float) -> np.ndarray:
    """A word-like stroke: a trochoid (loops advancing to the right) with varying loop size."""
    loops = rng.integers(4, 9)
    n = int(rng.uniform(0.9, 1.4) * loops * 28)
    s = np.linspace(0, 2 * np.pi * loops, n)
    radius = length / (loops * 2 * np.pi) * rng.uniform(1.1, 1.8) * _smooth(rng, n, 0.25)
    # Letter heights per loop: a tall capital first, then x-height, ascenders and descenders
    # (negative: the loop hangs below the baseline). Loops meet at the baseline, so the
    # height can jump from one loop to the next.
    letters = rng.choice([0.55, 1.0, 1.7, -1.1], size=loops, p=[0.35, 0.35, 0.2, 0.1])
    letters[0] = rng.uniform(1.8, 2.4)
    amp = height * 0.6 * letters[np.minimum((s // (2 * np.pi)).astype(int), loops - 1)]
    amp = amp * _smooth(rng, n, 0.15)
    slant = rng.uniform(0.1, 0.35)
    y = baseline - amp * (0.5 - 0.5 * np.cos(s))
    x = x0 + length * s / s[-1] - radius * np.sin(s) + slant * (baseline - y)
    y = y - rng.uniform(-0.02, 0.1) * (x - x0)
    return np.stack([x, y], axis=1)


def _flourish(rng: np.random.Generator, x0: float, x1: float, y: float, bow: float) -> np.ndarray:
    """An underline: a long, slightly bowed sweep from right to left or left to right."""
    n = int(rng.integers(45, 80))
    s = np.linspace(0, 1, n)
    ease = 0.5 - 0.5 * np.cos(np.pi * s)
    start, end = (x1, x0) if rng.random() < 0.5 else (x0, x1)
    x = start + (end - start) * ease
    yy = y + bow * np.sin(np.pi * s) + rng.uniform(-0.3, 0.3) * bow * s
    return np.stack([x, yy], axis=1)


def _pressure(rng: np.random.Generator, n: int) -> np.ndarray:
    """Tip pressure along a stroke: quick ramp in and out, a slow wobble in the middle."""
    base = rng.uniform(450, 750) * _smooth(rng, n, 0.15)
    ramp = np.minimum(1.0, np.minimum(np.arange(n) + 1, n - np.arange(n)) / 6.0)
    return np.clip(base * (0.25 + 0.75 * ramp), 20, 1023)


def synthetic_signature(seed: int, width: int = 2400, height: int = 800) -> dict:
    """A fictitious signature: 2–4 strokes with hover moves between them, one lift at the end."""
    rng = np.random.default_rng(seed)
    baseline = height * rng.uniform(0.55, 0.7)
    letter = height * rng.uniform(0.22, 0.34)
    left, right = width * rng.uniform(0.06, 0.15), width * rng.uniform(0.82, 0.92)
    split = left + (right - left) * rng.uniform(0.45, 0.6)
    strokes = [_cursive(rng, left, baseline, (split - left) * 0.9, letter)]
    if rng.random() < 0.75:
        strokes.append(_cursive(rng, split, baseline + rng.uniform(-0.05, 0.05) * height,
                                (right - split) * 0.85, letter * rng.uniform(0.7, 1.0)))
    strokes.append(_flourish(rng, left, right, baseline + letter * rng.uniform(0.4, 0.7),
                             letter * rng.uniform(-0.3, 0.3)))
    if rng.random() < 0.5:
        dot = np.array([split, baseline - letter * 1.4]) + rng.normal(0, 3, size=(4, 2)).cumsum(0)
        strokes.insert(1, dot)

    points: list[list[int]] = []
    t = 0

    def emit(xy: np.ndarray, pressure: np.ndarray, down: int) -> None:
        nonlocal t
        for (x, y), p in zip(xy, pressure):
            xi = int(np.clip(round(x), 0, width - 1))
            yi = int(np.clip(round(y), 0, height - 1))
            points.append([t, xi, yi, int(round(p)), down])
            t += SAMPLE_MS

    for index, stroke in enumerate(strokes):
        stroke = stroke + rng.normal(0, 0.6, size=stroke.shape)
        if index:
            start, end = np.array(points[-1][1:3], float), stroke[0]
            hops = int(rng.integers(12, 35))
            hover = start + (end - start) * np.linspace(0, 1, hops + 2)[1:-1, None]
            emit(hover, np.zeros(hops), 0)
        emit(stroke, _pressure(rng, len(stroke)), 1)
    emit(np.array([points[-1][1:3]], float), np.zeros(1), 0)
    return {"width": width, "height": height, "points": points}
