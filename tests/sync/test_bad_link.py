"""Thousands of envelopes through a fault-injecting proxy (cuts at random bytes, resets, stalls,
duplicated requests, truncated bodies): each acknowledged exactly once, no duplicate at the
receiver, the vault empty at the end. Plus the real `kiosk demo --headless` through the proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from sync.daemon import SyncDaemon, client_for
from sync.linksim import Faults, LinkSimulator
from central.receiver import store as st
from central.receiver.server import free_port
from sync.protocol import acuse_body

from tests.sync.helpers import small_apoyo

BAD_LINK = Faults(cut=0.15, reset=0.08, stall=0.08, duplicate=0.1, truncate=0.1, stall_s=0.3, max_fault_byte=40_000, seed=8)


def _sync_through(station, link: LinkSimulator, *, lotes: bool = True, max_rounds: int = 2000) -> int:
    daemon = SyncDaemon(station, client_for(station, link.url, timeout=5, chunk_size=64 * 1024), lotes=lotes)
    rounds = 0
    while station.vault.pending() and rounds < max_rounds:
        daemon.run_once()
        rounds += 1
    return rounds


def _assert_exactly_once(station, receiver, folios: list[str]) -> None:
    counts = station.vault.counts()
    assert counts["deleted"] == len(folios) and not station.vault.pending(), counts
    assert counts["quarantined"] == 0
    kiosk_acuses = {a["folio"]: a for a in station.vault.acuses(limit=len(folios) + 10)}
    assert set(kiosk_acuses) == set(folios), "every folio has exactly one acuse on the kiosk"
    with receiver.engine.connect() as c:
        rows = c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.integrity, st.envelopes.c.acuse)).all()
    assert len(rows) == len(folios) == len({r.folio for r in rows}), "no duplicate at the receiver"
    for row in rows:
        body = acuse_body(json.loads(row.acuse))
        assert kiosk_acuses[row.folio]["integrity"] == row.integrity == body["integrity"]
        assert body["verdict"] == "aceptado"


def _run_bulk(tmp_path, receiver_env, n: int, faults: Faults, lotes: bool = True) -> LinkSimulator:
    from tests.sync.helpers import new_device

    server, receiver, _token = receiver_env
    station = new_device(tmp_path, server, receiver)
    try:
        folios = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(n)]
        with LinkSimulator(server.port, faults) as link:
            _sync_through(station, link, lotes=lotes)
        _assert_exactly_once(station, receiver, folios)
    finally:
        station.close()
    return link


def test_two_thousand_envelopes_survive_a_bad_link_exactly_once(tmp_path, receiver_env) -> None:
    link = _run_bulk(tmp_path, receiver_env, 2000, BAD_LINK)
    hit = link.stats.faults
    assert all(hit[k] > 0 for k in ("cut", "reset", "stall", "duplicate", "truncate")), hit
    assert link.stats.connections > 20


def test_envelopes_sent_one_by_one_survive_the_same_link(tmp_path, receiver_env) -> None:
    link = _run_bulk(tmp_path, receiver_env, 100, Faults(**dict(BAD_LINK.__dict__, max_fault_byte=6_000, seed=3)), lotes=False)
    assert sum(link.stats.faults.values()) > 20, link.stats.faults


def test_the_real_demo_through_the_proxy(tmp_path) -> None:
    records = 10
    receiver_port = free_port()
    faults = Faults(**dict(BAD_LINK.__dict__, max_fault_byte=150_000, seed=5))
    with LinkSimulator(receiver_port, faults) as link:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--records", str(records), "--json",
             "--receiver-port", str(receiver_port), "--receiver-url", link.url, "--data-dir", str(tmp_path / "kiosko")],
            capture_output=True, text=True, timeout=300, env=env,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["captured"] == summary["acknowledged"] == summary["deleted"] == records
    assert summary["received"] == records and summary["pending"] == 0 and summary["quarantined"] == 0
    assert link.stats.bytes_up > records * summary["envelope_bytes_median"] * 0.9
    assert sum(link.stats.faults.values()) > 0


@pytest.mark.slow
def test_soak_twenty_thousand_envelopes_on_a_throttled_bad_link(tmp_path, receiver_env) -> None:
    faults = Faults(**dict(BAD_LINK.__dict__, rate=2_000_000, cut_every=5.0, seed=11))
    link = _run_bulk(tmp_path, receiver_env, 20_000, faults)
    assert link.stats.faults["periodic"] > 0 and link.stats.connections > 100


def test_on_a_high_latency_link_a_lote_pays_the_round_trips_once(tmp_path, receiver_env) -> None:
    from tests.sync.helpers import new_device

    server, receiver, _token = receiver_env
    took = {}
    for lotes in (False, True):
        station = new_device(tmp_path, server, receiver, f"k{lotes}")
        try:
            for i in range(6):
                station.save_apoyo(small_apoyo(i), "A0001" if lotes else "A0002")
            with LinkSimulator(server.port, Faults(latency=0.1)) as link:
                started = time.monotonic()
                summary = SyncDaemon(station, client_for(station, link.url), lotes=lotes).run_once()
                took[lotes] = time.monotonic() - started
            assert summary.acknowledged == 6 and summary.lotes == (1 if lotes else 0)
        finally:
            station.close()
    assert took[False] >= 6 * 2 * 0.2, "one upload per envelope: at least two round trips each"
    assert took[True] < took[False] / 2
