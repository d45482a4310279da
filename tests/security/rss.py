"""Stream a huge body at a server over a raw socket while sampling the server's resident memory."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

GIB = 1024 ** 3
PIECE = b"\0" * (1024 * 1024)


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRSS:
    """Samples a process's RSS every 10 ms in a thread; `peak` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.baseline = rss_bytes(pid)
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


@dataclass
class Streamed:
    sent: int      # body bytes the server's socket took before it answered or closed
    status: int    # HTTP status of the answer (0: none)
    answer: bytes


def stream_body(port: int, head: str, total: int = GIB, *, chunked: bool = False, timeout: float = 3.0) -> Streamed:
    """Send `head` (request line and headers, without the blank line) and then up to `total` body
    bytes as fast as the socket takes them; stop when the server answers, closes, or stops reading."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    try:
        sock.sendall((head + ("Transfer-Encoding: chunked\r\n" if chunked else "") + "\r\n").encode("latin-1"))
        sock.setblocking(False)
        answer = b""
        while sent < total:
            try:
                answer += sock.recv(65536)
                if answer:
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            piece = PIECE[: min(len(PIECE), total - sent)]
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            deadline = time.monotonic() + timeout
            view = memoryview(frame)
            try:
                while view:
                    try:
                        n = sock.send(view)
                        view = view[n:]
                    except BlockingIOError:
                        if time.monotonic() > deadline:  # the server stopped reading
                            raise TimeoutError from None
                        time.sleep(0.001)
            except (OSError, TimeoutError):
                break
            sent += len(piece)
        sock.setblocking(True)
        sock.settimeout(timeout)
        try:
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except OSError:
            pass
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return Streamed(sent, status, answer)
