"""The timeliness engine's caches: New York wall time by the hour, and each facility's rules by
day. They must give exactly the answers computed afresh, across DST changes, holidays, early
closes, and a calendar a scenario changes while the simulator runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.calendar import Market, MarketCalendar
from simulator.clock import HOUR, MINUTE, SECOND
from simulator.domain.facility import FacilityId
from simulator.facilities import timeliness
from simulator.facilities.timeliness import assess, new_york_date, new_york_time
from simulator.timestamps import NEW_YORK, datetime_from_ns, local_date, local_ns

# 2000-01-01 .. 2040-01-01: every DST rule New York has had in that span.
INSTANTS = st.integers(min_value=946_684_800 * SECOND, max_value=2_208_988_800 * SECOND)
DST_CHANGES = [
    local_ns(dt.date(2021, 3, 14), 1, 59, 59),  # the last second before 02:00 EST -> 03:00 EDT
    local_ns(dt.date(2021, 11, 7), 0, 59, 59),  # an hour before 02:00 EDT -> 01:00 EST
    local_ns(dt.date(2026, 3, 8), 1, 0, 0),
    local_ns(dt.date(2026, 11, 1), 0, 0, 0),
]


def reference_time(ns: int) -> str:
    """What the engine printed before the cache: a datetime conversion per call."""
    moment = datetime_from_ns(ns, NEW_YORK)
    return f"{moment.strftime('%a %Y-%m-%d %H:%M:%S')}.{ns % SECOND:09d} ET"


@pytest.fixture
def cold() -> Iterator[None]:
    """Empty caches before and after (tests elsewhere must not see what this one cached)."""
    for cache in (timeliness._HOURS, timeliness._DAYS, timeliness._MODIFIER_PHRASES):
        cache.clear()
    yield
    for cache in (timeliness._HOURS, timeliness._DAYS, timeliness._MODIFIER_PHRASES):
        cache.clear()


@settings(max_examples=400, deadline=None)
@given(INSTANTS)
def test_new_york_date_and_time_match_a_datetime_conversion(ns: int) -> None:
    assert new_york_date(ns) == local_date(ns)
    assert new_york_time(ns) == reference_time(ns)


@pytest.mark.parametrize("start", DST_CHANGES)
def test_every_nanosecond_boundary_around_a_dst_change(start: int) -> None:
    for step in range(0, 3 * HOUR, 7 * MINUTE + 1):
        for ns in (start + step - 1, start + step, start + step + 1):
            assert new_york_date(ns) == local_date(ns)
            assert new_york_time(ns) == reference_time(ns)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(list(FacilityId)),
    INSTANTS,
    st.integers(min_value=0, max_value=3 * 24 * HOUR),
)
def test_a_cached_decision_is_the_decision_computed_afresh(
    facility: FacilityId, executed: int, delay: int
) -> None:
    warm = assess(facility, executed, executed + delay)
    again = assess(facility, executed, executed + delay)
    for cache in (timeliness._HOURS, timeliness._DAYS, timeliness._MODIFIER_PHRASES):
        cache.clear()
    fresh = assess(facility, executed, executed + delay)
    assert warm == again == fresh
    assert warm.explanation == fresh.explanation


def test_a_closure_added_to_a_calendar_is_seen_at_once(cold: None) -> None:
    calendar = MarketCalendar(Market.SIFMA)
    executed = local_ns(dt.date(2021, 3, 15), 17, 0)  # Monday 17:00: TRACE is open
    before = assess("trace-ca", executed, executed + MINUTE, calendar=calendar)
    calendar.add_closure(dt.date(2021, 3, 15), "a scenario's unscheduled closure")
    after = assess("trace-ca", executed, executed + MINUTE, calendar=calendar)
    assert (before.as_of, after.as_of) == (False, True)
    assert "unscheduled closure" in after.explanation
    assert after.deadline_ns > before.deadline_ns
    # the shared calendar was never touched: the default answer is still the first one
    assert assess("trace-ca", executed, executed + MINUTE) == before


def test_the_hour_cache_is_bounded(cold: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeliness, "_HOURS_LIMIT", 24)
    start = local_ns(dt.date(2021, 3, 1), 0)
    for hour in range(100):
        ns = start + hour * HOUR + 5
        assert new_york_time(ns) == reference_time(ns)
    assert len(timeliness._HOURS) <= 24
