"""A full SD card: the capture is refused before saving with a clear Spanish message, and what
was already saved is intact. Runs on a real, small tmpfs (the suite runs as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk import station as station_mod
from kiosk.errors import DiskFullError
from kiosk.station import open_station

from tests.conftest import build_station
from tests.foundation.records import apoyo


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "sd"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], capture_output=True, text=True)
    assert result.returncode == 0, f"this test needs root to mount a tmpfs: {result.stderr.strip()}"
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path, leave: int) -> Path:
    ballast = mount / "ballast"
    free = shutil.disk_usage(mount).free
    with open(ballast, "wb") as fh:
        fh.truncate(0)
        remaining = max(0, free - leave)
        block = b"\0" * (1 << 20)
        while remaining > 0:
            n = fh.write(block[: min(len(block), remaining)])
            remaining -= n
    return ballast


def test_low_space_refuses_before_saving_and_keeps_the_saved(small_disk: Path, authority) -> None:
    st = build_station(small_disk / "kiosko", authority)
    saved = [st.save_apoyo(apoyo(), "A1").folio for _ in range(3)]
    ballast = _fill(small_disk, leave=5 * 1024 * 1024)
    with pytest.raises(DiskFullError) as err:
        st.save_apoyo(apoyo(), "A1")
    assert "No hay espacio suficiente" in str(err.value)
    assert [e.folio for e in st.vault.pending()] == saved
    st.close()
    ballast.unlink()
    again = open_station(small_disk / "kiosko")
    assert [e.folio for e in again.vault.pending()] == saved
    assert again.save_apoyo(apoyo(), "A1").folio.endswith("-000004")
    again.close()


def test_a_write_that_hits_a_full_disk_is_refused_cleanly(small_disk: Path, authority, monkeypatch) -> None:
    """Even when the free-space check is passed (a race with another writer), SQLite's own
    'disk full' rolls back the transaction and surfaces as the same clear refusal."""
    st = build_station(small_disk / "kiosko", authority)
    saved = [st.save_apoyo(apoyo(), "A1").folio for _ in range(2)]
    monkeypatch.setattr(station_mod, "MIN_FREE_BYTES", 0)
    monkeypatch.setattr(station_mod.Station, "check_disk", lambda self, needed=0: None)
    _fill(small_disk, leave=0)
    with pytest.raises(DiskFullError):
        for _ in range(50):
            st.save_apoyo(apoyo(), "A1")
    st.close()
    for path in small_disk.glob("ballast"):
        os.unlink(path)
    again = open_station(small_disk / "kiosko")
    folios = [e.folio for e in again.vault.pending()]
    assert folios[: len(saved)] == saved
    assert again.vault.verify_audit()[0]
    again.close()


def test_a_bulk_import_that_fills_the_disk_keeps_none_of_its_rows(small_disk: Path, authority, monkeypatch) -> None:
    """`kiosk cedula import` saves its rows in one transaction: when the card fills up half-way
    (the free-space check passed, another writer raced it), none of the file's rows stay and what
    was saved before is intact."""
    from dataclasses import replace

    from kiosk.errors import BatchRefused
    from tests.foundation.records import manual

    st = build_station(small_disk / "kiosko", authority)
    saved = [st.save_apoyo(apoyo(), "A1").folio]
    monkeypatch.setattr(station_mod, "MIN_FREE_BYTES", 0)
    monkeypatch.setattr(station_mod.Station, "check_disk", lambda self, needed=0: None)
    _fill(small_disk, leave=3 * 1024 * 1024)
    rows = [replace(manual(f"GOMZQX8501{d:02d}09H123", n=d), page_image=os.urandom(400_000)) for d in range(1, 21)]
    with pytest.raises(BatchRefused) as refused:
        st.save_manual_all(rows, "A1")
    assert isinstance(refused.value.cause, DiskFullError) and refused.value.index > 0
    assert [e.folio for e in st.vault.pending()] == saved
    st.close()
    for path in small_disk.glob("ballast"):
        os.unlink(path)
    again = open_station(small_disk / "kiosko")
    assert [e.folio for e in again.vault.pending()] == saved
    assert again.vault.verify_audit()[0]
    assert again.save_manual_all(rows[:2], "A1")[0].endswith("-000002")
    again.close()
