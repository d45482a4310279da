"""The web layer of the end of a process, over HTTP: the required number the process form stores
is the one reports and results read; a paper cédula's capture-time inconsistency is counted by
its §10.3 inciso; role checks on the new pages; the web app exports only from sealed field packs
(it never opens an envelope) and bounds and explains bad uploads."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO, Inconsistencia
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from central import reports, retention
from central import tables as t
from central.processing import process_envelopes
from central.receiver import store as st
from sync.provision import provision
from tests.central.test_web import _new_process
from tests.central_followup.test_spreadsheet_cells import LINK, _cells, _formulas, hostile_audiencia, hostile_records
from tests.foundation.records import apoyo, manual


def test_required_number_from_the_process_form(central, browser_for) -> None:
    _s, receiver, _w, _t = central
    admin = browser_for("admin")
    assert _new_process(admin, "CP2026REQ").status_code == 200
    assert _new_process(admin, "CP2026PCT", apoyos_requeridos="", porcentaje_lista_nominal="2.5",
                        lista_nominal="10001").status_code == 200
    with receiver.engine.connect() as c:
        assert reports.required_of(c, "CP2026REQ") == 1500
        assert reports.required_of(c, "CP2026PCT") == 251  # 2.5 % of 10 001, rounded up
    page = admin.page("/procesos/CP2026REQ/avance")
    assert page.status_code == 200 and '<td class="num" id="requeridos">1500</td>' in page.text


def test_avance_counts_a_paper_inconsistency_by_inciso_and_roles(central, browser_for, provisioned) -> None:
    station, _server, receiver = provisioned
    clean = station.save_apoyo(apoyo("LIMPIO"), "A0001").folio
    paper = manual("GOMZQX85010109H123")
    paper.inconsistencia = Inconsistencia.SIN_FIRMA
    unsigned = station.save_manual(paper, "A0001")
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)
    with receiver.engine.connect() as c:
        detail = c.execute(sa.select(st.envelopes.c.detail).where(st.envelopes.c.folio == unsigned)).scalar()
    assert detail.startswith("m) Sin firma"), detail
    assert reports.avance(receiver.engine, DEMO_PROCESS).inconsistencias == {"m": 1}

    prom = browser_for("prom")  # the demo process' promovente: read-only avance of their process
    page = prom.page(f"/procesos/{DEMO_PROCESS}/avance")
    assert page.status_code == 200 and 'data-inciso="m"' in page.text and page.text.count("<svg") >= 5
    assert "style-src 'self' 'unsafe-inline'" in page.headers["Content-Security-Policy"]
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    csv_text = prom.page(f"/procesos/{DEMO_PROCESS}/avance.csv").text
    assert "inconsistencia,m,Sin firma,1" in csv_text
    for path in (f"/procesos/{DEMO_PROCESS}/compulsa", f"/procesos/{DEMO_PROCESS}/resultados",
                 f"/procesos/{DEMO_PROCESS}/audiencias", "/procesos/OTRO/avance"):
        assert prom.page(path).status_code == 403, path
    oper = browser_for("oper")
    assert oper.page(f"/procesos/{DEMO_PROCESS}/compulsa").status_code == 403
    assert oper.form(f"/procesos/{DEMO_PROCESS}/purga", {"confirmacion": DEMO_PROCESS}).status_code == 403
    listing = oper.page(f"/procesos/{DEMO_PROCESS}/audiencias")  # the operator shows records in a session...
    assert listing.status_code == 200 and "Programar una sesión" not in listing.text
    scheduled = oper.form(f"/procesos/{DEMO_PROCESS}/audiencias", {"fecha": "2026-12-02T10:00", "funcionarios": "X",
                                                                   "promoventes": "Y", "folio": unsigned})
    assert scheduled.status_code == 403  # ...but does not schedule one
    assert clean

    # An official schedules it: at least 48 hours after the notice to INE (§11.3), which names the
    # officials, the user accounts and the records.
    admin = browser_for("admin")
    listing = admin.page(f"/procesos/{DEMO_PROCESS}/audiencias")
    earliest = re.search(r'name="fecha" required min="([^"]+)"', listing.text).group(1)
    assert "al menos 48 horas de anticipación" in listing.text
    assert datetime.fromisoformat(earliest).replace(tzinfo=HORA_CENTRO).timestamp() >= time.time() + 48 * 3600 - 60
    form = {"funcionarios": "LIC. ANA MUESTRA|Titular", "promoventes": "C. PEDRO MUESTRA", "folio": unsigned,
            "lugar": "Sala MUESTRA", "cuenta": ["oper", "oper2"]}
    tomorrow = (datetime.now(HORA_CENTRO) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = admin.form(f"/procesos/{DEMO_PROCESS}/audiencias", {**form, "fecha": tomorrow})
    assert refused.status_code == 422 and "al menos 48 horas después del aviso al INE" in refused.text
    assert "la fecha más próxima es el" in refused.text and 'value="Sala MUESTRA"' in refused.text, "the form is kept"
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.audiencias)).scalar() == 0
    before = time.time()
    done = admin.form(f"/procesos/{DEMO_PROCESS}/audiencias", {**form, "fecha": earliest})
    assert done.status_code == 200 and re.fullmatch(r"/audiencias/\d+", urlsplit(done.url).path)
    assert 'id="aviso"' in done.text and "descargar el aviso" in done.text and "oper, oper2" in done.text
    with receiver.engine.connect() as c:
        notified = c.execute(sa.select(t.audiencias.c.notified_at)).scalar()
    assert before - 1 <= notified <= time.time()
    session_path = urlsplit(done.url).path
    aviso = admin.page(session_path + "/aviso.txt")
    assert aviso.status_code == 200 and "attachment" in aviso.headers["Content-Disposition"]
    assert "  - oper\n  - oper2" in aviso.text and f"Carga de registros: 1\n  {unsigned}" in aviso.text
    assert oper.page(session_path + "/aviso.txt").status_code == 403
    assert "Audiencia programada; el aviso al INE quedó emitido" in done.text and "Atención" not in done.text
    half_hour_later = (datetime.fromisoformat(earliest) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    second = admin.form(f"/procesos/{DEMO_PROCESS}/audiencias", {**form, "fecha": half_hour_later})
    assert second.status_code == 200 and "a menos de una hora de la audiencia 1" in second.text, "recommended, not refused"


def test_web_export_needs_sealed_packs_and_bad_uploads_are_explained(central, browser_for, provisioned, monkeypatch) -> None:
    station, _server, receiver = provisioned
    folio = station.save_apoyo(apoyo("LIMPIO"), "A0001").folio
    assert SyncDaemon(station).run_once().link_ok
    process_envelopes(receiver)
    with receiver.engine.begin() as c:
        c.execute(st.envelopes.update().where(st.envelopes.c.folio == folio).values(status="para_compulsa"))

    def no_sealing_keys(*_a, **_k):
        raise AssertionError("the web app read the sealing private keys")

    monkeypatch.setattr(type(receiver.keys), "sealing_private_keys", no_sealing_keys)
    admin = browser_for("admin")
    refused = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/exportar")
    assert refused.status_code == 409 and "kiosk-receiver fields pack --process" in refused.text
    monkeypatch.undo()
    from central.records import persons

    assert [p.folio for p in persons(receiver, DEMO_PROCESS, [folio])] == [folio]  # what `fields pack` does
    monkeypatch.setattr(type(receiver.keys), "sealing_private_keys", no_sealing_keys)
    done = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/exportar")
    assert done.status_code == 200 and done.headers["content-type"] == "application/zip"

    bad = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/situacion",
                     files={"archivo": ("s.csv", b"folio,situacion\nAJENO,En Padron\n", "text/csv")})
    assert bad.status_code == 422 and "ningún registro cambió" in bad.text and "AJENO" in bad.text
    latin1 = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/situacion",
                        files={"archivo": ("s.csv", "folio,situacion\nX,Baja por defunción\n".encode("latin-1"), "text/csv")})
    assert latin1.status_code == 422 and "UTF-8" in latin1.text
    huge = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/situacion",
                      files={"archivo": ("s.csv", b"x" * (21 * 1024 * 1024), "text/csv")})
    assert huge.status_code == 403 and "demasiado grande" in huge.text
    key = admin.form(f"/procesos/{DEMO_PROCESS}/resultados/llave", {"llave_texto": "-----BEGIN PUBLIC KEY-----"})
    assert key.status_code == 422 and "no es una llave X25519" in key.text
    purge = admin.form(f"/procesos/{DEMO_PROCESS}/purga", {"confirmacion": "otro"})
    assert purge.status_code == 422 and "escriba exactamente la clave del proceso" in purge.text
    early = admin.form(f"/procesos/{DEMO_PROCESS}/purga", {"confirmacion": DEMO_PROCESS})
    assert early.status_code == 409 and "no tiene resultados definitivos entregados" in early.text

    # After definitive results delivered more than the legal period ago, the purge goes through.
    with receiver.engine.begin() as c:
        c.execute(t.result_deliveries.insert().values(
            process_id=DEMO_PROCESS, phase="definitivo", created_at=time.time() - 91 * 86400, records=1, sha256="0" * 64,
            opl_key_id="k", file_name="resultados.apk"))
    purged = admin.form(f"/procesos/{DEMO_PROCESS}/purga", {"confirmacion": DEMO_PROCESS})
    assert purged.status_code == 200 and "Evidencia purgada: 1 registros" in purged.text
    link = re.search(r'href="(/procesos/[^"]+/purga/\d+\.json)"', purged.text).group(1)
    body = retention.verify_record(admin.page(link).json(), receiver.keys.authority.verify_key)
    assert [row[0] for row in body["deleted"]] == [folio]
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.envelopes)
                         .where(st.envelopes.c.process_id == DEMO_PROCESS)).scalar() == 0


def test_text_that_starts_like_a_formula_downloads_as_text(central, browser_for, tmp_path) -> None:
    """What an official downloads from the web app (the compulsa ZIP, the avance CSV, the
    audiencia's report) carries a hostile kiosk's names and municipio, and formulas typed at the
    audiencia, as text: the routes serve what central/spreadsheet marks, over real HTTP."""
    from central.records import persons

    server, receiver, _web, token = central
    station = provision(tmp_path / "kiosko-hostil", server.url, token, municipio="@MUESTRA")
    try:
        app_folio, paper, other = hostile_records(station, receiver)
    finally:
        station.close()
    aid = hostile_audiencia(receiver, other)  # it sets `other` for the compulsa too
    folios = sorted([app_folio, paper, other])
    assert sorted(p.folio for p in persons(receiver, DEMO_PROCESS, folios)) == folios  # what `fields pack` does
    admin = browser_for("admin")
    done = admin.form(f"/procesos/{DEMO_PROCESS}/compulsa/exportar")
    assert done.status_code == 200 and done.headers["content-type"] == "application/zip", re.findall(r'class="problems".*?</ul', done.text, re.S)
    with zipfile.ZipFile(io.BytesIO(done.content)) as z:
        cells = _cells(z.read(next(n for n in z.namelist() if n.endswith(".csv"))).decode("utf-8"))
    assert _formulas(cells) == [] and "'" + LINK in cells and "'@SUMA(1)" in cells
    for path, expected in ((f"/procesos/{DEMO_PROCESS}/avance.csv", "'@MUESTRA"), (f"/audiencias/{aid}/reporte.csv", "'" + LINK)):
        got = admin.page(path)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv"), path
        cells = _cells(got.content.decode("utf-8"))
        assert _formulas(cells) == [] and expected in cells, (path, cells)
