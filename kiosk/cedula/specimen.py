"""Fictitious scanned "CÉDULA DE APOYO CIUDADANO — MUESTRA" pages, drawn from a seed, with truth.

Used by the tests, the benchmark and the demo's simulated scanner. People are invented from
the specimen name lists; claves follow the INE layout and are built from the names they sit by.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kiosk.cedula.clave import clave_letters, plain_name
from kiosk.specimens.people import GIVEN_NAMES, SURNAMES

PAGE_W, PAGE_H = 2000, 1400
TABLE_X, TABLE_Y = 60, 250
HEADER_H, ROW_H = 70, 92
ROWS = 10
COLUMNS = (  # (header, width)
    ("No.", 90),
    ("NOMBRE(S)", 400),
    ("APELLIDO PATERNO", 330),
    ("APELLIDO MATERNO", 330),
    ("CLAVE DE ELECTOR", 520),
    ("FIRMA", 210),
)
FIELDS = ("nombres", "apellido_paterno", "apellido_materno", "clave_elector")
FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
HAND_FONTS = ("DejaVuSans.ttf", "DejaVuSansCondensed.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf")
INKS = ((25, 35, 110), (20, 20, 25), (35, 45, 140))


@lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_DIR + name, size)


@dataclass(frozen=True)
class Person:
    """One fictitious supporter as written on the cédula."""

    nombres: str
    apellido_paterno: str
    apellido_materno: str
    clave_elector: str


def make_person(rng: random.Random, *, clave_mismatch: bool = False) -> Person:
    """A fictitious adult with a clave de elector built from their names and birth date."""
    pat = plain_name(rng.choice(SURNAMES))
    mat = "" if rng.random() < 0.05 else plain_name(rng.choice(SURNAMES))
    nombres = plain_name(" ".join(rng.sample(GIVEN_NAMES, rng.choice((1, 1, 2)))))
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    letters = clave_letters(nombres, pat, mat)
    if clave_mismatch:
        letters = letters[:4] + ("QZ" if letters[4:] != "QZ" else "WK")
    clave = f"{letters}{born:%y%m%d}{rng.randint(1, 32):02d}{rng.choice('HM')}{rng.randint(0, 999):03d}"
    return Person(nombres, pat, mat, clave)


def _column_edges() -> list[int]:
    edges = [TABLE_X]
    for _, width in COLUMNS:
        edges.append(edges[-1] + width)
    return edges


def _row_top(index: int) -> int:
    return TABLE_Y + HEADER_H + index * ROW_H


def _hand_text(img: Image.Image, text: str, box: tuple[int, int, int, int], rng: random.Random,
               ink: tuple[int, int, int]) -> None:
    """Block capitals, one glyph at a time with a little jitter, fitted inside `box`."""
    x0, y0, x1, y1 = box
    font_name = rng.choice(HAND_FONTS)
    size = rng.randint(32, 38)
    font = _font(font_name, size)
    while font.getlength(text) * 1.08 > (x1 - x0) - 16 and size > 18:
        size -= 2
        font = _font(font_name, size)
    draw = ImageDraw.Draw(img)
    x = x0 + 8 + rng.randint(0, 12)
    base = (y0 + y1) // 2 + rng.randint(-4, 4)
    for ch in text:
        if ch == " ":
            x += font.getlength(" ") * rng.uniform(1.0, 1.4)
            continue
        draw.text((x, base + rng.randint(-2, 2)), ch, font=font, fill=ink, anchor="lm")
        x += font.getlength(ch) * rng.uniform(1.0, 1.1)


def _scribble(img: Image.Image, box: tuple[int, int, int, int], rng: random.Random,
              ink: tuple[int, int, int]) -> None:
    """A scribbled signature: loops of varying size along a wavy line, plus a flourish."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = (x1 - x0) / 2 - 18, (y1 - y0) / 2 - 16
    t = np.linspace(0, 1, rng.randint(80, 160))
    loops = rng.uniform(2.5, 6)
    size = 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t + rng.uniform(0, 6))
    xs = cx + half_w * (2 * t - 1) * rng.uniform(0.6, 1.0) + 14 * size * np.cos(2 * np.pi * loops * t)
    ys = (cy + half_h * 0.7 * size * np.sin(2 * np.pi * loops * t + rng.uniform(0, 6))
          + half_h * 0.3 * np.sin(2 * np.pi * rng.uniform(0.3, 1.2) * t))
    clip = lambda x, y: (float(np.clip(x, x0 + 10, x1 - 10)), float(np.clip(y, y0 + 10, y1 - 10)))  # noqa: E731
    draw = ImageDraw.Draw(img)
    draw.line([clip(x, y) for x, y in zip(xs, ys)], fill=ink, width=rng.randint(2, 4), joint="curve")
    if rng.random() < 0.6:
        fy = cy + half_h * rng.uniform(0.4, 0.8)
        draw.line([clip(cx - half_w * 0.8, fy + rng.uniform(-6, 6)), clip(cx + half_w * 0.9, fy)], fill=ink, width=2)


def _draw_page(folio: str, rows: list[Person | None], signed: list[bool], rng: random.Random) -> Image.Image:
    img = Image.new("RGB", (PAGE_W, PAGE_H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((PAGE_W // 2, 70), "CÉDULA DE APOYO CIUDADANO — MUESTRA", font=_font("DejaVuSans-Bold.ttf", 46),
              fill=(0, 0, 0), anchor="mm")
    draw.text((TABLE_X, 150), "Documento ficticio para pruebas. Sin validez.", font=_font("DejaVuSans.ttf", 26),
              fill=(40, 40, 40), anchor="lm")
    draw.text((PAGE_W - TABLE_X, 150), f"FOLIO: {folio}", font=_font("DejaVuSansMono-Bold.ttf", 40),
              fill=(0, 0, 0), anchor="rm")
    edges = _column_edges()
    bottom = _row_top(ROWS)
    for x in edges:
        draw.line([(x, TABLE_Y), (x, bottom)], fill=(0, 0, 0), width=3)
    for y in [TABLE_Y] + [_row_top(i) for i in range(ROWS + 1)]:
        draw.line([(TABLE_X, y), (edges[-1], y)], fill=(0, 0, 0), width=3)
    head_font = _font("DejaVuSans-Bold.ttf", 22)
    for (title, _), left, right in zip(COLUMNS, edges, edges[1:]):
        draw.text(((left + right) // 2, TABLE_Y + HEADER_H // 2), title, font=head_font, fill=(0, 0, 0), anchor="mm")
    number_font = _font("DejaVuSans.ttf", 26)
    for i, person in enumerate(rows):
        top = _row_top(i)
        draw.text(((edges[0] + edges[1]) // 2, top + ROW_H // 2), str(i + 1), font=number_font,
                  fill=(0, 0, 0), anchor="mm")
        if person is None:
            continue
        ink = rng.choice(INKS)
        values = (person.nombres, person.apellido_paterno, person.apellido_materno, person.clave_elector)
        for col, value in enumerate(values, start=1):
            if value:
                _hand_text(img, value, (edges[col], top, edges[col + 1], top + ROW_H), rng, ink)
        if signed[i]:
            _scribble(img, (edges[5], top, edges[6], top + ROW_H), rng, ink)
    draw.text((TABLE_X, bottom + 50),
              "Leyenda de muestra: manifiesto mi apoyo libre y voluntario. Datos inventados.",
              font=_font("DejaVuSans.ttf", 24), fill=(40, 40, 40), anchor="lm")
    return img


def _degrade(page: np.ndarray, rng: random.Random, *, rotation: float, noise: float, paper: int,
             perspective: float, blur: float) -> np.ndarray:
    """Gray paper, a skewed and warped scan, sensor noise: what a cheap scanner or phone gives."""
    h, w = page.shape[:2]
    gray_rng = np.random.default_rng(rng.randint(0, 2**31))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = paper - 18 * ((xx / w - rng.random()) ** 2 + (yy / h - rng.random()) ** 2)
    out = page.astype(np.float32) * (shade[..., None] / 255.0)
    margin = 60
    canvas = np.full((h + 2 * margin, w + 2 * margin, 3), 235, np.float32)
    canvas[margin:margin + h, margin:margin + w] = out
    ch, cw = canvas.shape[:2]
    src = np.float32([[margin, margin], [margin + w, margin], [margin + w, margin + h], [margin, margin + h]])
    jitter = np.float32([[rng.uniform(-1, 1) * perspective * w, rng.uniform(-1, 1) * perspective * h]
                         for _ in range(4)])
    center = (cw / 2, ch / 2)
    rot = cv2.getRotationMatrix2D(center, rotation, 1.0)
    dst = cv2.transform((src + jitter)[None], rot)[0].astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(canvas, matrix, (cw, ch), flags=cv2.INTER_LINEAR, borderValue=(235, 235, 235))
    if blur > 0:
        warped = cv2.GaussianBlur(warped, (0, 0), blur)
    warped += gray_rng.normal(0, noise, warped.shape[:2])[..., None]
    return np.clip(warped, 0, 255).astype(np.uint8)


def make_cedula(seed: int, *, filled: int | None = None, unsigned: int | None = None,
                rotation: float | None = None, noise: float | None = None, paper: int | None = None,
                perspective: float | None = None, blur: float | None = None, invalid_clave: int = 0,
                clave_mismatch: int = 0) -> tuple[np.ndarray, dict]:
    """A scanned cédula page (BGR) and its truth, reproducible from `seed`.

    filled: rows with a person (4-10 of 10); unsigned: how many of them lack a signature;
    invalid_clave / clave_mismatch: rows whose clave is malformed / disagrees with the names.
    truth: {folio, rows: [{no, nombres, apellido_paterno, apellido_materno, clave_elector,
    firma, flags}] (filled rows only), empty_rows: [no...], params}.
    """
    rng = random.Random(seed)
    filled = filled if filled is not None else rng.randint(4, 10)
    if not 0 <= filled <= ROWS:
        raise ValueError(f"filled must be 0..{ROWS}")
    slots = sorted(rng.sample(range(ROWS), filled))
    unsigned = unsigned if unsigned is not None else rng.choice((0, 1, 1, 2))
    no_signature = set(rng.sample(slots, min(unsigned, filled)))
    bad = set(rng.sample(slots, min(invalid_clave, filled)))
    mismatched = set(rng.sample([s for s in slots if s not in bad], min(clave_mismatch, filled - len(bad))))
    rows: list[Person | None] = [None] * ROWS
    truth_rows = []
    for slot in slots:
        person = make_person(rng, clave_mismatch=slot in mismatched)
        flags = []
        if slot in bad:  # a month 13 makes the clave fail validation
            person = Person(person.nombres, person.apellido_paterno, person.apellido_materno,
                            person.clave_elector[:8] + "13" + person.clave_elector[10:])
            flags.append("clave_invalida")
        if slot in mismatched:
            flags.append("clave_no_coincide")
        if slot in no_signature:
            flags.append("sin_firma")
        rows[slot] = person
        truth_rows.append({"no": slot + 1, "nombres": person.nombres, "apellido_paterno": person.apellido_paterno,
                           "apellido_materno": person.apellido_materno, "clave_elector": person.clave_elector,
                           "firma": slot not in no_signature, "flags": sorted(flags)})
    folio = f"C-{rng.randint(1, 999999):06d}"
    params = {
        "rotation": rotation if rotation is not None else rng.uniform(-4, 4),
        "noise": noise if noise is not None else rng.uniform(2, 12),
        "paper": paper if paper is not None else rng.randint(185, 245),
        "perspective": perspective if perspective is not None else rng.choice((0.0, 0.0, 0.012)),
        "blur": blur if blur is not None else rng.choice((0.0, 0.6, 1.0)),
    }
    page = _draw_page(folio, rows, [s not in no_signature for s in range(ROWS)], rng)
    image = _degrade(cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), rng, **params)
    truth = {"seed": seed, "folio": folio, "rows": truth_rows,
             "empty_rows": [s + 1 for s in range(ROWS) if s not in slots], "params": params}
    return image, truth
