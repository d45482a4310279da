"""Web accounts of the OPL's central system: users with a role, Argon2id passwords, sessions with
a CSRF token, lockout after repeated failures, and the audit trail every change and view writes.

Roles: administrador (OPL), operador (Mesa de Control), supervisor, promovente (read-only, one
process). Its tables live in this module's own metadata, on the receiver's database.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.identifiers import validate_id

ROLES = {
    "administrador": "Administración del OPL",
    "operador": "Operación de Mesa de Control",
    "supervisor": "Supervisión de Mesa de Control",
    "promovente": "Persona promovente (solo consulta)",
}
MAX_FAILURES = 5
LOCKOUT_S = 15 * 60
SESSION_IDLE_S = 8 * 3600
MIN_PASSWORD = 10

metadata = sa.MetaData()

users = sa.Table(
    "web_users", metadata,
    sa.Column("username", sa.String(60), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("process_id", sa.String(40), nullable=False, default=""),  # the promovente's process
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.Float, nullable=False, default=0.0),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.Float, nullable=False),
)
sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(60), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)
audit = sa.Table(
    "web_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("username", sa.String(60), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # login, ver_registro, estatus, baja_auxiliar, ...
    sa.Column("process_id", sa.String(40), nullable=False, default=""),
    sa.Column("folio", sa.String(120), nullable=False, default=""),
    sa.Column("from_status", sa.String(40), nullable=False, default=""),
    sa.Column("to_status", sa.String(40), nullable=False, default=""),
    sa.Column("why", sa.Text, nullable=False, default=""),
)
sa.Index("web_audit_folio", audit.c.folio)

_hasher = PasswordHasher()  # Argon2id with the library's current defaults


class AccountError(ValueError):
    """A refusal a person can act on (Spanish message)."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    process_id: str

    @property
    def role_name(self) -> str:
        return ROLES[self.role]


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)


def record(conn: sa.Connection, username: str, action: str, *, process_id: str = "", folio: str = "",
           from_status: str = "", to_status: str = "", why: str = "") -> None:
    """One audit line, written in the same transaction as the change it describes."""
    conn.execute(audit.insert().values(at=time.time(), username=username, action=action, process_id=process_id,
                                       folio=folio, from_status=from_status, to_status=to_status, why=why[:2000]))


def create_user(engine: sa.Engine, username: str, password: str, role: str, *, name: str = "",
                process_id: str = "", by: str = "sistema") -> User:
    username = username.strip().lower()
    if not username or len(username) > 60 or not all(ch.isalnum() or ch in "._-@" for ch in username):
        raise AccountError("El usuario solo puede llevar letras, números, punto, guion y arroba (hasta 60)")
    if role not in ROLES:
        raise AccountError(f"Rol desconocido: {role}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    if role == "promovente":
        if not process_id:
            raise AccountError("Una persona promovente necesita su proceso")
        process_id = validate_id(process_id, field="Id Proceso")
    with engine.begin() as c:
        if c.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise AccountError(f"El usuario {username} ya existe")
        c.execute(users.insert().values(username=username, name=name.strip()[:200], role=role, process_id=process_id,
                                        password_hash=_hasher.hash(password), created_at=time.time()))
        record(c, by, "alta_usuario", process_id=process_id, why=f"{username} ({role})")
    return User(username, name, role, process_id)


def has_administrator(engine: sa.Engine) -> bool:
    with engine.connect() as c:
        return c.execute(sa.select(users.c.username).where(users.c.role == "administrador")).first() is not None


def list_users(engine: sa.Engine) -> list[dict]:
    with engine.connect() as c:
        rows = c.execute(sa.select(users.c.username, users.c.name, users.c.role, users.c.process_id, users.c.active,
                                   users.c.locked_until).order_by(users.c.role, users.c.username))
        return [dict(r._mapping) for r in rows]


def login(engine: sa.Engine, username: str, password: str, now: float | None = None) -> tuple[str, Session]:
    """Check a password; returns (session token for the cookie, session). Every failure says the
    same thing, except a lockout, which says for how long."""
    now = time.time() if now is None else now
    username = username.strip().lower()
    refused = AccountError("Usuario o contraseña incorrectos")
    failure: AccountError | None = None  # raised after the transaction commits its audit line
    with engine.begin() as c:
        row = c.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None or not row.active:
            _hasher.hash(password)  # same time as a real check
            record(c, username[:60], "login_fallido", why="usuario desconocido o inactivo")
            failure = refused
        elif row.locked_until > now:
            minutes = int((row.locked_until - now) // 60) + 1
            record(c, username, "login_bloqueado")
            failure = AccountError(f"Cuenta bloqueada por intentos fallidos; intente de nuevo en {minutes} min")
        elif not _verify(row.password_hash, password):
            failures = row.failures + 1
            locked = now + LOCKOUT_S if failures >= MAX_FAILURES else 0.0
            c.execute(users.update().where(users.c.username == username).values(failures=0 if locked else failures, locked_until=locked))
            record(c, username, "login_fallido", why="bloqueo" if locked else f"intento {failures}")
            failure = refused
        else:
            if _hasher.check_needs_rehash(row.password_hash):
                c.execute(users.update().where(users.c.username == username).values(password_hash=_hasher.hash(password)))
            c.execute(users.update().where(users.c.username == username).values(failures=0, locked_until=0.0))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            c.execute(sessions.insert().values(token_hash=_digest(token), username=username, csrf=csrf, created_at=now, last_seen=now))
            record(c, username, "login")
    if failure is not None:
        raise failure
    return token, Session(User(row.username, row.name, row.role, row.process_id), csrf)


def session_for(engine: sa.Engine, token: str, now: float | None = None) -> Session | None:
    """The live session of a cookie, or None (unknown, idle too long, or the user deactivated)."""
    if not token:
        return None
    now = time.time() if now is None else now
    with engine.begin() as c:
        row = c.execute(
            sa.select(sessions.c.csrf, sessions.c.last_seen, users.c.username, users.c.name, users.c.role,
                      users.c.process_id, users.c.active)
            .join(users, users.c.username == sessions.c.username).where(sessions.c.token_hash == _digest(token))
        ).first()
        if row is None:
            return None
        if not row.active or now - row.last_seen > SESSION_IDLE_S:
            c.execute(sessions.delete().where(sessions.c.token_hash == _digest(token)))
            return None
        if now - row.last_seen > 60:
            c.execute(sessions.update().where(sessions.c.token_hash == _digest(token)).values(last_seen=now))
    return Session(User(row.username, row.name, row.role, row.process_id), row.csrf)


def logout(engine: sa.Engine, token: str) -> None:
    with engine.begin() as c:
        c.execute(sessions.delete().where(sessions.c.token_hash == _digest(token)))


def audit_trail(engine: sa.Engine, *, folio: str = "", process_id: str = "", limit: int = 200) -> list[dict]:
    q = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if folio:
        q = q.where(audit.c.folio == folio)
    if process_id:
        q = q.where(audit.c.process_id == process_id)
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(q)]


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
