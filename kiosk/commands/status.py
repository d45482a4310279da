"""`kiosk status`: queue counts by state, last sync (and the last pass's failure) and
trusted-time confidence; times in hora del Centro, as the kiosk's screens show them."""

from __future__ import annotations

import argparse
import json

from kiosk.clock import clock
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
    last = f"{clock(status['last_sync'])} (hora del Centro)" if status["last_sync"] else "nunca"
    print(f"Última sincronización completa: {last}")
    if status["last_sync_error"]:
        stamp, _, error = status["last_sync_error"].partition(" ")
        print(f"Último intento fallido: {clock(stamp)} (hora del Centro): {error}")
    print(f"Hora: {clock(status['time'])} (hora del Centro)  confianza {text('clock_' + status['time_confidence'])}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="estado de la cola / queue status", formatter_class=SpanishHelpFormatter)
    p.add_argument("--json", action="store_true", help="salida JSON / JSON output")
    p.set_defaults(func=run)
