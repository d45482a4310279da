"""Garantía de audiencia (§11): schedule a session, hold it (each record's evidence and fields on
screen for the officials and the promovente together; allegation, new evidence, decision), close
it with the acta circunstanciada (PDF) and lock it. Evidence opens in memory with the Mesa key,
through the same helpers as the Mesa's review page, and every view is audited."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from kiosk.domain import HORA_CENTRO
from central import accounts, audiencia, mesa, processes
from central import tables as t
from central.compulsa import SITUACIONES
from central.receiver import store as st
from central.records import RecordError
from central.web.app import render
from central.web.deps import WebState, checked_form, role, state
from central.web.routes.mesa import IMAGES, _fields

router = APIRouter()
OFFICIALS = ("administrador", "supervisor")  # schedule, start, close
SESSION = (*OFFICIALS, "operador")  # the operator shows the records and records the decisions


def _session_row(web: WebState, aid: int):
    t.create_tables(web.engine)
    with web.engine.connect() as c:
        return c.execute(sa.select(t.audiencias).where(t.audiencias.c.id == aid)).first()


def _list(request: Request, web: WebState, pid: str, status_code: int = 200, **extra):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    t.create_tables(web.engine)
    with web.engine.connect() as c:
        sessions = c.execute(sa.select(t.audiencias).where(t.audiencias.c.process_id == pid)
                             .order_by(t.audiencias.c.scheduled_for)).all()
        reviewable = audiencia.reviewable_folios(c, pid)
        detail = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.detail)
                                .where(st.envelopes.c.folio.in_(reviewable))).all()) if reviewable else {}
    # two minutes of grace: the form is sent a little after it is shown, and the notice is issued then
    earliest = datetime.fromtimestamp(audiencia.earliest(time.time() + 120), tz=HORA_CENTRO)
    operators = [u for u in accounts.list_users(web.engine) if u["active"] and u["role"] in SESSION]
    return render(request, "audiencias.html", status_code, pid=pid, sessions=sessions, reviewable=reviewable, detail=detail,
                  earliest=earliest, earliest_input=earliest.strftime("%Y-%m-%dT%H:%M"), operators=operators,
                  form=extra.pop("form", {}), problems=extra.pop("problems", []), **extra)


@router.get("/procesos/{pid}/audiencias")
def index(request: Request, pid: str, _s=Depends(role(*SESSION)), web: WebState = Depends(state)):
    return _list(request, web, pid)


@router.post("/procesos/{pid}/audiencias")
async def create(request: Request, pid: str, s: accounts.Session = Depends(role(*OFFICIALS)), form=Depends(checked_form),
                 web: WebState = Depends(state)):
    problems = []
    try:
        when = datetime.fromisoformat(str(form.get("fecha") or "")).replace(tzinfo=HORA_CENTRO).timestamp()
    except ValueError:
        problems.append("Indique la fecha y hora de la audiencia (hora del Centro)")
    officials = [audiencia.Official(*(p.strip() for p in line.split("|", 1)))
                 for line in str(form.get("funcionarios") or "").splitlines() if line.strip()]
    promoventes = [line.strip() for line in str(form.get("promoventes") or "").splitlines() if line.strip()]
    folios = [str(f) for f in form.getlist("folio")]
    users = [str(u) for u in form.getlist("cuenta")]
    if not folios:
        problems.append("Elija al menos un registro a revisar")
    kept = {"fecha": str(form.get("fecha") or ""), "lugar": str(form.get("lugar") or ""), "cuentas": users,
            "funcionarios": str(form.get("funcionarios") or ""), "promoventes": str(form.get("promoventes") or "")}
    if problems:
        return _list(request, web, pid, 422, problems=problems, form=kept)
    try:
        aid = audiencia.schedule(web.engine, pid, when, officials, promoventes, folios, kept["lugar"], accounts=users)
    except RecordError as exc:
        return _list(request, web, pid, 422, problems=[str(exc)], form=kept)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "programar_audiencia", process_id=pid,
                        why=f"audiencia {aid}: {len(folios)} registros; aviso al INE emitido")
    notice = "Audiencia programada; el aviso al INE quedó emitido"
    close_by = audiencia.neighbours(web.engine, pid, aid)
    if close_by:
        notice += (f". Atención: está a menos de una hora de la audiencia {', '.join(map(str, close_by))}; se recomienda"
                   " al menos una hora entre audiencias del mismo día")
    return _back(aid, aviso=notice)


@router.get("/audiencias/{aid}")
def show(request: Request, aid: int, s: accounts.Session = Depends(role(*SESSION)), web: WebState = Depends(state)):
    row = _session_row(web, aid)
    if row is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe la audiencia {aid}.")
    with web.engine.connect() as c:
        items = audiencia.report_rows(c, aid)
        details = dict(c.execute(sa.select(t.audiencia_records.c.folio, t.audiencia_records.c.detail_before)
                                 .where(t.audiencia_records.c.audiencia_id == aid)).all())
    records = []
    for item in items:
        found = mesa.get(web.engine, item["folio"])
        evidence = mesa.open_evidence(web.box, found["evidence"]) if found and web.box and row.status == "en_curso" else None
        if evidence is not None:
            mesa.viewed(web.engine, s.user.username, item["folio"], row.process_id, "ver_en_audiencia")
        records.append({**item, "detalle": details.get(item["folio"], ""), "fields": _fields(evidence) if evidence else [],
                        "images": [(n, IMAGES[n]) for n in IMAGES if evidence and evidence.blobs.get(n)]})
    return render(request, "audiencia.html", a=row, officials=json.loads(row.officials), promoventes=json.loads(row.promoventes),
                  session_accounts=json.loads(row.accounts or "[]"),
                  records=records, statuses=audiencia.DECISION_STATUSES, SITUACIONES=SITUACIONES,
                  problem=request.query_params.get("error", ""), notice=request.query_params.get("aviso", ""))


@router.get("/audiencias/{aid}/registro/{folio}/img/{name}")
def image(aid: int, folio: str, name: str, s: accounts.Session = Depends(role(*SESSION)), web: WebState = Depends(state)):
    """An image of a record under review, only while its session is en curso (audited)."""
    row = _session_row(web, aid)
    with web.engine.connect() as c:
        assigned = c.execute(sa.select(t.audiencia_records.c.folio).where(
            t.audiencia_records.c.audiencia_id == aid, t.audiencia_records.c.folio == folio)).scalar()
    found = mesa.get(web.engine, folio) if assigned else None
    if row is None or row.status != "en_curso" or found is None or name not in IMAGES or web.box is None:
        return Response(status_code=404)
    image_found = mesa.open_evidence(web.box, found["evidence"]).image(name)
    if image_found is None:
        return Response(status_code=404)
    mesa.viewed(web.engine, s.user.username, folio, row.process_id, "ver_imagen_en_audiencia")
    data, mime = image_found
    return Response(data, media_type=mime, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _back(aid: int, error: str = "", aviso: str = "") -> RedirectResponse:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("error", error), ("aviso", aviso)) if v})
    return RedirectResponse(f"/audiencias/{aid}" + (f"?{query}" if query else ""), status_code=303)


@router.post("/audiencias/{aid}/iniciar")
async def begin(aid: int, s: accounts.Session = Depends(role(*OFFICIALS)), _form=Depends(checked_form),
                web: WebState = Depends(state)):
    try:
        audiencia.start(web.engine, aid)
    except RecordError as exc:
        return _back(aid, str(exc))
    return _back(aid, aviso="Audiencia en curso")


@router.post("/audiencias/{aid}/registro/{folio}")
async def decide(aid: int, folio: str, s: accounts.Session = Depends(role(*SESSION)), form=Depends(checked_form),
                 web: WebState = Depends(state)):
    upload = form.get("archivo")
    evidence_file = await upload.read() if getattr(upload, "filename", "") else None  # bounded by the form's size
    status = str(form.get("estatus") or "") or None
    situacion = str(form.get("situacion") or "") or None
    try:
        decision = audiencia.decide(web.engine, aid, folio, official=s.user.name or s.user.username,
                                    allegation=str(form.get("manifestacion") or ""), evidence=str(form.get("evidencia") or ""),
                                    evidence_file=evidence_file, new_status=status, new_situacion=situacion,
                                    reason=str(form.get("motivo") or ""))
    except RecordError as exc:
        return _back(aid, f"{folio}: {exc}")
    row = _session_row(web, aid)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "decision_audiencia", process_id=row.process_id, folio=folio,
                        to_status=status or "", why=f"audiencia {aid}: {decision}")
    return _back(aid, aviso=f"{folio}: {'se modifica' if decision == 'modifica' else 'se mantiene'}")


@router.post("/audiencias/{aid}/cerrar")
async def close(aid: int, s: accounts.Session = Depends(role(*OFFICIALS)), _form=Depends(checked_form),
                web: WebState = Depends(state)):
    try:
        await run_in_threadpool(audiencia.close, web.engine, aid)
    except RecordError as exc:
        return _back(aid, str(exc))
    row = _session_row(web, aid)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "cerrar_audiencia", process_id=row.process_id, why=f"audiencia {aid}")
    return _back(aid, aviso="Audiencia cerrada: el acta está lista y la sesión quedó bloqueada")


def _download(make: Callable[[], bytes], media_type: str, filename: str) -> Response:
    """A session's file for the officials, or 404 with the reason when it has none."""
    try:
        body = make()
    except RecordError as exc:
        return Response(str(exc), status_code=404)
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/audiencias/{aid}/acta.pdf")
def acta(aid: int, _s=Depends(role(*OFFICIALS)), web: WebState = Depends(state)):
    return _download(lambda: audiencia.acta(web.engine, aid), "application/pdf", f"acta-audiencia-{aid}.pdf")


@router.get("/audiencias/{aid}/aviso.txt")
def aviso(aid: int, _s=Depends(role(*OFFICIALS)), web: WebState = Depends(state)):
    """The notice to INE of a session (§11.3), to send by oficio or institutional e-mail."""
    return _download(lambda: audiencia.aviso_text(web.engine, aid).encode("utf-8"), "text/plain; charset=utf-8",
                     f"aviso-ine-audiencia-{aid}.txt")


@router.get("/audiencias/{aid}/reporte.csv")
def report(aid: int, _s=Depends(role(*OFFICIALS)), web: WebState = Depends(state)):
    return Response(audiencia.report_csv(web.engine, aid).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="reporte-audiencia-{aid}.csv"'})
