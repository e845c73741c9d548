"""The harness: one simulator per test process, driven synchronously by BDD steps.

Two modes run the same features:

* **in-process** (default): the simulator ``facsim serve`` runs
  (:func:`simulator.cli.serve.build_simulator`) on a :class:`~simulator.clock.ManualClock`, its
  journal, FIX message store and test PKI in a temporary directory, every port bound to 0 (so one
  simulator per pytest-xdist worker never collides), running on a
  :class:`~simulator.harness.loop.LoopThread`. Time moves only when a step moves it.
* **remote**: a running ``facsim serve`` (``--clock manual`` for exact boundaries) reached
  through its control API (``--sim-url`` or the ``FACSIM_URL`` environment variable).

In both modes the harness reads the journal, the deliveries, the outbox, the UAT registrations
and the accounts through the same control API (:class:`~simulator.harness.remote.ControlClient`),
and talks to the FIX and web endpoints over TCP and TLS, so a scenario sees the same answers
whichever way it runs. Steps never ask which mode they are in, except for the few scenarios
marked ``@in_process`` (they hand data to the simulator's memory or restart it, and are skipped
remotely with a reason).
"""

from __future__ import annotations

import abc
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.clock import ManualClock
from simulator.harness.loop import LoopThread
from simulator.harness.timetext import describe, describe_duration
from simulator.harness.trace import Trace
from simulator.runtime import Endpoint, Simulator, SimulatorContext

if TYPE_CHECKING:
    from simulator.harness.remote import ControlClient

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
        self.trace = Trace(mode=self.mode, seed=seed)
        self.data: dict[str, Any] = {}
        self._control: ControlClient | None = None

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
        """Close what the scenario opened (FIX connections, browsers), so the next one starts
        clean."""
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

    def restart(self) -> None:
        """Stop the simulator as a crash would and start it again on the same data directory
        (journal and FIX message store survive). Only an in-process simulator can."""
        raise HarnessError(
            f"the {self.mode} simulator cannot be restarted by the harness (@in_process)"
        )

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

    def start_clock(self, instant_ns: int) -> None:
        """Put the clock at ``instant_ns``. As the scenario's first step (nothing else done
        yet, not even a clock move) the simulator is reset *at* that instant -- as
        ``facsim serve --at`` starts -- so its accounts are created then (not months earlier,
        which would make them dormant) and only the emails due by then are sent. Any later
        call simply sets the clock."""
        untouched = not self.data and all(e.kind == "start" for e in self.trace.events)
        if not untouched:
            self.set_clock(instant_ns)
            return
        self.reset(instant_ns)
        self.record("clock", "harness", f"simulator starts at {describe(instant_ns)}")

    def advance(self, duration_ns: int) -> int:
        if duration_ns < 0:
            raise HarnessError("the facility clock only moves forward; set it to go back")
        now = self.now_ns() + duration_ns
        self._set_clock(now)
        self.record("clock", "harness", f"{describe_duration(duration_ns)} pass: {describe(now)}")
        return now

    # -- endpoints and the control API ----------------------------------------------------------
    @abc.abstractmethod
    def endpoints(self) -> list[Endpoint]: ...

    def endpoint(self, name: str) -> Endpoint:
        for endpoint in self.endpoints():
            if endpoint.name == name:
                return endpoint
        known = ", ".join(sorted(e.name for e in self.endpoints())) or "none"
        raise HarnessError(f"the simulator has no endpoint {name!r} (it has: {known})")

    @property
    def control(self) -> ControlClient:
        """The simulator's control API (reset, clock, journal, deliveries, outbox, accounts)."""
        if self._control is None:
            raise HarnessError(f"the {self.mode} simulator is not running")
        return self._control

    def outbox(self, to: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Captured emails and codes (oldest first), as the control API's JSON."""
        answer = self.control.get("/outbox", to=to, kind=kind)
        return list(answer.get("messages", []))

    def invite(self, username: str) -> dict[str, Any]:
        """Have the simulator email an MFA invitation now (a new TRAQS user name, seed 000)."""
        answer: dict[str, Any] = self.control.post("/mfa/invite", {"username": username})
        self.record("action", "finra", f"MFA invitation emailed to {username}")
        return answer

    def account(self, username: str) -> dict[str, Any]:
        """The web front's account as the control API shows it (status, lock, factors...)."""
        from urllib.parse import quote

        answer: dict[str, Any] = self.control.get(f"/entitlement/accounts/{quote(username)}")
        return answer

    def uat_registrations(self, uat: str | None = None) -> list[dict[str, Any]]:
        """UAT registrations taken by the web front (``uat``: the Saturday's date)."""
        answer = self.control.get("/uat/registrations", uat=uat)
        return list(answer.get("registrations", []))

    def journal_json(self, **filters: Any) -> list[dict[str, Any]]:
        """Accepted reports in the journal as the control API's JSON, filtered (``environment``,
        ``facility``, ``mpid``, ``state``, ``route``, ``client_ref``, ``late``...)."""
        answer = self.control.get("/journal/reports", **_query(filters))
        return list(answer.get("reports", []))

    def journal_refs(self, **filters: Any) -> list[str]:
        """Client references of the journal's accepted reports matching ``filters``."""
        return [str(item["report"].get("client_ref", "")) for item in self.journal_json(**filters)]

    def rejects(self, **filters: Any) -> list[dict[str, Any]]:
        """Rejected submissions in the journal (``environment``, ``facility``, ``mpid``)."""
        answer = self.control.get("/journal/rejects", **_query(filters))
        return list(answer.get("rejects", []))

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        """Every acknowledgement, reject, allege and drop copy handed to a firm (``recipient``,
        ``environment``...), with whether the firm had registered for a running UAT."""
        answer = self.control.get("/journal/deliveries", **_query(filters))
        return list(answer.get("deliveries", []))

    def duplicate_routes(self) -> list[list[str]]:
        """For each group of production reports the journal flags as likely duplicates (same
        MPID, security, quantity, price, side and execution time by more than one route; seed
        001), the routes they came by."""
        answer = self.control.get("/journal/duplicates")
        return [list(group.get("routes", [])) for group in answer.get("groups", [])]

    def submit_report(self, report: Any, received_ns: int) -> Any:
        """Deliver a trade report to the facility as received at ``received_ns``."""
        raise HarnessError(f"the {self.mode} simulator takes reports only over FIX or TRAQS")

    def journal_reports(self, **filters: Any) -> list[Any]:
        """Accepted reports in the simulator's journal (``StoredReport``), filtered."""
        raise HarnessError(
            f"the {self.mode} simulator's journal is read as JSON (journal_json), not objects"
        )

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

    def timeline(self) -> Any:
        """The simulator's timeline (``simulator.timeline``): the packaged one, which
        ``facsim serve`` also runs unless configured otherwise."""
        from simulator.timeline import Timeline

        return Timeline.default()

    def timeline_state(self) -> Any:
        """What is in force at the clock's instant (sites and logins, UAT windows)."""
        return self.timeline().at(self.now_ns())

    def entitlement(self) -> Any:
        """This scenario's entitlement directory (``simulator.entitlement``): the program's rules
        through its Python API -- the same code the web front runs -- with a cheap hash."""
        if "directory" not in self.data:
            from simulator.entitlement.directory import Directory

            self.data["directory"] = Directory(kdf_cost=2**4)
        return self.data["directory"]

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


def _query(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters as control-API query values (enums by value, booleans as true/false)."""
    query: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        else:
            query[key] = getattr(value, "value", value)
    return query


class InProcessHarness(SimHarness):
    """``facsim serve``'s simulator inside the test process, on a manual clock and port 0."""

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

    @property
    def context(self) -> SimulatorContext:
        if self.simulator is None:
            raise HarnessError("the in-process simulator is not running")
        return self.simulator.context

    def _launch(self) -> None:
        """Build and start the simulator on ``data_dir``; a part that fails fails loudly."""
        from simulator.harness.assembly import (
            ComponentFailed,
            build_for_tests,
            control_url,
            start_simulator,
        )
        from simulator.harness.remote import ControlClient

        simulator = build_for_tests(self.clock, self.data_dir / "simulator", self.seed)
        try:
            start_simulator(simulator, self.loop)
        except ComponentFailed as exc:
            raise HarnessError(str(exc)) from None
        self.simulator = simulator
        self._control = ControlClient(control_url(simulator))

    def start(self) -> InProcessHarness:
        self._launch()
        return self

    def stop(self) -> None:
        if self.simulator is not None:
            simulator, self.simulator = self.simulator, None
            self._control = None
            self.loop.run(simulator.stop())
        if self._own_dir is not None:
            self._own_dir.cleanup()
            self._own_dir = None

    def reset(self, start_ns: int) -> None:
        from simulator.harness.assembly import reset_simulator

        self.clock.set_ns(start_ns)
        if self.simulator is None:
            self.start()
        assert self.simulator is not None
        reset_simulator(self.simulator, self.loop)

    def restart(self) -> None:
        """Stop every listener and close the journal without a word to the firms (their
        connections drop), then start again on the same data directory: the journal and every
        session's sequence numbers come back from disk, as after a crash of ``facsim serve``
        (the ports are new: port 0)."""
        if self.simulator is not None:
            simulator, self.simulator = self.simulator, None
            self.loop.run(simulator.stop())
        self._launch()
        self.record("action", "harness", "simulator restarted on the same data directory")

    def now_ns(self) -> int:
        return self.clock.now_ns()

    @property
    def firm_clock(self) -> Any:
        return self.clock

    def _set_clock(self, instant_ns: int) -> None:
        # Through the control API, as remote mode does: the web front sends what became due
        # (invitations, certification emails) when the clock moves.
        self.control.post("/clock", {"set_ns": instant_ns})

    def endpoints(self) -> list[Endpoint]:
        return list(self.simulator.endpoints) if self.simulator else []

    def timeline(self) -> Any:
        return self.context.timeline or super().timeline()

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

    def service(self, name: str) -> Any:
        """An object a component published (e.g. the FIX session registry)."""
        try:
            return self.context.services[name]
        except KeyError:
            raise HarnessError(f"the simulator publishes no {name!r} service") from None
