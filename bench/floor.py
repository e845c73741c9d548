"""The least CPU a durably journaling FIX acceptor needs per report in CPython, against issue 3's
throughput budget measured in the same run.

::

    python bench/floor.py [--reports N] [--rounds R] [--json FILE]

Issue 3 asks one pipelining session to reach 20% of a minimal asyncio reference server's
throughput (``bench/reference_server.py``: frames each message and writes a fixed
acknowledgement). This script first measures that reference over loopback TCP exactly as
``bench/fix_throughput.py`` does, which gives the budget: ``1 / (0.2 x reference rate)`` seconds
per report for *everything*, transport included. Then it times, in this process and without any
socket, the four steps no durable acceptor can skip, each written as the shortest plain CPython
that does it:

1. **frame**: cut the byte stream at each message by BodyLength, check the CheckSum;
2. **decode**: split a message into (tag, value) pairs, tags as integers;
3. **acknowledge**: build an acknowledgement of 13 fields echoing the report, with header,
   BodyLength and CheckSum;
4. **journal**: per 100 reports, one transaction with one ``executemany`` of 9-column report
   rows (no index but the rowid) and one of the acknowledgements into a message table, committed
   in a WAL file with ``synchronous=NORMAL`` (the simulator's durability setting).

Left out, because a real facility cannot skip them but this floor can: sequence numbers and the
other session checks, data-dictionary validation, the dialect's mapping and validation, the
timeliness decision, the likely-duplicate probe, indexes, the contra party's allege, drop copies
and the asyncio transport itself. So the simulator cannot be faster than the floor, and the floor
is a lower bound of what any design written in CPython would cost. It prints each step's CPU time
per report (``time.process_time``, best of ``--rounds``) and the floor as a share of the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fix_throughput import (
    LATENCY_RATIO_TARGET,
    PIPELINED_SHARE_TARGET,
    command,
    drive,
    machine,
    start,
)
from fixwire import DEFAULT_START_NS, TARGETS, reports

SOH = b"\x01"
STEPS = ("frame", "decode", "acknowledge", "journal")
LONE = "journal, one commit per report"


def frame(buffer: bytes) -> list[bytes]:
    """Every complete message of ``buffer``, each checked against its CheckSum."""
    out = []
    pos = 0
    end_of_data = len(buffer)
    while pos < end_of_data:
        length_at = buffer.index(b"\x019=", pos) + 3
        body_at = buffer.index(SOH, length_at) + 1
        end = body_at + int(buffer[length_at : body_at - 1]) + 7
        message = buffer[pos:end]
        if sum(message[:-7]) % 256 != int(message[-4:-1]):
            raise ValueError("bad CheckSum")
        out.append(message)
        pos = end
    return out


def decode(message: bytes) -> list[tuple[int, str]]:
    return [
        (int(tag), value)
        for tag, _, value in (
            part.partition("=") for part in message.decode("latin-1")[:-1].split("\x01")
        )
    ]


def acknowledge(fields: list[tuple[int, str]], seq: int) -> bytes:
    report = dict(fields)
    body = "".join(
        f"{tag}={value}\x01"
        for tag, value in (
            (35, "AE"),
            (49, "FNRA"),
            (56, report[49]),
            (34, seq),
            (52, "20260105-15:00:00"),
            (571, report.get(571, "")),
            (1003, "2000000001"),
            (150, "F"),
            (1011, "CAEN"),
            (55, report.get(55, "")),
            (32, report.get(32, "")),
            (31, report.get(31, "")),
            (60, report.get(60, "")),
        )
    )
    raw = f"8=FIX.4.4\x019={len(body)}\x01{body}".encode("latin-1")
    return raw + b"10=%03d\x01" % (sum(raw) % 256)


def open_journal(directory: str) -> sqlite3.Connection:
    connection = sqlite3.connect(os.path.join(directory, "floor.sqlite3"), isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE reports (report_id INTEGER PRIMARY KEY, mpid TEXT, contra TEXT, "
        "security TEXT, quantity TEXT, price TEXT, executed TEXT, received INTEGER, "
        "client_ref TEXT, side TEXT)"
    )
    connection.execute("CREATE TABLE messages (seq INTEGER PRIMARY KEY, raw BLOB)")
    return connection


def journal(
    connection: sqlite3.Connection,
    decoded: list[list[tuple[int, str]]],
    acks: list[bytes],
    per_commit: int = 100,
    first_seq: int = 0,
) -> None:
    for first in range(0, len(decoded), per_commit):
        rows = []
        for fields in decoded[first : first + per_commit]:
            report = dict(fields)
            rows.append(
                (
                    report.get(448),
                    "BETA",
                    report.get(55),
                    report.get(32),
                    report.get(31),
                    report.get(60),
                    0,
                    report.get(571),
                    report.get(54),
                )
            )
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO reports (mpid, contra, security, quantity, price, executed, received, "
            "client_ref, side) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.executemany(
            "INSERT INTO messages (seq, raw) VALUES (?, ?)",
            [
                (first_seq + first + offset, raw)
                for offset, raw in enumerate(acks[first : first + per_commit])
            ],
        )
        connection.execute("COMMIT")


def measure_floor(count: int, rounds: int) -> dict[str, float]:
    """CPU microseconds per report of each step, best round by total."""
    stream = b"".join(reports(TARGETS["trace-ca"], count, start_ns=DEFAULT_START_NS))
    best: dict[str, float] | None = None
    clock: Callable[[], float] = time.process_time
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="facsim-floor-") as directory:
            connection = open_journal(directory)
            started = clock()
            messages = frame(stream)
            framed = clock()
            decoded = [decode(message) for message in messages]
            parsed = clock()
            acks = [acknowledge(fields, seq) for seq, fields in enumerate(decoded, 2)]
            answered = clock()
            journal(connection, decoded, acks)
            done = clock()
            alone = decoded[: count // 10]
            journal(connection, alone, acks[: len(alone)], per_commit=1, first_seq=count)
            lone = (clock() - done) / len(alone) * count  # scaled to ``count`` reports
            connection.close()
        spent = {
            "frame": framed - started,
            "decode": parsed - framed,
            "acknowledge": answered - parsed,
            "journal": done - answered,
            "journal, one commit per report": lone,
        }
        result = {step: seconds / count * 1e6 for step, seconds in spent.items()}
        result["total"] = sum(result[step] for step in STEPS)
        result["lone report"] = result["total"] - result["journal"] + result[LONE]
        if best is None or result["total"] < best["total"]:
            best = result
    assert best is not None
    return best


def measure_reference(count: int) -> tuple[float, float]:
    """The reference server's pipelined acknowledgements per second and its one-at-a-time p50
    latency in microseconds (as fix_throughput measures them)."""
    with tempfile.TemporaryDirectory(prefix="facsim-floor-") as directory:
        server = start("reference", command("reference", directory, None))
        try:
            port = server.ports.get("trace-ca", server.ports.get("default"))
            assert port is not None, "the reference server printed no port"
            piped, one = asyncio.run(
                drive(
                    port,
                    "trace-ca",
                    warmup=1000,
                    pipelined=count,
                    single=2000,
                    window=1000,
                    chunk=100,
                    mix="new",
                )
            )
        finally:
            server.stop()
    return piped.rate, one.percentile(50)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=20000, help="reports per round (20000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best is kept (3)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.reports < 100 or args.rounds < 1:
        parser.error("--reports must be at least 100 and --rounds at least 1")
    reference, reference_p50 = measure_reference(args.reports)
    budget_us = 1e6 / (PIPELINED_SHARE_TARGET * reference)
    floor = measure_floor(args.reports, args.rounds)
    share = reference and 1e6 / floor["total"] / reference
    print(f"reference, pipelined: {reference:,.0f} acks/s")
    print(
        f"budget at {PIPELINED_SHARE_TARGET:.0%} of it: {budget_us:.1f} us of CPU per report, "
        "everything included"
    )
    print(f"floor, CPU per report, best of {args.rounds} rounds of {args.reports}:")
    for step in STEPS:
        print(f"  {step:<12} {floor[step]:6.1f} us")
    used = floor["total"] / budget_us
    print(f"  {'total':<12} {floor['total']:6.1f} us = {used:.0%} of the budget")
    print(
        f"the floor alone, with no transport, at most {1e6 / floor['total']:,.0f} reports/s = "
        f"{share:.1%} of the reference"
    )
    allowed = (LATENCY_RATIO_TARGET - 1) * reference_p50
    print(
        f"one at a time: the reference answers in {reference_p50:.0f} us (p50); at "
        f"{LATENCY_RATIO_TARGET:.0f}x a lone report may cost {allowed:.0f} us more; the floor of a "
        f"lone report (its own commit) is {floor['lone report']:.1f} us"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "command": "python bench/floor.py "
                    f"--reports {args.reports} --rounds {args.rounds}",
                    "machine": machine(),
                    "reference_pipelined_per_second": round(reference, 1),
                    "budget_us": round(budget_us, 2),
                    "reference_one_at_a_time_p50_us": round(reference_p50, 1),
                    "lone_report_allowance_us": round(allowed, 1),
                    "floor_us": {step: round(value, 2) for step, value in floor.items()},
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
