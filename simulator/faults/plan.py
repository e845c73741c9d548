"""The fault plan: which armed fault applies to which message, session, port or facility, and when.

Pure (architecture.md principles 1 and 4): the plan never reads a clock, touches a socket or
writes the journal. Callers pass ``now_ns`` (simulated) and get decisions back:

* :meth:`FaultPlan.before_send` / :meth:`FaultPlan.on_write` -- for each outbound message of a
  session: leave a keep-alive out (silence), skip sequence numbers (a gap), or withhold, hold
  (delay), garble, duplicate it, or close the connection after it;
* :meth:`FaultPlan.on_inbound` -- drop the connection as the Nth inbound message arrives;
* :meth:`FaultPlan.throttle` -- whether an inbound application message exceeds the session's
  rate, and what the facility does then;
* :meth:`FaultPlan.unavailable` -- whether a facility is in an outage window;
* :meth:`FaultPlan.poll` -- what time alone brings: a disconnect or a gap at its instant, a
  failover starting or ending (:class:`Disconnect`, :class:`SkipSequence`, :class:`PortDown`,
  :class:`PortUp`), applied by :mod:`simulator.faults.runtime`.

Every decision that changes what the facility does is reported as a :class:`FaultEvent` to the
``recorder`` (the runtime writes each one to the journal: issue 6, "every injected fault is
recorded in the journal"); without a recorder they collect in :attr:`FaultPlan.events`.

Counting. ``on_message`` counts the matching messages of *each session in scope* separately:
"drop the connection after the 3rd acknowledgement" drops every session in scope after its own
third. Messages a session stores while it is not logged on (store and forward) are not counted:
they were not sent.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.clock import SECOND
from simulator.domain.facility import FacilityId
from simulator.faults.garble import garble
from simulator.faults.spec import (
    FACILITY_KINDS,
    MESSAGE_KINDS,
    Direction,
    FaultKind,
    FaultSpec,
    FaultSpecError,
    Scope,
    ThrottleAction,
    describe_ns,
    ordinal,
)
from simulator.fix.session import KEEPALIVE_TYPES, OutboundFault, SendPlan
from simulator.timestamps import format_iso8601

THROTTLE_WINDOW_NS = SECOND
#: Faults kept for ``GET /faults`` before the oldest finished ones are forgotten (the journal
#: keeps every record regardless).
MAX_KEPT = 1000


class FaultStatus(StrEnum):
    ARMED = "armed"  # waiting for its instant or its Nth message
    ACTIVE = "active"  # in effect (or counting messages for sessions it has not fired on yet)
    DONE = "done"  # over: its window ended, or it fired everywhere it could
    CANCELLED = "cancelled"  # removed before its end (DELETE /faults, a reset)


LIVE = frozenset({FaultStatus.ARMED, FaultStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class SessionRef:
    """What the plan knows of a session: enough to decide whether a scope covers it."""

    session_id: str
    port: str
    facility: FacilityId
    firm: str
    comp_id: str
    mpids: tuple[str, ...] = ()

    def in_scope(self, scope: Scope) -> bool:
        if scope.facility is not None and scope.facility is not self.facility:
            return False
        if scope.port is not None and scope.port != self.port:
            return False
        if scope.session is not None and scope.session != self.session_id:
            return False
        return scope.firm is None or scope.firm in (self.firm, self.comp_id, *self.mpids)


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One line of the journal's fault log: when, where, what."""

    ns: int
    scope: str
    kind: str
    detail: str
    fault_id: int


@dataclass(frozen=True, slots=True)
class Disconnect:
    fault_id: int
    session_ids: tuple[str, ...]
    logout: bool
    text: str


@dataclass(frozen=True, slots=True)
class SkipSequence:
    fault_id: int
    session_ids: tuple[str, ...]
    gap: int


@dataclass(frozen=True, slots=True)
class PortDown:
    fault_id: int
    ports: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PortUp:
    fault_id: int
    ports: tuple[str, ...]


Action = Disconnect | SkipSequence | PortDown | PortUp


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    """An inbound message beyond the session's rate: reject it, or log the firm out."""

    fault_id: int
    action: ThrottleAction
    text: str


@dataclass
class Fault:
    """An armed fault and what it has done so far."""

    fault_id: int
    spec: FaultSpec
    source: str
    created_ns: int
    sessions: frozenset[str]
    ports: tuple[str, ...] = ()
    status: FaultStatus = FaultStatus.ARMED
    started_ns: int | None = None
    ended_ns: int | None = None
    applied: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    fired: dict[str, int] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    window: dict[str, deque[int]] = field(default_factory=dict)

    @property
    def kind(self) -> FaultKind:
        return self.spec.kind

    @property
    def on_message(self) -> int | None:
        return self.spec.trigger.on_message

    def end_ns(self, started_ns: int | None = None) -> int | None:
        """When the window that started at ``started_ns`` (default: the fault's) ends."""
        if self.spec.until_ns is not None:
            return self.spec.until_ns
        start = self.started_ns if started_ns is None else started_ns
        if self.spec.duration_ns is not None and start is not None:
            return start + self.spec.duration_ns
        return None

    def to_json(self) -> dict[str, Any]:
        end = self.end_ns() if self.on_message is None else None
        return {
            "id": self.fault_id,
            "status": self.status.value,
            "source": self.source,
            "description": self.spec.describe(),
            "spec": self.spec.to_json(),
            "created": format_iso8601(self.created_ns),
            "started": format_iso8601(self.started_ns) if self.started_ns is not None else None,
            "ends": format_iso8601(end) if end is not None else None,
            "ended": format_iso8601(self.ended_ns) if self.ended_ns is not None else None,
            "applied": self.applied,
            "sessions": sorted(self.sessions),
            "ports": list(self.ports),
            "fired": {session: format_iso8601(ns) for session, ns in sorted(self.fired.items())},
        }


Recorder = Callable[[FaultEvent], None]


class FaultPlan:
    """Every fault of one simulator, and the decisions they make (see the module docstring)."""

    def __init__(
        self,
        sessions: Iterable[SessionRef] = (),
        ports: Mapping[str, FacilityId] | None = None,
        *,
        recorder: Recorder | None = None,
        seed: int = 0,
    ) -> None:
        self.sessions: dict[str, SessionRef] = {ref.session_id: ref for ref in sessions}
        self.ports: dict[str, FacilityId] = dict(ports or {})
        for ref in self.sessions.values():
            self.ports.setdefault(ref.port, ref.facility)
        self.recorder = recorder
        self.seed = seed
        self.faults: dict[int, Fault] = {}
        self.events: list[FaultEvent] = []
        self._next_id = 1
        self._pending: list[Action] = []
        self._live: list[Fault] = []
        self._next_change: int | None = None

    # -- arming and removing ----------------------------------------------------------------------

    @property
    def has_live(self) -> bool:
        """Whether any fault is armed or in effect (the runtime hooks sessions only then)."""
        return bool(self._live)

    def resolve(self, spec: FaultSpec) -> tuple[frozenset[str], tuple[str, ...]]:
        """The sessions and ports a spec covers; :class:`FaultSpecError` if it names something
        this simulator does not have, or covers nothing."""
        scope = spec.scope
        if scope.port is not None and scope.port not in self.ports:
            known = ", ".join(sorted(self.ports)) or "none"
            raise FaultSpecError("port", f"no port named {scope.port!r} (ports: {known})")
        if scope.session is not None and scope.session not in self.sessions:
            raise FaultSpecError(
                "session",
                f"no session {scope.session!r} (sessions are <port>:<CompID>, e.g. "
                f"{next(iter(sorted(self.sessions)), 'trace-ca:ACMEFIX')})",
            )
        if scope.facility is not None and scope.facility not in self.ports.values():
            raise FaultSpecError("facility", f"no port of {scope.facility.value} is served")
        if spec.kind is FaultKind.FAILOVER:
            ports = tuple(
                name
                for name, facility in sorted(self.ports.items())
                if (scope.port is None or name == scope.port)
                and (scope.facility is None or facility is scope.facility)
            )
            if not ports:
                raise FaultSpecError("port", "matches no port")
            return frozenset(), ports
        if spec.kind is FaultKind.OUTAGE:
            return frozenset(), ()
        sessions = frozenset(sid for sid, ref in self.sessions.items() if ref.in_scope(scope))
        if not sessions:
            field_name = "firm" if scope.firm is not None else "session"
            raise FaultSpecError(field_name, f"{scope.describe()}: matches no session")
        return sessions, ()

    def add(self, spec: FaultSpec, now_ns: int, source: str = "api") -> Fault:
        """Arm a fault; it starts now, at its instant, or on its Nth message."""
        sessions, ports = self.resolve(spec)
        fault = Fault(self._next_id, spec, source, now_ns, sessions, ports)
        self._next_id += 1
        self.faults[fault.fault_id] = fault
        if len(self.faults) > MAX_KEPT:  # a long soak arms thousands: keep the listing bounded
            for old in [f for f in self.faults.values() if f.status not in LIVE][: -MAX_KEPT // 2]:
                del self.faults[old.fault_id]
        self._live.append(fault)
        self._record(now_ns, spec.scope.journal_scope(), fault, f"armed: {spec.describe()}")
        trigger = spec.trigger
        if trigger.on_message is None and (trigger.at_ns is None or trigger.at_ns <= now_ns):
            self._activate(fault, now_ns if trigger.at_ns is None else trigger.at_ns, now_ns)
        self._refresh(now_ns, force=True)
        return fault

    def cancel(self, fault_id: int, now_ns: int) -> Fault | None:
        """Remove a fault (its effects stop now; a failed-over port comes back)."""
        fault = self.faults.get(fault_id)
        if fault is None:
            return None
        if fault.status in LIVE:
            if fault.kind is FaultKind.FAILOVER and fault.status is FaultStatus.ACTIVE:
                self._pending.append(PortUp(fault.fault_id, fault.ports))
            fault.status = FaultStatus.CANCELLED
            fault.ended_ns = now_ns
            self._record(now_ns, fault.spec.scope.journal_scope(), fault, "cancelled")
            self._refresh(now_ns, force=True)
        return fault

    def clear(self, now_ns: int) -> list[Fault]:
        """Cancel every live fault; returns them."""
        live = list(self._live)
        for fault in live:
            self.cancel(fault.fault_id, now_ns)
        return live

    def get(self, fault_id: int) -> Fault | None:
        return self.faults.get(fault_id)

    def listing(self, status: FaultStatus | None = None) -> list[Fault]:
        return [f for f in self.faults.values() if status is None or f.status is status]

    # -- time -----------------------------------------------------------------------------------

    def next_deadline_ns(self) -> int | None:
        """When time alone next changes something (a start, an end)."""
        return self._next_change

    def poll(self, now_ns: int) -> list[Action]:
        """Bring the plan to ``now_ns`` and hand over what the runtime must do."""
        self._refresh(now_ns)
        actions, self._pending = self._pending, []
        return actions

    def _refresh(self, now: int, *, force: bool = False) -> None:
        if not force and (self._next_change is None or now < self._next_change):
            return
        for fault in list(self._live):
            trigger = fault.spec.trigger
            if (
                fault.status is FaultStatus.ARMED
                and trigger.at_ns is not None
                and trigger.at_ns <= now
            ):
                self._activate(fault, trigger.at_ns, now)
            if fault.status is FaultStatus.ACTIVE and fault.on_message is None:
                end = fault.end_ns()
                if end is not None and end <= now:
                    self._finish(fault, end)
        self._live = [f for f in self._live if f.status in LIVE]
        upcoming: list[int] = []
        for fault in self._live:
            trigger = fault.spec.trigger
            if fault.status is FaultStatus.ARMED and trigger.at_ns is not None:
                upcoming.append(trigger.at_ns)
            elif fault.status is FaultStatus.ACTIVE and fault.on_message is None:
                end = fault.end_ns()
                if end is not None:
                    upcoming.append(end)
        self._next_change = min(upcoming) if upcoming else None

    def _activate(self, fault: Fault, start: int, now: int) -> None:
        fault.status = FaultStatus.ACTIVE
        fault.started_ns = start
        scope = fault.spec.scope.journal_scope()
        kind = fault.kind
        if kind is FaultKind.DISCONNECT:
            text = fault.spec.text or "Facility disconnect (fault injection)"
            self._pending.append(
                Disconnect(fault.fault_id, tuple(sorted(fault.sessions)), fault.spec.logout, text)
            )
            self._finish(fault, now, quiet=True)
        elif kind is FaultKind.SEQUENCE_GAP:
            self._pending.append(
                SkipSequence(fault.fault_id, tuple(sorted(fault.sessions)), fault.spec.gap)
            )
            self._finish(fault, now, quiet=True)
        elif kind is FaultKind.FAILOVER:
            self._pending.append(PortDown(fault.fault_id, fault.ports))
            self._record(start, scope, fault, "started: " + ", ".join(fault.ports) + " down")
        else:
            self._record(start, scope, fault, "started")
        end = fault.end_ns()
        if fault.status is FaultStatus.ACTIVE and end is not None and end <= now:
            self._finish(fault, end)

    def _finish(self, fault: Fault, ns: int, *, quiet: bool = False) -> None:
        fault.status = FaultStatus.DONE
        fault.ended_ns = ns
        if fault.kind is FaultKind.FAILOVER:
            self._pending.append(PortUp(fault.fault_id, fault.ports))
        if not quiet:
            self._record(ns, fault.spec.scope.journal_scope(), fault, "ended")

    # -- per-session decisions ------------------------------------------------------------------

    def _session_window_open(self, fault: Fault, session_id: str, now: int) -> bool:
        """A fault fired on a message stays in effect for its duration from that message."""
        fired = fault.fired.get(session_id)
        if fired is None:
            return False
        end = fault.end_ns(fired)
        return end is None or now < end

    def _fire(self, fault: Fault, session_id: str, now: int, what: str) -> None:
        fault.fired[session_id] = now
        if fault.status is FaultStatus.ARMED:
            fault.status = FaultStatus.ACTIVE
            fault.started_ns = now
        self._record(now, f"session:{session_id}", fault, what)

    def _settle(self, fault: Fault, now: int) -> None:
        """A fault triggered on a message is done once it has fired on every session in scope
        and nothing remains for it to do there."""
        if len(fault.fired) < len(fault.sessions):
            return
        kind = fault.kind
        if kind in MESSAGE_KINDS:
            times = fault.spec.effective_times
            if times is None:
                return
            if any(fault.remaining.get(s, times) > 0 for s in fault.sessions):
                return
        elif kind is FaultKind.SILENCE and any(
            self._session_window_open(fault, s, now) for s in fault.sessions
        ):
            return
        fault.status = FaultStatus.DONE
        fault.ended_ns = now
        self._live = [f for f in self._live if f.status in LIVE]

    def _count(self, fault: Fault, session_id: str) -> bool:
        """Count a matching message; ``True`` when it is the triggering one."""
        seen = fault.seen.get(session_id, 0) + 1
        fault.seen[session_id] = seen
        return seen == fault.on_message

    def before_send(self, session_id: str, msg_type: str, now: int, live: bool) -> SendPlan | None:
        """Before an outbound message is numbered: silence and sequence gaps."""
        if not self._live:
            return None
        self._refresh(now)
        suppress = False
        skip = 0
        for fault in self._live:
            kind = fault.kind
            if session_id not in fault.sessions:
                continue
            if kind is FaultKind.SILENCE and msg_type in KEEPALIVE_TYPES:
                active = (
                    self._session_window_open(fault, session_id, now)
                    if fault.on_message is not None
                    else fault.status is FaultStatus.ACTIVE
                )
                if active:
                    suppress = True
                    fault.applied += 1
                    name = "Heartbeat" if msg_type == "0" else "TestRequest"
                    self._record(now, f"session:{session_id}", fault, f"{name} not sent")
            elif (
                kind is FaultKind.SEQUENCE_GAP
                and fault.on_message is not None
                and live
                and session_id not in fault.fired
                and fault.spec.scope.matches_type(msg_type)
                and self._count(fault, session_id)
            ):
                skip += fault.spec.gap
                fault.applied += 1
                self._fire(
                    fault,
                    session_id,
                    now,
                    f"skipped {fault.spec.gap} sequence numbers before the "
                    f"{ordinal(fault.on_message)} 35={msg_type}",
                )
                self._settle(fault, now)
        if suppress or skip:
            return SendPlan(suppress=suppress, skip=skip)
        return None

    def on_write(
        self, session_id: str, msg_type: str, seq: int, raw: bytes, now: int
    ) -> OutboundFault | None:
        """An outbound message, numbered and stored, about to be written."""
        if not self._live:
            return None
        self._refresh(now)
        withhold = duplicate = close = logout = False
        hold: int | None = None
        replacement: bytes | None = None
        text: str | None = None
        reason = ""
        where = f"session:{session_id}"
        for fault in list(self._live):
            kind = fault.kind
            if (
                kind in FACILITY_KINDS
                or kind is FaultKind.THROTTLE
                or kind is FaultKind.SEQUENCE_GAP
                or session_id not in fault.sessions
                or not fault.spec.scope.matches_type(msg_type)
            ):
                continue
            spec = fault.spec
            if fault.on_message is not None:
                if kind is FaultKind.DISCONNECT and spec.trigger.direction is Direction.INBOUND:
                    continue
                if session_id not in fault.fired:
                    if not self._count(fault, session_id):
                        continue
                    nth = f"the {ordinal(fault.on_message)} 35={msg_type} (seq {seq})"
                    if kind is FaultKind.DISCONNECT:
                        close, logout = True, spec.logout
                        text = spec.text or "Facility disconnect (fault injection)"
                        reason = f"fault {fault.fault_id}: dropped after {nth}"
                        fault.applied += 1
                        way = "with Logout" if spec.logout else "without Logout"
                        self._fire(fault, session_id, now, f"connection dropped {way} after {nth}")
                        self._settle(fault, now)
                        continue
                    if kind is FaultKind.SILENCE:
                        self._fire(fault, session_id, now, f"silence starts after {nth}")
                        continue
                    times = spec.effective_times
                    if times is not None:
                        fault.remaining[session_id] = times
                    self._fire(fault, session_id, now, f"triggered by {nth}")
                elif kind in (FaultKind.DISCONNECT, FaultKind.SILENCE):
                    continue
                if not self._session_window_open(fault, session_id, now):
                    continue
            elif fault.status is not FaultStatus.ACTIVE or kind not in MESSAGE_KINDS:
                continue
            times = spec.effective_times
            if times is not None:
                left = fault.remaining.get(session_id, times)
                if left <= 0:
                    continue
                fault.remaining[session_id] = left - 1
            fault.applied += 1
            label = f"35={msg_type} seq {seq}"
            if kind is FaultKind.DELAY:
                release = now + spec.delay_ns
                hold = release if hold is None else max(hold, release)
                self._record(now, where, fault, f"{label} held for {describe_ns(spec.delay_ns)}")
            elif kind is FaultKind.WITHHOLD:
                withhold = True
                self._record(now, where, fault, f"{label} stored, not sent")
            elif kind is FaultKind.DUPLICATE:
                duplicate = True
                self._record(now, where, fault, f"{label} sent twice (43=Y)")
            elif kind is FaultKind.GARBLE:
                salt = zlib.crc32(f"{self.seed}:{fault.fault_id}:{session_id}:{seq}".encode())
                replacement = garble(raw, spec.mode, salt)
                self._record(now, where, fault, f"{label} sent garbled ({spec.mode.value})")
            if fault.on_message is not None:
                self._settle(fault, now)
        if not (withhold or duplicate or close or hold is not None or replacement is not None):
            return None
        return OutboundFault(
            withhold=withhold,
            hold_until_ns=hold,
            replacement=replacement,
            duplicate=duplicate,
            close=close,
            logout=logout,
            logout_text=text,
            reason=reason or "dropped by the facility (fault injection)",
        )

    def on_inbound(self, session_id: str, msg_type: str, now: int) -> str | None:
        """An inbound message about to be read: the reason to drop the connection, or ``None``."""
        if not self._live:
            return None
        for fault in list(self._live):
            if (
                fault.kind is not FaultKind.DISCONNECT
                or fault.on_message is None
                or fault.spec.trigger.direction is not Direction.INBOUND
                or session_id not in fault.sessions
                or session_id in fault.fired
                or not fault.spec.scope.matches_type(msg_type)
                or not self._count(fault, session_id)
            ):
                continue
            fault.applied += 1
            nth = f"the {ordinal(fault.on_message)} inbound 35={msg_type}"
            self._fire(fault, session_id, now, f"connection dropped as {nth} arrived (unread)")
            self._settle(fault, now)
            return f"fault {fault.fault_id}: connection dropped as {nth} arrived"
        return None

    def throttle(self, session_id: str, msg_type: str, now: int) -> ThrottleDecision | None:
        """Whether an inbound message exceeds a throttle on its session (N per simulated second:
        the messages accepted in the last second, ``(now - 1 s, now]``, are counted)."""
        if not self._live:
            return None
        self._refresh(now)
        matched: list[deque[int]] = []
        for fault in self._live:
            if (
                fault.kind is not FaultKind.THROTTLE
                or fault.status is not FaultStatus.ACTIVE
                or session_id not in fault.sessions
                or not fault.spec.scope.matches_type(msg_type)
            ):
                continue
            window = fault.window.setdefault(session_id, deque())
            floor = now - THROTTLE_WINDOW_NS
            while window and window[0] <= floor:
                window.popleft()
            if len(window) >= fault.spec.rate:
                fault.applied += 1
                text = fault.spec.text or (
                    f"Throttle limit exceeded: at most {fault.spec.rate} messages per second"
                )
                action = fault.spec.on_exceed
                self._record(
                    now,
                    f"session:{session_id}",
                    fault,
                    f"35={msg_type} beyond {fault.spec.rate}/s: "
                    + ("rejected (35=j)" if action is ThrottleAction.REJECT else "logged out"),
                )
                return ThrottleDecision(fault.fault_id, action, text)
            matched.append(window)
        for window in matched:
            window.append(now)
        return None

    def unavailable(self, facility: FacilityId, now: int) -> Fault | None:
        """The outage covering ``facility`` at ``now``, if any."""
        if not self._live:
            return None
        self._refresh(now)
        for fault in self._live:
            if (
                fault.kind is FaultKind.OUTAGE
                and fault.status is FaultStatus.ACTIVE
                and (fault.spec.scope.facility is None or fault.spec.scope.facility is facility)
            ):
                return fault
        return None

    def record_outage_refusal(
        self, fault: Fault, facility: FacilityId, now: int, text: str
    ) -> None:
        fault.applied += 1
        self._record(now, f"facility:{facility.value}", fault, f"report refused: {text}")

    def record(self, ns: int, scope: str, fault_id: int, detail: str) -> None:
        """Record something the runtime did for a fault (a connection it closed, a port)."""
        fault = self.faults.get(fault_id)
        if fault is not None:
            fault.applied += 1
            self._record(ns, scope, fault, detail)

    def _record(self, ns: int, scope: str, fault: Fault, detail: str) -> None:
        event = FaultEvent(
            ns, scope, fault.kind.value, f"fault {fault.fault_id}: {detail}", fault.fault_id
        )
        if self.recorder is not None:
            self.recorder(event)
        else:
            self.events.append(event)


__all__ = [
    "Action",
    "Disconnect",
    "Fault",
    "FaultEvent",
    "FaultPlan",
    "FaultStatus",
    "PortDown",
    "PortUp",
    "SessionRef",
    "SkipSequence",
    "ThrottleDecision",
]
