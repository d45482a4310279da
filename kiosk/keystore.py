"""The vault key on disk: 32 random bytes in a root-only file, made once at provisioning."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import VaultKeyError
from kiosk.paths import write_private


def new_vault_key(path: Path) -> bytes:
    key = os.urandom(32)
    write_private(path, key)
    return key


def load_vault_key(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except FileNotFoundError as exc:
        raise VaultKeyError("vault_key_missing", path=str(path)) from exc
    if len(key) != 32:
        raise VaultKeyError("vault_key_wrong")
    return key
