"""The MRZ cut into its fixed-pitch cells, for a per-character classifier.

A TD1 MRZ is three lines of exactly 30 characters at one pitch, left-aligned. On a block the
text detector straightened (mrztext.straighten), the three lines are found by a comb fitted to
the row profile of the ink, the pitch by the autocorrelation of the column profile (monospaced
text is periodic), and the phase by where the gaps between characters fall. No character is
inserted or dropped, as tesseract does on blurred prints: each of the 30 cells gets its own
probabilities and the check digits choose among the close ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.credential.ocrb import ALPHABET, LineRead

WIDTH = 30  # characters per TD1 line
PITCH_AGREE = 0.008  # a line whose own pitch differs from the block's by more gets its own grid
PHASE_SHIFTS = (-0.4, -0.2, 0.0, 0.2, 0.4)  # grid shifts tried, in pitches (the classifier takes ±0.15)


@dataclass
class CellLine:
    """One MRZ line: its cell boundaries (cell i spans bounds[i] to bounds[i + 1])."""

    bounds: np.ndarray
    cy: float  # vertical middle of the line's ink at bounds[0]
    slope: float  # dy/dx of the line's middle
    others: tuple[np.ndarray, ...] = ()  # other boundaries the line may have: read_grid keeps the surest read

    @property
    def cells(self) -> int:
        return len(self.bounds) - 1

    @property
    def pitch(self) -> float:
        return float(self.bounds[-1] - self.bounds[0]) / max(self.cells, 1)

    def centre(self, i: int) -> tuple[float, float]:
        x = float(self.bounds[i] + self.bounds[i + 1]) / 2
        return x, self.cy + self.slope * (x - float(self.bounds[0]))

    def width(self, i: int) -> float:
        return float(self.bounds[i + 1] - self.bounds[i])


def ink_map(gray: np.ndarray, stroke: int = 31) -> np.ndarray:
    """Darkness above the local background (glare, shadow and tint removed), float32 0-255."""
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (stroke, stroke)))
    return np.clip(background.astype(np.float32) - gray.astype(np.float32), 0, 255)


STRIPS = 5  # vertical strips whose row profiles' median stands for the block's (find_lines)


def find_lines(ink: np.ndarray) -> tuple[float, float] | None:
    """(first line's middle, line spacing) of the three-line block with the strongest comb in
    the row profile: ink on the three lines, none halfway between or beyond them. When the whole
    profile shows none, the median of its vertical strips' profiles: the MRZ runs across every
    strip, while print beside it (a newspaper under the card, taken in by the widened view) fills
    one or two and would put ink between the lines."""
    found = _comb(ink.sum(axis=1))
    if found is None:
        w = ink.shape[1]
        strips = [ink[:, w * k // STRIPS:w * (k + 1) // STRIPS].sum(axis=1) for k in range(STRIPS)]
        found = _comb(np.median([s / max(float(s.max()), 1e-6) for s in strips], axis=0))
    return found


def _comb(profile: np.ndarray) -> tuple[float, float] | None:
    """find_lines on one row profile."""
    h = len(profile)
    rows = cv2.GaussianBlur(profile.astype(np.float32).reshape(-1, 1), (1, 0), 2.0).ravel()
    rows = rows / max(float(rows.max()), 1e-6)
    grid = np.arange(h, dtype=np.float32)
    spacings = np.arange(max(8.0, h / 6.0), h / 2.2, 0.5)
    if len(spacings) == 0:
        return None
    # every (spacing, first line) at once; first lines outside the block are masked out
    sp = spacings[:, None]
    y1 = 0.3 * sp + np.arange(0.0, float(h), 1.0)[None, :]
    valid = y1 < h - 2 * sp - 0.3 * sp

    def at(y: np.ndarray) -> np.ndarray:
        return np.interp(y, grid, rows)

    on = np.minimum(np.minimum(at(y1), at(y1 + sp)), at(y1 + 2 * sp))
    off = [at(y1 + (k - 0.5) * sp) for k in range(4)]
    score = on - np.maximum(off[1], off[2]) - 0.5 * np.maximum(off[0], off[3])
    score = np.where(valid, score, -np.inf)
    i, j = np.unravel_index(int(score.argmax()), score.shape)
    best = float(score[i, j])
    found = (float(y1[i, j]), float(spacings[i])) if np.isfinite(best) else None
    if found is None or best < 0.2:
        return None
    return found


def _pitch(profile: np.ndarray, lo: float, hi: float) -> float | None:
    """The period of a column profile between `lo` and `hi` pixels (autocorrelation peak,
    refined to a fraction of a pixel); the shortest strong one, so not a multiple of it."""
    p = profile - profile.mean()
    n = len(p)
    corr = np.correlate(p, p, mode="full")[n - 1:]
    corr = corr / max(float(corr[0]), 1e-6)
    lags = np.arange(int(lo), min(int(hi) + 2, n - 1))
    if len(lags) < 3:
        return None
    peaks = [lag for lag in lags[1:-1] if corr[lag] >= corr[lag - 1] and corr[lag] >= corr[lag + 1] and corr[lag] > 0.05]
    if not peaks:
        return None
    strongest = max(corr[lag] for lag in peaks)
    lag = next(lag for lag in peaks if corr[lag] >= 0.6 * strongest)
    a, b, c = corr[lag - 1], corr[lag], corr[lag + 1]
    denom = a - 2 * b + c
    return float(lag + (0.5 * (a - c) / denom if abs(denom) > 1e-9 else 0.0))


def _extent(profile: np.ndarray, pitch: float) -> tuple[int, int] | None:
    """Left and right ink columns of the longest run whose gaps are under 2.2 pitches (a run of
    fillers '<' is faint)."""
    level = 0.15 * float(np.percentile(profile, 95))
    cols = np.nonzero(profile > level)[0]
    if len(cols) < 2:
        return None
    runs, start = [], cols[0]
    for a, b in zip(cols[:-1], cols[1:]):
        if b - a > 2.2 * pitch:
            runs.append((start, a))
            start = b
    runs.append((start, cols[-1]))
    return max(runs, key=lambda r: r[1] - r[0])


def _phase(profile: np.ndarray, pitch: float, left: int, right: int) -> tuple[float, float]:
    """(pitch, boundary position in [0, pitch)) that put the cell boundaries on the least ink
    (the gaps between characters) over the line's extent; the pitch is refined within 3 % of
    the block's (a line's own pitch differs a little under perspective)."""
    xs = np.arange(len(profile), dtype=np.float32)
    level = float(profile[left:right + 1].mean()) if right > left else 1.0
    best, found = None, (pitch, 0.0)
    for p in pitch * np.linspace(0.97, 1.03, 25):
        phases = np.arange(0.0, p, 0.5)
        first = left - p + phases  # one boundary grid per phase, starting a cell before the ink
        count = int((right - left) / p) + 3
        bounds = first[:, None] + p * np.arange(count)[None, :]
        inside = (bounds >= left - 0.5 * p) & (bounds <= right + 0.5 * p)
        values = np.interp(bounds, xs, profile)
        mean = (values * inside).sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
        i = int(mean.argmin())
        if best is None or mean[i] < best:
            best, found = float(mean[i]), (float(p), float(phases[i]))
    return found if best is not None and best < level else (pitch, found[1])


def unwarp(gray: np.ndarray) -> np.ndarray:
    """The block with the perspective the straightening kept taken out: the three lines are found
    in the left and the right third of the block separately, and the quadrilateral from line 1's
    top to line 3's bottom, extended to the block's sides, is warped to a rectangle. The pitch is
    then the same along the line (seen tilted, it shrinks by a fifth from one end to the other).
    Without perspective taken out when the two thirds do not agree on three lines; deslanted
    (deslant) either way."""
    h, w = gray.shape[:2]
    ink = ink_map(gray)
    third = w // 3
    left, right = find_lines(ink[:, :third]), find_lines(ink[:, w - third:])
    if left is None or right is None:
        return deslant(gray)
    (y_l, s_l), (y_r, s_r) = left, right
    if not 0.8 < s_r / s_l < 1.25 or abs((y_r + s_r) - (y_l + s_l)) > 0.5 * min(s_l, s_r):
        return deslant(gray)
    x_l, x_r = third / 2, w - third / 2
    middle = find_lines(ink[:, third:w - third])
    # the middle third must lie where the two ends put it (a smudge or glare in one third
    # moves its comb; a wrong warp would cost the whole block)
    if middle is None or abs(middle[0] + middle[1] - (y_l + s_l + y_r + s_r) / 2) > 0.2 * s_l \
            or abs(middle[1] - (s_l + s_r) / 2) > 0.1 * s_l:
        return deslant(gray)

    def at(x: float, a: float, b: float) -> float:
        return a + (b - a) * (x - x_l) / (x_r - x_l)

    tops = [at(x, y_l - 0.6 * s_l, y_r - 0.6 * s_r) for x in (0.0, float(w))]
    bottoms = [at(x, y_l + 2.6 * s_l, y_r + 2.6 * s_r) for x in (0.0, float(w))]
    spacing = (s_l + s_r) / 2
    out_h = int(round(3.2 * spacing))
    src = np.array([[0, tops[0]], [w, tops[1]], [w, bottoms[1]], [0, bottoms[0]]], np.float32)
    dst = np.array([[0, 0], [w, 0], [w, out_h], [0, out_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    flat = cv2.warpPerspective(gray, matrix, (w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return deslant(flat)


SLANTS = np.linspace(-0.45, 0.45, 19)  # horizontal shear per pixel of height tried by deslant


def deslant(gray: np.ndarray) -> np.ndarray:
    """The block with its characters' vertical strokes made vertical again (a card turned and
    tilted shears its print): the horizontal shear whose column profile of ink is the most
    peaked, the way strokes stand straight."""
    h, w = gray.shape[:2]
    ink = ink_map(gray)
    best, best_slant = -1.0, 0.0
    for slant in SLANTS:
        m = np.float32([[1, slant, -slant * h / 2], [0, 1, 0]])
        sheared = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        profile = sheared.sum(axis=0)
        energy = float((profile ** 2).sum())
        if energy > best:
            best, best_slant = energy, float(slant)
    if best_slant == 0.0:
        return gray
    m = np.float32([[1, best_slant, -best_slant * h / 2], [0, 1, 0]])
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def segment(gray: np.ndarray) -> list[CellLine]:
    """The three MRZ lines of a straightened block as cell grids; [] when no three-line block
    with periodic characters is seen."""
    ink = ink_map(gray)
    lines = find_lines(ink)
    if lines is None:
        return []
    y1, spacing = lines
    w = gray.shape[1]
    bands = []
    h = ink.shape[0]
    for k in range(3):
        cy = y1 + k * spacing
        top, bottom = int(max(0, cy - 0.38 * spacing)), int(min(h, cy + 0.38 * spacing))
        # ink in the rows between lines is not text (a card edge, the table, a shadow): what a
        # column holds there is taken off what it holds on the line
        gap_rows = [int(round(cy + d * spacing)) for d in (-0.5, 0.5)]
        gaps = np.max([ink[min(max(r, 0), h - 1)] for r in gap_rows], axis=0)
        bands.append((cy, top, bottom, np.clip(ink[top:bottom].mean(axis=0) - gaps, 0, None)))
    combined = cv2.GaussianBlur(sum(b[3] for b in bands).reshape(1, -1), (0, 1), 1.0).ravel()
    pitch = _pitch(combined, w / 48.0, w / 20.0)
    if pitch is None:
        return []
    profiles = [cv2.GaussianBlur(b[3].reshape(1, -1).astype(np.float32), (0, 1), 1.0).ravel() for b in bands]
    extents = [_extent(profile, pitch) for profile in profiles]
    if any(e is None for e in extents):
        return []
    # TD1 lines are 30 characters each, left-aligned, one under the other: one grid of cell
    # boundaries serves the three (fitted to their summed profile: the gaps of one line are
    # faint where bold glyphs nearly touch, and another's are not); text beside a line (the
    # card's other print, the table) is outside the common extent
    left = int(np.median([e[0] for e in extents]))
    right = int(np.median([e[1] for e in extents]))
    # a glare across the block's right end washes the fillers of lines 2 and 3 out (dev photo
    # 3200070): a line whose ink runs from the common left edge for a whole line's cells, and
    # no further, still ends where a TD1 line ends
    whole = [e[1] for e in extents if abs(e[0] - left) < pitch and WIDTH - 1.5 <= (e[1] - left) / pitch <= WIDTH + 0.5]
    if whole and max(whole) > right:
        right = int(max(whole))
    summed = sum(p / max(float(np.percentile(p, 95)), 1e-6) for p in profiles)
    line_pitch, phase = _phase(summed, pitch, left, right)
    # the grid runs from a cell before the first ink to a cell after the last: which 30 of its
    # cells are the line is chosen when they are read (line 1 starts with IDMEX)
    x0 = left - ((left - phase) % line_pitch) - line_pitch
    cells = int(np.ceil((right - x0) / line_pitch)) + 1
    bounds = _track_gaps(summed, x0, line_pitch, cells)
    out: list[CellLine] = []
    for (cy, top, bottom, _), profile in zip(bands, profiles):
        own = _fine_pitch(profile, line_pitch)
        line_bounds = bounds
        if own is not None and abs(own / line_pitch - 1) > PITCH_AGREE:
            # a line printed at its own pitch (a misregistered print run): its own grid from the
            # common left edge; its phase is found when it is read (read_lines)
            line_bounds = _at_pitch(bounds, own)
        # a line printed further off the block's pitch than _fine_pitch looks (each line fitted
        # to the zone's width on its own: dev photo 3250025, line 1 5 % wider than line 2, read
        # right to its 25th cell, then a cell off): its period measured on its own profile, a
        # second grid that the read keeps only where the classifier is surer of it (one line's
        # period alone is the rougher measure: dev 3260041 read worse at it)
        alone = _pitch(profile, (1 - OWN_REACH) * line_pitch, (1 + OWN_REACH) * line_pitch)
        others = ()
        if alone is not None and abs(alone / line_pitch - 1) > FINE_REACH:
            alone = _fine_pitch(profile, alone) or alone
            if abs(alone / (own or line_pitch) - 1) > PITCH_AGREE:  # not the grid the line has already
                others = (_at_pitch(bounds, alone),)
        cy_fit, slope = _middle(ink[top:bottom], float(line_bounds[1]), right)
        cy_fit -= slope * float(line_bounds[1] - line_bounds[0])
        out.append(CellLine(bounds=line_bounds, cy=top + cy_fit, slope=slope, others=others))
    return out


FINE_REACH = 0.03  # how far off the block's pitch _fine_pitch finds a line's own (it looks within 4 %)
OWN_REACH = 0.10  # how far off the block's pitch a line's own period is looked for alone


def _at_pitch(bounds: np.ndarray, pitch: float) -> np.ndarray:
    """As many cell boundaries as `bounds`, at `pitch` from its left edge (its second boundary)."""
    return (bounds[1] + pitch * (np.arange(len(bounds)) - 1)).astype(np.float32)


def _fine_pitch(profile: np.ndarray, pitch: float, harmonic: int = 10) -> float | None:
    """A line's own pitch, from the autocorrelation peak near `harmonic` pitches (ten times as
    precise as the first peak); None when there is no clear peak there."""
    p = profile - profile.mean()
    n = len(p)
    corr = np.correlate(p, p, mode="full")[n - 1:]
    corr = corr / max(float(corr[0]), 1e-6)
    lo, hi = int(harmonic * pitch * 0.96), int(np.ceil(harmonic * pitch * 1.04))
    if hi + 1 >= n:
        return None
    lag = lo + int(corr[lo:hi + 1].argmax())
    if lag in (lo, hi) or corr[lag] < 0.1:
        return None
    a, b, c = corr[lag - 1], corr[lag], corr[lag + 1]
    denom = a - 2 * b + c
    return float(lag + (0.5 * (a - c) / denom if abs(denom) > 1e-9 else 0.0)) / harmonic


def _track_gaps(profile: np.ndarray, x0: float, pitch: float, cells: int) -> np.ndarray:
    """Cell boundaries following the gaps between characters along the line: around every other
    boundary, the shift (within a third of a pitch) that puts the seven nearest boundaries on the
    least ink, then a quadratic fit of position on index, robust to the windows that found no
    clear gap. The pitch drifts along a line seen in perspective, and one pitch for the whole
    line puts the last cells across characters."""
    index = np.arange(cells + 1, dtype=np.float64)
    grid = x0 + pitch * index
    first = _fit_gaps(profile, grid, pitch, pitch / 3, 3)
    if first is None:
        return grid.astype(np.float32)
    second = _fit_gaps(profile, first, pitch, pitch / 6, 2)  # again from the drifting grid, nearer
    return (second if second is not None else first).astype(np.float32)


def _fit_gaps(profile: np.ndarray, grid: np.ndarray, pitch: float, reach: float, half: int) -> np.ndarray | None:
    """One pass of _track_gaps: windows of 2 * half + 1 boundaries shifted within `reach`."""
    cells = len(grid) - 1
    index = np.arange(cells + 1, dtype=np.float64)
    xs = np.arange(len(profile), dtype=np.float64)
    shifts = np.arange(-reach, reach + 0.25, 0.5)
    ks, where = [], []
    for k in range(0, cells + 1, 2):
        near = grid[max(0, k - half):k + half + 1]
        values = np.interp(near[None, :] + shifts[:, None], xs, profile).mean(axis=1)
        j = int(values.argmin())
        if 0 < j < len(shifts) - 1 and values[j] < 0.8 * float(values.max()):
            ks.append(k)
            where.append(grid[k] + shifts[j])
    if len(ks) < 6:
        return None
    k, x = np.array(ks, np.float64), np.array(where, np.float64)
    keep = np.ones(len(k), bool)
    for _ in range(3):
        fit = np.polyfit(k[keep], x[keep], 2 if keep.sum() >= 8 else 1)
        resid = np.abs(np.polyval(fit, k) - x)
        keep = resid <= max(0.1 * pitch, 2.5 * float(np.median(resid[keep])))
        if keep.sum() < 6:
            return None
    fitted = np.polyval(fit, index)
    steps = np.diff(fitted)
    if steps.min() < 0.85 * pitch or steps.max() > 1.15 * pitch:
        return None
    return fitted


def _middle(band: np.ndarray, x0: float, right: float) -> tuple[float, float]:
    """The ink's vertical middle at x0 in the band, and its slope, from the line's left and
    right halves (a residual tilt or a perspective the straightening kept)."""
    ys = np.arange(band.shape[0], dtype=np.float32)
    points = []
    for a, b in ((x0, (x0 + right) / 2), ((x0 + right) / 2, right)):
        part = band[:, int(max(0, a)):int(min(band.shape[1], b))]
        mass = part.sum(axis=1)
        if mass.sum() > 0:
            points.append(((a + b) / 2, float((mass * ys).sum() / mass.sum())))
    if len(points) == 2 and points[1][0] > points[0][0]:
        slope = (points[1][1] - points[0][1]) / (points[1][0] - points[0][0])
        return points[0][1] + slope * (x0 - points[0][0]), float(np.clip(slope, -0.1, 0.1))
    return (points[0][1] if points else band.shape[0] / 2), 0.0


def scores_from_probabilities(probs: np.ndarray) -> np.ndarray:
    """Classifier probabilities on the scale the check-digit decoder (mrz.decode_td1) weighs:
    1 for certain, 0.08 less for half as likely, 0 at about 1 in 3000."""
    return np.clip(1.0 + np.log(np.maximum(probs, 1e-9)) / 8.0, 0.0, 1.0).astype(np.float32)


def probabilities_from_scores(scores: np.ndarray) -> np.ndarray:
    """The inverse of scores_from_probabilities (down to its floor)."""
    return np.exp(8.0 * (scores.astype(np.float64) - 1.0))


def read_lines(gray: np.ndarray) -> list[LineRead] | None:
    """The three MRZ lines of a straightened block, 30 scored cells each; None when the block
    does not hold three whole lines of cells (cut off at a side, or not an MRZ)."""
    grid = grid_lines(gray)
    return None if grid is None else read_grid(*grid)


def grid_lines(gray: np.ndarray) -> tuple[np.ndarray, list[CellLine]] | None:
    """The straightened block unwarped and deslanted, and its three lines as cell grids; None when
    it does not hold three whole lines of cells."""
    gray = unwarp(gray)
    lines = segment(gray)
    if len(lines) != 3 or any(ln.cells < WIDTH for ln in lines):
        return None
    return gray, lines


def read_grid(gray: np.ndarray, lines: list[CellLine], shifts: tuple[float, ...] = PHASE_SHIFTS,
              seen: dict | None = None) -> list[LineRead] | None:
    """The three lines of `grid_lines` read cell by cell at each grid shift of `shifts` (and along
    the drift through them, with more than one); None when lines 2 and 3 do not reach 30 cells
    from line 1's start. `seen`, one dict per `gray`: a grid already classified there (a quick
    read at shift 0 and then every shift) is not classified again."""
    from kiosk.credential import cellnet

    lines = list(lines)
    seen = {} if seen is None else seen

    def classify(line: CellLine) -> np.ndarray:
        key = (line.bounds.dtype.str, line.bounds.tobytes(), float(line.cy), float(line.slope))
        if key not in seen:
            crops = np.stack([cellnet.crop_cell(gray, *line.centre(i), line.width(i)) for i in range(line.cells)])
            seen[key] = cellnet.classify(crops)
        return seen[key]

    # the gaps between blurred characters fill in and can put the grid a third of a pitch off,
    # and a line may be printed a little off the others, at its own pitch: each line is read at
    # several shifts, and the shift that drifts linearly along the line (a phase and a pitch)
    # through the cells the classifier is surest of is where it is read
    def read_at(line: CellLine) -> tuple[float, CellLine, np.ndarray]:
        """(mean log confidence, the line as read, its cells' probabilities) at its best shift."""
        shifted = [CellLine(bounds=line.bounds + s * line.pitch, cy=line.cy, slope=line.slope) for s in shifts]
        reads = [classify(moved) for moved in shifted]
        sure = np.array([np.log(np.maximum(p.max(axis=1), 1e-9)) for p in reads])  # (shifts, cells)
        plain = int(sure.mean(axis=1).argmax())
        a, b, fitted_score = _drift(sure) if shifts == PHASE_SHIFTS else (0.0, 0.0, 0.0)
        if fitted_score > float(sure[plain].mean()) + 1e-6 and (abs(a) > 1e-6 or abs(b) > 1e-6):
            index = np.arange(line.cells + 1, dtype=np.float32)
            moved = CellLine(bounds=(line.bounds + (a + b * index) * line.pitch).astype(np.float32), cy=line.cy,
                             slope=line.slope)
            p = classify(moved)
            score = float(np.log(np.maximum(p.max(axis=1), 1e-9)).mean())
            if score >= float(sure[plain].mean()):
                return score, moved, p
        return float(sure[plain].mean()), shifted[plain], reads[plain]

    probs = []
    for i, line in enumerate(lines):
        grids = [line] + [CellLine(bounds=other, cy=line.cy, slope=line.slope) for other in line.others]
        _, lines[i], p = max((read_at(grid) for grid in grids), key=lambda read: read[0])
        probs.append(p)
    logs = np.log(np.maximum(probs[0], 1e-9))
    idmex = [ALPHABET.index(ch) for ch in "IDMEX"]
    starts = range(lines[0].cells - WIDTH + 1)
    first = max(starts, key=lambda o: sum(float(logs[o + j, k]) for j, k in enumerate(idmex)))
    left = float(lines[0].bounds[first])
    reads, offsets = [_line_read(probs[0], lines[0], first)], [first]
    for ln, p in zip(lines[1:], probs[1:]):
        # TD1 lines are left-aligned: the window whose first cell starts nearest line 1's
        offset = int(np.abs(ln.bounds[:-1] - left).argmin())
        if offset < 0 or offset + WIDTH > ln.cells:
            return None
        reads.append(_line_read(p, ln, offset))
        offsets.append(offset)
    _contrast(gray, reads, lines, offsets)
    return reads


def _contrast(gray: np.ndarray, reads: list[LineRead], lines: list[CellLine], offsets: list[int]) -> None:
    """Each read cell's ink contrast (the spread between the darkest and lightest pixels of its own
    pitch) over the block's median: a glyph washed out by glare reads low, whatever the classifier
    makes of it."""
    from kiosk.credential import cellnet

    spreads = []
    for line, offset in zip(lines, offsets):
        crops = [cellnet.crop_cell(gray, *line.centre(i), line.width(i)) for i in range(offset, offset + WIDTH)]
        own = np.stack(crops)[:, :, cellnet.CELL_W // 6:cellnet.CELL_W - cellnet.CELL_W // 6]  # the cell's own pitch
        dark, light = np.percentile(own.reshape(len(own), -1), [5, 95], axis=1)  # one call: 69 000 were 10 % of a hard read
        spreads.append(light - dark)
    median = max(float(np.median(np.concatenate(spreads))), 1.0)
    for read, spread in zip(reads, spreads):
        read.contrast = spread / median


DRIFT_PHASES = np.arange(-0.5, 0.5, 0.05)
DRIFT_SLOPES = np.arange(-0.03, 0.0301, 0.0025)  # pitches of drift per cell (a line 3 % off in pitch)


def _drift(sure: np.ndarray) -> tuple[float, float, float]:
    """(phase, slope, mean confidence) of the linear shift a + b * i, in pitches, that passes
    through the surest reads of `sure` (log confidence of each cell at each of PHASE_SHIFTS),
    each cell's confidence interpolated at its shift wrapped into one pitch."""
    shifts = np.asarray(PHASE_SHIFTS, np.float64)
    order = np.argsort(shifts)
    xs, table = shifts[order], sure[order]
    cells = sure.shape[1]
    idx = np.arange(cells)
    # every (slope, phase) at once: at[s, p, i] is cell i's shift on that line
    at = DRIFT_PHASES[None, :, None] + DRIFT_SLOPES[:, None, None] * idx[None, None, :]
    wrapped = (at + 0.5) % 1.0 - 0.5
    pos = np.clip(np.interp(wrapped, xs, np.arange(len(xs), dtype=np.float64)), 0, len(xs) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(xs) - 1)
    frac = pos - lo
    values = table[lo, idx] * (1 - frac) + table[hi, idx] * frac
    scores = values.mean(axis=2)
    s_best, p_best = np.unravel_index(int(scores.argmax()), scores.shape)
    return float(DRIFT_PHASES[p_best]), float(DRIFT_SLOPES[s_best]), float(scores[s_best, p_best])


def _line_read(probs: np.ndarray, line: CellLine, offset: int) -> LineRead:
    x, y = line.centre(offset)
    return LineRead(scores=scores_from_probabilities(probs[offset:offset + WIDTH]), left=float(line.bounds[offset]),
                    center_y=y, blur=0.0, whole=probs)
