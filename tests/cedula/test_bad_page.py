"""`kiosk cedula read` on files that are not a scanned page: a Spanish sentence, bounded memory."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from bad_images import png_header_only  # noqa: E402


def _read(path, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "kiosk.cli", "cedula", "read", str(path)], capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)


@pytest.mark.parametrize("width, height", [(60000, 60000), (30000, 30000)])
def test_a_page_too_big_is_refused_from_its_header(tmp_path, width, height):
    """60000² is past OpenCV's own limit (it answered with its English assertion); 30000² is under
    it, and OpenCV allocated 2.7 GB before finding the body empty. Both are refused in Spanish from
    the header alone, inside a 2 GB address space (the imports alone take about 1 GB of it)."""
    page = tmp_path / "hoja.png"
    png_header_only(page, width, height)
    done = _read(page, limit_bytes=2 * 1024**3)
    assert done.returncode == 1
    assert "demasiado grande" in done.stderr + done.stdout
    assert "OpenCV" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_strip_is_not_a_page(tmp_path):
    from PIL import Image

    strip = tmp_path / "tira.png"
    Image.new("L", (2, 30000), 200).save(strip)
    done = _read(strip)
    assert done.returncode == 1 and "no tiene forma" in done.stderr + done.stdout
