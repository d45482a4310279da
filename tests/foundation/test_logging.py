"""Where technician log lines go: to stderr only when systemd connected stderr to the journal
(JOURNAL_STREAM names that very stream). Under cage, foot passes JOURNAL_STREAM on to `kiosk run`
while its stderr is the terminal the UI draws on: a log line there would scribble on the screen."""

from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = (
    "import logging; from kiosk.cliutil import setup_logging; setup_logging(False, 'kiosk'); "
    "logging.getLogger('prueba').warning('linea de registro MUESTRA')"
)


def _stderr_of(journal_stream: str | None, stderr_fd: int, read_fd: int) -> str:
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal_stream is not None:
        env["JOURNAL_STREAM"] = journal_stream
    subprocess.run([sys.executable, "-c", SNIPPET], env=env, stderr=stderr_fd, check=True, timeout=60)
    os.close(stderr_fd)
    with os.fdopen(read_fd) as reader:
        return reader.read()


def test_log_lines_reach_stderr_only_when_it_is_the_journal_stream() -> None:
    read_fd, write_fd = os.pipe()
    st = os.fstat(write_fd)
    assert "linea de registro MUESTRA" in _stderr_of(f"{st.st_dev}:{st.st_ino}", write_fd, read_fd)

    read_fd, write_fd = os.pipe()
    other = os.fstat(read_fd)  # a different inode: what a terminal inside foot looks like
    assert _stderr_of(f"{other.st_dev}:{other.st_ino + 1}", write_fd, read_fd) == ""

    read_fd, write_fd = os.pipe()
    assert _stderr_of(None, write_fd, read_fd) == ""


JOURNAL_SNIPPET = (
    "import logging; from kiosk.cliutil import setup_logging; setup_logging(False, 'kiosk'); "
    "log = logging.getLogger('prueba'); log.error('falla MUESTRA'); log.warning('aviso MUESTRA'); "
    "log.info('dato MUESTRA'); log.debug('detalle MUESTRA')"
)


def test_under_the_journal_each_line_carries_its_priority() -> None:
    """journald stores `<3>` lines as errors, `<4>` as warnings (SyslogLevelPrefix)."""
    read_fd, write_fd = os.pipe()
    st = os.fstat(write_fd)
    env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
    subprocess.run([sys.executable, "-c", JOURNAL_SNIPPET], env=env, stderr=write_fd, check=True, timeout=60)
    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        lines = reader.read().splitlines()
    assert lines == ["<3>ERROR prueba: falla MUESTRA", "<4>WARNING prueba: aviso MUESTRA", "<6>INFO prueba: dato MUESTRA"]


def test_the_sync_daemon_run_by_hand_says_the_link_is_down(tmp_path) -> None:
    """Outside systemd, `kiosk sync` logs on stderr: a technician at a console sees the cause."""
    import signal
    import time

    from tests.conftest import Authority, build_station

    station = build_station(tmp_path / "k", Authority())
    station.close()
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "--data-dir", str(tmp_path / "k")],
                            env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert "link down" in err and "WARNING" in err, err
    assert proc.returncode == 0
