"""Clave fingerprints: keyed, per process, and the same as the vault's; batch duplicates."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kiosk.cedula.dedupe import BatchDeduper, clave_fingerprint, first_seen

KEY = bytes(range(32))
CLAVE = "HRGRJN82050602H900"


def test_fingerprint_is_hmac_of_process_and_clave():
    expected = hmac.new(KEY, b"P1|" + CLAVE.encode(), hashlib.sha256).hexdigest()
    assert clave_fingerprint(KEY, "P1", " hrgrjn82050602h900 ") == expected
    assert CLAVE not in expected and CLAVE.lower() not in expected


def test_fingerprint_depends_on_key_and_process():
    base = clave_fingerprint(KEY, "P1", CLAVE)
    assert clave_fingerprint(KEY, "P2", CLAVE) != base
    assert clave_fingerprint(bytes(32), "P1", CLAVE) != base
    with pytest.raises(ValueError):
        clave_fingerprint(b"short", "P1", CLAVE)


def test_first_seen():
    assert first_seen(["a", "b", "a", "c", "b", "a"]) == {2: 0, 4: 1, 5: 0}


def test_batch_deduper_batch_and_vault():
    vault = {clave_fingerprint(KEY, "P1", "VZGMMN56061509M129")}
    dedupe = BatchDeduper(KEY, "P1", seen=vault.__contains__)
    assert dedupe.check(CLAVE, 2) == (None, None)
    assert dedupe.check(CLAVE.lower(), 5) == ("batch", 2)
    assert dedupe.check("VZGMMN56061509M129", 6) == ("seen", None)
    dedupe.forget(CLAVE)
    assert dedupe.check(CLAVE, 9) == (None, None)
