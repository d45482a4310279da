"""The systemd units: `systemd-analyze verify` is clean on every unit, the hardening directives
are there, the exposure score stays low, and the sync stack runs with write-xor-execute memory.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_support import SERVICES, SYSTEMD_DIR, UNITS

KIOSK_BIN = "/opt/apoyo-kiosk/venv/bin/kiosk"
UNIT_FILES = {
    "apoyo-kiosk-ui@tty1.service": "apoyo-kiosk-ui@.service",
    "apoyo-kiosk-cage.service": "apoyo-kiosk-cage.service",
    "apoyo-kiosk-sync.service": "apoyo-kiosk-sync.service",
    "apoyo-kiosk-maintenance.service": "apoyo-kiosk-maintenance.service",
    "apoyo-kiosk-maintenance.timer": "apoyo-kiosk-maintenance.timer",
}


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections → key → every value (systemd allows repeated keys), comments dropped."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: directive outside a section: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(name: str) -> dict[str, list[str]]:
    return parse_unit(SYSTEMD_DIR / UNIT_FILES[name])["Service"]


def verify(systemd_analyze: str, root: Path, unit: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [systemd_analyze, "verify", f"--root={root}", "--man=no", unit],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_analyze_verify_is_clean(systemd_analyze: str, installed_root: Path, unit: str) -> None:
    done = verify(systemd_analyze, installed_root, unit)
    assert done.returncode == 0, done.stderr
    assert done.stdout + done.stderr == "", f"systemd-analyze verify {unit} complained:\n{done.stderr}"


def test_verify_would_catch_a_broken_unit(systemd_analyze: str, installed_root: Path) -> None:
    """The harness itself can fail: a misspelled directive and a missing binary are reported."""
    unit_dir = installed_root / "etc/systemd/system"
    text = (unit_dir / "apoyo-kiosk-sync.service").read_text()
    broken = text.replace("ProtectSystem=strict", "ProtectSytem=strict").replace(KIOSK_BIN, "/opt/nada/kiosk")
    (unit_dir / "apoyo-kiosk-roto.service").write_text(broken)
    try:
        done = verify(systemd_analyze, installed_root, "apoyo-kiosk-roto.service")
    finally:
        (unit_dir / "apoyo-kiosk-roto.service").unlink()
    output = done.stdout + done.stderr
    assert "ProtectSytem" in output
    assert "/opt/nada/kiosk" in output


COMMON_HARDENING = {
    "ProtectSystem": "strict",
    "ReadWritePaths": "/var/lib/apoyo-kiosk",
    "NoNewPrivileges": "yes",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "CapabilityBoundingSet": "",
    "DevicePolicy": "closed",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "UMask": "0077",
    "User": "kiosk",
    "SystemCallArchitectures": "native",
}
CAMERA = {"char-video4linux", "char-media", "char-dma_heap", "/dev/vchiq"}
SERIAL = {"char-ttyUSB", "char-ttyACM", "char-ttyAMA"}
SCANNER = {"char-usb_device"}
# Everything any unit may open; a new entry here is a decision, not a side effect.
DEVICE_ALLOW_LIST = CAMERA | SERIAL | SCANNER | {
    "/dev/vcio", "char-ttyS", "/dev/tty", "/dev/%I", "/dev/tty0", "/dev/tty1", "char-drm", "char-input",
}


@pytest.mark.parametrize("unit", SERVICES)
def test_hardening_directives_are_present(unit: str) -> None:
    directives = service(unit)
    for key, expected in COMMON_HARDENING.items():
        assert directives.get(key) == [expected], f"{unit}: {key}={directives.get(key)} (expected {expected!r})"
    families = set(directives["RestrictAddressFamilies"][0].split())
    assert families <= {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}, families
    assert "AF_UNIX" in families
    assert "@system-service" in directives["SystemCallFilter"]
    assert directives["ExecStart"][0].split()[0] in ("/opt/apoyo-kiosk/venv/bin/kiosk", "/usr/bin/env")
    assert KIOSK_BIN in directives["ExecStart"][0]
    assert "AmbientCapabilities" in directives and directives["AmbientCapabilities"] == [""]


@pytest.mark.parametrize("unit", SERVICES)
def test_devices_are_an_explicit_allow_list(unit: str) -> None:
    allowed = service(unit).get("DeviceAllow", [])
    names = {entry.split()[0] for entry in allowed}
    assert names <= DEVICE_ALLOW_LIST, names - DEVICE_ALLOW_LIST
    assert all(entry.split()[1] in ("r", "rw") for entry in allowed)
    assert "/dev/vcio" in names, "every unit opening the vault needs the mailbox for the OTP key"


@pytest.mark.parametrize("unit", ["apoyo-kiosk-ui@tty1.service", "apoyo-kiosk-cage.service"])
def test_capture_units_reach_camera_pad_and_scanner(unit: str) -> None:
    names = {entry.split()[0] for entry in service(unit)["DeviceAllow"]}
    assert CAMERA <= names and SERIAL <= names and SCANNER <= names
    assert {"video", "dialout", "scanner"} <= set(service(unit)["SupplementaryGroups"][0].split())


def test_background_units_reach_no_hardware() -> None:
    for unit in ("apoyo-kiosk-sync.service", "apoyo-kiosk-maintenance.service"):
        directives = service(unit)
        assert sorted(directives["DeviceAllow"]) == ["/dev/vchiq rw", "/dev/vcio rw"], unit
        assert directives["MemoryDenyWriteExecute"] == ["yes"], unit
        assert "~@privileged" in directives["SystemCallFilter"], unit
    assert service("apoyo-kiosk-maintenance.service")["PrivateNetwork"] == ["yes"]


def test_tty_ui_replaces_the_getty() -> None:
    unit = parse_unit(SYSTEMD_DIR / "apoyo-kiosk-ui@.service")
    assert "getty@%i.service" in " ".join(unit["Unit"]["Conflicts"]).split()
    s = unit["Service"]
    assert s["ExecStart"] == [f"{KIOSK_BIN} run"]
    assert s["TTYPath"] == ["/dev/%I"]
    assert s["StandardInput"] == ["tty"]
    assert s["Restart"] == ["always"]
    assert unit["Install"]["DefaultInstance"] == ["tty1"]


def test_cage_ui_runs_foot_running_kiosk() -> None:
    unit = parse_unit(SYSTEMD_DIR / "apoyo-kiosk-cage.service")
    command = unit["Service"]["ExecStart"][0].split()
    assert command.index("/usr/bin/cage") < command.index("/usr/bin/foot") < command.index(KIOSK_BIN)
    assert command[-1] == "run"
    assert unit["Service"]["PAMName"] == ["apoyo-kiosk-cage"]
    assert (SYSTEMD_DIR / "pam.d" / "apoyo-kiosk-cage").read_text().count("pam_systemd.so") == 1
    assert {"getty@tty1.service", "apoyo-kiosk-ui@tty1.service"} <= set(" ".join(unit["Unit"]["Conflicts"]).split())
    assert unit["Service"]["Restart"] == ["always"]


def test_sync_daemon_is_watched() -> None:
    s = service("apoyo-kiosk-sync.service")
    assert s["ExecStart"] == [f"{KIOSK_BIN} sync"]
    assert s["Type"] == ["notify"] and s["NotifyAccess"] == ["main"] and s["Restart"] == ["always"]
    assert int(s["WatchdogSec"][0]) >= 30
    assert s["StandardOutput"] == ["journal"]
    condition = parse_unit(SYSTEMD_DIR / "apoyo-kiosk-sync.service")["Unit"]["ConditionPathExists"]
    assert condition == ["/var/lib/apoyo-kiosk/device.json"], "no sync before provisioning"


def test_maintenance_timer_starts_the_maintenance_service() -> None:
    timer = parse_unit(SYSTEMD_DIR / "apoyo-kiosk-maintenance.timer")
    assert timer["Timer"]["Unit"] == ["apoyo-kiosk-maintenance.service"]
    assert timer["Timer"]["Persistent"] == ["yes"] or timer["Timer"]["Persistent"] == ["true"]
    assert service("apoyo-kiosk-maintenance.service")["ExecStart"] == [f"{KIOSK_BIN} maintenance"]


@pytest.mark.parametrize("unit", SERVICES)
def test_exposure_score_is_low(systemd_analyze: str, installed_root: Path, unit: str) -> None:
    done = subprocess.run(
        [systemd_analyze, "security", "--offline=yes", f"--root={installed_root}", "--no-pager", unit],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout + done.stderr)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 2.5, f"{unit}: exposure {match.group(1)}\n{done.stdout}"


MDWE_PROBE = r"""
import ctypes, mmap, os, sys, tempfile
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_MDWE) failed: errno %d" % ctypes.get_errno())
# Proof the policy is on: a writable+executable mapping is now refused.
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("MDWE not enforced")
except PermissionError:
    pass
import nacl.public, nacl.secret, requests, sdnotify, sqlcipher3
from kiosk import keywrap, sealing, vault
key = os.urandom(32)
with tempfile.TemporaryDirectory() as d:
    keywrap.store_vault_key(d + "/vault.key", key, otp_reader=lambda: bytes(range(1, 33)))
    assert keywrap.load_vault_key(d + "/vault.key", otp_reader=lambda: bytes(range(1, 33))) == key
    v = vault.Vault.create(d + "/vault.db", key)
    v.close()
    vault.Vault.open(d + "/vault.db", key).close()
box = nacl.public.SealedBox(nacl.public.PrivateKey.generate().public_key)
assert box.encrypt(b"x")
print("ok")
"""


def test_sync_stack_runs_under_memory_deny_write_execute() -> None:
    """MemoryDenyWriteExecute=yes on the sync and maintenance units must not break Python, PyNaCl,
    SQLCipher or requests: run them under the kernel's equivalent per-process policy."""
    done = subprocess.run(
        [sys.executable, "-c", MDWE_PROBE], capture_output=True, text=True, timeout=120, cwd=str(SYSTEMD_DIR.parent)
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr


def test_no_unit_refers_to_a_path_outside_the_install() -> None:
    """Units point only at what install.sh puts in place (or the distribution ships)."""
    known = ("/opt/apoyo-kiosk/", "/var/lib/apoyo-kiosk", "/etc/apoyo-kiosk/", "/usr/bin/", "/dev/", "/run/",
             "/var/cache/apoyo-kiosk-cage", "/usr/share/doc/apoyo-kiosk/")
    for name in {n for n in UNIT_FILES.values() if n.endswith(".service")}:
        lines = [line for line in (SYSTEMD_DIR / name).read_text().splitlines() if not line.startswith("#")]
        text = "\n".join(lines).replace("file://", "")
        paths = re.findall(r"(?<![\w:/])(/[\w@%.\-/]+)", text)
        assert paths, name
        for path in paths:
            assert path.startswith(known), f"{name}: {path}"
