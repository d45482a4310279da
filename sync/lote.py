"""A lote: several small sealed envelopes sent as one tus upload, so a high-latency link pays
its round trips once per lote instead of once per record. Layout: magic, then u32 + envelope."""

from __future__ import annotations

import struct

MAGIC = b"APLOTE1\n"
MAX_MEMBERS = 1000


class InvalidLote(ValueError):
    """Bytes that are not a lote of this format."""


def pack(envelopes: list[bytes]) -> bytes:
    if not envelopes or len(envelopes) > MAX_MEMBERS:
        raise InvalidLote("un lote lleva de 1 a 1000 sobres")
    return MAGIC + b"".join(struct.pack(">I", len(e)) + e for e in envelopes)


def unpack(data: bytes) -> list[bytes]:
    if data[: len(MAGIC)] != MAGIC:
        raise InvalidLote("lote mal formado")
    out, pos = [], len(MAGIC)
    while pos < len(data):
        if pos + 4 > len(data) or len(out) >= MAX_MEMBERS:
            raise InvalidLote("lote mal formado")
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        if n == 0 or pos + 4 + n > len(data):
            raise InvalidLote("lote mal formado")
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    if not out:
        raise InvalidLote("lote vacío")
    return out


def folio_for(integrity: str) -> str:
    """The name a lote travels under in Upload-Metadata (it is not a record folio)."""
    return "LOTE-" + integrity[:32]


def is_lote(folio: str) -> bool:
    return folio.startswith("LOTE-")
