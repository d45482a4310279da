"""Specimen "MUESTRA" Credenciales para Votar, drawn from a seed: front, back and the truth.

Models C/D print a 13-digit OCR line and a Code128 barcode; E/F a TD1 MRZ and a Code128 of the
CIC; G/H a TD1 MRZ and a small QR. All data is fictitious; see `make_card` for what each carries.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from functools import lru_cache

import barcode
import cv2
import numpy as np

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.fonts import ocrb_font_path
from kiosk.specimens.mrz import name_truncated, td1_lines
from kiosk.specimens.people import Identity, make_identity

CARD_W, CARD_H = 1012, 638  # ID-1 (85.6 x 54 mm) at about 300 dpi
PX_PER_MM = CARD_W / 85.6
MRZ_PITCH = 30  # 2.54 mm per character
MRZ_LEFT = 56
MRZ_CENTERS = (486, 528, 570)
SANS_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
QR_URL_PREFIX = "http://qr.ine.mx/"
MODELS = ("C", "D", "E", "F", "G", "H")


@lru_cache(maxsize=16)
def _font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    if kind == "ocrb":
        return ImageFont.truetype(ocrb_font_path(), size)
    return ImageFont.truetype(SANS_PATHS[1 if kind == "bold" else 0], size)


def qr_payload(identity: Identity) -> str:
    """Fictitious small-QR content: INE-like URL + CIC (9) + OCR (13) + emisión (2)."""
    return f"{QR_URL_PREFIX}{identity.cic}{identity.ocr}{identity.emision}"


def _background(rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """Pale coloured security background with guilloche waves (a photocopy loses the colour)."""
    yy, xx = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.empty((CARD_H, CARD_W, 3), np.float32)
    grad = 0.85 + 0.15 * (xx / CARD_W)
    for c in range(3):
        base[..., c] = 255 - (255 - tint[c]) * grad
    phase = rng.uniform(0, 6.28)
    for k in range(14):
        wave = np.sin(xx / (38 + 3 * k) + phase + k) * (12 + k) + k * 46 + 10
        mask = np.abs(yy - wave) < 1.1
        base[mask] = base[mask] * 0.93
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _watermark(img: Image.Image, box: tuple[int, int, int, int]) -> None:
    """A big diagonal translucent "MUESTRA" inside `box` (never over the MRZ)."""
    x0, y0, x1, y1 = box
    layer = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = _font("bold", int((y1 - y0) * 0.42))
    draw.text(((x1 - x0) // 2, (y1 - y0) // 2), "MUESTRA", font=font, fill=(200, 20, 40, 80), anchor="mm")
    layer = layer.rotate(12, resample=Image.BICUBIC)
    img.paste(layer, (x0, y0), layer)


def _qr_image(data: str, module: int) -> Image.Image:
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").convert("RGB")


def _code128(data: str, width: int, height: int) -> Image.Image:
    modules = barcode.get("code128", data, writer=None).build()[0]
    quiet = 10
    scale = max(1, width // (len(modules) + 2 * quiet))
    img = Image.new("RGB", ((len(modules) + 2 * quiet) * scale, height), "white")
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (i + quiet) * scale
            draw.rectangle([x, 0, x + scale - 1, height - 1], fill="black")
    return img


def _ocrb_line(draw: ImageDraw.ImageDraw, text: str, left: int, center_y: int) -> None:
    """OCR-B characters placed one per 2.54 mm cell, as MRZ printers do."""
    font = _font("ocrb", 34)
    for i, ch in enumerate(text):
        draw.text((left + i * MRZ_PITCH + MRZ_PITCH / 2, center_y), ch, font=font, fill=(20, 20, 25), anchor="mm")


def _fingerprint(draw: ImageDraw.ImageDraw, x: int, y: int, rng: random.Random) -> None:
    for r in range(4, 70, 5):
        draw.ellipse([x - r * 0.75, y - r, x + r * 0.75, y + r], outline=(90, 80, 90), width=2)
    draw.rectangle([x - 62, y - 85, x + 62, y + 85], outline=(120, 120, 120), width=2)


def _draw_back(identity: Identity, model: str, rng: random.Random, mrz: list[str]) -> Image.Image:
    img = _background(rng, (236, 206, 226) if model in "EFGH" else (206, 228, 214))
    draw = ImageDraw.Draw(img)
    small = _font("sans", 15)
    # Large encrypted QRs: random bytes nobody can read offline.
    noise = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") for _ in range(120))
    if model in "EFGH":
        for i, x in enumerate((36, 236)):
            big = _qr_image(noise[i * 60:(i + 1) * 60], 4).resize((180, 180), Image.NEAREST)
            img.paste(big, (x, 40))
    if model in "GH":
        img.paste(_qr_image(qr_payload(identity), 5), (450, 40))
    elif model in "EF":
        img.paste(_code128(identity.cic, 300, 70), (436, 60))
    else:
        img.paste(_code128(identity.ocr, 420, 90), (60, 250))
    _fingerprint(draw, 860, 150, rng)
    for i in range(4):
        draw.text((40, 250 + i * 22 if model in "EFGH" else 120 + i * 22),
                  "ESTE DOCUMENTO ES UN ESPECIMEN SIN VALIDEZ OFICIAL (MUESTRA)"[: 40 + i * 5],
                  font=small, fill=(70, 60, 70))
    draw.line([(620, 330), (760, 300), (820, 345), (900, 310)], fill=(30, 30, 90), width=3)
    draw.text((700, 360), "FIRMA", font=small, fill=(70, 60, 70))
    _watermark(img, (20, 20, CARD_W - 20, 440))
    draw = ImageDraw.Draw(img)
    if model in "EFGH":
        draw.rectangle([MRZ_LEFT - 20, 455, CARD_W - MRZ_LEFT + 20, 600], fill=(250, 248, 250))
        for line, cy in zip(mrz, MRZ_CENTERS):
            _ocrb_line(draw, line, MRZ_LEFT, cy)
    else:
        draw.text((60, 470), "OCR", font=_font("bold", 22), fill=(40, 40, 40))
        draw.rectangle([MRZ_LEFT + 70, 500, MRZ_LEFT + 70 + 13 * MRZ_PITCH + 40, 560], fill=(250, 250, 248))
        _ocrb_line(draw, identity.ocr, MRZ_LEFT + 90, 530)
    return img


def _draw_front(identity: Identity, model: str, rng: random.Random) -> Image.Image:
    img = _background(rng, (230, 214, 236) if model in "EFGH" else (214, 230, 222))
    draw = ImageDraw.Draw(img)
    bold, label, value = _font("bold", 30), _font("sans", 17), _font("bold", 24)
    issuer = "INSTITUTO NACIONAL ELECTORAL" if model in "EFGH" else "INSTITUTO FEDERAL ELECTORAL"
    draw.text((300, 30), "MÉXICO", font=bold, fill=(90, 30, 70))
    draw.text((300, 66), issuer, font=_font("bold", 22), fill=(90, 30, 70))
    draw.text((300, 96), "CREDENCIAL PARA VOTAR", font=_font("sans", 22), fill=(90, 30, 70))
    # Photo placeholder: a grey silhouette.
    draw.rectangle([40, 150, 270, 450], fill=(200, 200, 205))
    draw.ellipse([105, 190, 205, 310], fill=(150, 150, 158))
    draw.ellipse([70, 320, 240, 470], fill=(150, 150, 158))
    draw.rectangle([40, 450, 270, 470], fill=img.getpixel((30, 460)))
    rows = [
        ("NOMBRE", None),
        (identity.apellido_paterno, "v"),
        (identity.apellido_materno, "v"),
        (identity.nombres, "v"),
        ("CLAVE DE ELECTOR " + identity.clave_elector, "s"),
        ("CURP " + identity.curp, "s"),
        (f"FECHA DE NACIMIENTO {identity.birth_date:%d/%m/%Y}   SEXO {identity.sex}", "s"),
        (f"SECCIÓN {identity.seccion}   VIGENCIA {identity.emission_year}-{identity.expiry_year}", "s"),
    ]
    y = 150
    for text, kind in rows:
        font = value if kind == "v" else label
        draw.text((300, y), text, font=font, fill=(25, 25, 30) if kind else (110, 60, 90))
        y += 34 if kind == "v" else 30
    draw.text((300, y + 10), f"AÑO DE REGISTRO {identity.emission_year}  EMISIÓN {identity.emision}", font=label, fill=(25, 25, 30))
    _watermark(img, (20, 120, CARD_W - 20, CARD_H - 20))
    return img


def _bgr(img: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def make_card(seed: int, *, model: str | None = None, break_check: str | None = None,
              long_name: bool | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Front and back of a fictitious "MUESTRA" card (BGR, 1012x638) and the truth they carry.

    truth: model, fields (cic, ocr, birth_date, sex, expiry_year, apellido_paterno,
    apellido_materno, nombres, emision, clave_elector, curp, seccion), mrz (3 lines or None),
    qr (URL or None), barcode (payload or None), name_truncated, break_check.
    """
    rng = random.Random(seed)
    model = model or rng.choice(MODELS)
    if long_name is None:
        long_name = rng.random() < 0.15
    identity = make_identity(rng, long_name=long_name)
    mrz = td1_lines(identity, break_check=break_check) if model in "EFGH" else None
    front = _draw_front(identity, model, rng)
    back = _draw_back(identity, model, rng, mrz or [])
    fields = asdict(identity)
    fields["birth_date"] = identity.birth_date.isoformat()
    fields["expiry_year"] = identity.expiry_year
    truth = {
        "seed": seed,
        "model": model,
        "fields": fields,
        "mrz": mrz,
        "qr": qr_payload(identity) if model in "GH" else None,
        "barcode": identity.cic if model in "EF" else (identity.ocr if model in "CD" else None),
        "name_truncated": name_truncated(identity) if mrz else False,
        "break_check": break_check,
    }
    return _bgr(front), _bgr(back), truth
