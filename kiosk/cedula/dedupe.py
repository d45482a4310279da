"""Duplicate claves de elector within a process, without keeping any clave in plaintext.

A clave is remembered only as HMAC-SHA256(device key, "process|CLAVE"): the same input as
`Station.clave_fingerprint`, so fingerprints made here and in the vault compare equal.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable


def clave_fingerprint(key: bytes, process_id: str, clave: str) -> str:
    """Hex HMAC-SHA256 of the normalized clave within its process; reveals nothing without `key`."""
    if len(key) < 16:
        raise ValueError("fingerprint key must have at least 16 bytes")
    message = f"{process_id}|{(clave or '').strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def first_seen(fingerprints: Iterable[str]) -> dict[int, int]:
    """For each position whose fingerprint appeared earlier: {position: earlier position}."""
    seen: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for position, fp in enumerate(fingerprints):
        if fp in seen:
            repeats[position] = seen[fp]
        else:
            seen[fp] = position
    return repeats


class BatchDeduper:
    """Fingerprints of one batch (a page or a CSV) checked against each other and the vault.

    `check(clave)` answers with None (new), "batch" (repeated in this batch) or "seen" (already
    in the vault, through the `seen` callable); only fingerprints are kept.
    """

    def __init__(self, key: bytes, process_id: str, seen: Callable[[str], bool] = lambda fp: False) -> None:
        self._key = key
        self._process_id = process_id
        self._seen = seen
        self._batch: dict[str, object] = {}

    def fingerprint(self, clave: str) -> str:
        return clave_fingerprint(self._key, self._process_id, clave)

    def check(self, clave: str, tag: object = None) -> tuple[str | None, object]:
        """Record `clave` under `tag` (row number...); return (verdict, tag of the first holder)."""
        fp = self.fingerprint(clave)
        if fp in self._batch:
            return "batch", self._batch[fp]
        self._batch[fp] = tag
        if self._seen(fp):
            return "seen", None
        return None, None

    def forget(self, clave: str) -> None:
        """Drop a clave from the batch (the operator corrected or discarded its row)."""
        self._batch.pop(self.fingerprint(clave), None)
