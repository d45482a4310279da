"""The small hook a stock tus client needs to talk to the receiver: every tus request but the
creation carries the device's request signature (`X-Apoyo-*`), and a PATCH declares the sha256 of
its body in `Upload-Checksum` (the signature covers it). Shown here for tuspy (a test and tooling
dependency, not imported by the kiosk): `SignedTusClient(url, device_id, device_key).uploader(...)`.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlparse

import requests
from nacl.signing import SigningKey
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.request import TusRequest
from tusclient.uploader import Uploader

from kiosk import sealing


class SignedTusClient(TusClient):
    """A tuspy client whose uploaders sign their HEAD and PATCH requests with the device key."""

    def __init__(self, url: str, device_id: str, device_key: SigningKey, **kwargs) -> None:
        super().__init__(url, **kwargs)
        self.device_id = device_id
        self.device_key = device_key

    def sign(self, method: str, url: str, body: bytes = b"") -> dict[str, str]:
        """The signature headers for one request (also for a plain `requests` GET or DELETE)."""
        return sealing.sign_request(method, urlparse(url).path, body, self.device_id, self.device_key)

    def uploader(self, *args, **kwargs) -> Uploader:
        kwargs["client"] = self
        return SignedUploader(*args, **kwargs)


class _SignedPatch(TusRequest):
    def add_checksum(self, chunk: bytes) -> None:  # tuspy calls this with the chunk, just before sending
        self._request_headers["upload-checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        self._request_headers.update(self._client.sign("PATCH", self._url, chunk))

    def __init__(self, uploader: "SignedUploader") -> None:
        super().__init__(uploader)
        self._client = uploader.client


class SignedUploader(Uploader):
    def _do_request(self) -> None:
        self.request = _SignedPatch(self)
        try:
            self.request.perform()
            if not 200 <= self.request.status_code < 300:
                raise TusUploadFailed("", self.request.status_code, self.request.response_content)
        except TusUploadFailed as error:
            self._retry_or_cry(error)

    def get_offset(self) -> int:
        try:
            resp = requests.head(self.url, headers=dict(self.get_headers(), **self.client.sign("HEAD", self.url)),
                                 verify=self.verify_tls_cert, cert=self.client_cert, timeout=30)
        except requests.RequestException as exc:
            raise TusCommunicationError(exc) from exc
        offset = resp.headers.get("upload-offset")
        if offset is None:
            raise TusCommunicationError(f"Attempt to retrieve offset fails with status {resp.status_code}", resp.status_code, resp.content)
        return int(offset)
