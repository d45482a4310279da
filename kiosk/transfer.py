"""Sneakernet: export sealed envelopes to a folder (a USB stick) and apply the acuses that come
back the same way. Envelopes are sealed, so the stick carries nothing readable. The manifest is
signed by the device: the time of export (trusted clock) and the integrity of each envelope, so
the receiver judges the sending deadline by when the stick left the kiosk, not when it arrived."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk import sealing
from kiosk.errors import KioskError
from kiosk.station import Station


def export_envelopes(station: Station, dest: Path) -> int:
    if dest.exists() and not dest.is_dir():
        raise KioskError("usb_not_a_folder", path=str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    n = 0
    listed: list[dict] = []
    reading = station.clock.now()
    cursor = None
    while page := station.vault.pending_page(cursor, 200):  # one envelope in memory at a time
        cursor = (page[-1].created_at, page[-1].folio)
        for env in page:
            data = station.vault.envelope_bytes(env.folio)
            if data is None:
                continue
            path = dest / f"{env.folio}.apk"
            _write_atomic(path, data)
            listed.append({"folio": env.folio, "integrity": env.integrity})
            n += 1
    body = {"device_id": station.device_id, "exported_at": reading.epoch, "clock": reading.confidence, "envelopes": listed}
    _write_atomic(dest / "manifest.json", json.dumps(sealing.sign_document(body, "export", station.device_key,
                                                                           issued_at=reading.epoch)).encode())
    station.vault.audit("exported", {"count": n, "exported_at": reading.epoch, "clock": reading.confidence})
    return n


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def import_acuses(station: Station, src: Path) -> dict:
    """The acuses on the stick that came back from the OPL (`src/acuses`, or `src` itself),
    applied one by one. A folder that does not exist or holds no acuse is an error (a stick
    mounted elsewhere or a typo is no empty import)."""
    if not src.exists():
        raise KioskError("usb_folder_missing", path=str(src))
    if not src.is_dir():
        raise KioskError("usb_not_a_folder", path=str(src))
    result = {"applied": 0, "quarantined": 0, "invalid": []}
    folder = src / "acuses" if (src / "acuses").is_dir() else src
    paths = sorted(folder.glob("*.acuse.json"))
    if not paths:
        raise KioskError("usb_no_acuses", path=str(folder))
    for path in paths:
        try:
            state = station.apply_acuse(json.loads(path.read_text()))
        except (ValueError, sealing.InvalidSignature):
            result["invalid"].append(path.name)
            continue
        if state in ("deleted", "quarantined"):
            result["applied" if state == "deleted" else "quarantined"] += 1
        else:  # an acuse for other bytes under our folio: an incident, the record stays queued
            result["invalid"].append(path.name)
    return result
