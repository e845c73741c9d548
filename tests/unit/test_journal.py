"""The SQLite journal: round trips, lifecycle through the journal, isolation, durability."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from simulator.clock import MILLISECOND, SECOND
from simulator.domain.decision import Decision, Status
from simulator.domain.facility import Region
from simulator.domain.ids import IdGenerator, is_control_number
from simulator.domain.lifecycle import (
    CANNOT_PROCESS,
    IllegalTransition,
    LifecycleError,
    Reason,
    ReferenceMismatch,
    TradeNotFound,
    WrongFirm,
)
from simulator.domain.trade import Action, Environment, ReportState, Route, Side, TradeReport
from simulator.errors import ConfigError
from simulator.fix.store import SqliteStoreFactory
from simulator.journal import (
    JOURNAL_FILENAME,
    JournalClosed,
    ReportRef,
    SqliteJournal,
    StoredReport,
    open_journal,
    open_memory_journal,
)
from simulator.timestamps import local_ns

TRADE_DATE = dt.date(2021, 3, 10)
EXECUTED = local_ns(TRADE_DATE, 10, 0, 0)  # 10:00 ET, normal market hours
FACILITY = "trace-ca"


def make_report(
    mpid: str = "ABCD",
    client_ref: str = "R1",
    *,
    executed_ns: int = EXECUTED,
    **changes: object,
) -> TradeReport:
    report = TradeReport(
        facility=FACILITY,
        reporting_mpid=mpid,
        side=Side.SELL,
        security="123456AB7",
        quantity=Decimal("100000.00"),
        price=Decimal("101.250000"),
        executed_ns=executed_ns,
        trade_date=TRADE_DATE,
        client_ref=client_ref,
        contra_mpid="EFGH",
        security_id_source="1",
        capacity="P",
        session_id="FIX-ABCD-1",
        user="U001",
        memo="desk memo",
        extra={"22016": "S1", "64": "20210311"},
    )
    return report.with_changes(**changes) if changes else report


def make_decision(report: TradeReport, received_ns: int, *, late: bool = False) -> Decision:
    return Decision(
        facility=str(report.facility),
        executed_ns=report.executed_ns,
        received_ns=received_ns,
        status=Status.LATE if late else Status.ON_TIME,
        modifier="Z" if late else None,
        facility_code="Z" if late else None,
        as_of=False,
        deadline_ns=report.executed_ns + 15 * 60 * SECOND,
        rule="FINRA Rule 6730(a)(1)",
        explanation="within 15 minutes of execution" if not late else "after 15 minutes",
    )


def submit(
    journal: SqliteJournal, report: TradeReport | None = None, delay_ns: int = SECOND, **kw: bool
) -> StoredReport:
    report = report or make_report()
    received = report.executed_ns + delay_ns
    return journal.submit(report, make_decision(report, received, **kw), received)


def ref_of(stored: StoredReport, mpid: str | None = None, **changes: Any) -> ReportRef:
    ref = ReportRef(
        facility=stored.facility,
        mpid=mpid or stored.mpid,
        control_number=stored.control_number,
        control_date=stored.control_date,
        environment=stored.environment,
    )
    return dataclasses.replace(ref, **changes) if changes else ref


@pytest.fixture
def journal() -> Iterator[SqliteJournal]:
    j = open_memory_journal(seed=1)
    yield j
    j.close()


# -- round trips -----------------------------------------------------------------------------


def test_submit_assigns_control_number_date_and_state(journal: SqliteJournal) -> None:
    stored = submit(journal)
    assert is_control_number(stored.control_number)
    assert stored.control_date == TRADE_DATE
    assert stored.state is ReportState.ACCEPTED
    assert stored.origin is Action.NEW
    assert journal.get(stored.report_id) == stored


def test_every_field_survives_the_round_trip_in_memory(journal: SqliteJournal) -> None:
    report = make_report(
        route=Route.WEB_MFA,
        environment=Environment.UAT,
        region=Region.NTF,
        as_of=True,
        contra_mpid=None,
        quantity=Decimal("1E+3"),
    )
    stored = submit(journal, report, delay_ns=16 * 60 * SECOND, late=True)
    (back,) = journal.query()
    assert back == stored
    assert back.report == report
    assert str(back.report.quantity) == "1E+3"  # exact decimal text, not a float
    assert back.decision == stored.decision
    assert back.late and back.modifier == "Z"
    assert back.report.extra == {"22016": "S1", "64": "20210311"}


def test_file_journal_round_trip_after_reopen_in_wal_mode(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    assert journal.path == tmp_path / JOURNAL_FILENAME
    mode = journal.connection.execute("PRAGMA journal_mode").fetchone()[0]
    synchronous = journal.connection.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, synchronous) == ("wal", 1)  # 1 = NORMAL
    first = submit(journal)
    cancelled = journal.cancel(ref_of(first), first.received_ns + SECOND, reason="typo")
    journal.close()

    reopened = open_journal(tmp_path / JOURNAL_FILENAME, create=False)
    assert reopened.get(first.report_id) == cancelled
    assert [e.action.value for e in reopened.events(first.report_id)] == ["accept", "cancel"]
    assert reopened.events(first.report_id)[1].reason == "typo"
    reopened.close()


def test_a_report_acknowledged_before_sigkill_is_in_the_journal(tmp_path: Path) -> None:
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_journal import make_report, make_decision
from simulator.journal import open_journal
journal = open_journal({str(tmp_path)!r}, seed=5)
report = make_report()
stored = journal.submit(report, make_decision(report, report.executed_ns + 1))
print(stored.control_number, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == -9, result.stderr
    acknowledged = result.stdout.strip()
    journal = open_journal(tmp_path, create=False)
    assert [s.control_number for s in journal.query()] == [acknowledged]
    journal.close()


# -- ids across restarts -----------------------------------------------------------------------


def test_restart_continues_the_id_sequence_without_reuse(tmp_path: Path) -> None:
    straight = open_memory_journal(seed=9)
    expected = [submit(straight, make_report(client_ref=f"R{i}")).control_number for i in range(6)]
    straight.close()

    journal = open_journal(tmp_path, seed=9)
    got = [submit(journal, make_report(client_ref=f"R{i}")).control_number for i in range(3)]
    journal.close()
    journal = open_journal(tmp_path)  # the stored seed is used
    got += [submit(journal, make_report(client_ref=f"R{i}")).control_number for i in range(3, 6)]
    assert got == expected
    assert len(set(got)) == 6
    journal.close()


def test_reversal_numbers_come_from_the_same_sequence_as_reports(tmp_path: Path) -> None:
    journal = open_journal(tmp_path, seed=2)
    original = submit(journal)
    reversed_ = journal.reverse(ref_of(original), original.received_ns + SECOND)
    journal.close()
    journal = open_journal(tmp_path, seed=2)
    later = submit(journal, make_report(client_ref="R2"))
    ids = IdGenerator(seed=2)
    assert [original.control_number, reversed_.successor_control_number, later.control_number] == [
        ids.control_number(TRADE_DATE) for _ in range(3)
    ]
    journal.close()


def test_reopening_with_another_seed_is_refused(tmp_path: Path) -> None:
    open_journal(tmp_path, seed=3).close()
    with pytest.raises(ConfigError) as caught:
        open_journal(tmp_path, seed=4)
    assert caught.value.field == "seed"
    assert str(tmp_path / JOURNAL_FILENAME) in str(caught.value)
    assert "seed 3" in str(caught.value)


def test_opening_something_that_is_not_a_journal(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("this is not a database, it is a shopping list\n" * 50)
    with pytest.raises(ConfigError, match=r"notes\.txt"):
        open_journal(garbage)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.close()
    with pytest.raises(ConfigError, match="not a facsim journal"):
        open_journal(other)
    with pytest.raises(ConfigError, match="no journal here"):
        open_journal(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_a_closed_journal_says_so(journal: SqliteJournal) -> None:
    journal.close()
    journal.close()  # idempotent
    with pytest.raises(JournalClosed):
        journal.query()


def test_decision_for_another_report_is_a_programming_error(journal: SqliteJournal) -> None:
    report = make_report()
    wrong = make_decision(make_report(executed_ns=EXECUTED - SECOND), EXECUTED + SECOND)
    with pytest.raises(ValueError, match="does not belong"):
        journal.submit(report, wrong)
    with pytest.raises(ValueError):
        journal.submit(report, make_decision(report, EXECUTED + SECOND), EXECUTED + 2 * SECOND)
    assert journal.query() == []


# -- lifecycle through the journal -------------------------------------------------------------


def test_cancel_by_control_number_then_again_is_refused_and_journaled(
    journal: SqliteJournal,
) -> None:
    stored = submit(journal)
    cancelled = journal.cancel(ref_of(stored), stored.received_ns + SECOND, actor="U001")
    assert cancelled.state is ReportState.CANCELLED
    assert journal.get(stored.report_id) == cancelled
    with pytest.raises(IllegalTransition) as caught:
        journal.cancel(ref_of(stored), stored.received_ns + 2 * SECOND, session_id="S1")
    assert caught.value.code == "105"
    (reject,) = journal.rejects()
    assert caught.value.reject == reject
    assert (reject.code, reject.text, reject.action) == (
        "105",
        "TRADE ALREADY CANCELED",
        Action.CANCEL,
    )
    assert reject.control_number == stored.control_number
    assert reject.session_id == "S1"
    events = journal.events(stored.report_id)
    assert [(e.from_state, e.to_state, e.actor) for e in events] == [
        (ReportState.NEW, ReportState.ACCEPTED, "U001"),
        (ReportState.ACCEPTED, ReportState.CANCELLED, "U001"),
    ]


def test_cancel_by_client_reference(journal: SqliteJournal) -> None:
    stored = submit(journal, make_report(client_ref="MINE-7"))
    ref = ReportRef(FACILITY, "ABCD", client_ref="MINE-7")
    assert journal.cancel(ref, stored.received_ns + 1).state is ReportState.CANCELLED


def test_another_firm_cannot_cancel_correct_or_reverse(journal: SqliteJournal) -> None:
    mine = submit(journal)
    later = mine.received_ns + SECOND
    with pytest.raises(WrongFirm) as caught:
        journal.cancel(ref_of(mine, mpid="EVIL"), later)
    assert caught.value.code == "313"
    assert "ABCD" not in str(caught.value)  # nothing about the owner is revealed
    with pytest.raises(WrongFirm):
        journal.reverse(ref_of(mine, mpid="EVIL"), later)
    evil = make_report(mpid="EVIL", executed_ns=EXECUTED)
    with pytest.raises(WrongFirm):
        journal.correct(ref_of(mine, mpid="EVIL"), evil, make_decision(evil, later))
    # By client reference the lookup is scoped to the asking firm: not found at all.
    with pytest.raises(TradeNotFound):
        journal.cancel(ReportRef(FACILITY, "EVIL", client_ref="R1"), later)
    assert journal.get(mine.report_id) == mine  # untouched
    assert {r.mpid for r in journal.rejects()} == {"EVIL"}
    assert len(journal.rejects(mpid="EVIL")) == 4


def test_a_firm_cannot_correct_its_report_into_another_mpid(journal: SqliteJournal) -> None:
    mine = submit(journal)
    theirs = make_report(mpid="EFGH")
    with pytest.raises(WrongFirm):
        journal.correct(ref_of(mine), theirs, make_decision(theirs, mine.received_ns + 1))
    assert journal.get(mine.report_id) == mine


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"control_number": "12345"}, ReferenceMismatch, "302"),
        ({"control_number": "2999999999"}, TradeNotFound, "303"),
        ({"control_date": dt.date(2021, 3, 11)}, ReferenceMismatch, "301"),
        ({"client_ref": "NOT-R1"}, ReferenceMismatch, "312"),
        ({"control_number": None, "control_date": None}, ReferenceMismatch, "104"),
        ({"facility": "trace-sp"}, TradeNotFound, "303"),
        ({"environment": Environment.UAT}, TradeNotFound, "303"),
    ],
)
def test_bad_references_are_refused_with_trace_codes(
    journal: SqliteJournal, changes: dict[str, Any], error: type[LifecycleError], code: str
) -> None:
    stored = submit(journal)
    with pytest.raises(error) as caught:
        journal.cancel(ref_of(stored, **changes), stored.received_ns + 1)
    assert caught.value.code == code
    assert journal.get(stored.report_id) == stored
    assert [r.code for r in journal.rejects()] == [code]


def test_matching_client_reference_with_control_number_is_fine(journal: SqliteJournal) -> None:
    stored = submit(journal)
    ref = ref_of(stored, client_ref="R1")
    assert journal.cancel(ref, stored.received_ns + 1).state is ReportState.CANCELLED


def test_correction_issues_a_new_control_number_and_links_old_to_new(
    journal: SqliteJournal,
) -> None:
    original = submit(journal)
    replacement = make_report(client_ref="R1-C", price=Decimal("101.5"))
    at = original.received_ns + 60 * SECOND
    new = journal.correct(ref_of(original), replacement, make_decision(replacement, at), at)
    assert new.control_number != original.control_number
    assert is_control_number(new.control_number)
    assert (new.origin, new.replaces_id, new.state) == (
        Action.CORRECT,
        original.report_id,
        ReportState.ACCEPTED,
    )
    old = journal.get(original.report_id)
    assert old is not None and old.state is ReportState.CORRECTED
    assert (old.successor_control_number, old.successor_control_date) == (
        new.control_number,
        new.control_date,
    )
    correct_event = journal.events(original.report_id)[-1]
    assert correct_event.control_number == new.control_number
    # The original is replaced: acting on it is refused; the correction can be cancelled.
    with pytest.raises(IllegalTransition) as caught:
        journal.cancel(ref_of(original), at + 1)
    assert caught.value.code == "105"
    with pytest.raises(IllegalTransition):
        journal.cancel(ReportRef(FACILITY, "ABCD", client_ref="R1"), at + 1)
    assert journal.cancel(ref_of(new), at + 2).state is ReportState.CANCELLED


def test_correction_must_stay_at_the_facility_and_environment(journal: SqliteJournal) -> None:
    original = submit(journal)
    elsewhere = make_report(facility="trace-sp")
    with pytest.raises(ReferenceMismatch) as caught:
        journal.correct(ref_of(original), elsewhere, make_decision(elsewhere, EXECUTED + 5))
    assert caught.value.reason == CANNOT_PROCESS
    (reject,) = journal.rejects()
    assert reject.report == elsewhere  # what the firm sent is kept with the reject


def test_reversal_gets_its_own_control_number(journal: SqliteJournal) -> None:
    original = submit(journal)
    at = original.received_ns + 3 * 24 * 3600 * SECOND  # three days later
    reversed_ = journal.reverse(ref_of(original), at, reason="outside the window")
    assert reversed_.state is ReportState.REVERSED
    assert reversed_.successor_control_number is not None
    assert is_control_number(reversed_.successor_control_number)
    assert reversed_.successor_control_date == dt.date(2021, 3, 13)
    with pytest.raises(IllegalTransition):
        journal.correct(ref_of(original), make_report(), make_decision(make_report(), at + 1))
    assert journal.events(original.report_id)[-1].reason == "outside the window"


def test_uat_reports_are_apart_from_production(journal: SqliteJournal) -> None:
    uat = submit(journal, make_report(environment=Environment.UAT))
    prod = submit(journal, make_report(client_ref="R2"))
    assert journal.query(environment=Environment.UAT) == [uat]
    assert journal.query(environment=Environment.PRODUCTION) == [prod]
    with pytest.raises(TradeNotFound):
        journal.cancel(ReportRef(FACILITY, "ABCD", client_ref="R1"), EXECUTED + 9)
    uat_ref = ReportRef(FACILITY, "ABCD", client_ref="R1", environment=Environment.UAT)
    assert journal.cancel(uat_ref, EXECUTED + 9).state is ReportState.CANCELLED


# -- rejects -----------------------------------------------------------------------------------


def test_rejected_new_report_is_kept_whole(journal: SqliteJournal) -> None:
    report = make_report(security="BADCUSIP!")
    record = journal.reject(report, Reason("060", "INVALID CUSIP"), EXECUTED + 5, detail="x")
    (back,) = journal.rejects(mpid="ABCD")
    assert back == record
    assert back.report == report
    assert (back.code, back.text, back.action, back.route) == (
        "060",
        "INVALID CUSIP",
        Action.NEW,
        Route.FIX,
    )
    assert back.session_id == "FIX-ABCD-1"
    assert journal.query() == []  # a rejected report never gets a control number


def test_reject_of_a_message_known_only_by_its_identification(journal: SqliteJournal) -> None:
    ref = ReportRef("nyse-trf", "WXYZ", client_ref="T-9", environment=Environment.NTF)
    record = journal.reject(
        ref, Reason("999", "CANNOT BE PROCESSED AS SUBMITTED"), 7, action=Action.CANCEL
    )
    assert journal.rejects(facility="nyse-trf", environment=Environment.NTF) == [record]
    assert record.report is None and record.client_ref == "T-9"
    assert journal.rejects(since_ns=8) == []


# -- likely duplicates (seed 001 parallel period) ----------------------------------------------


def _twice(
    journal: SqliteJournal, first: TradeReport, second: TradeReport
) -> tuple[StoredReport, StoredReport]:
    a = submit(journal, first)
    b = submit(journal, second, delay_ns=2 * SECOND)
    return a, b


def test_same_six_fields_by_two_routes_are_flagged(journal: SqliteJournal) -> None:
    cert = make_report(client_ref="C1", route=Route.WEB_CERTIFICATE, quantity=Decimal("100"))
    mfa = make_report(client_ref="M1", route=Route.WEB_MFA, quantity=Decimal("100.00"))
    a, b = _twice(journal, cert, mfa)
    assert a.duplicate_of is None
    assert b.duplicate_of == a.report_id  # both accepted, the second flagged
    (group,) = journal.likely_duplicates()
    assert [s.report_id for s in group.reports] == [a.report_id, b.report_id]
    assert group.routes == (Route.WEB_CERTIFICATE, Route.WEB_MFA)
    assert journal.query(duplicates_only=True) == [b]
    assert journal.likely_duplicates(mpid="EFGH") == []


@pytest.mark.parametrize(
    "field",
    ["reporting_mpid", "security", "quantity", "price", "side", "executed_ns"],
)
def test_one_field_different_is_not_a_duplicate(journal: SqliteJournal, field: str) -> None:
    other: Any = {
        "reporting_mpid": "WXYZ",
        "security": "999999ZZ9",
        "quantity": Decimal("100000.01"),
        "price": Decimal("101.25001"),
        "side": Side.BUY,
        "executed_ns": EXECUTED + MILLISECOND,
    }[field]
    first = make_report(route=Route.FIX)
    second = make_report(client_ref="R2", route=Route.WEB_MFA, **{field: other})
    _, b = _twice(journal, first, second)
    assert b.duplicate_of is None
    assert journal.likely_duplicates() == []


def test_same_route_twice_is_not_a_duplicate(journal: SqliteJournal) -> None:
    _, b = _twice(journal, make_report(), make_report(client_ref="R2"))
    assert b.duplicate_of is None
    assert journal.likely_duplicates() == []


def test_uat_copies_are_not_production_duplicates(journal: SqliteJournal) -> None:
    uat = make_report(route=Route.WEB_MFA, environment=Environment.UAT)
    _, b = _twice(journal, make_report(), uat)
    assert b.duplicate_of is None
    assert journal.likely_duplicates() == []


# -- deliveries, faults, audit -----------------------------------------------------------------


def test_deliveries_show_who_received_what_during_a_uat(journal: SqliteJournal) -> None:
    stored = submit(journal, make_report(environment=Environment.UAT))
    at = stored.received_ns + MILLISECOND
    journal.record_delivery(
        recipient="ABCD", msg_type="AE/CAEN", ns=at, report_id=stored.report_id, registered=True
    )
    quiet = journal.record_delivery(
        recipient="EFGH",
        msg_type="AE/CAAL",
        ns=at,
        report_id=stored.report_id,
        session_id="FIX-EFGH-1",
        registered=False,
        detail="contra allege to a firm not registered for the UAT",
    )
    copy = journal.record_delivery(
        recipient="ABCD-DC", msg_type="AE/CAEN", ns=at, report_id=stored.report_id, copy=True
    )
    assert quiet.environment is Environment.UAT
    assert quiet.control_number == stored.control_number
    assert journal.deliveries(recipient="EFGH") == [quiet]
    assert len(journal.deliveries(report_id=stored.report_id)) == 3
    assert [d.registered for d in journal.deliveries(environment=Environment.UAT)] == [
        True,
        False,
        None,
    ]
    assert copy.copy and journal.deliveries(since_ns=at + 1) == []


def test_delivery_of_a_reject_and_of_an_unknown_report(journal: SqliteJournal) -> None:
    record = journal.reject(
        make_report(environment=Environment.UAT), Reason("008", "INVALID DATE"), 5
    )
    delivery = journal.record_delivery(
        recipient="ABCD", msg_type="AR", ns=6, reject_id=record.reject_id
    )
    assert delivery.environment is Environment.UAT
    with pytest.raises(KeyError):
        journal.record_delivery(recipient="ABCD", msg_type="AE", ns=6, report_id=404)
    assert journal.deliveries() == [delivery]


def test_faults_and_audit_round_trip(journal: SqliteJournal) -> None:
    fault = journal.record_fault(10, "session:FIX-ABCD-1", "disconnect", "without Logout")
    journal.record_fault(20, "facility:trace-ca", "outage")
    assert journal.faults(kind="disconnect") == [fault]
    assert [f.ns for f in journal.faults(since_ns=11)] == [20]
    login = journal.record_audit(30, "alice@example.com", "login", "ok", "mfa=totp")
    journal.record_audit(40, "bob@example.com", "login", "denied", "bad code")
    assert journal.audit(actor="alice@example.com") == [login]
    assert [a.outcome for a in journal.audit(action="login")] == ["ok", "denied"]
    assert len(journal.audit(limit=1)) == 1
    assert login.to_json()["at"].startswith("1969-12-31T19:00:00.000000030")


# -- queries -----------------------------------------------------------------------------------


def test_query_filters(journal: SqliteJournal) -> None:
    on_time = submit(journal)
    late = submit(journal, make_report(client_ref="R2"), delay_ns=20 * 60 * SECOND, late=True)
    other = submit(journal, make_report(mpid="WXYZ", route=Route.WEB_MFA), delay_ns=2 * SECOND)
    journal.cancel(ref_of(other), other.received_ns + 1)
    assert journal.query(late=True) == [late]
    assert journal.query(late=False, mpid="ABCD") == [on_time]
    assert [s.report_id for s in journal.query(state=ReportState.CANCELLED)] == [other.report_id]
    assert [s.report_id for s in journal.query(route=Route.WEB_MFA)] == [other.report_id]
    assert journal.query(client_ref="R2") == [late]
    assert journal.query(facility="trace-ts") == []
    assert journal.query(session_id="FIX-ABCD-1", limit=1) == [on_time]
    assert journal.query(origin=Action.CORRECT) == []
    # since/until are a half-open interval on receipt time
    assert journal.query(since_ns=on_time.received_ns, until_ns=other.received_ns) == [on_time]
    assert len(journal.query(since_ns=on_time.received_ns, until_ns=late.received_ns + 1)) == 3


def test_to_json_is_plain_data(journal: SqliteJournal) -> None:
    stored = submit(journal)
    data = stored.to_json()
    assert data["control_number"] == stored.control_number
    assert data["report"]["quantity"] == "100000.00"
    assert data["decision"]["status"] == "on_time"
    assert data["received"].endswith("-05:00")


# -- transactions, batches, threads ----------------------------------------------------------


def test_batch_commits_together(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    with journal.batch():
        for i in range(50):
            submit(journal, make_report(client_ref=f"B{i}"))
        with journal.batch():  # nested batches join the outer one
            submit(journal, make_report(client_ref="inner"))
        # a reader on another connection sees nothing until the batch commits
        with sqlite3.connect(journal.path) as reader:  # type: ignore[arg-type]
            assert reader.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0
        reader.close()
    with sqlite3.connect(journal.path) as reader:  # type: ignore[arg-type]
        assert reader.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 51
    reader.close()
    journal.close()


def test_batch_that_fails_leaves_nothing_and_rewinds_ids(journal: SqliteJournal) -> None:
    first = None
    with pytest.raises(RuntimeError), journal.batch():
        first = submit(journal)
        raise RuntimeError("connection lost before the acks were written")
    assert first is not None
    assert journal.query() == []
    assert journal.events() == []
    assert submit(journal).control_number == first.control_number


def test_a_refusal_inside_a_batch_does_not_abort_it(journal: SqliteJournal) -> None:
    with journal.batch():
        stored = submit(journal)
        with pytest.raises(TradeNotFound):
            journal.cancel(ReportRef(FACILITY, "ABCD", client_ref="nope"), EXECUTED + 7)
        journal.cancel(ref_of(stored), EXECUTED + 8)
    assert journal.get(stored.report_id).state is ReportState.CANCELLED  # type: ignore[union-attr]
    assert [r.code for r in journal.rejects()] == ["303"]


def test_external_tables_share_the_transaction(journal: SqliteJournal) -> None:
    with journal.lock:
        journal.connection.execute("CREATE TABLE outbound (seq INTEGER, body TEXT)")
    with journal.transaction() as conn:
        stored = submit(journal)
        conn.execute("INSERT INTO outbound VALUES (1, ?)", (stored.control_number,))
    with pytest.raises(ZeroDivisionError), journal.transaction() as conn:
        submit(journal, make_report(client_ref="R2"))
        conn.execute("INSERT INTO outbound VALUES (2, 'x')")
        _ = 1 / 0
    assert journal.connection.execute("SELECT seq FROM outbound").fetchall() == [(1,)]
    assert journal.query() == [stored]


def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    errors: list[BaseException] = []

    def writer(mpid: str) -> None:
        try:
            for i in range(200):
                submit(journal, make_report(mpid=mpid, client_ref=f"{mpid}{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(50):
                journal.query(mpid="AAAA")
                journal.stats()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(m,)) for m in ("AAAA", "BBBB", "CCCC")]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = [s.control_number for s in journal.query()]
    assert len(numbers) == len(set(numbers)) == 600
    journal.close()


def test_stats_and_reset(journal: SqliteJournal) -> None:
    first = submit(journal)
    journal.reject(make_report(), Reason("013", "INVALID PRICE"), 1)
    journal.record_fault(1, "x", "y")
    stats = journal.stats()
    assert (stats.reports, stats.events, stats.rejects, stats.faults) == (1, 1, 1, 1)
    assert stats.database_bytes > 0 and stats.wal_bytes == 0  # in memory: no WAL file
    assert (stats.fix_sessions, stats.fix_messages) == (0, 0)  # no FIX store here yet
    store = SqliteStoreFactory(journal=journal).store("trace-ca:ACMEFIX")
    store.save(1, b"ack")
    store.flush()
    assert (journal.stats().fix_sessions, journal.stats().fix_messages) == (1, 1)
    journal.reset()
    assert journal.stats().reports == 0
    assert submit(journal).control_number == first.control_number  # ids restart from the seed


def test_checkpoint_folds_the_wal(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    for i in range(20):
        submit(journal, make_report(client_ref=f"W{i}"))
    assert journal.stats().wal_bytes > 0
    journal.checkpoint()
    assert journal.stats().wal_bytes == 0
    journal.close()


def test_context_manager_closes(tmp_path: Path) -> None:
    with open_journal(tmp_path) as journal:
        submit(journal)
    assert journal.closed


def test_a_new_path_is_a_data_directory_unless_it_names_a_database_file(tmp_path: Path) -> None:
    with open_journal(tmp_path / "data") as journal:
        assert journal.path == tmp_path / "data" / JOURNAL_FILENAME
    with open_journal(tmp_path / "named.sqlite3") as journal:
        assert journal.path == tmp_path / "named.sqlite3"
    assert (tmp_path / "named.sqlite3").is_file()
    with open_journal(tmp_path / "data") as journal:  # an existing directory
        assert journal.path == tmp_path / "data" / JOURNAL_FILENAME


def test_a_failed_block_inside_a_batch_gives_back_only_its_ids(journal: SqliteJournal) -> None:
    with journal.batch():
        kept = submit(journal)
        with pytest.raises(KeyError), journal.transaction():
            undone = submit(journal, make_report(client_ref="R2"))
            raise KeyError("the store refused the outbound message")
        retried = submit(journal, make_report(client_ref="R2"))
    assert retried.control_number == undone.control_number != kept.control_number
    assert [s.client_ref for s in (r.report for r in journal.query())] == ["R1", "R2"]


def test_ids_taken_by_other_components_survive_a_restart(tmp_path: Path) -> None:
    with open_journal(tmp_path, seed=6) as journal:
        first = [journal.ids.trade_id(), journal.ids.message_id("ABCD")]
    with open_journal(tmp_path) as journal:
        second = [journal.ids.trade_id(), journal.ids.message_id("ABCD")]
    ids = IdGenerator(seed=6)
    expected = [f() for _ in range(2) for f in (ids.trade_id, lambda: ids.message_id("ABCD"))]
    assert first + second == expected
    assert len(set(first + second)) == 4


def test_stored_counters_never_go_backwards(journal: SqliteJournal) -> None:
    journal._persist_counter("trade", 5)
    journal._persist_counter("trade", 3)  # a slower thread persisting an older value
    row = journal.connection.execute("SELECT value FROM id_counters WHERE name = 'trade'")
    assert row.fetchone() == (5,)


def test_an_unwritable_place_is_named(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    with pytest.raises(ConfigError) as caught:
        open_journal(blocked / "data")  # its parent is a file
    assert "file-not-dir" in str(caught.value)
