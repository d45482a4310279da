"""Sneakernet through the real command lines: `kiosk export DIR` → `kiosk-receiver import DIR` →
`kiosk import-acuses DIR`, with the receiver's checks (altered files, bajas) applied on the way."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from kiosk.station import open_station
from sync.demo import DEMO_PROCESS

from tests.sync.helpers import small_apoyo


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, timeout=120)


def test_usb_round_trip_with_the_same_checks(tmp_path: Path, provisioned) -> None:
    station, _server, receiver = provisioned
    good = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(6)]
    before_baja = station.save_apoyo(small_apoyo(50), "A0002").folio
    time.sleep(0.05)
    receiver.baja_auxiliar(DEMO_PROCESS, "A0002", "renuncia")
    time.sleep(0.05)
    after_baja = station.save_apoyo(small_apoyo(51), "A0002").folio
    data_dir = station.data.root
    station.close()
    usb = tmp_path / "usb"

    out = _run("kiosk.cli", "--data-dir", str(data_dir), "export", str(usb))
    assert out.returncode == 0, out.stderr
    files = sorted(usb.glob("*.apk"))
    assert len(files) == 8
    tampered = usb / f"{good[0]}.apk"
    raw = bytearray(tampered.read_bytes())
    raw[-80] ^= 0x01  # one bit flipped on the stick
    tampered.write_bytes(bytes(raw))

    imported = _run("central.receiver.cli", "--data-dir", str(tmp_path / "receptor"), "import", str(usb))
    assert imported.returncode == 1, "a refused file makes the import exit non-zero"
    result = json.loads(imported.stdout)
    assert result["imported"] == 7
    assert [(r["file"], r["code"]) for r in result["refused"]] == [(tampered.name, "firma_invalida")]

    again = _run("central.receiver.cli", "--data-dir", str(tmp_path / "receptor"), "import", str(usb))
    assert json.loads(again.stdout)["imported"] == 7 and receiver.counts()["received"] == 7, "importing twice stores once"

    applied = _run("kiosk.cli", "--data-dir", str(data_dir), "import-acuses", str(usb))
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout) == {"applied": 6, "quarantined": 1, "invalid": []}

    station = open_station(data_dir)
    try:
        states = {f: station.vault.get(f).state for f in good + [before_baja, after_baja]}
        assert states[good[0]] in ("sealed", "uploading"), "the altered copy deleted nothing on the kiosk"
        assert all(states[f] == "deleted" for f in good[1:] + [before_baja])
        assert states[after_baja] == "quarantined"
        assert station.vault.get(after_baja).reason.startswith("auxiliar_baja:")
    finally:
        station.close()


def test_forged_acuses_on_the_stick_are_reported_and_delete_nothing(tmp_path: Path, provisioned) -> None:
    station, _server, _receiver = provisioned
    folio = station.save_apoyo(small_apoyo(1), "A0001").folio
    data_dir = station.data.root
    station.close()
    usb = tmp_path / "usb"
    (usb / "acuses").mkdir(parents=True)
    fake = {"v": 1, "purpose": "acuse", "body": json.dumps({"folio": folio, "integrity": "0" * 64, "verdict": "aceptado"}), "sig": "AAAA"}
    (usb / "acuses" / f"{folio}.acuse.json").write_text(json.dumps(fake))
    applied = _run("kiosk.cli", "--data-dir", str(data_dir), "import-acuses", str(usb))
    assert applied.returncode == 1
    assert json.loads(applied.stdout)["invalid"] == [f"{folio}.acuse.json"]
    station = open_station(data_dir)
    try:
        assert station.vault.get(folio).envelope is not None
    finally:
        station.close()


def test_a_mistyped_or_wrong_folder_is_refused_and_creates_nothing(tmp_path: Path, provisioned) -> None:
    """A stick mounted elsewhere, a typo, a file, or a folder that is no export: the import said
    «imported 0» with exit 0 (and made the missing folder, with an acuses/ folder in it)."""
    station, _server, _receiver = provisioned
    data_dir = station.data.root
    station.close()
    receptor = ["central.receiver.cli", "--data-dir", str(tmp_path / "receptor"), "import"]
    missing, a_file, empty = tmp_path / "media" / "USB", tmp_path / "nota.txt", tmp_path / "vacia"
    a_file.write_text("no es una memoria")
    empty.mkdir()
    for where, words in ((missing, "no existe"), (a_file, "no es una carpeta"), (empty, "no es una exportación de kiosko")):
        out = _run(*receptor, str(where))
        assert out.returncode == 1 and words in out.stderr and str(where) in out.stderr, out.stderr
        back = _run("kiosk.cli", "--data-dir", str(data_dir), "import-acuses", str(where))
        assert back.returncode == 1 and (words if where != empty else "No hay acuses") in back.stderr, back.stderr
    assert not missing.exists() and list(empty.iterdir()) == [], "nothing made where nothing was"
    out = _run("kiosk.cli", "--data-dir", str(data_dir), "export", str(a_file))
    assert out.returncode == 1 and "no es una carpeta" in out.stderr and "Errno" not in out.stderr, out.stderr
