"""Fixtures for the FIX session tests: a facility-side acceptor and a hand-driven firm peer.

Tests drive the sans-I/O :class:`~simulator.fix.session.FixConnection` with bytes and a
:class:`~simulator.clock.ManualClock`; nothing sleeps and nothing opens a socket, so each
conformance case runs in milliseconds. The peer writes messages field by field (so a test can
misorder, repeat or garble them on purpose) and reads back what the acceptor wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from simulator.clock import ManualClock
from simulator.domain.facility import FacilityId
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
    SessionEvent,
    UnknownCompIdPolicy,
)
from simulator.fix.store import MemoryStore, MessageStore
from simulator.timestamps import format_fix_timestamp, local_ns

T0 = local_ns(dt.date(2021, 11, 15), 9, 30)  # 14:30:00 UTC, a Monday
FACILITY = "FNRA"
FIRM = "ACMEFIX"


def info_for(begin_string: str = "FIX.4.4", **changes: Any) -> SessionInfo:
    values: dict[str, Any] = {
        "session_id": f"test-{begin_string}",
        "facility": FacilityId.TRACE_CA,
        "begin_string": begin_string,
        "facility_comp_id": FACILITY,
        "firm_comp_id": FIRM,
        "firm": "ACME",
        "mpids": ("ACME",),
    }
    values.update(changes)
    return SessionInfo(**values)


def read_messages(data: bytes) -> list[FixMessage]:
    """Decode everything an endpoint wrote, asserting it is correctly framed."""
    framer = Framer()
    out: list[FixMessage] = []
    for frame in framer.feed(data):
        assert isinstance(frame, Frame), f"the acceptor wrote a bad frame: {frame}"
        out.append(decode(frame.raw))
    assert framer.buffered == 0, "the acceptor wrote a partial message"
    return out


@dataclass
class Peer:
    """The firm's side of one connection, written by hand."""

    clock: ManualClock
    connection: FixConnection
    begin_string: str = "FIX.4.4"
    sender: str = FIRM
    target: str = FACILITY
    seq: int = 1
    events: list[SessionEvent] = field(default_factory=list)
    received: list[FixMessage] = field(default_factory=list)

    def stamp(self, offset_ns: int = 0) -> str:
        return format_fix_timestamp(self.clock.now_ns() + offset_ns, 3)

    def build(
        self,
        msg_type: str,
        *body: tuple[int, object],
        seq: int | None = None,
        header: Iterable[tuple[int, object]] = (),
        begin_string: str | None = None,
        sending: str | None = None,
        advance: bool = True,
    ) -> bytes:
        number = self.seq if seq is None else seq
        fields: list[tuple[int, str]] = [
            (35, msg_type),
            (49, self.sender),
            (56, self.target),
            (34, str(number)),
            (52, sending if sending is not None else self.stamp()),
        ]
        fields += [(t, str(v)) for t, v in header]
        fields += [(t, str(v)) for t, v in body]
        if advance and seq is None:
            self.seq += 1
        return encode(begin_string or self.begin_string, fields)

    def feed(self, data: bytes) -> list[SessionEvent]:
        events = self.connection.receive_data(data, self.clock.now_ns())
        self.events += events
        self._collect()
        return events

    def send(self, msg_type: str, *body: tuple[int, object], **kw: Any) -> list[SessionEvent]:
        return self.feed(self.build(msg_type, *body, **kw))

    def tick(self, duration_ns: int = 0) -> list[SessionEvent]:
        """Advance the clock and fire whatever timer is due, as the transport would."""
        if duration_ns:
            self.clock.advance(duration_ns)
        events = self.connection.on_timer(self.clock.now_ns())
        self.events += events
        self._collect()
        return events

    def _collect(self) -> None:
        self.received += read_messages(self.connection.data_to_send())

    def take(self) -> list[FixMessage]:
        """What the acceptor wrote since the last ``take`` (including what it sent unprompted)."""
        self._collect()
        out, self.received = self.received, []
        return out

    def logon(self, heartbeat: int = 30, *extra: tuple[int, object]) -> list[FixMessage]:
        self.send("A", (98, 0), (108, heartbeat), *extra)
        return self.take()


@dataclass
class Acceptor:
    """A facility-side session (and its directory) plus helpers to open connections."""

    clock: ManualClock
    session: FixSession
    directory: SessionDirectory

    def connect(self, **peer: Any) -> Peer:
        connection = FixConnection(directory=self.directory)
        connection.connection_made(self.clock.now_ns())
        return Peer(self.clock, connection, self.session.begin_string, **peer)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def make_info() -> Callable[..., SessionInfo]:
    """``make_info(begin_string, **changes)``: the test session's SessionInfo."""
    return info_for


AcceptorFactory = Callable[..., Acceptor]


@pytest.fixture
def make_acceptor(clock: ManualClock) -> AcceptorFactory:
    def make(
        begin_string: str = "FIX.4.4",
        *,
        store: MessageStore | None = None,
        unknown_comp_ids: UnknownCompIdPolicy = UnknownCompIdPolicy.LOGOUT,
        info: dict[str, Any] | None = None,
        **config: Any,
    ) -> Acceptor:
        session_info = info_for(begin_string, **(info or {}))
        session = FixSession(
            SessionConfig(info=session_info, role=Role.ACCEPTOR, **config),
            store if store is not None else MemoryStore(),
        )
        directory = SessionDirectory([session], unknown_comp_ids=unknown_comp_ids)
        return Acceptor(clock, session, directory)

    return make


@pytest.fixture
def acceptor(make_acceptor: AcceptorFactory) -> Acceptor:
    return make_acceptor()


@pytest.fixture
def peer(acceptor: Acceptor) -> Peer:
    """A firm connected to the default FIX 4.4 acceptor, not yet logged on."""
    return acceptor.connect()


@pytest.fixture
def logged_on(peer: Peer) -> Peer:
    """A firm logged on (seq 1 each way), with the acceptor's Logon already taken."""
    answer = peer.logon()
    assert [m.msg_type for m in answer] == ["A"]
    return peer


def fields_of(message: FixMessage, *tags: int) -> dict[int, str | None]:
    return {tag: message.get(tag) for tag in tags}
