"""Cameras behind one small protocol: picamera2 (Pi), OpenCV/V4L2 (USB webcams), simulated.

Every backend returns plain numpy BGR uint8 frames and raises drivers.errors.DeviceError.
"""

from drivers.camera.base import Camera, Frame
from drivers.camera.opencv import OpenCVCamera
from drivers.camera.picam import Picamera2Camera
from drivers.camera.simulated import SimulatedCamera, pattern_frame

__all__ = ["Camera", "Frame", "OpenCVCamera", "Picamera2Camera", "SimulatedCamera", "pattern_frame"]
