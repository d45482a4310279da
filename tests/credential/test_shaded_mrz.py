"""An MRZ in a shadow beside a sharp QR (mrztext.find_text_blocks(relative=True)): in grey
levels the QR's black and white set the threshold and the shaded lines fall under it; measured
against their own background they are as dark as any (a medium dev photo: a card two thirds of
the frame, its MRZ plain to the eye, read nothing)."""

from __future__ import annotations

import cv2
import numpy as np
import qrcode

from kiosk.credential import read_image
from kiosk.credential.mrztext import find_text_blocks

MRZ = ("IDMEX4377855177<<7830528598853", "7112214M2712310MEX<08<<98853<4", "TREJO<VILLANUEVA<<ROSARIO<<<<<")
MRZ_LEFT, MRZ_TOP, MRZ_GAP = 200, 700, 62


def card_in_shadow() -> tuple[np.ndarray, tuple[float, float]]:
    """A large card on a dark table: a sharp QR at its top right, the MRZ below in a shadow that
    takes three quarters of the light. Returns the image and the MRZ's centre."""
    image = np.full((1080, 1920, 3), 28, np.uint8)
    cv2.rectangle(image, (140, 80), (1700, 1000), (212, 206, 214), -1)
    code = qrcode.QRCode(border=2, box_size=11, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data("https://qr.ine.mx/MUESTRA0000000000000000000000")
    qr = cv2.cvtColor(np.asarray(code.make_image(fill_color="black", back_color="white").convert("RGB")), cv2.COLOR_RGB2BGR)
    image[120:120 + qr.shape[0], 1650 - qr.shape[1]:1650] = qr
    cv2.putText(image, "INSTITUTO NACIONAL ELECTORAL", (200, 180), cv2.FONT_HERSHEY_DUPLEX, 1.3, (40, 40, 60), 3, cv2.LINE_AA)
    for i, line in enumerate(MRZ):
        cv2.putText(image, line, (MRZ_LEFT, MRZ_TOP + i * MRZ_GAP), cv2.FONT_HERSHEY_DUPLEX, 1.6, (95, 95, 95), 3, cv2.LINE_AA)
    shade = np.ones(image.shape[:2], np.float32)
    shade[560:, :] = 0.25  # the phone's shadow over the lower half of the card
    image = (image * cv2.GaussianBlur(shade, (0, 0), 25)[..., None]).astype(np.uint8)
    width = cv2.getTextSize(MRZ[0], cv2.FONT_HERSHEY_DUPLEX, 1.6, 3)[0][0]
    return image, (MRZ_LEFT + width / 2, MRZ_TOP + MRZ_GAP - 20)


def _near(blocks, centre, tolerance: float = 60.0) -> bool:
    return any(np.linalg.norm(b.quad.mean(axis=0) - np.array(centre)) < tolerance for b in blocks)


def test_relative_ink_finds_the_mrz_the_grey_levels_miss():
    image, centre = card_in_shadow()
    assert not _near(find_text_blocks(image), centre), "the scene no longer shows the failure it is for"
    assert _near(find_text_blocks(image, relative=True), centre)


def test_the_shaded_card_is_read_and_verified():
    image, _ = card_in_shadow()
    reading = read_image(image)
    fields = {name: f.value for name, f in reading.fields.items() if f.verified}
    assert fields.get("cic") == MRZ[0][5:14] and fields.get("ocr") == MRZ[0][17:30], reading.as_dict()
