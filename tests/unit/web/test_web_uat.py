"""UAT registration (seed 000): firm, MPIDs, testers, web user names; refused after noon ET
Wednesday 2021-03-17, to the second."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator.clock import NANOSECOND
from simulator.errors import UserInputError
from simulator.timeline import Timeline
from simulator.timestamps import parse_iso8601
from simulator.web.uat import RegistrationClosed, UatRegistry, describe_instant

TOM = "tom.trader@acme.example"
DEADLINE = parse_iso8601("2021-03-17T12:00:00-04:00")


def _register(registry: UatRegistry, now: int, **changes):
    uat = Timeline.default().uat("2021-03-20")
    fields = dict(
        org_id="100001",
        org_mpids={"ACME", "ACMX"},
        org_usernames={TOM, "tina.trader@acme.example"},
        firm_name="Acme Securities LLC",
        mpids=["ACME"],
        testers=["Tom Trader"],
        web_usernames=[TOM],
        registered_by=TOM,
        now_ns=now,
    )
    fields.update(changes)
    return registry.register(uat, **fields)


def test_registration_at_the_deadline_is_accepted_one_nanosecond_later_refused() -> None:
    registry = UatRegistry()
    assert _register(registry, DEADLINE).mpids == ("ACME",)
    with pytest.raises(RegistrationClosed) as closed:
        _register(registry, DEADLINE + NANOSECOND)
    assert "12:00 p.m. ET on Wednesday, March 17, 2021" in str(closed.value)
    assert registry.is_registered("2021-03-20", mpid="ACME")
    assert not registry.is_registered("2021-03-20", mpid="ACMX")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"firm_name": "  "}, "firm name"),
        ({"mpids": []}, "MPIDs"),
        ({"mpids": ["BRVO"]}, "MPIDs"),
        ({"testers": []}, "testers"),
        ({"web_usernames": ["bob.trader@bravo.example"]}, "web usernames"),
    ],
)
def test_each_field_is_checked(changes: dict, field: str) -> None:
    with pytest.raises(UserInputError) as error:
        _register(UatRegistry(), DEADLINE - 1, **changes)
    assert error.value.source == field


def test_describe_instant_matches_the_notice() -> None:
    assert describe_instant(DEADLINE) == "12:00 p.m. ET on Wednesday, March 17, 2021"


def test_register_on_traqs_then_refused_after_the_deadline(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await sim.login(browser, "beta.finratraqs.org", TOM)
            page = await browser.get("beta.finratraqs.org", "/uat")
            assert "12:00 p.m. ET on Wednesday, March 17, 2021" in page.text
            form = {
                "uat": "2021-03-20",
                "firm_name": "Acme Securities LLC",
                "mpids": "ACME ACMX",
                "testers": "Tom Trader\nTina Trader",
                "web_usernames": f"{TOM}, tina.trader@acme.example",
            }
            page = await browser.post("beta.finratraqs.org", "/uat", form)
            assert (
                page.status == 200 and "is registered for the Saturday, March 20, 2021" in page.text
            )
            registration = sim.state.uat.registration("2021-03-20", "100001")
            assert registration.testers == ("Tom Trader", "Tina Trader")
            confirmation = sim.outbox.latest(channel="email", to=TOM)
            assert confirmation.tags["kind"] == "uat-registration"
            sim.at("2021-03-17T12:00:01-04:00")
            await browser.get("beta.finratraqs.org", "/uat")
            late = await browser.post("beta.finratraqs.org", "/uat", form)
            assert late.status == 403
            assert "closed at 12:00 p.m. ET on Wednesday, March 17, 2021" in late.text
        assert sim.audit("uat-registration") == ["ok", "refused:deadline"]

    web_sim(body, at="2021-03-17T11:50:00-04:00")
