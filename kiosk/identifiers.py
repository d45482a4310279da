"""Validators for the identifiers printed on the Credencial para Votar and used in records.

Every identifier is validated, never trusted: each function returns the normalized value or
raises `InvalidIdentifier` with a Spanish reason a person can act on.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "InvalidIdentifier",
    "icao_check_digit",
    "icao_char_value",
    "validate_clave_elector",
    "clave_elector_parts",
    "validate_curp",
    "curp_check_digit",
    "validate_cic",
    "validate_ocr",
    "validate_seccion",
    "validate_id",
    "ENTITY_CODES",
]


class InvalidIdentifier(ValueError):
    """An identifier that does not hold its format or check digit; the message is Spanish."""


ENTITY_CODES = frozenset({f"{n:02d}" for n in range(1, 33)} | {"87", "88"})

_ICAO_WEIGHTS = (7, 3, 1)


def icao_char_value(ch: str) -> int:
    """Value of one MRZ character for ICAO 9303 check digits ('<' is 0, A is 10 ... Z is 35)."""
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == "<":
        return 0
    raise InvalidIdentifier(f"Carácter no válido en zona MRZ: {ch!r}")


def icao_check_digit(data: str) -> str:
    """The ICAO 9303 check digit (weights 7-3-1, modulo 10) of `data`, as one character."""
    total = sum(icao_char_value(ch) * _ICAO_WEIGHTS[i % 3] for i, ch in enumerate(data))
    return str(total % 10)


def _birth_date(yymmdd: str, *, field: str) -> date:
    """A YYMMDD date; the century is the one that puts the date in the past (ages 0-99)."""
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    today = date.today()
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        return date(year, mm, dd)
    except ValueError as exc:
        raise InvalidIdentifier(f"{field}: la fecha {yymmdd} no existe") from exc


_CLAVE_RE = re.compile(r"^([A-Z]{6})(\d{6})(\d{2})([HM])(\d{3})$")


def clave_elector_parts(clave: str) -> dict[str, object]:
    """Split a valid clave de elector into its letters, birth date, entity, sex and homoclave."""
    value = validate_clave_elector(clave)
    m = _CLAVE_RE.match(value)
    assert m is not None  # validate_clave_elector guarantees the shape
    letters, yymmdd, entity, sex, homoclave = m.groups()
    return {
        "letras": letters,
        "fecha_nacimiento": _birth_date(yymmdd, field="Clave de elector"),
        "entidad": entity,
        "sexo": sex,
        "homoclave": homoclave,
    }


def validate_clave_elector(clave: str) -> str:
    """18 characters: 6 letters, YYMMDD birth date, entity 01-32 or 87/88, H or M, 3 digits."""
    value = (clave or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdentifier(
            f"La clave de elector debe tener 18 caracteres (tiene {len(value)})"
        )
    m = _CLAVE_RE.match(value)
    if not m:
        raise InvalidIdentifier(
            "La clave de elector debe ser: 6 letras, fecha AAMMDD, entidad, H o M y 3 dígitos"
        )
    _birth_date(m.group(2), field="Clave de elector")
    if m.group(3) not in ENTITY_CODES:
        raise InvalidIdentifier(f"Clave de elector: la entidad {m.group(3)} no existe")
    return value


_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_STATES = frozenset(
    "AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ YN ZS NE".split()
)
_CURP_RE = re.compile(r"^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d$")


def curp_check_digit(first17: str) -> str:
    """The CURP verification digit computed over its first 17 characters."""
    total = 0
    for i, ch in enumerate(first17):
        idx = _CURP_ALPHABET.find(ch)
        if idx < 0:
            raise InvalidIdentifier(f"Carácter no válido en CURP: {ch!r}")
        total += idx * (18 - i)
    return str((10 - total % 10) % 10)


def validate_curp(curp: str) -> str:
    """18 characters in the RENAPO layout whose last digit is the check digit of the rest."""
    value = (curp or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdentifier(f"La CURP debe tener 18 caracteres (tiene {len(value)})")
    if not _CURP_RE.match(value):
        raise InvalidIdentifier("La CURP no tiene el formato oficial")
    _birth_date(value[4:10], field="CURP")
    if value[11:13] not in _CURP_STATES:
        raise InvalidIdentifier(f"CURP: la entidad {value[11:13]} no existe")
    if curp_check_digit(value[:17]) != value[17]:
        raise InvalidIdentifier("CURP: el dígito verificador no coincide")
    return value


def validate_cic(cic: str, check_digit: str | None = None) -> str:
    """9 digits; when the MRZ check digit is given it must match."""
    value = (cic or "").strip()
    if not re.fullmatch(r"\d{9}", value):
        raise InvalidIdentifier("El CIC debe tener 9 dígitos")
    if check_digit is not None and icao_check_digit(value) != check_digit:
        raise InvalidIdentifier("CIC: el dígito verificador no coincide")
    return value


def validate_ocr(ocr: str) -> str:
    """The OCR / identificador ciudadano: exactly 13 digits."""
    value = (ocr or "").strip()
    if not re.fullmatch(r"\d{13}", value):
        raise InvalidIdentifier("El OCR (identificador) debe tener 13 dígitos")
    return value


def validate_seccion(seccion: str) -> str:
    """Sección electoral: 1 to 4 digits, not zero; returned as four digits."""
    value = (seccion or "").strip()
    if not re.fullmatch(r"\d{1,4}", value) or int(value) == 0:
        raise InvalidIdentifier("La sección debe ser un número de 1 a 4 dígitos")
    return f"{int(value):04d}"


def validate_id(value: str, *, field: str) -> str:
    """Process, auxiliar and device ids: 1-20 letters or digits (they are joined into folios)."""
    text = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,20}", text):
        raise InvalidIdentifier(f"{field}: use de 1 a 20 letras o dígitos")
    return text
