"""Was a trade report on time, and which modifier does the facility put on it? Pure functions.

``assess(facility, executed_ns, received_ns)`` answers with a
:class:`~simulator.domain.decision.Decision`; ``reporting_deadline(facility, executed_ns)`` gives
the deadline alone (what a FIX dialect arms a timer with). Both read the facility's profile
(hours by date, early closes, windows) and never the wall clock. All times are integer ns since
the epoch (UTC); rule times are New York wall times, DST-correct.

Equity facilities (TRFs: Rules 6380A/6380B; ADF: Rule 6282; ORF: Rule 6622; Trade Reporting FAQ
102.3/102.4; facilities.md 1.1):

* executed while the facility is open (system hours, not only 09:30-16:00): due within 10 s;
  exactly 10 s is on time, 10 s + 1 ns is late;
* executed on a business day before the open: due 15 minutes after the open, same day
  (08:15; 04:15 on the TRFs from 2026-03-30, where "open + 15 min" is an INFERENCE, the
  published notice being cut before that text);
* executed after the close, or on a weekend or holiday: as/of, due 15 minutes after the next
  business day's open;
* modifier (by execution time): none inside normal market hours and on time, ``Z`` inside and
  late, ``T`` outside normal market hours and on time, ``U`` outside and late.

TRACE (Rule 6730(a)(1); facilities.md 1.2):

* executed 08:00:00-18:29:59 on a business day: within 15 minutes (15 min on time, 15 min + 1 ns
  late); executed *less than* 15 minutes before the 18:30 close (after 18:15:00.000000000): due
  15 minutes after the next business day's open, as/of if reported then ((a)(1)(C));
* executed 00:00-07:59:59.999999999 on a business day: by 15 minutes after the open, 08:15
  ((a)(1)(A));
* executed at or after 18:30, or on a weekend or (SIFMA) holiday: as/of, due 15 minutes after
  the next business day's open ((a)(1)(D));
* Treasuries (TS) follow Rule 6730(a)(4)(A) instead: same day during system hours (by
  18:29:59.999999999), or the next business day during system hours, as/of, when executed after
  the close or on a non-business day;
* modifier: TRACE generates Trade Modifier 3 (tag 22003) from the time it *receives* the report
  (TRACE FIX specifications [S1][S2][S3]; BTDS sale condition 3 "Trade Reported After Market
  Hours"): none during market hours and on time, ``Z`` during market hours and late, ``T`` after
  market hours (CA/SP 17:15, TS 17:30; 13:00 on early-close days) and on time, ``U`` after market
  hours and late.

A report is as/of when it reaches the facility on a later New York date than the trade date, and
always for trades executed after the close or on a non-business day (FAQ 102.4; Rule 6730).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from simulator.calendar import MarketCalendar
from simulator.clock import DAY, HOUR, MINUTE, SECOND
from simulator.domain.decision import Decision, Status
from simulator.domain.facility import FacilityId
from simulator.errors import SimulatorError, UserInputError
from simulator.facilities.profiles import DeadlineMode, FacilityProfile, get_profile
from simulator.timestamps import NEW_YORK, datetime_from_ns, format_iso8601, local_date

__all__ = ["Case", "Deadline", "assess", "format_duration", "reporting_deadline"]


class Case(StrEnum):
    """Which paragraph of the rule decides the deadline."""

    OPEN = "open"  # executed while the facility is open
    NEAR_CLOSE = "near-close"  # TRACE: executed less than the window before the system close
    BEFORE_OPEN = "before-open"  # executed on a business day before the open
    AFTER_CLOSE = "after-close"  # executed after the close of a business day
    CLOSED_DAY = "closed-day"  # executed on a weekend, holiday or other closed day


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last on-time instant for one execution, and why.

    ``deadline_ns`` is inclusive: a report received at ``deadline_ns`` is on time, one
    nanosecond later is late. ``as_of_required`` is true when the report can only be made on a
    later date (after the close, on a non-business day).
    """

    facility: FacilityId
    executed_ns: int
    deadline_ns: int
    case: Case
    as_of_required: bool
    rule: str
    summary: str


# (inside market hours?, late?) -> industry letter. Equities decide "inside" by execution time
# (FINRA modifier table [S21]); TRACE by the time it receives the report (TradeModifier3 [S1]).
_MODIFIER: dict[tuple[bool, bool], str | None] = {
    (True, False): None,
    (True, True): "Z",
    (False, False): "T",
    (False, True): "U",
}


def _profile(facility: str | FacilityId | FacilityProfile) -> FacilityProfile:
    return get_profile(facility)


def reporting_deadline(
    facility: str | FacilityId | FacilityProfile,
    executed_ns: int,
    *,
    calendar: MarketCalendar | None = None,
) -> Deadline:
    """The deadline of a trade executed at ``executed_ns`` at ``facility``.

    ``calendar`` replaces the facility's market calendar (a scenario with an extra closure).
    """
    profile = _profile(facility)
    if profile.is_trace:
        return _trace_deadline(profile, executed_ns, calendar)
    return _equity_deadline(profile, executed_ns, calendar)


def _next_open(
    profile: FacilityProfile, day: dt.date, calendar: MarketCalendar | None
) -> tuple[int, int]:
    next_day = profile.next_operating_day(day, calendar)
    hours = profile.system_hours(next_day, calendar)
    if hours is None:  # pragma: no cover - next_operating_day guarantees hours
        raise SimulatorError(f"{profile.id.value} has no hours on {next_day}")
    return hours


def _grace(profile: FacilityProfile) -> int:
    grace = profile.reporting.closed_grace_ns
    if grace is None:  # pragma: no cover - the loader requires it for window facilities
        raise SimulatorError(f"{profile.id.value} has no closed-hours grace period")
    return grace


def _window(profile: FacilityProfile) -> int:
    window = profile.reporting.window_ns
    if window is None:  # pragma: no cover - the loader requires it for window facilities
        raise SimulatorError(f"{profile.id.value} has no reporting window")
    return window


def _equity_deadline(
    profile: FacilityProfile, executed_ns: int, calendar: MarketCalendar | None
) -> Deadline:
    day = local_date(executed_ns)
    hours = profile.system_hours(day, calendar)
    window, grace = _window(profile), _grace(profile)
    rule = f"{profile.rule}(a); FAQ 102.3"
    if hours is not None and hours[0] <= executed_ns < hours[1]:
        return Deadline(
            profile.id,
            executed_ns,
            executed_ns + window,
            Case.OPEN,
            False,
            f"{profile.rule}(a)(1); FAQ 102.3",
            f"executed while {profile.name} was open ({_span(hours)} ET): due within "
            f"{format_duration(window)}",
        )
    if hours is not None and executed_ns < hours[0]:
        inferred = " (15 minutes after the 04:00 open is INFERENCE)" if _early_open(hours) else ""
        return Deadline(
            profile.id,
            executed_ns,
            hours[0] + grace,
            Case.BEFORE_OPEN,
            False,
            rule,
            f"executed before {profile.name} opened at {_clock(hours[0])} ET: due "
            f"{format_duration(grace)} after the open, on trade date{inferred}",
        )
    next_hours = _next_open(profile, day, calendar)
    case = Case.AFTER_CLOSE if hours is not None else Case.CLOSED_DAY
    why = (
        f"after {profile.name} closed at {_clock(hours[1])} ET"
        if hours is not None
        else f"on a day {profile.name} was closed ({profile.closed_reason(day, calendar)})"
    )
    return Deadline(
        profile.id,
        executed_ns,
        next_hours[0] + grace,
        case,
        True,
        rule,
        f"executed {why}: as/of, due {format_duration(grace)} after the next open "
        f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET)",
    )


def _trace_deadline(
    profile: FacilityProfile, executed_ns: int, calendar: MarketCalendar | None
) -> Deadline:
    day = local_date(executed_ns)
    hours = profile.system_hours(day, calendar)
    if profile.reporting.mode is DeadlineMode.SAME_DAY:
        return _same_day_deadline(profile, executed_ns, day, hours, calendar)
    window, grace = _window(profile), _grace(profile)
    if hours is not None and hours[0] <= executed_ns < hours[1]:
        if executed_ns + window <= hours[1]:
            return Deadline(
                profile.id,
                executed_ns,
                executed_ns + window,
                Case.OPEN,
                False,
                f"{profile.rule}(a)(1)(B)",
                f"executed during TRACE system hours ({_span(hours)} ET): due within "
                f"{format_duration(window)}",
            )
        next_hours = _next_open(profile, day, calendar)
        return Deadline(
            profile.id,
            executed_ns,
            next_hours[0] + grace,
            Case.NEAR_CLOSE,
            False,
            f"{profile.rule}(a)(1)(C)",
            f"executed less than {format_duration(window)} before the {_clock(hours[1])} ET system "
            f"close: may be reported up to {format_duration(grace)} after the next open "
            f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET), as/of if reported on "
            "that day",
        )
    if hours is not None and executed_ns < hours[0]:
        return Deadline(
            profile.id,
            executed_ns,
            hours[0] + grace,
            Case.BEFORE_OPEN,
            False,
            f"{profile.rule}(a)(1)(A)",
            f"executed before the TRACE system opened at {_clock(hours[0])} ET: due "
            f"{format_duration(grace)} after the open, same day",
        )
    next_hours = _next_open(profile, day, calendar)
    case = Case.AFTER_CLOSE if hours is not None else Case.CLOSED_DAY
    why = (
        f"after the TRACE system closed at {_clock(hours[1])} ET"
        if hours is not None
        else f"on a day TRACE was closed ({profile.closed_reason(day, calendar)})"
    )
    return Deadline(
        profile.id,
        executed_ns,
        next_hours[0] + grace,
        case,
        True,
        f"{profile.rule}(a)(1)(D)",
        f"executed {why}: as/of, due {format_duration(grace)} after the next open "
        f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET)",
    )


def _same_day_deadline(
    profile: FacilityProfile,
    executed_ns: int,
    day: dt.date,
    hours: tuple[int, int] | None,
    calendar: MarketCalendar | None,
) -> Deadline:
    """U.S. Treasury Securities: same day during TRACE system hours (Rule 6730(a)(4)(A))."""
    rule = f"{profile.rule}(a)(4)(A)"
    if hours is not None and executed_ns < hours[1]:
        case = Case.OPEN if executed_ns >= hours[0] else Case.BEFORE_OPEN
        return Deadline(
            profile.id,
            executed_ns,
            hours[1] - 1,
            case,
            False,
            rule,
            f"Treasury trade executed on a business day before the {_clock(hours[1])} ET "
            "system close: due the same day during TRACE system hours",
        )
    next_hours = _next_open(profile, day, calendar)
    case = Case.AFTER_CLOSE if hours is not None else Case.CLOSED_DAY
    why = (
        f"after the TRACE system closed at {_clock(hours[1])} ET"
        if hours is not None
        else f"on a day TRACE was closed ({profile.closed_reason(day, calendar)})"
    )
    return Deadline(
        profile.id,
        executed_ns,
        next_hours[1] - 1,
        case,
        True,
        rule,
        f"Treasury trade executed {why}: as/of, due during TRACE system hours on the next "
        f"business day ({_day_name(next_hours[0])}, until {_clock(next_hours[1])} ET)",
    )


def assess(
    facility: str | FacilityId | FacilityProfile,
    executed_ns: int,
    received_ns: int,
    *,
    calendar: MarketCalendar | None = None,
) -> Decision:
    """Decide one report: on time or late, the modifier, as/of, the deadline and the rule.

    Raises :class:`UserInputError` when the report was received before the trade was executed
    (TRACE rejects it too: reject 138 "EXECUTION TIME GREATER THAN TRADE REPORT TIME").
    """
    profile = _profile(facility)
    if received_ns < executed_ns:
        raise UserInputError(
            f"reported time {format_iso8601(received_ns)} is before executed time "
            f"{format_iso8601(executed_ns)}"
        )
    due = reporting_deadline(profile, executed_ns, calendar=calendar)
    late = received_ns > due.deadline_ns
    as_of = due.as_of_required or local_date(received_ns) > local_date(executed_ns)
    if profile.is_trace:
        inside = profile.in_market_hours(received_ns, calendar)
        basis = "reported during" if inside else "reported outside"
        rule = f"{due.rule}; TRACE FIX spec TradeModifier3"
    else:
        inside = due.case is Case.OPEN and profile.in_market_hours(executed_ns, calendar)
        basis = "executed inside" if inside else "executed outside"
        rule = due.rule
    modifier = _MODIFIER[(inside, late)]
    status = Status.LATE if late else Status.ON_TIME
    hours_phrase = _market_hours_phrase(
        profile, received_ns if profile.is_trace else executed_ns, calendar
    )
    verdict = ("late" if late else "on time") + (" and as/of" if as_of else "")
    explanation = (
        f"{_sentence(due.summary)}, by {_when(due.deadline_ns)}. Received {_when(received_ns)}, "
        f"{format_duration(received_ns - executed_ns)} after execution: {verdict}; {basis} "
        f"{hours_phrase}, so {_modifier_phrase(profile, modifier)}."
    )
    return Decision(
        facility=profile.id.value,
        executed_ns=executed_ns,
        received_ns=received_ns,
        status=status,
        modifier=modifier,
        facility_code=profile.modifier_code(modifier) if modifier else None,
        as_of=as_of,
        deadline_ns=due.deadline_ns,
        rule=rule,
        explanation=explanation,
    )


# -- wording -----------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _early_open(hours: tuple[int, int]) -> bool:
    return datetime_from_ns(hours[0], NEW_YORK).hour < 8


def _clock(ns: int) -> str:
    moment = datetime_from_ns(ns, NEW_YORK)
    return moment.strftime("%H:%M:%S") if moment.second else moment.strftime("%H:%M")


def _span(hours: tuple[int, int]) -> str:
    return f"{_clock(hours[0])}-{_clock(hours[1])}"


def _day_name(ns: int) -> str:
    return datetime_from_ns(ns, NEW_YORK).strftime("%a %Y-%m-%d")


def _when(ns: int) -> str:
    """``Fri 2021-03-19 20:30:00.000000000 ET``: exact to the nanosecond, New York time."""
    moment = datetime_from_ns(ns, NEW_YORK)
    return f"{moment.strftime('%a %Y-%m-%d %H:%M:%S')}.{ns % SECOND:09d} ET"


def format_duration(ns: int) -> str:
    """An exact duration: ``10 s``, ``15 min``, ``15 min 0.000000001 s``, ``2 d 3 h``."""
    parts = []
    for unit, name in ((DAY, "d"), (HOUR, "h"), (MINUTE, "min")):
        count, ns = divmod(ns, unit)
        if count:
            parts.append(f"{count} {name}")
    if ns or not parts:
        whole, frac = divmod(ns, SECOND)
        text = f"{whole}.{frac:09d}".rstrip("0").rstrip(".")
        parts.append(f"{text} s")
    return " ".join(parts)


def _market_hours_phrase(
    profile: FacilityProfile, at_ns: int, calendar: MarketCalendar | None
) -> str:
    hours = profile.normal_market_hours(local_date(at_ns), calendar)
    label = "market hours" if profile.is_trace else "normal market hours"
    if hours is None:
        return f"{label} (closed that day)"
    return f"{label} ({_span(hours)} ET)"


def _modifier_phrase(profile: FacilityProfile, modifier: str | None) -> str:
    if modifier is None:
        return "no modifier"
    code = profile.modifier_code(modifier)
    if code is None:
        return f"modifier {modifier} (no {profile.id.value} FIX code)"
    if code == modifier:
        return f"modifier {modifier}"
    return f"modifier {modifier} (FIX code {code})"
