"""The framer: BodyLength/CheckSum framing before anything parses, linear in the bytes received."""

from __future__ import annotations

import time

import pytest

from simulator.fix.codec import encode
from simulator.fix.framing import Frame, FrameProblem, Framer, FramingError, checksum


def message(seq: int, text: str = "hello") -> bytes:
    return encode(
        "FIX.4.4",
        [(35, "1"), (49, "FIRM"), (56, "FAC"), (34, str(seq)), (52, "20211115-14:30:00"),
         (112, text)],
    )  # fmt: skip


def frames(events: list) -> list[bytes]:
    return [e.raw for e in events if isinstance(e, Frame)]


def problems(events: list) -> list[FrameProblem]:
    return [e.problem for e in events if isinstance(e, FramingError)]


def test_a_whole_message_is_one_frame() -> None:
    raw = message(1)
    assert frames(Framer().feed(raw)) == [raw]


def test_checksum_is_the_byte_sum_mod_256() -> None:
    raw = message(1)
    assert int(raw[-4:-1]) == checksum(raw[: raw.rindex(b"10=")])


def test_fragments_of_any_size_reassemble() -> None:
    raws = [message(n, "x" * n) for n in range(1, 30)]
    stream = b"".join(raws)
    for size in (1, 2, 3, 7, 64, 1000):
        framer = Framer()
        out: list = []
        for i in range(0, len(stream), size):
            out += framer.feed(stream[i : i + size])
        assert frames(out) == raws, size
        assert framer.buffered == 0


def test_a_burst_of_10000_messages_in_one_chunk() -> None:
    raws = [message(n) for n in range(1, 10_001)]
    framer = Framer()
    out = framer.feed(b"".join(raws))
    assert frames(out) == raws
    assert problems(out) == []
    assert framer.messages == 10_000


def test_one_burst_costs_about_the_same_as_messages_sent_singly() -> None:
    raws = [message(n) for n in range(1, 10_001)]
    burst = b"".join(raws)

    def best(run) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    def singly() -> None:
        framer = Framer()
        for raw in raws:
            framer.feed(raw)

    one_chunk = best(lambda: Framer().feed(burst))
    separate = best(singly)
    # Linear: a quadratic framer (re-slicing the buffer per message) is ~1000x slower here.
    assert one_chunk < separate * 3, (one_chunk, separate)


def test_garbage_between_messages_is_discarded_and_reported() -> None:
    first, second = message(1), message(2)
    events = Framer().feed(b"junk!" + first + b"\x01\x01noise 8=FI" + second + b"tail")
    assert frames(events) == [first, second]
    garbage = [e for e in events if isinstance(e, FramingError)]
    assert [g.problem for g in garbage] == [FrameProblem.GARBAGE] * len(garbage)
    assert sum(g.discarded for g in garbage) >= len(b"junk!") + len(b"\x01\x01noise 8=FI")


def test_a_wrong_checksum_skips_that_message_only() -> None:
    good, bad = message(1), message(2)
    declared = int(bad[-4:-1])
    bad = bad[:-4] + b"%03d\x01" % ((declared + 1) % 256)
    third = message(3)
    events = Framer().feed(good + bad + third)
    assert frames(events) == [good, third]
    assert problems(events) == [FrameProblem.CHECKSUM]


def test_a_body_length_too_short_is_reported_and_the_next_message_found() -> None:
    bad = message(1)
    length = int(bad.split(b"\x01")[1][2:])
    bad = bad.replace(b"9=%d" % length, b"9=%d" % (length - 5), 1)
    good = message(2)
    events = Framer().feed(bad + good)
    assert frames(events) == [good]
    assert FrameProblem.BODY_LENGTH in problems(events)


def test_a_body_length_too_long_does_not_swallow_the_next_message() -> None:
    bad = message(1)
    length = int(bad.split(b"\x01")[1][2:])
    bad = bad.replace(b"9=%d" % length, b"9=%d" % (length + 40), 1)
    good = message(2)
    framer = Framer()
    events = framer.feed(bad + good)  # the declared end lies inside a message not yet sent
    assert frames(events) == [good]
    assert FrameProblem.BODY_LENGTH in problems(events)


def test_a_body_length_that_is_not_a_number_is_garbage() -> None:
    good = message(2)
    events = Framer().feed(b"8=FIX.4.4\x019=ab\x0135=0\x01" + good)
    assert frames(events) == [good]
    assert set(problems(events)) == {FrameProblem.GARBAGE}


def test_an_oversize_message_is_fatal_and_not_buffered() -> None:
    framer = Framer(max_message_size=4096)
    header = b"8=FIX.4.4\x019=10485760\x0135=D\x01"  # a 10 MB body announced
    events = framer.feed(header + b"x" * 8192)
    assert problems(events) == [FrameProblem.OVERSIZE]
    assert events[0].fatal  # type: ignore[union-attr]
    assert framer.closed
    assert framer.feed(b"y" * 8192) == []
    assert framer.buffered <= 4096 + 8192 + len(header)


def test_memory_stays_bounded_when_no_begin_string_ever_arrives() -> None:
    framer = Framer()
    for _ in range(100):
        framer.feed(b"z" * 65536)
    assert framer.buffered < 16


def test_an_incomplete_message_waits_for_the_rest() -> None:
    raw = message(1)
    framer = Framer()
    assert framer.feed(raw[:-3]) == []
    assert framer.buffered == len(raw) - 3
    assert frames(framer.feed(raw[-3:])) == [raw]


@pytest.mark.parametrize("cut", range(1, 12))
def test_a_split_inside_the_header_waits(cut: int) -> None:
    raw = message(1)
    framer = Framer()
    assert frames(framer.feed(raw[:cut])) == []
    assert frames(framer.feed(raw[cut:])) == [raw]


def test_framer_rejects_a_silly_limit() -> None:
    with pytest.raises(ValueError):
        Framer(max_message_size=4)
