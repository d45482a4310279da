"""Tesseract as a second opinion: MRZ lines when glyph matching is not enough, and the front text.

Only ever a source of candidates; nothing it says is kept unless check digits or another source
confirm it.
"""

from __future__ import annotations

import logging
import os
import re

import numpy as np
import pytesseract

log = logging.getLogger(__name__)

# One OpenMP thread per tesseract: on a card front its threads spend more time waiting on each
# other than reading (1.2 s → 0.3 s a front on 2 cores here; kiosk/cedula/ocr.py says the same).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MRZ_CONFIG = "--psm 7 --oem 1 -c tessedit_char_whitelist=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TEXT_CONFIG = "--psm 6 --oem 1"


def read_mrz_line(gray_line: np.ndarray) -> str:
    """One MRZ line as tesseract sees it (spaces removed); '' if tesseract fails."""
    try:
        text = pytesseract.image_to_string(gray_line, lang="eng", config=MRZ_CONFIG, timeout=5)
    except (RuntimeError, pytesseract.TesseractError) as exc:
        log.warning("tesseract failed on an MRZ line: %s", exc)
        return ""
    return re.sub(r"\s+", "", text.upper())


def read_text(gray: np.ndarray, lang: str = "spa") -> str:
    """The printed text of a rectified card side; '' if tesseract fails."""
    try:
        return pytesseract.image_to_string(gray, lang=lang, config=TEXT_CONFIG, timeout=10)
    except (RuntimeError, pytesseract.TesseractError) as exc:
        log.warning("tesseract failed on a card side: %s", exc)
        return ""
