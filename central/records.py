"""What the OPL's follow-up work (reports, compulsa, audiencia, results, retention) needs to know
of a received record: the §10.7 statuses, the §10.3 incisos, one status change, and the record's
personal fields read from its sealed envelope — plaintext in memory only; what is kept of them
for later reads is sealed again (field packs).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import nacl.exceptions
import sqlalchemy as sa
from nacl.secret import Aead

from kiosk import payload, sealing
from kiosk.domain import HORA_CENTRO, RecordKind
from central import tables as t
from central.receiver import store as st

# Seed 001 §10.7, in the order the avance report shows them.
STATUS_LABELS = {
    "enviado": "Registros enviados",
    "en_procesamiento": "En procesamiento",
    "en_mesa_de_control": "En mesa de control",
    "para_compulsa": "Para envío a compulsa",
    "duplicado": "Duplicados",
    "con_inconsistencia": "Con inconsistencia",
    "rechazado": "Rechazados en la recepción",
}
# Seed 001 §10.3: the Mesa writes a record's detail as "<inciso>) <texto>", e.g. "e) fotocopia a color".
INCISOS = {
    "a": "Credencial no válida: imagen diferente a una Credencial para Votar",
    "b": "Credencial no válida: dos anversos o dos reversos",
    "c": "Credencial no válida: anverso y reverso de distintas credenciales",
    "d": "Credencial no válida: pantalla, monitor u otro",
    "e": "Fotocopia de la credencial",
    "f": "Otra: credencial ilegible",
    "g": "Foto no válida: persona distinta",
    "h": "Foto no válida: no tomada de la persona",
    "i": "Foto no válida: rostro cubierto",
    "j": "Firma no válida: símbolo distinto",
    "k": "Firma no válida: nombre distinto",
    "l": "Firma no válida: firma distinta",
    "m": "Sin firma",
    "n": "Simulación",
}
APOYO_KINDS = (RecordKind.APOYO.value, RecordKind.MANUAL.value)  # auxiliar registrations (§3.8) never count
MODALIDAD = {RecordKind.APOYO.value: "aplicacion", RecordKind.MANUAL.value: "cedula_papel"}


class RecordError(ValueError):
    """A request about records that cannot be honoured; the message is Spanish, for the person."""


def hora_centro_text(epoch: float) -> str:
    """The one time format people read: '2026-12-01 09:38 hora del Centro (UTC-06:00)'."""
    at = datetime.fromtimestamp(epoch, tz=HORA_CENTRO)
    offset = f"{at:%z}"
    return f"{at:%Y-%m-%d %H:%M} hora del Centro (UTC{offset[:3]}:{offset[3:]})"


def set_status(conn: sa.Connection, folio: str, status: str, detail: str = "") -> str:
    """Move one record to a §10.7 status (what a Mesa decision does); returns the former status.
    The web layer's audit trail (who, when, why) wraps this call."""
    if status not in STATUS_LABELS:
        raise RecordError(f"Estatus desconocido: {status}")
    before = conn.execute(sa.select(st.envelopes.c.status).where(st.envelopes.c.folio == folio)).scalar()
    if before is None:
        raise RecordError(f"No existe el folio {folio}")
    conn.execute(st.envelopes.update().where(st.envelopes.c.folio == folio).values(status=status, detail=detail[:500]))
    return before


@dataclass(frozen=True)
class OpenedRecord:
    """A record's ids (from the verified envelope header) and its plaintext fields, in memory."""

    folio: str
    kind: str
    integrity: str
    header: dict
    meta: dict

    @property
    def person(self) -> dict[str, str]:
        """The person's fields the same way for an app apoyo and a paper cédula."""
        m = self.meta
        fields = m.get("fields") or {}

        def read(name: str) -> str:
            if m.get(name):
                return str(m[name])
            value = fields.get(name)
            return str(value.get("value") or "") if isinstance(value, dict) else ""

        return {
            "nombres": read("nombres"),
            "apellido_paterno": read("apellido_paterno"),
            "apellido_materno": read("apellido_materno"),
            "clave_elector": read("clave_elector"),
            "ocr": read("ocr"),
            "cic": read("cic"),
            "emision": read("emision"),
            "modalidad": "mi_apoyo" if m.get("modality") == "mi_apoyo" else MODALIDAD.get(self.kind, self.kind),
            "captured_at": str(self.header.get("captured_at", "")),
            "numero_referencia": read("numero_referencia"),
        }

    @property
    def location(self) -> tuple[float, float] | None:
        loc = self.meta.get("location") or {}
        try:
            return float(loc["lat"]), float(loc["lon"])
        except (KeyError, TypeError, ValueError):
            return None


def open_records(receiver, folios: Iterable[str], batch: int = 500) -> Iterator[OpenedRecord]:
    """Open the envelopes of `folios` with the receiver's sealing keys (it must hold the private
    ones: the processing host) and yield them one by one, in folio order; a record that does not
    open is skipped with an incident row, never guessed."""
    private = receiver.keys.sealing_private_keys()
    pubkeys: dict[str, list] = {}
    todo = sorted(set(folios))
    for start in range(0, len(todo), batch):
        with receiver.engine.connect() as c:
            rows = c.execute(
                sa.select(st.envelopes.c.folio, st.envelopes.c.kind, st.envelopes.c.integrity,
                          st.envelopes.c.device_id, st.envelopes.c.envelope)
                .where(st.envelopes.c.folio.in_(todo[start : start + batch])).order_by(st.envelopes.c.folio)
            ).all()
        for r in rows:
            if r.device_id not in pubkeys:
                pubkeys[r.device_id] = receiver.envelope_keys(r.device_id)
            try:
                header, plain = sealing.open_envelope_any(bytes(r.envelope), pubkeys[r.device_id], private)
                meta, _blobs = payload.unpack(plain)
            except (sealing.InvalidEnvelope, payload.InvalidPayload) as exc:
                with receiver.engine.begin() as c:
                    st.incident(c, "sobre_no_abre", r.device_id, r.folio, str(exc))
                continue
            yield OpenedRecord(r.folio, r.kind, r.integrity, header, meta)


def fields_key(receiver) -> Aead:
    """The key that seals the person fields kept at rest (`tables.field_packs`); made once, beside
    the sealing keys, and read only where those are (the processing host)."""
    try:
        return Aead(receiver.keys.secret("fields.key", "la llave de campos"))
    except ValueError as exc:
        raise RecordError(str(exc)) from exc


@dataclass(frozen=True)
class Person:
    folio: str
    integrity: str
    fields: dict[str, str]


def _pack_aad(pack_id: str, process_id: str) -> bytes:
    return f"apoyo-kiosk field pack v1|{pack_id}|{process_id}".encode()


PACK_SIZE = 5000  # records per sealed pack, and per step of `persons`: memory stays bounded
# The fields of a pack's rows, in order: a row is [folio, integrity, *values]. Lists, not one
# JSON object per record: a pack of 5 000 records parses in a third of the time.
PACK_FIELDS = ("nombres", "apellido_paterno", "apellido_materno", "clave_elector", "ocr", "cic", "emision",
               "modalidad", "captured_at", "numero_referencia")


def seal_pack(box: Aead, pack_id: str, process_id: str, fresh: dict[str, tuple[str, dict[str, str]]]) -> bytes:
    """The sealed box of a pack of `fresh` (folio → (integrity, person fields))."""
    rows = [[folio, integrity, *(fields.get(k, "") for k in PACK_FIELDS)] for folio, (integrity, fields) in fresh.items()]
    doc = {"v": 2, "fields": PACK_FIELDS, "rows": rows}
    return box.encrypt(json.dumps(doc, ensure_ascii=False).encode(), _pack_aad(pack_id, process_id))


def open_pack_rows(box: Aead, pack_id: str, process_id: str, sealed: bytes) -> list[list[str]]:
    """The rows [folio, integrity, *values of PACK_FIELDS] of a sealed pack, in the order they were
    sealed; packs written before version 2 (one JSON object of folio → [integrity, fields]) read
    the same."""
    try:
        doc = json.loads(box.decrypt(sealed, _pack_aad(pack_id, process_id)))
    except nacl.exceptions.CryptoError as exc:
        raise RecordError(f"Los campos guardados (paquete {pack_id}) no corresponden a su llave o a su proceso") from exc
    if doc.get("v") == 2 and tuple(doc["fields"]) == PACK_FIELDS:
        return doc["rows"]
    rows = []
    if doc.get("v") == 2:  # written with other fields: by name
        for folio, integrity, *values in doc["rows"]:
            named = dict(zip(doc["fields"], values))
            rows.append([folio, integrity, *(named.get(k, "") for k in PACK_FIELDS)])
        return rows
    return [[folio, integrity, *(fields.get(k, "") for k in PACK_FIELDS)] for folio, (integrity, fields) in doc.items()]


def open_pack(box: Aead, pack_id: str, process_id: str, sealed: bytes) -> dict[str, list[str]]:
    """folio → [integrity, *values of PACK_FIELDS] of a sealed pack."""
    return {row[0]: row[1:] for row in open_pack_rows(box, pack_id, process_id, sealed)}


def read_pack_rows(conn: sa.Connection, box: Aead, pack_id: str, process_id: str) -> list[list[str]]:
    sealed = conn.execute(sa.select(t.field_packs.c.box).where(t.field_packs.c.pack_id == pack_id)).scalar()
    return open_pack_rows(box, pack_id, process_id, bytes(sealed or b""))


def read_pack(conn: sa.Connection, box: Aead, pack_id: str, process_id: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in read_pack_rows(conn, box, pack_id, process_id)}


class NotPacked(RecordError):
    """Some records have no sealed field pack yet and this caller may not open envelopes."""


def persons(receiver, process_id: str, folios: Iterable[str], open_missing: bool = True) -> Iterator[Person]:
    """The person fields of `folios` (of one process), in folio order: from the sealed packs of
    earlier openings, else by opening each envelope once and sealing what was read as a new pack.
    A record whose envelope does not open is left out (with an incident row). Works PACK_SIZE
    folios at a time, holding at most two opened packs. With `open_missing=False` (the web app,
    which holds the fields key but not the sealing keys) a record without a pack raises NotPacked
    before anything is yielded."""
    t.create_tables(receiver.engine)
    box = fields_key(receiver)
    opened: dict[str, dict] = {}

    def pack(pack_id: str) -> dict:
        if pack_id not in opened:
            with receiver.engine.connect() as c:
                opened[pack_id] = read_pack(c, box, pack_id, process_id)
            while len(opened) > 2:
                opened.pop(next(iter(opened)))
        return opened[pack_id]

    wanted = sorted(set(folios))
    with receiver.engine.connect() as c:  # folio → pack for the whole process: two short strings a record
        members = dict(c.execute(
            sa.select(t.field_pack_members.c.folio, t.field_pack_members.c.pack_id)
            .select_from(t.field_pack_members.join(t.field_packs, t.field_packs.c.pack_id == t.field_pack_members.c.pack_id))
            .where(t.field_packs.c.process_id == process_id)).all())
    missing = [f for f in wanted if f not in members]
    if missing and not open_missing:
        raise NotPacked(f"{len(missing)} registros de {process_id} aún no tienen sus campos sellados: ejecute "
                        f"«kiosk-receiver fields pack --process {process_id}» en el equipo de procesamiento")
    return _persons(receiver, process_id, wanted, members, box, pack)


def _persons(receiver, process_id: str, wanted: list[str], members: dict, box: Aead, pack) -> Iterator[Person]:
    for start in range(0, len(wanted), PACK_SIZE):
        part = wanted[start : start + PACK_SIZE]
        closed = [f for f in part if f not in members]  # none: the sealing keys are not even read
        fresh = {r.folio: [r.integrity, r.person] for r in open_records(receiver, closed)} if closed else {}
        if fresh:
            pack_id = os.urandom(16).hex()
            sealed = seal_pack(box, pack_id, process_id, fresh)
            try:
                with receiver.engine.begin() as c:
                    c.execute(t.field_packs.insert().values(pack_id=pack_id, process_id=process_id,
                                                            created_at=time.time(), records=len(fresh), box=sealed))
                    c.execute(t.field_pack_members.insert(),  # the pack's rows are in `fresh` order
                              [{"folio": f, "pack_id": pack_id, "position": i} for i, f in enumerate(fresh)])
            except sa.exc.IntegrityError:
                pass  # another run packed some of these at the same time: its pack serves later reads
        for folio in part:
            if folio in fresh:
                integrity, fields = fresh[folio]
            elif folio in members:
                integrity, *values = pack(members[folio])[folio]
                fields = dict(zip(PACK_FIELDS, values))
            else:
                continue
            yield Person(folio, integrity, fields)
