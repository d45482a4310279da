"""Mi Apoyo counted apart (seed 001 §7): records a citizen captured at the kiosk carry
`modality: "mi_apoyo"` in their sealed metadata; processing keeps it on the Mesa record and the
avance report (data, CSV) and the compulsa's person fields show it as its own modality. Real kiosk,
real receiver on loopback, real processing."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from sync.daemon import SyncDaemon
from sync.provision import provision
from central import mesa, reports
from central.receiver import migrations
from central.receiver.admin import process_envelopes
from central.records import open_records
from tests.central_followup.helpers import app_apoyo, paper_cedula

PROCESS = "RM2026OAX"


@pytest.fixture
def kiosk(tmp_path, receiver_env):
    server, receiver, token = receiver_env
    station = provision(tmp_path / "kiosko", server.url, token, municipio="San Juan MUESTRA")
    yield station, receiver
    station.close()


def test_mi_apoyo_is_its_own_modality_from_processing_to_the_report(kiosk) -> None:
    station, receiver = kiosk
    assert station.config().self_service, "the demo process takes Mi Apoyo"
    by_auxiliar = [station.save_apoyo(app_apoyo(i), "A0001").folio for i in range(2)]
    by_citizen = [station.save_apoyo(replace(app_apoyo(2 + i), modality="mi_apoyo"), "A0001").folio for i in range(3)]
    paper = station.save_manual(paper_cedula(5), "A0002")
    summary = SyncDaemon(station).run_once()
    assert summary.link_ok and station.vault.pending() == []
    process_envelopes(receiver)

    modality = {f: mesa.get(receiver.engine, f)["modality"] for f in [*by_auxiliar, *by_citizen, paper]}
    assert modality == {**{f: "auxiliar" for f in [*by_auxiliar, paper]}, **{f: "mi_apoyo" for f in by_citizen}}

    report = reports.avance(receiver.engine, PROCESS)
    assert report.by_modalidad == {"apoyo": 2, "manual": 1, "mi_apoyo": 3}
    assert report.received == 6, "Mi Apoyo counts among the apoyos; the auxiliares' registrations do not"
    rows = reports.to_csv(report).splitlines()
    assert "modalidad,mi_apoyo,Mi Apoyo,3" in rows and "modalidad,apoyo,Aplicación (auxiliar),2" in rows

    persons = {r.folio: r.person["modalidad"] for r in open_records(receiver, [*by_auxiliar, *by_citizen, paper])}
    assert persons == {**{f: "aplicacion" for f in by_auxiliar}, **{f: "mi_apoyo" for f in by_citizen}, paper: "cedula_papel"}


def test_a_mesa_table_from_before_the_modality_column_gets_it(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    old = sa.MetaData()
    before = sa.Table(mesa.records.name, old, *[
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, default=c.default.arg if c.default else None)
        for c in mesa.records.columns if c.name != "modality"])
    old.create_all(engine)
    with engine.begin() as c:
        c.execute(before.insert().values(folio="F1", process_id="P", kind="apoyo", evidence=b"\0"))
    migrations.upgrade(engine)
    with engine.connect() as c:
        assert c.execute(sa.select(mesa.records.c.modality)).scalar() == "auxiliar"
