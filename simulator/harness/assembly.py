"""Build the in-process simulator exactly as ``facsim serve`` does, and refuse a partial one.

The harness does not assemble FIX acceptors, web sites or journals itself: it calls
:func:`simulator.cli.serve.build_simulator` -- the same function ``facsim serve`` runs -- with the
embedded default configuration and three changes for tests: a manual clock, a data directory of
the harness's own, and every port bound to 0 (one simulator per pytest-xdist worker never
collides). So a scenario that passes in-process exercises the assembly a firm connects to.

``facsim serve`` keeps serving the FIX ports when the web front or the control API cannot start
(it says so on stderr). A test run must not: a scenario that passes against a simulator missing
a part proves nothing, so :func:`start_simulator` raises :class:`ComponentFailed` naming the part
and its error, and every scenario of the run fails with that message.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from simulator.clock import ManualClock
from simulator.harness.loop import LoopThread
from simulator.runtime import Simulator

#: Password hashing cost of the in-process web front: scrypt's minimum useful N. A test run
#: hashes and verifies passwords on every login, and the strength of a hash protects nothing in
#: a throw-away simulator; ``facsim serve`` keeps the package's default cost.
TEST_KDF_COST = 2**4

#: Real seconds the whole simulator may take to start (binding every port, the test PKI).
START_TIMEOUT = 60.0


class ComponentFailed(RuntimeError):
    """A part of the simulator did not start; the message names the part and the error."""


def build_for_tests(clock: ManualClock, data_dir: Path, seed: int) -> Simulator:
    """``facsim serve``'s assembly on ``clock``, with every port 0 and ``data_dir`` for the
    journal, the FIX message store and the test PKI."""
    from simulator.cli.serve import build_simulator
    from simulator.config import load_config

    data_dir.mkdir(parents=True, exist_ok=True)
    simulator = build_simulator(
        load_config(None), clock=clock, data_dir=data_dir, seed=seed, auto_ports=True
    )
    for component in simulator.components:
        inner = getattr(component, "inner", component)
        if hasattr(inner, "kdf_cost"):
            inner.kdf_cost = TEST_KDF_COST
    return simulator


def failures(simulator: Simulator) -> dict[str, str]:
    """Each optional part that did not start, with its error (``facsim serve`` left it out)."""
    found: dict[str, str] = {}
    for component in simulator.components:
        error = getattr(component, "error", None)
        if error:
            found[str(getattr(component, "label", component.name))] = str(error)
    return found


def start_simulator(simulator: Simulator, loop: LoopThread) -> None:
    """Start every component on ``loop``; raise :class:`ComponentFailed` unless all started.

    The endpoints are published to the control API (``GET /endpoints``), as ``facsim serve``
    publishes them."""
    try:
        loop.run(simulator.start(), timeout=START_TIMEOUT)
    except Exception as exc:  # FIX ports (not optional in serve either) or a hang
        why = f"{type(exc).__name__}: {exc}"
        raise ComponentFailed(f"the simulator could not start: {why}") from exc
    broken = failures(simulator)
    if broken:
        loop.run(simulator.stop(), timeout=START_TIMEOUT)
        detail = "; ".join(f"the {part} could not start ({why})" for part, why in broken.items())
        raise ComponentFailed(
            f"{detail}. Every scenario needs the whole simulator, so none can run."
        )
    simulator.context.services["endpoints"] = list(simulator.endpoints)


def reset_simulator(simulator: Simulator, loop: LoopThread) -> None:
    """Empty journal and outbox and run every component's reset hook -- the control API's
    ``POST /reset`` -- on the simulator's own loop thread."""
    reset = simulator.context.services.get("reset")
    if reset is None:
        raise ComponentFailed("the simulator publishes no reset (is the control API running?)")
    if inspect.iscoroutinefunction(reset):
        loop.run(reset())
    else:
        loop.call(reset)


def control_url(simulator: Simulator) -> str:
    """The control API's base URL (``http://127.0.0.1:PORT``)."""
    for endpoint in simulator.endpoints:
        if endpoint.component == "control":
            return f"http://{endpoint.host}:{endpoint.port}"
    raise ComponentFailed("the simulator serves no control API")
