"""Sealed envelopes and signed documents: round trip, and every alteration refused the same way."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from kiosk import sealing

DEVICE = SigningKey.generate()
RECEIVER = PrivateKey.generate()
KEYS = {sealing.key_id(bytes(RECEIVER.public_key)): RECEIVER}
HEADER = {"folio": "P1-A1-D1-000001", "kind": "apoyo", "device_id": "D1"}


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 300_000])
def test_round_trip_across_chunk_boundaries(size: int) -> None:
    payload = random.Random(size).randbytes(size)
    env = sealing.seal(payload, HEADER, DEVICE, RECEIVER.public_key)
    header, opened = sealing.open_envelope(env.data, DEVICE.verify_key, KEYS)
    assert opened == payload
    assert header["folio"] == HEADER["folio"]
    assert env.integrity == sealing.integrity_code(env.data)


def test_the_ciphertext_does_not_contain_the_plaintext_and_keys_are_fresh() -> None:
    payload = b"NOMBRE MARCADOR " * 100
    a = sealing.seal(payload, HEADER, DEVICE, RECEIVER.public_key)
    b = sealing.seal(payload, HEADER, DEVICE, RECEIVER.public_key)
    assert b"MARCADOR" not in a.data
    assert a.data != b.data and a.integrity != b.integrity


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_flipped_byte_is_refused(data: st.DataObject) -> None:
    env = sealing.seal(b"x" * 5000, HEADER, DEVICE, RECEIVER.public_key).data
    pos = data.draw(st.integers(min_value=0, max_value=len(env) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    bad = bytearray(env)
    bad[pos] ^= 1 << bit
    with pytest.raises(sealing.InvalidEnvelope):
        sealing.open_envelope(bytes(bad), DEVICE.verify_key, KEYS)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=6000))
def test_truncated_envelopes_are_refused(cut: int) -> None:
    env = sealing.seal(b"y" * 5000, HEADER, DEVICE, RECEIVER.public_key).data
    with pytest.raises(sealing.InvalidEnvelope):
        sealing.open_envelope(env[: min(cut, len(env) - 1)], DEVICE.verify_key, KEYS)


def test_another_device_key_does_not_verify() -> None:
    env = sealing.seal(b"z", HEADER, DEVICE, RECEIVER.public_key).data
    with pytest.raises(sealing.InvalidEnvelope):
        sealing.verify_envelope(env, SigningKey.generate().verify_key)


def test_header_swapped_onto_another_ciphertext_is_refused_even_if_re_signed() -> None:
    """The header is bound to the ciphertext (AEAD associated data), not only signed."""
    a = sealing.seal(b"first", {"folio": "A"}, DEVICE, RECEIVER.public_key).data
    b = sealing.seal(b"second", {"folio": "B"}, DEVICE, RECEIVER.public_key).data
    pa, pb = sealing._parse(a), sealing._parse(b)
    forged_body = pa.prefix + pb.ss_header + len(pb.ciphertext).to_bytes(4, "big") + pb.ciphertext
    forged = forged_body + DEVICE.sign(forged_body).signature
    with pytest.raises(sealing.InvalidEnvelope):
        sealing.open_envelope(forged, DEVICE.verify_key, KEYS)


def test_rotated_sealing_keys_still_open_queued_envelopes() -> None:
    old = PrivateKey.generate()
    queued = sealing.seal(b"queued", HEADER, DEVICE, old.public_key).data
    new = PrivateKey.generate()
    keys = {sealing.key_id(bytes(k.public_key)): k for k in (old, new)}
    assert sealing.open_envelope(queued, DEVICE.verify_key, keys)[1] == b"queued"
    with pytest.raises(sealing.InvalidEnvelope):
        sealing.open_envelope(queued, DEVICE.verify_key, {sealing.key_id(bytes(new.public_key)): new})


def test_signed_documents_refuse_alteration_wrong_key_and_wrong_purpose() -> None:
    auth = SigningKey.generate()
    doc = sealing.sign_document({"folio": "F", "verdict": "aceptado"}, "acuse", auth)
    assert sealing.verify_document(doc, auth.verify_key, "acuse")["folio"] == "F"
    altered = dict(doc, body=doc["body"].replace("aceptado", "rechazado"))
    for bad, key, purpose in [
        (altered, auth.verify_key, "acuse"),
        (doc, SigningKey.generate().verify_key, "acuse"),
        (doc, auth.verify_key, "config"),
        ({"v": 2, **{k: v for k, v in doc.items() if k != "v"}}, auth.verify_key, "acuse"),
        ("not a dict", auth.verify_key, "acuse"),
    ]:
        with pytest.raises(sealing.InvalidSignature):
            sealing.verify_document(bad, key, purpose)


def test_signed_requests_bind_method_path_body_and_time() -> None:
    key = SigningKey.generate()
    headers = sealing.sign_request("GET", "/v1/config", b"", "D1", key, now=1000.0)
    assert sealing.verify_request("GET", "/v1/config", b"", headers, key.verify_key, now=1001.0)
    for method, path, body, now in [("POST", "/v1/config", b"", 1001.0), ("GET", "/v1/acuses/x", b"", 1001.0),
                                    ("GET", "/v1/config", b"x", 1001.0), ("GET", "/v1/config", b"", 5000.0)]:
        with pytest.raises(sealing.InvalidSignature):
            sealing.verify_request(method, path, body, headers, key.verify_key, now=now)
