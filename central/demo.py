"""`make demo-central`: the OPL's web app with a demo process, one account per role and records
received from a demo kiosk (captured through the camera and pad twins, synced and processed), so
the Mesa de Control has work. Prints the URL and the demo logins; Ctrl-C ends it."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from kiosk.domain import Inconsistencia, ManualRecord
from central import accounts
from central.processing import process_envelopes, status_counts
from central.web.app import WebServer

DEMO_USERS = (
    ("admin", "administrador", "Administración MUESTRA", "admin-muestra-1"),
    ("operador", "operador", "Operación MUESTRA", "operador-muestra-1"),
    ("supervisor", "supervisor", "Supervisión MUESTRA", "supervisor-muestra-1"),
    ("promovente", "promovente", "Promovente MUESTRA", "promovente-muestra-1"),
)


def build(root: Path, records: int, web_port: int) -> tuple[object, WebServer]:
    """A receiver with the kiosk demo's process and roster, accounts, records processed, the web app up."""
    from kiosk.demo_rig import DemoRig
    from sync.demo import DEMO_PROCESS, capture_records, setup_receiver, sync_until_done, wait_for_config
    from sync.provision import provision

    api, receiver, token = setup_receiver(root / "receptor")
    accounts.create_tables(receiver.engine)
    for username, role, name, password in DEMO_USERS:
        accounts.create_user(receiver.engine, username, password, role, name=name,
                             process_id=DEMO_PROCESS if role == "promovente" else "", by="demo")
    station = provision(root / "kiosko", api.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
    try:
        wait_for_config(station)
        with DemoRig(card_pool=max(2, records - 1)) as rig:
            capture_records(station, rig, records)  # the pool repeats a person: one duplicado
        station.save_manual(ManualRecord("C-000777-1", "ROSA MUESTRA", "EJEMPLO", "", "EJXXRS90010120M100",
                                         inconsistencia=Inconsistencia.SIN_FIRMA), "A0002")
        sync_until_done(station, timeout=300)
    finally:
        station.close()
    process_envelopes(receiver)
    web = WebServer(receiver, port=web_port).start()
    return api, web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m central.demo", description="Demo del sistema central del OPL")
    parser.add_argument("--records", type=int, default=6, help="apoyos a captar en el kiosco de demostración")
    parser.add_argument("--port", type=int, default=8790, help="puerto de la aplicación web")
    parser.add_argument("--seconds", type=float, default=0, help="terminar después de N segundos (0: hasta Ctrl-C)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="apoyo-central-"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("Preparando el proceso de demostración, el kiosco y sus registros…", flush=True)
        api, web = build(root, args.records, args.port)
        counts = status_counts(web.server.config.app.state.web.engine)
        print(f"\nSistema central del OPL: {web.url}  (receptor de kioscos: {api.url})")
        print(f"Registros: {counts['by_status']}")
        print("Cuentas de demostración (usuario / contraseña):")
        for username, role, _name, password in DEMO_USERS:
            print(f"  {username:<11} {password:<22} {accounts.ROLES[role]}")
        print("Ctrl-C para terminar.", flush=True)
        try:
            stop.wait(args.seconds or None)
        except KeyboardInterrupt:
            pass
        web.stop()
        api.stop()
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    sys.exit(main())
