"""The harness: one simulator per test process, driven synchronously by BDD steps.

Two modes run the same features:

* **in-process** (default): a :class:`simulator.runtime.Simulator` with a
  :class:`~simulator.clock.ManualClock`, a journal in a temporary directory, and every component
  bound to port 0 (so one simulator per pytest-xdist worker never collides), running on a
  :class:`~simulator.harness.loop.LoopThread`. Time moves only when a step moves it.
* **remote**: a running ``facsim serve`` reached through its control API (``--sim-url`` or the
  ``FACSIM_URL`` environment variable). Steps set and advance its clock, read its journal and
  outbox, and talk to its FIX and web endpoints exactly as in-process steps do.

Both modes expose one interface, :class:`SimHarness`; steps never ask which mode they are in,
except for the few scenarios marked ``@in_process`` (they reach into the simulator's memory and are
skipped remotely with a reason).
"""

from __future__ import annotations

import abc
import tempfile
from pathlib import Path
from typing import Any

from simulator.clock import ManualClock
from simulator.harness.loop import LoopThread
from simulator.harness.timetext import describe, describe_duration
from simulator.harness.trace import Trace
from simulator.runtime import Endpoint, Simulator, SimulatorContext

#: Where a scenario's clock stands before its first "Given the facility clock reads" step: the
#: Monday the FINRA/Nasdaq TRF moved to nanoseconds, at the open of normal market hours.
DEFAULT_START = "2021-11-15T09:30:00-05:00"


class HarnessError(RuntimeError):
    """The harness could not do what a step asked (the message says what and why)."""


class SimHarness(abc.ABC):
    """What steps call. One instance per test process; :meth:`begin_scenario` resets it."""

    mode: str = "abstract"

    def __init__(self, loop: LoopThread, seed: int) -> None:
        self.loop = loop
        self.seed = seed
        #: component name -> why it could not start (reported by the steps that need it)
        self.failures: dict[str, str] = {}
        self.trace = Trace(mode=self.mode, seed=seed)
        self.data: dict[str, Any] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    @abc.abstractmethod
    def start(self) -> SimHarness: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    def begin_scenario(self, name: str, nodeid: str, start_ns: int) -> Trace:
        """Reset the simulator for a new scenario and start a fresh trace."""
        self.reset(start_ns)
        self.trace = Trace(name=name, nodeid=nodeid, mode=self.mode, seed=self.seed)
        self.data = {}
        self.record("start", "harness", f"scenario starts at {describe(start_ns)}")
        return self.trace

    def end_scenario(self) -> None:
        """Close what the scenario opened (FIX connections), so the next one starts clean."""
        for client in self.data.get("fix_clients", []):
            client.close()
        self.data.pop("fix_clients", None)
        for close in self.data.pop("closers", []):
            close()

    def fix_client(self, port: str, firm: str | None = None) -> Any:
        """A logged-on firm-side FIX client (kept until the scenario ends)."""
        from simulator.harness.fix_client import connect_firm

        client = connect_firm(self, port, firm)
        self.data.setdefault("fix_clients", []).append(client)
        return client

    @abc.abstractmethod
    def reset(self, start_ns: int) -> None:
        """Empty journal and outbox, drop sessions, and put the clock at ``start_ns``."""

    # -- clock -------------------------------------------------------------------------------
    @abc.abstractmethod
    def now_ns(self) -> int: ...

    @property
    @abc.abstractmethod
    def firm_clock(self) -> Any:
        """The clock the harness's firm-side clients stamp their messages with: the facility's
        own time (a :class:`~simulator.clock.Clock`)."""

    @abc.abstractmethod
    def _set_clock(self, instant_ns: int) -> None: ...

    def set_clock(self, instant_ns: int) -> None:
        self._set_clock(instant_ns)
        self.record("clock", "harness", f"clock set to {describe(instant_ns)}")

    def advance(self, duration_ns: int) -> int:
        if duration_ns < 0:
            raise HarnessError("the facility clock only moves forward; set it to go back")
        now = self.now_ns() + duration_ns
        self._set_clock(now)
        self.record("clock", "harness", f"{describe_duration(duration_ns)} pass: {describe(now)}")
        return now

    # -- endpoints, journal, outbox ------------------------------------------------------------
    @abc.abstractmethod
    def endpoints(self) -> list[Endpoint]: ...

    def endpoint(self, name: str) -> Endpoint:
        for endpoint in self.endpoints():
            if endpoint.name == name:
                return endpoint
        known = ", ".join(sorted(e.name for e in self.endpoints())) or "none"
        broken = "".join(f"; {part} failed to start: {why}" for part, why in self.failures.items())
        raise HarnessError(f"the simulator has no endpoint {name!r} (it has: {known}){broken}")

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        """Captured emails and codes (newest last), as the control API's JSON."""
        raise HarnessError(f"the {self.mode} simulator has no outbox")

    def submit_report(self, report: Any, received_ns: int) -> Any:
        """Deliver a trade report to the facility as received at ``received_ns``."""
        raise HarnessError(f"the {self.mode} simulator takes reports only over FIX or TRAQS")

    def duplicate_routes(self) -> list[list[str]]:
        """For each group of production reports the journal flags as likely duplicates (same
        MPID, security, quantity, price, side and execution time by more than one route; seed
        001), the routes they came by."""
        return [[route.value for route in group.routes] for group in self._duplicates()]

    def _duplicates(self) -> list[Any]:
        raise HarnessError(f"the {self.mode} simulator's journal cannot be read")

    def journal_refs(self, **filters: Any) -> list[str]:
        """Client references of the journal's accepted reports matching ``filters``
        (``environment``, ``facility``, ``mpid``, ``state``: the control API's query)."""
        from simulator.domain.trade import Environment, ReportState

        converted = dict(filters)
        if "environment" in converted:
            converted["environment"] = Environment(converted["environment"])
        if "state" in converted:
            converted["state"] = ReportState(converted["state"])
        return [stored.report.client_ref for stored in self.journal_reports(**converted)]

    def journal_reports(self, **filters: Any) -> list[Any]:
        """Accepted reports in the simulator's journal (``StoredReport``), filtered."""
        raise HarnessError(f"the {self.mode} simulator's journal cannot be read")

    # -- rules -------------------------------------------------------------------------------
    def assess(self, facility: str, executed_ns: int, received_ns: int) -> Any:
        """The timeliness decision for one report (the simulator's pure rules engine, the same
        code in both modes; FIX and web steps check what the running simulator answers)."""
        from simulator.facilities.timeliness import assess

        decision = assess(facility, executed_ns, received_ns)
        modifier = decision.modifier or "no modifier"
        self.record(
            "decision",
            facility,
            f"executed {describe(executed_ns)}, received {describe(received_ns)}: "
            f"{decision.status.value}, {modifier}{', as/of' if decision.as_of else ''}",
            decision.explanation,
        )
        return decision

    def timeline_state(self) -> Any:
        """What is in force at the clock's instant (sites and logins, UAT windows), from the
        simulator's timeline (``simulator.timeline``)."""
        from simulator.timeline import Timeline

        timeline = self._timeline() or Timeline.default()
        return timeline.at(self.now_ns())

    def _timeline(self) -> Any:
        return None

    def entitlement(self) -> Any:
        """The entitlement directory: the one the simulator's web front publishes (service
        ``entitlement``) when there is one, else a directory of this scenario's own, with the
        same rules (``simulator.entitlement``) and a cheap password hash."""
        directory = self._published("entitlement")
        if directory is not None:
            return directory
        if "directory" not in self.data:
            from simulator.entitlement.directory import Directory

            self.data["directory"] = Directory(kdf_cost=2**4)
        return self.data["directory"]

    def _published(self, name: str) -> Any:
        return None

    def precision(self, facility: str, port: str, region: str) -> tuple[int, int]:
        """(inbound, outbound) fractional-second digits on a port at the clock's instant, from
        the facility's profile (precision by port type, region and date)."""
        from simulator.facilities.profiles import get_profile

        rule = get_profile(facility).precision(port, region, self.now_ns())
        self.record(
            "decision",
            facility,
            f"{port} in {region}: accepts {rule.inbound} digits, writes {rule.outbound}",
            rule.source,
        )
        return rule.inbound, rule.outbound

    # -- trace -------------------------------------------------------------------------------
    def record(self, kind: str, actor: str, summary: str, detail: str = "") -> None:
        self.trace.add(self.now_ns(), kind, actor, summary, detail)


class InProcessHarness(SimHarness):
    """The simulator inside the test process, on a manual clock and port-0 endpoints."""

    mode = "in-process"

    def __init__(
        self,
        loop: LoopThread,
        seed: int,
        start_ns: int,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__(loop, seed)
        self.clock = ManualClock(start_ns)
        self._own_dir: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="facsim-")
            data_dir = Path(self._own_dir.name)
        self.data_dir = data_dir
        self.simulator: Simulator | None = None
        self._builds = 0

    @property
    def context(self) -> SimulatorContext:
        if self.simulator is None:
            raise HarnessError("the in-process simulator is not running")
        return self.simulator.context

    def _build(self) -> Simulator:
        from simulator.harness.assembly import build_in_process

        self._builds += 1
        self.failures.clear()
        return build_in_process(
            self.clock, self.data_dir / f"sim-{self._builds}", self.seed, self.failures
        )

    def start(self) -> InProcessHarness:
        from simulator.harness.assembly import publish_endpoints

        self.simulator = self._build()
        self.loop.run(self.simulator.start(), timeout=60)
        publish_endpoints(self.simulator)
        return self

    def stop(self) -> None:
        if self.simulator is not None:
            simulator, self.simulator = self.simulator, None
            self.loop.run(simulator.stop())
        if self._own_dir is not None:
            self._own_dir.cleanup()
            self._own_dir = None

    def reset(self, start_ns: int) -> None:
        from simulator.harness.assembly import reset_in_process

        self.clock.set_ns(start_ns)
        if self.simulator is None:
            self.start()
            return
        if not reset_in_process(self.simulator, self.loop):
            # The simulator cannot empty itself: rebuild it (fresh journal, fresh ports).
            self.loop.run(self.simulator.stop())
            self.start()

    def now_ns(self) -> int:
        return self.clock.now_ns()

    @property
    def firm_clock(self) -> Any:
        return self.clock

    def _set_clock(self, instant_ns: int) -> None:
        self.clock.set_ns(instant_ns)

    def endpoints(self) -> list[Endpoint]:
        return list(self.simulator.endpoints) if self.simulator else []

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        box = self.context.outbox
        if box is None:
            raise HarnessError("this simulator captures no outbox")
        return [message.to_json() for message in box.messages(to=to)]

    def _timeline(self) -> Any:
        return self.context.timeline

    def _published(self, name: str) -> Any:
        return self.context.services.get(name)

    @property
    def journal(self) -> Any:
        journal = self.context.journal
        if journal is None:
            raise HarnessError("this simulator has no journal")
        return journal

    def submit_report(self, report: Any, received_ns: int) -> Any:
        """Hand a report straight to the facility's journal with its timeliness decision."""
        decision = self.assess(report.facility, report.executed_ns, received_ns)
        return self.journal.submit(report, decision, received_ns)

    def journal_reports(self, **filters: Any) -> list[Any]:
        return list(self.journal.query(**filters))

    def _duplicates(self) -> list[Any]:
        return list(self.journal.likely_duplicates())

    def service(self, name: str) -> Any:
        """An object a component published (e.g. the FIX session registry)."""
        try:
            return self.context.services[name]
        except KeyError:
            raise HarnessError(f"the simulator publishes no {name!r} service") from None
