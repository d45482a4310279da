"""Read one scanned cédula page: its folio and, row by row, the fields, flags and a crop.

`read_page(image_bgr)` deskews on the table, OCRs every inked cell, validates and cross-checks
the clave de elector, and flags what the operator must look at; empty rows are left out.
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.cedula import ocr
from kiosk.cedula.clave import cross_check
from kiosk.cedula.dedupe import first_seen
from kiosk.cedula.geometry import Layout, TableNotFound, find_layout
from kiosk.cedula.ocr import EMPTY, Field
from kiosk.credential import tess

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("nombres", "apellido_paterno", "apellido_materno", "clave_elector")
FIRMA_COLUMN = 5
TEXT_INK = 0.006  # share of a cell covered by ink for it to count as written
SIGNATURE_INK = 0.006
LOW_CONFIDENCE = 0.6
WORKERS = min(4, os.cpu_count() or 1)
FOLIO_RE = re.compile(r"^([A-Z])-?(\d{4,8})$")


@dataclass
class RowReading:
    """One non-empty row: fields with confidences, flags for the operator, the row's crop."""

    no: int
    nombres: Field
    apellido_paterno: Field
    apellido_materno: Field
    clave_elector: Field
    flags: list[str] = field(default_factory=list)
    crop_png: bytes = b""

    def as_dict(self) -> dict:
        out: dict = {"no": self.no}
        for name in TEXT_COLUMNS:
            out[name] = getattr(self, name).as_dict()
        out["flags"] = list(self.flags)
        return out


@dataclass
class PageReading:
    """A page: its folio, the rows with writing, the numbers of the empty rows, the page image."""

    folio: Field
    rows: list[RowReading]
    empty_rows: list[int] = field(default_factory=list)
    page_jpeg: bytes = b""

    def as_dict(self) -> dict:
        return {"folio": self.folio.as_dict(), "rows": [r.as_dict() for r in self.rows]}


def _folio_in(words: list[tuple[str, float]]) -> Field | None:
    for word, conf in words:
        m = FOLIO_RE.match(re.sub(r"[^A-Z0-9-]", "", word.upper()))
        if m:
            return Field(f"{m.group(1)}-{m.group(2)}", conf)
    return None


FOLIO_VIEWS = (ocr.flatten, lambda band: band, ocr.binary)


# The printed folio found by its label, wherever an OPL's header puts it: "Folio de cédula:
# 32698", "FOLIO No. 4471", "Núm. de folio: A-20931", "FOLIO: C-000123".
LABEL_RE = re.compile(r"^F[O0]L[I1l][O0]")
LABEL_FILLER = {"DE", "LA", "DEL", "CEDULA", "CEDULAS", "NO", "N", "N°", "NO°", "NUM", "NUMERO", "O", "°"}
LABELLED_VALUE_RE = re.compile(r"^(?:([A-Z])-?)?(\d{3,8})$")
LABEL_VIEWS = (ocr.flatten, ocr.binary)


DIGIT_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2"})


def _folio_token(word: str) -> str | None:
    """A folio value from one OCR word (lookalike letters after the first two read as digits)."""
    token = re.sub(r"[^A-Z0-9-]", "", word.upper())
    for candidate in (token, token[:2] + token[2:].translate(DIGIT_LOOKALIKES)):
        m = LABELLED_VALUE_RE.match(candidate)
        if m:
            return f"{m.group(1)}-{m.group(2)}" if m.group(1) else m.group(2)
    return None


def _plain(word: str) -> str:
    return re.sub(r"[^A-Z°]", "", word.upper().translate(str.maketrans("ÁÉÍÓÚ", "AEIOU")))


def _labelled_folio(words: list[tuple[str, float, tuple[int, int, int]]]) -> Field | None:
    """The value after a FOLIO label on the same printed line; `words` are (text, confidence,
    line key) in reading order. Filler words between them (de, cédula, No., N°) are skipped."""
    for i, (word, conf, line) in enumerate(words):
        if not LABEL_RE.match(word.upper()):
            continue
        rest = LABEL_RE.sub("", word.upper()).lstrip(":.#")
        if rest and (value := _folio_token(rest)):  # "FOLIO:C-000123" read as one word
            return Field(value, conf)
        for other, other_conf, other_line in words[i + 1:i + 6]:
            if other_line != line:
                break
            if _plain(other) in LABEL_FILLER or not re.sub(r"[^A-Z0-9]", "", other.upper()):
                continue
            value = _folio_token(other)
            if value:
                return Field(value, min(conf, other_conf))
            break
    return None


def _folio_by_label(header: np.ndarray) -> Field | None:
    """Find the folio by its label anywhere in the band above the table, through two views
    that vote (agreement keeps the confidence; a single reading is halved)."""
    found = []
    for view in LABEL_VIEWS:
        data = tess.image_to_data(view(header), lang="spa", config="--psm 3")  # from memory, no temp files
        words = [(text.strip(), float(conf) / 100.0, (block, par, line))
                 for text, conf, block, par, line in zip(data["text"], data["conf"], data["block_num"],
                                                         data["par_num"], data["line_num"])
                 if text.strip() and float(conf) >= 0]
        field = _labelled_folio(words)
        if field is not None:
            found.append(field)
    if not found:
        return None
    values = [f.value for f in found]
    best = max(found, key=lambda f: (values.count(f.value), f.confidence))
    return best if values.count(best.value) == len(LABEL_VIEWS) else Field(best.value, best.confidence / 2)


def _folio(layout: Layout) -> Field:
    """The folio printed above the table: by its label first (any layout), else the
    "FOLIO: C-000123" pattern at the right of our own layout, read through three views that vote.

    Agreement settles it; otherwise the most confident reading is kept with its confidence
    divided by three, so the operator sees it as doubtful.
    """
    labelled = _folio_by_label(layout.header)
    if labelled is not None:
        return labelled
    right = layout.header[:, int(layout.header.shape[1] * 0.55):]
    found = [f for f in map(_folio_in, ocr.read_text_views(right, FOLIO_VIEWS)) if f is not None]
    if not found:
        whole = _folio_in(ocr.read_text(ocr.flatten(layout.header)))
        if whole is None:
            log.info("cedula folio not found in the header band")
        return whole or Field("", 0.0)
    votes = {f.value: [g.confidence for g in found if g.value == f.value] for f in found}
    value = max(votes, key=lambda v: (len(votes[v]), max(votes[v])))
    if len(votes[value]) >= 2:
        return Field(value, max(votes[value]))
    return Field(value, max(votes[value]) / len(FOLIO_VIEWS))


def _crop_png(layout: Layout, row: int) -> bytes:
    x0, y0, x1, y1 = layout.row_box(row)
    ok, buf = cv2.imencode(".png", layout.page[y0:y1, x0:x1], [cv2.IMWRITE_PNG_COMPRESSION, 6])
    return buf.tobytes() if ok else b""


def _row_flags(row: RowReading, signature_ink: float) -> list[str]:
    flags = []
    if signature_ink < SIGNATURE_INK:
        flags.append("sin_firma")
    check = cross_check(row.clave_elector.value, row.nombres.value, row.apellido_paterno.value,
                        row.apellido_materno.value)
    flags += check.flags
    if not (row.apellido_paterno.value or row.apellido_materno.value):
        flags.append("sin_apellidos")
    if not row.nombres.value:
        flags.append("sin_nombre")
    if any(getattr(row, n).confidence < LOW_CONFIDENCE for n in TEXT_COLUMNS):  # blank cells are sure (1.0)
        flags.append("confianza_baja")
    return flags


def read_layout(layout: Layout, pool: ThreadPoolExecutor) -> tuple[list[RowReading], list[int]]:
    """Rows with writing (OCR'd and flagged) and the numbers of the empty rows."""
    inked: dict[tuple[int, int], bool] = {}
    for r in range(layout.rows):
        for c, _ in enumerate(TEXT_COLUMNS, start=1):
            inked[(r, c)] = ocr.ink_share(layout.cell(r, c)) >= TEXT_INK
    written = [r for r in range(layout.rows) if any(inked[(r, c)] for c in range(1, 5))]
    empty = [r + 1 for r in range(layout.rows) if r not in written]
    values: dict[tuple[int, int], Field] = {}
    name_cells = [(r, c) for c in (1, 2, 3) for r in written if inked[(r, c)]]
    clave_cells = [(r, 4) for r in written if inked[(r, 4)]]

    def names() -> None:  # the three name columns share whitelist and model: one tesseract run
        readings = ocr.read_column([layout.cell(r, c) for r, c in name_cells], ocr.NAME_CHARS, ocr.NAME_VIEWS)
        values.update((cell, views[0]) for cell, views in zip(name_cells, readings))

    def claves() -> None:
        readings = ocr.read_column([layout.cell(r, c) for r, c in clave_cells], ocr.CLAVE_CHARS, ocr.CLAVE_VIEWS,
                                   lang=ocr.CLAVE_LANG)
        values.update((cell, ocr.vote_clave(views)) for cell, views in zip(clave_cells, readings))

    for job in [pool.submit(names), pool.submit(claves)]:
        job.result()
    rows = []
    for r in written:
        fields = {name: values.get((r, c), EMPTY) for c, name in enumerate(TEXT_COLUMNS, start=1)}
        row = RowReading(no=r + 1, **fields, crop_png=_crop_png(layout, r))
        row.flags = _row_flags(row, ocr.ink_share(layout.cell(r, FIRMA_COLUMN)))
        rows.append(row)
    for later, _ in first_seen(row.clave_elector.value or f"#{row.no}" for row in rows).items():
        rows[later].flags.append("clave_duplicada")
    return rows, empty


def _read_oriented(image_bgr: np.ndarray) -> PageReading:
    layout = find_layout(image_bgr)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # tesseract runs as a subprocess
        folio = pool.submit(_folio, layout)
        rows, empty = read_layout(layout, pool)
        ok, jpeg = cv2.imencode(".jpg", layout.page, [cv2.IMWRITE_JPEG_QUALITY, 80])
        return PageReading(folio.result(), rows, empty, jpeg.tobytes() if ok else b"")


def _plausibility(reading: PageReading) -> float:
    """How much a reading looks upright: folio found and confident fields."""
    confidences = [getattr(r, n).confidence for r in reading.rows for n in TEXT_COLUMNS if getattr(r, n).value]
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return (1.0 if reading.folio.value else 0.0) + mean


def read_page(image_bgr: np.ndarray) -> PageReading:
    """Read a scanned cédula (BGR or gray array); raises geometry.TableNotFound.

    A page fed sideways or upside down is tried in the other orientations, and only then.
    """
    turns = (None, cv2.ROTATE_180, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)
    best: PageReading | None = None
    for turn in turns:
        candidate = image_bgr if turn is None else cv2.rotate(image_bgr, turn)
        try:
            reading = _read_oriented(candidate)
        except TableNotFound:
            continue
        if best is None or _plausibility(reading) > _plausibility(best):
            best = reading
        if reading.folio.value:  # upside down, the band above the table holds no folio
            break
    if best is None:
        raise TableNotFound("no orientation shows the cédula table")
    log.info("cedula read folio=%s rows=%d empty=%d", best.folio.value, len(best.rows), len(best.empty_rows))
    return best
