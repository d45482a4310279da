"""Accounts (administrator only) and the audit trail (administrator and supervisor)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from central import accounts
from central.web.app import render
from central.web.deps import WebState, checked_form, role, state

router = APIRouter()


@router.get("/usuarios")
def users(request: Request, _s=Depends(role("administrador")), web: WebState = Depends(state)):
    return render(request, "users.html", users=accounts.list_users(web.engine), problems=[], form={})


@router.post("/usuarios")
async def create(request: Request, s: accounts.Session = Depends(role("administrador")), form=Depends(checked_form),
                 web: WebState = Depends(state)):
    values = {k: str(form.get(k) or "") for k in ("usuario", "nombre", "rol", "proceso", "contrasena")}
    try:
        accounts.create_user(web.engine, values["usuario"], values["contrasena"], values["rol"], name=values["nombre"],
                             process_id=values["proceso"], by=s.user.username)
    except accounts.AccountError as exc:
        values.pop("contrasena")
        return render(request, "users.html", 422, users=accounts.list_users(web.engine), problems=[str(exc)], form=values)
    return render(request, "users.html", users=accounts.list_users(web.engine), problems=[], form={},
                  notice=f"Cuenta {values['usuario'].lower()} creada")


@router.get("/auditoria")
def audit(request: Request, folio: str = "", proceso: str = "", _s=Depends(role("administrador", "supervisor")),
          web: WebState = Depends(state)):
    rows = accounts.audit_trail(web.engine, folio=folio.strip(), process_id=proceso.strip(), limit=500)
    return render(request, "audit.html", rows=rows, folio=folio, proceso=proceso)
