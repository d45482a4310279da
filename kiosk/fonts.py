"""Where Debian keeps the fonts the kiosk draws and matches with (fonts-ocr-b)."""

from __future__ import annotations

from pathlib import Path

OCRB_PATHS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/truetype/ocr-b/OCRB.ttf")


def ocrb_font_path() -> str:
    """The OCR-B font from Debian's fonts-ocr-b; a Spanish error naming the package if missing."""
    for path in OCRB_PATHS:
        if Path(path).exists():
            return path
    found = sorted(Path("/usr/share/fonts").rglob("OCRB.*"))
    if not found:
        raise FileNotFoundError("Falta la fuente OCR-B (paquete Debian fonts-ocr-b)")
    return str(found[0])
