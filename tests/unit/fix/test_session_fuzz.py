"""Bounded fuzzing of the framer and session: no input makes them raise or grow without bound.

The full fuzz run (a million inputs) belongs to the benchmarks; this keeps a few hundred cases in
every test run so a regression shows up at once.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.clock import SECOND, ManualClock
from simulator.domain.facility import FacilityId
from simulator.fix.application import SessionInfo
from simulator.fix.codec import encode
from simulator.fix.session import (
    FixConnection,
    FixSession,
    Role,
    SessionConfig,
    SessionDirectory,
    SessionState,
)
from simulator.fix.store import MemoryStore
from simulator.timestamps import format_fix_timestamp, local_ns

T0 = local_ns(dt.date(2021, 11, 15), 9, 30)
STAMP = format_fix_timestamp(T0, 3)
INFO = SessionInfo(
    session_id="fuzz",
    facility=FacilityId.TRACE_CA,
    begin_string="FIX.4.4",
    facility_comp_id="FNRA",
    firm_comp_id="ACMEFIX",
    firm="ACME",
)


def message(msg_type: str, seq: int, *body: tuple[int, str]) -> bytes:
    head = [(35, msg_type), (49, "ACMEFIX"), (56, "FNRA"), (34, str(seq)), (52, STAMP)]
    return encode("FIX.4.4", [*head, *body])


VALID = b"".join(
    [
        message("A", 1, (98, "0"), (108, "30")),
        message("0", 2),
        message("1", 3, (112, "X")),
        message("2", 4, (7, "1"), (16, "0")),
        message("4", 5, (123, "Y"), (36, "7")),
        message("AE", 7, (571, "T1"), (487, "0")),
        message("3", 8, (45, "2"), (373, "99")),
        message("5", 9, (58, "bye")),
    ]
)


def run(data: bytes, chunk: int) -> None:
    clock = ManualClock(T0)
    session = FixSession(SessionConfig(info=INFO, role=Role.ACCEPTOR), MemoryStore())
    connection = FixConnection(directory=SessionDirectory([session]), max_message_size=4096)
    connection.connection_made(clock.now_ns())
    for start in range(0, len(data), chunk):
        connection.receive_data(data[start : start + chunk], clock.now_ns())
        connection.data_to_send()
        assert connection.framer.buffered <= 4096 + chunk + 64
        clock.advance(SECOND)
        connection.on_timer(clock.now_ns())
    connection.connection_lost(clock.now_ns())
    assert session.state is SessionState.DISCONNECTED


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    chunk=st.integers(1, 512),
)
def test_mutated_streams_never_raise(edits: list[tuple[int, int]], chunk: int) -> None:
    data = bytearray(VALID)
    for position, byte in edits:
        data[position] = byte
    run(bytes(data), chunk)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000), chunk=st.integers(1, 700))
def test_random_bytes_never_raise(data: bytes, chunk: int) -> None:
    run(data, chunk)


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(
            [
                message("0", 2),
                message("1", 3, (112, "")),
                message("4", 0, (36, "1")),
                message("2", 9, (7, "0"), (16, "x")),
                message("A", 1, (98, "0"), (108, "-3")),
                message("AE", 3, (9999, "x"), (-2, "y")),
                message("0", 1, (43, "Y")),
                message("5", 99),
                b"8=FIX.4.4\x019=99999999\x01",
            ]
        ),
        max_size=12,
    )
)
def test_sequences_of_odd_messages_never_raise(parts: list[bytes]) -> None:
    run(message("A", 1, (98, "0"), (108, "30")) + b"".join(parts), 97)
