"""What the receiver does, apart from HTTP: enroll devices, sign configuration, take tus uploads,
apply the rules to a complete envelope and issue the signed acuse. Idempotent by folio.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from nacl.signing import VerifyKey

from kiosk import sealing
from kiosk.domain import HORA_CENTRO, SEND_GRACE, Folio
from kiosk.procconfig import auxiliar_from_dict, process_from_dict
from central.receiver import store as st
from central.receiver.errors import ReceiverError
from central.receiver.keys import ReceiverKeys
from central.receiver.uploads import MAX_UPLOAD, UPLOAD_TTL, TusUploads
from sync.protocol import acuse_body, rotation_claim, upload_claim

__all__ = ["MAX_UPLOAD", "UPLOAD_TTL", "REASONS", "Receiver", "ReceiverError", "acuse_body", "rotation_claim", "upload_claim"]

log = logging.getLogger(__name__)

MAX_ACTIVE_DEVICES = 2
TOKEN_TTL = 7 * 24 * 3600      # an enrollment token not used within this is refused (settable per token)
ENROLL_WINDOW = 600.0          # failed enrollments counted over this many seconds...
ENROLL_MAX_FAILED_PER_SOURCE = 10   # ...per source address
ENROLL_MAX_FAILED = 100             # ...and from everywhere together

# Refusal reasons: the code travels in the acuse; the kiosk shows the Spanish text.
REASONS = {
    "fuera_de_plazo": "Se recibió después de las 24 horas posteriores al cierre del periodo.",
    "fuera_de_periodo": "Se captó fuera del periodo de captación del proceso.",
    "auxiliar_baja": "Se captó después de la baja de la persona auxiliar; no se contabiliza.",
    "auxiliar_desconocido": "La persona auxiliar no está en la lista del proceso.",
    "dispositivo_baja": "El dispositivo fue dado de baja.",
    "limite_dispositivos": "La persona auxiliar ya tiene dos dispositivos activos.",
    "folio_duplicado": "Ya existe un registro con este folio y contenido distinto.",
    "proceso_distinto": "El registro pertenece a otro proceso.",
}


FOLIO_AJENO = "El folio no corresponde al dispositivo, la persona auxiliar y el número de registro del sobre."
LLAVE_DESCONOCIDA = ("El sobre está sellado con una llave que el receptor no tiene; el kiosco lo conserva "
                     "hasta que se resuelva (avise al equipo técnico).")


def hora_centro(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=HORA_CENTRO).isoformat(timespec="seconds")


@dataclass
class Receiver(TusUploads):
    engine: sa.Engine
    keys: ReceiverKeys
    clock: object = time.time  # injectable for tests of late uploads
    _last_purge: float = field(default=0.0, repr=False)

    def now(self) -> float:
        return float(self.clock())

    # --- signed time ------------------------------------------------------------------------
    def signed_time(self, nonce: str = "") -> str:
        """The receiver's time signed by the authority key, with the nonce the kiosk sent (so a
        kiosk accepts only a time made for its own request, never a replayed one)."""
        doc = sealing.sign_document({"time": self.now(), "nonce": nonce}, "time", self.keys.authority, issued_at=self.now())
        return base64.b64encode(sealing.canonical_json(doc)).decode()

    # --- admin ------------------------------------------------------------------------------
    def put_process(self, body: dict, self_service: bool = False) -> None:
        process = process_from_dict(body)
        with self.engine.begin() as c:
            c.execute(sa.delete(st.processes).where(st.processes.c.process_id == process.process_id))
            c.execute(st.processes.insert().values(process_id=process.process_id, body=json.dumps(body), self_service=self_service))

    def put_auxiliar(self, body: dict) -> None:
        aux = auxiliar_from_dict(body)
        with self.engine.begin() as c:
            c.execute(
                sa.delete(st.auxiliares).where(
                    (st.auxiliares.c.process_id == aux.process_id) & (st.auxiliares.c.auxiliar_id == aux.auxiliar_id)
                )
            )
            c.execute(st.auxiliares.insert().values(process_id=aux.process_id, auxiliar_id=aux.auxiliar_id, body=json.dumps(body)))

    def baja_auxiliar(self, process_id: str, auxiliar_id: str, reason: str, at: float | None = None) -> None:
        with self.engine.begin() as c:
            row = c.execute(
                sa.select(st.auxiliares.c.body).where(
                    (st.auxiliares.c.process_id == process_id) & (st.auxiliares.c.auxiliar_id == auxiliar_id)
                )
            ).first()
            if row is None:
                raise ReceiverError(404, "auxiliar_desconocido", REASONS["auxiliar_desconocido"])
            body = json.loads(row[0])
            body["baja_at"] = datetime.fromtimestamp(at or self.now(), tz=HORA_CENTRO).isoformat()
            body["baja_reason"] = reason
            c.execute(
                st.auxiliares.update()
                .where((st.auxiliares.c.process_id == process_id) & (st.auxiliares.c.auxiliar_id == auxiliar_id))
                .values(body=json.dumps(body))
            )

    def baja_device(self, device_id: str) -> None:
        """Revoke a device: its bindings end and its open uploads (bytes held) are purged."""
        with self.engine.begin() as c:
            c.execute(st.devices.update().where(st.devices.c.device_id == device_id).values(status="baja", baja_at=self.now()))
            c.execute(st.bindings.update().where(st.bindings.c.device_id == device_id).values(status="baja"))
            open_ids = sa.select(st.uploads.c.upload_id).where((st.uploads.c.device_id == device_id) & st.uploads.c.acuse.is_(None))
            c.execute(sa.delete(st.chunks).where(st.chunks.c.upload_id.in_(open_ids)))
            c.execute(sa.delete(st.uploads).where((st.uploads.c.device_id == device_id) & st.uploads.c.acuse.is_(None)))

    def issue_token(self, process_id: str, ttl: float = TOKEN_TTL) -> str:
        """A one-time enrollment token for a process, valid for `ttl` seconds (7 days by default)."""
        if ttl <= 0:
            raise ReceiverError(400, "vigencia", "La vigencia del token debe ser positiva")
        # Letters and digits only (base32, 120 bits): a token is typed after `--token` or dictated,
        # and one starting with "-" would be taken for an option.
        token = base64.b32encode(secrets.token_bytes(15)).decode()
        with self.engine.begin() as c:
            if c.execute(sa.select(st.processes.c.process_id).where(st.processes.c.process_id == process_id)).first() is None:
                raise ReceiverError(404, "proceso_desconocido", f"No existe el proceso {process_id}")
            c.execute(st.tokens.insert().values(token_hash=_hash(token), process_id=process_id, created_at=self.now(),
                                                expires_at=self.now() + ttl))
        return token

    # --- enrollment and configuration ---------------------------------------------------------
    def enroll(self, token: str, public_key_hex: str, municipio: str = "", source: str = "") -> dict:
        """Enroll a device with a one-time token. Failed attempts are counted (per source address
        and in all) and refused for a while past a limit, so tokens cannot be guessed at speed."""
        self._enroll_rate_check(source)
        try:
            return self._enroll(token, public_key_hex, municipio)
        except ReceiverError as exc:
            with self.engine.begin() as c:
                st.incident(c, "alta_fallida", detail=f"{source} {exc.code}")
            log.warning("enrollment refused from %s: %s", source or "?", exc.code)
            raise

    def _enroll_rate_check(self, source: str) -> None:
        since = time.time() - ENROLL_WINDOW  # incidents are stamped with the wall clock
        failed = (st.incidents.c.kind == "alta_fallida") & (st.incidents.c.at >= since)
        with self.engine.connect() as c:
            everywhere = c.execute(sa.select(sa.func.count()).where(failed)).scalar() or 0
            here = c.execute(sa.select(sa.func.count()).where(failed & st.incidents.c.detail.startswith(f"{source} ", autoescape=True))).scalar() or 0
        if here >= ENROLL_MAX_FAILED_PER_SOURCE or everywhere >= ENROLL_MAX_FAILED:
            log.warning("enrollment rate limit: %d failed from %s, %d in all", here, source or "?", everywhere)
            raise ReceiverError(429, "demasiados_intentos", "Demasiados intentos de alta fallidos; espere unos minutos")

    def _enroll(self, token: str, public_key_hex: str, municipio: str) -> dict:
        try:
            VerifyKey(bytes.fromhex(public_key_hex))
        except Exception as exc:
            raise ReceiverError(400, "llave_invalida", "La llave pública del dispositivo no es válida") from exc
        with self.engine.begin() as c:
            token = token.strip().upper()  # typed by hand: case and stray spaces do not matter
            row = c.execute(sa.select(st.tokens).where(st.tokens.c.token_hash == _hash(token)).with_for_update()).first()
            if row is not None and row.used_at is not None:
                # The answer to the enrollment that used this token may have been lost on the
                # link: the same key asking again gets the same device, anyone else is refused.
                same = c.execute(sa.select(st.devices.c.device_id).where(
                    (st.devices.c.device_id == row.device_id) & (st.devices.c.public_key == public_key_hex))).first()
                if same is None:
                    raise ReceiverError(403, "token_invalido", "El token de alta no existe o ya se usó")
                device_id = same.device_id
            elif row is None:
                raise ReceiverError(403, "token_invalido", "El token de alta no existe o ya se usó")
            elif (row.expires_at if row.expires_at is not None else row.created_at + TOKEN_TTL) < self.now():
                raise ReceiverError(403, "token_vencido", "El token de alta venció; pida uno nuevo")
            else:
                if c.execute(sa.select(st.devices.c.device_id).where(st.devices.c.public_key == public_key_hex)).first():
                    raise ReceiverError(409, "llave_repetida", "Esta llave ya está dada de alta")
                number = st.next_counter(c, "device")
                device_id = f"D{number:04d}"
                c.execute(
                    st.devices.insert().values(
                        device_id=device_id, public_key=public_key_hex, process_id=row.process_id,
                        status="activo", municipio=municipio[:120], enrolled_at=self.now(),
                    )
                )
                c.execute(st.tokens.update().where(st.tokens.c.token_hash == row.token_hash).values(used_at=self.now(), device_id=device_id))
                c.execute(st.device_keys.insert().values(device_id=device_id, public_key=public_key_hex, valid_from=self.now()))
        cert = sealing.sign_document(
            {"device_id": device_id, "public_key": public_key_hex, "process_id": row.process_id}, "device_cert", self.keys.authority
        )
        return {
            "device_id": device_id,
            "process_id": row.process_id,
            "authority_key": bytes(self.keys.authority.verify_key).hex(),
            "sealing_key": bytes(self.keys.sealing_public).hex(),
            "sealing_key_id": self.keys.sealing_kid,
            "certificate": cert,
        }

    def device(self, device_id: str):
        with self.engine.connect() as c:
            return c.execute(sa.select(st.devices).where(st.devices.c.device_id == device_id)).first()

    def envelope_keys(self, device_id: str) -> list[VerifyKey]:
        """Keys that may have signed this device's envelopes: the current one first, then retired ones."""
        with self.engine.connect() as c:
            current = c.execute(sa.select(st.devices.c.public_key).where(st.devices.c.device_id == device_id)).scalar()
            retired = c.execute(
                sa.select(st.device_keys.c.public_key).where(
                    (st.device_keys.c.device_id == device_id) & st.device_keys.c.retired_at.is_not(None)
                ).order_by(st.device_keys.c.retired_at.desc())
            ).scalars().all()
        return [VerifyKey(bytes.fromhex(k)) for k in ([current] if current else []) + [k for k in retired if k != current]]

    def rotate_device_key(self, device_id: str, new_public_key_hex: str, proof_hex: str) -> dict:
        """Replace an authenticated device's key; the old one is kept as retired for envelope checks."""
        try:
            VerifyKey(bytes.fromhex(new_public_key_hex)).verify(rotation_claim(device_id, new_public_key_hex), bytes.fromhex(proof_hex))
        except Exception as exc:
            raise ReceiverError(401, "prueba_invalida", "La prueba de posesión de la llave nueva no es válida") from exc
        now = self.now()
        with self.engine.begin() as c:
            used = c.execute(sa.select(st.devices.c.device_id).where(st.devices.c.public_key == new_public_key_hex)).first() or c.execute(
                sa.select(st.device_keys.c.device_id).where(st.device_keys.c.public_key == new_public_key_hex)).first()
            if used:
                raise ReceiverError(409, "llave_usada", "Esa llave ya fue usada por un dispositivo")
            old = c.execute(sa.select(st.devices.c.public_key).where(st.devices.c.device_id == device_id)).scalar_one()
            retired = c.execute(st.device_keys.update().where(
                (st.device_keys.c.device_id == device_id) & (st.device_keys.c.public_key == old)).values(retired_at=now))
            if retired.rowcount == 0:  # enrolled before the device_keys table existed
                c.execute(st.device_keys.insert().values(device_id=device_id, public_key=old, valid_from=0.0, retired_at=now))
            c.execute(st.device_keys.insert().values(device_id=device_id, public_key=new_public_key_hex, valid_from=now))
            c.execute(st.devices.update().where(st.devices.c.device_id == device_id).values(public_key=new_public_key_hex))
        log.info("device %s rotated its key", device_id)
        return {"device_id": device_id, "public_key": new_public_key_hex, "rotated_at": now}

    def authenticate(self, method: str, path: str, body: bytes, headers: dict[str, str], *,
                     body_sha256: str | None = None, allow_baja: bool = False) -> str:
        """Verify a device-signed request and refuse replays; returns the device id.

        `body_sha256` authenticates a body before it is read (the caller then checks the bytes);
        `allow_baja` lets a revoked device finish its uploads (their acuses say dispositivo_baja)."""
        device_id = headers.get("X-Apoyo-Device", "")
        dev = self.device(device_id)
        if dev is None:
            raise ReceiverError(403, "dispositivo_desconocido", "Dispositivo desconocido")
        try:
            nonce, ts = sealing.verify_request(method, path, body, headers, VerifyKey(bytes.fromhex(dev.public_key)),
                                               now=self.now(), body_sha256=body_sha256)
        except sealing.InvalidSignature as exc:
            raise ReceiverError(401, "firma_invalida", "La firma de la petición no es válida") from exc
        try:
            with self.engine.begin() as c:
                c.execute(sa.delete(st.nonces).where(st.nonces.c.ts < self.now() - 900))
                c.execute(st.nonces.insert().values(nonce=nonce, device_id=device_id, ts=ts))
        except sa.exc.IntegrityError as exc:
            with self.engine.begin() as c:
                st.incident(c, "replay", device_id, detail=f"{method} {path}")
            raise ReceiverError(409, "repeticion", "Petición repetida (replay) rechazada") from exc
        if dev.status != "activo" and not allow_baja:
            raise ReceiverError(403, "dispositivo_baja", REASONS["dispositivo_baja"])
        return device_id

    def config_body(self, device_id: str) -> dict:
        dev = self.device(device_id)
        with self.engine.connect() as c:
            proc = c.execute(sa.select(st.processes).where(st.processes.c.process_id == dev.process_id)).first()
            roster = [
                json.loads(r[0])
                for r in c.execute(
                    sa.select(st.auxiliares.c.body).where(st.auxiliares.c.process_id == dev.process_id).order_by(st.auxiliares.c.auxiliar_id)
                )
            ]
            in_use: dict[str, list[str]] = {}
            for aux_id, bound in c.execute(
                sa.select(st.bindings.c.auxiliar_id, st.bindings.c.device_id).where(
                    (st.bindings.c.process_id == dev.process_id) & (st.bindings.c.status == "activo")
                ).order_by(st.bindings.c.device_id)
            ):
                in_use.setdefault(aux_id, []).append(bound)
        for entry in roster:  # the devices each auxiliar uses now, so a third kiosk refuses the login (§4.9)
            entry["devices"] = in_use.get(entry["auxiliar_id"], [])
        return {
            "process": json.loads(proc.body),
            "roster": roster,
            "device": {"device_id": device_id, "status": dev.status},
            "self_service": bool(proc.self_service),
            "max_devices_per_auxiliar": MAX_ACTIVE_DEVICES,
        }

    def signed_config(self, device_id: str) -> tuple[dict, str]:
        body = self.config_body(device_id)
        etag = hashlib.sha256(sealing.canonical_json(body)).hexdigest()[:32]
        return sealing.sign_document(body, "config", self.keys.authority), etag

    # --- the rules --------------------------------------------------------------------------
    def receive_envelope(self, envelope: bytes, expected_device: str | None = None, expected_folio: str | None = None,
                         *, judged_at: float | None = None) -> dict:
        """Verify a whole envelope, apply the rules, store it once and return the signed acuse.
        Used by uploads and by the USB import alike; `judged_at` (a USB export's signed time)
        replaces the time of arrival in the sending-deadline rule."""
        header, dev = self._verified(envelope, expected_device, expected_folio)
        item = (envelope, sealing.integrity_code(envelope), header)
        return self._retrying(lambda c: [self._store_one(c, *item, dev, {"judged_at": judged_at})])[0]

    def _verified(self, envelope: bytes, expected_device: str | None = None, expected_folio: str | None = None) -> tuple[dict, object]:
        """Structure and device signature; returns (trusted header, device row) or refuses."""
        try:
            claimed = sealing.read_header(envelope)
        except sealing.InvalidEnvelope as exc:
            raise ReceiverError(422, "sobre_invalido", "El sobre está mal formado") from exc
        device_id = str(claimed.get("device_id", ""))
        if expected_device is not None and device_id != expected_device:
            raise ReceiverError(403, "firma_invalida", "El sobre no es del dispositivo que lo envía")
        if expected_folio is not None and str(claimed.get("folio", "")) != expected_folio:
            raise ReceiverError(422, "sobre_invalido", "El folio del sobre no es el del envío")
        dev = self.device(device_id)
        if dev is None:
            raise ReceiverError(403, "dispositivo_desconocido", "Dispositivo desconocido")
        header = None
        for key in self.envelope_keys(device_id):
            try:
                header = sealing.verify_envelope(envelope, key)
                break
            except sealing.InvalidEnvelope:
                continue
        if header is None:
            with self.engine.begin() as c:
                st.incident(c, "firma_invalida", device_id, str(claimed.get("folio", "")), "sobre con firma no válida")
            raise ReceiverError(403, "firma_invalida", "La firma del sobre no es válida")
        if not str(header.get("folio", "")):
            raise ReceiverError(422, "sobre_invalido", "El sobre no lleva folio")
        self._check_folio_bound(header, dev)
        self._check_openable(header, dev)
        return header, dev

    def _check_folio_bound(self, header: dict, dev) -> None:
        """The folio names the process, auxiliar, device and record number of the signed header,
        and the device is the one that signed it: nobody stores anything under another's folio."""
        folio = str(header.get("folio", ""))
        record_id = header.get("record_id")
        bound = isinstance(record_id, int) and not isinstance(record_id, bool) and record_id >= 0 and folio == str(
            Folio(str(header.get("process_id", "")), str(header.get("auxiliar_id", "")), dev.device_id, record_id))
        if not bound:
            with self.engine.begin() as c:
                st.incident(c, "folio_ajeno", dev.device_id, folio,
                            f"folio no corresponde al encabezado firmado (auxiliar {header.get('auxiliar_id')!s:.40}, registro {record_id!s:.20})")
            log.warning("envelope refused: folio %s is not bound to device %s", folio, dev.device_id)
            raise ReceiverError(403, "folio_ajeno", FOLIO_AJENO)

    def _check_openable(self, header: dict, dev) -> None:
        """Acceptance means openable: the envelope is sealed to a sealing key this receiver holds
        (the current one or a retained one); otherwise the kiosk must keep its copy."""
        kid = str(header.get("sealing_key", ""))
        if kid not in self.keys.sealing_key_ids():
            with self.engine.begin() as c:
                st.incident(c, "llave_sellado_desconocida", dev.device_id, str(header.get("folio", "")), f"llave {kid[:40]}")
            log.error("envelope %s sealed to unknown key %s: refused, the kiosk keeps it", header.get("folio"), kid[:40])
            raise ReceiverError(422, "llave_sellado_desconocida", LLAVE_DESCONOCIDA)

    def _store(self, items: list[tuple[bytes, str, dict]], dev) -> list[dict]:
        return self._retrying(lambda c: self._store_all(c, items, dev))

    def _store_all(self, c: sa.Connection, items: list[tuple[bytes, str, dict]], dev) -> list[dict]:
        memo: dict = {}
        return [self._store_one(c, envelope, integrity, header, dev, memo) for envelope, integrity, header in items]

    def _retrying(self, work):
        """Run `work(conn)` in a transaction; a concurrent insert of the same folio by another
        instance is retried once, and then finds the stored envelope (same acuse)."""
        for attempt in range(2):
            try:
                with self.engine.begin() as c:
                    return work(c)
            except sa.exc.IntegrityError:
                if attempt:
                    raise
        return None

    def _store_one(self, c: sa.Connection, envelope: bytes, integrity: str, header: dict, dev, memo: dict) -> dict:
        folio, device_id = str(header["folio"]), dev.device_id
        now = self.now()
        existing = c.execute(sa.select(st.envelopes.c.integrity, st.envelopes.c.acuse).where(st.envelopes.c.folio == folio)).first()
        if existing is not None:
            if existing.integrity == integrity:
                return json.loads(existing.acuse)
            st.incident(c, "folio_duplicado", device_id, folio, f"integridad nueva {integrity}")
            return self._acuse(folio, integrity, device_id, now, "rechazado", "folio_duplicado")
        reason = self._rule_violation(c, header, dev, now, memo)
        verdict = "rechazado" if reason else "aceptado"
        acuse = self._acuse(folio, integrity, device_id, now, verdict, reason)
        c.execute(
            st.envelopes.insert().values(
                folio=folio, integrity=integrity, device_id=device_id,
                process_id=str(header.get("process_id", "")), auxiliar_id=str(header.get("auxiliar_id", "")),
                kind=str(header.get("kind", "")), received_at=acuse_body(acuse)["received_at"], envelope=envelope,
                verdict=verdict, reason=reason, acuse=json.dumps(acuse),
                status="en_procesamiento" if verdict == "aceptado" else "rechazado",
            )
        )
        log.info("envelope received folio=%s verdict=%s reason=%s", folio, verdict, reason)
        return acuse

    def _rule_violation(self, c: sa.Connection, header: dict, dev, now: float, memo: dict) -> str:
        if dev.status != "activo":
            return "dispositivo_baja"
        process_id = str(header.get("process_id", ""))
        if process_id != dev.process_id:
            return "proceso_distinto"
        if ("process", process_id) not in memo:
            proc = c.execute(sa.select(st.processes.c.body).where(st.processes.c.process_id == process_id)).first()
            memo[("process", process_id)] = process_from_dict(json.loads(proc[0]))
        process = memo[("process", process_id)]
        sent_at = memo.get("judged_at") or now  # a USB export: the time it left the kiosk (signed)
        if datetime.fromtimestamp(sent_at, tz=timezone.utc) > process.period_end + SEND_GRACE:
            return "fuera_de_plazo"
        try:
            captured = datetime.fromisoformat(str(header.get("captured_at")))
            in_period = process.period_start <= captured <= process.period_end
        except (ValueError, TypeError):
            return "fuera_de_periodo"
        if not in_period:
            return "fuera_de_periodo"
        aux_id = str(header.get("auxiliar_id", ""))
        if ("aux", process_id, aux_id) not in memo:
            row = c.execute(
                sa.select(st.auxiliares.c.body).where((st.auxiliares.c.process_id == process_id) & (st.auxiliares.c.auxiliar_id == aux_id))
            ).first()
            memo[("aux", process_id, aux_id)] = auxiliar_from_dict(json.loads(row[0])) if row else None
        aux = memo[("aux", process_id, aux_id)]
        if aux is None:
            return "auxiliar_desconocido"
        if aux.baja_at is not None and captured >= aux.baja_at:
            return "auxiliar_baja"
        if memo.get(("bound", process_id, aux_id)) == dev.device_id:
            return ""
        reason = self._bind(c, process_id, aux_id, dev.device_id, now)
        if not reason:
            memo[("bound", process_id, aux_id)] = dev.device_id
        return reason

    def _bind(self, c: sa.Connection, process_id: str, aux_id: str, device_id: str, now: float) -> str:
        """At most two active devices per auxiliar: a third is refused until one is dado de baja."""
        active = {
            r.device_id: r.status
            for r in c.execute(
                sa.select(st.bindings.c.device_id, st.bindings.c.status).where(
                    (st.bindings.c.process_id == process_id) & (st.bindings.c.auxiliar_id == aux_id)
                )
            )
        }
        if active.get(device_id) == "activo":
            return ""
        if sum(1 for s in active.values() if s == "activo") >= MAX_ACTIVE_DEVICES:
            return "limite_dispositivos"
        if device_id in active:
            c.execute(
                st.bindings.update()
                .where((st.bindings.c.process_id == process_id) & (st.bindings.c.auxiliar_id == aux_id) & (st.bindings.c.device_id == device_id))
                .values(status="activo", since=now)
            )
        else:
            c.execute(st.bindings.insert().values(process_id=process_id, auxiliar_id=aux_id, device_id=device_id, status="activo", since=now))
        return ""

    def _acuse(self, folio: str, integrity: str, device_id: str, now: float, verdict: str, reason: str) -> dict:
        body = {
            "folio": folio,
            "integrity": integrity,
            "device_id": device_id,
            "received_at": hora_centro(now),
            "verdict": verdict,
            "reason": reason,
            "reason_text": REASONS.get(reason, ""),
        }
        return sealing.sign_document(body, "acuse", self.keys.authority, issued_at=now)

    def acuse_for(self, folio: str, device_id: str) -> dict | None:
        with self.engine.connect() as c:
            row = c.execute(
                sa.select(st.envelopes.c.acuse).where((st.envelopes.c.folio == folio) & (st.envelopes.c.device_id == device_id))
            ).first()
        return json.loads(row[0]) if row else None

    def list_acuses(self, process_id: str | None = None) -> list[dict]:
        q = sa.select(st.envelopes.c.folio, st.envelopes.c.integrity, st.envelopes.c.received_at, st.envelopes.c.verdict,
                      st.envelopes.c.reason, st.envelopes.c.status, st.envelopes.c.device_id).order_by(st.envelopes.c.received_at)
        if process_id:
            q = q.where(st.envelopes.c.process_id == process_id)
        with self.engine.connect() as c:
            return [dict(r._mapping) for r in c.execute(q)]

    def counts(self) -> dict:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(st.envelopes.c.status, sa.func.count()).group_by(st.envelopes.c.status)).all()
            total = c.execute(sa.select(sa.func.count()).select_from(st.envelopes)).scalar()
        return {"received": int(total or 0), "by_status": {s: int(n) for s, n in rows}}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
