"""Mesa de Control (seed 001 §10.1–10.4): the opened records waiting for a person, assigned to
operators in batches, decided valid (→ para_compulsa) or with a §10.3 inconsistency a)–n), with a
supervisor's re-review of a sample and of disputed records.

The evidence (images, fields, signature) is kept only encrypted with the Mesa key
(keys/mesa.key, XSalsa20-Poly1305 via SecretBox) and opened in memory for the page showing it.
Every decision and every view goes to the audit trail (`central.accounts.record`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from nacl.secret import SecretBox

from kiosk import payload
from kiosk.paths import write_private
from kiosk.quality.messages import MESSAGES as GATE_MESSAGES
from kiosk.quality.override import REASONS, reason_text
from kiosk.quality.trajectory import MAX_FILE_BYTES as TRAJECTORY_BYTES  # the kiosk compresses the trazo itself
from central import accounts
from central.receiver import store as st

log = logging.getLogger(__name__)

BATCH_SIZE = 25
SAMPLE_PERCENT = 10  # supervisor re-review: this share of decided records, chosen by folio hash

# §10.3: inciso → (tipo de inconsistencia, detalle de inconsistencia).
INCISOS = {
    "a": ("Credencial no válida", "Imagen diferente a una Credencial para Votar"),
    "b": ("Credencial no válida", "Dos anversos o dos reversos, o un solo lado de la Credencial para Votar"),
    "c": ("Credencial no válida", "Anversos o reversos de distintas Credenciales para Votar"),
    "d": ("Credencial no válida", "Pantalla/Monitor/otro"),
    "e": ("Fotocopia de la credencial", "Blanco y negro/a color"),
    "f": ("Otra", "CPV ilegible (precisar el dato ilegible: Clave de Elector, OCR, Número de Emisión o CIC)"),
    "g": ("Foto no válida", "Persona distinta"),
    "h": ("Foto no válida", "Precisar objeto fotografiado (de dónde se presume fue obtenida la fotografía)"),
    "i": ("Foto no válida", "Precisar qué impide el pleno reconocimiento (cubrebocas, lentes oscuros, gorra…)"),
    "j": ("Firma no válida", "Símbolo distinto (especificar el símbolo)"),
    "k": ("Firma no válida", "Nombre distinto"),
    "l": ("Firma no válida", "Firma manuscrita distinta o diferente tipo de letra"),
    "m": ("Sin firma", "Sin firma (salvo que la credencial diga expresamente «sin firma»)"),
    "n": ("Simulación", "Información sobrepuesta, información no coincide (especificar)"),
}
# Incisos whose detail the operator must write (the table says "precisar"/"especificar").
DETAIL_REQUIRED = {"f", "h", "i", "j", "n"}

# Capture-time gate overrides (kiosk.quality.override) and "sin firma" → the §10.3 inciso they
# suggest. A reason that names what was on the face or the signature decides; otherwise the gate's
# first code that maps; otherwise the step's usual inciso.
OVERRIDE_REASON_INCISO = {"religious_covering": "i", "medical_mask": "i", "medical_glasses": "i", "mark_only": "j"}
GATE_CODE_INCISO = {
    # Something covers the face: i) the face is not uncovered.
    "eyes_covered": "i", "mouth_covered": "i", "not_frontal": "i",
    # Not a person, or not taken directly from the person: h).
    "no_face": "h", "multiple_faces": "h", "photo_of_photo": "h", "photo_of_credential": "h",
    # The live photo is there but cannot be made out: f) ilegible (fotografía viva).
    "blurry": "f", "too_dark": "f", "overexposed": "f", "face_too_small": "f", "face_cut": "f", "rotated": "f",
    "stored_face_lost": "f", "unreadable_image": "f",
    # A symbol instead of a signature: j); nothing at all: m).
    "signature_dot": "j", "signature_line": "j", "signature_cross": "j", "signature_check": "j",
    "signature_circle": "j", "signature_tiny": "j", "signature_too_simple": "j", "signature_too_fast": "j",
    "trajectory_invalid": "j", "signature_empty": "m",
}
STEP_INCISO = {"photo": "i", "signature": "j"}
STEP_NAMES = {"photo": "Foto viva", "signature": "Firma"}
SIN_FIRMA_NOTE = "m) Sin firma: la persona auxiliar indicó que la credencial dice «sin firma» (verificar en la credencial)"
MAX_OVERRIDES, MAX_CODES, MAX_TEXT = 4, 16, 60  # one per gated step is the rule; a bad record stays small


def gate_overrides(meta: dict) -> list[dict]:
    """The record's gate overrides, checked and bounded (a malformed entry is dropped, never trusted):
    [{step, reason, attempts, codes, scores}]."""
    raw = meta.get("gate_overrides")
    out = []
    for o in raw[:MAX_OVERRIDES] if isinstance(raw, list) else []:
        if not isinstance(o, dict) or o.get("step") not in STEP_INCISO:
            continue
        codes = o.get("codes") if isinstance(o.get("codes"), list) else []
        scores = o.get("scores") if isinstance(o.get("scores"), dict) else {}
        attempts = o.get("attempts")
        out.append({
            "step": o["step"], "reason": str(o.get("reason") or "")[:MAX_TEXT],
            "attempts": attempts if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts >= 0 else 0,
            "codes": [str(c)[:MAX_TEXT] for c in codes[:MAX_CODES]],
            "scores": {str(k)[:MAX_TEXT]: float(v) for k, v in list(scores.items())[:MAX_CODES]
                       if isinstance(v, (int, float)) and not isinstance(v, bool)},
        })
    return out


def override_inciso(override: dict) -> str:
    """The §10.3 inciso an override of a gate suggests (see OVERRIDE_REASON_INCISO)."""
    by_reason = OVERRIDE_REASON_INCISO.get(override["reason"])
    if by_reason:
        return by_reason
    return next((GATE_CODE_INCISO[c] for c in override["codes"] if c in GATE_CODE_INCISO), STEP_INCISO[override["step"]])


def sin_firma(meta: dict) -> bool:
    return meta.get("sin_firma") is True


def override_note(override: dict) -> str:
    """One override as processing writes it in the record's detail, inciso first ("i) ...")."""
    inciso = override_inciso(override)
    codes = ", ".join(override["codes"]) or "sin código"
    return (f"{inciso}) {INCISOS[inciso][0]}: {STEP_NAMES[override['step']].lower()} aceptada tras "
            f"{override['attempts']} rechazos ({override['reason'] or 'sin motivo'}; {codes})")


def _reason_label(code: str) -> str:
    return reason_text(code) if code in REASONS else (code or "sin motivo")


def _gate_code_label(code: str) -> str:
    """The first sentence of the gate's message for `code` (what it saw), then the code itself."""
    text = GATE_MESSAGES.get(code, {}).get("es", "")
    if not text:
        return code
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    first = re.sub(r"\s*\(\{\w+\}\)", "", first)  # "No se pudo leer la imagen ({detail})"
    return f"{first} ({code})"


def capture_flags(meta: dict) -> list[dict]:
    """What the Mesa's review page shows of the gate overrides and "sin firma", in Spanish: per
    flag its title, the auxiliar's reason, the attempts, what the gate saw and the inciso it suggests."""
    out = []
    for o in gate_overrides(meta):
        inciso = override_inciso(o)
        step = STEP_NAMES[o["step"]]
        out.append({
            "kind": "override", "step": o["step"], "inciso": inciso,
            "title": f"{step} aceptada de todos modos por la persona auxiliar tras {o['attempts']} intentos rechazados",
            "reason": _reason_label(o["reason"]),
            "codes": [_gate_code_label(c) for c in o["codes"]],
            "scores": ", ".join(f"{k} {v:.2f}" for k, v in o["scores"].items()),
            "suggests": f"{inciso}) {INCISOS[inciso][0]} — {INCISOS[inciso][1]}",
        })
    if sin_firma(meta):
        out.append({
            "kind": "sin_firma", "step": "signature", "inciso": "m",
            "title": "Guardado sin firma: la persona auxiliar indicó que la credencial dice «sin firma»",
            "reason": "Si la credencial dice expresamente «sin firma», el apoyo es válido (V); si no, m) Sin firma",
            "codes": [], "scores": "", "suggests": f"m) {INCISOS['m'][0]} — {INCISOS['m'][1]}",
        })
    return out


metadata = sa.MetaData()

records = sa.Table(
    "mesa_records", metadata,
    sa.Column("folio", sa.String(120), primary_key=True),
    sa.Column("process_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # "auxiliar" or "mi_apoyo" (seed 001 §7: self-service at the kiosk, counted apart); from the sealed metadata
    sa.Column("modality", sa.String(16), nullable=False, default="auxiliar", server_default="auxiliar"),
    sa.Column("auxiliar_id", sa.String(40), nullable=False, default=""),
    sa.Column("device_id", sa.String(40), nullable=False, default=""),
    sa.Column("captured_at", sa.String(40), nullable=False, default=""),
    sa.Column("clock_confidence", sa.String(20), nullable=False, default=""),
    sa.Column("place", sa.Text, nullable=False, default="{}"),  # municipio, lat, lon (of the kiosk)
    sa.Column("flags", sa.Text, nullable=False, default="[]"),  # capture-time warning codes
    # the kiosk's photocopy / screen confidence (0-1, 0.5 at the flag's threshold), the larger of
    # the two: batches hand out the most suspicious records first
    sa.Column("suspicion", sa.Float, nullable=False, default=0.0, server_default="0"),
    sa.Column("suggestion", sa.String(2), nullable=False, default=""),
    sa.Column("evidence", sa.LargeBinary, nullable=False),  # the opened payload, Mesa-key encrypted
    sa.Column("assigned_to", sa.String(60), nullable=False, default=""),
    sa.Column("assigned_at", sa.Float),
    sa.Column("opened_at", sa.Float),
    sa.Column("decision", sa.String(20), nullable=False, default=""),  # valido | inconsistencia | disputa
    sa.Column("inciso", sa.String(2), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("decided_by", sa.String(60), nullable=False, default=""),
    sa.Column("decided_at", sa.Float),
    sa.Column("seconds", sa.Float),  # operator time from first view to decision
    sa.Column("review", sa.String(20), nullable=False, default=""),  # supervisor: confirmado | corregido
    sa.Column("reviewed_by", sa.String(60), nullable=False, default=""),
)
sa.Index("mesa_records_queue", records.c.process_id, records.c.assigned_to, records.c.decision)


class MesaError(ValueError):
    """A refusal the operator can act on (Spanish message)."""


class EvidenceBox:
    """The Mesa key: processing encrypts the opened record with it, the web app opens it in memory."""

    def __init__(self, key: bytes) -> None:
        self._box = SecretBox(key)

    @classmethod
    def load_or_create(cls, root: Path) -> "EvidenceBox":
        path = root / "keys" / "mesa.key"
        if not path.exists():
            # two workers starting together must not each make a key (the loser's sealed evidence
            # would be unreadable): write a private temp file, then link it in only if no key exists
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"mesa.key.{os.getpid()}.{os.urandom(4).hex()}")
            write_private(tmp, os.urandom(SecretBox.KEY_SIZE))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return cls(path.read_bytes())

    @classmethod
    def load(cls, root: Path) -> "EvidenceBox | None":
        path = root / "keys" / "mesa.key"
        return cls(path.read_bytes()) if path.exists() else None

    def seal(self, plain: bytes) -> bytes:
        return bytes(self._box.encrypt(plain))

    def open(self, sealed: bytes) -> bytes:
        return self._box.decrypt(sealed)


MODALITIES = ("auxiliar", "mi_apoyo")


def create_tables(engine: sa.Engine) -> None:
    """The Mesa's tables where missing (the modality column of an older table is a receiver
    migration step, central/receiver/migrations.py)."""
    metadata.create_all(engine)


def put_record(conn: sa.Connection, *, folio: str, process_id: str, kind: str, header: dict, location: dict,
               flags: list[str], suggestion: str, evidence: bytes, status: str, detail: str,
               modality: str = "auxiliar", screening: dict | None = None) -> None:
    """Called by processing in its transaction: the record joins the Mesa (even a duplicado or a
    capture-time inconsistency, so a person can look at it); re-processing replaces it."""
    conn.execute(records.delete().where(records.c.folio == folio))
    conn.execute(records.insert().values(
        folio=folio, process_id=process_id, kind=kind, modality=modality if modality in MODALITIES else "auxiliar",
        auxiliar_id=str(header.get("auxiliar_id", "")),
        device_id=str(header.get("device_id", "")), captured_at=str(header.get("captured_at", "")),
        clock_confidence=str(header.get("clock_confidence", "")),
        place=json.dumps({k: location.get(k) for k in ("municipio", "lat", "lon")}, ensure_ascii=False),
        flags=json.dumps(flags), suggestion=suggestion, evidence=evidence, suspicion=suspicion(screening),
    ))


def suspicion(screening: object) -> float:
    """The larger of a record's photocopy and screen confidences (0 when it has none or they are
    not numbers: a record from before the kiosk sent them, or from a hostile device)."""
    if not isinstance(screening, dict):
        return 0.0
    values = [v for v in (screening.get("photocopy"), screening.get("screen"))
              if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1]
    return round(float(max(values, default=0.0)), 2)


@dataclass
class Evidence:
    """One record opened in memory: its fields and its images (never written anywhere)."""

    kind: str
    meta: dict
    blobs: dict[str, bytes]

    def image(self, name: str) -> tuple[bytes, str] | None:
        data = self.blobs.get(name)
        if not data:
            return None
        return data, _mime(data)

    def trajectory(self) -> dict | None:
        raw = self.blobs.get("signature.json.z")
        if not raw:
            return None
        inflate = zlib.decompressobj()
        try:
            text = inflate.decompress(raw, TRAJECTORY_BYTES)
            if inflate.unconsumed_tail:  # more than any pad writes: a blob made to fill the memory
                log.warning("signature trajectory inflates past %d bytes: not opened", TRAJECTORY_BYTES)
                return None
            return json.loads(text)
        except (zlib.error, ValueError):
            return None


def open_evidence(box: EvidenceBox, sealed: bytes) -> Evidence:
    meta, blobs = payload.unpack(box.open(sealed))
    return Evidence(str(meta.get("kind", "")), meta, blobs)


def _mime(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


# --- queue -----------------------------------------------------------------------------------
def _status_of(conn: sa.Connection, folio: str) -> str:
    return conn.execute(sa.select(st.envelopes.c.status).where(st.envelopes.c.folio == folio)).scalar() or ""


def take_batch(engine: sa.Engine, username: str, process_id: str, size: int = BATCH_SIZE) -> int:
    """Assign up to `size` unassigned records waiting in the Mesa (apoyos and auxiliar
    registrations) to this operator; returns how many were taken."""
    waiting = ("en_mesa_de_control", "registro_auxiliar")
    with engine.begin() as c:
        folios = c.execute(
            sa.select(records.c.folio).join(st.envelopes, st.envelopes.c.folio == records.c.folio)
            .where(records.c.process_id == process_id, records.c.assigned_to == "", st.envelopes.c.status.in_(waiting))
            .order_by(records.c.suspicion.desc(), records.c.captured_at, records.c.folio).limit(size)
        ).scalars().all()
        taken = 0
        if folios:  # another operator may have taken some a moment ago: only unassigned ones move
            taken = c.execute(records.update().where(records.c.folio.in_(folios), records.c.assigned_to == "")
                              .values(assigned_to=username, assigned_at=time.time())).rowcount
            accounts.record(c, username, "lote", process_id=process_id, why=f"{taken} registros")
    return taken


def queue(engine: sa.Engine, username: str, process_id: str | None = None) -> list[str]:
    """The operator's pending folios, in review order."""
    q = (sa.select(records.c.folio).join(st.envelopes, st.envelopes.c.folio == records.c.folio)
         .where(records.c.assigned_to == username, records.c.decision == "",
                st.envelopes.c.status.in_(("en_mesa_de_control", "registro_auxiliar")))
         .order_by(records.c.suspicion.desc(), records.c.captured_at, records.c.folio))
    if process_id:
        q = q.where(records.c.process_id == process_id)
    with engine.connect() as c:
        return list(c.execute(q).scalars())


def get(engine: sa.Engine, folio: str) -> dict | None:
    with engine.connect() as c:
        row = c.execute(
            sa.select(records, st.envelopes.c.status, st.envelopes.c.detail.label("status_detail"),
                      st.envelopes.c.received_at)
            .join(st.envelopes, st.envelopes.c.folio == records.c.folio).where(records.c.folio == folio)
        ).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["place"] = json.loads(out["place"] or "{}")
    out["flags"] = json.loads(out["flags"] or "[]")
    return out


def viewed(engine: sa.Engine, username: str, folio: str, process_id: str, what: str = "ver_registro") -> None:
    """Audit a view of a record (the page, or one of its images); the first view starts the clock."""
    with engine.begin() as c:
        if what == "ver_registro":
            c.execute(records.update().where(records.c.folio == folio, records.c.opened_at.is_(None),
                                             records.c.assigned_to == username).values(opened_at=time.time()))
        accounts.record(c, username, what, process_id=process_id, folio=folio)


def decide(engine: sa.Engine, username: str, folio: str, decision: str, inciso: str = "", detail: str = "",
           *, supervisor: bool = False) -> str:
    """An operator's decision on a record of their batch, or a supervisor's re-review of any
    record in the Mesa (the supervisor's word stands; the operator's decision is kept as it was,
    marked confirmado or corregido). Moves the §10.7 status and audits who, when, from → to and
    why, in the same transaction. Returns the new status."""
    inciso = inciso.strip().lower() if decision == "inconsistencia" else ""
    detail = detail.strip()[:500]
    if decision not in ("valido", "inconsistencia", "disputa") or (supervisor and decision == "disputa"):
        raise MesaError("Decisión desconocida")
    if decision == "inconsistencia":
        if inciso not in INCISOS:
            raise MesaError("Elija el inciso de la inconsistencia (a–n)")
        if inciso in DETAIL_REQUIRED and not detail:
            raise MesaError(f"El inciso {inciso}) pide precisar el detalle")
    now = time.time()
    with engine.begin() as c:
        row = c.execute(sa.select(records).where(records.c.folio == folio).with_for_update()).first()
        if row is None:
            raise MesaError("El registro no está en la Mesa de Control")
        before = _status_of(c, folio)
        if before in ("duplicado", "rechazado", "en_procesamiento"):
            raise MesaError(f"Un registro con estatus {before} no se revisa en la Mesa")
        if not supervisor:
            if row.assigned_to != username:
                raise MesaError("El registro no está asignado a usted")
            if row.review:
                raise MesaError("La supervisión ya revisó este registro")
        auxiliar = row.kind == "auxiliar"
        after = {
            "valido": "auxiliar_verificado" if auxiliar else "para_compulsa",
            "inconsistencia": "auxiliar_no_corresponde" if auxiliar else "con_inconsistencia",
            "disputa": "registro_auxiliar" if auxiliar else "en_mesa_de_control",
        }[decision]
        why = f"{inciso}) {INCISOS[inciso][0]}: {detail}".rstrip(": ") if inciso else (detail or decision)
        if supervisor:
            same = row.decision == decision and row.inciso == inciso
            values = {"review": "confirmado" if same else "corregido", "reviewed_by": username}
            if not row.decision:  # nobody had decided it: the supervisor's decision is the decision
                values.update(decision=decision, inciso=inciso, detail=detail, decided_by=username, decided_at=now)
        else:
            values = {"decision": decision, "inciso": inciso, "detail": detail, "decided_by": username, "decided_at": now,
                      "seconds": round(now - row.opened_at, 2) if row.opened_at else None}
        c.execute(records.update().where(records.c.folio == folio).values(**values))
        if not supervisor and not row.opened_at:
            # Loaded ahead and decided before the browser's «shown» reached us (or it never did):
            # the decision itself proves the record was on screen.
            accounts.record(c, username, "ver_registro", process_id=row.process_id, folio=folio)
        c.execute(st.envelopes.update().where(st.envelopes.c.folio == folio)
                  .values(status=after, detail=why if decision == "inconsistencia" else ""))
        accounts.record(c, username, "supervision" if supervisor else "estatus", process_id=row.process_id, folio=folio,
                        from_status=before, to_status=after, why=why)
    return after


def sampled(folio: str) -> bool:
    return int(hashlib.sha256(folio.encode()).hexdigest()[:8], 16) % 100 < SAMPLE_PERCENT


def supervision_queue(engine: sa.Engine, process_id: str | None = None) -> list[dict]:
    """Records for the supervisor: every disputed one and the sample of decided ones not yet re-reviewed."""
    q = sa.select(records.c.folio, records.c.process_id, records.c.decision, records.c.inciso, records.c.decided_by,
                  records.c.kind).where(records.c.review == "", records.c.decision != "")
    if process_id:
        q = q.where(records.c.process_id == process_id)
    with engine.connect() as c:
        rows = [dict(r._mapping) for r in c.execute(q.order_by(records.c.decided_at))]
    return [r for r in rows if r["decision"] == "disputa" or sampled(r["folio"])]


def progress(engine: sa.Engine, process_id: str | None = None) -> list[dict]:
    """Per operator: assigned, decided, valid, with inconsistency, disputed, median seconds per record."""
    q = sa.select(records.c.assigned_to, records.c.decision, records.c.seconds).where(records.c.assigned_to != "")
    if process_id:
        q = q.where(records.c.process_id == process_id)
    by: dict[str, dict] = {}
    with engine.connect() as c:
        for who, decision, seconds in c.execute(q):
            p = by.setdefault(who, {"operador": who, "asignados": 0, "revisados": 0, "validos": 0,
                                    "inconsistencias": 0, "disputas": 0, "_s": []})
            p["asignados"] += 1
            if decision:
                p["revisados"] += 1
                p[{"valido": "validos", "inconsistencia": "inconsistencias", "disputa": "disputas"}[decision]] += 1
            if seconds is not None:
                p["_s"].append(seconds)
    out = []
    for p in by.values():
        s = sorted(p.pop("_s"))
        p["segundos_mediana"] = s[len(s) // 2] if s else None
        out.append(p)
    return sorted(out, key=lambda p: p["operador"])
