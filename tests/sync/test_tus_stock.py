"""A stock tus client (tuspy) uploads an envelope to the receiver, with checksums and a resume
by a second client; the envelope gets its acuse like any other. The only addition to tuspy is the
small signing hook (`sync/tus_hook.py`): every tus request but the creation is device-signed."""

from __future__ import annotations

import base64
import io

import requests
from sync.protocol import acuse_body, upload_claim
from sync.tus_hook import SignedTusClient

from tests.foundation.records import apoyo


def _metadata(station, env) -> dict:
    claim = station.device_key.sign(upload_claim(env.folio, env.integrity, len(env.envelope))).signature
    return {"folio": env.folio, "device": station.device_id, "integrity": env.integrity,
            "signature": base64.b64encode(claim).decode()}


def test_tuspy_uploads_an_envelope_in_chunks_with_checksums_and_it_gets_its_acuse(provisioned) -> None:
    station, server, receiver = provisioned
    env = station.vault.get(station.save_apoyo(apoyo(), "A0001").folio)
    tus = SignedTusClient(server.url + "/v1/uploads", station.device_id, station.device_key)
    uploader = tus.uploader(
        file_stream=io.BytesIO(env.envelope), chunk_size=20_000, metadata=_metadata(station, env), upload_checksum=True,
    )
    uploader.upload_chunk()  # 20 000 bytes, then the link drops
    url = uploader.url

    resumed = SignedTusClient(server.url + "/v1/uploads", station.device_id, station.device_key).uploader(
        file_stream=io.BytesIO(env.envelope), url=url, chunk_size=20_000, upload_checksum=True,
    )
    assert resumed.offset == 20_000, "a stock client asks the offset and goes on from there"
    resumed.upload()
    assert requests.get(url, timeout=5).status_code == 403, "the URL alone is not enough"
    acuse = requests.get(url, headers=tus.sign("GET", url), timeout=5).json()["acuse"]
    body = acuse_body(acuse)
    assert (body["folio"], body["integrity"], body["verdict"]) == (env.folio, env.integrity, "aceptado")
    assert station.apply_acuse(acuse) == "deleted"
    assert receiver.counts()["received"] == 1


def test_tus_options_announce_the_extensions(receiver_env) -> None:
    server, _receiver, _token = receiver_env
    resp = requests.options(server.url + "/v1/uploads", timeout=5)
    assert resp.status_code == 204
    assert set(resp.headers["Tus-Extension"].split(",")) == {"creation", "checksum", "termination", "expiration"}
    assert resp.headers["Tus-Version"] == "1.0.0"


def test_termination_deletes_an_upload(provisioned) -> None:
    station, server, _receiver = provisioned
    env = station.vault.get(station.save_apoyo(apoyo(), "A0001").folio)
    tus = SignedTusClient(server.url + "/v1/uploads", station.device_id, station.device_key)
    uploader = tus.uploader(file_stream=io.BytesIO(env.envelope), chunk_size=10_000, metadata=_metadata(station, env))
    uploader.upload_chunk()
    tus_header = {"Tus-Resumable": "1.0.0"}
    assert requests.delete(uploader.url, headers=tus_header, timeout=5).status_code == 403, "the URL alone is not enough"
    gone = requests.delete(uploader.url, headers=dict(tus_header, **tus.sign("DELETE", uploader.url)), timeout=5)
    assert gone.status_code == 204
    assert requests.head(uploader.url, headers=dict(tus_header, **tus.sign("HEAD", uploader.url)), timeout=5).status_code == 404
