"""The vault: a real SQLCipher file that a wrong key or plain sqlite3 cannot open, a folio that is
never reused, and an audit chain that notices tampering."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import VaultKeyError
from kiosk.station import open_station
from kiosk.vault import Vault

from tests.foundation.records import apoyo


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_sqlite_cannot_open_the_vault(station) -> None:
    station.save_apoyo(apoyo(), "A1")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(station.data.vault).execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_key_is_a_clear_error_and_nothing_is_overwritten(station) -> None:
    station.save_apoyo(apoyo(), "A1")
    station.vault.maintenance()
    station.close()
    before = _digest(station.data.vault)
    with pytest.raises(VaultKeyError) as err:
        Vault.open(station.data.vault, os.urandom(32))
    assert "no abre con la llave" in str(err.value)
    assert _digest(station.data.vault) == before
    station.data.vault_key.write_bytes(os.urandom(32))
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "status", "--data-dir", str(station.data.root)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "bóveda" in result.stderr
    assert _digest(station.data.vault) == before


def test_folios_are_never_reused_even_after_deletion(station) -> None:
    first = station.save_apoyo(apoyo(), "A1")
    row = station.vault.get(first.folio)
    station.vault.apply_acuse(first.folio, row.integrity, "aceptado", "2026-01-01T00:00:00-06:00", "{}")
    assert station.vault.get(first.folio).envelope is None
    second = station.save_apoyo(apoyo(), "A1")
    assert second.folio != first.folio
    assert second.folio.endswith("-000002")


def test_audit_chain_detects_a_changed_entry(station) -> None:
    for _ in range(3):
        station.save_apoyo(apoyo(), "A1")
    intact, n = station.vault.verify_audit()
    assert intact and n >= 5
    station.vault._conn.execute("UPDATE audit SET detail = ? WHERE seq = 3", (json.dumps({"folio": "X"}),))
    assert station.vault.verify_audit() == (False, 2)


def test_a_reopened_vault_keeps_everything(station) -> None:
    saved = [station.save_apoyo(apoyo(), "A1").folio for _ in range(3)]
    root = station.data.root
    station.close()
    again = open_station(root)
    try:
        assert [e.folio for e in again.vault.pending()] == saved
        assert again.config().process.process_id == "P100"
    finally:
        again.close()
