"""Photographs of specimen cards as a kiosk camera would take them, plus the bad ones.

`photo_of_card` lays a card in a cluttered scene with rotation, perspective, blur, noise, JPEG and
uneven light; the other functions make the negatives the screening must catch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

FRAME_W, FRAME_H = 1280, 960


@dataclass(frozen=True)
class Difficulty:
    """How hard a photo is: card width as a fraction of the frame, and the damage applied."""

    width_frac: tuple[float, float]
    rotation: float  # degrees, +-
    perspective: float  # corner jitter as a fraction of card width
    blur: tuple[float, float]  # gaussian sigma in frame pixels
    noise: tuple[float, float]
    jpeg: tuple[int, int]
    light: float  # depth of the uneven-light gradient


DIFFICULTIES = {
    "easy": Difficulty((0.60, 0.80), 6, 0.02, (0.0, 0.7), (1, 4), (80, 95), 0.15),
    "medium": Difficulty((0.40, 0.80), 15, 0.05, (0.6, 1.4), (3, 7), (60, 85), 0.30),
    "hard": Difficulty((0.30, 0.36), 15, 0.06, (1.3, 2.0), (5, 10), (45, 70), 0.40),
}


def _background(rng: random.Random) -> np.ndarray:
    """A table: wood grain, cloth stripes or mottled stone, with clutter on it."""
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    kind = rng.choice(("wood", "cloth", "stone"))
    base = np.array([rng.randint(60, 200) for _ in range(3)], np.float32)
    if kind == "wood":
        grain = np.sin((yy + 25 * np.sin(xx / rng.uniform(90, 200))) / rng.uniform(4, 12))
        field = 0.8 + 0.2 * grain
    elif kind == "cloth":
        period = rng.uniform(20, 60)
        field = 0.75 + 0.25 * ((np.floor(xx / period) + np.floor(yy / period)) % 2)
    else:
        small = np.random.default_rng(rng.randint(0, 2**31)).random((FRAME_H // 16, FRAME_W // 16))
        field = 0.7 + 0.3 * cv2.resize(small.astype(np.float32), (FRAME_W, FRAME_H), interpolation=cv2.INTER_CUBIC)
    img = np.clip(field[..., None] * base[None, None, :], 0, 255).astype(np.uint8)
    for _ in range(rng.randint(3, 9)):
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        what = rng.choice(("paper", "coin", "pen", "box"))
        x, y = rng.randint(-100, FRAME_W), rng.randint(-100, FRAME_H)
        if what == "paper":
            w, h = rng.randint(150, 400), rng.randint(200, 500)
            box = cv2.boxPoints(((x, y), (w, h), rng.uniform(0, 90))).astype(np.int32)
            cv2.fillPoly(img, [box], (235, 235, 230))
            for k in range(8):
                cv2.line(img, (x - w // 3, y - h // 3 + k * 18), (x + w // 4, y - h // 3 + k * 18), (60, 60, 60), 2)
        elif what == "coin":
            cv2.circle(img, (x, y), rng.randint(20, 45), colour, -1)
        elif what == "pen":
            cv2.line(img, (x, y), (x + rng.randint(-300, 300), y + rng.randint(-300, 300)), colour, rng.randint(6, 14))
        else:
            cv2.rectangle(img, (x, y), (x + rng.randint(40, 200), y + rng.randint(40, 200)), colour, -1)
    return img


def _light(img: np.ndarray, depth: float, rng: random.Random) -> np.ndarray:
    """Uneven light: a linear gradient in a random direction and a soft bright spot."""
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / img.shape[1] + np.sin(angle) * yy / img.shape[0])
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    gain = 1.0 - depth * ramp
    cx, cy = rng.uniform(0, img.shape[1]), rng.uniform(0, img.shape[0])
    spot = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (img.shape[1] / 4) ** 2)))
    gain = gain + depth * 0.4 * spot
    return np.clip(img.astype(np.float32) * gain[..., None], 0, 255).astype(np.uint8)


def _degrade(img: np.ndarray, blur: float, noise: float, quality: int, rng: random.Random) -> np.ndarray:
    if blur > 0.05:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise > 0:
        gen = np.random.default_rng(rng.randint(0, 2**31))
        img = np.clip(img.astype(np.float32) + gen.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def photo_of_card(card: np.ndarray, difficulty: str, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """The card (BGR) photographed on a cluttered table; returns the photo and its 4 corners (TL,TR,BR,BL)."""
    d = DIFFICULTIES[difficulty]
    h, w = card.shape[:2]
    width = rng.uniform(*d.width_frac) * FRAME_W
    height = width * h / w
    angle = np.radians(rng.uniform(-d.rotation, d.rotation))
    half = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2], [-width / 2, height / 2]])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = half @ rot.T
    corners += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * d.perspective * width
    span = corners.max(axis=0) - corners.min(axis=0)
    margin = 12
    cx = rng.uniform(margin + span[0] / 2, FRAME_W - margin - span[0] / 2) if span[0] + 2 * margin < FRAME_W else FRAME_W / 2
    cy = rng.uniform(margin + span[1] / 2, FRAME_H - margin - span[1] / 2) if span[1] + 2 * margin < FRAME_H else FRAME_H / 2
    corners = (corners - (corners.max(axis=0) + corners.min(axis=0)) / 2 + [cx, cy]).astype(np.float32)
    scene = _background(rng)
    shadow = np.zeros(scene.shape[:2], np.float32)
    cv2.fillPoly(shadow, [(corners + 8).astype(np.int32)], 1.0)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 6)
    scene = (scene * (1 - 0.45 * shadow[..., None])).astype(np.uint8)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    warped = cv2.warpPerspective(card, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (FRAME_W, FRAME_H))
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    scene = (warped * alpha + scene * (1 - alpha)).astype(np.uint8)
    scene = _light(scene, d.light, rng)
    scene = _degrade(scene, rng.uniform(*d.blur), rng.uniform(*d.noise), rng.randint(*d.jpeg), rng)
    return scene, corners


def photocopy(card: np.ndarray, rng: random.Random) -> np.ndarray:
    """A photocopy of the card: grey (black-and-white copy) or washed-out colour, on paper."""
    if rng.random() < 0.5:
        grey = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
        grey = cv2.convertScaleAbs(grey, alpha=1.25, beta=-20)
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    washed = card.astype(np.float32) * 0.55 + 255 * 0.45
    hsv = cv2.cvtColor(washed.astype(np.uint8), cv2.COLOR_BGR2HSV)
    hsv[..., 1] = (hsv[..., 1] * 0.35).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def screen_photo(photo: np.ndarray, rng: random.Random) -> np.ndarray:
    """A picture of a screen showing the card: subpixel grid, moiré beats, glare and blue cast."""
    h, w = photo.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3.2, 5.5)
    angle = rng.uniform(-0.3, 0.3)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    grid = 0.78 + 0.22 * (0.5 + 0.5 * np.cos(2 * np.pi * u / period)) * (0.5 + 0.5 * np.cos(2 * np.pi * v / period))
    beat = 0.9 + 0.1 * np.cos(2 * np.pi * (u / rng.uniform(60, 140)) + v / rng.uniform(80, 200))
    img = photo.astype(np.float32) * (grid * beat)[..., None]
    img[..., 0] = img[..., 0] * 1.12 + 12  # blue cast of an LCD
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    glare = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (w / 10) ** 2)))
    img = img + 150 * glare[..., None]
    ok, data = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def empty_scene(rng: random.Random) -> np.ndarray:
    """A cluttered table with no card on it."""
    scene = _light(_background(rng), 0.3, rng)
    return _degrade(scene, 0.8, 4, 80, rng)
