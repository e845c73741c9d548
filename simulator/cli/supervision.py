"""``facsim supervision``: late reports by MPID, desk and supervisor, with pattern flags.

    facsim supervision --data-dir DIR --roster scenarios/rosters/sample-roster.toml
                       [--from ISO] [--to ISO] [--facility NAME] [--by desk|mpid|supervisor]
                       [--window N | --window-days D] [--min-reports N]
                       [--late-ratio R] [--edge-ratio R] [--near-fraction F] [--json] [--strict]

Reads production reports from the journal (never creates one), attributes each to its MPID's
desk and supervisor from the roster, and prints the late-report tables, the pattern-of-lateness
flags and the MPIDs that reported with no roster entry (seed 004). Ratios are written 0.1 or
10%. With ``--strict`` the exit status is 1 when anything is flagged or unmapped, for CI.
A bad roster, journal path, time or parameter ends with one line naming it and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from simulator.cli.journal import add_journal_location, add_period, journal_from_args, parse_period
from simulator.domain.trade import Environment
from simulator.errors import UserInputError
from simulator.supervision.patterns import PatternRule
from simulator.supervision.reports import GROUPINGS, build_report, render_text
from simulator.supervision.roster import load_roster

_DEFAULTS = PatternRule()
_OPTION_NAMES = {
    "window_reports": "--window",
    "window_days": "--window-days",
    "min_reports": "--min-reports",
    "max_late_ratio": "--late-ratio",
    "max_edge_ratio": "--edge-ratio",
    "near_fraction": "--near-fraction",
}


def _pct(value: float) -> str:
    """A ratio as a percentage for argparse help text (which %-formats, so ``%`` doubles)."""
    return f"{value:.0%}".replace("%", "%%")


def _ratio(text: str) -> float:
    """``0.1`` or ``10%`` as a fraction between 0 and 1 (argparse type)."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a ratio (e.g. 0.1 or 10%)") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (0% and 100%)")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _run(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    roster = load_roster(args.roster)
    min_reports = args.min_reports
    if min_reports is None:
        min_reports = min(_DEFAULTS.min_reports, args.window or _DEFAULTS.window_reports)
    try:
        rule = PatternRule(
            window_reports=args.window or _DEFAULTS.window_reports,
            window_days=args.window_days,
            min_reports=min_reports,
            max_late_ratio=args.late_ratio,
            near_fraction=args.near_fraction,
            max_edge_ratio=args.edge_ratio,
        )
    except UserInputError as exc:
        message = str(exc).removeprefix("pattern rule: ")
        for name, option in _OPTION_NAMES.items():
            message = message.replace(name, option)
        raise UserInputError(message, source="supervision options") from None
    with journal_from_args(args) as journal:
        reports = journal.query(
            facility=args.facility,
            environment=Environment.PRODUCTION,
            since_ns=since,
            until_ns=until,
        )
    report = build_report(
        reports, roster, rule, since_ns=since, until_ns=until, group_by=args.group_by
    )
    if args.json:
        data: dict[str, Any] = report.to_json()
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(report))
    if args.strict and not report.clean:
        return 1
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "supervision",
        help="late reports by MPID, desk and supervisor; pattern-of-lateness flags",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=_run)
    add_journal_location(parser)
    parser.add_argument(
        "--roster", required=True, metavar="FILE", help="MPID roster (.toml or .csv)"
    )
    add_period(parser)
    parser.add_argument("--facility", help="only this facility (e.g. nasdaq-trf-carteret)")
    parser.add_argument(
        "--by",
        dest="group_by",
        choices=GROUPINGS,
        default="desk",
        help="group the pattern check by desk (default), MPID or supervisor",
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--window",
        type=_positive,
        metavar="N",
        help=f"rolling window of N reports (default {_DEFAULTS.window_reports})",
    )
    window.add_argument(
        "--window-days", type=_positive, metavar="D", help="rolling window of D days instead"
    )
    parser.add_argument(
        "--min-reports",
        type=_positive,
        metavar="N",
        help=f"fewest reports in a window to judge it (default {_DEFAULTS.min_reports})",
    )
    parser.add_argument(
        "--late-ratio",
        type=_ratio,
        default=_DEFAULTS.max_late_ratio,
        metavar="R",
        help=f"flag a late ratio above R (default {_pct(_DEFAULTS.max_late_ratio)})",
    )
    parser.add_argument(
        "--edge-ratio",
        type=_ratio,
        default=_DEFAULTS.max_edge_ratio,
        metavar="R",
        help=f"flag late + near-deadline above R (default {_pct(_DEFAULTS.max_edge_ratio)})",
    )
    parser.add_argument(
        "--near-fraction",
        type=_ratio,
        default=_DEFAULTS.near_fraction,
        metavar="F",
        help=(
            "on time but in the last F of the allowed time counts as near the deadline "
            f"(default {_pct(_DEFAULTS.near_fraction)})"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when anything is flagged or unmapped"
    )
