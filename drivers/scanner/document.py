"""Camera document mode: find the page in a photo (largest quadrilateral), flatten the
perspective, straighten the residual skew and even out the lighting.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from drivers.errors import EMPTY, DeviceError
from drivers.scanner.base import Page

log = logging.getLogger(__name__)

DETECT_SIDE = 800  # long side of the working copy used for detection
MIN_PAGE_FRACTION = 0.15  # of the photo area


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float32)
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(diff)],
                     points[np.argmax(total)], points[np.argmax(diff)]], np.float32)


def _candidates(image: np.ndarray) -> list[np.ndarray]:
    """Binary masks where the page may stand out: bright unsaturated paper, bright regions,
    closed edges. Opening cuts off thin things touching the page (pens, cables)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    sources = [blurred]
    if image.ndim == 3:
        saturation = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)[:, :, 1]
        paper = cv2.subtract(blurred, cv2.GaussianBlur(saturation, (5, 5), 0))
        sources.insert(0, paper)
    opening = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    closing = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    masks = [cv2.threshold(source, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
             for source in sources]
    masks.append(cv2.Canny(blurred, 40, 120))
    solid = []
    for mask in masks:
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, closing)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(mask)
        cv2.drawContours(filled, contours, -1, 255, cv2.FILLED)
        solid.append(cv2.morphologyEx(filled, cv2.MORPH_OPEN, opening))
    return solid


def _line_through(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0]), np.array([vx, vy])


def _intersect(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray],
               ) -> np.ndarray | None:
    (p1, d1), (p2, d2) = first, second
    matrix = np.array([d1, -d2]).T
    if abs(np.linalg.det(matrix)) < 1e-3:
        return None
    s, _ = np.linalg.solve(matrix, p2 - p1)
    return p1 + s * d1


def _quad_from_sides(contour: np.ndarray) -> np.ndarray | None:
    """Four corners from the four longest straight runs of a contour, extended and intersected.
    Unlike polygon simplification this ignores things that overlap a corner of the page."""
    points = contour.reshape(-1, 2).astype(np.float32)
    poly = cv2.approxPolyDP(contour, 0.004 * cv2.arcLength(contour, True), True).reshape(-1, 2)
    if len(poly) < 4:
        return None
    segments = sorted(((poly[i].astype(float), poly[(i + 1) % len(poly)].astype(float))
                       for i in range(len(poly))),
                      key=lambda seg: -np.linalg.norm(seg[1] - seg[0]))
    sides: list[tuple[np.ndarray, np.ndarray]] = []
    for a, b in segments:
        direction = (b - a) / max(np.linalg.norm(b - a), 1e-6)
        normal = np.array([-direction[1], direction[0]])
        if any(abs(float(normal @ d)) < np.sin(np.deg2rad(12)) and abs(float(normal @ (p - a))) < 15
               for p, d in sides):
            continue
        near = np.abs((points - a) @ normal) < 3
        sides.append(_line_through(points[near]) if near.sum() >= 2 else (a, direction))
        if len(sides) == 4:
            break
    if len(sides) < 4:
        return None
    center = points.mean(axis=0)
    sides.sort(key=lambda side: float(np.arctan2(*(side[0] - center)[::-1])))
    corners = [_intersect(sides[i - 1], sides[i]) for i in range(4)]
    if any(corner is None for corner in corners):
        return None
    quad = np.array(corners, np.float32).reshape(4, 1, 2)
    return quad if cv2.isContourConvex(quad) else None


def _quad(contour: np.ndarray) -> np.ndarray | None:
    """A 4-vertex convex approximation of a contour, or None."""
    from_sides = _quad_from_sides(contour)
    if from_sides is not None:
        return from_sides
    perimeter = cv2.arcLength(contour, True)
    for epsilon in (0.01, 0.02, 0.03, 0.04, 0.06):
        approx = cv2.approxPolyDP(contour, epsilon * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return approx
        if len(approx) < 4:
            return None
    return None


def _best_quad(masks: list[np.ndarray], area_total: float) -> np.ndarray | None:
    """The largest quadrilateral over all masks that the contour fills well."""
    best, best_score = None, 0.0
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            area = cv2.contourArea(contour)
            if area < MIN_PAGE_FRACTION * area_total:
                break
            quad = _quad(contour)
            if quad is None:
                continue
            quad_area = cv2.contourArea(quad)
            fill = min(area, quad_area) / max(area, quad_area, 1.0)
            if quad_area > 0.98 * area_total or fill < 0.9:
                continue
            score = quad_area * fill**4
            if score > best_score:
                best, best_score = quad, score
    return best


def _refine(quad: np.ndarray, edges: np.ndarray, band: float = 6.0) -> np.ndarray:
    """Corners moved onto the page edges: a robust line fit to the edge pixels near each side
    (the middle 80 % of it), then adjacent lines intersected."""
    corners = order_corners(quad)
    ys, xs = np.nonzero(edges)
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    lines = []
    for index in range(4):
        a, b = corners[index], corners[(index + 1) % 4]
        direction = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
        normal = np.array([-direction[1], direction[0]], np.float32)
        along = (points - a) @ direction
        near = (np.abs((points - a) @ normal) <= band) & (along > 0.1 * np.linalg.norm(b - a)) \
            & (along < 0.9 * np.linalg.norm(b - a))
        if near.sum() < 20:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(points[near], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    refined = []
    for index in range(4):
        (p1, d1), (p2, d2) = lines[index - 1], lines[index]
        matrix = np.array([d1, -d2]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return corners
        s, _ = np.linalg.solve(matrix, p2 - p1)
        refined.append(p1 + s * d1)
    refined = np.array(refined, np.float32)
    if np.abs(refined - corners).max() > 4 * band:
        return corners
    return refined


def _looks_like_paper(gray: np.ndarray, quad: np.ndarray) -> bool:
    """Paper is brighter than what surrounds it: the inside median beats the outside by 25."""
    inside = np.zeros_like(gray)
    cv2.fillConvexPoly(inside, quad.reshape(-1, 2).astype(np.int32), 255)
    outside = cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_RECT, (41, 41))) - inside
    if not outside.any():
        return True
    return float(np.median(gray[inside > 0])) >= float(np.median(gray[outside > 0])) + 25


def detect_page(image: np.ndarray) -> np.ndarray | None:
    """The page corners (TL, TR, BR, BL) in image pixels, or None when no page is found."""
    height, width = image.shape[:2]
    factor = DETECT_SIDE / max(height, width)
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) \
        if factor < 1 else image
    factor = min(factor, 1.0)
    quad = _best_quad(_candidates(small), float(small.shape[0] * small.shape[1]))
    if quad is None:
        return None
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    if not _looks_like_paper(gray, quad):
        return None
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    return _refine(quad.astype(np.float32), edges) / factor


def page_aspect(corners: np.ndarray, image_size: tuple[int, int]) -> float | None:
    """The true width/height of the photographed rectangle (Zhang & He, "Whiteboard scanning
    and image enhancement", 2007), assuming square pixels and the principal point at the image
    centre; None when the view is too close to frontal to tell (then side lengths are used)."""
    center = np.array([image_size[0] / 2, image_size[1] / 2])
    tl, tr, br, bl = (np.array([*(point - center), 1.0]) for point in corners)
    denominator2, denominator3 = np.cross(tr, br) @ bl, np.cross(bl, br) @ tr
    if abs(denominator2) < 1e-9 or abs(denominator3) < 1e-9:
        return None
    k2 = (np.cross(tl, br) @ bl) / denominator2
    k3 = (np.cross(tl, br) @ tr) / denominator3
    n2, n3 = k2 * tr - tl, k3 * bl - tl
    if abs(n2[2] * n3[2]) < 1e-6:
        return None
    focal2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
    if not 0.25 * max(image_size) ** 2 < focal2 < 25 * max(image_size) ** 2:
        return None
    length2 = (n2[0] ** 2 + n2[1] ** 2) / focal2 + n2[2] ** 2
    length3 = (n3[0] ** 2 + n3[1] ** 2) / focal2 + n3[2] ** 2
    return float(np.sqrt(length2 / length3))


def warp_page(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The quadrilateral `corners` (TL, TR, BR, BL) flattened to a rectangle of the page's
    true proportions when the perspective allows estimating them."""
    tl, tr, br, bl = corners
    width = int(round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = int(round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    aspect = page_aspect(corners, (image.shape[1], image.shape[0]))
    if aspect is not None and 0.2 < aspect < 5:
        height = int(round(width / aspect))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


def estimate_skew(page: np.ndarray, limit: float = 5.0, step: float = 0.25) -> float:
    """Residual text skew in degrees (rotate by minus this to straighten): the angle whose
    row-projection of the ink is sharpest."""
    gray = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    factor = min(1.0, 600 / max(gray.shape))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    center = (small.shape[1] / 2, small.shape[0] / 2)
    best_angle, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + step / 2, step):
        matrix = cv2.getRotationMatrix2D(center, float(angle), 1.0)
        rotated = cv2.warpAffine(ink, matrix, (small.shape[1], small.shape[0]))
        score = float(np.var(rotated.sum(axis=1, dtype=np.float64)))
        if score > best_score:
            best_angle, best_score = float(angle), score
    return -best_angle


def deskew(page: np.ndarray, angle: float) -> np.ndarray:
    """`page` rotated by -`angle` degrees about its centre, same size, edges replicated."""
    if abs(angle) < 0.2:
        return page
    center = (page.shape[1] / 2, page.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(center, angle, 1.0)
    return cv2.warpAffine(page, matrix, (page.shape[1], page.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def normalize_contrast(page: np.ndarray) -> np.ndarray:
    """Divide out uneven lighting (paper becomes white) and stretch ink to black."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    background = cv2.medianBlur(cv2.dilate(page, kernel), 31).astype(np.float32)
    flat = page.astype(np.float32) / np.maximum(background, 1.0) * 255.0
    low = np.percentile(flat, 1)
    stretched = (flat - low) * (255.0 / max(255.0 - low, 1.0))
    return np.clip(stretched, 0, 255).astype(np.uint8)


def rectify_page(image: np.ndarray, corners: np.ndarray | None = None) -> Page:
    """The page in a photo, flat, straight and evenly lit; DeviceError("empty") if none is found."""
    corners = detect_page(image) if corners is None else corners
    if corners is None:
        raise DeviceError(EMPTY, "no page found in the camera frame", device="scanner")
    page = warp_page(image, corners)
    page = deskew(page, estimate_skew(page))
    return normalize_contrast(page)


class CameraDocumentScanner:
    """A scanner made of a camera: each `scan()` captures a frame and returns the rectified page."""

    def __init__(self, camera) -> None:  # noqa: ANN001 - any drivers.camera.Camera
        self.camera = camera

    def scan(self) -> list[Page]:
        """One page from one photo."""
        return [rectify_page(self.camera.capture())]

    def close(self) -> None:
        """Close the camera."""
        self.camera.close()

    def __enter__(self) -> "CameraDocumentScanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
