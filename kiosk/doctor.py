"""`kiosk doctor` checks: each configured device opened and used once, OCR and barcode
libraries, free disk; the lead adds keys, vault, clock and receiver through `extra`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from drivers.errors import DeviceError
from kiosk.clock import clock as shown
from kiosk.devices import DeviceConfig, device_message, open_camera, open_pad, open_scanner

log = logging.getLogger(__name__)

ORDER = ("camera", "signature_pad", "scanner", "tesseract", "zbar", "keys", "vault", "clock",
         "disk", "receiver")
MIN_FREE_BYTES = 500 * 1024 * 1024

MESSAGES = {
    "camera_ok": {"es": "captura {width}×{height}", "en": "captured {width}×{height}"},
    "pad_ok": {"es": "recibió un punto de la pluma", "en": "received a pen point"},
    "scanner_ok": {"es": "{pages} hoja(s), {width}×{height}", "en": "{pages} page(s), {width}×{height}"},
    "tesseract_missing": {"es": "falta el programa tesseract (paquete tesseract-ocr)",
                          "en": "tesseract is not installed (package tesseract-ocr)"},
    "tesseract_langs": {"es": "faltan idiomas de tesseract: {langs}", "en": "missing tesseract languages: {langs}"},
    "tesseract_ok": {"es": "{version}, idiomas spa y eng", "en": "{version}, languages spa and eng"},
    "zbar_missing": {"es": "no carga libzbar (paquete libzbar0): {error}",
                     "en": "libzbar does not load (package libzbar0): {error}"},
    "zbar_wrong": {"es": "zbar no leyó el código QR de prueba", "en": "zbar did not read the test QR"},
    "zbar_ok": {"es": "leyó un código QR de prueba", "en": "read a test QR code"},
    "disk_low": {"es": "poco espacio libre en {path}: {free} MB (mínimo {minimum} MB)",
                 "en": "low free space on {path}: {free} MB (minimum {minimum} MB)"},
    "disk_ok": {"es": "{free} MB libres en {path}", "en": "{free} MB free on {path}"},
    "unexpected": {"es": "error inesperado: {error}", "en": "unexpected error: {error}"},
}


def _msg(key: str, **values: object) -> str:
    return MESSAGES[key]["es"].format(**values)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str


def _guarded(name: str, probe: Callable[[], str]) -> Check:
    """Run `probe` (returns the detail on success); any failure becomes a failed Check."""
    try:
        return Check(name, True, probe())
    except DeviceError as error:
        log.error("doctor %s: %s", name, error)
        return Check(name, False, f"{device_message(error)} ({error.message})")
    except Exception as error:  # a check must never crash the doctor
        log.exception("doctor %s failed", name)
        return Check(name, False, _msg("unexpected", error=f"{type(error).__name__}: {error}"))


def check_camera(cfg: DeviceConfig) -> Check:
    """Open the camera and capture one frame."""
    def probe() -> str:
        with open_camera(cfg) as camera:
            frame = camera.capture()
        return _msg("camera_ok", width=frame.shape[1], height=frame.shape[0])
    return _guarded("camera", probe)


def check_signature_pad(cfg: DeviceConfig, timeout: float = 10.0) -> Check:
    """Open the pad and wait for one pen report (the simulated pad draws a short stroke)."""
    def probe() -> str:
        pad = open_pad(cfg)
        try:
            pad.read_point(timeout)
        finally:
            pad.close()
        return _msg("pad_ok")
    return _guarded("signature_pad", probe)


def check_scanner(cfg: DeviceConfig) -> Check:
    """Open the scanner and scan once."""
    def probe() -> str:
        scanner = open_scanner(cfg)
        try:
            pages = scanner.scan()
        finally:
            scanner.close()
        return _msg("scanner_ok", pages=len(pages), width=pages[0].shape[1], height=pages[0].shape[0])
    return _guarded("scanner", probe)


def check_tesseract() -> Check:
    """The tesseract binary runs and has the spa and eng languages."""
    def probe() -> str:
        binary = shutil.which("tesseract")
        if binary is None:
            raise RuntimeError(_msg("tesseract_missing"))
        langs = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                               timeout=30, check=False).stdout.split()
        missing = [lang for lang in ("spa", "eng") if lang not in langs]
        if missing:
            raise RuntimeError(_msg("tesseract_langs", langs=", ".join(missing)))
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout.splitlines()
        return _msg("tesseract_ok", version=version[0] if version else "tesseract")
    return _plain("tesseract", probe)


def check_zbar() -> Check:
    """libzbar loads through pyzbar and decodes a QR code generated here."""
    def probe() -> str:
        import qrcode

        try:
            from pyzbar import pyzbar
        except (ImportError, OSError) as error:
            raise RuntimeError(_msg("zbar_missing", error=error)) from None
        payload = "APOYO-KIOSK-DOCTOR"
        image = qrcode.make(payload).get_image().convert("L")
        found = [symbol.data.decode() for symbol in pyzbar.decode(image)]
        if found != [payload]:
            raise RuntimeError(_msg("zbar_wrong"))
        return _msg("zbar_ok")
    return _plain("zbar", probe)


def _plain(name: str, probe: Callable[[], str]) -> Check:
    """Like _guarded, but a RuntimeError's message is already the Spanish detail."""
    try:
        return Check(name, True, probe())
    except RuntimeError as error:
        log.error("doctor %s: %s", name, error)
        return Check(name, False, str(error))
    except Exception as error:
        log.exception("doctor %s failed", name)
        return Check(name, False, _msg("unexpected", error=f"{type(error).__name__}: {error}"))


def check_disk(data_dir: str | Path, minimum: int = MIN_FREE_BYTES) -> Check:
    """Free space where the data dir lives (its nearest existing parent); fails under `minimum`."""
    path = Path(data_dir).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    megabytes, minimum_mb = free // 2**20, minimum // 2**20
    if free < minimum:
        return Check("disk", False, _msg("disk_low", path=path, free=megabytes, minimum=minimum_mb))
    return Check("disk", True, _msg("disk_ok", path=path, free=megabytes))


def run_checks(cfg: DeviceConfig, extra: Iterable[Callable[[], Check]] = ()) -> list[Check]:
    """The device, tesseract and zbar checks plus `extra`, in the order of ORDER."""
    checks = [check_camera(cfg), check_signature_pad(cfg), check_scanner(cfg), check_tesseract(),
              check_zbar()]
    for make in extra:
        checks.append(make())
    rank = {name: index for index, name in enumerate(ORDER)}
    return sorted(checks, key=lambda check: rank.get(check.name, len(ORDER)))


def check_station(data_dir: str | Path) -> list[Check]:
    """keys, vault and clock of a provisioned device (one Station opened for the three)."""
    from kiosk import keywrap
    from kiosk.errors import KioskError
    from kiosk.paths import DataDir
    from kiosk.station import open_station

    data = DataDir(Path(data_dir))
    try:
        station = open_station(data.root)
    except KioskError as error:
        log.error("doctor: station does not open: %s", error)
        failed = Check("keys", False, str(error))
        return [failed, Check("vault", False, str(error)), Check("clock", False, str(error))]
    try:
        mode = keywrap.vault_key_mode(data.vault_key)
        keys = Check("keys", True, f"dispositivo {station.device_id}; llave de bóveda {mode}")
        if mode == "plain" and keywrap.otp_available():
            keys = Check("keys", False, "la placa tiene llave OTP pero la bóveda no la usa; vuelva a envolver la llave")
        intact, entries = station.vault.verify_audit()
        counts = station.vault.counts()
        vault = Check("vault", intact, f"{counts['sealed'] + counts['uploading']} por enviar, {counts['quarantined']} en cuarentena; "
                      + ("bitácora íntegra" if intact else f"bitácora alterada tras {entries} entradas"))
        now = station.now()
        clock = Check("clock", now.confidence != "baja", f"{shown(now.at)} (hora del Centro), confianza {now.confidence}")
        return [keys, vault, clock]
    finally:
        station.close()


def check_receiver(data_dir: str | Path, timeout: float = 3.0) -> Check:
    """Can this device reach its receiver's host and port (a TCP connect, no HTTP in the core)?"""
    import json
    import socket
    from urllib.parse import urlparse

    from kiosk.messages import link_reason
    from kiosk.paths import DataDir

    def probe() -> str:
        device = DataDir(Path(data_dir)).device_json
        if not device.exists():
            raise RuntimeError("el kiosko no está dado de alta (kiosk provision)")
        url = urlparse(json.loads(device.read_text())["receiver_url"])
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            with socket.create_connection((url.hostname, port), timeout=timeout):
                return f"{url.hostname}:{port} responde"
        except OSError as error:
            raise RuntimeError(f"sin enlace con {url.hostname}:{port} ({link_reason(error, 'es')}); los registros esperan en la cola") from None

    return _plain("receiver", probe)


def default_extra_checks(args: object) -> list[Callable[[], Check]]:
    """Checks beyond the devices for `kiosk doctor`: keys, vault, clock, disk, receiver."""
    data_dir = getattr(args, "data_dir", None) or "/var/lib/apoyo-kiosk"
    station_checks: list[Check] = []

    def station_check(index: int) -> Callable[[], Check]:
        def run() -> Check:
            if not station_checks:
                station_checks.extend(check_station(data_dir))
            return station_checks[index]
        return run

    return [station_check(0), station_check(1), station_check(2), lambda: check_disk(data_dir),
            lambda: check_receiver(data_dir)]


def first_failure(checks: Sequence[Check]) -> Check | None:
    """The first thing to fix, in ORDER."""
    return next((check for check in checks if not check.ok), None)
