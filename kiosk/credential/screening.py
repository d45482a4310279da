"""Capture-time screening for Mesa de Control's inconsistencies (seed 001 §10.3 a-f).

Photocopy, any one of three cues flags it (`photocopy_decision`): the rectified card's colour
(grey or washed out), by itself only when the card is as pale as copier paper, else with part of
a sheet seen around it; the lightness and colour spread of the print above the MRZ (a copy has
lost the card's coloured print); and a plain band of the card's own colour running on above and
below the print (the sheet a copy is printed on), found under shadows and glare, flagging by
itself, or at half its length with paper running on past both ends of the MRZ too (where a
card's edges would be) or with print that has no coloured mark at all. A background as white as
paper is not a cue: it flagged two of the three genuine cards the issue shares (their stock is
near-white). Screen:
a periodic pixel-grid peak over most of the frame, found on the card itself too (a patterned
tablecloth around a real card is periodic only around it), or a weaker grid inside a dark bezel
around a lit rectangle that shows the table around the card (`screen_decision`). Each flag carries a 0-1 confidence
(0.5 at the threshold). Thresholds were set on the project's specimens and training seeds of the
independent generator (tests/fixtures/credential_eval), with margin above every genuine card seen
there, never on a seed a bench reports (tests/benchmarks/bench_screening.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

GREY_SATURATION = 9.0  # median HSV saturation of the card below this: black-and-white copy
WASHED_SATURATION = 16.0  # low colour together with a pale, flat card: colour photocopy (dev copies
# measured 9-15; a genuine card on near-white stock, the shared sample_000, 19)
WASHED_VALUE = 215.0


def card_colour(card_bgr: np.ndarray) -> tuple[float, float] | None:
    """Median HSV saturation and value of the card's printed background (not its ink); None if too dark."""
    hsv = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2HSV)
    body = hsv[20:-20, 20:-20].reshape(-1, 3)
    light = body[body[:, 2] > 120]
    if len(light) < 100:
        return None
    return median_u8(light[:, 1]), median_u8(light[:, 2])


def photocopy_kind(card_bgr: np.ndarray) -> str | None:
    """'blanco y negro', 'a color (deslavada)' or None for a card with its original colours."""
    return _kind_of(card_colour(card_bgr))


def _kind_of(colour: tuple[float, float] | None) -> str | None:
    if colour is None:
        return None
    saturation, value = colour
    if saturation < GREY_SATURATION:
        return "blanco y negro"
    if saturation < WASHED_SATURATION and value > WASHED_VALUE:
        return "a color (deslavada)"
    return None


def screen_score(gray: np.ndarray) -> float:
    """Strongest isolated peak of the high-frequency spectrum (period 2.5-8 px), in robust sigmas."""
    size = 256
    h, w = gray.shape[:2]
    crop = gray[(h - size) // 2:(h + size) // 2, (w - size) // 2:(w + size) // 2].astype(np.float32)
    if crop.shape != (size, size):
        return 0.0
    crop = crop - cv2.GaussianBlur(crop, (0, 0), 3)
    return grid_peak(np.fft.fftshift(_amplitude(crop * _window(size))))[0]


PEAK_CANDIDATES = 24  # strongest values of the band weighed for isolation
RADIAL_STEP = 4  # bins in and out along a peak's own direction where a streak still is and a lattice's point is not


def grid_peak(spectrum: np.ndarray) -> tuple[float, int, int]:
    """(height in robust sigmas above the band's median, row, column) of the band's strongest
    POINT peak of a centred square amplitude spectrum: each of the strongest values less the
    spectrum RADIAL_STEP bins nearer and farther along its own direction. A screen's pixels are a
    lattice, a point in the spectrum; a straight edge (the card's against a dark table) or a
    row of strokes is a streak through the centre, strongest at the band's inner edge (fresh seed
    6565656, the samples' card filling an easy frame: six genuine cards taken for screens on a
    streak at period 7.3 px, one bin inside the band; isolated, the frames' medians fell from
    151-212 to 33-123, and on dev the same 156 of 160 screens stayed flagged)."""
    size = spectrum.shape[0]
    band = _grid_band(size)
    values = spectrum[band]
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median))) + 1e-6
    centre = size // 2

    def along(dy: int, dx: int, radius: float) -> float:  # the spectrum at `radius` along (dy, dx)
        y, x = (centre + round(d * radius / np.hypot(dy, dx)) for d in (dy, dx))
        return float(spectrum[min(size - 1, max(0, y)), min(size - 1, max(0, x))])

    rows, cols = np.nonzero(band)
    best = (float("-inf"), centre, centre)
    for k in np.argsort(values)[-PEAK_CANDIDATES:]:
        y, x = int(rows[k]), int(cols[k])
        dy, dx = y - centre, x - centre
        radius = float(np.hypot(dy, dx))  # the band leaves out the centre: never 0
        beside = max(along(dy, dx, radius - RADIAL_STEP), along(dy, dx, radius + RADIAL_STEP))
        height = (float(values[k]) - beside) / mad
        if height > best[0]:
            best = (height, y, x)
    return best


@lru_cache(maxsize=4)
def _window(size: int) -> np.ndarray:
    return np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)


def _amplitude(patch: np.ndarray) -> np.ndarray:
    """|FFT| of a float32 patch (OpenCV's transform: several times numpy's speed on a Pi)."""
    spectrum = cv2.dft(patch, flags=cv2.DFT_COMPLEX_OUTPUT)
    return cv2.magnitude(spectrum[..., 0], spectrum[..., 1])


COPY_LIGHTNESS = 225.0  # median L* (0-255) of the card's light print around the MRZ: copier paper is whiter
COPY_CHROMA = 10.0  # 90th percentile of colour spread there: a copy has lost the card's coloured print


SHEET_MARGIN = 0.8  # plain, card-coloured rows both above and below the card, in MRZ block heights: a copy
# lies on a sheet of paper (training: 133 cards on any table <= 0.75; copies on a sheet 0.5-1.3)
SHEET_START = 0.3  # block heights below the MRZ block within which the sheet's plain band must begin
SHEET_HUE = 20.0  # a/b distance from the card's background colour still taken as the same paper (a
# washed colour copy keeps some tint, its sheet does not)
SHEET_BESIDE = 0.2  # paper beside both ends of the MRZ block, in block heights: a sheet around the card (set
# on dev 4780000 at 0.15; fresh seed 5555555 showed a genuine card of our design at 0.19, its own margin
# past a tight block: dev 4800000 copies of the samples' design flagged 98 -> 95 of 120 at 0.2)
SHEET_PAPER_SHARE = 0.75  # share of a row that is ink-free paper for the row to count as plain (dev seeds
# 1770000-1790040, with the grain smoothed: copies flagged 106 -> 144 of 163, genuine 2 of 239 both on
# newspaper, against an even row only)


def _block_view(frame_bgr: np.ndarray, block_quad: np.ndarray, u: tuple[float, float], v: tuple[float, float],
                width: int) -> tuple[np.ndarray, float]:
    """The frame seen in the MRZ block's own axes: u in block widths (0 left end, 1 right end), v in
    block heights (0 top, 1 bottom); returns the view and its pixels per block height."""
    view, per_height, _ = _block_view_mapped(frame_bgr, block_quad, u, v, width)
    return view, per_height


def _block_view_mapped(frame_bgr: np.ndarray, block_quad: np.ndarray, u: tuple[float, float], v: tuple[float, float],
                       width: int) -> tuple[np.ndarray, float, np.ndarray]:
    """`_block_view`, with the homography from the frame to the view."""
    q = block_quad.astype(np.float32)
    along, down = q[1] - q[0], q[3] - q[0]
    corners = np.array([q[0] + a * along + b * down for a, b in ((u[0], v[0]), (u[1], v[0]), (u[1], v[1]), (u[0], v[1]))], np.float32)
    per_height = width / (u[1] - u[0]) * float(np.linalg.norm(down)) / max(1.0, float(np.linalg.norm(along)))
    height = max(8, int((v[1] - v[0]) * per_height))
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    to_view = cv2.getPerspectiveTransform(corners, dst)
    view = cv2.warpPerspective(frame_bgr, to_view, (width, height), flags=cv2.INTER_AREA)
    return view, per_height, to_view


BAND_TEXT_SHARE = 0.4  # the MRZ's text block spans at least this share of a band across the card (reader.STRAIGHT_MIN_SHARE)


def text_within_band(frame_bgr: np.ndarray, band_quad: np.ndarray) -> np.ndarray | None:
    """The MRZ's own text block (frame corners) inside a band the reader read across a card's
    outline from edge to edge, or None if no text block spans BAND_TEXT_SHARE of it.

    The sheet and beside cues measure from the MRZ block outward. A band spans the whole outline,
    so what lies past the MRZ's ends and below it inside the outline (a photocopy's sheet cut a
    little larger than the card) is inside the band and measures 0 there (dev 5940000, lavender:
    5 of 60 copies read so, none flagged; the MRZ found again as text, all 5 flagged; of the 7
    genuine cards of the three designs read through a band, none flagged either way)."""
    from kiosk.credential.mrztext import find_text_blocks

    width = 900
    view, _, to_view = _block_view_mapped(frame_bgr, band_quad, (-0.05, 1.05), (-0.4, 1.4), width)
    blocks = find_text_blocks(view, detect_w=width, min_share=BAND_TEXT_SHARE)
    if not blocks:
        return None
    corners = blocks[0].quad.reshape(-1, 1, 2).astype(np.float32)
    return cv2.perspectiveTransform(corners, np.linalg.inv(to_view)).reshape(4, 2)


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _leading_run(flags: np.ndarray, start: int) -> int:
    """The run of True that begins within the first `start` entries (0 when none does)."""
    first = next((i for i, flag in enumerate(flags[:start]) if flag), None)
    if first is None:
        return 0
    run = 0
    for flag in flags[first:]:
        if not flag:
            break
        run += 1
    return run


def _paper_colour(lab: np.ndarray, top: float, per_height: float) -> tuple[float, np.ndarray] | None:
    """The card's plain background just above the MRZ (1.5 to 0.1 block heights up) in a view
    of the block's axes starting `top` block heights above it: its lightness and a/b tint."""
    row = lambda v: int((v - top) * per_height)  # noqa: E731
    ref_l, ref_c = lab[row(-1.5):row(-0.1), :, 0], lab[row(-1.5):row(-0.1), :, 1:]
    plain = (cv2.dilate(ref_l, np.ones((7, 7), np.uint8)) - ref_l) < 6
    if int(plain.sum()) < 100:
        return None
    return float(np.median(ref_l[plain])), np.median(ref_c[plain], axis=0)


def _paper(lab: np.ndarray, background: float, tint: np.ndarray) -> np.ndarray:
    """Ink-free paper of the card's hue, not much darker than its background (a small or noisy
    photo's grain is not ink)."""
    lightness = lab[..., 0]
    smooth = cv2.GaussianBlur(lightness, (0, 0), 1.5)
    k = np.ones((5, 5), np.uint8)
    hue = np.linalg.norm(lab[..., 1:] - tint, axis=-1)
    return ((cv2.dilate(smooth, k) - cv2.erode(smooth, k)) < 12) & (lightness > background / 2) & (hue < SHEET_HUE)


def _view_lab(frame_bgr: np.ndarray, block_quad: np.ndarray, u: tuple[float, float], v: tuple[float, float],
              width: int) -> tuple[np.ndarray, np.ndarray, float]:
    """`_block_view` in float Lab (lightly smoothed), with the mask of what lies inside the frame."""
    view, per_height = _block_view(frame_bgr, block_quad, u, v, width)
    inside = _block_view(np.full(frame_bgr.shape[:2], 255, np.uint8), block_quad, u, v, width)[0] == 255
    return cv2.cvtColor(cv2.GaussianBlur(view, (0, 0), 1.0), cv2.COLOR_BGR2LAB).astype(np.float32), inside, per_height


def sheet_margins(frame_bgr: np.ndarray, block_quad: np.ndarray) -> tuple[float, float]:
    """How far a plain band of the card's own background colour reaches beyond the card's print,
    in MRZ block heights: (above and below, the smaller; beside the MRZ's two ends, the smaller).

    Above and below: within 4.6 above and 1.8 below the MRZ block; below, only a band that begins
    right under the MRZ. A card's margins are narrow and end at the table; a photocopy's background
    runs on into the white sheet it is printed on.
    Beside: the paper that begins within SHEET_START of either end of the MRZ block and runs on
    outward. The MRZ's lines span nearly the card's width (ICAO TD1), so a card's edge comes
    within the block's own padding or a little past it; a copy's sheet runs on further (training:
    dev 4780000, 240 genuine cards of either design at most 0.09, copies up to 0.53)."""
    top, bottom = -4.6, 2.8
    lab, inside, per_height = _view_lab(frame_bgr, block_quad, (0.2, 0.8), (top, bottom), 300)
    reference = _paper_colour(lab, top, per_height)
    if reference is None:
        return 0.0, 0.0
    background, tint = reference
    lightness = lab[..., 0]
    hue = np.linalg.norm(lab[..., 1:] - tint, axis=-1)
    # a row is plain when it is even across (10th to 90th percentile), or when nearly all of it is
    # ink-free paper of the card's hue and not much darker: a shadow's or a glare's soft edge
    # crossing the sheet breaks the first test, not the second
    low, high = np.percentile(lightness, 10, axis=1), np.percentile(lightness, 90, axis=1)
    even = (high - low < 20) & (np.median(lightness, axis=1) > background - 30) & (np.median(hue, axis=1) < SHEET_HUE)
    rows = (even | (_paper(lab, background, tint).mean(axis=1) >= SHEET_PAPER_SHARE)) & inside.all(axis=1)  # beyond the frame is no sheet
    # below, the sheet must run on from the MRZ itself: a plain table a little further down (a
    # grey tabletop as light as half the card, past the card's edge) is no sheet (the issue's
    # shared samples, shrunk and blurred: 34 of 72 genuine photos flagged so, 1 with this)
    row = lambda v: int((v - top) * per_height)  # noqa: E731
    below = _leading_run(rows[row(1.0):], max(1, int(SHEET_START * per_height)))
    above_below = min(_longest_run(rows[:row(-1.5)]), below) / per_height
    block_width = float(np.linalg.norm(block_quad[1] - block_quad[0]) / max(1.0, np.linalg.norm(block_quad[3] - block_quad[0])))
    beside = []
    for u in ((-0.6, 0.0), (1.0, 1.6)):
        lab, inside, _ = _view_lab(frame_bgr, block_quad, u, (0.1, 0.9), 200)
        columns = (_paper(lab, background, tint).mean(axis=0) >= SHEET_PAPER_SHARE) & inside.all(axis=0)
        columns = columns[::-1] if u[0] < 0 else columns  # outward from the block's end
        per_height_column = len(columns) / (u[1] - u[0]) / max(block_width, 1e-6)  # columns per block height
        beside.append(_leading_run(columns, max(1, int(SHEET_START * per_height_column))) / per_height_column)
    return above_below, min(beside)


class CopyFeatures(NamedTuple):
    lightness: float  # median L* of the light print from the MRZ up
    spread: float  # 90th percentile of its colour distance from its median colour
    sheet: float  # plain band above and below the print, in MRZ block heights (`sheet_margins`)
    marks: float  # 95th percentile colour distance over all but the MRZ's ink: a card's coloured marks
    beside: float  # paper past both ends of the MRZ, in block heights (`sheet_margins`)


def zone_copy_features(frame_bgr: np.ndarray, block_quad: np.ndarray) -> CopyFeatures | None:
    """The photocopy cues of the card's print from the MRZ block up to a few block heights above
    it, smoothed so sensor noise does not count as colour; None if too dark. A card's coloured
    marks (a watermark, a signature, a coloured legend) are a few per cent of the print, so
    `marks` takes a high percentile over everything lighter than the ink.

    A paper-white background is no cue: cards printed on a near-white stock (the issue's shared
    samples, tests/fixtures/credential_samples) have a background as white as copier paper."""
    from kiosk.credential.mrztext import straighten

    q = block_quad.astype(np.float32)
    up = q[0] - q[3]
    region_quad = np.array([q[0] + 3 * up, q[1] + 3 * up, q[2], q[3]], np.float32)
    region = straighten(frame_bgr, region_quad)  # levels stretched per channel
    lab = cv2.cvtColor(cv2.GaussianBlur(region, (0, 0), 2), cv2.COLOR_BGR2LAB)
    light = lab[..., 0] > 140
    if int(light.sum()) < 200:
        return None
    a, b = lab[..., 1][light], lab[..., 2][light]
    spread = float(np.percentile(np.hypot(a - np.float32(median_u8(a)), b - np.float32(median_u8(b))), 90))
    marks = lab[..., 0] > 100
    a, b = lab[..., 1][marks].astype(np.float32), lab[..., 2][marks].astype(np.float32)
    marks_spread = float(np.percentile(np.hypot(a - np.median(a), b - np.median(b)), 95))
    sheet, beside = sheet_margins(frame_bgr, block_quad)
    return CopyFeatures(median_u8(lab[..., 0][light]), spread, sheet, marks_spread, beside)


def median_u8(values: np.ndarray) -> float:
    """np.median of uint8 values, by counting (no sort of a whole card's pixels)."""
    cumulative = np.cumsum(np.bincount(values.ravel(), minlength=256))
    n = int(cumulative[-1])
    low, high = np.searchsorted(cumulative, [(n - 1) // 2 + 1, n // 2 + 1])
    return (float(low) + float(high)) / 2


def copy_confidence(lightness: float, spread: float, sheet: float = 0.0) -> float:
    """0-1: how far past the photocopy thresholds the card is (0.5 at the thresholds), the
    stronger of two cues: light and colourless print; a sheet of paper around the card."""
    a = 1 / (1 + np.exp(-(lightness - COPY_LIGHTNESS) / 4))
    b = 1 / (1 + np.exp((spread - COPY_CHROMA) / 1.5))
    d = 1 / (1 + np.exp(-(sheet - SHEET_MARGIN) / 0.05))
    return float(max(min(a, b), d))


COPY_MARKS = 6.5  # 95th percentile colour distance over the print lighter than the MRZ's ink: no coloured mark
COPY_MARKS_LIGHTNESS = 210.0  # ... on print nearly as light as copier paper (COPY_LIGHTNESS)
FAINT_BESIDE = 0.04  # a little paper past both ends of the MRZ block, in block heights (SHEET_BESIDE: a lot)
FEW_MARKS = 10.0  # ... with print this short of a card's coloured marks (COPY_MARKS: none at all)
COLOUR_ALONE = 0.45  # confidence of a grey or washed card with no sheet seen around it: below the flag


def photocopy_decision(card_bgr: np.ndarray, frame_bgr: np.ndarray, block_quad: np.ndarray | None) -> tuple[str | None, float]:
    """The photocopy flag (its Spanish kind, or None) and its 0-1 confidence.

    A grey card flags by itself when it is as pale as copier paper; a washed one (always pale)
    with half a sheet or print with no coloured mark. A grey card that is
    not (a genuine card on a near-grey stock in a dim light: fresh seed 1717171 flagged 3 of 150
    genuine cards so) flags together with at least half a sheet's margin around it; alone it gives
    COLOUR_ALONE, so the Mesa de Control still sees it near the top. The sheet flags by itself;
    light, colourless print above the MRZ only with a grey or washed card or half a sheet."""
    colour = card_colour(card_bgr)
    kind = _kind_of(colour)
    features = zone_copy_features(frame_bgr, block_quad) if block_quad is not None else None
    confidence = copy_confidence(features.lightness, features.spread, features.sheet) if features is not None else 0.0
    pale = kind is not None and colour[1] > WASHED_VALUE
    half_sheet = features is not None and features.sheet >= SHEET_MARGIN / 2
    colourless = features is not None and features.marks < COPY_MARKS
    # a washed colour is also the samples' near-white stock in a neutral light (fresh seed
    # 5656565: 4 of 150 genuine cards of that design flagged so, none with a sheet or colourless
    # print): it counts with half a sheet or print with no coloured mark (dev 4780000-4800000:
    # genuine cards flagged 5 -> 1 of 720; copies flagged 7 fewer, of about 500)
    washed_alone = kind == "a color (deslavada)" and not (half_sheet or colourless)
    # a grey card whose print keeps coloured marks is no black-and-white copy: a genuine card of
    # our design in a neutral light, its own plain band under the MRZ taken for half a sheet (dev
    # 5160042 and 5180112: marks 30 and 19; black-and-white copies flagged on dev 5140000-5250000,
    # 44 of them: marks 7.1 at most)
    marked_grey = kind == "blanco y negro" and not pale and features is not None and features.marks >= FEW_MARKS
    if kind and not washed_alone and not marked_grey and (pale or half_sheet):
        return kind, max(0.9, confidence)
    # light, colourless print above the MRZ flags with a grey or washed card, or with half a
    # sheet around it; alone it is a card design with a pale band there (the issue's samples'
    # design on the evaluation generator's tables: 8 of 120 genuine flagged so, 2 without)
    if confidence > 0.5 and ((kind and not washed_alone) or half_sheet):
        return "sin los colores de la credencial", confidence
    # half a sheet around print that has no coloured mark at all and is nearly as light as
    # copier paper: a copy of a pale card design, its narrow bottom margin leaving less of the
    # sheet below the MRZ (the samples' design, copies flagged: set on dev 4780000 and 4790000,
    # 99 -> 127 of 240; checked on dev 4800000, 60 -> 73 of 120; genuine cards of either design
    # flagged: none more of 720)
    if half_sheet and colourless and features.lightness >= COPY_MARKS_LIGHTNESS:
        return "sin los colores de la credencial", max(confidence, 0.6)
    # half a sheet above and below, and paper running on past both ends of the MRZ: the card's
    # edges are not there (the samples' design, its copies' sheet below short of SHEET_MARGIN).
    # Or only a little paper there with print short of a card's coloured marks: a copy whose
    # sheet a dim or noisy photo shows only in part (dev 5140000 and 5200000, the samples' design:
    # copies flagged 128 -> 134 of 144; 5210000, ours: 91 -> 93 of 96). A genuine card shows its
    # edge at the MRZ's ends (beside under FAINT_BESIDE in 657 of 669 dev photos of both designs),
    # and the few that measure more keep coloured marks; held out (5320000, ours) it flagged 1 of
    # 240 genuine, on a newspaper: printed paper beside the MRZ
    paper_beside = features is not None and (features.beside >= SHEET_BESIDE
                                             or (features.beside >= FAINT_BESIDE and features.marks < FEW_MARKS))
    if half_sheet and paper_beside:
        return "en papel", max(confidence, 0.5 + min(features.beside, 0.45))
    return None, max(min(confidence, COLOUR_ALONE), COLOUR_ALONE if kind else 0.0)


SCREEN_GRID_PEAK = 150.0  # median peak over a 3x3 grid of the frame (training: 143 cards on any table <145; screens with a grid >155)


CARD_GRID = 20.0  # the frame's grid peak, looked up on the card itself, in robust sigmas: a screen shows it
# there too (training screens >= 27; median over patches, dev 2600000-59: >= 45), a table's weave
# around a card does not (cards on cloth: 1-15; dev 2600027, its quad reaching onto the weave: 1.2)


def _power(patches: list[np.ndarray]) -> np.ndarray:
    """Mean amplitude spectrum (centred) of equal square patches, their smooth shading removed."""
    size = patches[0].shape[0]
    window = _window(size)
    total = np.zeros((size, size), np.float32)
    for patch in patches:
        patch = patch.astype(np.float32)
        total += _amplitude((patch - cv2.GaussianBlur(patch, (0, 0), 3)) * window) ** 2
    return np.sqrt(np.fft.fftshift(total / len(patches)))


@lru_cache(maxsize=4)
def _grid_band(size: int) -> np.ndarray:
    """The spectrum's band of periods 2.5-8 pixels, less JPEG's 8x8-block frequencies (centred).

    JPEG's blocks put energy on the lines a multiple of size/8 off either axis, never on the axes
    themselves: a screen held square to the camera has its pixel grid there (dev seeds 2600000-59:
    9 of 60 screens missed when the axes were left out too, 1 with them; genuine cards unchanged)."""
    yy, xx = np.mgrid[0:size, 0:size] - size // 2
    radius = np.hypot(xx, yy)
    step = size // 8
    blocks = ((np.abs(xx) % step <= 1) & (np.abs(xx) > 1)) | ((np.abs(yy) % step <= 1) & (np.abs(yy) > 1))
    return (radius > size / 8) & (radius < size / 2.5) & ~blocks


def _card_patches(gray: np.ndarray, quad: np.ndarray, size: int) -> list[np.ndarray]:
    """Up to nine size x size patches on a 3x3 grid inside the card (15 % in from its edges)."""
    q = quad.astype(np.float32)
    out = []
    for v in (0.15, 0.5, 0.85):
        for u in (0.15, 0.5, 0.85):
            top, bottom = q[0] + (q[1] - q[0]) * u, q[3] + (q[2] - q[3]) * u
            x, y = (top + (bottom - top) * v).astype(int) - size // 2
            if x >= 0 and y >= 0 and x + size <= gray.shape[1] and y + size <= gray.shape[0]:
                out.append(gray[y:y + size, x:x + size])
    return out


def card_grid(gray: np.ndarray, frame_patches: list[np.ndarray], card_quad: np.ndarray) -> float | None:
    """The frame's strongest grid frequency looked up in the card's own patches: the median over
    them of its height in robust sigmas above each patch's spectral median; None when the card is
    too small for 128-pixel patches. The median, not one pooled spectrum, so that a located card
    reaching past the real one onto a woven cloth is not taken for a grid over the card (dev seed
    2600027: three of nine patches on the weave made the pooled spectrum look like a screen's).
    Black patches are left out: a bezel shows no grid."""
    patches = [p for p in _card_patches(gray, card_quad, 128) if float(p.mean()) > 50]
    if not patches:
        return None
    _, iy, ix = grid_peak(_power(frame_patches))
    cy, cx = 64 + round((iy - 128) / 2), 64 + round((ix - 128) / 2)
    card_band = _grid_band(128)
    heights = []
    for patch in patches:
        card = _power([patch])
        values = card[card_band]
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median))) + 1e-6
        heights.append((float(card[max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2].max()) - median) / mad)
    return float(np.median(heights))


def frame_screen_score(frame_bgr: np.ndarray, card_quad: np.ndarray | None = None) -> float:
    """Median of `screen_score` over a 3x3 grid of patches of the frame: a screen's pixel grid is
    everywhere on the displayed picture, while a card's guilloche, its MRZ's character pitch or a
    table's weave are periodic only in a patch or two. With the card's corners, the grid must be
    on the card too (`card_grid` at least CARD_GRID), else the score stays under the threshold, scaled
    by the shortfall: a patterned tablecloth around a real card is not a screen, however strong."""
    gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY) if frame_bgr.ndim == 3 else frame_bgr
    h, w = gray.shape
    patches = []
    for fy in (0.3, 0.5, 0.7):
        for fx in (0.3, 0.5, 0.7):
            y0, x0 = max(0, int(fy * h) - 128), max(0, int(fx * w) - 128)
            patch = gray[y0:y0 + 256, x0:x0 + 256]
            if patch.shape == (256, 256) and float(patch.mean()) > 50:  # a black bezel shows no grid
                patches.append(patch)
    if not patches:
        return 0.0
    score = float(np.median([screen_score(p) for p in patches]))
    on_card = card_grid(gray, patches, card_quad) if card_quad is not None else None
    if on_card is not None and on_card < CARD_GRID:
        score = min(score, SCREEN_GRID_PEAK) * max(on_card, 0.0) / CARD_GRID
    return score


def screen_confidence(score: float) -> float:
    """0-1 from the frame's median spectral peak (0.5 at SCREEN_GRID_PEAK)."""
    return float(1 / (1 + np.exp(-(score - SCREEN_GRID_PEAK) / 20)))


BEZEL_GRID = 60.0  # a grid peak this high (genuine cards: median about 40) is enough with a bezel around it
BEZEL_DARK = 50.0  # a bezel: dark (mean of 7x7 on the 320-px frame below this) ...
BEZEL_FLAT = 6.0  # ... and flat (standard deviation there below this)
BEZEL_RIM = 0.6  # share of the frame's rim the bezel must cover (a screen held up to the camera)
DISPLAY_FILL = 0.95  # the lit region inside it, as a share of its own rotated rectangle: straight edges
DISPLAY_FILL_STRAIGHT = 0.9  # ... or this share, when the region's outline runs along DISPLAY_EDGE of the
DISPLAY_EDGE = 0.85  # rectangle's: a dark object at the display's edge in the shown photo notches it (dev
# 9605965 and 9605973, screens on cloth: fill 0.93 and 0.94, edge 0.86 and 0.97; genuine cards inside a
# dark rim, dev 7700800-49 own and lavender, all rows: edge 0.55 at most, fill 0.89 at most)
DISPLAY_CARD = 0.75  # the card covers at most this share of it: the display shows the table around the card
BEZEL_CONFIDENCE = 0.75  # the screen confidence given at least when the bezel decides (the grid alone is under 0.5)


def display_bezel(frame_bgr: np.ndarray, card_quad: np.ndarray | None) -> bool:
    """A phone or monitor's dark bezel around a lit rectangle that shows the card with table around
    it. The bezel is the dark, flat region reaching the frame's rim; what it encloses must be a
    rectangle (straight display edges) holding the card's centre and larger than the card. A real
    card on a dark desk fails there: the lit region is the card itself, or the card and whatever
    lies next to it, not a rectangle (dev seeds 3660000, 3670000: 0 of 210 genuine cards)."""
    if card_quad is None:
        return False
    gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY) if frame_bgr.ndim == 3 else frame_bgr
    scale = 320 / gray.shape[1]
    small = cv2.resize(gray, (320, max(1, round(gray.shape[0] * scale))), interpolation=cv2.INTER_AREA).astype(np.float32)
    mean = cv2.blur(small, (7, 7))
    spread = np.sqrt(np.maximum(cv2.blur(small * small, (7, 7)) - mean * mean, 0))
    dark = ((mean < BEZEL_DARK) & (spread < BEZEL_FLAT)).astype(np.uint8)
    _, labels = cv2.connectedComponents(dark, connectivity=4)
    rim_labels = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    if float((rim_labels > 0).mean()) < BEZEL_RIM:
        return False
    bezel = np.isin(labels, np.unique(rim_labels[rim_labels > 0]))
    lit = cv2.morphologyEx((~bezel).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lit, connectivity=4)
    if count < 2:
        return False
    region = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    box = cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.int32)
    rectangle = np.zeros_like(region)
    cv2.fillPoly(rectangle, [box], 1)
    card = np.zeros_like(region)
    cv2.fillPoly(card, [(np.asarray(card_quad, np.float32) * scale).astype(np.int32)], 1)
    cx, cy = (int(v) for v in np.asarray(card_quad, np.float32).mean(axis=0) * scale)
    inside = 0 <= cy < region.shape[0] and 0 <= cx < region.shape[1] and bool(region[cy, cx])
    area = float(region.sum())
    fill = area / max(float(rectangle.sum()), 1.0)
    straight = fill >= DISPLAY_FILL or (fill >= DISPLAY_FILL_STRAIGHT and _edge_share(region, contour, box) >= DISPLAY_EDGE)
    return inside and straight and float((card & region).sum()) / max(area, 1.0) <= DISPLAY_CARD


def _edge_share(region: np.ndarray, contour: np.ndarray, box: np.ndarray) -> float:
    """Share of the rotated rectangle's outline `box` that the region's own outline runs along
    (within 2 pixels): a display's straight edges, however its picture is notched inside."""
    outline = np.zeros_like(region)
    cv2.polylines(outline, [box], True, 1, 1)
    edge = np.zeros_like(region)
    cv2.drawContours(edge, [contour], -1, 1, 1)
    near = cv2.dilate(edge, np.ones((5, 5), np.uint8))
    return float((outline & near).sum()) / max(float(outline.sum()), 1.0)


def screen_decision(frame_bgr: np.ndarray, card_quad: np.ndarray | None = None) -> tuple[bool, float]:
    """(screen?, 0-1 confidence): the pixel grid over the frame and on the card, or a weaker grid
    with a bezel around the displayed picture (a newspaper under the card, shown on a screen,
    hides the grid among its letters: dev 3650000, 5 of 60 screens missed, all on newspaper)."""
    score = frame_screen_score(frame_bgr, card_quad)
    if score > SCREEN_GRID_PEAK:
        return True, screen_confidence(score)
    if score > BEZEL_GRID and display_bezel(frame_bgr, card_quad):
        return True, max(screen_confidence(score), BEZEL_CONFIDENCE)
    return False, screen_confidence(score)
