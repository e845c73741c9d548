"""Where one trade report's time goes inside the simulator, without sockets.

::

    python bench/hot_path.py [--reports N] [--batch B] [--port trace-ca] [--profile FILE]

It starts the default configuration's FIX component (real sessions, data dictionaries, facility
dialects, a durable file journal and FIX message store in a temporary directory; no client ever
connects), logs one firm on through an in-process :class:`~simulator.fix.session.FixConnection`,
and feeds it pre-encoded reports ``--batch`` at a time, as one TCP read would bring them. Each
read goes through the same steps as the FIX component takes (``simulator/fix/component.py``):

1. **session in**: framing, decoding, sequence numbers, data-dictionary validation
   (``FixConnection.receive_data``);
2. **dialect + journal**: ``TradeCaptureDialect.on_messages``, the read's reports validated,
   decided by the timeliness engine and written to the journal;
3. **session out**: each answer sequenced, encoded and stored (``FixSession.send_app``), the
   store's rows written, the bytes joined for the socket (``data_to_send``);
4. **commit**: the read's one transaction -- inbound numbers, reports, answers -- committed.

It prints the CPU time per report of each step (``time.process_time``, so other processes on
the machine do not inflate it), best of ``--rounds``. ``--profile out.txt`` writes a
pyinstrument (if installed) or cProfile report of the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixwire import DEFAULT_START_NS, TARGETS, logon, reports

from simulator.cli.serve import open_journal
from simulator.clock import ManualClock
from simulator.config import load_config
from simulator.fix.component import FixComponent
from simulator.fix.dialects import application_for
from simulator.fix.session import ApplicationMessage, FixConnection, FixSession
from simulator.runtime import Simulator, SimulatorContext
from simulator.timeline import Timeline

STAGES = ("session in", "dialect + journal", "session out", "commit")


class Rig:
    """One logged-on firm session of the default configuration, driven in process."""

    def __init__(self, data_dir: Path, port_name: str) -> None:
        self.data_dir = data_dir
        self.port_name = port_name
        self.clock = ManualClock(DEFAULT_START_NS)
        self.journal = open_journal(data_dir, 0)
        self.context = SimulatorContext(
            clock=self.clock,
            journal=self.journal,
            timeline=Timeline.default(),
            data_dir=data_dir,
        )
        self.component = FixComponent(load_config(), auto_ports=True)
        self.simulator = Simulator(self.context, [self.component])
        self.connection: FixConnection | None = None
        self.session: FixSession | None = None

    async def start(self) -> None:
        await self.simulator.start()
        listener = self.component.listeners[self.port_name]
        self.connection = FixConnection(directory=listener.directory)
        now = self.clock.now_ns()
        self.connection.connection_made(now)
        self.connection.receive_data(logon(TARGETS[self.port_name], now), now)
        self.connection.data_to_send()
        self.session = self.connection.session
        assert self.session is not None and self.session.is_logged_on, "logon refused"

    async def stop(self) -> None:
        await self.simulator.stop()

    def read(self, data: bytes, clock: Callable[[], int], spent: dict[str, int]) -> int:
        """Handle one read's bytes the way the FIX component does; returns acks written."""
        assert self.connection is not None and self.session is not None
        session = self.session
        now = self.clock.now_ns()
        started = clock()
        batch = self.journal.batch()
        batch.__enter__()  # one transaction for the read (FixComponent._journal_then_deliver)
        events = self.connection.receive_data(data, now)
        messages = [e.message for e in events if isinstance(e, ApplicationMessage)]
        after_in = clock()
        dialect = application_for(session.info, self.context)
        answers = dialect.on_messages(session.info, messages, now)
        after_dialect = clock()
        sent = 0
        for outbound in answers:
            for out in outbound:
                if out.to_firm is None:  # alleges go to other firms' sessions (none here)
                    session.send_app(out.message, now)
                    sent += 1
        session.store.flush()  # numbers and answers join the read's transaction
        after_out = clock()
        batch.__exit__(None, None, None)  # COMMIT: reports, numbers and answers at once
        after_commit = clock()
        self.connection.data_to_send()  # nothing left to store: the bytes
        done = clock()
        spent["session in"] += after_in - started
        spent["dialect + journal"] += after_dialect - after_in
        spent["session out"] += after_out - after_dialect + done - after_commit
        spent["commit"] += after_commit - after_out
        return sent


async def measure(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="facsim-hot-path-") as data_dir:
        rig = Rig(Path(data_dir), args.port)
        await rig.start()
        try:
            target = TARGETS[args.port]
            total = args.warmup + args.rounds * args.reports
            messages = reports(target, total, start_ns=DEFAULT_START_NS)
            reads = [b"".join(messages[i : i + args.batch]) for i in range(0, total, args.batch)]
            warm_reads = args.warmup // args.batch
            spent = dict.fromkeys(STAGES, 0)
            for data in reads[:warm_reads]:
                rig.read(data, time.process_time_ns, spent)
            per_round = len(reads[warm_reads:]) // args.rounds
            best: dict[str, float] | None = None
            profiler = _profiler(args.profile)
            for index in range(args.rounds):
                spent = dict.fromkeys(STAGES, 0)
                acks = 0
                chunk = reads[warm_reads + index * per_round : warm_reads + (index + 1) * per_round]
                if profiler is not None:
                    profiler.start()
                for data in chunk:
                    acks += rig.read(data, time.process_time_ns, spent)
                if profiler is not None:
                    profiler.stop()
                if acks != per_round * args.batch:
                    raise SystemExit(f"only {acks} of {per_round * args.batch} reports answered")
                result = {stage: spent[stage] / acks / 1000 for stage in STAGES}
                result["total"] = sum(result[stage] for stage in STAGES)
                if best is None or result["total"] < best["total"]:
                    best = result
            if profiler is not None:
                Path(args.profile).write_text(profiler.report())
            assert best is not None
            return best
        finally:
            await rig.stop()


class _Profiler:
    def __init__(self) -> None:
        try:
            from pyinstrument import Profiler
        except ImportError:
            self.pyinstrument: Any = None
            self.cprofile: cProfile.Profile | None = cProfile.Profile()
        else:
            self.pyinstrument = Profiler(interval=0.0002)
            self.cprofile = None

    def start(self) -> None:
        if self.pyinstrument is not None:
            self.pyinstrument.start()
        elif self.cprofile is not None:
            self.cprofile.enable()

    def stop(self) -> None:
        if self.pyinstrument is not None:
            self.pyinstrument.stop()
        elif self.cprofile is not None:
            self.cprofile.disable()

    def report(self) -> str:
        if self.pyinstrument is not None:
            text: str = self.pyinstrument.output_text(unicode=False, color=False)
            return text
        out = io.StringIO()
        pstats.Stats(self.cprofile, stream=out).sort_stats("cumulative").print_stats(60)
        return out.getvalue()


def _profiler(path: str | None) -> _Profiler | None:
    return _Profiler() if path else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU time per trade report, by step")
    parser.add_argument("--reports", type=int, default=3000, help="reports per round (3000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best is shown (3)")
    parser.add_argument("--batch", type=int, default=50, help="reports per read (50)")
    parser.add_argument("--warmup", type=int, default=500, help="unmeasured reports first")
    parser.add_argument("--port", default="trace-ca", choices=sorted(TARGETS))
    parser.add_argument("--profile", metavar="FILE", help="write a profile of the rounds")
    args = parser.parse_args(argv)
    if args.reports < args.batch or args.batch < 1 or args.rounds < 1:
        parser.error("--reports must be at least --batch, which must be at least 1")
    result = asyncio.run(measure(args))
    print(
        f"port {args.port}, {args.batch} reports per read, best of {args.rounds} rounds of "
        f"{args.reports}; CPU time per report:"
    )
    for stage in (*STAGES, "total"):
        print(f"  {stage:<18} {result[stage]:8.1f} us")
    print(f"  = {1e6 / result['total']:,.0f} reports per CPU-second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
