"""Mi Apoyo in the web app: the Mesa's review page names the modality and the avance page counts
it apart (real kiosk, receiver and web app on loopback)."""

from __future__ import annotations

from dataclasses import replace

from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from sync.provision import provision
from central import mesa
from central.processing import process_envelopes
from tests.foundation.records import apoyo


def test_the_mesa_and_the_avance_page_show_mi_apoyo(central, browser_for, tmp_path) -> None:
    server, receiver, _web, token = central
    station = provision(tmp_path / "kiosko", server.url, token, municipio="MUESTRA")
    try:
        own = station.save_apoyo(replace(apoyo("PROPIO"), modality="mi_apoyo"), "A0001").folio
        assert SyncDaemon(station).run_once().link_ok
    finally:
        station.close()
    process_envelopes(receiver)
    assert mesa.take_batch(receiver.engine, "oper", DEMO_PROCESS) == 1
    page = browser_for("oper").page(f"/mesa/registro/{own}")
    assert page.status_code == 200 and "Mi Apoyo (la propia ciudadana o ciudadano, en kiosco)" in page.text
    avance = browser_for("admin").page(f"/procesos/{DEMO_PROCESS}/avance").text
    assert '<tr data-modalidad="mi_apoyo"><th>Modalidad: Mi Apoyo</th><td class="num">1</td>' in avance
