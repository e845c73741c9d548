"""The firm side of the benchmarks: pre-encoded FIX messages and a lean asyncio client.

The load generator must not be what is measured, so everything a client can prepare is prepared
before the clock starts: every Logon and TradeCaptureReport is encoded to bytes up front (with its
MsgSeqNum), and the client only writes bytes and counts the acknowledgements that come back. It
splits the server's byte stream on the CheckSum trailer (``<SOH>10=nnn<SOH>``) instead of parsing
messages, and reads only MsgType (35) and, for the simulator, MessageEventSource (1011) to tell an
acknowledgement from a reject.

Two ways to drive one session (issue 3 "Speed"):

* :meth:`BenchClient.pipelined` writes reports in chunks while at most ``window`` are
  unacknowledged, as a firm's engine streaming its day would;
* :meth:`BenchClient.one_at_a_time` sends a report and waits for its acknowledgement before the
  next, which measures the round trip.

Latency is the time from the write of a report's bytes to the arrival of the read that completed
its acknowledgement (``time.perf_counter_ns``); one session's acknowledgements come back in order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from simulator.fix.codec import encode
from simulator.timestamps import format_fix_date, format_fix_timestamp, local_date, local_ns

SOH = b"\x01"
TRAILER = b"\x0110="
#: A business day after every dated change the default configuration serves (Nasdaq native ports
#: in nanoseconds since 2021-11-15), at 10:00 New York time: TRACE and the TRFs are open.
DEFAULT_START_NS = local_ns(dt.date(2026, 1, 5), 10)

#: Valid CUSIPs (ANSI X9.6 check digit), so TRACE accepts every report.
CUSIPS = ("037833100", "594918104", "459200101", "38141G104", "46625H100")
SYMBOLS = ("AAPL", "MSFT", "IBM", "GS", "JPM")


@dataclass(frozen=True)
class Target:
    """One facility port of the default ``facsim serve`` configuration, from the firm's side."""

    port_name: str
    begin_string: str
    sender: str  # the firm's CompID
    target: str  # the facility's CompID
    target_sub: str | None
    product: str  # "trace" or "equity"
    digits: int  # fractional digits of TransactTime the port accepts


TARGETS = {
    "trace-ca": Target("trace-ca", "FIX.4.4", "ACMEFIX", "FNRA", "CA", "trace", 0),
    "nasdaq-trf-carteret": Target(
        "nasdaq-trf-carteret", "FIX.4.2", "ACMEFIX", "NTRFC", None, "equity", 9
    ),
}


def header(target: Target, seq: int, sending_ns: int) -> list[tuple[int, str]]:
    fields = [(49, target.sender), (56, target.target)]
    if target.target_sub:
        fields.append((57, target.target_sub))
    fields += [(34, str(seq)), (52, format_fix_timestamp(sending_ns, 3))]
    return fields


def logon(target: Target, sending_ns: int) -> bytes:
    """Logon with ResetSeqNumFlag (141=Y): every run starts both sides at 1."""
    fields = [(35, "A"), *header(target, 1, sending_ns), (98, "0"), (108, "30"), (141, "Y")]
    return encode(target.begin_string, fields)


def _trace_body(n: int, executed_ns: int, mix: str, control_day: dt.date) -> list[tuple[int, str]]:
    day = format_fix_date(local_date(executed_ns))
    kind = _kind(n, mix)
    body: list[tuple[int, str]] = [(35, "AE"), (571, f"B{n}")]
    trans, report_type = "0", "0"
    if kind != "new":
        # Cancel or correct an earlier new report by its TradeReportID (572) and today's
        # control date (TRACE FIX spec v2.1: 22011 with 1003 or 572).
        body += [(572, f"B{n - REF_BACK}"), (22011, format_fix_date(control_day))]
        trans, report_type = ("1", "6") if kind == "cancel" else ("2", "5")
    body += [(487, trans), (856, report_type), (570, "N")]
    bond = n if kind == "new" else n - REF_BACK  # a correction may not change the bond
    body += [(48, CUSIPS[bond % len(CUSIPS)]), (22, "1"), (32, f"{100000 + n % 997}.00")]
    body += [(31, "101.250000"), (75, day), (60, format_fix_timestamp(executed_ns, 0))]
    body += [(552, "2" if kind != "cancel" else "1"), (54, "2"), (37, "NONE"), (453, "1")]
    body += [(448, "ACME"), (447, "C"), (452, "1"), (528, "P")]
    if kind != "cancel":
        body += [(54, "1"), (37, "NONE"), (453, "1"), (448, "BETA"), (447, "C"), (452, "17")]
    body.append((22016, "S1"))
    return body


def _equity_body(n: int, executed_ns: int, mix: str, control_day: dt.date) -> list[tuple[int, str]]:
    day = format_fix_date(local_date(executed_ns))
    kind = _kind(n, mix)
    body: list[tuple[int, str]] = [(35, "AE"), (571, f"E{n}")]
    trans, report_type = "0", "0"
    if kind != "new":
        body += [(572, f"E{n - REF_BACK}"), (22011, format_fix_date(control_day))]
        trans, report_type = ("1", "6") if kind == "cancel" else ("2", "5")
    body += [(487, trans), (856, report_type), (570, "N")]
    stock = n if kind == "new" else n - REF_BACK
    body += [(55, SYMBOLS[stock % len(SYMBOLS)]), (32, str(100 + n % 900)), (31, "150.25")]
    body += [(75, day), (60, format_fix_timestamp(executed_ns, 9))]
    body += [(552, "1"), (54, "1"), (453, "2" if kind != "cancel" else "1")]
    body += [(448, "ACME"), (447, "C"), (452, "1")]
    if kind != "cancel":
        body += [(448, "BETA"), (447, "C"), (452, "17")]
    body.append((528, "P"))
    return body


#: A cancel or correction refers to the report sent this many messages before it.
REF_BACK = 3


def _kind(n: int, mix: str) -> str:
    """``new`` for every report, or the ``mixed`` day: in every 20 reports one cancel (the 6th)
    and one correction (the 16th), each of the new report sent :data:`REF_BACK` before it."""
    if mix == "new" or n < REF_BACK:
        return "new"
    slot = n % 20
    if slot == 5:
        return "cancel"
    if slot == 15:
        return "correct"
    return "new"


def reports(
    target: Target,
    count: int,
    *,
    start_ns: int = DEFAULT_START_NS,
    first_seq: int = 2,
    mix: str = "new",
) -> list[bytes]:
    """``count`` TradeCaptureReports numbered from ``first_seq``, each executed a distinct
    microsecond in the minute before ``start_ns`` (on time at every facility)."""
    body = _trace_body if target.product == "trace" else _equity_body
    day = local_date(start_ns)
    out = []
    for n in range(count):
        executed = start_ns - 60 * 10**9 + n * 1000
        fields = body(n, executed, mix, day)
        out.append(
            encode(
                target.begin_string,
                [fields[0], *header(target, first_seq + n, start_ns), *fields[1:]],
            )
        )
    return out


def split_messages(buffer: bytearray) -> Iterator[bytes]:
    """Complete messages at the front of ``buffer`` (removed from it), cut at each trailer."""
    start = 0
    while True:
        hit = buffer.find(TRAILER, start)
        if hit < 0 or hit + 8 > len(buffer):
            break
        end = hit + 8  # <SOH>10=nnn<SOH>
        yield bytes(buffer[start:end])
        start = end
    if start:
        del buffer[:start]


def msg_type(raw: bytes) -> bytes:
    at = raw.find(b"\x0135=") + 4
    return raw[at : raw.find(SOH, at)]


@dataclass
class RunResult:
    """What one run measured: acknowledgements, rejects, wall time and every latency."""

    mode: str
    reports: int
    acks: int = 0
    rejects: int = 0
    others: int = 0
    seconds: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)
    reject_samples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.acks / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile latency in microseconds (nearest rank)."""
        return percentile(self.latencies_ns, q) / 1000


def percentile(values: Sequence[int], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return float(ordered[rank])


class _Protocol(asyncio.Protocol):
    def __init__(self, client: BenchClient) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        self.client._received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._lost(exc)


class BenchClient:
    """One FIX session from the firm's side, over one TCP connection."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._messages: list[tuple[int, bytes]] = []  # (arrival ns, raw) not yet consumed
        self._arrived = asyncio.Event()
        self._closed: Exception | bool | None = False

    @classmethod
    async def connect(cls, host: str, port: int) -> BenchClient:
        client = cls()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_connection(lambda: _Protocol(client), host, port)
        assert isinstance(transport, asyncio.Transport)
        client._transport = transport
        return client

    def _received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        self._buffer += data
        for raw in split_messages(self._buffer):
            self._messages.append((now, raw))
        if self._messages:
            self._arrived.set()

    def _lost(self, exc: Exception | None) -> None:
        self._closed = exc if exc is not None else True
        self._arrived.set()

    async def _next_batch(self, timeout: float) -> list[tuple[int, bytes]]:
        if not self._messages:
            if self._closed is not False:
                raise ConnectionError(f"the server closed the connection ({self._closed})")
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), timeout)
            if not self._messages and self._closed is not False:
                raise ConnectionError(f"the server closed the connection ({self._closed})")
        batch, self._messages = self._messages, []
        return batch

    def write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    async def logon(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send a Logon and return the first message that answers it."""
        self.write(data)
        batch = await self._next_batch(timeout)
        first = batch[0][1]
        self._messages = batch[1:] + self._messages
        return first

    def _count(self, result: RunResult, raw: bytes, is_ack: bool) -> None:
        """An acknowledgement, or a refusal of any kind (35=AR, a 35=j or 35=3 reject)."""
        if is_ack:
            result.acks += 1
            return
        result.rejects += 1
        if len(result.reject_samples) < 3:
            result.reject_samples.append(raw.replace(SOH, b"|").decode("latin-1"))

    @staticmethod
    def _is_answer(raw: bytes) -> tuple[bool, bool]:
        """(answers a report?, is it an acknowledgement?)"""
        kind = msg_type(raw)
        if kind == b"AE":
            return True, True
        if kind in (b"AR", b"j", b"3"):
            return True, False
        return False, False

    async def pipelined(
        self,
        messages: Sequence[bytes],
        *,
        window: int = 1000,
        chunk: int = 100,
        timeout: float = 60.0,
    ) -> RunResult:
        """Stream ``messages`` with at most ``window`` unacknowledged, ``chunk`` per write."""
        result = RunResult("pipelined", len(messages))
        sent_at: list[int] = []
        answered = 0
        started = time.perf_counter_ns()
        next_index = 0
        total = len(messages)
        while answered < total:
            while next_index < total and next_index - answered < window:
                upto = min(total, next_index + chunk, answered + window)
                self.write(b"".join(messages[next_index:upto]))
                now = time.perf_counter_ns()
                sent_at.extend([now] * (upto - next_index))
                next_index = upto
            for arrived, raw in await self._next_batch(timeout):
                answer, is_ack = self._is_answer(raw)
                if not answer:
                    result.others += 1
                    continue
                self._count(result, raw, is_ack)
                result.latencies_ns.append(arrived - sent_at[answered])
                answered += 1
        result.seconds = (time.perf_counter_ns() - started) / 1e9
        return result

    async def one_at_a_time(self, messages: Sequence[bytes], timeout: float = 10.0) -> RunResult:
        """Send each message and wait for its answer before the next."""
        result = RunResult("one-at-a-time", len(messages))
        started = time.perf_counter_ns()
        for data in messages:
            sent = time.perf_counter_ns()
            self.write(data)
            while True:
                batch = await self._next_batch(timeout)
                done = False
                for index, (arrived, raw) in enumerate(batch):
                    answer, is_ack = self._is_answer(raw)
                    if not answer:
                        result.others += 1
                        continue
                    self._count(result, raw, is_ack)
                    result.latencies_ns.append(arrived - sent)
                    self._messages = batch[index + 1 :] + self._messages
                    done = True
                    break
                if done:
                    break
        result.seconds = (time.perf_counter_ns() - started) / 1e9
        return result

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
