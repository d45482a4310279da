"""SANE scanner backend through the `scanimage` command: listing, resolution, mode, ADF batch.

stderr of `scanimage` is mapped to DeviceError codes (missing, busy, permission, empty, ...).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np

from drivers.errors import BUSY, EMPTY, GARBAGE, MISSING, PERMISSION, TIMEOUT, UNPLUGGED, DeviceError
from drivers.scanner.base import Page

log = logging.getLogger(__name__)

_DEVICE_LINE = re.compile(r"^device `(?P<name>[^']+)' is a (?P<description>.+)$")
MODES = ("Color", "Gray")


def _binary(scanimage: str) -> str:
    path = shutil.which(scanimage)
    if path is None:
        raise DeviceError(MISSING, f"{scanimage} is not installed (package sane-utils)",
                          device="scanner")
    return path


def _classify(stderr: str) -> str:
    text = stderr.lower()
    if "out of documents" in text or "no documents" in text:
        return EMPTY
    if "busy" in text:
        return BUSY
    if "access to resource has been denied" in text or "permission" in text:
        return PERMISSION
    if "invalid argument" in text or "no scanners were identified" in text or "no such" in text:
        return MISSING
    if "i/o error" in text or "error during device i/o" in text:
        return UNPLUGGED
    return GARBAGE


def parse_device_list(output: str) -> list[tuple[str, str]]:
    """(name, description) pairs from `scanimage -L` output."""
    return [(m["name"], m["description"]) for m in map(_DEVICE_LINE.match, output.splitlines()) if m]


def list_devices(scanimage: str = "scanimage", timeout: float = 30.0) -> list[tuple[str, str]]:
    """The scanners SANE can see, as (device name, description)."""
    result = subprocess.run([_binary(scanimage), "-L"], capture_output=True, text=True,
                            timeout=timeout, check=False)
    return parse_device_list(result.stdout)


def _decode(data: bytes, source: str) -> Page:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DeviceError(GARBAGE, f"scanimage produced an unreadable image ({source})",
                          device="scanner")
    return image


class SaneScanner:
    """A SANE scanner. `device` "" picks the first listed; `source` "" keeps the default
    (flatbed); an ADF source (e.g. "ADF", "Automatic Document Feeder") scans in batch mode.
    """

    def __init__(self, device: str = "", *, resolution: int = 300, mode: str = "Color",
                 source: str = "", scanimage: str = "scanimage", timeout: float = 120.0) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self._binary = _binary(scanimage)
        if not device:
            devices = list_devices(self._binary)
            if not devices:
                raise DeviceError(MISSING, "scanimage -L lists no scanner", device="scanner")
            device = devices[0][0]
        self.device, self.resolution, self.mode = device, resolution, mode
        self.source, self.timeout = source, timeout
        self.batch = "adf" in source.lower() or "feeder" in source.lower()
        log.info("scanner opened: sane %s (%s dpi, %s, source=%s)", device, resolution, mode,
                 source or "default")

    def _command(self) -> list[str]:
        command = [self._binary, "-d", self.device, "--format=png",
                   f"--resolution={self.resolution}", f"--mode={self.mode}"]
        if self.source:
            command.append(f"--source={self.source}")
        return command

    def _run(self, command: list[str]) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(command, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise DeviceError(TIMEOUT, f"scanimage did not finish in {self.timeout:.0f} s",
                              device="scanner") from None

    def scan(self) -> list[Page]:
        """One page (flatbed) or every page in the feeder (ADF)."""
        if not self.batch:
            result = self._run(self._command())
            stderr = result.stderr.decode("utf-8", "replace")
            if result.returncode != 0 or not result.stdout:
                raise DeviceError(_classify(stderr), f"scanimage failed: {stderr.strip()}",
                                  device="scanner")
            return [_decode(result.stdout, self.device)]
        with tempfile.TemporaryDirectory(prefix="apoyo-scan-") as folder:
            result = self._run(self._command() + [f"--batch={folder}/page%04d.png"])
            stderr = result.stderr.decode("utf-8", "replace")
            files = sorted(Path(folder).glob("page*.png"))
            if not files:
                code = _classify(stderr) if result.returncode or stderr else EMPTY
                raise DeviceError(code, f"scanimage batch produced no page: {stderr.strip()}",
                                  device="scanner")
            return [_decode(path.read_bytes(), str(path.name)) for path in files]

    def close(self) -> None:
        """Nothing is held between scans."""

    def __enter__(self) -> "SaneScanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
