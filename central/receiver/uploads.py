"""tus 1.0.0 uploads at the receiver (creation, core, checksum, termination, expiration): bytes
in progress live in the database, so any instance resumes any upload; completion is atomic.

A mixin of `Receiver`: it relies on `engine`, `now()`, `_verified()`, `_store_all()`, `_retrying()`.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets

import sqlalchemy as sa
from nacl.signing import VerifyKey

from central.receiver import store as st
from central.receiver.errors import ReceiverError
from kiosk import sealing
from sync import lote
from sync.protocol import upload_claim

log = logging.getLogger(__name__)

MAX_UPLOAD = 20 * 1024 * 1024
UPLOAD_TTL = 7 * 24 * 3600
# What one device may hold in uploads not yet complete: a new upload past either limit drops that
# device's oldest open uploads (a kiosk sends one at a time; only its own abandoned ones go).
MAX_OPEN_UPLOADS = 8
MAX_HELD_BYTES = 48 * 1024 * 1024


class TusUploads:
    def create_upload(self, length: int, metadata: dict[str, str]) -> tuple[str, dict | None]:
        """Start an upload authorized by a device signature in its metadata.

        Returns (upload id, acuse or None): an envelope already received comes back as a
        completed upload with its acuse, so nothing is sent twice."""
        if length <= 0 or length > MAX_UPLOAD:
            raise ReceiverError(413, "tamano", "Tamaño de envío no permitido")
        folio, device_id, integrity = metadata.get("folio", ""), metadata.get("device", ""), metadata.get("integrity", "")
        dev = self.device(device_id)
        if dev is None:
            raise ReceiverError(403, "dispositivo_desconocido", "Dispositivo desconocido")
        if not any(_claim_ok(key, folio, integrity, length, metadata.get("signature", "")) for key in self.envelope_keys(device_id)):
            raise ReceiverError(401, "firma_invalida", "La firma del envío no es válida")
        if not lote.is_lote(folio) and _folio_device(folio) != device_id:
            with self.engine.begin() as c:
                st.incident(c, "folio_ajeno", device_id, folio[:120], "envío de un folio de otro dispositivo")
            log.warning("upload refused: device %s claims folio %s", device_id, folio[:120])
            raise ReceiverError(403, "folio_ajeno", "El folio no corresponde al dispositivo que lo envía.")
        self.purge_expired()
        upload_id = secrets.token_hex(16)
        with self.engine.begin() as c:
            _make_room(c, device_id, length)
            if lote.is_lote(folio):
                if folio != lote.folio_for(integrity):
                    raise ReceiverError(400, "metadata", "Nombre de lote no corresponde a su integridad")
                previous = c.execute(
                    sa.select(st.uploads.c.acuse).where(
                        (st.uploads.c.device_id == device_id) & (st.uploads.c.folio == folio)
                        & (st.uploads.c.integrity == integrity) & st.uploads.c.acuse.is_not(None)
                    )
                ).first()
                done_doc = previous.acuse if previous is not None else None
            else:
                existing = c.execute(sa.select(st.envelopes.c.integrity, st.envelopes.c.acuse).where(st.envelopes.c.folio == folio)).first()
                done_doc = existing.acuse if existing is not None and existing.integrity == integrity else None
            done = done_doc is not None
            c.execute(
                st.uploads.insert().values(
                    upload_id=upload_id, length=length, offset=length if done else 0,
                    meta=json.dumps(metadata), device_id=device_id, folio=folio, integrity=integrity,
                    created_at=self.now(), expires_at=self.now() + UPLOAD_TTL, acuse=done_doc,
                )
            )
        return upload_id, (json.loads(done_doc) if done else None)

    def purge_expired(self, every: float = 60.0) -> int:
        """tus expiration: drop uploads (and their bytes) past Upload-Expires; at most once a minute."""
        now = self.now()
        if now - self._last_purge < every:
            return 0
        self._last_purge = now
        with self.engine.begin() as c:
            gone = [r[0] for r in c.execute(sa.select(st.uploads.c.upload_id).where(st.uploads.c.expires_at < now))]
            if gone:
                c.execute(sa.delete(st.chunks).where(st.chunks.c.upload_id.in_(gone)))
                c.execute(sa.delete(st.uploads).where(st.uploads.c.upload_id.in_(gone)))
        if gone:
            log.info("purged %d expired uploads", len(gone))
        return len(gone)

    def upload(self, upload_id: str, device_id: str | None = None):
        """An upload by id; with `device_id`, only that device's (another's answers as unknown)."""
        with self.engine.connect() as c:
            row = c.execute(sa.select(st.uploads).where(st.uploads.c.upload_id == upload_id)).first()
        if row is None or (device_id is not None and row.device_id != device_id):
            raise ReceiverError(404, "envio_desconocido", "Envío desconocido")
        if row.expires_at < self.now() and row.acuse is None:
            raise ReceiverError(410, "envio_expirado", "El envío expiró; empiece de nuevo")
        return row

    def append(self, upload_id: str, offset: int, data: bytes, device_id: str | None = None) -> tuple[int, dict | None]:
        """Append at `offset` (compare-and-set); the bytes that complete the upload are checked
        and stored with the envelope(s) in one transaction. Returns (new offset, result)."""
        row = self.upload(upload_id, device_id)
        if offset != row.offset:
            raise ReceiverError(409, "offset", f"Upload-Offset {offset} no coincide con {row.offset}")
        if row.offset + len(data) > row.length:
            raise ReceiverError(400, "excede", "Los datos exceden Upload-Length")
        if row.acuse is None and offset + len(data) == row.length:
            return row.length, self._complete(row, data)
        if data:
            with self.engine.begin() as c:
                _move_offset(c, upload_id, offset, offset + len(data))
                c.execute(st.chunks.insert().values(upload_id=upload_id, offset=offset, data=data))
        return offset + len(data), None

    def result(self, upload_id: str, device_id: str | None = None) -> dict:
        """What a complete upload produced; finishes one whose last bytes landed but whose
        instance stopped before issuing the acuse."""
        row = self.upload(upload_id, device_id)
        if row.acuse:
            return json.loads(row.acuse)
        if row.offset == row.length:
            return self.finalize(upload_id)
        raise ReceiverError(404, "incompleto", "El envío aún no está completo")

    def terminate(self, upload_id: str, device_id: str | None = None) -> None:
        self.upload(upload_id, device_id)
        with self.engine.begin() as c:
            c.execute(sa.delete(st.chunks).where(st.chunks.c.upload_id == upload_id))
            c.execute(sa.delete(st.uploads).where(st.uploads.c.upload_id == upload_id))

    def _assemble(self, upload_id: str) -> bytes:
        with self.engine.connect() as c:
            parts = c.execute(
                sa.select(st.chunks.c.offset, st.chunks.c.data).where(st.chunks.c.upload_id == upload_id).order_by(st.chunks.c.offset)
            ).all()
        out, pos = [], 0
        for off, data in parts:
            if off != pos:
                raise ReceiverError(500, "hueco", "Datos del envío incompletos")
            out.append(bytes(data))
            pos += len(data)
        return b"".join(out)

    def finalize(self, upload_id: str) -> dict:
        row = self.upload(upload_id)
        if row.acuse:
            return json.loads(row.acuse)
        return self._complete(row, b"")

    def _complete(self, row, data: bytes) -> dict:
        """The last bytes of an upload: check integrity and signatures, then in ONE transaction
        move the offset, store the envelope(s), keep the result and drop the chunks."""
        envelope = self._assemble(row.upload_id) + data
        if sealing.integrity_code(envelope) != row.integrity:
            self.terminate(row.upload_id)
            with self.engine.begin() as c:
                st.incident(c, "integridad", row.device_id, row.folio, "sha256 no coincide")
            raise ReceiverError(460, "integridad", "El código de integridad no coincide; envíe de nuevo")
        try:
            if lote.is_lote(row.folio):
                out, valid, dev = self._check_lote(envelope, row.device_id)
            else:
                header, dev = self._verified(envelope, row.device_id, row.folio)
                out, valid = [{}], [(0, envelope, row.integrity, header)]
        except ReceiverError:
            self.terminate(row.upload_id)  # a refused upload starts over (and is refused again, the same way)
            raise

        def work(c: sa.Connection) -> dict:
            if data:
                _move_offset(c, row.upload_id, row.length - len(data), row.length)
            acuses = self._store_all(c, [(e, i, h) for _, e, i, h in valid], dev) if valid else []
            for (pos, *_rest), acuse in zip(valid, acuses):
                out[pos]["acuse"] = acuse
            result = {"lote": out} if lote.is_lote(row.folio) else out[0]["acuse"]
            c.execute(st.uploads.update().where(st.uploads.c.upload_id == row.upload_id).values(acuse=json.dumps(result)))
            c.execute(sa.delete(st.chunks).where(st.chunks.c.upload_id == row.upload_id))
            return result

        return self._retrying(work)

    def _check_lote(self, data: bytes, device_id: str) -> tuple[list[dict], list[tuple], object]:
        """Each envelope of a lote on its own: verified ones to store, the others with the reason."""
        try:
            members = lote.unpack(data)
        except lote.InvalidLote as exc:
            raise ReceiverError(422, "sobre_invalido", "El lote está mal formado") from exc
        out: list[dict] = []
        valid: list[tuple[int, bytes, str, dict]] = []
        dev = None
        for envelope in members:
            integrity = sealing.integrity_code(envelope)
            try:
                header, dev = self._verified(envelope, device_id)
                valid.append((len(out), envelope, integrity, header))
                out.append({"integrity": integrity})
            except ReceiverError as exc:
                out.append({"integrity": integrity, "code": exc.code, "message": exc.message})
        return out, valid, dev


def _folio_device(folio: str) -> str:
    """The device segment of a folio (process-auxiliar-device-record), or "" if it has none."""
    parts = folio.split("-")
    return parts[2] if len(parts) == 4 else ""


def _make_room(c: sa.Connection, device_id: str, length: int) -> None:
    """Per-device caps on open uploads and bytes they may hold: drop the oldest open ones."""
    open_rows = c.execute(
        sa.select(st.uploads.c.upload_id, st.uploads.c.length).where(
            (st.uploads.c.device_id == device_id) & st.uploads.c.acuse.is_(None)
        ).order_by(st.uploads.c.created_at)
    ).all()
    held = sum(r.length for r in open_rows) + length
    dropped = []
    while open_rows and (len(open_rows) >= MAX_OPEN_UPLOADS or held > MAX_HELD_BYTES):
        oldest = open_rows.pop(0)
        held -= oldest.length
        dropped.append(oldest.upload_id)
    if dropped:
        c.execute(sa.delete(st.chunks).where(st.chunks.c.upload_id.in_(dropped)))
        c.execute(sa.delete(st.uploads).where(st.uploads.c.upload_id.in_(dropped)))
        log.warning("device %s at its upload limits: %d oldest open uploads dropped", device_id, len(dropped))


def _move_offset(c: sa.Connection, upload_id: str, old: int, new: int) -> None:
    """Compare-and-set: two instances (or a replayed PATCH) never both append at one offset."""
    moved = c.execute(
        st.uploads.update().where((st.uploads.c.upload_id == upload_id) & (st.uploads.c.offset == old)).values(offset=new)
    ).rowcount
    if moved != 1:
        raise ReceiverError(409, "offset", "Otro envío simultáneo movió el offset")


def _claim_ok(key: VerifyKey, folio: str, integrity: str, length: int, signature: str) -> bool:
    try:
        key.verify(upload_claim(folio, integrity, length), base64.b64decode(signature, validate=True))
        return True
    except Exception:
        return False

