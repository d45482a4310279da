"""Resume through the real uvicorn server: a PATCH cut mid-body keeps the bytes that arrived,
the kiosk continues at the byte after the cut, even after a reboot; expired uploads are dropped."""

from __future__ import annotations

import base64
import hashlib
import time
from email.utils import parsedate_to_datetime

import requests
import sqlalchemy as sa

from kiosk import sealing
from kiosk.station import open_station
from sync import lote
from sync.client import Refused
from sync.daemon import SyncDaemon, client_for
from central.receiver import store as st
from central.receiver.service import UPLOAD_TTL

from tests.foundation.records import apoyo
from tests.sync.helpers import raw_http, small_apoyo


def _cut_patch(station, port: int, url: str, data: bytes, offset: int, keep: int) -> None:
    """A device-signed PATCH of everything from `offset`, cut after `keep` bytes of its body."""
    path = url.split(f":{port}", 1)[1]
    body = data[offset:]
    signed = sealing.sign_request("PATCH", path, body, station.device_id, station.device_key)
    signed["Upload-Checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in signed.items())
        + f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    raw_http(port, head, data[offset:], close_after=keep)


def _wait_offset(client, url: str, expected: int) -> int:
    for _ in range(50):
        got = client.offset(url)
        if got == expected:
            return got
        time.sleep(0.05)
    return got


def test_a_cut_patch_keeps_its_bytes_and_the_upload_resumes_at_the_next_byte(provisioned) -> None:
    st_, server, receiver = provisioned
    env = st_.vault.get(st_.save_apoyo(apoyo(), "A0001").folio)
    client = client_for(st_)
    url, done, _ = client.create_upload(env.folio, env.integrity, len(env.envelope))
    assert not done
    _cut_patch(st_, server.port, url, env.envelope, 0, 33_333)
    assert _wait_offset(client, url, 33_333) == 33_333
    _cut_patch(st_, server.port, url, env.envelope, 33_333, 10_000)  # a second cut, further on
    assert _wait_offset(client, url, 43_333) == 43_333

    result = client.upload(env.envelope, env.folio, env.integrity, url)
    assert result.bytes_sent == len(env.envelope) - 43_333, "only the bytes after the cut are sent"
    assert st_.apply_acuse(result.acuse) == "deleted"
    assert receiver.counts()["received"] == 1


def test_an_upload_cut_by_a_crash_resumes_after_reboot_from_the_persisted_url(provisioned) -> None:
    st_, server, receiver = provisioned
    folio = st_.save_apoyo(apoyo(), "A0001").folio
    env = st_.vault.get(folio)
    client = client_for(st_, chunk_size=16 * 1024)
    progress: list[int] = []

    def crash(done: int, _total: int) -> None:
        progress.append(done)
        if done >= 32 * 1024:
            raise KeyboardInterrupt  # the power goes out mid-upload

    try:
        SyncDaemon(st_, client).run_once(on_progress=lambda _f, done, total: crash(done, total))
    except KeyboardInterrupt:
        pass
    persisted = st_.vault.get(folio)
    assert persisted.state == "uploading" and persisted.upload_url, "the upload URL survives in the vault"
    data_dir = st_.data.root
    st_.close()

    again = open_station(data_dir)  # the reboot
    try:
        daemon = SyncDaemon(again, client_for(again))
        summary = daemon.run_once()
        assert summary.acknowledged == 1
        assert summary.bytes_sent == len(env.envelope) - 32 * 1024
        assert again.vault.counts()["deleted"] == 1
    finally:
        again.close()
    assert receiver.counts()["received"] == 1


def test_upload_expires_is_sent_and_honoured_and_expired_uploads_are_purged(provisioned) -> None:
    st_, server, receiver = provisioned
    env = st_.vault.get(st_.save_apoyo(apoyo(), "A0001").folio)
    client = client_for(st_)
    url, _, _ = client.create_upload(env.folio, env.integrity, len(env.envelope))
    _cut_patch(st_, server.port, url, env.envelope, 0, 20_000)
    path = url.split(f":{server.port}", 1)[1]
    head = requests.head(url, headers=dict(sealing.sign_request("HEAD", path, b"", st_.device_id, st_.device_key),
                                           **{"Tus-Resumable": "1.0.0"}), timeout=5)
    expires = parsedate_to_datetime(head.headers["Upload-Expires"]).timestamp()
    assert abs(expires - (time.time() + UPLOAD_TTL)) < 120

    real = receiver.clock
    receiver.clock = lambda: real() + UPLOAD_TTL + 3600  # a week and an hour later
    receiver._last_purge = 0.0
    try:
        try:
            client.offset(url)
        except Refused as exc:
            assert exc.status == 410 and exc.code == "envio_expirado"
        else:
            raise AssertionError("an expired upload was still offered")
        receiver.purge_expired()
        with receiver.engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(st.uploads)).scalar() == 0
            assert c.execute(sa.select(sa.func.count()).select_from(st.chunks)).scalar() == 0
        # The kiosk notices (410) and starts a new upload; it still gets its acuse.
        result = client.upload(env.envelope, env.folio, env.integrity, url)
        assert result.bytes_sent == len(env.envelope) and result.upload_url != url
    finally:
        receiver.clock = real


def test_small_envelopes_travel_in_lotes(provisioned) -> None:
    st_, _server, receiver = provisioned
    folios = [st_.save_apoyo(small_apoyo(i), "A0001").folio for i in range(120)]
    summary = SyncDaemon(st_).run_once()
    assert summary.acknowledged == 120 and summary.lotes == 1
    assert st_.vault.counts()["deleted"] == 120 and not st_.vault.pending()
    assert {a["folio"] for a in receiver.list_acuses()} == set(folios)


def test_a_lote_cut_midway_resumes_from_the_vault(provisioned) -> None:
    st_, server, receiver = provisioned
    for i in range(40):
        st_.save_apoyo(small_apoyo(i), "A0001")
    client = client_for(st_, chunk_size=8 * 1024)
    calls = {"n": 0}
    original = client._send

    def flaky(method, path, body, hdrs, signed_at=None):
        if method == "PATCH":
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt  # power loss during the third chunk
        return original(method, path, body, hdrs, signed_at)

    client._send = flaky
    try:
        SyncDaemon(st_, client).run_once()
    except KeyboardInterrupt:
        pass
    lote_bytes = len(lote.pack([e.envelope for e in st_.vault.pending()]))
    marked = {e.upload_url for e in st_.vault.pending()}
    assert len(marked) == 1 and "#lote=" in marked.pop()
    summary = SyncDaemon(st_).run_once()
    assert summary.acknowledged == 40 and summary.lotes == 1
    assert summary.bytes_sent == lote_bytes - 2 * 8 * 1024, "the lote resumed after its two whole chunks"
    assert receiver.counts()["received"] == 40


def test_the_admin_command_purges_expired_uploads(tmp_path, provisioned) -> None:
    import subprocess
    import sys

    st_, _server, receiver = provisioned
    env = st_.vault.get(st_.save_apoyo(small_apoyo(1), "A0001").folio)
    url, _, _ = client_for(st_).create_upload(env.folio, env.integrity, len(env.envelope))
    with receiver.engine.begin() as c:
        c.execute(st.uploads.update().where(st.uploads.c.upload_id == url.rsplit("/", 1)[1]).values(expires_at=time.time() - 1))
    out = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--data-dir", str(tmp_path / "receptor"), "purge-uploads"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("1 "), out.stderr
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.uploads)).scalar() == 0
