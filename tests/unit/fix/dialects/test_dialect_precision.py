"""Timestamps per port and date, on both sides of each effective date (a scenario outline).

Seed 002 (Nasdaq ETA 2020-81): native TRF FIX 4.2 ports accept and send nanoseconds from
2021-11-15 (NTF testing from 2021-08-16), with every outbound timestamp in nanoseconds; the
Legacy TRF FIX 4.2 port never accepts them. ADF and NYSE TRF switch on 2021-11-15, ORF on
2022-11-14 (facilities.md section 2); TRACE CA/SP take seconds, TS microseconds with
acknowledgements in milliseconds until 2023-07-10.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dialect_support import equity_report, only, trace_report

from simulator.clock import SECOND
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.fix.dialects import inbound_precision, outbound_precision
from simulator.timestamps import local_ns

N = PortType.NATIVE_FIX42
L = PortType.LEGACY_FIX42
F = PortType.FIX44
P = Region.PRODUCTION
T = Region.NTF

FRI_BEFORE_NS = dt.date(2021, 11, 12)
NS_DAY = dt.date(2021, 11, 15)
NTF_BEFORE = dt.date(2021, 8, 13)
NTF_DAY = dt.date(2021, 8, 16)
ORF_BEFORE = dt.date(2022, 11, 11)
ORF_DAY = dt.date(2022, 11, 14)

# | facility | port | region | date | digits sent | accepted | digits the facility writes |
OUTLINE = [
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, FRI_BEFORE_NS, 3, True, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, FRI_BEFORE_NS, 6, False, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, FRI_BEFORE_NS, 9, False, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, NS_DAY, 9, True, 9),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, NS_DAY, 6, True, 9),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, NS_DAY, 3, True, 9),
    (FacilityId.NASDAQ_TRF_CHICAGO, N, P, FRI_BEFORE_NS, 9, False, 3),
    (FacilityId.NASDAQ_TRF_CHICAGO, N, P, NS_DAY, 9, True, 9),
    (FacilityId.NASDAQ_TRF_CARTERET, N, T, NTF_BEFORE, 9, False, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, N, T, NTF_DAY, 9, True, 9),
    (FacilityId.NASDAQ_TRF_CARTERET, N, P, NTF_DAY, 9, False, 3),  # production still in ms
    (FacilityId.NASDAQ_TRF_CARTERET, L, P, FRI_BEFORE_NS, 3, True, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, L, P, NS_DAY, 6, False, 3),
    (FacilityId.NASDAQ_TRF_CARTERET, L, P, NS_DAY, 9, False, 3),
    (FacilityId.NASDAQ_TRF_CHICAGO, L, T, NTF_DAY, 9, False, 3),
    (FacilityId.NYSE_TRF, F, P, FRI_BEFORE_NS, 9, False, 3),
    (FacilityId.NYSE_TRF, F, P, NS_DAY, 9, True, 9),
    (FacilityId.ADF, F, P, FRI_BEFORE_NS, 6, False, 3),
    (FacilityId.ADF, F, P, NS_DAY, 9, True, 9),
    (FacilityId.ADF, F, T, NTF_DAY, 9, True, 9),
    (FacilityId.ORF, F, P, NS_DAY, 9, False, 3),
    (FacilityId.ORF, F, P, ORF_BEFORE, 6, False, 3),
    (FacilityId.ORF, F, P, ORF_DAY, 9, True, 9),
]


def _id(row: tuple) -> str:
    facility, port, region, day, digits, accepted, _ = row
    verdict = "accepted" if accepted else "refused"
    return f"{facility.value}-{port.value}-{region.value}-{day}-{digits}digits-{verdict}"


@pytest.mark.parametrize(
    ("facility", "port", "region", "day", "digits", "accepted", "written"),
    OUTLINE,
    ids=[_id(row) for row in OUTLINE],
)
def test_equity_precision(
    facility, port, region, day, digits, accepted, written, dialect_factory, session_factory
):
    dialect = dialect_factory(facility, port)
    session = session_factory(facility, port_type=port, region=region)
    executed = local_ns(day, 10) + 123_456_789
    received = executed + SECOND
    message = equity_report(executed_ns=executed, digits=digits)
    reply = only(dialect.on_message(session, message, received))
    if not accepted:
        assert (reply.msg_type, reply.get(751)) == ("AR", "018")
        text = reply.get(58) or ""
        assert f"has {digits} fractional digits" in text
        assert dialect.spec.port_label in text  # the text names the port ...
        assert "milliseconds (up to 3 fractional digits)" in text  # ... and its precision
        return
    assert reply.get(1011) is not None, reply
    # every timestamp the facility writes has the port's outbound precision
    for tag in (60, 483):
        value = reply.get(tag) or ""
        fraction = value.partition(".")[2]
        assert len(fraction) == written, (tag, value)
    # the echo keeps what the firm sent, to the precision the port writes
    sent = message.get(60) or ""
    assert (reply.get(60) or "").startswith(sent[: len("YYYYMMDD-HH:MM:SS") + 1 + min(3, digits)])
    assert outbound_precision(session, received) == written


@pytest.mark.parametrize(
    ("facility", "product", "digits", "accepted"),
    [
        (FacilityId.TRACE_CA, "CA", 0, True),
        (FacilityId.TRACE_CA, "CA", 3, False),
        (FacilityId.TRACE_SP, "SP", 0, True),
        (FacilityId.TRACE_SP, "SP", 6, False),
        (FacilityId.TRACE_TS, "TS", 6, True),
        (FacilityId.TRACE_TS, "TS", 9, False),
    ],
)
def test_trace_precision(facility, product, digits, accepted, dialect_factory, session_factory):
    dialect, session = dialect_factory(facility), session_factory(facility)
    executed = local_ns(dt.date(2026, 1, 5), 10) + (123_456_000 if digits else 0)
    message = trace_report(executed_ns=executed, digits=digits, product=product)
    reply = only(dialect.on_message(session, message, executed + SECOND))
    if accepted:
        assert reply.get(1011) == f"{product}EN"
    else:
        assert (reply.get(751), reply.get(58)) == ("018", "INVALID TIME")


@pytest.mark.parametrize(
    ("facility", "port", "region", "day", "expected"),
    [
        (FacilityId.NASDAQ_TRF_CARTERET, N, P, FRI_BEFORE_NS, (3, 3)),
        (FacilityId.NASDAQ_TRF_CARTERET, N, P, NS_DAY, (9, 9)),
        (FacilityId.NASDAQ_TRF_CARTERET, N, T, NTF_DAY, (9, 9)),
        (FacilityId.NASDAQ_TRF_CARTERET, L, P, NS_DAY, (3, 3)),
        (FacilityId.TRACE_CA, F, P, NS_DAY, (0, 0)),
        (FacilityId.TRACE_TS, F, P, dt.date(2023, 7, 7), (6, 3)),
        (FacilityId.TRACE_TS, F, P, dt.date(2023, 7, 10), (6, 6)),
    ],
)
def test_session_layer_precision_functions(facility, port, region, day, expected, session_factory):
    session = session_factory(facility, port_type=port, region=region)
    at = local_ns(day, 10)
    assert (inbound_precision(session, at), outbound_precision(session, at)) == expected


def test_refusal_text_names_the_port_and_date(dialect_factory, session_factory):
    dialect = dialect_factory(FacilityId.NASDAQ_TRF_CARTERET, N)
    session = session_factory(FacilityId.NASDAQ_TRF_CARTERET, port_type=N)
    executed = local_ns(FRI_BEFORE_NS, 10) + 1
    reply = only(
        dialect.on_message(session, equity_report(executed_ns=executed, digits=9), executed)
    )
    assert re.fullmatch(
        r"INVALID TIME: TransactTime\(60\)=20211112-15:00:00\.000000001 has 9 fractional digits; "
        r"this port \(Nasdaq TRF native FIX 4\.2\) accepts milliseconds \(up to 3 fractional "
        r"digits\) on 2021-11-12",
        reply.get(58) or "",
    )
