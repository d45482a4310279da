"""`kiosk cedula read IMAGE` and `kiosk cedula import FILE.csv`: paper cédulas from the command line.

read prints the page's folio and rows (with confidences and flags); import validates every row
first and then saves all valid rows or none, as the operator chooses; never half an import.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from kiosk.cedula.bulk import ImportPlan, plan_import
from kiosk.cedula.geometry import TableNotFound
from kiosk.cedula.messages import text
from kiosk.errors import BatchRefused, KioskError

log = logging.getLogger(__name__)

PAGE_WORK_PIXELS = 16_000_000  # a letter or A4 page scanned at 400 dpi; the reader warps the table to a fixed width
SHOWN_PROBLEMS = 200  # a person reads the first ones; the count says how many more, --json lists them all
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


def _fail(code_or_text: str, **params: object) -> int:
    message = text(code_or_text, **params)
    print(message.splitlines()[0], file=sys.stderr)
    return 1


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# --- read -----------------------------------------------------------------------------------
def cmd_read(args: argparse.Namespace) -> int:
    from kiosk.cedula.page import read_page
    from kiosk.credential.imageio import ImageRejected, decode_bounded, read_file

    try:
        # the header is checked before any pixel is decoded: a 30000² PNG made OpenCV allocate 2.7 GB
        image = decode_bounded(read_file(args.image), args.image, PAGE_WORK_PIXELS)
    except ImageRejected as exc:
        log.warning("cedula image %s refused: %s", args.image, exc.code)
        if exc.code == "image_bad_shape":
            return _fail("page_bad_shape", **exc.params)
        return _fail(str(exc))
    try:
        reading = read_page(image)
    except TableNotFound as exc:
        log.warning("cedula table not found in %s: %s", args.image, exc)
        return _fail("table_not_found")
    if args.json:
        _print_json(reading.as_dict())
        return 0
    print(f"Folio: {reading.folio.value or '(no leído)'}  (confianza {reading.folio.confidence:.2f})")
    for row in reading.rows:
        names = " ".join(v for v in (row.nombres.value, row.apellido_paterno.value, row.apellido_materno.value) if v)
        low = min(f.confidence for f in (row.nombres, row.apellido_paterno, row.apellido_materno,
                                         row.clave_elector))
        print(f"{row.no:>3}  {names:<45} {row.clave_elector.value:<20} confianza mín. {low:.2f}")
        for flag in row.flags:
            print(f"       ! {text(flag)}")
    if reading.empty_rows:
        print("Filas vacías: " + ", ".join(map(str, reading.empty_rows)))
    return 0


# --- import ---------------------------------------------------------------------------------
def _report(plan: ImportPlan, args: argparse.Namespace, saved: list[str], note: str) -> None:
    if args.json:
        _print_json(dict(plan.as_dict(), mode=args.mode, dry_run=args.dry_run, saved=saved, note=note))
        return
    for problem in plan.problems[:SHOWN_PROBLEMS]:
        print(str(problem))
    if len(plan.problems) > SHOWN_PROBLEMS:
        print(text("more_problems", count=len(plan.problems) - SHOWN_PROBLEMS))
    for warning in plan.warnings:
        print(str(warning))
    for folio in saved:
        print(f"guardado: {folio}")
    if note:
        print(note)


def _open_station(args: argparse.Namespace):
    from kiosk.station import open_station

    return open_station(getattr(args, "data_dir", None))


def cmd_import(args: argparse.Namespace) -> int:
    delimiter = DELIMITERS.get(args.delimiter)
    if delimiter is None:
        return _fail(f"Separador no reconocido: {args.delimiter!r} (use ',', ';', tab o '|').")
    station = None
    try:
        try:
            station = _open_station(args)
        except KioskError:
            if not args.dry_run:
                raise
        if station is not None:
            config = station.config()
            if config is None:
                return _fail(KioskError("no_process").message())
            process_id, key, seen = config.process.process_id, station.fingerprint_key(), station.clave_seen
        else:  # dry run on a machine without a vault: the file is still checked, duplicates within it too
            process_id, key, seen = "", os.urandom(32), (lambda fp: False)
        plan = plan_import(args.file, process_id, seen=seen, key=key, delimiter=delimiter)
        return _decide(plan, args, station)
    except KioskError as exc:
        return _fail(str(exc))
    finally:
        if station is not None:
            station.close()


def _decide(plan: ImportPlan, args: argparse.Namespace, station) -> int:
    problems, valid = len(plan.problems), len(plan.valid_rows)
    if not problems and plan.total_rows == 0:
        return _fail("import_nothing")
    if problems and args.mode == "all_or_nothing":
        _report(plan, args, [], "")
        return _fail("import_refused", count=problems, path=args.file, valid=valid)
    if args.dry_run:
        note = text("import_dry_run", valid=valid, count=problems)
        if station is None:
            note += " " + text("import_no_vault")
        _report(plan, args, [], note)
        return 1 if problems else 0
    station.check_can_capture(station.default_auxiliar())
    try:
        saved = station.save_manual_all(plan.valid_rows)
    except BatchRefused as refused:
        line = plan.valid_lines[refused.index]
        _report(plan, args, [], "")
        log.error("cedula import rolled back at line %d: %s", line, refused.code)
        return _fail("import_stopped", row=line, reason=str(refused))
    _report(plan, args, saved, text("import_done", saved=len(saved), total=plan.total_rows,
                                    skipped=plan.total_rows - len(saved)))
    return 0


# --- parser ---------------------------------------------------------------------------------
def add_parser(subparsers) -> None:
    """`kiosk cedula {read,import}`."""
    parser = subparsers.add_parser(
        "cedula", help="cédulas en papel (régimen de excepción) / paper cédulas",
        description="Leer cédulas escaneadas e importar capturas manuales desde CSV. "
                    "Read scanned cédulas and import manual captures from CSV.")
    sub = parser.add_subparsers(dest="cedula_command", metavar="{read,import}")
    sub.required = True

    read = sub.add_parser("read", help="leer una cédula escaneada / read a scanned cédula",
                          description="Lee el folio y las filas de una cédula escaneada, con confianza y avisos. "
                                      "Reads the folio and rows of a scanned cédula with confidences and flags.")
    read.add_argument("image", help="imagen de la hoja (PNG/JPG) / page image")
    read.add_argument("--json", action="store_true", help="salida JSON / JSON output")
    read.set_defaults(func=cmd_read)

    imp = sub.add_parser("import", help="importar capturas manuales desde CSV / import manual captures from CSV",
                         description="Revisa TODAS las filas antes de guardar: importa todas las válidas o ninguna. "
                                     "Checks EVERY row before saving: imports all valid rows or none.")
    imp.add_argument("file", help="archivo CSV (UTF-8) con los campos de la captura manual / CSV file")
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument("--all-or-nothing", "--todo-o-nada", dest="mode", action="store_const",
                      const="all_or_nothing",
                      help="si hay un problema no se importa nada (predeterminado) / any problem: import nothing")
    mode.add_argument("--only-valid", "--solo-validas", dest="mode", action="store_const", const="only_valid",
                      help="importar solo las filas válidas y reportar las demás / import only the valid rows")
    imp.add_argument("--dry-run", "--simular", dest="dry_run", action="store_true",
                     help="revisar sin guardar / check without saving")
    imp.add_argument("--separador", "--delimiter", dest="delimiter", default=",",
                     help="separador de campos: ',' (predeterminado), ';', tab o '|' / field separator")
    imp.add_argument("--json", action="store_true", help="reporte JSON / JSON report")
    imp.add_argument("--data-dir", default=argparse.SUPPRESS,
                     help="carpeta de datos del kiosko / data directory")
    imp.set_defaults(func=cmd_import, mode="all_or_nothing")
