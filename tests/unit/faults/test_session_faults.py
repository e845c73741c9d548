"""Each fault on a real session pair: what the facility writes, and how a conformant firm recovers.

The facility side is the simulator's acceptor session with the fault hook; the firm side is the
simulator's own initiator session (what the BDD harness uses). Every test ends with the firm
holding each acknowledgement exactly once -- the FIX recovery rules (ResendRequest answered from
the store, duplicates ignored, garbled messages dropped) are what make the faults survivable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fault_support import OTHER_ID, SESSION_ID, Link

from simulator.clock import SECOND
from simulator.faults.plan import FaultPlan
from simulator.faults.spec import parse_fault
from simulator.fix.message import FixMessage
from simulator.fix.session import (
    Closing,
    Ignored,
    LoggedOut,
    ResendRequested,
    SessionState,
)

MakeLink = Callable[..., Link]


def armed(make_link: MakeLink, **data: Any) -> Link:
    link = make_link()
    link.logon()
    link.plan.add(parse_fault(data), link.now())
    return link


def written_types(link: Link) -> list[tuple[str | None, str | None]]:
    return [(m.msg_type, m.get(571)) for m in link.facility_wrote() if isinstance(m, FixMessage)]


def test_a_withheld_acknowledgement_is_recovered_by_resend_request(make_link: MakeLink) -> None:
    link = armed(make_link, kind="withhold", session=SESSION_ID, on_message=2)
    link.send("T1", "T2", "T3")
    assert link.acks_received() == ["T1", "T2", "T3"]
    assert any(isinstance(e, ResendRequested) for e in link.firm.events)
    resent = [m for m in link.firm.app_messages() if m.get(43) == "Y"]
    assert [m.get(571) for m in resent] == ["T2"]  # T3 arrived first-hand before the resend
    assert resent[0].get(122) is not None
    first_hand = [m for m in link.facility_wrote() if isinstance(m, FixMessage) and not m.get(43)]
    assert "T2" not in [m.get(571) for m in first_hand]


def test_a_delayed_acknowledgement_arrives_after_the_delay_with_its_followers(
    make_link: MakeLink,
) -> None:
    link = armed(make_link, kind="delay", delay="30s", on_message=1)
    link.send("T1", "T2")
    assert link.acks_received() == []  # T1 held, T2 queued behind it
    assert link.facility.session.next_deadline_ns() == link.now() + 30 * SECOND
    link.tick(30 * SECOND - 1)
    assert link.acks_received() == []
    link.tick(1)
    assert link.acks_received() == ["T1", "T2"]
    t1 = link.firm.app_messages()[0]
    assert t1.get(43) is None  # first-hand, not a resend
    sent_at = t1.get(52)
    assert sent_at is not None and sent_at.startswith("20211115-14:30:00")  # built on time


def test_a_garbled_acknowledgement_is_ignored_and_then_resent(make_link: MakeLink) -> None:
    for mode in ("checksum", "body-length", "bytes"):
        link = armed(make_link, kind="garble", mode=mode, on_message=1)
        link.send("T1", "T2")
        assert link.acks_received() == ["T1", "T2"], mode
        assert b"bad" in link.facility_wrote(), mode  # the reader refused the garbled frame
        assert any(isinstance(e, ResendRequested) for e in link.firm.events), mode
        assert link.facility.session.store.get_range(2, 2)[0][1].count(b"571=T1") == 1


def test_an_outbound_sequence_gap_is_gap_filled_on_request(make_link: MakeLink) -> None:
    link = armed(make_link, kind="sequence-gap", gap=5, on_message=2)
    before = link.facility.session.next_sender_seq
    link.send("T1", "T2")
    assert link.acks_received() == ["T1", "T2"]
    seqs = [int(m.get(34) or 0) for m in link.facility_wrote() if isinstance(m, FixMessage)]
    assert before + 1 + 5 in seqs  # T2 numbered after the skipped five
    fills = [m for m in link.facility_wrote() if isinstance(m, FixMessage) and m.msg_type == "4"]
    assert fills and fills[0].get(123) == "Y" and fills[0].get(36) == str(before + 6)
    assert link.firm.session.next_target_seq == link.facility.session.next_sender_seq


def test_a_possible_duplicate_is_ignored_by_the_firm(make_link: MakeLink) -> None:
    link = armed(make_link, kind="duplicate", on_message=1)
    link.send("T1", "T2")
    assert link.acks_received() == ["T1", "T2"]
    dupes = [m for m in link.facility_wrote() if isinstance(m, FixMessage) and m.get(43) == "Y"]
    assert [(m.get(571), m.get(34)) for m in dupes] == [("T1", "2")]
    assert any(isinstance(e, Ignored) and "duplicate" in e.reason for e in link.firm.events)


def test_a_silent_facility_sends_no_heartbeat_and_the_firm_gives_up(make_link: MakeLink) -> None:
    link = armed(make_link, kind="silence")
    link.tick(30 * SECOND)  # both heartbeats due: only the firm's is written
    assert "0" not in [t for t, _ in written_types(link)]
    link.tick(6 * SECOND)  # 1.2 x 30 s without input: the firm sends a TestRequest
    link.tick(36 * SECOND)  # unanswered for 1.2 x 30 s more: the firm logs out and closes
    closing = [e for e in link.firm.events if isinstance(e, Closing)]
    assert closing and "TestRequest not answered" in closing[0].reason
    assert [t for t, _ in written_types(link)].count("0") == 0
    assert any("Heartbeat not sent" in e.detail for e in link.plan.events)


def test_disconnect_after_the_third_acknowledgement_with_a_logout(make_link: MakeLink) -> None:
    link = armed(make_link, kind="disconnect", on_message=3, logout=True, text="System going down")
    link.send("T1", "T2", "T3", "T4")
    assert link.acks_received() == ["T1", "T2", "T3"]
    logout = [e for e in link.firm.events if isinstance(e, LoggedOut)]
    assert logout and logout[0].text == "System going down"
    assert link.facility.connection.should_close
    assert link.facility.session.state is SessionState.CLOSING
    # T4 was processed and its acknowledgement stored: it is recovered after the reconnect
    link.reconnect()
    link.pump()
    assert link.acks_received() == ["T1", "T2", "T3", "T4"]


def test_disconnect_without_logout_leaves_no_logout_on_the_wire(make_link: MakeLink) -> None:
    link = armed(make_link, kind="disconnect", on_message=1)
    link.send("T1")
    assert link.acks_received() == ["T1"]
    assert "5" not in [t for t, _ in written_types(link)]
    assert link.facility.connection.should_close


def test_a_drop_as_the_third_report_arrives_loses_it_until_the_firm_resends(
    make_link: MakeLink,
) -> None:
    link = armed(make_link, kind="disconnect", on_message=3, direction="inbound")
    link.send("T1", "T2", "T3", "T4")
    assert link.acks_received() == ["T1", "T2"]
    assert link.facility.session.next_target_seq == 4  # Logon, T1, T2 counted; T3 never read
    assert link.facility.connection.should_close
    link.reconnect()  # the firm logs on with seq 6: the facility asks for 4 onwards
    link.pump()
    assert link.acks_received() == ["T1", "T2", "T3", "T4"]
    assert link.firm.session.next_target_seq == link.facility.session.next_sender_seq


def test_a_scoped_fault_leaves_the_other_session_alone(make_link: MakeLink) -> None:
    plan = FaultPlan(make_link().plan.sessions.values())
    plan.add(parse_fault({"kind": "withhold", "session": OTHER_ID}), 0)
    link = make_link(plan)
    link.logon()
    link.send("T1", "T2")
    assert link.acks_received() == ["T1", "T2"]
    assert not any(isinstance(e, ResendRequested) for e in link.firm.events)


def test_drop_now_with_and_without_logout(make_link: MakeLink) -> None:
    link = make_link()
    link.logon()
    events = link.facility.session.drop(link.now(), logout=True, text="maintenance")
    assert [type(e).__name__ for e in events] == ["Closing"]
    link.pump()
    assert [e.text for e in link.firm.events if isinstance(e, LoggedOut)] == ["maintenance"]
    assert link.facility.session.drop(link.now()) == []  # already closing: nothing more
    link = make_link()
    link.logon()
    link.facility.session.drop(link.now())
    link.pump()
    assert not any(isinstance(e, LoggedOut) for e in link.firm.events)
    assert link.facility.connection.should_close
