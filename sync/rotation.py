"""Device-key rotation on the kiosk: the receiver must accept the new key before the file changes.
The old key stays as keys/device.key.old until the queue is empty (envelopes it sealed still verify)."""

from __future__ import annotations

import logging
from pathlib import Path

from nacl.signing import SigningKey

from kiosk.paths import write_private
from kiosk.station import Station
from sync.client import ReceiverClient
from sync.daemon import client_for

log = logging.getLogger(__name__)

MESSAGES = {
    "rotada": {"es": "Llave del dispositivo cambiada; la anterior se guarda hasta vaciar la cola.",
               "en": "Device key rotated; the old one is kept until the queue is empty."},
    "sin_enlace": {"es": "No se pudo hablar con el receptor; la llave no cambió.",
                   "en": "Could not reach the receiver; the key did not change."},
    "rechazada": {"es": "El receptor rechazó el cambio de llave ({reason}); la llave no cambió.",
                  "en": "The receiver refused the key change ({reason}); the key did not change."},
}


def old_key_path(station: Station) -> Path:
    return station.data.device_key.with_name("device.key.old")


def rotate_device_key(station: Station, client: ReceiverClient | None = None) -> SigningKey:
    """Generate a key, have the receiver accept it, then write it. Raises LinkError/Refused with
    nothing changed on disk or in memory."""
    new_key = SigningKey.generate()
    (client or client_for(station)).rotate_key(new_key)
    path = station.data.device_key
    write_private(old_key_path(station), path.read_bytes())
    write_private(path, bytes(new_key))
    station.device_key = new_key
    log.info("device key rotated for %s", station.device_id)
    return new_key


def drop_old_key_if_idle(station: Station) -> bool:
    """Remove keys/device.key.old once nothing is left in the queue; True when removed."""
    old = old_key_path(station)
    if old.exists() and not station.vault.pending():
        old.unlink()
        return True
    return False
