"""Pad time comes from the Topaz report sequence, not from when the host got round to reading:
a loaded machine that reads the pty in bursts still sees a calm signature as calm."""

import multiprocessing
import os
import threading

import pytest

from drivers.pad import PadSimulator, SerialPad, SimulatedPad, synthetic_signature
from drivers.pad.samples import Sample
from drivers.pad.serial_pad import _Collector
from drivers.pad.topaz import REPORT_MS
from kiosk.quality import check_signature, parse_trajectory


def _pen_down_ms(points: list[list[int]]) -> int:
    total, start = 0, None
    for i, p in enumerate(points):
        if p[4] and start is None:
            start = p[0]
        if start is not None and (not p[4] or i == len(points) - 1):
            total += (points[i - 1][0] if not p[4] else p[0]) - start
            start = None
    return total


def test_a_burst_read_at_one_instant_keeps_the_report_interval() -> None:
    collector = _Collector(time_scale=1.0)
    for i in range(50):  # the host read 50 reports in one go, all at wall time 3.0 s
        collector.add(Sample(None, 100 + i, 200, 500, True), wall=3.0)
    times = [p[0] for p in collector.points()]
    assert times == [i * REPORT_MS for i in range(50)]


def test_a_pen_lifted_out_of_proximity_keeps_the_real_pause() -> None:
    collector = _Collector(time_scale=1.0)
    for i in range(10):
        collector.add(Sample(None, 100 + i, 200, 500, True), wall=0.0)
    collector.add(Sample(None, 110, 200, 0, False, proximity=False), wall=0.1)
    collector.add(Sample(None, 400, 200, 500, True), wall=1.2)  # the pen comes back 1.1 s later
    times = [p[0] for p in collector.points()]
    assert times[:10] == [i * REPORT_MS for i in range(10)]
    assert times[10] == 1200


def _busy() -> None:
    while True:
        pass


@pytest.fixture
def cpu_hogs():
    """Busy loops on every core and then some (load well above the core count)."""
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(2 * (os.cpu_count() or 2) + 2)]
    for hog in hogs:
        hog.start()
    try:
        yield
    finally:
        for hog in hogs:
            hog.terminate()
        for hog in hogs:
            hog.join(timeout=5)


def test_signatures_under_cpu_load_keep_their_pad_time(cpu_hogs: None) -> None:
    """The demo's pad (simulator on a real pty, read by the real driver) with the CPU saturated."""
    pad = SimulatedPad(speed=4.0)
    try:
        for seed in range(3):
            sent = synthetic_signature(seed)
            got = pad.read_signature(timeout=30)
            assert [p[1:] for p in got["points"]] == [p[1:] for p in sent["points"]][:len(got["points"])]
            assert len(got["points"]) >= len(sent["points"]) - 1
            sent_ms, got_ms = _pen_down_ms(sent["points"]), _pen_down_ms(got["points"])
            assert abs(got_ms - sent_ms) <= 0.02 * sent_ms
            verdict = check_signature(parse_trajectory(got))
            assert "signature_too_fast" not in verdict.codes
            assert verdict.accepted, verdict.codes
    finally:
        pad.close()


def test_a_signature_read_in_one_burst_keeps_its_time(cpu_hogs: None) -> None:
    """The host reads nothing while the signer signs, then everything at once (the worst burst)."""
    sent = synthetic_signature(11)
    with PadSimulator() as simulator, SerialPad(simulator.port, time_scale=4.0) as pad:
        pad.reset_input()
        simulator.play(sent, speed=4.0)
        done = threading.Event()
        done.set()
        got = pad.read_signature(timeout=20, stop=done, drain_on_stop=True, flush=False)
    assert [p[1:] for p in got["points"]] == [p[1:] for p in sent["points"]]
    assert _pen_down_ms(got["points"]) == _pen_down_ms(sent["points"])
