"""The MRZ cell classifier (kiosk/credential/cellnet.py) on lines rendered here, at test time, in the
fonts the cards use (Debian fonts-ocr-b, fonts-dejavu-core, fonts-liberation), cut with crop_cell.
The renderer below is deliberately plainer than the training one (tools/train_mrz_cells.py) and
uses its own seeds, so these lines were never trained on.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from kiosk.credential import cellnet
from kiosk.credential.cellnet import ALPHABET, CELL_H, CELL_W, classify, crop_cell
from kiosk.fonts import ocrb_font_path

ROOT = Path(__file__).resolve().parents[2]
CARD_FONTS = [
    ocrb_font_path(),
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
]


def td1_like(rng: np.random.Generator) -> str:
    """30 characters: a digit run, a letter run and '<' fill, as on the three TD1 lines."""
    digits = "".join(rng.choice(list("0123456789"), int(rng.integers(6, 14))))
    letters = "".join(rng.choice(list(ALPHABET[10:36]), int(rng.integers(5, 12))))
    mixed = "".join(rng.choice(list(ALPHABET), 8))
    return (letters + "<" * int(rng.integers(1, 4)) + digits + mixed + "<" * 30)[:30]


def render_line(font_path: str, text: str, pitch: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Black text on white at `pitch` pixels per character; the centre of every cell."""
    size = 10
    while ImageFont.truetype(font_path, size + 1).getlength("0") <= pitch:
        size += 1
    font = ImageFont.truetype(font_path, size)
    adv = font.getlength("0")
    cap = -font.getbbox("H", anchor="ls")[1]
    margin = 2 * pitch
    img = Image.new("L", (int(len(text) * adv + 2 * margin), int(3 * pitch + cap)), 255)
    draw = ImageDraw.Draw(img)
    base = 1.5 * pitch + cap
    for i, ch in enumerate(text):
        draw.text((margin + i * adv, base), ch, font=font, fill=0, anchor="ls")
    return np.asarray(img), [(margin + (i + 0.5) * adv, base - cap / 2) for i in range(len(text))]


def cells_of(seed: int, pitches, degrade=None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cells, labels = [], []
    for font in CARD_FONTS:
        for pitch in pitches:
            text = td1_like(rng)
            gray, centres = render_line(font, text, pitch)
            if degrade is not None:
                gray = degrade(gray, pitch, rng)
            for (cx, cy), ch in zip(centres, text):
                cells.append(crop_cell(gray, cx, cy, pitch))
                labels.append(ALPHABET.index(ch))
    return np.stack(cells), np.array(labels)


def blur_jpeg_low_contrast(gray: np.ndarray, pitch: int, rng: np.random.Generator) -> np.ndarray:
    img = gray.astype(np.float32) / 255
    img = 0.75 + (img - 1) * 0.3  # ink at 30 % contrast on a mid-light paper
    img = cv2.GaussianBlur(img, (0, 0), 0.12 * pitch)
    img = img + rng.normal(0, 0.01, img.shape)
    ok, buf = cv2.imencode(".jpg", np.clip(img * 255, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 50])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def top_k(p: np.ndarray, y: np.ndarray, k: int) -> float:
    order = np.argsort(-p, axis=1)[:, :k]
    return float((order == y[:, None]).any(axis=1).mean())


def test_clean_lines_in_the_card_fonts():
    """Measured 99.5–99.8 % top-1 (the misses: O/0) and 100 % top-2 on four seeds of 600 cells."""
    x, y = cells_of(7001, pitches=(12, 16, 22, 30))
    p = classify(x)
    assert p.shape == (len(y), 37) and p.dtype == np.float32
    assert np.allclose(p.sum(axis=1), 1, atol=1e-4)
    assert top_k(p, y, 1) >= 0.99


def test_blurred_low_contrast_jpeg_lines():
    """Measured 99.3–99.8 % top-1 and ≥ 99.8 % top-2 on four seeds; the thresholds keep a margin."""
    x, y = cells_of(7002, pitches=(12, 16, 22, 30), degrade=blur_jpeg_low_contrast)
    p = classify(x)
    assert top_k(p, y, 1) >= 0.97
    assert top_k(p, y, 2) >= 0.99


def test_an_imperfect_segmenter_is_tolerated():
    """Every cell of a line shifted by up to ±0.12 pitch sideways, ±0.1 up or down, pitch off by ±7 %."""
    rng = np.random.default_rng(7004)
    cells, labels = [], []
    for font in CARD_FONTS:
        for pitch in (14, 20, 28):
            text = td1_like(rng)
            gray, centres = render_line(font, text, pitch)
            dx, dy, k = rng.uniform(-0.12, 0.12), rng.uniform(-0.1, 0.1), rng.uniform(0.93, 1.07)
            for (cx, cy), ch in zip(centres, text):
                cells.append(crop_cell(gray, cx + dx * pitch, cy + dy * pitch, pitch * k))
                labels.append(ALPHABET.index(ch))
    assert top_k(classify(np.stack(cells)), np.array(labels), 1) >= 0.98


def test_right_answer_is_confident_and_wrong_answers_are_not():
    """Calibration that the check-digit decoder relies on: clean cells are read with high confidence."""
    x, y = cells_of(7003, pitches=(16, 24))
    p = classify(x)
    assert float(np.median(p[np.arange(len(y)), y])) > 0.9


def test_empty_batch_and_blank_cells():
    assert classify(np.zeros((0, CELL_H, CELL_W), np.uint8)).shape == (0, 37)
    blank = np.stack([np.full((CELL_H, CELL_W), v, np.uint8) for v in (0, 255, 128)])
    p = classify(blank)
    assert np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1, atol=1e-4)


def test_wrong_shape_is_refused():
    with pytest.raises(ValueError):
        classify(np.zeros((3, 24, 32), np.uint8))


def test_crop_cell_is_centred_and_spans_one_and_a_half_pitches():
    gray = np.full((200, 400), 255, np.uint8)
    cx, cy, pitch = 150.0, 100.0, 40.0
    gray[98:102, 148:152] = 0  # a dot on the cell centre
    gray[:, int(cx - 0.75 * pitch) - 1 : int(cx - 0.75 * pitch) + 1] = 0  # bars on the crop's sides
    gray[:, int(cx + 0.75 * pitch) - 1 : int(cx + 0.75 * pitch) + 1] = 0
    cell = crop_cell(gray, cx, cy, pitch)
    assert cell.shape == (CELL_H, CELL_W) and cell.dtype == np.uint8
    mid = cell[CELL_H // 2 - 1 : CELL_H // 2 + 1, CELL_W // 2 - 1 : CELL_W // 2 + 1]
    assert mid.mean() < 160
    cols = cell.mean(axis=0)
    assert cols[0] < 200 and cols[-1] < 200  # the side bars sit on the crop's edges
    assert cols[3:-3].min() > 200


def test_crop_cell_outside_the_image_repeats_the_border():
    gray = np.full((50, 50), 90, np.uint8)
    cell = crop_cell(gray, -300.0, 500.0, 12.0)
    assert cell.shape == (CELL_H, CELL_W) and (cell == 90).all()


def test_model_is_small_and_packaged():
    assert cellnet.MODEL_PATH.stat().st_size < 1_000_000
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    rel = cellnet.MODEL_PATH.relative_to(ROOT / "kiosk" / "credential").as_posix()
    assert any(Path(rel).match(pattern) for pattern in data.get("kiosk.credential", []))
