"""Enroll this device with a receiver: make the device key, enroll with a one-time token, write
the identity and a new vault, fetch the signed configuration. Never over existing data unless
forced, and never while records without acuse remain.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

from nacl.signing import SigningKey

from kiosk.errors import KioskError
from kiosk.paths import DataDir, resolve_data_dir, write_private
from kiosk.station import DeviceIdentity, Station, create_station, open_station
from sync.client import LinkError, ReceiverClient, Refused
from sync.daemon import SyncDaemon

ATTEMPTS = 5
log = logging.getLogger(__name__)


RECEIVER_CA = "receiver-ca.pem"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def provision(data_dir, receiver_url: str, token: str, *, municipio: str = "", lat: float | None = None,
              lon: float | None = None, force: bool = False, receiver_ca: str | None = None) -> Station:
    """`receiver_ca`: a PEM file (the OPL's CA bundle, or the receiver's certificate to pin) that
    the kiosk keeps and checks the receiver's TLS certificate against. Plain HTTP: loopback only."""
    data = DataDir(resolve_data_dir(data_dir))
    url = urlparse(receiver_url)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK):
        raise KioskError("receiver_insecure", url=receiver_url)
    ca_pem = Path(receiver_ca).read_bytes() if receiver_ca else None
    if data.device_json.exists():
        if not force:
            import json

            raise KioskError("already_provisioned", device_id=json.loads(data.device_json.read_text())["device_id"])
        _refuse_if_pending(data)
    device_key = SigningKey.generate()
    client = ReceiverClient(receiver_url, verify=receiver_ca or True)
    reply = _enroll(client, token, bytes(device_key.verify_key), municipio)
    identity = DeviceIdentity(
        device_id=reply["device_id"],
        receiver_url=receiver_url,
        authority_key=bytes.fromhex(reply["authority_key"]),
        sealing_key=bytes.fromhex(reply["sealing_key"]),
        municipio=municipio,
        lat=lat,
        lon=lon,
        receiver_ca=RECEIVER_CA if ca_pem else "",
    )
    if data.device_json.exists():  # forced: the old identity goes only once the new one is granted
        _refuse_if_pending(data)
        for path in (data.device_json, data.vault, data.vault_key, data.device_key, data.device_key.with_name("device.key.old")):
            path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            (data.root / ("vault.db" + suffix)).unlink(missing_ok=True)
    try:
        station = create_station(data.root, identity, device_key)
        if ca_pem:
            write_private(data.root / RECEIVER_CA, ca_pem)
    except Exception:
        shutil.rmtree(data.keys, ignore_errors=True)
        raise
    for attempt in range(ATTEMPTS):
        try:
            SyncDaemon(station).refresh_config()
            break
        except LinkError:  # the daemon fetches it later; the device is enrolled either way
            time.sleep(0.2 * (attempt + 1))
    return station


def _refuse_if_pending(data: DataDir) -> None:
    """Re-provisioning replaces the vault: only when every record has its acuse."""
    old = open_station(data.root)
    try:
        pending = old.records_without_acuse()
    finally:
        old.close()
    if pending:
        raise KioskError("pending_records", count=pending)


def _enroll(client: ReceiverClient, token: str, public_key: bytes, municipio: str) -> dict:
    """Enroll, retrying a lost answer: the receiver gives the same key the same device again."""
    for attempt in range(ATTEMPTS):
        try:
            return client.enroll(token, public_key, municipio)
        except Refused as exc:
            raise KioskError("enroll_refused", reason=exc.message) from exc
        except LinkError as exc:
            if attempt == ATTEMPTS - 1:
                log.warning("enrollment: no link to %s: %s", client.base_url, exc)
                raise KioskError("enroll_no_link", url=client.base_url) from exc
            time.sleep(0.2 * (attempt + 1))
    return {}
