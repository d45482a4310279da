"""Cédula pages in headers that are not our own: an OPL's name and title, and the folio printed
with its label ("Folio de cédula: 32698", "FOLIO No. 4471", "Núm. de folio: A-20931", "Folio
32698") at the left, the centre or the right, on the first or second line, in several fonts.
The table below is the specimen's; the header is drawn here, independently of the reader.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import ImageDraw

from kiosk.cedula import specimen

OPLS = ("INSTITUTO ELECTORAL DEL ESTADO MUESTRA", "ORGANISMO PÚBLICO LOCAL ELECTORAL (MUESTRA)",
        "INSTITUTO ESTATAL ELECTORAL Y DE PARTICIPACIÓN CIUDADANA MUESTRA")
TITLES = ("Cédula de apoyo ciudadano", "Formato de captación de apoyo (ficticio)", "Relación de apoyos — MUESTRA")
FONTS = ("DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf")


def folio_label(rng: random.Random) -> tuple[str, str]:
    """(printed text, expected value)."""
    number = rng.randint(100, 99999)
    kind = rng.randrange(5)
    if kind == 0:
        return f"Folio de cédula: {number}", str(number)
    if kind == 1:
        return f"FOLIO No. {number}", str(number)
    if kind == 2:
        letter = rng.choice("ABCDEFGH")
        return f"Núm. de folio: {letter}-{number:05d}", f"{letter}-{number:05d}"
    if kind == 3:
        return f"Folio {number}", str(number)
    return f"FOLIO N° {number:06d}", f"{number:06d}"


def other_layout_page(seed: int) -> tuple[np.ndarray, str]:
    """A degraded scan of a page with a foreign header and the folio value it carries."""
    rng = random.Random(seed)
    people = [specimen.make_person(rng) if i < rng.randint(4, 8) else None for i in range(specimen.ROWS)]
    page = specimen._draw_page("C-000000", people, [True] * specimen.ROWS, rng)
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, specimen.PAGE_W, specimen.TABLE_Y - 6], fill=(255, 255, 255))
    text, value = folio_label(rng)
    draw.text((specimen.PAGE_W // 2, 55), rng.choice(OPLS), font=specimen._font(rng.choice(FONTS), 36),
              fill=(0, 0, 0), anchor="mm")
    title_font = specimen._font(rng.choice(FONTS), 30)
    folio_font = specimen._font(rng.choice(FONTS), rng.randint(30, 40))
    place = rng.choice(("left", "right", "centre"))
    line_y = rng.choice((120, 175))
    other_y = 175 if line_y == 120 else 120
    if place == "centre":
        draw.text((specimen.PAGE_W // 2, line_y), text, font=folio_font, fill=(0, 0, 0), anchor="mm")
        draw.text((specimen.PAGE_W // 2, other_y), rng.choice(TITLES), font=title_font, fill=(30, 30, 30), anchor="mm")
    else:
        x, anchor = (specimen.TABLE_X, "lm") if place == "left" else (specimen.PAGE_W - specimen.TABLE_X, "rm")
        other_x, other_anchor = (specimen.PAGE_W - specimen.TABLE_X, "rm") if place == "left" else (specimen.TABLE_X, "lm")
        draw.text((x, line_y), text, font=folio_font, fill=(0, 0, 0), anchor=anchor)
        draw.text((other_x, line_y), rng.choice(TITLES), font=title_font, fill=(30, 30, 30), anchor=other_anchor)
    params = {"rotation": rng.uniform(-3, 3), "noise": rng.uniform(2, 10), "paper": rng.randint(195, 245),
              "perspective": 0.0, "blur": rng.choice((0.0, 0.6))}
    image = specimen._degrade(cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), rng, **params)
    return image, value
