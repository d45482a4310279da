"""The same end of a process through `kiosk-receiver` (in process, on the receiver's data dir):
report with CSV, SVG charts and map; compulsa export and import; an audiencia to its acta;
results sealed with an OPL key made by the CLI and opened by it; the purge's signed record."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import datetime, timedelta

import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO

from central import tables as t
from central.receiver import store as st
from central.receiver.cli import main
from central.records import set_status
from sync.provision import provision
from tests.central_followup.helpers import capture_and_process

PROCESS = "RM2026OAX"


def test_the_end_of_a_process_from_the_command_line(tmp_path, receiver_env, capsys) -> None:
    server, receiver, token = receiver_env
    station = provision(tmp_path / "kiosko", server.url, token, municipio="Santa Lucía MUESTRA", lat=17.1, lon=-96.7)
    try:
        apps, cedulas = capture_and_process(station, receiver, apps=3, cedulas=2)
    finally:
        station.close()
    data = ["--data-dir", str(tmp_path / "receptor")]
    with receiver.engine.begin() as c:
        set_status(c, apps[0], "con_inconsistencia", "g) persona distinta")
        for f in apps[1:] + cedulas:
            set_status(c, f, "para_compulsa")

    assert main([*data, "report", "--process", PROCESS, "--required", "3", "--csv", str(tmp_path / "avance.csv"),
                 "--svg-dir", str(tmp_path / "svg"), "--map"]) == 0
    assert "válidos (en Padrón): 0 de 3 requeridos" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "svg").iterdir()) == [
        "acumulado.svg", "estatus.svg", "inconsistencias.svg", "mapa.svg", "por_dia.svg", "por_municipio.svg"]
    assert ["municipio", "Santa Lucía MUESTRA", "", "5"] in list(csv.reader((tmp_path / "avance.csv").open()))

    assert main([*data, "compulsa", "export", "--process", PROCESS, "--out", str(tmp_path / "compulsa")]) == 0
    exported = next((tmp_path / "compulsa").glob("*.csv"))
    folios = [r["FOLIO"] for r in csv.DictReader(exported.open())]
    assert sorted(folios) == sorted(apps[1:] + cedulas)
    answer = tmp_path / "situacion.csv"
    answer.write_text("FOLIO,SITUACION,ENTIDAD,MUNICIPIO,SECCION\n" + "".join(
        f"{f},{'Datos no encontrados' if i == 0 else 'En Padrón'},20,067,{1200 + i}\n" for i, f in enumerate(folios)))
    assert main([*data, "compulsa", "import", "--process", PROCESS, str(answer)]) == 0
    assert "4 registros cambiaron, 0 sin cambio" in capsys.readouterr().out
    assert main([*data, "compulsa", "import", "--process", PROCESS, str(answer)]) == 0
    assert "0 registros cambiaron, 4 sin cambio" in capsys.readouterr().out
    broken = tmp_path / "roto.csv"
    broken.write_text("folio,situacion\n" + f"{folios[0]},Quién sabe\n")
    assert main([*data, "compulsa", "import", "--process", PROCESS, str(broken)]) == 1
    err = capsys.readouterr().err
    assert "situación registral desconocida «Quién sabe»" in err and "No se aplicó el archivo" in err

    schedule = [*data, "audiencia", "schedule", "--process", PROCESS, "--official", "LIC. ANA MUESTRA|Titular",
                "--promovente", "C. PEDRO MUESTRA", "--account", "oper"]
    tomorrow = (datetime.now(HORA_CENTRO) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert main([*schedule, "--when", tomorrow]) == 1
    assert "al menos 48 horas después del aviso al INE" in capsys.readouterr().err
    in_3_days = (datetime.now(HORA_CENTRO) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert main([*schedule, "--when", in_3_days, "--aviso", str(tmp_path / "aviso.txt")]) == 0
    assert "Audiencia 1 programada" in capsys.readouterr().out
    aviso = (tmp_path / "aviso.txt").read_text()
    assert "AVISO AL INE DE GARANTÍA DE AUDIENCIA" in aviso and "  - oper\n" in aviso and "Carga de registros: 2" in aviso
    assert main([*data, "audiencia", "start", "1"]) == 0
    assert main([*data, "audiencia", "decide", "1", folios[0], "--official", "LIC. ANA MUESTRA",
                 "--situacion", "en_padron", "--reason", "Nueva búsqueda"]) == 1
    assert "evidencia nueva" in capsys.readouterr().err
    evidence = tmp_path / "copia.pdf"
    evidence.write_bytes(b"%PDF-1.4 copia MUESTRA")
    assert main([*data, "audiencia", "decide", "1", folios[0], "--official", "LIC. ANA MUESTRA",
                 "--evidence", "Datos correctos", "--evidence-file", str(evidence),
                 "--situacion", "en_padron", "--reason", "Nueva búsqueda"]) == 0
    assert main([*data, "audiencia", "close", "1", "--out", str(tmp_path / "acta.pdf"),
                 "--report", str(tmp_path / "acta.csv")]) == 0
    acta = subprocess.run(["pdftotext", str(tmp_path / "acta.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "ACTA CIRCUNSTANCIADA" in acta and "LIC. ANA MUESTRA, Titular" in acta
    report = list(csv.DictReader((tmp_path / "acta.csv").open()))
    assert {(r["folio"], r["resolucion"]) for r in report} == {(folios[0], "se modifica"), (apps[0], "sin revisar")}
    capsys.readouterr()

    assert main([*data, "results", "tally", "--process", PROCESS, "--phase", "definitivo"]) == 0
    tally = json.loads(capsys.readouterr().out)
    assert tally["valid"] == 4 and tally["reached"] is None and tally["by_municipio"] == [["067", 4]]
    key = tmp_path / "opl" / "opl.key"
    key.parent.mkdir()
    assert main([*data, "results", "opl-keygen", str(key)]) == 0
    assert (key.stat().st_mode & 0o777) == 0o600
    assert main([*data, "results", "seal", "--process", PROCESS, "--opl-key", str(key.with_suffix(".pub")),
                 "--out", str(tmp_path / "entrega")]) == 0
    sealed = next((tmp_path / "entrega").glob("*.apk"))
    capsys.readouterr()
    assert main([*data, "results", "open", str(sealed), "--key", str(key), "--out", str(tmp_path / "abierto.csv")]) == 0
    assert "4 registros; firma, manifiesto y SHA-256 verificados" in capsys.readouterr().out
    opened = list(csv.DictReader((tmp_path / "abierto.csv").open()))
    assert {r["seccion"] for r in opened} == {"1200", "1201", "1202", "1203"}
    other = tmp_path / "opl" / "otra.key"
    main([*data, "results", "opl-keygen", str(other)])
    assert main([*data, "results", "open", str(sealed), "--key", str(other)]) == 1
    assert "No se pudo abrir" in capsys.readouterr().err

    assert main([*data, "retention", "purge", "--process", PROCESS]) == 1
    assert "plazo legal" in capsys.readouterr().err
    assert main([*data, "retention", "purge", "--process", PROCESS, "--period-days", "0",
                 "--out", str(tmp_path / "purga.json")]) == 0
    assert json.loads(json.loads((tmp_path / "purga.json").read_text())["body"])["records"] == 5
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.envelopes)).scalar() == 0
        assert c.execute(sa.select(sa.func.count()).select_from(t.retention_records)).scalar() == 1
