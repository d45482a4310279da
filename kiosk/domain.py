"""The records the kiosk captures and the things they refer to: process, auxiliar, device, folio.

Plain dataclasses with validation at construction; no I/O. Images travel as encoded bytes
(JPEG/WebP/PNG), the signature as its pad trajectory plus a rendered PNG.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk.identifiers import (
    InvalidIdentifier,
    validate_clave_elector,
    validate_id,
    validate_ocr,
)

HORA_CENTRO = ZoneInfo("America/Mexico_City")
SEND_GRACE = timedelta(hours=24)


class ProcessKind(str, enum.Enum):
    CANDIDATURA_INDEPENDIENTE = "candidatura_independiente"
    CONSULTA_POPULAR = "consulta_popular"
    INICIATIVA_CIUDADANA = "iniciativa_ciudadana"
    REVOCACION_DE_MANDATO = "revocacion_de_mandato"


class RecordKind(str, enum.Enum):
    APOYO = "apoyo"  # captured at the kiosk
    MANUAL = "manual"  # registro de captura manual (paper cédula)
    AUXILIAR = "auxiliar"  # cédula de registro de auxiliar


class Inconsistencia(str, enum.Enum):
    """Tipo de inconsistencia of a manual capture (seed 001 §8.5, seed 004)."""

    CEDULA_EN_COPIA = "cedula_en_copia"
    SIN_COPIA_CREDENCIAL = "sin_copia_credencial"
    SIN_LEYENDA = "sin_leyenda"
    SIN_FIRMA = "sin_firma"
    OTRA = "otra"


@dataclass(frozen=True)
class Process:
    """A participation process as configured by the OPL (seed 001 §1.2)."""

    process_id: str
    kind: ProcessKind
    entity: str
    name: str
    promovente: str
    denomination: str
    manifest_text: str
    period_start: datetime
    period_end: datetime
    emblem_png: bytes = b""
    privacy_url: str = ""  # aviso de privacidad integral (seed 001 §1.3); "" when the OPL gave none
    privacy_text: str = ""  # its short version, shown on the manifest screen

    def __post_init__(self) -> None:
        object.__setattr__(self, "process_id", validate_id(self.process_id, field="Id Proceso"))
        if len(self.denomination) > 479:
            raise InvalidIdentifier("La denominación no puede pasar de 479 caracteres")
        if len(self.emblem_png) > 500 * 1024:
            raise InvalidIdentifier("El emblema no puede pasar de 500 KB")
        for moment in (self.period_start, self.period_end):
            if moment.tzinfo is None:
                raise ValueError("period times must be timezone-aware (hora del Centro)")
        if self.period_end <= self.period_start:
            raise InvalidIdentifier("El periodo termina antes de empezar")

    def capture_open(self, now: datetime) -> bool:
        return self.period_start <= now <= self.period_end

    def sending_open(self, now: datetime) -> bool:
        return now <= self.period_end + SEND_GRACE


@dataclass(frozen=True)
class Auxiliar:
    """A roster entry: alta, and baja with its date and reason once dado de baja."""

    auxiliar_id: str
    process_id: str
    nombres: str
    apellido_paterno: str
    apellido_materno: str
    email: str
    alta_at: datetime
    baja_at: datetime | None = None
    baja_reason: str = ""
    devices: tuple[str, ...] = ()  # devices the OPL knows this auxiliar uses (for the two-devices rule)

    def __post_init__(self) -> None:
        object.__setattr__(self, "auxiliar_id", validate_id(self.auxiliar_id, field="Id Auxiliar"))
        object.__setattr__(self, "process_id", validate_id(self.process_id, field="Id Proceso"))

    def active_at(self, moment: datetime) -> bool:
        return self.alta_at <= moment and (self.baja_at is None or moment < self.baja_at)


@dataclass(frozen=True)
class Folio:
    """folio de solicitud (Id Proceso) + Id auxiliar + Id dispositivo + Id de registro."""

    process_id: str
    auxiliar_id: str
    device_id: str
    record_id: int

    def __str__(self) -> str:
        return f"{self.process_id}-{self.auxiliar_id}-{self.device_id}-{self.record_id:06d}"

    @classmethod
    def parse(cls, text: str) -> "Folio":
        parts = text.strip().upper().split("-")
        if len(parts) != 4 or not parts[3].isdigit():
            raise InvalidIdentifier(f"Folio no válido: {text!r}")
        return cls(parts[0], parts[1], parts[2], int(parts[3]))


@dataclass(frozen=True)
class CaptureContext:
    """Who, where and when: the ids every record carries in its (plaintext) header."""

    process_id: str
    auxiliar_id: str
    device_id: str
    captured_at: datetime
    clock_confidence: str
    location: tuple[float, float] | None = None
    municipio: str = ""


@dataclass(frozen=True)
class GateOverride:
    """The auxiliar accepted a photo or signature that its quality gate kept rejecting (after
    `attempts` tries at that step), for `reason` (a code of kiosk.quality.override.REASONS).
    `codes` and `scores` are the gate's verdict on what was kept, so Mesa de Control sees it."""

    step: str
    reason: str
    attempts: int
    codes: tuple[str, ...]
    scores: dict[str, float]

    def as_dict(self) -> dict:
        return {"step": self.step, "reason": self.reason, "attempts": self.attempts,
                "verdict": "reject", "codes": list(self.codes), "scores": dict(self.scores)}


@dataclass
class ApoyoRecord:
    """Apoyo electrónico captured at the kiosk. Personal data: lives only in memory until sealed.

    `sin_firma`: the credential itself says "sin firma" (seed 001 §10.3 m): the record is saved
    without a signature and flagged. `overrides`: gates the auxiliar accepted anyway.
    """

    credential_model: str
    front_image: bytes
    back_image: bytes
    fields: dict[str, dict]
    original_presented: bool
    live_photo: bytes
    signature_trajectory: dict
    signature_png: bytes
    warnings: list[str] = field(default_factory=list)
    # photocopy / screen confidence (0-1, 0.5 at the flag's threshold) of the more suspicious side
    screening: dict[str, float] = field(default_factory=dict)
    overrides: list[GateOverride] = field(default_factory=list)
    sin_firma: bool = False
    modality: str = "auxiliar"  # "auxiliar" or "mi_apoyo" (self-service; counted apart centrally)
    location: dict | None = None  # {"lat", "lon", "source": "gps"}; None: the kiosk's alta location

    def __post_init__(self) -> None:
        if self.modality not in ("auxiliar", "mi_apoyo"):
            raise InvalidIdentifier(f"Modalidad de captura desconocida: {self.modality}")
        if not self.original_presented:
            raise InvalidIdentifier("Falta confirmar que se presenta la credencial original")
        if self.sin_firma and (self.signature_trajectory.get("points") or self.signature_png):
            raise InvalidIdentifier("Un apoyo marcado 'sin firma' no lleva firma")


@dataclass
class ManualRecord:
    """Registro de captura manual from a paper cédula (seed 004 fields)."""

    numero_referencia: str
    nombres: str
    apellido_paterno: str
    apellido_materno: str
    clave_elector: str
    ocr: str = ""
    inconsistencia: Inconsistencia | None = None
    comentario: str = ""
    page_image: bytes = b""

    def __post_init__(self) -> None:
        self.clave_elector = validate_clave_elector(self.clave_elector)
        if not (self.apellido_paterno.strip() or self.apellido_materno.strip()):
            raise InvalidIdentifier("Se necesita al menos un apellido (paterno o materno)")
        if not self.nombres.strip():
            raise InvalidIdentifier("Falta el nombre")
        if self.ocr:
            self.ocr = validate_ocr(self.ocr)
        if self.inconsistencia is Inconsistencia.OTRA and not self.comentario.strip():
            raise InvalidIdentifier("La inconsistencia «otra» necesita un comentario")


@dataclass
class AuxiliarRegistration:
    """Cédula de registro de auxiliar: the auxiliar's own credential, photo and signature."""

    front_image: bytes
    back_image: bytes
    live_photo: bytes
    signature_trajectory: dict
    signature_png: bytes
    email: str
