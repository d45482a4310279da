"""The processing step finds a second apoyo of the same person to the same process — given on
another kiosk (each kiosk already refuses a clave twice itself) — whether the first one was opened
in this run or in an earlier one, and keeps no clave in the clear to do it."""

from __future__ import annotations

import sqlalchemy as sa

from sync.daemon import SyncDaemon
from central.receiver import store as st
from central.receiver.admin import process_envelopes
from tests.foundation.records import apoyo, manual
from tests.sync.helpers import new_device

CLAVE = "GOMZQX85010109H123"


def _send_and_process(station, receiver) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    summary = SyncDaemon(station).run_once()
    assert summary.link_ok and not summary.errors and station.vault.pending() == []
    process_envelopes(receiver)
    with receiver.engine.connect() as c:
        rows = c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status, st.envelopes.c.detail))
        return {r.folio: (r.status, r.detail) for r in rows}


def test_second_apoyo_of_a_person_is_a_duplicate_across_runs(provisioned, tmp_path) -> None:
    station, server, receiver = provisioned
    first_manual = station.save_manual(manual(CLAVE, n=1), "A0001")
    first_apoyo = station.save_apoyo(apoyo(), "A0001").folio  # CIC 123456789
    statuses = _send_and_process(station, receiver)
    assert statuses[first_manual][0] == statuses[first_apoyo][0] == "en_mesa_de_control"

    other_kiosk = new_device(tmp_path, server, receiver, "otro-kiosko")
    try:
        again_manual = other_kiosk.save_manual(manual(CLAVE, "OTRO", n=2), "A0002")
        again_apoyo = other_kiosk.save_apoyo(apoyo("OTRO"), "A0002").folio
        other = other_kiosk.save_manual(manual("PEREJU90020209M456", n=3), "A0002")
        statuses = _send_and_process(other_kiosk, receiver)  # a later run: the first ones are not in memory
    finally:
        other_kiosk.close()
    assert statuses[again_manual] == ("duplicado", f"igual a {first_manual}")
    assert statuses[again_apoyo] == ("duplicado", f"igual a {first_apoyo}")
    assert statuses[other][0] == "en_mesa_de_control"
    assert statuses[first_manual][0] == "en_mesa_de_control", "the first apoyo stays"

    with receiver.engine.connect() as c:
        tags = c.execute(sa.select(st.apoyo_persons)).all()
    assert len(tags) == 3
    stored = repr(tags)
    assert CLAVE not in stored and "123456789" not in stored, "persons are kept as keyed tags only"


def test_same_person_on_two_kiosks_in_one_run(provisioned, tmp_path) -> None:
    station, server, receiver = provisioned
    other_kiosk = new_device(tmp_path, server, receiver, "otro-kiosko")
    try:
        a = station.save_manual(manual(CLAVE, n=1), "A0001")
        b = other_kiosk.save_manual(manual(CLAVE, n=2), "A0002")
        for kiosk in (station, other_kiosk):
            assert SyncDaemon(kiosk).run_once().link_ok
    finally:
        other_kiosk.close()
    process_envelopes(receiver)
    with receiver.engine.connect() as c:
        statuses = {r.folio: (r.status, r.detail) for r in c.execute(
            sa.select(st.envelopes.c.folio, st.envelopes.c.status, st.envelopes.c.detail))}
    assert sorted(s for s, _ in (statuses[a], statuses[b])) == ["duplicado", "en_mesa_de_control"]
    kept = a if statuses[a][0] == "en_mesa_de_control" else b
    assert statuses[b if kept == a else a][1] == f"igual a {kept}"
