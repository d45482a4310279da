"""The OPL's day in a real browser (Debian's chromium driven by Playwright, no downloads): the
first administrator from the CLI, log in, create a process, load a roster CSV, issue a token,
enroll a kiosk with the real `kiosk provision`, capture records through the demo's camera and
pad twins, sync them, process them with `kiosk-receiver process run`, review every record in the
Mesa from the keyboard (valid and several §10.3 kinds) and see the statuses move."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO, AuxiliarRegistration
from kiosk.station import open_station
from sync.daemon import SyncDaemon
from central.receiver import store as st
from central.receiver.server import ThreadedServer, open_receiver
from central.web.app import WebServer
from tests.sync.helpers import small_apoyo

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The README's screenshots are rewritten only when asked (APOYO_SCREENSHOTS=1), so a test run
# leaves the tree clean.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "central" / "web" / "screenshots"
ADMIN_PASSWORD = "administracion-muestra"
OPER_PASSWORD = "operacion-muestra-1"


def launch(p):  # noqa: ANN001
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def _cli(module: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", module, *args], input=stdin, capture_output=True, text=True, timeout=180,
                         env=dict(os.environ, APOYO_KIOSK_DATA=""))
    assert out.returncode == 0, out.stderr
    return out


def _shows(page, text: str, where: str = "body") -> None:  # noqa: ANN001
    """After a click that posts a form, the next page may still be loading: page.content() then
    returns '' (CI saw it once) and inner_text may read the page being left. Wait until `where`
    holds `text`, up to Playwright's default timeout, and fail with what it shows instead."""
    playwright_api.expect(page.locator(where)).to_contain_text(text)


def _login(page, base: str, user: str, password: str) -> None:  # noqa: ANN001
    page.goto(base + "/login")
    page.fill("input[name=usuario]", user)
    page.fill("input[name=contrasena]", password)
    page.click("button[type=submit]")


@pytest.mark.timeout(600)
def test_an_opl_day_in_a_real_browser(tmp_path) -> None:
    shots = README_SCREENSHOTS if os.environ.get("APOYO_SCREENSHOTS") == "1" else tmp_path / "capturas"
    root = tmp_path / "receptor"
    _cli("central.receiver.cli", "--data-dir", str(root), "init")
    _cli("central.receiver.cli", "--data-dir", str(root), "create-admin", "admin", "--name", "Administración MUESTRA",
         "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    receiver = open_receiver(root)
    with ThreadedServer(receiver) as api, WebServer(receiver) as web, playwright_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        base = web.url

        # --- the administrator: process, roster, token, an operator's account ----------------------
        _login(page, base, "admin", ADMIN_PASSWORD)
        page.goto(base + "/procesos/nuevo")
        now = datetime.now(HORA_CENTRO)
        for name, value in {
            "process_id": "RM2026MUE", "entidad": "20", "municipios": "San Juan MUESTRA",
            "inicio": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "fin": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
            "denominacion": "Revocación de mandato MUESTRA", "promovente": "Colectivo MUESTRA",
            "representante": "ANA MUESTRA PRUEBA", "numero_oficio": "OPL/SE/0042/2026",
            "aviso_url": "https://opl.muestra.invalid/privacidad", "aviso_texto": "Datos usados solo para verificar el apoyo.",
            "apoyos_requeridos": "1200",
        }.items():
            page.fill(f"[name={name}]", value)
        page.select_option("select[name=mecanismo]", "revocacion_de_mandato")
        page.click("text=Registrar el proceso")
        assert page.url.endswith("/procesos/RM2026MUE")
        born = f"{date.today().year - 35}-03-04"
        csv = ("nombres,apellido_paterno,apellido_materno,fecha_nacimiento,telefono,email,clave_elector,curp\n"
               f"MARÍA MUESTRA,EJEMPLO,PRUEBA,{born},9511112222,maria@muestra.invalid,EJPRMR91030420M100,\n"
               f"JUAN FICTICIO,DEMOSTRACIÓN,,{born},9513334444,juan@muestra.invalid,DMXXJN91030420H200,\n")
        page.click("text=Carga por archivo CSV")
        # the file field reads in Spanish even in this English-only Chromium
        assert page.inner_text("button.archivo") == "Elegir archivo"
        assert page.inner_text(".archivo-elegido") == "Ningún archivo elegido"
        page.set_input_files("input[name=archivo]", files=[{"name": "auxiliares.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
        assert page.inner_text(".archivo-elegido") == "auxiliares.csv"
        page.click("text=Cargar CSV")
        _shows(page, "2 personas auxiliares cargadas")
        page.click("text=Emitir un token")
        token = page.inner_text("#token-nuevo").strip()
        page.goto(base + "/usuarios")
        page.fill("[name=usuario]", "oper")
        page.fill("[name=nombre]", "Operadora MUESTRA")
        page.select_option("select[name=rol]", "operador")
        page.fill("[name=contrasena]", OPER_PASSWORD)
        page.click("button:has-text('Crear')")
        _shows(page, "Cuenta oper creada")

        # --- a kiosk: real provisioning, captures through the demo twins, sync ---------------------
        kiosk_dir = tmp_path / "kiosko"
        _cli("kiosk.cli", "provision", "--data-dir", str(kiosk_dir), "--receiver", api.url, "--token", token,
             "--municipio", "San Juan MUESTRA", "--lat", "17.06", "--lon", "-96.72")
        station = open_station(kiosk_dir)
        try:
            from kiosk.demo_rig import DemoRig

            with DemoRig(card_pool=2) as rig:
                real = [rig.capture_one(station, "A0001", i).folio for i in range(3)]  # the third is the first person again
            photocopy = small_apoyo(1)
            photocopy.warnings = ["La imagen parece una fotocopia (a color); se necesita la credencial original."]
            photocopy.fields["cic"] = {"value": "100000001", "source": "mrz", "verified": True}
            synthetic = [station.save_apoyo(photocopy, "A0002").folio]
            for n in range(2, 5):
                record = small_apoyo(n)
                record.fields["cic"] = {"value": f"10000000{n}", "source": "mrz", "verified": True}
                synthetic.append(station.save_apoyo(record, "A0002").folio)
            registration = station.save_auxiliar_registration(AuxiliarRegistration(
                front_image=os.urandom(800), back_image=os.urandom(800), live_photo=os.urandom(400),
                signature_trajectory={"width": 100, "height": 40, "points": [[0, 5, 5, 300, 1], [20, 50, 30, 300, 1]]},
                signature_png=os.urandom(64), email="juan@muestra.invalid"), "A0002").folio
            assert SyncDaemon(station).run_once().link_ok and station.vault.pending() == []
        finally:
            station.close()
        page.goto(base + "/procesos/RM2026MUE")
        assert "D0001" in page.inner_text("#dispositivos")
        assert "En procesamiento" in page.inner_text("#conteos")

        # --- the processing step, in its own process ------------------------------------------------
        counts = _cli("central.receiver.cli", "--data-dir", str(root), "process", "run").stdout
        assert '"duplicado": 1' in counts and '"registro_auxiliar": 1' in counts, counts
        page.reload()
        assert "Duplicado" in page.inner_text("#conteos")

        # --- the operator reviews every record from the keyboard ------------------------------------
        page.click("text=Salir")
        _login(page, base, "oper", OPER_PASSWORD)
        assert page.url.endswith("/mesa")
        page.click("button:has-text('Tomar un lote')")
        from central import mesa

        # the batch comes most suspicious first (the kiosk's photocopy/screen confidence), then by capture
        order = mesa.queue(receiver.engine, "oper")
        suspicion = [mesa.get(receiver.engine, f)["suspicion"] for f in order]
        assert suspicion == sorted(suspicion, reverse=True) and len(order) == 7
        assert page.url.endswith(f"/mesa/registro/{order[0]}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"), "the real images decrypt and show"
        page.wait_for_function("document.getElementById('trazo') && document.getElementById('trazo').getContext('2d')"
                               ".getImageData(0, 0, 400, 160).data.some(v => v > 0)")  # the trajectory is drawn
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "mesa_revision.png"))
        decisions = [
            (real[0], ["v"]),  # valid
            (real[1], ["g"]),  # g) persona distinta
            (synthetic[0], ["Enter"]),  # accepts the capture's suggestion: e) fotocopia
            (synthetic[1], ["j", "type:una X", "Enter"]),  # j) needs its detail
            (synthetic[2], ["m"]),  # m) sin firma
            (synthetic[3], ["d"]),  # d) pantalla
            (registration, ["v"]),  # §3.8: the auxiliar's registration corresponds
        ]
        decisions.sort(key=lambda d: order.index(d[0]))
        keys = 0
        for folio, strokes in decisions:
            page.wait_for_url(f"**/mesa/registro/{folio}")
            if folio == registration:
                assert "JUAN FICTICIO" in page.inner_text("#registrado"), "§3.8: compared with the portal's roster"
            if folio == synthetic[0]:
                _shows(page, "Sugerencia de la captura")
                _shows(page, "e) Fotocopia")
            for stroke in strokes:
                if stroke.startswith("type:"):
                    page.keyboard.type(stroke[5:])
                else:
                    page.keyboard.press(stroke)
                keys += 1
        page.wait_for_url("**/mesa?aviso=Lote+terminado")
        from central import accounts

        trails = {f: [a["action"] for a in accounts.audit_trail(receiver.engine, folio=f)] for f, _ in decisions}
        for folio, actions in trails.items():
            assert actions.count("ver_registro") == 1, (folio, actions)  # shown once, whether loaded ahead or not
        loaded_ahead = sum("precarga" in actions for actions in trails.values())
        assert loaded_ahead >= len(decisions) - 1, trails  # every record after the first was loaded ahead
        assert keys / len(decisions) < 2.5
        assert "oper" in page.inner_text("#avance")

        with receiver.engine.connect() as c:
            statuses = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status)).all())
            details = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.detail)).all())
        assert statuses[real[0]] == "para_compulsa"
        assert statuses[real[2]] == "duplicado"
        assert [statuses[f] for f in (real[1], *synthetic)] == ["con_inconsistencia"] * 5
        assert details[synthetic[0]].startswith("e) Fotocopia") and details[synthetic[1]] == "j) Firma no válida: una X"
        assert statuses[registration] == "auxiliar_verificado"
        page.click("text=Salir")
        _login(page, base, "admin", ADMIN_PASSWORD)
        page.goto(base + "/procesos/RM2026MUE")
        table = page.inner_text("#conteos")
        assert re.search(r"Para envío a compulsa\s+1", table) and re.search(r"Con inconsistencia\s+5", table)
        page.screenshot(path=str(shots / "proceso.png"), full_page=True)
        page.goto(base + f"/auditoria?folio={real[1]}")
        assert "en_mesa_de_control → con_inconsistencia" in page.inner_text("#auditoria")
        browser.close()
