"""Renders a pen trajectory to a small 1-bit PNG, guaranteed to fit a byte budget.

The image is cropped to the ink with a margin; it is scaled down until the PNG fits `max_bytes`.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

MIN_BYTES = 200


def _strokes(points: list[list[int]]) -> list[list[tuple[int, int, int]]]:
    """Pen-down runs of (x, y, pressure)."""
    strokes, current = [], []
    for _t, x, y, pressure, down in points:
        if down:
            current.append((x, y, pressure))
        elif current:
            strokes.append(current)
            current = []
    if current:
        strokes.append(current)
    return strokes


def _draw(trajectory: dict, out_width: int) -> bytes:
    strokes = _strokes(trajectory["points"])
    if strokes:
        xs = [x for s in strokes for x, _, _ in s]
        ys = [y for s in strokes for _, y, _ in s]
        margin = 0.05 * max(max(xs) - min(xs), max(ys) - min(ys), 1)
        x0, y0 = min(xs) - margin, min(ys) - margin
        box_w, box_h = max(xs) - x0 + margin, max(ys) - y0 + margin
    else:
        x0, y0, box_w, box_h = 0, 0, trajectory["width"], trajectory["height"]
    scale = out_width / max(box_w, 1)
    size = (max(1, out_width), max(1, round(box_h * scale)))
    image = Image.new("1", size, 1)
    draw = ImageDraw.Draw(image)
    base = max(1.0, out_width / 250)
    for stroke in strokes:
        xy = [((x - x0) * scale, (y - y0) * scale) for x, y, _ in stroke]
        pressure = sum(p for _, _, p in stroke) / len(stroke)
        width = max(1, round(base * (0.6 + 0.8 * pressure / 1023)))
        if len(xy) == 1:
            (cx, cy), r = xy[0], width / 2
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=0)
        else:
            draw.line(xy, fill=0, width=width, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def render_png(trajectory: dict, max_bytes: int = 8192, width: int = 600) -> bytes:
    """A 1-bit PNG of the strokes, `width` pixels wide or narrower, at most `max_bytes` long."""
    if max_bytes < MIN_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_BYTES}")
    while True:
        png = _draw(trajectory, width)
        if len(png) <= max_bytes or width <= 8:
            return png
        width = max(8, int(width * 0.8))
