"""The capture of one apoyo as an explicit state machine (seed 001 §5): credential type → front
→ back → original confirmed → live photo → signature → review → saved. The UI, the demo and the
tests walk the same table; personal data lives only in this object until it is sealed.

Never trap a citizen: each gate rejection at the photo or signature step is noted; after
OVERRIDE_AFTER of them the auxiliar may accept anyway with a reason, and a credential that says
"sin firma" (seed 001 §10.3 m) moves on without a signature. Both go into the record.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kiosk.domain import ApoyoRecord, GateOverride
from kiosk.quality.override import OVERRIDE_AFTER, reasons_for
from kiosk.station import Saved, Station


class Step(str, enum.Enum):
    CREDENTIAL_TYPE = "credential_type"
    FRONT = "front"
    BACK = "back"
    ORIGINAL = "original"
    PHOTO = "photo"
    SIGNATURE = "signature"
    REVIEW = "review"
    SAVED = "saved"
    REFUSED = "refused"  # the citizen refused the photo: nothing is kept
    CANCELLED = "cancelled"


# state -> {action: next state}. Retakes stay in place; the table is the whole flow.
TRANSITIONS: dict[Step, dict[str, Step]] = {
    Step.CREDENTIAL_TYPE: {"choose_model": Step.FRONT, "cancel": Step.CANCELLED},
    Step.FRONT: {"front": Step.BACK, "cancel": Step.CANCELLED},
    Step.BACK: {"back": Step.ORIGINAL, "retake_front": Step.FRONT, "cancel": Step.CANCELLED},
    Step.ORIGINAL: {"confirm_original": Step.PHOTO, "retake_back": Step.BACK, "cancel": Step.CANCELLED},
    Step.PHOTO: {"photo": Step.SIGNATURE, "refuse_photo": Step.REFUSED, "cancel": Step.CANCELLED},
    Step.SIGNATURE: {"signature": Step.REVIEW, "sin_firma": Step.REVIEW, "cancel": Step.CANCELLED},
    Step.REVIEW: {
        "save": Step.SAVED,
        "retake_photo": Step.PHOTO,
        "retake_signature": Step.SIGNATURE,
        "cancel": Step.CANCELLED,
    },
    Step.SAVED: {},
    Step.REFUSED: {},
    Step.CANCELLED: {},
}

CREDENTIAL_MODELS = ("C", "D", "E", "F", "G", "H")
# Mi apoyo (seed 001 §7.3): only the models that carry the QR, and only while vigentes.
SELF_SERVICE_MODELS = ("F", "G", "H")
QR_READ_MODELS = "G/H"  # what the credential reader calls a card whose INE QR it decoded


class FlowError(Exception):
    """An action that the current step does not allow (a bug in the caller, not user input)."""


@dataclass
class CaptureSession:
    """One citizen's capture. Checks are injected so the flow stays free of image code."""

    auxiliar_id: str
    step: Step = Step.CREDENTIAL_TYPE
    model: str = ""
    front: bytes = b""
    back: bytes = b""
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    screening: dict[str, float] = field(default_factory=dict)  # photocopy / screen confidence, worst side
    photo: bytes = b""
    trajectory: dict = field(default_factory=dict)
    signature_png: bytes = b""
    original_presented: bool = False
    rejections: dict[str, list[tuple[tuple[str, ...], dict]]] = field(default_factory=dict)
    overrides: list[GateOverride] = field(default_factory=list)
    sin_firma: bool = False
    self_service: bool = False  # Mi apoyo: the citizen captures their own apoyo
    location: dict | None = None  # where the capture happened (GPS fix), None: the kiosk's own
    qr_read: bool = False  # a side's INE QR was decoded

    def allowed(self) -> list[str]:
        return list(TRANSITIONS[self.step])

    def _move(self, action: str) -> None:
        nxt = TRANSITIONS[self.step].get(action)
        if nxt is None:
            raise FlowError(f"'{action}' no permitido en el paso {self.step.value}")
        self.step = nxt

    def choose_model(self, model: str) -> None:
        if model not in CREDENTIAL_MODELS:
            raise FlowError(f"modelo de credencial desconocido: {model}")
        if self.self_service and model not in SELF_SERVICE_MODELS:
            raise FlowError(f"Mi apoyo no admite el modelo {model}")
        self.model = model
        self._move("choose_model")

    def accept_front(self, stored: bytes, fields: dict | None = None, warnings: list[str] | None = None,
                     model_read: str = "", screening: dict | None = None) -> None:
        self._move("front")
        self.front = stored
        self._merge(fields, warnings, screening)
        self.qr_read |= model_read == QR_READ_MODELS

    def accept_back(self, stored: bytes, fields: dict | None = None, warnings: list[str] | None = None,
                    model_read: str = "", screening: dict | None = None) -> None:
        self._move("back")
        self.back = stored
        self._merge(fields, warnings, screening)
        self.qr_read |= model_read == QR_READ_MODELS

    def _merge(self, fields: dict | None, warnings: list[str] | None, screening: dict | None = None) -> None:
        for name, value in (fields or {}).items():
            if value and (name not in self.fields or value.get("verified")):
                self.fields[name] = value
        self.warnings.extend(w for w in (warnings or []) if w not in self.warnings)
        for name, value in (screening or {}).items():  # the more suspicious side speaks for the card
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
                self.screening[name] = max(self.screening.get(name, 0.0), float(value))

    def confirm_original(self) -> None:
        self._move("confirm_original")
        self.original_presented = True

    def note_rejection(self, codes: list[str] | tuple[str, ...], scores: dict) -> None:
        """The gate of the current step (photo or signature) rejected one attempt."""
        if self.step not in (Step.PHOTO, Step.SIGNATURE):
            raise FlowError(f"no hay control de calidad en el paso {self.step.value}")
        self.rejections.setdefault(self.step.value, []).append((tuple(codes), dict(scores)))

    def can_override(self) -> bool:
        """Whether the auxiliar may accept the current step anyway (after OVERRIDE_AFTER rejections)."""
        gated = self.step in (Step.PHOTO, Step.SIGNATURE)
        return gated and len(self.rejections.get(self.step.value, [])) >= OVERRIDE_AFTER

    def _override(self, reason: str | None) -> None:
        if reason is None:
            return
        step = self.step.value
        if not self.can_override():
            raise FlowError(f"sólo tras {OVERRIDE_AFTER} rechazos se puede aceptar la {step} de todos modos")
        if reason not in reasons_for(step):
            raise FlowError(f"motivo desconocido para {step}: {reason}")
        attempts = self.rejections[step]
        codes, scores = attempts[-1]
        self.overrides = [o for o in self.overrides if o.step != step]
        self.overrides.append(GateOverride(step, reason, len(attempts), codes, scores))

    def accept_photo(self, stored: bytes, override: str | None = None) -> None:
        """Keep the photo; `override` is the reason when the gate rejected it (see can_override)."""
        self._override(override)
        self._move("photo")
        self.photo = stored

    def refuse_photo(self) -> None:
        """The citizen refuses the photo: the capture stops and everything is forgotten."""
        self._move("refuse_photo")
        self._forget()

    def accept_signature(self, trajectory: dict, png: bytes, override: str | None = None) -> None:
        """Keep the signature; `override` is the reason when the gate rejected it."""
        self._override(override)
        self._move("signature")
        self.trajectory, self.signature_png = trajectory, png
        self.sin_firma = False

    def accept_sin_firma(self) -> None:
        """The credential says "sin firma": the record goes on without a signature, flagged."""
        self._move("sin_firma")
        self.trajectory, self.signature_png, self.sin_firma = {}, b"", True
        self.overrides = [o for o in self.overrides if o.step != Step.SIGNATURE.value]

    def go(self, action: str) -> None:
        """Retakes and cancel from the review or earlier steps."""
        if action not in ("retake_front", "retake_back", "retake_photo", "retake_signature", "cancel"):
            raise FlowError(action)
        self._move(action)
        if action == "cancel":
            self._forget()
        elif action in ("retake_photo", "retake_signature"):
            step = action.removeprefix("retake_")
            self.overrides = [o for o in self.overrides if o.step != step]
            self.sin_firma = self.sin_firma and step != "signature"

    def self_service_refusal(self, year: int) -> str | None:
        """Why Mi apoyo cannot keep this credential (a message code), or None: its QR was read
        and its vigencia (year) has not passed."""
        if not self.self_service:
            return None
        qr_field = any(isinstance(v, dict) and v.get("source") == "qr" and v.get("value") for v in self.fields.values())
        if not (self.qr_read or qr_field):
            return "mi_apoyo_sin_qr"
        expiry = (self.fields.get("expiry_year") or {}).get("value")
        try:
            if expiry in (None, "") or int(expiry) < year:
                return "mi_apoyo_no_vigente"
        except (TypeError, ValueError):
            return "mi_apoyo_no_vigente"
        return None

    def record(self) -> ApoyoRecord:
        return ApoyoRecord(
            credential_model=self.model,
            front_image=self.front,
            back_image=self.back,
            fields=self.fields,
            original_presented=self.original_presented,
            live_photo=self.photo,
            signature_trajectory=self.trajectory,
            signature_png=self.signature_png,
            warnings=self.warnings,
            screening=dict(self.screening),
            overrides=list(self.overrides),
            sin_firma=self.sin_firma,
            modality="mi_apoyo" if self.self_service else "auxiliar",
            location=self.location,
        )

    def save(self, station: Station) -> Saved:
        if self.step is not Step.REVIEW:
            raise FlowError(f"no se puede guardar en el paso {self.step.value}")
        refusal = self.self_service_refusal(station.now().at.year)
        if refusal:
            raise FlowError(refusal)
        saved = station.save_apoyo(self.record(), self.auxiliar_id)
        self._move("save")
        self._forget()
        return saved

    def _forget(self) -> None:
        self.front = self.back = self.photo = self.signature_png = b""
        self.fields, self.trajectory, self.warnings, self.screening = {}, {}, [], {}
        self.rejections, self.overrides, self.sin_firma = {}, [], False
