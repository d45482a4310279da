"""The kiosk UI walked with Textual's pilot on a real station, real vault and simulated devices:
login (wrong password, lockout, idle logout), a full capture to the folio, refusal of the photo,
retakes, a closed period, first-use registration, Envío and the technician's screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import operators
from kiosk.capture import Step
from tests.conftest import Authority, build_station, demo_process
from tests.tui.helpers import (PASSWORD, capture_to_photo, capture_to_review, login, make_app, registered_station, shoot_and_accept,
                               wait_for)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


def screen_name(app) -> str:  # noqa: ANN001
    return type(app.screen).__name__


def screen_text(app) -> str:  # noqa: ANN001
    """The text of every Static on the current screen, rich tables included."""
    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    for widget in app.screen.query(Static):
        console.print(widget.content)
    return console.export_text()


@pytest.fixture
def kiosk_station(tmp_path: Path):
    station = registered_station(tmp_path / "kiosko", Authority())
    yield station
    station.close()


async def start_capture(pilot, app, model_key: str) -> None:  # noqa: ANN001 - Textual pilot and app
    """Log in, open Captura de apoyo and choose the credential model by its key."""
    await login(pilot)
    await pilot.press("c")
    await wait_for(pilot, lambda: screen_name(app) == "CaptureScreen")
    await pilot.pause(0.1)
    await pilot.press(model_key)
    await pilot.pause(0.1)


async def test_wrong_password_then_lockout(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "equivocada")
        assert screen_name(app) == "LoginScreen" and app.operator is None
        assert "Contraseña incorrecta" in screen_text(app) and "4 intentos" in screen_text(app)
        for _ in range(4):
            await pilot.press(*"equivocada", "enter")
            await pilot.pause(0.05)
        assert "Demasiados intentos" in screen_text(app)
        await pilot.press(*PASSWORD, "enter")  # locked: even the right password is refused
        await pilot.pause(0.05)
        assert app.operator is None and "Demasiados intentos" in screen_text(app)
    assert kiosk_station.vault.operator("A1")[2] > 0


async def test_login_shows_the_operator(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: app.operator == "A1")
        assert screen_name(app) == "InicioScreen" and "ANA MUESTRA" in screen_text(app)


async def test_idle_logout(kiosk_station) -> None:
    """Judged on the audit trail, not on catching the operator logged in between two ticks: on a
    loaded machine the 0.6 s idle may pass before the test looks (CI failed that way once)."""
    app = make_app(kiosk_station, idle_seconds=0.6)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: any(e["event"] == "operator_logout" for e in kiosk_station.vault.audit_tail(5)), timeout=10)
        events = [(e["event"], e["detail"].get("auxiliar_id")) for e in reversed(kiosk_station.vault.audit_tail(5))]
        assert events[-2:] == [("operator_login", "A1"), ("operator_logout", "A1")]
        await pilot.pause(0.2)
        assert app.operator is None
        assert screen_name(app) == "InicioScreen" and app.screen.query("#login")


async def test_full_capture_to_folio(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await capture_to_review(pilot)
        screen = app.screen
        assert screen.session.step is Step.REVIEW and screen.session.original_presented
        assert len(app.screen.query(".thumb")) == 4
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.saved is not None)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert screen.saved.folio in text and screen.saved.integrity in text
        assert screen.saved.folio == "P100-A1-D0001-000001"
    assert kiosk_station.vault.counts()["sealed"] == 1
    row = kiosk_station.vault.get("P100-A1-D0001-000001")
    assert row.integrity == screen.saved.integrity


async def test_photo_refusal_keeps_nothing(kiosk_station) -> None:
    before = kiosk_station.vault.counts()
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_capture(pilot, app, "6")
        await shoot_and_accept(pilot)
        await shoot_and_accept(pilot)
        await pilot.click("#original")
        await pilot.press("a")
        await pilot.pause(0.1)
        screen = app.screen
        assert screen.session.front and screen.session.fields is not None
        await pilot.press("n")
        await pilot.pause(0.1)
        assert screen.session.step is Step.REFUSED
        assert screen.session.front == b"" and screen.session.back == b"" and screen.session.fields == {}
        assert "no se guardó nada" in screen_text(app)
    assert kiosk_station.vault.counts() == before


async def test_retakes(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_capture(pilot, app, "5")
        screen = app.screen
        await pilot.press("t")
        await wait_for(pilot, lambda: screen.shot is not None)
        first = screen.shot["image"]
        await pilot.press("r")  # retake the front before accepting it
        await wait_for(pilot, lambda: screen.shot is not None and screen.shot["image"] is not first)
        assert screen.session.step is Step.FRONT
        await pilot.pause(0.1)
        await pilot.press("a")
        await pilot.pause(0.1)
        await pilot.click("#retake_front")  # from the back, go back to the front
        await pilot.pause(0.1)
        assert screen.session.step is Step.FRONT
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await capture_to_review(pilot)
        screen = app.screen
        photo, signature = screen.session.photo, screen.session.signature_png
        await pilot.click("#retake_photo")
        await pilot.pause(0.1)
        assert screen.session.step is Step.PHOTO
        await shoot_and_accept(pilot)
        assert screen.session.step is Step.SIGNATURE
        await shoot_and_accept(pilot, "f")
        assert screen.session.step is Step.REVIEW and screen.session.photo
        await pilot.click("#retake_signature")
        await pilot.pause(0.1)
        await shoot_and_accept(pilot, "f")
        assert screen.session.signature_png and screen.session.signature_png != signature
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.saved is not None)
    assert photo and kiosk_station.vault.counts()["sealed"] == 1


async def test_closed_period_shows_the_refusal(tmp_path: Path) -> None:
    station = build_station(tmp_path / "kiosko", Authority(), demo_process(start_days=-10, end_days=-1))
    operators.set_password(station.vault, "A1", PASSWORD)
    try:
        app = make_app(station)
        async with app.run_test(size=(100, 30)) as pilot:
            assert "periodo de captación está cerrado" in screen_text(app)
            await login(pilot)
            await pilot.press("c")
            await wait_for(pilot, lambda: screen_name(app) == "CaptureScreen")
            await pilot.pause(0.1)
            assert app.screen.session is None
            assert "El periodo de captación no está abierto" in screen_text(app)
            assert not app.screen.query("#model-E")
        assert station.vault.counts()["sealed"] == 0
    finally:
        station.close()


async def test_first_use_registration(tmp_path: Path) -> None:
    station = build_station(tmp_path / "kiosko", Authority(), demo_process())
    try:
        app = make_app(station)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("i")
            await wait_for(pilot, lambda: screen_name(app) == "LoginScreen")
            assert "Nadie se ha registrado" in screen_text(app)
            await pilot.click("#first_use")
            await wait_for(pilot, lambda: screen_name(app) == "RegistrationScreen")
            await pilot.pause(0.1)
            await pilot.press(*"P100", "enter", *"A2", "enter", *"a2@muestra.invalid", "enter")
            await wait_for(pilot, lambda: "dada de baja" in screen_text(app))  # A2 is a baja
            for box in app.screen.query("Input"):
                box.value = ""
            app.screen.query_one("#id_auxiliar").focus()
            await pilot.press(*"A1")
            app.screen.query_one("#id_proceso").value = "P100"
            app.screen.query_one("#email").value = "a1@muestra.invalid"
            await pilot.click("#verify")
            await wait_for(pilot, lambda: app.screen.step == "front")
            await pilot.pause(0.1)
            for key in ("t", "t", "t", "f"):
                await shoot_and_accept(pilot, key)
            await wait_for(pilot, lambda: app.screen.step == "password")
            await pilot.press(*"nueva-clave", "enter", *"nueva-clave", "enter")
            await wait_for(pilot, lambda: app.screen.step == "done")
            assert "P100-A1-D0001-000001" in screen_text(app)
        assert station.vault.counts()["sealed"] == 1
        operators.login(station.vault, "A1", "nueva-clave")
    finally:
        station.close()


async def test_envio_lists_states_and_exports(kiosk_station, tmp_path: Path) -> None:
    from kiosk.demo_rig import DemoRig

    with DemoRig(pad_speed=400) as rig:
        folios = [rig.capture_one(kiosk_station, "A1").folio for _ in range(2)]
    kiosk_station.vault.set_meta("upload_progress", '{"%s": [512, 2048]}' % folios[0])
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "EnvioScreen")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "Sellados, por enviar" in text and "En cuarentena" in text and "Acuses recibidos" in text
        bar = app.screen.query_one("ProgressBar")
        assert bar.total == 2048 and bar.progress == 512
        (tmp_path / "nota.txt").write_text("un archivo, no la memoria")
        app.screen.query_one("#export-dir").value = str(tmp_path / "nota.txt")
        await pilot.press("x")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "No se pudo exportar" in text and "no es una carpeta" in text and "exists" not in text, "said in Spanish"
        app.screen.query_one("#export-dir").value = str(tmp_path / "usb")
        await pilot.press("x")
        await pilot.pause(0.1)
        assert "Se exportaron 2 sobres" in screen_text(app)
    assert sorted(p.stem for p in (tmp_path / "usb").glob("*.apk")) == sorted(folios)


async def test_technician_password_doctor_and_preview(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: screen_name(app) == "TecnicoScreen")
        await pilot.pause(0.1)
        await pilot.press(*"tecnico-1", "enter", *"tecnico-1", "enter")
        await wait_for(pilot, lambda: app.screen.unlocked)
        await pilot.pause(0.1)
        await pilot.press("v")
        await wait_for(pilot, lambda: app.screen.query_one("#preview").image is not None, timeout=5)
        await pilot.press("d")
        await wait_for(pilot, lambda: "tesseract" in app.screen.report, timeout=60)
        assert "✔" in app.screen.report
        assert "Contraseña técnica fijada" in screen_text(app)
    assert operators.tech_password_set(kiosk_station.vault)


async def test_language_switch(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Iniciar sesión" in str(app.screen.query_one("#login").label)
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert "Log in" in str(app.screen.query_one("#login").label)


async def test_cedula_page_row_by_row(kiosk_station) -> None:
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "CedulasScreen")
        await pilot.pause(0.1)
        await pilot.click("#scan")
        screen = app.screen
        await wait_for(pilot, lambda: screen.page is not None or screen.error, timeout=90)
        await pilot.pause(0.2)
        assert screen.page is not None and screen.page.rows, screen.error
        confirmed = 0
        while screen.page.current() is not None:
            row = screen.page.current()
            assert app.screen.query_one("#crop").image is not None  # the row's crop beside its fields
            if not app.screen.query("#folio"):
                await pilot.click("#confirm")
                await pilot.pause(0.2)
            else:
                app.screen.query_one("#folio").value = "C-000123"
                await pilot.click("#confirm")
                await pilot.pause(0.2)
            if screen.page.current() is row:  # the rules refused it: the reason is shown, discard
                assert screen.error
                await pilot.click("#discard")
                await pilot.pause(0.2)
            else:
                confirmed += 1
        await pilot.click("#save")
        await pilot.pause(0.2)
        assert f"Se guardaron {confirmed} registros" in screen_text(app)
    assert kiosk_station.vault.counts()["sealed"] == confirmed


async def test_cedula_bulk_import_all_or_nothing(kiosk_station, tmp_path: Path) -> None:
    from kiosk.cedula.specimen import make_cedula

    rows = make_cedula(7, filled=3, invalid_clave=0, clave_mismatch=0)[1]["rows"]
    header = "numero_referencia,nombres,apellido_paterno,apellido_materno,clave_elector\n"
    lines = [f"C-000777-{r['no']:02d},{r['nombres']},{r['apellido_paterno']},{r['apellido_materno']},{r['clave_elector']}"
             for r in rows]
    good, bad = tmp_path / "bien.csv", tmp_path / "mal.csv"
    good.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    bad.write_text(header + "\n".join(lines) + "\nC-000777-99,SIN,CLAVE,,XXXX\n", encoding="utf-8")
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "CedulasScreen")
        await pilot.pause(0.1)
        app.screen.query_one("#csv").value = str(bad)
        await pilot.click("#import")
        await pilot.pause(0.2)
        assert "No se importó nada" in screen_text(app)
        assert kiosk_station.vault.counts()["sealed"] == 0
        app.screen.query_one("#csv").value = str(good)
        await pilot.click("#import")
        await pilot.pause(0.2)
        assert f"{len(rows)} de {len(rows)} renglones guardados" in screen_text(app)
    assert kiosk_station.vault.counts()["sealed"] == len(rows)


async def test_a_check_that_fails_asks_for_the_shot_again(kiosk_station, monkeypatch) -> None:
    """A bug in a check (here the photo gate raising) is a Spanish message on the step and the
    shot can be taken again: the UI's worker does not end the app, nothing captured is lost."""
    from tui.screens import steps

    real = steps.checks.check_photo
    calls = []

    def flaky(image):  # noqa: ANN001
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("gate bug")
        return real(image)

    monkeypatch.setattr(steps.checks, "check_photo", flaky)
    app = make_app(kiosk_station)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        await capture_to_photo(pilot)
        screen = app.screen
        front = screen.session.front
        await pilot.press("t")
        await wait_for(pilot, lambda: screen.error != "" and not screen.busy)
        assert screen.error == "No se pudo revisar esta toma; tómela de nuevo."
        assert screen.session.step is Step.PHOTO and screen.session.front == front
        await shoot_and_accept(pilot)  # the second try goes through the real gate
        assert screen.session.step is Step.SIGNATURE
