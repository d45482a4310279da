"""Storing the accepted photo: head-and-shoulders crop, at most 20 KB, face still found in the bytes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from make_photos import build_photo_fixtures

from kiosk.quality import PhotoStoreError, check_photo, crop_and_compress
from kiosk.quality.store import MAX_PHOTO_BYTES, face_detects

GOOD = [f.name for f in build_photo_fixtures() if f.verdict == "accept"]


@pytest.mark.parametrize("name", GOOD)
def test_stored_photo_is_small_and_still_a_face(name: str, photo_fixtures: dict) -> None:
    data = crop_and_compress(photo_fixtures[name].image)
    assert len(data) <= MAX_PHOTO_BYTES
    assert data[:3] == b"\xff\xd8\xff"
    assert face_detects(data)
    stored = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = stored.shape[:2]
    assert abs(h / w - 1.25) < 0.02
    assert check_photo(stored).accepted


def test_crop_is_centred_on_the_face(photo_fixtures: dict) -> None:
    stored = cv2.imdecode(np.frombuffer(crop_and_compress(photo_fixtures["good_original"].image), np.uint8), 1)
    from kiosk.quality.detector import find_faces
    x, y, w, h = find_faces(stored)[0].box
    assert abs((x + w / 2) - stored.shape[1] / 2) < 0.1 * stored.shape[1]
    assert 0.35 < w / stored.shape[1] < 0.6


def test_tighter_budget_still_holds(photo_fixtures: dict) -> None:
    data = crop_and_compress(photo_fixtures["good_original"].image, max_bytes=8_000)
    assert len(data) <= 8_000 and face_detects(data)


def test_impossible_budget_is_refused(photo_fixtures: dict) -> None:
    with pytest.raises(PhotoStoreError) as err:
        crop_and_compress(photo_fixtures["good_original"].image, max_bytes=600)
    assert err.value.code == "stored_face_lost"
    assert "comprimir" in str(err.value)


def test_no_face_cannot_be_stored(photo_fixtures: dict) -> None:
    with pytest.raises(PhotoStoreError) as err:
        crop_and_compress(photo_fixtures["coffee"].image)
    assert err.value.code == "no_face"
