"""pytest plugin (entry point ``facsim``): fixtures and steps a firm uses in its own repository.

Installed with the package (``pip install facsim``), pytest loads it automatically, which gives:

* the step library (:mod:`steps`), so a firm's ``.feature`` files can use every documented step
  (``docs/steps.md``) with a one-line test module: ``scenarios("my_features")``;
* fixtures: ``sim`` (the simulator harness, reset for each scenario), ``facility_clock``,
  ``sim_loop`` (the loop thread, for :func:`~simulator.harness.async_step`), ``facsim_seed`` and
  ``fake`` (seeded fake firms, traders, MPIDs, symbols and CUSIPs), ``firm_adapter`` (the
  firm-side system the scenarios drive; override it to plug in the firm's own stack),
  ``browser_tester`` (a Chromium window driven by Playwright, for ``@browser`` scenarios);
* options: ``--sim-url URL`` (or ``FACSIM_URL``) to run against a running
  ``facsim serve --clock manual`` instead of an in-process simulator (the same assembly,
  :func:`simulator.cli.serve.build_simulator`, on port 0); ``--sim-start`` (where a
  scenario's clock starts); ``--facsim-seed`` (or ``FACSIM_SEED``); ``--facsim-trace DIR``
  (a JSON trace per scenario for ``facsim report``); ``--firm-adapter module:factory``;
* the ``in_process`` marker (a scenario that cannot run remotely is skipped there, with the
  reason), and the guard that fails an ``async def`` step instead of letting it pass silently.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.harness.controller import DEFAULT_START, InProcessHarness, SimHarness
from simulator.harness.guard import fail_async_step
from simulator.harness.loop import LoopThread
from simulator.harness.timetext import parse_instant

pytest_plugins = [
    "steps.time",
    "steps.timeliness",
    "steps.supervision",
    "steps.fix",
    "steps.web",
    "steps.uat",
    "steps.entitlement",
    "steps.journal",
    "steps.browser",
    "steps.faults",
]

DEFAULT_SEED = 20210320
_SCENARIO_KEY = pytest.StashKey[str]()
_HARNESS_KEY = pytest.StashKey[SimHarness]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("facsim", "facility simulator harness")
    group.addoption(
        "--sim-url",
        default=os.environ.get("FACSIM_URL") or None,
        help="control API of a running `facsim serve` (remote mode); default: an in-process "
        "simulator. Environment: FACSIM_URL.",
    )
    group.addoption(
        "--sim-start",
        default=DEFAULT_START,
        help=f"where each scenario's clock starts (ISO 8601; default {DEFAULT_START})",
    )
    group.addoption(
        "--facsim-seed",
        type=int,
        default=int(os.environ.get("FACSIM_SEED") or DEFAULT_SEED),
        help="seed of every generated id and fake name, printed in the report so a run can be "
        f"replayed (default {DEFAULT_SEED}; environment FACSIM_SEED)",
    )
    group.addoption(
        "--facsim-trace",
        default=None,
        metavar="DIR",
        help="write one JSON trace per scenario (simulated timeline, FIX messages, pages) "
        "into DIR for `facsim report`",
    )
    group.addoption(
        "--firm-adapter",
        default=None,
        metavar="MODULE:FACTORY",
        help="the firm-side system to drive instead of the built-in clients: a callable "
        "taking the harness and returning a simulator.harness.adapter.FirmAdapter",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "in_process: needs the in-process simulator (skipped, with the reason, in remote mode)",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    url = config.getoption("--sim-url")
    mode = f"remote simulator at {url}" if url else "in-process simulator (manual clock)"
    return [f"facsim: {mode}; seed {config.getoption('--facsim-seed')}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--sim-url"):
        return
    for item in items:
        marker = item.get_closest_marker("in_process")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            why = reason or "it hands data to the simulator's memory directly (@in_process)"
            item.add_marker(pytest.mark.skip(reason=f"needs the in-process simulator: {why}"))


def pytest_bdd_before_step_call(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Callable[..., Any],
    step_func_args: dict[str, Any],
) -> None:
    fail_async_step(step_func, step.name)


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.stash[_SCENARIO_KEY] = f"{feature.name}: {scenario.name}"


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    harness = request.node.stash.get(_HARNESS_KEY, None)
    if harness is None or not harness.trace.events:
        return
    try:
        import allure
    except ImportError:  # pragma: no cover - allure is a test extra
        return
    allure.attach(
        harness.trace.as_text(),
        name="simulated timeline",
        attachment_type=allure.attachment_type.TEXT,
    )


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def facsim_seed(pytestconfig: pytest.Config) -> int:
    """The run's seed: fake data and the simulator's generated ids derive from it."""
    return int(pytestconfig.getoption("--facsim-seed"))


@pytest.fixture(scope="session")
def sim_loop() -> Iterator[LoopThread]:
    """The simulator's event loop, on its own thread for the whole test process."""
    loop = LoopThread().start()
    yield loop
    loop.stop()


@pytest.fixture(scope="session")
def facsim_runtime(
    pytestconfig: pytest.Config, sim_loop: LoopThread, facsim_seed: int
) -> Iterator[SimHarness]:
    """One simulator per test process (per pytest-xdist worker): in-process or remote."""
    start_ns = parse_instant(pytestconfig.getoption("--sim-start"))
    url = pytestconfig.getoption("--sim-url")
    harness: SimHarness
    if url:
        from simulator.harness.remote import RemoteHarness

        harness = RemoteHarness(sim_loop, facsim_seed, url)
    else:
        harness = InProcessHarness(sim_loop, facsim_seed, start_ns)
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def sim(
    request: pytest.FixtureRequest, pytestconfig: pytest.Config, facsim_runtime: SimHarness
) -> Iterator[SimHarness]:
    """The simulator, reset for this scenario: empty journal and outbox, clock at --sim-start."""
    start_ns = parse_instant(pytestconfig.getoption("--sim-start"))
    name = request.node.stash.get(_SCENARIO_KEY, request.node.name)
    facsim_runtime.begin_scenario(name, request.node.nodeid, start_ns)
    request.node.stash[_HARNESS_KEY] = facsim_runtime
    try:
        yield facsim_runtime
    finally:
        facsim_runtime.end_scenario()
    trace_dir = pytestconfig.getoption("--facsim-trace")
    if trace_dir:
        stem = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:16]
        facsim_runtime.trace.write(Path(trace_dir), stem)


@pytest.fixture
def facility_clock(sim: SimHarness) -> SimHarness:
    """The facility's clock (``now_ns``, ``set_clock``, ``advance``), i.e. the harness itself."""
    return sim


@pytest.fixture
def fake(facsim_seed: int) -> Any:
    """A Faker with the facsim provider (firms, traders, MPIDs, symbols, CUSIPs), seeded."""
    from simulator.fakes import make_faker

    return make_faker(facsim_seed)


@pytest.fixture
def firm_adapter(pytestconfig: pytest.Config, sim: SimHarness) -> Any:
    """The firm-side system scenarios drive. Default: the built-in clients. A firm overrides
    this fixture in its conftest, or passes ``--firm-adapter module:factory``."""
    spec = pytestconfig.getoption("--firm-adapter")
    if spec:
        module_name, _, attribute = spec.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute or "make_adapter")
        return factory(sim)
    from simulator.harness.adapter import BuiltinAdapter

    return BuiltinAdapter(sim)
