"""TLS for the security suite: a test CA and certificates made with the `openssl` command, and
nginx (Debian's) as the TLS reverse proxy in front of a served receiver, as in deployment."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from central.receiver.server import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(root: Path, name: str = "CA MUESTRA") -> tuple[Path, Path]:
    key, cert = root / f"{name.replace(' ', '_')}.key", root / f"{name.replace(' ', '_')}.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
             "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert))
    return key, cert


def make_server_cert(root: Path, ca: tuple[Path, Path] | None, host: str = "localhost", name: str = "receptor") -> tuple[Path, Path]:
    """A certificate for `host` (and 127.0.0.1) signed by `ca`, or self-signed when `ca` is None."""
    key, csr, cert, ext = (root / f"{name}.{s}" for s in ("key", "csr", "pem", "ext"))
    ext.write_text(f"subjectAltName=DNS:{host},IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    if ca is None:
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                 "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host},IP:127.0.0.1",
                 "-keyout", str(key), "-out", str(cert))
        return key, cert
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", f"/CN={host}", "-keyout", str(key), "-out", str(csr))
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[1]), "-CAkey", str(ca[0]), "-CAcreateserial",
             "-days", "30", "-extfile", str(ext), "-out", str(cert))
    return key, cert


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{servers}
}}
"""

SERVER = """
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 21m;
        proxy_request_buffering off;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
"""


class TlsProxy:
    """nginx terminating TLS on loopback ports, one per (key, cert), proxying to `upstream`."""

    def __init__(self, root: Path, upstream: int, certs: list[tuple[Path, Path]]) -> None:
        self.prefix = root / "nginx"
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.ports = [free_port() for _ in certs]
        servers = "".join(SERVER.format(port=p, cert=c, key=k, upstream=upstream) for p, (k, c) in zip(self.ports, certs))
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(NGINX_CONF.format(user=user, prefix=self.prefix, servers=servers))
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "TlsProxy":
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.prefix), "-e", str(self.prefix / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        for port in self.ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("nginx did not start: " + (self.prefix / "error.log").read_text()[-2000:])
                    time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
