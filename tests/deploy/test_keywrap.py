"""The vault key file wrapped with the board's OTP key: round trip, another board, plain fallback,
0600 and atomic replacement, and the real OTP reader driving `rpi-otp-private-key`/`vcmailbox`.
"""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kiosk import keywrap
from kiosk.errors import VaultKeyError
from kiosk.vault import Vault

OTHER_BOARD_ES = "Esta tarjeta SD pertenece a otro kiosko; la bóveda no se puede abrir en este equipo."


def board(seed: int) -> keywrap.OtpReader:
    """A simulated Raspberry Pi: a fixed, distinct 32-byte OTP key per seed."""
    otp = bytes((seed * 37 + i * 11 + 1) % 256 for i in range(32))
    return lambda: otp


def no_otp() -> None:
    return None


def zero_otp() -> bytes:
    return bytes(32)


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "vault.key"


def test_round_trip_on_the_same_board(key_path: Path) -> None:
    key = os.urandom(32)
    assert keywrap.store_vault_key(key_path, key, otp_reader=board(1)) == "otp-wrapped"
    blob = key_path.read_bytes()
    assert key not in blob, "the wrapped file must not hold the key in clear"
    assert blob[:4] == b"AKVK" and blob[4] == 1 and blob[5:6] == b"O"
    assert keywrap.vault_key_mode(key_path) == "otp-wrapped"
    assert keywrap.load_vault_key(key_path, otp_reader=board(1)) == key


def test_each_store_uses_a_fresh_nonce(key_path: Path, tmp_path: Path) -> None:
    key = os.urandom(32)
    keywrap.store_vault_key(key_path, key, otp_reader=board(1))
    first = key_path.read_bytes()
    keywrap.store_vault_key(key_path, key, otp_reader=board(1))
    assert key_path.read_bytes() != first
    assert keywrap.load_vault_key(key_path, otp_reader=board(1)) == key


def test_other_board_gets_the_spanish_error_and_the_file_is_untouched(key_path: Path) -> None:
    key = os.urandom(32)
    keywrap.store_vault_key(key_path, key, otp_reader=board(1))
    before = key_path.read_bytes()
    mtime = key_path.stat().st_mtime_ns
    with pytest.raises(VaultKeyError) as caught:
        keywrap.load_vault_key(key_path, otp_reader=board(2))
    assert str(caught.value) == OTHER_BOARD_ES
    assert "another kiosk" in caught.value.message("en")
    assert key_path.read_bytes() == before
    assert key_path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["vault.key"]
    assert keywrap.load_vault_key(key_path, otp_reader=board(1)) == key


def test_wrapped_file_on_a_board_without_otp_is_refused_not_rewritten(key_path: Path) -> None:
    keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=board(1))
    before = key_path.read_bytes()
    for reader in (no_otp, zero_otp):
        with pytest.raises(VaultKeyError) as caught:
            keywrap.load_vault_key(key_path, otp_reader=reader)
        assert caught.value.code == "vault_key_no_otp"
        assert "rpi-otp-private-key" in str(caught.value)
    assert key_path.read_bytes() == before


@pytest.mark.parametrize("reader", [no_otp, zero_otp], ids=["sin-otp", "otp-en-ceros"])
def test_plain_fallback_warns_and_round_trips(key_path: Path, reader, caplog) -> None:
    key = os.urandom(32)
    with caplog.at_level(logging.WARNING, logger="kiosk.keywrap"):
        assert keywrap.store_vault_key(key_path, key, otp_reader=reader) == "plain"
    assert any("SIN envolver" in r.getMessage() for r in caplog.records)
    blob = key_path.read_bytes()
    assert blob[5:6] == b"P" and len(blob) == 6 + 32 + 16
    assert keywrap.vault_key_mode(key_path) == "plain"
    assert keywrap.load_vault_key(key_path, otp_reader=reader) == key
    # A plain file opens on any board: that is exactly what plain mode does not protect against.
    assert keywrap.load_vault_key(key_path, otp_reader=board(7)) == key


def test_plain_file_on_a_board_with_otp_loads_and_suggests_wrapping(key_path: Path, caplog) -> None:
    key = os.urandom(32)
    keywrap.store_vault_key(key_path, key, otp_reader=no_otp)
    with caplog.at_level(logging.WARNING, logger="kiosk.keywrap"):
        assert keywrap.load_vault_key(key_path, otp_reader=board(3)) == key
    assert any("sin envolver" in r.getMessage() for r in caplog.records)
    assert keywrap.store_vault_key(key_path, key, otp_reader=board(3)) == "otp-wrapped"
    assert keywrap.load_vault_key(key_path, otp_reader=board(3)) == key


def test_bare_32_byte_legacy_file_reads_as_plain(key_path: Path) -> None:
    key = os.urandom(32)
    key_path.parent.mkdir(parents=True)
    key_path.write_bytes(key)
    assert keywrap.vault_key_mode(key_path) == "plain"
    assert keywrap.load_vault_key(key_path, otp_reader=no_otp) == key


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],
        lambda b: b[:6] + bytes([b[6] ^ 1]) + b[7:],
        lambda b: b"XXXX" + b[4:],
        lambda b: b[:4] + b"\x02" + b[5:],
        lambda b: b[:5] + b"Z" + b[6:],
        lambda b: b"",
    ],
    ids=["truncado", "bit-cambiado", "otra-marca", "otra-version", "otro-modo", "vacio"],
)
def test_damaged_plain_file_is_reported_not_trusted(key_path: Path, damage) -> None:
    keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=no_otp)
    key_path.write_bytes(damage(key_path.read_bytes()))
    with pytest.raises(VaultKeyError) as caught:
        keywrap.load_vault_key(key_path, otp_reader=no_otp)
    assert caught.value.code == "vault_key_corrupt"
    assert str(key_path) in str(caught.value)


def test_tampered_wrapped_file_looks_like_another_board(key_path: Path) -> None:
    keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=board(1))
    blob = bytearray(key_path.read_bytes())
    blob[-1] ^= 0x80
    key_path.write_bytes(bytes(blob))
    with pytest.raises(VaultKeyError):
        keywrap.load_vault_key(key_path, otp_reader=board(1))


def test_header_is_bound_to_the_wrapped_key(key_path: Path) -> None:
    """Flipping the mode byte of a wrapped file must not make it parse as something else."""
    keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=board(1))
    blob = key_path.read_bytes()
    key_path.write_bytes(blob[:5] + b"P" + blob[6:])
    with pytest.raises(VaultKeyError):
        keywrap.load_vault_key(key_path, otp_reader=board(1))


def test_missing_file_is_a_clear_error(key_path: Path) -> None:
    with pytest.raises(VaultKeyError) as caught:
        keywrap.load_vault_key(key_path, otp_reader=board(1))
    assert str(key_path) in str(caught.value)


def test_wrong_key_length_is_refused_before_touching_the_file(key_path: Path) -> None:
    key = os.urandom(32)
    keywrap.store_vault_key(key_path, key, otp_reader=board(1))
    before = key_path.read_bytes()
    with pytest.raises(ValueError):
        keywrap.store_vault_key(key_path, b"short", otp_reader=board(1))
    assert key_path.read_bytes() == before


def test_file_is_0600_whatever_the_umask(key_path: Path) -> None:
    old = os.umask(0)
    try:
        keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=board(1))
        mode_wrapped = stat.S_IMODE(key_path.stat().st_mode)
        keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=no_otp)
        mode_plain = stat.S_IMODE(key_path.stat().st_mode)
    finally:
        os.umask(old)
    assert mode_wrapped == 0o600 and mode_plain == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700


def test_replacing_the_key_leaves_no_temporary_files(key_path: Path) -> None:
    for _ in range(5):
        keywrap.store_vault_key(key_path, os.urandom(32), otp_reader=board(1))
    assert [p.name for p in key_path.parent.iterdir()] == ["vault.key"]


WRITER = textwrap.dedent(
    """
    import os, sys
    from kiosk import keywrap
    otp = bytes.fromhex(sys.argv[2])
    keys = [bytes([i]) * 32 for i in range(4)]
    i = 0
    while True:
        keywrap.store_vault_key(sys.argv[1], keys[i % 4], otp_reader=lambda: otp)
        i += 1
    """
)


def test_write_is_atomic_even_when_the_writer_is_killed(key_path: Path) -> None:
    """A process rewriting the key in a loop is SIGKILLed at random moments: every read in
    between and after finds one whole valid key, never a torn or empty file."""
    otp = board(5)()
    valid = {bytes([i]) * 32 for i in range(4)}
    keywrap.store_vault_key(key_path, bytes(32), otp_reader=lambda: otp)
    valid.add(bytes(32))
    reads = 0
    for round_ in range(4):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(key_path), otp.hex()])
        deadline = time.monotonic() + 0.6 + 0.15 * round_
        while time.monotonic() < deadline:
            assert keywrap.load_vault_key(key_path, otp_reader=lambda: otp) in valid
            reads += 1
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert keywrap.load_vault_key(key_path, otp_reader=lambda: otp) in valid
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert reads > 50


def test_vault_opens_only_on_its_own_board(tmp_path: Path, key_path: Path) -> None:
    """End to end with the real SQLCipher vault: the key file travels with the SD card."""
    key = os.urandom(32)
    keywrap.store_vault_key(key_path, key, otp_reader=board(1))
    vault = Vault.create(tmp_path / "vault.db", keywrap.load_vault_key(key_path, otp_reader=board(1)))
    vault.close()
    with pytest.raises(VaultKeyError) as caught:
        Vault.open(tmp_path / "vault.db", keywrap.load_vault_key(key_path, otp_reader=board(2)))
    assert str(caught.value) == OTHER_BOARD_ES
    reopened = Vault.open(tmp_path / "vault.db", keywrap.load_vault_key(key_path, otp_reader=board(1)))
    reopened.close()


# --- the real reader, with the Raspberry Pi tools replaced by scripts that print what they print


def fake_tool(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def pi_path(tmp_path: Path, monkeypatch) -> Path:
    tools = tmp_path / "bin"
    tools.mkdir()
    monkeypatch.setenv("PATH", f"{tools}:/usr/bin:/bin")
    return tools


OTP_HEX = "7d0f3c2a9b8e1f4c5d6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a"


def test_reader_parses_rpi_otp_private_key_hex(pi_path: Path) -> None:
    fake_tool(pi_path, "rpi-otp-private-key", f'[ "$#" -eq 0 ] || exit 2\necho {OTP_HEX}')
    assert keywrap.read_otp_key() == bytes.fromhex(OTP_HEX)


def test_reader_falls_back_to_vcmailbox(pi_path: Path) -> None:
    words = " ".join(f"0x{OTP_HEX[i:i + 8]}" for i in range(0, 64, 8))
    fake_tool(pi_path, "rpi-otp-private-key", 'echo "Error: No Raspberry Pi board info found" >&2\nexit 1')
    fake_tool(
        pi_path,
        "vcmailbox",
        '[ "$1" = 0x00030081 ] || exit 2\n'
        f'echo "0x00000040 0x80000000 0x00030081 0x00000028 0x80000028 0x00000000 0x00000008 {words} 0x00000000"',
    )
    assert keywrap.read_otp_key() == bytes.fromhex(OTP_HEX)


def test_reader_refuses_a_failed_mailbox_reply(pi_path: Path) -> None:
    fake_tool(pi_path, "vcmailbox", 'echo "0x00000040 0x80000001 0x00030081 0x00000028 0x00000028 0 8 1 2 3 4 5 6 7 8 0"')
    assert keywrap.read_otp_key() is None


def test_reader_returns_none_without_the_tools(pi_path: Path) -> None:
    assert keywrap.read_otp_key() is None
    assert keywrap.otp_available() is False


def test_otp_available_only_for_a_programmed_key() -> None:
    assert keywrap.otp_available(board(1)) is True
    assert keywrap.otp_available(zero_otp) is False
    assert keywrap.otp_available(no_otp) is False


def test_unprogrammed_board_stores_plain_through_the_real_reader(pi_path: Path, key_path: Path) -> None:
    fake_tool(pi_path, "rpi-otp-private-key", "echo " + "0" * 64)
    key = os.urandom(32)
    assert keywrap.store_vault_key(key_path, key) == "plain"
    assert keywrap.load_vault_key(key_path) == key


def test_two_boards_through_the_real_reader(pi_path: Path, key_path: Path) -> None:
    fake_tool(pi_path, "rpi-otp-private-key", f"echo {OTP_HEX}")
    key = os.urandom(32)
    assert keywrap.store_vault_key(key_path, key) == "otp-wrapped"
    assert keywrap.load_vault_key(key_path) == key
    other = OTP_HEX[::-1]
    fake_tool(pi_path, "rpi-otp-private-key", f"echo {other}")
    with pytest.raises(VaultKeyError, match="pertenece a otro kiosko"):
        keywrap.load_vault_key(key_path)
