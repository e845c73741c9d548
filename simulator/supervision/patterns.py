"""Pattern-of-lateness checks: flag a desk whose reporting is habitually late or at the edge.

"Repeated lateness, even if no individual report is grossly late, is a separate violation
independent of any single late report ... A firm that is consistently right at the 10-second
edge, with frequent slips into late territory, fails the standard even if no single report is
far late" (seed 004). FINRA's rules say the same in their own words: a pattern or practice of
late reporting without exceptional circumstances is conduct inconsistent with high standards of
commercial honor (Rule 2010), e.g. ORF Rule 6623 and the parallel TRF/ADF/TRACE rules
(facilities.md section 1.1, "Pattern of late reporting"). FINRA publishes no numeric threshold,
so the rule here is configurable and its defaults are INFERENCE, chosen to catch the seed's case.

The check (:class:`PatternRule`) slides a window over each group's reports in receipt order,
either the last ``window_reports`` reports or the last ``window_days`` days, and in every window
with at least ``min_reports`` reports computes:

* the **late ratio**: late reports / reports. Above ``max_late_ratio`` -> flag ``late-ratio``.
* the **edge ratio**: (late reports + on-time reports that arrived in the last ``near_fraction``
  of their allowed time) / reports. Above ``max_edge_ratio`` -> flag ``at-the-edge``. With the
  defaults, a desk whose equity reports arrive 9 to 10 seconds after execution is at the edge.

The allowed time of a report is its deadline minus its execution time, as the timeliness engine
decided it (10 s for equities while the facility is open, 15 min for TRACE, until the next
morning's deadline for an after-hours trade), so one rule serves every facility.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from simulator.clock import DAY
from simulator.errors import UserInputError
from simulator.journal.base import StoredReport
from simulator.timestamps import format_iso8601


class FlagKind(StrEnum):
    LATE_RATIO = "late-ratio"
    AT_THE_EDGE = "at-the-edge"


@dataclass(frozen=True, slots=True)
class PatternRule:
    """The parameters of the pattern check (defaults are INFERENCE; see the module doc)."""

    window_reports: int = 20
    window_days: int | None = None
    min_reports: int = 10
    max_late_ratio: float = 0.10
    near_fraction: float = 0.10
    max_edge_ratio: float = 0.50

    def __post_init__(self) -> None:
        problems = []
        if self.window_reports < 1:
            problems.append("window_reports must be at least 1")
        if self.window_days is not None and self.window_days < 1:
            problems.append("window_days must be at least 1")
        if self.min_reports < 1:
            problems.append("min_reports must be at least 1")
        if self.window_days is None and self.min_reports > self.window_reports:
            problems.append("min_reports cannot exceed window_reports")
        for name in ("max_late_ratio", "near_fraction", "max_edge_ratio"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 1):
                problems.append(f"{name} must be between 0 and 1, not {value}")
        if problems:
            raise UserInputError("; ".join(problems), source="pattern rule")

    def describe(self) -> str:
        window = (
            f"rolling {self.window_days} day(s)"
            if self.window_days is not None
            else f"rolling {self.window_reports} reports"
        )
        return (
            f"{window}, at least {self.min_reports} reports per window; flag late ratio > "
            f"{self.max_late_ratio:.0%}, or late + near-deadline ratio > "
            f"{self.max_edge_ratio:.0%} (near = last {self.near_fraction:.0%} of the allowed time)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "window_reports": self.window_reports,
            "window_days": self.window_days,
            "min_reports": self.min_reports,
            "max_late_ratio": self.max_late_ratio,
            "near_fraction": self.near_fraction,
            "max_edge_ratio": self.max_edge_ratio,
        }


@dataclass(frozen=True, slots=True)
class PatternFlag:
    """One group's worst window for one kind of pattern, above the rule's threshold."""

    scope: str  # "desk", "mpid" or "supervisor"
    group: str
    kind: FlagKind
    reports: int
    late: int
    near: int
    ratio: float
    threshold: float
    window_start_ns: int
    window_end_ns: int
    worst_late_ns: int | None
    mpids: tuple[str, ...]

    def message(self) -> str:
        share = f"{self.ratio:.0%} > {self.threshold:.0%}"
        if self.kind is FlagKind.LATE_RATIO:
            what = f"{self.late} of {self.reports} reports late ({share})"
        else:
            what = (
                f"{self.late + self.near} of {self.reports} reports late or at the deadline's "
                f"edge ({self.late} late, {self.near} near; {share})"
            )
        worst = (
            "none far late"
            if self.worst_late_ns is None
            else f"worst {format_duration(self.worst_late_ns)} late"
        )
        return (
            f"{self.scope} {self.group}: {what}, {worst}; window "
            f"{format_iso8601(self.window_start_ns, precision=0)} .. "
            f"{format_iso8601(self.window_end_ns, precision=0)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "group": self.group,
            "kind": self.kind.value,
            "reports": self.reports,
            "late": self.late,
            "near": self.near,
            "ratio": self.ratio,
            "threshold": self.threshold,
            "window_start": format_iso8601(self.window_start_ns),
            "window_end": format_iso8601(self.window_end_ns),
            "worst_late_ns": self.worst_late_ns,
            "mpids": list(self.mpids),
            "message": self.message(),
        }


def allowed_ns(stored: StoredReport) -> int:
    """The time the facility allowed for this report: deadline minus execution."""
    return stored.decision.deadline_ns - stored.report.executed_ns


def is_near_deadline(stored: StoredReport, fraction: float) -> bool:
    """On time, but in the last ``fraction`` of its allowed time (exact integer arithmetic)."""
    if stored.late:
        return False
    allowed = allowed_ns(stored)
    if allowed <= 0:
        return False
    margin = stored.decision.deadline_ns - stored.received_ns
    # margin <= fraction * allowed, without float rounding at the boundary
    numerator, denominator = fraction.as_integer_ratio()
    return margin * denominator <= numerator * allowed


def format_duration(ns: int) -> str:
    """``0.05 s``, ``12.000000001 s``, ``2 min 05 s``, ``13 h 15 min 00 s`` (exact)."""
    sign = "-" if ns < 0 else ""
    seconds, fraction = divmod(abs(ns), 1_000_000_000)
    frac = f".{fraction:09d}".rstrip("0").rstrip(".")
    if seconds < 60:
        return f"{sign}{seconds}{frac} s"
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min {seconds:02d}{frac} s"
    return f"{sign}{minutes} min {seconds:02d}{frac} s"


@dataclass(frozen=True, slots=True)
class _Window:
    reports: int
    late: int
    near: int
    start: int
    end: int
    worst_late_ns: int | None


def _windows(ordered: Sequence[StoredReport], rule: PatternRule) -> Iterable[_Window]:
    late = [1 if s.late else 0 for s in ordered]
    near = [1 if is_near_deadline(s, rule.near_fraction) else 0 for s in ordered]
    late_prefix = [0]
    near_prefix = [0]
    for is_late, is_near in zip(late, near, strict=True):
        late_prefix.append(late_prefix[-1] + is_late)
        near_prefix.append(near_prefix[-1] + is_near)
    count = len(ordered)
    spans: list[tuple[int, int]] = []
    if rule.window_days is None:
        size = min(rule.window_reports, count)
        spans = [(i, i + size) for i in range(count - size + 1)] if size else []
    else:
        width = rule.window_days * DAY
        start = 0
        for end in range(count):
            while ordered[end].received_ns - ordered[start].received_ns >= width:
                start += 1
            spans.append((start, end + 1))
    # Spans only move forward (start and stop never decrease), so a monotonic deque gives
    # each window's worst lateness in linear time overall.
    worst: deque[int] = deque()  # indices of late reports, lateness decreasing
    added = 0
    for start, stop in spans:
        while added < stop:
            if late[added]:
                lateness = ordered[added].lateness_ns
                while worst and ordered[worst[-1]].lateness_ns <= lateness:
                    worst.pop()
                worst.append(added)
            added += 1
        while worst and worst[0] < start:
            worst.popleft()
        n = stop - start
        if n < rule.min_reports:
            continue
        yield _Window(
            reports=n,
            late=late_prefix[stop] - late_prefix[start],
            near=near_prefix[stop] - near_prefix[start],
            start=ordered[start].received_ns,
            end=ordered[stop - 1].received_ns,
            worst_late_ns=ordered[worst[0]].lateness_ns if worst else None,
        )


def find_patterns(
    reports: Iterable[StoredReport],
    group_of: Callable[[StoredReport], str],
    rule: PatternRule | None = None,
    *,
    scope: str = "desk",
) -> list[PatternFlag]:
    """Flag every group (by ``group_of``) whose worst window breaks the rule.

    At most one flag per group and kind: the window with the highest ratio (the earliest of
    equals), so a supervisor sees where the pattern was at its worst.
    """
    rule = rule or PatternRule()
    groups: dict[str, list[StoredReport]] = {}
    for stored in reports:
        groups.setdefault(group_of(stored), []).append(stored)
    flags: list[PatternFlag] = []
    for group in sorted(groups):
        ordered = sorted(groups[group], key=lambda s: (s.received_ns, s.report_id))
        mpids = tuple(sorted({s.mpid for s in ordered}))
        best: dict[FlagKind, tuple[float, _Window]] = {}
        for window in _windows(ordered, rule):
            ratios = {
                FlagKind.LATE_RATIO: window.late / window.reports,
                FlagKind.AT_THE_EDGE: (window.late + window.near) / window.reports,
            }
            for kind, ratio in ratios.items():
                if kind not in best or ratio > best[kind][0]:
                    best[kind] = (ratio, window)
        thresholds = {
            FlagKind.LATE_RATIO: rule.max_late_ratio,
            FlagKind.AT_THE_EDGE: rule.max_edge_ratio,
        }
        for kind in FlagKind:
            if kind not in best or best[kind][0] <= thresholds[kind]:
                continue
            ratio, window = best[kind]
            flags.append(
                PatternFlag(
                    scope=scope,
                    group=group,
                    kind=kind,
                    reports=window.reports,
                    late=window.late,
                    near=window.near,
                    ratio=ratio,
                    threshold=thresholds[kind],
                    window_start_ns=window.start,
                    window_end_ns=window.end,
                    worst_late_ns=window.worst_late_ns,
                    mpids=mpids,
                )
            )
    return flags


__all__ = [
    "FlagKind",
    "PatternFlag",
    "PatternRule",
    "allowed_ns",
    "find_patterns",
    "format_duration",
    "is_near_deadline",
]
