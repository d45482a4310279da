"""Everything a person sees is Spanish: a walk through every screen (and its main states) at
80×24 that fails on any word of a short English deny-list, or a snake_case code, in what is
actually drawn (the text of Textual's own screenshot, line by line)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kiosk import operators
from tests.conftest import Authority
from tests.foundation.records import manual
from tests.tui.helpers import capture_to_review, login, make_app, open_tecnico, registered_station, wait_for
from tests.tui.test_flows import screen_name

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

DENY = {"pad", "the", "and", "of", "to", "is", "not", "none", "true", "false", "error", "failed", "warning",
        "upload", "uploading", "sync", "camera", "scanner", "printer", "signature", "password", "back", "cancel",
        "save", "accept", "retake", "take", "quit", "press", "please", "loading", "yes", "login", "logout",
        "verified", "unknown", "missing", "found", "ok"}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LINE = re.compile(r'<text [^>]*clip-path="url\(#[\w-]+-line-(\d+)\)"[^>]*>([^<]*)</text>')


def drawn_lines(app) -> list[str]:  # noqa: ANN001
    """The characters on the terminal, one string per row, from Textual's SVG screenshot."""
    rows: dict[int, list[str]] = {}
    for number, text in LINE.findall(app.export_screenshot()):
        rows.setdefault(int(number), []).append(html.unescape(text).replace("\xa0", " "))
    return ["".join(rows[n]) for n in sorted(rows)]


def english_on(app) -> list[str]:  # noqa: ANN001
    """The offending words on screen (with their line), if any."""
    found = []
    for line in drawn_lines(app):
        line = re.sub(r"\S*/\S*", " ", line)  # a file path or URL is not a sentence
        if "F2: English" in line:
            line = line.replace("English", "")  # the one word that must stay: how to switch
        words = set(re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]+", line.lower()))
        found += [f"{w!r} in {line.strip()!r}" for w in sorted(words & DENY)]
        found += [f"{w!r} in {line.strip()!r}" for w in SNAKE.findall(line)]
    return found


@pytest.fixture
def kiosk_station(tmp_path: Path):
    station = registered_station(tmp_path / "kiosko", Authority())
    yield station
    station.close()


async def test_every_screen_is_spanish(kiosk_station, tmp_path: Path) -> None:
    from tui.screens.alta import AltaScreen

    seen: dict[str, list[str]] = {}

    async def look(name: str) -> None:
        await pilot.pause(0.2)
        seen[name] = english_on(app)

    operators.set_tech_password(kiosk_station.vault, "tecnico-1")
    kiosk_station.vault.set_meta("upload_progress", '{"P100-A1-D0001-000009": [2048, 8192]}')
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await look("inicio")
        await pilot.press("i")
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen")
        await pilot.press("enter")
        await look("login (empty password)")
        await pilot.press(*"equivocada", "enter")
        await look("login (wrong password)")
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(app) == "RegistrationScreen")
        await look("registration")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        await login(pilot)
        await look("inicio (auxiliar)")
        await pilot.press("ctrl+q")
        await look("quit question")
        await pilot.press("n")
        await capture_to_review(pilot)
        await look("capture review")
        await pilot.press("escape")
        await look("cancel question")
        await pilot.press("n", "g")
        await wait_for(pilot, lambda: app.screen.saved is not None)
        await look("capture saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        await pilot.press("c")
        await wait_for(pilot, lambda: screen_name(app) == "CaptureScreen")
        await look("capture models")
        await pilot.press("5", "t")
        await wait_for(pilot, lambda: app.screen.shot is not None and not app.screen.busy)
        await look("capture front")
        await pilot.press("escape", "s")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "CedulasScreen")
        await look("cedulas")
        screen = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.page is not None or screen.error, timeout=120)
        await look("cedulas row")
        await pilot.press("escape")
        await look("cedulas leave question")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "EnvioScreen")
        await look("envio (upload in progress)")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        await open_tecnico(pilot, "tecnico-1")
        await look("tecnico")
        await pilot.press("d")
        await wait_for(pilot, lambda: "Diagnóstico terminado" in str(app.screen.query_one("#tool-result").content), timeout=90)
        await look("tecnico diagnostics")
        await app.push_screen(AltaScreen(again=True))
        await look("alta again")
    assert "capture front" in seen and "tecnico diagnostics" in seen
    assert {name: words for name, words in seen.items() if words} == {}


def test_the_deny_list_catches_english() -> None:
    class Fake:
        def export_screenshot(self) -> str:
            return ('<text x="0" clip-path="url(#t-1-line-0)">Firme&#160;en&#160;el&#160;pad</text>'
                    '<text x="0" clip-path="url(#t-1-line-1)">record_sealed&#160;F2:&#160;English</text>')

    found = english_on(Fake())
    assert any("'pad'" in f for f in found) and any("record_sealed" in f for f in found)
    assert not any("english" in f.lower() for f in found)


async def test_a_link_that_is_down_is_said_in_spanish_on_inicio(kiosk_station) -> None:
    """The daemon's last failure as Inicio shows it: why, in Spanish (it showed
    «2026-12-06T07:50:00+00:00 enlace: HTTPConnectionPool(host=…», a UTC stamp and requests'
    English, cut at 60 characters)."""
    from sync.daemon import SyncDaemon

    kiosk_station.save_manual(manual("MUESTR85010120H100"), "A1")
    assert not SyncDaemon(kiosk_station).run_once().link_ok  # nothing listens on the demo's port 9
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        line = next(line for line in drawn_lines(app) if "Enlace" in line)
        assert "sin conexión (el receptor rechazó la conexión)" in line, line
        assert "HTTP" not in line and "+00:00" not in line and "enlace:" not in line, line
        assert english_on(app) == []


async def test_a_refused_pass_shows_the_receivers_spanish_and_not_offline(tmp_path, provisioned) -> None:
    """A pass the receiver refused (a device it does not know) is no broken link: Inicio says the
    link is up and shows the receiver's own message, not its code (it showed «sin conexión
    (dispositivo_desconocido: …)», from the technician's line the daemon keeps)."""
    from sync.daemon import SyncDaemon
    from tests.sync.helpers import small_apoyo
    from tests.sync.test_rules import _impostor

    station, _server, _receiver = provisioned
    ghost = _impostor(tmp_path, station, "D0999")
    try:
        ghost.save_apoyo(small_apoyo(5), "A0001")
        summary = SyncDaemon(ghost).run_once()
        assert summary.link_ok and summary.errors[-1].startswith("dispositivo_desconocido"), summary
        app = make_app(ghost)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            line = next(line for line in drawn_lines(app) if "Enlace" in line)
            assert "Enlace: en línea; aviso:" in line and "sin conexión" not in line, line
            assert "dispositivo_desconocido" not in line and "+00:00" not in line, line
            assert english_on(app) == []
    finally:
        ghost.close()
