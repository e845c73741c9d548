"""Bounded fuzzing of the framer and the session layer, faults armed, a bystander watching.

The benchmark (``bench/fuzz_session.py``) runs the same target for a million inputs; this keeps a
few hundred in every test run so a regression shows at once. The target raises on any broken
invariant (an exception, a framer holding too much, a hang, a victim left connected, a bystander
session disturbed).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.faults.fuzz import FAULTS, SEED_STREAM, FuzzFinding, SessionFuzzTarget, firm_message

TARGET = SessionFuzzTarget(max_seconds=5.0)
FAULT = st.integers(0, len(FAULTS) - 1)
CHUNK = st.integers(0, 255)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    chunk=CHUNK,
    fault=FAULT,
    edits=st.lists(
        st.tuples(st.integers(0, len(SEED_STREAM) - 1), st.integers(0, 255)), max_size=10
    ),
)
def test_mutations_of_a_valid_conversation(chunk: int, fault: int, edits: list) -> None:
    data = bytearray(SEED_STREAM)
    for position, byte in edits:
        data[position] = byte
    TARGET.run(bytes([chunk, fault]) + bytes(data))


@FAST
@given(data=st.binary(max_size=4000))
def test_random_bytes(data: bytes) -> None:
    TARGET.run(data)


ODD = [
    firm_message("0", 2),
    firm_message("1", 3, (112, "")),
    firm_message("4", 0, (36, "1")),
    firm_message("4", 4, (123, "Y"), (36, "2")),
    firm_message("2", 9, (7, "0"), (16, "x")),
    firm_message("2", 5, (7, "1"), (16, "999999")),
    firm_message("A", 1, (98, "0"), (108, "-3")),
    firm_message("A", 7, (98, "0"), (108, "30"), (141, "Y")),
    firm_message("AE", 3, (9999, "x")),
    firm_message("AE", 50, (571, "far ahead")),
    firm_message("0", 1, (43, "Y")),
    firm_message("5", 99),
    firm_message("A", 1, (98, "0"), (108, "30"), sender="BETAFIX"),  # the bystander's identity
    b"8=FIX.4.4\x019=99999999\x01",
    b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01",
    b"\x00" * 50,
]


@FAST
@given(chunk=CHUNK, fault=FAULT, parts=st.lists(st.sampled_from(ODD), max_size=14))
def test_sequences_of_odd_messages_after_a_logon(chunk: int, fault: int, parts: list) -> None:
    logon = firm_message("A", 1, (98, "0"), (108, "30"))
    TARGET.run(bytes([chunk, fault]) + logon + b"".join(parts))


def test_a_ten_megabyte_message_is_refused_without_buffering_it() -> None:
    huge = b"8=FIX.4.4\x019=10485760\x0135=AE\x01" + b"x" * (1 << 20)
    TARGET.run(bytes([255, 0]) + firm_message("A", 1, (98, "0"), (108, "30")) + huge)


def test_every_fault_of_the_target_runs_the_valid_conversation() -> None:
    target = SessionFuzzTarget()
    for index in range(len(FAULTS)):
        target.run(bytes([40, index]) + SEED_STREAM)
    assert target.faults_recorded > 0
    assert target.logged_on_runs == len(FAULTS)  # the seed reaches the logged-on session
    assert target.messages_processed >= 5 * len(FAULTS)


def test_the_target_notices_a_disturbed_bystander() -> None:
    target = SessionFuzzTarget()
    target.run(bytes([10, 0]) + SEED_STREAM)
    target.bystander.store.set_next_sender_seq(target.bystander.next_sender_seq + 1)
    with pytest.raises(FuzzFinding, match="numbers moved"):
        target._check_bystander((1, 1))
    target.bystander.drop(target.clock.now_ns())
    with pytest.raises(FuzzFinding, match="bystander is closing"):
        target.run(bytes([10, 0]) + SEED_STREAM)
