"""QR and 1D barcodes on the credential, read with zxing-cpp and pyzbar.

Both engines are real decoders; `read_codes` asks zxing-cpp first (it reads more in blurred or
small photos, see tests/benchmarks/bench_decode.py) and pyzbar when zxing-cpp finds nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import cv2
import numpy as np

log = logging.getLogger(__name__)

INE_QR = re.compile(r"^https?://qr\.ine\.mx/", re.IGNORECASE)
MAX_CIC_DISTANCE = 1  # the MRZ's CIC read may differ from the QR's window in one digit when the
# printed check digit holds for the window (the check digit then confirms which digits are the CIC)
MAX_OCR_DISTANCE = 0  # the MRZ's OCR read must equal the QR's window it confirms (no check digit of
# its own: a card whose printed OCR was altered must not be "confirmed" by its QR)
# The one layout of the small QR the issue documents (#13: `…/OCR13 EMISION2 CIC9/YYYYMMDD/P/NNNNNN`);
# no other is taken by its place: `qr_confirms` and its kin need the MRZ to name each window.
DOCUMENTED_LAYOUT = re.compile(r"https?://qr\.ine\.mx/(\d{13})(\d{2})(\d{9})/\d{8}/[A-Z]/\d{6}", re.IGNORECASE)
SURE_CELL = 0.9  # a line-1 cell this sure of another digit than the QR's: the print differs (altered)


@dataclass(frozen=True)
class Code:
    """One decoded symbol: its kind ('qr' or a 1D format name), text, and the engine that read it."""

    kind: str
    text: str
    engine: str
    corners: tuple[tuple[float, float], ...] | None = None  # TL, TR, BR, BL of the symbol as printed (zxing-cpp)


def read_zxing(gray: np.ndarray) -> list[Code]:
    import zxingcpp

    out = []
    formats = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Code39)
    for result in zxingcpp.read_barcodes(gray, formats=formats, try_rotate=True, try_downscale=True):
        if not result.valid:
            continue
        kind = "qr" if result.format == zxingcpp.BarcodeFormat.QRCode else result.format.name.lower()
        p = result.position
        corners = tuple((float(pt.x), float(pt.y)) for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        out.append(Code(kind, result.text, "zxing-cpp", corners))
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


FINER_SCALE = 2  # a QR missed at the photo's size looked for again this many times as large
FINER_SIGMA = 3.0  # the unsharp mask's blur, in pixels of the enlarged image


def read_finer_qr(image: np.ndarray) -> list[Code]:
    """QR codes a first pass missed (modules of one to three pixels, blurred: a card a third of
    the frame wide), looked for by zxing-cpp in the image enlarged (cubic) and sharpened; their
    corners in the image's own pixels."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    big = cv2.resize(gray, None, fx=FINER_SCALE, fy=FINER_SCALE, interpolation=cv2.INTER_CUBIC)
    big = cv2.addWeighted(big, 2.0, cv2.GaussianBlur(big, (0, 0), FINER_SIGMA), -1.0, 0)
    return [replace(c, corners=None if c.corners is None else tuple((x / FINER_SCALE, y / FINER_SCALE) for x, y in c.corners))
            for c in read_codes(big, engines=("zxing-cpp",)) if c.kind == "qr"]


def _unique(codes: list[Code]) -> list[Code]:
    seen, out = set(), []
    for code in codes:
        if (code.kind, code.text) not in seen:
            seen.add((code.kind, code.text))
            out.append(code)
    return out


def is_ine_qr(text: str) -> bool:
    """The small QR of models G/H: an INE URL (its digits' layout is not published)."""
    return bool(INE_QR.match(text.strip()))


def documented_layout(text: str) -> tuple[str, str] | None:
    """(CIC, OCR) of a QR payload in the documented layout, else None."""
    found = DOCUMENTED_LAYOUT.fullmatch(text.strip())
    return (found.group(3), found.group(1)) if found is not None else None


def digit_runs(text: str) -> list[str]:
    """The runs of 9 or more digits in a QR payload, in order."""
    return re.findall(r"\d{9,}", text)


def _windows(runs: list[str], width: int) -> list[tuple[int, int, str]]:
    return [(r, i, run[i:i + width]) for r, run in enumerate(runs) for i in range(len(run) - width + 1)]


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))


def _inner(window: str, read: str) -> bool:
    """Whether a read one digit off a window of the QR differs from it inside, or at an end only
    by a character that is no digit (a glyph misread): a read that lost or gained a digit at the
    CIC's start is the window next to it, shifted, and differs from this one at an end by another
    digit (dev seed 2939296: CIC 158395846 read 583958467, the window 583958460 beside it, and
    the check digit 4 held for it by chance)."""
    return all(a == b or not b.isdigit() for a, b in ((window[0], read[:1]), (window[-1], read[8:9])))


def qr_confirms(text: str, line1_reads: list[str]) -> dict[str, str]:
    """CIC and OCR from a QR payload whose layout the MRZ confirms; {} when nothing confirms it.

    The QR's digits are exact (Reed-Solomon) but their layout is not published: a 9-digit window
    is the CIC only when the MRZ's CIC read equals it, or differs in one digit inside it, and the CIC check
    digit printed on line 1 holds for it, and exactly one window qualifies; the OCR is then the one
    13-digit window, apart from the CIC, that line 1's OCR read equals (every other window at least
    3 digits away). Without a CIC, the OCR alone when line 1's 13 digits are exactly a window. Two
    independent readings agreeing stand in for the composite check digit line 2 did not give.
    An unknown layout, or no MRZ, gives nothing: the code is kept unverified, never guessed.
    """
    runs = digit_runs(text)
    if not runs:
        return {}
    # a payload in the documented layout names its windows: no other is confirmed (dev 5460031,
    # medium, the CIC's check digit altered: a read of line 1 shifted by a cell confirmed the
    # window across the emisión and the CIC, its check digit holding by chance)
    layout = documented_layout(text)
    named = {"cic": layout[0], "ocr": layout[1]} if layout is not None else None
    # each read on its own: the first that confirms both; else a CIC one read confirms and an
    # OCR another does, apart in the QR (dev 3210056: the read whose CIC was mangled confirmed
    # the OCR, a read of the cells whose OCR was blurred the CIC); else what one confirms
    found = [confirmed for line in line1_reads if (confirmed := _confirmed_by(runs, line))]
    if named is not None:
        found = [kept for confirmed in found if (kept := {k: v for k, v in confirmed.items() if v == named[k]})]
    both = next((c for c in found if len(c) == 2), None)
    if both is not None:
        return both
    cic = next((c["cic"] for c in found if "cic" in c), None)
    ocr = next((c["ocr"] for c in found if "ocr" in c), None)
    if cic is not None and ocr is not None and ocr in _windows_apart(runs, cic):
        return {"cic": cic, "ocr": ocr}
    return found[0] if found else {}


def _windows_apart(runs: list[str], cic: str) -> set[str]:
    """The 13-digit windows of the QR that do not overlap `cic`, when it holds `cic` once."""
    at = [(r, i) for r, i, w in _windows(runs, 9) if w == cic]
    if len(at) != 1:
        return set()
    r0, i0 = at[0]
    return {w for r, i, w in _windows(runs, 13) if r != r0 or i + 13 <= i0 or i >= i0 + 9}


def _confirmed_by(runs: list[str], line: str) -> dict[str, str]:
    """qr_confirms for one read of line 1."""
    from kiosk.identifiers import icao_check_digit

    if len(line) < 30:
        return {}
    cic_read, check, ocr_read = line[5:14], line[14], line[17:30]
    if sum(a == b for a, b in zip(line, "IDMEX")) < 3 and "<" not in line[15:17]:
        # neither IDMEX nor the fillers where line 1 prints them: a read shifted by a cell or more
        # (dev 5460031: the cells' read ?RZOM0878646984??<<9997..., its CIC's window one digit
        # off the QR's digits across the emisión and the CIC)
        return {}
    if not check.isdigit() or any(ch.isdigit() for ch in line[15:17]):
        # a digit where line 1 prints its fillers: the read is shifted by a character inserted
        # before it (dev 3320042: IDMEX116028338 8 read IDMEXK116028338 0, the window of the QR
        # before the CIC, 611602833, one non-digit off 'K11602833' and its check digit 8 by chance)
        return {}
    windows9 = {w for _, _, w in _windows(runs, 9)}
    if cic_read.isdigit() and icao_check_digit(cic_read) == check and cic_read not in windows9:
        return {}  # line 1 holds a CIC (its check digit agrees) that the QR does not: sources disagree
    cics = [(r, i, w) for r, i, w in _windows(runs, 9)
            if icao_check_digit(w) == check and _distance(w, cic_read) <= MAX_CIC_DISTANCE and _inner(w, cic_read)]
    if len({w for _, _, w in cics}) != 1:
        # no CIC confirmed: the OCR alone when line 1's 13 digits are exactly one window of the QR
        exact = {w for _, _, w in _windows(runs, 13) if w == ocr_read}
        return {"ocr": ocr_read} if exact and not cics else {}
    out = {"cic": cics[0][2]}
    near = sorted((_distance(w, ocr_read), w) for w in _windows_apart(runs, out["cic"]))
    if near and near[0][0] <= MAX_OCR_DISTANCE and all(d > MAX_OCR_DISTANCE + 2 for d, w in near[1:] if w != near[0][1]):
        out["ocr"] = near[0][1]
    return out


OCR_IN_PLACE = 8  # digits of a QR window a line-1 read must show in place (from either end) to name it


def _in_place(window: str, read: str) -> int:
    """Digits of `read` equal to `window`'s at the same place, counted from the start (a read with
    a digit misread) or from the end (a read with digits lost under glare), whichever is more."""
    return max(sum(a == b for a, b in zip(window, read)), sum(a == b for a, b in zip(window[::-1], read[::-1])))


def qr_ocr_by_composite(text: str, cic: str, ocr_reads: list[str], line2s: list[str]) -> str | None:
    """The OCR from a QR whose CIC the MRZ confirmed, when line 1's read of the OCR was not exact
    (a digit misread, digits lost under glare): the one 13-digit window of the QR, apart from the
    CIC, that a line-1 read shows at least OCR_IN_PLACE digits of in place, and with which the
    composite check digit holds over a line 2 whose own check digits hold. The read names the
    window (eight digits in place happen by chance about once in 10^5); the composite confirms
    the digits the read lost or misread, as it confirms a read of the MRZ. None otherwise.
    """
    from kiosk.credential.mrz import composite_data
    from kiosk.identifiers import icao_check_digit

    windows = _windows_apart(digit_runs(text), cic)
    layout = documented_layout(text)
    if layout is not None:
        # the layout names the OCR's window: a read that lost a digit names the one beside it,
        # and the composite holds for that by chance one time in ten
        windows &= {layout[1]} if layout[0] == cic else set()
    # whole reads first: a read that lost digits may show eight of them in place in a window
    # shifted from the OCR's too (dev 3950035, medium: glare; a whole read, two digits off, named
    # the OCR's window, a read of its last ten the window one digit on)
    whole = [read for read in ocr_reads if len(read) == 13]
    named = {w for w in windows for read in whole if _in_place(w, read) >= OCR_IN_PLACE}
    named = named or {w for w in windows for read in ocr_reads if _in_place(w, read) >= OCR_IN_PLACE}
    if len(named) != 1:
        return None
    ocr = named.pop()
    line1 = f"IDMEX{cic}{icao_check_digit(cic)}<<{ocr}"
    if any(icao_check_digit(composite_data(line1, line2)) == line2[29] for line2 in line2s):
        return ocr
    return None


OCR_OFFSET = 12  # line 1's cells from the CIC's first to the OCR's (CIC, check digit, two fillers)
OCR_SLIPS = (11, 13)  # the same, with a cell lost or gained between them
EVIDENCE_NATS = 20.7  # ln(1e9): odds the cells must give a reading of the QR's digits over chance
LOST_PROBABILITY = 0.05  # a cell giving the QR's character less than this contradicts it


def qr_confirms_cells(text: str, line1_probs: list[np.ndarray]) -> dict[str, str]:
    """CIC and OCR from a QR payload, confirmed by the classifier's cells of MRZ line 1 when its
    check digits do not hold (a blurred cell or two, IDMEX rubbed off): each way of taking a
    9-digit window of the QR as the CIC (its ICAO check digit after it) and another 13-digit
    window as the OCR, laid on line 1 where IDMEX would end at any cell, is weighed by the
    cells' probabilities. One reading is kept when its best way

    - has every one of its 23 cells give its character at least LOST_PROBABILITY (a cell sure
      of another digit is a printed value that differs from the QR: an altered card, not a
      misread);
    - beats random digits by EVIDENCE_NATS (1e9 to 1), so a line too blurred to say anything
      confirms nothing;
    - and beats by EVIDENCE_NATS too every way that gives another CIC or OCR (the layout is not
      guessed), the OCR laid where line 1 prints it or a cell early or late (a grid that lost or
      gained a cell between the CIC and the OCR: the window one digit on, across the OCR and the
      digits after it, fits the cells of an OCR that lost its first cell).

    `line1_probs` are (cells, 37) probabilities of line 1's cells in ALPHABET order, one array per
    view; the cells used can only hold digits, so each is weighed by its shares among the ten
    digits (a blurred 6 read as C still says 6 among the digits). {} when no view confirms one.

    A payload in the documented layout names its windows: only that pair is weighed (fresh seed
    8282837, lavender, medium: glare over the OCR and a grid that lost a cell between the CIC and
    the OCR; the window one digit on, across the OCR and the emisión, fit the shifted cells and
    was verified as the OCR)."""
    from kiosk.identifiers import icao_check_digit

    runs = digit_runs(text)
    if not runs:
        return {}
    layout = documented_layout(text)
    pairs = []  # (CIC + its check digit as indexes, OCR as indexes, cic, ocr)
    for r9, i9, w9 in _windows(runs, 9):
        for r13, i13, w13 in _windows(runs, 13):
            if r13 == r9 and i13 < i9 + 9 and i9 < i13 + 13:
                continue  # overlapping windows
            if layout is not None and (w9, w13) != layout:
                continue
            pairs.append(([int(ch) for ch in w9 + icao_check_digit(w9)], [int(ch) for ch in w13], w9, w13))
    if not pairs:
        return {}
    cic_idx = np.array([p[0] for p in pairs])  # (ways, 10)
    ocr_idx = np.array([p[1] for p in pairs])  # (ways, 13)
    values = sorted({(p[2], p[3]) for p in pairs})
    value_of = np.array([values.index((p[2], p[3])) for p in pairs])  # two windows may give the same pair
    for probs in line1_probs:
        if len(probs) < 25:
            continue
        logp = _digit_logp(probs)

        def fit(offset: int) -> tuple[np.ndarray, np.ndarray]:
            """Each way's total and weakest cell at each start, the OCR `offset` cells after the CIC's first."""
            starts = np.arange(len(logp) - offset - 13 + 1)[:, None, None]  # the CIC's first cell
            cells = np.concatenate([logp[starts + np.arange(10)[None, None, :], cic_idx[None]],
                                    logp[starts + offset + np.arange(13)[None, None, :], ocr_idx[None]]], axis=2)
            return cells.sum(axis=2), cells.min(axis=2)  # (starts, ways)

        totals, weakest = fit(OCR_OFFSET)
        s, k = np.unravel_index(int(totals.argmax()), totals.shape)
        # every other reading competes, with the OCR where line 1 prints it and a cell early or late
        # (a grid that lost or gained a cell between the CIC and the OCR)
        rivals = [t[:, value_of != value_of[k]] for t in [totals] + [fit(o)[0] for o in OCR_SLIPS if len(logp) >= o + 13]]
        runner_up = max((float(r.max()) for r in rivals if r.size), default=-np.inf)
        total = float(totals[s, k])
        if weakest[s, k] >= np.log(LOST_PROBABILITY) and total - 23 * np.log(0.1) >= EVIDENCE_NATS \
                and total - runner_up >= EVIDENCE_NATS:
            return {"cic": pairs[k][2], "ocr": pairs[k][3]}
    return {}



def qr_by_layout(text: str, line1_reads: list[str], line1_probs: list[np.ndarray]) -> dict[str, str]:
    """CIC and OCR of a QR in the documented layout, its digits exact (Reed-Solomon) and their
    places known, so no read of the MRZ is needed to name them. Refused ({}) when line 1 says
    otherwise: a read whose CIC's own check digit holds for another CIC (sources disagree); a
    read with the QR's CIC whose 13 OCR digits differ from the QR's in exactly one (an OCR printed
    with one digit altered; two or more off is a blurred read, dev 3760012: its last two
    digits, 11, read 32); or a classifier cell sure of another digit where the CIC or the OCR lies
    (line 1 aligned where the QR's CIC and its check digit fit best: printed_otherwise)."""
    from kiosk.identifiers import icao_check_digit

    layout = documented_layout(text)
    if layout is None:
        return {}
    cic, ocr = layout
    for line in line1_reads:
        cic_read, check, ocr_read = line[5:14], line[14:15], line[17:30]
        if cic_read.isdigit() and check.isdigit() and icao_check_digit(cic_read) == check and cic_read != cic:
            return {}
        if cic_read == cic and len(ocr_read) == 13 and ocr_read.isdigit() and _distance(ocr_read, ocr) == 1:
            return {}
    if any(printed_otherwise(probs, cic, ocr) for probs in line1_probs):
        return {}
    return {"cic": cic, "ocr": ocr}


def printed_otherwise(probs: np.ndarray, cic: str, ocr: str | None = None) -> dict[int, str]:
    """Where one view of line 1's cells ((cells, 37) probabilities) is sure of another digit than
    `cic` or `ocr`, and that digit: {MRZ line-1 index: digit} (the CIC's indexes are 5-13, the
    OCR's 17-29; no `ocr`, the CIC alone). Line 1 is aligned where the CIC and its check digit fit
    best, the OCR on its own near where line 1 puts it (a grid that gained or lost a cell between
    the two is not read as thirteen digits printed otherwise, dev 4180010); a segment that reads
    mostly otherwise is a grid cut wrong or a blur, no print that differs in a digit: it witnesses
    nothing (dev 4180052, hard: a cell lost in the CIC)."""
    return {index: digit for index, (digit, as_given) in _sure_digits(probs, cic, ocr).items() if not as_given}


def printed_as_read(probs: np.ndarray, cic: str, ocr: str | None = None) -> set[int]:
    """The MRZ line-1 indexes where one view of line 1's cells, aligned as for printed_otherwise, is
    sure of the very digit `cic` or `ocr` has there."""
    return {index for index, (_, as_given) in _sure_digits(probs, cic, ocr).items() if as_given}


def _sure_digits(probs: np.ndarray, cic: str, ocr: str | None) -> dict[int, tuple[str, bool]]:
    """{MRZ line-1 index: (digit, whether it is the one given)} for every cell of the aligned CIC
    and OCR segments (printed_otherwise) the classifier is sure (SURE_CELL) is that digit."""
    from kiosk.credential.ocrb import ALPHABET
    from kiosk.identifiers import icao_check_digit

    if len(probs) < 25:
        return {}
    expected = cic + icao_check_digit(cic)
    logp = _digit_logp(probs)
    read = [ALPHABET[i] for i in probs.argmax(axis=1)]

    def fit(start: int, value: str) -> float:
        return sum(logp[start + k, int(d)] for k, d in enumerate(value))

    start = max(range(len(probs) - 25 + 1), key=lambda s: fit(s, expected))
    near = range(max(0, start + 10), min(len(probs) - 13, start + 14) + 1) if ocr else range(0)
    segments = [(start, cic, 5)] + ([(max(near, key=lambda s: fit(s, ocr)), ocr, 17)] if near else [])
    out = {}
    for at, value, first in segments:
        if sum(read[at + k] == ch for k, ch in enumerate(value)) < WITNESS_SHARE * len(value):
            continue
        for k, ch in enumerate(value):
            cell = _as_digits(probs[at + k])
            best = int(np.argmax(cell))
            if ALPHABET[best].isdigit() and float(cell[best]) >= SURE_CELL:
                out[first + k] = (ALPHABET[best], ALPHABET[best] == ch)
    return out


def _as_digits(cell: np.ndarray) -> np.ndarray:
    """A cell's probabilities with the O's given to the 0: where only a digit can be printed, a
    round glyph the classifier splits between them is a 0 (a monospace font's O and 0 differ by
    a slash, a dot or a width that blur takes; dev 5730038, hard, an OCR printed with 0 for the
    QR's 7: six views of line 1 gave it 0.54-0.70 to the 0 and the rest to the O)."""
    from kiosk.credential.ocrb import ALPHABET

    merged = cell.astype(np.float64, copy=True)
    merged[ALPHABET.index("0")] += merged[ALPHABET.index("O")]
    merged[ALPHABET.index("O")] = 0.0
    return merged


WITNESS_SHARE = 0.75  # of a segment's cells that must read as the QR's for a cell of it to say the print differs


def _digit_logp(probs: np.ndarray) -> np.ndarray:
    """Log of each cell's shares among the ten digits (a blurred 6 read as C still says 6 among
    them): the cells used for the CIC and the OCR can only hold digits."""
    from kiosk.credential.ocrb import ALPHABET

    digits = [ALPHABET.index(ch) for ch in "0123456789"]
    shares = probs[:, digits] / np.maximum(probs[:, digits].sum(axis=1, keepdims=True), 1e-12)
    return np.log(np.maximum(shares, 1e-9))
