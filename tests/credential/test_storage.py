"""Each side compresses to at most 40 KB and the MRZ still verifies from the compressed bytes."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.credential import compress_side, read_image
from kiosk.credential.storage import MAX_BYTES


def test_compress_photo_keeps_mrz(photo_sets):
    spec = photo_sets["easy"][1]
    original = read_image(spec.image)
    assert original.fields["cic"].verified
    blob = compress_side(spec.image)
    assert len(blob) <= MAX_BYTES
    again = read_image(cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR))
    assert again.fields["cic"].value == original.fields["cic"].value
    assert again.fields["ocr"].value == original.fields["ocr"].value


def test_compress_without_mrz_still_bounded(negative_set):
    scene = next(s for s in negative_set if s.kind == "no_card").image
    assert len(compress_side(scene)) <= MAX_BYTES
