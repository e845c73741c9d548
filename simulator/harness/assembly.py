"""Build the in-process simulator from the parts the package provides.

The harness does not construct FIX acceptors, web sites or journals itself: it asks the package
for the same parts ``facsim serve`` uses, with three changes for tests -- a manual clock, a
temporary data directory and port 0 everywhere. Parts that a given installation lacks are simply
not started, so the harness runs wherever the package runs.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from pathlib import Path
from typing import Any

from simulator.clock import ManualClock
from simulator.harness.loop import LoopThread
from simulator.runtime import Simulator, SimulatorContext


def _optional(module: str, attribute: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return None


#: Password hashing cost of the in-process web front: scrypt's minimum useful N, because a test
#: hashes many passwords and the strength of a hash protects nothing in a throwaway simulator.
TEST_KDF_COST = 2**4


class Guarded:
    """A component whose failure to start is recorded instead of stopping the whole simulator.

    A scenario about timeliness should not fail because the web front cannot start; a scenario
    that needs the web front fails with the web front's own error (see
    :meth:`simulator.harness.controller.SimHarness.endpoint`).
    """

    def __init__(self, component: Any, failures: dict[str, str]) -> None:
        self.component = component
        self.name = str(getattr(component, "name", type(component).__name__))
        self.failures = failures
        self.started = False

    async def start(self, context: SimulatorContext) -> list[Any]:
        try:
            endpoints = await self.component.start(context)
        except Exception as exc:  # reported to the scenarios that need the component
            self.failures[self.name] = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                await self.component.stop()
            return []
        self.started = True
        return list(endpoints)

    async def stop(self) -> None:
        if self.started:
            self.started = False
            await self.component.stop()


def _components(data_dir: Path) -> list[Any]:
    """FIX acceptors (the embedded default config, every port 0, in-memory message store), the
    web front (test PKI in the data directory) and the control API, as far as they exist."""
    components: list[Any] = []
    load_config = _optional("simulator.config", "load_config")
    fix_component = _optional("simulator.fix.component", "FixComponent")
    if load_config is not None and fix_component is not None:
        components.append(fix_component(load_config(None), auto_ports=True, memory_store=True))
    web_component = _optional("simulator.web.component", "WebComponent")
    if web_component is not None:
        components.append(
            web_component("127.0.0.1", 0, pki_dir=data_dir / "pki", kdf_cost=TEST_KDF_COST)
        )
    control_component = _optional("simulator.web.component", "ControlComponent")
    if control_component is not None:
        components.append(control_component("127.0.0.1", 0))
    return components


def build_in_process(
    clock: ManualClock, data_dir: Path, seed: int, failures: dict[str, str] | None = None
) -> Simulator:
    """A simulator on ``clock`` with every available component bound to port 0; components
    that fail to start are left out and their errors kept in ``failures``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    outbox_cls = _optional("simulator.outbox", "Outbox")
    open_journal = _optional("simulator.journal.sqlite", "open_journal")
    timeline_cls = _optional("simulator.timeline", "Timeline")
    context = SimulatorContext(
        clock=clock,
        journal=open_journal(data_dir, seed=seed) if open_journal is not None else None,
        timeline=timeline_cls.default() if timeline_cls is not None else None,
        data_dir=data_dir,
        seed=seed,
        outbox=outbox_cls() if outbox_cls is not None else None,
    )
    recorded = failures if failures is not None else {}
    guarded = [Guarded(component, recorded) for component in _components(data_dir)]
    return Simulator(context, list(guarded))


def publish_endpoints(simulator: Simulator) -> None:
    """Make the bound endpoints visible to the control API, as ``facsim serve`` does."""
    simulator.context.services["endpoints"] = list(simulator.endpoints)


def reset_in_process(simulator: Simulator, loop: LoopThread) -> bool:
    """Empty the simulator for the next scenario; ``False`` if it must be rebuilt instead."""
    reset = simulator.context.services.get("reset")
    if reset is not None:
        if inspect.iscoroutinefunction(reset):
            loop.run(reset())
        else:
            loop.call(reset)
        return True
    if simulator.components:
        return False
    context = simulator.context
    for part in (context.journal, context.outbox):
        if part is not None and hasattr(part, "reset"):
            part.reset()
    timeline_cls = _optional("simulator.timeline", "Timeline")
    if timeline_cls is not None:
        context.timeline = timeline_cls.default()
    return True
