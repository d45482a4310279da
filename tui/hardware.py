"""The devices the screens use, opened once through `kiosk.devices`. In simulated mode the camera
is shown what the screen asks for (a fictitious "MUESTRA" card, its back, a face), the way a
person would hold it up, so the whole pipeline runs on real images.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from drivers.errors import DeviceError
from kiosk import devices

# numpy, OpenCV and the specimen generators are imported where a frame is made: the UI draws its
# first screen without them and opens the devices after it (see Hardware.open_in_background).
if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class SimulatedScenes:
    """What is in front of the simulated camera for each purpose: front, back, photo, preview.
    "preview:front" shows the next card without taking it; "front" takes it (a new card each)."""

    def __init__(self, seed: int = 2000) -> None:
        self.seed = seed
        self._card: tuple[np.ndarray, np.ndarray, dict] | None = None
        self._next: tuple[np.ndarray, np.ndarray, dict] | None = None
        self._face: np.ndarray | None = None  # made on the first "photo" frame
        self.model: str | None = None  # the credential model the next card is; None: any

    def hold_model(self, model: str | None) -> None:
        """The simulated person holds a card of this model next (Mi apoyo's demo)."""
        self.model = model
        if self._next is not None and model is not None and self._next[2]["model"] != model:
            self._next = None

    def _held_up(self) -> tuple[np.ndarray, np.ndarray, dict]:
        from kiosk.specimens.cards import make_card
        from kiosk.specimens.scenes import photo_of_card

        front, back, truth = make_card(self.seed, model=self.model)
        rng = random.Random(self.seed)  # the card is held up on a table, as in the demo
        self.seed += 1
        return photo_of_card(front, "easy", rng)[0], photo_of_card(back, "easy", rng)[0], truth

    def frame(self, purpose: str) -> np.ndarray:
        kind = purpose.removeprefix("preview:")
        if kind == "front":
            if self._next is None:
                self._next = self._held_up()
            if purpose == "front":
                self._card, self._next = self._next, None
                return self._card[0]
            return self._next[0]
        if kind == "back":
            if self._card is None:
                self._card = self._held_up()
            return self._card[1]
        if self._face is None:
            from kiosk.demo_rig import demo_face

            self._face = demo_face()
        return self._face


def cedula_pages(seed: int = 3000) -> Callable[[], list[np.ndarray]]:
    """Scanned fictitious cédulas, one per scan, for the simulated scanner."""
    seeds = itertools.count(seed)

    def pages() -> list[np.ndarray]:
        from kiosk.cedula.specimen import make_cedula

        return [make_cedula(next(seeds))[0]]

    return pages


class Hardware:
    """Camera, signature pad and scanner for the UI; `problems` holds the Spanish sentence for
    each device that could not be opened (shown on Inicio).

    The devices are opened in the constructor, or with `deferred=True` by `open()` /
    `open_in_background()` (the UI does so once Inicio is on screen, since the drivers import
    OpenCV and numpy). Using a device before then opens them all first (or waits for the
    background opening to finish)."""

    DEVICES = ("camera", "pad", "scanner", "printer", "gps")

    def __init__(self, cfg: devices.DeviceConfig, scenes: SimulatedScenes | None = None,
                 signature_source: object = None, page_source: object = None, *,
                 deferred: bool = False) -> None:
        self.cfg = cfg
        self.scenes = scenes or (SimulatedScenes() if cfg.simulated else None)
        self._wanted = "preview"
        self._camera_lock = threading.Lock()  # a preview and a shot never share the camera
        self._open_lock = threading.Lock()
        self._opened = False
        self._devices: dict[str, object | None] = dict.fromkeys(self.DEVICES)
        self._signature_source = signature_source
        if page_source is None and cfg.simulated:
            page_source = cedula_pages()
        self._page_source = page_source
        self.problems: dict[str, str] = {}
        if not deferred:
            self.open()

    def open(self) -> None:
        """Open every configured device once; later calls return at once (or wait for the
        opening under way in another thread)."""
        with self._open_lock:
            if self._opened:
                return
            cfg, problems = self.cfg, {}
            self._devices["camera"] = self._open(
                "camera", lambda: devices.open_camera(cfg, self._scene if self.scenes else None), problems)
            self._devices["pad"] = self._open(
                "signature_pad", lambda: devices.open_pad(cfg, self._signature_source), problems)  # type: ignore[arg-type]
            self._devices["scanner"] = self._open(
                "scanner", lambda: devices.open_scanner(cfg, self._page_source), problems)  # type: ignore[arg-type]
            self._devices["printer"] = self._open("printer", lambda: devices.open_printer(cfg), problems)
            self._devices["gps"] = self._open("gps", lambda: devices.open_gps(cfg), problems)
            self.problems = problems  # one assignment: Inicio may be reading the old dict
            self._opened = True

    def open_in_background(self, then: Callable[[], None] | None = None) -> threading.Thread | None:
        """Open the devices in a daemon thread, then call `then` there (None when they are open
        already)."""
        if self._opened:
            return None

        def opening() -> None:
            self.open()
            if then is not None:
                then()

        thread = threading.Thread(target=opening, name="open-devices", daemon=True)
        thread.start()
        return thread

    @staticmethod
    def _open(name: str, opener: Callable[[], object], problems: dict[str, str]) -> object | None:
        try:
            return opener()
        except DeviceError as error:
            problems[name] = devices.device_message(error)
            return None

    def _device(self, name: str) -> object | None:
        self.open()
        return self._devices[name]

    def _replace(self, name: str, device: object | None) -> None:
        self.open()
        self._devices[name] = device

    camera = property(lambda self: self._device("camera"), lambda self, d: self._replace("camera", d))
    pad = property(lambda self: self._device("pad"), lambda self, d: self._replace("pad", d))
    scanner = property(lambda self: self._device("scanner"), lambda self, d: self._replace("scanner", d))
    printer = property(lambda self: self._device("printer"), lambda self, d: self._replace("printer", d))
    gps = property(lambda self: self._device("gps"), lambda self, d: self._replace("gps", d))

    def _scene(self) -> np.ndarray:
        assert self.scenes is not None
        return self.scenes.frame(self._wanted)

    def capture(self, purpose: str) -> np.ndarray:
        """One frame for `purpose` (front, back, photo, preview). Raises DeviceError."""
        if self.camera is None:
            raise DeviceError("missing", "camera not available", device="camera")
        with self._camera_lock:
            self._wanted = purpose
            return self.camera.capture()  # type: ignore[attr-defined]

    def read_signature(self, timeout: float = 60.0) -> dict:
        if self.pad is None:
            raise DeviceError("missing", "pad not available", device="signature_pad")
        return self.pad.read_signature(timeout)  # type: ignore[attr-defined]

    def scan(self) -> list[np.ndarray]:
        if self.scanner is None:
            raise DeviceError("missing", "scanner not available", device="scanner")
        return self.scanner.scan()  # type: ignore[attr-defined]

    def print_receipt(self, lines: list[str]) -> None:
        """Print a comprobante on the receipt printer. Raises DeviceError."""
        if self.printer is None:
            raise DeviceError("missing", "printer not available", device="printer")
        self.printer.print_receipt(lines)  # type: ignore[attr-defined]

    def location(self, timeout: float = 5.0) -> dict | None:
        """Where the kiosk is now, from the GPS (marked "gps"), or None when there is no GPS or
        no fix in time (the capture then carries the alta location, marked "alta")."""
        if self.gps is None:
            return None
        try:
            fix = self.gps.read_fix(timeout)  # type: ignore[attr-defined]
        except DeviceError as error:
            log.warning("no GPS position for the capture: %s", error)
            return None
        return {"lat": round(fix.lat, 6), "lon": round(fix.lon, 6), "source": "gps",
                "fix_time": fix.fix_time.isoformat() if fix.fix_time else None}

    def close(self) -> None:
        with self._open_lock:  # an opening under way finishes first; nothing is opened to close it
            opened = list(self._devices.values())
        for device in opened:
            if device is not None:
                try:
                    device.close()  # type: ignore[attr-defined]
                except DeviceError as error:
                    log.warning("closing device: %s", error)
