"""The Saturday UAT path in a real browser (Debian chromium driven by Playwright).

Enrol in MFA from the invitation email, log in to TRAQS with MFA, report a trade, correct it,
cancel the correction, and see each result on screen -- on 2021-03-20, the second production
UAT (seed 000). The simulator runs in this test's event loop on port 0 with a ManualClock; the
browser reaches every site name through ``--host-resolver-rules`` (no DNS change) and the
simulator's own TLS certificate, which this throw-away browser profile is told to accept.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pyotp
import pytest

from simulator.clock import SECOND, ManualClock
from simulator.harness.browser import CHROMIUM, chromium_missing_reason, launch_args, must_run
from simulator.journal import open_memory_journal
from simulator.outbox import Outbox
from simulator.runtime import Simulator, SimulatorContext
from simulator.timeline import Timeline
from simulator.timestamps import parse_iso8601
from simulator.web.component import ControlComponent, WebComponent

playwright = pytest.importorskip("playwright.async_api")

TINA = "tina.trader@acme.example"
PASSWORD = "Trader-2021"
ANSWERS = {
    "What is the name of the street you grew up on?": "main st",
    "What was the name of your first pet?": "Buddy",
    "In what city were you born?": "NEWARK",
}

pytestmark = [
    pytest.mark.browser,
    # Skipped where Chromium is missing, except in CI, where .ci/run installs it and a missing
    # browser must fail rather than pass silently.
    pytest.mark.skipif(
        chromium_missing_reason() is not None and not must_run(),
        reason=chromium_missing_reason() or "",
    ),
]


def test_uat_path_enrol_login_report_correct_cancel(tmp_path: Path) -> None:
    asyncio.run(_uat_path(tmp_path))


async def _uat_path(tmp_path: Path) -> None:
    clock = ManualClock(parse_iso8601("2021-03-20T09:05:00-04:00"))
    context = SimulatorContext(
        clock=clock,
        journal=open_memory_journal(),
        timeline=Timeline.default(),
        data_dir=tmp_path / "data",
        outbox=Outbox(),
    )
    web = WebComponent(kdf_cost=2**8)
    simulator = Simulator(context, [web, ControlComponent()])
    await simulator.start()
    assert web.state is not None and context.outbox is not None
    port = web.state.port
    try:
        invitation = next(
            m for m in context.outbox.messages(to=TINA) if m.tags.get("kind") == "mfa-invitation"
        )
        async with playwright.async_playwright() as driver:
            browser = await driver.chromium.launch(
                executable_path=CHROMIUM, args=launch_args(list(context.timeline.hosts()))
            )
            page = await (await browser.new_context(ignore_https_errors=True)).new_page()
            page.set_default_timeout(15_000)

            # 1. enrol from the invitation email
            await page.goto(invitation.links[0])
            await page.fill("input[name=password]", PASSWORD)
            await page.click("#enrol-password button")
            await page.click("#choose-totp button")
            secret = (await page.inner_text("#totp-secret")).strip()
            totp = pyotp.TOTP(secret)
            await page.fill("#totp-setup input[name=code]", totp.at(clock.now_ns() // SECOND))
            await page.click("#totp-setup button")
            assert "You are enrolled" in await page.inner_text("#enrolled")

            # 2. log in to TRAQS (new infrastructure) with MFA
            clock.advance(60 * SECOND)
            await page.goto(f"https://beta.finratraqs.org:{port}/login")
            await page.fill("#mfa-login input[name=username]", TINA)
            await page.fill("#mfa-login input[name=password]", PASSWORD)
            await page.click("#mfa-login button")
            question = (await page.inner_text("#question")).strip()
            await page.fill("input[name=answer]", ANSWERS[question])
            await page.click("#question-form button")
            await page.fill("#factor-totp input[name=code]", totp.at(clock.now_ns() // SECOND))
            await page.click("#factor-totp button[value=verify]")
            assert (await page.inner_text("#user")).strip() == TINA
            assert (await page.inner_text("#environment")).strip() == "uat"

            # 3. report a trade
            clock.advance(5 * SECOND)
            await page.click("text=Report a trade")
            await page.fill("input[name=security]", "037833100")
            await page.fill("input[name=quantity]", "250000")
            await page.fill("input[name=price]", "100.125")
            await page.fill("input[name=trade_date]", "2021-03-20")
            await page.fill("input[name=execution_time]", "09:06:00.123456789")
            await page.click("#submit-trade")
            reported = await page.inner_text("main")
            control = re.search(r"control number (\d+)", reported).group(1)
            row = page.locator(f"tr[data-control='{control}']")
            assert await row.get_attribute("data-state") == "accepted"

            # 4. correct it
            clock.advance(5 * SECOND)
            await row.locator("a.correct").click()
            await page.fill("input[name=price]", "100.25")
            await page.click("#submit-trade")
            corrected_text = await page.inner_text("main")
            assert f"Trade {control} corrected" in corrected_text
            new_control = re.search(r"correction has control number (\d+)", corrected_text)
            assert new_control is not None
            assert await row.get_attribute("data-state") == "corrected"
            replacement = page.locator(f"tr[data-control='{new_control.group(1)}']")
            assert "100.25" in await replacement.inner_text()

            # 5. cancel the correction
            clock.advance(5 * SECOND)
            await replacement.locator("button.cancel").click()
            assert f"Trade {new_control.group(1)} cancelled" in await page.inner_text("main")
            assert await replacement.get_attribute("data-state") == "cancelled"
            await browser.close()
        states = sorted(s.state.value for s in context.journal.query())
        assert states == ["cancelled", "corrected"]
        assert {s.environment.value for s in context.journal.query()} == {"uat"}
    finally:
        await simulator.stop()
