"""`kiosk run`: opens the station and the configured devices and runs the kiosk UI
(`--simulated` uses the simulated camera, pad and scanner, as the demo does)."""

from __future__ import annotations

import argparse
import logging
import os

from kiosk.cliutil import SpanishHelpFormatter
from kiosk.devices import load_config
from kiosk.station import Station, open_station
from tui.app import KioskApp
from tui.hardware import Hardware

log = logging.getLogger(__name__)


def build_app(station: Station, simulated: bool = False, lang: str | None = None) -> KioskApp:
    cfg = load_config(station.data.root, simulated=simulated)
    lang = lang or ("en" if os.environ.get("APOYO_KIOSK_LANG", "es").startswith("en") else "es")
    return KioskApp(station, Hardware(cfg), lang=lang)


def run(args: argparse.Namespace) -> int:
    station = open_station(getattr(args, "data_dir", None))
    try:
        app = build_app(station, simulated=args.simulated)
        app.run()
    finally:
        station.close()
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="abre la interfaz del kiosko / open the kiosk UI",
                       formatter_class=SpanishHelpFormatter)
    p.add_argument("--simulated", action="store_true",
                   help="usa cámara, pad de firma y escáner simulados / use simulated devices")
    p.set_defaults(func=run)
