"""Issue 19: the UI draws Inicio before importing OpenCV, numpy or PIL (the drivers need them, the
first screen does not), then opens the devices in the background, and they work. Runs `kiosk run
--simulated` in a fresh interpreter, as the kiosk starts, so a new eager import anywhere on the way
to Inicio makes it fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Authority, build_station

HEAVY = ("cv2", "numpy", "PIL", "zxingcpp", "pytesseract", "pyzbar", "serial")

PROBE = """
import json, sys
from textual.app import App
from tui.hardware import Hardware

original = App.run
seen = {}
opener = Hardware.open_in_background

def open_in_background(self, *args):  # called once Inicio is drawn: what had been imported by then?
    seen["at_inicio"] = sorted({m.split(".")[0] for m in sys.modules})
    return opener(self, *args)

Hardware.open_in_background = open_in_background

def run(self, *args, **kwargs):
    async def until_inicio(pilot):
        from tui.screens.inicio import InicioScreen
        while not isinstance(self.screen, InicioScreen):
            await pilot.pause(0.01)
        for _ in range(600):  # the devices open in the background after Inicio
            if self.hardware._opened:
                break
            await pilot.pause(0.05)
        frame = self.hardware.capture("preview")
        seen["frame"] = list(frame.shape)
        seen["problems"] = self.hardware.problems
        self.exit()
    return original(self, headless=True, auto_pilot=until_inicio)

App.run = run
from kiosk.cli import main
code = main(["--data-dir", sys.argv[1], "run", "--simulated"])
print(json.dumps(seen))
sys.exit(code)
"""


def test_inicio_is_drawn_without_opencv_and_the_devices_open_after(tmp_path: Path) -> None:
    root = tmp_path / "kiosko"
    build_station(root, Authority()).close()
    out = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True,
                         timeout=300, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert "textual" in seen["at_inicio"]  # the probe did see the UI's modules
    assert sorted(set(HEAVY) & set(seen["at_inicio"])) == []
    assert seen["problems"] == {}
    assert len(seen["frame"]) == 3 and seen["frame"][2] == 3  # a BGR frame from the simulated camera
