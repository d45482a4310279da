"""The live-photo gate on the scikit-image fixture set: every verdict and the reason it names."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from make_photos import build_photo_fixtures

from kiosk.quality import check_photo
from kiosk.quality.detector import MODEL, find_faces
from kiosk.quality.messages import MESSAGES

NAMES = [f.name for f in build_photo_fixtures()]


@pytest.mark.parametrize("name", NAMES)
def test_verdict_and_reason(name: str, photo_fixtures: dict, photo_verdicts: dict) -> None:
    expected = photo_fixtures[name]
    verdict = photo_verdicts[name]
    assert verdict.verdict == expected.verdict, (name, verdict.codes, verdict.scores)
    if expected.verdict == "accept":
        assert verdict.codes == ()
        assert verdict.reasons == []
    elif expected.code is not None:
        assert expected.code in verdict.codes, (name, verdict.codes)
        assert MESSAGES[expected.code]["es"] in verdict.reasons


def test_good_photos_have_every_score(photo_verdicts: dict) -> None:
    scores = photo_verdicts["good_original"].scores
    for key in ("faces", "face_score", "face_width_ratio", "face_margin", "sharpness", "reblur_loss", "brightness",
                "right_eye_light", "left_eye_light", "roll_deg", "yaw", "mouth_skin_share", "mouth_texture",
                "frame_around_face"):
        assert isinstance(scores[key], float), key
    assert scores["faces"] == 1.0


def test_blur_scores_far_below_sharp(photo_verdicts: dict) -> None:
    assert photo_verdicts["blur"].scores["sharpness"] * 5 < photo_verdicts["good_original"].scores["sharpness"]


def test_one_face_count_rule_is_not_enough(photo_fixtures: dict, photo_verdicts: dict) -> None:
    """The naive rule (accept when exactly one face is detected) lets many bad photos through; the gate none."""
    bad = {n: f for n, f in photo_fixtures.items() if f.verdict == "reject"}
    naive_false_accepts = sum(len(find_faces(f.image)) == 1 for f in bad.values())
    assert naive_false_accepts >= 0.3 * len(bad)
    assert sum(photo_verdicts[n].verdict != f.verdict for n, f in photo_fixtures.items()) == 0


def test_reasons_are_spanish_sentences(photo_verdicts: dict) -> None:
    reasons = photo_verdicts["sunglasses"].reasons
    assert reasons and all(r.endswith(".") for r in reasons)
    assert "lentes" in reasons[0]
    assert photo_verdicts["sunglasses"].reasons_in("en") != reasons


def test_as_dict_is_the_json_contract(photo_verdicts: dict) -> None:
    d = photo_verdicts["two_faces"].as_dict()
    assert set(d) == {"verdict", "reasons", "codes", "scores"}
    assert d["verdict"] == "reject" and "multiple_faces" in d["codes"]


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 3), np.uint8), np.zeros((100, 100), np.uint8),
                                 np.zeros((100, 100, 3), np.float32), "not an image"])
def test_rejects_non_images(bad: object) -> None:
    with pytest.raises(ValueError):
        check_photo(bad)  # type: ignore[arg-type]


def test_face_model_ships_with_the_package() -> None:
    """YuNet's model is part of the install (nothing is downloaded) and its licence is beside it."""
    assert hasattr(cv2, "FaceDetectorYN")
    assert MODEL.is_file() and MODEL.stat().st_size == 232_589
    assert (MODEL.parent / "LICENSE-yunet").read_text().startswith("MIT License")
