"""Signs that a live photo shows a picture rather than a person: a print, a screen or a card.

Looks for a straight four-sided border that closes around the face, and for card proportions.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.quality.detector import Box

ID1_ASPECT = 85.6 / 54.0  # Credencial para Votar, ISO/IEC 7810 ID-1


def enclosing_quad(gray: np.ndarray, face: Box) -> np.ndarray | None:
    """The smallest convex quadrilateral edge contour that contains the face with room to spare."""
    h, w = gray.shape[:2]
    fx, fy, fw, fh = face
    face_area = fw * fh
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    near_edges = cv2.dilate(edges, np.ones((7, 7), np.uint8))  # tolerance for the polygon fit
    corners = [(fx, fy), (fx + fw, fy), (fx, fy + fh), (fx + fw, fy + fh)]
    best: tuple[float, np.ndarray] | None = None
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 3.0 * face_area or area > 0.9 * w * h:
            continue
        quad = cv2.approxPolyDP(contour, 0.03 * cv2.arcLength(contour, True), True)
        if len(quad) != 4 or not cv2.isContourConvex(quad):
            continue
        if not all(cv2.pointPolygonTest(quad, (float(px), float(py)), False) > 0 for px, py in corners):
            continue
        if not _is_straight_border(near_edges, quad.reshape(4, 2)):
            continue
        if best is None or area < best[0]:
            best = (area, quad.reshape(4, 2))
    return None if best is None else best[1]


def quad_aspect(quad: np.ndarray) -> float:
    """Long side over short side of a quadrilateral, from its rotated bounding rectangle."""
    (_, _), (a, b), _ = cv2.minAreaRect(quad.astype(np.float32))
    return max(a, b) / max(1.0, min(a, b))


def _is_straight_border(edges: np.ndarray, quad: np.ndarray) -> bool:
    """Near-right corners, and every side lying on edge pixels along most of its length."""
    for i in range(4):
        a, b, c = quad[i - 1].astype(float), quad[i].astype(float), quad[(i + 1) % 4].astype(float)
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / max(1e-6, np.linalg.norm(u) * np.linalg.norm(v)))
        if abs(cos) > 0.45:  # corner angle outside about 63°-117°
            return False
    h, w = edges.shape[:2]
    for i in range(4):
        p, q = quad[i].astype(float), quad[(i + 1) % 4].astype(float)
        samples = np.linspace(0.05, 0.95, 40)
        xs = np.clip((p[0] + (q[0] - p[0]) * samples).round().astype(int), 0, w - 1)
        ys = np.clip((p[1] + (q[1] - p[1]) * samples).round().astype(int), 0, h - 1)
        if float((edges[ys, xs] > 0).mean()) < 0.8:
            return False
    return True
