"""The one module that seals, signs and verifies: envelopes, signed documents and requests.

Callers hand in bytes and keys and get bytes or dicts back; they never see a nonce. Every way an
envelope or a signed document can be bad raises the same error type, like Fernet's InvalidToken.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
from dataclasses import dataclass

import nacl.bindings as nb
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

__all__ = [
    "InvalidEnvelope",
    "InvalidSignature",
    "SealedEnvelope",
    "seal",
    "read_header",
    "verify_envelope",
    "open_envelope",
    "integrity_code",
    "key_id",
    "sign_document",
    "verify_document",
    "sign_request",
    "verify_request",
    "canonical_json",
    "new_signing_key",
    "new_sealing_key",
]

MAGIC = b"APK\x01"  # format name + version byte: a later format gets a new last byte
_CHUNK = 64 * 1024
_ABYTES = nb.crypto_secretstream_xchacha20poly1305_ABYTES
_SEALED_KEY_LEN = 32 + nb.crypto_box_SEALBYTES
_SIG_LEN = 64
_MAX_HEADER = 16 * 1024


class InvalidEnvelope(Exception):
    """An envelope that is malformed, altered, not signed by the claimed device, or unopenable."""


class InvalidSignature(Exception):
    """A signed document or request that does not verify (altered, wrong key, wrong purpose, stale)."""


def canonical_json(obj: object) -> bytes:
    """The one byte form of a JSON object that is signed and hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public_key: bytes) -> str:
    """Short stable name of a public key (rotation picks the private key by it)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def new_signing_key() -> SigningKey:
    return SigningKey.generate()


def new_sealing_key() -> PrivateKey:
    return PrivateKey.generate()


def integrity_code(envelope: bytes) -> str:
    """Código de integridad: SHA-256 of the whole sealed envelope, hex."""
    return hashlib.sha256(envelope).hexdigest()


@dataclass(frozen=True)
class SealedEnvelope:
    data: bytes
    header: dict

    @property
    def integrity(self) -> str:
        return integrity_code(self.data)


def _aad(prefix: bytes) -> bytes:
    return hashlib.sha256(prefix).digest()


def seal(payload: bytes, header: dict, device_key: SigningKey, sealing_key: PublicKey) -> SealedEnvelope:
    """Encrypt `payload` under a fresh key sealed to the receiver; bind and sign the ids header.

    Layout: MAGIC | u32 header_len | header JSON | sealed key | secretstream header (24) |
    u32 ciphertext_len | ciphertext chunks | Ed25519 signature over everything before it.
    """
    header = dict(header, sealing_key=key_id(bytes(sealing_key)))
    header_bytes = canonical_json(header)
    if len(header_bytes) > _MAX_HEADER:
        raise ValueError("envelope header too large")
    sym_key = nb.crypto_secretstream_xchacha20poly1305_keygen()
    sealed_key = SealedBox(sealing_key).encrypt(sym_key)
    prefix = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes + sealed_key
    state = nb.crypto_secretstream_xchacha20poly1305_state()
    ss_header = nb.crypto_secretstream_xchacha20poly1305_init_push(state, sym_key)
    chunks = []
    offsets = list(range(0, len(payload), _CHUNK)) or [0]
    for i, start in enumerate(offsets):
        last = i == len(offsets) - 1
        tag = (
            nb.crypto_secretstream_xchacha20poly1305_TAG_FINAL
            if last
            else nb.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
        )
        chunks.append(
            nb.crypto_secretstream_xchacha20poly1305_push(
                state, payload[start : start + _CHUNK], _aad(prefix) if i == 0 else None, tag
            )
        )
    ciphertext = b"".join(chunks)
    body = prefix + ss_header + struct.pack(">I", len(ciphertext)) + ciphertext
    signature = device_key.sign(body).signature
    return SealedEnvelope(body + signature, header)


@dataclass(frozen=True)
class _Parts:
    header: dict
    prefix: bytes
    sealed_key: bytes
    ss_header: bytes
    ciphertext: bytes
    signed: bytes
    signature: bytes


def _parse(envelope: bytes) -> _Parts:
    try:
        if envelope[:4] != MAGIC:
            raise ValueError("magic")
        (hlen,) = struct.unpack(">I", envelope[4:8])
        if hlen > _MAX_HEADER:
            raise ValueError("header length")
        pos = 8 + hlen
        header = json.loads(envelope[8:pos])
        if not isinstance(header, dict):
            raise ValueError("header type")
        sealed_key = envelope[pos : pos + _SEALED_KEY_LEN]
        pos += _SEALED_KEY_LEN
        prefix = envelope[: pos]
        ss_header = envelope[pos : pos + 24]
        pos += 24
        (clen,) = struct.unpack(">I", envelope[pos : pos + 4])
        pos += 4
        ciphertext = envelope[pos : pos + clen]
        pos += clen
        if len(ciphertext) != clen or len(envelope) != pos + _SIG_LEN or len(sealed_key) != _SEALED_KEY_LEN:
            raise ValueError("length")
        return _Parts(header, prefix, sealed_key, ss_header, ciphertext, envelope[:pos], envelope[pos:])
    except (ValueError, struct.error, UnicodeDecodeError, TypeError) as exc:
        raise InvalidEnvelope("sobre mal formado") from exc


def read_header(envelope: bytes) -> dict:
    """The plaintext ids header, NOT verified: use only to pick the key that verifies it."""
    return dict(_parse(envelope).header)


def verify_envelope(envelope: bytes, device_key: VerifyKey) -> dict:
    """Check structure and the device signature; return the (now trusted) header."""
    parts = _parse(envelope)
    try:
        device_key.verify(parts.signed, parts.signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise InvalidEnvelope("firma del dispositivo no válida") from exc
    return dict(parts.header)


def open_envelope(envelope: bytes, device_key: VerifyKey, sealing_keys: dict[str, PrivateKey]) -> tuple[dict, bytes]:
    """Verify, then decrypt with the sealing private key named in the header (rotation-safe)."""
    header = verify_envelope(envelope, device_key)
    parts = _parse(envelope)
    private = sealing_keys.get(str(header.get("sealing_key")))
    if private is None:
        raise InvalidEnvelope("llave de sellado desconocida")
    try:
        sym_key = SealedBox(private).decrypt(parts.sealed_key)
        state = nb.crypto_secretstream_xchacha20poly1305_state()
        nb.crypto_secretstream_xchacha20poly1305_init_pull(state, parts.ss_header, sym_key)
        out, pos, first = [], 0, True
        tag = None
        while pos < len(parts.ciphertext):
            chunk = parts.ciphertext[pos : pos + _CHUNK + _ABYTES]
            pos += len(chunk)
            msg, tag = nb.crypto_secretstream_xchacha20poly1305_pull(
                state, chunk, _aad(parts.prefix) if first else None
            )
            first = False
            out.append(msg)
        if tag != nb.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
            raise InvalidEnvelope("sobre truncado")
    except (nacl.exceptions.CryptoError, RuntimeError, ValueError) as exc:
        raise InvalidEnvelope("no se pudo abrir el sobre") from exc
    return header, b"".join(out)


def open_envelope_any(envelope: bytes, device_keys: list[VerifyKey], sealing_keys: dict[str, PrivateKey]) -> tuple[dict, bytes]:
    """`open_envelope` with the first of a device's keys (current, then retired) that verifies."""
    error: InvalidEnvelope = InvalidEnvelope("sin llave del dispositivo")
    for key in device_keys:
        try:
            return open_envelope(envelope, key, sealing_keys)
        except InvalidEnvelope as exc:
            error = exc
    raise error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def sign_document(body: dict, purpose: str, signing_key: SigningKey, *, issued_at: float | None = None) -> dict:
    """A signed document {v, kid, body, sig}: body carries its purpose and issue time."""
    content = dict(body, purpose=purpose, issued_at=issued_at if issued_at is not None else time.time())
    raw = canonical_json(content)
    return {
        "v": 1,
        "kid": key_id(bytes(signing_key.verify_key)),
        "body": raw.decode(),
        "sig": _b64(signing_key.sign(raw).signature),
    }


def verify_document(
    doc: object,
    verify_key: VerifyKey,
    purpose: str,
    *,
    current_time: float | None = None,
    max_age: float | None = None,
) -> dict:
    """The body of a document signed by `verify_key` for `purpose`, or InvalidSignature."""
    try:
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise ValueError("version")
        raw = str(doc["body"]).encode()
        verify_key.verify(raw, _unb64(str(doc["sig"])))
        body = json.loads(raw)
        if body.get("purpose") != purpose:
            raise ValueError("purpose")
        if max_age is not None:
            now = time.time() if current_time is None else current_time
            if not (now - max_age <= float(body["issued_at"]) <= now + 300):
                raise ValueError("stale")
        return body
    except (ValueError, KeyError, TypeError, nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError) as exc:
        raise InvalidSignature("documento firmado no válido") from exc


def _request_message(method: str, path: str, body_sha256: str, device_id: str, ts: str, nonce: str) -> bytes:
    return "\n".join(["apoyo-request-v1", method.upper(), path, device_id, ts, nonce, body_sha256]).encode()


def sign_request(method: str, path: str, body: bytes, device_id: str, device_key: SigningKey, *, now: float | None = None) -> dict[str, str]:
    """Headers that authenticate one HTTP request as coming from this device."""
    ts = f"{(time.time() if now is None else now):.3f}"
    nonce = base64.urlsafe_b64encode(nb.randombytes(16)).decode().rstrip("=")
    sig = device_key.sign(_request_message(method, path, hashlib.sha256(body).hexdigest(), device_id, ts, nonce)).signature
    return {
        "X-Apoyo-Device": device_id,
        "X-Apoyo-Timestamp": ts,
        "X-Apoyo-Nonce": nonce,
        "X-Apoyo-Signature": _b64(sig),
    }


def verify_request(method: str, path: str, body: bytes, headers: dict[str, str], device_key: VerifyKey, *, now: float | None = None, window: float = 300.0, body_sha256: str | None = None) -> tuple[str, float]:
    """Check a signed request; returns (nonce, timestamp) so the caller can refuse replays.

    `body_sha256` (hex) stands for a body not read yet (a tus PATCH declares it in Upload-Checksum):
    the caller authenticates first and then checks the bytes against that digest as they arrive."""
    try:
        ts = headers["X-Apoyo-Timestamp"]
        nonce = headers["X-Apoyo-Nonce"]
        device_id = headers["X-Apoyo-Device"]
        when = float(ts)
        current = time.time() if now is None else now
        if abs(current - when) > window:
            raise ValueError("stale")
        digest = body_sha256 if body_sha256 is not None else hashlib.sha256(body).hexdigest()
        device_key.verify(_request_message(method, path, digest, device_id, ts, nonce), _unb64(headers["X-Apoyo-Signature"]))
        return nonce, when
    except (KeyError, ValueError, TypeError, nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError) as exc:
        raise InvalidSignature("petición firmada no válida") from exc
