"""Processing, the Mesa and the accounts on PostgreSQL (the scale-out database): the same person
across modalities is one, a decision moves the status and is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS, setup_receiver
from sync.provision import provision
from central import accounts, mesa
from central.processing import process_envelopes
from central.receiver import store as st
from tests.foundation.records import apoyo, manual
from tests.sync.conftest import postgres_db, postgres_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.postgres
CLAVE = "GOMZQX85010109H123"


def test_processing_and_mesa_on_postgres(tmp_path, postgres_db) -> None:  # noqa: F811
    server, receiver, token = setup_receiver(tmp_path / "receptor", db_url=postgres_db)
    station = provision(tmp_path / "kiosko", server.url, token, municipio="MUESTRA")
    try:
        app = apoyo()
        app.fields["clave_elector"] = {"value": CLAVE, "source": "ocr", "verified": True}
        first = station.save_apoyo(app, "A0001").folio
        paper = station.save_manual(manual(CLAVE, "OTRO"), "A0002")
        assert SyncDaemon(station).run_once().link_ok
    finally:
        station.close()
        server.stop()
    assert process_envelopes(receiver) == {"en_mesa_de_control": 1, "duplicado": 1}
    accounts.create_tables(receiver.engine)
    accounts.create_user(receiver.engine, "oper", "operacion-muestra", "operador")
    assert mesa.take_batch(receiver.engine, "oper", DEMO_PROCESS) == 1, "a duplicado is not in the queue"
    assert mesa.queue(receiver.engine, "oper") == [first]
    assert mesa.decide(receiver.engine, "oper", first, "inconsistencia", "l") == "con_inconsistencia"
    with receiver.engine.connect() as c:
        statuses = dict(c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status)).all())
    assert statuses == {first: "con_inconsistencia", paper: "duplicado"}
    change = [a for a in accounts.audit_trail(receiver.engine, folio=first) if a["action"] == "estatus"]
    assert change[0]["from_status"] == "en_mesa_de_control" and change[0]["why"].startswith("l) Firma no válida")
