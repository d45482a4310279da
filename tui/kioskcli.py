"""The `kiosk` command line, run from the UI for what lives above `kiosk/` (enrolling with the
receiver, a sync pass): the screens stay on their side of the layering and the technician sees
exactly what the same command prints at a shell.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 180.0


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    error: str  # the command's one-line "error: …" message (Spanish), or "" when it worked

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_kiosk(data_root: Path, *args: str, env: dict[str, str] | None = None,
              timeout: float = TIMEOUT_SECONDS) -> CliResult:
    """Run `kiosk --data-dir DATA_ROOT ARGS…` with this interpreter; never raises for a failure
    of the command itself (a timeout or a crash comes back as a CliResult with its message)."""
    argv = [sys.executable, "-m", "kiosk.cli", "--data-dir", str(data_root), *args]
    log.info("running kiosk %s", args[0] if args else "")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        log.error("kiosk %s did not finish in %.0f s", args[0] if args else "", timeout)
        return CliResult(124, "", f"el comando no terminó en {timeout:.0f} s")
    errors = [line[len("error: "):] for line in done.stderr.splitlines() if line.startswith("error: ")]
    error = errors[-1] if errors else ""
    if done.returncode and not error:
        tail = done.stderr.strip().splitlines()
        error = tail[-1] if tail else f"código de salida {done.returncode}"
    if done.returncode:
        log.warning("kiosk %s failed (%d): %s", args[0] if args else "", done.returncode, error)
    return CliResult(done.returncode, done.stdout, error)
