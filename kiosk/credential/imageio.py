"""Load a photo or a scan safely: header checked before decoding, size bounded, dark frames refused.

Every failure raises `ImageRejected` whose message is a Spanish sentence for the operator.
"""

from __future__ import annotations

import functools
import io
import logging
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from kiosk.credential.messages import message
from kiosk.messages import file_reason

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
    bgr = decode_bounded(data, name, WORK_PIXELS)
    check_not_black(bgr, name)
    return bgr


def decode_bounded(data: bytes, name: str, work_pixels: int) -> np.ndarray:
    """Image bytes as a BGR array of at most `work_pixels`: the header checked (check_header)
    before any pixel is decoded, a decompression bomb refused, 16-bit and float grey scaled to
    8 bits (Pillow's RGB conversion clips them at 255: a 16-bit scan came out white), and turned
    as its EXIF orientation says (a phone's portrait photo is stored sideways; OpenCV's imread
    turns it, Pillow does not)."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; here any bomb is an error
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img_file = Image.open(io.BytesIO(data), formats=_photo_formats())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        log.warning("image %s refused as a decompression bomb: %s", name, exc)
        raise ImageRejected("image_too_large", path=name, megapixels="más de 170", limit=MAX_PIXELS // 1_000_000) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected("file_unreadable", path=name, reason=_why_unopened(data, exc)) from exc
    try:
        with img_file as img:
            width, height = img.size
            check_header(width, height, name)
            if width * height > work_pixels and img.format == "JPEG":
                factor = (width * height / work_pixels) ** 0.5
                img.draft("RGB", (int(width / factor), int(height / factor)))
            turn = EXIF_TURNS.get(_orientation(img, name))
            deep = img.mode
            img = img.convert("F") if deep in DEEP_MODES else img.convert("RGB")
            if img.width * img.height > work_pixels:
                factor = (img.width * img.height / work_pixels) ** 0.5
                img = img.resize((int(img.width / factor), int(img.height / factor)), Image.BILINEAR)
            if turn is not None:
                img = img.transpose(turn)
            pixels = _eight_bit(np.asarray(img), deep) if deep in DEEP_MODES else np.asarray(img)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, MemoryError) as exc:
        log.warning("image %s refused while decoding: %s", name, exc)
        raise ImageRejected("image_too_large", path=name, megapixels=round(width * height / 1e6), limit=MAX_PIXELS // 1_000_000) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected("file_unreadable", path=name, reason=_why_unopened(data, exc)) from exc
    return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR if pixels.ndim == 2 else cv2.COLOR_RGB2BGR)


# What a camera, a phone or a scanner saves. Nothing else is opened: Pillow opens EPS by running
# Ghostscript on it (installed with CUPS), and its rarer parsers are attack surface a photo never needs
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF", "AVIF")


@functools.cache
def _photo_formats() -> tuple[str, ...]:
    """PHOTO_FORMATS that this Pillow can open (AVIF may be absent). Registering every plugin takes
    ~50 ms, so it is done at the first photo, not when the kiosk starts."""
    Image.init()
    return tuple(f for f in PHOTO_FORMATS if f in Image.OPEN)


HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis")


def _why_unopened(data: bytes, exc: Exception) -> str:
    """Why Image.open refused `data`, for the operator."""
    if not data:
        return message("reason_empty")
    if data[4:8] == b"ftyp" and any(brand in data[8:40] for brand in HEIC_BRANDS):
        return message("reason_heic")
    if isinstance(exc, UnidentifiedImageError):
        return message("reason_not_photo")
    return message("reason_damaged")


EXIF_ORIENTATION = 0x0112
# EXIF orientation → the Pillow transpose that shows the photo upright (as ImageOps.exif_transpose)
EXIF_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
# Pillow's grey modes deeper than 8 bits: 16-bit PNG and TIFF (I;16…), 32-bit integer and float TIFF
DEEP_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def _orientation(img: Image.Image, name: str) -> int:
    """The EXIF orientation of `img` (1, upright, when absent): broken metadata does not make a
    photo unreadable."""
    try:
        return int(img.getexif().get(EXIF_ORIENTATION, 1))
    except Exception as exc:  # Pillow's EXIF parser raises many kinds on malformed tags
        log.info("image %s: EXIF orientation unreadable (%s), taken as upright", name, exc)
        return 1


def _eight_bit(grey: np.ndarray, mode: str) -> np.ndarray:
    """A deep grey image (as float32) on 0-255: 16-bit modes, and 32-bit values above 255, are
    taken as 16-bit (0-65535); float values within 0-1 as a fraction of white."""
    top = float(grey.max()) if grey.size else 0.0
    if mode.startswith("I;16") or top > 255.0:
        grey = grey / 257.0
    elif mode == "F" and top <= 1.0:
        grey = grey * 255.0
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


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
    return load_bytes(read_file(path), str(path))


def read_file(path: str | Path) -> bytes:
    """The bytes of an image file of at most MAX_FILE_BYTES; ImageRejected otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImageRejected("file_unreadable", path=str(path), reason=message("reason_too_heavy", mb=size // 1_000_000))
        return path.read_bytes()
    except OSError as exc:
        reason = file_reason(exc, "es")
        log.warning("image %s unreadable: %s", path, exc)
        raise ImageRejected("file_unreadable", path=str(path), reason=reason) from exc


def check_not_black(bgr: np.ndarray, name: str = "imagen") -> None:
    """An all-dark frame (lens covered, camera off) is an error, not an empty reading."""
    if float(bgr.mean()) < 12 and float(bgr.std()) < 6:
        raise ImageRejected("image_black", path=name)
