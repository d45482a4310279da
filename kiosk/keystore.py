"""The vault key on disk: 32 random bytes made once at provisioning, wrapped with the board's OTP
key where the Raspberry Pi has one (see kiosk/keywrap.py), in a root-only file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kiosk import keywrap

log = logging.getLogger(__name__)


def new_vault_key(path: Path) -> bytes:
    key = os.urandom(32)
    mode = keywrap.store_vault_key(path, key)
    log.info("vault key stored (%s) at %s", mode, path)
    return key


def load_vault_key(path: Path) -> bytes:
    return keywrap.load_vault_key(path)
