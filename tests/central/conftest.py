"""Fixtures for the central tests: a real receiver and the web app, each under uvicorn on
loopback, over one SQLite database, with one account per role."""

from __future__ import annotations

import re

import pytest
import requests

from central import accounts
from central.web.app import WebServer

PASSWORD = "contrasena-muestra-1"
USERS = {"admin": "administrador", "oper": "operador", "oper2": "operador", "super": "supervisor", "prom": "promovente"}


@pytest.fixture
def central(receiver_env):
    """(receiver server, receiver, web server, enrollment token) with one account per role;
    the promovente's process is the demo process."""
    from sync.demo import DEMO_PROCESS

    server, receiver, token = receiver_env
    accounts.create_tables(receiver.engine)
    for name, role in USERS.items():
        accounts.create_user(receiver.engine, name, PASSWORD, role, name=name.upper(),
                             process_id=DEMO_PROCESS if role == "promovente" else "")
    web = WebServer(receiver).start()
    yield server, receiver, web, token
    web.stop()


class Browser(requests.Session):
    """An HTTP client that logs in and knows its CSRF token (read from the page, like a person's browser)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        r = self.post(self.base + "/login", data={"usuario": username, "contrasena": password, "next": "/"})
        page = self.get(self.base + "/procesos")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        self.csrf = found.group(1) if found else ""
        return r

    def form(self, path: str, data: dict | None = None, files: dict | None = None) -> requests.Response:
        return self.post(self.base + path, data={"csrf": self.csrf, **(data or {})}, files=files, allow_redirects=True)

    def page(self, path: str) -> requests.Response:
        return self.get(self.base + path)


@pytest.fixture
def browser_for(central):
    _server, _receiver, web, _token = central
    made = []

    def make(username: str) -> Browser:
        b = Browser(web.url)
        b.login(username)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
