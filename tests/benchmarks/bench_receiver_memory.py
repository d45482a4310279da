"""Resident memory of a real `kiosk-receiver serve` while 1 GB bodies are streamed at it (issue
#15: a 1 GB PATCH to an unknown upload used to take it from 65 MB to 2.1 GB). Prints one JSON line
per case: the answer, the body bytes the server's socket took, RSS before and at its peak, seconds.

    .venv/bin/python tests/benchmarks/bench_receiver_memory.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.security.conftest import prepare_receiver, start_serve, stop_serve  # noqa: E402
from tests.security.rss import GIB, PeakRSS, stream_body  # noqa: E402

MB = 1024 * 1024
PATCH = ("PATCH /v1/uploads/doesnotexist HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
         "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n")
EMPTY = "sha256 " + base64.b64encode(hashlib.sha256(b"").digest()).decode()
CASES = {
    "PATCH unknown upload, Content-Length 1 GB": (PATCH + f"Content-Length: {GIB}\r\n", False),
    "PATCH unknown upload, chunked 1 GB": (PATCH + f"Upload-Checksum: {EMPTY}\r\n", True),
    "POST /v1/enroll, chunked 1 GB": ("POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n", True),
}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-mem-")) / "receptor"
    prepare_receiver(root)
    proc = start_serve(root)
    try:
        for name, (head, chunked) in CASES.items():
            started = time.monotonic()
            with PeakRSS(proc.pid) as rss:
                got = stream_body(proc.port, head, GIB, chunked=chunked)
            print(json.dumps({"case": name, "status": got.status, "body_bytes_taken": got.sent,
                              "rss_before_mb": rss.baseline // MB, "rss_peak_mb": rss.peak // MB,
                              "seconds": round(time.monotonic() - started, 2)}, ensure_ascii=False), flush=True)
    finally:
        stop_serve(proc)


if __name__ == "__main__":
    main()
