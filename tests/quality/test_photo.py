"""The live-photo gate on the scikit-image fixture set: every verdict and the reason it names."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from make_photos import build_photo_fixtures

from kiosk.quality import check_photo, detector
from kiosk.quality.messages import MESSAGES

NAMES = [f.name for f in build_photo_fixtures()]


@pytest.mark.parametrize("name", NAMES)
def test_verdict_and_reason(name: str, photo_fixtures: dict, photo_verdicts: dict) -> None:
    expected = photo_fixtures[name]
    verdict = photo_verdicts[name]
    assert verdict.verdict == expected.verdict, (name, verdict.codes, verdict.scores)
    if expected.code is None:
        assert verdict.codes == ()
        assert verdict.reasons == []
    else:
        assert expected.code in verdict.codes, (name, verdict.codes)
        assert MESSAGES[expected.code]["es"] in verdict.reasons


def test_good_photos_have_every_score(photo_verdicts: dict) -> None:
    scores = photo_verdicts["good_original"].scores
    for key in ("faces", "face_width_ratio", "sharpness", "brightness", "eyes", "roll_deg", "yaw_offset",
                "mouth_skin_share", "frame_around_face"):
        assert isinstance(scores[key], float), key
    assert scores["faces"] == 1.0 and scores["eyes"] == 2.0


def test_blur_scores_far_below_sharp(photo_verdicts: dict) -> None:
    assert photo_verdicts["blur"].scores["sharpness"] * 5 < photo_verdicts["good_original"].scores["sharpness"]


def test_one_face_count_rule_is_not_enough(photo_fixtures: dict, photo_verdicts: dict) -> None:
    """The naive rule (accept when exactly one face is detected) lets many bad photos through; the gate none."""
    bad = {n: f for n, f in photo_fixtures.items() if f.verdict == "reject"}
    naive_false_accepts = 0
    for f in bad.values():
        gray, _ = detector.work_gray(f.image)
        naive_false_accepts += len(detector.frontal_faces(gray)) == 1
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


def test_haar_cascades_are_available() -> None:
    assert hasattr(cv2, "CascadeClassifier"), "OpenCV 4.x with Haar cascades is required"
    assert int(cv2.__version__.split(".")[0]) == 4
