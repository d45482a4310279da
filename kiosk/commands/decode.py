"""`kiosk decode IMAGE... [--json]`: read credential photos and print each field with its source
and whether it is verified; exits non-zero, with a one-line Spanish reason, if a file is unusable.
"""

from __future__ import annotations

import argparse
import json
import logging

from kiosk.cliutil import fail
from kiosk.credential import ImageRejected, load_image, read_image
from kiosk.credential.messages import message
from kiosk.messages import FIELD_LABELS
from kiosk.credential.reader import FIELD_NAMES, FieldValue

log = logging.getLogger(__name__)

MESSAGES = {
    "help": {"es": "lee fotos de la Credencial para Votar (campos con fuente y verificación)",
             "en": "read Credencial para Votar photos (fields with source and verification)"},
    "images": {"es": "fotos del anverso o reverso", "en": "photos of the front or back"},
    "json": {"es": "salida en JSON", "en": "JSON output"},
    "data_dir": {"es": "carpeta de datos del kiosco", "en": "kiosk data folder"},
    "verified": {"es": "verificado", "en": "verified"},
    "unverified": {"es": "sin verificar", "en": "unverified"},
}


def _both(key: str) -> str:
    return f"{MESSAGES[key]['es']} / {MESSAGES[key]['en']}"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `decode` subcommand."""
    parser = subparsers.add_parser("decode", help=_both("help"), description=_both("help"))
    parser.add_argument("images", nargs="+", metavar="IMAGE", help=_both("images"))
    parser.add_argument("--json", action="store_true", help=_both("json"))
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=_both("data_dir"))
    parser.set_defaults(func=run)


def _failed(path: str, code: str, text: str) -> tuple[dict[str, object], str]:
    empty = {name: FieldValue().as_dict() for name in FIELD_NAMES}
    error = {"code": code, "message": text}
    return {"image": path, "fields": empty, "model": None, "warnings": [], "errors": [error]}, text


def decode_one(path: str) -> tuple[dict[str, object], str | None]:
    """The JSON object for one image, and the one-line reason if the file could not be used.

    Whatever goes wrong with one file stays in its own object: the rest of a batch still decodes.
    """
    try:
        reading = read_image(load_image(path))
    except ImageRejected as exc:
        return _failed(path, exc.code, str(exc))
    except Exception:  # a decoder bug on one photo must not cost the batch its JSON
        log.exception("decoding %s failed", path)
        return _failed(path, "decode_failed", message("decode_failed", path=path))
    return {"image": path, **reading.as_dict()}, None


def run(args: argparse.Namespace) -> int:
    results, first_error = [], None
    for path in args.images:
        result, error = decode_one(path)
        results.append(result)
        first_error = first_error or error
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(f"{result['image']}: modelo {result['model'] or '-'}")
            for name, f in result["fields"].items():
                state = MESSAGES["verified" if f["verified"] else "unverified"]["es"]
                label = FIELD_LABELS.get(name, (name,))[0]
                print(f"  {label}: {f['value'] if f['value'] is not None else '-'} ({f['source'] or '-'}, {state})")
            for notice in result["warnings"] + result["errors"]:
                print(f"  ! {notice['message']}")
    if first_error:
        return fail(first_error)  # a photo that could not be read is a runtime failure (1), not usage
    return 0
