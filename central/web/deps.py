"""What every route needs, in one place: the app's state, the session of the request, one role
dependency per route (`role(...)`), the CSRF check of a form, and a process a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from fastapi import Depends, Request
from starlette.datastructures import FormData

from kiosk.domain import HORA_CENTRO
from central import accounts
from central.mesa import EvidenceBox
from central.receiver.service import Receiver

COOKIE = "apoyo_sesion"
# A roster CSV or an emblem; more is refused before parsing. Below Starlette's 1 MiB spool size,
# so an uploaded file (a roster is personal data) is only ever held in memory, never on disk.
MAX_FORM_BYTES = 1_000_000


@dataclass
class WebState:
    receiver: Receiver
    _box: EvidenceBox | None = None

    @property
    def engine(self) -> sa.Engine:
        return self.receiver.engine

    @property
    def box(self) -> EvidenceBox | None:
        """The Mesa key, read once it exists (the first processing run makes it)."""
        if self._box is None:
            self._box = EvidenceBox.load(self.receiver.keys.root)
        return self._box


class LoginRequired(Exception):
    """No live session: the handler sends the person to the login page."""


class Forbidden(Exception):
    """A live session whose role may not do this; the message says why, in Spanish."""

    def __init__(self, message: str = "Su cuenta no tiene permiso para esta página.") -> None:
        super().__init__(message)
        self.message = message


def state(request: Request) -> WebState:
    return request.app.state.web


def session(request: Request, web: WebState = Depends(state)) -> accounts.Session:
    found = accounts.session_for(web.engine, request.cookies.get(COOKIE, ""))
    if found is None:
        raise LoginRequired()
    request.state.session = found
    return found


def role(*allowed: str):
    """The one role check of a route: `Depends(role("administrador"))` returns the session."""

    def check(s: accounts.Session = Depends(session)) -> accounts.Session:
        if s.user.role not in allowed:
            raise Forbidden()
        return s

    return check


def checked_form_up_to(limit: int):
    """`checked_form` with its own size bound (a situación registral file is larger than 1 MB)."""

    async def check(request: Request, s: accounts.Session = Depends(session)) -> FormData:
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > limit:
            raise Forbidden(f"El envío es demasiado grande (máximo {limit / 1_000_000:g} MB) o no dice su tamaño.")
        form = await request.form(max_files=2, max_fields=200)
        if form.get("csrf") != s.csrf:
            raise Forbidden("El formulario venció o no viene de esta aplicación; vuelva a cargar la página.")
        return form

    return check


# The posted form, after its CSRF token matched the session's (and its size was bounded).
checked_form = checked_form_up_to(MAX_FORM_BYTES)


def may_see_process(s: accounts.Session, process_id: str) -> None:
    """A promovente sees only their own process; OPL staff see every process."""
    if s.user.role == "promovente" and s.user.process_id != process_id:
        raise Forbidden("Solo puede consultar su propio proceso.")


def hora(value: float | str | datetime | None) -> Markup:
    """The one time format people see: hora del Centro with its zone written."""
    if value in (None, ""):
        return Markup("—")
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, tz=HORA_CENTRO)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return Markup.escape(value)
    else:
        moment = value
    moment = moment.astimezone(HORA_CENTRO) if moment.tzinfo else moment.replace(tzinfo=HORA_CENTRO)
    offset = moment.strftime("%z")
    return Markup('<span class="t">{}</span>').format(f"{moment:%Y-%m-%d %H:%M} (hora del Centro, UTC{offset[:3]}:{offset[3:]})")
