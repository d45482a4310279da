"""`kiosk`: the device's command line. Subcommands come from the `apoyo_kiosk.commands` entry
point group (one entry per command name), so the core lists commands of upper layers (sync, tui)
without importing them, and only the chosen command's module is ever imported.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.cliutil import SpanishHelpFormatter, run_main, setup_logging

GROUP = "apoyo_kiosk.commands"

# One line per command for `kiosk --help`, which imports no command module.
SUMMARY = {
    "cedula": "cédulas en papel (régimen de excepción) / paper cédulas",
    "check-photo": "revisa una foto viva / check a live photo",
    "check-signature": "revisa una firma del panel / check a pad signature",
    "decode": "lee fotos de la Credencial para Votar / read Credencial para Votar photos",
    "demo": "demostración con dispositivos simulados / demo",
    "doctor": "revisa dispositivos, llaves, reloj, disco y enlace / check devices, keys, clock, disk, link",
    "export": "exportar sobres a una memoria USB / export envelopes",
    "import-acuses": "aplicar acuses traídos en USB / apply acuses from USB",
    "maintenance": "compactar la bóveda y revisar la bitácora / vault maintenance",
    "provision": "dar de alta este kiosko / enroll this device",
    "rotate-device-key": "cambiar la llave del dispositivo / rotate the device key",
    "run": "abre la interfaz del kiosko / open the kiosk UI",
    "status": "estado de la cola / queue status",
    "sync": "enviar registros al receptor / send records",
    "tech-password": "fijar la contraseña técnica / set the technician password",
}


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return dist_version("apoyo-kiosk")
    except PackageNotFoundError:
        return "desconocida"


def _commands() -> dict:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def chosen_command(argv: list[str]) -> str | None:
    """The first positional argument (the command), skipping the global options and their values."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--data-dir":
            skip = True
        elif token == "--":
            return None
        elif not token.startswith("-"):
            return token
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the chosen command's module adds its full parser; without a known
    command, every command is listed by name and summary only."""
    parser = argparse.ArgumentParser(
        prog="kiosk",
        formatter_class=SpanishHelpFormatter,
        description=(
            "Apoyo Kiosk: captación de apoyo ciudadano fuera de línea.\n"
            "Apoyo Kiosk: offline capture of citizen support."
        ),
        epilog="Salida / exit: 0 bien / ok, 1 falla / runtime failure, 2 uso incorrecto / usage.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {version()}",
                        help="muestra la versión y sale / show the version and exit")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="directorio de datos (omisión: $APOYO_KIOSK_DATA o /var/lib/apoyo-kiosk) / data dir",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="más detalle en el registro / verbose log")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    commands = _commands()
    name = chosen_command(argv or [])
    if name in commands:
        commands[name].load()(sub)
    else:
        for command in sorted(commands):
            sub.add_parser(command, help=SUMMARY.get(command, ""), formatter_class=SpanishHelpFormatter)
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
    daemon = chosen_command(argv) == "sync" and "--once" not in argv  # --once prints its own summary
    setup_logging(verbose, "kiosk", service=daemon)
    return run_main(build_parser(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
