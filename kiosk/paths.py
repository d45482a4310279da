"""Where a device keeps its files: one data dir (0700) with the vault, keys and device identity."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "/var/lib/apoyo-kiosk"


def resolve_data_dir(value: str | os.PathLike | None = None) -> Path:
    """--data-dir, else $APOYO_KIOSK_DATA, else /var/lib/apoyo-kiosk."""
    return Path(value or os.environ.get("APOYO_KIOSK_DATA") or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def vault(self) -> Path:
        return self.root / "vault.db"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def vault_key(self) -> Path:
        return self.keys / "vault.key"

    @property
    def device_key(self) -> Path:
        return self.keys / "device.key"

    @property
    def device_json(self) -> Path:
        return self.root / "device.json"

    @property
    def config_toml(self) -> Path:
        return self.root / "kiosk.toml"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self.keys.mkdir(exist_ok=True)
        os.chmod(self.keys, 0o700)


def write_private(path: Path, data: bytes) -> None:
    """Write a root-only file atomically: temp file 0600, fsync, rename, fsync the directory."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
