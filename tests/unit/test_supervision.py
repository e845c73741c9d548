"""Supervision reports and the pattern-of-lateness check (seed 004), over journaled reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest

from simulator.clock import DAY, MILLISECOND, MINUTE, SECOND
from simulator.domain.decision import Decision, Status
from simulator.domain.trade import Environment, Side, TradeReport
from simulator.errors import UserInputError
from simulator.journal import ReportRef, SqliteJournal, StoredReport, open_memory_journal
from simulator.supervision.patterns import (
    FlagKind,
    PatternRule,
    find_patterns,
    format_duration,
    is_near_deadline,
)
from simulator.supervision.reports import (
    build_report,
    counted,
    late_by_desk,
    late_by_mpid,
    late_by_supervisor,
    pattern_flags,
    render_text,
    unmapped_mpids,
)
from simulator.supervision.roster import Roster, parse_roster_toml
from simulator.timestamps import local_ns

DAY0 = dt.date(2021, 11, 15)
START = local_ns(DAY0, 10, 0)
WINDOW = 10 * SECOND  # the equity facilities' 10-second rule, FINRA Rule 6380A(a)(1)

ROSTER_TOML = """\
firm = "Example Securities"
[[mpid]]
mpid = "EDGE"
desk = "Cash equities"
supervisor = "Dana Whitfield"
email = "dana@example.com"
[[mpid]]
mpid = "EDGB"
desk = "Cash equities"
supervisor = "Dana Whitfield"
email = "dana@example.com"
[[mpid]]
mpid = "CLNA"
desk = "Program trading"
supervisor = "Omar Reyes"
email = "omar@example.com"
[[mpid]]
mpid = "FARL"
desk = "Convertibles"
supervisor = "Omar Reyes"
email = "omar@example.com"
[[mpid]]
mpid = "SLIP"
desk = "Block desk"
supervisor = "Lee Park"
email = "lee@example.com"
"""


@pytest.fixture
def roster() -> Roster:
    return parse_roster_toml(ROSTER_TOML, "roster.toml")


@pytest.fixture
def journal() -> Iterator[SqliteJournal]:
    j = open_memory_journal()
    yield j
    j.close()


class Desk:
    """Journals equity reports for one MPID, one a minute, each ``delay`` after execution."""

    counter = 0

    def __init__(self, journal: SqliteJournal, mpid: str, start: int = START) -> None:
        self.journal = journal
        self.mpid = mpid
        self.next_ns = start

    def report(
        self, delay_ns: int, *, environment: Environment = Environment.PRODUCTION
    ) -> StoredReport:
        Desk.counter += 1
        executed = self.next_ns
        self.next_ns += MINUTE
        report = TradeReport(
            facility="nasdaq-trf-carteret",
            reporting_mpid=self.mpid,
            side=Side.BUY,
            security="ACME",
            quantity=Decimal(100),
            price=Decimal("10.5"),
            executed_ns=executed,
            trade_date=DAY0,
            client_ref=f"{self.mpid}-{Desk.counter}",
            environment=environment,
        )
        received = executed + delay_ns
        late = delay_ns > WINDOW
        decision = Decision(
            facility=report.facility,
            executed_ns=executed,
            received_ns=received,
            status=Status.LATE if late else Status.ON_TIME,
            modifier="Z" if late else None,
            facility_code="I" if late else "0",
            as_of=False,
            deadline_ns=executed + WINDOW,
            rule="FINRA Rule 6380A(a)(1)",
            explanation="test",
        )
        return self.journal.submit(report, decision)

    def many(self, delays: Sequence[int]) -> list[StoredReport]:
        return [self.report(delay) for delay in delays]


def edge_delays() -> list[int]:
    """Seed 004: "consistently right at the 10-second edge, with frequent slips"."""
    delays = [9 * SECOND + 500 * MILLISECOND] * 40  # 9.5 s: on time, last 10% of the window
    for slip, position in zip((50, 120, 80, 200), (5, 15, 25, 35), strict=True):
        delays[position] = WINDOW + slip * MILLISECOND  # a few slips, none far late
    delays[0] = delays[20] = 2 * SECOND
    return delays


# -- near the deadline --------------------------------------------------------------------------


def test_near_deadline_boundary_is_exact(journal: SqliteJournal) -> None:
    desk = Desk(journal, "EDGE")
    exactly_at_edge = desk.report(9 * SECOND)  # margin 1 s = 10% of 10 s
    just_before = desk.report(9 * SECOND - 1)  # margin 1 s + 1 ns
    at_deadline = desk.report(WINDOW)  # exactly 10 s: on time
    late = desk.report(WINDOW + 1)
    assert is_near_deadline(exactly_at_edge, 0.1)
    assert not is_near_deadline(just_before, 0.1)
    assert is_near_deadline(at_deadline, 0.1) and not at_deadline.late
    assert not is_near_deadline(late, 0.1) and late.late
    assert not is_near_deadline(exactly_at_edge, 0.0)
    assert is_near_deadline(just_before, 0.2)


# -- the pattern check ------------------------------------------------------------------------


def test_edge_desk_is_flagged_though_no_report_is_far_late(
    journal: SqliteJournal, roster: Roster
) -> None:
    edge = Desk(journal, "EDGE").many(edge_delays())
    clean = Desk(journal, "CLNA").many([(1 + i % 3) * SECOND for i in range(40)])
    flags = pattern_flags(edge + clean, roster)
    assert [(f.group, f.kind) for f in flags] == [("Cash equities", FlagKind.AT_THE_EDGE)]
    (flag,) = flags
    assert flag.reports == 20 and flag.late == 2 and flag.near == 17
    assert flag.worst_late_ns is not None and flag.worst_late_ns <= 200 * MILLISECOND
    assert flag.ratio == pytest.approx(19 / 20)
    assert flag.mpids == ("EDGE",)
    # the earliest worst window: slips of 50 ms and 120 ms
    assert "Cash equities" in flag.message() and "worst 0.12 s late" in flag.message()
    # The late ratio alone (2 of every 20) does not reach the 10% threshold: only the edge does.
    assert max(r.ratio for r in late_by_mpid(edge, roster)) == pytest.approx(0.1)


def test_clean_desk_and_one_far_late_report_are_not_a_pattern(
    journal: SqliteJournal, roster: Roster
) -> None:
    clean = Desk(journal, "CLNA").many([2 * SECOND] * 40)
    far = Desk(journal, "FARL").many([3 * SECOND] * 39 + [5 * MINUTE])
    assert pattern_flags(clean + far, roster) == []
    (row,) = [r for r in late_by_mpid(far, roster) if r.group == "FARL"]
    assert row.late == 1 and row.worst_late_ns == 5 * MINUTE - WINDOW


def test_frequent_slips_trip_the_late_ratio(journal: SqliteJournal, roster: Roster) -> None:
    delays = [3 * SECOND] * 20
    for i in (2, 7, 12, 17):
        delays[i] = WINDOW + SECOND
    slips = Desk(journal, "SLIP").many(delays)
    (flag,) = pattern_flags(slips, roster)
    assert (flag.kind, flag.late, flag.reports, flag.threshold) == (
        FlagKind.LATE_RATIO,
        4,
        20,
        0.10,
    )


def test_the_threshold_is_strict(journal: SqliteJournal, roster: Roster) -> None:
    # exactly 10% late (2 of 20) is not above the 10% threshold
    delays = [3 * SECOND] * 20
    delays[4] = delays[14] = WINDOW + SECOND
    assert pattern_flags(Desk(journal, "SLIP").many(delays), roster) == []


def test_too_few_reports_give_no_verdict(journal: SqliteJournal, roster: Roster) -> None:
    few = Desk(journal, "SLIP").many([WINDOW + SECOND] * 9)
    assert pattern_flags(few, roster) == []
    assert len(pattern_flags(few, roster, PatternRule(min_reports=9))) == 2


def test_day_windows_find_one_bad_day_in_a_good_fortnight(
    journal: SqliteJournal, roster: Roster
) -> None:
    reports: list[StoredReport] = []
    for day in range(10):
        desk = Desk(journal, "SLIP", start=START + day * DAY)
        bad_day = day == 6
        delays = [WINDOW + SECOND if bad_day and i < 5 else 2 * SECOND for i in range(10)]
        reports += desk.many(delays)
    over_all = PatternRule(window_reports=100, min_reports=10)
    by_day = PatternRule(window_days=1, min_reports=5)
    assert pattern_flags(reports, roster, over_all) == []  # 5 of 100: 5%
    (flag,) = pattern_flags(reports, roster, by_day)
    assert flag.kind is FlagKind.LATE_RATIO and (flag.late, flag.reports) == (5, 10)
    # a rolling 24 hours ending on the bad day (it may begin the evening before)
    assert START + 6 * DAY <= flag.window_end_ns < START + 7 * DAY
    assert flag.window_end_ns - flag.window_start_ns < DAY


def test_grouping_by_mpid_and_supervisor(journal: SqliteJournal, roster: Roster) -> None:
    edge = Desk(journal, "EDGE").many(edge_delays())
    by_mpid = pattern_flags(edge, roster, group_by="mpid")
    by_supervisor = pattern_flags(edge, roster, group_by="supervisor")
    assert [f.group for f in by_mpid] == ["EDGE"]
    assert [f.group for f in by_supervisor] == ["Dana Whitfield <dana@example.com>"]
    with pytest.raises(ValueError, match="group_by"):
        pattern_flags(edge, roster, group_by="floor")


def test_unmapped_mpids_are_still_checked_for_patterns(
    journal: SqliteJournal, roster: Roster
) -> None:
    ghost = Desk(journal, "GHST").many(edge_delays())
    (flag,) = pattern_flags(ghost, roster)
    assert flag.group == "(no roster entry) GHST"


def test_find_patterns_with_any_grouping(journal: SqliteJournal) -> None:
    edge = Desk(journal, "EDGE").many(edge_delays())
    flags = find_patterns(edge, lambda s: "all", PatternRule(max_edge_ratio=0.99), scope="firm")
    assert flags == []  # 95% at the edge is not above 99%
    (flag,) = find_patterns(edge, lambda s: "all", scope="firm")
    assert flag.scope == "firm"


@pytest.mark.parametrize(
    "changes",
    [
        {"window_reports": 0},
        {"window_days": 0},
        {"min_reports": 0},
        {"min_reports": 30, "window_reports": 20},
        {"max_late_ratio": 1.5},
        {"near_fraction": -0.1},
        {"max_edge_ratio": float("nan")},
    ],
)
def test_pattern_rule_validation(changes: dict[str, float]) -> None:
    with pytest.raises(UserInputError, match="pattern rule"):
        PatternRule(**changes)  # type: ignore[arg-type]


# -- late-report tables --------------------------------------------------------------------------


def test_late_reports_by_mpid_desk_and_supervisor(journal: SqliteJournal, roster: Roster) -> None:
    edge = Desk(journal, "EDGE").many([3 * SECOND] * 8 + [WINDOW + SECOND, WINDOW + 3 * SECOND])
    edge_b = Desk(journal, "EDGB").many([3 * SECOND] * 10)
    clean = Desk(journal, "CLNA").many([SECOND] * 5)
    far = Desk(journal, "FARL").many([SECOND] * 4 + [WINDOW + MINUTE])
    everything = edge + edge_b + clean + far

    rows = {row.group: row for row in late_by_mpid(everything, roster)}
    assert (rows["EDGE"].reports, rows["EDGE"].late, rows["EDGE"].ratio) == (10, 2, 0.2)
    assert rows["EDGE"].worst_late_ns == 3 * SECOND
    assert rows["EDGE"].desk == "Cash equities"
    assert rows["EDGE"].supervisor is not None and rows["EDGE"].supervisor.name == "Dana Whitfield"
    # the worst first: late ratio, then late count, then name
    assert [row.group for row in late_by_mpid(everything, roster)] == [
        "EDGE",
        "FARL",
        "CLNA",
        "EDGB",
    ]

    desks = {row.group: row for row in late_by_desk(everything, roster)}
    assert (desks["Cash equities"].reports, desks["Cash equities"].late) == (20, 2)
    assert desks["Cash equities"].mpids == ("EDGB", "EDGE")
    assert desks["Program trading"].worst_late_ns is None

    supervisors = {row.group: row for row in late_by_supervisor(everything, roster)}
    omar = supervisors["Omar Reyes <omar@example.com>"]
    assert (omar.reports, omar.late, omar.mpids) == (10, 1, ("CLNA", "FARL"))
    assert omar.worst_late_ns == MINUTE


def test_mpids_without_a_roster_entry_are_flagged(journal: SqliteJournal, roster: Roster) -> None:
    ghost = Desk(journal, "GHST").many([SECOND, WINDOW + SECOND, SECOND])
    mapped = Desk(journal, "CLNA").many([SECOND])
    (item,) = unmapped_mpids(ghost + mapped, roster)
    assert (item.mpid, item.reports, item.late) == ("GHST", 3, 1)
    assert item.first_ns == ghost[0].received_ns and item.last_ns == ghost[-1].received_ns
    assert [r.group for r in late_by_desk(ghost + mapped, roster)] == ["Program trading"]
    (row,) = [r for r in late_by_mpid(ghost, roster)]
    assert row.desk is None and row.supervisor is None


def test_only_production_originals_count(journal: SqliteJournal, roster: Roster) -> None:
    desk = Desk(journal, "CLNA")
    original = desk.report(SECOND)
    cancelled = desk.report(WINDOW + SECOND)
    journal.cancel(
        ReportRef("nasdaq-trf-carteret", "CLNA", client_ref=cancelled.report.client_ref),
        cancelled.received_ns + SECOND,
    )
    uat = desk.report(WINDOW + SECOND, environment=Environment.UAT)
    replacement = original.report.with_changes(client_ref="CLNA-fixed")
    corrected = journal.correct(
        ReportRef("nasdaq-trf-carteret", "CLNA", client_ref=original.report.client_ref),
        replacement,
        dataclasses.replace(original.decision, received_ns=original.received_ns + MINUTE),
    )
    everything = journal.query()
    assert len(everything) == 4
    kept = counted(everything)
    assert {s.report_id for s in kept} == {original.report_id, cancelled.report_id}
    assert uat.report_id not in {s.report_id for s in kept}
    assert corrected.report_id not in {s.report_id for s in kept}


# -- the whole report ------------------------------------------------------------------------------


def test_build_report_filters_the_period_and_renders(
    journal: SqliteJournal, roster: Roster
) -> None:
    edge = Desk(journal, "EDGE").many(edge_delays())
    Desk(journal, "CLNA").many([SECOND] * 12)
    Desk(journal, "GHST").many([SECOND, SECOND])
    late_start = Desk(journal, "SLIP", start=START + 2 * DAY).many([WINDOW + SECOND] * 12)
    report = build_report(
        journal.query(), roster, since_ns=START, until_ns=late_start[0].received_ns
    )
    assert report.total == 40 + 12 + 2
    assert report.late == 4
    assert [f.group for f in report.flags] == ["Cash equities"]
    assert [u.mpid for u in report.unmapped] == ["GHST"]
    assert not report.clean
    data = report.to_json()
    assert data["reports"] == 54 and data["firm"] == "Example Securities"
    assert data["pattern_flags"][0]["kind"] == "at-the-edge"
    assert data["unmapped_mpids"][0]["mpid"] == "GHST"
    assert data["by_desk"][0]["group"] == "Cash equities"
    text = render_text(report)
    assert "FLAG desk Cash equities" in text
    assert "UNMAPPED GHST: 2 reports (0 late)" in text
    assert "EDGE  Cash equities" in text
    assert edge[0].report.reporting_mpid == "EDGE"


def test_an_empty_period_is_clean(journal: SqliteJournal, roster: Roster) -> None:
    report = build_report([], roster)
    assert report.clean and report.total == 0
    assert "none" in render_text(report)


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0 s"),
        (50 * MILLISECOND, "0.05 s"),
        (12 * SECOND + 1, "12.000000001 s"),
        (2 * MINUTE + 5 * SECOND, "2 min 05 s"),
        (13 * 3600 * SECOND + 15 * MINUTE, "13 h 15 min 00 s"),
        (-SECOND // 2, "-0.5 s"),
    ],
)
def test_format_duration(ns: int, text: str) -> None:
    assert format_duration(ns) == text
