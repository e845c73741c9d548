"""Memory per idle and per busy FIX session, and journal size per million reports (issue 6).

::

    python bench/session_memory.py [--sessions 200] [--busy-reports 200] [--journal-reports 20000]

The simulator runs in its own process (``bench/load_sessions.py --serve``: the ``facsim serve``
assembly with a configuration of ``--sessions`` firms, half on TRACE CA, half on the Nasdaq TRF
Carteret native port, durable file journal). The script reads the server's memory at three points:
listening with no connection; after every session has connected and logged on and sits idle;
after every session has also had ``--busy-reports`` reports acknowledged (and is still connected).
Per-session figures are the growth over the listening baseline divided by the session count.
It does this twice: once for the resident set size (RSS, what the machine pays) and once with
``PYTHONTRACEMALLOC=1`` for the Python heap tracemalloc sees (which excludes the interpreter's
own arenas and SQLite's page cache, and is not inflated by tracemalloc's bookkeeping as RSS
would be in that run).

Journal size per million reports comes from ``bench/journal_size.py`` (the same dialects and
journal, in process), for both facilities; the FIX message store is a separate file, measured
by ``bench/day_replay.py`` together with the journal as the data directory's size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import journal_size
from fix_throughput import Server, machine, start
from fixwire import BenchClient
from load_sessions import FACILITIES, facility_of, server_argv, session_messages


def read_memory(server: Server, timeout: float = 30.0) -> dict[str, Any]:
    """Ask the server for its memory (SIGUSR1) and parse its ``MEM key=value ...`` line; the
    ``TOP`` lines before it (traced runs only) come back under ``"top"``."""
    assert server.process.stdout is not None
    server.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    top: list[str] = []
    while time.monotonic() < deadline:
        line = server.process.stdout.readline()
        if not line:
            break
        if line.startswith("TOP "):
            top.append(line[4:].strip())
        elif line.startswith("MEM "):
            return {**parse_memory_line(line), "top": top}
    raise SystemExit("the server did not report its memory")


def parse_memory_line(line: str) -> dict[str, int]:
    """``MEM rss=1 traced=2 peak=3`` -> ``{"rss": 1, "traced": 2, "peak": 3}``."""
    if not line.startswith("MEM "):
        raise ValueError(f"not a memory line: {line!r}")
    out = {}
    for item in line.split()[1:]:
        key, _, value = item.partition("=")
        out[key] = int(value)
    return out


def per_session(before: int, after: int, sessions: int) -> float:
    """Growth per session in bytes (never negative: a shrinking heap is reported as 0)."""
    return max(0, after - before) / sessions


async def _phases(
    server: Server, ports: dict[str, int], sessions: int, busy: int, settle: float
) -> dict[str, dict[str, Any]]:
    plans = [session_messages(index, busy, "mixed") for index in range(sessions)]
    readings = {"listening": read_memory(server)}
    clients = []
    try:
        for index in range(sessions):
            clients.append(await BenchClient.connect("127.0.0.1", ports[facility_of(index)]))
        answers = await asyncio.gather(
            *(
                client.logon(plan[1], timeout=60)
                for client, plan in zip(clients, plans, strict=True)
            )
        )
        if any(b"\x0135=A\x01" not in answer for answer in answers):
            raise SystemExit("a logon was refused")
        await asyncio.sleep(settle)
        readings["idle"] = read_memory(server)
        results = await asyncio.gather(
            *(
                client.pipelined(plan[2], window=1000, chunk=100, timeout=120)
                for client, plan in zip(clients, plans, strict=True)
            )
        )
        rejected = sum(result.rejects for result in results)
        if rejected:
            raise SystemExit(f"{rejected} reports were rejected: {results[0].reject_samples[:1]}")
        await asyncio.sleep(settle)
        readings["busy"] = read_memory(server)
    finally:
        for client in clients:
            client.close()
    return readings


def measure(sessions: int, busy: int, tracemalloc: bool, settle: float) -> dict[str, Any]:
    env_before = os.environ.get("PYTHONTRACEMALLOC")
    with tempfile.TemporaryDirectory(prefix="facsim-memory-") as work:
        if tracemalloc:
            os.environ["PYTHONTRACEMALLOC"] = "1"
        try:
            server = start("simulator", server_argv("simulator", Path(work), sessions), 120)
        finally:
            if env_before is None:
                os.environ.pop("PYTHONTRACEMALLOC", None)
            else:
                os.environ["PYTHONTRACEMALLOC"] = env_before
        try:
            ports = {name: server.ports[name] for name in FACILITIES if name in server.ports}
            return asyncio.run(_phases(server, ports, sessions, busy, settle))
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200, help="firm sessions (200)")
    parser.add_argument("--busy-reports", type=int, default=200, help="reports per session")
    parser.add_argument("--journal-reports", type=int, default=20000, help="0: skip")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds before each reading")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if not 2 <= args.sessions <= 5000 or args.busy_reports < 1 or args.journal_reports < 0:
        parser.error("--sessions 2 to 5000, --busy-reports at least 1, --journal-reports >= 0")
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}")
    results: dict[str, Any] = {"machine": info, "settings": vars(args)}
    for label, key, traced in (("RSS", "rss", False), ("tracemalloc", "traced", True)):
        readings = measure(args.sessions, args.busy_reports, traced, args.settle)
        base = readings["listening"][key]
        idle = per_session(base, readings["idle"][key], args.sessions)
        busy = per_session(base, readings["busy"][key], args.sessions)
        results[label] = {"readings": readings, "idle_per_session": idle, "busy_per_session": busy}
        print(
            f"{label:<12} listening {base / 2**20:7.1f} MiB; {args.sessions} sessions idle "
            f"{readings['idle'][key] / 2**20:7.1f} MiB = {idle / 1024:6.1f} KiB/session; busy "
            f"({args.busy_reports} reports each) {readings['busy'][key] / 2**20:7.1f} MiB = "
            f"{busy / 1024:6.1f} KiB/session",
            flush=True,
        )
        for phase in ("idle", "busy"):
            for site in readings[phase]["top"]:
                size, count, where = site.split(" ", 2)
                print(
                    f"  grew {phase:<4} {int(size) / 2**20:7.2f} MiB {int(count):>8} blocks {where}"
                )
    if args.journal_reports:
        results["journal"] = {}
        for port in FACILITIES:
            with tempfile.TemporaryDirectory(prefix="facsim-journal-size-") as data_dir:
                count = args.journal_reports
                acknowledged, _ = journal_size.fill(Path(data_dir), port, count, 100)
                total, _parts = journal_size.sizes(Path(data_dir) / "journal.sqlite3")
            per_million = total / max(1, acknowledged) * 1e6
            results["journal"][port] = {"reports": acknowledged, "bytes_per_million": per_million}
            print(
                f"journal {port:<20} {acknowledged:,} reports: {total / acknowledged:,.0f} "
                f"bytes/report = {per_million / 2**30:.2f} GiB per million",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
