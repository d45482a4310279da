"""The simulated kiosk hardware of the demo: a camera that shows fictitious "MUESTRA" cards and a
face, and a signature pad simulator on a pty read by the real Topaz driver. Captures go through
the same checks and state machine as the UI.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from importlib.resources import files

import cv2
import numpy as np

from drivers.camera.simulated import SimulatedCamera
from drivers.pad.simulator import SimulatedPad
from kiosk import checks
from kiosk.capture import CaptureSession
from kiosk.specimens.cards import make_card
from kiosk.specimens.scenes import photo_of_card
from kiosk.station import Saved, Station


class CaptureError(RuntimeError):
    """A simulated input that a quality gate refused (the demo never retakes silently)."""

    def __init__(self, step: str, reasons: list[str]) -> None:
        super().__init__(f"{step}: {'; '.join(reasons)}")


def demo_face() -> np.ndarray:
    raw = files("kiosk.assets").joinpath("face_muestra.jpg").read_bytes()
    return cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)


class DemoRig:
    """Camera + pad twins. `pad_speed` plays signatures faster than real time."""

    def __init__(self, seed: int = 1000, pad_speed: float = 50.0, card_pool: int = 16) -> None:
        self._frames: deque[np.ndarray] = deque()
        self.camera = SimulatedCamera(self._frames.popleft)
        self.pad = SimulatedPad(speed=pad_speed)
        self._seeds = itertools.cycle(range(seed, seed + card_pool))
        self._cards: dict[int, tuple] = {}  # drawing a card costs ~1 s: the same people come back
        self._face = demo_face()

    def card(self) -> tuple[np.ndarray, np.ndarray, dict]:
        seed = next(self._seeds)
        if seed not in self._cards:
            front, back, truth = make_card(seed)
            rng = random.Random(seed)  # the card held up to the camera on a cluttered table
            self._cards[seed] = (photo_of_card(front, "easy", rng)[0], photo_of_card(back, "easy", rng)[0], truth)
        return self._cards[seed]

    def show(self, frame: np.ndarray) -> np.ndarray:
        """Put `frame` in front of the camera and take a picture of it."""
        self._frames.append(frame)
        return self.camera.capture()

    def capture_one(self, station: Station, auxiliar_id: str, index: int = 0) -> Saved:
        front, back, truth = self.card()
        session = CaptureSession(auxiliar_id)
        session.choose_model(truth["model"])
        front_frame = self.show(front)
        side = checks.read_side(front_frame, asked="front")
        session.accept_front(side.stored, side.fields, side.warnings, screening=side.screening)
        side = checks.read_side(self.show(back), front=front_frame)
        session.accept_back(side.stored, side.fields, side.warnings, screening=side.screening)
        session.confirm_original()
        photo = checks.check_photo(self.show(self._face))
        if not photo.accepted:
            raise CaptureError("photo", photo.reasons)
        session.accept_photo(photo.stored)
        trajectory = self.pad.read_signature(timeout=30)
        signature = checks.check_signature(trajectory)
        if not signature.accepted:
            raise CaptureError("signature", signature.reasons)
        session.accept_signature(trajectory, checks.render_signature(trajectory))
        return session.save(station)

    def close(self) -> None:
        self.pad.close()
        self.camera.close()

    def __enter__(self) -> "DemoRig":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
