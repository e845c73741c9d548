"""``facsim timeline``: what is in force at an instant.

For ``--at`` (ISO 8601; default: now): each facility open or closed with its hours, timestamp
precision per port type, how each TRAQS / API site authenticates (certificate, MFA, either), the
API's login, the UAT window running, and UAT registration deadlines still ahead. ``--json`` prints
:meth:`simulator.timeline.TimelineState.to_json`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulator.cli.timeliness import parse_instant
from simulator.clock import SystemClock
from simulator.domain.facility import Region
from simulator.facilities.profiles import all_profiles
from simulator.timeline import Timeline, TimelineState
from simulator.timestamps import NEW_YORK, datetime_from_ns, format_iso8601, local_date


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "timeline",
        help="show what is in force at an instant (hours, precision, logins, UAT)",
        description=(
            "Show, for one instant, each facility's status and hours, timestamp precision per "
            "port, which login each TRAQS and API site accepts, and any UAT window."
        ),
    )
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        help="the instant, e.g. 2021-03-20T09:30:00-04:00 (no offset = New York; default now)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _clock(ns: int) -> str:
    return datetime_from_ns(ns, NEW_YORK).strftime("%H:%M")


def _facilities(state: TimelineState) -> list[str]:
    lines = ["Facilities"]
    for facility, status in state.facilities.items():
        if status.hours:
            hours = f"{_clock(status.hours[0])}-{_clock(status.hours[1])} ET"
            market = status.market_hours
            assert market is not None
            hours += f" (market hours {_clock(market[0])}-{_clock(market[1])})"
        else:
            hours = f"closed all day: {status.closed_reason}"
        word = "OPEN" if status.open else "closed"
        extra = ""
        if status.uat is not None:
            word = "UAT"
            hours = f"open for UAT {status.uat.key} (production: {hours})"
        if not status.open:
            nxt = datetime_from_ns(status.next_open_ns, NEW_YORK).strftime("%a %Y-%m-%d %H:%M")
            extra += f"; next open {nxt} ET"
        lines.append(f"  {facility.value:<21} {word:<7} {hours}{extra}")
    return lines


def _precision(state: TimelineState) -> list[str]:
    lines = ["Timestamp precision (fractional digits accepted in / written out)"]
    production = state.precision_table(Region.PRODUCTION)
    ntf = state.precision_table(Region.NTF)
    for profile in all_profiles():
        cells = []
        for port, rule in production[profile.id].items():
            cell = f"{port.value} {rule.inbound}/{rule.outbound}"
            test = ntf[profile.id][port]
            if (test.inbound, test.outbound) != (rule.inbound, rule.outbound):
                cell += f" (NTF {test.inbound}/{test.outbound})"
            cells.append(cell)
        lines.append(f"  {profile.id.value:<21} {', '.join(cells)}")
    return lines


def _sites(state: TimelineState) -> list[str]:
    lines = ["Sites"]
    for access in state.sites():
        if access.live and access.auth is not None:
            how = access.auth.value
        else:
            how = access.status.value + (f" -> {access.moved_to}" if access.moved_to else "")
        note = " (inferred)" if access.inferred else ""
        lines.append(f"  {access.host:<28} {how}{note}")
        if access.notice and not access.live:
            lines.append(f"  {'':<28} {access.notice}")
    for region in Region:
        lines.append(
            f"  TRAQS login ({region.value}): {state.traqs_auth(region).value}; "
            f"reference-data API ({region.value}): {state.api_auth(region).value}"
        )
    return lines


def _uat(state: TimelineState) -> list[str]:
    lines = ["UAT"]
    active = state.active_uat
    if active is None:
        lines.append("  no UAT window now")
    else:
        lines.append(
            f"  running: {active.title}, {format_iso8601(active.start_ns, precision=0)} to "
            f"{format_iso8601(active.end_ns, precision=0)}; facilities "
            f"{', '.join(f.value for f in active.facilities)}"
        )
        lines.extend(f"    - {note}" for note in active.notes)
    for uat in state.registration_deadlines_ahead:
        deadline = uat.registration_deadline_ns
        when = format_iso8601(deadline, precision=0) if deadline is not None else "the start"
        lines.append(f"  registration open for {uat.key} ({uat.title}) until {when}")
    for uat in state.upcoming_uats:
        if uat not in state.registration_deadlines_ahead:
            lines.append(f"  {uat.key}: registration closed")
    return lines


def run(args: argparse.Namespace) -> int:
    at = parse_instant(args.at, "--at") if args.at else SystemClock().now_ns()
    state = Timeline.default().at(at)
    if args.json:
        print(json.dumps(state.to_json(), indent=2, sort_keys=True))
        return 0
    day = local_date(at)
    lines = [f"At {format_iso8601(at)} ({day:%A %Y-%m-%d}, New York)", ""]
    lines += [*_facilities(state), "", *_precision(state), "", *_sites(state), ""]
    lines += _uat(state)
    periods = state.events_in_force
    if periods:
        lines += ["", "In force"] + [f"  {event.title}" for event in periods]
    upcoming = state.next_events(3)
    if upcoming:
        lines += ["", "Next"] + [
            f"  {format_iso8601(event.start_ns, precision=0)[:10]} {event.title}"
            for event in upcoming
        ]
    print("\n".join(lines))
    return 0
