"""Processes (§1.2), their roster of auxiliares (§3.2, altas and bajas), enrollment tokens and
devices. Only the OPL administrator changes anything; a promovente reads their own process."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from central import accounts, processes
from central.processing import status_counts
from central.receiver.service import ReceiverError
from central.web.app import render
from central.web.deps import WebState, checked_form, may_see_process, role, state

router = APIRouter(prefix="/procesos")
STAFF = ("administrador", "supervisor", "operador")
EVERYONE = (*STAFF, "promovente")
ADMIN = ("administrador",)


@router.get("")
def index(request: Request, s: accounts.Session = Depends(role(*EVERYONE)), web: WebState = Depends(state)):
    only = s.user.process_id if s.user.role == "promovente" else ""
    rows = processes.list_processes(web.engine, only)
    for r in rows:
        r["counts"] = status_counts(web.engine, r["process_id"])
    return render(request, "processes.html", rows=rows)


@router.get("/nuevo")
def new(request: Request, _s=Depends(role(*ADMIN))):
    return render(request, "process_new.html", form={}, problems=[], mecanismos=processes.MECANISMOS)


@router.post("/nuevo")
async def create(request: Request, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
                 web: WebState = Depends(state)):
    emblem_file = form.get("emblema")
    emblem = await emblem_file.read(500 * 1024 + 1) if getattr(emblem_file, "filename", "") else b""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        pid = processes.create_process(web.receiver, values, emblem, by=s.user.username)
    except processes.FormError as exc:
        return render(request, "process_new.html", 422, form=values, problems=exc.problems, mecanismos=processes.MECANISMOS)
    return RedirectResponse(f"/procesos/{pid}", status_code=303)


def _page(request: Request, web: WebState, s: accounts.Session, pid: str, *, status_code: int = 200, **extra):
    may_see_process(s, pid)
    proc = processes.get_process(web.engine, pid)
    if proc is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    admin = s.user.role == "administrador"
    return render(
        request, "process.html", status_code, p=proc, counts=status_counts(web.engine, pid),
        roster=processes.roster(web.engine, pid), devices=processes.devices(web.engine, pid),
        tokens=processes.tokens(web.engine, pid) if admin else [], admin=admin,
        problems=extra.pop("problems", []), **extra,
    )


@router.get("/{pid}")
def detail(request: Request, pid: str, s: accounts.Session = Depends(role(*EVERYONE)), web: WebState = Depends(state)):
    return _page(request, web, s, pid)


@router.get("/{pid}/registros")
def records(request: Request, pid: str, estatus: str = "", s: accounts.Session = Depends(role(*EVERYONE)),
            web: WebState = Depends(state)):
    """§2.2: each record of the process with its status and, if any, its inconsistency (no images)."""
    may_see_process(s, pid)
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    rows = processes.records(web.engine, pid, estatus)
    return render(request, "records.html", pid=pid, rows=rows, estatus=estatus, counts=status_counts(web.engine, pid))


@router.post("/{pid}/auxiliares")
async def alta(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
               web: WebState = Depends(state)):
    row = {k: str(form.get(k) or "") for k in processes.ROSTER_COLUMNS}
    return _roster_change(request, web, s, pid, [row])


@router.post("/{pid}/auxiliares/csv")
async def alta_csv(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
                   web: WebState = Depends(state)):
    upload = form.get("archivo")
    raw = await upload.read() if getattr(upload, "filename", "") else b""  # bounded by the form's size
    try:
        if not raw:
            raise processes.FormError(["Elija el archivo CSV"])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise processes.FormError(["El archivo debe estar en UTF-8: si viene de Excel, guárdelo como «CSV UTF-8 (delimitado por comas)»"]) from None
        rows = processes.parse_csv(text)
    except processes.FormError as exc:
        return _page(request, web, s, pid, status_code=422, problems=exc.problems)
    return _roster_change(request, web, s, pid, rows)


def _roster_change(request: Request, web: WebState, s: accounts.Session, pid: str, rows: list[dict]):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    try:
        n = processes.load_roster(web.receiver, pid, rows, by=s.user.username)
    except processes.FormError as exc:
        return _page(request, web, s, pid, status_code=422, problems=exc.problems)
    return _page(request, web, s, pid, notice=f"{n} personas auxiliares cargadas")


@router.post("/{pid}/auxiliares/{aux}/baja")
async def baja(request: Request, pid: str, aux: str, s: accounts.Session = Depends(role(*ADMIN)),
               form=Depends(checked_form), web: WebState = Depends(state)):
    try:
        processes.baja(web.receiver, pid, aux, str(form.get("motivo") or ""), str(form.get("fecha") or ""), by=s.user.username)
    except processes.FormError as exc:
        return _page(request, web, s, pid, status_code=422, problems=exc.problems)
    except ReceiverError as exc:
        return _page(request, web, s, pid, status_code=404, problems=[exc.message])
    return _page(request, web, s, pid, notice=f"Auxiliar {aux} dado de baja")


@router.post("/{pid}/tokens")
async def issue_token(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)),
                      _form=Depends(checked_form), web: WebState = Depends(state)):
    try:
        token = web.receiver.issue_token(pid)
    except ReceiverError as exc:
        return render(request, "error.html", 404, title="No existe", message=exc.message)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "emitir_token", process_id=pid)
    return _page(request, web, s, pid, new_token=token)


@router.post("/{pid}/tokens/{token_hash}/revocar")
async def revoke_token(request: Request, pid: str, token_hash: str, s: accounts.Session = Depends(role(*ADMIN)),
                       _form=Depends(checked_form), web: WebState = Depends(state)):
    if not processes.revoke_token(web.engine, pid, token_hash, by=s.user.username):
        return _page(request, web, s, pid, status_code=409, problems=["El token ya se usó o no existe"])
    return _page(request, web, s, pid, notice="Token revocado")


@router.post("/{pid}/dispositivos/{device_id}/baja")
async def device_baja(request: Request, pid: str, device_id: str, s: accounts.Session = Depends(role(*ADMIN)),
                      form=Depends(checked_form), web: WebState = Depends(state)):
    try:
        processes.baja_device(web.receiver, pid, device_id, str(form.get("motivo") or ""), by=s.user.username)
    except processes.FormError as exc:
        return _page(request, web, s, pid, status_code=422, problems=exc.problems)
    return _page(request, web, s, pid, notice=f"Dispositivo {device_id} dado de baja")
