"""``facsim report``: one HTML page from a run's results, for people who install nothing.

Reads what ``pytest`` and ``facsim rehearse`` leave in ``reports/`` (Cucumber JSON, JUnit XML,
per-scenario traces, rehearsal results) and writes ``reports/index.html``: every scenario with
its steps, the simulated timeline, and the FIX messages and pages exchanged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.errors import UserInputError
from simulator.reporting.html import write_html
from simulator.reporting.model import build_report


def _handle(args: argparse.Namespace) -> int:
    reports = Path(args.reports)
    cucumber = Path(args.cucumber) if args.cucumber else reports / "cucumber.json"
    junit = Path(args.junit) if args.junit else reports / "junit.xml"
    traces = Path(args.traces) if args.traces else reports / "traces"
    rehearsals = [Path(p) for p in args.rehearsal] or sorted(reports.glob("rehearsal*.json"))
    for explicit, path in ((args.cucumber, cucumber), (args.junit, junit), (args.traces, traces)):
        if explicit and not path.exists():
            raise UserInputError(f"{path} does not exist")
    report = build_report(cucumber, junit, traces, rehearsals)
    if not report.scenarios and not report.rehearsals:
        raise UserInputError(
            f"no results found in {reports} (run pytest with --cucumberjson/--junitxml, "
            "or facsim rehearse, first)"
        )
    output = write_html(report, Path(args.output), title=args.title)
    counts = report.counts()
    print(
        f"wrote {output}: {len(report.scenarios)} scenarios, {len(report.rehearsals)} "
        f"rehearsals; {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write reports/index.html from the run's results",
        description="Write a self-contained HTML report (no install needed to read it) from "
        "Cucumber JSON, JUnit XML, facsim traces and rehearsal results.",
    )
    parser.add_argument("--reports", default="reports", help="directory of results (reports)")
    parser.add_argument("--cucumber", help="Cucumber JSON (default REPORTS/cucumber.json)")
    parser.add_argument("--junit", help="JUnit XML (default REPORTS/junit.xml)")
    parser.add_argument("--traces", help="trace directory (default REPORTS/traces)")
    parser.add_argument(
        "--rehearsal",
        action="append",
        default=[],
        help="a facsim rehearse result (repeatable; default REPORTS/rehearsal*.json)",
    )
    parser.add_argument("-o", "--output", default="reports/index.html", help="HTML file to write")
    parser.add_argument("--title", default="facsim rehearsal report", help="page title")
    parser.set_defaults(func=_handle)
