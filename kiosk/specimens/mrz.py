"""The TD1 machine-readable zone printed on specimen credentials (models E, F, G, H).

Written independently of the reader in `kiosk.credential` so the tests compare two
implementations of the layout in DESIGN.md, not one implementation with itself.
"""

from __future__ import annotations

from kiosk.identifiers import icao_check_digit
from kiosk.specimens.people import Identity, plain

WIDTH = 30


def name_line(identity: Identity) -> str:
    """`PATERNO<MATERNO<<NOMBRES`, spaces as `<`, cut to 30 characters."""
    def part(text: str) -> str:
        return "".join(ch if ch.isalpha() else "<" for ch in plain(text))

    line = f"{part(identity.apellido_paterno)}<{part(identity.apellido_materno)}<<{part(identity.nombres)}"
    return line[:WIDTH].ljust(WIDTH, "<")


def name_truncated(identity: Identity) -> bool:
    """Whether the full name did not fit on line 3."""
    def part(text: str) -> str:
        return "".join(ch if ch.isalpha() else "<" for ch in plain(text))

    full = f"{part(identity.apellido_paterno)}<{part(identity.apellido_materno)}<<{part(identity.nombres)}"
    return len(full) > WIDTH


def td1_lines(identity: Identity, *, break_check: str | None = None) -> list[str]:
    """The three MRZ lines; `break_check` ('cic'|'birth'|'expiry'|'composite') prints a wrong digit."""
    def wrong(digit: str) -> str:
        return str((int(digit) + 3) % 10)

    cic_check = icao_check_digit(identity.cic)
    if break_check == "cic":
        cic_check = wrong(cic_check)
    line1 = f"IDMEX{identity.cic}{cic_check}<<{identity.ocr}".ljust(WIDTH, "<")
    birth = f"{identity.birth_date:%y%m%d}"
    birth_check = icao_check_digit(birth)
    if break_check == "birth":
        birth_check = wrong(birth_check)
    expiry = f"{identity.expiry_year % 100:02d}1231"
    expiry_check = icao_check_digit(expiry)
    if break_check == "expiry":
        expiry_check = wrong(expiry_check)
    optional = f"<{identity.emision}".ljust(11, "<")
    head = f"{birth}{birth_check}{identity.sex}{expiry}{expiry_check}MEX{optional}"
    composite = icao_check_digit(line1[5:30] + head[0:7] + head[8:15] + head[18:29])
    if break_check == "composite":
        composite = wrong(composite)
    line2 = head + composite
    assert len(line1) == len(line2) == WIDTH
    return [line1, line2, name_line(identity)]
