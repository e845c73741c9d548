"""America/New_York business days, market holidays and early closes.

Two calendars matter to the facilities, and both come from the maintained ``holidays`` library
(its financial calendars, categories ``public`` for full closures and ``half_day`` for early
closes), never from a hand-typed list:

* ``NYSE`` -- the equity facilities (FINRA/Nasdaq TRF Carteret and Chicago, FINRA/NYSE TRF, ADF,
  ORF) close on equity-market holidays and close early with the equity market (FINRA holiday
  notices for the TRFs, facilities.md section 1.1 [S49][S50]).
* ``SIFMA`` -- TRACE follows the bond-market calendar: it is closed on Columbus Day and Veterans
  Day, when the stock market is open, and closes early on SIFMA's recommended early-close days
  (FINRA TRACE holiday notices [S69]; facilities.md section 1.2).

The early-close time is read from the library's own holiday name ("... (markets close at
1:00pm)"), so a year the library knows is a year this module knows; nothing is tabulated here.

Lookups sit on the FIX hot path (every trade report asks whether its day is a business day), so
each calendar builds one dictionary per year on first use and answers every later question about
that year with a dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from enum import StrEnum

import holidays

from simulator.errors import SimulatorError, UserInputError

__all__ = [
    "DayInfo",
    "Market",
    "MarketCalendar",
    "calendar_for",
    "early_close",
    "holiday_name",
    "is_business_day",
    "next_business_day",
    "previous_business_day",
]

_CLOSE_AT = re.compile(r"close at (\d{1,2}):(\d{2}) ?([ap])\.?m", re.IGNORECASE | re.ASCII)
_MAX_SCAN_DAYS = 31  # no market closes for a month; a longer run means a broken calendar


class Market(StrEnum):
    """Which market's calendar a facility follows."""

    NYSE = "NYSE"  # equities: TRFs, ADF, ORF
    SIFMA = "SIFMA"  # bonds: TRACE CA, SP and TS


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one date.

    ``holiday`` names a full closure; ``early_close`` is the wall-clock time (New York) the market
    closes early, with ``early_close_name`` the library's name for the day.
    """

    day: dt.date
    business_day: bool
    holiday: str | None
    early_close: dt.time | None
    early_close_name: str | None


@dataclass(frozen=True, slots=True)
class _Year:
    closed: dict[dt.date, str]
    early: dict[dt.date, tuple[str, dt.time]]


def parse_close_time(name: str) -> dt.time:
    """The close time written in a ``holidays`` half-day name, e.g. "markets close at 2:00pm".

    Raises :class:`SimulatorError` if the library ever names a half day without a time, rather
    than guessing one.
    """
    match = _CLOSE_AT.search(name)
    if match is None:
        raise SimulatorError(f"holidays library half day {name!r} has no 'close at H:MMpm' time")
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3).lower()
    if not (1 <= hour <= 12 and minute < 60):
        raise SimulatorError(f"holidays library half day {name!r} has an impossible close time")
    hour = hour % 12 + (12 if half == "p" else 0)
    return dt.time(hour, minute)


def _market(market: Market | str) -> Market:
    if isinstance(market, Market):
        return market
    try:
        return Market(str(market).upper())
    except ValueError:
        valid = ", ".join(m.value for m in Market)
        raise UserInputError(f"unknown market calendar {market!r}; valid: {valid}") from None


class MarketCalendar:
    """Business days, holidays and early closes of one market, cached per year.

    A calendar may also carry extra closures and early closes (``add_closure``,
    ``add_early_close``) for unscheduled events a scenario wants to rehearse (a national day of
    mourning announced after the library's release, a system outage day).
    """

    def __init__(self, market: Market | str) -> None:
        self.market = _market(market)
        self._years: dict[int, _Year] = {}
        self._extra_closed: dict[dt.date, str] = {}
        self._extra_early: dict[dt.date, tuple[str, dt.time]] = {}
        self._lock = threading.Lock()
        self.version = 0  # bumped by every added closure, so callers' caches can key on it

    def __repr__(self) -> str:
        return f"MarketCalendar({self.market.value!r})"

    # -- building ---------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                cached = self._build(year)
                self._years[year] = cached
        return cached

    def _build(self, year: int) -> _Year:
        public = holidays.financial_holidays(self.market.value, years=year, categories=("public",))
        half = holidays.financial_holidays(self.market.value, years=year, categories=("half_day",))
        closed = {day: str(name) for day, name in public.items() if day.year == year}
        early = {
            day: (str(name), parse_close_time(str(name)))
            for day, name in half.items()
            if day.year == year and day not in closed
        }
        for day, name in self._extra_closed.items():
            if day.year == year:
                closed[day] = name
                early.pop(day, None)
        for day, entry in self._extra_early.items():
            if day.year == year and day not in closed:
                early[day] = entry
        return _Year(closed=closed, early=early)

    def add_closure(self, day: dt.date, name: str) -> None:
        """Close the market all day on ``day`` (a scenario's unscheduled closure)."""
        with self._lock:
            self._extra_closed[day] = name
            self._years.pop(day.year, None)
            self.version += 1

    def add_early_close(self, day: dt.date, close: dt.time, name: str) -> None:
        """Close the market early at ``close`` (New York) on ``day``."""
        with self._lock:
            self._extra_early[day] = (name, close)
            self._years.pop(day.year, None)
            self.version += 1

    # -- questions --------------------------------------------------------------------------

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the full-day closure on ``day``, or ``None`` (weekends are not holidays)."""
        return self._year(day.year).closed.get(day)

    def early_close(self, day: dt.date) -> dt.time | None:
        """The early close (New York wall time) on ``day``, or ``None`` on a full-length day."""
        entry = self._year(day.year).early.get(day)
        return entry[1] if entry else None

    def early_close_name(self, day: dt.date) -> str | None:
        entry = self._year(day.year).early.get(day)
        return entry[0] if entry else None

    def is_business_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a full-day holiday (early-close days are business days)."""
        return day.weekday() < 5 and day not in self._year(day.year).closed

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day strictly after ``day``."""
        return self._scan(day, 1)

    def previous_business_day(self, day: dt.date) -> dt.date:
        """The last business day strictly before ``day``."""
        return self._scan(day, -1)

    def _scan(self, day: dt.date, step: int) -> dt.date:
        candidate = day
        for _ in range(_MAX_SCAN_DAYS):
            candidate += dt.timedelta(days=step)
            if self.is_business_day(candidate):
                return candidate
        raise SimulatorError(f"{self.market.value} calendar has no business day near {day}")

    def day_info(self, day: dt.date) -> DayInfo:
        entry = self._year(day.year).early.get(day)
        return DayInfo(
            day=day,
            business_day=self.is_business_day(day),
            holiday=self.holiday_name(day),
            early_close=entry[1] if entry else None,
            early_close_name=entry[0] if entry else None,
        )

    def closure_reason(self, day: dt.date) -> str | None:
        """Why the market is closed on ``day`` ("Saturday", a holiday name), or ``None``."""
        name = self.holiday_name(day)
        if name:
            return name
        if day.weekday() >= 5:
            return day.strftime("%A")
        return None


_SHARED: dict[Market, MarketCalendar] = {}
_SHARED_LOCK = threading.Lock()


def calendar_for(market: Market | str) -> MarketCalendar:
    """The process-wide calendar of ``market`` (shared so its per-year cache is shared too)."""
    key = _market(market)
    calendar = _SHARED.get(key)
    if calendar is None:
        with _SHARED_LOCK:
            calendar = _SHARED.setdefault(key, MarketCalendar(key))
    return calendar


def is_business_day(day: dt.date, market: Market | str = Market.NYSE) -> bool:
    return calendar_for(market).is_business_day(day)


def next_business_day(day: dt.date, market: Market | str = Market.NYSE) -> dt.date:
    return calendar_for(market).next_business_day(day)


def previous_business_day(day: dt.date, market: Market | str = Market.NYSE) -> dt.date:
    return calendar_for(market).previous_business_day(day)


def holiday_name(day: dt.date, market: Market | str = Market.NYSE) -> str | None:
    return calendar_for(market).holiday_name(day)


def early_close(day: dt.date, market: Market | str = Market.NYSE) -> dt.time | None:
    return calendar_for(market).early_close(day)
