"""A tester in a real browser: Debian's Chromium driven by Playwright, against the web front.

The browser reaches every site name of the simulator's timeline through Chromium's
``--host-resolver-rules`` (no DNS or hosts-file change) and the simulator's own TLS certificate,
which this throw-away profile is told to accept. What the tester does is what a person does:
open the invitation link, type the password, read the authenticator secret off the page and
type the code for the simulated instant, answer the security question, fill in the trade form,
press Correct and Cancel on a row of the trade display.

Playwright's synchronous API runs in the test's own thread, while the simulator keeps running on
its loop thread (:mod:`simulator.harness.loop`), so steps stay synchronous and thin. Each
browser scenario launches Chromium (:func:`launch`) and closes it at its end -- Playwright's
synchronous driver marks an event loop as running in the test thread while it lives -- and
works in a fresh browser context (cookies, certificates) from :class:`BrowserTester`.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

from simulator.harness.controller import HarnessError, SimHarness

CHROMIUM = "/usr/bin/chromium"

#: Real milliseconds Playwright waits for a page or an element before failing the step.
PAGE_TIMEOUT_MS = 15_000

_CONTROL = re.compile(r"control number (\d+)")
_CORRECTION = re.compile(r"correction has control number (\d+)")


def chromium_missing_reason() -> str | None:
    """Why the browser scenarios cannot run here (``None`` when they can)."""
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def must_run() -> bool:
    """In CI (``CI`` set and not false) a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def launch_args(hosts: list[str]) -> list[str]:
    """Chromium flags: headless, no sandbox (containers), nothing reaching the network but
    the simulator, and every site name resolved to loopback."""
    rules = ",".join(f"MAP {host} 127.0.0.1" for host in hosts)
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--host-resolver-rules={rules}",
    ]


@dataclass
class RunningBrowser:
    """A launched Chromium and its Playwright driver (both stopped by :meth:`close`)."""

    driver: Any
    browser: Any

    def close(self) -> None:
        self.browser.close()
        self.driver.stop()


def launch(hosts: list[str]) -> RunningBrowser:
    """Start Playwright and Chromium with the simulator's site names mapped to loopback."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=launch_args(hosts))
    except Exception:
        driver.stop()
        raise
    return RunningBrowser(driver, browser)


@dataclass
class BrowserTester:
    """One tester's browser window for one scenario."""

    sim: SimHarness
    running: RunningBrowser
    context: Any = None
    page: Any = None
    secrets: dict[str, str] = field(default_factory=dict)
    controls: list[str] = field(default_factory=list)

    def open(self) -> BrowserTester:
        self.context = self.running.browser.new_context(ignore_https_errors=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        return self

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None

    # -- plumbing ---------------------------------------------------------------------------
    def _port(self) -> int:
        web = [e for e in self.sim.endpoints() if e.component == "web"]
        if not web:
            raise HarnessError("the simulator serves no web front")
        return web[0].port

    def url(self, host: str, path: str) -> str:
        return f"https://{host}:{self._port()}{path}"

    def _seen(self, what: str) -> None:
        self.sim.record("page", "browser", f"{what}: {self.page.url}")

    def _code(self, username: str) -> str:
        from simulator.web.client import totp_code

        secret = self.secrets.get(username) or self._credentials(username).totp_secret
        if not secret:
            raise HarnessError(f"{username} has no authenticator app enrolled")
        return totp_code(secret, self.sim.now_ns())

    @staticmethod
    def _credentials(username: str) -> Any:
        from simulator.harness.web_client import load_credentials

        found = load_credentials().get(username.casefold())
        if found is None:
            raise HarnessError(f"{username} has no test credentials in the organisation files")
        return found

    def text(self) -> str:
        return str(self.page.inner_text("body"))

    # -- what the tester does -----------------------------------------------------------------
    def enrol_from_invitation(self, username: str) -> None:
        """Open the newest invitation link, set the password, enrol an authenticator app."""
        invitations = [
            m
            for m in self.sim.outbox(to=username, kind="mfa-invitation")
            if int(m["sent_ns"]) <= self.sim.now_ns()
        ]
        if not invitations:
            raise HarnessError(f"{username} has no MFA invitation email")
        page = self.page
        page.goto(invitations[-1]["links"][0])
        page.fill("input[name=password]", self._credentials(username).password)
        page.click("#enrol-password button")
        page.click("#choose-totp button")
        secret = page.inner_text("#totp-secret").strip()
        self.secrets[username] = secret
        page.fill("#totp-setup input[name=code]", self._code(username))
        page.click("#totp-setup button")
        self._seen("enrolled an authenticator app")

    def login_mfa(self, username: str, host: str) -> None:
        """Password, security question, authenticator code -- on the site's login page."""
        creds = self._credentials(username)
        page = self.page
        page.goto(self.url(host, "/login"))
        page.fill("#mfa-login input[name=username]", username)
        page.fill("#mfa-login input[name=password]", creds.password)
        page.click("#mfa-login button")
        if page.locator("#question").count():
            question = page.inner_text("#question").strip()
            page.fill("input[name=answer]", creds.answers.get(question, ""))
            page.click("#question-form button")
        if page.locator("#factor-totp").count():
            page.fill("#factor-totp input[name=code]", self._code(username))
            page.click("#factor-totp button[value=verify]")
        self._seen(f"MFA login at {host}")

    def report(self, security: str, quantity: str, price: str, executed: str) -> str:
        """Fill in and submit the trade form; return the control number TRAQS shows."""
        page = self.page
        page.click("text=Report a trade")
        wall = self._wall(executed)
        page.fill("input[name=security]", security)
        page.fill("input[name=quantity]", quantity)
        page.fill("input[name=price]", price)
        page.fill("input[name=trade_date]", wall[0])
        page.fill("input[name=execution_time]", wall[1])
        page.click("#submit-trade")
        found = _CONTROL.search(page.inner_text("main"))
        if found is None:
            raise HarnessError(f"TRAQS did not take the trade: {page.inner_text('main')[:300]}")
        self.controls.append(found.group(1))
        self._seen(f"reported a trade, control number {found.group(1)}")
        return found.group(1)

    def _wall(self, executed: str) -> tuple[str, str]:
        from simulator.harness.timetext import et_wall, time_today

        ns = time_today(self.sim.now_ns(), executed)
        wall = et_wall(ns)
        return wall.date().isoformat(), f"{wall:%H:%M:%S}.{ns % 1_000_000_000:09d}"

    def _row(self, control: str) -> Any:
        return self.page.locator(f"tr[data-control='{control}']")

    def correct_price(self, price: str) -> str:
        """Press Correct on the newest trade's row and submit a new price."""
        page = self.page
        self._row(self.controls[-1]).locator("a.correct").click()
        page.fill("input[name=price]", price)
        page.click("#submit-trade")
        found = _CORRECTION.search(page.inner_text("main"))
        if found is None:
            raise HarnessError(f"TRAQS did not take the correction: {page.inner_text('main')}")
        self.controls.append(found.group(1))
        self._seen(f"corrected, new control number {found.group(1)}")
        return found.group(1)

    def cancel_latest(self) -> None:
        """Press Cancel on the newest trade's row."""
        self._row(self.controls[-1]).locator("button.cancel").click()
        self._seen(f"cancelled control number {self.controls[-1]}")

    def state_of(self, which: str) -> str:
        """The display's state of the ``first`` or ``latest`` trade version."""
        control = self.controls[0] if which == "first" else self.controls[-1]
        return str(self._row(control).get_attribute("data-state"))
