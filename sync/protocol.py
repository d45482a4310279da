"""The byte strings both ends of the wire sign or read: the upload claim, the rotation claim and
an acuse's body. Lives below the kiosk client and the central receiver so neither imports the
other (`sync/PROTOCOL.md` describes the whole exchange)."""

from __future__ import annotations

import json


def upload_claim(folio: str, integrity: str, length: int) -> bytes:
    """What a device signs to create an upload (carried in Upload-Metadata as `signature`)."""
    return f"apoyo-upload-v1\n{folio}\n{integrity}\n{length}".encode()


def rotation_claim(device_id: str, new_public_key_hex: str) -> bytes:
    """What the new device key signs to prove it is held by the device asking for the rotation."""
    return f"apoyo-rotate-v1\n{device_id}\n{new_public_key_hex}".encode()


def acuse_body(doc: dict) -> dict:
    """The signed body of an acuse document (`{"body": json, "signature": ...}`)."""
    return json.loads(doc["body"])
