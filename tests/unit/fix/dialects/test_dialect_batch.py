"""Group commit at the dialect: ``on_messages`` journals a read's reports in one transaction and
answers only after it commits; and the per-day caches a dialect keeps (profile, precision) follow
the date and the region of every message, even within one dialect instance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dialect_support import equity_report, only, trace_report

from simulator.clock import SECOND
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.domain.trade import ReportState
from simulator.timestamps import local_ns

MONDAY = dt.date(2026, 1, 5)
TEN = local_ns(MONDAY, 10)


def commits(journal) -> list[str]:
    seen: list[str] = []
    journal.connection.set_trace_callback(
        lambda sql: seen.append(sql) if sql.startswith("COMMIT") else None
    )
    return seen


def test_a_read_of_reports_is_answered_after_one_commit(
    dialect_factory, session_factory, journal
) -> None:
    dialect, session = dialect_factory("trace-ca"), session_factory("trace-ca")
    first = only(dialect.on_message(session, trace_report(executed_ns=TEN, client_ref="N0"), TEN))
    cancel = trace_report(
        executed_ns=TEN,
        client_ref="C1",
        trans="1",
        kind="6",
        sides=1,
        control_number=first.get(1003),
        control_date=MONDAY,
    )
    read = [
        trace_report(executed_ns=TEN, client_ref="N1"),
        trace_report(executed_ns=TEN, client_ref="N2", qty="0"),  # refused: INVALID VOLUME
        cancel,
        trace_report(executed_ns=TEN, client_ref="N3"),
    ]
    seen = commits(journal)
    answers = dialect.on_messages(session, read, TEN + SECOND)
    journal.connection.set_trace_callback(None)
    assert len(seen) == 1  # one durable transaction for the whole read
    kinds = [(only(a).msg_type, only(a).get(1011) or only(a).get(751)) for a in answers]
    assert kinds == [("AE", "CAEN"), ("AR", "078"), ("AE", "CACX"), ("AE", "CAEN")]
    assert all(len(a) == 2 for i, a in enumerate(answers) if i in (0, 3))  # ack + allege
    states = {s.report.client_ref: s.state for s in journal.query()}
    assert states == {
        "N0": ReportState.CANCELLED,
        "N1": ReportState.ACCEPTED,
        "N3": ReportState.ACCEPTED,
    }
    assert [r.code for r in journal.rejects()] == ["078"]


def test_the_answers_are_those_of_one_message_at_a_time(
    dialect_factory, session_factory, journal, service
) -> None:
    from simulator.fix.dialects import create_dialect
    from simulator.journal import open_memory_journal

    dialect, session = (
        dialect_factory("nasdaq-trf-carteret"),
        session_factory("nasdaq-trf-carteret"),
    )
    read = [equity_report(executed_ns=TEN + n, client_ref=f"E{n}") for n in range(5)]
    read.append(equity_report(executed_ns=TEN, client_ref="BAD", symbol="lower"))
    batched = dialect.on_messages(session, read, TEN + SECOND)

    twin_journal = open_memory_journal(seed=7)  # the same seed: the same control numbers
    try:
        twin = create_dialect(
            FacilityId.NASDAQ_TRF_CARTERET,
            PortType.NATIVE_FIX42,
            type(service)(twin_journal, service.assess, timeline=service.timeline),
        )
        single = [twin.on_message(session, message, TEN + SECOND) for message in read]
        assert [[o.message for o in out] for out in batched] == [
            [o.message for o in out] for out in single
        ]
        assert [d.msg_type for d in journal.deliveries()] == [
            d.msg_type for d in twin_journal.deliveries()
        ]
    finally:
        twin_journal.close()


def test_if_the_commit_fails_nothing_is_answered_and_nothing_kept(
    dialect_factory, session_factory, journal, service, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect, session = dialect_factory("trace-ca"), session_factory("trace-ca")

    @contextmanager
    def disk_full() -> Iterator[None]:
        with journal.batch():
            yield
            raise OSError("disk full")  # as if COMMIT had failed: the batch rolls back

    monkeypatch.setattr(service, "batch", disk_full)
    read = [trace_report(executed_ns=TEN, client_ref=f"N{n}") for n in range(3)]
    answers = None
    with pytest.raises(OSError, match="disk full"):
        answers = dialect.on_messages(session, read, TEN + SECOND)
    assert answers is None
    assert journal.query() == [] and journal.deliveries() == [] and journal.events() == []


def test_one_dialect_follows_the_precision_across_its_effective_date(
    dialect_factory, session_factory
) -> None:
    # Nasdaq native TRF FIX 4.2: milliseconds until 2021-11-12, nanoseconds from 2021-11-15
    # (seed 002); the same dialect instance serves both days.
    dialect = dialect_factory("nasdaq-trf-carteret")
    session = session_factory("nasdaq-trf-carteret")
    for day, accepted in ((dt.date(2021, 11, 12), False), (dt.date(2021, 11, 15), True)):
        executed = local_ns(day, 10) + 123_456_789
        reply = only(
            dialect.on_message(session, equity_report(executed_ns=executed, digits=9), executed)
        )
        assert (reply.msg_type == "AE") is accepted, reply
        if accepted:
            assert len((reply.get(483) or "").partition(".")[2]) == 9


def test_one_dialect_keeps_the_regions_apart_on_the_same_day(
    dialect_factory, session_factory
) -> None:
    # 2021-09-01: the NTF takes nanoseconds (from 2021-08-16), production not yet.
    dialect = dialect_factory("nasdaq-trf-carteret")
    executed = local_ns(dt.date(2021, 9, 1), 10) + 123_456_789
    message = equity_report(executed_ns=executed, digits=9)
    production = session_factory("nasdaq-trf-carteret")
    ntf = session_factory("nasdaq-trf-carteret", region=Region.NTF, session_id="ntf")
    assert only(dialect.on_message(production, message, executed)).msg_type == "AR"
    assert only(dialect.on_message(ntf, message, executed)).msg_type == "AE"
    assert only(dialect.on_message(production, message, executed)).msg_type == "AR"
