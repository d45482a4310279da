"""Mesa de Control pages: take a batch, review one record at a time from the keyboard, the
supervisor's re-review, per-operator progress. Evidence is opened in memory per request; every
view of a record (page or image) is audited."""

from __future__ import annotations



import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from central import accounts, mesa, processes
from central.web.app import render
from central.web.deps import Forbidden, WebState, checked_form, role, state

router = APIRouter()
REVIEWERS = ("operador", "supervisor")
IMAGES = {"front": "Anverso", "back": "Reverso", "photo": "Foto viva", "signature.png": "Firma", "page": "Cédula escaneada"}
FIELD_LABELS = {
    "nombres": "Nombre(s)", "apellido_paterno": "Apellido paterno", "apellido_materno": "Apellido materno",
    "clave_elector": "Clave de elector", "cic": "CIC", "ocr": "OCR / identificador", "birth_date": "Fecha de nacimiento",
    "sex": "Sexo", "expiry_year": "Vigencia", "emision": "Número de emisión", "curp": "CURP", "seccion": "Sección",
    "numero_referencia": "Número de referencia", "inconsistencia": "Inconsistencia marcada en la captura",
    "comentario": "Comentario", "email": "Correo de la persona auxiliar", "credential_model": "Modelo de credencial",
}
SOURCES = {"mrz": "MRZ", "qr": "código QR", "barcode": "código de barras", "ocr": "texto (OCR)", None: "—"}


@router.get("/mesa")
def home(request: Request, s: accounts.Session = Depends(role(*REVIEWERS)), web: WebState = Depends(state)):
    procs = processes.list_processes(web.engine)
    mine = mesa.queue(web.engine, s.user.username)
    waiting = _waiting(web.engine)
    return render(request, "mesa_home.html", procs=procs, mine=mine, waiting=waiting,
                  progress=mesa.progress(web.engine), notice=request.query_params.get("aviso", ""))


@router.post("/mesa/lote")
async def take(request: Request, s: accounts.Session = Depends(role(*REVIEWERS)), form=Depends(checked_form),
               web: WebState = Depends(state)):
    pid = str(form.get("proceso") or "")
    n = mesa.take_batch(web.engine, s.user.username, pid)
    if not n and not mesa.queue(web.engine, s.user.username):
        return RedirectResponse("/mesa?aviso=No+hay+registros+por+revisar+en+ese+proceso", status_code=303)
    return RedirectResponse("/mesa/siguiente", status_code=303)


@router.get("/mesa/siguiente")
def next_record(s: accounts.Session = Depends(role(*REVIEWERS)), web: WebState = Depends(state)):
    mine = mesa.queue(web.engine, s.user.username)
    if not mine:
        return RedirectResponse("/mesa?aviso=Lote+terminado", status_code=303)
    return RedirectResponse(f"/mesa/registro/{mine[0]}", status_code=303)


def _record(web: WebState, s: accounts.Session, folio: str) -> dict:
    row = mesa.get(web.engine, folio)
    if row is None:
        raise Forbidden("El registro no está en la Mesa de Control.")
    if s.user.role == "operador" and row["assigned_to"] != s.user.username:
        raise Forbidden("Ese registro no está en su lote.")
    return row


@router.get("/mesa/registro/{folio}")
def review(request: Request, folio: str, s: accounts.Session = Depends(role(*REVIEWERS)), web: WebState = Depends(state)):
    row = _record(web, s, folio)
    if web.box is None:
        return render(request, "error.html", 503, title="Sin llave de la Mesa",
                      message="Esta instalación aún no tiene la llave de la Mesa: ejecute «kiosk-receiver process run».")
    # The next record is prerendered by the browser while this one is reviewed: that load is
    # audited as a precarga; the view (and the operator's clock) starts when it is shown.
    prerender = "prerender" in request.headers.get("sec-purpose", "")
    mesa.viewed(web.engine, s.user.username, folio, row["process_id"], "precarga" if prerender else "ver_registro")
    evidence = mesa.open_evidence(web.box, row["evidence"])
    mine = mesa.queue(web.engine, s.user.username)
    later = mine[mine.index(folio) + 1:] if folio in mine else mine
    supervising = s.user.role == "supervisor" and row["assigned_to"] != s.user.username
    return render(
        request, "mesa_record.html", r=row, fields=_fields(evidence), images=[(n, IMAGES[n]) for n in IMAGES if evidence.blobs.get(n)],
        has_trajectory="signature.json.z" in evidence.blobs, remaining=len(later), next_folio=later[0] if later else "",
        previous=_previous(web.engine, s.user.username, folio), supervising=supervising,
        warnings=[str(w.get("message", w)) if isinstance(w, dict) else str(w) for w in evidence.meta.get("warnings") or []],
        capture=mesa.capture_flags(evidence.meta) if row["kind"] == "apoyo" else [],
        original=evidence.meta.get("original_presented"), required=sorted(mesa.DETAIL_REQUIRED),
        registered=_registered(web.engine, row) if row["kind"] == "auxiliar" else None,
        problem=request.query_params.get("error", ""), preloaded=prerender,
    )


@router.post("/mesa/registro/{folio}/visto")
async def shown(folio: str, s: accounts.Session = Depends(role(*REVIEWERS)), _form=Depends(checked_form),
                web: WebState = Depends(state)):
    """A record loaded ahead (prerender or prefetch) came on screen: the view is audited and the
    clock starts now."""
    row = _record(web, s, folio)
    mesa.viewed(web.engine, s.user.username, folio, row["process_id"])
    return Response(status_code=204)


@router.get("/mesa/registro/{folio}/img/{name}")
def image(folio: str, name: str, s: accounts.Session = Depends(role(*REVIEWERS)), web: WebState = Depends(state)):
    row = _record(web, s, folio)
    if name not in IMAGES or web.box is None:
        return Response(status_code=404)
    found = mesa.open_evidence(web.box, row["evidence"]).image(name)
    if found is None:
        return Response(status_code=404)
    mesa.viewed(web.engine, s.user.username, folio, row["process_id"], "ver_imagen")
    data, mime = found
    return Response(data, media_type=mime, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/mesa/registro/{folio}/firma.json")
def trajectory(folio: str, s: accounts.Session = Depends(role(*REVIEWERS)), web: WebState = Depends(state)):
    row = _record(web, s, folio)
    traj = mesa.open_evidence(web.box, row["evidence"]).trajectory() if web.box else None
    if traj is None:
        return Response(status_code=404)
    mesa.viewed(web.engine, s.user.username, folio, row["process_id"], "ver_trazo")
    return JSONResponse(traj, headers={"Cache-Control": "no-store"})


@router.post("/mesa/registro/{folio}")
async def decide(request: Request, folio: str, s: accounts.Session = Depends(role(*REVIEWERS)), form=Depends(checked_form),
                 web: WebState = Depends(state)):
    row = _record(web, s, folio)
    supervising = s.user.role == "supervisor" and row["assigned_to"] != s.user.username
    by_script = request.headers.get("x-mesa") == "1"  # mesa.js: answer where to go, it navigates itself
    try:
        mesa.decide(web.engine, s.user.username, folio, str(form.get("decision") or ""), str(form.get("inciso") or ""),
                    str(form.get("detalle") or ""), supervisor=supervising)
    except mesa.MesaError as exc:
        if by_script:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return RedirectResponse(f"/mesa/registro/{folio}?error={_q(str(exc))}", status_code=303)
    if supervising:
        target = "/supervision"
    else:
        mine = mesa.queue(web.engine, s.user.username)
        target = f"/mesa/registro/{mine[0]}" if mine else "/mesa?aviso=Lote+terminado"
    if by_script:
        return JSONResponse({"next": target})
    return RedirectResponse(target, status_code=303)


@router.get("/supervision")
def supervision(request: Request, _s=Depends(role("supervisor")), web: WebState = Depends(state)):
    return render(request, "supervision.html", rows=mesa.supervision_queue(web.engine), percent=mesa.SAMPLE_PERCENT)


@router.get("/mesa/avance")
def progress(request: Request, _s=Depends(role("supervisor", "administrador")), web: WebState = Depends(state)):
    return render(request, "mesa_progress.html", progress=mesa.progress(web.engine))


def _fields(evidence: mesa.Evidence) -> list[tuple[str, str, str, bool | None]]:
    """(label, value, source, verified) of what the record says about the person."""
    out = []
    meta = evidence.meta
    if meta.get("credential_model"):
        out.append((FIELD_LABELS["credential_model"], str(meta["credential_model"]), "captura", None))
    for name, value in (meta.get("fields") or {}).items():
        if isinstance(value, dict):
            shown = "" if value.get("value") is None else str(value.get("value"))
            out.append((FIELD_LABELS.get(name, name), shown or "(sin verificar)", SOURCES.get(value.get("source"), str(value.get("source"))),
                        bool(value.get("verified"))))
    for name in ("numero_referencia", "nombres", "apellido_paterno", "apellido_materno", "clave_elector", "ocr",
                 "inconsistencia", "comentario", "email"):
        if meta.get(name) and not (meta.get("fields") or {}).get(name):
            out.append((FIELD_LABELS[name], str(meta[name]), "captura manual" if evidence.kind == "manual" else "registro", None))
    return out


def _registered(engine: sa.Engine, row: dict) -> dict | None:
    """§3.8: what the portal's roster says about the auxiliar whose registration this is."""
    found = [a for a in processes.roster(engine, row["process_id"]) if a["auxiliar_id"] == row["auxiliar_id"]]
    return found[0] if found else None


def _previous(engine: sa.Engine, username: str, folio: str) -> str:
    """The operator's last decided record (to change a decision: one step back)."""
    with engine.connect() as c:
        return c.execute(sa.select(mesa.records.c.folio).where(
            mesa.records.c.decided_by == username, mesa.records.c.folio != folio, mesa.records.c.review == "",
            mesa.records.c.assigned_to == username).order_by(mesa.records.c.decided_at.desc()).limit(1)).scalar() or ""


def _waiting(engine: sa.Engine) -> dict[str, int]:
    from central.receiver import store as st

    with engine.connect() as c:
        rows = c.execute(sa.select(mesa.records.c.process_id, sa.func.count())
                         .join(st.envelopes, st.envelopes.c.folio == mesa.records.c.folio)
                         .where(mesa.records.c.assigned_to == "", st.envelopes.c.status.in_(("en_mesa_de_control", "registro_auxiliar")))
                         .group_by(mesa.records.c.process_id)).all()
    return {p: int(n) for p, n in rows}


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text)



