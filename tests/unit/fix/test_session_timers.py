"""Timers on the simulated clock: logon time-out, the session day (TRACE daily reset), precision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.clock import HOUR, MINUTE, SECOND
from simulator.fix.session import DailyReset, SequenceChanged, SessionState
from simulator.fix.session_states import SessionState as S
from simulator.fix.session_states import describe
from simulator.timestamps import local_ns

if TYPE_CHECKING:
    from conftest import AcceptorFactory, Peer

DOCS = Path(__file__).resolve().parents[3] / "docs" / "fix-session.md"


def test_a_connection_that_never_logs_on_is_closed_at_the_logon_timeout(peer: Peer) -> None:
    assert peer.connection.next_deadline_ns() == peer.clock.now_ns() + 10 * SECOND
    peer.tick(10 * SECOND - 1)
    assert not peer.connection.should_close
    peer.tick(1)
    assert peer.connection.should_close
    assert peer.take() == []


def test_daily_reset_day_boundaries() -> None:
    reset = DailyReset(dt.time(6, 0))
    before = local_ns(dt.date(2021, 11, 16), 5, 59)
    after = local_ns(dt.date(2021, 11, 16), 6, 0)
    assert reset.day_of(before) == "2021-11-15"
    assert reset.day_of(after) == "2021-11-16"
    assert reset.next_start_ns(before) == after
    assert reset.next_start_ns(after) == local_ns(dt.date(2021, 11, 17), 6, 0)
    # across the end of daylight saving time (2021-11-07), the reset stays at 06:00 New York
    assert reset.next_start_ns(local_ns(dt.date(2021, 11, 6), 12, 0)) == local_ns(
        dt.date(2021, 11, 7), 6, 0
    )


def test_the_session_day_ends_with_a_logout_and_numbers_restart_next_morning(
    make_acceptor: AcceptorFactory,
) -> None:
    acceptor = make_acceptor(session_day=DailyReset(dt.time(6, 0)))
    peer = acceptor.connect()
    peer.logon()
    for _ in range(4):
        peer.send("0")
    session = acceptor.session
    assert session.day_end_ns == local_ns(dt.date(2021, 11, 16), 6, 0)
    # heartbeats keep it alive through the evening; at 06:00 the facility ends the day
    while peer.clock.now_ns() < session.day_end_ns:
        peer.send("0")
        peer.tick(min(30 * SECOND, session.day_end_ns - peer.clock.now_ns()))
    logout = [m for m in peer.take() if m.msg_type == "5"]
    assert logout and "End of session day" in (logout[-1].get(58) or "")
    peer.send("5")
    assert peer.connection.should_close
    peer.connection.connection_lost(peer.clock.now_ns())
    # the next morning's first Logon starts again at 1, both ways
    peer.clock.advance(2 * HOUR)
    morning = acceptor.connect()
    events = morning.feed(morning.build("A", (98, 0), (108, 30), seq=1))
    [answer] = morning.take()
    assert answer.get(34) == "1"
    assert session.store.session_day == "2021-11-16"
    assert any(isinstance(e, SequenceChanged) and e.new == 1 for e in events)


def test_no_reset_before_the_reset_time(make_acceptor: AcceptorFactory) -> None:
    acceptor = make_acceptor(session_day=DailyReset(dt.time(6, 0)))
    peer = acceptor.connect()
    peer.logon()
    peer.send("0")
    peer.send("5")
    peer.take()
    peer.connection.connection_lost(peer.clock.now_ns())
    peer.clock.set_ns(local_ns(dt.date(2021, 11, 16), 5, 30))  # next calendar day, before 06:00
    again = acceptor.connect()
    again.seq = 4
    [answer] = again.logon()
    assert answer.get(34) == "3"  # numbers continue: still the same session day


def test_sending_time_precision_can_follow_the_date(make_acceptor: AcceptorFactory) -> None:
    cutover = local_ns(dt.date(2021, 11, 15), 9, 45)

    def digits(now_ns: int) -> int:  # e.g. Nasdaq native FIX: ms, then ns from a date
        return 9 if now_ns >= cutover else 3

    acceptor = make_acceptor(sending_time_precision=digits)
    peer = acceptor.connect()
    [logon] = peer.logon()
    assert logon.get(52) == "20211115-14:30:00.000"
    peer.clock.advance(15 * MINUTE + 123)
    peer.send("1", (112, "now"))
    [heartbeat] = peer.take()
    assert heartbeat.get(52) == "20211115-14:45:00.000000123"


def test_sending_time_check_can_be_turned_off(make_acceptor: AcceptorFactory) -> None:
    acceptor = make_acceptor(max_latency_ns=None)
    peer = acceptor.connect()
    peer.logon()
    peer.send("1", (112, "old"), sending="20010101-00:00:00")
    [heartbeat] = peer.take()
    assert heartbeat.get(112) == "old"
    assert acceptor.session.state is SessionState.LOGGED_ON


def test_heartbeat_interval_comes_from_the_logon(make_acceptor: AcceptorFactory) -> None:
    acceptor = make_acceptor(heartbeat_min_s=5, heartbeat_max_s=120)
    peer = acceptor.connect()
    peer.logon(5)
    assert acceptor.session.next_deadline_ns() == peer.clock.now_ns() + 5 * SECOND
    peer.tick(5 * SECOND)
    assert [m.msg_type for m in peer.take()] == ["0"]


def test_the_documented_state_table_is_the_code() -> None:
    table = describe()
    for state in S:
        assert f"`{state.value}`" in table
    assert DOCS.is_file(), "docs/fix-session.md is missing"
    assert table in DOCS.read_text(encoding="utf-8"), "regenerate the table in docs/fix-session.md"
