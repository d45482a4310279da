"""The tables of the OPL's follow-up work (compulsa, audiencia, results, retention), in their own
MetaData beside the receiver's: `create_tables(engine)` makes whichever are missing."""

from __future__ import annotations

import weakref

import sqlalchemy as sa

metadata = sa.MetaData()

# The person fields of records already opened (as records.OpenedRecord.person, with each
# record's integrity code), one JSON pack per opening run sealed with the fields key
# (XChaCha20-Poly1305; the pack id and process as associated data), at most PACK_SIZE records, so a later export reads them
# without opening every envelope again. Never plaintext.
field_packs = sa.Table(
    "field_packs", metadata,
    sa.Column("pack_id", sa.String(32), primary_key=True),
    sa.Column("process_id", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("box", sa.LargeBinary, nullable=False),
)
# Which pack holds a folio's fields (a record is opened once, so it is in one pack only).
field_pack_members = sa.Table(
    "field_pack_members", metadata,
    sa.Column("folio", sa.String(120), primary_key=True),
    sa.Column("pack_id", sa.String(32), nullable=False, index=True),
    sa.Column("position", sa.Integer),  # its row in the pack (NULL: packs made before positions were kept)
)
# What INE's compulsa said of each record (one row per folio; a later file replaces it).
situacion_registral = sa.Table(
    "situacion_registral", metadata,
    sa.Column("folio", sa.String(120), primary_key=True),
    sa.Column("process_id", sa.String(40), nullable=False, index=True),
    sa.Column("situacion", sa.String(40), nullable=False),
    sa.Column("motivo_baja", sa.String(40), nullable=False, default=""),
    sa.Column("entidad", sa.String(4), nullable=False, default=""),
    sa.Column("distrito_federal", sa.String(4), nullable=False, default=""),
    sa.Column("distrito_local", sa.String(4), nullable=False, default=""),
    sa.Column("municipio", sa.String(8), nullable=False, default=""),
    sa.Column("seccion", sa.String(8), nullable=False, default=""),
    sa.Column("source_sha256", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.Float, nullable=False),
)
compulsa_exports = sa.Table(
    "compulsa_exports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("template_version", sa.String(60), nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
)
audiencias = sa.Table(
    "audiencias", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("process_id", sa.String(40), nullable=False, index=True),
    sa.Column("scheduled_for", sa.Float, nullable=False),
    sa.Column("officials", sa.Text, nullable=False),  # JSON list of names and cargos
    sa.Column("promoventes", sa.Text, nullable=False),  # JSON list of names
    sa.Column("place", sa.String(200), nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False),  # programada, en_curso, cerrada
    sa.Column("started_at", sa.Float),
    sa.Column("closed_at", sa.Float),
    sa.Column("acta_pdf", sa.LargeBinary),
    sa.Column("acta_sha256", sa.String(64)),
    # The notice to INE (seed 001 §11.3): when it was issued (≥ 48 h before the session) and the
    # user accounts that will operate the session; NULL on sessions scheduled before the notice existed.
    sa.Column("notified_at", sa.Float),
    sa.Column("accounts", sa.Text),  # JSON list of usernames
)
audiencia_records = sa.Table(
    "audiencia_records", metadata,
    sa.Column("audiencia_id", sa.Integer, primary_key=True),
    sa.Column("folio", sa.String(120), primary_key=True),
    sa.Column("status_before", sa.String(40), nullable=False),
    sa.Column("detail_before", sa.Text, nullable=False, default=""),
    sa.Column("situacion_before", sa.String(40), nullable=False, default=""),
    sa.Column("allegation", sa.Text, nullable=False, default=""),
    sa.Column("evidence", sa.Text, nullable=False, default=""),
    sa.Column("evidence_sha256", sa.String(64), nullable=False, default=""),
    sa.Column("decision", sa.String(16), nullable=False, default="pendiente"),  # pendiente, mantiene, modifica
    sa.Column("status_after", sa.String(40), nullable=False, default=""),
    sa.Column("situacion_after", sa.String(40), nullable=False, default=""),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("official", sa.String(120), nullable=False, default=""),
    sa.Column("decided_at", sa.Float),
)
result_deliveries = sa.Table(
    "result_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("process_id", sa.String(40), nullable=False, index=True),
    sa.Column("phase", sa.String(16), nullable=False),  # preliminar, definitivo
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("opl_key_id", sa.String(16), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
)
retention_records = sa.Table(
    "retention_records", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("signed", sa.Text, nullable=False),  # the signed document listing what was deleted
)


# The reports group the receiver's envelopes of one process by status; this index (on the
# receiver's table, made here so the receiver's schema stays its own) keeps that off a full scan.
ENVELOPE_INDEX = "CREATE INDEX IF NOT EXISTS ix_envelopes_process_status ON envelopes (process_id, status, kind)"
_ready: "weakref.WeakSet[sa.Engine]" = weakref.WeakSet()


def create_tables(engine: sa.Engine) -> None:
    """Make the missing tables and the envelope index, once per engine. A database opened through
    the receiver (`open_receiver`) has them already, with any column added since: those are
    migration steps (central/receiver/migrations.py), not done here."""
    if engine in _ready:
        return
    metadata.create_all(engine)
    with engine.begin() as c:
        c.exec_driver_sql(ENVELOPE_INDEX)
    _ready.add(engine)
