"""Encoding (header order, BodyLength, CheckSum) and decoding of framed messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.fix.codec import build, decode, encode, from_pipes, with_soh_as_pipe
from simulator.fix.errors import GarbledMessageError
from simulator.fix.framing import Frame, Framer
from simulator.fix.message import FixMessage


def test_encode_writes_begin_string_body_length_and_checksum() -> None:
    raw = encode("FIX.4.4", [(35, "0"), (49, "A"), (56, "B"), (34, "1"), (52, "20211115-14:30:00")])
    assert raw.startswith(b"8=FIX.4.4\x019=")
    body = raw[raw.index(b"35=") : raw.rindex(b"10=")]
    assert int(raw.split(b"\x01")[1][2:]) == len(body)
    assert int(raw[-4:-1]) == sum(raw[: raw.rindex(b"10=")]) % 256
    assert raw.endswith(b"\x01")


def test_build_puts_the_header_first_in_standard_order_and_moves_header_tags() -> None:
    message = FixMessage.of("AE", (571, "T1"), (128, "BUREAU"), (57, "USER1"), (10, "999"))
    raw = build(
        "FIX.4.4", [(52, "20211115-14:30:00"), (34, "7"), (56, "ACME"), (49, "FNRA")], message
    )
    tags = [int(part.split(b"=")[0]) for part in raw.split(b"\x01")[:-1]]
    assert tags == [8, 9, 35, 49, 56, 128, 34, 57, 52, 571, 10]  # 10 from the message dropped


def test_build_needs_a_msg_type() -> None:
    with pytest.raises(ValueError):
        build("FIX.4.4", [], FixMessage([(55, "IBM")]))


def test_decode_keeps_begin_string_and_order_without_9_and_10() -> None:
    raw = encode("FIX.4.2", [(35, "D"), (49, "A"), (55, "IBM"), (55, "MSFT"), (58, "")])
    message = decode(raw)
    expected = [(8, "FIX.4.2"), (35, "D"), (49, "A"), (55, "IBM"), (55, "MSFT"), (58, "")]
    assert message.fields == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"8=FIX.4.4\x019=5\x0134=1\x0135=0\x0110=000\x01", "MsgType"),
        (b"8=FIX.4.4\x019=5\x0135=0\x01garbled\x0110=000\x01", "no '='"),
        (b"8=FIX.4.4\x019=5\x0135=0\x014x9=A\x0110=000\x01", "not a number"),
        (b"8=FIX.4.4\x019=5\x0135=0\x01+5=A\x0110=000\x01", "not a number"),
        (b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x0158=x\x01", "CheckSum"),
        (b"8=FIX.4.4\x019=5\x0135=0\x0110=000", "SOH"),
    ],
)
def test_structural_problems_are_garbled(raw: bytes, why: str) -> None:
    with pytest.raises(GarbledMessageError, match=why):
        decode(raw)


def test_a_negative_tag_decodes_so_the_dictionary_can_reject_it() -> None:
    message = decode(encode("FIX.4.4", [(35, "0"), (-1, "HI")]))
    assert message.get(-1) == "HI"


def test_pipes_helpers_round_trip() -> None:
    raw = from_pipes("8=FIX.4.4|9=0|35=0|49=A|56=B|34=1|52=20211115-14:30:00|10=000|")
    assert with_soh_as_pipe(raw).startswith("8=FIX.4.4|9=")
    assert decode(raw).get(56) == "B"
    with pytest.raises(ValueError):
        from_pipes("35=0|49=A")


printable = st.characters(min_codepoint=32, max_codepoint=126)
values = st.text(alphabet=printable, min_size=1, max_size=30)
tags = st.integers(min_value=1, max_value=99999).filter(lambda t: t not in (8, 9, 10, 35))
fields = st.lists(st.tuples(tags, values), max_size=20)


@given(msg_type=st.sampled_from(["0", "A", "D", "AE", "AR", "j"]), body=fields)
def test_encode_then_frame_then_decode_round_trips(msg_type: str, body: list) -> None:
    raw = encode("FIX.4.4", [(35, msg_type), *body])
    [frame] = Framer().feed(raw)
    assert isinstance(frame, Frame)
    assert decode(frame.raw).fields == [(8, "FIX.4.4"), (35, msg_type), *body]
