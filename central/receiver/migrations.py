"""Receiver schema versions: an ordered table of migrations and a `schema_migrations` table that
records which ran. Version 1 is the baseline, the schema `metadata.create_all` made before
versions existed; `upgrade()` runs at open, each step in its own transaction, safe when several
instances start at once over PostgreSQL (an advisory lock; SQLite's BEGIN IMMEDIATE).

The OPL's own tables (central/accounts, processes, mesa, tables) share the database and these
versions since step 4. Append only: a released step is never edited. A column added to an existing
table, the receiver's or the OPL's, needs a step here too (create_all creates missing tables, never
missing columns).
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import sqlalchemy as sa

from central.receiver import store as st

log = logging.getLogger(__name__)

LOCK_KEY = 0x61706F79  # "apoy": the PostgreSQL advisory lock all instances take to migrate

_meta = sa.MetaData()
versions = sa.Table(
    "schema_migrations", _meta,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.Float, nullable=False),
)


def _v1_baseline(c: sa.Connection) -> None:
    """The tables as `create_all` made them before versions existed (a no-op on such a database)."""
    st.metadata.create_all(c)


def _v2_upload_expiry_index(c: sa.Connection) -> None:
    """purge_expired() looks uploads up by their expiry."""
    # plain DDL: an sa.Index object would join store.metadata and be created by create_all too
    c.execute(sa.text("CREATE INDEX IF NOT EXISTS uploads_expires_at ON uploads (expires_at)"))


def _v3_token_expiry_and_nonce_age(c: sa.Connection) -> None:
    """Enrollment tokens expire (NULL: created_at + 7 days) and old request nonces are purged by
    their time."""
    if "expires_at" not in {col["name"] for col in sa.inspect(c).get_columns("tokens")}:
        c.execute(sa.text("ALTER TABLE tokens ADD COLUMN expires_at FLOAT"))
    c.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_nonces_ts ON nonces (ts)"))


def _add_missing_columns(c: sa.Connection, columns: tuple[tuple[str, str, str], ...]) -> None:
    inspector = sa.inspect(c)
    for table, column, kind in columns:
        if column not in {col["name"] for col in inspector.get_columns(table)}:
            c.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _v4_central_tables(c: sa.Connection) -> None:
    """The OPL's own tables in the same database (web accounts, processes, Mesa de Control,
    follow-up), made here under the migration lock instead of by whichever program starts first,
    with the columns added to them before they had versions, and the reports' envelope index."""
    from central import accounts, mesa, processes, tables

    for meta in (accounts.metadata, processes.metadata, mesa.metadata, tables.metadata):
        meta.create_all(c)
    _add_missing_columns(c, (
        ("mesa_records", "modality", "VARCHAR(16) NOT NULL DEFAULT 'auxiliar'"),
        ("audiencias", "notified_at", "FLOAT"),
        ("audiencias", "accounts", "TEXT"),
        ("field_pack_members", "position", "INTEGER"),
    ))
    c.exec_driver_sql(tables.ENVELOPE_INDEX)


def _v5_mesa_suspicion(c: sa.Connection) -> None:
    """The kiosk's photocopy/screen confidence of each Mesa record (0 for records already there)."""
    _add_missing_columns(c, (("mesa_records", "suspicion", "FLOAT NOT NULL DEFAULT 0"),))


MIGRATIONS: tuple[tuple[int, str, Callable[[sa.Connection], None]], ...] = (
    (1, "baseline (create_all)", _v1_baseline),
    (2, "uploads expiry index", _v2_upload_expiry_index),
    (3, "token expiry, nonce age index", _v3_token_expiry_and_nonce_age),
    (4, "central tables and their added columns", _v4_central_tables),
    (5, "Mesa records' photocopy/screen suspicion", _v5_mesa_suspicion),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer software than this one."""


def _lock(c: sa.Connection) -> None:
    """One migrator at a time across instances (held until this transaction ends)."""
    if c.dialect.name == "postgresql":
        c.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def current_version(engine: sa.Engine) -> int:
    with engine.connect() as c:
        if not sa.inspect(c).has_table(versions.name):
            return 0
        return int(c.execute(sa.select(sa.func.max(versions.c.version))).scalar() or 0)


def upgrade(engine: sa.Engine) -> int:
    """Run the steps this database lacks; returns the version it is at."""
    with engine.begin() as c:
        _lock(c)
        _meta.create_all(c)
    found = current_version(engine)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(f"la base del receptor tiene el esquema {found}; este programa llega al {SCHEMA_VERSION}")
    for version, name, step in MIGRATIONS:
        if version <= found:
            continue
        with engine.begin() as c:
            _lock(c)
            done = c.execute(sa.select(versions.c.version).where(versions.c.version == version)).first()
            if done is not None:  # another instance ran it while we waited for the lock
                continue
            step(c)
            c.execute(versions.insert().values(version=version, name=name, applied_at=time.time()))
        log.info("receiver database migrated to schema %d (%s)", version, name)
    return SCHEMA_VERSION
