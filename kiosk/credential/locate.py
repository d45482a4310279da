"""Find the card in a photo, rectify it to the ID-1 frame, and find its machine-readable lines.

The card is the largest convex quadrilateral with an ID-1 aspect ratio (85.6 x 54 mm); its sides
are refined by line fitting so the MRZ cells land where the glyph matcher expects them.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.credential.ocrb import CARD_H, CARD_W, CELL_H, PITCH

WORK_W = 640  # detection runs on a copy this wide
FINE_WORK_W = 960  # the second, finer search for a small card (reader._read_outline_cells)
ID1_ASPECT = 85.6 / 54.0


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Corners as TL, TR, BR, BL (the card is upright within +-45 degrees)."""
    pts = pts.reshape(4, 2).astype(np.float32)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # from -pi: TL, TR, BR, BL in image coordinates
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _aspect(quad: np.ndarray) -> float:
    top = np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])
    side = np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])
    return float(top / max(side, 1e-6))


def _work_gray(bgr: np.ndarray, work_w: int) -> tuple[np.ndarray, float]:
    """The frame as a smoothed grey copy `work_w` pixels wide, and its scale from the frame."""
    scale = work_w / bgr.shape[1]
    small = cv2.resize(bgr, (work_w, max(1, int(round(bgr.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0), scale


def find_card_quads(bgr: np.ndarray, limit: int = 3, work_w: int = WORK_W) -> list[np.ndarray]:
    """Candidate card corners (TL, TR, BR, BL, full-resolution pixels), most likely first.

    Candidates come from closed contours (as found, then snapped onto the edges), from pairs of
    long straight edges and from smooth regions (a card on a newspaper, whose edges merge with
    the print's); each is scored by how consistently its four sides separate a brighter or
    darker inside from the outside. The search runs on a copy `work_w` pixels wide
    (FINE_WORK_W: a small card's edges stay apart from a busy table's).
    """
    gray, scale = _work_gray(bgr, work_w)
    edges = cv2.Canny(gray, 25, 75)
    candidates = _contour_quads(edges, gray.shape)
    if not any(side_score(gray, q) > 0.45 for q in candidates):
        # a contour that closed around the card and a few squares of a checked cloth touching it:
        # its hull's sides stand off the card's by up to 10 pixels, where the sides score little;
        # snapped onto the edges they score 0.9 (dev 5660021, hard: nothing else found the card)
        candidates += [_snap(gray, q) for q in candidates]
        candidates += _line_quads(edges, gray.shape)
        candidates += [_snap(gray, q) for q in _smooth_quads(gray)]
    scored = []
    for quad in candidates:
        score = side_score(gray, quad)
        if score > 0.45:
            scored.append((score, quad))
    scored.sort(key=lambda item: -item[0])
    chosen: list[np.ndarray] = []
    for _, quad in scored:
        if any(np.linalg.norm(quad - q, axis=1).max() < 10 for q in chosen):
            continue
        chosen.append(quad)
        if len(chosen) == limit:
            break
    return [_refine(edges, quad) / scale for quad in chosen]


BRIGHT_LEVELS = (60, 75, 85, 92)  # grey-level percentiles above which a region may be the card (with Otsu's)


def find_bright_quads(bgr: np.ndarray, limit: int = 2, work_w: int = WORK_W) -> list[np.ndarray]:
    """Candidate card corners (TL, TR, BR, BL, full-resolution pixels) from bright regions: the
    card as the patch of frame lighter than several grey levels, its outline straightened to four
    sides (_four_sides) and snapped onto the edges, scored as find_card_quads scores its own. A
    cue of its own for a white card whose edge contours merge with what touches it (a dark object
    or a stripe of the table crossing its corner) and whose margins are too textured or blurred to
    be the smooth region _smooth_quads looks for (dev 5450016, hard, on a wood table)."""
    gray, scale = _work_gray(bgr, work_w)
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    scored: list[tuple[float, np.ndarray]] = []
    for level in sorted({float(otsu)} | {float(np.percentile(gray, p)) for p in BRIGHT_LEVELS}):
        mask = cv2.morphologyEx((gray > level).astype(np.uint8) * 255, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        for quad in _region_quads(mask):
            quad = _snap(gray, quad)
            score = side_score(gray, quad)
            if score > 0.45 and all(np.linalg.norm(quad - q, axis=1).max() >= 10 for _, q in scored):
                scored.append((score, quad))
    scored.sort(key=lambda item: -item[0])
    return [quad / scale for _, quad in scored[:limit]]


def _plausible(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    area = cv2.contourArea(quad.astype(np.float32))
    frame = float(shape[0] * shape[1])
    if not 0.04 * frame < area < 0.97 * frame:
        return False
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return False
    return 1.3 < _aspect(quad) < 1.95


def _contour_quads(edges: np.ndarray, shape: tuple[int, ...]) -> list[np.ndarray]:
    out = []
    dilated = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(dilated, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        if cv2.contourArea(contour) < 0.04 * shape[0] * shape[1]:
            continue
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = order_corners(approx)
            if _plausible(quad, shape):
                out.append(quad)
    return out


SMOOTH_STD = (4.0, 7.0)  # grey levels: local spread under which a patch counts as smooth (two tries)
SMOOTH_WINDOW = 9  # pixels (at WORK_W) over which the spread is measured


def _smooth_quads(gray: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals around smooth regions: a card's plain margins against a textured table. On a
    newspaper the print's edges touch the card's and no contour closes around it (dev 3400024),
    while the card is the only large patch of even grey there. The region lies a few pixels inside
    the card (the window's reach); _snap moves its sides out onto the edges."""
    g = cv2.GaussianBlur(gray, (0, 0), 1.5).astype(np.float32)
    mean = cv2.blur(g, (SMOOTH_WINDOW, SMOOTH_WINDOW))
    spread = np.sqrt(np.maximum(cv2.blur(g * g, (SMOOTH_WINDOW, SMOOTH_WINDOW)) - mean * mean, 0.0))
    out = []
    for limit in SMOOTH_STD:
        mask = cv2.morphologyEx((spread < limit).astype(np.uint8) * 255, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        out += _region_quads(mask)
    return out


def _region_quads(mask: np.ndarray) -> list[np.ndarray]:
    """The card-like quadrilaterals of a mask's regions: each at least 2 % of it, its outline
    straightened to four sides (_four_sides), with an ID-1 aspect and size (_plausible)."""
    out = []
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        if cv2.contourArea(contour) < 0.02 * mask.size:
            continue
        quad = _four_sides(contour)
        if quad is not None and _plausible(quad, mask.shape):
            out.append(quad)
    return out


def _four_sides(contour: np.ndarray) -> np.ndarray | None:
    """The contour's hull as four corners: the polygon's shortest side dropped, and its neighbours
    met, until four are left (a corner the QR's texture cut off the smooth region comes back)."""
    hull = cv2.convexHull(contour)
    poly = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    area = cv2.contourArea(poly.astype(np.float32))
    while len(poly) > 4:
        n = len(poly)
        i = int(np.argmin([np.linalg.norm(poly[(j + 1) % n] - poly[j]) for j in range(n)]))
        corner = _meet(poly[i - 1], poly[i] - poly[i - 1], poly[(i + 1) % n], poly[(i + 2) % n] - poly[(i + 1) % n])
        if corner is None:
            return None
        poly = np.array([corner if j == i else poly[j] for j in range(n) if j != (i + 1) % n])
    if len(poly) < 4 or cv2.contourArea(poly.astype(np.float32)) > 1.25 * area:
        return None
    return order_corners(poly)


def _meet(p1: np.ndarray, d1: np.ndarray, p2: np.ndarray, d2: np.ndarray) -> np.ndarray | None:
    """Where the line through p1 along d1 meets the line through p2 along d2 (None when parallel)."""
    m = np.array([d1, -d2]).T
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    return p1 + np.linalg.solve(m, p2 - p1)[0] * d1


SNAP_REACH = (-4, 12)  # pixels (at WORK_W) a side is moved along its normal, inward to outward


def _snap(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Each side moved, parallel to itself, to where grey levels change most across it."""
    g = gray.astype(np.float32)
    centre = quad.mean(axis=0)
    sides = []
    for i in range(4):
        a, b = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        normal = np.array([-(b - a)[1], (b - a)[0]]) / max(float(np.linalg.norm(b - a)), 1e-6)
        if np.dot(centre - (a + b) / 2, normal) > 0:
            normal = -normal  # outward
        pts = a + (b - a) * np.linspace(0.1, 0.9, 40)[:, None]
        steps = [abs(float(np.median(_sample(g, pts + normal * (o - 2)) - _sample(g, pts + normal * (o + 2)))))
                 for o in range(SNAP_REACH[0], SNAP_REACH[1] + 1)]
        offset = SNAP_REACH[0] + int(np.argmax(steps))
        sides.append((a + normal * offset, b - a))
    corners = [_meet(*sides[i - 1], *sides[i]) for i in range(4)]
    if any(c is None for c in corners):
        return quad
    return np.array(corners, np.float32)


def _line_quads(edges: np.ndarray, shape: tuple[int, ...], keep: int = 7) -> list[np.ndarray]:
    """Quadrilaterals from two near-horizontal and two near-vertical long edges."""
    segs = cv2.HoughLinesP(edges, 1, np.pi / 360, threshold=50, minLineLength=int(0.10 * shape[1]), maxLineGap=8)
    if segs is None:
        return []
    horizontal, vertical = [], []
    for x1, y1, x2, y2 in segs.reshape(-1, 4).astype(np.float32):
        length = float(np.hypot(x2 - x1, y2 - y1))
        angle = np.degrees(np.arctan2(y2 - y1, x2 - x1)) % 180
        line = (np.array([x1, y1]), np.array([x2 - x1, y2 - y1]) / length, length)
        if angle < 30 or angle > 150:
            horizontal.append(line)
        elif 60 < angle < 120:
            vertical.append(line)
    horizontal = _merge(horizontal, axis=1)[:keep]
    vertical = _merge(vertical, axis=0)[:keep]
    out = []
    for i, h1 in enumerate(horizontal):
        for h2 in horizontal[i + 1:]:
            top, bottom = (h1, h2) if _offset(h1, 1) < _offset(h2, 1) else (h2, h1)
            if _offset(bottom, 1) - _offset(top, 1) < 0.12 * shape[0]:
                continue
            for j, v1 in enumerate(vertical):
                for v2 in vertical[j + 1:]:
                    left, right = (v1, v2) if _offset(v1, 0) < _offset(v2, 0) else (v2, v1)
                    if _offset(right, 0) - _offset(left, 0) < 0.15 * shape[1]:
                        continue
                    corners = [_intersect(top, left), _intersect(top, right), _intersect(bottom, right), _intersect(bottom, left)]
                    if any(c is None for c in corners):
                        continue
                    quad = np.array(corners, np.float32)
                    if _plausible(quad, shape):
                        out.append(quad)
    return out


def _offset(line: tuple, axis: int) -> float:
    """Where a near-horizontal (axis=1: y at mid-frame) or near-vertical (axis=0: x) line sits."""
    point, direction, _ = line
    return float(point[axis] + direction[axis] * ((320 if axis == 1 else 240) - point[1 - axis]) / (direction[1 - axis] or 1e-6))


def _merge(lines: list, axis: int) -> list:
    """Join collinear segments; longest total first."""
    lines = sorted(lines, key=lambda ln: -ln[2])
    merged: list[list] = []
    for line in lines:
        for group in merged:
            same_angle = abs(float(np.dot(group[0][1], line[1]))) > np.cos(np.radians(3))
            if same_angle and abs(_offset(group[0], axis) - _offset(line, axis)) < 6:
                group.append(line)
                break
        else:
            merged.append([line])
    merged.sort(key=lambda g: -sum(ln[2] for ln in g))
    return [g[0] for g in merged]


def _intersect(a: tuple, b: tuple) -> np.ndarray | None:
    (p1, d1, _), (p2, d2, _) = a, b
    return _meet(p1, d1, p2, d2)


def side_score(gray: np.ndarray, quad: np.ndarray, samples: int = 40, step: float = 3.0) -> float:
    """Weakest side's share of points where inside and outside differ with one consistent sign."""
    centre = quad.mean(axis=0)
    worst = 1.0
    g = gray.astype(np.float32)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        t = np.linspace(0.08, 0.92, samples)[:, None]
        pts = a + (b - a) * t
        d = b - a
        normal = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-6)
        if np.dot(centre - (a + b) / 2, normal) < 0:
            normal = -normal
        inside = pts + normal * step
        outside = pts - normal * step
        diff = _sample(g, inside) - _sample(g, outside)
        strong = np.abs(diff) > 10
        consistent = max(int(np.sum(strong & (diff > 0))), int(np.sum(strong & (diff < 0))))
        worst = min(worst, consistent / samples)
    return worst


def _sample(g: np.ndarray, pts: np.ndarray) -> np.ndarray:
    x = np.clip(pts[:, 0], 0, g.shape[1] - 1).astype(np.int32)
    y = np.clip(pts[:, 1], 0, g.shape[0] - 1).astype(np.int32)
    return g[y, x]


def _refine(edges: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Fit a line to the edge pixels near each side and intersect neighbouring sides."""
    ys, xs = np.nonzero(edges)
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        normal = np.array([-d[1], d[0]]) / max(length, 1e-6)
        rel = points - a
        t = rel @ d / max(length**2, 1e-6)
        dist = np.abs(rel @ normal)
        near = points[(dist < 4) & (t > 0.1) & (t < 0.9)]
        if len(near) < 20:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    corners = [_meet(*lines[i - 1], *lines[i]) for i in range(4)]
    if any(c is None for c in corners):
        return quad
    refined = np.array(corners, np.float32)
    if np.linalg.norm(refined - quad, axis=1).max() > 8:
        return quad
    return refined


MRZ_INK = np.array([[60, 470], [952, 470], [952, 586], [60, 586]], np.float32)  # on the rectified card


def find_mrz_blocks(bgr: np.ndarray, limit: int = 3) -> list[np.ndarray]:
    """Card corners predicted from MRZ-like text blocks (three long dark lines), best first.

    Used when the card's own edges are lost in clutter: the TD1 MRZ sits at a fixed place on an
    ID-1 card, so its box tells where the card is (up to perspective, which the matcher absorbs).
    """
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    scale = 960 / gray.shape[1]
    small = cv2.resize(gray, (960, max(1, int(round(gray.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (21, 21)))
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    found: list[tuple[float, np.ndarray]] = []
    for kernel in ((9, 9), (17, 15), (27, 23)):
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            long_side, short_side = max(w, h), min(w, h)
            if long_side < 0.15 * small.shape[1] or short_side < 12:
                continue
            if not 5.0 < long_side / short_side < 11.0:
                continue
            fill = cv2.contourArea(contour) / max(w * h, 1.0)
            if fill < 0.6:
                continue
            box = order_corners(cv2.boxPoints(((cx, cy), (w, h), angle)))
            if np.linalg.norm(box[1] - box[0]) < np.linalg.norm(box[3] - box[0]):
                continue  # a vertical block is not an upright MRZ
            matrix = cv2.getPerspectiveTransform(MRZ_INK, box.astype(np.float32))
            card = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32).reshape(-1, 1, 2)
            quad = cv2.perspectiveTransform(card, matrix).reshape(4, 2)
            if any(np.linalg.norm(quad - q, axis=1).max() < 10 for _, q in found):
                continue
            found.append((fill * long_side, quad))
    found.sort(key=lambda item: -item[0])
    return [quad / scale for _, quad in found[:limit]]


def card_from_block(block_quad: np.ndarray) -> np.ndarray:
    """Card corners predicted from a found MRZ block (TL, TR, BR, BL): the TD1 zone spans the
    card's width at its bottom. Rough, but enough for the card's colours and a code search."""
    matrix = cv2.getPerspectiveTransform(MRZ_INK, block_quad.astype(np.float32))
    card = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(card, matrix).reshape(4, 2)


def card_transform(quad: np.ndarray) -> np.ndarray:
    """The homography from the frame to the straightened card (CARD_W x CARD_H) at `quad`."""
    dst = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)
    return cv2.getPerspectiveTransform(quad.astype(np.float32), dst)


def rectify(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The card seen straight on, CARD_W x CARD_H pixels."""
    return cv2.warpPerspective(bgr, card_transform(quad), (CARD_W, CARD_H), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def text_lines(gray: np.ndarray, top: float = 0.55) -> list[tuple[float, float, float]]:
    """Dark text rows in the lower part of a rectified card: (center_y, left_x, right_x)."""
    y_start = int(gray.shape[0] * top)
    region = gray[y_start:, 8:-8].astype(np.float32)
    background = cv2.dilate(region, np.ones((15, 15), np.uint8))
    ink = np.clip(background - region, 0, 255)
    threshold = max(25.0, float(np.percentile(ink, 99)) * 0.35)
    mask = (ink > threshold).astype(np.float32)
    rows = cv2.GaussianBlur(mask.sum(axis=1).reshape(-1, 1), (1, 7), 0).ravel()
    lines = []
    on = rows > max(40.0, rows.max() * 0.3)
    y = 0
    while y < len(on):
        if not on[y]:
            y += 1
            continue
        end = y
        while end < len(on) and on[end]:
            end += 1
        if 10 <= end - y <= CELL_H * 1.6:
            band = mask[y:end]
            cols = np.nonzero(cv2.dilate(band, np.ones((1, 9), np.uint8)).sum(axis=0) > 1)[0]
            if len(cols) > PITCH:
                # the longest run of columns with ink gaps under 1.2 cells
                runs, run_start = [], cols[0]
                for a, b in zip(cols[:-1], cols[1:]):
                    if b - a > PITCH * 1.2:
                        runs.append((run_start, a))
                        run_start = b
                runs.append((run_start, cols[-1]))
                left, right = max(runs, key=lambda r: r[1] - r[0])
                centre = y_start + (y + end) / 2
                lines.append((centre, float(left + 8), float(right + 8)))
        y = end
    return lines


QR_SIDE_PX = 110  # the region below a QR is resampled so that the QR's side is this many pixels
BELOW_QR = (-5.5, 6.5, 0.6, 4.8)  # left, right, top, bottom of that region, in QR sides from its top-left
# the same band on one side only, the QR at the card's left end, then at its right: print or a
# busy table beside the card merged with the MRZ's lines in the wide band (dev 5020013, hard, a
# card on a newspaper: no text block found in the wide band, the MRZ found in the first of these)
BELOW_QR_ONE_SIDE = ((-0.7, 5.5, 0.6, 4.8), (-4.5, 1.7, 0.6, 4.8))


def region_below_code(corners, scale_to: float = QR_SIDE_PX,
                      region: tuple[float, float, float, float] = BELOW_QR) -> tuple[np.ndarray, tuple[int, int]]:
    """An upright view of the band under a QR, where the MRZ of an ID-1 back lies (the card is
    read upright with its QR: the code's own orientation gives the card's), and how big it is.

    The QR's side sets the scale, so a far card's MRZ comes out as large as a near one's; the
    band reaches across both sides since the QR may be at either end (`region`, in QR sides: a
    band on one side only, BELOW_QR_ONE_SIDE). Returns the 2x3 affine
    matrix (frame to view) and the view's (width, height)."""
    tl, tr, _, bl = (np.array(c, np.float64) for c in corners)
    u, v = tr - tl, bl - tl
    left, right, top, bottom = region
    origin = tl + left * u + top * v
    src = np.array([origin, origin + (right - left) * u, origin + (bottom - top) * v], np.float32)
    width, height = int((right - left) * scale_to), int((bottom - top) * scale_to)
    dst = np.array([[0, 0], [width, 0], [0, height]], np.float32)
    return cv2.getAffineTransform(src, dst), (width, height)
