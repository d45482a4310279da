"""The security suite runs each attack against a real `kiosk-receiver serve` (a subprocess on
loopback, SQLite in its data dir) with the demo process and roster; the test holds its own
`Receiver` over the same data dir to issue tokens, sign what a receiver would and look at what was
stored. Kiosks are provisioned through the served API like any other."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from central.receiver import admin
from central.receiver.server import free_port, open_receiver
from central.receiver.service import Receiver
from kiosk.domain import HORA_CENTRO
from kiosk.station import Station
from sync.demo import DEMO_AUXILIARES, DEMO_PROCESS, ROSTER_HEADER
from sync.provision import provision

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    """A `kiosk-receiver serve` process and a handle on its data."""

    url: str
    port: int
    process: subprocess.Popen
    receiver: Receiver
    root: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kiosk(self, where: Path, name: str) -> Station:
        return provision(where / name, self.url, self.receiver.issue_token(DEMO_PROCESS), municipio="MUESTRA")


def prepare_receiver(root: Path) -> Receiver:
    """The demo process (open now, for 60 days) and its two auxiliares, as the demo sets them up."""
    receiver = open_receiver(root)
    now = datetime.now(HORA_CENTRO)
    admin.create_process(
        receiver, process_id=DEMO_PROCESS, kind="revocacion_de_mandato", name="Revocación MUESTRA", entity="20",
        promovente="Colectivo MUESTRA", denomination="¿Pregunta MUESTRA?", manifest_text="Manifiesto MUESTRA",
        start=now - timedelta(days=1), end=now + timedelta(days=60),
    )
    rows = "".join(f"{a},{n},{p},{m},{a.lower()}@muestra.invalid\n" for a, n, p, m in DEMO_AUXILIARES)
    admin.load_roster(receiver, DEMO_PROCESS, ROSTER_HEADER + rows)
    return receiver


def start_serve(root: Path, port: int | None = None) -> subprocess.Popen:
    port = port or free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "central.receiver.cli", "--data-dir", str(root), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kiosk-receiver serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                proc.port = port  # type: ignore[attr-defined]
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kiosk-receiver serve did not answer")


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "receptor"
    receiver = prepare_receiver(root)
    proc = start_serve(root)
    yield Served(f"http://127.0.0.1:{proc.port}", proc.port, proc, receiver, root)
    stop_serve(proc)


@pytest.fixture
def kiosk(tmp_path: Path, served: Served):
    station = served.kiosk(tmp_path, "kiosko")
    yield station
    station.close()


@pytest.fixture
def squatter(tmp_path: Path, served: Served):
    station = served.kiosk(tmp_path, "intruso")
    yield station
    station.close()
