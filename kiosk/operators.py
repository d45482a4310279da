"""Who may use the kiosk: local operator passwords (Argon2id), lockout after repeated failures,
the idle logout, first-use registration of an auxiliar against the signed roster, and the
technician's separate password. The UI calls these; it holds none of these rules itself.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.domain import Auxiliar
from kiosk.procconfig import ProcessConfig
from kiosk.vault import Vault

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT_SECONDS = 5 * 60
IDLE_LOGOUT_SECONDS = 3 * 60
MIN_PASSWORD_LENGTH = 6
TECH_META = "tech_pw"
TECH_LOCK_META = "tech_lock"
TECH_ID = "__tecnico__"

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id (RFC 9106 low-memory profile)

MESSAGES: dict[str, dict[str, str]] = {
    "too_many_devices": {
        "es": "La persona auxiliar {auxiliar_id} ya usa {count} dispositivos ({devices}); el proceso permite {limit}. "
              "Pida a la oficina la baja de uno antes de usar este kiosko.",
        "en": "Auxiliar {auxiliar_id} already uses {count} devices ({devices}); the process allows {limit}. "
              "Ask the office to remove one before using this kiosk.",
    },
    "wrong_password": {
        "es": "Contraseña incorrecta. Le quedan {remaining} intentos.",
        "en": "Wrong password. {remaining} attempts left.",
    },
    "locked": {
        "es": "Demasiados intentos fallidos. Espere {minutes} min y vuelva a intentar.",
        "en": "Too many failed attempts. Wait {minutes} min and try again.",
    },
    "not_registered": {
        "es": "La persona auxiliar {auxiliar_id} aún no se registra en este kiosko. Use «Primer uso».",
        "en": "Auxiliar {auxiliar_id} has not registered on this kiosk yet. Use «First use».",
    },
    "already_registered": {
        "es": "La persona auxiliar {auxiliar_id} ya está registrada en este kiosko; inicie sesión.",
        "en": "Auxiliar {auxiliar_id} is already registered on this kiosk; log in.",
    },
    "roster_mismatch": {
        "es": "Los datos no coinciden con la lista de auxiliares del proceso. Revise Id Proceso, Id Auxiliar y correo.",
        "en": "The data do not match the process roster. Check process id, auxiliar id and email.",
    },
    "no_process": {
        "es": "No hay un proceso configurado en este kiosko; sincronice con el receptor.",
        "en": "No process is configured on this kiosk; sync with the receiver.",
    },
    "auxiliar_baja": {
        "es": "La persona auxiliar {auxiliar_id} fue dada de baja: no puede usar el kiosko.",
        "en": "Auxiliar {auxiliar_id} was removed (baja) and cannot use the kiosk.",
    },
    "password_short": {
        "es": "La contraseña debe tener al menos {minimum} caracteres.",
        "en": "The password needs at least {minimum} characters.",
    },
    "password_mismatch": {
        "es": "Las dos contraseñas no coinciden.",
        "en": "The two passwords do not match.",
    },
}


class AccessDenied(Exception):
    """A login or registration the rules refuse; `message(lang)` is the sentence to show."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("es"))

    def message(self, lang: str = "es") -> str:
        entry = MESSAGES[self.code]
        return (entry.get(lang) or entry["es"]).format(**self.params)


def validate_new_password(password: str, repeat: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessDenied("password_short", minimum=MIN_PASSWORD_LENGTH)
    if repeat is not None and password != repeat:
        raise AccessDenied("password_mismatch")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def registered(vault: Vault) -> list[str]:
    """Auxiliares who set a local password on this device."""
    return [a for a in vault.operators() if a != TECH_ID]


def set_password(vault: Vault, auxiliar_id: str, password: str) -> None:
    validate_new_password(password)
    vault.set_operator(auxiliar_id, hash_password(password))
    vault.audit("operator_password_set", {"auxiliar_id": auxiliar_id})


def _verify(pw_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(pw_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _minutes(seconds: float) -> int:
    return max(1, int(seconds + 59) // 60)


def login(vault: Vault, auxiliar_id: str, password: str, now: float | None = None) -> None:
    """Check an operator's password. Raises AccessDenied (not_registered, locked, wrong_password).
    The fifth consecutive failure locks the account for LOCKOUT_SECONDS."""
    now = time.time() if now is None else now
    row = vault.operator(auxiliar_id)
    if row is None:
        raise AccessDenied("not_registered", auxiliar_id=auxiliar_id)
    pw_hash, failures, locked_until = row
    if locked_until > now:
        raise AccessDenied("locked", minutes=_minutes(locked_until - now))
    if locked_until and failures >= MAX_FAILURES:
        failures = 0  # the lockout expired: a fresh set of attempts
    if not _verify(pw_hash, password):
        failures += 1
        if failures >= MAX_FAILURES:
            vault.set_operator(auxiliar_id, pw_hash, failures, now + LOCKOUT_SECONDS)
            vault.audit("operator_locked", {"auxiliar_id": auxiliar_id})
            log.warning("operator %s locked after %d failures", auxiliar_id, failures)
            raise AccessDenied("locked", minutes=_minutes(LOCKOUT_SECONDS))
        vault.set_operator(auxiliar_id, pw_hash, failures, 0.0)
        vault.audit("operator_login_failed", {"auxiliar_id": auxiliar_id, "failures": failures})
        raise AccessDenied("wrong_password", remaining=MAX_FAILURES - failures)
    if _hasher.check_needs_rehash(pw_hash):
        pw_hash = hash_password(password)
    vault.set_operator(auxiliar_id, pw_hash, 0, 0.0)
    vault.audit("operator_login", {"auxiliar_id": auxiliar_id})


def check_registration(config: ProcessConfig | None, vault: Vault, process_id: str, auxiliar_id: str,
                       email: str, now: datetime) -> Auxiliar:
    """First use on this device: the three data must match the signed roster, the auxiliar must
    be active (no baja) and not yet registered here. Returns the roster entry."""
    if config is None:
        raise AccessDenied("no_process")
    aux = config.roster.get(auxiliar_id.strip().upper()) or config.roster.get(auxiliar_id.strip())
    if (aux is None or process_id.strip().upper() != config.process.process_id.upper()
            or email.strip().lower() != aux.email.strip().lower()):
        vault.audit("registration_mismatch", {"auxiliar_id": auxiliar_id[:32]})
        raise AccessDenied("roster_mismatch")
    if not aux.active_at(now):
        raise AccessDenied("auxiliar_baja", auxiliar_id=aux.auxiliar_id)
    if vault.operator(aux.auxiliar_id) is not None:
        raise AccessDenied("already_registered", auxiliar_id=aux.auxiliar_id)
    return aux


def check_active(config: ProcessConfig | None, auxiliar_id: str, now: datetime) -> None:
    """An auxiliar dado de baja after registering may no longer log in."""
    if config is None:
        return
    aux = config.roster.get(auxiliar_id)
    if aux is not None and not aux.active_at(now):
        raise AccessDenied("auxiliar_baja", auxiliar_id=auxiliar_id)


def check_devices(config: ProcessConfig | None, auxiliar_id: str, device_id: str) -> None:
    """The two-devices rule (seed 001 §4.9) at login, when the signed configuration carries the
    limit and the devices the OPL has seen the auxiliar use: a third device is refused."""
    if config is None or not config.max_devices_per_auxiliar:
        return
    aux = config.roster.get(auxiliar_id)
    others = sorted(set(aux.devices) - {device_id}) if aux else []
    if len(others) >= config.max_devices_per_auxiliar:
        raise AccessDenied("too_many_devices", auxiliar_id=auxiliar_id, count=len(others),
                           devices=", ".join(others), limit=config.max_devices_per_auxiliar)


# --- technician ---------------------------------------------------------------------------------
def tech_password_set(vault: Vault) -> bool:
    return bool(vault.get_meta(TECH_META))


def set_tech_password(vault: Vault, password: str, via: str = "ui") -> None:
    """Set (or replace) the technician's password; a new password also lifts a lockout."""
    validate_new_password(password)
    with vault.transaction():
        vault.set_meta(TECH_META, hash_password(password))
        vault.set_meta(TECH_LOCK_META, json.dumps({"failures": 0, "until": 0}))
    vault.audit("tech_password_set", {"via": via})


def tech_login(vault: Vault, password: str, now: float | None = None) -> None:
    """The technician's password, with the same lockout as operators."""
    now = time.time() if now is None else now
    lock = json.loads(vault.get_meta(TECH_LOCK_META) or '{"failures": 0, "until": 0}')
    if lock["until"] > now:
        raise AccessDenied("locked", minutes=_minutes(lock["until"] - now))
    if lock["until"]:
        lock = {"failures": 0, "until": 0}
    if not _verify(vault.get_meta(TECH_META) or "", password):
        lock["failures"] += 1
        if lock["failures"] >= MAX_FAILURES:
            lock["until"] = now + LOCKOUT_SECONDS
            vault.set_meta(TECH_LOCK_META, json.dumps(lock))
            vault.audit("tech_locked", {})
            raise AccessDenied("locked", minutes=_minutes(LOCKOUT_SECONDS))
        vault.set_meta(TECH_LOCK_META, json.dumps(lock))
        vault.audit("tech_login_failed", {"failures": lock["failures"]})
        raise AccessDenied("wrong_password", remaining=MAX_FAILURES - lock["failures"])
    vault.set_meta(TECH_LOCK_META, json.dumps({"failures": 0, "until": 0}))
    vault.audit("tech_login", {})
