"""Trusted time: the receiver signs its time in every response; a kiosk whose system clock is
wrong gets "alta" confidence from one sync, and every header carries its captured_at confidence."""

from __future__ import annotations

import base64
import json
import time

import requests

from kiosk import sealing
from kiosk.clock import TrustedClock
from kiosk.errors import CaptureRefused
from sync.daemon import SyncDaemon

from tests.sync.helpers import small_apoyo


def test_every_response_carries_a_signed_time(provisioned) -> None:
    station, server, _receiver = provisioned
    for method, path in (("GET", "/healthz"), ("GET", "/v1/uploads/nada"), ("OPTIONS", "/v1/uploads"), ("POST", "/v1/enroll")):
        resp = requests.request(method, server.url + path, timeout=5)
        doc = json.loads(base64.b64decode(resp.headers["Apoyo-Time"]))
        body = sealing.verify_document(doc, station.authority_key, "time")
        assert abs(body["time"] - time.time()) < 5, (method, path)


def test_a_kiosk_with_a_wrong_clock_gets_alta_after_a_sync_and_headers_say_so(provisioned) -> None:
    station, _server, _receiver = provisioned
    station.vault.set_meta(TrustedClock.META_KEY, "")
    station.clock = TrustedClock(station.vault, system_time=lambda: 86_400.0)  # booted offline: 2 Jan 1970
    assert station.now().confidence == "baja"
    try:
        station.save_apoyo(small_apoyo(1), "A0001")
    except CaptureRefused as exc:
        assert exc.code == "period_closed"
    else:
        raise AssertionError("captured with a clock in 1970")

    summary = SyncDaemon(station).run_once()  # its signed requests are stale; it re-signs with the receiver's time
    assert summary.link_ok and not summary.errors
    reading = station.now()
    assert reading.confidence == "alta" and abs(reading.epoch - time.time()) < 5

    header = sealing.read_header(station.vault.get(station.save_apoyo(small_apoyo(2), "A0001").folio).envelope)
    assert header["clock_confidence"] == "alta"
    assert abs(time.time() - __import__("datetime").datetime.fromisoformat(header["captured_at"]).timestamp()) < 5


def test_after_a_reboot_offline_the_header_says_media(provisioned) -> None:
    station, _server, _receiver = provisioned
    station.clock = TrustedClock(station.vault, boot=lambda: "otro-arranque")
    header = sealing.read_header(station.vault.get(station.save_apoyo(small_apoyo(3), "A0001").folio).envelope)
    assert header["clock_confidence"] == "media"
