"""The real `kiosk demo --headless` through a loopback proxy that cuts every connection after
~40 KB on average and stalls now and then: every record gets its acuse, each received exactly
once, and the drain prints progress on stderr. Demo envelopes are ~94 KB, so no upload gets
through in one piece: it lives only because a cut after bytes moved resumes the same upload.

The normal suite runs 8 records; the full 100 of issue 19 is marked slow and reports goodput as
a share of the link's capacity (the README quotes it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from central.receiver.server import free_port
from kiosk.station import open_station
from sync.linksim import Faults, LinkSimulator

RATE = 400_000  # bytes per second per direction: the link's capacity
CUTTING = Faults(cut=0.9, stall=0.1, stall_s=1.0, max_fault_byte=80_000, rate=RATE, seed=19)


def _demo_through_cuts(tmp_path: Path, records: int, timeout: float) -> tuple[dict, str, LinkSimulator]:
    receiver_port = free_port()
    with LinkSimulator(receiver_port, CUTTING) as link:
        proc = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--records", str(records), "--json",
             "--receiver-port", str(receiver_port), "--receiver-url", link.url, "--data-dir", str(tmp_path / "kiosko")],
            capture_output=True, text=True, timeout=timeout,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr, link


def _assert_each_acknowledged_once(tmp_path: Path, summary: dict, records: int) -> None:
    assert summary["captured"] == summary["acknowledged"] == summary["deleted"] == records
    assert summary["received"] == records, "the receiver stored each folio once"
    assert summary["pending"] == 0 and summary["quarantined"] == 0
    station = open_station(tmp_path / "kiosko")
    try:
        acuses = station.vault.acuses(limit=records * 2)
        assert len(acuses) == len({a["folio"] for a in acuses}) == records
        assert {a["verdict"] for a in acuses} == {"aceptado"}
        assert station.vault.pending_count() == 0
    finally:
        station.close()


def test_a_link_that_cuts_every_40_kb_still_delivers_every_record(tmp_path) -> None:
    summary, stderr, link = _demo_through_cuts(tmp_path, 8, timeout=600)
    _assert_each_acknowledged_once(tmp_path, summary, 8)
    assert link.stats.faults["cut"] >= 8, link.stats.faults
    assert summary["envelope_bytes_median"] > 80_000, "each upload is longer than the link's average cut"
    assert "enviando: 8/8 acuses" in stderr, stderr[-1000:]


@pytest.mark.slow
def test_one_hundred_demo_records_through_the_cutting_link(tmp_path) -> None:
    summary, _stderr, link = _demo_through_cuts(tmp_path, 100, timeout=1800)
    _assert_each_acknowledged_once(tmp_path, summary, 100)
    goodput = summary["envelope_bytes_total"] / summary["sync_s"]
    print(f"\n100 records, {summary['envelope_bytes_total']} envelope bytes in {summary['sync_s']} s: "
          f"goodput {goodput / 1000:.0f} KB/s = {100 * goodput / RATE:.0f} % of the {RATE // 1000} KB/s link; "
          f"{link.stats.faults['cut']} cuts, {link.stats.faults['stall']} stalls, {link.stats.connections} connections")
