"""Synthetic signatures are deterministic and plausible; render_png stays under its budget."""

import io

import numpy as np
import pytest
from PIL import Image

from drivers.pad import render_png, synthetic_signature


def test_synthetic_signature_is_deterministic_and_plausible() -> None:
    first, again, other = synthetic_signature(42), synthetic_signature(42), synthetic_signature(43)
    assert first == again and first != other
    points = first["points"]
    times = [p[0] for p in points]
    assert times == sorted(times) and 2000 <= times[-1] <= 15000
    assert all(0 <= p[1] < 2400 and 0 <= p[2] < 800 for p in points)
    strokes = sum(1 for a, b in zip(points, points[1:]) if a[4] and not b[4])
    assert strokes >= 2
    down_pressure = [p[3] for p in points if p[4]]
    assert min(down_pressure) > 0 and max(down_pressure) <= 1023
    assert np.std(down_pressure) > 20
    assert points[-1][4] == 0 and points[0][4] == 1


@pytest.mark.parametrize("seed", range(8))
def test_render_png_fits_8_kb_and_shows_ink(seed: int) -> None:
    png = render_png(synthetic_signature(seed))
    assert len(png) <= 8192
    image = Image.open(io.BytesIO(png))
    assert image.mode in ("1", "L")
    ink = np.asarray(image.convert("L")) < 128
    assert 0.005 < ink.mean() < 0.3


def test_render_png_downscales_to_fit_a_tight_budget() -> None:
    signature = synthetic_signature(1)
    big = Image.open(io.BytesIO(render_png(signature, max_bytes=100_000, width=1200)))
    small_png = render_png(signature, max_bytes=1500, width=1200)
    small = Image.open(io.BytesIO(small_png))
    assert len(small_png) <= 1500
    assert small.width < big.width


def test_render_png_of_an_empty_trajectory_is_blank() -> None:
    png = render_png({"width": 2400, "height": 800, "points": []})
    assert np.asarray(Image.open(io.BytesIO(png)).convert("L")).min() == 255
