"""Receiver schema versions (central/receiver/migrations.py): a database stored by the receiver
before versions existed (tests/fixtures/schemas/receiver-v0.db) opens, is stamped with the
baseline and migrated, and keeps its data; the same on PostgreSQL, with two instances starting
at once; a database from newer software is refused."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from central.receiver import migrations
from central.receiver import store as st
from central.receiver.server import open_receiver

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "receiver-v0.db"


def _indexes(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as c:
        return {i["name"] for i in sa.inspect(c).get_indexes(table)}


def _applied(engine: sa.Engine) -> list[int]:
    with engine.connect() as c:
        return [r[0] for r in c.execute(sa.select(migrations.versions.c.version).order_by(migrations.versions.c.version))]


def test_a_stored_version_0_sqlite_database_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    db = tmp_path / "receiver.db"
    shutil.copy(FIXTURE, db)
    assert migrations.current_version(st.make_engine(f"sqlite:///{db}")) == 0
    receiver = open_receiver(tmp_path, f"sqlite:///{db}")
    assert _applied(receiver.engine) == list(range(1, migrations.SCHEMA_VERSION + 1))
    assert "uploads_expires_at" in _indexes(receiver.engine, "uploads")
    assert "ix_nonces_ts" in _indexes(receiver.engine, "nonces")
    with receiver.engine.connect() as c:
        assert "expires_at" in {col["name"] for col in sa.inspect(c).get_columns("tokens")}
        assert c.execute(sa.select(st.processes.c.process_id)).scalars().all() == ["RM2026OAX"]
        assert c.execute(sa.select(sa.func.count()).select_from(st.auxiliares)).scalar() == 2
    receiver.engine.dispose()
    again = open_receiver(tmp_path, f"sqlite:///{db}")  # nothing runs twice
    assert _applied(again.engine) == list(range(1, migrations.SCHEMA_VERSION + 1))


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    engine = st.make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrations.upgrade(engine)
    with engine.begin() as c:
        c.execute(migrations.versions.insert().values(version=migrations.SCHEMA_VERSION + 1, name="future", applied_at=0))
    with pytest.raises(migrations.SchemaTooNew):
        migrations.upgrade(engine)


@pytest.mark.postgres
def test_postgres_old_schema_is_migrated_once_by_two_instances_starting_together(postgres_db: str) -> None:
    engine = st.make_engine(postgres_db)  # create_all only: what a receiver had before versions
    with engine.begin() as c:
        c.execute(st.processes.insert().values(**_process_row()))
    assert migrations.current_version(engine) == 0
    errors: list[BaseException] = []

    def start() -> None:
        try:
            migrations.upgrade(st.make_engine(postgres_db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert _applied(engine) == list(range(1, migrations.SCHEMA_VERSION + 1))
    assert "uploads_expires_at" in _indexes(engine, "uploads")
    with engine.connect() as c:
        assert c.execute(sa.select(st.processes.c.process_id)).scalars().all() == ["P-MIG"]
    engine.dispose()


def _process_row() -> dict:
    """A row for whatever columns the processes table has (NOT NULL ones filled)."""
    row = {}
    for col in st.processes.columns:
        if col.nullable or col.default is not None or col.server_default is not None:
            continue
        python_type = col.type.python_type
        row[col.name] = "P-MIG" if col.name == "process_id" else ("" if python_type is str else (b"" if python_type is bytes else 0))
    return row
