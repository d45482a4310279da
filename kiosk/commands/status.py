"""`kiosk status`: queue counts by state, last sync and trusted-time confidence."""

from __future__ import annotations

import argparse
import json

from kiosk.cliutil import SpanishHelpFormatter
from kiosk.messages import text
from kiosk.station import open_station


def run(args: argparse.Namespace) -> int:
    station = open_station(args.data_dir)
    try:
        status = station.status()
    finally:
        station.close()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    c = status["counts"]
    print(f"Dispositivo: {status['device_id']}   Proceso: {status['process_id'] or '—'}")
    print(f"Por enviar: {c['sealed'] + c['uploading']}   Con acuse y borrados: {c['deleted']}   En cuarentena: {c['quarantined']}")
    print(f"Última sincronización: {status['last_sync'] or 'nunca'}")
    print(f"Hora: {status['time']}  confianza {text('clock_' + status['time_confidence'])}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="estado de la cola / queue status", formatter_class=SpanishHelpFormatter)
    p.add_argument("--json", action="store_true", help="salida JSON / JSON output")
    p.set_defaults(func=run)
