"""`kiosk tech-password`: set or replace the technician's password before the kiosk is handed
over (otherwise whoever first opens Técnico on the screen sets it), and lift a lockout.

At a terminal it asks twice without echo; with `--stdin` it reads one line (for install scripts:
`echo "$PW" | kiosk tech-password --stdin`). The password is kept only as an Argon2id hash in the
encrypted vault.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk import operators
from kiosk.cliutil import EXIT_USAGE, SpanishHelpFormatter, fail
from kiosk.station import open_station


def _read_password(from_stdin: bool) -> tuple[str, str | None]:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), None
    first = getpass.getpass("Nueva contraseña técnica: ")
    return first, getpass.getpass("Repítala: ")


def run(args: argparse.Namespace) -> int:
    if not args.stdin and not sys.stdin.isatty():
        return fail("no hay terminal para preguntar la contraseña: use --stdin / no terminal, use --stdin", EXIT_USAGE)
    password, repeat = _read_password(args.stdin)
    try:
        operators.validate_new_password(password, repeat)
    except operators.AccessDenied as denied:
        return fail(denied.message("es"), EXIT_USAGE)
    station = open_station(args.data_dir)
    try:
        replaced = operators.tech_password_set(station.vault)
        operators.set_tech_password(station.vault, password, via="cli")
    finally:
        station.close()
    print("Contraseña técnica reemplazada." if replaced else "Contraseña técnica establecida.")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tech-password", help="fijar la contraseña técnica / set the technician password",
                       formatter_class=SpanishHelpFormatter)
    p.add_argument("--stdin", action="store_true",
                   help="leer la contraseña de la entrada estándar (una línea) / read it from stdin")
    p.set_defaults(func=run)
