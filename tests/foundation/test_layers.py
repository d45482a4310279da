"""Data flows one way: drivers → kiosk → sync → central, with tui on top of the kiosk half. Every
import in the tree (also the lazy ones inside functions) is checked against that direction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> the top-level project packages it must never import
FORBIDDEN = {
    "drivers": {"kiosk", "sync", "central", "tui"},
    "kiosk": {"sync", "central", "tui"},
    "sync": {"central", "tui"},
    "tui": {"sync", "central"},
    "central": {"tui", "drivers"},
}
# The demo stands in for the OPL on one machine: it alone starts a local central receiver.
ALLOWED = {("sync/demo.py", "central")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for top in _imports(path) & FORBIDDEN[package]:
            if (rel, top) not in ALLOWED:
                wrong.append(f"{rel} imports {top}")
    assert not wrong, "\n".join(wrong)
