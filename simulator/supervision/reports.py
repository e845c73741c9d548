"""Late-report supervision: every report attributed to its MPID, desk and supervisor.

"The point of multiple MPIDs is supervisory attribution ... the supervisor can immediately see
which desk produced which report" (seed 004; facilities.md section 4). These are pure functions
over journal query results (:class:`~simulator.journal.base.StoredReport`) and a
:class:`~simulator.supervision.roster.Roster`:

* late reports by MPID, by desk and by supervisor: reports, late reports, the late ratio, the
  worst lateness, and how many on-time reports arrived at the deadline's edge;
* the pattern-of-lateness flags of :mod:`simulator.supervision.patterns`;
* MPIDs that reported but have no roster entry: "a firm with a dozen MPIDs and no map fails
  the supervision test even if the reporting itself is on time" (seed 004).

What counts: production reports only (a Saturday UAT or the NTF is a test, seed 000), each trade
once, as first submitted (``origin`` new). A correction's replacement is not counted again; a
report later cancelled still counts, because it was late or on time when it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from simulator.domain.trade import Action, Environment
from simulator.journal.base import StoredReport
from simulator.supervision.patterns import (
    PatternFlag,
    PatternRule,
    find_patterns,
    format_duration,
    is_near_deadline,
)
from simulator.supervision.roster import Roster, Supervisor
from simulator.timestamps import format_iso8601

GROUPINGS = ("desk", "mpid", "supervisor")
UNMAPPED = "(no roster entry)"


def counted(reports: Iterable[StoredReport]) -> list[StoredReport]:
    """The reports supervision counts: production, original submissions."""
    return [
        stored
        for stored in reports
        if stored.environment is Environment.PRODUCTION and stored.origin is Action.NEW
    ]


@dataclass(frozen=True, slots=True)
class LatenessRow:
    """Counts for one MPID, desk or supervisor over the period."""

    group: str
    reports: int
    late: int
    near: int
    worst_late_ns: int | None
    mpids: tuple[str, ...]
    desk: str | None = None
    supervisor: Supervisor | None = None

    @property
    def ratio(self) -> float:
        return self.late / self.reports if self.reports else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "reports": self.reports,
            "late": self.late,
            "late_ratio": self.ratio,
            "near_deadline": self.near,
            "worst_late_ns": self.worst_late_ns,
            "worst_late": None
            if self.worst_late_ns is None
            else format_duration(self.worst_late_ns),
            "mpids": list(self.mpids),
            "desk": self.desk,
            "supervisor": None if self.supervisor is None else self.supervisor.name,
            "supervisor_email": None if self.supervisor is None else self.supervisor.email,
        }


@dataclass(frozen=True, slots=True)
class UnmappedMpid:
    """An MPID that reported in the period but is missing from the roster."""

    mpid: str
    reports: int
    late: int
    first_ns: int
    last_ns: int

    def to_json(self) -> dict[str, Any]:
        return {
            "mpid": self.mpid,
            "reports": self.reports,
            "late": self.late,
            "first": format_iso8601(self.first_ns),
            "last": format_iso8601(self.last_ns),
        }


def _rows(
    reports: list[StoredReport],
    key: Callable[[StoredReport], str],
    near_fraction: float,
    describe: Callable[[str], tuple[str | None, Supervisor | None]],
) -> list[LatenessRow]:
    grouped: dict[str, list[StoredReport]] = {}
    for stored in reports:
        grouped.setdefault(key(stored), []).append(stored)
    rows = []
    for group, members in grouped.items():
        lateness = [s.lateness_ns for s in members if s.late]
        desk, supervisor = describe(group)
        rows.append(
            LatenessRow(
                group=group,
                reports=len(members),
                late=len(lateness),
                near=sum(1 for s in members if is_near_deadline(s, near_fraction)),
                worst_late_ns=max(lateness) if lateness else None,
                mpids=tuple(sorted({s.mpid for s in members})),
                desk=desk,
                supervisor=supervisor,
            )
        )
    # The worst first: by late ratio, then late count, then name.
    rows.sort(key=lambda row: (-row.ratio, -row.late, row.group))
    return rows


def late_by_mpid(
    reports: Iterable[StoredReport], roster: Roster, near_fraction: float = 0.1
) -> list[LatenessRow]:
    """One row per MPID, with its desk and supervisor (``None`` when it has no entry)."""

    def describe(mpid: str) -> tuple[str | None, Supervisor | None]:
        entry = roster.get(mpid)
        return (None, None) if entry is None else (entry.desk, entry.supervisor)

    return _rows(list(reports), lambda s: s.mpid, near_fraction, describe)


def late_by_desk(
    reports: Iterable[StoredReport], roster: Roster, near_fraction: float = 0.1
) -> list[LatenessRow]:
    """One row per desk of the roster that reported; unmapped MPIDs are left out (see
    :func:`unmapped_mpids`)."""
    mapped = [s for s in reports if s.mpid in roster]
    supervisors: dict[str, set[Supervisor]] = {}
    for entry in roster:
        supervisors.setdefault(entry.desk, set()).add(entry.supervisor)

    def describe(desk: str) -> tuple[str | None, Supervisor | None]:
        names = supervisors.get(desk, set())
        return desk, next(iter(names)) if len(names) == 1 else None

    return _rows(mapped, lambda s: _desk(roster, s), near_fraction, describe)


def late_by_supervisor(
    reports: Iterable[StoredReport], roster: Roster, near_fraction: float = 0.1
) -> list[LatenessRow]:
    """One row per supervisor (name and email) of the roster that has reports."""
    mapped = [s for s in reports if s.mpid in roster]
    by_label = {str(entry.supervisor): entry.supervisor for entry in roster}

    def describe(label: str) -> tuple[str | None, Supervisor | None]:
        return None, by_label[label]

    return _rows(mapped, lambda s: _supervisor(roster, s), near_fraction, describe)


def unmapped_mpids(reports: Iterable[StoredReport], roster: Roster) -> list[UnmappedMpid]:
    """MPIDs that reported but have no roster entry, most reports first."""
    found: dict[str, list[StoredReport]] = {}
    for stored in reports:
        if stored.mpid not in roster:
            found.setdefault(stored.mpid, []).append(stored)
    result = [
        UnmappedMpid(
            mpid=mpid,
            reports=len(members),
            late=sum(1 for s in members if s.late),
            first_ns=min(s.received_ns for s in members),
            last_ns=max(s.received_ns for s in members),
        )
        for mpid, members in found.items()
    ]
    result.sort(key=lambda item: (-item.reports, item.mpid))
    return result


def _desk(roster: Roster, stored: StoredReport) -> str:
    entry = roster.get(stored.mpid)
    return f"{UNMAPPED} {stored.mpid}" if entry is None else entry.desk


def _supervisor(roster: Roster, stored: StoredReport) -> str:
    entry = roster.get(stored.mpid)
    return f"{UNMAPPED} {stored.mpid}" if entry is None else str(entry.supervisor)


def pattern_flags(
    reports: Iterable[StoredReport],
    roster: Roster,
    rule: PatternRule | None = None,
    group_by: str = "desk",
) -> list[PatternFlag]:
    """The pattern-of-lateness check by desk (default), MPID or supervisor.

    Unmapped MPIDs are checked too, each as its own group: a pattern does not go away because
    the roster forgot an MPID.
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}, not {group_by!r}")
    keys: dict[str, Callable[[StoredReport], str]] = {
        "desk": lambda stored: _desk(roster, stored),
        "mpid": lambda stored: stored.mpid,
        "supervisor": lambda stored: _supervisor(roster, stored),
    }
    key = keys[group_by]
    return find_patterns(reports, key, rule, scope=group_by)


@dataclass(frozen=True, slots=True)
class SupervisionReport:
    """Everything ``facsim supervision`` prints, for one roster and one period."""

    roster_source: str
    since_ns: int | None
    until_ns: int | None
    rule: PatternRule
    group_by: str
    total: int
    late: int
    by_mpid: tuple[LatenessRow, ...]
    by_desk: tuple[LatenessRow, ...]
    by_supervisor: tuple[LatenessRow, ...]
    flags: tuple[PatternFlag, ...]
    unmapped: tuple[UnmappedMpid, ...]
    firm: str | None = None

    @property
    def clean(self) -> bool:
        """No pattern flags and no unmapped MPIDs."""
        return not self.flags and not self.unmapped

    def to_json(self) -> dict[str, Any]:
        return {
            "roster": self.roster_source,
            "firm": self.firm,
            "from": None if self.since_ns is None else format_iso8601(self.since_ns),
            "to": None if self.until_ns is None else format_iso8601(self.until_ns),
            "rule": self.rule.to_json(),
            "group_by": self.group_by,
            "reports": self.total,
            "late": self.late,
            "by_mpid": [row.to_json() for row in self.by_mpid],
            "by_desk": [row.to_json() for row in self.by_desk],
            "by_supervisor": [row.to_json() for row in self.by_supervisor],
            "pattern_flags": [flag.to_json() for flag in self.flags],
            "unmapped_mpids": [item.to_json() for item in self.unmapped],
        }


def build_report(
    reports: Iterable[StoredReport],
    roster: Roster,
    rule: PatternRule | None = None,
    *,
    since_ns: int | None = None,
    until_ns: int | None = None,
    group_by: str = "desk",
) -> SupervisionReport:
    """The whole supervision report over ``reports`` received in ``[since_ns, until_ns)``."""
    rule = rule or PatternRule()
    chosen = [
        stored
        for stored in counted(reports)
        if (since_ns is None or stored.received_ns >= since_ns)
        and (until_ns is None or stored.received_ns < until_ns)
    ]
    fraction = rule.near_fraction
    return SupervisionReport(
        roster_source=roster.source,
        firm=roster.firm,
        since_ns=since_ns,
        until_ns=until_ns,
        rule=rule,
        group_by=group_by,
        total=len(chosen),
        late=sum(1 for s in chosen if s.late),
        by_mpid=tuple(late_by_mpid(chosen, roster, fraction)),
        by_desk=tuple(late_by_desk(chosen, roster, fraction)),
        by_supervisor=tuple(late_by_supervisor(chosen, roster, fraction)),
        flags=tuple(pattern_flags(chosen, roster, rule, group_by)),
        unmapped=tuple(unmapped_mpids(chosen, roster)),
    )


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        parts = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _counts(row: LatenessRow) -> list[str]:
    worst = "-" if row.worst_late_ns is None else format_duration(row.worst_late_ns)
    return [str(row.reports), str(row.late), f"{row.ratio:.1%}", str(row.near), worst]


_COUNT_HEADERS = ["Reports", "Late", "Late %", "At edge", "Worst late"]


def render_text(report: SupervisionReport) -> str:
    """The report as plain text tables, for a terminal or an email to the supervisors."""
    period_from = (
        "the start of the journal" if report.since_ns is None else format_iso8601(report.since_ns)
    )
    period_to = "its end" if report.until_ns is None else format_iso8601(report.until_ns)
    firm = f" for {report.firm}" if report.firm else ""
    out = [
        f"Late-report supervision{firm}: production reports received from {period_from} "
        f"to {period_to}",
        f"Roster: {report.roster_source}",
        f"{report.total} reports, {report.late} late. Pattern rule: {report.rule.describe()}.",
        "",
        "By MPID",
    ]
    right = {3, 4, 5, 6, 7}
    mpid_rows = [
        [
            row.group,
            row.desk or UNMAPPED,
            "-" if row.supervisor is None else row.supervisor.name,
            *_counts(row),
        ]
        for row in report.by_mpid
    ]
    out += _table(["MPID", "Desk", "Supervisor", *_COUNT_HEADERS], mpid_rows, right)
    out += ["", "By desk"]
    desk_rows = [[row.group, ", ".join(row.mpids), *_counts(row)] for row in report.by_desk]
    out += _table(["Desk", "MPIDs", *_COUNT_HEADERS], desk_rows, {2, 3, 4, 5, 6})
    out += ["", "By supervisor"]
    sup_rows = [[row.group, ", ".join(row.mpids), *_counts(row)] for row in report.by_supervisor]
    out += _table(["Supervisor", "MPIDs", *_COUNT_HEADERS], sup_rows, {2, 3, 4, 5, 6})
    out += ["", f"Pattern-of-lateness flags (by {report.group_by})"]
    out += [f"  FLAG {flag.message()}" for flag in report.flags] or ["  none"]
    out += ["", "MPIDs reporting with no roster entry"]
    out += [
        f"  UNMAPPED {item.mpid}: {item.reports} reports ({item.late} late) between "
        f"{format_iso8601(item.first_ns, precision=0)} and "
        f"{format_iso8601(item.last_ns, precision=0)}"
        for item in report.unmapped
    ] or ["  none"]
    return "\n".join(out) + "\n"


__all__ = [
    "GROUPINGS",
    "UNMAPPED",
    "LatenessRow",
    "SupervisionReport",
    "UnmappedMpid",
    "build_report",
    "counted",
    "late_by_desk",
    "late_by_mpid",
    "late_by_supervisor",
    "pattern_flags",
    "render_text",
    "unmapped_mpids",
]
