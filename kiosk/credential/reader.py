"""Read one side or both sides of a Credencial para Votar photo into verified fields.

Sources: the TD1 MRZ (check digits), the small QR and 1D barcodes (their own error detection),
the printed OCR line and the front text. A field no source verifies stays empty and flagged.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from kiosk.credential import tess
from kiosk.credential.codes import (Code, digit_runs, documented_layout, is_ine_qr, printed_as_read, printed_otherwise, qr_confirms, qr_confirms_cells, qr_ocr_by_composite,
                                    qr_by_layout, read_codes, read_finer_qr)
from kiosk.credential.imageio import WORK_PIXELS, check_not_black
from kiosk.credential.locate import FINE_WORK_W, card_from_block, card_transform, find_bright_quads, find_card_quads, find_mrz_blocks, rectify, region_below_code, BELOW_QR, BELOW_QR_ONE_SIDE
from kiosk.credential.mrztext import (CELL_VIEWS, FINE_DETECT_W, TextBlock, TextRead, confirm_by_views, other_views, supported, doubt_where_another_meets_composite, doubt_where_cells_differ, doubt_where_line1_sure_otherwise, doubt_where_ocr_unseen, doubt_where_date_unseen, doubt_where_filler_read_digit, doubt_where_unsure_and_read_otherwise, doubt_where_unsure_and_seen_otherwise, doubt_where_changed_and_contradicted, doubt_where_contradicted, doubt_where_outvoted, doubt_where_tail_differs, doubt_where_a_guess_met_the_composite, firm_where_either_is, cic_read_otherwise, cic_seen, find_row_blocks, find_text_blocks, level, read_block, read_block_cells, repair_with_qr, straighten,
                                      line2_reads, ocr_reads, vote)
from kiosk.credential.messages import FIELD_ES, SOURCE_ES, WHAT, message
from kiosk.credential.mrz import MrzReading, birth_date
from kiosk.credential.screening import photocopy_decision, screen_decision, text_within_band
from kiosk.credential.zone import Zone, read_zone
from kiosk.identifiers import InvalidIdentifier, clave_elector_parts, validate_clave_elector, validate_curp

log = logging.getLogger(__name__)

FIELD_NAMES = ("cic", "ocr", "birth_date", "sex", "expiry_year", "apellido_paterno", "apellido_materno", "nombres", "emision",
               "clave_elector")
ATTEMPT_BUDGET_S = 0.4  # stop trying further card positions after this
NAME_BUDGET_S = 0.5  # glyph reading of line 3 for the names, when a front is there to confirm them
MIN_GLYPH_CONFIDENCE = 0.7  # weakest cell score a glyph-matched MRZ needs (good reads of the specimens: >0.85)
FINE_MIN_SHARE = 0.10  # the fine detection keeps blocks this share of the frame wide (cards from 20 %)
TEXT_BLOCKS = 2  # MRZ-like text blocks tesseract reads before the glyph matcher is tried
COARSE_DETECT_W = 640  # a last detection of text blocks on a copy this wide (the MRZ apart from a newspaper's print)
ROW_BLOCKS = 3  # blocks of three text rows (mrztext.find_row_blocks) read, per view
OUTLINE_CELL_QUADS = 2  # card outlines whose lower band the cell classifier reads
SAME_OUTLINE = 0.02  # frame widths within which a fine outline's corners are one already tried
MAX_FRONT_VIEWS = 3  # card positions whose text tesseract reads before a front is given up
NAME_FIELDS = ("apellido_paterno", "apellido_materno", "nombres")


@dataclass
class FieldValue:
    """One field: its value (None when not verified), where it came from, and whether it is verified."""

    value: str | int | None = None
    source: str | None = None  # mrz | qr | barcode | ocr
    verified: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"value": self.value, "source": self.source, "verified": self.verified}


@dataclass
class Notice:
    """A warning or error: a catalog code and its Spanish sentence."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _notice(code: str, **params: object) -> Notice:
    return Notice(code, message(code, **params))


@dataclass
class SideReading:
    """What one photo showed: which side, the card image, each source's findings."""

    side: str | None = None  # 'front' | 'back' | None (no card)
    card: np.ndarray | None = None
    quad: np.ndarray | None = None
    zone: Zone = field(default_factory=Zone)
    codes: list[Code] = field(default_factory=list)
    front_text: str = ""
    photocopy: str | None = None
    screen: bool = False
    text: TextRead | None = None  # the MRZ block as tesseract read it
    blocks: list[TextBlock] = field(default_factory=list)
    frame: np.ndarray | None = None
    confidence: dict[str, float] = field(default_factory=dict)  # photocopy / screen, 0-1
    ocr_from_qr: bool = False  # the MRZ verified with the QR's CIC/OCR digits (line 1's read was off)
    views: list[list[str]] = field(default_factory=list)  # every tesseract view of the blocks read
    cell_line1: list[np.ndarray] = field(default_factory=list)  # line 1 as the classifier read it, every view
    cell_reads: list[TextRead] = field(default_factory=list)  # the classifier's three-line reads, every block
    outlines: list[np.ndarray] | None = None  # the frame's card outlines, found once (_outlines)


@dataclass
class CredentialReading:
    """The credential as read: fields (all of FIELD_NAMES), model, warnings, errors."""

    fields: dict[str, FieldValue] = field(default_factory=lambda: {n: FieldValue() for n in FIELD_NAMES})
    model: str | None = None
    warnings: list[Notice] = field(default_factory=list)
    errors: list[Notice] = field(default_factory=list)
    name_truncated: bool = False
    sides: list[SideReading] = field(default_factory=list)
    conflicts: set[str] = field(default_factory=set)
    codes: list[dict[str, object]] = field(default_factory=list)  # QR payloads, confirmed or kept unverified
    front_read: bool = False
    front_curp: str | None = None  # as read on the front, CURP check digit held (not reported)
    front_clave: str | None = None  # as read on the front, format-valid (reported only once verified)
    screening: dict[str, float] = field(default_factory=dict)  # photocopy / screen confidence 0-1

    def as_dict(self) -> dict[str, object]:
        return {
            "fields": {n: f.as_dict() for n, f in self.fields.items()},
            "model": self.model,
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
            "codes": self.codes,
            "screening": self.screening,
        }

    def warn(self, code: str, **params: object) -> None:
        if all(w.code != code for w in self.warnings):
            self.warnings.append(_notice(code, **params))


def read_side(bgr: np.ndarray, *, want_text: bool = True, tesseract_hints: bool = False,
              expect: str | None = None) -> SideReading:
    """Find the card in a photo, read its machine-readable parts, and tell which side it is.

    Independent cues, cheapest and most often right first: the QR (position and payload), the
    MRZ as a block of text lines read by tesseract (no card outline or font needed), then the
    card's outline with OCR-B glyph matching. `tesseract_hints` adds tesseract's reading of the
    glyph matcher's lines as extra candidates. `expect="front"` (the kiosk asked for the front):
    where the first MRZ search found nothing, the front's text is looked for before the costlier
    MRZ searches, which a front, having no MRZ, would run through to the end.
    """
    check_not_black(bgr, "de la cámara")  # a file was checked by its own name when loaded
    bgr = _bounded(bgr)
    side = SideReading()
    side.codes = read_codes(bgr)
    blocks = find_text_blocks(bgr)
    side.blocks = blocks
    text_ok = _read_blocks(side, bgr, blocks[:TEXT_BLOCKS]) or _vote(side)
    if not text_ok and expect == "front" and want_text and _front_first(side, bgr):
        _screen_side(side, bgr)
        side.frame = bgr
        return side
    if not text_ok:
        # a block whose outline took in the card's edge or the table runs off its text's angle:
        # turned level (mrztext.level), read again
        turned = [t for b in blocks[:TEXT_BLOCKS] if (t := level(bgr, b)) is not b]
        text_ok = bool(turned) and (_read_blocks(side, bgr, turned) or _vote(side))
    if not text_ok:
        # an MRZ in a shadow, its lines fainter in grey levels than the QR's and the header's:
        # found again with the ink measured against its own background
        shaded = _unseen(find_text_blocks(bgr, relative=True), blocks[:TEXT_BLOCKS], bgr.shape[1])[:TEXT_BLOCKS]
        side.blocks = side.blocks + shaded
        text_ok = bool(shaded) and (_read_blocks(side, bgr, shaded) or _vote(side))
    if not text_ok:
        text_ok = _read_below_codes(side, bgr)
    if not text_ok:
        # small or far cards: their MRZ lines vanish at the coarse width; look again finer
        fine_w = min(bgr.shape[1], FINE_DETECT_W)
        found = find_text_blocks(bgr, detect_w=fine_w, min_share=FINE_MIN_SHARE)
        new = _unseen(found, blocks[:TEXT_BLOCKS], bgr.shape[1])
        fine = new[:TEXT_BLOCKS]
        # a block found again, a little differently: the classifier reads it again (its cells
        # move), tesseract does not
        again = [b for b in found if not any(b is n for n in new)][:TEXT_BLOCKS]
        side.blocks = blocks + fine
        text_ok = _read_blocks(side, bgr, fine + again, cells_only=tuple(range(len(fine), len(fine) + len(again)))) or _vote(side)
    if not text_ok:
        text_ok = _read_rows(side, bgr)
    if not text_ok:
        # coarser: on a newspaper the MRZ's lines merge with the print around the card at the
        # usual width; smaller, the print's letters blur into grey and the MRZ stands out as a
        # block (fresh seed 8686868, own, medium: two sharp MRZs answered "no card")
        coarse = _unseen(find_text_blocks(bgr, detect_w=COARSE_DETECT_W), side.blocks, bgr.shape[1])[:TEXT_BLOCKS]
        side.blocks = side.blocks + coarse
        text_ok = bool(coarse) and (_read_blocks(side, bgr, coarse) or _vote(side))
    if not text_ok:
        text_ok = _read_outline_cells(side, bgr)
    if not text_ok:
        # the band under the QR on each side alone: print or a busy table beside the card merged
        # with the MRZ's lines across both (dev 5020013, hard, on a newspaper). Last: two more
        # bands per QR, each read by the cells and tesseract, are spent only where every cheaper
        # cue failed
        text_ok = _read_below_codes(side, bgr, BELOW_QR_ONE_SIDE)
    if not _firm(side):
        text_ok = _read_sharpened(side, bgr) or text_ok
    if not any(c.kind == "qr" for c in side.codes):
        # a QR too small or blurred at the frame's size (a card a third of the frame wide), looked
        # for once the text is read, so the reading of it does not change: a record keeps its QR,
        # and a read whose OCR is doubted later (_ocr_contradicted) has it to confirm the OCR
        # (dev 3930034, hard)
        finer = read_finer_qr(bgr)
        side.codes += finer
        if not text_ok and any(c.corners is not None for c in finer):
            # the MRZ looked for under a QR only the finer search found, as under one found first
            # (dev 5390056, hard: a far card on a newspaper, every text cue merged with the print)
            text_ok = _read_below_codes(side, bgr) or _read_below_codes(side, bgr, BELOW_QR_ONE_SIDE)
    weak = text_ok and side.text is not None and side.text.mrz is not None and bool({"cic", "ocr"} & side.text.mrz.weak)
    if (not text_ok or weak) and not any(c.kind == "qr" for c in side.codes):
        # a read whose CIC or OCR only the QR can confirm looks for it too (dev 3210023: the
        # cells' read, OCR weak, stopped the search that found the QR on the card)
        _codes_on_card(side, bgr)
    if not text_ok and side.text is not None:
        runs = [run for c in side.codes if c.kind == "qr" for run in digit_runs(c.text)]
        layouts = [layout for c in side.codes if c.kind == "qr" and (layout := documented_layout(c.text))]
        repaired = repair_with_qr(side.text, runs, layout=layouts[0] if len(layouts) == 1 and len(runs) == 1 else None)
        if repaired is not None:
            side.text.mrz, side.ocr_from_qr, text_ok = repaired, True, True
    views = [] if text_ok else _glyph_read(bgr, side, ATTEMPT_BUDGET_S, tesseract_hints)
    if not text_ok and side.zone.mrz is not None and side.zone.mrz.verified:
        # the glyph matcher's read is doubted where the classifier read another digit and was
        # sure of it, as tesseract's is (dev 4190022, hard, the CIC's check digit altered: the
        # cells read the printed CIC and OCR, the check digit failing; the glyph matcher read four
        # digits otherwise, 8 as 6 twice, 3 as 5, 1 as 3, and met the altered check digit and the
        # composite with them: CIC and OCR verified wrong)
        for seen in side.cell_reads:
            doubt_where_cells_differ(side.zone.mrz, seen)
        # and where it changed a birth date or expiry that the other reads saw as printed, its
        # check digit failing (dev 5050087, medium, the birth date's check digit altered: the
        # glyph matcher changed 960810 to 960830, which met it and the composite by chance)
        seen_views = {tuple(view) for view in side.views + [read.lines for read in side.cell_reads]}
        doubt_where_changed_and_contradicted(side.zone.mrz, [list(view) for view in sorted(seen_views)])
    if text_ok and side.text.mrz is not None and side.text.mrz.verified:
        # the other reads of the MRZ (the classifier's on other grids and blocks, tesseract's
        # views), each counted once, vote against the one kept (mrztext.doubt_where_outvoted)
        own = {tuple(view) for view in side.text.views}
        others = {tuple(view) for view in side.views + [read.lines for read in side.cell_reads]} - own
        other_views = [list(view) for view in sorted(others)]
        if not any(read is side.text for read in side.cell_reads):
            # a tesseract read or a vote, kept from a re-read (_read_sharpened's trial) that did not
            # have every grid's read to weigh it against: each grid sure of another digit doubts it
            # again here (dev 1424154, medium, an altered OCR: tesseract misread the composite's 4
            # as the 2 that fits on the sharpened card straightened; the cells had read the 4, sure)
            for seen in side.cell_reads:
                doubt_where_cells_differ(side.text.mrz, seen)
        doubt_where_line1_sure_otherwise(side.text.mrz, side.cell_line1, side.text.sure_cells)
        doubt_where_outvoted(side.text.mrz, other_views, frozenset(side.text.sure_cells or ()),
                             {tuple(read.lines): set(read.sure_cells or ()) for read in side.cell_reads})
        doubt_where_changed_and_contradicted(side.text.mrz, other_views)
        doubt_where_another_meets_composite(side.text.mrz, other_views)
        cells = {tuple(read.lines) for read in side.cell_reads}
        doubt_where_ocr_unseen(side.text.mrz, other_views, side.text.placed_cells,
                               [list(view) for view in sorted(own - cells)])
        if any(read is side.text for read in side.cell_reads):
            doubt_where_unsure_and_read_otherwise(side.text, [read for read in side.cell_reads if read is not side.text])
        doubt_where_unsure_and_seen_otherwise(side.text, [list(view) for view in sorted(own | others)], side.cell_reads)
        doubt_where_filler_read_digit(side.text.mrz, [list(view) for view in sorted(own | others)])
        if not side.text.sure_cells:  # tesseract's read, not a grid's
            doubt_where_date_unseen(side.text.mrz, [list(view) for view in sorted(own | others)])
        doubt_where_tail_differs(side.text.mrz, side.text.sure_cells)
        doubt_where_a_guess_met_the_composite(side.text.mrz)
        if {"cic", "ocr"} & side.text.mrz.weak and not any(c.kind == "qr" for c in side.codes):
            # a CIC or OCR these doubts left for the QR to confirm: the QR looked for on the card
            # as for a weak read above (dev 5962018, medium: views read the emisión's 0 as 9 and
            # an 8 as 6, the OCR was doubted, and the QR on the card, thresholded, was never read)
            _codes_on_card(side, bgr)
    if text_ok:
        side.zone = Zone(mrz=side.text.mrz, mrz_lines_seen=True)
    if side.card is None and side.text is not None and side.text.block is not None:
        side.quad = card_from_block(side.text.block.quad)
        side.card = rectify(bgr, side.quad)
    if not side.codes and side.card is not None:
        side.codes = read_codes(side.card)
    has_codes = _back_codes(side)
    # an MRZ read, even unverified (line 1 parsed, or a line of fillers): a back, whose front text
    # is not looked for (tesseract on a whole card side costs about a third of a second a view)
    text_seen = side.text is not None and (side.text.cic is not None or side.text.mrz is not None or side.text.line1 is not None)
    text_seen = text_seen or any(re.search(r"<<.*<<|MEX.*<<", line) or _line1_like(line) for view in side.views for line in view)
    # or the classifier's three lines starting like line 1 (dev 3940041, hard: a far card whose
    # MRZ only the cells read, two characters off, was answered "no card")
    text_seen = text_seen or any(read.lines for read in side.cell_reads)
    if side.zone.mrz_lines_seen or text_seen or (side.zone.ocr_line and side.zone.ocr_confident) or has_codes:
        side.side = "back"
    elif side.card is not None:
        side.side = "front"
    if side.side == "front" and want_text:
        _find_front_text(side, views)
    _screen_side(side, bgr)
    side.frame = bgr
    return side


def _firm(side: SideReading) -> bool:
    """Whether the MRZ kept verified with its CIC and OCR firm (nothing left for the QR to confirm)."""
    mrz = side.text.mrz if side.text is not None else None
    return mrz is not None and mrz.verified and not ({"cic", "ocr"} & mrz.weak)


SHARPEN_SIGMA = 1.5  # pixels of the frame: the unsharp mask's blur for the sharpened re-read
SHARPEN_AMOUNT = 1.5


def _read_sharpened(side: SideReading, bgr: np.ndarray) -> bool:
    """The MRZ read again on the frame sharpened (an unsharp mask) when no read left the CIC and
    OCR firm but some MRZ-like block was seen: its text blocks found again and read (classifier,
    then tesseract), then the card's outlines. On a blurred photo the first read's cells are
    often right but unsure (dev 4910001, hard: every character right, the OCR's cells unsure,
    tesseract's views garbled, the QR past decoding). Kept only when a read verifies with the CIC
    and OCR firm; its views join the others, which then vote on it as on any read (read_side)."""
    if not side.blocks:
        return False
    sharp = cv2.addWeighted(bgr, 1 + SHARPEN_AMOUNT, cv2.GaussianBlur(bgr, (0, 0), SHARPEN_SIGMA), -SHARPEN_AMOUNT, 0)
    blocks = find_text_blocks(sharp)[:TEXT_BLOCKS]
    trial = SideReading()
    if not (_read_blocks(trial, sharp, blocks) and _firm(trial)):
        trial = SideReading(outlines=_outlines(side, bgr))  # the card's outline is where it was
        if not (_read_outline_cells(trial, sharp) and _firm(trial)):
            return False
    side.views += trial.views
    side.cell_reads += trial.cell_reads
    side.cell_line1 += trial.cell_line1
    side.text = trial.text
    return True


def _read_below_codes(side: SideReading, bgr: np.ndarray, bands: tuple = (BELOW_QR,)) -> bool:
    """The MRZ looked for under each QR found, in an upright view scaled by the QR's size (a
    cue independent of the text detector's luck on the whole frame: busy tables, far cards), in
    each of `bands` (locate.region_below_code): across both sides of the QR, or on one side alone."""
    regions = [(code, region) for region in bands for code in side.codes if code.kind == "qr" and code.corners is not None]
    for code, region in regions:
        matrix, size = region_below_code(code.corners, region=region)
        view = cv2.warpAffine(bgr, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=(160, 160, 160))
        blocks = find_text_blocks(view, min_share=0.25)[:TEXT_BLOCKS]
        rows = _unseen(find_row_blocks(view, detect_w=view.shape[1], min_share=0.25), blocks, view.shape[1])[:ROW_BLOCKS]
        # the likeliest row block by tesseract too: its cells may cut a line at the wrong pitch
        # (a dev photo on a newspaper: line 2 read two cells off, tesseract read all three right)
        cells_only = tuple(range(len(blocks) + 1, len(blocks) + len(rows)))
        if _read_blocks(side, view, blocks + rows, cv2.invertAffineTransform(matrix), cells_only) or _vote(side):
            return True
    return False


def _read_rows(side: SideReading, bgr: np.ndarray) -> bool:
    """The MRZ as three text rows found one by one over the whole frame (a card
    whose MRZ the block detector merged with a newspaper or receipts around it, and no QR read),
    read by the cell classifier, the likeliest by tesseract too when nothing was read before."""
    rows = _unseen(find_row_blocks(bgr), side.blocks, bgr.shape[1])[:ROW_BLOCKS]
    side.blocks = side.blocks + rows
    # a read with nothing like line 1 in it (an empty one, or the card's header) is no read
    first = 0 if side.text is not None and side.text.line1 else 1
    return _read_blocks(side, bgr, rows, cells_only=tuple(range(first, len(rows)))) or _vote(side)


def _unseen(found: list[TextBlock], seen: list[TextBlock], width: int) -> list[TextBlock]:
    """The blocks of `found` that are not one of `seen` again: a centre near it and a height
    within a quarter of its. A block about another's centre but a third shorter is another cut
    of the text, not the same block: dev 5830022 (hard, a card a fifth of the frame on a dotted
    cloth): the detections took in the cloth below the card and read nothing; the row
    detector's block, on the three lines alone, has about their centre."""

    def height(block: TextBlock) -> float:
        q = block.quad
        return float(np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2

    def same(b: TextBlock, s: TextBlock) -> bool:
        near = np.linalg.norm(b.quad.mean(axis=0) - s.quad.mean(axis=0)) <= 0.03 * width
        return bool(near and 0.75 <= height(b) / max(height(s), 1.0) <= 1 / 0.75)

    return [b for b in found if not any(same(b, s) for s in seen)]


BAND = 0.0  # a TextBlock's score when it is a band across a card's outline where the MRZ lies, not text found
MRZ_BAND = (0.58, 0.99)  # where a TD1 MRZ lies on an ID-1 back, as fractions of its height


def _codes_on_card(side: SideReading, bgr: np.ndarray) -> None:
    """A QR the whole frame did not give (blurred, small): looked for again on the card seen
    straight on, sharpened, twice as large, and last thresholded against its own surroundings (a
    glare or shadow across the symbol, which the decoders' binarizers split: dev 5961426, medium)."""
    for quad in _card_guesses(side, bgr)[:CODE_QUADS]:
        card = cv2.cvtColor(rectify(bgr, quad), cv2.COLOR_BGR2GRAY)
        sharp = cv2.addWeighted(card, 2.0, cv2.GaussianBlur(card, (0, 0), 2), -1.0, 0)
        local = cv2.adaptiveThreshold(card, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, *QR_THRESHOLD)
        found = read_codes(card, sharp, cv2.resize(sharp, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), local)
        side.codes += [replace(c, corners=None) for c in found if c.kind == "qr"]  # corners: on the card, not the frame
        if side.codes:
            return


CODE_QUADS = 2  # card positions searched again for a QR
QR_THRESHOLD = (31, 5)  # the local threshold's window (about three QR modules on the card straight) and offset


def _card_guesses(side: SideReading, bgr: np.ndarray) -> list[np.ndarray]:
    """Where the card may be, likeliest first: its outline when one was taken, the card around a
    block that read as MRZ text (tesseract's, then the classifier's three lines), the first
    outline found. A block that read nothing is no guess (dev photo 3100046, on a newspaper: an
    empty block of print was kept as the read, and the card lay around the classifier's)."""
    guesses = [] if side.quad is None else [side.quad]
    read = [side.text] if side.text is not None and side.text.lines else []
    for text in read + side.cell_reads:
        if text.block is not None and any("<<" in line or "MEX" in line for line in text.lines):
            guesses.append(card_from_block(text.block.quad))
    if len(guesses) < CODE_QUADS:
        guesses += _outlines(side, bgr)[:1]
    return guesses


def _read_outline_cells(side: SideReading, bgr: np.ndarray) -> bool:
    """The third cue: the card's outline (either way up), its lower band read by the cell
    classifier; then the card seen straight, its MRZ read in the bands where an INE back has it
    and looked for as text there. For a card whose MRZ the text detector did not single out in
    the frame (a busy table, text lines merged with the table's: dev 3400024, a card on a
    newspaper whose band cut the lines at a slant, read verified once the card was straightened)."""
    coarse = _outlines(side, bgr)[:OUTLINE_CELL_QUADS]
    # then the outlines only a finer search finds: a card a fifth to a third of the frame wide,
    # its edges merged at 640 pixels with bricks, dots or a receipt beside it (dev 4880068,
    # 4880090, hard)
    fine = _untried(find_card_quads(bgr, work_w=min(FINE_WORK_W, bgr.shape[1])), coarse, bgr.shape[1])
    tried = coarse + fine[:OUTLINE_CELL_QUADS]

    def outlines():
        yield from tried
        # then the card as the frame's bright patch (a white card a dark object or the table's
        # stripes touch, its contours merged with theirs: dev 5450016, hard), looked for only now
        yield from _untried(find_bright_quads(bgr), tried, bgr.shape[1])

    for quad in outlines():
        for turn in (0, 2):
            card = np.roll(quad, -turn, axis=0)  # TL first, or BR first: the card upside down
            top, bottom = MRZ_BAND
            band = np.array([card[0] + (card[3] - card[0]) * top, card[1] + (card[2] - card[1]) * top,
                             card[1] + (card[2] - card[1]) * bottom, card[0] + (card[3] - card[0]) * bottom], np.float32)
            text = read_block_cells(bgr, TextBlock(band, BAND), views=CELL_VIEWS[:1])
            if text is not None:
                side.cell_line1 += text.line1_probs
            if text is not None and text.mrz is not None and text.mrz.verified:
                if text.mrz.weak:
                    # an OCR the cells were unsure of: tesseract on the same band may read it firmly
                    text = _firmer(bgr, text, TextBlock(band, BAND))
                side.views += text.views
                side.text = text
                return True
        if _read_straight_card(side, bgr, quad):
            return True
    return False


def _untried(quads: list[np.ndarray], tried: list[np.ndarray], width: int) -> list[np.ndarray]:
    """The outlines of `quads` with some corner more than SAME_OUTLINE frame widths from each of `tried`'s."""
    return [q for q in quads if all(np.linalg.norm(q - c, axis=1).max() > SAME_OUTLINE * width for c in tried)]


STRAIGHT_MIN_SHARE = 0.4  # an MRZ block on the straightened card spans at least this share of its width
# where the MRZ lies on the straightened card, as fractions of its height: the INE's zone with a
# margin, then MRZ_BAND (dev 3430021, hard: a legible MRZ the text detector did not find on the
# straightened card, which took only its header, read firm in the first band and weak in the second)
STRAIGHT_BANDS = ((0.62, 0.97), MRZ_BAND)


def _read_straight_card(side: SideReading, bgr: np.ndarray, quad: np.ndarray) -> bool:
    """The card at `quad` straightened (locate.rectify), its MRZ read in the bands where it lies
    on an INE back, then found as a text block or three rows on it (_read_blocks); the blocks'
    corners mapped back to the frame. Tesseract reads the first band and the blocks found."""
    view = rectify(bgr, quad)
    h, w = view.shape[:2]
    bands = [TextBlock(np.array([[0.02 * w, top * h], [0.98 * w, top * h], [0.98 * w, bottom * h], [0.02 * w, bottom * h]],
                                np.float32), BAND) for top, bottom in STRAIGHT_BANDS]
    blocks = find_text_blocks(view, min_share=STRAIGHT_MIN_SHARE)[:TEXT_BLOCKS]
    rows = _unseen(find_row_blocks(view, detect_w=w, min_share=STRAIGHT_MIN_SHARE), blocks, w)
    found = bands + _unseen(blocks + rows[:1], bands, w)
    return _read_blocks(side, view, found, np.linalg.inv(card_transform(quad)), cells_only=(1,)) or _vote(side)


def _firmer(bgr: np.ndarray, cells: TextRead, block: TextBlock) -> TextRead:
    """Tesseract's read of a block whose cells verified with weak fields, when it verifies with
    none weak (and the cells, sure of another digit, do not doubt it); else the cells' read, its
    OCR firm if tesseract read it and the optional data alike (mrztext.confirm_by_views)."""
    text = read_block(bgr, block)
    if text.mrz is not None and text.mrz.verified:
        doubt_where_cells_differ(text.mrz, cells)
        if not text.mrz.weak:
            text.views = cells.views + text.views
            return text
    confirm_by_views(cells.mrz, text.views)
    cells.views = cells.views + text.views
    return cells


def _in_frame(block: TextBlock, back: np.ndarray | None) -> TextBlock:
    """The block with its corners mapped by `back` (2×3 affine or 3×3 homography) from the view it
    was found in to the frame."""
    if back is None:
        return block
    corners = block.quad.reshape(-1, 1, 2).astype(np.float32)
    if back.shape == (3, 3):  # a homography (a straightened card), else an affine map
        return TextBlock(cv2.perspectiveTransform(corners, back).reshape(4, 2), block.score)
    return TextBlock(cv2.transform(corners, back).reshape(4, 2), block.score)


def _read_blocks(side: SideReading, bgr: np.ndarray, blocks: list[TextBlock], back: np.ndarray | None = None,
                 cells_only: tuple[int, ...] = ()) -> bool:
    """Each block read cell by cell by the classifier, then by tesseract, until one verifies; the
    best reading is kept in `side`. A read whose OCR is weak (only the QR can confirm it) is kept
    only when no block gives a firm one. `back` maps the blocks' corners from the view they were
    found in to the frame; the blocks at the `cells_only` indexes are not given to tesseract
    (it read them already, found a little differently)."""
    weak: TextRead | None = None
    tesseract_views: list[list[str]] = []
    for index, block in enumerate(blocks):
        # tesseract reads the block on the other core while the classifier does (it lets go of the
        # GIL): a block the cells do not verify costs the slower of the two, not both; its answer
        # is used exactly where it was before, so the reading is the same. It starts once the
        # cells' quick read has not settled the block: a read made unneeded still runs to its end
        # on the other core, under the next photo's work
        tesseract = None

        def start(block: TextBlock = block, index: int = index) -> None:
            nonlocal tesseract
            if tesseract is None and index not in cells_only:
                tesseract = _tesseract_pool().submit(read_block, bgr, block)

        cells = read_block_cells(bgr, block, on_slow=start)
        if cells is not None:
            cells.block = _in_frame(block, back)
            side.cell_line1 += cells.line1_probs
            if len(cells.lines) == 3:
                side.cell_reads.append(cells)
        if cells is not None and cells.mrz is not None and cells.mrz.verified:
            if weak is not None:  # the same MRZ found again as another block, read alike
                firm_where_either_is(cells, weak)
                firm_where_either_is(weak, cells)
            if not cells.mrz.weak:
                if tesseract is not None:
                    tesseract.cancel()  # not started yet (the worker still on an earlier block): not run
                side.views += cells.views
                side.text = cells
                return True
            weak = weak or cells
        if index in cells_only:
            continue
        start()  # the cells ask for it once their quick read fails; here for a read that never asked
        text = tesseract.result()
        tesseract_views += text.views
        if cells is not None:
            text.views = cells.views + text.views
            if not text.line1:
                text.line1, text.line1_index = cells.line1, -1
        text.block = _in_frame(block, back)
        if text.mrz is not None and text.mrz.verified and "ocr" not in text.mrz.weak and len(text.views) == 1:
            # tesseract's first view verified and nothing else read the block (the classifier saw
            # no three lines in it): the OCR and emisión have only the composite, and two misreads
            # cancel in it (fresh seed 6060655, hard: 0 read 9 in the OCR and in the emisión,
            # weights 7 and 3, the total changed by 90). Its other views must read them the same
            side.views += _read_lone_view(bgr, block, text)
        if text.mrz is not None and text.mrz.verified:
            # every block's cells, not only this one's: the MRZ found twice, a little differently,
            # was read right by the cells of one and misread to fit an altered composite by
            # tesseract on the other (a dev photo)
            for seen in side.cell_reads:
                doubt_where_cells_differ(text.mrz, seen)
        side.views += text.views
        better = (text.cic and not side.text.cic) or (text.line1 and not side.text.line1) if side.text is not None else True
        if better or (text.mrz is not None and text.mrz.verified):
            side.text = text
        if text.mrz is not None and text.mrz.verified:
            return True
    if weak is not None and not (side.text is not None and side.text.mrz is not None and side.text.mrz.verified):
        confirm_by_views(weak.mrz, tesseract_views)
        side.views += weak.views
        side.text = weak
        return True
    return side.text is not None and side.text.mrz is not None and side.text.mrz.verified


def _read_lone_view(bgr: np.ndarray, block: TextBlock, text: TextRead) -> list[list[str]]:
    """The other views of a block whose lone tesseract view verified; its OCR and emisión made
    weak (for the QR or a sharpened read to settle) unless one of them reads them alike, its CIC
    weak unless one of them reads it alike (cic_seen), and its CIC, birth date or expiry weak where
    one of them reads another (doubt_where_contradicted)."""
    views = [v for v in other_views(bgr, block) if v]
    doubt_where_contradicted(text.mrz, views)
    if not supported(text.mrz, views):
        text.mrz.weak |= {"ocr", "emision"}
        text.mrz.values["emision"] = None
    if not cic_seen(text.mrz, views):
        text.mrz.weak.add("cic")  # the QR may still confirm it
    return views


_POOL: ThreadPoolExecutor | None = None


def _tesseract_pool() -> ThreadPoolExecutor:
    """One worker: tesseract's engine is one per process (tess._API_LOCK); a read the cells made
    unneeded finishes in the background and is dropped."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tesseract")
    return _POOL


_SCREENING: ThreadPoolExecutor | None = None


def _screening_pool() -> ThreadPoolExecutor:
    """One worker for the photocopy flag, apart from tesseract's (a read the cells made unneeded
    may still run there)."""
    global _SCREENING
    if _SCREENING is None:
        _SCREENING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening")
    return _SCREENING


def _vote(side: SideReading) -> bool:
    """The MRZ by a vote over every view read so far (mrztext.vote); True when it verifies."""
    voted = vote(side.views)
    if voted is None or not voted.verified:
        return False
    # the classifier sure of another digit where the views agreed is a witness, as against a
    # tesseract read (dev 4010087, medium, an altered composite: three views read the emisión's
    # 0 as 9, which met it; the cells read 0, sure, and their composite failed)
    for seen in side.cell_reads:
        doubt_where_cells_differ(voted, seen)
    # a view whose other digits meet the composite as well: the vote did not settle the OCR (dev
    # 4670032, hard: two 0s read as 6s by one grid, cancelling in the composite, and voted in)
    doubt_where_another_meets_composite(voted, side.views)
    if voted.weak & {"birth_date", "expiry_year"}:
        # a birth date or expiry the vote solved by its own check digit, which the card may have
        # printed wrong: the composite held over a guess, so the OCR counts only when tesseract
        # read it too, not the classifier's grids alone, which share their misreads (dev 4900023,
        # medium, an altered expiry: every grid read the OCR's last 9 as 0, the solved expiry and
        # the composite held by chance)
        if not _tesseract_read(side, voted.lines[0][17:30]):
            voted.weak |= {"ocr", "emision"}
            voted.values["emision"] = None
    block = side.text.block if side.text is not None else None
    side.text = TextRead(lines=voted.lines, mrz=voted, cic=voted.values["cic"], ocr_candidate=voted.values["ocr"],
                         line1=voted.lines[0], line1_index=0, block=block, views=side.views)
    return True


def _screen_side(side: SideReading, bgr: np.ndarray) -> None:
    """Photocopy and screen flags with a 0-1 confidence (the Mesa de Control sorts by it). With no
    card found, the screen's pixel grid over the frame still decides (a phone screen photographed
    close often shows no card outline or MRZ the locators take)."""
    if side.card is None:
        side.screen, side.confidence["screen"] = screen_decision(bgr)
        return
    block = side.text.block if side.text is not None and side.text.block is not None else None
    quad = block.quad if block is not None else None
    if block is not None and block.score == BAND:
        found = text_within_band(bgr, block.quad)
        quad = found if found is not None else quad
    # the two flags on the two cores (their OpenCV and numpy work lets go of the GIL): about a
    # tenth of an easy photo's time, halved
    copy = _screening_pool().submit(photocopy_decision, side.card, bgr, quad)
    side.screen, side.confidence["screen"] = screen_decision(bgr, side.quad)
    side.photocopy, side.confidence["photocopy"] = copy.result()


def _glyph_read(bgr: np.ndarray, side: SideReading, budget: float, tesseract_hints: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Card positions (MRZ-predicted, then outlines) read with the OCR-B glyph matcher until one
    verifies or `budget` seconds pass; the best is kept in `side`. Returns every (quad, card) tried."""
    best_zone, best_quad, best_gray = None, None, None
    views: list[tuple[np.ndarray, np.ndarray]] = []
    deadline = time.monotonic() + budget
    for quad in _attempts(bgr, side):
        card = rectify(bgr, quad)
        views.append((quad, card))
        gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
        zone = read_zone(gray)
        if best_zone is None or _zone_rank(zone) > _zone_rank(best_zone):
            best_zone, best_quad, best_gray, side.card = zone, quad, gray, card
        if _zone_rank(zone) == 3 or time.monotonic() > deadline:
            break
    if tesseract_hints and best_zone is not None and _zone_rank(best_zone) == 2:
        best_zone = read_zone(best_gray, use_tesseract=True)  # second opinion on the best view only
    if best_zone is not None:
        side.zone, side.quad = best_zone, best_quad
    return views


def _names_from_glyphs(side: SideReading) -> None:
    """Tesseract's MRZ line 3 inserts and drops fillers; when the names are to be checked against
    the front, the glyph matcher's line 3 is preferred if its read verifies the same numbers."""
    if side.frame is None or side.text is None or side.text.mrz is None or not side.text.mrz.verified:
        return
    probe = SideReading()
    _glyph_read(side.frame, probe, NAME_BUDGET_S)
    glyph = probe.zone.mrz
    if glyph is not None and glyph.verified and all(glyph.values.get(k) == side.text.mrz.values.get(k) for k in ("cic", "ocr", "birth_date")):
        side.zone = probe.zone
        side.zone.mrz.values["sex"] = glyph.values.get("sex")


def _bounded(bgr: np.ndarray) -> np.ndarray:
    """An array handed in directly (not through load_image) is reduced to WORK_PIXELS too."""
    pixels = bgr.shape[0] * bgr.shape[1]
    if pixels <= WORK_PIXELS:
        return bgr
    factor = (pixels / WORK_PIXELS) ** 0.5
    return cv2.resize(bgr, (int(bgr.shape[1] / factor), int(bgr.shape[0] / factor)), interpolation=cv2.INTER_AREA)


def _find_front_text(side: SideReading, views: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Read the front's text from the first card position whose text looks like a credential
    (on a busy table the first quadrilateral may be something else); none: not a credential."""
    ordered = [(side.quad, side.card)] + [(q, c) for q, c in views if c is not side.card]
    for quad, card in ordered[:MAX_FRONT_VIEWS]:
        text = tess.read_text(_ink(card))
        if _front_like(text):
            side.quad, side.card, side.front_text = quad, card, text
            return
    side.side = None  # quadrilaterals, but not a credential


FRONT_WORDS = frozenset({"NOMBRE", "DOMICILIO", "CURP", "CLAVE", "ELECTOR", "REGISTRO", "VIGENCIA", "SEXO",
                         "CREDENCIAL", "VOTAR", "SECCION", "EMISION"})
FRONT_WORDS_NEEDED = 3  # distinct words of a front's labels: what an MRZ side does not print


def _back_codes(side: SideReading) -> bool:
    """A code only a back carries: the INE's QR, or a barcode of a CIC (9 digits) or OCR (13)."""
    return any(is_ine_qr(c.text) or re.fullmatch(r"\d{9}|\d{13}", c.text) for c in side.codes)


def _front_first(side: SideReading, bgr: np.ndarray) -> bool:
    """A photo asked for as the front, with no MRZ read and no code of the back on it: the
    front's text read on the card's outlines. Taken as the front only where tesseract reads
    FRONT_WORDS_NEEDED of its labels (a back that reads no MRZ at first is searched as before)."""
    if side.text is not None or side.cell_reads or _back_codes(side):
        return False
    for quad in _outlines(side, bgr)[:MAX_FRONT_VIEWS]:
        card = rectify(bgr, quad)
        text = tess.read_text(_ink(card))
        if len(FRONT_WORDS & set(_front_tokens(text))) >= FRONT_WORDS_NEEDED:
            side.quad, side.card, side.front_text, side.side = quad, card, text, "front"
            return True
    return False


def _ink(card: np.ndarray) -> np.ndarray:
    """A card side as tesseract reads its front best: each pixel's brightest channel, so that the
    coloured print under and over the text (a red "MUESTRA" across the names, a guilloche) fades
    to the stock while black or dark-coloured letters stay dark."""
    return card.max(axis=2) if card.ndim == 3 else card


def _attempts(bgr: np.ndarray, side: SideReading):
    """Card positions to try: from MRZ-like blocks first (cheap), then from the card's edges."""
    yield from find_mrz_blocks(bgr)
    yield from _outlines(side, bgr)


def _outlines(side: SideReading, bgr: np.ndarray) -> list[np.ndarray]:
    """The card outlines of the frame (locate.find_card_quads), found once per photo: three
    searches on a photo that does not read asked for them (40-75 ms each on dev hard photos)."""
    if side.outlines is None:
        side.outlines = find_card_quads(bgr)
    return side.outlines


def _zone_rank(zone: Zone) -> int:
    if zone.mrz is not None and zone.mrz.verified and zone.mrz.confidence < MIN_GLYPH_CONFIDENCE:
        # the check digits were met, but by cells that barely look like their characters: with
        # thousands of combinations of weak cells some satisfy all four digits by chance
        zone.mrz.verified = False
        zone.mrz.problems.append("mrz_weak")
    if zone.mrz is not None and zone.mrz.verified:
        return 3
    if zone.mrz_lines_seen:
        return 2
    return 1 if zone.ocr_line else 0


LINE1_DIGITS = 7  # digits among the ten after MEX for a view's line to be taken for a blurred line 1


def _line1_like(line: str) -> bool:
    """A view's line that begins like MRZ line 1 with its fillers lost: MEX, then ten characters
    that are mostly digits (dev 4430032, hard, a small card on a newspaper: 'TOMEX707146602',
    'XOFOMEX70710007U2'; nothing else of the MRZ read, and the photo was answered "no card"
    instead of "acerque la credencial"). A front's "MÉXICO" or an address's "MEX 52140" has
    fewer digits there."""
    return any(sum(ch.isdigit() for ch in m.group(1)) >= LINE1_DIGITS for m in re.finditer(r"MEX(\w{1,10})", line))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _front_like(text: str) -> bool:
    plain = _plain(text)
    return any(word in plain for word in ("ELECTORAL", "CREDENCIAL", "VOTAR", "ELECTOR", "CURP"))


def _front_tokens(text: str) -> list[str]:
    return re.findall(r"[A-Z]+", _plain(text))


def _set(reading: CredentialReading, name: str, value: object, source: str) -> None:
    """Record a verified value; a different verified value from another source is a conflict."""
    current = reading.fields[name]
    if name in reading.conflicts:
        return
    if current.verified and current.value != value:
        _conflict(reading, name, current, value, source)
        return
    if not current.verified:
        reading.fields[name] = FieldValue(value, source, True)


def _conflict(reading: CredentialReading, name: str, current: FieldValue, value: object, source: str) -> None:
    """Two sources disagree: report both, keep neither."""
    reading.errors.append(_notice("conflict", field=name, field_es=FIELD_ES.get(name, name), a=current.value,
                                  source_a=current.source, source_a_es=SOURCE_ES.get(current.source, current.source),
                                  b=value, source_b=source, source_b_es=SOURCE_ES.get(source, source)))
    reading.fields[name] = FieldValue(None, None, False)
    reading.conflicts.add(name)


def _ocr_contradicted(mrz: MrzReading, views: list[list[str]], line1_probs: list[np.ndarray] = (),
                      unsure: dict[str, set[int]] | None = None) -> bool:
    """Whether one OCR one or two digits off the verified one was read, with the same CIC and
    check digit, by as many views as read the verified one: the composite alone covers the OCR,
    and two misreads can meet it (a screen on a dev seed, 2870034: 8822934786447 read
    8822954780447 by one view of tesseract and right by another, whose line 2 was not whole). A
    view that misread a digit of an OCR that more views read right does not count against it
    (dev 2880018), nor do views that each misread another digit (dev 3200017: three views read
    the OCR right, three others three different ways). Nor does a run of more than thirteen
    digits: a digit read twice or out of a smudge shifts every digit after it, so its first
    thirteen are no read of the OCR in place (dev 5961055, samples' design, medium, no QR decoded:
    one view read 3466226916430 right, another 34662269164630, whose first thirteen are two
    digits off, and the OCR was left weak). Nor does a read every one of whose other digits a view
    of line 1's cells (`line1_probs`) was sure is the kept one (dev 5962721, medium, a shadow's
    edge across the OCR: one view read right, two others each one digit off, 0 as 6 and 8 as 4,
    where the cells read 0 and 8 sure; the cells read what is printed, and on a card whose OCR
    was altered they are sure of the printed digit, not of the one that meets the composite).
    Nor does the classifier's own line 1 where it differs only at cells it was not sure of
    (`unsure`: its line 1 and those columns): an unsure cell is no witness (fresh seed 9292965,
    own, medium, the MRZ tight to the card's edge: the cells' read of a block cut at both ends
    read the OCR's last 9 as 3, unsure, every other OCR digit sure and right; it outvoted the one
    tesseract view that read all three lines right, and the OCR was left unverified)."""
    cic, ocr = mrz.lines[0][5:14], mrz.lines[0][17:30]
    witnessed = {i - 17 for probs in line1_probs for i in printed_as_read(probs, cic, ocr) if i >= 17}
    exact, otherwise = _read_otherwise(views, r"MEX(\d{10})<<(\d{13})(?!\d)", mrz.lines[0][5:15], ocr, refuted=witnessed,
                                       unsure=unsure)
    return otherwise > 0 and otherwise >= exact


def _unsure_line1(side: SideReading) -> dict[str, set[int]]:
    """Line 1 of each of the classifier's reads, and the columns of it it was not sure of."""
    return {read.lines[0]: {i for i in range(len(read.lines[0])) if (0, i) not in read.sure_cells}
            for read in side.cell_reads if read.lines}


def _dates_contradicted(mrz: MrzReading, views: list[list[str]]) -> set[str]:
    """The birth date and expiry that a view read otherwise (with its check digit, one or two
    digits off, the other date alike) and no second view read so: two misreads can meet a date's
    check digit and the composite alike (fresh seed 7383747, a screen in the samples' style:
    tesseract's one view of line 2 read birth 600111 as 690121, the 0 to 9 and the 1 to 2 both
    at weight 3 in its check digit and 1 in the composite; another view read 690111, its check
    digit failing). A date two views read alike stands, however many misread it (dev 5720027,
    medium: five views read 880816's first 8 as 3, three read it right)."""
    if len(mrz.lines) < 2:
        return set()
    birth, expiry = mrz.lines[1][0:7], mrz.lines[1][8:15]
    out = set()
    for name, anchor, kept, second in (("birth_date", expiry, birth, True), ("expiry_year", birth, expiry, False)):
        exact, otherwise = _read_otherwise(views, r"(\d{7})[HM<](\d{7})MEX", anchor, kept, anchor_second=second)
        if otherwise > 0 and exact < 2:
            out.add(name)
    return out


def _read_otherwise(views: list[list[str]], pattern: str, anchor: str, kept: str, anchor_second: bool = False,
                    refuted: set[int] = frozenset(), unsure: dict[str, set[int]] | None = None) -> tuple[int, int]:
    """(how many lines of `views` gave `kept`, how many gave the commonest value one or two digits
    off it), counting the lines that match `pattern` (two groups: the anchor, read alike, then the
    value; `anchor_second`: the other way round). A value off only at positions of `refuted`
    (where another witness read the kept digits) is not counted, nor, once, a line of `unsure`
    off only at the columns given for it (where its reader was not sure)."""
    unsure = dict(unsure or {})
    exact, near = 0, Counter()
    for view in views:
        for line in view:
            found = re.search(pattern, line)
            if not found:
                continue
            seen_anchor, seen = (found.group(2), found.group(1)) if anchor_second else (found.group(1), found.group(2))
            if seen_anchor == anchor:
                differ = {i for i, (a, b) in enumerate(zip(seen, kept)) if a != b}
                off = len(differ)
                exact += off == 0
                if 0 < off <= 2 and not differ <= refuted:
                    start = found.start(1 if anchor_second else 2)
                    if line in unsure and {start + i for i in differ} <= unsure[line]:
                        del unsure[line]
                        continue
                    near[seen] += 1
    return exact, max(near.values(), default=0)


def _apply_back(reading: CredentialReading, side: SideReading) -> MrzReading | None:
    mrz = side.zone.mrz
    # a tesseract read (no per-character confidence) whose OCR other views read otherwise; the
    # cells' own reads need every OCR cell sure (mrztext.TAIL_SURE_SHARE) and are not doubted here
    # (dev 2890052: the cells read it right, one tesseract view two digits off)
    firm_cells = side.text is not None and side.text.mrz is mrz and bool(side.text.sure_cells)
    if mrz is not None and mrz.verified and "ocr" not in mrz.weak and not firm_cells and \
            _ocr_contradicted(mrz, side.views, side.cell_line1, _unsure_line1(side)):
        mrz.weak |= {"ocr", "emision"}
    if mrz is not None and mrz.verified and not firm_cells:
        # tesseract's views only: a grid's read of a date is weighed with its sure cells
        # (doubt_where_cells_differ); by number, a grid unsure of a blurred 9 as 3 said otherwise
        # against a right read (dev 5720009, easy)
        mrz.weak |= _dates_contradicted(mrz, _tesseract_views(side))
    if mrz is not None and mrz.verified and "cic" not in mrz.weak and cic_read_otherwise(mrz, _tesseract_views(side)):
        mrz.weak.add("cic")
    if mrz is not None and mrz.verified:
        doubt_where_tail_differs(mrz, side.text.sure_cells if side.text is not None and side.text.mrz is mrz else frozenset())
        doubt_where_a_guess_met_the_composite(mrz)
        for name in ("cic", "ocr", "birth_date", "expiry_year", "emision"):
            # a weak field (composite over a re-fitted line 2) is verified only if the QR agrees, below
            if mrz.values.get(name) is not None and name not in mrz.weak:
                from_qr = side.ocr_from_qr and side.text is not None and side.text.line1 is not None and \
                    mrz.values[name] != {"cic": side.text.line1[5:14], "ocr": side.text.line1[17:30]}.get(name, mrz.values[name])
                _set(reading, name, mrz.values[name], "qr" if from_qr else "mrz")
        if mrz.values.get("sex"):
            _set(reading, "sex", mrz.values["sex"], "mrz")
        reading.name_truncated = mrz.name_truncated
    elif mrz is not None:
        for problem in (p for p in mrz.problems if p != "mrz_weak"):
            key = problem.removeprefix("mrz_check_").removeprefix("mrz_")
            es, en = WHAT.get(key, WHAT["mrz"])
            reading.errors.append(_notice("check_digit", what=es, what_en=en))
    for code in side.codes:
        if code.kind == "qr":
            _qr_disagrees(reading, code.text)
            confirmed = qr_confirms(code.text, _line1_reads(side))
            if len(confirmed) < 2:  # the classifier's cells may confirm both where the text did not
                confirmed = qr_confirms_cells(code.text, side.cell_line1) or confirmed
            if len(confirmed) < 2 and not (set(reading.conflicts) & {"cic", "ocr"}):
                confirmed = qr_by_layout(code.text, _line1_reads(side), side.cell_line1) or confirmed
            for name, value in confirmed.items():
                if not reading.fields[name].verified:
                    _set(reading, name, value, "qr")
            cic = reading.fields["cic"]
            if cic.verified and not reading.fields["ocr"].verified and "ocr" not in reading.conflicts:
                lines = _all_lines(side)
                ocr = qr_ocr_by_composite(code.text, str(cic.value), ocr_reads(lines), line2_reads(lines))
                if ocr is not None:
                    _set(reading, "ocr", ocr, "qr")
                    confirmed["ocr"] = ocr
            for name in ("cic", "ocr"):
                current = reading.fields[name]
                printed = _printed_otherwise(side, name, str(current.value), reading.fields["cic"], digits_of(digit_runs(code.text), 9)) \
                    if current.verified and current.source == "qr" else None
                if printed is not None:
                    _conflict(reading, name, current, printed, "mrz")
                    confirmed.pop(name, None)
            reading.codes.append({"kind": code.kind, "text": code.text, "verified": bool(confirmed) or _qr_agrees(reading, code.text)})
        elif code.kind != "qr" and re.fullmatch(r"\d{9}", code.text):
            _set(reading, "cic", code.text, "barcode")
        elif code.kind != "qr" and re.fullmatch(r"\d{13}", code.text):
            _set(reading, "ocr", code.text, "barcode")
    printed = side.zone.ocr_line
    ocr_field = reading.fields["ocr"]
    if printed and side.zone.ocr_confident and ocr_field.verified and ocr_field.value != printed:
        _conflict(reading, "ocr", ocr_field, printed, "ocr")
    return mrz if mrz is not None and mrz.verified else None


def digits_of(runs: list[str], width: int) -> set[str]:
    return {run[i:i + width] for run in runs for i in range(len(run) - width + 1)}


def _qr_disagrees(reading: CredentialReading, text: str) -> None:
    """The QR's digits are exact: a verified CIC or OCR that is not among them while a window of
    them differs from it in one or two digits is a disagreement between sources (an altered print,
    or check digits met by chance), and neither is kept. Unrelated digits (another layout, an
    encrypted payload) are never that close by chance."""
    runs = digit_runs(text)
    for name, width in (("cic", 9), ("ocr", 13)):
        current = reading.fields[name]
        if not current.verified or name in reading.conflicts:
            continue
        windows = digits_of(runs, width)
        near = sorted(w for w in windows if 0 < sum(a != b for a, b in zip(w, str(current.value))) <= 2)
        if str(current.value) not in windows and near:
            _conflict(reading, name, current, near[0], "qr")
            if current.source == "mrz":
                # the MRZ's check digits held on a read that is wrong somewhere: errors that cancel
                # in one check digit (99 for 00) can sit in any field, so none of that read is kept,
                # save a CIC the QR holds exactly (two sources agree)
                cic = reading.fields["cic"]
                for other, value in reading.fields.items():
                    if value.verified and value.source == "mrz" and not (other == "cic" and str(cic.value) in digits_of(runs, 9)):
                        reading.fields[other] = FieldValue()


UNREAD_CELLS = 3  # cells of a grid's read of the field it may have left unread ('?', '<') and still witness a digit of it


def _printed_otherwise(side: SideReading, name: str, value: str, cic: FieldValue, qr_cics: set[str] = frozenset()) -> str | None:
    """The CIC or OCR printed on line 1 when a classifier's read of it is sure of one digit other
    than the QR's `value`, every other digit it read the QR's (up to UNREAD_CELLS left unread), in
    place (the OCR after the verified `cic`, the CIC before the check digit and fillers printed
    for the QR's CIC), and a tesseract view read the value so printed whole: a print that differs
    from the QR, an altered card, not a misread; None otherwise. The QR's digits met the composite
    (or the CIC's own check digit) because the card's check digits were computed on them, so
    nothing else says the print differs (dev 5620042, a medium photo in the samples' style, one
    OCR digit printed otherwise: every grid sure of the printed 0 and tesseract reading it too,
    the QR's 7 verified with no word of it).
    A grid alone is no witness: on a glyph washed out by glare it can be sure of a misread that
    no view of tesseract shares (dev 5430034, medium: a faint 2 read 7 by four grids).
    A grid's OCR is placed after a CIC that is not verified too when line 1 reads there nine
    digits the QR holds (`qr_cics`, its windows of nine), as the CIC: the QR's OCR was verified by
    its layout while a misread CIC met its check digit and the QR's CIC refused it (dev 5740075,
    lavender, medium, the OCR's first digit printed otherwise: both grids sure of the printed 6,
    sixteen tesseract views reading the printed OCR whole; the QR's 3 verified with no word of it)."""
    from kiosk.identifiers import icao_check_digit

    def ocr_placed(line: str, cics: set[str] = qr_cics) -> bool:
        """Whether a grid's line 1 puts its OCR after the verified CIC (or nine digits in `cics`)."""
        return (cic.verified and line[5:14] == str(cic.value)) or line[5:14] in cics

    start, end = (5, 14) if name == "cic" else (17, 30)
    for read in side.cell_reads:
        line = read.lines[0]
        if len(line) < 30:
            continue
        placed = line[15:17] == "<<" and line[14] == icao_check_digit(value) if name == "cic" else ocr_placed(line)
        seen = line[start:end]
        off = [i for i, (a, b) in enumerate(zip(seen, value)) if a != b and a.isdigit()]
        same = sum(a == b for a, b in zip(seen, value))
        if placed and len(off) == 1 and same >= len(value) - 1 - UNREAD_CELLS and (0, start + off[0]) in read.sure_cells:
            printed = value[:off[0]] + seen[off[0]] + value[off[0] + 1:]
            if _tesseract_read(side, printed, off[0]) or _tesseract_never_read(side, value, off[0]) \
                    or _tesseract_read_beside(side, printed, off[0]):
                return printed
    # so too tesseract alone, where no grid is in place: WHOLE_VIEWS distinct lines reading the
    # OCR whole with one digit other than the QR's, the same one, none reading the QR's. Not where
    # a grid in place was sure of the QR's digit: tesseract misreads a glyph of a blurred print
    # alike in every view, and the grid reads what is printed (dev 5962817, lavender, medium: four
    # views read the OCR's 4 as 1, the grid whose CIC was the verified one read every OCR cell
    # sure, the 4 too, and the genuine card's OCR was refused as printed otherwise)
    if name == "ocr" and (printed := _tesseract_read_whole_otherwise(side, value)) is not None:
        at = next(i for i, (a, b) in enumerate(zip(printed, value)) if a != b)
        if not any(ocr_placed(read.lines[0], frozenset()) and read.lines[0][17 + at] == value[at]
                   and (0, 17 + at) in read.sure_cells for read in side.cell_reads if len(read.lines[0]) >= 30):
            return printed
    # so too a view of line 1's cells aligned on the CIC by their probabilities
    # (codes.printed_otherwise), where every grid's read slipped a cell and none is in place
    # (fresh seed 7282733, lavender, easy, one OCR digit printed otherwise: three views sure of the
    # printed 6, six tesseract views reading it whole; the QR's 4 verified with no word of it)
    if name == "ocr" and not cic.verified:
        return None
    for probs in side.cell_line1:
        witnessed = printed_otherwise(probs, str(cic.value) if name == "ocr" else value, value if name == "ocr" else None)
        for index, digit in witnessed.items():
            if start <= index < end:
                printed = value[:index - start] + digit + value[index - start + 1:]
                if _tesseract_read(side, printed, index - start) or _tesseract_never_read(side, value, index - start):
                    return printed
    return None


def _tesseract_views(side: SideReading) -> list[list[str]]:
    """The side's views that tesseract read (every view but the classifier's grids)."""
    cell_views = {tuple(read.lines) for read in side.cell_reads}
    return [view for view in side.views if tuple(view) not in cell_views]


def _tesseract_lines(side: SideReading) -> set[str]:
    """Every distinct line of the side's tesseract views (the witnesses of a print count lines)."""
    return {line for view in _tesseract_views(side) for line in view}


PRINTED_CONTEXT = 7  # characters of a value, the digit among them, that tesseract views read as printed
PRINTED_VIEWS = 2  # distinct tesseract views that read them so, when none read the whole value
PRINTED_OFF = 1  # of those characters, other than the digit itself, read otherwise


def _context(digits: str, at: int) -> tuple[str, int]:
    """The PRINTED_CONTEXT characters of `digits` around index `at` (shifted inward at its ends),
    and where `at` lies among them."""
    first = min(max(0, at - PRINTED_CONTEXT // 2), len(digits) - PRINTED_CONTEXT)
    return digits[first:first + PRINTED_CONTEXT], at - first


def _tesseract_read(side: SideReading, digits: str, at: int | None = None) -> bool:
    """Whether a tesseract view (not a classifier's grid) read `digits` whole on a line; with `at`,
    also whether PRINTED_VIEWS distinct views read the PRINTED_CONTEXT characters of `digits`
    around index `at` (shifted inward at the value's ends; the digit itself as printed, one of
    the others may be misread): a hard photo's line 1 loses or misreads a digit at its far end in
    every view, however the rest reads (dev 5730079, lavender, medium, one OCR digit printed
    otherwise: grids sure of the printed 3, seven tesseract views reading it among its
    neighbours, none the last 9; the QR's 1 verified with no word of it. Dev 5730067, own, hard:
    the printed 6 next to the last digit, a 9 every view of tesseract read 5)."""
    lines = _tesseract_lines(side)
    if any(digits in line for line in lines):
        return True
    if at is None or len(digits) < PRINTED_CONTEXT:
        return False
    context, k = _context(digits, at)

    def read_so(line: str) -> bool:
        return any(line[j + k] == context[k] and sum(a != b for a, b in zip(line[j:j + PRINTED_CONTEXT], context)) <= PRINTED_OFF
                   for j in range(len(line) - PRINTED_CONTEXT + 1))

    return sum(read_so(line) for line in lines) >= PRINTED_VIEWS


WHOLE_VIEWS = 3  # distinct tesseract lines reading a value whole, one digit other than the QR's


def _tesseract_read_whole_otherwise(side: SideReading, value: str) -> str | None:
    """The value printed where WHOLE_VIEWS distinct tesseract lines read it whole, every digit the
    QR's `value` but one, the same in each, and no line read `value` itself: a print that differs
    from the QR, not a misread (dev 5790019, own, medium, the OCR's last digit printed otherwise:
    twenty views read 3742195263579 whole, the QR holds 3742195263571; every grid slipped a cell,
    none was in place, and the QR's OCR was verified with no word of the print). None otherwise."""
    lines = _tesseract_lines(side)
    if any(value in line for line in lines):
        return None
    width = len(value)
    seen: dict[str, int] = {}
    for line in lines:
        near = {window for run in re.findall(r"\d+", line) for window in (run[i:i + width] for i in range(len(run) - width + 1))
                if sum(a != b for a, b in zip(window, value)) == 1}
        for window in near:
            seen[window] = seen.get(window, 0) + 1
    held = [window for window, count in seen.items() if count >= WHOLE_VIEWS]
    return held[0] if len(held) == 1 else None


def _windows_holding(digits: str, at: int) -> list[str]:
    """Every PRINTED_CONTEXT characters of `digits` that hold index `at`."""
    return [digits[first:first + PRINTED_CONTEXT]
            for first in range(max(0, at - PRINTED_CONTEXT + 1), min(at, len(digits) - PRINTED_CONTEXT) + 1)]


def _tesseract_read_beside(side: SideReading, printed: str, at: int) -> bool:
    """Whether PRINTED_VIEWS distinct tesseract lines read exactly some PRINTED_CONTEXT characters
    of `printed` that hold index `at`, not only the centred ones _tesseract_read weighs: views
    that garble one side of the digit and read the other (dev 5750012, lavender, medium, one OCR
    digit printed otherwise: grids sure of the printed 9, every view read 4931197, the 9 last, and
    garbled the 783 after it; dev 5790006, own, medium: four grids sure of the printed 8, two views
    read 8246323 after it; in both the QR's digit verified with no word of the print). Asked only
    where a grid in place is sure of the printed digit: the same windows with one character
    misread, asked of every path, took a glare-washed 9 of a genuine card for a print (dev
    3200070, medium: views split between 5517505 and 5517595, no grid sure there)."""
    windows = _windows_holding(printed, at)
    lines = _tesseract_lines(side)
    return sum(any(window in line for window in windows) for line in lines) >= PRINTED_VIEWS


DENYING_VIEWS = 3  # distinct tesseract lines reading a digit's neighbours, and another digit for it


def _tesseract_never_read(side: SideReading, value: str, at: int) -> bool:
    """Whether DENYING_VIEWS distinct tesseract lines read the PRINTED_CONTEXT characters of `value`
    around index `at` (PRINTED_OFF of the others misread at most) with another digit at `at`, and
    no line read `value`'s digit there: where grids are sure of a printed digit other than the
    QR's, tesseract reading it otherwise too (one view the grids' digit, the rest a third one)
    says the print is not the QR's, as one view reading the print whole does (dev 5740030, own,
    medium, one OCR digit printed otherwise: two grids sure of the printed last 1, six tesseract
    views reading its neighbours, one the 1, four a 2, one a 0, none the QR's 3; the QR's 3
    verified with no word of it)."""
    if len(value) < PRINTED_CONTEXT:
        return False
    context, k = _context(value, at)
    seen = []
    for line in _tesseract_lines(side):
        for j in range(len(line) - PRINTED_CONTEXT + 1):
            window = line[j:j + PRINTED_CONTEXT]
            if sum(a != b for i, (a, b) in enumerate(zip(window, context)) if i != k) <= PRINTED_OFF:
                seen.append(window[k])
                break
    return not any(c == context[k] for c in seen) and sum(c.isdigit() for c in seen) >= DENYING_VIEWS


def _line1_reads(side: SideReading) -> list[str]:
    """Line 1 of the MRZ as each engine read it (check digits not required): the QR's digits
    are confirmed against these."""
    out = []
    if side.text is not None and side.text.line1:
        out.append(side.text.line1)
    if side.zone.mrz is not None and side.zone.mrz.lines:
        out.append(side.zone.mrz.lines[0])
    # then every view's line 1 (tesseract's other views of the block: a dev photo on a newspaper
    # whose chosen view misread the OCR that two others read as the QR holds it)
    for view in side.views:
        for line in view:
            at = line.find("MEX", 0, 6)
            if at >= 2 and len(line) - (at - 2) >= 30 and line[at - 2:at + 28] not in out:
                out.append(line[at - 2:at + 28])
            elif (headless := _headless_line1(line)) is not None and headless not in out:
                out.append(headless)
    # and the classifier's (dev 3900009, hard: tesseract read nothing of line 1, the cells read
    # the QR's CIC whole, its check digit holding, and the OCR with one digit blurred)
    out += [read.lines[0] for read in side.cell_reads if read.lines[0] not in out]
    return out


HEADLESS_LINE1 = re.compile(r"([0-9A-Z]{9}\d)<<([0-9A-Z]{13})")


def _headless_line1(line: str) -> str | None:
    """A read of line 1 whose IDMEX was lost or misread (SOMEK, 20NBX, REOMERI: blur, a finger)
    set back in place by the fillers between the CIC's check digit and the OCR: the ten
    characters before `<<` and the thirteen after it, each run mostly digits (line 2's `<<` has
    seven characters after it, line 3's letters). None when the line holds no such run."""
    found = HEADLESS_LINE1.search(line)
    if found is None or sum(ch.isdigit() for ch in found[1]) < 8 or sum(ch.isdigit() for ch in found[2]) < 11:
        return None
    return f"IDMEX{found[1]}<<{found[2]}"


def _all_lines(side: SideReading) -> list[str]:
    """Every line any engine read on the side: tesseract's views, the classifier's reads."""
    lines = [line for view in side.views for line in view]
    lines += [line for read in side.cell_reads for line in read.lines]
    if side.text is not None:
        lines += side.text.lines
    return list(dict.fromkeys(lines))


def _qr_agrees(reading: CredentialReading, text: str) -> bool:
    """The QR holds the verified CIC and OCR (then it is a confirmed code too)."""
    cic, ocr = reading.fields["cic"], reading.fields["ocr"]
    digits = re.sub(r"\D", " ", text)
    return bool(cic.verified and ocr.verified and str(cic.value) in digits and str(ocr.value) in digits)


def _model(sides: list[SideReading], mrz: MrzReading | None) -> str | None:
    codes = [c for s in sides for c in s.codes]
    if any(is_ine_qr(c.text) for c in codes if c.kind == "qr"):
        return "G/H"
    has_mrz = mrz is not None or any(s.zone.mrz_lines_seen for s in sides)
    if has_mrz and any(re.fullmatch(r"\d{9}", c.text) for c in codes if c.kind != "qr"):
        return "E/F"
    if has_mrz:
        return "E/F/G/H"
    if any(s.zone.ocr_line for s in sides) or any(re.fullmatch(r"\d{13}", c.text) for c in codes if c.kind != "qr"):
        return "C/D"
    return None


def _apply_front(reading: CredentialReading, side: SideReading, mrz: MrzReading | None) -> None:
    """Front text: CURP (check digit) and clave de elector confirm birth date and sex; names cross-check the MRZ."""
    text = _plain(side.front_text)
    compact = re.sub(r"[^A-Z0-9]", " ", text)
    curp = clave = None  # as read by tesseract: used to cross-check, never reported as fields
    for token in compact.split():
        if len(token) == 18 and curp is None:
            try:
                curp = validate_curp(token)
            except InvalidIdentifier:
                pass
        if len(token) == 18 and clave is None:
            try:
                clave = validate_clave_elector(token)
            except InvalidIdentifier:
                pass
    reading.front_read = True
    reading.front_curp = curp
    if curp:
        # the CURP's own check digit verifies the birth date and sex it carries
        for name, value in (("birth_date", _curp_birth(curp)), ("sex", curp[10])):
            if value is not None:
                _set(reading, name, value, "ocr")
    reading.front_clave = _front_clave(compact)
    if mrz is None:
        return
    tokens = _front_tokens(side.front_text)
    names = {n: mrz.values.get(n) or "" for n in NAME_FIELDS}
    confirmed = {}
    for name, value in names.items():
        words = [w for w in value.split() if w]
        if not words:
            continue
        full = []
        ok = True
        for i, word in enumerate(words):
            last = mrz.name_truncated and name == _last_name_field(names) and i == len(words) - 1
            if word in tokens:
                full.append(word)
            elif last and sum(t.startswith(word) for t in set(tokens)) == 1:
                full.append(next(t for t in set(tokens) if t.startswith(word)))
            else:
                ok = False
                break
        if ok and mrz.name_truncated and name == _last_name_field(names) and _continues_after(side.front_text, full):
            reading.warn("name_cut")  # the front has more words than the MRZ kept: only tesseract read them
            ok = False
        if ok:
            confirmed[name] = " ".join(full)
    if mrz.name_truncated and names["nombres"] == "" and names["apellido_materno"]:
        confirmed.pop("apellido_materno", None)
    for name, value in confirmed.items():
        reading.fields[name] = FieldValue(value, "mrz", True)
    if len(tokens) >= 6 and not confirmed and any(names.values()):
        reading.warn("sides_differ", detail="el nombre del anverso no coincide con el del reverso")


def _is_curp(token: str) -> bool:
    try:
        validate_curp(token)
    except InvalidIdentifier:
        return False
    return True


def _front_clave(compact: str) -> str | None:
    """The clave de elector as tesseract read it on the front (its layout fitted, never checked here)."""
    from kiosk.cedula.ocr import Field, shape_clave

    for token in compact.split():
        if len(token) != 18 or not token[:6].isalpha() or _is_curp(token):
            continue  # the clave starts with six letters; a CURP (also 18) is not a clave
        shaped = shape_clave(Field(token, 1.0)).value
        try:
            return validate_clave_elector(shaped)
        except InvalidIdentifier:
            continue
    return None


def _verify_clave(reading: CredentialReading) -> None:
    """The clave de elector read on the front is kept only when what it carries agrees with what
    other sources verified: its birth date and sex (CURP check digit or MRZ), and its six letters
    with the verified names (INE's rule, kiosk/cedula/clave.py) or, without names, with the
    CURP's initials. Otherwise it stays empty and flagged: never guessed."""
    from kiosk.cedula.clave import clave_letters

    clave = reading.front_clave
    if clave is None:
        if reading.front_read:
            reading.warn("clave_unread")
        return
    parts = clave_elector_parts(clave)
    birth, sex = reading.fields["birth_date"], reading.fields["sex"]
    letters = str(parts["letras"])
    checks = []
    if birth.verified:
        checks.append(parts["fecha_nacimiento"].isoformat() == birth.value)
    if sex.verified:
        checks.append(parts["sexo"] == sex.value)
    names = [reading.fields[n] for n in ("nombres", "apellido_paterno", "apellido_materno")]
    if all(f.verified for f in names[:2]):
        nombres, paterno, materno = (str(f.value or "") for f in names)
        expected = {clave_letters(nombres, paterno, materno), clave_letters(nombres, paterno, materno, skip_common=False)}
        checks.append(letters in expected)
    elif reading.front_curp:
        curp = reading.front_curp
        # both surnames' initials (the given name's may differ: MARÍA / JOSÉ are skipped by one rule)
        checks.append(letters[0] == curp[0] and letters[2] == curp[2])
    if len(checks) >= 2 and all(checks) and birth.verified:
        reading.fields["clave_elector"] = FieldValue(clave, "ocr", True)
    else:
        if birth.verified and parts["fecha_nacimiento"].isoformat() != birth.value:
            reading.warn("sides_differ", detail="la clave de elector no coincide con la fecha de nacimiento")
        reading.warn("clave_unverified")


def _continues_after(front_text: str, words: list[str]) -> bool:
    """True unless a line of the front ends with `words` (a name the MRZ cut may go on there;
    not finding the words on one line counts as going on)."""
    for line in _plain(front_text).splitlines():
        tokens = re.findall(r"[A-Z]+", line)
        for i in range(len(tokens) - len(words) + 1):
            if tokens[i:i + len(words)] == words:
                return any(len(t) >= 2 for t in tokens[i + len(words):])
    return True


def _last_name_field(names: dict[str, str]) -> str:
    for name in reversed(NAME_FIELDS):
        if names[name]:
            return name
    return "apellido_paterno"


def _curp_birth(curp: str) -> str | None:
    """Birth date of a CURP, in the past (its century marker may be misread: O and 0 weigh alike)."""
    try:
        return birth_date(curp[4:10]).isoformat()
    except ValueError:
        return None


_RECENT: "OrderedDict[bytes, SideReading]" = OrderedDict()


def _read_side_once(bgr: np.ndarray, expect: str | None = None) -> SideReading:
    """read_side, remembering the last two frames (in memory only): the capture flow reads the
    front alone and then again beside the back, and tesseract on a front costs about a second.
    `expect` is not part of the key: asked or not, a frame reads as the same side (asked for the
    front, only sooner), so either reading serves the other."""
    key = hashlib.blake2b(bgr.tobytes(), digest_size=16, key=str(bgr.shape).encode()).digest()
    if key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key]
    side = read_side(bgr, expect=expect)
    _RECENT[key] = side
    while len(_RECENT) > 2:
        _RECENT.popitem(last=False)
    return side


def read_credential(front_bgr: np.ndarray | None, back_bgr: np.ndarray | None) -> CredentialReading:
    """Read the front and back photos of one credential (either may be None) into verified fields.

    Warnings (Spanish, seed 001 §10.3 a-f): no card, one side only, two of the same side, sides
    of different credentials, photocopy, screen, illegible. Errors: check digits and conflicts.
    """
    reading = CredentialReading()
    # the photo given as the front is read as one asked for (read_side's `expect`): a back given
    # there is still found to be a back
    sides = [(label, _read_side_once(img, "front" if label == "front" else None))
             for label, img in (("front", front_bgr), ("back", back_bgr)) if img is not None]
    reading.sides = [s for _, s in sides]
    found = [s for s in reading.sides if s.side is not None]
    if not found:
        reading.warn("no_card")
    backs = [s for s in found if s.side == "back"]
    fronts = [s for s in found if s.side == "front"]
    if len(backs) == 2:
        reading.warn("two_backs")
    elif len(fronts) == 2:
        reading.warn("two_fronts")
    elif found and (not backs or not fronts):
        missing, missing_en = ("reverso", "back") if not backs else ("anverso", "front")
        reading.warn("one_side_only", missing=missing, missing_en=missing_en)
    mrz = None
    for side in backs:
        if fronts:
            _names_from_glyphs(side)
        mrz = _apply_back(reading, side) or mrz
    for side in fronts:
        _apply_front(reading, side, mrz)
    if fronts:
        _verify_clave(reading)
    reading.model = _model(reading.sides, mrz)
    for side in reading.sides:
        located = side.side is not None  # where no card was found, only the screen's grid is judged
        if located and side.photocopy:
            reading.warn("photocopy", kind=side.photocopy)
        if side.screen:
            reading.warn("screen")
        for name, value in side.confidence.items():
            if located or name == "screen":
                reading.screening[name] = round(max(reading.screening.get(name, 0.0), value), 2)
    _flag_unverified(reading, backs, mrz)
    return reading


def read_image(bgr: np.ndarray, *, tesseract_hints: bool = False, expect: str | None = None) -> CredentialReading:
    """Read a single photo, whichever side it shows (what `kiosk decode` does per image);
    `expect="front"` where the front was asked for (read_side)."""
    reading = CredentialReading()
    side = read_side(bgr, tesseract_hints=True) if tesseract_hints else _read_side_once(bgr, expect)
    reading.sides = [side]
    if side.side is None:
        reading.warn("no_card")
        if side.screen:
            reading.warn("screen")
        reading.screening = {"screen": round(side.confidence.get("screen", 0.0), 2)}
        return reading
    mrz = _apply_back(reading, side) if side.side == "back" else None
    if side.side == "front":
        _apply_front(reading, side, None)
        _verify_clave(reading)
    reading.model = _model([side], mrz)
    if side.photocopy:
        reading.warn("photocopy", kind=side.photocopy)
    if side.screen:
        reading.warn("screen")
    reading.screening = {name: round(value, 2) for name, value in side.confidence.items()}
    _flag_unverified(reading, [side] if side.side == "back" else [], mrz)
    return reading


TOO_FAR = 0.40  # an MRZ block narrower than this share of the frame: the card is too far
GLARE_SHARE = 0.04  # share of blown-out pixels on the card or on the MRZ block that makes a reflection
BLUR_SHARPNESS = 60.0  # variance of the Laplacian on the straightened MRZ block below this: blurred


def _advice(side: SideReading) -> str | None:
    """What the operator should change when a back did not read: the zone not in view, the card
    too far, a reflection on it, or the photo blurred (checked in that order)."""
    if side.frame is None:
        return None
    gray = cv2.cvtColor(side.frame, cv2.COLOR_BGR2GRAY)
    block = side.text.block if side.text is not None and side.text.block is not None else None
    if block is None:
        return "no_zone"
    width = float(np.linalg.norm(block.quad[1] - block.quad[0]))
    if width < TOO_FAR * gray.shape[1]:
        return "too_far"
    straight = straighten(gray, block.quad)
    region = _quad_pixels(gray, side.quad if side.quad is not None else block.quad)
    # on the card, or on the reading zone itself: a reflection over part of the MRZ is a small
    # share of the card (dev 4460015, medium: five OCR digits washed out, 1.6 % of the card
    # blown out, 14 % of the zone; the photo was answered "illegible" with no advice)
    if (region.size and float(np.mean(region >= 250)) > GLARE_SHARE) or float(np.mean(straight >= 250)) > GLARE_SHARE:
        return "glare"
    if float(cv2.Laplacian(straight, cv2.CV_64F).var()) < BLUR_SHARPNESS:
        return "blurry"
    return None


def _quad_pixels(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    mask = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(mask, quad.astype(np.int32), 1)
    return gray[mask > 0]


def _flag_unverified(reading: CredentialReading, backs: list[SideReading], mrz: MrzReading | None) -> None:
    missing = [n for n in ("cic", "ocr") if not reading.fields[n].verified]
    if backs and missing:
        for side in backs:
            advice = _advice(side)
            if advice:
                reading.warn(advice)
        what = {("cic", "ocr"): ("el CIC ni el OCR", "neither the CIC nor the OCR"), ("cic",): ("el CIC", "the CIC"),
                ("ocr",): ("el OCR", "the OCR")}[tuple(missing)]
        reading.warn("illegible", what=what[0], what_en=what[1])
    if mrz is not None and not mrz.values.get("sex") and not reading.fields["sex"].verified:
        reading.warn("sex_unverified")
    if mrz is not None and not all(reading.fields[n].verified for n in NAME_FIELDS if mrz.values.get(n)):
        reading.warn("name_unverified")
    if reading.name_truncated:
        reading.warn("name_truncated")
