"""Per-character classifier for fixed-pitch MRZ cells, in any monospace font.

A segmenter cuts each MRZ line into cells with `crop_cell`; `classify` gives 37 calibrated
probabilities per cell (ALPHABET order) for the check-digit decoder to choose among. A small CNN
trained on synthetic lines (tools/train_mrz_cells.py), run with OpenCV's dnn; no torch at runtime.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from kiosk.credential.ocrb import ALPHABET

CELL_W, CELL_H = 24, 32
CROP_PITCHES_W, CROP_PITCHES_H = 1.5, 2.0  # the crop spans this many pitches around the cell centre
MODEL_PATH = Path(__file__).with_name("models") / "mrz_cellnet.onnx"
MIN_STD = 6.0  # grey levels: a flat cell is not stretched into noise

_net: cv2.dnn.Net | None = None
_lock = threading.Lock()

__all__ = ["ALPHABET", "CELL_W", "CELL_H", "classify", "crop_cell", "normalize"]


def crop_cell(gray: np.ndarray, cx: float, cy: float, pitch: float) -> np.ndarray:
    """The CELL_H × CELL_W uint8 crop of one cell: centred on (cx, cy), 1.5 pitches wide, 2 tall.

    Coordinates are continuous image coordinates in which pixel (0, 0) covers [0, 1) × [0, 1), so
    cell i of a line whose first cell starts at `left` has cx = left + (i + 0.5) * pitch. Pixels
    outside the image repeat the border. `gray` is a 2-D uint8 image.
    """
    if gray.ndim != 2:
        raise ValueError("crop_cell espera una imagen en gris (2-D)")
    if not pitch > 0:
        raise ValueError(f"crop_cell: pitch must be positive, got {pitch}")
    scale = CELL_W / (CROP_PITCHES_W * pitch)  # output pixels per input pixel, same on both axes
    src, ox, oy = gray, cx - 0.5, cy - 0.5  # ox, oy: the centre in OpenCV's pixel-centre convention
    if scale < 0.75:
        # Downsampling: low-pass a local patch first so thin strokes do not alias away.
        pw = int(np.ceil(CROP_PITCHES_W * pitch)) + 8
        ph = int(np.ceil(CROP_PITCHES_H * pitch)) + 8
        patch = cv2.getRectSubPix(gray, (pw, ph), (float(ox), float(oy)))
        sigma = 0.45 * np.sqrt(1.0 / scale**2 - 1.0)
        src = cv2.GaussianBlur(patch, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        ox, oy = (pw - 1) / 2, (ph - 1) / 2
    m = np.array(
        [[scale, 0.0, (CELL_W - 1) / 2 - scale * ox], [0.0, scale, (CELL_H - 1) / 2 - scale * oy]],
        np.float64,
    )
    return cv2.warpAffine(src, m, (CELL_W, CELL_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def normalize(cells: np.ndarray) -> np.ndarray:
    """(N, CELL_H, CELL_W) uint8 → (N, 1, CELL_H, CELL_W) float32: ink positive, zero mean, unit spread."""
    x = cells.astype(np.float32).reshape(len(cells), -1)
    mean = x.mean(axis=1, keepdims=True)
    std = np.maximum(x.std(axis=1, keepdims=True), MIN_STD)
    return ((mean - x) / std).reshape(len(cells), 1, CELL_H, CELL_W)


def _load() -> cv2.dnn.Net:
    global _net
    if _net is None:
        if not MODEL_PATH.exists():
            raise FileNotFoundError(f"Falta el modelo de caracteres MRZ: {MODEL_PATH}")
        net = cv2.dnn.readNetFromONNX(str(MODEL_PATH))
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        _net = net
    return _net


def classify(cells: np.ndarray) -> np.ndarray:
    """(N, CELL_H, CELL_W) uint8 cells → (N, 37) float32 probabilities, ALPHABET order; rows sum to 1."""
    cells = np.asarray(cells)
    if cells.ndim != 3 or cells.shape[1:] != (CELL_H, CELL_W):
        raise ValueError(f"classify espera celdas (N, {CELL_H}, {CELL_W}), no {cells.shape}")
    if len(cells) == 0:
        return np.zeros((0, len(ALPHABET)), np.float32)
    blob = normalize(cells)
    with _lock:  # one net per process; OpenCV's forward is not re-entrant
        net = _load()
        net.setInput(blob)
        logits = net.forward().reshape(len(cells), len(ALPHABET)).astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    return p.astype(np.float32)
