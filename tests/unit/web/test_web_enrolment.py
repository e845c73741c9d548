"""MFA enrolment from the invitation email (seed 000/001) and the MFA service profile."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from simulator.clock import MINUTE
from simulator.mfa import FactorKind, MfaError
from simulator.outbox import Channel
from simulator.timestamps import parse_iso8601
from simulator.web.client import totp_code

TINA = "tina.trader@acme.example"
PASSWORD = "Trader-2021"
MPP = "mpp.nasdaq.com"


def _invitation_path(sim, username: str) -> str:
    emails = sim.outbox.messages(channel=Channel.EMAIL, to=username)
    invitations = [m for m in emails if m.tags.get("kind") == "mfa-invitation"]
    assert invitations, "no invitation email"
    link = invitations[-1].links[0]
    assert link.startswith(f"https://{MPP}:{sim.port}/enrol?token=")
    return link.split(f":{sim.port}", 1)[1]


def test_invitations_were_emailed_on_march_4(web_sim: Callable) -> None:
    async def body(sim) -> None:
        invitations = sim.outbox.messages(channel="email", tag=("kind", "mfa-invitation"))
        # tina has no second factor yet; tom, nina, bob and beth were pre-enrolled
        assert {m.to for m in invitations} == {
            "tina.trader@acme.example",
            "sam.saa@acme.example",
            "alex.aa@acme.example",
        }
        assert {m.sent_ns for m in invitations} == {parse_iso8601("2021-03-04T00:00:00-05:00")}
        assert "NASDAQ MFA service" in invitations[0].body

    web_sim(body)


def test_invitation_waits_for_its_date_then_is_sent_once(web_sim: Callable) -> None:
    async def body(sim) -> None:
        assert sim.outbox.messages(tag=("kind", "mfa-invitation")) == []
        sim.at("2021-03-04T08:00:00-05:00")
        async with sim.browser() as browser:
            await browser.get(MPP, "/")
            await browser.get(MPP, "/")
        assert len(sim.outbox.messages(tag=("kind", "mfa-invitation"))) == 3

    web_sim(body, at="2021-03-01T09:00:00-05:00")


def test_enrol_with_an_authenticator_app_then_log_in(web_sim: Callable) -> None:
    async def body(sim) -> None:
        path = _invitation_path(sim, TINA)
        async with sim.browser() as browser:
            page = await browser.get(MPP, path)
            assert page.url.endswith("/enrol/password") and page.has(TINA)
            page = await browser.post(MPP, "/enrol/password", {"password": PASSWORD})
            # security questions are already set for tina: straight to the factor
            assert page.url.endswith("/factor/setup"), page.url
            page = await browser.post(MPP, "/factor/setup", {"action": "totp-start"})
            secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
            uri = re.search(r'id="totp-uri">([^<]+)<', page.text).group(1)
            assert uri.startswith("otpauth://totp/") and secret in uri
            wrong = await browser.post(
                MPP, "/factor/setup", {"action": "totp-confirm", "code": "123456"}
            )
            assert wrong.status == 400
            code = totp_code(secret, sim.clock.now_ns())
            done = await browser.post(
                MPP, "/factor/setup", {"action": "totp-confirm", "code": code}
            )
            assert done.url.endswith("/enrol/done") and 'id="enrolled"' in done.text
            # the link works once
            again = await browser.get(MPP, path)
            assert again.status == 400 and "already been used" in again.text
        sim.clock.advance(MINUTE)
        async with sim.browser() as browser:
            page = await browser.login_mfa(
                "beta.finratraqs.org",
                TINA,
                PASSWORD,
                answer=lambda q: {
                    "What is the name of the street you grew up on?": "main st",
                    "What was the name of your first pet?": "BUDDY",
                    "In what city were you born?": "newark",
                }[q],
                code=totp_code(secret, sim.clock.now_ns()),
            )
            assert page.url.endswith("/trades"), page.text[:500]
        assert "completed" in sim.audit("mfa-enrolment", TINA)

    web_sim(body)


def test_enrol_by_sms_with_the_code_from_the_outbox(web_sim: Callable) -> None:
    async def body(sim) -> None:
        path = _invitation_path(sim, TINA)
        async with sim.browser() as browser:
            await browser.get(MPP, path)
            await browser.post(MPP, "/enrol/password", {"password": PASSWORD})
            page = await browser.post(
                MPP,
                "/factor/setup",
                {"action": "phone-start", "kind": "sms", "phone": "+1 212 555 0199"},
            )
            assert page.status == 200
            sms = sim.outbox.latest(channel="sms", to="+1 212 555 0199")
            assert sms is not None and sms.code and len(sms.code) == 6
            done = await browser.post(
                MPP, "/factor/setup", {"action": "phone-confirm", "code": sms.code}
            )
            assert done.url.endswith("/enrol/done")
        sim.clock.advance(MINUTE)
        async with sim.browser() as browser:
            page = await browser.login_mfa(
                "beta.finratraqs.org",
                TINA,
                PASSWORD,
                answer=lambda q: {
                    "What is the name of the street you grew up on?": "Main Street",
                    "What was the name of your first pet?": "Buddy",
                    "In what city were you born?": "Newark",
                }[q],
                factor="sms",
                code=lambda: sim.outbox.latest(channel="sms", to="+1 212 555 0199").code,
            )
            assert page.url.endswith("/trades")
        assert sim.outbox.latest(channel="sms").tags["purpose"] == "login"

    web_sim(body)


def test_sms_code_expires_after_five_minutes(web_sim: Callable) -> None:
    async def body(sim) -> None:
        mfa = sim.state.mfa
        mfa.add_phone(TINA, FactorKind.SMS, "+1 212 555 0102", sim.clock.now_ns())
        code = sim.outbox.latest(channel="sms").code
        sim.clock.advance(5 * MINUTE)
        with pytest.raises(MfaError) as expired:
            mfa.confirm_phone(TINA, FactorKind.SMS, code, sim.clock.now_ns())
        assert expired.value.code == "code-expired"

    web_sim(body)


def test_a_bad_or_expired_link_is_refused(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await browser.get(MPP, "/enrol?token=not-a-token")
            assert page.status == 400 and "not valid" in page.text
            path = _invitation_path(sim, TINA)
            sim.at("2021-04-03T00:59:59-04:00")  # 1 s before 30 days (DST began on 03-14)
            assert (await browser.get(MPP, path)).url.endswith("/enrol/password")
            sim.at("2021-04-03T01:00:00-04:00")  # exactly 30 days after the email
            expired = await browser.get(MPP, path)
            assert expired.status == 400 and "expired" in expired.text
        assert "refused:invitation-expired" in sim.audit("mfa-enrolment")

    web_sim(body)


def test_profile_shows_saa_and_factors(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await sim.login(browser, MPP, "tom.trader@acme.example")
            assert page.url.endswith("/profile"), page.text[:300]
            assert page.has("Sam Saa (sam.saa@acme.example)")
            assert page.has("Authenticator app")

    web_sim(body)


def test_saa_sees_the_certification_banner_and_certifies(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await sim.login(browser, MPP, "beth.saa@bravo.example")
            assert 'id="certification-banner"' in page.text and "Reminder" in page.text
            page = await browser.post(MPP, "/profile/certify", {})
            assert "successfully completed" in page.text
        reminder = sim.outbox.messages(tag=("kind", "certification-reminder"))
        assert {m.to for m in reminder} == {"beth.saa@bravo.example", "cco@bravo.example"}

    web_sim(body, at="2021-05-24T09:00:00-04:00")
