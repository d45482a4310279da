"""The store-and-forward daemon: refresh the signed configuration, upload every pending envelope
(small ones together in lotes, cut uploads resumed) and delete only after a matching verified acuse.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kiosk import sealing
from kiosk.station import Station
from kiosk.vault import QueuedEnvelope
from sync import lote
from sync.client import LinkError, ReceiverClient, Refused
from sync.progress import UploadProgress

log = logging.getLogger(__name__)

# Refusals that concern one envelope for good: keep it, quarantined, with the reason.
ENVELOPE_REFUSALS = {"sobre_invalido", "firma_invalida", "tamano"}
# Refusals after which this envelope's upload starts over from byte 0 next time.
RESTART_REFUSALS = {"integridad", "envio_expirado", "envio_desconocido", "checksum", "incompleto"}

LOTE_MEMBER_MAX = 64 * 1024   # envelopes up to this size travel in lotes
LOTE_MAX_BYTES = 512 * 1024
LOTE_MAX_COUNT = 200
LOTE_MARK = "#lote="          # upload_url of a lote member: URL + mark + the lote's integrity
PAGE = 500


@dataclass
class SyncSummary:
    uploaded: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    bytes_sent: int = 0
    lotes: int = 0
    errors: list[str] = field(default_factory=list)
    link_ok: bool = True

    def as_dict(self) -> dict:
        return {
            "uploaded": self.uploaded,
            "acknowledged": self.acknowledged,
            "quarantined": self.quarantined,
            "bytes_sent": self.bytes_sent,
            "lotes": self.lotes,
            "errors": self.errors,
            "link_ok": self.link_ok,
        }


def client_for(station: Station, base_url: str | None = None, **kwargs) -> ReceiverClient:
    """A client that signs with the station's trusted time and feeds it the receiver's time."""
    kwargs.setdefault("clock", lambda: station.clock.now().epoch)
    return ReceiverClient(
        base_url or station.identity.receiver_url,
        station.device_id,
        station.device_key,
        station.authority_key,
        on_time=station.clock.record_server_time,
        **kwargs,
    )


class SyncDaemon:
    def __init__(self, station: Station, client: ReceiverClient | None = None, *, lotes: bool = True) -> None:
        self.station = station
        self.client = client or client_for(station)
        self.lotes = lotes

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
            try:
                self.refresh_config()
            except Refused as exc:  # e.g. a device dado de baja: its envelopes still get their acuses
                summary.errors.append(f"{exc.code}: {exc.message}")
                log.error("configuration refused: %s", exc)
            tried: set[str] = set()
            while True:
                todo = [e for e in vault.pending(limit=len(tried) + PAGE) if e.folio not in tried and e.envelope is not None]
                if not todo:
                    break
                tried.update(e.folio for e in todo)
                for group, resume_url in self._plan(todo):
                    if len(group) == 1:
                        self._send(group[0], summary, on_progress)
                    else:
                        self._send_lote(group, resume_url, summary)
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
            from sync.rotation import drop_old_key_if_idle  # rotation builds on this module's client

            if drop_old_key_if_idle(self.station):
                log.info("queue empty: the device key before the last rotation was removed")
        else:
            vault.set_meta("last_sync_error", f"{stamp} {summary.errors[-1] if summary.errors else ''}")
        return summary

    # --- planning: which envelopes travel together --------------------------------------------
    def _plan(self, todo: list[QueuedEnvelope]) -> list[tuple[list[QueuedEnvelope], str | None]]:
        """Lotes cut before (same marked upload_url, same bytes) resume as they were; the other
        small envelopes are grouped anew; large ones go alone."""
        plans: list[tuple[list[QueuedEnvelope], str | None]] = []
        started: dict[str, list[QueuedEnvelope]] = {}
        free: list[QueuedEnvelope] = []
        for env in todo:
            if env.upload_url and LOTE_MARK in env.upload_url:
                started.setdefault(env.upload_url, []).append(env)
            elif self.lotes and env.size <= LOTE_MEMBER_MAX:
                free.append(env)
            else:
                plans.append(([env], None))
        for marked, members in started.items():
            url, _, integrity = marked.partition(LOTE_MARK)
            if len(members) > 1 and sealing.integrity_code(lote.pack([m.envelope for m in members])) == integrity:
                plans.append((members, url))
            else:
                _set_upload_url(self.station, [m.folio for m in members], None)
                free.extend(m for m in members if m.size <= LOTE_MEMBER_MAX)
                plans.extend(([m], None) for m in members if m.size > LOTE_MEMBER_MAX)
        group: list[QueuedEnvelope] = []
        size = 0
        for env in sorted(free, key=lambda e: e.created_at):
            if group and (size + env.size > LOTE_MAX_BYTES or len(group) >= LOTE_MAX_COUNT):
                plans.append((group, None))
                group, size = [], 0
            group.append(env)
            size += env.size
        if group:
            plans.append((group, None))
        return plans

    # --- one envelope -------------------------------------------------------------------------
    def _send(self, env: QueuedEnvelope, summary: SyncSummary, on_progress) -> None:
        vault = self.station.vault
        upload_url = env.upload_url if env.upload_url and LOTE_MARK not in env.upload_url else None
        if env.state == "sealed" or upload_url != env.upload_url:
            vault.mark_uploading(env.folio, None)
        try:
            result = self.client.upload(
                env.envelope, env.folio, env.integrity, upload_url,
                on_progress=(lambda done, total: on_progress(env.folio, done, total)) if on_progress else None,
                on_created=lambda url: vault.mark_uploading(env.folio, url),
            )
        except Refused as exc:
            self._refused(env.folio, exc.code, exc.message, summary)
            if exc.code not in ENVELOPE_REFUSALS | RESTART_REFUSALS:
                raise
            return
        summary.uploaded += 1
        summary.bytes_sent += result.bytes_sent
        self._apply(env.folio, result.acuse, summary)

    # --- a lote -------------------------------------------------------------------------------
    def _send_lote(self, group: list[QueuedEnvelope], resume_url: str | None, summary: SyncSummary) -> None:
        folios = [e.folio for e in group]
        integrity = sealing.integrity_code(lote.pack([e.envelope for e in group]))
        if resume_url is None:
            _set_upload_url(self.station, folios, None)
        try:
            result = self.client.upload_lote(
                [e.envelope for e in group], resume_url,
                on_created=lambda url: _set_upload_url(self.station, folios, url + LOTE_MARK + integrity),
            )
        except Refused as exc:
            _set_upload_url(self.station, folios, None)
            if exc.code in ENVELOPE_REFUSALS:  # the lote as a whole was refused: each one alone says why
                for env in group:
                    self._send(self.station.vault.get(env.folio), summary, None)
                return
            if exc.code in RESTART_REFUSALS:  # next pass: grouped anew
                summary.errors.append(f"lote: {exc.code}")
                return
            raise
        summary.lotes += 1
        summary.bytes_sent += result.bytes_sent
        for env, item in zip(group, result.items):
            if item.get("integrity") != env.integrity:
                summary.errors.append(f"{env.folio}: lote desordenado")
                continue
            if "acuse" in item:
                summary.uploaded += 1
                self._apply(env.folio, item["acuse"], summary)
            else:
                self._refused(env.folio, str(item.get("code")), str(item.get("message", "")), summary)

    # --- outcomes -----------------------------------------------------------------------------
    def _refused(self, folio: str, code: str, message: str, summary: SyncSummary) -> None:
        vault = self.station.vault
        reason = f"{code}: {message}"
        if code in ENVELOPE_REFUSALS:
            vault.quarantine(folio, reason)
            summary.quarantined += 1
            return
        if code in RESTART_REFUSALS:
            vault.mark_uploading(folio, None)
        vault.note_failure(folio, reason)  # shown on the kiosk; the envelope stays queued
        summary.errors.append(f"{folio}: {code}")

    def _apply(self, folio: str, acuse: dict, summary: SyncSummary) -> None:
        try:
            state = self.station.apply_acuse(acuse)
        except sealing.InvalidSignature:
            self.station.vault.note_failure(folio, "acuse no válido")
            summary.errors.append(f"{folio}: acuse no válido")
            return
        if state == "deleted":
            summary.acknowledged += 1
        elif state == "quarantined":
            summary.quarantined += 1

    def identity_replaced(self) -> bool:
        """True when device.json no longer names the device this daemon opened (re-provisioned
        from the Técnico screen or `kiosk provision --force` while the daemon ran)."""
        try:
            return json.loads(self.station.data.device_json.read_text())["device_id"] != self.station.device_id
        except (OSError, ValueError, KeyError):
            return True

    def run_forever(self, *, min_delay: float = 5.0, max_delay: float = 900.0, notify=None) -> None:
        """Loop until SIGTERM: sync, then sleep (longer after failures, with jitter)."""
        stop = {"flag": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
        delay = min_delay
        if notify:
            notify("READY=1")
        while not stop["flag"]:
            if self.identity_replaced():
                log.warning("this device was provisioned again: the sync daemon stops so it restarts with the new identity")
                return
            with UploadProgress(self.station.vault) as progress:  # what Envío's bar shows
                summary = self.run_once(on_progress=progress)
            if notify:
                notify("WATCHDOG=1")
                notify(f"STATUS=pendientes={len(self.station.vault.pending())} errores={len(summary.errors)}")
            delay = min_delay if summary.link_ok and not summary.errors else min(max_delay, delay * 2)
            deadline = time.monotonic() + delay * random.uniform(0.8, 1.2)
            while not stop["flag"] and time.monotonic() < deadline:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
                if notify:
                    notify("WATCHDOG=1")


def _set_upload_url(station: Station, folios: list[str], url: str | None) -> None:
    """Mark a whole lote uploading with its URL (persisted for a resume after reboot)."""
    station.vault.mark_uploading_many(folios, url)
