"""The simulator as ``facsim serve`` assembles it, in its own process, for the benchmarks.

It builds the default configuration's FIX ports with :func:`simulator.cli.serve.build_simulator`
(durable SQLite journal and FIX message store under ``--data-dir``, free ports), on an offset
clock that starts at a business-day morning so every report is on time, and prints
``READY <port-name>=<port> ...`` once it listens. SIGTERM or SIGINT stops it the way
``facsim serve`` stops (listeners, then the journal). ``--profile FILE`` writes a cProfile of
the whole run, which is how the hot path was found (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import signal
import sys
from pathlib import Path

from fixwire import DEFAULT_START_NS

from simulator.cli.serve import build_simulator
from simulator.clock import OffsetClock
from simulator.config import load_config
from simulator.fix.application import Outbound, SessionInfo
from simulator.fix.component import FixComponent
from simulator.fix.message import FixMessage
from simulator.runtime import Simulator, SimulatorContext


class FixedAck:
    """A stand-in application: every TradeCaptureReport gets the same acknowledgement, nothing
    is validated or journaled. With it the run measures the FIX session layer alone (framing,
    decoding, sequence numbers, dictionary validation, the message store), which is the floor
    under what the facility dialects and the journal add."""

    msg_types = frozenset({"AE"})

    def __init__(self) -> None:
        self.ack = FixMessage.of("AE", (571, "ACK"), (1011, "CAEN"), (487, "0"), (856, "0"))

    def on_logon(self, session: SessionInfo, now_ns: int) -> list[Outbound]:
        return []

    def on_message(self, session: SessionInfo, message: FixMessage, now_ns: int) -> list[Outbound]:
        return [Outbound(self.ack)]


async def serve(data_dir: Path, start_ns: int, journal_kind: str, app: str) -> None:
    clock = OffsetClock(start_ns, 1.0)
    config = load_config()
    if app == "session-only":
        fixed = FixedAck()
        context = SimulatorContext(clock=clock, journal=None, timeline=None, data_dir=data_dir)
        component = FixComponent(
            config, application_factory=lambda info, ctx: fixed, auto_ports=True
        )
        simulator = Simulator(context, [component])
    else:
        journal = None
        if journal_kind == "memory":
            from simulator.journal import open_journal

            journal = open_journal(":memory:")
        simulator = build_simulator(
            config, clock=clock, data_dir=data_dir, auto_ports=True, web=False, journal=journal
        )
    endpoints = await simulator.start()
    ports = " ".join(f"{e.name}={e.port}" for e in endpoints if e.kind == "fix")
    print(f"READY {ports}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--start-ns", type=int, default=DEFAULT_START_NS)
    parser.add_argument("--journal", choices=("file", "memory"), default="file")
    parser.add_argument(
        "--app",
        choices=("dialects", "session-only"),
        default="dialects",
        help="the facility dialects and journal (default), or a fixed ack (session layer only)",
    )
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the run")
    args = parser.parse_args(argv)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            asyncio.run(serve(args.data_dir, args.start_ns, args.journal, args.app))
        finally:
            profiler.disable()
            profiler.dump_stats(args.profile)
    else:
        asyncio.run(serve(args.data_dir, args.start_ns, args.journal, args.app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
