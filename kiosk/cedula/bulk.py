"""Bulk import of manual captures from a CSV with the seed 004 fields: validate all, then decide.

`plan_import` reads and checks EVERY row before anything is saved and reports row, field and a
Spanish reason; the caller imports all valid rows or none. Claves are compared as fingerprints.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.cedula.clave import cross_check
from kiosk.cedula.dedupe import BatchDeduper
from kiosk.cedula.messages import text
from kiosk.domain import Inconsistencia, ManualRecord
from kiosk.identifiers import InvalidIdentifier, validate_clave_elector, validate_ocr

COLUMNS = ("numero_referencia", "nombres", "apellido_paterno", "apellido_materno", "clave_elector", "ocr",
           "tipo_inconsistencia", "comentario")
REQUIRED = COLUMNS[:5]
HEADER_ALIASES = {
    "numero_referencia": "numero_referencia numero_de_referencia no_referencia no_de_referencia "
                         "num_referencia referencia folio folio_cedula",
    "nombres": "nombres nombre nombre_s",
    "apellido_paterno": "apellido_paterno paterno primer_apellido ap_paterno apellido_1",
    "apellido_materno": "apellido_materno materno segundo_apellido ap_materno apellido_2",
    "clave_elector": "clave_elector clave_de_elector clave cve_elector",
    "ocr": "ocr identificador ocr_credencial",
    "tipo_inconsistencia": "tipo_inconsistencia tipo_de_inconsistencia inconsistencia",
    "comentario": "comentario comentarios observaciones observacion",
}
ALIASES = {alias: column for column, names in HEADER_ALIASES.items() for alias in names.split()}
INCONSISTENCIA_ALIASES = {
    "cedula_en_copia": Inconsistencia.CEDULA_EN_COPIA, "a": Inconsistencia.CEDULA_EN_COPIA,
    "sin_copia_de_credencial": Inconsistencia.SIN_COPIA_CREDENCIAL,
    "sin_copia_credencial": Inconsistencia.SIN_COPIA_CREDENCIAL, "b": Inconsistencia.SIN_COPIA_CREDENCIAL,
    "sin_leyenda": Inconsistencia.SIN_LEYENDA, "c": Inconsistencia.SIN_LEYENDA,
    "sin_firma": Inconsistencia.SIN_FIRMA, "d": Inconsistencia.SIN_FIRMA,
    "otra": Inconsistencia.OTRA, "e": Inconsistencia.OTRA,
}
NO_INCONSISTENCIA = frozenset({"", "ninguna", "sin_inconsistencia", "no", "na", "n_a"})
DELIMITER_NAMES = {",": "«,» (coma)", ";": "«;» (punto y coma)", "\t": "tabulador", "|": "«|» (barra)"}
DELIMITER_OPTIONS = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
MAX_ENCODING_REPORTS = 10
# about 100 000 rows: more than a process's paper cédulas; a bigger file is refused before it is read
# (a 26 MB file of bad rows took 600 MB to check)
MAX_CSV_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """Where a file is wrong and why: row (file line; 0 for the whole file), field, reason."""

    row: int
    field: str
    code: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "code": self.code, "reason": self.reason}

    def __str__(self) -> str:
        return text("problem_line", row=self.row, field=self.field, reason=self.reason)


@dataclass
class ImportPlan:
    """What importing the file would do: the valid records and every problem found."""

    path: str
    valid_rows: list[ManualRecord] = field(default_factory=list)
    valid_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    total_rows: int = 0
    delimiter: str = ","
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        """The report without personal data: counts, row numbers, fields and reasons."""
        return {
            "file": self.path,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows_total": self.total_rows,
            "rows_valid": len(self.valid_rows),
            "problems": [p.as_dict() for p in self.problems],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _norm(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.strip().lower())
    ascii_ = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join("".join(ch if ch.isalnum() else " " for ch in ascii_).split())


def _problem(row: int, where: str, code: str, **params: object) -> Problem:
    return Problem(row, where, code, text(code, **params))


def _decode(raw: bytes, plan: ImportPlan) -> str | None:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        plan.problems.append(_problem(0, "archivo", "csv_utf16"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, plan.encoding = raw[3:], "utf-8-sig"
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start]
            try:
                line.decode("cp1252")
                guess = "Windows-1252 (CSV de Excel en Windows)"
            except UnicodeDecodeError:
                guess = "Latin-1"
            plan.problems.append(_problem(number, "archivo", "csv_not_utf8", byte=f"0x{bad:02X}", guess=guess))
            if len(plan.problems) >= MAX_ENCODING_REPORTS:
                break
    return None


def _check_delimiter(header_line: str, delimiter: str, plan: ImportPlan) -> bool:
    counts = {d: header_line.count(d) for d in DELIMITER_NAMES}
    found = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0 and counts[found] > 0:
        plan.problems.append(_problem(1, "encabezado", "csv_delimiter", found=DELIMITER_NAMES[found],
                                      expected=DELIMITER_NAMES.get(delimiter, repr(delimiter)),
                                      option=DELIMITER_OPTIONS[found]))
        return False
    return True


def _map_header(header: list[str], plan: ImportPlan) -> list[str] | None:
    mapped: list[str] = []
    for name in header:
        column = ALIASES.get(_norm(name.lstrip("\ufeff")))
        if column is None:
            plan.problems.append(_problem(1, name.strip() or "(vacía)", "csv_header_unknown", column=name.strip()))
        elif column in mapped:
            plan.problems.append(_problem(1, column, "csv_header_repeated", column=name.strip()))
        mapped.append(column or "")
    for column in REQUIRED:
        if column not in mapped:
            plan.problems.append(_problem(1, column, "csv_header_missing", column=column))
    return None if plan.problems else mapped


def _inconsistencia(value: str) -> Inconsistencia | None | str:
    """The enum for a written tipo de inconsistencia, None for none, or the text when unknown."""
    key = _norm(value)
    if key in NO_INCONSISTENCIA:
        return None
    return INCONSISTENCIA_ALIASES.get(key, value)


def _check_row(line: int, values: dict[str, str], deduper: BatchDeduper, references: dict[str, int],
               plan: ImportPlan) -> ManualRecord | None:
    problems: list[Problem] = []
    ref = values["numero_referencia"]
    if not ref:
        problems.append(_problem(line, "numero_referencia", "csv_referencia"))
    elif ref.upper() in references:
        problems.append(_problem(line, "numero_referencia", "csv_referencia_repetida", value=ref,
                                 first=references[ref.upper()]))
    else:
        references[ref.upper()] = line
    if not values["nombres"]:
        problems.append(_problem(line, "nombres", "csv_nombre"))
    if not (values["apellido_paterno"] or values["apellido_materno"]):
        problems.append(_problem(line, "apellido_paterno/apellido_materno", "csv_apellidos"))
    clave = ""
    try:
        clave = validate_clave_elector(values["clave_elector"])
    except InvalidIdentifier as exc:
        problems.append(_problem(line, "clave_elector", "csv_clave", reason=str(exc).rstrip(".")))
    if clave:
        verdict, first = deduper.check(clave, line)
        if verdict == "batch":
            problems.append(_problem(line, "clave_elector", "csv_clave_repetida", first=first))
        elif verdict == "seen":
            problems.append(_problem(line, "clave_elector", "csv_clave_vista"))
        check = cross_check(clave, values["nombres"], values["apellido_paterno"], values["apellido_materno"])
        if "clave_no_coincide" in check.flags:
            plan.warnings.append(_problem(line, "clave_elector", "csv_clave_no_coincide",
                                          found=check.found_letters, expected=check.expected_letters))
        if "clave_menor_de_edad" in check.flags:
            plan.warnings.append(_problem(line, "clave_elector", "csv_clave_menor_de_edad"))
    if values["ocr"]:
        try:
            validate_ocr(values["ocr"])
        except InvalidIdentifier:
            problems.append(_problem(line, "ocr", "csv_ocr"))
    tipo = _inconsistencia(values["tipo_inconsistencia"])
    if tipo is not None and not isinstance(tipo, Inconsistencia):
        problems.append(_problem(line, "tipo_inconsistencia", "csv_inconsistencia", value=tipo))
    elif tipo is Inconsistencia.OTRA and not values["comentario"]:
        problems.append(_problem(line, "comentario", "csv_otra_comentario"))
    if problems:
        plan.problems.extend(problems)
        return None
    return ManualRecord(
        numero_referencia=ref.upper(), nombres=" ".join(values["nombres"].upper().split()),
        apellido_paterno=" ".join(values["apellido_paterno"].upper().split()),
        apellido_materno=" ".join(values["apellido_materno"].upper().split()),
        clave_elector=clave, ocr=values["ocr"], inconsistencia=tipo if isinstance(tipo, Inconsistencia) else None,
        comentario=values["comentario"],
    )


def plan_import(path: str | Path, process_id: str, *, seen: Callable[[str], bool] = lambda fp: False,
                key: bytes, delimiter: str = ",") -> ImportPlan:
    """Read and check every row of a CSV; nothing is saved. `seen(fingerprint)` asks the vault."""
    plan = ImportPlan(str(path), delimiter=delimiter)
    try:
        size = Path(path).stat().st_size
        if size > MAX_CSV_BYTES:
            plan.problems.append(_problem(0, "archivo", "csv_too_large", path=str(path), mb=round(size / 1e6),
                                          limit=MAX_CSV_BYTES // 1_000_000))
            return plan
        raw = Path(path).read_bytes()
    except OSError:
        plan.problems.append(_problem(0, "archivo", "csv_unreadable", path=str(path)))
        return plan
    if not raw.strip():
        plan.problems.append(_problem(0, "archivo", "csv_empty"))
        return plan
    content = _decode(raw, plan)
    if content is None:
        return plan
    header_line = content.lstrip("\ufeff").splitlines()[0]
    if not _check_delimiter(header_line, delimiter, plan):
        return plan
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        columns = _map_header(next(reader), plan)
    except (StopIteration, csv.Error):
        plan.problems.append(_problem(1, "encabezado", "csv_empty"))
        return plan
    if columns is None:
        return plan
    deduper = BatchDeduper(key, process_id, seen)
    references: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            plan.total_rows += 1
            if len(cells) != len(columns):
                plan.problems.append(_problem(line, "fila", "csv_field_count", found=len(cells),
                                              expected=len(columns)))
                continue
            values = dict.fromkeys(COLUMNS, "")
            values.update({col: cell.strip() for col, cell in zip(columns, cells)})
            record = _check_row(line, values, deduper, references, plan)
            if record is not None:
                plan.valid_rows.append(record)
                plan.valid_lines.append(line)
    except csv.Error as exc:
        plan.problems.append(_problem(reader.line_num, "fila", "csv_malformed", reason=str(exc)))
    return plan
