"""Logins by date: certificate or MFA in the parallel period, MFA only from 2021-04-19."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import aiohttp
import pytest
import trustme

from simulator.clock import HOUR, MINUTE, SECOND
from simulator.web.client import totp_code

TOM = "tom.trader@acme.example"
TINA = "tina.trader@acme.example"
NINA = "nina.ntf@acme.example"
BOB = "bob.trader@bravo.example"
PASSWORD = "Trader-2021"


def test_parallel_period_certificate_on_old_and_mfa_on_new(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            login = await browser.get("finratraqs.org", "/login")
            assert login.has("Certificate presented: " + TOM)
            page = await browser.login_certificate("finratraqs.org", TOM, PASSWORD)
            assert page.status == 200 and page.url.endswith("/trades")
            assert 'id="route">web-certificate<' in page.text
        async with sim.browser() as browser:
            page = await sim.login(browser, "beta.finratraqs.org", TOM)
            assert page.status == 200 and page.url.endswith("/trades"), page.text[:400]
            assert 'id="route">web-mfa<' in page.text
        outcomes = sim.audit(action="login", actor=TOM)
        assert outcomes == ["ok", "ok"]
        details = [r.detail for r in sim.journal.audit(action="login", actor=TOM)]
        assert any("route=certificate" in d for d in details)
        assert any("route=mfa" in d for d in details)

    web_sim(body)


def test_certificate_only_login_refused_from_2021_04_19(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            page = await browser.get("finratraqs.org", "/login")
            assert 'id="certificate-login"' not in page.text
            assert 'id="certificate-refused"' in page.text
            refused = await browser.post(
                "finratraqs.org",
                "/login",
                {"method": "certificate", "username": TOM, "password": PASSWORD},
            )
            assert refused.status == 403
            assert "April 19, 2021" in refused.text
            assert 'data-code="certificate-not-accepted"' in refused.text
            # the same user with MFA gets in on the permanent site
            page = await sim.login(browser, "finratraqs.org", TOM)
            assert page.url.endswith("/trades")
        assert "refused:certificate-not-accepted" in sim.audit(action="login-certificate")
        async with sim.browser() as browser:
            moved = await browser.get("beta.finratraqs.org", "/login")
            assert moved.status == 410
            assert 'id="moved-to"' in moved.text and "https://finratraqs.org:" in moved.text

    web_sim(body, at="2021-04-19T08:00:00-04:00")


def test_a_certificate_session_ends_when_the_clock_passes_the_cutover(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            assert (await browser.login_certificate("finratraqs.org", TOM, PASSWORD)).status == 200
            assert (await browser.get("finratraqs.org", "/trades")).status == 200
            sim.clock.advance(15 * MINUTE)  # 2021-04-19 00:05 ET: MFA only
            page = await browser.get("finratraqs.org", "/trades")
            assert page.status == 403
            assert "April 19, 2021" in page.text
            assert 'data-code="certificate-not-accepted"' in page.text

    web_sim(body, at="2021-04-18T23:50:00-04:00")


def test_certificate_login_needs_the_users_own_certificate(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await browser.login_certificate("finratraqs.org", TOM, PASSWORD)
            assert page.status == 403 and 'data-code="certificate-missing"' in page.text
        async with sim.browser(cert=BOB) as browser:
            page = await browser.login_certificate("finratraqs.org", TOM, PASSWORD)
            assert page.status == 403 and 'data-code="certificate-not-registered"' in page.text
            assert BOB in page.text
        outcomes = sim.audit(action="login-certificate")
        assert "refused:certificate-missing" in outcomes
        assert "refused:certificate-not-registered" in outcomes

    web_sim(body)


def test_a_certificate_from_another_ca_fails_the_handshake(web_sim: Callable, tmp_path) -> None:
    async def body(sim) -> None:
        rogue = trustme.CA().issue_cert(TOM, common_name=TOM)
        context = ssl.create_default_context(cafile=str(sim.web.pki.ca_pem))
        rogue.configure_cert(context)
        connector = aiohttp.TCPConnector(ssl=context)
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises((aiohttp.ClientError, ssl.SSLError, ConnectionError)):
                async with session.get(f"https://127.0.0.1:{sim.port}/login") as response:
                    await response.read()

    web_sim(body)


def test_mfa_only_on_beta_during_the_parallel_period(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            await browser.get("beta.finratraqs.org", "/login")
            page = await browser.post(
                "beta.finratraqs.org",
                "/login",
                {"method": "certificate", "username": TOM, "password": PASSWORD},
            )
            assert page.status == 403
            assert "current infrastructure" in page.text
        async with sim.browser() as browser:
            await browser.get("finratraqs.org", "/login")
            page = await browser.post(
                "finratraqs.org", "/login", {"method": "mfa", "username": TOM, "password": PASSWORD}
            )
            assert page.status == 403 and "beta.finratraqs.org" in page.text

    web_sim(body)


def test_wrong_and_replayed_codes_are_refused(web_sim: Callable) -> None:
    async def body(sim) -> None:
        secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        async with sim.browser() as browser:
            wrong = await browser.login_mfa(
                "beta.finratraqs.org",
                TOM,
                PASSWORD,
                answer=lambda q: {
                    "What is the name of the street you grew up on?": "2nd Ave",
                    "What was the name of your first pet?": "coco",
                    "In what city were you born?": "jersey city",
                }[q],
                code="000000",
            )
            assert wrong.status == 400 and wrong.error and "not valid" in wrong.error
            code = totp_code(secret, sim.clock.now_ns())
            ok = await browser.post(
                "beta.finratraqs.org",
                "/login/factor",
                {"kind": "totp", "action": "verify", "code": code},
            )
            assert ok.url.endswith("/trades")
        async with sim.browser() as other:
            sim.clock.advance(5 * SECOND)
            replay = await sim.login(other, "beta.finratraqs.org", TOM)
            assert replay.status == 400
            assert "already been used" in (replay.error or "")
            # the next code (one step ahead, inside the tolerance) is accepted
            page = await other.post(
                "beta.finratraqs.org",
                "/login/factor",
                {
                    "kind": "totp",
                    "action": "verify",
                    "code": totp_code(secret, sim.clock.now_ns(), 1),
                },
            )
            assert page.url.endswith("/trades")
        assert {"refused:code-wrong", "refused:code-reused"} <= set(sim.audit("login-factor"))

    web_sim(body)


def test_ntf_only_user_cannot_log_in_to_production_on_the_uat_saturday(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await sim.login(browser, "finratraqs.org", NINA)
            assert page.status == 403
            assert "production region" in page.text
            ntf = await sim.login(browser, "ntf.finratraqs.org", NINA, steps_ahead=1)
            assert ntf.url.endswith("/trades"), ntf.text[:300]
            assert 'id="environment">ntf<' in ntf.text
        assert "refused:region-not-entitled" in sim.audit(actor=NINA)

    web_sim(body, at="2021-04-24T09:30:00-04:00")


def test_user_not_enrolled_in_mfa_is_denied(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get("finratraqs.org", "/login")
            page = await browser.post(
                "finratraqs.org",
                "/login",
                {"method": "mfa", "username": TINA, "password": PASSWORD},
            )
            assert page.status == 403 and 'data-code="mfa-not-enrolled"' in page.text
            assert "mpp.nasdaq.com" in page.text

    web_sim(body, at="2021-04-19T09:00:00-04:00")


def test_five_wrong_passwords_lock_for_one_hour_of_simulated_time(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get("beta.finratraqs.org", "/login")
            for _ in range(5):
                page = await browser.post(
                    "beta.finratraqs.org",
                    "/login",
                    {"method": "mfa", "username": TOM, "password": "wrong-1"},
                )
                sim.clock.advance(MINUTE)
            assert page.status == 403 and "locked" in page.text
            right = await browser.post(
                "beta.finratraqs.org",
                "/login",
                {"method": "mfa", "username": TOM, "password": PASSWORD},
            )
            assert right.status == 403 and 'data-code="account-locked"' in right.text
            sim.clock.advance(HOUR)
            page = await sim.login(browser, "beta.finratraqs.org", TOM)
            assert page.url.endswith("/trades")
        assert "refused:account-locked" in sim.audit("password", TOM)

    web_sim(body)


def test_forms_without_the_csrf_token_are_refused(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get("beta.finratraqs.org", "/login")
            page = await browser.post(
                "beta.finratraqs.org",
                "/login",
                {"method": "mfa", "username": TOM, "password": PASSWORD, "csrf_token": "forged"},
            )
            assert page.status == 403 and 'data-code="csrf"' in page.text

    web_sim(body)


def test_remembered_computer_skips_the_security_question(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await browser.login_mfa(
                "beta.finratraqs.org",
                TOM,
                PASSWORD,
                answer=lambda q: (
                    "coco" if "pet" in q else ("2nd avenue" if "street" in q else "Jersey City")
                ),
                code=totp_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", sim.clock.now_ns()),
                remember=True,
            )
            assert page.url.endswith("/trades")
            await browser.post("beta.finratraqs.org", "/logout", {})
            sim.clock.advance(MINUTE)
            await browser.get("beta.finratraqs.org", "/login")
            page = await browser.post(
                "beta.finratraqs.org",
                "/login",
                {"method": "mfa", "username": TOM, "password": PASSWORD},
            )
            assert page.url.endswith("/login/factor")

    web_sim(body)


def test_host_and_sni_must_agree_and_unknown_hosts_are_named(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await browser.request(
                "GET", "finratraqs.org", "/login", headers={"Host": "beta.finratraqs.org"}
            )
            assert page.status == 421
            unknown = await browser.request(
                "GET", "finratraqs.org", "/login", headers={"Host": "example.org"}
            )
            assert unknown.status in (404, 421)

    web_sim(body)
