"""Receipt printer driver: the ESC/POS bytes on a real file used as the device, the errors for a
missing or vanished device, the [printer] config section, and the receipt text's contents."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drivers.errors import DeviceError
from drivers.printer import EscPosPrinter, SimulatedPrinter, escpos_bytes
from kiosk import devices
from kiosk.receipt import WIDTH, receipt_lines

INTEGRITY = "a3f1" * 16  # 64 hex characters, like a SHA-256


def test_escpos_writes_init_codepage_text_and_cut(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    printer = EscPosPrinter(device)
    printer.print_receipt(["Folio: P100-A1", "Código"])
    printer.close()
    data = device.read_bytes()
    assert data.startswith(b"\x1b@\x1bt\x02Folio: P100-A1\n")
    assert "Código\n".encode("cp850") in data and b"\xa2" in data  # ó in code page 850
    assert data.endswith(b"\x1dV\x00")
    assert data == escpos_bytes(["Folio: P100-A1", "Código"])


def test_escpos_appends_one_stream_per_receipt(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printer = EscPosPrinter(device)
    printer.print_receipt(["uno"])
    printer.print_receipt(["dos"])
    assert device.read_bytes().count(b"\x1dV\x00") == 2


def test_missing_device_is_reported_in_spanish(tmp_path: Path) -> None:
    with pytest.raises(DeviceError) as caught:
        EscPosPrinter(tmp_path / "no-such-lp0")
    assert caught.value.code == "missing" and caught.value.device == "printer"
    assert devices.device_message(caught.value) == (
        "No se encontró la impresora de comprobantes. Avise al personal técnico.")


def test_device_that_goes_away_raises_missing(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "lp0").touch()
    printer = EscPosPrinter(folder / "lp0")
    (folder / "lp0").unlink()
    folder.rmdir()
    with pytest.raises(DeviceError) as caught:
        printer.print_receipt(["x"])
    assert caught.value.code == "missing"


def test_simulated_printer_keeps_and_appends(tmp_path: Path) -> None:
    memory = SimulatedPrinter()
    memory.print_receipt(["a", "b"])
    assert memory.receipts == ["a\nb\n"]
    on_file = SimulatedPrinter(tmp_path / "recibos.txt")
    on_file.print_receipt(["Folio: X"])
    assert "Folio: X" in (tmp_path / "recibos.txt").read_text(encoding="utf-8")


def test_printer_section_and_open_printer(tmp_path: Path) -> None:
    assert devices.open_printer(devices.load_config(tmp_path)) is None  # default: none
    lp0 = tmp_path / "lp0"
    lp0.touch()
    (tmp_path / "kiosk.toml").write_text(f'[printer]\nbackend = "escpos"\ndevice = "{lp0}"\n')
    cfg = devices.load_config(tmp_path, path=tmp_path / "kiosk.toml")
    assert cfg.printer == devices.PrinterConfig(backend="escpos", device=str(lp0))
    assert isinstance(devices.open_printer(cfg), EscPosPrinter)
    assert isinstance(devices.open_printer(replace(cfg, simulated=True)), SimulatedPrinter)
    missing = replace(cfg, printer=devices.PrinterConfig(backend="escpos", device=str(tmp_path / "nada")))
    with pytest.raises(DeviceError):
        devices.open_printer(missing)
    (tmp_path / "kiosk.toml").write_text('[printer]\nbackend = "laser"\n')
    with pytest.raises(devices.ConfigError, match="printer.backend"):
        devices.load_config(tmp_path, path=tmp_path / "kiosk.toml")


def test_example_config_parses_with_printer(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text(devices.EXAMPLE_CONFIG)
    assert devices.load_config(tmp_path, path=tmp_path / "kiosk.toml").printer.backend == "none"


def test_receipt_has_folio_process_date_and_short_code_only() -> None:
    lines = receipt_lines("P100-A1-D0001-000001", INTEGRITY, "Candidatura independiente a la gubernatura",
                          "22/11/2026 08:40")
    text = "\n".join(lines)
    assert "P100-A1-D0001-000001" in text and "22/11/2026 08:40" in text
    assert f"{INTEGRITY[:16]}...{INTEGRITY[-16:]}" in text and INTEGRITY not in text
    assert "sellado" in text and "OPL" in text
    assert all(len(line) <= WIDTH for line in lines)
    assert "Candidatura independiente" in text
    text.encode("cp850")  # printable on the ESC/POS code page


def test_receipt_lines_take_no_personal_data() -> None:
    import inspect

    params = set(inspect.signature(receipt_lines).parameters)
    assert params == {"folio", "integrity", "process_name", "received_at_text", "lang"}
    english = receipt_lines("F-1", INTEGRITY, "P", "x", lang="en")
    assert english[0] == "CITIZEN SUPPORT RECEIPT"
