"""The one place that picks device backends from configuration, and the Spanish messages for
device errors shown to the person at the kiosk.

Configuration: /etc/apoyo-kiosk/kiosk.toml, else <data_dir>/kiosk.toml, else defaults.
`simulated=True` replaces every device with its twin (the pad twin is a pty simulator read by
the real Topaz driver).
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.errors import DeviceError

# The backends are imported by the open_* function that picks them: they pull in OpenCV, numpy,
# PIL and pyserial, which `kiosk --help`, the sync daemon and the UI's first screen do not need.
if TYPE_CHECKING:
    from drivers.camera import Camera
    from drivers.gps import GpsReceiver
    from drivers.pad import SignaturePad
    from drivers.pad.simulator import SignatureSource
    from drivers.printer import ReceiptPrinter
    from drivers.scanner import Scanner
    from drivers.scanner.simulated import PageSource

log = logging.getLogger(__name__)

SYSTEM_CONFIG = Path("/etc/apoyo-kiosk/kiosk.toml")
EXAMPLE_CONFIG = """\
# /etc/apoyo-kiosk/kiosk.toml: which device backends this kiosk uses.
[camera]
backend = "picamera2"      # picamera2 | opencv | simulated
device = "0"               # picamera2: camera index; opencv: /dev/videoN

[pad]
backend = "topaz"          # topaz (19200 8O1) | line (t,x,y,p,down) | simulated
port = "/dev/ttyUSB0"
width = 2400               # the pad's coordinate range
height = 800

[scanner]
backend = "sane"           # sane | camera (document mode) | simulated
device = ""                # SANE name from `scanimage -L`; "" = first one
resolution = 300
mode = "Color"             # Color | Gray
source = ""                # "ADF" (or the backend's feeder name) scans the whole feeder

[gps]
enabled = false
port = "/dev/ttyACM0"
baudrate = 9600

[printer]
backend = "none"           # none | escpos | simulated
device = "/dev/usb/lp0"    # escpos: character device (or file); simulated: file to append to ("" = memory)
"""
CONFIG_NAME = "kiosk.toml"

DEVICE_NAMES = {
    "camera": {"es": "la cámara", "en": "the camera"},
    "signature_pad": {"es": "el pad de firma", "en": "the signature pad"},
    "scanner": {"es": "el escáner", "en": "the scanner"},
    "gps": {"es": "el GPS", "en": "the GPS"},
    "printer": {"es": "la impresora de comprobantes", "en": "the receipt printer"},
    "": {"es": "el dispositivo", "en": "the device"},
}

DEVICE_MESSAGES = {
    "missing": {"es": "No se encontró {device}. Avise al personal técnico.",
                "en": "{Device} was not found. Please call technical staff."},
    "busy": {"es": "{Device} está en uso por otro programa. Avise al personal técnico.",
             "en": "{Device} is in use by another program. Please call technical staff."},
    "permission": {"es": "El kiosco no tiene permiso para usar {device}. Avise al personal técnico.",
                   "en": "The kiosk may not use {device}. Please call technical staff."},
    "unplugged": {"es": "Se desconectó {device}. Revise el cable y avise al personal técnico.",
                  "en": "{Device} was disconnected. Check the cable and call technical staff."},
    "garbage": {"es": "{Device} envió datos que no se entienden. Intente de nuevo.",
                "en": "{Device} sent unreadable data. Please try again."},
    "timeout": {"es": "{Device} no respondió a tiempo. Intente de nuevo.",
                "en": "{Device} did not answer in time. Please try again."},
    "empty": {"es": "{Device} no entregó ninguna hoja. Coloque el documento e intente de nuevo.",
              "en": "{Device} returned no page. Place the document and try again."},
}

CONFIG_MESSAGES = {
    "bad_config": {"es": "La configuración de dispositivos en {path} no es válida: {reason}",
                   "en": "The device configuration in {path} is invalid: {reason}"},
}


def device_message(error: DeviceError, lang: str = "es") -> str:
    """The sentence for the person at the kiosk for a DeviceError."""
    name = DEVICE_NAMES.get(error.device, DEVICE_NAMES[""])[lang]
    template = DEVICE_MESSAGES[error.code][lang]
    return template.format(device=name, Device=name[:1].upper() + name[1:])


class ConfigError(ValueError):
    """kiosk.toml cannot be used; the message is Spanish."""


@dataclass(frozen=True)
class CameraConfig:
    backend: str = "picamera2"  # picamera2 | opencv | simulated
    device: str = "/dev/video0"  # opencv: /dev/videoN; picamera2: index as text ("0")
    width: int = 0
    height: int = 0
    folder: str = ""  # simulated: a folder of frames


@dataclass(frozen=True)
class PadConfig:
    backend: str = "topaz"  # topaz | line | simulated
    port: str = "/dev/ttyUSB0"
    baudrate: int = 0  # 0 = the protocol's default (19200 topaz, 115200 line)
    width: int = 2400
    height: int = 800
    speed: float = 4.0  # simulated: how much faster than real time the twin signs


@dataclass(frozen=True)
class ScannerConfig:
    backend: str = "sane"  # sane | camera | simulated
    device: str = ""  # SANE device name; "" = first listed
    resolution: int = 300
    mode: str = "Color"  # Color | Gray
    source: str = ""  # e.g. "ADF" for a feeder
    folder: str = ""  # simulated: a folder of pages


@dataclass(frozen=True)
class GpsConfig:
    enabled: bool = False
    port: str = "/dev/ttyACM0"
    baudrate: int = 9600


@dataclass(frozen=True)
class PrinterConfig:
    backend: str = "none"  # none | escpos | simulated
    device: str = ""  # escpos: /dev/usb/lp0 (or a file); simulated: file to append to, "" = memory


@dataclass(frozen=True)
class DeviceConfig:
    """Which backend each device uses; `source` says which file it came from (or "defaults")."""

    data_dir: Path = Path("/var/lib/apoyo-kiosk")
    simulated: bool = False
    camera: CameraConfig = field(default_factory=CameraConfig)
    pad: PadConfig = field(default_factory=PadConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    gps: GpsConfig = field(default_factory=GpsConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    source: str = "defaults"


BACKENDS = {"camera": ("picamera2", "opencv", "simulated"),
            "pad": ("topaz", "line", "simulated"),
            "scanner": ("sane", "camera", "simulated"),
            "printer": ("none", "escpos", "simulated")}
SECTIONS = {"camera": CameraConfig, "pad": PadConfig, "scanner": ScannerConfig, "gps": GpsConfig,
            "printer": PrinterConfig}


def _section(name: str, values: object, path: Path) -> object:
    kind = SECTIONS[name]
    if not isinstance(values, dict):
        raise ConfigError(_bad(path, f"[{name}] debe ser una sección"))
    known = {f.name: f for f in fields(kind)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(_bad(path, f"clave desconocida {name}.{key}"))
        expected = type(getattr(kind(), key))
        if expected is float and isinstance(value, int):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(_bad(path, f"{name}.{key} debe ser {expected.__name__}"))
    section = kind(**values)
    backend = getattr(section, "backend", None)
    if backend is not None and backend not in BACKENDS[name]:
        raise ConfigError(_bad(path, f"{name}.backend debe ser uno de {', '.join(BACKENDS[name])}"))
    return section


def _bad(path: Path, reason: str) -> str:
    return CONFIG_MESSAGES["bad_config"]["es"].format(path=path, reason=reason)


def load_config(data_dir: str | Path, *, simulated: bool = False, path: str | Path | None = None,
                ) -> DeviceConfig:
    """The device configuration: `path`, else /etc/apoyo-kiosk/kiosk.toml, else
    <data_dir>/kiosk.toml, else defaults. Raises ConfigError on a bad file."""
    data_dir = Path(data_dir)
    path = path or os.environ.get("APOYO_KIOSK_CONFIG") or None
    candidates = [Path(path)] if path else [SYSTEM_CONFIG, data_dir / CONFIG_NAME]
    config = DeviceConfig(data_dir=data_dir, simulated=simulated)
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            document = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(_bad(candidate, str(exc))) from None
        sections = {name: _section(name, document[name], candidate)
                    for name in SECTIONS if name in document}
        unknown = set(document) - set(SECTIONS)
        if unknown:
            raise ConfigError(_bad(candidate, f"sección desconocida [{sorted(unknown)[0]}]"))
        return replace(config, source=str(candidate), **sections)
    return config


def _logged(error: DeviceError) -> DeviceError:
    log.error("device error: %s", error)
    return error


def open_camera(cfg: DeviceConfig, frame_source: object = None) -> Camera:
    """The configured camera (the simulated one when cfg.simulated or backend = "simulated").
    `frame_source` (a folder or a `() -> frame` callable) feeds the simulated camera."""
    camera = cfg.camera
    try:
        if cfg.simulated or camera.backend == "simulated":
            from drivers.camera import SimulatedCamera

            return SimulatedCamera(frame_source or camera.folder or None)  # type: ignore[arg-type]
        if camera.backend == "picamera2":
            from drivers.camera import Picamera2Camera

            return Picamera2Camera(int(camera.device) if camera.device.isdigit() else 0)
        from drivers.camera import OpenCVCamera

        source: str | int = int(camera.device) if camera.device.isdigit() else camera.device
        return OpenCVCamera(source, width=camera.width or None, height=camera.height or None)
    except DeviceError as error:
        raise _logged(error) from None


def open_pad(cfg: DeviceConfig, signature_source: SignatureSource = None) -> SignaturePad:
    """The configured signature pad; the twin plays `signature_source` (a trajectory or a
    callable returning one; default: synthetic signatures) through the real Topaz driver."""
    from drivers.pad import SerialPad, SimulatedPad

    pad = cfg.pad
    try:
        if cfg.simulated or pad.backend == "simulated":
            return SimulatedPad(signature_source, width=pad.width, height=pad.height, speed=pad.speed)
        protocol = "topaz" if pad.backend == "topaz" else "line"
        return SerialPad(pad.port, protocol=protocol, baudrate=pad.baudrate or None,
                         width=pad.width, height=pad.height)
    except DeviceError as error:
        raise _logged(error) from None


def open_scanner(cfg: DeviceConfig, page_source: PageSource = None,
                 frame_source: object = None) -> Scanner:
    """The configured scanner. `page_source` feeds the simulated scanner; the camera document
    mode uses the configured camera (fed by `frame_source` when simulated)."""
    from drivers.scanner import CameraDocumentScanner, SaneScanner, SimulatedScanner

    scanner = cfg.scanner
    try:
        if cfg.simulated or scanner.backend == "simulated":
            return SimulatedScanner(page_source or scanner.folder or None)
        if scanner.backend == "camera":
            return CameraDocumentScanner(open_camera(cfg, frame_source))
        return SaneScanner(scanner.device, resolution=scanner.resolution, mode=scanner.mode,
                           source=scanner.source)
    except DeviceError as error:
        raise _logged(error) from None


def open_gps(cfg: DeviceConfig) -> GpsReceiver | None:
    """The GPS receiver when [gps] enabled = true (never in simulated mode), else None."""
    if cfg.simulated or not cfg.gps.enabled:
        return None
    from drivers.gps import GpsReceiver

    try:
        return GpsReceiver(cfg.gps.port, baudrate=cfg.gps.baudrate)
    except DeviceError as error:
        raise _logged(error) from None


def open_printer(cfg: DeviceConfig) -> ReceiptPrinter | None:
    """The receipt printer, or None when [printer] backend = "none" (the default). In simulated
    mode a configured printer is replaced by a SimulatedPrinter."""
    from drivers.printer import EscPosPrinter, SimulatedPrinter

    printer = cfg.printer
    if printer.backend == "none":
        return None
    if cfg.simulated or printer.backend == "simulated":
        return SimulatedPrinter(printer.device or None)
    if not printer.device:
        raise _logged(DeviceError("missing", "[printer] device is empty", device="printer"))
    try:
        return EscPosPrinter(printer.device)
    except DeviceError as error:
        raise _logged(error) from None
