"""`kiosk check-signature FILE.json [--json]`: the signature verdict (dot, line, cross, ...) in Spanish.

Exit 0 with the verdict; non-zero with one Spanish line only if the trajectory file is unreadable or invalid.
"""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.quality.messages import CLI_HELP, both
from kiosk.quality.signature import check_signature
from kiosk.quality.trajectory import TrajectoryError, load_trajectory


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check-signature", help=both("check_signature"),
                                   description=both("check_signature"))
    parser.add_argument("file", metavar="FILE", help=both("trajectory"))
    parser.add_argument("--json", action="store_true", help=both("json"))
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=both("data_dir"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        verdict = check_signature(load_trajectory(args.file))
    except TrajectoryError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}: {CLI_HELP[verdict.verdict]['es']}")
        for reason in verdict.reasons:
            print(f"  - {reason}")
    return 0
