"""What an attacker with an enrolled device can build: envelopes signed by its own key with any
header, raw signed requests, and a signed acuse taken from the receiver for replay."""

from __future__ import annotations

import base64
import hashlib

import requests
from nacl.public import PublicKey

from kiosk import payload, sealing
from kiosk.station import Station
from sync.protocol import upload_claim


def envelope(station: Station, folio: str, *, auxiliar_id: str = "A0001", record_id: int = 1,
             process_id: str | None = None, sealing_key: bytes | None = None) -> bytes:
    """An envelope signed by `station`'s own key whose header says what the attacker wants."""
    now = station.now()
    header = {
        "v": 1, "kind": "apoyo", "folio": folio,
        "process_id": process_id or station.config().process.process_id,
        "auxiliar_id": auxiliar_id, "device_id": station.device_id, "record_id": record_id,
        "captured_at": now.at.isoformat(), "clock_confidence": now.confidence, "municipio": "MUESTRA",
    }
    body = payload.pack({"kind": "apoyo", "fields": {}}, {"front": b"MUESTRA"})
    return sealing.seal(body, header, station.device_key, PublicKey(sealing_key or station.identity.sealing_key)).data


def signed(station: Station, method: str, url: str, body: bytes = b"", **extra: str) -> dict[str, str]:
    """Device-signed headers for one raw request (a PATCH also declares its sha256)."""
    headers = dict(sealing.sign_request(method, requests.utils.urlparse(url).path, body, station.device_id, station.device_key))
    headers["Tus-Resumable"] = "1.0.0"
    if method == "PATCH":
        headers["Upload-Checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Type"] = "application/offset+octet-stream"
    headers.update(extra)
    return headers


def create_upload(station: Station, base_url: str, folio: str, integrity: str, length: int) -> requests.Response:
    """A tus creation with a valid claim by `station` (any folio, integrity and length it likes)."""
    claim = station.device_key.sign(upload_claim(folio, integrity, length)).signature
    meta = {"folio": folio, "device": station.device_id, "integrity": integrity, "signature": base64.b64encode(claim).decode()}
    header = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
    return requests.post(base_url + "/v1/uploads", headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(length),
                                                             "Upload-Metadata": header}, timeout=10)
