"""`kiosk run`: opens the station and the configured devices and runs the kiosk UI
(`--simulated` uses the simulated camera, pad and scanner, as the demo does)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from kiosk.cliutil import SpanishHelpFormatter
from kiosk.devices import load_config
from kiosk.errors import NotProvisioned
from kiosk.paths import resolve_data_dir
from kiosk.station import Station, open_station
from tui.app import KioskApp
from tui.hardware import Hardware

log = logging.getLogger(__name__)


def build_app(station: Station | None, simulated: bool = False, lang: str | None = None,
              data_root: Path | None = None) -> KioskApp:
    root = station.data.root if station is not None else data_root
    cfg = load_config(root, simulated=simulated)
    lang = lang or ("en" if os.environ.get("APOYO_KIOSK_LANG", "es").startswith("en") else "es")
    # the devices open once the first screen is drawn (KioskApp.on_mount): their drivers import
    # OpenCV and numpy, which Inicio does not need
    return KioskApp(station, Hardware(cfg, deferred=True), lang=lang, data_root=root)


def run(args: argparse.Namespace) -> int:
    root = resolve_data_dir(getattr(args, "data_dir", None))
    try:
        station: Station | None = open_station(root)
    except NotProvisioned:
        log.info("device not provisioned: the UI opens on the Alta screen")
        station = None
    app = build_app(station, simulated=args.simulated, data_root=root)
    try:
        app.run()
    finally:
        if app.station is not None:
            app.station.close()
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="abre la interfaz del kiosko / open the kiosk UI",
                       formatter_class=SpanishHelpFormatter)
    p.add_argument("--simulated", action="store_true",
                   help="usa cámara, pad de firma y escáner simulados / use simulated devices")
    p.set_defaults(func=run)
