"""Applies the fault plan to the running FIX ports: session hooks, timers, ports, the journal.

The :class:`~simulator.faults.plan.FaultPlan` decides; this module does (architecture.md
principle 1: the asyncio shell stays thin). :class:`FaultRuntime` is created by
:class:`~simulator.fix.component.FixComponent` at start and published as
``context.services["faults"]`` for the control API (``POST/GET/DELETE /faults``) and the BDD
steps. It:

* hooks every session (:attr:`simulator.fix.session.FixSession.faults`) while any fault is armed
  and unhooks them when none is, so a simulator without faults pays nothing per message;
* arms one timer on the simulated clock (:class:`~simulator.fix.scheduler.Scheduler`) at the
  plan's next deadline and applies what time brings: a disconnect or a sequence gap at its
  instant, a failover starting (the primary port drops its connections and closes new ones at
  once) or ending;
* answers the reporting service's availability question during an outage with the facility's
  own reason (TRACE 4069 "TRACE TEMPORARILY NOT AVAILABLE"; the equity dialects map it to their
  inferred "FACILITY TEMPORARILY NOT AVAILABLE");
* answers the component's throttle question for each inbound application message;
* writes every :class:`~simulator.faults.plan.FaultEvent` to the journal
  (``journal.record_fault``) and the log, as it happens.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from simulator.domain.facility import FacilityId
from simulator.domain.lifecycle import Reason
from simulator.faults.plan import (
    Action,
    Disconnect,
    Fault,
    FaultEvent,
    FaultPlan,
    PortDown,
    PortUp,
    SessionRef,
    SkipSequence,
    ThrottleDecision,
)
from simulator.faults.spec import FaultKind, FaultSpec
from simulator.fix.scheduler import Scheduler, Timer
from simulator.fix.session import OutboundFault, SendPlan
from simulator.runtime import Endpoint, SimulatorContext

if TYPE_CHECKING:
    from simulator.fix.session import FixSession
    from simulator.fix.transport import ConnectionHandler

log = logging.getLogger("simulator.faults")

#: TRACE's outage reject (the specification's legacy code table; facilities.md 3.4). The
#: dialects replace it with their facility's own equivalent (``DialectSpec.not_available``).
NOT_AVAILABLE = Reason("4069", "TRACE TEMPORARILY NOT AVAILABLE")
REPORTING_SERVICE_KEY = "fix.reporting"


def facility_reason(facility: FacilityId) -> Reason:
    """The "temporarily not available" reject ``facility``'s dialect sends (TRACE: 4069 TRACE
    TEMPORARILY NOT AVAILABLE; the equity facilities: their inferred equivalent)."""
    try:
        from simulator.fix.dialects import dialect_spec, port_types

        reason: Reason = dialect_spec(facility, port_types(facility)[0]).not_available
        return reason
    except (ImportError, IndexError, LookupError, ValueError):
        return NOT_AVAILABLE


class FixPorts(Protocol):
    """What the runtime needs of the FIX component."""

    sessions: dict[str, FixSession]

    def session_refs(self) -> list[SessionRef]: ...

    def port_facilities(self) -> dict[str, FacilityId]: ...

    def live_handler(self, session_id: str) -> ConnectionHandler | None: ...

    async def ensure_secondary(self, port: str) -> Endpoint: ...

    def secondary_endpoint(self, port: str) -> Endpoint | None: ...

    def set_port_down(self, port: str, down: bool) -> int: ...


class SessionHook:
    """One session's view of the plan (:class:`simulator.fix.session.FaultHook`)."""

    __slots__ = ("plan", "session_id")

    def __init__(self, plan: FaultPlan, session_id: str) -> None:
        self.plan = plan
        self.session_id = session_id

    def before_send(self, msg_type: str, now_ns: int, live: bool) -> SendPlan | None:
        return self.plan.before_send(self.session_id, msg_type, now_ns, live)

    def on_write(self, msg_type: str, seq: int, raw: bytes, now_ns: int) -> OutboundFault | None:
        return self.plan.on_write(self.session_id, msg_type, seq, raw, now_ns)

    def on_inbound(self, msg_type: str, now_ns: int) -> str | None:
        return self.plan.on_inbound(self.session_id, msg_type, now_ns)


class FaultRuntime:
    """The fault switches of one running simulator (see the module docstring)."""

    def __init__(self, ports: FixPorts, context: SimulatorContext) -> None:
        self.ports = ports
        self.context = context
        self.plan = FaultPlan(
            ports.session_refs(),
            ports.port_facilities(),
            recorder=self._record,
            seed=int(context.seed or 0),
        )
        self.configured: tuple[FaultSpec, ...] = ()
        self._hooks = {sid: SessionHook(self.plan, sid) for sid in ports.sessions}
        self._hooked = False
        self._scheduler: Scheduler | None = None
        self._timer: Timer | None = None
        self._service: Any = None
        self._previous_availability: Any = None

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self, configured: Sequence[FaultSpec] = ()) -> None:
        """Hook the reporting service and arm the faults of the ``[[faults]]`` config section."""
        self._scheduler = Scheduler(self.context.clock)
        service = self.context.services.get(REPORTING_SERVICE_KEY)
        if service is not None and hasattr(service, "availability"):
            self._service = service
            self._previous_availability = service.availability
            service.availability = self.availability
        self.configured = tuple(configured)
        for spec in self.configured:
            await self.add(spec, source="config")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._scheduler is not None:
            self._scheduler.close()
            self._scheduler = None
        if self._service is not None:
            self._service.availability = self._previous_availability
            self._service = None
        for session in self.ports.sessions.values():
            session.faults = None
        self._hooked = False

    def now(self) -> int:
        return self.context.clock.now_ns()

    # -- the switches -----------------------------------------------------------------------------

    async def add(self, spec: FaultSpec, source: str = "api") -> Fault:
        """Arm a fault. A failover first makes sure its ports have a live secondary (hot-hot:
        the secondary listens before the primary fails)."""
        _, ports = self.plan.resolve(spec)
        if spec.kind is FaultKind.FAILOVER:
            for port in ports:
                await self.ports.ensure_secondary(port)
        fault = self.plan.add(spec, self.now(), source)
        log.info("fault %s armed (%s): %s", fault.fault_id, source, spec.describe())
        self._after_change()
        return fault

    def cancel(self, fault_id: int) -> Fault | None:
        fault = self.plan.cancel(fault_id, self.now())
        self._after_change()
        return fault

    def clear(self) -> int:
        cleared = self.plan.clear(self.now())
        self._after_change()
        return len(cleared)

    def reset(self) -> None:
        """Between scenarios (``POST /reset``): every fault cancelled, the configured ones armed
        again (their secondaries are already listening)."""
        self.plan.clear(self.now())
        self.plan.faults.clear()
        for spec in self.configured:
            self.plan.add(spec, self.now(), "config")
        self._after_change()

    def faults(self) -> list[Fault]:
        return self.plan.listing()

    def endpoints_of(self, fault: Fault) -> list[Endpoint]:
        """The secondary endpoints a failover fault sends firms to."""
        found = [self.ports.secondary_endpoint(port) for port in fault.ports]
        return [endpoint for endpoint in found if endpoint is not None]

    def describe(self, fault: Fault) -> dict[str, Any]:
        body = fault.to_json()
        if fault.kind is FaultKind.FAILOVER:
            body["secondary"] = [
                {"name": e.name, "host": e.host, "port": e.port, "primary": e.details["primary"]}
                for e in self.endpoints_of(fault)
            ]
        return body

    # -- questions from the component and the reporting service --------------------------------

    def availability(self, facility: FacilityId, ns: int) -> Reason | None:
        """The reporting service's outage hook: the reject reason during an outage."""
        fault = self.plan.unavailable(facility, ns)
        if fault is None:
            previous = self._previous_availability
            return previous(facility, ns) if previous is not None else None
        self.plan.record_outage_refusal(fault, facility, ns, str(facility_reason(facility)))
        return NOT_AVAILABLE

    def throttle(self, session_id: str, msg_type: str, now_ns: int) -> ThrottleDecision | None:
        if not self._hooked:
            return None
        return self.plan.throttle(session_id, msg_type, now_ns)

    # -- applying ---------------------------------------------------------------------------------

    def _after_change(self) -> None:
        now = self.now()
        for action in self.plan.poll(now):
            try:
                self._apply(action, now)
            except Exception:  # a fault must never take the simulator down
                log.exception("could not apply %s", action)
        self._sync_hooks()
        self._rearm()

    def _sync_hooks(self) -> None:
        live = self.plan.has_live
        if live == self._hooked:
            return
        for session_id, session in self.ports.sessions.items():
            session.faults = self._hooks.get(session_id) if live else None
        self._hooked = live

    def _rearm(self) -> None:
        deadline = self.plan.next_deadline_ns()
        timer = self._timer
        if timer is not None and not timer.cancelled and timer.instant_ns == deadline:
            return
        if timer is not None:
            timer.cancel()
            self._timer = None
        if deadline is not None and self._scheduler is not None:
            self._timer = self._scheduler.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._after_change()

    def _apply(self, action: Action, now: int) -> None:
        if isinstance(action, Disconnect):
            for session_id in action.session_ids:
                session = self.ports.sessions.get(session_id)
                handler = self.ports.live_handler(session_id)
                if session is None or handler is None or not session.is_connected:
                    continue
                session.drop(now, logout=action.logout, text=action.text)
                handler.wake()
                way = "with Logout" if action.logout else "without Logout"
                self.plan.record(
                    now, f"session:{session_id}", action.fault_id, f"connection dropped {way}"
                )
        elif isinstance(action, SkipSequence):
            for session_id in action.session_ids:
                session = self.ports.sessions.get(session_id)
                if session is None:
                    continue
                store = session.store
                before = store.next_sender_seq
                store.set_next_sender_seq(before + action.gap)
                store.flush()
                self.plan.record(
                    now,
                    f"session:{session_id}",
                    action.fault_id,
                    f"outbound MsgSeqNum {before} -> {before + action.gap}",
                )
        elif isinstance(action, PortDown):
            for port in action.ports:
                dropped = self.ports.set_port_down(port, True)
                self.plan.record(
                    now,
                    f"port:{port}",
                    action.fault_id,
                    f"primary down, {dropped} connection(s) dropped; firms go to {port}-secondary",
                )
        elif isinstance(action, PortUp):
            for port in action.ports:
                self.ports.set_port_down(port, False)
                self.plan.record(now, f"port:{port}", action.fault_id, "primary back up")

    def _record(self, event: FaultEvent) -> None:
        log.info("fault %s: %s (%s)", event.kind, event.detail, event.scope)
        journal = self.context.journal
        record = getattr(journal, "record_fault", None)
        if record is None:
            return
        try:
            record(event.ns, event.scope, event.kind, event.detail)
        except Exception:  # the journal closing under us at shutdown, say
            log.exception("could not journal %s", event)


__all__ = ["NOT_AVAILABLE", "FaultRuntime", "FixPorts", "SessionHook", "facility_reason"]
