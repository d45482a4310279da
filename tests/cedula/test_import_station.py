"""`kiosk cedula import` against a real provisioned station: all or none, duplicates across runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.cedula.dedupe import clave_fingerprint
from kiosk.commands.cedula import cmd_import
from kiosk.station import open_station
from tests.conftest import build_station

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cedulas"


def _args(name: str, root: Path, **kw) -> argparse.Namespace:
    base = dict(file=str(FIXTURES / name), mode="all_or_nothing", dry_run=False, json=True, delimiter=",",
                data_dir=str(root))
    base.update(kw)
    return argparse.Namespace(**base)


def _saved(root: Path) -> int:
    station = open_station(root)
    try:
        return sum(station.vault.counts().values())
    finally:
        station.close()


def test_import_all_or_nothing_then_only_valid_then_duplicates(tmp_path, authority, capsys):
    root = tmp_path / "kiosko"
    build_station(root, authority).close()

    assert cmd_import(_args("malas.csv", root)) == 1
    capsys.readouterr()
    assert _saved(root) == 0  # all-or-nothing: one bad row, nothing saved

    assert cmd_import(_args("malas.csv", root, mode="only_valid")) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["saved"]) == 2 and _saved(root) == 2
    assert all(folio.startswith("P100-A1-D0001-") for folio in report["saved"])

    assert cmd_import(_args("validas.csv", root)) == 0
    assert len(json.loads(capsys.readouterr().out)["saved"]) == 6 and _saved(root) == 8

    # the same file again: every clave is already in the vault (as a fingerprint) -> nothing
    assert cmd_import(_args("validas.csv", root)) == 1
    report = json.loads(capsys.readouterr().out)
    assert {p["code"] for p in report["problems"]} == {"csv_clave_vista"} and _saved(root) == 8

    station = open_station(root)
    try:
        fp = clave_fingerprint(station.fingerprint_key(), "P100", "DMTRGB78082912M810")
        assert station.clave_fingerprint("P100", "DMTRGB78082912M810") == fp
        assert station.clave_seen(fp)
    finally:
        station.close()
