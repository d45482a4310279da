"""Every tus request carries the device's signature (issue #15, attack 9): the upload URL alone
is not enough to read its offset, append to it, take its acuse or delete it; another device's
signature is not enough either; a signed request replayed is refused. (tuspy with the signing
hook: tests/sync/test_tus_stock.py.)"""

from __future__ import annotations

import requests

from sync.daemon import client_for

from tests.security import forge
from tests.sync.helpers import small_apoyo


def test_the_upload_url_alone_opens_nothing(served, kiosk, squatter) -> None:
    env = kiosk.vault.get(kiosk.save_apoyo(small_apoyo(1), "A0001").folio)
    client = client_for(kiosk)
    url, _, _ = client.create_upload(env.folio, env.integrity, len(env.envelope))
    half = env.envelope[: len(env.envelope) // 2]
    tus = {"Tus-Resumable": "1.0.0"}
    patch_plain = dict(tus, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})

    # No signature: refused before anything is read or changed.
    assert requests.head(url, headers=tus, timeout=5).status_code == 403
    assert requests.get(url, timeout=5).status_code == 403
    assert requests.patch(url, data=half, headers=patch_plain, timeout=5).status_code == 400  # no signed checksum
    assert requests.delete(url, headers=tus, timeout=5).status_code == 403
    # Another enrolled device's valid signature: the upload is not its own.
    for method in ("HEAD", "GET", "DELETE"):
        resp = requests.request(method, url, headers=forge.signed(squatter, method, url), timeout=5)
        assert resp.status_code == 404, method
    resp = requests.patch(url, data=half, headers=forge.signed(squatter, "PATCH", url, half, **{"Upload-Offset": "0"}), timeout=5)
    assert resp.status_code == 404
    assert client.offset(url) == 0, "nothing was appended"

    # The device itself: a signed PATCH appends; the same request replayed is refused.
    signed = forge.signed(kiosk, "PATCH", url, half, **{"Upload-Offset": "0"})
    assert requests.patch(url, data=half, headers=signed, timeout=5).status_code == 204
    replay = requests.patch(url, data=half, headers=signed, timeout=5)
    assert (replay.status_code, replay.json()["code"]) == (409, "repeticion")
    # Signed for one body, sent with another: refused after reading, nothing appended.
    other = b"\0" * len(half)
    lie = forge.signed(kiosk, "PATCH", url, env.envelope[len(half):], **{"Upload-Offset": str(len(half))})
    resp = requests.patch(url, data=other, headers=lie, timeout=5)
    assert (resp.status_code, resp.json()["code"]) == (460, "checksum")
    assert client.offset(url) == len(half)

    result = client.upload(env.envelope, env.folio, env.integrity, url)
    assert kiosk.apply_acuse(result.acuse) == "deleted"
    assert served.receiver.counts()["received"] == 1


def test_a_signature_is_bound_to_its_method_and_path(served, kiosk) -> None:
    env = kiosk.vault.get(kiosk.save_apoyo(small_apoyo(2), "A0001").folio)
    url, _, _ = client_for(kiosk).create_upload(env.folio, env.integrity, len(env.envelope))
    head_signature = forge.signed(kiosk, "HEAD", url)
    assert requests.delete(url, headers=head_signature, timeout=5).status_code == 401
    other = url[:-4] + "0000"
    assert requests.head(other, headers=forge.signed(kiosk, "HEAD", url), timeout=5).status_code == 401
    assert client_for(kiosk).offset(url) == 0
