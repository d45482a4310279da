"""The kiosk's side of the wire: a `requests` client for enrollment, signed configuration,
signed time, tus uploads that resume at the byte after a cut, and acuse retrieval.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin

import requests
from nacl.signing import SigningKey, VerifyKey

from kiosk import sealing
from sync.receiver.service import upload_claim

log = logging.getLogger(__name__)

TUS = {"Tus-Resumable": "1.0.0"}
UPLOADS = "/v1/uploads"


class LinkError(Exception):
    """The receiver could not be reached or answered with a transport-level failure; try later."""


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
        on_time: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.device_key = device_key
        self.authority_key = authority_key
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.on_time = on_time
        self.session = requests.Session()

    # --- plumbing ---------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith("http") else urljoin(self.base_url + "/", path.lstrip("/"))

    def _request(self, method: str, path: str, *, signed: bool = False, body: bytes = b"", headers: dict | None = None, json_body: dict | None = None) -> requests.Response:
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        url = self._url(path)
        if signed:
            assert self.device_key is not None
            hdrs.update(sealing.sign_request(method, requests.utils.urlparse(url).path, body, self.device_id, self.device_key))
        try:
            resp = self.session.request(method, url, data=body or None, headers=hdrs, timeout=self.timeout)
        except requests.RequestException as exc:
            raise LinkError(str(exc)) from exc
        self._note_time(resp)
        if resp.status_code >= 500:
            raise LinkError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            try:
                detail = resp.json()
                code, message = str(detail.get("code", resp.status_code)), str(detail.get("message", ""))
            except ValueError:
                raise LinkError(f"HTTP {resp.status_code} sin detalle") from None
            raise Refused(resp.status_code, code, message)
        return resp

    def _note_time(self, resp: requests.Response) -> None:
        raw = resp.headers.get("Apoyo-Time")
        if not raw or self.authority_key is None or self.on_time is None:
            return
        try:
            doc = json.loads(base64.b64decode(raw))
            body = sealing.verify_document(doc, self.authority_key, "time")
            self.on_time(float(body["time"]))
        except (ValueError, sealing.InvalidSignature):
            log.warning("ignoring an Apoyo-Time header that does not verify")

    # --- enrollment and configuration ---------------------------------------------------------
    def enroll(self, token: str, public_key: bytes, municipio: str = "") -> dict:
        resp = self._request("POST", "/v1/enroll", json_body={"token": token, "public_key": public_key.hex(), "municipio": municipio})
        return resp.json()

    def config(self, etag: str = "") -> tuple[dict | None, str]:
        """(signed config document, etag), or (None, etag) when unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._request("GET", "/v1/config", signed=True, headers=headers)
        new_etag = resp.headers.get("ETag", "")
        if resp.status_code == 304:
            return None, etag
        return resp.json()["doc"], new_etag

    def acuse(self, folio: str) -> dict | None:
        try:
            return self._request("GET", f"/v1/acuses/{folio}", signed=True).json()["acuse"]
        except Refused as exc:
            if exc.status == 404:
                return None
            raise

    # --- tus --------------------------------------------------------------------------------
    def create_upload(self, folio: str, integrity: str, length: int) -> tuple[str, dict | None]:
        assert self.device_key is not None
        claim = self.device_key.sign(upload_claim(folio, integrity, length)).signature
        meta = {"folio": folio, "device": self.device_id, "integrity": integrity, "signature": base64.b64encode(claim).decode()}
        header = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
        resp = self._request("POST", UPLOADS, headers=dict(TUS, **{"Upload-Length": str(length), "Upload-Metadata": header}))
        location = resp.headers.get("Location", "")
        if not location:
            raise LinkError("respuesta sin Location")
        return self._url(location), _acuse_header(resp)

    def offset(self, upload_url: str) -> int:
        resp = self._request("HEAD", upload_url, headers=TUS)
        return int(resp.headers["Upload-Offset"])

    def upload(self, envelope: bytes, folio: str, integrity: str, upload_url: str | None = None,
               on_progress: Callable[[int, int], None] | None = None,
               on_created: Callable[[str], None] | None = None) -> UploadResult:
        """Send `envelope`, resuming `upload_url` at the server's offset when given."""
        sent = 0
        acuse_doc = None
        if upload_url:
            try:
                offset = self.offset(upload_url)
            except Refused as exc:
                if exc.status not in (404, 410):
                    raise
                upload_url = None
        if not upload_url:
            upload_url, acuse_doc = self.create_upload(folio, integrity, len(envelope))
            if on_created:
                on_created(upload_url)
            offset = len(envelope) if acuse_doc else 0
        while offset < len(envelope) and acuse_doc is None:
            piece = envelope[offset : offset + self.chunk_size]
            try:
                resp = self._request(
                    "PATCH", upload_url, body=piece,
                    headers=dict(TUS, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}),
                )
            except Refused as exc:
                if exc.status == 409:  # our offset was stale (a cut); ask the server where it is
                    offset = self.offset(upload_url)
                    continue
                raise
            sent += len(piece)
            offset = int(resp.headers["Upload-Offset"])
            acuse_doc = _acuse_header(resp)
            if on_progress:
                on_progress(offset, len(envelope))
        if acuse_doc is None:
            resp = self._request("GET", upload_url)
            acuse_doc = resp.json()["acuse"]
        return UploadResult(acuse_doc, sent, upload_url)


def _acuse_header(resp: requests.Response) -> dict | None:
    raw = resp.headers.get("Apoyo-Acuse")
    return json.loads(base64.b64decode(raw)) if raw else None
