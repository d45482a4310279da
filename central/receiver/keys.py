"""The receiver's keys: the Ed25519 authority key (signs acuses, config, time, certificates) and
the X25519 sealing keys (newest seals; all are kept so queued envelopes stay openable).

`serve` loads only public sealing keys; the private ones are read by the processing step.
"""

from __future__ import annotations

import os
import time
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
        for path in keys.iterdir():  # files written 0644 by an older version
            if path.is_file() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        kid = current.read_text().strip()
        public = PublicKey((keys / f"sealing-{kid}.pub").read_bytes())
        return cls(root, SigningKey(auth_path.read_bytes()), public, kid)

    def sealing_key_ids(self) -> set[str]:
        """Ids of every sealing key this receiver holds (current and retained): an envelope
        sealed to any other key could never be opened, so it is not accepted."""
        return {p.stem.removeprefix("sealing-") for p in (self.root / "keys").glob("sealing-*.pub")}

    def sealing_private_keys(self) -> dict[str, PrivateKey]:
        """Every sealing private key by id (old ones included): for the processing step only."""
        out = {}
        for path in sorted((self.root / "keys").glob("sealing-*.key")):
            kid = path.stem.removeprefix("sealing-")
            out[kid] = PrivateKey(path.read_bytes())
        return out


    def person_key(self) -> bytes:
        """The secret that turns a clave de elector (or CIC, OCR) into the person tag used to find
        duplicate apoyos; made once, with the sealing keys, by whichever processing run is first."""
        return self.secret("person.key", "la llave de personas")

    def secret(self, name: str, what: str) -> bytes:
        """A 32-byte secret in keys/NAME, made (0600, fsynced) by whichever caller is first; a
        concurrent caller waits for the writer instead of reading a half-written file."""
        path = self.root / "keys" / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
                f.flush()
                os.fsync(f.fileno())
        for _ in range(50):  # another run may be writing it this very moment
            secret = path.read_bytes()
            if len(secret) == 32:
                return secret
            time.sleep(0.02)
        raise ValueError(f"{path}: {what} está dañada (se esperaban 32 bytes)")


def rotate_sealing_key(root: Path) -> str:
    """Make a new sealing key the current one; older keys stay to open queued envelopes."""
    keys = root / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    private = PrivateKey.generate()
    kid = key_id(bytes(private.public_key))
    write_private(keys / f"sealing-{kid}.key", bytes(private))
    write_private(keys / f"sealing-{kid}.pub", bytes(private.public_key))
    write_private(keys / "sealing.current", kid.encode())
    return kid
