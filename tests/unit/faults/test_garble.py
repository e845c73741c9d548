"""Garbled bytes are bytes a conformant reader ignores (FIX test cases 2d, 2m, 3b)."""

from __future__ import annotations

import pytest

from simulator.faults.garble import garble
from simulator.faults.spec import GarbleMode
from simulator.fix.codec import encode
from simulator.fix.framing import Frame, Framer, FramingError

RAW = encode(
    "FIX.4.4",
    [(35, "AE"), (49, "FNRA"), (56, "ACMEFIX"), (34, "7"), (52, "20211115-14:30:00"), (571, "T1")],
)
NEXT = encode(
    "FIX.4.4", [(35, "0"), (49, "FNRA"), (56, "ACMEFIX"), (34, "8"), (52, "20211115-14:30:01")]
)


def read(data: bytes) -> list[Frame | FramingError]:
    return list(Framer().feed(data))


@pytest.mark.parametrize("mode", list(GarbleMode))
def test_every_mode_changes_the_message_and_a_reader_refuses_it(mode: GarbleMode) -> None:
    bad = garble(RAW, mode, salt=1)
    assert bad != RAW
    frames = read(bad + NEXT)
    assert not any(isinstance(f, Frame) and f.raw == RAW for f in frames)
    # the reader recovers: the message after the garbled one is read intact
    assert any(isinstance(f, Frame) and f.raw == NEXT for f in frames)


def test_checksum_mode_is_off_by_exactly_one() -> None:
    bad = garble(RAW, GarbleMode.CHECKSUM)
    assert bad[:-4] == RAW[:-4]
    assert (int(bad[-4:-1]) - int(RAW[-4:-1])) % 256 == 1
    (frame,) = read(bad)
    assert isinstance(frame, FramingError) and frame.problem.value == "checksum"


def test_body_length_mode_announces_one_byte_more() -> None:
    bad = garble(RAW, GarbleMode.BODY_LENGTH)
    length = int(RAW.split(b"\x019=")[1].split(b"\x01")[0])
    assert b"\x019=%d\x01" % (length + 1) in bad
    assert len(bad) == len(RAW) + len(str(length + 1)) - len(str(length))


def test_bytes_mode_keeps_framing_but_breaks_the_checksum_and_is_deterministic() -> None:
    bad = garble(RAW, GarbleMode.BYTES, salt=42)
    assert len(bad) == len(RAW) and bad.count(b"\x01") == RAW.count(b"\x01")
    assert bad[-7:] == RAW[-7:]  # the stale CheckSum
    assert garble(RAW, GarbleMode.BYTES, salt=42) == bad
    assert sum(bad[: bad.rfind(b"10=")]) % 256 != sum(RAW[: RAW.rfind(b"10=")]) % 256
    assert any(garble(RAW, GarbleMode.BYTES, salt=s) != bad for s in range(5))


def test_odd_input_is_still_corrupted() -> None:
    for raw in (b"no fix here", b"8=FIX.4.4\x019=x\x01", b"ab", b""):
        for mode in GarbleMode:
            assert garble(raw, mode) != raw
