"""The signature pad's trajectory: validation and splitting into pen-down strokes.

Format: {"width": int, "height": int, "points": [[t_ms, x, y, pressure, pen_down], ...]}, pen_down 0/1.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.messages import file_reason
from kiosk.quality.messages import text

MAX_POINTS = 200_000
MAX_FILE_BYTES = 32 * 1024 * 1024  # MAX_POINTS points written out loosely; a bigger file is not read into memory


class TrajectoryError(ValueError):
    """The trajectory cannot be judged; str() is a one-line Spanish reason naming what is wrong."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(text("trajectory_invalid", detail=detail))


@dataclass(frozen=True)
class Trajectory:
    """A validated trajectory: points as an (n, 5) float array, t_ms, x, y, pressure, pen_down."""

    width: int
    height: int
    points: np.ndarray

    def strokes(self) -> list[np.ndarray]:
        """Runs of consecutive pen-down points, each an (m, 5) array."""
        down = self.points[:, 4] > 0.5
        out: list[np.ndarray] = []
        start = None
        for i, d in enumerate(down):
            if d and start is None:
                start = i
            elif not d and start is not None:
                out.append(self.points[start:i])
                start = None
        if start is not None:
            out.append(self.points[start:])
        return out


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TrajectoryError(f"'{name}' debe ser un entero positivo, se recibió {value!r}")
    return value


def parse_trajectory(raw: object) -> Trajectory:
    """Validate a decoded trajectory; any defect raises TrajectoryError saying which point and why."""
    if not isinstance(raw, dict):
        raise TrajectoryError("se esperaba un objeto con width, height y points")
    missing = [k for k in ("width", "height", "points") if k not in raw]
    if missing:
        raise TrajectoryError("faltan los campos " + ", ".join(missing))
    width = _positive_int(raw["width"], "width")
    height = _positive_int(raw["height"], "height")
    points = raw["points"]
    if not isinstance(points, list):
        raise TrajectoryError("'points' debe ser una lista")
    if len(points) > MAX_POINTS:
        raise TrajectoryError(f"demasiados puntos ({len(points)} > {MAX_POINTS})")
    rows: list[list[float]] = []
    for i, p in enumerate(points):
        if not isinstance(p, (list, tuple)) or len(p) != 5:
            raise TrajectoryError(f"el punto {i} debe tener 5 valores [t_ms, x, y, presión, pluma_abajo]")
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in p):
            raise TrajectoryError(f"el punto {i} tiene valores que no son números")
        t, x, y, pressure, pen = (float(v) for v in p)
        if not all(math.isfinite(v) for v in (t, x, y, pressure, pen)):
            raise TrajectoryError(f"el punto {i} tiene valores no finitos (NaN o infinito)")
        if not (0 <= x <= width and 0 <= y <= height):
            raise TrajectoryError(f"el punto {i} ({x:g}, {y:g}) está fuera del panel de {width}×{height}")
        if pressure < 0:
            raise TrajectoryError(f"el punto {i} tiene presión negativa")
        if pen not in (0.0, 1.0):
            raise TrajectoryError(f"el punto {i} tiene pluma_abajo={pen:g}; debe ser 0 o 1")
        if rows and t < rows[-1][0]:
            raise TrajectoryError(f"el tiempo retrocede en el punto {i}")
        rows.append([t, x, y, pressure, pen])
    array = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return Trajectory(width, height, array)


def load_trajectory(path: str | Path) -> Trajectory:
    """Read and validate a trajectory JSON file."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise TrajectoryError(f"el archivo es demasiado grande ({size // 1_000_000} MB, máximo {MAX_FILE_BYTES // 1_000_000})")
        raw_text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrajectoryError(f"no se pudo leer el archivo: {file_reason(exc, 'es')}") from exc
    if not raw_text.strip():
        raise TrajectoryError("el archivo está vacío")
    try:
        raw = json.loads(raw_text)
    except ValueError as exc:
        raise TrajectoryError(f"no es JSON válido (línea {getattr(exc, 'lineno', '?')})") from exc
    return parse_trajectory(raw)
