"""Exactly once: an envelope is stored once whatever path it takes; the same folio with other
bytes is refused and logged; bytes altered on the way never become a record; the kiosk deletes
only on a verified acuse that matches."""

from __future__ import annotations

import json

import sqlalchemy as sa
from nacl.public import PublicKey

from kiosk import sealing
from sync.client import Refused
from sync.daemon import SyncDaemon, client_for
from central.receiver import store as st
from sync.protocol import acuse_body

from tests.foundation.records import apoyo
from tests.sync.helpers import small_apoyo


def _incidents(receiver, kind: str) -> list:
    with receiver.engine.connect() as c:
        return c.execute(sa.select(st.incidents).where(st.incidents.c.kind == kind)).all()


def test_same_folio_with_other_bytes_is_refused_and_logged_as_an_incident(provisioned) -> None:
    station, _server, receiver = provisioned
    folio = station.save_apoyo(small_apoyo(1), "A0001").folio
    original = station.vault.get(folio)
    first = client_for(station).upload(original.envelope, folio, original.integrity)
    assert acuse_body(first.acuse)["verdict"] == "aceptado"

    header = sealing.read_header(original.envelope)
    other = sealing.seal(b"otro contenido MUESTRA", header, station.device_key, PublicKey(station.identity.sealing_key))
    second = client_for(station).upload(other.data, folio, other.integrity)
    body = acuse_body(second.acuse)
    assert (body["verdict"], body["reason"], body["integrity"]) == ("rechazado", "folio_duplicado", other.integrity)
    [incident] = _incidents(receiver, "folio_duplicado")
    assert incident.folio == folio and other.integrity in incident.detail
    with receiver.engine.connect() as c:
        stored = c.execute(sa.select(st.envelopes.c.integrity).where(st.envelopes.c.folio == folio)).scalar()
    assert stored == original.integrity and receiver.counts()["received"] == 1


def test_bytes_altered_on_the_way_are_refused_and_the_kiosk_sends_again(provisioned) -> None:
    station, _server, receiver = provisioned
    env = station.vault.get(station.save_apoyo(apoyo(), "A0001").folio)
    mangled = bytearray(env.envelope)
    mangled[40_000] ^= 0xFF
    try:
        client_for(station).upload(bytes(mangled), env.folio, env.integrity)
    except Refused as exc:
        assert exc.code == "integridad" and exc.status == 460
    else:
        raise AssertionError("altered bytes were accepted")
    assert _incidents(receiver, "integridad") and receiver.counts()["received"] == 0
    assert SyncDaemon(station).run_once().acknowledged == 1
    assert receiver.counts()["received"] == 1


def test_an_envelope_sent_alone_and_again_in_a_lote_keeps_one_record_and_one_acuse(provisioned) -> None:
    station, _server, receiver = provisioned
    folios = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(5)]
    first = station.vault.get(folios[0])
    alone = client_for(station).upload(first.envelope, first.folio, first.integrity)
    result = client_for(station).upload_lote([station.vault.get(f).envelope for f in folios])
    assert result.items[0]["acuse"] == alone.acuse
    again = client_for(station).upload_lote([station.vault.get(f).envelope for f in folios])
    assert again.bytes_sent == 0, "a lote already received is answered from the database"
    assert [i["acuse"] for i in again.items] == [i["acuse"] for i in result.items]
    assert receiver.counts()["received"] == 5


def test_the_kiosk_deletes_only_on_a_verified_matching_acuse_even_inside_a_lote(provisioned) -> None:
    station, _server, _receiver = provisioned
    folios = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(4)]
    client = client_for(station)
    real = client.upload_lote

    def tampered(envelopes, upload_url=None, on_created=None, **kwargs):
        result = real(envelopes, upload_url, on_created, **kwargs)
        doc = result.items[1]["acuse"]
        body = json.loads(doc["body"])
        body["integrity"] = "0" * 64  # a man in the middle rewrites one acuse
        result.items[1]["acuse"] = dict(doc, body=json.dumps(body))
        return result

    client.upload_lote = tampered
    summary = SyncDaemon(station, client).run_once()
    assert summary.acknowledged == 3
    row = station.vault.get(folios[1])
    assert row.state == "uploading" and row.envelope is not None and row.reason == "acuse no válido"
    assert SyncDaemon(station).run_once().acknowledged == 1
    assert station.vault.counts()["deleted"] == 4
