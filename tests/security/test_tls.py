"""TLS in deployment: the receiver behind nginx terminating TLS, and the kiosk checking the
receiver's certificate against what it was given at provisioning (the OPL's CA bundle, or the
receiver's own certificate, pinned). A kiosk without it, or facing another certificate, sends
nothing and keeps its records; plain HTTP is refused except on loopback (the demo)."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from kiosk.errors import KioskError
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS
from sync.provision import provision

from tests.security.tls import TlsProxy, make_ca, make_server_cert
from tests.sync.helpers import small_apoyo

pytestmark = pytest.mark.skipif(not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"),
                                reason="nginx (Debian) is in the Makefile's APT_TEST list")


@pytest.fixture
def proxied(tmp_path, served):
    ca = make_ca(tmp_path)
    signed = make_server_cert(tmp_path, ca, name="firmado")
    pinned = make_server_cert(tmp_path, None, name="propio")
    with TlsProxy(tmp_path, served.port, [signed, pinned]) as proxy:
        yield served, proxy, ca[1], pinned[1]


def _token(served) -> str:
    return served.receiver.issue_token(DEMO_PROCESS)


def test_a_kiosk_with_the_ca_bundle_enrolls_and_syncs_through_the_tls_proxy(tmp_path, proxied) -> None:
    served, proxy, ca_pem, _pinned = proxied
    station = provision(tmp_path / "k1", f"https://localhost:{proxy.ports[0]}", _token(served), receiver_ca=str(ca_pem))
    try:
        assert stat.S_IMODE(os.stat(tmp_path / "k1" / "receiver-ca.pem").st_mode) == 0o600
        folio = station.save_apoyo(small_apoyo(1), "A0001").folio
        summary = SyncDaemon(station).run_once()
        assert summary.acknowledged == 1 and summary.link_ok, summary
        assert station.vault.get(folio).state == "deleted"
        assert station.now().confidence == "alta"
    finally:
        station.close()
    assert served.receiver.counts()["received"] == 1


def test_a_pinned_self_signed_certificate_works_and_another_one_is_refused(tmp_path, proxied) -> None:
    served, proxy, ca_pem, pinned = proxied
    station = provision(tmp_path / "k2", f"https://localhost:{proxy.ports[1]}", _token(served), receiver_ca=str(pinned))
    try:
        folio = station.save_apoyo(small_apoyo(2), "A0001").folio
        assert SyncDaemon(station).run_once().acknowledged == 1
        assert station.vault.get(folio).state == "deleted"

        # The same kiosk pointed at a server with a certificate it was not given (a man in the
        # middle with a CA-signed certificate it does not trust): nothing is sent, nothing lost.
        from sync.daemon import client_for

        kept = station.save_apoyo(small_apoyo(3), "A0001").folio
        summary = SyncDaemon(station, client_for(station, f"https://localhost:{proxy.ports[0]}")).run_once()
        assert not summary.link_ok and summary.acknowledged == 0
        assert station.vault.get(kept).state in ("sealed", "uploading")
    finally:
        station.close()
    assert served.receiver.counts()["received"] == 1


def test_without_the_certificate_the_kiosk_does_not_enroll(tmp_path, proxied) -> None:
    served, proxy, _ca, _pinned = proxied
    token = _token(served)
    with pytest.raises(KioskError) as exc:
        provision(tmp_path / "k3", f"https://localhost:{proxy.ports[0]}", token)  # the system CAs only
    assert exc.value.code == "enroll_no_link"
    station = provision(tmp_path / "k4", f"https://localhost:{proxy.ports[0]}", token, receiver_ca=str(_ca))
    station.close()  # the token was never spent by the refused attempt


def test_plain_http_is_refused_except_on_loopback(tmp_path) -> None:
    for url in ("http://receptor.opl.example:8780", "http://192.0.2.10:8780", "ftp://127.0.0.1/"):
        with pytest.raises(KioskError) as exc:
            provision(tmp_path / "k5", url, "token-muestra")
        assert exc.value.code == "receiver_insecure", url
    assert not (tmp_path / "k5" / "device.json").exists()
