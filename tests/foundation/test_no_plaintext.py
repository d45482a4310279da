"""Nothing plaintext on disk: records carrying marker names and claves leave no trace of them in
any byte of any file under the data dir (vault, WAL, journals, temp files)."""

from __future__ import annotations

from pathlib import Path

from tests.foundation.records import apoyo, manual

MARKERS = ["ZQXWMARCADOR", "GOMZQX85010109H123"]  # a name marker and a clave de elector marker


def _scan(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                for variant in (needle, needle.lower(), needle.decode().encode("utf-16-le")):
                    if variant in data:
                        hits.append(f"{path.name}: {needle!r}")
    return hits


def test_markers_never_reach_the_disk(station) -> None:
    for i in range(5):
        station.save_apoyo(apoyo(MARKERS[0]), "A1")
    station.save_manual(manual("GOMZQX85010109H123", MARKERS[0]), "A1")
    # both while the WAL holds the pages and after a checkpoint wrote them to the main file
    assert _scan(station.data.root, [m.encode() for m in MARKERS]) == []
    station.vault.maintenance()
    assert _scan(station.data.root, [m.encode() for m in MARKERS]) == []
    files = {p.name for p in station.data.root.rglob("*") if p.is_file()}
    assert "vault.db" in files and "device.json" in files


def test_the_scan_would_find_a_plaintext_marker(tmp_path: Path) -> None:
    """The scanner itself works: a plaintext file with the marker is found."""
    (tmp_path / "leak.txt").write_bytes(b"..." + MARKERS[0].encode() + b"...")
    assert _scan(tmp_path, [MARKERS[0].encode()])
