"""Receipt printers: the `ReceiptPrinter` contract, an ESC/POS backend writing to a character
device (e.g. /dev/usb/lp0) or file, and a simulated twin that keeps every receipt.

ESC/POS stream: ESC @ (init), ESC t 2 (code page 850), the lines encoded cp850 (characters
outside cp850 become "?"), a few blank feeds, then GS V 0 (full cut).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

from drivers.errors import UNPLUGGED, DeviceError, code_for_errno

log = logging.getLogger(__name__)

INIT = b"\x1b@"
CODEPAGE_850 = b"\x1bt\x02"
FEED = b"\n" * 4
CUT = b"\x1dV\x00"


@runtime_checkable
class ReceiptPrinter(Protocol):
    """Something that prints a short text receipt."""

    def print_receipt(self, lines: list[str]) -> None:
        """Print `lines` and cut the paper. Raises DeviceError."""
        ...

    def close(self) -> None:
        """Release the printer; safe to call twice."""
        ...


def escpos_bytes(lines: list[str]) -> bytes:
    """The ESC/POS byte stream for one receipt."""
    text = "".join(line + "\n" for line in lines).encode("cp850", errors="replace")
    return INIT + CODEPAGE_850 + text + FEED + CUT


class EscPosPrinter:
    """An ESC/POS printer reached through a character device or a plain file path. The device
    is opened per receipt, so a printer switched off between receipts is reported, not held."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise DeviceError("missing", f"{self.path} does not exist", device="printer")

    def print_receipt(self, lines: list[str]) -> None:
        data = escpos_bytes(lines)
        try:
            with open(self.path, "r+b" if self.path.is_char_device() else "ab", buffering=0) as out:
                written = out.write(data)
        except OSError as exc:
            raise DeviceError(code_for_errno(exc.errno), f"{self.path}: {exc.strerror}", device="printer") from None
        if written != len(data):
            raise DeviceError(UNPLUGGED, f"{self.path}: short write {written}/{len(data)}", device="printer")
        log.info("receipt printed on %s (%d bytes)", self.path, len(data))

    def close(self) -> None:
        """Nothing is held open between receipts."""


class SimulatedPrinter:
    """Keeps each receipt's text in `receipts`; with `path`, also appends it to that file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.receipts: list[str] = []

    def print_receipt(self, lines: list[str]) -> None:
        text = "\n".join(lines) + "\n"
        if self.path is not None:
            try:
                with open(self.path, "a", encoding="utf-8") as out:
                    out.write(text + "-" * 32 + "\n")
            except OSError as exc:
                raise DeviceError(code_for_errno(exc.errno), f"{self.path}: {exc.strerror}", device="printer") from None
        self.receipts.append(text)

    def close(self) -> None:
        """Nothing to release."""
