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
