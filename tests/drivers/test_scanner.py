"""Scanners: SANE through the real `scanimage` and SANE's own `test` backend, the simulated
twin, and the camera document mode on synthetic photos of pages (rotation, perspective)."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import SimulatedCamera
from drivers.errors import DeviceError
from drivers.scanner import (CameraDocumentScanner, SaneScanner, Scanner, SimulatedScanner,
                             detect_page, list_devices, rectify_page)
from drivers.scanner.sane import parse_device_list
from drivers.scanner.synthetic import _table, photograph_page, synthetic_page
from kiosk.devices import device_message


@pytest.fixture
def sane_test_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only SANE's built-in `test` backend (virtual scanners test:0, test:1) is enabled."""
    (tmp_path / "dll.conf").write_text("test\n")
    (tmp_path / "test.conf").write_text("number_of_devices 2\n")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(tmp_path))


def test_sane_lists_devices(sane_test_backend: None) -> None:
    names = [name for name, _ in list_devices()]
    assert names == ["test:0", "test:1"]


def test_parse_device_list() -> None:
    output = ("device `epson2:libusb:001:004' is a Epson PID 0x0838 flatbed scanner\n"
              "device `test:0' is a Noname frontend-tester virtual device\n")
    assert parse_device_list(output) == [
        ("epson2:libusb:001:004", "Epson PID 0x0838 flatbed scanner"),
        ("test:0", "Noname frontend-tester virtual device")]


def test_sane_flatbed_color_and_gray(sane_test_backend: None) -> None:
    color = SaneScanner(resolution=50, mode="Color")
    assert color.device == "test:0" and isinstance(color, Scanner)
    pages = color.scan()
    assert len(pages) == 1 and pages[0].ndim == 3 and pages[0].dtype == np.uint8
    width_50 = pages[0].shape[1]
    gray = SaneScanner("test:1", resolution=100, mode="Gray").scan()[0]
    assert np.array_equal(gray[:, :, 0], gray[:, :, 2])
    assert abs(gray.shape[1] - 2 * width_50) <= 2


def test_sane_adf_batch_scans_until_the_feeder_is_empty(sane_test_backend: None) -> None:
    pages = SaneScanner("test:0", resolution=25, mode="Gray",
                        source="Automatic Document Feeder").scan()
    assert len(pages) == 10  # the test backend's feeder holds 10 sheets


def test_sane_unknown_device_is_missing(sane_test_backend: None) -> None:
    with pytest.raises(DeviceError) as caught:
        SaneScanner("epson2:libusb:009:009", resolution=50).scan()
    assert caught.value.code == "missing"
    assert device_message(caught.value) == "No se encontró el escáner. Avise al personal técnico."


def test_no_scanimage_is_missing() -> None:
    with pytest.raises(DeviceError) as caught:
        SaneScanner(scanimage="scanimage-not-installed")
    assert caught.value.code == "missing" and "sane-utils" in caught.value.message


def test_simulated_scanner_from_files_and_callable(tmp_path: Path) -> None:
    for index in range(3):
        cv2.imwrite(str(tmp_path / f"p{index}.png"), np.full((30, 20), 80 * index, np.uint8))
    scanner = SimulatedScanner(tmp_path, batch=2)
    first, second = scanner.scan(), scanner.scan()
    assert [int(p[0, 0, 0]) for p in first + second] == [0, 80, 160, 0]
    assert first[0].shape == (30, 20, 3)
    made = SimulatedScanner(lambda: [synthetic_page(1), synthetic_page(2)]).scan()
    assert len(made) == 2 and not np.array_equal(made[0], made[1])
    with pytest.raises(DeviceError) as caught:
        SimulatedScanner(tmp_path / "none")
    assert caught.value.code == "missing"


def _upright_score(rectified: np.ndarray, page: np.ndarray) -> tuple[float, float]:
    """Correlation of the blurred rectified page with the original, and with it turned 180°."""
    size = (page.shape[1], page.shape[0])
    a = cv2.GaussianBlur(cv2.cvtColor(cv2.resize(rectified, size), cv2.COLOR_BGR2GRAY)
                         .astype(np.float32), (0, 0), 6)
    b = cv2.GaussianBlur(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY).astype(np.float32), (0, 0), 6)
    return (float(np.corrcoef(a.ravel(), b.ravel())[0, 1]),
            float(np.corrcoef(a[::-1, ::-1].ravel(), b.ravel())[0, 1]))


CASES = [(seed, angle) for seed, angle in zip(range(20), [-15, -12, -9, -6, -3, 0, 3, 6, 9, 12, 15] * 2)]


def test_page_detection_on_rotated_photos_with_perspective() -> None:
    hits = 0
    for seed, angle in CASES:
        page = synthetic_page(seed)
        photo, corners = photograph_page(page, seed, angle=angle, tilt=15)
        found = detect_page(photo)
        tolerance = 0.01 * np.hypot(*photo.shape[:2])  # 20 px on a 1600×1200 photo
        if found is None or np.abs(found - corners).max() > tolerance:
            continue
        hits += 1
        straight, turned = _upright_score(rectify_page(photo, found), page)
        assert straight > 0.7 and straight > turned + 0.5, (seed, angle, straight, turned)
    assert hits == len(CASES), f"{hits}/{len(CASES)} pages found within tolerance"


def test_no_page_on_an_empty_table() -> None:
    plain = np.full((600, 800, 3), 90, np.uint8)
    assert detect_page(plain) is None
    with pytest.raises(DeviceError) as caught:
        rectify_page(plain)
    assert caught.value.code == "empty"
    for seed in range(8):
        assert detect_page(_table(np.random.default_rng(seed), (1600, 1200))) is None, seed


def test_rectified_page_is_evenly_lit_and_readable_by_contrast() -> None:
    page = synthetic_page(4)
    photo, _ = photograph_page(page, 4, angle=8)
    rectified = rectify_page(photo)
    gray = cv2.cvtColor(rectified, cv2.COLOR_BGR2GRAY)
    paper = np.percentile(gray, 60)
    assert paper >= 235  # paper comes out white despite the lighting gradient
    left, right = gray[:, : gray.shape[1] // 4], gray[:, -gray.shape[1] // 4:]
    assert abs(float(np.median(left)) - float(np.median(right))) < 10


def test_camera_document_scanner_on_a_simulated_camera() -> None:
    page = synthetic_page(9)
    photo, _ = photograph_page(page, 9, angle=-11)
    with CameraDocumentScanner(SimulatedCamera(lambda: photo)) as scanner:
        pages = scanner.scan()
    assert len(pages) == 1
    height, width = pages[0].shape[:2]
    assert abs(height / width - page.shape[0] / page.shape[1]) < 0.05
    straight, turned = _upright_score(pages[0], page)
    assert straight > 0.7 and straight > turned + 0.5
