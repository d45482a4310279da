"""The six letters of a clave de elector derived from a name, and the cross-check against a clave.

Rule (INE): first letter and first internal consonant of the apellido paterno, of the apellido
materno and of the nombre; particles (DE, LA, DEL...) are skipped, and so is a leading JOSÉ or
MARÍA when another given name follows (a clave keeping it is accepted too); Ñ counts as X; a missing part gives X. A clave whose
letters or birth date disagree with the names is *flagged* for the operator, never corrected.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.identifiers import InvalidIdentifier, clave_elector_parts

PARTICLES = frozenset("DA DAS DE DEL DER DI DIE DD EL LA LOS LAS LE LES MAC MC VAN VON Y".split())
COMMON_FIRST_NAMES = frozenset("JOSE J MARIA MA MA. J.".split())
VOWELS = frozenset("AEIOU")
ADULT_AGE = 18


def plain_name(text: str) -> str:
    """Uppercase letters and single spaces, accents dropped, Ñ kept (as written on a cédula)."""
    out = []
    for ch in (text or "").upper():
        if ch == "Ñ":
            out.append(ch)
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base if base.isalpha() or base == " " else " ")
    return " ".join("".join(out).split())


def _key_word(text: str, *, given_name: bool, skip_common: bool = True) -> str:
    words = [w for w in plain_name(text).replace("Ñ", "X").split() if w not in PARTICLES]
    if given_name and skip_common and len(words) > 1 and words[0] in COMMON_FIRST_NAMES:
        words = words[1:]
    return words[0] if words else ""


def _two_letters(word: str) -> str:
    if not word:
        return "XX"
    consonant = next((ch for ch in word[1:] if ch not in VOWELS), "X")
    return word[0] + consonant


def clave_letters(nombres: str, apellido_paterno: str, apellido_materno: str,
                  *, skip_common: bool = True) -> str:
    """The six letters a clave de elector carries for this name."""
    return "".join(
        (
            _two_letters(_key_word(apellido_paterno, given_name=False)),
            _two_letters(_key_word(apellido_materno, given_name=False)),
            _two_letters(_key_word(nombres, given_name=True, skip_common=skip_common)),
        )
    )


@dataclass(frozen=True)
class CrossCheck:
    """What a clave says against the names written beside it: flag codes (empty when agreed)."""

    expected_letters: str
    found_letters: str
    birth_date: date | None
    flags: tuple[str, ...]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def cross_check(clave: str, nombres: str, apellido_paterno: str, apellido_materno: str,
                *, today: date | None = None) -> CrossCheck:
    """Validate the clave and compare its letters and birth date with the names (flags only)."""
    expected = clave_letters(nombres, apellido_paterno, apellido_materno)
    try:
        parts = clave_elector_parts(clave)
    except InvalidIdentifier:
        return CrossCheck(expected, "", None, ("clave_invalida",))
    flags: list[str] = []
    found = str(parts["letras"])
    older_rule = clave_letters(nombres, apellido_paterno, apellido_materno, skip_common=False)
    if found not in (expected, older_rule):
        flags.append("clave_no_coincide")
    born = parts["fecha_nacimiento"]
    assert isinstance(born, date)
    if _age(born, today or date.today()) < ADULT_AGE:
        flags.append("clave_menor_de_edad")
    return CrossCheck(expected, found, born, tuple(flags))
