"""A throwaway PostgreSQL server from Debian's package: initdb + pg_ctl as the `postgres` user
(we run as root), a data dir in a temp dir, a free port on 127.0.0.1. For tests and benchmarks."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from central.receiver.server import free_port


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        subprocess.run(["apt-get", "install", "-y", "postgresql"], check=True, capture_output=True)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a server; yields its URL without a database name (append `/dbname`)."""
    bindir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="apoyo-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    os.chmod(root, 0o700)
    port = free_port()
    subprocess.run(_as_postgres(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
                   check=True, capture_output=True)
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(_as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l", str(root / "log"), "start"),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str) -> str:
    import psycopg

    name = "apoyo_" + os.urandom(4).hex()
    with psycopg.connect(server_url + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


def drop_database(db_url: str) -> None:
    import psycopg

    server_url, _, name = db_url.rpartition("/")
    with psycopg.connect(server_url + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
