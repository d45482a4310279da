"""`kiosk`: the device's command line. Subcommands come from the `apoyo_kiosk.commands` entry
point group, so the core lists commands of upper layers (sync, tui) without importing them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from kiosk.cliutil import SpanishHelpFormatter, run_main, setup_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        formatter_class=SpanishHelpFormatter,
        description=(
            "Apoyo Kiosk: captación de apoyo ciudadano fuera de línea.\n"
            "Apoyo Kiosk: offline capture of citizen support."
        ),
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="directorio de datos (omisión: $APOYO_KIOSK_DATA o /var/lib/apoyo-kiosk) / data dir",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="más detalle en el registro / verbose log")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    for ep in sorted(entry_points(group="apoyo_kiosk.commands"), key=lambda e: e.name):
        ep.load()(sub)
    _add_common(sub)
    return parser


def _add_common(sub: argparse._SubParsersAction) -> None:
    """Every command takes --data-dir (and -v) after its name too: `kiosk status --data-dir X`."""
    for parser in sub.choices.values():
        if "--data-dir" not in parser._option_string_actions:
            parser.add_argument("--data-dir", default=argparse.SUPPRESS, help="directorio de datos / data dir")
        if "--verbose" not in parser._option_string_actions:
            parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_common(action)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    verbose = "-v" in argv or "--verbose" in argv
    setup_logging(verbose, "kiosk")
    return run_main(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
