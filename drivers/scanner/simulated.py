"""Simulated scanner: pages from image files (a folder, sorted, cycling) or a callable.

Like a feeder: each `scan()` returns the next `batch` pages; a callable may return one page or a list.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from drivers.errors import EMPTY, GARBAGE, MISSING, UNPLUGGED, DeviceError
from drivers.scanner.base import Page
from drivers.scanner.synthetic import synthetic_page

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pnm", ".webp"}
PageSource = str | Path | list | Callable[[], np.ndarray | list[np.ndarray]] | None


class SimulatedScanner:
    """Serves pages from `source`: a folder, a list of files, a callable, or synthetic pages."""

    def __init__(self, source: PageSource = None, *, batch: int = 1) -> None:
        self.batch = batch
        if source is None:
            seeds = itertools.count()
            source = lambda: synthetic_page(next(seeds))  # noqa: E731
        if callable(source):
            self._next: Callable[[], np.ndarray | list[np.ndarray]] | None = source
            return
        if isinstance(source, list):
            files = [Path(p) for p in source]
        else:
            folder = Path(source)
            if not folder.is_dir():
                raise DeviceError(MISSING, f"page folder {folder} does not exist", device="scanner")
            files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DeviceError(EMPTY, f"no page images in {source}", device="scanner")
        cycle = itertools.cycle(files)
        self._next = lambda: [self._read(next(cycle)) for _ in range(self.batch)]

    @staticmethod
    def _read(path: Path) -> np.ndarray:
        page = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if page is None:
            raise DeviceError(GARBAGE, f"cannot decode {path}", device="scanner")
        return page

    def scan(self) -> list[Page]:
        """The next pages."""
        if self._next is None:
            raise DeviceError(UNPLUGGED, "scanner already closed", device="scanner")
        pages = self._next()
        pages = pages if isinstance(pages, list) else [pages]
        if not pages or any(not isinstance(p, np.ndarray) or p.size == 0 for p in pages):
            raise DeviceError(GARBAGE, "page source returned no image", device="scanner")
        return [p if p.ndim == 3 else cv2.cvtColor(p, cv2.COLOR_GRAY2BGR) for p in pages]

    def close(self) -> None:
        """Forget the source."""
        self._next = None

    def __enter__(self) -> "SimulatedScanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
