"""The process configuration that comes down signed by the authority key: process + roster.

Dict <-> domain conversion used by both the kiosk (after verifying the signature) and the
receiver (before signing), so both ends read the same shape.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain import Auxiliar, Process, ProcessKind


def _dt(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)


def process_to_dict(p: Process) -> dict:
    return {
        "process_id": p.process_id,
        "kind": p.kind.value,
        "entity": p.entity,
        "name": p.name,
        "promovente": p.promovente,
        "denomination": p.denomination,
        "manifest_text": p.manifest_text,
        "period_start": p.period_start.isoformat(),
        "period_end": p.period_end.isoformat(),
        "emblem_png_b64": base64.b64encode(p.emblem_png).decode(),
        "privacy_url": p.privacy_url,
        "privacy_text": p.privacy_text,
    }


def process_from_dict(d: dict) -> Process:
    return Process(
        process_id=d["process_id"],
        kind=ProcessKind(d["kind"]),
        entity=d["entity"],
        name=d["name"],
        promovente=d["promovente"],
        denomination=d["denomination"],
        manifest_text=d["manifest_text"],
        period_start=datetime.fromisoformat(d["period_start"]),
        period_end=datetime.fromisoformat(d["period_end"]),
        emblem_png=base64.b64decode(d.get("emblem_png_b64", "")),
        privacy_url=d.get("privacy_url", ""),  # configurations signed before these fields still load
        privacy_text=d.get("privacy_text", ""),
    )


def auxiliar_to_dict(a: Auxiliar) -> dict:
    return {
        "auxiliar_id": a.auxiliar_id,
        "process_id": a.process_id,
        "nombres": a.nombres,
        "apellido_paterno": a.apellido_paterno,
        "apellido_materno": a.apellido_materno,
        "email": a.email,
        "alta_at": a.alta_at.isoformat(),
        "baja_at": a.baja_at.isoformat() if a.baja_at else None,
        "baja_reason": a.baja_reason,
        "devices": list(a.devices),
    }


def auxiliar_from_dict(d: dict) -> Auxiliar:
    return Auxiliar(
        auxiliar_id=d["auxiliar_id"],
        process_id=d["process_id"],
        nombres=d["nombres"],
        apellido_paterno=d["apellido_paterno"],
        apellido_materno=d["apellido_materno"],
        email=d.get("email", ""),
        alta_at=datetime.fromisoformat(d["alta_at"]),
        baja_at=_dt(d.get("baja_at")),
        baja_reason=d.get("baja_reason", ""),
        devices=tuple(d.get("devices", ())),
    )


@dataclass(frozen=True)
class ProcessConfig:
    process: Process
    roster: dict[str, Auxiliar]
    device_status: str
    self_service: bool
    etag: str
    max_devices_per_auxiliar: int | None = None  # seed 001 §4.9: two; None when the config does not say

    @classmethod
    def from_body(cls, body: dict, etag: str = "") -> "ProcessConfig":
        roster = [auxiliar_from_dict(a) for a in body.get("roster", [])]
        return cls(
            process=process_from_dict(body["process"]),
            roster={a.auxiliar_id: a for a in roster},
            device_status=body.get("device", {}).get("status", "activo"),
            self_service=bool(body.get("self_service", False)),
            etag=etag,
            max_devices_per_auxiliar=body.get("max_devices_per_auxiliar"),
        )
