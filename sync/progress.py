"""Where the kiosk screens see an upload move: the daemon's byte counts written to the vault's
meta "upload_progress" as {folio: [sent, total]} (Envío draws the bar from it), at most a few
times a second, and removed when the pass ends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from kiosk.vault import Vault

META_KEY = "upload_progress"


class UploadProgress:
    """The `on_progress(folio, sent, total)` callback for SyncDaemon.run_once; use as a context
    manager so the meta is cleared even when the pass fails."""

    def __init__(self, vault: Vault, interval: float = 0.25, clock: Callable[[], float] = time.monotonic) -> None:
        self.vault = vault
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")

    def __call__(self, folio: str, sent: int, total: int) -> None:
        now = self.clock()
        if sent < total and now - self._last < self.interval:
            return
        self._last = now
        self.vault.set_meta(META_KEY, json.dumps({folio: [sent, total]} if sent < total else {}))

    def __enter__(self) -> "UploadProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.vault.set_meta(META_KEY, "{}")
