"""A front on a busy table: when the first card-shaped position the locator offers is not the
card, the reader tries the next ones (up to MAX_FRONT_VIEWS) before saying there is no
credential. Fictitious "MUESTRA" cards, medium difficulty scenes."""

from __future__ import annotations

import random

import pytest

from kiosk.credential import reader
from kiosk.specimens.cards import make_card
from kiosk.specimens.scenes import photo_of_card


@pytest.mark.parametrize("seed", [2101, 2115])
def test_front_is_found_beyond_the_first_card_position(seed: int, monkeypatch) -> None:
    front, _back, truth = make_card(seed)
    photo = photo_of_card(front, "medium", random.Random(seed))[0]
    monkeypatch.setattr(reader, "MAX_FRONT_VIEWS", 1)
    assert reader.read_side(photo).side is None, "precondition: the first position is not the card here"
    monkeypatch.setattr(reader, "MAX_FRONT_VIEWS", 3)
    side = reader.read_side(photo)
    assert side.side == "front"
    assert reader._front_like(side.front_text)
    assert side.card is not None and side.card.shape[:2] == (638, 1012)
