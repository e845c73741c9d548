"""What happened in one scenario, on the simulated clock: the trace a report shows.

Every harness action appends an event: the clock set or advanced, a timeliness decision, a FIX
message sent or received (as text with ``|`` for SOH), a page fetched, an acknowledgement read.
The pytest plugin writes one JSON file per scenario when ``--facsim-trace DIR`` is given and
attaches the trace to Allure; ``facsim report`` joins the files to the Cucumber JSON so a manager
sees, under each scenario, the simulated timeline and the messages and pages exchanged.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simulator.timestamps import format_iso8601

TRACE_VERSION = 1


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing that happened, stamped with the simulated instant it happened at."""

    sim_ns: int
    kind: str  # start | clock | decision | fix-out | fix-in | page | action | expect | note
    actor: str
    summary: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sim_time"] = format_iso8601(self.sim_ns)
        return data


@dataclass
class Trace:
    """The events of one scenario (or one rehearsal), in the order they happened."""

    name: str = ""
    nodeid: str = ""
    mode: str = "in-process"
    seed: int = 0
    events: list[TraceEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, sim_ns: int, kind: str, actor: str, summary: str, detail: str = "") -> None:
        with self._lock:
            self.events.append(TraceEvent(int(sim_ns), kind, str(actor), str(summary), str(detail)))

    def of_kind(self, *kinds: str) -> list[TraceEvent]:
        return [event for event in self.events if event.kind in kinds]

    @property
    def simulated_span_ns(self) -> int:
        """From the earliest to the latest simulated instant the scenario itself used (the
        harness's default starting instant does not count once the scenario sets the clock)."""
        moved = [event.sim_ns for event in self.events if event.kind != "start"]
        instants = moved or [event.sim_ns for event in self.events]
        if not instants:
            return 0
        return max(instants) - min(instants)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TRACE_VERSION,
            "name": self.name,
            "nodeid": self.nodeid,
            "mode": self.mode,
            "seed": self.seed,
            "simulated_span_ns": self.simulated_span_ns,
            "events": [event.to_json() for event in self.events],
        }

    def as_text(self) -> str:
        lines = [f"{self.name} ({self.mode}, seed {self.seed})"]
        for event in self.events:
            lines.append(
                f"{format_iso8601(event.sim_ns)}  {event.kind:8} {event.actor}: {event.summary}"
            )
            if event.detail:
                lines.extend(f"    {line}" for line in event.detail.splitlines())
        return "\n".join(lines)

    def write(self, directory: Path, stem: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stem}.json"
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        return path


def load_traces(directory: Path) -> list[dict[str, Any]]:
    """Every trace file in ``directory`` (unreadable files are skipped by the caller's choice)."""
    traces = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("version") == TRACE_VERSION:
            traces.append(data)
    return traces
