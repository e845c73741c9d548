"""A slice of a trading day at 2021 volume, replayed over FIX, projected to the whole day.

::

    python bench/day_replay.py [--reports 200000] [--sessions 10] [--json FILE]

Issue 6 item 3: about 20 million off-exchange reports are made on a 2021 trading day; replaying
a day must take under 30 minutes on this 2-core machine, which is at least
20,000,000 / 1,800 s = 11,111 acknowledged reports per second sustained. The script streams
``--reports`` reports (the ``mixed`` day of ``bench/fixwire.py``: 90% new, 5% cancels, 5%
corrections) pipelined over ``--sessions`` firm sessions split between TRACE CA and the
FINRA/Nasdaq TRF Carteret native port, into the simulator with its durable file journal, from a
separate load-generator process (``bench/load_sessions.py`` does the work), and the same slice
into the minimal reference server. It prints the measured rate, the projected day, whether the
target is met, and the bytes the simulator's data directory holds per million reports.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from fix_throughput import machine
from load_sessions import run_once

#: Off-exchange trade reports on a 2021 trading day (issue 6), and the replay budget.
DAY_REPORTS = 20_000_000
DAY_BUDGET_SECONDS = 30 * 60
TARGET_RATE = DAY_REPORTS / DAY_BUDGET_SECONDS


def projection(rate: float, day_reports: int = DAY_REPORTS) -> tuple[float, bool]:
    """(seconds to replay ``day_reports`` at ``rate`` per second, within the 30-minute budget?)"""
    if rate <= 0:
        return float("inf"), False
    seconds = day_reports / rate
    return seconds, seconds <= DAY_BUDGET_SECONDS


def hms(seconds: float) -> str:
    if seconds == float("inf"):
        return "never"
    whole = round(seconds)
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m{whole % 60:02d}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200_000, help="slice size (200000)")
    parser.add_argument("--sessions", type=int, default=10, help="firm sessions (10)")
    parser.add_argument("--window", type=int, default=1000, help="most unacked per session")
    parser.add_argument("--servers", default="reference,simulator")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.reports < 1 or not 1 <= args.sessions <= 5000 or args.window < 1:
        parser.error("--reports and --window must be at least 1, --sessions 1 to 5000")
    servers = [name for name in args.servers.split(",") if name]
    if not servers or any(name not in ("reference", "simulator") for name in servers):
        parser.error("--servers: a comma-separated choice of reference, simulator")
    options = {
        "warmup": 20,
        "pipelined": args.reports,
        "single": 0,
        "window": args.window,
        "chunk": 100,
        "mix": "mixed",
    }
    info = machine()
    info["load_average_at_start"] = round(os.getloadavg()[0], 2)
    print(
        f"machine: {info['cpu']}, {info['cores']} cores (shared), Python {info['python']}; "
        f"load average {info['load_average_at_start']} at start"
    )
    print(
        f"slice: {args.reports:,} mixed reports pipelined over {args.sessions} sessions "
        f"(TRACE CA and Nasdaq TRF Carteret); day = {DAY_REPORTS:,} reports, "
        f"budget {DAY_BUDGET_SECONDS // 60} min = {TARGET_RATE:,.0f}/s"
    )
    results: dict[str, Any] = {"machine": info, "settings": vars(args), "servers": {}}
    rejected = 0
    for name in servers:
        out = run_once(name, args.sessions, options)
        summary = out["pipelined"].summary()
        seconds, within = projection(summary["per_second"])
        entry: dict[str, Any] = {
            **summary,
            "kinds": out["kinds"],
            "projected_day_seconds": round(seconds, 1),
            "within_budget": within,
        }
        line = (
            f"{name:<10} {summary['acks']:>9,} acks in {summary['seconds']:7.1f} s = "
            f"{summary['per_second']:>9,.0f}/s; p50 {summary['p50_us'] / 1000:,.0f} ms, "
            f"p99 {summary['p99_us'] / 1000:,.0f} ms; projected day {hms(seconds)}"
        )
        if summary["rejects"]:
            rejected += summary["rejects"]
            line += f"; {summary['rejects']} REJECTED"
        data = out.get("data_bytes", {})
        if data and summary["acks"]:
            total = sum(data.values())
            entry["data_bytes"] = data
            entry["data_bytes_per_million"] = round(total / summary["acks"] * 1e6)
            line += f"; data dir {total / summary['acks'] * 1e6 / 2**30:,.2f} GiB per million"
        print(line, flush=True)
        results["servers"][name] = entry
        if name == "simulator":
            verdict = "MET" if within else "NOT MET"
            print(
                f"day replay under {DAY_BUDGET_SECONDS // 60} min (>= {TARGET_RATE:,.0f}/s): "
                f"{verdict} -- the simulator would take {hms(seconds)} for {DAY_REPORTS:,}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
