"""The capture session's rules for accepting over a gate and for a credential "sin firma"."""

from __future__ import annotations

import pytest

from kiosk.capture import CaptureSession, FlowError, Step
from kiosk.domain import ApoyoRecord
from kiosk.identifiers import InvalidIdentifier
from kiosk.quality.override import OVERRIDE_AFTER, REASONS, reason_text, reasons_for


def at(step: Step) -> CaptureSession:
    session = CaptureSession("A1")
    session.choose_model("G")
    session.accept_front(b"front")
    session.accept_back(b"back")
    session.confirm_original()
    if step is Step.SIGNATURE:
        session.accept_photo(b"photo")
    assert session.step is step
    return session


def test_no_override_before_three_rejections() -> None:
    session = at(Step.PHOTO)
    for _ in range(OVERRIDE_AFTER - 1):
        session.note_rejection(["eyes_covered"], {"left_eye_light": 0.2})
        assert not session.can_override()
        with pytest.raises(FlowError):
            session.accept_photo(b"photo", override="medical_glasses")
    session.note_rejection(["eyes_covered"], {"left_eye_light": 0.21})
    assert session.can_override()
    with pytest.raises(FlowError):
        session.accept_photo(b"photo", override="mark_only")  # a signature reason
    session.accept_photo(b"photo", override="medical_glasses")
    [override] = session.record().overrides
    assert (override.step, override.reason, override.attempts) == ("photo", "medical_glasses", 3)
    assert override.codes == ("eyes_covered",) and override.scores == {"left_eye_light": 0.21}


def test_retaking_from_review_drops_the_override() -> None:
    session = at(Step.SIGNATURE)
    for _ in range(3):
        session.note_rejection(["signature_dot"], {})
    session.accept_signature({"width": 10, "height": 10, "points": []}, b"png", override="mark_only")
    assert [o.step for o in session.record().overrides] == ["signature"]
    session.go("retake_signature")
    assert session.overrides == [] and session.can_override()  # the rejections still count


def test_sin_firma_record() -> None:
    session = at(Step.SIGNATURE)
    session.accept_sin_firma()
    record = session.record()
    assert session.step is Step.REVIEW and record.sin_firma and record.signature_png == b""
    session.go("retake_signature")
    assert not session.sin_firma


def test_a_sin_firma_record_cannot_carry_a_signature() -> None:
    with pytest.raises(InvalidIdentifier):
        ApoyoRecord("G", b"f", b"b", {}, True, b"p", {"points": [[0, 1, 1, 1, 1]]}, b"png", sin_firma=True)


def test_rejections_only_at_gated_steps() -> None:
    session = CaptureSession("A1")
    with pytest.raises(FlowError):
        session.note_rejection(["x"], {})


def test_every_reason_has_a_spanish_sentence_and_a_step() -> None:
    assert reasons_for("photo") and reasons_for("signature")
    for code, reason in REASONS.items():
        assert set(reason["steps"]) <= {"photo", "signature"}
        assert reason_text(code) == reason["es"] and reason_text(code, "en") == reason["en"]
