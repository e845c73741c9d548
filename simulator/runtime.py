"""The running simulator: a shared context and the components that serve it.

A :class:`Simulator` holds one :class:`SimulatorContext` (the clock, the journal, the timeline,
the data directory, the seed, the captured outbox) and starts its components in order: the FIX
acceptors, the TRAQS/API web front, the control API. Each component binds its ports (port 0 is
allowed, so one simulator per pytest-xdist worker never collides) and reports the endpoints it got.
``stop()`` stops them in reverse order and closes the journal last, after everything is flushed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from simulator.clock import Clock


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One listening endpoint, as ``facsim serve`` prints it."""

    component: str
    name: str
    kind: str  # "fix", "https", "http"
    host: str
    port: int
    details: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        extra = " ".join(f"{key}={value}" for key, value in self.details.items())
        return f"{self.kind:5} {self.host}:{self.port:<5} {self.name} {extra}".rstrip()


@dataclass
class SimulatorContext:
    """What every component shares. ``services`` lets components publish objects to each other
    (e.g. the FIX component publishes its session registry for the control API)."""

    clock: Clock
    journal: Any
    timeline: Any
    data_dir: Path
    seed: int = 0
    outbox: Any = None
    config: Any = None
    services: dict[str, Any] = field(default_factory=dict)


class Component(Protocol):
    """A part of the simulator that listens on ports."""

    name: str

    async def start(self, context: SimulatorContext) -> list[Endpoint]: ...

    async def stop(self) -> None: ...


class Simulator:
    """Starts and stops components around one shared context."""

    def __init__(self, context: SimulatorContext, components: list[Component]) -> None:
        self.context = context
        self.components = components
        self.endpoints: list[Endpoint] = []
        self._started: list[Component] = []
        # The control API lists every component's endpoints from here (GET /endpoints).
        context.services.setdefault("endpoints", self.endpoints)

    async def start(self) -> list[Endpoint]:
        try:
            for component in self.components:
                self.endpoints.extend(await component.start(self.context))
                self._started.append(component)
        except BaseException:
            await self.stop()
            raise
        return self.endpoints

    async def stop(self) -> None:
        while self._started:
            component = self._started.pop()
            await component.stop()
        close = getattr(self.context.journal, "close", None)
        if close is not None:
            close()

    def endpoint(self, name: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)
