"""A bad link on loopback: an asyncio TCP proxy that cuts connections at random byte counts,
resets them, stalls, replays request bytes on a new connection, truncates bodies and throttles.

For the tests and benchmarks; run it in a thread with `LinkSimulator(...).start()`.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

FAULTS = ("cut", "reset", "stall", "duplicate", "truncate")


@dataclass
class Faults:
    """Per new connection, the probability of each fault; at most one fault per connection."""

    cut: float = 0.0
    reset: float = 0.0
    stall: float = 0.0
    duplicate: float = 0.0
    truncate: float = 0.0
    stall_s: float = 1.0
    max_fault_byte: int = 150_000  # faults strike at a random byte count below this
    rate: int = 0                  # bytes per second per direction for the whole link (0: unlimited)
    cut_every: float = 0.0         # also drop every open connection every N seconds (0: never)
    latency: float = 0.0           # one-way delay added to every byte, in seconds (a satellite hop)
    seed: int = 0


@dataclass
class _Plan:
    """The next fault on one connection: what, in which direction, at which byte of that direction."""

    kind: str
    direction: str
    at: int


@dataclass
class LinkStats:
    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    faults: dict = field(default_factory=lambda: {name: 0 for name in FAULTS + ("periodic",)})


class _Bucket:
    """A shared token bucket: the link's capacity in one direction."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.free_at = time.monotonic()

    async def take(self, n: int) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + n / self.rate
        await asyncio.sleep(max(0.0, self.free_at - now))


class LinkSimulator:
    def __init__(self, target_port: int, faults: Faults | None = None, *, target_host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.faults = faults or Faults()
        self.port = port
        self.stats = LinkStats()
        self._rng = random.Random(self.faults.seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Future] = set()
        self._queues: dict[asyncio.StreamWriter, tuple[asyncio.Queue, asyncio.Future]] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._up = _Bucket(self.faults.rate)
        self._down = _Bucket(self.faults.rate)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LinkSimulator":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("link simulator did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> "LinkSimulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        if self.faults.cut_every > 0:
            self._loop.create_task(self._periodic_cuts())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    async def _periodic_cuts(self) -> None:
        while True:
            await asyncio.sleep(self.faults.cut_every)
            if self._writers:
                self.stats.faults["periodic"] += 1
            for w in list(self._writers):
                w.transport.abort()

    def _pick(self, direction: str, after: int = 0) -> _Plan:
        """Roll the next fault of one direction; a stretch that survives is rolled again further on.
        Responses (down) can be cut, reset or stalled; requests (up) can also be replayed or truncated."""
        f = self.faults
        kinds = FAULTS if direction == "up" else ("cut", "reset", "stall")
        roll = self._rng.random()
        kind = ""
        for name in kinds:
            p = getattr(f, name)
            if roll < p:
                kind = name
                break
            roll -= p
        return _Plan(kind, direction, after + self._rng.randrange(1, max(2, f.max_fault_byte)))

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            sreader, swriter = await asyncio.open_connection(*self.target)
        except OSError:
            cwriter.transport.abort()
            return
        state = {"plan_up": self._pick("up"), "plan_down": self._pick("down"), "fault": "", "up": 0, "down": 0}
        self._writers.update((cwriter, swriter))
        captured = bytearray()
        up = asyncio.ensure_future(self._pipe(creader, swriter, self._up, "up", state, captured))
        down = asyncio.ensure_future(self._pipe(sreader, cwriter, self._down, "down", state, None))
        self._tasks.update((up, down))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            if state["fault"] == "truncate" and not down.done():
                await asyncio.wait({down}, timeout=2.0)  # the receiver may still answer the short body
        except asyncio.CancelledError:
            state["fault"] = ""
        if not state["fault"] and self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency + 0.05)  # let the delayed bytes arrive first
        for w in (cwriter, swriter):
            _close(w, state["fault"] == "reset")
            self._writers.discard(w)
            delayed = self._queues.pop(w, None)
            if delayed:
                delayed[1].cancel()
        for task in (up, down):
            task.cancel()
            self._tasks.discard(task)
        if state["fault"] == "duplicate" and captured:
            await self._replay(bytes(captured))

    async def _pipe(self, reader, writer, bucket: _Bucket, name: str, state: dict, captured: bytearray | None) -> None:
        try:
            while True:
                data = await reader.read(16 * 1024 if not bucket.rate else max(256, bucket.rate // 20))
                if not data:
                    return
                plan: _Plan = state["plan_" + name]
                moved = state[name]
                if moved + len(data) >= plan.at:
                    keep = plan.at - moved
                    head, data = data[:keep], data[keep:]
                    await self._forward(writer, bucket, name, head)
                    state[name] += len(head)
                    if plan.kind:
                        self.stats.faults[plan.kind] += 1
                    if plan.kind in ("cut", "reset", "truncate"):
                        state["fault"] = plan.kind
                        if plan.kind == "truncate" and writer.can_write_eof():
                            writer.write_eof()
                        return
                    if plan.kind == "stall":
                        await asyncio.sleep(self.faults.stall_s)
                    if plan.kind == "duplicate":
                        state["fault"] = "duplicate"
                    state["plan_" + name] = self._pick(name, state[name])
                if captured is not None and state["fault"] != "duplicate" and len(captured) < 1_000_000:
                    captured.extend(data)
                await self._forward(writer, bucket, name, data)
                state[name] += len(data)
        except (ConnectionError, OSError):
            return

    async def _forward(self, writer: asyncio.StreamWriter, bucket: _Bucket, name: str, data: bytes) -> None:
        if not data:
            return
        await bucket.take(len(data))
        if self.faults.latency > 0:
            self._delayed(writer, name, data)
            return
        writer.write(data)
        await writer.drain()
        if name == "up":
            self.stats.bytes_up += len(data)
        else:
            self.stats.bytes_down += len(data)

    def _delayed(self, writer: asyncio.StreamWriter, name: str, data: bytes) -> None:
        """Deliver `data` one latency later, in order, without holding up the reader."""
        if writer not in self._queues:
            queue: asyncio.Queue = asyncio.Queue()
            self._queues[writer] = (queue, asyncio.ensure_future(self._drain_later(writer, name, queue)))
        self._queues[writer][0].put_nowait((time.monotonic() + self.faults.latency, data))

    async def _drain_later(self, writer: asyncio.StreamWriter, name: str, queue: asyncio.Queue) -> None:
        try:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
                if name == "up":
                    self.stats.bytes_up += len(data)
                else:
                    self.stats.bytes_down += len(data)
        except (ConnectionError, OSError, RuntimeError):
            return

    async def _replay(self, data: bytes) -> None:
        """The same request bytes again, on a new connection (a duplicated request); the answer
        is read and dropped."""
        try:
            reader, writer = await asyncio.open_connection(*self.target)
            writer.write(data)
            await writer.drain()
            await asyncio.wait_for(reader.read(65536), timeout=2.0)
            writer.transport.abort()
        except (OSError, asyncio.TimeoutError):
            return


def _close(writer: asyncio.StreamWriter, reset: bool) -> None:
    if reset:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
    writer.transport.abort() if reset else writer.close()
