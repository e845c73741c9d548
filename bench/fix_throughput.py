"""Acknowledged trade reports per second and acknowledgement latency, simulator vs reference.

Issue 3 ("Speed"): with durable journaling on, one session pipelining reports must reach at least
20% of the throughput of a minimal asyncio reference server measured in the same run, and
one-at-a-time p50 latency must be at most 3x the reference's.

::

    python bench/fix_throughput.py [--reports N] [--single M] [--port trace-ca] [--mix new]
                                   [--json FILE] [--profile FILE]

Both servers run in their own process on loopback, started by this script:
``bench/reference_server.py`` (frames, checks the checksum, writes a fixed ack) and
``bench/sim_server.py`` (the default ``facsim serve`` configuration, a file journal and FIX
message store in a temporary directory, ``synchronous=NORMAL`` WAL: durable against a crash of the
process). The client (``bench/fixwire.py``) logs on, warms up, then sends ``--reports`` reports
pipelined (at most ``--window`` unacknowledged) and ``--single`` one at a time, on the same
session. Every simulator answer must be an acknowledgement; a reject fails the run.

The defaults finish in well under a minute on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixwire import DEFAULT_START_NS, TARGETS, BenchClient, RunResult, logon, reports

HERE = Path(__file__).resolve().parent
PIPELINED_SHARE_TARGET = 0.20  # simulator pipelined rate / reference pipelined rate, at least
LATENCY_RATIO_TARGET = 3.0  # simulator one-at-a-time p50 / reference p50, at most


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    ports: dict[str, int]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, argv: list[str], timeout: float = 30.0) -> Server:
    """Start a server script and wait for its ``READY`` line (the ports it bound)."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    process = subprocess.Popen(
        [sys.executable, *argv], stdout=subprocess.PIPE, text=True, env=env, cwd=HERE.parent
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY") or not line:
            break
    if not line.startswith("READY"):
        process.kill()
        raise SystemExit(f"{name} did not start (exit {process.wait()}): {line.strip()!r}")
    ports: dict[str, int] = {}
    for item in line.split()[1:]:
        key, _, value = item.partition("=")
        ports[key if value else "default"] = int(value or key)
    return Server(name, process, ports)


async def drive(
    port: int,
    target_name: str,
    *,
    warmup: int,
    pipelined: int,
    single: int,
    window: int,
    chunk: int,
    mix: str,
) -> tuple[RunResult, RunResult]:
    """Log on, warm up, then the pipelined run and the one-at-a-time run on one session."""
    target = TARGETS[target_name]
    total = warmup + pipelined + single
    messages = reports(target, total, start_ns=DEFAULT_START_NS, mix=mix)
    client = await BenchClient.connect("127.0.0.1", port)
    try:
        answer = await client.logon(logon(target, DEFAULT_START_NS))
        if b"\x0135=A\x01" not in answer and b"\x0135=AE\x01" not in answer:
            raise SystemExit(f"logon refused: {answer!r}")
        await client.pipelined(messages[:warmup], window=window, chunk=chunk)
        piped = await client.pipelined(
            messages[warmup : warmup + pipelined], window=window, chunk=chunk
        )
        one = await client.one_at_a_time(messages[warmup + pipelined :])
    finally:
        client.close()
    return piped, one


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def row(server: str, result: RunResult) -> str:
    return (
        f"{server:<18} {result.mode:<14} {result.acks:>8} {result.rate:>10,.0f} "
        f"{result.percentile(50):>9,.0f} {result.percentile(99):>9,.0f} "
        f"{result.percentile(99.9):>9,.0f}"
    )


def summary(result: RunResult) -> dict[str, Any]:
    return {
        "mode": result.mode,
        "reports": result.reports,
        "acks": result.acks,
        "rejects": result.rejects,
        "seconds": round(result.seconds, 4),
        "per_second": round(result.rate, 1),
        "p50_us": round(result.percentile(50), 1),
        "p99_us": round(result.percentile(99), 1),
        "p99_9_us": round(result.percentile(99.9), 1),
    }


SERVERS = ("reference", "simulator")
DIAGNOSTICS = ("reference-batched", "session-only", "simulator-memory")


def command(name: str, data_dir: str, profile: str | None) -> list[str]:
    """How to start server ``name`` (one of :data:`SERVERS` or :data:`DIAGNOSTICS`)."""
    if name == "reference":
        return [str(HERE / "reference_server.py")]
    if name == "reference-batched":
        return [str(HERE / "reference_server.py"), "--batch-writes"]
    sim = [str(HERE / "sim_server.py"), "--data-dir", str(Path(data_dir) / name)]
    if name == "session-only":
        return [*sim, "--app", "session-only"]
    if name == "simulator-memory":
        return [*sim, "--journal", "memory"]
    return sim + (["--profile", profile] if profile else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="FIX trade-report throughput and latency: simulator vs reference server"
    )
    parser.add_argument("--reports", type=int, default=20000, help="pipelined reports (20000)")
    parser.add_argument("--single", type=int, default=2000, help="one-at-a-time reports (2000)")
    parser.add_argument("--warmup", type=int, default=1000, help="unmeasured reports first")
    parser.add_argument("--window", type=int, default=1000, help="most unacknowledged (1000)")
    parser.add_argument("--chunk", type=int, default=100, help="reports per write (100)")
    parser.add_argument("--port", default="trace-ca", choices=sorted(TARGETS))
    parser.add_argument(
        "--mix",
        choices=("new", "mixed"),
        default="new",
        help="new reports only, or 5%% cancels and 5%% corrections",
    )
    parser.add_argument(
        "--also",
        default="",
        metavar="NAMES",
        help="comma-separated diagnostic servers to measure too: "
        "reference-batched (acks of a read in one write), session-only (the simulator's FIX "
        "session layer with a fixed-ack application: no dialect, no journal), simulator-memory "
        "(the simulator with an in-memory journal: not durable)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every server this many times, alternating, and keep each one's best run "
        "(other processes on the machine only ever slow a run down)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the simulator process")
    args = parser.parse_args(argv)
    if min(args.reports, args.single, args.repeat) < 1 or args.warmup < 0:
        parser.error("--reports, --single and --repeat must be at least 1, --warmup at least 0")
    extra = [name for name in args.also.split(",") if name]
    unknown = [name for name in extra if name not in DIAGNOSTICS]
    if unknown:
        parser.error(f"--also: unknown {', '.join(unknown)}; choose from {', '.join(DIAGNOSTICS)}")

    names = [*SERVERS, *extra]
    results: dict[str, tuple[RunResult, RunResult]] = {}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for round_ in range(args.repeat):
        for name in names:
            with tempfile.TemporaryDirectory(prefix="facsim-bench-") as data_dir:
                server = start(name, command(name, data_dir, args.profile))
                try:
                    port = server.ports.get(args.port, server.ports.get("default"))
                    if port is None:
                        raise SystemExit(f"{name} does not serve {args.port}")
                    piped, one = asyncio.run(
                        drive(
                            port,
                            args.port,
                            warmup=args.warmup,
                            pipelined=args.reports,
                            single=args.single,
                            window=args.window,
                            chunk=args.chunk,
                            mix=args.mix,
                        )
                    )
                finally:
                    server.stop()
            if round_ == 0:
                results[name] = (piped, one)
            else:
                best_piped, best_one = results[name]
                results[name] = (
                    piped if piped.rate > best_piped.rate else best_piped,
                    one if one.percentile(50) < best_one.percentile(50) else best_one,
                )

    info = machine()
    info["load_average_at_start"] = round(load, 2)
    machine_line = (
        f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"SQLite {info['sqlite']}, {info['system']}; load average {load:.2f} at start"
    )
    settings_line = (
        f"port {args.port}, mix {args.mix}, window {args.window}, chunk {args.chunk}: "
        f"{args.reports} pipelined + {args.single} one at a time after {args.warmup} warm-up, "
        f"best of {args.repeat}"
    )
    header = (
        f"{'server':<18} {'mode':<14} {'acks':>8} {'acks/s':>10} {'p50 us':>9} {'p99 us':>9} "
        f"{'p99.9 us':>9}"
    )
    print(machine_line, settings_line, header, sep="\n")
    for index in (0, 1):
        for name in names:
            print(row(name, results[name][index]))
    sim_piped, sim_one = results["simulator"]
    ref_piped, ref_one = results["reference"]
    failed = sum(r.rejects for pair in results.values() for r in pair)
    share = sim_piped.rate / ref_piped.rate
    ratio = sim_one.percentile(50) / ref_one.percentile(50)
    share_ok = share >= PIPELINED_SHARE_TARGET
    ratio_ok = ratio <= LATENCY_RATIO_TARGET
    print(
        f"pipelined throughput: {share:.1%} of the reference "
        f"(target >= {PIPELINED_SHARE_TARGET:.0%}): {'MET' if share_ok else 'NOT MET'}"
    )
    print(
        f"one-at-a-time p50: {ratio:.2f}x the reference "
        f"(target <= {LATENCY_RATIO_TARGET:g}x): {'MET' if ratio_ok else 'NOT MET'}"
    )
    if failed:
        samples = [text for pair in results.values() for r in pair for text in r.reject_samples]
        print(f"{failed} reports were rejected, e.g. {samples[0]}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "machine": info,
                    "settings": {k: v for k, v in vars(args).items() if k not in ("json",)},
                    "results": {name: [summary(r) for r in pair] for name, pair in results.items()},
                    "pipelined_share": round(share, 4),
                    "p50_ratio": round(ratio, 3),
                    "targets_met": share_ok and ratio_ok,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
