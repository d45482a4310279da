"""Never trap a citizen, walked with the pilot: after three rejected signatures (or photos) the
auxiliar accepts anyway with a reason, and a credential "sin firma" is saved without one; the
sealed record carries the gate's verdict, scores and the reason, or the sin_firma flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import payload, sealing
from kiosk.capture import Step
from tests.conftest import Authority
from tests.tui.helpers import capture_to_photo, login, make_app, registered_station, shoot_and_accept, wait_for
from tui.hardware import SimulatedScenes

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

DOT = {"width": 2400, "height": 800, "points": [[i * 10, 1200 + i % 2, 400, 500, 1] for i in range(8)]}


class CoveredFace(SimulatedScenes):
    """The simulated camera, but the person keeps a dark band over the eyes."""

    def frame(self, purpose: str):  # noqa: ANN201 - a BGR array
        frame = super().frame(purpose)
        if purpose != "photo":
            return frame
        import cv2

        from kiosk.quality.detector import find_faces

        covered = frame.copy()
        face = find_faces(frame)[0]
        d = face.eye_distance
        (rx, ry), (lx, ly) = face.right_eye, face.left_eye
        cv2.rectangle(covered, (int(rx - 0.5 * d), int(min(ry, ly) - 0.3 * d)),
                      (int(lx + 0.5 * d), int(max(ry, ly) + 0.3 * d)), (20, 20, 20), -1)
        return covered


@pytest.fixture
def authority() -> Authority:
    return Authority()


@pytest.fixture
def station(tmp_path: Path, authority: Authority):
    station = registered_station(tmp_path / "kiosko", authority)
    yield station
    station.close()


def sealed_meta(station, authority: Authority, folio: str) -> tuple[dict, dict]:  # noqa: ANN001
    row = station.vault.get(folio)
    _, plaintext = sealing.open_envelope(row.envelope, station.device_key.verify_key, authority.sealing_keys())
    return payload.unpack(plaintext)


async def to_step(pilot, app, step: Step) -> None:  # noqa: ANN001
    """Log in and walk the capture to `step` (photo or signature) with good shots."""
    await login(pilot)
    await capture_to_photo(pilot)
    if step is Step.SIGNATURE:
        await shoot_and_accept(pilot)
    assert app.screen.session.step is step


async def rejected_attempt(pilot, key: str) -> None:  # noqa: ANN001
    screen = pilot.app.screen
    await pilot.press(key if screen.shot is None else "r")
    await wait_for(pilot, lambda: screen.shot is not None and not screen.busy)
    await pilot.pause(0.1)
    assert not screen.shot["ok"]


async def save(pilot, app) -> str:  # noqa: ANN001
    screen = app.screen
    assert screen.session.step is Step.REVIEW
    await pilot.press("g")
    await wait_for(pilot, lambda: screen.saved is not None)
    return screen.saved.folio


async def test_signature_accepted_anyway_after_three_rejections(station, authority) -> None:
    app = make_app(station, signature_source=DOT)
    async with app.run_test(size=(110, 34)) as pilot:
        await to_step(pilot, app, Step.SIGNATURE)
        screen = app.screen
        for attempt in range(3):
            assert not screen.query("#override"), f"override offered after {attempt} rejections"
            await rejected_attempt(pilot, "f")
        assert screen.query("#override")
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        labels = [str(b.label) for b in app.screen.query("Button")]
        assert any("marca" in label for label in labels) and not any("religiosa" in label for label in labels)
        await pilot.press("escape")  # Esc goes back without accepting
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.session.step is Step.SIGNATURE
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("2")  # the second signature reason: mark_only
        await wait_for(pilot, lambda: screen.session.step is Step.REVIEW)
        folio = await save(pilot, app)
    meta, blobs = sealed_meta(station, authority, folio)
    [override] = meta["gate_overrides"]
    assert override["step"] == "signature" and override["reason"] == "mark_only"
    assert override["attempts"] == 3 and override["verdict"] == "reject"
    assert override["codes"] == ["signature_dot"] and "ink_diagonal" in override["scores"]
    assert meta["sin_firma"] is False and blobs["signature.png"]


async def test_photo_accepted_anyway_carries_the_gate_verdict(station, authority) -> None:
    app = make_app(station, scenes=CoveredFace(seed=2000))
    async with app.run_test(size=(110, 34)) as pilot:
        await to_step(pilot, app, Step.PHOTO)
        screen = app.screen
        for _ in range(3):
            await rejected_attempt(pilot, "t")
        assert "eyes_covered" in screen.shot["gate"].codes
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("3")  # medical_glasses
        await wait_for(pilot, lambda: screen.session.step is Step.SIGNATURE)
        await shoot_and_accept(pilot, "f")
        folio = await save(pilot, app)
    meta, blobs = sealed_meta(station, authority, folio)
    [override] = meta["gate_overrides"]
    assert override["step"] == "photo" and override["reason"] == "medical_glasses"
    assert "eyes_covered" in override["codes"] and override["scores"]["faces"] == 1.0
    assert 0 < len(blobs["photo"]) <= 20_000


async def test_credential_sin_firma_saves_without_signature(station, authority) -> None:
    app = make_app(station)
    async with app.run_test(size=(110, 34)) as pilot:
        await to_step(pilot, app, Step.SIGNATURE)
        screen = app.screen
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.session.step is Step.REVIEW)
        assert screen.session.sin_firma
        folio = await save(pilot, app)
    meta, blobs = sealed_meta(station, authority, folio)
    assert meta["sin_firma"] is True and meta["gate_overrides"] == []
    assert blobs["signature.png"] == b""
