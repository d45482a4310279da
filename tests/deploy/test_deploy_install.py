"""systemd/install.sh: shellcheck-clean, --dry-run prints every step and changes nothing,
--root places units, config and data dir with the right modes and owners, and runs twice safely.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from deploy_support import INSTALL_SH, REPO, SYSTEMD_DIR, make_root, run_install

UNIT_NAMES = sorted(p.name for p in SYSTEMD_DIR.iterdir() if p.suffix in (".service", ".timer"))
HOST_PATHS = (
    "/opt/apoyo-kiosk",
    "/etc/apoyo-kiosk",
    "/var/lib/apoyo-kiosk",
    "/etc/systemd/system/apoyo-kiosk-sync.service",
    "/etc/pam.d/apoyo-kiosk-cage",
    "/usr/local/bin/kiosk",
)


def snapshot(root: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every path under root with its mode, uid, gid and content digest (or link target)."""
    state = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        if path.is_symlink():
            body = "->" + os.readlink(path)
        elif path.is_file():
            body = str(hash(path.read_bytes()))
        else:
            body = ""
        state[str(path.relative_to(root))] = (st.st_mode, st.st_uid, st.st_gid, body)
    return state


def test_shellcheck_is_clean(shellcheck: str) -> None:
    done = subprocess.run([shellcheck, "--severity=style", str(INSTALL_SH)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert INSTALL_SH.read_text().splitlines()[4] == "set -euo pipefail"


def test_help_is_spanish() -> None:
    done = run_install("--help")
    assert "Uso:" in done.stdout and "--dry-run" in done.stdout and "--root" in done.stdout


def test_unknown_option_is_one_clear_line() -> None:
    done = run_install("--sin-sentido", check=False)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == ["ERROR: opción desconocida: --sin-sentido (vea --help)"]
    typo = run_install("--dry-run", "--skip", "venv,unidades", check=False)
    assert typo.returncode == 1 and "unidades" in typo.stderr and typo.stdout == ""


def test_dry_run_prints_every_step_and_changes_nothing() -> None:
    existed = {path: os.path.lexists(path) for path in HOST_PATHS}
    passwd_before = Path("/etc/passwd").read_bytes()
    group_before = Path("/etc/group").read_bytes()
    done = run_install("--dry-run")
    out = done.stdout
    commands = [line[2:] for line in out.splitlines() if line.startswith("+ ")]
    expected_fragments = [
        "apt-get update",
        "apt-get install -y --no-install-recommends python3-venv",
        "tesseract-ocr-spa",
        "libzbar0",
        "fonts-ocr-b",
        "sane-utils",
        "/usr/bin/python3 -m venv --system-site-packages /opt/apoyo-kiosk/venv",
        f"/opt/apoyo-kiosk/venv/bin/python -m pip install --disable-pip-version-check --upgrade",
        "ln -sfn /opt/apoyo-kiosk/venv/bin/kiosk /usr/local/bin/kiosk",
        "install -m 0644 " + str(SYSTEMD_DIR / "kiosk.toml.example") + " /etc/apoyo-kiosk/kiosk.toml",
        "install -d -m 0700 /var/lib/apoyo-kiosk",
        "systemctl enable apoyo-kiosk-ui@.service",
        "systemctl mask getty@tty1.service",
        "systemctl enable apoyo-kiosk-sync.service apoyo-kiosk-maintenance.timer",
    ]
    joined = "\n".join(commands)
    for fragment in expected_fragments:
        assert fragment in joined, f"dry run does not show: {fragment}\n{out}"
    for unit in UNIT_NAMES:
        assert f"/etc/systemd/system/{unit}" in joined, unit
    assert "usermod" in joined and "video\\,dialout\\,scanner" in joined
    # Steps come in order: packages before the venv before the files before enabling.
    order = [joined.index(f) for f in ("apt-get update", "python3 -m venv", "install -d -m 0700", "systemctl enable")]
    assert order == sorted(order)
    assert {path: os.path.lexists(path) for path in HOST_PATHS} == existed
    assert Path("/etc/passwd").read_bytes() == passwd_before
    assert Path("/etc/group").read_bytes() == group_before


def test_pi_gets_apt_picamera2_and_numpy_1() -> None:
    on_pi = run_install("--dry-run", "--pi", "yes").stdout
    apt_line = next(line for line in on_pi.splitlines() if "apt-get install" in line)
    pip_line = next(line for line in on_pi.splitlines() if "pip install" in line)
    assert "python3-picamera2" in apt_line.split()
    assert f"--constraint {SYSTEMD_DIR / 'constraints-pi.txt'}" in pip_line
    pins = dict(line.split("==") for line in (SYSTEMD_DIR / "constraints-pi.txt").read_text().splitlines() if "==" in line)
    assert pins["numpy"].startswith("1.") and pins["opencv-python-headless"] < "4.12"
    locked = dict(line.split("==") for line in (SYSTEMD_DIR.parent / "constraints.txt").read_text().splitlines() if "==" in line)
    assert set(pins) == set(locked), "the Pi's lock is the tested lock with two pins changed"
    assert {k for k in pins if pins[k] != locked[k]} <= {"numpy", "opencv-python-headless"}
    elsewhere = run_install("--dry-run", "--pi", "no")
    assert "python3-picamera2" not in elsewhere.stdout
    assert f"--constraint {SYSTEMD_DIR.parent / 'constraints.txt'}" in elsewhere.stdout, "the tested versions elsewhere"
    assert "opencv" in elsewhere.stderr
    wrong = run_install("--dry-run", "--pi", "quizas", check=False)
    assert wrong.returncode == 1 and "--pi" in wrong.stderr


def test_dry_run_with_root_leaves_the_root_empty(tmp_path: Path) -> None:
    root = make_root(tmp_path / "root")
    before = snapshot(root)
    done = run_install("--dry-run", "--root", str(root), "--ui", "cage")
    assert "apt-get" not in done.stdout, "apt cannot install into --root; it must be skipped"
    assert f"systemctl --root={root} enable apoyo-kiosk-cage.service" in done.stdout
    assert f"useradd --prefix {root}" in done.stdout
    assert snapshot(root) == before


def test_dry_run_works_without_root_privileges(tmp_path: Path) -> None:
    """A technician can preview as an ordinary user; a real run as that user is refused."""
    env = dict(os.environ, HOME=str(tmp_path))
    preview = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", str(INSTALL_SH), "--dry-run"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert preview.returncode == 0, preview.stderr
    assert "+ apt-get update" in preview.stdout
    real = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", str(INSTALL_SH)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert real.returncode == 1
    assert "sudo" in real.stderr and real.stdout == ""


@pytest.fixture
def placed_root(tmp_path: Path) -> Path:
    root = make_root(tmp_path / "root")
    run_install("--root", str(root), "--skip", "venv")
    return root


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def root_user(root: Path, name: str) -> pwd.struct_passwd:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            return pwd.struct_passwd((fields[0], fields[1], int(fields[2]), int(fields[3]), *fields[4:]))
    raise AssertionError(f"{name} not in {root}/etc/passwd")


def root_group_members(root: Path, group: str) -> list[str]:
    for line in (root / "etc/group").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == group:
            return fields[3].split(",") if fields[3] else []
    raise AssertionError(f"group {group} not in {root}/etc/group")


def test_root_places_units_config_and_data_dir(placed_root: Path) -> None:
    root = placed_root
    unit_dir = root / "etc/systemd/system"
    for unit in UNIT_NAMES:
        assert (unit_dir / unit).read_bytes() == (SYSTEMD_DIR / unit).read_bytes()
        assert mode(unit_dir / unit) == 0o644
    config = root / "etc/apoyo-kiosk/kiosk.toml"
    assert config.read_bytes() == (SYSTEMD_DIR / "kiosk.toml.example").read_bytes()
    assert mode(config) == 0o644
    assert mode(root / "etc/pam.d/apoyo-kiosk-cage") == 0o644
    data = root / "var/lib/apoyo-kiosk"
    assert data.is_dir() and mode(data) == 0o700
    kiosk = root_user(root, "kiosk")
    assert (data.stat().st_uid, data.stat().st_gid) == (kiosk.pw_uid, kiosk.pw_gid)
    assert kiosk.pw_shell == "/usr/sbin/nologin" and kiosk.pw_dir == "/var/lib/apoyo-kiosk"
    assert kiosk.pw_uid < 1000, "kiosk must be a system user"
    for group in ("video", "dialout", "scanner"):
        assert "kiosk" in root_group_members(root, group), group
    with pytest.raises(KeyError):
        pwd.getpwnam("kiosk")  # the host's own user database is untouched


def test_root_enables_tty_ui_sync_and_timer(placed_root: Path) -> None:
    unit_dir = placed_root / "etc/systemd/system"
    assert os.readlink(unit_dir / "getty.target.wants/apoyo-kiosk-ui@tty1.service") == (
        "/etc/systemd/system/apoyo-kiosk-ui@.service"
    )
    assert (unit_dir / "multi-user.target.wants/apoyo-kiosk-sync.service").is_symlink()
    assert (unit_dir / "timers.target.wants/apoyo-kiosk-maintenance.timer").is_symlink()
    assert os.readlink(unit_dir / "getty@tty1.service") == "/dev/null"
    assert not (unit_dir / "graphical.target.wants/apoyo-kiosk-cage.service").exists()
    assert not (unit_dir / "timers.target.wants/apoyo-kiosk-maintenance.service").exists()


def test_second_run_changes_nothing_and_keeps_edited_config(placed_root: Path) -> None:
    config = placed_root / "etc/apoyo-kiosk/kiosk.toml"
    config.write_text(config.read_text().replace('backend = "picamera2"', 'backend = "opencv"'))
    secret = placed_root / "var/lib/apoyo-kiosk/keys/vault.key"
    secret.parent.mkdir(mode=0o700)
    secret.write_bytes(b"k" * 32)
    secret.chmod(0o600)
    before = snapshot(placed_root)
    done = run_install("--root", str(placed_root), "--skip", "venv")
    assert "ya existe: se conserva" in done.stdout
    assert "useradd" not in done.stdout, "the user exists: it must not be created twice"
    after = snapshot(placed_root)
    assert after == before | {
        # Re-running re-owns the data dir to kiosk: files a technician created as root are fixed.
        k: after[k] for k in ("var/lib/apoyo-kiosk/keys", "var/lib/apoyo-kiosk/keys/vault.key")
    }
    kiosk = root_user(placed_root, "kiosk")
    assert secret.stat().st_uid == kiosk.pw_uid and mode(secret) == 0o600
    assert 'backend = "opencv"' in config.read_text()


def test_switching_to_the_touchscreen_ui(placed_root: Path) -> None:
    run_install("--root", str(placed_root), "--skip", "venv", "--ui", "cage")
    unit_dir = placed_root / "etc/systemd/system"
    assert (unit_dir / "graphical.target.wants/apoyo-kiosk-cage.service").is_symlink()
    assert not (unit_dir / "getty.target.wants/apoyo-kiosk-ui@tty1.service").exists()
    assert os.readlink(unit_dir / "default.target").endswith("graphical.target")
    assert (unit_dir / "multi-user.target.wants/apoyo-kiosk-sync.service").is_symlink()


TINY_PROJECT = """
[build-system]
requires = []
build-backend = "tiny_backend"
backend-path = ["."]

[project]
name = "apoyo-kiosk"
version = "0.0.1"
"""

# A PEP 517 backend in 30 lines, so pip builds and installs the checkout with no index at all.
TINY_BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION = "apoyo_kiosk", "0.0.1"
FILES = {
    "kiosk_stub.py": open("kiosk_stub.py", "rb").read(),
    f"{NAME}-{VERSION}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: apoyo-kiosk\\nVersion: {VERSION}\\n".encode(),
    f"{NAME}-{VERSION}.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    f"{NAME}-{VERSION}.dist-info/entry_points.txt": b"[console_scripts]\\nkiosk = kiosk_stub:main\\n",
}


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = f"{NAME}-{VERSION}-py3-none-any.whl"
    record = f"{NAME}-{VERSION}.dist-info/RECORD"
    lines = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as zf:
        for name, data in FILES.items():
            zf.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append(f"{name},sha256={digest},{len(data)}")
        zf.writestr(record, "\\n".join(lines + [f"{record},,"]) + "\\n")
    return wheel
"""


def test_venv_sees_system_packages_and_installs_the_checkout(tmp_path: Path) -> None:
    """The venv step for real, on a tiny checkout that installs offline: --system-site-packages
    (so apt's picamera2 is importable), the project's `kiosk` entry point and the PATH link."""
    source = tmp_path / "checkout"
    (source / "systemd").mkdir(parents=True)
    (source / "pyproject.toml").write_text(TINY_PROJECT)
    (source / "kiosk_stub.py").write_text("def main():\n    print('kiosk de prueba')\n")
    (source / "tiny_backend.py").write_text(TINY_BACKEND)
    shutil.copy2(SYSTEMD_DIR / "constraints-pi.txt", source / "systemd")
    root = tmp_path / "root"
    env = dict(os.environ, PIP_NO_INDEX="1")
    steps = "packages,user,files,units,enable"
    venv = root / "opt/apoyo-kiosk/venv"
    # A venv left by a hand install that cannot see apt's picamera2 is replaced.
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    first = run_install("--root", str(root), "--source", str(source), "--skip", steps, "--pi", "yes", env=env)
    assert "--constraint" in first.stdout
    assert "no ve los paquetes del sistema" in first.stderr
    assert "include-system-site-packages = true" in (venv / "pyvenv.cfg").read_text()
    done = subprocess.run([str(venv / "bin/kiosk")], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "kiosk de prueba"
    sees = subprocess.run(
        [str(venv / "bin/python"), "-c", "import sys; print(any(p.endswith('dist-packages') for p in sys.path))"],
        capture_output=True, text=True, timeout=60,
    )
    assert sees.stdout.strip() == "True"
    assert os.readlink(root / "usr/local/bin/kiosk") == "/opt/apoyo-kiosk/venv/bin/kiosk"
    (source / "kiosk_stub.py").write_text("def main():\n    print('kiosk actualizado')\n")
    again = run_install("--root", str(root), "--source", str(source), "--skip", steps, env=env)
    assert "python3 -m venv" not in again.stdout, "an existing good venv is reused"
    done = subprocess.run([str(venv / "bin/kiosk")], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "kiosk actualizado", "re-running installs the updated checkout"


def test_default_config_has_every_hardware_section() -> None:
    config = tomllib.loads((SYSTEMD_DIR / "kiosk.toml.example").read_text())
    assert config["camera"]["backend"] in ("picamera2", "opencv", "simulated")
    assert config["camera"]["device"].startswith("/dev/video")
    assert config["pad"]["backend"] in ("topaz", "line", "simulated") and config["pad"]["port"].startswith("/dev/")
    assert config["scanner"]["backend"] in ("sane", "camera", "simulated")
    assert "port" in config["gps"]
    assert "receiver" not in config  # `kiosk provision` stores the receiver; load_config refuses unknown sections


def test_the_pi_smoke_script_is_clean_and_installs_what_install_sh_installs(shellcheck: str) -> None:
    """make pi-smoke reads install.sh's BASE_PACKAGES with sed; a change of layout there must not
    leave the arm64 root without a package (or with a fragment of the array's syntax)."""
    smoke = SYSTEMD_DIR / "pi_smoke.sh"
    done = subprocess.run([shellcheck, "--severity=style", str(smoke)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    listed = subprocess.run(["bash", str(smoke), "--packages"], capture_output=True, text=True, check=True)
    array = subprocess.run(
        # install.sh's own top level (everything but the call to main), as bash reads it
        ["bash", "-c", 'source <(sed "s/^main \\"\\$@\\"\\$//" "$1"); printf "%s\\n" "${BASE_PACKAGES[@]}"',
         "_", str(INSTALL_SH)],
        capture_output=True, text=True, check=True,
    )
    assert listed.stdout.split() == array.stdout.split()
    assert "tesseract-ocr-spa" in listed.stdout.split()
