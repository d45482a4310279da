"""The receiver's database through SQLAlchemy Core: SQLite by default, PostgreSQL to scale out.

Uploads in progress live here (as chunks), so any instance behind a load balancer can resume
any upload; the offset moves with a compare-and-set so two instances never both append.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

metadata = sa.MetaData()

processes = sa.Table(
    "processes", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("self_service", sa.Boolean, nullable=False, default=False),
)
auxiliares = sa.Table(
    "auxiliares", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("auxiliar_id", sa.String(40), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
devices = sa.Table(
    "devices", metadata,
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False, unique=True),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("municipio", sa.String(120), nullable=False, default=""),
    sa.Column("enrolled_at", sa.Float, nullable=False),
    sa.Column("baja_at", sa.Float),
)
# Every key a device has had: the current one (retired_at NULL) and the retired ones, kept so
# that envelopes sealed before a rotation still verify.
device_keys = sa.Table(
    "device_keys", metadata,
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("public_key", sa.String(64), primary_key=True),
    sa.Column("valid_from", sa.Float, nullable=False),
    sa.Column("retired_at", sa.Float),
)
bindings = sa.Table(
    "bindings", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("auxiliar_id", sa.String(40), primary_key=True),
    sa.Column("device_id", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("since", sa.Float, nullable=False),
)
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float),
    sa.Column("device_id", sa.String(40)),
    sa.Column("expires_at", sa.Float),  # NULL (tokens issued before it existed): created_at + 7 days
)
uploads = sa.Table(
    "uploads", metadata,
    sa.Column("upload_id", sa.String(40), primary_key=True),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("device_id", sa.String(40), nullable=False),
    sa.Column("folio", sa.String(120), nullable=False),
    sa.Column("integrity", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("acuse", sa.Text),
)
chunks = sa.Table(
    "upload_chunks", metadata,
    sa.Column("upload_id", sa.String(40), primary_key=True),
    sa.Column("offset", sa.BigInteger, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
envelopes = sa.Table(
    "envelopes", metadata,
    sa.Column("folio", sa.String(120), primary_key=True),
    sa.Column("integrity", sa.String(64), nullable=False),
    sa.Column("device_id", sa.String(40), nullable=False),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("auxiliar_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("envelope", sa.LargeBinary, nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(60), nullable=False, default=""),
    sa.Column("acuse", sa.Text, nullable=False),
    sa.Column("status", sa.String(40), nullable=False, default="enviado"),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)
# One row per person who gave apoyo to a process, keyed by an HMAC (the receiver's person.key) of
# the clave de elector, CIC or OCR: duplicates are found across processing runs and instances
# without keeping the identifier itself in the clear.
apoyo_persons = sa.Table(
    "apoyo_persons", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("person", sa.String(64), primary_key=True),
    sa.Column("folio", sa.String(120), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
incidents = sa.Table(
    "incidents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("device_id", sa.String(40), nullable=False, default=""),
    sa.Column("folio", sa.String(120), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)
nonces = sa.Table(
    "nonces", metadata,
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(40), nullable=False),
    sa.Column("ts", sa.Float, nullable=False, index=True),  # every tus request is signed: old nonces go by ts
)
counters = sa.Table(
    "counters", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    else:
        engine = sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


def incident(conn: sa.Connection, kind: str, device_id: str = "", folio: str = "", detail: str = "") -> None:
    conn.execute(incidents.insert().values(at=time.time(), kind=kind, device_id=device_id, folio=folio, detail=detail[:2000]))


def next_counter(conn: sa.Connection, name: str) -> int:
    row = conn.execute(sa.select(counters.c.value).where(counters.c.name == name).with_for_update()).first()
    if row is None:
        conn.execute(counters.insert().values(name=name, value=1))
        return 1
    conn.execute(counters.update().where(counters.c.name == name).values(value=row[0] + 1))
    return row[0] + 1
