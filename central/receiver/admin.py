"""Admin operations over the receiver: create a process, load the auxiliar roster from CSV,
import sneakernet envelopes. The processing step lives in `central.processing` (re-exported
here for the callers that knew it as admin.process_envelopes)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from kiosk import sealing
from kiosk.domain import HORA_CENTRO, Auxiliar, Process, ProcessKind
from kiosk.identifiers import InvalidIdentifier
from kiosk.procconfig import auxiliar_to_dict, process_to_dict
from central.processing import process_envelopes  # noqa: F401 (re-export)
from central.receiver import store as st
from central.receiver.service import Receiver, ReceiverError

ROSTER_FIELDS = ("id_auxiliar", "nombres", "apellido_paterno", "apellido_materno", "email")


def create_process(receiver: Receiver, *, process_id: str, kind: str, name: str, entity: str, promovente: str,
                   denomination: str, manifest_text: str, start: datetime, end: datetime, emblem: bytes = b"",
                   self_service: bool = False, privacy_url: str = "", privacy_text: str = "") -> Process:
    """`privacy_url`/`privacy_text`: the aviso de privacidad integral and its short version
    (seed 001 §1.3), which the kiosk shows on the manifest screen."""
    process = Process(
        process_id=process_id, kind=ProcessKind(kind), entity=entity, name=name, promovente=promovente,
        denomination=denomination, manifest_text=manifest_text,
        period_start=start if start.tzinfo else start.replace(tzinfo=HORA_CENTRO),
        period_end=end if end.tzinfo else end.replace(tzinfo=HORA_CENTRO),
        emblem_png=emblem, privacy_url=privacy_url, privacy_text=privacy_text,
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
        receiver.put_auxiliar(keep_alta_and_baja(receiver, auxiliar_to_dict(aux)))
    return len(rows), []


def keep_alta_and_baja(receiver: Receiver, body: dict) -> dict:
    """A roster row loaded again keeps its first alta and any baja (date and reason): reloading
    the CSV must never bring back an auxiliar who was dado de baja."""
    with receiver.engine.connect() as c:
        old = c.execute(sa.select(st.auxiliares.c.body).where(
            (st.auxiliares.c.process_id == body["process_id"]) & (st.auxiliares.c.auxiliar_id == body["auxiliar_id"]))).scalar()
    if old is None:
        return body
    previous = json.loads(old)
    kept = {k: previous[k] for k in ("alta_at", "baja_at", "baja_reason") if previous.get(k)}
    return {**body, **kept}


class NotAnExport(Exception):
    """The folder given to `import_dir` is no kiosk export (a Spanish sentence)."""


def import_dir(receiver: Receiver, src: Path, dst: Path | None = None) -> dict:
    """Sneakernet: apply the same checks to every *.apk envelope in `src`; write acuses to
    `dst` (default `src/acuses`) for `kiosk import-acuses` to carry back. A folder that does not
    exist or holds no export is refused (NotAnExport) before anything is made in it: a stick
    mounted elsewhere or a typo is no empty import."""
    if not src.exists():
        raise NotAnExport(f"La carpeta {src} no existe: revise dónde quedó montada la memoria USB")
    if not src.is_dir():
        raise NotAnExport(f"{src} no es una carpeta: indique la carpeta de la memoria USB que llenó «kiosk export»")
    if not (src / "manifest.json").exists() and next(src.glob("*.apk"), None) is None:
        raise NotAnExport(f"{src} no es una exportación de kiosko: no tiene sobres (*.apk) ni el manifest.json de «kiosk export»")
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

