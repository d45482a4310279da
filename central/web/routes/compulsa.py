"""Compulsa against the Padrón Electoral: download the export (file + signed manifest, as a ZIP
made in memory) and upload the situación registral file that comes back, applied idempotently.
The web app reads the person fields from the sealed field packs (fields key) only: it never opens
an envelope, so it needs no sealing key."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from central import accounts, compulsa, processes
from central import tables as t
from central.records import RecordError
from central.web.app import render
from central.web.deps import WebState, checked_form_up_to, role, state

router = APIRouter(prefix="/procesos")
ADMIN = ("administrador",)
MAX_SITUACION_BYTES = 20 * 1024 * 1024  # ~300 000 rows of folio, situación and geography


def _page(request: Request, web: WebState, pid: str, status_code: int = 200, **extra):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    t.create_tables(web.engine)
    with web.engine.connect() as c:
        pending = len(compulsa.para_compulsa_folios(c, pid))
        unanswered = len(compulsa.para_compulsa_folios(c, pid, pending_only=True))
        exports = c.execute(sa.select(t.compulsa_exports).where(t.compulsa_exports.c.process_id == pid)
                            .order_by(t.compulsa_exports.c.created_at.desc())).all()
        situaciones = dict(c.execute(sa.select(t.situacion_registral.c.situacion, sa.func.count())
                                     .where(t.situacion_registral.c.process_id == pid)
                                     .group_by(t.situacion_registral.c.situacion)).all())
    return render(request, "compulsa.html", status_code, pid=pid, pending=pending, unanswered=unanswered, exports=exports,
                  situaciones=situaciones, SITUACIONES=compulsa.SITUACIONES, template=compulsa.DEFAULT_TEMPLATE,
                  max_mb=MAX_SITUACION_BYTES // 2**20, problems=extra.pop("problems", []), **extra)


@router.get("/{pid}/compulsa")
def home(request: Request, pid: str, _s=Depends(role(*ADMIN)), web: WebState = Depends(state)):
    return _page(request, web, pid)


@router.post("/{pid}/compulsa/exportar")
async def export(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)), form=Depends(checked_form_up_to(10_000)),
                 web: WebState = Depends(state)):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    pending_only = form.get("solo_pendientes") == "1"
    # Long steps run in the thread pool, so other pages keep answering meanwhile.
    # The plaintext file lives only in a private temporary folder for the time of this request.
    with tempfile.TemporaryDirectory(prefix="compulsa-") as tmp:
        try:
            out = await run_in_threadpool(compulsa.export, web.receiver, pid, Path(tmp), pending_only=pending_only,
                                          open_missing=False)
        except RecordError as exc:
            return _page(request, web, pid, 409, problems=[str(exc)])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(out.csv_path, out.csv_path.name)
            z.write(out.manifest_path, out.manifest_path.name)
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "exportar_compulsa", process_id=pid, why=f"{out.records} registros, SHA-256 {out.sha256}")
    return Response(buf.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{out.csv_path.stem}.zip"', "Cache-Control": "no-store"})


@router.post("/{pid}/compulsa/situacion")
async def situacion(request: Request, pid: str, s: accounts.Session = Depends(role(*ADMIN)),
                    form=Depends(checked_form_up_to(MAX_SITUACION_BYTES)), web: WebState = Depends(state)):
    if processes.get_process(web.engine, pid) is None:
        return render(request, "error.html", 404, title="No existe", message=f"No existe el proceso {pid}.")
    upload = form.get("archivo")
    data = await upload.read(MAX_SITUACION_BYTES + 1) if getattr(upload, "filename", "") else b""
    if not data:
        return _page(request, web, pid, 422, problems=["Elija el archivo de situación registral (CSV)"])
    result = await run_in_threadpool(compulsa.import_situacion, web.engine, pid, data)
    if result.problems:
        shown = result.problems[:20] + ([f"… y {len(result.problems) - 20} más"] if len(result.problems) > 20 else [])
        return _page(request, web, pid, 422, problems=["No se aplicó el archivo; ningún registro cambió.", *shown])
    with web.engine.begin() as c:
        accounts.record(c, s.user.username, "importar_situacion", process_id=pid,
                        why=f"{result.applied} aplicados, {result.unchanged} sin cambio")
    return _page(request, web, pid, notice=f"Situación registral aplicada: {result.applied} registros cambiaron, "
                                            f"{result.unchanged} ya estaban así")
