"""kiosk.devices: TOML configuration, the simulated override, and Spanish messages plus a
technician log line when a configured device is missing."""

import logging
from pathlib import Path

import numpy as np
import pytest

from drivers.camera import SimulatedCamera
from drivers.errors import CODES, DeviceError
from drivers.pad import SimulatedPad, synthetic_signature
from drivers.scanner import CameraDocumentScanner, SimulatedScanner
from kiosk import devices
from kiosk.devices import (DEVICE_MESSAGES, ConfigError, device_message, load_config, open_camera,
                           open_pad, open_scanner)


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(devices, "SYSTEM_CONFIG", tmp_path / "etc" / "kiosk.toml")


def test_defaults_without_any_file(tmp_path: Path) -> None:
    cfg = load_config(tmp_path)
    assert cfg.source == "defaults"
    assert (cfg.camera.backend, cfg.pad.backend, cfg.scanner.backend) == ("picamera2", "topaz", "sane")


def test_example_config_is_valid(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text(devices.EXAMPLE_CONFIG)
    cfg = load_config(tmp_path)
    assert cfg.source == str(tmp_path / "kiosk.toml")
    assert (cfg.camera.device, cfg.pad.port, cfg.scanner.resolution) == ("0", "/dev/ttyUSB0", 300)


def test_data_dir_file_and_system_file_precedence(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('[camera]\nbackend = "opencv"\ndevice = "/dev/video3"\n'
                                         '[pad]\nbackend = "line"\nport = "/dev/ttyACM1"\n'
                                         'baudrate = 57600\n[gps]\nenabled = true\n')
    cfg = load_config(tmp_path)
    assert cfg.camera.device == "/dev/video3" and cfg.pad.baudrate == 57600 and cfg.gps.enabled
    assert cfg.scanner.backend == "sane"
    system = devices.SYSTEM_CONFIG
    system.parent.mkdir()
    system.write_text('[scanner]\nbackend = "camera"\n')
    assert load_config(tmp_path).scanner.backend == "camera"
    assert load_config(tmp_path).camera.backend == "picamera2"


@pytest.mark.parametrize("text, reason", [
    ('[camera]\nbackend = "webcam"\n', "camera.backend"),
    ('[pad]\nspeed = "fast"\n', "pad.speed"),
    ('[pad]\ncolour = 1\n', "pad.colour"),
    ('[impresora]\nx = 1\n', "[impresora]"),
    ('[printer]\nx = 1\n', "printer.x"),
    ('[camera\n', "no es válida"),
])
def test_bad_configuration_is_a_spanish_error(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "kiosk.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert reason in str(caught.value) and "no es válida" in str(caught.value)


def test_simulated_overrides_every_backend(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('[camera]\nbackend = "opencv"\n[pad]\nspeed = 8.0\n')
    cfg = load_config(tmp_path, simulated=True)
    frame = np.full((4, 6, 3), 9, np.uint8)
    camera = open_camera(cfg, frame_source=lambda: frame)
    assert isinstance(camera, SimulatedCamera) and np.array_equal(camera.capture(), frame)
    scanner = open_scanner(cfg)
    assert isinstance(scanner, SimulatedScanner) and scanner.scan()[0].shape == (1100, 850, 3)
    signature = synthetic_signature(21)
    pad = open_pad(cfg, signature_source=signature)
    try:
        assert isinstance(pad, SimulatedPad)
        got = pad.read_signature(timeout=20)
    finally:
        pad.close()
    assert [p[1:] for p in got["points"]] == [p[1:] for p in signature["points"]]


def test_camera_document_mode_from_config(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('[camera]\nbackend = "simulated"\n[scanner]\nbackend = "camera"\n')
    scanner = open_scanner(load_config(tmp_path))
    assert isinstance(scanner, CameraDocumentScanner)
    assert isinstance(scanner.camera, SimulatedCamera)


def test_missing_configured_camera_gives_message_and_log_line(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "kiosk.toml").write_text('[camera]\nbackend = "opencv"\ndevice = "/dev/video42"\n')
    with caplog.at_level(logging.ERROR, logger="kiosk.devices"), pytest.raises(DeviceError) as caught:
        open_camera(load_config(tmp_path))
    assert caught.value.code == "missing" and caught.value.device == "camera"
    assert device_message(caught.value) == "No se encontró la cámara. Avise al personal técnico."
    assert "/dev/video42" in caplog.text


def test_every_code_has_spanish_and_english_messages() -> None:
    for code in CODES:
        for device in ("camera", "signature_pad", "scanner", "gps"):
            error = DeviceError(code, "x", device=device)
            spanish, english = device_message(error), device_message(error, "en")
            assert spanish[0].isupper() and english[0].isupper() and spanish != english
    assert set(DEVICE_MESSAGES) == set(CODES)


def test_the_installed_example_config_loads(tmp_path: Path) -> None:
    """install.sh copies systemd/kiosk.toml.example to /etc/apoyo-kiosk/kiosk.toml: every command
    that reads it (doctor, run, sync) must accept it as shipped (the Pi smoke test found
    `[pad] backend = "serial"`, which no command accepted)."""
    example = Path(__file__).resolve().parents[2] / "systemd" / "kiosk.toml.example"
    cfg = devices.load_config(tmp_path, path=example)
    assert cfg.source == str(example)
    assert cfg.pad.backend == "topaz"
