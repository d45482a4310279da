"""The compulsa against the Padrón Electoral: export the `para_compulsa` records (app apoyos and
paper cédulas alike) in a versioned layout with a signed manifest and SHA-256, and import the
situación registral file that comes back, idempotently.

Personal fields live inside the sealed envelopes: the export opens them in memory (it needs the
receiver's sealing keys, and keeps each record's fields sealed with the fields key for the later
results) and the only plaintext it writes is the export file the OPL asked for (mode 0600), which
the OPL hands to INE and then deletes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from kiosk import sealing
from central import spreadsheet
from central import tables as t
from central.receiver import store as st
from central.records import APOYO_KINDS, RecordError, hora_centro_text, persons

FIELDS = ("folio", "clave_elector", "nombres", "apellido_paterno", "apellido_materno", "ocr", "cic", "emision",
          "modalidad", "captured_at", "numero_referencia", "integrity")

# INE's catalogue of situaciones registrales (seed 003) and the reasons of a baja (seed 001 §11.6-11.7).
SITUACIONES = {
    "en_padron": "En Padrón Electoral",
    "en_lista_nominal": "En Lista Nominal",
    "datos_no_encontrados": "Datos no encontrados",
    "baja": "Baja del Padrón Electoral",
    "sin_respuesta": "Sin respuesta de situación registral",
}
VALID_SITUACIONES = ("en_padron", "en_lista_nominal")
MOTIVOS_BAJA = {
    "suspension_derechos": "Suspensión de derechos políticos",
    "cancelacion_tramite": "Cancelación de trámite",
    "duplicado_padron": "Duplicado en Padrón Electoral",
    "defuncion": "Defunción",
    "datos_irregulares": "Datos irregulares",
    "domicilio_irregular": "Domicilio irregular",
    "migracion": "Migración",
    "perdida_nacionalidad": "Pérdida de nacionalidad",
    "perdida_vigencia": "Pérdida de vigencia",
}
SITUACION_COLUMNS = ("folio", "situacion", "motivo_baja", "entidad", "distrito_federal", "distrito_local", "municipio", "seccion")
MAX_IMPORT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    field: str


@dataclass(frozen=True)
class Template:
    """The export layout: seed 004 says INE sets the fields "en el protocolo correspondiente", so
    the layout is a file the OPL can change, named by its version in every manifest."""

    version: str
    columns: tuple[Column, ...]
    delimiter: str = ","

    @classmethod
    def from_toml(cls, text: str) -> "Template":
        try:
            doc = tomllib.loads(text)
            columns = tuple(Column(str(c["header"]), str(c["field"])) for c in doc["columns"])
            template = cls(str(doc["version"]), columns, str(doc.get("delimiter", ",")))
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise RecordError(f"La plantilla de compulsa no es válida: {exc}") from exc
        unknown = [c.field for c in columns if c.field not in FIELDS]
        if unknown or not columns or len(template.delimiter) != 1:
            raise RecordError(f"La plantilla de compulsa usa campos desconocidos: {', '.join(unknown) or 'ninguno'}"
                              f" (se admiten: {', '.join(FIELDS)})")
        return template


DEFAULT_TEMPLATE = Template(
    "apoyo-kiosk-compulsa/1",
    tuple(Column(h, f) for h, f in (
        ("FOLIO", "folio"), ("CLAVE_ELECTOR", "clave_elector"), ("NOMBRES", "nombres"),
        ("APELLIDO_PATERNO", "apellido_paterno"), ("APELLIDO_MATERNO", "apellido_materno"), ("OCR", "ocr"),
        ("CIC", "cic"), ("EMISION", "emision"), ("MODALIDAD", "modalidad"), ("FECHA_CAPTURA", "captured_at"),
    )),
)


@dataclass
class ExportResult:
    csv_path: Path
    manifest_path: Path
    records: int
    sha256: str
    skipped: list[str] = field(default_factory=list)


def para_compulsa_folios(conn: sa.Connection, process_id: str, pending_only: bool = False) -> list[str]:
    """The records to send to the compulsa; with `pending_only`, those INE has not answered yet
    (e.g. moved to para_compulsa by an audiencia after the first export)."""
    e = st.envelopes.c
    q = (sa.select(e.folio).where(e.process_id == process_id, e.status == "para_compulsa", e.kind.in_(APOYO_KINDS))
         .order_by(e.folio))
    if pending_only:
        q = q.where(~sa.exists().where(t.situacion_registral.c.folio == e.folio))
    return list(conn.execute(q).scalars())


def export(receiver, process_id: str, out_dir: Path, template: Template = DEFAULT_TEMPLATE,
           pending_only: bool = False, open_missing: bool = True) -> ExportResult:
    """Write the compulsa file of a process and its signed manifest into `out_dir` (`open_missing`:
    see `records.persons`)."""
    t.create_tables(receiver.engine)
    with receiver.engine.connect() as c:
        folios = para_compulsa_folios(c, process_id, pending_only)
    created = time.time()
    stem = f"compulsa-{process_id}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime(created))}"
    people = persons(receiver, process_id, folios, open_missing)  # NotPacked comes here, before any file
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{stem}.csv"
    opened: set[str] = set()
    fd = os.open(csv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:  # row by row: memory stays bounded
        writer = csv.writer(f, delimiter=template.delimiter, lineterminator="\n")
        writer.writerow([col.header for col in template.columns])
        for person in people:
            values = dict(person.fields, folio=person.folio, integrity=person.integrity)
            writer.writerow(spreadsheet.row(values.get(col.field, "") for col in template.columns))
            opened.add(person.folio)
    hasher = hashlib.sha256()
    with csv_path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    digest = hasher.hexdigest()
    body = {
        "process_id": process_id, "template_version": template.version,
        "columns": [col.header for col in template.columns], "records": len(opened), "file": csv_path.name,
        "pending_only": pending_only,
        "sha256": digest, "created_at": hora_centro_text(created),
    }
    manifest = sealing.sign_document(body, "compulsa_export", receiver.keys.authority, issued_at=created)
    manifest_path = out_dir / f"{stem}.manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    with receiver.engine.begin() as c:
        c.execute(t.compulsa_exports.insert().values(
            process_id=process_id, created_at=created, template_version=template.version, records=len(opened),
            sha256=digest, file_name=csv_path.name))
    return ExportResult(csv_path, manifest_path, len(opened), digest, sorted(set(folios) - opened))


@dataclass
class ImportResult:
    applied: int = 0
    unchanged: int = 0
    by_situacion: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower()
    return "_".join(plain.replace("-", " ").split())


def _situacion(value: str) -> str | None:
    v = _norm(value)
    if v in SITUACIONES:
        return v
    if v in ("padron", "en_padron_electoral", "padron_electoral"):
        return "en_padron"
    if v in ("lista_nominal",):
        return "en_lista_nominal"
    if v in ("no_encontrado", "registros_no_encontrados"):
        return "datos_no_encontrados"
    if v.startswith("baja"):
        return "baja"
    return None


def _motivo(value: str) -> str | None:
    v = _norm(value).removeprefix("baja_").removeprefix("por_")
    if not v:
        return ""
    if v in MOTIVOS_BAJA:
        return v
    for key in MOTIVOS_BAJA:
        if key.split("_")[0] in v:
            return key
    return None


def import_situacion(engine: sa.Engine, process_id: str, data: bytes) -> ImportResult:
    """Apply a situación registral CSV (columns SITUACION_COLUMNS; `situacion` also takes INE's
    words: "En Padrón", "Datos no encontrados", "Baja por defunción"...). Every row is checked
    first and the file applies whole or not at all; applying it twice changes nothing."""
    t.create_tables(engine)
    result = ImportResult()
    if len(data) > MAX_IMPORT_BYTES:
        result.problems.append(f"el archivo pasa de {MAX_IMPORT_BYTES // 2**20} MB")
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.problems.append("el archivo no está en UTF-8 (si viene de Excel, guárdelo como «CSV UTF-8 (delimitado por comas)»)")
        return result
    reader = csv.DictReader(io.StringIO(text))
    header = [_norm(h) for h in (reader.fieldnames or [])]
    if "folio" not in header or "situacion" not in header:
        result.problems.append("faltan columnas: se necesitan al menos folio y situacion")
        return result
    reader.fieldnames = header
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as c:
        known = {r.folio: r.status for r in c.execute(
            sa.select(st.envelopes.c.folio, st.envelopes.c.status).where(
                st.envelopes.c.process_id == process_id, st.envelopes.c.kind.in_(APOYO_KINDS)))}
        current = {r.folio: r for r in c.execute(
            sa.select(t.situacion_registral).where(t.situacion_registral.c.process_id == process_id))}
    rows: dict[str, dict] = {}
    for n, row in enumerate(reader, start=2):
        folio = (row.get("folio") or "").strip()
        situacion = _situacion(row.get("situacion") or "")
        raw = row.get("situacion") or ""
        motivo = _motivo(row.get("motivo_baja") or (raw if situacion == "baja" else ""))
        if folio not in known:
            result.problems.append(f"fila {n}: el folio {folio or '(vacío)'} no es un apoyo de {process_id}")
        elif situacion is None:
            result.problems.append(f"fila {n}: situación registral desconocida «{raw}»")
        elif motivo is None:
            result.problems.append(f"fila {n}: motivo de baja desconocido «{row.get('motivo_baja')}»")
        elif folio in rows:
            result.problems.append(f"fila {n}: el folio {folio} viene dos veces")
        else:
            rows[folio] = {
                "folio": folio, "process_id": process_id, "situacion": situacion,
                "motivo_baja": motivo if situacion == "baja" else "",
                **{k: (row.get(k) or "").strip()[:8] for k in SITUACION_COLUMNS[3:]},
            }
    if result.problems:
        return result
    now = time.time()
    compare = ("situacion", "motivo_baja", *SITUACION_COLUMNS[3:])
    changed = [r for f, r in rows.items() if f not in current or any(getattr(current[f], k) != r[k] for k in compare)]
    with engine.begin() as c:
        if changed:
            folios = [r["folio"] for r in changed]
            for start in range(0, len(folios), 1000):
                c.execute(t.situacion_registral.delete().where(t.situacion_registral.c.folio.in_(folios[start:start + 1000])))
            c.execute(t.situacion_registral.insert(), [dict(r, source_sha256=digest, imported_at=now) for r in changed])
    if len(changed) > 1000 and engine.dialect.name == "postgresql":
        with engine.begin() as c:  # a bulk load: give the planner its new numbers now, not at autovacuum
            c.exec_driver_sql("ANALYZE situacion_registral")
    result.applied, result.unchanged = len(changed), len(rows) - len(changed)
    for r in rows.values():
        result.by_situacion[r["situacion"]] = result.by_situacion.get(r["situacion"], 0) + 1
    return result


def situacion_of(conn: sa.Connection, folio: str) -> str:
    return conn.execute(sa.select(t.situacion_registral.c.situacion).where(t.situacion_registral.c.folio == folio)).scalar() or ""
