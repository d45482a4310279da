"""A process from records to results, without a browser: records captured on a real kiosk and
received by a real receiver on loopback, processed, decided as a Mesa would, exported for the
compulsa, a situación registral file imported (twice), an audiencia that changes two statuses and
yields an acta (read back with pdftotext), results whose count equals the avance report's, sealed
to the OPL's key and opened with its private key, and the evidence purged with a signed record."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa
from nacl.public import PrivateKey

from kiosk import sealing
from sync.provision import provision
from central import audiencia, compulsa, reports, results, retention
from central import tables
from central.receiver import store as st
from central.records import RecordError, persons, set_status
from tests.central_followup.helpers import capture_and_process, clave

PROCESS = "RM2026OAX"


@pytest.fixture
def kiosk(tmp_path, receiver_env):
    server, receiver, token = receiver_env
    station = provision(tmp_path / "kiosko", server.url, token, municipio="San Juan MUESTRA", lat=17.06, lon=-96.72)
    yield station, receiver
    station.close()


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "acta.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_a_process_from_records_to_sealed_results(kiosk, tmp_path) -> None:
    station, receiver = kiosk
    apps, cedulas = capture_and_process(station, receiver, apps=6, cedulas=4)
    folios = apps + cedulas
    with receiver.engine.connect() as c:
        statuses = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status)).all())
    assert {statuses[f] for f in folios} == {"en_mesa_de_control"}

    # The Mesa: two inconsistencies (a photocopy, a blank signature), the rest valid.
    photocopy, unsigned = apps[4], cedulas[3]
    valid = [f for f in folios if f not in (photocopy, unsigned)]
    with receiver.engine.begin() as c:
        set_status(c, photocopy, "con_inconsistencia", "e) fotocopia a color")
        set_status(c, unsigned, "con_inconsistencia", "m) sin firma")
        for f in valid:
            set_status(c, f, "para_compulsa")
    with pytest.raises(RecordError, match="Estatus desconocido"), receiver.engine.begin() as c:
        set_status(c, valid[0], "valido_inventado")

    # Compulsa export: app apoyos and paper cédulas alike, with a signed manifest.
    out = compulsa.export(receiver, PROCESS, tmp_path / "compulsa")
    assert out.records == 8 and out.skipped == []
    assert (out.csv_path.stat().st_mode & 0o777) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.csv_path.read_text())))
    assert sorted(r["FOLIO"] for r in rows) == sorted(valid)
    by_folio = {r["FOLIO"]: r for r in rows}
    assert by_folio[apps[0]]["CLAVE_ELECTOR"] == clave(0) and by_folio[apps[0]]["MODALIDAD"] == "aplicacion"
    assert by_folio[apps[0]]["CIC"] == "100000000" and by_folio[apps[0]]["NOMBRES"] == "PERSONA0"
    assert by_folio[cedulas[0]]["MODALIDAD"] == "cedula_papel" and by_folio[cedulas[0]]["CLAVE_ELECTOR"] == clave(6)
    manifest = sealing.verify_document(json.loads(out.manifest_path.read_text()), receiver.keys.authority.verify_key,
                                       "compulsa_export")
    assert manifest["sha256"] == out.sha256 and manifest["records"] == 8
    assert manifest["template_version"] == "apoyo-kiosk-compulsa/1"
    assert "PERSONA" not in out.manifest_path.read_text(), "the manifest carries no personal data"
    with receiver.engine.connect() as c:
        packs = c.execute(sa.select(tables.field_packs)).all()
    assert [p.records for p in packs] == [8], "the exported records' fields are kept, sealed, for the results"
    assert b"PERSONA" not in bytes(packs[0].box) and clave(0).encode() not in bytes(packs[0].box)
    assert ((receiver.keys.root / "keys" / "fields.key").stat().st_mode & 0o777) == 0o600

    # The situación registral that comes back: 6 en Padrón, 1 not found, 1 de baja.
    not_found, baja = valid[1], valid[6]
    lines = ["folio,situacion,motivo_baja,entidad,distrito_federal,distrito_local,municipio,seccion"]
    for i, f in enumerate(valid):
        situacion = {not_found: "Datos no encontrados", baja: "Baja por defunción"}.get(f, "En Padrón")
        lines.append(f"{f},{situacion},,20,0{1 + i % 2},1{i % 3},{'067' if i % 2 else '184'},{1000 + i % 4}")
    situacion_file = ("\n".join(lines) + "\n").encode()
    first = compulsa.import_situacion(receiver.engine, PROCESS, situacion_file)
    assert first.problems == [] and first.applied == 8 and first.unchanged == 0
    assert first.by_situacion == {"en_padron": 6, "datos_no_encontrados": 1, "baja": 1}
    again = compulsa.import_situacion(receiver.engine, PROCESS, situacion_file)
    assert (again.applied, again.unchanged) == (0, 8), "importing the same file twice changes nothing"
    bad = compulsa.import_situacion(receiver.engine, PROCESS, situacion_file + b"FOLIO-AJENO,En Padron,,,,,,\n")
    assert bad.applied == 0 and "FOLIO-AJENO" in bad.problems[0]

    report = reports.avance(receiver.engine, PROCESS, required=5)
    assert report.by_status == {"para_compulsa": 8, "con_inconsistencia": 2}
    assert report.inconsistencias == {"e": 1, "m": 1}
    assert report.valid == 6 and report.percent_of_required == 120.0
    assert report.by_modalidad == {"apoyo": 6, "manual": 4}
    assert report.per_municipio == [("San Juan MUESTRA", 10)]
    assert sum(n for _, n in report.per_day) == 10
    assert dict(report.per_auxiliar) == {"A0001": 6, "A0002": 4}

    # Garantía de audiencia: the two inconsistencies and the two records out of the Padrón.
    aid = audiencia.schedule(receiver.engine, PROCESS, 1_800_000_000.0,
                             [audiencia.Official("LIC. ANA MUESTRA", "Titular de la Mesa de Control"),
                              audiencia.Official("ING. LUIS EJEMPLO", "Operador")],
                             ["C. PEDRO PROMOVENTE MUESTRA"], place="Sala de sesiones del OPL (MUESTRA)",
                             notified_at=1_800_000_000.0 - 3 * 86400)  # fixed: the test does not expire with the date
    with receiver.engine.connect() as c:
        assigned = [r.folio for r in c.execute(sa.select(audiencia.t.audiencia_records.c.folio)
                                               .where(audiencia.t.audiencia_records.c.audiencia_id == aid))]
    assert sorted(assigned) == sorted([photocopy, unsigned, not_found, baja])
    with pytest.raises(audiencia.AudienciaError):
        audiencia.decide(receiver.engine, aid, unsigned, official="LIC. ANA MUESTRA", reason="antes de iniciar")
    audiencia.start(receiver.engine, aid)
    with pytest.raises(audiencia.AudienciaError, match="motivo"):
        audiencia.decide(receiver.engine, aid, unsigned, official="LIC. ANA MUESTRA", new_status="para_compulsa")
    assert audiencia.decide(receiver.engine, aid, unsigned, official="LIC. ANA MUESTRA",
                            allegation="La credencial dice expresamente «sin firma»",
                            new_status="para_compulsa", reason="La CPV señala sin firma (§10.3 m)") == "modifica"
    assert audiencia.decide(receiver.engine, aid, not_found, official="ING. LUIS EJEMPLO",
                            allegation="Los datos correctos son otros", evidence="Copia de la credencial vigente",
                            evidence_file=b"%PDF-copia-muestra", new_situacion="en_padron",
                            reason="Nueva búsqueda con datos correctos (§11.8)") == "modifica"
    assert audiencia.decide(receiver.engine, aid, photocopy, official="LIC. ANA MUESTRA",
                            allegation="Era la credencial original") == "mantiene"
    pdf = audiencia.close(receiver.engine, aid, at=1_800_003_600.0)
    with pytest.raises(audiencia.AudienciaError, match="no está en curso"):
        audiencia.decide(receiver.engine, aid, photocopy, official="X", new_status="para_compulsa", reason="tarde")
    text = _pdftotext(pdf, tmp_path)
    flat = " ".join(text.split())
    assert "ACTA CIRCUNSTANCIADA DE LA GARANTÍA DE AUDIENCIA" in flat
    assert "LIC. ANA MUESTRA, Titular de la Mesa de Control" in flat and "C. PEDRO PROMOVENTE MUESTRA" in flat
    assert "Cierre: 2027-01-15 03:00 hora del Centro (UTC-06:00)" in flat
    assert "con modificación: 2" in flat and "se modifica" in flat and "se mantiene" in flat and "sin revisar" in flat
    assert "registros asignados: 4; con modificación de estatus: 2; se mantienen: 1; sin revisar: 1" in flat
    for f in (photocopy, unsigned, not_found, baja):
        assert f in text, f"{f} listed in the acta"
    assert "PERSONA" not in text, "the acta's report lists folios and statuses, not people"
    assert audiencia.acta(receiver.engine, aid) == pdf

    # The cédula the audiencia validated goes to INE in a second, smaller export.
    second = compulsa.export(receiver, PROCESS, tmp_path / "compulsa-2", pending_only=True)
    assert second.records == 1 and [r["FOLIO"] for r in csv.DictReader(second.csv_path.open())] == [unsigned]

    # Results: the audiencia added one valid apoyo (not found → en Padrón); the unsigned cédula is
    # para_compulsa now but has no compulsa answer yet, so it does not count.
    report = reports.avance(receiver.engine, PROCESS)
    tally = results.tally(receiver.engine, PROCESS, "definitivo")
    assert tally.valid == report.valid == 7
    assert sum(n for _, n in tally.by_municipio) == sum(n for _, _, n in tally.by_seccion) == 7
    assert {m for m, _ in tally.by_municipio} == {"067", "184"}

    opl = PrivateKey.generate()
    sealed = results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / "entrega")
    blob = sealed.path.read_bytes()
    assert b"PERSONA" not in blob and clave(0).encode() not in blob
    header, rows = results.open_results(blob, receiver.keys.authority.verify_key, opl,
                                        json.loads(sealed.manifest_path.read_text()))
    assert header["phase"] == "definitivo" and len(rows) == 7
    names = {r["nombre_completo"] for r in rows}
    assert "PERSONA0 MUESTRA EJEMPLO" in names and "PERSONA6 MUESTRA PAPEL" in names
    assert all(r["entidad"] == "20" and r["seccion"] and len(r["codigo_integridad"]) == 64 for r in rows)
    assert {r["clave_elector"] for r in rows} >= {clave(0), clave(6)}
    with pytest.raises(RecordError):
        results.open_results(blob, receiver.keys.authority.verify_key, PrivateKey.generate())
    with pytest.raises(RecordError, match="manifiesto"):
        tampered = bytearray(blob)
        tampered[-100] ^= 1
        results.open_results(bytes(tampered), receiver.keys.authority.verify_key, opl,
                             json.loads(sealed.manifest_path.read_text()))

    # The sealed fields are bound to their pack and process: moved to another process, they do not open.
    with receiver.engine.begin() as c:
        c.execute(tables.field_packs.update().where(tables.field_packs.c.pack_id == packs[0].pack_id)
                  .values(process_id="OTRO"))
    with pytest.raises(RecordError, match="no corresponden a su llave o a su proceso"):
        list(persons(receiver, "OTRO", [valid[0]]))
    with receiver.engine.begin() as c:
        c.execute(tables.field_packs.update().where(tables.field_packs.c.pack_id == packs[0].pack_id)
                  .values(process_id=PROCESS))

    # Retention: not before the legal period; then everything of the process goes, on record.
    with pytest.raises(RecordError, match="plazo legal"):
        retention.purge(receiver.engine, receiver.keys.authority, PROCESS)
    signed = retention.purge(receiver.engine, receiver.keys.authority, PROCESS,
                             now=1e10, period=timedelta(days=90))
    body = retention.verify_record(signed, receiver.keys.authority.verify_key)
    assert body["records"] == 10 and sorted(f for f, *_ in body["deleted"]) == sorted(folios)
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.envelopes)
                         .where(st.envelopes.c.process_id == PROCESS)).scalar() == 0
        assert c.execute(sa.select(sa.func.count()).select_from(tables.field_packs)
                         .where(tables.field_packs.c.process_id == PROCESS)).scalar() == 0
        assert c.execute(sa.select(sa.func.count()).select_from(tables.field_pack_members)).scalar() == 0
    assert audiencia.acta(receiver.engine, aid) == pdf, "the acta outlives the evidence"


def test_avance_charts_csv_and_capture_map(kiosk) -> None:
    station, receiver = kiosk
    apps, cedulas = capture_and_process(station, receiver, apps=3, cedulas=2)
    with receiver.engine.begin() as c:
        set_status(c, apps[0], "con_inconsistencia", "j) una X")
        set_status(c, apps[1], "para_compulsa")
    report = reports.avance(receiver.engine, PROCESS, required=100)
    table = list(csv.reader(io.StringIO(reports.to_csv(report))))
    assert table[0] == ["seccion", "clave", "etiqueta", "registros"]
    assert ["estatus", "en_mesa_de_control", "En mesa de control", "3"] in table
    assert ["inconsistencia", "j", "Firma no válida: símbolo distinto", "1"] in table
    charts = reports.charts_svg(report)
    assert set(charts) == {"estatus", "por_dia", "acumulado", "por_municipio", "inconsistencias"}
    for svg in charts.values():
        ET.fromstring(svg)  # well-formed SVG
        assert 'href="http' not in svg and 'href="//' not in svg, "nothing fetched from outside the page"
    assert "Registros por estatus" in charts["estatus"] and "requeridos (100)" in charts["acumulado"]
    with pytest.raises(RecordError, match="mesa de control"):
        results.tally(receiver.engine, PROCESS, "preliminar")
    points = reports.capture_points(receiver, PROCESS)
    assert points == [(17.06, -96.72, 5)]
    assert "Puntos de captación" in reports.map_svg(points)
