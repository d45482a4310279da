"""Soak of the real sync daemon (`kiosk sync`, as systemd starts it): N records pending, the link
down for a while, then a slow link. Measures the largest gap between WATCHDOG=1 notifications on
a real NOTIFY_SOCKET datagram socket, the daemon's RSS (sampled, and the kernel's peak VmHWM),
and whether every record got its acuse. The unit has WatchdogSec=120.

    .venv/bin/python tests/benchmarks/bench_soak.py            # 2,000 records, 16 KB/s (minutes)

`tests/sync/test_soak.py` runs a shorter version in the normal suite.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central.receiver.server import free_port  # noqa: E402
from kiosk.domain import ApoyoRecord  # noqa: E402
from sync.demo import setup_receiver  # noqa: E402
from sync.linksim import Faults, LinkSimulator  # noqa: E402
from sync.provision import provision  # noqa: E402

BIN = Path(sys.executable).parent


def record(n: int, size: int) -> ApoyoRecord:
    """A fictitious (MUESTRA) apoyo whose images are `size` random bytes each."""
    return ApoyoRecord(
        credential_model="H", front_image=os.urandom(size), back_image=os.urandom(size),
        fields={"nombres": {"value": f"MUESTRA{n}", "source": "mrz", "verified": True}},
        original_presented=True, live_photo=os.urandom(size // 2),
        signature_trajectory={"width": 10, "height": 5, "points": [[0, 1, 2, 3, 1]]}, signature_png=os.urandom(64),
    )


@dataclass
class SoakResult:
    records: int
    envelope_bytes: int
    acknowledged: int = 0
    received: int = 0
    pending: int = 0
    max_watchdog_gap_s: float = 0.0
    watchdogs: int = 0
    rss_max_mb: float = 0.0
    rss_peak_mb: float = 0.0  # VmHWM: the kernel's peak, nothing between samples escapes it
    drain_s: float = 0.0
    exit_code: int | None = None
    status_lines: list[str] = field(default_factory=list)


class NotifySocket:
    """What systemd listens on: a unix datagram socket; records when each message arrived."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.5)
        self.messages: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            now = time.monotonic()
            for line in data.decode(errors="replace").splitlines():
                self.messages.append((now, line))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def watchdog_gaps(self, until: float) -> tuple[float, int]:
        """(largest gap between READY=1/WATCHDOG=1 and the next one or `until`, count)."""
        beats = [t for t, line in self.messages if line in ("READY=1", "WATCHDOG=1")]
        if not beats:
            return float("inf"), 0
        gaps = [b - a for a, b in zip(beats, beats[1:])] + [until - beats[-1]]
        return max(gaps), len(beats) - 1


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def soak(root: Path, records: int, size: int, down_s: float, rate: int, timeout: float) -> SoakResult:
    server, receiver, token = setup_receiver(root / "receptor")
    port = free_port()
    data = root / "kiosko"
    try:
        with LinkSimulator(server.port, port=port):
            station = provision(data, f"http://127.0.0.1:{port}", token, municipio="MUESTRA")
        for i in range(records):
            station.save_apoyo(record(i, size), "A0001")
        envelope_bytes = sum(e.size for e in station.vault.pending_page(None, records))
        station.close()
        result = SoakResult(records, envelope_bytes)
        notify = NotifySocket(root / "notify.sock")
        env = dict(os.environ, NOTIFY_SOCKET=str(root / "notify.sock"), PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([str(BIN / "kiosk"), "--data-dir", str(data), "sync"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        link = None
        try:
            started = time.monotonic()
            while time.monotonic() - started < down_s:  # the link is down: nothing listens on `port`
                rss, _ = rss_mb(proc.pid)
                result.rss_max_mb = max(result.rss_max_mb, rss)
                time.sleep(0.2)
            link = LinkSimulator(server.port, Faults(rate=rate), port=port).start()
            up = time.monotonic()
            while time.monotonic() - up < timeout and proc.poll() is None:
                rss, _ = rss_mb(proc.pid)
                result.rss_max_mb = max(result.rss_max_mb, rss)
                if receiver.counts()["received"] >= records:
                    break
                time.sleep(0.2)
            result.drain_s = round(time.monotonic() - up, 1)
            time.sleep(2.0)  # the acuses of the last upload reach the vault
            _, result.rss_peak_mb = rss_mb(proc.pid)
            result.max_watchdog_gap_s, result.watchdogs = notify.watchdog_gaps(time.monotonic())
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            result.exit_code = proc.returncode
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if link is not None:
                link.stop()
            notify.close()
        result.status_lines = [line for _, line in notify.messages if line.startswith("STATUS=")][-3:]
        result.received = receiver.counts()["received"]
        from kiosk.station import open_station

        again = open_station(data)
        try:
            result.acknowledged = again.vault.counts()["deleted"]
            result.pending = again.vault.pending_count()
        finally:
            again.close()
        result.rss_max_mb, result.rss_peak_mb = round(result.rss_max_mb, 1), round(result.rss_peak_mb, 1)
        result.max_watchdog_gap_s = round(result.max_watchdog_gap_s, 2)
        return result
    finally:
        server.stop()


def main() -> None:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    result = soak(root, records=2000, size=700, down_s=30, rate=16_000, timeout=1800)
    print(json.dumps(result.__dict__, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
