"""Vault schema versions: a vault stored by the software before versions existed (a real
SQLCipher file, tests/fixtures/schemas/vault-v0.db) opens, is migrated step by step in audited
transactions and keeps every record; a vault from newer software is refused untouched; a step
that fails leaves the vault as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kiosk import vault as vault_mod
from kiosk.errors import VaultSchemaError
from kiosk.vault import SCHEMA_VERSION, Vault

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "vault-v0.db"
KEY = bytes.fromhex("4d55455354524120" * 4)


@pytest.fixture
def old_vault(tmp_path: Path) -> Path:
    path = tmp_path / "vault.db"
    shutil.copy(FIXTURE, path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_version_0_vault_is_migrated_and_keeps_everything(old_vault: Path) -> None:
    with Vault.open(old_vault, KEY) as v:
        assert v.schema_version == SCHEMA_VERSION >= 1
        assert v.counts()["sealed"] == 1 and v.counts()["uploading"] == 1 and v.counts()["deleted"] == 1
        page = v.pending_page(None, 10)
        assert [e.folio for e in page] == ["RM2026OAX-A0001-D0001-000002", "RM2026OAX-A0001-D0001-000003"]
        assert page[0].upload_url == "http://127.0.0.1:9/v1/uploads/abc", "a persisted upload URL survives"
        assert all(len(v.envelope_bytes(e.folio)) == 2000 for e in page)
        assert [a["folio"] for a in v.acuses()] == ["RM2026OAX-A0001-D0001-000001"]
        assert v.operators() == ["A0001"] and v.get_meta("last_sync")
        intact, entries = v.verify_audit()
        assert intact
        assert [e["event"] for e in v.audit_tail(SCHEMA_VERSION)] == ["vault_migrated"] * SCHEMA_VERSION
        indexes = {r[0] for r in v._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "envelopes_queue" in indexes
    with Vault.open(old_vault, KEY) as again:  # opening again migrates nothing more
        assert again.verify_audit() == (True, entries)


def test_a_new_vault_starts_at_the_current_version(tmp_path: Path) -> None:
    with Vault.create(tmp_path / "new.db", KEY) as v:
        assert v.schema_version == SCHEMA_VERSION


def test_a_vault_from_newer_software_is_refused_untouched(old_vault: Path) -> None:
    with Vault.open(old_vault, KEY) as v:
        v._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        v._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    before = _digest(old_vault)
    with pytest.raises(VaultSchemaError) as err:
        Vault.open(old_vault, KEY)
    assert "más nueva" in str(err.value)
    assert _digest(old_vault) == before


def test_a_failing_step_leaves_the_vault_as_it_was(old_vault: Path, monkeypatch) -> None:
    def broken(c) -> None:
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("power cut mid-migration")

    monkeypatch.setattr(vault_mod, "MIGRATIONS", vault_mod.MIGRATIONS + ((SCHEMA_VERSION + 1, "broken", broken),))
    monkeypatch.setattr(vault_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        Vault.open(old_vault, KEY)
    monkeypatch.undo()
    with Vault.open(old_vault, KEY) as v:
        assert v.schema_version == SCHEMA_VERSION, "the steps before the broken one were kept"
        assert not v._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone()
        assert v.verify_audit()[0] and v.counts()["sealed"] == 1
