"""USB export judged by its signed export time (issue 19): a stick exported before the sending
deadline and imported after it is still on time; without a valid device signature, or with a
clock the kiosk itself did not trust, the envelopes are judged when they arrive."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from central.receiver import admin
from kiosk import sealing
from kiosk.transfer import export_envelopes
from sync.protocol import acuse_body

from tests.sync.helpers import small_apoyo

LATE = timedelta(days=62).total_seconds()  # the demo period ends in 60 days; grace is 24 h


def _export(station, usb: Path, n: int = 3) -> list[str]:
    folios = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(n)]
    assert export_envelopes(station, usb) == n
    return folios


def _import_late(receiver, usb: Path) -> dict:
    real = receiver.clock
    receiver.clock = lambda: real() + LATE  # the stick reached the office two days after the grace
    try:
        result = admin.import_dir(receiver, usb)
    finally:
        receiver.clock = real
    result["verdicts"] = sorted(
        (acuse_body(json.loads(p.read_text()))["verdict"], acuse_body(json.loads(p.read_text())).get("reason", ""))
        for p in (usb / "acuses").glob("*.acuse.json"))
    return result


def test_a_stick_exported_in_time_is_on_time_whenever_it_arrives(tmp_path, provisioned) -> None:
    station, _server, receiver = provisioned
    _export(station, tmp_path / "usb")
    manifest = json.loads((tmp_path / "usb" / "manifest.json").read_text())
    body = sealing.verify_document(manifest, station.device_key.verify_key, "export")
    assert body["clock"] == "alta" and len(body["envelopes"]) == 3
    result = _import_late(receiver, tmp_path / "usb")
    assert result["imported"] == 3 and result["exported_at"] == pytest.approx(body["exported_at"])
    assert [v for v, _ in result["verdicts"]] == ["aceptado"] * 3


@pytest.mark.parametrize("spoil", ["missing", "altered", "untrusted_clock"])
def test_without_a_trusted_signed_time_the_arrival_decides(tmp_path, provisioned, spoil) -> None:
    station, _server, receiver = provisioned
    usb = tmp_path / "usb"
    _export(station, usb)
    manifest = usb / "manifest.json"
    doc = json.loads(manifest.read_text())
    if spoil == "missing":
        manifest.unlink()
    elif spoil == "altered":  # someone moves the export time on the stick
        body = json.loads(doc["body"])
        body["exported_at"] -= 3600
        manifest.write_text(json.dumps(dict(doc, body=sealing.canonical_json(body).decode())))
    else:
        body = {k: v for k, v in json.loads(doc["body"]).items() if k not in ("purpose", "issued_at")}
        manifest.write_text(json.dumps(sealing.sign_document(dict(body, clock="baja"), "export", station.device_key)))
    result = _import_late(receiver, usb)
    assert result["exported_at"] is None
    assert {v for v, _ in result["verdicts"]} == {"rechazado"}
    assert all("plazo" in reason for _, reason in result["verdicts"]), result["verdicts"]
