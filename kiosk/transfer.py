"""Sneakernet: export sealed envelopes to a folder (a USB stick) and apply the acuses that come
back the same way. Envelopes are sealed, so the stick carries nothing readable."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk import sealing
from kiosk.station import Station


def export_envelopes(station: Station, dest: Path) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    n = 0
    cursor = None
    while page := station.vault.pending_page(cursor, 200):  # one envelope in memory at a time
        cursor = (page[-1].created_at, page[-1].folio)
        for env in page:
            data = station.vault.envelope_bytes(env.folio)
            if data is None:
                continue
            path = dest / f"{env.folio}.apk"
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            n += 1
    (dest / "manifest.json").write_text(json.dumps({"device_id": station.device_id, "envelopes": n}))
    station.vault.audit("exported", {"count": n})
    return n


def import_acuses(station: Station, src: Path) -> dict:
    result = {"applied": 0, "quarantined": 0, "invalid": []}
    folder = src / "acuses" if (src / "acuses").is_dir() else src
    for path in sorted(folder.glob("*.acuse.json")):
        try:
            state = station.apply_acuse(json.loads(path.read_text()))
        except (ValueError, sealing.InvalidSignature):
            result["invalid"].append(path.name)
            continue
        result["applied" if state == "deleted" else "quarantined"] += 1
    return result
