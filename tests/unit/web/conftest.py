"""A running web front (real TLS on port 0, a ManualClock) for the web tests.

Tests are plain functions that hand an ``async def body(sim)`` to the ``web_sim`` fixture; it
starts the web and control components on a fresh in-memory journal, runs the body and stops
everything, so no test leaves a listener behind and none sleeps: time moves only by
``sim.clock.advance(...)`` / ``sim.clock.set_ns(...)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulator.clock import ManualClock
from simulator.journal import open_memory_journal
from simulator.outbox import Outbox
from simulator.runtime import Simulator, SimulatorContext
from simulator.timeline import Timeline
from simulator.timestamps import parse_iso8601
from simulator.web.client import WebClient
from simulator.web.component import ControlComponent, WebComponent
from simulator.web.state import WebState

FAST_KDF = 2**8
PASSWORDS = {
    "tom.trader@acme.example": "Trader-2021",
    "tina.trader@acme.example": "Trader-2021",
    "nina.ntf@acme.example": "Trader-2021",
    "bob.trader@bravo.example": "Trader-2021",
    "sam.saa@acme.example": "Acme-Saa-2021",
    "alex.aa@acme.example": "Acme-Aa-2021",
    "beth.saa@bravo.example": "Bravo-Saa-2021",
}
ANSWERS = {
    "tom.trader@acme.example": ["Second Avenue", "Coco", "Jersey City"],
    "tina.trader@acme.example": ["Main Street", "Buddy", "Newark"],
    "nina.ntf@acme.example": ["Park Place", "Max", "Hoboken"],
    "bob.trader@bravo.example": ["Lake Shore Drive", "Bella", "Milwaukee"],
    "sam.saa@acme.example": ["Elm Street", "Rex", "Boston"],
    "beth.saa@bravo.example": ["River Road", "Daisy", "Denver"],
}
SECRETS = {
    "tom.trader@acme.example": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "nina.ntf@acme.example": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    "bob.trader@bravo.example": "ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU",
    "beth.saa@bravo.example": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
}
QUESTIONS = (
    "What is the name of the street you grew up on?",
    "What was the name of your first pet?",
    "In what city were you born?",
)


def answer_for(username: str) -> Callable[[str], str]:
    def answer(question: str) -> str:
        return ANSWERS[username][QUESTIONS.index(question)]

    return answer


@dataclass
class WebSim:
    clock: ManualClock
    context: SimulatorContext
    simulator: Simulator
    web: WebComponent
    control: ControlComponent

    @property
    def state(self) -> WebState:
        assert self.web.state is not None
        return self.web.state

    @property
    def port(self) -> int:
        assert self.state.port is not None
        return self.state.port

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control.bound_port}"

    @property
    def journal(self) -> Any:
        return self.context.journal

    @property
    def outbox(self) -> Outbox:
        assert self.context.outbox is not None
        return self.context.outbox

    def browser(self, cert: str | None = None) -> WebClient:
        pki = self.web.pki
        assert pki is not None
        return WebClient(self.port, ca=pki.ca_pem, cert=pki.client(cert) if cert else None)

    def at(self, text: str) -> None:
        self.clock.set_ns(parse_iso8601(text))

    async def login(
        self, browser: WebClient, host: str, username: str, *, steps_ahead: int = 0
    ) -> Any:
        from simulator.web.client import totp_code

        return await browser.login_mfa(
            host,
            username,
            PASSWORDS[username],
            answer=answer_for(username),
            code=totp_code(SECRETS[username], self.clock.now_ns(), steps_ahead),
        )

    def audit(self, action: str | None = None, actor: str | None = None) -> list[str]:
        return [r.outcome for r in self.journal.audit(action=action, actor=actor)]


Body = Callable[[WebSim], Awaitable[None]]


@pytest.fixture
def web_sim(tmp_path: Path) -> Callable[..., None]:
    def run(body: Body, *, at: str = "2021-03-20T09:00:00-04:00", **options: Any) -> None:
        async def main() -> None:
            clock = ManualClock(parse_iso8601(at))
            context = SimulatorContext(
                clock=clock,
                journal=open_memory_journal(),
                timeline=Timeline.default(),
                data_dir=tmp_path / "data",
                outbox=Outbox(),
            )
            web = WebComponent(kdf_cost=FAST_KDF, **options)
            control = ControlComponent()
            simulator = Simulator(context, [web, control])
            await simulator.start()
            try:
                await body(WebSim(clock, context, simulator, web, control))
            finally:
                await simulator.stop()

        asyncio.run(main())

    return run
