"""Serialize a record (JSON fields plus binary attachments) into the bytes that get sealed.

Layout: b"APP1" | u32 meta length | meta JSON (with the blob table) | blobs back to back. No
base64 inflation, so a whole apoyo stays small.
"""

from __future__ import annotations

import json
import struct

MAGIC = b"APP1"


class InvalidPayload(ValueError):
    """Bytes that are not a payload of this format."""


def pack(meta: dict, blobs: dict[str, bytes]) -> bytes:
    table = [[name, len(data)] for name, data in blobs.items()]
    raw = json.dumps({"meta": meta, "blobs": table}, ensure_ascii=False, separators=(",", ":")).encode()
    return MAGIC + struct.pack(">I", len(raw)) + raw + b"".join(blobs.values())


def unpack(data: bytes) -> tuple[dict, dict[str, bytes]]:
    try:
        if data[:4] != MAGIC:
            raise ValueError("magic")
        (n,) = struct.unpack(">I", data[4:8])
        doc = json.loads(data[8 : 8 + n])
        pos = 8 + n
        blobs: dict[str, bytes] = {}
        for name, size in doc["blobs"]:
            blobs[str(name)] = data[pos : pos + int(size)]
            pos += int(size)
        if pos != len(data):
            raise ValueError("length")
        return doc["meta"], blobs
    except (ValueError, KeyError, TypeError, struct.error) as exc:
        raise InvalidPayload("payload mal formado") from exc
