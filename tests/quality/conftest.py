"""Shared fixtures of the quality-gate tests: the generated photo and signature sets, built once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
for folder in ("photos", "signatures"):
    if str(FIXTURES / folder) not in sys.path:
        sys.path.insert(0, str(FIXTURES / folder))

from make_photos import build_photo_fixtures  # noqa: E402
from make_signatures import build_signature_fixtures  # noqa: E402


@pytest.fixture(scope="session")
def photo_fixtures() -> dict:
    return {f.name: f for f in build_photo_fixtures()}


@pytest.fixture(scope="session")
def photo_verdicts(photo_fixtures: dict) -> dict:
    from kiosk.quality import check_photo

    return {name: check_photo(f.image) for name, f in photo_fixtures.items()}


@pytest.fixture(scope="session")
def signature_fixtures() -> dict:
    return {f.name: f for f in build_signature_fixtures()}
