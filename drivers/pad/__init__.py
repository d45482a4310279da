"""Signature pads: a Topaz-compatible serial driver, a line-protocol driver, a pty simulator.

A pad returns a trajectory {"width", "height", "points": [[t_ms, x, y, pressure, pen_down], ...]}.
"""

from drivers.pad.base import SignaturePad, Trajectory
from drivers.pad.render import render_png
from drivers.pad.serial_pad import SerialPad
from drivers.pad.simulator import PadSimulator, SimulatedPad
from drivers.pad.synthetic import synthetic_signature

__all__ = ["PadSimulator", "SerialPad", "SignaturePad", "SimulatedPad", "Trajectory",
           "render_png", "synthetic_signature"]
