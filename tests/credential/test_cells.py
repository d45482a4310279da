"""The fixed-pitch MRZ segmenter (kiosk/credential/cells.py) on rendered blocks whose cell
positions are known: every boundary must fall within a fifth of a pitch of the truth, in
several fonts, under blur, and when perspective makes the pitch drift along the line."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from kiosk.credential.cells import WIDTH, read_lines, segment
from kiosk.credential.mrz import decode_td1
from kiosk.specimens.mrz import td1_lines
from kiosk.specimens.people import make_identity

FONTS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
PITCH = 28


def render(lines: list[str], font_path: str, *, blur: float = 0.0, stretch: float = 0.0) -> tuple[np.ndarray, list[np.ndarray]]:
    """A straightened-looking MRZ block and, per line, its 31 true cell boundaries (x)."""
    font = ImageFont.truetype(font_path, 40)
    font = ImageFont.truetype(font_path, int(round(40 * PITCH / font.getlength("0"))))
    advance = font.getlength("0" * WIDTH) / WIDTH  # the font size is whole points: not exactly PITCH
    w, h, left = PITCH * WIDTH + 90, int(PITCH * 6.2), 45
    img = Image.new("L", (w, h), 228)
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(lines):
        draw.text((left, PITCH * (1.3 + 1.75 * k)), line, font=font, fill=35)
    gray = np.asarray(img, np.uint8).copy()
    xs = left + advance * np.arange(WIDTH + 1, dtype=np.float64)
    if stretch:
        # x' = x + stretch * x^2 / w: the pitch grows along the line as under perspective
        map_x = np.tile(np.arange(w, dtype=np.float64), (h, 1))
        inverse = (-1 + np.sqrt(1 + 4 * stretch * map_x / w)) / (2 * stretch / w)
        gray = cv2.remap(gray, inverse.astype(np.float32), np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w)),
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        xs = xs + stretch * xs ** 2 / w
    if blur:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    noise = np.random.default_rng(7).normal(0, 4, gray.shape)
    return np.clip(gray + noise, 0, 255).astype(np.uint8), [xs] * 3


def _lines(seed: int) -> list[str]:
    return td1_lines(make_identity(random.Random(seed)))


def _window(found, truth: np.ndarray) -> np.ndarray:
    """The found boundaries of the 30-cell window that starts nearest the true first one."""
    start = int(np.abs(found.bounds - truth[0]).argmin())
    assert start + WIDTH < len(found.bounds), "the grid ends before the line does"
    return found.bounds[start:start + WIDTH + 1]


@pytest.mark.parametrize("font_path", FONTS)
@pytest.mark.parametrize("blur,stretch", [(0.0, 0.0), (2.5, 0.0), (1.0, 0.06)])
def test_cell_boundaries_fall_on_the_true_ones(font_path: str, blur: float, stretch: float) -> None:
    gray, truths = render(_lines(3), font_path, blur=blur, stretch=stretch)
    found = segment(gray)
    assert len(found) == 3
    for line, truth in zip(found, truths):
        error = np.abs(_window(line, truth) - truth)
        assert error.max() < 0.2 * PITCH, f"boundary off by {error.max():.1f} px ({font_path}, blur {blur}, stretch {stretch})"


def test_no_cells_on_a_block_without_three_lines() -> None:
    gray, _ = render(_lines(4)[:1], FONTS[0])
    assert segment(gray) == []
    assert segment(np.full((160, 900), 200, np.uint8)) == []
@pytest.mark.parametrize("font_path", FONTS)
def test_rendered_block_reads_and_verifies(font_path: str) -> None:
    lines = _lines(11)
    gray, _ = render(lines, font_path, blur=1.2)
    reads = read_lines(gray)
    assert reads is not None
    mrz = decode_td1(reads)
    assert mrz.verified, mrz.problems
    assert mrz.lines[0] == lines[0]
    assert mrz.values["cic"] == lines[0][5:14] and mrz.values["ocr"] == lines[0][17:30]


def test_altered_check_digit_is_not_verified() -> None:
    lines = td1_lines(make_identity(random.Random(12)), break_check="cic")
    gray, _ = render(lines, FONTS[0], blur=1.0)
    reads = read_lines(gray)
    assert reads is not None
    assert not decode_td1(reads).verified


@pytest.mark.parametrize("shear", [-0.3, 0.25])
def test_slanted_print_is_deslanted_and_read(shear: float) -> None:
    """A card turned and tilted shears its print: a third of a pixel per pixel of height puts
    the top of a character a third of a pitch from its foot unless it is straightened."""
    lines = _lines(21)
    gray, _ = render(lines, FONTS[2], blur=1.0)
    h, w = gray.shape
    m = np.float32([[1, shear, -shear * h / 2], [0, 1, 0]])
    slanted = cv2.warpAffine(gray, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    reads = read_lines(slanted)
    assert reads is not None
    mrz = decode_td1(reads)
    assert mrz.verified, mrz.problems
    assert mrz.lines[:2] == lines[:2]


def test_keystone_perspective_is_taken_out() -> None:
    """The right end of the block seen 20 % smaller than the left (the card tilted away)."""
    lines = _lines(22)
    gray, _ = render(lines, FONTS[0], blur=0.8)
    h, w = gray.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0, 0], [w * 0.9, h * 0.1], [w * 0.9, h * 0.9], [0, h]])
    seen = cv2.warpPerspective(gray, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REPLICATE)
    reads = read_lines(seen)
    assert reads is not None
    mrz = decode_td1(reads)
    assert mrz.verified, mrz.problems
    assert mrz.values["ocr"] == lines[0][17:30]


def _whole(gray: np.ndarray):
    from kiosk.credential.mrztext import TextBlock

    h, w = gray.shape
    return TextBlock(np.float32([[4, 4], [w - 4, 4], [w - 4, h - 4], [4, h - 4]]), 1.0)


def test_smudged_ocr_digits_are_never_verified_from_the_composite_alone() -> None:
    """Two OCR digits smudged: whatever the decoder makes of them, the composite alone (one
    check digit over 24 characters) must not make them verified; the CIC, with its own check
    digit, still is."""
    from kiosk.credential.mrztext import read_block_cells

    lines = _lines(31)
    gray, truths = render(lines, FONTS[0], blur=1.0)
    xs = truths[0]
    y = int(PITCH * 1.3)
    x0, x1 = int(xs[22]), int(xs[24])
    patch = gray[y - 4:y + int(PITCH * 1.4), x0:x1]
    gray[y - 4:y + int(PITCH * 1.4), x0:x1] = cv2.GaussianBlur(patch, (0, 0), PITCH * 0.35)  # smudged
    text = read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray))
    assert text is not None
    if text.mrz.verified:
        assert "ocr" in text.mrz.weak
        assert text.mrz.values["cic"] == lines[0][5:14]


def test_a_digit_washed_out_by_glare_reads_faint() -> None:
    """A soft spot of glare on one cell of line 1: its ink contrast, measured over its own pitch
    against the block's median, drops to about half; the cells beside it keep theirs."""
    from kiosk.credential.cells import grid_lines, read_grid

    lines = _lines(33)
    gray, truths = render(lines, FONTS[0], blur=0.8)
    cx, cy = (truths[0][25] + truths[0][26]) / 2, PITCH * 1.8
    yy, xx = np.mgrid[0:gray.shape[0], 0:gray.shape[1]]
    glare = 0.85 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.5 * PITCH) ** 2))
    gray = np.clip(gray + (250.0 - gray) * glare, 0, 255).astype(np.uint8)
    reads = read_grid(*grid_lines(gray))
    assert reads[0].best()[:17] == lines[0][:17]  # the grid where it was
    contrast = reads[0].contrast
    assert contrast[25] < 0.6 and min(contrast[23], contrast[27]) > 0.7, contrast
    assert np.median(contrast) == pytest.approx(1.0, abs=0.1)


def test_a_faint_cell_that_looks_like_a_letter_too_is_not_sure() -> None:
    """Glare leaves a glyph faint, and the classifier stretches what ink is left: on an altered
    dev photo (3420063) it read a faint 9 as 0 at 0.58 and O at 0.42 (0.99 of the digits' share),
    and the composite held by chance. A faint cell (under half the block's median contrast,
    mrztext.FAINT) is weighed by its probability over the whole alphabet: the OCR it is in is weak
    (the QR or tesseract must confirm it) and it is no witness. The same cell at full contrast, or
    faint but read without doubt, leaves the read firm."""
    from kiosk.credential.cells import grid_lines, probabilities_from_scores, read_grid, scores_from_probabilities
    from kiosk.credential.cellnet import ALPHABET
    from kiosk.credential.mrztext import FAINT, _view_text

    lines = _lines(34)
    gray, _ = render(lines, FONTS[1], blur=0.8)
    block = _whole(gray)
    reads = read_grid(*grid_lines(gray))
    assert _view_text(reads, block).mrz.weak == set()
    reads[0].contrast = reads[0].contrast.copy()
    reads[0].contrast[25] = FAINT * 0.9
    faint_but_sure = _view_text(reads, block)  # the classifier had no doubt of the glyph
    assert faint_but_sure.mrz.verified and not faint_but_sure.mrz.weak
    digit = lines[0][25]
    doubtful = np.full(len(ALPHABET), 1e-6)
    doubtful[ALPHABET.index(digit)], doubtful[ALPHABET.index("O" if digit != "0" else "Q")] = 0.58, 0.42
    reads[0].scores = reads[0].scores.copy()
    reads[0].scores[25] = scores_from_probabilities(doubtful[None, :] / doubtful.sum())[0]
    assert probabilities_from_scores(reads[0].scores[25:26])[0].argmax() == ALPHABET.index(digit)
    faint = _view_text(reads, block)
    assert faint.mrz.verified and "ocr" in faint.mrz.weak and faint.mrz.values["emision"] is None
    assert (0, 25) not in faint.sure_cells and (0, 24) in faint.sure_cells
    assert faint.mrz.values["cic"] == lines[0][5:14]
    reads[0].contrast[25] = 1.0
    assert not _view_text(reads, block).mrz.weak  # at full contrast the digits' share stands


def test_clean_block_reads_firm_with_no_sex_from_the_classifier() -> None:
    from kiosk.credential.mrztext import read_block_cells

    lines = _lines(32)
    gray, _ = render(lines, FONTS[1], blur=0.8)
    text = read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray))
    assert text is not None and text.mrz.verified and not text.mrz.weak
    assert text.mrz.values["ocr"] == lines[0][17:30]
    assert text.mrz.values["sex"] is None  # no check digit covers it


def test_a_clean_block_is_settled_by_the_quick_read_and_a_smudged_one_is_not(monkeypatch) -> None:
    """Speed without a change of reading: a clean block is read on its grid as segmented only
    (one shift: about a fifth of the cells) and tesseract is never asked for (`on_slow` not
    called); a block with a smudged OCR is read again at every shift, tesseract asked once."""
    from kiosk.credential import cellnet
    from kiosk.credential.mrztext import read_block_cells

    seen = []
    classify = cellnet.classify
    monkeypatch.setattr(cellnet, "classify", lambda cells: seen.append(len(cells)) or classify(cells))
    slow = []
    lines = _lines(32)
    gray, truths = render(lines, FONTS[1], blur=0.8)
    text = read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray), on_slow=lambda: slow.append(1))
    assert text.mrz.verified and not text.mrz.weak and text.mrz.values["ocr"] == lines[0][17:30]
    assert slow == [] and len(seen) == 3 and sum(seen) < 3 * 40
    seen.clear()
    y, xs = int(PITCH * 1.3), truths[0]
    x0, x1 = int(xs[22]), int(xs[24])
    gray[y - 4:y + int(PITCH * 1.4), x0:x1] = cv2.GaussianBlur(gray[y - 4:y + int(PITCH * 1.4), x0:x1], (0, 0), PITCH * 0.35)
    read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray), on_slow=lambda: slow.append(1))
    assert slow == [1] and sum(seen) > 5 * 3 * 30


def test_drift_follows_a_line_printed_at_its_own_pitch() -> None:
    """Confidence is highest where a cell's shift matches the print's: a line 2 % tighter than the
    grid drifts a fifth of a pitch every ten cells, and wraps past half a pitch."""
    from kiosk.credential.cells import PHASE_SHIFTS, _drift

    cells = 33
    true = -0.1 + 0.02 * np.arange(cells)
    shifts = np.array(PHASE_SHIFTS)[:, None]
    wrapped = (true[None, :] - shifts + 0.5) % 1.0 - 0.5
    sure = -8.0 * wrapped ** 2  # log confidence falls off away from the true shift
    a, b, _ = _drift(sure)
    assert abs(b - 0.02) < 0.0026 and abs(a + 0.1) < 0.06


def test_line_one_cells_confirm_the_qr_even_without_idmex() -> None:
    """IDMEX smudged past reading (a thumb over it): no MRZ, but line 1's cells still say its
    digits, and they confirm the QR's CIC and OCR; a QR whose OCR differs where the print is
    sharp is refused."""
    from kiosk.credential.codes import qr_confirms_cells
    from kiosk.credential.mrztext import read_block_cells

    lines = _lines(34)
    gray, truths = render(lines, FONTS[0], blur=0.8)
    xs, y = truths[0], int(PITCH * 1.3)
    gray[y - 6:y + int(PITCH * 1.5), int(xs[0]) - 4:int(xs[5])] = 200  # IDMEX rubbed off
    text = read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray))
    assert text is not None and text.line1_probs
    assert text.mrz is None or not text.mrz.verified
    cic, ocr = lines[0][5:14], lines[0][17:30]
    assert qr_confirms_cells(f"https://qr.ine.mx/{ocr}07{cic}/20230601/P/532752", text.line1_probs) == {"cic": cic, "ocr": ocr}
    other = ocr[:6] + str((int(ocr[6]) + 4) % 10) + ocr[7:]
    assert qr_confirms_cells(f"https://qr.ine.mx/{other}07{cic}/20230601/P/532752", text.line1_probs) == {}


def test_smudged_cic_digits_are_never_verified_by_their_check_digits_alone() -> None:
    """Two CIC digits smudged: the composite starts at the CIC with the CIC check digit's own
    weights, so two errors that cancel in one cancel in the other (a fresh-seed photo had
    081786008 read 001766008 with both holding). Whatever the decoder makes of them, the CIC
    is then weak (the QR must agree); the OCR, with its own sure cells, is not."""
    from kiosk.credential.mrztext import read_block_cells

    lines = _lines(35)
    gray, truths = render(lines, FONTS[0], blur=1.0)
    xs, y = truths[0], int(PITCH * 1.3)
    for cell in (6, 9):
        x0, x1 = int(xs[cell]), int(xs[cell + 1])
        patch = gray[y - 4:y + int(PITCH * 1.4), x0:x1]
        gray[y - 4:y + int(PITCH * 1.4), x0:x1] = cv2.GaussianBlur(patch, (0, 0), PITCH * 0.3)
    text = read_block_cells(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _whole(gray))
    assert text is not None and text.mrz is not None
    if text.mrz.verified:
        assert "cic" in text.mrz.weak
        assert "ocr" not in text.mrz.weak and text.mrz.values["ocr"] == lines[0][17:30]
    clean = read_block_cells(cv2.cvtColor(render(lines, FONTS[0], blur=1.0)[0], cv2.COLOR_GRAY2BGR), _whole(gray))
    assert clean.mrz.verified and not clean.mrz.weak and clean.mrz.values["cic"] == lines[0][5:14]


def test_a_block_whose_outline_runs_off_its_text_is_turned_level() -> None:
    """A block's outline that took in the card's edge runs a few degrees off its text (a dev
    photo, 2.5 degrees: neither tesseract nor the cells read a sharp MRZ). `level` finds the
    text's own angle; the block turned so reads and verifies."""
    from kiosk.credential.mrztext import level, read_block_cells

    lines = _lines(35)
    gray, _ = render(lines, FONTS[2], blur=0.6)
    h, w = gray.shape
    big = cv2.copyMakeBorder(gray, 80, 80, 0, 0, cv2.BORDER_REPLICATE)
    tilted = cv2.warpAffine(big, cv2.getRotationMatrix2D((w / 2, h / 2 + 80), 3.5, 1.0), (w, h + 160),
                            borderMode=cv2.BORDER_REPLICATE)
    outline = _whole(tilted)
    outline.quad = np.float32([[4, 50], [w - 4, 50], [w - 4, h + 110], [4, h + 110]])  # level: off the text
    turned = level(tilted, outline)
    top = turned.quad[1] - turned.quad[0]
    assert abs(np.degrees(np.arctan2(-top[1], top[0])) - 3.5) <= 0.6
    text = read_block_cells(cv2.cvtColor(tilted, cv2.COLOR_GRAY2BGR), turned)
    assert text is not None and text.mrz.verified and text.mrz.values["ocr"] == lines[0][17:30]
    assert level(tilted, turned).quad is turned.quad or np.allclose(level(tilted, turned).quad, turned.quad, atol=2)


def test_a_vote_over_views_that_agree_on_an_unread_cell_gives_nothing_and_raises_nothing() -> None:
    """The cells write "?" for a cell they could not read; two views agreeing on one in line 2's
    optional data used to reach the composite check digit and raise (a fresh-seed photo stopped
    the whole bench so)."""
    from kiosk.credential.mrztext import vote

    lines = _lines(36)
    line2 = lines[1][:20] + "?" + lines[1][21:]
    views = [[lines[0], line2, lines[2]], [lines[0], line2, lines[2]]]
    assert vote(views) is None
    assert vote([list(lines), list(lines)]).verified  # the same views read whole do verify


def test_print_beside_the_block_does_not_hide_its_three_lines() -> None:
    """The widened view of a card lying on a newspaper (CELL_VIEWS: a tenth of the view on each
    side is beyond the block) takes in the paper's print beside the MRZ, at the card's angle to
    the paper, and the block runs a degree off the view: the whole block's row profile shows no
    three lines (a dev photo read nothing; its first view had cut the line ends off)."""
    lines = _lines(14)
    block, _ = render(lines, FONTS[1], blur=1.0)
    h, w = block.shape
    width = w // 9
    sheet = Image.new("L", (3 * width, 3 * h), 215)
    draw = ImageDraw.Draw(sheet)
    small = ImageFont.truetype(FONTS[2], 15)
    words = random.Random(5)
    for y in range(2, 3 * h - 14, 17):
        draw.text((4, y), " ".join(words.choice(("MERCADO", "LLUVIA", "PLAZA", "FERIA", "AGUA")) for _ in range(6)),
                  font=small, fill=45)
    paper = np.asarray(sheet.rotate(18, resample=Image.BICUBIC, fillcolor=215), np.uint8)[h:2 * h, width:2 * width]
    turned = cv2.warpAffine(block, cv2.getRotationMatrix2D((w / 2, h / 2), 1.0, 1.0), (w, h), borderMode=cv2.BORDER_REPLICATE)
    gray = np.hstack([paper, turned])
    assert len(segment(gray)) == 3
    mrz = decode_td1(read_lines(gray))
    assert mrz.verified and mrz.values["cic"] == lines[0][5:14], mrz.problems



def test_a_glare_over_the_line_ends_does_not_cut_the_grid() -> None:
    """Dev photo 3200070 (medium, a glare over the MRZ's right end): the fillers of lines 2 and 3
    fade into the glare, their ink breaks off more than two pitches before the lines end, and the
    median of the three lines' extents stopped the grid at 24 cells: the classifier read nothing.
    Line 1 still runs from the common left edge for its 30 cells, and a TD1 line ends there: the
    grid reaches it, line 1 is read, and it confirms the QR's CIC and OCR."""
    import sys
    from pathlib import Path

    from kiosk.credential import read_image
    from kiosk.credential.mrztext import find_text_blocks, straighten

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from credential_eval.generator import scene

    image, truth = scene(3200070, "medium", "genuine")
    block = find_text_blocks(image)[0]
    found = segment(straighten(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), block.quad))
    assert len(found) == 3 and all(line.cells >= WIDTH for line in found), [line.cells for line in found]
    reading = read_image(image)
    for name in ("cic", "ocr"):
        assert reading.fields[name].verified and reading.fields[name].value == truth[name], (name, reading.fields[name])


@pytest.mark.parametrize("seed,difficulty", [(3250025, "hard"), (3260041, "medium")])
def test_a_line_printed_wider_than_the_others_is_read_at_its_own_pitch(seed: int, difficulty: str) -> None:
    """Dev photo 3250025 (hard, sharp, strong perspective): each MRZ line was fitted to the zone's
    width on its own, line 1 5 % wider than line 2. The block's pitch, and the fine search 4 %
    around it, left line 1's grid a cell off by its 25th cell: the OCR's last digits misread, the
    composite failed, nothing was verified. Line 1's own period, measured on it alone, gives a
    second grid the classifier is surer of. Dev photo 3260041 (medium) is the other side: a
    line's period alone is rougher, and there the read must keep the block's grid."""
    import sys
    from pathlib import Path

    from kiosk.credential import read_image

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from credential_eval.generator import scene

    image, truth = scene(seed, difficulty, "genuine")
    reading = read_image(image)
    for name in ("cic", "ocr"):
        assert reading.fields[name].verified and reading.fields[name].value == truth[name], (name, reading.fields[name])
