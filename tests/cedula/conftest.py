"""Shared generated cédula pages, read once per session (tesseract is the slow part)."""

from __future__ import annotations

import pytest

from kiosk.cedula.page import PageReading, read_page
from kiosk.cedula.specimen import make_cedula

# seed -> degradation: strong rotation both ways, heavy noise, dark gray paper, perspective,
# malformed and mismatched claves, few and many rows
PAGES = {
    11: dict(rotation=-4.0, noise=6.0, paper=230),
    12: dict(rotation=3.5, noise=14.0, paper=215, blur=1.0),
    13: dict(rotation=1.0, noise=8.0, paper=182, perspective=0.015),
    14: dict(filled=4, unsigned=2, rotation=-2.0, paper=200),
    15: dict(filled=10, unsigned=1, invalid_clave=1, clave_mismatch=1, rotation=2.5, noise=10.0),
    16: dict(filled=7, unsigned=0, perspective=0.01, paper=240, noise=4.0),
}


@pytest.fixture(scope="session")
def pages() -> dict[int, tuple[dict, PageReading]]:
    out = {}
    for seed, options in PAGES.items():
        image, truth = make_cedula(seed, **options)
        out[seed] = (truth, read_page(image))
    return out
