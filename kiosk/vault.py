"""The encrypted vault: one SQLCipher file with sealed envelopes, their queue states, acuses,
operator password hashes, clave fingerprints and a hash-chained audit log. No plaintext records.

Durability: WAL + synchronous=FULL, so a record whose folio was shown survives a power cut;
secure_delete=ON zeroes freed pages; temp_store=MEMORY keeps scratch data off the disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import sqlcipher3

from kiosk.errors import VaultKeyError, VaultSchemaError

log = logging.getLogger(__name__)

STATES = ("sealed", "uploading", "acknowledged", "deleted", "rejected", "quarantined")
PENDING_STATES = ("sealed", "uploading")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (
    folio TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    process_id TEXT NOT NULL,
    auxiliar_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    integrity TEXT NOT NULL,
    state TEXT NOT NULL,
    envelope BLOB,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    upload_url TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS envelopes_state ON envelopes(state, created_at);
CREATE TABLE IF NOT EXISTS acuses (
    folio TEXT PRIMARY KEY,
    integrity TEXT NOT NULL,
    verdict TEXT NOT NULL,
    received_at TEXT NOT NULL,
    document TEXT NOT NULL,
    applied_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS operators (
    auxiliar_id TEXT PRIMARY KEY,
    pw_hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS fingerprints (
    process_id TEXT NOT NULL,
    fp TEXT NOT NULL,
    folio TEXT NOT NULL,
    PRIMARY KEY (process_id, fp)
);
"""


# Schema versions (PRAGMA user_version). _SCHEMA above is version 0, what every vault made
# before versions existed has; each migration moves a vault one version up, in its own
# transaction, when the vault is opened. Append only: never edit a migration once released.
def _v1_queue_order(c: sqlcipher3.Connection) -> None:
    """The sending order (state, created_at, folio) as an index: fixed-size pages by keyset."""
    c.execute("CREATE INDEX IF NOT EXISTS envelopes_queue ON envelopes(state, created_at, folio)")


MIGRATIONS: tuple[tuple[int, str, Callable[[sqlcipher3.Connection], None]], ...] = (
    (1, "queue order index", _v1_queue_order),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class QueuedEnvelope:
    folio: str
    kind: str
    integrity: str
    state: str
    envelope: bytes | None
    size: int
    attempts: int
    upload_url: str | None
    reason: str | None
    created_at: float


class Vault:
    """A SQLCipher vault opened with a raw 32-byte key. Use `Vault.open` or `Vault.create`."""

    def __init__(self, path: Path, conn: sqlcipher3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._depth = 0  # open transactions (the outer one and its savepoints)

    @classmethod
    def _connect(cls, path: Path, key: bytes) -> sqlcipher3.Connection:
        if len(key) != 32:
            raise ValueError("vault key must be 32 bytes")
        conn = sqlcipher3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA cipher_log_level = NONE")  # our own log line says what happened
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        return conn

    @classmethod
    def open(cls, path: Path | str, key: bytes) -> "Vault":
        """Open an existing vault; a wrong key or a non-vault file raises VaultKeyError, untouched."""
        path = Path(path)
        if not path.exists():
            raise VaultKeyError("vault_key_missing", path=str(path))
        conn = cls._connect(path, key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            log.error("vault %s does not open with the key in use (%s); left untouched", path, exc)
            raise VaultKeyError("vault_key_wrong") from exc
        vault = cls(path, conn)
        vault._configure()
        try:
            vault._migrate()
        except BaseException:
            conn.close()
            raise
        return vault

    @classmethod
    def create(cls, path: Path | str, key: bytes) -> "Vault":
        """Create a new vault file (refuses to touch an existing one)."""
        path = Path(path)
        if path.exists():
            raise FileExistsError(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = cls._connect(path, key)
        vault = cls(path, conn)
        vault._configure()
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        os.chmod(path, 0o600)
        vault.audit("vault_created", {})
        vault._migrate()
        return vault

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        """Bring an older vault up to SCHEMA_VERSION, one audited transaction per step; a vault
        from newer software is refused untouched (this code would misread it)."""
        current = self.schema_version
        if current > SCHEMA_VERSION:
            log.error("vault %s has schema %d, newer than this software's %d; left untouched", self.path, current, SCHEMA_VERSION)
            raise VaultSchemaError("vault_too_new", found=current, supported=SCHEMA_VERSION)
        for version, name, step in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction() as c:
                step(c)
                c.execute(f"PRAGMA user_version = {int(version)}")
                self._audit(c, "vault_migrated", {"to": version, "step": name})
            log.info("vault %s migrated to schema %d (%s)", self.path, version, name)

    def _configure(self) -> None:
        c = self._conn
        c.execute("PRAGMA busy_timeout = 30000")
        c.execute("PRAGMA journal_mode = WAL").fetchone()
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA secure_delete = ON")
        c.execute("PRAGMA temp_store = MEMORY")
        c.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """One atomic unit. Nested inside another it is a savepoint: an inner failure undoes only
        the inner work, and nothing is durable until the outermost one commits."""
        depth = self._depth
        self._depth += 1
        try:
            if depth:
                name = f"sp{depth}"
                self._conn.execute(f"SAVEPOINT {name}")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute(f"ROLLBACK TO {name}")
                    self._conn.execute(f"RELEASE {name}")
                    raise
                self._conn.execute(f"RELEASE {name}")
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")  # a full disk often shows only here, writing the WAL
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        finally:
            self._depth -= 1

    # --- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- records ----------------------------------------------------------------------------
    def save_record(
        self,
        kind: str,
        process_id: str,
        auxiliar_id: str,
        build: Callable[[int], tuple[str, bytes, str]],
        fingerprint: str | None = None,
    ) -> tuple[str, str]:
        """Allocate the next record id, build (folio, envelope, integrity) with it and store it,
        all in one transaction: a folio is never reused and exists once committed."""
        now = time.time()
        with self.transaction() as c:
            row = c.execute("SELECT value FROM counters WHERE name = 'record_id'").fetchone()
            record_id = (row[0] if row else 0) + 1
            folio, envelope, integrity = build(record_id)
            c.execute(
                "INSERT INTO envelopes(folio, kind, process_id, auxiliar_id, record_id, integrity, state,"
                " envelope, size, created_at, updated_at) VALUES (?,?,?,?,?,?,'sealed',?,?,?,?)",
                (folio, kind, process_id, auxiliar_id, record_id, integrity, envelope, len(envelope), now, now),
            )
            c.execute("INSERT OR REPLACE INTO counters(name, value) VALUES ('record_id', ?)", (record_id,))
            if fingerprint is not None:
                c.execute(
                    "INSERT INTO fingerprints(process_id, fp, folio) VALUES (?,?,?)", (process_id, fingerprint, folio)
                )
            self._audit(c, "record_sealed", {"folio": folio, "kind": kind, "integrity": integrity})
        return folio, integrity

    def fingerprint_seen(self, process_id: str, fingerprint: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM fingerprints WHERE process_id = ? AND fp = ?", (process_id, fingerprint)
        ).fetchone()
        return row is not None

    def _row(self, r: tuple) -> QueuedEnvelope:
        return QueuedEnvelope(*r)

    _COLS = "folio, kind, integrity, state, envelope, size, attempts, upload_url, reason, created_at"

    def get(self, folio: str) -> QueuedEnvelope | None:
        r = self._conn.execute(f"SELECT {self._COLS} FROM envelopes WHERE folio = ?", (folio,)).fetchone()
        return None if r is None else self._row(r)

    def pending(self, limit: int = 1000) -> list[QueuedEnvelope]:
        rows = self._conn.execute(
            f"SELECT {self._COLS} FROM envelopes WHERE state IN ('sealed','uploading')"
            " ORDER BY created_at LIMIT ?",
            (limit,),
        ).fetchall()
        return [self._row(r) for r in rows]

    def pending_count(self) -> int:
        """How many envelopes wait for an acuse (a count, no envelope is read)."""
        return self._conn.execute(
            "SELECT count(*) FROM envelopes WHERE state IN ('sealed','uploading')"
        ).fetchone()[0]

    _HEAD_COLS = "folio, kind, integrity, state, NULL, size, attempts, upload_url, reason, created_at"

    def pending_page(self, after: tuple[float, str] | None = None, limit: int = 100) -> list[QueuedEnvelope]:
        """One fixed-size page of the queue in sending order, WITHOUT the envelope bytes
        (`envelope` is None; read them with `envelope_bytes` when sending). `after` is the
        (created_at, folio) of the last row of the previous page."""
        created, folio = after if after is not None else (float("-inf"), "")
        rows = self._conn.execute(
            f"SELECT {self._HEAD_COLS} FROM envelopes WHERE state IN ('sealed','uploading')"
            " AND (created_at > ? OR (created_at = ? AND folio > ?)) ORDER BY created_at, folio LIMIT ?",
            (created, created, folio, limit),
        ).fetchall()
        return [self._row(r) for r in rows]

    def pending_with_upload(self, upload_url: str) -> list[QueuedEnvelope]:
        """The pending envelopes that share one persisted upload URL (the members of a lote
        cut before), in sending order, without their bytes."""
        rows = self._conn.execute(
            f"SELECT {self._HEAD_COLS} FROM envelopes WHERE state IN ('sealed','uploading') AND upload_url = ?"
            " ORDER BY created_at, folio",
            (upload_url,),
        ).fetchall()
        return [self._row(r) for r in rows]

    def envelope_bytes(self, folio: str) -> bytes | None:
        """The sealed bytes of one pending envelope (None once deleted or unknown)."""
        row = self._conn.execute("SELECT envelope FROM envelopes WHERE folio = ?", (folio,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def by_state(self, state: str, limit: int = 1000) -> list[QueuedEnvelope]:
        rows = self._conn.execute(
            f"SELECT {self._COLS} FROM envelopes WHERE state = ? ORDER BY created_at LIMIT ?", (state, limit)
        ).fetchall()
        return [self._row(r) for r in rows]

    def mark_uploading(self, folio: str, upload_url: str | None) -> None:
        self.mark_uploading_many([folio], upload_url)

    def mark_uploading_many(self, folios: list[str], upload_url: str | None) -> None:
        """Mark envelopes uploading with their (persisted) upload URL, in one transaction, so a
        lote costs one fsync and a reboot resumes where it was."""
        now = time.time()
        with self.transaction() as c:
            c.executemany(
                "UPDATE envelopes SET state = 'uploading', upload_url = ?, attempts = attempts + 1,"
                " updated_at = ? WHERE folio = ? AND state IN ('sealed','uploading')",
                [(upload_url, now, folio) for folio in folios],
            )

    def quarantine(self, folio: str, reason: str) -> None:
        """Keep a refused envelope, out of the queue, with the reason the kiosk shows."""
        with self.transaction() as c:
            c.execute(
                "UPDATE envelopes SET state = 'quarantined', reason = ?, updated_at = ? WHERE folio = ?",
                (reason[:500], time.time(), folio),
            )
            self._audit(c, "envelope_quarantined", {"folio": folio, "reason": reason[:200]})

    def note_failure(self, folio: str, reason: str) -> None:
        self._conn.execute(
            "UPDATE envelopes SET reason = ?, updated_at = ? WHERE folio = ?", (reason[:500], time.time(), folio)
        )

    def apply_acuse(self, folio: str, integrity: str, verdict: str, received_at: str, document: str, reason: str = "") -> str:
        """Record a VERIFIED acuse. Accepted: acknowledged, then the envelope is deleted.
        Rejected: quarantined with its reason (kept, shown, never silently dropped)."""
        now = time.time()
        with self.transaction() as c:
            row = c.execute("SELECT integrity, state FROM envelopes WHERE folio = ?", (folio,)).fetchone()
            if row is None or row[0] != integrity:
                raise ValueError("acuse does not match a stored envelope")
            c.execute(
                "INSERT OR REPLACE INTO acuses(folio, integrity, verdict, received_at, document, applied_at)"
                " VALUES (?,?,?,?,?,?)",
                (folio, integrity, verdict, received_at, document, now),
            )
            if verdict == "aceptado":
                c.execute(
                    "UPDATE envelopes SET state = 'acknowledged', updated_at = ? WHERE folio = ?", (now, folio)
                )
                self._audit(c, "acuse_applied", {"folio": folio, "integrity": integrity, "verdict": verdict})
                c.execute(
                    "UPDATE envelopes SET state = 'deleted', envelope = NULL, upload_url = NULL, updated_at = ?"
                    " WHERE folio = ?",
                    (now, folio),
                )
                self._audit(c, "envelope_deleted", {"folio": folio})
                return "deleted"
            c.execute(
                "UPDATE envelopes SET state = 'quarantined', reason = ?, updated_at = ? WHERE folio = ?",
                (reason[:500], now, folio),
            )
            self._audit(c, "envelope_quarantined", {"folio": folio, "verdict": verdict, "reason": reason[:200]})
            return "quarantined"

    def counts(self) -> dict[str, int]:
        out = {state: 0 for state in STATES}
        for state, n in self._conn.execute("SELECT state, count(*) FROM envelopes GROUP BY state"):
            out[state] = n
        return out

    def acuses(self, limit: int = 100) -> list[dict]:
        rows = self._conn.execute(
            "SELECT folio, integrity, verdict, received_at FROM acuses ORDER BY applied_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [dict(zip(("folio", "integrity", "verdict", "received_at"), r)) for r in rows]

    # --- operators --------------------------------------------------------------------------
    def operator(self, auxiliar_id: str) -> tuple[str, int, float] | None:
        r = self._conn.execute(
            "SELECT pw_hash, failures, locked_until FROM operators WHERE auxiliar_id = ?", (auxiliar_id,)
        ).fetchone()
        return None if r is None else (r[0], r[1], r[2])

    def set_operator(self, auxiliar_id: str, pw_hash: str, failures: int = 0, locked_until: float = 0.0) -> None:
        self._conn.execute(
            "INSERT INTO operators(auxiliar_id, pw_hash, failures, locked_until, registered_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(auxiliar_id) DO UPDATE SET pw_hash = excluded.pw_hash, failures = excluded.failures,"
            " locked_until = excluded.locked_until",
            (auxiliar_id, pw_hash, failures, locked_until, time.time()),
        )

    def operators(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT auxiliar_id FROM operators ORDER BY auxiliar_id")]

    # --- audit log --------------------------------------------------------------------------
    def _audit(self, c: sqlcipher3.Connection, event: str, detail: dict) -> None:
        row = c.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, "0" * 64)
        at = time.time()
        detail_json = json.dumps(detail, sort_keys=True, separators=(",", ":"))
        digest = _audit_hash(prev, seq, at, event, detail_json)
        c.execute(
            "INSERT INTO audit(seq, at, event, detail, prev, hash) VALUES (?,?,?,?,?,?)",
            (seq, at, event, detail_json, prev, digest),
        )

    def audit(self, event: str, detail: dict) -> None:
        with self.transaction() as c:
            self._audit(c, event, detail)

    def verify_audit(self) -> tuple[bool, int]:
        """Walk the chain; returns (intact, number of entries checked)."""
        prev = "0" * 64
        n = 0
        for seq, at, event, detail, p, h in self._conn.execute(
            "SELECT seq, at, event, detail, prev, hash FROM audit ORDER BY seq"
        ):
            if p != prev or _audit_hash(prev, seq, at, event, detail) != h:
                return False, n
            prev, n = h, n + 1
        return True, n

    def audit_tail(self, limit: int = 50) -> list[dict]:
        rows = self._conn.execute(
            "SELECT seq, at, event, detail FROM audit ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [{"seq": s, "at": a, "event": e, "detail": json.loads(d)} for s, a, e, d in rows]

    def maintenance(self) -> dict:
        """Checkpoint the WAL and vacuum (after deletes), then check the audit chain."""
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        self._conn.execute("VACUUM")
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()  # VACUUM went through the WAL
        intact, n = self.verify_audit()
        return {"audit_intact": intact, "audit_entries": n, "bytes": self.size_bytes()}

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                total += p.stat().st_size
        return total


def _audit_hash(prev: str, seq: int, at: float, event: str, detail_json: str) -> str:
    return hashlib.sha256(f"{prev}|{seq}|{at!r}|{event}|{detail_json}".encode()).hexdigest()
