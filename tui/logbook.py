"""What Técnico shows as logs: this UI's own recent log lines (kept in memory, not on disk) and
the tail of the journal for the kiosk's services, when the journal can be read.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections import deque

# The SyslogIdentifier of each unit, and "kiosk" for commands that log to the syslog socket.
JOURNAL_IDENTIFIERS = ("apoyo-kiosk-ui", "apoyo-kiosk-cage", "apoyo-kiosk-sync", "apoyo-kiosk-maintenance", "kiosk")


# The level of each line in Spanish (the message itself is the technician's, as logged).
LEVELS = {"DEBUG": "depuración", "INFO": "info", "WARNING": "aviso", "ERROR": "falla", "CRITICAL": "grave"}


class RecentLines(logging.Handler):
    """The last `size` log records of this process as short lines, newest last."""

    def __init__(self, size: int = 200, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.lines: deque[str] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            message = record.getMessage().splitlines()[0] if record.getMessage() else ""
            level = LEVELS.get(record.levelname, record.levelname.lower())
            self.lines.append(f"{stamp} {level} {record.name}: {message}")
        except Exception:  # a log line must never break the screen
            self.handleError(record)

    def tail(self, n: int = 20) -> list[str]:
        return list(self.lines)[-n:]


def journal_tail(n: int = 30, timeout: float = 10.0) -> tuple[list[str], str]:
    """(lines, problem): the newest `n` journal lines of the kiosk's services, or an empty list
    and one Spanish sentence saying why there are none."""
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        return [], "journalctl no está instalado en este equipo."
    argv = [journalctl, "--no-pager", "-n", str(n), "-o", "short-iso"]
    for identifier in JOURNAL_IDENTIFIERS:
        argv += ["-t", identifier]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"no se pudo leer el journal: {exc}"
    lines = [line for line in done.stdout.splitlines() if line.strip() and not line.startswith("-- ")]
    if lines:
        return lines, ""
    problem = done.stderr.strip().splitlines()
    if done.returncode or problem:
        return [], "no se pudo leer el journal: " + (problem[-1] if problem else f"código {done.returncode}")
    return [], "el journal no tiene líneas de los servicios del kiosko."
