"""Foundation benchmark: seal + save per record (median ms), vault bytes per record, and the
throughput of `kiosk demo --headless --records N`. Measures and prints; asserts nothing.

Run: .venv/bin/python tests/benchmarks/bench_foundation.py [--records 500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import Authority, build_station  # noqa: E402
from tests.foundation.records import apoyo  # noqa: E402


def seal_and_save(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        station = build_station(Path(tmp) / "k", Authority())
        records = [apoyo() for _ in range(n)]
        times = []
        for rec in records:
            t0 = time.perf_counter()
            station.save_apoyo(rec, "A1")
            times.append((time.perf_counter() - t0) * 1000)
        station.vault.maintenance()
        size = station.vault.size_bytes()
        station.close()
    return {"median_ms": statistics.median(times), "p95_ms": sorted(times)[int(0.95 * n) - 1], "vault_bytes_per_record": size / n}


def demo(records: int) -> dict:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--records", str(records), "--json"],
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    summary = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr.strip()}
    summary["wall_s"] = wall
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    s = seal_and_save(args.saves)
    d = demo(args.records)
    print("| medida | valor |")
    print("|---|---|")
    print(f"| seal + save por registro (mediana, {args.saves} registros de ~78 KB) | {s['median_ms']:.1f} ms (p95 {s['p95_ms']:.1f} ms) |")
    print(f"| bytes de bóveda por registro (tras VACUUM) | {s['vault_bytes_per_record'] / 1024:.1f} KB |")
    if "error" in d:
        print(f"| demo --headless --records {args.records} | error: {d['error']} |")
    else:
        print(f"| demo --headless --records {args.records}: tiempo total | {d['elapsed_s']:.1f} s ({args.records / d['elapsed_s']:.1f} apoyos/s, captura + envío) |")
        print(f"| sobre sellado (mediana) | {d['envelope_bytes_median'] / 1024:.1f} KB |")
        print(f"| acuses / borrados / recibidos | {d['acknowledged']} / {d['deleted']} / {d['received']} |")


if __name__ == "__main__":
    main()
