"""The sync unit's watchdog under a real systemd: `kiosk sync` started as a transient Type=notify
service with a short WatchdogSec must stay up (never killed by the watchdog) while its link is
down. Needs systemd as PID 1 (a VM, a Pi, a systemd container); the soak test
(tests/sync/test_soak.py) measures the same WATCHDOG=1 stream on a real NOTIFY_SOCKET anywhere."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SYSTEMD_RUNNING = Path("/run/systemd/system").is_dir()  # sd_booted(3)

pytestmark = pytest.mark.skipif(
    not SYSTEMD_RUNNING or shutil.which("systemd-run") is None,
    reason="systemd is not PID 1 on this machine (a container without an init: /run/systemd/system "
    "is missing), so no unit can be started; the watchdog stream is measured by tests/sync/test_soak.py",
)


def test_the_sync_unit_is_not_killed_by_its_watchdog(tmp_path) -> None:
    from tests.conftest import Authority, build_station

    build_station(tmp_path / "k", Authority()).close()  # its receiver is 127.0.0.1:9: link down
    unit = f"apoyo-test-sync-{int(time.time())}"
    kiosk = str(Path(sys.executable).parent / "kiosk")
    subprocess.run(["systemd-run", "--unit", unit, "--property=Type=notify", "--property=NotifyAccess=main",
                    "--property=WatchdogSec=6", "--property=Restart=no", kiosk, "--data-dir", str(tmp_path / "k"), "sync"],
                   check=True, timeout=60)
    try:
        time.sleep(25)  # four watchdog periods with the link down
        show = subprocess.run(["systemctl", "show", unit, "-p", "ActiveState", "-p", "Result", "-p", "StatusText"],
                              capture_output=True, text=True, timeout=30).stdout
        assert "ActiveState=active" in show and "Result=success" in show, show
        assert "pendientes=" in show
    finally:
        subprocess.run(["systemctl", "stop", unit], timeout=60)
