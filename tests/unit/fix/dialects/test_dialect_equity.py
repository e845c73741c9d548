"""Equity facilities (Nasdaq TRF Carteret/Chicago native and legacy, NYSE TRF, ADF, ORF) through
on_message: codes, the facility modifier in the profile's tag, lifecycle, rejects, alleges.

Modifier codes: Nasdaq TRF 277 ``5``/``I``, NYSE TRF ``9``/``10`` (FINRA modifier table,
facilities.md 1.1), ADF/ORF 22003 letters; the 10 s deadline is FINRA Rule 6380A(a)(1).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dialect_support import equity_report, only

from simulator.clock import MINUTE, SECOND
from simulator.domain.facility import FacilityId, PortType
from simulator.domain.trade import ReportState, Route, Side
from simulator.fix.dialects.base import NOT_AVAILABLE
from simulator.timestamps import local_ns

MONDAY = dt.date(2022, 3, 7)
TEN = local_ns(MONDAY, 10, 0, 0)

# (facility, port type, ack code, cancel, correct, reverse, allege, modifier tag, Z code, T code)
DIALECTS = [
    pytest.param(
        FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42,
        ("TKNW", "TKNW", "TKNW", "TKNW", "TYAL"), 277, "I", "5", "4", id="nasdaq-carteret-native",
    ),
    pytest.param(
        FacilityId.NASDAQ_TRF_CHICAGO, PortType.NATIVE_FIX42,
        ("TKNW", "TKNW", "TKNW", "TKNW", "TYAL"), 277, "I", "5", "4", id="nasdaq-chicago-native",
    ),
    pytest.param(
        FacilityId.NASDAQ_TRF_CARTERET, PortType.LEGACY_FIX42,
        ("TKNW", "TKNW", "TKNW", "TKNW", "TYAL"), 277, "I", "5", "4", id="nasdaq-carteret-legacy",
    ),
    pytest.param(
        FacilityId.NYSE_TRF, PortType.FIX44,
        ("TREN", "TRCX", "TRCR", "TRHX", "TRAL"), 8217, "10", "9", "4", id="nyse-trf",
    ),
    pytest.param(
        FacilityId.ADF, PortType.FIX44,
        ("ADEN", "ADCX", "ADCR", "ADHX", "ADAL"), 22003, "Z", "T", "1", id="adf",
    ),
    pytest.param(
        FacilityId.ORF, PortType.FIX44,
        ("OREN", "ORCX", "ORCR", "ORHX", "ORAL"), 22003, "Z", "T", "1", id="orf",
    ),
]  # fmt: skip


def setup(dialect_factory, session_factory, facility, port):
    return dialect_factory(facility, port), session_factory(facility, port_type=port)


@pytest.mark.parametrize(("facility", "port", "codes", "tag", "z", "t", "rev"), DIALECTS)
def test_new_report_ack_and_allege(
    facility, port, codes, tag, z, t, rev, dialect_factory, session_factory, journal
):
    dialect, session = setup(dialect_factory, session_factory, facility, port)
    outbound = dialect.on_message(session, equity_report(executed_ns=TEN), TEN + SECOND)
    ack = only(outbound)
    assert ack.get(1011) == codes[0]
    assert (ack.get(487), ack.get(856), ack.get(570)) == ("0", "0", "N")
    assert ack.get(572) == "E1"
    assert re.fullmatch(r"2\d{9}", ack.get(1003) or "")
    assert ack.get(22011) == "20220307"
    assert (ack.get(55), ack.get(32), ack.get(31)) == ("AAPL", "100", "150.25")
    assert ack.get(483) is not None  # the facility's receipt time
    allege = only(outbound, to_firm="EFGH")
    assert (allege.get(1011), allege.get(856)) == (codes[4], "1")
    stored = journal.query()[0]
    assert (stored.report.facility, stored.report.side, stored.report.route) == (
        facility.value,
        Side.BUY,
        Route.FIX,
    )


@pytest.mark.parametrize(("facility", "port", "codes", "tag", "z", "t", "rev"), DIALECTS)
@pytest.mark.parametrize(
    ("executed", "delay", "letter"),
    [
        ((10, 0), 10 * SECOND, None),  # exactly 10 s: on time (Rule 6380A(a)(1))
        ((10, 0), 10 * SECOND + 1, "Z"),  # 10 s + 1 ns: late inside normal market hours
        ((8, 30), 5 * SECOND, "T"),  # executed outside 09:30-16:00 while the facility is open
        ((8, 30), 11 * SECOND, "U"),  # outside and late
    ],
    ids=["10s", "10s+1ns", "pre-market", "pre-market-late"],
)
def test_modifier_in_the_facility_tag(
    facility, port, codes, tag, z, t, rev, executed, delay, letter,
    dialect_factory, session_factory, journal,
):  # fmt: skip
    dialect, session = setup(dialect_factory, session_factory, facility, port)
    at = local_ns(MONDAY, *executed)
    ack = only(dialect.on_message(session, equity_report(executed_ns=at), at + delay))
    # U has no published TRF FIX code (FINRA table: "not captured"); ADF/ORF write the letter
    expected = {None: None, "Z": z, "T": t, "U": "U" if tag == 22003 else None}[letter]
    if letter is None and tag == 277:
        expected = "0"  # Nasdaq's "regular" FIX code (FINRA modifier table)
    assert ack.get(tag) == expected
    assert journal.query()[0].modifier == letter


def test_nasdaq_keeps_the_firms_modifiers_and_adds_its_own(dialect_factory, session_factory):
    dialect, session = setup(
        dialect_factory, session_factory, FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42
    )
    message = equity_report(executed_ns=TEN, extra=[(277, "C")])
    ack = only(dialect.on_message(session, message, TEN + MINUTE))
    assert ack.get(277) == "C I"


@pytest.mark.parametrize(("facility", "port", "codes", "tag", "z", "t", "rev"), DIALECTS)
def test_cancel_correct_reverse_round_trips(
    facility, port, codes, tag, z, t, rev, dialect_factory, session_factory, journal
):
    dialect, session = setup(dialect_factory, session_factory, facility, port)
    ack = only(dialect.on_message(session, equity_report(executed_ns=TEN), TEN + SECOND))
    control = ack.get(1003)
    # correction: new control number, the old one in 1126/22012
    correction = equity_report(
        executed_ns=TEN, client_ref="E2", trans="2", kind="5", price="150.30",
        control_number=control, control_date=MONDAY,
    )  # fmt: skip
    corrected = only(dialect.on_message(session, correction, TEN + MINUTE))
    assert corrected.get(1011) == codes[2]
    assert (corrected.get(1126), corrected.get(22012)) == (control, "20220307")
    new_control = corrected.get(1003)
    assert new_control != control
    # cancel of the replacement
    cancel = equity_report(
        executed_ns=TEN, client_ref="E3", trans="1", kind="6",
        control_number=new_control, control_date=MONDAY,
    )  # fmt: skip
    cancelled = only(dialect.on_message(session, cancel, TEN + 2 * MINUTE))
    assert (cancelled.get(1011), cancelled.get(1003)) == (codes[1], new_control)
    assert (cancelled.get(487), cancelled.get(856)) == ("1", "6")
    # a reversal of a trade of an earlier day, in the dialect's own form
    friday = dt.date(2022, 3, 4)
    executed = local_ns(friday, 11)
    old = only(
        dialect.on_message(
            session,
            equity_report(executed_ns=executed, client_ref="E4"),
            executed + SECOND,
        )
    )
    reverse_extra = {"trans": rev, "kind": "6"}
    if rev == "1":
        reverse_extra["as_of"] = "1"
    reversal = equity_report(
        executed_ns=executed, client_ref="E5", control_number=old.get(1003),
        control_date=friday, **reverse_extra,
    )  # fmt: skip
    reversed_ack = only(dialect.on_message(session, reversal, TEN + 3 * MINUTE))
    assert reversed_ack.get(1011) == codes[3]
    assert reversed_ack.get(487) == rev
    states = {s.control_number: s.state for s in journal.query()}
    assert states[control] is ReportState.CORRECTED
    assert states[new_control] is ReportState.CANCELLED
    assert states[old.get(1003)] is ReportState.REVERSED


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"qty": "100.5"}, "078", "INVALID VOLUME ENTERED: LastQty(32) must be a whole number"),
        ({"qty": "0"}, "078", "INVALID VOLUME ENTERED: LastQty(32) must be greater than zero"),
        ({"price": "abc"}, "013", "INVALID PRICE: LastPx(31)='abc' is not a decimal number"),
        ({"symbol": "aapl"}, "062", "INVALID SYMBOL: Symbol(55)='aapl' is not a ticker"),
        ({"side": "7"}, "023", "INVALID SIDE: Side(54) must be one of 1, 2, 5, 6, got '7'"),
        ({"contra": None}, "113", "INVALID CPID"),
        ({"rpid": "QQQQ"}, "007", "INVALID RPID: MPID QQQQ is not entitled on this session"),
        ({"extra": [(577, "x")]}, "009", "INVALID FORMAT: ClearingInstruction(577)='x'"),
        ({"extra": [(852, "X")]}, "009", "INVALID FORMAT: PublishTrdIndicator(852) must be"),
        ({"contra": "ab!"}, "113", "INVALID CPID: contra party 'ab!' must be an MPID"),
        (
            {"extra": [(528, "X")]},
            "009",
            "INVALID FORMAT: tag 528 repeated in one entry",
        ),
    ],
    ids=[
        "fractional",
        "zero",
        "price",
        "symbol",
        "side",
        "no-contra",
        "rpid",
        "clearing",
        "publish",
        "contra",
        "repeated-tag",
    ],
)
def test_equity_rejects_explain_themselves(
    kwargs, code, text, dialect_factory, session_factory, journal
):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.ADF, PortType.FIX44)
    reject = only(dialect.on_message(session, equity_report(executed_ns=TEN, **kwargs), TEN + 1))
    assert (reject.msg_type, reject.get(150), reject.get(939)) == ("AR", "8", "1")
    assert reject.get(751) == code
    assert (reject.get(58) or "").startswith(text)
    assert journal.rejects()[0].code == code


def test_short_sale_marking_is_kept(dialect_factory, session_factory, journal):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.ORF, PortType.FIX44)
    ack = only(dialect.on_message(session, equity_report(executed_ns=TEN, side="5"), TEN + 1))
    assert ack.get(54) == "5"
    stored = journal.query()[0].report
    assert (stored.side, stored.extra["short_sale"]) == (Side.SELL, "short")


def test_customer_contra_gets_no_allege(dialect_factory, session_factory):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.NYSE_TRF, PortType.FIX44)
    outbound = dialect.on_message(session, equity_report(executed_ns=TEN, contra="C"), TEN + 1)
    assert [o.to_firm for o in outbound] == [None]


def test_outage_uses_the_facilitys_wording(dialect_factory, session_factory, service):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.ORF, PortType.FIX44)
    service.availability = lambda facility, ns: NOT_AVAILABLE
    reject = only(dialect.on_message(session, equity_report(executed_ns=TEN), TEN + 1))
    assert reject.get(751) == "4069"
    assert (reject.get(58) or "").startswith("FACILITY TEMPORARILY NOT AVAILABLE")


@pytest.mark.parametrize(
    ("day", "full"),
    [(dt.date(2026, 2, 20), False), (dt.date(2026, 2, 23), True)],
    ids=["before-2026-02-23", "from-2026-02-23"],
)
def test_nasdaq_rejects_carry_the_full_trade_from_2026_02_23(
    day, full, dialect_factory, session_factory
):
    dialect, session = setup(
        dialect_factory, session_factory, FacilityId.NASDAQ_TRF_CHICAGO, PortType.NATIVE_FIX42
    )
    executed = local_ns(day, 10)
    reject = only(
        dialect.on_message(session, equity_report(executed_ns=executed, qty="0.5"), executed + 1)
    )
    assert reject.get(751) == "078"
    trade = (reject.get(55), reject.get(32), reject.get(60), reject.get(448))
    if full:
        assert trade == ("AAPL", "0.5", "20260223-15:00:00.000", "ABCD")
    else:
        assert trade == (None, None, None, None)


def test_legacy_port_rejects_do_not_carry_the_trade(dialect_factory, session_factory):
    dialect, session = setup(
        dialect_factory, session_factory, FacilityId.NASDAQ_TRF_CARTERET, PortType.LEGACY_FIX42
    )
    executed = local_ns(dt.date(2025, 3, 3), 10)
    reject = only(
        dialect.on_message(session, equity_report(executed_ns=executed, qty="0"), executed + 1)
    )
    assert reject.get(55) is None


def test_the_nasdaq_trf_has_no_fix44_port(dialect_factory):
    from simulator.errors import UserInputError

    with pytest.raises(UserInputError, match="native-fix42, legacy-fix42"):
        dialect_factory(FacilityId.NASDAQ_TRF_CARTERET, PortType.FIX44)


def test_reporting_party_defaults_to_the_sessions_only_mpid(
    dialect_factory, session_factory, journal
):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.ADF, PortType.FIX44)
    message = equity_report(executed_ns=TEN)
    fields = message.fields
    start = fields.index((448, "ABCD"))
    del fields[start : start + 3]
    fields[fields.index((453, "2"))] = (453, "1")
    ack = only(dialect.on_message(session, message, TEN + 1))
    assert ack.get(1011) == "ADEN"
    assert journal.query()[0].report.reporting_mpid == "ABCD"


def test_two_sides_must_be_a_buy_and_a_sell(dialect_factory, session_factory):
    dialect, session = setup(dialect_factory, session_factory, FacilityId.ORF, PortType.FIX44)
    message = equity_report(executed_ns=TEN, contra=None)
    message.set(552, "2")
    position = message.fields.index((528, "P")) + 1
    message.fields[position:position] = [(54, "1"), (453, "1"), (448, "EFGH"), (452, "17")]
    reject = only(dialect.on_message(session, message, TEN + 1))
    assert reject.get(751) == "023"
    message.fields[position] = (54, "2")
    ack = only(dialect.on_message(session, message, TEN + 1))
    assert ack.get(1011) == "OREN" and ack.get(552) == "2"
