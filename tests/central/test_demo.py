"""`make demo-central` (python -m central.demo) starts, has Mesa work and prints its URL and logins."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_central_prints_url_logins_and_has_mesa_work() -> None:
    out = subprocess.run([sys.executable, "-m", "central.demo", "--records", "3", "--port", "0", "--seconds", "0.5"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.search(r"Sistema central del OPL: http://127\.0\.0\.1:\d+", out.stdout)
    assert "'en_mesa_de_control': 2" in out.stdout and "'duplicado': 1" in out.stdout and "'con_inconsistencia': 1" in out.stdout
    for login in ("admin", "operador", "supervisor", "promovente"):
        assert re.search(rf"^\s+{login}\s+\S+-muestra-1\s", out.stdout, re.M), login
