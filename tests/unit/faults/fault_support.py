"""Helpers for the fault tests: a facility session and a firm session wired back to back.

:class:`Link` joins a facility-side acceptor and a firm-side initiator -- both the simulator's own
sans-I/O :class:`~simulator.fix.session.FixSession` -- through two in-memory byte pipes, on one
:class:`~simulator.clock.ManualClock`. ``pump()`` moves bytes both ways until both are quiet;
``tick()`` advances the clock and fires whatever timer is due on either side, as the transport
would. So a test can watch a fault and the firm's recovery from it (a ResendRequest answered from
the store, a duplicate ignored, a garbled message dropped) without a socket or a sleep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from simulator.clock import ManualClock
from simulator.domain.facility import FacilityId
from simulator.faults.plan import FaultPlan, SessionRef
from simulator.faults.runtime import SessionHook
from simulator.fix.application import SessionInfo
from simulator.fix.codec import decode
from simulator.fix.framing import Frame, Framer
from simulator.fix.message import FixMessage
from simulator.fix.session import (
    ApplicationMessage,
    FixConnection,
    FixSession,
    Role,
    SessionConfig,
    SessionDirectory,
    SessionEvent,
)
from simulator.fix.store import MemoryStore
from simulator.timestamps import local_ns

T0 = local_ns(dt.date(2021, 11, 15), 9, 30)
SESSION_ID = "trace-ca:ACMEFIX"
OTHER_ID = "trace-ca:BETAFIX"


def ref(session_id: str = SESSION_ID, firm: str = "ACME", comp_id: str = "ACMEFIX") -> SessionRef:
    return SessionRef(session_id, "trace-ca", FacilityId.TRACE_CA, firm, comp_id, (firm,))


REFS = (ref(), ref(OTHER_ID, "BETA", "BETAFIX"))


def info(session_id: str, comp_id: str) -> SessionInfo:
    return SessionInfo(
        session_id=session_id,
        facility=FacilityId.TRACE_CA,
        begin_string="FIX.4.4",
        facility_comp_id="FNRA",
        firm_comp_id=comp_id,
        firm=comp_id,
        facility_sub_id="CA",
    )


def report(ref_id: str) -> FixMessage:
    return FixMessage.of("AE", (571, ref_id), (487, 0), (856, 0))


def ack(message: FixMessage) -> FixMessage:
    return FixMessage.of("AE", (571, message.get(571)), (939, 0), (1011, "CAEN"))


def frames(data: bytes) -> list[FixMessage | bytes]:
    """What a conformant reader makes of ``data``: decoded messages, or the bad frame's bytes."""
    out: list[FixMessage | bytes] = []
    for frame in Framer().feed(data):
        out.append(decode(frame.raw) if isinstance(frame, Frame) else b"bad")
    return out


@dataclass
class Side:
    session: FixSession
    connection: FixConnection
    events: list[SessionEvent] = field(default_factory=list)
    wire: list[bytes] = field(default_factory=list)  # every chunk this side wrote

    def app_messages(self) -> list[FixMessage]:
        return [e.message for e in self.events if isinstance(e, ApplicationMessage)]


class Link:
    """A facility session and a firm session connected back to back (see the module docstring).

    The facility answers every inbound AE with an acknowledgement (``auto_ack``), as a dialect
    would; ``tamper`` may rewrite the facility's bytes on their way to the firm.
    """

    def __init__(self, clock: ManualClock, plan: FaultPlan | None = None, **config: Any) -> None:
        self.clock = clock
        self.plan = plan if plan is not None else FaultPlan(REFS)
        facility = FixSession(
            SessionConfig(info=info(SESSION_ID, "ACMEFIX"), role=Role.ACCEPTOR, **config),
            MemoryStore(),
        )
        other = FixSession(
            SessionConfig(info=info(OTHER_ID, "BETAFIX"), role=Role.ACCEPTOR, **config),
            MemoryStore(),
        )
        self.directory = SessionDirectory([facility, other])
        facility.faults = SessionHook(self.plan, SESSION_ID)
        other.faults = SessionHook(self.plan, OTHER_ID)
        self.facility = Side(facility, FixConnection(directory=self.directory))
        firm = FixSession(
            SessionConfig(
                info=info("firm", "ACMEFIX"), role=Role.INITIATOR, heartbeat_s=30, **config
            ),
            MemoryStore(),
        )
        self.firm = Side(firm, FixConnection(session=firm))
        self.auto_ack = True
        self.facility.connection.connection_made(clock.now_ns())
        self.firm.connection.connection_made(clock.now_ns())

    def now(self) -> int:
        return self.clock.now_ns()

    def _deliver(self, source: Side, target: Side) -> bool:
        data = source.connection.data_to_send()
        if not data:
            return False
        source.wire.append(data)
        events = target.connection.receive_data(data, self.now())
        target.events += events
        if target is self.facility and self.auto_ack:
            session = self.facility.connection.session
            for event in events:
                if isinstance(event, ApplicationMessage) and session is not None:
                    session.send_app(ack(event.message), self.now())
        return True

    def pump(self, rounds: int = 50) -> None:
        for _ in range(rounds):
            moved = self._deliver(self.firm, self.facility)
            moved = self._deliver(self.facility, self.firm) or moved
            if not moved:
                return
        raise AssertionError("the two sessions never went quiet")

    def reconnect(self) -> None:
        """Both sides notice the lost connection; the firm connects again and logs on, its
        sequence numbers continuing (no reset)."""
        now = self.now()
        self.facility.events += self.facility.connection.connection_lost(now)
        self.firm.events += self.firm.connection.connection_lost(now)
        self.facility.connection = FixConnection(directory=self.directory)
        self.firm.connection = FixConnection(session=self.firm.session)
        self.facility.connection.connection_made(now)
        self.firm.connection.connection_made(now)
        self.logon()

    def logon(self) -> None:
        self.firm.events += self.firm.session.logon(self.now())
        self.pump()
        assert self.facility.session.is_logged_on and self.firm.session.is_logged_on

    def send(self, *refs: str) -> None:
        for ref_id in refs:
            self.firm.session.send_app(report(ref_id), self.now())
        self.pump()

    def tick(self, duration_ns: int = 0) -> None:
        if duration_ns:
            self.clock.advance(duration_ns)
        for side in (self.facility, self.firm):
            deadline = side.connection.next_deadline_ns()
            if deadline is not None and deadline <= self.now():
                side.events += side.connection.on_timer(self.now())
        self.pump()

    def facility_wrote(self) -> list[FixMessage | bytes]:
        return [m for chunk in self.facility.wire for m in frames(chunk)]

    def acks_received(self) -> list[str | None]:
        return [m.get(571) for m in self.firm.app_messages()]
