"""The harness's two modes: serve's assembly in-process, loud failures, restarts, the manual
clock of ``facsim serve --clock manual``, and when browser scenarios run or are skipped."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from simulator.clock import SECOND, ManualClock, OffsetClock
from simulator.errors import UserInputError
from simulator.harness.controller import HarnessError, InProcessHarness
from simulator.harness.loop import LoopThread
from simulator.harness.timetext import parse_instant

pytest_plugins = ["pytester"]

START = parse_instant("2021-11-15 09:30 ET")


@pytest.fixture
def loop_thread():
    loop = LoopThread().start()
    yield loop
    loop.stop()


@pytest.fixture
def harness(loop_thread):
    running = InProcessHarness(loop_thread, seed=7, start_ns=START).start()
    yield running
    running.stop()


# -- facsim serve --clock manual ------------------------------------------------------------------


def test_a_manual_clock_starts_at_at_and_never_moves_by_itself() -> None:
    from simulator.cli.serve import build_clock, describe_clock

    clock = build_clock("2021-03-20T09:00:00-04:00", None, "manual")
    assert isinstance(clock, ManualClock)
    assert clock.now_ns() == parse_instant("2021-03-20 09:00 ET")
    assert clock.real_seconds_until(clock.now_ns() + 1) is None  # no timer waits for it
    assert describe_clock(clock).startswith("manual clock at 2021-03-20T09:00:00.000-04:00")
    assert isinstance(build_clock("2021-03-20T09:00", "0"), ManualClock)  # --speed 0
    assert isinstance(build_clock("2021-03-20T09:00", "2"), OffsetClock)


def test_a_manual_clock_with_a_speed_is_refused_naming_the_option() -> None:
    from simulator.cli.serve import build_clock

    with pytest.raises(UserInputError, match=r"--speed.*manual clock does not run"):
        build_clock("2021-03-20T09:00", "2", "manual")
    with pytest.raises(UserInputError, match=r"--speed.*or 0 for a manual clock"):
        build_clock(None, "-1")


def test_serve_refuses_a_running_speed_on_a_manual_clock_in_one_line(capsys) -> None:
    from simulator.cli import main

    assert main(["serve", "--clock", "manual", "--speed", "3", "--ports", "auto"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--speed" in err and "Traceback" not in err


# -- in-process: the same assembly as facsim serve ----------------------------------------------


def test_the_in_process_simulator_is_serves_assembly_on_port_0(harness) -> None:
    from simulator.cli.serve import OptionalComponent
    from simulator.fix.component import FixComponent
    from simulator.harness.assembly import TEST_KDF_COST

    components = harness.simulator.components
    assert isinstance(components[0], FixComponent) and components[0].auto_ports
    optional = [c for c in components if isinstance(c, OptionalComponent)]
    assert [c.label for c in optional] == ["web front", "control API"]
    assert optional[0].inner.kdf_cost == TEST_KDF_COST
    names = {e.name for e in harness.endpoints()}
    assert {"trace-ca", "nasdaq-trf-carteret-dropcopy", "finratraqs.org", "control-api"} <= names
    assert all(e.port not in (0, 8443, 8080, 9101) for e in harness.endpoints())
    assert harness.control.get("/clock")["mode"] == "manual"


def test_a_component_that_fails_to_start_fails_the_harness_loudly(loop_thread, monkeypatch):
    from simulator.web.component import WebComponent

    async def busy(self, context):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(WebComponent, "start", busy)
    harness = InProcessHarness(loop_thread, seed=1, start_ns=START)
    with pytest.raises(HarnessError, match=r"the web front could not start \(OSError") as info:
        harness.start()
    assert "none can run" in str(info.value)
    harness.stop()


_ONE_SCENARIO = """\
Feature: Parts
  Scenario: Needs nothing but the clock
    Given the facility clock reads 2021-11-15 09:30 ET
    Then the facility clock reads 2021-11-15 09:30 ET
"""


def _inner_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini(
        textwrap.dedent(
            """\
            [pytest]
            bdd_features_base_dir = .
            addopts = -p no:allure_pytest -p no:allure_pytest_bdd -p no:cacheprovider
            """
        )
    )
    return pytester.runpytest_subprocess(*args)


def test_every_scenario_errors_with_the_parts_message_when_a_part_cannot_start(pytester):
    pytester.makefile(".feature", parts=_ONE_SCENARIO)
    pytester.makepyfile(test_parts='from pytest_bdd import scenarios\nscenarios("parts.feature")\n')
    pytester.makeconftest(
        """
        import simulator.web.component as component

        async def busy(self, context):
            raise OSError(98, "Address already in use")

        component.ControlComponent.start = busy
        """
    )
    result = _inner_run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the control API could not start (OSError*none can run*"])


# -- reset, start_clock, restart ----------------------------------------------------------------


def test_the_first_clock_step_starts_the_simulator_at_that_instant(harness) -> None:
    harness.begin_scenario("fresh", "node", START)
    before_invitations = parse_instant("2021-03-03 12:00 ET")
    harness.start_clock(before_invitations)
    assert harness.now_ns() == before_invitations
    # reset at 2021-03-03: the invitation emails of 2021-03-04 are not sent yet
    assert harness.outbox(kind="mfa-invitation") == []
    harness.advance(SECOND * 86_400)
    sent = harness.outbox(kind="mfa-invitation")
    assert sent and {m["sent"][:10] for m in sent} == {"2021-03-04"}
    # after the first clock step, the clock is only set: the emails stay
    harness.start_clock(before_invitations)
    assert harness.outbox(kind="mfa-invitation") == sent
    assert harness.trace.events[-1].summary.startswith("clock set to")


def test_a_restart_keeps_the_journal_and_moves_the_ports(harness) -> None:
    from simulator.domain.trade import Side, TradeReport
    from simulator.timestamps import local_date

    harness.begin_scenario("restart", "node", START)
    executed = START - SECOND
    report = TradeReport(
        facility="nyse-trf",
        reporting_mpid="ACME",
        side=Side.BUY,
        security="AAPL",
        quantity=Decimal(100),
        price=Decimal("150.25"),
        executed_ns=executed,
        trade_date=local_date(executed),
        client_ref="KEEP1",
        security_id_source="8",
    )
    harness.submit_report(report, START)
    port = harness.endpoint("nyse-trf").port
    harness.restart()
    assert harness.journal_refs() == ["KEEP1"]
    assert harness.endpoint("nyse-trf").port != port
    assert harness.control.get("/clock")["now_ns"] == START
    assert harness.trace.events[-1].summary == "simulator restarted on the same data directory"


def test_a_remote_simulator_cannot_be_restarted_and_reads_the_same_journal(harness, loop_thread):
    from simulator.harness.remote import RemoteHarness

    harness.begin_scenario("fix", "node", parse_instant("2021-11-15 10:00 ET"))
    remote = RemoteHarness(loop_thread, 7, harness.endpoint("control-api").details["url"])
    client = harness.fix_client("trace-ca", "ACMEFIX")
    from simulator.harness.adapter import TradeRequest

    ack = client.report(
        TradeRequest(
            facility="trace-ca",
            mpid="ACME",
            side="S",
            symbol="037833100",
            quantity=Decimal(100),
            price=Decimal("10.25"),
            executed_ns=harness.now_ns() - 60 * SECOND,
            client_ref="R1",
        )
    )
    assert ack.accepted
    assert remote.journal_refs() == harness.journal_refs() == ["R1"]
    assert [d["recipient"] for d in remote.deliveries()] == ["ACME"]
    with pytest.raises(HarnessError, match="cannot be restarted"):
        remote.restart()
    with pytest.raises(HarnessError, match="read as JSON"):
        remote.journal_reports()
    harness.end_scenario()


# -- browser scenarios: run, skip or fail ------------------------------------------------------


def test_chromium_is_required_in_ci_and_optional_elsewhere(monkeypatch) -> None:
    from simulator.harness import browser

    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    assert "/nonexistent/chromium is not installed" in (browser.chromium_missing_reason() or "")
    for value, required in (("", False), ("false", False), ("0", False), ("true", True)):
        monkeypatch.setenv("CI", value)
        assert browser.must_run() is required
    args = browser.launch_args(["finratraqs.org", "mpp.nasdaq.com"])
    assert "--host-resolver-rules=MAP finratraqs.org 127.0.0.1,MAP mpp.nasdaq.com 127.0.0.1" in (
        args
    )
    assert "--headless" in args and "--no-sandbox" in args


_BROWSER_SCENARIO = """\
Feature: Browser
  @browser
  Scenario: Opens a browser
    Given the facility clock reads 2021-03-20 09:05 ET
    When tina.trader@acme.example enrols in MFA from the invitation email in the browser
"""


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "failed")])
def test_a_browser_scenario_without_chromium_skips_or_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch, ci: str, outcome: str
) -> None:
    pytester.makefile(".feature", browser=_BROWSER_SCENARIO)
    pytester.makepyfile(test_br='from pytest_bdd import scenarios\nscenarios("browser.feature")\n')
    pytester.makeconftest(
        'import simulator.harness.browser as b\nb.CHROMIUM = "/nonexistent/chromium"\n'
    )
    pytester.makeini(
        textwrap.dedent(
            """\
            [pytest]
            bdd_features_base_dir = .
            markers = browser: a real browser
            addopts = -p no:allure_pytest -p no:allure_pytest_bdd -p no:cacheprovider
            """
        )
    )
    monkeypatch.setenv("CI", ci)
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(**{outcome: 1})
    result.stdout.fnmatch_lines(["*/nonexistent/chromium is not installed*"])


def test_served_data_dir_is_kept_between_scenarios(harness) -> None:
    first = Path(harness.simulator.context.data_dir)
    harness.begin_scenario("a", "node", START)
    harness.begin_scenario("b", "node", START)
    assert Path(harness.simulator.context.data_dir) == first
    assert (first / "pki" / "ca.pem").exists()


def test_the_remote_mirror_clock_is_preset_silently_then_notifies() -> None:
    from simulator.harness.remote import MirrorClock

    calls: list[int] = []
    clock = MirrorClock(5)
    clock.add_listener(lambda: calls.append(clock.now_ns()))
    clock.preset(10)  # stamps move at once; the firm's timers are not woken yet
    assert clock.now_ns() == 10 and calls == []
    clock.set_ns(10)
    assert calls == [10]
    assert clock.real_seconds_until(10) == 0.0 and clock.real_seconds_until(11) is None
