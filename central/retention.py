"""Retention (seed 001 §13.9, 000 §14.1): once the definitive results of a process are delivered
and the legal period after that delivery has run, its evidence is purged on command, leaving a
record of what was deleted signed by the receiver's authority key."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import sqlalchemy as sa
from nacl.signing import SigningKey, VerifyKey

from kiosk import sealing
from central import tables as t
from central.receiver import store as st
from central.records import RecordError, hora_centro_text

DEFAULT_PERIOD = timedelta(days=90)  # 000 §14.1: consultable three months after the final result
PURPOSE = "purga_de_evidencia"


def purge(engine: sa.Engine, authority: SigningKey, process_id: str, *, period: timedelta = DEFAULT_PERIOD,
          now: float | None = None) -> dict:
    """Delete every envelope of `process_id` (the sealed evidence), its person tags, the sealed
    copies of its fields and its situación registral; keep the audiencias' actas and the results deliveries. Returns the signed record
    (`sealing.sign_document`) listing each folio and integrity code deleted."""
    t.create_tables(engine)
    at = time.time() if now is None else now
    with engine.begin() as c:
        delivered = c.execute(sa.select(sa.func.max(t.result_deliveries.c.created_at)).where(
            t.result_deliveries.c.process_id == process_id, t.result_deliveries.c.phase == "definitivo")).scalar()
        if delivered is None:
            raise RecordError(f"El proceso {process_id} no tiene resultados definitivos entregados: no se puede purgar")
        if at < delivered + period.total_seconds():
            raise RecordError(f"El plazo legal corre hasta {hora_centro_text(delivered + period.total_seconds())}: "
                              "la evidencia se conserva hasta entonces")
        e = st.envelopes.c
        gone = c.execute(sa.select(e.folio, e.integrity, e.kind, e.status).where(e.process_id == process_id)
                         .order_by(e.folio)).all()
        folios = [r.folio for r in gone]
        for start in range(0, len(folios), 1000):
            part = folios[start : start + 1000]
            c.execute(st.envelopes.delete().where(e.folio.in_(part)))
            uploads = sa.select(st.uploads.c.upload_id).where(st.uploads.c.folio.in_(part)).scalar_subquery()
            c.execute(st.chunks.delete().where(st.chunks.c.upload_id.in_(uploads)))
            c.execute(st.uploads.delete().where(st.uploads.c.folio.in_(part)))
        c.execute(st.apoyo_persons.delete().where(st.apoyo_persons.c.process_id == process_id))
        c.execute(t.situacion_registral.delete().where(t.situacion_registral.c.process_id == process_id))
        packs = sa.select(t.field_packs.c.pack_id).where(t.field_packs.c.process_id == process_id).scalar_subquery()
        c.execute(t.field_pack_members.delete().where(t.field_pack_members.c.pack_id.in_(packs)))
        c.execute(t.field_packs.delete().where(t.field_packs.c.process_id == process_id))
        body = {
            "process_id": process_id, "deleted_at": hora_centro_text(at), "records": len(gone),
            "results_delivered_at": hora_centro_text(delivered), "period_days": period.days,
            "deleted": [[r.folio, r.integrity, r.kind, r.status] for r in gone],
        }
        signed = sealing.sign_document(body, PURPOSE, authority, issued_at=at)
        c.execute(t.retention_records.insert().values(process_id=process_id, at=at, records=len(gone),
                                                      signed=json.dumps(signed, ensure_ascii=False)))
    return signed


def verify_record(doc: dict, authority: VerifyKey) -> dict:
    """The body of a purge record if the authority key signed it, else RecordError."""
    try:
        return sealing.verify_document(doc, authority, PURPOSE)
    except sealing.InvalidSignature as exc:
        raise RecordError("El registro de purga no está firmado por la llave de autoridad del receptor") from exc
