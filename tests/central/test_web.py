"""The web app through real HTTP on loopback: accounts (lockout, CSRF), one role check per route,
processes and rosters from the web, tokens, and a Mesa de Control review with its audit trail.
Records are real sealed envelopes from a kiosk vault, synced and processed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO, Inconsistencia
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from sync.provision import provision
from central import accounts, mesa
from central.processing import process_envelopes
from central.receiver import store as st
from tests.central.conftest import PASSWORD
from tests.foundation.records import apoyo, manual


def _adult_birth() -> str:
    today = date.today()
    return f"{today.year - 30}-01-15"


def _new_process(admin, pid: str = "CP2026OAX", **over) -> object:  # noqa: ANN001
    now = datetime.now(HORA_CENTRO)
    data = {
        "process_id": pid, "mecanismo": "consulta_popular", "entidad": "20", "municipios": "San Juan MUESTRA, Santa María MUESTRA",
        "inicio": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "fin": (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "denominacion": "Consulta de prueba MUESTRA", "promovente": "Colectivo MUESTRA", "representante": "ANA MUESTRA PRUEBA",
        "numero_oficio": "OPL/SE/0001/2026", "fecha_oficio": "2026-11-01", "aviso_url": "https://opl.muestra.invalid/aviso",
        "aviso_texto": "Sus datos se usan solo para verificar su apoyo (MUESTRA).", "apoyos_requeridos": "1500",
    }
    data.update(over)
    return admin.form("/procesos/nuevo", data, files={"emblema": ("", b"", "application/octet-stream")})


def test_login_lockout_and_csrf(central, browser_for) -> None:
    _server, receiver, web, _token = central
    from tests.central.conftest import Browser

    b = Browser(web.url)
    for _ in range(accounts.MAX_FAILURES):
        r = b.login("oper", "contraseña-mala")
        assert r.status_code == 401 and "Usuario o contraseña incorrectos" in r.text
    r = b.login("oper")  # the right password, too late
    assert r.status_code == 401 and "bloqueada" in r.text
    assert b.page("/mesa").url.endswith("/login?next=/mesa")

    admin = browser_for("admin")
    forged = admin.post(web.url + "/procesos/RM2026OAX/tokens", data={"csrf": "otro"})
    assert forged.status_code == 403 and "formulario venció" in forged.text
    assert admin.form("/procesos/RM2026OAX/tokens").status_code == 200
    trail = accounts.audit_trail(receiver.engine)
    assert any(a["action"] == "login_fallido" and a["username"] == "oper" for a in trail)
    assert any(a["action"] == "emitir_token" and a["username"] == "admin" for a in trail)
    with receiver.engine.connect() as c:
        stored = c.execute(sa.select(accounts.users.c.password_hash).where(accounts.users.c.username == "admin")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_roles_are_checked_per_route(central, browser_for) -> None:
    _server, _receiver, _web, _token = central
    admin = browser_for("admin")
    assert _new_process(admin).status_code == 200
    prom = browser_for("prom")
    assert prom.page(f"/procesos/{DEMO_PROCESS}").status_code == 200
    other = prom.page("/procesos/CP2026OAX")
    assert other.status_code == 403 and "propio proceso" in other.text
    assert "CP2026OAX" not in prom.page("/procesos").text
    assert prom.page("/mesa").status_code == 403
    oper = browser_for("oper")
    row = {"nombres": "ROSA", "apellido_paterno": "MUESTRA", "fecha_nacimiento": _adult_birth(), "telefono": "9511234567",
           "email": "rosa@muestra.invalid", "clave_elector": "MSRSRS90010120M100"}
    assert oper.form(f"/procesos/{DEMO_PROCESS}/auxiliares", row).status_code == 403
    assert oper.form(f"/procesos/{DEMO_PROCESS}/auxiliares/A0001/baja", {"motivo": "x"}).status_code == 403
    assert oper.form(f"/procesos/{DEMO_PROCESS}/tokens").status_code == 403
    assert oper.page("/usuarios").status_code == 403
    assert prom.form(f"/procesos/{DEMO_PROCESS}/auxiliares", row).status_code == 403, "a promovente only reads"


def test_a_page_or_action_the_app_does_not_have_is_said_in_spanish(central, browser_for) -> None:
    """A mistyped address, an old bookmark or a form sent to the wrong place gets a page in
    Spanish (it got FastAPI's English JSON: {"detail":"Not Found"})."""
    _server, _receiver, web, _token = central
    admin = browser_for("admin")
    for path, status, words in (("/no-existe", 404, "La página /no-existe no existe"),
                                (f"/procesos/{DEMO_PROCESS}/audiencias/abc", 404, "revise la dirección")):
        page = admin.page(path)
        assert (page.status_code, page.headers["content-type"].split(";")[0]) == (status, "text/html"), path
        assert words in page.text and "Volver al inicio" in page.text and "detail" not in page.text
    page = admin.page("/audiencias/abc")  # a number with letters
    assert page.status_code == 422 and "no se pueden leer" in page.text and "int_parsing" not in page.text
    wrong = admin.delete(web.url + "/procesos")
    assert wrong.status_code == 405 and "no admite esa acción" in wrong.text and "Method" not in wrong.text
    assert "GET" in wrong.headers["allow"]


def test_process_roster_and_tokens_from_the_web(central, browser_for, tmp_path) -> None:
    server, receiver, _web, _token = central
    admin = browser_for("admin")
    bad = _new_process(admin, "X1", aviso_url="ftp://no", apoyos_requeridos="", denominacion="x" * 480)
    assert bad.status_code == 422
    for expected in ("aviso de privacidad debe empezar", "apoyos requeridos o el porcentaje", "479 caracteres"):
        assert expected in bad.text
    page = _new_process(admin)
    assert page.status_code == 200 and "OPL/SE/0001/2026" in page.text and "https://opl.muestra.invalid/aviso" in page.text

    csv = ("nombres,apellido_paterno,apellido_materno,fecha_nacimiento,telefono,email,clave_elector,curp\n"
           f"ROSA,MUESTRA,PRUEBA,{_adult_birth()},951 123 4567,rosa@muestra.invalid,MSPRRS90010120M100,\n"
           f"LUIS,EJEMPLO,,{_adult_birth()},9517654321,luis@muestra.invalid,EJXXLS91020220H200,\n")
    young = f"NIÑA,MUESTRA,,{date.today().year - 16}-01-01,9510000000,n@muestra.invalid,MSXXNN10010120M300,\n"
    refused = admin.form("/procesos/CP2026OAX/auxiliares/csv", files={"archivo": ("a.csv", (csv + young).encode(), "text/csv")})
    assert refused.status_code == 422 and "fila 4: la persona auxiliar debe tener al menos 18 años" in refused.text
    assert "ROSA" not in refused.text.split('id="auxiliares"')[1].split("</table>")[0], "all or none"
    excel = admin.form("/procesos/CP2026OAX/auxiliares/csv", files={"archivo": ("a.csv", (csv + young).encode("cp1252"), "text/csv")})
    assert excel.status_code == 422 and "guárdelo como «CSV UTF-8 (delimitado por comas)»" in excel.text, "how to save it from Excel"
    loaded = admin.form("/procesos/CP2026OAX/auxiliares/csv", files={"archivo": ("a.csv", csv.encode(), "text/csv")})
    assert loaded.status_code == 200 and "2 personas auxiliares cargadas" in loaded.text
    baja = admin.form("/procesos/CP2026OAX/auxiliares/A0002/baja", {"motivo": "renuncia voluntaria", "fecha": ""})
    assert "dado de baja" in baja.text
    again = admin.form("/procesos/CP2026OAX/auxiliares/csv", files={"archivo": ("a.csv", csv.encode(), "text/csv")})
    row = re.search(r'data-auxiliar="A0002">(.*?)</tr>', again.text, re.S).group(1)
    assert "renuncia voluntaria" in row, "a reload keeps the baja"
    assert "A0003" not in again.text, "the same clave keeps its id"

    issued = admin.form("/procesos/CP2026OAX/tokens")
    token = re.search(r'id="token-nuevo">([^<]+)<', issued.text).group(1)
    spare = re.search(r'id="token-nuevo">([^<]+)<', admin.form("/procesos/CP2026OAX/tokens").text).group(1)
    station = provision(tmp_path / "kiosko-web", server.url, token, municipio="Santa María MUESTRA")
    try:
        page = admin.page("/procesos/CP2026OAX").text
        device = station.device_id
        assert f'data-dispositivo="{device}"' in page and "Santa María MUESTRA" in page
        hashes = re.findall(r"/tokens/([0-9a-f]{64})/revocar", page)
        assert len(hashes) == 1, "only the unused token can be revoked"
        assert "Token revocado" in admin.form(f"/procesos/CP2026OAX/tokens/{hashes[0]}/revocar").text
        try:
            provision(tmp_path / "otro", server.url, spare, municipio="X").close()
            raise AssertionError("a revoked token enrolled a device")
        except Exception as exc:  # noqa: BLE001
            assert "token" in str(exc).lower() or "rechaz" in str(exc).lower()
        assert "dado de baja" in admin.form(f"/procesos/CP2026OAX/dispositivos/{device}/baja", {"motivo": "extraviado"}).text
        assert receiver.device(device).status == "baja"
    finally:
        station.close()


def test_mesa_review_moves_statuses_and_audits_every_view(central, browser_for, provisioned) -> None:
    station, _server, receiver = provisioned
    _s, _r, web, _t = central
    clean = station.save_apoyo(apoyo("LIMPIO"), "A0001").folio
    flagged = apoyo("COPIA")
    flagged.warnings = ["La imagen parece una fotocopia (blanco y negro); se necesita la credencial original."]
    flagged.fields["cic"]["value"] = "223456789"
    photocopy = station.save_apoyo(flagged, "A0001").folio
    paper = manual("GOMZQX85010109H123")
    paper.inconsistencia = Inconsistencia.SIN_FIRMA
    sin_firma = station.save_manual(paper, "A0001")
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)
    assert mesa.get(receiver.engine, photocopy)["suggestion"] == "e"

    oper = browser_for("oper")
    home = oper.page("/mesa")
    assert "Tomar un lote" in home.text
    first = oper.form("/mesa/lote", {"proceso": DEMO_PROCESS})
    assert first.url.endswith(f"/mesa/registro/{clean}"), first.url
    assert "LIMPIONOMBRE" in first.text and "MRZ ✓" in first.text
    img = oper.page(f"/mesa/registro/{clean}/img/front")
    assert img.status_code == 200 and img.headers["cache-control"] == "no-store" and len(img.content) == 30_000
    other = browser_for("oper2")
    assert other.page(f"/mesa/registro/{clean}").status_code == 403, "not in their batch"
    assert other.page(f"/mesa/registro/{clean}/img/front").status_code == 403

    after_valid = oper.form(f"/mesa/registro/{clean}", {"decision": "valido"})
    assert after_valid.url.endswith(f"/mesa/registro/{photocopy}")
    assert "Sugerencia de la captura" in after_valid.text and "fotocopia" in after_valid.text.lower()
    assert f'data-previous="/mesa/registro/{clean}"' in after_valid.text, "U goes one record back"
    missing = oper.form(f"/mesa/registro/{photocopy}", {"decision": "inconsistencia", "inciso": "j"})
    assert "pide precisar el detalle" in missing.text
    done = oper.form(f"/mesa/registro/{photocopy}", {"decision": "inconsistencia", "inciso": "e", "detalle": "blanco y negro"})
    assert done.url.endswith("/mesa?aviso=Lote+terminado")

    with receiver.engine.connect() as c:
        statuses = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status)).all())
    assert statuses[clean] == "para_compulsa"
    assert statuses[photocopy] == "con_inconsistencia"
    assert statuses[sin_firma] == "con_inconsistencia", "flagged at capture: not in the Mesa's queue"
    trail = accounts.audit_trail(receiver.engine, folio=photocopy)
    change = next(a for a in trail if a["action"] == "estatus")
    assert (change["username"], change["from_status"], change["to_status"]) == ("oper", "en_mesa_de_control", "con_inconsistencia")
    assert change["why"].startswith("e) Fotocopia de la credencial")
    views = [a for a in accounts.audit_trail(receiver.engine, folio=clean) if a["action"] in ("ver_registro", "ver_imagen")]
    assert {a["username"] for a in views} == {"oper"} and len(views) >= 2
    progress = {p["operador"]: p for p in mesa.progress(receiver.engine)}
    assert progress["oper"]["revisados"] == 2 and progress["oper"]["validos"] == 1

    sup = browser_for("super")
    corrected = sup.form(f"/mesa/registro/{clean}", {"decision": "inconsistencia", "inciso": "g", "detalle": "otra persona"})
    assert corrected.url.endswith("/supervision")
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(st.envelopes.c.status).where(st.envelopes.c.folio == clean)).scalar() == "con_inconsistencia"
        assert c.execute(sa.select(mesa.records.c.review).where(mesa.records.c.folio == clean)).scalar() == "corregido"
    assert oper.form(f"/mesa/registro/{clean}", {"decision": "valido"}).url.count("error="), "the supervisor's word stands"
    prom = browser_for("prom")
    listing = prom.page(f"/procesos/{DEMO_PROCESS}/registros?estatus=con_inconsistencia").text
    assert "g) Foto no válida: otra persona" in listing and "e) Fotocopia de la credencial" in listing
    assert "LIMPIONOMBRE" not in listing and "COPIANOMBRE" not in listing, "no personal data in the listing"
    assert prom.page("/procesos/CP9999/registros").status_code == 403
    audit_page = sup.page(f"/auditoria?folio={clean}")
    assert "para_compulsa → con_inconsistencia" in audit_page.text and "super" in audit_page.text


def test_nothing_personal_in_the_clear_in_the_database(central, provisioned) -> None:
    station, _server, receiver = provisioned
    station.save_apoyo(apoyo("MARCADORSECRETO"), "A0001")
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)
    receiver.engine.dispose()
    db = receiver.keys.root / "receiver.db"
    raw = b"".join(p.read_bytes() for p in db.parent.glob("receiver.db*"))
    assert b"MARCADORSECRETO" not in raw and b"123456789" not in raw
    assert mesa.get(receiver.engine, next(iter(_mesa_folios(receiver))))["evidence"]


def _mesa_folios(receiver) -> list[str]:  # noqa: ANN001
    with receiver.engine.connect() as c:
        return list(c.execute(sa.select(mesa.records.c.folio)).scalars())




def test_a_big_upload_is_refused_before_it_is_read(central, browser_for) -> None:
    admin = browser_for("admin")
    big = b"nombres,apellido_paterno\n" + b"X,Y\n" * 300_000
    r = admin.form(f"/procesos/{DEMO_PROCESS}/auxiliares/csv", files={"archivo": ("a.csv", big, "text/csv")})
    assert r.status_code == 403 and "demasiado grande" in r.text


def test_a_record_loaded_ahead_and_decided_at_once_still_has_its_view_audited(central, browser_for, provisioned) -> None:
    station, _server, receiver = provisioned
    first = station.save_apoyo(apoyo("PRIMERO"), "A0001").folio
    second_record = apoyo("SEGUNDO")
    second_record.fields["cic"]["value"] = "323456789"
    second = station.save_apoyo(second_record, "A0001").folio
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)

    oper = browser_for("oper")
    shown = oper.form("/mesa/lote", {"proceso": DEMO_PROCESS})
    later = second if shown.url.endswith(first) else first
    # the browser prerenders the next record, then the operator decides it before its «visto» arrives
    ahead = oper.get(oper.base + f"/mesa/registro/{later}", headers={"Sec-Purpose": "prefetch;prerender"})
    assert ahead.status_code == 200 and "data-preloaded" in ahead.text
    assert oper.form(f"/mesa/registro/{later}", {"decision": "valido"}).status_code == 200
    actions = [a["action"] for a in accounts.audit_trail(receiver.engine, folio=later)]
    assert actions.count("precarga") == 1 and actions.count("ver_registro") == 1, actions
    assert mesa.get(receiver.engine, later)["decision"] == "valido"
