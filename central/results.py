"""Preliminary and definitive results of a process (seed 001 §13.2-13.4): valid apoyos (para
compulsa and found in the Padrón) against the required number, by municipio and sección; and the
§13.5 data sealed to the OPL's X25519 public key (§13.6) in the project's envelope format
(`kiosk.sealing`, signed by the receiver's authority key), with a signed manifest and SHA-256.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import json
import operator
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from nacl.public import PrivateKey, PublicKey
from nacl.signing import VerifyKey

from kiosk import sealing
from kiosk.paths import write_private
from central import spreadsheet
from central import tables as t
from central.receiver import store as st
from central.records import (APOYO_KINDS, PACK_FIELDS, PACK_SIZE, RecordError, fields_key, hora_centro_text, persons,
                             read_pack_rows)
from central.compulsa import VALID_SITUACIONES
from central.reports import required_of

PHASES = ("preliminar", "definitivo")
COLUMNS = ("nombre_completo", "clave_elector", "entidad", "distrito_federal", "distrito_local", "municipio", "seccion",
           "codigo_integridad")
PENDING = ("en_procesamiento", "en_mesa_de_control")
# Where a packed record's fields are in its row (records.open_pack_rows: [folio, integrity, *PACK_FIELDS]).
_NAME = slice(2 + PACK_FIELDS.index("nombres"), 3 + PACK_FIELDS.index("apellido_materno"))
_CLAVE = 2 + PACK_FIELDS.index("clave_elector")


@dataclass
class Results:
    process_id: str
    phase: str
    required: int | None
    valid: int = 0
    by_municipio: list[tuple[str, int]] = field(default_factory=list)
    by_seccion: list[tuple[str, str, int]] = field(default_factory=list)  # (municipio, sección, apoyos)

    @property
    def reached(self) -> bool | None:
        return None if self.required is None else self.valid >= self.required


def check_phase(conn: sa.Connection, process_id: str, phase: str) -> None:
    """Results need the Mesa finished (§13.2); definitive ones also every audiencia closed (§13.4)."""
    if phase not in PHASES:
        raise RecordError(f"Fase desconocida: {phase} (preliminar o definitivo)")
    pending = conn.execute(sa.select(sa.func.count()).where(
        st.envelopes.c.process_id == process_id, st.envelopes.c.kind.in_(APOYO_KINDS),
        st.envelopes.c.status.in_(PENDING))).scalar()
    if pending:
        raise RecordError(f"Aún hay {pending} registros en procesamiento o en mesa de control: concluya la revisión primero")
    if phase == "definitivo":
        open_ = conn.execute(sa.select(sa.func.count()).where(
            t.audiencias.c.process_id == process_id, t.audiencias.c.status != "cerrada")).scalar()
        if open_:
            raise RecordError(f"Hay {open_} garantías de audiencia sin cerrar: los resultados definitivos esperan a que concluyan")


def valid_situaciones(process_id: str) -> sa.Select:
    """The situación registral rows of the valid apoyos of a process: past the Mesa (para
    compulsa) and found by the compulsa (en Padrón or en Lista Nominal)."""
    e, s = st.envelopes.c, t.situacion_registral.c
    return (sa.select(t.situacion_registral).select_from(t.situacion_registral.join(st.envelopes, e.folio == s.folio))
            .where(s.process_id == process_id, s.situacion.in_(VALID_SITUACIONES), e.status == "para_compulsa",
                   e.kind.in_(APOYO_KINDS)))  # the folio (primary key) joins; the process is situación's


def tally(engine: sa.Engine, process_id: str, phase: str = "preliminar", required: int | None = None) -> Results:
    t.create_tables(engine)
    with engine.connect() as c:
        check_phase(c, process_id, phase)
        valid = valid_situaciones(process_id).subquery()
        rows = c.execute(sa.select(valid.c.municipio, valid.c.seccion, sa.func.count())
                         .group_by(valid.c.municipio, valid.c.seccion)).all()
        required = required if required is not None else required_of(c, process_id)
    return _results(process_id, phase, required, rows)


def _results(process_id: str, phase: str, required: int | None, counts) -> Results:
    """Results from (municipio, sección, apoyos) counts."""
    out = Results(process_id, phase, required)
    out.by_seccion = sorted((m, sec, int(n)) for m, sec, n in counts)
    municipios: dict[str, int] = {}
    for m, _sec, n in out.by_seccion:
        municipios[m] = municipios.get(m, 0) + n
    out.by_municipio = sorted(municipios.items())
    out.valid = sum(municipios.values())
    return out


def load_public_key(data: bytes) -> PublicKey:
    """The OPL's X25519 public key as 64 hex characters, base64, or 32 raw bytes (a 32-byte text
    such as a PEM line is refused: it is not a key of this kind)."""
    text = data.strip()
    try:
        if len(data) == 32 and not data.isascii():
            return PublicKey(data)
        if len(text) == 64:
            return PublicKey(bytes.fromhex(text.decode()))
        if len(text) == 44:
            return PublicKey(base64.b64decode(text, validate=True))
    except (ValueError, TypeError):
        pass
    raise RecordError("La llave pública del OPL no es una llave X25519 (64 caracteres hex, base64 o 32 bytes)")


def opl_keygen(private_path: Path) -> Path:
    """Make an OPL key pair (for the demo and the tests; an OPL makes its own): the private key as
    32 raw bytes (0600) and the public key in hex beside it (`.pub`)."""
    key = PrivateKey.generate()
    write_private(private_path, bytes(key))
    pub = private_path.with_suffix(".pub")
    pub.write_text(bytes(key.public_key).hex() + "\n")
    return pub


@dataclass
class SealedResults:
    path: Path
    manifest_path: Path
    records: int
    sha256: str


_GEO = ("entidad", "distrito_federal", "distrito_local", "municipio", "seccion")
_GEO_SEP = "\x1f"  # joins a row's geography in SQL; a control character no situación registral has
_QUOTE = re.compile(r'[,"\r\n]')


def _csv_field(value: str) -> str:
    """A CSV field as csv.writer writes it (minimal quoting), text that starts like a formula
    marked as text (spreadsheet.cell)."""
    value = spreadsheet.cell(value)
    return '"' + value.replace('"', '""') + '"' if _QUOTE.search(value) else value


def _rows_to_seal(process_id: str) -> sa.Select:
    """One query for every valid apoyo: (pack, position in it, folio, geography joined by
    _GEO_SEP), grouped by the sealed field pack that holds the person's fields (none: not packed
    yet), packs in the order they were made, folio order within."""
    e, s, m, p = st.envelopes.c, t.situacion_registral.c, t.field_pack_members.c, t.field_packs.c
    joined = (t.situacion_registral.join(st.envelopes, e.folio == s.folio)
              .outerjoin(t.field_pack_members, m.folio == s.folio)
              .outerjoin(t.field_packs, sa.and_(p.pack_id == m.pack_id, p.process_id == process_id)))
    geo = s.entidad
    for name in _GEO[1:]:
        geo = geo + _GEO_SEP + s[name]
    return (sa.select(p.pack_id, m.position, s.folio, geo)
            .select_from(joined)
            .where(s.process_id == process_id, s.situacion.in_(VALID_SITUACIONES), e.status == "para_compulsa",
                   e.kind.in_(APOYO_KINDS))
            .order_by(p.created_at, p.pack_id, m.position, s.folio))  # a pack's positions are in folio order


def _sealed_csv(receiver, process_id: str) -> tuple[bytes, dict[tuple[str, str], int], list[str]]:
    """The §13.5 CSV of a process, a pack at a time (the query streams; one pack open at a time),
    its counts per (municipio, sección) and the valid folios whose fields are in no pack (those
    are not written). A record's fields are found by its position in the pack (by folio for packs
    made before positions were kept); each distinct geography is formatted once."""
    box = fields_key(receiver)
    chunks = [(",".join(COLUMNS) + "\n").encode()]
    per_geo: Counter = Counter()
    geo_csv: dict[str, str] = {}
    unpacked: list[str] = []
    with receiver.engine.connect() as c:
        rows = c.execution_options(yield_per=PACK_SIZE).execute(_rows_to_seal(process_id))
        for pack_id, part in itertools.groupby(rows, key=operator.itemgetter(0)):
            pack = read_pack_rows(c, box, pack_id, process_id) if pack_id else []
            by_folio = None
            lines = []
            for _pack, position, folio, geo in part:
                fields = pack[position] if position is not None and position < len(pack) else None
                if fields is None or fields[0] != folio:
                    by_folio = by_folio if by_folio is not None else {row[0]: row for row in pack}
                    fields = by_folio.get(folio)
                    if fields is None:
                        unpacked.append(folio)
                        continue
                formatted = geo_csv.get(geo)
                if formatted is None:
                    formatted = geo_csv[geo] = ",".join(map(_csv_field, _split_geo(geo)))
                lines.append(f"{_csv_field(' '.join(filter(None, fields[_NAME])))},{_csv_field(fields[_CLAVE])},"
                             f"{formatted},{fields[1]}\n")
                per_geo[geo] += 1
            chunks.append("".join(lines).encode("utf-8"))
    counts: dict[tuple[str, str], int] = {}
    for geo, n in per_geo.items():
        *_, municipio, seccion = _split_geo(geo)
        counts[municipio, seccion] = counts.get((municipio, seccion), 0) + n
    return b"".join(chunks), counts, unpacked


def _split_geo(geo: str) -> list[str]:
    parts = geo.split(_GEO_SEP)
    if len(parts) != len(_GEO):
        raise RecordError("La situación registral importada tiene caracteres de control en su geografía: vuelva a importarla")
    return parts


def seal_results(receiver, process_id: str, opl_key: PublicKey, out_dir: Path, phase: str = "definitivo",
                 open_missing: bool = True) -> SealedResults:
    """The §13.5 rows of every valid apoyo, sealed to the OPL's key: only its private key opens them.
    One query gives the rows with the pack of each record's sealed fields, each pack is opened
    once, and the counts are of the rows written. Valid apoyos not packed yet (none once the
    compulsa export ran) are opened and packed first (`open_missing`; see `records.persons`)."""
    t.create_tables(receiver.engine)
    with receiver.engine.connect() as c:
        check_phase(c, process_id, phase)
        required = required_of(c, process_id)
    plain, counts, unpacked = _sealed_csv(receiver, process_id)
    if unpacked:
        for _ in persons(receiver, process_id, unpacked, open_missing):  # NotPacked, or packs them
            pass
        plain, counts, unpacked = _sealed_csv(receiver, process_id)
    results = _results(process_id, phase, required, [(m, sec, n) for (m, sec), n in counts.items()])
    n = results.valid
    if unpacked:
        raise RecordError(f"Se abrieron {n} de {n + len(unpacked)} registros válidos: revise el registro de incidentes")
    created = time.time()
    header = {"v": 1, "kind": "resultados", "process_id": process_id, "phase": phase, "records": n,
              "sha256": hashlib.sha256(plain).hexdigest(), "created_at": hora_centro_text(created)}
    envelope = sealing.seal(plain, header, receiver.keys.authority, opl_key)
    stem = f"resultados-{process_id}-{phase}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime(created))}"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.apk"
    path.write_bytes(envelope.data)
    body = {"process_id": process_id, "phase": phase, "file": path.name, "sha256": envelope.integrity, "records": n,
            "columns": list(COLUMNS), "opl_key_id": sealing.key_id(bytes(opl_key)), "created_at": header["created_at"],
            "required": results.required, "by_municipio": results.by_municipio}
    manifest = sealing.sign_document(body, "resultados", receiver.keys.authority, issued_at=created)
    manifest_path = out_dir / f"{stem}.manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    with receiver.engine.begin() as c:
        c.execute(t.result_deliveries.insert().values(
            process_id=process_id, phase=phase, created_at=created, records=n, sha256=envelope.integrity,
            opl_key_id=body["opl_key_id"], file_name=path.name))
    return SealedResults(path, manifest_path, n, envelope.integrity)


def open_results(data: bytes, authority: VerifyKey, opl_private: PrivateKey, manifest: dict | None = None) -> tuple[dict, list[dict]]:
    """Open a sealed results file with the OPL's private key: check the manifest (signature and
    SHA-256) if given, the receiver's signature and the plaintext's SHA-256; return (header, rows)."""
    try:
        if manifest is not None:
            body = sealing.verify_document(manifest, authority, "resultados")
            if body["sha256"] != sealing.integrity_code(data):
                raise RecordError("El archivo de resultados no corresponde a su manifiesto (SHA-256 distinto)")
        header, plain = sealing.open_envelope(data, authority, {sealing.key_id(bytes(opl_private.public_key)): opl_private})
    except (sealing.InvalidEnvelope, sealing.InvalidSignature) as exc:
        raise RecordError(f"No se pudo abrir el archivo de resultados: {exc}") from exc
    if header.get("kind") != "resultados" or hashlib.sha256(plain).hexdigest() != header.get("sha256"):
        raise RecordError("El contenido de los resultados no corresponde a su código de integridad")
    rows = list(csv.DictReader(io.StringIO(plain.decode("utf-8"))))
    if len(rows) != header.get("records"):
        raise RecordError("El número de registros no corresponde al encabezado")
    return header, rows
