"""The MRZ found and read as text, without the card's outline or the OCR-B glyph templates.

A morphological text-line detector (blackhat + closing, the approach of PassportEye) finds
three-line blocks anywhere in the frame; each block is straightened and read by tesseract (from
memory), and the TD1 fields are kept only when all four ICAO check digits hold. Works for any
monospaced MRZ print, at any place on any card, on any table.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import cv2
import numpy as np

from kiosk.credential import tess
from kiosk.credential.cells import grid_lines, ink_map, probabilities_from_scores, read_grid
from kiosk.credential.mrz import MrzReading, _date_ok, birth_date, composite_data, decode_td1, split_name
from kiosk.credential.ocrb import ALPHABET
from kiosk.identifiers import icao_check_digit

DETECT_W = 800  # detection runs on a copy this wide
FINE_DETECT_W = 1600  # second detection (at most the frame's own width) when the first read nothing
BIG_VIEW = 1.6  # the third view of a block is enlarged this much before flattening
READ_W = 900  # a block is straightened to this width before tesseract reads it
# characters tesseract confuses with digits (in a field that can only hold digits)
TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "J": "1", "T": "1", "Z": "2",
            "S": "5", "B": "8", "G": "6", "A": "4", "E": "3"}
FILLERS = "<KC"  # what tesseract makes of '<' besides '<'
DIGITISH = "0-9" + "".join(TO_DIGIT)
MIN_GLYPHS = 16  # character-sized marks in a row for it to count as an MRZ-like text row


@dataclass
class TextBlock:
    """An MRZ-like block: its corners (TL, TR, BR, BL) in frame pixels and how it scored."""

    quad: np.ndarray
    score: float


@dataclass
class TextRead:
    """What tesseract read in one block and what the check digits made of it."""

    lines: list[str] = field(default_factory=list)
    mrz: MrzReading | None = None
    cic: str | None = None  # CIC whose own check digit holds, even when the rest does not
    ocr_candidate: str | None = None  # 13 digits read on line 1 (unverified alone)
    line1: str | None = None  # line 1 as read, digits fitted, check digits not required
    line1_index: int = -1  # where line 1 is in `lines`
    block: TextBlock | None = None
    views: list[list[str]] = field(default_factory=list)  # every view's lines (for the vote)
    line1_probs: list[np.ndarray] = field(default_factory=list)  # the classifier's (cells, 37) line 1, per view
    sure_cells: set[tuple[int, int]] = field(default_factory=set)  # checked cells (line, index) the classifier was sure of
    placed_cells: set[tuple[int, int]] = field(default_factory=set)  # sure_cells and the round glyphs read as 0 (_round_zero)


def find_text_blocks(bgr: np.ndarray, limit: int = 3, detect_w: int = DETECT_W, min_share: float = 0.18,
                     relative: bool = False) -> list[TextBlock]:
    """Blocks of 2-4 long dark text lines at least `min_share` of the frame wide, the likeliest
    MRZ first (frame pixels). Detection runs `detect_w` pixels wide: at 800 the lines of a card
    a third of the frame wide are 5 pixels tall and the erosion removes them, so a second pass
    at the frame's own resolution finds those. `relative`: ink measured against the local
    background's brightness, not in grey levels: an MRZ in a shadow is as dark, relatively, as one
    in the light, while in grey levels the threshold the QR's black and white set leaves it out."""
    gray, small, scale = _detection_copy(bgr, detect_w)
    small = cv2.GaussianBlur(small, (3, 3), 0)
    found: list[TextBlock] = []
    for k in (15, 23):
        background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        blackhat = cv2.subtract(background, small)  # the closing is never darker: the blackhat exactly
        if relative:
            blackhat = np.clip(255.0 * blackhat / np.maximum(background, 1), 0, 255).astype(np.uint8)
        grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
        grad = (255 * grad / max(float(grad.max()), 1e-6)).astype(np.uint8)
        grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k // 2 + 5, 3)))
        _, mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        stretch = max(1.0, detect_w / DETECT_W)  # finer detection: glyph gaps are wider in pixels
        for close in ((int(k * stretch), k), (int((k + 10) * stretch), k + 6)):
            closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, close))
            closed = cv2.erode(closed, None, iterations=2)
            contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            for contour in contours:
                cx, cy, w, h, angle = _lying_rect(contour)
                if abs(angle) > 35 or w < min_share * detect_w or h < 10:
                    continue
                if not 2.5 < w / h < 16:
                    continue
                fill = cv2.contourArea(contour) / max(w * h, 1.0)
                if fill < 0.55:
                    continue
                quad = _box(cx, cy, w * 1.10 + 8, h * 1.25 + 6, angle) / scale
                if any(np.linalg.norm(quad - b.quad, axis=1).max() < 0.05 * gray.shape[1] for b in found):
                    continue
                # an MRZ is about 4-8 times as wide as it is tall, and wide
                shape = 1.0 if 3.0 < w / h < 9.0 else 0.6
                found.append(TextBlock(quad, shape * fill * w))
    found.sort(key=lambda b: -b.score)
    return found[:limit]


LEVEL_ANGLES = np.arange(-6.0, 6.01, 0.5)  # degrees a block's text may run off its outline's axis
LEVEL_MIN = 0.75  # degrees: a smaller turn is left to the cells' own unwarp


def level(gray: np.ndarray, block: TextBlock) -> TextBlock:
    """The block turned so its text lines run along it. Its outline is the least rectangle of
    a blob that may have taken in the card's edge or the table beside the text (seen on a dev
    photo: the block 2.5 degrees off, its three lines smeared into one row profile, and neither
    tesseract nor the cells read a sharp MRZ). The text's own angle is the turn at which the
    rows of ink are most peaked, as a page is deskewed."""
    gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY) if gray.ndim == 3 else gray
    quad = block.quad.astype(np.float32)
    width = float(np.linalg.norm(quad[1] - quad[0]))
    height = float(np.linalg.norm(quad[3] - quad[0]))
    w = 450
    h = max(12, int(round(w * height / max(width, 1.0))))
    rect = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad, rect)
    view = cv2.warpPerspective(gray, matrix, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    ink = ink_map(view, stroke=15)
    centre = (w / 2, h / 2)

    def peaked(angle: float) -> float:
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, float(angle), 1.0), (w, h))
        return float((turned.sum(axis=1) ** 2).sum())

    energy = [peaked(a) for a in LEVEL_ANGLES]
    best = float(LEVEL_ANGLES[int(np.argmax(energy))])
    if abs(best) < LEVEL_MIN:
        return block
    # the level rectangle in the turned view, back in the view, then in the frame
    turn = cv2.getRotationMatrix2D(centre, best, 1.0)
    back = cv2.invertAffineTransform(turn)
    in_view = cv2.transform(rect.reshape(-1, 1, 2), back).reshape(-1, 1, 2)
    in_frame = cv2.perspectiveTransform(in_view, np.linalg.inv(matrix)).reshape(4, 2)
    return TextBlock(in_frame.astype(np.float32), block.score)


def _detection_copy(bgr: np.ndarray, detect_w: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(grey frame, its copy `detect_w` pixels wide, that copy's scale)."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    scale = detect_w / gray.shape[1]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(gray, (detect_w, max(1, int(round(gray.shape[0] * scale)))), interpolation=interpolation)
    return gray, small, scale


def _lying_rect(contour: np.ndarray) -> tuple[float, float, float, float, float]:
    """(cx, cy, length, height, angle) of a contour's least rectangle, its long side taken as the
    length and the angle within (-135, 45] degrees (text reads left to right)."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
    if w < h:
        w, h, angle = h, w, angle + 90
    if angle > 45:
        angle -= 180
    return cx, cy, w, h, angle


ROW_KERNELS = (9, 15, 23)  # blackhat sizes at which the rows are looked for (small to large print)
ROW_ANGLE = 4.0  # degrees two rows of one block may differ by
ROW_GAP = (1.1, 3.2)  # the next row's distance, in row heights
ROW_EVEN = (0.8, 1.25)  # the second gap against the first
ROW_LIMIT = 300  # the longest rows kept (pairs are weighed all against all)


def text_rows_of(small: np.ndarray, k: int) -> np.ndarray:
    """Long thin runs of ink (one text line each) as rows (cx, cy, length, height, angle): the
    ink closed only along the line, so the rows above and below stay apart."""
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, k // 2), 1)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rows = []
    for contour in contours:
        if len(contour) < 5:
            continue
        row = _lying_rect(contour)
        if abs(row[4]) <= 35 and row[3] >= 3 and row[2] >= 6 * row[3]:
            rows.append(row)
    return np.array(rows, np.float64).reshape(-1, 5)


def find_row_blocks(bgr: np.ndarray, limit: int = 4, detect_w: int = DETECT_W, min_share: float = 0.18) -> list[TextBlock]:
    """Blocks of three parallel, evenly spaced, left-aligned text rows (frame pixels), the widest
    and most even first: the MRZ found line by line, where find_text_blocks' closing merges it
    with the text around it (a card on a newspaper, receipts under it). Of the three rows two
    must span the block (a name line may end early, its fillers faint); a row run on into the
    text beside the card is cut back to the others' extent. An MRZ has a clear zone around it
    (ICAO 9303): three rows with a fourth following on at the same pitch above or below (a column
    of print) count half for each such neighbour."""
    gray, small, scale = _detection_copy(bgr, detect_w)
    found: list[TextBlock] = []
    for k in ROW_KERNELS:
        rows = text_rows_of(small, k)
        rows = rows[rows[:, 2] >= 0.3 * min_share * detect_w]
        rows = rows[np.argsort(-rows[:, 2])[:ROW_LIMIT]]  # bounded work on a page of print
        if len(rows) < 3:
            continue
        radians = np.radians(rows[:, 4])
        along = np.stack([np.cos(radians), np.sin(radians)], 1)
        across = np.stack([-np.sin(radians), np.cos(radians)], 1)
        offset = rows[None, :, :2] - rows[:, None, :2]  # [i, j]: row j's centre from row i's
        below = np.einsum("ijk,ik->ij", offset, across)
        ahead = np.einsum("ijk,ik->ij", offset, along)
        height = np.maximum(rows[:, None, 3], rows[None, :, 3])
        ratio = rows[:, None, 3] / rows[None, :, 3]
        left_shift = ahead - rows[None, :, 2] / 2 + rows[:, None, 2] / 2
        follows = ((np.abs(rows[:, None, 4] - rows[None, :, 4]) <= ROW_ANGLE) & (below > ROW_GAP[0] * height)
                   & (below < ROW_GAP[1] * height) & (ratio > 0.6) & (ratio < 1.67) & (np.abs(left_shift) < 3 * height))
        has_above, has_below = follows.any(axis=0), follows.any(axis=1)  # a row follows on: print, not an MRZ
        successors: dict[int, list[int]] = {}
        for i, j in np.argwhere(follows):
            successors.setdefault(int(i), []).append(int(j))
        for i, nexts in successors.items():
            for j in nexts:
                for m in successors.get(j, []):
                    block = _row_block(rows, (i, j, m), along[i], across[i], below[i, j], below[j, m], min_share * detect_w)
                    if block is None:
                        continue
                    quad = block.quad / scale
                    block = TextBlock(quad, block.score * 0.5 ** (int(has_above[i]) + int(has_below[m])))
                    if not any(np.linalg.norm(quad - b.quad, axis=1).max() < 0.03 * gray.shape[1] for b in found):
                        found.append(block)
    found.sort(key=lambda b: -b.score)
    return found[:limit]


def _row_block(rows: np.ndarray, picked: tuple[int, int, int], along: np.ndarray, across: np.ndarray,
               first_gap: float, second_gap: float, min_width: float) -> TextBlock | None:
    """The block of three rows (detection pixels), or None when they do not make one."""
    if not ROW_EVEN[0] * first_gap < second_gap < ROW_EVEN[1] * first_gap:
        return None
    top = rows[picked[0]]
    centres = np.array([np.dot(rows[r, :2] - top[:2], along) for r in picked])
    lengths = rows[list(picked), 2]
    starts, ends = centres - lengths / 2, centres + lengths / 2
    left, right = float(np.median(starts)), float(np.sort(ends)[1])
    width = right - left
    if width < min_width:
        return None
    overlap = np.sort(np.minimum(ends, right) - np.maximum(starts, left))
    if overlap[1] < 0.85 * width or overlap[0] < 0.3 * width:
        return None
    tall = first_gap + second_gap + float(rows[list(picked), 3].max())
    if not 2.5 < width / tall < 16:
        return None
    centre = top[:2] + along * (left + right) / 2 + across * (first_gap + second_gap) / 2
    even = 1 - abs(second_gap - first_gap) / first_gap
    return TextBlock(_box(centre[0], centre[1], width * 1.08 + 6, tall * 1.2 + 4, top[4]), float(even * width))


def _box(cx: float, cy: float, w: float, h: float, angle: float) -> np.ndarray:
    """Corners TL, TR, BR, BL of a box `w` long along `angle` degrees (text reads left to right)."""
    a = np.radians(angle)
    u = np.array([np.cos(a), np.sin(a)]) * w / 2
    v = np.array([-np.sin(a), np.cos(a)]) * h / 2
    c = np.array([cx, cy])
    return np.array([c - u - v, c + u - v, c + u + v, c - u + v], np.float32)


def straighten(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The block seen straight, READ_W pixels wide, black text on white (each channel's levels
    stretched, for a colour image)."""
    width = float(np.linalg.norm(quad[1] - quad[0]))
    height = float(np.linalg.norm(quad[3] - quad[0]))
    out_h = max(20, int(round(READ_W * height / max(width, 1.0))))
    dst = np.array([[0, 0], [READ_W, 0], [READ_W, out_h], [0, out_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    block = cv2.warpPerspective(gray, matrix, (READ_W, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if block.ndim == 3:  # a colour image: each channel's levels stretched on its own
        block = np.dstack([cv2.normalize(block[..., k], None, 0, 255, cv2.NORM_MINMAX) for k in range(block.shape[2])])
    else:
        block = cv2.normalize(block, None, 0, 255, cv2.NORM_MINMAX)
    return cv2.copyMakeBorder(block, 12, 12, 12, 12, cv2.BORDER_REPLICATE)


def text_rows(block: np.ndarray) -> int:
    """How many rows of at least MIN_GLYPHS character-sized marks the straightened block holds
    (an MRZ has 3 rows of 30; a patterned tablecloth has none): checked before tesseract runs."""
    ink = cv2.morphologyEx(block, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 25)))
    _, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    if len(heights) < MIN_GLYPHS:
        return 0
    typical = float(np.median(heights[heights > 6])) if np.any(heights > 6) else 0.0
    if typical < 8:
        return 0
    # a mark as tall as a character counts for as many characters as its width holds: motion blur
    # runs a row's characters together (a dev photo: three legible rows counted as one)
    glyph = (heights > 0.6 * typical) & (heights < 1.6 * typical) & (widths < 12 * typical)
    order = np.argsort(centroids[1:, 1][glyph])
    ys = centroids[1:, 1][glyph][order]
    marks = np.maximum(1, np.round(widths[glyph][order] / (0.75 * typical)))
    rows, run = 0, marks[0] if len(marks) else 0
    for a, b, n in zip(ys[:-1], ys[1:], marks[1:]):
        if b - a < 0.4 * typical:
            run += n
        else:
            rows += run >= MIN_GLYPHS
            run = n
    rows += run >= MIN_GLYPHS
    return int(rows)


def read_block(bgr: np.ndarray, block: TextBlock, second_view: bool = True) -> TextRead:
    """Tesseract on the straightened block; when that does not verify, once more on a wider crop
    with the shading flattened and the ink thresholded (blur, glare and tinted prints read better),
    and once more on that crop enlarged first. Each view must verify on its own check digits."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    straight = straighten(gray, block.quad)
    if text_rows(straight) < 2:
        return TextRead(block=block)
    read = decode_text(tess.read_mrz_block(straight))
    read.block = block
    read.views = [read.lines]
    if (read.mrz is not None and read.mrz.verified) or not second_view:
        return read
    wider_gray = _wider(gray, block)
    flat = decode_text(tess.read_mrz_block(_flatten(wider_gray)))
    if not _mrz_like(read.lines) and not _mrz_like(flat.lines):
        return read  # other text (a receipt, a newspaper, the card's title): not read twice more
    # (a block of three legible rows, dim under a glare's gradient, that tesseract's own threshold
    # read as nothing at all: dev photo 3100025, on a newspaper; the flattened view reads it)
    big = cv2.resize(wider_gray, None, fx=BIG_VIEW, fy=BIG_VIEW, interpolation=cv2.INTER_CUBIC)
    # the wider crop flattened (blur, glare and tinted prints read better); then enlarged before
    # flattening (small or blurred prints, where the 900-pixel threshold merges strokes); then
    # sharpened (blur). Each view must verify on its own check digits.
    best, pending = read, None
    for view in (lambda: flat, lambda: decode_text(tess.read_mrz_block(_flatten(big))),
                 lambda: decode_text(tess.read_mrz_block(_sharpen(wider_gray)))):
        other = view()
        other.block = block
        read.views.append(other.lines)
        if other.mrz is not None and other.mrz.verified and not _contradicted(other.mrz, read.views[:-1]):
            pending = pending or other
        others = [v for v in read.views if v is not pending.lines] if pending is not None else []
        if pending is not None and supported(pending.mrz, others):
            pending.views = read.views
            doubt_where_contradicted(pending.mrz, others)
            return pending
        if other.line1 and not best.line1:
            best = other
    best.views = read.views
    if best.mrz is not None and best.mrz.verified:
        # a later view's read that no other view supports (kept for its line 1): its CIC, birth
        # date and expiry have their own check digits, its OCR and emisión only the composite, met
        # by chance one time in ten. Left for the QR to confirm (dev seed 2620026: glare over four
        # digits of the OCR, read as zeros, and the composite held)
        best.mrz.weak |= {"ocr", "emision"}
        best.mrz.values["emision"] = None
    return best


def other_views(bgr: np.ndarray, block: TextBlock) -> list[list[str]]:
    """Tesseract's other views of a block (the wider crop flattened, then enlarged and flattened)
    whose first view verified at once (read_block stops there): witnesses for its OCR."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    wider_gray = _wider(gray, block)
    big = cv2.resize(wider_gray, None, fx=BIG_VIEW, fy=BIG_VIEW, interpolation=cv2.INTER_CUBIC)
    return [tess.read_mrz_block(_flatten(wider_gray)), tess.read_mrz_block(_flatten(big))]


def _wider(gray: np.ndarray, block: TextBlock) -> np.ndarray:
    """The block straightened with a margin around it (a block cut at a side, its lines' ends)."""
    centre = block.quad.mean(axis=0)
    return straighten(gray, centre + (block.quad - centre) * np.array([1.22, 1.35], np.float32))


CELL_VIEWS = ((1.0, 1.0), (1.25, 1.35))  # the block as found, then wider (a block cut at a side)
LOST_CELL = 0.625  # a cell scored under this (probability about 0.05) is not read at all
UNSURE_SHARE = 0.6  # a tail character the classifier gives less than this share among those allowed there
# the OCR and the optional data have the composite alone: a cell of theirs must be surer. On dev
# photos every right read that verified gave each such cell 0.8 or more (62 of 62); an altered
# card's composite was met by a read with two 9s taken for 0s, one of them at 0.65 (2740523)
TAIL_SURE_SHARE = 0.75
# a cell is a witness against tesseract's verified read (doubt_where_cells_differ) only when the
# classifier gives its digit this much over the whole alphabet, letters too: a '9' cut at the
# grid's end read 3 (0.69) or S (0.29) is no witness (a fresh-seed easy photo, sharp: the OCR
# tesseract read right was left weak). The witnesses that caught misreads fitting an altered
# check digit gave theirs 1.0; on development photos 6 of 11 witnesses against a right read
# gave theirs 0.42-0.87
WITNESS_PROBABILITY = 0.9


QUICK_SHIFTS = (0.0,)  # the grid as segmented, read first: a firm read there needs no other shift


def read_block_cells(bgr: np.ndarray, block: TextBlock, views: tuple[tuple[float, float], ...] = CELL_VIEWS,
                     on_slow: Callable[[], object] | None = None) -> TextRead | None:
    """The block cut into its fixed-pitch cells, each read by the trained classifier
    (kiosk.credential.cells), the check digits choosing among close characters (mrz.decode_td1).
    None when no view of the block holds three whole lines of cells; a read with no lines (only
    `line1_probs`) when none starts with IDMEX.

    Each view is read first on its grid as segmented only (a fifth of the cells classified): a
    read verified there, no field of it weak and no cell lost, is kept; anything less is read
    again at every grid shift, as before (cells.read_grid). `on_slow` is called once, when the
    first view's quick read did not settle it (the reader starts tesseract on the block then)."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    centre = block.quad.mean(axis=0)
    found = None
    line1_probs: list[np.ndarray] = []
    line2_seen: list[str] = []  # every grid's line 2, its unsure cells '?', for doubt_dates_seen_otherwise
    for widen in views:
        grid = grid_lines(straighten(gray, centre + (block.quad - centre) * np.array(widen, np.float32)))
        classified: dict = {}  # the quick read's grid is not classified again by the full read
        quick = read_grid(*grid, shifts=QUICK_SHIFTS, seen=classified) if grid is not None else None
        quick_text = None
        if quick is not None:
            text = _view_text(quick, block)
            if text is not None and text.mrz.verified and not text.mrz.weak:
                doubt_dates_seen_otherwise(text, line2_seen)
                text.line1_probs = line1_probs + [quick[0].whole]
                return text
            quick_text = text
            line2_seen.append(_sure_line(quick[1]))
        if on_slow is not None:
            on_slow()
            on_slow = None
        if grid is None:
            continue
        reads = read_grid(*grid, seen=classified)
        if reads is None:
            continue
        # line 1, every cell of it: even with IDMEX blurred past reading, its digits may still
        # confirm the QR's (codes.qr_confirms_cells weighs them at every offset, refuses chance)
        line1_probs.append(reads[0].whole)
        text = _view_text(reads, block)
        if text is not None and text.mrz.verified:
            if quick_text is not None:
                firm_where_either_is(text, quick_text)
            doubt_dates_seen_otherwise(text, line2_seen)
            text.line1_probs = line1_probs
            return text
        line2_seen.append(_sure_line(reads[1]))
        if text is None:
            continue
        found = found or text
    if found is None and line1_probs:
        found = TextRead(block=block)  # no view read IDMEX: only line 1's cells, for the QR
    if found is not None:
        found.line1_probs = line1_probs
    return found


def _view_text(reads: list, block: TextBlock) -> TextRead | None:
    """One view's three cell lines decoded (mrz.decode_td1) and judged: None when line 1 is not
    an INE's; its fields weak where the classifier was unsure; unverified when a checked cell was
    not read at all."""
    mrz = decode_td1(reads)
    if "mrz_no_ine" in mrz.problems:
        return None
    if mrz.verified:
        # the OCR and the optional data have only the composite, one check digit over 24
        # characters: when it held only after the decoder changed some of them, or over a cell
        # the classifier was unsure of, two errors may cancel in it (1 in 10), so the QR must
        # agree before they count; no check digit covers the sex
        checked = np.concatenate([reads[0].scores[5:30].max(axis=1), reads[1].scores[0:7].max(axis=1),
                                  reads[1].scores[8:15].max(axis=1), reads[1].scores[18:30].max(axis=1)])
        if float(checked.min()) < LOST_CELL:
            # a cell the classifier could not read at all: among its three guesses and the
            # others' runners-up, some combination meets the check digits by chance
            mrz.verified = False
            mrz.problems.append("mrz_weak")
            return _cell_text(mrz, block)
        if "composite" in mrz.corrected or _tail_share(mrz, reads) < TAIL_SURE_SHARE:
            mrz.weak |= {"ocr", "emision"}
            mrz.values["emision"] = None
        # a field whose own check digit the decoder used to pick among close characters, or
        # over a cell the classifier was unsure of, is left with the composite alone; for the
        # CIC that is nothing: the composite starts at the CIC with the same weights, so two
        # errors that cancel in one cancel in the other (seen on a fresh-seed photo: 081786008
        # read 001766008, both check digits held); the QR must agree before it counts
        # A composite that held over cells the classifier was unsure of (the OCR weak) backs no
        # field: each then has its own check digit alone, met by a misread one time in ten, and
        # needs every cell sure (dev 3980009, hard, its CIC's check digit altered: 800527458
        # read 806527458 met it, and two misreads in line 2 the composite)
        backed = "ocr" not in mrz.weak
        for name, field_name, line, start, length in (("cic", "cic", 0, 5, 10), ("birth", "birth_date", 1, 0, 7),
                                                      ("expiry", "expiry_year", 1, 8, 7)):  # each with its check digit
            text = mrz.lines[line][start:start + length]
            if name in mrz.corrected or _least_share(reads[line], start, text) < UNSURE_SHARE:
                mrz.weak.add(field_name)
            elif not backed and min(_probability(reads[line], start + j, ch) for j, ch in enumerate(text)) < WITNESS_PROBABILITY:
                mrz.weak.add(field_name)
        mrz.values["sex"] = None
    text = _cell_text(mrz, block)
    text.sure_cells = {(line, i) for line, i in CHECKED_CELLS
                       if i < len(mrz.lines[line]) and _least_share(reads[line], i, mrz.lines[line][i]) >= UNSURE_SHARE
                       and _probability(reads[line], i, mrz.lines[line][i]) >= WITNESS_PROBABILITY}
    text.placed_cells = text.sure_cells | {(line, i) for line, i in CHECKED_CELLS
                                           if i < len(mrz.lines[line]) and _round_zero(reads[line], i, mrz.lines[line][i])}
    if mrz.verified:
        text.cic, text.ocr_candidate = mrz.values["cic"], mrz.values["ocr"]
    return text


CHECKED_SPANS = {"cic": (0, 5, 14), "ocr": (0, 17, 30), "birth_date": (1, 0, 6), "expiry_year": (1, 8, 14),
                 "emision": (1, 19, 21)}
# the check digit cells and the fields no other check digit covers: a field with its own check digit
# that both reads agree on keeps it when only the composite differs
CHECK_CELLS = {(0, 14): ("cic",), (1, 6): ("birth_date",), (1, 14): ("expiry_year",), (1, 29): ("ocr", "emision")}
CHECKED_CELLS = frozenset({(line, i) for line, start, end in CHECKED_SPANS.values() for i in range(start, end)} | set(CHECK_CELLS))


def doubt_where_cells_differ(mrz: MrzReading, cells: TextRead) -> None:
    """Fields of a verified tesseract read that the cell classifier read with another digit, and
    was sure of it, are made weak (the QR must confirm them; a birth date or expiry has none): two
    misreads can cancel in a check digit and in the composite alike (seen on a fresh-seed photo:
    birth 880204 read 330204, 8 to 3 at weights 7 and 3 in its own digit, 3 and 1 in the
    composite). So too a check digit read otherwise: on a card whose OCR was altered, tesseract
    misread the composite as the one that fits the altered OCR (fresh seed, composite 4 read 2);
    the cells read the 4. An unsure cell is no witness (a near tie of three wrong digits), nor a
    run the cells read one or two cells off (on fresh-seed photos such slips cost fields tesseract
    had read right: only a substitution in place counts, the lines aligned), nor a cell beside one
    it could not read at all or read as another kind of character (the edge of a smudge: a
    confident 3 for a 9, then '????'), nor a read of other text."""
    cell_lines = cells.lines
    if len(cell_lines) != 3 or not _same_text(mrz.lines, cell_lines):
        return
    swapped = [_substituted(read, seen) | _in_place(line, read, seen) for line, (read, seen) in enumerate(zip(mrz.lines, cell_lines))]

    def differs(line: int, i: int) -> bool:
        read, seen = mrz.lines[line], cell_lines[line]
        if (line, i) not in cells.sure_cells or i not in swapped[line] or not seen[i].isdigit():
            return False
        # beside a cell it could not read, or read as a filler where tesseract read a digit (or
        # the reverse), the classifier is at a smudge's edge (dev 3110040: '051<13<' for '0516114')
        return all(a != "?" and a.isdigit() == b.isdigit() for a, b in zip(seen[max(0, i - 1):i + 2], read[max(0, i - 1):i + 2]))

    _doubt_cells(mrz, {cell for cell in CHECKED_CELLS if differs(*cell)})


def doubt_where_line1_sure_otherwise(mrz: MrzReading, line1_probs: list[np.ndarray],
                                     sure_cells: set[tuple[int, int]] = frozenset()) -> None:
    """The OCR and emisión of a verified read made weak where a view of line 1's cells (every grid
    and block the classifier read, `line1_probs`), aligned on the read's CIC, is sure of another
    OCR digit where the read was not (`sure_cells`, the read's checked cells the classifier was sure
    of; codes.printed_otherwise): the composite held over a misread (dev 5500010, hard, an altered
    composite: the grid kept read the OCR's 9 as 0, unsure, which met it; two other views of line 1
    read the 9 at 0.94 and 1.00, their own lines not verified). Where both were sure the read
    stands (dev 5410007, hard: a view whose CIC read K, H, M for digits was sure of a 1 for a 3)."""
    from kiosk.credential.codes import printed_otherwise

    if mrz is None or not mrz.verified or "ocr" in mrz.weak or len(mrz.lines) < 1:
        return
    cic, ocr = mrz.lines[0][5:14], mrz.lines[0][17:30]
    if not (cic.isdigit() and len(cic) == 9 and ocr.isdigit() and len(ocr) == 13):
        return
    _doubt_cells(mrz, {(0, i) for probs in line1_probs for i in printed_otherwise(probs, cic, ocr) if i >= 17} - set(sure_cells))


def _doubt_cells(mrz: MrzReading, cells: set[tuple[int, int]]) -> None:
    """Make weak every field of `mrz` a checked (line, index) cell of `cells` lies in or checks.
    An OCR or emisión digit read otherwise means the composite held over a misread, and every
    field only the composite covers goes with it (dev 1220023: an altered composite, tesseract
    misread an OCR 3 as the 2 that fits it, the cells read the 3, and the emisión stayed verified;
    dev 4010087: three views read the emisión's 0 as the 9 that fits an altered composite). The
    CIC and the dates keep their own check digits, read alike."""
    doubted = {name for name, (line, start, end) in CHECKED_SPANS.items() if any((line, i) in cells for i in range(start, end))}
    for cell, names in CHECK_CELLS.items():
        if cell in cells:
            doubted.update(names)
    if doubted & {"ocr", "emision"}:
        doubted |= {"ocr", "emision"}
    mrz.weak |= doubted


OUTVOTED = 2  # other reads giving one other digit at a checked cell, none the kept one's, doubt it


def doubt_where_changed_and_contradicted(mrz: MrzReading, views: list[list[str]]) -> None:
    """Make the OCR and emisión weak when the decoder changed the birth date or expiry from the
    classifier's first choice and at least OUTVOTED other views read that field otherwise, its
    own check digit holding (_contradicted). The changed field gave the composite more than one
    try (their check digits weigh their digits otherwise than the composite does; not so the
    CIC's, which weighs them alike), and the views say the try that met it was a misread (dev
    4520033, medium, an OCR digit altered: the birth date's 03 read 81, which met its own check
    digit and, with the altered OCR, the composite; tesseract's views read 03). The changed field
    goes weak too when OUTVOTED views read it alike as printed, its check digit failing. `views`
    holds no view of the kept read itself."""
    if {"birth", "expiry"} & set(mrz.corrected) and _contradicted(mrz, views, OUTVOTED):
        mrz.weak |= {"ocr", "emision"}
    # views that read the changed field as printed, alike, its check digit failing: the card's
    # check digit is what failed, and the change met it and the composite by chance (dev 5050087,
    # medium, the birth date's check digit altered: the decoder changed 960810 to 960830, which
    # met the altered digit, and the composite held one time in ten; the cells' grid and three
    # tesseract views read 9608106, the print). The field and the composite's fields go weak
    parts = [_view_parts(view) for view in views]
    for key, name, (start, end) in (("birth", "birth_date", (0, 7)), ("expiry", "expiry_year", (8, 15))):
        if key not in mrz.corrected:
            continue
        printed = Counter(p[key + "_seen"] for p in parts if key + "_seen" in p and "?" not in p[key + "_seen"])
        if any(value != mrz.lines[1][start:end] and count >= OUTVOTED for value, count in printed.items()):
            mrz.weak |= {name, "ocr", "emision"}


COMPOSITE_ONLY = tuple((0, i) for i in range(17, 30)) + tuple((1, i) for i in range(18, 30))  # OCR, optional data, composite


def doubt_where_another_meets_composite(mrz: MrzReading, views: list[list[str]]) -> None:
    """Make the OCR and emisión weak when another view, read whole and in place, gives other
    digits in the cells only the composite covers (the OCR, the optional data, the composite
    itself) and with them meets the composite too: the check digits then do not settle which read
    is the card's. One digit read otherwise never meets it again (its weight, 7, 3 or 1, times a
    difference of 1 to 9 is never a multiple of 10), so a view one misread off costs nothing; two
    misreads that cancel do, one time in ten. Where the view has no digit (a filler, a lost cell)
    the kept read's character stands (dev 4670032, hard: one grid read the OCR's first 0 and the
    emisión's 0 as 6s, which cancel in the composite at weights 7 and 3; another grid read both
    0s and lost the OCR's last digit). A view whose every such digit is a confusion it also made
    where a field's own check digit shows the kept read right is no witness: it misreads that
    glyph (dev 5020011, medium: one grid read every 1 as 7, its CIC, birth date and expiry failing
    their check digits, and its five 7s in the OCR and the optional data met the composite by
    chance). `views` holds no view of the kept read itself."""
    if any(len(line) != 30 for line in mrz.lines[:2]):
        return
    proven = [(line, i) for name, (line, start, end) in CHECKED_SPANS.items() if name in OWN_CHECK and name not in mrz.weak
              for i in range(start, end + 1)]  # each field with its check digit after it
    for view in views:
        lines = _first_two(view)
        if lines is None:
            continue
        mine = [list(mrz.lines[0]), list(mrz.lines[1])]
        changed: set[tuple[str, str]] = set()
        for line, i in COMPOSITE_ONLY:
            seen = lines[line][i]
            if seen.isdigit() and mine[line][i].isdigit() and seen != mine[line][i]:
                changed.add((mine[line][i], seen))
                mine[line][i] = seen
        count = sum(a != b for line in (0, 1) for a, b in zip(mine[line], mrz.lines[line]))
        if not changed or count > 2 * MAX_IN_PLACE:
            continue
        if changed <= {(mrz.lines[line][i], lines[line][i]) for line, i in proven}:
            continue
        one, two = "".join(mine[0]), "".join(mine[1])
        if icao_check_digit(composite_data(one, two)) == two[29]:
            mrz.weak |= {"ocr", "emision"}
            return


TAIL_NEAR = 2  # digits by which line 2's five may differ from the OCR's last five and still be the same number misread


def doubt_where_tail_differs(mrz: MrzReading, sure_cells: set[tuple[int, int]] | frozenset = frozenset()) -> None:
    """Make the OCR and emisión weak when line 2's optional data holds five digits that nearly,
    but not exactly, repeat the OCR's last five (one or two digits off). On cards that repeat them
    there (the evaluation generator's do) this catches a misread the composite let through by
    chance (dev 4430031, hard, genuine: one tesseract view read 6631487682023 as 6691487602029,
    which met it, and line 2's 82023 right). On a card whose five digits are another number, a
    chance near-match is rare (about 1 in 120) and costs only the MRZ's OCR, which the QR may
    still confirm. Not where the read's cells (`sure_cells`, a grid's) were sure of each OCR digit
    the five differ from: a misread is then in the five, not in the OCR, or the card does not
    repeat them at all (the issue's three sample cards do not: OCR …53037, line 2 26586; dev
    5962937, lavender, medium: OCR …58178 read sure, line 2 88378, and the OCR was left weak)."""
    ocr, optional = mrz.lines[0][17:30], mrz.lines[1][18:29]
    for run in re.findall(r"(?<![0-9])[0-9]{5}(?![0-9])", optional):
        differ = [i for i, (a, b) in enumerate(zip(run, ocr[-5:])) if a != b]
        if 0 < len(differ) <= TAIL_NEAR and not all((0, 25 + i) in sure_cells for i in differ):
            mrz.weak |= {"ocr", "emision"}


def doubt_where_a_guess_met_the_composite(mrz: MrzReading) -> None:
    """Make the OCR and emisión weak when the decoder changed a CIC, birth date or expiry from the
    classifier's first choice and that field stayed weak to the end: the composite held over a
    guess, and a wrong guess meets it one time in ten over digits printed wrong, so it is no
    witness for the digits only it covers. Every read may agree on such an OCR: a card whose OCR
    was printed wrong reads alike everywhere (dev 5580012, medium, an OCR digit altered: line 2's
    first two cells were unsure in every grid and cut off in every tesseract view; the decoder
    changed the birth date 681201 to 791201, the one candidate meeting its own check digit, and
    with the altered OCR it met the composite). Dev cost: 1 of 260 genuine photos, and 4120069
    (medium): a right OCR left for the QR."""
    changed = {OWN_CHECK_FIELD[name] for name in mrz.corrected if name in OWN_CHECK_FIELD}
    if changed & mrz.weak:
        mrz.weak |= {"ocr", "emision"}


OCR_NEAR = 1  # digits by which a view's thirteen may differ from the kept OCR and still have read it


OCR_PART = 8  # digits of the OCR a line cut short must hold, exactly, to have seen them
OCR_CELLS = frozenset({(0, i) for i in range(17, 30)} | {(1, 29)})  # the OCR and the composite's check digit
OWN_WHOLE = 2  # the kept read's own tesseract views holding lines 1 and 2 whole that saw its OCR


def doubt_where_ocr_unseen(mrz: MrzReading, views: list[list[str]], sure: set[tuple[int, int]] | frozenset = frozenset(),
                           own: list[list[str]] = ()) -> None:
    """Make the OCR and emisión weak when at least OUTVOTED other views read the kept CIC (they
    saw this line 1) and none of them, nor any other view, holds the kept OCR anywhere in a line,
    in place or one digit off. The other doubts compare reads in place; a read that lost or gained
    a cell inside the OCR is shifted against every other and escapes them, and then only the
    composite backs its thirteen digits (dev 5130006, hard, the composite altered: one tesseract
    view dropped the OCR's first digit and misread the rest, 6308974106706 for 5830897419679, and
    met the altered composite by chance; nine other reads saw the CIC, none those thirteen).
    `views` holds no view of the kept read itself. A cell read `sure` of every OCR cell and of the
    composite's (the reader passes its placed_cells: a 0 split with the round letters counts, dev
    5960119) is left alone: its grid is fixed, a cell lost or gained leaves the cells past it
    unsure, and on a newspaper tesseract's views may garble every OCR the cells read right (dev
    5390016, hard: six views, none near the thirteen digits; the QR an opaque URL). Nor one whose
    unsure OCR cells views cut short inside the OCR read alike, at least OCR_PART digits from its
    start with none off, the cells past their end sure (dev 5440009, hard: tesseract's block
    ended two digits before the line did; its views held the OCR's first eleven digits exactly,
    the two the cells were unsure of among them). Nor one of which OWN_WHOLE of its own tesseract
    views (`own`, not the cells') each hold lines 1 and 2 whole, in place: one shifted read is
    what this doubt guards against, and two views cutting and misreading alike across sixty
    characters are not one (dev 7700778, own, medium, a finger past the lines' right end: the
    other blocks' views ended inside the OCR, a grid read its last three digits as fillers, and
    the two views of the kept block that read all three lines right left the OCR unverified)."""
    ocr, cic = mrz.lines[0][17:30], mrz.lines[0][5:14]
    if "ocr" in mrz.weak or len(ocr) != 13 or not cic.isdigit() or OCR_CELLS <= sure:
        return
    if len(mrz.lines) >= 2 and all(len(kept) == 30 for kept in mrz.lines[:2]):
        whole = sum(1 for view in own if all(any(kept in line for line in view) for kept in mrz.lines[:2]))
        if whole >= OWN_WHOLE:
            return
    if sum(1 for view in views if any(cic in line for line in view)) < OUTVOTED:
        return
    seen: set[tuple[int, int]] = set()
    for line in (line for view in views for line in view):
        if any(sum(a != b for a, b in zip(line[k:k + 13], ocr)) <= OCR_NEAR for k in range(len(line) - 12)):
            return
        # a line cut short inside the OCR (tesseract's block ended there) holds its first digits
        for k in range(max(0, len(line) - 12), len(line) - OCR_PART + 1):
            if line[k:] == ocr[:len(line) - k]:
                seen |= {(0, 17 + j) for j in range(len(line) - k)}
    if OCR_CELLS <= sure | seen:
        return
    mrz.weak |= {"ocr", "emision"}
    mrz.values["emision"] = None


LINE2_SEEN = re.compile(r"\d{7}[A-Z<]\d{7}[A-Z]{2}")  # a line 2's two dates, the sex between them, then its MEX


def doubt_where_date_unseen(mrz: MrzReading, views: list[list[str]]) -> None:
    """Make a birth date or expiry weak when at least OUTVOTED + 1 distinct views read line 2 (its
    two dates with the sex between them) and at most one view holds the kept date with its check
    digit in a line, exactly or one character off: as for the OCR (doubt_where_ocr_unseen), a read that
    gained or lost a character inside a date is shifted against every other read and escapes the
    doubts that compare in place, and then its own check digit and the composite alone back it
    (dev 5740149, lavender, medium, the birth date's check digit altered: one view of tesseract
    read 8710026M as 87106026M, the decoder took 710602 with the check digit 6, which met it and
    the composite by chance; every other view and grid read 8710026). `views` is every view of
    the MRZ, the kept read's own among them (the view it came from is the one allowed). For
    tesseract's reads: a grid's line is its thirty cells, none gained or lost (dev 5660021,
    5660049, hard: grids read the birth date right, no view of tesseract within one character)."""
    if len(mrz.lines) < 2 or len(mrz.lines[1]) < 15:
        return
    distinct = {tuple(view) for view in views}
    if sum(1 for view in distinct if any(LINE2_SEEN.search(line) for line in view)) < OUTVOTED + 1:
        return
    for name, start in (("birth_date", 0), ("expiry_year", 8)):
        kept = mrz.lines[1][start:start + 7]
        if name in mrz.weak or not kept.isdigit():
            continue
        holders = sum(1 for view in distinct
                      if any(sum(a != b for a, b in zip(line[k:k + 7], kept)) <= 1 for line in view for k in range(len(line) - 6)))
        if holders < 2:
            mrz.weak.add(name)


OPTIONAL_NEAR = 2  # cells of line 2's optional data by which a view may differ from the kept read and still be in place
# where the INE's optional data prints its fillers, `<EE<<NNNNN<` (the emisión EE is taken after the first)
OPTIONAL_FILLERS = (18, 21, 22, 28)


def doubt_where_filler_read_digit(mrz: MrzReading, views: list[list[str]]) -> None:
    """Make the OCR and emisión weak when another read of line 2, in place (its optional data at
    most OPTIONAL_NEAR cells off the kept read's), has a filler where the INE prints one
    (OPTIONAL_FILLERS) and the kept read a digit other than 0. A filler weighs 0 in the
    composite: a filler misread as a digit changed the sum, and the composite held only over
    another misread or an altered check digit (dev 5961938, medium, the composite altered: one
    tesseract view read `MEX<08<<` as `MEX908<<`, which met it, and gave the emisión 90; the other
    view of the block and the cells read the filler). The other doubts weigh digits against digits
    only. Where the INE prints a digit, a filler read is a digit lost (dev 5961037, lavender,
    medium, genuine: a grid read the line's end `51278<8` as `5127<<?`); and the cells beside it
    must be read alike: beside a cell lost or read otherwise, a filler is the edge of a smudge.
    `views` is every read of the MRZ, the kept read's own views among them; the kept read itself
    is skipped."""
    if len(mrz.lines) < 2 or len(mrz.lines[1]) != 30 or {"ocr", "emision"} <= mrz.weak:
        return
    kept = mrz.lines[1][18:29]
    for view in views:
        lines = _first_two(view)
        if lines is None or list(lines) == mrz.lines[:2]:
            continue
        seen = lines[1][18:29]
        if sum(a != b for a, b in zip(seen, kept)) > OPTIONAL_NEAR:
            continue
        line, other = mrz.lines[1], lines[1]
        if any(line[i] in "123456789" and other[i] == "<" and line[i - 1] == other[i - 1] and line[i + 1] == other[i + 1]
               for i in OPTIONAL_FILLERS):
            mrz.weak |= {"ocr", "emision"}
            return


def _first_two(view: list[str]) -> tuple[str, str] | None:
    """Lines 1 and 2 of a view read whole (30 characters each, MEX where each has it), else None."""
    for k in range(len(view) - 1):
        one, two = view[k], view[k + 1]
        if len(one) == 30 and len(two) == 30 and "MEX" in one[1:6] and two[15:18] == "MEX":
            return one, two
    return None


def doubt_where_outvoted(mrz: MrzReading, views: list[list[str]], sure_cells: frozenset = frozenset(),
                         grids: dict[tuple[str, ...], set[tuple[int, int]]] | None = None) -> None:
    """Fields of a verified read made weak where other reads of the same MRZ (the classifier's on
    other grids and blocks, tesseract's views; lines read whole, a few characters off in place)
    give one other digit at a checked cell at least OUTVOTED times and none gives the kept one:
    no read alone was sure enough to doubt it (doubt_where_cells_differ), but one read meeting
    the check digits against all the others is the misread that met them (dev 4220020, hard, an
    OCR digit altered: one grid read the OCR's first 0 as a 6 that met the composite; three other
    grids and two tesseract views read the 0). `views` holds no view of the kept read itself.
    Views that read lines 1 and 2 alike are one read: tesseract gives the same misread on views of
    the block that differ little (dev 5770129, hard: two views read the CIC's 8 as 0, their lines
    1 and 2 the same to the character, the rest of line 1 mangled in every other view; the CIC
    the cells read, its check digit holding, was left weak).
    A grid's read (`grids`: a grid's lines, the cells it is sure of) casts no vote at a cell it
    is unsure of where the kept read is sure (`sure_cells`): a guess does not outvote what the
    classifier saw (dev 5961037, lavender, medium: the kept grid sure of every OCR cell; two
    grids of the same block, unsure of the last two, read 57 as 82 and left the OCR weak)."""
    grids = grids or {}
    against: dict[tuple[int, int], dict[str, int]] = {}
    agree: set[tuple[int, int]] = set()
    unsure_of: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for view in views:
        lines = _first_two(view)
        if lines is not None and tuple(view) in grids:
            unsure = {cell for cell in sure_cells if cell not in grids[tuple(view)]}
            unsure_of[lines] = unsure_of[lines] & unsure if lines in unsure_of else unsure
        elif lines is not None:
            unsure_of[lines] = set()
    for lines, unsure in unsure_of.items():
        for line, seen in enumerate(lines):
            read = mrz.lines[line]
            places = {i for i, (a, b) in enumerate(zip(read, seen)) if a != b}
            if len(read) != len(seen) or len(places) > MAX_IN_PLACE:
                continue
            for i in range(len(read)):
                if (line, i) not in CHECKED_CELLS or (line, i) in unsure:
                    continue
                if i not in places:
                    agree.add((line, i))
                elif seen[i].isdigit():
                    counts = against.setdefault((line, i), {})
                    counts[seen[i]] = counts.get(seen[i], 0) + 1
    _doubt_cells(mrz, {cell for cell, counts in against.items() if cell not in agree and max(counts.values()) >= OUTVOTED})


DATE_CELLS = frozenset(cell for cell in CHECKED_CELLS if cell[0] == 1 and cell[1] <= 14)  # birth date, expiry, their check digits


def _sure_line(read) -> str:
    """A grid's line, every cell of it, as its first choices, '?' where the classifier gave the
    choice less than WITNESS_PROBABILITY."""
    probs = read.whole if read.whole is not None else probabilities_from_scores(read.scores)
    return "".join(ALPHABET[int(k)] if float(row[k]) >= WITNESS_PROBABILITY else "?"
                   for row, k in zip(probs, probs.argmax(axis=1)))


def doubt_dates_seen_otherwise(kept: TextRead, lines: list[str]) -> None:
    """The birth date or expiry of a verified cell read made weak where the classifier was unsure
    of a cell of it (not in kept.sure_cells) and an earlier grid of the same block, one that did
    not verify (a line 1 cut a cell off, a line 2 a cell slipped), was sure of another digit there,
    found by the characters around it (_read_in_context; `lines` hold those grids' lines 2, their
    unsure cells '?'). No QR confirms a date, and one misread meets its own check digit and the
    composite together one time in a hundred (dev 5730062, own design, medium, the birth date's
    check digit altered: a grid read 850302 as 860302 at 0.75, which met both, after two grids had
    read the 5 at 1.0 with line 2 a cell off)."""
    mrz = kept.mrz
    if mrz is None or not mrz.verified or len(mrz.lines) < 2 or not lines:
        return
    doubted = set()
    for line, i in DATE_CELLS:
        if (line, i) in kept.sure_cells or i >= len(mrz.lines[1]) or not mrz.lines[1][i].isdigit():
            continue
        seen = {_read_in_context(mrz.lines[1], [other], i) for other in lines}
        if any(digit is not None and digit.isdigit() and digit != mrz.lines[1][i] for digit in seen):
            doubted.add((line, i))
    _doubt_cells(mrz, doubted)


def doubt_where_unsure_and_read_otherwise(kept: TextRead, others: list[TextRead]) -> None:
    """The birth date or expiry of a verified cell read made weak where the classifier was unsure
    of a cell of it (not in kept.sure_cells) and another grid's read of the same MRZ (lines as
    long, a few characters off in place) gives another digit there: no QR confirms a date, and
    two misreads can meet its own check digit and the composite at once (fresh seed 6565656,
    hard: 780216 read 700210 at 0.65 and 0.54, 8 to 0 and 6 to 0 weigh 30 in the one and 50 in
    the other; another grid read the 8). One such witness is enough here, not OUTVOTED: the kept
    cell is itself a guess. Requiring instead that two of a date's cells be sure cost six in a
    hundred hard dev photos their birth date; this, one."""
    mrz = kept.mrz
    doubted: set[tuple[int, int]] = set()
    for other in others:
        if len(other.lines) != 3 or not _same_text(mrz.lines, other.lines):
            continue
        read, seen = mrz.lines[1], other.lines[1]
        places = {i for i, (a, b) in enumerate(zip(read, seen)) if a != b}
        if len(read) != len(seen) or len(places) > MAX_IN_PLACE:
            continue
        doubted |= {(1, i) for i in places if (1, i) in DATE_CELLS and (1, i) not in kept.sure_cells and seen[i].isdigit()}
    _doubt_cells(mrz, doubted)


CONTEXT = 3  # characters each side of a cell that find it in a read whose lines are garbled or shifted
CONTEXT_OFF = 1  # of which this many may be read otherwise
ROUND_LETTERS = "OQD"  # the letters a blurred OCR-B 0 is taken for (tesseract's, and the classifier's)
ZERO_LIKE = {ch: TO_DIGIT[ch] for ch in ROUND_LETTERS}  # of TO_DIGIT, the round letters only: tesseract's G for a 6 or B for an 8 is no witness of either
CONTESTED = 2  # unsure cells read otherwise for the composite to back nothing: one misread never meets it


def _read_in_context(line: str, lines: list[str], i: int) -> str | None:
    """The digit `lines` hold where `line`'s cell i is, found by the CONTEXT characters around it
    (at most CONTEXT_OFF of them read otherwise) wherever it lies in any of them; None where no
    window, or more than one giving other characters, fits as well."""
    left, right = line[max(0, i - CONTEXT):i], line[i + 1:i + 1 + CONTEXT]
    width = len(left) + 1 + len(right)
    best, found = CONTEXT_OFF + 1, set()
    for seen in lines:
        for k in range(len(seen) - width + 1):
            window = seen[k:k + width]
            off = sum(a != b for a, b in zip(window[:len(left)] + window[len(left) + 1:], left + right))
            if off < best:
                best, found = off, set()
            if off == best:
                found.add(window[len(left)])
    if len(found) != 1:
        return None
    ch = ZERO_LIKE.get(*found, *found)
    return ch if ch.isdigit() else None


def doubt_where_unsure_and_seen_otherwise(kept: TextRead, views: list[list[str]], cell_reads: list[TextRead]) -> None:
    """Make the OCR and emisión weak where at least CONTESTED digits only the composite covers are
    ones no classifier grid was sure of (in place, the kept read's own or another's of the same
    MRZ) and at least OUTVOTED other reads give one other digit there, found by the characters
    around it: a hard photo's reads are garbled or shifted, and the whole-line votes
    (doubt_where_outvoted) see none of them, while the composite, one check digit over 25 cells,
    lets one try in ten through. One digit misread never meets it (its weight, 7, 3 or 1, times
    a difference of 1 to 9 is never a multiple of 10), so one contested cell says the views
    misread it, not the kept read: tesseract repeats its confusions (1 for 4, 6 for 8) in view
    after view (dev 5400083, 5410022 and five more hard photos, all read right, had one such
    cell each). Dev 5400012 (hard, genuine): a grid read the OCR's first 0 and the emisión's 0 as
    6s, unsure of both, which cancel at weights 7 and 3; four garbled tesseract views read the
    emisión's 0 as 0 or O, three cells contested. Dev 5400058: a tesseract view read the OCR's
    first 6 as 0 and met the composite with its birth date misread; a grid and another view
    read the 6, two cells contested)."""
    mrz = kept.mrz
    if mrz is None or not mrz.verified or "ocr" in mrz.weak or len(mrz.lines) < 2:
        return
    sure = set(kept.sure_cells)
    for read in cell_reads:
        if read is kept or len(read.lines) < 2 or not _same_text(mrz.lines, read.lines):
            continue
        sure |= {(line, i) for line, i in read.sure_cells
                 if i < min(len(read.lines[line]), len(mrz.lines[line])) and read.lines[line][i] == mrz.lines[line][i]}
    contested = 0
    for line, i in COMPOSITE_ONLY:
        if (line, i) in sure or i >= len(mrz.lines[line]) or not mrz.lines[line][i].isdigit():
            continue
        others = Counter(_read_in_context(mrz.lines[line], view, i) for view in views if view[:2] != mrz.lines[:2])
        contested += any(digit is not None and digit != mrz.lines[line][i] and count >= OUTVOTED for digit, count in others.items())
    if contested >= CONTESTED:
        mrz.weak |= {"ocr", "emision"}


def _in_place(line: int, read: str, seen: str) -> set[int]:
    """Where `seen` differs from `read` inside the CIC and its check digit when both print IDMEX
    before it and the fillers after it in place: between those the grid neither gained nor lost a
    cell, so a read whose digits came out shifted against such a read is not to be aligned with it
    by difflib (dev 4240023, hard, the CIC's check digit altered: tesseract views with a letter
    inserted before the CIC voted 662307860, its check digit 4 holding by chance; the cells read
    623978805 in place, sure of every digit). The OCR has no such end (a cell lost in it shifts the
    rest, dev 4130004). Empty otherwise."""
    if line != 0 or len(read) < 17 or len(seen) < 17:
        return set()
    if not all(r[:5] == "IDMEX" and r[15:17] == "<<" for r in (read, seen)):
        return set()
    return {i for i in range(5, 15) if read[i] != seen[i]}


SAME_TEXT = 0.5  # share of the first two lines' characters two reads must share in place to be of one MRZ


def _same_text(read: list[str], seen: list[str]) -> bool:
    """Whether two reads are of the same MRZ (cells of a block found elsewhere on the card are no witness)."""
    pairs = [(a, b) for x, y in zip(read[:2], seen[:2]) for a, b in zip(x, y)]
    return bool(pairs) and sum(a == b for a, b in pairs) >= SAME_TEXT * len(pairs)


MAX_IN_PLACE = 3  # differences between two lines as long that are read as substitutions in place


def _substituted(read: str, seen: str) -> set[int]:
    """Positions where `seen` holds another character than `read` in place, the two lines aligned
    (difflib): a run the cells read one or two cells off is an insertion and a deletion, not a
    substitution (seen on a fresh-seed photo: cells two cells behind along the CIC and the OCR)."""
    if len(read) == len(seen):
        # lines as long that differ in a few places differ there in place; difflib may align them
        # otherwise (dev seed 2700045: CIC 905680917 read 905690017 by tesseract, both check
        # digits met, and the cells' sure 8 and 9 were taken for an insertion and a deletion)
        places = {i for i, (a, b) in enumerate(zip(read, seen)) if a != b}
        if len(places) <= MAX_IN_PLACE:
            return places
    out: set[int] = set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, read, seen, autojunk=False).get_opcodes():
        if tag == "replace" and i1 == j1 and i2 == j2:
            out.update(range(i1, i2))
    return out


def _tail_share(mrz: MrzReading, reads: list) -> float:
    """The least probability share, among the characters its position allows (digits and '<'),
    that the classifier gave a chosen character of the OCR and the optional data."""
    return min(_least_share(reads[0], 17, mrz.lines[0][17:30]), _least_share(reads[1], 18, mrz.lines[1][18:30]))


def _probability(read, i: int, ch: str) -> float:
    """The classifier's probability of `ch` in cell i of `read`, over the whole alphabet."""
    return float(probabilities_from_scores(read.scores[i])[ALPHABET.index(ch)]) if ch in ALPHABET else 0.0


def _round_zero(read, i: int, ch: str) -> bool:
    """Whether cell i of `read`, read as the 0 `ch` is, holds a round glyph the classifier split
    between the 0 and the round letters, its share among the digits sure. No witness of which
    digit is printed (a blurred 6 is round too: dev 5400058, hard), it says the grid stands on a
    glyph there, neither shifted nor cut, which is what doubt_where_ocr_unseen asks of a cell."""
    if ch != "0":
        return False
    probs = probabilities_from_scores(read.scores[i])
    round_share = float(probs[ALPHABET.index("0")]) + sum(float(probs[ALPHABET.index(letter)]) for letter in ROUND_LETTERS)
    return _least_share(read, i, ch) >= UNSURE_SHARE and round_share >= WITNESS_PROBABILITY


def _least_share(read, start: int, text: str) -> float:
    """The least share, among digits and '<', that the classifier gave a character of `text`
    read from cell `start` of `read` on; for a faint cell (_faint), its probability over the whole
    alphabet: a washed-out glyph that looks as much like a letter is not a sure digit."""
    allowed = [ALPHABET.index(ch) for ch in "0123456789<"]
    probs = probabilities_from_scores(read.scores[start:start + len(text)])
    shares = [float(row[ALPHABET.index(ch)] / (1.0 if _faint(read, start + j) else max(float(row[allowed].sum()), 1e-9)))
              for j, (row, ch) in enumerate(zip(probs, text)) if ch in ALPHABET]
    return min(shares, default=0.0)


FAINT = 0.5  # a cell whose ink contrast is under this share of the block's median is washed out


def _faint(read, i: int) -> bool:
    """Whether cell i of `read` is washed out (glare). The classifier stretches what ink is left:
    on an altered card (dev 3420063) a faint 9 read 0 at 0.58, O at 0.42 (its share among digits
    0.99), and the composite held by chance; faint cells of genuine cards it read right at 1.0."""
    return read.contrast is not None and i < len(read.contrast) and float(read.contrast[i]) < FAINT


def _cell_text(mrz: MrzReading, block: TextBlock) -> TextRead:
    line1 = mrz.lines[0]
    text = TextRead(lines=list(mrz.lines), mrz=mrz, line1=line1, line1_index=0, block=block,
                    ocr_candidate=line1[17:30] if line1[17:30].isdigit() else None)
    text.cic = line1[5:14] if _check(line1[5:15]) else None
    text.views = [list(mrz.lines)]
    return text


def supported(mrz: MrzReading, views: list[list[str]]) -> bool:
    """A read verified by a later view only stands when another view read its OCR, and its optional
    data with the composite, the same: one misread can cancel an altered digit in the composite
    (seen on an evaluation photo: OCR printed 1 for 5, and 64936 read 64956 in the sharpened view)."""
    ocr, tail = mrz.lines[0][17:30], mrz.lines[1][18:30]
    parts = [_view_parts(v) for v in views]
    # the 13 digits anywhere in a view count too: a view that split line 1 in two, or missed its
    # MEX, still read them (dev seeds 2300039, 2300055); 13 given digits do not turn up by chance
    seen = any(p.get("ocr") == ocr for p in parts) or any(ocr in line for v in views for line in v)
    # a view that read the tail with one character put in (dev 4460053, medium: 'KO05<<75154<2'
    # for '<05<<75154<2', tesseract's O before the 0) still read every one of its characters
    # and the twelve of the tail anywhere in a line too: a view that misread line 2's MEX or its
    # sex ('…318HEX<02<<94575<188', dev 4840016, medium) still read every one of them
    return seen and (any(p.get("tail_seen") == tail or _one_put_in(p.get("tail_long", ""), tail) for p in parts)
                     or any(tail in line for v in views for line in v))


def cic_seen(mrz: MrzReading, views: list[list[str]]) -> bool:
    """Whether another view read the CIC of a verified read the same, with its check digit: the
    CIC has no other check (the composite starts at it with the same weights), and two misreads
    cancel in it one time in ten (dev 7700114, hard: tesseract's lone view read 990990327 as
    990000327, 9 to 0 at weights 7 and 3; its other views read no CIC)."""
    cic10 = mrz.lines[0][5:15]
    return any(_view_parts(v).get("cic") == cic10 for v in views) or any(cic10 in line for v in views for line in v)


def _one_put_in(longer: str, text: str) -> bool:
    """Whether `longer` is `text` with one character put in somewhere."""
    return len(longer) == len(text) + 1 and any(longer[:i] + longer[i + 1:] == text for i in range(len(longer)))


# the fields with a check digit of their own: the piece of a view (_view_parts) that reads one with
# it, and where the field and its check digit lie in the MRZ's lines
OWN_CHECK = {"cic": ("cic", 0, 5, 15), "birth_date": ("birth", 1, 0, 7), "expiry_year": ("expiry", 1, 8, 15)}


def confirm_by_views(mrz: MrzReading, views: list[list[str]]) -> None:
    """A verified cell read whose OCR and optional data are weak (a cell of theirs the classifier
    was unsure of) regains them when another engine's view (tesseract's, `views`) read the OCR and
    the optional data with its composite the same (supported), and no OUTVOTED views read one
    other CIC, birth date or expiry with its check digit holding (_contradicted): two engines
    agreeing stand in for the composite's one digit. An altered composite met by a misread is
    not read alike by both. So too a CIC, birth date or expiry left weak (a cell unsure, or
    changed by the decoder to meet its check digit) that a view read the same with its own check
    digit holding (dev 4120069, medium: the cells unsure of the CIC's 4 and of the birth date, two
    views read both exactly; a CIC misread to meet an altered check digit is not misread alike by
    both engines)."""
    if not mrz.verified:
        return
    # views that read another CIC, birth date or expiry, its own check digit holding, support
    # nothing: their composite is not the kept read's (dev 4520033: the views read the OCR and
    # the tail alike, and the birth date as printed, which fails the kept read's composite)
    if "ocr" in mrz.weak and supported(mrz, views) and not _contradicted(mrz, views, OUTVOTED):
        mrz.weak -= {"ocr", "emision"}
        _give_emision(mrz)
    weak_own = set(OWN_CHECK) & mrz.weak
    if weak_own:
        parts = [_view_parts(v) for v in views]
        for name in weak_own:
            key, line, start, end = OWN_CHECK[name]
            if any(p.get(key) == mrz.lines[line][start:end] for p in parts):
                mrz.weak.discard(name)


def _give_emision(mrz: MrzReading) -> None:
    """The emisión (the optional data's first two digits) of a read whose optional data is firm again."""
    optional = mrz.lines[1][18:29].strip("<")
    mrz.values["emision"] = optional[:2] if optional[:2].isdigit() else None


def firm_where_either_is(text: TextRead, other: TextRead | None) -> None:
    """Two verified cell reads of the same MRZ with the same characters (the grid as segmented and
    at every shift; or two blocks found around it): a field is weak only where both were unsure.
    Each read alone keeps the fields it is sure of (reader._apply_back takes a read's firm fields
    however weak the others are); read alike, a field firm in either stands as firm as in that one
    (dev 3570038, hard: the grid as segmented read the OCR firm and an expiry cell unsure, every
    shift the other way round, and the second read was the one kept: no OCR)."""
    if other is None or text.mrz is None or other.mrz is None or not (text.mrz.verified and other.mrz.verified):
        return
    if text.mrz.lines[:2] != other.mrz.lines[:2]:
        return
    mrz = text.mrz
    mrz.weak &= other.mrz.weak
    text.sure_cells |= other.sure_cells
    text.placed_cells |= other.placed_cells
    if "emision" not in mrz.weak:
        _give_emision(mrz)


def _mrz_like(lines: list[str]) -> bool:
    """Whether tesseract's first view of a block looks like an MRZ at all (`MEX`, fillers, or a run
    of digits): other text (a receipt, a newspaper, the card's title) is not read three more times."""
    text = "".join(lines)
    return "MEX" in text or "<<" in text or re.search(r"[0-9]{6}", text) is not None


def _sharpen(block: np.ndarray) -> np.ndarray:
    """Unsharp masking: blurred strokes steeper, without the threshold that merges them."""
    soft = cv2.GaussianBlur(block, (0, 0), 2.0)
    return cv2.addWeighted(block, 2.0, soft, -1.0, 0)


def _flatten(block: np.ndarray) -> np.ndarray:
    """Divide out the background (glare, shadow, tint), then threshold the ink."""
    background = cv2.morphologyEx(block, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (31, 31)))
    flat = cv2.divide(block, background, scale=255)
    flat = cv2.GaussianBlur(flat, (3, 3), 0)
    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return ink


def _digits(text: str) -> str:
    return "".join(TO_DIGIT.get(ch, ch) for ch in text)


def _check(s: str) -> bool:
    return s.isdigit() and icao_check_digit(s[:-1]) == s[-1]


# line 1 ends with the OCR's 13 digits: a 14th digit after them means tesseract inserted one
# somewhere, and the first 13 are then shifted (the composite alone passes that by chance 1 in 10)
LINE1 = re.compile(rf"([{DIGITISH}]{{10}})[{FILLERS}]{{1,3}}([{DIGITISH}]{{13}})(?![0-9])")
LINE2 = re.compile(rf"([{DIGITISH}]{{7}})([A-Z<])([{DIGITISH}]{{7}})([A-Z]{{3}})(.*)$")
LINE2_LOST = re.compile(rf"([{DIGITISH}]{{6}})([A-Z<])([{DIGITISH}]{{7}})(MEX)(.*)$")  # its first character lost


# stray marks tesseract may put before line 2 (a card edge, a guilloche stroke; dev 3200003:
# 'SSSS' before the one view that supported the read); taken only where both check digits hold
LINE2_LEAD = 4


def _line2_match(line: str) -> re.Match | None:
    """Line 2 from its start, or after at most LINE2_LEAD stray characters when it does not
    parse from its start (the check digits of the birth date, expiry and composite still decide)."""
    for lead in range(LINE2_LEAD + 1):
        m = LINE2.match(line, lead)
        if m and _check(_digits(m.group(1))) and _check(_digits(m.group(3))):
            return m
    return LINE2.match(line)


def _optional_variants(rest: str) -> list[tuple[str, str, set[str]]]:
    """(optional data of 11, composite digit, weak fields) from what follows `MEX`.

    Only the trailing run of fillers is re-fitted to length (re-fitting inner runs would move
    digits to other weights, and among a dozen variants one would pass by chance). What the
    composite then confirms depends on how the field was read: at its 11 characters, everything;
    longer or shorter, neither. Shorter, characters were dropped somewhere (`<08<<67353<` read as
    `<035`); longer, one may have been doubled anywhere, not only in the trailing fillers (dev
    5480043, medium, an OCR digit printed otherwise: `<07<<70222<` read `<007<<70222<`, the last
    filler dropped to fit, the digits after the doubled 0 at other weights): the composite over
    what was kept holds by chance 1 in 10, and the OCR needs another source (a view read alike,
    the QR) to agree.
    """
    rest = re.sub(f"[{FILLERS[1:]}]", "<", rest) if rest else rest
    if len(rest) < 2:
        return []
    if len(rest) == 13 and rest[11].isdigit() and not rest[12].isdigit():
        rest = rest[:12]  # one stray mark after the composite digit (a card edge, a guilloche stroke)
    body, last = rest[:-1], _digits(rest[-1])
    # the INE's optional data holds digits and fillers only: a letter is a digit misread, and weighs
    # as one in the composite (a fresh-seed altered photo, an OCR digit printed otherwise: the
    # emisión's 0 read O, worth 24 in the ICAO sum, met the composite by chance, a wrong OCR verified)
    body = _digits(body)
    if not re.fullmatch(r"[0-9<]*", body):
        return []
    if len(body) == 11:
        return [(body, last, set())]
    core = body.rstrip("<")
    weak = {"ocr", "emision"}
    return [(core.ljust(11, "<"), last, weak)] if len(core) <= 11 else []


def line2_reads(lines: list[str]) -> list[str]:
    """Line 2 as 30 characters, from each line that parses as one whose birth date and expiry
    check digits hold and whose optional data was read at its 11 characters (the composite then
    covers what was printed): the QR's OCR is tried against these (codes.qr_ocr_by_composite)."""
    out = []
    for line in lines:
        m = _line2_match(line.replace(" ", ""))
        if not m:
            continue
        birth, sex, expiry, _nation, rest = m.groups()
        birth, expiry = _digits(birth), _digits(expiry)
        if not (_check(birth) and _date_ok(birth[:6]) and _check(expiry)):
            continue
        for optional, composite, weak in _optional_variants(rest):
            # _optional_variants gives digits and fillers only: a '?' the classifier writes for a
            # cell it could not read is no variant (a photocopy in the bench on seed 3232323 raised on it)
            if not weak and composite.isdigit():
                out.append(birth + sex + expiry + "MEX" + optional + composite)
    return list(dict.fromkeys(out))


def ocr_reads(lines: list[str]) -> list[str]:
    """What line 1 showed of the OCR: the characters after its last filler, as digits, from each
    line that starts like line 1 (`MEX` in its first six characters). Glare may have taken some of
    them: the read is then shorter than 13, its last digits still the OCR's last."""
    out = []
    for line in lines:
        at = line.find("MEX", 0, 6)
        if at < 0:
            continue
        tail = re.split(f"[{FILLERS}]", line[at + 3:])[-1]
        if len(tail) >= 8 and line[at + 3:] != tail:
            out.append(_digits(tail))
        whole = line[at - 2:at + 28] if at >= 2 else ""
        if len(whole) == 30 and whole[15:17] == "<<" and whole[17:30] != tail:
            # a read at line 1's full width whose OCR glare broke with fillers ('5662<<7450831'
            # for 5668567450831, dev 4830010, medium): its thirteen cells in place, the lost ones
            # matching no digit; the tail after them alone is too short to name the QR's window
            out.append(_digits(whole[17:30]))
    return list(dict.fromkeys(out))


def decode_text(lines: list[str]) -> TextRead:
    """TD1 fields from tesseract's lines; verified only when all four check digits hold."""
    out = TextRead(lines=lines)
    for i, line in enumerate(lines):
        start = line.find("MEX")
        if start < 0 or start > 8:
            continue
        m = LINE1.search(line, max(0, start + 3))
        if not m:
            continue
        cic10, ocr = _digits(m.group(1)), _digits(m.group(2))
        cic_ok = _check(cic10) and not _inserted(line, start, m)
        if cic_ok:
            out.cic = cic10[:9]
        out.ocr_candidate = ocr
        line1 = "IDMEX" + cic10 + "<<" + ocr
        out.line1 = line1
        out.line1_index = i
        for line2_raw in lines[i + 1:i + 3]:
            m2 = _line2_match(line2_raw.replace(" ", ""))
            if not m2:
                continue
            birth, sex, expiry, _nation, rest = m2.groups()
            birth, expiry = _digits(birth), _digits(expiry)
            if not (cic_ok and _check(birth) and _date_ok(birth[:6]) and _check(expiry)):
                out.mrz = MrzReading(lines=[line1, line2_raw], problems=["mrz_check"])
                break
            # a digit before the seven taken as the birth date and its check digit: tesseract read
            # eight there, so which seven is a guess, and the check digit and the composite each
            # meet a wrong guess one time in ten (dev 5962258, medium, the birth date's check
            # digit altered: `6501206H` read `65012066H`, and `5012066` met both). The date and
            # what only the composite covers then need another read or the QR
            guessed = {"birth_date", "ocr", "emision"} if _lead_digit(line2_raw, m2) else set()
            # a date's check digit read as a letter (TO_DIGIT: tesseract's E taken for a 3) is a
            # guess: with one digit of the date misread, the check digit that meets the date's own
            # check meets the composite too wherever the composite's weight for that digit cancels
            # its own weight times the check digit's (the expiry's 2nd and 5th digits, the birth
            # date's 2nd, 3rd, 5th and 6th). Dev 5963029 (lavender, hard, genuine): one view read
            # 3012316 as 391231E, both check digits held and the expiry 2039 was verified
            guessed |= {name for name, raw in (("birth_date", m2.group(1)), ("expiry_year", m2.group(3))) if not raw[6].isdigit()}
            for optional, composite, weak in _optional_variants(rest):
                line2 = birth + sex + expiry + "MEX" + optional + composite
                if composite.isdigit() and icao_check_digit(composite_data(line1, line2)) == composite:
                    out.mrz = _verified(line1, line2, lines[lines.index(line2_raw) + 1:], weak | guessed)
                    return out
            out.mrz = MrzReading(lines=[line1, line2_raw], problems=["mrz_check_composite"])
            break
        if out.line1:
            return out
    return out


def _inserted(line: str, start: int, m: re.Match) -> bool:
    """Whether digits (or letters read for digits) come between MEX and the ten the CIC and its
    check digit are taken from: tesseract read more than ten there, so which ten is a guess, and
    the check digit picks one by chance one time in ten (dev seed 2620032: 4333 8 66656 read
    43338266656, the last ten taken, the check digit and then a re-fitted composite held)."""
    return re.search(f"[{DIGITISH}]", line[start + 3:m.start()]) is not None


def _lead_digit(raw: str, m2: re.Match) -> bool:
    """Whether line 2 was matched after stray characters that hold a digit (_line2_match's lead)."""
    return any(ch.isdigit() for ch in raw.replace(" ", "")[:m2.start()])


def _view_parts(lines: list[str]) -> dict[str, str]:
    """The TD1 pieces one view gave, each taken only where it can be checked: the CIC, birth date
    and expiry with their own check digits holding, the OCR as 13 digits, and the optional data
    with the composite (`tail`) only when read at its full 11 + 1 characters (`tail_seen`: its
    first 12 characters when one more followed, used only as support). Line 2 counts even when
    the view missed line 1."""
    parts: dict[str, str] = {}
    after = 0
    for i, line in enumerate(lines):
        start = line.find("MEX")
        m = LINE1.search(line, start + 3) if 0 <= start <= 8 else None
        headless = LINE1.search(line) if start < 0 else None
        if headless is not None:
            # a view that cut line 1 before its MEX (dev 3940034, hard: 'EX3981576524<<50208…'):
            # ten digits, fillers and thirteen digits are line 1's alone; its OCR counts, not its
            # CIC, whose first digits may be lost
            parts["ocr"] = _digits(headless.group(2))
            after = i + 1
            break
        cut = re.match(rf"([{DIGITISH}]{{10}})[{FILLERS}]", line[start + 3:]) if not m and 0 <= start <= 8 else None
        if cut is not None and _check(_digits(cut.group(1))):
            # a view that cut line 1 after the CIC's fillers (the block short at its right end,
            # the same photo): the ten between MEX and the fillers are the CIC and its check digit
            parts["cic"] = _digits(cut.group(1))
            after = i + 1
            break
        if not m:
            continue
        cic10, ocr = _digits(m.group(1)), _digits(m.group(2))
        if _check(cic10) and not _inserted(line, start, m):
            parts["cic"] = cic10
        parts["ocr"] = ocr
        after = i + 1
        break
    for raw in lines[after:]:
        m2 = _line2_match(raw.replace(" ", ""))
        lost = LINE2_LOST.match(raw.replace(" ", "")) if m2 is None else None
        if lost is not None and _check(_digits(lost.group(3))):
            m2 = lost  # line 2 without its first character (a finger over it), its expiry holding
        if not m2:
            continue
        birth, _sex, expiry, _nation, rest = m2.groups()
        birth, expiry = ("?" if m2 is lost else "") + _digits(birth), _digits(expiry)
        if _lead_digit(raw, m2):
            pass  # eight digits before the sex: which seven are the birth date is a guess (decode_text)
        elif _check(birth) and _date_ok(birth[:6]):
            parts["birth"] = birth
            parts["birth_guess"] = not m2.group(1)[-1].isdigit()  # its check digit a letter (decode_text)
        elif re.fullmatch(r"[0-9?]{7}", birth):
            parts["birth_seen"] = birth  # for `_solved`
        if _check(expiry):
            parts["expiry"] = expiry
            parts["expiry_guess"] = not m2.group(3)[-1].isdigit()
        elif expiry.isdigit():
            parts["expiry_seen"] = expiry
        rest = re.sub(f"[{FILLERS[1:]}]", "<", rest)
        if len(rest) in (12, 13):
            parts["tail_seen"] = rest[:12]
        if len(rest) == 13:
            parts["tail_long"] = rest  # one character more: one inserted, perhaps (`supported`)
        if len(rest) == 13 and rest[11].isdigit() and not rest[12].isdigit():
            rest = rest[:12]
        if len(rest) == 12 and rest[-1].isdigit():
            parts["tail"] = rest
        index = lines.index(raw)
        parts["line3"] = next((ln for ln in lines[index + 1:index + 3] if re.fullmatch(r"[A-Z<]{10,}", ln)), "")
        break
    return parts


def _contradicted(mrz: MrzReading, views: list[list[str]], least: int = 1) -> bool:
    """A later view's verified read is refused when an earlier view of the same block read another
    CIC, birth date or expiry whose own check digit holds too: two errors can cancel in one check
    digit (99 for 00 at weights 7 and 3) and meet the composite by chance, and every extra view is
    one more such chance; seen on an evaluation photo with an altered OCR. With `least`, only
    when that many different views read the same other value: a garbled view meets a check digit
    by chance one time in ten (dev 4580087, medium: '2102126M…' against the birth date 8108186)."""
    return any(len(found) >= least for found in _other_values(mrz, views).values())


def _other_values(mrz: MrzReading, views: list[list[str]]) -> dict[tuple[str, str], set[tuple[str, ...]]]:
    """The views (as tuples) that read each other CIC, birth date or expiry, its own check digit
    holding, keyed by (the view part's name, the value)."""
    mine = {"cic": mrz.lines[0][5:15], "birth": mrz.lines[1][0:7], "expiry": mrz.lines[1][8:15]}
    seen: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for view in views:
        parts = _view_parts(view)
        for name, value in mine.items():
            if name in parts and parts[name] != value:
                seen.setdefault((name, parts[name]), set()).add(tuple(view))
    return seen


OWN_CHECK_FIELD = {key: name for name, (key, *_) in OWN_CHECK.items()}  # a view part's (or mrz.corrected's) key -> its field


def doubt_where_contradicted(mrz: MrzReading, views: list[list[str]]) -> None:
    """Make weak each CIC, birth date or expiry of a verified read that another view of the same
    block read otherwise, its own check digit holding too. A later view is refused when an
    earlier one contradicts it (read_block); this is the same test the other way round, against
    the views read after it, which may confirm its OCR and optional data and still read another
    field (dev 5020074, medium: line 2 read with three digits before it and one put in,
    '4641106013M…', parsed three characters in as the birth date 110601 for 641101; its check
    digit and the composite both held by chance; the next view read 641101, its own check digit
    holding, and the OCR and tail alike, and was taken as support)."""
    for name, _value in _other_values(mrz, views):
        mrz.weak.add(OWN_CHECK_FIELD[name])


CIC_OTHERWISE = 2  # distinct views reading one other CIC, its check digit holding, that doubt the kept one


def cic_read_otherwise(mrz: MrzReading, views: list[list[str]]) -> bool:
    """Whether CIC_OTHERWISE distinct `views` read one other CIC, its own check digit holding:
    two CICs that each meet the check digit are a misread that met it by chance, and the
    composite, starting at the CIC with the same weights, cancels it alike (dev 5961267,
    lavender, hard, genuine: a grid read 984009017 as 984669017, sure of one 6, and both check
    digits held; two tesseract views read 9840090170 in lines that were not 30 characters long,
    so doubt_where_outvoted did not weigh them: the CIC was verified wrong)."""
    return any(len(found) >= CIC_OTHERWISE for (name, _), found in _other_values(mrz, views).items() if name == "cic")


def _agreed(values: list[str]) -> str | None:
    """Each position's character that a strict majority of the reads give; None if any position has none."""
    if not values or len({len(v) for v in values}) != 1:
        return None
    out = []
    for column in zip(*values):
        ch, count = Counter(column).most_common(1)[0]
        if 2 * count <= len(column):
            return None
        out.append(ch)
    return "".join(out)


def vote(views: list[list[str]]) -> MrzReading | None:
    """The MRZ from several views of one block, none of which verified alone: the CIC, birth date
    and expiry from any view where their own check digit holds (all such views must agree; a
    birth date or expiry no view read so, from `_solved`); the OCR and the optional data with its
    composite by a strict majority per character over the views that read them whole (the OCR
    from one view when only one read it whole); the composite check digit then tested once on
    that one candidate (voting adds no tries for chance to pass). None unless all four check
    digits hold."""
    parts = [p for p in (_view_parts(v) for v in views) if p]
    if len(parts) < 2:
        return None
    chosen: dict[str, str] = {}
    solved: set[str] = set()
    for name in ("cic", "birth", "expiry"):
        found = {p[name] for p in parts if name in p}
        if not found and name != "cic":
            found = {_solved([p[name + "_seen"] for p in parts if name + "_seen" in p], name == "birth")} - {None}
            solved |= {name} if found else set()
        if len(found) != 1:
            return None
        chosen[name] = found.pop()
        if name != "cic" and name not in solved and all(p.get(name + "_guess") for p in parts if name in p):
            solved.add(name)  # every view that held it read its check digit as a letter: a guess (decode_text)
    ocrs = [p["ocr"] for p in parts if "ocr" in p]
    # a view that read one character more after the composite gives its first 12 as a vote too
    # (dev 3960011, medium, a hand over the card: one view read line 2 whole with an 8 after it,
    # another misread two of its fillers); the composite is still tested once, on the agreed tail
    # a letter in the optional data is a digit misread (tesseract's O for 0): voted as that digit
    tails = [_digits(p["tail"] if "tail" in p else p["tail_seen"]) for p in parts if "tail" in p or "tail_seen" in p]
    # one view alone may give the OCR when no other read it whole (dev 4420006, medium, opaque QR: the
    # cells read line 1 right and line 2 wrong, every tesseract view dropped digits of the OCR and
    # read line 2 right): still one candidate, one test of the composite
    if not ocrs or not tails:
        return None
    if len(tails) < 2:
        return None  # the optional data and composite of one view alone: nothing confirms them
    ocr, tail = _agreed(ocrs), _agreed(tails)
    if ocr is None or tail is None or not ocr.isdigit() or not re.fullmatch(r"[0-9A-Z<]+", tail):
        return None  # a "?" the cells could not read, agreed on: no MRZ character to check
    line1 = "IDMEX" + chosen["cic"] + "<<" + ocr
    line2 = chosen["birth"] + "<" + chosen["expiry"] + "MEX" + tail
    if icao_check_digit(composite_data(line1, line2)) != tail[-1]:
        return None
    line3 = max((p.get("line3", "") for p in parts), key=len)
    reading = _verified(line1, line2, [line3])
    reading.weak |= {{"birth": "birth_date", "expiry": "expiry_year"}[name] for name in solved}
    return reading


SOLVE_VIEWS = 3  # views that read a birth date or expiry whose check digit failed, for `_solved`


def _solved(seen: list[str], is_birth: bool) -> str | None:
    """A birth date or expiry (with its check digit) whose check digit failed in every view that
    read it, put right at the one position where those views disagree: the digit that makes the
    check digit hold there (one digit per position: the weights 7, 3, 1 are prime to 10). A finger
    over line 2's first character (dev 4420014, 4420068, medium: a 6 read as 5, 3, 9, 1 or 8, or
    lost, '?') leaves the birth date's check digit unmet in every view while the rest of the line
    reads alike. None unless at least SOLVE_VIEWS views read it and all agree everywhere else. The
    field stays weak (its own check digit was spent finding it); the composite, tested once on the
    whole candidate, still decides the OCR."""
    if len(seen) < SOLVE_VIEWS:
        return None
    split = [i for i, column in enumerate(zip(*seen)) if len(set(column)) > 1]
    base = seen[0]
    if len(split) != 1:
        # garbled views besides (dev 4830016, medium: a finger over the 6 of 6402145, thirteen
        # views, four of them misreading the 0 as 8 or 6 too): every other position by a strict
        # majority of the views, the one position without a majority solved as above
        columns = [Counter(column).most_common(1)[0] for column in zip(*seen)]
        split = [i for i, (_, count) in enumerate(columns) if 2 * count <= len(seen)]
        if len(split) != 1:
            return None
        base = "".join(ch for ch, _ in columns)
    i = split[0]
    for digit in "0123456789":
        candidate = base[:i] + digit + base[i + 1:]
        if _check(candidate) and (not is_birth or _date_ok(candidate[:6])):
            return candidate
    return None


def _verified(line1: str, line2: str, after: list[str], weak: set[str] | None = None) -> MrzReading:
    """The TD1 fields of lines whose four check digits hold. The CIC, birth date and expiry have
    their own check digits; the OCR and the emisión only the composite, which may not confirm them
    when line 2's optional data was re-fitted (`weak`, see _optional_variants): a weak OCR needs
    another source (the QR) to agree, and a weak emisión is not given at all."""
    line3 = next((ln for ln in after if re.fullmatch(r"[A-Z<]{10,}", ln)), "")
    paterno, materno, nombres, truncated = split_name(line3[:30].ljust(30, "<")) if line3 else ("", "", "", False)
    optional = line2[18:29].strip("<")
    reading = MrzReading(lines=[line1, line2, line3], verified=True)
    reading.weak = set(weak or ())
    reading.values = {
        "cic": line1[5:14],
        "ocr": line1[17:30],
        "birth_date": birth_date(line2[0:6]).isoformat(),
        "expiry_year": 2000 + int(line2[8:10]),
        "emision": optional[:2] if "emision" not in reading.weak and optional[:2].isdigit() else None,
        "sex": None,  # no check digit covers it: tesseract's H/M is not kept
        "apellido_paterno": paterno,
        "apellido_materno": materno,
        "nombres": nombres,
    }
    # a line tesseract did not read at its full 30 cells may have lost letters: treat as cut
    reading.name_truncated = truncated or len(line3) != 30
    reading.confidence = 1.0
    return reading


def repair_with_qr(read: TextRead, runs: list[str], max_distance: int = 2,
                   layout: tuple[str, str] | None = None) -> MrzReading | None:
    """The MRZ verified with the CIC and/or OCR taken from the QR's digits: windows of the QR
    (9 and 13 digits) close to line 1's reads, with which all four printed check digits (the CIC's
    and the composite among them) hold. The QR's digits are exact (Reed-Solomon); the printed check
    digits confirm which of them are the CIC and the OCR. None when no combination, or more than
    one, makes the MRZ verify. With the QR in the documented layout, `layout` (CIC, OCR) are the
    only windows tried: a read that lost a digit is near the window beside the OCR, and a line 2
    misread can meet the composite with it (dev 3820286, altered: OCR and birth date wrong)."""
    if read.line1 is None or read.line1_index < 0 or (read.mrz is not None and read.mrz.verified):
        return None
    cic_read, ocr_read = read.line1[5:14], read.line1[17:30]

    def near(text: str, width: int) -> list[str]:
        found = {run[i:i + width] for run in runs for i in range(len(run) - width + 1)}
        return [w for w in found if sum(a != b for a, b in zip(w, text)) <= max_distance]

    cics = sorted({cic_read, *near(cic_read, 9)})
    ocrs = sorted({ocr_read, *near(ocr_read, 13)})
    if layout is not None:
        cics = [c for c in cics if c in (cic_read, layout[0])]
        ocrs = [o for o in ocrs if o in (ocr_read, layout[1])]
    verified: dict[tuple[str, str], MrzReading] = {}
    for cic in cics:
        for ocr in ocrs:
            if (cic, ocr) == (cic_read, ocr_read):
                continue
            line1 = read.line1[:5] + cic + read.line1[14:17] + ocr
            again = decode_text([line1] + read.lines[read.line1_index + 1:])
            if again.mrz is not None and again.mrz.verified and not again.mrz.weak:
                verified[(cic, ocr)] = again.mrz  # a weak composite cannot choose among the QR's windows
    return next(iter(verified.values())) if len(verified) == 1 else None
