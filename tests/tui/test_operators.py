"""Operator rules: Argon2id hashes, lockout after five failures, first-use registration against
the signed roster (bajas refused), and the technician's separate password."""

from __future__ import annotations

import pytest

from kiosk import operators
from kiosk.operators import AccessDenied


def test_password_is_argon2id_and_login_checks_it(station) -> None:
    operators.set_password(station.vault, "A1", "secreto1")
    pw_hash, failures, locked = station.vault.operator("A1")
    assert pw_hash.startswith("$argon2id$") and "secreto1" not in pw_hash
    operators.login(station.vault, "A1", "secreto1")
    with pytest.raises(AccessDenied) as wrong:
        operators.login(station.vault, "A1", "otra-cosa")
    assert wrong.value.code == "wrong_password" and "4 intentos" in str(wrong.value)


def test_five_failures_lock_for_five_minutes(station) -> None:
    operators.set_password(station.vault, "A1", "secreto1")
    t0 = 1_000_000.0
    for _ in range(4):
        with pytest.raises(AccessDenied, match="Contraseña incorrecta"):
            operators.login(station.vault, "A1", "mal", now=t0)
    with pytest.raises(AccessDenied) as locked:
        operators.login(station.vault, "A1", "mal", now=t0)
    assert locked.value.code == "locked"
    with pytest.raises(AccessDenied) as still:  # even the right password is refused while locked
        operators.login(station.vault, "A1", "secreto1", now=t0 + operators.LOCKOUT_SECONDS - 1)
    assert still.value.code == "locked"
    operators.login(station.vault, "A1", "secreto1", now=t0 + operators.LOCKOUT_SECONDS + 1)
    assert station.vault.operator("A1")[1:] == (0, 0.0)
    events = [e["event"] for e in station.vault.audit_tail(20)]
    assert "operator_locked" in events and "operator_login" in events


def test_unregistered_and_short_passwords(station) -> None:
    with pytest.raises(AccessDenied, match="aún no se registra"):
        operators.login(station.vault, "A1", "x")
    with pytest.raises(AccessDenied, match="al menos 6"):
        operators.set_password(station.vault, "A1", "corta")
    with pytest.raises(AccessDenied, match="no coinciden"):
        operators.validate_new_password("secreto1", "secreto2")


def test_registration_matches_roster_and_refuses_bajas(station) -> None:
    config, now = station.config(), station.now().at
    aux = operators.check_registration(config, station.vault, "p100", "A1", "A1@muestra.invalid ", now)
    assert aux.auxiliar_id == "A1"
    for bad in (("P999", "A1", "a1@muestra.invalid"), ("P100", "A1", "otro@muestra.invalid"),
                ("P100", "A9", "a1@muestra.invalid")):
        with pytest.raises(AccessDenied) as refused:
            operators.check_registration(config, station.vault, *bad, now)
        assert refused.value.code == "roster_mismatch"
    with pytest.raises(AccessDenied) as baja:
        operators.check_registration(config, station.vault, "P100", "A2", "a2@muestra.invalid", now)
    assert baja.value.code == "auxiliar_baja"
    operators.set_password(station.vault, "A1", "secreto1")
    with pytest.raises(AccessDenied) as twice:
        operators.check_registration(config, station.vault, "P100", "A1", "a1@muestra.invalid", now)
    assert twice.value.code == "already_registered"


def test_technician_password_is_separate(station) -> None:
    operators.set_password(station.vault, "A1", "secreto1")
    assert not operators.tech_password_set(station.vault)
    operators.set_tech_password(station.vault, "tecnico-1")
    assert operators.registered(station.vault) == ["A1"]
    with pytest.raises(AccessDenied):
        operators.tech_login(station.vault, "secreto1")
    operators.tech_login(station.vault, "tecnico-1")
    for _ in range(4):
        with pytest.raises(AccessDenied):
            operators.tech_login(station.vault, "mal", now=5.0)
    with pytest.raises(AccessDenied) as locked:
        operators.tech_login(station.vault, "mal", now=5.0)
    assert locked.value.code == "locked"


def test_tech_password_command_presets_it_and_lifts_a_lockout(station) -> None:
    import subprocess
    import sys
    import time

    kiosk = [sys.executable, "-m", "kiosk.cli", "tech-password", "--data-dir", str(station.data.root)]
    operators.set_tech_password(station.vault, "olvidada-1")
    for _ in range(operators.MAX_FAILURES):
        with pytest.raises(AccessDenied):
            operators.tech_login(station.vault, "mal", now=time.time())

    no_terminal = subprocess.run(kiosk, input="tecnico-nuevo\n", capture_output=True, text=True)
    assert no_terminal.returncode == 2 and "--stdin" in no_terminal.stderr
    short = subprocess.run(kiosk + ["--stdin"], input="corta\n", capture_output=True, text=True)
    assert short.returncode == 2 and short.stderr.startswith("error: ") and "caracteres" in short.stderr
    with pytest.raises(AccessDenied) as still:
        operators.tech_login(station.vault, "olvidada-1")
    assert still.value.code == "locked", "a refused new password changes nothing"

    done = subprocess.run(kiosk + ["--stdin"], input="tecnico-nuevo\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "reemplazada" in done.stdout
    operators.tech_login(station.vault, "tecnico-nuevo")  # no longer locked, new password
    stored = station.vault.get_meta(operators.TECH_META)
    assert stored.startswith("$argon2id$") and "tecnico-nuevo" not in stored
    with pytest.raises(AccessDenied):
        operators.tech_login(station.vault, "olvidada-1")
