"""Admin operations over the receiver: create a process, load the auxiliar roster from CSV,
import sneakernet envelopes, and the processing step that opens envelopes (seed 001 §10.7)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from kiosk import payload, sealing
from kiosk.domain import HORA_CENTRO, Auxiliar, Process, ProcessKind
from kiosk.identifiers import InvalidIdentifier
from kiosk.procconfig import auxiliar_to_dict, process_to_dict
from central.receiver import store as st
from central.receiver.service import Receiver, ReceiverError

ROSTER_FIELDS = ("id_auxiliar", "nombres", "apellido_paterno", "apellido_materno", "email")


def create_process(receiver: Receiver, *, process_id: str, kind: str, name: str, entity: str, promovente: str,
                   denomination: str, manifest_text: str, start: datetime, end: datetime, emblem: bytes = b"",
                   self_service: bool = False) -> Process:
    process = Process(
        process_id=process_id, kind=ProcessKind(kind), entity=entity, name=name, promovente=promovente,
        denomination=denomination, manifest_text=manifest_text,
        period_start=start if start.tzinfo else start.replace(tzinfo=HORA_CENTRO),
        period_end=end if end.tzinfo else end.replace(tzinfo=HORA_CENTRO),
        emblem_png=emblem,
    )
    receiver.put_process(process_to_dict(process), self_service)
    return process


def load_roster(receiver: Receiver, process_id: str, text: str) -> tuple[int, list[str]]:
    """Load auxiliares from CSV (id_auxiliar,nombres,apellido_paterno,apellido_materno,email).
    Validates every row first; loads all or nothing. Returns (loaded, problems)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [f for f in ROSTER_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        return 0, [f"faltan columnas: {', '.join(missing)}"]
    rows, problems = [], []
    now = datetime.now(HORA_CENTRO)
    for n, row in enumerate(reader, start=2):
        try:
            rows.append(
                Auxiliar(
                    auxiliar_id=row["id_auxiliar"], process_id=process_id, nombres=row["nombres"].strip(),
                    apellido_paterno=row["apellido_paterno"].strip(), apellido_materno=row["apellido_materno"].strip(),
                    email=row["email"].strip(), alta_at=now,
                )
            )
        except InvalidIdentifier as exc:
            problems.append(f"fila {n}: {exc}")
    if problems:
        return 0, problems
    for aux in rows:
        receiver.put_auxiliar(auxiliar_to_dict(aux))
    return len(rows), []


def import_dir(receiver: Receiver, src: Path, dst: Path | None = None) -> dict:
    """Sneakernet: apply the same checks to every *.apk envelope in `src`; write acuses to
    `dst` (default `src/acuses`) for `kiosk import-acuses` to carry back."""
    out = dst or src / "acuses"
    out.mkdir(parents=True, exist_ok=True)
    exported_at, listed = export_time(receiver, src)
    result = {"imported": 0, "refused": [], "exported_at": exported_at}
    for path in sorted(src.glob("*.apk")):
        data = path.read_bytes()
        judged = exported_at if sealing.integrity_code(data) in listed else None
        try:
            acuse = receiver.receive_envelope(data, judged_at=judged)
        except ReceiverError as exc:
            result["refused"].append({"file": path.name, "code": exc.code, "message": exc.message})
            continue
        (out / (path.stem + ".acuse.json")).write_text(json.dumps(acuse))
        result["imported"] += 1
    return result


TRUSTED_EXPORT_CLOCKS = ("alta", "media")  # "baja" is only a lower bound: it proves no deadline


def export_time(receiver: Receiver, src: Path) -> tuple[float | None, set[str]]:
    """(signed export time, integrity codes it covers) from the stick's manifest.json when the
    device's key signs it and its clock was trusted; else (None, empty): judged on arrival."""
    try:
        doc = json.loads((src / "manifest.json").read_text())
        device_id = str(json.loads(doc["body"])["device_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, set()
    for key in receiver.envelope_keys(device_id):
        try:
            body = sealing.verify_document(doc, key, "export")
        except sealing.InvalidSignature:
            continue
        if body.get("clock") not in TRUSTED_EXPORT_CLOCKS:
            return None, set()
        return min(float(body["exported_at"]), receiver.now()), {str(e["integrity"]) for e in body["envelopes"]}
    return None, set()


def process_envelopes(receiver: Receiver, limit: int = 1000) -> dict:
    """The processing step (holds the sealing private keys): open accepted envelopes, classify
    them as en_mesa_de_control, duplicado or con_inconsistencia (seed 001 §10.7)."""
    keys = receiver.keys.sealing_private_keys()
    done: dict[str, int] = {}
    with receiver.engine.connect() as c:
        todo = c.execute(
            sa.select(st.envelopes.c.folio, st.envelopes.c.envelope, st.envelopes.c.device_id, st.envelopes.c.process_id)
            .where(st.envelopes.c.status == "en_procesamiento").limit(limit)
        ).all()
        device_ids = {r.device_id for r in c.execute(sa.select(st.devices.c.device_id))}
    pubkeys = {d: receiver.envelope_keys(d) for d in device_ids}  # current key first, then retired ones
    secret = receiver.keys.person_key()
    for folio, envelope, device_id, process_id in todo:
        person = ""
        notes: list[str] = []
        try:
            _header, plain = _open_any(bytes(envelope), pubkeys[device_id], keys)
            meta, _blobs = payload.unpack(plain)
            person = _person_key(meta)
            status = "en_mesa_de_control"
            if meta.get("warnings"):
                notes.append("; ".join(str(w) for w in meta["warnings"]))
        except (sealing.InvalidEnvelope, payload.InvalidPayload, KeyError) as exc:
            status, notes = "con_inconsistencia", [f"no se pudo abrir: {exc}"]
        tag = hmac.new(secret, f"{process_id}|{person}".encode(), hashlib.sha256).hexdigest() if person else ""
        for attempt in range(2):  # two instances may claim the same person at once: one wins
            try:
                final, _detail = _classify(receiver, folio, process_id, tag, status, notes)
                break
            except sa.exc.IntegrityError:
                if attempt:
                    raise
        done[final] = done.get(final, 0) + 1
    return done


def _classify(receiver: Receiver, folio: str, process_id: str, tag: str, status: str,
              notes: list[str]) -> tuple[str, str]:
    """Record the envelope's status in one transaction with its person tag: the first folio of a
    person in a process stays, any later one (in this run or an earlier one) is a duplicado."""
    with receiver.engine.begin() as c:
        if tag and status == "en_mesa_de_control":
            first = c.execute(sa.select(st.apoyo_persons.c.folio).where(
                st.apoyo_persons.c.process_id == process_id, st.apoyo_persons.c.person == tag)).scalar()
            if first is None:
                c.execute(st.apoyo_persons.insert().values(process_id=process_id, person=tag, folio=folio, at=time.time()))
            elif first != folio:
                status, notes = "duplicado", [f"igual a {first}", *notes]
        detail = "; ".join(notes)[:500]
        c.execute(st.envelopes.update().where(st.envelopes.c.folio == folio).values(status=status, detail=detail))
    return status, detail


def _person_key(meta: dict) -> str:
    if meta.get("clave_elector"):
        return "clave:" + str(meta["clave_elector"])
    fields = meta.get("fields") or {}
    for name in ("cic", "ocr"):
        value = (fields.get(name) or {}).get("value") if isinstance(fields.get(name), dict) else None
        if value:
            return f"{name}:{value}"
    return ""


def _open_any(envelope: bytes, device_keys: list, keys):
    """Open with the first device key (current or retired) whose signature verifies."""
    error: Exception = sealing.InvalidEnvelope("sin llave del dispositivo")
    for key in device_keys:
        try:
            return sealing.open_envelope(envelope, key, keys)
        except sealing.InvalidEnvelope as exc:
            error = exc
    raise error
