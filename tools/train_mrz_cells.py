"""Train the MRZ cell classifier of kiosk/credential/cellnet.py on synthetic monospace lines.

Dev time only: PyTorch CPU lives in its own venv, never in the project. Fonts (training only):
    apt-get install -y fonts-ocr-b fonts-dejavu-core fonts-liberation fonts-freefont-ttf \
        fonts-noto-mono fonts-hack fonts-inconsolata fonts-firacode fonts-jetbrains-mono \
        fonts-go fonts-croscore fonts-courier-prime fonts-anonymous-pro
    python3 -m venv /tmp/trainenv
    /tmp/trainenv/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl \
        numpy opencv-python-headless pillow onnx

The shipped model (kiosk/credential/models/mrz_cellnet.onnx), exactly (~5 min of data, then
~4.5 min an epoch on one core):
    T=/tmp/trainenv/bin/python
    $T tools/train_mrz_cells.py data --seed 11 --blocks 6000 --out /tmp/mrz_train.npz
    $T tools/train_mrz_cells.py data --seed 12 --blocks 300 --out /tmp/mrz_val.npz
    $T tools/train_mrz_cells.py train --data /tmp/mrz_train.npz --val /tmp/mrz_val.npz --epochs 6 \
        --out kiosk/credential/models/mrz_cellnet.onnx
Evaluation (with the project's .venv, i.e. its OpenCV dnn, on seeds never trained on):
    .venv/bin/python tools/train_mrz_cells.py data --seed 105 --blocks 150 --severity 0.5 --out /tmp/ev_0.5.npz
    .venv/bin/python tools/train_mrz_cells.py eval --model kiosk/credential/models/mrz_cellnet.onnx \
        --data /tmp/ev_0.5.npz
The held-out-font experiment trains with `--exclude liberation,cousine` (Liberation Mono and its
twin Cousine) and evaluates on `data --fonts liberation`; kiosk/credential/models/README.md has
the figures.

Data: three MRZ-like lines per block (random TD1-alphabet strings, digit-heavy, '<' runs), drawn
glyph by glyph (no ligatures) at a known pitch, half of them with looser letter spacing (as an
ICAO MRZ), two thirds stretched or squeezed to 0.8-2.1 times the font's width, degraded as a whole (ink weight, rotation/shear,
resampling to an 8–40 px pitch, paper tint, guilloche lines, shading, glare, blur, motion blur,
sharpening halos, noise, JPEG), then cut with cellnet.crop_cell at jittered centres and pitch.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import types
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
# Import kiosk.credential.cellnet without running the package __init__s (they pull the whole
# reader and its dependencies, which the training venv does not have).
for _name, _path in (("kiosk", ROOT / "kiosk"), ("kiosk.credential", ROOT / "kiosk" / "credential")):
    if _name not in sys.modules:
        _mod = types.ModuleType(_name)
        _mod.__path__ = [str(_path)]
        sys.modules[_name] = _mod
from kiosk.credential import cellnet  # noqa: E402
from kiosk.credential.cellnet import ALPHABET, CELL_H, CELL_W, crop_cell  # noqa: E402

# (group, file); the group is what --exclude and --fonts select.
FONTS = [
    ("ocrb", "/usr/share/fonts/opentype/ocr-b/OCRB.otf"),
    ("ocrb", "/usr/share/fonts/opentype/ocr-b/OCRBS.otf"),
    ("dejavu", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    ("dejavu", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"),
    ("liberation", "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"),
    ("liberation", "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf"),
    ("cousine", "/usr/share/fonts/truetype/croscore/Cousine-Regular.ttf"),
    ("cousine", "/usr/share/fonts/truetype/croscore/Cousine-Bold.ttf"),
    ("freefont", "/usr/share/fonts/truetype/freefont/FreeMono.ttf"),
    ("freefont", "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf"),
    ("noto", "/usr/share/fonts/truetype/noto/NotoMono-Regular.ttf"),
    ("noto", "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf"),
    ("noto", "/usr/share/fonts/truetype/noto/NotoSansMono-Bold.ttf"),
    ("hack", "/usr/share/fonts/truetype/hack/Hack-Regular.ttf"),
    ("hack", "/usr/share/fonts/truetype/hack/Hack-Bold.ttf"),
    ("inconsolata", "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf"),
    ("firacode", "/usr/share/fonts/truetype/firacode/FiraCode-Light.ttf"),
    ("firacode", "/usr/share/fonts/truetype/firacode/FiraCode-Regular.ttf"),
    ("firacode", "/usr/share/fonts/truetype/firacode/FiraCode-Bold.ttf"),
    ("jetbrains", "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Light.ttf"),
    ("jetbrains", "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf"),
    ("jetbrains", "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Bold.ttf"),
    ("jetbrains", "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-ExtraBold.ttf"),
    ("go", "/usr/share/fonts/fonts-go/Go-Mono.ttf"),
    ("go", "/usr/share/fonts/fonts-go/Go-Mono-Bold.ttf"),
    ("courierprime", "/usr/share/fonts/opentype/courier-prime/Courier Prime.otf"),
    ("courierprime", "/usr/share/fonts/opentype/courier-prime/Courier Prime Bold.otf"),
    ("courierprime", "/usr/share/fonts/opentype/courier-prime/Courier Prime Sans.otf"),
    ("courierprime", "/usr/share/fonts/opentype/courier-prime/Courier Prime Sans Bold.otf"),
    ("anonymous", "/usr/share/fonts/truetype/anonymous-pro/Anonymous Pro.ttf"),
    ("anonymous", "/usr/share/fonts/truetype/anonymous-pro/Anonymous Pro B.ttf"),
]
LINES, CHARS = 3, 30
DIGITS, LETTERS = ALPHABET[:10], ALPHABET[10:36]


# ---------------------------------------------------------------------------------------- text
def random_line(rng: np.random.Generator) -> str:
    """30 characters in runs like a TD1 line: digit runs, letter runs, '<' fill, mixed codes."""
    out = ""
    while len(out) < CHARS:
        kind = rng.choice(4, p=[0.32, 0.38, 0.15, 0.15])
        n = int(rng.integers(1, 12))
        if kind == 0:
            out += "".join(rng.choice(list(DIGITS), n))
        elif kind == 1:
            out += "".join(rng.choice(list(LETTERS), n))
        elif kind == 2:
            out += "<" * int(rng.integers(1, 16))
        else:
            out += "".join(rng.choice(list(ALPHABET), n))
    return out[:CHARS]


# ---------------------------------------------------------------------------------------- render
@lru_cache(maxsize=512)
def font_at(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=64)
def font_metrics(path: str) -> tuple[float, float]:
    """(advance, cap height) per unit of font size."""
    f = font_at(path, 200)
    return f.getlength("0") / 200, -f.getbbox("H", anchor="ls")[1] / 200


def u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def render_block(rng: np.random.Generator, path: str, severity: float):
    """One degraded 3-line block → (gray uint8 image, [(cx, cy, pitch, char)], pitch)."""
    sv = severity
    pitch = u(rng, 9, 40) if rng.random() < 0.8 else u(rng, 8, 14)  # final pitch in pixels
    k = u(rng, 1.0, 3.0) if rng.random() < 0.8 else 1.0  # hi-res factor (1: hinted small glyphs)
    adv_unit, cap_unit = font_metrics(path)
    size = max(6, int(round(pitch * k / adv_unit)))
    font = font_at(path, size)
    adv = font.getlength("0")
    cap = -font.getbbox("H", anchor="ls")[1]
    spacing = adv * u(rng, 1.35, 1.9)
    # letter spacing: an ICAO MRZ sets OCR-B at 2.54 mm a character, looser than the font's own
    track = u(rng, 1.0, 1.35) if rng.random() < 0.5 else 1.0
    margin = 2.5 * adv
    w = int(CHARS * adv * track + 2 * margin)
    h = int(2 * margin + cap + (LINES - 1) * spacing)
    ink = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(ink)
    misreg = u(rng, 0, 1.8 * sv) * adv / pitch  # px at final res → hi-res units
    faint = sv * 0.5
    chars = []
    for j in range(LINES):
        text = random_line(rng)
        base = margin + cap + j * spacing
        for i, ch in enumerate(text):
            x = margin + i * adv * track
            dy = u(rng, -misreg, misreg)
            level = int(255 * (1 - u(rng, 0, faint) if rng.random() < 0.3 else 1))
            draw.text((x, base + dy), ch, font=font, fill=level, anchor="ls")
            chars.append((x + adv / 2, base - cap / 2, ch))
    a = np.asarray(ink, np.float32) / 255

    # ink weight (printing): grey morphology at hi-res
    if rng.random() < 0.5:
        r = max(1, int(round(u(rng, 0.01, 0.02 + 0.05 * sv) * adv)))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        a = cv2.dilate(a, kernel) if rng.random() < 0.55 else cv2.erode(a, kernel)
        if a.max() < 0.3:  # eroded away: undo
            a = np.asarray(ink, np.float32) / 255

    # geometry: hi-res → final, with aspect, shear and rotation
    s = pitch / (adv * track)
    # glyphs near the font's own aspect, or a line stretched or squeezed to the zone's width
    # (seen up to twice as wide as the font's)
    if rng.random() < 0.35:
        aspect = u(rng, 1 - 0.12 * (0.3 + sv), 1 + 0.12 * (0.3 + sv))
    else:
        aspect = float(np.exp(u(rng, math.log(0.8), math.log(2.1))))
    theta = math.radians(u(rng, -3, 3) * sv)
    shear = u(rng, -0.12, 0.12) * sv
    a_mat = np.array([[s * aspect, s * shear], [0.0, s]])
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    a_mat = rot @ a_mat
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], float) @ a_mat.T
    lo, hi = corners.min(0), corners.max(0)
    t = -lo
    out_w, out_h = int(math.ceil(hi[0] - lo[0])), int(math.ceil(hi[1] - lo[1]))
    if s < 0.8:
        a = cv2.GaussianBlur(a, (0, 0), 0.45 * math.sqrt(1 / s**2 - 1))
    # edge-convention points: p_out = A p_in + t; OpenCV pixel centres are edge coords - 0.5
    m = np.hstack([a_mat, (t + a_mat @ np.array([0.5, 0.5]) - 0.5)[:, None]])
    a = cv2.warpAffine(a, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=0)
    pitch_out = pitch * aspect
    cells = [(*(a_mat @ np.array([x, y]) + t), ch) for x, y, ch in chars]

    # paper, texture, ink colour (RGB), then light
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    paper = u(rng, 0.55, 1.0) * (1 + rng.uniform(-0.15, 0.15, 3))
    bg = np.ones((out_h, out_w, 3), np.float32) * paper.astype(np.float32)
    if rng.random() < 0.7:  # low-frequency blotches
        small = rng.normal(0, 1, (max(2, out_h // 24), max(2, out_w // 24), 3)).astype(np.float32)
        bg *= 1 + u(rng, 0, 0.12) * cv2.resize(small, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    if rng.random() < 0.6:  # guilloche-like fine curves
        layer = np.zeros((out_h, out_w), np.float32)
        for _ in range(int(rng.integers(3, 25))):
            lam, amp, ph = u(rng, 0.5, 6) * pitch, u(rng, 0.1, 2) * pitch, u(rng, 0, 6.3)
            y0, slope = u(rng, 0, out_h), u(rng, -0.3, 0.3)
            xs = np.arange(0, out_w, 2, dtype=np.float32)
            ys = y0 + slope * xs + amp * np.sin(2 * np.pi * xs / lam + ph)
            pts = np.stack([xs, ys], 1).astype(np.int32)[None]
            cv2.polylines(layer, pts, False, 1.0, thickness=int(rng.integers(1, 3)), lineType=cv2.LINE_AA)
        col = rng.uniform(0.2, 1.0, 3).astype(np.float32)
        bg = bg * (1 - u(rng, 0.1, 0.5) * layer[..., None] * (1 - col))
    if rng.random() < 0.3:  # speckle / paper grain
        bg *= 1 + rng.normal(0, u(rng, 0, 0.06), (out_h, out_w, 1)).astype(np.float32)
    contrast = u(rng, 1 - 0.8 * sv, 1.0) if rng.random() < 0.8 else u(rng, 0.2, 1.0)
    ink_col = (u(rng, 0, 0.3) * (1 + rng.uniform(-0.3, 0.3, 3))).astype(np.float32)
    alpha = (np.clip(a, 0, 1) * contrast)[..., None]
    img = bg * (1 - alpha) + ink_col * alpha
    light = np.ones((out_h, out_w), np.float32)
    if rng.random() < 0.7:
        light *= 1 + u(rng, -0.5, 0.5) * sv * (xx / out_w - 0.5) + u(rng, -0.5, 0.5) * sv * (yy / out_h - 0.5)
    if rng.random() < 0.35 * sv + 0.05:  # a shadow edge across the block
        ang, off = u(rng, 0, 6.3), u(rng, 0.2, 0.8)
        d = (xx / out_w - off) * math.cos(ang) + (yy / out_h - 0.5) * math.sin(ang)
        light *= 1 - u(rng, 0.1, 0.55) / (1 + np.exp(np.clip(-d * out_w / (u(rng, 0.3, 3) * pitch), -50, 50)))
    img = img * light[..., None]
    if rng.random() < 0.3 * sv:  # glare spot
        gx, gy, gs = u(rng, 0, out_w), u(rng, 0, out_h), u(rng, 1, 6) * pitch
        img = img + u(rng, 0.2, 0.9) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * gs**2))[..., None]
    if rng.random() < 0.4:  # chroma noise before grey
        img = img + rng.normal(0, u(rng, 0, 0.04 * sv + 0.005), img.shape).astype(np.float32)
    gray = cv2.cvtColor(np.clip(img, 0, 1.2), cv2.COLOR_RGB2GRAY)

    # optics and camera
    sigma = u(rng, 0, 0.35 * pitch * sv) if rng.random() < 0.8 else u(rng, 0, 0.08 * pitch)
    if sigma > 0.3:
        gray = cv2.GaussianBlur(gray, (0, 0), sigma)
    if rng.random() < 0.3 * sv:  # motion blur
        length = max(2, int(round(u(rng, 0.05, 0.3) * pitch)))
        kern = np.zeros((2 * length + 1, 2 * length + 1), np.float32)
        ang = u(rng, 0, math.pi)
        for q in np.linspace(-length, length, 4 * length + 1):
            kern[int(round(length + q * math.sin(ang))), int(round(length + q * math.cos(ang)))] = 1
        gray = cv2.filter2D(gray, -1, kern / kern.sum())
    if rng.random() < 0.35:  # sharpening halos
        sb = u(rng, 0.8, 2.5)
        gray = gray + u(rng, 0.3, 1.5) * (gray - cv2.GaussianBlur(gray, (0, 0), sb))
    gray = gray * u(rng, 0.55, 1.15) + u(rng, -0.1, 0.15)  # exposure
    gray = gray + rng.normal(0, u(rng, 0, 0.05 * sv + 0.004), gray.shape).astype(np.float32)
    g8 = np.clip(gray * 255 + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < 0.3 + 0.5 * sv:
        q = int(rng.integers(int(95 - 65 * sv), 96))
        ok, buf = cv2.imencode(".jpg", g8, [cv2.IMWRITE_JPEG_QUALITY, q])
        g8 = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return g8, cells, pitch_out


def cut_cells(rng: np.random.Generator, gray: np.ndarray, cells, pitch: float, jitter: float = 1.0):
    xs, ys = [], []
    for cx, cy, ch in cells:
        jx, jy = u(rng, -0.15, 0.15) * pitch * jitter, u(rng, -0.12, 0.12) * pitch * jitter
        p = pitch * (1 + u(rng, -0.1, 0.1) * jitter)
        xs.append(crop_cell(gray, cx + jx, cy + jy, p))
        ys.append(ALPHABET.index(ch))
    return xs, ys


def make_data(seed: int, blocks: int, severity: float | None, groups: list[str] | None):
    rng = np.random.default_rng(seed)
    fonts = [(i, g, p) for i, (g, p) in enumerate(FONTS) if groups is None or g in groups]
    X, Y, F, S = [], [], [], []
    for b in range(blocks):
        fi, _, path = fonts[int(rng.integers(len(fonts)))]
        sv = u(rng, 0, 1) ** 0.8 if severity is None else severity
        gray, cells, pitch = render_block(rng, path, sv)
        xs, ys = cut_cells(rng, gray, cells, pitch)
        X += xs
        Y += ys
        F += [fi] * len(ys)
        S += [sv] * len(ys)
    return np.stack(X), np.array(Y, np.int16), np.array(F, np.int16), np.array(S, np.float32)


# ---------------------------------------------------------------------------------------- model
def build_model():
    import torch.nn as nn

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(1, 16), *block(16, 32), *block(32, 64),  # 32×24 → 4×3
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(64 * 4 * 3, 128),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(128, len(ALPHABET)),
    )


def train(args) -> None:
    import torch
    import torch.nn.functional as fn

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    parts = [np.load(path) for path in args.data]
    d = {k: np.concatenate([part[k] for part in parts]) for k in ("x", "y", "font")}
    keep = np.ones(len(d["y"]), bool)
    excluded = set(args.exclude.split(",")) if args.exclude else set()
    for i, (g, _) in enumerate(FONTS):
        if g in excluded:
            keep &= d["font"] != i
    x = torch.from_numpy(cellnet.normalize(d["x"][keep]))
    y = torch.from_numpy(d["y"][keep].astype(np.int64))
    v = np.load(args.val)
    vkeep = np.ones(len(v["y"]), bool)
    for i, (g, _) in enumerate(FONTS):
        if g in excluded:
            vkeep &= v["font"] != i
    vx = torch.from_numpy(cellnet.normalize(v["x"][vkeep]))
    vy = torch.from_numpy(v["y"][vkeep].astype(np.int64))
    print(f"train {len(y)} cells, val {len(vy)}, excluded {sorted(excluded) or 'none'}", flush=True)

    model = build_model()
    print("params", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * math.ceil(len(y) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(y), generator=gen)
        total = 0.0
        for s in range(0, len(y), args.batch):
            idx = order[s : s + args.batch]
            xb = x[idx]
            # cheap extra augmentation: random contrast sign-preserving gain and small pixel noise
            xb = xb * (1 + 0.1 * torch.randn(len(idx), 1, 1, 1, generator=gen))
            loss = fn.cross_entropy(model(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        with torch.no_grad():
            vl = torch.cat([model(vx[i : i + 2048]) for i in range(0, len(vy), 2048)])
        acc = float((vl.argmax(1) == vy).float().mean())
        print(f"epoch {epoch + 1}/{args.epochs} loss {total / len(y):.4f} val top1 {acc:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)

    # temperature scaling on the validation cells, folded into the last layer
    with torch.no_grad():
        vl = torch.cat([model(vx[i : i + 2048]) for i in range(0, len(vy), 2048)])
    best_t, best_nll = 1.0, float("inf")
    for temp in np.arange(0.5, 3.01, 0.05):
        nll = float(fn.cross_entropy(vl / float(temp), vy))
        if nll < best_nll:
            best_t, best_nll = float(temp), nll
    print(f"temperature {best_t:.2f} (val NLL {float(fn.cross_entropy(vl, vy)):.4f} → {best_nll:.4f})")
    with torch.no_grad():
        model[-1].weight /= best_t
        model[-1].bias /= best_t
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, torch.zeros(1, 1, CELL_H, CELL_W), args.out, input_names=["cells"], output_names=["logits"],
        dynamic_axes={"cells": {0: "n"}, "logits": {0: "n"}}, opset_version=13, dynamo=False,
    )
    print(f"wrote {args.out} ({Path(args.out).stat().st_size} bytes)")


# ---------------------------------------------------------------------------------------- eval
def evaluate(args) -> None:
    cellnet.MODEL_PATH = Path(args.model)
    cellnet._net = None
    for path in args.data:
        d = np.load(path)
        t0 = time.perf_counter()
        p = cellnet.classify(d["x"])
        dt = time.perf_counter() - t0
        y = d["y"].astype(int)
        order = np.argsort(-p, axis=1)
        top1 = float((order[:, 0] == y).mean())
        top2 = float(((order[:, 0] == y) | (order[:, 1] == y)).mean())
        ptrue = p[np.arange(len(y)), y]
        nll = float(-np.log(np.maximum(ptrue, 1e-9)).mean())
        conf = p.max(1)
        ece = 0.0
        for lo in np.arange(0, 1, 0.1):
            sel = (conf > lo) & (conf <= lo + 0.1)
            if sel.any():
                ece += sel.mean() * abs(conf[sel].mean() - (order[sel, 0] == y[sel]).mean())
        errs = {}
        for t, pr in zip(y[order[:, 0] != y], order[order[:, 0] != y, 0]):
            key = f"{ALPHABET[t]}→{ALPHABET[pr]}"
            errs[key] = errs.get(key, 0) + 1
        worst = ", ".join(f"{k} {n}" for k, n in sorted(errs.items(), key=lambda kv: -kv[1])[:8])
        print(f"{path}: {len(y)} cells  top1 {100 * top1:.2f} %  top2 {100 * top2:.2f} %  "
              f"NLL {nll:.3f}  ECE {ece:.3f}  ({1000 * dt / len(y) * 90:.1f} ms per 90 cells)")
        print(f"    most frequent errors: {worst}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("data", help="render and cut a set of cells")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--blocks", type=int, required=True, help="3-line blocks (90 cells each)")
    a.add_argument("--severity", type=float, default=None, help="0 clean … 1 heavy; default mixed")
    a.add_argument("--fonts", default=None, help="comma-separated font groups (default all)")
    a.add_argument("--out", required=True)
    b = sub.add_parser("train", help="train and export ONNX")
    b.add_argument("--data", nargs="+", required=True, help="one or more files made by `data` (concatenated)")
    b.add_argument("--val", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--exclude", default="", help="comma-separated font groups to leave out")
    b.add_argument("--epochs", type=int, default=8)
    b.add_argument("--batch", type=int, default=256)
    b.add_argument("--lr", type=float, default=3e-3)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--threads", type=int, default=1)
    c = sub.add_parser("eval", help="accuracy of an ONNX model through OpenCV dnn")
    c.add_argument("--model", required=True)
    c.add_argument("--data", nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "data":
        t0 = time.time()
        groups = args.fonts.split(",") if args.fonts else None
        x, y, f, s = make_data(args.seed, args.blocks, args.severity, groups)
        np.savez_compressed(args.out, x=x, y=y, font=f, severity=s)
        print(f"wrote {args.out}: {len(y)} cells in {time.time() - t0:.0f} s")
    elif args.cmd == "train":
        train(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
