"""Build and serve the OPL web app. It reads the receiver's database and the Mesa key; the
sealing private keys stay with the processing step (`kiosk-receiver process run`)."""

from __future__ import annotations

import importlib
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from central import accounts, mesa, processes
from central.processing import STATUSES
from central.receiver.server import free_port
from central.receiver.service import Receiver
from central.web.deps import Forbidden, LoginRequired, WebState, hora

HERE = Path(__file__).parent
# One router per area, each a module of central.web.routes exposing `router`; a new area (reports,
# compulsa, audiencia, results) adds its name here and its links to base.html.
AREAS = ("auth", "processes", "mesa", "users", "reports", "compulsa", "audiencia", "results")
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["hora"] = hora
templates.env.globals["STATUSES"] = STATUSES
templates.env.globals["ROLES"] = accounts.ROLES
templates.env.globals["INCISOS"] = mesa.INCISOS


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page with the request's session (if any) for the base template's menu and CSRF token."""
    context.setdefault("session", getattr(request.state, "session", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                       headers={"Cache-Control": "no-store"})


HTTP_ERRORS = {
    404: ("No existe", "La página {path} no existe: revise la dirección o vuelva al inicio."),
    405: ("Acción no disponible", "La página {path} no admite esa acción."),
}


def create_web_app(receiver: Receiver) -> FastAPI:
    for module in (accounts, mesa, processes):
        module.create_tables(receiver.engine)
    app = FastAPI(title="Apoyo Kiosk — sistema central del OPL", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(receiver)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return render(request, "error.html", 403, title="Sin permiso", message=exc.message)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        # FastAPI's own (a page or an action the app does not have): a page in Spanish, not its
        # English JSON
        title, message = HTTP_ERRORS.get(exc.status_code, ("No se pudo atender", "La petición no se pudo atender."))
        response = render(request, "error.html", exc.status_code, title=title, message=message.format(path=request.url.path[:200]))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _exc: RequestValidationError):
        return render(request, "error.html", 422, title="Datos mal escritos",
                      message="La dirección o el formulario trae datos que no se pueden leer (un número con letras, "
                              "un campo que falta): revise la dirección o vuelva a la página anterior.")

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; script-src 'self' 'inline-speculation-rules'; img-src 'self' data: blob:; frame-ancestors 'none'")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    for area in AREAS:
        app.include_router(importlib.import_module(f"central.web.routes.{area}").router)
    return app


class WebServer:
    """The web app under uvicorn on loopback in a thread (tests, demo); `stop()` ends it."""

    def __init__(self, receiver: Receiver, port: int = 0, host: str = "127.0.0.1") -> None:
        self.port = port or free_port()
        self.host = host
        config = uvicorn.Config(create_web_app(receiver), host=host, port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "WebServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"web app did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "WebServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_web(receiver: Receiver, host: str, port: int) -> None:
    uvicorn.run(create_web_app(receiver), host=host, port=port, log_level="info", proxy_headers=True)
