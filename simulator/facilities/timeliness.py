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
from typing import Final

from simulator.calendar import MarketCalendar
from simulator.clock import DAY, HOUR, MINUTE, SECOND
from simulator.domain.decision import Decision, Status
from simulator.domain.facility import FacilityId
from simulator.errors import SimulatorError, UserInputError
from simulator.facilities.profiles import DeadlineMode, FacilityProfile, get_profile
from simulator.timestamps import NEW_YORK, datetime_from_ns, format_iso8601

__all__ = [
    "Case",
    "Deadline",
    "assess",
    "format_duration",
    "new_york_date",
    "new_york_time",
    "reporting_deadline",
]


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


# -- New York wall time, by the hour ------------------------------------------------------------
#
# Every report needs the New York date of its execution and receipt, and its explanation two
# wall-clock times. America/New_York changes its UTC offset only at whole UTC hours (02:00 local
# is 07:00 or 06:00 UTC) and its offsets are whole hours, so within one UTC hour the New York
# date and hour are fixed and minutes, seconds and nanoseconds are the UTC ones. One cache entry
# per UTC hour replaces a datetime conversion (and a strftime) per call.


@dataclass(frozen=True, slots=True)
class _Hour:
    date: dt.date
    prefix: str  # "Fri 2021-03-19 20", the New York weekday, date and hour


_HOURS: dict[int, _Hour] = {}
_HOURS_LIMIT: Final = 100_000  # about eleven years of hours; cleared when full


def _hour(bucket: int) -> _Hour:
    entry = _HOURS.get(bucket)
    if entry is None:
        moment = datetime_from_ns(bucket * HOUR, NEW_YORK)
        offset = moment.utcoffset()
        if offset is None or offset % dt.timedelta(hours=1):  # pragma: no cover - LMT, pre-1883
            raise SimulatorError(f"{moment.isoformat()}: New York offset is not whole hours")
        entry = _Hour(moment.date(), moment.strftime("%a %Y-%m-%d %H"))
        if len(_HOURS) >= _HOURS_LIMIT:
            _HOURS.clear()
        _HOURS[bucket] = entry
    return entry


def new_york_date(ns: int) -> dt.date:
    """The America/New_York date of instant ``ns`` (what ``timestamps.local_date`` answers),
    from a per-hour cache: the trade date, control date and "today" of every report."""
    entry = _HOURS.get(ns // HOUR)
    return entry.date if entry is not None else _hour(ns // HOUR).date


def new_york_time(ns: int) -> str:
    """``Fri 2021-03-19 20:30:00.000000000 ET``: exact to the nanosecond, New York time."""
    bucket, within = divmod(ns, HOUR)
    entry = _HOURS.get(bucket) or _hour(bucket)
    minute, rest = divmod(within, MINUTE)
    second, fraction = divmod(rest, SECOND)
    return f"{entry.prefix}:{minute:02d}:{second:02d}.{fraction:09d} ET"


# -- the rules of one day -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    """One paragraph of a deadline rule as it applies on one day: a fixed deadline, or
    ``window_ns`` after the execution (``deadline_ns`` ``None``)."""

    case: Case
    as_of_required: bool
    rule: str
    summary: str
    deadline_ns: int | None
    window_ns: int = 0

    def deadline(self, profile: FacilityProfile, executed_ns: int) -> Deadline:
        deadline = (
            self.deadline_ns if self.deadline_ns is not None else executed_ns + self.window_ns
        )
        return Deadline(
            profile.id, executed_ns, deadline, self.case, self.as_of_required, self.rule,
            self.summary,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Day:
    """Everything the deadline rules and the explanation need about one New York date at one
    facility, computed once: the hours, the rule for each part of the day, and the market-hours
    phrase. An execution time then only picks the part of the day it falls in."""

    hours: tuple[int, int] | None  # system hours
    market: tuple[int, int] | None  # normal market hours
    before: _Rule | None  # executed before the open
    within: _Rule | None  # executed while open
    near_close: _Rule | None  # TRACE: executed less than the window before the close
    after: _Rule  # executed after the close, or on a closed day
    window_ns: int  # for near_close
    market_phrase: str

    def rule_for(self, executed_ns: int) -> _Rule:
        hours = self.hours
        if hours is not None and executed_ns < hours[1]:
            if executed_ns < hours[0]:
                assert self.before is not None
                return self.before
            assert self.within is not None
            if self.near_close is not None and executed_ns + self.window_ns > hours[1]:
                return self.near_close
            return self.within
        return self.after


_DAYS: dict[tuple[FacilityProfile, MarketCalendar, int, dt.date], _Day] = {}
_DAYS_LIMIT: Final = 50_000


def _day(profile: FacilityProfile, day: dt.date, calendar: MarketCalendar | None) -> _Day:
    """The rules of ``day`` at ``profile``'s facility, cached by profile, calendar and calendar
    version (a scenario's added closure changes the version, so the cache never goes stale)."""
    cal = calendar or profile.calendar
    key = (profile, cal, cal.version, day)
    rules = _DAYS.get(key)
    if rules is None:
        rules = _build_day(profile, day, calendar)
        if len(_DAYS) >= _DAYS_LIMIT:
            _DAYS.clear()
        _DAYS[key] = rules
    return rules


_PROFILES: dict[str, FacilityProfile] = {}


def _profile(facility: str | FacilityId | FacilityProfile) -> FacilityProfile:
    """The facility's profile; the packaged profiles never change, so a name is looked up once."""
    if isinstance(facility, FacilityProfile):
        return facility
    profile = _PROFILES.get(facility)
    if profile is None:
        profile = get_profile(facility)
        if len(_PROFILES) < 256:  # names are few; never let odd spellings grow it
            _PROFILES[facility] = profile
    return profile


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
    rules = _day(profile, new_york_date(executed_ns), calendar)
    return rules.rule_for(executed_ns).deadline(profile, executed_ns)


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


def _build_day(profile: FacilityProfile, day: dt.date, calendar: MarketCalendar | None) -> _Day:
    hours = profile.system_hours(day, calendar)
    market = profile.normal_market_hours(day, calendar)
    label = "market hours" if profile.is_trace else "normal market hours"
    phrase = f"{label} (closed that day)" if market is None else f"{label} ({_span(market)} ET)"
    if profile.is_trace and profile.reporting.mode is DeadlineMode.SAME_DAY:
        before, within, near, after = _same_day_rules(profile, day, hours, calendar)
        window = 0
    elif profile.is_trace:
        window = _window(profile)
        before, within, near, after = _trace_rules(profile, day, hours, calendar)
    else:
        window = 0
        before, within, near, after = _equity_rules(profile, day, hours, calendar)
    return _Day(hours, market, before, within, near, after, window, phrase)


_Rules = tuple[_Rule | None, _Rule | None, _Rule | None, _Rule]


def _after_close(
    profile: FacilityProfile,
    day: dt.date,
    hours: tuple[int, int] | None,
    calendar: MarketCalendar | None,
    system: str,
    facility: str,
) -> tuple[Case, str]:
    """Executed after the close (``system`` closed at ...) or on a day ``facility`` was closed."""
    case = Case.AFTER_CLOSE if hours is not None else Case.CLOSED_DAY
    why = (
        f"after {system} closed at {_clock(hours[1])} ET"
        if hours is not None
        else f"on a day {facility} was closed ({profile.closed_reason(day, calendar)})"
    )
    return case, why


def _equity_rules(
    profile: FacilityProfile,
    day: dt.date,
    hours: tuple[int, int] | None,
    calendar: MarketCalendar | None,
) -> _Rules:
    window, grace = _window(profile), _grace(profile)
    rule = f"{profile.rule}(a); FAQ 102.3"
    before = within = None
    if hours is not None:
        within = _Rule(
            Case.OPEN,
            False,
            f"{profile.rule}(a)(1); FAQ 102.3",
            f"executed while {profile.name} was open ({_span(hours)} ET): due within "
            f"{format_duration(window)}",
            None,
            window,
        )
        inferred = " (15 minutes after the 04:00 open is INFERENCE)" if _early_open(hours) else ""
        before = _Rule(
            Case.BEFORE_OPEN,
            False,
            rule,
            f"executed before {profile.name} opened at {_clock(hours[0])} ET: due "
            f"{format_duration(grace)} after the open, on trade date{inferred}",
            hours[0] + grace,
        )
    next_hours = _next_open(profile, day, calendar)
    case, why = _after_close(profile, day, hours, calendar, profile.name, profile.name)
    after = _Rule(
        case,
        True,
        rule,
        f"executed {why}: as/of, due {format_duration(grace)} after the next open "
        f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET)",
        next_hours[0] + grace,
    )
    return before, within, None, after


def _trace_rules(
    profile: FacilityProfile,
    day: dt.date,
    hours: tuple[int, int] | None,
    calendar: MarketCalendar | None,
) -> _Rules:
    window, grace = _window(profile), _grace(profile)
    next_hours = _next_open(profile, day, calendar)
    before = within = near = None
    if hours is not None:
        within = _Rule(
            Case.OPEN,
            False,
            f"{profile.rule}(a)(1)(B)",
            f"executed during TRACE system hours ({_span(hours)} ET): due within "
            f"{format_duration(window)}",
            None,
            window,
        )
        near = _Rule(
            Case.NEAR_CLOSE,
            False,
            f"{profile.rule}(a)(1)(C)",
            f"executed less than {format_duration(window)} before the {_clock(hours[1])} ET system "
            f"close: may be reported up to {format_duration(grace)} after the next open "
            f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET), as/of if reported on "
            "that day",
            next_hours[0] + grace,
        )
        before = _Rule(
            Case.BEFORE_OPEN,
            False,
            f"{profile.rule}(a)(1)(A)",
            f"executed before the TRACE system opened at {_clock(hours[0])} ET: due "
            f"{format_duration(grace)} after the open, same day",
            hours[0] + grace,
        )
    case, why = _after_close(profile, day, hours, calendar, "the TRACE system", "TRACE")
    after = _Rule(
        case,
        True,
        f"{profile.rule}(a)(1)(D)",
        f"executed {why}: as/of, due {format_duration(grace)} after the next open "
        f"({_day_name(next_hours[0])} {_clock(next_hours[0])} ET)",
        next_hours[0] + grace,
    )
    return before, within, near, after


def _same_day_rules(
    profile: FacilityProfile,
    day: dt.date,
    hours: tuple[int, int] | None,
    calendar: MarketCalendar | None,
) -> _Rules:
    """U.S. Treasury Securities: same day during TRACE system hours (Rule 6730(a)(4)(A))."""
    rule = f"{profile.rule}(a)(4)(A)"
    before = within = None
    if hours is not None:
        summary = (
            f"Treasury trade executed on a business day before the {_clock(hours[1])} ET "
            "system close: due the same day during TRACE system hours"
        )
        within = _Rule(Case.OPEN, False, rule, summary, hours[1] - 1)
        before = _Rule(Case.BEFORE_OPEN, False, rule, summary, hours[1] - 1)
    next_hours = _next_open(profile, day, calendar)
    case, why = _after_close(profile, day, hours, calendar, "the TRACE system", "TRACE")
    after = _Rule(
        case,
        True,
        rule,
        f"Treasury trade executed {why}: as/of, due during TRACE system hours on the next "
        f"business day ({_day_name(next_hours[0])}, until {_clock(next_hours[1])} ET)",
        next_hours[1] - 1,
    )
    return before, within, None, after


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

    Every report of every facility comes through here, so what depends only on the day (hours,
    rules, wording) is computed once per facility and day (:class:`_Day`) and the New York
    dates and times come from a per-hour cache; the answer is the same as computing it afresh.
    """
    profile = _profile(facility)
    if received_ns < executed_ns:
        raise UserInputError(
            f"reported time {format_iso8601(received_ns)} is before executed time "
            f"{format_iso8601(executed_ns)}"
        )
    executed_day = new_york_date(executed_ns)
    received_day = new_york_date(received_ns)
    rules = _day(profile, executed_day, calendar)
    rule = rules.rule_for(executed_ns)
    deadline_ns = rule.deadline_ns if rule.deadline_ns is not None else executed_ns + rule.window_ns
    late = received_ns > deadline_ns
    as_of = rule.as_of_required or received_day > executed_day
    if profile.is_trace:
        on_received = (
            rules if received_day == executed_day else _day(profile, received_day, calendar)
        )
        market = on_received.market
        inside = market is not None and market[0] <= received_ns < market[1]
        basis = "reported during" if inside else "reported outside"
        phrase = on_received.market_phrase
        rule_text = f"{rule.rule}; TRACE FIX spec TradeModifier3"
    else:
        market = rules.market
        inside = (
            rule.case is Case.OPEN and market is not None and market[0] <= executed_ns < market[1]
        )
        basis = "executed inside" if inside else "executed outside"
        phrase = rules.market_phrase
        rule_text = rule.rule
    modifier = _MODIFIER[(inside, late)]
    verdict = ("late" if late else "on time") + (" and as/of" if as_of else "")
    explanation = (
        f"{_sentence(rule.summary)}, by {new_york_time(deadline_ns)}. Received "
        f"{new_york_time(received_ns)}, {format_duration(received_ns - executed_ns)} after "
        f"execution: {verdict}; {basis} {phrase}, so {_modifier_phrase(profile, modifier)}."
    )
    return Decision(
        facility=profile.id.value,
        executed_ns=executed_ns,
        received_ns=received_ns,
        status=Status.LATE if late else Status.ON_TIME,
        modifier=modifier,
        facility_code=profile.modifier_code(modifier) if modifier else None,
        as_of=as_of,
        deadline_ns=deadline_ns,
        rule=rule_text,
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


_MODIFIER_PHRASES: dict[tuple[FacilityProfile, str | None], str] = {}


def _modifier_phrase(profile: FacilityProfile, modifier: str | None) -> str:
    key = (profile, modifier)
    phrase = _MODIFIER_PHRASES.get(key)
    if phrase is None:
        phrase = _MODIFIER_PHRASES[key] = _describe_modifier(profile, modifier)
    return phrase


def _describe_modifier(profile: FacilityProfile, modifier: str | None) -> str:
    if modifier is None:
        return "no modifier"
    code = profile.modifier_code(modifier)
    if code is None:
        return f"modifier {modifier} (no {profile.id.value} FIX code)"
    if code == modifier:
        return f"modifier {modifier}"
    return f"modifier {modifier} (FIX code {code})"
