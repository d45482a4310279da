"""Garantía de audiencia (seed 001 §10.8, §11; 000 §12): a session where OPL officials and the
promovente review the records with inconsistencies or not found in the Padrón, record each
allegation, new evidence and decision, and close with an acta circunstanciada (PDF) and its
report; a closed session is locked.

A session moves programada → en_curso → cerrada (TRANSITIONS); decisions are taken en_curso only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from central import spreadsheet
from central import tables as t
from central.compulsa import MOTIVOS_BAJA, SITUACIONES, situacion_of
from central.receiver import store as st
from central.records import APOYO_KINDS, STATUS_LABELS, RecordError, hora_centro_text, set_status

TRANSITIONS = {"programada": ("en_curso",), "en_curso": ("cerrada",), "cerrada": ()}
# Seed 001 §11.3 (000 §12.2, §12.4): the OPL notifies INE of each session at least 48 hours ahead,
# with the officials, the user accounts and the records each will review.
NOTICE_SECONDS = 48 * 3600
DECISION_STATUSES = ("para_compulsa", "con_inconsistencia", "duplicado")
REVIEWABLE_SITUACIONES = ("datos_no_encontrados", "baja", "sin_respuesta")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian fonts-dejavu-core


class AudienciaError(RecordError):
    """A step the session's state does not allow, or a decision that is incomplete."""


@dataclass(frozen=True)
class Official:
    nombre: str
    cargo: str = ""

    def text(self) -> str:
        return f"{self.nombre}, {self.cargo}" if self.cargo else self.nombre


def reviewable_folios(conn: sa.Connection, process_id: str) -> list[str]:
    """Records a promovente may review (§10.8): with inconsistencies, or not found / de baja."""
    e, s = st.envelopes.c, t.situacion_registral.c
    q = (sa.select(e.folio).select_from(st.envelopes.outerjoin(t.situacion_registral, s.folio == e.folio))
         .where(e.process_id == process_id, e.kind.in_(APOYO_KINDS),
                sa.or_(e.status == "con_inconsistencia",
                       sa.and_(e.status == "para_compulsa", s.situacion.in_(REVIEWABLE_SITUACIONES))))
         .order_by(e.folio))
    return list(conn.execute(q).scalars())


def earliest(notified_at: float) -> float:
    """The first whole minute a session notified at `notified_at` may be held (§11.3)."""
    return math.ceil((notified_at + NOTICE_SECONDS) / 60) * 60


def neighbours(engine: sa.Engine, process_id: str, audiencia_id: int) -> list[int]:
    """Other open sessions of the process less than an hour from this one: 000 §12.4 recommends at
    least an hour between sessions on the same day (a recommendation: shown, not refused)."""
    a = t.audiencias.c
    with engine.connect() as c:
        when = c.execute(sa.select(a.scheduled_for).where(a.id == audiencia_id)).scalar()
        return list(c.execute(sa.select(a.id).where(
            a.process_id == process_id, a.id != audiencia_id, a.status != "cerrada",
            a.scheduled_for > when - 3600, a.scheduled_for < when + 3600).order_by(a.id)).scalars())


def schedule(engine: sa.Engine, process_id: str, when: float, officials: list[Official], promoventes: list[str],
             folios: list[str] | None = None, place: str = "", accounts: list[str] = (),
             notified_at: float | None = None) -> int:
    """Schedule a session and issue its notice to INE (`notified_at`, default now; `aviso_text`):
    the session must be at least 48 hours after the notice. `folios` defaults to every
    reviewable record of the process; `accounts`, the user accounts that will operate it."""
    t.create_tables(engine)
    notified = time.time() if notified_at is None else notified_at
    if when < notified + NOTICE_SECONDS:
        raise AudienciaError(
            "La audiencia debe programarse al menos 48 horas después del aviso al INE (§11.3 del convenio): "
            f"con un aviso del {hora_centro_text(notified)}, la fecha más próxima es el {hora_centro_text(earliest(notified))}")
    if not officials:
        raise AudienciaError("La audiencia necesita al menos una persona funcionaria del OPL")
    if not promoventes:
        raise AudienciaError("La audiencia necesita la representación de la persona promovente")
    with engine.begin() as c:
        allowed = reviewable_folios(c, process_id)
        chosen = sorted(set(allowed if folios is None else folios))
        reviewable = set(allowed)
        outside = [f for f in chosen if f not in reviewable]
        if outside:
            raise AudienciaError(f"Estos folios no tienen inconsistencia ni están fuera del Padrón: {', '.join(outside[:5])}")
        if not chosen:
            raise AudienciaError("No hay registros que revisar en esta audiencia")
        audiencia_id = c.execute(t.audiencias.insert().values(
            process_id=process_id, scheduled_for=when, place=place[:200], status="programada", notified_at=notified,
            accounts=json.dumps(sorted(set(accounts)), ensure_ascii=False),
            officials=json.dumps([o.__dict__ for o in officials], ensure_ascii=False),
            promoventes=json.dumps(promoventes, ensure_ascii=False))).inserted_primary_key[0]
        before = {r.folio: r for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status, st.envelopes.c.detail)
                                                  .where(st.envelopes.c.folio.in_(chosen)))}
        c.execute(t.audiencia_records.insert(), [
            {"audiencia_id": audiencia_id, "folio": f, "status_before": before[f].status, "detail_before": before[f].detail,
             "situacion_before": situacion_of(c, f)} for f in chosen])
    return int(audiencia_id)


def _move(conn: sa.Connection, audiencia_id: int, to: str) -> sa.Row:
    row = conn.execute(sa.select(t.audiencias).where(t.audiencias.c.id == audiencia_id).with_for_update()).first()
    if row is None:
        raise AudienciaError(f"No existe la audiencia {audiencia_id}")
    if to not in TRANSITIONS[row.status]:
        raise AudienciaError(f"La audiencia {audiencia_id} está {row.status.replace('_', ' ')}: no se puede pasar a {to.replace('_', ' ')}")
    return row


def start(engine: sa.Engine, audiencia_id: int, at: float | None = None) -> None:
    with engine.begin() as c:
        _move(c, audiencia_id, "en_curso")
        c.execute(t.audiencias.update().where(t.audiencias.c.id == audiencia_id).values(
            status="en_curso", started_at=at if at is not None else time.time()))


def decide(engine: sa.Engine, audiencia_id: int, folio: str, *, official: str, allegation: str = "",
           evidence: str = "", evidence_file: bytes | None = None, new_status: str | None = None,
           new_situacion: str | None = None, reason: str = "") -> str:
    """Record the promovente's allegation, any new evidence (§11.6-11.8) and the decision on one
    record, and apply it; deciding the same record again before the close replaces the decision.
    Returns 'mantiene' or 'modifica'."""
    with engine.begin() as c:
        session = c.execute(sa.select(t.audiencias.c.status).where(t.audiencias.c.id == audiencia_id)
                            .with_for_update()).scalar()  # a close at the same moment waits for this decision
        if session != "en_curso":
            raise AudienciaError(f"La audiencia {audiencia_id} no está en curso ({session or 'no existe'}): no admite decisiones")
        row = c.execute(sa.select(t.audiencia_records).where(
            t.audiencia_records.c.audiencia_id == audiencia_id, t.audiencia_records.c.folio == folio)).first()
        if row is None:
            raise AudienciaError(f"El folio {folio} no está asignado a la audiencia {audiencia_id}")
        status_after = new_status or row.status_before
        situacion_after = new_situacion if new_situacion is not None else row.situacion_before
        if status_after not in DECISION_STATUSES and status_after != row.status_before:
            raise AudienciaError(f"Estatus no permitido en audiencia: {status_after}")
        if situacion_after and situacion_after not in SITUACIONES:
            raise AudienciaError(f"Situación registral desconocida: {situacion_after}")
        changed = status_after != row.status_before or situacion_after != row.situacion_before
        if changed and not reason.strip():
            raise AudienciaError("Un cambio de estatus necesita el motivo")
        if situacion_after != row.situacion_before:
            if not row.situacion_before:
                raise AudienciaError(f"El folio {folio} no tiene situación registral que corregir")
            if not (evidence.strip() or evidence_file):
                raise AudienciaError("Cambiar la situación registral requiere la evidencia nueva que presenta la persona promovente (§11.6-11.8)")
        set_status(c, folio, status_after, f"audiencia {audiencia_id}: {reason.strip()}" if changed else row.detail_before)
        if row.situacion_before:
            values = {"situacion": situacion_after} if situacion_after == "baja" else {"situacion": situacion_after, "motivo_baja": ""}
            c.execute(t.situacion_registral.update().where(t.situacion_registral.c.folio == folio).values(**values))
        decision = "modifica" if changed else "mantiene"
        c.execute(t.audiencia_records.update().where(
            t.audiencia_records.c.audiencia_id == audiencia_id, t.audiencia_records.c.folio == folio).values(
            allegation=allegation.strip()[:4000], evidence=evidence.strip()[:2000],
            evidence_sha256=hashlib.sha256(evidence_file).hexdigest() if evidence_file else "",
            decision=decision, status_after=status_after, situacion_after=situacion_after, reason=reason.strip()[:2000],
            official=official[:120], decided_at=time.time()))
    return decision


def close(engine: sa.Engine, audiencia_id: int, at: float | None = None) -> bytes:
    """End the session: write the acta circunstanciada (PDF), keep it with its SHA-256, lock it."""
    closed_at = at if at is not None else time.time()
    with engine.begin() as c:
        _move(c, audiencia_id, "cerrada")
        c.execute(t.audiencias.update().where(t.audiencias.c.id == audiencia_id).values(status="cerrada", closed_at=closed_at))
        pdf = acta_pdf(c, audiencia_id)
        c.execute(t.audiencias.update().where(t.audiencias.c.id == audiencia_id).values(
            acta_pdf=pdf, acta_sha256=hashlib.sha256(pdf).hexdigest()))
    return pdf


def acta(engine: sa.Engine, audiencia_id: int) -> bytes:
    """The stored acta of a closed session."""
    with engine.connect() as c:
        pdf = c.execute(sa.select(t.audiencias.c.acta_pdf).where(t.audiencias.c.id == audiencia_id)).scalar()
    if not pdf:
        raise AudienciaError(f"La audiencia {audiencia_id} no tiene acta: ciérrela primero")
    return bytes(pdf)


def aviso_text(engine: sa.Engine, audiencia_id: int) -> str:
    """The notice to INE of a session (§11.3): date, place, officials, user accounts and the
    records to review (folios only: no personal data), with the time it was issued."""
    with engine.connect() as c:
        a = c.execute(sa.select(t.audiencias).where(t.audiencias.c.id == audiencia_id)).first()
        if a is None:
            raise AudienciaError(f"No existe la audiencia {audiencia_id}")
        folios = list(c.execute(sa.select(t.audiencia_records.c.folio).where(
            t.audiencia_records.c.audiencia_id == audiencia_id).order_by(t.audiencia_records.c.folio)).scalars())
    officials = [Official(**o) for o in json.loads(a.officials)]
    accounts = json.loads(a.accounts or "[]")
    lines = [
        "AVISO AL INE DE GARANTÍA DE AUDIENCIA",
        "(convenio, Documento de Especificaciones Técnicas §11.3: con 48 horas de anticipación)",
        "",
        f"Proceso: {a.process_id}",
        f"Audiencia número: {audiencia_id}",
        f"Aviso emitido: {hora_centro_text(a.notified_at) if a.notified_at else 'no registrado'}",
        f"Fecha y hora de la sesión: {hora_centro_text(a.scheduled_for)}",
        f"Lugar: {a.place or 'no indicado'}",
        "Personas funcionarias del OPL:",
        *[f"  - {o.text()}" for o in officials],
        "Cuentas de usuario que operarán la sesión:",
        *([f"  - {u}" for u in accounts] or ["  - (no indicadas)"]),
        f"Representación de la persona promovente: {'; '.join(json.loads(a.promoventes))}",
        f"Carga de registros: {len(folios)}",
        *[f"  {f}" for f in folios],
    ]
    return "\n".join(lines) + "\n"


def report_rows(conn: sa.Connection, audiencia_id: int) -> list[dict]:
    """The report attached to the acta (§11.2, §11.5): each record reviewed, its status and
    whether the review changed it. Folios and statuses only: no personal data."""
    rows = conn.execute(sa.select(t.audiencia_records).where(t.audiencia_records.c.audiencia_id == audiencia_id)
                        .order_by(t.audiencia_records.c.folio)).all()
    return [{
        "folio": r.folio, "estatus_anterior": r.status_before, "situacion_anterior": r.situacion_before,
        "manifestacion": r.allegation, "evidencia": r.evidence + (f" (SHA-256 {r.evidence_sha256[:16]}…)" if r.evidence_sha256 else ""),
        "resolucion": {"pendiente": "sin revisar", "mantiene": "se mantiene", "modifica": "se modifica"}[r.decision],
        "estatus_final": r.status_after or r.status_before,
        "situacion_final": r.situacion_after if r.decision != "pendiente" else r.situacion_before,
        "motivo": r.reason, "funcionario": r.official,
    } for r in rows]


def report_csv(engine: sa.Engine, audiencia_id: int) -> str:
    with engine.connect() as c:
        rows = report_rows(c, audiencia_id)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["folio"], lineterminator="\n")
    w.writeheader()
    w.writerows(map(spreadsheet.record, rows))
    return buf.getvalue()


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, SITUACIONES.get(status, MOTIVOS_BAJA.get(status, status)))


TABLE_TEXT = 300  # characters of a text shown in the report's table (about ten lines of its column)
ANNEX_FIELDS = {"manifestacion": "Manifestación", "evidencia": "Evidencia", "motivo": "Motivo"}


def _in_table(text: str) -> str:
    """A text as the report's table shows it: its start, when the whole would make the row taller
    than a page (an allegation keeps up to 4 000 characters); the annex has it whole."""
    if not text:
        return "—"
    return text if len(text) <= TABLE_TEXT else text[:TABLE_TEXT].rstrip() + " … (completo en el anexo)"


def acta_pdf(conn: sa.Connection, audiencia_id: int) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    a = conn.execute(sa.select(t.audiencias).where(t.audiencias.c.id == audiencia_id)).first()
    body = conn.execute(sa.select(st.processes.c.body).where(st.processes.c.process_id == a.process_id)).scalar()
    process = json.loads(body) if body else {}
    officials = [Official(**o) for o in json.loads(a.officials)]
    promoventes = json.loads(a.promoventes)
    rows = report_rows(conn, audiencia_id)
    changed = [r for r in rows if r["resolucion"] == "se modifica"]

    if not Path(FONT_DIR, "DejaVuSans.ttf").exists():
        raise AudienciaError("Falta la fuente DejaVu para el acta (paquete Debian fonts-dejavu-core)")
    pdf = FPDF(orientation="L", format="Letter")
    pdf.set_title(f"Acta circunstanciada - audiencia {audiencia_id}")
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, "ACTA CIRCUNSTANCIADA DE LA GARANTÍA DE AUDIENCIA", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(2)
    lines = [
        f"Proceso: {a.process_id} — {process.get('name', '')}",
        f"Persona promovente: {process.get('promovente', '')}",
        f"Audiencia número: {audiencia_id}",
        f"Lugar: {a.place or 'no indicado'}",
        f"Fecha y hora programadas: {hora_centro_text(a.scheduled_for)}",
        f"Aviso al INE (§11.3): {hora_centro_text(a.notified_at) if a.notified_at else 'no registrado'}",
        f"Cuentas de usuario que operan la sesión: {', '.join(json.loads(a.accounts or '[]')) or 'no indicadas'}",
        f"Inicio: {hora_centro_text(a.started_at) if a.started_at else '—'}",
        f"Cierre: {hora_centro_text(a.closed_at) if a.closed_at else '—'}",
    ]
    for line in lines:
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, "Personas funcionarias del OPL que intervienen", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for o in officials:
        pdf.multi_cell(0, 5.5, f"• {o.text()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, "Representación de la persona promovente", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for p in promoventes:
        pdf.multi_cell(0, 5.5, f"• {p}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, 5.5, (
        "Se pusieron a la vista de la representación de la persona promovente los testigos visuales y los datos de "
        "los registros con inconsistencias o no localizados en el Padrón Electoral asignados a esta audiencia; se "
        "escucharon sus manifestaciones y se recibió la evidencia nueva que presentó. Resultado: "
        f"registros asignados: {len(rows)}; con modificación de estatus: {len(changed)}; "
        f"se mantienen: {sum(1 for r in rows if r['resolucion'] == 'se mantiene')}; "
        f"sin revisar: {sum(1 for r in rows if r['resolucion'] == 'sin revisar')}. "
        "El detalle consta en el reporte siguiente, que forma parte de esta acta."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, f"Reporte de registros revisados ({len(rows)}; con modificación: {len(changed)})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    with pdf.table(col_widths=(50, 35, 48, 40, 22, 35, 29), headings_style=FontFace(emphasis="BOLD"),
                   line_height=3.6, text_align="LEFT") as table:
        table.row(["Folio", "Estatus anterior", "Manifestación", "Evidencia", "Resolución", "Estatus final", "Motivo"])
        for r in rows:
            before = _label(r["estatus_anterior"]) + (f" / {_label(r['situacion_anterior'])}" if r["situacion_anterior"] else "")
            after = _label(r["estatus_final"]) + (f" / {_label(r['situacion_final'])}" if r["situacion_final"] else "")
            table.row([r["folio"], before, _in_table(r["manifestacion"]), _in_table(r["evidencia"]), r["resolucion"], after,
                       _in_table(r["motivo"])])
    long_texts = [r for r in rows if any(len(r[k]) > TABLE_TEXT for k in ANNEX_FIELDS)]
    if long_texts:
        # a table row cannot break across pages: the whole texts follow as paragraphs, which can
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, "Anexo: textos completos", new_x="LMARGIN", new_y="NEXT")
        for r in long_texts:
            pdf.set_font("DejaVu", "B", 8)
            pdf.multi_cell(0, 4.5, f"Folio {r['folio']}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 8)
            for key, label in ANNEX_FIELDS.items():
                if r[key]:
                    pdf.multi_cell(0, 4, f"{label}: {r[key]}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5.5, "Firman quienes intervinieron:", new_x="LMARGIN", new_y="NEXT")
    for name in [o.text() for o in officials] + [f"{p} (promovente)" for p in promoventes]:
        pdf.ln(8)
        pdf.cell(0, 5.5, "_" * 40, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 5.5, name, new_x="LMARGIN", new_y="NEXT")
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(0, 4, f"Código de integridad del reporte (SHA-256): {digest}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
