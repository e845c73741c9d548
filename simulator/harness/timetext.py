"""Times and durations as testers write them in Gherkin, converted exactly to integer ns.

The facilities' scripts speak New York wall-clock time ("9 a.m. ET"); the simulator counts
integer nanoseconds since the epoch, UTC. These parsers sit between the two, without a float on
the way, so "10 seconds and 1 nanosecond" is exactly ``10_000_000_001``:

* an instant: ``2021-11-15 09:30:00.000000000 ET``, ``2021-11-15T14:30:00Z``,
  ``2021-03-20 09:00 ET``, ``2021-03-20T09:00:00-04:00`` (ISO 8601 via
  :func:`simulator.timestamps.parse_iso8601`; ``ET`` means America/New_York, DST-correct);
* a time of day on the current simulated date: ``09:30:10.000000001 ET``;
* a duration: ``10 seconds``, ``10 seconds and 1 nanosecond``, ``1 hour, 2 minutes and 3 seconds``,
  ``15 minutes``, ``2 days``;
* a weekday move: ``next Monday 08:00 ET`` (the first Monday strictly after today, ET).
"""

from __future__ import annotations

import datetime as dt
import re

from simulator.clock import DAY, HOUR, MICROSECOND, MILLISECOND, MINUTE, SECOND
from simulator.errors import UserInputError
from simulator.timestamps import (
    NEW_YORK,
    TimestampError,
    datetime_from_ns,
    format_iso8601,
    local_date,
    ns_from_datetime,
    parse_iso8601,
)

INSTANT_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
    r"(?:\s*(?:ET|NY|UTC|Z|[+-]\d{2}:?\d{2}))?"
)
TIME_OF_DAY_PATTERN = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:\s*(?:ET|UTC|Z))?"
DURATION_PATTERN = r"\d+\s+[a-z]+(?:(?:,\s*|\s+and\s+)\d+\s+[a-z]+)*"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_UNITS: dict[str, int] = {
    "nanosecond": 1,
    "ns": 1,
    "microsecond": MICROSECOND,
    "us": MICROSECOND,
    "millisecond": MILLISECOND,
    "ms": MILLISECOND,
    "second": SECOND,
    "s": SECOND,
    "minute": MINUTE,
    "min": MINUTE,
    "hour": HOUR,
    "h": HOUR,
    "day": DAY,
    "week": 7 * DAY,
}
_PART = re.compile(r"(\d+)\s+([a-z]+)")
_TIME_OF_DAY = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(ET|UTC|Z)?")


def parse_instant(text: str) -> int:
    """An absolute instant in step text; a zone-less time is New York time."""
    cleaned = text.strip()
    if cleaned.endswith("UTC"):
        cleaned = cleaned[: -len("UTC")].rstrip() + "Z"
    try:
        return parse_iso8601(cleaned)
    except TimestampError as exc:
        raise UserInputError(str(exc), source="step") from None


def parse_duration(text: str) -> int:
    """``10 seconds and 1 nanosecond`` -> 10_000_000_001 (units singular or plural)."""
    cleaned = text.strip().lower()
    if not re.fullmatch(DURATION_PATTERN, cleaned):
        raise UserInputError(
            f"{text!r} is not a duration such as '10 seconds and 1 nanosecond'", source="step"
        )
    total = 0
    for amount, unit in _PART.findall(cleaned):
        base = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNITS else unit
        if base not in _UNITS:
            raise UserInputError(
                f"{unit!r} is not a unit of time (use nanoseconds ... weeks)", source="step"
            )
        total += int(amount) * _UNITS[base]
    return total


def time_on_date(day: dt.date, text: str) -> int:
    """A time of day (``09:30:10.000000001 ET``) on ``day`` (an ET calendar date)."""
    match = _TIME_OF_DAY.fullmatch(text.strip())
    if match is None:
        raise UserInputError(f"{text!r} is not a time of day such as 09:30:00 ET", source="step")
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    fraction = int((match.group(4) or "").ljust(9, "0") or 0)
    zone = match.group(5) or "ET"
    if hour > 23 or minute > 59 or second > 59:
        raise UserInputError(f"{text!r} is not a valid time of day", source="step")
    tz = NEW_YORK if zone == "ET" else dt.UTC
    wall = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    return ns_from_datetime(wall) + fraction


def time_today(now_ns: int, text: str) -> int:
    """A time of day on the simulated clock's current ET date."""
    return time_on_date(local_date(now_ns), text)


def next_weekday(now_ns: int, weekday: str, time_text: str) -> int:
    """The first ``weekday`` strictly after the current ET date, at ``time_text``."""
    name = weekday.strip().lower()
    if name not in WEEKDAYS:
        raise UserInputError(f"{weekday!r} is not a day of the week", source="step")
    today = local_date(now_ns)
    ahead = (WEEKDAYS.index(name) - today.weekday() - 1) % 7 + 1
    return time_on_date(today + dt.timedelta(days=ahead), time_text)


def describe(ns: int) -> str:
    """An instant the way reports print it: New York time with nine digits and the offset."""
    return format_iso8601(ns)


def describe_duration(ns: int) -> str:
    """A duration in the largest exact units, e.g. ``10 s 1 ns`` or ``15 min``."""
    if ns == 0:
        return "0 ns"
    sign = "-" if ns < 0 else ""
    rest = abs(ns)
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("min", MINUTE), ("s", SECOND)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}")
    if rest:
        for unit, size in (("ms", MILLISECOND), ("us", MICROSECOND), ("ns", 1)):
            if rest % size == 0:
                parts.append(f"{rest // size} {unit}")
                break
    return sign + " ".join(parts)


def et_wall(ns: int) -> dt.datetime:
    """The New York wall-clock datetime of an instant (microsecond resolution)."""
    return datetime_from_ns(ns, NEW_YORK)
