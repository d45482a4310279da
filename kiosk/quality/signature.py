"""Signature gate: is the pad trajectory a handwritten signature, or a dot, line, cross, check or circle?

`check_signature(trajectory) -> Verdict` takes the pad dict (or a parsed `Trajectory`) and names the shape.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from kiosk.quality.trajectory import Trajectory, parse_trajectory
from kiosk.quality.verdict import Verdict

log = logging.getLogger(__name__)

DOT_SIZE = 0.025        # ink box diagonal over pad diagonal
TINY_SIZE = 0.15        # ink box's longer side over the pad's longer side: smaller asks to sign bigger
LINE_TURNING = 0.75      # full turns a straight stroke may make (jitter and a hook at the end)
SYMBOL_SHARE = 0.7      # a line, cross or check is a symbol only if its strokes carry this share of the ink
STRAIGHT = 0.93         # chord over path length of a straight stroke
MIN_TURNING = 2.4       # total turning (in full turns) of a signature made of one or two strokes:
                        # a cursive name of three letters turns about 2.8 times, two initials about 1.8
MIN_PATH = 2.5          # path length over ink-box diagonal of a signature made of one or two strokes
MIN_STROKE_TURNS = 3.5  # total turning (in full turns) of a signature of three strokes or more
MIN_DURATION_MS = 300.0


def check_signature(trajectory: dict | Trajectory) -> Verdict:
    """Judge one signature; raises TrajectoryError when the input itself is not a valid trajectory."""
    traj = trajectory if isinstance(trajectory, Trajectory) else parse_trajectory(trajectory)
    strokes = [s[:, 1:3] for s in traj.strokes()]
    scores: dict[str, float] = {"strokes": float(len(strokes))}
    code = _classify(traj, strokes, scores)
    verdict = Verdict.from_failures([code] if code else [], scores)
    log.info("firma: %s %s", verdict.verdict, ",".join(verdict.codes))
    return verdict


def _classify(traj: Trajectory, strokes: list[np.ndarray], scores: dict[str, float]) -> str | None:
    if not strokes:
        return "signature_empty"
    ink = np.vstack(strokes)
    lo, hi = ink.min(0), ink.max(0)
    box = hi - lo
    diag = float(np.hypot(*box))
    pad_diag = math.hypot(traj.width, traj.height)
    scores["ink_diagonal"] = diag / pad_diag
    scores["ink_width"] = float(box[0]) / traj.width
    scores["ink_height"] = float(box[1]) / traj.height
    if diag < DOT_SIZE * pad_diag:
        return "signature_dot"
    span = float(max(box)) / max(traj.width, traj.height)
    scores["ink_span"] = span
    if span < TINY_SIZE:
        return "signature_tiny"
    smooth = [_resample(_smooth(s), spacing=max(3.0, 0.015 * diag)) for s in strokes]
    smooth = [s for s in smooth if len(s) >= 2]
    lengths = [_length(s) for s in smooth]
    path = sum(lengths) / max(diag, 1e-6)
    turns = sum(_turning(s) for s in smooth) / (2 * math.pi)
    duration = _pen_down_ms(traj)
    scores["path_over_diagonal"] = path
    scores["turns"] = turns
    scores["pen_down_ms"] = duration
    # A stroke is straight when it goes nearly nowhere but forward and hardly turns: a long flat
    # cursive flourish goes forward too, but turns at every letter.
    straight = [_length(s) > 0 and _chord(s) / _length(s) >= STRAIGHT and _turning(s) < LINE_TURNING * 2 * math.pi
                for s in smooth]
    long_strokes = [s for s, n in zip(smooth, lengths) if n >= 0.15 * diag]
    scores["long_strokes"] = float(len(long_strokes))
    shape = _symbol(smooth, long_strokes, straight, lengths, diag, turns)
    if shape:
        return shape
    simple = turns < (MIN_TURNING if len(long_strokes) <= 2 else MIN_STROKE_TURNS)
    if simple and (len(long_strokes) <= 2 or path < MIN_PATH):
        return "signature_too_simple"
    if duration < MIN_DURATION_MS:
        return "signature_too_fast"
    return None


def _symbol(smooth: list[np.ndarray], long_strokes: list[np.ndarray], straight: list[bool],
            lengths: list[float], diag: float, turns: float) -> str | None:
    """The named symbols of Mesa de Control: line, cross/X, check mark, circle.

    Only when those one or two strokes are nearly all the ink: letters written beside a straight
    underline make a signature, not a line.
    """
    major = [(s, st) for s, st, n in zip(smooth, straight, lengths) if n >= 0.15 * diag]
    major_ink = sum(n for n in lengths if n >= 0.15 * diag)
    if major_ink < SYMBOL_SHARE * sum(lengths):
        return None
    if len(major) == 1:
        stroke, is_straight = major[0]
        if is_straight:
            return "signature_line"
        if _is_check(stroke, diag):
            return "signature_check"
        if _is_circle(stroke, diag, turns):
            return "signature_circle"
    if len(major) == 2 and all(st for _, st in major):
        (a, _), (b, _) = major
        angle = _angle_between(a, b)
        if angle < math.radians(15):
            return "signature_line"
        if _segments_cross(a[0], a[-1], b[0], b[-1]):
            return "signature_cross"
        ends = min(np.linalg.norm(p - q) for p in (a[0], a[-1]) for q in (b[0], b[-1]))
        if ends < 0.15 * diag:
            return "signature_check"
    return None


def _is_check(stroke: np.ndarray, diag: float) -> bool:
    """Two straight legs meeting at one corner."""
    corner = int(np.argmax([_distance_to_line(p, stroke[0], stroke[-1]) for p in stroke]))
    if corner in (0, len(stroke) - 1):
        return False
    legs = (stroke[:corner + 1], stroke[corner:])
    if min(_length(leg) for leg in legs) < 0.1 * diag:
        return False
    return all(_chord(leg) / max(_length(leg), 1e-6) >= STRAIGHT and _turning(leg) < LINE_TURNING * 2 * math.pi
               for leg in legs)


def _is_circle(stroke: np.ndarray, diag: float, turns: float) -> bool:
    """One closed loop of about one turn, roughly round."""
    closed = np.linalg.norm(stroke[0] - stroke[-1]) < 0.3 * diag
    box = stroke.max(0) - stroke.min(0)
    round_enough = min(box) > 0.3 * max(box)
    return bool(closed and round_enough and 0.75 <= turns <= 1.5)


def _resample(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points every `spacing` units along the path, which removes jitter from the pen's sampling."""
    if len(points) < 2:
        return points
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] < spacing:
        return points[[0, -1]]
    at = np.arange(0.0, dist[-1], spacing)
    return np.stack([np.interp(at, dist, points[:, 0]), np.interp(at, dist, points[:, 1])], axis=1)


def _smooth(points: np.ndarray, window: int = 5) -> np.ndarray:
    """Moving average along the stroke (ends kept), against the pad's sampling jitter."""
    if len(points) <= window:
        return points
    kernel = np.ones(window) / window
    inner = np.stack([np.convolve(points[:, k], kernel, mode="valid") for k in range(2)], axis=1)
    return np.vstack([points[:1], inner, points[-1:]])


def _length(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum()) if len(points) > 1 else 0.0


def _chord(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[-1] - points[0]))


def _turning(points: np.ndarray) -> float:
    """Sum of absolute heading changes along a stroke, in radians."""
    if len(points) < 3:
        return 0.0
    d = np.diff(points, axis=0)
    heading = np.arctan2(d[:, 1], d[:, 0])
    change = np.diff(heading)
    change = (change + np.pi) % (2 * np.pi) - np.pi
    return float(np.abs(change).sum())


def _angle_between(a: np.ndarray, b: np.ndarray) -> float:
    da, db = a[-1] - a[0], b[-1] - b[0]
    cos = abs(float(np.dot(da, db))) / max(1e-6, float(np.linalg.norm(da) * np.linalg.norm(db)))
    return math.acos(min(1.0, cos))


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    """Whether two segments intersect away from their ends (a cross, not a check mark)."""
    r, s = p2 - p1, q2 - q1
    denom = r[0] * s[1] - r[1] * s[0]
    if abs(denom) < 1e-9:
        return False
    t = ((q1 - p1)[0] * s[1] - (q1 - p1)[1] * s[0]) / denom
    u = ((q1 - p1)[0] * r[1] - (q1 - p1)[1] * r[0]) / denom
    return 0.15 < t < 0.85 and 0.15 < u < 0.85


def _distance_to_line(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    n = float(np.linalg.norm(ab))
    if n == 0:
        return float(np.linalg.norm(p - a))
    return abs(float(ab[0] * (p - a)[1] - ab[1] * (p - a)[0])) / n


def _pen_down_ms(traj: Trajectory) -> float:
    total = 0.0
    for stroke in traj.strokes():
        total += float(stroke[-1, 0] - stroke[0, 0])
    return total
