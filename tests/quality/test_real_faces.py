"""The live-photo gate on real people (public-domain portraits, tests/fixtures/photos/SOURCES.md),
on the `eval` split no threshold was set on: few genuine photos refused, bad ones refused for
their own reason. The full figures are in tests/benchmarks/bench_quality.py."""

from __future__ import annotations

import pytest
from real_faces import BAD_KINDS, EXPECTED, REAL, live_photos, people

from kiosk.quality import check_photo


@pytest.fixture(scope="module")
def photos():
    return live_photos("eval", seed=0, bad_per_kind=3)


def test_many_different_people_split_without_overlap() -> None:
    tune, held_out = people("tune"), people("eval")
    assert len(tune) >= 50 and len(held_out) >= 40
    assert not {p.stem for p in tune} & {p.stem for p in held_out}
    assert len(tune) + len(held_out) == len(list(REAL.glob("*.jpg")))
    sources = (REAL.parent / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"real/{p.name}" in sources for p in tune + held_out)


def test_genuine_people_are_accepted(photos) -> None:
    genuine = [p for p in photos if p.genuine]
    refused = [(p.person, check_photo(p.image).codes) for p in genuine]
    refused = [r for r in refused if r[1]]
    assert len(refused) <= 0.05 * len(genuine), refused


def test_bad_photos_are_refused_for_their_reason(photos) -> None:
    bad = [p for p in photos if not p.genuine]
    assert {p.kind for p in bad} == set(BAD_KINDS)
    accepted, wrong = [], []
    for p in bad:
        verdict = check_photo(p.image)
        if verdict.accepted:
            accepted.append((p.kind, p.person))
        elif not set(verdict.codes) & EXPECTED[p.kind]:
            wrong.append((p.kind, verdict.codes))
    assert len(accepted) <= 0.04 * len(bad), accepted
    assert len(wrong) <= 0.1 * len(bad), wrong

