"""Identifier validators: known answers from ICAO 9303 and RENAPO, and properties over many."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given, strategies as st

from kiosk.domain import Folio
from kiosk.identifiers import (
    InvalidIdentifier,
    clave_elector_parts,
    curp_check_digit,
    icao_check_digit,
    validate_cic,
    validate_clave_elector,
    validate_curp,
    validate_ocr,
    validate_seccion,
)

# ICAO 9303 part 3 worked examples (specimen passport of Utopia).
@pytest.mark.parametrize("data,digit", [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("D23145890", "7")])
def test_icao_check_digit_matches_the_standard_examples(data: str, digit: str) -> None:
    assert icao_check_digit(data) == digit


@st.composite
def curps(draw) -> str:
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2007, 12, 31)))
    first17 = (
        draw(st.sampled_from(string.ascii_uppercase)) + draw(st.sampled_from("AEIOUX"))
        + draw(st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2)) + born.strftime("%y%m%d")
        + draw(st.sampled_from("HM")) + draw(st.sampled_from(["DF", "OC", "JC", "NE", "YN"]))
        + draw(st.text(alphabet="BCDFGHJKLMNPQRSTVWXYZ", min_size=3, max_size=3))
        + ("0" if born.year < 2000 else "A")
    )
    return first17 + curp_check_digit(first17)


@given(curps())
def test_a_curp_validates_only_with_its_own_check_digit(curp: str) -> None:
    assert validate_curp(curp.lower()) == curp
    wrong = str((int(curp[17]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="verificador"):
        validate_curp(curp[:17] + wrong)


dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2007, 12, 31))
letters6 = st.text(alphabet=string.ascii_uppercase, min_size=6, max_size=6)
entities = st.sampled_from([f"{n:02d}" for n in range(1, 33)] + ["87", "88"])


@st.composite
def claves(draw) -> str:
    born = draw(dates)
    return (
        draw(letters6) + born.strftime("%y%m%d") + draw(entities) + draw(st.sampled_from("HM"))
        + draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    )


@given(claves())
def test_every_well_formed_clave_validates_and_splits(clave: str) -> None:
    assert validate_clave_elector(clave.lower()) == clave
    parts = clave_elector_parts(clave)
    assert parts["entidad"] == clave[12:14] and parts["sexo"] == clave[14]
    assert parts["fecha_nacimiento"].strftime("%y%m%d") == clave[6:12]


@given(claves(), st.integers(min_value=0, max_value=17), st.sampled_from(list("#-Ñ ")))
def test_a_foreign_character_anywhere_breaks_a_clave(clave: str, pos: int, ch: str) -> None:
    broken = clave[:pos] + ch + clave[pos + 1 :]
    with pytest.raises(InvalidIdentifier):
        validate_clave_elector(broken)


@given(claves(), st.sampled_from(["00", "33", "50", "99"]))
def test_a_clave_with_an_unknown_entity_is_refused(clave: str, entity: str) -> None:
    with pytest.raises(InvalidIdentifier, match="entidad"):
        validate_clave_elector(clave[:12] + entity + clave[14:])


@given(st.text(alphabet=string.digits, min_size=9, max_size=9))
def test_cic_check_digit_detects_every_single_digit_change(cic: str) -> None:
    digit = icao_check_digit(cic)
    assert validate_cic(cic, digit) == cic
    for i in range(9):
        changed = cic[:i] + str((int(cic[i]) + 1) % 10) + cic[i + 1 :]
        with pytest.raises(InvalidIdentifier):
            validate_cic(changed, digit)


@given(st.text(alphabet=string.digits, min_size=0, max_size=20))
def test_ocr_is_exactly_thirteen_digits(text: str) -> None:
    if len(text) == 13:
        assert validate_ocr(text) == text
    else:
        with pytest.raises(InvalidIdentifier):
            validate_ocr(text)


@given(st.integers(min_value=-5, max_value=20000))
def test_seccion_is_one_to_four_digits_and_not_zero(n: int) -> None:
    if 1 <= n <= 9999:
        assert validate_seccion(str(n)) == f"{n:04d}"
    else:
        with pytest.raises(InvalidIdentifier):
            validate_seccion(str(n))


@given(st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True), st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True),
       st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True), st.integers(min_value=1, max_value=999_999))
def test_folio_round_trips(process: str, aux: str, device: str, record: int) -> None:
    folio = Folio(process, aux, device, record)
    assert Folio.parse(str(folio)) == folio
