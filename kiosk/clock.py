"""Trusted time on a board without a real-time clock.

The last time signed by the receiver plus monotonic time since then gives "alta" confidence;
after a reboot the system clock is used if it is not behind the last trusted time ("media"),
otherwise the last trusted time is the best lower bound ("baja"). A signed time older than the
last one accepted (beyond a small tolerance) is refused and logged: time never goes back on a replay.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kiosk.domain import HORA_CENTRO

log = logging.getLogger(__name__)

ROLLBACK_TOLERANCE = 120.0  # seconds a new signed time may fall behind the last accepted one

# The system clock of a Pi that booted offline often reads 1970 or the image's build date.
_PLAUSIBLE_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()


TIME_FORMAT = "%d/%m/%Y %H:%M"


def clock(value: datetime | str | float | None) -> str:
    """A moment as the kiosk shows it (its screens, `kiosk status`, `kiosk doctor`), in hora del
    Centro without the zone (for a column whose header carries it); "" for nothing. Accepts a
    datetime, an ISO string or epoch seconds."""
    if value in (None, ""):
        return ""
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(HORA_CENTRO).strftime(TIME_FORMAT)


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


@dataclass(frozen=True)
class TimeReading:
    at: datetime  # aware, hora del Centro
    confidence: str  # alta | media | baja

    @property
    def epoch(self) -> float:
        return self.at.timestamp()


class TrustedClock:
    """Keeps the last receiver-signed time in a small store (the vault's meta table)."""

    META_KEY = "trusted_time"

    def __init__(self, store, *, system_time=time.time, monotonic=time.monotonic, boot=boot_id) -> None:
        self._store = store
        self._system_time = system_time
        self._monotonic = monotonic
        self._boot = boot

    def record_server_time(self, server_epoch: float) -> bool:
        """Call with a receiver time whose signature (and nonce) was verified. Returns False, and
        keeps the trusted time as it was, when it is older than the last accepted one."""
        raw = self._store.get_meta(self.META_KEY)
        last = json.loads(raw).get("server") if raw else None
        if last is not None and server_epoch < float(last) - ROLLBACK_TOLERANCE:
            log.warning("signed time %.0f refused: older than the last accepted %.0f (rollback)", server_epoch, float(last))
            return False
        state = {"server": server_epoch, "mono": self._monotonic(), "boot": self._boot()}
        self._store.set_meta(self.META_KEY, json.dumps(state))
        return True

    def now(self) -> TimeReading:
        raw = self._store.get_meta(self.META_KEY)
        system = self._system_time()
        if raw:
            state = json.loads(raw)
            if state.get("boot") == self._boot():
                epoch = state["server"] + max(0.0, self._monotonic() - state["mono"])
                return _reading(epoch, "alta")
            if system >= state["server"] - 60:
                return _reading(system, "media")
            return _reading(state["server"], "baja")
        return _reading(system, "media" if system >= _PLAUSIBLE_EPOCH else "baja")


def _reading(epoch: float, confidence: str) -> TimeReading:
    return TimeReading(datetime.fromtimestamp(epoch, tz=HORA_CENTRO), confidence)
