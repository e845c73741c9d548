"""The reporting service: UAT windows (seed 000), the NTF region, the parallel period's likely
duplicates (seed 001), outages and the management window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dialect_support import CUSIP, FakeWindow, equity_report, only, trace_report

from simulator.calendar import Market, calendar_for
from simulator.clock import HOUR, MINUTE, SECOND
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.domain.trade import Action, Environment, Route, Side, TradeReport
from simulator.facilities.timeliness import assess
from simulator.fix.dialects.base import NOT_AVAILABLE, DialectReject
from simulator.fix.dialects.reporting import (
    ReportingService,
    Submission,
    earliest_manageable,
    market_of,
)
from simulator.timestamps import local_ns

UAT_DAY = dt.date(2021, 3, 20)  # Saturday production UAT, 09:00-13:00 ET (seed 000)
UAT_START = local_ns(UAT_DAY, 9)
UAT_END = local_ns(UAT_DAY, 13)
MONDAY = dt.date(2021, 3, 22)


@pytest.fixture
def uat(timeline):
    timeline.windows.append((UAT_START, UAT_END, FakeWindow()))
    return timeline


def test_uat_transactions_are_journaled_apart_and_deliveries_recorded(
    uat, dialect_factory, session_factory, journal
):
    dialect = dialect_factory("trace-ca")
    registered = session_factory("trace-ca", firm="Alpha", uat_registered=True)
    bystander = session_factory("trace-ca", firm="Bystander", mpids=("EFGH",))
    at = UAT_START + HOUR
    outbound = dialect.on_message(registered, trace_report(executed_ns=at - SECOND), at)
    assert only(outbound).get(1011) == "CAEN"
    # the contra firm did not register: it is still sent the allege (seed 000)
    assert only(outbound, to_firm="EFGH").get(1011) == "CAAL"
    # a connected firm that did not register and reports anyway still gets its ack
    message = trace_report(executed_ns=at, rpid="EFGH", contra="C", client_ref="B1")
    assert only(dialect.on_message(bystander, message, at + SECOND)).get(1011) == "CAEN"
    assert journal.query(environment=Environment.PRODUCTION) == []
    assert len(journal.query(environment=Environment.UAT)) == 2
    deliveries = journal.deliveries(environment=Environment.UAT)
    assert [(d.recipient, d.msg_type, d.registered) for d in deliveries] == [
        ("Alpha", "AE/CAEN", True),
        ("EFGH", "AE/CAAL", None),
        ("Bystander", "AE/CAEN", False),
    ]


def test_uat_rejects_are_journaled_apart_too(uat, dialect_factory, session_factory, journal):
    dialect = dialect_factory("trace-ca")
    session = session_factory("trace-ca")
    at = UAT_START + MINUTE
    reject = only(dialect.on_message(session, trace_report(executed_ns=at, qty="0"), at))
    assert reject.get(751) == "078"
    assert [r.environment for r in journal.rejects()] == [Environment.UAT]
    assert [d.environment for d in journal.deliveries()] == [Environment.UAT]


@pytest.mark.parametrize(
    ("at", "environment"),
    [
        (UAT_START - 1, Environment.PRODUCTION),
        (UAT_START, Environment.UAT),
        (UAT_END - 1, Environment.UAT),
        (UAT_END, Environment.PRODUCTION),
    ],
    ids=["before", "start", "last-ns", "end"],
)
def test_uat_window_edges(uat, service, session_factory, at, environment):
    session = session_factory("adf", port_type=PortType.FIX44)
    assert service.environment(session, FacilityId.ADF, at) is environment


def test_a_window_scoped_to_other_facilities_does_not_apply(timeline, service, session_factory):
    timeline.windows.append((UAT_START, UAT_END, FakeWindow(facilities=("trace-ca",))))
    orf = session_factory("orf")
    trace = session_factory("trace-ca")
    assert service.environment(orf, FacilityId.ORF, UAT_START) is Environment.PRODUCTION
    assert service.environment(trace, FacilityId.TRACE_CA, UAT_START) is Environment.UAT


def test_ntf_region_journals_to_the_ntf(dialect_factory, session_factory, journal):
    facility = FacilityId.NASDAQ_TRF_CARTERET
    dialect = dialect_factory(facility)
    session = session_factory(facility, region=Region.NTF)
    at = local_ns(dt.date(2021, 8, 16), 10)
    ack = only(dialect.on_message(session, equity_report(executed_ns=at, digits=9), at + 1))
    assert ack.get(1011) == "TKNW"
    stored = journal.query()[0]
    assert (stored.environment, stored.report.region) == (Environment.NTF, Region.NTF)


def _web_report(executed: int) -> TradeReport:
    """The same trade as entered on TRAQS over the new infrastructure (seed 001)."""
    return TradeReport(
        facility="trace-ca",
        reporting_mpid="ABCD",
        side=Side.SELL,
        security=CUSIP,
        quantity=Decimal("100000"),
        price=Decimal("101.25"),
        executed_ns=executed,
        trade_date=MONDAY,
        client_ref="WEB-1",
        contra_mpid="EFGH",
        security_id_source="1",
        route=Route.WEB_MFA,
    )


def test_parallel_period_reports_by_both_routes_are_both_accepted_and_flagged(
    dialect_factory, session_factory, journal
):
    dialect = dialect_factory("trace-ca")
    session = session_factory("trace-ca")
    executed = local_ns(MONDAY, 10)
    web = journal.submit(_web_report(executed), assess("trace-ca", executed, executed + SECOND))
    ack = only(dialect.on_message(session, trace_report(executed_ns=executed), executed + MINUTE))
    assert ack.get(1011) == "CAEN"  # the facility accepts it, as the real one would
    fix = journal.query(route=Route.FIX)[0]
    assert fix.duplicate_of == web.report_id
    groups = journal.likely_duplicates()
    assert len(groups) == 1
    assert set(groups[0].routes) == {Route.FIX, Route.WEB_MFA}
    assert {s.control_number for s in groups[0].reports} == {web.control_number, ack.get(1003)}


def test_a_different_price_is_not_a_likely_duplicate(dialect_factory, session_factory, journal):
    dialect = dialect_factory("trace-ca")
    session = session_factory("trace-ca")
    executed = local_ns(MONDAY, 10)
    journal.submit(_web_report(executed), assess("trace-ca", executed, executed + SECOND))
    message = trace_report(executed_ns=executed, price="101.300000")
    only(dialect.on_message(session, message, executed + MINUTE))
    assert journal.likely_duplicates() == []


def test_outage_hook_refuses_before_anything_is_written(service, session_factory, journal):
    session = session_factory("trace-ca")
    service.availability = lambda facility, ns: NOT_AVAILABLE if facility.is_trace else None
    submission = Submission(Action.NEW, FacilityId.TRACE_CA, session, local_ns(MONDAY, 10))
    with pytest.raises(DialectReject) as raised:
        service.process(submission)
    assert raised.value.reason == NOT_AVAILABLE
    assert journal.query() == [] and journal.rejects() == []  # the dialect journals the AR


def test_earliest_manageable_counts_business_days():
    sifma = calendar_for(Market.SIFMA)
    # Mon 2026-01-05: T-1 is Fri 01-02 (01-01 closed), T-2 Wed 12-31
    assert earliest_manageable(dt.date(2026, 1, 5), 1, sifma) == dt.date(2026, 1, 2)
    assert earliest_manageable(dt.date(2026, 1, 5), 2, sifma) == dt.date(2025, 12, 31)
    assert earliest_manageable(dt.date(2026, 1, 5), 0, sifma) == dt.date(2026, 1, 5)
    assert market_of(FacilityId.TRACE_TS) is Market.SIFMA
    assert market_of(FacilityId.ORF) is Market.NYSE


def test_received_time_is_the_sessions_now(dialect_factory, session_factory, journal):
    """The timeliness engine gets the receipt instant the session layer stamped, to the ns."""
    dialect = dialect_factory(FacilityId.NYSE_TRF, PortType.FIX44)
    session = session_factory(FacilityId.NYSE_TRF, port_type=PortType.FIX44)
    executed = local_ns(dt.date(2022, 3, 7), 10)
    now = executed + 10 * SECOND + 1
    only(dialect.on_message(session, equity_report(executed_ns=executed), now))
    stored = journal.query()[0]
    assert stored.received_ns == now
    assert stored.decision.received_ns == now
    assert stored.late and stored.modifier == "Z"


@pytest.mark.parametrize(
    ("facility", "environment"),
    [
        (FacilityId.TRACE_CA, Environment.UAT),
        (FacilityId.ORF, Environment.UAT),
        (FacilityId.NYSE_TRF, Environment.PRODUCTION),  # not in the 2021-03-20 scope
    ],
)
def test_the_packaged_timelines_2021_03_20_uat(facility, environment, journal, session_factory):
    """Against the real timeline: seed 000's Saturday test, 09:00-13:00 ET."""
    from simulator.timeline import Timeline

    service = ReportingService(journal, assess, timeline=Timeline.default())
    session = session_factory(facility)
    assert service.environment(session, facility, local_ns(UAT_DAY, 10)) is environment
    assert service.environment(session, facility, UAT_END) is Environment.PRODUCTION


def test_overlapping_windows_are_matched_by_scope(timeline, service, session_factory):
    timeline.windows.append((UAT_START, UAT_END, FakeWindow("A", facilities=("trace-ca",))))
    timeline.windows.append((UAT_START, UAT_END, FakeWindow("B", facilities=("orf",))))
    assert service.uat_window(FacilityId.ORF, UAT_START).name == "B"
    assert service.uat_window(FacilityId.ADF, UAT_START) is None
