"""Helpers for the sync tests: small synthetic apoyos (fictitious, MUESTRA) and raw HTTP bytes."""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path

from kiosk.domain import ApoyoRecord
from kiosk.station import Station
from sync.provision import provision


def small_apoyo(n: int, size: int = 600) -> ApoyoRecord:
    """A tiny record (a few hundred random bytes per image) so thousands seal quickly."""
    rng = random.Random(n)
    blob = lambda k: bytes(rng.getrandbits(8) for _ in range(k))  # noqa: E731
    return ApoyoRecord(
        credential_model="H",
        front_image=blob(size),
        back_image=blob(size),
        fields={"nombres": {"value": f"MUESTRA{n}", "source": "mrz", "verified": True}},
        original_presented=True,
        live_photo=blob(size // 2),
        signature_trajectory={"width": 10, "height": 5, "points": [[0, 1, 2, 3, 1]]},
        signature_png=blob(64),
    )


def new_device(root: Path, server, receiver, name: str = "kiosko") -> Station:
    from sync.demo import DEMO_PROCESS

    return provision(root / name, server.url, receiver.issue_token(DEMO_PROCESS), municipio="MUESTRA")


def raw_http(port: int, head: bytes, body: bytes = b"", *, close_after: int | None = None) -> bytes:
    """Send a request on a fresh socket; with `close_after`, only that many body bytes are sent
    and the socket is closed (a cut). Returns whatever came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head + (body if close_after is None else body[:close_after]))
        if close_after is not None:
            time.sleep(0.2)
            return b""
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out
