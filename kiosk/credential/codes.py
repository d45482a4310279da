"""QR and 1D barcodes on the credential, read with zxing-cpp and pyzbar.

Both engines are real decoders; `read_codes` asks zxing-cpp first (it reads more in blurred or
small photos, see tests/benchmarks/bench_decode.py) and pyzbar when zxing-cpp finds nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

QR_URL = re.compile(r"^https?://qr\.ine\.mx/(\d{9})(\d{13})(\d{2})$")


@dataclass(frozen=True)
class Code:
    """One decoded symbol: its kind ('qr' or a 1D format name), text, and the engine that read it."""

    kind: str
    text: str
    engine: str


def read_zxing(gray: np.ndarray) -> list[Code]:
    import zxingcpp

    out = []
    formats = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Code39)
    for result in zxingcpp.read_barcodes(gray, formats=formats, try_rotate=True, try_downscale=True):
        if not result.valid:
            continue
        kind = "qr" if result.format == zxingcpp.BarcodeFormat.QRCode else result.format.name.lower()
        out.append(Code(kind, result.text, "zxing-cpp"))
    return out


def read_pyzbar(gray: np.ndarray) -> list[Code]:
    from pyzbar import pyzbar

    out = []
    symbols = [pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128, pyzbar.ZBarSymbol.CODE39]
    for result in pyzbar.decode(gray, symbols=symbols):
        kind = "qr" if result.type == "QRCODE" else result.type.lower()
        out.append(Code(kind, result.data.decode("utf-8", "replace"), "pyzbar"))
    return out


def read_codes(*images: np.ndarray, engines: tuple[str, ...] = ("zxing-cpp", "pyzbar")) -> list[Code]:
    """Symbols found in the first image where any engine finds some (grey or BGR images)."""
    readers = {"zxing-cpp": read_zxing, "pyzbar": read_pyzbar}
    for image in images:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        gray = np.ascontiguousarray(gray)
        for engine in engines:
            try:
                found = readers[engine](gray)
            except Exception as exc:  # a decoder crash must not lose the photo
                log.warning("decoder %s failed: %s", engine, exc)
                continue
            if found:
                return _unique(found)
    return []


def _unique(codes: list[Code]) -> list[Code]:
    seen, out = set(), []
    for code in codes:
        if (code.kind, code.text) not in seen:
            seen.add((code.kind, code.text))
            out.append(code)
    return out


def parse_ine_qr(text: str) -> dict[str, str] | None:
    """The small QR of models G/H: URL + CIC (9) + OCR (13) + emisión (2); None if not that."""
    m = QR_URL.match(text.strip())
    if not m:
        return None
    return {"cic": m.group(1), "ocr": m.group(2), "emision": m.group(3)}
