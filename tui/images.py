"""Images in the terminal: each cell shows two pixels with "▀" (top pixel as the foreground,
bottom pixel as the background), so the operator can judge a photo's legibility on any console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

# OpenCV and numpy are imported when an image is drawn, not when a screen that may show one is.
if TYPE_CHECKING:
    import numpy as np

UPPER_HALF = "▀"


def decode(data: bytes) -> np.ndarray | None:
    """BGR image from encoded bytes (JPEG/PNG); None when it does not decode."""
    if not data:
        return None
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image


def fit(image: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Resize to fit cols × (2·rows) pixels keeping the aspect ratio (cells are ~1:2)."""
    import cv2

    h, w = image.shape[:2]
    scale = min(cols / w, (2 * rows) / h)
    size = (max(1, int(w * scale)), max(2, int(h * scale) // 2 * 2))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def folded(image: np.ndarray | None, max_aspect: float = 6.0) -> np.ndarray | None:
    """A long strip (a cédula row) cut in two and stacked, left half above the right half, so
    it is drawn twice as tall in the same width; other images are returned as they are."""
    if image is None:
        return None
    h, w = image.shape[:2]
    if w < max_aspect * h:
        return image
    import numpy as np

    half = (w + 1) // 2
    left, right = image[:, :half], image[:, half:]
    if right.shape[1] < half:
        right = np.pad(right, ((0, 0), (0, half - right.shape[1]), (0, 0)), constant_values=255)
    gap = np.full((max(2, h // 8), half, 3), 128, np.uint8)
    return np.vstack([left, gap, right])


class HalfBlock:
    """A Rich renderable of a BGR uint8 image drawn with upper half blocks."""

    def __init__(self, image: np.ndarray, cols: int, rows: int) -> None:
        self.pixels = fit(image, cols, rows)[:, :, ::-1]  # RGB

    def lines(self) -> list[list[Segment]]:
        import numpy as np

        rgb = self.pixels
        if rgb.shape[0] % 2:
            rgb = np.vstack([rgb, rgb[-1:]])
        out = []
        for y in range(0, rgb.shape[0], 2):
            row = []
            for top, bottom in zip(rgb[y], rgb[y + 1]):
                style = Style(color=Color.from_rgb(*map(int, top)), bgcolor=Color.from_rgb(*map(int, bottom)))
                row.append(Segment(UPPER_HALF, style))
            out.append(row)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for row in self.lines():
            yield from row
            yield Segment.line()


class ImageView(Widget):
    """Shows one image (BGR ndarray or encoded bytes) scaled into the widget's size."""

    DEFAULT_CSS = """
    ImageView { width: 1fr; height: 1fr; min-height: 4; }
    """

    def __init__(self, image: np.ndarray | bytes | None = None, *, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.image = decode(image) if isinstance(image, (bytes, bytearray)) else image

    def show(self, image: np.ndarray | bytes | None) -> None:
        self.image = decode(image) if isinstance(image, (bytes, bytearray)) else image
        self.refresh()

    def render(self) -> object:
        if self.image is None or self.size.width < 1 or self.size.height < 1:
            return ""
        return HalfBlock(self.image, self.size.width, self.size.height)
