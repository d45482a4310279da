"""Acceptance means openable (issue #15, attack 6), and the kiosk acts only on an acuse that names
its envelope (attack 7).

An envelope sealed to a key the receiver does not hold used to be `aceptado`, so the kiosk deleted
its only copy. Now it is refused with `llave_sellado_desconocida` and the kiosk keeps it queued (the
rest of the queue goes on); one sealed to a retained (rotated-out) key is still accepted. A genuine
`folio_duplicado` acuse replayed for other bytes is an incident, never a quarantine."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from nacl.public import PrivateKey

from central.receiver import store as st
from central.receiver.keys import rotate_sealing_key
from kiosk import sealing
from sync.daemon import SyncDaemon, SyncSummary
from sync.protocol import acuse_body

from tests.sync.helpers import small_apoyo


def _stored(receiver) -> set[str]:
    with receiver.engine.connect() as c:
        return set(c.execute(sa.select(st.envelopes.c.folio)).scalars())


def test_an_envelope_sealed_to_an_unknown_key_is_refused_and_the_kiosk_keeps_it(served, kiosk) -> None:
    real = kiosk.identity
    kiosk.identity = dataclasses.replace(real, sealing_key=bytes(PrivateKey.generate().public_key))
    lost = kiosk.save_apoyo(small_apoyo(1), "A0001").folio
    kiosk.identity = real
    good = kiosk.save_apoyo(small_apoyo(2), "A0001").folio

    summary = SyncDaemon(kiosk).run_once()
    assert summary.acknowledged == 1 and summary.quarantined == 0
    kept = kiosk.vault.get(lost)
    assert kept.state in ("sealed", "uploading") and kept.envelope is not None, "the only copy stays queued"
    assert kept.reason.startswith("llave_sellado_desconocida"), kept.reason
    assert kiosk.vault.get(good).state == "deleted"
    assert _stored(served.receiver) == {good}
    with served.receiver.engine.connect() as c:
        kinds = set(c.execute(sa.select(st.incidents.c.kind)).scalars())
    assert "llave_sellado_desconocida" in kinds

    # Sent alone (not in a lote) it is refused the same way.
    summary = SyncDaemon(kiosk, lotes=False).run_once()
    assert kiosk.vault.get(lost).state in ("sealed", "uploading") and _stored(served.receiver) == {good}


def test_an_envelope_sealed_to_a_retained_key_is_still_accepted(served, kiosk) -> None:
    rotate_sealing_key(served.root)  # the kiosk still seals to the previous key, which is kept
    folio = kiosk.save_apoyo(small_apoyo(3), "A0001").folio
    assert SyncDaemon(kiosk).run_once().acknowledged == 1
    assert kiosk.vault.get(folio).state == "deleted" and _stored(served.receiver) == {folio}


def test_a_folio_duplicado_acuse_for_other_bytes_is_an_incident_not_a_quarantine(served, kiosk) -> None:
    env = kiosk.vault.get(kiosk.save_apoyo(small_apoyo(4), "A0001").folio)
    # A genuine acuse (signed by the receiver's authority key) for other bytes under this folio,
    # as a fake receiver would replay it.
    replayed = served.receiver._acuse(env.folio, "ab" * 32, kiosk.device_id, 0.0, "rechazado", "folio_duplicado")
    daemon = SyncDaemon(kiosk)
    outcome = SyncSummary()
    daemon._apply(env.folio, replayed, outcome)  # what the daemon does with an acuse it was handed
    row = kiosk.vault.get(env.folio)
    assert row.state == "sealed" and outcome.quarantined == 0, "our record is not quarantined"
    assert row.reason.startswith("incidente:"), row.reason
    assert any(e["event"] == "acuse_ajeno" and e["detail"]["folio"] == env.folio for e in kiosk.vault.audit_tail(10))

    # The real receiver then accepts it, and its own acuse (naming our bytes) deletes it.
    assert daemon.run_once().acknowledged == 1 and kiosk.vault.get(env.folio).state == "deleted"


def test_an_acuse_naming_our_bytes_still_acts(served, kiosk) -> None:
    """The genuine refusal of our own bytes (folio_duplicado naming our integrity) quarantines."""
    env = kiosk.vault.get(kiosk.save_apoyo(small_apoyo(5), "A0001").folio)
    doc = served.receiver._acuse(env.folio, env.integrity, kiosk.device_id, 0.0, "rechazado", "folio_duplicado")
    assert acuse_body(doc)["integrity"] == env.integrity
    assert kiosk.apply_acuse(doc) == "quarantined"
    forged = dict(doc, sig=doc["sig"][:-4] + "AAA=")
    try:
        kiosk.apply_acuse(forged)
    except sealing.InvalidSignature:
        pass
    else:
        raise AssertionError("a forged acuse was applied")


def test_a_foreign_acuse_on_a_usb_stick_is_not_applied(tmp_path, served, kiosk) -> None:
    import json

    from kiosk.transfer import import_acuses

    env = kiosk.vault.get(kiosk.save_apoyo(small_apoyo(6), "A0001").folio)
    stick = tmp_path / "usb" / "acuses"
    stick.mkdir(parents=True)
    doc = served.receiver._acuse(env.folio, "cd" * 32, kiosk.device_id, 0.0, "rechazado", "folio_duplicado")
    (stick / f"{env.folio}.acuse.json").write_text(json.dumps(doc))
    result = import_acuses(kiosk, tmp_path / "usb")
    assert result == {"applied": 0, "quarantined": 0, "invalid": [f"{env.folio}.acuse.json"]}
    assert kiosk.vault.get(env.folio).state == "sealed"
