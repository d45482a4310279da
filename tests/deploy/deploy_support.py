"""Shared pieces of the deployment tests: paths, the unit list, tool installation, running
install.sh, and an empty root with a copy of the user database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = REPO / "systemd"
INSTALL_SH = SYSTEMD_DIR / "install.sh"
SERVICES = (
    "apoyo-kiosk-ui@tty1.service",
    "apoyo-kiosk-cage.service",
    "apoyo-kiosk-sync.service",
    "apoyo-kiosk-maintenance.service",
)
UNITS = SERVICES + ("apoyo-kiosk-maintenance.timer",)
# Binaries the units start; systemd-analyze verify checks they exist and are executable.
EXECUTABLES = ("/opt/apoyo-kiosk/venv/bin/kiosk", "/usr/bin/cage", "/usr/bin/foot", "/usr/bin/env")


def require_tool(name: str, debian_package: str) -> str:
    """The path of `name`; installs `debian_package` with apt when missing, fails if it cannot."""
    found = shutil.which(name)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", debian_package],
            env=env,
            capture_output=True,
            check=False,
        )
        found = shutil.which(name)
    if not found:
        pytest.fail(
            f"{name} is required by tests/deploy and could not be installed; "
            f"run: sudo apt-get install {debian_package} (make test does this)"
        )
    return found


def run_install(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["bash", str(INSTALL_SH), *args], capture_output=True, text=True, env=env, timeout=300
    )
    if check and done.returncode != 0:
        raise AssertionError(f"install.sh {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def make_root(root: Path) -> Path:
    """A root like a fresh system's: copies of this machine's user database (install.sh adds the
    kiosk user to these copies, never to the host) and of the distribution's systemd units."""
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow"):
        shutil.copy2(Path("/etc") / name, root / "etc" / name)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    return root
