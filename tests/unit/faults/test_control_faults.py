"""The fault switches of the control API: POST/GET/DELETE /faults and GET /journal/faults.

A simulator with FIX ports and the control API runs in the test's loop on a manual clock; the
requests are real HTTP. Every bad body gets a 4xx naming the field; generated bodies never get a
5xx.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from fault_support import T0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.clock import MINUTE, ManualClock
from simulator.config import parse_config
from simulator.fix.component import FixComponent
from simulator.journal import open_memory_journal
from simulator.runtime import Simulator, SimulatorContext
from simulator.web.component import ControlComponent

CONFIG = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]

[[sessions]]
name = "trace-ca"
facility = "trace-ca"
port = 0
firms = ["ACME"]
"""


class Sim:
    def __init__(self, tmp: Path) -> None:
        self.clock = ManualClock(T0)
        self.journal = open_memory_journal(seed=1)
        context = SimulatorContext(
            clock=self.clock, journal=self.journal, timeline=None, data_dir=tmp
        )
        self.fix = FixComponent(parse_config(CONFIG), memory_store=True)
        self.simulator = Simulator(context, [self.fix, ControlComponent("127.0.0.1", 0)])
        self.url = ""
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        endpoints = await self.simulator.start()
        (control,) = [e for e in endpoints if e.name == "control-api"]
        self.url = f"http://127.0.0.1:{control.port}"
        self.http = aiohttp.ClientSession()

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        assert self.http is not None
        data = None if body is None else body if isinstance(body, bytes) else json.dumps(body)
        async with self.http.request(method, self.url + path, data=data) as response:
            return response.status, await response.json()

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self.simulator.stop()


@pytest_asyncio.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    s = Sim(tmp_path)
    await s.start()
    yield s
    await s.stop()


@pytest.mark.asyncio
async def test_arm_list_read_and_cancel_a_fault(sim: Sim) -> None:
    status, armed = await sim.call(
        "POST",
        "/faults",
        {"kind": "disconnect", "port": "trace-ca", "on_message": 3, "logout": True},
    )
    assert status == 201
    assert armed["status"] == "armed" and armed["source"] == "api"
    assert armed["description"].startswith("disconnect with Logout at port trace-ca")
    assert armed["sessions"] == ["trace-ca:ACMEFIX"] and armed["spec"]["on_message"] == 3
    status, listed = await sim.call("GET", "/faults")
    assert status == 200 and [f["id"] for f in listed["faults"]] == [armed["id"]]
    status, one = await sim.call("GET", f"/faults/{armed['id']}")
    assert status == 200 and one == armed
    status, gone = await sim.call("DELETE", f"/faults/{armed['id']}")
    assert status == 200 and gone["status"] == "cancelled"
    _, active = await sim.call("GET", "/faults?status=armed")
    assert active == {"faults": []}
    _, cancelled = await sim.call("GET", "/faults?status=cancelled&kind=disconnect")
    assert len(cancelled["faults"]) == 1


@pytest.mark.asyncio
async def test_the_journal_shows_what_was_injected(sim: Sim) -> None:
    at = "2021-11-15T09:31:00-05:00"
    await sim.call("POST", "/faults", {"kind": "outage", "facility": "trace-ca", "at": at})
    await sim.call("POST", "/faults", {"kind": "silence", "port": "trace-ca", "duration": "1m"})
    sim.clock.advance(MINUTE)
    status, found = await sim.call("GET", "/journal/faults?kind=outage")
    assert status == 200
    assert [r["detail"].split(": ")[1] for r in found["faults"]] == ["armed", "started"]
    assert {r["scope"] for r in found["faults"]} == {"facility:trace-ca"}
    _, scoped = await sim.call("GET", "/journal/faults?scope=port:trace-ca")
    assert [r["kind"] for r in scoped["faults"]] == ["silence"] * 3  # armed, started, ended
    _, cleared = await sim.call("DELETE", "/faults")
    assert cleared == {"cancelled": 1}  # the silence had already ended


@pytest.mark.asyncio
async def test_a_failover_answers_with_the_secondary_endpoint(sim: Sim) -> None:
    status, fault = await sim.call("POST", "/faults", {"kind": "failover", "port": "trace-ca"})
    assert status == 201
    (secondary,) = fault["secondary"]
    assert secondary["name"] == "trace-ca-secondary" and secondary["primary"] == "trace-ca"
    _, endpoints = await sim.call("GET", "/endpoints")
    assert secondary["port"] in [e["port"] for e in endpoints["endpoints"]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1]", "JSON object"),
        ({}, "kind: is required"),
        ({"kind": "teleport"}, "kind: 'teleport' is not one of"),
        ({"kind": "delay"}, "delay: is required"),
        ({"kind": "disconnect", "port": "nyse-trf"}, "port: no port named 'nyse-trf'"),
        ({"kind": "disconnect", "session": "trace-ca:X"}, "session: no session"),
        ({"kind": "withhold", "firm": "GAMMA"}, "firm: firm GAMMA: matches no session"),
        ({"kind": "outage", "facility": "adf"}, "facility: no port of adf is served"),
        ({"kind": "throttle", "rate": -1}, "rate: must be between 1"),
    ],
)
@pytest.mark.asyncio
async def test_a_bad_fault_is_a_400_naming_the_field(sim: Sim, body: Any, words: str) -> None:
    status, answer = await sim.call("POST", "/faults", body)
    assert status == 400, answer
    assert words in answer["message"], answer


@pytest.mark.asyncio
async def test_unknown_ids_and_bad_queries(sim: Sim) -> None:
    assert (await sim.call("GET", "/faults/99"))[0] == 404
    assert (await sim.call("DELETE", "/faults/99"))[0] == 404
    assert (await sim.call("GET", "/faults/abc"))[0] == 400
    assert (await sim.call("GET", "/faults?status=sleeping"))[0] == 400
    assert (await sim.call("GET", "/journal/faults?kind=teleport"))[0] == 400
    assert (await sim.call("GET", "/journal/faults?since=yesterday"))[0] == 400


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["trace-ca", "trace-ca:ACMEFIX", "ACME", "AE", "30s", "2021-11-15T10:00"]),
    st.lists(st.integers(), max_size=3),
)
_KEYS = st.sampled_from(
    ["kind", "port", "session", "firm", "facility", "msg_type", "at", "on_message", "direction",
     "duration", "until", "times", "logout", "text", "delay", "gap", "mode", "rate", "on_exceed",
     "delay_ns", "at_ns", "label", "unknown"]
)  # fmt: skip
_KINDS = st.sampled_from(
    ["disconnect", "silence", "delay", "withhold", "sequence-gap", "duplicate", "garble",
     "outage", "failover", "throttle", "nonsense"]
)  # fmt: skip


@pytest.mark.asyncio
async def test_generated_bodies_never_get_a_5xx(sim: Sim) -> None:
    seen: set[int] = set()

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(kind=_KINDS, extra=st.dictionaries(_KEYS, _VALUES, max_size=5))
    def bodies(kind: str, extra: dict[str, Any]) -> None:
        bodies.found.append({"kind": kind, **extra})

    bodies.found = []  # type: ignore[attr-defined]
    bodies()
    for body in bodies.found:  # type: ignore[attr-defined]
        status, answer = await sim.call("POST", "/faults", body)
        seen.add(status)
        assert status in (201, 400), (body, answer)
        if status == 400:
            assert answer["error"] == "bad-fault" or answer["error"] in ("bad-input", "bad-json")
    assert 400 in seen
    await sim.call("DELETE", "/faults")
