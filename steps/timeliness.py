"""Timeliness steps: was a report on time at a facility, and which modifier does it carry.

The decision comes from the simulator's rules engine (``simulator.facilities.timeliness``):
10 seconds while an equity facility is open (FINRA Rules 6380A/6380B, 6282, 6622), 15 minutes at
TRACE (Rule 6730), the before-open, after-close, weekend and holiday cases, and the T/U/Z
modifiers. A trade's execution time is set with "Given a trade executed at ..."; its receipt time
is the facility clock when "the trade is reported".
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from simulator.harness.controller import SimHarness
from simulator.harness.timetext import describe, parse_instant, time_today
from steps._types import TYPES


def _executed(sim: SimHarness) -> int:
    try:
        return int(sim.data["executed_ns"])
    except KeyError:
        raise AssertionError(
            'no trade yet: start with "Given a trade executed at <instant>"'
        ) from None


@given(parsers.cfparse("a trade executed at {instant:Instant}", extra_types=TYPES))
def trade_executed_at(sim: SimHarness, instant: int) -> None:
    """Note a trade's execution time (the clock does not move).

    Example: Given a trade executed at 2021-11-15 09:30:00.000000000 ET
    """
    sim.data["executed_ns"] = instant
    sim.record("action", "firm", f"trade executed at {describe(instant)}")


@given(parsers.cfparse("a trade executed at {time:TimeOfDay} today", extra_types=TYPES))
def trade_executed_today(sim: SimHarness, time: str) -> None:
    """Note a trade executed at a time of day on the facility clock's current date.

    Example: Given a trade executed at 09:30:00.000000000 ET today
    """
    trade_executed_at(sim, time_today(sim.now_ns(), time))


@when(
    parsers.cfparse("the trade is reported to {facility:Facility}", extra_types=TYPES),
    target_fixture="decision",
)
def reported_now(sim: SimHarness, facility: str) -> Any:
    """Report the trade to a facility now (the facility clock is the receipt time).

    Example: When the trade is reported to nasdaq-trf-carteret
    """
    return sim.assess(facility, _executed(sim), sim.now_ns())


@when(
    parsers.cfparse(
        "the trade is reported to {facility:Facility} at {instant:Instant}", extra_types=TYPES
    ),
    target_fixture="decision",
)
def reported_at(sim: SimHarness, facility: str, instant: int) -> Any:
    """Move the clock to an instant and report the trade to a facility then.

    Example: When the trade is reported to trace-ca at 2021-11-16 08:15:00.000000000 ET
    """
    sim.set_clock(instant)
    return sim.assess(facility, _executed(sim), instant)


@when(
    parsers.cfparse(
        "the trade is reported to {facility:Facility} {duration:Duration} after execution",
        extra_types=TYPES,
    ),
    target_fixture="decision",
)
def reported_after(sim: SimHarness, facility: str, duration: int) -> Any:
    """Report the trade a given time after its execution (the clock moves there).

    Example: When the trade is reported to nyse-trf 10 seconds and 1 nanosecond after execution
    """
    received = _executed(sim) + duration
    sim.set_clock(received)
    return sim.assess(facility, _executed(sim), received)


@then(parsers.re(r"the report is (?P<verdict>on time|late)"))
def report_verdict(decision: Any, verdict: str) -> None:
    """Check the verdict: ``on time`` or ``late``.

    Example: Then the report is late
    """
    actual = "late" if decision.late else "on time"
    assert actual == verdict, f"the report is {actual}: {decision.explanation}"


@then(parsers.cfparse("the facility applies modifier {letter:Word}", extra_types=TYPES))
def applies_modifier(decision: Any, letter: str) -> None:
    """Check the industry modifier letter the facility applies (T, U or Z).

    Example: Then the facility applies modifier Z
    """
    assert decision.modifier == letter, (
        f"the modifier is {decision.modifier or 'none'}, not {letter}: {decision.explanation}"
    )


@then("the facility applies no modifier")
def applies_no_modifier(decision: Any) -> None:
    """Check that the report carries no timeliness modifier.

    Example: Then the facility applies no modifier
    """
    assert decision.modifier is None, (
        f"the facility applies {decision.modifier}: {decision.explanation}"
    )


@then(parsers.cfparse("the facility writes it as FIX code {code:Word}", extra_types=TYPES))
def facility_code(decision: Any, code: str) -> None:
    """Check how the facility's FIX port writes the modifier (e.g. Nasdaq TRF ``I`` for Z).

    Example: Then the facility writes it as FIX code I
    """
    assert decision.facility_code == code, (
        f"{decision.facility} writes {decision.facility_code!r}, not {code!r}"
    )


@then(parsers.re(r"the report (?P<must>must be|is not) as/of"))
def report_as_of(decision: Any, must: str) -> None:
    """Check whether the report must be marked as/of (reported on a later date than the trade).

    Example: Then the report must be as/of
    """
    expected = must == "must be"
    assert decision.as_of is expected, f"as/of is {decision.as_of}: {decision.explanation}"


@then(parsers.cfparse("the reporting deadline is {instant:Instant}", extra_types=TYPES))
def deadline_is(decision: Any, instant: int) -> None:
    """Check the last on-time instant, to the nanosecond (inclusive).

    Example: Then the reporting deadline is 2021-11-15 09:30:10.000000000 ET
    """
    assert decision.deadline_ns == instant, (
        f"the deadline is {describe(decision.deadline_ns)}, not {describe(instant)}"
    )


@then(parsers.cfparse('the decision cites "{rule}"'))
def decision_cites(decision: Any, rule: str) -> None:
    """Check the rule the decision rests on (a part of its citation).

    Example: Then the decision cites "FINRA Rule 6730(a)(1)(C)"
    """
    assert rule in decision.rule, f"the decision cites {decision.rule!r}"


@then("reports are decided as follows:")
def decided_as_follows(sim: SimHarness, datatable: list[list[str]]) -> None:
    """Check many reports at once. Columns: ``facility``, ``executed``, ``reported``,
    ``verdict`` (on time/late), ``modifier`` (T, U, Z or none), ``as of`` (yes/no); an optional
    ``deadline`` column checks the deadline too. Every row is checked; all mismatches are listed.

    Example: Then reports are decided as follows:
    """
    header, *rows = datatable
    columns = [name.strip().lower() for name in header]
    problems = []
    for row in rows:
        cells = dict(zip(columns, (cell.strip() for cell in row), strict=True))
        decision = sim.assess(
            cells["facility"], parse_instant(cells["executed"]), parse_instant(cells["reported"])
        )
        actual = {
            "verdict": "late" if decision.late else "on time",
            "modifier": decision.modifier or "none",
            "as of": "yes" if decision.as_of else "no",
            "deadline": describe(decision.deadline_ns),
        }
        for column in ("verdict", "modifier", "as of", "deadline"):
            if column not in cells:
                continue
            wanted = cells[column]
            if column == "deadline":
                wanted = describe(parse_instant(wanted))
            if actual[column] != wanted:
                problems.append(
                    f"{cells['facility']} executed {cells['executed']}, reported "
                    f"{cells['reported']}: {column} is {actual[column]}, not {wanted}"
                )
    assert not problems, "\n".join(problems)


@then(
    parsers.cfparse(
        "a report at {instant:Instant} to {facility:Facility} is refused because it precedes "
        "the execution",
        extra_types=TYPES,
    )
)
def refused_before_execution(sim: SimHarness, instant: int, facility: str) -> None:
    """Check that a report received before its execution time is refused with a clear reason
    (TRACE reject 138 "EXECUTION TIME GREATER THAN TRADE REPORT TIME").

    Example: Then a report at 2021-11-15 09:59:59 ET to trace-ca is refused because it precedes the execution
    """
    from simulator.errors import UserInputError

    try:
        sim.assess(facility, _executed(sim), instant)
    except UserInputError as exc:
        assert "before executed time" in str(exc), str(exc)
        sim.record("decision", facility, f"refused: {exc}")
        return
    raise AssertionError(f"a report at {describe(instant)} was not refused")
