"""The session as INITIATOR (the firm side the BDD harness drives), against the acceptor.

Both ends are sans-I/O; a tiny pump moves bytes between them, so whole conversations -- logon,
application messages, a gap and its recovery, store-and-forward, logout -- run in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from simulator.clock import SECOND, ManualClock
from simulator.fix.application import SessionInfo
from simulator.fix.errors import InvalidSessionTransition
from simulator.fix.message import FixMessage
from simulator.fix.session import (
    AdminMessage,
    ApplicationMessage,
    Closing,
    FixConnection,
    FixSession,
    LoggedOn,
    LoggedOut,
    Role,
    SessionConfig,
    SessionDirectory,
    SessionEvent,
    SessionState,
)
from simulator.fix.session_states import SessionInput, transition
from simulator.fix.store import MemoryStore


@dataclass
class Pair:
    clock: ManualClock
    acceptor: FixSession
    initiator: FixSession
    a_conn: FixConnection
    i_conn: FixConnection
    a_events: list[SessionEvent] = field(default_factory=list)
    i_events: list[SessionEvent] = field(default_factory=list)

    def pump(self, *extra: list[SessionEvent]) -> None:
        for events in extra:
            self.i_events += events
        for _ in range(50):
            to_acceptor = self.i_conn.data_to_send()
            to_initiator = self.a_conn.data_to_send()
            if not to_acceptor and not to_initiator:
                return
            now = self.clock.now_ns()
            if to_acceptor:
                self.a_events += self.a_conn.receive_data(to_acceptor, now)
            if to_initiator:
                self.i_events += self.i_conn.receive_data(to_initiator, now)
        raise AssertionError("the two ends never went quiet")

    def tick(self, duration: int) -> None:
        self.clock.advance(duration)
        now = self.clock.now_ns()
        self.a_events += self.a_conn.on_timer(now)
        self.i_events += self.i_conn.on_timer(now)
        self.pump()

    def app(self, events: list[SessionEvent]) -> list[FixMessage]:
        return [e.message for e in events if isinstance(e, ApplicationMessage)]


PairFactory = Callable[..., Pair]


@pytest.fixture
def make_pair(clock: ManualClock, make_info: Callable[..., SessionInfo]) -> PairFactory:
    def make(
        acceptor_store: MemoryStore | None = None, initiator_store: MemoryStore | None = None
    ) -> Pair:
        info = make_info("FIX.4.4", facility_sub_id="CA", firm_sub_id="TRADER1")
        return _pair(clock, info, acceptor_store, initiator_store)

    return make


def _pair(
    clock: ManualClock,
    info: SessionInfo,
    acceptor_store: MemoryStore | None,
    initiator_store: MemoryStore | None,
) -> Pair:
    acceptor = FixSession(
        SessionConfig(info=info, role=Role.ACCEPTOR, heartbeat_min_s=30, heartbeat_max_s=30),
        acceptor_store or MemoryStore(),
    )
    initiator = FixSession(
        SessionConfig(info=info, role=Role.INITIATOR, heartbeat_s=30),
        initiator_store or MemoryStore(),
    )
    a_conn = FixConnection(directory=SessionDirectory([acceptor]))
    i_conn = FixConnection(session=initiator)
    now = clock.now_ns()
    a_conn.connection_made(now)
    pair = Pair(clock, acceptor, initiator, a_conn, i_conn)
    pair.i_events += i_conn.connection_made(now)
    return pair


def test_logon_from_the_initiator_is_answered(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    assert pair.initiator.state is SessionState.LOGGED_ON
    assert pair.acceptor.state is SessionState.LOGGED_ON
    assert any(isinstance(e, LoggedOn) for e in pair.i_events)
    assert (pair.initiator.next_sender_seq, pair.initiator.next_target_seq) == (2, 2)


def test_initiator_headers_carry_the_firm_and_facility_sub_ids(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    pair.initiator.send_app(FixMessage.of("AE", (571, "T1")), pair.clock.now_ns())
    pair.pump()
    [received] = pair.app(pair.a_events)
    assert {t: received.get(t) for t in (49, 50, 56, 57)} == {
        49: "ACMEFIX", 50: "TRADER1", 56: "FNRA", 57: "CA",
    }  # fmt: skip


def test_application_messages_flow_both_ways(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    for n in range(3):
        pair.initiator.send_app(FixMessage.of("AE", (571, f"T{n}")), pair.clock.now_ns())
    pair.pump()
    assert [m.get(571) for m in pair.app(pair.a_events)] == ["T0", "T1", "T2"]
    pair.acceptor.send_app(FixMessage.of("AE", (571, "T0"), (939, 0)), pair.clock.now_ns())
    pair.pump()
    [ack] = pair.app(pair.i_events)
    assert (ack.get(49), ack.get(50), ack.get(57)) == ("FNRA", "CA", "TRADER1")


def test_messages_sent_before_logon_are_recovered_by_resend(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.acceptor.send_app(FixMessage.of("AE", (571, "early")), pair.clock.now_ns())
    assert pair.acceptor.state is SessionState.DISCONNECTED  # not bound yet: stored only
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    # the acceptor's Logon is seq 2: the initiator asks for 1, and gets the stored copy
    [copy] = pair.app(pair.i_events)
    assert (copy.get(571), copy.get(34), copy.get(43)) == ("early", "1", "Y")
    assert pair.initiator.next_target_seq == 3


def test_heartbeats_keep_both_ends_alive_on_the_simulated_clock(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    for _ in range(10):
        pair.tick(30 * SECOND)
    assert pair.initiator.is_logged_on and pair.acceptor.is_logged_on
    heartbeats = [
        e for e in pair.i_events if isinstance(e, AdminMessage) and e.message.msg_type == "0"
    ]
    assert len(heartbeats) >= 9


def test_initiator_logout_completes_the_exchange(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.pump(pair.initiator.logon(pair.clock.now_ns()))
    pair.pump(pair.initiator.logout(pair.clock.now_ns(), "done for the day"))
    assert any(isinstance(e, LoggedOut) and e.text == "done for the day" for e in pair.a_events)
    assert pair.i_conn.should_close and pair.a_conn.should_close
    pair.i_conn.connection_lost(pair.clock.now_ns())
    pair.a_conn.connection_lost(pair.clock.now_ns())
    assert pair.initiator.state is SessionState.DISCONNECTED
    assert pair.acceptor.state is SessionState.DISCONNECTED


def test_a_refused_logon_closes_the_initiator_with_the_reason(make_pair: PairFactory) -> None:
    pair = make_pair()
    refused = FixSession(
        SessionConfig(
            info=pair.initiator.info, role=Role.INITIATOR, heartbeat_s=60
        ),  # TRACE takes 30 only
        MemoryStore(),
    )
    conn = FixConnection(session=refused)
    conn.connection_made(pair.clock.now_ns())
    pair.i_conn = conn
    pair.initiator = refused
    pair.pump(refused.logon(pair.clock.now_ns()))
    assert refused.state is SessionState.CLOSING
    assert refused.close_reason is not None and "HeartBtInt" in refused.close_reason
    assert any(isinstance(e, Closing) for e in pair.i_events)


def test_initiator_times_out_waiting_for_the_logon_answer(make_pair: PairFactory) -> None:
    pair = make_pair()
    pair.i_events += pair.initiator.logon(pair.clock.now_ns())  # never pumped
    pair.clock.advance(10 * SECOND)
    events = pair.i_conn.on_timer(pair.clock.now_ns())
    assert [e.reason for e in events if isinstance(e, Closing)] == ["no Logon within 10 s"]


def test_reset_on_logon_renumbers_both_ends(make_pair: PairFactory) -> None:
    store = MemoryStore(next_sender=40, next_target=40)
    pair = make_pair(initiator_store=store, acceptor_store=MemoryStore(40, 40))
    pair.pump(pair.initiator.logon(pair.clock.now_ns(), reset_seq=True))
    assert pair.acceptor.is_logged_on
    assert (pair.acceptor.next_sender_seq, pair.acceptor.next_target_seq) == (2, 2)
    assert (pair.initiator.next_sender_seq, pair.initiator.next_target_seq) == (2, 2)


def test_the_state_table_forbids_what_it_does_not_list() -> None:
    assert transition(SessionState.CONNECTED, SessionInput.SEND_LOGON) is SessionState.LOGON_SENT
    with pytest.raises(InvalidSessionTransition, match="not allowed"):
        transition(SessionState.DISCONNECTED, SessionInput.RECEIVE_LOGON)
