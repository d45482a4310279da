"""Device-key rotation (issue 9): queued envelopes sealed with the old key still verify, the old
key no longer signs requests, and a failed rotation leaves the kiosk untouched. Sealing-key too."""

from __future__ import annotations

import argparse

import pytest
import requests
import sqlalchemy as sa
from nacl.signing import SigningKey

from kiosk import sealing
from sync.client import Refused
from sync.commands import cmd_rotate_device_key
from sync.daemon import SyncDaemon, client_for
from central.receiver import store as st
from central.receiver.admin import process_envelopes
from central.receiver.cli import build_parser as receiver_parser
from sync.rotation import old_key_path, rotate_device_key
from tests.sync.helpers import small_apoyo


def _queue(station, n: int, start: int = 0) -> list[str]:
    return [station.save_apoyo(small_apoyo(start + i), "A0001").folio for i in range(n)]


def test_queued_envelopes_survive_device_key_rotation(provisioned) -> None:
    station, _server, receiver = provisioned
    old_key = station.device_key
    old_folios = _queue(station, 3)
    new_key = rotate_device_key(station)
    assert station.data.device_key.read_bytes() == bytes(new_key)
    assert old_key_path(station).read_bytes() == bytes(old_key)
    assert receiver.device(station.device_id).public_key == bytes(new_key.verify_key).hex()
    with receiver.engine.connect() as c:
        rows = {r.public_key: r.retired_at for r in c.execute(sa.select(st.device_keys))}
    assert rows[bytes(old_key.verify_key).hex()] is not None and rows[bytes(new_key.verify_key).hex()] is None

    new_folios = _queue(station, 2, start=10)
    assert sealing.read_header(station.vault.get(new_folios[0]).envelope)["device_id"] == station.device_id
    summary = SyncDaemon(station).run_once()
    assert summary.link_ok and not summary.errors
    assert station.vault.pending() == []
    for folio in old_folios + new_folios:
        assert receiver.acuse_for(folio, station.device_id) is not None
    counts = station.vault.counts()
    assert counts["deleted"] == 5 and counts["rejected"] == counts["quarantined"] == 0
    assert not old_key_path(station).exists(), "the daemon drops the old key once the queue is empty"


def test_old_key_no_longer_signs_requests(provisioned) -> None:
    station, server, _receiver = provisioned
    old_key = station.device_key
    rotate_device_key(station)
    headers = sealing.sign_request("GET", "/v1/config", b"", station.device_id, old_key)
    assert requests.get(server.url + "/v1/config", headers=headers, timeout=5).status_code == 401
    headers = sealing.sign_request("GET", "/v1/config", b"", station.device_id, station.device_key)
    assert requests.get(server.url + "/v1/config", headers=headers, timeout=5).status_code == 200


def test_bad_proof_and_reused_key_are_refused(provisioned) -> None:
    station, server, receiver = provisioned
    before = receiver.device(station.device_id).public_key
    client = client_for(station)
    new_key = SigningKey.generate()
    bad_proof = SigningKey.generate().sign(f"apoyo-rotate-v1\n{station.device_id}\n{bytes(new_key.verify_key).hex()}".encode())
    body = {"new_public_key": bytes(new_key.verify_key).hex(), "proof": bad_proof.signature.hex()}
    with pytest.raises(Refused) as exc:
        client._request("POST", "/v1/device/rotate", signed=True, json_body=body)
    assert exc.value.status == 401
    with pytest.raises(Refused) as exc:
        client.rotate_key(station.device_key)  # the key it already has
    assert exc.value.status == 409
    assert receiver.device(station.device_id).public_key == before


def test_rotation_while_receiver_is_down_changes_nothing(provisioned, capsys) -> None:
    station, server, receiver = provisioned
    key_bytes = station.data.device_key.read_bytes()
    server.stop()
    code = cmd_rotate_device_key(argparse.Namespace(data_dir=str(station.data.root)))
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no cambió" in err
    assert station.data.device_key.read_bytes() == key_bytes
    assert not old_key_path(station).exists()
    assert receiver.device(station.device_id).public_key == bytes(SigningKey(key_bytes).verify_key).hex()


def test_command_rotates_and_prints_one_spanish_line(provisioned, capsys) -> None:
    station, _server, receiver = provisioned
    key_bytes = station.data.device_key.read_bytes()
    assert cmd_rotate_device_key(argparse.Namespace(data_dir=str(station.data.root))) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "Llave del dispositivo cambiada" in out[0]
    new_bytes = station.data.device_key.read_bytes()
    assert new_bytes != key_bytes and old_key_path(station).read_bytes() == key_bytes
    assert receiver.device(station.device_id).public_key == bytes(SigningKey(new_bytes).verify_key).hex()


def test_queued_envelopes_open_after_sealing_key_rotation(provisioned, tmp_path) -> None:
    station, _server, receiver = provisioned
    folios = _queue(station, 3)
    rotate_device_key(station)  # device key rotated too: processing must still verify old signatures
    args = receiver_parser().parse_args(["--data-dir", str(tmp_path / "receptor"), "rotate-sealing-key"])
    assert args.func(args) == 0
    assert len(receiver.keys.sealing_private_keys()) == 2
    summary = SyncDaemon(station).run_once()
    assert summary.link_ok and station.vault.pending() == []
    process_envelopes(receiver)
    with receiver.engine.connect() as c:
        statuses = {r.folio: r.status for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status))}
    assert {statuses[f] for f in folios} == {"en_mesa_de_control"}


@pytest.mark.timeout(60)
def test_daemon_stops_when_the_device_is_provisioned_again(provisioned) -> None:
    """Re-provisioning (Técnico or `kiosk provision --force`) replaces device.json under a
    running daemon: it must stop (systemd restarts it with the new identity), not go on with the
    old one (if it did, run_forever would never return and the timeout would fail this test)."""
    import signal

    from sync.demo import DEMO_PROCESS
    from sync.provision import provision

    station, server, receiver = provisioned
    daemon = SyncDaemon(station)
    assert not daemon.identity_replaced()
    new = provision(station.data.root, server.url, receiver.issue_token(DEMO_PROCESS), force=True)
    assert new.device_id != station.device_id
    assert daemon.identity_replaced()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        daemon.run_forever(min_delay=0.1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    new.close()
