"""Shared specimen sets for the credential tests (generated once per session, fixed seeds)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "credential"))

import specimens  # noqa: E402

COUNTS = {"easy": 10, "medium": 10, "hard": 6}


@pytest.fixture(scope="session")
def photo_sets():
    return {d: specimens.backs(d, n) for d, n in COUNTS.items()}


SHARED = {"photo_sets", "negative_set", "readings", "negative_readings"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The tests that share the session's specimen sets run on one xdist worker (make test's
    `--dist loadgroup`): each set is drawn and read once, not once per worker (about 70 s)."""
    for item in items:
        used = getattr(item, "_fixtureinfo", None)
        defs = used.name2fixturedefs if used is not None else {}
        # these fixtures, not a module's own of the same name (test_every_photo's `readings`)
        if any(defs.get(name) and defs[name][-1].func.__code__.co_filename == __file__ for name in SHARED):
            item.add_marker(pytest.mark.xdist_group("credential_specimens"))


@pytest.fixture(scope="session")
def negative_set():
    return specimens.negatives(2)


@pytest.fixture(scope="session")
def negative_readings(negative_set):
    """read_image of each negative, by name."""
    from kiosk.credential import read_image

    return {spec.name: read_image(spec.image) for spec in negative_set}


@pytest.fixture(scope="session")
def readings(photo_sets):
    from kiosk.credential import read_image

    return {d: [(s, read_image(s.image)) for s in specs] for d, specs in photo_sets.items()}
