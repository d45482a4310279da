"""`kiosk doctor [--simulated] [--json]`: checks each device and dependency, prints a table
(or JSON), exits non-zero naming the first thing to fix.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from kiosk import doctor
from kiosk.devices import ConfigError, load_config

DEFAULT_DATA_DIR = "/var/lib/apoyo-kiosk"

MESSAGES = {
    "help": {"es": "revisa cámara, pad de firma, escáner, OCR, zbar, llaves, reloj, disco y enlace",
             "en": "check camera, signature pad, scanner, OCR, zbar, keys, clock, disk and link"},
    "simulated": {"es": "revisa los dispositivos simulados", "en": "check the simulated devices"},
    "json": {"es": "salida en JSON", "en": "JSON output"},
    "data_dir": {"es": "carpeta de datos del kiosco", "en": "kiosk data folder"},
    "first_fix": {"es": "Corrija primero: {name}: {detail}", "en": "Fix first: {name}: {detail}"},
    "ok": {"es": "OK", "en": "OK"},
    "fail": {"es": "FALLA", "en": "FAIL"},
}


def _both(key: str) -> str:
    return f"{MESSAGES[key]['es']} / {MESSAGES[key]['en']}"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `doctor` subcommand."""
    parser = subparsers.add_parser("doctor", help=_both("help"), description=_both("help"))
    parser.add_argument("--simulated", action="store_true", help=_both("simulated"))
    parser.add_argument("--json", action="store_true", help=_both("json"))
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=_both("data_dir"))
    parser.set_defaults(func=run)


def _data_dir(args: argparse.Namespace) -> str:
    return getattr(args, "data_dir", None) or os.environ.get("APOYO_KIOSK_DATA") or DEFAULT_DATA_DIR


def _table(checks: list[doctor.Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = []
    for check in checks:
        state = MESSAGES["ok" if check.ok else "fail"]["es"]
        lines.append(f"{check.name:<{width}}  {state:<5}  {check.detail}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the checks; 0 when all pass, 1 otherwise (the first failure on stderr)."""
    if not logging.getLogger().handlers:  # keep stderr to one line when nobody set up logging
        logging.getLogger().addHandler(logging.NullHandler())
    data_dir = _data_dir(args)
    args.data_dir = data_dir
    try:
        cfg = load_config(data_dir, simulated=bool(getattr(args, "simulated", False)))
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    checks = doctor.run_checks(cfg, doctor.default_extra_checks(args))
    if getattr(args, "json", False):
        print(json.dumps({"checks": [{"name": c.name, "ok": c.ok, "detail": c.detail}
                                     for c in checks]}, ensure_ascii=False))
    else:
        print(_table(checks))
    failure = doctor.first_failure(checks)
    if failure is None:
        return 0
    print(MESSAGES["first_fix"]["es"].format(name=failure.name, detail=failure.detail),
          file=sys.stderr)
    return 1
