"""Tesseract from memory: the image goes to the `tesseract` CLI through a pipe and the text comes
back on stdout, so no plaintext image or text of a card or cédula ever touches the disk
(pytesseract writes both to $TMPDIR, which under the units' PrivateTmp= is the SD card). MRZ
text goes through tesserocr (tesseract's C API, in process) where it is installed: same
engine and language data, without loading the model again for every image.

Used as a source of candidates only: nothing it says is kept unless check digits or another
source confirm it.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import threading

import cv2
import numpy as np

log = logging.getLogger(__name__)

# One OpenMP thread per tesseract: on a card front its threads spend more time waiting on each
# other than reading (1.2 s → 0.3 s a front on 2 cores here; kiosk/cedula/ocr.py says the same).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MRZ_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
MRZ_CONFIG = f"--psm 7 --oem 1 -c tessedit_char_whitelist={MRZ_WHITELIST}"
MRZ_BLOCK_CONFIG = f"--psm 6 --oem 1 -c tessedit_char_whitelist={MRZ_WHITELIST} -c load_system_dawg=0 -c load_freq_dawg=0"
TEXT_CONFIG = "--psm 6 --oem 1"
TSV_KEYS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height", "conf", "text")


class TesseractError(RuntimeError):
    """Tesseract failed or timed out on one image."""


def run(image: np.ndarray, lang: str = "eng", config: str = "", extension: str = "", timeout: float = 10) -> str:
    """Tesseract's output for `image` (grey or BGR array), image in through stdin, text out through stdout."""
    ok, png = cv2.imencode(".png", np.ascontiguousarray(image))
    if not ok:
        raise TesseractError("could not encode the image")
    command = ["tesseract", "stdin", "stdout", "-l", lang, *shlex.split(config)]
    if extension:
        command.append(extension)
    try:
        done = subprocess.run(command, input=png.tobytes(), capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TesseractError(str(exc)) from exc
    if done.returncode != 0:
        raise TesseractError(done.stderr.decode("utf-8", "replace").strip()[-300:])
    return done.stdout.decode("utf-8", "replace")


def image_to_string(image: np.ndarray, lang: str = "eng", config: str = "", timeout: float = 10) -> str:
    """The text of `image` ('' is a valid answer)."""
    return run(image, lang, config, timeout=timeout)


def image_to_data(image: np.ndarray, lang: str = "eng", config: str = "", timeout: float = 20) -> dict[str, list]:
    """Words with boxes and confidences, as pytesseract's Output.DICT (ints, conf a float, text a str)."""
    out: dict[str, list] = {key: [] for key in TSV_KEYS}
    lines = run(image, lang, config, "tsv", timeout).splitlines()
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) < len(TSV_KEYS) - 1:
            continue
        cells += [""] * (len(TSV_KEYS) - len(cells))
        for key, cell in zip(TSV_KEYS, cells):
            if key == "text":
                out[key].append(cell)
            elif key == "conf":
                out[key].append(float(cell or -1))
            else:
                out[key].append(int(cell or 0))
    return out


TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata")
_APIS: dict[int, object] = {}
_API_LOCK = threading.Lock()


def _tessdata() -> str | None:
    prefix = os.environ.get("TESSDATA_PREFIX")
    for folder in ((prefix,) if prefix else ()) + TESSDATA_DIRS:
        if os.path.isfile(os.path.join(folder, "eng.traineddata")):
            return folder
    return None


def _mrz_api(psm: int):
    """tesserocr's engine for MRZ text, loaded once per process (None when tesserocr or the
    language data is not there: the CLI through a pipe is used then, e.g. on arm64, which has no
    tesserocr wheel). In process, the ~0.1 s that the CLI spends loading its model on every image
    is spent once; the image stays in memory either way."""
    if psm in _APIS:
        return _APIS[psm]
    api = None
    try:
        import tesserocr

        folder = _tessdata()
        if folder is not None:
            api = tesserocr.PyTessBaseAPI(path=folder + "/", lang="eng", psm=psm, oem=tesserocr.OEM.LSTM_ONLY,
                                          variables={"tessedit_char_whitelist": MRZ_WHITELIST, "load_system_dawg": "0",
                                                     "load_freq_dawg": "0"})
    except (ImportError, RuntimeError) as exc:
        log.info("tesserocr not used (%s): tesseract runs through its CLI", exc)
        api = None
    _APIS[psm] = api
    return api


def _mrz_in_process(gray: np.ndarray, psm: int) -> str | None:
    """The MRZ text of `gray` by tesserocr; None when it is not available or fails."""
    from PIL import Image

    with _API_LOCK:  # one engine per process, not thread-safe
        api = _mrz_api(psm)
        if api is None:
            return None
        try:
            api.SetImage(Image.fromarray(np.ascontiguousarray(gray)))
            return api.GetUTF8Text()
        except RuntimeError as exc:
            log.warning("tesserocr failed on an MRZ image: %s", exc)
            return None


def read_mrz_line(gray_line: np.ndarray) -> str:
    """One MRZ line as tesseract sees it (spaces removed); '' if tesseract fails."""
    fast = _mrz_in_process(gray_line, 7)
    if fast is not None:
        return re.sub(r"\s+", "", fast.upper())
    try:
        text = image_to_string(gray_line, "eng", MRZ_CONFIG, timeout=5)
    except TesseractError as exc:
        log.warning("tesseract failed on an MRZ line: %s", exc)
        return ""
    return re.sub(r"\s+", "", text.upper())


def read_mrz_block(gray_block: np.ndarray) -> list[str]:
    """The lines of an MRZ-like block (spaces removed, empty lines dropped); [] if tesseract fails."""
    text = _mrz_in_process(gray_block, 6)
    if text is not None:
        return [re.sub(r"\s+", "", ln.upper()) for ln in text.splitlines() if ln.strip()]
    try:
        text = image_to_string(gray_block, "eng", MRZ_BLOCK_CONFIG, timeout=3)
    except TesseractError as exc:
        log.warning("tesseract failed on an MRZ block: %s", exc)
        return []
    return [re.sub(r"\s+", "", ln.upper()) for ln in text.splitlines() if ln.strip()]


def read_text(gray: np.ndarray, lang: str = "spa") -> str:
    """The printed text of a rectified card side; '' if tesseract fails."""
    try:
        return image_to_string(gray, lang, TEXT_CONFIG, timeout=10)
    except TesseractError as exc:
        log.warning("tesseract failed on a card side: %s", exc)
        return ""
