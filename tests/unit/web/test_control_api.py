"""The control API: health, clock, outbox, journal, audit, reset, entitlement helpers, OpenAPI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from simulator.clock import MINUTE, SystemClock
from simulator.domain.trade import Side, TradeReport
from simulator.errors import UserInputError
from simulator.facilities.timeliness import assess
from simulator.runtime import Simulator, SimulatorContext
from simulator.timestamps import local_date, parse_iso8601
from simulator.web.control import parse_duration
from simulator.web.openapi import document, render

ROOT = Path(__file__).resolve().parents[3]


async def call(sim, method: str, path: str, body=None, **params) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        kwargs = {"params": params or None}
        if body is not None:
            kwargs["data"] = body if isinstance(body, bytes | str) else json.dumps(body)
        async with session.request(method, sim.control_url + path, **kwargs) as response:
            return response.status, await response.json()


def _report(sim, mpid: str = "ACME") -> None:
    now = sim.clock.now_ns()
    executed = now - 5_000_000_000
    report = TradeReport(
        facility="trace-ca",
        reporting_mpid=mpid,
        side=Side.BUY,
        security="037833100",
        quantity=Decimal("1000"),
        price=Decimal("99.5"),
        executed_ns=executed,
        trade_date=local_date(executed),
        client_ref="C1",
        security_id_source="1",
    )
    sim.journal.submit(report, assess("trace-ca", executed, now), now)


def test_health_ready_endpoints(web_sim: Callable) -> None:
    async def body(sim) -> None:
        status, health = await call(sim, "GET", "/health")
        assert status == 200 and health["now_ns"] == sim.clock.now_ns()
        status, ready = await call(sim, "GET", "/ready")
        assert status == 200 and ready == {"ready": True, "components": ["control", "web"]}
        _, found = await call(sim, "GET", "/endpoints")
        names = {e["name"] for e in found["endpoints"]}
        assert {"control-api", "finratraqs.org", "mpp.nasdaq.com"} <= names
        _, info = await call(sim, "GET", "/web")
        assert info["port"] == sim.port and info["pki"]["ca"].endswith("ca.pem")

    web_sim(body)


def test_clock_read_set_advance_and_refusals(web_sim: Callable) -> None:
    async def body(sim) -> None:
        status, clock = await call(sim, "POST", "/clock", {"at": "2021-04-19T09:00:00-04:00"})
        assert status == 200 and clock["now"] == "2021-04-19T09:00:00.000000000-04:00"
        assert sim.clock.now_ns() == parse_iso8601("2021-04-19T09:00:00-04:00")
        _, clock = await call(sim, "POST", "/clock", {"advance": "15m"})
        assert clock["now_ns"] == parse_iso8601("2021-04-19T09:15:00-04:00")
        _, clock = await call(sim, "POST", "/clock", {"advance_ns": 1})
        assert clock["now"].endswith("09:15:00.000000001-04:00")
        _, clock = await call(sim, "POST", "/clock", {"set_ns": 0})
        assert clock["now_ns"] == 0
        for bad in (
            {},
            {"at": "x"},
            {"advance": "-1s"},
            {"advance_ns": -5},
            {"at": "2021-01-01", "advance": "1s"},
            {"when": "now"},
            {"set_ns": 10**20},
            {"advance_ns": True},
        ):
            status, error = await call(sim, "POST", "/clock", bad)
            assert status == 400, bad
            assert error["message"], bad
        status, _ = await call(sim, "POST", "/clock", b"[1, 2")
        assert status == 400

    web_sim(body)


def test_system_clock_cannot_be_set() -> None:
    async def main() -> None:
        from simulator.web.component import ControlComponent

        context = SimulatorContext(
            clock=SystemClock(), journal=None, timeline=None, data_dir=Path(".")
        )
        control = ControlComponent()
        simulator = Simulator(context, [control])
        await simulator.start()
        try:

            class Sim:
                control_url = f"http://127.0.0.1:{control.bound_port}"

            status, error = await call(Sim, "POST", "/clock", {"advance": "1s"})
            assert status == 409 and error["error"] == "clock-not-settable"
            status, _ = await call(Sim, "GET", "/journal/reports")
            assert status == 404
        finally:
            await simulator.stop()

    asyncio.run(main())


def test_parse_duration() -> None:
    assert parse_duration("15m") == 15 * MINUTE
    assert parse_duration("1h30m") == 90 * MINUTE
    assert parse_duration("10.000000001s") == 10_000_000_001
    assert parse_duration("250ms") == 250_000_000
    for bad in ("", "15", "m", "1.5ns", "1x", "1m 2"):
        with pytest.raises(UserInputError):
            parse_duration(bad)


def test_outbox_queries(web_sim: Callable) -> None:
    async def body(sim) -> None:
        _, found = await call(sim, "GET", "/outbox", channel="email", kind="mfa-invitation")
        assert len(found["messages"]) == 3
        _, one = await call(sim, "GET", "/outbox", to="TINA.TRADER@acme.example")
        assert [m["to"] for m in one["messages"]] == ["tina.trader@acme.example"]
        assert one["messages"][0]["links"][0].startswith("https://mpp.nasdaq.com:")
        status, _ = await call(sim, "GET", "/outbox", channel="pigeon")
        assert status == 400
        status, latest = await call(sim, "GET", "/outbox/latest", to="tina.trader@acme.example")
        assert status == 200 and latest["tags"]["kind"] == "mfa-invitation"
        status, _ = await call(sim, "GET", "/outbox/latest", to="nobody@example.org")
        assert status == 404
        _, cleared = await call(sim, "DELETE", "/outbox")
        assert cleared == {"cleared": 3}

    web_sim(body)


def test_journal_and_audit_queries(web_sim: Callable) -> None:
    async def body(sim) -> None:
        _report(sim)
        _, found = await call(sim, "GET", "/journal/reports", mpid="ACME", late="false")
        assert len(found["reports"]) == 1
        report_id = found["reports"][0]["report_id"]
        _, one = await call(sim, "GET", f"/journal/reports/{report_id}")
        assert one["events"][0]["action"] == "accept"
        for params in (
            {"late": "maybe"},
            {"since": "yesterday"},
            {"state": "x"},
            {"limit": "0"},
            {"environment": "staging"},
        ):
            status, _ = await call(sim, "GET", "/journal/reports", **params)
            assert status == 400, params
        assert (await call(sim, "GET", "/journal/reports/abc"))[0] == 400
        assert (await call(sim, "GET", "/journal/reports/999"))[0] == 404
        sim.state.directory.verify_password(
            "tom.trader@acme.example", "wrong-1", sim.clock.now_ns()
        )
        _, audit = await call(sim, "GET", "/audit", actor="tom.trader@acme.example")
        assert audit["audit"][-1]["outcome"] == "refused:bad-credentials"
        for path in (
            "/journal/rejects",
            "/journal/duplicates",
            "/journal/deliveries",
            "/uat/registrations",
            "/timeline",
        ):
            assert (await call(sim, "GET", path))[0] == 200, path

    web_sim(body)


def test_reset_empties_and_reloads(web_sim: Callable) -> None:
    async def body(sim) -> None:
        _report(sim)
        sim.state.directory.verify_password("tom.trader@acme.example", "x", sim.clock.now_ns())
        status, answer = await call(sim, "POST", "/reset", {"at": "2021-03-20T09:00:00-04:00"})
        assert status == 200 and set(answer["reset"]) == {"journal", "outbox", "web"}
        assert sim.journal.query() == []
        assert sim.state.directory.account("tom.trader@acme.example").password_failures == []
        # the configured invitations are emailed again after a reset
        assert len(sim.outbox.messages(tag=("kind", "mfa-invitation"))) == 3
        assert (await call(sim, "POST", "/reset", {"bogus": 1}))[0] == 400

    web_sim(body)


def test_entitlement_and_mfa_helpers(web_sim: Callable) -> None:
    async def body(sim) -> None:
        status, tom = await call(sim, "GET", "/entitlement/accounts/tom.trader@acme.example")
        assert status == 200 and tom["totp_secret"] == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        assert tom["mpids"] == ["ACME", "ACMX"] and not tom["locked"]
        for _ in range(5):
            sim.state.directory.verify_password("sam.saa@acme.example", "bad-1", sim.clock.now_ns())
        _, sam = await call(sim, "GET", "/entitlement/accounts/sam.saa@acme.example")
        assert sam["locked"]
        status, _ = await call(
            sim, "POST", "/entitlement/unlock", {"username": "sam.saa@acme.example"}
        )
        assert status == 200
        _, sam = await call(sim, "GET", "/entitlement/accounts/sam.saa@acme.example")
        assert not sam["locked"]
        status, invited = await call(
            sim, "POST", "/mfa/invite", {"username": "tina.trader@acme.example"}
        )
        assert status == 200 and "/enrol?token=" in invited["link"]
        assert (await call(sim, "POST", "/mfa/invite", {"username": "x@y.z"}))[0] == 404
        assert (await call(sim, "POST", "/mfa/invite", {"username": 5}))[0] == 400
        assert (await call(sim, "GET", "/entitlement/accounts/nobody"))[0] == 404

    web_sim(body)


def test_openapi_is_served_and_matches_docs(web_sim: Callable) -> None:
    async def body(sim) -> None:
        status, served = await call(sim, "GET", "/openapi.json")
        assert status == 200 and served == document()
        paths = set(served["paths"])
        routes = {r.resource.canonical for r in sim.control._runner.app.router.routes()}
        assert routes == paths

    web_sim(body)
    assert (ROOT / "docs" / "openapi.json").read_text() == render(), (
        "docs/openapi.json is stale: python -m simulator.web.openapi > docs/openapi.json"
    )


def test_a_busy_port_is_an_error_and_leaves_nothing_behind(tmp_path: Path) -> None:
    async def main() -> None:
        import socket

        from simulator.web.component import ControlComponent, WebComponent

        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        try:
            for component in (ControlComponent(port=port), WebComponent(port=port, kdf_cost=2**8)):
                context = SimulatorContext(
                    clock=SystemClock(), journal=None, timeline=None, data_dir=tmp_path
                )
                with pytest.raises(OSError):
                    await component.start(context)
                await component.stop()
        finally:
            blocker.close()

    asyncio.run(main())


def test_moving_the_clock_past_march_4_sends_the_invitations(web_sim: Callable) -> None:
    async def body(sim) -> None:
        _, before = await call(sim, "GET", "/outbox", kind="mfa-invitation")
        assert before["messages"] == []
        await call(sim, "POST", "/clock", {"advance": "3d"})  # 2021-03-04 09:00 ET
        _, after = await call(sim, "GET", "/outbox", kind="mfa-invitation")
        assert len(after["messages"]) == 3
        assert after["messages"][0]["sent"] == "2021-03-04T00:00:00.000000000-05:00"

    web_sim(body, at="2021-03-01T09:00:00-05:00")
