"""Processes with the seed's registration fields (001 §1.2) and rosters of auxiliares with the
§3.2 fields (one by one or by CSV), over the receiver's own process and roster tables.

What the kiosk needs travels in the receiver's signed configuration (`central.receiver.admin`);
the rest of the OPL's record (oficio, representative, privacy notice, goal, §3.2 extras) lives
in this module's tables. Validation messages are Spanish and name the row or field to fix.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO
from kiosk.identifiers import InvalidIdentifier, validate_clave_elector, validate_curp, validate_id
from kiosk.procconfig import process_from_dict
from central import accounts
from central.receiver import admin
from central.receiver import store as st
from central.receiver.service import Receiver

MECANISMOS = {
    "consulta_popular": "Consulta popular",
    "iniciativa_ciudadana": "Iniciativa ciudadana",
    "revocacion_de_mandato": "Revocación de mandato",
    "candidatura_independiente": "Candidatura independiente",
}
ROSTER_COLUMNS = ("id_auxiliar", "nombres", "apellido_paterno", "apellido_materno", "fecha_nacimiento",
                  "telefono", "email", "clave_elector", "curp")
MAX_CSV_ROWS = 5000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

metadata = sa.MetaData()

details = sa.Table(
    "process_details", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
roster_details = sa.Table(
    "roster_details", metadata,
    sa.Column("process_id", sa.String(40), primary_key=True),
    sa.Column("auxiliar_id", sa.String(40), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)


class FormError(ValueError):
    """What to fix in a form, field by field (Spanish)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)


def _text(form: dict, name: str, limit: int = 300) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _moment(value: str, label: str, problems: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{label}: fecha y hora no válidas")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=HORA_CENTRO)


def create_process(receiver: Receiver, form: dict[str, Any], emblem: bytes = b"", *, by: str) -> str:
    """Validate the §1.2 fields, register the process with the receiver and keep the rest."""
    problems: list[str] = []
    try:
        process_id = validate_id(_text(form, "process_id", 40), field="Id Proceso")
    except InvalidIdentifier as exc:
        problems.append(str(exc))
        process_id = ""
    kind = _text(form, "mecanismo")
    if kind not in MECANISMOS:
        problems.append("Elija el mecanismo de participación")
    required = {"entidad": "Entidad", "denominacion": "Denominación", "promovente": "Promovente",
                "representante": "Nombre completo del representante", "numero_oficio": "Número de oficio",
                "aviso_url": "URL del aviso de privacidad", "aviso_texto": "Texto breve del aviso de privacidad"}
    for name, label in required.items():
        if not _text(form, name, 2000):
            problems.append(f"Falta: {label}")
    if len(_text(form, "denominacion", 2000)) > 479:
        problems.append("La denominación no puede pasar de 479 caracteres")
    url = _text(form, "aviso_url", 500)
    if url and not re.match(r"^https?://[^\s]+$", url):
        problems.append("La URL del aviso de privacidad debe empezar con http:// o https://")
    if emblem and (len(emblem) > 500 * 1024 or not (emblem[:8] == b"\x89PNG\r\n\x1a\n" or emblem[:3] == b"\xff\xd8\xff")):
        problems.append("El emblema debe ser PNG o JPG de hasta 500 KB")
    start = _moment(_text(form, "inicio"), "Inicio del periodo", problems)
    end = _moment(_text(form, "fin"), "Fin del periodo", problems)
    if start and end and end <= start:
        problems.append("El periodo termina antes de empezar")
    goal_n, goal_pct = _text(form, "apoyos_requeridos"), _text(form, "porcentaje_lista_nominal")
    if not goal_n and not goal_pct:
        problems.append("Indique los apoyos requeridos o el porcentaje de la lista nominal")
    try:
        goal = {"apoyos_requeridos": int(goal_n) if goal_n else None,
                "porcentaje_lista_nominal": float(goal_pct) if goal_pct else None,
                "lista_nominal": int(_text(form, "lista_nominal")) if _text(form, "lista_nominal") else None}
    except ValueError:
        problems.append("Apoyos requeridos, porcentaje y lista nominal deben ser números")
        goal = {}
    if process_id:
        with receiver.engine.connect() as c:
            if c.execute(sa.select(st.processes.c.process_id).where(st.processes.c.process_id == process_id)).first():
                problems.append(f"Ya existe el proceso {process_id}")
    if problems:
        raise FormError(problems)
    municipios = [m.strip() for m in re.split(r"[,\n;]", _text(form, "municipios", 4000)) if m.strip()]
    manifest = _text(form, "manifiesto", 2000) or "Manifiesto mi apoyo libre y voluntario a este mecanismo de participación ciudadana."
    admin.create_process(receiver, process_id=process_id, kind=kind, name=_text(form, "denominacion", 479)[:120],
                         entity=_text(form, "entidad"), promovente=_text(form, "promovente"),
                         denomination=_text(form, "denominacion", 479), manifest_text=manifest,
                         start=start, end=end, emblem=emblem, privacy_url=url, privacy_text=_text(form, "aviso_texto", 2000))
    body = {k: _text(form, k, 2000) for k in ("entidad", "promovente", "representante", "telefono_movil", "telefono_oficina",
                                              "clave_representante", "correo_promovente", "numero_oficio", "fecha_oficio",
                                              "fecha_aviso_intencion", "folio_interno", "aviso_url", "aviso_texto")}
    body.update(ambito="Estatal", mecanismo=kind, municipios=municipios, **goal)
    with receiver.engine.begin() as c:
        c.execute(details.insert().values(process_id=process_id, body=json.dumps(body, ensure_ascii=False)))
        accounts.record(c, by, "alta_proceso", process_id=process_id, why=kind)
    return process_id


def list_processes(engine: sa.Engine, only: str = "") -> list[dict]:
    q = sa.select(st.processes.c.process_id, st.processes.c.body).order_by(st.processes.c.process_id)
    if only:
        q = q.where(st.processes.c.process_id == only)
    with engine.connect() as c:
        out = []
        for pid, body in c.execute(q):
            p = process_from_dict(json.loads(body))
            out.append({"process_id": pid, "process": p, "mecanismo": MECANISMOS.get(p.kind.value, p.kind.value)})
        return out


def get_process(engine: sa.Engine, process_id: str) -> dict | None:
    found = list_processes(engine, process_id)
    if not found:
        return None
    with engine.connect() as c:
        extra = c.execute(sa.select(details.c.body).where(details.c.process_id == process_id)).scalar()
    return {**found[0], "details": json.loads(extra) if extra else {}}


# --- roster (§3.2) ----------------------------------------------------------------------------
def _adult(value: str, today: date) -> str:
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise InvalidIdentifier("fecha de nacimiento no válida (AAAA-MM-DD)") from None
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years < 18:
        raise InvalidIdentifier("la persona auxiliar debe tener al menos 18 años")
    return born.isoformat()


def validate_auxiliar(row: dict, today: date) -> dict:
    """One §3.2 row, validated; raises InvalidIdentifier naming the field to fix."""
    out = {k: str(row.get(k) or "").strip() for k in ROSTER_COLUMNS}
    if not out["nombres"]:
        raise InvalidIdentifier("falta el nombre")
    if not (out["apellido_paterno"] or out["apellido_materno"]):
        raise InvalidIdentifier("se necesita al menos un apellido")
    out["fecha_nacimiento"] = _adult(out["fecha_nacimiento"], today)
    digits = re.sub(r"[\s()-]", "", out["telefono"])
    if not re.fullmatch(r"\+?\d{10,13}", digits):
        raise InvalidIdentifier("teléfono no válido (10 dígitos)")
    out["telefono"] = digits
    if not EMAIL.match(out["email"]):
        raise InvalidIdentifier("correo electrónico no válido")
    out["clave_elector"] = validate_clave_elector(out["clave_elector"])
    if out["curp"]:
        out["curp"] = validate_curp(out["curp"])
    if out["id_auxiliar"]:
        out["id_auxiliar"] = validate_id(out["id_auxiliar"], field="Id Auxiliar")
    return out


def load_roster(receiver: Receiver, process_id: str, rows: list[dict], *, by: str) -> int:
    """Validate every row first, then load all or none. Altas and bajas of auxiliares already on
    the roster survive (see admin.keep_alta_and_baja). Returns how many were loaded."""
    today = datetime.now(HORA_CENTRO).date()
    checked, problems = [], []
    for n, row in enumerate(rows, start=2):
        try:
            checked.append(validate_auxiliar(row, today))
        except InvalidIdentifier as exc:
            problems.append(f"fila {n}: {exc}")
    claves = [r["clave_elector"] for r in checked]
    if len(set(claves)) != len(claves):
        problems.append("la misma clave de elector aparece en dos filas")
    if problems:
        raise FormError(problems)
    taken = _auxiliar_ids(receiver.engine, process_id)
    by_clave = _ids_by_clave(receiver.engine, process_id)
    now = datetime.now(HORA_CENTRO).isoformat()
    for row in checked:
        aux_id = row["id_auxiliar"] or by_clave.get(row["clave_elector"]) or _next_id(taken)
        taken.add(aux_id)
        body = {"auxiliar_id": aux_id, "process_id": process_id, "nombres": row["nombres"],
                "apellido_paterno": row["apellido_paterno"], "apellido_materno": row["apellido_materno"],
                "email": row["email"], "alta_at": now, "baja_at": None, "baja_reason": ""}
        receiver.put_auxiliar(admin.keep_alta_and_baja(receiver, body))
        extra = {k: row[k] for k in ("fecha_nacimiento", "telefono", "clave_elector", "curp")}
        with receiver.engine.begin() as c:
            c.execute(roster_details.delete().where(roster_details.c.process_id == process_id, roster_details.c.auxiliar_id == aux_id))
            c.execute(roster_details.insert().values(process_id=process_id, auxiliar_id=aux_id, body=json.dumps(extra)))
            accounts.record(c, by, "alta_auxiliar", process_id=process_id, why=aux_id)
    return len(checked)


def parse_csv(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or []) and c not in ("id_auxiliar", "curp")]
    if missing:
        raise FormError([f"faltan columnas: {', '.join(missing)} (columnas: {','.join(ROSTER_COLUMNS)})"])
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_CSV_ROWS:
            raise FormError([f"el archivo pasa de {MAX_CSV_ROWS} filas; divídalo"])
    if not rows:
        raise FormError(["el archivo no tiene filas"])
    return rows


def baja(receiver: Receiver, process_id: str, auxiliar_id: str, reason: str, when: str, *, by: str) -> None:
    if not reason.strip():
        raise FormError(["Indique el motivo de la baja"])
    at = None
    if when.strip():
        problems: list[str] = []
        moment = _moment(when.strip(), "Fecha de la baja", problems)
        if problems:
            raise FormError(problems)
        at = moment.timestamp()
    receiver.baja_auxiliar(process_id, auxiliar_id, reason.strip()[:300], at)
    with receiver.engine.begin() as c:
        accounts.record(c, by, "baja_auxiliar", process_id=process_id, why=f"{auxiliar_id}: {reason.strip()[:300]}")


def roster(engine: sa.Engine, process_id: str) -> list[dict]:
    with engine.connect() as c:
        extra = {r.auxiliar_id: json.loads(r.body) for r in c.execute(
            sa.select(roster_details).where(roster_details.c.process_id == process_id))}
        rows = [json.loads(b) for b in c.execute(sa.select(st.auxiliares.c.body).where(
            st.auxiliares.c.process_id == process_id).order_by(st.auxiliares.c.auxiliar_id)).scalars()]
    return [{**r, **extra.get(r["auxiliar_id"], {})} for r in rows]


def _auxiliar_ids(engine: sa.Engine, process_id: str) -> set[str]:
    with engine.connect() as c:
        return set(c.execute(sa.select(st.auxiliares.c.auxiliar_id).where(st.auxiliares.c.process_id == process_id)).scalars())


def _ids_by_clave(engine: sa.Engine, process_id: str) -> dict[str, str]:
    with engine.connect() as c:
        return {json.loads(b).get("clave_elector", ""): a for a, b in c.execute(
            sa.select(roster_details.c.auxiliar_id, roster_details.c.body).where(roster_details.c.process_id == process_id))}


def _next_id(taken: set[str]) -> str:
    n = len(taken) + 1
    while f"A{n:04d}" in taken:
        n += 1
    return f"A{n:04d}"


def records(engine: sa.Engine, process_id: str, status: str = "", limit: int = 1000) -> list[dict]:
    """The records of a process as the promovente may see them: folio, kind, auxiliar, device,
    received, status and the inconsistency's detail (never the person's data or images)."""
    q = (sa.select(st.envelopes.c.folio, st.envelopes.c.kind, st.envelopes.c.auxiliar_id, st.envelopes.c.device_id,
                   st.envelopes.c.received_at, st.envelopes.c.status, st.envelopes.c.reason, st.envelopes.c.detail)
         .where(st.envelopes.c.process_id == process_id).order_by(st.envelopes.c.received_at.desc()).limit(limit))
    if status:
        q = q.where(st.envelopes.c.status == status)
    with engine.connect() as c:
        rows = [dict(r._mapping) for r in c.execute(q)]
    for r in rows:  # capture-time notes may quote what was read; only the Mesa's and the receiver's words are shown
        if r["status"] not in ("con_inconsistencia", "duplicado", "auxiliar_no_corresponde"):
            r["detail"] = ""
    return rows


# --- tokens and devices ------------------------------------------------------------------------
def tokens(engine: sa.Engine, process_id: str) -> list[dict]:
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(
            sa.select(st.tokens).where(st.tokens.c.process_id == process_id).order_by(st.tokens.c.created_at.desc()))]


def revoke_token(engine: sa.Engine, process_id: str, token_hash: str, *, by: str) -> bool:
    """An unused token stops working (it is deleted: enrollment then says the token is invalid)."""
    with engine.begin() as c:
        gone = c.execute(st.tokens.delete().where(st.tokens.c.token_hash == token_hash, st.tokens.c.process_id == process_id,
                                                  st.tokens.c.used_at.is_(None))).rowcount
        if gone:
            accounts.record(c, by, "revocar_token", process_id=process_id, why=token_hash[:12])
    return bool(gone)


def devices(engine: sa.Engine, process_id: str) -> list[dict]:
    """Devices of a process with their last contact (last signed request or last envelope)."""
    with engine.connect() as c:
        rows = [dict(r._mapping) for r in c.execute(
            sa.select(st.devices).where(st.devices.c.process_id == process_id).order_by(st.devices.c.device_id))]
        last_nonce = dict(c.execute(sa.select(st.nonces.c.device_id, sa.func.max(st.nonces.c.ts)).group_by(st.nonces.c.device_id)).all())
        last_env = dict(c.execute(sa.select(st.envelopes.c.device_id, sa.func.max(st.envelopes.c.received_at))
                                  .where(st.envelopes.c.process_id == process_id).group_by(st.envelopes.c.device_id)).all())
        sent = dict(c.execute(sa.select(st.envelopes.c.device_id, sa.func.count()).where(st.envelopes.c.process_id == process_id)
                              .group_by(st.envelopes.c.device_id)).all())
    for d in rows:
        contacts = [d["enrolled_at"]]
        if d["device_id"] in last_nonce:
            contacts.append(float(last_nonce[d["device_id"]]))
        if d["device_id"] in last_env:
            try:
                contacts.append(datetime.fromisoformat(last_env[d["device_id"]]).timestamp())
            except ValueError:
                pass
        d["last_contact"] = max(contacts)
        d["envelopes"] = int(sent.get(d["device_id"], 0))
    return rows


def baja_device(receiver: Receiver, process_id: str, device_id: str, reason: str, *, by: str) -> None:
    if not reason.strip():
        raise FormError(["Indique el motivo de la baja del dispositivo"])
    with receiver.engine.connect() as c:
        owner = c.execute(sa.select(st.devices.c.process_id).where(st.devices.c.device_id == device_id)).scalar()
    if owner != process_id:
        raise FormError(["El dispositivo no es de este proceso"])
    receiver.baja_device(device_id)
    with receiver.engine.begin() as c:
        accounts.record(c, by, "baja_dispositivo", process_id=process_id, why=f"{device_id}: {reason.strip()[:300]}")
