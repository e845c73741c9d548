"""The asyncio shell and the FIX component over real loopback TCP (port 0), on a manual clock.

Nothing here sleeps: heartbeats and time-outs happen because the test advances the simulated
clock; the waits only bound how long a broken build could hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from simulator.clock import SECOND, ManualClock, OffsetClock, SystemClock
from simulator.config import parse_config
from simulator.domain.facility import FacilityId
from simulator.fix.application import Outbound, SessionInfo
from simulator.fix.codec import encode
from simulator.fix.component import INCIDENTS_PER_CONNECTION, FixComponent
from simulator.fix.errors import BusinessRejectError, BusinessRejectReason
from simulator.fix.message import FixMessage
from simulator.fix.scheduler import Scheduler
from simulator.fix.session import FixSession, Role, SessionConfig
from simulator.fix.store import MemoryStore
from simulator.fix.transport import FixClient
from simulator.journal.sqlite import open_journal
from simulator.runtime import SimulatorContext
from simulator.timestamps import format_fix_timestamp, local_ns

T0 = local_ns(dt.date(2021, 11, 15), 9, 30)
WAIT = 5.0

CONFIG = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]
uat_registered = true

[[firms]]
name = "BETA"
comp_id = "BETAFIX"
mpids = ["BETA", "BETX"]

[[sessions]]
name = "trace-ca"
facility = "trace-ca"
port = 0
firms = ["ACME", "BETA"]
validate_fields = false  # the stand-in reports below are not full TRACE messages

[[sessions]]
name = "trace-ca-dropcopy"
facility = "trace-ca"
port = 0
firms = [{ firm = "BETA", comp_id = "BETADC" }]
drop_copy = true
validate_fields = false
"""


class Echo:
    """A stand-in dialect: acknowledges each AE; ``58=to:FIRM`` also alleges to that firm."""

    msg_types = frozenset({"AE"})

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def on_logon(self, session: SessionInfo, now_ns: int) -> list[Outbound]:
        return []

    def on_message(self, session: SessionInfo, message: FixMessage, now_ns: int) -> list[Outbound]:
        ref = message.get(571)
        self.seen.append((session.session_id, ref))
        if ref == "boom":
            raise RuntimeError("a bug in the dialect")
        if ref == "refuse":
            raise BusinessRejectError(BusinessRejectReason.UNKNOWN_SECURITY, 55)
        out = [Outbound(FixMessage.of("AE", (571, ref), (939, 0), (1011, "CAEN")))]
        target = message.get(58) or ""
        if target.startswith("to:"):
            allege = FixMessage.of("AE", (571, ref), (856, 1), (1011, "CAAL"))
            out.append(Outbound(allege, to_firm=target[3:]))
        return out


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


class Harness:
    def __init__(self, clock: ManualClock, data_dir: Path, echo: Echo | None) -> None:
        self.clock = clock
        self.data_dir = data_dir
        self.echo = echo
        self.component: FixComponent | None = None
        self.journal: Any = None
        self.clients: list[FixClient] = []
        self.ports: dict[str, int] = {}

    async def start(self, *, factory: Any = "echo", memory: bool = False) -> FixComponent:
        if factory == "echo":
            factory = lambda info, context: self.echo  # noqa: E731
        self.component = FixComponent(
            parse_config(CONFIG, "test.toml"), application_factory=factory, memory_store=memory
        )
        context = SimulatorContext(
            clock=self.clock, journal=self.journal, timeline=None, data_dir=self.data_dir
        )
        endpoints = await self.component.start(context)
        self.ports = {e.name: e.port for e in endpoints}
        return self.component

    async def client(self, firm: str = "ACMEFIX", port: str = "trace-ca", **kw: Any) -> FixClient:
        info = SessionInfo(
            session_id=f"firm:{firm}",
            facility=FacilityId.TRACE_CA,
            begin_string="FIX.4.4",
            facility_comp_id="FNRA",
            firm_comp_id=firm,
            firm=firm,
            facility_sub_id="CA",
        )
        session = FixSession(
            SessionConfig(info=info, role=Role.INITIATOR, heartbeat_s=30, **kw), MemoryStore()
        )
        client = await FixClient.connect("127.0.0.1", self.ports[port], session, self.clock)
        self.clients.append(client)
        return client

    async def raw(self, port: str = "trace-ca") -> tuple[asyncio.StreamReader, Any]:
        return await asyncio.open_connection("127.0.0.1", self.ports[port])

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()
        if self.component is not None:
            await self.component.stop()


@pytest_asyncio.fixture
async def harness(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(clock, tmp_path, Echo())
    yield h
    await h.stop()


def report(ref: str, text: str | None = None) -> FixMessage:
    return FixMessage.of("AE", (571, ref), (487, 0), (856, 0), (58, text))


async def closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server wrote before closing the connection."""
    return await asyncio.wait_for(reader.read(), WAIT)


@pytest.mark.asyncio
async def test_logon_and_acknowledgement_over_tcp(harness: Harness) -> None:
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    client.send(report("T1"))
    ack = await client.receive(WAIT)
    assert (ack.get(571), ack.get(1011), ack.get(49), ack.get(50)) == ("T1", "CAEN", "FNRA", "CA")
    assert harness.echo is not None and harness.echo.seen == [("trace-ca:ACMEFIX", "T1")]


@pytest.mark.asyncio
async def test_heartbeat_is_driven_by_advancing_the_manual_clock(harness: Harness) -> None:
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    harness.clock.advance(30 * SECOND)  # no sleeping: the clock jump wakes both schedulers
    heartbeat = await client.next_admin("0", WAIT)
    assert heartbeat.get(49) == "FNRA"
    assert heartbeat.get(52) == "20211115-14:30:30"  # TRACE CA: whole seconds on the wire


@pytest.mark.asyncio
async def test_a_burst_of_pipelined_reports_is_acknowledged_in_order(harness: Harness) -> None:
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    now = harness.clock.now_ns()
    for n in range(2000):  # queued without writing, then written in one go
        client.session.send_app(report(f"B{n}"), now)
    assert client.handler is not None
    client.handler.wake()
    refs = [(await client.receive(WAIT)).get(571) for _ in range(2000)]
    assert refs == [f"B{n}" for n in range(2000)]


@pytest.mark.asyncio
async def test_a_garbled_flood_on_one_connection_leaves_another_untouched(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start()
    good = await harness.client()
    await good.logon(timeout=WAIT)
    with caplog.at_level(logging.INFO, logger="simulator.fix"):
        reader, writer = await harness.raw()
        writer.write(b"8=FIX.4.4\x019=10485760\x0135=AE\x01" + b"x" * 65536)  # a "10 MB" message
        assert await closed(reader) == b""
        writer.close()
        reader, writer = await harness.raw()
        writer.write(b"\x00garbage\x01" * 1000)  # an invalid first message closes at once
        assert await closed(reader) == b""
        writer.close()
    reasons = [r.getMessage() for r in caplog.records]
    assert any("exceeds the 1048576-byte limit" in r for r in reasons), reasons
    assert any("invalid first message" in r for r in reasons), reasons
    good.send(report("still-here"))
    assert (await good.receive(WAIT)).get(571) == "still-here"


@pytest.mark.asyncio
async def test_what_a_counterparty_does_wrong_is_journaled_and_capped(
    harness: Harness, tmp_path: Path
) -> None:
    """Issue 6, "Bad input": answered, isolated, *and recorded*: garbled input, a forced
    disconnect and the rejects sent are fault records of their own kinds; a flood is capped."""
    journal = open_journal(tmp_path / "journal.sqlite3")
    harness.journal = journal
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    good = encode("FIX.4.4", [(35, "0"), (49, "ACMEFIX"), (56, "FNRA"), (57, "CA"), (34, 2)])
    client.send_raw(good[:-4] + b"999\x01")  # a wrong CheckSum: ignored, not counted
    client.send_raw(b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01")  # a wrong CheckSum again
    client.send(FixMessage.of("ZZ", (58, "no such message")))  # 373=11, test case 2q
    reject = await client.next_admin("3", WAIT)
    assert reject.get(373) == "11"
    reader, writer = await harness.raw()
    writer.write(b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01" * 500)  # a flood, first not a Logon
    assert await closed(reader) == b""
    writer.close()

    def kinds(kind: str) -> list[str]:
        return [f"{r.scope} {r.detail}" for r in journal.faults(kind=kind)]

    errors = kinds("counterparty-error")
    mine = [e for e in errors if e.startswith("session:trace-ca:ACMEFIX ")]
    assert len(mine) == 2 and "CheckSum 999 is wrong" in mine[0], errors
    assert any("connection:" in e and "invalid first message" in e for e in errors), errors
    [rejected] = kinds("session-reject")
    assert "373=11 on ZZ seq" in rejected
    assert len(journal.faults()) <= 2 * (INCIDENTS_PER_CONNECTION + 1)
    client.send(report("still-here"))
    assert (await client.receive(WAIT)).get(571) == "still-here"


@pytest.mark.asyncio
async def test_a_flood_of_garbage_is_recorded_up_to_the_cap(
    harness: Harness, tmp_path: Path
) -> None:
    journal = open_journal(tmp_path / "journal.sqlite3")
    harness.journal = journal
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    bad = b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01"
    client.send_raw(bad * (INCIDENTS_PER_CONNECTION + 50))
    client.send(report("after"))
    assert (await client.receive(WAIT)).get(571) == "after"  # the session is unharmed
    records = journal.faults(kind="counterparty-error")
    assert len(records) == INCIDENTS_PER_CONNECTION + 1
    assert "the rest not recorded" in records[-1].detail


@pytest.mark.asyncio
async def test_a_silent_connection_is_closed_at_the_logon_timeout(harness: Harness) -> None:
    await harness.start()
    reader, writer = await harness.raw()
    await asyncio.sleep(0)  # let the server accept it
    for _ in range(20):
        if harness.component and any(True for _ in harness.component.handlers()):
            break
        await asyncio.sleep(0.01)
    harness.clock.advance(10 * SECOND)
    assert await closed(reader) == b""
    writer.close()


@pytest.mark.asyncio
async def test_unknown_comp_ids_on_trace_are_ignored_until_the_logon_timeout(
    harness: Harness,
) -> None:
    await harness.start()
    reader, writer = await harness.raw()
    stamp = format_fix_timestamp(T0, 0)
    fields = [(35, "A"), (49, "STRANGER"), (56, "FNRA"), (34, "1"), (52, stamp)]
    writer.write(encode("FIX.4.4", [*fields, (98, "0"), (108, "30")]))
    await writer.drain()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(reader.read(1), 0.2)  # silently ignored: no answer at all
    harness.clock.advance(10 * SECOND)
    assert await closed(reader) == b""
    writer.close()


@pytest.mark.asyncio
async def test_alleges_route_to_the_other_firm_and_acks_are_copied_to_its_drop_copy(
    harness: Harness,
) -> None:
    await harness.start()
    acme = await harness.client("ACMEFIX")
    beta = await harness.client("BETAFIX")
    drop = await harness.client("BETADC", port="trace-ca-dropcopy")
    for client in (acme, beta, drop):
        await client.logon(timeout=WAIT)
    acme.send(report("X1", "to:BETX"))  # BETA's second MPID
    assert (await acme.receive(WAIT)).get(1011) == "CAEN"
    allege = await beta.receive(WAIT)
    assert (allege.get(571), allege.get(1011), allege.get(56)) == ("X1", "CAAL", "BETAFIX")
    copy = await drop.receive(WAIT)
    assert (copy.get(1011), copy.get(797), copy.get(56)) == ("CAAL", "Y", "BETADC")
    beta.send(report("Y1"))
    assert (await beta.receive(WAIT)).get(571) == "Y1"
    copy = await drop.receive(WAIT)
    assert (copy.get(571), copy.get(797)) == ("Y1", "Y")
    assert acme.messages.empty()  # ACME has no drop copy: nothing extra


@pytest.mark.asyncio
async def test_drop_copy_sessions_only_receive(harness: Harness) -> None:
    await harness.start()
    drop = await harness.client("BETADC", port="trace-ca-dropcopy")
    await drop.logon(timeout=WAIT)
    drop.send(report("nope"))
    message = await drop.receive(WAIT)  # 35=j is an application-level message
    assert (message.msg_type, message.get(380)) == ("j", "3")


@pytest.mark.asyncio
async def test_application_errors_become_business_rejects(harness: Harness) -> None:
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    client.send(report("boom"))
    bug = await client.receive(WAIT)
    assert (bug.msg_type, bug.get(380), bug.get(45)) == ("j", "4", "2")
    client.send(report("refuse"))
    refused = await client.receive(WAIT)
    assert (refused.msg_type, refused.get(380)) == ("j", "2")
    client.send(report("fine"))
    assert (await client.receive(WAIT)).get(571) == "fine"


class FlakyJournal:
    """A journal whose batch commit fails while ``failing`` is set (a full disk, say)."""

    def __init__(self) -> None:
        self.failing = False
        self.commits = 0

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield
        if self.failing:
            raise OSError("disk full")
        self.commits += 1


@pytest.mark.asyncio
async def test_no_acknowledgement_leaves_before_its_read_is_journaled(harness: Harness) -> None:
    """Issue 3: an acknowledged report is durable. When the journal cannot commit a read, none of
    its acknowledgements is sent; the firm gets a Business Message Reject and may resend."""
    harness.journal = FlakyJournal()
    await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    client.send(report("kept"))
    assert (await client.receive(WAIT)).get(571) == "kept"
    harness.journal.failing = True
    client.send(report("lost"))
    refused = await client.receive(WAIT)
    assert (refused.msg_type, refused.get(380), refused.get(45)) == ("j", "4", "3")
    assert "not accepted" in (refused.get(58) or "")
    harness.journal.failing = False
    client.send(report("again"))
    answer = await client.receive(WAIT)
    assert (answer.msg_type, answer.get(571)) == ("AE", "again")  # nothing for "lost" came first
    assert harness.journal.commits == 2


@pytest.mark.asyncio
async def test_a_read_its_answers_and_their_numbers_commit_in_one_journal_transaction(
    harness: Harness, tmp_path: Path
) -> None:
    """With the message store in the journal, a read is one transaction: when it rolls back,
    no session writes what it had stored for it (the acknowledgement, the allege, the drop
    copy); their numbers are used again, so nobody sees a gap; and the file agrees with the
    sessions afterwards."""
    journal = open_journal(tmp_path / "journal.sqlite3")
    harness.journal = journal
    component = await harness.start()
    acme, beta = await harness.client("ACMEFIX"), await harness.client("BETAFIX")
    drop = await harness.client("BETADC", port="trace-ca-dropcopy")
    for client in (acme, beta, drop):
        await client.logon(timeout=WAIT)
    acme.send(report("kept", "to:BETA"))
    kept = await acme.receive(WAIT)
    allege, copy = await beta.receive(WAIT), await drop.receive(WAIT)
    assert (kept.get(571), allege.get(571), copy.get(571)) == ("kept", "kept", "kept")

    commit = journal._save_counters

    def disk_full_once(conn: Any, touched: Any) -> None:
        journal._save_counters = commit  # type: ignore[method-assign]
        raise OSError("disk full")

    journal._save_counters = disk_full_once  # type: ignore[method-assign]
    acme.send(report("lost", "to:BETA"))
    refused = await acme.receive(WAIT)
    assert (refused.msg_type, refused.get(380)) == ("j", "4")
    assert int(refused.get(34) or 0) == int(kept.get(34) or 0) + 1  # the ack's number, reused
    acme.send(report("again", "to:BETA"))
    again = await acme.receive(WAIT)
    allege2, copy2 = await beta.receive(WAIT), await drop.receive(WAIT)
    assert (again.get(571), allege2.get(571), copy2.get(571)) == ("again", "again", "again")
    assert int(allege2.get(34) or 0) == int(allege.get(34) or 0) + 1  # "lost" never left
    assert int(copy2.get(34) or 0) == int(copy.get(34) or 0) + 1
    rows = journal.connection.execute(
        "SELECT session_id, next_sender, next_target FROM fix_session"
    ).fetchall()
    for session_id, sender, target in rows:
        session = component.session(session_id)
        assert (sender, target) == (session.next_sender_seq, session.next_target_seq)
    stored = b"".join(raw for (raw,) in journal.connection.execute("SELECT raw FROM fix_message"))
    assert b"571=lost" not in stored and stored.count(b"571=again") == 3


@pytest.mark.asyncio
async def test_without_an_application_reports_get_application_not_available(
    harness: Harness,
) -> None:
    await harness.start(factory=None)
    client = await harness.client()
    await client.logon(timeout=WAIT)
    client.send(report("T1"))
    answer = await client.receive(WAIT)
    assert (answer.msg_type, answer.get(380)) == ("j", "4")


@pytest.mark.asyncio
async def test_a_second_logon_for_a_live_session_is_refused(harness: Harness) -> None:
    await harness.start()
    first = await harness.client()
    await first.logon(timeout=WAIT)
    second = await harness.client()
    with pytest.raises(ConnectionError):
        await second.logon(timeout=WAIT)
    first.send(report("alive"))
    assert (await first.receive(WAIT)).get(571) == "alive"


@pytest.mark.asyncio
async def test_restart_on_the_same_data_directory_resumes_sequence_numbers(
    harness: Harness,
) -> None:
    component = await harness.start()
    client = await harness.client()
    await client.logon(timeout=WAIT)
    for n in range(3):
        client.send(report(f"R{n}"))
        await client.receive(WAIT)
    await client.logout(timeout=WAIT)
    before = component.session("trace-ca:ACMEFIX")
    numbers = (before.next_sender_seq, before.next_target_seq)
    assert numbers == (6, 6)
    await harness.stop()
    harness.clients.clear()
    restarted = await harness.start()
    assert restarted is not component
    after = restarted.session("trace-ca:ACMEFIX")
    assert (after.next_sender_seq, after.next_target_seq) == numbers
    snapshot = {s["session_id"]: s for s in restarted.snapshot()}
    assert snapshot["trace-ca:ACMEFIX"]["next_sender_seq"] == 6


@pytest.mark.asyncio
async def test_reset_closes_connections_and_renumbers_every_session(harness: Harness) -> None:
    component = await harness.start(memory=True)
    client = await harness.client()
    await client.logon(timeout=WAIT)
    client.send(report("before"))
    await client.receive(WAIT)
    assert component.session("trace-ca:ACMEFIX").next_target_seq == 3
    assert [name for name, _ in component._context.services["reset_hooks"]] == ["fix"]  # type: ignore[union-attr]
    component.reset()
    await client.wait_closed(WAIT)
    session = component.session("trace-ca:ACMEFIX")
    assert (session.next_sender_seq, session.next_target_seq) == (1, 1)
    again = await harness.client()
    await again.logon(timeout=WAIT)  # a fresh firm engine starts at 1 and is welcome
    assert component.disconnect("trace-ca:ACMEFIX")
    await again.wait_closed(WAIT)
    for _ in range(200):  # the server side notices its own close on the next loop turns
        connected = {s["session_id"]: s["connected"] for s in component.snapshot()}
        if not connected["trace-ca:ACMEFIX"]:
            break
        await asyncio.sleep(0.01)
    assert not component.disconnect("trace-ca:ACMEFIX")


@pytest.mark.asyncio
async def test_the_scheduler_waits_for_a_frozen_clock_and_fires_on_a_jump(
    clock: ManualClock,
) -> None:
    scheduler = Scheduler(clock)
    fired = asyncio.Event()
    scheduler.call_at(clock.now_ns() + 5 * SECOND, fired.set)
    await asyncio.sleep(0.05)
    assert not fired.is_set()
    clock.advance(5 * SECOND)
    await asyncio.wait_for(fired.wait(), WAIT)
    cancelled = scheduler.call_at(clock.now_ns() + SECOND, lambda: None)
    cancelled.cancel()
    assert scheduler.pending == 0
    scheduler.close()


@pytest.mark.slow
def test_a_real_quickfix_engine_logs_on_and_off(tmp_path: Path) -> None:
    """QuickFIX (the PyPI package a firm would use) against the default TRACE CA port."""
    quickfix = pytest.importorskip("quickfix")
    import threading

    from simulator.cli.serve import build_simulator
    from simulator.clock import SystemClock
    from simulator.config import load_config

    loop = asyncio.new_event_loop()
    simulator = build_simulator(
        load_config(), clock=SystemClock(), data_dir=tmp_path, auto_ports=True, web=False
    )
    loop.run_until_complete(simulator.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = simulator.endpoint("trace-ca").port
    dictionary = Path(__file__).resolve().parents[3] / "simulator/fix/dictionaries/trace-ca.xml"
    logged_on, logged_out = threading.Event(), threading.Event()
    admin_in: list[str] = []

    class Firm(quickfix.Application):  # type: ignore[misc]
        def onCreate(self, session: Any) -> None: ...
        def onLogon(self, session: Any) -> None:
            logged_on.set()

        def onLogout(self, session: Any) -> None:
            logged_out.set()

        def toAdmin(self, message: Any, session: Any) -> None: ...
        def fromAdmin(self, message: Any, session: Any) -> None:
            admin_in.append(message.toString().replace("\x01", "|"))

        def toApp(self, message: Any, session: Any) -> None: ...
        def fromApp(self, message: Any, session: Any) -> None: ...

    settings_file = tmp_path / "firm.cfg"
    settings_file.write_text(
        "[DEFAULT]\nConnectionType=initiator\nHeartBtInt=30\nStartTime=00:00:00\n"
        f"EndTime=23:59:59\nFileStorePath={tmp_path}/qf\nReconnectInterval=60\n"
        f"UseDataDictionary=Y\nDataDictionary={dictionary}\n\n[SESSION]\nBeginString=FIX.4.4\n"
        "SenderCompID=ACMEFIX\nTargetCompID=FNRA\nTargetSubID=CA\n"
        f"SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\n"
    )
    settings = quickfix.SessionSettings(str(settings_file))
    quiet = quickfix.ScreenLogFactory(False, False, False)
    initiator = quickfix.SocketInitiator(Firm(), quickfix.MemoryStoreFactory(), settings, quiet)
    try:
        initiator.start()
        assert logged_on.wait(10), admin_in
        initiator.stop()
        assert logged_out.wait(10)
    finally:
        asyncio.run_coroutine_threadsafe(simulator.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
    assert admin_in[0].startswith("8=FIX.4.4|") and "|35=A|" in admin_in[0]
    assert any("|35=5|" in message for message in admin_in)  # our answer to its Logout
    assert not any("|35=3|" in message for message in admin_in)


@pytest.mark.parametrize(
    ("setting", "clock_kind", "expected"),
    [
        ("auto", "system", 120 * SECOND),  # the facility and the engine read the same clock
        ("auto", "offset", None),  # "as of" another date: an engine's wall time would fail 2o
        ("auto", "manual", None),
        ("off", "system", None),
        (30, "manual", 30 * SECOND),  # an explicit tolerance is honoured on any clock
    ],
)
def test_sending_time_accuracy_is_checked_only_where_the_firm_shares_the_clock(
    setting: Any, clock_kind: str, expected: int | None
) -> None:
    config = parse_config(CONFIG, "test.toml")
    port = dataclasses.replace(config.ports[0], max_latency=setting)
    clocks = {"system": SystemClock(), "offset": OffsetClock(T0), "manual": ManualClock(T0)}
    assert FixComponent._latency(port, clocks[clock_kind]) == expected
