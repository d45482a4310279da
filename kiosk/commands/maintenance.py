"""`kiosk maintenance`: checkpoint and vacuum the vault after deletes, then check the audit chain
(what the systemd timer runs). Exit non-zero if the chain is broken."""

from __future__ import annotations

import argparse
import json
import logging

from kiosk.cliutil import SpanishHelpFormatter, fail
from kiosk.station import open_station

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    station = open_station(args.data_dir)
    try:
        result = station.vault.maintenance()
        station.vault.audit("maintenance", {"audit_intact": result["audit_intact"], "bytes": result["bytes"]})
    finally:
        station.close()
    log.info("vault maintenance: %s", result)
    if args.json:
        print(json.dumps(result))
    if not result["audit_intact"]:
        return fail(f"La bitácora de la bóveda está alterada después de {result['audit_entries']} entradas; avise al personal técnico.")
    if not args.json:
        print(f"Bóveda compactada: {result['bytes'] // 1024} KB; bitácora íntegra ({result['audit_entries']} entradas).")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maintenance", help="compactar la bóveda y revisar la bitácora / vault maintenance", formatter_class=SpanishHelpFormatter)
    p.add_argument("--json", action="store_true", help="salida JSON / JSON output")
    p.set_defaults(func=run)
