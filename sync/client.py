"""The kiosk's side of the wire: a `requests` client for enrollment, signed configuration,
signed time, tus uploads that resume at the byte after a cut, and acuse retrieval.

Every request carries a fresh `Apoyo-Time-Nonce`; the receiver's signed time is believed only
when it names that nonce. Every tus request but the creation is signed by the device key (a PATCH
over the sha256 it declares in Upload-Checksum). `verify` is requests' TLS setting: a CA bundle
or pinned certificate file given at provisioning.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin

import requests
from nacl.signing import SigningKey, VerifyKey

from kiosk import sealing
from kiosk.messages import link_reason, text
from sync import lote
from sync.protocol import upload_claim

log = logging.getLogger(__name__)

TUS = {"Tus-Resumable": "1.0.0"}
UPLOADS = "/v1/uploads"
HEAD_REFUSALS = {404: "envio_desconocido", 410: "envio_expirado", 403: "prohibido", 401: "firma_invalida"}
CLOCK_SKEW = 60.0  # a signed request refused while our clock is this far off is re-signed once


class LinkError(Exception):
    """The receiver could not be reached or answered with a transport-level failure; try later.
    str() is the technician's detail (the log); `reason` says why in Spanish, for a person (the
    detail itself when it is ours: «respuesta incompleta del receptor»)."""

    def __init__(self, detail: str, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason or detail


def _why_unreachable(exc: requests.RequestException) -> str:
    """The Spanish reason of a request that reached no receiver: the socket error requests and
    urllib3 wrap (a refused connection, a name not found, a timeout), else a TLS failure."""
    if isinstance(exc, requests.Timeout):
        return text("link_timeout", "es")
    seen, todo = set(), [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, OSError) and (error.errno is not None or isinstance(error, (socket.gaierror, TimeoutError))):
            return link_reason(error, "es")
        todo += [e for e in (error.__cause__, error.__context__, getattr(error, "reason", None), *error.args)
                 if isinstance(e, BaseException)]
    if isinstance(exc, requests.exceptions.SSLError):
        return text("link_tls", "es")
    return text("link_error", "es")


class Refused(Exception):
    """The receiver refused the request with a reason code (not a link problem)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class UploadResult:
    acuse: dict
    bytes_sent: int
    upload_url: str


@dataclass
class LoteResult:
    """One item per envelope, in order: {"integrity", "acuse"} or {"integrity", "code", "message"}."""

    items: list[dict]
    bytes_sent: int
    upload_url: str


class ReceiverClient:
    def __init__(
        self,
        base_url: str,
        device_id: str = "",
        device_key: SigningKey | None = None,
        authority_key: VerifyKey | None = None,
        *,
        timeout: float = 30.0,
        chunk_size: int = 256 * 1024,
        max_resumes: int = 50,
        on_time: Callable[[float], bool | None] | None = None,
        clock: Callable[[], float] | None = None,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.device_key = device_key
        self.authority_key = authority_key
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.max_resumes = max_resumes  # per upload call: cuts after which bytes had moved
        self.on_time = on_time
        self.clock = clock or (lambda: time.time() + self._skew)
        self._skew = 0.0
        self.last_server_time: float | None = None
        self.session = requests.Session()
        self.verify = verify  # passed on every request: requests lets REQUESTS_CA_BUNDLE override a session's

    # --- plumbing ---------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith("http") else urljoin(self.base_url + "/", path.lstrip("/"))

    def _request(self, method: str, path: str, *, signed: bool = False, body: bytes = b"", headers: dict | None = None, json_body: dict | None = None) -> requests.Response:
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        if not signed:
            return self._send(method, path, body, dict(headers or {}))
        signed_at = self.clock()
        try:
            return self._send(method, path, body, dict(headers or {}), signed_at)
        except Refused as exc:
            # A wrong system clock makes our signature look stale; the refusal carried the
            # receiver's signed time, so sign once more with it.
            server = self.last_server_time
            if exc.code != "firma_invalida" or server is None or abs(server - signed_at) < CLOCK_SKEW:
                raise
            log.warning("clock was %.0f s off the receiver; request signed again", signed_at - server)
            return self._send(method, path, body, dict(headers or {}), self.clock())

    def _send(self, method: str, path: str, body: bytes, hdrs: dict, signed_at: float | None = None) -> requests.Response:
        url = self._url(path)
        if signed_at is not None:
            assert self.device_key is not None
            hdrs.update(sealing.sign_request(method, requests.utils.urlparse(url).path, body, self.device_id, self.device_key, now=signed_at))
            if body and "Upload-Checksum" not in hdrs:  # the receiver authenticates before it reads a body
                hdrs["X-Apoyo-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        time_nonce = secrets.token_urlsafe(16)
        hdrs["Apoyo-Time-Nonce"] = time_nonce
        try:
            resp = self.session.request(method, url, data=body or None, headers=hdrs, timeout=self.timeout, verify=self.verify)
        except requests.RequestException as exc:
            raise LinkError(str(exc), _why_unreachable(exc)) from exc
        self._note_time(resp, time_nonce)
        if resp.status_code >= 500:
            raise LinkError(f"HTTP {resp.status_code}", text("link_server_error", "es", status=resp.status_code))
        if resp.status_code >= 400:
            try:
                detail = dict(resp.json())
                code, message = str(detail.get("code", resp.status_code)), str(detail.get("message", ""))
            except (ValueError, TypeError):
                if method == "HEAD" and resp.status_code in HEAD_REFUSALS:  # HEAD answers carry no body
                    raise Refused(resp.status_code, HEAD_REFUSALS[resp.status_code], "") from None
                raise LinkError(f"HTTP {resp.status_code} sin detalle") from None
            raise Refused(resp.status_code, code, message)
        return resp

    def _note_time(self, resp: requests.Response, nonce: str) -> None:
        """Believe the receiver's signed time only when it was made for this request (our nonce)
        and the trusted clock does not refuse it as older than the last one accepted."""
        raw = resp.headers.get("Apoyo-Time")
        if not raw or self.authority_key is None:
            return
        try:
            doc = json.loads(base64.b64decode(raw))
            body = sealing.verify_document(doc, self.authority_key, "time")
            if body.get("nonce") != nonce:
                raise ValueError("nonce")
            server = float(body["time"])
        except (ValueError, TypeError, KeyError, sealing.InvalidSignature):
            log.warning("ignoring an Apoyo-Time header that does not verify or was not made for this request")
            return
        if self.on_time is not None and self.on_time(server) is False:
            return
        self.last_server_time = server
        self._skew = server - time.time()

    # --- enrollment and configuration ---------------------------------------------------------
    def enroll(self, token: str, public_key: bytes, municipio: str = "") -> dict:
        resp = self._request("POST", "/v1/enroll", json_body={"token": token, "public_key": public_key.hex(), "municipio": municipio})
        return _json(resp)

    def rotate_key(self, new_key: SigningKey) -> dict:
        """Ask the receiver to replace this device's key; signed with the current key, with a
        proof that we hold the new one. Raises on refusal or link error; changes nothing here."""
        new_hex = bytes(new_key.verify_key).hex()
        claim = f"apoyo-rotate-v1\n{self.device_id}\n{new_hex}".encode()
        body = json.dumps({"new_public_key": new_hex, "proof": new_key.sign(claim).signature.hex()}).encode()
        resp = self._request("POST", "/v1/device/rotate", signed=True, body=body, headers={"Content-Type": "application/json"})
        return _json(resp)

    def config(self, etag: str = "") -> tuple[dict | None, str]:
        """(signed config document, etag), or (None, etag) when unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._request("GET", "/v1/config", signed=True, headers=headers)
        new_etag = resp.headers.get("ETag", "")
        if resp.status_code == 304:
            return None, etag
        return _json(resp, "doc"), new_etag

    def acuse(self, folio: str) -> dict | None:
        try:
            return _json(self._request("GET", f"/v1/acuses/{folio}", signed=True), "acuse")
        except Refused as exc:
            if exc.status == 404:
                return None
            raise

    # --- tus --------------------------------------------------------------------------------
    def create_upload(self, folio: str, integrity: str, length: int, extra: dict[str, str] | None = None) -> tuple[str, bool, dict | None]:
        """POST a new upload; returns (url, already complete?, acuse when the receiver has it)."""
        assert self.device_key is not None
        claim = self.device_key.sign(upload_claim(folio, integrity, length)).signature
        meta = {"folio": folio, "device": self.device_id, "integrity": integrity, "signature": base64.b64encode(claim).decode()}
        meta.update(extra or {})
        header = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
        resp = self._request("POST", UPLOADS, headers=dict(TUS, **{"Upload-Length": str(length), "Upload-Metadata": header}))
        location = resp.headers.get("Location", "")
        if not location:
            raise LinkError("respuesta sin Location")
        done = resp.headers.get("Upload-Offset") == str(length)
        return self._url(location), done, _acuse_header(resp)

    def offset(self, upload_url: str) -> int:
        resp = self._request("HEAD", upload_url, signed=True, headers=TUS)
        return _offset_header(resp)

    def upload(self, envelope: bytes, folio: str, integrity: str, upload_url: str | None = None,
               on_progress: Callable[[int, int], None] | None = None,
               on_created: Callable[[str], None] | None = None) -> UploadResult:
        """Send `envelope`, resuming `upload_url` at the server's offset when given."""
        result, sent, url = self._transfer(envelope, folio, integrity, upload_url, {}, on_progress, on_created)
        return UploadResult(result["acuse"], sent, url)

    def upload_lote(self, envelopes: list[bytes], upload_url: str | None = None,
                    on_created: Callable[[str], None] | None = None,
                    on_progress: Callable[[int, int], None] | None = None) -> LoteResult:
        """Send several envelopes as one upload; one result per envelope, in order."""
        data = lote.pack(envelopes)
        integrity = sealing.integrity_code(data)
        result, sent, url = self._transfer(data, lote.folio_for(integrity), integrity, upload_url,
                                           {"lote": str(len(envelopes))}, on_progress, on_created)
        items = result.get("lote")
        if not isinstance(items, list) or len(items) != len(envelopes):
            raise LinkError("respuesta de lote incompleta")
        return LoteResult(items, sent, url)

    def _transfer(self, data: bytes, folio: str, integrity: str, upload_url: str | None, extra: dict[str, str],
                  on_progress: Callable[[int, int], None] | None, on_created: Callable[[str], None] | None) -> tuple[dict, int, str]:
        """The tus loop: create (or HEAD a known upload), PATCH from the server's offset until
        complete, then the result ({"acuse": ...} or {"lote": [...]}), from a header or a GET."""
        sent = 0
        resumes = 0
        acuse_doc = None
        if upload_url:
            try:
                offset = self.offset(upload_url)
            except Refused as exc:
                if exc.status not in (404, 410):  # unknown or expired (Upload-Expires passed): start over
                    raise
                upload_url = None
        if not upload_url:
            upload_url, done, acuse_doc = self.create_upload(folio, integrity, len(data), extra)
            if on_created:
                on_created(upload_url)
            offset = len(data) if done else 0
        while offset < len(data) and acuse_doc is None:
            piece = data[offset : offset + self.chunk_size]
            try:
                resp = self._request(
                    "PATCH", upload_url, signed=True, body=piece,
                    headers=dict(TUS, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                                         "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(piece).digest()).decode()}),
                )
            except Refused as exc:
                if exc.status == 409:  # our offset was stale (a cut); ask the server where it is
                    offset = self.offset(upload_url)
                    continue
                raise
            except LinkError:
                # A cut mid-PATCH: the receiver keeps the bytes that arrived. If some did, go on
                # from its offset on a new connection; if none did, the link is down for now.
                if resumes >= self.max_resumes:
                    raise
                moved = self.offset(upload_url)
                if moved <= offset:
                    raise
                log.info("upload %s cut at byte %d of %d; resuming", folio, moved, len(data))
                resumes += 1
                offset = moved
                if on_progress:
                    on_progress(offset, len(data))
                continue
            sent += len(piece)
            offset = _offset_header(resp)
            acuse_doc = _acuse_header(resp)
            if on_progress:
                on_progress(offset, len(data))
        if acuse_doc is not None:
            return {"acuse": acuse_doc}, sent, upload_url
        return _json(self._request("GET", upload_url, signed=True)), sent, upload_url


def _json(resp: requests.Response, key: str | None = None):
    """The JSON body (or one key of it); a cut or garbled answer is a link problem."""
    try:
        doc = resp.json()
        return doc if key is None else doc[key]
    except (ValueError, KeyError, TypeError) as exc:
        raise LinkError("respuesta incompleta del receptor") from exc


def _acuse_header(resp: requests.Response) -> dict | None:
    raw = resp.headers.get("Apoyo-Acuse")
    try:
        return json.loads(base64.b64decode(raw)) if raw else None
    except ValueError as exc:  # a response cut inside its headers
        raise LinkError("encabezado Apoyo-Acuse incompleto") from exc


def _offset_header(resp: requests.Response) -> int:
    try:
        return int(resp.headers["Upload-Offset"])
    except (KeyError, ValueError) as exc:
        raise LinkError("respuesta sin Upload-Offset válido") from exc
