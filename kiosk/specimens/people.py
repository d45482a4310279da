"""Fictitious identities for specimen "MUESTRA" credentials: names, dates and identifiers.

Everything is drawn from a seeded `random.Random`; no real person is described. The clave de
elector and CURP follow the official layouts (the CURP carries a valid check digit).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.cedula.clave import clave_letters
from kiosk.identifiers import curp_check_digit

SURNAMES = (
    "GARCÍA HERNÁNDEZ LÓPEZ MARTÍNEZ GONZÁLEZ PÉREZ RODRÍGUEZ SÁNCHEZ RAMÍREZ CRUZ FLORES GÓMEZ "
    "MORALES VÁZQUEZ JIMÉNEZ REYES DÍAZ TORRES GUTIÉRREZ RUIZ MENDOZA AGUILAR ORTIZ CASTILLO "
    "MORENO ROMERO ÁLVAREZ CHÁVEZ RIVERA JUÁREZ RAMOS DOMÍNGUEZ HERRERA MEDINA CASTRO VARGAS "
    "GUZMÁN VELÁZQUEZ MUÑOZ SALAZAR ZÚÑIGA OSORIO BAUTISTA QUINTANA ZARAGOZA IBARRA "
    "VILLANUEVA SANTIAGO ESPINOZA CERVANTES BECERRA OCHOA"
).split()
GIVEN_NAMES = (
    "JUAN JOSÉ LUIS CARLOS JESÚS MIGUEL ÁNGEL FRANCISCO PEDRO ALEJANDRO MANUEL ROBERTO FERNANDO "
    "DANIEL RICARDO EDUARDO MARÍA GUADALUPE JUANA VERÓNICA ROSA LETICIA ALEJANDRA PATRICIA "
    "ELIZABETH GABRIELA ADRIANA TERESA MARGARITA SOFÍA XIMENA ITZEL NAYELI AZUCENA BEATRIZ "
    "OCTAVIO IRMA ZOILA BRENDA SALVADOR"
).split()
STATE_CURP = "AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ YN ZS".split()
VOWELS = "AEIOU"


def plain(text: str) -> str:
    """Uppercase ASCII as the MRZ writes it: accents dropped, Ñ becomes N."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Identity:
    """One fictitious citizen and the numbers printed on their specimen credential."""

    apellido_paterno: str
    apellido_materno: str
    nombres: str
    birth_date: date
    sex: str  # H or M
    entity: int  # 1..32
    cic: str  # 9 digits
    ocr: str  # 13 digits
    emision: str  # 2 digits
    emission_year: int
    seccion: str  # 4 digits
    clave_elector: str
    curp: str

    @property
    def expiry_year(self) -> int:
        return self.emission_year + 10


def _first_internal(word: str, vowels: bool) -> str:
    for ch in plain(word)[1:]:
        if ch.isalpha() and ((ch in VOWELS) == vowels):
            return ch
    return "X"


def _clave(pat: str, mat: str, nom: str, born: date, entity: int, sex: str, rng: random.Random) -> str:
    """INE's rule (first letter and first internal consonant of each part), as the cédula check reads it."""
    letters = clave_letters(nom, pat, mat)
    return f"{letters}{born:%y%m%d}{entity:02d}{sex}{rng.randint(0, 999):03d}"


def _curp(pat: str, mat: str, nom: str, born: date, entity: int, sex: str, rng: random.Random) -> str:
    p, m, n = plain(pat), plain(mat), plain(nom.split()[0])
    head = p[0] + _first_internal(pat, True) + m[0] + n[0]
    consonants = "".join(_first_internal(w, False) for w in (pat, mat, nom.split()[0]))
    homoclave = rng.choice("0123456789") if born.year < 2000 else rng.choice("ABCDEFGHJ")
    first17 = f"{head}{born:%y%m%d}{sex}{STATE_CURP[entity - 1]}{consonants}{homoclave}"
    return first17 + curp_check_digit(first17)


def make_identity(rng: random.Random, *, long_name: bool = False) -> Identity:
    """A fictitious identity; `long_name` makes the MRZ name line overflow (truncated)."""
    pat, mat = rng.choice(SURNAMES), rng.choice(SURNAMES)
    count = 3 if long_name else rng.choice((1, 1, 2))
    nombres = " ".join(rng.sample(GIVEN_NAMES, count))
    if long_name:
        pat, mat = rng.choice(SURNAMES[-12:]), rng.choice(SURNAMES[-12:])
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
    sex = rng.choice("HM")
    entity = rng.randint(1, 32)
    emission_year = rng.randint(2014, 2025)
    return Identity(
        apellido_paterno=pat,
        apellido_materno=mat,
        nombres=nombres,
        birth_date=born,
        sex=sex,
        entity=entity,
        cic=f"{rng.randint(0, 10**9 - 1):09d}",
        ocr=f"{rng.randint(0, 10**13 - 1):013d}",
        emision=f"{rng.randint(0, 4):02d}",
        emission_year=emission_year,
        seccion=f"{rng.randint(1, 4999):04d}",
        clave_elector=_clave(pat, mat, nombres, born, entity, sex, rng),
        curp=_curp(pat, mat, nombres, born, entity, sex, rng),
    )
