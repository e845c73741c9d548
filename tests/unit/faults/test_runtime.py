"""The fault runtime over loopback TCP: timers on the manual clock, ports, secondaries, journal.

A :class:`~simulator.fix.component.FixComponent` serves a small config; firms are the simulator's
own initiator over TCP (:class:`~simulator.fix.transport.FixClient`). Nothing sleeps: faults at
an instant fire because the test advances the manual clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from simulator.clock import MINUTE, SECOND, ManualClock
from simulator.config import load_config, parse_config
from simulator.domain.facility import FacilityId, PortType
from simulator.faults.plan import FaultStatus
from simulator.faults.runtime import FaultRuntime
from simulator.faults.spec import parse_fault
from simulator.fix.application import Outbound, SessionInfo
from simulator.fix.component import FixComponent
from simulator.fix.dialects import dictionary_path
from simulator.fix.dictionary import for_session
from simulator.fix.message import FixMessage
from simulator.fix.session import FixSession, LoggedOut, Role, SessionConfig
from simulator.fix.store import MemoryStore
from simulator.fix.transport import FixClient
from simulator.harness.adapter import TradeRequest
from simulator.harness.fix_messages import trade_message
from simulator.journal import open_journal
from simulator.runtime import SimulatorContext
from simulator.timestamps import local_ns

T0 = local_ns(dt.date(2021, 11, 15), 10, 0)
WAIT = 5.0

CONFIG = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]

[[firms]]
name = "BETA"
comp_id = "BETAFIX"
mpids = ["BETA"]

[[sessions]]
name = "trace-ca"
facility = "trace-ca"
port = 0
firms = ["ACME", "BETA"]
validate_fields = false
secondary_port = 0

[[faults]]
kind = "withhold"
session = "trace-ca:BETAFIX"
on_message = 1
label = "from the config"
"""


class Echo:
    msg_types = frozenset({"AE"})

    def __init__(self) -> None:
        self.seen: list[str | None] = []

    def on_logon(self, session: SessionInfo, now_ns: int) -> list[Outbound]:
        return []

    def on_message(self, session: SessionInfo, message: FixMessage, now_ns: int) -> list[Outbound]:
        self.seen.append(message.get(571))
        return [Outbound(FixMessage.of("AE", (571, message.get(571)), (939, 0), (1011, "CAEN")))]


class Rig:
    def __init__(self, clock: ManualClock, tmp: Path) -> None:
        self.clock = clock
        self.tmp = tmp
        self.echo = Echo()
        self.journal: Any = None
        self.component: FixComponent | None = None
        self.clients: list[FixClient] = []
        self.ports: dict[str, int] = {}
        self.dialects = False

    async def start(self, text: str = CONFIG, *, dialects: bool = False) -> FixComponent:
        self.dialects = dialects
        self.journal = open_journal(self.tmp / "journal", seed=1)
        if dialects:
            self.component = FixComponent(load_config(None), auto_ports=True, memory_store=True)
        else:
            self.component = FixComponent(
                parse_config(text, "faults.toml"),
                application_factory=lambda info, context: self.echo,
                memory_store=True,
            )
        context = SimulatorContext(
            clock=self.clock, journal=self.journal, timeline=None, data_dir=self.tmp
        )
        endpoints = await self.component.start(context)
        self.ports = {e.name: e.port for e in endpoints}
        return self.component

    @property
    def faults(self) -> FaultRuntime:
        assert self.component is not None and self.component.faults is not None
        return self.component.faults

    def session(self, firm: str = "ACMEFIX", facility: str = "trace-ca", sub: str = "CA",
                begin: str = "FIX.4.4") -> FixSession:  # fmt: skip
        info = SessionInfo(
            session_id=f"firm:{firm}:{facility}",
            facility=FacilityId(facility),
            begin_string=begin,
            facility_comp_id="FNRA" if sub else "NTRFC",
            firm_comp_id=firm,
            firm=firm,
            facility_sub_id=sub or None,
            port_type=PortType.FIX44 if begin == "FIX.4.4" else PortType.NATIVE_FIX42,
        )
        # with the real dialects the firm validates against the dialect's own dictionary, as a
        # firm's engine does; the stand-in acknowledgements of Echo would not pass it
        path = str(dictionary_path(info.facility, info.port_type)) if self.dialects else None
        dictionary = for_session(begin, path)
        return FixSession(
            SessionConfig(info=info, role=Role.INITIATOR, heartbeat_s=30, dictionary=dictionary),
            MemoryStore(),
        )

    async def client(self, port: str = "trace-ca", session: FixSession | None = None,
                     **kw: Any) -> FixClient:  # fmt: skip
        client = await FixClient.connect(
            "127.0.0.1", self.ports[port], session or self.session(**kw), self.clock
        )
        self.clients.append(client)
        return client

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()
        if self.component is not None:
            await self.component.stop()
        if self.journal is not None:
            self.journal.close()


@pytest_asyncio.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = Rig(ManualClock(T0), tmp_path)
    yield r
    await r.stop()


def report(ref: str) -> FixMessage:
    return FixMessage.of("AE", (571, ref), (487, 0), (856, 0))


def journal_details(rig: Rig, kind: str | None = None) -> list[str]:
    return [record.detail for record in rig.journal.faults(kind=kind)]


async def until(predicate: Any, what: str) -> None:
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.asyncio
async def test_config_faults_are_armed_at_start_and_rearmed_by_reset(rig: Rig) -> None:
    component = await rig.start()
    (fault,) = rig.faults.faults()
    assert (fault.source, fault.spec.label, fault.status) == (
        "config",
        "from the config",
        FaultStatus.ARMED,
    )
    beta = await rig.client(firm="BETAFIX")
    await beta.logon(timeout=WAIT)
    beta.send(report("B1"))
    beta.send(report("B2"))  # its ack reveals the gap; the withheld one comes back by resend
    first = await beta.receive(WAIT)
    second = await beta.receive(WAIT)
    assert (first.get(571), first.get(43)) == ("B1", "Y")  # recovered by resend
    assert second.get(571) == "B2"
    assert fault.status is FaultStatus.DONE
    assert any("stored, not sent" in d for d in journal_details(rig, "withhold"))
    component.reset()
    (again,) = [f for f in rig.faults.faults() if f.status is FaultStatus.ARMED]
    assert again.source == "config" and again.fault_id != fault.fault_id


@pytest.mark.asyncio
async def test_sessions_are_hooked_only_while_a_fault_is_live(rig: Rig) -> None:
    component = await rig.start()
    session = component.session("trace-ca:ACMEFIX")
    assert session.faults is not None  # the config's fault is armed
    rig.faults.clear()
    assert session.faults is None
    fault = await rig.faults.add(parse_fault({"kind": "duplicate", "session": "trace-ca:ACMEFIX"}))
    assert session.faults is not None
    rig.faults.cancel(fault.fault_id)
    assert session.faults is None


@pytest.mark.asyncio
async def test_a_disconnect_at_an_instant_fires_when_the_clock_gets_there(rig: Rig) -> None:
    await rig.start()
    client = await rig.client()
    await client.logon(timeout=WAIT)
    at = T0 + 10 * MINUTE
    spec = {"kind": "disconnect", "firm": "ACME", "at_ns": at, "logout": True, "text": "EOD"}
    fault = await rig.faults.add(parse_fault(spec))
    assert fault.status is FaultStatus.ARMED
    rig.clock.advance(10 * MINUTE - 1)
    client.send(report("T1"))
    assert (await client.receive(WAIT)).get(571) == "T1"  # still connected a nanosecond before
    rig.clock.advance(1)
    await client.wait_closed(WAIT)
    logouts = [e for e in _drain(client) if isinstance(e, LoggedOut)]
    assert logouts and logouts[-1].text == "EOD"
    assert fault.status is FaultStatus.DONE
    assert any("connection dropped with Logout" in d for d in journal_details(rig, "disconnect"))


def _drain(client: FixClient) -> list[Any]:
    events = []
    while not client.events.empty():
        events.append(client.events.get_nowait())
    return events


@pytest.mark.asyncio
async def test_failover_to_the_hot_hot_secondary_continues_the_sequence(rig: Rig) -> None:
    component = await rig.start()
    assert "trace-ca-secondary" in rig.ports  # secondary_port = 0 in the config
    session = rig.session()
    client = await rig.client(session=session)
    await client.logon(timeout=WAIT)
    client.send(report("T1"))
    await client.receive(WAIT)
    facility_side = component.session("trace-ca:ACMEFIX")
    numbers = (facility_side.next_sender_seq, facility_side.next_target_seq)
    fault = await rig.faults.add(parse_fault({"kind": "failover", "port": "trace-ca"}))
    await client.wait_closed(WAIT)  # the primary dropped us, without a Logout
    described = rig.faults.describe(fault)
    assert described["secondary"][0]["port"] == rig.ports["trace-ca-secondary"]
    refused = await rig.client()  # the primary closes new connections at once
    with pytest.raises(ConnectionError):
        await refused.logon(timeout=WAIT)
    assert component.listeners["trace-ca"].refused >= 1
    again = await rig.client("trace-ca-secondary", session=session)
    await again.logon(timeout=WAIT)  # no reset: the numbers continue from the shared store
    assert (facility_side.next_sender_seq, facility_side.next_target_seq) == (
        numbers[0] + 1,
        numbers[1] + 1,
    )
    again.send(report("T2"))
    assert (await again.receive(WAIT)).get(571) == "T2"
    rig.faults.cancel(fault.fault_id)
    assert not component.listeners["trace-ca"].down
    details = journal_details(rig, "failover")
    assert any("primary down, 1 connection(s) dropped" in d for d in details)
    assert any("primary back up" in d for d in details)


@pytest.mark.asyncio
async def test_a_failover_starts_a_secondary_when_none_is_configured(rig: Rig) -> None:
    text = CONFIG.replace("secondary_port = 0\n", "")
    component = await rig.start(text)
    assert "trace-ca-secondary" not in rig.ports
    fault = await rig.faults.add(parse_fault({"kind": "failover", "port": "trace-ca"}))
    (endpoint,) = rig.faults.endpoints_of(fault)
    assert endpoint.name == "trace-ca-secondary" and endpoint.details["role"] == "secondary"
    assert "trace-ca" in component.secondaries


@pytest.mark.asyncio
async def test_throttle_rejects_beyond_the_rate_then_allows_again(rig: Rig) -> None:
    await rig.start()
    await rig.faults.add(parse_fault({"kind": "throttle", "rate": 2, "firm": "ACME"}))
    client = await rig.client()
    await client.logon(timeout=WAIT)
    for ref in ("T1", "T2", "T3"):
        client.send(report(ref))
    answers = [await client.receive(WAIT) for _ in range(3)]
    assert [a.msg_type for a in answers] == ["AE", "AE", "j"]
    assert answers[2].get(380) == "0" and "Throttle limit exceeded" in (answers[2].get(58) or "")
    assert rig.echo.seen == ["T1", "T2"]  # the third never reached the facility's application
    rig.clock.advance(SECOND)
    client.send(report("T4"))
    assert (await client.receive(WAIT)).get(571) == "T4"


@pytest.mark.asyncio
async def test_throttle_can_log_the_firm_out(rig: Rig) -> None:
    await rig.start()
    spec = {"kind": "throttle", "rate": 1, "on_exceed": "disconnect", "session": "trace-ca:ACMEFIX"}
    await rig.faults.add(parse_fault(spec))
    client = await rig.client()
    await client.logon(timeout=WAIT)
    client.send(report("T1"))
    client.send(report("T2"))
    await client.wait_closed(WAIT)
    logouts = [e for e in _drain(client) if isinstance(e, LoggedOut)]
    assert logouts and "Throttle limit exceeded" in (logouts[-1].text or "")


@pytest.mark.asyncio
async def test_an_inbound_drop_and_the_reconnect_over_tcp(rig: Rig) -> None:
    component = await rig.start()
    spec = {"kind": "disconnect", "firm": "ACME", "on_message": 2, "direction": "inbound"}
    await rig.faults.add(parse_fault(spec))
    session = rig.session()
    client = await rig.client(session=session)
    await client.logon(timeout=WAIT)
    for ref in ("T1", "T2", "T3"):
        client.send(report(ref))
    await client.wait_closed(WAIT)
    await until(lambda: not component.session("trace-ca:ACMEFIX").is_connected, "the close")
    assert rig.echo.seen == ["T1"]
    again = await rig.client(session=session)
    await again.logon(timeout=WAIT)  # the facility asks for 3 onwards; the firm resends T2, T3
    assert (await client.receive(WAIT)).get(571) == "T1"  # before the drop
    refs = [(await again.receive(WAIT)).get(571) for _ in range(2)]
    assert refs == ["T2", "T3"] and rig.echo.seen == ["T1", "T2", "T3"]


@pytest.mark.asyncio
async def test_an_outage_refuses_reports_with_the_facilitys_own_reason(rig: Rig) -> None:
    await rig.start(dialects=True)
    start = T0 + MINUTE
    spec = {"kind": "outage", "facility": "trace-ca", "at_ns": start, "duration": "15m"}
    await rig.faults.add(parse_fault(spec))
    await rig.faults.add(parse_fault({**spec, "facility": "nasdaq-trf-carteret"}))
    trace = await rig.client("trace-ca")
    await trace.logon(timeout=WAIT)
    equity = await rig.client("nasdaq-trf-carteret", facility="nasdaq-trf-carteret", sub="",
                              begin="FIX.4.2")  # fmt: skip
    await equity.logon(timeout=WAIT)

    async def send(client: FixClient, facility: str, ref: str) -> FixMessage:
        trade = TradeRequest(
            facility=facility,
            mpid="ACME",
            side="S",
            symbol="037833100" if facility == "trace-ca" else "AAPL",
            quantity=Decimal(100),
            price=Decimal("10.25"),
            executed_ns=rig.clock.now_ns() - SECOND,
            client_ref=ref,
        )
        client.send(trade_message(trade, trace=facility == "trace-ca", digits=0 if facility ==
                                  "trace-ca" else 3))  # fmt: skip
        return await client.receive(WAIT)

    assert (await send(trace, "trace-ca", "BEFORE")).msg_type == "AE"
    rig.clock.advance(MINUTE)
    refused = await send(trace, "trace-ca", "DURING")
    assert (refused.msg_type, refused.get(751), refused.get(58)) == (
        "AR",
        "4069",
        "TRACE TEMPORARILY NOT AVAILABLE",
    )
    equity_refused = await send(equity, "nasdaq-trf-carteret", "EQ")
    assert "FACILITY TEMPORARILY NOT AVAILABLE" in (equity_refused.get(58) or "")
    rig.clock.advance(15 * MINUTE)
    assert (await send(trace, "trace-ca", "AFTER")).get(1011) == "CAEN"
    rejects = rig.journal.rejects(facility="trace-ca")
    assert [(r.code, r.text) for r in rejects] == [("4069", "TRACE TEMPORARILY NOT AVAILABLE")]
    refusals = [d for d in journal_details(rig, "outage") if "report refused" in d]
    assert refusals == [
        "fault 1: report refused: 4069 TRACE TEMPORARILY NOT AVAILABLE",
        "fault 2: report refused: 4069 FACILITY TEMPORARILY NOT AVAILABLE",
    ]
    assert {r.report.client_ref for r in rig.journal.query(facility="trace-ca")} == {
        "BEFORE",
        "AFTER",
    }


def test_each_facility_refuses_with_its_own_outage_reason() -> None:
    from simulator.faults.runtime import facility_reason

    assert str(facility_reason(FacilityId.TRACE_TS)) == "4069 TRACE TEMPORARILY NOT AVAILABLE"
    for facility in (
        FacilityId.NASDAQ_TRF_CHICAGO,
        FacilityId.NYSE_TRF,
        FacilityId.ADF,
        FacilityId.ORF,
    ):
        assert facility_reason(facility).text == "FACILITY TEMPORARILY NOT AVAILABLE"
