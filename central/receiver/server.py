"""Run the receiver: build the service from a data dir and DB URL, serve it with uvicorn
(foreground for `kiosk-receiver serve`, or in a thread for the demo and the tests)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import uvicorn

from central.receiver import migrations
from central.receiver.app import create_app
from central.receiver.keys import ReceiverKeys
from central.receiver.service import Receiver
from central.receiver.store import make_engine


def open_receiver(data_dir: Path, db_url: str | None = None, clock=time.time) -> Receiver:
    """The receiver over its data dir: 0700, and every file in it 0600 (the SQLite database and
    its WAL too: SQLite gives those the database's mode)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    url = db_url
    if url is None:
        db = data_dir / "receiver.db"
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))
        for path in (db, data_dir / "receiver.db-wal", data_dir / "receiver.db-shm"):
            if path.exists():
                os.chmod(path, 0o600)
        url = f"sqlite:///{db}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Receiver(engine, ReceiverKeys.load_or_create(data_dir), clock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadedServer:
    """A uvicorn server on loopback in a background thread; `stop()` shuts it down."""

    def __init__(self, receiver: Receiver, port: int = 0, host: str = "127.0.0.1") -> None:
        self.port = port or free_port()
        self.host = host
        config = uvicorn.Config(create_app(receiver), host=host, port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ThreadedServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"receiver did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(receiver: Receiver, host: str, port: int) -> None:
    uvicorn.run(create_app(receiver), host=host, port=port, log_level="info")
