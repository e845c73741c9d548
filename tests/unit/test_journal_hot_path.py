"""The journal's hot path: what an accepted report costs in SQL, and that the shortcuts taken
for it (one INSERT with its accept event by trigger, the duplicate lookup inside the INSERT,
id counters written once per transaction, no savepoint for a single statement, deliveries in one
call) keep every promise the journal made before them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_journal import EXECUTED, make_decision, make_report, submit

from simulator.clock import SECOND
from simulator.domain.ids import control_namespace
from simulator.domain.lifecycle import LifecycleAction, Reason, transition
from simulator.domain.trade import Environment, ReportState, Route
from simulator.journal import (
    SCHEMA_VERSION,
    DeliveryNote,
    ReportRef,
    SqliteJournal,
    open_journal,
    open_memory_journal,
)
from simulator.journal.rows import INSERT_PRODUCTION_REPORT


@pytest.fixture
def journal() -> Iterator[SqliteJournal]:
    j = open_memory_journal(seed=3)
    yield j
    j.close()


class Statements:
    """The SQL statements a connection runs, from SQLite's trace hook, as "VERB table".

    The hook also fires when a statement starts a subprogram (its trigger, a subquery), with the
    statement's own text and values again: consecutive identical texts are one statement.
    """

    def __init__(self, journal: SqliteJournal) -> None:
        self.seen: list[str] = []
        self.connection = journal.connection
        self._last = ""

    def __enter__(self) -> list[str]:
        self.connection.set_trace_callback(self._add)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        self.connection.set_trace_callback(None)

    def _add(self, sql: str) -> None:
        if sql == self._last:
            return
        self._last = sql
        words = sql.split()
        if words[0].startswith("--"):  # "-- TRIGGER name": a statement of a trigger's body
            return
        if words[0] == "INSERT" and words[1] == "INTO":
            self.seen.append(f"INSERT {words[2]}")
        else:
            self.seen.append(" ".join(words[:2]))


def statements(journal: SqliteJournal) -> Statements:
    return Statements(journal)


# -- what a report costs ----------------------------------------------------------------------


def test_inside_a_batch_an_accepted_report_is_one_statement(journal: SqliteJournal) -> None:
    with journal.batch():
        submit(journal, make_report(client_ref="WARM"))
        with statements(journal) as seen:
            for n in range(20):
                submit(journal, make_report(client_ref=f"R{n}", executed_ns=EXECUTED + n))
    assert seen == ["INSERT reports"] * 20
    assert len(journal.query()) == 21 and len(journal.events()) == 21


def test_a_batch_writes_each_id_counter_once_when_it_commits(tmp_path: Path) -> None:
    journal = open_journal(tmp_path, seed=3)
    with statements(journal) as seen, journal.batch():
        for n in range(30):
            submit(journal, make_report(client_ref=f"R{n}", executed_ns=EXECUTED + n))
    assert seen.count("INSERT id_counters") == 1  # not once per report
    journal.close()
    with sqlite3.connect(tmp_path / "journal.sqlite3") as reader:
        stored = dict(reader.execute("SELECT name, value FROM id_counters").fetchall())
    reader.close()
    assert stored == {control_namespace(make_report().trade_date): 30}
    with open_journal(tmp_path) as reopened:  # the sequence continues, nothing reused
        numbers = {s.control_number for s in reopened.query()}
        assert submit(reopened, make_report(client_ref="NEXT")).control_number not in numbers


def test_outside_a_batch_a_report_is_its_own_durable_transaction(tmp_path: Path) -> None:
    journal = open_journal(tmp_path, seed=3)
    with statements(journal) as seen:
        stored = submit(journal)
    assert seen == ["BEGIN IMMEDIATE", "INSERT reports", "INSERT id_counters", "COMMIT"]
    with sqlite3.connect(
        tmp_path / "journal.sqlite3"
    ) as reader:  # committed: another reader sees it
        assert reader.execute("SELECT control_number FROM reports").fetchall() == [
            (stored.control_number,)
        ]
    reader.close()
    journal.close()


# -- the accept event, written by the schema's trigger ------------------------------------------


def test_the_accept_event_follows_the_lifecycle_table(journal: SqliteJournal) -> None:
    stored = submit(journal)
    (event,) = journal.events(stored.report_id)
    assert event.action is LifecycleAction.ACCEPT
    assert event.from_state is ReportState.NEW
    assert event.to_state is transition(ReportState.NEW, LifecycleAction.ACCEPT)
    assert event.to_state is stored.state
    assert (event.ns, event.control_number, event.control_date, event.session_id) == (
        stored.received_ns,
        stored.control_number,
        stored.control_date,
        stored.report.session_id,
    )


@pytest.mark.parametrize(
    ("user", "session_id", "actor"),
    [
        ("U001", "FIX-ABCD-1", "U001"),  # the user who entered it
        (None, "FIX-ABCD-1", "FIX-ABCD-1"),  # else the session
        ("", "FIX-ABCD-1", "FIX-ABCD-1"),  # an empty user is no user
        (None, None, "ABCD"),  # else the reporting MPID
        ("", "", "ABCD"),
    ],
)
def test_the_accept_event_names_who_reported(
    journal: SqliteJournal, user: str | None, session_id: str | None, actor: str
) -> None:
    stored = submit(journal, make_report(user=user, session_id=session_id))
    assert [e.actor for e in journal.events(stored.report_id)] == [actor]


def test_a_correction_gives_the_replacement_its_own_accept_event(journal: SqliteJournal) -> None:
    original = submit(journal)
    replacement = make_report(client_ref="R2", quantity=original.report.quantity + 1)
    received = EXECUTED + 5 * SECOND
    new = journal.correct(
        ReportRef(original.facility, "ABCD", original.control_number, original.control_date),
        replacement,
        make_decision(replacement, received),
        received,
    )
    kinds = [(e.report_id, e.action) for e in journal.events()]
    assert kinds == [
        (original.report_id, LifecycleAction.ACCEPT),
        (new.report_id, LifecycleAction.ACCEPT),
        (original.report_id, LifecycleAction.CORRECT),
    ]


# -- the likely-duplicate lookup ----------------------------------------------------------------


def test_the_duplicate_lookup_is_one_probe_of_its_index(journal: SqliteJournal) -> None:
    plan = " ".join(
        row[3]
        for row in journal.connection.execute(
            "EXPLAIN QUERY PLAN " + INSERT_PRODUCTION_REPORT, (None,) * 39
        )
    )
    assert (
        "USING INDEX reports_duplicates (reporting_mpid=? AND executed_ns=? AND match_key=?)"
        in plan
    )


def test_a_burst_in_one_second_finds_only_true_duplicates(journal: SqliteJournal) -> None:
    # TRACE CA/SP times are whole seconds: one firm reports many trades "at" the same second.
    with journal.batch():
        burst = [
            submit(journal, make_report(client_ref=f"R{n}", quantity=make_report().quantity + n))
            for n in range(200)
        ]
    assert all(stored.duplicate_of is None for stored in burst)
    web = submit(journal, make_report(client_ref="W", route=Route.WEB_MFA))
    assert web.duplicate_of == burst[0].report_id  # same six fields, another route


def test_non_production_reports_skip_the_lookup(journal: SqliteJournal) -> None:
    submit(journal, make_report())
    uat = submit(journal, make_report(route=Route.WEB_MFA, environment=Environment.UAT))
    assert uat.duplicate_of is None


# -- failures inside a batch --------------------------------------------------------------------


def test_a_failed_insert_inside_a_batch_gives_back_its_id_and_the_batch_goes_on(
    journal: SqliteJournal,
) -> None:
    namespace = control_namespace(make_report().trade_date)
    with journal.batch():
        first = submit(journal)
        journal.ids.rewind({namespace: 0})  # the next number collides with the first's
        with pytest.raises(sqlite3.IntegrityError):
            submit(journal, make_report(client_ref="R2"))
        assert journal.ids.peek(namespace) == 0  # given back, as a savepoint would
        journal.ids.rewind({namespace: 1})
        second = submit(journal, make_report(client_ref="R3"))
    assert [s.report_id for s in journal.query()] == [first.report_id, second.report_id]
    assert len(journal.events()) == 2  # the failed INSERT left neither a report nor an event


def test_a_delivery_about_a_missing_report_inside_a_batch_leaves_nothing(
    journal: SqliteJournal,
) -> None:
    with journal.batch():
        stored = submit(journal)
        with pytest.raises(KeyError, match="404"):
            journal.record_delivery(recipient="X", msg_type="AE", ns=1, report_id=404)
        journal.record_delivery(recipient="ABCD", msg_type="AE", ns=2, report_id=stored.report_id)
    assert [d.recipient for d in journal.deliveries()] == ["ABCD"]


# -- several deliveries at once -----------------------------------------------------------------


def test_record_deliveries_stores_what_record_delivery_would(journal: SqliteJournal) -> None:
    stored = submit(journal, make_report(environment=Environment.UAT))
    bad = make_report(client_ref="BAD", environment=Environment.NTF)
    reject = journal.reject(bad, Reason("013", "INVALID PRICE"), 7)
    notes = [
        DeliveryNote("ABCD", "AE/CAEN", 10, report_id=stored.report_id, registered=True),
        DeliveryNote("EFGH", "AE/CAAL", 10, report_id=stored.report_id, detail="allege"),
        DeliveryNote("ABCD", "AR", 11, reject_id=reject.reject_id, session_id="S"),
        DeliveryNote("DC", "8", 12, copy=True, environment=Environment.UAT),
        DeliveryNote("DC", "8", 12),
    ]
    other = open_memory_journal(seed=3)
    try:
        twin = submit(other, make_report(environment=Environment.UAT))
        twin_reject = other.reject(bad, reject.reason, 7)
        assert (twin.report_id, twin_reject.reject_id) == (stored.report_id, reject.reject_id)
        journal.record_deliveries(notes)
        for note in notes:
            other.record_delivery(
                recipient=note.recipient, msg_type=note.msg_type, ns=note.ns,
                report_id=note.report_id, reject_id=note.reject_id,
                environment=note.environment, session_id=note.session_id, copy=note.copy,
                registered=note.registered, detail=note.detail,
            )  # fmt: skip
        assert journal.deliveries() == other.deliveries()
    finally:
        other.close()
    got = journal.deliveries()
    assert [d.environment for d in got] == [
        Environment.UAT,
        Environment.UAT,
        Environment.NTF,
        Environment.UAT,
        Environment.PRODUCTION,
    ]
    assert got[0].control_number == stored.control_number


def test_record_deliveries_is_all_or_nothing(journal: SqliteJournal) -> None:
    stored = submit(journal)
    with pytest.raises(KeyError, match="report"):
        journal.record_deliveries(
            [
                DeliveryNote("ABCD", "AE/CAEN", 1, report_id=stored.report_id),
                DeliveryNote("EFGH", "AE/CAAL", 1, report_id=404),
            ]
        )
    assert journal.deliveries() == []
    journal.record_deliveries([])  # nothing to do
    assert journal.deliveries() == []


# -- upgrading a version 1 journal --------------------------------------------------------------


def test_a_version_1_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    with open_journal(tmp_path, seed=3) as journal:
        old = submit(journal)
        journal.connection.executescript(
            "DROP TRIGGER reports_accept_event; DROP INDEX reports_duplicates; "
            "CREATE INDEX reports_execution ON reports (reporting_mpid, executed_ns); "
            "PRAGMA user_version = 1;"
        )
    with open_journal(tmp_path) as journal:
        version = journal.connection.execute("PRAGMA user_version").fetchone()[0]
        names = {row[0] for row in journal.connection.execute("SELECT name FROM sqlite_master")}
        new = submit(journal, make_report(client_ref="R2"))
        assert version == SCHEMA_VERSION == 2
        assert {"reports_accept_event", "reports_duplicates"} <= names
        assert "reports_execution" not in names
        assert [e.report_id for e in journal.events()] == [old.report_id, new.report_id]
