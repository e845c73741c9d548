"""Supervision steps: the MPID roster, late reports by desk and supervisor, lateness patterns.

A firm may report under several MPIDs, one per desk, and must keep a roster mapping each MPID to
its desk and supervisor (seed 004). The simulator attributes every journaled production report
(``simulator.supervision``), flags a desk whose reporting is habitually late or at the edge of
the deadline although no single report is far late, and flags MPIDs missing from the roster.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytest_bdd import given, parsers, then, when

from simulator.clock import MINUTE
from simulator.domain.trade import Side, TradeReport
from simulator.harness.controller import SimHarness
from simulator.harness.timetext import describe, describe_duration
from simulator.timestamps import local_date
from steps._types import TYPES


def _roster(sim: SimHarness) -> Any:
    try:
        return sim.data["roster"]
    except KeyError:
        raise AssertionError('no roster yet: start with "Given the firm\'s MPID roster:"') from None


def _report(sim: SimHarness) -> Any:
    from simulator.supervision.reports import build_report

    return build_report(sim.journal_reports(), _roster(sim))


@given("the firm's MPID roster:")
def roster_table(sim: SimHarness, datatable: list[list[str]]) -> None:
    """Give the firm's roster as a table with columns ``mpid``, ``desk``, ``supervisor``,
    ``email`` (validated as the roster file is: four-letter MPIDs, each once).

    Example: Given the firm's MPID roster:
    """
    from simulator.supervision.roster import parse_roster_csv

    lines = [",".join(cell.strip() for cell in row) for row in datatable]
    sim.data["roster"] = parse_roster_csv("\n".join(lines) + "\n", source="scenario roster")
    sim.record("action", "compliance", f"roster with {len(sim.data['roster'])} MPIDs")


@given(parsers.cfparse('the firm\'s MPID roster is the file "{path}"'))
def roster_file(sim: SimHarness, path: str) -> None:
    """Load the roster from a TOML or CSV file (relative to the directory pytest runs in).

    Example: Given the firm's MPID roster is the file "scenarios/rosters/sample-roster.toml"
    """
    from simulator.supervision.roster import load_roster

    sim.data["roster"] = load_roster(path)


@when(
    parsers.cfparse(
        "{mpid:MPID} reports {count:d} trades to {facility:Facility}, each {delay:Duration} "
        "after execution",
        extra_types=TYPES,
    )
)
def reports_many(sim: SimHarness, mpid: str, count: int, facility: str, delay: int) -> None:
    """Report trades under an MPID, one a minute from the facility clock's instant, each received
    a fixed delay after its execution (the clock ends after the last one).

    Example: When ABCD reports 20 trades to nasdaq-trf-carteret, each 9 seconds after execution
    """
    start = sim.now_ns()
    for index in range(count):
        executed = start + index * MINUTE
        received = executed + delay
        sim.set_clock(received)
        report = TradeReport(
            facility=facility,
            reporting_mpid=mpid,
            side=Side.SELL,
            security="ACME" if not facility.startswith("trace") else "037833AK6",
            quantity=Decimal(100),
            price=Decimal("10.00"),
            executed_ns=executed,
            trade_date=local_date(executed),
            client_ref=f"{mpid}-{index + 1}-{start}",
            security_id_source="8" if not facility.startswith("trace") else "1",
        )
        sim.submit_report(report, received)


@then(
    parsers.cfparse(
        'desk "{desk}" has {late:d} late reports out of {total:d}, supervised by {supervisor}'
    )
)
def desk_counts(sim: SimHarness, desk: str, late: int, total: int, supervisor: str) -> None:
    """Check a desk's line of the late-report table and the supervisor it is attributed to.

    Example: Then desk "Cash equities" has 2 late reports out of 20, supervised by Morgan Ellis
    """
    rows = {row.group: row for row in _report(sim).by_desk}
    assert desk in rows, f"no reports for desk {desk!r}; desks: {sorted(rows)}"
    row = rows[desk]
    assert (row.late, row.reports) == (late, total), (
        f"desk {desk!r} has {row.late} late of {row.reports}"
    )
    assert row.supervisor is not None and row.supervisor.name == supervisor, (
        f"desk {desk!r} is supervised by {row.supervisor}"
    )


@then(parsers.cfparse("MPID {mpid:MPID} has {late:d} late reports", extra_types=TYPES))
def mpid_counts(sim: SimHarness, mpid: str, late: int) -> None:
    """Check how many of an MPID's reports were late.

    Example: Then MPID ABCD has 0 late reports
    """
    rows = {row.group: row for row in _report(sim).by_mpid}
    actual = rows[mpid].late if mpid in rows else 0
    assert actual == late, f"MPID {mpid} has {actual} late reports"


@then(
    parsers.re(
        r'desk "(?P<desk>[^"]+)" is flagged for (?P<kind>a pattern of lateness|reporting at the edge)'
    )
)
def desk_flagged(sim: SimHarness, desk: str, kind: str) -> None:
    """Check that a desk is flagged: ``a pattern of lateness`` (late ratio over the limit) or
    ``reporting at the edge`` (late or near-deadline reports over the limit).

    Example: Then desk "Program trading" is flagged for reporting at the edge
    """
    wanted = "late-ratio" if kind == "a pattern of lateness" else "at-the-edge"
    flags = [f for f in _report(sim).flags if f.group == desk and f.kind.value == wanted]
    assert flags, (
        f"desk {desk!r} is not flagged {wanted}; flags: {[f.message() for f in _report(sim).flags]}"
    )
    sim.record("decision", "supervision", flags[0].message())


@then(parsers.cfparse('desk "{desk}" is not flagged'))
def desk_not_flagged(sim: SimHarness, desk: str) -> None:
    """Check that a desk has no pattern flag.

    Example: Then desk "Cash equities" is not flagged
    """
    flags = [f.message() for f in _report(sim).flags if f.group == desk]
    assert not flags, f"desk {desk!r} is flagged: {flags}"


@then(parsers.cfparse("no single report was more than {limit:Duration} late", extra_types=TYPES))
def no_report_far_late(sim: SimHarness, limit: int) -> None:
    """Check the worst lateness over all reports (lateness = receipt minus deadline).

    Example: Then no single report was more than 1 second late
    """
    worst = max((s.lateness_ns for s in sim.journal_reports()), default=0)
    assert worst <= limit, f"a report was {describe_duration(worst)} late"


@then(parsers.cfparse("MPID {mpid:MPID} is flagged as missing from the roster", extra_types=TYPES))
def mpid_unmapped(sim: SimHarness, mpid: str) -> None:
    """Check that reports under an MPID with no roster entry are flagged.

    Example: Then MPID ZZZZ is flagged as missing from the roster
    """
    unmapped = {item.mpid: item for item in _report(sim).unmapped}
    assert mpid in unmapped, f"unmapped MPIDs: {sorted(unmapped)}"
    sim.record("decision", "supervision", f"{mpid} reported with no roster entry")


@then("every MPID that reported is on the roster")
def all_mapped(sim: SimHarness) -> None:
    """Check that no MPID reported without a roster entry.

    Example: Then every MPID that reported is on the roster
    """
    unmapped = [item.mpid for item in _report(sim).unmapped]
    assert not unmapped, f"MPIDs missing from the roster: {unmapped}"


@then(
    parsers.cfparse(
        "the late reports of {mpid:MPID} are attributed to {supervisor}", extra_types=TYPES
    )
)
def late_attributed(sim: SimHarness, mpid: str, supervisor: str) -> None:
    """Check that an MPID's late reports land on a supervisor's line of the report.

    Example: Then the late reports of ABCD are attributed to Morgan Ellis
    """
    report = _report(sim)
    rows = {row.group: row for row in report.by_supervisor}
    late = [s for s in sim.journal_reports() if s.mpid == mpid and s.late]
    assert late, f"{mpid} has no late report at {describe(sim.now_ns())}"
    matching = [row for label, row in rows.items() if supervisor in label]
    assert matching and mpid in matching[0].mpids and matching[0].late >= len(late), (
        f"supervisor lines: {[(label, row.mpids, row.late) for label, row in rows.items()]}"
    )
