"""Sync benchmark: on a throttled loopback link with periodic cuts, goodput and bytes re-sent of
our resumable sync versus re-sending whole envelopes after each cut; then receiver throughput
(envelopes/s) on SQLite and on PostgreSQL with one and two instances. Measures; asserts nothing.

Run: .venv/bin/python tests/benchmarks/bench_sync.py [--rate 32768] [--cut-every 5] [--cap 90]
Time is scaled 1:4 by default (a cut every 5 s instead of 20 s, with the same 32 KB/s).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.domain import ApoyoRecord  # noqa: E402
from sync.client import ReceiverClient  # noqa: E402
from sync.daemon import SyncDaemon, client_for  # noqa: E402
from sync.demo import DEMO_PROCESS, setup_receiver  # noqa: E402
from sync.linksim import Faults, LinkSimulator  # noqa: E402
from sync.provision import provision  # noqa: E402
from central.receiver.server import free_port  # noqa: E402
from tests.foundation.records import apoyo  # noqa: E402
from tests.sync.helpers import small_apoyo  # noqa: E402
from tests.sync.pgserver import create_database, throwaway_postgres  # noqa: E402


class WholeResendClient(ReceiverClient):
    """The peers' behaviour (ODK Collect, MOSIP): every attempt starts a new upload and sends the
    whole envelope in one request; nothing of a cut attempt is reused."""

    def _transfer(self, data, folio, integrity, upload_url, extra, on_progress, on_created):
        self.chunk_size = len(data)
        self.max_resumes = 0  # a cut ends the attempt (our client resumes within the pass)
        return super()._transfer(data, folio, integrity, None, extra, on_progress, None)


def big_apoyo() -> ApoyoRecord:
    rec = apoyo()
    return ApoyoRecord(**dict(rec.__dict__, front_image=os.urandom(190_000), back_image=os.urandom(190_000)))


def _workload(station) -> int:
    for _ in range(8):
        station.save_apoyo(apoyo(), "A0001")  # ~80 KB: a real apoyo
    station.save_apoyo(big_apoyo(), "A0001")   # ~460 KB: high-resolution credential images
    return sum(e.size for e in station.vault.pending())


def bad_link_run(mode: str, rate: int, cut_every: float, cap: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        server, receiver, token = setup_receiver(Path(tmp) / "receptor")
        station = provision(Path(tmp) / "kiosko", server.url, token, municipio="MUESTRA")
        payload = _workload(station)
        sizes = {e.folio: e.size for e in station.vault.pending()}
        with LinkSimulator(server.port, Faults(rate=rate, cut_every=cut_every)) as link:
            if mode == "whole":
                client = WholeResendClient(link.url, station.device_id, station.device_key, station.authority_key,
                                           timeout=60, on_time=station.clock.record_server_time)
                daemon = SyncDaemon(station, client, lotes=False)
            else:
                daemon = SyncDaemon(station, client_for(station, link.url, timeout=60), lotes=True)
            started = time.monotonic()
            while station.vault.pending() and time.monotonic() - started < cap:
                daemon.run_once()
            elapsed = time.monotonic() - started
            wire = link.stats.bytes_up
            cuts = link.stats.faults["periodic"]
        delivered = sum(sizes[a["folio"]] for a in station.vault.acuses(limit=100))
        n_done = station.vault.counts()["deleted"]
        station.close()
        server.stop()
    return {
        "mode": mode, "envelopes": f"{n_done}/{len(sizes)}", "payload_kb": payload / 1024, "delivered_kb": delivered / 1024,
        "elapsed_s": elapsed, "goodput_kbs": delivered / 1024 / elapsed, "wire_kb": wire / 1024,
        "resent_kb": max(0, wire - delivered) / 1024, "cuts": cuts,
    }


def latency_run(lotes: bool, n: int, latency: float, rate: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        server, receiver, token = setup_receiver(Path(tmp) / "receptor")
        station = provision(Path(tmp) / "kiosko", server.url, token, municipio="MUESTRA")
        for i in range(n):
            station.save_apoyo(small_apoyo(i), "A0001")
        with LinkSimulator(server.port, Faults(latency=latency, rate=rate)) as link:
            daemon = SyncDaemon(station, client_for(station, link.url, timeout=60), lotes=lotes)
            started = time.monotonic()
            summary = daemon.run_once()
            elapsed = time.monotonic() - started
            wire = link.stats.bytes_up + link.stats.bytes_down
        station.close()
        server.stop()
    return {"acknowledged": summary.acknowledged, "elapsed_s": elapsed, "wire_kb": wire / 1024}


def seal_fleet(root: Path, kiosks: int, per_kiosk: int) -> list[dict]:
    """Enroll `kiosks` devices on a seed receiver and seal their envelopes once."""
    server, receiver, _token = setup_receiver(root / "receptor")
    fleet = []
    for k in range(kiosks):
        station = provision(root / f"k{k}", server.url, receiver.issue_token(DEMO_PROCESS), municipio="MUESTRA")
        aux = "A0001" if k < 2 else "A0002"
        for i in range(per_kiosk):
            station.save_apoyo(small_apoyo(k * 100_000 + i), aux)
        envs = station.vault.pending(limit=per_kiosk + 10)
        fleet.append({"device_id": station.device_id, "key": station.device_key,
                      "envelopes": [(e.envelope, e.folio, e.integrity) for e in envs]})
        station.close()
    server.stop()
    return fleet


def serve_processes(root: Path, db_url: str | None, instances: int) -> tuple[list[subprocess.Popen], list[str]]:
    """`kiosk-receiver serve` in separate processes (separate GILs), like instances behind a balancer."""
    procs, urls = [], []
    for _ in range(instances):
        port = free_port()
        cmd = [sys.executable, "-m", "central.receiver.cli", "--data-dir", str(root / "receptor")]
        cmd += ["--db", db_url] if db_url else []
        procs.append(subprocess.Popen(cmd + ["serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
    return procs, urls


def throughput_run(root: Path, fleet: list[dict], db_url: str | None, instances: int, lotes: bool) -> dict:
    seed_server, receiver, _ = setup_receiver(root / "receptor", db_url=db_url)
    seed_server.stop()
    procs, urls = serve_processes(root, db_url, instances)
    for dev in fleet:  # the same keys enrolled in the same order get the same device ids
        got = ReceiverClient(urls[0]).enroll(receiver.issue_token(DEMO_PROCESS), bytes(dev["key"].verify_key))
        assert got["device_id"] == dev["device_id"]
    errors: list[BaseException] = []

    def push(i: int, dev: dict) -> None:
        client = ReceiverClient(urls[i % instances], dev["device_id"], dev["key"], timeout=120)
        try:
            if lotes:
                envs = [e for e, _f, _i in dev["envelopes"]]
                for start in range(0, len(envs), 200):
                    client.upload_lote(envs[start : start + 200])
            else:
                for envelope, folio, integrity in dev["envelopes"]:
                    client.upload(envelope, folio, integrity)
        except BaseException as exc:  # reported in the table
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(i, dev)) for i, dev in enumerate(fleet)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    received = receiver.counts()["received"]
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)
    return {"received": received, "elapsed_s": elapsed, "per_s": received / elapsed, "errors": len(errors)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=32 * 1024, help="bytes/s of the link")
    parser.add_argument("--cut-every", type=float, default=5.0, help="seconds between cuts")
    parser.add_argument("--cap", type=float, default=90.0, help="seconds each link mode may run")
    parser.add_argument("--latency", type=float, default=0.3, help="one-way latency for the lote comparison")
    parser.add_argument("--small", type=int, default=50, help="small envelopes for the lote comparison")
    parser.add_argument("--parts", default="link,latency,throughput", help="which tables to measure")
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--per-kiosk", type=int, default=250)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    parts = set(args.parts.split(","))
    if "link" in parts:
        bad_link_table(args)
    if "latency" in parts:
        latency_table(args)
    if "throughput" in parts:
        throughput_table(args)
    return 0


def bad_link_table(args: argparse.Namespace) -> None:
    print(f"## Bad link: {args.rate // 1024} KB/s, a cut every {args.cut_every:g} s (cap {args.cap:g} s per mode)\n")
    print("| mode | envelopes acknowledged | payload KB | delivered KB | time s | goodput KB/s | bytes on the wire KB | re-sent KB | cuts |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode, label in (("resumable", "resumable tus (ours)"), ("whole", "whole envelope re-sent after each cut")):
        r = bad_link_run(mode, args.rate, args.cut_every, args.cap)
        print(f"| {label} | {r['envelopes']} | {r['payload_kb']:.0f} | {r['delivered_kb']:.0f} | {r['elapsed_s']:.1f} | "
              f"{r['goodput_kbs']:.1f} | {r['wire_kb']:.0f} | {r['resent_kb']:.0f} | {r['cuts']} |", flush=True)



def latency_table(args: argparse.Namespace) -> None:
    print(f"\n## High latency: {args.small} small envelopes (~2.4 KB), {args.latency * 1000:.0f} ms one way, "
          f"{args.rate // 1024} KB/s\n")
    print("| upload | acknowledged | time s | s per envelope | KB on the wire (both ways) |")
    print("|---|---|---|---|---|")
    for lotes in (False, True):
        r = latency_run(lotes, args.small, args.latency, args.rate)
        label = "lotes (ours)" if lotes else "one upload per envelope"
        print(f"| {label} | {r['acknowledged']} | {r['elapsed_s']:.1f} | {r['elapsed_s'] / args.small:.2f} | {r['wire_kb']:.0f} |", flush=True)



def throughput_table(args: argparse.Namespace) -> None:
    n = args.kiosks * args.per_kiosk
    print(f"\n## Receiver throughput: {args.kiosks} kiosks in parallel, {n} small envelopes (~2.4 KB), loopback, "
          f"each instance a `kiosk-receiver serve` process, {os.cpu_count()} CPU cores shared with the clients\n")
    print("| database | instances | upload | envelopes stored | time s | envelopes/s | errors |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        fleet = seal_fleet(Path(tmp) / "seed", args.kiosks, args.per_kiosk)
        with throwaway_postgres() as pg:
            configs = [("SQLite", None, 1), ("PostgreSQL", "pg", 1), ("PostgreSQL", "pg", 2)]
            for lotes in (False, True):
                for name, kind, instances in configs:
                    run_root = Path(tempfile.mkdtemp(dir=tmp))
                    (run_root / "receptor").mkdir()
                    (run_root / "receptor" / "keys").symlink_to(Path(tmp) / "seed" / "receptor" / "keys")
                    db_url = create_database(pg) if kind else None
                    r = throughput_run(run_root, fleet, db_url, instances, lotes)
                    mode = "lotes of 200" if lotes else "one upload per envelope"
                    print(f"| {name} | {instances} | {mode} | {r['received']} | {r['elapsed_s']:.1f} | {r['per_s']:.0f} | {r['errors']} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
