"""The web front saves before it answers, refuses to confirm what it could not save, and names a
state file it cannot read (issue 6, item 2; the store is simulator/web/persistence.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from simulator.cli.serve import build_simulator
from simulator.clock import ManualClock
from simulator.config import load_config
from simulator.errors import ConfigError
from simulator.harness.assembly import ComponentFailed, start_simulator
from simulator.harness.loop import LoopThread
from simulator.journal import open_memory_journal
from simulator.outbox import Outbox
from simulator.runtime import Simulator, SimulatorContext
from simulator.timeline import Timeline
from simulator.timestamps import parse_iso8601
from simulator.web.component import WebComponent
from simulator.web.persistence import STATE_FILENAME

TOM = "tom.trader@acme.example"
BETA = "beta.finratraqs.org"
FAST_KDF = 2**4


def saved_sessions(path: Path) -> list[dict[str, object]]:
    """The sessions in the state file, read by another connection (what a restart would see)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT data FROM web_session").fetchall()
    return [json.loads(text) for (text,) in rows]


def test_each_login_step_is_saved_before_its_answer_arrives(
    web_sim: Callable, tmp_path: Path
) -> None:
    path = tmp_path / "data" / STATE_FILENAME

    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get(BETA, "/login")
            assert [s["stage"] for s in saved_sessions(path)] == ["anonymous"]
            page = await sim.login(browser, BETA, TOM)
            assert page.url.endswith("/trades")
            done = [s for s in saved_sessions(path) if s["stage"] == "done"]
            assert [(s["username"], s["route"]) for s in done] == [(TOM, "mfa")]
            # the rotated-away sessions of each login step are gone from the file too
            assert len(saved_sessions(path)) == 1
            account = sim.state.directory.snapshot()
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                (text,) = connection.execute(
                    "SELECT data FROM web_component WHERE name = 'directory'"
                ).fetchone()
            assert json.loads(text) == json.loads(json.dumps(account))  # last login included
            assert sim.state.save_cost.writes >= 4

    web_sim(body)


def test_a_change_that_cannot_be_saved_is_not_confirmed(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get(BETA, "/login")
            store = sim.state.store
            assert store is not None
            store.close()  # the file can no longer be written
            page = await browser.post(
                BETA, "/login", {"method": "mfa", "username": TOM, "password": "Trader-2021"}
            )
            assert page.status == 503
            assert "could not save this change, so it was not confirmed" in page.text
            assert "Traceback" not in page.text
            answer = await browser.request(
                "GET", "download2.finratraqs.org", "/api/files", headers={}
            )
            assert answer.status == 503 and answer.json()["error"] == "state-not-saved"

    web_sim(body)


def test_without_persist_the_web_front_keeps_nothing_on_disk(
    web_sim: Callable, tmp_path: Path
) -> None:
    async def body(sim) -> None:
        assert sim.state.store is None
        async with sim.browser() as browser:
            page = await sim.login(browser, BETA, TOM)
            assert page.url.endswith("/trades")

    web_sim(body, persist=False)
    assert not (tmp_path / "data" / STATE_FILENAME).exists()


def test_an_unreadable_state_file_stops_the_web_front_naming_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / STATE_FILENAME).write_bytes(b"\x00garbage" * 512)

    async def start() -> None:
        context = SimulatorContext(
            clock=ManualClock(parse_iso8601("2021-03-20T09:00:00-04:00")),
            journal=open_memory_journal(),
            timeline=Timeline.default(),
            data_dir=data,
            outbox=Outbox(),
        )
        await Simulator(context, [WebComponent(kdf_cost=FAST_KDF)]).start()

    with pytest.raises(ConfigError) as error:
        asyncio.run(start())
    assert str(data / STATE_FILENAME) in str(error.value)
    assert "not a facsim web-state file" in str(error.value)

    # through the assembly facsim serve and the harness use: one line, the file named
    simulator = build_simulator(
        load_config(None),
        clock=ManualClock(parse_iso8601("2021-03-20T09:00:00-04:00")),
        data_dir=data,
        auto_ports=True,
    )
    with LoopThread() as loop, pytest.raises(ComponentFailed) as failed:
        start_simulator(simulator, loop)
    assert f"the web front could not start (ConfigError: {data / STATE_FILENAME}" in str(
        failed.value
    )


def saved_part(path: Path, name: str) -> object:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        (text,) = connection.execute(
            "SELECT data FROM web_component WHERE name = ?", (name,)
        ).fetchone()
    return json.loads(text)


def test_invitations_sent_by_a_clock_move_are_saved_before_the_control_api_answers(
    web_sim: Callable, tmp_path: Path
) -> None:
    path = tmp_path / "data" / STATE_FILENAME

    async def body(sim) -> None:
        mfa = saved_part(path, "mfa")
        assert isinstance(mfa, dict) and mfa["invitations"] == []
        async with (
            aiohttp.ClientSession() as http,
            http.post(sim.control_url + "/clock", json={"advance": "3d"}) as answer,
        ):
            assert answer.status == 200
        mfa = saved_part(path, "mfa")
        assert isinstance(mfa, dict)
        assert sorted(i["username"] for i in mfa["invitations"]) == [
            "alex.aa@acme.example",
            "sam.saa@acme.example",
            "tina.trader@acme.example",
        ]
        assert saved_part(path, "web") == {"pending_invitations": []}

    web_sim(body, at="2021-03-01T09:00:00-05:00")
