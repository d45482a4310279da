"""The printed folio found by its label wherever the header puts it (layouts not our own), with
a confidence; the words between the label and the number are skipped, a label alone gives
nothing. Pages come from tests/cedula/other_layouts.py (a header drawn apart from the reader)."""

from __future__ import annotations

import pytest

from kiosk.cedula.page import _labelled_folio, read_page
from tests.cedula.other_layouts import other_layout_page

LINE, NEXT = (1, 1, 1), (1, 1, 2)


@pytest.mark.parametrize("words, expected", [
    ([("Folio", .9, LINE), ("de", .9, LINE), ("cédula:", .9, LINE), ("32698", .8, LINE)], "32698"),
    ([("FOLIO:", .9, LINE), ("C-000123", .8, LINE)], "C-000123"),
    ([("FOLIO:C-000123", .8, LINE)], "C-000123"),
    ([("Núm.", .9, LINE), ("de", .9, LINE), ("folio:", .9, LINE), ("A-2O931", .7, LINE)], "A-20931"),
    ([("FOLIO", .9, LINE), ("N°", .9, LINE), ("004471", .9, LINE)], "004471"),
])
def test_value_after_the_label(words, expected) -> None:
    field = _labelled_folio(words)
    assert field is not None and field.value == expected
    assert field.confidence == min(c for _w, c, _l in words if _w[:1].isalnum())


@pytest.mark.parametrize("words", [
    [("FOLIO", .9, LINE), ("No.", .9, LINE), ("4471", .9, NEXT)],  # the number is on another line
    [("FOLIO", .9, LINE), ("de", .9, LINE), ("cédula", .9, LINE)],  # a label with no number
    [("Cédula", .9, LINE), ("32698", .9, LINE)],  # a number with no label
    [("FOLIO", .9, LINE), ("MUESTRA", .9, LINE), ("32698", .9, LINE)],  # a word that is not a filler
])
def test_no_value_without_label_and_number_on_one_line(words) -> None:
    assert _labelled_folio(words) is None


@pytest.mark.parametrize("seed", [7101, 7102, 7103])
def test_folio_read_on_headers_not_our_own(seed: int) -> None:
    image, value = other_layout_page(seed)
    reading = read_page(image)
    assert reading.folio.value == value
    assert 0.5 < reading.folio.confidence <= 1
