"""`kiosk` subcommands that cross the wire: provision, sync, demo, export, import-acuses
and rotate-device-key (keys/device.key.old is kept until the queue is empty; the daemon then drops it)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

from kiosk.cliutil import EXIT_USAGE, SpanishHelpFormatter, fail
from kiosk.station import open_station
from kiosk.transfer import export_envelopes, import_acuses

log = logging.getLogger(__name__)


def cmd_provision(args: argparse.Namespace) -> int:
    from sync.provision import provision

    token = args.token or os.environ.get("APOYO_KIOSK_TOKEN", "")
    if not token:
        return fail("falta el token de alta: --token o APOYO_KIOSK_TOKEN / missing enrollment token", EXIT_USAGE)
    station = provision(args.data_dir, args.receiver, token, municipio=args.municipio or "",
                        lat=args.lat, lon=args.lon, force=args.force, receiver_ca=args.receiver_ca)
    print(station.device_id)
    station.close()
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.daemon import SyncDaemon
    from sync.progress import UploadProgress

    station = open_station(args.data_dir)
    daemon = SyncDaemon(station)
    if args.once:
        with UploadProgress(station.vault) as progress:
            summary = daemon.run_once(on_progress=progress)
        print(json.dumps(dict(summary.as_dict(), counts=station.vault.counts()), ensure_ascii=False))
        return 0 if summary.link_ok and not summary.errors else 1
    try:
        import sdnotify

        notifier = sdnotify.SystemdNotifier()
        notify = notifier.notify
    except ImportError:  # pragma: no cover - sdnotify is a dependency
        notify = None
    daemon.run_forever(notify=notify)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sync import demo

    try:
        return _demo(demo, args)
    except demo.HungUp as stop:  # its scratch directory and receiver are gone by now
        demo.exit_now(stop.code)


def _demo(demo: ModuleType, args: argparse.Namespace) -> int:
    if not args.headless:
        return demo.run_interactive(args.data_dir, args.receiver_port)
    summary = demo.run_headless(args.records, args.data_dir, no_sync=args.no_sync,
                                receiver_port=args.receiver_port, receiver_url=args.receiver_url,
                                sync_timeout=args.sync_timeout, progress=not args.quiet)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    if args.no_sync:
        return 0 if summary["captured"] == args.records else 1
    ok = summary["acknowledged"] == args.records and summary["deleted"] == args.records
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    station = open_station(args.data_dir)
    n = export_envelopes(station, Path(args.dir))
    print(f"{n} sobres exportados a {args.dir}")
    return 0


def cmd_import_acuses(args: argparse.Namespace) -> int:
    station = open_station(args.data_dir)
    result = import_acuses(station, Path(args.dir))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if not result["invalid"] else 1


def cmd_rotate_device_key(args: argparse.Namespace) -> int:
    from sync.client import LinkError, Refused
    from sync.rotation import MESSAGES, drop_old_key_if_idle, rotate_device_key

    station = open_station(args.data_dir)
    try:
        drop_old_key_if_idle(station)
        rotate_device_key(station)
    except LinkError:
        return fail(MESSAGES["sin_enlace"]["es"], 1)
    except Refused as exc:
        return fail(MESSAGES["rechazada"]["es"].format(reason=exc.code), 1)
    finally:
        station.close()
    print(MESSAGES["rotada"]["es"])
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    f = SpanishHelpFormatter
    p = sub.add_parser("provision", help="dar de alta este kiosko / enroll this device", formatter_class=f)
    p.add_argument("--receiver", required=True, help="URL del receptor / receiver URL")
    p.add_argument("--token", help="token de alta de un solo uso (o $APOYO_KIOSK_TOKEN) / one-time token")
    p.add_argument("--municipio", help="municipio donde opera / municipality")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--force", action="store_true", help="volver a dar de alta (exporte antes) / re-provision")
    p.add_argument("--receiver-ca", help="PEM con la CA o el certificado del receptor (HTTPS) / receiver CA or pinned certificate")
    p.set_defaults(func=cmd_provision)

    s = sub.add_parser("sync", help="enviar registros al receptor / send records", formatter_class=f)
    s.add_argument("--once", action="store_true", help="una sola vuelta / one pass")
    s.set_defaults(func=cmd_sync)

    d = sub.add_parser("demo", help="demostración con dispositivos simulados / demo", formatter_class=f)
    d.add_argument("--headless", action="store_true", help="sin interfaz / without UI")
    d.add_argument("--records", type=int, default=10, help="apoyos sintéticos a captar / records to capture")
    d.add_argument("--json", action="store_true", help="resumen JSON / JSON summary")
    d.add_argument("--no-sync", action="store_true", help="solo captar / capture only")
    d.add_argument("--receiver-port", type=int, default=0, help="puerto del receptor local / local receiver port")
    d.add_argument("--receiver-url", help="cómo llega el kiosko al receptor (p. ej. un proxy) / URL the kiosk uses")
    d.add_argument("--sync-timeout", type=float, default=None,
                   help="segundos máximos para vaciar la cola (omisión: 10 por registro, mínimo 300) / max seconds to drain")
    d.add_argument("-q", "--quiet", action="store_true", help="sin progreso en stderr / no progress on stderr")
    d.set_defaults(func=cmd_demo)

    e = sub.add_parser("export", help="exportar sobres a una memoria USB / export envelopes", formatter_class=f)
    e.add_argument("dir")
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("import-acuses", help="aplicar acuses traídos en USB / apply acuses from USB", formatter_class=f)
    i.add_argument("dir")
    i.set_defaults(func=cmd_import_acuses)

    r = sub.add_parser("rotate-device-key", help="cambiar la llave del dispositivo / rotate the device key", formatter_class=f)
    r.set_defaults(func=cmd_rotate_device_key)


if __name__ == "__main__":
    sys.exit(fail("use: kiosk COMANDO", EXIT_USAGE))
