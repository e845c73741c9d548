"""Journal bytes per accepted report, projected to a million reports (issue 6 item 3).

::

    python bench/journal_size.py [--reports N] [--port trace-ca] [--batch 100]

Reports go through the facility dialect exactly as over FIX (validation, timeliness decision with
its explanation, the report row, its accept event, the acknowledgement's and the allege's
delivery rows), ``--batch`` per journal transaction, into a fresh file journal. The write-ahead
log is then folded in (``checkpoint``) and the database file measured, in total and per table
and index (SQLite's ``dbstat``). The FIX message store (the sent messages a ResendRequest is
answered from) is a separate file and is not counted here.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from fixwire import DEFAULT_START_NS, TARGETS, reports

from simulator.domain.facility import FacilityId, PortType
from simulator.facilities.timeliness import assess
from simulator.fix.application import SessionInfo
from simulator.fix.codec import decode
from simulator.fix.dialects import create_dialect
from simulator.fix.dialects.reporting import ReportingService
from simulator.journal import open_journal
from simulator.timeline import Timeline

PORTS = {
    "trace-ca": (FacilityId.TRACE_CA, PortType.FIX44),
    "nasdaq-trf-carteret": (FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42),
}


def fill(data_dir: Path, port: str, count: int, batch: int) -> tuple[int, float]:
    """Journal ``count`` reports; returns (acknowledged, seconds)."""
    facility, port_type = PORTS[port]
    target = TARGETS[port]
    journal = open_journal(data_dir, seed=1)
    try:
        service = ReportingService(journal, assess, timeline=Timeline.default())
        dialect = create_dialect(facility, port_type, service)
        session = SessionInfo(
            session_id=f"{port}:{target.sender}",
            facility=facility,
            begin_string=target.begin_string,
            facility_comp_id=target.target,
            firm_comp_id=target.sender,
            firm="ACME",
            port_type=port_type,
            facility_sub_id=target.target_sub,
            mpids=("ACME", "ACMX"),
        )
        acknowledged = 0
        started = time.perf_counter()
        for first in range(0, count, batch):
            raw = reports(target, min(batch, count - first), first_seq=2 + first)
            messages = [decode(data) for data in raw]
            for number, message in enumerate(messages, first):  # distinct client references
                message.set(571, f"J{number}")
            now = DEFAULT_START_NS + first * 1000
            for answer in dialect.on_messages(session, messages, now):
                acknowledged += answer[0].message.msg_type == "AE"
        seconds = time.perf_counter() - started
        journal.checkpoint()
        return acknowledged, seconds
    finally:
        journal.close()


def sizes(path: Path) -> tuple[int, list[tuple[str, int]]]:
    with sqlite3.connect(path) as connection:
        total = path.stat().st_size
        try:
            rows = connection.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # a SQLite built without dbstat
            rows = []
    connection.close()
    return total, [(str(name), int(size)) for name, size in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="journal bytes per report and per million")
    parser.add_argument("--reports", type=int, default=20000, help="reports to journal (20000)")
    parser.add_argument("--batch", type=int, default=100, help="reports per transaction (100)")
    parser.add_argument("--port", default="trace-ca", choices=sorted(PORTS))
    args = parser.parse_args(argv)
    if args.reports < 1 or args.batch < 1:
        parser.error("--reports and --batch must be at least 1")
    with tempfile.TemporaryDirectory(prefix="facsim-journal-size-") as data_dir:
        acknowledged, seconds = fill(Path(data_dir), args.port, args.reports, args.batch)
        if acknowledged != args.reports:
            print(f"only {acknowledged} of {args.reports} reports were accepted", file=sys.stderr)
            return 1
        total, parts = sizes(Path(data_dir) / "journal.sqlite3")
    per_report = total / args.reports
    rate = args.reports / seconds
    print(
        f"{args.reports} {args.port} reports journaled in {seconds:.1f} s ({rate:,.0f}/s in "
        f"process, building and decoding the messages included; {args.batch} per transaction)"
    )
    print(
        f"journal file: {total:,} bytes = {per_report:,.0f} bytes per report "
        f"= {per_report * 1e6 / 2**30:,.2f} GiB per million reports"
    )
    for name, size in parts:
        if size / args.reports >= 1:
            print(f"  {name:<24} {size / args.reports:8,.0f} bytes per report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
