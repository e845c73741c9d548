"""Exact conversions between integer nanoseconds and the text forms the facilities use.

No float is used anywhere on these paths: a FIX ``UTCTimestamp`` such as
``20211115-14:30:00.123456789`` becomes exactly ``1636986600123456789`` and back. simplefix can
only write 0, 3 or 6 fractional digits (it raises on 9), so outbound timestamps are formatted
here and appended as plain strings.

Forms handled:

* FIX UTCTimestamp ``YYYYMMDD-HH:MM:SS[.sss|.ssssss|.sssssssss]`` (FIX 4.2/4.4 Vol. 1 data
  types; 6 and 9 digits are the FIX 5.0 SP2 extension the facilities adopted for micro- and
  nanoseconds). TRACE Treasury's literal ``YYYYMMDD-HH:MM:SS.ssssss.mmm`` is not accepted.
* FIX LocalMktDate / UTCDateOnly ``YYYYMMDD``.
* ISO 8601 with up to nine fractional digits and a ``Z`` or ``±HH:MM`` offset (CLI and control
  API); a naive ISO time is read in America/New_York, the facilities' rule time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from simulator.clock import DAY, MICROSECOND, SECOND

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

VALID_PRECISIONS = (0, 3, 6, 9)

# re.ASCII: FIX is 7-bit US-ASCII, so "\d" must not match other scripts' digits ("２０２１").
_FIX_TS = re.compile(r"(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?", re.ASCII)
_FIX_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2}|ET|NY)?",
    re.ASCII,
)


class TimestampError(ValueError):
    """A timestamp could not be read; the message says which text and why."""


@dataclass(frozen=True, slots=True)
class FixTime:
    """A parsed UTCTimestamp: the instant and how many fractional digits it was written with."""

    ns: int
    digits: int


def _days_from_civil(year: int, month: int, day: int) -> int:
    return dt.date(year, month, day).toordinal() - EPOCH_ORDINAL


def parse_fix_timestamp(text: str | bytes) -> FixTime:
    """Parse a FIX UTCTimestamp with 0, 3, 6 or 9 fractional digits into exact integer ns."""
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    match = _FIX_TS.fullmatch(raw)
    if match is None:
        raise TimestampError(f"{raw!r} is not a UTCTimestamp (YYYYMMDD-HH:MM:SS[.fff])")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or ""
    if len(fraction) not in VALID_PRECISIONS:
        raise TimestampError(
            f"{raw!r} has {len(fraction)} fractional digits; 0, 3, 6 or 9 are allowed"
        )
    if hour > 23 or minute > 59 or second > 60:
        raise TimestampError(f"{raw!r} has an out-of-range time of day")
    try:
        days = _days_from_civil(year, month, day)
    except ValueError as exc:
        raise TimestampError(f"{raw!r} has an invalid date: {exc}") from None
    second = min(second, 59)  # a leap second is held at :59.999... by the facilities' clocks
    frac_ns = int(fraction.ljust(9, "0")) if fraction else 0
    ns = days * DAY + (hour * 3600 + minute * 60 + second) * SECOND + frac_ns
    return FixTime(ns=ns, digits=len(fraction))


def format_fix_timestamp(ns: int, precision: int = 9) -> str:
    """Format ns as ``YYYYMMDD-HH:MM:SS[.fraction]`` with ``precision`` digits, truncating."""
    if precision not in VALID_PRECISIONS:
        raise ValueError(f"precision must be one of {VALID_PRECISIONS}, not {precision}")
    days, rem = divmod(ns, DAY)
    date = dt.date.fromordinal(days + EPOCH_ORDINAL)
    secs, frac = divmod(rem, SECOND)
    hh, rest = divmod(secs, 3600)
    mm, ss = divmod(rest, 60)
    base = f"{date.year:04d}{date.month:02d}{date.day:02d}-{hh:02d}:{mm:02d}:{ss:02d}"
    if precision == 0:
        return base
    return f"{base}.{frac:09d}"[: len(base) + 1 + precision]


def fractional_digits_used(ns: int) -> int:
    """The fewest of 0/3/6/9 digits that represent ``ns`` without loss."""
    frac = ns % SECOND
    if frac == 0:
        return 0
    if frac % 1_000_000 == 0:
        return 3
    if frac % 1_000 == 0:
        return 6
    return 9


def parse_fix_date(text: str | bytes) -> dt.date:
    """Parse a FIX LocalMktDate/UTCDateOnly ``YYYYMMDD``."""
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    match = _FIX_DATE.fullmatch(raw)
    if match is None:
        raise TimestampError(f"{raw!r} is not a date (YYYYMMDD)")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise TimestampError(f"{raw!r} is not a valid date: {exc}") from None


def format_fix_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def ns_from_datetime(moment: dt.datetime) -> int:
    """Exact ns of an aware datetime (microsecond resolution, as datetime has)."""
    if moment.tzinfo is None:
        raise TimestampError(f"{moment.isoformat()} has no time zone")
    utc = moment.astimezone(UTC)
    days = _days_from_civil(utc.year, utc.month, utc.day)
    secs = utc.hour * 3600 + utc.minute * 60 + utc.second
    return days * DAY + secs * SECOND + utc.microsecond * MICROSECOND


def datetime_from_ns(ns: int, tz: dt.tzinfo = UTC) -> dt.datetime:
    """An aware datetime for ``ns``; sub-microsecond digits are dropped (datetime has none)."""
    days, rem = divmod(ns, DAY)
    secs, frac = divmod(rem, SECOND)
    base = dt.datetime.combine(
        dt.date.fromordinal(days + EPOCH_ORDINAL), dt.time(), tzinfo=UTC
    ) + dt.timedelta(seconds=secs, microseconds=frac // MICROSECOND)
    return base.astimezone(tz)


def local_ns(
    day: dt.date, hour: int, minute: int = 0, second: int = 0, tz: dt.tzinfo = NEW_YORK
) -> int:
    """The instant of a wall-clock time on ``day`` in ``tz`` (DST-correct)."""
    return ns_from_datetime(
        dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    )


def local_date(ns: int, tz: dt.tzinfo = NEW_YORK) -> dt.date:
    """The calendar date of the instant in ``tz`` (America/New_York by default)."""
    return datetime_from_ns(ns, tz).date()


def parse_iso8601(text: str, default_tz: dt.tzinfo = NEW_YORK) -> int:
    """Parse ISO 8601 with up to nine fractional digits into exact ns.

    ``2021-03-20T09:00:00-04:00``, ``2021-11-15T14:30:00.123456789Z`` and
    ``2021-11-15 09:30:00.000000001 ET`` are accepted; without an offset the time is read in
    ``default_tz`` (New York), and a date alone means midnight there.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise TimestampError(
            f"{text!r} is not an ISO 8601 instant (e.g. 2021-03-20T09:00:00-04:00)"
        )
    year, month, day = (int(g) for g in match.groups()[:3])
    hour = int(match.group(4) or 0)
    minute = int(match.group(5) or 0)
    second = int(match.group(6) or 0)
    fraction = match.group(7) or ""
    zone = match.group(8)
    try:
        wall = dt.datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise TimestampError(f"{text!r} is not a valid date and time: {exc}") from None
    if zone is None or zone in ("ET", "NY"):
        tz: dt.tzinfo = default_tz if zone is None else NEW_YORK
    elif zone in ("Z", "z"):
        tz = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= dt.timedelta(hours=24):
            raise TimestampError(f"{text!r} has an impossible UTC offset {zone}")
        tz = dt.timezone(sign * offset)
    return ns_from_datetime(wall.replace(tzinfo=tz)) + int(fraction.ljust(9, "0") or 0)


def format_iso8601(ns: int, tz: dt.tzinfo = NEW_YORK, precision: int = 9) -> str:
    """ISO 8601 with ``precision`` fractional digits and the zone's offset, e.g.
    ``2021-11-15T09:30:10.000000000-05:00``."""
    if precision not in VALID_PRECISIONS:
        raise ValueError(f"precision must be one of {VALID_PRECISIONS}, not {precision}")
    whole = datetime_from_ns(ns - ns % SECOND, tz)
    text = whole.strftime("%Y-%m-%dT%H:%M:%S")
    if precision:
        text += "." + f"{ns % SECOND:09d}"[:precision]
    offset = whole.utcoffset() or dt.timedelta(0)
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hh, mm = divmod(abs(total) // 60, 60)
    return f"{text}{sign}{hh:02d}:{mm:02d}"
