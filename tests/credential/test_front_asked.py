"""The front asked for: the kiosk asks for the front first, and a front has no MRZ, so every MRZ
search ran through to its last fallback before the front's text was read (3 s a front on this
machine, the demo's slowest step). Asked for the front, the reader reads the front's text once
the first MRZ search found nothing. Fictitious "MUESTRA" cards (kiosk.specimens)."""

from __future__ import annotations

import random

import cv2
import pytest

from kiosk.credential import reader, tess
from kiosk.specimens.cards import make_card
from kiosk.specimens.scenes import photo_of_card


def _photos(seed: int, level: str = "easy"):
    front, back, truth = make_card(seed)
    rng = random.Random(seed)
    return photo_of_card(front, level, rng)[0], photo_of_card(back, level, rng)[0], truth["fields"]


def _count_searches(monkeypatch) -> list[str]:
    calls: list[str] = []
    for name in ("_read_outline_cells", "_read_sharpened", "_read_rows"):
        original = getattr(reader, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(reader, name, counted)
    return calls


@pytest.mark.parametrize("seed", [1000, 1007])
def test_a_front_asked_for_is_read_without_the_costly_mrz_searches(seed: int, monkeypatch) -> None:
    photo, _back, fields = _photos(seed)
    calls = _count_searches(monkeypatch)
    reader._RECENT.clear()
    assert reader.read_image(photo).sides[0].side == "front"
    assert calls, "precondition: unasked, a front runs the MRZ searches"
    calls.clear()
    reader._RECENT.clear()
    reading = reader.read_image(photo, expect="front")
    assert reading.sides[0].side == "front" and not calls, calls
    assert reading.fields["clave_elector"].value == fields["clave_elector"]


@pytest.mark.parametrize("seed,level", [(1001, "easy"), (1017, "medium"), (1039, "medium")])
def test_a_back_shown_when_the_front_was_asked_is_read_as_the_back(seed: int, level: str, monkeypatch) -> None:
    """1039: the first MRZ search reads nothing and no QR is found, so the front's text is looked
    for; too few of a front's labels are read, and the MRZ searches go on and verify the CIC."""
    _front, back, fields = _photos(seed, level)
    probes: list[bool] = []
    original = reader._front_first
    monkeypatch.setattr(reader, "_front_first", lambda *a: probes.append(original(*a)) or probes[-1])
    reader._RECENT.clear()
    reading = reader.read_image(back, expect="front")
    assert reading.sides[0].side == "back" and not any(probes)
    assert probes or seed != 1039, "1039 is the back that reaches the front's probe"
    for name in ("cic", "ocr"):
        f = reading.fields[name]
        assert not f.verified or f.value == fields[name]
    assert reading.fields["cic"].verified or reading.fields["ocr"].verified


def test_the_front_is_read_through_its_ink_not_the_coloured_print_over_it() -> None:
    """Seed 1007: the red "MUESTRA" runs across the clave and the CURP. In grey levels it is as
    dark as the letters and tesseract reads neither; each pixel's brightest channel fades it."""
    photo, _back, fields = _photos(1007)
    card = reader.rectify(photo, reader.find_card_quads(photo)[0])
    grey = tess.read_text(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY))
    assert fields["clave_elector"] not in grey.replace(" ", ""), "precondition: grey levels lose the clave"
    ink = tess.read_text(reader._ink(card)).replace(" ", "")
    assert fields["clave_elector"] in ink and fields["curp"] in ink
