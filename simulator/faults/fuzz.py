"""The fuzz target over the framer and the session layer: what a misbehaving client can send.

Issue 6, "Bad input": everything in the fault list is also something a firm's engine can do to
the facility -- garbage, a BodyLength that lies, a checksum off by one, numbers out of order,
duplicates, floods -- and the simulator must answer as the FIX session rules prescribe, isolate
it to that connection and never raise. :class:`SessionFuzzTarget` is one acceptor port with two
sessions, as ``facsim serve`` builds them:

* the **victim** connection is fed the input, cut into chunks, with the simulated clock moving and
  the timers firing between chunks, while a fault of the plan (garble, delay, withhold, ...) may
  be armed on it -- so the fault hooks are fuzzed too;
* the **bystander** session is logged on over its own connection on the same port and directory;
  after every input it must still be logged on, answer a TestRequest with its TestReqID, and its
  sequence numbers must have moved only by its own traffic.

:meth:`SessionFuzzTarget.run` raises :class:`FuzzFinding` when an invariant breaks; any other
exception escaping it is itself a finding (the session layer must never raise). Invariants:
no exception; the framer never holds more than one message cap plus one chunk; the input is done
within ``max_seconds`` of real time (no hang); the victim ends disconnected; the bystander is
unaffected. Each input is independent: the victim's numbers restart at 1 for each.

The first two bytes of the input choose the chunk size and the fault, the rest is the stream, so
a byte-oriented fuzzer (atheris, ``bench/fuzz_session.py``) and a structured one (hypothesis,
``tests/unit/faults/test_fuzz.py``) drive the same target. Pure: no socket, no sleep.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from simulator.clock import SECOND, ManualClock
from simulator.domain.facility import FacilityId
from simulator.faults.plan import FaultEvent, FaultPlan, SessionRef
from simulator.faults.runtime import SessionHook
from simulator.faults.spec import parse_fault
from simulator.fix.application import SessionInfo
from simulator.fix.codec import decode, encode
from simulator.fix.framing import Frame, Framer
from simulator.fix.message import FixMessage
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
MAX_MESSAGE = 4096
VICTIM = "fuzz:ACMEFIX"
BYSTANDER = "fuzz:BETAFIX"

#: The faults a fuzz input may arm on the victim (chosen by its second byte; 0 = none).
FAULTS: tuple[dict[str, Any] | None, ...] = (
    None,
    {"kind": "garble", "mode": "checksum"},
    {"kind": "garble", "mode": "bytes"},
    {"kind": "delay", "delay": "2s"},
    {"kind": "withhold", "on_message": 1},
    {"kind": "duplicate"},
    {"kind": "silence"},
    {"kind": "sequence-gap", "gap": 3, "on_message": 1},
    {"kind": "disconnect", "on_message": 2, "direction": "inbound"},
    {"kind": "disconnect", "on_message": 1, "logout": True},
)


class FuzzFinding(AssertionError):
    """An invariant of the session layer broke for this input."""


def _info(session_id: str, comp_id: str) -> SessionInfo:
    return SessionInfo(
        session_id=session_id,
        facility=FacilityId.TRACE_CA,
        begin_string="FIX.4.4",
        facility_comp_id="FNRA",
        firm_comp_id=comp_id,
        firm=comp_id,
        facility_sub_id="CA",
    )


def firm_message(msg_type: str, seq: int, *body: tuple[int, str], sender: str = "ACMEFIX",
                 stamp: str | None = None) -> bytes:  # fmt: skip
    """A message from a firm to the fuzzed port (the seed corpus and the bystander use it)."""
    head = [(35, msg_type), (49, sender), (56, "FNRA"), (57, "CA"), (34, str(seq))]
    head.append((52, stamp or format_fix_timestamp(T0, 3)))
    return encode("FIX.4.4", [*head, *body])


#: A valid conversation: what the mutations start from.
SEED_STREAM = b"".join(
    [
        firm_message("A", 1, (98, "0"), (108, "30")),
        firm_message("0", 2),
        firm_message("1", 3, (112, "X")),
        firm_message("AE", 4, (571, "T1"), (487, "0"), (856, "0")),
        firm_message("2", 5, (7, "1"), (16, "0")),
        firm_message("4", 6, (123, "Y"), (36, "8")),
        firm_message("AE", 8, (571, "T2"), (487, "0"), (856, "0")),
        firm_message("3", 9, (45, "2"), (373, "99")),
        firm_message("AE", 7, (43, "Y"), (122, format_fix_timestamp(T0, 3)), (571, "T0")),
        firm_message("5", 10, (58, "bye")),
    ]
)


class SessionFuzzTarget:
    """One port, two sessions: fuzz the victim, watch the bystander (see the module docstring)."""

    def __init__(self, *, max_seconds: float = 2.0) -> None:
        self.max_seconds = max_seconds
        self.clock = ManualClock(T0)
        self.runs = 0
        self.faults_recorded = 0
        #: how deep the inputs reach: runs in which the victim logged on, messages it processed
        self.logged_on_runs = 0
        self.messages_processed = 0
        refs = [
            SessionRef(VICTIM, "fuzz", FacilityId.TRACE_CA, "ACME", "ACMEFIX", ("ACME",)),
            SessionRef(BYSTANDER, "fuzz", FacilityId.TRACE_CA, "BETA", "BETAFIX", ("BETA",)),
        ]
        self.plan = FaultPlan(refs, recorder=self._count)
        self.victim = FixSession(
            SessionConfig(info=_info(VICTIM, "ACMEFIX"), role=Role.ACCEPTOR, max_latency_ns=None),
            MemoryStore(),
        )
        self.bystander = FixSession(
            SessionConfig(info=_info(BYSTANDER, "BETAFIX"), role=Role.ACCEPTOR),
            MemoryStore(),
        )
        self.victim.faults = SessionHook(self.plan, VICTIM)
        self.bystander.faults = SessionHook(self.plan, BYSTANDER)
        self.directory = SessionDirectory([self.victim, self.bystander])
        self._bystander_seq = 1
        self._bystander_connection = FixConnection(directory=self.directory)
        self._bystander_connection.connection_made(self.clock.now_ns())
        answer = self._bystander_send("A", (98, "0"), (108, "30"))
        if not self.bystander.is_logged_on or [m.msg_type for m in answer] != ["A"]:
            raise FuzzFinding("the bystander could not log on")

    def _count(self, event: FaultEvent) -> None:
        self.faults_recorded += 1  # kept small: a million inputs must not grow memory

    def _bystander_send(self, msg_type: str, *body: tuple[int, str]) -> list[FixMessage]:
        stamp = format_fix_timestamp(self.clock.now_ns(), 3)
        raw = firm_message(msg_type, self._bystander_seq, *body, sender="BETAFIX", stamp=stamp)
        self._bystander_seq += 1
        connection = self._bystander_connection
        connection.receive_data(raw, self.clock.now_ns())
        out = []
        for frame in Framer().feed(connection.data_to_send()):
            if not isinstance(frame, Frame):
                raise FuzzFinding(f"the bystander was sent a bad frame: {frame}")
            out.append(decode(frame.raw))
        return out

    def run(self, data: bytes) -> None:
        """Feed one input to a fresh victim connection and check every invariant."""
        self.runs += 1
        started = time.perf_counter()
        chunk = 1 + (data[0] if data else 0) * 3
        fault = FAULTS[(data[1] if len(data) > 1 else 0) % len(FAULTS)]
        stream = data[2:]
        self.plan.clear(self.clock.now_ns())
        self.plan.faults.clear()
        if fault is not None:
            self.plan.add(parse_fault({**fault, "session": VICTIM}), self.clock.now_ns(), "fuzz")
        self.victim.store.reset()
        before = (self.bystander.next_sender_seq, self.bystander.next_target_seq)
        received = self.victim.messages_received
        logged_on = False
        connection = FixConnection(directory=self.directory, max_message_size=MAX_MESSAGE)
        connection.connection_made(self.clock.now_ns())
        for start in range(0, len(stream), chunk):
            connection.receive_data(stream[start : start + chunk], self.clock.now_ns())
            connection.data_to_send()
            logged_on = logged_on or self.victim.is_logged_on
            if connection.framer.buffered > MAX_MESSAGE + chunk + 64:
                raise FuzzFinding(f"the framer holds {connection.framer.buffered} bytes")
            self.clock.advance(SECOND)
            if (deadline := connection.next_deadline_ns()) is not None and (
                deadline <= self.clock.now_ns()
            ):
                connection.on_timer(self.clock.now_ns())
                connection.data_to_send()
            if connection.should_close:
                break
            if time.perf_counter() - started > self.max_seconds:
                raise FuzzFinding(f"an input of {len(data)} bytes took over {self.max_seconds} s")
        connection.connection_lost(self.clock.now_ns())
        self.logged_on_runs += logged_on
        self.messages_processed += self.victim.messages_received - received
        if self.victim.state is not SessionState.DISCONNECTED:
            raise FuzzFinding(f"the victim session is {self.victim.state.value} after close")
        self._check_bystander(before)

    def _check_bystander(self, before: tuple[int, int]) -> None:
        session = self.bystander
        if not session.is_logged_on:
            raise FuzzFinding(f"the bystander is {session.state.value}")
        if (session.next_sender_seq, session.next_target_seq) != before:
            raise FuzzFinding(
                f"the bystander's numbers moved from {before} to "
                f"{(session.next_sender_seq, session.next_target_seq)} without its traffic"
            )
        request_id = f"R{self.runs}"
        answer = self._bystander_send("1", (112, request_id))
        heartbeats = [m for m in answer if m.msg_type == "0" and m.get(112) == request_id]
        if not heartbeats:
            raise FuzzFinding(f"the bystander's TestRequest went unanswered: {answer}")


__all__ = ["FAULTS", "SEED_STREAM", "FuzzFinding", "SessionFuzzTarget", "firm_message"]
