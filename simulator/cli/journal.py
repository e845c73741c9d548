"""``facsim journal``: read the trade journal as tables or JSON, and measure its speed.

    facsim journal reports    --data-dir DIR [--mpid ABCD] [--late] [--from ISO] [--json] ...
    facsim journal rejects    --data-dir DIR [--mpid ABCD] ...
    facsim journal deliveries --data-dir DIR [--recipient FIRM] [--report-id N] ...
    facsim journal duplicates --data-dir DIR     (likely duplicates across routes, seed 001)
    facsim journal events     --data-dir DIR [--report-id N]
    facsim journal faults     --data-dir DIR [--kind counterparty-error] [--scope session:...]
    facsim journal stats      --data-dir DIR
    facsim journal lifecycle  (the transition table, as in docs/journal.md)
    facsim journal bench      [--reports N] [--batch-size N] [--dir DIR]

Reading never creates a journal: a wrong path is an error naming it (exit 2). ``--journal FILE``
may replace ``--data-dir DIR``. Times are ISO 8601 (a naive time is New York time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.clock import SECOND, OffsetClock
from simulator.domain.decision import Decision, Status
from simulator.domain.lifecycle import REFUSALS, TRANSITIONS, lifecycle_markdown
from simulator.domain.trade import Environment, ReportState, Route, Side, TradeReport
from simulator.errors import UserInputError
from simulator.faults.spec import INCIDENT_KINDS, FaultKind
from simulator.journal import MEMORY, SqliteJournal, StoredReport, open_journal
from simulator.timestamps import TimestampError, format_iso8601, local_ns, parse_iso8601


def add_journal_location(parser: argparse.ArgumentParser) -> None:
    """``--data-dir DIR`` or ``--journal FILE`` (exactly one)."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--data-dir", metavar="DIR", help="the simulator's data directory (DIR/journal.sqlite3)"
    )
    where.add_argument("--journal", metavar="FILE", help="a journal file")


def journal_from_args(args: argparse.Namespace) -> SqliteJournal:
    """Open the journal named on the command line for reading (never creates one)."""
    location = args.journal if args.journal is not None else args.data_dir
    option = "--journal" if args.journal is not None else "--data-dir"
    if not str(location).strip():
        raise UserInputError("is empty", source=option)
    return open_journal(location, create=False)


def parse_instant(text: str | None, option: str) -> int | None:
    """An ISO 8601 option as ns, or a :class:`UserInputError` naming the option."""
    if text is None:
        return None
    try:
        return parse_iso8601(text)
    except TimestampError as exc:
        raise UserInputError(str(exc), source=option) from None


def parse_period(args: argparse.Namespace) -> tuple[int | None, int | None]:
    since = parse_instant(args.since, "--from")
    until = parse_instant(args.until, "--to")
    if since is not None and until is not None and until <= since:
        raise UserInputError(f"{args.until!r} is not after --from {args.since!r}", source="--to")
    return since, until


def add_period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="since", metavar="ISO", help="received at or after this instant"
    )
    parser.add_argument("--to", dest="until", metavar="ISO", help="received before this instant")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    for row in [list(headers), ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _report_row(stored: StoredReport) -> list[str]:
    report = stored.report
    return [
        str(stored.report_id),
        stored.control_number,
        stored.control_date.isoformat(),
        stored.facility,
        stored.environment.value,
        stored.mpid,
        report.side.value,
        report.security,
        str(report.quantity),
        str(report.price),
        format_iso8601(report.executed_ns),
        format_iso8601(stored.received_ns),
        stored.decision.status.value,
        stored.modifier or "-",
        stored.state.value,
        stored.route.value,
        "-" if stored.duplicate_of is None else str(stored.duplicate_of),
    ]


_REPORT_HEADERS = [
    "Id", "Control no", "Ctl date", "Facility", "Env", "MPID", "Side", "Security", "Quantity",
    "Price", "Executed", "Received", "Status", "Mod", "State", "Route", "Dup of",
]  # fmt: skip


def _reports(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    with journal_from_args(args) as journal:
        found = journal.query(
            facility=args.facility,
            mpid=args.mpid,
            environment=None if args.environment is None else Environment(args.environment),
            state=None if args.state is None else ReportState(args.state),
            late=args.late,
            since_ns=since,
            until_ns=until,
            route=None if args.route is None else Route(args.route),
            client_ref=args.client_ref,
            duplicates_only=args.duplicates,
            limit=args.limit,
        )
    if args.json:
        _print_json([stored.to_json() for stored in found])
    else:
        print_table(_REPORT_HEADERS, [_report_row(s) for s in found])
        print(f"{len(found)} report(s)")
    return 0


def _rejects(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    with journal_from_args(args) as journal:
        found = journal.rejects(
            facility=args.facility,
            mpid=args.mpid,
            environment=None if args.environment is None else Environment(args.environment),
            since_ns=since,
            until_ns=until,
        )
    if args.json:
        _print_json([record.to_json() for record in found])
        return 0
    rows = [
        [
            str(r.reject_id),
            format_iso8601(r.ns),
            r.facility,
            r.environment.value,
            r.mpid,
            r.action.value,
            r.code,
            r.text,
            r.client_ref or "-",
            r.control_number or "-",
            r.detail or "-",
        ]
        for r in found
    ]
    print_table(
        ["Id", "At", "Facility", "Env", "MPID", "Action", "Code", "Text", "Client ref",
         "Control no", "Detail"],
        rows,
    )  # fmt: skip
    print(f"{len(found)} reject(s)")
    return 0


def _deliveries(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    with journal_from_args(args) as journal:
        found = journal.deliveries(
            report_id=args.report_id,
            recipient=args.recipient,
            session_id=args.session,
            environment=None if args.environment is None else Environment(args.environment),
            since_ns=since,
            until_ns=until,
        )
    if args.json:
        _print_json([d.to_json() for d in found])
        return 0
    rows = [
        [
            str(d.delivery_id),
            format_iso8601(d.ns),
            d.environment.value,
            d.recipient,
            d.session_id or "-",
            d.msg_type,
            d.control_number or "-",
            "-" if d.reject_id is None else str(d.reject_id),
            "yes" if d.copy else "no",
            {None: "-", True: "yes", False: "NO"}[d.registered],
            d.detail or "-",
        ]
        for d in found
    ]
    print_table(
        ["Id", "At", "Env", "Recipient", "Session", "Type", "Control no", "Reject",
         "Drop copy", "Registered", "Detail"],
        rows,
    )  # fmt: skip
    print(f"{len(found)} deliver(ies)")
    return 0


def _duplicates(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    with journal_from_args(args) as journal:
        groups = journal.likely_duplicates(
            facility=args.facility, mpid=args.mpid, since_ns=since, until_ns=until
        )
    if args.json:
        _print_json([group.to_json() for group in groups])
        return 0
    for group in groups:
        print(
            f"MPID {group.mpid} {group.side} {group.quantity} {group.security} @ {group.price} "
            f"executed {format_iso8601(group.executed_ns)}:"
        )
        for stored in group.reports:
            print(
                f"  control {stored.control_number} ({stored.control_date}) via "
                f"{stored.route.value}, {stored.state.value}, received "
                f"{format_iso8601(stored.received_ns)}"
            )
    print(f"{len(groups)} group(s) of likely duplicates")
    return 0


def _events(args: argparse.Namespace) -> int:
    with journal_from_args(args) as journal:
        found = journal.events(args.report_id)
    if args.json:
        _print_json([event.to_json() for event in found])
        return 0
    rows = [
        [
            str(e.event_id),
            str(e.report_id),
            format_iso8601(e.ns),
            e.action.value,
            f"{e.from_state.value} -> {e.to_state.value}",
            e.actor,
            e.control_number or "-",
            e.reason or "-",
        ]
        for e in found
    ]
    print_table(["Id", "Report", "At", "Action", "Transition", "Actor", "Issued", "Reason"], rows)
    return 0


def _stats(args: argparse.Namespace) -> int:
    with journal_from_args(args) as journal:
        stats = journal.stats()
        path = journal.path
    data = {"path": str(path), **stats.to_json()}
    if args.json:
        _print_json(data)
    else:
        for key, value in data.items():
            print(f"{key:15} {value}")
    return 0


def _lifecycle(args: argparse.Namespace) -> int:
    if args.json:
        _print_json(
            {
                "transitions": [
                    {"state": state.value, "action": action.value, "to": target.value}
                    for (state, action), target in TRANSITIONS.items()
                ],
                "refusals": [
                    {"state": state.value, "action": action.value, "code": reason.code,
                     "text": reason.text, "detail": detail}
                    for (state, action), (reason, detail) in REFUSALS.items()
                ],
            }
        )  # fmt: skip
    else:
        sys.stdout.write(lifecycle_markdown())
    return 0


# -- bench ------------------------------------------------------------------------------------


def _bench_items(count: int) -> list[tuple[TradeReport, Decision]]:
    """Synthetic equity reports, on time, 5 ms after execution, distinct client refs."""
    day = dt.date(2021, 11, 15)
    start = local_ns(day, 9, 30)
    items = []
    for i in range(count):
        executed = start + i * 1_000_000
        report = TradeReport(
            facility="nasdaq-trf-carteret",
            reporting_mpid=("ACME", "ACMX", "BRVO", "HPSX")[i % 4],
            side=Side.BUY if i % 2 else Side.SELL,
            security=("AAPL", "MSFT", "IBM", "GE", "F")[i % 5],
            quantity=Decimal(100 * (1 + i % 9)),
            price=Decimal("101.2500"),
            executed_ns=executed,
            trade_date=day,
            client_ref=f"B{i:09d}",
            session_id="BENCH-1",
        )
        received = executed + 5_000_000
        decision = Decision(
            facility=report.facility,
            executed_ns=executed,
            received_ns=received,
            status=Status.ON_TIME,
            modifier=None,
            facility_code="0",
            as_of=False,
            deadline_ns=executed + 10 * SECOND,
            rule="FINRA Rule 6380A(a)(1)",
            explanation="Reported within 10 seconds of execution while the facility was open.",
        )
        items.append((report, decision))
    return items


def _bench_run(
    journal: SqliteJournal, items: list[tuple[TradeReport, Decision]], batch_size: int
) -> float:
    stopwatch = OffsetClock(0)  # monotonic elapsed ns since now
    if batch_size <= 1:
        for report, decision in items:
            journal.submit(report, decision)
    else:
        for start in range(0, len(items), batch_size):
            with journal.batch():
                for report, decision in items[start : start + batch_size]:
                    journal.submit(report, decision)
    return stopwatch.now_ns() / SECOND


def _bench_all(
    args: argparse.Namespace, items: list[tuple[TradeReport, Decision]], base: Path
) -> list[dict[str, Any]]:
    results = []
    runs: list[tuple[str, str, int]] = [
        ("memory", "commit per call", 1),
        ("memory", f"batch of {args.batch_size}", args.batch_size),
        ("file", "commit per call", 1),
        ("file", f"batch of {args.batch_size}", args.batch_size),
    ]
    for index, (where, mode, size) in enumerate(runs):
        location = MEMORY if where == "memory" else base / f"run{index}"
        if where == "file" and Path(location).exists():
            raise UserInputError(f"{location} exists; give an empty --dir", source="--dir")
        with open_journal(location) as journal:
            seconds = _bench_run(journal, items, size)
            if where == "file":
                journal.checkpoint()
            stats = journal.stats()
        results.append(
            {
                "storage": where,
                "mode": mode,
                "reports": args.reports,
                "seconds": round(seconds, 3),
                "reports_per_second": round(args.reports / max(seconds, 1e-9)),
                "bytes_per_report": round((stats.database_bytes + stats.wal_bytes) / args.reports),
            }
        )
    return results


def _bench(args: argparse.Namespace) -> int:
    if args.reports < 1:
        raise UserInputError("must be at least 1", source="--reports")
    if args.batch_size < 2:
        raise UserInputError(
            "must be at least 2 (commit per call is always measured)", source="--batch-size"
        )
    items = _bench_items(args.reports)
    if args.dir:
        results = _bench_all(args, items, Path(args.dir))
    else:
        with tempfile.TemporaryDirectory(prefix="facsim-journal-bench-") as scratch:
            results = _bench_all(args, items, Path(scratch))
    if args.json:
        _print_json(results)
        return 0
    print_table(
        ["Storage", "Mode", "Reports", "Seconds", "Reports/s", "Bytes/report"],
        [
            [
                r["storage"],
                r["mode"],
                str(r["reports"]),
                f"{r['seconds']:.3f}",
                f"{r['reports_per_second']:,}",
                str(r["bytes_per_report"]),
            ]
            for r in results
        ],
    )
    return 0


def _faults(args: argparse.Namespace) -> int:
    since, until = parse_period(args)
    with journal_from_args(args) as journal:
        found = journal.faults(scope=args.scope, kind=args.kind, since_ns=since, until_ns=until)
    if args.json:
        _print_json([record.to_json() for record in found])
        return 0
    rows = [[str(f.fault_id), format_iso8601(f.ns), f.kind, f.scope, f.detail] for f in found]
    print_table(["Id", "At", "Kind", "Scope", "Detail"], rows)
    print(f"{len(found)} record(s)")
    return 0


# -- registration ---------------------------------------------------------------------------


def _sub(
    subparsers: Any, name: str, help_text: str, func: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=help_text
    )
    parser.set_defaults(func=func, command=f"journal {name}")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def register(subparsers: Any) -> None:
    journal = subparsers.add_parser(
        "journal",
        help="query the trade journal (reports, rejects, deliveries, duplicates) or benchmark it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    journal.set_defaults(func=lambda _args: journal.print_help() or 2)
    sub = journal.add_subparsers(dest="journal_command", metavar="WHAT")

    reports = _sub(sub, "reports", "accepted reports with their control numbers", _reports)
    add_journal_location(reports)
    reports.add_argument("--facility", help="facility name, e.g. trace-ca")
    reports.add_argument("--mpid", help="reporting MPID")
    reports.add_argument("--environment", choices=[e.value for e in Environment])
    reports.add_argument("--state", choices=[s.value for s in ReportState])
    reports.add_argument("--route", choices=[r.value for r in Route])
    reports.add_argument("--client-ref", help="the firm's own reference (TRACE 571)")
    lateness = reports.add_mutually_exclusive_group()
    lateness.add_argument("--late", dest="late", action="store_true", default=None)
    lateness.add_argument("--on-time", dest="late", action="store_false")
    reports.add_argument("--duplicates", action="store_true", help="only flagged duplicates")
    reports.add_argument("--limit", type=int, metavar="N")
    add_period(reports)

    rejects = _sub(sub, "rejects", "refused submissions with their reason codes", _rejects)
    add_journal_location(rejects)
    rejects.add_argument("--facility")
    rejects.add_argument("--mpid")
    rejects.add_argument("--environment", choices=[e.value for e in Environment])
    add_period(rejects)

    deliveries = _sub(sub, "deliveries", "who received which acknowledgement", _deliveries)
    add_journal_location(deliveries)
    deliveries.add_argument("--report-id", type=int, metavar="N")
    deliveries.add_argument("--recipient", help="firm or CompID")
    deliveries.add_argument("--session", help="session id")
    deliveries.add_argument("--environment", choices=[e.value for e in Environment])
    add_period(deliveries)

    duplicates = _sub(
        sub, "duplicates", "likely duplicates: same trade reported by two routes", _duplicates
    )
    add_journal_location(duplicates)
    duplicates.add_argument("--facility")
    duplicates.add_argument("--mpid")
    add_period(duplicates)

    faults = _sub(
        sub,
        "faults",
        "injected faults, and what the firms' engines did wrong on the FIX connections",
        _faults,
    )
    add_journal_location(faults)
    faults.add_argument(
        "--kind",
        choices=[*(k.value for k in FaultKind), *INCIDENT_KINDS],
        help="e.g. withhold, counterparty-error, session-reject",
    )
    faults.add_argument("--scope", help="e.g. session:trace-ca:ACMEFIX")
    add_period(faults)

    events = _sub(sub, "events", "lifecycle transitions", _events)
    add_journal_location(events)
    events.add_argument("--report-id", type=int, metavar="N")

    stats = _sub(sub, "stats", "row counts and size on disk", _stats)
    add_journal_location(stats)

    _sub(sub, "lifecycle", "the lifecycle table (Markdown, as in docs/journal.md)", _lifecycle)

    bench = _sub(sub, "bench", "measure submit() throughput in memory and on a file", _bench)
    bench.add_argument("--reports", type=int, default=20_000, metavar="N")
    bench.add_argument("--batch-size", type=int, default=100, metavar="N")
    bench.add_argument(
        "--dir", metavar="DIR", help="where the file runs write (default: a temp dir)"
    )
