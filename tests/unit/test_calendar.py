"""Business days, holidays and early closes of the NYSE (equities) and SIFMA (TRACE) calendars."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from simulator import calendar as calendar_module
from simulator.calendar import (
    Market,
    MarketCalendar,
    calendar_for,
    early_close,
    holiday_name,
    is_business_day,
    next_business_day,
    parse_close_time,
    previous_business_day,
)
from simulator.errors import SimulatorError, UserInputError

D = dt.date


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (D(2021, 3, 19), True),  # Friday
        (D(2021, 3, 20), False),  # Saturday (UAT day)
        (D(2021, 3, 21), False),  # Sunday
        (D(2021, 3, 22), True),  # Monday
        (D(2021, 4, 2), False),  # Good Friday: NYSE closed
        (D(2021, 7, 5), False),  # Independence Day observed
        (D(2021, 10, 11), True),  # Columbus Day: stocks open
        (D(2021, 11, 11), True),  # Veterans Day: stocks open
        (D(2021, 11, 25), False),  # Thanksgiving
        (D(2021, 11, 26), True),  # early close is still a business day
        (D(2022, 6, 20), False),  # Juneteenth observed (first year)
        (D(2025, 1, 9), False),  # National Day of Mourning (Carter)
    ],
)
def test_nyse_business_days(day: dt.date, business: bool) -> None:
    assert is_business_day(day) is business
    assert calendar_for(Market.NYSE).is_business_day(day) is business


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (D(2021, 4, 2), True),  # Good Friday 2021: bond market open until noon
        (D(2021, 10, 11), False),  # Columbus Day: bond market closed
        (D(2021, 11, 11), False),  # Veterans Day: bond market closed
        (D(2021, 11, 25), False),
        (D(2024, 3, 29), False),  # Good Friday 2024: bond market closed
        (D(2025, 1, 9), True),  # day of mourning: bonds close early, not all day
    ],
)
def test_sifma_business_days_differ_from_the_stock_market(day: dt.date, business: bool) -> None:
    assert is_business_day(day, Market.SIFMA) is business


def test_holiday_names_come_from_the_library() -> None:
    assert holiday_name(D(2021, 11, 25)) == "Thanksgiving Day"
    assert holiday_name(D(2021, 11, 11), "SIFMA") == "Veterans Day"
    assert holiday_name(D(2021, 11, 11)) is None
    assert holiday_name(D(2021, 3, 20)) is None  # a weekend is not a holiday
    assert calendar_for("NYSE").closure_reason(D(2021, 3, 20)) == "Saturday"
    assert calendar_for("NYSE").closure_reason(D(2021, 11, 25)) == "Thanksgiving Day"
    assert calendar_for("NYSE").closure_reason(D(2021, 11, 26)) is None


@pytest.mark.parametrize(
    ("day", "market", "close"),
    [
        (D(2021, 11, 26), Market.NYSE, dt.time(13, 0)),
        (D(2024, 7, 3), Market.NYSE, dt.time(13, 0)),
        (D(2024, 12, 24), Market.NYSE, dt.time(13, 0)),
        (D(2021, 11, 26), Market.SIFMA, dt.time(14, 0)),
        (D(2021, 4, 2), Market.SIFMA, dt.time(12, 0)),  # Good Friday with a jobs report
        (D(2021, 12, 31), Market.SIFMA, dt.time(14, 0)),
        (D(2021, 12, 31), Market.NYSE, None),
        (D(2021, 11, 24), Market.NYSE, None),
        (D(2021, 11, 25), Market.NYSE, None),  # closed all day is not an early close
    ],
)
def test_early_closes_are_read_from_the_library(
    day: dt.date, market: Market, close: dt.time | None
) -> None:
    assert early_close(day, market) == close
    info = calendar_for(market).day_info(day)
    assert info.early_close == close
    assert (info.early_close_name is not None) is (close is not None)


@pytest.mark.parametrize(
    ("name", "close"),
    [
        ("Day after Thanksgiving Day (markets close at 1:00pm)", dt.time(13, 0)),
        ("Good Friday (markets close at 12:00pm)", dt.time(12, 0)),
        ("Something (markets close at 11:00am)", dt.time(11, 0)),
        ("Something (markets close at 12:00am)", dt.time(0, 0)),
        ("Something (markets close at 2:30 p.m.)", dt.time(14, 30)),
    ],
)
def test_parse_close_time(name: str, close: dt.time) -> None:
    assert parse_close_time(name) == close


@pytest.mark.parametrize("name", ["Christmas Eve", "close at 13:00pm", "close at 2:75pm"])
def test_half_day_without_a_time_is_a_loud_error(name: str) -> None:
    with pytest.raises(SimulatorError):
        parse_close_time(name)


def test_every_library_half_day_has_a_parsable_close() -> None:
    for market in Market:
        cal = MarketCalendar(market)
        for year in range(2000, 2031):
            for day in (D(year, 7, 3), D(year, 11, 26), D(year, 12, 24)):
                cal.early_close(day)  # builds the whole year, parsing every half day


def test_next_and_previous_business_day() -> None:
    # Friday -> Monday, across Good Friday, across a long weekend
    assert next_business_day(D(2021, 3, 19)) == D(2021, 3, 22)
    assert next_business_day(D(2021, 4, 1)) == D(2021, 4, 5)
    assert next_business_day(D(2021, 4, 1), Market.SIFMA) == D(2021, 4, 2)
    assert previous_business_day(D(2021, 4, 5)) == D(2021, 4, 1)
    assert next_business_day(D(2021, 12, 31)) == D(2022, 1, 3)  # across a year
    assert previous_business_day(D(2022, 1, 3)) == D(2021, 12, 31)
    assert next_business_day(D(2021, 10, 8), Market.SIFMA) == D(2021, 10, 12)


def test_unknown_market_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="NYSE, SIFMA"):
        MarketCalendar("LSE")
    with pytest.raises(UserInputError):
        calendar_for("nasdaq")
    assert calendar_for("sifma") is calendar_for(Market.SIFMA)


def test_added_closures_and_early_closes() -> None:
    cal = MarketCalendar(Market.NYSE)
    day = D(2021, 3, 17)
    assert cal.is_business_day(day)
    before = cal.version
    cal.add_closure(day, "System outage")
    assert not cal.is_business_day(day)
    assert cal.holiday_name(day) == "System outage"
    assert cal.next_business_day(D(2021, 3, 16)) == D(2021, 3, 18)
    cal.add_early_close(D(2021, 3, 18), dt.time(12, 30), "Early close drill")
    assert cal.early_close(D(2021, 3, 18)) == dt.time(12, 30)
    assert cal.early_close_name(D(2021, 3, 18)) == "Early close drill"
    assert cal.version == before + 2
    # the shared calendar is untouched
    assert calendar_for(Market.NYSE).is_business_day(day)


def test_a_year_is_built_once_then_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    cal = MarketCalendar(Market.NYSE)
    calls: list[int] = []
    real = calendar_module.holidays.financial_holidays

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(calendar_module.holidays, "financial_holidays", counting)
    for offset in range(365):
        cal.is_business_day(D(2023, 1, 1) + dt.timedelta(days=offset))
        cal.early_close(D(2023, 1, 1) + dt.timedelta(days=offset))
    assert len(calls) == 2  # one build of 2023: public + half_day


def test_lookups_are_fast_after_the_first_call() -> None:
    cal = MarketCalendar(Market.NYSE)
    cal.is_business_day(D(2024, 1, 2))
    days = [D(2024, 1, 1) + dt.timedelta(days=i % 366) for i in range(20_000)]
    start = time.perf_counter()
    for day in days:
        cal.is_business_day(day)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5  # about 20 ms here: a dict lookup per call
