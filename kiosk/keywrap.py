"""The vault key file: the 32-byte vault key, wrapped with the Raspberry Pi's device-unique OTP
key when the board has one (an SD card moved to another board opens nothing), plain otherwise.

File format (version 1), always 0600 and replaced atomically:
    b"AKVK" | version 0x01 | mode | body
    mode b"O" (otp-wrapped): body = 24-byte nonce + XChaCha20-Poly1305(vault key), the key-
        encryption key being BLAKE2b(OTP key, context) and the 6-byte header the associated data.
    mode b"P" (plain): body = vault key + 16-byte BLAKE2b checksum of header and key.
A bare 32-byte file (written before this format) is read as plain.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Literal, Optional

import nacl.exceptions
import nacl.hash
import nacl.secret
import nacl.utils
from nacl.encoding import RawEncoder

from kiosk.errors import VaultKeyError
from kiosk.messages import text as core_text

log = logging.getLogger(__name__)

OtpReader = Callable[[], Optional[bytes]]
Mode = Literal["otp-wrapped", "plain"]

MAGIC = b"AKVK"
VERSION = 1
MODE_OTP = b"O"
MODE_PLAIN = b"P"
KEY_SIZE = 32
_HEADER_SIZE = len(MAGIC) + 2
_CHECKSUM_SIZE = 16
_KEK_PERSON = b"apoyo-vault-kek1"  # BLAKE2b personalization: exactly 16 bytes
_KEK_CONTEXT = b"apoyo-kiosk: key-encryption key for the vault key file"
_OTP_TIMEOUT_S = 10

MESSAGES: dict[str, dict[str, str]] = {
    "vault_key_other_board": {
        "es": "Esta tarjeta SD pertenece a otro kiosko; la bóveda no se puede abrir en este equipo.",
        "en": "This SD card belongs to another kiosk; the vault cannot be opened on this device.",
    },
    "vault_key_no_otp": {
        "es": "La llave de la bóveda está protegida con la llave de la placa, pero este equipo no la puede leer (rpi-otp-private-key). No se modificó nada; avise al personal técnico.",
        "en": "The vault key is protected with the board key, but this device cannot read it (rpi-otp-private-key). Nothing was changed; call a technician.",
    },
    "vault_key_corrupt": {
        "es": "El archivo de la llave de la bóveda ({path}) está dañado o no es de este programa. No se modificó nada; avise al personal técnico.",
        "en": "The vault key file ({path}) is damaged or not ours. Nothing was changed; call a technician.",
    },
}


def _text(code: str, lang: str | None = None, **params: object) -> str:
    entry = MESSAGES.get(code)
    if entry is None:
        return core_text(code, lang=lang, **params)
    language = lang or ("en" if os.environ.get("APOYO_KIOSK_LANG", "es").startswith("en") else "es")
    return entry.get(language, entry["es"]).format(**params)


class VaultKeyFileError(VaultKeyError):
    """The vault key file cannot give the key on this board; the file is left as it was."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        Exception.__init__(self, _text(code, **params))

    def message(self, lang: str = "es") -> str:
        return _text(self.code, lang=lang, **self.params)


def read_otp_key() -> Optional[bytes]:
    """The board's device-unique OTP private key, or None where there is none to read.

    Tries `rpi-otp-private-key` (hex on stdout), then the firmware mailbox via `vcmailbox`.
    All zeros (never programmed) is returned as is; callers treat it as absent.
    """
    tool = shutil.which("rpi-otp-private-key")
    if tool is not None:
        out = _run([tool])
        if out is not None:
            key = _parse_hex_key(out)
            if key is not None:
                return key
    mailbox = shutil.which("vcmailbox")
    if mailbox is not None:
        # Tag 0x00030081 reads the private key rows: buffer 8+32 bytes, offset 0, 8 rows.
        out = _run([mailbox, "0x00030081", "40", "40", "0", "8"] + ["0"] * 8)
        if out is not None:
            return _parse_mailbox(out)
    return None


def _run(argv: list[str]) -> Optional[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_OTP_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("no se pudo ejecutar %s: %s", argv[0], exc)
        return None
    if done.returncode != 0:
        log.info("%s terminó con %d: %s", argv[0], done.returncode, done.stderr.strip()[:200])
        return None
    return done.stdout


def _parse_hex_key(out: str) -> Optional[bytes]:
    tokens = out.split()
    digits = re.sub(r"[^0-9a-fA-F]", "", tokens[0]) if tokens else ""
    if len(digits) not in (64, 128):
        return None
    return bytes.fromhex(digits)


def _parse_mailbox(out: str) -> Optional[bytes]:
    words = out.split()
    # Reply: buffer size, status (0x80000000 = done), tag, sizes, offset, count, the 8 key words.
    rows = words[7:15]
    if len(rows) != 8 or words[1].lower() != "0x80000000":
        return None
    try:
        return b"".join(int(word, 16).to_bytes(4, "big") for word in rows)
    except ValueError:
        return None


def _usable(otp_key: Optional[bytes]) -> bool:
    return otp_key is not None and 16 <= len(otp_key) <= 64 and any(otp_key)


def otp_available(otp_reader: OtpReader = read_otp_key) -> bool:
    """True when this board has a programmed OTP key to wrap the vault key with."""
    return _usable(otp_reader())


def _kek(otp_key: bytes) -> bytes:
    return nacl.hash.blake2b(
        _KEK_CONTEXT, digest_size=KEY_SIZE, key=otp_key, person=_KEK_PERSON, encoder=RawEncoder
    )


def _header(mode: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + mode


def _checksum(data: bytes) -> bytes:
    return nacl.hash.blake2b(data, digest_size=_CHECKSUM_SIZE, encoder=RawEncoder)


def wrap(key: bytes, otp_key: Optional[bytes]) -> bytes:
    """The file contents for `key`: otp-wrapped when `otp_key` is usable, plain otherwise."""
    if len(key) != KEY_SIZE:
        raise ValueError("vault key must be 32 bytes")
    if _usable(otp_key):
        header = _header(MODE_OTP)
        nonce = nacl.utils.random(nacl.secret.Aead.NONCE_SIZE)
        sealed = nacl.secret.Aead(_kek(otp_key)).encrypt(key, header, nonce)
        return header + bytes(sealed)
    header = _header(MODE_PLAIN)
    return header + key + _checksum(header + key)


def unwrap(blob: bytes, otp_key: Optional[bytes], *, path: str = "") -> bytes:
    """The vault key inside file contents `blob`; VaultKeyFileError when this board cannot open it."""
    if len(blob) == KEY_SIZE:
        return bytes(blob)
    mode = file_mode(blob, path=path)
    header, body = blob[:_HEADER_SIZE], blob[_HEADER_SIZE:]
    if mode == "plain":
        key, checksum = body[:KEY_SIZE], body[KEY_SIZE:]
        if len(body) != KEY_SIZE + _CHECKSUM_SIZE or checksum != _checksum(header + key):
            raise VaultKeyFileError("vault_key_corrupt", path=path)
        return key
    if len(body) != nacl.secret.Aead.NONCE_SIZE + KEY_SIZE + nacl.secret.Aead.MACBYTES:
        raise VaultKeyFileError("vault_key_corrupt", path=path)
    if not _usable(otp_key):
        raise VaultKeyFileError("vault_key_no_otp")
    try:
        return nacl.secret.Aead(_kek(otp_key)).decrypt(body, header)
    except nacl.exceptions.CryptoError:
        raise VaultKeyFileError("vault_key_other_board") from None


def file_mode(blob: bytes, *, path: str = "") -> Mode:
    """'otp-wrapped' or 'plain', from the header; a bare 32-byte legacy file is 'plain'."""
    if len(blob) == KEY_SIZE:
        return "plain"
    if len(blob) < _HEADER_SIZE or blob[: len(MAGIC)] != MAGIC or blob[len(MAGIC)] != VERSION:
        raise VaultKeyFileError("vault_key_corrupt", path=path)
    mode = blob[len(MAGIC) + 1 : _HEADER_SIZE]
    if mode == MODE_OTP:
        return "otp-wrapped"
    if mode == MODE_PLAIN:
        return "plain"
    raise VaultKeyFileError("vault_key_corrupt", path=path)


def vault_key_mode(path: str | os.PathLike) -> Mode:
    """How the key file at `path` is kept (for `kiosk doctor`); VaultKeyFileError if unreadable."""
    path = Path(path)
    try:
        return file_mode(path.read_bytes(), path=str(path))
    except FileNotFoundError:
        raise VaultKeyFileError("vault_key_missing", path=str(path)) from None


def load_vault_key(path: str | os.PathLike, *, otp_reader: OtpReader = read_otp_key) -> bytes:
    """The 32-byte vault key from `path`. Never writes: a file this board cannot open stays intact."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise VaultKeyFileError("vault_key_missing", path=str(path)) from None
    if len(blob) != KEY_SIZE and file_mode(blob, path=str(path)) == "otp-wrapped":
        return unwrap(blob, otp_reader(), path=str(path))
    if _usable(otp_reader()):
        log.warning(
            "la llave de la bóveda %s está sin envolver aunque la placa tiene llave OTP; "
            "guárdela de nuevo (store_vault_key) para atarla a esta placa",
            path,
        )
    return unwrap(blob, None, path=str(path))


def store_vault_key(path: str | os.PathLike, key: bytes, *, otp_reader: OtpReader = read_otp_key) -> Mode:
    """Write `key` to `path` (0600, atomically), wrapped with the OTP key when the board has one."""
    path = Path(path)
    otp_key = otp_reader()
    blob = wrap(key, otp_key)
    if unwrap(blob, otp_key, path=str(path)) != key:
        raise VaultKeyFileError("vault_key_corrupt", path=str(path))
    mode = file_mode(blob)
    if mode == "plain":
        log.warning(
            "esta placa no tiene llave OTP programada (rpi-otp-private-key): la llave de la bóveda "
            "se guarda SIN envolver en %s; quien copie la tarjeta SD completa puede abrir la bóveda",
            path,
        )
    else:
        log.info("llave de la bóveda guardada envuelta con la llave OTP de la placa en %s", path)
    _write_atomic(path, blob)
    return mode


def _write_atomic(path: Path, data: bytes) -> None:
    """Temp file 0600 in the same directory, fsync, rename over `path`, fsync the directory."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
