"""Técnico's audit table names every event the kiosk writes, and every detail key, in Spanish:
an event added in kiosk/ without its label would show its code (e.g. `vault_migrated`)."""

from __future__ import annotations

import re
from pathlib import Path

from tui.messages import M as CATALOG

ROOT = Path(__file__).resolve().parents[2]
EVENT = re.compile(r'audit\((?:[\w.]+, )?"([a-z_]+)", \{([^}]*)\}')
KEY = re.compile(r'"([a-z_]+)":')
SPANISH_AS_IS = {"folio"}  # a detail key that is already the Spanish word


def _written() -> tuple[set[str], set[str]]:
    events: set[str] = set()
    keys: set[str] = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        for event, detail in EVENT.findall(path.read_text(encoding="utf-8")):
            events.add(event)
            keys.update(KEY.findall(detail))
    return events, keys


def test_every_audit_event_and_detail_key_has_a_spanish_label() -> None:
    events, keys = _written()
    assert {"vault_created", "record_sealed", "vault_migrated", "acuse_ajeno"} <= events  # the scan finds them
    assert sorted(e for e in events if "ev_" + e not in CATALOG) == []
    assert sorted(k for k in keys - SPANISH_AS_IS if "dk_" + k not in CATALOG) == []
