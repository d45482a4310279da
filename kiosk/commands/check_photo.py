"""`kiosk check-photo IMAGE [--json]`: the live-photo quality verdict with its reasons in Spanish.

Exit 0 with the verdict (accept or reject); non-zero with one Spanish line only if the image is unreadable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

import cv2
import numpy as np

from kiosk.quality import check_photo
from kiosk.quality.messages import CLI_HELP, both, text

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check-photo", help=both("check_photo"), description=both("check_photo"))
    parser.add_argument("image", metavar="IMAGE", help=both("image"))
    parser.add_argument("--json", action="store_true", help=both("json"))
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=both("data_dir"))
    parser.set_defaults(func=run)


def read_image(path: str) -> np.ndarray | None:
    """The image as BGR, or None if the file is missing, empty or not an image."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        log.warning("check-photo: %s: %s", path, exc)
        return None
    if data.size == 0:
        return None
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def run(args: argparse.Namespace) -> int:
    image = read_image(args.image)
    if image is None or min(image.shape[:2]) < 32:
        print(text("unreadable_image", detail=f"{args.image}: no es una imagen o está vacía o dañada"),
              file=sys.stderr)
        return 2
    verdict = check_photo(image)
    if args.json:
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.image}: {CLI_HELP[verdict.verdict]['es']}")
        for reason in verdict.reasons:
            print(f"  - {reason}")
    return 0
