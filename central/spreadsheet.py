"""CSV cells for files people open in a spreadsheet (the compulsa export, the results, the
audiencia's report, the avance): text that a spreadsheet would take for a formula is written as
text. The text itself comes from outside: a name an enrolled kiosk signed (it can sign any text;
a paper cédula's name is typed by hand), a municipio in INE's answer, an allegation typed at the
audiencia."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what LibreOffice and Excel read as a formula's start


def cell(value):
    """`value` with an apostrophe before text that starts like a formula (OWASP «CSV injection»:
    =HYPERLINK(…) sends a cell's neighbours to a web address, =cmd|… runs a program); a
    spreadsheet shows such text as it is, without the apostrophe. Anything else (numbers, text
    already so marked) is left as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row(values: Iterable) -> list:
    return [cell(value) for value in values]


def record(values: Mapping) -> dict:
    """A csv.DictWriter row."""
    return {key: cell(value) for key, value in values.items()}
