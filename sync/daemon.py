"""The store-and-forward daemon: refresh the signed configuration, upload every pending envelope
(small ones together in lotes, cut uploads resumed) and delete only after a matching verified acuse.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from kiosk import sealing
from kiosk.station import Station
from kiosk.vault import PENDING_STATES, QueuedEnvelope
from sync import lote
from sync.client import LinkError, ReceiverClient, Refused
from sync.progress import UploadProgress

log = logging.getLogger(__name__)

# Refusals that concern one envelope for good: keep it, quarantined, with the reason.
ENVELOPE_REFUSALS = {"sobre_invalido", "firma_invalida", "tamano"}
# Refusals after which this envelope's upload starts over from byte 0 next time.
RESTART_REFUSALS = {"integridad", "envio_expirado", "envio_desconocido", "checksum", "incompleto",
                    "llave_sellado_desconocida"}  # kept queued: the receiver may get its key back

LOTE_MEMBER_MAX = 64 * 1024   # envelopes up to this size travel in lotes
LOTE_MAX_BYTES = 512 * 1024
LOTE_MAX_COUNT = 200
LOTE_MARK = "#lote="          # upload_url of a lote member: URL + mark + the lote's integrity
PAGE = LOTE_MAX_COUNT         # queue rows (ids and sizes only, no envelope bytes) read at a time
QUIET_CUTS = 2                # link errors in a row with nothing moved between them end the pass
MAX_TRIES = 100               # attempts at one upload within one pass (each after bytes moved)
# The watchdog is fed once per chunk, so a chunk should take seconds, not minutes, on a slow
# link: start at START_CHUNK and size chunks to the measured rate (at most the client's own).
CHUNK_SECONDS = 10.0
MIN_CHUNK = 16 * 1024
START_CHUNK = 64 * 1024


@dataclass
class SyncSummary:
    uploaded: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    bytes_sent: int = 0
    lotes: int = 0
    advances: int = 0          # chunks (or resumes after a cut) that moved an upload's offset
    errors: list[str] = field(default_factory=list)  # for the log and `kiosk status`
    problem: str = ""  # the last of them in Spanish, for the person (Inicio)
    link_ok: bool = True

    def fail(self, error: str, problem: str) -> None:
        self.errors.append(error)
        self.problem = problem

    @property
    def moved(self) -> bool:
        """Something got through in this pass, even if it ended on a cut."""
        return bool(self.advances or self.acknowledged or self.quarantined or self.uploaded)

    def as_dict(self) -> dict:
        return {
            "uploaded": self.uploaded,
            "acknowledged": self.acknowledged,
            "quarantined": self.quarantined,
            "bytes_sent": self.bytes_sent,
            "lotes": self.lotes,
            "advances": self.advances,
            "errors": self.errors,
            "link_ok": self.link_ok,
        }


def client_for(station: Station, base_url: str | None = None, **kwargs) -> ReceiverClient:
    """A client that signs with the station's trusted time and feeds it the receiver's time."""
    kwargs.setdefault("clock", lambda: station.clock.now().epoch)
    kwargs.setdefault("verify", station.receiver_verify())
    return ReceiverClient(
        base_url or station.identity.receiver_url,
        station.device_id,
        station.device_key,
        station.authority_key,
        on_time=station.clock.record_server_time,
        **kwargs,
    )


class SyncDaemon:
    """`heartbeat` is called whenever the daemon makes headway (each chunk, each envelope, each
    page): the service feeds systemd's watchdog from it, so a long upload is not mistaken for a hang."""

    def __init__(self, station: Station, client: ReceiverClient | None = None, *, lotes: bool = True,
                 heartbeat: Callable[[], None] | None = None) -> None:
        self.station = station
        self.client = client or client_for(station)
        self.lotes = lotes
        self.heartbeat = heartbeat
        self.stopping = threading.Event()  # set (e.g. on SIGTERM) to end a pass between uploads
        self._max_chunk = self.client.chunk_size
        self.client.chunk_size = min(self._max_chunk, START_CHUNK)
        self._mark: tuple[float, int] | None = None  # (monotonic, offset) at the last progress

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat()

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
        """One pass over the queue, a page at a time; envelope bytes are read only when sent.
        A cut after bytes moved resumes the same upload; the pass ends when nothing gets through."""
        summary = SyncSummary()
        vault = self.station.vault
        self._beat()
        try:
            try:
                self.refresh_config()
            except Refused as exc:  # e.g. a device dado de baja: its envelopes still get their acuses
                summary.fail(f"{exc.code}: {exc.message}", exc.message)
                log.error("configuration refused: %s", exc)
            tried: set[str] = set()
            quiet = [0]  # link errors since something last moved
            cursor: tuple[float, str] | None = None
            while not self.stopping.is_set():
                page = vault.pending_page(cursor, PAGE)
                if not page:
                    break
                cursor = (page[-1].created_at, page[-1].folio)
                todo = [e for e in page if e.folio not in tried]
                for group, resume_url in self._plan(todo, tried):
                    if self.stopping.is_set():
                        break
                    tried.update(e.folio for e in group)
                    self._deliver(group, resume_url, summary, on_progress, quiet)
                    self._beat()
        except LinkError as exc:
            summary.link_ok = False
            summary.fail(f"enlace: {exc.reason}", exc.reason)
            log.warning("link down: %s (%d acuses in this pass)", exc, summary.acknowledged)
        except Refused as exc:
            summary.fail(f"{exc.code}: {exc.message}", exc.message)
            log.error("receiver refused the device: %s", exc)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if summary.link_ok and not summary.errors:
            vault.set_meta("last_sync", stamp)
            vault.set_meta("last_sync_error", "")
            vault.set_meta("last_sync_problem", "")
            vault.set_meta("last_sync_link_down", "")
            from sync.rotation import drop_old_key_if_idle  # rotation builds on this module's client

            if drop_old_key_if_idle(self.station):
                log.info("queue empty: the device key before the last rotation was removed")
        else:
            vault.set_meta("last_sync_error", f"{stamp} {summary.errors[-1] if summary.errors else ''}")
            vault.set_meta("last_sync_problem", summary.problem)
            vault.set_meta("last_sync_link_down", "" if summary.link_ok else "1")
        return summary

    def _deliver(self, group: list[QueuedEnvelope], resume_url: str | None, summary: SyncSummary,
                 on_progress, quiet: list[int]) -> None:
        """Send one envelope or lote; after a cut, try the same upload again (it resumes from the
        receiver's offset) unless the link let nothing through since the previous cut."""
        for attempt in range(MAX_TRIES):
            before = summary.advances + summary.uploaded
            try:
                if len(group) == 1:
                    env = self.station.vault.get(group[0].folio)
                    if env is not None and env.state in PENDING_STATES and env.envelope is not None:
                        self._send(env, summary, on_progress)
                else:
                    self._send_lote(group, resume_url, summary)
                quiet[0] = 0
                return
            except LinkError:
                if summary.advances + summary.uploaded > before:
                    quiet[0] = 1
                else:
                    quiet[0] += 1
                if quiet[0] >= QUIET_CUTS or attempt + 1 == MAX_TRIES:
                    raise
                log.info("link cut during %s; trying again at once", group[0].folio if len(group) == 1 else "a lote")
                self._beat()
                if len(group) > 1:
                    resume_url = self._lote_url(group)

    def _lote_url(self, group: list[QueuedEnvelope]) -> str | None:
        """The upload URL a lote was given before a cut (persisted on its members), if any."""
        first = self.station.vault.get(group[0].folio)
        if first is None or not first.upload_url or LOTE_MARK not in first.upload_url:
            return None
        return first.upload_url.partition(LOTE_MARK)[0]

    # --- planning: which envelopes travel together --------------------------------------------
    def _plan(self, todo: list[QueuedEnvelope], tried: set[str]) -> list[tuple[list[QueuedEnvelope], str | None]]:
        """Lotes cut before (same marked upload_url, same bytes) resume as they were, with all
        their members even beyond this page; the other small envelopes are grouped anew; large
        ones go alone."""
        vault = self.station.vault
        plans: list[tuple[list[QueuedEnvelope], str | None]] = []
        started: set[str] = set()
        free: list[QueuedEnvelope] = []
        for env in todo:
            if env.upload_url and LOTE_MARK in env.upload_url:
                started.add(env.upload_url)
            elif self.lotes and env.size <= LOTE_MEMBER_MAX:
                free.append(env)
            else:
                plans.append(([env], None))
        for marked in started:
            members = [m for m in vault.pending_with_upload(marked) if m.folio not in tried]
            url, _, integrity = marked.partition(LOTE_MARK)
            if len(members) > 1 and self._lote_integrity(members) == integrity:
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
        self._mark = None
        try:
            result = self.client.upload(
                env.envelope, env.folio, env.integrity, upload_url,
                on_progress=lambda done, total: self._advanced(summary, done, total, on_progress, env.folio),
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
    def _lote_integrity(self, members: list[QueuedEnvelope]) -> str:
        return sealing.integrity_code(lote.pack([self.station.vault.envelope_bytes(m.folio) or b"" for m in members]))

    def _send_lote(self, group: list[QueuedEnvelope], resume_url: str | None, summary: SyncSummary) -> None:
        folios = [e.folio for e in group]
        envelopes = [self.station.vault.envelope_bytes(f) for f in folios]  # at most LOTE_MAX_BYTES
        if any(e is None for e in envelopes):  # acknowledged meanwhile (e.g. a USB acuse): plan again
            _set_upload_url(self.station, folios, None)
            return
        integrity = sealing.integrity_code(lote.pack(envelopes))
        if resume_url is None:
            _set_upload_url(self.station, folios, None)
        self._mark = None
        try:
            result = self.client.upload_lote(
                envelopes, resume_url,
                on_created=lambda url: _set_upload_url(self.station, folios, url + LOTE_MARK + integrity),
                on_progress=lambda done, total: self._advanced(summary, done, total),
            )
        except Refused as exc:
            _set_upload_url(self.station, folios, None)
            if exc.code in ENVELOPE_REFUSALS:  # the lote as a whole was refused: each one alone says why
                for env in group:
                    self._send(self.station.vault.get(env.folio), summary, None)
                return
            if exc.code in RESTART_REFUSALS:  # next pass: grouped anew
                summary.fail(f"lote: {exc.code}", exc.message)
                return
            raise
        summary.lotes += 1
        summary.bytes_sent += result.bytes_sent
        for env, item in zip(group, result.items):
            if item.get("integrity") != env.integrity:
                summary.fail(f"{env.folio}: lote desordenado", f"{env.folio}: lote desordenado")
                continue
            if "acuse" in item:
                summary.uploaded += 1
                self._apply(env.folio, item["acuse"], summary)
            else:
                self._refused(env.folio, str(item.get("code")), str(item.get("message", "")), summary)

    def _advanced(self, summary: SyncSummary, done: int, total: int, on_progress=None, folio: str = "") -> None:
        """An upload's offset moved: feed the watchdog and fit the chunk size to the link."""
        summary.advances += 1
        now = time.monotonic()
        if self._mark is not None and done > self._mark[1] and now > self._mark[0]:
            rate = (done - self._mark[1]) / (now - self._mark[0])
            self.client.chunk_size = int(min(self._max_chunk, max(MIN_CHUNK, rate * CHUNK_SECONDS)))
        self._mark = (now, done)
        self._beat()
        if on_progress is not None:
            on_progress(folio, done, total)

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
        summary.fail(f"{folio}: {code}", f"{folio}: {message or code}")

    def _apply(self, folio: str, acuse: dict, summary: SyncSummary) -> None:
        try:
            state = self.station.apply_acuse(acuse)
        except sealing.InvalidSignature:
            self.station.vault.note_failure(folio, "acuse no válido")
            summary.fail(f"{folio}: acuse no válido", f"{folio}: acuse no válido")
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

    def run_forever(self, *, min_delay: float = 5.0, max_delay: float = 900.0, notify=None,
                    watchdog_every: float = 1.0) -> None:
        """Loop until SIGTERM: sync, then sleep. The delay doubles (with jitter) only after a pass
        in which nothing got through; the watchdog is fed from inside the pass (see heartbeat)."""
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        last_beat = [0.0]

        def beat() -> None:
            now = time.monotonic()
            if notify and now - last_beat[0] >= watchdog_every:
                last_beat[0] = now
                notify("WATCHDOG=1")

        self.heartbeat = beat
        delay = min_delay
        if notify:
            notify("READY=1")
        while not self.stopping.is_set():
            if self.identity_replaced():
                log.warning("this device was provisioned again: the sync daemon stops so it restarts with the new identity")
                return
            with UploadProgress(self.station.vault) as progress:  # what Envío's bar shows
                summary = self.run_once(on_progress=progress)
            pending = self.station.vault.pending_count()
            if notify:
                beat()
                notify(f"STATUS=pendientes={pending} errores={len(summary.errors)}")
            if summary.link_ok and not summary.errors:
                delay = min_delay
            elif summary.moved:
                delay = min_delay
                log.info("pass ended on a cut after %d acuses; %d pending; next pass soon", summary.acknowledged, pending)
            else:
                delay = min(max_delay, delay * 2)
                log.info("nothing got through; %d pending; next pass in about %.0f s", pending, delay)
            deadline = time.monotonic() + delay * random.uniform(0.8, 1.2)
            while not self.stopping.is_set() and time.monotonic() < deadline:
                self.stopping.wait(min(1.0, max(0.0, deadline - time.monotonic())))
                beat()


def _set_upload_url(station: Station, folios: list[str], url: str | None) -> None:
    """Mark a whole lote uploading with its URL (persisted for a resume after reboot)."""
    station.vault.mark_uploading_many(folios, url)
