"""The receiver's keys: the Ed25519 authority key (signs acuses, config, time, certificates) and
the X25519 sealing keys (newest seals; all are kept so queued envelopes stay openable).

`serve` loads only public sealing keys; the private ones are read by the processing step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey

from kiosk.paths import write_private
from kiosk.sealing import key_id


@dataclass
class ReceiverKeys:
    root: Path
    authority: SigningKey
    sealing_public: PublicKey
    sealing_kid: str

    @classmethod
    def load_or_create(cls, root: Path) -> "ReceiverKeys":
        keys = root / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        os.chmod(keys, 0o700)
        auth_path = keys / "authority.key"
        if not auth_path.exists():
            write_private(auth_path, bytes(SigningKey.generate()))
        current = keys / "sealing.current"
        if not current.exists():
            rotate_sealing_key(root)
        kid = current.read_text().strip()
        public = PublicKey((keys / f"sealing-{kid}.pub").read_bytes())
        return cls(root, SigningKey(auth_path.read_bytes()), public, kid)

    def sealing_private_keys(self) -> dict[str, PrivateKey]:
        """Every sealing private key by id (old ones included): for the processing step only."""
        out = {}
        for path in sorted((self.root / "keys").glob("sealing-*.key")):
            kid = path.stem.removeprefix("sealing-")
            out[kid] = PrivateKey(path.read_bytes())
        return out


def rotate_sealing_key(root: Path) -> str:
    """Make a new sealing key the current one; older keys stay to open queued envelopes."""
    keys = root / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    private = PrivateKey.generate()
    kid = key_id(bytes(private.public_key))
    write_private(keys / f"sealing-{kid}.key", bytes(private))
    (keys / f"sealing-{kid}.pub").write_bytes(bytes(private.public_key))
    write_private(keys / "sealing.current", kid.encode())
    return kid
