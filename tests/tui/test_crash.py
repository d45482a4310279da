"""A crash in the middle of a capture loses only that capture: the UI runs as a real process on a
pty, is killed with SIGKILL after the credential front was taken, and on restart every record
saved before is still in the vault (same integrity code, audit chain intact)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.demo_rig import DemoRig
from kiosk.station import open_station
from tests.conftest import Authority
from tests.tui.helpers import PASSWORD, make_app, registered_station, wait_for

ROOT = Path(__file__).resolve().parents[2]


def read_until(fd: int, needle: bytes, timeout: float = 40.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} not shown; last output: {seen[-400:]!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


@pytest.mark.timeout(120)
def test_kill_mid_capture_keeps_what_was_saved(tmp_path: Path) -> None:
    data = tmp_path / "kiosko"
    station = registered_station(data, Authority())
    with DemoRig(pad_speed=400) as rig:
        saved = rig.capture_one(station, "A1")
    station.close()

    pid, fd = pty.fork()
    if pid == 0:  # the child becomes the kiosk UI on the pty
        os.chdir(ROOT)
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
        os.execve(sys.executable, [sys.executable, "-m", "tui", "--data-dir", str(data), "--simulated"], env)
    try:
        read_until(fd, "Iniciar sesi".encode())
        os.write(fd, b"i")
        read_until(fd, b"Contrase")
        os.write(fd, PASSWORD.encode() + b"\r")
        read_until(fd, b"Captura de apoyo")
        os.write(fd, b"c")
        read_until(fd, b"Paso 1 de 7")
        os.write(fd, b"5")
        read_until(fd, b"Paso 2 de 7")
        os.write(fd, b"t")
        read_until(fd, b"Aceptar")  # the front is on screen, only in the UI's memory
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)

    station = open_station(data)
    try:
        row = station.vault.get(saved.folio)
        assert row is not None and row.state == "sealed" and row.integrity == saved.integrity
        assert station.vault.counts()["sealed"] == 1  # the unfinished capture left nothing behind
        intact, entries = station.vault.verify_audit()
        assert intact and entries > 3
    finally:
        station.close()


@pytest.mark.anyio
async def test_abandoned_capture_in_process_then_restart(tmp_path: Path) -> None:
    station = registered_station(tmp_path / "kiosko", Authority())
    with DemoRig(pad_speed=400) as rig:
        saved = rig.capture_one(station, "A1")
    app = make_app(station)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        await pilot.pause(0.1)
        await pilot.press(*PASSWORD, "enter", "c")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CaptureScreen")
        await pilot.pause(0.1)
        await pilot.press("3", "t")
        await wait_for(pilot, lambda: app.screen.shot is not None)
    station.close()  # the app is gone mid-capture; the vault is reopened as after a restart
    reopened = open_station(tmp_path / "kiosko")
    try:
        assert reopened.vault.counts()["sealed"] == 1
        assert reopened.vault.get(saved.folio).integrity == saved.integrity
    finally:
        reopened.close()


def test_run_command_parser_in_spanish() -> None:
    import argparse

    from tui.commands import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["run", "--simulated"])
    assert args.simulated and callable(args.func)
    help_text = subprocess.run([sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    assert "simulados" in help_text
