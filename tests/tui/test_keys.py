"""Every button's key, whatever has focus, and nothing lost without asking: the login's empty
password, Esc in the capture and in Cédulas, the cédula page with letter keys only, (A) at step 4
before the box is ticked, Envío's (X), the quit key, Técnico's visible results, Mi apoyo."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.capture import Step
from tests.conftest import Authority
from tests.tui.helpers import login, make_app, registered_station, shoot_and_accept, wait_for
from tests.tui.test_flows import screen_name, screen_text, start_capture

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


@pytest.fixture
def kiosk_station(tmp_path: Path):
    station = registered_station(tmp_path / "kiosko", Authority())
    yield station
    station.close()


def confirming(app) -> bool:  # noqa: ANN001
    return screen_name(app) == "ConfirmScreen"


async def test_empty_password_costs_no_attempt(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen")
        assert app.screen.focused.id == "password"
        await pilot.press("enter", "tab", "enter")  # Enter, then Tab to (Intro) Entrar and Enter
        await pilot.pause(0.1)
        assert "no se contó como intento" in screen_text(app)
        assert kiosk_station.vault.operator("A1")[2] == 0
        await pilot.press("f3")  # (F3) Primer uso, with the cursor in the password field
        await wait_for(pilot, lambda: screen_name(app) == "RegistrationScreen")


async def test_esc_in_the_capture_asks_after_a_step(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_capture(pilot, app, "5")
        await shoot_and_accept(pilot)  # the front is taken: Esc must ask now
        screen = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: confirming(app))
        assert "Cancelar esta captura" in screen_text(app)
        await pilot.press("n")
        await pilot.pause(0.1)
        assert app.screen is screen and screen.session.step is Step.BACK and screen.session.front
        await pilot.press("escape")
        await wait_for(pilot, lambda: confirming(app))
        await pilot.press("escape")  # Esc in the question keeps the work
        await pilot.pause(0.1)
        assert app.screen is screen and screen.session.front
        await pilot.press("escape", "s")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
        assert not screen.session.front  # cancelled: forgotten
    assert kiosk_station.vault.counts()["sealed"] == 0


async def test_esc_on_the_model_choice_leaves_at_once(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: screen_name(app) == "CaptureScreen")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")


async def test_step_four_accept_before_ticking_says_what_to_do(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_capture(pilot, app, "1")
        await shoot_and_accept(pilot)
        await shoot_and_accept(pilot)
        screen = app.screen
        assert screen.session.step is Step.ORIGINAL
        await pilot.press("a")
        await pilot.pause(0.1)
        assert screen.session.step is Step.ORIGINAL and app.screen.query_one("#accept").disabled  # mandatory
        assert "Primero marque la casilla con (O)" in screen_text(app)
        await pilot.press("o", "a")  # keyboard only: (O) ticks the box
        await pilot.pause(0.1)
        assert screen.session.original_presented and screen.session.step is Step.PHOTO


async def test_retake_keys_printed_on_the_buttons(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_capture(pilot, app, "5")
        screen = app.screen
        await shoot_and_accept(pilot)
        assert "(F)" in str(app.screen.query_one("#retake_front").label)
        await pilot.press("f")  # (F) Repetir frente
        await pilot.pause(0.1)
        assert screen.session.step is Step.FRONT


async def test_cedula_page_with_letter_keys_only(kiosk_station) -> None:
    """Scan (E), confirm every row (A) or discard what the rules refuse (D), Esc in the middle
    asks and keeps the page, Esc at «Hoja lista» offers (G) Guardar y salir."""
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "CedulasScreen")
        await pilot.pause(0.1)
        screen = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.page is not None or screen.error, timeout=120)
        await pilot.pause(0.2)
        assert screen.page is not None and screen.page.rows, screen.error
        assert "Renglón 1 de" in screen_text(app)
        if not app.screen.query_one("#folio").value:  # not read: typed once for the page
            await pilot.press("f", *"C-000123", "enter")
        confirmed, asked = 0, False
        while screen.page.current() is not None:
            row = screen.page.current()
            await pilot.press("a")
            await pilot.pause(0.2)
            if screen.page.current() is row:
                assert screen.error  # the reason is on screen
                await pilot.press("d")
                await pilot.pause(0.2)
            else:
                confirmed += 1
            if confirmed == 1 and not asked and screen.page.current() is not None:
                asked = True
                await pilot.press("escape")
                await wait_for(pilot, lambda: confirming(app))
                assert "Se pierden 1 renglón" in screen_text(app)
                await pilot.press("n")
                await pilot.pause(0.2)
                assert app.screen is screen and screen.page is not None
        assert "Hoja lista" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: confirming(app))
        await pilot.press("g")  # Guardar y salir
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")
    assert kiosk_station.vault.counts()["sealed"] == confirmed > 0


async def test_cedula_keys_reach_the_fields_and_letters_type_there(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "CedulasScreen")
        await pilot.pause(0.1)
        assert app.screen.focused.id == "scan"  # not the CSV field: (E) scans
        screen = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.page is not None or screen.error, timeout=120)
        await pilot.pause(0.2)
        assert app.screen.focused.id == "confirm"
        await pilot.press("1")  # (1) Nombre(s): the cursor goes to the name
        await pilot.pause(0.1)
        name = app.screen.query_one("#f-nombres")
        assert app.screen.focused is name
        name.value = ""
        await pilot.press(*"ADA", "enter")  # letters type in the field; Enter goes back to (A)
        await pilot.pause(0.1)
        assert name.value == "ADA" and app.screen.focused.id == "confirm"


async def test_envio_export_key_whatever_has_focus(kiosk_station, tmp_path: Path) -> None:
    from kiosk.demo_rig import DemoRig

    with DemoRig(pad_speed=400) as rig:
        rig.capture_one(kiosk_station, "A1")
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "EnvioScreen")
        await pilot.pause(0.1)
        await pilot.press("x")  # no folder yet: the cursor goes to it and the screen says so
        await pilot.pause(0.1)
        assert app.screen.focused.id == "export-dir" and "Escriba la carpeta" in screen_text(app)
        await pilot.press(*str(tmp_path / "usb"), "enter")
        await pilot.pause(0.2)
        assert "Se exportaron 1 sobres" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InicioScreen")


async def test_quit_key_asks_in_spanish(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Ctrl+Q: salir" in screen_text(app)
        for key in ("ctrl+q", "ctrl+c"):
            await pilot.press(key)
            await wait_for(pilot, lambda: confirming(app))
            text = screen_text(app)
            assert "¿Salir de Apoyo Kiosk?" in text and "quit" not in text.lower()
            await pilot.press("n")
            await pilot.pause(0.1)
            assert screen_name(app) == "InicioScreen" and app.is_running
        await pilot.press("ctrl+q", "s")
        await pilot.pause(0.2)
        assert not app.is_running


async def test_tecnico_pad_and_sync_show_their_result(kiosk_station) -> None:
    from tests.tui.helpers import open_tecnico
    from kiosk import operators

    operators.set_tech_password(kiosk_station.vault, "tecnico-1")
    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tecnico(pilot, "tecnico-1")
        assert "tableta de firma" in str(app.screen.query_one("#pad").label).lower()
        await pilot.press("f")
        await pilot.pause(0.05)
        result = app.screen.query_one("#tool-result")
        await wait_for(pilot, lambda: "puntos leídos" in str(result.content), timeout=60)
        assert result.region.bottom <= 24 - 3  # in view above the buttons, not scrolled away
        await pilot.press("n")
        await wait_for(pilot, lambda: "Sincroniza" in str(result.content) and "…" not in str(result.content), timeout=90)
        assert "La sincronización no terminó" in str(result.content)  # no receiver on 127.0.0.1:9


async def test_mi_apoyo_offers_only_f_g_h(kiosk_station) -> None:
    from tui.screens.capture import CaptureScreen

    app = make_app(kiosk_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await app.push_screen(CaptureScreen(guided=True))
        await pilot.pause(0.2)
        models = [b.id for b in app.screen.query(".model")]
        assert models == ["model-F", "model-G", "model-H"]
        await pilot.press("1")  # model C is not offered
        await pilot.pause(0.1)
        assert app.screen.session.step is Step.CREDENTIAL_TYPE
        await pilot.press("5")
        await pilot.pause(0.1)
        assert app.screen.session.step is Step.FRONT and app.screen.session.self_service


async def test_two_devices_rule_at_login(tmp_path: Path) -> None:
    from dataclasses import replace

    from kiosk import operators
    from kiosk.procconfig import auxiliar_to_dict, process_to_dict
    from kiosk import sealing
    from tests.conftest import demo_roster
    from tests.tui.helpers import fixed_process

    authority = Authority()
    station = registered_station(tmp_path / "kiosko", authority)
    try:
        roster = [replace(a, devices=("D0007", "D0008")) if a.auxiliar_id == "A1" else a for a in demo_roster()]
        body = {"process": process_to_dict(fixed_process()), "roster": [auxiliar_to_dict(a) for a in roster],
                "device": {"device_id": "D0001", "status": "activo"}, "self_service": False,
                "max_devices_per_auxiliar": 2}
        station.store_config(sealing.sign_document(body, "config", authority.signing), "etag-2")
        app = make_app(station)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            assert app.operator is None and "ya usa 2 dispositivos (D0007, D0008)" in screen_text(app)
        assert station.vault.operator("A1")[2] == 0  # refused by the rule, not a wrong password
    finally:
        station.close()
