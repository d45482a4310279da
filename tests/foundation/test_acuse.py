"""Acuses against a real receiver on loopback: only a verified acuse that matches deletes; the
same envelope sent twice is stored once and gets the same acuse."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from nacl.signing import SigningKey

from kiosk import sealing
from sync.client import ReceiverClient
from sync.daemon import SyncDaemon, client_for

from tests.foundation.records import apoyo


def _upload(st, folio: str) -> dict:
    env = st.vault.get(folio)
    return client_for(st).upload(env.envelope, env.folio, env.integrity).acuse


def test_forged_or_altered_acuses_delete_nothing(provisioned) -> None:
    st, _server, _receiver = provisioned
    folio = st.save_apoyo(apoyo(), "A0001").folio
    good = _upload(st, folio)
    body = json.loads(good["body"])

    forged = sealing.sign_document(body, "acuse", SigningKey.generate())
    altered = dict(good, body=good["body"].replace(body["integrity"], "0" * 64))
    wrong_purpose = sealing.sign_document(body, "config", SigningKey.generate())
    for bad in (forged, altered, wrong_purpose):
        try:
            st.apply_acuse(bad)
        except sealing.InvalidSignature:
            pass
        else:
            raise AssertionError("a bad acuse was accepted")
        assert st.vault.get(folio).state == "sealed" and st.vault.get(folio).envelope is not None

    assert st.apply_acuse(good) == "deleted"
    assert st.vault.get(folio).envelope is None


def test_same_envelope_twice_is_one_record_with_the_same_acuse(provisioned) -> None:
    st, _server, receiver = provisioned
    folio = st.save_apoyo(apoyo(), "A0001").folio
    env = st.vault.get(folio)
    first = client_for(st).upload(env.envelope, folio, env.integrity)
    second = client_for(st).upload(env.envelope, folio, env.integrity)
    assert first.acuse == second.acuse
    assert second.bytes_sent == 0, "a received envelope must not be sent again"
    assert receiver.counts()["received"] == 1
    assert json.loads(first.acuse["body"])["verdict"] == "aceptado"


def test_daemon_deletes_only_after_the_acuse_and_records_trusted_time(provisioned) -> None:
    st, _server, receiver = provisioned
    folios = [st.save_apoyo(apoyo(), "A0001").folio for _ in range(3)]
    summary = SyncDaemon(st).run_once()
    assert summary.acknowledged == 3 and summary.link_ok
    assert st.vault.counts()["deleted"] == 3
    assert {a["folio"] for a in st.vault.acuses()} == set(folios)
    assert st.now().confidence == "alta"
    assert receiver.counts()["received"] == 3


def test_receiver_down_keeps_records_queued_and_sends_them_later(provisioned) -> None:
    st, server, _receiver = provisioned
    folios = [st.save_apoyo(apoyo(), "A0001").folio for _ in range(2)]
    down = SyncDaemon(st, ReceiverClient("http://127.0.0.1:9", st.device_id, st.device_key, st.authority_key, timeout=2))
    summary = down.run_once()
    assert not summary.link_ok
    assert [e.folio for e in st.vault.pending()] == folios
    assert "enlace" in st.status()["last_sync_error"]
    up = SyncDaemon(st).run_once()
    assert up.acknowledged == 2 and not st.vault.pending()


def test_kiosk_status_says_when_and_why_the_last_pass_failed_in_hora_del_centro(provisioned) -> None:
    """`kiosk status` printed the last sync as a UTC ISO stamp and not the last failure; now both
    in the kiosk's one time format, hora del Centro, and why the pass failed."""
    st, _server, _receiver = provisioned
    st.save_apoyo(apoyo(), "A0001")
    down = SyncDaemon(st, ReceiverClient("http://127.0.0.1:9", st.device_id, st.device_key, st.authority_key, timeout=2))
    assert not down.run_once().link_ok
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "status", "--data-dir", str(st.data.root)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    failed = next(line for line in out.stdout.splitlines() if line.startswith("Último intento fallido"))
    assert re.fullmatch(r"Último intento fallido: \d\d/\d\d/\d{4} \d\d:\d\d \(hora del Centro\): "
                        r"enlace: el receptor rechazó la conexión", failed), failed
    assert "Última sincronización completa: nunca" in out.stdout
    assert re.search(r"Hora: \d\d/\d\d/\d{4} \d\d:\d\d \(hora del Centro\)", out.stdout), out.stdout
    assert "+00:00" not in out.stdout and "-06:00" not in out.stdout
