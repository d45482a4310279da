"""Synthetic paper pages and photos of them on a cluttered table, with known page corners.

Deterministic (seeded). Used by the simulated scanner, the camera document mode tests and the demo.
"""

from __future__ import annotations

import cv2
import numpy as np

WORDS = ("MUESTRA apoyo ciudadano nombre apellido clave elector folio seccion firma "
         "cedula registro municipio entidad fecha auxiliar proceso ficticio").split()
PAGE_SIZE = (850, 1100)  # width, height: letter paper at 100 dpi


def synthetic_page(seed: int, size: tuple[int, int] = PAGE_SIZE) -> np.ndarray:
    """A white page with a title, a ruled table and lines of fictitious text (BGR)."""
    rng = np.random.default_rng(seed)
    width, height = size
    page = np.full((height, width, 3), 250, np.uint8)
    unit = width / 850
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(page, "CEDULA DE APOYO - MUESTRA", (int(60 * unit), int(90 * unit)), font,
                1.1 * unit, (20, 20, 20), max(1, int(2 * unit)), cv2.LINE_AA)
    top, row = int(140 * unit), int(46 * unit)
    rows = int(rng.integers(12, 18))
    for index in range(rows):
        y = top + index * row
        if y + row > height - 60 * unit:
            break
        cv2.line(page, (int(50 * unit), y + row), (width - int(50 * unit), y + row), (90, 90, 90), 1)
        words = " ".join(rng.choice(WORDS, size=int(rng.integers(3, 6))))
        cv2.putText(page, f"{index + 1:02d} {words}", (int(60 * unit), y + int(32 * unit)), font,
                    0.7 * unit, (30, 30, 30), max(1, int(2 * unit)), cv2.LINE_AA)
    cv2.rectangle(page, (int(50 * unit), top), (width - int(50 * unit), top + rows * row),
                  (60, 60, 60), max(1, int(2 * unit)))
    return page


def _table(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A darker, textured, cluttered background: wood-ish gradient, objects, pens, noise."""
    width, height = size
    base = np.array(rng.uniform([40, 60, 80], [90, 110, 140]), np.float32)
    grain = np.sin(np.linspace(0, rng.uniform(20, 60), width))[None, :, None] * 12
    image = np.broadcast_to(base, (height, width, 3)) + grain.astype(np.float32)
    image = image + 6 * rng.standard_normal((height, width, 1), dtype=np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(12, 25))):
        color = tuple(int(c) for c in rng.uniform(0, 200, 3))
        kind = rng.integers(0, 3)
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        if kind == 0:
            cv2.circle(image, (x, y), int(rng.uniform(10, 80)), color, -1)
        elif kind == 1:
            cv2.rectangle(image, (x, y), (x + int(rng.uniform(20, 150)), y + int(rng.uniform(10, 90))),
                          color, -1)
        else:
            cv2.line(image, (x, y), (x + int(rng.uniform(-300, 300)), y + int(rng.uniform(-300, 300))),
                     color, int(rng.integers(2, 9)))
    return image


def photograph_page(page: np.ndarray, seed: int, *, angle: float | None = None,
                    tilt: float = 15.0, size: tuple[int, int] = (1600, 1200),
                    ) -> tuple[np.ndarray, np.ndarray]:
    """`page` lying on a cluttered table, photographed by a pinhole camera: turned by `angle`
    degrees in its plane (random within ±15° when None) and tilted up to `tilt` degrees towards
    the camera (perspective). Returns the photo and the page corners (TL, TR, BR, BL)."""
    rng = np.random.default_rng(seed)
    width, height = size
    ph, pw = page.shape[:2]
    angle = float(rng.uniform(-15, 15)) if angle is None else angle
    focal = 1.1 * width
    scale = min(width, height) * rng.uniform(0.7, 0.8) / max(pw, ph)
    half = np.array([[-pw, -ph, 0], [pw, -ph, 0], [pw, ph, 0], [-pw, ph, 0]], float) / 2 * scale
    a, tx, ty = np.deg2rad([angle, rng.uniform(-tilt, tilt), rng.uniform(-tilt, tilt)])
    spin = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    pitch = np.array([[1, 0, 0], [0, np.cos(tx), -np.sin(tx)], [0, np.sin(tx), np.cos(tx)]])
    yaw = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    shift = np.array([*(rng.uniform(-0.04, 0.04, 2) * [width, height]), focal])
    world = half @ (yaw @ pitch @ spin).T + shift
    center = np.array([width / 2, height / 2])
    corners = world[:, :2] / world[:, 2:] * focal + center
    source = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(page, matrix, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, size)
    photo = _table(rng, size)
    photo[mask > 127] = warped[mask > 127]
    light = np.linspace(rng.uniform(0.75, 0.9), rng.uniform(1.0, 1.1), width,
                        dtype=np.float32)[None, :, None]
    noise = 3 * rng.standard_normal((height, width, 1), dtype=np.float32)
    photo = np.clip(photo * light + noise, 0, 255).astype(np.uint8)
    photo = cv2.GaussianBlur(photo, (3, 3), 0)
    return photo, corners.astype(np.float32)
