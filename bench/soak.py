"""Soak ``facsim serve``: mixed load, disconnects, injected faults; memory flat, nothing lost.

    python bench/soak.py                         # 30 seconds (a smoke run)
    python bench/soak.py --minutes 30 --json soak.json   # the recorded run (docs/resilience.md)

A ``facsim serve`` child process (the embedded default config, ``--ports auto``, a clock at
2021-11-15 10:00 ET running at real speed) is driven by firm sessions on six facility ports
(TRACE CA and TS, Nasdaq TRF Carteret, NYSE TRF, ADF, ORF; three firms each): new reports in
pipelined bursts, cancels and corrections of accepted ones, at ``--rate`` messages per second in
all. Meanwhile:

* each session drops its own connection now and then (no Logout) and logs on again, its sequence
  numbers continuing;
* every couple of seconds a random fault is armed through the control API (``POST /faults``):
  a disconnect after the Nth acknowledgement or as the Nth report arrives, a withheld, delayed,
  duplicated or garbled acknowledgement, an outbound sequence gap, a silence, a facility outage,
  a throttle, a failover of a primary port (the firms then log on at the secondary).

At the end the faults are cleared, every session logs on (if it is not), sends two marker reports
and waits for them (so every gap is recovered), logs out, and the server stops cleanly. Then:

* **memory**: the server's resident memory (``/proc/<pid>/statm``) sampled every few seconds;
  growth from the end of the warm-up (the first fifth of the run) to the end must stay under
  ``--max-growth`` percent (10 by default);
* **nothing acknowledged lost**: every report and correction a firm saw acknowledged is in the
  journal exactly once, and the journal holds no accepted report its firm was not told about;
  every report a firm saw cancelled is cancelled in the journal;
* **sessions consistent**: each session's sequence numbers in the facility's message store match
  the firm's (next to send = next expected, both ways).

Exit status 0 when all hold. The recorded figures are in ``docs/resilience.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from statistics import median
from typing import Any

from simulator.clock import SECOND, OffsetClock
from simulator.faults.drill import DEFAULT_AT, DrillFirm, ServeProcess
from simulator.fix.message import FixMessage
from simulator.runtime import Endpoint

PORTS = ("trace-ca", "trace-ts", "nasdaq-trf-carteret", "nyse-trf", "adf", "orf")
FIRMS = ("ACMEFIX", "BETAFIX", "GAMMAFIX")
PAGE = 4096


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * PAGE / (1 << 20)


@dataclass
class Ledger:
    """What one firm session knows happened to its requests."""

    accepted: dict[str, tuple[str, str]] = field(default_factory=dict)  # ref -> (1003, 22011)
    cancelled: set[str] = field(default_factory=set)
    corrected: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)  # ref -> reason
    pending: dict[str, tuple[str, str]] = field(default_factory=dict)  # request ref -> (kind, ref)
    executed: dict[str, int] = field(default_factory=dict)  # ref -> TransactTime sent
    seq_refs: dict[int, str] = field(default_factory=dict)


class SoakFirm(DrillFirm):
    """A drill firm that also cancels and corrects, and keeps a ledger of every answer."""

    def __init__(self, comp_id: str, endpoint: Endpoint, clock: OffsetClock, tag: str) -> None:
        super().__init__(comp_id, endpoint, clock)
        self.tag = tag
        self.primary = endpoint
        self.ledger = Ledger()
        self.reconnects = 0
        self.failovers = 0

    async def _collect(self, client: Any) -> None:
        ledger = self.ledger
        while True:
            message: FixMessage = await client.messages.get()
            kind = message.msg_type
            if kind == "AE" and message.get(856) != "1":
                ref = message.get(572) or ""
                self.acked.add(ref)
                if message.get(43) == "Y":
                    self.resent.add(ref)
                request = ledger.pending.pop(ref, None)
                if request is not None and request[0] == "cancel":
                    ledger.cancelled.add(request[1])
                else:
                    ledger.accepted[ref] = (message.get(1003) or "", message.get(22011) or "")
                    if request is not None and request[0] == "correct":
                        ledger.corrected.add(request[1])
            elif kind == "AR":
                ref = message.get(571) or ""
                ledger.pending.pop(ref, None)
                ledger.rejected[ref] = f"{message.get(751)} {message.get(58)}"
            elif kind == "j":
                ref = ledger.seq_refs.get(int(message.get(45) or 0), "")
                ledger.pending.pop(ref, None)
                ledger.rejected[ref] = f"35=j {message.get(58)}"

    def _send(self, message: FixMessage, ref: str, request: tuple[str, str]) -> None:
        assert self.client is not None
        seq = self.session.send_app(message, self.clock.now_ns())
        self.ledger.seq_refs[seq] = ref
        self.ledger.pending[ref] = request
        self.sent.append(ref)

    def new(self, count: int) -> None:
        for _ in range(count):
            self.count += 1
            ref = f"{self.tag}{self.count}"
            executed = self.clock.now_ns() - 5 * SECOND
            self.ledger.executed[ref] = executed
            self._send(self.report(ref, executed), ref, ("new", ref))
        self._wake()

    def manage(self, rng: random.Random) -> None:
        """Cancel or correct one accepted, not yet cancelled report (new or corrected)."""
        from simulator.harness.adapter import TradeRequest
        from simulator.harness.fix_messages import trade_message
        from simulator.timestamps import parse_fix_date

        ledger = self.ledger
        busy = {original for _, original in ledger.pending.values()}
        live = [
            r
            for r in ledger.accepted
            if r not in ledger.cancelled and r not in ledger.corrected and r not in busy
        ]
        if not live:
            return self.new(1)
        original = rng.choice(live[-50:])
        number, day = ledger.accepted[original]
        if not number or not day:
            return self.new(1)
        cancel = rng.random() < 0.5
        self.count += 1
        ref = f"{self.tag}{self.count}{'C' if cancel else 'R'}"
        trade = TradeRequest(
            facility=self.facility.value,
            mpid={"ACMEFIX": "ACME", "BETAFIX": "BETA", "GAMMAFIX": "GAMM"}[self.comp_id],
            side="S",
            symbol="037833100" if self.trace else "AAPL",
            quantity=Decimal(100),
            price=Decimal("10.25") if cancel else Decimal("10.50"),
            # a cancel repeats the original; a correction may only move the time earlier
            executed_ns=ledger.executed.get(original, self.clock.now_ns() - 5 * SECOND)
            - (0 if cancel else SECOND),
            client_ref=ref,
        )
        if not cancel:
            ledger.executed[ref] = trade.executed_ns
        message = trade_message(
            trade,
            trace=self.trace,
            digits=0 if self.trace else 3,
            trans="1" if cancel else "2",
            kind="6" if cancel else "5",
            ref=original,
            control_number=number,
            control_date=parse_fix_date(day),
        )
        self._send(message, ref, ("cancel" if cancel else "correct", original))
        self._wake()

    async def until_answered(self, ref: str, timeout: float) -> None:
        """Wait for the facility's answer to ``ref``: an acknowledgement or a reject."""
        deadline = time.monotonic() + timeout
        while ref not in self.acked and ref not in self.ledger.rejected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.comp_id}@{self.primary.name}: no answer to {ref}")
            await asyncio.sleep(0.005)

    def _wake(self) -> None:
        if self.client is not None and self.client.handler is not None:
            self.client.handler.wake()

    @property
    def connected(self) -> bool:
        return (
            self.client is not None
            and not self.client.closed
            and (self.client.handler is not None and not self.client.handler.done.is_set())
        )


class Soak:
    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args = args
        self.data_dir = data_dir
        self.rng = random.Random(args.seed)
        self.server = ServeProcess(data_dir)
        self.clock = OffsetClock(DEFAULT_AT, 1)  # re-read from the server once it runs
        self.firms: list[SoakFirm] = []
        self.samples: list[tuple[float, float]] = []
        self.faults_armed: dict[str, int] = {}
        self.fault_errors: list[str] = []
        self.stop = asyncio.Event()
        self.loading = True

    async def endpoints(self) -> dict[str, Endpoint]:
        found = await self.server.get("/endpoints")
        return {
            item["name"]: Endpoint(
                item["component"], item["name"], item["kind"], item["host"], item["port"],
                {str(k): str(v) for k, v in item["details"].items()},
            )
            for item in found["endpoints"]
        }  # fmt: skip

    async def connect(self, firm: SoakFirm, *, reset: bool = False) -> bool:
        """Log on at the primary, or at the secondary when the primary is down."""
        endpoints = await self.endpoints()
        for name in (firm.primary.name, f"{firm.primary.name}-secondary"):
            endpoint = endpoints.get(name)
            if endpoint is None:
                continue
            try:
                await firm.closed(0.1)
                await firm.connect(endpoint, reset=reset)
                if name.endswith("-secondary"):
                    firm.failovers += 1
                return True
            except (ConnectionError, OSError, TimeoutError):
                continue
        return False

    async def session_loop(self, firm: SoakFirm, share: float) -> None:
        rng = random.Random(self.rng.random())
        while not self.stop.is_set():
            if not firm.connected:
                if not await self.connect(firm):
                    await asyncio.sleep(0.2)
                    continue
                firm.reconnects += 1
            if not self.loading:
                await asyncio.sleep(0.05)
                continue
            roll = rng.random()
            burst = rng.randint(1, 10)
            if roll < 0.8:
                firm.new(burst)
            else:
                firm.manage(rng)
                burst = 1
            if rng.random() < self.args.drop_rate:
                await firm.closed(0.1)  # the firm's engine crashes: no Logout
                await asyncio.sleep(rng.uniform(0.05, 0.5))
            await asyncio.sleep(burst / share * rng.uniform(0.5, 1.5))

    async def fault_loop(self) -> None:
        rng = random.Random(self.rng.random())
        while not self.stop.is_set() and self.loading:
            await asyncio.sleep(rng.uniform(0.5, 2.0) * self.args.fault_every)
            if not self.loading:
                break
            firm = rng.choice(self.firms)
            scope = {"port": firm.primary.name, "firm": firm.comp_id}
            choices: list[dict[str, Any]] = [
                {"kind": "disconnect", **scope, "on_message": rng.randint(1, 5)},
                {"kind": "disconnect", **scope, "on_message": 2, "direction": "inbound"},
                {"kind": "disconnect", **scope, "logout": True},
                {"kind": "withhold", **scope, "on_message": 1},
                {"kind": "delay", **scope, "delay": f"{rng.randint(50, 500)}ms",
                 "on_message": 1, "times": 3},
                {"kind": "duplicate", **scope, "on_message": 1, "times": 2},
                {"kind": "garble", **scope, "on_message": 1,
                 "mode": rng.choice(["checksum", "body-length", "bytes"])},
                {"kind": "sequence-gap", **scope, "on_message": 1, "gap": rng.randint(1, 5)},
                {"kind": "silence", **scope, "duration": f"{rng.randint(5, 80)}s"},
                {"kind": "outage", "facility": firm.facility.value, "duration": "2s"},
                {"kind": "throttle", **scope, "rate": 5, "duration": "3s"},
                {"kind": "failover", "port": firm.primary.name, "duration": "3s"},
            ]  # fmt: skip
            choice = rng.choice(choices)
            try:
                await self.post("/faults", choice)
                self.faults_armed[choice["kind"]] = self.faults_armed.get(choice["kind"], 0) + 1
            except Exception as exc:  # recorded: the run fails if the API refused a valid fault
                self.fault_errors.append(f"{choice}: {exc}")

    async def post(
        self, path: str, body: dict[str, Any] | None = None, method: str = "POST"
    ) -> Any:
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.server.control_url + path, json=body) as answer,
        ):
            text = await answer.text()
            if answer.status >= 400:
                raise RuntimeError(f"{method} {path}: {answer.status} {text}")
            return json.loads(text) if text else None

    async def sample_loop(self, pid: int, started: float) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic() - started, rss_mb(pid)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.args.sample_every)

    async def run(self) -> dict[str, Any]:
        args = self.args
        endpoints = await self.server.start(DEFAULT_AT)
        self.clock = OffsetClock(await self.server.clock_ns(), 1)
        assert self.server.process is not None
        pid = self.server.process.pid
        started = time.monotonic()
        for p_index, port in enumerate(PORTS):
            for f_index, comp_id in enumerate(FIRMS):
                self.firms.append(
                    SoakFirm(comp_id, endpoints[port], self.clock, f"S{p_index}{f_index}-")
                )
        for firm in self.firms:
            await firm.connect(reset=True)
        share = args.rate / len(self.firms)
        tasks = [asyncio.create_task(self.session_loop(f, share)) for f in self.firms]
        tasks.append(asyncio.create_task(self.fault_loop()))
        sampler = asyncio.create_task(self.sample_loop(pid, started))
        await asyncio.sleep(args.seconds)

        # wind down: no more load or faults; every session recovers and confirms with markers
        self.loading = False
        await asyncio.sleep(0.5)
        await self.post("/faults", method="DELETE")
        self.stop.set()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await sampler
        ended_load = time.monotonic()
        unconfirmed = []
        for firm in self.firms:
            ok = False
            for _ in range(5):
                if not firm.connected and not await self.connect(firm):
                    await asyncio.sleep(0.5)
                    continue
                try:
                    for _marker in range(2):
                        firm.new(1)
                        await firm.until_answered(firm.sent[-1], 30)
                    ok = True
                    break
                except Exception:
                    await firm.closed(0.1)
            if not ok:
                unconfirmed.append(f"{firm.comp_id}@{firm.primary.name}")
        for firm in self.firms:
            if firm.connected and firm.client is not None:
                with contextlib.suppress(Exception):
                    await firm.client.logout(timeout=5)
            await firm.closed(1)
        numbers_firm = {
            f"{firm.primary.name}:{firm.comp_id}": (
                firm.session.next_sender_seq,
                firm.session.next_target_seq,
            )
            for firm in self.firms
        }
        await self.server.stop()
        return self.verify(started, ended_load, unconfirmed, numbers_firm)

    def verify(
        self,
        started: float,
        ended_load: float,
        unconfirmed: list[str],
        numbers_firm: dict[str, tuple[int, int]],
    ) -> dict[str, Any]:
        from simulator.domain.trade import ReportState
        from simulator.fix.store import SqliteStoreFactory
        from simulator.journal import open_journal

        journal = open_journal(self.data_dir, create=False)
        try:
            stored = list(journal.query())
            fault_records = len(journal.faults())
        except BaseException:
            journal.close()
            raise
        counts: dict[str, int] = {}
        states: dict[str, ReportState] = {}
        for item in stored:
            ref = item.report.client_ref or ""
            counts[ref] = counts.get(ref, 0) + 1
            states[ref] = item.state
        accepted = {ref for f in self.firms for ref in f.ledger.accepted}
        cancelled = {ref for f in self.firms for ref in f.ledger.cancelled}
        corrected = {ref for f in self.firms for ref in f.ledger.corrected}
        journaled = set(counts)
        problems = list(self.fault_errors)
        duplicates = sorted(r for r, n in counts.items() if n > 1)
        if duplicates:
            problems.append(f"{len(duplicates)} reports journaled twice: {duplicates[:5]}")
        missing = sorted(accepted - journaled)
        if missing:
            problems.append(f"{len(missing)} acknowledged reports not journaled: {missing[:5]}")
        untold = sorted(journaled - accepted)
        if untold:
            problems.append(f"{len(untold)} journaled reports never acknowledged: {untold[:5]}")
        wrong_state = sorted(
            [r for r in cancelled if states.get(r) is not ReportState.CANCELLED]
            + [r for r in corrected if states.get(r) is not ReportState.CORRECTED]
        )
        if wrong_state:
            problems.append(
                f"{len(wrong_state)} cancelled or corrected reports not so in the journal: "
                f"{wrong_state[:5]}"
            )
        if unconfirmed:
            problems.append(f"sessions that never confirmed recovery: {unconfirmed}")
        factory = SqliteStoreFactory(journal=journal)  # the store is in the journal
        inconsistent = []
        try:
            for key, (firm_next_send, firm_next_expect) in numbers_firm.items():
                store = factory.store(key)
                if (store.next_target_seq, store.next_sender_seq) != (
                    firm_next_send,
                    firm_next_expect,
                ):
                    inconsistent.append(
                        f"{key}: facility expects {store.next_target_seq} / sends "
                        f"{store.next_sender_seq}, firm sends {firm_next_send} / expects "
                        f"{firm_next_expect}"
                    )
        finally:
            factory.close()
            journal.close()
        if inconsistent:
            problems.append(f"sessions out of step with the store: {inconsistent[:3]}")

        samples = [rss for t, rss in self.samples]
        warm_index = max(1, len(samples) // 5)
        warm = median(samples[warm_index : warm_index + 3]) if len(samples) > warm_index else 0.0
        end = median(samples[-3:]) if samples else 0.0
        growth = (end - warm) / warm * 100 if warm else 0.0
        if growth > self.args.max_growth:
            problems.append(
                f"memory grew {growth:.1f}% after warm-up (limit {self.args.max_growth}%)"
            )
        return {
            "seconds": round(ended_load - started, 1),
            "sessions": len(self.firms),
            "requests_sent": sum(len(f.sent) for f in self.firms),
            "accepted": len(accepted),
            "rejected": sum(len(f.ledger.rejected) for f in self.firms),
            "cancelled": len(cancelled),
            "corrected": len(corrected),
            "journaled_reports": len(stored),
            "duplicates": len(duplicates),
            "acknowledged_not_journaled": len(missing),
            "journaled_not_acknowledged": len(untold),
            "firm_reconnects": sum(f.reconnects for f in self.firms),
            "failover_logons": sum(f.failovers for f in self.firms),
            "acks_recovered_by_resend": sum(len(f.resent) for f in self.firms),
            "faults_armed": dict(sorted(self.faults_armed.items())),
            "fault_records_in_journal": fault_records,
            "rss_mb_after_warmup": round(warm, 1),
            "rss_mb_end": round(end, 1),
            "rss_mb_max": round(max(samples), 1) if samples else 0.0,
            "rss_growth_percent": round(growth, 2),
            "rss_samples": [[round(t, 1), round(r, 1)] for t, r in self.samples],
            "problems": problems,
            "result": "PASS" if not problems else "FAIL",
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float, default=30.0, help="length of the load phase")
    length.add_argument("--minutes", type=float, help="length of the load phase, in minutes")
    parser.add_argument("--rate", type=float, default=150.0, help="requests per second, in all")
    parser.add_argument("--drop-rate", type=float, default=0.01, help="chance a firm drops")
    parser.add_argument("--fault-every", type=float, default=2.0, help="seconds between faults")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--max-growth", type=float, default=10.0, help="percent, after warm-up")
    parser.add_argument("--seed", type=int, default=20210320)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    if args.minutes is not None:
        args.seconds = args.minutes * 60
    args.sample_every = min(args.sample_every, max(args.seconds / 30, 0.5))
    with tempfile.TemporaryDirectory(prefix="facsim-soak-") as tmp:
        result = asyncio.run(Soak(args, Path(tmp)).run())
    shown = {k: v for k, v in result.items() if k != "rss_samples"}
    print(json.dumps(shown, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["result"] == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
