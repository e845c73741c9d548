"""Account Management on the MFA service: unlock, roles, administrators only, own firm only."""

from __future__ import annotations

from collections.abc import Callable

from simulator.web.client import totp_code

MPP = "mpp.nasdaq.com"
ALEX = "alex.aa@acme.example"
ALEX_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
ALEX_ANSWERS = {
    "What is the name of the street you grew up on?": "Oak Ave",
    "What was the name of your first pet?": "whiskers",
    "In what city were you born?": "Chicago",
}


async def login_alex(sim, browser):
    sim.state.mfa.enrol_totp_secret(ALEX, ALEX_SECRET, sim.clock.now_ns())
    return await browser.login_mfa(
        MPP,
        ALEX,
        "Acme-Aa-2021",
        answer=ALEX_ANSWERS,
        code=totp_code(ALEX_SECRET, sim.clock.now_ns()),
    )


def test_account_administrator_unlocks_a_user_but_not_the_saa(web_sim: Callable) -> None:
    async def body(sim) -> None:
        directory, now = sim.state.directory, sim.clock.now_ns()
        for user in ("tina.trader@acme.example", "sam.saa@acme.example"):
            for _ in range(5):
                directory.verify_password(user, "wrong-pass-1", now)
        async with sim.browser() as browser:
            page = await login_alex(sim, browser)
            assert page.url.endswith("/profile"), page.text[:400]
            page = await browser.get(MPP, "/admin")
            assert 'id="account-tina.trader@acme.example" data-locked="yes"' in page.text
            assert "bravo.example" not in page.text
            page = await browser.post(
                MPP, "/admin/unlock", {"username": "tina.trader@acme.example"}
            )
            assert 'id="account-tina.trader@acme.example" data-locked="no"' in page.text
            refused = await browser.post(MPP, "/admin/unlock", {"username": "sam.saa@acme.example"})
            assert refused.status == 403 and "FINRA Support Center" in refused.text
            other = await browser.post(
                MPP, "/admin/unlock", {"username": "bob.trader@bravo.example"}
            )
            assert other.status == 403 and "another organisation" in other.text
        assert directory.verify_password("tina.trader@acme.example", "Trader-2021", now).verdict
        outcomes = sim.audit("unlock-account", ALEX)
        assert outcomes == ["allowed", "refused:saa-support-only", "refused:other-organisation"]

    web_sim(body)


def test_a_role_still_assigned_cannot_be_deleted(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await sim.login(browser, MPP, "beth.saa@bravo.example")
            assert page.url.endswith("/profile")
            await browser.get(MPP, "/admin")
            refused = await browser.post(
                MPP, "/admin/delete-role", {"role": "TRAQS trader", "reason": "reorganisation"}
            )
            assert refused.status == 403
            assert "still assigned to 1 account(s) (bob.trader@bravo.example)" in refused.text
            await browser.get(MPP, "/admin")
            await browser.post(
                MPP,
                "/admin/unassign-role",
                {"username": "bob.trader@bravo.example", "role": "TRAQS trader"},
            )
            page = await browser.post(
                MPP, "/admin/delete-role", {"role": "TRAQS trader", "reason": "reorganisation"}
            )
            assert page.status == 200 and "Role TRAQS trader deleted." in page.text
            assert "<td>deleted</td>" in page.text

    web_sim(body)


def test_users_cannot_open_account_management(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await sim.login(browser, MPP, "tom.trader@acme.example")
            page = await browser.get(MPP, "/admin")
            assert page.status == 403 and 'data-code="not-administrator"' in page.text

    web_sim(body)
