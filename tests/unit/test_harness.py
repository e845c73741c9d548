"""The BDD harness: the loop thread, async steps and their guard, step time text, the harness."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import textwrap

import pytest

from simulator.clock import DAY, HOUR, MILLISECOND, MINUTE, SECOND
from simulator.errors import UserInputError
from simulator.harness.controller import HarnessError, InProcessHarness
from simulator.harness.loop import HarnessTimeout, LoopThread, async_step
from simulator.harness.remote import ControlClient
from simulator.harness.timetext import (
    describe_duration,
    next_weekday,
    parse_duration,
    parse_instant,
    time_on_date,
)
from simulator.timestamps import local_date, parse_iso8601

pytest_plugins = ["pytester"]


# -- loop thread ---------------------------------------------------------------------------------


@pytest.fixture
def loop_thread():
    loop = LoopThread().start()
    yield loop
    loop.stop()


def test_run_returns_the_coroutine_result_and_runs_on_the_loop_thread(loop_thread):
    async def where() -> str:
        await asyncio.sleep(0)
        import threading

        return threading.current_thread().name

    assert loop_thread.run(where()) == "facsim-loop"


def test_run_raises_the_coroutine_exception(loop_thread):
    async def boom() -> None:
        raise ValueError("from the loop")

    with pytest.raises(ValueError, match="from the loop"):
        loop_thread.run(boom())


def test_a_hung_call_times_out_instead_of_freezing_the_run(loop_thread):
    async def never() -> None:
        await asyncio.Event().wait()

    with pytest.raises(HarnessTimeout, match="did not answer"):
        loop_thread.run(never(), timeout=0.01)


def test_call_runs_a_plain_function_on_the_loop(loop_thread):
    assert loop_thread.call(lambda a, b: a + b, 2, 3) == 5


def test_run_from_the_loop_thread_itself_is_refused(loop_thread):
    async def nested() -> None:
        coro = asyncio.sleep(0)
        try:
            loop_thread.run(coro)
        finally:
            coro.close()

    with pytest.raises(RuntimeError, match="would block"):
        loop_thread.run(nested())


def test_stop_cancels_pending_tasks_and_closes_the_loop():
    loop = LoopThread().start()
    cancelled = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    pending: list[asyncio.Task[None]] = []  # held: asyncio keeps only a weak reference to a task

    async def spawn() -> None:
        pending.append(asyncio.get_running_loop().create_task(forever()))
        await asyncio.sleep(0)

    loop.run(spawn())
    loop.stop()
    assert cancelled == [True]
    assert loop.loop.is_closed()
    assert not loop.running
    with pytest.raises(RuntimeError, match="not running"):
        loop.run(asyncio.sleep(0))
    loop.stop()  # a second stop is harmless


# -- async_step ----------------------------------------------------------------------------------


def test_async_step_adds_the_loop_fixture_and_runs_the_body(loop_thread):
    async def body(sim: str, count: int) -> str:
        await asyncio.sleep(0)
        return f"{sim}:{count}"

    wrapped = async_step(body)
    assert list(inspect.signature(wrapped).parameters) == ["sim", "count", "sim_loop"]
    assert not inspect.iscoroutinefunction(wrapped)
    assert wrapped(sim="s", count=2, sim_loop=loop_thread) == "s:2"


def test_async_step_keeps_an_explicit_loop_parameter(loop_thread):
    async def body(sim_loop: LoopThread) -> bool:
        return sim_loop is loop_thread

    wrapped = async_step(body)
    assert list(inspect.signature(wrapped).parameters) == ["sim_loop"]
    assert wrapped(sim_loop=loop_thread) is True


def test_async_step_refuses_a_plain_function():
    with pytest.raises(TypeError, match="async def"):
        async_step(lambda: None)  # type: ignore[arg-type]


_FEATURE = """\
Feature: Guard
  Scenario: An async step
    Given an unwrapped async step
    Then the step ran

  Scenario: A wrapped async step
    Given a wrapped async step
    Then the step ran
"""

_STEPS = """\
from pytest_bdd import given, then, scenarios
from simulator.harness import async_step

scenarios("guard.feature")
RAN = []

@given("an unwrapped async step")
async def unwrapped():
    RAN.append("unwrapped")

@given("a wrapped async step")
@async_step
async def wrapped():
    RAN.append("wrapped")

@then("the step ran")
def ran():
    assert RAN, "no step body ran"
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


def test_the_guard_fails_an_unwrapped_async_step_and_passes_a_wrapped_one(pytester):
    pytester.makefile(".feature", guard=_FEATURE)
    pytester.makepyfile(test_guard=_STEPS)
    result = _inner_run(pytester, "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*is implemented by async function 'unwrapped'*"])
    result.stdout.fnmatch_lines(["*test_a_wrapped_async_step PASSED*"])


_IN_PROCESS_FEATURE = """\
Feature: Modes
  @in_process
  Scenario: Peeks into memory
    Given the facility clock reads 2021-11-15 09:30 ET
    Then the facility clock reads 2021-11-15 09:30 ET

  Scenario: Anywhere
    Given the facility clock reads 2021-11-15 09:30 ET
    Then the facility clock reads 2021-11-15 09:30 ET
"""


def test_in_process_scenarios_are_skipped_with_a_reason_in_remote_mode(pytester):
    pytester.makefile(".feature", modes=_IN_PROCESS_FEATURE)
    pytester.makepyfile(test_modes='from pytest_bdd import scenarios\nscenarios("modes.feature")\n')
    result = _inner_run(pytester, "--collect-only", "-q", "--sim-url", "http://127.0.0.1:9")
    assert result.ret == 0
    result = _inner_run(pytester, "-rs", "--sim-url", "http://127.0.0.1:9", "-k", "peeks")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs the in-process simulator*"])


def test_in_process_scenarios_run_by_default_and_traces_are_written(pytester):
    pytester.makefile(".feature", modes=_IN_PROCESS_FEATURE)
    pytester.makepyfile(test_modes='from pytest_bdd import scenarios\nscenarios("modes.feature")\n')
    result = _inner_run(pytester, "--facsim-trace", "traces", "--facsim-seed", "42")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["facsim: in-process simulator (manual clock); seed 42"])
    traces = sorted((pytester.path / "traces").glob("*.json"))
    assert len(traces) == 2
    text = traces[0].read_text()
    assert '"seed": 42' in text
    assert "simulator starts at 2021-11-15T09:30:00.000000000-05:00" in text


# -- time text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("10 seconds", 10 * SECOND),
        ("10 seconds and 1 nanosecond", 10 * SECOND + 1),
        ("1 nanosecond", 1),
        ("15 minutes", 15 * MINUTE),
        ("15 minutes and 1 nanosecond", 15 * MINUTE + 1),
        ("1 hour, 2 minutes and 3 seconds", HOUR + 2 * MINUTE + 3 * SECOND),
        ("2 days", 2 * DAY),
        ("1 week", 7 * DAY),
        ("999 milliseconds", 999 * MILLISECOND),
        ("1 microsecond and 1 nanosecond", 1001),
    ],
)
def test_durations_are_exact(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize("text", ["ten seconds", "10 fortnights", "10", "10 seconds and"])
def test_bad_durations_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(UserInputError, match=r"duration|unit of time"):
        parse_duration(text)


def test_instants_in_et_utc_and_offsets() -> None:
    et = parse_instant("2021-11-15 09:30:00.000000001 ET")
    assert et == parse_iso8601("2021-11-15T14:30:00.000000001Z")
    assert parse_instant("2021-11-15 14:30:00.000000001 UTC") == et
    assert parse_instant("2021-03-20T09:00:00-04:00") == parse_instant("2021-03-20 09:00 ET")
    with pytest.raises(UserInputError, match="not an ISO 8601 instant"):
        parse_instant("next tuesday")


def test_time_on_date_follows_dst() -> None:
    winter = time_on_date(dt.date(2021, 3, 12), "09:30 ET")
    summer = time_on_date(dt.date(2021, 3, 15), "09:30 ET")
    assert winter == parse_iso8601("2021-03-12T14:30:00Z")
    assert summer == parse_iso8601("2021-03-15T13:30:00Z")
    assert time_on_date(dt.date(2021, 3, 15), "13:30 UTC") == summer
    with pytest.raises(UserInputError, match="not a valid time"):
        time_on_date(dt.date(2021, 3, 15), "25:00 ET")


def test_next_weekday_is_strictly_after_today() -> None:
    friday = parse_instant("2021-03-19 20:00 ET")
    monday = next_weekday(friday, "Monday", "08:00 ET")
    assert local_date(monday) == dt.date(2021, 3, 22)
    again = next_weekday(monday, "monday", "08:00 ET")
    assert local_date(again) == dt.date(2021, 3, 29)
    with pytest.raises(UserInputError, match="day of the week"):
        next_weekday(friday, "Someday", "08:00 ET")


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0 ns"),
        (10 * SECOND + 1, "10 s 1 ns"),
        (15 * MINUTE, "15 min"),
        (DAY + HOUR, "1 d 1 h"),
        (1_500_000, "1500 us"),
        (-SECOND, "-1 s"),
    ],
)
def test_durations_are_described_exactly(ns: int, text: str) -> None:
    assert describe_duration(ns) == text


# -- the in-process harness ----------------------------------------------------------------------


def test_in_process_harness_sets_and_advances_its_manual_clock(loop_thread):
    start = parse_instant("2021-11-15 09:30 ET")
    harness = InProcessHarness(loop_thread, seed=1, start_ns=start).start()
    try:
        harness.begin_scenario("demo", "node", start)
        assert harness.now_ns() == start
        assert harness.advance(10 * SECOND + 1) == start + 10 * SECOND + 1
        with pytest.raises(HarnessError, match="only moves forward"):
            harness.advance(-1)
        harness.set_clock(start - DAY)
        assert harness.now_ns() == start - DAY
        summaries = [event.summary for event in harness.trace.events]
        assert summaries[0] == "scenario starts at 2021-11-15T09:30:00.000000000-05:00"
        assert summaries[1] == "10 s 1 ns pass: 2021-11-15T09:30:10.000000001-05:00"
        assert harness.trace.simulated_span_ns == DAY + 10 * SECOND + 1
        with pytest.raises(HarnessError, match="no endpoint 'nowhere'"):
            harness.endpoint("nowhere")
        # a new scenario starts from a clean trace and the given start
        harness.begin_scenario("next", "node2", start)
        assert harness.now_ns() == start and len(harness.trace.events) == 1
    finally:
        harness.stop()


def test_control_client_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(HarnessError, match="not an http"):
        ControlClient("127.0.0.1:9000")


def test_control_client_names_an_unreachable_simulator() -> None:
    client = ControlClient("http://127.0.0.1:9", timeout=2)
    with pytest.raises(HarnessError, match="is `facsim serve` running"):
        client.get("/health")


# -- UAT scripts -----------------------------------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
_GOOD = """\
title: T
window: {start: 2021-03-20 09:00 ET, end: 2021-03-20 13:00 ET}
registration_deadline: 2021-03-17 12:00 ET
firm: {name: A, mpids: [ABCD]}
testers:
  - {name: B, username: b@a.example}
steps:
  - id: one
    action: clock
    at: 2021-03-20 09:00 ET
    expect: ok
"""


def _script(tmp_path, text: str):
    from simulator.harness.uat_script import load_uat_script

    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    return load_uat_script(path)


def test_the_shipped_uat_script_loads() -> None:
    from simulator.harness.uat_script import load_uat_script

    script = load_uat_script(ROOT / "scenarios" / "uat" / "2021-03-20.yaml")
    assert script.window_start_ns == parse_instant("2021-03-20 09:00 ET")
    assert script.registration_deadline_ns == parse_instant("2021-03-17 12:00 ET")
    assert script.firm.mpids == ("ACME", "ACMX") and script.firm.fix_comp_id == "ACMEFIX"
    assert [t.region for t in script.testers] == ["production", "ntf"]
    assert len({step.id for step in script.steps}) == len(script.steps)
    report = next(step for step in script.steps if step.id == "report-traqs")
    assert report.trade is not None and report.trade.side == "S"


def test_a_good_script_loads(tmp_path) -> None:
    script = _script(tmp_path, _GOOD)
    assert script.steps[0].at_ns == parse_instant("2021-03-20 09:00 ET")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("mpids: [ABCD]", "mpids: [abcd]"), "script.yaml:4: field 'mpids': 'abcd' is not an MPID"),
        (("action: clock", "action: dance"), "script.yaml:9: field 'action': 'dance' is not"),
        (("expect: ok", "expect: ok\n    tester: c@a.example"), "field 'tester'"),
        (("at: 2021-03-20 09:00 ET", "at: tomorrow"), "field 'at': 'tomorrow' is not a date"),
        (("end: 2021-03-20 13:00 ET", "end: 2021-03-20 08:00 ET"), "must end after it starts"),
        (("username: b@a.example", "username: bob"), "field 'username'"),
        (("title: T", "title: T\ntitle: U"), "script.yaml:2: field 'title': appears twice"),
        (("firm: {", "firm: {{"), "is not valid YAML"),
    ],
)
def test_script_errors_name_the_file_line_and_field(tmp_path, change, where) -> None:
    from simulator.errors import ConfigError

    old, new = change
    with pytest.raises(ConfigError) as caught:
        _script(tmp_path, _GOOD.replace(old, new, 1))
    assert where in str(caught.value)


def test_a_trade_in_a_script_is_checked_field_by_field(tmp_path) -> None:
    from simulator.errors import ConfigError

    trade = (
        "  - action: report\n    route: fix\n    expect: accepted\n"
        "    trade: {ref: T, facility: trace-ca, mpid: WXYZ, side: buy, security: X,"
        " quantity: 1, price: 1, executed: 2021-03-20 09:00}\n"
    )
    with pytest.raises(ConfigError, match="'WXYZ' is not one of the firm's MPIDs"):
        _script(tmp_path, _GOOD + trade)
    with pytest.raises(ConfigError, match="must be more than zero"):
        _script(
            tmp_path, _GOOD + trade.replace("WXYZ", "ABCD").replace("quantity: 1", "quantity: 0")
        )


# -- rehearsal and reports ---------------------------------------------------------------------


def test_a_rehearsal_reports_every_step_and_explains_failures(loop_thread, tmp_path) -> None:
    from simulator.harness.rehearsal import Rehearsal, StepOutcome

    script = _script(
        tmp_path,
        _GOOD + "  - id: two\n    action: display\n    tester: b@a.example\n"
        "    expect: {T1: cancelled}\n",
    )
    harness = InProcessHarness(loop_thread, seed=3, start_ns=script.window_start_ns).start()
    try:
        harness.begin_scenario(script.title, script.path, script.window_start_ns)

        def display(rehearsal, step):
            return StepOutcome({"T1": "accepted"}, "shown on screen")

        result = Rehearsal(
            harness, script, {"clock": lambda r, s: StepOutcome("ok"), "display": display}
        ).run()
    finally:
        harness.stop()
    assert [step.passed for step in result.steps] == [True, False]
    assert "expected {'T1': 'cancelled'}, got {'T1': 'accepted'}" in result.steps[1].message
    assert not result.passed
    data = result.to_json()
    assert data["steps"][0]["sim_time"] == "2021-03-20T09:00:00.000000000-04:00"
    assert data["seed"] == 3 and data["trace"]["events"]


def test_rehearse_cli_exits_2_on_a_bad_script_and_1_on_a_failed_step(tmp_path, capsys) -> None:
    from simulator.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(_GOOD.replace("action: clock", "action: dance"), encoding="utf-8")
    assert main(["rehearse", str(bad), "-q", "--output", ""]) == 2
    assert "field 'action'" in capsys.readouterr().err
    failing = tmp_path / "failing.yaml"
    failing.write_text(_GOOD.replace("expect: ok", "expect: never"), encoding="utf-8")
    output = tmp_path / "out.json"
    assert main(["rehearse", str(failing), "-q", "--output", str(output)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL  one" in printed and "0 passed, 1 failed" in printed
    assert '"passed": false' in output.read_text()
    good = tmp_path / "good.yaml"
    good.write_text(_GOOD, encoding="utf-8")
    assert (
        main(["rehearse", str(good), "-q", "--output", "", "--at", "2021-03-20T08:00:00-04:00"])
        == 0
    )
    assert main(["rehearse", str(good), "-q", "--at", "someday"]) == 2


def _cucumber(tmp_path):
    import json

    path = tmp_path / "cucumber.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "Clock",
                    "uri": "time/clock.feature",
                    "description": "",
                    "elements": [
                        {
                            "id": "test_tick",
                            "name": "Tick",
                            "tags": [{"name": "time"}],
                            "steps": [
                                {
                                    "keyword": "Given",
                                    "name": "a <b>",
                                    "result": {"status": "passed", "duration": 5},
                                },
                                {
                                    "keyword": "Then",
                                    "name": "c",
                                    "result": {"status": "failed", "error_message": "boom"},
                                },
                            ],
                        }
                    ],
                }
            ]
        )
    )
    return path


def test_facsim_report_joins_cucumber_json_and_traces_into_one_page(tmp_path) -> None:
    from simulator.cli import main
    from simulator.harness.trace import Trace

    trace = Trace(name="Clock: Tick", nodeid="tests/bdd/test_time.py::test_tick", seed=9)
    trace.add(
        parse_instant("2021-11-15 09:30 ET"), "fix-out", "firm", "35=AE sent", "8=FIX.4.4|35=AE|"
    )
    trace.add(parse_instant("2021-11-15 09:30:10 ET"), "fix-in", "facility", "ack received")
    trace.write(tmp_path / "traces", "x")
    out = tmp_path / "index.html"
    assert (
        main(
            [
                "report",
                "--cucumber",
                str(_cucumber(tmp_path)),
                "--traces",
                str(tmp_path / "traces"),
                "--reports",
                str(tmp_path),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    page = out.read_text()
    assert "Tick" in page and "boom" in page and "a &lt;b&gt;" in page  # escaped
    assert "8=FIX.4.4|35=AE|" in page and "2021-11-15T09:30:10.000000000-05:00" in page
    assert "seed 9" in page or ">9<" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_facsim_report_refuses_missing_inputs(tmp_path, capsys) -> None:
    from simulator.cli import main

    assert main(["report", "--reports", str(tmp_path / "none")]) == 2
    assert "no results found" in capsys.readouterr().err
    assert main(["report", "--cucumber", str(tmp_path / "nope.json")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["report", "--cucumber", str(broken), "--reports", str(tmp_path)]) == 2
    assert "broken.json:1" in capsys.readouterr().err


# -- remote mode and the firm adapter, against a real simulator ---------------------------------


@pytest.fixture
def served(loop_thread):
    """An in-process simulator whose control API a RemoteHarness can drive."""
    start = parse_instant("2021-11-15 09:30 ET")
    harness = InProcessHarness(loop_thread, seed=5, start_ns=start).start()
    yield harness
    harness.stop()


def test_remote_harness_drives_the_control_api(served, loop_thread) -> None:
    from simulator.harness.remote import RemoteHarness

    url = served.endpoint("control-api").details["url"]
    remote = RemoteHarness(loop_thread, 5, url).start()
    start = parse_instant("2021-03-20 09:00 ET")
    remote.begin_scenario("remote", "node", start)
    assert remote.now_ns() == start == served.now_ns()
    assert remote.advance(10 * SECOND + 1) == start + 10 * SECOND + 1
    assert served.now_ns() == start + 10 * SECOND + 1
    assert remote.firm_clock.now_ns() == served.now_ns()  # the firm side's mirror follows
    names = {e.name for e in remote.endpoints()}
    assert {"trace-ca", "nasdaq-trf-carteret"} <= names
    with pytest.raises(HarnessError, match="only over FIX or TRAQS"):
        remote.submit_report(object(), 0)


def test_the_builtin_adapter_reports_corrects_and_cancels_over_fix(served) -> None:
    from decimal import Decimal

    from simulator.harness.adapter import BuiltinAdapter, FirmAdapter, TradeRequest

    served.begin_scenario("adapter", "node", parse_instant("2021-11-15 10:00 ET"))
    adapter = BuiltinAdapter(served)
    assert isinstance(adapter, FirmAdapter)
    trade = TradeRequest(
        facility="nasdaq-trf-carteret",
        mpid="ACME",
        side="B",
        symbol="AAPL",
        quantity=Decimal(100),
        price=Decimal("150.25"),
        executed_ns=served.now_ns() - 10 * SECOND - 1,
        client_ref="A1",
    )
    try:
        first = adapter.report(trade)
        assert first.accepted and first.control_number
        assert (first.modifier, first.facility_code) == ("Z", "I")
        assert first.timestamps["60"].endswith(".999999999")  # nanoseconds from 2021-11-15
        corrected = adapter.correct("A1", price=Decimal("150.50"))
        assert corrected.accepted and corrected.control_number != first.control_number
        with pytest.raises(HarnessError, match="no report 'A9'"):
            adapter.cancel("A9")
        assert [a.client_ref for a in adapter.acknowledgements()] == ["A1", "A1R"]
        kinds = [e.kind for e in served.trace.events]
        assert "fix-out" in kinds and "fix-in" in kinds
        stored = served.journal_reports()
        assert {s.report.client_ref for s in stored} >= {"A1"}
    finally:
        served.end_scenario()
