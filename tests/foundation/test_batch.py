"""All-or-none saving: a vault transaction nested in another is a savepoint, and a bulk import of
manual records either keeps every row or leaves the vault exactly as it was (no folio consumed,
no clave fingerprint left behind, the audit chain intact)."""

from __future__ import annotations

import pytest

from kiosk.errors import BatchRefused
from tests.foundation.records import manual


def clave(day: int) -> str:
    return f"GOMZQX8501{day:02d}09H123"  # fictitious, valid in form


class Boom(Exception):
    pass


def test_nested_transaction_is_a_savepoint(station) -> None:
    vault = station.vault
    with vault.transaction():
        vault.set_meta("exterior", "1")
        with pytest.raises(Boom):
            with vault.transaction():
                vault.set_meta("interior", "2")
                raise Boom
        with vault.transaction():
            vault.set_meta("interior_bueno", "3")
    assert (vault.get_meta("exterior"), vault.get_meta("interior"), vault.get_meta("interior_bueno")) == ("1", None, "3")

    with pytest.raises(Boom):
        with vault.transaction():
            with vault.transaction():
                vault.set_meta("se_deshace", "4")
            raise Boom
    assert vault.get_meta("se_deshace") is None, "an inner commit is undone with its outer transaction"
    with vault.transaction():  # the vault is usable again: no transaction was left open
        vault.set_meta("despues", "5")
    assert vault.get_meta("despues") == "5"


def test_bulk_manual_save_keeps_every_row_or_none(station) -> None:
    first = station.save_manual(manual(clave(1), n=1), "A1")
    before = station.vault.counts()
    rows = [manual(clave(2), n=2), manual(clave(3), n=3), manual(clave(1), n=4)]  # the last was saved already
    with pytest.raises(BatchRefused) as refused:
        station.save_manual_all(rows, "A1")
    assert refused.value.index == 2 and refused.value.code == "duplicate_clave"
    assert "ya se registró" in str(refused.value)
    assert station.vault.counts() == before
    fingerprint = station.clave_fingerprint(station.config().process.process_id, clave(2))
    assert not station.clave_seen(fingerprint), "no fingerprint of a rolled-back row stays"

    folios = station.save_manual_all(rows[:2], "A1")
    assert first.endswith("-000001") and [f[-6:] for f in folios] == ["000002", "000003"], "no folio was consumed"
    assert station.vault.counts()["sealed"] == 3
    assert station.vault.verify_audit()[0]
