"""The receiver's rules (seed 001 §3.4, §4.9-4.10, §6.6) through the real daemon and HTTP:
each refusal reaches the kiosk with a reason it can show."""

from __future__ import annotations

import time
from datetime import timedelta

import requests
import sqlalchemy as sa
from nacl.signing import SigningKey

from kiosk import sealing
from kiosk.station import DeviceIdentity, create_station
from sync.client import ReceiverClient, Refused
from sync.daemon import SyncDaemon, client_for
from sync.demo import DEMO_PROCESS
from central.receiver import store as st

from tests.foundation.records import apoyo
from tests.sync.helpers import new_device, small_apoyo


def _quarantine_reason(station, folio: str) -> str:
    row = station.vault.get(folio)
    assert row.state == "quarantined", row.state
    return row.reason


def test_nothing_is_accepted_24h_after_the_period_closes(provisioned) -> None:
    station, _server, receiver = provisioned
    folio = station.save_apoyo(small_apoyo(1), "A0001").folio
    end = station.config().process.period_end.timestamp()
    real = receiver.clock
    receiver.clock = lambda: end + timedelta(hours=24, minutes=1).total_seconds()
    try:
        summary = SyncDaemon(station).run_once()
    finally:
        receiver.clock = real
    assert summary.quarantined == 1
    assert _quarantine_reason(station, folio).startswith("fuera_de_plazo: Se recibió después")


def test_within_the_24h_grace_it_is_accepted(provisioned) -> None:
    station, _server, receiver = provisioned
    station.save_apoyo(small_apoyo(2), "A0001")
    end = station.config().process.period_end.timestamp()
    real = receiver.clock
    receiver.clock = lambda: end + timedelta(hours=23).total_seconds()
    try:
        summary = SyncDaemon(station).run_once()
    finally:
        receiver.clock = real
    assert summary.acknowledged == 1 and summary.quarantined == 0


def test_supports_captured_after_the_auxiliar_baja_are_not_counted(provisioned) -> None:
    station, _server, receiver = provisioned
    before = station.save_apoyo(small_apoyo(3), "A0002").folio
    time.sleep(0.05)
    receiver.baja_auxiliar(DEMO_PROCESS, "A0002", "renuncia")
    time.sleep(0.05)
    after = station.save_apoyo(small_apoyo(4), "A0002").folio  # the kiosk had not heard yet
    summary = SyncDaemon(station).run_once()
    assert summary.acknowledged == 1 and summary.quarantined == 1
    assert station.vault.get(before).state == "deleted"
    assert _quarantine_reason(station, after).startswith("auxiliar_baja: Se captó después de la baja")
    assert {r["folio"]: r["verdict"] for r in receiver.list_acuses()} == {before: "aceptado", after: "rechazado"}


def test_a_third_device_for_one_auxiliar_is_refused_until_one_is_dado_de_baja(tmp_path, receiver_env) -> None:
    server, receiver, _token = receiver_env
    devices = [new_device(tmp_path, server, receiver, f"k{i}") for i in range(3)]
    try:
        verdicts = []
        for dev in devices:
            folio = dev.save_apoyo(small_apoyo(10), "A0001").folio
            SyncDaemon(dev).run_once()
            verdicts.append(dev.vault.get(folio).state)
        assert verdicts == ["deleted", "deleted", "quarantined"]
        third = devices[2]
        assert third.vault.by_state("quarantined")[0].reason.startswith("limite_dispositivos:")

        receiver.baja_device(devices[0].device_id)
        folio = third.save_apoyo(small_apoyo(11), "A0001").folio
        assert SyncDaemon(third).run_once().acknowledged == 1
        assert third.vault.get(folio).state == "deleted"

        # The device dado de baja still syncs, and its envelope comes back refused with the reason.
        revoked = devices[0]
        folio = revoked.save_apoyo(small_apoyo(12), "A0001").folio
        summary = SyncDaemon(revoked).run_once()
        assert any(e.startswith("dispositivo_baja") for e in summary.errors)
        assert _quarantine_reason(revoked, folio).startswith("dispositivo_baja: El dispositivo fue dado de baja")
    finally:
        for dev in devices:
            dev.close()


def _impostor(tmp_path, real_station, device_id: str):
    identity = DeviceIdentity(
        device_id=device_id, receiver_url=real_station.identity.receiver_url,
        authority_key=real_station.identity.authority_key, sealing_key=real_station.identity.sealing_key,
    )
    impostor = create_station(tmp_path / f"impostor-{device_id}", identity, SigningKey.generate())
    impostor.vault.set_meta("config", real_station.vault.get_meta("config"))
    return impostor


def test_an_unknown_device_is_refused_and_the_kiosk_keeps_its_records_with_the_reason(tmp_path, provisioned) -> None:
    station, _server, receiver = provisioned
    ghost = _impostor(tmp_path, station, "D0999")
    try:
        folio = ghost.save_apoyo(small_apoyo(5), "A0001").folio
        summary = SyncDaemon(ghost).run_once()
        assert any(e.startswith("dispositivo_desconocido") for e in summary.errors)
        row = ghost.vault.get(folio)
        assert row.state in ("sealed", "uploading") and row.envelope is not None
        assert row.reason.startswith("dispositivo_desconocido:")
        assert ghost.status()["last_sync_error"]
    finally:
        ghost.close()
    assert receiver.counts()["received"] == 0


def test_a_forged_device_key_is_refused_and_its_envelopes_quarantined(tmp_path, provisioned) -> None:
    station, _server, receiver = provisioned
    forger = _impostor(tmp_path, station, station.device_id)  # a real device id, another key
    try:
        folios = [forger.save_apoyo(small_apoyo(20 + i), "A0001").folio for i in range(3)]
        SyncDaemon(forger).run_once()
        for folio in folios:
            assert _quarantine_reason(forger, folio).startswith("firma_invalida:")
    finally:
        forger.close()
    assert receiver.counts()["received"] == 0


def test_an_envelope_with_a_bad_signature_is_refused_and_logged(provisioned) -> None:
    station, _server, receiver = provisioned
    folio = station.save_apoyo(apoyo(), "A0001").folio
    env = station.vault.get(folio)
    altered = env.envelope[:-100] + bytes(b ^ 0x55 for b in env.envelope[-100:-64]) + env.envelope[-64:]
    with station.vault.transaction() as c:  # the SD card rotted (or someone edited the vault)
        c.execute("UPDATE envelopes SET envelope = ?, integrity = ? WHERE folio = ?", (altered, sealing.integrity_code(altered), folio))
    SyncDaemon(station).run_once()
    assert _quarantine_reason(station, folio).startswith("firma_invalida: La firma del sobre no es válida")
    with receiver.engine.connect() as c:
        kinds = [r[0] for r in c.execute(sa.select(st.incidents.c.kind))]
    assert "firma_invalida" in kinds and receiver.counts()["received"] == 0


def test_replayed_signed_requests_are_refused_and_logged(provisioned) -> None:
    station, server, receiver = provisioned
    headers = sealing.sign_request("GET", "/v1/config", b"", station.device_id, station.device_key)
    first = requests.get(server.url + "/v1/config", headers=headers, timeout=5)
    replay = requests.get(server.url + "/v1/config", headers=headers, timeout=5)
    assert first.status_code == 200
    assert replay.status_code == 409 and replay.json()["code"] == "repeticion"
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.incidents).where(st.incidents.c.kind == "replay")).scalar() == 1

    old = sealing.sign_request("GET", "/v1/config", b"", station.device_id, station.device_key, now=time.time() - 3600)
    stale = requests.get(server.url + "/v1/config", headers=old, timeout=5)
    assert stale.status_code == 401 and stale.json()["code"] == "firma_invalida"

    other_path = dict(sealing.sign_request("GET", "/v1/config", b"", station.device_id, station.device_key))
    moved = requests.get(server.url + f"/v1/acuses/{station.device_id}", headers=other_path, timeout=5)
    assert moved.status_code == 401, "a signature for one path does not open another"


def test_bad_upload_claims_are_refused_with_reasons(provisioned) -> None:
    station, server, _receiver = provisioned
    env = station.vault.get(station.save_apoyo(small_apoyo(7), "A0001").folio)
    stranger = ReceiverClient(server.url, "D0999", SigningKey.generate())
    try:
        stranger.create_upload(env.folio, env.integrity, len(env.envelope))
    except Refused as exc:
        assert (exc.status, exc.code) == (403, "dispositivo_desconocido")
    else:
        raise AssertionError("unknown device accepted")
    client = client_for(station)
    try:  # a claim signed by another key (a forged device) is refused
        client.device_key, real_key = SigningKey.generate(), client.device_key
        client.create_upload(env.folio, env.integrity, len(env.envelope))
    except Refused as exc:
        assert (exc.status, exc.code) == (401, "firma_invalida") and exc.message
    else:
        raise AssertionError("forged claim accepted")
    finally:
        client.device_key = real_key
