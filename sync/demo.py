"""`kiosk demo`: a local receiver, a provisioned demo device and the simulated camera, pad and
scanner. Headless, it captures N synthetic apoyos through the real pipeline, syncs them and
reports what happened as JSON; otherwise it opens the UI with the sync daemon running.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

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
    try:
        from central.receiver import admin
        from central.receiver.server import ThreadedServer, open_receiver
    except ImportError as exc:  # a kiosk installed without the receiver's packages
        raise RuntimeError(
            f"la demostración necesita el receptor local: pip install 'apoyo-kiosk[receiver]' (falta {exc.name})"
        ) from exc

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


class Progress:
    """How the drain goes, on stderr: a bar redrawn in place on a terminal, otherwise one line
    every few seconds (a log or a CI run)."""

    def __init__(self, total: int, label: str = "enviando", unit: str = "acuses", stream=None) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.shown = 0.0

    def update(self, done: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.shown < (0.5 if self.tty else 5.0):
            return
        self.shown = now
        elapsed = now - self.started
        if self.tty:
            width = 30
            filled = width * done // max(1, self.total)
            line = f"\r  {self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {self.unit}  {elapsed:5.0f} s"
            self.stream.write(line + ("\n" if final else ""))
        else:
            self.stream.write(f"{self.label}: {done}/{self.total} {self.unit} en {elapsed:.0f} s\n")
        self.stream.flush()


def capture_records(station: Station, rig: DemoRig, n: int, auxiliar_id: str = "A0001",
                    progress: Progress | None = None) -> list[str]:
    folios = []
    for i in range(n):
        folios.append(rig.capture_one(station, auxiliar_id, i).folio)
        if progress:
            progress.update(i + 1, final=i + 1 == n)
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


def sync_until_done(station: Station, timeout: float, progress: Progress | None = None) -> bool:
    """Run sync passes until every record has its acuse or `timeout` seconds pass. A pass that
    moved bytes is followed at once by the next; only passes where nothing got through back off.
    Returns True when the queue is empty."""
    total = station.vault.pending_count()
    report = (lambda: progress.update(total - station.vault.pending_count())) if progress else None
    daemon = SyncDaemon(station, heartbeat=report)
    deadline = time.monotonic() + timeout
    pause = 0.2
    left = total
    while left and time.monotonic() < deadline:
        summary = daemon.run_once()
        left = station.vault.pending_count()
        if left:
            pause = 0.2 if summary.moved else min(5.0, pause * 2)
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
    if progress:
        progress.update(total - left, final=True)
    return not left


def default_sync_timeout(records: int) -> float:
    """Long enough for a slow, cutting link: 10 s per record, at least 5 minutes."""
    return max(300.0, 10.0 * records)


HANGUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class HungUp(SystemExit):
    """SIGTERM or SIGHUP (`kill`, a closed terminal) ended the demo; `code` is 128 + the signal."""


class _Hangup:
    """SIGTERM and SIGHUP end the demo through its `finally`, so its scratch directory and
    receiver go with it. While that cleanup runs (`held()`), a signal only notes the exit code:
    a second `kill`, or a first one arriving just then, must not cut the cleanup short."""

    def __init__(self) -> None:
        self.code: int | None = None
        self.holding = False

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():  # signals are delivered there
            for signum in HANGUP_SIGNALS:
                signal.signal(signum, self._handle)

    def _handle(self, number: int, _frame: object) -> None:
        self.code = 128 + number
        if not self.holding:
            raise HungUp(self.code)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.code is not None:
                raise HungUp(self.code)


_HANGUP = _Hangup()


def exit_now(code: int) -> NoReturn:
    """End a demo that a signal stopped, once its cleanup is done, without the interpreter's
    finalization: the receiver's, pad simulator's and sync loop's daemon threads may still be
    inside SQLCipher or OpenSSL then, and tearing those down under them crashed the process
    (SIGSEGV, SIGABRT) instead of exiting with 128 + the signal."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed terminal
            pass
    os._exit(code)


def run_headless(records: int, data_dir: str | None = None, *, no_sync: bool = False,
                 receiver_port: int = 0, receiver_url: str | None = None,
                 sync_timeout: float | None = None, progress: bool = False) -> dict:
    started = time.monotonic()
    _HANGUP.install()
    tmp = server = None
    try:
        with _HANGUP.held():  # a signal now waits until the directory has a name to remove
            tmp = Path(tempfile.mkdtemp(prefix="apoyo-demo-"))
        device_dir = Path(data_dir) if data_dir else tmp / "kiosko"
        server, receiver, token = setup_receiver(tmp / "receptor", receiver_port)
        station = provision(device_dir, receiver_url or server.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
        wait_for_config(station)
        with DemoRig() as rig:
            folios = capture_records(station, rig, records, progress=Progress(records, "captando", "registros") if progress else None)
        sizes = [station.vault.get(f).size for f in folios]
        sync_started = time.monotonic()
        if not no_sync:
            timeout = default_sync_timeout(records) if sync_timeout is None else sync_timeout
            sync_until_done(station, timeout, Progress(len(folios)) if progress else None)
        sync_s = time.monotonic() - sync_started
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
            "envelope_bytes_total": sum(sizes),
            "sync_s": round(sync_s, 2),
            "elapsed_s": round(time.monotonic() - started, 2),
            "device_id": station.device_id,
            "data_dir": str(device_dir),
        }
        station.close()
        return summary
    finally:
        with _HANGUP.held():
            if server is not None:
                server.stop()
            # the receiver's copy goes either way; the device's data stays when it was asked
            # for elsewhere (--data-dir), and this scratch directory holds nothing else then
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def run_interactive(data_dir: str | None = None, receiver_port: int = 0) -> int:
    """The full demo: receiver + daemon in threads, the UI in the foreground (`kiosk run`)."""
    _HANGUP.install()
    stop = threading.Event()
    tmp = server = None
    try:
        with _HANGUP.held():  # a signal now waits until the directory has a name to remove
            tmp = Path(tempfile.mkdtemp(prefix="apoyo-demo-"))
        device_dir = Path(data_dir) if data_dir else tmp / "kiosko"
        server, _receiver, token = setup_receiver(tmp / "receptor", receiver_port)
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
        with _HANGUP.held():
            stop.set()
            if server is not None:
                server.stop()
            if tmp is not None and not data_dir:
                shutil.rmtree(tmp, ignore_errors=True)
