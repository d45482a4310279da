"""`python -m tui [--data-dir DIR] [--simulated]`: the kiosk UI without the `kiosk` entry point."""

from __future__ import annotations

import argparse
import sys

from kiosk.cliutil import SpanishHelpFormatter, run_main
from tui.commands import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", formatter_class=SpanishHelpFormatter,
                                     description="Interfaz del kiosko / kiosk UI")
    parser.add_argument("--data-dir", default=None, help="directorio de datos / data dir")
    parser.add_argument("--simulated", action="store_true", help="dispositivos simulados / simulated devices")
    parser.set_defaults(func=run)
    return run_main(parser, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
