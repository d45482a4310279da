"""Results (§13.2-13.6) and retention (§13.9): the OPL's X25519 public key uploaded, the
preliminary and definitive tallies, the §13.5 data sealed to that key (downloaded as a ZIP of the
sealed file and its signed manifest), and the purge of a process' evidence with a typed
confirmation. The person fields come from the sealed field packs (fields key), never from an
envelope: the web app holds no sealing key."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from central import accounts, processes, results, retention
from central import tables as t
from central.records import RecordError
from central.web.app import render
from central.web.deps import WebState, checked_form, role, state

router = APIRouter(prefix="/procesos")
ADMIN = ("administrador",)


def _key_path(web: WebState, pid: str):
    return web.receiver.keys.root / "opl" / f"{pid}.pub"


def _page(request: Request, web: WebState, pid: str, status_code: int = 200, **extra):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    t.create_tables(web.engine)
    tallies, blocked = {}, {}
    for phase in results.PHASES:
        try:
            tallies[phase] = results.tally(web.engine, pid, phase)
        except RecordError as exc:
            blocked[phase] = str(exc)
    key = _key_path(web, pid)
    with web.engine.connect() as c:
        deliveries = c.execute(sa.select(t.result_deliveries).where(t.result_deliveries.c.process_id == pid)
                               .order_by(t.result_deliveries.c.created_at.desc())).all()
        purges = c.execute(sa.select(t.retention_records).where(t.retention_records.c.process_id == pid)).all()
    return render(request, "resultados.html", status_code, pid=pid, tallies=tallies, blocked=blocked,
                  key_hex=key.read_text().strip() if key.exists() else "", deliveries=deliveries, purges=purges,
                  period_days=retention.DEFAULT_PERIOD.days, problems=extra.pop("problems", []), **extra)


@router.get("/{pid}/resultados")
def home(request: Request, pid: str, _s=Depends(role(*ADMIN)), web: WebState = Depends(state)):
    return _page(request, web, pid)


@router.post("/{pid}/resultados/llave")
async def upload_key(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
                     web: WebState = Depends(state)):
    upload = form.get("llave")
    data = await upload.read(4096) if getattr(upload, "filename", "") else str(form.get("llave_texto") or "").encode()
    try:
        key = results.load_public_key(data)
    except RecordError as exc:
        return _page(request, web, pid, 422, problems=[str(exc)])
    path = _key_path(web, pid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bytes(key).hex() + "\n")
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "llave_publica_opl", process_id=pid, why=bytes(key).hex())
    return _page(request, web, pid, notice="Llave pública del OPL guardada")


@router.post("/{pid}/resultados/sellar")
async def seal(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
               web: WebState = Depends(state)):
    phase = str(form.get("fase") or "definitivo")
    path = _key_path(web, pid)
    if not path.exists():
        return _page(request, web, pid, 409, problems=["Primero cargue la llave pública X25519 del OPL"])
    try:
        key = results.load_public_key(path.read_bytes())
        out = await run_in_threadpool(results.seal_results, web.receiver, pid, key, web.receiver.keys.root / "resultados",
                                      phase, open_missing=False)
    except RecordError as exc:
        return _page(request, web, pid, 409, problems=[str(exc)])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # the sealed file is ciphertext: stored, deflate would not shrink it
        z.write(out.path, out.path.name, zipfile.ZIP_STORED)
        z.write(out.manifest_path, out.manifest_path.name, zipfile.ZIP_DEFLATED)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "sellar_resultados", process_id=pid, why=f"{phase}: {out.records} registros, {out.sha256}")
    return Response(buf.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{out.path.stem}.zip"', "Cache-Control": "no-store"})


@router.post("/{pid}/purga")
async def purge(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form),
                web: WebState = Depends(state)):
    if str(form.get("confirmacion") or "").strip() != pid:
        return _page(request, web, pid, 422, problems=[f"Para purgar, escriba exactamente la clave del proceso ({pid})"])
    try:
        signed = await run_in_threadpool(retention.purge, web.engine, web.receiver.keys.authority, pid)
    except RecordError as exc:
        return _page(request, web, pid, 409, problems=[str(exc)])
    body = json.loads(signed["body"])
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "purga_evidencia", process_id=pid, why=f"{body['records']} registros")
    return _page(request, web, pid, notice=f"Evidencia purgada: {body['records']} registros; registro firmado guardado")


@router.get("/{pid}/purga/{rid}.json")
def purge_record(pid: str, rid: int, _s=Depends(role(*ADMIN)), web: WebState = Depends(state)):
    with web.engine.connect() as c:
        signed = c.execute(sa.select(t.retention_records.c.signed).where(
            t.retention_records.c.id == rid, t.retention_records.c.process_id == pid)).scalar()
    if signed is None:
        return Response(status_code=404)
    return Response(signed.encode("utf-8"), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="purga-{pid}-{rid}.json"'})
