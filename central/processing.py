"""The processing step (holds the sealing private keys, runs apart from the web app): open every
accepted envelope, classify it by seed 001 §10.7 and hand it to the Mesa de Control.

Statuses: en_procesamiento (received, not opened yet) → en_mesa_de_control | duplicado |
con_inconsistencia; auxiliar registrations go to their own review (registro_auxiliar, §3.8) and
are never counted with the apoyos. The opened record is kept only re-encrypted for the Mesa
(`central.mesa.EvidenceBox`); nothing personal is written in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import sqlalchemy as sa

from kiosk import payload, sealing
from kiosk.credential.messages import MESSAGES
from central import mesa
from central.receiver import store as st
from central.receiver.service import Receiver

# §10.7 statuses, in the order the avance report lists them (plus the §3.8 auxiliar review).
STATUSES = {
    "en_procesamiento": "En procesamiento",
    "en_mesa_de_control": "En mesa de control",
    "duplicado": "Duplicado",
    "con_inconsistencia": "Con inconsistencia",
    "para_compulsa": "Para envío a compulsa",
    "rechazado": "Rechazado en la recepción",
    "registro_auxiliar": "Registro de auxiliar por revisar",
    "auxiliar_verificado": "Registro de auxiliar verificado",
    "auxiliar_no_corresponde": "Registro de auxiliar que no corresponde",
}
APOYO_KINDS = ("apoyo", "manual")

# Capture-time warnings (the kiosk's Spanish sentences) → the §10.3 inciso they suggest.
WARNING_INCISO = {
    "two_fronts": "b", "two_backs": "b", "one_side_only": "b", "sides_differ": "c",
    "screen": "d", "photocopy": "e", "illegible": "f", "check_digit": "f",
}
# Manual capture's tipo de inconsistencia (seed 004) → the §10.3 inciso it amounts to.
MANUAL_INCISO = {"cedula_en_copia": "e", "sin_copia_credencial": "b", "sin_leyenda": "n", "sin_firma": "m", "otra": "n"}


def _warning_patterns() -> dict[str, re.Pattern]:
    out = {}
    for code in WARNING_INCISO:
        text = MESSAGES.get(code, {}).get("es")
        if text:
            out[code] = re.compile(re.sub(r"\\\{\w+\\\}", ".*", re.escape(text)))
    return out


_PATTERNS = _warning_patterns()


def warning_codes(warnings: list) -> list[str]:
    """The catalog codes of a record's warnings (they travel as Spanish sentences or dicts)."""
    codes = []
    for w in warnings or []:
        text = w.get("message", w.get("code", "")) if isinstance(w, dict) else str(w)
        if isinstance(w, dict) and w.get("code") in WARNING_INCISO:
            codes.append(w["code"])
            continue
        codes.extend(code for code, pattern in _PATTERNS.items() if pattern.fullmatch(text))
    return list(dict.fromkeys(codes))


def identifiers(kind: str, meta: dict) -> dict[str, str]:
    """Every identifier of the person a record is about, by name (clave, cic, ocr). A manual
    cédula carries clave (and maybe OCR); an app apoyo carries what the credential gave: CIC and
    OCR from the MRZ, the clave from the front when it was read."""
    out: dict[str, str] = {}
    fields = meta.get("fields") or {}
    for name, key in (("clave", "clave_elector"), ("cic", "cic"), ("ocr", "ocr")):
        value = meta.get(key)
        field = fields.get(key)
        if not value and isinstance(field, dict):
            value = field.get("value")
        if value:
            out[name] = str(value).strip().upper()
    return out


def person_tags(secret: bytes, process_id: str, ids: dict[str, str]) -> list[str]:
    """One keyed tag per identifier: the same person is found whichever identifier two records share."""
    return [hmac.new(secret, f"{process_id}|{name}:{value}".encode(), hashlib.sha256).hexdigest() for name, value in sorted(ids.items())]


def process_envelopes(receiver: Receiver, limit: int = 1000) -> dict:
    """Open up to `limit` received envelopes and classify them; returns counts by status."""
    mesa.create_tables(receiver.engine)
    keys = receiver.keys.sealing_private_keys()
    box = mesa.EvidenceBox.load_or_create(receiver.keys.root)
    secret = receiver.keys.person_key()
    done: dict[str, int] = {}
    with receiver.engine.connect() as c:
        todo = c.execute(
            sa.select(st.envelopes.c.folio, st.envelopes.c.envelope, st.envelopes.c.device_id, st.envelopes.c.process_id)
            .where(st.envelopes.c.status == "en_procesamiento").order_by(st.envelopes.c.received_at).limit(limit)
        ).all()
    pubkeys: dict[str, list] = {}
    for folio, envelope, device_id, process_id in todo:
        if device_id not in pubkeys:
            pubkeys[device_id] = receiver.envelope_keys(device_id)  # current key first, then retired ones
        outcome = open_and_judge(bytes(envelope), pubkeys[device_id], keys, secret, process_id)
        sealed = box.seal(outcome.plain) if outcome.plain else b""
        for attempt in range(2):  # two instances may claim the same person at once: one wins
            try:
                final = _classify(receiver.engine, folio, process_id, outcome, sealed)
                break
            except sa.exc.IntegrityError:
                if attempt:
                    raise
        done[final] = done.get(final, 0) + 1
    return done


class Outcome:
    """What opening one envelope found: its status before the duplicate check, notes, tags, flags."""

    def __init__(self, status: str, notes: list[str], tags: list[str] | None = None, header: dict | None = None,
                 meta: dict | None = None, plain: bytes = b"") -> None:
        self.status, self.notes, self.tags = status, notes, tags or []
        self.header, self.meta, self.plain = header or {}, meta or {}, plain


def open_and_judge(envelope: bytes, device_keys: list, keys, secret: bytes, process_id: str) -> Outcome:
    try:
        header, plain = sealing.open_envelope_any(envelope, device_keys, keys)
        meta, _blobs = payload.unpack(plain)
    except (sealing.InvalidEnvelope, payload.InvalidPayload, KeyError) as exc:
        return Outcome("con_inconsistencia", [f"no se pudo abrir: {exc}"])
    kind = str(meta.get("kind") or header.get("kind") or "")
    if kind == "auxiliar":
        return Outcome("registro_auxiliar", ["registro de auxiliar (§3.8): revisión propia"], header=header, meta=meta, plain=plain)
    notes = []
    if kind == "apoyo":  # the gates the auxiliar accepted anyway and "sin firma", inciso first
        notes.extend(mesa.override_note(o) for o in mesa.gate_overrides(meta))
        if mesa.sin_firma(meta):
            notes.append(mesa.SIN_FIRMA_NOTE)
    if meta.get("warnings"):
        notes.append("; ".join(str(w.get("message", w)) if isinstance(w, dict) else str(w) for w in meta["warnings"]))
    tags = person_tags(secret, process_id, identifiers(kind, meta))
    if kind == "manual" and meta.get("inconsistencia"):
        inciso = MANUAL_INCISO.get(str(meta["inconsistencia"]), "n")  # "<inciso>) ...", as the Mesa writes it
        detail = f"{inciso}) {mesa.INCISOS[inciso][0]}: {meta['inconsistencia']} (captura manual)"
        if meta.get("comentario"):
            detail += f": {meta['comentario']}"
        return Outcome("con_inconsistencia", [detail, *notes], [], header, meta, plain)
    # A record "sin firma" or with a gate overridden stays in the Mesa's queue with the inciso
    # suggested: only a person looking at the credential and the photo can tell (§10.3 m: a
    # credential that itself says "sin firma" makes the apoyo valid).
    return Outcome("en_mesa_de_control", notes, tags, header, meta, plain)


def suggestion(kind: str, meta: dict) -> tuple[str, list[str]]:
    """The Mesa's pre-filled inciso and the capture-time flags that led to it."""
    if kind == "manual":
        inc = meta.get("inconsistencia") or ""
        return MANUAL_INCISO.get(inc, ""), ([f"manual:{inc}"] if inc else [])
    codes = warning_codes(meta.get("warnings") or [])
    incisos = [WARNING_INCISO[c] for c in codes]
    flags = list(codes)
    if kind == "apoyo":
        for o in mesa.gate_overrides(meta):
            incisos.append(mesa.override_inciso(o))
            flags.append(f"override:{o['step']}:{o['reason']}")
        if mesa.sin_firma(meta):
            incisos.append("m")
            flags.append("sin_firma")
    return (min(incisos) if incisos else ""), flags


def _classify(engine: sa.Engine, folio: str, process_id: str, outcome: Outcome, sealed: bytes) -> str:
    """Record the status in one transaction with the person tags and the Mesa's row: the first
    folio of a person in a process stays, any later one (this run or an earlier one) is a duplicado."""
    status, notes = outcome.status, list(outcome.notes)
    with engine.begin() as c:
        if outcome.tags and status == "en_mesa_de_control":
            firsts = c.execute(sa.select(st.apoyo_persons.c.person, st.apoyo_persons.c.folio).where(
                st.apoyo_persons.c.process_id == process_id, st.apoyo_persons.c.person.in_(outcome.tags))).all()
            others = sorted({f for _p, f in firsts if f != folio})
            if others:
                status, notes = "duplicado", [f"igual a {others[0]}", *notes]
            else:
                known = {p for p, _f in firsts}
                for tag in outcome.tags:
                    if tag not in known:
                        c.execute(st.apoyo_persons.insert().values(process_id=process_id, person=tag, folio=folio, at=time.time()))
        detail = "; ".join(notes)[:500]
        c.execute(st.envelopes.update().where(st.envelopes.c.folio == folio).values(status=status, detail=detail))
        if outcome.header:
            kind = str(outcome.meta.get("kind") or outcome.header.get("kind") or "")
            inciso, flags = suggestion(kind, outcome.meta)
            mesa.put_record(c, folio=folio, process_id=process_id, kind=kind, header=outcome.header,
                            location=outcome.meta.get("location") or {}, flags=flags, suggestion=inciso,
                            evidence=sealed, status=status, detail=detail,
                            modality=str(outcome.meta.get("modality") or "auxiliar"),
                            screening=outcome.meta.get("screening"))
    return status


def status_counts(engine: sa.Engine, process_id: str | None = None) -> dict:
    """Counts by status (of one process when given): what `acuses --json` and the web show."""
    q = sa.select(st.envelopes.c.status, sa.func.count()).group_by(st.envelopes.c.status)
    if process_id:
        q = q.where(st.envelopes.c.process_id == process_id)
    with engine.connect() as c:
        rows = c.execute(q).all()
    by_status = {s: int(n) for s, n in rows}
    return {"received": sum(by_status.values()), "by_status": by_status}
