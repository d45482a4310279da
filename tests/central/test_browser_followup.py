"""The end of a process in a real browser (Debian's chromium driven by Playwright), from received
records to sealed results: the Mesa's decisions from the keyboard, the compulsa exported and a
fixture situación registral file uploaded (twice: nothing changes the second time), a garantía de
audiencia that changes two statuses and yields an acta PDF (read back with pdftotext), a second
compulsa round, results whose counts equal the avance report, and the sealed results file opened
with the OPL's private key. The avance page with its charts is the README's screenshot."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import zipfile
from collections import Counter
from datetime import datetime, timedelta

import pytest
from nacl.public import PrivateKey

from kiosk import sealing
from kiosk.domain import HORA_CENTRO
from sync.demo import DEMO_PROCESS
from sync.provision import provision
from central import accounts, processes, reports, results
from central.web.app import WebServer
from tests.central.test_browser import ADMIN_PASSWORD, OPER_PASSWORD, README_SCREENSHOTS, _cli, _login, _shows, launch
from tests.central_followup.helpers import capture_and_process

playwright_api = pytest.importorskip("playwright.sync_api")
PID = DEMO_PROCESS
PROM_PASSWORD = "promovente-muestra-1"


def _download(page, selector: str) -> bytes:  # noqa: ANN001
    with page.expect_download() as info:
        page.click(selector)
    return open(info.value.path(), "rb").read()


def _situacion(folios: dict[str, str]) -> bytes:
    lines = ["folio,situacion,motivo_baja,entidad,distrito_federal,distrito_local,municipio,seccion"]
    for i, (folio, situacion) in enumerate(sorted(folios.items())):
        lines.append(f"{folio},{situacion},,20,0{1 + i % 2},1{i % 3},{'067' if i % 2 else '184'},{1000 + i % 3}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.timeout(600)
def test_end_of_a_process_in_a_real_browser(tmp_path, receiver_env) -> None:
    shots = README_SCREENSHOTS if os.environ.get("APOYO_SCREENSHOTS") == "1" else tmp_path / "capturas"
    shots.mkdir(parents=True, exist_ok=True)
    server, receiver, token = receiver_env
    root = receiver.keys.root
    accounts.create_tables(receiver.engine)
    accounts.create_user(receiver.engine, "admin", ADMIN_PASSWORD, "administrador", name="Administración MUESTRA")
    accounts.create_user(receiver.engine, "oper", OPER_PASSWORD, "operador", name="Operadora MUESTRA")
    accounts.create_user(receiver.engine, "prom", PROM_PASSWORD, "promovente", name="Colectivo MUESTRA", process_id=PID)
    processes.create_tables(receiver.engine)
    with receiver.engine.begin() as c:  # the goal, as the process form stores it
        c.execute(processes.details.insert().values(process_id=PID, body=json.dumps({"apoyos_requeridos": 5})))

    station = provision(tmp_path / "kiosko", server.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
    try:
        from kiosk.demo_rig import DemoRig

        with DemoRig(card_pool=1) as rig:  # one record with real images: the audiencia's screenshot shows them
            drawn = rig.capture_one(station, "A0001").folio
        apps, cedulas = capture_and_process(station, receiver, apps=3, cedulas=2)
        apps.append(drawn)
    finally:
        station.close()
    # The processing host seals the person fields for the web app (which holds no sealing key).
    packed = _cli("central.receiver.cli", "--data-dir", str(root), "fields", "pack", "--process", PID).stdout
    assert "Campos sellados de 6 de 6 apoyos" in packed

    with WebServer(receiver) as web, playwright_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        base = web.url

        # --- the Mesa: four valid, d) pantalla on an app apoyo, m) sin firma on a cédula ----------
        _login(page, base, "oper", OPER_PASSWORD)
        page.click("button:has-text('Tomar un lote')")
        keys = {apps[3]: "d", cedulas[1]: "m"}
        for _ in range(6):
            page.wait_for_url("**/mesa/registro/*")
            folio = page.url.rsplit("/", 1)[1]
            page.wait_for_load_state("networkidle")
            page.keyboard.press(keys.get(folio, "v"))
            page.wait_for_url(lambda url, f=folio: not url.endswith(f"/mesa/registro/{f}"))
        page.wait_for_url("**/mesa?aviso=Lote+terminado")
        page.click("text=Salir")
        valid = [apps[0], apps[1], apps[2], cedulas[0]]

        # --- compulsa: export, then INE's answer (3 en Padrón, 1 not found), uploaded twice ---------
        _login(page, base, "admin", ADMIN_PASSWORD)
        page.goto(base + f"/procesos/{PID}/compulsa")
        archive = zipfile.ZipFile(io.BytesIO(_download(page, "#exportar button")))
        names = sorted(archive.namelist())
        rows = list(csv.DictReader(io.StringIO(archive.read(names[0]).decode())))
        manifest = sealing.verify_document(json.loads(archive.read(names[1])), receiver.keys.authority.verify_key,
                                           "compulsa_export")
        assert sorted(r["FOLIO"] for r in rows) == sorted(valid) and manifest["records"] == 4
        assert {r["MODALIDAD"] for r in rows} == {"aplicacion", "cedula_papel"}
        answer = _situacion({apps[0]: "En Padrón", apps[1]: "En Padrón", cedulas[0]: "En Padrón",
                             apps[2]: "Datos no encontrados"})
        for expected in ("4 registros cambiaron, 0 ya estaban así", "0 registros cambiaron, 4 ya estaban así"):
            page.set_input_files("#situacion input[name=archivo]",
                                 files=[{"name": "situacion.csv", "mimeType": "text/csv", "buffer": answer}])
            page.click("#situacion button[type=submit]")
            _shows(page, expected, "main")
        page.set_input_files("#situacion input[name=archivo]",
                             files=[{"name": "s.csv", "mimeType": "text/csv", "buffer": answer + b"AJENO,En Padron,,,,,,\n"}])
        page.click("#situacion button[type=submit]")
        _shows(page, "ningún registro cambió", "main")
        _shows(page, "AJENO", "main")

        # The avance mid-way (two inconsistencies, one record not found): the README's screenshots.
        page.goto(base + f"/procesos/{PID}/avance")
        assert page.locator("#graficas svg").count() == 5 and page.locator("#mapa svg").count() == 1
        assert page.inner_text("#por-inciso tr[data-inciso=d] td") == "1" and page.inner_text("#por-inciso tr[data-inciso=m] td") == "1"
        box = page.locator("#graficas svg").first.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, "the charts are drawn at a readable size"
        page.screenshot(path=str(shots / "avance.png"))
        page.evaluate("document.getElementById('graficas').scrollIntoView()")
        page.screenshot(path=str(shots / "avance_graficas.png"))

        # --- garantía de audiencia: three records; two statuses change, one is kept -----------------
        page.goto(base + f"/procesos/{PID}/audiencias")
        assert sorted(page.eval_on_selector_all("input[name=folio]", "els => els.map(e => e.value)")) == sorted(
            [apps[2], apps[3], cedulas[1]])
        assert "al menos 48 horas de anticipación" in page.inner_text("#aviso-48h")
        soon = (datetime.now(HORA_CENTRO) + timedelta(hours=47)).strftime("%Y-%m-%dT%H:%M")
        page.eval_on_selector("[name=fecha]", "e => e.removeAttribute('min')")  # past the browser's own check
        page.fill("[name=fecha]", soon)
        page.fill("[name=funcionarios]", "LAURA MUESTRA|Titular de la Unidad Técnica")
        page.fill("[name=promoventes]", "ANA MUESTRA PRUEBA")
        page.click("#programar button")
        assert "al menos 48 horas después del aviso al INE" in page.inner_text(".problems")
        when = page.get_attribute("[name=fecha]", "min")  # the first minute 48 hours after the notice
        page.fill("[name=fecha]", when)
        page.check("input[name=cuenta][value=oper]")
        page.fill("[name=lugar]", "Sala de sesiones del OPL MUESTRA")
        page.fill("[name=funcionarios]", "LAURA MUESTRA|Titular de la Unidad Técnica\nPEDRO EJEMPLO|Secretario técnico")
        page.fill("[name=promoventes]", "ANA MUESTRA PRUEBA")
        page.click("#programar button")
        page.wait_for_url("**/audiencias/*")
        aid = page.url.split("?")[0].rsplit("/", 1)[1]
        assert "el aviso al INE quedó emitido" in page.inner_text("main")
        assert "oper" in page.inner_text("dl.facts") and "hora del Centro" in page.inner_text("#aviso")
        page.click("text=Iniciar la audiencia")
        _shows(page, "en curso", "#estado")
        section = f"section[data-folio='{apps[3]}']"
        sources = page.eval_on_selector_all(f"{section} img", "els => els.map(e => e.getAttribute('src'))")
        assert len(sources) >= 3, "both credential sides and the live photo"
        assert all(page.request.get(base + src).status == 200 for src in sources)
        page.wait_for_load_state("networkidle")
        assert page.eval_on_selector_all(f"{section} img", "els => els.every(i => i.complete && i.naturalWidth > 0)")
        assert "Apellido paterno" in page.inner_text(section), "the record's fields are on screen"
        assert page.inner_text(f"{section} .detalle").startswith("Inconsistencia y detalle (§10.3): d) ")
        assert "Clave de elector" in page.inner_text(f"section[data-folio='{cedulas[1]}']")
        page.screenshot(path=str(shots / "audiencia.png"))
        page.locator(section).screenshot(path=str(shots / "audiencia_registro.png"))  # whole: evidence, fields, form
        for folio, status, allegation in ((apps[3], "para_compulsa", "La credencial se mostró en original, no en pantalla"),
                                          (cedulas[1], "para_compulsa", "La cédula original sí lleva firma"),
                                          (apps[2], "", "Solicita revisar de nuevo")):
            form = f"section[data-folio='{folio}'] form"
            page.fill(f"{form} [name=manifestacion]", allegation)
            if status:
                page.fill(f"{form} [name=evidencia]", "Original presentado en la audiencia")
                page.select_option(f"{form} select[name=estatus]", status)
                page.fill(f"{form} [name=motivo]", "Se acreditó con el original")
            with page.expect_navigation():  # the POST's redirect loaded before its page is read
                page.click(f"{form} button[type=submit]")
            assert f"{folio}: {'se modifica' if status else 'se mantiene'}" in page.inner_text("main")
        with page.expect_navigation():  # (make test once read the page before the redirect had loaded)
            page.click("#cerrar button")
        assert page.is_visible("#bloqueada") and page.locator("section form").count() == 0, "a closed session is locked"
        acta = tmp_path / "acta.pdf"
        acta.write_bytes(_download(page, "#acta"))
        text = subprocess.run(["pdftotext", "-layout", str(acta), "-"], check=True, capture_output=True, text=True).stdout
        assert "ACTA CIRCUNSTANCIADA" in text and "LAURA MUESTRA" in text and "ANA MUESTRA PRUEBA" in text
        assert "Aviso al INE (§11.3):" in text and "Cuentas de usuario que operan la sesión: oper" in text
        # The acta's first page as the README shows it (poppler renders the PDF; Chromium has no viewer headless).
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(acta),
                        str(shots / "acta")], check=True, capture_output=True)
        assert "con modificación de estatus: 2" in text and "se mantienen: 1" in text
        flat = text.replace("\n", " ")
        assert all(f[:12] in flat for f in (apps[2], apps[3], cedulas[1]))
        csrf = page.eval_on_selector("input[name=csrf]", "e => e.value")
        late = page.request.post(base + f"/audiencias/{aid}/registro/{apps[2]}",
                                 multipart={"csrf": csrf, "estatus": "duplicado", "motivo": "tarde"})
        assert "no admite decisiones" in late.text(), "no decision after the close"

        # --- the two records validated by the audiencia go to a second compulsa round --------------
        page.goto(base + f"/procesos/{PID}/compulsa")
        page.check("[name=solo_pendientes]")
        second = zipfile.ZipFile(io.BytesIO(_download(page, "#exportar button")))
        second_rows = list(csv.DictReader(io.StringIO(second.read(sorted(second.namelist())[0]).decode())))
        assert sorted(r["FOLIO"] for r in second_rows) == sorted([apps[3], cedulas[1]])
        page.set_input_files("#situacion input[name=archivo]", files=[{
            "name": "situacion2.csv", "mimeType": "text/csv", "buffer": _situacion({apps[3]: "En Padrón", cedulas[1]: "En Padrón"})}])
        page.click("#situacion button[type=submit]")
        _shows(page, "2 registros cambiaron", "main")

        # --- results: the OPL's key, definitive results equal to the avance, sealed and opened ------
        opl = PrivateKey.generate()
        page.goto(base + f"/procesos/{PID}/resultados")
        page.fill("[name=llave_texto]", bytes(opl.public_key).hex())
        page.click("#cargar-llave button[type=submit]")
        _shows(page, bytes(opl.public_key).hex(), "#llave")
        shown_valid = int(page.inner_text("#resultado-definitivo .validos"))
        table = page.eval_on_selector_all("#resultado-definitivo tbody tr",
                                          "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))")
        shown_by_seccion = {(m, sec): int(n) for m, sec, n in table}
        assert sum(shown_by_seccion.values()) == shown_valid and len(shown_by_seccion) >= 2
        sealed = zipfile.ZipFile(io.BytesIO(_download(page, "#sellar button")))
        apk = [n for n in sealed.namelist() if n.endswith(".apk")][0]
        manifest = json.loads(sealed.read([n for n in sealed.namelist() if n.endswith(".manifest.json")][0]))
        header, opened = results.open_results(sealed.read(apk), receiver.keys.authority.verify_key, opl, manifest)
        assert header["phase"] == "definitivo" and len(opened) == shown_valid == 5
        assert Counter((r["municipio"], r["seccion"]) for r in opened) == shown_by_seccion, "the file counts as the page"
        assert all(r["entidad"] == "20" and len(r["codigo_integridad"]) == 64 for r in opened)
        assert sum(r["nombre_completo"].startswith("PERSONA") for r in opened) == 4, "and the person the rig drew"
        assert b"PERSONA" not in sealed.read(apk)
        page.click("text=Salir")

        # --- the promovente reads the avance: the same counts, the charts, the map -----------------
        _login(page, base, "prom", PROM_PASSWORD)
        page.goto(base + f"/procesos/{PID}/avance")
        report = reports.avance(receiver.engine, PID)
        assert int(page.inner_text("#validos")) == report.valid == shown_valid
        assert page.inner_text("#requeridos") == "5" and report.required == 5
        assert report.by_status == {"para_compulsa": 6} and report.inconsistencias == {}
        assert page.locator("#graficas svg").count() == 5
        csv_text = page.request.get(base + f"/procesos/{PID}/avance.csv").text()
        assert f"validos,,apoyos válidos (en Padrón),{shown_valid}" in csv_text
        assert page.request.get(base + f"/procesos/{PID}/resultados").status == 403
        browser.close()
