"""Soak of the real `kiosk sync` daemon (issue 19), short version: 2,000 records pending (~10 KB
each, 20 MB of queue), the link down, then a link: the watchdog is fed on a real NOTIFY_SOCKET
with no gap near WatchdogSec, the daemon's peak RSS stays under 80 MB, every record gets its
acuse. The long version (16 KB/s) is tests/benchmarks/bench_soak.py."""

from __future__ import annotations

from tests.benchmarks.bench_soak import soak

WATCHDOG_SEC = 120  # systemd/apoyo-kiosk-sync.service


def test_two_thousand_pending_link_down_then_up(tmp_path) -> None:
    result = soak(tmp_path, records=2000, size=4_000, down_s=12, rate=2_000_000, timeout=600)
    print(result)
    assert result.received == result.acknowledged == 2000 and result.pending == 0, result
    assert result.envelope_bytes > 2000 * 9_000
    assert result.rss_peak_mb < 80, result
    assert result.watchdogs > 10 and result.max_watchdog_gap_s < WATCHDOG_SEC / 4, result
    assert result.exit_code == 0, "SIGTERM ends the daemon cleanly"
    assert any("pendientes=" in line for line in result.status_lines)


def test_on_a_slow_link_chunks_shrink_so_the_watchdog_is_fed_every_few_seconds(provisioned) -> None:
    """A 16 KB/s link and one ~300 KB envelope: 256 KB chunks would leave 16 s between feeds (at
    2 KB/s, two minutes: a kill); chunks sized to the measured rate keep the feeds seconds apart."""
    import time

    from sync.daemon import CHUNK_SECONDS, SyncDaemon, client_for
    from sync.linksim import Faults, LinkSimulator
    from tests.benchmarks.bench_soak import record

    station, server, _receiver = provisioned
    station.save_apoyo(record(1, 120_000), "A0001")
    beats: list[float] = []
    with LinkSimulator(server.port, Faults(rate=16_000)) as link:
        daemon = SyncDaemon(station, client_for(station, link.url), lotes=False, heartbeat=lambda: beats.append(time.monotonic()))
        started = time.monotonic()
        summary = daemon.run_once()
    assert summary.acknowledged == 1
    gaps = [b - a for a, b in zip([started] + beats, beats)]
    assert max(gaps) < CHUNK_SECONDS * 1.5, gaps
    assert daemon.client.chunk_size <= 16_000 * CHUNK_SECONDS * 1.1, "the chunk was fitted to the link (not 256 KB)"
