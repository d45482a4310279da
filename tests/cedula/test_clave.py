"""The clave de elector letter rule and the cross-check against the names beside it."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.cedula.clave import clave_letters, cross_check, plain_name


@pytest.mark.parametrize(
    ("nombres", "paterno", "materno", "letters"),
    [
        ("JUAN CARLOS", "HERNÁNDEZ", "GARCÍA", "HRGRJN"),  # first letter + first internal consonant
        ("JOSÉ ALONSO", "HERNANDEZ", "GARCIA", "HRGRAL"),  # a leading JOSÉ is skipped
        ("MARÍA", "OSORIO", "IBARRA", "OSIBMR"),  # ... but not when it is the only name
        ("ANA", "DE LA CRUZ", "MUÑOZ", "CRMXAN"),  # particles skipped, Ñ counts as X
        ("ITZEL", "AGUILAR", "", "AGXXIT"),  # no materno: XX
        ("EU", "OIA", "AEIOU", "OXAXEX"),  # no internal consonant: X
    ],
)
def test_letters(nombres, paterno, materno, letters):
    assert clave_letters(nombres, paterno, materno) == letters


def test_plain_name_keeps_enie_and_drops_accents():
    assert plain_name("  zúñiga  de   la  peña ") == "ZUÑIGA DE LA PEÑA"


def test_cross_check_agrees():
    check = cross_check("HRGRJN82050602H900", "JUAN CARLOS", "HERNANDEZ", "GARCIA", today=date(2026, 1, 1))
    assert check.flags == ()
    assert check.birth_date == date(1982, 5, 6)


def test_cross_check_accepts_clave_keeping_jose():
    assert cross_check("HRGRJS82050602H900", "JOSE ALONSO", "HERNANDEZ", "GARCIA").flags == ()


def test_cross_check_flags_mismatch_without_fixing():
    check = cross_check("HRGRJN82050602H900", "PEDRO", "HERNANDEZ", "GARCIA")
    assert check.flags == ("clave_no_coincide",)
    assert (check.found_letters, check.expected_letters) == ("HRGRJN", "HRGRPD")


def test_cross_check_flags_invalid_and_minor():
    assert cross_check("HRGRJN82130602H900", "JUAN", "HERNANDEZ", "GARCIA").flags == ("clave_invalida",)
    minor = cross_check("HRGRJN15050602H900", "JUAN", "HERNANDEZ", "GARCIA", today=date(2026, 1, 1))
    assert minor.flags == ("clave_menor_de_edad",)
