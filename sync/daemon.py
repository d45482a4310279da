"""The store-and-forward daemon: refresh the signed configuration, upload every pending envelope
(resuming cut uploads), and delete an envelope only after a verified acuse that matches it.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kiosk import sealing
from kiosk.station import Station
from sync.client import LinkError, ReceiverClient, Refused

log = logging.getLogger(__name__)

# Refusals that concern one envelope for good: keep it, quarantined, with the reason.
ENVELOPE_REFUSALS = {"sobre_invalido", "firma_invalida", "tamano"}


@dataclass
class SyncSummary:
    uploaded: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    bytes_sent: int = 0
    errors: list[str] = field(default_factory=list)
    link_ok: bool = True

    def as_dict(self) -> dict:
        return {
            "uploaded": self.uploaded,
            "acknowledged": self.acknowledged,
            "quarantined": self.quarantined,
            "bytes_sent": self.bytes_sent,
            "errors": self.errors,
            "link_ok": self.link_ok,
        }


def client_for(station: Station, base_url: str | None = None, **kwargs) -> ReceiverClient:
    return ReceiverClient(
        base_url or station.identity.receiver_url,
        station.device_id,
        station.device_key,
        station.authority_key,
        on_time=station.clock.record_server_time,
        **kwargs,
    )


class SyncDaemon:
    def __init__(self, station: Station, client: ReceiverClient | None = None) -> None:
        self.station = station
        self.client = client or client_for(station)

    def refresh_config(self) -> bool:
        current = self.station.config()
        doc, etag = self.client.config(current.etag if current else "")
        if doc is None:
            return False
        try:
            self.station.store_config(doc, etag)
        except sealing.InvalidSignature:
            log.error("configuration with a bad signature refused; keeping the previous one")
            return False
        return True

    def run_once(self, on_progress=None) -> SyncSummary:
        summary = SyncSummary()
        vault = self.station.vault
        try:
            self.refresh_config()
            for env in vault.pending():
                if env.envelope is None:
                    continue
                self._send(env, summary, on_progress)
        except LinkError as exc:
            summary.link_ok = False
            summary.errors.append(f"enlace: {exc}")
            log.warning("link down: %s", exc)
        except Refused as exc:
            summary.errors.append(f"{exc.code}: {exc.message}")
            log.error("receiver refused the device: %s", exc)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if summary.link_ok and not summary.errors:
            vault.set_meta("last_sync", stamp)
            vault.set_meta("last_sync_error", "")
        else:
            vault.set_meta("last_sync_error", f"{stamp} {summary.errors[-1] if summary.errors else ''}")
        return summary

    def _send(self, env, summary: SyncSummary, on_progress) -> None:
        vault = self.station.vault
        if env.state == "sealed":
            vault.mark_uploading(env.folio, None)
        try:
            result = self.client.upload(
                env.envelope, env.folio, env.integrity, env.upload_url,
                on_progress=(lambda done, total: on_progress(env.folio, done, total)) if on_progress else None,
                on_created=lambda url: vault.mark_uploading(env.folio, url),
            )
        except Refused as exc:
            if exc.code in ENVELOPE_REFUSALS:
                vault.note_failure(env.folio, f"{exc.code}: {exc.message}")
                vault.audit("upload_refused", {"folio": env.folio, "code": exc.code})
                with vault.transaction() as c:
                    c.execute("UPDATE envelopes SET state = 'quarantined', reason = ? WHERE folio = ?", (f"{exc.code}: {exc.message}", env.folio))
                summary.quarantined += 1
                return
            if exc.code in ("integridad", "envio_expirado", "envio_desconocido", "checksum"):
                vault.mark_uploading(env.folio, None)  # start this envelope over next time
                summary.errors.append(f"{env.folio}: {exc.code}")
                return
            raise
        summary.uploaded += 1
        summary.bytes_sent += result.bytes_sent
        try:
            state = self.station.apply_acuse(result.acuse)
        except sealing.InvalidSignature:
            vault.note_failure(env.folio, "acuse no válido")
            summary.errors.append(f"{env.folio}: acuse no válido")
            return
        if state == "deleted":
            summary.acknowledged += 1
        elif state == "quarantined":
            summary.quarantined += 1

    def run_forever(self, *, min_delay: float = 5.0, max_delay: float = 900.0, notify=None) -> None:
        """Loop until SIGTERM: sync, then sleep (longer after failures, with jitter)."""
        stop = {"flag": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
        delay = min_delay
        if notify:
            notify("READY=1")
        while not stop["flag"]:
            summary = self.run_once()
            if notify:
                notify("WATCHDOG=1")
                notify(f"STATUS=pendientes={len(self.station.vault.pending())} errores={len(summary.errors)}")
            delay = min_delay if summary.link_ok and not summary.errors else min(max_delay, delay * 2)
            deadline = time.monotonic() + delay * random.uniform(0.8, 1.2)
            while not stop["flag"] and time.monotonic() < deadline:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
                if notify:
                    notify("WATCHDOG=1")
