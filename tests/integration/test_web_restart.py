"""The web front's state survives a restart on the same data directory (issue 6, item 2).

Each test starts the simulator ``facsim serve`` assembles (``build_simulator``, through the
harness's ``build_for_tests``: manual clock, every port 0) on a data directory, drives the web
front over HTTPS as a browser does, stops it, builds a NEW simulator on the same directory and
checks -- through the same browser, with the same cookies -- that everything is as it was.
The SIGKILL version of the same promise is the crash drill
(``tests/integration/test_crash_recovery.py``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from simulator.clock import MINUTE, ManualClock
from simulator.harness.assembly import build_for_tests
from simulator.outbox import Channel
from simulator.runtime import Simulator
from simulator.timestamps import parse_iso8601
from simulator.web.client import WebClient, totp_code
from simulator.web.state import WebState

TOM = "tom.trader@acme.example"
TINA = "tina.trader@acme.example"
BOB = "bob.trader@bravo.example"
PASSWORD = "Trader-2021"
TOM_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BOB_SECRET = "ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU"
TOM_ANSWERS = ["Second Avenue", "Coco", "Jersey City"]
QUESTIONS = (
    "What is the name of the street you grew up on?",
    "What was the name of your first pet?",
    "In what city were you born?",
)
NEW_QUESTIONS = (
    "What was your childhood nickname?",
    "What was the make of your first car?",
    "What is your mother's maiden name?",
)
NEW_ANSWERS = ["Tommy", "Volvo", "Smith"]
BETA = "beta.finratraqs.org"
TRAQS = "finratraqs.org"
MPP = "mpp.nasdaq.com"
API = "download2.finratraqs.org"
SEED = 7


@dataclass
class Running:
    """One simulator on the data directory, and how to reach it."""

    simulator: Simulator
    clock: ManualClock

    @property
    def state(self) -> WebState:
        state = self.simulator.context.services["web"]
        assert isinstance(state, WebState)
        return state

    @property
    def port(self) -> int:
        return next(e.port for e in self.simulator.endpoints if e.component == "web")

    @property
    def pki(self) -> Path:
        web = next(e for e in self.simulator.endpoints if "pki" in e.details)
        return Path(web.details["pki"])

    @property
    def control(self) -> str:
        found = next(e for e in self.simulator.endpoints if e.component == "control")
        return f"http://{found.host}:{found.port}"

    def browser(self, cert: str | None = None) -> WebClient:
        state = self.state
        assert state.pki is not None
        return WebClient(
            self.port, ca=self.pki / "ca.pem", cert=state.pki.client(cert) if cert else None
        )

    async def control_get(self, path: str) -> Any:
        async with aiohttp.ClientSession() as http, http.get(self.control + path) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    async def control_post(self, path: str, body: dict[str, Any]) -> Any:
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.control + path, json=body) as answer,
        ):
            assert answer.status == 200, await answer.text()
            return await answer.json()

    async def stop(self) -> None:
        await self.simulator.stop()


async def start(data_dir: Path, at_ns: int) -> Running:
    clock = ManualClock(at_ns)
    simulator = build_for_tests(clock, data_dir, SEED)
    await simulator.start()
    return Running(simulator, clock)


def follow(browser: WebClient, running: Running) -> WebClient:
    """The same browser (cookie jar, CA) pointed at the restarted simulator's new port."""
    browser.port = running.port
    return browser


def run(body: Callable[[Path], Awaitable[None]], tmp_path: Path) -> None:
    asyncio.run(body(tmp_path / "data"))


async def login_mfa(
    running: Running,
    browser: WebClient,
    host: str,
    username: str,
    secret: str,
    answers: list[str],
    questions: tuple[str, ...] = QUESTIONS,
    *,
    steps_ahead: int = 0,
) -> Any:
    return await browser.login_mfa(
        host,
        username,
        PASSWORD,
        answer=lambda question: answers[questions.index(question)],
        code=totp_code(secret, running.clock.now_ns(), steps_ahead),
    )


def test_a_tester_is_still_logged_in_and_keeps_every_change_after_a_restart(
    tmp_path: Path,
) -> None:
    async def body(data_dir: Path) -> None:
        first = await start(data_dir, parse_iso8601("2021-03-15T10:00:00-04:00"))
        tom = first.browser()
        await tom.__aenter__()
        try:
            # Tom logs in to TRAQS on the new infrastructure (MFA) and opens the trade entry
            page = await login_mfa(first, tom, BETA, TOM, TOM_SECRET, TOM_ANSWERS)
            assert page.url.endswith("/trades"), page.url
            before = await tom.get(BETA, "/trades/new")
            assert before.status == 200 and before.csrf

            # Tina enrols an authenticator app from her invitation email
            emails = first.simulator.context.outbox.messages(channel=Channel.EMAIL, to=TINA)
            link = next(m for m in emails if m.tags.get("kind") == "mfa-invitation").links[0]
            async with first.browser() as tina:
                await tina.get(MPP, link.split(f":{first.port}", 1)[1])
                await tina.post(MPP, "/enrol/password", {"password": PASSWORD})
                page = await tina.post(MPP, "/factor/setup", {"action": "totp-start"})
                found = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
                assert found is not None, page.text[:500]
                tina_secret = found.group(1)
                code = totp_code(tina_secret, first.clock.now_ns())
                page = await tina.post(
                    MPP, "/factor/setup", {"action": "totp-confirm", "code": code}
                )
                assert 'id="enrolled"' in page.text

            # Tom sets new security questions in his MFA profile (the next 30-second code:
            # the current one was used for TRAQS, and a used code is refused)
            async with first.browser() as profile:
                page = await login_mfa(
                    first, profile, MPP, TOM, TOM_SECRET, TOM_ANSWERS, steps_ahead=1
                )
                assert page.url.endswith("/profile"), page.url
                await profile.get(MPP, "/profile/questions")
                form = {f"question{i + 1}": q for i, q in enumerate(NEW_QUESTIONS)}
                form |= {f"answer{i + 1}": a for i, a in enumerate(NEW_ANSWERS)}
                page = await profile.post(MPP, "/profile/questions", form)
                assert page.url.endswith("/profile") and page.status == 200

            # Bob mistypes his password three times (two more within the hour lock him out)
            async with first.browser() as bob:
                await bob.get(BETA, "/login")
                for _ in range(3):
                    page = await bob.post(
                        BETA, "/login", {"method": "mfa", "username": BOB, "password": "wrong-1"}
                    )
                    assert page.status == 401
                assert "2 attempt(s) remain" in page.text

            # Tina registers Acme for the Saturday UAT with her certificate
            async with first.browser(cert=TINA) as registrar:
                page = await registrar.login_certificate(TRAQS, TINA, PASSWORD)
                assert page.url.endswith("/trades"), page.url
                await registrar.get(TRAQS, "/uat")
                form = {
                    "uat": "2021-03-20",
                    "firm_name": "Acme Securities LLC",
                    "mpids": "ACME",
                    "testers": "Tina Trader",
                    "web_usernames": TINA,
                }
                page = await registrar.post(TRAQS, "/uat", form)
                assert "is registered" in page.text

            # The SAA removes a role from Tom (the directory API the admin pages call)
            now = first.clock.now_ns()
            first.state.directory.unassign_role("sam.saa@acme.example", TOM, "Reference data", now)
            await tom.get(BETA, "/trades")  # any request saves what changed

            first.clock.advance(MINUTE)
            stopped_at = first.clock.now_ns()
            await first.stop()

            # --- a NEW simulator on the same data directory ---------------------------------
            second = await start(data_dir, stopped_at)
            try:
                follow(tom, second)
                page = await tom.get(BETA, "/trades/new")
                assert page.status == 200 and page.url.endswith("/trades/new"), page.url
                assert page.csrf == before.csrf  # the same session, the same CSRF token
                assert page.has(TOM)

                async with second.browser() as tina:
                    page = await login_mfa(
                        second, tina, BETA, TINA, tina_secret, ["Main Street", "Buddy", "Newark"]
                    )
                    assert page.url.endswith("/trades"), (page.status, page.error)

                async with second.browser() as again:
                    page = await login_mfa(
                        second, again, BETA, TOM, TOM_SECRET, NEW_ANSWERS, NEW_QUESTIONS
                    )
                    assert page.url.endswith("/trades"), (page.status, page.error)

                async with second.browser() as bob:
                    await bob.get(BETA, "/login")
                    page = await bob.post(
                        BETA, "/login", {"method": "mfa", "username": BOB, "password": "wrong-2"}
                    )
                    assert page.status == 401 and "1 attempt(s) remain" in page.text
                    page = await bob.post(
                        BETA, "/login", {"method": "mfa", "username": BOB, "password": "wrong-3"}
                    )
                    assert page.status == 403 and "locked" in page.text

                found = await second.control_get("/uat/registrations?uat=2021-03-20")
                assert [
                    (r["org_id"], r["registered_by"], r["mpids"]) for r in found["registrations"]
                ] == [("100001", TINA, ["ACME"])]
                account = await second.control_get(f"/entitlement/accounts/{TINA}")
                assert [f["kind"] for f in account["mfa_factors"]] == ["totp"]
                assert account["totp_secret"] == tina_secret
                account = await second.control_get(f"/entitlement/accounts/{TOM}")
                assert account["roles"] == ["TRAQS trader"]
            finally:
                await second.stop()
        finally:
            await tom.__aexit__(None, None, None)

    run(body, tmp_path)


def test_api_tokens_work_after_a_restart_until_their_simulated_expiry(tmp_path: Path) -> None:
    async def body(data_dir: Path) -> None:
        first = await start(data_dir, parse_iso8601("2024-10-01T10:00:00-04:00"))
        async with first.browser() as tom:
            await login_mfa(first, tom, TRAQS, TOM, TOM_SECRET, TOM_ANSWERS)
            await tom.get(TRAQS, "/api-token")
            issued = await tom.post(TRAQS, "/api-token", {})
            refresh = issued.text.split('id="refresh-token">')[1].split("<")[0]
            answer = await tom.request(
                "POST",
                API,
                "/api/token",
                data={"grant_type": "refresh_token", "refresh_token": refresh},
            )
            assert answer.status == 200, answer.text
            access = answer.json()["access_token"]
        first.clock.advance(10 * MINUTE)
        stopped_at = first.clock.now_ns()
        await first.stop()

        second = await start(data_dir, stopped_at)
        try:
            async with second.browser() as program:
                bearer = {"Authorization": f"Bearer {access}"}
                listing = await program.request("GET", API, "/api/files", headers=bearer)
                assert listing.status == 200, listing.text
                second.clock.advance(20 * MINUTE)  # 30 minutes after it was issued
                expired = await program.request("GET", API, "/api/files", headers=bearer)
                assert expired.status == 401
                assert expired.json()["error"] == "expired-access-token"
                again = await program.request(
                    "POST",
                    API,
                    "/api/token",
                    data={"grant_type": "refresh_token", "refresh_token": refresh},
                )
                assert again.status == 200, again.text
        finally:
            await second.stop()

    run(body, tmp_path)


def test_reset_goes_back_to_the_files_and_forgets_the_saved_state(tmp_path: Path) -> None:
    async def body(data_dir: Path) -> None:
        first = await start(data_dir, parse_iso8601("2021-03-15T10:00:00-04:00"))
        async with first.browser() as tom:
            page = await login_mfa(first, tom, BETA, TOM, TOM_SECRET, TOM_ANSWERS)
            assert page.url.endswith("/trades")
            await first.control_post("/reset", {})
            first.clock.advance(MINUTE)
            stopped_at = first.clock.now_ns()
            await first.stop()

            second = await start(data_dir, stopped_at)
            try:
                page = await follow(tom, second).get(BETA, "/trades")
                assert page.url.endswith("/login"), "a reset ends every session for good"
                account = await second.control_get(f"/entitlement/accounts/{TOM}")
                assert account["last_activity"] is None  # the login before the reset is gone
            finally:
                await second.stop()

    run(body, tmp_path)
