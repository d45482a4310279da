"""Folio squatting (issue #15, attack 1): an enrolled device signs envelopes under another
device's folios — taken ones and the next in sequence. The receiver stores an envelope only when
its folio names the signing device and the header's auxiliar and record number; everything else is
refused with `folio_ajeno`, logged as an incident, and the real kiosk's records are accepted."""

from __future__ import annotations

import sqlalchemy as sa

from central.receiver import store as st
from kiosk import sealing
from kiosk.domain import Folio
from sync.daemon import SyncDaemon, client_for
from sync.client import Refused

from tests.security import forge
from tests.sync.helpers import small_apoyo


def _stored(receiver) -> dict[str, str]:
    with receiver.engine.connect() as c:
        return {r.folio: r.device_id for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.device_id))}


def _incidents(receiver, kind: str) -> list:
    with receiver.engine.connect() as c:
        return c.execute(sa.select(st.incidents).where(st.incidents.c.kind == kind)).all()


def test_a_device_cannot_claim_another_devices_folios_taken_or_next(served, kiosk, squatter) -> None:
    taken = kiosk.save_apoyo(small_apoyo(1), "A0001").folio  # saved, not yet synced
    victim = Folio.parse(taken)
    upcoming = str(Folio(victim.process_id, "A0001", kiosk.device_id, victim.record_id + 1))
    client = client_for(squatter)
    for folio, record_id in ((taken, victim.record_id), (upcoming, victim.record_id + 1)):
        data = forge.envelope(squatter, folio, record_id=record_id)
        try:
            client.upload(data, folio, sealing.integrity_code(data))
        except Refused as exc:
            assert (exc.status, exc.code) == (403, "folio_ajeno"), exc
        else:
            raise AssertionError(f"{folio} was taken by {squatter.device_id}")
    assert _stored(served.receiver) == {}
    assert {i.folio for i in _incidents(served.receiver, "folio_ajeno")} == {taken, upcoming}

    # The real kiosk syncs: its records are accepted, nothing quarantined.
    nxt = kiosk.save_apoyo(small_apoyo(2), "A0001").folio
    assert nxt == upcoming
    summary = SyncDaemon(kiosk).run_once()
    assert summary.acknowledged == 2 and summary.quarantined == 0, summary
    assert _stored(served.receiver) == {taken: kiosk.device_id, upcoming: kiosk.device_id}


def test_the_folio_must_match_the_signed_header_auxiliar_and_record_number(served, squatter) -> None:
    """The folio names the squatter's own device, but not the auxiliar or record number its signed
    header says: refused at completion (the check the creation cannot make)."""
    process = squatter.config().process.process_id
    cases = {
        "auxiliar": (str(Folio(process, "A0002", squatter.device_id, 7)), {"auxiliar_id": "A0001", "record_id": 7}),
        "registro": (str(Folio(process, "A0001", squatter.device_id, 8)), {"auxiliar_id": "A0001", "record_id": 9}),
        "proceso": (str(Folio("OTRO2026", "A0001", squatter.device_id, 10)), {"auxiliar_id": "A0001", "record_id": 10}),
    }
    client = client_for(squatter)
    for name, (folio, header) in cases.items():
        data = forge.envelope(squatter, folio, **header)
        try:
            client.upload(data, folio, sealing.integrity_code(data))
        except Refused as exc:
            assert (exc.status, exc.code) == (403, "folio_ajeno"), (name, exc)
        else:
            raise AssertionError(f"{name}: a folio that does not match its header was stored")
    assert _stored(served.receiver) == {}
    assert len(_incidents(served.receiver, "folio_ajeno")) == 3


def test_a_squatted_folio_inside_a_lote_is_refused_alone(served, kiosk, squatter) -> None:
    taken = kiosk.save_apoyo(small_apoyo(3), "A0001").folio
    own = squatter.save_apoyo(small_apoyo(4), "A0001").folio
    bad = forge.envelope(squatter, taken, record_id=Folio.parse(taken).record_id)
    result = client_for(squatter).upload_lote([squatter.vault.get(own).envelope, bad])
    ok, refused = result.items
    assert sealing.verify_document(ok["acuse"], squatter.authority_key, "acuse")["verdict"] == "aceptado"
    assert refused["code"] == "folio_ajeno" and "acuse" not in refused
    assert _stored(served.receiver) == {own: squatter.device_id}


def test_the_usb_import_applies_the_same_binding(served, kiosk, squatter) -> None:
    taken = kiosk.save_apoyo(small_apoyo(5), "A0001").folio
    data = forge.envelope(squatter, taken, record_id=Folio.parse(taken).record_id)
    try:
        served.receiver.receive_envelope(data)
    except Exception as exc:  # ReceiverError
        assert getattr(exc, "code", "") == "folio_ajeno"
    else:
        raise AssertionError("an imported envelope took another device's folio")
    assert _stored(served.receiver) == {}
