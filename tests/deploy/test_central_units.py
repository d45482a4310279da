"""The central side's systemd units: the web app and the processing worker as two hardened
services with their own users and data dirs (`systemd-analyze verify` clean, exposure low), and
the separation they promise, tried for real: the web app runs from a dir that holds only what
`central-web-keys.sh` copies (no sealing private key, no person key) and still reviews a record
the worker opened; the whole stack runs with write-xor-execute memory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from deploy_support import REPO, SYSTEMD_DIR, make_root
from test_deploy_units import parse_unit, verify

WEB, WORKER = "apoyo-central-web.service", "apoyo-central-proceso.service"
RECEIVER_BIN = "/opt/apoyo-kiosk/venv/bin/kiosk-receiver"
CENTRAL_DIR = SYSTEMD_DIR / "central"
KEYS_SCRIPT = CENTRAL_DIR / "central-web-keys.sh"
PRIVATE = ("sealing-*.key", "person.key")


@pytest.fixture(scope="module")
def central_root(tmp_path_factory, systemd_analyze) -> Path:
    root = make_root(tmp_path_factory.mktemp("central-root"))
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for name in (WEB, WORKER):
        (units / name).write_text((CENTRAL_DIR / name).read_text())
    exe = root / RECEIVER_BIN.lstrip("/")
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    return root


def service(name: str) -> dict[str, list[str]]:
    return parse_unit(CENTRAL_DIR / name)["Service"]


@pytest.mark.parametrize("unit", [WEB, WORKER])
def test_verify_is_clean_and_exposure_low(systemd_analyze: str, central_root: Path, unit: str) -> None:
    done = verify(systemd_analyze, central_root, unit)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr
    done = subprocess.run([systemd_analyze, "security", "--offline=yes", f"--root={central_root}", "--no-pager", unit],
                          capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout + done.stderr)
    assert match and float(match.group(1)) <= 1.5, done.stdout + done.stderr


def test_two_users_two_dirs_each_blind_to_the_other() -> None:
    web, worker = service(WEB), service(WORKER)
    assert web["User"] == ["apoyo-central"] and worker["User"] == ["apoyo-proceso"]
    assert web["ExecStart"] == [f"{RECEIVER_BIN} --data-dir /var/lib/apoyo-central/web --db ${{APOYO_CENTRAL_DB}} "
                                "web --host 127.0.0.1 --port 8790"]
    assert worker["ExecStart"] == [f"{RECEIVER_BIN} --data-dir /var/lib/apoyo-central/proceso --db ${{APOYO_CENTRAL_DB}} "
                                   "process run --every 60"]
    assert web["ReadWritePaths"] == ["/var/lib/apoyo-central/web"] and web["InaccessiblePaths"] == ["-/var/lib/apoyo-central/proceso"]
    assert worker["ReadWritePaths"] == ["/var/lib/apoyo-central/proceso"] and worker["InaccessiblePaths"] == ["-/var/lib/apoyo-central/web"]
    for s in (web, worker):
        for key, value in {"ProtectSystem": "strict", "NoNewPrivileges": "yes", "CapabilityBoundingSet": "",
                           "MemoryDenyWriteExecute": "yes", "PrivateDevices": "yes", "UMask": "0077",
                           "IPAddressDeny": "any", "EnvironmentFile": "/etc/apoyo-central/central.env"}.items():
            assert s[key] == [value], (key, s.get(key))
    conditions = parse_unit(CENTRAL_DIR / WEB)["Unit"]["ConditionPathExists"]
    assert "/var/lib/apoyo-central/web/keys/sealing.current" in conditions, "the web never mints its own keys"


def test_the_key_script_is_clean_shell(shellcheck: str) -> None:
    done = subprocess.run([shellcheck, str(KEYS_SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


def test_the_web_works_without_the_private_keys(tmp_path: Path) -> None:
    from dataclasses import replace

    from sync.daemon import SyncDaemon
    from sync.demo import setup_receiver
    from sync.provision import provision
    from central import accounts, mesa
    from central.processing import process_envelopes
    from central.receiver.server import open_receiver
    from central.records import fields_key
    from central.web.app import WebServer
    from tests.foundation.records import apoyo

    db = f"sqlite:///{tmp_path / 'central.db'}"
    worker_dir, web_dir = tmp_path / "proceso", tmp_path / "web"
    server, worker, token = setup_receiver(worker_dir, db_url=db)
    try:
        station = provision(tmp_path / "kiosko", server.url, token, municipio="MUESTRA")
        folio = station.save_apoyo(replace(apoyo("SEPARADO"), modality="mi_apoyo"), "A0001").folio
        assert SyncDaemon(station).run_once().link_ok
        station.close()
    finally:
        server.stop()
    process_envelopes(worker)
    fields_key(worker)  # what `fields pack` makes

    done = subprocess.run(["bash", str(KEYS_SCRIPT), str(worker_dir), str(web_dir)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    keys = web_dir / "keys"
    for pattern in PRIVATE:
        assert not list(keys.glob(pattern)), pattern
    assert {p.name for p in keys.iterdir()} >= {"authority.key", "sealing.current", "mesa.key", "fields.key"}

    web_receiver = open_receiver(web_dir, db)
    accounts.create_tables(web_receiver.engine)
    accounts.create_user(web_receiver.engine, "oper", "contrasena-muestra-1", "operador", name="OPER")
    web = WebServer(web_receiver).start()
    try:
        assert mesa.take_batch(web_receiver.engine, "oper", "RM2026OAX") == 1
        s = requests.Session()
        s.post(web.url + "/login", data={"usuario": "oper", "contrasena": "contrasena-muestra-1", "next": "/"})
        page = s.get(f"{web.url}/mesa/registro/{folio}")
        assert page.status_code == 200 and "Mi Apoyo" in page.text
        photo = s.get(f"{web.url}/mesa/registro/{folio}/img/front")
        assert photo.status_code == 200 and len(photo.content) > 1000, "the Mesa key opens the record in memory"
    finally:
        web.stop()
    for pattern in PRIVATE:
        assert not list(keys.glob(pattern)), f"the web made {pattern} itself"

    refused = subprocess.run(["bash", str(KEYS_SCRIPT), str(tmp_path / "vacio"), str(tmp_path / "web2")],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "falta" in refused.stderr


MDWE_PROBE = r"""
import ctypes, mmap, sys, tempfile
from pathlib import Path
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit("prctl(PR_SET_MDWE) failed: errno %d" % ctypes.get_errno())
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("MDWE not enforced")
except PermissionError:
    pass
import psycopg, requests
from central import accounts
from central.processing import process_envelopes
from central.receiver.server import open_receiver
from central.web.app import WebServer
with tempfile.TemporaryDirectory() as d:
    receiver = open_receiver(Path(d))
    accounts.create_tables(receiver.engine)
    accounts.create_user(receiver.engine, "admin", "contrasena-muestra-1", "administrador", name="A")
    process_envelopes(receiver)
    web = WebServer(receiver).start()
    try:
        s = requests.Session()
        s.post(web.url + "/login", data={"usuario": "admin", "contrasena": "contrasena-muestra-1", "next": "/"})
        assert "Procesos" in s.get(web.url + "/procesos").text
    finally:
        web.stop()
print("ok")
"""


def test_central_stack_runs_under_memory_deny_write_execute() -> None:
    """MemoryDenyWriteExecute=yes on both units must not break uvicorn, Argon2, PyNaCl, psycopg
    or processing: run them under the kernel's equivalent per-process policy."""
    done = subprocess.run([sys.executable, "-c", MDWE_PROBE], capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
