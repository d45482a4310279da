"""Cameras: the simulated twin (folder, callable), the OpenCV backend on a real video file and
on missing / non-video / forbidden device nodes, and the guarded picamera2 import."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import Camera, OpenCVCamera, Picamera2Camera, SimulatedCamera, pattern_frame
from drivers.errors import DeviceError
from drivers.pad import PadSimulator
from kiosk.devices import device_message


def _frames(folder: Path, count: int) -> list[np.ndarray]:
    frames = [pattern_frame(i, (64, 48)) for i in range(count)]
    for index, frame in reversed(list(enumerate(frames))):
        cv2.imwrite(str(folder / f"frame{index:02d}.png"), frame)
    return frames


def test_simulated_camera_cycles_a_sorted_folder(tmp_path: Path) -> None:
    frames = _frames(tmp_path, 3)
    (tmp_path / "notes.txt").write_text("not a frame")
    with SimulatedCamera(tmp_path) as camera:
        assert isinstance(camera, Camera)
        got = [camera.capture() for _ in range(4)]
    for shot, expected in zip(got, frames + frames[:1]):
        assert shot.dtype == np.uint8 and shot.shape == (48, 64, 3)
        assert np.array_equal(shot, expected)
    with pytest.raises(DeviceError) as caught:
        camera.capture()
    assert caught.value.code == "unplugged"


def test_simulated_camera_from_a_callable_normalizes_gray() -> None:
    camera = SimulatedCamera(lambda: np.full((10, 20), 7, np.uint8))
    frame = camera.capture()
    assert frame.shape == (10, 20, 3) and int(frame[0, 0, 2]) == 7


def test_simulated_camera_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(DeviceError) as missing:
        SimulatedCamera(tmp_path / "nope")
    assert missing.value.code == "missing"
    with pytest.raises(DeviceError) as empty:
        SimulatedCamera(tmp_path)
    assert empty.value.code == "empty"
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DeviceError) as garbage:
        SimulatedCamera(tmp_path).capture()
    assert garbage.value.code == "garbage"


def test_opencv_backend_reads_a_real_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for index in range(5):
        writer.write(pattern_frame(index, (160, 120)))
    writer.release()
    with OpenCVCamera(str(path)) as camera:
        frames = [camera.capture() for _ in range(5)]
        with pytest.raises(DeviceError) as caught:
            camera.capture()
    assert all(f.shape == (120, 160, 3) for f in frames)
    blue = [int(f[:, :, 2].mean()) for f in frames]
    assert blue == sorted(blue) and blue[-1] > blue[0]
    assert caught.value.code == "garbage"


def test_opencv_missing_device_gives_the_spanish_message() -> None:
    with pytest.raises(DeviceError) as caught:
        OpenCVCamera("/dev/video97")
    assert caught.value.code == "missing"
    assert device_message(caught.value) == "No se encontró la cámara. Avise al personal técnico."
    assert device_message(caught.value, "en") == "The camera was not found. Please call technical staff."


def test_opencv_rejects_a_device_node_that_is_not_a_camera() -> None:
    with PadSimulator() as tty, pytest.raises(DeviceError) as caught:
        OpenCVCamera(tty.port)
    assert caught.value.code == "missing" and "not a video device" in caught.value.message


@pytest.fixture
def video_node():
    """A real V4L2 device node (major 81) with no driver behind it, mode 0600, in a folder
    anyone may enter."""
    folder = Path(tempfile.mkdtemp(prefix="apoyo-video-"))
    folder.chmod(0o755)
    path = folder / "video99"
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(81, 99))
    yield path
    shutil.rmtree(folder)


def test_opencv_video_node_without_a_camera_is_missing(video_node: Path) -> None:
    with pytest.raises(DeviceError) as caught:
        OpenCVCamera(str(video_node))
    assert caught.value.code == "missing" and "No such device" in caught.value.message


def test_opencv_permission_denied_for_an_unprivileged_user(video_node: Path) -> None:
    script = ("import sys\nfrom drivers.errors import DeviceError\n"
              "from drivers.camera import OpenCVCamera\n"
              "try:\n    OpenCVCamera(sys.argv[1])\nexcept DeviceError as e:\n    print(e.code)\n")
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         script, str(video_node)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2], check=False)
    assert result.stdout.strip() == "permission", result.stderr


def test_picamera2_absent_is_missing() -> None:
    with pytest.raises(DeviceError) as caught:
        Picamera2Camera()
    assert caught.value.code == "missing" and "picamera2" in caught.value.message
