"""Fixtures for the deployment tests: the tools they need (installed when missing, never skipped)
and an offline root filesystem where install.sh places the units for systemd-analyze.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_support import EXECUTABLES, make_root, require_tool, run_install


@pytest.fixture(scope="session")
def systemd_analyze() -> str:
    return require_tool("systemd-analyze", "systemd")


@pytest.fixture(scope="session")
def shellcheck() -> str:
    return require_tool("shellcheck", "shellcheck")


@pytest.fixture(scope="session")
def installed_root(tmp_path_factory, systemd_analyze) -> Path:
    """A root where install.sh placed and enabled the units (tty UI), plus what systemd-analyze
    needs offline: the executables the units start."""
    root = make_root(tmp_path_factory.mktemp("root"))
    run_install("--root", str(root), "--skip", "venv")
    for exe in EXECUTABLES:
        path = root / exe.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)
    return root
