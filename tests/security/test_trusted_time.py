"""Trusted-clock rollback (issue #15, attack 8): a fake receiver replays a genuine signed
`Apoyo-Time` from ten days ago. The kiosk sends a nonce with every request and believes only a time
signed for that nonce; and even a time signed for its nonce is refused (and logged) when it is
older than the last one accepted."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kiosk import sealing
from kiosk.clock import TrustedClock
from sync.daemon import SyncDaemon, client_for

TEN_DAYS = 10 * 86400


class FakeReceiver:
    """Answers every request 404 with the Apoyo-Time that `stamp(nonce)` gives."""

    def __init__(self, stamp) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = b'{"code": "x", "message": ""}'
                self.send_response(404)
                self.send_header("Apoyo-Time", fake.stamp(self.headers.get("Apoyo-Time-Nonce", "")))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PATCH = _answer

            def log_message(self, *args) -> None:
                pass

        self.stamp = stamp
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "FakeReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _signed_time(served, epoch: float, nonce: str) -> str:
    doc = sealing.sign_document({"time": epoch, "nonce": nonce}, "time", served.receiver.keys.authority, issued_at=epoch)
    return base64.b64encode(sealing.canonical_json(doc)).decode()


def _synced(kiosk) -> str:
    assert SyncDaemon(kiosk).run_once().link_ok
    reading = kiosk.now()
    assert reading.confidence == "alta" and abs(reading.epoch - time.time()) < 5
    return kiosk.vault.get_meta(TrustedClock.META_KEY)


def test_a_replayed_ten_day_old_signed_time_is_ignored(served, kiosk) -> None:
    before = _synced(kiosk)
    old = _signed_time(served, time.time() - TEN_DAYS, "nonce-de-otra-peticion")
    with FakeReceiver(lambda _nonce: old) as fake:
        assert client_for(kiosk, fake.url).acuse(kiosk.device_id) is None  # a 404 stamped with the replay
    assert kiosk.vault.get_meta(TrustedClock.META_KEY) == before
    reading = kiosk.now()
    assert reading.confidence == "alta" and abs(reading.epoch - time.time()) < 5


def test_a_signed_time_older_than_the_last_accepted_is_refused_and_logged(served, kiosk, caplog) -> None:
    before = _synced(kiosk)
    with FakeReceiver(lambda nonce: _signed_time(served, time.time() - TEN_DAYS, nonce)) as fake:
        with caplog.at_level(logging.WARNING, logger="kiosk.clock"):
            assert client_for(kiosk, fake.url).acuse(kiosk.device_id) is None
    assert kiosk.vault.get_meta(TrustedClock.META_KEY) == before
    assert any("rollback" in r.getMessage() for r in caplog.records)
    assert abs(kiosk.now().epoch - time.time()) < 5

    # A time a few seconds behind (two receivers behind a balancer) is within the tolerance.
    with FakeReceiver(lambda nonce: _signed_time(served, time.time() - 5, nonce)) as fake:
        assert client_for(kiosk, fake.url).acuse(kiosk.device_id) is None  # a 404 stamped with the replay
    state = json.loads(kiosk.vault.get_meta(TrustedClock.META_KEY))
    assert abs(state["server"] - (time.time() - 5)) < 3
