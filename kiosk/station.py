"""The device as the rest of the code sees it: identity, keys, vault, clock and configuration.

`open_station(data_dir)` is the one entry point for the CLI, the UI and the sync daemon. Saving
a record checks the rules (period, auxiliar, disk), seals it and stores it in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from nacl.public import PublicKey
from nacl.signing import SigningKey, VerifyKey

from kiosk import payload, sealing
from kiosk.clock import TimeReading, TrustedClock
from kiosk.domain import ApoyoRecord, AuxiliarRegistration, Folio, ManualRecord, RecordKind
from kiosk.errors import BatchRefused, CaptureRefused, DiskFullError, KioskError, NotProvisioned, VaultKeyError
from kiosk.keystore import load_vault_key
from kiosk.paths import DataDir, resolve_data_dir
from kiosk.procconfig import ProcessConfig
from kiosk.vault import Vault

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class DeviceIdentity:
    """Public facts about this device and its receiver (device.json; no personal data)."""

    device_id: str
    receiver_url: str
    authority_key: bytes
    sealing_key: bytes
    municipio: str = ""
    lat: float | None = None
    lon: float | None = None
    receiver_ca: str = ""  # PEM (CA bundle or the receiver's own certificate) in the data dir; "" = system CAs

    def to_json(self) -> str:
        return json.dumps(
            {
                "device_id": self.device_id,
                "receiver_url": self.receiver_url,
                "authority_key": self.authority_key.hex(),
                "sealing_key": self.sealing_key.hex(),
                "municipio": self.municipio,
                "lat": self.lat,
                "lon": self.lon,
                "receiver_ca": self.receiver_ca,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> "DeviceIdentity":
        d = json.loads(text)
        return cls(
            device_id=d["device_id"],
            receiver_url=d["receiver_url"],
            authority_key=bytes.fromhex(d["authority_key"]),
            sealing_key=bytes.fromhex(d["sealing_key"]),
            municipio=d.get("municipio", ""),
            lat=d.get("lat"),
            lon=d.get("lon"),
            receiver_ca=d.get("receiver_ca", ""),
        )


@dataclass(frozen=True)
class Saved:
    folio: str
    integrity: str
    size: int


class Station:
    def __init__(self, data: DataDir, identity: DeviceIdentity, device_key: SigningKey, vault: Vault) -> None:
        self.data = data
        self.identity = identity
        self.device_key = device_key
        self.vault = vault
        self.clock = TrustedClock(vault)

    # --- identity and configuration --------------------------------------------------------
    @property
    def device_id(self) -> str:
        return self.identity.device_id

    def receiver_verify(self) -> bool | str:
        """How the kiosk checks the receiver's TLS certificate: the PEM given at provisioning
        (a CA bundle or the pinned certificate itself), else the system's CAs."""
        return str(self.data.root / self.identity.receiver_ca) if self.identity.receiver_ca else True

    @property
    def authority_key(self) -> VerifyKey:
        return VerifyKey(self.identity.authority_key)

    def config(self) -> ProcessConfig | None:
        """The last signed configuration, verified again on every read."""
        raw = self.vault.get_meta("config")
        if not raw:
            return None
        stored = json.loads(raw)
        body = sealing.verify_document(stored["doc"], self.authority_key, "config")
        return ProcessConfig.from_body(body, stored.get("etag", ""))

    def store_config(self, doc: dict, etag: str) -> ProcessConfig:
        """Verify a configuration document before it replaces the current one."""
        body = sealing.verify_document(doc, self.authority_key, "config")
        config = ProcessConfig.from_body(body, etag)
        with self.vault.transaction():
            self.vault.set_meta("config", json.dumps({"doc": doc, "etag": etag}))
            self.vault._audit(self.vault._conn, "config_applied", {"etag": etag, "process": config.process.process_id})
        return config

    def now(self) -> TimeReading:
        return self.clock.now()

    # --- rules before saving ----------------------------------------------------------------
    def check_can_capture(self, auxiliar_id: str) -> tuple[ProcessConfig, TimeReading]:
        config = self.config()
        if config is None:
            raise CaptureRefused("no_process")
        now = self.now()
        process = config.process
        if not process.capture_open(now.at):
            raise CaptureRefused(
                "period_closed",
                start=process.period_start.strftime("%d/%m/%Y %H:%M"),
                end=process.period_end.strftime("%d/%m/%Y %H:%M"),
            )
        aux = config.roster.get(auxiliar_id)
        if aux is None:
            raise CaptureRefused("auxiliar_unknown", auxiliar_id=auxiliar_id)
        if not aux.active_at(now.at):
            raise CaptureRefused("auxiliar_baja", auxiliar_id=auxiliar_id)
        return config, now

    def check_disk(self, needed: int = 0) -> None:
        free = shutil.disk_usage(self.data.root).free
        if free < MIN_FREE_BYTES + 10 * needed:
            log.error("disk full: %d bytes free under %s", free, self.data.root)
            raise DiskFullError("disk_full", free_mb=free // (1024 * 1024))

    # --- saving -----------------------------------------------------------------------------
    def _save(self, kind: RecordKind, auxiliar_id: str, meta: dict, blobs: dict[str, bytes], fingerprint: str | None = None) -> Saved:
        config, now = self.check_can_capture(auxiliar_id)
        plaintext = payload.pack(dict(meta, kind=kind.value), blobs)
        self.check_disk(len(plaintext))
        process_id = config.process.process_id
        sealing_key = PublicKey(self.identity.sealing_key)

        def build(record_id: int) -> tuple[str, bytes, str]:
            folio = str(Folio(process_id, auxiliar_id, self.device_id, record_id))
            header = {
                "v": 1,
                "kind": kind.value,
                "folio": folio,
                "process_id": process_id,
                "auxiliar_id": auxiliar_id,
                "device_id": self.device_id,
                "record_id": record_id,
                "captured_at": now.at.isoformat(),
                "clock_confidence": now.confidence,
                "municipio": self.identity.municipio,
            }
            envelope = sealing.seal(plaintext, header, self.device_key, sealing_key)
            return folio, envelope.data, envelope.integrity

        try:
            folio, integrity = self.vault.save_record(kind.value, process_id, auxiliar_id, build, fingerprint)
        except Exception as exc:  # sqlcipher raises its own OperationalError for a full disk
            converted = self._disk_full(exc)
            if converted is exc:
                raise
            raise converted from exc
        log.info("record sealed folio=%s kind=%s bytes=%d", folio, kind.value, len(plaintext))
        row = self.vault.get(folio)
        return Saved(folio, integrity, row.size if row else 0)

    def _location(self) -> dict:
        return {"municipio": self.identity.municipio, "lat": self.identity.lat, "lon": self.identity.lon}

    def save_apoyo(self, record: ApoyoRecord, auxiliar_id: str) -> Saved:
        meta = {
            "credential_model": record.credential_model,
            "fields": record.fields,
            "original_presented": record.original_presented,
            "warnings": record.warnings,
            "screening": record.screening,
            "modality": record.modality,
            "location": dict(self._location(), **record.location) if record.location else dict(self._location(), source="alta"),
            "sin_firma": record.sin_firma,
            "gate_overrides": [o.as_dict() for o in record.overrides],
        }
        blobs = {
            "front": record.front_image,
            "back": record.back_image,
            "photo": record.live_photo,
            "signature.png": record.signature_png,
            "signature.json.z": zlib.compress(json.dumps(record.signature_trajectory, separators=(",", ":")).encode(), 9),
        }
        return self._save(RecordKind.APOYO, auxiliar_id, meta, blobs)

    def save_manual(self, record: ManualRecord, auxiliar_id: str | None = None) -> str:
        aux = auxiliar_id or self.default_auxiliar()
        config = self.config()
        process_id = config.process.process_id if config else ""
        fp = self.clave_fingerprint(process_id, record.clave_elector)
        if self.vault.fingerprint_seen(process_id, fp):
            raise CaptureRefused("duplicate_clave")
        meta = {
            "numero_referencia": record.numero_referencia,
            "nombres": record.nombres,
            "apellido_paterno": record.apellido_paterno,
            "apellido_materno": record.apellido_materno,
            "clave_elector": record.clave_elector,
            "ocr": record.ocr,
            "inconsistencia": record.inconsistencia.value if record.inconsistencia else None,
            "comentario": record.comentario,
            "location": self._location(),
        }
        return self._save(RecordKind.MANUAL, aux, meta, {"page": record.page_image}, fingerprint=fp).folio

    def save_manual_all(self, records: Sequence[ManualRecord], auxiliar_id: str | None = None) -> list[str]:
        """Save every record or none, in one vault transaction (a bulk import): a refusal at any
        row — a clave already saved, the disk full, the period closing — leaves the vault as it
        was and raises BatchRefused with that row's index."""
        folios: list[str] = []
        index = 0
        try:
            with self.vault.transaction():
                for index, record in enumerate(records):
                    folios.append(self.save_manual(record, auxiliar_id))
        except Exception as exc:  # the commit itself may find the disk full
            refused = exc if isinstance(exc, KioskError) else self._disk_full(exc)
            if not isinstance(refused, KioskError):
                raise
            log.warning("batch of %d manual records rolled back at item %d: %s", len(records), index, refused.code)
            raise BatchRefused(index, refused) from exc
        return folios

    def _disk_full(self, exc: Exception) -> Exception:
        """SQLCipher's own 'database or disk is full' as the person's DiskFullError; any other
        error as it is."""
        if "full" in str(exc).lower() and not isinstance(exc, KioskError):
            return DiskFullError("disk_full", free_mb=shutil.disk_usage(self.data.root).free // 2**20)
        return exc

    def save_auxiliar_registration(self, reg: AuxiliarRegistration, auxiliar_id: str) -> Saved:
        meta = {"email": reg.email, "location": self._location()}
        blobs = {
            "front": reg.front_image,
            "back": reg.back_image,
            "photo": reg.live_photo,
            "signature.png": reg.signature_png,
            "signature.json.z": zlib.compress(json.dumps(reg.signature_trajectory).encode(), 9),
        }
        return self._save(RecordKind.AUXILIAR, auxiliar_id, meta, blobs)

    def default_auxiliar(self) -> str:
        explicit = os.environ.get("APOYO_KIOSK_AUXILIAR")
        if explicit:
            return explicit
        config = self.config()
        if config is None:
            raise CaptureRefused("no_process")
        now = self.now().at
        active = [a for a in config.roster.values() if a.active_at(now)]
        if len(active) != 1:
            raise CaptureRefused("auxiliar_required")
        return active[0].auxiliar_id

    # --- acuses ----------------------------------------------------------------------------
    def apply_acuse(self, doc: dict) -> str:
        """Verify an acuse (authority signature, and a folio + integrity code that match an
        envelope in the vault) and apply it. Returns the new state; InvalidSignature otherwise.

        Only an acuse naming this envelope's integrity code acts on it. A `folio_duplicado` for
        other bytes under our folio is an incident for the technician (audit log, the envelope's
        reason); our envelope stays queued as it was, never quarantined on someone else's word."""
        body = sealing.verify_document(doc, self.authority_key, "acuse")
        folio, integrity = str(body.get("folio")), str(body.get("integrity"))
        row = self.vault.get(folio)
        if row is None or row.integrity != integrity:
            if row is not None and body.get("reason") == "folio_duplicado":
                log.error("acuse folio_duplicado for folio=%s names other bytes (%s); ours (%s) kept queued",
                          folio, integrity[:16], row.integrity[:16])
                self.vault.audit("acuse_ajeno", {"folio": folio, "integrity": integrity, "ours": row.integrity, "reason": "folio_duplicado"})
                self.vault.note_failure(folio, "incidente: el receptor reporta otro sobre con este folio (folio_duplicado); "
                                               "el registro se conserva, avise al equipo técnico")
                return row.state
            log.warning("acuse for folio=%s does not match the vault; ignored", folio)
            raise sealing.InvalidSignature("el acuse no corresponde a un sobre guardado")
        if row.state in ("deleted", "quarantined"):
            return row.state
        reason = str(body.get("reason", ""))
        text = str(body.get("reason_text", "")) or reason
        return self.vault.apply_acuse(folio, integrity, str(body["verdict"]), str(body["received_at"]), json.dumps(doc), f"{reason}: {text}" if reason else "")

    # --- duplicates without plaintext claves --------------------------------------------------
    def fingerprint_key(self) -> bytes:
        raw = self.vault.get_meta("fingerprint_key")
        if raw is None:
            raw = os.urandom(32).hex()
            self.vault.set_meta("fingerprint_key", raw)
        return bytes.fromhex(raw)

    def clave_fingerprint(self, process_id: str, clave: str) -> str:
        msg = f"{process_id}|{clave.strip().upper()}".encode()
        return hmac.new(self.fingerprint_key(), msg, hashlib.sha256).hexdigest()

    def clave_seen(self, fingerprint: str, process_id: str | None = None) -> bool:
        if process_id is None:
            config = self.config()
            process_id = config.process.process_id if config else ""
        return self.vault.fingerprint_seen(process_id, fingerprint)

    # --- status -----------------------------------------------------------------------------
    def records_without_acuse(self) -> int:
        """Records still to send or held in quarantine: what a new provisioning would lose."""
        counts = self.vault.counts()
        return counts["sealed"] + counts["uploading"] + counts["quarantined"]

    def status(self) -> dict:
        now = self.now()
        config = self.config()
        return {
            "device_id": self.device_id,
            "process_id": config.process.process_id if config else None,
            "counts": self.vault.counts(),
            "last_sync": self.vault.get_meta("last_sync"),
            "last_sync_error": self.vault.get_meta("last_sync_error"),  # UTC stamp and what failed, for the technician
            "last_sync_problem": self.vault.get_meta("last_sync_problem"),  # what failed, in Spanish, for the person
            "last_sync_link_down": bool(self.vault.get_meta("last_sync_link_down")),
            "time": now.at.isoformat(),
            "time_confidence": now.confidence,
            "vault_bytes": self.vault.size_bytes(),
        }

    def close(self) -> None:
        self.vault.close()


def open_station(data_dir: str | os.PathLike | None = None) -> Station:
    data = DataDir(resolve_data_dir(data_dir))
    if not data.device_json.exists():
        raise NotProvisioned("not_provisioned")
    identity = DeviceIdentity.from_json(data.device_json.read_text())
    if not data.device_key.exists():
        raise VaultKeyError("vault_key_missing", path=str(data.device_key))
    device_key = SigningKey(data.device_key.read_bytes())
    vault = Vault.open(data.vault, load_vault_key(data.vault_key))
    return Station(data, identity, device_key, vault)


def create_station(data_dir: str | os.PathLike | None, identity: DeviceIdentity, device_key: SigningKey) -> Station:
    """Write the device's identity, keys and a new vault (provisioning). Refuses existing data."""
    from kiosk.keystore import new_vault_key
    from kiosk.paths import write_private

    data = DataDir(resolve_data_dir(data_dir))
    if data.device_json.exists() or data.vault.exists():
        raise FileExistsError(str(data.root))
    data.ensure()
    write_private(data.device_key, bytes(device_key))
    key = new_vault_key(data.vault_key)
    vault = Vault.create(data.vault, key)
    write_private(data.device_json, identity.to_json().encode())
    station = Station(data, identity, device_key, vault)
    station.fingerprint_key()
    vault.audit("provisioned", {"device_id": identity.device_id})
    return station
