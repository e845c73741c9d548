"""Time steps: set, advance and read the facility's simulated clock; freeze the firm's own clock.

The simulator's clock is a manual clock in integer nanoseconds (``simulator.clock``): a step moves
it and nothing else does, so a 15-minute TRACE window or a weekend costs no real time and a
10-second boundary is exact to the nanosecond. Instants without a zone are New York time ("ET"),
the facilities' rule time zone, DST included.

Firm-side code that reads the machine's wall clock (``datetime.now()``) is frozen with freezegun
and ``real_asyncio=True`` (tooling notes section 2: without it the simulator's loop thread would
stall); freezegun has microsecond resolution, the simulator's clock nanoseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pytest_bdd import given, parsers, then, when

from simulator.harness.controller import SimHarness
from simulator.harness.timetext import (
    DURATION_PATTERN,
    describe,
    next_weekday,
    parse_duration,
    time_today,
)
from simulator.timestamps import NEW_YORK, datetime_from_ns, local_date
from steps._types import TYPES


@given(parsers.cfparse("the facility clock reads {instant:Instant}", extra_types=TYPES))
def clock_reads(sim: SimHarness, instant: int) -> None:
    """Set the facility's clock to an instant (New York time unless a zone is given). As a
    scenario's first step it starts the simulator afresh at that instant, as
    ``facsim serve --at`` would: the sample organisations are loaded then, and only the emails
    due by then are sent.

    Example: Given the facility clock reads 2021-11-15 09:30:00.000000000 ET
    """
    sim.start_clock(instant)


@when(parsers.re(rf"(?P<duration>{DURATION_PATTERN}) pass(?:es)?"))
def time_passes(sim: SimHarness, duration: str) -> None:
    """Advance the facility's clock by an exact duration (nanoseconds to weeks).

    Example: When 10 seconds and 1 nanosecond pass
    """
    sim.advance(parse_duration(duration))


@when(
    parsers.cfparse("the clock moves to next {weekday:Weekday} {time:TimeOfDay}", extra_types=TYPES)
)
def clock_moves_to_weekday(sim: SimHarness, weekday: str, time: str) -> None:
    """Move the clock to a time on the next given weekday (strictly after today, New York).

    Example: When the clock moves to next Monday 08:00 ET
    """
    sim.set_clock(next_weekday(sim.now_ns(), weekday, time))


@when(parsers.cfparse("the clock moves to {time:TimeOfDay}", extra_types=TYPES))
def clock_moves_to_time(sim: SimHarness, time: str) -> None:
    """Move the clock to a time of day on the current simulated date (forward or back).

    Example: When the clock moves to 16:00:00.000000001 ET
    """
    sim.set_clock(time_today(sim.now_ns(), time))


@when(parsers.cfparse("the clock moves to {instant:Instant}", extra_types=TYPES))
def clock_moves_to_instant(sim: SimHarness, instant: int) -> None:
    """Move the clock to an absolute instant (forward or back).

    Example: When the clock moves to 2021-04-19 08:00 ET
    """
    sim.set_clock(instant)


@then(parsers.cfparse("the facility clock reads {instant:Instant}", extra_types=TYPES))
def clock_should_read(sim: SimHarness, instant: int) -> None:
    """Check the facility's clock to the nanosecond.

    Example: Then the facility clock reads 2021-11-15 09:30:10.000000001 ET
    """
    now = sim.now_ns()
    assert now == instant, f"the facility clock reads {describe(now)}, not {describe(instant)}"


@then(parsers.cfparse("it is {weekday:Weekday} {day:Word} in New York", extra_types=TYPES))
def it_is_day_in_new_york(sim: SimHarness, weekday: str, day: str) -> None:
    """Check the facility's calendar date and weekday in New York.

    Example: Then it is Monday 2021-11-22 in New York
    """
    today = local_date(sim.now_ns())
    actual = f"{today.strftime('%A')} {today.isoformat()}"
    assert actual == f"{weekday} {day}", f"it is {actual} in New York"


@then(parsers.cfparse("the New York offset from UTC is {offset:Offset}", extra_types=TYPES))
def new_york_offset(sim: SimHarness, offset: str) -> None:
    """Check whether New York is on standard (-05:00) or daylight (-04:00) time at the clock.

    Example: Then the New York offset from UTC is -04:00
    """
    actual = datetime_from_ns(sim.now_ns(), NEW_YORK).strftime("%z")
    actual = f"{actual[:3]}:{actual[3:]}"
    assert actual == offset, f"New York is at {actual} at {describe(sim.now_ns())}"


@given(
    parsers.cfparse(
        "the firm's own systems read the wall clock as {instant:Instant}", extra_types=TYPES
    ),
    target_fixture="firm_wall_clock",
)
def firm_wall_clock(sim: SimHarness, instant: int) -> Iterator[Any]:
    """Freeze the wall clock the firm's own code reads (``datetime.now()``, ``time.time()``) with
    freezegun (``real_asyncio=True``, microsecond resolution) until the scenario ends.

    Example: Given the firm's own systems read the wall clock as 2021-03-20 09:00 ET
    """
    from freezegun import freeze_time

    moment = datetime_from_ns(instant, dt.UTC)
    sim.record("clock", "firm", f"firm wall clock frozen at {describe(instant)}")
    # pytest's own timing and the harness keep real time (freezegun's ignore list).
    with freeze_time(moment, real_asyncio=True, ignore=["_pytest", "pluggy"]) as frozen:
        yield frozen


@then(parsers.cfparse("the firm's wall clock reads {instant:Instant}", extra_types=TYPES))
def firm_wall_clock_reads(firm_wall_clock: Any, instant: int) -> None:
    """Check what the firm's own code sees as "now" (to the microsecond).

    Example: Then the firm's wall clock reads 2021-03-20 09:00 ET
    """
    seen = dt.datetime.now(NEW_YORK)
    expected = datetime_from_ns(instant, NEW_YORK)
    assert seen == expected, f"the firm's code sees {seen.isoformat()}, not {expected.isoformat()}"
