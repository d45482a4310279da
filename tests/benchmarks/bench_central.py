"""Central benchmark: processing throughput (envelopes opened and classified per second) on SQLite
and PostgreSQL, and the Mesa de Control's share of a review — the record page with its four images
rendered and decrypted, and the decision posted — over real HTTP on loopback. Measures; asserts nothing.

Run: .venv/bin/python tests/benchmarks/bench_central.py [--records 200] [--reviews 40]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.daemon import SyncDaemon  # noqa: E402
from sync.demo import DEMO_PROCESS, setup_receiver  # noqa: E402
from sync.provision import provision  # noqa: E402
from central import accounts  # noqa: E402
from central.processing import process_envelopes  # noqa: E402
from central.web.app import WebServer  # noqa: E402
from tests.foundation.records import apoyo  # noqa: E402
from tests.sync.pgserver import create_database, throwaway_postgres  # noqa: E402

# Keystrokes per record for each kind of decision (mesa.js): what the operator presses.
KEYS = {"válido (V)": 1, "inconsistencia sin detalle (b, c, d, e, g, k, l, m)": 1, "aceptar la sugerencia (Enter)": 1,
        "inconsistencia con detalle (f, h, i, j, n)": "2 + el detalle escrito"}


def fill(root: Path, n: int, db_url: str | None):
    server, receiver, token = setup_receiver(root / "receptor", db_url=db_url)
    station = provision(root / "kiosko", server.url, token, municipio="MUESTRA")
    for i in range(n):
        record = apoyo(f"P{i}")
        record.fields["cic"]["value"] = f"{100000000 + i}"
        station.save_apoyo(record, "A0001")
    while station.vault.pending():
        SyncDaemon(station).run_once()
    station.close()
    return server, receiver


def processing(n: int, db_url: str | None, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, receiver = fill(Path(tmp), n, db_url)
        try:
            started = time.perf_counter()
            counts = process_envelopes(receiver, limit=n)
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        print(f"processing {label:<10} {n} envelopes (≈64 KB each) in {elapsed:.2f} s = {n / elapsed:.1f}/s  {counts}")


def mesa_review(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server, receiver = fill(Path(tmp), n, None)
        process_envelopes(receiver)
        accounts.create_tables(receiver.engine)
        accounts.create_user(receiver.engine, "oper", "operacion-bench-1", "operador")
        try:
            with WebServer(receiver) as web:
                s = requests.Session()
                s.post(web.url + "/login", data={"usuario": "oper", "contrasena": "operacion-bench-1"})
                csrf = re.search(r'name="csrf" value="([^"]+)"', s.get(web.url + "/mesa").text).group(1)
                page = s.post(web.url + "/mesa/lote", data={"csrf": csrf, "proceso": DEMO_PROCESS})
                pages, images, decisions = [], [], []
                for _ in range(n):
                    folio = page.url.rsplit("/", 1)[-1]
                    t0 = time.perf_counter()
                    s.get(page.url).raise_for_status()
                    pages.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    for name in ("front", "back", "photo", "signature.png"):
                        s.get(f"{web.url}/mesa/registro/{folio}/img/{name}").raise_for_status()
                    images.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    page = s.post(f"{web.url}/mesa/registro/{folio}", data={"csrf": csrf, "decision": "valido"}, allow_redirects=True)
                    decisions.append(time.perf_counter() - t0)
                    if "/mesa/registro/" not in page.url:
                        break
        finally:
            server.stop()
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.0f} ms, p95 {sorted(xs)[int(len(xs) * .95) - 1] * 1000:.0f} ms"  # noqa: E731
    print(f"mesa page render ({len(pages)} records): {ms(pages)}")
    print(f"mesa four images decrypted and served: {ms(images)}")
    print(f"mesa decision posted → next record page: {ms(decisions)}")
    total = statistics.median(pages) + statistics.median(images) + statistics.median(decisions)
    print(f"server share of one review ≈ {total * 1000:.0f} ms (the rest of the ≤ 10 s is the operator's eyes)")
    for kind, keys in KEYS.items():
        print(f"keystrokes per record, {kind}: {keys}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--reviews", type=int, default=40)
    args = parser.parse_args()
    processing(args.records, None, "SQLite")
    with throwaway_postgres() as url:
        processing(args.records, create_database(url), "PostgreSQL")
    mesa_review(args.reviews)


if __name__ == "__main__":
    main()
