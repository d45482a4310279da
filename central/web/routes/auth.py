"""Log in and out; the landing page sends each role where its work is."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from central import accounts
from central.web.app import render
from central.web.deps import COOKIE, WebState, checked_form, session, state

router = APIRouter()


@router.get("/")
def home(s: accounts.Session = Depends(session)):
    target = {"operador": "/mesa", "supervisor": "/mesa", "promovente": f"/procesos/{s.user.process_id}"}.get(s.user.role, "/procesos")
    return RedirectResponse(target, status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe(next), error="")


@router.post("/login")
async def login(request: Request, web: WebState = Depends(state)):
    form = await request.form(max_files=0, max_fields=10)
    target = _safe(str(form.get("next") or "/"))
    try:
        token, _s = accounts.login(web.engine, str(form.get("usuario") or ""), str(form.get("contrasena") or ""))
    except accounts.AccountError as exc:
        return render(request, "login.html", 401, next=target, error=str(exc), usuario=str(form.get("usuario") or "")[:60])
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=accounts.SESSION_IDLE_S)
    return response


@router.post("/logout")
def logout(request: Request, _form=Depends(checked_form), web: WebState = Depends(state)):
    accounts.logout(web.engine, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _safe(target: str) -> str:
    """Only a path of this site (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
