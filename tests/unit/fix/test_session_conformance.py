"""FIX Session Layer Test Cases (FIX 4.2/4.4 Vol. 2), as an acceptor: one test per case.

Case numbers follow the FIX Trading Community's test-case list as QuickFIX's acceptance suite
numbers it (``test/definitions/server/fix44/<case>_*.def``). Each test drives the sans-I/O
connection with bytes and a manual clock and checks exactly what the facility writes back, and
whether the inbound sequence number moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from simulator.clock import MINUTE, SECOND
from simulator.fix.codec import encode
from simulator.fix.dictionary import load_xml
from simulator.fix.message import FixMessage
from simulator.fix.session import (
    AdminMessage,
    ApplicationMessage,
    Closing,
    Ignored,
    LoggedOn,
    RejectSent,
    SessionState,
    UnknownCompIdPolicy,
)

if TYPE_CHECKING:
    from conftest import Acceptor, AcceptorFactory, Peer

FACILITY = "FNRA"  # the acceptor's CompID in conftest.info_for
FIRM = "ACMEFIX"


def fields_of(message: FixMessage, *tags: int) -> dict[int, str | None]:
    return {tag: message.get(tag) for tag in tags}


ORDER_DICTIONARY = """
<fix major="4" minor="4">
  <header/>
  <trailer/>
  <messages>
    <message name="NewOrderSingle" msgtype="D" msgcat="app">
      <field name="ClOrdID" required="Y"/>
      <field name="HandlInst" required="N"/>
      <group name="NoTradingSessions" required="N">
        <field name="TradingSessionID" required="Y"/>
        <field name="TradingSessionSubID" required="N"/>
      </group>
      <field name="Symbol" required="Y"/>
      <field name="Side" required="Y"/>
      <field name="TransactTime" required="Y"/>
      <field name="OrderQty" required="N"/>
      <field name="OrdType" required="Y"/>
    </message>
  </messages>
  <fields>
    <field number="11" name="ClOrdID" type="STRING"/>
    <field number="21" name="HandlInst" type="CHAR">
      <value enum="1" description="AUTO_PRIVATE"/><value enum="2" description="AUTO_PUBLIC"/>
      <value enum="3" description="MANUAL"/>
    </field>
    <field number="38" name="OrderQty" type="QTY"/>
    <field number="40" name="OrdType" type="CHAR">
      <value enum="1" description="MARKET"/><value enum="2" description="LIMIT"/>
    </field>
    <field number="54" name="Side" type="CHAR">
      <value enum="1" description="BUY"/><value enum="2" description="SELL"/>
    </field>
    <field number="55" name="Symbol" type="STRING"/>
    <field number="60" name="TransactTime" type="UTCTIMESTAMP"/>
    <field number="336" name="TradingSessionID" type="STRING"/>
    <field number="386" name="NoTradingSessions" type="NUMINGROUP"/>
    <field number="625" name="TradingSessionSubID" type="STRING"/>
  </fields>
</fix>
"""


def order(peer: Peer, *, clordid: str = "ID") -> tuple[tuple[int, object], ...]:
    return ((11, clordid), (21, 3), (55, "INTC"), (54, 1), (60, peer.stamp()), (40, 1))


def types(messages: list) -> list[str | None]:
    return [m.msg_type for m in messages]


def closing(events: list) -> list[str]:
    return [e.reason for e in events if isinstance(e, Closing)]


@pytest.fixture
def orders(make_acceptor: AcceptorFactory) -> Peer:
    """A logged-on firm on an acceptor that validates NewOrderSingle (D) by a dictionary."""
    acceptor = make_acceptor(dictionary=load_xml("orders.xml", text=ORDER_DICTIONARY))
    peer = acceptor.connect()
    assert types(peer.logon()) == ["A"]
    return peer


def expect_reject(peer: Peer, reason: int, ref_tag: int | None, ref_type: str, ref_seq: int):
    [reject] = peer.take()
    assert reject.msg_type == "3"
    assert fields_of(reject, 45, 371, 372, 373) == {
        45: str(ref_seq),
        371: None if ref_tag is None else str(ref_tag),
        372: ref_type,
        373: str(reason),
    }
    return reject


# -- 1: logon --


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_1a_valid_logon_is_answered_with_a_logon(
    make_acceptor: AcceptorFactory, begin_string: str
) -> None:
    acceptor = make_acceptor(begin_string)
    peer = acceptor.connect()
    [answer] = peer.logon(30)
    assert answer.get(8) == begin_string
    assert fields_of(answer, 35, 34, 49, 56, 98, 108) == {
        35: "A", 34: "1", 49: FACILITY, 56: FIRM, 98: "0", 108: "30",
    }  # fmt: skip
    assert any(isinstance(e, LoggedOn) for e in peer.events)
    assert acceptor.session.state is SessionState.LOGGED_ON
    assert acceptor.session.next_target_seq == 2


def test_1a_logon_with_msgseqnum_too_high_gets_logon_then_resend_request(peer: Peer) -> None:
    peer.seq = 5
    answer = peer.logon()
    assert types(answer) == ["A", "2"]
    assert fields_of(answer[1], 34, 7, 16) == {34: "2", 7: "1", 16: "0"}


def test_1b_duplicate_identity_second_connection_is_dropped(acceptor: Acceptor) -> None:
    first = acceptor.connect()
    assert types(first.logon()) == ["A"]
    second = acceptor.connect()
    second.send("A", (98, 0), (108, 30))
    assert second.take() == []  # disconnected without a message
    assert second.connection.should_close
    assert "duplicate Logon" in closing(second.events)[0]
    # the live session is untouched
    first.send("1", (112, "STILL-THERE"))
    [heartbeat] = first.take()
    assert fields_of(heartbeat, 35, 112, 34) == {35: "0", 112: "STILL-THERE", 34: "2"}


def test_1c_unknown_comp_ids_are_refused_with_a_logout(acceptor: Acceptor) -> None:
    stranger = acceptor.connect(sender="NOBODY")
    stranger.send("A", (98, 0), (108, 30))
    [logout] = stranger.take()
    assert logout.msg_type == "5"
    assert "NOBODY" in (logout.get(58) or "")
    assert stranger.connection.should_close
    assert acceptor.session.state is SessionState.DISCONNECTED


def test_1c_trace_ignores_a_logon_with_unknown_comp_ids(make_acceptor: AcceptorFactory) -> None:
    acceptor = make_acceptor(unknown_comp_ids=UnknownCompIdPolicy.IGNORE)
    stranger = acceptor.connect(target="NOTFNRA")
    stranger.send("A", (98, 0), (108, 30))
    assert stranger.take() == []  # facilities.md 3.1: "logon silently ignored"
    assert not stranger.connection.should_close
    stranger.tick(10 * SECOND)  # until the logon timeout closes it
    assert stranger.connection.should_close
    assert stranger.take() == []


def test_1c_disconnect_policy_closes_without_a_message(make_acceptor: AcceptorFactory) -> None:
    acceptor = make_acceptor(unknown_comp_ids=UnknownCompIdPolicy.DISCONNECT)
    stranger = acceptor.connect(sender="NOBODY")
    stranger.send("A", (98, 0), (108, 30))
    assert stranger.take() == []
    assert stranger.connection.should_close


def test_1d_logon_with_bad_sending_time_is_rejected_then_logged_out(peer: Peer) -> None:
    peer.send("A", (98, 0), (108, 30), sending=peer.stamp(-3 * MINUTE))
    reject, logout = peer.take()
    assert fields_of(reject, 35, 373, 372, 45) == {35: "3", 373: "10", 372: "A", 45: "1"}
    assert logout.msg_type == "5"
    assert peer.connection.should_close


def test_1d_logon_with_wrong_begin_string_is_logged_out(peer: Peer) -> None:
    peer.send("A", (98, 0), (108, 30), begin_string="FIX.4.2")
    [logout] = peer.take()
    assert fields_of(logout, 35, 58) == {35: "5", 58: "Incorrect BeginString"}
    assert peer.connection.should_close


def test_1d_logon_with_wrong_body_length_disconnects(peer: Peer) -> None:
    good = peer.build("A", (98, 0), (108, 30))
    bad = good.replace(b"\x019=", b"\x019=1", 1)  # BodyLength now 10x too large + change
    bad = bad[:-7] + b"10=000\x01"
    peer.feed(bad + good)  # a following good Logon does not rescue it
    assert peer.take() == []
    assert peer.connection.should_close


def test_1e_first_message_not_a_logon_disconnects(peer: Peer) -> None:
    peer.send("0")
    assert peer.take() == []
    assert peer.connection.should_close
    assert "first message is not a Logon" in closing(peer.events)[0]


def test_1_heartbeat_interval_outside_the_facility_bounds_is_refused(
    make_acceptor: AcceptorFactory,
) -> None:
    acceptor = make_acceptor(heartbeat_min_s=30, heartbeat_max_s=30)  # TRACE: 30 only
    peer = acceptor.connect()
    [logout] = peer.logon(60)
    assert fields_of(logout, 35, 58) == {35: "5", 58: "HeartBtInt must be 30 seconds, not 60"}
    assert peer.connection.should_close


def test_1_encryption_is_refused(peer: Peer) -> None:
    peer.send("A", (98, 1), (108, 30))
    [logout] = peer.take()
    assert logout.msg_type == "5"
    assert "EncryptMethod" in (logout.get(58) or "")


# -- 2: standard header --


def test_2a_msgseqnum_as_expected_is_accepted(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("0")
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 3


def test_2b_msgseqnum_too_high_requests_a_resend_then_processes_the_queue(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.seq = 4
    logged_on.send("1", (112, "LATER"))
    [resend] = logged_on.take()
    assert fields_of(resend, 35, 7, 16) == {35: "2", 7: "2", 16: "0"}
    assert acceptor.session.next_target_seq == 2
    logged_on.send("4", (123, "Y"), (36, 4), seq=2, header=[(43, "Y"), (122, logged_on.stamp())])
    [heartbeat] = logged_on.take()  # the queued TestRequest 4 is answered once the gap closes
    assert fields_of(heartbeat, 35, 112) == {35: "0", 112: "LATER"}
    assert acceptor.session.next_target_seq == 5


def test_2c_msgseqnum_too_low_without_possdup_logs_out_and_disconnects(
    logged_on: Peer,
) -> None:
    logged_on.send("0")
    logged_on.send("0")
    logged_on.send("0", seq=2)
    [logout] = logged_on.take()
    assert fields_of(logout, 35, 58) == {
        35: "5",
        58: "MsgSeqNum too low, expecting 4 but received 2",
    }
    assert logged_on.connection.should_close


def test_2d_garbled_message_is_ignored_and_not_counted(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.feed(b"8=FIX.4.4\x019=5\x0135=0\x01garbled\x0110=000\x01")
    logged_on.send("1", (112, "AFTER"))
    [heartbeat] = logged_on.take()
    assert heartbeat.get(112) == "AFTER"
    assert acceptor.session.next_target_seq == 3
    assert any(isinstance(e, Ignored) for e in logged_on.events)


def test_2e_possdup_already_received_is_ignored(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("0")
    events = logged_on.send("1", (112, "DUP"), seq=2, header=[(43, "Y"), (122, logged_on.stamp())])
    assert logged_on.take() == []
    assert any(isinstance(e, Ignored) and "duplicate" in e.reason for e in events)
    assert acceptor.session.next_target_seq == 3


def test_2e_possdup_not_yet_received_is_processed(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("1", (112, "RESENT"), header=[(43, "Y"), (122, logged_on.stamp())])
    [heartbeat] = logged_on.take()
    assert heartbeat.get(112) == "RESENT"
    assert acceptor.session.next_target_seq == 3


def test_2f_possdup_with_orig_sending_time_after_sending_time_is_rejected_then_logged_out(
    logged_on: Peer,
) -> None:
    logged_on.send("0")
    logged_on.send("0", seq=2, header=[(43, "Y"), (122, logged_on.stamp(10 * SECOND))])
    reject, logout = logged_on.take()
    assert fields_of(reject, 35, 45, 373, 58) == {
        35: "3", 45: "2", 373: "10", 58: "SendingTime accuracy problem",
    }  # fmt: skip
    assert logout.msg_type == "5"
    assert logged_on.connection.session is not None
    assert logged_on.connection.session.state is SessionState.LOGOUT_SENT


def test_2g_possdup_without_orig_sending_time_is_rejected_and_not_counted(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.send("0")
    logged_on.send("0")
    logged_on.send("0", seq=2, header=[(43, "Y")])
    expect_reject(logged_on, 1, 122, "0", 2)
    assert acceptor.session.next_target_seq == 4


def test_2i_wrong_begin_string_in_session_logs_out(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("1", (112, "id"), begin_string="FIX.4.1")
    [logout] = logged_on.take()
    assert fields_of(logout, 35, 58) == {35: "5", 58: "Incorrect BeginString"}
    assert acceptor.session.state is SessionState.LOGOUT_SENT
    logged_on.send("5")
    assert logged_on.connection.should_close
    assert logged_on.take() == []  # our Logout was the answer already


def test_2k_comp_id_mismatch_is_rejected_then_logged_out(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.sender = "WT"
    logged_on.send("D", *order(logged_on))
    reject, logout = logged_on.take()
    assert fields_of(reject, 35, 45, 372, 373, 58) == {
        35: "3", 45: "2", 372: "D", 373: "9", 58: "CompID problem",
    }  # fmt: skip
    assert logout.msg_type == "5"
    assert acceptor.session.state is SessionState.LOGOUT_SENT
    assert acceptor.session.next_target_seq == 3


def test_2m_body_length_wrong_is_ignored_and_not_counted(logged_on: Peer) -> None:
    good = logged_on.build("D", *order(logged_on), seq=2, advance=False)
    too_short = good.replace(b"9=", b"9=3", 1)[: -len(b"10=000\x01")]
    too_short = too_short + b"10=000\x01"
    logged_on.feed(too_short)
    assert logged_on.take() == []
    too_long = good.replace(b"\x019=", b"\x019=9", 1)
    logged_on.feed(too_long + good)  # the good copy follows and is found
    assert next(e for e in logged_on.events if isinstance(e, ApplicationMessage)).seq == 2
    assert sum(isinstance(e, Ignored) and "body-length" in e.reason for e in logged_on.events) == 2


def test_2o_sending_time_out_of_range_is_rejected_then_logged_out(logged_on: Peer) -> None:
    logged_on.send("0", sending=logged_on.stamp(-121 * SECOND))
    reject, logout = logged_on.take()
    assert fields_of(reject, 35, 45, 372, 373) == {35: "3", 45: "2", 372: "0", 373: "10"}
    assert logout.msg_type == "5"


def test_2q_invalid_msg_type_is_rejected(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("*")
    reject = expect_reject(logged_on, 11, None, "*", 2)
    assert reject.get(58) == "Invalid MsgType"
    assert acceptor.session.next_target_seq == 3


def test_2r_unsupported_msg_type_gets_a_business_message_reject(
    make_acceptor: AcceptorFactory,
) -> None:
    acceptor = make_acceptor(supported_app_types=frozenset({"AE"}))
    peer = acceptor.connect()
    peer.logon()
    peer.send("8", (37, "id"), (17, "id"), (150, 0), (39, 0), (55, "WLRI"), (54, 1))
    [reject] = peer.take()
    assert fields_of(reject, 35, 45, 372, 380, 58) == {
        35: "j", 45: "2", 372: "8", 380: "3", 58: "Unsupported Message Type",
    }  # fmt: skip
    assert acceptor.session.next_target_seq == 3


def test_2t_first_three_fields_out_of_order_is_ignored(logged_on: Peer, acceptor: Acceptor) -> None:
    body = b"35=0\x0134=2\x0149=ACMEFIX\x0152=" + logged_on.stamp().encode() + b"\x0156=FNRA\x01"
    swapped = b"8=FIX.4.4\x019=" + str(len(body)).encode() + b"\x01" + body
    swapped = swapped.replace(b"35=0\x0134=2", b"34=2\x0135=0")
    total = sum(swapped) % 256
    logged_on.feed(swapped + b"10=%03d\x01" % total)
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 2
    assert any(isinstance(e, Ignored) and "MsgType" in e.reason for e in logged_on.events)


# -- 3: standard trailer --


def test_3b_invalid_checksum_is_ignored_and_not_counted(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    good = logged_on.build("1", (112, "X"), seq=2, advance=False)
    declared = int(good[-4:-1])
    bad = good[:-4] + b"%03d\x01" % ((declared + 1) % 256)
    logged_on.feed(bad)
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 2
    logged_on.feed(good)
    assert types(logged_on.take()) == ["0"]


def test_3c_garbled_field_is_ignored_and_a_gap_then_requested(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    raw = encode("FIX.4.4", [(35, "0"), (34, "2"), (49, FIRM), (52, logged_on.stamp())])
    garbled = raw.replace(b"49=ACMEFIX", b"4garbled9=ACMEFIX")
    body_len = garbled.index(b"10=") - (garbled.index(b"\x01", 10) + 1)
    garbled = garbled.replace(b"9=%d" % (body_len - 7), b"9=%d" % body_len, 1)
    garbled = garbled[:-4] + b"%03d\x01" % (sum(garbled[:-7]) % 256)
    logged_on.feed(garbled)
    assert logged_on.take() == []
    assert any(isinstance(e, Ignored) and "garbled" in e.reason for e in logged_on.events)
    logged_on.send("0", seq=3)
    [resend] = logged_on.take()
    assert fields_of(resend, 35, 7, 16) == {35: "2", 7: "2", 16: "0"}
    assert acceptor.session.next_target_seq == 2


# -- 4 to 7: heartbeats, test requests, rejects --


def test_4a_heartbeat_sent_when_nothing_was_sent_for_heartbtint(logged_on: Peer) -> None:
    logged_on.tick(29 * SECOND)
    assert logged_on.take() == []
    logged_on.send("0")  # input keeps the TestRequest away; output is what is due
    logged_on.tick(1 * SECOND)
    [heartbeat] = logged_on.take()
    assert fields_of(heartbeat, 35, 34, 112) == {35: "0", 34: "2", 112: None}


def test_4b_test_request_is_answered_with_its_id(logged_on: Peer) -> None:
    logged_on.send("1", (112, "PING-7"))
    [heartbeat] = logged_on.take()
    assert fields_of(heartbeat, 35, 112) == {35: "0", 112: "PING-7"}


def test_5_valid_heartbeat_is_accepted(logged_on: Peer, acceptor: Acceptor) -> None:
    events = logged_on.send("0")
    assert any(isinstance(e, AdminMessage) and e.message.msg_type == "0" for e in events)
    assert acceptor.session.next_target_seq == 3


def test_6_test_request_after_silence_then_disconnect_when_unanswered(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    assert acceptor.session.next_deadline_ns() == logged_on.clock.now_ns() + 30 * SECOND
    logged_on.tick(30 * SECOND)
    assert types(logged_on.take()) == ["0"]
    logged_on.tick(6 * SECOND)  # 1.2 x 30 s without input
    [test_request] = logged_on.take()
    assert fields_of(test_request, 35, 112) == {35: "1", 112: "TEST"}
    logged_on.tick(36 * SECOND - 1)
    assert not logged_on.connection.should_close
    logged_on.tick(1)
    assert logged_on.connection.should_close
    assert "TestRequest not answered" in closing(logged_on.events)[0]


def test_6_a_clock_jump_costs_a_test_request_not_the_connection(logged_on: Peer) -> None:
    logged_on.tick(15 * MINUTE)  # a scenario skipping over the TRACE 15-minute window
    assert types(logged_on.take()) == ["1"]  # the TestRequest also serves as the heartbeat
    assert not logged_on.connection.should_close
    logged_on.send("0", (112, "TEST"))
    logged_on.tick(30 * SECOND)
    assert not logged_on.connection.should_close


def test_7_valid_reject_is_accepted_and_counted(logged_on: Peer, acceptor: Acceptor) -> None:
    events = logged_on.send("3", (45, 1), (373, 99), (58, "just testing"))
    assert logged_on.take() == []
    assert any(isinstance(e, AdminMessage) and e.message.msg_type == "3" for e in events)
    assert acceptor.session.next_target_seq == 3


# -- 8: resend request --


def test_8_resend_request_resends_application_messages_and_gap_fills_admin_ones(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    session = acceptor.session
    clock = logged_on.clock
    for _ in range(3):  # admin 2-4
        logged_on.send("1", (112, "HELLO"))
    first_ack_time = logged_on.stamp()
    session.send_app(_ack("5"), clock.now_ns())  # app 5-6
    session.send_app(_ack("6"), clock.now_ns())
    for _ in range(2):  # admin 7-8
        logged_on.send("1", (112, "HELLO"))
    session.send_app(_ack("9"), clock.now_ns())  # app 9
    logged_on.take()
    clock.advance(5 * SECOND)
    logged_on.send("2", (7, 2), (16, 0))
    resent = logged_on.take()
    assert [(m.msg_type, m.get(34), m.get(36)) for m in resent] == [
        ("4", "2", "5"),
        ("AE", "5", None),
        ("AE", "6", None),
        ("4", "7", "9"),
        ("AE", "9", None),
    ]
    for message in resent:
        assert message.get(43) == "Y"
        assert message.get(122) is not None
    assert resent[0].get(123) == "Y"
    assert resent[1].get(122) == first_ack_time
    assert resent[1].get(52) != first_ack_time  # a new SendingTime on the copy
    assert resent[1].get(571) == "5"
    logged_on.send("1", (112, "AFTER"))
    [heartbeat] = logged_on.take()
    assert heartbeat.get(34) == "10"  # the resend used no new numbers


def test_8_resend_request_with_an_end_limits_the_range(logged_on: Peer, acceptor: Acceptor) -> None:
    for n in range(3):
        acceptor.session.send_app(_ack(str(n)), logged_on.clock.now_ns())
    logged_on.take()
    logged_on.send("2", (7, 3), (16, 3))
    [copy] = logged_on.take()
    assert fields_of(copy, 35, 34, 43, 571) == {35: "AE", 34: "3", 43: "Y", 571: "1"}


def test_8_resend_request_with_a_negative_begin_is_rejected_on_fix42(
    make_acceptor: AcceptorFactory,
) -> None:
    """FIX 4.2 types BeginSeqNo as INT, so -1 passes the dictionary; it is still no number to
    resend from: 35=3 373=5 on tag 7, never silence."""
    peer = make_acceptor("FIX.4.2").connect()
    peer.logon()
    peer.send("2", (7, -1), (16, 0))
    [reject] = peer.take()
    assert fields_of(reject, 35, 45, 371, 372, 373) == {
        35: "3", 45: "2", 371: "7", 372: "2", 373: "5",
    }  # fmt: skip


# -- 10: SequenceReset-GapFill --


def test_10a_gap_fill_in_sequence_moves_the_expected_number_up(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.send("4", (123, "Y"), (36, 10), header=[(43, "Y"), (122, logged_on.stamp())])
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 10


def test_10b_gap_fill_with_msgseqnum_too_high_requests_a_resend(logged_on: Peer) -> None:
    logged_on.send("4", (123, "Y"), (36, 20), seq=10)
    logged_on.send("1", (112, "HELLO"), seq=20)
    [resend] = logged_on.take()  # one ResendRequest for the gap, not one per message
    assert fields_of(resend, 35, 7, 16) == {35: "2", 7: "2", 16: "0"}


def test_10c_gap_fill_too_low_with_possdup_is_ignored(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("0")
    logged_on.send("4", (123, "Y"), (36, 3), seq=2, header=[(43, "Y")])
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 3


def test_10d_gap_fill_too_low_without_possdup_logs_out(logged_on: Peer) -> None:
    logged_on.send("0")
    logged_on.send("4", (123, "Y"), (36, 3), seq=2)
    [logout] = logged_on.take()
    assert logout.get(58) == "MsgSeqNum too low, expecting 3 but received 2"
    assert logged_on.connection.should_close


def test_10e_gap_fill_that_would_lower_the_number_is_rejected(logged_on: Peer) -> None:
    logged_on.send("4", (123, "Y"), (36, 1))
    reject = expect_reject(logged_on, 5, 36, "4", 2)
    assert "attempt to lower sequence number, invalid value NewSeqNo=1" in (reject.get(58) or "")


# -- 11: SequenceReset-Reset --


def test_11a_reset_up_is_accepted_whatever_the_msgseqnum(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.send("4", (36, 20), seq=0)
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 20


def test_11b_reset_to_the_expected_number_changes_nothing(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    events = logged_on.send("4", (36, 2), seq=0)
    assert logged_on.take() == []
    assert acceptor.session.next_target_seq == 2
    assert any(isinstance(e, Ignored) and "no change" in e.reason for e in events)


def test_11c_reset_down_is_rejected_and_not_counted(logged_on: Peer, acceptor: Acceptor) -> None:
    logged_on.send("4", (36, 1), (123, "N"), seq=0)
    reject = expect_reject(logged_on, 5, 36, "4", 0)
    assert "attempt to lower sequence number" in (reject.get(58) or "")
    assert acceptor.session.next_target_seq == 2
    logged_on.send("1", (112, "HELLO"), seq=2)
    assert types(logged_on.take()) == ["0"]


# -- 12 and 13: logout --


def test_12_logout_we_start_waits_for_the_answer(logged_on: Peer, acceptor: Acceptor) -> None:
    acceptor.session.logout(logged_on.clock.now_ns(), "end of test")
    logged_on.tick()
    [logout] = logged_on.take()
    assert fields_of(logout, 35, 58) == {35: "5", 58: "end of test"}
    assert acceptor.session.state is SessionState.LOGOUT_SENT
    logged_on.send("5")
    assert logged_on.connection.should_close


def test_12_logout_we_start_times_out_without_an_answer(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    acceptor.session.logout(logged_on.clock.now_ns())
    logged_on.tick(2 * SECOND)
    assert logged_on.connection.should_close
    assert "no answer to our Logout" in closing(logged_on.events)[0]


def test_13b_unsolicited_logout_is_answered_then_the_connection_closes(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    logged_on.send("5", (58, "bye"))
    [answer] = logged_on.take()
    assert fields_of(answer, 35, 34) == {35: "5", 34: "2"}
    assert logged_on.connection.should_close
    assert acceptor.session.next_target_seq == 3


# -- 14: field-level rejects --


def test_14a_tag_not_defined_in_the_spec_is_rejected_373_0(logged_on: Peer) -> None:
    logged_on.send("0", (999, "HI"))
    expect_reject(logged_on, 0, 999, "0", 2)
    logged_on.send("0", (0, "HI"))
    expect_reject(logged_on, 0, 0, "0", 3)
    logged_on.send("0", (-1, "HI"))
    expect_reject(logged_on, 0, -1, "0", 4)


def test_14a_user_defined_tag_nobody_defined_is_rejected_373_3(logged_on: Peer) -> None:
    logged_on.send("0", (5000, "HI"))
    reject = expect_reject(logged_on, 3, 5000, "0", 2)
    assert reject.get(58) == "Undefined Tag"


def test_14b_required_tag_missing_is_rejected_373_1(orders: Peer) -> None:
    orders.send("D", (11, "id"), (21, 3), (40, 1), (60, orders.stamp()), (54, 1))
    expect_reject(orders, 1, 55, "D", 2)
    raw = encode("FIX.4.4", [(35, "0"), (49, FIRM), (34, "3"), (52, orders.stamp())])
    orders.seq = 4
    orders.feed(raw)
    expect_reject(orders, 1, 56, "0", 3)


def test_14c_tag_not_defined_for_this_message_type_is_rejected_373_2(logged_on: Peer) -> None:
    logged_on.send("0", (55, "MSFT"))
    reject = expect_reject(logged_on, 2, 55, "0", 2)
    assert reject.get(58) == "Tag not defined for this message type"


def test_14d_tag_without_a_value_is_rejected_373_4(logged_on: Peer) -> None:
    logged_on.send("1", (112, ""))
    expect_reject(logged_on, 4, 112, "1", 2)
    raw = encode("FIX.4.4", [(35, "0"), (49, FIRM), (56, ""), (34, "3"), (52, logged_on.stamp())])
    logged_on.feed(raw)
    expect_reject(logged_on, 4, 56, "0", 3)


def test_14e_value_out_of_range_is_rejected_373_5(orders: Peer) -> None:
    orders.send("D", (11, "id"), (21, 3), (55, "INTC"), (54, 7), (60, orders.stamp()), (40, 1))
    expect_reject(orders, 5, 54, "D", 2)


def test_14f_incorrect_data_format_is_rejected_373_6(orders: Peer) -> None:
    orders.send("D", *order(orders), (38, "+200.00"))
    reject = expect_reject(orders, 6, 38, "D", 2)
    assert reject.get(58) == "Incorrect data format for value"


def test_14g_header_field_after_the_body_is_rejected_373_14(orders: Peer) -> None:
    raw = encode(
        "FIX.4.4",
        [(35, "D"), (11, "id"), (21, 3), (40, 1), (54, 1), (55, "MSFT"), (60, orders.stamp()),
         (34, 2), (49, FIRM), (52, orders.stamp()), (56, FACILITY)],
    )  # fmt: skip
    orders.feed(raw)
    reject = expect_reject(orders, 1, 49, "D", 2)  # SenderCompID is missing from the header
    del reject
    raw = encode(
        "FIX.4.4",
        [(35, "D"), (49, FIRM), (56, FACILITY), (52, orders.stamp()), (34, 3), (11, "id"),
         (21, 3), (40, 1), (54, 1), (55, "MSFT"), (60, orders.stamp()), (50, "LATE")],
    )  # fmt: skip
    orders.feed(raw)
    reject = expect_reject(orders, 14, 50, "D", 3)
    assert reject.get(58) == "Tag specified out of required order"


def test_14h_tag_appearing_twice_is_rejected_373_13(orders: Peer) -> None:
    orders.send("D", (11, "ID"), (21, 1), (40, 1), (40, 2), (54, 1), (55, "INTC"),
                (60, orders.stamp()))  # fmt: skip
    reject = expect_reject(orders, 13, 40, "D", 2)
    assert reject.get(58) == "Tag appears more than once"


def test_14h_on_fix42_a_reason_fix42_lacks_is_named_in_text_only(
    make_acceptor: AcceptorFactory,
) -> None:
    """FIX 4.2's SessionRejectReason stops at 11: 13 ("Tag appears more than once", FIX 4.3) is
    left out and the Text says it, as QuickFIX does, so a FIX 4.2 engine can parse the Reject."""
    peer = make_acceptor("FIX.4.2").connect()
    peer.logon()
    peer.send("0", (112, "A"), (112, "B"))
    [reject] = peer.take()
    assert reject.msg_type == "3" and reject.get(373) is None
    assert (reject.get(371), reject.get(58)) == ("112", "Tag appears more than once")


def test_14i_numingroup_count_wrong_is_rejected_373_16(orders: Peer) -> None:
    orders.send("D", (11, "ID"), (21, 1), (386, 3), (336, "PRE-OPEN"), (336, "AFTER-HOURS"),
                (40, 1), (54, 1), (55, "INTC"), (60, orders.stamp()))  # fmt: skip
    reject = expect_reject(orders, 16, 386, "D", 2)
    assert reject.get(58) == "Incorrect NumInGroup count for repeating group"


def test_14_repeating_group_fields_out_of_order_are_rejected_373_15(orders: Peer) -> None:
    orders.send("D", (11, "ID"), (386, 1), (625, "SUB"), (336, "PRE"), (40, 1), (54, 1),
                (55, "INTC"), (60, orders.stamp()))  # fmt: skip
    expect_reject(orders, 15, 625, "D", 2)
    orders.send("D", (11, "ID"), (386, 2), (336, "A"), (336, "B"), (625, "X"), (40, 1),
                (54, 1), (55, "INTC"), (60, orders.stamp()))  # fmt: skip
    assert orders.take() == []  # two instances, the second with its sub-ID: valid
    orders.send("D", (11, "ID"), (386, 1), (336, "A"), (625, "X"), (625, "Y"), (40, 1),
                (54, 1), (55, "INTC"), (60, orders.stamp()))  # fmt: skip
    expect_reject(orders, 13, 625, "D", 4)


def test_14_a_rejected_message_still_counts(orders: Peer) -> None:
    orders.send("D", *order(orders), (38, "abc"))
    orders.take()
    orders.send("1", (112, "NEXT"))
    [heartbeat] = orders.take()
    assert heartbeat.get(112) == "NEXT"


# -- 15, 20, 21 and session reset --


def test_15_header_and_body_fields_in_a_different_order_are_accepted(orders: Peer) -> None:
    raw = encode(
        "FIX.4.4",
        [(35, "D"), (56, FACILITY), (34, 2), (52, orders.stamp()), (49, FIRM), (40, 1),
         (55, "MSFT"), (60, orders.stamp()), (54, 1), (21, 3), (11, "id")],
    )  # fmt: skip
    events = orders.feed(raw)
    assert orders.take() == []
    assert [e.seq for e in events if isinstance(e, ApplicationMessage)] == [2]


def test_20_resend_request_while_our_own_resend_is_outstanding(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    session = acceptor.session
    clock = logged_on.clock
    logged_on.send("D", *order(logged_on))
    session.send_app(_ack("2"), clock.now_ns())
    logged_on.send("D", *order(logged_on))
    session.send_app(_ack("3"), clock.now_ns())
    logged_on.take()
    logged_on.send("0", seq=7)
    assert fields_of(logged_on.take()[0], 35, 7) == {35: "2", 7: "4"}
    logged_on.send("2", (7, 2), (16, 3), seq=8)
    resent = logged_on.take()
    assert [(m.msg_type, m.get(34), m.get(43)) for m in resent] == [
        ("AE", "2", "Y"),
        ("AE", "3", "Y"),
    ]
    for n in (4, 5, 6):
        logged_on.send("0", seq=n, header=[(43, "Y"), (122, logged_on.stamp())])
    assert session.next_target_seq == 9  # 7 and 8 came off the queue
    logged_on.send("5", seq=9)
    assert fields_of(logged_on.take()[0], 35, 34) == {35: "5", 34: "5"}


def test_21_repeating_group_with_count_zero_is_accepted(orders: Peer) -> None:
    events = orders.send("D", *order(orders), (386, 0))
    assert orders.take() == []
    assert any(isinstance(e, ApplicationMessage) for e in events)


def test_logon_with_reset_seq_num_flag_in_session_renumbers_both_ways(
    logged_on: Peer, acceptor: Acceptor
) -> None:
    for _ in range(8):
        logged_on.send("0")
    logged_on.send("1", (112, "1"))
    assert logged_on.take()[0].get(34) == "2"
    logged_on.seq = 1
    [answer] = logged_on.logon(30, (141, "Y"))
    assert fields_of(answer, 35, 34, 141) == {35: "A", 34: "1", 141: "Y"}
    logged_on.send("1", (112, "1"))
    assert logged_on.take()[0].get(34) == "2"
    assert acceptor.session.next_target_seq == 3


def test_second_logon_without_reset_in_session_logs_out(logged_on: Peer) -> None:
    logged_on.logon()
    assert logged_on.connection.should_close


def _ack(ref: str) -> FixMessage:
    return FixMessage.of("AE", (571, ref), (939, 0))


def test_reject_and_logout_events_are_reported(logged_on: Peer) -> None:
    logged_on.send("0", (55, "MSFT"))
    [event] = [e for e in logged_on.events if isinstance(e, RejectSent)]
    assert (event.reason, event.ref_tag, event.ref_msg_type) == (2, 55, "0")
