"""Load a credential photo safely: header checked before decoding, size bounded, dark frames refused.

Every failure raises `ImageRejected` whose message is a Spanish sentence for the operator.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from kiosk.credential.messages import message

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 80 * 1024 * 1024
MAX_PIXELS = 64_000_000  # refuse above this before decoding anything
WORK_PIXELS = 4_000_000  # bigger photos are reduced while decoding (JPEG) or right after
MAX_ASPECT = 4.0  # a camera frame is at most 21:9; a 2 x 30000 strip is not a photo
MIN_SIDE = 64  # smaller than this no card can be read


class ImageRejected(ValueError):
    """A file that is not a usable photo; `code` is a catalog code, str() is Spanish."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, **params))


def load_bytes(data: bytes, name: str = "imagen") -> np.ndarray:
    """Decode image bytes into a BGR array of at most WORK_PIXELS, checking the header first."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; here any bomb is an error
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img_file = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        log.warning("image %s refused as a decompression bomb: %s", name, exc)
        raise ImageRejected("image_too_large", path=name, megapixels="más de 170", limit=MAX_PIXELS // 1_000_000) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        reason = "no es una imagen" if isinstance(exc, UnidentifiedImageError) else "el archivo está dañado o incompleto"
        raise ImageRejected("file_unreadable", path=name, reason=reason) from exc
    try:
        with img_file as img:
            width, height = img.size
            check_header(width, height, name)
            if width * height > WORK_PIXELS and img.format == "JPEG":
                factor = (width * height / WORK_PIXELS) ** 0.5
                img.draft("RGB", (int(width / factor), int(height / factor)))
            img = img.convert("RGB")
            if img.width * img.height > WORK_PIXELS:
                factor = (img.width * img.height / WORK_PIXELS) ** 0.5
                img = img.resize((int(img.width / factor), int(img.height / factor)), Image.BILINEAR)
            rgb = np.asarray(img)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, MemoryError) as exc:
        log.warning("image %s refused while decoding: %s", name, exc)
        raise ImageRejected("image_too_large", path=name, megapixels=round(width * height / 1e6), limit=MAX_PIXELS // 1_000_000) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        reason = "no es una imagen" if isinstance(exc, UnidentifiedImageError) else "el archivo está dañado o incompleto"
        raise ImageRejected("file_unreadable", path=name, reason=reason) from exc
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    check_not_black(bgr, name)
    return bgr


def check_header(width: int, height: int, name: str = "imagen") -> None:
    """Refuse, from the header alone, sizes that no camera frame has (before any pixel is decoded)."""
    if width * height > MAX_PIXELS:
        raise ImageRejected("image_too_large", path=name, megapixels=round(width * height / 1e6), limit=MAX_PIXELS // 1_000_000)
    if min(width, height) < MIN_SIDE:
        raise ImageRejected("image_bad_shape", path=name, width=width, height=height)
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageRejected("image_bad_shape", path=name, width=width, height=height)


def load_image(path: str | Path) -> np.ndarray:
    """Read a photo from disk (see `load_bytes`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImageRejected("file_unreadable", path=str(path), reason=f"el archivo pesa {size // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ImageRejected("file_unreadable", path=str(path), reason=exc.strerror or "no se puede abrir") from exc
    return load_bytes(data, str(path))


def check_not_black(bgr: np.ndarray, name: str = "imagen") -> None:
    """An all-dark frame (lens covered, camera off) is an error, not an empty reading."""
    if float(bgr.mean()) < 12 and float(bgr.std()) < 6:
        raise ImageRejected("image_black", path=name)
