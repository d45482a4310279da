"""The half-block image widget: two pixels per cell, top as foreground, bottom as background."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.demo_rig import demo_face
from tui.images import UPPER_HALF, HalfBlock, decode, fit


def test_two_pixels_per_cell_with_true_colours() -> None:
    image = np.zeros((4, 2, 3), np.uint8)
    image[0] = (0, 0, 255)  # red in BGR
    image[1] = (255, 0, 0)  # blue
    lines = HalfBlock(image, 2, 2).lines()
    assert len(lines) == 2 and all(len(row) == 2 for row in lines)
    first = lines[0][0]
    assert first.text == UPPER_HALF
    assert first.style.color.triplet.hex == "#ff0000" and first.style.bgcolor.triplet.hex == "#0000ff"


def test_fit_keeps_aspect_inside_the_cells() -> None:
    face = demo_face()
    small = fit(face, 40, 10)
    assert small.shape[1] <= 40 and small.shape[0] <= 20 and small.shape[0] % 2 == 0
    h, w = face.shape[:2]
    assert abs(small.shape[1] / small.shape[0] - w / h) < 0.25


def test_decode_round_trip_and_garbage() -> None:
    ok, buf = cv2.imencode(".png", np.full((6, 8, 3), 200, np.uint8))
    assert ok and decode(buf.tobytes()).shape == (6, 8, 3)
    assert decode(b"") is None and decode(b"no es una imagen") is None
