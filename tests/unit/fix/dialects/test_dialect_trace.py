"""TRACE CA/SP/TS through on_message: acknowledgements, alleges, modifiers, lifecycle, rejects.

Expected values come from FINRA's TRACE FIX specification v2.1 as summarised in
facilities.md sections 3.2-3.4 (codes CAEN/CACX/CACR/CAHX/CAAL, 751/58 texts, 22003 values).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dialect_support import CUSIP, OTHER_CUSIP, only, trace_report

from simulator.clock import MINUTE, SECOND, ManualClock
from simulator.domain.facility import FacilityId
from simulator.domain.trade import ReportState, Route
from simulator.fix.dialects.base import NOT_AVAILABLE
from simulator.timestamps import local_ns

MONDAY = dt.date(2026, 1, 5)
TEN = local_ns(MONDAY, 10, 0, 0)

PRODUCTS = [("CA", FacilityId.TRACE_CA), ("SP", FacilityId.TRACE_SP), ("TS", FacilityId.TRACE_TS)]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TEN)


@pytest.fixture
def ca(dialect_factory, session_factory):
    return dialect_factory("trace-ca"), session_factory("trace-ca")


def report_new(dialect, session, clock, **kwargs):
    message = trace_report(executed_ns=kwargs.pop("executed_ns", TEN - 4 * SECOND), **kwargs)
    return dialect.on_message(session, message, clock.now_ns())


# -- new reports -------------------------------------------------------------------------------


@pytest.mark.parametrize(("product", "facility"), PRODUCTS)
def test_new_report_is_acknowledged_with_the_products_code(
    product, facility, dialect_factory, session_factory, clock, journal
):
    dialect, session = dialect_factory(facility), session_factory(facility)
    outbound = report_new(dialect, session, clock, product=product)
    ack = only(outbound)
    assert ack.msg_type == "AE"
    assert ack.get(1011) == f"{product}EN"
    assert (ack.get(487), ack.get(856), ack.get(570)) == ("0", "0", "N")
    assert ack.get(572) == "R123"
    control = ack.get(1003)
    assert control is not None and re.fullmatch(r"2\d{9}", control)
    assert ack.get(22011) == "20260105"
    assert ack.get(22003) is None  # on time, during market hours
    stored = journal.query(facility=facility.value)
    assert len(stored) == 1
    assert stored[0].control_number == control
    assert stored[0].report.route is Route.FIX
    assert stored[0].report.reporting_mpid == "ABCD"
    assert stored[0].report.contra_mpid == "EFGH"
    assert stored[0].report.security == CUSIP


def test_ack_echoes_the_trade_and_blanks_order_ids(ca, clock):
    dialect, session = ca
    ack = only(report_new(dialect, session, clock))
    assert (ack.get(48), ack.get(22)) == (CUSIP, "1")
    assert (ack.get(32), ack.get(31)) == ("100000.00", "101.250000")
    assert ack.get(75) == "20260105"
    assert ack.get(60) == "20260105-14:59:56"  # UTC, whole seconds (CA spec section 2)
    assert ack.get(64) == "20260106"
    assert ack.get(22016) == "S1"
    assert ack.get_all(37) == ["NONE", "NONE"]
    assert ack.get_all(448) == ["ABCD", "0123", "EFGH"]


def test_contra_member_receives_an_allege(ca, clock, journal):
    dialect, session = ca
    outbound = report_new(dialect, session, clock)
    ack, allege = only(outbound), only(outbound, to_firm="EFGH")
    assert allege.get(1011) == "CAAL"
    assert (allege.get(487), allege.get(856)) == ("0", "1")
    assert allege.get(1003) == ack.get(1003)
    assert allege.get(572) is None  # the reporting firm's own reference stays private
    deliveries = journal.deliveries()
    assert [(d.recipient, d.msg_type) for d in deliveries] == [
        ("Alpha Securities", "AE/CAEN"),
        ("EFGH", "AE/CAAL"),
    ]


@pytest.mark.parametrize("contra", ["C", "A"])
def test_no_allege_for_customer_or_affiliate_contra(ca, clock, contra):
    dialect, session = ca
    outbound = report_new(dialect, session, clock, contra=contra)
    assert [o.to_firm for o in outbound] == [None]
    assert only(outbound).get(1011) == "CAEN"


def test_memo_and_commission_are_not_alleged(ca, clock):
    dialect, session = ca
    message = trace_report(executed_ns=TEN - SECOND)
    fields = message.fields
    position = fields.index((528, "P")) + 1
    fields[position:position] = [(12, "125.00"), (13, "3"), (58, "MYMEMO")]
    outbound = dialect.on_message(session, message, clock.now_ns())
    ack, allege = only(outbound), only(outbound, to_firm="EFGH")
    assert (ack.get(12), ack.get(58)) == ("125.00", "MYMEMO")
    assert (allege.get(12), allege.get(13), allege.get(58)) == (None, None, None)


# -- Trade Modifier 3 (22003) from the timeliness engine ----------------------------------------


@pytest.mark.parametrize(
    ("delay_ns", "modifier"),
    [(15 * MINUTE, None), (15 * MINUTE + 1, "Z")],
    ids=["exactly-15-min", "15-min-plus-1ns"],
)
def test_late_inside_market_hours_is_z(ca, delay_ns, modifier, journal):
    dialect, session = ca
    executed = local_ns(MONDAY, 10, 0, 0)
    outbound = dialect.on_message(session, trace_report(executed_ns=executed), executed + delay_ns)
    assert only(outbound).get(22003) == modifier
    assert journal.query()[0].modifier == modifier


@pytest.mark.parametrize(
    ("received", "modifier"),
    [((17, 20, 0), "T"), ((17, 25, 0), "T"), ((17, 26, 0), "U")],
    ids=["after-close-on-time", "after-close-15min", "after-close-late"],
)
def test_after_market_hours_is_t_or_u(ca, received, modifier):
    dialect, session = ca
    executed = local_ns(MONDAY, 17, 10, 0)
    now = local_ns(MONDAY, *received)
    outbound = dialect.on_message(session, trace_report(executed_ns=executed), now)
    assert only(outbound).get(22003) == modifier
    # the allege carries the same facility-generated modifier
    assert only(outbound, to_firm="EFGH").get(22003) == modifier


def test_treasury_market_closes_at_1730(dialect_factory, session_factory):
    dialect, session = dialect_factory("trace-ts"), session_factory("trace-ts")
    executed = local_ns(MONDAY, 17, 20, 0)
    message = trace_report(executed_ns=executed, product="TS")
    assert only(dialect.on_message(session, message, executed + MINUTE)).get(22003) is None
    later = local_ns(MONDAY, 17, 31, 0)
    message = trace_report(executed_ns=executed, product="TS", client_ref="R2")
    assert only(dialect.on_message(session, message, later)).get(22003) == "T"


def test_prior_day_trade_is_as_of(ca, journal):
    dialect, session = ca
    executed = local_ns(dt.date(2026, 1, 2), 11, 0, 0)  # Friday
    now = local_ns(MONDAY, 9, 0, 0)
    outbound = dialect.on_message(session, trace_report(executed_ns=executed, as_of="1"), now)
    ack = only(outbound)
    assert ack.get(1011) == "CAEN"
    assert ack.get(1015) == "1"
    assert ack.get(22011) == "20260105"  # control date: the day TRACE accepted it
    stored = journal.query()[0]
    assert stored.report.as_of
    assert stored.decision.late


def test_as_of_flag_on_todays_trade_is_refused(ca, clock):
    dialect, session = ca
    reject = only(report_new(dialect, session, clock, as_of="1"))
    assert (reject.msg_type, reject.get(751), reject.get(58)) == ("AR", "081", "INVALID AS-OF")


# -- cancel, correction, reversal round trips --------------------------------------------------


def new_trade(dialect, session, clock, **kwargs):
    ack = only(report_new(dialect, session, clock, **kwargs))
    assert ack.get(1011) == "CAEN", ack
    return ack.get(1003), ack.get(22011)


def cancel(dialect, session, now, **kwargs):
    kwargs.setdefault("control_date", MONDAY)
    message = trace_report(
        executed_ns=kwargs.pop("executed_ns", TEN - 4 * SECOND),
        client_ref=kwargs.pop("client_ref", "C1"),
        trans="1",
        kind="6",
        sides=1,
        **kwargs,
    )
    return dialect.on_message(session, message, now)


def test_cancel_by_control_number(ca, clock, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    clock.advance(MINUTE)
    ack = only(cancel(dialect, session, clock.now_ns(), control_number=control))
    assert ack.get(1011) == "CACX"
    assert (ack.get(487), ack.get(856)) == ("1", "6")
    assert ack.get(1003) == control
    assert ack.get(572) == "C1"
    assert ack.get(552) == "1"
    assert journal.query()[0].state is ReportState.CANCELLED


def test_cancel_by_client_reference(ca, clock, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    ack = only(cancel(dialect, session, clock.now_ns(), ref="R123"))
    assert (ack.get(1011), ack.get(1003)) == ("CACX", control)


def test_cancelling_twice_is_trade_already_canceled(ca, clock, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    cancel(dialect, session, clock.now_ns(), control_number=control)
    reject = only(cancel(dialect, session, clock.now_ns(), control_number=control))
    assert (reject.msg_type, reject.get(150), reject.get(939)) == ("AR", "8", "1")
    assert (reject.get(751), reject.get(58)) == ("105", "TRADE ALREADY CANCELED")
    assert reject.get(571) == "C1"
    assert [r.code for r in journal.rejects()] == ["105"]


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"control_number": "2999999999"}, "303", "TRADE NOT FOUND"),
        ({"control_date": None, "control_number": "2999999999"}, "301", "INVALID CONTROL DATE"),
        ({}, "104", "NO CONTROL NUMBER"),
        ({"control_number": "12AB"}, "302", "INVALID CONTROL NUMBER"),
    ],
    ids=["unknown", "no-control-date", "no-reference", "malformed-number"],
)
def test_cancel_reference_errors(ca, clock, kwargs, code, text, journal):
    dialect, session = ca
    new_trade(dialect, session, clock)
    reject = only(cancel(dialect, session, clock.now_ns(), **kwargs))
    assert (reject.get(751), reject.get(58)) == (code, text)
    assert journal.rejects()[-1].code == code
    assert journal.query()[0].state is ReportState.ACCEPTED


def test_a_firm_cannot_cancel_another_firms_trade(dialect_factory, session_factory, clock):
    dialect = dialect_factory("trace-ca")
    alpha = session_factory("trace-ca", mpids=("ABCD",), firm="Alpha")
    beta = session_factory("trace-ca", mpids=("WXYZ",), firm="Beta")
    control, _ = new_trade(dialect, alpha, clock)
    # Beta names itself as reporting party and Alpha's control number: RPID MISMATCH
    reject = only(cancel(dialect, beta, clock.now_ns(), control_number=control, rpid="WXYZ"))
    assert (reject.get(751), reject.get(58)) == ("313", "RPID MISMATCH")
    # Beta looks it up by Alpha's client reference: its own reports hold no such trade
    reject = only(cancel(dialect, beta, clock.now_ns(), ref="R123", rpid="WXYZ"))
    assert (reject.get(751), reject.get(58)) == ("303", "TRADE NOT FOUND")
    # Beta names Alpha as the reporting party: not an MPID of Beta's session
    reject = only(cancel(dialect, beta, clock.now_ns(), control_number=control, rpid="ABCD"))
    assert (reject.get(751), reject.get(58)) == ("007", "INVALID RPID")


def correct(dialect, session, now, control, **kwargs):
    message = trace_report(
        executed_ns=kwargs.pop("executed_ns", TEN - 4 * SECOND),
        client_ref=kwargs.pop("client_ref", "K1"),
        trans="2",
        kind="5",
        control_number=control,
        control_date=kwargs.pop("control_date", MONDAY),
        **kwargs,
    )
    return dialect.on_message(session, message, now)


def test_correction_issues_a_new_control_number(ca, clock, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    clock.advance(2 * MINUTE)
    ack = only(correct(dialect, session, clock.now_ns(), control, price="101.500000"))
    assert ack.get(1011) == "CACR"
    assert (ack.get(487), ack.get(856)) == ("2", "5")
    assert ack.get(1126) == control
    assert ack.get(22012) == "20260105"
    assert ack.get(1003) not in (None, control)
    assert ack.get(31) == "101.500000"
    states = {s.control_number: s.state for s in journal.query()}
    assert states[control] is ReportState.CORRECTED
    assert states[ack.get(1003)] is ReportState.ACCEPTED


def test_correction_goes_through_the_timeliness_engine(ca, clock, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    clock.advance(30 * MINUTE)
    ack = only(correct(dialect, session, clock.now_ns(), control))
    assert ack.get(22003) == "Z"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"executed_ns": TEN - 2 * SECOND}, "178"),  # TransactTime may only move earlier
        ({"cusip": OTHER_CUSIP}, "060"),  # the CUSIP cannot change
    ],
    ids=["later-execution", "other-cusip"],
)
def test_correction_rules(ca, clock, kwargs, code, journal):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    reject = only(correct(dialect, session, clock.now_ns(), control, **kwargs))
    assert reject.get(751) == code
    assert journal.query()[0].state is ReportState.ACCEPTED


def test_correcting_an_earlier_days_trade_needs_as_of(ca, journal):
    dialect, session = ca
    friday = dt.date(2026, 1, 2)
    executed = local_ns(friday, 11, 0, 0)
    control, _ = new_trade(dialect, session, ManualClock(executed + SECOND), executed_ns=executed)
    monday = local_ns(MONDAY, 9, 0, 0)
    reject = only(
        correct(dialect, session, monday, control, executed_ns=executed, control_date=friday)
    )
    assert (reject.get(751), reject.get(58)) == ("081", "INVALID AS-OF")
    ack = only(
        correct(
            dialect, session, monday, control, executed_ns=executed, control_date=friday,
            as_of="1", client_ref="K2",
        )
    )  # fmt: skip
    assert ack.get(1011) == "CACR" and ack.get(1015) == "1"


def reverse(dialect, session, now, control, control_date, executed, **kwargs):
    message = trace_report(
        executed_ns=executed,
        client_ref=kwargs.pop("client_ref", "V1"),
        trans="1",
        kind="6",
        as_of="1",
        control_number=control,
        control_date=control_date,
        **kwargs,
    )
    return dialect.on_message(session, message, now)


def test_reversal_of_an_old_trade(ca, journal):
    dialect, session = ca
    old_day = dt.date(2025, 11, 3)
    executed = local_ns(old_day, 11, 0, 0)
    control, _ = new_trade(dialect, session, ManualClock(executed + SECOND), executed_ns=executed)
    now = local_ns(MONDAY, 9, 0, 0)
    # a cancel is refused beyond T-20 business days ...
    reject = only(cancel(dialect, session, now, control_number=control, control_date=old_day))
    assert (reject.get(751), reject.get(58)) == ("024", "NOT WITHIN ALLOWABLE TIME")
    # ... a reversal is accepted, under a new control number
    ack = only(reverse(dialect, session, now, control, old_day, executed))
    assert ack.get(1011) == "CAHX"
    assert (ack.get(487), ack.get(856), ack.get(1015)) == ("1", "6", "1")
    assert ack.get(1003) not in (None, control)
    assert ack.get(22011) == "20260105"
    assert journal.query()[0].state is ReportState.REVERSED


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"qty": "5.00"}, "999"), ({"price": "99.000000"}, "999"), ({"side": "1"}, "999")],
    ids=["quantity", "price", "side"],
)
def test_reversal_must_repeat_the_original(ca, kwargs, code):
    dialect, session = ca
    old_day = dt.date(2025, 11, 3)
    executed = local_ns(old_day, 11, 0, 0)
    control, _ = new_trade(dialect, session, ManualClock(executed + SECOND), executed_ns=executed)
    reject = only(
        reverse(dialect, session, local_ns(MONDAY, 9), control, old_day, executed, **kwargs)
    )
    assert (reject.get(751), reject.get(58)) == (code, "CANNOT BE PROCESSED AS SUBMITTED")


def test_reversal_needs_the_control_number(ca, clock):
    dialect, session = ca
    new_trade(dialect, session, clock)
    message = trace_report(
        executed_ns=TEN - 4 * SECOND, client_ref="V1", trans="1", kind="6", as_of="1",
        ref="R123", control_date=MONDAY,
    )  # fmt: skip
    reject = only(dialect.on_message(session, message, clock.now_ns()))
    assert (reject.get(751), reject.get(58)) == ("104", "NO CONTROL NUMBER")


def test_reversal_of_todays_trade_is_refused(ca, clock):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    reject = only(reverse(dialect, session, clock.now_ns(), control, MONDAY, TEN - 4 * SECOND))
    assert reject.get(751) == "081"


@pytest.mark.parametrize(
    ("product", "facility", "trade_day", "allowed"),
    [
        # from Mon 2026-01-05 on the SIFMA calendar (Dec 25 and Jan 1 closed)
        ("CA", FacilityId.TRACE_CA, dt.date(2025, 12, 4), True),  # T-20 business days
        ("CA", FacilityId.TRACE_CA, dt.date(2025, 12, 3), False),  # T-21
        ("TS", FacilityId.TRACE_TS, dt.date(2025, 12, 31), True),  # T-2 (Jan 1 is a holiday)
        ("TS", FacilityId.TRACE_TS, dt.date(2025, 12, 30), False),  # T-3
    ],
)
def test_management_window(product, facility, trade_day, allowed, dialect_factory, session_factory):
    dialect, session = dialect_factory(facility), session_factory(facility)
    executed = local_ns(trade_day, 11, 0, 0)
    ack = only(
        dialect.on_message(
            session, trace_report(executed_ns=executed, product=product), executed + SECOND
        )
    )
    control = ack.get(1003)
    reply = only(
        cancel(
            dialect, session, local_ns(MONDAY, 9), control_number=control, control_date=trade_day,
            executed_ns=executed, product=product,
        )
    )  # fmt: skip
    if allowed:
        assert reply.get(1011) == f"{product}CX"
    else:
        assert (reply.get(751), reply.get(58)) == ("024", "NOT WITHIN ALLOWABLE TIME")


# -- rejects of new reports --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"cusip": "037833101"}, "060", "INVALID CUSIP"),
        ({"cusip": "03783310"}, "060", "INVALID CUSIP"),
        ({"cusip": "abc!", "source": "8"}, "062", "INVALID SYMBOL"),
        ({"source": "4"}, "040", "NOT CUSIP AND SYMBOL"),
        ({"qty": "0"}, "078", "INVALID VOLUME ENTERED"),
        ({"qty": "123456789012.00"}, "078", "INVALID VOLUME ENTERED"),
        ({"qty": "1.005"}, "078", "INVALID VOLUME ENTERED"),
        ({"price": "12345.0"}, "013", "INVALID PRICE"),
        ({"price": "-1"}, "013", "INVALID PRICE"),
        ({"price": "1.1234567"}, "013", "INVALID PRICE"),
        ({"side": "5"}, "023", "INVALID SIDE"),
        ({"digits": 3}, "018", "INVALID TIME"),
        ({"contra": "EFGHIJ"}, "113", "INVALID CPID"),
        ({"rpid": "WXYZ"}, "007", "INVALID RPID"),
        ({"trans": "3", "kind": "2"}, "009", "INVALID FORMAT"),
        ({"drop": (22016,)}, "132", "INVALID TRADING MARKET INDICATOR"),
        ({"drop": (571,)}, "009", "INVALID FORMAT"),
        ({"settle": "20260101"}, "187", "INVALID SETTLEMENT DATE"),
        ({"sides": 1}, "009", "INVALID FORMAT"),
        ({"extra": [(22004, "Q")]}, "184", "INVALID TRADE MODIFIER 4"),
        ({"extra": [(22002, "P")]}, "182", "INVALID TRADE MODIFIER 2"),  # not on CA
        ({"extra": [(22006, "Y")]}, "009", "INVALID FORMAT"),
        ({"extra": [(22013, "Y")], "side": "1"}, "023", "INVALID SIDE"),  # locked-in: seller
        ({"extra": [(22036, "ats1")]}, "028", "INVAVLID MPID"),
        ({"extra": [(22009, "9:00")]}, "018", "INVALID TIME"),
        ({"rpid": "ABCDE"}, "007", "INVALID RPID"),
        ({"trade_date": dt.date(2026, 1, 6)}, "008", "INVALID DATE"),
        ({"trade_date": dt.date(2026, 1, 2), "as_of": "1"}, "178", "INVALID EXECUTION TIME"),
    ],
    ids=lambda value: str(value) if not isinstance(value, dict) else "-".join(map(str, value)),
)
def test_new_report_rejects(ca, clock, journal, kwargs, code, text):
    dialect, session = ca
    outbound = report_new(dialect, session, clock, **kwargs)
    reject = only(outbound)
    assert reject.msg_type == "AR"
    assert (reject.get(150), reject.get(939)) == ("8", "1")
    assert (reject.get(751), reject.get(58)) == (code, text)
    assert (reject.get(487), reject.get(856)) == (kwargs.get("trans", "0"), kwargs.get("kind", "0"))
    assert journal.query() == []
    journaled = journal.rejects()
    assert [r.code for r in journaled] == [code]
    assert journaled[0].route is Route.FIX
    assert journaled[0].detail  # the plain-words reason is kept for a person
    assert [d.msg_type for d in journal.deliveries()] == ["AR"]


def test_execution_after_receipt_is_refused(ca, clock):
    dialect, session = ca
    outbound = report_new(dialect, session, clock, executed_ns=TEN + SECOND)
    reject = only(outbound)
    assert (reject.get(751), reject.get(58)) == (
        "138",
        "EXECUTION TIME GREATER THAN TRADE REPORT TIME",
    )


def test_garbled_group_is_invalid_format(ca, clock):
    dialect, session = ca
    message = trace_report(executed_ns=TEN - SECOND)
    message.set(552, "3")
    reject = only(dialect.on_message(session, message, clock.now_ns()))
    assert (reject.get(751), reject.get(58), reject.get(571)) == ("009", "INVALID FORMAT", "R123")


def test_outage_rejects_with_trace_temporarily_not_available(ca, clock, service, journal):
    dialect, session = ca
    service.availability = lambda facility, ns: NOT_AVAILABLE
    reject = only(report_new(dialect, session, clock))
    assert (reject.get(751), reject.get(58)) == ("4069", "TRACE TEMPORARILY NOT AVAILABLE")
    service.availability = None
    assert only(report_new(dialect, session, clock)).get(1011) == "CAEN"


def test_other_message_types_get_a_business_reject(ca, clock):
    dialect, session = ca
    outbound = dialect.on_message(session, trace_report(executed_ns=TEN).set(35, "D"), TEN)
    assert len(outbound) == 1 and not outbound[0].copy_to_drop
    reply = outbound[0].message
    assert (reply.msg_type, reply.get(372), reply.get(380)) == ("j", "D", "3")


# -- precision by product and date -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "digits", "accepted", "ack_60"),
    [
        (dt.date(2023, 7, 7), 6, True, "20230707-14:00:00.123"),  # acks in ms until 07-10
        (dt.date(2023, 7, 10), 6, True, "20230710-14:00:00.123456"),  # then microseconds
        (dt.date(2023, 7, 10), 9, False, None),  # never nanoseconds
        (dt.date(2023, 7, 10), 0, True, "20230710-14:00:00.000000"),
    ],
)
def test_treasury_timestamps(dialect_factory, session_factory, day, digits, accepted, ack_60):
    dialect, session = dialect_factory("trace-ts"), session_factory("trace-ts")
    executed = local_ns(day, 10, 0, 0) + (123_456_789 if digits else 0)
    message = trace_report(executed_ns=executed, digits=digits, product="TS")
    reply = only(dialect.on_message(session, message, executed + SECOND))
    if accepted:
        assert reply.get(1011) == "TSEN"
        assert reply.get(60) == ack_60
    else:
        assert (reply.get(751), reply.get(58)) == ("018", "INVALID TIME")


def test_rejects_never_echo_invalid_values(ca, clock):
    dialect, session = ca
    message = trace_report(executed_ns=TEN, control_number="XYZ", control_date=None)
    message.set(22011, "2026-01-05")
    message.set(487, "9")
    reject = only(dialect.on_message(session, message, clock.now_ns()))
    # a malformed date or an out-of-range enumeration would fail the firm's own validation
    assert reject.get(22011) is None and reject.get(487) is None
    # well-formed values are echoed, the firm's own text included
    assert (reject.get(856), reject.get(1003), reject.get(571)) == ("0", "XYZ", "R123")


def test_side_level_limits(ca, clock):
    dialect, session = ca
    message = trace_report(executed_ns=TEN - SECOND)
    position = message.fields.index((528, "P")) + 1
    message.fields[position:position] = [(80, "1")]
    assert only(dialect.on_message(session, message, clock.now_ns())).get(751) == "030"
    message.fields[position] = (58, "ELEVEN CHAR")
    assert only(dialect.on_message(session, message, clock.now_ns())).get(751) == "009"


def test_the_user_id_is_kept(ca, clock, journal):
    dialect, session = ca
    message = trace_report(executed_ns=TEN - SECOND)
    message.fields[1:1] = [(49, "ABCD"), (50, "U001"), (56, "FNRA"), (57, "CA"), (34, "12")]
    assert only(dialect.on_message(session, message, clock.now_ns())).get(1011) == "CAEN"
    assert journal.query()[0].report.user == "U001"


def test_a_cancel_names_one_side(ca, clock):
    dialect, session = ca
    control, _ = new_trade(dialect, session, clock)
    message = trace_report(
        executed_ns=TEN - 4 * SECOND, client_ref="C1", trans="1", kind="6",
        control_number=control, control_date=MONDAY,
    )  # fmt: skip
    reject = only(dialect.on_message(session, message, clock.now_ns()))
    assert (reject.get(751), reject.get(58)) == ("009", "INVALID FORMAT")


def test_an_internal_error_is_answered_not_raised(ca, clock, service, caplog):
    dialect, session = ca

    def broken(submission):
        raise RuntimeError("disk on fire")

    service.process = broken
    reject = only(report_new(dialect, session, clock))
    assert (reject.get(751), reject.get(58)) == ("999", "CANNOT BE PROCESSED AS SUBMITTED")
    assert "unexpected error" in caplog.text


@pytest.mark.parametrize(
    ("facility", "product", "day", "code"),
    [
        (FacilityId.TRACE_CA, "CA", dt.date(2002, 7, 1), None),
        (FacilityId.TRACE_CA, "CA", dt.date(2002, 6, 28), "110"),
        (FacilityId.TRACE_TS, "TS", dt.date(2017, 7, 10), None),
        (FacilityId.TRACE_TS, "TS", dt.date(2017, 7, 7), "110"),
    ],
)
def test_oldest_as_of_trade_date(facility, product, day, code, dialect_factory, session_factory):
    dialect, session = dialect_factory(facility), session_factory(facility)
    executed = local_ns(day, 11)
    message = trace_report(executed_ns=executed, product=product, as_of="1")
    reply = only(dialect.on_message(session, message, TEN))
    if code is None:
        assert reply.get(1011) == f"{product}EN" and reply.get(1015) == "1"
    else:
        assert (reply.get(751), reply.get(58)) == (code, "INVALID AS-OF DATE")
