"""Enrollment and the receiver's files (issue #15, attacks 4 and 9): tokens expire (7 days by
default, settable per token) and are single use; failed enrollments are rate-limited; the
receiver's data dir is 0700 and every file in it 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import requests
import sqlalchemy as sa
from nacl.signing import SigningKey

from central.receiver import store as st
from central.receiver.service import ENROLL_MAX_FAILED_PER_SOURCE, TOKEN_TTL
from sync.demo import DEMO_PROCESS


def _enroll(served, token: str) -> requests.Response:
    key = bytes(SigningKey.generate().verify_key).hex()
    return requests.post(served.url + "/v1/enroll", json={"token": token, "public_key": key}, timeout=5)


def test_a_token_issued_400_days_ago_does_not_enroll(served) -> None:
    real = served.receiver.clock
    served.receiver.clock = lambda: real() - 400 * 86400
    old = served.receiver.issue_token(DEMO_PROCESS)
    served.receiver.clock = lambda: real() - TOKEN_TTL + 60  # still valid for a minute
    fresh = served.receiver.issue_token(DEMO_PROCESS)
    served.receiver.clock = real
    resp = _enroll(served, old)
    assert (resp.status_code, resp.json()["code"]) == (403, "token_vencido")
    assert _enroll(served, fresh).status_code == 200
    with served.receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.devices)).scalar() == 1


def test_the_validity_is_settable_and_a_token_is_used_once(served) -> None:
    out = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--data-dir", str(served.root), "token",
                          "--process", DEMO_PROCESS, "--dias", "0.00002"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    short = out.stdout.strip()
    time.sleep(2.0)  # 0.00002 days is 1.7 s
    assert _enroll(served, short).json()["code"] == "token_vencido"

    token = served.receiver.issue_token(DEMO_PROCESS)
    assert _enroll(served, token).status_code == 200
    again = _enroll(served, token)  # another key with the same token
    assert (again.status_code, again.json()["code"]) == (403, "token_invalido")


def test_failed_enrollments_are_rate_limited(served) -> None:
    for n in range(ENROLL_MAX_FAILED_PER_SOURCE):
        resp = _enroll(served, f"adivinanza-{n}")
        assert resp.json()["code"] == "token_invalido"
    good = served.receiver.issue_token(DEMO_PROCESS)
    resp = _enroll(served, good)
    assert (resp.status_code, resp.json()["code"]) == (429, "demasiados_intentos"), "even a good token waits"
    with served.receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(st.devices)).scalar() == 0
        failed = c.execute(sa.select(sa.func.count()).where(st.incidents.c.kind == "alta_fallida")).scalar()
    assert failed == ENROLL_MAX_FAILED_PER_SOURCE, "refused attempts are not counted again"


def test_receiver_files_are_0600_in_a_0700_directory(served, kiosk) -> None:
    assert kiosk.device_id  # an enrolled kiosk: the database and its WAL exist
    assert stat.S_IMODE(os.stat(served.root).st_mode) == 0o700
    seen = []
    for dirpath, dirnames, filenames in os.walk(served.root):
        for d in dirnames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, d)).st_mode) == 0o700, d
        for f in filenames:
            mode = stat.S_IMODE(os.stat(os.path.join(dirpath, f)).st_mode)
            assert mode == 0o600, f"{f}: {oct(mode)}"
            seen.append(f)
    assert {"receiver.db", "receiver.db-wal", "authority.key", "sealing.current"} <= set(seen), seen


def test_files_left_0644_by_an_older_version_are_closed_when_the_receiver_opens(tmp_path) -> None:
    from tests.security.conftest import prepare_receiver

    root = tmp_path / "viejo"
    prepare_receiver(root)
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    prepare_receiver(root)  # opens it again, as `kiosk-receiver serve` does
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    loose = [p.name for p in root.rglob("*") if p.is_file() and stat.S_IMODE(p.stat().st_mode) != 0o600]
    assert loose == [], loose


def test_every_issued_token_can_be_typed_after_dash_dash_token(served) -> None:
    """A token is typed (or dictated) after `kiosk provision --token`; one that began with "-"
    was taken by the parser for an option and the kiosk could not be enrolled with it (the
    browser test failed on CI that way, about one token in 64). Tokens are now drawn from
    letters and digits only."""
    from kiosk.cli import build_parser

    for _ in range(400):
        token = served.receiver.issue_token(DEMO_PROCESS)
        assert token.isalnum() and token.isascii(), token
        argv = ["provision", "--receiver", served.url, "--token", token]
        assert build_parser(argv).parse_args(argv).token == token
    # typed by hand in lower case with a stray space, it still enrolls
    assert _enroll(served, f" {token.lower()} ").status_code == 200


def test_every_refusal_says_in_spanish_what_is_wrong(served, tmp_path) -> None:
    """A request the API cannot take (a wrong path: the receiver's address typed with a path
    after it, or a proxy's prefix; an unreadable or ill-formed body) is refused like any other,
    {code, message} in Spanish, without echoing what was sent; and the technician provisioning
    against a wrong address is told so (it said «rechazó el alta del kiosko: » with no reason)."""
    wrong = requests.post(served.url + "/apoyo/v1/enroll", json={"token": "x", "public_key": "0" * 64}, timeout=5)
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "ruta_desconocida" and "dirección del receptor" in wrong.json()["message"]
    assert requests.delete(served.url + "/v1/enroll", timeout=5).json()["code"] == "metodo_no_permitido"
    for body in ("[" * 5000 + "]" * 5000, "{no es json", '{"token": 5, "public_key": "zz"}'):
        resp = requests.post(served.url + "/v1/enroll", data=body, headers={"Content-Type": "application/json"}, timeout=5)
        assert resp.status_code in (400, 422) and resp.json()["code"] == "peticion_invalida", body[:20]
        assert "zz" not in resp.text and "[[" not in resp.text and "Input should" not in resp.text
    assert "public_key" in resp.json()["message"], "it names the field"
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "provision", "--receiver", served.url + "/apoyo",
                          "--token", served.receiver.issue_token(DEMO_PROCESS), "--data-dir", str(tmp_path / "k")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "dirección del receptor" in out.stderr, out.stderr
