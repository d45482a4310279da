"""The end of a process on PostgreSQL (what an OPL runs at scale): the SQL the reports, the
compulsa import (with its ANALYZE), the audiencia and the results use, on a real server."""

from __future__ import annotations

import time

import pytest
from nacl.public import PrivateKey

from sync.demo import setup_receiver
from sync.provision import provision
from central import audiencia, compulsa, reports, results
from central.records import set_status
from tests.central_followup.helpers import capture_and_process

pytestmark = pytest.mark.postgres
PROCESS = "RM2026OAX"


def test_from_records_to_sealed_results_on_postgresql(tmp_path, postgres_db) -> None:
    server, receiver, token = setup_receiver(tmp_path / "receptor", db_url=postgres_db)
    station = provision(tmp_path / "kiosko", server.url, token, municipio="MUESTRA")
    try:
        apps, cedulas = capture_and_process(station, receiver, apps=3, cedulas=2)
    finally:
        station.close()
        server.stop()
    assert receiver.engine.dialect.name == "postgresql"
    folios = apps + cedulas
    with receiver.engine.begin() as c:
        set_status(c, folios[0], "con_inconsistencia", "i) cubrebocas")
        for f in folios[1:]:
            set_status(c, f, "para_compulsa")
    exported = compulsa.export(receiver, PROCESS, tmp_path / "compulsa")
    assert exported.records == 4
    answer = "folio,situacion,municipio,seccion\n" + "".join(f"{f},En Padrón,067,{1500 + i}\n" for i, f in enumerate(folios[1:]))
    assert compulsa.import_situacion(receiver.engine, PROCESS, answer.encode()).applied == 4
    aid = audiencia.schedule(receiver.engine, PROCESS, time.time() + 3 * 86400, [audiencia.Official("LIC. ANA MUESTRA")], ["C. PEDRO MUESTRA"])
    audiencia.start(receiver.engine, aid)
    audiencia.decide(receiver.engine, aid, folios[0], official="LIC. ANA MUESTRA", allegation="Se ve el rostro")
    assert audiencia.close(receiver.engine, aid).startswith(b"%PDF")
    report = reports.avance(receiver.engine, PROCESS, required=4)
    assert report.by_status == {"con_inconsistencia": 1, "para_compulsa": 4} and report.inconsistencias == {"i": 1}
    tally = results.tally(receiver.engine, PROCESS, "definitivo", required=4)
    assert tally.valid == report.valid == 4 and tally.reached is True
    opl = PrivateKey.generate()
    sealed = results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / "entrega")
    _header, rows = results.open_results(sealed.path.read_bytes(), receiver.keys.authority.verify_key, opl)
    assert sorted(r["seccion"] for r in rows) == ["1500", "1501", "1502", "1503"]
