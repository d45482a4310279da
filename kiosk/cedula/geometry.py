"""Where things are on a scanned cédula: the table's corners, its rows and columns, the header.

The ruled grid is the largest connected ink component on the page; its four corners give one
perspective transform that deskews the whole page, then morphology finds the ruling lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

TABLE_WIDTH = 1880  # the table is warped to this width whatever the scan resolution
HEADER_BAND = 0.16  # height of the page band kept above the table, as a share of TABLE_WIDTH
SIDE_MARGIN = 0.02
EXPECTED_COLUMNS = 6


class TableNotFound(Exception):
    """No ruled table with the cédula's columns could be found in the image."""


@dataclass(frozen=True)
class Layout:
    """A deskewed page: `page` (gray) holds the header band, then the table at `table_box`."""

    page: np.ndarray
    table_box: tuple[int, int, int, int]  # x0, y0, x1, y1 in `page`
    row_edges: list[int]  # y of each horizontal ruling inside the table (header first)
    col_edges: list[int]  # x of each vertical ruling inside the table

    @property
    def header(self) -> np.ndarray:
        return self.page[: self.table_box[1], :]

    def cell(self, row: int, col: int, inset: int = 7) -> np.ndarray:
        """Gray crop of a data row (0-based, header excluded) and column, inside its rulings."""
        x0, y0 = self.table_box[:2]
        top, bottom = self.row_edges[row + 1], self.row_edges[row + 2]
        left, right = self.col_edges[col], self.col_edges[col + 1]
        return self.page[y0 + top + inset: y0 + bottom - inset, x0 + left + inset: x0 + right - inset]

    def row_box(self, row: int, pad: int = 4) -> tuple[int, int, int, int]:
        x0, y0, x1, _ = self.table_box
        top, bottom = self.row_edges[row + 1], self.row_edges[row + 2]
        return x0, max(0, y0 + top - pad), x1, y0 + bottom + pad

    @property
    def rows(self) -> int:
        return len(self.row_edges) - 2


def binarize(gray: np.ndarray, stroke: int = 15, floor: int = 30) -> np.ndarray:
    """Thin dark strokes as 255 on 0 (black-hat): blind to gray paper, shading and paper edges."""
    smooth = cv2.GaussianBlur(gray, (0, 0), 1.0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (stroke, stroke))
    hat = cv2.morphologyEx(smooth, cv2.MORPH_BLACKHAT, kernel)
    level = max(floor, int(0.35 * np.percentile(hat, 99.5)))
    return np.where(hat > level, 255, 0).astype(np.uint8)


def _grid_corners(gray: np.ndarray) -> np.ndarray:
    ink = binarize(gray)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        raise TableNotFound("no ink")
    areas = stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]
    label = 1 + int(np.argmax(areas))
    if areas[label - 1] < 0.15 * gray.shape[0] * gray.shape[1]:
        raise TableNotFound("largest ruled component too small")
    ys, xs = np.nonzero(labels == label)
    pts = np.stack([xs, ys], axis=1).astype(np.float32)
    s, d = pts[:, 0] + pts[:, 1], pts[:, 0] - pts[:, 1]
    return np.float32([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]])


def _line_positions(mask: np.ndarray, axis: int, share: float) -> list[int]:
    """Centers of runs of rows (axis=1) or columns (axis=0) whose ink covers `share` of the span."""
    profile = mask.sum(axis=axis) / 255.0
    span = mask.shape[axis]
    hits = np.nonzero(profile > share * span)[0]
    positions: list[int] = []
    run: list[int] = []
    for idx in hits:
        if run and idx - run[-1] > 3:
            positions.append(int(np.mean(run)))
            run = []
        run.append(int(idx))
    if run:
        positions.append(int(np.mean(run)))
    return positions


def _merge_close(edges: list[int], min_gap: int) -> list[int]:
    merged: list[int] = []
    for e in edges:
        if merged and e - merged[-1] < min_gap:
            merged[-1] = (merged[-1] + e) // 2
        else:
            merged.append(e)
    return merged


def find_layout(image_bgr: np.ndarray) -> Layout:
    """Deskew the page on the table's corners and locate every ruling; raises TableNotFound."""
    gray = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    tl, tr, br, bl = corners = _grid_corners(gray)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    if width < 200 or height < 100:
        raise TableNotFound("table too small")
    tw, th = TABLE_WIDTH, int(round(TABLE_WIDTH * height / width))
    band, side = int(HEADER_BAND * tw), int(SIDE_MARGIN * tw)
    target = np.float32([[side, band], [side + tw, band], [side + tw, band + th], [side, band + th]])
    matrix = cv2.getPerspectiveTransform(corners, target)
    page = cv2.warpPerspective(gray, matrix, (tw + 2 * side, band + th + side), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    table = page[band: band + th + 1, side: side + tw + 1]
    ink = binarize(table)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (tw // 12, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, th // 12)))
    rows = _merge_close(_line_positions(horizontal, 1, 0.5), th // 40)
    cols = _merge_close(_line_positions(vertical, 0, 0.5), tw // 60)
    log.debug("cedula layout: %d horizontal, %d vertical rulings", len(rows), len(cols))
    if len(cols) != EXPECTED_COLUMNS + 1 or len(rows) < 3:
        raise TableNotFound(f"{len(rows)} horizontal and {len(cols)} vertical rulings")
    return Layout(page, (side, band, side + tw, band + th), rows, cols)
