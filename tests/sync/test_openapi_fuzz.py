"""schemathesis against the receiver's OpenAPI (`/openapi.json`) on a real uvicorn server: no
5xx and no crash. A requests auth hook signs every request with the device key as the kiosk does
(a PATCH declares its body's sha256 in Upload-Checksum, another body in X-Apoyo-Content-SHA256), so
the fuzzing gets past authentication into the handlers."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlparse

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from schemathesis.checks import not_a_server_error

from kiosk import sealing

from tests.foundation.records import apoyo


@schemathesis.serializer("application/offset+octet-stream")
def _offset_octets(_ctx, value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture
def receiver_schema(provisioned):
    _station, server, _receiver = provisioned
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("receiver_schema")


class DeviceSignature(requests.auth.AuthBase):
    """The signature hook: sign the request exactly as it goes out (method, path, body)."""

    def __init__(self, station) -> None:
        self.station = station

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body if isinstance(r.body, bytes) else (r.body or "").encode()
        r.headers.update(sealing.sign_request(r.method, urlparse(r.url).path, body, self.station.device_id, self.station.device_key))
        if r.method == "PATCH":
            r.headers["Upload-Checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()
        elif body:
            r.headers["X-Apoyo-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        return r


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_anywhere(case, provisioned) -> None:
    station, server, _receiver = provisioned
    response = case.call(base_url=server.url, headers={"Tus-Resumable": "1.0.0"}, auth=DeviceSignature(station))
    case.validate_response(response, checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_without_a_signature_either(case, provisioned) -> None:
    _station, server, _receiver = provisioned
    response = case.call(base_url=server.url, headers={"Tus-Resumable": "1.0.0"})
    case.validate_response(response, checks=[not_a_server_error])


@pytest.fixture
def real_upload(provisioned):
    from sync.daemon import client_for

    station, server, _receiver = provisioned
    env = station.vault.get(station.save_apoyo(apoyo(), "A0001").folio)
    url, _, _ = client_for(station).create_upload(env.folio, env.integrity, len(env.envelope))
    return server, url, station


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    offset=hs.integers(min_value=-5, max_value=200_000),
    body=hs.binary(max_size=4096),
    checksum=hs.one_of(hs.none(), hs.from_regex(r"[a-z0-9]{1,8}( [A-Za-z0-9+/=]{1,30})?", fullmatch=True),
                       hs.binary(min_size=1, max_size=32).map(lambda b: "sha256 " + base64.b64encode(b).decode())),
    content_type=hs.sampled_from(["application/offset+octet-stream", "text/plain", ""]),
)
def test_garbage_patches_on_a_real_upload_never_crash_it(real_upload, offset, body, checksum, content_type) -> None:
    server, url, station = real_upload
    headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset), "Content-Type": content_type}
    headers.update(sealing.sign_request("PATCH", urlparse(url).path, body, station.device_id, station.device_key))
    headers["Upload-Checksum"] = checksum if checksum is not None else "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()
    resp = requests.patch(url, data=body, headers=headers, timeout=10)
    assert resp.status_code < 500, (resp.status_code, resp.text)
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
