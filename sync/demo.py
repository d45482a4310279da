"""`kiosk demo`: a local receiver, a provisioned demo device and the simulated camera, pad and
scanner. Headless, it captures N synthetic apoyos through the real pipeline, syncs them and
reports what happened as JSON; otherwise it opens the UI with the sync daemon running.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from kiosk import operators
from kiosk.demo_rig import DemoRig
from kiosk.domain import HORA_CENTRO
from kiosk.station import Station
from sync.client import LinkError
from sync.daemon import SyncDaemon
from sync.provision import provision

DEMO_PROCESS = "RM2026OAX"
DEMO_AUXILIARES = (
    ("A0001", "MARÍA MUESTRA", "EJEMPLO", "PRUEBA"),
    ("A0002", "JUAN FICTICIO", "DEMOSTRACIÓN", "SIMULADO"),
)
DEMO_PASSWORD = "muestra1"
DEMO_TECH_PASSWORD = "tecnico1"
ROSTER_HEADER = "id_auxiliar,nombres,apellido_paterno,apellido_materno,email\n"


def setup_receiver(root: Path, port: int = 0, db_url: str | None = None) -> tuple[object, object, str]:
    """A receiver with a demo process (open now) and roster; returns (server, receiver, token).

    The demo stands in for the OPL, so it alone reaches into `central/` (imported here, lazily:
    the kiosk's own commands never load it)."""
    from central.receiver import admin
    from central.receiver.server import ThreadedServer, open_receiver

    receiver = open_receiver(root, db_url)
    now = datetime.now(HORA_CENTRO)
    admin.create_process(
        receiver, process_id=DEMO_PROCESS, kind="revocacion_de_mandato", name="Revocación de mandato (MUESTRA)",
        entity="20", promovente="Colectivo Ciudadano MUESTRA",
        denomination="¿Estás de acuerdo en que se revoque el mandato? (proceso de demostración)",
        manifest_text="Manifiesto mi apoyo libre y voluntario a este mecanismo de participación ciudadana (MUESTRA).",
        start=now - timedelta(days=1), end=now + timedelta(days=60), self_service=True,
    )
    rows = "".join(f"{a},{n},{p},{m},{a.lower()}@muestra.invalid\n" for a, n, p, m in DEMO_AUXILIARES)
    admin.load_roster(receiver, DEMO_PROCESS, ROSTER_HEADER + rows)
    token = receiver.issue_token(DEMO_PROCESS)
    server = ThreadedServer(receiver, port=port).start()
    return server, receiver, token


def capture_records(station: Station, rig: DemoRig, n: int, auxiliar_id: str = "A0001") -> list[str]:
    folios = []
    for i in range(n):
        folios.append(rig.capture_one(station, auxiliar_id, i).folio)
    return folios


def wait_for_config(station: Station, attempts: int = 50) -> None:
    """On a bad link the configuration may not have come down at enrollment: keep asking."""
    daemon = SyncDaemon(station)
    for _ in range(attempts):
        if station.config() is not None:
            return
        try:
            daemon.refresh_config()
        except LinkError:
            time.sleep(0.2)


def sync_until_done(station: Station, rounds: int = 50) -> None:
    daemon = SyncDaemon(station)
    for _ in range(rounds):
        daemon.run_once()
        if not station.vault.pending():
            return
        time.sleep(0.2)


def run_headless(records: int, data_dir: str | None = None, *, no_sync: bool = False,
                 receiver_port: int = 0, receiver_url: str | None = None) -> dict:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="apoyo-demo-"))
    server, receiver, token = setup_receiver(tmp / "receptor", receiver_port)
    device_dir = Path(data_dir) if data_dir else tmp / "kiosko"
    try:
        station = provision(device_dir, receiver_url or server.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
        wait_for_config(station)
        with DemoRig() as rig:
            folios = capture_records(station, rig, records)
        sizes = [station.vault.get(f).size for f in folios]
        if not no_sync:
            sync_until_done(station)
        counts = station.vault.counts()
        acks = station.vault.acuses(limit=records + 10)
        summary = {
            "captured": len(folios),
            "acknowledged": sum(1 for a in acks if a["verdict"] == "aceptado"),
            "deleted": counts["deleted"],
            "quarantined": counts["quarantined"],
            "pending": counts["sealed"] + counts["uploading"],
            "received": receiver.counts()["received"],
            "vault_bytes": station.vault.size_bytes(),
            "envelope_bytes_median": int(statistics.median(sizes)) if sizes else 0,
            "elapsed_s": round(time.monotonic() - started, 2),
            "device_id": station.device_id,
            "data_dir": str(device_dir),
        }
        station.close()
        return summary
    finally:
        server.stop()
        shutil.rmtree(tmp / "receptor", ignore_errors=True)
        if not data_dir:
            shutil.rmtree(tmp, ignore_errors=True)


def run_interactive(data_dir: str | None = None, receiver_port: int = 0) -> int:
    """The full demo: receiver + daemon in threads, the UI in the foreground (`kiosk run`)."""
    tmp = Path(tempfile.mkdtemp(prefix="apoyo-demo-"))
    server, _receiver, token = setup_receiver(tmp / "receptor", receiver_port)
    device_dir = Path(data_dir) if data_dir else tmp / "kiosko"
    stop = threading.Event()
    try:
        station = provision(device_dir, server.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
        # a newcomer can log in straight away; the Inicio screen shows these demo passwords
        operators.set_password(station.vault, DEMO_AUXILIARES[0][0], DEMO_PASSWORD)
        operators.set_tech_password(station.vault, DEMO_TECH_PASSWORD)
        daemon = SyncDaemon(station)

        def loop() -> None:
            while not stop.is_set():
                daemon.run_once()
                stop.wait(3)

        threading.Thread(target=loop, daemon=True).start()
        env = dict(os.environ, APOYO_KIOSK_DATA=str(device_dir), APOYO_KIOSK_DEMO="1")
        return subprocess.call([sys.executable, "-m", "kiosk.cli", "run", "--simulated"], env=env)
    finally:
        stop.set()
        server.stop()
        if not data_dir:
            shutil.rmtree(tmp, ignore_errors=True)
