"""Supervision of trade reporting: the MPID roster, late reports by MPID, desk and supervisor,
pattern-of-lateness flags and MPIDs missing from the roster (seed 004; docs/supervision.md)."""

from simulator.supervision.patterns import (
    FlagKind,
    PatternFlag,
    PatternRule,
    find_patterns,
    format_duration,
    is_near_deadline,
)
from simulator.supervision.reports import (
    LatenessRow,
    SupervisionReport,
    UnmappedMpid,
    build_report,
    late_by_desk,
    late_by_mpid,
    late_by_supervisor,
    pattern_flags,
    render_text,
    unmapped_mpids,
)
from simulator.supervision.roster import (
    Roster,
    RosterEntry,
    Supervisor,
    load_roster,
    parse_roster_csv,
    parse_roster_toml,
)

__all__ = [
    "FlagKind",
    "LatenessRow",
    "PatternFlag",
    "PatternRule",
    "Roster",
    "RosterEntry",
    "SupervisionReport",
    "Supervisor",
    "UnmappedMpid",
    "build_report",
    "find_patterns",
    "format_duration",
    "is_near_deadline",
    "late_by_desk",
    "late_by_mpid",
    "late_by_supervisor",
    "load_roster",
    "parse_roster_csv",
    "parse_roster_toml",
    "pattern_flags",
    "render_text",
    "unmapped_mpids",
]
