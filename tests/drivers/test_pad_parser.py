"""The Topaz and line-protocol parsers: round trips, and fuzzing with garbage, truncated
packets and random bytes (they never raise and resynchronize within one packet)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.pad import topaz
from drivers.pad.line import LineDecoder, encode_line
from drivers.pad.samples import DONE, Sample, TopazDecoder
from drivers.pad.topaz import CoordPacket, PressurePacket, TopazParser

coords = st.builds(CoordPacket, st.integers(0, 4095), st.integers(0, 4095), st.booleans(),
                   st.booleans())
pressures = st.builds(PressurePacket, st.integers(0, 1023), st.booleans(), st.booleans())
packets = st.lists(st.one_of(coords, pressures), min_size=1, max_size=40)


def test_coordinate_bits_are_where_the_docstring_says() -> None:
    raw = topaz.encode_coord(0b101010101010, 0b010101010101, proximity=True, down=True)
    assert raw == bytes([0x83, 0b0101010, 0b10101, 0b1010101, 0b01010])
    assert topaz.decode(raw) == CoordPacket(0xAAA, 0x555, True, True)
    assert topaz.encode_pressure(1023, proximity=True, down=False) == bytes([0xC2, 0x7F, 0x07, 0, 0])


@given(packets)
def test_round_trip(stream: list) -> None:
    data = b"".join(topaz.encode(p) for p in stream)
    assert TopazParser().feed(data) == stream


@settings(max_examples=300)
@given(st.binary(max_size=400), st.integers(1, 17))
def test_random_bytes_never_crash(data: bytes, chunk: int) -> None:
    parser = TopazParser()
    for start in range(0, len(data), chunk):
        for packet in parser.feed(data[start:start + chunk]):
            assert isinstance(packet, (CoordPacket, PressurePacket))
    decoder = TopazDecoder()
    for event in decoder.feed(data):
        assert 0 <= event.x <= 4095 and 0 <= event.pressure <= 1023
    LineDecoder().feed(data)


@settings(max_examples=300)
@given(st.binary(max_size=60), packets, st.integers(1, 9))
def test_resync_after_garbage_within_one_packet(garbage: bytes, stream: list, chunk: int) -> None:
    """Whatever noise comes first, every intact packet after it is decoded exactly."""
    data = garbage + b"".join(topaz.encode(p) for p in stream)
    parser, out = TopazParser(), []
    for start in range(0, len(data), chunk):
        out += parser.feed(data[start:start + chunk])
    assert out[len(out) - len(stream):] == stream


@given(packets, st.data())
def test_truncated_packets_are_dropped_and_the_next_one_survives(stream: list, data) -> None:  # noqa: ANN001
    cut = data.draw(st.integers(0, len(stream) - 1))
    keep = data.draw(st.integers(1, 4))
    raw = [topaz.encode(p) for p in stream]
    raw[cut] = raw[cut][:keep]
    out = TopazParser().feed(b"".join(raw))
    assert out == stream[:cut] + stream[cut + 1:]


@given(packets)
def test_stream_cut_mid_packet_keeps_whole_packets(stream: list) -> None:
    """A pad closed mid-stroke: the bytes stop inside a packet; complete ones are kept."""
    data = b"".join(topaz.encode(p) for p in stream)
    out = TopazParser().feed(data[:-2])
    assert out == stream[:-1]


def test_pressure_applies_to_the_next_pen_down_point() -> None:
    decoder = TopazDecoder()
    data = (topaz.encode_pressure(700) + topaz.encode_coord(10, 20)
            + topaz.encode_coord(11, 21)
            + topaz.encode_coord(12, 22, down=False))
    events = decoder.feed(data)
    assert [(e.x, e.pressure, e.down) for e in events] == [(10, 700, True), (11, 700, True),
                                                          (12, 0, False)]


def test_reserved_bits_make_a_packet_garbage() -> None:
    bad = bytes([0x80 | 0x10, 1, 1, 1, 1])
    good = topaz.encode_coord(5, 6)
    parser = TopazParser()
    assert parser.feed(bad + good) == [CoordPacket(5, 6, True, True)]
    assert parser.dropped == 5


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 4095), st.integers(0, 4095),
                          st.integers(0, 1023), st.integers(0, 1)), max_size=20),
       st.binary(max_size=100))
def test_line_protocol_survives_noise(samples: list, noise: bytes) -> None:
    good = b"".join(encode_line(*s) for s in samples) + b"done\n"
    events = LineDecoder().feed(noise + b"\n" + good)
    expected = [Sample(t, x, y, p, bool(d)) for t, x, y, p, d in samples] + [DONE]
    assert events[len(events) - len(expected):] == expected
