"""Power loss: kill -9 a process that is saving records at random instants; every folio it
reported saved must be in the vault, and the vault must still open."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

import pytest

from kiosk.station import open_station

from tests.foundation.records import apoyo

_CTX = mp.get_context("fork")


def _saver(root: str, conn) -> None:
    """Child: save records forever, reporting each folio only after save_apoyo returned."""
    station = open_station(root)
    conn.send("ready")
    while True:
        saved = station.save_apoyo(apoyo(), "A1")
        conn.send(saved.folio)


def _kill_cycles(root: Path, kills: int, seed: int) -> tuple[set[str], int]:
    rng = random.Random(seed)
    reported: set[str] = set()
    for _ in range(kills):
        parent, child = _CTX.Pipe(duplex=False)
        proc = _CTX.Process(target=_saver, args=(str(root), child))
        proc.start()
        child.close()
        assert parent.poll(20), "the saving process did not start"
        parent.recv()
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        while parent.poll():
            try:
                reported.add(parent.recv())
            except EOFError:
                break
        parent.close()
    station = open_station(root)
    try:
        stored = {e.folio for e in station.vault.pending(limit=1_000_000)}
        intact, _ = station.vault.verify_audit()
        assert intact, "the audit chain broke across kills"
    finally:
        station.close()
    missing = reported - stored
    assert not missing, f"{len(missing)} folios reported saved are not in the vault: {sorted(missing)[:5]}"
    return reported, len(stored)


def test_kill_minus_nine_during_saves_loses_no_reported_folio(station) -> None:
    root = station.data.root
    station.close()
    reported, stored = _kill_cycles(root, kills=200, seed=7)
    assert len(reported) > 50, "the test must actually interrupt saving processes"
    assert stored >= len(reported)


@pytest.mark.slow
def test_soak_thousand_kills(station) -> None:
    root = station.data.root
    station.close()
    _kill_cycles(root, kills=1000, seed=11)
