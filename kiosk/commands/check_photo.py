"""`kiosk check-photo IMAGE [--json]`: the live-photo quality verdict with its reasons in Spanish.

Exit 0 with the verdict (accept or reject); non-zero with one Spanish line only if the image is unreadable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

import numpy as np

from kiosk.credential.imageio import ImageRejected, decode_bounded, read_file
from kiosk.quality import check_photo
from kiosk.quality.messages import CLI_HELP, both

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check-photo", help=both("check_photo"), description=both("check_photo"))
    parser.add_argument("image", metavar="IMAGE", help=both("image"))
    parser.add_argument("--json", action="store_true", help=both("json"))
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=both("data_dir"))
    parser.set_defaults(func=run)


PHOTO_WORK_PIXELS = 16_000_000  # a 16 MP camera frame is read whole; bigger ones are reduced while decoding


def read_image(path: str) -> np.ndarray:
    """The image as BGR; ImageRejected (a Spanish sentence) if it is missing, not an image, or a
    size no camera frame has. The header is checked before any pixel is decoded: a PNG claiming
    30000 x 30000 made OpenCV allocate 2.7 GB."""
    return decode_bounded(read_file(path), path, PHOTO_WORK_PIXELS)


def run(args: argparse.Namespace) -> int:
    try:
        image = read_image(args.image)
    except ImageRejected as exc:
        log.warning("check-photo: %s refused: %s", args.image, exc.code)
        print(str(exc), file=sys.stderr)
        return 2
    verdict = check_photo(image)
    if args.json:
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.image}: {CLI_HELP[verdict.verdict]['es']}")
        for reason in verdict.reasons:
            print(f"  - {reason}")
    return 0
