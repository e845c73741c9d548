"""Trade entry on TRAQS: report, cancel, correct; the journal display; late reports; isolation."""

from __future__ import annotations

import re
from collections.abc import Callable

from simulator.clock import MINUTE, SECOND
from simulator.domain.trade import Environment, ReportState, Route

TOM = "tom.trader@acme.example"
BOB = "bob.trader@bravo.example"
TINA = "tina.trader@acme.example"
PASSWORD = "Trader-2021"
APPLE = "037833100"  # a real CUSIP with a valid check digit


def trade(**changes: str) -> dict[str, str]:
    fields = {
        "facility": "trace-ca",
        "reporting_mpid": "ACME",
        "side": "B",
        "security": APPLE,
        "security_type": "auto",
        "quantity": "100000",
        "price": "101.25",
        "trade_date": "2021-03-18",
        "execution_time": "10:00:00.000000000",
        "contra_mpid": "C",
        "capacity": "P",
        "client_ref": "",
        "memo": "",
    }
    fields.update(changes)
    return fields


def _report_id(page) -> int:
    return int(re.search(r"highlight=(\d+)", page.url).group(1))


def test_report_cancel_correct_through_the_certificate_route(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            await browser.login_certificate("finratraqs.org", TOM, PASSWORD)
            await browser.get("finratraqs.org", "/trades/new")
            page = await browser.post("finratraqs.org", "/trades", trade(client_ref="T-1"))
            assert page.status == 200 and "Trade reported: control number" in page.text
            report_id = _report_id(page)
            stored = sim.journal.get(report_id)
            assert stored.route is Route.WEB_CERTIFICATE
            assert stored.report.security_id_source == "1"
            assert stored.report.executed_ns % SECOND == 0
            assert stored.report.user == TOM
            assert stored.environment is Environment.PRODUCTION
            assert not stored.late
            assert f'id="trade-{report_id}"' in page.text

            page = await browser.get("finratraqs.org", f"/trades/{report_id}/correct")
            assert 'value="101.25"' in page.text
            page = await browser.post(
                "finratraqs.org",
                f"/trades/{report_id}/correct",
                trade(price="101.50", client_ref="T-1"),
            )
            assert "corrected" in page.text
            corrected = sim.journal.get(report_id)
            assert corrected.state is ReportState.CORRECTED
            replacement = sim.journal.get(_report_id(page))
            assert str(replacement.report.price) == "101.50"
            assert replacement.control_number != corrected.control_number

            page = await browser.post(
                "finratraqs.org", f"/trades/{replacement.report_id}/cancel", {}
            )
            assert sim.journal.get(replacement.report_id).state is ReportState.CANCELLED
            again = await browser.post(
                "finratraqs.org", f"/trades/{replacement.report_id}/cancel", {}
            )
            assert again.status == 409 and "ALREADY CANCELED" in again.text
        actions = sim.audit(actor=TOM)
        assert actions.count("ok") >= 4

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_the_same_trade_by_both_web_routes_is_flagged_as_a_likely_duplicate(
    web_sim: Callable,
) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as browser:
            await browser.login_certificate("finratraqs.org", TOM, PASSWORD)
            await browser.get("finratraqs.org", "/trades/new")
            await browser.post("finratraqs.org", "/trades", trade())
        sim.clock.advance(2 * SECOND)
        async with sim.browser() as browser:
            await sim.login(browser, "beta.finratraqs.org", TOM)
            await browser.get("beta.finratraqs.org", "/trades/new")
            page = await browser.post("beta.finratraqs.org", "/trades", trade())
            assert "do not duplicate transactions" in page.text
            assert "possible duplicate" in page.text
        groups = sim.journal.likely_duplicates()
        assert len(groups) == 1
        assert set(groups[0].routes) == {Route.WEB_CERTIFICATE, Route.WEB_MFA}

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_late_report_and_the_late_page_with_its_chart(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await sim.login(browser, "beta.finratraqs.org", TOM)
            await browser.get("beta.finratraqs.org", "/trades/new")
            on_time = await browser.post(
                "beta.finratraqs.org", "/trades", trade(execution_time="10:00:00")
            )
            assert "on time" in on_time.text
            sim.clock.advance(20 * MINUTE)
            await browser.get("beta.finratraqs.org", "/trades/new")
            late = await browser.post(
                "beta.finratraqs.org",
                "/trades",
                trade(
                    execution_time="10:00:00",
                    reporting_mpid="ACMX",
                    security="IBM4009999",
                    security_type="symbol",
                ),
            )
            assert "late" in late.text
            stored = sim.journal.get(_report_id(late))
            assert stored.late and stored.modifier == "Z"
            only_late = await browser.get("beta.finratraqs.org", "/trades", late="yes")
            assert only_late.text.count('class="late') == 1
            page = await browser.get("beta.finratraqs.org", "/late")
            assert page.status == 200
            assert "<svg" in page.text and "1 late of 1" in page.text
            assert 'id="late-summary">1 late of 2 report(s)' in page.text
            assert stored.control_number in page.text

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_bad_fields_are_all_reported_and_nothing_is_journaled(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await sim.login(browser, "beta.finratraqs.org", TOM)
            await browser.get("beta.finratraqs.org", "/trades/new")
            page = await browser.post(
                "beta.finratraqs.org",
                "/trades",
                trade(
                    quantity="-5",
                    price="abc",
                    execution_time="10:00:06",
                    security="037833101",
                    security_type="cusip",
                    contra_mpid="TOOLONG",
                    client_ref="bad ref!",
                ),
            )
            assert page.status == 400
            for name in (
                "quantity",
                "price",
                "execution_time",
                "security",
                "contra_mpid",
                "client_ref",
            ):
                assert f'id="error-{name}"' in page.text, name
            assert 'value="bad ref!"' in page.text  # what was typed is kept
            assert sim.journal.query() == []
        assert "refused:form" in sim.audit("report-trade")

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_another_firms_trades_are_invisible_and_untouchable(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as bob:
            await sim.login(bob, "beta.finratraqs.org", BOB)
            await bob.get("beta.finratraqs.org", "/trades/new")
            page = await bob.post("beta.finratraqs.org", "/trades", trade(reporting_mpid="BRVO"))
            bob_report = _report_id(page)
        async with sim.browser() as tom:
            await sim.login(tom, "beta.finratraqs.org", TOM, steps_ahead=0)
            listing = await tom.get("beta.finratraqs.org", "/trades")
            assert f'id="trade-{bob_report}"' not in listing.text
            cancel = await tom.post("beta.finratraqs.org", f"/trades/{bob_report}/cancel", {})
            assert cancel.status == 404
            correct = await tom.get("beta.finratraqs.org", f"/trades/{bob_report}/correct")
            assert correct.status == 404
            filtered = await tom.get("beta.finratraqs.org", "/trades", mpid="BRVO")
            assert filtered.status == 400
            await tom.get("beta.finratraqs.org", "/trades/new")
            spoof = await tom.post("beta.finratraqs.org", "/trades", trade(reporting_mpid="BRVO"))
            assert spoof.status == 400 and 'id="error-reporting_mpid"' in spoof.text
        assert sim.journal.get(bob_report).state is ReportState.ACCEPTED
        assert "refused:mpid-not-organisation" in sim.audit("report-trade", TOM)
        assert sim.audit("trade-access", TOM) == ["refused:not-found", "refused:not-found"]

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_mpid_entitlement_is_per_user(web_sim: Callable) -> None:
    async def body(sim) -> None:
        # tina is entitled to ACME only; enrol her quickly with a known secret
        sim.state.mfa.enrol_totp_secret(
            TINA, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", sim.clock.now_ns()
        )
        async with sim.browser() as browser:
            from simulator.web.client import totp_code

            page = await browser.login_mfa(
                "beta.finratraqs.org",
                TINA,
                PASSWORD,
                answer=lambda q: {
                    "What is the name of the street you grew up on?": "Main St",
                    "What was the name of your first pet?": "Buddy",
                    "In what city were you born?": "Newark",
                }[q],
                code=totp_code("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", sim.clock.now_ns()),
            )
            assert page.url.endswith("/trades")
            await browser.get("beta.finratraqs.org", "/trades/new")
            refused = await browser.post(
                "beta.finratraqs.org", "/trades", trade(reporting_mpid="ACMX")
            )
            assert refused.status == 400 and "not entitled to report for MPID ACMX" in refused.text

    web_sim(body, at="2021-03-18T10:00:05-04:00")


def test_trades_during_the_saturday_uat_go_to_the_uat_journal(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await sim.login(browser, "finratraqs.org", TOM)
            # 2021-03-20 is in the parallel period: finratraqs.org is the certificate site
            assert page.status == 403
            page = await sim.login(browser, "beta.finratraqs.org", TOM, steps_ahead=1)
            assert 'id="environment">uat<' in page.text and "Saturday UAT in progress" in page.text
            await browser.get("beta.finratraqs.org", "/trades/new")
            page = await browser.post(
                "beta.finratraqs.org",
                "/trades",
                trade(trade_date="2021-03-20", execution_time="09:59:59"),
            )
            stored = sim.journal.get(_report_id(page))
            assert stored.environment is Environment.UAT
            assert sim.journal.query(environment=Environment.PRODUCTION) == []

    web_sim(body, at="2021-03-20T10:00:00-04:00")
