"""Message catalogs: a filled-in parameter keeps Spanish contractions right ("del CIC", not
"de el CIC"), in every catalog that goes through kiosk.messages.lookup."""

from __future__ import annotations

from kiosk.credential.messages import message
from kiosk.messages import contract


def test_a_parameter_after_de_or_a_is_contracted() -> None:
    assert message("check_digit", what="el CIC") == "El dígito verificador del CIC no coincide; el dato no se captura."
    assert contract("Falta el dato de el OCR y va a el receptor") == "Falta el dato del OCR y va al receptor"


def test_words_that_only_start_like_el_are_left_alone() -> None:
    assert contract("de ella, de él, a ellos, de Elena") == "de ella, de él, a ellos, de Elena"
