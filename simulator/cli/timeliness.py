"""``facsim timeliness``: was one trade report on time, and what modifier does it get?

Example::

    facsim timeliness --facility nyse-trf --executed 2021-03-19T20:30:00-04:00 \\
        --reported 2021-03-22T08:16:00-04:00 --json

Times are ISO 8601 with up to nine fractional digits; without an offset they are read as New
York time. The answer comes from :func:`simulator.facilities.timeliness.assess`; with ``--json``
it is one object with at least ``status`` ("on_time"/"late"), ``modifier`` (letter or null),
``as_of``, ``deadline`` (nine fractional digits and the New York offset) and ``rule``. The exit
status is 0 for any decision (late included) and 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from simulator.errors import UserInputError
from simulator.facilities.profiles import all_profiles, get_profile
from simulator.facilities.timeliness import assess, format_duration
from simulator.timestamps import TimestampError, format_iso8601, parse_iso8601


def _facility_list() -> str:
    lines = ["facility names (--facility):"]
    for profile in all_profiles():
        window = (
            f"{format_duration(profile.reporting.window_ns)} window"
            if profile.reporting.window_ns
            else "same day during system hours"
        )
        lines.append(f"  {profile.id.value:<21} {profile.name} ({window})")
    lines.append("")
    lines.append("Times: ISO 8601, e.g. 2021-11-15T09:30:00.000000001-05:00; no offset = New York.")
    return "\n".join(lines)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "timeliness",
        help="decide whether one trade report was on time and which modifier it gets",
        description=textwrap.fill(
            "Decide whether a trade report met its facility's deadline (FINRA Rules "
            "6380A/6380B/6282/6622 for equities, 6730 for TRACE), whether it must be as/of, "
            "and which modifier the facility applies.",
            width=78,
        ),
        epilog=_facility_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--facility", required=True, metavar="NAME", help="facility name")
    parser.add_argument("--executed", required=True, metavar="ISO8601", help="time of execution")
    parser.add_argument(
        "--reported",
        required=True,
        metavar="ISO8601",
        help="time the facility received the report",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def parse_instant(text: str, option: str) -> int:
    """An ISO 8601 option value as ns, or a :class:`UserInputError` naming the option."""
    try:
        return parse_iso8601(text)
    except TimestampError as exc:
        raise UserInputError(str(exc), source=option) from None


def run(args: argparse.Namespace) -> int:
    try:
        profile = get_profile(args.facility)
    except UserInputError as exc:
        raise UserInputError(str(exc), source="--facility") from None
    executed = parse_instant(args.executed, "--executed")
    reported = parse_instant(args.reported, "--reported")
    if reported < executed:
        raise UserInputError(
            f"{format_iso8601(reported)} is before --executed {format_iso8601(executed)}",
            source="--reported",
        )
    decision = assess(profile, executed, reported)
    if args.json:
        data = decision.to_json()
        data["facility_name"] = profile.name
        data["reported"] = data["received"]
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    verdict = "ON TIME" if decision.status.value == "on_time" else "LATE"
    modifier = decision.modifier or "none"
    if decision.facility_code and decision.facility_code != decision.modifier:
        modifier += f" (FIX code {decision.facility_code})"
    lines = [
        f"{verdict}, modifier {modifier}{', as/of' if decision.as_of else ''}",
        f"  facility  {profile.name} ({profile.id.value})",
        f"  executed  {format_iso8601(executed)}",
        f"  reported  {format_iso8601(reported)}",
        f"  deadline  {format_iso8601(decision.deadline_ns)}",
        f"  rule      {decision.rule}",
        "",
        textwrap.fill(decision.explanation, width=96),
    ]
    print("\n".join(lines))
    return 0
